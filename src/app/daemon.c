/*
 * daemon.c - the long-running mode: one worker thread per physical port
 * (sections naming the same port take turns on it), one MQTT
 * connection per broker, the command router, availability, Home Assistant
 * (through hass.h), signals, pid file and systemd notification.
 *
 * The daemon only wires the command path at start-up (router.h describes
 * it): each device's policy is compiled once (cmd_policy.h) and shared by
 * the router and Home Assistant's settings; router_add binds the device to
 * its connection through conn_cmd_link, which routes the command filter's
 * messages straight from the connection to the router.  No command passes
 * through this file.
 *
 * Threads: the main thread only sets up, then waits for signals and feeds
 * the systemd watchdog; device workers poll and run commands; each MQTT
 * connection has its network thread.  Signals are blocked in every thread
 * and taken synchronously by the main thread (sigtimedwait).
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <mosquitto.h>

#include "clock.h"
#include "app.h"
#include "cmd_policy.h"
#include "config.h"
#include "conn_link.h"
#include "device.h"
#include "hass.h"
#include "http_server.h"	/* web */
#include "http_store.h"	/* web */
#include "ident.h"
#include "log.h"
#include "mqtt_conn.h"
#include "notify.h"
#include "output.h"
#include "result.h"
#include "router.h"
#include "sbuf.h"
#include "worker.h"

/* Consecutive unanswered commands before a device is "offline". */
#define OFFLINE_AFTER	3
/* How long shutdown waits for responses and telemetry to reach brokers. */
#define SHUTDOWN_FLUSH_MS 5000

struct daemon;

struct dev_ctx {
	struct daemon		*dm;
	const struct device_cfg	*dc;
	struct device		*dev;
	struct worker		*worker;
	struct worker_group	*group;		/* its port's owner thread */
	char			*port_key;	/* NULL: not a physical port */
	struct app_out		 out;
	struct mqtt_conn	*conn;		/* for commands and availability */
	pthread_mutex_t		 lock;		/* guards online */
	int			 online;	/* -1 unknown, 0 offline, 1 online */
	char			*avail_topic;
	struct cmd_policy	 policy;	/* the router's and HA's, compiled once */
	struct hass_dev		*hass;		/* NULL: nothing for HA */
};

struct daemon {
	struct config		*cfg;
	struct conn_registry	*reg;
	struct router		*router;
	struct hass		*hass;
	struct dev_ctx		*devs;
	int			 ndevs;
	struct hstore		*web;		/* web: NULL without http_listen */
	struct http_server	*http;
	char			 state_dir[4096];	/* config_state_dir() */
};

static void
publish_availability(struct dev_ctx *x, int online)
{
	const char *s = online ? "online" : "offline";

	if (x->conn == NULL || x->avail_topic == NULL)
		return;
	conn_publish(x->conn, x->avail_topic, s, strlen(s), 1, 1);
}

/* After every poll command, on the device's worker thread. */
static void
on_poll(void *arg, struct device *d, const char *cmd, int index,
    struct result *r, int status)
{
	struct dev_ctx *x = arg;
	int online = -1, changed = 0;

	app_emit(&x->out, cmd, r);
	hstore_poll(x->dm->web, (int)(x - x->dm->devs), index, r, status); /* web */
	hass_on_poll(x->hass, index, cmd, r);	/* may take r over */
	pthread_mutex_lock(&x->lock);
	if (status >= 0 && x->online != 1)
		online = 1;
	else if (status < 0 && (d->consecutive_failures >= OFFLINE_AFTER ||
	    port_link_down(d->port)) && x->online != 0)
		online = 0;	/* silent a while, or its node or bridge gone */
	if (online >= 0) {
		changed = 1;
		x->online = online;
		hstore_online(x->dm->web, (int)(x - x->dm->devs), online); /* web */
	}
	pthread_mutex_unlock(&x->lock);
	if (changed) {
		if (online)
			log_info("%s: inverter answering, online", x->dc->name);
		else
			log_warn("%s: %u commands in a row without an answer%s, "
			    "offline", x->dc->name, d->consecutive_failures,
			    port_link_down(d->port) ? " (port cannot be opened)" :
			    "");
		publish_availability(x, online);
	}
}

/* homeassistant/status (network thread): routed on every connection ahead
 * of the command filters, so it is never taken for a command. */
static void
on_ha_status(void *arg, struct mqtt_conn *c, const struct mosquitto_message *m,
    const mosquitto_property *props)
{
	struct daemon *dm = arg;

	(void)hass_on_message(dm->hass, c, m);
}

static void
on_up(void *arg, struct mqtt_conn *c)
{
	struct daemon *dm = arg;

	hstore_broker_up(dm->web, conn_name(c));	/* web */
	for (int i = 0; i < dm->ndevs; i++) {
		struct dev_ctx *x = &dm->devs[i];
		int online;
		if (x->conn != c)
			continue;
		pthread_mutex_lock(&x->lock);
		online = x->online;
		pthread_mutex_unlock(&x->lock);
		if (online >= 0)
			publish_availability(x, online);
	}
	hass_on_up(dm->hass, c);
}

/*
 * The router's after-hook (worker thread): the command is counted for the
 * web page, then Home Assistant reads settings back after a setter.
 */
static void
on_command_done(void *arg, struct device *dev, struct worker *w,
    const char *cmd, const struct result *res)
{
	struct daemon *dm = arg;

	for (int i = 0; i < dm->ndevs; i++)	/* web */
		if (dm->devs[i].dev == dev)
			hstore_command(dm->web, i);
	hass_after_command(dm->hass, dev, w, cmd, res);
}

/*
 * web: the store every worker hands its poll results to, and the server
 * reading it (http_listen in [SETUP]; nothing at all without it).
 */
static int
web_start(struct daemon *dm)
{
	if (dm->cfg->http_listen == NULL)
		return 0;
	dm->web = hstore_new(dm->cfg);
	for (int i = 0; i < conn_registry_count(dm->reg); i++)
		hstore_add_broker(dm->web, conn_name(conn_registry_at(dm->reg, i)));
	dm->http = http_start(dm->cfg->http_listen, dm->web);
	return dm->http != NULL ? 0 : -1;
}

static int
write_pidfile(const char *path)
{
	char buf[32];
	int fd;
	FILE *f;

	/* Refuse to start when the file names a live process. */
	if ((f = fopen(path, "r")) != NULL) {
		long pid = 0;
		if (fscanf(f, "%ld", &pid) == 1 && pid > 0 && pid != getpid() &&
		    (kill((pid_t)pid, 0) == 0 || errno == EPERM)) {
			fclose(f);
			log_error("pid file %s names a running process (%ld): "
			    "is mppd already running?", path, pid);
			return -1;
		}
		fclose(f);
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		log_error("cannot write pid file %s: %s", path, strerror(errno));
		return -1;
	}
	snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (write(fd, buf, strlen(buf)) < 0) {
		log_error("cannot write pid file %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/*
 * The device's command policy (cmd_policy.h), compiled once and shared by
 * the command router and Home Assistant's settings.  -1 when a pattern
 * does not compile (logged; the configuration check refuses such a file
 * before this).
 */
static int
policy_init(struct dev_ctx *x)
{
	struct sbuf err = SBUF_INIT;

	if (cmd_policy_init(&x->policy, x->dc, x->dev->proto, &err) == 0)
		return 0;
	while (err.len > 0 && err.buf[err.len - 1] == '\n')
		err.buf[--err.len] = '\0';
	log_error("%s: mqtt_allowed_cmds: %s", x->dc->name, sbuf_str(&err));
	sbuf_free(&err);
	return -1;
}

/* Registers device x with Home Assistant (its options as app_emit's). */
static void
hass_add(struct daemon *dm, struct dev_ctx *x)
{
	struct hass_dev_cfg hc;
	struct out_opts o;

	app_out_opts(&x->out, NULL, &o);
	memset(&hc, 0, sizeof(hc));
	hc.dc = x->dc;
	hc.dev = x->dev;
	hc.proto = x->dev->proto;
	hc.hostname = ident_hostname(&x->dc->mqtt);
	hc.conn = x->conn;
	hc.allow = x->policy.allow;
	hc.opts = &o;
	hc.state_dir = dm->state_dir;
	hc.pause_ms = dm->cfg->pause * 1000;
	x->hass = hass_add_device(dm->hass, &hc);
}

static int
setup_devices(struct daemon *dm)
{
	struct config *c = dm->cfg;

	dm->ndevs = c->ndevs;
	dm->devs = xcalloc((size_t)c->ndevs + 1, sizeof(*dm->devs));
	for (int i = 0; i < c->ndevs; i++) {
		struct dev_ctx *x = &dm->devs[i];
		const struct device_cfg *dc = &c->devs[i];

		x->dm = dm;
		x->dc = dc;
		x->online = -1;
		pthread_mutex_init(&x->lock, NULL);
		if (app_out_init(&x->out, c, dc, dm->reg, 0) < 0)
			return -1;
		x->out.availability = 1;
		x->conn = x->out.conn;
		/* commands and Home Assistant's energy sensors need the
		 * broker even without an MQTT output */
		if (x->conn == NULL && (dc->nallow > 0 || dc->hass_energy) &&
		    dc->mqtt.broker != NULL &&
		    strcmp(dc->mqtt.broker, "screen") != 0)
			x->conn = conn_registry_get(dm->reg, &dc->mqtt,
			    ident_hostname(&dc->mqtt));
		if (x->conn != NULL) {
			struct sbuf t = SBUF_INIT;
			sbuf_printf(&t, "%s/%s/availability",
			    ident_hostname(&dc->mqtt), dc->name);
			x->avail_topic = sbuf_steal(&t);
			/* what mppd publishes is never a command */
			router_ignore(dm->router, x->avail_topic);
			sbuf_printf(&t, "%s/mppd/status",
			    ident_hostname(&dc->mqtt));
			router_ignore(dm->router, sbuf_str(&t));
			sbuf_reset(&t);
			sbuf_printf(&t, "%s/mppd/error",
			    ident_hostname(&dc->mqtt));
			router_ignore(dm->router, sbuf_str(&t));
			sbuf_reset(&t);
			sbuf_printf(&t, "%s/%s/settings/#",
			    ident_hostname(&dc->mqtt), dc->name);
			router_ignore(dm->router, sbuf_str(&t));
			sbuf_free(&t);
		}
		x->dev = device_new(dc);
		{
			char key[4200];
			if (port_key(dc->port, x->dev->port_type, key,
			    sizeof(key)) == 0)
				x->port_key = xstrdup(key);
		}
		if (policy_init(x) < 0)
			return -1;
		hass_add(dm, x);
	}
	hass_ready(dm->hass);
	for (int i = 0; i < dm->ndevs; i++) {
		struct dev_ctx *x = &dm->devs[i];
		x->out.uid_prefix = hass_uid_prefix(x->hass);
		x->out.hass_apart = hass_owns_sensors(x->hass);
	}
	return 0;
}

static void
teardown_devices(struct daemon *dm)
{
	for (int i = 0; i < dm->ndevs; i++) {
		struct dev_ctx *x = &dm->devs[i];
		if (x->dc == NULL)
			continue;	/* setup stopped before this device */
		app_out_free(&x->out);
		device_free(x->dev);
		free(x->avail_topic);
		free(x->port_key);
		cmd_policy_free(&x->policy);
		pthread_mutex_destroy(&x->lock);
	}
	free(dm->devs);
}

int
app_daemon(struct config *c, const struct daemon_opts *o)
{
	struct daemon dm;
	sigset_t set;
	struct timespec tick;
	int rc = 0, started = 0, stop = 0, lost;
	unsigned long wd_usec;
	int64_t wd_next = 0;

	memset(&dm, 0, sizeof(dm));
	dm.cfg = c;
#ifdef M_ARENA_MAX
	/* One malloc arena for all threads: glibc's default, an arena per
	 * thread up to 8 per CPU, keeps the high-water mark of every worker's
	 * telemetry bursts (bench/run.sh, 64 devices: 12.2 -> 10.8 MB VmHWM,
	 * commands per second unchanged). */
	mallopt(M_ARENA_MAX, 1);
#endif
	if (c->log_file != NULL && log_open_file(c->log_file) < 0)
		log_warn("cannot open log file %s: %s", c->log_file, strerror(errno));
	if (o->pidfile != NULL && write_pidfile(o->pidfile) < 0)
		return 1;

	/* Block the signals we handle before any thread exists. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	dm.reg = conn_registry_new(0);
	dm.router = router_new();
	router_set_state_dir(dm.router,
	    config_state_dir(c, dm.state_dir, sizeof(dm.state_dir)));
	dm.hass = hass_new();
	router_set_after_hook(dm.router, on_command_done, &dm);
	if (setup_devices(&dm) < 0) {
		rc = 1;
		goto out;
	}
	if (web_start(&dm) < 0) {	/* web */
		rc = 1;
		goto out;
	}
	for (int i = 0; i < conn_registry_count(dm.reg); i++) {
		struct mqtt_conn *mc = conn_registry_at(dm.reg, i);

		conn_route(mc, "homeassistant/status", on_ha_status, &dm);
		conn_set_handlers(mc, NULL, on_up, &dm);
	}
	for (int i = 0; i < dm.ndevs; i++) {
		struct dev_ctx *x = &dm.devs[i];
		struct worker_cfg wc;

		memset(&wc, 0, sizeof(wc));
		wc.commands = x->dc->commands;
		wc.ncommands = x->dc->ncommands;
		wc.pause_ms = c->pause * 1000;
		/* spread the first cycles over a second: the first device
		 * still polls at once */
		wc.start_ms = dm.ndevs > 1 ? i * 1000 / dm.ndevs : 0;
		wc.queue_len = x->dc->queue_len;
		wc.poll = on_poll;
		wc.poll_arg = x;
		x->group = NULL;
		for (int j = 0; j < i && x->port_key != NULL; j++) {
			struct dev_ctx *y = &dm.devs[j];
			if (y->port_key == NULL || y->group == NULL ||
			    strcmp(y->port_key, x->port_key) != 0)
				continue;
			/* One owner per physical port: the sections take
			 * turns on one thread instead of corrupting each
			 * other's exchanges. */
			log_info("%s: port %s shared with %s: one worker runs "
			    "both in turn", x->dc->name, x->dc->port, y->dc->name);
			device_share_port(x->dev, y->dev);
			x->group = y->group;
			break;
		}
		if (x->group == NULL)
			x->group = worker_group_new();
		if ((x->worker = worker_add(x->group, x->dev, &wc)) == NULL) {
			rc = 1;
			goto stop_workers;
		}
		hass_attach_worker(x->hass, x->worker);
		if (x->conn != NULL &&
		    router_add(dm.router, &conn_cmd_link, x->conn, x->dc,
		    &x->policy, x->dev, x->worker,
		    ident_hostname(&x->dc->mqtt)) < 0) {
			rc = 1;
			goto stop_workers;
		}
	}
	conn_registry_start(dm.reg);
	started = 1;

	wd_usec = notify_watchdog_usec();
	notify_ready(dm.ndevs, conn_registry_count(dm.reg));
	log_info("running: %d device(s), %d broker connection(s)", dm.ndevs,
	    conn_registry_count(dm.reg));

	while (!stop) {
		siginfo_t si;
		int sig;
		int64_t now;

		/* Wake at least every 250 ms: the watchdog runs at half of
		 * WATCHDOG_USEC whatever `pause` is. */
		tick.tv_sec = 0;
		tick.tv_nsec = 250 * 1000000L;
		sig = sigtimedwait(&set, &si, &tick);
		if (sig == SIGTERM || sig == SIGINT) {
			log_info("signal %d: shutting down", sig);
			stop = 1;
		} else if (sig == SIGHUP) {
			log_info("SIGHUP: reopening the log file");
			log_reopen();
		}
		now = mono_ms();
		if (wd_usec > 0 && now >= wd_next) {
			notify_watchdog();
			wd_next = now + (int64_t)(wd_usec / 2000);
		}
	}
	notify_stopping();

stop_workers:
	/* From here every new command is answered "mppd is shutting down"
	 * without touching a worker.  Then the workers: the command in
	 * progress finishes and every queued command is answered before the
	 * connections flush and close. */
	router_close(dm.router);
	http_stop(dm.http);	/* web */
	dm.http = NULL;
	hass_detach(dm.hass);
	for (int i = 0; i < dm.ndevs; i++)
		if (dm.devs[i].worker != NULL)
			worker_stop(dm.devs[i].worker);
	if (!started)
		conn_registry_start(dm.reg);
	lost = conn_registry_stop(dm.reg, SHUTDOWN_FLUSH_MS);
	if (lost > 0)
		log_warn("%d MQTT message(s) not delivered at shutdown", lost);
out:
	http_stop(dm.http);	/* web */
	router_free(dm.router);
	conn_registry_free(dm.reg);
	hass_free(dm.hass);
	teardown_devices(&dm);
	hstore_free(dm.web);	/* web */
	/* The reference's daemon removes its .prom files when it exits:
	 * a stopped daemon leaves no stale metrics behind. */
	output_prom_file_cleanup();
	if (o->pidfile != NULL)
		unlink(o->pidfile);
	log_close();
	return rc;
}

/*
 * conn_env.h - the fixture shared by the MQTT connection manager's tests
 * (test_mqtt_conn.c, test_mqtt_conn_outage.c): a private directory and
 * mosquitto broker, the settings of a connection, a recorder for what a
 * connection's handlers saw, mosquitto_sub/mosquitto_pub as independent
 * peers, and a socat proxy that can be frozen or cut.
 *
 * Included by one test program at a time, so everything is static (and
 * inline, so a program that does not use a helper gets no warning).  Every
 * broker, proxy and client is started by PID and stopped by PID; every wait
 * is bounded.
 */
#ifndef MPPD_CONN_ENV_H
#define MPPD_CONN_ENV_H

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <mosquitto.h>
#include <mqtt_protocol.h>

#include "config.h"
#include "harness.h"
#include "log.h"
#include "mqtt_conn.h"
#include "sbuf.h"
#include "testmain.h"

#define HOST		"testhost"
#define STATUS_TOPIC	HOST "/mppd/status"
#define SUB_BIN		"/usr/bin/mosquitto_sub"
#define PUB_BIN		"/usr/bin/mosquitto_pub"
#define SOCAT_BIN	"/usr/bin/socat"

struct fx {
	char	*dir;
	int	 port;
	pid_t	 broker;
	char	*blog;		/* broker.log */
	char	*mlog;		/* our WARNING/ERROR lines */
	char	 sport[16];
};

/* What a connection's handlers saw (written on its network thread). */
struct rec {
	pthread_mutex_t	 mtx;
	struct sbuf	 text;		/* "topic payload\n" per message */
	int		 n;
	int		 ups;
	char		 corr[64];
	size_t		 corrlen;
};

static inline void
fx_init(struct fx *f, int with_broker, const char *extra)
{
	memset(f, 0, sizeof(*f));
	assert_non_null(f->dir = h_tmpdir());
	/* mosquitto started as root drops to user "mosquitto": it must be
	 * able to write its log and database here. */
	assert_int_equal(chmod(f->dir, 0777), 0);
	f->port = h_free_port();
	assert_true(f->port > 0);
	snprintf(f->sport, sizeof(f->sport), "%d", f->port);
	f->blog = h_path(f->dir, "broker.log");
	f->mlog = h_path(f->dir, "mppd.log");
	log_init("test_mqtt_conn", LOG_LVL_INFO);
	assert_int_equal(log_open_file(f->mlog), 0);
	f->broker = -1;
	if (with_broker) {
		f->broker = h_start_broker(f->dir, f->port, extra);
		assert_true(f->broker > 0);
	}
}

static inline void
fx_done(struct fx *f)
{
	if (f->broker > 0)
		h_stop(f->broker, SIGTERM, 3000);
	h_cleanup_all();
	log_close();
	h_rmrf(f->dir);
	free(f->dir);
	free(f->blog);
	free(f->mlog);
}

static inline void
set_init(struct mqtt_settings *m, int port)
{
	memset(m, 0, sizeof(*m));
	m->broker = "127.0.0.1";
	m->port = port;
	m->keepalive = 60;
	m->protocol = 4;
	m->cmd_qos = 1;
	m->reconnect_min = 1;
	m->reconnect_max = 60;
	m->queue_max = 1000;
}

static inline void
rec_init(struct rec *r)
{
	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->mtx, NULL);
	sbuf_init(&r->text);
}

static inline void
rec_free(struct rec *r)
{
	sbuf_free(&r->text);
	pthread_mutex_destroy(&r->mtx);
}

static inline void
rec_on_msg(void *arg, struct mqtt_conn *c, const struct mosquitto_message *msg,
    const mosquitto_property *props)
{
	struct rec *r = arg;
	void *v = NULL;
	uint16_t vlen = 0;

	pthread_mutex_lock(&r->mtx);
	sbuf_printf(&r->text, "%s %.*s\n", msg->topic, msg->payloadlen,
	    (const char *)msg->payload);
	r->n++;
	if (mosquitto_property_read_binary(props, MQTT_PROP_CORRELATION_DATA,
	    &v, &vlen, false) != NULL && vlen <= sizeof(r->corr)) {
		memcpy(r->corr, v, vlen);
		r->corrlen = vlen;
	}
	free(v);
	pthread_mutex_unlock(&r->mtx);
}

static inline void
rec_on_up(void *arg, struct mqtt_conn *c)
{
	struct rec *r = arg;

	pthread_mutex_lock(&r->mtx);
	r->ups++;
	pthread_mutex_unlock(&r->mtx);
}

/* 0 when the handler has seen a message line containing needle in time. */
static inline int
rec_wait(struct rec *r, const char *needle, int ms)
{
	long until = h_now_ms() + ms;
	int found;

	for (;;) {
		pthread_mutex_lock(&r->mtx);
		found = strstr(sbuf_str(&r->text), needle) != NULL;
		pthread_mutex_unlock(&r->mtx);
		if (found)
			return 0;
		if (h_now_ms() >= until)
			return -1;
		h_sleep_ms(20);
	}
}

static inline int
rec_ups(struct rec *r)
{
	int n;

	pthread_mutex_lock(&r->mtx);
	n = r->ups;
	pthread_mutex_unlock(&r->mtx);
	return n;
}

/* 0 when conn_is_connected(c) == want within ms. */
static inline int
wait_connected(struct mqtt_conn *c, int want, int ms)
{
	long until = h_now_ms() + ms;

	for (;;) {
		if (conn_is_connected(c) == want)
			return 0;
		if (h_now_ms() >= until)
			return -1;
		h_sleep_ms(20);
	}
}

/* Waits until the broker has acknowledged count subscriptions of id. */
static inline int
wait_suback(struct fx *f, const char *id, int count, int ms)
{
	char needle[256];

	snprintf(needle, sizeof(needle), "Sending SUBACK to %s\n", id);
	return h_wait_for_count(f->blog, needle, count, ms);
}

/* The retained payload of topic ("" when none), via mosquitto_sub. */
static inline char *
retained(struct fx *f, const char *topic)
{
	const char *argv[] = { SUB_BIN, "-h", "127.0.0.1", "-p", f->sport,
	    "-t", topic, "--retained-only", "-C", "1", "-W", "2", NULL };
	char *out = NULL;

	h_run(argv, &out, NULL, 5000);
	assert_non_null(out);
	return out;
}

static inline void
peer_pub(struct fx *f, const char *topic, const char *payload, int v5)
{
	const char *argv[] = { PUB_BIN, "-h", "127.0.0.1", "-p", f->sport,
	    "-q", "1", "-t", topic, "-m", payload, v5 ? "-V" : NULL,
	    "mqttv5", NULL };

	assert_int_equal(h_run(argv, NULL, NULL, 5000), 0);
}

/* Starts "mosquitto_sub -v" as client id on filter, output to dir/out. */
static inline pid_t
peer_sub(struct fx *f, const char *id, const char *filter, const char *out)
{
	char *path = h_path(f->dir, out);
	const char *argv[] = { SUB_BIN, "-h", "127.0.0.1", "-p", f->sport,
	    "-i", id, "-q", "1", "-v", "-t", filter, NULL };
	pid_t pid = h_spawn(argv, path);

	free(path);
	assert_true(pid > 0);
	assert_int_equal(wait_suback(f, id, 1, 5000), 0);
	return pid;
}

static inline int
count_in(const char *text, const char *needle)
{
	int n = 0;

	for (const char *p = text; (p = strstr(p, needle)) != NULL;
	    p += strlen(needle))
		n++;
	return n;
}

/* A TCP proxy 127.0.0.1:*pport -> broker, in its own process group. */
static inline pid_t
start_proxy(struct fx *f, int *pport)
{
	char listen[96], to[64];
	const char *argv[] = { SOCAT_BIN, listen, to, NULL };
	pid_t pid;

	*pport = h_free_port();
	snprintf(listen, sizeof(listen),
	    "TCP-LISTEN:%d,bind=127.0.0.1,reuseaddr,fork", *pport);
	snprintf(to, sizeof(to), "TCP:127.0.0.1:%d", f->port);
	pid = h_spawn(argv, NULL);
	assert_true(pid > 0);
	assert_int_equal(h_wait_for_tcp(*pport, 5000), 0);
	return pid;
}

static inline void
stop_proxy(pid_t pid)
{
	/* Its forked children (one per connection) share its group. */
	kill(-pid, SIGCONT);
	kill(-pid, SIGKILL);
	h_stop(pid, SIGKILL, 2000);
}

#endif

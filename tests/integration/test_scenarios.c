/*
 * test_scenarios.c - the broker and the network misbehave (RELIABILITY.md
 * section 1): the real mppd daemon against a real mosquitto
 * that is stopped, killed, absent, partitioned, shared with a client that
 * steals mppd's client id, protected by a password or by TLS with a CA the
 * test makes.  Every case asserts what a user sees: commands answered,
 * telemetry flowing, clear log lines, no flapping.
 *
 * The connection-level twins of these cases (the mqtt_conn module alone)
 * are in test_mqtt_conn.c and test_mqtt_conn_outage.c; here the whole
 * daemon is under test.
 */
#include "scenario_env.h"

#define OPENSSL		"/usr/bin/openssl"
#define SOCAT		"/usr/bin/socat"

/* A test-port device: reply 1 to a setter is an ACK; QPI is polled and
 * also published with the "mqtt" output (QPI/status/... topics). */
#define DEV_INV								\
	"[inv]\nport = test1\nprotocol = PI30\ncommand = QPI\n"		\
	"outputs = json,mqtt\nmqtt_allowed_cmds = QPI,POP0[0-2]\n"

#define CMD_TOPIC	SC_HOST "/inv/cmd"
#define RESP_TOPIC	SC_HOST "/inv/cmd_response"
#define JSON_POLL	"\"protocol_id\": \"PI30\"}"

/* Sends POP02 with envelope id and waits until its answer (an ACK) is in
 * s->rlog. */
static void
command_round_trip(struct scen *s, const char *id)
{
	char msg[128], needle[128];

	snprintf(msg, sizeof(msg), "{\"command\": \"POP02\", \"id\": \"%s\"}",
	    id);
	sc_pub(s, CMD_TOPIC, msg);
	snprintf(needle, sizeof(needle), "\"id\": \"%s\"}", id);
	sc_wait(s, s->rlog, needle, 1, SC_WAIT_MS);
	/* Every POP02 answered so far is an ACK. */
	assert_int_equal(h_count_text(s->rlog, "\"POP\": [\"ACK\", \"\"]}, "
	    "\"command\": \"POP02\""),
	    h_count_text(s->rlog, "\"command\": \"POP02\""));
}

/* Polling goes on: more json lines on mppd's stdout within the time. */
static void
assert_polling_goes_on(struct scen *s, int more)
{
	sc_wait(s, s->mlog, JSON_POLL, h_count_text(s->mlog, JSON_POLL) + more,
	    more * 1000 + 4000);
}

/*
 * Broker stopped cleanly (SIGTERM) and started again: mppd notices,
 * polling never stops, it reconnects, restores its subscription (the
 * broker has no persistence, so only mppd's own resubscription can do
 * that), answers commands and publishes telemetry again.
 */
static void
test_broker_sigterm_and_restart_commands_and_telemetry_resume(void **state)
{
	char *tele;
	pid_t tsub;

	(void)state;
	sc_up(&S, 1, NULL);
	tele = h_path(S.dir, "telemetry.txt");
	sc_conf(&S, NULL, DEV_INV);
	sc_mppd(&S);
	sc_wait_subscribed(&S, CMD_TOPIC, 1);
	sc_sub(&S, RESP_TOPIC);
	command_round_trip(&S, "before");

	assert_int_equal(h_stop(S.broker, SIGTERM, 5000), 0);
	sc_wait(&S, S.mlog, "connection lost", 1, SC_WAIT_MS);
	assert_polling_goes_on(&S, 2);
	h_stop(S.sub, SIGKILL, 1000);

	sc_broker(&S);
	sc_wait_subscribed(&S, CMD_TOPIC, 2);
	tsub = sc_sub_to(&S, "QPI/status/#", tele);
	sc_sub(&S, RESP_TOPIC);
	command_round_trip(&S, "after");
	sc_wait(&S, tele, "QPI/status/protocol_id/value|PI30", 1, SC_WAIT_MS);
	assert_int_equal(h_count_text(S.mlog, "connected as "), 2);
	h_stop(tsub, SIGTERM, 2000);
	sc_mppd_stop(&S);
	free(tele);
}

/*
 * Broker SIGKILLed while a command is on the inverter (the simulator
 * takes 1.5 s to answer): the response is produced while the broker is
 * gone, kept in mppd's QoS 1 queue and delivered after the restart - it
 * is the only retained response the fresh broker holds.
 */
static void
test_broker_sigkill_response_made_while_down_is_delivered(void **state)
{
	char dev[512], *ret;

	(void)state;
	sc_up(&S, 1, NULL);
	sc_sim(&S, (const char *[]){ "--baud", "115200", "--delay-ms", "1500",
	    NULL });
	snprintf(dev, sizeof(dev), "[inv]\nport = %s\nporttype = serial\n"
	    "baud = 115200\ntimeout = 5\nprotocol = PI30\ncommand = QPI\n"
	    "outputs = json\nmqtt_allowed_cmds = POP0[0-2]\n", S.link);
	/* A short reconnect delay keeps the restart well inside the waits
	 * on a loaded machine (the backoff is tested elsewhere). */
	sc_conf(&S, "pause = 3600\nmqtt_reconnect_max = 2\n", dev);
	sc_mppd(&S);
	sc_wait_subscribed(&S, CMD_TOPIC, 1);
	/* The first poll is over: the inverter is free for the command. */
	sc_wait(&S, S.mlog, JSON_POLL, 1, SC_WAIT_MS);

	sc_pub(&S, CMD_TOPIC, "{\"command\": \"POP02\", \"id\": \"inflight\"}");
	sc_wait(&S, S.simlog, "POP02", 1, SC_WAIT_MS);
	assert_int_equal(h_stop(S.broker, SIGKILL, 5000), 128 + SIGKILL);
	sc_wait(&S, S.mlog, "connection lost", 1, SC_WAIT_MS);
	sc_wait(&S, S.mlog, "command \"POP02\" answered: valid reply", 1,
	    SC_WAIT_MS);

	sc_broker(&S);
	sc_wait_subscribed(&S, CMD_TOPIC, 2);
	for (long end = h_now_ms() + SC_WAIT_MS; ; h_sleep_ms(200)) {
		ret = sc_retained(&S, RESP_TOPIC, 1000);
		if (strstr(ret, "\"id\": \"inflight\"") != NULL ||
		    h_now_ms() > end)
			break;
		free(ret);
	}
	if (strstr(ret, "\"POP\": [\"ACK\", \"\"]") == NULL ||
	    strstr(ret, "\"id\": \"inflight\"}") == NULL) {
		sc_dump_all(&S);
		fail_msg("retained response after the restart: \"%s\"", ret);
	}
	free(ret);
	/* The device saw the command once. */
	assert_int_equal(h_count_text(S.simlog, "POP02"), 1);
	sc_mppd_stop(&S);
}

/*
 * No broker at start-up: mppd starts at once, polls (json output keeps
 * coming), says it cannot connect, and serves commands as soon as the
 * broker appears.
 */
static void
test_broker_absent_at_start_polling_goes_on_commands_work_later(void **state)
{
	(void)state;
	sc_up(&S, 0, NULL);
	sc_conf(&S, NULL, DEV_INV);
	sc_mppd(&S);
	sc_wait(&S, S.mlog, "cannot connect", 1, SC_WAIT_MS);
	sc_wait(&S, S.mlog, JSON_POLL, 3, SC_WAIT_MS);
	assert_int_equal(h_count_text(S.mlog, "connected as "), 0);

	sc_broker(&S);
	sc_wait_subscribed(&S, CMD_TOPIC, 1);
	sc_sub(&S, RESP_TOPIC);
	command_round_trip(&S, "late");
	assert_polling_goes_on(&S, 1);
	sc_mppd_stop(&S);
}

/*
 * A QoS 1 command published while mppd is stopped is kept by the broker
 * in mppd's persistent session and runs exactly once after mppd starts -
 * not again after a further restart.
 */
static void
test_qos1_command_sent_while_mppd_stopped_runs_exactly_once(void **state)
{
	(void)state;
	sc_up(&S, 1, NULL);
	sc_conf(&S, NULL, DEV_INV);
	sc_mppd(&S);
	sc_wait_subscribed(&S, CMD_TOPIC, 1);
	sc_mppd_stop(&S);

	sc_sub(&S, RESP_TOPIC);
	sc_pub(&S, CMD_TOPIC, "{\"command\": \"POP01\", \"id\": \"offline\"}");
	sc_mppd(&S);
	sc_wait(&S, S.rlog, "\"id\": \"offline\"}", 1, SC_WAIT_MS);
	assert_int_equal(h_count_text(S.rlog, "\"POP\": [\"ACK\", \"\"]"), 1);
	sc_mppd_stop(&S);
	sc_mppd(&S);
	sc_wait(&S, S.mlog, "connected as ", 3, SC_WAIT_MS);
	h_sleep_ms(SC_QUIET_MS);
	assert_int_equal(h_count_text(S.rlog, "|"), 1);
	assert_int_equal(h_count_text(S.mlog, "command \"POP01\" answered"), 1);
	sc_mppd_stop(&S);
}

/*
 * A silent partition: the link to the broker goes through a socat proxy
 * in its own process group, which is frozen with SIGSTOP (no FIN, no
 * RST: what a frozen Wi-Fi looks like).  With mqtt_keepalive = 5 mppd
 * notices within about 2 x keepalive, keeps polling, and after SIGCONT
 * reconnects and answers commands again - also, exactly once, the one
 * sent while the link was frozen.
 */
static void
test_silent_partition_detected_within_two_keepalives(void **state)
{
	char listen[96], to[64];
	const char *argv[] = { SOCAT, listen, to, NULL };
	int pport;
	long t0, dt;
	pid_t proxy;

	(void)state;
	sc_up(&S, 1, NULL);
	pport = h_free_port();
	snprintf(listen, sizeof(listen),
	    "TCP-LISTEN:%d,bind=127.0.0.1,reuseaddr,fork", pport);
	snprintf(to, sizeof(to), "TCP:127.0.0.1:%d", S.port);
	proxy = h_spawn(argv, NULL);	/* its own process group */
	assert_true(proxy > 0);
	assert_int_equal(h_wait_for_tcp(pport, 5000), 0);

	sc_conf_port(&S, pport, "pause = 1\nmqtt_keepalive = 5\n"
	    "mqtt_reconnect_max = 4\n", DEV_INV);
	sc_mppd(&S);
	sc_wait_subscribed(&S, CMD_TOPIC, 1);
	sc_sub(&S, RESP_TOPIC);
	command_round_trip(&S, "before");

	/* Freeze the proxy and every connection child it forked; a command
	 * sent now is stuck in the frozen link, kept by the broker in mppd's
	 * session, and delivered once mppd is back. */
	assert_int_equal(kill(-proxy, SIGSTOP), 0);
	t0 = h_now_ms();
	sc_pub(&S, CMD_TOPIC, "{\"command\": \"POP01\", \"id\": \"during\"}");
	sc_wait(&S, S.mlog, "no answer from the broker within the keepalive "
	    "(5 s)", 1, 15000);
	dt = h_now_ms() - t0;
	fprintf(stderr, "partition detected after %ld ms (keepalive 5 s)\n",
	    dt);
	assert_true(dt >= 4000);
	assert_true(dt <= 12000);
	assert_polling_goes_on(&S, 2);

	assert_int_equal(kill(-proxy, SIGCONT), 0);
	sc_wait(&S, S.mlog, "connected as ", 2, 20000);
	sc_wait_subscribed(&S, CMD_TOPIC, 2);
	command_round_trip(&S, "after");
	sc_wait(&S, S.rlog, "\"id\": \"during\"}", 1, SC_WAIT_MS);
	h_sleep_ms(SC_QUIET_MS);
	assert_int_equal(h_count_text(S.rlog, "\"id\": \"during\"}"), 1);
	assert_int_equal(h_count_text(S.mlog, "command \"POP01\" answered"), 1);
	sc_mppd_stop(&S);
	kill(-proxy, SIGKILL);
	h_stop(proxy, SIGKILL, 2000);
}

/*
 * Another client connects with mppd's client id (a second mppd with the
 * same mqtt_hostname, a copied config): mppd says so clearly and backs
 * off instead of kicking the other client every second.  The intruder is
 * mosquitto_sub, which itself reconnects every second.
 */
static void
test_client_id_takeover_is_logged_and_backs_off(void **state)
{
	char id[128], needle[192], *blog;
	const char *argv[] = { SC_SUB, "-h", "127.0.0.1", "-p", NULL, "-i", id,
	    "-t", "intruder/#", NULL };
	pid_t intruder;
	int n;
	long t0;

	(void)state;
	sc_up(&S, 1, NULL);
	argv[4] = S.sport;
	sc_conf(&S, NULL, DEV_INV);
	sc_client_id(&S, id, sizeof(id));
	sc_mppd(&S);
	sc_wait_subscribed(&S, CMD_TOPIC, 1);

	intruder = h_spawn(argv, NULL);
	assert_true(intruder > 0);
	t0 = h_now_ms();
	h_sleep_ms(10000);
	h_stop(intruder, SIGTERM, 2000);

	snprintf(needle, sizeof(needle), "another client using client id %s?",
	    id);
	if (h_count_text(S.mlog, needle) == 0) {
		sc_dump_all(&S);
		fail_msg("no log line naming the client id %s", id);
	}
	/* mppd's connections are the persistent ones (c0); the intruder's
	 * are clean (c1). */
	snprintf(needle, sizeof(needle), " as %s (p2, c0,", id);
	blog = h_read_file(S.blog, NULL);
	n = 0;
	for (const char *p = blog; (p = strstr(p, needle)) != NULL; p++)
		n++;
	free(blog);
	fprintf(stderr, "mppd connected %d times in %ld ms of take-overs\n", n,
	    h_now_ms() - t0);
	/* The first connect, then backoff 1, 2, 4, 8 s ... (with jitter):
	 * flapping every second would give 10 or more. */
	assert_true(n >= 2);
	assert_true(n <= 6);
	/* Once the intruder is gone, mppd gets back in and serves. */
	sc_sub(&S, RESP_TOPIC);
	for (long end = h_now_ms() + 40000; ; h_sleep_ms(200)) {
		if (h_count_text(S.mlog, "connected as ") >
		    h_count_text(S.mlog, "connection lost") &&
		    h_count_text(S.mlog, "session taken over") == 0)
			break;
		assert_true(h_now_ms() < end);
	}
	sc_wait_subscribed(&S, CMD_TOPIC, 2);
	command_round_trip(&S, "after");
	sc_mppd_stop(&S);
}

/*
 * A wrong password: a clear error naming the user (never the password,
 * even at debug level, where libmosquitto's own log lines are shown),
 * retried at mqtt_reconnect_max, and polling goes on meanwhile.  The
 * config file holding the password is readable by others: a warning.
 */
static void
test_wrong_password_is_logged_retried_and_polling_goes_on(void **state)
{
	char extra[512], *pw, *log;
	const char *argv[] = { "/usr/bin/mosquitto_passwd", "-b", "-c", NULL,
	    "alice", "secret", NULL };

	(void)state;
	sc_up(&S, 0, NULL);
	pw = h_path(S.dir, "passwd");
	argv[3] = pw;
	assert_int_equal(h_run(argv, NULL, NULL, 5000), 0);
	snprintf(extra, sizeof(extra), "allow_anonymous false\n"
	    "password_file %s\n", pw);
	snprintf(S.broker_extra, sizeof(S.broker_extra), "%s", extra);
	sc_broker(&S);
	sc_conf(&S, "pause = 1\nmqtt_user = alice\nmqtt_pass = Wr0ngPassw0rd\n"
	    "mqtt_reconnect_min = 1\nmqtt_reconnect_max = 2\n", DEV_INV);
	assert_int_equal(chmod(S.conf, 0644), 0);
	S.loglevel = "-D";
	sc_mppd(&S);
	sc_wait(&S, S.mlog, "the broker refused the connection", 2, SC_WAIT_MS);
	assert_polling_goes_on(&S, 2);
	sc_mppd_stop(&S);
	log = h_read_file(S.mlog, NULL);
	assert_non_null(strstr(log, "not authorised"));
	assert_non_null(strstr(log, "user alice"));
	assert_non_null(strstr(log, "retrying in 2 s"));
	assert_null(strstr(log, "Wr0ngPassw0rd"));
	assert_null(strstr(log, "connected as "));
	assert_non_null(strstr(log, "DEBUG: "));
	assert_non_null(strstr(log, "holds mqtt_pass but its mode is 0644"));
	free(log);
	free(pw);
}

/* Runs openssl with argv[1..] in dir (argv[0] is set here). */
static void
openssl(const char *argv[])
{
	char *err = NULL;
	int rc;

	argv[0] = OPENSSL;
	rc = h_run(argv, NULL, &err, 20000);
	if (rc != 0)
		fail_msg("openssl %s: %d: %s", argv[1], rc, err ? err : "");
	free(err);
}

/* A CA (dir/name.crt, name.key) made with openssl req -x509. */
static void
make_ca(struct scen *s, const char *name)
{
	char crt[512], key[512], subj[128];

	snprintf(crt, sizeof(crt), "%s/%s.crt", s->dir, name);
	snprintf(key, sizeof(key), "%s/%s.key", s->dir, name);
	snprintf(subj, sizeof(subj), "/CN=mppd test %s", name);
	openssl((const char *[]){ NULL, "req", "-x509", "-newkey", "ec",
	    "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
	    "-subj", subj, "-keyout", key, "-out", crt, NULL });
}

/* A server certificate for 127.0.0.1 signed by the CA "ca". */
static void
make_server_cert(struct scen *s)
{
	char key[512], csr[512], crt[512], ca[512], cakey[512], ext[512];

	snprintf(key, sizeof(key), "%s/server.key", s->dir);
	snprintf(csr, sizeof(csr), "%s/server.csr", s->dir);
	snprintf(crt, sizeof(crt), "%s/server.crt", s->dir);
	snprintf(ca, sizeof(ca), "%s/ca.crt", s->dir);
	snprintf(cakey, sizeof(cakey), "%s/ca.key", s->dir);
	snprintf(ext, sizeof(ext), "%s/server.ext", s->dir);
	assert_int_equal(h_write_file(ext, "subjectAltName = IP:127.0.0.1\n"
	    "extendedKeyUsage = serverAuth\n"), 0);
	openssl((const char *[]){ NULL, "req", "-new", "-newkey", "ec",
	    "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj",
	    "/CN=127.0.0.1", "-keyout", key, "-out", csr, NULL });
	openssl((const char *[]){ NULL, "x509", "-req", "-in", csr, "-CA", ca,
	    "-CAkey", cakey, "-set_serial", "2", "-days", "2", "-extfile",
	    ext, "-out", crt, NULL });
}

/*
 * TLS with a CA made here: a server certificate signed by it, mosquitto
 * listening with TLS.  mppd with mqtt_tls_ca = that CA connects and
 * serves commands; with another CA it logs a clear TLS error, retries,
 * and polls meanwhile.
 */
static void
test_tls_with_own_ca_right_ca_serves_wrong_ca_fails_clearly(void **state)
{
	char setup[1024];
	int tport;

	(void)state;
	sc_up(&S, 0, NULL);
	make_ca(&S, "ca");
	make_ca(&S, "otherca");
	make_server_cert(&S);
	tport = h_free_port();
	snprintf(S.broker_extra, sizeof(S.broker_extra),
	    "listener %d 127.0.0.1\ncafile %s/ca.crt\ncertfile %s/server.crt\n"
	    "keyfile %s/server.key\n", tport, S.dir, S.dir, S.dir);
	sc_broker(&S);
	assert_int_equal(h_wait_for_tcp(tport, 5000), 0);

	snprintf(setup, sizeof(setup), "pause = 1\nmqtt_tls_ca = %s/ca.crt\n",
	    S.dir);
	sc_conf_port(&S, tport, setup, DEV_INV);
	sc_mppd(&S);
	sc_wait_subscribed(&S, CMD_TOPIC, 1);
	sc_sub(&S, RESP_TOPIC);
	command_round_trip(&S, "tls");
	sc_mppd_stop(&S);
	assert_int_equal(h_count_text(S.mlog, "TLS error"), 0);

	snprintf(setup, sizeof(setup), "pause = 1\nmqtt_tls_ca = %s/otherca.crt"
	    "\nmqtt_reconnect_min = 1\nmqtt_reconnect_max = 2\n", S.dir);
	sc_conf_port(&S, tport, setup, DEV_INV);
	sc_mppd(&S);
	sc_wait(&S, S.mlog, "TLS error", 2, SC_WAIT_MS);
	assert_polling_goes_on(&S, 1);
	sc_mppd_stop(&S);
	sc_wait(&S, S.mlog, "certificate verify failed", 1, 100);
	/* Only the first run ever connected. */
	assert_int_equal(h_count_text(S.mlog, "connected as "), 1);
}

/*
 * Messages published by a device thread while the network thread is
 * connecting (the first availability "online" is published by the first
 * poll, at the very moment mppd connects) are delivered on that
 * connection: mppd's clean shutdown then has nothing left to wait for.
 * libmosquitto 2.0.11 marks a QoS 1 message published between its
 * session reset and the socket's creation as sent, and never sends it
 * until the next reconnect; ten starts hit that window most of the time.
 */
static void
test_publishes_racing_the_connect_are_delivered(void **state)
{
	long t0, worst = 0;

	(void)state;
	sc_up(&S, 1, NULL);
	sc_conf(&S, NULL, DEV_INV);
	for (int i = 1; i <= 10; i++) {
		int rc;

		sc_mppd(&S);
		sc_wait(&S, S.mlog, "connected as ", i, SC_WAIT_MS);
		sc_wait(&S, S.mlog, "inverter answering, online", i, SC_WAIT_MS);
		h_sleep_ms(100);
		t0 = h_now_ms();
		rc = h_stop(S.mppd, SIGTERM, 15000);
		S.mppd = 0;
		if (h_now_ms() - t0 > worst)
			worst = h_now_ms() - t0;
		assert_int_equal(rc, 0);
		if (h_count_text(S.mlog, "not delivered") > 0) {
			sc_dump("mppd", S.mlog);
			fail_msg("start %d: a message was never delivered", i);
		}
	}
	fprintf(stderr, "10 starts and stops: slowest stop %ld ms\n", worst);
	assert_true(worst < 3000);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_teardown(test_broker_sigterm_and_restart_commands_and_telemetry_resume, sc_teardown),
	cmocka_unit_test_teardown(test_broker_sigkill_response_made_while_down_is_delivered, sc_teardown),
	cmocka_unit_test_teardown(test_broker_absent_at_start_polling_goes_on_commands_work_later, sc_teardown),
	cmocka_unit_test_teardown(test_qos1_command_sent_while_mppd_stopped_runs_exactly_once, sc_teardown),
	cmocka_unit_test_teardown(test_silent_partition_detected_within_two_keepalives, sc_teardown),
	cmocka_unit_test_teardown(test_client_id_takeover_is_logged_and_backs_off, sc_teardown),
	cmocka_unit_test_teardown(test_wrong_password_is_logged_retried_and_polling_goes_on, sc_teardown),
	cmocka_unit_test_teardown(test_tls_with_own_ca_right_ca_serves_wrong_ca_fails_clearly, sc_teardown),
	cmocka_unit_test_teardown(test_publishes_racing_the_connect_are_delivered, sc_teardown),
};

MPPD_TEST_MAIN(tests)

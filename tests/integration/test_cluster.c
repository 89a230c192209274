/*
 * test_cluster.c - mppd on a clustered broker: two aedes nodes sharing one
 * redis-server (sessions, retained messages, queued messages and the
 * message bus), behind haproxy; mppd connects through haproxy, users
 * publish and subscribe on the other node.  The node mppd is on is
 * killed; what a user sees must not change: every QoS 1 command runs
 * exactly once on the inverter and is answered, telemetry resumes, and the
 * persistent session (its subscription and the commands queued for it)
 * carries over to the surviving node.
 *
 * The parts are started by the test on free 127.0.0.1 ports and stopped by
 * PID (tests/support/cluster.h); without them (outside CI, no
 * scripts/setup.sh run) the cases are skipped.  The figures printed to
 * stderr are the ones RELIABILITY.md quotes.
 */
#include "cluster.h"
#include "scenario_env.h"

#define CMD_TOPIC	SC_HOST "/inv/cmd"
#define RESP_TOPIC	SC_HOST "/inv/cmd_response"
#define TELE_FILTER	"+/status/protocol_id/value"
#define TELE_NEEDLE	"/status/protocol_id/value|PI30"

/* Distinct setters, so what the inverter received tells them apart. */
static const char *const CMDS[] = { "PCP00", "POP01", "POP00", "PCP01",
    "PCP02", "PCP03" };
#define NCMDS	((int)(sizeof(CMDS) / sizeof(CMDS[0])))

struct cluster {
	int	 redis_port, a_port, b_port, proxy_port;
	pid_t	 redis, a, b, proxy;
	char	*alog, *tlog;	/* node A's log; the telemetry subscriber's */
	char	 id[256];	/* mppd's client id */
};

static struct cluster C;

static int
cluster_teardown(void **state)
{
	free(C.alog);
	free(C.tlog);
	memset(&C, 0, sizeof(C));
	return sc_teardown(state);
}

static int
port_or_fail(void)
{
	int p = h_free_port();

	assert_true(p > 0);
	return p;
}

/*
 * redis, node A, node B, haproxy (A first), mppd-sim and mppd's config
 * (setup lines setup); S.sport and S.blog are node B's, so sc_pub and
 * sc_sub talk to the node mppd is not on.  Skips when a part is missing.
 */
static void
cluster_up(const char *setup)
{
	char dev[1024];
	int backends[2], rc = cl_check(1);

	assert_int_not_equal(rc, -1);
	if (rc == 1)
		skip();
	sc_up(&S, 0, NULL);
	C.alog = h_path(S.dir, "node-a.log");
	C.tlog = h_path(S.dir, "telemetry.txt");
	C.redis_port = port_or_fail();
	assert_true((C.redis = cl_start_redis(S.dir, C.redis_port)) > 0);
	C.a_port = port_or_fail();
	assert_true((C.a = cl_start_aedes(C.alog, C.a_port, C.redis_port,
	    "node-a")) > 0);
	C.b_port = port_or_fail();
	/* S.blog ("broker.log") is node B's log. */
	assert_true((C.b = cl_start_aedes(S.blog, C.b_port, C.redis_port,
	    "node-b")) > 0);
	C.proxy_port = port_or_fail();
	backends[0] = C.a_port;
	backends[1] = C.b_port;
	assert_true((C.proxy = cl_start_haproxy(S.dir, C.proxy_port, backends,
	    2)) > 0);
	S.port = C.b_port;
	snprintf(S.sport, sizeof(S.sport), "%d", C.b_port);

	sc_sim(&S, (const char *[]){ "--baud", "115200", NULL });
	snprintf(dev, sizeof(dev), "[inv]\nport = %s\nporttype = serial\n"
	    "baud = 115200\nprotocol = PI30\ncommand = QPI\n"
	    "outputs = json,mqtt\n"
	    "mqtt_allowed_cmds = POP0[0-2],PCP0[0-3]\n", S.link);
	sc_conf_port(&S, C.proxy_port, setup, dev);
	sc_client_id(&S, C.id, sizeof(C.id));
}

/* Subscriptions to filter that node A's log shows (mosquitto's words). */
static int
node_a_subscriptions(const char *filter)
{
	char needle[600];

	snprintf(needle, sizeof(needle), "\t%s (QoS ", filter);
	return h_count_text(C.alog, needle);
}

/* Starts mppd and checks that haproxy put it on node A. */
static void
mppd_on_node_a(void)
{
	long end = h_now_ms() + SC_WAIT_MS;

	sc_mppd(&S);
	sc_wait(&S, S.mlog, "connected as ", 1, SC_WAIT_MS);
	while (node_a_subscriptions(CMD_TOPIC) < 1) {
		if (h_now_ms() > end) {
			sc_dump("node A", C.alog);
			sc_dump_all(&S);
			fail_msg("mppd did not subscribe on node A");
		}
		h_sleep_ms(20);
	}
	assert_int_equal(sc_subscriptions(&S, CMD_TOPIC), 0);
}

/* Publishes command i (QoS 1, on node B) with envelope id "c<i>". */
static void
send_cmd(int i)
{
	char msg[128];

	snprintf(msg, sizeof(msg), "{\"command\": \"%s\", \"id\": \"c%d\"}",
	    CMDS[i], i);
	sc_pub(&S, CMD_TOPIC, msg);
}

/* Waits for the first answer to command i. */
static void
wait_answer(int i)
{
	char needle[64];

	snprintf(needle, sizeof(needle), "\"id\": \"c%d\"", i);
	sc_wait(&S, S.rlog, needle, 1, 3 * SC_WAIT_MS);
}

/* Lines of path equal to line (mppd-sim --log: one command a line). */
static int
count_lines(const char *path, const char *line)
{
	char *text = h_read_file(path, NULL), *l, *save = NULL;
	int n = 0;

	if (text == NULL)
		return 0;
	for (l = strtok_r(text, "\n", &save); l != NULL;
	    l = strtok_r(NULL, "\n", &save))
		n += strcmp(l, line) == 0;
	free(text);
	return n;
}

/*
 * What the user sees once everything settled: the inverter received each
 * of commands [0, n) exactly once; each was answered with its result (no
 * error); answers to the same command are byte-identical (a QoS 1
 * redelivery of the one answer, or the answer repeated from mppd's cache
 * for a redelivered command - never a second run); a command in once[] got
 * exactly one answer.  Returns the number of answers.
 */
static int
assert_exactly_once(int n, const int once[])
{
	char *text, *first[NCMDS] = { 0 }, *l, *save = NULL;
	int answers[NCMDS] = { 0 }, total = 0;

	for (int i = 0; i < n; i++) {
		int runs = count_lines(S.simlog, CMDS[i]);

		if (runs != 1) {
			sc_dump("inverter", S.simlog);
			sc_dump_all(&S);
			fail_msg("the inverter received %s (c%d) %d times",
			    CMDS[i], i, runs);
		}
	}
	assert_non_null(text = h_read_file(S.rlog, NULL));
	for (l = strtok_r(text, "\n", &save); l != NULL;
	    l = strtok_r(NULL, "\n", &save)) {
		cJSON *j;
		const char *id, *cmd;
		int i = -1;

		if (strncmp(l, RESP_TOPIC "|", strlen(RESP_TOPIC) + 1) != 0)
			continue;
		total++;
		j = cJSON_Parse(l + strlen(RESP_TOPIC) + 1);
		assert_non_null(j);
		id = sc_jstr(j, "id");
		cmd = sc_jstr(j, "command");
		if (id != NULL && id[0] == 'c')
			i = atoi(id + 1);
		if (i < 0 || i >= n || cmd == NULL || strcmp(cmd, CMDS[i]) != 0)
			fail_msg("an answer to no command sent: %s", l);
		if (cJSON_GetObjectItemCaseSensitive(j, "result") == NULL ||
		    cJSON_GetObjectItemCaseSensitive(j, "error") != NULL)
			fail_msg("c%d was not answered with its result: %s",
			    i, l);
		if (first[i] == NULL)
			first[i] = l;
		else if (strcmp(first[i], l) != 0)
			fail_msg("c%d answered twice with different answers "
			    "(ran twice?):\n%s\n%s", i, first[i], l);
		answers[i]++;
		cJSON_Delete(j);
	}
	for (int i = 0; i < n; i++) {
		if (answers[i] == 0)
			fail_msg("c%d (%s) was never answered", i, CMDS[i]);
		if (once[i] && answers[i] != 1)
			fail_msg("c%d (%s) was answered %d times", i, CMDS[i],
			    answers[i]);
	}
	free(text);
	return total;
}

/*
 * Node A, where mppd is, dies (SIGKILL).  Just before, it stops recording
 * its clients' PUBACKs (aedes-node.js, SIGUSR1), so the command c1 it
 * delivered to mppd - run and answered - is still queued for mppd's
 * session, as when a node dies between delivering a message and recording
 * its acknowledgement: node B delivers it again.  c2..c5 are published on
 * node B during the failover.  Each of the six commands runs exactly once,
 * each is answered; telemetry resumes on node B.
 */
static void
test_cluster_node_killed_commands_run_exactly_once_telemetry_resumes(
    void **state)
{
	static const int once[NCMDS] = { 1, 0, 1, 1, 1, 1 };
	long t_kill, t_conn, t_tele, t_answers;
	int tele0, total;
	pid_t tsub;

	(void)state;
	cluster_up("pause = 1\nmqtt_keepalive = 5\nmqtt_reconnect_min = 0.5\n"
	    "mqtt_reconnect_max = 2\n");
	mppd_on_node_a();
	sc_sub(&S, RESP_TOPIC);
	tsub = sc_sub_to(&S, TELE_FILTER, C.tlog);
	assert_true(tsub > 0);
	sc_wait(&S, C.tlog, TELE_NEEDLE, 1, SC_WAIT_MS);

	/* Published on B, run by mppd on A, answered back through B. */
	send_cmd(0);
	wait_answer(0);

	assert_int_equal(kill(C.a, SIGUSR1), 0);
	sc_wait(&S, C.alog, "PUBACKs are no longer recorded", 1, SC_WAIT_MS);
	send_cmd(1);
	wait_answer(1);
	assert_int_equal(count_lines(S.simlog, CMDS[1]), 1);

	tele0 = h_count_text(C.tlog, TELE_NEEDLE);
	t_kill = h_now_ms();
	assert_int_equal(h_stop(C.a, SIGKILL, 2000), 128 + SIGKILL);
	C.a = 0;
	for (int i = 2; i < NCMDS; i++)
		send_cmd(i);

	sc_wait(&S, S.mlog, "connected as ", 2, 3 * SC_WAIT_MS);
	t_conn = h_now_ms();
	for (int i = 2; i < NCMDS; i++)
		wait_answer(i);
	t_answers = h_now_ms();
	sc_wait(&S, C.tlog, TELE_NEEDLE, tele0 + 1, 3 * SC_WAIT_MS);
	t_tele = h_now_ms();
	/* ... and goes on: new polls, not only what was queued. */
	sc_wait(&S, C.tlog, TELE_NEEDLE, tele0 + 4, 3 * SC_WAIT_MS);
	h_sleep_ms(SC_QUIET_MS);
	fprintf(stderr, "cluster failover: node killed -> mppd reconnected "
	    "%ld ms, all answered %ld ms, first telemetry %ld ms\n",
	    t_conn - t_kill, t_answers - t_kill, t_tele - t_kill);
	total = assert_exactly_once(NCMDS, once);
	assert_int_equal(h_count_text(S.mlog, "connected as "), 2);
	fprintf(stderr, "cluster failover: %d commands sent, %d answers, "
	    "each run once on the inverter\n", NCMDS, total);
	sc_mppd_stop(&S);
}

/*
 * The persistent session carries over: mppd waits 3 s before reconnecting
 * (mqtt_reconnect_min), and the commands published on node B meanwhile -
 * while mppd has no connection anywhere - are queued in the shared
 * session and delivered when mppd comes back through haproxy on node B:
 * each run once and answered once.
 */
static void
test_cluster_commands_sent_while_disconnected_are_delivered_once(
    void **state)
{
	static const int once[NCMDS] = { 1, 1, 1, 1, 1, 1 };
	char needle[600], *blog, *conn_at;

	(void)state;
	cluster_up("pause = 1\nmqtt_keepalive = 5\nmqtt_reconnect_min = 3\n"
	    "mqtt_reconnect_max = 3\n");
	mppd_on_node_a();
	sc_sub(&S, RESP_TOPIC);
	send_cmd(0);
	wait_answer(0);

	assert_int_equal(h_stop(C.a, SIGKILL, 2000), 128 + SIGKILL);
	C.a = 0;
	sc_wait(&S, S.mlog, "connection lost", 1, SC_WAIT_MS);
	for (int i = 1; i < NCMDS; i++)
		send_cmd(i);
	sc_wait(&S, S.mlog, "connected as ", 2, 3 * SC_WAIT_MS);
	for (int i = 1; i < NCMDS; i++)
		wait_answer(i);
	h_sleep_ms(SC_QUIET_MS);
	assert_exactly_once(NCMDS, once);

	/* Node B's log: every command arrived before mppd first showed up
	 * there (it was on node A until the kill), so they reached mppd
	 * through its stored session. */
	assert_non_null(blog = h_read_file(S.blog, NULL));
	snprintf(needle, sizeof(needle), " %s ", C.id);
	assert_non_null(conn_at = strstr(blog, needle));
	{
		char pubs[64];
		int before = 0;

		snprintf(pubs, sizeof(pubs), ", '%s', ", CMD_TOPIC);
		for (const char *p = blog; (p = strstr(p, pubs)) != NULL &&
		    p < conn_at; p += strlen(pubs))
			before++;
		/* c0 and c1..c5: all six published on B before mppd came. */
		if (before != NCMDS) {
			sc_dump_all(&S);
			fail_msg("%d commands published on node B before mppd "
			    "connected there, expected %d", before, NCMDS);
		}
	}
	free(blog);
	sc_mppd_stop(&S);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_teardown(test_cluster_node_killed_commands_run_exactly_once_telemetry_resumes, cluster_teardown),
	cmocka_unit_test_teardown(test_cluster_commands_sent_while_disconnected_are_delivered_once, cluster_teardown),
};

MPPD_TEST_MAIN(tests)

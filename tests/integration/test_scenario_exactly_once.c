/*
 * test_scenario_exactly_once.c - one command's life between the broker
 * and the inverter when the broker limits, refuses or redelivers: the real
 * mppd daemon, a real mosquitto configured for each case (max_packet_size,
 * acl_file), mppd-sim as the inverter.  Each case asserts what a user
 * sees: how many times the inverter received the command (mppd-sim's
 * log), the answers on cmd_response, the retained state, mppd's log.
 *
 * Every command sent in these cases runs exactly once (the figures in
 * RELIABILITY.md, "Exactly once").
 */
#include "cluster.h"
#include "scenario_env.h"

#define CMD_TOPIC	SC_HOST "/inv/cmd"
#define RESP_TOPIC	SC_HOST "/inv/cmd_response"
#define ERR_TOPIC	SC_HOST "/mppd/error"
#define JSON_POLL	"\"protocol_id\": \"PI30\"}"
#define ACK		"\"POP\": [\"ACK\", \"\"]}"

/* Lines of path equal to line (mppd-sim logs one command per line). */
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

/* The inverter on mppd-sim; setup lines setup; mppd started, subscribed
 * to its command topic, its first poll done. */
static void
inverter_up_sub(const char *setup, const char *sim_extra[], int subscribed)
{
	char dev[512];

	sc_sim(&S, sim_extra);
	snprintf(dev, sizeof(dev), "[inv]\nport = %s\nporttype = serial\n"
	    "baud = 115200\ntimeout = 5\nprotocol = PI30\ncommand = QPI\n"
	    "outputs = json\nmqtt_allowed_cmds = QPIRI,POP0[0-2],PCP0[0-3]\n",
	    S.link);
	sc_conf(&S, setup, dev);
	sc_mppd(&S);
	if (subscribed)
		sc_wait_subscribed(&S, CMD_TOPIC, 1);
	sc_wait(&S, S.mlog, JSON_POLL, 1, SC_WAIT_MS);
}

static void
inverter_up(const char *setup, const char *sim_extra[])
{
	inverter_up_sub(setup, sim_extra, 1);
}

/* The error of the answer line of rlog that has "id": id, or NULL. */
static char *
answer_error(const char *id)
{
	cJSON *j[32];
	char *err = NULL;
	int n = sc_load(S.rlog, RESP_TOPIC, j, 32);

	for (int i = 0; i < n; i++) {
		const cJSON *v, *e;
		if (j[i] == NULL)
			continue;
		v = cJSON_GetObjectItem(j[i], "id");
		e = cJSON_GetObjectItem(j[i], "error");
		if (cJSON_IsString(v) && strcmp(v->valuestring, id) == 0 &&
		    cJSON_IsString(e) && err == NULL)
			err = strdup(e->valuestring);
	}
	sc_free_json(j, n);
	return err;
}

/*
 * An answer larger than the broker's maximum packet size (mosquitto
 * max_packet_size 1200): with MQTT 3.1.1 the broker cannot say so, so
 * mqtt_max_packet tells mppd; with MQTT 5 the CONNACK does.  The QPIRI
 * answer (about 1.5 kB) is replaced by a short error giving its size and
 * the limit; the connection is never dropped for it (mppd connects once),
 * QPIRI and the POP02 that follows each reach the inverter once, and
 * POP02 is answered with its ACK.
 */
static void
oversized_answer(const char *setup, const char *limit_from)
{
	char *err;

	sc_up(&S, 1, "max_packet_size 1200\n");
	inverter_up(setup, (const char *[]){ "--baud", "115200", NULL });
	sc_sub(&S, RESP_TOPIC);
	sc_pub(&S, CMD_TOPIC, "{\"command\": \"QPIRI\", \"id\": \"big\"}");
	sc_wait(&S, S.rlog, "\"id\": \"big\"}", 1, SC_WAIT_MS);
	sc_pub(&S, CMD_TOPIC, "{\"command\": \"POP02\", \"id\": \"next\"}");
	sc_wait(&S, S.rlog, "\"id\": \"next\"}", 1, SC_WAIT_MS);
	h_sleep_ms(SC_QUIET_MS);

	err = answer_error("big");
	if (err == NULL || strstr(err, "answer too large for the broker: ") ==
	    NULL || strstr(err, "its maximum packet size is 1200 bytes") ==
	    NULL) {
		sc_dump_all(&S);
		fail_msg("QPIRI's answer: %s", err != NULL ? err : "(none)");
	}
	free(err);
	assert_int_equal(h_count_text(S.rlog, ACK ", \"command\": \"POP02\""),
	    1);
	assert_int_equal(h_count_text(S.rlog, "|"), 2);
	assert_int_equal(count_lines(S.simlog, "QPIRI"), 1);
	assert_int_equal(count_lines(S.simlog, "POP02"), 1);
	assert_int_equal(h_count_text(S.mlog, "connected as "), 1);
	assert_int_equal(h_count_text(S.mlog, limit_from), 1);
	sc_mppd_stop(&S);
}

static void
test_answer_larger_than_max_packet_is_replaced_mqtt311(void **state)
{
	(void)state;
	oversized_answer("pause = 3600\nmqtt_max_packet = 1200\n",
	    "command \"QPIRI\" answered: valid reply (the answer was too "
	    "large for the broker");
}

static void
test_answer_larger_than_connack_maximum_is_replaced_mqtt5(void **state)
{
	(void)state;
	oversized_answer("pause = 3600\nmqtt_protocol = 5\n",
	    "the broker's maximum packet size: 1200 bytes (CONNACK)");
}

/*
 * mppd frozen (SIGSTOP) while a QoS 1 command reaches it: the broker
 * gives up on the connection after 1.5 keepalives, mppd wakes (SIGCONT),
 * reads the command the broker had written to its socket, runs it, and
 * cannot acknowledge it: the broker delivers it again on the new
 * connection.  The inverter receives POP02 once; every answer to it is
 * the same answer.
 */
static void
test_command_redelivered_after_sigstop_runs_once(void **state)
{
	char *text, *l, *save = NULL, *first = NULL;
	int answers = 0;

	(void)state;
	sc_up(&S, 1, NULL);
	inverter_up("pause = 3600\nmqtt_keepalive = 5\n"
	    "mqtt_reconnect_min = 0.5\nmqtt_reconnect_max = 1\n",
	    (const char *[]){ "--baud", "115200", NULL });
	sc_sub(&S, RESP_TOPIC);

	assert_int_equal(kill(S.mppd, SIGSTOP), 0);
	sc_pub(&S, CMD_TOPIC, "{\"command\": \"POP02\", \"id\": \"frozen\"}");
	sc_wait(&S, S.blog, "exceeded timeout", 1, 3 * SC_WAIT_MS);
	assert_int_equal(kill(S.mppd, SIGCONT), 0);
	sc_wait(&S, S.mlog, "connected as ", 2, 2 * SC_WAIT_MS);
	sc_wait(&S, S.rlog, "\"id\": \"frozen\"}", 1, SC_WAIT_MS);
	h_sleep_ms(2 * SC_QUIET_MS);

	assert_int_equal(count_lines(S.simlog, "POP02"), 1);
	/* Every answer is the one answer (same timestamp: not a new run). */
	assert_non_null(text = h_read_file(S.rlog, NULL));
	for (l = strtok_r(text, "\n", &save); l != NULL;
	    l = strtok_r(NULL, "\n", &save), answers++) {
		if (first == NULL)
			first = l;
		assert_string_equal(l, first);
	}
	assert_non_null(first);
	assert_non_null(strstr(first, ACK));
	free(text);
	fprintf(stderr, "SIGSTOP redelivery: POP02 sent once, run once, "
	    "%d identical answer(s), %d redelivery line(s) in mppd's log\n",
	    answers, h_count_text(S.mlog, "a redelivery"));
	sc_mppd_stop(&S);
}

/*
 * A broker with persistence restarted right after each of 7 QoS 1
 * commands (SIGTERM: it saves its sessions, with the messages mppd has
 * not acknowledged yet, and delivers those again after the restart).
 * Each command reaches the inverter once and is answered once by running
 * it; what the broker delivers again is answered from the cache.
 */
static void
test_broker_restarts_with_persistence_run_each_command_once(void **state)
{
	static const char *const cmds[] = { "POP00", "PCP00", "POP01",
	    "PCP01", "POP02", "PCP02", "PCP03" };
	char extra[600], needle[128];
	int n = (int)(sizeof(cmds) / sizeof(cmds[0]));

	(void)state;
	sc_up(&S, 0, NULL);
	snprintf(extra, sizeof(extra), "persistence true\n"
	    "persistence_location %s/\n", S.dir);
	snprintf(S.broker_extra, sizeof(S.broker_extra), "%s", extra);
	sc_broker(&S);
	inverter_up("pause = 3600\nmqtt_reconnect_min = 0.2\n"
	    "mqtt_reconnect_max = 0.5\n",
	    (const char *[]){ "--baud", "115200", NULL });
	for (int i = 0; i < n; i++) {
		sc_pub(&S, CMD_TOPIC, cmds[i]);
		assert_int_equal(h_stop(S.broker, SIGTERM, 5000), 0);
		sc_broker(&S);
		sc_wait(&S, S.mlog, "connected as ", i + 2, 2 * SC_WAIT_MS);
	}
	for (int i = 0; i < n; i++) {
		snprintf(needle, sizeof(needle), "command \"%s\" answered: "
		    "valid reply", cmds[i]);
		sc_wait(&S, S.mlog, needle, 1, SC_WAIT_MS);
	}
	h_sleep_ms(2 * SC_QUIET_MS);
	for (int i = 0; i < n; i++) {
		snprintf(needle, sizeof(needle), "command \"%s\" answered: ",
		    cmds[i]);
		if (count_lines(S.simlog, cmds[i]) != 1 ||
		    h_count_text(S.mlog, needle) != 1) {
			sc_dump_all(&S);
			fail_msg("%s: %d run(s) on the inverter, %d answer(s) "
			    "from a run", cmds[i], count_lines(S.simlog,
			    cmds[i]), h_count_text(S.mlog, needle));
		}
	}
	fprintf(stderr, "broker restarts with persistence: %d commands, "
	    "%d restarts, each run once; %d redelivery(ies) answered from "
	    "the cache\n", n, n, h_count_text(S.mlog, "a redelivery"));
	sc_mppd_stop(&S);
}

/* A broker whose ACL lets mppd (user "mppd") read its command topic
 * (unless deny_read is that topic: mosquitto refuses a subscription only
 * for an explicit deny) and write everything of its own except
 * deny_write; the test's clients are anonymous and may do anything. */
static void
acl_broker(const char *deny_write, const char *deny_read)
{
	char acl[1024], extra[600], *path;

	snprintf(acl, sizeof(acl),
	    "topic readwrite #\n"
	    "user mppd\n"
	    "%s%s%s"
	    "topic readwrite " SC_HOST "/mppd/#\n"
	    "topic readwrite " SC_HOST "/inv/availability\n"
	    "%s%s%s",
	    strcmp(deny_read, CMD_TOPIC) != 0 ? "topic read " :
	    "topic deny ", CMD_TOPIC, "\n",
	    strcmp(deny_write, RESP_TOPIC) != 0 ? "topic readwrite " : "",
	    strcmp(deny_write, RESP_TOPIC) != 0 ? RESP_TOPIC : "",
	    strcmp(deny_write, RESP_TOPIC) != 0 ? "\n" : "");
	sc_up(&S, 0, NULL);
	path = h_path(S.dir, "acl");
	assert_int_equal(h_write_file(path, acl), 0);
	snprintf(extra, sizeof(extra), "acl_file %s\n", path);
	snprintf(S.broker_extra, sizeof(S.broker_extra), "%s", extra);
	free(path);
	sc_broker(&S);
}

/*
 * A retained command whose clear the broker refuses (the ACL gives mppd
 * read access only to its command topic): it runs at the first start and
 * never again - two more starts find it remembered in the state directory
 * and say why the broker still holds it.  With MQTT 5 the refusal of the
 * clear is logged with the broker's reason (0x87, not authorized).
 */
static void
retained_clear_denied(int v5)
{
	char setup[512], *state, *ret;

	acl_broker("", "");
	state = h_path(S.dir, "state");
	assert_int_equal(mkdir(state, 0700), 0);
	snprintf(setup, sizeof(setup), "pause = 3600\nmqtt_user = mppd\n"
	    "state_dir = %s\n%s", state, v5 ? "mqtt_protocol = 5\n" : "");
	assert_int_equal(sc_pub_rc(&S, CMD_TOPIC, "POP02",
	    (const char *[]){ "-r", NULL }, NULL), 0);
	sc_sub(&S, RESP_TOPIC);
	inverter_up(setup, (const char *[]){ "--baud", "115200", NULL });
	sc_wait(&S, S.rlog, ACK, 1, SC_WAIT_MS);
	if (v5)
		sc_wait(&S, S.mlog, "the broker refused the message on "
		    CMD_TOPIC ": reason 0x87 (Not authorized)", 1,
		    SC_WAIT_MS);
	sc_mppd_stop(&S);
	for (int start = 2; start <= 3; start++) {
		sc_mppd(&S);
		sc_wait(&S, S.mlog, "retained command \"POP02\" on " CMD_TOPIC
		    " ran already: not run again", start - 1, SC_WAIT_MS);
		sc_mppd_stop(&S);
	}
	/* The broker still holds it; the inverter ran it once, one answer. */
	ret = sc_retained(&S, CMD_TOPIC, 1000);
	assert_non_null(strstr(ret, "POP02"));
	free(ret);
	assert_int_equal(count_lines(S.simlog, "POP02"), 1);
	assert_int_equal(h_count_text(S.rlog, "|"), 1);
	assert_int_equal(h_count_text(S.mlog, "connected as "), 3);
	free(state);
}

static void
test_retained_command_clear_denied_runs_once_in_three_starts_mqtt311(
    void **state)
{
	(void)state;
	retained_clear_denied(0);
}

static void
test_retained_command_clear_denied_runs_once_in_three_starts_mqtt5(
    void **state)
{
	(void)state;
	retained_clear_denied(1);
}

/*
 * The broker refuses mppd's subscription to its command topic (SUBACK
 * 0x80; mosquitto 2.0 grants a subscription its ACL denies and then
 * delivers nothing, so aedes refuses it here, as a broker's authorizer
 * does): an error in mppd's log and on {hostname}/mppd/error, so a user
 * learns why commands never arrive.
 */
static void
test_refused_subscription_is_an_error_in_log_and_on_error_topic(
    void **state)
{
	char *err_log;
	int rc;

	(void)state;
	if ((rc = cl_check(0)) != 0) {
		assert_int_equal(rc, 1);
		skip();
	}
	sc_up(&S, 0, NULL);
	S.broker = cl_start_aedes_args(S.blog, S.port, 0, "aedes",
	    (const char *[]){ "--deny-subscribe", CMD_TOPIC, NULL });
	assert_true(S.broker > 0);
	err_log = h_path(S.dir, "error.txt");
	sc_sub_to(&S, ERR_TOPIC, err_log);
	inverter_up_sub("pause = 3600\n",
	    (const char *[]){ "--baud", "115200", NULL }, 0);
	sc_wait(&S, S.blog, "Denied SUBSCRIBE from ", 1, SC_WAIT_MS);
	sc_wait(&S, S.mlog, "the broker refused the subscription to "
	    CMD_TOPIC ": reason 0x80", 1, SC_WAIT_MS);
	sc_wait(&S, err_log, ERR_TOPIC "|the broker refused the subscription "
	    "to " CMD_TOPIC, 1, SC_WAIT_MS);
	sc_mppd_stop(&S);
	free(err_log);
}

/*
 * With MQTT 5 an answer the broker refuses (no write access to
 * cmd_response: PUBACK 0x87) is an error in mppd's log naming the
 * answer's topic; the command ran once.
 */
static void
test_answer_refused_by_acl_is_logged_mqtt5(void **state)
{
	(void)state;
	acl_broker(RESP_TOPIC, "");
	inverter_up("pause = 3600\nmqtt_user = mppd\nmqtt_protocol = 5\n",
	    (const char *[]){ "--baud", "115200", NULL });
	sc_sub(&S, RESP_TOPIC);
	sc_pub(&S, CMD_TOPIC, "POP02");
	sc_wait(&S, S.mlog, "the broker refused the message on " RESP_TOPIC
	    ": reason 0x87 (Not authorized)", 1, SC_WAIT_MS);
	h_sleep_ms(SC_QUIET_MS);
	assert_int_equal(count_lines(S.simlog, "POP02"), 1);
	assert_int_equal(h_count_text(S.rlog, "|"), 0);
	sc_mppd_stop(&S);
}

/*
 * An MQTT 5 Response Topic that is a command topic (its own or another
 * device's) would make the answer a command: refused with an error on
 * cmd_response, the inverter never sees the command.
 */
static void
test_mqtt5_response_topic_on_a_command_topic_is_refused(void **state)
{
	char *err;

	(void)state;
	sc_up(&S, 1, NULL);
	inverter_up("pause = 3600\nmqtt_protocol = 5\n",
	    (const char *[]){ "--baud", "115200", NULL });
	sc_sub(&S, RESP_TOPIC);
	assert_int_equal(sc_pub_rc(&S, CMD_TOPIC,
	    "{\"command\": \"POP02\", \"id\": \"loop\"}",
	    (const char *[]){ "-V", "5", "-D", "publish", "response-topic",
	    CMD_TOPIC, NULL }, NULL), 0);
	sc_wait(&S, S.rlog, "\"id\": \"loop\"}", 1, SC_WAIT_MS);
	h_sleep_ms(SC_QUIET_MS);
	err = answer_error("loop");
	assert_non_null(err);
	assert_string_equal(err, "MQTT 5 response topic \"" CMD_TOPIC "\" is "
	    "a command topic: an answer there would be taken for a command");
	free(err);
	assert_int_equal(h_count_text(S.rlog, "|"), 1);
	assert_int_equal(count_lines(S.simlog, "POP02"), 0);
	sc_mppd_stop(&S);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_teardown(test_answer_larger_than_max_packet_is_replaced_mqtt311, sc_teardown),
	cmocka_unit_test_teardown(test_answer_larger_than_connack_maximum_is_replaced_mqtt5, sc_teardown),
	cmocka_unit_test_teardown(test_command_redelivered_after_sigstop_runs_once, sc_teardown),
	cmocka_unit_test_teardown(test_broker_restarts_with_persistence_run_each_command_once, sc_teardown),
	cmocka_unit_test_teardown(test_retained_command_clear_denied_runs_once_in_three_starts_mqtt311, sc_teardown),
	cmocka_unit_test_teardown(test_retained_command_clear_denied_runs_once_in_three_starts_mqtt5, sc_teardown),
	cmocka_unit_test_teardown(test_refused_subscription_is_an_error_in_log_and_on_error_topic, sc_teardown),
	cmocka_unit_test_teardown(test_answer_refused_by_acl_is_logged_mqtt5, sc_teardown),
	cmocka_unit_test_teardown(test_mqtt5_response_topic_on_a_command_topic_is_refused, sc_teardown),
};

MPPD_TEST_MAIN(tests)

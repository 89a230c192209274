/*
 * test_scenario_late_reply.c - the inverter answers after the timeout
 * (mppd-sim --delay-ms).  The real mppd daemon, a real mosquitto, and
 * mosquitto_pub / mosquitto_sub as the user's tools.
 *
 * What a user must see: no value of one command is ever published as
 * another command's data.  A reply a little late (within the port's guard
 * time after the timeout) is still its own command's answer, so a setter
 * the inverter applied is answered as applied, not "Response to short";
 * a reply later than that meets the next command, does not fit it, and is
 * answered as an error that says so.  The simulator receives every
 * command exactly once.
 */
#include "scenario_env.h"

#define CMD_TOPIC	SC_HOST "/inv/cmd"
#define RESP_TOPIC	SC_HOST "/inv/cmd_response"
#define ALLOWED		"QPI,QMOD,QPIGS,QPIRI,POP0[0-2]"
#define QPIGS_FIELD	"Battery Voltage from SCC"
#define QPIRI_FIELD	"Battery Recharge Voltage"

static void
late_conf(struct scen *s, const char *timeout)
{
	char dev[1024];

	snprintf(dev, sizeof(dev), "[inv]\nport = %s\nporttype = serial\n"
	    "baud = 9600\ntimeout = %s\nprotocol = PI30\ncommand = QPI\n"
	    "outputs = json\nmqtt_allowed_cmds = " ALLOWED "\n", s->link,
	    timeout);
	sc_conf(s, "pause = 3600\n", dev);
}

static const cJSON *
result_of(const cJSON *resp)
{
	return cJSON_GetObjectItemCaseSensitive(resp, "result");
}

static int
result_has(const cJSON *resp, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(result_of(resp), key) != NULL;
}

/* The result's first string for key, or NULL. */
static const char *
result_entry(const cJSON *resp, const char *key)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(result_of(resp), key);

	if (!cJSON_IsArray(e) || cJSON_GetArraySize(e) < 1 ||
	    !cJSON_IsString(cJSON_GetArrayItem(e, 0)))
		return NULL;
	return cJSON_GetArrayItem(e, 0)->valuestring;
}

static cJSON *
response_for(cJSON **v, int n, const char *id)
{
	cJSON *r = sc_find(v, n, "id", id);

	if (r == NULL) {
		sc_dump_all(&S);
		fail_msg("no response with id %s", id);
	}
	return r;
}

/* Publishes the commands (id = cmd + index) one by one, each after the
 * previous answer, and loads the n answers. */
static int
run_commands(const char *const cmds[], int ncmds, cJSON **v, int max)
{
	char msg[128], needle[64];

	for (int i = 0; i < ncmds; i++) {
		snprintf(msg, sizeof(msg), "{\"command\": \"%s\", \"id\": "
		    "\"%s-%d\"}", cmds[i], cmds[i], i);
		snprintf(needle, sizeof(needle), "\"id\": \"%s-%d\"}", cmds[i],
		    i);
		sc_pub(&S, CMD_TOPIC, msg);
		sc_wait(&S, S.rlog, needle, 1, 20000);
	}
	h_sleep_ms(SC_QUIET_MS);
	return sc_load(S.rlog, RESP_TOPIC, v, max);
}

/* No answer holds another command's fields. */
static void
assert_no_foreign_data(cJSON **v, int n)
{
	for (int k = 0; k < n; k++) {
		const char *cmd = sc_jstr(v[k], "command");
		assert_non_null(cmd);
		if (strcmp(cmd, "QPIGS") != 0 && result_has(v[k], QPIGS_FIELD))
			fail_msg("%s answered with QPIGS data",
			    sc_jstr(v[k], "id"));
		if (strcmp(cmd, "QPIRI") != 0 && result_has(v[k], QPIRI_FIELD))
			fail_msg("%s answered with QPIRI data",
			    sc_jstr(v[k], "id"));
	}
}

/*
 * Every reply 2.5 s after its request, timeout = 2: each command still
 * gets its own data (the reply came within the guard), POP02 is answered
 * as applied, and the log says the timeout is too short.
 */
static void
test_reply_after_the_timeout_is_its_own_commands_never_the_next(void **state)
{
	static const char *const cmds[] = { "QPIGS", "QPIRI", "POP02",
	    "QPIRI", "QPIGS" };
	cJSON *v[16], *r;
	char id[32];
	int n;

	(void)state;
	sc_up(&S, 1, NULL);
	sc_sim(&S, (const char *[]){ "--baud", "9600", "--delay-ms", "2500",
	    NULL });
	late_conf(&S, "2");
	sc_mppd(&S);
	sc_wait_subscribed(&S, CMD_TOPIC, 1);
	sc_sub(&S, RESP_TOPIC);
	sc_wait(&S, S.mlog, "\"protocol_id\": \"PI30\"", 1, 20000);

	n = run_commands(cmds, 5, v, 16);
	assert_int_equal(n, 5);
	assert_no_foreign_data(v, n);
	for (int i = 0; i < 5; i++) {
		snprintf(id, sizeof(id), "%s-%d", cmds[i], i);
		r = response_for(v, n, id);
		assert_string_equal(sc_jstr(r, "command"), cmds[i]);
		if (result_entry(r, "validity check") != NULL ||
		    result_entry(r, "ERROR") != NULL) {
			char *text = cJSON_PrintUnformatted(r);
			fail_msg("%s: %s", id, text);
		}
	}
	assert_true(result_has(response_for(v, n, "QPIGS-0"), QPIGS_FIELD));
	assert_true(result_has(response_for(v, n, "QPIRI-1"), QPIRI_FIELD));
	assert_true(result_has(response_for(v, n, "QPIRI-3"), QPIRI_FIELD));
	assert_true(result_has(response_for(v, n, "QPIGS-4"), QPIGS_FIELD));
	{
		char *pop = cJSON_PrintUnformatted(result_of(response_for(v, n,
		    "POP02-2")));
		fprintf(stderr, "POP02: %s\n", pop);
		free(pop);
	}
	sc_free_json(v, n);
	/* The inverter got each command once (and the start-up poll). */
	assert_int_equal(h_count_text(S.simlog, "POP02\n"), 1);
	assert_int_equal(h_count_text(S.simlog, "QPIRI\n"), 2);
	assert_int_equal(h_count_text(S.simlog, "QPIGS\n"), 2);
	assert_int_equal(h_count_text(S.simlog, "\n"), 6);
	assert_true(h_count_text(S.mlog, "after the timeout of 2000 ms; it "
	    "is used, but the timeout is too short") >= 6);
	sc_mppd_stop(&S);
}

/*
 * Every reply 1.3 s after its request, timeout = 0.5 (guard 250 ms): the
 * replies arrive during later commands' exchanges.  None is published as
 * the next command's data: those answers say the reply does not fit, and
 * the log says the line was resynchronised.
 */
static void
test_reply_of_another_command_is_an_error_never_data(void **state)
{
	static const char *const cmds[] = { "QPIGS", "QPIRI", "QPIGS",
	    "QPIRI", "POP02", "QPIRI" };
	cJSON *v[16];
	int n, misfits = 0;

	(void)state;
	sc_up(&S, 1, NULL);
	sc_sim(&S, (const char *[]){ "--baud", "115200", "--delay-ms", "1300",
	    NULL });
	late_conf(&S, "0.5");
	sc_mppd(&S);
	sc_wait_subscribed(&S, CMD_TOPIC, 1);
	sc_sub(&S, RESP_TOPIC);
	sc_wait(&S, S.simlog, "QPI\n", 1, SC_WAIT_MS);

	n = run_commands(cmds, 6, v, 16);
	assert_int_equal(n, 6);
	assert_no_foreign_data(v, n);
	for (int k = 0; k < n; k++) {
		const char *e = result_entry(v[k], "ERROR");
		if (e != NULL && strstr(e, "The reply does not fit command ") ==
		    e)
			misfits++;
		/* POP02 never shows QPIRI's or QPIGS's reply as its answer. */
		if (strcmp(sc_jstr(v[k], "command"), "POP02") == 0)
			assert_true(e != NULL || result_has(v[k],
			    "validity check"));
	}
	fprintf(stderr, "%d of %d answers: the reply did not fit\n", misfits,
	    n);
	/* The simulator answers one request at a time, so its delays add
	 * up: some replies meet a command of their own kind (stale but its
	 * own data), the others are refused. */
	assert_true(misfits >= 2);
	sc_free_json(v, n);
	/* The simulator is behind by its delays: let it read them all. */
	sc_wait(&S, S.simlog, "QPIRI\n", 3, SC_WAIT_MS);
	h_sleep_ms(SC_QUIET_MS);
	assert_int_equal(h_count_text(S.simlog, "POP02\n"), 1);
	assert_int_equal(h_count_text(S.simlog, "QPIRI\n"), 3);
	assert_int_equal(h_count_text(S.simlog, "QPIGS\n"), 2);
	assert_true(h_count_text(S.mlog, "it is not used; the line is "
	    "resynchronised") >= 2);
	sc_mppd_stop(&S);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_teardown(test_reply_after_the_timeout_is_its_own_commands_never_the_next, sc_teardown),
	cmocka_unit_test_teardown(test_reply_of_another_command_is_an_error_never_data, sc_teardown),
};

MPPD_TEST_MAIN(tests)

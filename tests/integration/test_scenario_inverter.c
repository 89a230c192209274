/*
 * test_scenario_inverter.c - the inverter misbehaves (RELIABILITY.md section 2):
 * mppd-sim injects silence, bad CRCs, NAKs, garbage and echoes, vanishes
 * like an unplugged USB adapter and comes back, and talks at 2400 baud
 * while commands pour in.  The real mppd daemon, a real mosquitto, and
 * mosquitto_pub / mosquitto_sub as the user's tools.
 *
 * What a user must see: a command hit by a fault gets a response whose
 * result carries the reference's error entry, the next command works,
 * availability follows the device, and every command gets its own
 * answer.
 */
#include "scenario_env.h"

#define CMD_TOPIC	SC_HOST "/inv/cmd"
#define RESP_TOPIC	SC_HOST "/inv/cmd_response"
#define AVAIL_TOPIC	SC_HOST "/inv/availability"
#define ALLOWED		"QPI,QMOD,QPIGS,QPIRI,QFLAG,QPIWS,QVFW,QID,POP0[0-2]"

/* The device section for the simulator at s->link. */
static void
sim_conf(struct scen *s, const char *setup, const char *baud,
    const char *timeout, const char *extra)
{
	char dev[1024];

	snprintf(dev, sizeof(dev), "[inv]\nport = %s\nporttype = serial\n"
	    "baud = %s\ntimeout = %s\nprotocol = PI30\ncommand = QPI\n"
	    "outputs = json\nmqtt_allowed_cmds = " ALLOWED "\n%s", s->link,
	    baud, timeout, extra != NULL ? extra : "");
	sc_conf(s, setup, dev);
}

/* The response to envelope id (loaded from s->rlog), or fails. */
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

/* The result's first string for key ("validity check": ["Error: ...",
 * ""]), or NULL. */
static const char *
result_entry(const cJSON *resp, const char *key)
{
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(resp, "result");
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(res, key);

	if (!cJSON_IsArray(e) || cJSON_GetArraySize(e) != 2 ||
	    !cJSON_IsString(cJSON_GetArrayItem(e, 0)))
		return NULL;
	return cJSON_GetArrayItem(e, 0)->valuestring;
}

/* The result has an entry key (any value). */
static int
result_has(const cJSON *resp, const char *key)
{
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(resp, "result");

	return cJSON_GetObjectItemCaseSensitive(res, key) != NULL;
}

/*
 * One fault: the simulator answers its n-th command with the fault
 * (option every n), the poll at start-up is command 1, so with every = 2
 * the first MQTT command meets the fault and the second is served.  The
 * first response must be a success envelope whose result holds key with
 * a message starting with want; the second a valid QPIGS result.
 */
static void
fault_case(const char *option, const char *key, const char *want,
    const char *timeout)
{
	cJSON *v[8], *r;
	const char *e;
	int n;

	sc_up(&S, 1, NULL);
	sc_sim(&S, (const char *[]){ "--baud", "115200", option, "2", NULL });
	sim_conf(&S, "pause = 3600\n", "115200", timeout, NULL);
	sc_mppd(&S);
	sc_wait_subscribed(&S, CMD_TOPIC, 1);
	sc_sub(&S, RESP_TOPIC);
	sc_wait(&S, S.simlog, "QPI\n", 1, SC_WAIT_MS);
	sc_wait(&S, S.mlog, "\"protocol_id\": \"PI30\"", 1, SC_WAIT_MS);

	sc_pub(&S, CMD_TOPIC, "{\"command\": \"QPIGS\", \"id\": \"fault\"}");
	sc_wait(&S, S.rlog, "\"id\": \"fault\"}", 1, SC_WAIT_MS);
	sc_pub(&S, CMD_TOPIC, "{\"command\": \"QPIGS\", \"id\": \"next\"}");
	sc_wait(&S, S.rlog, "\"id\": \"next\"}", 1, SC_WAIT_MS);
	h_sleep_ms(300);

	n = sc_load(S.rlog, RESP_TOPIC, v, 8);
	assert_int_equal(n, 2);
	r = response_for(v, n, "fault");
	assert_null(cJSON_GetObjectItemCaseSensitive(r, "error"));
	assert_string_equal(sc_jstr(r, "command"), "QPIGS");
	e = result_entry(r, key);
	if (e == NULL || strncmp(e, want, strlen(want)) != 0) {
		sc_dump_all(&S);
		fail_msg("%s: result.\"%s\" is \"%s\", expected \"%s...\"",
		    option, key, e != NULL ? e : "(missing)", want);
	}
	fprintf(stderr, "%s: result.\"%s\": \"%s\"\n", option, key, e);
	r = response_for(v, n, "next");
	assert_null(result_entry(r, "validity check"));
	assert_null(result_entry(r, "ERROR"));
	assert_true(result_has(r, "Battery Voltage from SCC"));
	sc_free_json(v, n);
	/* The simulator received the poll and both commands, nothing more. */
	assert_int_equal(h_count_text(S.simlog, "QPIGS\n"), 2);
	assert_int_equal(h_count_text(S.simlog, "\n"), 3);
	sc_mppd_stop(&S);
}

static void
test_fault_silence_answered_with_error_next_command_works(void **state)
{
	(void)state;
	fault_case("--silent-every", "validity check", "Error: ", "0.5");
}

static void
test_fault_bad_crc_answered_with_error_next_command_works(void **state)
{
	(void)state;
	fault_case("--bad-crc-every", "validity check",
	    "Error: Invalid response CRCs", "2");
}

static void
test_fault_nak_answered_with_error_next_command_works(void **state)
{
	(void)state;
	fault_case("--nak-every", "validity check", "Error: NAK", "2");
}

static void
test_fault_garbage_answered_with_error_next_command_works(void **state)
{
	(void)state;
	fault_case("--garbage-every", "validity check", "Error: ", "2");
}

static void
test_fault_echo_answered_with_error_next_command_works(void **state)
{
	(void)state;
	fault_case("--echo-every", "ERROR", "Inverter returned the command "
	    "string for QPIGS", "2");
}

/*
 * The USB adapter vanishes (the simulator closes its pty, removes the
 * link and exits): availability goes offline, a command meanwhile gets an
 * error entry; a new simulator on the same link (the replug) brings the
 * device back online without restarting mppd, and commands work again.
 */
static void
test_vanish_and_replug_availability_follows_without_restart(void **state)
{
	char *avail, *text;
	pid_t asub;
	cJSON *v[16], *r;
	int n, online;

	(void)state;
	sc_up(&S, 1, NULL);
	avail = h_path(S.dir, "availability.txt");
	asub = sc_sub_to(&S, AVAIL_TOPIC, avail);
	sc_sim(&S, (const char *[]){ "--baud", "115200", "--vanish-after", "3",
	    NULL });
	sim_conf(&S, "pause = 1\n", "115200", "0.5", NULL);
	sc_mppd(&S);
	sc_wait_subscribed(&S, CMD_TOPIC, 1);
	sc_sub(&S, RESP_TOPIC);
	sc_wait(&S, avail, AVAIL_TOPIC "|online", 1, SC_WAIT_MS);

	/* Unplugged after 3 commands. */
	assert_int_equal(h_wait_exit(S.sim, SC_WAIT_MS, &n), 0);
	S.sim = 0;
	assert_int_equal(h_wait_for_gone(S.link, 1000), 0);
	sc_wait(&S, avail, AVAIL_TOPIC "|offline", 1, SC_WAIT_MS);
	sc_pub(&S, CMD_TOPIC, "{\"command\": \"QPI\", \"id\": \"unplugged\"}");
	sc_wait(&S, S.rlog, "\"id\": \"unplugged\"}", 1, SC_WAIT_MS);

	/* Replugged: a new device node at the same path. */
	online = h_count_text(avail, AVAIL_TOPIC "|online");
	sc_sim(&S, (const char *[]){ "--baud", "115200", NULL });
	sc_wait(&S, avail, AVAIL_TOPIC "|online", online + 1, 40000);
	sc_pub(&S, CMD_TOPIC, "{\"command\": \"QPI\", \"id\": \"replugged\"}");
	sc_wait(&S, S.rlog, "\"id\": \"replugged\"}", 1, SC_WAIT_MS);

	n = sc_load(S.rlog, RESP_TOPIC, v, 16);
	assert_int_equal(n, 2);
	r = response_for(v, n, "unplugged");
	/* Port gone: the reference's error entry, not a refusal. */
	assert_null(cJSON_GetObjectItemCaseSensitive(r, "error"));
	assert_non_null(result_entry(r, "ERROR"));
	fprintf(stderr, "unplugged: result.\"ERROR\": \"%s\"\n",
	    result_entry(r, "ERROR"));
	r = response_for(v, n, "replugged");
	if (result_entry(r, "Protocol ID") == NULL ||
	    strcmp(result_entry(r, "Protocol ID"), "PI30") != 0) {
		sc_dump_all(&S);
		fail_msg("no protocol id after the replug");
	}
	sc_free_json(v, n);
	/* Offline once, and online again after it. */
	assert_int_equal(h_count_text(avail, "|offline"), 1);
	text = h_read_file(avail, NULL);
	assert_non_null(text);
	assert_non_null(strstr(strstr(text, "|offline"), "|online"));
	free(text);
	h_stop(asub, SIGTERM, 2000);
	sc_mppd_stop(&S);
	free(avail);
}

/* A command and the result field only its reply has. */
static const struct {
	const char	*cmd;
	const char	*field;
} kinds[] = {
	{ "QPI", "Protocol ID" },
	{ "QMOD", "Device Mode" },
	{ "QPIGS", "Battery Voltage from SCC" },
	{ "QPIRI", "Battery Recharge Voltage" },
	{ "QFLAG", "Buzzer" },
	{ "QPIWS", "Inverter fault" },
	{ "QVFW", "Main CPU firmware version" },
	{ "QID", "Serial Number" },
};
#define NKINDS	((int)(sizeof(kinds) / sizeof(kinds[0])))

/*
 * 2400 baud (a QPIGS reply takes about 0.45 s on the wire) while polling
 * QPIGS and QPIRI, 24 commands of 8 kinds arrive at once: every one is
 * answered exactly once, and each answer is the decoded reply to its own
 * request (the field only that command has, under its own id).
 */
static void
test_2400_baud_commands_during_polling_each_gets_its_own_result(void **state)
{
	enum { N = 24 };
	char lines[N * 64] = "", line[64], id[16];
	cJSON *v[N + 8];
	int n, seen[N] = { 0 };

	(void)state;
	sc_up(&S, 1, NULL);
	sc_sim(&S, (const char *[]){ "--baud", "2400", NULL });
	{
		char dev[1024];
		snprintf(dev, sizeof(dev), "[inv]\nport = %s\nporttype = serial\n"
		    "baud = 2400\ntimeout = 3\nprotocol = PI30\n"
		    "command = QPIGS#QPIRI\noutputs = json\nqueue_len = 32\n"
		    "mqtt_allowed_cmds = " ALLOWED "\n", S.link);
		sc_conf(&S, "pause = 1\n", dev);
	}
	sc_mppd(&S);
	sc_wait_subscribed(&S, CMD_TOPIC, 1);
	sc_sub(&S, RESP_TOPIC);
	sc_wait(&S, S.mlog, "\"battery_voltage_from_scc\"", 1, SC_WAIT_MS);

	for (int i = 0; i < N; i++) {
		snprintf(line, sizeof(line), "{\"command\": \"%s\", \"id\": "
		    "\"c%d\"}\n", kinds[i % NKINDS].cmd, i);
		strcat(lines, line);
	}
	sc_pub_lines(&S, CMD_TOPIC, lines);
	sc_wait(&S, S.rlog, RESP_TOPIC "|", N, 30000);
	h_sleep_ms(SC_QUIET_MS);

	n = sc_load(S.rlog, RESP_TOPIC, v, N + 8);
	assert_int_equal(n, N);
	for (int k = 0; k < n; k++) {
		const char *rid = sc_jstr(v[k], "id"), *cmd;
		const cJSON *res;
		int i;

		assert_non_null(rid);
		assert_true(rid[0] == 'c');
		i = atoi(rid + 1);
		assert_true(i >= 0 && i < N);
		seen[i]++;
		cmd = kinds[i % NKINDS].cmd;
		assert_string_equal(sc_jstr(v[k], "command"), cmd);
		res = cJSON_GetObjectItemCaseSensitive(v[k], "result");
		if (res == NULL || !result_has(v[k], kinds[i % NKINDS].field)) {
			char *text = cJSON_PrintUnformatted(v[k]);
			fail_msg("c%d (%s): %s", i, cmd, text);
		}
		assert_string_equal(sc_jstr(res, "_command"), cmd);
		assert_null(result_entry(v[k], "validity check"));
		/* No other kind's field leaked in. */
		for (int j = 0; j < NKINDS; j++)
			if (strcmp(kinds[j].cmd, cmd) != 0)
				assert_false(result_has(v[k], kinds[j].field));
	}
	for (int i = 0; i < N; i++) {
		snprintf(id, sizeof(id), "c%d", i);
		if (seen[i] != 1)
			fail_msg("%s answered %d times", id, seen[i]);
	}
	sc_free_json(v, n);
	/* The device got each command once, and the polls went on. */
	for (int j = 0; j < NKINDS; j++) {
		snprintf(line, sizeof(line), "%s\n", kinds[j].cmd);
		assert_true(h_count_text(S.simlog, line) >= N / NKINDS);
	}
	assert_int_equal(h_count_text(S.simlog, "QPI\n"), N / NKINDS);
	sc_mppd_stop(&S);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_teardown(test_fault_silence_answered_with_error_next_command_works, sc_teardown),
	cmocka_unit_test_teardown(test_fault_bad_crc_answered_with_error_next_command_works, sc_teardown),
	cmocka_unit_test_teardown(test_fault_nak_answered_with_error_next_command_works, sc_teardown),
	cmocka_unit_test_teardown(test_fault_garbage_answered_with_error_next_command_works, sc_teardown),
	cmocka_unit_test_teardown(test_fault_echo_answered_with_error_next_command_works, sc_teardown),
	cmocka_unit_test_teardown(test_vanish_and_replug_availability_follows_without_restart, sc_teardown),
	cmocka_unit_test_teardown(test_2400_baud_commands_during_polling_each_gets_its_own_result, sc_teardown),
};

MPPD_TEST_MAIN(tests)

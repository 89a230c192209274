/*
 * test_config_checks.c - command topics that would make mppd take its own
 * output, or one command run on two devices, are refused at load; the
 * daemon and --check-config run the same checks with the same words; an
 * unknown placeholder is an error; a SIGHUP that cannot reopen the log
 * file says so.  The real mppd binary (and, where it runs, a real
 * mosquitto).
 */
#include <fcntl.h>

#include "scenario_env.h"

/* Runs argv; returns its exit status with stderr in *err (caller frees). */
static int
run_err(const char *const argv[], char **err)
{
	char *out = NULL;
	int rc;

	*err = NULL;
	rc = h_run(argv, &out, err, 30000);
	free(out);
	if (*err == NULL)
		*err = strdup("");
	return rc;
}

/*
 * The configuration text must be refused by --check-config and by the
 * daemon, both with status 1 and a message holding every needle (NULL
 * terminated) at file:line.  The daemon never subscribes to anything.
 */
static void
refused_everywhere(struct scen *s, const char *text, int line,
    const char *const needles[])
{
	const char *check[] = { sc_mppd_bin(), "-C", s->conf,
	    "--check-config", NULL };
	const char *daemon[] = { sc_mppd_bin(), "-C", s->conf, "--daemon",
	    NULL };
	const char *const *argvs[] = { check, daemon };
	char where[600], *err;

	assert_int_equal(h_write_file(s->conf, text), 0);
	snprintf(where, sizeof(where), "%s:%d: ", s->conf, line);
	for (int k = 0; k < 2; k++) {
		int rc = run_err(argvs[k], &err);
		int ok = rc == 1 && strstr(err, where) != NULL;

		for (int i = 0; ok && needles[i] != NULL; i++)
			ok = strstr(err, needles[i]) != NULL;
		if (!ok)
			fail_msg("%s: status %d, expected 1 with \"%s\" and the "
			    "needles; stderr:\n%.3000s", argvs[k][3], rc, where,
			    err);
		fprintf(stderr, "%s -> %.*s\n", argvs[k][3],
		    (int)strcspn(strstr(err, where), "\n"), strstr(err, where));
		free(err);
	}
	if (s->broker > 0)
		assert_int_equal(h_count_text(s->blog, "SUBSCRIBE"), 0);
}

/* text is written to the config file and --check-config accepts it. */
static void
accepted(struct scen *s, const char *text)
{
	const char *argv[] = { sc_mppd_bin(), "-C", s->conf, "--check-config",
	    NULL };
	char *err;
	int rc;

	assert_int_equal(h_write_file(s->conf, text), 0);
	rc = run_err(argv, &err);
	if (rc != 0)
		fail_msg("status %d: %s", rc, err);
	free(err);
}

/* [SETUP] for our broker (hostname th) and text after it. */
static char *
conf_text(struct scen *s, const char *rest)
{
	size_t n = strlen(rest) + 256;
	char *t = malloc(n);

	assert_non_null(t);
	snprintf(t, n, "[SETUP]\nmqtt_broker = 127.0.0.1\nmqtt_port = %d\n"
	    "mqtt_hostname = " SC_HOST "\n%s", s->port, rest);
	return t;
}

/*
 * mqtt_cmd_topic = # took mppd's own telemetry and discovery as commands
 * (hundreds of error answers, Home Assistant's configs cleared).  Now it
 * is refused, as is every filter that can match a topic mppd publishes:
 * {hostname}/{device}/# (the availability), a filter over the json_mqtt
 * output's topic, over Home Assistant's discovery.
 */
static void
test_command_topic_that_matches_mppds_own_output_is_refused(void **state)
{
	static const struct {
		const char *topic, *outputs, *what, *published;
	} cases[] = {
		{ "#", "json_mqtt", "mppd's connection status",
		    SC_HOST "/mppd/status" },
		{ "{hostname}/{device}/#", "json", "[inv]'s availability",
		    SC_HOST "/inv/availability" },
		{ "+/mpp-solar", "json_mqtt", "[inv]'s json_mqtt",
		    "+/mpp-solar" },
		{ "homeassistant/+/cmd", "hassd_mqtt", "[inv]'s hassd_mqtt",
		    "homeassistant/#" },
		{ "solar/+/value", "mqtt", "[inv]'s mqtt", "+/status/#" },
	};
	char dev[512], *text;

	(void)state;
	sc_up(&S, 1, NULL);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char want[256];
		snprintf(dev, sizeof(dev), "[inv]\nport = test\nprotocol = PI30\n"
		    "command = QPIGS\noutputs = %s\nmqtt_allowed_cmds = QPIGS\n"
		    "mqtt_cmd_topic = %s\n", cases[i].outputs, cases[i].topic);
		snprintf(want, sizeof(want), "can match topics mppd publishes "
		    "itself (%s, \"%s\")", cases[i].what, cases[i].published);
		text = conf_text(&S, dev);
		refused_everywhere(&S, text, 11, (const char *[]){ "[inv] "
		    "mqtt_cmd_topic: ", want, "take its own output as commands",
		    NULL });
		free(text);
	}
	/* The default and a topic of one's own are fine. */
	text = conf_text(&S, "[inv]\nport = test\nprotocol = PI30\ncommand = "
	    "QPIGS\noutputs = json_mqtt,hassd_mqtt,mqtt\nmqtt_allowed_cmds = "
	    "QPIGS\n\n[inv2]\nport = test\nprotocol = PI30\ncommand = QPIGS\n"
	    "outputs = json_mqtt\nmqtt_allowed_cmds = QPIGS\n"
	    "mqtt_cmd_topic = site/{device}/in/#\n");
	accepted(&S, text);
	free(text);
}

/*
 * [a] host/+/cmd and [b] with the default host/b/cmd both ran POP02 sent
 * to host/b/cmd.  Now the pair is refused, naming both devices; devices
 * on different brokers may use the same topic.
 */
static void
test_overlapping_command_topics_of_two_devices_are_refused(void **state)
{
	char *text;

	(void)state;
	sc_up(&S, 1, NULL);
	text = conf_text(&S, "[a]\nport = test\nprotocol = PI30\ncommand = "
	    "QPI\noutputs = json\nmqtt_cmd_topic = {hostname}/+/cmd\n"
	    "mqtt_allowed_cmds = POP0[0-2]\n\n[b]\nport = test\nprotocol = "
	    "PI30\ncommand = QPI\noutputs = json\nmqtt_allowed_cmds = "
	    "POP0[0-2]\n");
	refused_everywhere(&S, text, 13, (const char *[]){ "[b] mqtt_cmd_topic: "
	    "the command topics of [a] (\"" SC_HOST "/+/cmd\") and [b] (\""
	    SC_HOST "/b/cmd\") can match the same topic: a command there "
	    "would run on both devices", NULL });
	free(text);
	/* The same topic twice, inherited from [SETUP]. */
	text = conf_text(&S, "mqtt_cmd_topic = site/cmd\n[a]\nport = test\n"
	    "protocol = PI30\ncommand = QPI\noutputs = json\n"
	    "mqtt_allowed_cmds = POP0[0-2]\n\n[b]\nport = test\nprotocol = "
	    "PI30\ncommand = QPI\noutputs = json\nmqtt_allowed_cmds = "
	    "POP0[0-2]\n");
	refused_everywhere(&S, text, 13, (const char *[]){ "[a] (\"site/cmd\") "
	    "and [b] (\"site/cmd\") can match the same topic", NULL });
	free(text);
	/* Another broker: no overlap. */
	text = conf_text(&S, "[a]\nport = test\nprotocol = PI30\ncommand = "
	    "QPI\noutputs = json\nmqtt_cmd_topic = site/cmd\n"
	    "mqtt_allowed_cmds = POP0[0-2]\n\n[b]\nport = test\nprotocol = "
	    "PI30\ncommand = QPI\noutputs = json\nmqtt_cmd_topic = site/cmd\n"
	    "mqtt_broker = 127.0.0.2\nmqtt_allowed_cmds = POP0[0-2]\n");
	accepted(&S, text);
	free(text);
}

/*
 * A 600-byte device name passed --check-config, then the daemon exited
 * with "is not a valid topic filter".  Both now refuse it, with the same
 * reason; an unknown placeholder is an error too.
 */
static void
test_check_config_runs_the_daemons_topic_checks(void **state)
{
	char name[601], dev[1024], *text;

	(void)state;
	sc_up(&S, 1, NULL);
	memset(name, 'n', 600);
	name[600] = '\0';
	snprintf(dev, sizeof(dev), "[%s]\nport = test\nprotocol = PI30\n"
	    "command = QPI\noutputs = json\nmqtt_allowed_cmds = POP0[0-2]\n",
	    name);
	text = conf_text(&S, dev);
	refused_everywhere(&S, text, 5, (const char *[]){ "mqtt_cmd_topic: "
	    "expected an MQTT topic filter, found \"" SC_HOST "/nnnn",
	    "it is longer than 512 bytes, the longest command topic mppd "
	    "handles", NULL });
	free(text);

	text = conf_text(&S, "mqtt_cmd_topic = site/{foo}/{device}\n[inv]\n"
	    "port = test\nprotocol = PI30\ncommand = QPI\noutputs = json\n"
	    "mqtt_allowed_cmds = POP0[0-2]\n");
	refused_everywhere(&S, text, 5, (const char *[]){ "mqtt_cmd_topic: "
	    "\"site/{foo}/{device}\" has the placeholder {foo}, which mppd "
	    "does not know: only {hostname} and {device} are replaced", NULL });
	free(text);
}

/*
 * The log file is rotated and its place taken by something that cannot
 * be opened (a directory): SIGHUP says so, in the old file and on
 * stderr, and the daemon goes on; once the path is free again the next
 * SIGHUP opens a new file.
 */
static void
test_sighup_that_cannot_reopen_the_log_file_says_so(void **state)
{
	char setup[1024], *logf, *old;

	(void)state;
	sc_up(&S, 1, NULL);
	logf = h_path(S.dir, "mppd-file.log");
	old = h_path(S.dir, "mppd-file.log.1");
	snprintf(setup, sizeof(setup), "pause = 3600\nlog_file = %s\n", logf);
	sc_conf(&S, setup, "[inv]\nport = test\nprotocol = PI30\ncommand = "
	    "QPI\noutputs = json\nmqtt_allowed_cmds = POP0[0-2]\n");
	sc_mppd(&S);
	sc_wait_subscribed(&S, SC_HOST "/inv/cmd", 1);
	assert_int_equal(access(logf, F_OK), 0);

	assert_int_equal(rename(logf, old), 0);
	assert_int_equal(mkdir(logf, 0755), 0);
	assert_int_equal(kill(S.mppd, SIGHUP), 0);
	sc_wait(&S, old, "ERROR: cannot reopen the log file ", 1, SC_WAIT_MS);
	sc_wait(&S, S.mlog, "cannot reopen the log file ", 1, SC_WAIT_MS);
	assert_true(h_count_text(old, "mppd-file.log: Is a directory; still "
	    "writing to the file it was") == 1);

	/* Still serving commands. */
	sc_sub(&S, SC_HOST "/inv/cmd_response");
	sc_pub(&S, SC_HOST "/inv/cmd", "POP02");
	sc_wait(&S, S.rlog, "cmd_response|{", 1, SC_WAIT_MS);

	assert_int_equal(rmdir(logf), 0);
	assert_int_equal(kill(S.mppd, SIGHUP), 0);
	{
		long end = h_now_ms() + SC_WAIT_MS;
		while (access(logf, F_OK) != 0 && h_now_ms() < end)
			h_sleep_ms(20);
	}
	assert_int_equal(access(logf, F_OK), 0);
	assert_int_equal(h_count_text(old, "cannot reopen"), 1);
	sc_mppd_stop(&S);
	free(logf);
	free(old);
}

/* Lines of the broker log that send mppd (client id) a _response topic. */
static int
responses_sent_to(struct scen *s, const char *id)
{
	char *text = h_read_file(s->blog, NULL), *line, *save = NULL;
	char needle[200];
	int n = 0;

	snprintf(needle, sizeof(needle), "Sending PUBLISH to %s (", id);
	for (line = text != NULL ? strtok_r(text, "\n", &save) : NULL;
	    line != NULL; line = strtok_r(NULL, "\n", &save))
		if (strstr(line, needle) != NULL &&
		    strstr(line, "_response'") != NULL)
			n++;
	free(text);
	return n;
}

/*
 * A command topic whose last level is a wildcard also matches mppd's own
 * answers (th/inv/cmd/x -> th/inv/cmd/x_response).  With MQTT 5 mppd
 * subscribes with No Local: the broker never sends them back.  With MQTT
 * 3.1.1 they come back and are dropped (never a command, never answered).
 */
static void
mqtt_protocol_case(const char *proto, int want_back)
{
	char setup[256], id[128];
	int back;

	sc_up(&S, 1, NULL);
	snprintf(setup, sizeof(setup), "pause = 3600\nmqtt_protocol = %s\n",
	    proto);
	sc_conf(&S, setup, "[inv]\nport = test\nprotocol = PI30\ncommand = "
	    "QPI\noutputs = json\nmqtt_allowed_cmds = POP0[0-2]\n"
	    "mqtt_cmd_topic = {hostname}/{device}/cmd/#\n");
	sc_client_id(&S, id, sizeof(id));
	sc_mppd(&S);
	sc_wait_subscribed(&S, SC_HOST "/inv/cmd/#", 1);
	sc_sub(&S, SC_HOST "/inv/#");
	sc_pub(&S, SC_HOST "/inv/cmd/x", "POP02");
	sc_wait(&S, S.rlog, SC_HOST "/inv/cmd/x_response|{", 1, SC_WAIT_MS);
	h_sleep_ms(SC_QUIET_MS);
	back = responses_sent_to(&S, id);
	fprintf(stderr, "MQTT %s: the broker sent mppd %d of its own answers\n",
	    proto, back);
	assert_int_equal(back > 0, want_back);
	assert_int_equal(h_count_text(S.rlog, "_response|"), 1);
	assert_int_equal(h_count_text(S.rlog, "_response_response"), 0);
	sc_mppd_stop(&S);
}

static void
test_mqtt5_subscribes_with_no_local(void **state)
{
	(void)state;
	mqtt_protocol_case("5", 0);
}

static void
test_mqtt311_own_answers_come_back_and_are_dropped(void **state)
{
	(void)state;
	mqtt_protocol_case("3.1.1", 1);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_teardown(test_command_topic_that_matches_mppds_own_output_is_refused, sc_teardown),
	cmocka_unit_test_teardown(test_overlapping_command_topics_of_two_devices_are_refused, sc_teardown),
	cmocka_unit_test_teardown(test_check_config_runs_the_daemons_topic_checks, sc_teardown),
	cmocka_unit_test_teardown(test_sighup_that_cannot_reopen_the_log_file_says_so, sc_teardown),
	cmocka_unit_test_teardown(test_mqtt5_subscribes_with_no_local, sc_teardown),
	cmocka_unit_test_teardown(test_mqtt311_own_answers_come_back_and_are_dropped, sc_teardown),
};

MPPD_TEST_MAIN(tests)

/*
 * test_hass_controls_sim.c - the Home Assistant setting entities end to end:
 * the real mppd with hass_controls = true, a real mosquitto, mppd-sim as the
 * inverter, and mosquitto_sub / mosquitto_pub playing Home Assistant: read
 * the retained discovery, render the command_template as HA does, publish
 * to the command_topic and watch the state_topic.
 *
 * (Named *_sim so its target does not clash with the unit test
 * tests/unit/test_hass_controls.c.)
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "harness.h"
#include "sim_env.h"
#include "testmain.h"

#define SUB		"/usr/bin/mosquitto_sub"
#define PUB		"/usr/bin/mosquitto_pub"
#define WAIT_MS		8000	/* start-up, discovery: generous */
#define READBACK_MS	2000	/* the acceptance bar: state within 2 s */

static int
setup(void **state)
{
	if (se_setup(state, "ttyINV", NULL, 1) != 0)
		return -1;
	return se_spawn_sim(*state, 0, (const char *[]){ "--baud", "115200",
	    NULL }) > 0 ? 0 : -1;
}

static void
dump_all(struct sim_env *e)
{
	se_dump("mppd", e->mppd_log);
	se_dump("sim log", e->sim_log);
}

/*
 * Polling only QPIGS once an hour: every settings state the test sees comes
 * from the start-up queries or the read-back after an ACK, never a poll.
 */
static void
write_conf(struct sim_env *e, const char *allow)
{
	char text[2048];

	snprintf(text, sizeof(text),
	    "[SETUP]\nmqtt_broker = 127.0.0.1\nmqtt_port = %d\n"
	    "mqtt_hostname = th\npause = 3600\n\n"
	    "[inv]\nprotocol = PI30\nport = %s\nporttype = serial\n"
	    "baud = 115200\ncommand = QPIGS\noutputs = json\n"
	    "mqtt_allowed_cmds = %s\nhass_controls = true\n",
	    e->port, e->link, allow);
	assert_int_equal(h_write_file(e->conf, text), 0);
}

static void
start_mppd(struct sim_env *e)
{
	const char *argv[] = { MPPD_BIN, "-C", e->conf, "-I", "--daemon", NULL };

	e->mppd = h_spawn(argv, e->mppd_log);
	assert_true(e->mppd > 0);
}

static void
stop_mppd(struct sim_env *e)
{
	int rc = h_stop(e->mppd, SIGTERM, 10000);

	e->mppd = 0;
	if (rc != 0) {
		dump_all(e);
		fail_msg("mppd exited with %d", rc);
	}
}

/* Waits until the broker has an active subscription to filter. */
static void
wait_subscribed(struct sim_env *e, const char *filter)
{
	char needle[300];

	snprintf(needle, sizeof(needle), " %s\n", filter);
	for (long end = h_now_ms() + WAIT_MS; ; h_sleep_ms(20)) {
		char *log = h_read_file(e->broker_log, NULL);
		int hit = log != NULL && strstr(log, needle) != NULL;

		free(log);
		if (hit)
			return;
		if (h_now_ms() > end)
			fail_msg("no subscription to %s", filter);
	}
}

/* "mosquitto_sub -F %t|%p" on filter into dir/file; returns the path. */
static char *
watch(struct sim_env *e, const char *file, const char *filter)
{
	char *out = h_path(e->dir, file);
	const char *argv[] = { SUB, "-h", "127.0.0.1", "-p", e->portstr,
	    "-F", "%t|%p", "-t", filter, NULL };

	assert_true(h_spawn(argv, out) > 0);
	wait_subscribed(e, filter);
	return out;
}

/*
 * The retained message on topic (caller frees), waiting up to WAIT_MS for
 * it to appear; fails the test when none comes.
 */
static char *
retained(struct sim_env *e, const char *topic)
{
	const char *argv[] = { SUB, "-h", "127.0.0.1", "-p", e->portstr,
	    "-C", "1", "-W", "1", "--retained-only", "-t", topic, NULL };

	for (long end = h_now_ms() + WAIT_MS; h_now_ms() < end; h_sleep_ms(100)) {
		char *out = NULL;
		int rc = h_run(argv, &out, NULL, 5000);
		if (rc == 0 && out != NULL && out[0] != '\0') {
			size_t n = strlen(out);
			if (out[n - 1] == '\n')
				out[n - 1] = '\0';
			return out;
		}
		free(out);
	}
	dump_all(e);
	fail_msg("no retained message on %s", topic);
	return NULL;
}

/* Every retained message under filter: "topic|payload" lines. */
static char *
retained_all(struct sim_env *e, const char *filter)
{
	const char *argv[] = { SUB, "-h", "127.0.0.1", "-p", e->portstr,
	    "-W", "1", "--retained-only", "-F", "%t|%p", "-t", filter, NULL };
	char *out = NULL;

	h_run(argv, &out, NULL, 5000);
	assert_non_null(out);
	return out;
}

static void
publish(struct sim_env *e, const char *topic, const char *msg)
{
	const char *argv[] = { PUB, "-h", "127.0.0.1", "-p", e->portstr,
	    "-q", "1", "-t", topic, "-m", msg, NULL };
	char *err = NULL;
	int rc = h_run(argv, NULL, &err, 5000);

	if (rc != 0)
		fail_msg("mosquitto_pub failed (%d): %s", rc, err ? err : "");
	free(err);
}

static const char *
jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	if (!cJSON_IsString(v))
		fail_msg("discovery key %s missing or not a string", k);
	return v->valuestring;
}

/*
 * What Home Assistant's Jinja makes of a select's command_template for
 * value: the template is {% set m = {"label": "cmd", ...} %}{{ m[value] }},
 * a dict literal looked up by the option.  Returns a static string, or NULL
 * when value is no key of the dict.
 */
static const char *
render_select(const char *tmpl, const char *value)
{
	static const char head[] = "{% set m = {", tail[] = "} %}{{ m[value] }}";
	static char cmd[64];
	const char *p;

	if (strncmp(tmpl, head, strlen(head)) != 0 ||
	    strlen(tmpl) < strlen(tail) ||
	    strcmp(tmpl + strlen(tmpl) - strlen(tail), tail) != 0)
		fail_msg("not the dict-lookup template: %s", tmpl);
	p = tmpl + strlen(head);
	while (*p == '"') {
		char key[128], val[64];
		size_t n = 0;

		for (p++; *p != '\0' && *p != '"'; p++) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			if (n + 1 < sizeof(key))
				key[n++] = *p;
		}
		key[n] = '\0';
		if (strncmp(p, "\": \"", 4) != 0)
			fail_msg("bad dict entry in %s", tmpl);
		p += 4;
		for (n = 0; *p != '\0' && *p != '"'; p++)
			if (n + 1 < sizeof(val))
				val[n++] = *p;
		val[n] = '\0';
		if (*p == '"')
			p++;
		if (strcmp(key, value) == 0) {
			snprintf(cmd, sizeof(cmd), "%s", val);
			return cmd;
		}
		if (strncmp(p, ", ", 2) == 0)
			p += 2;
	}
	return NULL;
}

/*
 * A number's template "PBCV{{ '%04.1f' % value }}" for value, as Jinja
 * does it (Python's % formatting equals C's printf for this format).
 */
static const char *
render_number(const char *tmpl, double value)
{
	static char cmd[64];
	const char *open = strstr(tmpl, "{{ '"), *close = NULL;
	char fmt[16];

	if (open == NULL || (close = strstr(open + 4, "' % value }}")) == NULL ||
	    (size_t)(close - open - 4) >= sizeof(fmt))
		fail_msg("unexpected number template %s", tmpl);
	memcpy(fmt, open + 4, (size_t)(close - open - 4));
	fmt[close - open - 4] = '\0';
	assert_string_equal(fmt, "%04.1f");
	snprintf(cmd, sizeof(cmd), "%.*s%04.1f", (int)(open - tmpl), tmpl, value);
	return cmd;
}

/* Waits for "topic|payload" in a watch file within ms; returns the time
 * it took, or fails. */
static long
wait_state(struct sim_env *e, const char *file, const char *topic,
    const char *payload, int ms, long t0)
{
	char needle[300];

	snprintf(needle, sizeof(needle), "%s|%s\n", topic, payload);
	if (h_wait_for_text(file, needle, ms) != 0) {
		se_dump("state topic", file);
		dump_all(e);
		fail_msg("%s did not show \"%s\" within %d ms", topic, payload, ms);
	}
	return h_now_ms() - t0;
}

/* ---- the acceptance test ------------------------------------------- */

static void
test_choosing_sbu_first_in_home_assistant_applies_and_reads_back(void **state)
{
	struct sim_env *e = *state;
	const char *cfg_topic =
	    "homeassistant/select/mpp_inv_output_source_priority/config";
	char *cfg, *states, *resp, *log;
	const char *cmd_topic, *st_topic, *cmd;
	const cJSON *opts;
	cJSON *j;
	long t0, took;
	int found = 0;

	write_conf(e, "POP0[0-2],PCP0[0-3]");
	states = watch(e, "states.log", "th/inv/settings/#");
	start_mppd(e);

	/* Home Assistant reads the retained discovery config. */
	cfg = retained(e, cfg_topic);
	j = cJSON_Parse(cfg);
	if (j == NULL)
		fail_msg("discovery is not JSON: %s", cfg);
	cmd_topic = jstr(j, "command_topic");
	st_topic = jstr(j, "state_topic");
	assert_string_equal(cmd_topic, "th/inv/cmd");
	assert_string_equal(st_topic, "th/inv/settings/output_source_priority");
	opts = cJSON_GetObjectItem(j, "options");
	for (int i = 0; i < cJSON_GetArraySize(opts); i++)
		found |= strcmp(cJSON_GetArrayItem(opts, i)->valuestring,
		    "SBU first") == 0;
	assert_true(found);

	/* The start-up read gives the inverter's current setting. */
	wait_state(e, states, st_topic, "Utility first", WAIT_MS, h_now_ms());

	/* The user picks "SBU first": HA renders the template, publishes. */
	cmd = render_select(jstr(j, "command_template"), "SBU first");
	assert_non_null(cmd);
	assert_string_equal(cmd, "POP02");
	t0 = h_now_ms();
	publish(e, cmd_topic, cmd);
	took = wait_state(e, states, st_topic, "SBU first", READBACK_MS, t0);
	fprintf(stderr, "state_topic showed \"SBU first\" %ld ms after the "
	    "command\n", took);
	assert_true(took <= READBACK_MS);

	/* The simulator received POP02 and acknowledged it. */
	assert_int_equal(h_wait_for_text(e->sim_log, "POP02\n", 1000), 0);
	resp = retained(e, "th/inv/cmd_response");
	assert_non_null(strstr(resp, "\"command\": \"POP02\""));
	assert_non_null(strstr(resp, "[\"ACK\", \"\"]"));
	/* ...and the state came from a read-back QPIRI, not a poll. */
	log = h_read_file(e->sim_log, NULL);
	assert_non_null(strstr(strstr(log, "POP02\n"), "QPIRI\n"));
	free(log);

	stop_mppd(e);
	free(resp);
	cJSON_Delete(j);
	free(cfg);
	free(states);
}

/* ---- entities only for allowed commands, every required key -------- */

static void
assert_common_keys(const cJSON *j)
{
	const cJSON *a = cJSON_GetObjectItem(j, "availability");

	jstr(j, "name");
	jstr(j, "unique_id");
	jstr(j, "object_id");
	assert_string_equal(jstr(j, "command_topic"), "th/inv/cmd");
	jstr(j, "state_topic");
	assert_string_equal(jstr(j, "entity_category"), "config");
	assert_string_equal(jstr(j, "availability_mode"), "all");
	assert_int_equal(cJSON_GetArraySize(a), 2);
	assert_string_equal(jstr(cJSON_GetArrayItem(a, 0), "topic"),
	    "th/mppd/status");
	assert_string_equal(jstr(cJSON_GetArrayItem(a, 1), "topic"),
	    "th/inv/availability");
	assert_string_equal(jstr(cJSON_GetObjectItem(j, "device"), "name"),
	    "inv");
}

static void
test_discovery_only_for_allowed_commands_with_required_keys(void **state)
{
	struct sim_env *e = *state;
	char *sel, *num, *sw, *all, *states;
	const char *cmd;
	cJSON *j;
	long t0;
	int configs = 0;

	/* POP: all three; PBCV: the 48 V range 44.0-51.0; PEa/PDa: the
	 * buzzer only.  No PCP, PBT, current, other voltage or flag. */
	write_conf(e, "POP0[0-2],PBCV\\d\\d\\.\\d,PEa,PDa");
	states = watch(e, "states.log", "th/inv/settings/#");
	start_mppd(e);
	sel = retained(e,
	    "homeassistant/select/mpp_inv_output_source_priority/config");
	num = retained(e,
	    "homeassistant/number/mpp_inv_battery_recharge_voltage/config");
	sw = retained(e, "homeassistant/switch/mpp_inv_buzzer/config");

	j = cJSON_Parse(sel);
	assert_non_null(j);
	assert_common_keys(j);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "options")), 3);
	jstr(j, "command_template");
	cJSON_Delete(j);

	j = cJSON_Parse(num);
	assert_non_null(j);
	assert_common_keys(j);
	assert_true(cJSON_GetObjectItem(j, "min")->valuedouble == 44.0);
	assert_true(cJSON_GetObjectItem(j, "max")->valuedouble == 51.0);
	assert_true(cJSON_GetObjectItem(j, "step")->valuedouble == 0.1);
	assert_string_equal(jstr(j, "unit_of_measurement"), "V");
	assert_string_equal(jstr(j, "mode"), "box");
	/* HA sends 47 (a whole number) as an int: PBCV47.0 */
	wait_state(e, states, "th/inv/settings/battery_recharge_voltage", "46.0",
	    WAIT_MS, h_now_ms());
	cmd = render_number(jstr(j, "command_template"), 47);
	assert_string_equal(cmd, "PBCV47.0");
	t0 = h_now_ms();
	publish(e, "th/inv/cmd", cmd);
	wait_state(e, states, "th/inv/settings/battery_recharge_voltage", "47.0",
	    READBACK_MS, t0);
	cJSON_Delete(j);

	j = cJSON_Parse(sw);
	assert_non_null(j);
	assert_common_keys(j);
	assert_string_equal(jstr(j, "payload_on"), "PEa");
	assert_string_equal(jstr(j, "payload_off"), "PDa");
	assert_string_equal(jstr(j, "state_on"), "enabled");
	assert_string_equal(jstr(j, "state_off"), "disabled");
	/* the sim starts with the buzzer on; HA turns it off */
	wait_state(e, states, "th/inv/settings/buzzer", "enabled", WAIT_MS,
	    h_now_ms());
	t0 = h_now_ms();
	publish(e, "th/inv/cmd", jstr(j, "payload_off"));
	wait_state(e, states, "th/inv/settings/buzzer", "disabled", READBACK_MS,
	    t0);
	cJSON_Delete(j);

	/* Exactly these three configs are retained. */
	all = retained_all(e, "homeassistant/#");
	for (const char *p = all; (p = strstr(p, "/config|{")) != NULL; p++)
		configs++;
	if (configs != 3)
		fail_msg("expected 3 configs, got %d:\n%s", configs, all);
	assert_null(strstr(all, "charger_source_priority/config|{"));
	assert_null(strstr(all, "battery_cut_off_voltage/config|{"));
	assert_null(strstr(all, "power_saving/config|{"));

	stop_mppd(e);
	free(all);
	free(sel);
	free(num);
	free(sw);
	free(states);
}

static const struct CMUnitTest tests[] = {
	/* one line each: tests/CMakeLists.txt reads the names from here */
	cmocka_unit_test_setup_teardown(test_choosing_sbu_first_in_home_assistant_applies_and_reads_back, setup, se_teardown),
	cmocka_unit_test_setup_teardown(test_discovery_only_for_allowed_commands_with_required_keys, setup, se_teardown),
};

#include "testmain.h"
MPPD_TEST_MAIN(tests)

/*
 * test_hass_install.c - Home Assistant for real installations, end to end:
 * the real mppd daemon, a real mosquitto, mppd-sim as the inverter and
 * mosquitto_sub / mosquitto_pub as Home Assistant.
 *
 * - A parallel stack of three (mppd-sim --parallel 3): three HA devices
 *   with distinct identifiers and state topics, the fourth place
 *   unavailable, and the stack totals.
 * - The Energy dashboard: the totals grow, and a restart continues from
 *   them (no reset, no jump: the time mppd was down is not bridged).
 * - Every value HA may send for each number (min, max, midpoint and one
 *   step inside each end) is acknowledged by the simulator.
 */
#include <math.h>

#include "hass_check.h"
#include "scenario_env.h"

#define TOTALS_TOPIC	SC_HOST "/inv/stack|"
#define ENERGY_TOPIC	SC_HOST "/inv/energy|"

/* The device section for the simulator at s->link. */
static void
inv_conf(struct scen *s, const char *setup, const char *commands,
    const char *extra)
{
	char dev[1024];

	snprintf(dev, sizeof(dev), "[inv]\nport = %s\nporttype = serial\n"
	    "baud = 115200\nprotocol = PI30\ncommand = %s\n%s", s->link,
	    commands, extra);
	sc_conf(s, setup, dev);
}

/* The payload of the last line "topic|payload" of path (caller frees). */
static char *
last_payload(const char *path, const char *topic_bar)
{
	char *text = h_read_file(path, NULL), *p, *hit = NULL, *out;

	if (text == NULL)
		return NULL;
	for (p = text; (p = strstr(p, topic_bar)) != NULL; p++)
		if (p == text || p[-1] == '\n')
			hit = p + strlen(topic_bar);
	if (hit == NULL) {
		free(text);
		return NULL;
	}
	out = strndup(hit, strcspn(hit, "\n"));
	free(text);
	return out;
}

/* Every retained discovery config passes Home Assistant's discovery rules
 * (tests/hass/hass_schema_check.py); at least min of them. */
static void
assert_retained_configs_valid(struct scen *s, int min)
{
	char *text = sc_retained(s, "homeassistant/#", 1500);
	int n;

	n = hc_assert_bar_log_valid("retained discovery configs", NULL, text,
	    s->dir);
	fprintf(stderr, "%d retained discovery configs pass the schema\n", n);
	assert_true(n >= min);
	free(text);
}

static void
test_parallel_stack_of_three_gives_three_devices_and_totals(void **state)
{
	const char *serials[3] = { NULL, NULL, NULL };
	cJSON *v[1024];
	char *configs, want[64];
	int n, found = 0;

	(void)state;
	sc_up(&S, 1, NULL);
	sc_sim(&S, (const char *[]){ "--baud", "115200", "--parallel", "3",
	    NULL });
	inv_conf(&S, "pause = 1\n", "QPIGS#QPGS0#QPGS1#QPGS2#QPGS3",
	    "outputs = hassd_mqtt\n");
	sc_sub(&S, SC_HOST "/inv/#");
	configs = h_path(S.dir, "configs.txt");
	sc_sub_to(&S, "homeassistant/sensor/+/config", configs);
	sc_mppd(&S);
	sc_wait(&S, S.rlog, TOTALS_TOPIC, 2, SC_WAIT_MS);
	sc_wait(&S, S.rlog, SC_HOST "/inv/unit3/availability|offline", 1,
	    SC_WAIT_MS);
	assert_retained_configs_valid(&S, 3 * 14 + 4);
	sc_mppd_stop(&S);

	/* one power sensor config per unit, each its own device */
	n = sc_load(configs, NULL, v, 1024);
	for (int i = 0; i < n; i++) {
		const cJSON *dev, *ids;
		const char *name;
		int unit;
		if (v[i] == NULL || (name = sc_jstr(v[i], "name")) == NULL ||
		    sscanf(name, "Unit %d ", &unit) != 1)
			continue;
		snprintf(want, sizeof(want), "Unit %d AC Output Active Power",
		    unit);
		if (strcmp(name, want) != 0)
			continue;
		assert_true(unit >= 0 && unit < 3);
		dev = cJSON_GetObjectItem(v[i], "device");
		ids = cJSON_GetObjectItem(dev, "identifiers");
		assert_int_equal(cJSON_GetArraySize(ids), 1);
		if (serials[unit] != NULL) {	/* published once */
			fprintf(stderr, "again: %s\n", cJSON_PrintUnformatted(v[i]));
			fail_msg("unit %d's config published twice", unit);
		}
		serials[unit] = strdup(cJSON_GetArrayItem(ids, 0)->valuestring);
		snprintf(want, sizeof(want), "inv unit %d", unit);
		assert_string_equal(sc_jstr(dev, "name"), want);
		snprintf(want, sizeof(want), SC_HOST "/inv/unit%d/state", unit);
		assert_string_equal(sc_jstr(v[i], "state_topic"), want);
		found++;
	}
	sc_free_json(v, n);
	assert_int_equal(found, 3);
	assert_string_not_equal(serials[0], serials[1]);
	assert_string_not_equal(serials[1], serials[2]);
	assert_string_not_equal(serials[0], serials[2]);
	/* unit 0 is the inverter QID reports */
	assert_string_equal(serials[0], "92932004102453");
	for (int k = 0; k < 3; k++) {
		char needle[96];
		snprintf(needle, sizeof(needle), SC_HOST "/inv/unit%d/availability"
		    "|online", k);
		assert_true(h_count_text(S.rlog, needle) >= 1);
		snprintf(needle, sizeof(needle), SC_HOST "/inv/unit%d/state|{", k);
		assert_true(h_count_text(S.rlog, needle) >= 2);
		free((char *)serials[k]);
	}
	/* the fourth place reports "Not valid": unavailable, no state */
	assert_int_equal(h_count_text(S.rlog, SC_HOST "/inv/unit3/state|"), 0);
	assert_int_equal(h_count_text(configs,
	    "homeassistant/sensor/mpp_inv_stack_output_power/config|{"), 1);
	free(configs);
}

/* The energy totals of a payload, or fails. */
static void
totals_of(const char *payload, double t[5])
{
	static const char *keys[5] = { "pv", "load", "grid_in",
	    "battery_charge", "battery_discharge" };
	cJSON *j = cJSON_Parse(payload);

	if (j == NULL)
		fail_msg("energy state is not JSON: %s", payload);
	for (int k = 0; k < 5; k++) {
		const cJSON *x = cJSON_GetObjectItem(j, keys[k]);
		assert_true(cJSON_IsNumber(x));
		t[k] = x->valuedouble;
	}
	cJSON_Delete(j);
}

static void
test_energy_grows_and_survives_a_restart_without_a_jump(void **state)
{
	char setup[512], *first, *before, *after, *conf;
	double a[5], b[5];
	int seen;

	(void)state;
	sc_up(&S, 1, NULL);
	sc_sim(&S, (const char *[]){ "--baud", "115200", NULL });
	snprintf(setup, sizeof(setup), "pause = 1\nhass_energy = true\n"
	    "state_dir = %s\n", S.dir);
	inv_conf(&S, setup, "QPIGS#QPIRI", "outputs = json\n");
	sc_sub(&S, SC_HOST "/inv/energy");
	sc_mppd(&S);
	sc_wait(&S, S.rlog, ENERGY_TOPIC, 1, SC_WAIT_MS);
	first = last_payload(S.rlog, ENERGY_TOPIC);
	sc_wait(&S, S.rlog, ENERGY_TOPIC, 6, SC_WAIT_MS);
	sc_mppd_stop(&S);
	before = last_payload(S.rlog, ENERGY_TOPIC);
	totals_of(first, a);
	totals_of(before, b);
	fprintf(stderr, "energy after 1 poll: %s\nafter 6 polls: %s\n", first,
	    before);
	assert_true(b[0] > a[0]);	/* PV */
	assert_true(b[1] > a[1]);	/* load */
	for (int k = 0; k < 5; k++)
		assert_true(b[k] >= a[k]);
	/* saved, atomically: no temp file left */
	{
		char *path = h_path(S.dir, "energy-inv.json"), *tmp =
		    h_path(S.dir, "energy-inv.json.tmp");
		assert_int_equal(access(path, R_OK), 0);
		assert_int_equal(access(tmp, F_OK), -1);
		free(path);
		free(tmp);
	}

	/* more than three poll periods later, mppd starts again */
	h_sleep_ms(4000);
	seen = h_count_text(S.rlog, ENERGY_TOPIC);
	sc_mppd(&S);
	sc_wait(&S, S.rlog, ENERGY_TOPIC, seen + 1, SC_WAIT_MS);
	after = last_payload(S.rlog, ENERGY_TOPIC);
	fprintf(stderr, "first after the restart: %s\n", after);
	/* no reset, no jump: exactly where it stopped */
	assert_string_equal(after, before);
	sc_wait(&S, S.rlog, ENERGY_TOPIC, seen + 3, SC_WAIT_MS);
	free(after);
	after = last_payload(S.rlog, ENERGY_TOPIC);
	totals_of(after, a);
	assert_true(a[1] > b[1]);
	conf = sc_retained(&S, "homeassistant/sensor/mpp_inv_energy_load/config",
	    1000);
	assert_non_null(strstr(conf, "\"device_class\":\"energy\""));
	assert_non_null(strstr(conf, "\"state_class\":\"total_increasing\""));
	assert_non_null(strstr(conf, "\"unit_of_measurement\":\"kWh\""));
	assert_retained_configs_valid(&S, 5);
	sc_mppd_stop(&S);
	free(conf);
	free(first);
	free(before);
	free(after);
}

/* The values HA may send for a number: min, max, midpoint (on the step
 * grid) and one step inside each end. */
static int
number_values(const cJSON *cfg, double out[5])
{
	double lo = cJSON_GetObjectItem(cfg, "min")->valuedouble;
	double hi = cJSON_GetObjectItem(cfg, "max")->valuedouble;
	double step = cJSON_GetObjectItem(cfg, "step")->valuedouble;

	out[0] = lo;
	out[1] = hi;
	out[2] = lo + round((hi - lo) / 2 / step) * step;
	out[3] = lo + step;
	out[4] = hi - step;
	return 5;
}

static void
test_every_value_home_assistant_may_send_is_acknowledged(void **state)
{
	static const char *numbers[] = { "battery_recharge_voltage",
	    "battery_redischarge_voltage", "battery_cut_off_voltage",
	    "battery_bulk_charging_voltage", "battery_float_charging_voltage" };
	char *resp, cmd[32], topic[160], needle[96], *cfg;
	int sent = 0;

	(void)state;
	sc_up(&S, 1, NULL);
	sc_sim(&S, (const char *[]){ "--baud", "115200", NULL });
	inv_conf(&S, "pause = 3600\n", "QPIGS",
	    "outputs = json\nhass_controls = true\n"
	    "mqtt_allowed_cmds = QPIRI,QFLAG,PBCV\\d\\d\\.\\d,PBDV\\d\\d\\.\\d,"
	    "PSDV\\d\\d\\.\\d,PCVV\\d\\d\\.\\d,PBFT\\d\\d\\.\\d\n");
	resp = h_path(S.dir, "responses.txt");
	sc_sub_to(&S, SC_HOST "/inv/cmd_response", resp);
	sc_mppd(&S);
	for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
		double v[5];
		cJSON *j;
		char *bar;

		snprintf(topic, sizeof(topic), "homeassistant/number/mpp_inv_%s/"
		    "config", numbers[i]);
		sc_wait(&S, S.mlog, "Home Assistant controls", 1, SC_WAIT_MS);
		for (long end = h_now_ms() + SC_WAIT_MS; ; h_sleep_ms(200)) {
			cfg = sc_retained(&S, topic, 1000);
			if (strchr(cfg, '{') != NULL || h_now_ms() > end)
				break;
			free(cfg);
		}
		bar = strchr(cfg, '|');
		if (bar == NULL)
			fail_msg("no discovery for %s", numbers[i]);
		j = cJSON_Parse(bar + 1);
		assert_non_null(j);
		number_values(j, v);
		for (int k = 0; k < 5; k++) {
			/* the command_template: prefix + '%04.1f' % value */
			const char *tmpl = sc_jstr(j, "command_template");
			snprintf(cmd, sizeof(cmd), "%.*s%04.1f",
			    (int)strcspn(tmpl, "{"), tmpl, v[k]);
			sc_pub(&S, SC_HOST "/inv/cmd", cmd);
			sent++;
			snprintf(needle, sizeof(needle), "\"command\": \"%s\"", cmd);
			sc_wait(&S, resp, needle, 1, SC_WAIT_MS);
		}
		cJSON_Delete(j);
		free(cfg);
	}
	/* and the "battery full" switch: PBDV00.0 on, the lowest voltage off */
	cfg = sc_retained(&S,
	    "homeassistant/switch/mpp_inv_battery_redischarge_at_full/config",
	    1000);
	assert_non_null(strstr(cfg, "\"payload_on\":\"PBDV00.0\""));
	assert_non_null(strstr(cfg, "\"payload_off\":\"PBDV48.0\""));
	free(cfg);
	sc_pub(&S, SC_HOST "/inv/cmd", "PBDV00.0");
	sc_wait(&S, resp, "\"command\": \"PBDV00.0\"", 1, SC_WAIT_MS);
	sent++;
	assert_retained_configs_valid(&S, 6);
	sc_mppd_stop(&S);
	/* every one acknowledged, none refused */
	fprintf(stderr, "%d values sent, %d ACK, %d NAK\n", sent,
	    h_count_text(resp, "[\"ACK\", \"\"]"),
	    h_count_text(resp, "NAK"));
	assert_int_equal(h_count_text(resp, "[\"ACK\", \"\"]"), sent);
	assert_int_equal(h_count_text(resp, "NAK"), 0);
	free(resp);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_teardown(test_parallel_stack_of_three_gives_three_devices_and_totals, sc_teardown),
	cmocka_unit_test_teardown(test_energy_grows_and_survives_a_restart_without_a_jump, sc_teardown),
	cmocka_unit_test_teardown(test_every_value_home_assistant_may_send_is_acknowledged, sc_teardown),
};

MPPD_TEST_MAIN(tests)

/*
 * test_families_sim.c - the PI16, PI17 and PI18 families end to end: the
 * real mppd daemon, a real mosquitto, mppd-sim speaking the family, and
 * mosquitto_sub / mosquitto_pub as Home Assistant and as a user sending
 * commands.  Also mppd --detect against a simulator of every family.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "sim_env.h"
#include "testmain.h"

#define SUB		"/usr/bin/mosquitto_sub"
#define PUB		"/usr/bin/mosquitto_pub"
#define WAIT_MS		10000

static int
setup(void **state)
{
	return se_setup(state, "ttyINV", NULL, 0);
}

static void
start_sim(struct sim_env *e, const char *proto)
{
	se_start_sim(e, 0, (const char *[]){ "--protocol", proto, "--baud",
	    "115200", NULL });
}

/* Broker, simulator and the daemon with one device section. */
static const char *extra_conf;	/* more device keys, or NULL */

static void
start_all(struct sim_env *e, const char *proto, const char *commands,
    const char *outputs, int pause, const char *allow)
{
	char text[2048];
	const char *argv[] = { MPPD_BIN, "-C", e->conf, "-I", "--daemon", NULL };

	e->broker = h_start_broker(e->dir, e->port, NULL);
	assert_true(e->broker > 0);
	start_sim(e, proto);
	snprintf(text, sizeof(text),
	    "[SETUP]\nmqtt_broker = 127.0.0.1\nmqtt_port = %d\n"
	    "mqtt_hostname = th\npause = %d\n\n"
	    "[inv]\nprotocol = %s\nport = %s\nporttype = serial\n"
	    "baud = 115200\ncommand = %s\noutputs = %s\n%s%s%s%s",
	    e->port, pause, proto, e->link, commands, outputs,
	    allow ? "mqtt_allowed_cmds = " : "", allow ? allow : "",
	    allow ? "\n" : "", extra_conf ? extra_conf : "");
	extra_conf = NULL;
	assert_int_equal(h_write_file(e->conf, text), 0);
	e->mppd = h_spawn(argv, e->mppd_log);
	assert_true(e->mppd > 0);
}

/* Waits until the broker has an active subscription to filter. */
static void
wait_subscribed(struct sim_env *e, const char *filter)
{
	char needle[300];

	snprintf(needle, sizeof(needle), " %s\n", filter);
	if (h_wait_for_text(e->broker_log, needle, WAIT_MS) != 0) {
		se_dump("mppd", e->mppd_log);
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

static void
publish(struct sim_env *e, const char *topic, const char *msg)
{
	const char *argv[] = { PUB, "-h", "127.0.0.1", "-p", e->portstr,
	    "-q", "1", "-t", topic, "-m", msg, NULL };

	assert_int_equal(h_run(argv, NULL, NULL, 5000), 0);
}

/* ---- daemon telemetry through hassd_mqtt ------------------------------- */

static void
test_pi18_daemon_publishes_hassd_with_units_and_device_classes(void **state)
{
	struct sim_env *e = *state;
	char *w;

	start_all(e, "PI18", "GS#PIRI", "hassd_mqtt", 1, NULL);
	w = watch(e, "ha.txt", "homeassistant/#");
	se_expect_line(e, w, "grid_voltage/config|", "\"unit_of_measurement\": \"V\"");
	se_expect_line(e, w, "grid_voltage/config|", "\"device_class\": \"voltage\"");
	se_expect_line(e, w, "ac_output_active_power/config|",
	    "\"device_class\": \"power\"");
	se_expect_line(e, w, "inverter_heat_sink_temperature/config|",
	    "\"device_class\": \"temperature\"");
	se_expect_text(e, w, "grid_voltage/state|2");
	se_expect_text(e, w, "output_source_priority/state|Solar-Utility-Battery");
	free(w);
}

static void
test_pi17_daemon_publishes_hassd_with_units(void **state)
{
	struct sim_env *e = *state;
	char *w;

	start_all(e, "PI17", "GS#BATS", "hassd_mqtt", 1, NULL);
	w = watch(e, "ha.txt", "homeassistant/#");
	se_expect_line(e, w, "battery_voltage/config|", "\"unit_of_measurement\": \"V\"");
	se_expect_line(e, w, "ac_output_frequency/config|",
	    "\"unit_of_measurement\": \"Hz\"");
	se_expect_text(e, w, "battery_voltage/state|5");
	se_expect_text(e, w, "battery_constant_charge_voltage(c.v.)/state|56.4");
	free(w);
}

/* ---- setters over MQTT ------------------------------------------------- */

static void
test_pi18_setter_over_mqtt_acknowledged_and_read_back(void **state)
{
	struct sim_env *e = *state;
	char *w;

	/* The allowlist admits POP9: the protocol's own pattern refuses it. */
	start_all(e, "PI18", "GS", "json", 3600, "POP\\d,PIRI");
	wait_subscribed(e, "th/inv/cmd");
	w = watch(e, "resp.txt", "th/inv/cmd_response");
	publish(e, "th/inv/cmd", "POP1");
	se_expect_text(e, w, "\"POP\": [\"ACK\", \"\"]");
	publish(e, "th/inv/cmd", "PIRI");
	se_expect_text(e, w, "\"Output source priority\": [\"Solar-Battery-Utility\"");
	publish(e, "th/inv/cmd", "POP9");
	se_expect_line(e, w, "\"command\": \"POP9\"",
	    "is not a command of protocol PI18");
	/* The simulator saw POP1 and PIRI, never POP9. */
	assert_int_equal(h_count_text(e->sim_log, "POP1\n"), 1);
	assert_int_equal(h_count_text(e->sim_log, "POP9"), 0);
	free(w);
}

static void
test_pi17_setter_over_mqtt_acknowledged_and_read_back(void **state)
{
	struct sim_env *e = *state;
	char *w;

	start_all(e, "PI17", "GS", "json", 3600, "MCHGV.*,BATS,SEP.*,HECS");
	wait_subscribed(e, "th/inv/cmd");
	w = watch(e, "resp.txt", "th/inv/cmd_response");
	publish(e, "th/inv/cmd", "MCHGV0552,0540");
	se_expect_text(e, w, "\"MCHGV\": [\"ACK\", \"\"]");
	publish(e, "th/inv/cmd", "BATS");
	se_expect_text(e, w, "\"Battery constant charge voltage(C.V.)\": [55.2, \"V\"]");
	publish(e, "th/inv/cmd", "SEP02");
	se_expect_text(e, w, "\"SEP\": [\"ACK\", \"\"]");
	publish(e, "th/inv/cmd", "HECS");
	se_expect_text(e, w, "\"Load-Grid-Battery\"");
	/* 99.9 V is outside the pattern 0[45]\d\d: refused, never sent. */
	publish(e, "th/inv/cmd", "MCHGV0999,0540");
	se_expect_line(e, w, "\"command\": \"MCHGV0999,0540\"",
	    "is not a command of protocol PI17");
	assert_int_equal(h_count_text(e->sim_log, "MCHGV0999"), 0);
	assert_int_equal(h_count_text(e->sim_log, "MCHGV0552,0540\n"), 1);
	free(w);
}

/* ---- mppd --detect ----------------------------------------------------- */

static void
detect_one(struct sim_env *e, const char *sim_proto, const char *want)
{
	const char *argv[] = { MPPD_BIN, "--detect", e->link, "--porttype",
	    "serial", NULL };
	char *out = NULL, *err = NULL, line[64];
	int rc;

	start_sim(e, sim_proto);
	rc = h_run(argv, &out, &err, 30000);
	h_stop(e->sim, SIGTERM, 5000);
	e->sim = 0;
	snprintf(line, sizeof(line), "Protocol: %s ", want);
	if (rc != 0 || out == NULL || strstr(out, line) == NULL) {
		fprintf(stderr, "detect %s: rc %d\n%s\n%s\n", sim_proto, rc,
		    out ? out : "", err ? err : "");
		fail_msg("--detect did not name %s", want);
	}
	snprintf(line, sizeof(line), "\nprotocol = %s\n", want);
	assert_non_null(strstr(out, line));
	assert_non_null(strstr(out, "\n[inverter]\n"));
	free(out);
	free(err);
	/* Queries only: no setter reached the inverter. */
	assert_int_equal(h_count_text(e->sim_log, "POP"), 0);
}

static void
test_detect_names_each_simulated_family(void **state)
{
	struct sim_env *e = *state;

	detect_one(e, "PI30", "PI30");
	detect_one(e, "PI16", "PI16");
	detect_one(e, "PI17", "PI17");
	detect_one(e, "PI18", "PI18");
	detect_one(e, "PI18LVX", "PI18LVX");
}

static void
test_detect_lists_what_it_tried_when_nothing_answers(void **state)
{
	struct sim_env *e = *state;
	char *path = h_path(e->dir, "nothing");
	const char *argv[] = { MPPD_BIN, "--detect", path, "--porttype", "serial",
	    "-b", "9600", NULL };
	char *out = NULL, *err = NULL;
	int rc = h_run(argv, &out, &err, 30000);

	assert_int_equal(rc, 1);
	assert_non_null(err);
	assert_non_null(strstr(err, "no inverter protocol answered"));
	assert_non_null(strstr(err, "^P005PI with CRC (PI18) at 9600 baud"));
	assert_null(strstr(err, "2400 baud"));
	free(out);
	free(err);
	free(path);
}

/* ---- Home Assistant settings entities ---------------------------------- */

static void
test_pi18_home_assistant_select_applies_and_reads_back(void **state)
{
	struct sim_env *e = *state;
	char *cfg, *st;

	extra_conf = "hass_controls = true\n";
	start_all(e, "PI18", "GS", "json", 3600, "POP[01],PCP.*,PSDV\\d+");
	cfg = watch(e, "cfg.txt", "homeassistant/#");
	se_expect_line(e, cfg, "homeassistant/select/mpp_inv_output_source_priority"
	    "/config|", "\\\"Solar-Battery-Utility\\\": \\\"POP1\\\"");
	se_expect_line(e, cfg, "output_source_priority/config|",
	    "\"options\":[\"Solar-Utility-Battery\",\"Solar-Battery-Utility\"]");
	se_expect_line(e, cfg, "homeassistant/number/mpp_inv_battery_cut_off_voltage"
	    "/config|", "PSDV{{ '%03d' % ((value * 10) | round | int) }}");
	st = watch(e, "state.txt", "th/inv/settings/#");
	se_expect_text(e, st, "th/inv/settings/output_source_priority|"
	    "Solar-Utility-Battery\n");
	se_expect_text(e, st, "th/inv/settings/battery_cut_off_voltage|42.0\n");
	/* What Home Assistant sends for "Solar-Battery-Utility" and 45.0 V */
	publish(e, "th/inv/cmd", "POP1");
	se_expect_text(e, st, "th/inv/settings/output_source_priority|"
	    "Solar-Battery-Utility\n");
	publish(e, "th/inv/cmd", "PSDV450");
	se_expect_text(e, st, "th/inv/settings/battery_cut_off_voltage|45.0\n");
	free(cfg);
	free(st);
}

static void
test_pi17_home_assistant_switch_and_select_apply_and_read_back(void **state)
{
	struct sim_env *e = *state;
	char *cfg, *st;

	extra_conf = "hass_controls = true\n";
	start_all(e, "PI17", "GS", "json", 3600, "SEP0[0-2],EDA[01]");
	cfg = watch(e, "cfg.txt", "homeassistant/#");
	se_expect_line(e, cfg, "homeassistant/switch/mpp_inv_solar_charge_battery"
	    "/config|", "\"payload_off\":\"EDA0\"");
	se_expect_line(e, cfg, "homeassistant/select/"
	    "mpp_inv_solar_energy_distribution_priority/config|",
	    "\"Load-Grid-Battery\"");
	st = watch(e, "state.txt", "th/inv/settings/#");
	se_expect_text(e, st, "th/inv/settings/solar_charge_battery|enabled\n");
	se_expect_text(e, st, "th/inv/settings/solar_energy_distribution_priority|"
	    "Load-Battery-Grid\n");
	publish(e, "th/inv/cmd", "EDA0");
	se_expect_text(e, st, "th/inv/settings/solar_charge_battery|disabled\n");
	publish(e, "th/inv/cmd", "SEP02");
	se_expect_text(e, st, "th/inv/settings/solar_energy_distribution_priority|"
	    "Load-Grid-Battery\n");
	free(cfg);
	free(st);
}

/* The CRC of "^D01720210521234743" is 0x0D52: the reply ends where its
 * length prefix says, not at the CR inside the CRC. */
static void
test_reply_whose_crc_holds_a_cr_is_read_whole(void **state)
{
	struct sim_env *e = *state;
	const char *argv[] = { MPPD_BIN, "-p", e->link, "--porttype", "serial",
	    "-P", "PI18SV", "-c", "T", "-o", "json", NULL };
	char *out = NULL;

	start_sim(e, "PI18SV");
	assert_int_equal(h_run(argv, &out, NULL, 10000), 0);
	assert_non_null(out);
	assert_non_null(strstr(out, "\"datetime\": \"20210521234743\""));
	free(out);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup_teardown(test_reply_whose_crc_holds_a_cr_is_read_whole, setup, se_teardown),
	cmocka_unit_test_setup_teardown(test_pi17_home_assistant_switch_and_select_apply_and_read_back, setup, se_teardown),
	cmocka_unit_test_setup_teardown(test_pi18_home_assistant_select_applies_and_reads_back, setup, se_teardown),
	cmocka_unit_test_setup_teardown(test_pi18_daemon_publishes_hassd_with_units_and_device_classes, setup, se_teardown),
	cmocka_unit_test_setup_teardown(test_pi17_daemon_publishes_hassd_with_units, setup, se_teardown),
	cmocka_unit_test_setup_teardown(test_pi18_setter_over_mqtt_acknowledged_and_read_back, setup, se_teardown),
	cmocka_unit_test_setup_teardown(test_pi17_setter_over_mqtt_acknowledged_and_read_back, setup, se_teardown),
	cmocka_unit_test_setup_teardown(test_detect_names_each_simulated_family, setup, se_teardown),
	cmocka_unit_test_setup_teardown(test_detect_lists_what_it_tried_when_nothing_answers, setup, se_teardown),
};

MPPD_TEST_MAIN(tests)

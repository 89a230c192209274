/*
 * test_batteries_sim.c - battery monitors end to end: the real mppd daemon,
 * a real mosquitto, mppd-sim as a Daly BMS or a Victron VE.Direct monitor,
 * and mosquitto_sub as Home Assistant.  Also the CLI against the JK
 * simulators and a mixed installation (an inverter and a battery monitor
 * in one [SETUP], each on its own port and worker).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "sim_env.h"
#include "testmain.h"

#define SUB		"/usr/bin/mosquitto_sub"
#define PY		"/usr/bin/python3"
#define CHECK		MPPD_SOURCE_DIR "/tests/hass/hass_schema_check.py"
#define WAIT_MS		10000
#define VED_FRAMES	60	/* one a second: the 60 s stream */
#define VED_BAD_EVERY	10

static int
setup(void **state)
{
	return se_setup(state, "ttyBMS", "ttyINV", 0);
}

static void
start_broker(struct sim_env *e)
{
	e->broker = h_start_broker(e->dir, e->port, NULL);
	assert_true(e->broker > 0);
}

/* The daemon on the config text (SETUP with the broker is prepended). */
static void
start_mppd(struct sim_env *e, const char *sections)
{
	char text[4096];
	const char *argv[] = { MPPD_BIN, "-C", e->conf, "-I", "--daemon", NULL };

	snprintf(text, sizeof(text),
	    "[SETUP]\nmqtt_broker = 127.0.0.1\nmqtt_port = %d\n"
	    "mqtt_hostname = th\npause = 1\n\n%s", e->port, sections);
	assert_int_equal(h_write_file(e->conf, text), 0);
	e->mppd = h_spawn(argv, e->mppd_log);
	assert_true(e->mppd > 0);
}

/* "mosquitto_sub -F %t|%p" on filter into dir/file, once subscribed. */
static char *
watch(struct sim_env *e, const char *file, const char *filter)
{
	char *out = h_path(e->dir, file), *blog = h_path(e->dir, "broker.log");
	char needle[300];
	const char *argv[] = { SUB, "-h", "127.0.0.1", "-p", e->portstr,
	    "-F", "%t|%p", "-t", filter, NULL };

	assert_true(h_spawn(argv, out) > 0);
	snprintf(needle, sizeof(needle), " %s\n", filter);
	if (h_wait_for_text(blog, needle, WAIT_MS) != 0) {
		se_dump("broker", blog);
		fail_msg("no subscription to %s", filter);
	}
	free(blog);
	return out;
}

/* ---- Daly -------------------------------------------------------------- */

static void
test_daly_daemon_gives_home_assistant_soc_sensor(void **state)
{
	struct sim_env *e = *state;
	const char *sim[] = { "--protocol", "DALY", "--baud", "9600", NULL };
	char sect[512], *w;

	start_broker(e);
	se_start_sim(e, 0, sim);
	w = watch(e, "ha.txt", "homeassistant/#");
	snprintf(sect, sizeof(sect), "[battery]\nprotocol = DALY\nport = %s\n"
	    "porttype = serial\nbaud = 9600\ncommand = SOC#cellVoltages\n"
	    "outputs = hassd_mqtt\n", e->link);
	start_mppd(e, sect);
	/* the battery is its own device (its section), its SOC a battery
	 * sensor */
	se_expect_line(e, w, "mpp_SOC_soc/config|", "\"device_class\": \"battery\"");
	se_expect_line(e, w, "mpp_SOC_soc/config|",
	    "\"unit_of_measurement\": \"%\"");
	se_expect_line(e, w, "mpp_SOC_soc/config|",
	    "\"identifiers\": [\"battery\"]");
	se_expect_text(e, w, "mpp_SOC_soc/state|80.0");
	se_expect_line(e, w, "_cell_16_voltage/config|",
	    "\"device_class\": \"voltage\"");
	se_expect_line(e, w, "mpp_SOC_current/config|",
	    "\"device_class\": \"current\"");
	free(w);
}

static void
test_daly_truncated_reply_is_an_error_and_the_next_poll_recovers(void **state)
{
	struct sim_env *e = *state;
	const char *sim[] = { "--protocol", "DALY", "--baud", "9600",
	    "--truncate-every", "2", NULL };
	char sect[512], *w;

	start_broker(e);
	se_start_sim(e, 0, sim);
	w = watch(e, "results.txt", "battery/#");
	snprintf(sect, sizeof(sect), "[battery]\nprotocol = DALY\nport = %s\n"
	    "porttype = serial\nbaud = 9600\ncommand = SOC\ntimeout = 1\n"
	    "outputs = json_mqtt\ntag = battery\n", e->link);
	start_mppd(e, sect);
	/* poll 1 whole, poll 2 cut in half, poll 3 whole again */
	se_expect_text(e, w, "\"soc\": 80");
	se_expect_text(e, w, "DALY checksum did not match");
	if (h_wait_for_count(w, "\"soc\": 80", 2, WAIT_MS) != 0) {
		se_dump("watched", w);
		fail_msg("no good reply after the truncated one");
	}
	free(w);
}

/* ---- VE.Direct --------------------------------------------------------- */

static void
test_ved_stream_decoded_without_losing_a_frame_for_60_s(void **state)
{
	struct sim_env *e = *state;
	char every[16], after[16], count[16], sect[512], *w;
	const char *sim[] = { "--protocol", "VED", "--baud", "19200",
	    "--stream-ms", "1000", "--stream-after-ms", after,
	    "--bad-crc-every", every, "--vanish-after", count, NULL };
	int sent_ok, sent_bad, published, dropped;

	snprintf(every, sizeof(every), "%d", VED_BAD_EVERY);
	snprintf(count, sizeof(count), "%d", VED_FRAMES);
	/* the daemon is reading before the first block goes out */
	snprintf(after, sizeof(after), "%d", 4000);
	start_broker(e);
	w = watch(e, "ved.txt", "shunt/#");
	se_start_sim(e, 0, sim);
	snprintf(sect, sizeof(sect), "[shunt]\nprotocol = VED\nport = %s\n"
	    "porttype = serial\nbaud = 19200\ncommand = vedtext\n"
	    "outputs = json_mqtt\ntag = shunt\n", e->link);
	start_mppd(e, sect);
	/* the simulator vanishes after its last block, once it is read */
	assert_int_equal(h_wait_exit(e->sim, (VED_FRAMES + 30) * 1000, NULL),
	    0);
	e->sim = 0;
	sent_ok = h_count_text(e->sim_log, " ok\n");
	sent_bad = h_count_text(e->sim_log, " bad-checksum\n");
	assert_int_equal(sent_ok + sent_bad, VED_FRAMES);
	assert_int_equal(sent_bad, VED_FRAMES / VED_BAD_EVERY);
	if (h_wait_for_count(w, "\"state-of-charge\"", sent_ok, WAIT_MS) != 0 ||
	    h_wait_for_count(e->mppd_log, "frame with a bad checksum dropped",
	    sent_bad, WAIT_MS) != 0) {
		se_dump("mppd", e->mppd_log);
		se_dump("sim log", e->sim_log);
		se_dump("watched", w);
	}
	published = h_count_text(w, "\"state-of-charge\"");
	dropped = h_count_text(e->mppd_log, "frame with a bad checksum dropped");
	fprintf(stderr, "VED: %d blocks sent (%d with a bad checksum), %d "
	    "published, %d dropped\n", VED_FRAMES, sent_bad, published,
	    dropped);
	assert_int_equal(published, sent_ok);
	assert_int_equal(dropped, sent_bad);
	free(w);
}

/*
 * A VE.Direct device that sends nothing is silent, not a device that
 * echoed an empty request: the answer says the response was empty.
 */
static void
test_ved_silent_stream_is_an_empty_response(void **state)
{
	struct sim_env *e = *state;
	const char *sim[] = { "--protocol", "VED", "--baud", "19200",
	    "--stream-after-ms", "600000", NULL };
	const char *argv[] = { MPPD_BIN, "-p", e->link, "--porttype", "serial",
	    "--baud", "19200", "-P", "VED", "-c", "vedtext", "-o", "json",
	    NULL };
	char *out = NULL;

	se_start_sim(e, 0, sim);
	assert_int_equal(h_run(argv, &out, NULL, 10000), 0);
	assert_non_null(out);
	if (strstr(out, "\"validity_check\": \"Error: Response was empty\"")
	    == NULL || strstr(out, "recognise") != NULL)
		fail_msg("%s", out);
	free(out);
}

static void
test_ved_hex_command_answered_while_the_device_streams(void **state)
{
	struct sim_env *e = *state;
	const char *sim[] = { "--protocol", "VED", "--baud", "19200",
	    "--stream-ms", "50", NULL };
	const char *argv[] = { MPPD_BIN, "-p", e->link, "--porttype", "serial",
	    "--baud", "19200", "-P", "VED", "-c", "batteryCapacity", "-o",
	    "json", NULL };
	char *out = NULL;

	se_start_sim(e, 0, sim);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(h_run(argv, &out, NULL, 10000), 0);
		assert_non_null(out);
		if (strstr(out, "\"command_response_flag\": \"OK\", "
		    "\"battery_capacity\": 120}") == NULL)
			fail_msg("run %d: %s", i, out);
		free(out);
		out = NULL;
	}
}

/* ---- JK over serial, and a mixed installation --------------------------- */

static void
cli_json(struct sim_env *e, const char *proto, const char *cmd, const char *want)
{
	const char *argv[] = { MPPD_BIN, "-p", e->link, "--porttype", "serial",
	    "--baud", "115200", "-P", proto, "-c", cmd, "-o", "json", NULL };
	char *out = NULL;

	assert_int_equal(h_run(argv, &out, NULL, 10000), 0);
	assert_non_null(out);
	if (strstr(out, want) == NULL)
		fail_msg("%s %s: no %s in %s", proto, cmd, want, out);
	free(out);
}

static void
test_jk_serial_and_rs232_monitors_answer_over_serial(void **state)
{
	struct sim_env *e = *state;
	const char *jks[] = { "--protocol", "JKSERIAL", "--baud", "115200", NULL };
	const char *jk232[] = { "--protocol", "JK232", "--baud", "115200", NULL };

	se_start_sim(e, 0, jks);
	cli_json(e, "JKSERIAL", "getBalancerData", "\"percent_remain\": 80,");
	cli_json(e, "JKSERIAL", "getBalancerData", "\"cells_connected\": 16.0,");
	h_stop(e->sim, SIGTERM, 5000);
	se_start_sim(e, 0, jk232);
	cli_json(e, "JK232", "getBalancerData", "\"remaining_battery\": 80,");
	cli_json(e, "JK232", "getBalancerData", "\"number_of_battery_strings\": 16,");
}

static void
test_inverter_and_battery_monitor_in_one_setup(void **state)
{
	struct sim_env *e = *state;
	const char *bms[] = { "--protocol", "DALY", "--baud", "9600", NULL };
	const char *inv[] = { "--protocol", "PI30", "--baud", "2400", NULL };
	char sect[1024], *w;

	start_broker(e);
	se_start_sim(e, 0, bms);
	se_start_sim(e, 1, inv);
	w = watch(e, "both.txt", "#");
	snprintf(sect, sizeof(sect),
	    "[inverter]\nprotocol = PI30\nport = %s\nporttype = serial\n"
	    "baud = 2400\ncommand = QPIGS\noutputs = json_mqtt\ntag = inv\n\n"
	    "[battery]\nprotocol = DALY\nport = %s\nporttype = serial\n"
	    "baud = 9600\ncommand = SOC\noutputs = json_mqtt\ntag = bms\n",
	    e->link2, e->link);
	start_mppd(e, sect);
	se_expect_line(e, w, "inv/", "\"ac_output_voltage\"");
	se_expect_line(e, w, "bms/", "\"soc\": 80");
	free(w);
}

/* ---- JK over Bluetooth LE: decoding only -------------------------------- */

static void
test_bluetooth_protocols_refused_on_a_port_but_decoded(void **state)
{
	struct sim_env *e = *state;
	const char *cli[] = { MPPD_BIN, "-p", "/dev/ttyUSB9", "-P", "JKV11",
	    "-c", "getCellData", NULL };
	const char *chk[] = { MPPD_BIN, "-C", e->conf, "--check-config", NULL };
	const char *tst[] = { MPPD_BIN, "-p", "test1", "-P", "JK02", "-c",
	    "getInfo", "-o", "json", NULL };
	char *out = NULL, *err = NULL;

	assert_int_equal(h_run(cli, &out, &err, 10000), 2);
	assert_non_null(strstr(err, "Bluetooth LE, which mppd does not "
	    "support yet"));
	free(out);
	free(err);
	assert_int_equal(h_write_file(e->conf, "[SETUP]\n[bms]\nprotocol = "
	    "JK04\nport = /dev/ttyUSB9\ncommand = getCellData\n"), 0);
	out = err = NULL;
	assert_int_not_equal(h_run(chk, &out, &err, 10000), 0);
	assert_non_null(strstr(err, "protocol: JK04 talks over Bluetooth LE"));
	free(out);
	free(err);
	out = NULL;
	assert_int_equal(h_run(tst, &out, NULL, 10000), 0);
	assert_non_null(strstr(out, "\"device_model\": \"JK-BD6A20S10P\""));
	free(out);
}

/* ---- Home Assistant's discovery schema ---------------------------------- */

/*
 * Every battery protocol reachable over a port, every command, on test
 * ports (canned replies), with hassd_mqtt: the recorded configs pass
 * tests/hass/hass_schema_check.py (HA's own discovery rules), whose only
 * accepted warning is the reference's last_reset.
 */
static void
test_battery_discovery_passes_home_assistant_schema(void **state)
{
	struct sim_env *e = *state;
	/* canned reply 0, but JKSERIAL's first is cut short: its second */
	static const struct { const char *proto, *cmds, *last; int n; } devs[] = {
		{ "DALY", "SOC#cellMinMaxVoltages#cellMinMaxTemps#mosStatus#"
		    "status#cellVoltages#cellTemperatures", "cellTemperatures", 0 },
		{ "JK232", "getBalancerData", "getBalancerData", 0 },
		{ "JK485", "getBalancerData", "getBalancerData", 0 },
		{ "JKSERIAL", "getBalancerData", "getBalancerData", 1 },
		{ "VED", "vedtext#batteryCapacity", "batteryCapacity", 0 },
	};
	const char *rec[] = { SUB, "-h", "127.0.0.1", "-p", e->portstr, "-v",
	    "-t", "homeassistant/#", NULL };
	char *live = h_path(e->dir, "live.txt"), *blog, text[4096], *out = NULL,
	    *err = NULL, needle[128];
	const char *chk[] = { PY, CHECK, live, NULL };
	int len = 0, rc;

	start_broker(e);
	blog = h_path(e->dir, "broker.log");
	assert_true(h_spawn(rec, live) > 0);
	if (h_wait_for_text(blog, " homeassistant/#\n", WAIT_MS) != 0)
		fail_msg("the recorder did not subscribe");
	for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++)
		len += snprintf(text + len, sizeof(text) - (size_t)len,
		    "[%s]\nprotocol = %s\nport = test%d-%s\ncommand = %s\n"
		    "outputs = hassd_mqtt\n\n", devs[i].proto, devs[i].proto,
		    devs[i].n, devs[i].proto, devs[i].cmds);
	start_mppd(e, text);
	for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
		snprintf(needle, sizeof(needle), "_%s_%s_", devs[i].proto,
		    devs[i].last);
		se_expect_text(e, live, needle);
	}
	h_sleep_ms(500);	/* the last configs' states */
	rc = h_run(chk, &out, &err, 60000);
	fprintf(stderr, "%s%s", out ? out : "", err ? err : "");
	if (rc != 0)
		fail_msg("hass_schema_check.py exited with %d", rc);
	for (const char *l = out; l != NULL && *l != '\0'; ) {
		const char *nl = strchr(l, '\n');
		size_t n = nl != NULL ? (size_t)(nl - l) : strlen(l);

		if (strncmp(l, "WARN ", 5) == 0 && memmem(l, n,
		    ": keys last_reset are not part of the sensor schema", 51) ==
		    NULL)
			fail_msg("unexpected warning: %.*s", (int)n, l);
		l = nl != NULL ? nl + 1 : NULL;
	}
	free(out);
	free(err);
	free(blog);
	free(live);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup_teardown(test_battery_discovery_passes_home_assistant_schema, setup, se_teardown),
	cmocka_unit_test_setup_teardown(test_bluetooth_protocols_refused_on_a_port_but_decoded, setup, se_teardown),
	cmocka_unit_test_setup_teardown(test_daly_daemon_gives_home_assistant_soc_sensor, setup, se_teardown),
	cmocka_unit_test_setup_teardown(test_daly_truncated_reply_is_an_error_and_the_next_poll_recovers, setup, se_teardown),
	cmocka_unit_test_setup_teardown(test_ved_silent_stream_is_an_empty_response, setup, se_teardown),
	cmocka_unit_test_setup_teardown(test_ved_hex_command_answered_while_the_device_streams, setup, se_teardown),
	cmocka_unit_test_setup_teardown(test_jk_serial_and_rs232_monitors_answer_over_serial, setup, se_teardown),
	cmocka_unit_test_setup_teardown(test_inverter_and_battery_monitor_in_one_setup, setup, se_teardown),
	cmocka_unit_test_setup_teardown(test_ved_stream_decoded_without_losing_a_frame_for_60_s, setup, se_teardown),
};

MPPD_TEST_MAIN(tests)

/*
 * test_hass_schema.c - every Home Assistant discovery config a running mppd
 * publishes passes Home Assistant's discovery schema, as encoded by
 * tests/hass/hass_schema_check.py (docs/hass.md says what it covers).
 *
 * A real mosquitto and the real daemon with six device sections on test
 * ports (canned replies from each protocol's tables): PI30, PI30MAX,
 * PI30M045, PI30M044, PI18 and PI17, each polling every query command of
 * its protocol once, with hassd_mqtt, hass_controls = true and an
 * allowlist that admits everything (so every setting entity is offered);
 * PI30 and PI18 also with hass_mqtt, whose configs are not retained.  A
 * seventh section is a parallel stack of two (mppd-sim --parallel 2 on a
 * pseudo-terminal, polling QPIGS#QPIRI#QPGS0#QPGS1) with hass_energy =
 * true: each unit its own HA device, the stack totals and the Energy
 * dashboard's sensors.  A mosquitto_sub on homeassistant/# records
 * everything from before the daemon starts; the checker runs on that
 * record and on the retained configs the broker holds afterwards.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "sim_env.h"
#include "hass_check.h"
#include "testmain.h"

#define SUB		"/usr/bin/mosquitto_sub"
#define PUB		"/usr/bin/mosquitto_pub"
#define PY		"/usr/bin/python3"
#define CHECK		MPPD_SOURCE_DIR "/tests/hass/hass_schema_check.py"
#define WAIT_MS		20000	/* seven devices, ~150 commands: generous */
#define MARKER		"homeassistant/zz_test/marker"

/* Every query command of each protocol (those taking an argument with one),
 * as `mppd -P <protocol> -c` lists them. */
#define PI30_CMDS	"Q1#QBOOT#QDI#QFLAG#QID#QMCHGCR#QMOD#QMN#QGMN#QMUCHGCR#" \
			"QOPM#QPGS0#QPI#QPIGS#QPIRI#QPIWS#QVFW#QVFW2#QBMS"
#define PI30MAX_CMDS	"Q1#QBOOT#QDI#QFLAG#QID#QMCHGCR#QMOD#QMN#QGMN#QMUCHGCR#" \
			"QOPM#QPGS0#QPI#QPIGS#QPIRI#QPIWS#QVFW#QBMS#QSID#QVFW3#" \
			"VERFW#QPIGS2#QOPPT#QCHPT#QT#QBEQI#QET#QEY2024#" \
			"QEM202401#QED20240101#QLT#QLY2024#QLM202401#" \
			"QLD20240101#QLED"
#define PI18_CMDS	"PI#ET#EY2024#EM202401#ED20240101#ID#VFW#PIRI#GS#MOD#" \
			"FLAG#MCHGCR#MUCHGCR"
#define PI17_CMDS	"GPMP#PI#ID#VFW#VFW2#MD#DI#DM#INGS#EMINFO#PIRI#GS#PS#" \
			"MOD#WS#FLAG#T#ET#BATS#HECS#EY2024#EM202401#ED20240101#" \
			"EH2024010101#BMS"

static const struct dev {
	const char	*name;
	const char	*protocol;
	const char	*commands;
	const char	*outputs;
	const char	*last;		/* in its last config topics */
	int		 sim;		/* mppd-sim --parallel 2, hass_energy */
} devs[] = {
	{ "pi30", "PI30", PI30_CMDS, "hassd_mqtt,hass_mqtt", "QBMS", 0 },
	{ "pi30max", "PI30MAX", PI30MAX_CMDS, "hassd_mqtt", "QLED", 0 },
	{ "pi30m045", "PI30M045", PI30MAX_CMDS, "hassd_mqtt", "QLED", 0 },
	{ "pi30m044", "PI30M044", PI30MAX_CMDS, "hassd_mqtt", "QLED", 0 },
	{ "pi18", "PI18", PI18_CMDS, "hassd_mqtt,hass_mqtt", "MUCHGCR", 0 },
	{ "pi17", "PI17", PI17_CMDS, "hassd_mqtt", "BMS", 0 },
	/* the stack totals come after the cycle's last QPGSn */
	{ "bank", "PI30", "QPIGS#QPIRI#QPGS0#QPGS1", "hassd_mqtt",
	  "stack_battery_discharge", 1 },
};
#define NDEVS	(sizeof(devs) / sizeof(devs[0]))

static int
setup(void **state)
{
	return se_setup(state, "sim.link", NULL, 1);
}

/* The checker is there and can run (python3-voluptuous installed). */
static void
require_checker(void)
{
	const char *argv[] = { PY, CHECK, "--help", NULL };
	char *err = NULL;
	int rc = h_run(argv, NULL, &err, 30000);

	if (rc != 0)
		fail_msg("%s cannot run (%d; scripts/setup.sh installs "
		    "python3-voluptuous): %s", CHECK, rc, err ? err : "");
	free(err);
}

/* Records homeassistant/# ("topic payload" lines) into e->live. */
static void
start_recording(struct sim_env *e)
{
	const char *argv[] = { SUB, "-h", "127.0.0.1", "-p", e->portstr,
	    "-v", "-t", "homeassistant/#", NULL };
	char needle[64];

	e->sub = h_spawn(argv, e->live);
	assert_true(e->sub > 0);
	snprintf(needle, sizeof(needle), " homeassistant/#\n");
	if (h_wait_for_text(e->broker_log, needle, WAIT_MS) != 0)
		fail_msg("the recorder did not subscribe");
}

/* Sections n of devs (all when n is NDEVS); pause 3600: one poll cycle. */
static void
start_mppd(struct sim_env *e, size_t n)
{
	const char *argv[] = { MPPD_BIN, "-C", e->conf, "-I", "--daemon", NULL };
	const char *sim[] = { "--baud", "115200", "--parallel", "2", NULL };
	char text[8192], port[512];
	int len;

	len = snprintf(text, sizeof(text),
	    "[SETUP]\nmqtt_broker = 127.0.0.1\nmqtt_port = %d\n"
	    "mqtt_hostname = th\npause = 3600\nstate_dir = %s\n", e->port,
	    e->dir);
	for (size_t i = 0; i < n; i++) {
		if (devs[i].sim) {
			se_start_sim(e, 0, sim);
			snprintf(port, sizeof(port), "%s\nporttype = serial\n"
			    "baud = 115200\nhass_energy = true", e->link);
		} else
			snprintf(port, sizeof(port), "test0-%s", devs[i].name);
		len += snprintf(text + len, sizeof(text) - (size_t)len,
		    "\n[%s]\nprotocol = %s\nport = %s\ncommand = %s\n"
		    "outputs = %s\nmqtt_allowed_cmds = .*\nhass_controls = true\n",
		    devs[i].name, devs[i].protocol, port, devs[i].commands,
		    devs[i].outputs);
	}
	assert_true(len > 0 && (size_t)len < sizeof(text));
	assert_int_equal(h_write_file(e->conf, text), 0);
	e->mppd = h_spawn(argv, e->mppd_log);
	assert_true(e->mppd > 0);
}

/* Waits for the configs of each device's last command and its settings. */
static void
wait_discovery(struct sim_env *e, size_t n)
{
	char needle[128];

	for (size_t i = 0; i < n; i++) {
		snprintf(needle, sizeof(needle), "_%s_%s", devs[i].name,
		    devs[i].last);
		if (h_wait_for_text(e->live, needle, WAIT_MS) != 0) {
			se_dump("mppd", e->mppd_log);
			fail_msg("no discovery for %s's %s", devs[i].name,
			    devs[i].last);
		}
		snprintf(needle, sizeof(needle),
		    "homeassistant/select/mpp_%s_", devs[i].name);
		if (h_wait_for_text(e->live, needle, WAIT_MS) != 0) {
			se_dump("mppd", e->mppd_log);
			fail_msg("no setting entities for %s", devs[i].name);
		}
	}
}

/*
 * Stops the daemon, then publishes a marker and waits for the recorder to
 * have it: everything the daemon published is in e->live by then.
 */
static void
stop_and_settle(struct sim_env *e)
{
	const char *pub[] = { PUB, "-h", "127.0.0.1", "-p", e->portstr,
	    "-t", MARKER, "-m", "end", NULL };
	int rc = h_stop(e->mppd, SIGTERM, 10000);

	e->mppd = 0;
	if (rc != 0) {
		se_dump("mppd", e->mppd_log);
		fail_msg("mppd exited with %d", rc);
	}
	assert_int_equal(h_run(pub, NULL, NULL, 5000), 0);
	if (h_wait_for_text(e->live, MARKER " end", WAIT_MS) != 0)
		fail_msg("the recorder did not get the marker");
}

/* The retained messages under homeassistant/# into e->retained. */
static char *
snapshot_retained(struct sim_env *e)
{
	const char *argv[] = { SUB, "-h", "127.0.0.1", "-p", e->portstr, "-v",
	    "--retained-only", "-W", "2", "-t", "homeassistant/#", NULL };
	char *out = NULL;

	h_run(argv, &out, NULL, 10000);
	assert_non_null(out);
	assert_int_equal(h_write_file(e->retained, out), 0);
	return out;
}

static void
test_every_discovery_config_of_six_families_passes_the_schema(void **state)
{
	struct sim_env *e = *state;
	char *retained, *live, *out = NULL, needle[64];

	require_checker();
	start_recording(e);
	start_mppd(e, NDEVS);
	wait_discovery(e, NDEVS);
	stop_and_settle(e);
	retained = snapshot_retained(e);

	/* every device's sensors and settings are among the retained configs */
	for (size_t i = 0; i < NDEVS; i++) {
		snprintf(needle, sizeof(needle), "/mpp_%s_", devs[i].name);
		if (strstr(retained, needle) == NULL)
			fail_msg("no retained config of %s", devs[i].name);
	}
	/* the stack: each unit its own device, the totals, the Energy
	 * dashboard's sensors (checked below with everything else) */
	for (const char *p = "\"name\":\"bank unit 0\"\0"
	    "\"name\":\"bank unit 1\"\0"
	    "homeassistant/sensor/mpp_bank_stack_output_power/config {\0"
	    "homeassistant/sensor/mpp_bank_energy_pv/config {\0"
	    "homeassistant/sensor/mpp_bank_energy_load/config {\0"
	    "homeassistant/sensor/mpp_bank_energy_grid_in/config {\0"
	    "homeassistant/sensor/mpp_bank_energy_battery_charge/config {\0"
	    "homeassistant/sensor/mpp_bank_energy_battery_discharge/config {\0";
	    *p != '\0'; p += strlen(p) + 1)
		if (strstr(retained, p) == NULL)
			fail_msg("no retained config with %s", p);
	/* hass_mqtt's configs are not retained: only the record has them */
	assert_null(strstr(retained, "homeassistant/sensor/mpp_QPIGS_"));
	live = h_read_file(e->live, NULL);
	assert_non_null(live);
	assert_non_null(strstr(live, "homeassistant/sensor/mpp_QPIGS_"));
	free(live);

	hc_assert_valid("everything published", e->live);
	hc_assert_valid("retained", e->retained);
	/* the check saw every platform mppd publishes */
	assert_int_equal(hc_run(e->retained, &out), 0);
	for (const char *p = "binary_sensor \0number \0select \0sensor \0"
	    "switch \0"; *p != '\0'; p += strlen(p) + 1)
		if (strstr(out, p) == NULL)
			fail_msg("no %sconfig checked: %s", p, out);
	free(out);
	free(retained);
}

/*
 * The same collection fails on a config HA would refuse: a retained
 * voltage sensor in amperes next to the daemon's own configs.
 */
static void
test_a_config_home_assistant_refuses_fails_the_check(void **state)
{
	struct sim_env *e = *state;
	const char *bad = "homeassistant/sensor/mpp_pi30_broken/config";
	const char *pub[] = { PUB, "-h", "127.0.0.1", "-p", e->portstr, "-r",
	    "-t", bad, "-m", "{\"name\": \"broken\", \"state_topic\": \"s\", "
	    "\"unit_of_measurement\": \"A\", \"device_class\": \"voltage\"}",
	    NULL };
	char *retained, *out = NULL;

	require_checker();
	start_recording(e);
	start_mppd(e, 2);	/* two: ids carry the device names */
	wait_discovery(e, 2);
	assert_int_equal(h_run(pub, NULL, NULL, 5000), 0);
	stop_and_settle(e);
	retained = snapshot_retained(e);
	assert_non_null(strstr(retained, bad));

	assert_int_equal(hc_run(e->retained, &out), 1);
	assert_non_null(strstr(out, "FAIL homeassistant/sensor/mpp_pi30_broken"
	    "/config: unit of measurement 'A' is not valid with device class "
	    "'voltage'"));
	/* ... and it is the only failure */
	assert_non_null(strstr(out, ", 1 failed,"));
	free(out);
	free(retained);
}

static const struct CMUnitTest tests[] = {
	/* one line each: tests/CMakeLists.txt reads the names from here */
	cmocka_unit_test_setup_teardown(test_every_discovery_config_of_six_families_passes_the_schema, setup, se_teardown),
	cmocka_unit_test_setup_teardown(test_a_config_home_assistant_refuses_fails_the_check, setup, se_teardown),
};

#include "testmain.h"
MPPD_TEST_MAIN(tests)

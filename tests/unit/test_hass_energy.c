/*
 * test_hass_energy.c - the Energy dashboard's totals: trapezoids between
 * polls, gaps not bridged, device counters that never make a total
 * decrease, the state file written atomically and read back after a
 * restart, and discovery configs Home Assistant takes as energy sensors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "config.h"
#include "hass_energy.h"
#include "proto.h"
#include "result.h"
#include "pub_rec.h"
#include "sbuf.h"

#define HOUR_MS	3600000LL

static void
test_trapezoids_between_polls(void **state)
{
	struct energy_acc a = { 0 };

	(void)state;
	/* 1 kW for an hour, in steps of a minute; then a ramp 0 -> 2 kW */
	for (int64_t t = 0; t <= HOUR_MS; t += 60000)
		energy_acc_add(&a, t, 1000, 180000);
	assert_float_equal(a.kwh, 1.0, 1e-9);
	energy_acc_add(&a, HOUR_MS + 60000, 2000, 180000);
	assert_float_equal(a.kwh, 1.0 + 1.5 / 60.0, 1e-9);
	/* negative power (a sign error in a reply) counts as 0 */
	energy_acc_add(&a, HOUR_MS + 120000, -500, 180000);
	assert_float_equal(a.kwh, 1.0 + 1.5 / 60.0 + 1.0 / 60.0, 1e-9);
}

static void
test_a_gap_longer_than_three_periods_is_not_bridged(void **state)
{
	struct energy_acc a = { 0 };
	double before;

	(void)state;
	energy_acc_add(&a, 0, 3600, 3000);
	energy_acc_add(&a, 1000, 3600, 3000);	/* 1 Wh */
	assert_float_equal(a.kwh, 0.001, 1e-12);
	before = a.kwh;
	/* silent for 100 s: nothing for the gap, the poll starts afresh */
	energy_acc_add(&a, 101000, 3600, 3000);
	assert_float_equal(a.kwh, before, 1e-12);
	energy_acc_add(&a, 102000, 3600, 3000);
	assert_float_equal(a.kwh, before + 0.001, 1e-12);
	/* exactly three periods is still bridged */
	energy_acc_add(&a, 105000, 3600, 3000);
	assert_float_equal(a.kwh, before + 0.004, 1e-12);
	/* a clock going backwards adds nothing */
	before = a.kwh;
	energy_acc_add(&a, 104000, 3600, 3000);
	assert_float_equal(a.kwh, before, 1e-12);
}

static void
test_a_device_counter_never_makes_the_total_decrease(void **state)
{
	struct energy_acc a = { 0 };

	(void)state;
	assert_int_equal(energy_acc_counter(&a, 238800), 0);
	assert_float_equal(a.kwh, 238.8, 1e-9);
	assert_int_equal(energy_acc_counter(&a, 238900), 0);
	assert_float_equal(a.kwh, 238.9, 1e-9);
	/* the inverter's counter was reset: the total stays */
	assert_int_equal(energy_acc_counter(&a, 10), 1);
	assert_float_equal(a.kwh, 238.9, 1e-9);
}

static void
test_state_file_round_trip_leaves_no_temp_file(void **state)
{
	char dir[] = "/tmp/mppd-energy-XXXXXX", path[128], tmp[140];
	double w[EN_COUNT] = { 1.5, 2.25, 0.125, 3, 0 }, r[EN_COUNT] = { 0 };

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/energy-x.json", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_int_equal(energy_file_read(path, r), -1);
	assert_int_equal(energy_file_write(path, w), 0);
	assert_int_equal(access(tmp, F_OK), -1);
	assert_int_equal(energy_file_read(path, r), 0);
	for (int i = 0; i < EN_COUNT; i++)
		assert_float_equal(r[i], w[i], 1e-9);
	/* a directory that cannot be written: -1, nothing half-written */
	assert_int_equal(energy_file_write("/nonexistent-dir/e.json", w), -1);
	unlink(path);
	rmdir(dir);
}

/* ---- the runtime object, with decoded replies ------------------------ */


static void
qpigs(struct result *res)
{
	const struct pi_proto *p = proto_find("PI30");
	const struct pi_cmd *d = proto_lookup(p, "QPIGS", NULL, 0);

	result_init(res);
	proto_decode(p, "QPIGS", (const uint8_t *)pi_str(pi_cmd_canned(d, 0)->data),
	    pi_cmd_canned(d, 0)->len, res);
}

/*
 * Configs: device_class energy, state_class total_increasing, kWh, on the
 * section's device; a restart continues from the saved totals.
 */
static void
test_energy_sensors_publish_and_survive_a_restart(void **state)
{
	static char *cmds[] = { "QPIGS" };
	char dir[] = "/tmp/mppd-energy-XXXXXX", path[128];
	struct device_cfg dc;
	struct energy *e;
	struct result res;
	struct pub_rec r = { .n = 0 };
	const char *conf, *last;
	char *saved;
	cJSON *j;

	(void)state;
	assert_int_equal(proto_init(), 0);
	assert_non_null(mkdtemp(dir));
	memset(&dc, 0, sizeof(dc));
	dc.name = "inv";
	dc.commands = cmds;
	dc.ncommands = 1;
	assert_null(energy_new(&dc, "th", "inv", dir, 1000));	/* off */
	dc.hass_energy = 1;
	e = energy_new(&dc, "th", "inv", dir, 1000);
	assert_non_null(e);
	qpigs(&res);
	energy_on_result(e, 0, "QPIGS", &res, 1, pub_rec_fn, &r);
	usleep(200000);
	energy_on_result(e, 0, "QPIGS", &res, 1, pub_rec_fn, &r);
	result_free(&res);

	conf = pub_rec_last(&r, "homeassistant/sensor/mpp_inv_energy_pv/config");
	assert_non_null(conf);
	j = cJSON_Parse(conf);
	assert_string_equal(cJSON_GetObjectItem(j, "device_class")->valuestring,
	    "energy");
	assert_string_equal(cJSON_GetObjectItem(j, "state_class")->valuestring,
	    "total_increasing");
	assert_string_equal(cJSON_GetObjectItem(j,
	    "unit_of_measurement")->valuestring, "kWh");
	assert_string_equal(cJSON_GetObjectItem(j, "state_topic")->valuestring,
	    "th/inv/energy");
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(j, "device"), "identifiers"), 0)->valuestring,
	    "inv");
	cJSON_Delete(j);
	for (const char *k = "load\0grid_in\0battery_charge\0battery_discharge\0";
	    *k != '\0'; k += strlen(k) + 1) {
		char t[128];
		snprintf(t, sizeof(t), "homeassistant/sensor/mpp_inv_energy_%s/"
		    "config", k);
		assert_non_null(pub_rec_last(&r, t));
	}
	last = pub_rec_last(&r, "th/inv/energy");
	assert_non_null(last);
	saved = strdup(last);
	energy_free(e);			/* saves */
	pub_rec_free(&r);

	snprintf(path, sizeof(path), "%s/energy-inv.json", dir);
	assert_int_equal(access(path, R_OK), 0);
	e = energy_new(&dc, "th", "inv", dir, 1000);
	qpigs(&res);
	energy_on_result(e, 0, "QPIGS", &res, 1, pub_rec_fn, &r);
	result_free(&res);
	/* no reset, no jump: the first total after the restart is the last
	 * one before it */
	assert_string_equal(pub_rec_last(&r, "th/inv/energy"), saved);
	energy_free(e);
	pub_rec_free(&r);
	free(saved);
	unlink(path);
	rmdir(dir);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_trapezoids_between_polls),
	cmocka_unit_test(test_a_gap_longer_than_three_periods_is_not_bridged),
	cmocka_unit_test(test_a_device_counter_never_makes_the_total_decrease),
	cmocka_unit_test(test_state_file_round_trip_leaves_no_temp_file),
	cmocka_unit_test(test_energy_sensors_publish_and_survive_a_restart),
};

#include "testmain.h"
MPPD_TEST_MAIN(tests)

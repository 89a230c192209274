/*
 * test_hass_stack.c - parallel stack units in Home Assistant: each valid
 * QPGSn unit its own device (serial number, "<section> unit n"), a unit
 * reporting "Not valid" or failing is unavailable rather than zero, the
 * totals add up the units valid in the cycle, and configs are published
 * once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "config.h"
#include "hass_stack.h"
#include "result.h"
#include "pub_rec.h"


static void
setf(struct result *r, const char *k, double v)
{
	result_set(r, k, val_float(v), "", EX_ABSENT, NULL, 0);
}

static void
seti(struct result *r, const char *k, long long v)
{
	result_set(r, k, val_int(v), "", EX_ABSENT, NULL, 0);
}

/* A QPGSn result as the decoder gives it. */
static void
unit_reply(struct result *r, int valid, const char *serial, int watts,
    int chg, int dis)
{
	result_init(r);
	result_set(r, "Parallel instance number",
	    val_str(valid ? "valid" : "Not valid"), "", EX_ABSENT, NULL, 0);
	result_set(r, "Serial number", val_str(serial), "", EX_ABSENT, NULL, 0);
	result_set(r, "Work mode", val_str("Line Mode"), "", EX_ABSENT, NULL, 0);
	seti(r, "AC output active power", watts);
	setf(r, "PV Input Voltage", 300.0);
	seti(r, "PV input current", 2);
	seti(r, "Battery charging current", chg);
	seti(r, "Battery discharge current", dis);
}

static char *cmds[] = { "QPIGS", "QPGS0", "QPGS1", "QPGS2" };

static struct device_cfg
dev_cfg(void)
{
	struct device_cfg dc;

	memset(&dc, 0, sizeof(dc));
	dc.name = "inv";
	dc.commands = cmds;
	dc.ncommands = 4;
	return dc;
}

static void
test_unit_of_command(void **state)
{
	struct device_cfg dc = dev_cfg();

	(void)state;
	assert_int_equal(stack_unit_of("QPGS0"), 0);
	assert_int_equal(stack_unit_of("QPGS12"), 12);
	assert_int_equal(stack_unit_of("QPGS"), -1);
	assert_int_equal(stack_unit_of("QPGSx"), -1);
	assert_int_equal(stack_unit_of("QPIGS"), -1);
	dc.ncommands = 1;		/* QPIGS only: no stack */
	assert_null(stack_new(&dc, "th", "inv"));
}

static void
test_three_units_three_devices_and_totals(void **state)
{
	struct device_cfg dc = dev_cfg();
	struct stack *s = stack_new(&dc, "th", "inv");
	const char *serials[] = { "92932004102453", "92932004102454",
	    "92932004102455" };
	struct pub_rec r = { .n = 0 };
	struct result res;
	cJSON *j, *dev;
	const char *p;

	(void)state;
	assert_non_null(s);
	for (int round = 0; round < 2; round++)
		for (int n = 0; n < 3; n++) {
			char cmd[8];
			snprintf(cmd, sizeof(cmd), "QPGS%d", n);
			unit_reply(&res, 1, serials[n], 100 * (n + 1), 10, 1);
			stack_on_result(s, n + 1, cmd, &res, 1, pub_rec_fn, &r);
			result_free(&res);
		}
	for (int n = 0; n < 3; n++) {
		char t[160], name[32];
		snprintf(t, sizeof(t), "homeassistant/sensor/mpp_%s_"
		    "ac_output_active_power/config", serials[n]);
		/* once, not every cycle */
		assert_int_equal(pub_rec_count(&r, t), 1);
		j = cJSON_Parse(pub_rec_last(&r, t));
		assert_non_null(j);
		dev = cJSON_GetObjectItem(j, "device");
		assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(dev,
		    "identifiers"), 0)->valuestring, serials[n]);
		snprintf(name, sizeof(name), "inv unit %d", n);
		assert_string_equal(cJSON_GetObjectItem(dev, "name")->valuestring,
		    name);
		assert_string_equal(cJSON_GetObjectItem(dev,
		    "via_device")->valuestring, "inv");
		snprintf(t, sizeof(t), "th/inv/unit%d/state", n);
		assert_string_equal(cJSON_GetObjectItem(j,
		    "state_topic")->valuestring, t);
		assert_string_equal(cJSON_GetObjectItem(j,
		    "device_class")->valuestring, "power");
		cJSON_Delete(j);
		snprintf(t, sizeof(t), "th/inv/unit%d/availability", n);
		assert_string_equal(pub_rec_last(&r, t), "online");
		snprintf(t, sizeof(t), "th/inv/unit%d/state", n);
		j = cJSON_Parse(pub_rec_last(&r, t));
		assert_int_equal(cJSON_GetObjectItem(j,
		    "ac_output_active_power")->valueint, 100 * (n + 1));
		assert_int_equal(cJSON_GetObjectItem(j, "pv_power")->valueint,
		    600);
		cJSON_Delete(j);
	}
	/* totals after the cycle's last QPGSn, twice */
	assert_int_equal(pub_rec_count(&r, "th/inv/stack"), 2);
	p = pub_rec_last(&r, "th/inv/stack");
	j = cJSON_Parse(p);
	assert_int_equal(cJSON_GetObjectItem(j, "output_power")->valueint, 600);
	assert_int_equal(cJSON_GetObjectItem(j, "pv_power")->valueint, 1800);
	assert_int_equal(cJSON_GetObjectItem(j,
	    "battery_charging_current")->valueint, 30);
	assert_int_equal(cJSON_GetObjectItem(j,
	    "battery_discharge_current")->valueint, 3);
	cJSON_Delete(j);
	assert_int_equal(pub_rec_count(&r,
	    "homeassistant/sensor/mpp_inv_stack_output_power/config"), 1);

	/* unit 2 reports "Not valid", unit 1 does not answer: unavailable,
	 * and the totals are unit 0's alone (not zeros added in) */
	pub_rec_free(&r);
	unit_reply(&res, 1, serials[0], 100, 10, 1);
	stack_on_result(s, 1, "QPGS0", &res, 1, pub_rec_fn, &r);
	result_free(&res);
	result_init(&res);
	result_error(&res, "Serial command execution failed");
	stack_on_result(s, 2, "QPGS1", &res, 1, pub_rec_fn, &r);
	result_free(&res);
	unit_reply(&res, 0, "00000000000000", 0, 0, 0);
	stack_on_result(s, 3, "QPGS2", &res, 1, pub_rec_fn, &r);
	result_free(&res);
	assert_string_equal(pub_rec_last(&r, "th/inv/unit1/availability"),
	    "offline");
	assert_string_equal(pub_rec_last(&r, "th/inv/unit2/availability"),
	    "offline");
	assert_null(pub_rec_last(&r, "th/inv/unit1/state"));
	assert_null(pub_rec_last(&r, "th/inv/unit2/state"));
	j = cJSON_Parse(pub_rec_last(&r, "th/inv/stack"));
	assert_int_equal(cJSON_GetObjectItem(j, "output_power")->valueint, 100);
	cJSON_Delete(j);

	/* HA comes online again: every unit's configs once more */
	pub_rec_free(&r);
	stack_rediscover(s, pub_rec_fn, &r);
	assert_int_equal(pub_rec_count(&r, "homeassistant/sensor/mpp_"
	    "92932004102455_ac_output_active_power/config"), 1);
	assert_string_equal(pub_rec_last(&r, "th/inv/unit2/availability"),
	    "offline");
	pub_rec_free(&r);
	stack_free(s);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_unit_of_command),
	cmocka_unit_test(test_three_units_three_devices_and_totals),
};

#include "testmain.h"
MPPD_TEST_MAIN(tests)

/*
 * test_out_hass_mqtt.c - the Home Assistant *_mqtt processors, hass_mqtt and
 * hassd_mqtt: every topic and payload byte for byte against the
 * reference's captures, message order, and mppd's hassd extensions
 * (availability, uid_prefix).  The other processors are in test_out_mqtt.c; the fixture is tests/support/out_mqtt_env.h.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "out_mqtt_env.h"

static const struct result_kv x_unit_kwh[] = { { "unit", "kWh" } };

/* ---- hass_mqtt ---- */

/* With tag "None" given, the daemon capture is reproduced exactly. */
static void
test_hass_matches_reference_capture(void **state)
{
	struct result r;
	struct out_opts o = opts("None");

	mk_qpigs2(&r);
	check("hass_mqtt", &r, &o,
	    "homeassistant/sensor/mpp_None_pv2_input_current/config "
	    "{\"name\": \"None PV2 Input Current\", \"state_topic\": "
	    "\"homeassistant/sensor/mpp_None_pv2_input_current/state\", "
	    "\"unit_of_measurement\": \"A\", \"unique_id\": "
	    "\"mpp_None_pv2_input_current\", \"force_update\": \"true\" }\n"
	    "homeassistant/sensor/mpp_None_pv2_input_current/state 3.1\n"
	    "homeassistant/sensor/mpp_None_pv2_input_voltage/config "
	    "{\"name\": \"None PV2 Input Voltage\", \"state_topic\": "
	    "\"homeassistant/sensor/mpp_None_pv2_input_voltage/state\", "
	    "\"unit_of_measurement\": \"V\", \"unique_id\": "
	    "\"mpp_None_pv2_input_voltage\", \"force_update\": \"true\" }\n"
	    "homeassistant/sensor/mpp_None_pv2_input_voltage/state 327.3\n"
	    "homeassistant/sensor/mpp_None_pv2_charging_power/config "
	    "{\"name\": \"None PV2 Charging Power\", \"state_topic\": "
	    "\"homeassistant/sensor/mpp_None_pv2_charging_power/state\", "
	    "\"unit_of_measurement\": \"W\", \"unique_id\": "
	    "\"mpp_None_pv2_charging_power\", \"state_class\": "
	    "\"measurement\", \"device_class\": \"power\", \"force_update\": "
	    "\"true\" }\n"
	    "homeassistant/sensor/mpp_None_pv2_charging_power/state 1026\n");
	result_free(&r);
	mk_qmod(&r);
	check("hass_mqtt", &r, &o,
	    "homeassistant/sensor/mpp_None_device_mode/config "
	    "{\"name\": \"None Device Mode\", \"state_topic\": "
	    "\"homeassistant/sensor/mpp_None_device_mode/state\", "
	    "\"unique_id\": \"mpp_None_device_mode\", \"force_update\": "
	    "\"true\" }\n"
	    "homeassistant/sensor/mpp_None_device_mode/state Standby\n");
	result_free(&r);
}

/* SPEC decision: no tag -> the command, not the reference's "None". */
static void
test_hass_no_tag_uses_command(void **state)
{
	struct result r;
	struct out_opts o = opts(NULL);

	mk_qmod(&r);
	check("hass_mqtt", &r, &o,
	    "homeassistant/sensor/mpp_QMOD_device_mode/config "
	    "{\"name\": \"QMOD Device Mode\", \"state_topic\": "
	    "\"homeassistant/sensor/mpp_QMOD_device_mode/state\", "
	    "\"unique_id\": \"mpp_QMOD_device_mode\", \"force_update\": "
	    "\"true\" }\n"
	    "homeassistant/sensor/mpp_QMOD_device_mode/state Standby\n");
	result_free(&r);
}

static void
test_hass_binary_sensors_on_off(void **state)
{
	struct result r;
	struct out_opts o = opts("QFLAG");

	mk_qflag(&r);
	check_screen("hass_mqtt", &r, &o,
	    SCR "topic: 'homeassistant/binary_sensor/mpp_QFLAG_buzzer/config', "
	    "payload: '{\"name\": \"QFLAG Buzzer\", \"state_topic\": "
	    "\"homeassistant/binary_sensor/mpp_QFLAG_buzzer/state\", "
	    "\"unique_id\": \"mpp_QFLAG_buzzer\", \"force_update\": \"true\" }'\n"
	    SCR "topic: 'homeassistant/binary_sensor/mpp_QFLAG_buzzer/state', "
	    "payload: 'ON'\n"
	    SCR "topic: 'homeassistant/binary_sensor/mpp_QFLAG_overload_bypass"
	    "/config', payload: '{\"name\": \"QFLAG Overload Bypass\", "
	    "\"state_topic\": \"homeassistant/binary_sensor/"
	    "mpp_QFLAG_overload_bypass/state\", \"unique_id\": "
	    "\"mpp_QFLAG_overload_bypass\", \"force_update\": \"true\" }'\n"
	    SCR "topic: 'homeassistant/binary_sensor/mpp_QFLAG_overload_bypass"
	    "/state', payload: 'OFF'\n");
	result_free(&r);
}

static void
test_hass_bool_unit_and_raw_utf8_unit(void **state)
{
	struct result r;
	struct out_opts o = opts("QPIGS");

	mk_qpigs(&r);
	check("hass_mqtt", &r, &o,
	    "homeassistant/sensor/mpp_QPIGS_battery_capacity/config "
	    "{\"name\": \"QPIGS Battery Capacity\", \"state_topic\": "
	    "\"homeassistant/sensor/mpp_QPIGS_battery_capacity/state\", "
	    "\"unit_of_measurement\": \"%\", \"unique_id\": "
	    "\"mpp_QPIGS_battery_capacity\", \"force_update\": \"true\" }\n"
	    "homeassistant/sensor/mpp_QPIGS_battery_capacity/state 100\n"
	    "homeassistant/sensor/mpp_QPIGS_inverter_heat_sink_temperature/"
	    "config {\"name\": \"QPIGS Inverter Heat Sink Temperature\", "
	    "\"state_topic\": \"homeassistant/sensor/"
	    "mpp_QPIGS_inverter_heat_sink_temperature/state\", "
	    "\"unit_of_measurement\": \"\xc2\xb0" "C\", \"unique_id\": "
	    "\"mpp_QPIGS_inverter_heat_sink_temperature\", \"force_update\": "
	    "\"true\" }\n"
	    "homeassistant/sensor/mpp_QPIGS_inverter_heat_sink_temperature/"
	    "state 69\n"
	    "homeassistant/binary_sensor/mpp_QPIGS_is_load_on/config "
	    "{\"name\": \"QPIGS Is Load On\", \"state_topic\": "
	    "\"homeassistant/binary_sensor/mpp_QPIGS_is_load_on/state\", "
	    "\"unique_id\": \"mpp_QPIGS_is_load_on\", \"force_update\": "
	    "\"true\" }\n"
	    "homeassistant/binary_sensor/mpp_QPIGS_is_load_on/state ON\n"
	    "homeassistant/binary_sensor/mpp_QPIGS_is_charging_to_float/config "
	    "{\"name\": \"QPIGS Is Charging to Float\", \"state_topic\": "
	    "\"homeassistant/binary_sensor/mpp_QPIGS_is_charging_to_float/"
	    "state\", \"unique_id\": \"mpp_QPIGS_is_charging_to_float\", "
	    "\"force_update\": \"true\" }\n"
	    "homeassistant/binary_sensor/mpp_QPIGS_is_charging_to_float/"
	    "state OFF\n");
	result_free(&r);
}

/* Only the config topic gets "_" for the tag's spaces. */
static void
test_hass_tag_with_spaces(void **state)
{
	struct result r;
	struct out_opts o = opts("my tag");
	struct pub_rec c = { 0 };

	head(&r, "QPIGS", "x");
	result_set(&r, "Is Load On", val_int(1), "bool", EX_ABSENT, NULL, 0);
	assert_int_equal(output_mqtt("hass_mqtt", &r, &o, pub_rec_fn, &c), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.m[0].topic,
	    "homeassistant/binary_sensor/mpp_my_tag_is_load_on/config");
	assert_string_equal(c.m[0].payload,
	    "{\"name\": \"my tag Is Load On\", \"state_topic\": "
	    "\"homeassistant/binary_sensor/mpp_my tag_is_load_on/state\", "
	    "\"unique_id\": \"mpp_my tag_is_load_on\", \"force_update\": "
	    "\"true\" }");
	assert_string_equal(c.m[1].topic,
	    "homeassistant/binary_sensor/mpp_my tag_is_load_on/state");
	pub_rec_free(&c);
	result_free(&r);
}

static void
test_hass_keepcase_and_filter(void **state)
{
	struct result r;
	struct out_opts o = opts("T");
	struct pub_rec c = { 0 };

	o.keepcase = 1;
	o.filter = re("Voltage");
	mk_qpigs2(&r);
	assert_int_equal(output_mqtt("hass_mqtt", &r, &o, pub_rec_fn, &c), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.m[0].topic,
	    "homeassistant/sensor/mpp_T_PV2_Input_Voltage/config");
	assert_non_null(strstr(c.m[0].payload,
	    "\"name\": \"T PV2 Input Voltage\", "));
	assert_non_null(strstr(c.m[0].payload,
	    "\"unique_id\": \"mpp_T_PV2_Input_Voltage\", "));
	pub_rec_free(&c);
	pcre2_code_free((void *)o.filter);
	result_free(&r);
}

/* ---- hassd_mqtt ---- */

#define DEV_D_HASSD "\"device\": {\"name\": \"d_hassd\", \"identifiers\": " \
	"[\"d_hassd\"], \"model\": \"d_hassd\", \"manufacturer\": \"MPP-Solar\"}"

static void
test_hassd_configs_first_then_states(void **state)
{
	struct result r;
	struct out_opts o = opts(NULL);
	struct pub_rec c = { 0 };

	o.device = "d_hassd";
	mk_qpigs2(&r);
	assert_int_equal(output_mqtt("hassd_mqtt", &r, &o, pub_rec_fn, &c), 0);
	assert_int_equal(c.n, 6);
	assert_string_equal(c.m[0].topic,
	    "homeassistant/sensor/mpp_QPIGS2_pv2_input_current/config");
	assert_string_equal(c.m[0].payload,
	    "{\"name\": \"QPIGS2 PV2 Input Current\", \"state_topic\": "
	    "\"homeassistant/sensor/mpp_QPIGS2_pv2_input_current/state\", "
	    "\"unique_id\": \"mpp_QPIGS2_pv2_input_current\", "
	    "\"force_update\": \"true\", \"unit_of_measurement\": \"A\", "
	    DEV_D_HASSD ", \"device_class\": \"current\", "
	    "\"icon\": \"mdi:solar-power\"}");
	assert_string_equal(c.m[1].topic,
	    "homeassistant/sensor/mpp_QPIGS2_pv2_input_voltage/config");
	assert_string_equal(c.m[1].payload,
	    "{\"name\": \"QPIGS2 PV2 Input Voltage\", \"state_topic\": "
	    "\"homeassistant/sensor/mpp_QPIGS2_pv2_input_voltage/state\", "
	    "\"unique_id\": \"mpp_QPIGS2_pv2_input_voltage\", "
	    "\"force_update\": \"true\", \"unit_of_measurement\": \"V\", "
	    DEV_D_HASSD ", \"device_class\": \"voltage\", "
	    "\"icon\": \"mdi:solar-power\"}");
	assert_string_equal(c.m[2].topic,
	    "homeassistant/sensor/mpp_QPIGS2_pv2_charging_power/config");
	assert_string_equal(c.m[2].payload,
	    "{\"name\": \"QPIGS2 PV2 Charging Power\", \"state_topic\": "
	    "\"homeassistant/sensor/mpp_QPIGS2_pv2_charging_power/state\", "
	    "\"unique_id\": \"mpp_QPIGS2_pv2_charging_power\", "
	    "\"force_update\": \"true\", \"unit_of_measurement\": \"W\", "
	    DEV_D_HASSD ", \"device_class\": \"power\", "
	    "\"state_class\": \"measurement\", \"icon\": \"mdi:solar-power\"}");
	assert_string_equal(c.m[3].topic,
	    "homeassistant/sensor/mpp_QPIGS2_pv2_input_current/state");
	assert_string_equal(c.m[3].payload, "3.1");
	assert_string_equal(c.m[4].topic,
	    "homeassistant/sensor/mpp_QPIGS2_pv2_input_voltage/state");
	assert_string_equal(c.m[4].payload, "327.3");
	assert_string_equal(c.m[5].topic,
	    "homeassistant/sensor/mpp_QPIGS2_pv2_charging_power/state");
	assert_string_equal(c.m[5].payload, "1026");
	/* SPEC §3.4: discovery configs retained; states are not. */
	for (int i = 0; i < 6; i++) {
		assert_int_equal(c.m[i].qos, 0);
		assert_int_equal(c.m[i].retain, i < 3);
	}
	pub_rec_free(&c);
	result_free(&r);
}

static int
all_digits(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* str(datetime.now()): "YYYY-MM-DD HH:MM:SS[.ffffff]"; returns its length. */
static size_t
py_datetime_len(const char *s)
{
	if (!all_digits(s, 4) || s[4] != '-' || !all_digits(s + 5, 2) ||
	    s[7] != '-' || !all_digits(s + 8, 2) || s[10] != ' ' ||
	    !all_digits(s + 11, 2) || s[13] != ':' || !all_digits(s + 14, 2) ||
	    s[16] != ':' || !all_digits(s + 17, 2))
		return 0;
	if (s[19] == '.')
		return all_digits(s + 20, 6) && s[26] == '"' ? 26 : 0;
	return s[19] == '"' ? 19 : 0;
}

static void
test_hassd_energy_overrides_and_last_reset(void **state)
{
	struct result r;
	struct out_opts o = opts(NULL);
	struct pub_rec c = { 0 };
	const char *lr, *pre = "\"last_reset\": \"";
	char today[16];
	time_t now = time(NULL);
	struct tm tm;
	struct sbuf fixed = SBUF_INIT;
	size_t n;

	o.device = "d_hassd";
	mk_qet(&r);
	assert_int_equal(output_mqtt("hassd_mqtt", &r, &o, pub_rec_fn, &c), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.m[0].topic,
	    "homeassistant/sensor/mpp_QET_total_pv_generated_energy/config");
	lr = strstr(c.m[0].payload, pre);
	assert_non_null(lr);
	lr += strlen(pre);
	n = py_datetime_len(lr);
	assert_true(n == 19 || n == 26);
	/* Local date of today (the test does not run across midnight). */
	localtime_r(&now, &tm);
	strftime(today, sizeof(today), "%Y-%m-%d", &tm);
	assert_memory_equal(lr, today, 10);
	sbuf_add(&fixed, c.m[0].payload, (size_t)(lr - c.m[0].payload));
	sbuf_adds(&fixed, "TS");
	sbuf_adds(&fixed, lr + n);
	assert_string_equal(sbuf_str(&fixed),
	    "{\"name\": \"QET Total PV Generated Energy\", \"state_topic\": "
	    "\"homeassistant/sensor/mpp_QET_total_pv_generated_energy/state\", "
	    "\"unique_id\": \"mpp_QET_total_pv_generated_energy\", "
	    "\"force_update\": \"true\", \"unit_of_measurement\": \"Wh\", "
	    DEV_D_HASSD ", \"icon\": \"mdi:counter\", \"device_class\": "
	    "\"energy\", \"state_class\": \"total_increasing\", "
	    "\"last_reset\": \"TS\"}");
	assert_string_equal(c.m[1].topic,
	    "homeassistant/sensor/mpp_QET_total_pv_generated_energy/state");
	assert_string_equal(c.m[1].payload, "238800");
	sbuf_free(&fixed);
	pub_rec_free(&c);
	result_free(&r);
}

/* An extra "unit" overrides the unit; existing keys keep their place. */
static void
test_hassd_extra_unit_override(void **state)
{
	struct result r;
	struct out_opts o = opts("T");
	struct pub_rec c = { 0 };
	const char *p;

	result_init(&r);
	result_set(&r, "E", val_int(5), "Wh", EX_DICT, x_unit_kwh, 1);
	assert_int_equal(output_mqtt("hassd_mqtt", &r, &o, pub_rec_fn, &c), 0);
	assert_int_equal(c.n, 2);
	p = c.m[0].payload;
	assert_non_null(strstr(p, "\"unit_of_measurement\": \"kWh\", "
	    "\"device\": {\"name\": \"unnamed\", \"identifiers\": "
	    "[\"unnamed\"], \"model\": \"unnamed\", \"manufacturer\": "
	    "\"MPP-Solar\"}, \"icon\": \"mdi:counter\", "));
	pub_rec_free(&c);
	result_free(&r);
}

static void
test_hassd_non_ascii_escaped_default_device_binary(void **state)
{
	struct result r;
	struct out_opts o = opts(NULL);
	struct pub_rec c = { 0 };

	mk_qpigs(&r);
	assert_int_equal(output_mqtt("hassd_mqtt", &r, &o, pub_rec_fn, &c), 0);
	assert_int_equal(c.n, 8);
	assert_string_equal(c.m[1].payload,
	    "{\"name\": \"QPIGS Inverter Heat Sink Temperature\", "
	    "\"state_topic\": \"homeassistant/sensor/"
	    "mpp_QPIGS_inverter_heat_sink_temperature/state\", \"unique_id\": "
	    "\"mpp_QPIGS_inverter_heat_sink_temperature\", \"force_update\": "
	    "\"true\", \"unit_of_measurement\": \"\\u00b0C\", \"device\": "
	    "{\"name\": \"unnamed\", \"identifiers\": [\"unnamed\"], "
	    "\"model\": \"unnamed\", \"manufacturer\": \"MPP-Solar\"}}");
	/* bool: binary_sensor, no unit_of_measurement, ON/OFF states. */
	assert_string_equal(c.m[2].topic,
	    "homeassistant/binary_sensor/mpp_QPIGS_is_load_on/config");
	assert_string_equal(c.m[2].payload,
	    "{\"name\": \"QPIGS Is Load On\", \"state_topic\": "
	    "\"homeassistant/binary_sensor/mpp_QPIGS_is_load_on/state\", "
	    "\"unique_id\": \"mpp_QPIGS_is_load_on\", \"force_update\": "
	    "\"true\", \"device\": {\"name\": \"unnamed\", \"identifiers\": "
	    "[\"unnamed\"], \"model\": \"unnamed\", \"manufacturer\": "
	    "\"MPP-Solar\"}}");
	assert_string_equal(c.m[4].payload, "100");
	assert_string_equal(c.m[5].payload, "69");
	assert_string_equal(c.m[6].payload, "ON");
	assert_string_equal(c.m[7].topic,
	    "homeassistant/binary_sensor/mpp_QPIGS_is_charging_to_float/state");
	assert_string_equal(c.m[7].payload, "OFF");
	pub_rec_free(&c);
	result_free(&r);
}

static void
test_hassd_tag_fallbacks(void **state)
{
	struct result r;
	struct out_opts o = opts("inv 1");
	struct pub_rec c = { 0 };

	mk_qmod(&r);
	assert_int_equal(output_mqtt("hassd_mqtt", &r, &o, pub_rec_fn, &c), 0);
	assert_string_equal(c.m[0].topic,
	    "homeassistant/sensor/mpp_inv_1_device_mode/config");
	assert_non_null(strstr(c.m[0].payload, "\"name\": \"inv 1 Device Mode\", "
	    "\"state_topic\": \"homeassistant/sensor/mpp_inv 1_device_mode/"
	    "state\", \"unique_id\": \"mpp_inv 1_device_mode\", "));
	assert_string_equal(c.m[1].topic,
	    "homeassistant/sensor/mpp_inv 1_device_mode/state");
	pub_rec_free(&c);
	o.tag = NULL;
	assert_int_equal(output_mqtt("hassd_mqtt", &r, &o, pub_rec_fn, &c), 0);
	assert_string_equal(c.m[0].topic,
	    "homeassistant/sensor/mpp_QMOD_device_mode/config");
	pub_rec_free(&c);
	result_free(&r);
	/* No tag and no command: "mppsolar". */
	result_init(&r);
	result_set_str(&r, "Device Mode", "Standby", "");
	assert_int_equal(output_mqtt("hassd_mqtt", &r, &o, pub_rec_fn, &c), 0);
	assert_string_equal(c.m[0].topic,
	    "homeassistant/sensor/mpp_mppsolar_device_mode/config");
	assert_string_equal(c.m[1].topic,
	    "homeassistant/sensor/mpp_mppsolar_device_mode/state");
	assert_string_equal(c.m[1].payload, "Standby");
	pub_rec_free(&c);
	result_free(&r);
}

static void
test_hassd_alias_hassd_mqtt2(void **state)
{
	struct result r;
	struct out_opts o = opts("X");
	struct pub_rec a = { 0 }, b = { 0 };
	char *ta, *tb;

	mk_qmod(&r);
	assert_int_equal(output_mqtt("hassd_mqtt", &r, &o, pub_rec_fn, &a), 0);
	assert_int_equal(output_mqtt("hassd_mqtt2", &r, &o, pub_rec_fn, &b), 0);
	ta = cap_text(&a);
	tb = cap_text(&b);
	assert_string_equal(ta, tb);
	assert_int_equal(b.m[0].retain, 1);
	free(ta);
	free(tb);
	pub_rec_free(&a);
	pub_rec_free(&b);
	result_free(&r);
}

static void
test_hassd_availability_after_reference_keys(void **state)
{
	struct result r;
	struct out_opts o = opts(NULL);
	struct pub_rec c = { 0 };

	o.device = "inv1";
	o.hostname = "pi";
	o.availability = 1;
	mk_qmod(&r);
	assert_int_equal(output_mqtt("hassd_mqtt", &r, &o, pub_rec_fn, &c), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.m[0].payload,
	    "{\"name\": \"QMOD Device Mode\", \"state_topic\": "
	    "\"homeassistant/sensor/mpp_QMOD_device_mode/state\", "
	    "\"unique_id\": \"mpp_QMOD_device_mode\", \"force_update\": "
	    "\"true\", \"device\": {\"name\": \"inv1\", \"identifiers\": "
	    "[\"inv1\"], \"model\": \"inv1\", \"manufacturer\": "
	    "\"MPP-Solar\"}, \"availability\": [{\"topic\": "
	    "\"pi/mppd/status\"}, {\"topic\": \"pi/inv1/availability\"}], "
	    "\"availability_mode\": \"all\"}");
	assert_string_equal(c.m[1].payload, "Standby");
	pub_rec_free(&c);
	/* Off by default. */
	o.availability = 0;
	assert_int_equal(output_mqtt("hassd_mqtt", &r, &o, pub_rec_fn, &c), 0);
	assert_null(strstr(c.m[0].payload, "availability"));
	pub_rec_free(&c);
	result_free(&r);
}

static void
test_hassd_uid_prefix_in_ids_and_topics(void **state)
{
	struct result r;
	struct out_opts o = opts(NULL);
	struct pub_rec c = { 0 };

	o.device = "inv2";
	o.uid_prefix = "inv2";
	head(&r, "QPIGS", "x");
	result_set(&r, "Is Load On", val_int(1), "bool", EX_ABSENT, NULL, 0);
	assert_int_equal(output_mqtt("hassd_mqtt", &r, &o, pub_rec_fn, &c), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.m[0].topic,
	    "homeassistant/binary_sensor/mpp_inv2_QPIGS_is_load_on/config");
	assert_string_equal(c.m[0].payload,
	    "{\"name\": \"QPIGS Is Load On\", \"state_topic\": "
	    "\"homeassistant/binary_sensor/mpp_inv2_QPIGS_is_load_on/state\", "
	    "\"unique_id\": \"mpp_inv2_QPIGS_is_load_on\", \"force_update\": "
	    "\"true\", \"device\": {\"name\": \"inv2\", \"identifiers\": "
	    "[\"inv2\"], \"model\": \"inv2\", \"manufacturer\": "
	    "\"MPP-Solar\"}}");
	assert_string_equal(c.m[1].topic,
	    "homeassistant/binary_sensor/mpp_inv2_QPIGS_is_load_on/state");
	assert_string_equal(c.m[1].payload, "ON");
	pub_rec_free(&c);
	result_free(&r);
}

static void
test_hassd_filter_keepcase(void **state)
{
	struct result r;
	struct out_opts o = opts(NULL);
	struct pub_rec c = { 0 };

	o.keepcase = 1;
	o.exclfilter = re("Power|Voltage");
	mk_qpigs2(&r);
	assert_int_equal(output_mqtt("hassd_mqtt", &r, &o, pub_rec_fn, &c), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.m[0].topic,
	    "homeassistant/sensor/mpp_QPIGS2_PV2_Input_Current/config");
	assert_string_equal(c.m[1].topic,
	    "homeassistant/sensor/mpp_QPIGS2_PV2_Input_Current/state");
	pub_rec_free(&c);
	pcre2_code_free((void *)o.exclfilter);
	result_free(&r);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_hass_matches_reference_capture),
	cmocka_unit_test(test_hass_no_tag_uses_command),
	cmocka_unit_test(test_hass_binary_sensors_on_off),
	cmocka_unit_test(test_hass_bool_unit_and_raw_utf8_unit),
	cmocka_unit_test(test_hass_tag_with_spaces),
	cmocka_unit_test(test_hass_keepcase_and_filter),
	cmocka_unit_test(test_hassd_configs_first_then_states),
	cmocka_unit_test(test_hassd_energy_overrides_and_last_reset),
	cmocka_unit_test(test_hassd_extra_unit_override),
	cmocka_unit_test(test_hassd_non_ascii_escaped_default_device_binary),
	cmocka_unit_test(test_hassd_tag_fallbacks),
	cmocka_unit_test(test_hassd_alias_hassd_mqtt2),
	cmocka_unit_test(test_hassd_availability_after_reference_keys),
	cmocka_unit_test(test_hassd_uid_prefix_in_ids_and_topics),
	cmocka_unit_test(test_hassd_filter_keepcase),
};

#include "testmain.h"
MPPD_TEST_MAIN(tests)

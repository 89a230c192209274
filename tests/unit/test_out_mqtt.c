/*
 * test_out_mqtt.c - the *_mqtt processors: every topic and payload byte for
 * byte against the reference's captures (reference/OUTPUTS.md), message
 * order, QoS/retain, and mppd's hassd extensions (availability, uid_prefix).
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <ctype.h>
#include <math.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "output.h"
#include "proto.h"
#include "result.h"
#include "sbuf.h"

/* ---- results built by hand, values as in the golden vectors ---- */

static const struct result_kv x_current[] = {
	{ "icon", "mdi:solar-power" }, { "device-class", "current" } };
static const struct result_kv x_voltage[] = {
	{ "icon", "mdi:solar-power" }, { "device-class", "voltage" } };
static const struct result_kv x_power[] = {
	{ "icon", "mdi:solar-power" }, { "device-class", "power" },
	{ "state_class", "measurement" } };
static const struct result_kv x_unit_kwh[] = { { "unit", "kWh" } };

static void
head(struct result *r, const char *cmd, const char *desc)
{
	result_init(r);
	result_set_plain(r, "_command", cmd);
	result_set_plain(r, "_command_description", desc);
}

/* PI30MAX QPIGS2 (test0): the OUTPUTS.md example. */
static void
mk_qpigs2(struct result *r)
{
	head(r, "QPIGS2", "General Status Parameters inquiry 2");
	result_set_str(r, "raw_response", "(03.1 327.3 01026 \xc3\x89\xc2\x8b\r",
	    "");
	result_set(r, "PV2 Input Current", val_float(3.1), "A", EX_DICT,
	    x_current, 2);
	result_set(r, "PV2 Input Voltage", val_float(327.3), "V", EX_DICT,
	    x_voltage, 2);
	result_set(r, "PV2 Charging Power", val_int(1026), "W", EX_DICT,
	    x_power, 3);
}

static void
mk_qmod(struct result *r)
{
	head(r, "QMOD", "Mode inquiry");
	result_set_str(r, "Device Mode", "Standby", "");
}

static void
mk_qflag(struct result *r)
{
	head(r, "QFLAG", "Flag Status inquiry");
	result_set_str(r, "raw_response", "(EakxyDbjuvz/)\r", "");
	result_set_str(r, "Buzzer", "enabled", "");
	result_set_str(r, "Overload Bypass", "disabled", "");
}

/* A few PI30 QPIGS rows: %, a non-ASCII unit, bools. */
static void
mk_qpigs(struct result *r)
{
	head(r, "QPIGS", "General Status Parameters inquiry");
	result_set(r, "Battery Capacity", val_int(100), "%", EX_ABSENT,
	    NULL, 0);
	result_set(r, "Inverter Heat Sink Temperature", val_int(69),
	    "\xc2\xb0" "C", EX_ABSENT, NULL, 0);
	result_set(r, "Is Load On", val_int(1), "bool", EX_ABSENT, NULL, 0);
	result_set(r, "Is Charging to Float", val_int(0), "bool", EX_ABSENT,
	    NULL, 0);
}

static void
mk_qet(struct result *r)
{
	head(r, "QET", "Total PV Generated Energy Inquiry");
	result_set(r, "Total PV Generated Energy", val_int(238800), "Wh",
	    EX_ABSENT, NULL, 0);
}

/* ---- capturing publisher ---- */

#define CAP_MAX	64

struct cap {
	int	 n;
	char	*topic[CAP_MAX];
	char	*payload[CAP_MAX];
	size_t	 len[CAP_MAX];
	int	 qos[CAP_MAX];
	int	 retain[CAP_MAX];
};

static void
cap_fn(void *arg, const char *topic, const char *payload, size_t len,
    int qos, int retain)
{
	struct cap *c = arg;

	assert_true(c->n < CAP_MAX);
	c->topic[c->n] = xstrdup(topic);
	c->payload[c->n] = xstrndup(payload, len);
	c->len[c->n] = len;
	c->qos[c->n] = qos;
	c->retain[c->n] = retain;
	c->n++;
}

static void
cap_free(struct cap *c)
{
	for (int i = 0; i < c->n; i++) {
		free(c->topic[i]);
		free(c->payload[i]);
	}
	c->n = 0;
}

/* "topic payload\n" per message, as mosquitto_sub -v prints them. */
static char *
cap_text(const struct cap *c)
{
	struct sbuf s = SBUF_INIT;

	for (int i = 0; i < c->n; i++)
		sbuf_printf(&s, "%s %s\n", c->topic[i], c->payload[i]);
	return sbuf_steal(&s);
}

static struct out_opts
opts(const char *tag)
{
	struct out_opts o;

	memset(&o, 0, sizeof(o));
	o.tag = tag;
	return o;
}

/* Runs processor name on r and checks the whole capture text. */
static void
check(const char *name, const struct result *r, const struct out_opts *o,
    const char *want)
{
	struct cap c = { 0 };
	char *got;

	assert_int_equal(output_mqtt(name, r, o, cap_fn, &c), 0);
	got = cap_text(&c);
	assert_string_equal(got, want);
	free(got);
	cap_free(&c);
}

/* The same through the "screen" debug publisher. */
static void
check_screen(const char *name, const struct result *r,
    const struct out_opts *o, const char *want)
{
	struct sbuf s = SBUF_INIT;

	assert_int_equal(output_mqtt(name, r, o, output_screen_publisher, &s),
	    0);
	assert_string_equal(sbuf_str(&s), want);
	sbuf_free(&s);
}

static void *
re(const char *pat)
{
	int err;
	PCRE2_SIZE off;
	pcre2_code *c = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
	    0, &err, &off, NULL);

	assert_non_null(c);
	return c;
}

#define SCR "mqtt debug output only as broker name is 'screen' - "

/* ---- mqtt ---- */

static void
test_mqtt_value_and_unit_topics_under_tag_status(void **state)
{
	struct result r;
	struct out_opts o = opts("QPIGS2");

	mk_qpigs2(&r);
	check_screen("mqtt", &r, &o,
	    SCR "topic: 'QPIGS2/status/pv2_input_current/value', payload: '3.1'\n"
	    SCR "topic: 'QPIGS2/status/pv2_input_current/unit', payload: 'A'\n"
	    SCR "topic: 'QPIGS2/status/pv2_input_voltage/value', payload: '327.3'\n"
	    SCR "topic: 'QPIGS2/status/pv2_input_voltage/unit', payload: 'V'\n"
	    SCR "topic: 'QPIGS2/status/pv2_charging_power/value', payload: '1026'\n"
	    SCR "topic: 'QPIGS2/status/pv2_charging_power/unit', payload: 'W'\n");
	result_free(&r);
}

static void
test_mqtt_keepcase_and_tag(void **state)
{
	struct result r;
	struct out_opts o = opts("mytag");

	o.keepcase = 1;
	mk_qpigs2(&r);
	check("mqtt", &r, &o,
	    "mytag/status/PV2_Input_Current/value 3.1\n"
	    "mytag/status/PV2_Input_Current/unit A\n"
	    "mytag/status/PV2_Input_Voltage/value 327.3\n"
	    "mytag/status/PV2_Input_Voltage/unit V\n"
	    "mytag/status/PV2_Charging_Power/value 1026\n"
	    "mytag/status/PV2_Charging_Power/unit W\n");
	result_free(&r);
}

static void
test_mqtt_no_tag_uses_command_and_skips_empty_unit(void **state)
{
	struct result r;
	struct out_opts o = opts(NULL);

	mk_qmod(&r);
	check("mqtt", &r, &o, "QMOD/status/device_mode/value Standby\n");
	/* An empty tag (empty -c) counts as missing, as in the reference. */
	o.tag = "";
	check("mqtt", &r, &o, "QMOD/status/device_mode/value Standby\n");
	o.tag = "mytag";
	check("mqtt", &r, &o, "mytag/status/device_mode/value Standby\n");
	result_free(&r);
}

static void
test_mqtt_filter_and_exclfilter_on_transformed_key(void **state)
{
	struct result r;
	struct out_opts o = opts("QPIGS2");

	mk_qpigs2(&r);
	o.filter = re("voltage");
	check("mqtt", &r, &o,
	    "QPIGS2/status/pv2_input_voltage/value 327.3\n"
	    "QPIGS2/status/pv2_input_voltage/unit V\n");
	pcre2_code_free((void *)o.filter);
	o.filter = re("pv2");
	o.exclfilter = re("input");	/* exclusion wins */
	check("mqtt", &r, &o,
	    "QPIGS2/status/pv2_charging_power/value 1026\n"
	    "QPIGS2/status/pv2_charging_power/unit W\n");
	pcre2_code_free((void *)o.filter);
	pcre2_code_free((void *)o.exclfilter);
	/* Upper-case filter never matches lower-cased keys. */
	o.filter = re("Voltage");
	o.exclfilter = NULL;
	check("mqtt", &r, &o, "");
	pcre2_code_free((void *)o.filter);
	result_free(&r);
}

static void
test_mqtt_payload_python_str_and_none_empty(void **state)
{
	struct result r;
	struct out_opts o = opts("T");
	struct cap c = { 0 };

	result_init(&r);
	result_set(&r, "Zero", val_float(0.0), "", EX_ABSENT, NULL, 0);
	result_set(&r, "Nan", val_float(NAN), "", EX_ABSENT, NULL, 0);
	result_set(&r, "Big", val_int_text("92911906100045"), "", EX_ABSENT,
	    NULL, 0);
	result_set(&r, "Nothing", (struct value){ V_NONE, NULL, 0 }, "",
	    EX_NONE, NULL, 0);
	assert_int_equal(output_mqtt("mqtt", &r, &o, cap_fn, &c), 0);
	assert_int_equal(c.n, 4);
	assert_string_equal(c.payload[0], "0.0");
	assert_string_equal(c.payload[1], "nan");
	assert_string_equal(c.payload[2], "92911906100045");
	assert_string_equal(c.topic[3], "T/status/nothing/value");
	assert_int_equal(c.len[3], 0);
	cap_free(&c);
	result_free(&r);
}

/* Without tag and without _command, the reference's f-string says None. */
static void
test_mqtt_no_tag_no_command_is_python_none(void **state)
{
	struct result r;
	struct out_opts o = opts(NULL);

	result_init(&r);
	result_error(&r, "boom");
	check("mqtt", &r, &o, "None/status/error/value boom\n");
	result_free(&r);
}

/* ---- json_mqtt ---- */

static void
test_json_mqtt_default_topic_drops_command(void **state)
{
	struct result r;
	struct out_opts o = opts(NULL);

	mk_qpigs2(&r);
	check("json_mqtt", &r, &o,
	    "QPIGS2/mpp-solar {\"pv2_input_current\": 3.1, "
	    "\"pv2_input_voltage\": 327.3, \"pv2_charging_power\": 1026}\n");
	result_free(&r);
}

static void
test_json_mqtt_results_topic_tag_keepcase_exclfilter(void **state)
{
	struct result r;
	struct out_opts o = opts("inv1");

	o.results_topic = "custom";
	o.keepcase = 1;
	o.exclfilter = re("power");	/* case: does not remove Power */
	mk_qpigs2(&r);
	check_screen("json_mqtt", &r, &o,
	    SCR "topic: 'inv1/custom', payload: '{\"PV2_Input_Current\": 3.1, "
	    "\"PV2_Input_Voltage\": 327.3, \"PV2_Charging_Power\": 1026}'\n");
	pcre2_code_free((void *)o.exclfilter);
	o.exclfilter = NULL;
	o.keepcase = 0;
	o.filter = re("voltage");
	check("json_mqtt", &r, &o,
	    "inv1/custom {\"pv2_input_voltage\": 327.3}\n");
	pcre2_code_free((void *)o.filter);
	result_free(&r);
}

static void
test_json_mqtt_escapes_non_ascii_and_nan(void **state)
{
	struct result r;
	struct out_opts o = opts("T");

	result_init(&r);
	result_set(&r, "Temp \xc2\xb0", val_str("5\xc2\xb0"), "", EX_ABSENT,
	    NULL, 0);
	result_set(&r, "X", val_float(NAN), "", EX_ABSENT, NULL, 0);
	result_set(&r, "N", (struct value){ V_NONE, NULL, 0 }, "", EX_NONE,
	    NULL, 0);
	check("json_mqtt", &r, &o,
	    "T/mpp-solar {\"temp_\\u00b0\": \"5\\u00b0\", \"x\": NaN, "
	    "\"n\": null}\n");
	result_free(&r);
}

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
	struct cap c = { 0 };

	head(&r, "QPIGS", "x");
	result_set(&r, "Is Load On", val_int(1), "bool", EX_ABSENT, NULL, 0);
	assert_int_equal(output_mqtt("hass_mqtt", &r, &o, cap_fn, &c), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.topic[0],
	    "homeassistant/binary_sensor/mpp_my_tag_is_load_on/config");
	assert_string_equal(c.payload[0],
	    "{\"name\": \"my tag Is Load On\", \"state_topic\": "
	    "\"homeassistant/binary_sensor/mpp_my tag_is_load_on/state\", "
	    "\"unique_id\": \"mpp_my tag_is_load_on\", \"force_update\": "
	    "\"true\" }");
	assert_string_equal(c.topic[1],
	    "homeassistant/binary_sensor/mpp_my tag_is_load_on/state");
	cap_free(&c);
	result_free(&r);
}

static void
test_hass_keepcase_and_filter(void **state)
{
	struct result r;
	struct out_opts o = opts("T");
	struct cap c = { 0 };

	o.keepcase = 1;
	o.filter = re("Voltage");
	mk_qpigs2(&r);
	assert_int_equal(output_mqtt("hass_mqtt", &r, &o, cap_fn, &c), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.topic[0],
	    "homeassistant/sensor/mpp_T_PV2_Input_Voltage/config");
	assert_non_null(strstr(c.payload[0],
	    "\"name\": \"T PV2 Input Voltage\", "));
	assert_non_null(strstr(c.payload[0],
	    "\"unique_id\": \"mpp_T_PV2_Input_Voltage\", "));
	cap_free(&c);
	pcre2_code_free((void *)o.filter);
	result_free(&r);
}

/* Every message except hassd configs: QoS 0, not retained. */
static void
test_all_processors_qos0_not_retained(void **state)
{
	static const char *names[] = { "mqtt", "json_mqtt", "hass_mqtt",
	    "tag_mqtt", "influx_mqtt", "influx2_mqtt", "domoticz_mqtt" };
	struct result r;
	struct out_opts o = opts(NULL);

	mk_qpigs2(&r);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct cap c = { 0 };
		assert_int_equal(output_mqtt(names[i], &r, &o, cap_fn, &c), 0);
		assert_true(c.n > 0);
		for (int m = 0; m < c.n; m++) {
			assert_int_equal(c.qos[m], 0);
			assert_int_equal(c.retain[m], 0);
		}
		cap_free(&c);
	}
	result_free(&r);
}

static void
test_unknown_output_rejected(void **state)
{
	struct result r;
	struct out_opts o = opts(NULL);
	struct cap c = { 0 };

	mk_qmod(&r);
	assert_int_equal(output_mqtt("screen", &r, &o, cap_fn, &c), -1);
	assert_int_equal(output_mqtt("nope_mqtt", &r, &o, cap_fn, &c), -1);
	assert_int_equal(c.n, 0);
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
	struct cap c = { 0 };

	o.device = "d_hassd";
	mk_qpigs2(&r);
	assert_int_equal(output_mqtt("hassd_mqtt", &r, &o, cap_fn, &c), 0);
	assert_int_equal(c.n, 6);
	assert_string_equal(c.topic[0],
	    "homeassistant/sensor/mpp_QPIGS2_pv2_input_current/config");
	assert_string_equal(c.payload[0],
	    "{\"name\": \"QPIGS2 PV2 Input Current\", \"state_topic\": "
	    "\"homeassistant/sensor/mpp_QPIGS2_pv2_input_current/state\", "
	    "\"unique_id\": \"mpp_QPIGS2_pv2_input_current\", "
	    "\"force_update\": \"true\", \"unit_of_measurement\": \"A\", "
	    DEV_D_HASSD ", \"device_class\": \"current\", "
	    "\"icon\": \"mdi:solar-power\"}");
	assert_string_equal(c.topic[1],
	    "homeassistant/sensor/mpp_QPIGS2_pv2_input_voltage/config");
	assert_string_equal(c.payload[1],
	    "{\"name\": \"QPIGS2 PV2 Input Voltage\", \"state_topic\": "
	    "\"homeassistant/sensor/mpp_QPIGS2_pv2_input_voltage/state\", "
	    "\"unique_id\": \"mpp_QPIGS2_pv2_input_voltage\", "
	    "\"force_update\": \"true\", \"unit_of_measurement\": \"V\", "
	    DEV_D_HASSD ", \"device_class\": \"voltage\", "
	    "\"icon\": \"mdi:solar-power\"}");
	assert_string_equal(c.topic[2],
	    "homeassistant/sensor/mpp_QPIGS2_pv2_charging_power/config");
	assert_string_equal(c.payload[2],
	    "{\"name\": \"QPIGS2 PV2 Charging Power\", \"state_topic\": "
	    "\"homeassistant/sensor/mpp_QPIGS2_pv2_charging_power/state\", "
	    "\"unique_id\": \"mpp_QPIGS2_pv2_charging_power\", "
	    "\"force_update\": \"true\", \"unit_of_measurement\": \"W\", "
	    DEV_D_HASSD ", \"device_class\": \"power\", "
	    "\"state_class\": \"measurement\", \"icon\": \"mdi:solar-power\"}");
	assert_string_equal(c.topic[3],
	    "homeassistant/sensor/mpp_QPIGS2_pv2_input_current/state");
	assert_string_equal(c.payload[3], "3.1");
	assert_string_equal(c.topic[4],
	    "homeassistant/sensor/mpp_QPIGS2_pv2_input_voltage/state");
	assert_string_equal(c.payload[4], "327.3");
	assert_string_equal(c.topic[5],
	    "homeassistant/sensor/mpp_QPIGS2_pv2_charging_power/state");
	assert_string_equal(c.payload[5], "1026");
	/* SPEC §3.4: discovery configs retained; states are not. */
	for (int i = 0; i < 6; i++) {
		assert_int_equal(c.qos[i], 0);
		assert_int_equal(c.retain[i], i < 3);
	}
	cap_free(&c);
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
	struct cap c = { 0 };
	const char *lr, *pre = "\"last_reset\": \"";
	char today[16];
	time_t now = time(NULL);
	struct tm tm;
	struct sbuf fixed = SBUF_INIT;
	size_t n;

	o.device = "d_hassd";
	mk_qet(&r);
	assert_int_equal(output_mqtt("hassd_mqtt", &r, &o, cap_fn, &c), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.topic[0],
	    "homeassistant/sensor/mpp_QET_total_pv_generated_energy/config");
	lr = strstr(c.payload[0], pre);
	assert_non_null(lr);
	lr += strlen(pre);
	n = py_datetime_len(lr);
	assert_true(n == 19 || n == 26);
	/* Local date of today (the test does not run across midnight). */
	localtime_r(&now, &tm);
	strftime(today, sizeof(today), "%Y-%m-%d", &tm);
	assert_memory_equal(lr, today, 10);
	sbuf_add(&fixed, c.payload[0], (size_t)(lr - c.payload[0]));
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
	assert_string_equal(c.topic[1],
	    "homeassistant/sensor/mpp_QET_total_pv_generated_energy/state");
	assert_string_equal(c.payload[1], "238800");
	sbuf_free(&fixed);
	cap_free(&c);
	result_free(&r);
}

/* An extra "unit" overrides the unit; existing keys keep their place. */
static void
test_hassd_extra_unit_override(void **state)
{
	struct result r;
	struct out_opts o = opts("T");
	struct cap c = { 0 };
	const char *p;

	result_init(&r);
	result_set(&r, "E", val_int(5), "Wh", EX_DICT, x_unit_kwh, 1);
	assert_int_equal(output_mqtt("hassd_mqtt", &r, &o, cap_fn, &c), 0);
	assert_int_equal(c.n, 2);
	p = c.payload[0];
	assert_non_null(strstr(p, "\"unit_of_measurement\": \"kWh\", "
	    "\"device\": {\"name\": \"unnamed\", \"identifiers\": "
	    "[\"unnamed\"], \"model\": \"unnamed\", \"manufacturer\": "
	    "\"MPP-Solar\"}, \"icon\": \"mdi:counter\", "));
	cap_free(&c);
	result_free(&r);
}

static void
test_hassd_non_ascii_escaped_default_device_binary(void **state)
{
	struct result r;
	struct out_opts o = opts(NULL);
	struct cap c = { 0 };

	mk_qpigs(&r);
	assert_int_equal(output_mqtt("hassd_mqtt", &r, &o, cap_fn, &c), 0);
	assert_int_equal(c.n, 8);
	assert_string_equal(c.payload[1],
	    "{\"name\": \"QPIGS Inverter Heat Sink Temperature\", "
	    "\"state_topic\": \"homeassistant/sensor/"
	    "mpp_QPIGS_inverter_heat_sink_temperature/state\", \"unique_id\": "
	    "\"mpp_QPIGS_inverter_heat_sink_temperature\", \"force_update\": "
	    "\"true\", \"unit_of_measurement\": \"\\u00b0C\", \"device\": "
	    "{\"name\": \"unnamed\", \"identifiers\": [\"unnamed\"], "
	    "\"model\": \"unnamed\", \"manufacturer\": \"MPP-Solar\"}}");
	/* bool: binary_sensor, no unit_of_measurement, ON/OFF states. */
	assert_string_equal(c.topic[2],
	    "homeassistant/binary_sensor/mpp_QPIGS_is_load_on/config");
	assert_string_equal(c.payload[2],
	    "{\"name\": \"QPIGS Is Load On\", \"state_topic\": "
	    "\"homeassistant/binary_sensor/mpp_QPIGS_is_load_on/state\", "
	    "\"unique_id\": \"mpp_QPIGS_is_load_on\", \"force_update\": "
	    "\"true\", \"device\": {\"name\": \"unnamed\", \"identifiers\": "
	    "[\"unnamed\"], \"model\": \"unnamed\", \"manufacturer\": "
	    "\"MPP-Solar\"}}");
	assert_string_equal(c.payload[4], "100");
	assert_string_equal(c.payload[5], "69");
	assert_string_equal(c.payload[6], "ON");
	assert_string_equal(c.topic[7],
	    "homeassistant/binary_sensor/mpp_QPIGS_is_charging_to_float/state");
	assert_string_equal(c.payload[7], "OFF");
	cap_free(&c);
	result_free(&r);
}

static void
test_hassd_tag_fallbacks(void **state)
{
	struct result r;
	struct out_opts o = opts("inv 1");
	struct cap c = { 0 };

	mk_qmod(&r);
	assert_int_equal(output_mqtt("hassd_mqtt", &r, &o, cap_fn, &c), 0);
	assert_string_equal(c.topic[0],
	    "homeassistant/sensor/mpp_inv_1_device_mode/config");
	assert_non_null(strstr(c.payload[0], "\"name\": \"inv 1 Device Mode\", "
	    "\"state_topic\": \"homeassistant/sensor/mpp_inv 1_device_mode/"
	    "state\", \"unique_id\": \"mpp_inv 1_device_mode\", "));
	assert_string_equal(c.topic[1],
	    "homeassistant/sensor/mpp_inv 1_device_mode/state");
	cap_free(&c);
	o.tag = NULL;
	assert_int_equal(output_mqtt("hassd_mqtt", &r, &o, cap_fn, &c), 0);
	assert_string_equal(c.topic[0],
	    "homeassistant/sensor/mpp_QMOD_device_mode/config");
	cap_free(&c);
	result_free(&r);
	/* No tag and no command: "mppsolar". */
	result_init(&r);
	result_set_str(&r, "Device Mode", "Standby", "");
	assert_int_equal(output_mqtt("hassd_mqtt", &r, &o, cap_fn, &c), 0);
	assert_string_equal(c.topic[0],
	    "homeassistant/sensor/mpp_mppsolar_device_mode/config");
	assert_string_equal(c.topic[1],
	    "homeassistant/sensor/mpp_mppsolar_device_mode/state");
	assert_string_equal(c.payload[1], "Standby");
	cap_free(&c);
	result_free(&r);
}

static void
test_hassd_alias_hassd_mqtt2(void **state)
{
	struct result r;
	struct out_opts o = opts("X");
	struct cap a = { 0 }, b = { 0 };
	char *ta, *tb;

	mk_qmod(&r);
	assert_int_equal(output_mqtt("hassd_mqtt", &r, &o, cap_fn, &a), 0);
	assert_int_equal(output_mqtt("hassd_mqtt2", &r, &o, cap_fn, &b), 0);
	ta = cap_text(&a);
	tb = cap_text(&b);
	assert_string_equal(ta, tb);
	assert_int_equal(b.retain[0], 1);
	free(ta);
	free(tb);
	cap_free(&a);
	cap_free(&b);
	result_free(&r);
}

static void
test_hassd_availability_after_reference_keys(void **state)
{
	struct result r;
	struct out_opts o = opts(NULL);
	struct cap c = { 0 };

	o.device = "inv1";
	o.hostname = "pi";
	o.availability = 1;
	mk_qmod(&r);
	assert_int_equal(output_mqtt("hassd_mqtt", &r, &o, cap_fn, &c), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.payload[0],
	    "{\"name\": \"QMOD Device Mode\", \"state_topic\": "
	    "\"homeassistant/sensor/mpp_QMOD_device_mode/state\", "
	    "\"unique_id\": \"mpp_QMOD_device_mode\", \"force_update\": "
	    "\"true\", \"device\": {\"name\": \"inv1\", \"identifiers\": "
	    "[\"inv1\"], \"model\": \"inv1\", \"manufacturer\": "
	    "\"MPP-Solar\"}, \"availability\": [{\"topic\": "
	    "\"pi/mppd/status\"}, {\"topic\": \"pi/inv1/availability\"}], "
	    "\"availability_mode\": \"all\"}");
	assert_string_equal(c.payload[1], "Standby");
	cap_free(&c);
	/* Off by default. */
	o.availability = 0;
	assert_int_equal(output_mqtt("hassd_mqtt", &r, &o, cap_fn, &c), 0);
	assert_null(strstr(c.payload[0], "availability"));
	cap_free(&c);
	result_free(&r);
}

static void
test_hassd_uid_prefix_in_ids_and_topics(void **state)
{
	struct result r;
	struct out_opts o = opts(NULL);
	struct cap c = { 0 };

	o.device = "inv2";
	o.uid_prefix = "inv2";
	head(&r, "QPIGS", "x");
	result_set(&r, "Is Load On", val_int(1), "bool", EX_ABSENT, NULL, 0);
	assert_int_equal(output_mqtt("hassd_mqtt", &r, &o, cap_fn, &c), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.topic[0],
	    "homeassistant/binary_sensor/mpp_inv2_QPIGS_is_load_on/config");
	assert_string_equal(c.payload[0],
	    "{\"name\": \"QPIGS Is Load On\", \"state_topic\": "
	    "\"homeassistant/binary_sensor/mpp_inv2_QPIGS_is_load_on/state\", "
	    "\"unique_id\": \"mpp_inv2_QPIGS_is_load_on\", \"force_update\": "
	    "\"true\", \"device\": {\"name\": \"inv2\", \"identifiers\": "
	    "[\"inv2\"], \"model\": \"inv2\", \"manufacturer\": "
	    "\"MPP-Solar\"}}");
	assert_string_equal(c.topic[1],
	    "homeassistant/binary_sensor/mpp_inv2_QPIGS_is_load_on/state");
	assert_string_equal(c.payload[1], "ON");
	cap_free(&c);
	result_free(&r);
}

static void
test_hassd_filter_keepcase(void **state)
{
	struct result r;
	struct out_opts o = opts(NULL);
	struct cap c = { 0 };

	o.keepcase = 1;
	o.exclfilter = re("Power|Voltage");
	mk_qpigs2(&r);
	assert_int_equal(output_mqtt("hassd_mqtt", &r, &o, cap_fn, &c), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.topic[0],
	    "homeassistant/sensor/mpp_QPIGS2_PV2_Input_Current/config");
	assert_string_equal(c.topic[1],
	    "homeassistant/sensor/mpp_QPIGS2_PV2_Input_Current/state");
	cap_free(&c);
	pcre2_code_free((void *)o.exclfilter);
	result_free(&r);
}

/* ---- tag_mqtt ---- */

static void
test_tag_mqtt_topics(void **state)
{
	struct result r;
	struct out_opts o = opts(NULL);

	mk_qpigs2(&r);
	check("tag_mqtt", &r, &o,
	    "mpp-solar/pv2_input_current 3.1\n"
	    "mpp-solar/pv2_input_voltage 327.3\n"
	    "mpp-solar/pv2_charging_power 1026\n");
	o.filter = re("current");
	o.tag = "QPIGS2";
	check_screen("tag_mqtt", &r, &o,
	    SCR "topic: 'QPIGS2/pv2_input_current', payload: '3.1'\n");
	pcre2_code_free((void *)o.filter);
	result_free(&r);
	mk_qmod(&r);
	o = opts("tagged");
	check("tag_mqtt", &r, &o, "tagged/device_mode Standby\n");
	o = opts("QMOD");
	o.keepcase = 1;
	check("tag_mqtt", &r, &o, "QMOD/Device_Mode Standby\n");
	result_free(&r);
}

/* ---- influx_mqtt / influx2_mqtt ---- */

static void
test_influx_mqtt_payloads(void **state)
{
	struct result r;
	struct out_opts o = opts(NULL);

	o.mqtt_topic = "lasttopic";
	mk_qpigs2(&r);
	o.filter = re("current");
	check("influx_mqtt", &r, &o,
	    "lasttopic QPIGS2,setting=pv2_input_current value=3.1,unit=A\n");
	pcre2_code_free((void *)o.filter);
	o = opts("inv1");
	o.mqtt_topic = "mytopic";
	check_screen("influx_mqtt", &r, &o,
	    SCR "topic: 'mytopic', payload: 'inv1,setting=pv2_input_current "
	    "value=3.1,unit=A'\n"
	    SCR "topic: 'mytopic', payload: 'inv1,setting=pv2_input_voltage "
	    "value=327.3,unit=V'\n"
	    SCR "topic: 'mytopic', payload: 'inv1,setting=pv2_charging_power "
	    "value=1026,unit=W'\n");
	result_free(&r);
	mk_qmod(&r);
	o = opts(NULL);
	o.mqtt_topic = "lasttopic";
	check("influx_mqtt", &r, &o,
	    "lasttopic QMOD,setting=device_mode value=Standby\n");
	o.mqtt_topic = NULL;	/* default topic */
	o.keepcase = 1;
	check("influx_mqtt", &r, &o,
	    "mpp-solar QMOD,setting=Device_Mode value=Standby\n");
	result_free(&r);
}

static void
test_influx2_mqtt_payloads(void **state)
{
	struct result r;
	struct out_opts o = opts(NULL);

	o.mqtt_topic = "lasttopic";
	mk_qpigs2(&r);
	o.exclfilter = re("power|voltage");
	check("influx2_mqtt", &r, &o,
	    "lasttopic lasttopic,command=QPIGS2 pv2_input_current=3.1\n");
	pcre2_code_free((void *)o.exclfilter);
	o = opts("QPIGS2");	/* CLI default topic */
	o.filter = re("power");
	check("influx2_mqtt", &r, &o,
	    "mpp-solar mpp-solar,command=QPIGS2 pv2_charging_power=1026\n");
	pcre2_code_free((void *)o.filter);
	result_free(&r);
	mk_qmod(&r);
	o = opts(NULL);
	o.mqtt_topic = "lasttopic";
	check("influx2_mqtt", &r, &o,
	    "lasttopic lasttopic,command=QMOD device_mode=\"Standby\"\n");
	result_free(&r);
	/* None is not int/float: quoted, as the reference's f-string. */
	result_init(&r);
	result_set(&r, "N", (struct value){ V_NONE, NULL, 0 }, "", EX_NONE,
	    NULL, 0);
	o = opts("t");
	check("influx2_mqtt", &r, &o, "mpp-solar mpp-solar,command=t n=\"None\"\n");
	check("influx_mqtt", &r, &o, "mpp-solar t,setting=n value=None\n");
	result_free(&r);
}

/* ---- domoticz_mqtt ---- */

static void
test_domoticz_matches_reference(void **state)
{
	struct result r;
	struct out_opts o = opts("None");

	mk_qpigs2(&r);
	o.filter = re("current");
	check("domoticz_mqtt", &r, &o,
	    "domoticz/sensor/mpp_None_pv2_input_current/state 3.1 A\n");
	pcre2_code_free((void *)o.filter);
	result_free(&r);
	mk_qmod(&r);
	o = opts("None");
	check("domoticz_mqtt", &r, &o,
	    "domoticz/sensor/mpp_None_device_mode/state Standby\n");
	result_free(&r);
	mk_qpigs(&r);
	o = opts("QPIGS");
	check_screen("domoticz_mqtt", &r, &o,
	    SCR "topic: 'domoticz/sensor/mpp_QPIGS_battery_capacity/state', "
	    "payload: '100 %'\n"
	    SCR "topic: 'domoticz/sensor/mpp_QPIGS_inverter_heat_sink_"
	    "temperature/state', payload: '69'\n"
	    SCR "topic: 'domoticz/sensor/mpp_QPIGS_is_load_on/state', "
	    "payload: '1'\n"
	    SCR "topic: 'domoticz/sensor/mpp_QPIGS_is_charging_to_float/"
	    "state', payload: '0'\n");
	result_free(&r);
}

/* SPEC decision: no tag -> the command; spaces -> "_" in the topic. */
static void
test_domoticz_no_tag_uses_command_and_spaces(void **state)
{
	struct result r;
	struct out_opts o = opts(NULL);

	mk_qmod(&r);
	check("domoticz_mqtt", &r, &o,
	    "domoticz/sensor/mpp_QMOD_device_mode/state Standby\n");
	o = opts("my tag");
	o.keepcase = 1;
	check("domoticz_mqtt", &r, &o,
	    "domoticz/sensor/mpp_my_tag_Device_Mode/state Standby\n");
	result_free(&r);
}

/* ---- screen publisher ---- */

static void
test_screen_publisher_line_format(void **state)
{
	struct sbuf s = SBUF_INIT;

	output_screen_publisher(&s, "a/b", "3.1xyz", 3, 0, 0);
	output_screen_publisher(&s, "a/c", "", 0, 1, 1);
	assert_string_equal(sbuf_str(&s),
	    "mqtt debug output only as broker name is 'screen' - "
	    "topic: 'a/b', payload: '3.1'\n"
	    "mqtt debug output only as broker name is 'screen' - "
	    "topic: 'a/c', payload: ''\n");
	sbuf_free(&s);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_mqtt_value_and_unit_topics_under_tag_status),
	cmocka_unit_test(test_mqtt_keepcase_and_tag),
	cmocka_unit_test(test_mqtt_no_tag_uses_command_and_skips_empty_unit),
	cmocka_unit_test(test_mqtt_filter_and_exclfilter_on_transformed_key),
	cmocka_unit_test(test_mqtt_payload_python_str_and_none_empty),
	cmocka_unit_test(test_mqtt_no_tag_no_command_is_python_none),
	cmocka_unit_test(test_json_mqtt_default_topic_drops_command),
	cmocka_unit_test(test_json_mqtt_results_topic_tag_keepcase_exclfilter),
	cmocka_unit_test(test_json_mqtt_escapes_non_ascii_and_nan),
	cmocka_unit_test(test_hass_matches_reference_capture),
	cmocka_unit_test(test_hass_no_tag_uses_command),
	cmocka_unit_test(test_hass_binary_sensors_on_off),
	cmocka_unit_test(test_hass_bool_unit_and_raw_utf8_unit),
	cmocka_unit_test(test_hass_tag_with_spaces),
	cmocka_unit_test(test_hass_keepcase_and_filter),
	cmocka_unit_test(test_all_processors_qos0_not_retained),
	cmocka_unit_test(test_unknown_output_rejected),
	cmocka_unit_test(test_hassd_configs_first_then_states),
	cmocka_unit_test(test_hassd_energy_overrides_and_last_reset),
	cmocka_unit_test(test_hassd_extra_unit_override),
	cmocka_unit_test(test_hassd_non_ascii_escaped_default_device_binary),
	cmocka_unit_test(test_hassd_tag_fallbacks),
	cmocka_unit_test(test_hassd_alias_hassd_mqtt2),
	cmocka_unit_test(test_hassd_availability_after_reference_keys),
	cmocka_unit_test(test_hassd_uid_prefix_in_ids_and_topics),
	cmocka_unit_test(test_hassd_filter_keepcase),
	cmocka_unit_test(test_tag_mqtt_topics),
	cmocka_unit_test(test_influx_mqtt_payloads),
	cmocka_unit_test(test_influx2_mqtt_payloads),
	cmocka_unit_test(test_domoticz_matches_reference),
	cmocka_unit_test(test_domoticz_no_tag_uses_command_and_spaces),
	cmocka_unit_test(test_screen_publisher_line_format),
};

#include "testmain.h"
MPPD_TEST_MAIN(tests)

/*
 * test_out_mqtt.c - the *_mqtt processors but Home Assistant's: every topic
 * and payload byte for byte against the reference's captures for mqtt,
 * json_mqtt, tag_mqtt, influx_mqtt, influx2_mqtt and domoticz_mqtt, the
 * screen publisher, and QoS/retain of every processor.  hass_mqtt and hassd_mqtt are in test_out_hass_mqtt.c;
 * the fixture is tests/support/out_mqtt_env.h.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "out_mqtt_env.h"

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
	struct pub_rec c = { 0 };

	result_init(&r);
	result_set(&r, "Zero", val_float(0.0), "", EX_ABSENT, NULL, 0);
	result_set(&r, "Nan", val_float(NAN), "", EX_ABSENT, NULL, 0);
	result_set(&r, "Big", val_int_text("92911906100045"), "", EX_ABSENT,
	    NULL, 0);
	result_set(&r, "Nothing", (struct value){ V_NONE, NULL, 0 }, "",
	    EX_NONE, NULL, 0);
	assert_int_equal(output_mqtt("mqtt", &r, &o, pub_rec_fn, &c), 0);
	assert_int_equal(c.n, 4);
	assert_string_equal(c.m[0].payload, "0.0");
	assert_string_equal(c.m[1].payload, "nan");
	assert_string_equal(c.m[2].payload, "92911906100045");
	assert_string_equal(c.m[3].topic, "T/status/nothing/value");
	assert_int_equal(c.m[3].len, 0);
	pub_rec_free(&c);
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
		struct pub_rec c = { 0 };
		assert_int_equal(output_mqtt(names[i], &r, &o, pub_rec_fn, &c), 0);
		assert_true(c.n > 0);
		for (int m = 0; m < c.n; m++) {
			assert_int_equal(c.m[m].qos, 0);
			assert_int_equal(c.m[m].retain, 0);
		}
		pub_rec_free(&c);
	}
	result_free(&r);
}

static void
test_unknown_output_rejected(void **state)
{
	struct result r;
	struct out_opts o = opts(NULL);
	struct pub_rec c = { 0 };

	mk_qmod(&r);
	assert_int_equal(output_mqtt("screen", &r, &o, pub_rec_fn, &c), -1);
	assert_int_equal(output_mqtt("nope_mqtt", &r, &o, pub_rec_fn, &c), -1);
	assert_int_equal(c.n, 0);
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
	cmocka_unit_test(test_all_processors_qos0_not_retained),
	cmocka_unit_test(test_unknown_output_rejected),
	cmocka_unit_test(test_tag_mqtt_topics),
	cmocka_unit_test(test_influx_mqtt_payloads),
	cmocka_unit_test(test_influx2_mqtt_payloads),
	cmocka_unit_test(test_domoticz_matches_reference),
	cmocka_unit_test(test_domoticz_no_tag_uses_command_and_spaces),
	cmocka_unit_test(test_screen_publisher_line_format),
};

#include "testmain.h"
MPPD_TEST_MAIN(tests)

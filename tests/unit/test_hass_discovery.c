/*
 * test_hass_discovery.c - the output registry (one table: names, alias,
 * kind, processor) and the hassd discovery pieces the daemon publishes
 * apart: configs and states separately give exactly the full output, and
 * the configs' signature changes when, and only when, the configs do.
 */
#include <stdlib.h>
#include <string.h>

#include "testmain.h"
#include "hass_discovery.h"
#include "output.h"
#include "proto.h"
#include "result.h"
#include "sbuf.h"

static const struct result_kv x_current[] = {
	{ "icon", "mdi:solar-power" }, { "device-class", "current" } };
static const struct result_kv x_power[] = {
	{ "icon", "mdi:solar-power" }, { "device-class", "power" } };

/* A QPIGS2-like result; amps and watts vary, the shape does not. */
static void
mk(struct result *r, double amps, long long watts)
{
	result_init(r);
	result_set_plain(r, "_command", "QPIGS2");
	result_set_plain(r, "_command_description", "General Status 2");
	result_set(r, "PV2 Input Current", val_float(amps), "A", EX_DICT,
	    x_current, 2);
	result_set(r, "PV2 Charging Power", val_int(watts), "W", EX_DICT,
	    x_power, 2);
}

/* "topic|retain|payload\n" per message. */
static void
cap(void *arg, const char *topic, const char *payload, size_t len, int qos,
    int retain)
{
	struct sbuf *s = arg;

	sbuf_printf(s, "%s|%d|%d|", topic, qos, retain);
	sbuf_add(s, payload, len);
	sbuf_addc(s, '\n');
}

static void
test_registry_resolves_names_and_alias(void **state)
{
	const struct output_def *d = output_find("hassd_mqtt");

	assert_non_null(d);
	assert_ptr_equal(output_find("hassd_mqtt2"), d);
	assert_string_equal(output_canonical("hassd_mqtt2"), "hassd_mqtt");
	assert_null(output_find("hassd_mqtt3"));
	assert_null(output_find(NULL));
	assert_int_equal(output_kind("nope"), OUT_UNKNOWN);
	/* every help line names a registry row whose processor fits its
	 * kind; only hassd_mqtt publishes discovery apart */
	for (int i = 0; output_help[i][0] != NULL; i++) {
		const struct output_def *r = output_find(output_help[i][0]);
		assert_non_null(r);
		assert_string_equal(r->name, output_help[i][0]);
		assert_string_equal(r->help, output_help[i][1]);
		if (r->kind == OUT_TEXT)
			assert_non_null(r->text);
		else if (r->kind == OUT_SINK)
			assert_non_null(r->sink);
		else {
			assert_int_equal(r->kind, OUT_MQTT);
			assert_non_null(r->mqtt);
		}
		assert_int_equal(r->discovery != NULL,
		    strcmp(r->name, "hassd_mqtt") == 0);
		assert_int_equal(r->states != NULL, r->discovery != NULL);
	}
	assert_int_equal(output_mqtt("screen", NULL, NULL, cap, NULL), -1);
	assert_int_equal(output_text("mqtt", NULL, NULL, NULL), -1);
}

static void
test_hassd_configs_then_states_is_the_full_output(void **state)
{
	struct result r;
	struct out_opts o;
	struct sbuf full = SBUF_INIT, apart = SBUF_INIT, confs = SBUF_INIT;

	memset(&o, 0, sizeof(o));
	o.device = "dev";
	o.hostname = "th";
	o.availability = 1;
	o.uid_prefix = "dev";
	mk(&r, 3.1, 1026);
	assert_int_equal(output_mqtt("hassd_mqtt", &r, &o, cap, &full), 0);
	hass_out_hassd_configs(&r, &o, cap, &confs);
	hass_out_hassd_configs(&r, &o, cap, &apart);
	hass_out_hassd_states(&r, &o, cap, &apart);
	assert_string_equal(sbuf_str(&apart), sbuf_str(&full));
	/* the configs: two, retained */
	assert_string_equal(sbuf_str(&confs),
	    "homeassistant/sensor/mpp_dev_QPIGS2_pv2_input_current/config|0|1|"
	    "{\"name\": \"QPIGS2 PV2 Input Current\", \"state_topic\": "
	    "\"homeassistant/sensor/mpp_dev_QPIGS2_pv2_input_current/state\", "
	    "\"unique_id\": \"mpp_dev_QPIGS2_pv2_input_current\", "
	    "\"force_update\": \"true\", \"unit_of_measurement\": \"A\", "
	    "\"device\": {\"name\": \"dev\", \"identifiers\": [\"dev\"], "
	    "\"model\": \"dev\", \"manufacturer\": \"MPP-Solar\"}, "
	    "\"device_class\": \"current\", \"icon\": \"mdi:solar-power\", "
	    "\"availability\": [{\"topic\": \"th/mppd/status\"}, "
	    "{\"topic\": \"th/dev/availability\"}], \"availability_mode\": \"all\"}\n"
	    "homeassistant/sensor/mpp_dev_QPIGS2_pv2_charging_power/config|0|1|"
	    "{\"name\": \"QPIGS2 PV2 Charging Power\", \"state_topic\": "
	    "\"homeassistant/sensor/mpp_dev_QPIGS2_pv2_charging_power/state\", "
	    "\"unique_id\": \"mpp_dev_QPIGS2_pv2_charging_power\", "
	    "\"force_update\": \"true\", \"unit_of_measurement\": \"W\", "
	    "\"device\": {\"name\": \"dev\", \"identifiers\": [\"dev\"], "
	    "\"model\": \"dev\", \"manufacturer\": \"MPP-Solar\"}, "
	    "\"device_class\": \"power\", \"icon\": \"mdi:solar-power\", "
	    "\"availability\": [{\"topic\": \"th/mppd/status\"}, "
	    "{\"topic\": \"th/dev/availability\"}], \"availability_mode\": \"all\"}\n");
	result_free(&r);
	sbuf_free(&full);
	sbuf_free(&apart);
	sbuf_free(&confs);
}

static void
test_signature_ignores_values_and_sees_new_fields_units_and_binaries(void **state)
{
	struct result a, b;
	uint64_t sa;

	mk(&a, 3.1, 1026);
	mk(&b, 0.0, 0);
	sa = hass_sensors_signature(&a);
	assert_true(sa != 0);
	/* other values: the same configs */
	assert_true(hass_sensors_signature(&b) == sa);
	/* a new field */
	result_set(&b, "PV2 Input Voltage", val_float(327.3), "V", EX_ABSENT,
	    NULL, 0);
	assert_true(hass_sensors_signature(&b) != sa);
	result_free(&b);
	/* another unit */
	mk(&b, 3.1, 1026);
	result_set(&b, "PV2 Charging Power", val_int(1), "kW", EX_DICT,
	    x_power, 2);
	assert_true(hass_sensors_signature(&b) != sa);
	result_free(&b);
	/* a value that makes the field a binary_sensor: another topic */
	mk(&b, 3.1, 1026);
	result_set(&b, "PV2 Input Current", val_str("enabled"), "A", EX_DICT,
	    x_current, 2);
	assert_true(hass_sensors_signature(&b) != sa);
	result_free(&b);
	/* another command: other ids without a tag */
	mk(&b, 3.1, 1026);
	result_set_plain(&b, "_command", "QPIGS3");
	assert_true(hass_sensors_signature(&b) != sa);
	result_free(&b);
	result_free(&a);
}

/*
 * HA ignores a discovery topic whose object id has anything but
 * [a-zA-Z0-9_-]: the config topic of "Max. charging current" (PI18 MCHGCR)
 * and "Battery constant charge voltage(C.V.)" (PI17 BATS) gets "_" for
 * the dots and brackets, from both hass processors; the state topic (which
 * HA does not restrict) keeps the key.
 */
static void
test_config_topics_carry_only_characters_ha_accepts(void **state)
{
	struct result r;
	struct out_opts o;
	struct sbuf d = SBUF_INIT, h = SBUF_INIT;

	memset(&o, 0, sizeof(o));
	o.device = "inv";
	o.uid_prefix = "inv";
	result_init(&r);
	result_set_plain(&r, "_command", "MCHGCR");
	result_set(&r, "Max. charging current value 1", val_int(10), "A",
	    EX_NONE, NULL, 0);
	result_set(&r, "Battery constant charge voltage(C.V.)", val_float(56.4),
	    "V", EX_NONE, NULL, 0);
	hass_out_hassd_configs(&r, &o, cap, &d);
	assert_non_null(strstr(sbuf_str(&d), "homeassistant/sensor/"
	    "mpp_inv_MCHGCR_max__charging_current_value_1/config|0|1|"));
	assert_non_null(strstr(sbuf_str(&d), "\"state_topic\": "
	    "\"homeassistant/sensor/mpp_inv_MCHGCR_max._charging_current_value_1"
	    "/state\""));
	assert_non_null(strstr(sbuf_str(&d), "homeassistant/sensor/"
	    "mpp_inv_MCHGCR_battery_constant_charge_voltage_c_v__/config|0|1|"));
	assert_null(strstr(sbuf_str(&d), ".)/config"));
	o.tag = "a/b c";
	assert_int_equal(output_mqtt("hass_mqtt", &r, &o, cap, &h), 0);
	assert_non_null(strstr(sbuf_str(&h), "homeassistant/sensor/"
	    "mpp_a_b_c_max__charging_current_value_1/config|0|0|"));
	assert_non_null(strstr(sbuf_str(&h), "homeassistant/sensor/"
	    "mpp_a/b c_max._charging_current_value_1/state|0|0|"));
	result_free(&r);
	sbuf_free(&d);
	sbuf_free(&h);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_registry_resolves_names_and_alias),
	cmocka_unit_test(test_hassd_configs_then_states_is_the_full_output),
	cmocka_unit_test(test_config_topics_carry_only_characters_ha_accepts),
	cmocka_unit_test(test_signature_ignores_values_and_sees_new_fields_units_and_binaries),
};

MPPD_TEST_MAIN(tests)

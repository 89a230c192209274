/*
 * test_hass_controls_msg.c - the messages of the Home Assistant setting
 * entities: the keys and templates of their discovery configs, and their
 * states from decoded replies.  Which entities a device gets is in
 * test_hass_controls.c; the fixture is tests/support/hass_controls_env.h.
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "hass_controls_env.h"

/* ---- discovery payloads ---------------------------------------------- */

static void
assert_common_keys(const cJSON *j, const char *object)
{
	const cJSON *a, *dev, *ids;
	char uid[128], st[128];

	snprintf(uid, sizeof(uid), "mpp_inv_%s", object);
	snprintf(st, sizeof(st), "th/inv/settings/%s", object);
	assert_true(strlen(jstr(j, "name")) > 0);
	assert_string_equal(jstr(j, "unique_id"), uid);
	assert_string_equal(jstr(j, "object_id"), uid);
	assert_string_equal(jstr(j, "command_topic"), "th/inv/cmd");
	assert_string_equal(jstr(j, "state_topic"), st);
	assert_string_equal(jstr(j, "entity_category"), "config");
	assert_string_equal(jstr(j, "availability_mode"), "all");
	assert_true(jnum(j, "qos") == 1);
	a = cJSON_GetObjectItem(j, "availability");
	assert_int_equal(cJSON_GetArraySize(a), 2);
	assert_string_equal(jstr(cJSON_GetArrayItem(a, 0), "topic"),
	    "th/mppd/status");
	assert_string_equal(jstr(cJSON_GetArrayItem(a, 1), "topic"),
	    "th/inv/availability");
	dev = cJSON_GetObjectItem(j, "device");
	assert_non_null(dev);
	assert_string_equal(jstr(dev, "name"), "inv");
	assert_string_equal(jstr(dev, "model"), "inv");
	assert_string_equal(jstr(dev, "manufacturer"), "MPP-Solar");
	ids = cJSON_GetObjectItem(dev, "identifiers");
	assert_int_equal(cJSON_GetArraySize(ids), 1);
	assert_string_equal(cJSON_GetArrayItem(ids, 0)->valuestring, "inv");
}

static void
test_select_config_has_every_key_home_assistant_requires(void **state)
{
	struct fix f;
	const cJSON *o;
	cJSON *j;
	struct sbuf t = SBUF_INIT, dev = SBUF_INIT;
	char *devtext;

	build(&f, "PI30", "POP0[0-2]");
	j = config_of(&f, "output_source_priority");
	assert_common_keys(j, "output_source_priority");
	assert_string_equal(jstr(j, "name"), "Output Source Priority");
	o = cJSON_GetObjectItem(j, "options");
	assert_int_equal(cJSON_GetArraySize(o), 3);
	assert_string_equal(cJSON_GetArrayItem(o, 2)->valuestring, "SBU first");
	assert_string_equal(jstr(j, "command_template"),
	    "{% set m = {\"Utility first\": \"POP00\", \"Solar first\": "
	    "\"POP01\", \"SBU first\": \"POP02\"} %}{{ m[value] }}");
	assert_string_equal(render_select(jstr(j, "command_template"),
	    "SBU first"), "POP02");
	assert_string_equal(render_select(jstr(j, "command_template"),
	    "Utility first"), "POP00");
	assert_true(strncmp(jstr(j, "icon"), "mdi:", 4) == 0);
	/* the device block is byte for byte the hassd sensors' one */
	devtext = cJSON_PrintUnformatted(cJSON_GetObjectItem(j, "device"));
	assert_string_equal(devtext, "{\"name\":\"inv\",\"identifiers\":[\"inv\"],"
	    "\"model\":\"inv\",\"manufacturer\":\"MPP-Solar\"}");
	free(devtext);
	hc_config_topic(f.set, hc_find(f.set, "output_source_priority"), &t);
	assert_string_equal(sbuf_str(&t),
	    "homeassistant/select/mpp_inv_output_source_priority/config");
	sbuf_free(&t);
	sbuf_free(&dev);
	cJSON_Delete(j);
	fix_free(&f);
}

static void
test_number_config_has_every_key_home_assistant_requires(void **state)
{
	struct fix f;
	cJSON *j;

	build(&f, "PI30", "PBFT.*");
	j = config_of(&f, "battery_float_charging_voltage");
	assert_common_keys(j, "battery_float_charging_voltage");
	assert_true(jnum(j, "min") == 48.0);
	assert_true(jnum(j, "max") == 58.4);
	assert_true(jnum(j, "step") == 0.1);
	assert_string_equal(jstr(j, "mode"), "box");
	assert_string_equal(jstr(j, "unit_of_measurement"), "V");
	assert_string_equal(jstr(j, "device_class"), "voltage");
	assert_string_equal(jstr(j, "command_template"),
	    "PBFT{{ '%04.1f' % value }}");
	cJSON_Delete(j);
	fix_free(&f);
}

static void
test_switch_config_has_every_key_home_assistant_requires(void **state)
{
	struct fix f;
	struct sbuf t = SBUF_INIT;
	cJSON *j;

	build(&f, "PI30", "PEa,PDa");
	j = config_of(&f, "buzzer");
	assert_common_keys(j, "buzzer");
	assert_string_equal(jstr(j, "name"), "Buzzer");
	assert_string_equal(jstr(j, "payload_on"), "PEa");
	assert_string_equal(jstr(j, "payload_off"), "PDa");
	assert_string_equal(jstr(j, "state_on"), "enabled");
	assert_string_equal(jstr(j, "state_off"), "disabled");
	assert_null(cJSON_GetObjectItem(j, "command_template"));
	hc_config_topic(f.set, hc_find(f.set, "buzzer"), &t);
	assert_string_equal(sbuf_str(&t),
	    "homeassistant/switch/mpp_inv_buzzer/config");
	sbuf_free(&t);
	cJSON_Delete(j);
	fix_free(&f);
}

static void
test_discovery_is_retained_qos0(void **state)
{
	struct fix f;
	struct pub_rec r = { .n = 0 };

	build(&f, "PI30", "POP0[0-2],PBCV.*,PEa,PDa");
	assert_int_equal(hc_publish_discovery(f.set, pub_rec_fn, &r), 3);
	for (int i = 0; i < r.n; i++) {
		assert_int_equal(r.m[i].qos, 0);
		assert_int_equal(r.m[i].retain, 1);
	}
	pub_rec_free(&r);
	fix_free(&f);
}

static void
test_ids_of_a_device_name_with_spaces_are_valid_discovery_ids(void **state)
{
	struct allowlist *a;
	char *items[] = { "PEa", "PDa" };
	struct hc_params hp;
	struct hc_set *s;
	struct sbuf t = SBUF_INIT;

	a = allow_compile(items, 2, MATCH_FULL, NULL);
	memset(&hp, 0, sizeof(hp));
	hp.proto = proto("PI30");
	hp.allow = a;
	hp.device = "my inv/1";
	hp.hostname = "th";
	hp.cmd_topic = "th/my inv/1/cmd";
	s = hc_build(&hp);
	hc_config_topic(s, hc_find(s, "buzzer"), &t);
	assert_string_equal(sbuf_str(&t),
	    "homeassistant/switch/mpp_my_inv_1_buzzer/config");
	sbuf_reset(&t);
	hc_state_topic(s, hc_find(s, "buzzer"), &t);
	assert_string_equal(sbuf_str(&t), "th/my inv/1/settings/buzzer");
	sbuf_free(&t);
	hc_free(s);
	allow_free(a);
}

/* ---- states ----------------------------------------------------------- */

static void
test_states_from_a_pi30_qpiri_reply(void **state)
{
	struct fix f;
	struct pub_rec r = { .n = 0 };
	struct result res;

	build_full(&f, "PI30", "POP.*,PCP.*,PBT.*,MCHGC.*,MUCHGC.*,PBCV.*,"
	    "PBDV.*,PSDV.*,PCVV.*,PBFT.*", MATCH_FULL, chg, 6, uchg, 4, 48);
	/* canned: ... 48.0 46.0 42.0 56.4 54.0 0 10 010 1 0 0 ... 54.0 ... */
	decode_canned(proto("PI30"), "QPIRI", 0, &res);
	assert_int_equal(hc_publish_states(f.set, "QPIRI", &res, pub_rec_fn, &r), 11);
	assert_string_equal(pub_rec_last(&r, "th/inv/settings/output_source_priority"),
	    "Utility first");
	assert_string_equal(pub_rec_last(&r, "th/inv/settings/charger_source_priority"),
	    "Utility first");
	assert_string_equal(pub_rec_last(&r, "th/inv/settings/battery_type"), "AGM");
	assert_string_equal(pub_rec_last(&r, "th/inv/settings/max_charging_current"),
	    "10");
	assert_string_equal(pub_rec_last(&r,
	    "th/inv/settings/max_utility_charging_current"), "10");
	assert_string_equal(pub_rec_last(&r,
	    "th/inv/settings/battery_recharge_voltage"), "46.0");
	assert_string_equal(pub_rec_last(&r,
	    "th/inv/settings/battery_cut_off_voltage"), "42.0");
	assert_string_equal(pub_rec_last(&r,
	    "th/inv/settings/battery_bulk_charging_voltage"), "56.4");
	assert_string_equal(pub_rec_last(&r,
	    "th/inv/settings/battery_float_charging_voltage"), "54.0");
	assert_string_equal(pub_rec_last(&r,
	    "th/inv/settings/battery_redischarge_voltage"), "54.0");
	assert_string_equal(pub_rec_last(&r,
	    "th/inv/settings/battery_redischarge_at_full"), "disabled");
	for (int i = 0; i < r.n; i++) {
		assert_int_equal(r.m[i].qos, 0);
		assert_int_equal(r.m[i].retain, 1);
	}
	assert_true(hc_rated_battery_voltage(&res) == 48);
	result_free(&res);
	pub_rec_free(&r);
	/* canned reply 1: SBU first, battery type User, 30 A / 60 A */
	decode_canned(proto("PI30"), "QPIRI", 1, &res);
	hc_publish_states(f.set, "QPIRI", &res, pub_rec_fn, &r);
	assert_string_equal(pub_rec_last(&r, "th/inv/settings/output_source_priority"),
	    "SBU first");
	assert_string_equal(pub_rec_last(&r, "th/inv/settings/battery_type"), "User");
	assert_string_equal(pub_rec_last(&r, "th/inv/settings/max_charging_current"),
	    "60");
	assert_string_equal(pub_rec_last(&r,
	    "th/inv/settings/max_utility_charging_current"), "30");
	result_free(&res);
	pub_rec_free(&r);
	/* canned reply 2 is a 24 V unit */
	decode_canned(proto("PI30"), "QPIRI", 2, &res);
	assert_true(hc_rated_battery_voltage(&res) == 24);
	result_free(&res);
	fix_free(&f);
}

/*
 * PI30M044 reports charger source priority 0 as "Undefined", none of the
 * select's options: HA gets "None" (unknown), not an invalid option; the
 * battery type placeholder "TBD" is the option BAK; a redischarge voltage
 * of 0.0 is the full switch on and the number unknown.
 */
static void
test_states_outside_the_options_or_range_are_unknown(void **state)
{
	struct fix f;
	struct pub_rec r = { .n = 0 };
	struct result res;

	(void)state;
	build_full(&f, "PI30M044", "PCP.*,PBT.*,PBDV.*", MATCH_FULL, chg, 6,
	    uchg, 4, 48);
	decode_canned(proto("PI30M044"), "QPIRI", 0, &res);
	result_set(&res, "Charger Source Priority", val_str("Undefined"), "",
	    EX_ABSENT, NULL, 0);
	result_set(&res, "Battery Type", val_str("TBD"), "", EX_ABSENT, NULL, 0);
	result_set(&res, "Battery Redischarge Voltage", val_float(0.0), "V",
	    EX_ABSENT, NULL, 0);
	hc_publish_states(f.set, "QPIRI", &res, pub_rec_fn, &r);
	assert_string_equal(pub_rec_last(&r,
	    "th/inv/settings/charger_source_priority"), "None");
	assert_string_equal(pub_rec_last(&r, "th/inv/settings/battery_type"), "BAK");
	assert_string_equal(pub_rec_last(&r,
	    "th/inv/settings/battery_redischarge_voltage"), "None");
	assert_string_equal(pub_rec_last(&r,
	    "th/inv/settings/battery_redischarge_at_full"), "enabled");
	result_free(&res);
	pub_rec_free(&r);
	fix_free(&f);
}

static void
test_states_from_a_qflag_reply(void **state)
{
	struct fix f;
	struct pub_rec r = { .n = 0 };
	struct result res;

	build(&f, "PI30", "PE[abx],PD[abx]");
	decode_canned(proto("PI30"), "QFLAG", 0, &res);	/* (EakxyDbjuvz */
	assert_int_equal(hc_publish_states(f.set, "QFLAG", &res, pub_rec_fn, &r), 3);
	assert_string_equal(pub_rec_last(&r, "th/inv/settings/buzzer"), "enabled");
	assert_string_equal(pub_rec_last(&r, "th/inv/settings/lcd_backlight"),
	    "enabled");
	assert_string_equal(pub_rec_last(&r, "th/inv/settings/overload_bypass"),
	    "disabled");
	/* refused switches publish no state */
	assert_null(pub_rec_last(&r, "th/inv/settings/power_saving"));
	/* a QFLAG result publishes nothing for QPIRI entities and vice versa */
	assert_int_equal(hc_publish_states(f.set, "QPIRI", &res, pub_rec_fn, &r), 0);
	result_free(&res);
	pub_rec_free(&r);
	fix_free(&f);
}

static void
test_error_replies_publish_no_state(void **state)
{
	struct fix f;
	struct pub_rec r = { .n = 0 };
	struct result res;

	build(&f, "PI30", "POP.*");
	decode_text(proto("PI30"), "QPIRI", "(NAKss\r", &res);
	assert_int_equal(hc_publish_states(f.set, "QPIRI", &res, pub_rec_fn, &r), 0);
	assert_true(hc_rated_battery_voltage(&res) == 0);
	assert_int_equal(r.n, 0);
	result_free(&res);
	result_init(&res);
	result_error(&res, "No communications port defined");
	assert_int_equal(hc_publish_states(f.set, "QPIRI", &res, pub_rec_fn, &r), 0);
	result_free(&res);
	fix_free(&f);
}

static void
test_ack_is_recognised_nak_is_not(void **state)
{
	struct result res;

	decode_text(proto("PI30"), "POP02", "(ACK\x39\x20\r", &res);
	assert_int_equal(hc_is_ack(&res), 1);
	result_free(&res);
	decode_text(proto("PI30"), "POP02", "(NAK\x73\x73\r", &res);
	assert_int_equal(hc_is_ack(&res), 0);
	result_free(&res);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_select_config_has_every_key_home_assistant_requires),
	cmocka_unit_test(test_number_config_has_every_key_home_assistant_requires),
	cmocka_unit_test(test_switch_config_has_every_key_home_assistant_requires),
	cmocka_unit_test(test_discovery_is_retained_qos0),
	cmocka_unit_test(test_ids_of_a_device_name_with_spaces_are_valid_discovery_ids),
	cmocka_unit_test(test_states_from_a_pi30_qpiri_reply),
	cmocka_unit_test(test_states_outside_the_options_or_range_are_unknown),
	cmocka_unit_test(test_states_from_a_qflag_reply),
	cmocka_unit_test(test_error_replies_publish_no_state),
	cmocka_unit_test(test_ack_is_recognised_nak_is_not),
};

#include "testmain.h"
MPPD_TEST_MAIN(tests)

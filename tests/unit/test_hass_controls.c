/*
 * test_hass_controls.c - the Home Assistant setting entities: which ones a
 * device gets for its allowlist and protocol (selects, switches, numbers,
 * the max charging current selects, and the PI17 and PI18 families).
 * The keys and templates of their discovery configs and their states from
 * decoded replies are in test_hass_controls_msg.c; the fixture is
 * tests/support/hass_controls_env.h.
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "hass_controls_env.h"

/* ---- entity filtering by the allowlist ------------------------------ */

static void
test_output_priority_select_offers_all_three_options(void **state)
{
	struct fix f;
	const struct hc_entity *e;

	build(&f, "PI30", "POP0[0-2]");
	e = hc_find(f.set, "output_source_priority");
	assert_non_null(e);
	assert_int_equal(e->kind, HC_SELECT);
	assert_int_equal(e->status, HC_READY);
	assert_int_equal(e->nopts, 3);
	assert_string_equal(e->opts[0].label, "Utility first");
	assert_string_equal(e->opts[0].cmd, "POP00");
	assert_string_equal(e->opts[1].label, "Solar first");
	assert_string_equal(e->opts[1].cmd, "POP01");
	assert_string_equal(e->opts[2].label, "SBU first");
	assert_string_equal(e->opts[2].cmd, "POP02");
	fix_free(&f);
}

static void
test_select_keeps_only_the_options_the_allowlist_admits(void **state)
{
	struct fix f;
	const struct hc_entity *e;
	cJSON *j;

	build(&f, "PI30", "POP0[01]");
	e = hc_find(f.set, "output_source_priority");
	assert_int_equal(e->status, HC_READY);
	assert_int_equal(e->nopts, 2);
	assert_string_equal(e->opts[1].label, "Solar first");
	j = config_of(&f, "output_source_priority");
	assert_int_equal(cJSON_GetArraySize(
	    cJSON_GetObjectItem(j, "options")), 2);
	assert_null(render_select(jstr(j, "command_template"), "SBU first"));
	cJSON_Delete(j);
	fix_free(&f);
}

static void
test_no_pcp_pattern_means_no_charger_select(void **state)
{
	struct fix f;
	struct pub_rec r = { .n = 0 };

	build(&f, "PI30", "POP0[0-2]");
	assert_int_equal(status_of(&f, "charger_source_priority"), HC_REFUSED);
	assert_int_equal(hc_publish_discovery(f.set, pub_rec_fn, &r), 1);
	/* the refused entity's retained config is cleared, never filled */
	assert_string_equal(pub_rec_last(&r,
	    "homeassistant/select/mpp_inv_charger_source_priority/config"), "");
	assert_non_null(strstr(pub_rec_last(&r,
	    "homeassistant/select/mpp_inv_output_source_priority/config"),
	    "\"SBU first\""));
	for (int i = 0; i < r.n; i++)
		if (r.m[i].payload[0] != '\0')
			assert_non_null(strstr(r.m[i].topic,
			    "output_source_priority"));
	pub_rec_free(&r);
	fix_free(&f);
}

static void
test_switches_only_for_admitted_flag_letters(void **state)
{
	struct fix f;
	int ready = 0;

	build(&f, "PI30", "PE[abx],PD[abx]");
	assert_int_equal(status_of(&f, "buzzer"), HC_READY);
	assert_int_equal(status_of(&f, "overload_bypass"), HC_READY);
	assert_int_equal(status_of(&f, "lcd_backlight"), HC_READY);
	assert_int_equal(status_of(&f, "power_saving"), HC_REFUSED);
	assert_int_equal(status_of(&f, "record_fault_code"), HC_REFUSED);
	for (int i = 0; i < hc_count(f.set); i++)
		ready += hc_at(f.set, i)->status == HC_READY;
	assert_int_equal(ready, 3);
	assert_int_equal(hc_admitted(f.set), 3);
	fix_free(&f);
}

static void
test_switch_needs_both_enable_and_disable_commands(void **state)
{
	struct fix f;

	build(&f, "PI30", "PE[ab],PDa");
	assert_int_equal(status_of(&f, "buzzer"), HC_READY);
	assert_int_equal(status_of(&f, "overload_bypass"), HC_REFUSED);
	fix_free(&f);
}

static void
test_every_pi30_switch_from_the_qflag_table(void **state)
{
	static const char *const objs[] = { "buzzer", "overload_bypass",
	    "power_saving", "lcd_reset_to_default", "overload_restart",
	    "over_temperature_restart", "lcd_backlight",
	    "primary_source_interrupt_alarm", "record_fault_code" };
	struct fix f;

	build(&f, "PI30", "PE[a-z],PD[a-z]");
	for (size_t i = 0; i < sizeof(objs) / sizeof(objs[0]); i++) {
		const struct hc_entity *e = hc_find(f.set, objs[i]);
		if (e == NULL)
			fail_msg("no switch %s", objs[i]);
		assert_int_equal(e->kind, HC_SWITCH);
		assert_int_equal(e->status, HC_READY);
	}
	assert_string_equal(hc_find(f.set, "power_saving")->on_cmd, "PEj");
	assert_string_equal(hc_find(f.set, "lcd_reset_to_default")->off_cmd,
	    "PDk");
	fix_free(&f);
}

static void
test_pi30max_switches_follow_its_flag_letters(void **state)
{
	struct fix f;

	build(&f, "PI30MAX", "PE[a-z],PD[a-z]");
	assert_int_equal(status_of(&f, "solar_feed_to_grid"), HC_READY);
	assert_string_equal(hc_find(f.set, "solar_feed_to_grid")->on_cmd, "PEd");
	assert_null(hc_find(f.set, "power_saving"));
	fix_free(&f);
}

static void
test_option_names_come_from_the_protocol_qpiri_rows(void **state)
{
	struct fix f;
	const struct hc_entity *e;

	/* PI30MAX names its output priorities differently */
	build(&f, "PI30MAX", "POP0[0-2]");
	e = hc_find(f.set, "output_source_priority");
	assert_int_equal(e->nopts, 3);
	assert_string_equal(e->opts[2].label, "Solar Battery Utility");
	fix_free(&f);
	/* PI30 PCP admits 00-03 */
	build(&f, "PI30", "PCP.*,PBT.*");
	e = hc_find(f.set, "charger_source_priority");
	assert_int_equal(e->nopts, 4);
	assert_string_equal(e->opts[3].label, "Only solar charging permitted");
	assert_string_equal(e->opts[3].cmd, "PCP03");
	/* PBT: the pattern admits 00-02 on PI30 although QPIRI names 10 */
	e = hc_find(f.set, "battery_type");
	assert_int_equal(e->nopts, 3);
	assert_string_equal(e->opts[2].label, "User");
	fix_free(&f);
	/* PI30M044: PBT 00-09, all ten: QPIRI's "TBD" placeholder is
	 * "07 for BAK" in PBT's help, shown as BAK and read back from "TBD";
	 * PCP00 is "Undefined" there, so it is not offered */
	build(&f, "PI30M044", "PCP.*,PBT.*");
	e = hc_find(f.set, "battery_type");
	assert_int_equal(e->nopts, 10);
	assert_string_equal(e->opts[7].label, "BAK");
	assert_string_equal(e->opts[7].cmd, "PBT07");
	assert_string_equal(e->opts[7].state, "TBD");
	assert_string_equal(e->opts[8].label, "LIb-protocol compatible");
	assert_string_equal(e->opts[8].cmd, "PBT08");
	e = hc_find(f.set, "charger_source_priority");
	assert_int_equal(e->nopts, 3);
	assert_string_equal(e->opts[0].label, "Solar first");
	assert_string_equal(e->opts[0].cmd, "PCP01");
	fix_free(&f);
}

static void
test_prefix_match_mode_admits_as_the_router_does(void **state)
{
	struct fix f;

	build_full(&f, "PI30", "POP", MATCH_PREFIX, NULL, -1, NULL, -1, 48);
	assert_int_equal(hc_find(f.set, "output_source_priority")->nopts, 3);
	fix_free(&f);
}

static void
test_nothing_admitted_for_an_unrelated_allowlist(void **state)
{
	struct fix f;

	build(&f, "PI30", "QPIGS,QPIRI,POP0[3-9]");
	assert_int_equal(hc_admitted(f.set), 0);
	fix_free(&f);
}

/* ---- numbers ---------------------------------------------------------- */

static void
test_number_admitted_when_min_max_and_middle_are(void **state)
{
	struct fix f;
	const struct hc_entity *e;

	build(&f, "PI30", "PBCV\\d\\d\\.\\d,PBDV.*,PSDV4\\d\\.0");
	e = hc_find(f.set, "battery_recharge_voltage");
	assert_int_equal(e->kind, HC_NUMBER);
	assert_int_equal(e->status, HC_READY);
	assert_true(e->min == 44.0 && e->max == 51.0 && e->step == 0.1);
	assert_int_equal(status_of(&f, "battery_redischarge_voltage"), HC_READY);
	/* PSDV 40.0-48.0, middle 44.0: all "4N.0" */
	assert_int_equal(status_of(&f, "battery_cut_off_voltage"), HC_READY);
	assert_int_equal(status_of(&f, "battery_bulk_charging_voltage"),
	    HC_REFUSED);
	fix_free(&f);
	/* the maximum 51.0 is not admitted */
	build(&f, "PI30", "PBCV4\\d\\.\\d");
	assert_int_equal(status_of(&f, "battery_recharge_voltage"), HC_REFUSED);
	fix_free(&f);
}

static void
test_number_range_follows_the_rated_battery_voltage(void **state)
{
	struct fix f;
	const struct hc_entity *e;
	struct pub_rec r = { .n = 0 };

	/* not read yet: waiting, no config */
	build_full(&f, "PI30", "PBCV.*,PCVV.*", MATCH_FULL, NULL, -1, NULL, -1, 0);
	assert_int_equal(status_of(&f, "battery_recharge_voltage"), HC_WAITING);
	assert_int_equal(hc_publish_discovery(f.set, pub_rec_fn, &r), 0);
	assert_null(pub_rec_last(&r,
	    "homeassistant/number/mpp_inv_battery_recharge_voltage/config"));
	pub_rec_free(&r);
	fix_free(&f);
	/* a 24 V unit */
	build_full(&f, "PI30", "PBCV.*,PCVV.*", MATCH_FULL, NULL, -1, NULL, -1, 24);
	e = hc_find(f.set, "battery_recharge_voltage");
	assert_int_equal(e->status, HC_READY);
	assert_true(e->min == 22.0 && e->max == 25.5);
	e = hc_find(f.set, "battery_bulk_charging_voltage");
	assert_true(e->min == 24.0 && e->max == 29.2);
	fix_free(&f);
}

static void
test_number_command_template_formats_two_digits_and_a_decimal(void **state)
{
	struct fix f;
	const struct hc_entity *e;
	char cmd[32], py[16];
	cJSON *j;

	build(&f, "PI30", "PBCV.*,PBDV.*");
	j = config_of(&f, "battery_recharge_voltage");
	assert_string_equal(jstr(j, "command_template"),
	    "PBCV{{ '%04.1f' % value }}");
	cJSON_Delete(j);
	j = config_of(&f, "battery_redischarge_voltage");
	assert_string_equal(jstr(j, "command_template"),
	    "PBDV{{ '%04.1f' % value }}");
	cJSON_Delete(j);
	/* Python's '%04.1f' is C's: what the template gives for HA's values */
	snprintf(py, sizeof(py), "%04.1f", 48.0);
	assert_string_equal(py, "48.0");
	snprintf(py, sizeof(py), "%04.1f", (double)0);
	assert_string_equal(py, "00.0");
	e = hc_find(f.set, "battery_recharge_voltage");
	assert_int_equal(hc_command_for(e, "48", cmd, sizeof(cmd)), 0);
	assert_string_equal(cmd, "PBCV48.0");
	assert_int_equal(hc_command_for(e, "60", cmd, sizeof(cmd)), -1);
	/* 00.0 ("battery full") is outside the number's 48-58 V: its own
	 * switch sends it, and off goes back to the lowest voltage */
	e = hc_find(f.set, "battery_redischarge_voltage");
	assert_int_equal(hc_command_for(e, "0", cmd, sizeof(cmd)), -1);
	assert_int_equal(hc_command_for(e, "48", cmd, sizeof(cmd)), 0);
	assert_string_equal(cmd, "PBDV48.0");
	e = hc_find(f.set, "battery_redischarge_at_full");
	assert_non_null(e);
	assert_int_equal(e->kind, HC_SWITCH);
	assert_int_equal(hc_command_for(e, "ON", cmd, sizeof(cmd)), 0);
	assert_string_equal(cmd, "PBDV00.0");
	assert_int_equal(hc_command_for(e, "OFF", cmd, sizeof(cmd)), 0);
	assert_string_equal(cmd, "PBDV48.0");
	fix_free(&f);
}

/* ---- max charging current selects ------------------------------------ */

static void
test_current_select_waits_for_the_options_query(void **state)
{
	struct fix f;

	build(&f, "PI30", "MCHGC\\d{3},MUCHGC\\d{3}");
	assert_int_equal(status_of(&f, "max_charging_current"), HC_WAITING);
	assert_int_equal(status_of(&f, "max_utility_charging_current"),
	    HC_WAITING);
	fix_free(&f);
	build_full(&f, "PI30", "MCHGC0[1-4]0", MATCH_FULL, chg, 6, uchg, 4, 48);
	{
		const struct hc_entity *e = hc_find(f.set, "max_charging_current");
		assert_int_equal(e->status, HC_READY);
		assert_int_equal(e->nopts, 4);	/* 10-40 admitted, 50, 60 not */
		assert_string_equal(e->opts[0].label, "10");
		assert_string_equal(e->opts[0].cmd, "MCHGC010");
		assert_string_equal(e->opts[3].cmd, "MCHGC040");
	}
	assert_int_equal(status_of(&f, "max_utility_charging_current"),
	    HC_REFUSED);
	fix_free(&f);
}

static void
test_muchgc_digit_count_follows_the_protocol_pattern(void **state)
{
	struct fix f;
	const struct hc_entity *e;

	build_full(&f, "PI30", "MUCHGC.*", MATCH_FULL, NULL, -1, uchg, 4, 48);
	e = hc_find(f.set, "max_utility_charging_current");
	assert_int_equal(e->nopts, 4);
	assert_string_equal(e->opts[0].cmd, "MUCHGC002");
	assert_string_equal(e->opts[2].cmd, "MUCHGC020");
	fix_free(&f);
	/* PI30MAX keeps the three-digit form of its table */
	build_full(&f, "PI30MAX", "MUCHGC.*", MATCH_FULL, NULL, -1, uchg, 4, 48);
	e = hc_find(f.set, "max_utility_charging_current");
	assert_string_equal(e->opts[2].cmd, "MUCHGC020");
	fix_free(&f);
	/* PI30M045 (LV6548): MUCHGC<unit><3 digits> */
	build_full(&f, "PI30M045", "MUCHGC.*", MATCH_FULL, NULL, -1, uchg, 4, 48);
	e = hc_find(f.set, "max_utility_charging_current");
	assert_int_equal(e->nopts, 4);
	assert_string_equal(e->opts[0].cmd, "MUCHGC0002");
	assert_string_equal(e->opts[2].cmd, "MUCHGC0020");
	fix_free(&f);
	/* an allowlist written for the three-digit form admits nothing there */
	build_full(&f, "PI30M045", "MUCHGC\\d{3}", MATCH_FULL, NULL, -1, uchg, 4,
	    48);
	assert_int_equal(status_of(&f, "max_utility_charging_current"),
	    HC_REFUSED);
	fix_free(&f);
}

static void
test_current_options_from_canned_replies(void **state)
{
	struct result r;
	int o[HC_MAX_OPTS];

	decode_canned(proto("PI30"), "QMCHGCR", 0, &r);
	assert_int_equal(hc_current_options(&r, o, HC_MAX_OPTS), 12);
	assert_int_equal(o[0], 10);
	assert_int_equal(o[11], 120);
	result_free(&r);
	decode_canned(proto("PI30"), "QMUCHGCR", 0, &r);
	assert_int_equal(hc_current_options(&r, o, HC_MAX_OPTS), 13);
	assert_int_equal(o[0], 2);
	result_free(&r);
	decode_canned(proto("PI30M044"), "QMCHGCR", 0, &r);
	assert_int_equal(hc_current_options(&r, o, HC_MAX_OPTS), 12);
	assert_int_equal(o[1], 20);
	result_free(&r);
	decode_text(proto("PI30"), "QMCHGCR", "(NAKss\r", &r);
	assert_int_equal(hc_current_options(&r, o, HC_MAX_OPTS), -1);
	result_free(&r);
}

/* ---- PI18 --------------------------------------------------------------- */

static void
test_pi18_selects_and_number_follow_its_own_patterns(void **state)
{
	static const int c18[] = { 10, 20, 30, 40, 50, 60, 70, 80 };
	static const int u18[] = { 2, 10, 20, 30 };
	struct fix f;
	const struct hc_entity *e;
	char cmd[32];
	cJSON *j;

	(void)state;
	assert_string_equal(hc_query(proto("PI18"), HC_Q_PIRI), "PIRI");
	assert_null(hc_query(proto("PI18"), HC_Q_FLAG));
	assert_string_equal(hc_query(proto("PI17"), HC_Q_PIRI), "HECS");
	assert_null(hc_query(proto("PI16"), HC_Q_PIRI));
	/* (build_full splits the allowlist at commas) */
	build_full(&f, "PI18", "POP[01],PCP.*,PSP[01],PBT\\d,MCHGC.*,MUCHGC.*,"
	    "PSDV\\d+", MATCH_FULL, c18, 8, u18, 4, 48);
	e = hc_find(f.set, "output_source_priority");
	assert_non_null(e);
	assert_int_equal(e->status, HC_READY);
	assert_int_equal(e->nopts, 2);
	assert_string_equal(e->opts[1].label, "Solar-Battery-Utility");
	assert_string_equal(e->opts[1].cmd, "POP1");
	e = hc_find(f.set, "charger_source_priority");
	assert_int_equal(e->nopts, 3);
	assert_string_equal(e->opts[2].cmd, "PCP0,2");
	e = hc_find(f.set, "battery_type");	/* PBT([012]): 3 of 10 names */
	assert_int_equal(e->nopts, 3);
	assert_string_equal(e->opts[2].label, "User");
	assert_non_null(hc_find(f.set, "solar_power_priority"));
	e = hc_find(f.set, "max_charging_current");
	assert_int_equal(e->nopts, 8);
	assert_string_equal(e->opts[2].cmd, "MCHGC0,030");
	e = hc_find(f.set, "max_utility_charging_current");
	assert_string_equal(e->opts[0].cmd, "MUCHGC0,002");
	e = hc_find(f.set, "battery_cut_off_voltage");
	assert_int_equal(e->status, HC_READY);
	assert_int_equal(hc_command_for(e, "45.0", cmd, sizeof(cmd)), 0);
	assert_string_equal(cmd, "PSDV450");
	assert_int_equal(hc_command_for(e, "48.1", cmd, sizeof(cmd)), -1);
	j = config_of(&f, "battery_cut_off_voltage");
	assert_string_equal(jstr(j, "command_template"),
	    "PSDV{{ '%03d' % ((value * 10) | round | int) }}");
	cJSON_Delete(j);
	/* no PI30 entities leak in: no PBCV number, no switches */
	assert_null(hc_find(f.set, "battery_recharge_voltage"));
	assert_null(hc_find(f.set, "buzzer"));
	fix_free(&f);
}

static void
test_pi18_states_from_a_piri_reply(void **state)
{
	static const int c18[] = { 10, 20, 30, 40, 50, 60, 70, 80 };
	struct fix f;
	struct pub_rec r = { .n = 0 };
	struct result res;

	(void)state;
	build_full(&f, "PI18", "POP[01],PCP.*,PBT\\d,MCHGC.*,PSDV\\d+",
	    MATCH_FULL, c18, 8, NULL, -1, 48);
	/* canned: 2300,217,...,450,552,545,2,10,060,1,1,1,9,... */
	decode_canned(proto("PI18"), "PIRI", 0, &res);
	assert_int_equal(hc_publish_states(f.set, "QPIRI", &res, pub_rec_fn, &r), 0);
	assert_true(hc_publish_states(f.set, "PIRI", &res, pub_rec_fn, &r) >= 4);
	assert_string_equal(pub_rec_last(&r, "th/inv/settings/output_source_priority"),
	    "Solar-Battery-Utility");
	assert_string_equal(pub_rec_last(&r, "th/inv/settings/charger_source_priority"),
	    "Solar and Utility");
	assert_string_equal(pub_rec_last(&r, "th/inv/settings/battery_type"), "User");
	assert_string_equal(pub_rec_last(&r, "th/inv/settings/battery_cut_off_voltage"),
	    "45.0");
	assert_string_equal(pub_rec_last(&r, "th/inv/settings/max_charging_current"),
	    "60");
	assert_true(hc_rated_battery_voltage(&res) == 48);
	result_free(&res);
	pub_rec_free(&r);
	fix_free(&f);
}

static void
test_pi17_solar_distribution_select_and_hecs_switches(void **state)
{
	struct fix f;
	struct pub_rec r = { .n = 0 };
	struct result res;
	const struct hc_entity *e;
	cJSON *j;

	(void)state;
	build(&f, "PI17", "SEP0[12],ED[A-C][01]");
	e = hc_find(f.set, "solar_energy_distribution_priority");
	assert_non_null(e);
	assert_int_equal(e->nopts, 2);		/* SEP00 not admitted */
	assert_string_equal(e->opts[0].label, "Load-Battery-Grid");
	assert_string_equal(e->opts[0].cmd, "SEP01");
	assert_int_equal(status_of(&f, "solar_charge_battery"), HC_READY);
	assert_int_equal(status_of(&f, "feed_power_to_utility"), HC_READY);
	assert_int_equal(status_of(&f, "battery_to_grid_solar_loss"), HC_REFUSED);
	j = config_of(&f, "ac_charge_battery");
	assert_string_equal(jstr(j, "payload_on"), "EDB1");
	assert_string_equal(jstr(j, "payload_off"), "EDB0");
	assert_string_equal(jstr(j, "state_on"), "enabled");
	cJSON_Delete(j);
	/* canned HECS: "00,0,0,0,0,0,0,0,0" */
	decode_canned(proto("PI17"), "HECS", 0, &res);
	assert_true(hc_publish_states(f.set, "HECS", &res, pub_rec_fn, &r) >= 3);
	/* "Battery-Load-Grid" (SEP00) is not among the options the
	 * allowlist admits: HA would refuse it ("Invalid option"), so the
	 * state is unknown */
	assert_string_equal(pub_rec_last(&r,
	    "th/inv/settings/solar_energy_distribution_priority"), "None");
	assert_string_equal(pub_rec_last(&r, "th/inv/settings/solar_charge_battery"),
	    "disabled");
	result_free(&res);
	pub_rec_free(&r);
	fix_free(&f);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_pi17_solar_distribution_select_and_hecs_switches),
	cmocka_unit_test(test_pi18_selects_and_number_follow_its_own_patterns),
	cmocka_unit_test(test_pi18_states_from_a_piri_reply),
	cmocka_unit_test(test_output_priority_select_offers_all_three_options),
	cmocka_unit_test(test_select_keeps_only_the_options_the_allowlist_admits),
	cmocka_unit_test(test_no_pcp_pattern_means_no_charger_select),
	cmocka_unit_test(test_switches_only_for_admitted_flag_letters),
	cmocka_unit_test(test_switch_needs_both_enable_and_disable_commands),
	cmocka_unit_test(test_every_pi30_switch_from_the_qflag_table),
	cmocka_unit_test(test_pi30max_switches_follow_its_flag_letters),
	cmocka_unit_test(test_option_names_come_from_the_protocol_qpiri_rows),
	cmocka_unit_test(test_prefix_match_mode_admits_as_the_router_does),
	cmocka_unit_test(test_nothing_admitted_for_an_unrelated_allowlist),
	cmocka_unit_test(test_number_admitted_when_min_max_and_middle_are),
	cmocka_unit_test(test_number_range_follows_the_rated_battery_voltage),
	cmocka_unit_test(test_number_command_template_formats_two_digits_and_a_decimal),
	cmocka_unit_test(test_current_select_waits_for_the_options_query),
	cmocka_unit_test(test_muchgc_digit_count_follows_the_protocol_pattern),
	cmocka_unit_test(test_current_options_from_canned_replies),
};

#include "testmain.h"
MPPD_TEST_MAIN(tests)

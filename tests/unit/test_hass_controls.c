/*
 * test_hass_controls.c - the Home Assistant setting entities: which ones a
 * device gets for its allowlist and protocol, the keys and templates of
 * their discovery configs, and their states from decoded replies.
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "testmain.h"
#include "allow.h"
#include "hass_settings.h"
#include "proto.h"
#include "result.h"
#include "sbuf.h"

/* ---- helpers -------------------------------------------------------- */

struct msg {
	char	*topic;
	char	*payload;
	int	 qos, retain;
};

struct rec {
	struct msg	m[128];
	int		n;
};

static void
rec_pub(void *arg, const char *topic, const char *payload, size_t len,
    int qos, int retain)
{
	struct rec *r = arg;

	assert_true(r->n < 128);
	r->m[r->n].topic = strdup(topic);
	r->m[r->n].payload = strndup(payload, len);
	r->m[r->n].qos = qos;
	r->m[r->n].retain = retain;
	r->n++;
}

static void
rec_free(struct rec *r)
{
	for (int i = 0; i < r->n; i++) {
		free(r->m[i].topic);
		free(r->m[i].payload);
	}
	r->n = 0;
}

/* The payload published on topic, or NULL. */
static const char *
rec_get(const struct rec *r, const char *topic)
{
	for (int i = r->n - 1; i >= 0; i--)
		if (strcmp(r->m[i].topic, topic) == 0)
			return r->m[i].payload;
	return NULL;
}

static const struct pi_proto *
proto(const char *id)
{
	const struct pi_proto *p;

	assert_int_equal(proto_init(), 0);
	p = proto_find(id);
	assert_non_null(p);
	return p;
}

/* The set for protocol id and a comma-separated allowlist (MATCH_FULL). */
struct fix {
	struct allowlist	*allow;
	struct hc_set		*set;
};

static void
build_full(struct fix *f, const char *id, const char *patterns,
    enum cmd_match mode, const int *chg, int nchg, const int *uchg, int nuchg,
    double battery_v)
{
	char *items[32], *copy = strdup(patterns), *save = NULL, *tok;
	struct hc_params hp;
	int n = 0;

	for (tok = strtok_r(copy, ",", &save); tok != NULL && n < 32;
	    tok = strtok_r(NULL, ",", &save))
		items[n++] = tok;
	f->allow = allow_compile(items, n, mode, NULL);
	assert_non_null(f->allow);
	free(copy);
	memset(&hp, 0, sizeof(hp));
	hp.proto = proto(id);
	hp.allow = f->allow;
	hp.device = "inv";
	hp.hostname = "th";
	hp.cmd_topic = "th/inv/cmd";
	hp.qos = 1;
	hp.chg_opts = chg;
	hp.nchg = nchg;
	hp.uchg_opts = uchg;
	hp.nuchg = nuchg;
	hp.battery_v = battery_v;
	f->set = hc_build(&hp);
}

static void
build(struct fix *f, const char *id, const char *patterns)
{
	build_full(f, id, patterns, MATCH_FULL, NULL, -1, NULL, -1, 48);
}

static void
fix_free(struct fix *f)
{
	hc_free(f->set);
	allow_free(f->allow);
}

static enum hc_status
status_of(const struct fix *f, const char *object)
{
	const struct hc_entity *e = hc_find(f->set, object);

	if (e == NULL)
		fail_msg("no entity %s", object);
	return e->status;
}

/* The discovery config of object, parsed (caller deletes). */
static cJSON *
config_of(const struct fix *f, const char *object)
{
	const struct hc_entity *e = hc_find(f->set, object);
	struct sbuf b = SBUF_INIT;
	cJSON *j;

	assert_non_null(e);
	hc_config_payload(f->set, e, &b);
	j = cJSON_Parse(sbuf_str(&b));
	if (j == NULL)
		fail_msg("not JSON: %s", sbuf_str(&b));
	sbuf_free(&b);
	return j;
}

static const char *
jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	if (!cJSON_IsString(v))
		fail_msg("key %s missing or not a string", k);
	return v->valuestring;
}

static double
jnum(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	if (!cJSON_IsNumber(v))
		fail_msg("key %s missing or not a number", k);
	return v->valuedouble;
}

/* Decodes the protocol's canned reply k to cmd. */
static void
decode_canned(const struct pi_proto *p, const char *cmd, int k,
    struct result *r)
{
	const struct pi_cmd *d = proto_lookup(p, cmd, NULL, 0);

	assert_non_null(d);
	assert_true(k < d->ncanned);
	result_init(r);
	proto_decode(p, cmd, (const uint8_t *)pi_str(pi_cmd_canned(d, k)->data),
	    pi_cmd_canned(d, k)->len, r);
}

static void
decode_text(const struct pi_proto *p, const char *cmd, const char *reply,
    struct result *r)
{
	result_init(r);
	proto_decode(p, cmd, (const uint8_t *)reply, strlen(reply), r);
}

/*
 * Renders a select's command_template for value as Home Assistant's Jinja
 * does for this form: {% set m = {"label": "cmd", ...} %}{{ m[value] }}.
 * Returns the command (static buffer) or NULL when value is not a key.
 */
static const char *
render_select(const char *tmpl, const char *value)
{
	static char out[64];
	const char *p = strstr(tmpl, "{% set m = {");
	char key[128], val[64];

	assert_non_null(p);
	assert_non_null(strstr(tmpl, "} %}{{ m[value] }}"));
	p += strlen("{% set m = {");
	while (*p == '"') {
		size_t n = 0;
		for (p++; *p != '"' && n + 1 < sizeof(key); p++) {
			if (*p == '\\')
				p++;
			key[n++] = *p;
		}
		key[n] = '\0';
		assert_true(p[0] == '"' && p[1] == ':' && p[2] == ' ' &&
		    p[3] == '"');
		p += 4;
		n = 0;
		for (; *p != '"' && n + 1 < sizeof(val); p++)
			val[n++] = *p;
		val[n] = '\0';
		p++;
		if (strcmp(key, value) == 0) {
			snprintf(out, sizeof(out), "%s", val);
			return out;
		}
		if (p[0] == ',' && p[1] == ' ')
			p += 2;
	}
	return NULL;
}

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
	struct rec r = { .n = 0 };

	build(&f, "PI30", "POP0[0-2]");
	assert_int_equal(status_of(&f, "charger_source_priority"), HC_REFUSED);
	assert_int_equal(hc_publish_discovery(f.set, rec_pub, &r), 1);
	/* the refused entity's retained config is cleared, never filled */
	assert_string_equal(rec_get(&r,
	    "homeassistant/select/mpp_inv_charger_source_priority/config"), "");
	assert_non_null(strstr(rec_get(&r,
	    "homeassistant/select/mpp_inv_output_source_priority/config"),
	    "\"SBU first\""));
	for (int i = 0; i < r.n; i++)
		if (r.m[i].payload[0] != '\0')
			assert_non_null(strstr(r.m[i].topic,
			    "output_source_priority"));
	rec_free(&r);
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
	struct rec r = { .n = 0 };

	/* not read yet: waiting, no config */
	build_full(&f, "PI30", "PBCV.*,PCVV.*", MATCH_FULL, NULL, -1, NULL, -1, 0);
	assert_int_equal(status_of(&f, "battery_recharge_voltage"), HC_WAITING);
	assert_int_equal(hc_publish_discovery(f.set, rec_pub, &r), 0);
	assert_null(rec_get(&r,
	    "homeassistant/number/mpp_inv_battery_recharge_voltage/config"));
	rec_free(&r);
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

static const int chg[] = { 10, 20, 30, 40, 50, 60 };
static const int uchg[] = { 2, 10, 20, 30 };

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
	struct rec r = { .n = 0 };

	build(&f, "PI30", "POP0[0-2],PBCV.*,PEa,PDa");
	assert_int_equal(hc_publish_discovery(f.set, rec_pub, &r), 3);
	for (int i = 0; i < r.n; i++) {
		assert_int_equal(r.m[i].qos, 0);
		assert_int_equal(r.m[i].retain, 1);
	}
	rec_free(&r);
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
	struct rec r = { .n = 0 };
	struct result res;

	build_full(&f, "PI30", "POP.*,PCP.*,PBT.*,MCHGC.*,MUCHGC.*,PBCV.*,"
	    "PBDV.*,PSDV.*,PCVV.*,PBFT.*", MATCH_FULL, chg, 6, uchg, 4, 48);
	/* canned: ... 48.0 46.0 42.0 56.4 54.0 0 10 010 1 0 0 ... 54.0 ... */
	decode_canned(proto("PI30"), "QPIRI", 0, &res);
	assert_int_equal(hc_publish_states(f.set, "QPIRI", &res, rec_pub, &r), 11);
	assert_string_equal(rec_get(&r, "th/inv/settings/output_source_priority"),
	    "Utility first");
	assert_string_equal(rec_get(&r, "th/inv/settings/charger_source_priority"),
	    "Utility first");
	assert_string_equal(rec_get(&r, "th/inv/settings/battery_type"), "AGM");
	assert_string_equal(rec_get(&r, "th/inv/settings/max_charging_current"),
	    "10");
	assert_string_equal(rec_get(&r,
	    "th/inv/settings/max_utility_charging_current"), "10");
	assert_string_equal(rec_get(&r,
	    "th/inv/settings/battery_recharge_voltage"), "46.0");
	assert_string_equal(rec_get(&r,
	    "th/inv/settings/battery_cut_off_voltage"), "42.0");
	assert_string_equal(rec_get(&r,
	    "th/inv/settings/battery_bulk_charging_voltage"), "56.4");
	assert_string_equal(rec_get(&r,
	    "th/inv/settings/battery_float_charging_voltage"), "54.0");
	assert_string_equal(rec_get(&r,
	    "th/inv/settings/battery_redischarge_voltage"), "54.0");
	assert_string_equal(rec_get(&r,
	    "th/inv/settings/battery_redischarge_at_full"), "disabled");
	for (int i = 0; i < r.n; i++) {
		assert_int_equal(r.m[i].qos, 0);
		assert_int_equal(r.m[i].retain, 1);
	}
	assert_true(hc_rated_battery_voltage(&res) == 48);
	result_free(&res);
	rec_free(&r);
	/* canned reply 1: SBU first, battery type User, 30 A / 60 A */
	decode_canned(proto("PI30"), "QPIRI", 1, &res);
	hc_publish_states(f.set, "QPIRI", &res, rec_pub, &r);
	assert_string_equal(rec_get(&r, "th/inv/settings/output_source_priority"),
	    "SBU first");
	assert_string_equal(rec_get(&r, "th/inv/settings/battery_type"), "User");
	assert_string_equal(rec_get(&r, "th/inv/settings/max_charging_current"),
	    "60");
	assert_string_equal(rec_get(&r,
	    "th/inv/settings/max_utility_charging_current"), "30");
	result_free(&res);
	rec_free(&r);
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
	struct rec r = { .n = 0 };
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
	hc_publish_states(f.set, "QPIRI", &res, rec_pub, &r);
	assert_string_equal(rec_get(&r,
	    "th/inv/settings/charger_source_priority"), "None");
	assert_string_equal(rec_get(&r, "th/inv/settings/battery_type"), "BAK");
	assert_string_equal(rec_get(&r,
	    "th/inv/settings/battery_redischarge_voltage"), "None");
	assert_string_equal(rec_get(&r,
	    "th/inv/settings/battery_redischarge_at_full"), "enabled");
	result_free(&res);
	rec_free(&r);
	fix_free(&f);
}

static void
test_states_from_a_qflag_reply(void **state)
{
	struct fix f;
	struct rec r = { .n = 0 };
	struct result res;

	build(&f, "PI30", "PE[abx],PD[abx]");
	decode_canned(proto("PI30"), "QFLAG", 0, &res);	/* (EakxyDbjuvz */
	assert_int_equal(hc_publish_states(f.set, "QFLAG", &res, rec_pub, &r), 3);
	assert_string_equal(rec_get(&r, "th/inv/settings/buzzer"), "enabled");
	assert_string_equal(rec_get(&r, "th/inv/settings/lcd_backlight"),
	    "enabled");
	assert_string_equal(rec_get(&r, "th/inv/settings/overload_bypass"),
	    "disabled");
	/* refused switches publish no state */
	assert_null(rec_get(&r, "th/inv/settings/power_saving"));
	/* a QFLAG result publishes nothing for QPIRI entities and vice versa */
	assert_int_equal(hc_publish_states(f.set, "QPIRI", &res, rec_pub, &r), 0);
	result_free(&res);
	rec_free(&r);
	fix_free(&f);
}

static void
test_error_replies_publish_no_state(void **state)
{
	struct fix f;
	struct rec r = { .n = 0 };
	struct result res;

	build(&f, "PI30", "POP.*");
	decode_text(proto("PI30"), "QPIRI", "(NAKss\r", &res);
	assert_int_equal(hc_publish_states(f.set, "QPIRI", &res, rec_pub, &r), 0);
	assert_true(hc_rated_battery_voltage(&res) == 0);
	assert_int_equal(r.n, 0);
	result_free(&res);
	result_init(&res);
	result_error(&res, "No communications port defined");
	assert_int_equal(hc_publish_states(f.set, "QPIRI", &res, rec_pub, &r), 0);
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
	struct rec r = { .n = 0 };
	struct result res;

	(void)state;
	build_full(&f, "PI18", "POP[01],PCP.*,PBT\\d,MCHGC.*,PSDV\\d+",
	    MATCH_FULL, c18, 8, NULL, -1, 48);
	/* canned: 2300,217,...,450,552,545,2,10,060,1,1,1,9,... */
	decode_canned(proto("PI18"), "PIRI", 0, &res);
	assert_int_equal(hc_publish_states(f.set, "QPIRI", &res, rec_pub, &r), 0);
	assert_true(hc_publish_states(f.set, "PIRI", &res, rec_pub, &r) >= 4);
	assert_string_equal(rec_get(&r, "th/inv/settings/output_source_priority"),
	    "Solar-Battery-Utility");
	assert_string_equal(rec_get(&r, "th/inv/settings/charger_source_priority"),
	    "Solar and Utility");
	assert_string_equal(rec_get(&r, "th/inv/settings/battery_type"), "User");
	assert_string_equal(rec_get(&r, "th/inv/settings/battery_cut_off_voltage"),
	    "45.0");
	assert_string_equal(rec_get(&r, "th/inv/settings/max_charging_current"),
	    "60");
	assert_true(hc_rated_battery_voltage(&res) == 48);
	result_free(&res);
	rec_free(&r);
	fix_free(&f);
}

static void
test_pi17_solar_distribution_select_and_hecs_switches(void **state)
{
	struct fix f;
	struct rec r = { .n = 0 };
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
	assert_true(hc_publish_states(f.set, "HECS", &res, rec_pub, &r) >= 3);
	/* "Battery-Load-Grid" (SEP00) is not among the options the
	 * allowlist admits: HA would refuse it ("Invalid option"), so the
	 * state is unknown */
	assert_string_equal(rec_get(&r,
	    "th/inv/settings/solar_energy_distribution_priority"), "None");
	assert_string_equal(rec_get(&r, "th/inv/settings/solar_charge_battery"),
	    "disabled");
	result_free(&res);
	rec_free(&r);
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

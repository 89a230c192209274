/*
 * hass_controls_env.h - the fixture shared by the tests of the Home
 * Assistant setting entities (test_hass_controls.c,
 * test_hass_controls_msg.c): a publisher that records every message, a
 * set built for a protocol and an allowlist, its entities' status and
 * parsed discovery configs, replies decoded from the canned ones or from
 * text, and a select's command template rendered for a value.
 *
 * Included by one test program at a time, so everything is static (and
 * inline, so a program that does not use a helper gets no warning).
 */
#ifndef MPPD_HASS_CONTROLS_ENV_H
#define MPPD_HASS_CONTROLS_ENV_H

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "testmain.h"
#include "allow.h"
#include "hass_settings.h"
#include "proto.h"
#include "pub_rec.h"
#include "result.h"
#include "sbuf.h"

static inline const struct pi_proto *
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

static inline void
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

static inline void
build(struct fix *f, const char *id, const char *patterns)
{
	build_full(f, id, patterns, MATCH_FULL, NULL, -1, NULL, -1, 48);
}

static inline void
fix_free(struct fix *f)
{
	hc_free(f->set);
	allow_free(f->allow);
}

static inline enum hc_status
status_of(const struct fix *f, const char *object)
{
	const struct hc_entity *e = hc_find(f->set, object);

	if (e == NULL)
		fail_msg("no entity %s", object);
	return e->status;
}

/* The discovery config of object, parsed (caller deletes). */
static inline cJSON *
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

static inline const char *
jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	if (!cJSON_IsString(v))
		fail_msg("key %s missing or not a string", k);
	return v->valuestring;
}

static inline double
jnum(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	if (!cJSON_IsNumber(v))
		fail_msg("key %s missing or not a number", k);
	return v->valuedouble;
}

/* Decodes the protocol's canned reply k to cmd. */
static inline void
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

static inline void
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
static inline const char *
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

/* The max charging current options the tests offer (QMCHGCR, QMUCHGCR). */
static const int chg[] = { 10, 20, 30, 40, 50, 60 };
static const int uchg[] = { 2, 10, 20, 30 };

#endif

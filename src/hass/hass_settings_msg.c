/*
 * hass_settings_msg.c - the messages of the Home Assistant setting entities
 * (hass_settings.c builds them): their retained discovery configs, their
 * states read from decoded QPIRI and QFLAG replies, and the current options
 * and rated battery voltage those replies give.
 *
 * Pure functions without I/O: messages go to an out_publish_fn.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "hass_profiles.h"
#include "hass_settings.h"
#include "hass_settings_int.h"
#include "log.h"
#include "pyfmt.h"
#include "result.h"
#include "sbuf.h"

/* ---- discovery ------------------------------------------------------ */

static const char *const kind_names[] = {
	[HC_SELECT] = "select", [HC_NUMBER] = "number", [HC_SWITCH] = "switch",
};

void
hc_config_topic(const struct hc_set *s, const struct hc_entity *e,
    struct sbuf *out)
{
	sbuf_printf(out, "homeassistant/%s/%s_%s/config", kind_names[e->kind],
	    s->uid_base, e->object);
}

void
hc_state_topic(const struct hc_set *s, const struct hc_entity *e,
    struct sbuf *out)
{
	sbuf_printf(out, "%s/%s/settings/%s", s->hostname, s->device, e->object);
}

/* A Jinja string literal: double quotes, backslash escapes. */
static void
jinja_str(struct sbuf *out, const char *s)
{
	sbuf_addc(out, '"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			sbuf_addc(out, '\\');
		sbuf_addc(out, *s);
	}
	sbuf_addc(out, '"');
}

/* {% set m = {"Utility first": "POP00", ...} %}{{ m[value] }} */
static void
select_template(const struct hc_entity *e, struct sbuf *out)
{
	sbuf_adds(out, "{% set m = {");
	for (int i = 0; i < e->nopts; i++) {
		if (i > 0)
			sbuf_adds(out, ", ");
		jinja_str(out, e->opts[i].label);
		sbuf_adds(out, ": ");
		jinja_str(out, e->opts[i].cmd);
	}
	sbuf_adds(out, "} %}{{ m[value] }}");
}

static void
add_str(cJSON *o, const char *k, const char *v)
{
	cJSON_AddItemToObject(o, k, cJSON_CreateString(v));
}

void
hc_config_payload(const struct hc_set *s, const struct hc_entity *e,
    struct sbuf *out)
{
	cJSON *o = cJSON_CreateObject(), *a, *dev;
	struct sbuf t = SBUF_INIT;
	char *text;

	if (o == NULL)
		return;
	add_str(o, "name", e->name);
	sbuf_printf(&t, "%s_%s", s->uid_base, e->object);
	add_str(o, "unique_id", sbuf_str(&t));
	add_str(o, "object_id", sbuf_str(&t));
	add_str(o, "command_topic", s->cmd_topic);
	sbuf_reset(&t);
	switch (e->kind) {
	case HC_SELECT:
		select_template(e, &t);
		add_str(o, "command_template", sbuf_str(&t));
		break;
	case HC_NUMBER:
		/* HA passes whole numbers as int: '%04.1f' % 48 is "48.0". */
		if (e->deci)
			sbuf_printf(&t, "%s{{ '%%03d' %% ((value * 10) | round "
			    "| int) }}", e->prefix);
		else
			sbuf_printf(&t, "%s{{ '%%04.1f' %% value }}", e->prefix);
		add_str(o, "command_template", sbuf_str(&t));
		break;
	case HC_SWITCH:
		add_str(o, "payload_on", e->on_cmd);
		add_str(o, "payload_off", e->off_cmd);
		add_str(o, "state_on", "enabled");
		add_str(o, "state_off", "disabled");
		break;
	}
	sbuf_reset(&t);
	hc_state_topic(s, e, &t);
	add_str(o, "state_topic", sbuf_str(&t));
	cJSON_AddNumberToObject(o, "qos", s->qos);
	if (e->kind == HC_SELECT) {
		a = cJSON_AddArrayToObject(o, "options");
		for (int i = 0; a != NULL && i < e->nopts; i++)
			cJSON_AddItemToArray(a, cJSON_CreateString(e->opts[i].label));
	} else if (e->kind == HC_NUMBER) {
		cJSON_AddNumberToObject(o, "min", e->min);
		cJSON_AddNumberToObject(o, "max", e->max);
		cJSON_AddNumberToObject(o, "step", e->step);
		add_str(o, "mode", "box");
		add_str(o, "unit_of_measurement", "V");
		add_str(o, "device_class", "voltage");
	}
	/* As the hassd sensors: unavailable when the daemon (last will) or
	 * the inverter is offline. */
	a = cJSON_AddArrayToObject(o, "availability");
	if (a != NULL) {
		cJSON *t1 = cJSON_CreateObject(), *t2 = cJSON_CreateObject();
		sbuf_reset(&t);
		sbuf_printf(&t, "%s/mppd/status", s->hostname);
		add_str(t1, "topic", sbuf_str(&t));
		sbuf_reset(&t);
		sbuf_printf(&t, "%s/%s/availability", s->hostname, s->device);
		add_str(t2, "topic", sbuf_str(&t));
		cJSON_AddItemToArray(a, t1);
		cJSON_AddItemToArray(a, t2);
	}
	add_str(o, "availability_mode", "all");
	add_str(o, "entity_category", "config");
	/* Identical to hassd_mqtt's device block, so HA groups them. */
	dev = cJSON_AddObjectToObject(o, "device");
	if (dev != NULL) {
		add_str(dev, "name", s->device);
		a = cJSON_AddArrayToObject(dev, "identifiers");
		if (a != NULL)
			cJSON_AddItemToArray(a, cJSON_CreateString(s->device));
		add_str(dev, "model", s->device);
		add_str(dev, "manufacturer", "MPP-Solar");
	}
	if (e->icon != NULL)
		add_str(o, "icon", e->icon);
	text = cJSON_PrintUnformatted(o);
	if (text != NULL) {
		sbuf_adds(out, text);
		cJSON_free(text);
	}
	cJSON_Delete(o);
	sbuf_free(&t);
}

int
hc_publish_discovery(const struct hc_set *s, out_publish_fn fn, void *arg)
{
	struct sbuf t = SBUF_INIT, pl = SBUF_INIT;
	int n = 0;

	for (int i = 0; i < s->n; i++) {
		const struct hc_entity *e = &s->e[i];
		if (e->status == HC_WAITING)
			continue;
		sbuf_reset(&t);
		sbuf_reset(&pl);
		hc_config_topic(s, e, &t);
		if (e->status == HC_READY) {
			hc_config_payload(s, e, &pl);
			n++;
		}
		fn(arg, sbuf_str(&t), sbuf_str(&pl), pl.len, 0, 1);
	}
	sbuf_free(&t);
	sbuf_free(&pl);
	return n;
}

/* ---- states and replies -------------------------------------------- */

/* The reference's error entries: the reply is no data. */
static int
is_error_result(const struct result *r)
{
	return result_find(r, "validity check") != NULL ||
	    result_find(r, "ERROR") != NULL || result_find(r, "error") != NULL ||
	    result_find(r, "warning") != NULL;
}

/* A number entry as a double; 0 when it is none. */
static int
number_of(const struct value *v, double *out)
{
	if (v->type == V_FLOAT) {
		*out = v->f;
		return 1;
	}
	if ((v->type == V_INT || v->type == V_STR) && v->s != NULL) {
		char *end;
		*out = strtod(v->s, &end);
		return end != v->s && *end == '\0';
	}
	return 0;
}

/*
 * Turns the decoded text in out (Python's str()) into what HA takes as e's
 * state: the option label, "enabled"/"disabled" for a switch read from a
 * number, or "None" (unknown) with one log line when the inverter reports
 * something e cannot show.  The entity is cast to writable for
 * unknown_logged only (see hass_settings.h).
 */
static void
state_value(struct hc_entity *e, const char *device, const struct value *val,
    struct sbuf *out)
{
	const char *why = NULL;
	double x;
	int i;

	switch (e->kind) {
	case HC_SELECT:
		for (i = 0; i < e->nopts; i++) {
			const char *st = e->opts[i].state != NULL ?
			    e->opts[i].state : e->opts[i].label;
			if (strcmp(st, sbuf_str(out)) == 0)
				break;
		}
		if (i < e->nopts) {
			sbuf_reset(out);
			sbuf_adds(out, e->opts[i].label);
		} else
			why = "is none of its options";
		break;
	case HC_NUMBER:
		/* 0.05: the reply has one decimal, the bounds are rounded */
		if (!number_of(val, &x) || x < e->min - 0.05 || x > e->max + 0.05)
			why = "is outside its range";
		break;
	case HC_SWITCH:
		if (!e->on_when_zero)
			break;
		if (!number_of(val, &x))
			why = "is not a number";
		else {
			sbuf_reset(out);
			sbuf_adds(out, x == 0.0 ? "enabled" : "disabled");
		}
		break;
	}
	if (why == NULL) {
		e->unknown_logged = 0;
		return;
	}
	if (!e->unknown_logged)
		log_warn("%s: %s: the inverter reports \"%s\", which %s: "
		    "published as unknown", device, e->name, sbuf_str(out), why);
	e->unknown_logged = 1;
	sbuf_reset(out);
	sbuf_adds(out, "None");
}

int
hc_publish_states(const struct hc_set *s, const char *cmd,
    const struct result *r, out_publish_fn fn, void *arg)
{
	struct sbuf t = SBUF_INIT, v = SBUF_INIT;
	enum hc_source src;
	int n = 0;

	if (s->prof == NULL)
		return 0;
	if (strcmp(cmd, s->prof->query[HC_Q_PIRI]) == 0)
		src = HC_SRC_QPIRI;
	else if (s->prof->query[HC_Q_FLAG] != NULL &&
	    strcmp(cmd, s->prof->query[HC_Q_FLAG]) == 0)
		src = HC_SRC_QFLAG;
	else
		return 0;
	if (r == NULL || is_error_result(r))
		return 0;
	for (int i = 0; i < s->n; i++) {
		const struct hc_entity *e = &s->e[i];
		const struct entry *en;
		if (e->source != src || e->status == HC_REFUSED ||
		    (en = result_find(r, e->field)) == NULL ||
		    en->v.type == V_NONE)
			continue;
		sbuf_reset(&t);
		sbuf_reset(&v);
		hc_state_topic(s, e, &t);
		py_str_value(&v, &en->v);
		state_value((struct hc_entity *)e, s->device, &en->v, &v);
		fn(arg, sbuf_str(&t), sbuf_str(&v), v.len, 0, 1);
		n++;
	}
	sbuf_free(&t);
	sbuf_free(&v);
	return n;
}

/* Whole ampere value of an entry: an int, or a string of 1-4 digits. */
static int
amps_of(const struct value *v, int *out)
{
	const char *s = v->s;
	size_t len;

	if ((v->type != V_INT && v->type != V_STR) || s == NULL)
		return -1;
	len = strlen(s);
	if (len == 0 || len > 4 || strspn(s, "0123456789") != len)
		return -1;
	*out = atoi(s);
	return *out > 0 ? 0 : -1;
}

int
hc_current_options(const struct result *r, int *out, int max)
{
	int n = 0;

	if (r == NULL || is_error_result(r))
		return -1;
	for (int i = 0; i < r->n && n < max; i++) {
		const struct entry *e = &r->e[i];
		int a, dup = 0;
		if (e->key[0] == '_' || amps_of(&e->v, &a) < 0)
			continue;
		for (int k = 0; k < n; k++)
			dup |= out[k] == a;
		if (!dup)
			out[n++] = a;
	}
	return n;
}

double
hc_rated_battery_voltage(const struct result *r)
{
	const struct entry *e;
	double v;

	if (r == NULL || is_error_result(r))
		return 0;
	if ((e = result_find(r, "Battery Voltage")) == NULL &&
	    (e = result_find(r, "Battery Rating Voltage")) == NULL &&
	    (e = result_find(r, "Battery rated voltage")) == NULL)	/* PI18 */
		return 0;
	if (e->v.type == V_FLOAT)
		v = e->v.f;
	else if (e->v.type == V_INT && e->v.s != NULL)
		v = atof(e->v.s);
	else
		return 0;
	if (!(v > 0))
		return 0;
	return v < 18 ? 12 : v < 36 ? 24 : 48;
}

int
hc_is_ack(const struct result *r)
{
	if (r == NULL || is_error_result(r))
		return 0;
	for (int i = 0; i < r->n; i++)
		if (r->e[i].v.type == V_STR && r->e[i].v.s != NULL &&
		    (strcmp(r->e[i].v.s, "ACK") == 0 ||
		    strcmp(r->e[i].v.s, "Successful") == 0))
			return 1;
	return 0;
}

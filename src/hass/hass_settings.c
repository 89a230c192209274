/*
 * hass_settings.c - Home Assistant select, number and switch entities for
 * the inverter settings: the entity list (tables below), the discovery
 * configs and the states.
 *
 * Option names come from the protocol's own settings rows (QPIRI, PIRI),
 * command arguments from its argument patterns, switch letters from its
 * QFLAG row.  What differs per family (the queries, the command formats,
 * PI17's switches) is one profile each below (PI30, PI17, PI18); nothing
 * per protocol.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "allow.h"
#include "cmd_check.h"
#include "hass_profiles.h"
#include "hass_settings.h"
#include "log.h"
#include "proto.h"
#include "pyfmt.h"
#include "result.h"
#include "sbuf.h"

#define NUM_STEP	0.1

/* Before QMCHGCR has answered, a select is "waiting" when the allowlist
 * admits one of these (the currents the reference's canned replies list). */
static const int probe_currents[] = { 2, 10, 20, 30, 40, 50, 60, 70, 80, 90,
    100, 110, 120 };

/* Option names that are placeholders in the tables, not settings. */
static const char *const placeholder_names[] = { "", "Undefined", "TBD",
    "Reserved" };

static const struct {
	const char	*field;
	const char	*icon;
} switch_icons[] = {
	{ "Buzzer", "mdi:volume-high" },
	{ "LCD Backlight", "mdi:brightness-6" },
	{ "Power Saving", "mdi:leaf" },
	{ "Solar Feed to Grid", "mdi:transmission-tower-import" },
};

struct hc_set {
	char			*device;
	char			*hostname;
	char			*cmd_topic;
	char			*uid_base;	/* "mpp_<device>" with [A-Za-z0-9_-] only */
	int			 qos;
	const struct hc_profile	*prof;		/* NULL: no settings entities */
	struct hc_entity	*e;
	int			 n;
};

/* ---- protocol and allowlist checks --------------------------------- */

/* The protocol defines cmd as a command named prefix with a valid argument. */
static int
proto_admits(const struct pi_proto *p, const char *prefix, const char *cmd)
{
	const struct pi_cmd *d = proto_lookup(p, cmd, NULL, 0);

	return d != NULL && strcmp(pi_str(d->key), prefix) == 0;
}

/* The router's verdict (cmd_check with undefined commands refused) plus
 * the command resolving to the expected definition. */
static int
admits(const struct hc_params *p, const char *prefix, const char *cmd)
{
	char err[160];

	if (p->allow == NULL || !proto_admits(p->proto, prefix, cmd))
		return 0;
	return cmd_check(cmd, p->allow, p->proto, 0, err, sizeof(err)) == 0;
}

static const struct pi_cmd *
find_cmd(const struct pi_proto *p, const char *key)
{
	for (int i = 0; i < p->ncmds; i++)
		if (strcmp(pi_str(proto_cmd(p, i)->key), key) == 0)
			return proto_cmd(p, i);
	return NULL;
}

/* The row named name of the protocol's command key, or NULL. */
static const struct pi_row *
find_row(const struct pi_proto *p, const char *key, const char *name)
{
	const struct pi_cmd *d = find_cmd(p, key);

	for (int i = 0; d != NULL && i < d->nrows; i++)
		if (pi_cmd_row(d, i)->name != 0 &&
		    strcmp(pi_str(pi_cmd_row(d, i)->name), name) == 0)
			return pi_cmd_row(d, i);
	return NULL;
}

/*
 * prefix + amperes with as many digits as the protocol's pattern wants
 * ("MUCHGC030" on PI30, "MUCHGC0030" on PI30M045).  0, or -1 when no
 * width fits.
 */
static int
current_cmd(const struct pi_proto *p, const char *prefix, int amps, char *out,
    size_t n)
{
	for (int width = 3; width <= 4; width++) {
		snprintf(out, n, "%s%0*d", prefix, width, amps);
		if (proto_admits(p, prefix, out))
			return 0;
	}
	out[0] = '\0';
	return -1;
}

static void
number_cmd(const char *prefix, int deci, double v, char *out, size_t n)
{
	if (deci)
		snprintf(out, n, "%s%03ld", prefix, lround(v * 10));
	else
		snprintf(out, n, "%s%04.1f", prefix, v);
}

/* The command of a current select for amps (fmt NULL: PI30 widths). */
static int
current_of(const struct pi_proto *p, const struct sel_def *d, int amps,
    char *out, size_t n)
{
	if (d->fmt == NULL)
		return current_cmd(p, d->prefix, amps, out, n);
	snprintf(out, n, d->fmt, d->prefix, amps);
	return proto_admits(p, d->prefix, out) ? 0 : -1;
}

/* ---- building ------------------------------------------------------- */

static struct hc_entity *
add_entity(struct hc_set *s, enum hc_kind kind, const char *object,
    const char *name)
{
	struct hc_entity *e;

	s->e = xrealloc(s->e, (size_t)(s->n + 1) * sizeof(*s->e));
	e = &s->e[s->n++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->object = xstrdup(object);
	e->name = xstrdup(name);
	return e;
}

static void
add_option(struct hc_entity *e, const char *label, const char *cmd,
    const char *state)
{
	if (e->nopts >= HC_MAX_OPTS)
		return;
	for (int i = 0; i < e->nopts; i++)
		if (strcmp(e->opts[i].label, label) == 0)
			return;		/* a duplicate name could not be told apart */
	e->opts = xrealloc(e->opts, (size_t)(e->nopts + 1) * sizeof(*e->opts));
	e->opts[e->nopts].label = xstrdup(label);
	e->opts[e->nopts].cmd = xstrdup(cmd);
	e->opts[e->nopts].state = state != NULL ? xstrdup(state) : NULL;
	e->nopts++;
}

static int
is_placeholder(const char *name)
{
	for (size_t i = 0; i < sizeof(placeholder_names) /
	    sizeof(placeholder_names[0]); i++)
		if (strcmp(name, placeholder_names[i]) == 0)
			return 1;
	return 0;
}

/*
 * The name the setter's help text gives argument i ("... 07 for BAK, 08
 * for Lib" on PI30M044's PBT) into out; 0, or -1 when it names none.
 */
static int
help_name(const struct pi_proto *p, const char *prefix, int i, char *out,
    size_t n)
{
	const struct pi_cmd *d = find_cmd(p, prefix);
	char needle[16];
	const char *h, *end;
	size_t len;

	if (d == NULL || d->help == 0)
		return -1;
	snprintf(needle, sizeof(needle), "%02d for ", i);
	if ((h = strstr(pi_str(d->help), needle)) == NULL)
		return -1;
	h += strlen(needle);
	end = h + strcspn(h, ",)");
	while (end > h && end[-1] == ' ')
		end--;
	len = (size_t)(end - h);
	if (len == 0 || len >= n)
		return -1;
	memcpy(out, h, len);
	out[len] = '\0';
	return 0;
}

/*
 * An option (label, cmd; state: the decoded value it stands for, or NULL)
 * the protocol accepts: the device supports select d (*supported), and the
 * option joins *e (made on the first) when the allowlist admits cmd.
 */
static void
select_offer(struct hc_set *s, const struct hc_params *p,
    const struct sel_def *d, const char *label, const char *state,
    const char *cmd, struct hc_entity **e, int *supported)
{
	*supported = 1;
	if (!admits(p, d->prefix, cmd))
		return;
	if (*e == NULL)
		*e = add_entity(s, HC_SELECT, d->object, d->name);
	add_option(*e, label, cmd, state);
}

/*
 * After the offers: nothing when the device supports no option; a refused
 * entity when the allowlist admits none; then the select's common fields.
 */
static void
select_finish(struct hc_set *s, const struct sel_def *d, struct hc_entity *e,
    int supported)
{
	if (!supported)
		return;
	if (e == NULL) {
		e = add_entity(s, HC_SELECT, d->object, d->name);
		e->status = HC_REFUSED;
	}
	e->field = d->field;
	e->source = HC_SRC_QPIRI;
	e->icon = d->icon;
	e->prefix = d->prefix;
}

/* Option i of the settings row is fmt(prefix, i): "POP02" on PI30. */
static void
build_row_select(struct hc_set *s, const struct hc_params *p,
    const struct sel_def *d)
{
	const struct pi_row *row = find_row(p->proto, s->prof->query[HC_Q_PIRI],
	    d->field);
	struct hc_entity *e = NULL;
	int supported = 0;
	char cmd[32], named[64];

	if (row == NULL || row->kind != PK_OPTION || row->expr != PX_NONE ||
	    row->list == 0)
		return;
	for (int i = 0; i < row->nlist && i < 100; i++) {
		const char *label = pi_list_at(row->list, i), *state = NULL;
		snprintf(cmd, sizeof(cmd), d->fmt, d->prefix, i);
		if (!proto_admits(p->proto, d->prefix, cmd))
			continue;
		/* A placeholder in the reply's table ("TBD") is still a
		 * setting when the setter's help names it ("07 for BAK"):
		 * HA shows that name, the decoded placeholder maps to it. */
		if (is_placeholder(label)) {
			if (help_name(p->proto, d->prefix, i, named,
			    sizeof(named)) < 0)
				continue;
			state = label;
			label = named;
		}
		select_offer(s, p, d, label, state, cmd, &e, &supported);
	}
	select_finish(s, d, e, supported);
}

/* The options of a keyed row ("00": "Battery-Load-Grid"): fmt(prefix, key). */
static void
build_keyed_select(struct hc_set *s, const struct hc_params *p,
    const struct sel_def *d)
{
	const struct pi_row *row = find_row(p->proto, s->prof->query[HC_Q_PIRI],
	    d->field);
	struct hc_entity *e = NULL;
	int supported = 0;
	char cmd[32];

	if (row == NULL || row->map == 0)
		return;
	for (int i = 0; i < row->nmap; i++) {
		snprintf(cmd, sizeof(cmd), d->fmt, d->prefix, pi_str(pi_kv_at(row->map, i)->key));
		if (is_placeholder(pi_str(pi_kv_at(row->map, i)->val)) ||
		    !proto_admits(p->proto, d->prefix, cmd))
			continue;
		select_offer(s, p, d, pi_str(pi_kv_at(row->map, i)->val), NULL, cmd, &e,
		    &supported);
	}
	select_finish(s, d, e, supported);
}

/* Switches of the profile's own list, state from the settings query. */
static void
build_listed_switches(struct hc_set *s, const struct hc_params *p)
{
	for (size_t i = 0; i < s->prof->nsws; i++) {
		const struct sw_def *d = &s->prof->sws[i];
		const struct pi_cmd *on = proto_lookup(p->proto, d->on, NULL, 0);
		struct hc_entity *e;

		if (find_row(p->proto, s->prof->query[HC_Q_PIRI], d->field) ==
		    NULL || on == NULL || !on->setter ||
		    proto_lookup(p->proto, d->off, NULL, 0) != on)
			continue;
		e = add_entity(s, HC_SWITCH, d->object, d->name);
		e->field = d->field;
		e->source = HC_SRC_QPIRI;
		e->prefix = pi_str(on->key);
		e->icon = d->icon;
		snprintf(e->on_cmd, sizeof(e->on_cmd), "%s", d->on);
		snprintf(e->off_cmd, sizeof(e->off_cmd), "%s", d->off);
		e->status = admits(p, pi_str(on->key), d->on) &&
		    admits(p, pi_str(on->key), d->off) ? HC_READY : HC_REFUSED;
	}
}

/* The max charging current selects: options from QMCHGCR / QMUCHGCR. */
static void
build_current_select(struct hc_set *s, const struct hc_params *p,
    const struct sel_def *d)
{
	const int *opts = d->src == OPT_CHG ? p->chg_opts : p->uchg_opts;
	int nopts = d->src == OPT_CHG ? p->nchg : p->nuchg;
	struct hc_entity *e;
	char cmd[32], label[16];
	int any = 0;

	if (find_row(p->proto, s->prof->query[HC_Q_PIRI], d->field) == NULL ||
	    current_of(p->proto, d, 10, cmd, sizeof(cmd)) < 0)
		return;
	e = add_entity(s, HC_SELECT, d->object, d->name);
	e->field = d->field;
	e->source = HC_SRC_QPIRI;
	e->icon = d->icon;
	e->prefix = d->prefix;
	if (opts == NULL) {
		for (size_t i = 0; i < sizeof(probe_currents) /
		    sizeof(probe_currents[0]) && !any; i++)
			any = current_of(p->proto, d, probe_currents[i], cmd,
			    sizeof(cmd)) == 0 && admits(p, d->prefix, cmd);
		e->status = any ? HC_WAITING : HC_REFUSED;
		return;
	}
	for (int i = 0; i < nopts; i++) {
		if (current_of(p->proto, d, opts[i], cmd, sizeof(cmd)) < 0 ||
		    !admits(p, d->prefix, cmd))
			continue;
		snprintf(label, sizeof(label), "%d", opts[i]);
		add_option(e, label, cmd, NULL);
	}
	e->status = e->nopts > 0 ? HC_READY : HC_REFUSED;
}

static double
round1(double v)
{
	return round(v * 10.0) / 10.0;
}

/* A number is admitted when its minimum, maximum and middle value are. */
static void
build_number(struct hc_set *s, const struct hc_params *p,
    const struct num_def *d)
{
	double scale = p->battery_v > 0 ? p->battery_v / 48.0 : 1.0;
	double lo = round1(d->min48 * scale), hi = round1(d->max48 * scale);
	double probe[3];
	struct hc_entity *e;
	int ok = 1;
	char cmd[32];

	probe[0] = lo;
	probe[1] = hi;
	probe[2] = round1((lo + hi) / 2);
	if (find_row(p->proto, s->prof->query[HC_Q_PIRI], d->field) == NULL)
		return;
	number_cmd(d->prefix, d->deci, probe[0], cmd, sizeof(cmd));
	if (!proto_admits(p->proto, d->prefix, cmd))
		return;
	for (int i = 0; i < 3 && ok; i++) {
		number_cmd(d->prefix, d->deci, probe[i], cmd, sizeof(cmd));
		ok = admits(p, d->prefix, cmd);
	}
	e = add_entity(s, HC_NUMBER, d->object, d->name);
	e->field = d->field;
	e->source = HC_SRC_QPIRI;
	e->icon = "mdi:battery-arrow-up-outline";
	e->prefix = d->prefix;
	e->deci = d->deci;
	e->min = lo;
	e->max = hi;
	e->step = NUM_STEP;
	if (!ok)
		e->status = HC_REFUSED;
	else
		e->status = p->battery_v > 0 ? HC_READY : HC_WAITING;
}

/*
 * "Battery Redischarge at Full": PBDV00.0 (discharge again only once the
 * battery is full) as a switch next to the 48-58 V number; off sets the
 * lowest voltage, from where the number takes over.  Needs the rated
 * voltage, like the numbers.
 */
static void
build_full_switch(struct hc_set *s, const struct hc_params *p)
{
	double scale = p->battery_v > 0 ? p->battery_v / 48.0 : 1.0;
	struct hc_entity *e;
	char on[16], off[16];

	if (find_row(p->proto, s->prof->query[HC_Q_PIRI],
	    "Battery Redischarge Voltage") == NULL)
		return;
	number_cmd("PBDV", 0, 0.0, on, sizeof(on));
	number_cmd("PBDV", 0, round1(48.0 * scale), off, sizeof(off));
	if (!proto_admits(p->proto, "PBDV", on))
		return;
	e = add_entity(s, HC_SWITCH, "battery_redischarge_at_full",
	    "Battery Redischarge at Full");
	e->field = "Battery Redischarge Voltage";
	e->source = HC_SRC_QPIRI;
	e->icon = "mdi:battery-sync-outline";
	e->prefix = "PBDV";
	e->on_when_zero = 1;
	memcpy(e->on_cmd, on, sizeof(on));
	memcpy(e->off_cmd, off, sizeof(off));
	if (!admits(p, "PBDV", on) || !admits(p, "PBDV", off))
		e->status = HC_REFUSED;
	else
		e->status = p->battery_v > 0 ? HC_READY : HC_WAITING;
}

/* "LCD Backlight" -> "lcd_backlight": lower case, and "_" for every byte
 * HA refuses in a discovery object id (anything but [a-z0-9_-]). */
static char *
object_of(const char *name)
{
	char *o = xstrdup(name);

	for (char *c = o; *c != '\0'; c++)
		*c = isalnum((unsigned char)*c) && !(*c & 0x80) ?
		    (char)tolower((unsigned char)*c) : *c == '-' ? '-' : '_';
	return o;
}

/* One switch per letter of the protocol's QFLAG row: PE<x> and PD<x>. */
static void
build_switches(struct hc_set *s, const struct hc_params *p)
{
	const struct pi_cmd *q = s->prof->query[HC_Q_FLAG] == NULL ? NULL :
	    find_cmd(p->proto, s->prof->query[HC_Q_FLAG]);
	const struct pi_row *row = NULL;

	for (int i = 0; q != NULL && i < q->nrows; i++)
		if (pi_cmd_row(q, i)->kind == PK_ENFLAGS &&
		    pi_cmd_row(q, i)->expr == PX_NONE)
			row = pi_cmd_row(q, i);
	if (row == NULL)
		return;
	for (int i = 0; i < row->nmap; i++) {
		const struct pi_kv *kv = pi_kv_at(row->map, i);
		struct hc_entity *e;
		char on[8], off[8], *obj;

		if (strlen(pi_str(kv->key)) != 1)
			continue;
		snprintf(on, sizeof(on), "PE%s", pi_str(kv->key));
		snprintf(off, sizeof(off), "PD%s", pi_str(kv->key));
		if (!proto_admits(p->proto, "PE", on) ||
		    !proto_admits(p->proto, "PD", off))
			continue;
		obj = object_of(pi_str(kv->val));
		e = add_entity(s, HC_SWITCH, obj, pi_str(kv->val));
		free(obj);
		e->field = pi_str(kv->val);
		e->source = HC_SRC_QFLAG;
		e->prefix = "PE";
		memcpy(e->on_cmd, on, sizeof(on));
		memcpy(e->off_cmd, off, sizeof(off));
		e->status = admits(p, "PE", on) && admits(p, "PD", off) ?
		    HC_READY : HC_REFUSED;
		for (size_t k = 0; k < sizeof(switch_icons) /
		    sizeof(switch_icons[0]); k++)
			if (strcmp(switch_icons[k].field, pi_str(kv->val)) == 0)
				e->icon = switch_icons[k].icon;
	}
}

/* HA discovery ids allow [a-zA-Z0-9_-] only. */
static char *
uid_base(const char *device)
{
	struct sbuf b = SBUF_INIT;

	sbuf_adds(&b, "mpp_");
	for (const char *c = device; *c != '\0'; c++)
		sbuf_addc(&b, isalnum((unsigned char)*c) || *c == '-' ||
		    *c == '_' ? *c : '_');
	return sbuf_steal(&b);
}

struct hc_set *
hc_build(const struct hc_params *p)
{
	struct hc_set *s = xcalloc(1, sizeof(*s));

	s->device = xstrdup(p->device != NULL ? p->device : "unnamed");
	s->hostname = xstrdup(p->hostname != NULL ? p->hostname : "mppsolar");
	s->cmd_topic = xstrdup(p->cmd_topic != NULL ? p->cmd_topic : "");
	s->uid_base = uid_base(s->device);
	s->qos = p->qos;
	if ((s->prof = hc_profile_of(p->proto)) == NULL)
		return s;
	for (size_t i = 0; i < s->prof->nsels; i++) {
		if (s->prof->sels[i].src == OPT_ROW)
			build_row_select(s, p, &s->prof->sels[i]);
		else if (s->prof->sels[i].src == OPT_KEYED)
			build_keyed_select(s, p, &s->prof->sels[i]);
		else
			build_current_select(s, p, &s->prof->sels[i]);
	}
	for (size_t i = 0; i < s->prof->nnums; i++)
		build_number(s, p, &s->prof->nums[i]);
	build_full_switch(s, p);
	build_switches(s, p);
	build_listed_switches(s, p);
	return s;
}

void
hc_free(struct hc_set *s)
{
	if (s == NULL)
		return;
	for (int i = 0; i < s->n; i++) {
		for (int k = 0; k < s->e[i].nopts; k++) {
			free(s->e[i].opts[k].label);
			free(s->e[i].opts[k].cmd);
			free(s->e[i].opts[k].state);
		}
		free(s->e[i].opts);
		free(s->e[i].object);
		free(s->e[i].name);
	}
	free(s->e);
	free(s->device);
	free(s->hostname);
	free(s->cmd_topic);
	free(s->uid_base);
	free(s);
}

int
hc_count(const struct hc_set *s)
{
	return s->n;
}

const struct hc_entity *
hc_at(const struct hc_set *s, int i)
{
	return i >= 0 && i < s->n ? &s->e[i] : NULL;
}

const struct hc_entity *
hc_find(const struct hc_set *s, const char *object)
{
	for (int i = 0; i < s->n; i++)
		if (strcmp(s->e[i].object, object) == 0)
			return &s->e[i];
	return NULL;
}

int
hc_admitted(const struct hc_set *s)
{
	int n = 0;

	for (int i = 0; i < s->n; i++)
		n += s->e[i].status != HC_REFUSED;
	return n;
}

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

int
hc_command_for(const struct hc_entity *e, const char *value, char *out,
    size_t n)
{
	char *end;
	double v;

	switch (e->kind) {
	case HC_SELECT:
		for (int i = 0; i < e->nopts; i++)
			if (strcmp(e->opts[i].label, value) == 0) {
				snprintf(out, n, "%s", e->opts[i].cmd);
				return 0;
			}
		return -1;
	case HC_NUMBER:
		v = strtod(value, &end);
		if (end == value || *end != '\0' || v < e->min || v > e->max)
			return -1;
		number_cmd(e->prefix, e->deci, v, out, n);
		return 0;
	case HC_SWITCH:
		if (strcmp(value, "ON") == 0)
			snprintf(out, n, "%s", e->on_cmd);
		else if (strcmp(value, "OFF") == 0)
			snprintf(out, n, "%s", e->off_cmd);
		else
			return -1;
		return 0;
	}
	return -1;
}

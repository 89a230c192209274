/*
 * hass_settings.c - Home Assistant select, number and switch entities for
 * the inverter settings: which entities a device gets (tables below) and
 * the command an entity sends for a value.  Their discovery configs and
 * states are built in hass_settings_msg.c.
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

#include "allow.h"
#include "cmd_check.h"
#include "hass_profiles.h"
#include "hass_settings.h"
#include "hass_settings_int.h"
#include "proto.h"
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

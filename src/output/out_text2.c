/*
 * out_text2.c - the reference's other standard-out processors (json_units,
 * simpleunits, value, boxdraw, prom), the texts its sinks send (the
 * node-exporter text, the JSON of values) and domoticz_autodiscover.
 * docs/compatibility.md lists each output's text.
 */
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "promtext.h"
#include "pyfmt.h"
#include "result.h"
#include "sbuf.h"
#include "utf8.h"

/* Appends n copies of the UTF-8 character c (none when n <= 0). */
static void
repeat(struct sbuf *out, const char *c, long n)
{
	while (n-- > 0)
		sbuf_adds(out, c);
}

void
output_json_units(const struct result *r, const struct out_opts *o,
    struct sbuf *out)
{
	int first = 1;

	sbuf_addc(out, '{');
	for (int i = 0; i < r->n; i++) {
		const struct entry *e = &r->e[i];
		char *k;

		if (strcmp(e->key, "raw_response") == 0)
			continue;
		if (output_key(e->key, o, &k)) {
			if (!first)
				sbuf_adds(out, ", ");
			first = 0;
			py_json_str(out, k);
			sbuf_adds(out, ": ");
			if (e->kind == ENT_LIST) {
				sbuf_adds(out, "{\"value\": ");
				py_json_value(out, &e->v);
				sbuf_adds(out, ", \"unit\": ");
				py_json_str(out, e->unit != NULL ? e->unit : "");
				sbuf_addc(out, '}');
			} else
				py_json_value(out, &e->v);
		}
		free(k);
	}
	sbuf_adds(out, "}\n");
}

void
output_simpleunits(const struct result *r, const struct out_opts *o,
    struct sbuf *out)
{
	const struct entry *e;
	char *k;
	int i = 0;

	while (output_next_kept(r, o, &i, &e, &k)) {
		sbuf_printf(out, "%s=", k);
		output_value_str(out, e);
		if (e->unit != NULL && e->unit[0] != '\0')
			sbuf_printf(out, "(%s)", e->unit);
		sbuf_addc(out, '\n');
		free(k);
	}
}

void
output_value(const struct result *r, const struct out_opts *o,
    struct sbuf *out)
{
	const struct entry *e;
	char *k;
	int i = 0;

	while (output_next_kept(r, o, &i, &e, &k)) {
		output_value_str(out, e);
		sbuf_addc(out, '\n');
		free(k);
	}
}

/* The reference's pad(): text left-justified to width (never cut). */
static void
pad(struct sbuf *out, const char *text, long width)
{
	sbuf_ljust(out, text, width > 0 ? (size_t)width : 0);
}

void
output_boxdraw(const struct result *r, const struct out_opts *o,
    struct sbuf *out)
{
	const struct entry *c = result_find(r, "_command");
	const struct entry *d = result_find(r, "_command_description");
	char **keys = xcalloc((size_t)r->n + 1, sizeof(char *));
	struct sbuf v = SBUF_INIT, cmd = SBUF_INIT;
	long wp = 0, wv = 0, wu = 0, line, cl;

	/*
	 * Column widths as the reference computes them: the parameter
	 * column from the kept keys, the value and unit columns from every
	 * entry (filtered or not), each with one space of padding.
	 */
	for (int i = 0; i < r->n; i++) {
		const struct entry *e = &r->e[i];
		long n;

		if (output_is_meta(e))
			continue;
		sbuf_reset(&v);
		output_value_str(&v, e);
		if ((n = (long)utf8_len(sbuf_str(&v))) > wv)
			wv = n;
		n = (long)utf8_len(e->kind == ENT_LIST && e->unit != NULL ?
		    e->unit : sbuf_str(&v));
		if (n > wu)
			wu = n;
		if (output_key(e->key, o, &keys[i])) {
			if ((n = (long)utf8_len(keys[i])) > wp)
				wp = n;
		} else {
			free(keys[i]);
			keys[i] = NULL;
		}
	}
	wp = wp + 1 < 10 ? 10 : wp + 1;
	wv = wv + 1 < 7 ? 7 : wv + 1;
	wu = wu + 1 < 6 ? 6 : wu + 1;
	line = wp + wv + wu + 7;
	sbuf_printf(&cmd, " Command: %s - %s", c ? c->v.s : "Unknown command",
	    d ? d->v.s : "No description found");
	cl = (long)utf8_len(sbuf_str(&cmd));
	if (line < cl + 7)
		line = cl + 7;
	/* The reference widens the unit column from its own width. */
	if (wp + wv + wu + 7 < line)
		wu = line - (wp + wu + 7) - 1;

	sbuf_adds(out, "\u2554");
	repeat(out, "\u2550", line - 2);
	sbuf_adds(out, "\u2557\n\u2551");
	sbuf_adds(out, sbuf_str(&cmd));
	repeat(out, " ", line - cl - 2);
	sbuf_adds(out, "\u2551\n\u2560");
	repeat(out, "\u2550", wp + 1);
	sbuf_adds(out, "\u2564");
	repeat(out, "\u2550", wv + 1);
	sbuf_adds(out, "\u2564");
	repeat(out, "\u2550", wu + 1);
	sbuf_adds(out, "\u2563\n\u2551 ");
	pad(out, "Parameter", wp);
	sbuf_adds(out, "\u2502 ");
	pad(out, "Value", wv);
	sbuf_adds(out, "\u2502 ");
	pad(out, "Unit", wu);
	sbuf_adds(out, "\u2551\n\u255f");
	repeat(out, "\u2500", wp + 1);
	sbuf_adds(out, "\u253c");
	repeat(out, "\u2500", wv + 1);
	sbuf_adds(out, "\u253c");
	repeat(out, "\u2500", wu + 1);
	sbuf_adds(out, "\u2562\n");
	for (int i = 0; i < r->n; i++) {
		const struct entry *e = &r->e[i];

		if (keys[i] == NULL)
			continue;
		sbuf_adds(out, "\u2551 ");
		pad(out, keys[i], wp);
		sbuf_adds(out, "\u2502 ");
		sbuf_reset(&v);
		output_value_str(&v, e);
		pad(out, sbuf_str(&v), wv);
		sbuf_adds(out, "\u2502 ");
		pad(out, e->unit != NULL ? e->unit : "", wu);
		sbuf_adds(out, "\u2551\n");
		free(keys[i]);
	}
	sbuf_adds(out, "\u255a");
	repeat(out, "\u2550", wp + 1);
	sbuf_adds(out, "\u2567");
	repeat(out, "\u2550", wv + 1);
	sbuf_adds(out, "\u2567");
	repeat(out, "\u2550", wu + 1);
	sbuf_adds(out, "\u255d\n\n\n");
	free(keys);
	sbuf_free(&v);
	sbuf_free(&cmd);
}

/*
 * The prom key: " " and "/" become "_", "-" is dropped, then lower-cased
 * unless keepcase; filtered like every key.  *key_out is the caller's.
 */
static int
prom_key(const char *key, const struct out_opts *o, char **key_out)
{
	struct sbuf k = SBUF_INIT;
	int keep;

	for (const char *p = key; *p != '\0'; p++)
		if (*p == '/')
			sbuf_addc(&k, '_');
		else if (*p != '-')
			sbuf_addc(&k, *p);
	keep = output_key(sbuf_str(&k), o, key_out);
	sbuf_free(&k);
	return keep;
}

/*
 * The labels every sample of r has, without the closing brace:
 * {inverter="..",device="..",cmd="..", the values escaped when escape.
 */
static void
prom_labels(struct sbuf *out, const struct result *r,
    const struct out_opts *o, int escape)
{
	const struct entry *c = result_find(r, "_command");
	const char *name = o->device, *dev = o->dev != NULL ? o->dev : "None";
	const char *v[3] = { name, dev, c != NULL ? c->v.s : "None" };
	const char *l[3] = { "{inverter=\"", "\",device=\"", "\",cmd=\"" };

	if (name == NULL || strcmp(name, "unnamed") == 0)
		v[0] = "mpp_solar";
	for (int i = 0; i < 3; i++) {
		sbuf_adds(out, l[i]);
		if (escape)
			promtext_label_value(out, v[i]);
		else
			sbuf_adds(out, v[i]);
	}
	sbuf_addc(out, '"');
}

/*
 * promtool style: the "# HELP" and "# TYPE" lines of name, unless seen
 * (the names written so far, as "\nname1\nname2\n") has it already.
 */
static void
prom_family(struct sbuf *out, struct sbuf *seen, const char *name,
    const char *key, const char *unit)
{
	struct sbuf needle = SBUF_INIT;
	int dup;

	sbuf_printf(&needle, "\n%s\n", name);
	dup = strstr(sbuf_str(seen), sbuf_str(&needle)) != NULL;
	sbuf_free(&needle);
	if (dup)
		return;
	sbuf_printf(seen, "%s\n", name);
	sbuf_printf(out, "# HELP %s ", name);
	/* an empty HELP text is a lint finding (VED's unknown fields) */
	promtext_help(out, key[0] != '\0' ? key : "(a field without a name)");
	if (unit != NULL && unit[0] != '\0') {
		sbuf_adds(out, " (");
		promtext_help(out, unit);
		sbuf_addc(out, ')');
	}
	sbuf_printf(out, "\n# TYPE %s gauge\n", name);
}

void
output_prom_text(const struct result *r, const struct out_opts *o,
    enum promtext_style dflt, struct sbuf *out)
{
	int lint = (o->prom_style != PROMTEXT_UNSET ? o->prom_style : dflt) ==
	    PROMTEXT_PROMTOOL;
	struct sbuf labels = SBUF_INIT, name = SBUF_INIT, seen = SBUF_INIT;

	prom_labels(&labels, r, o, lint);
	sbuf_addc(&seen, '\n');
	if (lint)
		sbuf_adds(out, "# HELP machine_role The program these metrics "
		    "are from\n# TYPE machine_role gauge\n");
	sbuf_adds(out, "machine_role{role=\"mpp_solar\"} 1\n");
	for (int i = 0; i < r->n; i++) {
		const struct entry *e = &r->e[i];
		char *k;

		if (output_is_meta(e))
			continue;
		if (prom_key(e->key, o, &k)) {
			sbuf_reset(&name);
			sbuf_adds(&name, "mpp_solar_");
			if (lint) {
				promtext_name(&name, k);
				prom_family(out, &seen, sbuf_str(&name),
				    e->key, e->unit);
			} else
				sbuf_adds(&name, k);
			sbuf_printf(out, "%s%s", sbuf_str(&name),
			    sbuf_str(&labels));
			if (e->v.type == V_STR && lint) {
				sbuf_adds(out, ",my_str=\"");
				promtext_label_value(out, e->v.s);
				sbuf_adds(out, "\"} 1\n");
			} else if (e->v.type == V_STR) {
				sbuf_printf(out, ",myStr=\"%s\"} 1\n", e->v.s);
			} else {
				sbuf_adds(out, "} ");
				output_value_str(out, e);
				sbuf_addc(out, '\n');
			}
		}
		free(k);
	}
	sbuf_free(&labels);
	sbuf_free(&name);
	sbuf_free(&seen);
}

void
output_prom(const struct result *r, const struct out_opts *o,
    struct sbuf *out)
{
	/* The reference prints the text with trailing white space removed. */
	output_prom_text(r, o, PROMTEXT_MPPSOLAR, out);
	while (out->len > 0 && (out->buf[out->len - 1] == '\n' ||
	    out->buf[out->len - 1] == ' '))
		out->len--;
	sbuf_addc(out, '\n');
}

void
output_json_values(const struct result *r, const struct out_opts *o,
    int updated, const char *now, struct sbuf *out)
{
	const struct entry *e;
	char *k;
	int first = 1, i = 0;

	sbuf_addc(out, '{');
	while (output_next_kept(r, o, &i, &e, &k)) {
		if (!first)
			sbuf_adds(out, ", ");
		first = 0;
		py_json_str(out, k);
		sbuf_adds(out, ": ");
		py_json_value(out, &e->v);
		free(k);
	}
	if (updated) {
		sbuf_adds(out, first ? "\"updated\": " : ", \"updated\": ");
		py_json_str(out, now);
	}
	sbuf_addc(out, '}');
}

void
output_domoticz_autodiscover(const struct result *r, const struct out_opts *o,
    out_publish_fn fn, void *arg)
{
	/* The tag, else the command: mpp-solar writes "None" (a deliberate
	 * difference, docs/compatibility.md). */
	const char *tag = output_tag(r, o);
	struct sbuf topic = SBUF_INIT, state = SBUF_INIT, pl = SBUF_INIT;

	const struct entry *e;
	char *k;
	int i = 0;

	while (output_next_kept(r, o, &i, &e, &k)) {
		const char *unit = e->unit != NULL ? e->unit : "";

		sbuf_reset(&topic);
		sbuf_printf(&topic, "homeassistant/sensor/mpp_%s_%s/config", tag, k);
		output_underscores(&topic);
		sbuf_reset(&state);
		sbuf_printf(&state, "domoticz/sensor/mpp_%s_%s/state", tag, k);
		output_underscores(&state);
		sbuf_reset(&pl);
		sbuf_printf(&pl, "{\"name\": \"%s %s\", \"stat_t\": \"%s\", "
		    "\"unit_of_meas\": \"%s\", \"uniq_id\": \"mpp_%s_%s\"", tag,
		    e->key, sbuf_str(&state), unit, tag, k);
		if (strcmp(unit, "W") == 0)
			sbuf_adds(&pl, ", \"stat_cla\": \"measurement\", "
			    "\"device_class\": \"power\"");
		sbuf_adds(&pl, "  }");
		fn(arg, sbuf_str(&topic), sbuf_str(&pl), pl.len, 0, 0);
		free(k);
	}
	sbuf_free(&topic);
	sbuf_free(&state);
	sbuf_free(&pl);
}

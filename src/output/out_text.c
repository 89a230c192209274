/*
 * out_text.c - the screen, json, raw and simple processors.
 */
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "pyfmt.h"
#include "result.h"
#include "sbuf.h"
#include "utf8.h"

void
output_screen(const struct result *r, const struct out_opts *o, struct sbuf *out)
{
	const struct entry *c = result_find(r, "_command");
	const struct entry *d = result_find(r, "_command_description");
	char **keys = xcalloc((size_t)r->n + 1, sizeof(char *));
	size_t w = 9;
	struct sbuf v = SBUF_INIT;

	sbuf_printf(out, "Command: %s - %s\n", c ? c->v.s : "Unknown command",
	    d ? d->v.s : "No description found");
	sbuf_adds(out, "----------------------------------------"
	    "----------------------------------------\n");
	for (int i = 0; i < r->n; i++) {
		char *k;
		if (output_is_meta(&r->e[i]))
			continue;
		if (output_key(r->e[i].key, o, &k)) {
			keys[i] = k;
			if (utf8_len(k) > w)
				w = utf8_len(k);
		} else
			free(k);
	}
	sbuf_ljust(out, "Parameter", w + 1);
	sbuf_adds(out, "Value          Unit\n");
	for (int i = 0; i < r->n; i++) {
		const struct entry *e = &r->e[i];
		if (keys[i] == NULL)
			continue;
		sbuf_ljust(out, keys[i], w + 1);
		sbuf_reset(&v);
		output_value_str(&v, e);
		sbuf_ljust(out, sbuf_str(&v), 15);
		if (e->xkind == EX_DICT && e->nextra > 0) {
			sbuf_ljust(out, e->unit ? e->unit : "", 6);
			py_dict_repr(out, e->extra, e->nextra);
		} else
			sbuf_adds(out, e->unit ? e->unit : "");
		sbuf_addc(out, '\n');
		free(keys[i]);
	}
	sbuf_adds(out, "----------------------------------------"
	    "----------------------------------------\n\n\n");
	free(keys);
	sbuf_free(&v);
}

void
output_json(const struct result *r, const struct out_opts *o, struct sbuf *out)
{
	int first = 1;

	sbuf_addc(out, '{');
	for (int i = 0; i < r->n; i++) {
		char *k;
		if (strcmp(r->e[i].key, "raw_response") == 0)
			continue;
		if (output_key(r->e[i].key, o, &k)) {
			if (!first)
				sbuf_adds(out, ", ");
			first = 0;
			py_json_str(out, k);
			sbuf_adds(out, ": ");
			py_json_value(out, &r->e[i].v);
		}
		free(k);
	}
	sbuf_adds(out, "}\n");
}

void
output_raw(const struct result *r, const struct out_opts *o,
    struct sbuf *out)
{
	const struct entry *c = result_find(r, "_command");
	const struct entry *d = result_find(r, "_command_description");
	const struct entry *raw = result_find(r, "raw_response");

	if (c != NULL && c->v.s[0] != '\0') {
		sbuf_printf(out, "Command: %s - %s\n", c->v.s,
		    d ? d->v.s : "No description found");
		sbuf_adds(out, "------------------------------------------------------------\n");
	}
	if (raw != NULL) {
		struct sbuf a = SBUF_INIT;
		sbuf_ljust(out, "raw_response", 30);
		sbuf_addc(out, '\t');
		py_ascii_str(&a, raw->v.s);
		sbuf_ljust(out, sbuf_str(&a), 15);
		sbuf_addc(out, '\n');
		sbuf_free(&a);
	}
}

void
output_simple(const struct result *r, const struct out_opts *o, struct sbuf *out)
{
	for (int i = 0; i < r->n; i++) {
		char *k;
		if (output_is_meta(&r->e[i]))
			continue;
		if (output_key(r->e[i].key, o, &k)) {
			sbuf_printf(out, "%s=", k);
			output_value_str(out, &r->e[i]);
			sbuf_addc(out, '\n');
		}
		free(k);
	}
}

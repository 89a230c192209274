/*
 * decode.c - the table decoder of the text families: a reply's tokens
 * against a command's response rows (proto_table_decode, family.h).
 *
 * Follows the reference's decode step by step (docs/protocols.md): the
 * same entries in the same order, the same values, units and extras, and
 * the same error entries, including the Python exception texts that end up
 * in "Failed to decode response for command ...".  Deliberate deviations:
 * unknown extra tokens are plain strings, and a DEFAULT query row of a type
 * the reference cannot store is kept under the row's name (QOPPT) instead
 * of an integer key that crashes every output.  Rows carry their decode
 * kind as an enum (enum pi_kind), decided when the tables are generated.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "family.h"
#include "proto.h"
#include "pyexpr.h"
#include "pyfmt.h"
#include "result.h"
#include "sbuf.h"
#include "utf8.h"

#define PAD_MARKER	((const uint8_t *)"\0extra")	/* never equals a token */

struct dctx {
	const struct pi_cmd	*defn;
	const char		*cmd;
	const char		*cv;
	struct result		*r;
	char			*err;	/* Python exception text */
	size_t			 errlen;
};

static int
fail(struct dctx *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
fail(struct dctx *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->err, d->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Text of a token for a plain-string field: UTF-8, or latin-1 if invalid. */
static char *
tok_text(const struct proto_tok *t)
{
	struct sbuf s = SBUF_INIT;

	if (utf8_valid(t->p, t->n))
		sbuf_add(&s, t->p, t->n);
	else
		latin1_to_utf8(&s, t->p, t->n);
	return sbuf_steal(&s);
}

/* Python list indexing with negative indices; -1 when out of range. */
static int
py_index(const char *digits, int n)
{
	char *end;
	long v = strtol(digits, &end, 10);

	if (*end != '\0' || v >= n || v < -(long)n)
		return -1;
	return (int)(v < 0 ? v + n : v);
}

/*
 * The rows the reference makes up for a token beyond the table: a
 * "string" (DEFAULT) or "str" (positional) row; the caller names it.
 */
static const struct pi_row unknown_string = { .kind = PK_STRING };
static const struct pi_row unknown_str = { .kind = PK_STR };

/* A row's unit: "" for the made-up rows. */
static const char *
row_unit(const struct pi_row *row)
{
	return row->unit != 0 ? pi_str(row->unit) : "";
}

/* ---- DEFAULT response type ------------------------------------------ */

/* One code point of p as a string in ch; returns its byte length. */
static size_t
next_char(const char *p, uint32_t *cp, char ch[5])
{
	size_t l = utf8_next(p, cp);

	memset(ch, 0, 5);
	memcpy(ch, p, l);
	return l;
}

static int
default_flags(struct dctx *d, const struct pi_row *row, const char *p)
{
	for (int j = 0; *p != '\0'; j++) {
		uint32_t cp;
		char ch[5];
		p += next_char(p, &cp, ch);
		if (j >= row->nlist)
			return fail(d, "list index out of range");
		if (cp < '0' || cp > '9')
			return pyx_invalid_literal(ch, d->err, d->errlen);
		result_set(d->r, pi_list_at(row->list, j), val_int((long long)(cp - '0')),
		    "bool", EX_ABSENT, NULL, 0);
	}
	return 0;
}

static void
default_enflags(struct dctx *d, const struct pi_row *row, const char *p)
{
	const char *state = "unknown";

	while (*p != '\0') {
		uint32_t cp;
		char ch[5], ukey[32];
		const char *fname = NULL;
		p += next_char(p, &cp, ch);
		if (cp == 'E') {
			state = "enabled";
			continue;
		}
		if (cp == 'D') {
			state = "disabled";
			continue;
		}
		for (int k = 0; k < row->nmap; k++)
			if (strcmp(pi_str(pi_kv_at(row->map, k)->key), ch) == 0)
				fname = pi_str(pi_kv_at(row->map, k)->val);
		if (fname == NULL || fname[0] == '\0') {
			snprintf(ukey, sizeof(ukey), "unknown_%s", ch);
			fname = ukey;
		}
		result_set_str(d->r, fname, state, "");
	}
}

static int
default_multi(struct dctx *d, const struct pi_row *row, const char *p)
{
	for (int x = 0; *p != '\0'; x++) {
		uint32_t cp;
		char ch[5];
		const struct pi_row *sub;
		p += next_char(p, &cp, ch);
		if (cp < '0' || cp > '9')
			return pyx_invalid_literal(ch, d->err, d->errlen);
		if (x >= row->nsub)
			return fail(d, "list index out of range");
		sub = pi_row_at(row->sub, x);
		if (sub->kind == PK_OPTION) {
			if ((int)(cp - '0') >= sub->nlist)
				return fail(d, "list index out of range");
			result_set_str(d->r, pi_str(sub->name),
			    pi_list_at(sub->list, (int)(cp - '0')), "");
		} else if (sub->kind == PK_STRING)
			result_set(d->r, pi_str(sub->name),
			    val_int((long long)(cp - '0')),
			    "", EX_ABSENT, NULL, 0);
	}
	return 0;
}

/* One token of a DEFAULT reply under its row. */
static int
default_field(struct dctx *d, const struct pi_row *row, const char *name,
    const char *text, struct sbuf *sb)
{
	const char *unit = row_unit(row);
	double f = 0;
	int idx;

	if (row->expr != PX_NONE && !d->defn->setter &&
	    (row->kind == PK_INT || row->kind == PK_FLOAT)) {
		/* Deviation (docs/protocols.md, PI17 DI): the reference
		 * stores "int:r/10" under the integer key i, which its
		 * outputs cannot print; mppd applies the expression. */
		struct value v;
		sbuf_reset(sb);
		if (row->kind == PK_INT &&
		    py_parse_int(text, strlen(text), sb) == 0)
			v = val_int_text(sbuf_str(sb));
		else if (row->kind == PK_FLOAT &&
		    py_parse_float(text, strlen(text), &f) == 0)
			v = val_float(f);
		else {
			result_set_str(d->r, name, text, unit);
			return 0;
		}
		if (pyx_template(row->expr, &v, NULL, d->err, d->errlen) < 0) {
			val_free(&v);
			return -1;
		}
		result_set(d->r, name, v, unit, EX_ABSENT, NULL, 0);
		return 0;
	}
	/* The reference compares the whole type text: "x:expr" is no kind. */
	switch (row->expr == PX_NONE ? row->kind : PK_INFO) {
	case PK_FLOAT:
		if (py_parse_float(text, strlen(text), &f) == 0)
			result_set(d->r, name, val_float(f), unit, EX_ABSENT, NULL, 0);
		else
			result_set_str(d->r, name, text, unit);
		return 0;
	case PK_INT:
		sbuf_reset(sb);
		if (py_parse_int(text, strlen(text), sb) == 0)
			result_set(d->r, name, val_int_text(sbuf_str(sb)), unit,
			    EX_ABSENT, NULL, 0);
		else
			result_set_str(d->r, name, text, unit);
		return 0;
	case PK_STRING:
		result_set_str(d->r, name, text, unit);
		return 0;
	case PK_10INT:
		if (strstr(text, "--") == NULL &&
		    py_parse_float(text, strlen(text), &f) < 0) {
			sbuf_reset(sb);
			py_repr_str(sb, text);
			return fail(d, "could not convert string to float: %s",
			    sbuf_str(sb));
		}
		result_set(d->r, name, val_float(f / 10), unit, EX_ABSENT, NULL, 0);
		return 0;
	case PK_OPTION:
		sbuf_reset(sb);
		if (py_parse_int(text, strlen(text), sb) < 0)
			return pyx_invalid_literal(text, d->err, d->errlen);
		if ((idx = py_index(sbuf_str(sb), row->nlist)) < 0)
			return fail(d, "list index out of range");
		result_set_str(d->r, name, pi_list_at(row->list, idx), "");
		return 0;
	case PK_KEYED:
		for (int k = 0; k < row->nmap; k++)
			if (strcmp(pi_str(pi_kv_at(row->map, k)->key), text) == 0) {
				result_set_str(d->r, name, pi_str(pi_kv_at(row->map, k)->val), "");
				return 0;
			}
		sbuf_reset(sb);
		py_repr_str(sb, text);
		return fail(d, "%s", sbuf_str(sb));
	case PK_FLAGS:
		return default_flags(d, row, text);
	case PK_STAT_FLAGS: {
		const char *p = text;
		for (int j = 0; *p != '\0'; j++) {
			uint32_t cp;
			char ch[5];
			p += next_char(p, &cp, ch);
			if (j < row->nlist && pi_list_at(row->list, j)[0] != '\0')
				result_set_str(d->r, pi_list_at(row->list, j), ch, "");
		}
		return 0;
	}
	case PK_ENFLAGS:
		default_enflags(d, row, text);
		return 0;
	case PK_MULTI:
		return default_multi(d, row, text);
	default:
		/* Setters store under the command's name; a query row of
		 * another type gets the reference's integer key i, which
		 * crashes every output: mppd keeps the row's name. */
		result_set_str(d->r, d->defn->setter ? pi_str(d->defn->name) : name,
		    text, "");
		return 0;
	}
}

static int
decode_default(struct dctx *d, const struct proto_tok *toks, int ntok)
{
	const struct pi_cmd *defn = d->defn;
	struct sbuf sb = SBUF_INIT;
	char key[96], *text = NULL;
	int rc = 0;

	for (int i = 0; i < ntok && rc == 0; i++) {
		const struct pi_row *row;
		const char *name;

		if (toks[i].n == 0)
			continue;
		free(text);
		text = NULL;
		if (pyx_utf8(&toks[i], &text, d->err, d->errlen) < 0) {
			rc = -1;
			break;
		}
		if (i < defn->nrows) {
			row = pi_cmd_row(defn, i);
			name = pi_str(row->name);
		} else {
			snprintf(key, sizeof(key), "Unknown value in response %d", i);
			row = &unknown_string;
			name = key;
		}
		if (strcmp(text, "NAK") == 0) {
			char wkey[32], msg[300];
			snprintf(wkey, sizeof(wkey), "WARNING%d", i);
			snprintf(msg, sizeof(msg), "Command %s was rejected", d->cmd);
			result_set_str(d->r, wkey, msg, "");
		} else
			rc = default_field(d, row, name, text, &sb);
		/* The reference then appends a row's extra dict to
		 * msgs[name]: a KeyError when that entry was never set (a
		 * NAK under a PI18 query, a flags row). */
		if (rc == 0 && i < defn->nrows && row->nextra > 0) {
			struct entry *e = result_find(d->r, name);
			if (e == NULL || e->kind != ENT_LIST) {
				sbuf_reset(&sb);
				py_repr_str(&sb, name);
				rc = fail(d, "%s", sbuf_str(&sb));
			} else {
				e->xkind = EX_DICT;
				e->extra = proto_extra(row->extra);
				e->nextra = row->nextra;
			}
		}
	}
	free(text);
	sbuf_free(&sb);
	return rc;
}

/* ---- SEQUENTIAL / INDEXED field processing ---------------------------- */

static int
field_flags(struct dctx *d, const struct pi_row *row, const struct proto_tok *raw)
{
	for (size_t j = 0; j < raw->n; j++) {
		if ((int)j >= row->nlist)
			return fail(d, "list index out of range");
		if (raw->p[j] < '0' || raw->p[j] > '9') {
			struct sbuf l = SBUF_INIT;
			latin1_to_utf8(&l, &raw->p[j], 1);
			pyx_invalid_literal(sbuf_str(&l), d->err, d->errlen);
			sbuf_free(&l);
			return -1;
		}
		result_set(d->r, pi_list_at(row->list, j), val_int(raw->p[j] - '0'), "bool",
		    EX_ABSENT, NULL, 0);
	}
	return 0;
}

/* Looks text up in the row's map: the name, or "Invalid key: text". */
static struct value
map_value(const struct pi_row *row, const char *text)
{
	struct sbuf sb = SBUF_INIT;
	struct value v;

	for (int k = 0; k < row->nmap; k++)
		if (strcmp(pi_str(pi_kv_at(row->map, k)->key), text) == 0)
			return val_str(pi_str(pi_kv_at(row->map, k)->val));
	sbuf_printf(&sb, "Invalid key: %s", text);
	v = val_str(sbuf_str(&sb));
	sbuf_free(&sb);
	return v;
}

/*
 * One field of a SEQUENTIAL or INDEXED reply (the reference's
 * process_response); extra is the row's dict (INDEXED only).
 */
static int
process_field(struct dctx *d, const struct pi_row *row, const char *name,
    const struct result_kv *extra, int nextra, const struct proto_tok *raw)
{
	const char *unit = row_unit(row);
	enum extra_kind xk = nextra > 0 ? EX_DICT : EX_ABSENT;
	struct value v = { V_NONE, NULL, 0 };
	struct sbuf sb = SBUF_INIT;
	char *text = NULL, msg[128];
	double f;
	int idx;

	if (row->kind == PK_LOOP) {
		result_set(d->r, name, v, unit, xk, extra, nextra);
		return 0;
	}
	if (row->kind == PK_EXCLUDE || raw->pad)
		return 0;
	switch (row->kind) {
	case PK_ACK:
		if (pyx_utf8(raw, &text, d->err, d->errlen) < 0)
			return -1;
		for (int k = 0; k < row->nmap; k++)
			if (strcmp(pi_str(pi_kv_at(row->map, k)->key), text) == 0)
				v = val_str(pi_str(pi_kv_at(row->map, k)->val));
		free(text);
		result_set(d->r, name, v, "", xk, extra, nextra);
		return 0;
	case PK_OPTION:
		if (py_parse_int((const char *)raw->p, raw->n, &sb) < 0) {
			sbuf_free(&sb);
			return 0;	/* the reference drops the field */
		}
		if ((idx = py_index(sbuf_str(&sb), row->nlist)) < 0) {
			snprintf(msg, sizeof(msg), "Invalid option: %s", sbuf_str(&sb));
			v = val_str(msg);
		} else
			v = val_str(pi_list_at(row->list, idx));
		result_set(d->r, name, v, "", xk, extra, nextra);
		sbuf_free(&sb);
		return 0;
	case PK_HEX_OPTION:
		if (raw->n == 0)
			return fail(d, "index out of range");
		if (raw->p[0] < row->nlist)
			v = val_str(pi_list_at(row->list, raw->p[0]));
		else {
			snprintf(msg, sizeof(msg), "Invalid hex_option: %d", raw->p[0]);
			v = val_str(msg);
		}
		result_set(d->r, name, v, "", xk, extra, nextra);
		return 0;
	case PK_FLAGS:
		return field_flags(d, row, raw);
	case PK_KEYED:
		for (size_t j = 0; j < raw->n; j++)
			sbuf_printf(&sb, "%02x", raw->p[j]);
		v = map_value(row, sbuf_str(&sb));
		result_set_str(d->r, name, v.s, "");
		val_free(&v);
		sbuf_free(&sb);
		return 0;
	case PK_STR_KEYED:
		if (pyx_utf8(raw, &text, d->err, d->errlen) < 0)
			return -1;
		v = map_value(row, text);
		free(text);
		result_set(d->r, name, v, "", xk, extra, nextra);
		return 0;
	case PK_STRING:
		if (pyx_utf8(raw, &text, d->err, d->errlen) < 0)
			return -1;
		result_set(d->r, name, val_str(text), unit, xk, extra,
		    nextra);
		free(text);
		return 0;
	/* eval(f"{type}(raw_value)"): ValueError gives 0 */
	case PK_FLOAT:
		v = py_parse_float((const char *)raw->p, raw->n, &f) == 0 ?
		    val_float(f) : val_int(0);
		break;
	case PK_INT:
		v = py_parse_int((const char *)raw->p, raw->n, &sb) == 0 ?
		    val_int_text(sbuf_str(&sb)) : val_int(0);
		sbuf_free(&sb);
		break;
	case PK_BYTES_DECODE:
		v = utf8_valid(raw->p, raw->n) ?
		    val_strn((const char *)raw->p, raw->n) : val_int(0);
		break;
	case PK_BYTES:	/* bytes(raw): only ever followed by r.decode() */
	case PK_STR:	/* deviation: plain text, not the b'...' repr */
		text = tok_text(raw);
		v = val_str(text);
		free(text);
		break;
	default: {
		const char *type = pi_str(row->type);
		size_t n = strcspn(type, ":");
		return fail(d, "name '%.*s' is not defined", (int)n, type);
	}
	}
	if (pyx_template(row->expr, &v, raw, d->err, d->errlen) < 0) {
		val_free(&v);
		return -1;
	}
	result_set(d->r, name, v, unit, xk, extra, nextra);
	return 0;
}

static int
decode_positional(struct dctx *d, const struct proto_tok *toks, int ntok)
{
	const struct pi_cmd *defn = d->defn;
	int indexed = defn->rtype == RT_INDEXED;
	int n = ntok > defn->nrows ? ntok : defn->nrows;

	for (int i = 0; i < n; i++) {
		struct proto_tok t = { PAD_MARKER, 6, 1 };
		const struct pi_row *row;
		const char *rname;
		char name[64];
		const struct result_kv *extra = NULL;
		int nextra = 0;

		if (i < ntok)
			t = toks[i];
		if (i >= defn->nrows) {
			if (indexed && t.n == 0)
				continue;
			snprintf(name, sizeof(name), "Unknown value in response %d",
			    indexed ? i + 1 : i);
			row = &unknown_str;
			rname = name;
		} else {
			row = pi_cmd_row(defn, i);
			rname = pi_str(row->name);
		}
		if (indexed && row->nextra > 0) {
			extra = proto_extra(row->extra);
			nextra = row->nextra;
		}
		if (row->kind == PK_INFO) {
			struct value v;
			if (pyx_info(row->expr, d->cv, &v, d->err, d->errlen) < 0)
				return -1;
			result_set(d->r, rname, v, row_unit(row),
			    nextra > 0 ? EX_DICT : EX_NONE, extra, nextra);
			continue;
		}
		if (process_field(d, row, rname, extra, nextra, &t) < 0)
			return -1;
	}
	return 0;
}

int
proto_table_decode(const struct pi_proto *p, const struct pi_cmd *defn,
    const char *cmd, const char *cv, const struct proto_reply *rep,
    struct result *r, char *err, size_t errlen)
{
	struct dctx d = { defn, cmd, cv, r, err, errlen };

	(void)p;
	if (defn->rtype == RT_DEFAULT)
		return decode_default(&d, rep->tok, rep->ntok);
	return decode_positional(&d, rep->tok, rep->ntok);
}

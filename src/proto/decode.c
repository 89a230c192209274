/*
 * decode.c - the generic reply decoder for every PI30-family table.
 *
 * Follows the reference's decode() step by step (DECODING.md): the same
 * entries in the same order, the same values, units and extras, and the
 * same error entries, including the Python exception texts that end up in
 * "Failed to decode response for command ...".  Deliberate deviations
 * (SPEC.md section 4): unknown extra tokens are plain strings, and a
 * DEFAULT query row of a type the reference cannot store is kept under the
 * row's name (QOPPT) instead of an integer key that crashes every output.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <ctype.h>
#include <pcre2.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc.h"
#include "pi1x.h"
#include "proto.h"
#include "pyfmt.h"
#include "result.h"
#include "sbuf.h"
#include "utf8.h"

#define PAD_MARKER	((const uint8_t *)"\0extra")	/* never equals a token */

struct tok {
	const uint8_t	*p;
	size_t		 n;
	int		 pad;	/* the reference's "extra" padding marker */
};

struct dctx {
	const struct pi_proto	*proto;
	const struct pi_cmd	*defn;
	const char		*cmd;
	const char		*cv;
	struct result		*r;
	char			 err[512];	/* Python exception text */
};

static int
fail(struct dctx *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
fail(struct dctx *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->err, sizeof(d->err), fmt, ap);
	va_end(ap);
	return -1;
}

/* bytes.decode("utf-8") into a new string, or -1 with the error text. */
static int
tok_decode(struct dctx *d, const struct tok *t, char **out)
{
	if (!utf8_valid(t->p, t->n)) {
		utf8_error(t->p, t->n, d->err, sizeof(d->err));
		return -1;
	}
	*out = xstrndup((const char *)t->p, t->n);
	return 0;
}

/* Text of a token for a plain-string field: UTF-8, or latin-1 if invalid. */
static char *
tok_text(const struct tok *t)
{
	struct sbuf s = SBUF_INIT;

	if (utf8_valid(t->p, t->n))
		sbuf_add(&s, t->p, t->n);
	else
		latin1_to_utf8(&s, t->p, t->n);
	return sbuf_steal(&s);
}

static void
invalid_literal(struct dctx *d, const char *text)
{
	struct sbuf s = SBUF_INIT;

	py_repr_str(&s, text);
	fail(d, "invalid literal for int() with base 10: %s", sbuf_str(&s));
	sbuf_free(&s);
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

/* ---- DEFAULT response type ------------------------------------------ */

static int	eval_template(struct dctx *, const char *, struct value *,
		    const struct tok *);

static int
decode_default(struct dctx *d, const struct tok *toks, int ntok)
{
	const struct pi_cmd *defn = d->defn;
	struct sbuf sb = SBUF_INIT;
	char key[96], *text = NULL;
	int rc = -1;

	for (int i = 0; i < ntok; i++) {
		const struct pi_row *row = NULL;
		const char *type = "string", *name, *unit = "";
		struct pi_row unknown;

		if (toks[i].n == 0)
			continue;
		free(text);
		text = NULL;
		if (tok_decode(d, &toks[i], &text) < 0)
			goto out;
		if (i < defn->nrows) {
			row = &defn->rows[i];
			type = row->type;
			unit = row->unit;
		} else {
			snprintf(key, sizeof(key), "Unknown value in response %d", i);
			memset(&unknown, 0, sizeof(unknown));
			unknown.type = "string";
			unknown.name = key;
			unknown.unit = "";
			row = &unknown;
		}
		name = row->name;

		if (strcmp(text, "NAK") == 0) {
			char wkey[32], msg[300];
			snprintf(wkey, sizeof(wkey), "WARNING%d", i);
			snprintf(msg, sizeof(msg), "Command %s was rejected", d->cmd);
			result_set_str(d->r, wkey, msg, "");
		} else if (strcmp(type, "float") == 0) {
			double f;
			if (py_parse_float(text, strlen(text), &f) == 0)
				result_set(d->r, name, val_float(f), unit, EX_ABSENT, NULL, 0);
			else
				result_set_str(d->r, name, text, unit);
		} else if (strcmp(type, "int") == 0) {
			sbuf_reset(&sb);
			if (py_parse_int(text, strlen(text), &sb) == 0)
				result_set(d->r, name, val_int_text(sbuf_str(&sb)),
				    unit, EX_ABSENT, NULL, 0);
			else
				result_set_str(d->r, name, text, unit);
		} else if (strcmp(type, "string") == 0) {
			result_set_str(d->r, name, text, unit);
		} else if (strcmp(type, "10int") == 0) {
			double f = 0;
			if (strstr(text, "--") == NULL &&
			    py_parse_float(text, strlen(text), &f) < 0) {
				sbuf_reset(&sb);
				py_repr_str(&sb, text);
				fail(d, "could not convert string to float: %s",
				    sbuf_str(&sb));
				goto out;
			}
			result_set(d->r, name, val_float(f / 10), unit, EX_ABSENT,
			    NULL, 0);
		} else if (strcmp(type, "option") == 0) {
			int idx;
			sbuf_reset(&sb);
			if (py_parse_int(text, strlen(text), &sb) < 0) {
				invalid_literal(d, text);
				goto out;
			}
			if ((idx = py_index(sbuf_str(&sb), row->nlist)) < 0) {
				fail(d, "list index out of range");
				goto out;
			}
			result_set_str(d->r, name, row->list[idx], "");
		} else if (strcmp(type, "keyed") == 0) {
			int k;
			for (k = 0; k < row->nmap; k++)
				if (strcmp(row->map[k].key, text) == 0)
					break;
			if (k == row->nmap) {
				sbuf_reset(&sb);
				py_repr_str(&sb, text);
				fail(d, "%s", sbuf_str(&sb));
				goto out;
			}
			result_set_str(d->r, name, row->map[k].val, "");
		} else if (strcmp(type, "flags") == 0) {
			const char *p = text;
			for (int j = 0; *p != '\0'; j++) {
				uint32_t cp;
				char ch[5] = { 0 };
				size_t l = utf8_next(p, &cp);
				memcpy(ch, p, l);
				p += l;
				if (j >= row->nlist) {
					fail(d, "list index out of range");
					goto out;
				}
				if (cp < '0' || cp > '9') {
					invalid_literal(d, ch);
					goto out;
				}
				result_set(d->r, row->list[j], val_int((long long)(cp - '0')),
				    "bool", EX_ABSENT, NULL, 0);
			}
		} else if (strcmp(type, "stat_flags") == 0) {
			const char *p = text;
			for (int j = 0; *p != '\0'; j++) {
				uint32_t cp;
				size_t l = utf8_next(p, &cp);
				char ch[5] = { 0 };
				memcpy(ch, p, l);
				p += l;
				if (j < row->nlist && row->list[j][0] != '\0')
					result_set_str(d->r, row->list[j], ch, "");
			}
		} else if (strcmp(type, "enflags") == 0) {
			const char *state = "unknown", *p = text;
			while (*p != '\0') {
				uint32_t cp;
				size_t l = utf8_next(p, &cp);
				char ch[5] = { 0 }, ukey[32];
				const char *fname = NULL;
				memcpy(ch, p, l);
				p += l;
				if (cp == 'E') {
					state = "enabled";
					continue;
				}
				if (cp == 'D') {
					state = "disabled";
					continue;
				}
				for (int k = 0; k < row->nmap; k++)
					if (strcmp(row->map[k].key, ch) == 0)
						fname = row->map[k].val;
				if (fname == NULL || fname[0] == '\0') {
					snprintf(ukey, sizeof(ukey), "unknown_%s", ch);
					fname = ukey;
				}
				result_set_str(d->r, fname, state, "");
			}
		} else if (strcmp(type, "multi") == 0) {
			const char *p = text;
			for (int x = 0; *p != '\0'; x++) {
				uint32_t cp;
				size_t l = utf8_next(p, &cp);
				char ch[5] = { 0 };
				const struct pi_row *sub;
				memcpy(ch, p, l);
				p += l;
				if (cp < '0' || cp > '9') {
					invalid_literal(d, ch);
					goto out;
				}
				if (x >= row->nsub) {
					fail(d, "list index out of range");
					goto out;
				}
				sub = &row->sub[x];
				if (strcmp(sub->type, "option") == 0) {
					if ((int)(cp - '0') >= sub->nlist) {
						fail(d, "list index out of range");
						goto out;
					}
					result_set_str(d->r, sub->name,
					    sub->list[cp - '0'], "");
				} else if (strcmp(sub->type, "string") == 0)
					result_set(d->r, sub->name,
					    val_int((long long)(cp - '0')), "",
					    EX_ABSENT, NULL, 0);
			}
		} else if (defn->setter) {
			result_set_str(d->r, defn->name, text, "");
		} else if (strncmp(type, "int:", 4) == 0 ||
		    strncmp(type, "float:", 6) == 0) {
			/* Deviation: the reference stores these under the
			 * integer key i (its outputs then crash); mppd applies
			 * the row's template as a positional reply would. */
			struct value v;
			double f;
			sbuf_reset(&sb);
			if (type[0] == 'i' &&
			    py_parse_int(text, strlen(text), &sb) == 0)
				v = val_int_text(sbuf_str(&sb));
			else if (type[0] == 'f' &&
			    py_parse_float(text, strlen(text), &f) == 0)
				v = val_float(f);
			else {
				result_set_str(d->r, name, text, unit);
				continue;
			}
			if (eval_template(d, strchr(type, ':') + 1, &v,
			    &toks[i]) < 0) {
				val_free(&v);
				goto out;
			}
			result_set(d->r, name, v, unit, EX_ABSENT, NULL, 0);
		} else {
			/* Reference: integer key i, which crashes every output. */
			result_set_str(d->r, name, text, "");
		}
		/* The reference appends a row's extra dict to msgs[name]:
		 * a KeyError when that entry was never set (a NAK). */
		if (i < defn->nrows && row->nextra > 0) {
			struct entry *e = result_find(d->r, row->name);
			if (e == NULL || e->kind != ENT_LIST) {
				sbuf_reset(&sb);
				py_repr_str(&sb, row->name);
				fail(d, "%s", sbuf_str(&sb));
				goto out;
			}
			e->xkind = EX_DICT;
			e->extra = row->extra;
			e->nextra = row->nextra;
		}
	}
	rc = 0;
out:
	free(text);
	sbuf_free(&sb);
	return rc;
}

/* ---- SEQUENTIAL / INDEXED field processing ---------------------------- */

static const char *const month_names[] = { "", "January", "February",
	"March", "April", "May", "June", "July", "August", "September",
	"October", "November", "December" };

/* Python slice s[a:b] of an ASCII/UTF-8 string by code points. */
static char *
py_slice(const char *s, long a, long b, int has_b)
{
	long n = 0;
	const char *p;
	struct sbuf out = SBUF_INIT;
	uint32_t cp;

	for (p = s; *p != '\0'; p += utf8_next(p, &cp))
		n++;
	if (a < 0)
		a = a + n < 0 ? 0 : a + n;
	if (!has_b)
		b = n;
	else if (b < 0)
		b = b + n < 0 ? 0 : b + n;
	if (a > n)
		a = n;
	if (b > n)
		b = n;
	long i = 0;
	for (p = s; *p != '\0' && i < b; i++) {
		size_t l = utf8_next(p, &cp);
		if (i >= a)
			sbuf_add(&out, p, l);
		p += l;
	}
	return sbuf_steal(&out);
}

/* int(text) as a C int for indexing; -1 with the Python error set. */
static int
py_int_small(struct dctx *d, const char *text, long *out)
{
	struct sbuf sb = SBUF_INIT;
	char *end;

	if (py_parse_int(text, strlen(text), &sb) < 0) {
		sbuf_free(&sb);
		invalid_literal(d, text);
		return -1;
	}
	*out = strtol(sbuf_str(&sb), &end, 10);
	sbuf_free(&sb);
	return 0;
}

/* Evaluates an "info:" expression over cv. */
static int
eval_info(struct dctx *d, const char *expr, struct value *v)
{
	const char *cv = d->cv != NULL ? d->cv : "";
	char *part;
	long m;

	if (strcmp(expr, "cv") == 0) {
		*v = val_str(cv);
		return 0;
	}
	if (strcmp(expr, "cv[:4]") == 0) {
		part = py_slice(cv, 0, 4, 1);
		*v = val_str(part);
		free(part);
		return 0;
	}
	if (strcmp(expr, "cv[6:]") == 0) {
		part = py_slice(cv, 6, 0, 0);
		*v = val_str(part);
		free(part);
		return 0;
	}
	if (strcmp(expr, "calendar.month_name[int(cv[4:6])]") == 0 ||
	    strcmp(expr, "calendar.month_name[int(cv[4:])]") == 0) {
		int rc;
		part = strstr(expr, "cv[4:6]") != NULL ? py_slice(cv, 4, 6, 1) :
		    py_slice(cv, 4, 0, 0);
		rc = py_int_small(d, part, &m);
		free(part);
		if (rc < 0)
			return -1;
		if (m < -13 || m > 12)
			return fail(d, "list index out of range");
		*v = val_str(month_names[m < 0 ? m + 13 : m]);
		return 0;
	}
	return fail(d, "unsupported info expression: %s", expr);
}

/*
 * datetime.strptime(r, '%Y%m%d%H%M%S').strftime('%Y-%m-%d %H:%M:%S') with
 * Python's rules: the fields have variable widths, matched by the same
 * regular expression CPython's _strptime builds, then "unconverted data
 * remains" for text after the match and datetime's range checks.
 */
static int
eval_strptime(struct dctx *d, const char *r, struct value *v)
{
	static const char re[] = "(\\d\\d\\d\\d)(1[0-2]|0[1-9]|[1-9])"
	    "(3[01]|[12]\\d|0[1-9]|[1-9]| [1-9])(2[0-3]|[0-1]\\d|\\d)"
	    "([0-5]\\d|\\d)(6[0-1]|[0-5]\\d|\\d)";
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	pcre2_code *code;
	pcre2_match_data *md;
	PCRE2_SIZE *ov, erroff;
	int errcode, f[6], rc = -1, dim;
	char buf[64];

	code = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED,
	    PCRE2_CASELESS, &errcode, &erroff, NULL);
	if (code == NULL)
		return fail(d, "strptime: internal pattern error");
	md = pcre2_match_data_create_from_pattern(code, NULL);
	if (md == NULL || pcre2_match(code, (PCRE2_SPTR)r, strlen(r), 0,
	    PCRE2_ANCHORED, md, NULL) < 0) {
		struct sbuf sb = SBUF_INIT;
		py_repr_str(&sb, r);
		fail(d, "time data %s does not match format '%%Y%%m%%d%%H%%M%%S'",
		    sbuf_str(&sb));
		sbuf_free(&sb);
		goto out;
	}
	ov = pcre2_get_ovector_pointer(md);
	if (ov[1] != strlen(r)) {
		fail(d, "unconverted data remains: %s", r + ov[1]);
		goto out;
	}
	for (int i = 0; i < 6; i++) {
		f[i] = 0;
		for (PCRE2_SIZE k = ov[2 * (i + 1)]; k < ov[2 * (i + 1) + 1]; k++)
			if (r[k] != ' ')
				f[i] = f[i] * 10 + (r[k] - '0');
	}
	dim = mdays[f[1] - 1];
	if (f[1] == 2 && ((f[0] % 4 == 0 && f[0] % 100 != 0) || f[0] % 400 == 0))
		dim = 29;
	if (f[0] < 1) {
		fail(d, "year 0 is out of range");
		goto out;
	}
	if (f[2] > dim) {
		fail(d, "day is out of range for month");
		goto out;
	}
	if (f[5] > 59) {
		fail(d, "second must be in 0..59");
		goto out;
	}
	snprintf(buf, sizeof(buf), "%04d-%02d-%02d %02d:%02d:%02d", f[0], f[1],
	    f[2], f[3], f[4], f[5]);
	*v = val_str(buf);
	rc = 0;
out:
	pcre2_match_data_free(md);
	pcre2_code_free(code);
	return rc;
}

/* Applies a "type:template" template to v (in place). */
static int
eval_template(struct dctx *d, const char *tmpl, struct value *v,
    const struct tok *raw)
{
	if (strcmp(tmpl, "r/10") == 0) {
		double x;
		if (v->type == V_FLOAT)
			x = v->f;
		else if (v->type == V_INT)
			x = strtod(v->s, NULL);
		else
			return fail(d, "unsupported operand type(s) for /: 'str' and 'int'");
		val_free(v);
		*v = val_float(x / 10);
		return 0;
	}
	if (strcmp(tmpl, "r") == 0)
		return 0;
	if (strcmp(tmpl, "r/100") == 0 || strcmp(tmpl, "r*30") == 0) {
		if (v->type != V_INT && v->type != V_FLOAT)
			return fail(d, "unsupported operand type(s) for %c: 'str' and 'int'",
			    tmpl[1]);
		if (tmpl[1] == '/') {
			double x = v->type == V_FLOAT ? v->f : strtod(v->s, NULL);
			val_free(v);
			*v = val_float(x / 100);
		} else if (v->type == V_FLOAT) {
			v->f *= 30;
		} else {
			long long x = strtoll(v->s, NULL, 10);
			val_free(v);
			*v = val_int(x * 30);
		}
		return 0;
	}
	if (strcmp(tmpl, "r[6:]") == 0 || strcmp(tmpl, "r[7:]") == 0) {
		char *out;
		if (v->type != V_STR)
			return fail(d, "'int' object is not subscriptable");
		out = py_slice(v->s, tmpl[2] - '0', 0, 0);
		val_free(v);
		*v = val_str(out);
		free(out);
		return 0;
	}
	if (strcmp(tmpl, "r[2:int(r[0:2])+2]") == 0) {
		char *head, *out;
		long m;
		if (v->type != V_STR)
			return fail(d, "'int' object is not subscriptable");
		head = py_slice(v->s, 0, 2, 1);
		if (py_int_small(d, head, &m) < 0) {
			free(head);
			return -1;
		}
		free(head);
		out = py_slice(v->s, 2, m + 2, 1);
		val_free(v);
		*v = val_str(out);
		free(out);
		return 0;
	}
	if (strcmp(tmpl, "r.decode()") == 0) {
		char *text;
		if (tok_decode(d, raw, &text) < 0)
			return -1;
		val_free(v);
		*v = val_str(text);
		free(text);
		return 0;
	}
	if (strcmp(tmpl, "datetime.strptime(r, '%Y%m%d%H%M%S')"
	    ".strftime('%Y-%m-%d %H:%M:%S')") == 0) {
		struct value nv;
		if (v->type != V_STR)
			return fail(d, "strptime() argument 1 must be str, not int");
		if (eval_strptime(d, v->s, &nv) < 0)
			return -1;
		val_free(v);
		*v = nv;
		return 0;
	}
	return fail(d, "unsupported template: %s", tmpl);
}

/*
 * One field of a SEQUENTIAL or INDEXED reply (the reference's
 * process_response).  units is the row's unit text, extra its dict.
 */
static int
process_field(struct dctx *d, const struct pi_row *row, const char *name,
    const char *units, const struct pi_kv *extra, int nextra,
    const struct tok *raw)
{
	char base[64];
	const char *colon = strchr(row->type, ':'), *tmpl = NULL;
	enum extra_kind xk = nextra > 0 ? EX_DICT : EX_ABSENT;
	struct value v = { V_NONE, NULL, 0 };
	struct sbuf sb = SBUF_INIT;
	char *text = NULL;

	if (colon != NULL) {
		snprintf(base, sizeof(base), "%.*s", (int)(colon - row->type), row->type);
		tmpl = colon + 1;
	} else
		snprintf(base, sizeof(base), "%s", row->type);

	if (strcmp(base, "loop") == 0) {
		result_set(d->r, name, v, units, xk, extra, nextra);
		return 0;
	}
	if (strcmp(base, "exclude") == 0 || strcmp(base, "discard") == 0 ||
	    raw->pad)
		return 0;
	if (strcmp(base, "ack") == 0) {
		if (tok_decode(d, raw, &text) < 0)
			return -1;
		for (int k = 0; k < row->nmap; k++)
			if (strcmp(row->map[k].key, text) == 0)
				v = val_str(row->map[k].val);
		free(text);
		result_set(d->r, name, v, "", xk, extra, nextra);
		return 0;
	}
	if (strcmp(base, "option") == 0) {
		int idx;
		if (py_parse_int((const char *)raw->p, raw->n, &sb) < 0) {
			sbuf_free(&sb);
			return 0;	/* the reference drops the field */
		}
		if ((idx = py_index(sbuf_str(&sb), row->nlist)) < 0) {
			char msg[128];
			snprintf(msg, sizeof(msg), "Invalid option: %s", sbuf_str(&sb));
			result_set(d->r, name, val_str(msg), "", xk, extra, nextra);
		} else
			result_set(d->r, name, val_str(row->list[idx]), "", xk,
			    extra, nextra);
		sbuf_free(&sb);
		return 0;
	}
	if (strcmp(base, "hex_option") == 0) {
		char msg[64];
		if (raw->n == 0)
			return fail(d, "index out of range");
		if (raw->p[0] < row->nlist)
			result_set(d->r, name, val_str(row->list[raw->p[0]]), "", xk,
			    extra, nextra);
		else {
			snprintf(msg, sizeof(msg), "Invalid hex_option: %d", raw->p[0]);
			result_set(d->r, name, val_str(msg), "", xk, extra, nextra);
		}
		return 0;
	}
	if (strcmp(base, "flags") == 0) {
		for (size_t j = 0; j < raw->n; j++) {
			if ((int)j >= row->nlist)
				return fail(d, "list index out of range");
			if (raw->p[j] < '0' || raw->p[j] > '9') {
				char ch[3] = { (char)raw->p[j], 0, 0 };
				if (raw->p[j] >= 0x80) {
					struct sbuf l = SBUF_INIT;
					latin1_to_utf8(&l, &raw->p[j], 1);
					invalid_literal(d, sbuf_str(&l));
					sbuf_free(&l);
				} else
					invalid_literal(d, ch);
				return -1;
			}
			result_set(d->r, row->list[j], val_int(raw->p[j] - '0'),
			    "bool", EX_ABSENT, NULL, 0);
		}
		return 0;
	}
	if (strcmp(base, "keyed") == 0) {
		const char *hit = NULL;
		for (size_t j = 0; j < raw->n; j++)
			sbuf_printf(&sb, "%02x", raw->p[j]);
		for (int k = 0; k < row->nmap; k++)
			if (strcmp(row->map[k].key, sbuf_str(&sb)) == 0)
				hit = row->map[k].val;
		if (hit != NULL)
			result_set_str(d->r, name, hit, "");
		else {
			struct sbuf m = SBUF_INIT;
			sbuf_printf(&m, "Invalid key: %s", sbuf_str(&sb));
			result_set_str(d->r, name, sbuf_str(&m), "");
			sbuf_free(&m);
		}
		sbuf_free(&sb);
		return 0;
	}
	if (strcmp(base, "str_keyed") == 0) {
		const char *hit = NULL;
		if (tok_decode(d, raw, &text) < 0)
			return -1;
		for (int k = 0; k < row->nmap; k++)
			if (strcmp(row->map[k].key, text) == 0)
				hit = row->map[k].val;
		if (hit != NULL)
			v = val_str(hit);
		else {
			sbuf_printf(&sb, "Invalid key: %s", text);
			v = val_str(sbuf_str(&sb));
			sbuf_free(&sb);
		}
		free(text);
		result_set(d->r, name, v, "", xk, extra, nextra);
		return 0;
	}
	if (strcmp(base, "string") == 0) {
		if (tok_decode(d, raw, &text) < 0)
			return -1;
		result_set(d->r, name, val_str(text), units, xk, extra, nextra);
		free(text);
		return 0;
	}
	/* eval(f"{type}(raw_value)"): ValueError gives 0 */
	if (strcmp(base, "float") == 0) {
		double f;
		v = py_parse_float((const char *)raw->p, raw->n, &f) == 0 ?
		    val_float(f) : val_int(0);
	} else if (strcmp(base, "int") == 0) {
		v = py_parse_int((const char *)raw->p, raw->n, &sb) == 0 ?
		    val_int_text(sbuf_str(&sb)) : val_int(0);
		sbuf_free(&sb);
	} else if (strcmp(base, "bytes.decode") == 0) {
		v = utf8_valid(raw->p, raw->n) ?
		    val_strn((const char *)raw->p, raw->n) : val_int(0);
	} else if (strcmp(base, "bytes") == 0) {
		/* bytes(raw): only ever followed by the r.decode() template */
		text = tok_text(raw);
		v = val_str(text);
		free(text);
	} else if (strcmp(base, "str") == 0) {
		/* Deviation: plain text, not the b'...' repr. */
		text = tok_text(raw);
		v = val_str(text);
		free(text);
	} else
		return fail(d, "name '%s' is not defined", base);
	if (tmpl != NULL && eval_template(d, tmpl, &v, raw) < 0) {
		val_free(&v);
		return -1;
	}
	result_set(d->r, name, v, units, xk, extra, nextra);
	return 0;
}

static int
decode_positional(struct dctx *d, const struct tok *toks, int ntok)
{
	const struct pi_cmd *defn = d->defn;
	int indexed = defn->rtype == RT_INDEXED;
	int n = ntok > defn->nrows ? ntok : defn->nrows;

	for (int i = 0; i < n; i++) {
		struct tok t = { PAD_MARKER, 6, 1 };
		const struct pi_row *row;
		struct pi_row unknown;
		char name[64];
		const struct pi_kv *extra = NULL;
		int nextra = 0;

		if (i < ntok)
			t = toks[i];
		if (i >= defn->nrows) {
			if (indexed && t.n == 0)
				continue;
			snprintf(name, sizeof(name), "Unknown value in response %d",
			    indexed ? i + 1 : i);
			memset(&unknown, 0, sizeof(unknown));
			unknown.type = "str";
			unknown.name = name;
			unknown.unit = "";
			row = &unknown;
		} else
			row = &defn->rows[i];
		if (indexed) {
			extra = row->extra;
			nextra = row->nextra;
		}
		if (strncmp(row->type, "info:", 5) == 0) {
			struct value v;
			if (eval_info(d, row->type + 5, &v) < 0)
				return -1;
			result_set(d->r, row->name, v, row->unit,
			    nextra > 0 ? EX_DICT : EX_NONE, extra, nextra);
			continue;
		}
		if (process_field(d, row, row->name, row->unit, extra, nextra, &t) < 0)
			return -1;
	}
	return 0;
}

/* ---- validation and entry point ------------------------------------- */

static const char *
validate_pi30(const uint8_t *s, size_t n)
{
	uint8_t crc[2];

	if (n <= 3)
		return "Error: Response to short";
	if (memmem(s, n, "(NAK", 4) != NULL)
		return "Error: NAK";
	crc_pi(s, n - 3, crc);
	if (s[n - 3] != crc[0] || s[n - 2] != crc[1])
		return "Error: Invalid response CRCs";
	return NULL;
}

static int
revo_crc_ok(const uint8_t *s, size_t n)
{
	uint8_t crc[2];

	crc_pi(s, n - 3, crc);
	return s[n - 3] == crc[0] && s[n - 2] == crc[1];
}

/* 1 valid, 0 invalid, -1 the reference's bytes([256]) exception. */
static int
revo_chk_ok(const uint8_t *s, size_t n)
{
	unsigned chk = crc_chk(s, n - 2);

	if (chk > 0xff)
		return -1;
	return s[n - 2] == chk;
}

static int
split_tokens(const uint8_t *s, size_t n, struct tok **out)
{
	int cap = 8, nt = 0;
	struct tok *t = xmalloc((size_t)cap * sizeof(*t));
	size_t start = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == ' ') {
			if (nt == cap) {
				cap *= 2;
				t = xrealloc(t, (size_t)cap * sizeof(*t));
			}
			t[nt].p = s + start;
			t[nt].n = i - start;
			t[nt].pad = 0;
			nt++;
			start = i + 1;
		}
	}
	*out = t;
	return nt;
}

void
proto_decode(const struct pi_proto *p, const char *cmd, const uint8_t *reply,
    size_t len, struct result *r)
{
	struct dctx d;
	char cv[128];
	const char *bad = NULL;
	struct tok *toks = NULL;
	int ntok, rc = 0;
	size_t b = 1, e = 3;

	memset(&d, 0, sizeof(d));
	d.proto = p;
	d.cmd = cmd;
	d.r = r;
	d.cv = cv;
	d.defn = proto_lookup(p, cmd, cv, sizeof(cv));

	result_set_plain(r, "_command", cmd);
	if (d.defn != NULL)
		result_set_plain(r, "_command_description", d.defn->desc);

	if (p->family == PF_REVO) {
		if (len <= 3)
			bad = "Error: Response to short";
		else {
			int chk = revo_chk_ok(reply, len);
			if (chk < 0) {
				fail(&d, "bytes must be in range(0, 256)");
				rc = -1;
				goto done;
			}
			if (!chk && !revo_crc_ok(reply, len))
				bad = "Error: Invalid response CRCs";
			else if (!revo_crc_ok(reply, len)) {
				/* CHK framing: optional '(' and CHK + CR */
				b = reply[0] == '(' ? 1 : 0;
				e = 2;
			}
		}
	} else if (p->family == PF_PI30)
		bad = validate_pi30(reply, len);
	else
		bad = pi1x_validate(p, reply, len);
	if (bad != NULL) {
		result_set_str(r, "validity check", bad, "");
		return;
	}

	struct sbuf raw = SBUF_INIT;
	latin1_to_utf8(&raw, reply, len);
	result_set_str(r, "raw_response", sbuf_str(&raw), "");
	if (d.defn == NULL) {
		struct sbuf w = SBUF_INIT;
		sbuf_printf(&w, "No definition for command %s in protocol b'%s'",
		    cmd, p->pid != NULL ? p->pid : p->id);
		result_set_str(r, "WARNING", sbuf_str(&w), "");
		result_set_str(r, "response", sbuf_str(&raw), "");
		sbuf_free(&w);
		sbuf_free(&raw);
		return;
	}
	sbuf_free(&raw);

	if (p->family == PF_PI30 || p->family == PF_REVO)
		ntok = split_tokens(reply + b, len - b - e, &toks);
	else {
		struct pi_span *sp = NULL;
		ntok = pi1x_split(p, reply, len, &sp);
		toks = xmalloc((size_t)ntok * sizeof(*toks));
		for (int i = 0; i < ntok; i++) {
			toks[i].p = sp[i].p;
			toks[i].n = sp[i].n;
			toks[i].pad = 0;
		}
		free(sp);
	}
	if (d.defn->rtype == RT_DEFAULT)
		rc = decode_default(&d, toks, ntok);
	else
		rc = decode_positional(&d, toks, ntok);
	free(toks);
done:
	if (rc < 0) {
		struct sbuf m = SBUF_INIT;
		sbuf_printf(&m, "Failed to decode response for command %s: %s",
		    cmd, d.err);
		result_free(r);
		result_error(r, sbuf_str(&m));
		sbuf_free(&m);
	}
}

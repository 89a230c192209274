/*
 * pyexpr.c - the Python expressions of the reference's tables (slices,
 * int(), calendar.month_name, datetime.strptime), with Python's results and
 * exception texts.  See pyexpr.h.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyexpr.h"
#include "pyfmt.h"
#include "sbuf.h"
#include "utf8.h"

static int
fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

int
pyx_utf8(const struct proto_tok *t, char **out, char *err, size_t errlen)
{
	if (!utf8_valid(t->p, t->n)) {
		utf8_error(t->p, t->n, err, errlen);
		return -1;
	}
	*out = xstrndup((const char *)t->p, t->n);
	return 0;
}

int
pyx_invalid_literal(const char *text, char *err, size_t errlen)
{
	struct sbuf s = SBUF_INIT;

	py_repr_str(&s, text);
	fail(err, errlen, "invalid literal for int() with base 10: %s",
	    sbuf_str(&s));
	sbuf_free(&s);
	return -1;
}

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

/* int(text) as a C long for indexing. */
static int
py_int_small(const char *text, long *out, char *err, size_t errlen)
{
	struct sbuf sb = SBUF_INIT;
	char *end;

	if (py_parse_int(text, strlen(text), &sb) < 0) {
		sbuf_free(&sb);
		return pyx_invalid_literal(text, err, errlen);
	}
	*out = strtol(sbuf_str(&sb), &end, 10);
	sbuf_free(&sb);
	return 0;
}

int
pyx_info(enum pi_expr x, const char *cv, struct value *v, char *err,
    size_t errlen)
{
	char *part;
	long m;
	int rc;

	if (cv == NULL)
		cv = "";
	switch (x) {
	case PX_CV:
		*v = val_str(cv);
		return 0;
	case PX_CV_HEAD4:
		part = py_slice(cv, 0, 4, 1);
		break;
	case PX_CV_FROM6:
		part = py_slice(cv, 6, 0, 0);
		break;
	case PX_MONTH_4_6:
	case PX_MONTH_4:
		part = x == PX_MONTH_4_6 ? py_slice(cv, 4, 6, 1) :
		    py_slice(cv, 4, 0, 0);
		rc = py_int_small(part, &m, err, errlen);
		free(part);
		if (rc < 0)
			return -1;
		if (m < -13 || m > 12)
			return fail(err, errlen, "list index out of range");
		*v = val_str(month_names[m < 0 ? m + 13 : m]);
		return 0;
	default:
		return fail(err, errlen, "unsupported info expression");
	}
	*v = val_str(part);
	free(part);
	return 0;
}

/*
 * datetime.strptime(r, '%Y%m%d%H%M%S').strftime('%Y-%m-%d %H:%M:%S') with
 * Python's rules: the fields have variable widths, matched by the same
 * regular expression CPython's _strptime builds, then "unconverted data
 * remains" for text after the match and datetime's range checks.
 */
static int
eval_strptime(const char *r, struct value *v, char *err, size_t errlen)
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
		return fail(err, errlen, "strptime: internal pattern error");
	md = pcre2_match_data_create_from_pattern(code, NULL);
	if (md == NULL || pcre2_match(code, (PCRE2_SPTR)r, strlen(r), 0,
	    PCRE2_ANCHORED, md, NULL) < 0) {
		struct sbuf sb = SBUF_INIT;
		py_repr_str(&sb, r);
		fail(err, errlen, "time data %s does not match format "
		    "'%%Y%%m%%d%%H%%M%%S'", sbuf_str(&sb));
		sbuf_free(&sb);
		goto out;
	}
	ov = pcre2_get_ovector_pointer(md);
	if (ov[1] != strlen(r)) {
		fail(err, errlen, "unconverted data remains: %s", r + ov[1]);
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
		fail(err, errlen, "year 0 is out of range");
		goto out;
	}
	if (f[2] > dim) {
		fail(err, errlen, "day is out of range for month");
		goto out;
	}
	if (f[5] > 59) {
		fail(err, errlen, "second must be in 0..59");
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

/* r/<n> of Python: a number becomes a float; text fails as Python does. */
static int
div_by(struct value *v, int n, char *err, size_t errlen)
{
	double d;

	if (v->type == V_FLOAT)
		d = v->f;
	else if (v->type == V_INT)
		d = strtod(v->s, NULL);
	else
		return fail(err, errlen, "unsupported operand type(s) "
		    "for /: 'str' and 'int'");
	val_free(v);
	*v = val_float(d / n);
	return 0;
}

int
pyx_template(enum pi_expr x, struct value *v, const struct proto_tok *raw,
    char *err, size_t errlen)
{
	switch (x) {
	case PX_DIV10:
		return div_by(v, 10, err, errlen);
	case PX_DIV100:
		return div_by(v, 100, err, errlen);
	case PX_MUL30:
		if (v->type == V_FLOAT)
			v->f *= 30;
		else if (v->type == V_INT) {
			long long i = strtoll(v->s, NULL, 10);
			val_free(v);
			*v = val_int(i * 30);
		} else {
			/* str * 30 repeats the text, as Python does */
			struct sbuf sb = SBUF_INIT;
			for (int k = 0; k < 30; k++)
				sbuf_adds(&sb, v->s);
			val_free(v);
			*v = val_str(sbuf_str(&sb));
			sbuf_free(&sb);
		}
		return 0;
	case PX_SAME:
		return 0;
	case PX_FROM6:
	case PX_FROM7: {
		char *out;
		if (v->type != V_STR)
			return fail(err, errlen, "'int' object is not subscriptable");
		out = py_slice(v->s, x == PX_FROM6 ? 6 : 7, 0, 0);
		val_free(v);
		*v = val_str(out);
		free(out);
		return 0;
	}
	case PX_LENPREFIX: {
		char *head, *out;
		long m;
		if (v->type != V_STR)
			return fail(err, errlen, "'int' object is not subscriptable");
		head = py_slice(v->s, 0, 2, 1);
		if (py_int_small(head, &m, err, errlen) < 0) {
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
	case PX_DECODE: {
		char *text;
		if (pyx_utf8(raw, &text, err, errlen) < 0)
			return -1;
		val_free(v);
		*v = val_str(text);
		free(text);
		return 0;
	}
	case PX_STRPTIME: {
		struct value nv;
		if (v->type != V_STR)
			return fail(err, errlen, "strptime() argument 1 must be "
			    "str, not int");
		if (eval_strptime(v->s, &nv, err, errlen) < 0)
			return -1;
		val_free(v);
		*v = nv;
		return 0;
	}
	case PX_NONE:
		return 0;
	default:
		return fail(err, errlen, "unsupported template");
	}
}

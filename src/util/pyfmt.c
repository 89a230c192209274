/*
 * pyfmt.c - Python number and string formatting rules.
 *
 * Written by hand: the outputs must print exactly what CPython prints
 * (float repr, json.dumps with ensure_ascii, bytes repr), which neither
 * cJSON nor printf does.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "pyfmt.h"
#include "result.h"
#include "sbuf.h"
#include "utf8.h"

void
py_float_repr(double d, char *buf, size_t n)
{
	char tmp[40], digits[24], *e;
	int prec, exp10, nd = 0;

	if (isnan(d)) {
		snprintf(buf, n, "nan");
		return;
	}
	if (isinf(d)) {
		snprintf(buf, n, d < 0 ? "-inf" : "inf");
		return;
	}
	/* Shortest %e precision that reads back as the same double. */
	for (prec = 0; prec < 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	/* tmp is "-d.ddde+XX": collect the digits and the exponent. */
	e = strchr(tmp, 'e');
	exp10 = atoi(e + 1);
	for (char *p = tmp; p < e; p++)
		if (isdigit((unsigned char)*p))
			digits[nd++] = *p;
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	digits[nd] = '\0';

	struct sbuf s = SBUF_INIT;
	if (signbit(d))
		sbuf_addc(&s, '-');
	if (exp10 >= -5 + 1 && exp10 < 16) {
		/* Fixed notation: 1e-4 <= |d| < 1e16. */
		if (exp10 < 0) {
			sbuf_adds(&s, "0.");
			for (int i = -1; i > exp10; i--)
				sbuf_addc(&s, '0');
			sbuf_adds(&s, digits);
		} else {
			for (int i = 0; i <= exp10; i++)
				sbuf_addc(&s, i < nd ? digits[i] : '0');
			sbuf_addc(&s, '.');
			if (nd > exp10 + 1)
				sbuf_adds(&s, digits + exp10 + 1);
			else
				sbuf_addc(&s, '0');
		}
	} else {
		sbuf_addc(&s, digits[0]);
		if (nd > 1) {
			sbuf_addc(&s, '.');
			sbuf_adds(&s, digits + 1);
		}
		sbuf_printf(&s, "e%c%02d", exp10 < 0 ? '-' : '+', abs(exp10));
	}
	snprintf(buf, n, "%s", sbuf_str(&s));
	sbuf_free(&s);
}

/* What int() and float() strip: ASCII whitespace only (int("\x1f5") and
 * float("\x1c5") raise, although str.isspace() is true for 0x1c-0x1f). */
static int
py_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	    c == '\f';
}

/* Strips ASCII whitespace; returns the new bounds in *b, *e. */
static void
py_strip(const char *s, size_t n, size_t *b, size_t *e)
{
	*b = 0;
	*e = n;
	while (*b < *e && py_space((unsigned char)s[*b]))
		(*b)++;
	while (*e > *b && py_space((unsigned char)s[*e - 1]))
		(*e)--;
}

/*
 * Copies a run of digits with single underscores between digits into out;
 * returns the number of input bytes used, 0 when no digit starts the run,
 * or -1 for a misplaced underscore.
 */
static long
py_digits(const char *s, size_t n, struct sbuf *out)
{
	size_t i = 0;

	if (n == 0 || !isdigit((unsigned char)s[0]))
		return 0;
	while (i < n) {
		if (isdigit((unsigned char)s[i]))
			sbuf_addc(out, s[i++]);
		else if (s[i] == '_') {
			if (i + 1 >= n || !isdigit((unsigned char)s[i + 1]))
				return -1;
			i++;
		} else
			break;
	}
	return (long)i;
}

int
py_parse_int(const char *s, size_t n, struct sbuf *out)
{
	struct sbuf d = SBUF_INIT;
	size_t b, e, i;
	int neg = 0;
	long used;
	const char *p;

	py_strip(s, n, &b, &e);
	if (b < e && (s[b] == '+' || s[b] == '-'))
		neg = s[b++] == '-';
	used = py_digits(s + b, e - b, &d);
	if (used <= 0 || b + (size_t)used != e) {
		sbuf_free(&d);
		return -1;
	}
	p = sbuf_str(&d);
	for (i = 0; p[i] == '0' && p[i + 1] != '\0'; i++)
		;
	if (neg && strcmp(p + i, "0") != 0)
		sbuf_addc(out, '-');
	sbuf_adds(out, p + i);
	sbuf_free(&d);
	return 0;
}

int
py_parse_float(const char *s, size_t n, double *out)
{
	struct sbuf d = SBUF_INIT;
	size_t b, e, i;
	long used;
	int ok = 0, neg = 0;

	py_strip(s, n, &b, &e);
	if (b < e && (s[b] == '+' || s[b] == '-'))
		neg = s[b++] == '-';
	i = b;
	if (e - i == 3 && strncasecmp(s + i, "nan", 3) == 0) {
		*out = neg ? -NAN : NAN;
		return 0;
	}
	if ((e - i == 3 && strncasecmp(s + i, "inf", 3) == 0) ||
	    (e - i == 8 && strncasecmp(s + i, "infinity", 8) == 0)) {
		*out = neg ? -INFINITY : INFINITY;
		return 0;
	}
	if (neg)
		sbuf_addc(&d, '-');
	/* digits [. digits] or . digits, then optional exponent */
	used = py_digits(s + i, e - i, &d);
	if (used < 0)
		goto done;
	ok = used > 0;
	i += (size_t)used;
	if (i < e && s[i] == '.') {
		sbuf_addc(&d, '.');
		i++;
		used = py_digits(s + i, e - i, &d);
		if (used < 0)
			goto done;
		ok |= used > 0;
		i += (size_t)used;
	}
	if (!ok)
		goto done;
	if (i < e && (s[i] == 'e' || s[i] == 'E')) {
		sbuf_addc(&d, 'e');
		i++;
		if (i < e && (s[i] == '+' || s[i] == '-'))
			sbuf_addc(&d, s[i++]);
		used = py_digits(s + i, e - i, &d);
		if (used <= 0) {
			ok = 0;
			goto done;
		}
		i += (size_t)used;
	}
	if (i != e) {
		ok = 0;
		goto done;
	}
	*out = strtod(sbuf_str(&d), NULL);
done:
	sbuf_free(&d);
	return ok ? 0 : -1;
}

void
latin1_to_utf8(struct sbuf *out, const void *sv, size_t n)
{
	const unsigned char *s = sv;

	sbuf_reserve(out, n * 2);
	for (size_t i = 0; i < n; i++) {
		if (s[i] < 0x80)
			sbuf_addc(out, (char)s[i]);
		else {
			sbuf_addc(out, (char)(0xc0 | (s[i] >> 6)));
			sbuf_addc(out, (char)(0x80 | (s[i] & 0x3f)));
		}
	}
}

void
py_json_str(struct sbuf *out, const char *utf8)
{
	const char *p = utf8;
	uint32_t cp;

	sbuf_addc(out, '"');
	while (*p != '\0') {
		/* a run of printable ASCII other than '"' and '\\' as is */
		const char *q = p;
		while ((unsigned char)*q >= 0x20 && (unsigned char)*q < 0x7f &&
		    *q != '"' && *q != '\\')
			q++;
		if (q > p) {
			sbuf_add(out, p, (size_t)(q - p));
			p = q;
			continue;
		}
		p += utf8_next(p, &cp);
		switch (cp) {
		case '"':
			sbuf_adds(out, "\\\"");
			break;
		case '\\':
			sbuf_adds(out, "\\\\");
			break;
		case '\n':
			sbuf_adds(out, "\\n");
			break;
		case '\r':
			sbuf_adds(out, "\\r");
			break;
		case '\t':
			sbuf_adds(out, "\\t");
			break;
		case '\b':
			sbuf_adds(out, "\\b");
			break;
		case '\f':
			sbuf_adds(out, "\\f");
			break;
		default:
			if (cp >= 0x20 && cp < 0x7f)
				sbuf_addc(out, (char)cp);
			else if (cp < 0x10000)
				sbuf_printf(out, "\\u%04x", cp);
			else {
				cp -= 0x10000;
				sbuf_printf(out, "\\u%04x\\u%04x",
				    0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
			}
		}
	}
	sbuf_addc(out, '"');
}

void
py_json_value(struct sbuf *out, const struct value *v)
{
	char buf[40];

	switch (v->type) {
	case V_NONE:
		sbuf_adds(out, "null");
		break;
	case V_STR:
		py_json_str(out, v->s);
		break;
	case V_INT:
		sbuf_adds(out, v->s);
		break;
	case V_FLOAT:
		if (isnan(v->f))
			sbuf_adds(out, "NaN");
		else if (isinf(v->f))
			sbuf_adds(out, v->f < 0 ? "-Infinity" : "Infinity");
		else {
			py_float_repr(v->f, buf, sizeof(buf));
			sbuf_adds(out, buf);
		}
		break;
	}
}

void
py_str_value(struct sbuf *out, const struct value *v)
{
	char buf[40];

	switch (v->type) {
	case V_NONE:
		sbuf_adds(out, "None");
		break;
	case V_STR:
	case V_INT:
		sbuf_adds(out, v->s);
		break;
	case V_FLOAT:
		py_float_repr(v->f, buf, sizeof(buf));
		sbuf_adds(out, buf);
		break;
	}
}

/* Python's str.isprintable() for the code points we meet (approximate
 * beyond Latin-1: everything else counts as printable). */
static int
py_printable(uint32_t cp)
{
	if (cp < 0x20 || (cp >= 0x7f && cp <= 0xa0) || cp == 0xad)
		return 0;
	if (cp >= 0xd800 && cp <= 0xdfff)
		return 0;
	return 1;
}

static void
py_repr_common(struct sbuf *out, const char *utf8, int ascii_only)
{
	const char *p;
	uint32_t cp;
	char q = '\'';

	if (strchr(utf8, '\'') != NULL && strchr(utf8, '"') == NULL)
		q = '"';
	sbuf_addc(out, q);
	for (p = utf8; *p != '\0';) {
		p += utf8_next(p, &cp);
		if (cp == (uint32_t)q || cp == '\\') {
			sbuf_addc(out, '\\');
			sbuf_addc(out, (char)cp);
		} else if (cp == '\n')
			sbuf_adds(out, "\\n");
		else if (cp == '\r')
			sbuf_adds(out, "\\r");
		else if (cp == '\t')
			sbuf_adds(out, "\\t");
		else if (cp < 0x80 && py_printable(cp))
			sbuf_addc(out, (char)cp);
		else if (!ascii_only && py_printable(cp)) {
			char enc[5];
			size_t k = 0;
			if (cp < 0x800) {
				enc[k++] = (char)(0xc0 | (cp >> 6));
			} else if (cp < 0x10000) {
				enc[k++] = (char)(0xe0 | (cp >> 12));
				enc[k++] = (char)(0x80 | ((cp >> 6) & 0x3f));
			} else {
				enc[k++] = (char)(0xf0 | (cp >> 18));
				enc[k++] = (char)(0x80 | ((cp >> 12) & 0x3f));
				enc[k++] = (char)(0x80 | ((cp >> 6) & 0x3f));
			}
			enc[k++] = (char)(0x80 | (cp & 0x3f));
			sbuf_add(out, enc, k);
		} else if (cp < 0x100)
			sbuf_printf(out, "\\x%02x", cp);
		else if (cp < 0x10000)
			sbuf_printf(out, "\\u%04x", cp);
		else
			sbuf_printf(out, "\\U%08x", cp);
	}
	sbuf_addc(out, q);
}

void
py_repr_str(struct sbuf *out, const char *utf8)
{
	py_repr_common(out, utf8, 0);
}

void
py_ascii_str(struct sbuf *out, const char *utf8)
{
	py_repr_common(out, utf8, 1);
}

void
py_bytes_repr(struct sbuf *out, const void *sv, size_t n)
{
	const unsigned char *s = sv;
	char q = '\'';

	if (memchr(s, '\'', n) != NULL && memchr(s, '"', n) == NULL)
		q = '"';
	sbuf_addc(out, 'b');
	sbuf_addc(out, q);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];
		if (c == (unsigned char)q || c == '\\') {
			sbuf_addc(out, '\\');
			sbuf_addc(out, (char)c);
		} else if (c == '\t')
			sbuf_adds(out, "\\t");
		else if (c == '\n')
			sbuf_adds(out, "\\n");
		else if (c == '\r')
			sbuf_adds(out, "\\r");
		else if (c < 0x20 || c >= 0x7f)
			sbuf_printf(out, "\\x%02x", c);
		else
			sbuf_addc(out, (char)c);
	}
	sbuf_addc(out, q);
}

void
py_dict_repr(struct sbuf *out, const struct result_kv *kv, int n)
{
	sbuf_addc(out, '{');
	for (int i = 0; i < n; i++) {
		if (i > 0)
			sbuf_adds(out, ", ");
		py_repr_str(out, kv[i].key);
		sbuf_adds(out, ": ");
		py_repr_str(out, kv[i].val);
	}
	sbuf_addc(out, '}');
}

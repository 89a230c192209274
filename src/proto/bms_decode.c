/*
 * bms_decode.c - the decoder shared by the battery monitor families (Daly,
 * JK, VE.Direct): binary replies cut by the byte sizes of the rows, and
 * VE.Direct's "Label<TAB>Value" lines matched by label.  Values follow the
 * reference's rules exactly (docs/protocols.md): the conversion gives a
 * Python int, float or str, the template is applied with Python's
 * arithmetic, and a field too short for its conversion reads as 0.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bms.h"
#include "pyfmt.h"
#include "result.h"
#include "sbuf.h"
#include "utf8.h"
#include "hex.h"

uint8_t
bms_sum8(const uint8_t *b, size_t n)
{
	unsigned s = 0;

	for (size_t i = 0; i < n; i++)
		s += b[i];
	return (uint8_t)s;
}

int
bms_unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen(hex);

	if (n % 2 != 0 || n / 2 > cap)
		return -1;
	for (size_t i = 0; i < n; i += 2) {
		int h = hex_digit(hex[i]), l = hex_digit(hex[i + 1]);
		if (h < 0 || l < 0)
			return -1;
		out[i / 2] = (uint8_t)(h << 4 | l);
	}
	return (int)(n / 2);
}

static void
tok_add(struct proto_reply *rep, int *cap, const uint8_t *p, size_t n,
    int pad)
{
	if (rep->ntok == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		rep->tok = xrealloc(rep->tok, (size_t)*cap * sizeof(*rep->tok));
	}
	rep->tok[rep->ntok].p = p;
	rep->tok[rep->ntok].n = n;
	rep->tok[rep->ntok].pad = pad;
	rep->ntok++;
}

/* Cuts b[0..n) by the row sizes; returns the bytes consumed. */
static size_t
cut_rows(const struct bms_cmd *c, const uint8_t *b, size_t n,
    struct proto_reply *rep, int *cap)
{
	size_t off = 0;

	for (int i = 0; i < c->nrows; i++) {
		size_t sz = (size_t)bms_row_at(c, i)->size;
		if (bms_row_at(c, i)->fn == BF_LOOKUP) {
			tok_add(rep, cap, b, 0, 1);
			continue;
		}
		if (sz > n - off)
			sz = n - off;
		tok_add(rep, cap, b + off, sz, 0);
		off += sz;
	}
	return off;
}

void
bms_split_positional(const struct bms_cmd *c, const uint8_t *b, size_t n,
    int extra, struct proto_reply *rep)
{
	int cap = 0;
	size_t off;

	rep->tok = NULL;
	rep->ntok = 0;
	if (c->rtype == BR_MULTIFRAME && c->frame_size > 0) {
		for (off = 0; off < n; off += (size_t)c->frame_size) {
			size_t fl = n - off;
			if (fl > (size_t)c->frame_size)
				fl = (size_t)c->frame_size;
			cut_rows(c, b + off, fl, rep, &cap);
		}
		if (rep->tok == NULL)
			tok_add(rep, &cap, b, 0, 1), rep->ntok = 0;
		return;
	}
	off = cut_rows(c, b, n, rep, &cap);
	if (extra && off < n)
		tok_add(rep, &cap, b + off, n - off, 0);
	if (rep->tok == NULL)
		tok_add(rep, &cap, b, 0, 1), rep->ntok = 0;
}

/* A Python value while a row is evaluated. */
struct pyv {
	enum val_type	 t;	/* V_INT, V_FLOAT, V_STR, V_NONE */
	long long	 i;
	double		 f;
	struct sbuf	 s;
};

static double
num(const struct pyv *v)
{
	return v->t == V_INT ? (double)v->i : v->f;
}

static void
setf(struct pyv *v, double f)
{
	v->t = V_FLOAT;
	v->f = f;
}

/* The template, with Python's int/float rules. */
static int
apply_tx(enum bms_tx tx, struct pyv *v, char *err, size_t errlen)
{
	if (tx == BT_NONE)
		return 0;
	if (tx == BT_DECODE) {
		if (!utf8_valid(sbuf_str(&v->s), v->s.len)) {
			snprintf(err, errlen, "'utf-8' codec can't decode the "
			    "value");
			return -1;
		}
		v->t = V_STR;
		return 0;
	}
	if (v->t != V_INT && v->t != V_FLOAT) {
		snprintf(err, errlen, "unsupported operand type(s)");
		return -1;
	}
	switch (tx) {
	case BT_DIV10:
		setf(v, num(v) / 10);
		break;
	case BT_DIV100:
		setf(v, num(v) / 100);
		break;
	case BT_DIV1000:
		setf(v, num(v) / 1000);
		break;
	case BT_DIV3:
		setf(v, num(v) / 3);
		break;
	case BT_SUB30000_DIV10:
		setf(v, v->t == V_INT ? (double)(v->i - 30000) / 10 :
		    (v->f - 30000) / 10);
		break;
	case BT_SUB2731_DIV10:
		setf(v, v->t == V_INT ? (double)(v->i - 2731) / 10 :
		    (v->f - 2731) / 10);
		break;
	case BT_SUB40:
		if (v->t == V_INT)
			v->i -= 40;
		else
			v->f -= 40;
		break;
	case BT_ADD1:
		if (v->t == V_INT)
			v->i += 1;
		else
			v->f += 1;
		break;
	case BT_MUL100:
		if (v->t == V_INT)
			v->i *= 100;
		else
			v->f *= 100;
		break;
	case BT_JK_CURRENT:
		if (v->t != V_INT) {
			snprintf(err, errlen, "unsupported operand type(s) "
			    "for &: 'float' and 'int'");
			return -1;
		}
		setf(v, (double)(v->i & 0x7FFF) / 100 *
		    (double)(((v->i & 0x8000) >> 15) * 2 - 1));
		break;
	default:
		break;
	}
	return 0;
}

static long long
le(const uint8_t *p, size_t n)
{
	unsigned long long x = 0;

	for (size_t i = n; i-- > 0;)
		x = x << 8 | p[i];
	return (long long)x;
}

static long long
be(const uint8_t *p, size_t n)
{
	unsigned long long x = 0;

	for (size_t i = 0; i < n; i++)
		x = x << 8 | p[i];
	return (long long)x;
}

/* The reference's uptime(): seconds as days, hours, minutes, seconds. */
static void
uptime(const uint8_t *p, size_t n, struct sbuf *out)
{
	double value = 0, mult = 1, d, h, m, s;
	long long days, hours, minutes;

	for (size_t i = 0; i < n; i++, mult *= 256)
		value += p[i] * mult;
	d = value / (60 * 60 * 24);
	days = (long long)trunc(d);
	h = (d - (double)days) * 24;
	hours = (long long)trunc(h);
	m = (h - (double)hours) * 60;
	minutes = (long long)trunc(m);
	s = (m - (double)minutes) * 60;
	sbuf_printf(out, "%lldD%lldH%lldM%.0fS", days, hours, minutes,
	    nearbyint(s));
}

static const char *
map_get(const struct bms_row *row, const char *key)
{
	for (int i = 0; i < row->nmap; i++)
		if (strcmp(pi_str(pi_kv_at(row->map, i)->key), key) == 0)
			return pi_str(pi_kv_at(row->map, i)->val);
	return NULL;
}

/*
 * Converts one field (row->fn) into v.  0, or -1 with err (the reference
 * raises there).
 */
static int
convert(const struct bms_row *row, const uint8_t *p, size_t n, struct pyv *v,
    char *err, size_t errlen)
{
	const char *m;

	v->t = V_INT;
	v->i = 0;
	switch (row->fn) {
	case BF_HEX2STR:
		v->t = V_STR;
		for (size_t i = 0; i < n; i++)
			sbuf_printf(&v->s, "%02x", p[i]);
		return 0;
	case BF_HEX2ASCII:
		v->t = V_STR;
		for (size_t i = 0; i < n; i++)
			if (p[i] != 0)
				latin1_to_utf8(&v->s, p + i, 1);
		return 0;
	case BF_HEX2INT:
	case BF_HEX_OPTION:
		if (n == 0) {
			snprintf(err, errlen, "index out of range");
			return -1;
		}
		v->i = p[0];
		if (row->fn == BF_HEX_OPTION) {
			v->t = V_STR;
			if (v->i < row->nlist)
				sbuf_adds(&v->s, pi_list_at(row->list, v->i));
			else
				sbuf_printf(&v->s, "Invalid hex_option: %lld",
				    v->i);
		}
		return 0;
	case BF_BIG_SHORT:
		if (n == 2)
			v->i = (int16_t)(uint16_t)be(p, 2);
		return 0;
	case BF_BIG_UINT:
		if (n == 4)
			v->i = be(p, 4);
		return 0;
	case BF_LITTLE_SHORT:
		if (n == 2)
			v->i = (int16_t)(uint16_t)le(p, 2);
		return 0;
	case BF_LITTLE_UINT:
		if (n == 4)
			v->i = le(p, 4);
		return 0;
	case BF_LITTLE_INT:
		if (n == 4)
			v->i = (int32_t)(uint32_t)le(p, 4);
		return 0;
	case BF_LITTLE_FLOAT:
		if (n == 4) {
			uint32_t u = (uint32_t)le(p, 4);
			float f;
			memcpy(&f, &u, sizeof(f));
			setf(v, (double)f);
		}
		return 0;
	case BF_UPTIME:
		v->t = V_STR;
		uptime(p, n, &v->s);
		return 0;
	case BF_KEYED: {
		struct sbuf k = SBUF_INIT;
		for (size_t i = 0; i < n; i++)
			sbuf_printf(&k, "%02x", p[i]);
		v->t = V_STR;
		if ((m = map_get(row, sbuf_str(&k))) != NULL)
			sbuf_adds(&v->s, m);
		else
			sbuf_printf(&v->s, "Invalid key: %s", sbuf_str(&k));
		sbuf_free(&k);
		return 0;
	}
	case BF_ACK:
	case BF_STR_KEYED: {
		struct sbuf k = SBUF_INIT;
		sbuf_add(&k, p, n);
		if (!utf8_valid(sbuf_str(&k), n)) {
			sbuf_free(&k);
			snprintf(err, errlen, "'utf-8' codec can't decode the "
			    "value");
			return -1;
		}
		m = map_get(row, sbuf_str(&k));
		if (m != NULL) {
			v->t = V_STR;
			sbuf_adds(&v->s, m);
		} else if (row->fn == BF_ACK) {
			v->t = V_NONE;
		} else {
			v->t = V_STR;
			sbuf_printf(&v->s, "Invalid key: %s", sbuf_str(&k));
		}
		sbuf_free(&k);
		return 0;
	}
	case BF_FLOAT: {
		double d;
		if (py_parse_float((const char *)p, n, &d) == 0)
			setf(v, d);
		return 0;
	}
	case BF_BYTES:
		v->t = V_STR;	/* bytes; r.decode() makes them text */
		sbuf_add(&v->s, p, n);
		return 0;
	default:
		snprintf(err, errlen, "unsupported row type %s", pi_str(row->type));
		return -1;
	}
}

static struct value
to_value(struct pyv *v)
{
	switch (v->t) {
	case V_FLOAT:
		return val_float(v->f);
	case V_STR:
		return val_str(sbuf_str(&v->s));
	case V_NONE: {
		struct value n = { V_NONE, NULL, 0 };
		return n;
	}
	default:
		return val_int(v->i);
	}
}

/* lookup:'<fmt>'.format(m['<key>'][0]): the entry another row named. */
static int
lookup(const struct bms_row *row, struct result *r, char *err, size_t errlen)
{
	const struct entry *src = result_find(r, pi_str(row->lookup_key)), *e;
	char key[128];

	if (src == NULL) {
		snprintf(err, errlen, "'%s'", pi_str(row->lookup_key));
		return -1;
	}
	if (src->v.type != V_INT) {
		snprintf(err, errlen, "Unknown format code 'd' for object "
		    "of type 'str'");
		return -1;
	}
	snprintf(key, sizeof(key), pi_str(row->lookup_fmt), atoi(src->v.s));
	if ((e = result_find(r, key)) == NULL) {
		snprintf(err, errlen, "'%s'", key);
		return -1;
	}
	result_set(r, pi_str(row->name), val_dup(&e->v), e->unit, EX_NONE, NULL, 0);
	return 0;
}

/* One row over one field: the value under its name. */
static int
decode_row(const struct bms_row *row, const struct proto_tok *t, int frame,
    struct result *r, char *err, size_t errlen)
{
	struct pyv v;
	char name[160];
	int rc;

	if (row->fn == BF_DISCARD)
		return 0;
	if (row->fn == BF_LOOKUP)
		return lookup(row, r, err, errlen);
	memset(&v, 0, sizeof(v));
	sbuf_init(&v.s);
	rc = convert(row, t->p, t->n, &v, err, errlen);
	if (rc == 0)
		rc = apply_tx(row->tx, &v, err, errlen);
	if (rc == 0) {
		if (row->nfmt)
			snprintf(name, sizeof(name), pi_str(row->name),
			    row->fmul * frame + row->fadd);
		else
			snprintf(name, sizeof(name), "%s", pi_str(row->name));
		result_set(r, name, to_value(&v), pi_str(row->unit), EX_ABSENT, NULL,
		    0);
	}
	sbuf_free(&v.s);
	return rc;
}

/* One "Label<TAB>Value" line of a KEYED reply. */
static int
decode_line(const struct bms_cmd *c, const struct proto_tok *t,
    struct result *r, char *err, size_t errlen)
{
	const uint8_t *tab = memchr(t->p, '\t', t->n), *end;
	struct sbuf label = SBUF_INIT;
	const struct bms_row *row = NULL;
	struct proto_tok val;
	int rc = 0;

	if (tab == NULL || tab == t->p)
		return 0;
	end = memchr(tab + 1, '\t', t->n - (size_t)(tab + 1 - t->p));
	val.p = tab + 1;
	val.n = (size_t)((end != NULL ? end : t->p + t->n) - val.p);
	val.pad = 0;
	sbuf_add(&label, t->p, (size_t)(tab - t->p));
	for (int i = 0; i < c->nrows; i++)
		if (strcmp(pi_str(bms_row_at(c, i)->key), sbuf_str(&label)) == 0) {
			row = bms_row_at(c, i);
			break;
		}
	if (row != NULL) {
		rc = decode_row(row, &val, 0, r, err, errlen);
	} else {
		/* No definition: the reference keeps the raw bytes under the
		 * label (and then cannot print them); mppd keeps the text. */
		struct sbuf k = SBUF_INIT, s = SBUF_INIT;
		latin1_to_utf8(&k, label.buf, label.len);
		latin1_to_utf8(&s, val.p, val.n);
		result_set_str(r, sbuf_str(&k), sbuf_str(&s), "");
		sbuf_free(&k);
		sbuf_free(&s);
	}
	sbuf_free(&label);
	return rc;
}

/* The JK setters' acknowledgement record (the reference compares it whole). */
static const uint8_t jk_ack[20] = { 0xaa, 0x55, 0x90, 0xeb, 0xc8, 0x01, 0x01,
	[19] = 0x44 };

static int
decode_tokens(const struct bms_cmd *c, const struct proto_reply *rep,
    struct result *r, char *err, size_t errlen)
{
	for (int i = 0; i < rep->ntok; i++) {
		const struct proto_tok *t = &rep->tok[i];
		int rc;

		if (c->rtype == BR_KEYED) {
			rc = decode_line(c, t, r, err, errlen);
		} else if (c->rtype == BR_MULTIFRAME && c->nrows > 0) {
			rc = decode_row(bms_row_at(c, i % c->nrows), t,
			    i / c->nrows, r, err, errlen);
		} else if (i < c->nrows) {
			rc = decode_row(bms_row_at(c, i), t, 0, r, err, errlen);
		} else {
			/* Bytes past the layout: "Unknown value in
			 * response N", the bytes' repr without b'...'. */
			struct sbuf s = SBUF_INIT;
			char name[64];
			py_bytes_repr(&s, t->p, t->n);
			if (s.len >= 3)
				s.buf[s.len - 1] = '\0';
			snprintf(name, sizeof(name),
			    "Unknown value in response %d", i);
			result_set_str(r, name, s.len >= 3 ? s.buf + 2 : "",
			    "");
			sbuf_free(&s);
			rc = 0;
		}
		if (rc != 0)
			return -1;
	}
	return 0;
}

int
bms_decode(const struct pi_proto *p, const struct pi_cmd *defn,
    const char *cmd, const char *cv, const struct proto_reply *rep,
    struct result *r, char *err, size_t errlen)
{
	const struct bms_cmd *c = BMS_CMD(defn);
	struct proto_reply loc;
	struct proto_tok one;
	int rc;

	(void)cmd;
	(void)cv;
	if (c->rtype == BR_KEYED) {
		if (rep->tok == NULL) {
			/* a HEX reply to a text command */
			snprintf(err, errlen, "object of type 'int' has no "
			    "len()");
			return -1;
		}
		return decode_tokens(c, rep, r, err, errlen);
	}
	memset(&loc, 0, sizeof(loc));
	if (c->rtype == BR_BLE_SETTER) {
		static const char nak[] = "(NAK\x73\x73\r";
		int ack = rep->blen == sizeof(jk_ack) &&
		    memcmp(rep->body, jk_ack, sizeof(jk_ack)) == 0;
		one.p = (const uint8_t *)(ack ? "ACK" : nak);
		one.n = ack ? 3 : sizeof(nak) - 1;
		one.pad = 0;
		loc.tok = &one;
		loc.ntok = c->nrows > 0 ? 1 : 0;
		return decode_tokens(c, &loc, r, err, errlen);
	}
	bms_split_positional(c, rep->body, rep->blen, p->family == &jk_family,
	    &loc);
	rc = decode_tokens(c, &loc, r, err, errlen);
	free(loc.tok);
	return rc;
}

void
bms_shape(const struct pi_proto *p, const struct pi_cmd *defn,
    struct proto_shape *out)
{
	const struct bms_cmd *c = BMS_CMD(defn);
	size_t bytes = 0;

	(void)p;
	out->code = -1;
	out->frames = c->rtype == BR_MULTIFRAME ? PROTO_FRAMES_ANY : 1;
	if (c->rtype == BR_KEYED) {
		out->kind = PROTO_SHAPE_FIELDS;
		out->streamed = 1;
		return;
	}
	for (int i = 0; i < c->nrows; i++)
		bytes += (size_t)bms_row_at(c, i)->size;
	out->kind = c->base.setter ? PROTO_SHAPE_ACK : PROTO_SHAPE_BINARY;
	out->bytes = c->rtype == BR_MULTIFRAME ? 0 : bytes;
	if (c->code != 0 && strlen(pi_str(c->code)) == 2)
		out->code = (int)strtol(pi_str(c->code), NULL, 16);
}

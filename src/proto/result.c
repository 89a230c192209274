/*
 * result.c - the ordered result map and its JSON form.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "pyfmt.h"
#include "result.h"
#include "sbuf.h"

void
result_init(struct result *r)
{
	r->e = NULL;
	r->n = r->cap = 0;
}

static void
entry_free(struct entry *e)
{
	free(e->key);
	free(e->unit);
	val_free(&e->v);
}

void
result_free(struct result *r)
{
	if (r->cap >= 0)
		for (int i = 0; i < r->n; i++)
			entry_free(&r->e[i]);
	free(r->e);
	result_init(r);
}

/* Copies s to *p and moves *p on; NULL stays NULL. */
static char *
pack_str(char **p, const char *s)
{
	char *d = *p;
	size_t len;

	if (s == NULL)
		return NULL;
	len = strlen(s) + 1;
	memcpy(d, s, len);
	*p += len;
	return d;
}

static size_t
pack_len(const char *s)
{
	return s != NULL ? strlen(s) + 1 : 0;
}

void
result_copy(struct result *dst, const struct result *src)
{
	size_t size;
	char *p;

	result_init(dst);
	if (src->n == 0)
		return;
	size = (size_t)src->n * sizeof(*dst->e);
	for (int i = 0; i < src->n; i++)
		size += pack_len(src->e[i].key) + pack_len(src->e[i].unit) +
		    pack_len(src->e[i].v.s);
	dst->e = xmalloc(size);
	dst->n = src->n;
	dst->cap = -1;
	p = (char *)(dst->e + src->n);
	for (int i = 0; i < src->n; i++) {
		dst->e[i] = src->e[i];
		dst->e[i].key = pack_str(&p, src->e[i].key);
		dst->e[i].unit = pack_str(&p, src->e[i].unit);
		dst->e[i].v.s = pack_str(&p, src->e[i].v.s);
	}
}

void
result_pack(struct result *r)
{
	struct result packed;

	if (r->cap < 0 || r->n == 0)
		return;
	result_copy(&packed, r);
	result_free(r);
	*r = packed;
}

/* A packed r back in the ordinary form, every string its own. */
static void
result_unpack(struct result *r)
{
	struct result u;

	if (r->cap >= 0)
		return;
	u.e = xcalloc((size_t)r->n, sizeof(*u.e));
	u.n = u.cap = r->n;
	for (int i = 0; i < r->n; i++) {
		u.e[i] = r->e[i];
		u.e[i].key = xstrdup(r->e[i].key);
		u.e[i].unit = r->e[i].unit ? xstrdup(r->e[i].unit) : NULL;
		u.e[i].v = val_dup(&r->e[i].v);
	}
	free(r->e);
	*r = u;
}

struct entry *
result_find(const struct result *r, const char *key)
{
	for (int i = 0; i < r->n; i++)
		if (strcmp(r->e[i].key, key) == 0)
			return &r->e[i];
	return NULL;
}

/* The slot for key: the existing one (emptied) or a new one at the end. */
static struct entry *
result_slot(struct result *r, const char *key)
{
	struct entry *e;

	result_unpack(r);
	e = result_find(r, key);
	if (e != NULL) {
		free(e->unit);
		val_free(&e->v);
		e->unit = NULL;
		return e;
	}
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->e = xrealloc(r->e, (size_t)r->cap * sizeof(*r->e));
	}
	e = &r->e[r->n++];
	memset(e, 0, sizeof(*e));
	e->key = xstrdup(key);
	return e;
}

void
result_set_plain(struct result *r, const char *key, const char *val)
{
	struct entry *e = result_slot(r, key);

	e->kind = ENT_PLAIN;
	e->v = val_str(val);
	e->xkind = EX_ABSENT;
}

void
result_set(struct result *r, const char *key, struct value v,
    const char *unit, enum extra_kind xk, const struct result_kv *extra, int nextra)
{
	struct entry *e = result_slot(r, key);

	e->kind = ENT_LIST;
	e->v = v;
	e->unit = xstrdup(unit != NULL ? unit : "");
	e->xkind = xk;
	e->extra = extra;
	e->nextra = nextra;
}

void
result_set_str(struct result *r, const char *key, const char *text,
    const char *unit)
{
	result_set(r, key, val_str(text), unit, EX_ABSENT, NULL, 0);
}

void
result_del(struct result *r, const char *key)
{
	struct entry *e;
	int i;

	result_unpack(r);
	e = result_find(r, key);
	if (e == NULL)
		return;
	i = (int)(e - r->e);
	entry_free(e);
	memmove(&r->e[i], &r->e[i + 1], (size_t)(r->n - i - 1) * sizeof(*e));
	r->n--;
}

struct value
val_str(const char *s)
{
	struct value v = { V_STR, xstrdup(s), 0 };

	return v;
}

struct value
val_strn(const char *s, size_t n)
{
	struct value v = { V_STR, xstrndup(s, n), 0 };

	return v;
}

struct value
val_float(double f)
{
	struct value v = { V_FLOAT, NULL, f };

	return v;
}

struct value
val_int_text(const char *digits)
{
	struct value v = { V_INT, xstrdup(digits), 0 };

	return v;
}

struct value
val_int(long long i)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", i);
	return val_int_text(buf);
}

void
val_free(struct value *v)
{
	free(v->s);
	v->s = NULL;
}

struct value
val_dup(const struct value *v)
{
	struct value c = *v;

	if (v->s != NULL)
		c.s = xstrdup(v->s);
	return c;
}

void
result_json(struct sbuf *out, const struct result *r)
{
	sbuf_addc(out, '{');
	for (int i = 0; i < r->n; i++) {
		const struct entry *e = &r->e[i];
		if (i > 0)
			sbuf_adds(out, ", ");
		py_json_str(out, e->key);
		sbuf_adds(out, ": ");
		if (e->kind == ENT_PLAIN) {
			py_json_value(out, &e->v);
			continue;
		}
		sbuf_addc(out, '[');
		py_json_value(out, &e->v);
		sbuf_adds(out, ", ");
		py_json_str(out, e->unit);
		if (e->xkind == EX_NONE)
			sbuf_adds(out, ", null");
		else if (e->xkind == EX_DICT) {
			sbuf_adds(out, ", {");
			for (int k = 0; k < e->nextra; k++) {
				if (k > 0)
					sbuf_adds(out, ", ");
				py_json_str(out, e->extra[k].key);
				sbuf_adds(out, ": ");
				py_json_str(out, e->extra[k].val);
			}
			sbuf_addc(out, '}');
		}
		sbuf_addc(out, ']');
	}
	sbuf_addc(out, '}');
}

void
result_error(struct result *r, const char *msg)
{
	result_set_str(r, "ERROR", msg, "");
}

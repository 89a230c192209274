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
	for (int i = 0; i < r->n; i++)
		entry_free(&r->e[i]);
	free(r->e);
	result_init(r);
}

void
result_copy(struct result *dst, const struct result *src)
{
	result_init(dst);
	if (src->n == 0)
		return;
	dst->e = xcalloc((size_t)src->n, sizeof(*dst->e));
	dst->cap = dst->n = src->n;
	for (int i = 0; i < src->n; i++) {
		dst->e[i] = src->e[i];
		dst->e[i].key = xstrdup(src->e[i].key);
		dst->e[i].unit = src->e[i].unit ? xstrdup(src->e[i].unit) : NULL;
		dst->e[i].v = val_dup(&src->e[i].v);
	}
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
	struct entry *e = result_find(r, key);

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
	struct entry *e = result_find(r, key);
	int i;

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

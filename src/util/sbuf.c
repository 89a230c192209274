/*
 * sbuf.c - growable string buffer and allocation wrappers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sbuf.h"

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		fatal("out of memory (%zu bytes)", n);
	return p;
}

void *
xcalloc(size_t n, size_t m)
{
	void *p = calloc(n ? n : 1, m ? m : 1);

	if (p == NULL)
		fatal("out of memory (%zu x %zu bytes)", n, m);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		fatal("out of memory (%zu bytes)", n);
	return q;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void
sbuf_init(struct sbuf *s)
{
	s->buf = NULL;
	s->len = s->cap = 0;
}

void
sbuf_free(struct sbuf *s)
{
	free(s->buf);
	sbuf_init(s);
}

void
sbuf_reset(struct sbuf *s)
{
	s->len = 0;
	if (s->buf != NULL)
		s->buf[0] = '\0';
}

char *
sbuf_steal(struct sbuf *s)
{
	char *p;

	sbuf_reserve(s, 0);
	p = s->buf;
	sbuf_init(s);
	return p;
}

void
sbuf_reserve(struct sbuf *s, size_t more)
{
	size_t need = s->len + more + 1;

	if (need <= s->cap)
		return;
	if (s->cap == 0)
		s->cap = 64;
	while (s->cap < need)
		s->cap *= 2;
	s->buf = xrealloc(s->buf, s->cap);
	s->buf[s->len] = '\0';
}

void
sbuf_add(struct sbuf *s, const void *data, size_t len)
{
	sbuf_reserve(s, len);
	memcpy(s->buf + s->len, data, len);
	s->len += len;
	s->buf[s->len] = '\0';
}

void
sbuf_addc(struct sbuf *s, char c)
{
	if (s->len + 2 > s->cap)
		sbuf_reserve(s, 1);
	s->buf[s->len++] = c;
	s->buf[s->len] = '\0';
}

void
sbuf_adds(struct sbuf *s, const char *str)
{
	sbuf_add(s, str, strlen(str));
}

void
sbuf_vprintf(struct sbuf *s, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	/* One pass when the text fits the free space, a second otherwise. */
	sbuf_reserve(s, 64);
	va_copy(cp, ap);
	n = vsnprintf(s->buf + s->len, s->cap - s->len, fmt, cp);
	va_end(cp);
	if (n < 0) {
		s->buf[s->len] = '\0';
		return;
	}
	if ((size_t)n >= s->cap - s->len) {
		sbuf_reserve(s, (size_t)n);
		vsnprintf(s->buf + s->len, (size_t)n + 1, fmt, ap);
	}
	s->len += (size_t)n;
}

void
sbuf_printf(struct sbuf *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sbuf_vprintf(s, fmt, ap);
	va_end(ap);
}

void
sbuf_ljust(struct sbuf *s, const char *str, size_t width)
{
	size_t n = 0;
	const unsigned char *p;

	sbuf_adds(s, str);
	/* Python pads by code points, not bytes. */
	for (p = (const unsigned char *)str; *p != '\0'; p++)
		if ((*p & 0xc0) != 0x80)
			n++;
	while (n++ < width)
		sbuf_addc(s, ' ');
}

const char *
sbuf_str(const struct sbuf *s)
{
	return s->buf != NULL ? s->buf : "";
}

/*
 * sbuf.h - a growable, always NUL-terminated byte buffer.
 *
 * The buffer owns its memory; sbuf_free() releases it, sbuf_steal() hands
 * it to the caller (who frees it with free()).  Allocation failure is fatal
 * (out of memory is the one condition we treat so).
 */
#ifndef MPPD_SBUF_H
#define MPPD_SBUF_H

#include <stdarg.h>
#include <stddef.h>

struct sbuf {
	char	*buf;
	size_t	 len;
	size_t	 cap;
};

#define SBUF_INIT { NULL, 0, 0 }

void	 sbuf_init(struct sbuf *s);
void	 sbuf_free(struct sbuf *s);
void	 sbuf_reset(struct sbuf *s);
char	*sbuf_steal(struct sbuf *s);
void	 sbuf_reserve(struct sbuf *s, size_t more);
void	 sbuf_add(struct sbuf *s, const void *data, size_t len);
void	 sbuf_addc(struct sbuf *s, char c);
void	 sbuf_adds(struct sbuf *s, const char *str);
void	 sbuf_printf(struct sbuf *s, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	 sbuf_vprintf(struct sbuf *s, const char *fmt, va_list ap);
/* Appends str padded with spaces to width (Python str.ljust). */
void	 sbuf_ljust(struct sbuf *s, const char *str, size_t width);
/* The buffer's text; never NULL (an empty buffer gives ""). */
const char *sbuf_str(const struct sbuf *s);

/* Allocation wrappers that never return NULL. */
void	*xmalloc(size_t n);
void	*xcalloc(size_t n, size_t m);
void	*xrealloc(void *p, size_t n);
char	*xstrdup(const char *s);
char	*xstrndup(const char *s, size_t n);

#endif

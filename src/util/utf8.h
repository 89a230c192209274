/*
 * utf8.h - strict UTF-8 as Python's decoder reads it: no overlong forms, no
 * surrogates, nothing above U+10FFFF.  The one validator of the project
 * (configuration lines, command payloads, decoded reply tokens).  Pure
 * functions, any thread.
 */
#ifndef MPPD_UTF8_H
#define MPPD_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Length of the valid sequence at s (n bytes available), 0 when invalid. */
size_t	utf8_seqlen(const void *s, size_t n);

/* 1 when s[0..n) is valid UTF-8, else 0. */
int	utf8_valid(const void *s, size_t n);

/*
 * Python's UnicodeDecodeError text for the first bad sequence of s[0..n)
 * ("'utf-8' codec can't decode byte 0xff in position 3: invalid start
 * byte"), written to buf (len bytes, always NUL-terminated).
 */
void	utf8_error(const void *s, size_t n, char *buf, size_t len);

/* Decodes one sequence of a valid NUL-terminated string; returns its length. */
size_t	utf8_next(const char *s, uint32_t *cp);

/* Code points in a valid NUL-terminated string (Python len()). */
size_t	utf8_len(const char *s);

#endif

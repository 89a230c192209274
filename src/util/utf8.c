/*
 * utf8.c - strict UTF-8 validation and Python's error texts.
 *
 * Hand-written: none of our libraries (PCRE2 checks only whole subjects and
 * reports its own offsets, cJSON does not validate) gives the byte position
 * and Python's wording that the reference's error entries carry.
 */
#include <stdio.h>

#include "utf8.h"

/*
 * Checks the sequence starting at s[i].  Returns its length when valid.
 * Otherwise returns 0 and sets *bad to the index within the sequence of the
 * offending byte (0: invalid start byte) and *end to 1 when the data ended
 * before the sequence did.
 */
static size_t
scan_seq(const unsigned char *s, size_t n, size_t i, size_t *bad, int *end)
{
	unsigned char c = s[i];
	size_t need;

	*end = 0;
	*bad = 0;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		need = 2;
	else if (c >= 0xe0 && c <= 0xef)
		need = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		need = 4;
	else
		return 0;
	for (size_t k = 1; k < need; k++) {
		unsigned char lo = 0x80, hi = 0xbf;

		if (i + k >= n) {
			*bad = k;
			*end = 1;
			return 0;
		}
		/* The second byte's range excludes overlongs, surrogates
		 * and code points above U+10FFFF. */
		if (k == 1 && c == 0xe0)
			lo = 0xa0;
		else if (k == 1 && c == 0xed)
			hi = 0x9f;
		else if (k == 1 && c == 0xf0)
			lo = 0x90;
		else if (k == 1 && c == 0xf4)
			hi = 0x8f;
		if (s[i + k] < lo || s[i + k] > hi) {
			*bad = k;
			return 0;
		}
	}
	return need;
}

size_t
utf8_seqlen(const void *sv, size_t n)
{
	size_t bad;
	int end;

	if (n == 0)
		return 0;
	return scan_seq(sv, n, 0, &bad, &end);
}

int
utf8_valid(const void *sv, size_t n)
{
	const unsigned char *s = sv;
	size_t i = 0, len, bad;
	int end;

	while (i < n) {
		if ((len = scan_seq(s, n, i, &bad, &end)) == 0)
			return 0;
		i += len;
	}
	return 1;
}

void
utf8_error(const void *sv, size_t n, char *buf, size_t len)
{
	const unsigned char *s = sv;
	size_t i = 0, seq, bad;
	int end;

	while (i < n) {
		if ((seq = scan_seq(s, n, i, &bad, &end)) != 0) {
			i += seq;
			continue;
		}
		if (bad == 0)
			snprintf(buf, len, "'utf-8' codec can't decode byte "
			    "0x%02x in position %zu: invalid start byte", s[i], i);
		else if (bad == 1)
			snprintf(buf, len, "'utf-8' codec can't decode byte "
			    "0x%02x in position %zu: %s", s[i], i, end ?
			    "unexpected end of data" : "invalid continuation byte");
		else
			snprintf(buf, len, "'utf-8' codec can't decode bytes in "
			    "position %zu-%zu: %s", i, i + bad - 1, end ?
			    "unexpected end of data" : "invalid continuation byte");
		return;
	}
	snprintf(buf, len, "'utf-8' codec can't decode");
}

size_t
utf8_next(const char *sv, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)sv;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0 && s[1] != 0) {
		*cp = ((uint32_t)(s[0] & 0x1f) << 6) | (s[1] & 0x3f);
		return 2;
	}
	if ((s[0] & 0xf0) == 0xe0 && s[1] != 0 && s[2] != 0) {
		*cp = ((uint32_t)(s[0] & 0x0f) << 12) |
		    ((uint32_t)(s[1] & 0x3f) << 6) | (s[2] & 0x3f);
		return 3;
	}
	if ((s[0] & 0xf8) == 0xf0 && s[1] != 0 && s[2] != 0 && s[3] != 0) {
		*cp = ((uint32_t)(s[0] & 0x07) << 18) |
		    ((uint32_t)(s[1] & 0x3f) << 12) |
		    ((uint32_t)(s[2] & 0x3f) << 6) | (s[3] & 0x3f);
		return 4;
	}
	*cp = s[0];	/* not reached for valid input */
	return 1;
}

size_t
utf8_len(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

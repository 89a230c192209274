/*
 * config_value.c - value syntaxes of mpp-solar.conf (see config_value.h).
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_value.h"
#include "sbuf.h"

int
val_long(const char *s, long min, long max, long *out)
{
	const char *p = s;
	long v = 0;
	int neg = 0, digits = 0;

	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	for (; *p != '\0'; p++) {
		if (*p == '_' && digits > 0 && isdigit((unsigned char)p[1]))
			continue;
		if (!isdigit((unsigned char)*p))
			return -1;
		if (v > (LONG_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*p - '0');
		digits++;
	}
	if (digits == 0)
		return -1;
	if (neg)
		v = -v;
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
val_secs(const char *s, double max, double *out)
{
	char *end;
	double v;

	if (*s == '\0' || strspn(s, "0123456789.eE+-") != strlen(s))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !isfinite(v) || v <= 0 || v > max)
		return -1;
	*out = v;
	return 0;
}

int
val_bool(const char *s, int *out)
{
	static const char *const yes[] = { "1", "yes", "true", "on" };
	static const char *const no[] = { "0", "no", "false", "off" };

	for (int i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

int
val_split(const char *s, char sep, int keep_empty, char ***out)
{
	char **v = NULL;
	int n = 0;

	for (;;) {
		const char *end = strchr(s, sep), *b = s, *e;

		if (end == NULL)
			end = s + strlen(s);
		e = end;
		while (b < e && isspace((unsigned char)*b))
			b++;
		while (e > b && isspace((unsigned char)e[-1]))
			e--;
		if (e > b || keep_empty) {
			v = xrealloc(v, (size_t)(n + 1) * sizeof(*v));
			v[n++] = xstrndup(b, (size_t)(e - b));
		}
		if (*end == '\0')
			break;
		s = end + 1;
	}
	*out = v;
	return n;
}

void
val_free_list(char **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

const char *
val_level_problem(const char *s)
{
	if (*s == '\0')
		return "it is empty";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '/')
			return "it contains '/'";
		if (*p == '+')
			return "it contains the wildcard '+'";
		if (*p == '#')
			return "it contains the wildcard '#'";
		if (*p < 0x20 || *p == 0x7f)
			return "it contains a control character";
	}
	return NULL;
}

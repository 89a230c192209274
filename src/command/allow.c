/*
 * allow.c - command allowlist: PCRE2 patterns, full or prefix matching,
 * and the shell-glob detector behind the start-up warning.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <ctype.h>
#include <pcre2.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "allow.h"
#include "config_diag.h"
#include "sbuf.h"

struct allowlist {
	enum cmd_match	  mode;
	int		  n;
	char		**text;
	pcre2_code	**re;
	int		  refs;		/* holders; under shared_mtx */
	struct allowlist *next;		/* in shared */
};

/*
 * Compiled lists, shared: devices with the same mqtt_allowed_cmds (the
 * usual case when sections are copies of one another) hold one list
 * instead of one each, about 0.7 kB of compiled patterns per device for
 * four patterns.  A list is immutable once compiled, so sharing changes
 * nothing for allow_match().
 */
static pthread_mutex_t shared_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct allowlist *shared;

/* The shared list of these patterns and mode, with one more holder, or
 * NULL.  shared_mtx held. */
static struct allowlist *
shared_find(char *const *patterns, int n, enum cmd_match mode)
{
	for (struct allowlist *a = shared; a != NULL; a = a->next) {
		int i;

		if (a->mode != mode || a->n != n)
			continue;
		for (i = 0; i < n && strcmp(a->text[i], patterns[i]) == 0; i++)
			;
		if (i == n) {
			a->refs++;
			return a;
		}
	}
	return NULL;
}

static void
list_free(struct allowlist *a)
{
	for (int i = 0; i < a->n; i++) {
		pcre2_code_free(a->re[i]);
		free(a->text[i]);
	}
	free(a->re);
	free(a->text);
	free(a);
}

/* What the glob scanner found first. */
enum glob_kind { GLOB_NONE = 0, GLOB_STAR, GLOB_BRACE };

/*
 * Compiles every pattern; NULL plus one err line per bad pattern.
 * PCRE2_UTF so patterns with non-ASCII text behave as Python str patterns;
 * no PCRE2_UCP: \d and \w stay ASCII, deliberately stricter than Python for
 * a safety list (inverter commands are ASCII).
 */
struct allowlist *
allow_compile(char *const *patterns, int n, enum cmd_match mode,
    struct sbuf *err)
{
	struct allowlist *a;
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE off;
	int code, bad = 0;

	if (n < 0)
		n = 0;
	pthread_mutex_lock(&shared_mtx);
	a = shared_find(patterns, n, mode);
	pthread_mutex_unlock(&shared_mtx);
	if (a != NULL)
		return a;
	a = xcalloc(1, sizeof(*a));
	a->mode = mode;
	a->n = n > 0 ? n : 0;
	a->text = xcalloc((size_t)a->n, sizeof(char *));
	a->re = xcalloc((size_t)a->n, sizeof(pcre2_code *));
	for (int i = 0; i < a->n; i++) {
		a->text[i] = xstrdup(patterns[i]);
		a->re[i] = pcre2_compile((PCRE2_SPTR)patterns[i],
		    PCRE2_ZERO_TERMINATED, PCRE2_UTF, &code, &off, NULL);
		if (a->re[i] != NULL)
			continue;
		bad++;
		if (pcre2_get_error_message(code, msg, sizeof(msg)) < 0)
			strcpy((char *)msg, "unknown PCRE2 error");
		if (err != NULL)
			sbuf_printf(err, "invalid regular expression '%s': %s "
			    "at offset %zu\n", patterns[i], (char *)msg,
			    (size_t)off);
	}
	if (bad > 0) {
		list_free(a);
		return NULL;
	}
	pthread_mutex_lock(&shared_mtx);
	/* Another thread may have compiled the same list meanwhile. */
	{
		struct allowlist *other = shared_find(patterns, n, mode);
		if (other != NULL) {
			pthread_mutex_unlock(&shared_mtx);
			list_free(a);
			return other;
		}
	}
	a->refs = 1;
	a->next = shared;
	shared = a;
	pthread_mutex_unlock(&shared_mtx);
	return a;
}

/*
 * 1 when cmd is admitted.  Match data is per call: no shared mutable
 * state, so any number of threads may match against one list.
 */
int
allow_match(const struct allowlist *a, const char *cmd)
{
	pcre2_match_data *md;
	uint32_t opts;
	size_t len;
	int ok = 0;

	if (a == NULL || cmd == NULL || a->n == 0)
		return 0;
	/* ENDANCHORED at match time backtracks like re.fullmatch:
	 * "QPI|QPIGS" admits "QPIGS". */
	opts = PCRE2_ANCHORED;
	if (a->mode == MATCH_FULL)
		opts |= PCRE2_ENDANCHORED;
	if ((md = pcre2_match_data_create(1, NULL)) == NULL)
		return 0;
	len = strlen(cmd);
	for (int i = 0; i < a->n && !ok; i++)
		/* A negative result (no match, invalid UTF-8 subject, match
		 * limit) denies. */
		if (pcre2_match(a->re[i], (PCRE2_SPTR)cmd, len, 0, opts, md,
		    NULL) >= 0)
			ok = 1;
	pcre2_match_data_free(md);
	return ok;
}

/* Number of patterns in a (0 for NULL). */
int
allow_count(const struct allowlist *a)
{
	return a != NULL ? a->n : 0;
}

/* Pattern i as given to allow_compile(), owned by a; NULL out of range. */
const char *
allow_pattern(const struct allowlist *a, int i)
{
	if (a == NULL || i < 0 || i >= a->n)
		return NULL;
	return a->text[i];
}

/*
 * Lets go of the list; the last holder frees it and its compiled patterns.
 * NULL is allowed.
 */
void
allow_free(struct allowlist *a)
{
	if (a == NULL)
		return;
	pthread_mutex_lock(&shared_mtx);
	if (--a->refs > 0) {
		pthread_mutex_unlock(&shared_mtx);
		return;
	}
	for (struct allowlist **p = &shared; *p != NULL; p = &(*p)->next)
		if (*p == a) {
			*p = a->next;
			break;
		}
	pthread_mutex_unlock(&shared_mtx);
	list_free(a);
}

/* "{x-y}" with single letters or digits: brace expansion, not a quantifier. */
static int
is_brace_range(const char *p)
{
	return p[0] == '{' && isalnum((unsigned char)p[1]) && p[2] == '-' &&
	    isalnum((unsigned char)p[3]) && p[4] == '}';
}

/*
 * Scans pattern as a regex, writing the glob-free rewrite to out.  Returns
 * what it found first; *pos is the pattern offset of that '*' or '{'.
 * Escapes and character classes are skipped, so "\d*", "[A-Z]*", ".*"
 * and "(P)*" are never flagged.
 */
static enum glob_kind
glob_scan(const char *pattern, struct sbuf *out, size_t *pos)
{
	enum glob_kind first = GLOB_NONE;
	const char *p = pattern;
	int prev_alnum = 0;

	while (*p != '\0') {
		if (*p == '\\') {
			sbuf_addc(out, *p++);
			if (*p != '\0')
				sbuf_addc(out, *p++);
			prev_alnum = 0;
		} else if (*p == '[') {
			/* Copy the class; a ']' first in it is literal. */
			sbuf_addc(out, *p++);
			if (*p == '^')
				sbuf_addc(out, *p++);
			if (*p == ']')
				sbuf_addc(out, *p++);
			while (*p != '\0' && *p != ']') {
				if (*p == '\\' && p[1] != '\0')
					sbuf_addc(out, *p++);
				sbuf_addc(out, *p++);
			}
			if (*p == ']')
				sbuf_addc(out, *p++);
			prev_alnum = 0;
		} else if (is_brace_range(p)) {
			if (first == GLOB_NONE) {
				first = GLOB_BRACE;
				*pos = (size_t)(p - pattern);
			}
			sbuf_printf(out, "[%c-%c]", p[1], p[3]);
			p += 5;
			prev_alnum = 0;
		} else if (*p == '*' && prev_alnum) {
			if (first == GLOB_NONE) {
				first = GLOB_STAR;
				*pos = (size_t)(p - pattern);
			}
			sbuf_adds(out, ".*");
			p++;
			prev_alnum = 0;
		} else {
			prev_alnum = isalnum((unsigned char)*p) != 0;
			sbuf_addc(out, *p++);
		}
	}
	return first;
}

/*
 * 1 and the suggested regex in suggest when pattern looks like a glob.
 */
int
allow_looks_like_glob(const char *pattern, char *suggest, size_t n)
{
	struct sbuf s = SBUF_INIT;
	enum glob_kind k;
	size_t pos = 0;

	if (suggest != NULL && n > 0)
		suggest[0] = '\0';
	if (pattern == NULL)
		return 0;
	k = glob_scan(pattern, &s, &pos);
	if (k != GLOB_NONE && suggest != NULL && n > 0) {
		size_t len = s.len < n - 1 ? s.len : n - 1;

		memcpy(suggest, sbuf_str(&s), len);
		suggest[len] = '\0';
	}
	sbuf_free(&s);
	return k != GLOB_NONE;
}

/*
 * Appends the warning sentence for a glob-like pattern; 1 if appended.
 */
int
allow_glob_explain(const char *pattern, struct sbuf *out)
{
	struct sbuf s = SBUF_INIT;
	enum glob_kind k;
	size_t pos = 0;

	if (pattern == NULL)
		return 0;
	k = glob_scan(pattern, &s, &pos);
	if (k == GLOB_NONE) {
		sbuf_free(&s);
		return 0;
	}
	sbuf_printf(out, "allowlist pattern '%s' looks like a shell glob; ",
	    pattern);
	if (k == GLOB_STAR) {
		/* pos > 0: a '*' is only flagged after a letter or digit. */
		if (pos > 1)
			sbuf_printf(out, "it means \"%.*s followed by any "
			    "number of %c\"", (int)(pos - 1), pattern,
			    pattern[pos - 1]);
		else
			sbuf_printf(out, "it means \"any number of %c\"",
			    pattern[pos - 1]);
	} else
		sbuf_printf(out, "\"%.5s\" is not a range in a regex, it "
		    "matches that literal text", pattern + pos);
	sbuf_printf(out, " - did you mean '%s'?", sbuf_str(&s));
	sbuf_free(&s);
	return 1;
}

/*
 * Warns about glob-like patterns and about "\d{1,3}" cut in two by the
 * comma split (commas cannot be escaped in mqtt_allowed_cmds).
 */
static void
warn_patterns(struct config_diag *dg, const char *section, char *const *v,
    int n)
{
	struct sbuf w = SBUF_INIT;

	for (int i = 0; i < n; i++) {
		size_t len = strlen(v[i]), d = len;

		sbuf_reset(&w);
		if (allow_glob_explain(v[i], &w))
			config_diag_warn(dg, section, "mqtt_allowed_cmds",
			    "mqtt_allowed_cmds: %s", sbuf_str(&w));
		while (d > 0 && isdigit((unsigned char)v[i][d - 1]))
			d--;
		if (i + 1 < n && d > 0 && v[i][d - 1] == '{' &&
		    isdigit((unsigned char)v[i + 1][0]) &&
		    strchr(v[i + 1], '}') != NULL)
			config_diag_warn(dg, section, "mqtt_allowed_cmds",
			    "mqtt_allowed_cmds: '%s' and '%s' were probably "
			    "one pattern with a {m,n} repetition: commas "
			    "separate patterns and cannot be escaped; write the "
			    "repetition out (e.g. \\d\\d?\\d?)", v[i], v[i + 1]);
	}
	sbuf_free(&w);
}

/* Checks a configured allowlist (see allow.h). */
int
allow_check_config(struct config_diag *dg, const char *section,
    char *const *patterns, int n, enum cmd_match mode)
{
	struct sbuf e = SBUF_INIT;
	struct allowlist *a = allow_compile(patterns, n, mode, &e);
	int rc = 0;

	if (a == NULL) {
		const char *p = sbuf_str(&e), *nl;

		for (; (nl = strchr(p, '\n')) != NULL; p = nl + 1)
			config_diag_error(dg, section, "mqtt_allowed_cmds",
			    "mqtt_allowed_cmds: %.*s", (int)(nl - p), p);
		rc = -1;
	} else
		warn_patterns(dg, section, patterns, n);
	allow_free(a);
	sbuf_free(&e);
	return rc;
}

/*
 * allow.h - the per-device command allowlist (mqtt_allowed_cmds).
 *
 * Each pattern is a PCRE2 regex (Python re syntax for everything the
 * reference's examples use).  MATCH_FULL: a pattern must match the whole
 * command (Python re.fullmatch) - mppd's default, so "QPI" does not admit
 * "QPIGS".  MATCH_PREFIX: the pattern only has to match at the start
 * (Python re.match), mpp-solar's behaviour (docs/compatibility.md).
 *
 * A compiled list is immutable: allow_match() may run on any number of
 * threads at once (match data is allocated per call).
 */
#ifndef MPPD_ALLOW_H
#define MPPD_ALLOW_H

#include <stddef.h>

#include "config.h"

struct sbuf;
struct allowlist;
struct config_diag;

/*
 * Compiles patterns[0..n).  Returns the list (free with allow_free()), or
 * NULL when a pattern does not compile: then err gets one line per bad
 * pattern, "invalid regular expression 'X': <PCRE2 message> at offset N\n".
 * n == 0 gives an empty list that allows nothing.  The patterns are copied.
 * The same patterns in the same mode give the same list again, shared
 * (any thread): every allow_compile() that returned it needs its own
 * allow_free().
 */
struct allowlist *allow_compile(char *const *patterns, int n,
	    enum cmd_match mode, struct sbuf *err);

/* 1 when some pattern admits cmd under the list's mode, else 0. */
int	allow_match(const struct allowlist *a, const char *cmd);

/* Number of patterns, and pattern i (owned by the list). */
int	allow_count(const struct allowlist *a);
const char *allow_pattern(const struct allowlist *a, int i);

void	allow_free(struct allowlist *a);

/*
 * Returns 1 when pattern looks like a shell glob rather than a regex - a
 * '*' right after a letter or digit ("PCP*": "PC" then any number of "P"),
 * or "{a-b}" brace text, which is not a regex quantifier and so matches
 * literally - and writes the regex probably meant ("PCP.*", "[a-b]") into
 * suggest (n bytes, truncated).  Returns 0 otherwise.  suggest may be NULL.
 */
int	allow_looks_like_glob(const char *pattern, char *suggest, size_t n);

/*
 * When pattern looks like a glob, appends the full warning text to out -
 * allowlist pattern 'PCP*' looks like a shell glob; it means "PC followed
 * by any number of P" - did you mean 'PCP.*'? - and returns 1; else 0.
 */
int	allow_glob_explain(const char *pattern, struct sbuf *out);

/*
 * The allowlist layer's check of a loaded configuration, run by
 * app_config_load(): compiles patterns[0..n) (section's effective
 * mqtt_allowed_cmds, split on ',') and reports, at the line of section's
 * mqtt_allowed_cmds, each pattern that does not compile (an error), a
 * pattern that looks like a shell glob, and a "{m,n}" repetition the
 * comma split cut in two (warnings).  Returns -1 after an error, else 0.
 */
int	allow_check_config(struct config_diag *dg, const char *section,
	    char *const *patterns, int n, enum cmd_match mode);

#endif

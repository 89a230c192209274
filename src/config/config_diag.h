/*
 * config_diag.h - what loading a configuration file found wrong: errors
 * (kept, then handed over sorted by line) and warnings (logged at once),
 * each naming the file, the line and the key.
 *
 * The loader notes where every key's effective value came from
 * (config_diag_note), so that a check in another layer (protocol known,
 * allowlist compiles, output known, ...) can report "<file>:<line>: ..."
 * by section and key alone.  One diag per load; main thread only.
 */
#ifndef MPPD_CONFIG_DIAG_H
#define MPPD_CONFIG_DIAG_H

#include <stddef.h>

struct sbuf;
struct config_diag;

/* A new, empty diag for the file path (copied); config_diag_free() it. */
struct config_diag *config_diag_new(const char *path);
void	config_diag_free(struct config_diag *dg);

/* The file name given to config_diag_new(). */
const char *config_diag_path(const struct config_diag *dg);

/*
 * Records the error "<file>:<line>: <message>" (line 0: "<file>: ...").
 * An identical message is kept once (an inherited [SETUP] value may be
 * checked for every device).
 */
void	config_diag_error_at(struct config_diag *dg, int line,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Records text as it is, ahead of every numbered error. */
void	config_diag_error_top(struct config_diag *dg, const char *text);

/* Logs "<file>:<line>: <message>" as a warning (line 0: no line). */
void	config_diag_warn_at(struct config_diag *dg, int line,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * Where key's effective value in section came from: the loader calls this
 * for each key it applies (own = 1 when the section sets it itself, 0 when
 * inherited, e.g. a device's mqtt_* value from [SETUP]).  Line 0 = a
 * built-in or command-line value.  A later note replaces an earlier one.
 */
void	config_diag_note(struct config_diag *dg, const char *section,
	    const char *key, int line, int own);

/* Line of the last note for (section, key), 0 when none. */
int	config_diag_line(const struct config_diag *dg, const char *section,
	    const char *key);

/* Line of whichever of keys[0..n) was noted last in section, 0 when none. */
int	config_diag_last_line(const struct config_diag *dg,
	    const char *section, const char *const *keys, int n);

/* 1 when section sets key itself (see config_diag_note()), else 0. */
int	config_diag_own(const struct config_diag *dg, const char *section,
	    const char *key);

/*
 * config_diag_error_at() / _warn_at() at the line of (section, key); the
 * format is checked there. dg is evaluated twice.
 */
#define config_diag_error(dg, section, key, ...)			\
	config_diag_error_at((dg), config_diag_line((dg), (section), (key)), \
	    __VA_ARGS__)
#define config_diag_warn(dg, section, key, ...)				\
	config_diag_warn_at((dg), config_diag_line((dg), (section), (key)), \
	    __VA_ARGS__)

/* Number of errors recorded so far. */
int	config_diag_nerrors(const struct config_diag *dg);

/*
 * Appends the errors to err, one per line, sorted by line (then in the
 * order reported), at most 50 plus a "N more errors not shown" line, and
 * forgets them.  Returns -1 when there was any, else 0.
 */
int	config_diag_flush(struct config_diag *dg, struct sbuf *err);

/*
 * Writes v into q (n bytes) for a message: control characters escaped
 * (a multi-line value shows its "\n"), long values cut with "...".
 * Returns q.
 */
const char *config_diag_quote(const char *v, char *q, size_t n);

/* Levenshtein distance of two strings; INT_MAX when one is over 64 bytes. */
int	config_diag_distance(const char *a, const char *b);

/*
 * The closest of names[0..n) to word, or NULL when none is within 3
 * edits and fewer edits than word has letters ("x" is not a typo of
 * "tag").  Ties go to the earlier name.
 */
const char *config_diag_closest(const char *word, const char *const *names,
	    int n);

#endif

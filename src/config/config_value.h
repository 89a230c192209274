/*
 * config_value.h - the value syntaxes of mpp-solar.conf: whole numbers as
 * Python's int(), seconds, configparser's booleans, separated lists, and
 * MQTT topic levels.  Pure functions; any thread.
 */
#ifndef MPPD_CONFIG_VALUE_H
#define MPPD_CONFIG_VALUE_H

/*
 * Whole number, as Python's int(): optional sign, digits, single '_'
 * between digits.  0 and *out set when it is one within [min, max], else -1.
 */
int	val_long(const char *s, long min, long max, long *out);

/* Seconds: a decimal number > 0 and <= max ("2", "0.5", "1e1").  0 or -1. */
int	val_secs(const char *s, double max, double *out);

/*
 * configparser's getboolean() words: 1/yes/true/on, 0/no/false/off, in
 * any case.  0 or -1.
 */
int	val_bool(const char *s, int *out);

/*
 * Splits s on sep into items trimmed of white space (line breaks of
 * continuation lines included).  Empty items are kept when keep_empty.
 * Returns the number of items; *out is an array the caller frees with
 * val_free_list().
 */
int	val_split(const char *s, char sep, int keep_empty, char ***out);

/* Frees a val_split() result of n items (v may be NULL). */
void	val_free_list(char **v, int n);

/* Why s cannot be one MQTT topic level, or NULL when it can (static text). */
const char *val_level_problem(const char *s);

#endif

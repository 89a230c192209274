/*
 * promtext.h - pieces of the Prometheus text exposition format
 * (https://prometheus.io/docs/instrumenting/exposition_formats/) shared by
 * the web server's /metrics and the prom outputs: escaping, metric names,
 * and the prom_style setting.  Pure functions; any thread.
 */
#ifndef MPPD_PROMTEXT_H
#define MPPD_PROMTEXT_H

struct sbuf;

/*
 * prom_style: how the prom outputs write their text (docs/compatibility.md).
 * PROMTEXT_UNSET leaves the choice to each output.
 */
enum promtext_style {
	PROMTEXT_UNSET = 0,
	PROMTEXT_MPPSOLAR,	/* "mpp-solar": the reference's text, byte for byte */
	PROMTEXT_PROMTOOL	/* "promtool": HELP/TYPE lines, my_str, valid names */
};

/* The style named s ("mpp-solar" or "promtool"); -1 for any other text. */
int	promtext_style_parse(const char *s, enum promtext_style *style);
/* The name of a style; "" for PROMTEXT_UNSET. */
const char *promtext_style_name(enum promtext_style style);

/* Appends s as a label value: backslash, double quote and line feed escaped. */
void	promtext_label_value(struct sbuf *out, const char *s);
/* Appends s as HELP text: backslash and line feed escaped. */
void	promtext_help(struct sbuf *out, const char *s);
/* Appends s as a metric name: a character outside [a-zA-Z0-9_:] becomes
 * '_' (one for each UTF-8 character). */
void	promtext_name(struct sbuf *out, const char *s);

#endif

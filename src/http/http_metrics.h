/*
 * http_metrics.h - the Prometheus text exposition format (version 0.0.4)
 * of the store: every numeric value of every device as a gauge labelled
 * with its device and command, named after its key and base unit
 * ("AC Input Voltage" in V: mppd_ac_input_voltage_volts), plus per-device
 * up, poll, error and command counts and per-broker reconnects.
 * HTTP thread (reads snapshots only).
 */
#ifndef MPPD_HTTP_METRICS_H
#define MPPD_HTTP_METRICS_H

#include <stddef.h>

struct hstore;
struct sbuf;

/* Appends the whole exposition to out. */
void	hmetrics_render(struct hstore *s, struct sbuf *out);

/*
 * The metric name for a value called key in unit (pure): "mppd_" plus the
 * key in snake case plus the base unit's suffix; *factor converts the
 * value to that unit, *known is 0 when the unit has no suffix of its own
 * (it then goes into a label).  buf holds at least n bytes.
 */
void	hmetrics_name(const char *key, const char *unit, char *buf, size_t n,
	    double *factor, int *known);

#endif

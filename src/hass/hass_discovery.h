/*
 * hass_discovery.h - Home Assistant sensors from poll results: the
 * hass_mqtt and hassd_mqtt output processors (rows of the output registry,
 * output.h) and what the daemon needs to publish hassd discovery once
 * (hass.h): the configs and the states apart, and a signature of what the
 * configs depend on.
 *
 * Pure functions of (result, options) without I/O: any thread.
 */
#ifndef MPPD_HASS_DISCOVERY_H
#define MPPD_HASS_DISCOVERY_H

#include <stdint.h>

#include "output.h"

struct result;

/* hass_mqtt: per key a (not retained) config then a state message, as
 * mpp-solar's hass_mqtt builds them. */
void	hass_out_hass(const struct result *r, const struct out_opts *o,
	    out_publish_fn fn, void *arg);

/* hassd_mqtt: every config (QoS 0, retained), then every state. */
void	hass_out_hassd(const struct result *r, const struct out_opts *o,
	    out_publish_fn fn, void *arg);
/* hassd_mqtt's configs only (retained). */
void	hass_out_hassd_configs(const struct result *r,
	    const struct out_opts *o, out_publish_fn fn, void *arg);
/* hassd_mqtt's states only (not retained). */
void	hass_out_hassd_states(const struct result *r,
	    const struct out_opts *o, out_publish_fn fn, void *arg);

/*
 * A non-zero 64-bit hash of everything r's hassd configs depend on for
 * fixed options: the command, every key with its unit, extras and whether
 * it is a binary sensor; not the values otherwise, and not the time
 * last_reset shows.  Two results with the same signature give the same
 * configs (but for last_reset), so the configs need not be published again.
 */
uint64_t hass_sensors_signature(const struct result *r);

#endif

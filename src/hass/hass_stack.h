/*
 * hass_stack.h - a parallel stack in Home Assistant: a device that polls
 * QPGSn (PI30 family) gets each unit as its own HA device, identified by
 * the unit's serial number and named "<section> unit n", with its own
 * sensors, state topic and availability, plus stack totals (output power,
 * PV power, battery charge and discharge current) on the section's device.
 *
 * Topics: {hostname}/{device}/unit<n>/state (one JSON object per unit and
 * poll), {hostname}/{device}/unit<n>/availability ("online" while the unit
 * answers as valid; "offline" when it reports "Not valid" or no longer
 * answers, so HA shows it unavailable, not zero), {hostname}/{device}/stack
 * for the totals.  Discovery configs are retained and published once per
 * connection session (stack_rediscover) or when a unit appears or changes
 * its serial number.
 *
 * Threads: stack_new and stack_free on the main thread; stack_on_result on
 * the device's worker; stack_rediscover on a connection's network thread.
 * A mutex guards the units.
 */
#ifndef MPPD_HASS_STACK_H
#define MPPD_HASS_STACK_H

#include "output.h"

struct device_cfg;
struct result;
struct stack;

/*
 * The stack view of dc, or NULL when dc polls no QPGSn.  device is the
 * hassd device name the totals join (its identifier); hostname the
 * {hostname}.  Strings are copied.
 */
struct stack *stack_new(const struct device_cfg *dc, const char *hostname,
	    const char *device);
void	stack_free(struct stack *s);

/* The unit a command asks for: n for "QPGSn", else -1. */
int	stack_unit_of(const char *cmd);

/*
 * After poll command index (cmd, result r) on the worker: a QPGSn reply
 * updates unit n (its discovery when new and discover is set, its
 * availability when it changed, its state); after the cycle's last QPGSn
 * command the totals of the units valid in this cycle.  Messages go to fn.
 */
void	stack_on_result(struct stack *s, int index, const char *cmd,
	    const struct result *r, int discover, out_publish_fn fn, void *arg);

/* Every known unit's discovery and availability, and the totals' config,
 * again (a new connection session, HA came online). */
void	stack_rediscover(struct stack *s, out_publish_fn fn, void *arg);

#endif

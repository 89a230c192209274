/*
 * hass_energy.h - energy totals for Home Assistant's Energy dashboard
 * (hass_energy = true): PV, load, grid in, battery charge and battery
 * discharge in kWh, as sensors with device_class energy and state_class
 * total_increasing on the section's device.
 *
 * Where the protocol has a lifetime counter the device's own counter is the
 * total (QET: PV, QLT: load; the period counters QEY, QEM and QED restart
 * every year, month or day and are not used).  Otherwise the total grows by
 * the power at each poll, integrated as trapezoids between two polls; a gap
 * longer than three poll periods (the inverter did not answer, mppd was
 * stopped) is not bridged: the next poll starts afresh.  From QPIGS: PV
 * from "PV Input Power", load from "AC Output Active Power", battery charge
 * and discharge from the battery voltage times its charging or discharging
 * current, grid in from the balance load + charge - PV - discharge while
 * the AC input has a voltage (an estimate: conversion losses count as
 * grid).
 *
 * The totals are saved in {state_dir}/energy-{device}.json (temp file and
 * rename, so a crash leaves the old file or the new one) at most once a
 * minute and when mppd stops; a restart continues from them, and a total
 * never decreases.  Topic {hostname}/{device}/energy carries one JSON
 * object with every total.
 *
 * Threads: energy_new, energy_free on the main thread; energy_on_result on
 * the device's worker; energy_rediscover on a connection's network thread.
 * A mutex guards the totals.
 */
#ifndef MPPD_HASS_ENERGY_H
#define MPPD_HASS_ENERGY_H

#include <stdint.h>

#include "output.h"

struct device_cfg;
struct result;

enum energy_src {
	EN_PV = 0, EN_LOAD, EN_GRID_IN, EN_BATT_CHARGE, EN_BATT_DISCHARGE,
	EN_COUNT
};

/* One integrated total (pure: unit tests drive it with their own clock). */
struct energy_acc {
	double		 kwh;
	int64_t		 last_ms;
	double		 last_w;
	int		 have_last;
};

/*
 * Adds the trapezoid between the previous sample and (t_ms, watts) to a;
 * when there is no previous sample, or the gap is longer than max_gap_ms
 * (or time went backwards), the sample only starts a new segment.
 * Negative power counts as 0.
 */
void	energy_acc_add(struct energy_acc *a, int64_t t_ms, double watts,
	    int64_t max_gap_ms);

/* Sets a from a device counter in Wh; a total never decreases (a smaller
 * counter, e.g. after a reset of the inverter, keeps the total).  Returns
 * 1 when the counter was below the total, else 0. */
int	energy_acc_counter(struct energy_acc *a, double wh);

/* Writes the totals (kWh) to path atomically (path.tmp, fsync, rename);
 * 0 or -1 with errno set. */
int	energy_file_write(const char *path, const double kwh[EN_COUNT]);
/* Reads totals written by energy_file_write into kwh (missing ones stay
 * as they are); 0, or -1 when the file is missing or not ours. */
int	energy_file_read(const char *path, double kwh[EN_COUNT]);

struct energy;

/*
 * The energy sensors of dc, or NULL when dc->hass_energy is off.  device
 * is the hassd device name (the totals join its HA device), state_dir the
 * directory from config_state_dir().  The saved totals are read here.
 */
struct energy *energy_new(const struct device_cfg *dc, const char *hostname,
	    const char *device, const char *state_dir, int pause_ms);
/* Saves the totals and frees e; after the worker stopped. */
void	energy_free(struct energy *e);

/* After poll command index (cmd, r) on the worker: updates the totals,
 * publishes the configs (once, when discover is set) and the totals. */
void	energy_on_result(struct energy *e, int index, const char *cmd,
	    const struct result *r, int discover, out_publish_fn fn, void *arg);

/* The configs and the current totals again. */
void	energy_rediscover(struct energy *e, out_publish_fn fn, void *arg);

#endif

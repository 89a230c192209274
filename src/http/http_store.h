/*
 * http_store.h - what the web server shows: per device the latest result
 * of each poll command, availability, counters and a bounded history of
 * the main powers and the battery; per broker connection a reconnect
 * count.
 *
 * Threads: hstore_new/hstore_add_broker/hstore_free on the main thread
 * (before any worker starts / after every worker stopped).  hstore_poll,
 * hstore_online and hstore_command on a device's worker thread;
 * hstore_broker_up on a connection's network thread; the hstore_snap_* and
 * hstore_history readers on the HTTP thread.  Writers copy their data
 * before taking a short per-device mutex and readers copy a snapshot under
 * it, so neither ever waits for the other's work (formatting, sockets).
 * Memory is bounded: one result per configured poll command and at most
 * HSTORE_HISTORY samples per device.
 */
#ifndef MPPD_HTTP_STORE_H
#define MPPD_HTTP_STORE_H

#include <stdint.h>

#include "result.h"

struct config;
struct hstore;

/* One sample per poll result that holds a main value: at most one hour at
 * one poll per second. */
#define HSTORE_HISTORY	3600

/* The chart's series; NaN when the result did not hold it. */
enum hseries { HS_PV = 0, HS_LOAD, HS_GRID, HS_BATT_W, HS_BATT_PCT, HS_N };

struct hsample {
	int64_t	 t_ms;		/* wall clock, ms since the epoch */
	float	 v[HS_N];
};

struct hres_snap {
	char		*cmd;
	int		 valid;		/* a result was stored */
	int		 status;	/* device_run(): 1 valid, 0 refused, -1 no answer */
	int64_t		 t_ms;		/* wall clock of the result */
	struct result	 r;
};

struct hdev_snap {
	char		*name;
	int		 online;	/* -1 unknown, 0 offline, 1 online */
	int64_t		 last_ms;	/* wall clock of the last poll, 0 = none */
	int64_t		 ok_ms;		/* of the last valid reply, 0 = none */
	unsigned long	 polls, errors, commands;
	int		 nres;
	struct hres_snap *res;
};

struct hbroker_snap {
	char		*name;
	unsigned long	 connects;
};

/* A store for c's devices (names and poll commands are copied). */
struct hstore *hstore_new(const struct config *c);
void	hstore_free(struct hstore *s);
/* Registers a broker connection by its name (main thread, before start). */
void	hstore_add_broker(struct hstore *s, const char *name);

/* Device count, and device i's name (static while the store lives). */
int	hstore_count(const struct hstore *s);
const char *hstore_name(const struct hstore *s, int i);
/* Index of the device called name, or -1 (hpath_lookup on the names). */
int	hstore_find(const struct hstore *s, const char *name);

/*
 * Worker thread of device dev, after poll command index ran with status
 * (device_run's).  r is copied (the caller keeps it).
 */
void	hstore_poll(struct hstore *s, int dev, int index, const struct result *r,
	    int status);
/* Availability changed (worker thread). */
void	hstore_online(struct hstore *s, int dev, int online);
/* An MQTT command ran on the device (worker thread). */
void	hstore_command(struct hstore *s, int dev);
/* A broker connection is up (its network thread). */
void	hstore_broker_up(struct hstore *s, const char *name);

/* Copies device i's state into out; free with hstore_snap_free. */
void	hstore_snap(struct hstore *s, int i, struct hdev_snap *out);
void	hstore_snap_free(struct hdev_snap *d);
/* Copies the brokers (malloc'd array in *out, count returned). */
int	hstore_brokers(struct hstore *s, struct hbroker_snap **out);
void	hstore_brokers_free(struct hbroker_snap *b, int n);
/*
 * Copies device i's samples not older than since_ms, oldest first, into a
 * malloc'd array (*out, caller frees); returns the count.
 */
int	hstore_history(struct hstore *s, int i, int64_t since_ms,
	    struct hsample **out);

/* Wall clock in ms since the epoch. */
int64_t	hstore_now_ms(void);

/*
 * The chart's values in r (pure): PV power (sum of PV powers, or a total
 * when the result has one), output active power, grid input power,
 * battery power (voltage x (charging - discharge current)) and battery
 * capacity.  Returns how many series were found; 0 (no sample) when r
 * holds neither PV power nor the battery's capacity (a ratings reply).
 */
int	hstore_sample(const struct result *r, struct hsample *out);

#endif

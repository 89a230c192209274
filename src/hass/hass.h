/*
 * hass.h - Home Assistant, as the daemon sees it: one object per daemon
 * that owns everything HA needs at run time - the hassd_mqtt sensors'
 * discovery (published once, not every cycle), the setting entities
 * (hass_controls), the homeassistant/status subscription and re-discovery,
 * and the read-back after a setter.  The daemon registers its devices once
 * and calls the hass_on_* hooks from its own callbacks; nothing else in the
 * daemon knows about Home Assistant.
 *
 * Discovery configs are retained and published when a device's first
 * result arrives with its connection up, after every (re)connect, when
 * homeassistant/status says "online", and when a result's configs change
 * (hass_sensors_signature(): a new field, another unit); never on an
 * ordinary poll cycle.  States are published every cycle.
 *
 * Threads: hass_new, hass_add_device, hass_ready, hass_attach_worker,
 * hass_detach and hass_free on the main thread (add and ready before the
 * workers and connections start; detach before the workers stop; free after
 * the workers and connections stopped).  hass_on_poll and
 * hass_after_command on a device's worker thread; hass_on_up and
 * hass_on_message on a connection's network thread.  Per-device state is
 * under a mutex; conn_publish never blocks.
 */
#ifndef MPPD_HASS_H
#define MPPD_HASS_H

#include "output.h"

struct allowlist;
struct device;
struct device_cfg;
struct hass;
struct hass_dev;
struct mosquitto_message;
struct mqtt_conn;
struct pi_proto;
struct result;
struct worker;

/* What hass_add_device needs to know about a device; pointers borrowed
 * (they must outlive the struct hass), opts copied. */
struct hass_dev_cfg {
	const struct device_cfg	*dc;
	struct device		*dev;		/* the router's after-hook names it */
	const struct pi_proto	*proto;		/* NULL: no setting entities */
	const char		*hostname;	/* {hostname} */
	struct mqtt_conn	*conn;		/* the device's broker, or NULL */
	const struct allowlist	*allow;		/* the device's compiled allowlist, or NULL */
	const struct out_opts	*opts;		/* its output options (daemon mode) */
	const char		*state_dir;	/* resolved: config_state_dir() */
	int			 pause_ms;	/* between poll cycles */
};

struct hass *hass_new(void);

/*
 * Registers a device.  Returns its handle, or NULL when Home Assistant has
 * nothing to do for it (no hassd_mqtt output, no setting entities, no
 * energy sensors).  A
 * hassd device without a connection (broker "screen") only takes part in
 * hass_ready's id check: the daemon's pipeline prints its messages.
 * Subscribes homeassistant/status on the connection.
 */
struct hass_dev *hass_add_device(struct hass *h, const struct hass_dev_cfg *c);

/*
 * After every device was added: when two hassd devices would publish the
 * same unique_ids (the same tag, or without tags a common command), every
 * hassd device gets its name in its ids and topics (logged).
 */
void	hass_ready(struct hass *h);

/* The uid_prefix hass_ready chose for d (NULL: none; d may be NULL). */
const char *hass_uid_prefix(const struct hass_dev *d);
/* 1 when hass publishes d's hassd_mqtt output itself, so the daemon's
 * output pipeline must skip it (d may be NULL: 0). */
int	hass_owns_sensors(const struct hass_dev *d);

/* The worker of d, for start-up queries and read-backs (d may be NULL). */
void	hass_attach_worker(struct hass_dev *d, struct worker *w);

/*
 * After every poll command (index into dc->commands) on d's worker: the
 * hassd configs when due, the states, the settings' states; r is taken
 * over when hass keeps it for re-discovery (it is then left empty).  d may
 * be NULL.
 */
void	hass_on_poll(struct hass_dev *d, int index, const char *cmd,
	    struct result *r);

/* A connection came up (again): re-publishes the discovery of its devices. */
void	hass_on_up(struct hass *h, struct mqtt_conn *c);

/*
 * A message on connection c: when it is homeassistant/status, handles it
 * ("online": discovery and last states again) and returns 1; else 0.  The
 * daemon routes homeassistant/status here (conn_route), ahead of the
 * command filters.
 */
int	hass_on_message(struct hass *h, struct mqtt_conn *c,
	    const struct mosquitto_message *m);

/* The command router's after-hook (router_after_fn, arg the struct hass):
 * a setter's ACK queues the read-back of the settings it changed. */
void	hass_after_command(void *h, struct device *dev, struct worker *w,
	    const char *cmd, const struct result *res);

/* Forgets every worker: nothing is queued any more. */
void	hass_detach(struct hass *h);

void	hass_free(struct hass *h);

#endif

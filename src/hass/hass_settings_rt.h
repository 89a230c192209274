/*
 * hass_settings_rt.h - the running side of the Home Assistant setting
 * entities (hass_controls = true; the entities themselves are built by
 * hass_settings.h), used by hass_runtime.c:
 * publishes their discovery and states, reads the current options at
 * start-up, and reads the settings back right after a setter's ACK so HA
 * shows the applied value within one command time.
 *
 * Threads: controls_new/attach/detach/free on the main thread (attach
 * before the connections start, detach before the worker stops, free after
 * the worker and the connections stopped);
 * controls_publish_discovery on a connection's network thread;
 * controls_on_result and controls_after_command on the device's worker
 * thread.  The option lists, the entity set and the last states are shared
 * between them under a mutex; no publish is made while it is held.
 */
#ifndef MPPD_HASS_SETTINGS_RT_H
#define MPPD_HASS_SETTINGS_RT_H

#include <stddef.h>

#include "output.h"

struct allowlist;
struct controls;
struct device_cfg;
struct pi_proto;
struct result;
struct worker;

/*
 * The controls of device dc, or NULL when it has none: hass_controls off,
 * no protocol, a command topic with wildcards (HA needs a topic to publish
 * to: a warning is logged), or an allowlist that admits no setting (logged).
 * hostname is {hostname}; allow is the device's compiled allowlist, the
 * one its command router uses (borrowed: it must outlive c; NULL admits
 * nothing).  Free with controls_free().
 */
struct controls *controls_new(const struct device_cfg *dc,
	    const struct pi_proto *p, const char *hostname,
	    const struct allowlist *allow);

/*
 * The device's worker (start-up queries and read-backs are queued there)
 * and the publisher used for their results (fn(arg, ...), e.g.
 * controls_conn_publisher with the device's connection).
 */
void	controls_attach(struct controls *c, struct worker *w,
	    out_publish_fn fn, void *arg);

/*
 * Publishes the discovery configs (retained) and the last known states;
 * call when the connection comes up and when Home Assistant announces
 * itself online.  The first call (and later ones while something is still
 * unknown) also queues QMCHGCR / QMUCHGCR (option lists, when the protocol
 * has them), QPIRI and QFLAG (states, battery voltage) on the worker.
 */
void	controls_publish_discovery(struct controls *c, out_publish_fn fn,
	    void *arg);

/*
 * A result of cmd (poll or read-back): QPIRI / QFLAG publish the states,
 * QMCHGCR / QMUCHGCR update the option lists (and re-publish discovery when
 * they changed), QPIRI's rated battery voltage sets the number ranges.
 * Other commands are ignored.  fn NULL: the attached publisher.
 */
void	controls_on_result(struct controls *c, const char *cmd,
	    const struct result *r, out_publish_fn fn, void *arg);

/*
 * After an MQTT command ran on worker w (router after-hook): a setter's ACK
 * queues QPIRI (QFLAG after PE/PD, both after PF) at once; its result is
 * published through controls_on_result.  A query's own result is used
 * directly.
 */
void	controls_after_command(struct controls *c, struct worker *w,
	    const char *cmd, const struct result *r);

/*
 * Forgets the worker: nothing is queued on it any more.  Main thread,
 * before worker_stop() (network threads may still call
 * controls_publish_discovery meanwhile).
 */
void	controls_detach(struct controls *c);

/* An out_publish_fn for a struct mqtt_conn * arg (NULL: dropped). */
void	controls_conn_publisher(void *conn, const char *topic,
	    const char *payload, size_t len, int qos, int retain);

void	controls_free(struct controls *c);

#endif

/*
 * conn_registry.h - the broker connections of one run: one per (broker
 * host, port, user name), created on first use and shared by every device
 * that uses that broker.  The first device's settings win for a shared
 * connection (a different mqtt_protocol is warned about).
 *
 * Every function is for the main thread, at start-up and shutdown.
 */
#ifndef MPPD_CONN_REGISTRY_H
#define MPPD_CONN_REGISTRY_H

struct conn_registry;
struct mqtt_conn;
struct mqtt_settings;

/* oneshot != 0: connections for a CLI run (see conn_new). */
struct conn_registry *conn_registry_new(int oneshot);
/* The one connection for (host, port, user) of m; NULL on error (logged). */
struct mqtt_conn *conn_registry_get(struct conn_registry *r,
	    const struct mqtt_settings *m, const char *hostname);
int	conn_registry_count(const struct conn_registry *r);
/* Connection i in creation order, or NULL. */
struct mqtt_conn *conn_registry_at(const struct conn_registry *r, int i);
/* Starts every connection. */
int	conn_registry_start(struct conn_registry *r);
/* Stops (flush_ms each, in parallel) and frees every connection; returns
 * the undelivered count. */
int	conn_registry_stop(struct conn_registry *r, int flush_ms);
void	conn_registry_free(struct conn_registry *r);

#endif

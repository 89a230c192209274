/*
 * mqtt_conn.h - one MQTT connection per broker, shared by every device
 * that uses that broker (key: host, port, user; see conn_registry.h).
 *
 * src/mqtt/ is the broker link only: this connection thread with its retry
 * policy (backoff.h), what it still owes the broker (outbox.h), the
 * registry of connections (conn_registry.h) and who mppd is on MQTT
 * (ident.h).  What a message means is decided elsewhere: commands by the
 * command router (src/command/router.h), reached through conn_route_rest().
 *
 * Each connection runs its own network thread (mosquitto_loop with
 * mosquitto_threaded_set) and its own reconnection: 1 s doubling to 60 s
 * (mqtt_reconnect_min/max) with jitter (backoff.h), reset after a connection
 * that lasted; authentication and TLS failures are logged loudly and
 * retried at the maximum delay.  libmosquitto's own reconnect is never
 * used: its delay has no jitter (a fleet would retry in lock step) and it
 * cannot tell a refused login from a lost network.  Persistent session (clean_session=false, MQTT 5
 * Session Expiry Interval), stable client id, last will
 * "{hostname}/mppd/status" = "offline" retained, "online" on every connect,
 * subscriptions restored on every connect.
 *
 * Thread rules: conn_publish*() may be called from any thread and never
 * blocks on the network.  Handlers run on the connection's network thread
 * and must not block (queue work to a device worker instead).
 */
#ifndef MPPD_MQTT_CONN_H
#define MPPD_MQTT_CONN_H

#include <stddef.h>

struct mqtt_settings;
struct mqtt_conn;
struct mosquitto_message;
typedef struct mqtt5__property mosquitto_property;

/* A message arrived on a subscribed filter (network thread). props: MQTT 5
 * properties or NULL. */
typedef void	(*conn_msg_fn)(void *arg, struct mqtt_conn *c,
		    const struct mosquitto_message *msg,
		    const mosquitto_property *props);
/* The connection is up (again), after subscriptions were restored and
 * "online" was published (network thread). */
typedef void	(*conn_up_fn)(void *arg, struct mqtt_conn *c);

/*
 * Creates a connection for settings m (copied).  hostname is {hostname}
 * (mqtt_hostname or the short host name).  oneshot != 0: a CLI run: clean
 * session, a client id of its own that never collides with the daemon's,
 * no will.  Nothing is started.  NULL on error (logged).
 */
struct mqtt_conn *conn_new(const struct mqtt_settings *m, const char *hostname,
	    int oneshot);

/* The client id in use (valid until conn_free). */
const char *conn_client_id(const struct mqtt_conn *c);
/* Short description for logs: "host:port" (never the password). */
const char *conn_name(const struct mqtt_conn *c);

/*
 * Handlers; call before conn_start().  Either may be NULL.  on_msg gets
 * the messages no route (conn_route, conn_route_rest) takes.
 */
void	conn_set_handlers(struct mqtt_conn *c, conn_msg_fn on_msg,
	    conn_up_fn on_up, void *arg);

/*
 * Routes the messages whose topic matches filter to fn(arg, ...) on the
 * network thread: the first route added whose filter matches takes a
 * message, so a more specific route goes first.  This is how a consumer
 * (Home Assistant's status hook) gets its messages straight from the
 * connection; the command router takes the rest (conn_route_rest).  A
 * route does not subscribe (see conn_subscribe).  Main thread, before
 * conn_start().  0 or -1 (invalid filter, or the connection already
 * started).
 */
int	conn_route(struct mqtt_conn *c, const char *filter, conn_msg_fn fn,
	    void *arg);

/*
 * Routes every message that no conn_route() route takes to fn(arg, ...)
 * on the network thread, unmatched: a consumer with many filters of its
 * own (the command router, one per device) looks its topics up itself,
 * once, instead of the connection matching each filter first.  The
 * consumer decides what is its own; on_msg then gets nothing.  One such
 * consumer per connection (the same fn and arg again is not an error).
 * Main thread, before conn_start().  0 or -1.
 */
int	conn_route_rest(struct mqtt_conn *c, conn_msg_fn fn, void *arg);

/* Remembers a subscription; made now if connected and on every connect.
 * Call before or after conn_start().  0 or -1 (invalid filter). */
int	conn_subscribe(struct mqtt_conn *c, const char *filter, int qos);

/*
 * As conn_subscribe(), for input that only others publish (commands, Home
 * Assistant's status): with MQTT 5 the subscription has No Local, so the
 * broker never sends mppd its own publications on it.
 */
int	conn_subscribe_others(struct mqtt_conn *c, const char *filter, int qos);

/* Starts the network thread; returns at once (a broker that is down never
 * delays the caller).  0 or -1. */
int	conn_start(struct mqtt_conn *c);

/*
 * Publishes a message (payload copied).  QoS 0 while disconnected goes to a
 * small bounded buffer that is sent on the next connect (a daemon's first
 * cycle is not lost while the connection comes up); QoS 1/2 while
 * disconnected is queued exactly once (libmosquitto keeps it; never
 * re-published).  Once mqtt_queue_max QoS 1/2 messages await their
 * acknowledgement, a new non-retained QoS 1/2 message is refused with a
 * (rate-limited) warning; retained ones (command responses, discovery)
 * are always queued.  libmosquitto cannot drop a message it has queued.
 * A message larger than the broker's maximum packet size is never queued
 * (a broker drops the connection for it, and libmosquitto would send it
 * again after every reconnect).  Returns 0, CONN_TOO_BIG, or -1 when the
 * message was refused (invalid topic, too big for MQTT, queue full).
 */
int	conn_publish(struct mqtt_conn *c, const char *topic, const void *payload,
	    size_t len, int qos, int retain);

/* conn_publish*: the message does not fit the broker's maximum packet
 * size (mqtt_max_packet, or the MQTT 5 CONNACK's); nothing was queued. */
#define CONN_TOO_BIG	(-2)

/* The broker's maximum packet size in force, 0 for none (any thread). */
size_t	conn_max_packet(struct mqtt_conn *c);

/* The number of CONNACKs seen: 1 on the first connection, one more at
 * every reconnect.  Network thread (a message handler). */
unsigned long conn_session(const struct mqtt_conn *c);

/* Same, with MQTT 5 Correlation Data (ignored for MQTT 3.1.1). */
int	conn_publish_corr(struct mqtt_conn *c, const char *topic,
	    const void *payload, size_t len, int qos, int retain,
	    const void *corr, size_t corrlen);

/* 1 while connected. */
int	conn_is_connected(struct mqtt_conn *c);
/* MQTT protocol version in use: 4 (3.1.1) or 5. */
int	conn_protocol(const struct mqtt_conn *c);

/*
 * Stops the connection: waits up to flush_ms for the connection to come
 * up (one-shot runs) and for every queued message to be delivered (QoS 1/2
 * acknowledged, QoS 0 written), publishes "offline" on the status topic
 * (daemon only), disconnects cleanly and joins the thread.  Returns the
 * number of messages that could not be delivered in time.
 */
int	conn_stop(struct mqtt_conn *c, int flush_ms);
void	conn_free(struct mqtt_conn *c);

/*
 * conn_stop() in two steps, so that several connections flush in parallel
 * (conn_registry_stop): the request sets the deadline (flush_ms from now)
 * and wakes the thread; the join waits for it and returns the undelivered
 * count.  Main thread.
 */
void	conn_stop_request(struct mqtt_conn *c, int flush_ms);
int	conn_stop_join(struct mqtt_conn *c);

/* 1 when c is the connection for m's broker host, port and user name. */
int	conn_same_broker(const struct mqtt_conn *c,
	    const struct mqtt_settings *m);

#include "conn_registry.h"

#endif

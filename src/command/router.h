/*
 * router.h - the command router: the path of an MQTT command from the
 * broker connection to a device's worker and of its answer back
 * (docs/architecture.md follows it down to the port and back).
 *
 *   1. The connection's network thread receives a message (mqtt_conn.c
 *      conn_on_message; every message no other route of the connection
 *      takes goes to the router, through the route the transport's link
 *      registered: mqtt/conn_link.c) and calls router_on_message() with
 *      it, transport-neutral (struct cmd_msg).
 *   2. The router (this file, still on the network thread, never blocking
 *      on a device):
 *      a. routing: topics of answers ("..._response") and topics mppd
 *         publishes itself (router_ignore) are never commands; the devices
 *         bound to the connection whose command filter matches the topic
 *         are the candidates (an exact filter is found by a hash look-up
 *         of the topic, a wildcard filter by matching it), none: the
 *         message is not ours;
 *      b. an empty payload (how MQTT clears a retained message, e.g.
 *         the echo of mppd's own clear) is never a command; dedupe: a
 *         message that is not a new command (a redelivery after a
 *         reconnect, a repeated request id) is answered from the cache
 *         of answers (cmd_cache.h), never run again;
 *      c. the command is cleared on the broker (empty retained message) so
 *         a retained command never runs again, and remembered in the
 *         state directory until the clear comes back (cmd_ran.h): a
 *         retained command whose clear the broker refused is not run
 *         again after a restart;
 *      d. verdicts: the payload (cmd_check.h cmd_parse_payload), the MQTT 5
 *         Response Topic, then per device its policy (cmd_policy.h: the
 *         allowlist compiled once, the protocol's table);
 *      e. an accepted command is queued to the device's worker
 *         (worker_submit); a refusal is answered at once.
 *   3. The worker thread runs it on the port (worker.h) and calls back
 *      with the result or the reason it did not run.
 *   4. The answer (JSON: result or error, command, timestamp, device, id)
 *      is published through the connection's link on the topic +
 *      "_response" (QoS 1, retained) and, with MQTT 5, on the message's
 *      Response Topic with its Correlation Data; then the after hook runs
 *      (Home Assistant reads the settings back after a setter).
 *
 * Every accepted message gets exactly one answer per device it reaches
 * (a refusal, "device busy", "mppd is shutting down", or the result).
 *
 * The router knows no transport: it receives struct cmd_msg and publishes
 * through the struct cmd_link a device was bound with.  Topic filters and
 * names follow MQTT's syntax (libmosquitto's pure topic helpers).
 *
 * Threads: router_new/add/ignore/set_after_hook/free on the main thread
 * (add, ignore and set_after_hook before the connections start);
 * router_on_message on connection network threads; answers are published
 * on the network thread (refusals) or the device's worker thread (results).
 */
#ifndef MPPD_ROUTER_H
#define MPPD_ROUTER_H

#include <stddef.h>

struct cmd_policy;
struct device;
struct device_cfg;
struct result;
struct router;
struct worker;

/* One incoming message, borrowed for the duration of the call. */
struct cmd_msg {
	const char	*topic;
	const void	*payload;	/* len bytes, not NUL-terminated */
	size_t		 len;
	int		 qos;
	int		 retain;
	/*
	 * Which connection of the transport's it came on: 1 for the first,
	 * one more at every reconnect.  A QoS 1/2 message the broker sends
	 * again after a reconnect (its acknowledgement was lost) comes with a
	 * greater session than the first copy.
	 */
	unsigned long	 session;
	/* MQTT 5 Response Topic and Correlation Data; NULL when absent. */
	const char	*resp_topic;
	const void	*corr;
	size_t		 corrlen;
};

/*
 * The transport's side of the router: how answers go out on a connection
 * (conn) and how the router's filters are subscribed there.
 */
/* cmd_link.publish: the message is larger than the broker accepts. */
#define CMD_LINK_TOO_BIG	(-2)

struct cmd_link {
	/*
	 * Publishes (payload and corr copied), never blocks; 0, -1, or
	 * CMD_LINK_TOO_BIG when the message does not fit the broker's
	 * maximum packet size (nothing was queued).
	 */
	int	(*publish)(void *conn, const char *topic, const void *payload,
		    size_t len, int qos, int retain, const void *corr,
		    size_t corrlen);
	/*
	 * Subscribes filter with qos on conn and delivers its messages to
	 * router_on_message(r, conn, ...) (it may deliver others too: the
	 * router tells its own).  Main thread, before the connection
	 * starts.  0 or -1.
	 */
	int	(*subscribe)(void *conn, const char *filter, int qos,
		    struct router *r);
	/* The broker's maximum packet size in bytes, 0 for none known; may
	 * be NULL (no limit). */
	size_t	(*max_packet)(void *conn);
	/* A name of conn that stays the same across restarts (its MQTT
	 * client id), for what is remembered in the state directory; may
	 * be NULL. */
	const char *(*ident)(void *conn);
};

/* Called on a worker thread after a command ran and its answer was
 * published (e.g. Home Assistant state read-back after a setter's ACK). */
typedef void	(*router_after_fn)(void *arg, struct device *dev,
		    struct worker *w, const char *cmd, const struct result *res);

struct router *router_new(void);

/*
 * Binds a device to a connection: expands dc->mqtt.cmd_topic with
 * hostname and the device name, and subscribes that filter with
 * dc->mqtt.cmd_qos through link on conn (once per distinct filter and
 * connection).  A device whose policy allows nothing gets no subscription
 * (default deny).  pol (the device's policy, cmd_policy.h), dev, w, link
 * and conn are borrowed and must outlive the router's use of them (see
 * router_close).  Main thread, before the connection starts.  0 or -1
 * (error logged).
 */
int	router_add(struct router *r, const struct cmd_link *link, void *conn,
	    const struct device_cfg *dc, const struct cmd_policy *pol,
	    struct device *dev, struct worker *w, const char *hostname);

/* A message on conn (network thread); never blocks on a device. */
void	router_on_message(struct router *r, void *conn,
	    const struct cmd_msg *m);

/*
 * Remembers the retained commands that ran in dir (cmd_ran.h: a retained
 * command runs at most once across restarts, even when the broker refuses
 * mppd's clear).  Without this call they are remembered in memory only.
 * Main thread, before the connections start.
 */
void	router_set_state_dir(struct router *r, const char *dir);

/* Sets the after hook (main thread, before the connections start). */
void	router_set_after_hook(struct router *r, router_after_fn fn, void *arg);

/* Commands accepted and not yet answered (any thread). */
int	router_inflight(struct router *r);

/*
 * Shutdown, step one (main thread): from now on every command is answered
 * "mppd is shutting down" without touching a worker.  Returns once no
 * network thread is inside the router any more, so workers may then be
 * stopped (worker_stop frees them) while connections still run.
 */
void	router_close(struct router *r);

/*
 * Topics mppd publishes itself (status, availability, settings states):
 * a wildcard command filter such as {hostname}/{device}/# matches them
 * too, and taken for commands they would be answered and cleared,
 * erasing the retained state.  Messages on a filter registered here are
 * never commands.  Main thread, before the connections start.  0 or -1
 * (invalid filter).
 */
int	router_ignore(struct router *r, const char *filter);

/* Frees everything; after every worker and connection has stopped. */
void	router_free(struct router *r);

#endif

/*
 * router.h - the MQTT command path (SPEC.md sections 2, 3.1-3.3): each
 * device with a non-empty allowlist subscribes its command topic filter on
 * its broker connection; a message on a matching topic is checked
 * (cmd_check.h), queued to the device's worker and answered with JSON on
 * the topic + "_response" (QoS 1, retained), and for MQTT 5 also on the
 * message's Response Topic with its Correlation Data.
 *
 * Every accepted message gets exactly one response per response topic and
 * device; retained commands run once and are cleared.
 *
 * Threads: router_new/add/set_after_hook/free on the main thread
 * (add and set_after_hook before conn_start); router_on_message on
 * connection network threads; responses are built on the network thread
 * (refusals) or the device's worker thread (results).
 */
#ifndef MPPD_ROUTER_H
#define MPPD_ROUTER_H

struct device;
struct device_cfg;
struct mosquitto_message;
struct mqtt_conn;
struct result;
struct router;
struct worker;
typedef struct mqtt5__property mosquitto_property;

/* Called on a worker thread after a command ran and its response was
 * published (e.g. Home Assistant state read-back after a setter's ACK). */
typedef void	(*router_after_fn)(void *arg, struct device *dev,
		    struct worker *w, const char *cmd, const struct result *res);

struct router *router_new(void);

/*
 * Binds a device to its connection: compiles its allowlist (mode
 * dc->mqtt.cmd_match), expands dc->mqtt.cmd_topic with hostname and the
 * device name, and subscribes that filter with dc->mqtt.cmd_qos on c (once
 * per distinct filter and connection).  A device with an empty allowlist
 * gets no subscription (default deny).  dev, w and c are borrowed and must
 * outlive the router's use of them (see router_close).  Main thread,
 * before conn_start.  0 or -1 (error logged).
 */
int	router_add(struct router *r, struct mqtt_conn *c,
	    const struct device_cfg *dc, struct device *dev, struct worker *w,
	    const char *hostname);

/* Call from the connection's on_msg handler (network thread); never
 * blocks on a device. */
void	router_on_message(struct router *r, struct mqtt_conn *c,
	    const struct mosquitto_message *m, const mosquitto_property *props);

/* Sets the after hook (main thread, before conn_start). */
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

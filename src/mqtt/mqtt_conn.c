/*
 * mqtt_conn.c - one MQTT connection per broker (see mqtt_conn.h): its
 * creation and libmosquitto settings, the publish and subscribe calls, the
 * routes, and libmosquitto's callbacks.  The network thread and its retry
 * policy are in conn_thread.c, the pending-message bookkeeping in
 * outbox.c; conn_int.h is what the two halves share.
 *
 * Threads: the caller's threads publish and subscribe; one network thread
 * per connection connects, runs mosquitto_loop() and reconnects.  Every
 * libmosquitto call other than publish/subscribe (connect, disconnect,
 * loop) happens on the network thread.  Shared state lives under c->mtx.
 *
 * Lock order: libmosquitto's callback_mutex (held while a callback runs on
 * the network thread) -> c->mtx -> libmosquitto's packet and message
 * mutexes (taken by mosquitto_publish).  mosquitto_publish never takes
 * callback_mutex, so holding c->mtx across it is safe, and it has to be:
 * on_publish for a message can otherwise arrive before the publisher has
 * recorded its mid.  c->errmtx is a leaf lock (the log callback runs on
 * any thread, possibly inside mosquitto_publish while c->mtx is held).
 * User handlers (on_msg, on_up) run without c->mtx: they publish.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mosquitto.h>
#include <mqtt_protocol.h>

#include "clock.h"
#include "config.h"
#include "conn_int.h"
#include "ident.h"
#include "log.h"
#include "mqtt_conn.h"
#include "outbox.h"
#include "sbuf.h"

/* MQTT 5 Session Expiry Interval: queued commands survive 7 days offline. */
#define CONN_SESSION_EXPIRY	(7 * 24 * 3600)
/*
 * MQTT 5 Maximum Packet Size we announce: libmosquitto allocates every
 * incoming packet at the size the broker announces (up to 256 MiB; its
 * client has no limit of its own), and nothing mppd subscribes to needs
 * more than a few KiB.  The broker discards larger packets for us.
 */
#define CONN_MAX_PACKET		(256 * 1024)
/* At most one "queue full" warning per this many ms. */
#define CONN_WARN_EVERY_MS	10000

static pthread_once_t	conn_lib_once = PTHREAD_ONCE_INIT;

static void
conn_lib_init(void)
{
	mosquitto_lib_init();
}

static int
conn_streq(const char *a, const char *b)
{
	if (a == NULL || *a == '\0')
		return b == NULL || *b == '\0';
	return b != NULL && strcmp(a, b) == 0;
}

static char *
conn_strdup_or_null(const char *s)
{
	return s != NULL && *s != '\0' ? xstrdup(s) : NULL;
}

/*
 * A connection's QoS 0 messages queued in libmosquitto are discarded when
 * the connection is lost (no on_publish will come): forget them.  mtx held.
 */
void
conn_forget_q0(struct mqtt_conn *c)
{
	int n = ob_conn_lost(c->ob);

	if (n > 0)
		log_debug("mqtt %s: %d QoS 0 message(s) lost with the "
		    "connection", c->name, n);
}

/*
 * Validates a message the way mosquitto_publish will, so a message that
 * waits in the pre-connect buffer is refused now, not later.
 */
static int
conn_check_message(const char *topic, size_t len, int qos)
{
	size_t tl;

	if (topic == NULL || qos < 0 || qos > 2)
		return -1;
	tl = strlen(topic);
	if (tl == 0 || tl > 65535 || len > MQTT_MAX_PAYLOAD)
		return -1;
	if (mosquitto_validate_utf8(topic, (int)tl) != MOSQ_ERR_SUCCESS ||
	    mosquitto_pub_topic_check2(topic, tl) != MOSQ_ERR_SUCCESS)
		return -1;
	return 0;
}

/*
 * Hands one message to libmosquitto and records its mid.  mtx held.
 * QoS >= 1 while disconnected: libmosquitto queued it (MOSQ_ERR_NO_CONN)
 * and sends it after the next CONNACK: a success, never re-published.
 * Returns a MOSQ_ERR_* code.
 */
int
conn_pub_locked(struct mqtt_conn *c, const char *topic, const void *payload,
    size_t len, int qos, int retain, const void *corr, size_t corrlen)
{
	mosquitto_property *props = NULL;
	int mid = 0, rc;

	if (c->protocol == 5) {
		if (corr != NULL && corrlen > 0) {
			if (corrlen > UINT16_MAX)
				return MOSQ_ERR_INVAL;
			rc = mosquitto_property_add_binary(&props,
			    MQTT_PROP_CORRELATION_DATA, corr,
			    (uint16_t)corrlen);
			if (rc != MOSQ_ERR_SUCCESS)
				return rc;
		}
		rc = mosquitto_publish_v5(c->mosq, &mid, topic, (int)len,
		    payload, qos, retain != 0, props);
		mosquitto_property_free_all(&props);
	} else
		rc = mosquitto_publish(c->mosq, &mid, topic, (int)len, payload,
		    qos, retain != 0);
	if (rc == MOSQ_ERR_NO_CONN && qos > 0)
		rc = MOSQ_ERR_SUCCESS;
	if (rc != MOSQ_ERR_SUCCESS)
		return rc;
	ob_sent(c->ob, mid, qos);
	if (qos > 0 && c->protocol == 5)
		ob_sent_topic(c->ob, mid, topic);
	return MOSQ_ERR_SUCCESS;
}

/*
 * Holds a QoS 0 message in the outbox until the next connect, dropping the
 * oldest when full (warned at most every CONN_WARN_EVERY_MS).  mtx held.
 * Returns 0, or -1 when the message alone is larger than the buffer.
 */
static int
conn_prebuf_push(struct mqtt_conn *c, const char *topic, const void *payload,
    size_t len, int retain, const void *corr, size_t corrlen)
{
	int64_t now;

	if (ob_hold(c->ob, topic, payload, len, retain, corr, corrlen,
	    &c->pre_dropped) == -1)
		return -1;
	now = mono_ms();
	if (c->pre_dropped > 0 && (c->pre_warn_ms == 0 ||
	    now - c->pre_warn_ms >= CONN_WARN_EVERY_MS)) {
		log_warn("mqtt %s: not connected and the QoS 0 buffer is full "
		    "(%d messages or %d bytes): %ld oldest message(s) dropped",
		    c->name, OB_HELD_MAX, OB_HELD_BYTES, c->pre_dropped);
		c->pre_dropped = 0;
		c->pre_warn_ms = now;
	}
	return 0;
}

/*
 * Sends the pre-connect buffer, oldest first; stops (keeping the rest) if
 * the connection is already gone again.  mtx held.
 */
static void
conn_prebuf_flush(struct mqtt_conn *c)
{
	const struct ob_msg *p;
	int rc;

	while ((p = ob_held_first(c->ob)) != NULL) {
		rc = conn_pub_locked(c, p->topic, p->payload, p->len, 0,
		    p->retain, p->corr, p->corrlen);
		if (rc == MOSQ_ERR_NO_CONN)
			return;
		if (rc != MOSQ_ERR_SUCCESS)
			log_warn("mqtt %s: buffered message to %s dropped: %s",
			    c->name, p->topic, mosquitto_strerror(rc));
		ob_held_pop(c->ob);
	}
}

/*
 * libmosquitto 2.0.11 resets its queued QoS 1/2 messages for resending at
 * the start of mosquitto_(re)connect_async, before the socket exists; a
 * message another thread publishes in between is marked as sent but
 * cannot be written, and is never sent until the next reconnect (its
 * response lost to the user, a clean stop waiting for it in vain).  Such
 * messages wait in the window list instead and are published here, by
 * the network thread, once the call has returned: then they go out after
 * CONNECT, or - the attempt failed - are queued for the next one.  mtx
 * held; network thread.
 */
void
conn_win_flush(struct mqtt_conn *c)
{
	struct ob_msg *p;
	int rc;

	while ((p = ob_deferred_take(c->ob)) != NULL) {
		rc = conn_pub_locked(c, p->topic, p->payload, p->len, p->qos,
		    p->retain, p->corr, p->corrlen);
		if (rc != MOSQ_ERR_SUCCESS)
			log_warn("mqtt %s: cannot publish to %s: %s", c->name,
			    p->topic, mosquitto_strerror(rc));
		ob_msg_free(p);
	}
}


/*
 * Sends one SUBSCRIBE.  For input from others (conn_subscribe_others())
 * MQTT 5 asks the broker not to send mppd its own publications back (No
 * Local), so none of its output can ever arrive as input.  mtx held.
 */
static int
conn_sub_send(struct mqtt_conn *c, struct mosquitto *mosq,
    struct conn_sub *sub)
{
	/* sub->mid: the SUBACK is matched to it. */
	if (c->protocol == 5 && sub->no_local)
		return mosquitto_subscribe_v5(mosq, &sub->mid, sub->filter,
		    sub->qos, MQTT_SUB_OPT_NO_LOCAL, NULL);
	return mosquitto_subscribe(mosq, &sub->mid, sub->filter, sub->qos);
}
/* Network-thread callbacks. */

/*
 * The packet size limit for this connection: mqtt_max_packet, or the
 * MQTT 5 CONNACK's Maximum Packet Size when that is smaller.  mtx held.
 */
static void
conn_set_max_packet(struct mqtt_conn *c, const mosquitto_property *props)
{
	uint32_t v = 0;
	size_t max = c->cfg_max_packet;

	if (props != NULL && mosquitto_property_read_int32(props,
	    MQTT_PROP_MAXIMUM_PACKET_SIZE, &v, false) != NULL && v > 0 &&
	    (max == 0 || v < max))
		max = v;
	if (max != ob_max_packet(c->ob))
		log_info("mqtt %s: the broker's maximum packet size: %zu "
		    "bytes%s", c->name, max, max == c->cfg_max_packet ?
		    " (mqtt_max_packet)" : " (CONNACK)");
	ob_set_max_packet(c->ob, max);
}

/* MQTT reason codes from 0x80 on are failures. */
static const char *
conn_reason(int rc)
{
	return mosquitto_reason_string(rc);
}

static void
conn_on_connect(struct mosquitto *mosq, void *obj, int rc, int flags,
    const mosquitto_property *props)
{
	struct mqtt_conn *c = obj;

	if (rc != 0) {
		/* Logged by the network thread when the attempt ends. */
		c->att.refused = rc;
		return;
	}
	c->att.connack = 1;
	c->att.up_ms = mono_ms();
	c->session++;

	pthread_mutex_lock(&c->mtx);
	conn_set_max_packet(c, props);
	if (!c->oneshot) {
		rc = conn_pub_locked(c, c->status_topic, "online", 6, 1, 1,
		    NULL, 0);
		if (rc != MOSQ_ERR_SUCCESS)
			log_warn("mqtt %s: cannot publish %s: %s", c->name,
			    c->status_topic, mosquitto_strerror(rc));
	}
	for (int i = 0; i < c->nsubs; i++) {
		rc = conn_sub_send(c, mosq, &c->subs[i]);
		if (rc != MOSQ_ERR_SUCCESS)
			log_warn("mqtt %s: cannot subscribe to %s: %s", c->name,
			    c->subs[i].filter, mosquitto_strerror(rc));
	}
	conn_prebuf_flush(c);
	c->connected = 1;
	pthread_mutex_unlock(&c->mtx);

	log_info("mqtt %s: connected as %s (MQTT %s, %s session%s)", c->name,
	    c->client_id, c->protocol == 5 ? "5" : "3.1.1",
	    c->oneshot ? "clean" : "persistent",
	    (flags & 1) ? ", resumed" : "");
	/* libmosquitto formats a line for every packet while a log callback
	 * is set (a heap block and 2 kB of the publishing thread's stack on
	 * every worker); the session is up, so unless debug lines are wanted
	 * the log has nothing more to tell until the next attempt. */
	if (log_get_level() < LOG_LVL_DEBUG)
		mosquitto_log_callback_set(mosq, NULL);
	if (c->on_up != NULL)
		c->on_up(c->arg, c);
}

static void
conn_on_disconnect(struct mosquitto *mosq, void *obj, int rc,
    const mosquitto_property *props)
{
	struct mqtt_conn *c = obj;

	c->att.err_no = errno;
	c->att.disc_rc = rc;
	pthread_mutex_lock(&c->mtx);
	c->connected = 0;
	conn_forget_q0(c);
	pthread_mutex_unlock(&c->mtx);
}

/*
 * A message was delivered (QoS 0 written, QoS 1/2 acknowledged).  With
 * MQTT 5 the acknowledgement carries a reason code: from 0x80 on the
 * broker did not take the message (0x87 not authorized: an ACL denies
 * the topic; 0x97 quota exceeded, 0x95 packet too large...), which is
 * logged as an error with the topic, so an answer or a clear the broker
 * threw away is never silent.
 */
static void
conn_on_publish(struct mosquitto *mosq, void *obj, int mid, int reason,
    const mosquitto_property *props)
{
	struct mqtt_conn *c = obj;
	char *topic = NULL;

	pthread_mutex_lock(&c->mtx);
	(void)ob_delivered(c->ob, mid, reason >= 0x80 ? &topic : NULL);
	pthread_mutex_unlock(&c->mtx);
	if (reason >= 0x80) {
		char *why = NULL;

		if (props != NULL)
			mosquitto_property_read_string(props,
			    MQTT_PROP_REASON_STRING, &why, false);
		log_error("mqtt %s: the broker refused the message on %s: "
		    "reason 0x%02x (%s)%s%s", c->name, topic != NULL ? topic :
		    "?", reason, conn_reason(reason), why != NULL ? ": " : "",
		    why != NULL ? why : "");
		free(why);
	}
	free(topic);
}

/*
 * SUBACK: a granted QoS from 0x80 on is a refused subscription (an ACL,
 * a filter the broker does not support): the commands on it never
 * arrive, so that is an error in the log and on {hostname}/mppd/error.
 */
static void
conn_on_subscribe(struct mosquitto *mosq, void *obj, int mid, int count,
    const int *granted, const mosquitto_property *props)
{
	struct mqtt_conn *c = obj;
	char *filter = NULL, *msg = NULL;
	struct sbuf s = SBUF_INIT;

	for (int i = 0; i < count; i++) {
		if (granted[i] < 0x80)
			continue;
		pthread_mutex_lock(&c->mtx);
		for (int k = 0; k < c->nsubs && filter == NULL; k++)
			if (c->subs[k].mid == mid)
				filter = xstrdup(c->subs[k].filter);
		pthread_mutex_unlock(&c->mtx);
		sbuf_printf(&s, "the broker refused the subscription to %s: "
		    "reason 0x%02x (%s); nothing published there reaches mppd",
		    filter != NULL ? filter : "?", granted[i],
		    conn_reason(granted[i]));
		msg = sbuf_steal(&s);
		log_error("mqtt %s: %s", c->name, msg);
		if (c->error_topic != NULL)
			conn_publish(c, c->error_topic, msg, strlen(msg), 1, 0);
		free(msg);
		free(filter);
		return;
	}
}

/*
 * A message arrived: the first route whose filter matches its topic takes
 * it, else the rest route (the command router, which finds its filters
 * itself), else the on_msg handler.  The routes are fixed before the
 * thread starts, so they are read without c->mtx.
 */
static void
conn_on_message(struct mosquitto *mosq, void *obj,
    const struct mosquitto_message *msg, const mosquitto_property *props)
{
	struct mqtt_conn *c = obj;

	if (msg->topic == NULL)
		return;
	for (int i = 0; i < c->nroutes; i++) {
		bool hit = false;

		if (mosquitto_topic_matches_sub(c->routes[i].filter,
		    msg->topic, &hit) == MOSQ_ERR_SUCCESS && hit) {
			c->routes[i].fn(c->routes[i].arg, c, msg, props);
			return;
		}
	}
	if (c->rest.fn != NULL)
		c->rest.fn(c->rest.arg, c, msg, props);
	else if (c->on_msg != NULL)
		c->on_msg(c->arg, c, msg, props);
}

/*
 * libmosquitto's own log (any thread): kept at debug level, and its last
 * error line (OpenSSL's reason for a failed handshake) is remembered for
 * the connection's error message.  Listened to while an attempt runs, and
 * during a session only at debug level (conn_on_connect).  Never takes
 * c->mtx (see the top).
 */
static void
conn_on_log(struct mosquitto *mosq, void *obj, int level, const char *str)
{
	struct mqtt_conn *c = obj;

	if (level & (MOSQ_LOG_ERR | MOSQ_LOG_WARNING)) {
		pthread_mutex_lock(&c->errmtx);
		snprintf(c->last_err, sizeof(c->last_err), "%s", str);
		pthread_mutex_unlock(&c->errmtx);
	}
	if (log_get_level() >= LOG_LVL_DEBUG)
		log_debug("mqtt %s: libmosquitto: %s", c->name, str);
}

void
conn_last_err(struct mqtt_conn *c, char *buf, size_t n)
{
	pthread_mutex_lock(&c->errmtx);
	snprintf(buf, n, "%s", c->last_err);
	pthread_mutex_unlock(&c->errmtx);
}

void
conn_log_listen(struct mqtt_conn *c)
{
	pthread_mutex_lock(&c->errmtx);
	c->last_err[0] = '\0';
	pthread_mutex_unlock(&c->errmtx);
	mosquitto_log_callback_set(c->mosq, conn_on_log);
}

/* Creation and settings. */

/*
 * Builds the client id: mqtt_client_id, or mpp-solar's formula; a
 * one-shot run appends "_cli{pid}" so it never kicks the daemon off.
 */
static char *
conn_make_client_id(const struct mqtt_settings *m, const char *hostname,
    int oneshot)
{
	char buf[512];
	struct sbuf s = SBUF_INIT;

	if (m->client_id != NULL && *m->client_id != '\0')
		sbuf_adds(&s, m->client_id);
	else {
		if (ident_client_id(hostname, m->broker, m->port, m->user, buf,
		    sizeof(buf)) != 0) {
			sbuf_free(&s);
			return NULL;
		}
		sbuf_adds(&s, buf);
	}
	if (oneshot)
		sbuf_printf(&s, "_cli%ld", (long)getpid());
	return sbuf_steal(&s);
}

/*
 * Applies identity, credentials, TLS, will and protocol to c->mosq.
 */
static int
conn_setup_mosq(struct mqtt_conn *c, const struct mqtt_settings *m)
{
	mosquitto_property *props = NULL;
	int rc;

	mosquitto_threaded_set(c->mosq, true);
	/* Commands and their answers are small packets: Nagle's algorithm
	 * would hold each one back until the previous one is acknowledged. */
	mosquitto_int_option(c->mosq, MOSQ_OPT_TCP_NODELAY, 1);
	mosquitto_int_option(c->mosq, MOSQ_OPT_PROTOCOL_VERSION,
	    c->protocol == 5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311);
	mosquitto_connect_v5_callback_set(c->mosq, conn_on_connect);
	mosquitto_disconnect_v5_callback_set(c->mosq, conn_on_disconnect);
	mosquitto_publish_v5_callback_set(c->mosq, conn_on_publish);
	mosquitto_subscribe_v5_callback_set(c->mosq, conn_on_subscribe);
	mosquitto_message_v5_callback_set(c->mosq, conn_on_message);
	mosquitto_log_callback_set(c->mosq, conn_on_log);

	if (m->user != NULL && *m->user != '\0') {
		rc = mosquitto_username_pw_set(c->mosq, m->user, m->pass);
		if (rc != MOSQ_ERR_SUCCESS) {
			log_error("mqtt %s: cannot set user name: %s", c->name,
			    mosquitto_strerror(rc));
			return -1;
		}
	}
	if (m->tls_ca != NULL && *m->tls_ca != '\0') {
		rc = mosquitto_tls_set(c->mosq, m->tls_ca, NULL,
		    m->tls_cert != NULL && *m->tls_cert != '\0' ? m->tls_cert :
		    NULL, m->tls_key != NULL && *m->tls_key != '\0' ?
		    m->tls_key : NULL, NULL);
		if (rc != MOSQ_ERR_SUCCESS) {
			log_error("mqtt %s: TLS setup failed (CA file %s, "
			    "certificate %s, key %s): %s", c->name, m->tls_ca,
			    m->tls_cert ? m->tls_cert : "none",
			    m->tls_key ? m->tls_key : "none",
			    mosquitto_strerror(rc));
			return -1;
		}
		if (m->tls_insecure)
			mosquitto_tls_insecure_set(c->mosq, true);
		c->tls = 1;
	}
	if (!c->oneshot) {
		rc = mosquitto_will_set(c->mosq, c->status_topic, 7, "offline",
		    1, true);
		if (rc != MOSQ_ERR_SUCCESS) {
			log_error("mqtt %s: cannot set the last will on %s: %s",
			    c->name, c->status_topic, mosquitto_strerror(rc));
			return -1;
		}
	}
	if (c->protocol == 5 && !c->oneshot) {
		/*
		 * A persistent MQTT 5 session needs a Session Expiry Interval
		 * (clean_start=false alone ends the session at disconnect and
		 * loses queued commands).  libmosquitto only takes CONNECT
		 * properties through the blocking mosquitto_connect_bind_v5,
		 * which stores them before it validates the port: an invalid
		 * port stores them without touching the network, and the
		 * non-blocking connects of the network thread then send them.
		 * (A blocking connect to an unreachable broker would hold up
		 * shutdown for the kernel's TCP timeout, about 2 minutes.)
		 */
		mosquitto_property_add_int32(&props,
		    MQTT_PROP_SESSION_EXPIRY_INTERVAL, CONN_SESSION_EXPIRY);
		mosquitto_property_add_int32(&props,
		    MQTT_PROP_MAXIMUM_PACKET_SIZE, CONN_MAX_PACKET);
		rc = mosquitto_connect_bind_v5(c->mosq, c->host, -1,
		    c->keepalive, NULL, props);
		mosquitto_property_free_all(&props);
		if (rc != MOSQ_ERR_INVAL) {
			log_error("mqtt %s: cannot set the session expiry: %s",
			    c->name, mosquitto_strerror(rc));
			return -1;
		}
	}
	return 0;
}

/*
 * Creates a connection (nothing started); NULL on error (logged).
 */
struct mqtt_conn *
conn_new(const struct mqtt_settings *m, const char *hostname, int oneshot)
{
	struct mqtt_conn *c;
	struct sbuf s = SBUF_INIT;
	pthread_condattr_t ca;

	pthread_once(&conn_lib_once, conn_lib_init);
	if (hostname == NULL)
		hostname = ident_hostname(m);
	c = xcalloc(1, sizeof(*c));
	c->host = xstrdup(m->broker != NULL && *m->broker != '\0' ?
	    m->broker : "localhost");
	c->port = m->port > 0 ? m->port : 1883;
	c->user = conn_strdup_or_null(m->user);
	c->keepalive = m->keepalive;
	if (c->keepalive != 0 && c->keepalive < 5)
		c->keepalive = 5;
	if (c->keepalive > 65535)
		c->keepalive = 65535;
	c->protocol = m->protocol == 5 ? 5 : 4;
	c->oneshot = oneshot != 0;
	c->rmin = m->reconnect_min > 0 ? m->reconnect_min : 1;
	c->rmax = m->reconnect_max >= c->rmin ? m->reconnect_max : c->rmin;
	c->ob = ob_new(m->queue_max);
	c->cfg_max_packet = m->max_packet > 0 ? (size_t)m->max_packet : 0;
	ob_set_max_packet(c->ob, c->cfg_max_packet);
	sbuf_printf(&s, "%s:%d", c->host, c->port);
	c->name = sbuf_steal(&s);
	sbuf_printf(&s, "%s/mppd/status", hostname);
	c->status_topic = sbuf_steal(&s);
	if (!oneshot) {
		sbuf_printf(&s, "%s/mppd/error", hostname);
		c->error_topic = sbuf_steal(&s);
	}
	pthread_mutex_init(&c->mtx, NULL);
	pthread_mutex_init(&c->errmtx, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c->cv, &ca);
	pthread_condattr_destroy(&ca);

	if ((c->client_id = conn_make_client_id(m, hostname, oneshot)) ==
	    NULL) {
		log_error("mqtt %s: cannot compute the client id", c->name);
		goto error;
	}
	/* Each connection its own jitter sequence (a fleet restarting
	 * together must not retry in lock step). */
	c->seed = (uint32_t)getpid() ^ (uint32_t)mono_ms() ^
	    (uint32_t)(uintptr_t)c;
	for (const char *p = c->client_id; *p != '\0'; p++)
		c->seed = c->seed * 31 + (unsigned char)*p;

	c->mosq = mosquitto_new(c->client_id, oneshot ? true : false, c);
	if (c->mosq == NULL) {
		log_error("mqtt %s: cannot create the client %s: %s", c->name,
		    c->client_id, strerror(errno));
		goto error;
	}
	if (conn_setup_mosq(c, m) == -1)
		goto error;
	return c;
error:
	conn_free(c);
	return NULL;
}

const char *
conn_client_id(const struct mqtt_conn *c)
{
	return c->client_id;
}

const char *
conn_name(const struct mqtt_conn *c)
{
	return c->name;
}

/* The registry's key: broker host, port and user name. */
int
conn_same_broker(const struct mqtt_conn *c, const struct mqtt_settings *m)
{
	const char *host = m->broker != NULL && *m->broker != '\0' ?
	    m->broker : "localhost";
	int port = m->port > 0 ? m->port : 1883;

	return strcmp(c->host, host) == 0 && c->port == port &&
	    conn_streq(c->user, m->user);
}

int
conn_protocol(const struct mqtt_conn *c)
{
	return c->protocol;
}

void
conn_set_handlers(struct mqtt_conn *c, conn_msg_fn on_msg, conn_up_fn on_up,
    void *arg)
{
	c->on_msg = on_msg;
	c->on_up = on_up;
	c->arg = arg;
}

int
conn_is_connected(struct mqtt_conn *c)
{
	int up;

	pthread_mutex_lock(&c->mtx);
	up = c->connected;
	pthread_mutex_unlock(&c->mtx);
	return up;
}

/*
 * Remembers filter (a second call for the same filter updates its QoS)
 * and subscribes now when connected.
 */
static int conn_sub_add(struct mqtt_conn *, const char *, int, int);

int
conn_subscribe(struct mqtt_conn *c, const char *filter, int qos)
{
	return conn_sub_add(c, filter, qos, 0);
}

int
conn_subscribe_others(struct mqtt_conn *c, const char *filter, int qos)
{
	return conn_sub_add(c, filter, qos, 1);
}

static int
conn_sub_add(struct mqtt_conn *c, const char *filter, int qos, int no_local)
{
	int i, rc;

	if (filter == NULL || qos < 0 || qos > 2 ||
	    mosquitto_validate_utf8(filter, (int)strlen(filter)) !=
	    MOSQ_ERR_SUCCESS ||
	    mosquitto_sub_topic_check(filter) != MOSQ_ERR_SUCCESS) {
		log_error("mqtt %s: invalid subscription \"%s\" (QoS %d)",
		    c->name, filter ? filter : "(null)", qos);
		return -1;
	}
	pthread_mutex_lock(&c->mtx);
	for (i = 0; i < c->nsubs; i++)
		if (strcmp(c->subs[i].filter, filter) == 0)
			break;
	if (i == c->nsubs) {
		c->subs = xrealloc(c->subs, (size_t)(c->nsubs + 1) *
		    sizeof(*c->subs));
		c->subs[i].filter = xstrdup(filter);
		c->nsubs++;
	}
	c->subs[i].qos = qos;
	c->subs[i].no_local = no_local;
	if (c->connected) {
		rc = conn_sub_send(c, c->mosq, &c->subs[i]);
		if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_NO_CONN)
			log_warn("mqtt %s: cannot subscribe to %s: %s", c->name,
			    filter, mosquitto_strerror(rc));
	}
	pthread_mutex_unlock(&c->mtx);
	return 0;
}

int
conn_route(struct mqtt_conn *c, const char *filter, conn_msg_fn fn, void *arg)
{
	if (filter == NULL || fn == NULL || c->started ||
	    mosquitto_sub_topic_check(filter) != MOSQ_ERR_SUCCESS) {
		log_error("mqtt %s: invalid route \"%s\"", c->name,
		    filter ? filter : "(null)");
		return -1;
	}
	for (int i = 0; i < c->nroutes; i++)
		if (strcmp(c->routes[i].filter, filter) == 0 &&
		    c->routes[i].fn == fn && c->routes[i].arg == arg)
			return 0;
	c->routes = xrealloc(c->routes, (size_t)(c->nroutes + 1) *
	    sizeof(*c->routes));
	c->routes[c->nroutes].filter = xstrdup(filter);
	c->routes[c->nroutes].fn = fn;
	c->routes[c->nroutes].arg = arg;
	c->nroutes++;
	return 0;
}

int
conn_route_rest(struct mqtt_conn *c, conn_msg_fn fn, void *arg)
{
	if (fn == NULL || c->started || (c->rest.fn != NULL &&
	    (c->rest.fn != fn || c->rest.arg != arg))) {
		log_error("mqtt %s: cannot route the remaining messages: %s",
		    c->name, c->started ? "already started" : fn == NULL ?
		    "no handler" : "another consumer takes them");
		return -1;
	}
	c->rest.fn = fn;
	c->rest.arg = arg;
	return 0;
}

int
conn_publish(struct mqtt_conn *c, const char *topic, const void *payload,
    size_t len, int qos, int retain)
{
	return conn_publish_corr(c, topic, payload, len, qos, retain, NULL, 0);
}

/*
 * QoS 0 while disconnected: the pre-connect buffer.  QoS 1/2: libmosquitto
 * (it queues while disconnected); beyond queue_max unacknowledged ones a
 * non-retained message is refused.  Retained QoS 1/2 messages (command
 * responses, discovery, cleared commands) are always accepted: losing one
 * would break "every command gets exactly one response".
 */
int
conn_publish_corr(struct mqtt_conn *c, const char *topic, const void *payload,
    size_t len, int qos, int retain, const void *corr, size_t corrlen)
{
	enum ob_verdict verdict;
	int64_t now;
	int rc;

	if (conn_check_message(topic, len, qos) == -1 ||
	    (payload == NULL && len > 0) || corrlen > UINT16_MAX) {
		log_warn("mqtt %s: message refused: invalid topic \"%s\", "
		    "QoS %d or size %zu", c->name, topic ? topic : "(null)",
		    qos, len);
		return -1;
	}
	if (c->protocol != 5)
		corrlen = 0;
	pthread_mutex_lock(&c->mtx);
	if (qos == 0 && !c->connected && ob_admit(c->ob, 0, retain,
	    ob_packet_size(c->protocol, strlen(topic), len, 0, 0)) ==
	    OB_ADMIT) {
		rc = conn_prebuf_push(c, topic, payload, len, retain, corr,
		    corrlen);
		pthread_mutex_unlock(&c->mtx);
		if (rc == -1)
			log_warn("mqtt %s: message to %s refused: %zu bytes do "
			    "not fit the offline buffer", c->name, topic, len);
		return rc;
	}
	verdict = ob_admit(c->ob, qos, retain, ob_packet_size(c->protocol,
	    strlen(topic), len, qos, corr != NULL && corrlen > 0 ?
	    3 + corrlen : 0));
	if (verdict == OB_TOO_BIG) {
		size_t max = ob_max_packet(c->ob);

		pthread_mutex_unlock(&c->mtx);
		log_warn("mqtt %s: message to %s refused: %zu bytes do not fit "
		    "the broker's maximum packet size (%zu bytes)", c->name,
		    topic, len, max);
		return CONN_TOO_BIG;
	}
	if (verdict == OB_FULL) {
		c->q1_refused++;
		now = mono_ms();
		if (c->q1_warn_ms == 0 || now - c->q1_warn_ms >=
		    CONN_WARN_EVERY_MS) {
			log_warn("mqtt %s: %d QoS %d message(s) await the "
			    "broker (mqtt_queue_max): %ld message(s) refused",
			    c->name, ob_awaiting(c->ob), qos, c->q1_refused);
			c->q1_warn_ms = now;
			c->q1_refused = 0;
		}
		pthread_mutex_unlock(&c->mtx);
		return -1;
	}
	if (qos > 0 && c->connecting) {
		ob_defer(c->ob, topic, payload, len, qos, retain, corr,
		    corrlen);
		pthread_mutex_unlock(&c->mtx);
		return 0;
	}
	rc = conn_pub_locked(c, topic, payload, len, qos, retain, corr,
	    corrlen);
	if (rc == MOSQ_ERR_NO_CONN && qos == 0)
		/* Lost a moment ago; on_disconnect has not run yet. */
		rc = conn_prebuf_push(c, topic, payload, len, retain, corr,
		    corrlen) == 0 ? MOSQ_ERR_SUCCESS : MOSQ_ERR_PAYLOAD_SIZE;
	pthread_mutex_unlock(&c->mtx);
	if (rc != MOSQ_ERR_SUCCESS) {
		log_warn("mqtt %s: cannot publish to %s: %s", c->name, topic,
		    mosquitto_strerror(rc));
		return -1;
	}
	return 0;
}

size_t
conn_max_packet(struct mqtt_conn *c)
{
	size_t max;

	pthread_mutex_lock(&c->mtx);
	max = ob_max_packet(c->ob);
	pthread_mutex_unlock(&c->mtx);
	return max;
}

unsigned long
conn_session(const struct mqtt_conn *c)
{
	return c->session;
}

/* Messages not yet delivered.  mtx held. */
int
conn_pending_count(const struct mqtt_conn *c)
{
	return ob_pending(c->ob);
}

void
conn_free(struct mqtt_conn *c)
{
	if (c == NULL)
		return;
	if (c->started && !c->stopped)
		conn_stop(c, 0);
	if (c->mosq != NULL)
		mosquitto_destroy(c->mosq);
	ob_free(c->ob);
	for (int i = 0; i < c->nsubs; i++)
		free(c->subs[i].filter);
	free(c->subs);
	for (int i = 0; i < c->nroutes; i++)
		free(c->routes[i].filter);
	free(c->routes);
	free(c->host);
	free(c->user);
	free(c->client_id);
	free(c->name);
	free(c->status_topic);
	free(c->error_topic);
	pthread_mutex_destroy(&c->mtx);
	pthread_mutex_destroy(&c->errmtx);
	pthread_cond_destroy(&c->cv);
	free(c);
}

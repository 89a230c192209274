/*
 * mqtt_conn.c - one MQTT connection per broker (see mqtt_conn.h).
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
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mosquitto.h>
#include <mqtt_protocol.h>

#include "clock.h"
#include "backoff.h"
#include "config.h"
#include "ident.h"
#include "log.h"
#include "mqtt_conn.h"
#include "sbuf.h"

/* QoS 0 messages kept while disconnected (oldest dropped beyond this). */
#define CONN_PREBUF_MAX		2048
#define CONN_PREBUF_BYTES	(1024 * 1024)
/* MQTT 5 Session Expiry Interval: queued commands survive 7 days offline. */
#define CONN_SESSION_EXPIRY	(7 * 24 * 3600)
/*
 * MQTT 5 Maximum Packet Size we announce: libmosquitto allocates every
 * incoming packet at the size the broker announces (up to 256 MiB; its
 * client has no limit of its own), and nothing mppd subscribes to needs
 * more than a few KiB.  The broker discards larger packets for us.
 */
#define CONN_MAX_PACKET		(256 * 1024)
/* mosquitto_loop() timeout: bounds how late a stop request is seen. */
#define CONN_LOOP_MS		200
/* After DISCONNECT is queued: time allowed to write it. */
#define CONN_DISC_GRACE_MS	1000
/* At most one "queue full" warning per this many ms. */
#define CONN_WARN_EVERY_MS	10000
#define CONN_MID_BYTES		(65536 / 8)

struct conn_pending {
	struct conn_pending	*next;
	char			*topic;
	void			*payload;
	size_t			 len;
	void			*corr;
	size_t			 corrlen;
	int			 qos;
	int			 retain;
};

struct conn_sub {
	char	*filter;
	int	 qos;
};

/* How the last connection attempt ended (network thread only). */
struct conn_attempt {
	int	 connack;	/* CONNACK success seen */
	int64_t	 up_ms;		/* when */
	int	 refused;	/* CONNACK reason code, 0 = none */
	int	 disc_rc;	/* on_disconnect rc, -1 = not called */
	int	 err_no;	/* errno when the connection ended */
};

struct mqtt_conn {
	/* Immutable after conn_new(). */
	struct mosquitto	*mosq;
	char			*host;
	int			 port;
	char			*user;
	int			 keepalive;
	int			 protocol;	/* 4 or 5 */
	int			 tls;
	int			 oneshot;
	double			 rmin, rmax;
	int			 queue_max;
	char			*client_id;
	char			*name;		/* "host:port" */
	char			*status_topic;
	conn_msg_fn		 on_msg;
	conn_up_fn		 on_up;
	void			*arg;

	/* Main thread only. */
	pthread_t		 thread;
	int			 started;
	int			 stopped;

	/* Network thread only. */
	struct conn_attempt	 att;
	uint32_t		 seed;

	pthread_mutex_t		 mtx;
	pthread_cond_t		 cv;
	/* Under mtx. */
	int			 connected;	/* CONNACK seen, not yet lost */
	int			 stopping;
	int64_t			 deadline_ms;	/* of the stop flush */
	int			 finished;	/* network thread done */
	int			 undelivered;	/* set when finished */
	struct conn_sub		*subs;
	int			 nsubs;
	struct conn_pending	*pre_head, *pre_tail;
	int			 pre_n;
	/*
	 * QoS 1/2 messages published while the network thread is inside
	 * mosquitto_(re)connect_async (connecting != 0), handed to
	 * libmosquitto once it has returned: see conn_win_flush().
	 */
	int			 connecting;
	struct conn_pending	*win_head, *win_tail;
	int			 win_n;
	size_t			 pre_bytes;
	long			 pre_dropped;
	int64_t			 pre_warn_ms;
	int64_t			 q1_warn_ms;
	long			 q1_refused;
	/* Published, not yet reported by on_publish, by mid. */
	uint8_t			 q0map[CONN_MID_BYTES];
	uint8_t			 q1map[CONN_MID_BYTES];
	int			 n_q0;	/* QoS 0 in libmosquitto, unwritten */
	int			 n_q1;	/* QoS 1/2 not yet acknowledged */

	pthread_mutex_t		 errmtx;
	char			 last_err[256];	/* libmosquitto's last error */
};

struct conn_registry {
	int			 oneshot;
	struct mqtt_conn	**v;
	int			 n;
};

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

/* mid bitmaps: set returns 0 when the bit was already set. */
static int
conn_mid_set(uint8_t *map, int mid)
{
	uint8_t bit = (uint8_t)(1u << (mid & 7));

	if (map[(mid >> 3) & (CONN_MID_BYTES - 1)] & bit)
		return 0;
	map[(mid >> 3) & (CONN_MID_BYTES - 1)] |= bit;
	return 1;
}

static int
conn_mid_clear(uint8_t *map, int mid)
{
	uint8_t bit = (uint8_t)(1u << (mid & 7));

	if (!(map[(mid >> 3) & (CONN_MID_BYTES - 1)] & bit))
		return 0;
	map[(mid >> 3) & (CONN_MID_BYTES - 1)] &= (uint8_t)~bit;
	return 1;
}

/*
 * A connection's QoS 0 messages queued in libmosquitto are discarded when
 * the connection is lost (no on_publish will come): forget them.  mtx held.
 */
static void
conn_forget_q0(struct mqtt_conn *c)
{
	if (c->n_q0 > 0)
		log_debug("mqtt %s: %d QoS 0 message(s) lost with the "
		    "connection", c->name, c->n_q0);
	memset(c->q0map, 0, sizeof(c->q0map));
	c->n_q0 = 0;
}

static void
conn_pending_free(struct conn_pending *p)
{
	free(p->topic);
	free(p->payload);
	free(p->corr);
	free(p);
}

/* A copy of one message for a later conn_pub_locked(). */
static struct conn_pending *
conn_pending_new(const char *topic, const void *payload, size_t len, int qos,
    int retain, const void *corr, size_t corrlen)
{
	struct conn_pending *p = xcalloc(1, sizeof(*p));

	p->topic = xstrdup(topic);
	if (len > 0) {
		p->payload = xmalloc(len);
		memcpy(p->payload, payload, len);
	}
	p->len = len;
	if (corr != NULL && corrlen > 0) {
		p->corr = xmalloc(corrlen);
		memcpy(p->corr, corr, corrlen);
		p->corrlen = corrlen;
	}
	p->qos = qos;
	p->retain = retain;
	return p;
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
static int
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
	if (qos > 0) {
		if (conn_mid_set(c->q1map, mid))
			c->n_q1++;
	} else if (conn_mid_set(c->q0map, mid))
		c->n_q0++;
	return MOSQ_ERR_SUCCESS;
}

/*
 * Appends a QoS 0 message to the pre-connect buffer, dropping the oldest
 * when full.  mtx held.  Returns 0, or -1 when the message alone is larger
 * than the buffer.
 */
static int
conn_prebuf_push(struct mqtt_conn *c, const char *topic, const void *payload,
    size_t len, int retain, const void *corr, size_t corrlen)
{
	struct conn_pending *p;
	size_t sz = strlen(topic) + len + corrlen;
	int64_t now;

	if (sz > CONN_PREBUF_BYTES)
		return -1;
	while (c->pre_head != NULL && (c->pre_n >= CONN_PREBUF_MAX ||
	    c->pre_bytes + sz > CONN_PREBUF_BYTES)) {
		p = c->pre_head;
		c->pre_head = p->next;
		if (c->pre_head == NULL)
			c->pre_tail = NULL;
		c->pre_n--;
		c->pre_bytes -= strlen(p->topic) + p->len + p->corrlen;
		conn_pending_free(p);
		c->pre_dropped++;
	}
	now = mono_ms();
	if (c->pre_dropped > 0 && (c->pre_warn_ms == 0 ||
	    now - c->pre_warn_ms >= CONN_WARN_EVERY_MS)) {
		log_warn("mqtt %s: not connected and the QoS 0 buffer is full "
		    "(%d messages or %d bytes): %ld oldest message(s) dropped",
		    c->name, CONN_PREBUF_MAX, CONN_PREBUF_BYTES,
		    c->pre_dropped);
		c->pre_dropped = 0;
		c->pre_warn_ms = now;
	}
	p = conn_pending_new(topic, payload, len, 0, retain, corr, corrlen);
	if (c->pre_tail != NULL)
		c->pre_tail->next = p;
	else
		c->pre_head = p;
	c->pre_tail = p;
	c->pre_n++;
	c->pre_bytes += sz;
	return 0;
}

/*
 * Sends the pre-connect buffer, oldest first; stops (keeping the rest) if
 * the connection is already gone again.  mtx held.
 */
static void
conn_prebuf_flush(struct mqtt_conn *c)
{
	struct conn_pending *p;
	int rc;

	while ((p = c->pre_head) != NULL) {
		rc = conn_pub_locked(c, p->topic, p->payload, p->len, 0,
		    p->retain, p->corr, p->corrlen);
		if (rc == MOSQ_ERR_NO_CONN)
			return;
		if (rc != MOSQ_ERR_SUCCESS)
			log_warn("mqtt %s: buffered message to %s dropped: %s",
			    c->name, p->topic, mosquitto_strerror(rc));
		c->pre_head = p->next;
		if (c->pre_head == NULL)
			c->pre_tail = NULL;
		c->pre_n--;
		c->pre_bytes -= strlen(p->topic) + p->len + p->corrlen;
		conn_pending_free(p);
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
static void
conn_win_flush(struct mqtt_conn *c)
{
	struct conn_pending *p;
	int rc;

	while ((p = c->win_head) != NULL) {
		rc = conn_pub_locked(c, p->topic, p->payload, p->len, p->qos,
		    p->retain, p->corr, p->corrlen);
		if (rc != MOSQ_ERR_SUCCESS)
			log_warn("mqtt %s: cannot publish to %s: %s", c->name,
			    p->topic, mosquitto_strerror(rc));
		c->win_head = p->next;
		if (c->win_head == NULL)
			c->win_tail = NULL;
		c->win_n--;
		conn_pending_free(p);
	}
}

/* Network-thread callbacks. */

static int
conn_refusal_is_auth(int rc)
{
	return rc == CONNACK_REFUSED_BAD_USERNAME_PASSWORD ||
	    rc == CONNACK_REFUSED_NOT_AUTHORIZED ||
	    rc == MQTT_RC_BAD_USERNAME_OR_PASSWORD ||
	    rc == MQTT_RC_NOT_AUTHORIZED;
}

static int
conn_refusal_is_id(int rc)
{
	return rc == CONNACK_REFUSED_IDENTIFIER_REJECTED ||
	    rc == MQTT_RC_CLIENTID_NOT_VALID;
}

static const char *
conn_refusal_string(const struct mqtt_conn *c, int rc)
{
	return c->protocol == 5 ? mosquitto_reason_string(rc) :
	    mosquitto_connack_string(rc);
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

	pthread_mutex_lock(&c->mtx);
	if (!c->oneshot) {
		rc = conn_pub_locked(c, c->status_topic, "online", 6, 1, 1,
		    NULL, 0);
		if (rc != MOSQ_ERR_SUCCESS)
			log_warn("mqtt %s: cannot publish %s: %s", c->name,
			    c->status_topic, mosquitto_strerror(rc));
	}
	for (int i = 0; i < c->nsubs; i++) {
		rc = mosquitto_subscribe(mosq, NULL, c->subs[i].filter,
		    c->subs[i].qos);
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

static void
conn_on_publish(struct mosquitto *mosq, void *obj, int mid)
{
	struct mqtt_conn *c = obj;

	pthread_mutex_lock(&c->mtx);
	if (conn_mid_clear(c->q1map, mid))
		c->n_q1--;
	else if (conn_mid_clear(c->q0map, mid))
		c->n_q0--;
	pthread_mutex_unlock(&c->mtx);
}

static void
conn_on_message(struct mosquitto *mosq, void *obj,
    const struct mosquitto_message *msg, const mosquitto_property *props)
{
	struct mqtt_conn *c = obj;

	if (c->on_msg != NULL)
		c->on_msg(c->arg, c, msg, props);
}

/*
 * libmosquitto's own log (any thread): kept at debug level, and its last
 * error line (OpenSSL's reason for a failed handshake) is remembered for
 * the connection's error message.  Never takes c->mtx (see the top).
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

static void
conn_last_err(struct mqtt_conn *c, char *buf, size_t n)
{
	pthread_mutex_lock(&c->errmtx);
	snprintf(buf, n, "%s", c->last_err);
	pthread_mutex_unlock(&c->errmtx);
}

/* Creation and settings. */

/*
 * Builds the client id: mqtt_client_id, or the reference's formula; a
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
	mosquitto_publish_callback_set(c->mosq, conn_on_publish);
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
	c->queue_max = m->queue_max > 0 ? m->queue_max : 1000;
	sbuf_printf(&s, "%s:%d", c->host, c->port);
	c->name = sbuf_steal(&s);
	sbuf_printf(&s, "%s/mppd/status", hostname);
	c->status_topic = sbuf_steal(&s);
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
int
conn_subscribe(struct mqtt_conn *c, const char *filter, int qos)
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
	if (c->connected) {
		rc = mosquitto_subscribe(c->mosq, NULL, filter, qos);
		if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_NO_CONN)
			log_warn("mqtt %s: cannot subscribe to %s: %s", c->name,
			    filter, mosquitto_strerror(rc));
	}
	pthread_mutex_unlock(&c->mtx);
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
	if (qos == 0 && !c->connected) {
		rc = conn_prebuf_push(c, topic, payload, len, retain, corr,
		    corrlen);
		pthread_mutex_unlock(&c->mtx);
		if (rc == -1)
			log_warn("mqtt %s: message to %s refused: %zu bytes do "
			    "not fit the offline buffer", c->name, topic, len);
		return rc;
	}
	if (qos > 0 && !retain && c->n_q1 + c->win_n >= c->queue_max) {
		c->q1_refused++;
		now = mono_ms();
		if (c->q1_warn_ms == 0 || now - c->q1_warn_ms >=
		    CONN_WARN_EVERY_MS) {
			log_warn("mqtt %s: %d QoS %d message(s) await the "
			    "broker (mqtt_queue_max): %ld message(s) refused",
			    c->name, c->n_q1 + c->win_n, qos, c->q1_refused);
			c->q1_warn_ms = now;
			c->q1_refused = 0;
		}
		pthread_mutex_unlock(&c->mtx);
		return -1;
	}
	if (qos > 0 && c->connecting) {
		struct conn_pending *p = conn_pending_new(topic, payload, len,
		    qos, retain, corr, corrlen);
		if (c->win_tail != NULL)
			c->win_tail->next = p;
		else
			c->win_head = p;
		c->win_tail = p;
		c->win_n++;
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

/* The network thread. */

/* Messages not yet delivered.  mtx held. */
static int
conn_pending_count(const struct mqtt_conn *c)
{
	return c->pre_n + c->win_n + c->n_q0 + c->n_q1;
}

/*
 * 1 when the network thread should end now without a connection: stop
 * requested and either a daemon, or a one-shot run that has nothing left
 * to send or has run out of time.  mtx held.
 */
static int
conn_should_quit_locked(const struct mqtt_conn *c, int64_t now)
{
	if (!c->stopping)
		return 0;
	return !c->oneshot || now >= c->deadline_ms ||
	    conn_pending_count(c) == 0;
}

/*
 * Sleeps secs, or less when a stop request makes the wait pointless.
 * Returns 1 when the thread should end.
 */
static int
conn_sleep(struct mqtt_conn *c, double secs)
{
	int64_t now = mono_ms(), until = now + (int64_t)(secs * 1000), t;
	struct timespec ts;
	int quit = 0;

	pthread_mutex_lock(&c->mtx);
	for (;;) {
		if ((quit = conn_should_quit_locked(c, now)) != 0)
			break;
		t = until;
		if (c->stopping && c->deadline_ms < t)
			t = c->deadline_ms;
		if (now >= t)
			break;
		ts.tv_sec = t / 1000;
		ts.tv_nsec = (t % 1000) * 1000000;
		/* The condvar's clock is CLOCK_MONOTONIC, like now. */
		pthread_cond_timedwait(&c->cv, &c->mtx, &ts);
		now = mono_ms();
	}
	pthread_mutex_unlock(&c->mtx);
	return quit;
}

/*
 * Ends a stopping, connected session: "offline" (daemon; a clean
 * disconnect does not fire the will), DISCONNECT, and enough loop turns to
 * write both.
 */
static void
conn_disconnect(struct mqtt_conn *c)
{
	int64_t until;
	int rc;

	if (!c->oneshot) {
		pthread_mutex_lock(&c->mtx);
		rc = conn_pub_locked(c, c->status_topic, "offline", 7, 1, 1,
		    NULL, 0);
		pthread_mutex_unlock(&c->mtx);
		if (rc != MOSQ_ERR_SUCCESS)
			log_warn("mqtt %s: cannot publish %s: %s", c->name,
			    c->status_topic, mosquitto_strerror(rc));
	}
	if (c->protocol == 5)
		rc = mosquitto_disconnect_v5(c->mosq,
		    MQTT_RC_NORMAL_DISCONNECTION, NULL);
	else
		rc = mosquitto_disconnect(c->mosq);
	if (rc != MOSQ_ERR_SUCCESS)
		return;
	until = mono_ms() + CONN_DISC_GRACE_MS;
	while (mono_ms() < until)
		if (mosquitto_loop(c->mosq, CONN_LOOP_MS, 1) !=
		    MOSQ_ERR_SUCCESS)
			break;
}

/*
 * A broker that uses Nagle's algorithm (mosquitto's default) holds its next
 * packet until we acknowledge the last one, and a delayed ACK takes up to
 * 40 ms: acknowledge at once.  Linux clears the mode by itself, so it is set
 * again after every read.
 */
static void
conn_quickack(struct mqtt_conn *c)
{
	int fd = mosquitto_socket(c->mosq), one = 1;

	if (fd >= 0)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
}

/*
 * Runs one connection until it ends (returns 0) or a stop request is
 * complete (returns 1).  Stopping while connected: wait until every
 * message is delivered or the deadline passes, then disconnect cleanly.
 */
static int
conn_run(struct mqtt_conn *c)
{
	int64_t now;
	int rc, up, quit;

	for (;;) {
		rc = mosquitto_loop(c->mosq, CONN_LOOP_MS, 1);
		conn_quickack(c);
		if (rc != MOSQ_ERR_SUCCESS) {
			if (c->att.disc_rc < 0) {
				c->att.err_no = errno;
				c->att.disc_rc = rc;
			}
			return 0;
		}
		now = mono_ms();
		pthread_mutex_lock(&c->mtx);
		up = c->connected;
		if (up)
			quit = c->stopping && (now >= c->deadline_ms ||
			    conn_pending_count(c) == 0);
		else
			quit = conn_should_quit_locked(c, now);
		if (quit)
			c->undelivered = conn_pending_count(c);
		pthread_mutex_unlock(&c->mtx);
		if (quit) {
			if (up)
				conn_disconnect(c);
			return 1;
		}
	}
}

/*
 * A MOSQ_ERR_* code in words, without libmosquitto's final period.
 */
static void
conn_describe(char *buf, size_t n, int rc, int err_no)
{
	size_t len;

	if (rc == MOSQ_ERR_ERRNO)
		snprintf(buf, n, "%s", strerror(err_no));
	else if (rc == MOSQ_ERR_EAI)
		snprintf(buf, n, "host name lookup failed");
	else
		snprintf(buf, n, "%s", mosquitto_strerror(rc));
	len = strlen(buf);
	if (len > 0 && buf[len - 1] == '.')
		buf[len - 1] = '\0';
}

/*
 * Logs how an attempt ended and returns the next backoff delay.
 * rc: the connect call's or the loop's last result.
 */
static double
conn_attempt_end(struct mqtt_conn *c, int rc, int err_no, double delay,
    double *wait)
{
	struct conn_attempt *a = &c->att;
	char why[300], ssl[256];
	double up_s, next;

	conn_last_err(c, ssl, sizeof(ssl));
	conn_describe(why, sizeof(why), rc, err_no);

	if (a->connack) {
		up_s = (double)(mono_ms() - a->up_ms) / 1000.0;
		if (a->disc_rc == MQTT_RC_SESSION_TAKEN_OVER) {
			next = backoff_next(delay, c->rmin, c->rmax);
			*wait = backoff_jitter(next, BACKOFF_JITTER, c->rmax,
			    &c->seed);
			log_warn("mqtt %s: session taken over: another client "
			    "connected with client id %s (set mqtt_client_id "
			    "or mqtt_hostname to tell them apart); "
			    "reconnecting in %.1f s", c->name, c->client_id,
			    *wait);
			return next;
		}
		if (a->disc_rc >= 128)
			snprintf(why, sizeof(why), "disconnected by the "
			    "broker: %s", mosquitto_reason_string(a->disc_rc));
		else if (a->disc_rc == MOSQ_ERR_KEEPALIVE)
			snprintf(why, sizeof(why), "no answer from the broker "
			    "within the keepalive (%d s)", c->keepalive);
		else if (a->disc_rc > 0)
			conn_describe(why, sizeof(why), a->disc_rc, err_no);
		next = backoff_after_session(delay, up_s, BACKOFF_STABLE_S,
		    c->rmin, c->rmax);
		*wait = backoff_jitter(next, BACKOFF_JITTER, c->rmax,
		    &c->seed);
		if (up_s < BACKOFF_STABLE_S && a->disc_rc == MOSQ_ERR_CONN_LOST)
			/* MQTT 3.1.1 (and mosquitto < 2.0.12 even with MQTT 5)
			 * just closes the socket of a client taken over. */
			snprintf(why, sizeof(why), "closed by the broker "
			    "%.1f s after connecting (broker restart, or "
			    "another client using client id %s?)", up_s,
			    c->client_id);
		log_warn("mqtt %s: connection lost (client id %s): %s; "
		    "reconnecting in %.1f s", c->name, c->client_id, why,
		    *wait);
		return next;
	}
	if (a->refused != 0) {
		if (conn_refusal_is_auth(a->refused) ||
		    conn_refusal_is_id(a->refused)) {
			next = c->rmax;
			*wait = backoff_jitter(next, BACKOFF_JITTER, c->rmax,
			    &c->seed);
			log_error("mqtt %s: the broker refused the connection: "
			    "%s (%s %s, client id %s); retrying in %.0f s",
			    c->name, conn_refusal_string(c, a->refused),
			    c->user ? "user" : "no user name",
			    c->user ? c->user : "set", c->client_id, *wait);
			return next;
		}
		next = backoff_next(delay, c->rmin, c->rmax);
		*wait = backoff_jitter(next, BACKOFF_JITTER, c->rmax, &c->seed);
		log_error("mqtt %s: the broker refused the connection: %s; "
		    "retrying in %.1f s", c->name,
		    conn_refusal_string(c, a->refused), *wait);
		return next;
	}
	if (c->tls && (rc == MOSQ_ERR_TLS || a->disc_rc == MOSQ_ERR_TLS ||
	    strstr(ssl, "SSL") != NULL)) {
		next = c->rmax;
		*wait = backoff_jitter(next, BACKOFF_JITTER, c->rmax, &c->seed);
		log_error("mqtt %s: TLS error: %s; retrying in %.0f s", c->name,
		    ssl[0] != '\0' ? ssl : why, *wait);
		return next;
	}
	if (a->disc_rc == MOSQ_ERR_KEEPALIVE)
		snprintf(why, sizeof(why), "no answer within %d s",
		    c->keepalive);
	else if (a->disc_rc > 0 && a->disc_rc != rc)
		conn_describe(why, sizeof(why), a->disc_rc, err_no);
	next = backoff_next(delay, c->rmin, c->rmax);
	*wait = backoff_jitter(next, BACKOFF_JITTER, c->rmax, &c->seed);
	log_warn("mqtt %s: cannot connect: %s; retrying in %.1f s", c->name,
	    why, *wait);
	return next;
}

static void *
conn_thread(void *arg)
{
	struct mqtt_conn *c = arg;
	double delay = 0, wait;
	int first = 1, rc, err_no, quit;

	for (;;) {
		pthread_mutex_lock(&c->mtx);
		quit = conn_should_quit_locked(c, mono_ms());
		if (quit)
			c->undelivered = conn_pending_count(c);
		pthread_mutex_unlock(&c->mtx);
		if (quit)
			break;

		memset(&c->att, 0, sizeof(c->att));
		c->att.disc_rc = -1;
		pthread_mutex_lock(&c->errmtx);
		c->last_err[0] = '\0';
		pthread_mutex_unlock(&c->errmtx);

		pthread_mutex_lock(&c->mtx);
		c->connecting = 1;
		pthread_mutex_unlock(&c->mtx);
		errno = 0;
		if (first)
			rc = mosquitto_connect_async(c->mosq, c->host, c->port,
			    c->keepalive);
		else
			rc = mosquitto_reconnect_async(c->mosq);
		err_no = errno;
		first = 0;
		pthread_mutex_lock(&c->mtx);
		c->connecting = 0;
		conn_win_flush(c);
		pthread_mutex_unlock(&c->mtx);
		if (rc == MOSQ_ERR_SUCCESS) {
			if (conn_run(c) == 1)
				break;
			err_no = c->att.err_no;
			rc = c->att.disc_rc >= 0 ? c->att.disc_rc :
			    MOSQ_ERR_CONN_LOST;
		}
		pthread_mutex_lock(&c->mtx);
		c->connected = 0;
		conn_forget_q0(c);
		pthread_mutex_unlock(&c->mtx);

		delay = conn_attempt_end(c, rc, err_no, delay, &wait);
		if (conn_sleep(c, wait)) {
			pthread_mutex_lock(&c->mtx);
			c->undelivered = conn_pending_count(c);
			pthread_mutex_unlock(&c->mtx);
			break;
		}
	}
	pthread_mutex_lock(&c->mtx);
	c->connected = 0;
	c->finished = 1;
	pthread_mutex_unlock(&c->mtx);
	return NULL;
}

int
conn_start(struct mqtt_conn *c)
{
	int rc;

	if (c->started)
		return 0;
	if ((rc = pthread_create(&c->thread, NULL, conn_thread, c)) != 0) {
		log_error("mqtt %s: cannot start the network thread: %s",
		    c->name, strerror(rc));
		return -1;
	}
	c->started = 1;
	return 0;
}

static void
conn_stop_request(struct mqtt_conn *c, int flush_ms)
{
	pthread_mutex_lock(&c->mtx);
	if (!c->stopping) {
		c->stopping = 1;
		c->deadline_ms = mono_ms() + (flush_ms > 0 ? flush_ms : 0);
	}
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mtx);
}

static int
conn_stop_join(struct mqtt_conn *c)
{
	int n;

	if (c->stopped)
		return 0;
	c->stopped = 1;
	if (c->started)
		pthread_join(c->thread, NULL);
	pthread_mutex_lock(&c->mtx);
	n = c->finished ? c->undelivered : conn_pending_count(c);
	pthread_mutex_unlock(&c->mtx);
	if (n > 0)
		log_warn("mqtt %s: %d message(s) not delivered", c->name, n);
	return n;
}

int
conn_stop(struct mqtt_conn *c, int flush_ms)
{
	conn_stop_request(c, flush_ms);
	return conn_stop_join(c);
}

void
conn_free(struct mqtt_conn *c)
{
	struct conn_pending *p;

	if (c == NULL)
		return;
	if (c->started && !c->stopped)
		conn_stop(c, 0);
	if (c->mosq != NULL)
		mosquitto_destroy(c->mosq);
	while ((p = c->pre_head) != NULL) {
		c->pre_head = p->next;
		conn_pending_free(p);
	}
	while ((p = c->win_head) != NULL) {
		c->win_head = p->next;
		conn_pending_free(p);
	}
	for (int i = 0; i < c->nsubs; i++)
		free(c->subs[i].filter);
	free(c->subs);
	free(c->host);
	free(c->user);
	free(c->client_id);
	free(c->name);
	free(c->status_topic);
	pthread_mutex_destroy(&c->mtx);
	pthread_mutex_destroy(&c->errmtx);
	pthread_cond_destroy(&c->cv);
	free(c);
}

/* Registry. */

struct conn_registry *
conn_registry_new(int oneshot)
{
	struct conn_registry *r = xcalloc(1, sizeof(*r));

	r->oneshot = oneshot;
	return r;
}

/*
 * The connection for m's (broker, port, user), created on first use.
 * Settings of later callers with the same key are not applied: the first
 * device's win (the connection is shared).
 */
struct mqtt_conn *
conn_registry_get(struct conn_registry *r, const struct mqtt_settings *m,
    const char *hostname)
{
	const char *host = m->broker != NULL && *m->broker != '\0' ?
	    m->broker : "localhost";
	int port = m->port > 0 ? m->port : 1883;
	struct mqtt_conn *c;

	for (int i = 0; i < r->n; i++) {
		c = r->v[i];
		if (strcmp(c->host, host) == 0 && c->port == port &&
		    conn_streq(c->user, m->user)) {
			if (c->protocol != (m->protocol == 5 ? 5 : 4))
				log_warn("mqtt %s: devices sharing this broker "
				    "ask for different mqtt_protocol values; "
				    "using MQTT %s", c->name,
				    c->protocol == 5 ? "5" : "3.1.1");
			return c;
		}
	}
	if ((c = conn_new(m, hostname, r->oneshot)) == NULL)
		return NULL;
	r->v = xrealloc(r->v, (size_t)(r->n + 1) * sizeof(*r->v));
	r->v[r->n++] = c;
	return c;
}

int
conn_registry_count(const struct conn_registry *r)
{
	return r->n;
}

struct mqtt_conn *
conn_registry_at(const struct conn_registry *r, int i)
{
	return i >= 0 && i < r->n ? r->v[i] : NULL;
}

int
conn_registry_start(struct conn_registry *r)
{
	int rc = 0;

	for (int i = 0; i < r->n; i++)
		if (conn_start(r->v[i]) == -1)
			rc = -1;
	return rc;
}

/*
 * Every connection gets the same deadline (flush_ms from now): they flush
 * in parallel, so shutdown takes flush_ms at most, not flush_ms each.
 */
int
conn_registry_stop(struct conn_registry *r, int flush_ms)
{
	int n = 0;

	for (int i = 0; i < r->n; i++)
		conn_stop_request(r->v[i], flush_ms);
	for (int i = 0; i < r->n; i++) {
		n += conn_stop_join(r->v[i]);
		conn_free(r->v[i]);
	}
	free(r->v);
	r->v = NULL;
	r->n = 0;
	return n;
}

void
conn_registry_free(struct conn_registry *r)
{
	if (r == NULL)
		return;
	for (int i = 0; i < r->n; i++)
		conn_free(r->v[i]);
	free(r->v);
	free(r);
}

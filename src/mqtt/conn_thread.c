/*
 * conn_thread.c - the network thread of one broker connection and its
 * retry policy: connect (never libmosquitto's own reconnect), run
 * mosquitto_loop(), and when the connection ends log why and wait the
 * next backoff delay (backoff.h): 1 s doubling to mqtt_reconnect_max with
 * jitter while connects fail; a refused login, client id or TLS handshake
 * waits the maximum; a session that ends is judged by how it ended
 * (closed right after CONNACK or in a row: growing; dropped after
 * working, a broker restart: 1 s).
 * A stop request ends the wait, flushes what the outbox still holds (up
 * to the deadline) and disconnects cleanly.
 *
 * Every libmosquitto call other than publish/subscribe (connect,
 * disconnect, loop) happens on this thread.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <mosquitto.h>
#include <mqtt_protocol.h>

#include "backoff.h"
#include "clock.h"
#include "conn_int.h"
#include "log.h"

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
		/* How the session ended decides, not the connects that
		 * failed before it (backoff_session_end()). */
		next = backoff_session_end(&c->flap, &c->drops, up_s,
		    a->disc_rc == MQTT_RC_SESSION_TAKEN_OVER, c->rmin, c->rmax);
		if (a->disc_rc == MQTT_RC_SESSION_TAKEN_OVER) {
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
		*wait = backoff_jitter(next, BACKOFF_JITTER, c->rmax,
		    &c->seed);
		if (up_s < BACKOFF_QUICK_S && a->disc_rc == MOSQ_ERR_CONN_LOST)
			/* MQTT 3.1.1 (and mosquitto < 2.0.12 even with MQTT 5)
			 * just closes the socket of a client taken over. */
			snprintf(why, sizeof(why), "closed by the broker "
			    "%.1f s after connecting (another client using "
			    "client id %s?)", up_s, c->client_id);
		else if (up_s < BACKOFF_STABLE_S &&
		    a->disc_rc == MOSQ_ERR_CONN_LOST)
			snprintf(why, sizeof(why), "closed by the broker "
			    "%.1f s after connecting (%s%s)", up_s,
			    c->drops > 1 ? "again: another client using "
			    "client id " : "a broker restart?", c->drops > 1 ?
			    c->client_id : "");
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
	/* The broker is away (restarting?): the next drop is no fight. */
	c->drops = 0;
	next = backoff_next(delay, c->rmin, c->rmax);
	*wait = backoff_jitter(next, BACKOFF_JITTER, c->rmax, &c->seed);
	log_warn("mqtt %s: cannot connect: %s; retrying in %.1f s", c->name,
	    why, *wait);
	return next;
}

void *
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
		conn_log_listen(c);

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

void
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

int
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

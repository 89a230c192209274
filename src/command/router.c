/*
 * router.c - the command router (the path is described in router.h):
 * subscription per device, routing of incoming messages to the matching
 * devices of their connection, dedupe, verdicts, the device worker queue
 * and the JSON answers.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mosquitto.h>

#include "clock.h"
#include "cmd_check.h"
#include "cmd_policy.h"
#include "config.h"
#include "device.h"
#include "ident.h"
#include "log.h"
#include "pyfmt.h"
#include "result.h"
#include "router.h"
#include "sbuf.h"
#include "topic_check.h"
#include "worker.h"
#include "utf8.h"

#define RESP_SUFFIX	"_response"
#define TOPIC_MAX	TOPIC_CHECK_MAX	/* longest command or MQTT 5 response topic handled */
#define CORR_MAX	256	/* longest MQTT 5 correlation data echoed */
#define CLEARS_MIN	64	/* pending-clear slots allocated at first */
#define CLEARS_MAX	4096	/* topics with a clear awaiting its echo, per connection */
#define CLEAR_TTL_MS	300000	/* an echo later than this is not expected any more */
#define LOGTXT_MAX	96	/* escaped command text in log lines */

struct binding {
	struct binding		*next;
	char			*name;		/* device name, for logs */
	char			*name_json;	/* device name as a JSON string */
	char			*filter;
	int			 qos;
	struct device		*dev;
	struct worker		*w;
	const struct cmd_policy	*pol;		/* the device's, shared */
};

/* A clearing message we published and expect to receive back, by the
 * hash of its topic (24 bytes a slot, however long the topic). */
struct pending_clear {
	uint64_t hash;
	int	 count;		/* 0: free slot */
	int64_t	 expires_ms;
};

/* The devices bound to one connection.  The list is fixed before the
 * connection starts; clears (grown on demand up to CLEARS_MAX) and the
 * warning state are used by its network thread only. */
struct conn_binds {
	struct conn_binds	*next;
	void			*c;		/* the transport's connection */
	const struct cmd_link	*link;
	struct binding		*head, *tail;
	struct pending_clear	*clears;
	int			 nclears;
	int64_t			 unclear_warn_ms;
	long			 unclear;	/* not cleared since the last warning */
};

struct router {
	struct conn_binds	*conns;
	/* Read-held while a network thread dispatches; router_close takes
	 * it for writing so no worker_submit() can follow. */
	pthread_rwlock_t	 lock;
	int			 closed;
	atomic_int		 inflight;
	router_after_fn		 after;
	void			*after_arg;
	char			**ignore;	/* mppd's own topic filters */
	int			 nignore;
};

/* Where and how to answer one message (copied into each queued job). */
struct reply {
	const struct conn_binds	*cb;		/* lives as long as the router */
	char			 topic[TOPIC_MAX + sizeof(RESP_SUFFIX)];
	int			 has_v5;
	char			 v5_topic[TOPIC_MAX + 1];
	unsigned char		 corr[CORR_MAX];
	size_t			 corrlen;
};

struct job {
	struct router		*r;
	struct binding		*b;
	struct reply		 rp;
	struct cmd_request	 req;
};

/* The last topic level ends in "_response": our own answers, never a
 * command (a '#' filter would otherwise eat them). */
static int
is_response_topic(const char *topic)
{
	const char *last = strrchr(topic, '/');
	size_t n, k = sizeof(RESP_SUFFIX) - 1;

	last = last != NULL ? last + 1 : topic;
	n = strlen(last);
	return n >= k && strcmp(last + n - k, RESP_SUFFIX) == 0;
}

static int
topic_matches(const struct binding *b, const char *topic)
{
	bool hit = false;

	return mosquitto_topic_matches_sub(b->filter, topic, &hit) ==
	    MOSQ_ERR_SUCCESS && hit;
}

/*
 * Expected clears.  Our own empty retained message comes back to us on
 * the command topic; exactly those echoes are skipped, while an empty
 * payload anyone else sends is answered "empty command".
 *
 * A flood of commands on many distinct topics (a '#' filter) can have
 * thousands of clears awaiting their echo.  An entry is never evicted
 * while its echo is due - the echo would then be answered "empty command"
 * and overwrite the command's retained answer - so when all CLEARS_MAX
 * slots are busy clear_expect() refuses and that command is not cleared.
 */

/* 64-bit FNV-1a: a slot keeps a topic's hash, not the topic (a collision
 * among at most CLEARS_MAX live entries is not a practical concern). */
static uint64_t
topic_hash(const char *topic)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (const unsigned char *p = (const unsigned char *)topic; *p; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	return h;
}

/* Records a clear about to be published on topic: 0, or -1 when every
 * slot holds a clear still awaiting its echo. */
static int
clear_expect(struct conn_binds *cb, const char *topic)
{
	struct pending_clear *slot = NULL;
	uint64_t h = topic_hash(topic);
	int64_t now = mono_ms();

	for (int i = 0; i < cb->nclears; i++) {
		struct pending_clear *p = &cb->clears[i];
		if (p->count > 0 && p->expires_ms <= now)
			p->count = 0;	/* its echo is not coming any more */
		if (p->count > 0 && p->hash == h) {
			p->count++;
			p->expires_ms = now + CLEAR_TTL_MS;
			return 0;
		}
		if (slot == NULL && p->count == 0)
			slot = p;
	}
	if (slot == NULL) {
		int n = cb->nclears == 0 ? CLEARS_MIN : cb->nclears * 2;
		if (cb->nclears >= CLEARS_MAX)
			return -1;
		if (n > CLEARS_MAX)
			n = CLEARS_MAX;
		cb->clears = xrealloc(cb->clears, (size_t)n * sizeof(*cb->clears));
		memset(cb->clears + cb->nclears, 0,
		    (size_t)(n - cb->nclears) * sizeof(*cb->clears));
		slot = &cb->clears[cb->nclears];
		cb->nclears = n;
	}
	slot->hash = h;
	slot->count = 1;
	slot->expires_ms = now + CLEAR_TTL_MS;
	return 0;
}

static int
clear_consume(struct conn_binds *cb, const char *topic)
{
	uint64_t h = topic_hash(topic);
	int64_t now = mono_ms();

	for (int i = 0; i < cb->nclears; i++) {
		struct pending_clear *p = &cb->clears[i];
		if (p->count == 0 || p->expires_ms <= now || p->hash != h)
			continue;
		p->count--;
		return 1;
	}
	return 0;
}

static void
add_timestamp(struct sbuf *b)
{
	struct timespec ts;
	char num[48];

	/* As Python's time.time(): seconds as a float, printed by repr. */
	clock_gettime(CLOCK_REALTIME, &ts);
	py_float_repr((double)ts.tv_sec + (double)ts.tv_nsec * 1e-9, num,
	    sizeof(num));
	sbuf_adds(b, num);
}

/*
 * The answer (mpp-solar's fields and order, then ours;
 * docs/compatibility.md): {"result": ...} or {"error": ...}, "command", "timestamp",
 * "device", and "id" when the request carried one.
 */
static void
build_response(struct sbuf *b, const struct binding *bd,
    const struct cmd_request *req, const struct result *res,
    const char *error)
{
	if (res != NULL) {
		sbuf_adds(b, "{\"result\": ");
		result_json(b, res);
	} else {
		sbuf_adds(b, "{\"error\": ");
		py_json_str(b, error);
	}
	sbuf_adds(b, ", \"command\": ");
	py_json_str(b, req->command);
	sbuf_adds(b, ", \"timestamp\": ");
	add_timestamp(b);
	sbuf_adds(b, ", \"device\": ");
	sbuf_adds(b, bd->name_json);
	if (req->has_id) {
		sbuf_adds(b, ", \"id\": ");
		sbuf_adds(b, req->id_json);
	}
	sbuf_addc(b, '}');
}

/*
 * Step 4: publishes one answer.  Every answer the router gives leaves
 * through here (refusals on the network thread, results on the worker),
 * so what must happen to each answer (kept for a redelivery, checked
 * against what the broker accepts) happens here once.
 */
static void
respond(const struct reply *rp, const struct binding *bd,
    const struct cmd_request *req, const struct result *res,
    const char *error)
{
	struct sbuf b = SBUF_INIT;

	build_response(&b, bd, req, res, error);
	if (rp->cb->link->publish(rp->cb->c, rp->topic, b.buf, b.len, 1, 1,
	    NULL, 0) < 0)
		log_warn("%s: could not publish the response on %s", bd->name,
		    rp->topic);
	if (rp->has_v5 && rp->cb->link->publish(rp->cb->c, rp->v5_topic, b.buf,
	    b.len, 1, 0, rp->corrlen > 0 ? rp->corr : NULL, rp->corrlen) < 0) {
		char t[LOGTXT_MAX];
		cmd_escape(rp->v5_topic, strlen(rp->v5_topic), t, sizeof(t));
		log_warn("%s: could not publish the response on the MQTT 5 "
		    "response topic \"%s\"", bd->name, t);
	}
	sbuf_free(&b);
}

static const char *
status_text(int status)
{
	switch (status) {
	case 1:
		return "valid reply";
	case 0:
		return "reply refused";
	default:
		return "no reply";
	}
}

/* Worker thread: the command ran (res) or was dropped (error). */
static void
job_done(void *arg, const char *cmd, struct result *res, int status,
    const char *error)
{
	struct job *j = arg;
	struct router *r = j->r;
	char t[LOGTXT_MAX];

	if (res == NULL && error == NULL)
		error = "command was not run";
	respond(&j->rp, j->b, &j->req, res, res != NULL ? NULL : error);
	cmd_escape(j->req.command, strlen(j->req.command), t, sizeof(t));
	log_info("%s: command \"%s\" answered: %s", j->b->name, t,
	    res != NULL ? status_text(status) : error);
	if (res != NULL && r->after != NULL)
		r->after(r->after_arg, j->b->dev, j->b->w, j->req.command, res);
	free(j);
	atomic_fetch_sub(&r->inflight, 1);
}

/* One device's verdict on a message, and its refusal or its job. */
static void
dispatch(struct router *r, struct binding *b, const struct reply *rp,
    const struct cmd_request *req, const char *error, const char *logcmd,
    const char *logtopic)
{
	char cerr[256];
	struct job *j;
	int rc;

	if (error == NULL && cmd_policy_check(b->pol, req->command, 0, cerr,
	    sizeof(cerr)) < 0)
		error = cerr;
	if (error == NULL && (r->closed || b->w == NULL))
		error = "mppd is shutting down";
	if (error == NULL) {
		j = xmalloc(sizeof(*j));
		j->r = r;
		j->b = b;
		j->rp = *rp;
		j->req = *req;
		atomic_fetch_add(&r->inflight, 1);
		rc = worker_submit(b->w, req->command, job_done, j);
		if (rc == 0) {
			/* j belongs to the worker now. */
			log_info("%s: command \"%s\" on %s: queued", b->name,
			    logcmd, logtopic);
			return;
		}
		atomic_fetch_sub(&r->inflight, 1);
		free(j);
		error = rc == -1 ? "device busy" : "mppd is shutting down";
	}
	log_info("%s: command \"%s\" on %s: refused: %s", b->name, logcmd,
	    logtopic, error);
	respond(rp, b, req, NULL, error);
}

/* MQTT 5 Response Topic and Correlation Data into rp; -1 with err when
 * they are unusable. */
static int
read_v5(const struct cmd_msg *m, struct reply *rp, char *err, size_t errlen)
{
	size_t tl;

	if (m->resp_topic == NULL)
		return 0;
	tl = strlen(m->resp_topic);
	if (tl > TOPIC_MAX) {
		snprintf(err, errlen,
		    "MQTT 5 response topic too long (%zu bytes, at most %d)",
		    tl, TOPIC_MAX);
		return -1;
	}
	if (m->corrlen > CORR_MAX) {
		snprintf(err, errlen,
		    "MQTT 5 correlation data too long (%u bytes, at most %d)",
		    (unsigned)m->corrlen, CORR_MAX);
		return -1;
	}
	if (mosquitto_pub_topic_check(m->resp_topic) != MOSQ_ERR_SUCCESS) {
		snprintf(err, errlen,
		    "MQTT 5 response topic is not a valid topic name");
		return -1;
	}
	memcpy(rp->v5_topic, m->resp_topic, tl + 1);
	if (m->corr != NULL && m->corrlen > 0)
		memcpy(rp->corr, m->corr, m->corrlen);
	rp->corrlen = m->corr != NULL ? m->corrlen : 0;
	rp->has_v5 = 1;
	return 0;
}

/*
 * Step 2a, routing: the first device bound to cb whose filter matches a
 * topic that may be a command, or NULL when the message is not for the
 * router (an answer, a topic mppd publishes itself, another subscriber's).
 */
static struct binding *
route(const struct router *r, const struct conn_binds *cb, const char *topic)
{
	struct binding *b;

	if (is_response_topic(topic))
		return NULL;
	for (int i = 0; i < r->nignore; i++) {
		bool own = false;
		if (mosquitto_topic_matches_sub(r->ignore[i], topic, &own) ==
		    MOSQ_ERR_SUCCESS && own)
			return NULL;	/* what mppd publishes itself */
	}
	for (b = cb->head; b != NULL && !topic_matches(b, topic); b = b->next)
		;
	return b;
}

/*
 * Step 2b, dedupe: 1 when the message is not a new command and gets no
 * answer.  Today that is the echo of our own clear (an empty retained
 * message on the command topic).  Every "has this command been seen
 * before" rule belongs here and nowhere else (a redelivered command, a
 * repeated request id), its stored answer coming from respond().
 */
static int
dedupe(struct conn_binds *cb, const struct cmd_msg *m)
{
	return m->len == 0 && clear_consume(cb, m->topic);
}

/*
 * Step 2c: clears the command so it never runs again when the
 * subscription is restored at the next connect.  This is done for every
 * command, not only when the retain flag is set: MQTT 3.1.1 brokers
 * deliver a retained message to a subscriber that is already connected
 * with RETAIN 0, so the flag alone would miss the common case (a retained
 * command sent while mppd runs), which would then run again at every
 * reconnect.
 */
static void
clear_command(struct conn_binds *cb, const struct cmd_msg *m,
    const char *logtopic)
{
	if (m->len == 0)
		return;
	if (clear_expect(cb, m->topic) == 0) {
		if (cb->link->publish(cb->c, m->topic, "", 0, 1, 1, NULL, 0) < 0)
			log_warn("could not clear the command on %s", logtopic);
	} else {
		int64_t now = mono_ms();
		/* Only a retained command is affected: it may run again when
		 * the subscription is restored. */
		cb->unclear++;
		if (cb->unclear_warn_ms == 0 ||
		    now - cb->unclear_warn_ms >= 60000) {
			log_warn("%d commands on distinct topics await the echo "
			    "of their clear: %ld command(s) not cleared, the "
			    "latest on %s", CLEARS_MAX, cb->unclear, logtopic);
			cb->unclear_warn_ms = now;
			cb->unclear = 0;
		}
	}
}

void
router_on_message(struct router *r, void *conn, const struct cmd_msg *m)
{
	struct conn_binds *cb;
	struct binding *b;
	struct reply rp;
	struct cmd_request req;
	char perr[256], verr[256], logcmd[LOGTXT_MAX], logtopic[LOGTXT_MAX];
	const char *error = NULL;
	size_t tlen;

	if (r == NULL || m == NULL || m->topic == NULL)
		return;
	for (cb = r->conns; cb != NULL && cb->c != conn; cb = cb->next)
		;
	if (cb == NULL || (b = route(r, cb, m->topic)) == NULL)
		return;

	tlen = strlen(m->topic);
	cmd_escape(m->topic, tlen, logtopic, sizeof(logtopic));
	if (tlen > TOPIC_MAX) {
		log_warn("ignoring a command on a %zu-byte topic \"%s\" "
		    "(at most %d)", tlen, logtopic, TOPIC_MAX);
		return;
	}
	if (dedupe(cb, m))
		return;
	clear_command(cb, m, logtopic);

	/* Step 2d: the verdicts that do not depend on the device. */
	memset(&rp, 0, sizeof(rp));
	rp.cb = cb;
	memcpy(rp.topic, m->topic, tlen);
	memcpy(rp.topic + tlen, RESP_SUFFIX, sizeof(RESP_SUFFIX));
	if (cmd_parse_payload(m->payload, m->len, &req, perr,
	    sizeof(perr)) < 0) {
		error = perr;
		cmd_escape(m->payload, m->len, logcmd, sizeof(logcmd));
	} else
		cmd_escape(req.command, strlen(req.command), logcmd,
		    sizeof(logcmd));
	if (read_v5(m, &rp, verr, sizeof(verr)) < 0 && error == NULL)
		error = verr;

	/* Steps 2d-2e per device: its policy, then its worker. */
	pthread_rwlock_rdlock(&r->lock);
	for (; b != NULL; b = b->next)
		if (topic_matches(b, m->topic))
			dispatch(r, b, &rp, &req, error, logcmd, logtopic);
	pthread_rwlock_unlock(&r->lock);
}

static struct conn_binds *
conn_binds_get(struct router *r, const struct cmd_link *link, void *c)
{
	struct conn_binds *cb, **tail = &r->conns;

	for (cb = r->conns; cb != NULL; cb = cb->next) {
		if (cb->c == c)
			return cb;
		tail = &cb->next;
	}
	cb = xcalloc(1, sizeof(*cb));
	cb->c = c;
	cb->link = link;
	*tail = cb;
	return cb;
}

int
router_add(struct router *r, const struct cmd_link *link, void *c,
    const struct device_cfg *dc, const struct cmd_policy *pol,
    struct device *dev, struct worker *w, const char *hostname)
{
	struct sbuf nj = SBUF_INIT;
	struct conn_binds *cb;
	struct binding *b, *same = NULL;
	const char *tmpl;
	const char *why;
	char *filter;

	if (!cmd_policy_enabled(pol)) {
		log_debug("%s: no mqtt_allowed_cmds: MQTT commands disabled",
		    dc->name);
		return 0;
	}
	tmpl = dc->mqtt.cmd_topic != NULL && dc->mqtt.cmd_topic[0] != '\0' ?
	    dc->mqtt.cmd_topic : "{hostname}/{device}/cmd";
	filter = ident_expand(tmpl, hostname, dc->name);
	/* The load-time check's test (--check-config says the same). */
	if ((why = topic_filter_problem(filter)) != NULL) {
		log_error("%s: mqtt_cmd_topic \"%s\" is not a valid topic "
		    "filter: %s", dc->name, filter, why);
		free(filter);
		return -1;
	}
	if (is_response_topic(filter))
		log_warn("%s: mqtt_cmd_topic \"%s\" ends in \"%s\": topics "
		    "ending so are responses and never run as commands",
		    dc->name, filter, RESP_SUFFIX);

	cb = conn_binds_get(r, link, c);
	for (b = cb->head; b != NULL; b = b->next)
		if (strcmp(b->filter, filter) == 0 &&
		    (same == NULL || b->qos > same->qos))
			same = b;
	/* One subscription per distinct filter; a repeat only raises QoS. */
	if ((same == NULL || same->qos < dc->mqtt.cmd_qos) &&
	    link->subscribe(c, filter, dc->mqtt.cmd_qos, r) < 0) {
		log_error("%s: cannot subscribe to \"%s\"", dc->name, filter);
		free(filter);
		return -1;
	}

	b = xcalloc(1, sizeof(*b));
	b->name = xstrdup(dc->name);
	if (utf8_valid(dc->name, strlen(dc->name)))
		py_json_str(&nj, dc->name);
	else {
		struct sbuf u = SBUF_INIT;
		latin1_to_utf8(&u, dc->name, strlen(dc->name));
		py_json_str(&nj, sbuf_str(&u));
		sbuf_free(&u);
	}
	b->name_json = sbuf_steal(&nj);
	b->filter = filter;
	b->qos = dc->mqtt.cmd_qos;
	b->dev = dev;
	b->w = w;
	b->pol = pol;
	if (cb->tail != NULL)
		cb->tail->next = b;
	else
		cb->head = b;
	cb->tail = b;
	log_info("%s: commands on %s (QoS %d, %s match, %d pattern(s)%s)",
	    dc->name, filter, dc->mqtt.cmd_qos,
	    pol->mode == MATCH_PREFIX ? "prefix" : "full",
	    pol->npatterns, pol->allow_undefined ?
	    ", undefined commands allowed" : "");
	return 0;
}

struct router *
router_new(void)
{
	struct router *r = xcalloc(1, sizeof(*r));
	pthread_rwlockattr_t attr;

	/* A writer (router_close) must not starve behind busy readers. */
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr,
	    PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&r->lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	atomic_init(&r->inflight, 0);
	return r;
}

void
router_set_after_hook(struct router *r, router_after_fn fn, void *arg)
{
	r->after = fn;
	r->after_arg = arg;
}

int
router_inflight(struct router *r)
{
	return r != NULL ? atomic_load(&r->inflight) : 0;
}

void
router_close(struct router *r)
{
	if (r == NULL)
		return;
	pthread_rwlock_wrlock(&r->lock);
	r->closed = 1;
	pthread_rwlock_unlock(&r->lock);
}

int
router_ignore(struct router *r, const char *filter)
{
	if (mosquitto_sub_topic_check(filter) != MOSQ_ERR_SUCCESS) {
		log_error("router: invalid topic filter to ignore: %s", filter);
		return -1;
	}
	for (int i = 0; i < r->nignore; i++)
		if (strcmp(r->ignore[i], filter) == 0)
			return 0;
	r->ignore = xrealloc(r->ignore, (size_t)(r->nignore + 1) *
	    sizeof(*r->ignore));
	r->ignore[r->nignore++] = xstrdup(filter);
	return 0;
}

void
router_free(struct router *r)
{
	struct conn_binds *cb, *cnext;
	struct binding *b, *bnext;

	if (r == NULL)
		return;
	for (cb = r->conns; cb != NULL; cb = cnext) {
		cnext = cb->next;
		for (b = cb->head; b != NULL; b = bnext) {
			bnext = b->next;
			free(b->filter);
			free(b->name);
			free(b->name_json);
			free(b);
		}
		free(cb->clears);
		free(cb);
	}
	for (int i = 0; i < r->nignore; i++)
		free(r->ignore[i]);
	free(r->ignore);
	pthread_rwlock_destroy(&r->lock);
	free(r);
}

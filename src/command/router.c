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
#include "cmd_cache.h"
#include "cmd_check.h"
#include "cmd_policy.h"
#include "cmd_ran.h"
#include "config.h"
#include "device.h"
#include "hindex.h"
#include "ident.h"
#include "log.h"
#include "pyfmt.h"
#include "result.h"
#include "router.h"
#include "sbuf.h"
#include "topic_check.h"
#include "topic_overlap.h"
#include "worker.h"
#include "utf8.h"

#define RESP_SUFFIX	"_response"
#define TOPIC_MAX	TOPIC_CHECK_MAX	/* longest command or MQTT 5 response topic handled */
#define CORR_MAX	256	/* longest MQTT 5 correlation data echoed */
#define LOGTXT_MAX	96	/* escaped command text in log lines */

struct binding {
	struct binding		*next;		/* of the connection, in order */
	unsigned		 seq;		/* its place in that order */
	char			*name;		/* device name, for logs */
	char			*name_json;	/* device name as a JSON string */
	char			*filter;
	int			 wild;		/* filter has '+' or '#' */
	struct binding		*wnext;		/* next wild one, in order */
	struct binding		*same;		/* next with the same exact
						 * filter, in order */
	/* mppd's own topic filters (router_ignore) that match a topic this
	 * filter matches, borrowed from the router. */
	const char		**ign;
	int			 nign;
	int			 qos;
	struct device		*dev;
	struct worker		*w;
	const struct cmd_policy	*pol;		/* the device's, shared */
};

/* The bindings of one exact command topic (no wildcard), filed by it. */
struct exact {
	struct hnode		 node;
	const char		*topic;		/* its first binding's filter */
	struct binding		*head, *tail;	/* by binding->same */
};

/*
 * The devices bound to one connection.  The list is fixed before the
 * connection starts; fresh_session is used by its network thread only.
 * A message finds its devices with one hash look-up of its topic among
 * the exact filters, and a match against each wildcard filter only.
 */
struct conn_binds {
	struct conn_binds	*next;
	void			*c;		/* the transport's connection */
	const struct cmd_link	*link;
	struct binding		*head, *tail;
	unsigned		 nbind;
	struct hindex		 exact;		/* struct exact by topic */
	struct binding		*whead, *wtail;	/* the wild ones */
	/* The session (cmd_msg.session) in which a QoS 1/2 command that was
	 * not a redelivery arrived: the broker's redeliveries, which come
	 * first after a reconnect, are over for that session. */
	unsigned long		 fresh_session;
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
	struct cmd_cache	*cache;		/* answers for repeats */
	struct cmd_ran		*ran;		/* retained commands that ran */
};

/* Where and how to answer one message (copied into each queued job). */
struct reply {
	const struct conn_binds	*cb;		/* lives as long as the router */
	char			 topic[TOPIC_MAX + sizeof(RESP_SUFFIX)];
	int			 has_v5;
	char			 v5_topic[TOPIC_MAX + 1];
	unsigned char		 corr[CORR_MAX];
	size_t			 corrlen;
	uint64_t		 serial;	/* cmd_cache entry, 0: none */
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
filter_matches(const char *filter, const char *topic)
{
	bool hit = false;

	return mosquitto_topic_matches_sub(filter, topic, &hit) ==
	    MOSQ_ERR_SUCCESS && hit;
}

static struct exact *
exact_find(const struct conn_binds *cb, const char *topic, uint64_t h)
{
	struct hnode *n;

	for (n = hidx_first(&cb->exact, h); n != NULL; n = hidx_next(n)) {
		struct exact *x = hidx_entry(n, struct exact, node);
		if (strcmp(x->topic, topic) == 0)
			return x;
	}
	return NULL;
}

/* The devices of one connection whose filter matches a topic, in the
 * order they were bound (cands_init, then cands_next until NULL). */
struct cands {
	const char	*topic;
	struct binding	*x;	/* next of the exact ones */
	struct binding	*w;	/* next matching wild one */
};

static struct binding *
next_wild(struct binding *w, const char *topic)
{
	while (w != NULL && !filter_matches(w->filter, topic))
		w = w->wnext;
	return w;
}

static void
cands_init(struct cands *it, const struct conn_binds *cb, const char *topic)
{
	const struct exact *x;

	x = exact_find(cb, topic, hidx_hash(HIDX_SEED, topic, strlen(topic)));
	it->topic = topic;
	it->x = x != NULL ? x->head : NULL;
	it->w = next_wild(cb->whead, topic);
}

static struct binding *
cands_next(struct cands *it)
{
	struct binding *b;

	if (it->x != NULL && (it->w == NULL || it->x->seq < it->w->seq)) {
		b = it->x;
		it->x = b->same;
	} else if ((b = it->w) != NULL)
		it->w = next_wild(b->wnext, it->topic);
	return b;
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
 * Publishes one answer's text on the answer topic and, with MQTT 5, on
 * the message's Response Topic.  An answer the broker cannot take (larger
 * than its maximum packet size: the link refuses it, CMD_LINK_TOO_BIG,
 * before anything is queued) is replaced by a short error answer giving
 * its size and the limit: the user learns why, and the session is never
 * poisoned by a message the broker drops the connection for.  The text
 * actually published is left in b.  Returns 1 when it was replaced.
 */
static int
publish_answer(const struct reply *rp, const struct binding *bd,
    const struct cmd_request *req, struct sbuf *b)
{
	const struct cmd_link *l = rp->cb->link;
	int rc, replaced = 0;

	rc = l->publish(rp->cb->c, rp->topic, b->buf, b->len, 1, 1, NULL, 0);
	if (rc == CMD_LINK_TOO_BIG) {
		char err[160];
		size_t len = b->len, max = l->max_packet != NULL ?
		    l->max_packet(rp->cb->c) : 0;

		snprintf(err, sizeof(err), "answer too large for the broker: "
		    "%zu bytes, its maximum packet size is %zu bytes", len,
		    max);
		log_warn("%s: %s (on %s): replaced by an error answer",
		    bd->name, err, rp->topic);
		sbuf_reset(b);
		build_response(b, bd, req, NULL, err);
		replaced = 1;
		rc = l->publish(rp->cb->c, rp->topic, b->buf, b->len, 1, 1,
		    NULL, 0);
	}
	if (rc < 0)
		log_warn("%s: could not publish the response on %s", bd->name,
		    rp->topic);
	if (rp->has_v5 && l->publish(rp->cb->c, rp->v5_topic, b->buf,
	    b->len, 1, 0, rp->corrlen > 0 ? rp->corr : NULL, rp->corrlen) < 0) {
		char t[LOGTXT_MAX];
		cmd_escape(rp->v5_topic, strlen(rp->v5_topic), t, sizeof(t));
		log_warn("%s: could not publish the response on the MQTT 5 "
		    "response topic \"%s\"", bd->name, t);
	}
	return replaced;
}

struct waiter_ctx {
	const struct binding		*bd;
	const struct cmd_request	*req;
};

/* A repeat that arrived while its command ran (its struct reply kept by
 * the cache) gets the same answer now. */
static void
answer_waiter(void *arg, const void *waiter, const char *answer, size_t len)
{
	const struct waiter_ctx *ctx = arg;
	struct sbuf b = SBUF_INIT;

	sbuf_add(&b, answer, len);
	(void)publish_answer(waiter, ctx->bd, ctx->req, &b);
	sbuf_free(&b);
}

/*
 * Step 4: publishes one answer.  Every answer the router gives leaves
 * through here (refusals on the network thread, results on the worker):
 * it is checked against what the broker accepts (publish_answer) and kept
 * in the cache for a repeat of the command (cmd_cache.h).  Returns 1 when
 * the answer was replaced by an error (too large).
 */
static int
respond(struct router *r, const struct reply *rp, const struct binding *bd,
    const struct cmd_request *req, const struct result *res,
    const char *error)
{
	struct sbuf b = SBUF_INIT;
	struct waiter_ctx ctx;
	int replaced;

	build_response(&b, bd, req, res, error);
	replaced = publish_answer(rp, bd, req, &b);
	ctx.bd = bd;
	ctx.req = req;
	cc_answer(r->cache, rp->serial, b.buf, b.len, answer_waiter, &ctx);
	sbuf_free(&b);
	return replaced;
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
	int replaced;

	if (res == NULL && error == NULL)
		error = "command was not run";
	replaced = respond(r, &j->rp, j->b, &j->req, res,
	    res != NULL ? NULL : error);
	cmd_escape(j->req.command, strlen(j->req.command), t, sizeof(t));
	log_info("%s: command \"%s\" answered: %s%s", j->b->name, t,
	    res != NULL ? status_text(status) : error, replaced ?
	    " (the answer was too large for the broker: an error went out "
	    "instead)" : "");
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
	respond(r, rp, b, req, NULL, error);
}

/* 1 when topic is a command topic of any device on any connection. */
static int
is_command_topic(const struct router *r, const char *topic)
{
	struct cands it;

	for (const struct conn_binds *cb = r->conns; cb != NULL;
	    cb = cb->next) {
		cands_init(&it, cb, topic);
		if (cands_next(&it) != NULL)
			return 1;
	}
	return 0;
}

/*
 * MQTT 5 Response Topic and Correlation Data into rp; -1 with err when
 * they are unusable.  A Response Topic that is a command topic (this
 * device's or another's) is refused: the answer published there would
 * itself be taken for a command.
 */
static int
read_v5(const struct router *r, const struct cmd_msg *m, struct reply *rp,
    char *err, size_t errlen)
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
	if (is_command_topic(r, m->resp_topic)) {
		char t[LOGTXT_MAX];
		cmd_escape(m->resp_topic, tl, t, sizeof(t));
		snprintf(err, errlen, "MQTT 5 response topic \"%s\" is a "
		    "command topic: an answer there would be taken for a "
		    "command", t);
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
 * topic that may be a command (the others follow from it), or NULL when
 * the message is not for the router (an answer, a topic mppd publishes
 * itself, another subscriber's).  An own topic filter that matches the
 * topic matches a topic of every candidate's filter too, so the first
 * candidate's list of them (b->ign) holds every one that can.
 */
static struct binding *
route(const struct conn_binds *cb, const char *topic, struct cands *it)
{
	struct binding *b;

	if (is_response_topic(topic))
		return NULL;
	cands_init(it, cb, topic);
	if ((b = cands_next(it)) == NULL)
		return NULL;
	for (int i = 0; i < b->nign; i++)
		if (filter_matches(b->ign[i], topic))
			return NULL;	/* what mppd publishes itself */
	return b;
}

/*
 * Step 2b, dedupe, per device: 1 when the message is not a new command for
 * b and has been dealt with here.  Every "has this command been seen
 * before" rule is here and nowhere else (docs/commands.md, "Exactly
 * once"):
 *  - a QoS 1/2 message whose payload and topic equal those of one
 *    received on an earlier connection, arriving before any new command
 *    on this connection (a broker redelivers the messages whose
 *    acknowledgement it did not get first, after the reconnect);
 *  - the same envelope "id" with the same command on the same topic
 *    within CC_TTL_MS.
 * Such a repeat is not run again: the first answer is published again from
 * the cache (cmd_cache.h), or, while the first still runs, when it comes
 * (so every message still gets its answer).  A new command is remembered; its entry is rp->serial.
 * *redelivery is set to 1 when the message was found as a redelivery.
 */
static int
dedupe(struct router *r, struct conn_binds *cb, struct binding *b,
    const struct cmd_msg *m, const struct cmd_request *req, int parsed,
    struct reply *rp, const char *logcmd, const char *logtopic,
    int *redelivery)
{
	struct cc_key k = { 0 };
	struct sbuf ans = SBUF_INIT;
	enum cc_state st;
	int redeliv = 0;

	if (m->len > CC_PAYLOAD_MAX)
		return 0;	/* refused for its size, whatever it repeats */
	k.scope = b;
	k.topic = m->topic;
	k.payload = m->payload;
	k.len = m->len;
	k.session = m->session;
	k.redeliverable = m->qos > 0;
	k.may_be_redelivery = m->qos > 0 && m->session != cb->fresh_session;
	if (parsed && req->has_id) {
		k.id_json = req->id_json;
		k.command = req->command;
	}
	st = cc_lookup(r->cache, &k, mono_ms(), rp, sizeof(*rp), &ans,
	    &rp->serial, &redeliv);
	if (redeliv)
		*redelivery = 1;
	if (st == CC_NEW) {
		sbuf_free(&ans);
		return 0;
	}
	if (st == CC_RUNNING)
		log_info("%s: command \"%s\" on %s: %s of a command still "
		    "running: not run again, answered when it is done",
		    b->name, logcmd, logtopic, redeliv ? "a redelivery" :
		    "a repeated id");
	else {
		log_info("%s: command \"%s\" on %s: %s of a command already "
		    "answered: not run again, answered from the cache",
		    b->name, logcmd, logtopic, redeliv ? "a redelivery" :
		    "a repeated id");
		(void)publish_answer(rp, b, req, &ans);
	}
	sbuf_free(&ans);
	return 1;
}

/*
 * Step 2c: clears the command so it never runs again when the
 * subscription is restored at the next connect.  This is done for every
 * command, not only when the retain flag is set: MQTT 3.1.1 brokers
 * deliver a retained message to a subscriber that is already connected
 * with RETAIN 0, so the flag alone would miss the common case (a retained
 * command sent while mppd runs), which would then run again at every
 * reconnect.  The clear comes back to us (an empty payload on the command
 * topic); an empty payload is never a command (router_on_message), so
 * nothing needs to remember it was ours.
 */
static void
clear_command(struct conn_binds *cb, const char *topic, const char *logtopic)
{
	if (cb->link->publish(cb->c, topic, "", 0, 1, 1, NULL, 0) < 0)
		log_warn("could not clear the command on %s", logtopic);
}

void
router_on_message(struct router *r, void *conn, const struct cmd_msg *m)
{
	struct conn_binds *cb;
	struct binding *b;
	struct cands it;
	struct reply rp, rpd;
	struct cmd_request req;
	char perr[256], verr[256], logcmd[LOGTXT_MAX], logtopic[LOGTXT_MAX];
	const char *error = NULL;
	size_t tlen;
	int redelivery = 0;
	const char *scope;

	if (r == NULL || m == NULL || m->topic == NULL)
		return;
	for (cb = r->conns; cb != NULL && cb->c != conn; cb = cb->next)
		;
	if (cb == NULL || (b = route(cb, m->topic, &it)) == NULL)
		return;
	scope = cb->link->ident != NULL ? cb->link->ident(cb->c) : NULL;
	/*
	 * An empty payload is how MQTT clears a retained message (ours, after
	 * every command, or anyone's): never a command, never answered.  The
	 * topic holds no retained command any more.
	 */
	if (m->len == 0) {
		ran_forget(r->ran, scope, m->topic);
		return;
	}

	tlen = strlen(m->topic);
	cmd_escape(m->topic, tlen, logtopic, sizeof(logtopic));
	if (tlen > TOPIC_MAX) {
		log_warn("ignoring a command on a %zu-byte topic \"%s\" "
		    "(at most %d)", tlen, logtopic, TOPIC_MAX);
		return;
	}
	if (m->retain && ran_seen(r->ran, scope, m->topic, m->payload,
	    m->len)) {
		cmd_escape(m->payload, m->len, logcmd, sizeof(logcmd));
		log_warn("retained command \"%s\" on %s ran already: not run "
		    "again; the broker still holds it, so it refused mppd's "
		    "clear (mppd needs write access to its command topics, "
		    "see docs/commands.md)", logcmd, logtopic);
		clear_command(cb, m->topic, logtopic);
		return;
	}
	ran_record(r->ran, scope, m->topic, m->payload, m->len);
	clear_command(cb, m->topic, logtopic);

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
	if (read_v5(r, m, &rp, verr, sizeof(verr)) < 0 && error == NULL)
		error = verr;

	/* Steps 2b, 2d, 2e per device: repeats, its policy, its worker. */
	pthread_rwlock_rdlock(&r->lock);
	for (; b != NULL; b = cands_next(&it)) {
		rpd = rp;
		if (dedupe(r, cb, b, m, &req, error == NULL, &rpd, logcmd,
		    logtopic, &redelivery))
			continue;
		dispatch(r, b, &rpd, &req, error, logcmd, logtopic);
	}
	pthread_rwlock_unlock(&r->lock);
	/* A new command: the broker's redeliveries are over for now. */
	if (m->qos > 0 && !redelivery)
		cb->fresh_session = m->session;
}

/*
 * Notes own-topic filter ign (router_ignore) on b when it matches a topic
 * that b's filter matches too: for an exact filter, that topic itself;
 * for a wildcard filter, when the two filters overlap (topic_overlap.h).
 * Main thread, before the connections start.
 */
static void
ignore_note(struct binding *b, const char *ign)
{
	if (!(b->wild ? topic_overlap(ign, b->filter) :
	    filter_matches(ign, b->filter)))
		return;
	b->ign = xrealloc(b->ign, (size_t)(b->nign + 1) * sizeof(*b->ign));
	b->ign[b->nign++] = ign;
}

/* Files b (its filter set) for routing on cb. */
static void
binds_index(struct router *r, struct conn_binds *cb, struct binding *b)
{
	b->seq = cb->nbind++;
	b->wild = strpbrk(b->filter, "+#") != NULL;
	if (b->wild) {
		if (cb->wtail != NULL)
			cb->wtail->wnext = b;
		else
			cb->whead = b;
		cb->wtail = b;
	} else {
		uint64_t h = hidx_hash(HIDX_SEED, b->filter, strlen(b->filter));
		struct exact *x = exact_find(cb, b->filter, h);

		if (x == NULL) {
			x = xcalloc(1, sizeof(*x));
			x->topic = b->filter;
			hidx_add(&cb->exact, &x->node, h);
		}
		if (x->tail != NULL)
			x->tail->same = b;
		else
			x->head = b;
		x->tail = b;
	}
	for (int i = 0; i < r->nignore; i++)
		ignore_note(b, r->ignore[i]);
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
	binds_index(r, cb, b);
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
	r->cache = cc_new();
	r->ran = ran_open(NULL);
	return r;
}

void
router_set_state_dir(struct router *r, const char *dir)
{
	ran_free(r->ran);
	r->ran = ran_open(dir);
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
	for (struct conn_binds *cb = r->conns; cb != NULL; cb = cb->next)
		for (struct binding *b = cb->head; b != NULL; b = b->next)
			ignore_note(b, r->ignore[r->nignore - 1]);
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
		for (b = cb->head; b != NULL; b = b->next) {
			struct exact *x;

			if (b->wild)
				continue;
			x = exact_find(cb, b->filter, hidx_hash(HIDX_SEED,
			    b->filter, strlen(b->filter)));
			if (x != NULL && x->head == b) {
				hidx_del(&cb->exact, &x->node);
				free(x);
			}
		}
		hidx_free(&cb->exact);
		for (b = cb->head; b != NULL; b = bnext) {
			bnext = b->next;
			free(b->ign);
			free(b->filter);
			free(b->name);
			free(b->name_json);
			free(b);
		}
		free(cb);
	}
	for (int i = 0; i < r->nignore; i++)
		free(r->ignore[i]);
	free(r->ignore);
	cc_free(r->cache);
	ran_free(r->ran);
	pthread_rwlock_destroy(&r->lock);
	free(r);
}

/*
 * hass_settings_rt.c - the running side of the Home Assistant setting
 * entities (hass_settings.c builds them, purely): keeps
 * the inputs the entity list depends on (option lists, battery voltage),
 * rebuilds the list when they change, queues the queries that feed it and
 * publishes discovery and states.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "allow.h"
#include "config.h"
#include "hass_settings.h"
#include "hass_settings_rt.h"
#include "ident.h"
#include "log.h"
#include "mqtt_conn.h"
#include "proto.h"
#include "result.h"
#include "sbuf.h"
#include "worker.h"

/* The queries controls make itself, as bits. */
enum {
	Q_PIRI = 1 << 0,
	Q_FLAG = 1 << 1,
	Q_CHG = 1 << 2,
	Q_UCHG = 1 << 3,
};

/* In the order they are queued; the command text is the family's
 * (hc_query: "QPIRI" on PI30, "PIRI" on PI18). */
static const struct {
	unsigned	 bit;
	enum hc_query	 q;
} queries[] = {
	{ Q_CHG, HC_Q_CHG },
	{ Q_UCHG, HC_Q_UCHG },
	{ Q_PIRI, HC_Q_PIRI },
	{ Q_FLAG, HC_Q_FLAG },
};

#define NQUERIES	(sizeof(queries) / sizeof(queries[0]))

/* One message, copied, to publish once the lock is released. */
struct msg {
	char	*topic;
	char	*payload;
	size_t	 len;
	int	 qos, retain;
};

/* Last payload per topic. */
struct kept {
	char	*topic;
	char	*payload;
};

struct kept_list {
	struct kept	*k;
	int		 n;
};

struct msgs {
	struct msg		*m;
	int			 n;
	struct kept_list	*keep;		/* remember each payload here */
	int			 changed_only;	/* skip payloads equal to keep's */
};

struct controls {
	char			*device;
	const struct pi_proto	*p;
	char			*hostname;
	char			*cmd_topic;
	int			 qos;
	const struct allowlist	*allow;		/* borrowed: the device's one */
	unsigned		 supported;	/* Q_* the protocol defines */

	pthread_mutex_t		 lock;		/* guards everything below */
	struct worker		*w;
	out_publish_fn		 pub;
	void			*pub_arg;
	struct hc_set		*set;
	int			 chg[HC_MAX_OPTS], nchg;	/* nchg -1: not read */
	int			 uchg[HC_MAX_OPTS], nuchg;
	double			 battery_v;	/* 0: no QPIRI yet */
	unsigned		 known;		/* Q_* answered with data */
	unsigned		 inflight;	/* Q_* queued, not answered */
	int			 discovered;	/* discovery published once */
	struct kept_list	 states;	/* last state per topic */
	struct kept_list	 configs;	/* last config per topic */
};

/* ---- messages ------------------------------------------------------- */

/* Remembers payload for topic; returns 1 when it differs from before. */
static int
keep(struct kept_list *l, const char *topic, const char *payload)
{
	for (int i = 0; i < l->n; i++)
		if (strcmp(l->k[i].topic, topic) == 0) {
			if (strcmp(l->k[i].payload, payload) == 0)
				return 0;
			free(l->k[i].payload);
			l->k[i].payload = xstrdup(payload);
			return 1;
		}
	l->k = xrealloc(l->k, (size_t)(l->n + 1) * sizeof(*l->k));
	l->k[l->n].topic = xstrdup(topic);
	l->k[l->n].payload = xstrdup(payload);
	l->n++;
	return 1;
}

static void
kept_free(struct kept_list *l)
{
	for (int i = 0; i < l->n; i++) {
		free(l->k[i].topic);
		free(l->k[i].payload);
	}
	free(l->k);
	l->k = NULL;
	l->n = 0;
}

/* out_publish_fn that collects into a struct msgs. */
static void
collect(void *arg, const char *topic, const char *payload, size_t len,
    int qos, int retain)
{
	struct msgs *ms = arg;
	struct msg *m;
	int changed = 1;

	if (ms->keep != NULL) {
		char *p = xstrndup(payload, len);
		changed = keep(ms->keep, topic, p);
		free(p);
	}
	if (ms->changed_only && !changed)
		return;
	ms->m = xrealloc(ms->m, (size_t)(ms->n + 1) * sizeof(*ms->m));
	m = &ms->m[ms->n++];
	m->topic = xstrdup(topic);
	m->payload = xstrndup(payload, len);
	m->len = len;
	m->qos = qos;
	m->retain = retain;
}

/* Publishes and frees every collected message (lock not held). */
static void
flush(struct msgs *ms, out_publish_fn fn, void *arg)
{
	for (int i = 0; i < ms->n; i++) {
		if (fn != NULL)
			fn(arg, ms->m[i].topic, ms->m[i].payload, ms->m[i].len,
			    ms->m[i].qos, ms->m[i].retain);
		free(ms->m[i].topic);
		free(ms->m[i].payload);
	}
	free(ms->m);
	ms->m = NULL;
	ms->n = 0;
}

void
controls_conn_publisher(void *conn, const char *topic, const char *payload,
    size_t len, int qos, int retain)
{
	if (conn != NULL)
		conn_publish(conn, topic, payload, len, qos, retain);
}

/* ---- the entity set ------------------------------------------------- */

/* Rebuilds c->set from the current inputs (lock held). */
static void
rebuild(struct controls *c)
{
	struct hc_params hp;

	memset(&hp, 0, sizeof(hp));
	hp.proto = c->p;
	hp.allow = c->allow;
	hp.device = c->device;
	hp.hostname = c->hostname;
	hp.cmd_topic = c->cmd_topic;
	hp.qos = c->qos;
	hp.chg_opts = c->nchg >= 0 ? c->chg : NULL;
	hp.nchg = c->nchg;
	hp.uchg_opts = c->nuchg >= 0 ? c->uchg : NULL;
	hp.nuchg = c->nuchg;
	hp.battery_v = c->battery_v;
	hc_free(c->set);
	c->set = hc_build(&hp);
}

static int
has_topic_wildcard(const char *t)
{
	return strchr(t, '+') != NULL || strchr(t, '#') != NULL;
}

static void
count_kinds(const struct hc_set *s, int n[3])
{
	n[0] = n[1] = n[2] = 0;
	for (int i = 0; i < hc_count(s); i++)
		if (hc_at(s, i)->status != HC_REFUSED)
			n[hc_at(s, i)->kind]++;
}

struct controls *
controls_new(const struct device_cfg *dc, const struct pi_proto *p,
    const char *hostname, const struct allowlist *allow)
{
	struct controls *c;
	char *topic;
	int n[3];

	if (!dc->hass_controls)
		return NULL;
	if (p == NULL) {
		log_warn("%s: hass_controls needs a protocol", dc->name);
		return NULL;
	}
	if (dc->nallow == 0) {
		log_warn("%s: hass_controls: mqtt_allowed_cmds is empty, so no "
		    "setting can be controlled", dc->name);
		return NULL;
	}
	if (allow == NULL)
		return NULL;	/* it did not compile: the caller logged why */
	topic = ident_expand(dc->mqtt.cmd_topic != NULL ? dc->mqtt.cmd_topic :
	    "{hostname}/{device}/cmd", hostname, dc->name);
	if (has_topic_wildcard(topic)) {
		log_warn("%s: hass_controls: the command topic \"%s\" has "
		    "wildcards; Home Assistant needs a topic to publish to",
		    dc->name, topic);
		free(topic);
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	c->cmd_topic = topic;
	c->device = xstrdup(dc->name);
	c->p = p;
	c->hostname = xstrdup(hostname);
	c->qos = dc->mqtt.cmd_qos;
	c->nchg = c->nuchg = -1;
	pthread_mutex_init(&c->lock, NULL);
	c->allow = allow;
	for (size_t i = 0; i < NQUERIES; i++) {
		const char *q = hc_query(p, queries[i].q);
		if (q != NULL && proto_lookup(p, q, NULL, 0) != NULL)
			c->supported |= queries[i].bit;
	}
	rebuild(c);
	count_kinds(c->set, n);
	if (n[0] + n[1] + n[2] == 0) {
		log_warn("%s: hass_controls: the allowlist admits no setting "
		    "command of %s (PI30: POP, PCP, PBT, MCHGC, MUCHGC, PBCV, "
		    "PBDV, PSDV, PCVV, PBFT, PE/PD; PI18: POP, PCP, PSP, PBT, "
		    "MCHGC, MUCHGC, PSDV; PI17: SEP, EDA-EDG)", dc->name, p->id);
		controls_free(c);
		return NULL;
	}
	log_info("%s: Home Assistant controls: %d select, %d number, %d switch "
	    "entities on %s", dc->name, n[HC_SELECT], n[HC_NUMBER],
	    n[HC_SWITCH], c->cmd_topic);
	return c;
}

void
controls_attach(struct controls *c, struct worker *w, out_publish_fn fn,
    void *arg)
{
	pthread_mutex_lock(&c->lock);
	c->w = w;
	c->pub = fn;
	c->pub_arg = arg;
	pthread_mutex_unlock(&c->lock);
}

/* Queries worth making now (lock held): data still unknown and needed. */
static unsigned
wanted(struct controls *c)
{
	const struct hc_entity *e;
	unsigned q = 0;

	for (int i = 0; i < hc_count(c->set); i++) {
		e = hc_at(c->set, i);
		if (e->status == HC_REFUSED)
			continue;
		if (e->source == HC_SRC_QFLAG)
			q |= Q_FLAG;
		else
			q |= Q_PIRI;	/* PI17's switches read HECS */
		if (strcmp(e->object, "max_charging_current") == 0 && c->nchg < 0)
			q |= Q_CHG;
		if (strcmp(e->object, "max_utility_charging_current") == 0 &&
		    c->nuchg < 0)
			q |= Q_UCHG;
	}
	return q & c->supported & ~c->known & ~c->inflight;
}

static unsigned
query_bit(const struct controls *c, const char *cmd)
{
	for (size_t i = 0; i < NQUERIES; i++) {
		const char *q = hc_query(c->p, queries[i].q);
		if (q != NULL && strcmp(q, cmd) == 0)
			return queries[i].bit;
	}
	return 0;
}

/* Worker thread: a query controls queued has run (r) or was dropped. */
static void
query_done(void *arg, const char *cmd, struct result *r, int status,
    const char *error)
{
	struct controls *c = arg;
	out_publish_fn fn;
	void *parg;

	pthread_mutex_lock(&c->lock);
	c->inflight &= ~query_bit(c, cmd);
	fn = c->pub;
	parg = c->pub_arg;
	pthread_mutex_unlock(&c->lock);
	if (r != NULL)
		controls_on_result(c, cmd, r, fn, parg);
}

/*
 * Queues the queries in bits on w and marks them in flight (lock held, so
 * controls_detach cannot let the worker be freed meanwhile; worker_submit
 * never blocks and never calls back synchronously).
 */
static void
submit_locked(struct controls *c, struct worker *w, unsigned bits)
{
	for (size_t i = 0; i < NQUERIES && w != NULL; i++) {
		const char *q = hc_query(c->p, queries[i].q);
		int rc;
		if (!(bits & queries[i].bit) || q == NULL)
			continue;
		rc = worker_submit(w, q, query_done, c);
		if (rc == 0)
			c->inflight |= queries[i].bit;
		else if (rc == -1)
			log_warn("%s: device busy: %s for Home Assistant not "
			    "queued", c->device, q);
	}
}

void
controls_publish_discovery(struct controls *c, out_publish_fn fn, void *arg)
{
	struct msgs ms = { NULL, 0, NULL, 0 };

	pthread_mutex_lock(&c->lock);
	c->discovered = 1;
	ms.keep = &c->configs;
	hc_publish_discovery(c->set, collect, &ms);
	ms.keep = NULL;
	for (int i = 0; i < c->states.n; i++)
		collect(&ms, c->states.k[i].topic, c->states.k[i].payload,
		    strlen(c->states.k[i].payload), 0, 1);
	submit_locked(c, c->w, wanted(c));
	pthread_mutex_unlock(&c->lock);
	flush(&ms, fn, arg);
}

/* Stores a new option list; 1 when it differs from the old one. */
static int
set_options(int *dst, int *ndst, const int *src, int n)
{
	if (*ndst == n && memcmp(dst, src, (size_t)n * sizeof(*src)) == 0)
		return 0;
	memcpy(dst, src, (size_t)n * sizeof(*src));
	*ndst = n;
	return 1;
}

void
controls_on_result(struct controls *c, const char *cmd, const struct result *r,
    out_publish_fn fn, void *arg)
{
	struct msgs ms = { NULL, 0, NULL, 0 };
	unsigned bit = query_bit(c, cmd);
	int opts[HC_MAX_OPTS], n, changed = 0;
	double v;

	if (bit == 0 || r == NULL)
		return;
	pthread_mutex_lock(&c->lock);
	if (fn == NULL) {
		fn = c->pub;
		arg = c->pub_arg;
	}
	switch (bit) {
	case Q_CHG:
	case Q_UCHG:
		n = hc_current_options(r, opts, HC_MAX_OPTS);
		if (n <= 0)
			break;
		c->known |= bit;
		if (bit == Q_CHG)
			changed = set_options(c->chg, &c->nchg, opts, n);
		else
			changed = set_options(c->uchg, &c->nuchg, opts, n);
		break;
	case Q_PIRI:
		v = hc_rated_battery_voltage(r);
		if (v > 0) {
			c->known |= Q_PIRI;
			changed = v != c->battery_v;
			c->battery_v = v;
		}
		break;
	}
	if (changed) {
		rebuild(c);
		/* Only the configs that changed (the options or ranges). */
		ms.keep = &c->configs;
		ms.changed_only = 1;
		if (c->discovered)
			hc_publish_discovery(c->set, collect, &ms);
		ms.changed_only = 0;
	}
	ms.keep = &c->states;
	if (hc_publish_states(c->set, cmd, r, collect, &ms) > 0)
		c->known |= bit & (Q_PIRI | Q_FLAG);
	pthread_mutex_unlock(&c->lock);
	flush(&ms, fn, arg);
}

void
controls_after_command(struct controls *c, struct worker *w, const char *cmd,
    const struct result *r)
{
	const struct pi_cmd *d;
	unsigned q;

	if (query_bit(c, cmd) != 0) {
		controls_on_result(c, cmd, r, NULL, NULL);
		return;
	}
	if (!hc_is_ack(r) || (d = proto_lookup(c->p, cmd, NULL, 0)) == NULL ||
	    !d->setter)
		return;
	if (strcmp(pi_str(d->key), "PE") == 0 || strcmp(pi_str(d->key), "PD") == 0)
		q = Q_FLAG;
	else if (strcmp(pi_str(d->key), "PF") == 0)
		q = Q_PIRI | Q_FLAG;
	else
		q = Q_PIRI;
	pthread_mutex_lock(&c->lock);
	/* A read-back still queued runs after this setter anyway. */
	if (c->w != NULL)
		submit_locked(c, w, q & c->supported & ~c->inflight);
	pthread_mutex_unlock(&c->lock);
}

void
controls_detach(struct controls *c)
{
	pthread_mutex_lock(&c->lock);
	c->w = NULL;
	pthread_mutex_unlock(&c->lock);
}

void
controls_free(struct controls *c)
{
	if (c == NULL)
		return;
	hc_free(c->set);
	kept_free(&c->states);
	kept_free(&c->configs);
	free(c->device);
	free(c->hostname);
	free(c->cmd_topic);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

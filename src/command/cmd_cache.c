/*
 * cmd_cache.c - answers kept for repeated commands (see cmd_cache.h).
 *
 * The entries are a list, newest first, for the bounds (oldest first
 * out), and are filed in three hash indexes (hindex.h) for the look-ups
 * every command makes: a message (device, topic, payload) for
 * redeliveries, an id (device, topic, id, command), and the entry's
 * serial for its answer.  A linear search of up to CC_MAX entries cost
 * about 5,300 instructions per command under load (BENCHMARKS.md).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_cache.h"
#include "hindex.h"
#include "sbuf.h"

struct cc_waiter {
	struct cc_waiter *next;
	size_t		 len;
	unsigned char	 data[];
};

struct cc_entry {
	struct cc_entry	*next, *prev;
	struct hnode	 by_msg;	/* filed while redeliverable */
	struct hnode	 by_id;		/* filed when id_json is set */
	struct hnode	 by_serial;
	int		 in_msgs;
	struct cc_waiter *waiters;
	int		 nwaiters;
	uint64_t	 serial;
	const void	*scope;
	char		*topic;
	void		*payload;
	size_t		 len;
	unsigned long	 session;
	int		 redeliverable;	/* and not yet matched by a redelivery */
	char		*id_json;	/* NULL: no id */
	char		*command;
	int64_t		 at_ms;
	char		*answer;	/* NULL while the command runs */
	size_t		 answer_len;
};

struct cmd_cache {
	pthread_mutex_t	 mtx;
	struct cc_entry	*head, *tail;	/* newest first */
	struct hindex	 msgs, ids, serials;
	int		 n;
	size_t		 bytes;		/* of stored answers */
	uint64_t	 next_serial;
};

struct cmd_cache *
cc_new(void)
{
	struct cmd_cache *cc = xcalloc(1, sizeof(*cc));

	pthread_mutex_init(&cc->mtx, NULL);
	cc->next_serial = 1;
	return cc;
}

/* The keys of the indexes.  The scope is compared by address, so its
 * address is what is hashed. */
static uint64_t
hash_msg(const void *scope, const char *topic, const void *payload,
    size_t len)
{
	uint64_t h = hidx_hash(HIDX_SEED, &scope, sizeof(scope));

	h = hidx_hash(h, topic, strlen(topic) + 1);
	return hidx_hash(h, payload, len);
}

static uint64_t
hash_id(const void *scope, const char *topic, const char *id_json,
    const char *command)
{
	uint64_t h = hidx_hash(HIDX_SEED, &scope, sizeof(scope));

	h = hidx_hash(h, topic, strlen(topic) + 1);
	h = hidx_hash(h, id_json, strlen(id_json) + 1);
	return hidx_hash(h, command, strlen(command));
}

static uint64_t
hash_serial(uint64_t serial)
{
	return hidx_hash(HIDX_SEED, &serial, sizeof(serial));
}

/* The redelivery of e is spent, or e goes: no longer found as one. */
static void
cc_unfile_msg(struct cmd_cache *cc, struct cc_entry *e)
{
	if (e->in_msgs) {
		hidx_del(&cc->msgs, &e->by_msg);
		e->in_msgs = 0;
	}
}

static void
cc_waiters_free(struct cc_waiter *w)
{
	struct cc_waiter *next;

	for (; w != NULL; w = next) {
		next = w->next;
		free(w);
	}
}

static void
cc_unlink(struct cmd_cache *cc, struct cc_entry *e)
{
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		cc->head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		cc->tail = e->prev;
	cc->n--;
	cc->bytes -= e->answer_len;
	cc_unfile_msg(cc, e);
	if (e->id_json != NULL)
		hidx_del(&cc->ids, &e->by_id);
	hidx_del(&cc->serials, &e->by_serial);
	cc_waiters_free(e->waiters);
	free(e->answer);
	free(e);	/* and the key it holds (cc_lookup) */
}

void
cc_free(struct cmd_cache *cc)
{
	if (cc == NULL)
		return;
	while (cc->head != NULL)
		cc_unlink(cc, cc->head);
	hidx_free(&cc->msgs);
	hidx_free(&cc->ids);
	hidx_free(&cc->serials);
	pthread_mutex_destroy(&cc->mtx);
	free(cc);
}

/* Drops what is too old, then the oldest while over the bounds.  mtx held. */
static void
cc_trim(struct cmd_cache *cc, int64_t now_ms, int room)
{
	while (cc->tail != NULL && (now_ms - cc->tail->at_ms > CC_TTL_MS ||
	    cc->n + room > CC_MAX || cc->bytes > CC_BYTES))
		cc_unlink(cc, cc->tail);
}

static int
cc_same_redelivery(const struct cc_entry *e, const struct cc_key *k)
{
	return e->redeliverable && k->may_be_redelivery && e->session < k->session &&
	    e->len == k->len && strcmp(e->topic, k->topic) == 0 &&
	    memcmp(e->payload, k->payload, k->len) == 0;
}

static int
cc_same_id(const struct cc_entry *e, const struct cc_key *k)
{
	return e->id_json != NULL && k->id_json != NULL &&
	    strcmp(e->id_json, k->id_json) == 0 &&
	    strcmp(e->command, k->command) == 0 &&
	    strcmp(e->topic, k->topic) == 0;
}

/*
 * The entry a message repeats, NULL for none: of the entries of k's scope
 * that k repeats (as a redelivery or by its id), the newest, as a search
 * of the list from its newest end would find it; an entry that is both is
 * a redelivery.  mtx held.
 */
static struct cc_entry *
cc_find(struct cmd_cache *cc, const struct cc_key *k, int *redelivery)
{
	struct cc_entry *re = NULL, *ie = NULL, *e;
	struct hnode *n;
	uint64_t h;

	if (k->may_be_redelivery) {
		h = hash_msg(k->scope, k->topic, k->payload, k->len);
		for (n = hidx_first(&cc->msgs, h); n != NULL; n = hidx_next(n)) {
			e = hidx_entry(n, struct cc_entry, by_msg);
			if (e->scope == k->scope && cc_same_redelivery(e, k) &&
			    (re == NULL || e->serial > re->serial))
				re = e;
		}
	}
	if (k->id_json != NULL) {
		h = hash_id(k->scope, k->topic, k->id_json, k->command != NULL ?
		    k->command : "");
		for (n = hidx_first(&cc->ids, h); n != NULL; n = hidx_next(n)) {
			e = hidx_entry(n, struct cc_entry, by_id);
			if (e->scope == k->scope && cc_same_id(e, k) &&
			    (ie == NULL || e->serial > ie->serial))
				ie = e;
		}
	}
	if (re != NULL && (ie == NULL || re->serial >= ie->serial)) {
		re->redeliverable = 0;	/* one redelivery per message */
		cc_unfile_msg(cc, re);
		*redelivery = 1;
		return re;
	}
	return ie;
}

enum cc_state
cc_lookup(struct cmd_cache *cc, const struct cc_key *k, int64_t now_ms,
    const void *waiter, size_t wlen, struct sbuf *answer, uint64_t *serial,
    int *redelivery)
{
	struct cc_entry *e;
	enum cc_state st = CC_NEW;

	*redelivery = 0;
	*serial = 0;
	pthread_mutex_lock(&cc->mtx);
	cc_trim(cc, now_ms, 0);
	e = cc_find(cc, k, redelivery);
	if (e != NULL) {
		if (e->answer != NULL) {
			sbuf_add(answer, e->answer, e->answer_len);
			st = CC_ANSWERED;
		} else {
			st = CC_RUNNING;
			if (waiter != NULL && e->nwaiters < CC_WAITERS_MAX) {
				struct cc_waiter *w = xmalloc(sizeof(*w) + wlen);
				w->len = wlen;
				memcpy(w->data, waiter, wlen);
				w->next = e->waiters;
				e->waiters = w;
				e->nwaiters++;
			}
		}
		pthread_mutex_unlock(&cc->mtx);
		return st;
	}
	cc_trim(cc, now_ms, 1);
	/* The entry and its key (topic, payload, id, command) are one
	 * allocation: up to CC_MAX of them are kept, and one block instead
	 * of five saves about 80 bytes each (BENCHMARKS.md 1.1). */
	{
		const char *cmd = k->command != NULL ? k->command : "";
		size_t tlen = strlen(k->topic) + 1;
		size_t ilen = k->id_json != NULL ? strlen(k->id_json) + 1 : 0;
		size_t clen = k->id_json != NULL ? strlen(cmd) + 1 : 0;
		char *p;

		e = xcalloc(1, sizeof(*e) + tlen + k->len + ilen + clen);
		p = (char *)(e + 1);
		e->topic = memcpy(p, k->topic, tlen);
		p += tlen;
		e->payload = p;
		if (k->len > 0)
			memcpy(p, k->payload, k->len);
		p += k->len;
		if (k->id_json != NULL) {
			e->id_json = memcpy(p, k->id_json, ilen);
			p += ilen;
			e->command = memcpy(p, cmd, clen);
		}
	}
	e->serial = cc->next_serial++;
	e->scope = k->scope;
	e->len = k->len;
	e->session = k->session;
	e->redeliverable = k->redeliverable;
	e->at_ms = now_ms;
	e->next = cc->head;
	if (cc->head != NULL)
		cc->head->prev = e;
	else
		cc->tail = e;
	cc->head = e;
	cc->n++;
	if (e->redeliverable) {
		hidx_add(&cc->msgs, &e->by_msg, hash_msg(e->scope, e->topic,
		    e->payload, e->len));
		e->in_msgs = 1;
	}
	if (e->id_json != NULL)
		hidx_add(&cc->ids, &e->by_id, hash_id(e->scope, e->topic,
		    e->id_json, e->command));
	hidx_add(&cc->serials, &e->by_serial, hash_serial(e->serial));
	*serial = e->serial;
	pthread_mutex_unlock(&cc->mtx);
	return CC_NEW;
}

void
cc_answer(struct cmd_cache *cc, uint64_t serial, const char *answer,
    size_t len, cc_waiter_fn fn, void *arg)
{
	struct cc_entry *e;
	struct hnode *n;
	struct cc_waiter *waiters = NULL, *w;

	if (serial == 0)
		return;
	pthread_mutex_lock(&cc->mtx);
	for (n = hidx_first(&cc->serials, hash_serial(serial)); n != NULL &&
	    hidx_entry(n, struct cc_entry, by_serial)->serial != serial;
	    n = hidx_next(n))
		;
	e = n != NULL ? hidx_entry(n, struct cc_entry, by_serial) : NULL;
	if (e != NULL) {
		waiters = e->waiters;
		e->waiters = NULL;
		e->nwaiters = 0;
	}
	if (e != NULL && e->answer == NULL && len <= CC_BYTES) {
		e->answer = xmalloc(len > 0 ? len : 1);
		memcpy(e->answer, answer, len);
		e->answer_len = len;
		cc->bytes += len;
		/* Over the byte bound: the oldest answers go (never this one
		 * unless it alone is the whole cache). */
		while (cc->bytes > CC_BYTES && cc->tail != NULL &&
		    cc->tail != e)
			cc_unlink(cc, cc->tail);
	}
	pthread_mutex_unlock(&cc->mtx);
	for (w = waiters; w != NULL && fn != NULL; w = w->next)
		fn(arg, w->data, answer, len);
	cc_waiters_free(waiters);
}

int
cc_count(struct cmd_cache *cc)
{
	int n;

	pthread_mutex_lock(&cc->mtx);
	n = cc->n;
	pthread_mutex_unlock(&cc->mtx);
	return n;
}

/*
 * cmd_cache.c - answers kept for repeated commands (see cmd_cache.h).
 *
 * A plain list, newest first: at most CC_MAX entries, so a linear search
 * costs a few microseconds per command, far below one MQTT round trip.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_cache.h"
#include "sbuf.h"

struct cc_waiter {
	struct cc_waiter *next;
	size_t		 len;
	unsigned char	 data[];
};

struct cc_entry {
	struct cc_entry	*next, *prev;
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
	cc_waiters_free(e->waiters);
	free(e->topic);
	free(e->payload);
	free(e->id_json);
	free(e->command);
	free(e->answer);
	free(e);
}

void
cc_free(struct cmd_cache *cc)
{
	if (cc == NULL)
		return;
	while (cc->head != NULL)
		cc_unlink(cc, cc->head);
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
	for (e = cc->head; e != NULL; e = e->next) {
		if (e->scope != k->scope)
			continue;
		if (cc_same_redelivery(e, k)) {
			e->redeliverable = 0;	/* one redelivery per message */
			*redelivery = 1;
			break;
		}
		if (cc_same_id(e, k))
			break;
	}
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
	e = xcalloc(1, sizeof(*e));
	e->serial = cc->next_serial++;
	e->scope = k->scope;
	e->topic = xstrdup(k->topic);
	e->payload = xmalloc(k->len > 0 ? k->len : 1);
	if (k->len > 0)
		memcpy(e->payload, k->payload, k->len);
	e->len = k->len;
	e->session = k->session;
	e->redeliverable = k->redeliverable;
	if (k->id_json != NULL) {
		e->id_json = xstrdup(k->id_json);
		e->command = xstrdup(k->command != NULL ? k->command : "");
	}
	e->at_ms = now_ms;
	e->next = cc->head;
	if (cc->head != NULL)
		cc->head->prev = e;
	else
		cc->tail = e;
	cc->head = e;
	cc->n++;
	*serial = e->serial;
	pthread_mutex_unlock(&cc->mtx);
	return CC_NEW;
}

void
cc_answer(struct cmd_cache *cc, uint64_t serial, const char *answer,
    size_t len, cc_waiter_fn fn, void *arg)
{
	struct cc_entry *e;
	struct cc_waiter *waiters = NULL, *w;

	if (serial == 0)
		return;
	pthread_mutex_lock(&cc->mtx);
	for (e = cc->head; e != NULL && e->serial != serial; e = e->next)
		;
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

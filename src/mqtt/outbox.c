/*
 * outbox.c - pending-message bookkeeping of one broker connection (see
 * outbox.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "outbox.h"
#include "sbuf.h"

/* One bit per MQTT message id (1..65535). */
#define OB_MID_BYTES	(65536 / 8)

/* Topics of unacknowledged QoS 1/2 messages, by mid (ob_sent_topic). */
#define OB_TOPIC_BUCKETS	256

struct ob_topic {
	struct ob_topic	*next;
	int		 mid;
	char		*topic;
};

struct ob_list {
	struct ob_msg	*head, *tail;
	int		 n;
};

struct outbox {
	int		 queue_max;
	size_t		 max_packet;	/* 0: no limit known */
	struct ob_list	 held;
	size_t		 held_bytes;
	struct ob_list	 deferred;
	/* In libmosquitto, not yet reported delivered, by mid. */
	uint8_t		 q0map[OB_MID_BYTES];
	uint8_t		 q1map[OB_MID_BYTES];
	int		 n_q0;	/* QoS 0, unwritten */
	int		 n_q1;	/* QoS 1/2, unacknowledged */
	struct ob_topic	*topics[OB_TOPIC_BUCKETS];
};

/* Removes mid's topic and returns it (caller frees), or NULL. */
static char *
ob_topic_take(struct outbox *o, int mid)
{
	struct ob_topic **pp = &o->topics[mid & (OB_TOPIC_BUCKETS - 1)], *t;
	char *topic;

	for (; (t = *pp) != NULL; pp = &t->next)
		if (t->mid == mid) {
			*pp = t->next;
			topic = t->topic;
			free(t);
			return topic;
		}
	return NULL;
}

void
ob_sent_topic(struct outbox *o, int mid, const char *topic)
{
	struct ob_topic *t;

	free(ob_topic_take(o, mid));	/* a reused id: the old one is done */
	t = xcalloc(1, sizeof(*t));
	t->mid = mid;
	t->topic = xstrdup(topic);
	t->next = o->topics[mid & (OB_TOPIC_BUCKETS - 1)];
	o->topics[mid & (OB_TOPIC_BUCKETS - 1)] = t;
}

/* Sets bit mid; 0 when it was already set. */
static int
ob_bit_set(uint8_t *map, int mid)
{
	uint8_t bit = (uint8_t)(1u << (mid & 7));
	uint8_t *p = &map[(mid >> 3) & (OB_MID_BYTES - 1)];

	if (*p & bit)
		return 0;
	*p |= bit;
	return 1;
}

/* Clears bit mid; 0 when it was not set. */
static int
ob_bit_clear(uint8_t *map, int mid)
{
	uint8_t bit = (uint8_t)(1u << (mid & 7));
	uint8_t *p = &map[(mid >> 3) & (OB_MID_BYTES - 1)];

	if (!(*p & bit))
		return 0;
	*p &= (uint8_t)~bit;
	return 1;
}

static void
ob_list_push(struct ob_list *l, struct ob_msg *m)
{
	m->next = NULL;
	if (l->tail != NULL)
		l->tail->next = m;
	else
		l->head = m;
	l->tail = m;
	l->n++;
}

static struct ob_msg *
ob_list_shift(struct ob_list *l)
{
	struct ob_msg *m = l->head;

	if (m == NULL)
		return NULL;
	l->head = m->next;
	if (l->head == NULL)
		l->tail = NULL;
	l->n--;
	m->next = NULL;
	return m;
}

static void
ob_list_free(struct ob_list *l)
{
	struct ob_msg *m;

	while ((m = ob_list_shift(l)) != NULL)
		ob_msg_free(m);
}

/* What a held message counts against OB_HELD_BYTES. */
static size_t
ob_msg_size(const struct ob_msg *m)
{
	return strlen(m->topic) + m->len + m->corrlen;
}

struct outbox *
ob_new(int queue_max)
{
	struct outbox *o = xcalloc(1, sizeof(*o));

	o->queue_max = queue_max > 0 ? queue_max : 1000;
	return o;
}

void
ob_free(struct outbox *o)
{
	if (o == NULL)
		return;
	ob_list_free(&o->held);
	ob_list_free(&o->deferred);
	for (int i = 0; i < OB_TOPIC_BUCKETS; i++)
		while (o->topics[i] != NULL)
			free(ob_topic_take(o, o->topics[i]->mid));
	free(o);
}

struct ob_msg *
ob_msg_new(const char *topic, const void *payload, size_t len, int qos,
    int retain, const void *corr, size_t corrlen)
{
	struct ob_msg *m = xcalloc(1, sizeof(*m));

	m->topic = xstrdup(topic);
	if (payload != NULL && len > 0) {
		m->payload = xmalloc(len);
		memcpy(m->payload, payload, len);
		m->len = len;
	}
	if (corr != NULL && corrlen > 0) {
		m->corr = xmalloc(corrlen);
		memcpy(m->corr, corr, corrlen);
		m->corrlen = corrlen;
	}
	m->qos = qos;
	m->retain = retain;
	return m;
}

void
ob_msg_free(struct ob_msg *m)
{
	if (m == NULL)
		return;
	free(m->topic);
	free(m->payload);
	free(m->corr);
	free(m);
}

/* Bytes of MQTT's variable byte integer for n. */
static size_t
ob_varint_len(size_t n)
{
	size_t k = 1;

	while (n >= 128) {
		n /= 128;
		k++;
	}
	return k;
}

size_t
ob_packet_size(int protocol, size_t tl, size_t len, int qos, size_t propslen)
{
	size_t rem = 2 + tl + (qos > 0 ? 2 : 0) + len;

	if (protocol == 5)
		rem += ob_varint_len(propslen) + propslen;
	return 1 + ob_varint_len(rem) + rem;
}

void
ob_set_max_packet(struct outbox *o, size_t max)
{
	o->max_packet = max;
}

size_t
ob_max_packet(const struct outbox *o)
{
	return o->max_packet;
}

enum ob_verdict
ob_admit(const struct outbox *o, int qos, int retain, size_t packet_size)
{
	if (o->max_packet > 0 && packet_size > o->max_packet)
		return OB_TOO_BIG;
	if (qos > 0 && !retain && ob_awaiting(o) >= o->queue_max)
		return OB_FULL;
	return OB_ADMIT;
}

int
ob_hold(struct outbox *o, const char *topic, const void *payload, size_t len,
    int retain, const void *corr, size_t corrlen, long *dropped)
{
	struct ob_msg *m;
	size_t sz = strlen(topic) + len + (corr != NULL ? corrlen : 0);

	if (sz > OB_HELD_BYTES)
		return -1;
	while (o->held.head != NULL && (o->held.n >= OB_HELD_MAX ||
	    o->held_bytes + sz > OB_HELD_BYTES)) {
		m = ob_list_shift(&o->held);
		o->held_bytes -= ob_msg_size(m);
		ob_msg_free(m);
		if (dropped != NULL)
			(*dropped)++;
	}
	m = ob_msg_new(topic, payload, len, 0, retain, corr, corrlen);
	ob_list_push(&o->held, m);
	o->held_bytes += ob_msg_size(m);
	return 0;
}

const struct ob_msg *
ob_held_first(const struct outbox *o)
{
	return o->held.head;
}

void
ob_held_pop(struct outbox *o)
{
	struct ob_msg *m = ob_list_shift(&o->held);

	if (m != NULL) {
		o->held_bytes -= ob_msg_size(m);
		ob_msg_free(m);
	}
}

int
ob_held_count(const struct outbox *o)
{
	return o->held.n;
}

void
ob_defer(struct outbox *o, const char *topic, const void *payload, size_t len,
    int qos, int retain, const void *corr, size_t corrlen)
{
	ob_list_push(&o->deferred, ob_msg_new(topic, payload, len, qos, retain,
	    corr, corrlen));
}

struct ob_msg *
ob_deferred_take(struct outbox *o)
{
	return ob_list_shift(&o->deferred);
}

void
ob_sent(struct outbox *o, int mid, int qos)
{
	if (qos > 0) {
		if (ob_bit_set(o->q1map, mid))
			o->n_q1++;
	} else if (ob_bit_set(o->q0map, mid))
		o->n_q0++;
}

int
ob_delivered(struct outbox *o, int mid, char **topic)
{
	char *t = ob_topic_take(o, mid);

	if (topic != NULL)
		*topic = t;
	else
		free(t);
	if (ob_bit_clear(o->q1map, mid)) {
		o->n_q1--;
		return 1;
	}
	if (ob_bit_clear(o->q0map, mid)) {
		o->n_q0--;
		return 0;
	}
	return -1;
}

int
ob_conn_lost(struct outbox *o)
{
	int n = o->n_q0;

	memset(o->q0map, 0, sizeof(o->q0map));
	o->n_q0 = 0;
	return n;
}

int
ob_awaiting(const struct outbox *o)
{
	return o->n_q1 + o->deferred.n;
}

int
ob_pending(const struct outbox *o)
{
	return o->held.n + o->deferred.n + o->n_q0 + o->n_q1;
}

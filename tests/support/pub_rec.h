/*
 * pub_rec.h - a publisher (out_publish_fn, output.h) that records every
 * message, for the tests of the MQTT outputs and of Home Assistant's
 * discovery, states and controls.
 *
 * Included by one test program at a time, so everything is static inline.
 */
#ifndef MPPD_PUB_REC_H
#define MPPD_PUB_REC_H

#include <stdlib.h>
#include <string.h>

#include "testmain.h"

#define PUB_REC_MAX	512

struct pub_msg {
	char	*topic;
	char	*payload;	/* NUL-terminated copy */
	size_t	 len;
	int	 qos, retain;
};

struct pub_rec {
	struct pub_msg	m[PUB_REC_MAX];
	int		n;
};

/* The publisher: arg is the struct pub_rec. */
static inline void
pub_rec_fn(void *arg, const char *topic, const char *payload, size_t len,
    int qos, int retain)
{
	struct pub_rec *r = arg;

	assert_true(r->n < PUB_REC_MAX);
	r->m[r->n].topic = strdup(topic);
	r->m[r->n].payload = strndup(payload, len);
	assert_non_null(r->m[r->n].topic);
	assert_non_null(r->m[r->n].payload);
	r->m[r->n].len = len;
	r->m[r->n].qos = qos;
	r->m[r->n].retain = retain;
	r->n++;
}

static inline void
pub_rec_free(struct pub_rec *r)
{
	for (int i = 0; i < r->n; i++) {
		free(r->m[i].topic);
		free(r->m[i].payload);
	}
	r->n = 0;
}

/* The last payload published on topic, or NULL. */
static inline const char *
pub_rec_last(const struct pub_rec *r, const char *topic)
{
	for (int i = r->n - 1; i >= 0; i--)
		if (strcmp(r->m[i].topic, topic) == 0)
			return r->m[i].payload;
	return NULL;
}

/* How many messages went to topic. */
static inline int
pub_rec_count(const struct pub_rec *r, const char *topic)
{
	int n = 0;

	for (int i = 0; i < r->n; i++)
		n += strcmp(r->m[i].topic, topic) == 0;
	return n;
}

#endif

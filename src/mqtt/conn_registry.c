/*
 * conn_registry.c - the broker connections of one run, keyed by broker
 * host, port and user name (see conn_registry.h).
 */
#include <stdlib.h>

#include "config.h"
#include "conn_registry.h"
#include "log.h"
#include "mqtt_conn.h"
#include "sbuf.h"

struct conn_registry {
	int			 oneshot;
	struct mqtt_conn	**v;
	int			 n;
};

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
	struct mqtt_conn *c;

	for (int i = 0; i < r->n; i++) {
		c = r->v[i];
		if (conn_same_broker(c, m)) {
			if (conn_protocol(c) != (m->protocol == 5 ? 5 : 4))
				log_warn("mqtt %s: devices sharing this broker "
				    "ask for different mqtt_protocol values; "
				    "using MQTT %s", conn_name(c),
				    conn_protocol(c) == 5 ? "5" : "3.1.1");
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

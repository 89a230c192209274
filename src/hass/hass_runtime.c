/*
 * hass_runtime.c - the daemon's Home Assistant hooks (hass.h): keeps the
 * last result of every poll command of a hassd device, publishes its
 * discovery once per connection session (and when it changes), its states
 * every cycle, and drives the setting entities (hass_settings_rt.c).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mosquitto.h>

#include "config.h"
#include "hass.h"
#include "hass_discovery.h"
#include "hass_settings_rt.h"
#include "hass_energy.h"
#include "hass_stack.h"
#include "log.h"
#include "mqtt_conn.h"
#include "result.h"
#include "sbuf.h"

/* The last result of one poll command, and the signature of the configs
 * published for it in this connection session (0: none yet). */
struct last_result {
	struct result	 r;
	int		 valid;
	uint64_t	 sent;
};

struct hass_dev {
	const struct device_cfg	*dc;
	struct device		*dev;
	struct mqtt_conn	*conn;
	const struct output_def	*hassd;		/* its hassd output, or NULL */
	int			 sensors;	/* hass publishes them (a broker) */
	struct out_opts		 opts;
	struct controls		*controls;	/* NULL: no setting entities */
	struct stack		*stack;		/* NULL: no QPGSn polled */
	struct energy		*energy;	/* NULL: hass_energy off */
	pthread_mutex_t		 lock;		/* guards last[] and up */
	struct last_result	*last;		/* one per poll command */
	int			 nlast;
	int			 up;		/* the connection came up once */
};

struct hass {
	struct hass_dev		**devs;
	int			 ndevs;
};

struct hass *
hass_new(void)
{
	return xcalloc(1, sizeof(struct hass));
}

/* The row of dc's first output that publishes discovery apart, or NULL. */
static const struct output_def *
hassd_output(const struct device_cfg *dc)
{
	for (int i = 0; i < dc->noutputs; i++) {
		const struct output_def *d = output_find(dc->outputs[i]);
		if (d != NULL && d->discovery != NULL)
			return d;
	}
	return NULL;
}

struct hass_dev *
hass_add_device(struct hass *h, const struct hass_dev_cfg *c)
{
	const struct output_def *hassd = NULL;
	struct controls *ctl = NULL;
	struct hass_dev *d;

	const char *name = output_nonempty(c->opts->device) ?
	    c->opts->device : c->dc->name;
	struct energy *en = NULL;

	hassd = hassd_output(c->dc);
	if (c->conn != NULL) {
		ctl = controls_new(c->dc, c->proto, c->hostname, c->allow);
		en = energy_new(c->dc, c->hostname, name, c->state_dir,
		    c->pause_ms);
	}
	if (hassd == NULL && ctl == NULL && en == NULL)
		return NULL;
	d = xcalloc(1, sizeof(*d));
	d->dc = c->dc;
	d->dev = c->dev;
	d->conn = c->conn;
	d->hassd = hassd;
	d->sensors = hassd != NULL && c->conn != NULL;
	d->opts = *c->opts;
	d->controls = ctl;
	d->energy = en;
	if (d->sensors)
		d->stack = stack_new(c->dc, c->hostname, name);
	pthread_mutex_init(&d->lock, NULL);
	d->nlast = c->dc->ncommands;
	d->last = xcalloc((size_t)d->nlast + 1, sizeof(*d->last));
	if (d->conn != NULL)
		conn_subscribe_others(d->conn, "homeassistant/status", 1);
	h->devs = xrealloc(h->devs, (size_t)(h->ndevs + 1) * sizeof(*h->devs));
	h->devs[h->ndevs++] = d;
	return d;
}

/*
 * Two hassd devices whose tags (or, without a tag, commands) overlap would
 * publish the same unique_ids and topics.
 */
static int
ids_collide(const struct device_cfg *a, const struct device_cfg *b)
{
	if (a->tag != NULL || b->tag != NULL)
		return a->tag != NULL && b->tag != NULL &&
		    strcmp(a->tag, b->tag) == 0;
	for (int k = 0; k < a->ncommands; k++)
		for (int l = 0; l < b->ncommands; l++)
			if (strcmp(a->commands[k], b->commands[l]) == 0)
				return 1;
	return 0;
}

/* Every hassd device counts, those on broker "screen" too (their ids
 * are printed, not published, but collide all the same). */
void
hass_ready(struct hass *h)
{
	int collide = 0;

	for (int i = 0; i < h->ndevs && !collide; i++)
		for (int j = i + 1; j < h->ndevs && !collide; j++)
			collide = h->devs[i]->hassd != NULL &&
			    h->devs[j]->hassd != NULL &&
			    ids_collide(h->devs[i]->dc, h->devs[j]->dc);
	for (int i = 0; i < h->ndevs && collide; i++) {
		if (h->devs[i]->hassd == NULL)
			continue;
		h->devs[i]->opts.uid_prefix = h->devs[i]->dc->name;
		log_warn("%s: Home Assistant ids of several devices would "
		    "collide: ids and topics include the device name",
		    h->devs[i]->dc->name);
	}
}

const char *
hass_uid_prefix(const struct hass_dev *d)
{
	return d != NULL ? d->opts.uid_prefix : NULL;
}

int
hass_owns_sensors(const struct hass_dev *d)
{
	return d != NULL && d->sensors;
}

static void
conn_publisher(void *conn, const char *topic, const char *payload,
    size_t len, int qos, int retain)
{
	conn_publish(conn, topic, payload, len, qos, retain);
}

void
hass_attach_worker(struct hass_dev *d, struct worker *w)
{
	if (d != NULL && d->controls != NULL)
		controls_attach(d->controls, w, controls_conn_publisher, d->conn);
}

void
hass_on_poll(struct hass_dev *d, int index, const char *cmd, struct result *r)
{
	struct last_result *l;
	uint64_t sig;

	if (d == NULL)
		return;
	if (d->sensors && index >= 0 && index < d->nlast) {
		sig = hass_sensors_signature(r);
		pthread_mutex_lock(&d->lock);
		/* While the connection is down the configs wait for
		 * hass_on_up, which publishes them from the last results. */
		if (d->up && d->last[index].sent != sig &&
		    conn_is_connected(d->conn)) {
			d->hassd->discovery(r, &d->opts, conn_publisher, d->conn);
			d->last[index].sent = sig;
		}
		d->hassd->states(r, &d->opts, conn_publisher, d->conn);
		pthread_mutex_unlock(&d->lock);
	}
	if (d->stack != NULL || d->energy != NULL) {
		int discover;
		pthread_mutex_lock(&d->lock);
		discover = d->up && conn_is_connected(d->conn);
		pthread_mutex_unlock(&d->lock);
		stack_on_result(d->stack, index, cmd, r, discover,
		    conn_publisher, d->conn);
		energy_on_result(d->energy, index, cmd, r, discover,
		    conn_publisher, d->conn);
	}
	if (d->controls != NULL)
		controls_on_result(d->controls, cmd, r, controls_conn_publisher,
		    d->conn);
	if (!d->sensors || index < 0 || index >= d->nlast)
		return;
	/* Kept until the next cycle: one allocation of its exact size
	 * instead of a growing array and a block per string (about 4 kB less
	 * per device with QPIGS and QPIRI). */
	result_pack(r);
	pthread_mutex_lock(&d->lock);
	l = &d->last[index];
	/* Take r over instead of copying it (the worker frees what is left
	 * of r, now empty). */
	if (l->valid)
		result_free(&l->r);
	l->r = *r;
	result_init(r);
	l->valid = 1;
	pthread_mutex_unlock(&d->lock);
}

/* Publishes d's sensor configs (and states) from the last results. */
static void
rediscover(struct hass_dev *d, int states)
{
	pthread_mutex_lock(&d->lock);
	d->up = 1;
	for (int k = 0; k < d->nlast; k++) {
		struct last_result *l = &d->last[k];
		l->sent = 0;
		if (!l->valid || !d->sensors)
			continue;
		d->hassd->discovery(&l->r, &d->opts, conn_publisher, d->conn);
		if (states)
			d->hassd->states(&l->r, &d->opts, conn_publisher,
			    d->conn);
		l->sent = hass_sensors_signature(&l->r);
	}
	pthread_mutex_unlock(&d->lock);
	stack_rediscover(d->stack, conn_publisher, d->conn);
	energy_rediscover(d->energy, conn_publisher, d->conn);
	if (d->controls != NULL)
		controls_publish_discovery(d->controls, controls_conn_publisher,
		    d->conn);
}

void
hass_on_up(struct hass *h, struct mqtt_conn *c)
{
	for (int i = 0; i < h->ndevs; i++)
		if (h->devs[i]->conn == c && c != NULL)
			rediscover(h->devs[i], 0);
}

int
hass_on_message(struct hass *h, struct mqtt_conn *c,
    const struct mosquitto_message *m)
{
	if (strcmp(m->topic, "homeassistant/status") != 0)
		return 0;
	if (m->payloadlen == 6 && memcmp(m->payload, "online", 6) == 0) {
		log_info("Home Assistant is online: re-sending discovery");
		for (int i = 0; i < h->ndevs; i++)
			if (h->devs[i]->conn == c && c != NULL)
				rediscover(h->devs[i], 1);
	}
	return 1;
}

void
hass_after_command(void *arg, struct device *dev, struct worker *w,
    const char *cmd, const struct result *res)
{
	struct hass *h = arg;

	for (int i = 0; i < h->ndevs; i++)
		if (h->devs[i]->dev == dev && h->devs[i]->controls != NULL)
			controls_after_command(h->devs[i]->controls, w, cmd, res);
}

void
hass_detach(struct hass *h)
{
	for (int i = 0; i < h->ndevs; i++)
		if (h->devs[i]->controls != NULL)
			controls_detach(h->devs[i]->controls);
}

void
hass_free(struct hass *h)
{
	if (h == NULL)
		return;
	for (int i = 0; i < h->ndevs; i++) {
		struct hass_dev *d = h->devs[i];
		for (int k = 0; k < d->nlast; k++)
			if (d->last[k].valid)
				result_free(&d->last[k].r);
		free(d->last);
		controls_free(d->controls);
		stack_free(d->stack);
		energy_free(d->energy);
		pthread_mutex_destroy(&d->lock);
		free(d);
	}
	free(h->devs);
	free(h);
}

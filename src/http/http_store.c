/*
 * http_store.c - the web server's view of the devices (http_store.h).
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "config.h"
#include "http_path.h"
#include "http_store.h"
#include "sbuf.h"

struct hres {
	char		*cmd;
	int		 valid;
	int		 status;
	int64_t		 t_ms;
	struct result	 r;
};

struct hdev {
	pthread_mutex_t	 lock;		/* guards everything below */
	int		 online;
	int64_t		 last_ms, ok_ms;
	unsigned long	 polls, errors, commands;
	int		 nres;
	struct hres	*res;
	struct hsample	*ring;		/* HSTORE_HISTORY, allocated at the first sample */
	int		 head, count;	/* next slot, samples held */
};

struct hbroker {
	char		*name;
	unsigned long	 connects;	/* under hstore.block */
};

struct hstore {
	int		 ndevs;
	char		**names;
	struct hdev	*devs;
	pthread_mutex_t	 block;		/* guards brokers[].connects */
	struct hbroker	*brokers;
	int		 nbrokers;
};

int64_t
hstore_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct hstore *
hstore_new(const struct config *c)
{
	struct hstore *s = xcalloc(1, sizeof(*s));

	s->ndevs = c->ndevs;
	s->names = xcalloc((size_t)c->ndevs + 1, sizeof(*s->names));
	s->devs = xcalloc((size_t)c->ndevs + 1, sizeof(*s->devs));
	pthread_mutex_init(&s->block, NULL);
	for (int i = 0; i < c->ndevs; i++) {
		const struct device_cfg *dc = &c->devs[i];
		struct hdev *d = &s->devs[i];

		s->names[i] = xstrdup(dc->name);
		pthread_mutex_init(&d->lock, NULL);
		d->online = -1;
		d->nres = dc->ncommands;
		d->res = xcalloc((size_t)dc->ncommands + 1, sizeof(*d->res));
		for (int k = 0; k < dc->ncommands; k++)
			d->res[k].cmd = xstrdup(dc->commands[k]);
	}
	return s;
}

void
hstore_free(struct hstore *s)
{
	if (s == NULL)
		return;
	for (int i = 0; i < s->ndevs; i++) {
		struct hdev *d = &s->devs[i];
		for (int k = 0; k < d->nres; k++) {
			if (d->res[k].valid)
				result_free(&d->res[k].r);
			free(d->res[k].cmd);
		}
		free(d->res);
		free(d->ring);
		pthread_mutex_destroy(&d->lock);
		free(s->names[i]);
	}
	for (int i = 0; i < s->nbrokers; i++)
		free(s->brokers[i].name);
	free(s->brokers);
	pthread_mutex_destroy(&s->block);
	free(s->names);
	free(s->devs);
	free(s);
}

void
hstore_add_broker(struct hstore *s, const char *name)
{
	for (int i = 0; i < s->nbrokers; i++)
		if (strcmp(s->brokers[i].name, name) == 0)
			return;
	s->brokers = xrealloc(s->brokers,
	    (size_t)(s->nbrokers + 1) * sizeof(*s->brokers));
	s->brokers[s->nbrokers].name = xstrdup(name);
	s->brokers[s->nbrokers].connects = 0;
	s->nbrokers++;
}

int
hstore_count(const struct hstore *s)
{
	return s->ndevs;
}

const char *
hstore_name(const struct hstore *s, int i)
{
	return i >= 0 && i < s->ndevs ? s->names[i] : NULL;
}

int
hstore_find(const struct hstore *s, const char *name)
{
	return hpath_lookup((const char *const *)s->names, s->ndevs, name);
}

/* The numeric value of e, or NaN. */
static double
num(const struct entry *e)
{
	if (e == NULL || e->kind != ENT_LIST)
		return NAN;
	if (e->v.type == V_FLOAT)
		return e->v.f;
	if (e->v.type == V_INT && e->v.s != NULL)
		return strtod(e->v.s, NULL);
	return NAN;
}

static int
has(const char *key, const char *word)
{
	return strcasestr(key, word) != NULL;
}

int
hstore_sample(const struct result *r, struct hsample *out)
{
	double pv = NAN, pv_total = NAN, load = NAN, grid = NAN;
	double bv = NAN, bchg = NAN, bdis = NAN, bpct = NAN, bw = NAN;
	int found = 0;

	for (int i = 0; i < r->n; i++) {
		const struct entry *e = &r->e[i];
		const char *k = e->key, *u = e->unit;
		double v = num(e);

		if (isnan(v) || u == NULL)
			continue;
		if (strcmp(u, "W") == 0) {
			if (has(k, "pv") && has(k, "total"))
				pv_total = v;
			else if (has(k, "pv") && has(k, "power"))
				pv = isnan(pv) ? v : pv + v;
			else if (has(k, "output active power"))
				load = v;
			else if (has(k, "grid") || has(k, "ac input active power"))
				grid = v;
			else if (has(k, "battery") && has(k, "power"))
				bw = v;
		} else if (strcmp(u, "V") == 0 &&
		    strcasecmp(k, "Battery Voltage") == 0)
			bv = v;
		else if (strcmp(u, "A") == 0 &&
		    strcasecmp(k, "Battery Charging Current") == 0)
			bchg = v;
		else if (strcmp(u, "A") == 0 &&
		    strcasecmp(k, "Battery Discharge Current") == 0)
			bdis = v;
		else if (strcmp(u, "%") == 0 &&
		    strcasecmp(k, "Battery Capacity") == 0)
			bpct = v;
	}
	/* Only a status reply holds PV power or the battery's charge; a
	 * ratings reply (QPIRI: "AC Output Active Power" is the rated 4000 W)
	 * is no sample. */
	if (isnan(pv) && isnan(pv_total) && isnan(bpct))
		return 0;
	if (isnan(bw) && !isnan(bv) && (!isnan(bchg) || !isnan(bdis)))
		bw = bv * ((isnan(bchg) ? 0 : bchg) - (isnan(bdis) ? 0 : bdis));
	out->v[HS_PV] = (float)(!isnan(pv_total) ? pv_total : pv);
	out->v[HS_LOAD] = (float)load;
	out->v[HS_GRID] = (float)grid;
	out->v[HS_BATT_W] = (float)bw;
	out->v[HS_BATT_PCT] = (float)bpct;
	for (int i = 0; i < HS_N; i++)
		if (!isnan(out->v[i]))
			found++;
	return found;
}

void
hstore_poll(struct hstore *s, int dev, int index, const struct result *r,
    int status)
{
	struct hdev *d;
	struct result copy, old;
	struct hsample smp;
	int have_sample, had_old = 0;
	int64_t now = hstore_now_ms();

	if (s == NULL || dev < 0 || dev >= s->ndevs)
		return;
	d = &s->devs[dev];
	/* copy and extract outside the lock */
	result_copy(&copy, r);
	smp.t_ms = now;
	have_sample = status > 0 && hstore_sample(r, &smp) > 0;
	if (have_sample && d->ring == NULL)	/* only this thread writes it */
		d->ring = xcalloc(HSTORE_HISTORY, sizeof(*d->ring));
	result_init(&old);
	pthread_mutex_lock(&d->lock);
	d->polls++;
	if (status <= 0)
		d->errors++;
	else
		d->ok_ms = now;
	d->last_ms = now;
	if (index >= 0 && index < d->nres) {
		struct hres *h = &d->res[index];
		if (h->valid) {
			old = h->r;
			had_old = 1;
		}
		h->r = copy;
		h->valid = 1;
		h->status = status;
		h->t_ms = now;
		result_init(&copy);
	}
	if (have_sample) {
		d->ring[d->head] = smp;
		d->head = (d->head + 1) % HSTORE_HISTORY;
		if (d->count < HSTORE_HISTORY)
			d->count++;
	}
	pthread_mutex_unlock(&d->lock);
	if (had_old)
		result_free(&old);
	result_free(&copy);
}

void
hstore_online(struct hstore *s, int dev, int online)
{
	if (s == NULL || dev < 0 || dev >= s->ndevs)
		return;
	pthread_mutex_lock(&s->devs[dev].lock);
	s->devs[dev].online = online;
	pthread_mutex_unlock(&s->devs[dev].lock);
}

void
hstore_command(struct hstore *s, int dev)
{
	if (s == NULL || dev < 0 || dev >= s->ndevs)
		return;
	pthread_mutex_lock(&s->devs[dev].lock);
	s->devs[dev].commands++;
	pthread_mutex_unlock(&s->devs[dev].lock);
}

void
hstore_broker_up(struct hstore *s, const char *name)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&s->block);
	for (int i = 0; i < s->nbrokers; i++)
		if (strcmp(s->brokers[i].name, name) == 0)
			s->brokers[i].connects++;
	pthread_mutex_unlock(&s->block);
}

void
hstore_snap(struct hstore *s, int i, struct hdev_snap *out)
{
	struct hdev *d = &s->devs[i];

	memset(out, 0, sizeof(*out));
	out->name = xstrdup(s->names[i]);
	out->nres = d->nres;
	out->res = xcalloc((size_t)d->nres + 1, sizeof(*out->res));
	pthread_mutex_lock(&d->lock);
	out->online = d->online;
	out->last_ms = d->last_ms;
	out->ok_ms = d->ok_ms;
	out->polls = d->polls;
	out->errors = d->errors;
	out->commands = d->commands;
	for (int k = 0; k < d->nres; k++) {
		struct hres_snap *o = &out->res[k];
		o->cmd = xstrdup(d->res[k].cmd);
		o->valid = d->res[k].valid;
		o->status = d->res[k].status;
		o->t_ms = d->res[k].t_ms;
		if (o->valid)
			result_copy(&o->r, &d->res[k].r);
		else
			result_init(&o->r);
	}
	pthread_mutex_unlock(&d->lock);
}

void
hstore_snap_free(struct hdev_snap *d)
{
	for (int k = 0; k < d->nres; k++) {
		result_free(&d->res[k].r);
		free(d->res[k].cmd);
	}
	free(d->res);
	free(d->name);
	memset(d, 0, sizeof(*d));
}

int
hstore_brokers(struct hstore *s, struct hbroker_snap **out)
{
	int n;

	pthread_mutex_lock(&s->block);
	n = s->nbrokers;
	*out = xcalloc((size_t)n + 1, sizeof(**out));
	for (int i = 0; i < n; i++) {
		(*out)[i].name = xstrdup(s->brokers[i].name);
		(*out)[i].connects = s->brokers[i].connects;
	}
	pthread_mutex_unlock(&s->block);
	return n;
}

void
hstore_brokers_free(struct hbroker_snap *b, int n)
{
	for (int i = 0; i < n; i++)
		free(b[i].name);
	free(b);
}

int
hstore_history(struct hstore *s, int i, int64_t since_ms,
    struct hsample **out)
{
	struct hdev *d = &s->devs[i];
	struct hsample *buf = xmalloc(HSTORE_HISTORY * sizeof(*buf));
	int n = 0;

	pthread_mutex_lock(&d->lock);
	for (int k = 0; k < d->count; k++) {
		int slot = (d->head - d->count + k + HSTORE_HISTORY) %
		    HSTORE_HISTORY;
		if (d->ring[slot].t_ms >= since_ms)
			buf[n++] = d->ring[slot];
	}
	pthread_mutex_unlock(&d->lock);
	*out = buf;
	return n;
}

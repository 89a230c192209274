/*
 * hass_energy.c - energy totals for the Energy dashboard (hass_energy.h).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "clock.h"
#include "config.h"
#include "hass_energy.h"
#include "log.h"
#include "result.h"
#include "sbuf.h"

#define SAVE_EVERY_MS	60000

static const struct {
	const char	*key, *name, *icon;
} en_sensors[EN_COUNT] = {
	[EN_PV] = { "pv", "PV Energy", "mdi:solar-power" },
	[EN_LOAD] = { "load", "Load Energy", "mdi:home-lightning-bolt" },
	[EN_GRID_IN] = { "grid_in", "Grid Energy In", "mdi:transmission-tower-export" },
	[EN_BATT_CHARGE] = { "battery_charge", "Battery Energy Charged",
	    "mdi:battery-plus" },
	[EN_BATT_DISCHARGE] = { "battery_discharge",
	    "Battery Energy Discharged", "mdi:battery-minus" },
};

void
energy_acc_add(struct energy_acc *a, int64_t t_ms, double watts,
    int64_t max_gap_ms)
{
	int64_t dt = t_ms - a->last_ms;

	if (!(watts > 0))
		watts = 0;
	if (a->have_last && dt > 0 && dt <= max_gap_ms)
		a->kwh += (a->last_w + watts) / 2.0 * (double)dt / 3600000.0 /
		    1000.0;
	a->last_ms = t_ms;
	a->last_w = watts;
	a->have_last = 1;
}

int
energy_acc_counter(struct energy_acc *a, double wh)
{
	double kwh = wh / 1000.0;

	if (kwh < a->kwh)
		return 1;
	a->kwh = kwh;
	return 0;
}

int
energy_file_write(const char *path, const double kwh[EN_COUNT])
{
	struct sbuf tmp = SBUF_INIT, text = SBUF_INIT;
	int fd, rc = -1, saved;

	sbuf_adds(&text, "{");
	for (int i = 0; i < EN_COUNT; i++)
		sbuf_printf(&text, "%s\"%s\": %.9f", i > 0 ? ", " : "",
		    en_sensors[i].key, kwh[i]);
	sbuf_adds(&text, "}\n");
	sbuf_printf(&tmp, "%s.tmp", path);
	fd = open(sbuf_str(&tmp), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644);
	if (fd < 0)
		goto out;
	if (write(fd, sbuf_str(&text), text.len) != (ssize_t)text.len ||
	    fsync(fd) < 0) {
		saved = errno;
		close(fd);
		unlink(sbuf_str(&tmp));
		errno = saved;
		goto out;
	}
	if (close(fd) < 0 || rename(sbuf_str(&tmp), path) < 0) {
		saved = errno;
		unlink(sbuf_str(&tmp));
		errno = saved;
		goto out;
	}
	rc = 0;
out:
	sbuf_free(&tmp);
	sbuf_free(&text);
	return rc;
}

int
energy_file_read(const char *path, double kwh[EN_COUNT])
{
	FILE *f = fopen(path, "r");
	char buf[1024];
	size_t n;
	cJSON *o;

	if (f == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if ((o = cJSON_Parse(buf)) == NULL || !cJSON_IsObject(o)) {
		cJSON_Delete(o);
		return -1;
	}
	for (int i = 0; i < EN_COUNT; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(o,
		    en_sensors[i].key);
		if (cJSON_IsNumber(v) && v->valuedouble >= 0)
			kwh[i] = v->valuedouble;
	}
	cJSON_Delete(o);
	return 0;
}

struct energy {
	char		*hostname, *device, *uid_base, *path;
	int		 ncommands;
	int64_t		 pause_ms;
	int64_t		 cycle_start, cycle_ms;
	int		 counter[EN_COUNT];	/* total from a device counter */
	int		 published;		/* configs sent this session */
	int		 have_data;
	int		 save_failed;		/* logged once */
	int64_t		 saved_ms;
	pthread_mutex_t	 lock;
	struct energy_acc acc[EN_COUNT];
};

static int
polls(const struct device_cfg *dc, const char *cmd)
{
	for (int i = 0; i < dc->ncommands; i++)
		if (strcmp(dc->commands[i], cmd) == 0)
			return 1;
	return 0;
}

struct energy *
energy_new(const struct device_cfg *dc, const char *hostname,
    const char *device, const char *state_dir, int pause_ms)
{
	struct energy *e;
	struct sbuf b = SBUF_INIT;
	double kwh[EN_COUNT] = { 0 };

	if (!dc->hass_energy)
		return NULL;
	if (!polls(dc, "QPIGS") && !polls(dc, "QET") && !polls(dc, "QLT")) {
		log_warn("%s: hass_energy: no QPIGS, QET or QLT among the "
		    "commands, so there is no energy to count", dc->name);
		return NULL;
	}
	e = xcalloc(1, sizeof(*e));
	e->hostname = xstrdup(hostname);
	e->device = xstrdup(device);
	sbuf_adds(&b, "mpp_");
	for (const char *c = device; *c != '\0'; c++)
		sbuf_addc(&b, isalnum((unsigned char)*c) || *c == '-' ||
		    *c == '_' ? *c : '_');
	e->uid_base = sbuf_steal(&b);
	sbuf_printf(&b, "%s/energy-%s.json", state_dir,
	    e->uid_base + 4);
	e->path = sbuf_steal(&b);
	e->ncommands = dc->ncommands;
	e->pause_ms = pause_ms;
	/* until a cycle was timed: a generous guess of a second a command */
	e->cycle_ms = (int64_t)dc->ncommands * 1000;
	e->counter[EN_PV] = polls(dc, "QET");
	e->counter[EN_LOAD] = polls(dc, "QLT");
	pthread_mutex_init(&e->lock, NULL);
	if (energy_file_read(e->path, kwh) == 0)
		log_info("%s: energy totals from %s", dc->name, e->path);
	else if (errno != ENOENT)
		log_warn("%s: cannot read %s; energy totals start at 0",
		    dc->name, e->path);
	for (int i = 0; i < EN_COUNT; i++)
		e->acc[i].kwh = kwh[i];
	e->saved_ms = mono_ms();
	return e;
}

/* Lock held. */
static void
save_locked(struct energy *e)
{
	double kwh[EN_COUNT];

	for (int i = 0; i < EN_COUNT; i++)
		kwh[i] = e->acc[i].kwh;
	e->saved_ms = mono_ms();
	if (energy_file_write(e->path, kwh) < 0) {
		if (!e->save_failed)
			log_warn("%s: cannot save energy totals to %s: %s "
			    "(set state_dir in [SETUP])", e->device, e->path,
			    strerror(errno));
		e->save_failed = 1;
	} else
		e->save_failed = 0;
}

void
energy_free(struct energy *e)
{
	if (e == NULL)
		return;
	pthread_mutex_lock(&e->lock);
	if (e->have_data)
		save_locked(e);
	pthread_mutex_unlock(&e->lock);
	pthread_mutex_destroy(&e->lock);
	free(e->hostname);
	free(e->device);
	free(e->uid_base);
	free(e->path);
	free(e);
}

/* A number entry as a double; 0 when it is none. */
static int
num(const struct result *r, const char *field, double *out)
{
	const struct entry *en = result_find(r, field);

	if (en == NULL)
		return 0;
	if (en->v.type == V_FLOAT) {
		*out = en->v.f;
		return 1;
	}
	if (en->v.type == V_INT && en->v.s != NULL) {
		*out = atof(en->v.s);
		return 1;
	}
	return 0;
}

static void
add_str(cJSON *o, const char *k, const char *v)
{
	cJSON_AddItemToObject(o, k, cJSON_CreateString(v));
}

/* Lock held. */
static void
publish_configs(struct energy *e, out_publish_fn fn, void *arg)
{
	struct sbuf t = SBUF_INIT, uid = SBUF_INIT, st = SBUF_INIT;

	sbuf_printf(&st, "%s/%s/energy", e->hostname, e->device);
	for (int i = 0; i < EN_COUNT; i++) {
		cJSON *o = cJSON_CreateObject(), *a, *x, *dev;
		char *text;

		sbuf_reset(&uid);
		sbuf_printf(&uid, "%s_energy_%s", e->uid_base, en_sensors[i].key);
		sbuf_reset(&t);
		sbuf_printf(&t, "homeassistant/sensor/%s/config", sbuf_str(&uid));
		add_str(o, "name", en_sensors[i].name);
		add_str(o, "unique_id", sbuf_str(&uid));
		add_str(o, "object_id", sbuf_str(&uid));
		add_str(o, "state_topic", sbuf_str(&st));
		sbuf_reset(&uid);
		sbuf_printf(&uid, "{{ value_json.%s }}", en_sensors[i].key);
		add_str(o, "value_template", sbuf_str(&uid));
		add_str(o, "unit_of_measurement", "kWh");
		add_str(o, "device_class", "energy");
		add_str(o, "state_class", "total_increasing");
		add_str(o, "icon", en_sensors[i].icon);
		a = cJSON_AddArrayToObject(o, "availability");
		x = cJSON_CreateObject();
		sbuf_reset(&uid);
		sbuf_printf(&uid, "%s/mppd/status", e->hostname);
		add_str(x, "topic", sbuf_str(&uid));
		cJSON_AddItemToArray(a, x);
		/* the totals stay valid while the inverter is offline */
		dev = cJSON_AddObjectToObject(o, "device");
		add_str(dev, "name", e->device);
		a = cJSON_AddArrayToObject(dev, "identifiers");
		cJSON_AddItemToArray(a, cJSON_CreateString(e->device));
		add_str(dev, "model", e->device);
		add_str(dev, "manufacturer", "MPP-Solar");
		if ((text = cJSON_PrintUnformatted(o)) != NULL) {
			fn(arg, sbuf_str(&t), text, strlen(text), 0, 1);
			cJSON_free(text);
		}
		cJSON_Delete(o);
	}
	e->published = 1;
	sbuf_free(&t);
	sbuf_free(&uid);
	sbuf_free(&st);
}

/* Lock held.  Retained, so HA has the totals at once after a restart. */
static void
publish_state(struct energy *e, out_publish_fn fn, void *arg)
{
	struct sbuf t = SBUF_INIT, pl = SBUF_INIT;

	sbuf_printf(&t, "%s/%s/energy", e->hostname, e->device);
	sbuf_adds(&pl, "{");
	for (int i = 0; i < EN_COUNT; i++)
		sbuf_printf(&pl, "%s\"%s\": %.4f", i > 0 ? ", " : "",
		    en_sensors[i].key, e->acc[i].kwh);
	sbuf_adds(&pl, "}");
	fn(arg, sbuf_str(&t), sbuf_str(&pl), pl.len, 0, 1);
	sbuf_free(&t);
	sbuf_free(&pl);
}

/* QPIGS: the power of every source not counted by the device itself. */
static int
from_qpigs(struct energy *e, const struct result *r, int64_t now)
{
	double w[EN_COUNT] = { 0 }, bv, ci, di, acv, gap;

	if (!num(r, "AC Output Active Power", &w[EN_LOAD]) ||
	    !num(r, "Battery Voltage", &bv))
		return 0;
	if (!num(r, "PV Input Power", &w[EN_PV]))
		w[EN_PV] = 0;
	if (num(r, "Battery Charging Current", &ci))
		w[EN_BATT_CHARGE] = bv * ci;
	if (num(r, "Battery Discharge Current", &di))
		w[EN_BATT_DISCHARGE] = bv * di;
	if (num(r, "AC Input Voltage", &acv) && acv > 90)
		w[EN_GRID_IN] = w[EN_LOAD] + w[EN_BATT_CHARGE] - w[EN_PV] -
		    w[EN_BATT_DISCHARGE];
	/* three poll periods: pause plus the time a cycle takes */
	gap = 3.0 * (double)(e->pause_ms + e->cycle_ms);
	if (gap < 3000)
		gap = 3000;
	for (int i = 0; i < EN_COUNT; i++)
		if (!e->counter[i])
			energy_acc_add(&e->acc[i], now, w[i], (int64_t)gap);
	return 1;
}

static int
is_error(const struct result *r)
{
	return r == NULL || result_find(r, "validity check") != NULL ||
	    result_find(r, "ERROR") != NULL || result_find(r, "error") != NULL;
}

void
energy_on_result(struct energy *e, int index, const char *cmd,
    const struct result *r, int discover, out_publish_fn fn, void *arg)
{
	int64_t now = mono_ms();
	int changed = 0;
	double wh;

	if (e == NULL)
		return;
	pthread_mutex_lock(&e->lock);
	if (index == 0)
		e->cycle_start = now;
	else if (index == e->ncommands - 1 && e->cycle_start > 0)
		e->cycle_ms = now - e->cycle_start;
	if (!is_error(r)) {
		if (strcmp(cmd, "QPIGS") == 0)
			changed = from_qpigs(e, r, now);
		else if (strcmp(cmd, "QET") == 0 &&
		    num(r, "Total PV Generated Energy", &wh)) {
			if (energy_acc_counter(&e->acc[EN_PV], wh))
				log_debug("%s: QET below the saved total",
				    e->device);
			changed = 1;
		} else if (strcmp(cmd, "QLT") == 0 &&
		    num(r, "Total Output Load Energy", &wh)) {
			energy_acc_counter(&e->acc[EN_LOAD], wh);
			changed = 1;
		}
	}
	if (changed) {
		e->have_data = 1;
		if (discover && !e->published)
			publish_configs(e, fn, arg);
		publish_state(e, fn, arg);
		if (now - e->saved_ms >= SAVE_EVERY_MS)
			save_locked(e);
	}
	pthread_mutex_unlock(&e->lock);
}

void
energy_rediscover(struct energy *e, out_publish_fn fn, void *arg)
{
	if (e == NULL)
		return;
	pthread_mutex_lock(&e->lock);
	publish_configs(e, fn, arg);
	if (e->have_data)
		publish_state(e, fn, arg);
	pthread_mutex_unlock(&e->lock);
}

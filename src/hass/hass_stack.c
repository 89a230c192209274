/*
 * hass_stack.c - parallel stack units and totals for Home Assistant (see
 * hass_stack.h).
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "config.h"
#include "hass_stack.h"
#include "log.h"
#include "result.h"
#include "sbuf.h"

#define STACK_UNITS	16	/* QPGS0..QPGS15; a stack has at most 9 */

/* A unit's sensor: the QPGSn field, its HA key, unit, device class. */
static const struct unit_sensor {
	const char	*key, *field, *name, *unit, *dclass, *icon;
} unit_sensors[] = {
	{ "ac_output_active_power", "AC output active power",
	  "AC Output Active Power", "W", "power", NULL },
	{ "ac_output_apparent_power", "AC output apparent power",
	  "AC Output Apparent Power", "VA", "apparent_power", NULL },
	{ "ac_output_voltage", "AC output voltage", "AC Output Voltage", "V",
	  "voltage", NULL },
	{ "grid_voltage", "Grid voltage", "Grid Voltage", "V", "voltage", NULL },
	{ "load_percentage", "Load percentage", "Load Percentage", "%", NULL,
	  "mdi:gauge" },
	{ "battery_voltage", "Battery voltage", "Battery Voltage", "V",
	  "voltage", NULL },
	{ "battery_charging_current", "Battery charging current",
	  "Battery Charging Current", "A", "current", NULL },
	{ "battery_discharge_current", "Battery discharge current",
	  "Battery Discharge Current", "A", "current", NULL },
	{ "battery_capacity", "Battery capacity", "Battery Capacity", "%",
	  "battery", NULL },
	{ "pv_input_voltage", "PV Input Voltage", "PV Input Voltage", "V",
	  "voltage", NULL },
	{ "pv_input_current", "PV input current", "PV Input Current", "A",
	  "current", NULL },
	{ "pv_power", NULL, "PV Power", "W", "power", NULL },	/* V x A */
	{ "work_mode", "Work mode", "Work Mode", NULL, NULL, "mdi:state-machine" },
	{ "fault_code", "Fault code", "Fault Code", NULL, NULL, "mdi:alert" },
};
#define NUNIT_SENSORS	(sizeof(unit_sensors) / sizeof(unit_sensors[0]))

/* The totals on the section's device. */
static const struct total_sensor {
	const char	*key, *name, *unit, *dclass;
} total_sensors[] = {
	{ "output_power", "Stack Output Power", "W", "power" },
	{ "pv_power", "Stack PV Power", "W", "power" },
	{ "battery_charging_current", "Stack Battery Charging Current", "A",
	  "current" },
	{ "battery_discharge_current", "Stack Battery Discharge Current", "A",
	  "current" },
};
#define NTOTALS	(sizeof(total_sensors) / sizeof(total_sensors[0]))

struct unit {
	char	 serial[32];	/* "" before the first valid reply */
	int	 published;	/* configs sent for serial in this session */
	int	 avail;		/* -1 unknown, 0 offline, 1 online */
	int	 valid;		/* valid in the current cycle */
	double	 sum[NTOTALS];	/* its share of the totals this cycle */
};

struct stack {
	char		*hostname, *device, *uid_base;
	int		 last_index;	/* the cycle's last QPGSn command */
	int		 totals_published;
	pthread_mutex_t	 lock;
	struct unit	 u[STACK_UNITS];
};

int
stack_unit_of(const char *cmd)
{
	char *end;
	long n;

	if (cmd == NULL || strncmp(cmd, "QPGS", 4) != 0 ||
	    !isdigit((unsigned char)cmd[4]))
		return -1;
	n = strtol(cmd + 4, &end, 10);
	return *end == '\0' && n >= 0 && n < STACK_UNITS ? (int)n : -1;
}

/* HA discovery ids allow [a-zA-Z0-9_-] only. */
static char *
id_part(const char *s)
{
	struct sbuf b = SBUF_INIT;

	for (; *s != '\0'; s++)
		sbuf_addc(&b, isalnum((unsigned char)*s) || *s == '-' ||
		    *s == '_' ? *s : '_');
	return sbuf_steal(&b);
}

struct stack *
stack_new(const struct device_cfg *dc, const char *hostname,
    const char *device)
{
	struct stack *s;
	int last = -1;
	char *base;

	for (int i = 0; i < dc->ncommands; i++)
		if (stack_unit_of(dc->commands[i]) >= 0)
			last = i;
	if (last < 0)
		return NULL;
	s = xcalloc(1, sizeof(*s));
	s->hostname = xstrdup(hostname);
	s->device = xstrdup(device);
	base = id_part(device);
	s->uid_base = xmalloc(strlen(base) + 5);
	snprintf(s->uid_base, strlen(base) + 5, "mpp_%s", base);
	free(base);
	s->last_index = last;
	pthread_mutex_init(&s->lock, NULL);
	for (int i = 0; i < STACK_UNITS; i++)
		s->u[i].avail = -1;
	return s;
}

void
stack_free(struct stack *s)
{
	if (s == NULL)
		return;
	pthread_mutex_destroy(&s->lock);
	free(s->hostname);
	free(s->device);
	free(s->uid_base);
	free(s);
}

static void
add_str(cJSON *o, const char *k, const char *v)
{
	cJSON_AddItemToObject(o, k, cJSON_CreateString(v));
}

static void
publish_json(cJSON *o, const char *topic, int retain, out_publish_fn fn,
    void *arg)
{
	char *text = cJSON_PrintUnformatted(o);

	if (text != NULL) {
		fn(arg, topic, text, strlen(text), 0, retain);
		cJSON_free(text);
	}
	cJSON_Delete(o);
}

static void
availability(cJSON *o, const struct stack *s, const char *own_topic)
{
	cJSON *a = cJSON_AddArrayToObject(o, "availability"), *t;
	struct sbuf b = SBUF_INIT;

	if (a == NULL)
		return;
	t = cJSON_CreateObject();
	sbuf_printf(&b, "%s/mppd/status", s->hostname);
	add_str(t, "topic", sbuf_str(&b));
	cJSON_AddItemToArray(a, t);
	t = cJSON_CreateObject();
	add_str(t, "topic", own_topic);
	cJSON_AddItemToArray(a, t);
	add_str(o, "availability_mode", "all");
	sbuf_free(&b);
}

/* One sensor config: name, ids, state topic and template, unit, class. */
static cJSON *
sensor_config(const char *name, const char *uid, const char *state_topic,
    const char *key, const char *unit, const char *dclass, const char *icon)
{
	cJSON *o = cJSON_CreateObject();
	struct sbuf b = SBUF_INIT;

	add_str(o, "name", name);
	add_str(o, "unique_id", uid);
	add_str(o, "object_id", uid);
	add_str(o, "state_topic", state_topic);
	sbuf_printf(&b, "{{ value_json.%s }}", key);
	add_str(o, "value_template", sbuf_str(&b));
	if (unit != NULL) {
		add_str(o, "unit_of_measurement", unit);
		add_str(o, "state_class", "measurement");
	}
	if (dclass != NULL)
		add_str(o, "device_class", dclass);
	if (icon != NULL)
		add_str(o, "icon", icon);
	sbuf_free(&b);
	return o;
}

static void
unit_topic(const struct stack *s, int n, const char *leaf, struct sbuf *out)
{
	sbuf_reset(out);
	sbuf_printf(out, "%s/%s/unit%d/%s", s->hostname, s->device, n, leaf);
}

/* The configs of unit n with serial (payload NULL: empty, to remove). */
static void
unit_configs(const struct stack *s, int n, const char *serial, int remove,
    out_publish_fn fn, void *arg)
{
	struct sbuf topic = SBUF_INIT, uid = SBUF_INIT, st = SBUF_INIT,
	    av = SBUF_INIT, name = SBUF_INIT;
	char *sid = id_part(serial);

	unit_topic(s, n, "state", &st);
	unit_topic(s, n, "availability", &av);
	for (size_t i = 0; i < NUNIT_SENSORS; i++) {
		const struct unit_sensor *us = &unit_sensors[i];
		cJSON *o, *dev, *ids;

		sbuf_reset(&uid);
		sbuf_printf(&uid, "mpp_%s_%s", sid, us->key);
		sbuf_reset(&topic);
		sbuf_printf(&topic, "homeassistant/sensor/%s/config",
		    sbuf_str(&uid));
		if (remove) {
			fn(arg, sbuf_str(&topic), "", 0, 0, 1);
			continue;
		}
		sbuf_reset(&name);
		sbuf_printf(&name, "Unit %d %s", n, us->name);
		o = sensor_config(sbuf_str(&name), sbuf_str(&uid), sbuf_str(&st),
		    us->key, us->unit, us->dclass, us->icon);
		availability(o, s, sbuf_str(&av));
		dev = cJSON_AddObjectToObject(o, "device");
		sbuf_reset(&name);
		sbuf_printf(&name, "%s unit %d", s->device, n);
		add_str(dev, "name", sbuf_str(&name));
		ids = cJSON_AddArrayToObject(dev, "identifiers");
		cJSON_AddItemToArray(ids, cJSON_CreateString(serial));
		add_str(dev, "serial_number", serial);
		add_str(dev, "model", "parallel unit");
		add_str(dev, "manufacturer", "MPP-Solar");
		/* the section's hassd device, whose identifier is its name */
		add_str(dev, "via_device", s->device);
		publish_json(o, sbuf_str(&topic), 1, fn, arg);
	}
	free(sid);
	sbuf_free(&topic);
	sbuf_free(&uid);
	sbuf_free(&st);
	sbuf_free(&av);
	sbuf_free(&name);
}

static void
totals_configs(const struct stack *s, out_publish_fn fn, void *arg)
{
	struct sbuf topic = SBUF_INIT, uid = SBUF_INIT, st = SBUF_INIT,
	    av = SBUF_INIT;

	sbuf_printf(&st, "%s/%s/stack", s->hostname, s->device);
	sbuf_printf(&av, "%s/%s/availability", s->hostname, s->device);
	for (size_t i = 0; i < NTOTALS; i++) {
		const struct total_sensor *t = &total_sensors[i];
		cJSON *o, *dev, *ids;

		sbuf_reset(&uid);
		sbuf_printf(&uid, "%s_stack_%s", s->uid_base, t->key);
		sbuf_reset(&topic);
		sbuf_printf(&topic, "homeassistant/sensor/%s/config",
		    sbuf_str(&uid));
		o = sensor_config(t->name, sbuf_str(&uid), sbuf_str(&st), t->key,
		    t->unit, t->dclass, NULL);
		availability(o, s, sbuf_str(&av));
		/* identical to hassd_mqtt's device block, so HA groups them */
		dev = cJSON_AddObjectToObject(o, "device");
		add_str(dev, "name", s->device);
		ids = cJSON_AddArrayToObject(dev, "identifiers");
		cJSON_AddItemToArray(ids, cJSON_CreateString(s->device));
		add_str(dev, "model", s->device);
		add_str(dev, "manufacturer", "MPP-Solar");
		publish_json(o, sbuf_str(&topic), 1, fn, arg);
	}
	sbuf_free(&topic);
	sbuf_free(&uid);
	sbuf_free(&st);
	sbuf_free(&av);
}

static void
set_avail(struct stack *s, int n, int online, out_publish_fn fn, void *arg)
{
	struct sbuf t = SBUF_INIT;
	const char *v = online ? "online" : "offline";

	if (s->u[n].avail == online)
		return;
	s->u[n].avail = online;
	unit_topic(s, n, "availability", &t);
	fn(arg, sbuf_str(&t), v, strlen(v), 0, 1);
	sbuf_free(&t);
	if (s->u[n].serial[0] != '\0')
		log_info("%s: parallel unit %d (%s) %s", s->device, n,
		    s->u[n].serial, online ? "answering" : "not valid or "
		    "not answering: unavailable");
}

/* A number entry as a double; 0 when it is none. */
static int
num(const struct result *r, const char *field, double *out)
{
	const struct entry *e = result_find(r, field);

	if (e == NULL)
		return 0;
	if (e->v.type == V_FLOAT) {
		*out = e->v.f;
		return 1;
	}
	if (e->v.type == V_INT && e->v.s != NULL) {
		*out = atof(e->v.s);
		return 1;
	}
	return 0;
}

/* Whether r is a valid unit's reply, with its serial number. */
static int
unit_valid(const struct result *r, const char **serial)
{
	const struct entry *v, *sn;

	if (r == NULL || result_find(r, "validity check") != NULL ||
	    result_find(r, "ERROR") != NULL)
		return 0;
	v = result_find(r, "Parallel instance number");
	sn = result_find(r, "Serial number");
	if (v == NULL || v->v.type != V_STR || strcmp(v->v.s, "valid") != 0 ||
	    sn == NULL || sn->v.type != V_STR || sn->v.s[0] == '\0' ||
	    strspn(sn->v.s, "0") == strlen(sn->v.s))
		return 0;
	*serial = sn->v.s;
	return 1;
}

static void
unit_state(struct stack *s, int n, const struct result *r, out_publish_fn fn,
    void *arg)
{
	cJSON *o = cJSON_CreateObject();
	struct sbuf t = SBUF_INIT;
	double v, a, pv = 0;
	int have_pv = num(r, "PV Input Voltage", &v) &&
	    num(r, "PV input current", &a);

	if (have_pv)
		pv = v * a;
	for (size_t i = 0; i < NUNIT_SENSORS; i++) {
		const struct unit_sensor *us = &unit_sensors[i];
		const struct entry *e;
		if (us->field == NULL) {
			if (have_pv)
				cJSON_AddNumberToObject(o, us->key,
				    (double)(long)(pv + 0.5));
			continue;
		}
		if ((e = result_find(r, us->field)) == NULL)
			continue;
		if (e->v.type == V_STR)
			add_str(o, us->key, e->v.s);
		else if (num(r, us->field, &v))
			cJSON_AddNumberToObject(o, us->key, v);
	}
	s->u[n].sum[0] = num(r, "AC output active power", &v) ? v : 0;
	s->u[n].sum[1] = pv;
	s->u[n].sum[2] = num(r, "Battery charging current", &v) ? v : 0;
	s->u[n].sum[3] = num(r, "Battery discharge current", &v) ? v : 0;
	unit_topic(s, n, "state", &t);
	publish_json(o, sbuf_str(&t), 0, fn, arg);
	sbuf_free(&t);
}

static void
totals_state(struct stack *s, out_publish_fn fn, void *arg)
{
	double sum[NTOTALS] = { 0 };
	struct sbuf t = SBUF_INIT;
	cJSON *o;
	int any = 0;

	for (int n = 0; n < STACK_UNITS; n++) {
		if (!s->u[n].valid)
			continue;
		any = 1;
		for (size_t k = 0; k < NTOTALS; k++)
			sum[k] += s->u[n].sum[k];
		s->u[n].valid = 0;
	}
	if (!any)
		return;		/* no unit answered: nothing to add up */
	o = cJSON_CreateObject();
	for (size_t k = 0; k < NTOTALS; k++)
		cJSON_AddNumberToObject(o, total_sensors[k].key,
		    (double)(long)(sum[k] + 0.5));
	sbuf_printf(&t, "%s/%s/stack", s->hostname, s->device);
	publish_json(o, sbuf_str(&t), 0, fn, arg);
	sbuf_free(&t);
}

void
stack_on_result(struct stack *s, int index, const char *cmd,
    const struct result *r, int discover, out_publish_fn fn, void *arg)
{
	int n = stack_unit_of(cmd);
	const char *serial = NULL;
	struct unit *u;

	if (s == NULL || n < 0)
		return;
	pthread_mutex_lock(&s->lock);
	u = &s->u[n];
	if (!unit_valid(r, &serial)) {
		/* "Not valid", an error or silence: unavailable, not 0 */
		u->valid = 0;
		set_avail(s, n, 0, fn, arg);
	} else {
		if (strcmp(u->serial, serial) != 0) {
			/* a new unit at this place: the old one's device goes */
			if (u->serial[0] != '\0' && discover)
				unit_configs(s, n, u->serial, 1, fn, arg);
			snprintf(u->serial, sizeof(u->serial), "%s", serial);
			u->published = 0;
			log_info("%s: parallel unit %d has serial number %s",
			    s->device, n, u->serial);
		}
		if (discover && !u->published) {
			unit_configs(s, n, u->serial, 0, fn, arg);
			u->published = 1;
		}
		if (discover && !s->totals_published) {
			totals_configs(s, fn, arg);
			s->totals_published = 1;
		}
		unit_state(s, n, r, fn, arg);
		set_avail(s, n, 1, fn, arg);
		u->valid = 1;
	}
	if (index == s->last_index)
		totals_state(s, fn, arg);
	pthread_mutex_unlock(&s->lock);
}

void
stack_rediscover(struct stack *s, out_publish_fn fn, void *arg)
{
	struct sbuf t = SBUF_INIT;
	int any = 0;

	if (s == NULL)
		return;
	pthread_mutex_lock(&s->lock);
	for (int n = 0; n < STACK_UNITS; n++) {
		struct unit *u = &s->u[n];
		if (u->serial[0] != '\0') {
			unit_configs(s, n, u->serial, 0, fn, arg);
			u->published = 1;
			any = 1;
		}
		if (u->avail >= 0) {
			const char *v = u->avail ? "online" : "offline";
			unit_topic(s, n, "availability", &t);
			fn(arg, sbuf_str(&t), v, strlen(v), 0, 1);
		}
	}
	if (any) {
		totals_configs(s, fn, arg);
		s->totals_published = 1;
	}
	pthread_mutex_unlock(&s->lock);
	sbuf_free(&t);
}

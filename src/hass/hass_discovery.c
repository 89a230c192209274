/*
 * hass_discovery.c - Home Assistant sensors from poll results: the
 * hass_mqtt and hassd_mqtt processors (configs and states), and the
 * signature of what a result's hassd configs depend on, so the daemon
 * publishes them once instead of every cycle (hass_runtime.c).
 *
 * Pure functions of (result, options), any thread.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

#include "hass_discovery.h"
#include "output.h"
#include "proto.h"
#include "pyfmt.h"
#include "result.h"
#include "sbuf.h"

#define DEF_DEVICE	"unnamed"	/* hassd device name in CLI mode */

/* Python ==: value equals the int n (0 == 0.0) or the string s. */
static int
value_is(const struct value *v, int n, const char *s)
{
	switch (v->type) {
	case V_INT:
		return strcmp(v->s, n ? "1" : "0") == 0;
	case V_FLOAT:
		return v->f == (double)n;
	case V_STR:
		return strcmp(v->s, n ? "1" : "0") == 0 || strcmp(v->s, s) == 0;
	default:
		return 0;
	}
}

static int
hass_is_binary(const char *unit, const struct value *v)
{
	return strcmp(unit, "bool") == 0 || (v->type == V_STR &&
	    (strcmp(v->s, "enabled") == 0 || strcmp(v->s, "disabled") == 0));
}

/* State payload: OFF for 0/"0"/"disabled", ON for 1/"1"/"enabled". */
static void
hass_state(struct sbuf *out, const struct value *v, int binary)
{
	if (binary && value_is(v, 0, "disabled"))
		sbuf_adds(out, "OFF");
	else if (binary && value_is(v, 1, "enabled"))
		sbuf_adds(out, "ON");
	else
		output_payload(out, v);
}

/*
 * "homeassistant/<component>/<id>/config" into t (appended).  Home
 * Assistant ignores a discovery topic whose object id has anything but
 * [a-zA-Z0-9_-] (docs/hass.md), so every other byte of id becomes "_":
 * spaces as in the reference, and also the "." and "()" of keys such as
 * "Max. charging current" or "Battery constant charge voltage(C.V.)",
 * and a "/" of a tag.  The state topic keeps the key as it is.
 */
static void
config_topic(struct sbuf *t, const char *component, const char *id)
{
	sbuf_printf(t, "homeassistant/%s/", component);
	for (const char *c = id; *c != '\0'; c++)
		sbuf_addc(t, (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || *c == '_' || *c == '-' ? *c : '_');
	sbuf_adds(t, "/config");
}

/*
 * hass_mqtt: per key a config then a state message.  The config is the
 * reference's hand-built string: no JSON escaping, a space before the
 * final brace.  Spaces (and any byte HA refuses in an object id) become
 * "_" in the config topic only.
 */
void
hass_out_hass(const struct result *r, const struct out_opts *o,
    out_publish_fn fn, void *arg)
{
	const char *tag = output_tag(r, o);
	struct sbuf t = SBUF_INIT, pl = SBUF_INIT, st = SBUF_INIT;
	const struct entry *e;
	char *k;
	int i = 0;

	while (output_next_kept(r, o, &i, &e, &k)) {
		const char *unit = output_unit(e);
		int bin = hass_is_binary(unit, &e->v);
		const char *sensor = bin ? "binary_sensor" : "sensor";

		sbuf_reset(&t);
		sbuf_reset(&pl);
		sbuf_reset(&st);
		sbuf_printf(&st, "homeassistant/%s/mpp_%s_%s/state", sensor,
		    tag, k);
		sbuf_printf(&pl, "mpp_%s_%s", tag, k);
		config_topic(&t, sensor, sbuf_str(&pl));
		sbuf_reset(&pl);
		sbuf_printf(&pl, "{\"name\": \"%s %s\", \"state_topic\": \"%s\", ",
		    tag, e->key, sbuf_str(&st));
		if (!bin && strcmp(unit, "W") == 0)
			sbuf_printf(&pl, "\"unit_of_measurement\": \"%s\", "
			    "\"unique_id\": \"mpp_%s_%s\", "
			    "\"state_class\": \"measurement\", "
			    "\"device_class\": \"power\", ", unit, tag, k);
		else if (!bin && unit[0] != '\0')
			sbuf_printf(&pl, "\"unit_of_measurement\": \"%s\", "
			    "\"unique_id\": \"mpp_%s_%s\", ", unit, tag, k);
		else
			sbuf_printf(&pl, "\"unique_id\": \"mpp_%s_%s\", ",
			    tag, k);
		sbuf_adds(&pl, "\"force_update\": \"true\" }");
		output_emit(fn, arg, &t, &pl, 0);

		sbuf_reset(&pl);
		hass_state(&pl, &e->v, bin);
		output_emit(fn, arg, &st, &pl, 0);
		free(k);
	}
	sbuf_free(&t);
	sbuf_free(&pl);
	sbuf_free(&st);
}

/*
 * An insertion-ordered JSON object of pre-encoded values: setting an
 * existing key keeps its position, as Python's dict.update() does.
 */
#define JOBJ_MAX	16

struct jobj {
	int		 n;
	const char	*k[JOBJ_MAX];
	struct sbuf	 v[JOBJ_MAX];
};

static struct sbuf *
jobj_slot(struct jobj *j, const char *key)
{
	for (int i = 0; i < j->n; i++)
		if (strcmp(j->k[i], key) == 0) {
			sbuf_reset(&j->v[i]);
			return &j->v[i];
		}
	if (j->n == JOBJ_MAX)
		abort();	/* the key set below is fixed and smaller */
	j->k[j->n] = key;
	sbuf_init(&j->v[j->n]);
	return &j->v[j->n++];
}

static void
jobj_str(struct jobj *j, const char *key, const char *s)
{
	py_json_str(jobj_slot(j, key), s);
}

static int
jobj_has(const struct jobj *j, const char *key)
{
	for (int i = 0; i < j->n; i++)
		if (strcmp(j->k[i], key) == 0)
			return 1;
	return 0;
}

static void
jobj_dump(struct jobj *j, struct sbuf *out)
{
	sbuf_addc(out, '{');
	for (int i = 0; i < j->n; i++) {
		if (i > 0)
			sbuf_adds(out, ", ");
		py_json_str(out, j->k[i]);
		sbuf_adds(out, ": ");
		sbuf_add(out, j->v[i].buf, j->v[i].len);
		sbuf_free(&j->v[i]);
	}
	sbuf_addc(out, '}');
	j->n = 0;
}

/* Value of key in the entry's extra dict, or NULL. */
static const char *
extra_get(const struct entry *e, const char *key)
{
	if (e->xkind != EX_DICT)
		return NULL;
	for (int i = 0; i < e->nextra; i++)
		if (strcmp(e->extra[i].key, key) == 0)
			return e->extra[i].val;
	return NULL;
}

/* str(datetime.now()): local time, microseconds only when non-zero. */
static void
py_now(struct sbuf *out)
{
	struct timeval tv;
	struct tm tm;
	char buf[32];

	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
	sbuf_adds(out, buf);
	if (tv.tv_usec != 0)
		sbuf_printf(out, ".%06ld", (long)tv.tv_usec);
}

/*
 * mppd extension for battery monitors (docs/protocols.md): the state of
 * charge is a battery sensor, cell, sensor and MOS temperatures and cycle
 * counters get their class, so a BMS shows in Home Assistant with proper
 * sensors.  Keys are
 * the decoded names ("SOC", "Percent_Remain", "State-of-charge").
 */
static void
hassd_battery_classes(struct jobj *j, const char *key, const char *unit)
{
	static const char *const soc[] = { "soc", "state of charge",
		"state-of-charge", "percent_remain", "remaining battery" };
	/* battery temperatures only: the inverter payloads stay the
	 * reference's */
	static const char *const temp[] = { "cell", "ntc", "battery_t",
		"mos_temp", "mos temp", "battery t" };

	if (strcmp(unit, "%") == 0)
		for (size_t i = 0; i < sizeof(soc) / sizeof(soc[0]); i++)
			if (strcasecmp(key, soc[i]) == 0) {
				jobj_str(j, "device_class", "battery");
				jobj_str(j, "state_class", "measurement");
			}
	if (strcmp(unit, "\302\260C") == 0 && jobj_has(j, "device_class") == 0)
		for (size_t i = 0; i < sizeof(temp) / sizeof(temp[0]); i++)
			if (strcasestr(key, temp[i]) != NULL) {
				jobj_str(j, "device_class", "temperature");
				break;
			}
	if (strcmp(unit, "cycles") == 0) {
		jobj_str(j, "icon", "mdi:battery-sync");
		jobj_str(j, "state_class", "total_increasing");
	}
	if (strcasestr(key, "balanc") != NULL && strcasestr(key, "current") ==
	    NULL && strcasestr(key, "voltage") == NULL)
		jobj_str(j, "icon", "mdi:scale-balance");
}

/* The hassd config object of one entry, in the reference's key order. */
static void
hassd_config(struct sbuf *pl, const struct entry *e, const char *unit,
    const char *tag, const char *state_topic, const char *uid,
    const struct out_opts *o)
{
	const char *dev = output_nonempty(o->device) ? o->device : DEF_DEVICE;
	const char *s;
	struct jobj j = { 0 };
	struct sbuf *d, tmp = SBUF_INIT;

	sbuf_printf(&tmp, "%s %s", tag, e->key);
	jobj_str(&j, "name", sbuf_str(&tmp));
	jobj_str(&j, "state_topic", state_topic);
	jobj_str(&j, "unique_id", uid);
	jobj_str(&j, "force_update", "true");
	if (unit[0] != '\0' && strcmp(unit, "bool") != 0)
		jobj_str(&j, "unit_of_measurement", unit);
	d = jobj_slot(&j, "device");
	sbuf_adds(d, "{\"name\": ");
	py_json_str(d, dev);
	sbuf_adds(d, ", \"identifiers\": [");
	py_json_str(d, dev);
	sbuf_adds(d, "], \"model\": ");
	py_json_str(d, dev);
	sbuf_adds(d, ", \"manufacturer\": \"MPP-Solar\"}");
	if ((s = output_nonempty(extra_get(e, "device-class"))) != NULL)
		jobj_str(&j, "device_class", s);
	if ((s = output_nonempty(extra_get(e, "state_class"))) != NULL)
		jobj_str(&j, "state_class", s);
	if ((s = output_nonempty(extra_get(e, "icon"))) != NULL)
		jobj_str(&j, "icon", s);
	if (strcmp(unit, "Hz") == 0)
		jobj_str(&j, "device_class", "frequency");
	hassd_battery_classes(&j, e->key, unit);
	if (output_unit_in(unit, "A", "mA"))
		jobj_str(&j, "device_class", "current");
	if (output_unit_in(unit, "V", "mV"))
		jobj_str(&j, "device_class", "voltage");
	if (output_unit_in(unit, "W", "kW"))
		jobj_str(&j, "device_class", "power");
	if (output_unit_in(unit, "Wh", "kWh")) {
		jobj_str(&j, "icon", "mdi:counter");
		jobj_str(&j, "device_class", "energy");
		jobj_str(&j, "state_class", "total_increasing");
		sbuf_reset(&tmp);
		py_now(&tmp);
		jobj_str(&j, "last_reset", sbuf_str(&tmp));
	}
	/* mppd extension: HA marks the entity unavailable when either the
	 * daemon (last will) or the inverter is offline. */
	if (o->availability && output_nonempty(o->hostname) != NULL) {
		d = jobj_slot(&j, "availability");
		sbuf_adds(d, "[{\"topic\": ");
		sbuf_reset(&tmp);
		sbuf_printf(&tmp, "%s/mppd/status", o->hostname);
		py_json_str(d, sbuf_str(&tmp));
		sbuf_adds(d, "}, {\"topic\": ");
		sbuf_reset(&tmp);
		sbuf_printf(&tmp, "%s/%s/availability", o->hostname, dev);
		py_json_str(d, sbuf_str(&tmp));
		sbuf_adds(d, "}]");
		jobj_str(&j, "availability_mode", "all");
	}
	jobj_dump(&j, pl);
	sbuf_free(&tmp);
}

/* hassd's tag: the tag, else the result's _command, else "mppsolar". */
static const char *
hassd_tag(const struct result *r, const struct out_opts *o)
{
	const char *tag = output_nonempty(o->tag);

	if (tag == NULL)
		tag = output_nonempty(output_command(r));
	return tag != NULL ? tag : "mppsolar";
}

/* Walks the kept entries of r for hassd: 1 with *e, *key (caller frees),
 * *unit and *bin set; 0 at the end. */
static int
hassd_next(const struct result *r, const struct out_opts *o, int *i,
    const struct entry **e, char **key, const char **unit, int *bin)
{
	if (!output_next_kept(r, o, i, e, key))
		return 0;
	if ((*unit = extra_get(*e, "unit")) == NULL)
		*unit = output_unit(*e);
	*bin = hass_is_binary(*unit, &(*e)->v);
	return 1;
}

/* "mpp_[<uid_prefix>_]<tag>_<key>" into id (reset first). */
static void
hassd_id(struct sbuf *id, const struct out_opts *o, const char *tag,
    const char *key)
{
	const char *uidp = output_nonempty(o->uid_prefix);

	/* mppd extension: uid_prefix (the device name) keeps two devices
	 * with the same tag apart in ids and topics. */
	sbuf_reset(id);
	if (uidp != NULL)
		sbuf_printf(id, "mpp_%s_%s_%s", uidp, tag, key);
	else
		sbuf_printf(id, "mpp_%s_%s", tag, key);
}

void
hass_out_hassd_configs(const struct result *r, const struct out_opts *o,
    out_publish_fn fn, void *arg)
{
	const char *tag = hassd_tag(r, o), *unit;
	struct sbuf t = SBUF_INIT, pl = SBUF_INIT, st = SBUF_INIT;
	struct sbuf id = SBUF_INIT;
	const struct entry *e;
	char *k;
	int i = 0, bin;

	while (hassd_next(r, o, &i, &e, &k, &unit, &bin)) {
		const char *sensor = bin ? "binary_sensor" : "sensor";

		hassd_id(&id, o, tag, k);
		sbuf_reset(&t);
		sbuf_reset(&st);
		sbuf_reset(&pl);
		config_topic(&t, sensor, sbuf_str(&id));
		sbuf_printf(&st, "homeassistant/%s/%s/state", sensor,
		    sbuf_str(&id));
		hassd_config(&pl, e, unit, tag, sbuf_str(&st), sbuf_str(&id), o);
		fn(arg, sbuf_str(&t), sbuf_str(&pl), pl.len, 0, 1);
		free(k);
	}
	sbuf_free(&t);
	sbuf_free(&pl);
	sbuf_free(&st);
	sbuf_free(&id);
}

void
hass_out_hassd_states(const struct result *r, const struct out_opts *o,
    out_publish_fn fn, void *arg)
{
	const char *tag = hassd_tag(r, o), *unit;
	struct sbuf st = SBUF_INIT, pl = SBUF_INIT, id = SBUF_INIT;
	const struct entry *e;
	char *k;
	int i = 0, bin;

	while (hassd_next(r, o, &i, &e, &k, &unit, &bin)) {
		hassd_id(&id, o, tag, k);
		sbuf_reset(&st);
		sbuf_reset(&pl);
		sbuf_printf(&st, "homeassistant/%s/%s/state",
		    bin ? "binary_sensor" : "sensor", sbuf_str(&id));
		hass_state(&pl, &e->v, bin);
		fn(arg, sbuf_str(&st), sbuf_str(&pl), pl.len, 0, 0);
		free(k);
	}
	sbuf_free(&st);
	sbuf_free(&pl);
	sbuf_free(&id);
}

/*
 * hassd_mqtt: every config message first, then every state message.
 * mpp-solar sleeps 0.5 s between the two batches so HA has created the
 * entities before their states arrive; mppd does not sleep: the configs
 * are retained and one connection delivers in order, so they reach the
 * broker (and HA) first anyway.
 */
void
hass_out_hassd(const struct result *r, const struct out_opts *o,
    out_publish_fn fn, void *arg)
{
	hass_out_hassd_configs(r, o, fn, arg);
	hass_out_hassd_states(r, o, fn, arg);
}

/* FNV-1a, 64 bits, over s and its terminating NUL. */
static uint64_t
fnv(uint64_t h, const char *s)
{
	if (s == NULL)
		s = "";
	do {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	} while (*s++ != '\0');
	return h;
}

uint64_t
hass_sensors_signature(const struct result *r)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (int i = 0; i < r->n; i++) {
		const struct entry *e = &r->e[i];
		const char *unit = extra_get(e, "unit");

		if (unit == NULL)
			unit = output_unit(e);
		h = fnv(h, e->key);
		h = fnv(h, unit);
		h = fnv(h, hass_is_binary(unit, &e->v) ? "b" : "s");
		if (strcmp(e->key, "_command") == 0)
			h = fnv(h, e->v.type == V_STR ? e->v.s : "");
		for (int k = 0; e->xkind == EX_DICT && k < e->nextra; k++) {
			h = fnv(h, e->extra[k].key);
			h = fnv(h, e->extra[k].val);
		}
	}
	return h != 0 ? h : 1;
}

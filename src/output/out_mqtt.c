/*
 * out_mqtt.c - the MQTT processors: mqtt, json_mqtt, hass_mqtt, hassd_mqtt
 * (alias hassd_mqtt2), tag_mqtt, influx_mqtt, influx2_mqtt, domoticz_mqtt.
 *
 * Each builds the reference's messages (reference/OUTPUTS.md and
 * mppsolar/outputs/<name>.py) from one result and hands them, in the
 * reference's order, to a publish callback.  Payload bytes follow paho
 * 1.6.1: a str is sent as UTF-8, an int or float as Python str(), None as
 * an empty payload.  Everything is QoS 0 and not retained, except the
 * hassd_mqtt discovery configs (SPEC.md §3.4: retained).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "output.h"
#include "proto.h"
#include "pyfmt.h"
#include "result.h"
#include "sbuf.h"

#define DEF_TOPIC	"mpp-solar"	/* influx/json_mqtt topic, tag_mqtt tag */
#define DEF_DEVICE	"unnamed"	/* hassd device name in CLI mode */

struct pub {
	out_publish_fn	 fn;
	void		*arg;
};

static void
emit(const struct pub *p, const struct sbuf *topic, const struct sbuf *pl,
    int retain)
{
	p->fn(p->arg, sbuf_str(topic), sbuf_str(pl), pl->len, 0, retain);
}

/* The reference's get_kwargs() treats "" as missing ("x or default"). */
static const char *
nonempty(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : NULL;
}

/* The _command value, or NULL (Python: data.pop("_command", None)). */
static const char *
result_command(const struct result *r)
{
	const struct entry *c = result_find(r, "_command");

	if (c == NULL || c->v.type != V_STR)
		return NULL;
	return c->v.s;
}

/*
 * Tag where the reference does "if tag is None: tag = command": a missing
 * command then prints as Python's None in the f-strings.
 */
static const char *
tag_or_command(const struct result *r, const struct out_opts *o)
{
	const char *t = nonempty(o->tag);

	if (t == NULL)
		t = result_command(r);
	return t != NULL ? t : "None";
}

static const char *
entry_unit(const struct entry *e)
{
	/* Only _command/_command_description are plain and they are
	 * dropped; any other plain entry is treated as [value, ""]. */
	return e->kind == ENT_LIST && e->unit != NULL ? e->unit : "";
}

/*
 * Walks the entries every *_mqtt processor keeps: not _command,
 * _command_description or raw_response, and passing output_key().  On 1,
 * *e and *key are set (caller frees *key); 0 at the end.
 */
static int
next_kept(const struct result *r, const struct out_opts *o, int *i,
    const struct entry **e, char **key)
{
	while (*i < r->n) {
		const struct entry *c = &r->e[(*i)++];
		char *k;

		if (strcmp(c->key, "_command") == 0 ||
		    strcmp(c->key, "_command_description") == 0 ||
		    strcmp(c->key, "raw_response") == 0)
			continue;
		if (output_key(c->key, o, &k)) {
			*e = c;
			*key = k;
			return 1;
		}
		free(k);
	}
	return 0;
}

/* A raw value as a paho payload: None is empty, anything else str(). */
static void
add_payload(struct sbuf *out, const struct value *v)
{
	if (v->type != V_NONE)
		py_str_value(out, v);
}

static void
spaces_to_underscores(struct sbuf *s)
{
	for (size_t i = 0; i < s->len; i++)
		if (s->buf[i] == ' ')
			s->buf[i] = '_';
}

/* mqtt: <tag>/status/<key>/value, then /unit when the unit is non-empty. */
static void
out_mqtt(const struct result *r, const struct out_opts *o,
    const struct pub *p)
{
	const char *tag = tag_or_command(r, o);
	struct sbuf t = SBUF_INIT, pl = SBUF_INIT;
	const struct entry *e;
	char *k;
	int i = 0;

	while (next_kept(r, o, &i, &e, &k)) {
		sbuf_reset(&t);
		sbuf_reset(&pl);
		sbuf_printf(&t, "%s/status/%s/value", tag, k);
		add_payload(&pl, &e->v);
		emit(p, &t, &pl, 0);
		if (entry_unit(e)[0] != '\0') {
			sbuf_reset(&t);
			sbuf_reset(&pl);
			sbuf_printf(&t, "%s/status/%s/unit", tag, k);
			sbuf_adds(&pl, entry_unit(e));
			emit(p, &t, &pl, 0);
		}
		free(k);
	}
	sbuf_free(&t);
	sbuf_free(&pl);
}

/* json_mqtt: one json.dumps({key: value}) message to <tag>/<results_topic>. */
static void
out_json_mqtt(const struct result *r, const struct out_opts *o,
    const struct pub *p)
{
	const char *topic = nonempty(o->results_topic);
	struct sbuf t = SBUF_INIT, pl = SBUF_INIT;
	const struct entry *e;
	char *k;
	int i = 0, first = 1;

	sbuf_printf(&t, "%s/%s", tag_or_command(r, o),
	    topic != NULL ? topic : DEF_TOPIC);
	sbuf_addc(&pl, '{');
	while (next_kept(r, o, &i, &e, &k)) {
		if (!first)
			sbuf_adds(&pl, ", ");
		first = 0;
		py_json_str(&pl, k);
		sbuf_adds(&pl, ": ");
		py_json_value(&pl, &e->v);
		free(k);
	}
	sbuf_addc(&pl, '}');
	emit(p, &t, &pl, 0);
	sbuf_free(&t);
	sbuf_free(&pl);
}

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
		add_payload(out, v);
}

/*
 * Tag of hass_mqtt and domoticz_mqtt.  The reference formats a missing tag
 * (config section without tag=) as the literal text "None", so every
 * section's sensors collide on mpp_None_<key>.  SPEC decision: use the
 * result's _command instead, as the mqtt processor does; "None" remains
 * only when the result has no _command at all.
 */
static const char *
hass_tag(const struct result *r, const struct out_opts *o)
{
	return tag_or_command(r, o);
}

/*
 * hass_mqtt: per key a config then a state message.  The config is the
 * reference's hand-built string: no JSON escaping, a space before the
 * final brace.  Spaces become "_" in the config topic only.
 */
static void
out_hass(const struct result *r, const struct out_opts *o,
    const struct pub *p)
{
	const char *tag = hass_tag(r, o);
	struct sbuf t = SBUF_INIT, pl = SBUF_INIT, st = SBUF_INIT;
	const struct entry *e;
	char *k;
	int i = 0;

	while (next_kept(r, o, &i, &e, &k)) {
		const char *unit = entry_unit(e);
		int bin = hass_is_binary(unit, &e->v);
		const char *sensor = bin ? "binary_sensor" : "sensor";

		sbuf_reset(&t);
		sbuf_reset(&pl);
		sbuf_reset(&st);
		sbuf_printf(&st, "homeassistant/%s/mpp_%s_%s/state", sensor,
		    tag, k);
		sbuf_printf(&t, "homeassistant/%s/mpp_%s_%s/config", sensor,
		    tag, k);
		spaces_to_underscores(&t);
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
		emit(p, &t, &pl, 0);

		sbuf_reset(&pl);
		hass_state(&pl, &e->v, bin);
		emit(p, &st, &pl, 0);
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

static int
unit_in(const char *unit, const char *a, const char *b)
{
	return strcmp(unit, a) == 0 || (b != NULL && strcmp(unit, b) == 0);
}

/* The hassd config object of one entry, in the reference's key order. */
static void
hassd_config(struct sbuf *pl, const struct entry *e, const char *unit,
    const char *tag, const char *state_topic, const char *uid,
    const struct out_opts *o)
{
	const char *dev = nonempty(o->device) ? o->device : DEF_DEVICE;
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
	if ((s = nonempty(extra_get(e, "device-class"))) != NULL)
		jobj_str(&j, "device_class", s);
	if ((s = nonempty(extra_get(e, "state_class"))) != NULL)
		jobj_str(&j, "state_class", s);
	if ((s = nonempty(extra_get(e, "icon"))) != NULL)
		jobj_str(&j, "icon", s);
	if (strcmp(unit, "Hz") == 0)
		jobj_str(&j, "device_class", "frequency");
	if (unit_in(unit, "A", "mA"))
		jobj_str(&j, "device_class", "current");
	if (unit_in(unit, "V", "mV"))
		jobj_str(&j, "device_class", "voltage");
	if (unit_in(unit, "W", "kW"))
		jobj_str(&j, "device_class", "power");
	if (unit_in(unit, "Wh", "kWh")) {
		jobj_str(&j, "icon", "mdi:counter");
		jobj_str(&j, "device_class", "energy");
		jobj_str(&j, "state_class", "total_increasing");
		sbuf_reset(&tmp);
		py_now(&tmp);
		jobj_str(&j, "last_reset", sbuf_str(&tmp));
	}
	/* mppd extension: HA marks the entity unavailable when either the
	 * daemon (last will) or the inverter is offline. */
	if (o->availability && nonempty(o->hostname) != NULL) {
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

/*
 * hassd_mqtt: every config message first, then every state message.  The
 * reference sleeps 0.5 s between the two batches so HA has created the
 * entities before their states arrive; mppd does not sleep: the configs
 * are retained and one connection delivers in order, so they reach the
 * broker (and HA) first anyway.
 */
static void
out_hassd(const struct result *r, const struct out_opts *o,
    const struct pub *p)
{
	const char *tag = nonempty(o->tag);
	const char *uidp = nonempty(o->uid_prefix);
	struct sbuf t = SBUF_INIT, pl = SBUF_INIT, st = SBUF_INIT;
	struct sbuf id = SBUF_INIT;
	char **states = NULL;	/* topic, payload pairs */
	size_t nstates = 0;
	const struct entry *e;
	char *k;
	int i = 0;

	if (tag == NULL)
		tag = nonempty(result_command(r));
	if (tag == NULL)
		tag = "mppsolar";
	while (next_kept(r, o, &i, &e, &k)) {
		const char *unit = extra_get(e, "unit");
		int bin;
		const char *sensor;

		if (unit == NULL)
			unit = entry_unit(e);
		bin = hass_is_binary(unit, &e->v);
		sensor = bin ? "binary_sensor" : "sensor";

		/* mppd extension: uid_prefix (the device name) keeps two
		 * devices with the same tag apart in ids and topics. */
		sbuf_reset(&id);
		if (uidp != NULL)
			sbuf_printf(&id, "mpp_%s_%s_%s", uidp, tag, k);
		else
			sbuf_printf(&id, "mpp_%s_%s", tag, k);
		sbuf_reset(&t);
		sbuf_reset(&st);
		sbuf_reset(&pl);
		sbuf_printf(&t, "homeassistant/%s/%s/config", sensor,
		    sbuf_str(&id));
		spaces_to_underscores(&t);
		sbuf_printf(&st, "homeassistant/%s/%s/state", sensor,
		    sbuf_str(&id));
		hassd_config(&pl, e, unit, tag, sbuf_str(&st), sbuf_str(&id), o);
		emit(p, &t, &pl, 1);

		sbuf_reset(&pl);
		hass_state(&pl, &e->v, bin);
		states = xrealloc(states, (nstates + 2) * sizeof(char *));
		states[nstates++] = sbuf_steal(&st);
		states[nstates++] = sbuf_steal(&pl);
		free(k);
	}
	for (size_t s = 0; s < nstates; s += 2) {
		p->fn(p->arg, states[s], states[s + 1], strlen(states[s + 1]),
		    0, 0);
		free(states[s]);
		free(states[s + 1]);
	}
	free(states);
	sbuf_free(&t);
	sbuf_free(&pl);
	sbuf_free(&st);
	sbuf_free(&id);
}

/* tag_mqtt: <tag>/<key> <- value; no tag means "mpp-solar". */
static void
out_tag(const struct result *r, const struct out_opts *o,
    const struct pub *p)
{
	const char *tag = nonempty(o->tag) ? o->tag : DEF_TOPIC;
	struct sbuf t = SBUF_INIT, pl = SBUF_INIT;
	const struct entry *e;
	char *k;
	int i = 0;

	while (next_kept(r, o, &i, &e, &k)) {
		sbuf_reset(&t);
		sbuf_reset(&pl);
		sbuf_printf(&t, "%s/%s", tag, k);
		add_payload(&pl, &e->v);
		emit(p, &t, &pl, 0);
		free(k);
	}
	sbuf_free(&t);
	sbuf_free(&pl);
}

/*
 * influx_mqtt: "<tag>,setting=<key> value=<value>[,unit=<unit>]";
 * influx2_mqtt: "<topic>,command=<tag> <key>=<value>" with string (and
 * None) values in double quotes.  Neither escapes anything.
 */
static void
out_influx(const struct result *r, const struct out_opts *o,
    const struct pub *p, int v2)
{
	const char *topic = nonempty(o->mqtt_topic) ? o->mqtt_topic : DEF_TOPIC;
	const char *tag = tag_or_command(r, o);
	struct sbuf t = SBUF_INIT, pl = SBUF_INIT;
	const struct entry *e;
	char *k;
	int i = 0;

	sbuf_adds(&t, topic);
	while (next_kept(r, o, &i, &e, &k)) {
		sbuf_reset(&pl);
		if (v2) {
			int num = e->v.type == V_INT || e->v.type == V_FLOAT;
			sbuf_printf(&pl, "%s,command=%s %s=", topic, tag, k);
			if (!num)
				sbuf_addc(&pl, '"');
			py_str_value(&pl, &e->v);
			if (!num)
				sbuf_addc(&pl, '"');
		} else {
			sbuf_printf(&pl, "%s,setting=%s value=", tag, k);
			py_str_value(&pl, &e->v);
			if (entry_unit(e)[0] != '\0')
				sbuf_printf(&pl, ",unit=%s", entry_unit(e));
		}
		emit(p, &t, &pl, 0);
		free(k);
	}
	sbuf_free(&t);
	sbuf_free(&pl);
}

/* domoticz_mqtt: "<value> <unit>" for A, V, %, W; else the bare value. */
static void
out_domoticz(const struct result *r, const struct out_opts *o,
    const struct pub *p)
{
	const char *tag = hass_tag(r, o);
	struct sbuf t = SBUF_INIT, pl = SBUF_INIT;
	const struct entry *e;
	char *k;
	int i = 0;

	while (next_kept(r, o, &i, &e, &k)) {
		const char *unit = entry_unit(e);

		sbuf_reset(&t);
		sbuf_reset(&pl);
		sbuf_printf(&t, "domoticz/sensor/mpp_%s_%s/state", tag, k);
		spaces_to_underscores(&t);
		if (unit_in(unit, "A", "V") || unit_in(unit, "%", "W")) {
			py_str_value(&pl, &e->v);
			sbuf_printf(&pl, " %s", unit);
		} else
			add_payload(&pl, &e->v);
		emit(p, &t, &pl, 0);
		free(k);
	}
	sbuf_free(&t);
	sbuf_free(&pl);
}

int
output_mqtt(const char *name, const struct result *r,
    const struct out_opts *o, out_publish_fn fn, void *arg)
{
	const char *c = output_canonical(name);
	struct pub p = { fn, arg };

	if (c == NULL)
		return -1;
	if (strcmp(c, "mqtt") == 0)
		out_mqtt(r, o, &p);
	else if (strcmp(c, "json_mqtt") == 0)
		out_json_mqtt(r, o, &p);
	else if (strcmp(c, "hass_mqtt") == 0)
		out_hass(r, o, &p);
	else if (strcmp(c, "hassd_mqtt") == 0)
		out_hassd(r, o, &p);
	else if (strcmp(c, "tag_mqtt") == 0)
		out_tag(r, o, &p);
	else if (strcmp(c, "influx_mqtt") == 0)
		out_influx(r, o, &p, 0);
	else if (strcmp(c, "influx2_mqtt") == 0)
		out_influx(r, o, &p, 1);
	else if (strcmp(c, "domoticz_mqtt") == 0)
		out_domoticz(r, o, &p);
	else
		return -1;
	return 0;
}

void
output_screen_publisher(void *arg, const char *topic, const char *payload,
    size_t len, int qos, int retain)
{
	struct sbuf *out = arg;

	sbuf_printf(out, "mqtt debug output only as broker name is 'screen' - "
	    "topic: '%s', payload: '", topic);
	sbuf_add(out, payload, len);
	sbuf_adds(out, "'\n");
}

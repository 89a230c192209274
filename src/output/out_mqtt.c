/*
 * out_mqtt.c - the MQTT processors mqtt, json_mqtt, tag_mqtt, influx_mqtt,
 * influx2_mqtt and domoticz_mqtt, and the entry walk every MQTT processor
 * shares (the Home Assistant ones, hass_mqtt and hassd_mqtt, are in
 * hass/hass_discovery.c).
 *
 * Each builds mpp-solar's messages (its mppsolar/outputs/<name>.py) from
 * one result and hands them, in mpp-solar's order, to a publish callback.
 * Payload bytes follow paho 1.6.1: a str is sent as UTF-8, an int or float
 * as Python str(), None as an empty payload.  Everything is QoS 0 and not
 * retained.
 */
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "proto.h"
#include "pyfmt.h"
#include "result.h"
#include "sbuf.h"

#define DEF_TOPIC	"mpp-solar"	/* influx/json_mqtt topic, tag_mqtt tag */

struct pub {
	out_publish_fn	 fn;
	void		*arg;
};

void
output_emit(out_publish_fn fn, void *arg, const struct sbuf *topic,
    const struct sbuf *payload, int retain)
{
	fn(arg, sbuf_str(topic), sbuf_str(payload), payload->len, 0, retain);
}

static void
emit(const struct pub *p, const struct sbuf *topic, const struct sbuf *pl,
    int retain)
{
	output_emit(p->fn, p->arg, topic, pl, retain);
}

/* The reference's get_kwargs() treats "" as missing ("x or default"). */
const char *
output_nonempty(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : NULL;
}

/* The _command value, or NULL (Python: data.pop("_command", None)). */
const char *
output_command(const struct result *r)
{
	const struct entry *c = result_find(r, "_command");

	if (c == NULL || c->v.type != V_STR)
		return NULL;
	return c->v.s;
}

/*
 * Tag where the reference does "if tag is None: tag = command": a missing
 * command then prints as Python's None in the f-strings.  hass_mqtt and
 * domoticz_mqtt use it too, where mpp-solar prints a missing tag as "None"
 * and every section's sensors collide (docs/compatibility.md).
 */
const char *
output_tag(const struct result *r, const struct out_opts *o)
{
	const char *t = output_nonempty(o->tag);

	if (t == NULL)
		t = output_command(r);
	return t != NULL ? t : "None";
}

const char *
output_unit(const struct entry *e)
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
int
output_next_kept(const struct result *r, const struct out_opts *o, int *i,
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
void
output_payload(struct sbuf *out, const struct value *v)
{
	if (v->type != V_NONE)
		py_str_value(out, v);
}

void
output_underscores(struct sbuf *s)
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
	const char *tag = output_tag(r, o);
	struct sbuf t = SBUF_INIT, pl = SBUF_INIT;
	const struct entry *e;
	char *k;
	int i = 0;

	while (output_next_kept(r, o, &i, &e, &k)) {
		sbuf_reset(&t);
		sbuf_reset(&pl);
		sbuf_printf(&t, "%s/status/%s/value", tag, k);
		output_payload(&pl, &e->v);
		emit(p, &t, &pl, 0);
		if (output_unit(e)[0] != '\0') {
			sbuf_reset(&t);
			sbuf_reset(&pl);
			sbuf_printf(&t, "%s/status/%s/unit", tag, k);
			sbuf_adds(&pl, output_unit(e));
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
	const char *topic = output_nonempty(o->results_topic);
	struct sbuf t = SBUF_INIT, pl = SBUF_INIT;
	const struct entry *e;
	char *k;
	int i = 0, first = 1;

	sbuf_printf(&t, "%s/%s", output_tag(r, o),
	    topic != NULL ? topic : DEF_TOPIC);
	sbuf_addc(&pl, '{');
	while (output_next_kept(r, o, &i, &e, &k)) {
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

/* tag_mqtt: <tag>/<key> <- value; no tag means "mpp-solar". */
static void
out_tag(const struct result *r, const struct out_opts *o,
    const struct pub *p)
{
	const char *tag = output_nonempty(o->tag) ? o->tag : DEF_TOPIC;
	struct sbuf t = SBUF_INIT, pl = SBUF_INIT;
	const struct entry *e;
	char *k;
	int i = 0;

	while (output_next_kept(r, o, &i, &e, &k)) {
		sbuf_reset(&t);
		sbuf_reset(&pl);
		sbuf_printf(&t, "%s/%s", tag, k);
		output_payload(&pl, &e->v);
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
	const char *topic = output_nonempty(o->mqtt_topic) ? o->mqtt_topic : DEF_TOPIC;
	const char *tag = output_tag(r, o);
	struct sbuf t = SBUF_INIT, pl = SBUF_INIT;
	const struct entry *e;
	char *k;
	int i = 0;

	sbuf_adds(&t, topic);
	while (output_next_kept(r, o, &i, &e, &k)) {
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
			if (output_unit(e)[0] != '\0')
				sbuf_printf(&pl, ",unit=%s", output_unit(e));
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
	const char *tag = output_tag(r, o);
	struct sbuf t = SBUF_INIT, pl = SBUF_INIT;
	const struct entry *e;
	char *k;
	int i = 0;

	while (output_next_kept(r, o, &i, &e, &k)) {
		const char *unit = output_unit(e);

		sbuf_reset(&t);
		sbuf_reset(&pl);
		sbuf_printf(&t, "domoticz/sensor/mpp_%s_%s/state", tag, k);
		output_underscores(&t);
		if (output_unit_in(unit, "A", "V") || output_unit_in(unit, "%", "W")) {
			py_str_value(&pl, &e->v);
			sbuf_printf(&pl, " %s", unit);
		} else
			output_payload(&pl, &e->v);
		emit(p, &t, &pl, 0);
		free(k);
	}
	sbuf_free(&t);
	sbuf_free(&pl);
}

int
output_unit_in(const char *unit, const char *a, const char *b)
{
	return strcmp(unit, a) == 0 || (b != NULL && strcmp(unit, b) == 0);
}

/* The registry's entry points (output.h): a publish callback in a struct. */
#define OUT_ENTRY(fname, call)						\
void									\
fname(const struct result *r, const struct out_opts *o,		\
    out_publish_fn fn, void *arg)					\
{									\
	struct pub p = { fn, arg };					\
									\
	call;								\
}

OUT_ENTRY(output_mqtt_plain, out_mqtt(r, o, &p))
OUT_ENTRY(output_json_mqtt, out_json_mqtt(r, o, &p))
OUT_ENTRY(output_tag_mqtt, out_tag(r, o, &p))
OUT_ENTRY(output_influx_mqtt, out_influx(r, o, &p, 0))
OUT_ENTRY(output_influx2_mqtt, out_influx(r, o, &p, 1))
OUT_ENTRY(output_domoticz_mqtt, out_domoticz(r, o, &p))

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

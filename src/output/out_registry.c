/*
 * out_registry.c - the output registry: every output's name, alias, kind,
 * processor and help line, in one table.  Configured names are resolved to
 * a row once, at load time (output_find); nothing compares output names
 * per result.
 */
#include <stddef.h>
#include <string.h>

#include "hass_discovery.h"
#include "output.h"

/* name, alias, kind, text, mqtt, discovery, states, help */
#define OUTPUT_TABLE(X)							\
	X("screen", NULL, OUT_TEXT, output_screen, NULL, NULL, NULL,	\
	    "[the default] formats to data and prints to the screen")	\
	X("json", NULL, OUT_TEXT, output_json, NULL, NULL, NULL,	\
	    "outputs the results to standard out in json format")	\
	X("raw", NULL, OUT_TEXT, output_raw, NULL, NULL, NULL,		\
	    "outputs the raw response of the inverter")			\
	X("simple", NULL, OUT_TEXT, output_simple, NULL, NULL, NULL,	\
	    "key=value lines on standard out")				\
	X("mqtt", NULL, OUT_MQTT, NULL, output_mqtt_plain, NULL, NULL,	\
	    "publishes each value (and unit) to <tag>/status/<key>/value") \
	X("json_mqtt", NULL, OUT_MQTT, NULL, output_json_mqtt, NULL, NULL, \
	    "publishes all values as one json message to <tag>/<topic>") \
	X("hass_mqtt", NULL, OUT_MQTT, NULL, hass_out_hass, NULL, NULL, \
	    "Home Assistant discovery (hand-built configs) and states")	\
	X("hassd_mqtt", "hassd_mqtt2", OUT_MQTT, NULL, hass_out_hassd,	\
	    hass_out_hassd_configs, hass_out_hassd_states,		\
	    "Home Assistant discovery with a device block (alias hassd_mqtt2)") \
	X("tag_mqtt", NULL, OUT_MQTT, NULL, output_tag_mqtt, NULL, NULL, \
	    "publishes each value to <tag>/<key>")			\
	X("influx_mqtt", NULL, OUT_MQTT, NULL, output_influx_mqtt, NULL, \
	    NULL, "influx line protocol messages to <mqtt_topic>")	\
	X("influx2_mqtt", NULL, OUT_MQTT, NULL, output_influx2_mqtt,	\
	    NULL, NULL, "influx v2 line protocol messages to <mqtt_topic>") \
	X("domoticz_mqtt", NULL, OUT_MQTT, NULL, output_domoticz_mqtt,	\
	    NULL, NULL, "domoticz sensor states")

#define DEF_ROW(n, a, k, t, m, d, s, h)	{ n, a, k, t, m, d, s, h },
#define HELP_ROW(n, a, k, t, m, d, s, h)	{ n, h },

static const struct output_def defs[] = {
	OUTPUT_TABLE(DEF_ROW)
};

const char *const output_help[][2] = {
	OUTPUT_TABLE(HELP_ROW)
	{ NULL, NULL }
};

const struct output_def *
output_find(const char *name)
{
	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof(defs) / sizeof(defs[0]); i++)
		if (strcmp(defs[i].name, name) == 0 ||
		    (defs[i].alias != NULL && strcmp(defs[i].alias, name) == 0))
			return &defs[i];
	return NULL;
}

enum output_kind
output_kind(const char *name)
{
	const struct output_def *d = output_find(name);

	return d != NULL ? d->kind : OUT_UNKNOWN;
}

const char *
output_canonical(const char *name)
{
	const struct output_def *d = output_find(name);

	return d != NULL ? d->name : NULL;
}

int
output_text(const char *name, const struct result *r, const struct out_opts *o,
    struct sbuf *out)
{
	const struct output_def *d = output_find(name);

	if (d == NULL || d->text == NULL)
		return -1;
	d->text(r, o, out);
	return 0;
}

int
output_mqtt(const char *name, const struct result *r,
    const struct out_opts *o, out_publish_fn fn, void *arg)
{
	const struct output_def *d = output_find(name);

	if (d == NULL || d->mqtt == NULL)
		return -1;
	d->mqtt(r, o, fn, arg);
	return 0;
}

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
	X("screen", NULL, OUT_TEXT, output_screen, NULL, NULL, NULL, NULL, \
	    "[the default] formats to data and prints to the screen")	\
	X("json", NULL, OUT_TEXT, output_json, NULL, NULL, NULL, NULL,	\
	    "outputs the results to standard out in json format")	\
	X("json_units", NULL, OUT_TEXT, output_json_units, NULL, NULL,	\
	    NULL, NULL, "outputs the results (including units) to standard " \
	    "out in json format")					\
	X("raw", NULL, OUT_TEXT, output_raw, NULL, NULL, NULL, NULL,	\
	    "outputs the raw response of the inverter")			\
	X("simple", NULL, OUT_TEXT, output_simple, NULL, NULL, NULL, NULL, \
	    "key=value lines on standard out")				\
	X("simpleunits", NULL, OUT_TEXT, output_simpleunits, NULL, NULL, \
	    NULL, NULL, "outputs 'param=value(unit)' only to standard out") \
	X("value", NULL, OUT_TEXT, output_value, NULL, NULL, NULL, NULL, \
	    "outputs the values only to standard out")			\
	X("boxdraw", NULL, OUT_TEXT, output_boxdraw, NULL, NULL, NULL,	\
	    NULL, "outputs the results to standard out in a table "	\
	    "formatted with line art boxes")				\
	X("prom", NULL, OUT_TEXT, output_prom, NULL, NULL, NULL, NULL,	\
	    "outputs Node exporter Prometheus format to standard out")	\
	X("mqtt", NULL, OUT_MQTT, NULL, output_mqtt_plain, NULL, NULL,	\
	    NULL, "publishes each value (and unit) to <tag>/status/<key>/value") \
	X("json_mqtt", NULL, OUT_MQTT, NULL, output_json_mqtt, NULL, NULL, \
	    NULL, "publishes all values as one json message to <tag>/<topic>") \
	X("hass_mqtt", NULL, OUT_MQTT, NULL, hass_out_hass, NULL, NULL,	\
	    NULL, "Home Assistant discovery (hand-built configs) and states") \
	X("hassd_mqtt", "hassd_mqtt2", OUT_MQTT, NULL, hass_out_hassd,	\
	    hass_out_hassd_configs, hass_out_hassd_states, NULL,	\
	    "Home Assistant discovery with a device block (alias hassd_mqtt2)") \
	X("tag_mqtt", NULL, OUT_MQTT, NULL, output_tag_mqtt, NULL, NULL, \
	    NULL, "publishes each value to <tag>/<key>")		\
	X("influx_mqtt", NULL, OUT_MQTT, NULL, output_influx_mqtt, NULL, \
	    NULL, NULL, "influx line protocol messages to <mqtt_topic>") \
	X("influx2_mqtt", NULL, OUT_MQTT, NULL, output_influx2_mqtt,	\
	    NULL, NULL, NULL,						\
	    "influx v2 line protocol messages to <mqtt_topic>")	\
	X("domoticz_mqtt", NULL, OUT_MQTT, NULL, output_domoticz_mqtt,	\
	    NULL, NULL, NULL, "domoticz sensor states")			\
	X("domoticz_autodiscover", NULL, OUT_MQTT, NULL,		\
	    output_domoticz_autodiscover, NULL, NULL, NULL,		\
	    "sensor configs for Domoticz in Home Assistant discovery format") \
	X("json_udp", NULL, OUT_SINK, NULL, NULL, NULL, NULL,		\
	    output_json_udp, "all values as one JSON datagram to "	\
	    "localhost:<udpport>")					\
	X("prom_file", NULL, OUT_SINK, NULL, NULL, NULL, NULL,		\
	    output_prom_file, "Node exporter Prometheus format to files "	\
	    "in <prom_output_dir>")					\
	X("prom_push", NULL, OUT_SINK, NULL, NULL, NULL, NULL,		\
	    output_prom_push, "pushes Node exporter Prometheus format to "	\
	    "a PushGateway at <push_url>")				\
	X("prom_pushd", NULL, OUT_SINK, NULL, NULL, NULL, NULL,		\
	    output_prom_pushd, "pushes Prometheus format to <push_url>/"	\
	    "metrics/job/mppsolar/instance/<host> (VictoriaMetrics)")	\
	X("postgres", NULL, OUT_SINK, NULL, NULL, NULL, NULL,		\
	    output_postgres, "inserts a row per result into the table "	\
	    "mppsolar at <postgres_url>")				\
	X("mongo", NULL, OUT_SINK, NULL, NULL, NULL, NULL, output_mongo, \
	    "not supported by mppd (refused with the alternatives)")

#define DEF_ROW(n, a, k, t, m, d, s, x, h)	{ n, a, k, t, m, d, s, x, h },
#define HELP_ROW(n, a, k, t, m, d, s, x, h)	{ n, h },

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

/*
 * pipeline.c - sending one decoded result through a device's outputs.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "config.h"
#include "ident.h"
#include "log.h"
#include "mqtt_conn.h"
#include "output.h"
#include "result.h"
#include "sbuf.h"

static void *
compile_filter(const char *re, const char *what, const char *dev)
{
	int code;
	PCRE2_SIZE off;
	pcre2_code *c;
	PCRE2_UCHAR msg[256];

	if (re == NULL || re[0] == '\0')
		return NULL;
	c = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, 0, &code, &off,
	    NULL);
	if (c == NULL) {
		pcre2_get_error_message(code, msg, sizeof(msg));
		log_error("%s: %s '%s': %s at offset %zu", dev, what, re,
		    (char *)msg, (size_t)off);
	}
	return c;
}

int
app_out_init(struct app_out *ao, const struct config *c,
    const struct device_cfg *dc, struct conn_registry *reg, int cli_mode)
{
	int want_mqtt = 0;

	memset(ao, 0, sizeof(*ao));
	ao->dc = dc;
	ao->cli_mode = cli_mode;
	ao->keepcase = c->keepcase;
	ao->results_topic = c->results_topic;
	ao->hostname = ident_hostname(&dc->mqtt);
	ao->text_out = stdout;
	if ((dc->filter != NULL && dc->filter[0] != '\0' &&
	    (ao->filter = compile_filter(dc->filter, "filter", dc->name)) == NULL) ||
	    (dc->exclfilter != NULL && dc->exclfilter[0] != '\0' &&
	    (ao->exclfilter = compile_filter(dc->exclfilter, "exclfilter",
	    dc->name)) == NULL))
		return -1;
	ao->defs = xcalloc((size_t)dc->noutputs + 1, sizeof(*ao->defs));
	for (int i = 0; i < dc->noutputs; i++) {
		const struct output_def *d = output_find(dc->outputs[i]);
		if (d == NULL)
			continue;	/* warned about at start-up */
		ao->defs[ao->ndefs++] = d;
		if (d->kind == OUT_MQTT)
			want_mqtt = 1;
	}
	if (want_mqtt) {
		if (dc->mqtt.broker != NULL && strcmp(dc->mqtt.broker, "screen") == 0)
			ao->screen_broker = 1;
		else if (reg != NULL)
			ao->conn = conn_registry_get(reg, &dc->mqtt, ao->hostname);
	}
	return 0;
}

void
app_out_free(struct app_out *ao)
{
	pcre2_code_free(ao->filter);
	pcre2_code_free(ao->exclfilter);
	ao->filter = ao->exclfilter = NULL;
	free(ao->defs);
	ao->defs = NULL;
	ao->ndefs = 0;
}

static void
conn_publisher(void *arg, const char *topic, const char *payload, size_t len,
    int qos, int retain)
{
	conn_publish(arg, topic, payload, len, qos, retain);
}

void
app_out_opts(const struct app_out *ao, const char *cmd, struct out_opts *o)
{
	const struct device_cfg *dc = ao->dc;

	memset(o, 0, sizeof(*o));
	if (ao->cli_mode)
		o->tag = ao->cli_tag != NULL ? ao->cli_tag : cmd;
	else
		o->tag = dc->tag;
	o->device = dc->name;
	o->filter = ao->filter;
	o->exclfilter = ao->exclfilter;
	o->keepcase = ao->keepcase;
	o->mqtt_topic = dc->mqtt_topic != NULL ? dc->mqtt_topic : ao->results_topic;
	o->results_topic = ao->results_topic;
	o->hostname = ao->hostname;
	o->availability = ao->availability;
	o->uid_prefix = ao->uid_prefix;
	o->dev = dc->dev;
	o->udp_port = dc->udp_port;
	o->push_url = dc->push_url;
	o->prom_dir = dc->prom_dir;
	o->prom_style = dc->prom_style;
	o->postgres_url = dc->postgres_url;
	o->mongo_url = dc->mongo_url;
}

void
app_emit(struct app_out *ao, const char *cmd, const struct result *r)
{
	struct out_opts o;
	struct sbuf text = SBUF_INIT;

	app_out_opts(ao, cmd, &o);
	for (int i = 0; i < ao->ndefs; i++) {
		const struct output_def *d = ao->defs[i];
		if (d->kind == OUT_SINK) {
			if (d->sink(r, &o) < 0)
				ao->sink_failures++;
		} else if (d->kind == OUT_TEXT) {
			sbuf_reset(&text);
			d->text(r, &o, &text);
			fwrite(sbuf_str(&text), 1, text.len, ao->text_out);
			fflush(ao->text_out);
		} else if (ao->screen_broker) {
			sbuf_reset(&text);
			d->mqtt(r, &o, output_screen_publisher, &text);
			fwrite(sbuf_str(&text), 1, text.len, ao->text_out);
			fflush(ao->text_out);
		} else if (ao->conn != NULL &&
		    !(ao->hass_apart && d->discovery != NULL))
			d->mqtt(r, &o, conn_publisher, ao->conn);
	}
	sbuf_free(&text);
}

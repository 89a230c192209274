/*
 * out_check.c - the output layer's configuration checks (see out_check.h).
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_diag.h"
#include "out_check.h"
#include "output.h"
#include "sbuf.h"

/* The closest output name to word, or NULL (see config_diag_closest()). */
static const char *
closest_output(const char *word)
{
	const char *names[64];
	int n = 0;

	for (int i = 0; output_help[i][0] != NULL && n < 64; i++)
		names[n++] = output_help[i][0];
	return config_diag_closest(word, names, n);
}

/* Keeps the outputs mppd has; warns about the others (see out_check.h). */
void
out_check_outputs(struct config_diag *dg, struct device_cfg *d)
{
	int kept = 0;

	for (int i = 0; i < d->noutputs; i++) {
		char *name = d->outputs[i];
		const char *near;

		if (output_canonical(name) != NULL) {
			d->outputs[kept++] = name;
			if (strcmp(name, "mongo") == 0)
				config_diag_warn(dg, d->name, "outputs", "outputs: "
				    "mongo is not supported by mppd: every result "
				    "is refused with an error; use postgres, "
				    "json_udp, prom_file, prom_push or an MQTT "
				    "output instead");
			continue;
		}
		if ((near = closest_output(name)) != NULL)
			config_diag_warn(dg, d->name, "outputs", "outputs: "
			    "unknown output '%s' skipped (did you mean '%s'?)",
			    name, near);
		else {
			struct sbuf all = SBUF_INIT;

			for (int k = 0; output_help[k][0] != NULL; k++)
				sbuf_printf(&all, "%s%s", k > 0 ? ", " : "",
				    output_help[k][0]);
			config_diag_warn(dg, d->name, "outputs", "outputs: "
			    "unknown output '%s' skipped (mppd has: %s)", name,
			    sbuf_str(&all));
			sbuf_free(&all);
		}
		free(name);
	}
	d->noutputs = kept;
	if (kept == 0)
		config_diag_warn(dg, d->name, "outputs", "outputs: no usable "
		    "output; results of [%s] go nowhere", d->name);
}

/* Compiles a filter/exclfilter regex to check it (outputs compile theirs). */
static int
check_regex(struct config_diag *dg, const struct device_cfg *d,
    const char *key, const char *re)
{
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE off;
	pcre2_code *code;
	int rc;

	if (re == NULL)
		return 0;
	code = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, PCRE2_UTF,
	    &rc, &off, NULL);
	if (code != NULL) {
		pcre2_code_free(code);
		return 0;
	}
	if (pcre2_get_error_message(rc, msg, sizeof(msg)) < 0)
		strcpy((char *)msg, "unknown PCRE2 error");
	config_diag_error(dg, d->name, key, "%s: expected a regular "
	    "expression, found '%s': %s at offset %zu", key, re, (char *)msg,
	    (size_t)off);
	return -1;
}

int
out_check_filters(struct config_diag *dg, const struct device_cfg *d)
{
	int rc = 0;

	if (check_regex(dg, d, "filter", d->filter) < 0)
		rc = -1;
	if (check_regex(dg, d, "exclfilter", d->exclfilter) < 0)
		rc = -1;
	return rc;
}

/*
 * Where each MQTT output publishes, as topic filters: {tag} is the
 * device's tag or, unset, the command name ('+'); {tag0} the tag or
 * "mpp-solar"; {results} the results topic; {influx} mqtt_topic or the
 * results topic.  A new MQTT output needs its row (test_out_published.c
 * checks every one has); without one "#" is assumed.
 */
static const struct {
	const char	*name;
	const char	*filters[2];
} out_topics[] = {
	{ "mqtt", { "{tag}/status/#", NULL } },
	{ "json_mqtt", { "{tag}/{results}", NULL } },
	{ "hass_mqtt", { "homeassistant/#", NULL } },
	{ "hassd_mqtt", { "homeassistant/#", NULL } },
	{ "tag_mqtt", { "{tag0}/#", NULL } },
	{ "influx_mqtt", { "{influx}", NULL } },
	{ "influx2_mqtt", { "{influx}", NULL } },
	{ "domoticz_mqtt", { "domoticz/#", NULL } },
	{ "domoticz_autodiscover", { "homeassistant/#", "domoticz/#" } },
};

void
out_check_published(const struct config *c, const struct device_cfg *d,
    void (*fn)(void *arg, const char *filter, const char *what), void *arg)
{
	/* Daemon mode: the device's tag, or the command name when unset. */
	const char *tag = d->tag != NULL && d->tag[0] != '\0' ? d->tag : NULL;
	const char *results = c->results_topic != NULL &&
	    c->results_topic[0] != '\0' ? c->results_topic : "mpp-solar";
	const char *influx = d->mqtt_topic != NULL && d->mqtt_topic[0] != '\0' ?
	    d->mqtt_topic : results;
	const char *const vars[][2] = { { "{tag}", tag != NULL ? tag : "+" },
	    { "{tag0}", tag != NULL ? tag : "mpp-solar" },
	    { "{results}", results }, { "{influx}", influx } };
	static const char *const any[2] = { "#", NULL };
	struct sbuf t = SBUF_INIT;

	for (int i = 0; i < d->noutputs; i++) {
		const char *name = output_canonical(d->outputs[i]);
		const char *const *f = any;

		if (name == NULL || output_kind(name) != OUT_MQTT)
			continue;
		for (size_t k = 0; k < sizeof(out_topics) /
		    sizeof(out_topics[0]); k++)
			if (strcmp(out_topics[k].name, name) == 0)
				f = out_topics[k].filters;
		for (int n = 0; n < 2 && f[n] != NULL; n++) {
			const char *p = f[n];
			sbuf_reset(&t);
			while (*p != '\0') {
				size_t v;
				for (v = 0; v < 4; v++)
					if (strncmp(p, vars[v][0],
					    strlen(vars[v][0])) == 0)
						break;
				if (v < 4) {
					sbuf_adds(&t, vars[v][1]);
					p += strlen(vars[v][0]);
				} else
					sbuf_addc(&t, *p++);
			}
			fn(arg, sbuf_str(&t), name);
		}
	}
	sbuf_free(&t);
}

void
out_check_sinks(struct config_diag *dg, const struct device_cfg *d)
{
	for (int i = 0; i < d->noutputs; i++)
		if (strcmp(d->outputs[i], "postgres") == 0 &&
		    d->postgres_url == NULL)
			config_diag_warn(dg, d->name, "outputs", "outputs: "
			    "postgres needs postgres_url; results are not "
			    "stored");
}

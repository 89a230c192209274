/*
 * http_metrics.c - Prometheus text exposition of the store
 * (http_metrics.h).  Formats are at
 * https://prometheus.io/docs/instrumenting/exposition_formats/ and the
 * naming rules (base units, _total for counters) at
 * https://prometheus.io/docs/practices/naming/.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_metrics.h"
#include "log.h"
#include "http_store.h"
#include "promtext.h"
#include "pyfmt.h"
#include "result.h"
#include "sbuf.h"

/* Units the protocols use, with their base unit's name suffix. */
static const struct unitdef {
	const char	*unit;
	const char	*suffix;	/* "" = dimensionless, no suffix */
	double		 factor;
} units[] = {
	{ "V", "volts", 1 }, { "mV", "volts", 1e-3 },
	{ "A", "amperes", 1 }, { "mA", "amperes", 1e-3 },
	{ "W", "watts", 1 }, { "kW", "watts", 1e3 },
	{ "VA", "voltamperes", 1 }, { "kVA", "voltamperes", 1e3 },
	{ "Hz", "hertz", 1 },
	{ "%", "ratio", 1e-2 },
	{ "\xc2\xb0" "C", "celsius", 1 }, { "C", "celsius", 1 },
	{ "degC", "celsius", 1 },
	{ "Wh", "joules", 3600 }, { "kWh", "joules", 3.6e6 },
	{ "Ah", "coulombs", 3600 }, { "mAh", "coulombs", 3.6 },
	{ "s", "seconds", 1 }, { "min", "seconds", 60 },
	{ "h", "seconds", 3600 }, { "ms", "seconds", 1e-3 },
	{ "bool", "", 1 }, { "", "", 1 },
};

/* Suffixes Prometheus reserves for counters, histograms and summaries. */
static const char *const reserved_suffix[] = {
	"_total", "_count", "_sum", "_bucket", "_created",
};

/* mppd's own metrics: a value whose name would be one of them gets a
 * "_value" suffix. */
static const char *const own_names[] = {
	"mppd_device_up", "mppd_last_poll_timestamp_seconds",
};

static int
ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

void
hmetrics_name(const char *key, const char *unit, char *buf, size_t n,
    double *factor, int *known)
{
	const struct unitdef *u = NULL;
	size_t o, keep;
	int sep = 0;

	*factor = 1;
	*known = 0;
	for (size_t i = 0; unit != NULL && i < sizeof(units) / sizeof(units[0]);
	    i++)
		if (strcmp(unit, units[i].unit) == 0) {
			u = &units[i];
			break;
		}
	if (u != NULL) {
		*factor = u->factor;
		*known = 1;
	}
	if (n < 32)
		fatal("hmetrics_name: buffer too small");
	/* room for the longest suffix and "_value" */
	keep = n - 32;
	o = (size_t)snprintf(buf, n, "mppd");
	for (const char *p = key; *p != '\0' && o < keep; p++) {
		unsigned char c = (unsigned char)*p;
		if (isascii(c) && isalnum(c)) {
			if (sep || o == 4)
				buf[o++] = '_';
			sep = 0;
			buf[o++] = (char)tolower(c);
		} else
			sep = 1;
	}
	buf[o] = '\0';
	if (o == 4)
		o = (size_t)snprintf(buf, n, "mppd_value");
	if (u != NULL && u->suffix[0] != '\0') {
		char s[24];
		snprintf(s, sizeof(s), "_%s", u->suffix);
		if (!ends_with(buf, s))
			snprintf(buf + o, n - o, "%s", s);
	}
	for (size_t i = 0; i < sizeof(reserved_suffix) / sizeof(*reserved_suffix);
	    i++)
		if (ends_with(buf, reserved_suffix[i]))
			strcat(buf, "_value");
	for (size_t i = 0; i < sizeof(own_names) / sizeof(*own_names); i++)
		if (strcmp(buf, own_names[i]) == 0)
			strcat(buf, "_value");
}

static void
number(struct sbuf *out, double v)
{
	char b[40];

	if (isnan(v))
		sbuf_adds(out, "NaN");
	else if (isinf(v))
		sbuf_adds(out, v > 0 ? "+Inf" : "-Inf");
	else {
		py_float_repr(v, b, sizeof(b));
		sbuf_adds(out, b);
	}
}

struct sample {
	char	*name;
	char	*help;
	char	*labels;	/* {device="..",...} */
	double	 v;
	int	 seq;
};

static int
sample_cmp(const void *a, const void *b)
{
	const struct sample *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c == 0)
		c = strcmp(x->labels, y->labels);
	if (c == 0)
		c = x->seq - y->seq;
	return c;
}

static void
device_values(const struct hdev_snap *d, struct sample **ss, int *ns,
    int *cap)
{
	for (int k = 0; k < d->nres; k++) {
		const struct hres_snap *h = &d->res[k];
		if (!h->valid || h->status <= 0)
			continue;
		for (int i = 0; i < h->r.n; i++) {
			const struct entry *e = &h->r.e[i];
			struct sbuf l = SBUF_INIT, hp = SBUF_INIT;
			char name[160];
			double v, factor;
			int known;

			if (e->kind != ENT_LIST)
				continue;
			if (e->v.type == V_FLOAT)
				v = e->v.f;
			else if (e->v.type == V_INT && e->v.s != NULL)
				v = strtod(e->v.s, NULL);
			else
				continue;
			hmetrics_name(e->key, e->unit, name, sizeof(name),
			    &factor, &known);
			sbuf_adds(&l, "{device=\"");
			promtext_label_value(&l, d->name);
			sbuf_adds(&l, "\",command=\"");
			promtext_label_value(&l, h->cmd);
			sbuf_adds(&l, "\"");
			if (!known) {
				sbuf_adds(&l, ",unit=\"");
				promtext_label_value(&l, e->unit);
				sbuf_adds(&l, "\"");
			}
			sbuf_adds(&l, "}");
			sbuf_printf(&hp, "%s", e->key);
			if (e->unit != NULL && e->unit[0] != '\0')
				sbuf_printf(&hp, " (%s)", e->unit);
			if (*ns == *cap) {
				*cap = *cap ? *cap * 2 : 64;
				*ss = xrealloc(*ss, (size_t)*cap * sizeof(**ss));
			}
			(*ss)[*ns].name = xstrdup(name);
			(*ss)[*ns].help = sbuf_steal(&hp);
			(*ss)[*ns].labels = sbuf_steal(&l);
			(*ss)[*ns].v = v * factor;
			(*ss)[*ns].seq = *ns;
			(*ns)++;
		}
	}
}

/* One metric family of mppd's own: HELP, TYPE and one sample per device. */
static void
own_family(struct sbuf *out, const char *name, const char *type,
    const char *help, const struct hdev_snap *d, int n, int which)
{
	sbuf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
	for (int i = 0; i < n; i++) {
		double v = 0;
		switch (which) {
		case 0: v = d[i].online == 1; break;
		case 1: v = (double)d[i].polls; break;
		case 2: v = (double)d[i].errors; break;
		case 3: v = (double)d[i].commands; break;
		case 4: v = (double)d[i].last_ms / 1000.0; break;
		}
		sbuf_printf(out, "%s{device=\"", name);
		promtext_label_value(out, d[i].name);
		sbuf_adds(out, "\"} ");
		if (which != 4)	/* whole numbers */
			sbuf_printf(out, "%.0f\n", v);
		else {
			number(out, v);
			sbuf_addc(out, '\n');
		}
	}
}

void
hmetrics_render(struct hstore *s, struct sbuf *out)
{
	int n = hstore_count(s), ns = 0, cap = 0, nb;
	struct hdev_snap *d = xcalloc((size_t)n + 1, sizeof(*d));
	struct sample *ss = NULL;
	struct hbroker_snap *b;
	const char *prev = NULL;

	for (int i = 0; i < n; i++)
		hstore_snap(s, i, &d[i]);
	own_family(out, "mppd_device_up", "gauge", "1 when the device answers, "
	    "0 when it is offline or not heard from yet", d, n, 0);
	own_family(out, "mppd_polls_total", "counter", "Poll commands run",
	    d, n, 1);
	own_family(out, "mppd_poll_errors_total", "counter", "Poll commands "
	    "without a valid reply (no answer, or a refused reply)", d, n, 2);
	own_family(out, "mppd_commands_total", "counter", "MQTT commands run "
	    "on the device", d, n, 3);
	own_family(out, "mppd_last_poll_timestamp_seconds", "gauge",
	    "Wall clock of the last poll (0: none yet)", d, n, 4);
	nb = hstore_brokers(s, &b);
	sbuf_adds(out, "# HELP mppd_mqtt_reconnects_total Connections to the "
	    "broker after the first\n# TYPE mppd_mqtt_reconnects_total counter\n");
	for (int i = 0; i < nb; i++) {
		sbuf_adds(out, "mppd_mqtt_reconnects_total{broker=\"");
		promtext_label_value(out, b[i].name);
		sbuf_printf(out, "\"} %lu\n",
		    b[i].connects > 0 ? b[i].connects - 1 : 0);
	}
	hstore_brokers_free(b, nb);

	for (int i = 0; i < n; i++)
		device_values(&d[i], &ss, &ns, &cap);
	qsort(ss, (size_t)ns, sizeof(*ss), sample_cmp);
	for (int i = 0; i < ns; i++) {
		/* one family per name; a repeated series keeps its first value */
		if (prev != NULL && strcmp(prev, ss[i].name) == 0 &&
		    strcmp(ss[i - 1].labels, ss[i].labels) == 0)
			continue;
		if (prev == NULL || strcmp(prev, ss[i].name) != 0) {
			sbuf_printf(out, "# HELP %s ", ss[i].name);
			promtext_help(out, ss[i].help);
			sbuf_printf(out, "\n# TYPE %s gauge\n", ss[i].name);
		}
		sbuf_printf(out, "%s%s ", ss[i].name, ss[i].labels);
		number(out, ss[i].v);
		sbuf_addc(out, '\n');
		prev = ss[i].name;
	}
	for (int i = 0; i < ns; i++) {
		free(ss[i].name);
		free(ss[i].help);
		free(ss[i].labels);
	}
	free(ss);
	for (int i = 0; i < n; i++)
		hstore_snap_free(&d[i]);
	free(d);
}

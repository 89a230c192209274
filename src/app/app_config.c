/*
 * app_config.c - the one configuration loader of mppd (see app_config.h):
 * config_read() with hooks that run the checks of the layers that own
 * what they check, all reporting into the same diagnostics, in the order
 * the file is read.
 */
#include <stdlib.h>
#include <string.h>

#include "allow.h"
#include "app_config.h"
#include "config.h"
#include "config_diag.h"
#include "config_value.h"
#include "ident.h"
#include "log.h"
#include "out_check.h"
#include "output.h"
#include "port_check.h"
#include "proto_check.h"
#include "sbuf.h"
#include "topic_check.h"

/* [SETUP]'s command topic and allowlist: the defaults of every device. */
static void
check_setup(void *arg, struct config_diag *dg, struct config *c)
{
	const struct mqtt_settings *m = &c->mqtt;

	(void)arg;
	topic_check_config(dg, "SETUP", m, NULL);
	if (m->allowed_cmds != NULL) {
		char **v;
		int n = val_split(m->allowed_cmds, ',', 0, &v);

		allow_check_config(dg, "SETUP", v, n, m->cmd_match);
		val_free_list(v, n);
	}
}

/* A device key just read: the outputs are checked where they are read. */
static void
check_key(void *arg, struct config_diag *dg, struct device_cfg *d,
    const char *key)
{
	(void)arg;
	if (strcmp(key, "outputs") == 0)
		out_check_outputs(dg, d);
}

/*
 * One device, once read.  mqtt_* values it inherits were checked with
 * [SETUP]; only what the device sets itself is checked again.
 */
static void
check_device(void *arg, struct config_diag *dg, struct device_cfg *d)
{
	const struct mqtt_settings *m = &d->mqtt;

	(void)arg;
	out_check_filters(dg, d);
	out_check_sinks(dg, d);
	if (config_diag_own(dg, d->name, "mqtt_cmd_topic") ||
	    config_diag_own(dg, d->name, "mqtt_hostname"))
		topic_check_config(dg, d->name, m, d->name);
	if (config_diag_own(dg, d->name, "mqtt_allowed_cmds") &&
	    m->allowed_cmds != NULL)
		allow_check_config(dg, d->name, d->allow, d->nallow,
		    m->cmd_match);
	port_check_config(dg, d);
	proto_check_config(dg, d);
}

struct pubs {
	struct topic_pub	*v;
	int			 n, cap;
	const struct device_cfg	*dev;
	const char		*prefix;	/* "[inv]'s " */
};

static void
pubs_add(void *arg, const char *filter, const char *what)
{
	struct pubs *p = arg;
	struct sbuf w = SBUF_INIT;

	if (p->n == p->cap) {
		p->cap = p->cap > 0 ? 2 * p->cap : 16;
		p->v = xrealloc(p->v, (size_t)p->cap * sizeof(*p->v));
	}
	sbuf_printf(&w, "%s%s", p->prefix, what);
	p->v[p->n].filter = xstrdup(filter);
	p->v[p->n].what = sbuf_steal(&w);
	p->v[p->n].dev = p->dev;
	p->n++;
}

/*
 * What mppd publishes for d on its broker (the daemon's topics and the
 * outputs'), into p.
 */
static void
pubs_of(struct pubs *p, const struct config *c, const struct device_cfg *d)
{
	const char *host = ident_hostname(&d->mqtt);
	struct sbuf t = SBUF_INIT, pre = SBUF_INIT;
	int mqtt_out = 0;

	for (int i = 0; i < d->noutputs; i++)
		if (output_kind(d->outputs[i]) == OUT_MQTT)
			mqtt_out = 1;
	if (d->mqtt.broker == NULL || strcmp(d->mqtt.broker, "screen") == 0 ||
	    (!mqtt_out && d->nallow == 0))
		return;		/* no connection for d */
	sbuf_printf(&pre, "[%s]'s ", d->name);
	p->dev = d;
	p->prefix = "";
	sbuf_printf(&t, "%s/mppd/status", host);
	pubs_add(p, sbuf_str(&t), "mppd's connection status");
	p->prefix = sbuf_str(&pre);
	sbuf_reset(&t);
	sbuf_printf(&t, "%s/%s/availability", host, d->name);
	pubs_add(p, sbuf_str(&t), "availability");
	if (d->hass_controls) {
		sbuf_reset(&t);
		sbuf_printf(&t, "%s/%s/settings/#", host, d->name);
		pubs_add(p, sbuf_str(&t), "Home Assistant settings");
		pubs_add(p, "homeassistant/#", "Home Assistant discovery");
	}
	out_check_published(c, d, pubs_add, p);
	sbuf_free(&t);
	sbuf_free(&pre);
}

/*
 * Every device is read: no command topic takes mppd's own output or
 * another device's commands.
 */
static void
check_all(void *arg, struct config_diag *dg, struct config *c)
{
	struct pubs p;

	(void)arg;
	memset(&p, 0, sizeof(p));
	for (int i = 0; i < c->ndevs; i++)
		pubs_of(&p, c, &c->devs[i]);
	topic_check_commands(dg, c, p.v, p.n);
	for (int i = 0; i < p.n; i++) {
		free(p.v[i].filter);
		free(p.v[i].what);
	}
	free(p.v);
}

int
app_config_load(const char *path, const struct cli_mqtt *cli,
    struct config *c, struct sbuf *err)
{
	static const struct config_hooks hooks = {
		.setup = check_setup,
		.key = check_key,
		.device = check_device,
		.all = check_all,
	};
	struct config_diag *dg = config_diag_new(path);
	struct sbuf local = SBUF_INIT;
	int rc;

	config_read(path, cli, c, dg, &hooks);
	rc = config_diag_flush(dg, err != NULL ? err : &local);
	config_diag_free(dg);
	if (rc < 0)
		config_free(c);	/* nothing half-loaded is handed back */
	if (local.len > 0) {
		local.buf[--local.len] = '\0';
		log_error("%s", sbuf_str(&local));
	}
	sbuf_free(&local);
	return rc;
}

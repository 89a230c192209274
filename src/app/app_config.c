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
#include "log.h"
#include "out_check.h"
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

int
app_config_load(const char *path, const struct cli_mqtt *cli,
    struct config *c, struct sbuf *err)
{
	static const struct config_hooks hooks = {
		.setup = check_setup,
		.key = check_key,
		.device = check_device,
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

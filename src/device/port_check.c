/*
 * port_check.c - the device layer's configuration check (see
 * port_check.h).
 */
#include "config.h"
#include "config_diag.h"
#include "port.h"
#include "port_check.h"

void
port_check_config(struct config_diag *dg, const struct device_cfg *d)
{
	static const char *const keys[] = { "port", "porttype" };
	char why[512];
	int line;

	if ((line = config_diag_last_line(dg, d->name, keys, 2)) == 0)
		line = d->line;
	if (port_check_url(d->port, d->porttype, why, sizeof(why)) < 0) {
		config_diag_error_at(dg, line, "port: %s", why);
		return;
	}
	if (port_detect(d->port, d->porttype) != PORT_NONE)
		return;
	config_diag_warn_at(dg, line, "port: '%s'%s is not recognised as a "
	    "test, serial or hidraw port (\"No communications port "
	    "defined\"); set porttype = serial or hidraw", d->port,
	    d->porttype != NULL ? " with this porttype" : "");
}

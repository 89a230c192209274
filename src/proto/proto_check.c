/*
 * proto_check.c - the protocol layer's configuration checks (see
 * proto_check.h).
 */
#include <stddef.h>

#include "bms.h"
#include "config.h"
#include "config_diag.h"
#include "proto.h"
#include "proto_check.h"
#include "port.h"
#include "sbuf.h"

int
proto_check_config(struct config_diag *dg, const struct device_cfg *d)
{
	const struct pi_proto *p;
	int ok = proto_init() == 0;
	char q[96];

	if (d->protocol == NULL)
		return 0;
	if ((p = proto_find(d->protocol)) == NULL) {
		struct sbuf names = SBUF_INIT;

		for (int i = 0; i < pi_nprotocols; i++)
			sbuf_printf(&names, "%s%s", i > 0 ? ", " : "",
			    pi_protocols[i]->id);
		config_diag_error(dg, d->name, "protocol", "protocol: expected "
		    "one of %s, found \"%s\"", sbuf_str(&names),
		    config_diag_quote(d->protocol, q, sizeof(q)));
		sbuf_free(&names);
		return -1;
	}
	if (bms_bluetooth_only(p) && port_detect(d->port != NULL ? d->port :
	    "/dev/ttyUSB0", d->porttype) != PORT_TEST) {
		config_diag_error(dg, d->name, "protocol", "protocol: %s talks "
		    "over Bluetooth LE, which mppd does not support yet; its "
		    "replies can be decoded with --decode or the test port",
		    p->id);
		return -1;
	}
	for (int i = 0; ok && i < d->ncommands; i++)
		if (d->commands[i][0] != '\0' &&
		    proto_lookup(p, d->commands[i], NULL, 0) == NULL)
			config_diag_warn(dg, d->name, "command", "command: '%s' "
			    "is not a %s command; it is sent as it is and "
			    "reported as having no definition", d->commands[i],
			    p->id);
	return 0;
}

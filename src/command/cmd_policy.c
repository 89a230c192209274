/*
 * cmd_policy.c - a device's command policy, compiled once (cmd_policy.h).
 */
#include <string.h>

#include "allow.h"
#include "cmd_check.h"
#include "cmd_policy.h"
#include "config.h"
#include "sbuf.h"

int
cmd_policy_init(struct cmd_policy *pol, const struct device_cfg *dc,
    const struct pi_proto *proto, struct sbuf *err)
{
	memset(pol, 0, sizeof(*pol));
	if (dc->nallow > 0 && (pol->allow = allow_compile(dc->allow,
	    dc->nallow, dc->mqtt.cmd_match, err)) == NULL)
		return -1;
	pol->npatterns = dc->nallow;
	pol->mode = dc->mqtt.cmd_match;
	pol->allow_undefined = dc->mqtt.allow_undefined;
	pol->proto = proto;
	return 0;
}

int
cmd_policy_enabled(const struct cmd_policy *pol)
{
	return pol != NULL && pol->allow != NULL;
}

int
cmd_policy_check(const struct cmd_policy *pol, const char *command, int strict,
    char *err, size_t errlen)
{
	return cmd_check(command, pol->allow, pol->proto,
	    strict ? 0 : pol->allow_undefined, err, errlen);
}

void
cmd_policy_free(struct cmd_policy *pol)
{
	if (pol == NULL)
		return;
	allow_free(pol->allow);
	memset(pol, 0, sizeof(*pol));
}

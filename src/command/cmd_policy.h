/*
 * cmd_policy.h - one device's command policy, built once when the
 * configuration is loaded and shared, read-only, by everything that judges
 * that device's commands: the command router (router.h) and Home
 * Assistant's settings entities (which offer only what the router would
 * run).  The allowlist is compiled here and nowhere else at run time.
 *
 * Threads: cmd_policy_init/free on the main thread (free after every user
 * stopped); the policy is immutable in between, so any number of threads
 * may read it and call cmd_policy_check at once.
 */
#ifndef MPPD_CMD_POLICY_H
#define MPPD_CMD_POLICY_H

#include <stddef.h>

#include "config.h"

struct allowlist;
struct pi_proto;
struct sbuf;

struct cmd_policy {
	struct allowlist	*allow;		/* NULL: no pattern, nothing allowed */
	int			 npatterns;
	enum cmd_match		 mode;		/* mqtt_cmd_match */
	int			 allow_undefined; /* mqtt_allow_undefined */
	const struct pi_proto	*proto;		/* NULL: no protocol */
};

/*
 * Builds dc's policy into pol: compiles mqtt_allowed_cmds under
 * mqtt_cmd_match (an empty list gives allow == NULL: MQTT commands are
 * off), takes mqtt_allow_undefined and the device's protocol proto
 * (borrowed; may be NULL).  Returns 0, or -1 when a pattern does not
 * compile: err then holds allow_compile's lines, pol is left empty.
 */
int	cmd_policy_init(struct cmd_policy *pol, const struct device_cfg *dc,
	    const struct pi_proto *proto, struct sbuf *err);

/* 1 when the device takes commands at all (some pattern is configured). */
int	cmd_policy_enabled(const struct cmd_policy *pol);

/*
 * The verdict on command for this device (cmd_check): the allowlist, the
 * protocol, and unless allow_undefined (or strict != 0) the protocol's own
 * table and argument pattern.  strict: judge as if allow_undefined were
 * off (Home Assistant offers only commands the protocol defines).  Returns
 * 0, or -1 with the message for the answer's "error" field in err.
 */
int	cmd_policy_check(const struct cmd_policy *pol, const char *command,
	    int strict, char *err, size_t errlen);

/* Frees what pol holds (pol itself is the caller's). */
void	cmd_policy_free(struct cmd_policy *pol);

#endif

/*
 * app_config.h - loading the configuration file the way the daemon, the
 * one-shot run and --check-config all do: the configuration layer reads
 * and checks it, then each layer checks what it owns (protocol, outputs,
 * command topic, allowlist, port), and every problem is reported with the
 * file, the line and the key.  Main thread, at start-up.
 */
#ifndef MPPD_APP_CONFIG_H
#define MPPD_APP_CONFIG_H

#include <stdio.h>

#include "config.h"

struct sbuf;

/*
 * Loads path into c.  Returns 0, or -1 with every error in err, one per
 * line, each naming the file, line and key ("mppd.conf:12: pause:
 * expected ..."); c is then freed already (do not call config_free).
 * With err NULL the errors are logged.  Warnings (unknown keys with the
 * closest known key, glob-like allowlist patterns, a password file
 * readable by others, ...) are logged.
 */
int	app_config_load(const char *path, const struct cli_mqtt *cli,
	    struct config *c, struct sbuf *err);

/*
 * Prints the effective configuration for --check-config: each broker
 * connection (host, port, user, TLS, protocol, client id) with its devices,
 * and per device protocol, port (type), commands, outputs, command topic,
 * QoS, match mode and allowlist.  Never prints a password.
 */
void	config_print(FILE *f, const struct config *c);

#endif

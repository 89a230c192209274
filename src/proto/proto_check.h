/*
 * proto_check.h - the protocol layer's checks of a loaded configuration,
 * run by app_config_load(): the protocol is one mppd knows, the commands
 * are the protocol's.  Main thread, at start-up.
 */
#ifndef MPPD_PROTO_CHECK_H
#define MPPD_PROTO_CHECK_H

struct config_diag;
struct device_cfg;

/*
 * Reports into dg, at the line of d's protocol key, a protocol mppd does
 * not know (an error), and warns, at the line of its command key, about
 * each command the protocol does not define (the reference sends it and
 * reports it as having no definition).  Returns -1 after an error, else 0.
 */
int	proto_check_config(struct config_diag *dg, const struct device_cfg *d);

#endif

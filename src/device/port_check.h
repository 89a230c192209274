/*
 * port_check.h - the device layer's check of a loaded configuration, run
 * by app_config_load(): mppd can tell which kind of port a device's port
 * is.  Main thread, at start-up.
 */
#ifndef MPPD_PORT_CHECK_H
#define MPPD_PORT_CHECK_H

struct config_diag;
struct device_cfg;

/*
 * Warns, at the line of d's port or porttype key (whichever came last;
 * else its section header), when port_detect() does not recognise the
 * port: the reference fails at run time with "No communications port
 * defined".
 */
void	port_check_config(struct config_diag *dg, const struct device_cfg *d);

#endif

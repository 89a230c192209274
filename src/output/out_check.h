/*
 * out_check.h - the output layer's checks of a loaded configuration, run
 * by app_config_load(): output names and result filters.  Main thread,
 * at start-up.
 */
#ifndef MPPD_OUT_CHECK_H
#define MPPD_OUT_CHECK_H

struct config_diag;
struct device_cfg;

/*
 * Drops from d->outputs every name mppd has no output for, warning at the
 * line of d's outputs key with the closest known name (the reference
 * skips unknown outputs too), and warns when none is left.  Reports a
 * filter or exclfilter that is not a regular expression as an error.
 * Returns -1 after an error, else 0.
 */
int	out_check_config(struct config_diag *dg, struct device_cfg *d);

#endif

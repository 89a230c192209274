/*
 * out_check.h - the output layer's checks of a loaded configuration, run
 * by app_config_load(): output names, result filters and the settings
 * of the outputs that send elsewhere.  Main thread,
 * at start-up.
 */
#ifndef MPPD_OUT_CHECK_H
#define MPPD_OUT_CHECK_H

struct config;
struct config_diag;
struct device_cfg;

/*
 * Drops from d->outputs every name mppd has no output for, warning at the
 * line of d's outputs key with the closest known name (the reference
 * skips unknown outputs too), and warns when none is left.
 */
void	out_check_outputs(struct config_diag *dg, struct device_cfg *d);

/*
 * Reports d's filter or exclfilter that is not a regular expression as
 * an error at the line of its key.  Returns -1 after an error, else 0.
 */
int	out_check_filters(struct config_diag *dg, const struct device_cfg *d);

/*
 * Calls fn(arg, filter, what) for every topic filter under which d's MQTT
 * outputs publish in the daemon (what names the output): "<tag>/status/#"
 * for mqtt, "<tag>/<results topic>" for json_mqtt, "homeassistant/#" for
 * the Home Assistant outputs, and so on.  A level the result decides (the
 * command name standing in for an unset tag, a field name) is '+' or '#'.
 * Nothing for text outputs.
 */
void	out_check_published(const struct config *c, const struct device_cfg *d,
	    void (*fn)(void *arg, const char *filter, const char *what),
	    void *arg);

/*
 * Warns, at the line of d's outputs key, about an output that lacks its
 * setting (postgres without postgres_url).  Run when d is read whole.
 */
void	out_check_sinks(struct config_diag *dg, const struct device_cfg *d);

#endif

/*
 * hass_check.h - runs tests/hass/hass_schema_check.py, our encoding of
 * Home Assistant's MQTT discovery rules (docs/hass.md), on the discovery
 * configs a test collected, so every test checks configs with one checker.
 *
 * For cmocka tests (single-threaded): the hc_assert_* functions fail the
 * running test with the checker's output.
 */
#ifndef MPPD_HASS_CHECK_H
#define MPPD_HASS_CHECK_H

/*
 * Runs the checker on path (lines "TOPIC<TAB>PAYLOAD" or mosquitto_sub -v's
 * "TOPIC PAYLOAD"; lines that are not <prefix>/.../config are ignored).
 * Returns its exit status (0 valid, 1 a config failed, 2 no configs or
 * input error), or -1 if it could not run; its stdout and stderr in *out
 * (caller frees; out may be NULL).
 */
int	 hc_run(const char *path, char **out);

/*
 * Writes the discovery config lines of a mosquitto_sub "%t|%p" log (or of
 * such text, when text is not NULL) as "TOPIC<TAB>PAYLOAD" lines to a new
 * file in dir.  Returns its path (caller frees), or NULL.
 */
char	*hc_configs_of_bar_log(const char *log, const char *text,
	    const char *dir);

/*
 * The checker passes path: exit 0 and no warning except the energy
 * sensors' "last_reset" key (which the reference's hassd_mqtt sends and
 * Home Assistant drops; docs/hass.md).  So a state class Home Assistant
 * calls impossible for the device class, a device class without a unit, or
 * a key the platform does not know fails too.  Fails the test otherwise,
 * printing the checker's output under the label what.  Returns the number
 * of configs checked (the checker's summary).
 */
int	 hc_assert_valid(const char *what, const char *path);

/* hc_configs_of_bar_log(log, text, dir), then hc_assert_valid on it. */
int	 hc_assert_bar_log_valid(const char *what, const char *log,
	    const char *text, const char *dir);

#endif

/*
 * hass_schema.h - Home Assistant's MQTT discovery schema, as far as mppd's
 * entities use it, for tests: the keys each platform requires, their types,
 * availability and device blocks, and the device_class / unit /
 * state_class combinations Home Assistant accepts (a sensor whose unit does
 * not fit its device class, or an energy sensor with state_class
 * measurement, is refused when it is set up).  Keys HA does not know are
 * dropped by HA, so they are not errors here.
 */
#ifndef MPPD_HASS_SCHEMA_H
#define MPPD_HASS_SCHEMA_H

#include <stddef.h>

/*
 * Checks the discovery config json of component ("sensor",
 * "binary_sensor", "number", "select", "switch").  Returns 0, or -1 with
 * err naming the first problem.  An empty payload (a removed entity) is
 * valid.
 */
int	hass_schema_check(const char *component, const char *json, char *err,
	    size_t errlen);

/*
 * Checks every "homeassistant/<component>/<id>/config|<json>" line of a
 * mosquitto_sub "%t|%p" log.  Returns the number of configs checked, or -1
 * with err naming the topic and the problem.
 */
int	hass_schema_check_log(const char *path, char *err, size_t errlen);

#endif

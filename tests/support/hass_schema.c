/*
 * hass_schema.c - Home Assistant's MQTT discovery rules for tests (see
 * hass_schema.h).  The rules follow Home Assistant's MQTT platform schemas
 * (required keys and types) and its sensor and number device classes
 * (units and state classes each class accepts).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "harness.h"
#include "hass_schema.h"

/* Units a device class accepts; state classes it accepts ("" = any). */
static const struct {
	const char	*dclass;
	const char	*units[8];
	const char	*state_classes;
} classes[] = {
	{ "power", { "W", "kW", "MW", "GW", "TW", "BTU/h", NULL },
	  "|measurement|" },
	{ "apparent_power", { "VA", "kVA", NULL }, "|measurement|" },
	{ "voltage", { "V", "mV", "µV", "kV", "MV", NULL }, "|measurement|" },
	{ "current", { "A", "mA", NULL }, "|measurement|" },
	{ "frequency", { "Hz", "kHz", "MHz", "GHz", NULL }, "|measurement|" },
	{ "battery", { "%", NULL }, "|measurement|" },
	{ "temperature", { "°C", "°F", "K", NULL }, "|measurement|" },
	{ "energy", { "Wh", "kWh", "MWh", "GWh", "TWh", "MJ", "GJ", NULL },
	  "|total|total_increasing|" },
};

static int
fail(char *err, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, n, fmt, ap);
	va_end(ap);
	return -1;
}

static const char *
str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Every key of the list present must be a string. */
static int
strings(const cJSON *o, const char *const keys[], char *err, size_t n)
{
	for (int i = 0; keys[i] != NULL; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, keys[i]);
		if (v != NULL && !cJSON_IsString(v))
			return fail(err, n, "%s is not a string", keys[i]);
	}
	return 0;
}

static int
need(const cJSON *o, const char *k, char *err, size_t n)
{
	const char *s = str(o, k);

	if (s == NULL || s[0] == '\0')
		return fail(err, n, "required key %s missing or empty", k);
	return 0;
}

static int
check_device(const cJSON *d, char *err, size_t n)
{
	static const char *const keys[] = { "name", "model", "manufacturer",
	    "sw_version", "hw_version", "serial_number", "via_device",
	    "suggested_area", "configuration_url", NULL };
	const cJSON *ids;

	if (!cJSON_IsObject(d))
		return fail(err, n, "device is not an object");
	if (strings(d, keys, err, n) < 0)
		return -1;
	ids = cJSON_GetObjectItemCaseSensitive(d, "identifiers");
	if (ids == NULL && cJSON_GetObjectItemCaseSensitive(d,
	    "connections") == NULL)
		return fail(err, n, "device has neither identifiers nor "
		    "connections");
	if (ids != NULL && !cJSON_IsString(ids)) {
		const cJSON *x;
		if (!cJSON_IsArray(ids) || cJSON_GetArraySize(ids) == 0)
			return fail(err, n, "device identifiers is not a "
			    "non-empty list");
		cJSON_ArrayForEach(x, ids)
			if (!cJSON_IsString(x))
				return fail(err, n, "a device identifier is "
				    "not a string");
	}
	return 0;
}

static int
check_availability(const cJSON *o, char *err, size_t n)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "availability"), *x;
	const char *mode = str(o, "availability_mode");

	if (a != NULL) {
		if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) == 0)
			return fail(err, n, "availability is not a non-empty "
			    "list");
		cJSON_ArrayForEach(x, a)
			if (!cJSON_IsObject(x) || str(x, "topic") == NULL)
				return fail(err, n, "an availability entry has "
				    "no topic");
	}
	if (mode != NULL && strcmp(mode, "all") != 0 &&
	    strcmp(mode, "any") != 0 && strcmp(mode, "latest") != 0)
		return fail(err, n, "availability_mode %s", mode);
	if (cJSON_GetObjectItemCaseSensitive(o, "availability_mode") != NULL &&
	    mode == NULL)
		return fail(err, n, "availability_mode is not a string");
	return 0;
}

/* device_class, unit_of_measurement and state_class fit together. */
static int
check_classes(const cJSON *o, int sensor, char *err, size_t n)
{
	const char *dc = str(o, "device_class"), *unit =
	    str(o, "unit_of_measurement"), *sc = str(o, "state_class");
	char bar[40];

	if (sc != NULL && strcmp(sc, "measurement") != 0 &&
	    strcmp(sc, "total") != 0 && strcmp(sc, "total_increasing") != 0)
		return fail(err, n, "state_class %s", sc);
	if (sc != NULL && !sensor)
		return fail(err, n, "state_class on a non-sensor");
	if (dc == NULL)
		return 0;
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		if (strcmp(classes[i].dclass, dc) != 0)
			continue;
		if (unit == NULL)
			return fail(err, n, "device_class %s without a unit", dc);
		for (int k = 0; classes[i].units[k] != NULL; k++)
			if (strcmp(classes[i].units[k], unit) == 0)
				goto unit_ok;
		return fail(err, n, "unit %s is not valid together with "
		    "device class %s", unit, dc);
unit_ok:
		snprintf(bar, sizeof(bar), "|%s|", sc != NULL ? sc : "");
		if (sc != NULL && strstr(classes[i].state_classes, bar) == NULL)
			return fail(err, n, "state_class %s is not valid with "
			    "device class %s", sc, dc);
		return 0;
	}
	return fail(err, n, "device_class %s unknown to these rules", dc);
}

int
hass_schema_check(const char *component, const char *json, char *err,
    size_t n)
{
	static const char *const common[] = { "name", "unique_id", "object_id",
	    "icon", "entity_category", "state_topic", "command_topic",
	    "value_template", "command_template", "unit_of_measurement",
	    "device_class", "state_class", "encoding", NULL };
	const char *cat, *icon;
	const cJSON *x;
	cJSON *o;
	int rc = -1, sensor = 0;

	if (json == NULL || json[0] == '\0')
		return 0;
	if ((o = cJSON_Parse(json)) == NULL || !cJSON_IsObject(o)) {
		cJSON_Delete(o);
		return fail(err, n, "not a JSON object");
	}
	if (strings(o, common, err, n) < 0 || check_availability(o, err, n) < 0)
		goto out;
	if ((x = cJSON_GetObjectItemCaseSensitive(o, "device")) != NULL &&
	    check_device(x, err, n) < 0)
		goto out;
	if ((x = cJSON_GetObjectItemCaseSensitive(o, "qos")) != NULL &&
	    (!cJSON_IsNumber(x) || x->valueint < 0 || x->valueint > 2))
		goto qos;
	if ((cat = str(o, "entity_category")) != NULL &&
	    strcmp(cat, "config") != 0 && strcmp(cat, "diagnostic") != 0) {
		fail(err, n, "entity_category %s", cat);
		goto out;
	}
	if ((icon = str(o, "icon")) != NULL && strncmp(icon, "mdi:", 4) != 0) {
		fail(err, n, "icon %s is not mdi:...", icon);
		goto out;
	}
	if (strcmp(component, "sensor") == 0 ||
	    strcmp(component, "binary_sensor") == 0) {
		sensor = strcmp(component, "sensor") == 0;
		if (need(o, "state_topic", err, n) < 0)
			goto out;
	} else if (strcmp(component, "number") == 0) {
		const cJSON *lo = cJSON_GetObjectItemCaseSensitive(o, "min"),
		    *hi = cJSON_GetObjectItemCaseSensitive(o, "max"),
		    *st = cJSON_GetObjectItemCaseSensitive(o, "step");
		const char *mode = str(o, "mode");
		if (need(o, "command_topic", err, n) < 0)
			goto out;
		if (!cJSON_IsNumber(lo) || !cJSON_IsNumber(hi) ||
		    lo->valuedouble >= hi->valuedouble) {
			fail(err, n, "min and max are not numbers with min < max");
			goto out;
		}
		if (st != NULL && (!cJSON_IsNumber(st) ||
		    st->valuedouble < 0.001)) {
			fail(err, n, "step below 0.001");
			goto out;
		}
		if (mode != NULL && strcmp(mode, "auto") != 0 &&
		    strcmp(mode, "box") != 0 && strcmp(mode, "slider") != 0) {
			fail(err, n, "number mode %s", mode);
			goto out;
		}
	} else if (strcmp(component, "select") == 0) {
		const cJSON *opts = cJSON_GetObjectItemCaseSensitive(o, "options");
		if (need(o, "command_topic", err, n) < 0)
			goto out;
		if (!cJSON_IsArray(opts) || cJSON_GetArraySize(opts) == 0) {
			fail(err, n, "options is not a non-empty list");
			goto out;
		}
		cJSON_ArrayForEach(x, opts)
			if (!cJSON_IsString(x)) {
				fail(err, n, "an option is not a string");
				goto out;
			}
	} else if (strcmp(component, "switch") == 0) {
		static const char *const sw[] = { "payload_on", "payload_off",
		    "state_on", "state_off", NULL };
		if (need(o, "command_topic", err, n) < 0 ||
		    strings(o, sw, err, n) < 0)
			goto out;
	} else {
		fail(err, n, "component %s unknown to these rules", component);
		goto out;
	}
	if (check_classes(o, sensor, err, n) < 0)
		goto out;
	rc = 0;
	goto out;
qos:
	fail(err, n, "qos is not 0, 1 or 2");
out:
	cJSON_Delete(o);
	return rc;
}

int
hass_schema_check_log(const char *path, char *err, size_t n)
{
	char *text = h_read_file(path, NULL), *line, *save = NULL, why[256];
	int count = 0;

	if (text == NULL)
		return fail(err, n, "%s: cannot read", path);
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char comp[32], *bar = strchr(line, '|');
		if (bar == NULL || strncmp(line, "homeassistant/", 14) != 0 ||
		    bar - line < 7 || strncmp(bar - 7, "/config", 7) != 0)
			continue;
		*bar = '\0';
		snprintf(comp, sizeof(comp), "%.*s",
		    (int)strcspn(line + 14, "/"), line + 14);
		if (hass_schema_check(comp, bar + 1, why, sizeof(why)) < 0) {
			fail(err, n, "%s: %s", line, why);
			free(text);
			return -1;
		}
		count++;
	}
	free(text);
	return count;
}

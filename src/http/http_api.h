/*
 * http_api.h - the JSON API (cJSON): /api/devices, /api/devices/<name>
 * and /api/devices/<name>/history.  HTTP thread (reads snapshots only).
 *
 * A device: {"name", "online" (true, false or null when not known yet),
 * "last_poll" (seconds since the epoch, null before the first poll),
 * "last_reading" (of the last valid reply, null before one) and its
 * "age_seconds", "polls", "errors", "commands", "results": [{"command",
 * "time", "status" ("ok", "refused", "no answer", or "none" before the
 * first poll), "values": [{"name", "value", "unit"}, ...]}]}.  Values are
 * the decoded values as published over MQTT (integers and floats as
 * numbers in the same text, strings as strings, None as null).
 */
#ifndef MPPD_HTTP_API_H
#define MPPD_HTTP_API_H

struct hstore;

/* {"time": now, "devices": [device, ...]}; malloc'd text. */
char	*hapi_devices(struct hstore *s);
/* One device's object, or NULL when no device has that name. */
char	*hapi_device(struct hstore *s, const char *name);
/*
 * {"name", "time", "series": ["pv_w", "load_w", "grid_w", "battery_w",
 * "battery_pct"], "samples": [[t, pv, load, grid, batt_w, batt_pct], ...]}
 * for the last hour (missing values null), or NULL for an unknown name.
 */
char	*hapi_history(struct hstore *s, const char *name);

#endif

/*
 * output.h - output processors: turn one decoded result into text on
 * stdout (screen, json, raw, simple) or MQTT messages (mqtt, json_mqtt,
 * hass_mqtt, hassd_mqtt, tag_mqtt, influx_mqtt, influx2_mqtt,
 * domoticz_mqtt), exactly as the reference's processors do
 * (reference/OUTPUTS.md).
 *
 * Pure functions of (result, options): they never modify the result, and
 * may run on any thread.  MQTT processors hand each message to a callback
 * (the broker connection, or a printer for broker name "screen").
 */
#ifndef MPPD_OUTPUT_H
#define MPPD_OUTPUT_H

#include <stddef.h>

struct result;
struct entry;
struct sbuf;

enum output_kind {
	OUT_UNKNOWN = 0,
	OUT_TEXT,	/* writes to a text buffer */
	OUT_MQTT	/* publishes messages */
};

struct out_opts {
	const char	*tag;		/* CLI: -T or the command; config: section tag or NULL */
	const char	*device;	/* device name for hassd ("unnamed" in CLI mode) */
	const void	*filter;	/* pcre2_code * or NULL: include keys matching */
	const void	*exclfilter;	/* pcre2_code * or NULL: exclude keys matching */
	int		 keepcase;
	const char	*mqtt_topic;	/* influx topic: section mqtt_topic / --mqtttopic, NULL = "mpp-solar" */
	const char	*results_topic;	/* json_mqtt: --mqtttopic, NULL = "mpp-solar" */
	const char	*hostname;	/* {hostname} for availability topics */
	int		 availability;	/* hassd: add availability to configs */
	const char	*uid_prefix;	/* hassd: NULL, or the device name when ids would collide */
};

/* One MQTT message; payload is not NUL-terminated necessarily. */
typedef void	(*out_publish_fn)(void *arg, const char *topic,
		    const char *payload, size_t len, int qos, int retain);

/* Kind of an output name ("hassd_mqtt2" is an alias of hassd_mqtt). */
enum output_kind output_kind(const char *name);
/* Canonical name ("hassd_mqtt" for "hassd_mqtt2"); NULL when unknown. */
const char *output_canonical(const char *name);
/* NULL-terminated list of output names with a one-line description each. */
extern const char *const output_help[][2];

/* Appends the text output name (screen, json, raw, simple) to out. */
int	output_text(const char *name, const struct result *r,
	    const struct out_opts *o, struct sbuf *out);

/* Runs the MQTT output name, calling fn for every message in order. */
int	output_mqtt(const char *name, const struct result *r,
	    const struct out_opts *o, out_publish_fn fn, void *arg);

/*
 * Key handling common to every processor: " " -> "_", lower-cased unless
 * keepcase; returns 1 when the transformed key passes exclfilter/filter
 * (Python re.search; exclusion first).  key_out gets the transformed key
 * (caller frees).
 */
int	output_key(const char *key, const struct out_opts *o, char **key_out);

/* str() of an entry's value as the reference prints it. */
void	output_value_str(struct sbuf *out, const struct entry *e);

/* out_mqtt.c */
/*
 * An out_publish_fn for broker name "screen": appends to the struct sbuf *
 * arg the reference's debug line, "mqtt debug output only as broker name is
 * 'screen' - topic: '<topic>', payload: '<payload>'" and a newline (qos and
 * retain are not shown).  Nothing is sent.
 */
void	output_screen_publisher(void *arg, const char *topic,
	    const char *payload, size_t len, int qos, int retain);

#endif

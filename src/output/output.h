/*
 * output.h - output processors: turn one decoded result into text on
 * stdout (screen, json, raw, simple) or MQTT messages (mqtt, json_mqtt,
 * hass_mqtt, hassd_mqtt, tag_mqtt, influx_mqtt, influx2_mqtt,
 * domoticz_mqtt), exactly as mpp-solar's processors do.
 *
 * Pure functions of (result, options): they never modify the result, and
 * may run on any thread.  MQTT processors hand each message to a callback
 * (the broker connection, or a printer for broker name "screen").
 */
#ifndef MPPD_OUTPUT_H
#define MPPD_OUTPUT_H

#include <stddef.h>

#include "promtext.h"

struct result;
struct entry;
struct sbuf;
struct value;

enum output_kind {
	OUT_UNKNOWN = 0,
	OUT_TEXT,	/* writes to a text buffer */
	OUT_MQTT,	/* publishes messages */
	OUT_SINK	/* sends to a service: UDP, files, HTTP, a database */
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
	/* The reference's per-output settings (docs/compatibility.md). */
	const char	*dev;		/* prom: device label, NULL = "None" */
	int		 udp_port;	/* json_udp, default 5555 */
	const char	*push_url;	/* prom_push, prom_pushd */
	const char	*prom_dir;	/* prom_file output directory */
	enum promtext_style prom_style;	/* the prom outputs' text; UNSET = each one's default */
	const char	*postgres_url;	/* postgres connection string */
	const char	*mongo_url;	/* mongo (refused: see out_sink.c) */
};

/* One MQTT message; payload is not NUL-terminated necessarily. */
typedef void	(*out_publish_fn)(void *arg, const char *topic,
		    const char *payload, size_t len, int qos, int retain);

/* A text processor: appends its text for r to out. */
typedef void	(*out_text_fn)(const struct result *r, const struct out_opts *o,
		    struct sbuf *out);
/* An MQTT processor: calls fn for every message, in order. */
typedef void	(*out_mqtt_fn)(const struct result *r, const struct out_opts *o,
		    out_publish_fn fn, void *arg);
/*
 * A sink: sends r to its service (blocking, bounded by the sink's own
 * timeouts; runs on the device's worker thread).  Failures are logged
 * with the reason; returns 0 or -1.
 */
typedef int	(*out_sink_fn)(const struct result *r, const struct out_opts *o);

/*
 * One row of the output registry (out_registry.c), the only place outputs
 * are named.  Resolve a configured name once with output_find() and call
 * the row's function for every result.
 */
struct output_def {
	const char		*name;		/* "hassd_mqtt" */
	const char		*alias;		/* "hassd_mqtt2", or NULL */
	enum output_kind	 kind;
	out_text_fn		 text;		/* OUT_TEXT */
	out_mqtt_fn		 mqtt;		/* OUT_MQTT: every message */
	/*
	 * Retained discovery the daemon publishes apart (hass/hass.h): the
	 * configs only, and every other message.  NULL for other outputs.
	 */
	out_mqtt_fn		 discovery;
	out_mqtt_fn		 states;
	out_sink_fn		 sink;		/* OUT_SINK */
	const char		*help;		/* one line for --help */
};

/* The row of an output name or alias; NULL when unknown.  Any thread. */
const struct output_def *output_find(const char *name);
/* Kind of an output name ("hassd_mqtt2" is an alias of hassd_mqtt). */
enum output_kind output_kind(const char *name);
/* Canonical name ("hassd_mqtt" for "hassd_mqtt2"); NULL when unknown. */
const char *output_canonical(const char *name);
/* NULL-terminated list of output names with a one-line description each
 * (the registry's names and help texts). */
extern const char *const output_help[][2];

/* Appends the text output name (screen, json, raw, simple) to out; -1 when
 * name is not a text output. */
int	output_text(const char *name, const struct result *r,
	    const struct out_opts *o, struct sbuf *out);

/* Runs the MQTT output name, calling fn for every message in order; -1
 * when name is not an MQTT output. */
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

/* out_text.c: the text processors of the registry. */
void	output_screen(const struct result *r, const struct out_opts *o,
	    struct sbuf *out);
void	output_json(const struct result *r, const struct out_opts *o,
	    struct sbuf *out);
void	output_raw(const struct result *r, const struct out_opts *o,
	    struct sbuf *out);
void	output_simple(const struct result *r, const struct out_opts *o,
	    struct sbuf *out);

/* out_text2.c: the reference's other standard-out processors. */
void	output_json_units(const struct result *r, const struct out_opts *o,
	    struct sbuf *out);
void	output_simpleunits(const struct result *r, const struct out_opts *o,
	    struct sbuf *out);
void	output_value(const struct result *r, const struct out_opts *o,
	    struct sbuf *out);
void	output_boxdraw(const struct result *r, const struct out_opts *o,
	    struct sbuf *out);
/* prom: the node-exporter text of r without its last newline, as the
 * reference prints it. */
void	output_prom(const struct result *r, const struct out_opts *o,
	    struct sbuf *out);
/*
 * The node-exporter text of r, every line ending in a newline (what
 * prom_file writes and prom_push sends), in o->prom_style, else in dflt
 * (the calling output's default): PROMTEXT_MPPSOLAR is mpp-solar's text
 * byte for byte, PROMTEXT_PROMTOOL the same rows that `promtool check
 * metrics` accepts (HELP and TYPE lines, label my_str, valid names,
 * escaped label values; docs/compatibility.md).
 */
void	output_prom_text(const struct result *r, const struct out_opts *o,
	    enum promtext_style dflt, struct sbuf *out);
/*
 * The values of the kept keys (not raw_response, _command or
 * _command_description) as one JSON object (json_udp's payload); with
 * updated, a last member "updated": now (postgres' data column).
 */
void	output_json_values(const struct result *r, const struct out_opts *o,
	    int updated, const char *now, struct sbuf *out);

/* out_sink.c, out_http.c, out_postgres.c: the sinks of the registry. */
int	output_json_udp(const struct result *r, const struct out_opts *o);
int	output_prom_file(const struct result *r, const struct out_opts *o);
int	output_prom_push(const struct result *r, const struct out_opts *o);
int	output_prom_pushd(const struct result *r, const struct out_opts *o);
int	output_postgres(const struct result *r, const struct out_opts *o);
int	output_mongo(const struct result *r, const struct out_opts *o);
/* Removes every file prom_file wrote (the reference does so when its
 * daemon exits).  Main thread, after the workers stopped. */
void	output_prom_file_cleanup(void);

/* out_mqtt.c: the MQTT processors of the registry ... */
void	output_mqtt_plain(const struct result *r, const struct out_opts *o,
	    out_publish_fn fn, void *arg);
void	output_json_mqtt(const struct result *r, const struct out_opts *o,
	    out_publish_fn fn, void *arg);
void	output_tag_mqtt(const struct result *r, const struct out_opts *o,
	    out_publish_fn fn, void *arg);
void	output_influx_mqtt(const struct result *r, const struct out_opts *o,
	    out_publish_fn fn, void *arg);
void	output_influx2_mqtt(const struct result *r, const struct out_opts *o,
	    out_publish_fn fn, void *arg);
void	output_domoticz_mqtt(const struct result *r, const struct out_opts *o,
	    out_publish_fn fn, void *arg);
/* out_text2.c */
void	output_domoticz_autodiscover(const struct result *r,
	    const struct out_opts *o, out_publish_fn fn, void *arg);

/* ... and the pieces every MQTT processor shares (hass/ uses them too). */
/* fn(arg, ...) for the message topic / payload at QoS 0. */
void	output_emit(out_publish_fn fn, void *arg, const struct sbuf *topic,
	    const struct sbuf *payload, int retain);
/* s, or NULL when s is NULL or "" (mpp-solar's "x or default"). */
const char *output_nonempty(const char *s);
/* 1 for the entries the text outputs leave out: raw_response, _command,
 * _command_description. */
int	output_is_meta(const struct entry *e);
/* The result's _command, or NULL. */
const char *output_command(const struct result *r);
/* The tag, else the _command, else "None" (mpp-solar's f-string of None). */
const char *output_tag(const struct result *r, const struct out_opts *o);
/* The unit of an entry ("" when none). */
const char *output_unit(const struct entry *e);
/*
 * Walks the entries every MQTT processor keeps (not _command,
 * _command_description or raw_response; passing output_key()): on 1, *e
 * and *key (caller frees) are set; 0 at the end.  Start with *i = 0.
 */
int	output_next_kept(const struct result *r, const struct out_opts *o,
	    int *i, const struct entry **e, char **key);
/* A value as a paho payload: None is empty, anything else str(). */
void	output_payload(struct sbuf *out, const struct value *v);
/* Spaces in s become "_". */
void	output_underscores(struct sbuf *s);
/* 1 when unit is a or b (b may be NULL). */
int	output_unit_in(const char *unit, const char *a, const char *b);

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

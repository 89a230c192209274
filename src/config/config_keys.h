/*
 * config_keys.h - the one table of configuration keys: name, the sections
 * that read it, its type and range, its default and a line of help.
 * config.c interprets values by it; "did you mean" suggestions and the
 * unknown-key warnings search it.  docs/compatibility.md lists the keys.
 */
#ifndef MPPD_CONFIG_KEYS_H
#define MPPD_CONFIG_KEYS_H

#include <stddef.h>

enum ktype {
	KT_STR,		/* string, must not be empty */
	KT_OPT,		/* string, empty = unset (NULL) */
	KT_INT,		/* whole number in [min, max] */
	KT_BOOL,
	KT_PROTO,	/* MQTT protocol version */
	KT_MATCH,	/* full | prefix */
	KT_SECS,	/* seconds > 0, at most max */
	KT_LIST,	/* separated list */
	KT_IGNORED	/* read by the reference, not used by mppd */
};

/* Sections that read a key. */
enum kscope { KS_SETUP = 1, KS_DEV = 2, KS_BOTH = 3 };

/* Keys that are not mqtt_* (those are K_MQTT with an enum mk index). */
enum kid {
	K_PAUSE, K_LOG_FILE, K_STATE_DIR, K_HTTP_LISTEN,
	K_PROTOCOL, K_TYPE, K_PORT, K_BAUD, K_PORTTYPE, K_COMMAND, K_TAG,
	K_OUTPUTS, K_FILTER, K_EXCLFILTER, K_MQTT_TOPIC, K_DEV, K_TIMEOUT,
	K_QUEUE_LEN, K_HASS_CONTROLS, K_HASS_ENERGY, K_REOPEN_AFTER,
	K_USB_RESET,
	K_UDPPORT, K_POSTGRES_URL, K_MONGO_URL, K_MONGO_DB, K_PUSH_URL,
	K_PROM_OUTPUT_DIR, K_PROM_STYLE,
	K_IGNORED,
	K_MQTT
};

/* Every mqtt_* key, the index into struct mqtt_settings' fields. */
enum mk {
	MK_BROKER, MK_PORT, MK_USER, MK_PASS, MK_KEEPALIVE, MK_PROTOCOL,
	MK_TLS_CA, MK_TLS_CERT, MK_TLS_KEY, MK_TLS_INSECURE, MK_CMD_TOPIC,
	MK_CMD_QOS, MK_CMD_MATCH, MK_ALLOW_UNDEFINED, MK_ALLOWED_CMDS,
	MK_CLIENT_ID, MK_HOSTNAME, MK_RECONNECT_MIN, MK_RECONNECT_MAX,
	MK_QUEUE_MAX, MK_MAX_PACKET, MK_COUNT
};

#define DEFAULT_CMD_TOPIC	"{hostname}/{device}/cmd"

struct config_key {
	const char	*name;
	enum kscope	 scope;
	enum kid	 id;
	int		 mk;		/* enum mk for K_MQTT keys, else -1 */
	enum ktype	 type;
	size_t		 off;		/* K_MQTT: offset in struct mqtt_settings */
	long		 min, max;	/* KT_INT, KT_SECS (max) */
	int		 conn;		/* K_MQTT: devices sharing a connection must agree */
	const char	*expect;	/* "expected ..." text of error messages */
	const char	*dflt;		/* the default as a user would write it; NULL = unset */
	const char	*help;
};

/* The table (config_nkeys rows): non-mqtt keys first, then MK_* order. */
extern const struct config_key config_keys[];
extern const int config_nkeys;

/* The key called name (lower case), or NULL. */
const struct config_key *config_key_find(const char *name);

/* The row of mqtt_* key mk (enum mk). */
const struct config_key *config_key_mqtt(int mk);

/*
 * The names of the keys read in scope, in table order, for suggestions:
 * writes at most n pointers (static strings) into names; returns how many.
 */
int	config_key_names(enum kscope scope, const char **names, int n);

#endif

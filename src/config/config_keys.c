/*
 * config_keys.c - the table of configuration keys (see config_keys.h).
 */
#include <stddef.h>
#include <string.h>

#include "config.h"
#include "config_keys.h"

#define MOFF(f)	offsetof(struct mqtt_settings, f)

/* A non-mqtt key: name, sections, id, type, default, help. */
#define KEY(n, s, i, t, d, h) \
	{ (n), (s), (i), -1, (t), 0, 0, 0, 0, NULL, (d), (h) }
/* An mqtt_* key (read in [SETUP] and device sections). */
#define MKEY(n, m, t, f, lo, hi, c, e, d, h) \
	{ (n), KS_BOTH, K_MQTT, (m), (t), MOFF(f), (lo), (hi), (c), (e), (d), (h) }

const struct config_key config_keys[] = {
	KEY("pause", KS_SETUP, K_PAUSE, KT_INT, "60",
	    "seconds between polling rounds"),
	KEY("log_file", KS_SETUP, K_LOG_FILE, KT_OPT, NULL,
	    "file the daemon logs to; unset = stderr"),
	KEY("state_dir", KS_SETUP, K_STATE_DIR, KT_OPT, NULL,
	    "directory for state kept across restarts (energy totals, retained "
	    "commands that ran); unset = $STATE_DIRECTORY, else /var/lib/mppd"),
	KEY("http_listen", KS_SETUP, K_HTTP_LISTEN, KT_OPT, NULL,
	    "ADDR:PORT of the read-only web page, /metrics and /api; "
	    "unset = off"),
	KEY("protocol", KS_DEV, K_PROTOCOL, KT_STR, NULL,
	    "the device's protocol, e.g. PI30"),
	KEY("type", KS_DEV, K_TYPE, KT_STR, "mppsolar",
	    "device type; mppd drives mppsolar (PI30-family) devices"),
	KEY("port", KS_DEV, K_PORT, KT_STR, "/dev/ttyUSB0",
	    "serial device, hidraw device or test port"),
	KEY("baud", KS_DEV, K_BAUD, KT_INT, "2400", "serial baud rate"),
	KEY("porttype", KS_DEV, K_PORTTYPE, KT_OPT, NULL,
	    "serial, hidraw or test; unset = detected from port"),
	KEY("command", KS_DEV, K_COMMAND, KT_LIST, NULL,
	    "commands polled each round, separated by '#'"),
	KEY("tag", KS_DEV, K_TAG, KT_OPT, NULL,
	    "name used in topics and outputs instead of the section name"),
	KEY("outputs", KS_DEV, K_OUTPUTS, KT_LIST, "screen",
	    "comma-separated outputs"),
	KEY("filter", KS_DEV, K_FILTER, KT_OPT, NULL,
	    "regular expression: only matching result keys are output"),
	KEY("exclfilter", KS_DEV, K_EXCLFILTER, KT_OPT, NULL,
	    "regular expression: matching result keys are left out"),
	KEY("mqtt_topic", KS_DEV, K_MQTT_TOPIC, KT_OPT, NULL,
	    "topic of the influx outputs; unset = --mqtttopic"),
	KEY("dev", KS_DEV, K_DEV, KT_OPT, NULL,
	    "prometheus label, kept for compatibility"),
	KEY("timeout", KS_DEV, K_TIMEOUT, KT_SECS, "2",
	    "seconds to wait for a reply"),
	KEY("queue_len", KS_DEV, K_QUEUE_LEN, KT_INT, "16",
	    "ad-hoc commands that may wait for the port"),
	KEY("hass_controls", KS_BOTH, K_HASS_CONTROLS, KT_BOOL, "false",
	    "Home Assistant entities for the device's settings"),
	KEY("hass_energy", KS_BOTH, K_HASS_ENERGY, KT_BOOL, "false",
	    "Home Assistant energy sensors (kWh) for the Energy dashboard"),
	KEY("reopen_after", KS_DEV, K_REOPEN_AFTER, KT_INT, "5",
	    "failed commands in a row before the port is reopened; 0 never"),
	KEY("usb_reset", KS_DEV, K_USB_RESET, KT_BOOL, "false",
	    "reset the USB device before that reopen"),
	/* The settings of the reference's other outputs. */
	KEY("udpport", KS_DEV, K_UDPPORT, KT_INT, "5555",
	    "json_udp: UDP port on localhost the results are sent to"),
	KEY("postgres_url", KS_DEV, K_POSTGRES_URL, KT_OPT, NULL,
	    "postgres: libpq connection URL, postgresql://user:pass@host/db"),
	KEY("mongo_url", KS_DEV, K_MONGO_URL, KT_OPT, NULL,
	    "mongo: not supported by mppd (the output is refused)"),
	KEY("mongo_db", KS_DEV, K_MONGO_DB, KT_OPT, "mppsolar",
	    "mongo: not supported by mppd"),
	KEY("push_url", KS_DEV, K_PUSH_URL, KT_OPT,
	    DEFAULT_PUSH_URL,
	    "prom_push: Pushgateway URL (prom_pushd: its base); unset = "
	    "--pushurl"),
	KEY("prom_output_dir", KS_DEV, K_PROM_OUTPUT_DIR, KT_OPT,
	    DEFAULT_PROM_DIR,
	    "prom_file: directory of the .prom files; unset = "
	    "--prom_output_dir"),
	KEY("prom_style", KS_DEV, K_PROM_STYLE, KT_OPT, NULL,
	    "text of the prom outputs: mpp-solar (the reference's, byte for "
	    "byte) or promtool (HELP/TYPE lines, label my_str, valid names); "
	    "unset = --prom_style, else promtool for prom_file and mpp-solar "
	    "for prom, prom_push, prom_pushd"),

	MKEY("mqtt_broker", MK_BROKER, KT_STR, broker, 0, 0, 0,
	    "a broker host name", "localhost",
	    "broker host; \"screen\" prints MQTT messages instead"),
	MKEY("mqtt_port", MK_PORT, KT_INT, port, 1, 65535, 0,
	    "a port number from 1 to 65535", "1883", "broker port"),
	MKEY("mqtt_user", MK_USER, KT_OPT, user, 0, 0, 0, NULL, NULL,
	    "broker user name"),
	MKEY("mqtt_pass", MK_PASS, KT_OPT, pass, 0, 0, 1, NULL, NULL,
	    "broker password; never printed or logged"),
	MKEY("mqtt_keepalive", MK_KEEPALIVE, KT_INT, keepalive, 5, 65535, 1,
	    "seconds from 5 to 65535", "60", "MQTT keepalive in seconds"),
	MKEY("mqtt_protocol", MK_PROTOCOL, KT_PROTO, protocol, 0, 0, 1,
	    "3.1.1, 4 or 5", "3.1.1", "MQTT protocol version"),
	MKEY("mqtt_tls_ca", MK_TLS_CA, KT_OPT, tls_ca, 0, 0, 1, NULL, NULL,
	    "CA file; TLS is on when set"),
	MKEY("mqtt_tls_cert", MK_TLS_CERT, KT_OPT, tls_cert, 0, 0, 1, NULL,
	    NULL, "client certificate file"),
	MKEY("mqtt_tls_key", MK_TLS_KEY, KT_OPT, tls_key, 0, 0, 1, NULL, NULL,
	    "client key file"),
	MKEY("mqtt_tls_insecure", MK_TLS_INSECURE, KT_BOOL, tls_insecure, 0,
	    0, 1, NULL, "false", "skip the server name check"),
	MKEY("mqtt_cmd_topic", MK_CMD_TOPIC, KT_STR, cmd_topic, 0, 0, 0,
	    "an MQTT topic filter such as " DEFAULT_CMD_TOPIC,
	    DEFAULT_CMD_TOPIC, "topic filter commands arrive on"),
	MKEY("mqtt_cmd_qos", MK_CMD_QOS, KT_INT, cmd_qos, 0, 2, 0,
	    "0, 1 or 2", "1", "QoS of the command subscription"),
	MKEY("mqtt_cmd_match", MK_CMD_MATCH, KT_MATCH, cmd_match, 0, 0, 0,
	    "full or prefix", "full",
	    "an allowlist pattern matches the whole command or its start"),
	MKEY("mqtt_allow_undefined", MK_ALLOW_UNDEFINED, KT_BOOL,
	    allow_undefined, 0, 0, 0, NULL, "false",
	    "allow commands the protocol does not define"),
	MKEY("mqtt_allowed_cmds", MK_ALLOWED_CMDS, KT_OPT, allowed_cmds, 0, 0,
	    0, NULL, NULL, "comma-separated regular expressions; unset = "
	    "no commands over MQTT"),
	MKEY("mqtt_client_id", MK_CLIENT_ID, KT_OPT, client_id, 0, 0, 1, NULL,
	    NULL, "client id; unset = the reference's computed id"),
	MKEY("mqtt_hostname", MK_HOSTNAME, KT_OPT, hostname, 0, 0, 1, NULL,
	    NULL, "{hostname} in topics; unset = the short host name"),
	MKEY("mqtt_reconnect_min", MK_RECONNECT_MIN, KT_SECS, reconnect_min,
	    0, 86400, 1, "seconds greater than 0, at most 86400", "1",
	    "first reconnect delay"),
	MKEY("mqtt_reconnect_max", MK_RECONNECT_MAX, KT_SECS, reconnect_max,
	    0, 86400, 1, "seconds greater than 0, at most 86400", "60",
	    "longest reconnect delay"),
	MKEY("mqtt_queue_max", MK_QUEUE_MAX, KT_INT, queue_max, 1, 1000000, 1,
	    "a whole number from 1 to 1000000", "1000",
	    "QoS>0 messages kept while the broker is away"),
	MKEY("mqtt_max_packet", MK_MAX_PACKET, KT_INT, max_packet, 0,
	    268435460, 1, "a whole number of bytes from 0 (no limit) to "
	    "268435460", "0", "the broker's maximum packet size (MQTT 3.1.1 "
	    "cannot announce it); a larger answer is replaced by an error"),
};

const int config_nkeys = (int)(sizeof(config_keys) / sizeof(config_keys[0]));

/* Index of the first mqtt_* row. */
#define FIRST_MQTT	(config_nkeys - MK_COUNT)

const struct config_key *
config_key_find(const char *name)
{
	for (int i = 0; i < config_nkeys; i++)
		if (strcmp(config_keys[i].name, name) == 0)
			return &config_keys[i];
	return NULL;
}

const struct config_key *
config_key_mqtt(int mk)
{
	return &config_keys[FIRST_MQTT + mk];
}

int
config_key_names(enum kscope scope, const char **names, int n)
{
	int o = 0;

	for (int i = 0; i < config_nkeys && o < n; i++)
		if ((config_keys[i].scope & scope) != 0)
			names[o++] = config_keys[i].name;
	return o;
}

/*
 * config.h - the configuration model: mpp-solar.conf semantics plus
 * mppd's own keys (docs/compatibility.md).  The model depends on nothing
 * but util/; the checks that need other layers run in app_config_load().
 *
 * Loaded once at start-up by the main thread, then read-only: any thread
 * may read it while the daemon runs.  config_free() releases everything.
 */
#ifndef MPPD_CONFIG_H
#define MPPD_CONFIG_H

#include <stdio.h>

#include "promtext.h"

/* The defaults of --pushurl / push_url and --prom_output_dir. */
#define DEFAULT_PUSH_URL	"http://localhost:9091/metrics/job/pushgateway"
#define DEFAULT_PROM_DIR	"/var/lib/node_exporter"

struct config_diag;

enum cmd_match { MATCH_FULL = 0, MATCH_PREFIX };

/*
 * Every mqtt_* key.  [SETUP] holds the defaults; a device section that sets
 * a key overrides it for that device only (inheritance is resolved by
 * config_read: each device carries its complete effective settings).
 */
struct mqtt_settings {
	char		*broker;	/* mqtt_broker, default CLI -q or "localhost"; "screen" = print */
	int		 port;		/* mqtt_port, default 1883 */
	char		*user;		/* mqtt_user, NULL when unset or empty */
	char		*pass;		/* mqtt_pass: never printed or logged */
	int		 keepalive;	/* mqtt_keepalive, seconds, default 60 */
	int		 protocol;	/* mqtt_protocol: 4 (3.1.1, default; "3.1.1" or "4") or 5 */
	char		*tls_ca;	/* mqtt_tls_ca: CA file; TLS is on when set */
	char		*tls_cert;	/* mqtt_tls_cert */
	char		*tls_key;	/* mqtt_tls_key */
	int		 tls_insecure;	/* mqtt_tls_insecure, boolean */
	char		*cmd_topic;	/* mqtt_cmd_topic, default "{hostname}/{device}/cmd" (placeholders expanded later) */
	int		 cmd_qos;	/* mqtt_cmd_qos 0-2, default 1 */
	enum cmd_match	 cmd_match;	/* mqtt_cmd_match full|prefix, default full */
	int		 allow_undefined; /* mqtt_allow_undefined, boolean, default false */
	char		*allowed_cmds;	/* mqtt_allowed_cmds raw text, NULL/"" = no commands */
	char		*client_id;	/* mqtt_client_id override, NULL = computed */
	char		*hostname;	/* mqtt_hostname override, NULL = short host name */
	double		 reconnect_min;	/* mqtt_reconnect_min seconds, default 1 */
	double		 reconnect_max;	/* mqtt_reconnect_max seconds, default 60 */
	int		 queue_max;	/* mqtt_queue_max: pending QoS>0 messages kept while offline, default 1000 */
	int		 max_packet;	/* mqtt_max_packet: the broker's maximum packet size, 0 = none (default) */
};

struct device_cfg {
	char		*name;		/* section name */
	int		 line;		/* line of the section header */
	char		*protocol;	/* NULL: "Attempted to run command with no protocol defined" */
	char		*type;		/* default "mppsolar" */
	char		*port;		/* default "/dev/ttyUSB0" */
	char		*porttype;	/* NULL = detect from port */
	int		 baud;		/* default 2400 */
	int		 timeout_ms;	/* timeout key (seconds, may be fractional), default 2000 */
	char		**commands;	/* '#'-split, each trimmed; "" = protocol default command */
	int		 ncommands;
	char		*tag;		/* NULL = unset */
	char		**outputs;	/* comma list, trimmed, default "screen" */
	int		 noutputs;
	char		*filter;	/* regex text or NULL */
	char		*exclfilter;
	char		*mqtt_topic;	/* section mqtt_topic (influx topic), NULL = CLI --mqtttopic */
	char		*dev;		/* dev key: the prom outputs' device label */
	int		 udp_port;	/* udpport: json_udp's port, 0 = 5555 */
	char		*postgres_url;	/* postgres output's connection string */
	char		*mongo_url;	/* mongo output (refused by mppd) */
	char		*mongo_db;	/* mongo output's database, NULL = "mppsolar" */
	char		*push_url;	/* prom_push(d) URL, default --pushurl's */
	char		*prom_dir;	/* prom_output_dir, default --prom_output_dir's */
	enum promtext_style prom_style;	/* prom_style, default --prom_style's; UNSET = each output's own */
	int		 queue_len;	/* queue_len key: waiting ad-hoc commands, default 16 */
	int		 hass_controls;	/* hass_controls boolean, default false */
	int		 hass_energy;	/* hass_energy boolean, default false */
	int		 reopen_after;	/* reopen_after: failed commands before the port is reopened, 0 never, default 5 */
	int		 usb_reset;	/* usb_reset boolean: reset the USB device before that reopen */
	struct mqtt_settings mqtt;	/* effective settings for this device */
	char		**allow;	/* mqtt_allowed_cmds split on ',' and trimmed, empty items dropped */
	int		 nallow;
};

struct config {
	char		*path;		/* file name, NULL in CLI mode */
	int		 pause;		/* [SETUP] pause seconds, default 60 */
	char		*log_file;	/* [SETUP] log_file, default NULL (mppd logs to stderr) */
	char		*http_listen;	/* [SETUP] http_listen ADDR:PORT, NULL = no web server */
	int		 hass_controls;	/* [SETUP] hass_controls: default of every device */
	int		 hass_energy;	/* [SETUP] hass_energy: default of every device */
	char		*state_dir;	/* [SETUP] state_dir, NULL = unset (config_state_dir) */
	struct mqtt_settings mqtt;	/* [SETUP] values (or CLI values) */
	char		*results_topic;	/* CLI --mqtttopic, NULL = "mpp-solar" */
	char		*push_url;	/* CLI --pushurl: every device's default */
	char		*prom_dir;	/* CLI --prom_output_dir: likewise */
	enum promtext_style prom_style;	/* CLI --prom_style: likewise */
	int		 keepcase;	/* CLI --keepcase */
	struct device_cfg *devs;
	int		 ndevs;
};

/*
 * CLI values that config mode still uses: broker
 * settings from -q/--mqttport/--mqttuser/--mqttpass unless [SETUP] sets
 * them, --mqtttopic, --keepcase, and --pushurl / --prom_output_dir /
 * --prom_style unless a section sets push_url / prom_output_dir /
 * prom_style.  Any member may be NULL/0 = not given.
 */
struct cli_mqtt {
	const char	*broker;
	int		 port;
	const char	*user;
	const char	*pass;
	const char	*topic;
	int		 keepcase;
	const char	*push_url;	/* --pushurl (NULL: its default) */
	const char	*prom_dir;	/* --prom_output_dir (NULL: its default) */
	enum promtext_style prom_style;	/* --prom_style (UNSET: not given) */
};

/*
 * Checks of other layers, called while the file is read so that their
 * messages come in the same order as the configuration's own.  Any
 * member may be NULL.  Each runs on the main thread inside config_read().
 */
struct config_hooks {
	void	*arg;
	/* [SETUP] is read and its own checks are done; c->mqtt is final. */
	void	(*setup)(void *arg, struct config_diag *dg, struct config *c);
	/* key (a non-mqtt_* key) has just been applied to device d. */
	void	(*key)(void *arg, struct config_diag *dg, struct device_cfg *d,
		    const char *key);
	/* Device d is read and its own checks are done. */
	void	(*device)(void *arg, struct config_diag *dg,
		    struct device_cfg *d);
	/* Every device is read: checks across devices. */
	void	(*all)(void *arg, struct config_diag *dg, struct config *c);
};

/*
 * Reads path into c: built-in and CLI defaults, [SETUP], [DEFAULT] and
 * every device section, with every check that needs nothing but the
 * configuration, and calls hooks (may be NULL) along the way.  Errors are
 * recorded in dg (with file, line and key) and warnings logged; where
 * each key's value came from is noted in dg for the hooks' checks.  c is
 * always initialised and never freed here (config_free() it either way).
 * Returns -1 when the file could not be read at all, else 0 - also when
 * dg holds errors.  app_config_load() is the loader the programs use.
 */
int	config_read(const char *path, const struct cli_mqtt *cli,
	    struct config *c, struct config_diag *dg,
	    const struct config_hooks *hooks);

/* Fills defaults (no file): used by CLI mode before adding its device. */
void	config_defaults(struct config *c, const struct cli_mqtt *cli);

/* Appends a device with default values and the given name; returns it. */
struct device_cfg *config_add_device(struct config *c, const char *name);

void	config_free(struct config *c);

/*
 * Where state kept across restarts lives: state_dir, else systemd's
 * $STATE_DIRECTORY (its first entry), else /var/lib/mppd.  Written to buf
 * (n bytes, PATH_MAX is enough) and returned.  Any thread.
 */
const char *config_state_dir(const struct config *c, char *buf, size_t n);

#endif

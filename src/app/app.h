/*
 * app.h - the program's top level: one-shot runs and the daemon, and the
 * pipeline that sends one decoded result through a device's outputs
 * (docs/architecture.md: the layers, the threads, the path of a result).
 */
#ifndef MPPD_APP_H
#define MPPD_APP_H

#include <stdio.h>

struct config;
struct device_cfg;
struct mqtt_conn;
struct conn_registry;
struct result;
struct out_opts;
struct output_def;

/* Per-device output context, built once, read by the device's worker. */
struct app_out {
	const struct device_cfg	*dc;
	void			*filter;	/* pcre2_code * */
	void			*exclfilter;
	struct mqtt_conn	*conn;		/* NULL: broker "screen" or no MQTT output */
	int			 screen_broker;	/* print MQTT messages instead */
	const char		*hostname;
	const char		*results_topic;	/* CLI --mqtttopic */
	const char		*cli_tag;	/* CLI -T (NULL: the command) */
	int			 cli_mode;	/* tag falls back to the command */
	int			 keepcase;
	int			 availability;	/* hassd: add availability topics */
	const char		*uid_prefix;	/* hassd: device name when ids collide */
	FILE			*text_out;	/* stdout for text outputs */
	const struct output_def	**defs;		/* the outputs, resolved at init */
	int			 ndefs;
	int			 hass_apart;	/* skip outputs with discovery
						 * apart: hass/ runs them */
	unsigned long		 sink_failures;	/* results a sink output could
						 * not send (logged) */
};

/*
 * Prepares ao for device dc: compiles filter/exclfilter (errors logged,
 * -1), picks the connection from reg (created when the device has an
 * MQTT output and a real broker).  reg may be NULL when no MQTT is wanted.
 */
int	app_out_init(struct app_out *ao, const struct config *c,
	    const struct device_cfg *dc, struct conn_registry *reg, int cli_mode);
void	app_out_free(struct app_out *ao);

/* The output options for a result of cmd (the tag depends on it in CLI
 * mode); the pointers are ao's.  Any thread. */
void	app_out_opts(const struct app_out *ao, const char *cmd,
	    struct out_opts *o);

/* Runs every output of the device on r (the reply to cmd). Any thread. */
void	app_emit(struct app_out *ao, const char *cmd, const struct result *r);

/* One pass over every device and command (no --daemon); exit status. */
int	app_oneshot(struct config *c, int cli_mode, const char *cli_tag);

struct daemon_opts {
	const char	*pidfile;
};

/*
 * mppd --detect PORT: probes with queries only and prints the protocol,
 * the model and a configuration section.  baud 0: 2400 then 9600.
 * Returns the exit status (0 found, 1 nothing answered, 2 bad port).
 */
int	app_detect(const char *path, const char *porttype, int baud);
/* daemon_stop.c: --daemon-stop.  SIGTERM (then SIGKILL) to the process
 * in pidfile (NULL: app_default_pidfile()); prints the reference's line
 * and returns the exit status. */
int	app_daemon_stop(const char *pidfile);
/* The reference's PID file: /tmp/mpp-solar.pid, /var/run/... for root. */
const char *app_default_pidfile(void);

/* Runs until SIGTERM/SIGINT; returns the exit status. */
int	app_daemon(struct config *c, const struct daemon_opts *o);

#endif

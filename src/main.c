/*
 * main.c - command line: mpp-solar's flags (docs/compatibility.md) and mppd's
 * own acceptance interfaces (--decode, --print-request, --check-config).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "app_config.h"
#include "bms.h"
#include "config.h"
#include "log.h"
#include "output.h"
#include "port.h"
#include "proto.h"
#include "result.h"
#include "sbuf.h"
#include "hex.h"

#define DEFAULT_CONFIG	"/etc/mpp-solar/mpp-solar.conf"

struct cli {
	const char	*name, *port, *porttype, *protocol, *tag, *baud;
	const char	*output, *filter, *exclfilter, *broker, *mqttport;
	const char	*mqtttopic, *mqttuser, *mqttpass, *command, *config;
	const char	*pidfile, *decode, *detect;
	const char	*dev, *udpport, *postgres_url, *mongo_url, *mongo_db;
	const char	*pushurl, *prom_dir, *prom_style;
	const char	*default_config;	/* -C without a file */
	int		 keepcase, daemon, debug, info, version, print_request;
	int		 check_config, daemon_stop;
	int		 getstatus, getsettings, getdeviceid, getversion;
};

static void
usage(FILE *f)
{
	fprintf(f,
"usage: mppd [-h] [-n NAME] [-p PORT] [--porttype PORTTYPE] [-P [PROTOCOL]]\n"
"            [-T TAG] [-b BAUD] [-o [OUTPUT]] [--keepcase] [--filter RE]\n"
"            [--exclfilter RE] [-q MQTTBROKER] [--mqttport PORT]\n"
"            [--mqtttopic TOPIC] [--mqttuser USER] [--mqttpass PASS]\n"
"            [--dev DEV] [--udpport PORT] [--postgres_url URL]\n"
"            [--mongo_url URL] [--mongo_db DB] [--pushurl URL]\n"
"            [--prom_output_dir DIR] [--prom_style STYLE] [-c [COMMAND]]\n"
"            [-C [CONFIGFILE]] [--daemon] [--daemon-stop] [--pidfile FILE]\n"
"            [--getstatus] [--getsettings] [--getDeviceId] [--getVersion]\n"
"            [--check-config] [--decode HEX] [--print-request]\n"
"            [--detect PORT] [-D] [-I] [-v]\n"
"\n"
"Reads and sets MPP-Solar / Voltronic (PI30 family) inverters; publishes to MQTT.\n"
"\n"
"  -n, --name NAME        device name (default: unnamed)\n"
"  -p, --port PORT        port: /dev/ttyUSB0 (default), /dev/hidraw0, test,\n"
"                         tcp://HOST:PORT, rfc2217://HOST:PORT, ...\n"
"  --porttype TYPE        override port type detection (serial, hidraw, test,\n"
"                         tcp, rfc2217)\n"
"  -P, --protocol [ID]    protocol (default: PI30); without ID: list protocols\n"
"  -T, --tag TAG          tag used instead of the command by MQTT outputs\n"
"  -b, --baud BAUD        serial baud rate (default: 2400)\n"
"  -o, --output [LIST]    comma separated outputs (default: screen); without LIST: list them\n"
"  --keepcase             keep the case of field names\n"
"  --filter RE            only fields whose name matches RE (re.search)\n"
"  --exclfilter RE        drop fields whose name matches RE\n"
"  -q, --mqttbroker HOST  MQTT broker (default: localhost; 'screen' prints)\n"
"  --mqttport PORT        MQTT port (default: 1883)\n"
"  --mqtttopic TOPIC      topic for json_mqtt / influx outputs\n"
"  --mqttuser USER        MQTT user name\n"
"  --mqttpass PASS        MQTT password\n"
"  --dev DEV              device label of the prom outputs (default: None)\n"
"  --udpport PORT         json_udp: UDP port on localhost (default: 5555)\n"
"  --postgres_url URL     postgres: postgresql://user:password@server:5432/db\n"
"  --mongo_url URL        mongo: not supported by mppd (refused)\n"
"  --mongo_db DB          mongo: database (default: mppsolar)\n"
"  --pushurl URL          prom_push(d): Pushgateway URL (default:\n"
"                         " DEFAULT_PUSH_URL ")\n"
"  --prom_output_dir DIR  prom_file: directory (default: " DEFAULT_PROM_DIR ")\n"
"  --prom_style STYLE     text of the prom outputs: mpp-solar (byte for byte\n"
"                         mpp-solar's) or promtool (HELP/TYPE lines, label\n"
"                         my_str, valid names); default: promtool for\n"
"                         prom_file, mpp-solar for prom, prom_push(d)\n"
"  -c, --command [CMDS]   command(s) to run, '#' separated; without CMDS: list commands\n"
"  -C, --configfile [F]   run from a config file (default " DEFAULT_CONFIG ")\n"
"  --daemon               keep running (foreground; systemd Type=notify)\n"
"  --daemon-stop          stop the daemon named by --pidfile (default:\n"
"                         /tmp/mpp-solar.pid, /var/run/mpp-solar.pid as root)\n"
"  --pidfile FILE         write the process id to FILE (with --daemon)\n"
"  --getstatus            run the protocol's status commands, merged\n"
"  --getsettings          run the protocol's settings commands, merged\n"
"  --getDeviceId          the device id from the protocol's id commands\n"
"  --getVersion           the software version through the outputs\n"
"  --check-config         validate -C FILE, print the effective configuration, exit\n"
"  --decode HEX           decode the reply bytes HEX as the answer to -c COMMAND\n"
"  --print-request        print the request bytes of -c COMMAND in hex and exit\n"
"  --detect PORT          find the protocol and model of the inverter on PORT\n"
"                         (queries only; -b BAUD, else 2400 then 9600;\n"
"                         --porttype) and print a configuration section\n"
"  -D, --debug            debug logging\n"
"  -I, --info             info logging\n"
"  -v, --version          print the version and exit\n");
}

static int
is_opt(const char *a, const char *s, const char *l)
{
	return strcmp(a, s) == 0 || (l != NULL && strcmp(a, l) == 0);
}

/* Options taking an optional value (argparse nargs="?"): the next
 * argument is the value unless it looks like an option. */
static const char *
optional_value(int argc, char **argv, int *i, const char *dflt)
{
	if (*i + 1 < argc && argv[*i + 1][0] != '-')
		return argv[++*i];
	return dflt;
}

/*
 * The program's name: mpp-solar installs its program as "mpp-solar",
 * "mppsolar" and "jkbms"; jkbms defaults to protocol JK04 and to
 * /etc/jkbms/jkbms.conf.
 */
static int
is_jkbms(const char *argv0)
{
	const char *b = strrchr(argv0, '/');

	return strcmp(b != NULL ? b + 1 : argv0, "jkbms") == 0;
}

static int
parse_args(int argc, char **argv, struct cli *o)
{
	int jk = argc > 0 && is_jkbms(argv[0]);

	memset(o, 0, sizeof(*o));
	o->name = "unnamed";
	o->port = "/dev/ttyUSB0";
	o->protocol = jk ? "JK04" : "PI30";
	o->default_config = jk ? "/etc/jkbms/jkbms.conf" : DEFAULT_CONFIG;
	o->mongo_db = "mppsolar";
	o->udpport = "5555";
	o->baud = NULL;		/* 2400; --detect tries 9600 too */
	o->output = "screen";
	o->broker = "localhost";
	o->mqttport = "1883";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *eq = NULL;
		char opt[64];
		const char **val = NULL;

		/* --opt=value */
		if (strncmp(a, "--", 2) == 0 && (eq = strchr(a, '=')) != NULL) {
			snprintf(opt, sizeof(opt), "%.*s", (int)(eq - a), a);
			a = opt;
		}
#define IS(s, l)	is_opt(a, s, l)
		if (IS("-h", "--help")) {
			usage(stdout);
			exit(0);
		} else if (IS("-n", "--name"))
			val = &o->name;
		else if (IS("-p", "--port"))
			val = &o->port;
		else if (IS("--porttype", NULL))
			val = &o->porttype;
		else if (IS("-T", "--tag"))
			val = &o->tag;
		else if (IS("-b", "--baud"))
			val = &o->baud;
		else if (IS("--filter", NULL))
			val = &o->filter;
		else if (IS("--exclfilter", NULL))
			val = &o->exclfilter;
		else if (IS("-q", "--mqttbroker"))
			val = &o->broker;
		else if (IS("--mqttport", NULL))
			val = &o->mqttport;
		else if (IS("--mqtttopic", NULL))
			val = &o->mqtttopic;
		else if (IS("--mqttuser", NULL))
			val = &o->mqttuser;
		else if (IS("--mqttpass", NULL))
			val = &o->mqttpass;
		else if (IS("--pidfile", NULL))
			val = &o->pidfile;
		else if (IS("--decode", NULL))
			val = &o->decode;
		else if (IS("--detect", NULL))
			val = &o->detect;
		else if (IS("--dev", NULL))
			val = &o->dev;
		else if (IS("--udpport", NULL))
			val = &o->udpport;
		else if (IS("--postgres_url", NULL))
			val = &o->postgres_url;
		else if (IS("--mongo_url", NULL))
			val = &o->mongo_url;
		else if (IS("--mongo_db", NULL))
			val = &o->mongo_db;
		else if (IS("--pushurl", NULL))
			val = &o->pushurl;
		else if (IS("--prom_output_dir", NULL))
			val = &o->prom_dir;
		else if (IS("--prom_style", NULL))
			val = &o->prom_style;
		else if (IS("-P", "--protocol")) {
			o->protocol = eq ? eq + 1 : optional_value(argc, argv, &i, "help");
			continue;
		} else if (IS("-o", "--output")) {
			o->output = eq ? eq + 1 : optional_value(argc, argv, &i, "help");
			continue;
		} else if (IS("-c", "--command")) {
			o->command = eq ? eq + 1 : optional_value(argc, argv, &i, "help");
			continue;
		} else if (IS("-C", "--configfile")) {
			o->config = eq ? eq + 1 : optional_value(argc, argv, &i,
			    o->default_config);
			continue;
		} else if (IS("--keepcase", NULL))
			o->keepcase = 1;
		else if (IS("--daemon", NULL))
			o->daemon = 1;
		else if (IS("-D", "--debug"))
			o->debug = 1;
		else if (IS("-I", "--info"))
			o->info = 1;
		else if (IS("-v", "--version"))
			o->version = 1;
		else if (IS("--print-request", NULL))
			o->print_request = 1;
		else if (IS("--check-config", NULL))
			o->check_config = 1;
		else if (IS("--daemon-stop", NULL))
			o->daemon_stop = 1;
		/* Several may be given: the reference picks in this order. */
		else if (IS("--getstatus", NULL))
			o->getstatus = 1;
		else if (IS("--getsettings", NULL))
			o->getsettings = 1;
		else if (IS("--getDeviceId", NULL))
			o->getdeviceid = 1;
		else if (IS("--getVersion", NULL))
			o->getversion = 1;
		else {
			fprintf(stderr, "mppd: unknown option '%s' (mppd -h "
			    "lists the options)\n", argv[i]);
			return -1;
		}
#undef IS
		if (val == NULL)
			continue;	/* a flag */
		if (eq != NULL)
			*val = eq + 1;
		else if (i + 1 < argc)
			*val = argv[++i];
		else {
			fprintf(stderr, "mppd: option '%s' needs a value\n", a);
			return -1;
		}
	}
	return 0;
}

static int
parse_int(const char *s, const char *what, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v <= 0 || v > 10000000) {
		fprintf(stderr, "mppd: %s '%s' is not a positive number\n", what, s);
		return -1;
	}
	*out = (int)v;
	return 0;
}

static void
list_protocols(void)
{
	printf("Supported protocols\n");
	for (int i = 0; i < pi_nprotocols; i++)
		printf("  %-10s %s\n", pi_protocols[i]->id, pi_protocols[i]->banner);
}

static void
list_commands(const struct pi_proto *p)
{
	printf("Commands of protocol %s (%s)\n", p->id, p->banner);
	for (int i = 0; i < p->ncmds; i++) {
		const struct pi_cmd *c = proto_cmd(p, i);
		printf("  %-12s %s %s%s\n", pi_str(c->key),
		    c->setter ? "[setter]" : "[query] ", pi_str(c->desc),
		    c->help != 0 ? pi_str(c->help) : "");
	}
}

static void
list_outputs(void)
{
	printf("Outputs (comma separated with -o)\n");
	for (int i = 0; output_help[i][0] != NULL; i++)
		printf("  %-14s %s\n", output_help[i][0], output_help[i][1]);
}

/* Hex text to bytes: spaces, colons and a 0x prefix are allowed. */
static int
parse_hex(const char *s, struct sbuf *out)
{
	int hi = -1;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	for (; *s != '\0'; s++) {
		int v;
		if (isspace((unsigned char)*s) || *s == ':')
			continue;
		if ((v = hex_digit((unsigned char)*s)) < 0)
			return -1;
		if (hi < 0)
			hi = v;
		else {
			sbuf_addc(out, (char)(hi << 4 | v));
			hi = -1;
		}
	}
	return hi < 0 ? 0 : -1;
}

/* The single device a CLI run describes. */
static int
config_from_cli(const struct cli *o, const struct cli_mqtt *cm, struct config *c)
{
	struct device_cfg *d;
	struct sbuf cmds = SBUF_INIT;
	char *tok, *save = NULL, *copy;
	int baud;

	if (parse_int(o->baud != NULL ? o->baud : "2400", "baud rate", &baud) < 0)
		return -1;
	config_defaults(c, cm);
	d = config_add_device(c, o->name);
	free(d->protocol);
	d->protocol = xstrdup(o->protocol);
	free(d->port);
	d->port = xstrdup(o->port);
	d->porttype = o->porttype ? xstrdup(o->porttype) : NULL;
	{
		char why[512];

		if (port_check_url(d->port, d->porttype, why, sizeof(why)) < 0) {
			fprintf(stderr, "mppd: -p %s: %s\n", d->port, why);
			config_free(c);
			return -1;
		}
		/* --decode and --print-request open no port */
		if (!o->print_request && o->decode == NULL &&
		    proto_find(d->protocol) != NULL &&
		    bms_bluetooth_only(proto_find(d->protocol)) &&
		    port_detect(d->port, d->porttype) != PORT_TEST) {
			fprintf(stderr, "mppd: -P %s: this protocol talks over "
			    "Bluetooth LE, which mppd does not support yet; its "
			    "replies can be decoded with --decode or the test "
			    "port\n", d->protocol);
			config_free(c);
			return -1;
		}
	}
	d->baud = baud;
	d->filter = o->filter ? xstrdup(o->filter) : NULL;
	d->exclfilter = o->exclfilter ? xstrdup(o->exclfilter) : NULL;
	d->tag = o->tag ? xstrdup(o->tag) : NULL;
	d->dev = o->dev ? xstrdup(o->dev) : NULL;
	if (parse_int(o->udpport, "UDP port", &d->udp_port) < 0 ||
	    d->udp_port > 65535) {
		if (d->udp_port > 65535)
			fprintf(stderr, "mppd: UDP port '%s' is above 65535\n",
			    o->udpport);
		config_free(c);
		return -1;
	}
	d->postgres_url = o->postgres_url ? xstrdup(o->postgres_url) : NULL;
	d->mongo_url = o->mongo_url ? xstrdup(o->mongo_url) : NULL;
	free(d->mongo_db);
	d->mongo_db = xstrdup(o->mongo_db);
	/* -c "QPIGS#QPIRI": each command, trimmed; none = default command;
	 * --getstatus and the like run the reference's helper commands. */
	copy = xstrdup(o->getstatus ? "get_status" : o->getsettings ?
	    "get_settings" : o->getdeviceid ? "get_device_id" :
	    o->getversion ? "get_version" : o->command != NULL ? o->command :
	    "");
	d->ncommands = 0;
	d->commands = xcalloc(strlen(copy) + 2, sizeof(char *));
	for (tok = strtok_r(copy, "#", &save); tok != NULL;
	    tok = strtok_r(NULL, "#", &save)) {
		char *b = tok, *e = tok + strlen(tok);
		while (isspace((unsigned char)*b))
			b++;
		while (e > b && isspace((unsigned char)e[-1]))
			e--;
		d->commands[d->ncommands++] = xstrndup(b, (size_t)(e - b));
	}
	if (d->ncommands == 0)
		d->commands[d->ncommands++] = xstrdup("");
	free(copy);
	for (int i = 0; i < d->noutputs; i++)
		free(d->outputs[i]);
	free(d->outputs);
	copy = xstrdup(o->output);
	d->noutputs = 0;
	d->outputs = xcalloc(strlen(copy) + 2, sizeof(char *));
	save = NULL;
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		char *b = tok, *e = tok + strlen(tok);
		while (isspace((unsigned char)*b))
			b++;
		while (e > b && isspace((unsigned char)e[-1]))
			e--;
		if (e == b)
			continue;
		d->outputs[d->noutputs] = xstrndup(b, (size_t)(e - b));
		if (output_canonical(d->outputs[d->noutputs]) == NULL)
			log_warn("unknown output '%s' skipped (mppd -o lists the "
			    "outputs)", d->outputs[d->noutputs]);
		d->noutputs++;
	}
	free(copy);
	sbuf_free(&cmds);
	return 0;
}

static int
run_decode(const struct cli *o, struct config *c, const struct pi_proto *p)
{
	struct sbuf bytes = SBUF_INIT;
	struct result r;
	struct app_out ao;
	const char *cmd = c->devs[0].commands[0];

	if (parse_hex(o->decode, &bytes) < 0) {
		fprintf(stderr, "mppd: --decode: '%s' is not hex bytes\n", o->decode);
		sbuf_free(&bytes);
		return 2;
	}
	if (cmd[0] == '\0')
		cmd = p->default_cmd;
	result_init(&r);
	{
		/* The device layer's echo check applies to pasted bytes too. */
		uint8_t req[512];
		char ferr[256];
		int n = proto_frame(p, cmd, req, sizeof(req), ferr, sizeof(ferr));
		if (n > 0 && (size_t)n == bytes.len &&
		    memcmp(req, sbuf_str(&bytes), bytes.len) == 0) {
			struct sbuf m = SBUF_INIT;
			sbuf_printf(&m, "Inverter returned the command string for %s "
			    "- the inverter didn't recognise this command", cmd);
			result_error(&r, sbuf_str(&m));
			sbuf_free(&m);
		} else
			proto_decode(p, cmd, (const uint8_t *)sbuf_str(&bytes),
			    bytes.len, &r);
	}
	if (app_out_init(&ao, c, &c->devs[0], NULL, 1) < 0) {
		result_free(&r);
		sbuf_free(&bytes);
		return 2;
	}
	ao.cli_tag = o->tag;
	ao.screen_broker = 1;	/* --decode never publishes: MQTT outputs print */
	app_emit(&ao, cmd, &r);
	app_out_free(&ao);
	result_free(&r);
	sbuf_free(&bytes);
	return 0;
}

static int
run_print_request(struct config *c, const struct pi_proto *p)
{
	for (int i = 0; i < c->devs[0].ncommands; i++) {
		const char *cmd = c->devs[0].commands[i];
		uint8_t buf[512];
		char err[256];
		int n;

		if (cmd[0] == '\0')
			cmd = p->default_cmd;
		n = proto_frame(p, cmd, buf, sizeof(buf), err, sizeof(err));
		if (n < 0) {
			fprintf(stderr, "mppd: cannot frame %s: %s\n", cmd, err);
			return 1;
		}
		for (int k = 0; k < n; k++)
			printf("%02x", buf[k]);
		printf("\n");
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct cli o;
	struct cli_mqtt cm;
	struct config c;
	const struct pi_proto *p = NULL;
	int rc, port;

	if (parse_args(argc, argv, &o) < 0)
		return 2;
	log_init("mppd", o.debug ? LOG_LVL_DEBUG : o.info ? LOG_LVL_INFO :
	    LOG_LVL_WARN);
	if (o.version) {
		printf("mppd %s\n", MPPD_VERSION);
		return 0;
	}
	if (o.daemon_stop)
		return app_daemon_stop(o.pidfile);
	if (proto_init() < 0)
		return 1;
	if (o.detect != NULL) {
		int baud = 0;
		if (o.baud != NULL && parse_int(o.baud, "baud", &baud) < 0)
			return 2;
		return app_detect(o.detect, o.porttype, baud);
	}
	if (strcmp(o.protocol, "help") == 0) {
		list_protocols();
		return 0;
	}
	if (strcmp(o.output, "help") == 0) {
		list_outputs();
		return 0;
	}
	if (o.config == NULL && (p = proto_find(o.protocol)) == NULL) {
		fprintf(stderr, "mppd: unknown protocol '%s' (mppd -P lists the "
		    "protocols)\n", o.protocol);
		return 2;
	}
	if (o.command != NULL && strcmp(o.command, "help") == 0) {
		if (p == NULL)
			p = proto_find(o.protocol);
		if (p == NULL) {
			fprintf(stderr, "mppd: unknown protocol '%s'\n", o.protocol);
			return 2;
		}
		list_commands(p);
		return 0;
	}
	if (parse_int(o.mqttport, "MQTT port", &port) < 0)
		return 2;
	memset(&cm, 0, sizeof(cm));
	cm.broker = o.broker;
	cm.port = port;
	cm.user = o.mqttuser;
	cm.pass = o.mqttpass;
	cm.topic = o.mqtttopic;
	cm.keepcase = o.keepcase;
	cm.push_url = o.pushurl;
	cm.prom_dir = o.prom_dir;
	if (o.prom_style != NULL &&
	    promtext_style_parse(o.prom_style, &cm.prom_style) < 0) {
		fprintf(stderr, "mppd: --prom_style: expected mpp-solar or "
		    "promtool, found '%s'\n", o.prom_style);
		return 2;
	}

	if (o.config != NULL) {
		struct sbuf err = SBUF_INIT;
		if (app_config_load(o.config, &cm, &c, &err) < 0) {
			fprintf(stderr, "%s", sbuf_str(&err));
			if (err.len > 0 && err.buf[err.len - 1] != '\n')
				fputc('\n', stderr);
			sbuf_free(&err);
			return 1;
		}
		sbuf_free(&err);
		if (o.check_config) {
			config_print(stdout, &c);
			config_free(&c);
			return 0;
		}
		if (o.daemon) {
			struct daemon_opts d = { o.pidfile };
			rc = app_daemon(&c, &d);
		} else
			rc = app_oneshot(&c, 0, NULL);
		config_free(&c);
		return rc;
	}
	if (o.check_config) {
		fprintf(stderr, "mppd: --check-config needs -C FILE\n");
		return 2;
	}
	if (config_from_cli(&o, &cm, &c) < 0)
		return 2;
	if (o.print_request)
		rc = run_print_request(&c, p);
	else if (o.decode != NULL)
		rc = run_decode(&o, &c, p);
	else if (o.daemon) {
		struct daemon_opts d = { o.pidfile };
		rc = app_daemon(&c, &d);
	} else
		rc = app_oneshot(&c, 1, o.tag);
	config_free(&c);
	return rc;
}

/*
 * test_config.c - app_config_load() on real files: values, defaults,
 * inheritance, the mqtt keys from [SETUP], the command line and the
 * devices, and config_print().  Errors and warnings are in
 * test_config_errors.c; the fixture is tests/support/config_env.h.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app_config.h"
#include "config.h"
#include "config_diag.h"
#include "config_env.h"
#include "ident.h"
#include "sbuf.h"

/* ---------------------------------------------------------------------- */
/* Values and defaults */

static void
test_config_defaults(void **state)
{
	struct t t = { 0 };
	struct device_cfg *d;

	(void)state;
	assert_int_equal(t_load(&t, "[SETUP]\n[inv]\ncommand = QPIGS\n"), 0);
	assert_string_equal(sbuf_str(&t.err), "");
	assert_string_equal(t.c.path, t.path);
	assert_int_equal(t.c.pause, 60);
	assert_null(t.c.log_file);
	assert_null(t.c.results_topic);
	assert_int_equal(t.c.keepcase, 0);
	assert_string_equal(t.c.mqtt.broker, "localhost");
	assert_int_equal(t.c.mqtt.port, 1883);
	assert_null(t.c.mqtt.user);
	assert_null(t.c.mqtt.pass);
	assert_int_equal(t.c.mqtt.keepalive, 60);
	assert_int_equal(t.c.mqtt.protocol, 4);
	assert_null(t.c.mqtt.tls_ca);
	assert_string_equal(t.c.mqtt.cmd_topic, "{hostname}/{device}/cmd");
	assert_int_equal(t.c.mqtt.cmd_qos, 1);
	assert_int_equal(t.c.mqtt.cmd_match, MATCH_FULL);
	assert_int_equal(t.c.mqtt.allow_undefined, 0);
	assert_null(t.c.mqtt.allowed_cmds);
	assert_null(t.c.mqtt.client_id);
	assert_null(t.c.mqtt.hostname);
	assert_true(t.c.mqtt.reconnect_min == 1.0);
	assert_true(t.c.mqtt.reconnect_max == 60.0);
	assert_int_equal(t.c.mqtt.queue_max, 1000);
	assert_int_equal(t.c.ndevs, 1);
	d = &t.c.devs[0];
	assert_string_equal(d->name, "inv");
	assert_int_equal(d->line, 2);
	assert_null(d->protocol);
	assert_string_equal(d->type, "mppsolar");
	assert_string_equal(d->port, "/dev/ttyUSB0");
	assert_null(d->porttype);
	assert_int_equal(d->baud, 2400);
	assert_int_equal(d->timeout_ms, 2000);
	assert_int_equal(d->ncommands, 1);
	assert_string_equal(d->commands[0], "QPIGS");
	assert_null(d->tag);
	assert_int_equal(d->noutputs, 1);
	assert_string_equal(d->outputs[0], "screen");
	assert_null(d->filter);
	assert_null(d->exclfilter);
	assert_null(d->mqtt_topic);
	assert_null(d->dev);
	assert_int_equal(d->queue_len, 16);
	assert_int_equal(d->hass_controls, 0);
	assert_int_equal(d->nallow, 0);
	assert_string_equal(d->mqtt.broker, "localhost");
	assert_string_equal(t.warn, "");
	t_done(&t);
}

static void
test_config_hass_controls_setup_default_and_override(void **state)
{
	struct t t = { 0 };

	(void)state;
	assert_int_equal(t_load(&t,
	    "[SETUP]\n"
	    "hass_controls = true\n"
	    "[inv1]\n"
	    "protocol = PI30\ncommand = QPI\n"
	    "[inv2]\n"
	    "protocol = PI30\ncommand = QPI\nhass_controls = no\n"), 0);
	assert_int_equal(t.c.ndevs, 2);
	assert_int_equal(t.c.devs[0].hass_controls, 1);
	assert_int_equal(t.c.devs[1].hass_controls, 0);
	t_done(&t);
	{
		struct t t2 = { 0 };
		assert_int_equal(t_load(&t2, "[SETUP]\nhass_controls = maybe\n"
		    "[i]\ncommand = QPI\n"), -1);
		assert_non_null(strstr(sbuf_str(&t2.err), ":2: hass_controls: expected"));
		t_done(&t2);
	}
}

static void
test_config_device_keys(void **state)
{
	struct t t = { 0 };
	struct device_cfg *d;

	(void)state;
	assert_int_equal(t_load(&t,
	    "[SETUP]\n"
	    "pause = 10\n"
	    "log_file = /var/log/mppd.log\n"
	    "[inv1]\n"
	    "protocol = pi30max\n"
	    "type = mppsolar\n"
	    "port = test0\n"
	    "baud = 9600\n"
	    "porttype = test\n"
	    "command = QPIGS#QPIRI\n"
	    "tag = garage\n"
	    "outputs = screen, json ,hassd_mqtt2\n"
	    "filter = ^pv\n"
	    "exclfilter = voltage$\n"
	    "udpport = 5555\n"
	    "postgres_url = postgresql://x\n"
	    "mongo_url = mongodb://x\n"
	    "mongo_db = m\n"
	    "push_url = http://x\n"
	    "prom_output_dir = /tmp\n"
	    "mqtt_topic = influx\n"
	    "dev = d1\n"
	    "timeout = 0.5\n"
	    "queue_len = 1024\n"
	    "hass_controls = yes\n"), 0);
	assert_int_equal(t.c.pause, 10);
	assert_string_equal(t.c.log_file, "/var/log/mppd.log");
	d = dev(&t, "inv1");
	assert_string_equal(d->protocol, "pi30max");
	assert_string_equal(d->port, "test0");
	assert_int_equal(d->baud, 9600);
	assert_string_equal(d->porttype, "test");
	assert_int_equal(d->ncommands, 2);
	assert_string_equal(d->commands[1], "QPIRI");
	assert_string_equal(d->tag, "garage");
	assert_int_equal(d->noutputs, 3);
	assert_string_equal(d->outputs[0], "screen");
	assert_string_equal(d->outputs[1], "json");
	assert_string_equal(d->outputs[2], "hassd_mqtt2");
	assert_string_equal(d->filter, "^pv");
	assert_string_equal(d->exclfilter, "voltage$");
	assert_string_equal(d->mqtt_topic, "influx");
	assert_string_equal(d->dev, "d1");
	assert_int_equal(d->timeout_ms, 500);
	assert_int_equal(d->queue_len, 1024);
	assert_int_equal(d->hass_controls, 1);
	assert_string_equal(t.warn, "");
	t_done(&t);
}

static void
test_config_command_split_and_trimmed(void **state)
{
	struct t t = { 0 };
	struct device_cfg *d;

	(void)state;
	assert_int_equal(t_load(&t,
	    "[SETUP]\n[inv]\nprotocol = PI30\ncommand=QMOD # QPI#\n"), 0);
	d = dev(&t, "inv");
	assert_int_equal(d->ncommands, 3);
	assert_string_equal(d->commands[0], "QMOD");
	assert_string_equal(d->commands[1], "QPI");
	assert_string_equal(d->commands[2], "");
	t_done(&t);
}

static void
test_config_empty_command_is_default_command(void **state)
{
	struct t t = { 0 };

	(void)state;
	assert_int_equal(t_load(&t, "[SETUP]\n[inv]\ncommand =\n"), 0);
	assert_int_equal(dev(&t, "inv")->ncommands, 1);
	assert_string_equal(dev(&t, "inv")->commands[0], "");
	t_done(&t);
}

static void
test_config_keys_case_insensitive(void **state)
{
	struct t t = { 0 };

	(void)state;
	assert_int_equal(t_load(&t,
	    "[SETUP]\nMQTT_Broker = broker.lan\nPause=5\n"
	    "[Inv]\nCOMMAND = QPI\nPort = test\n"), 0);
	assert_string_equal(t.c.mqtt.broker, "broker.lan");
	assert_int_equal(t.c.pause, 5);
	/* Section names keep their case. */
	assert_string_equal(dev(&t, "Inv")->port, "test");
	assert_string_equal(t.warn, "");
	t_done(&t);
}

static void
test_config_comments_full_line_only(void **state)
{
	struct t t = { 0 };
	struct device_cfg *d;

	(void)state;
	assert_int_equal(t_load(&t,
	    "# a comment\n"
	    "; another\n"
	    "[SETUP]\n"
	    "   # indented comment\n"
	    "mqtt_broker = host ; not a comment\n"
	    "[inv]\n"
	    "command = QPIGS # QPIRI\n"
	    "tag = a#b;c\n"), 0);
	/* configparser has no inline comments. */
	assert_string_equal(t.c.mqtt.broker, "host ; not a comment");
	d = dev(&t, "inv");
	assert_int_equal(d->ncommands, 2);
	assert_string_equal(d->commands[1], "QPIRI");
	assert_string_equal(d->tag, "a#b;c");
	t_done(&t);
}

static void
test_config_indented_keys_and_continuation_lines(void **state)
{
	struct t t = { 0 };
	struct device_cfg *d;

	(void)state;
	assert_int_equal(t_load(&t,
	    "[SETUP]\n"
	    "[inv]\n"
	    "  command = QPIGS\n"
	    "  port = test\n"
	    "  outputs = screen,\n"
	    "      json,\n"
	    "\n"
	    "      # comment inside the value\n"
	    "      raw\n"
	    "  tag = t\n"), 0);
	d = dev(&t, "inv");
	/* Same indentation = a new key (inih alone would continue). */
	assert_string_equal(d->port, "test");
	assert_string_equal(d->commands[0], "QPIGS");
	/* Deeper indentation continues the value, as configparser. */
	assert_int_equal(d->noutputs, 3);
	assert_string_equal(d->outputs[1], "json");
	assert_string_equal(d->outputs[2], "raw");
	assert_string_equal(d->tag, "t");
	t_done(&t);
}

static void
test_config_colon_delimiter_and_crlf_and_bom(void **state)
{
	struct t t = { 0 };

	(void)state;
	assert_int_equal(t_load(&t,
	    "\xef\xbb\xbf[SETUP]\r\nmqtt_broker: b1\r\n[inv]\r\n"
	    "command = QPI\r\n"), 0);
	assert_string_equal(t.c.mqtt.broker, "b1");
	assert_string_equal(dev(&t, "inv")->commands[0], "QPI");
	t_done(&t);
}

static void
test_config_long_value_is_kept_whole(void **state)
{
	struct t t = { 0 };
	struct sbuf s = SBUF_INIT;

	(void)state;
	/* inih's default line limit is 200 bytes; ours is 64 KiB exactly:
	 * "tag = " + 65530 bytes. */
	sbuf_adds(&s, "[SETUP]\n[inv]\ncommand = QPI\ntag = ");
	for (int i = 0; i < 65530; i++)
		sbuf_addc(&s, 'a' + i % 26);
	sbuf_adds(&s, "\r\nport = test\n");
	assert_int_equal(t_load(&t, sbuf_str(&s)), 0);
	assert_int_equal(strlen(dev(&t, "inv")->tag), 65530);
	assert_string_equal(dev(&t, "inv")->port, "test");
	sbuf_free(&s);
	t_done(&t);
}

static void
test_config_percent_interpolation(void **state)
{
	struct t t = { 0 };
	struct device_cfg *d;

	(void)state;
	assert_int_equal(t_load(&t,
	    "[DEFAULT]\n"
	    "site = barn\n"
	    "[SETUP]\n"
	    "mqtt_pass = 100%\n"
	    "[inv]\n"
	    "command = QPI\n"
	    "tag = %(site)s-%%-50% done\n"
	    "port = %(Tag)s\n"), 0);
	/* A lone '%' stays (the reference would refuse to start). */
	assert_string_equal(t.c.mqtt.pass, "100%");
	d = dev(&t, "inv");
	assert_string_equal(d->tag, "barn-%-50% done");
	assert_string_equal(d->port, "barn-%-50% done");
	t_done(&t);
}

static void
test_config_percent_interpolation_unknown_name(void **state)
{
	struct t t = { 0 };

	(void)state;
	t_load(&t, "[SETUP]\n[inv]\ncommand = QPI\ntag = %(nope)s\n");
	assert_err_at(&t, 4, "tag: %(nope)s refers to a key that is not set "
	    "in [inv] or [DEFAULT]");
	t_done(&t);
}

static void
test_config_default_section_applies_to_all(void **state)
{
	struct t t = { 0 };

	(void)state;
	assert_int_equal(t_load(&t,
	    "[DEFAULT]\n"
	    "outputs = json\n"
	    "mqtt_port = 1884\n"
	    "[SETUP]\n"
	    "[a]\ncommand = QPI\n"
	    "[b]\ncommand = QPI\noutputs = raw\n"), 0);
	assert_int_equal(t.c.ndevs, 2);
	assert_int_equal(t.c.mqtt.port, 1884);
	assert_string_equal(dev(&t, "a")->outputs[0], "json");
	assert_int_equal(dev(&t, "a")->mqtt.port, 1884);
	assert_string_equal(dev(&t, "b")->outputs[0], "raw");
	/* [DEFAULT] keys that a section does not read are not warned about. */
	assert_string_equal(t.warn, "");
	t_done(&t);
}

static void
test_config_prom_style_values_and_inheritance(void **state)
{
	struct t t = { 0 }, t2 = { 0 }, t3 = { 0 };
	struct cli_mqtt cli = { NULL, 0, NULL, NULL, NULL, 0, NULL, NULL,
	    PROMTEXT_MPPSOLAR };

	(void)state;
	/* unset: each prom output's own default */
	assert_int_equal(t_load(&t, "[SETUP]\n[a]\ncommand = QPI\n"), 0);
	assert_int_equal(dev(&t, "a")->prom_style, PROMTEXT_UNSET);
	t_done(&t);
	/* [DEFAULT] for every section; a section's own value wins; an empty
	 * one is unset */
	assert_int_equal(t_load(&t2,
	    "[DEFAULT]\nprom_style = mpp-solar\n[SETUP]\n"
	    "[a]\ncommand = QPI\n"
	    "[b]\ncommand = QPI\nprom_style = promtool\n"
	    "[c]\ncommand = QPI\nprom_style =\n"), 0);
	assert_int_equal(dev(&t2, "a")->prom_style, PROMTEXT_MPPSOLAR);
	assert_int_equal(dev(&t2, "b")->prom_style, PROMTEXT_PROMTOOL);
	assert_int_equal(dev(&t2, "c")->prom_style, PROMTEXT_UNSET);
	assert_string_equal(t2.warn, "");
	t_done(&t2);
	/* --prom_style is the default of every section */
	assert_int_equal(t_load_cli(&t3, "[SETUP]\n[a]\ncommand = QPI\n"
	    "[b]\ncommand = QPI\nprom_style = promtool\n", &cli), 0);
	assert_int_equal(dev(&t3, "a")->prom_style, PROMTEXT_MPPSOLAR);
	assert_int_equal(dev(&t3, "b")->prom_style, PROMTEXT_PROMTOOL);
	t_done(&t3);
}

static void
test_config_cli_values_fill_setup(void **state)
{
	struct t t = { 0 };
	struct cli_mqtt cli = { "clihost", 1999, "cliuser", "clipass",
	    "clitopic", 1, NULL, NULL, PROMTEXT_UNSET };

	(void)state;
	assert_int_equal(t_load_cli(&t, "[SETUP]\n[inv]\ncommand = QPI\n",
	    &cli), 0);
	assert_string_equal(t.c.mqtt.broker, "clihost");
	assert_int_equal(t.c.mqtt.port, 1999);
	assert_string_equal(t.c.mqtt.user, "cliuser");
	assert_string_equal(t.c.mqtt.pass, "clipass");
	assert_string_equal(t.c.results_topic, "clitopic");
	assert_int_equal(t.c.keepcase, 1);
	assert_string_equal(dev(&t, "inv")->mqtt.broker, "clihost");
	assert_string_equal(dev(&t, "inv")->mqtt.pass, "clipass");
	t_done(&t);

	memset(&t, 0, sizeof(t));
	assert_int_equal(t_load_cli(&t,
	    "[SETUP]\nmqtt_broker = setuphost\nmqtt_port = 1000\n"
	    "mqtt_user = su\nmqtt_pass = sp\n[inv]\ncommand = QPI\n", &cli), 0);
	assert_string_equal(t.c.mqtt.broker, "setuphost");
	assert_int_equal(t.c.mqtt.port, 1000);
	assert_string_equal(t.c.mqtt.user, "su");
	assert_string_equal(t.c.mqtt.pass, "sp");
	t_done(&t);
}

/* Every mqtt_* key set in [SETUP]. */
static const char setup_all[] =
    "[SETUP]\n"
    "mqtt_broker = sb\n"
    "mqtt_port = 1001\n"
    "mqtt_user = su\n"
    "mqtt_pass = sp\n"
    "mqtt_keepalive = 30\n"
    "mqtt_protocol = 5\n"
    "mqtt_tls_ca = /nonexistent/ca.pem\n"
    "mqtt_tls_cert = /nonexistent/c.pem\n"
    "mqtt_tls_key = /nonexistent/k.pem\n"
    "mqtt_tls_insecure = on\n"
    "mqtt_cmd_topic = site/{device}/in\n"
    "mqtt_cmd_qos = 2\n"
    "mqtt_cmd_match = prefix\n"
    "mqtt_allow_undefined = true\n"
    "mqtt_allowed_cmds = QPI, POP0[0-2]\n"
    "mqtt_client_id = sid\n"
    "mqtt_hostname = shost\n"
    "mqtt_reconnect_min = 2\n"
    "mqtt_reconnect_max = 20.5\n"
    "mqtt_queue_max = 50\n";

static void
assert_setup_all(const struct mqtt_settings *m)
{
	assert_string_equal(m->broker, "sb");
	assert_int_equal(m->port, 1001);
	assert_string_equal(m->user, "su");
	assert_string_equal(m->pass, "sp");
	assert_int_equal(m->keepalive, 30);
	assert_int_equal(m->protocol, 5);
	assert_string_equal(m->tls_ca, "/nonexistent/ca.pem");
	assert_string_equal(m->tls_cert, "/nonexistent/c.pem");
	assert_string_equal(m->tls_key, "/nonexistent/k.pem");
	assert_int_equal(m->tls_insecure, 1);
	assert_string_equal(m->cmd_topic, "site/{device}/in");
	assert_int_equal(m->cmd_qos, 2);
	assert_int_equal(m->cmd_match, MATCH_PREFIX);
	assert_int_equal(m->allow_undefined, 1);
	assert_string_equal(m->allowed_cmds, "QPI, POP0[0-2]");
	assert_string_equal(m->client_id, "sid");
	assert_string_equal(m->hostname, "shost");
	assert_true(m->reconnect_min == 2.0);
	assert_true(m->reconnect_max == 20.5);
	assert_int_equal(m->queue_max, 50);
}

static void
test_config_setup_mqtt_inherited_by_devices(void **state)
{
	struct t t = { 0 };
	struct sbuf s = SBUF_INIT;
	struct device_cfg *d;

	(void)state;
	sbuf_printf(&s, "%s[inv]\ncommand = QPI\n", setup_all);
	assert_int_equal(t_load(&t, sbuf_str(&s)), 0);
	assert_setup_all(&t.c.mqtt);
	d = dev(&t, "inv");
	assert_setup_all(&d->mqtt);
	/* A deep copy: config_free must free each once (ASan checks). */
	assert_ptr_not_equal(d->mqtt.broker, t.c.mqtt.broker);
	assert_ptr_not_equal(d->mqtt.pass, t.c.mqtt.pass);
	assert_int_equal(d->nallow, 2);
	assert_string_equal(d->allow[0], "QPI");
	assert_string_equal(d->allow[1], "POP0[0-2]");
	/* Missing TLS files only warn (the daemon may run as another user). */
	assert_warn_at(&t, 8, "mqtt_tls_ca: cannot read '/nonexistent/ca.pem'");
	sbuf_free(&s);
	t_done(&t);
}

static void
test_config_device_overrides_every_mqtt_key(void **state)
{
	struct t t = { 0 };
	struct sbuf s = SBUF_INIT;
	struct device_cfg *d;

	(void)state;
	sbuf_printf(&s, "%s"
	    "[own]\n"
	    "command = QPI\n"
	    "mqtt_broker = db\n"
	    "mqtt_port = 2002\n"
	    "mqtt_user = du\n"
	    "mqtt_pass = dp\n"
	    "mqtt_keepalive = 90\n"
	    "mqtt_protocol = 3.1.1\n"
	    "mqtt_tls_ca =\n"
	    "mqtt_tls_cert =\n"
	    "mqtt_tls_key =\n"
	    "mqtt_tls_insecure = no\n"
	    "mqtt_cmd_topic = {hostname}/x/{device}/+\n"
	    "mqtt_cmd_qos = 0\n"
	    "mqtt_cmd_match = FULL\n"
	    "mqtt_allow_undefined = 0\n"
	    "mqtt_allowed_cmds = PCP0[0-3]\n"
	    "mqtt_client_id = did\n"
	    "mqtt_hostname = dhost\n"
	    "mqtt_reconnect_min = 0.25\n"
	    "mqtt_reconnect_max = 5\n"
	    "mqtt_queue_max = 7\n"
	    "[inherits]\n"
	    "command = QPI\n", setup_all);
	assert_int_equal(t_load(&t, sbuf_str(&s)), 0);
	d = dev(&t, "own");
	assert_string_equal(d->mqtt.broker, "db");
	assert_int_equal(d->mqtt.port, 2002);
	assert_string_equal(d->mqtt.user, "du");
	assert_string_equal(d->mqtt.pass, "dp");
	assert_int_equal(d->mqtt.keepalive, 90);
	assert_int_equal(d->mqtt.protocol, 4);
	assert_null(d->mqtt.tls_ca);
	assert_null(d->mqtt.tls_cert);
	assert_null(d->mqtt.tls_key);
	assert_int_equal(d->mqtt.tls_insecure, 0);
	assert_string_equal(d->mqtt.cmd_topic, "{hostname}/x/{device}/+");
	assert_int_equal(d->mqtt.cmd_qos, 0);
	assert_int_equal(d->mqtt.cmd_match, MATCH_FULL);
	assert_int_equal(d->mqtt.allow_undefined, 0);
	assert_string_equal(d->mqtt.allowed_cmds, "PCP0[0-3]");
	assert_int_equal(d->nallow, 1);
	assert_string_equal(d->mqtt.client_id, "did");
	assert_string_equal(d->mqtt.hostname, "dhost");
	assert_string_equal(ident_hostname(&d->mqtt), "dhost");
	assert_true(d->mqtt.reconnect_min == 0.25);
	assert_true(d->mqtt.reconnect_max == 5.0);
	assert_int_equal(d->mqtt.queue_max, 7);
	/* The override is per device. */
	assert_setup_all(&dev(&t, "inherits")->mqtt);
	assert_setup_all(&t.c.mqtt);
	sbuf_free(&s);
	t_done(&t);
}

static void
test_config_allowlist_items_trimmed_empty_dropped(void **state)
{
	struct t t = { 0 };
	struct device_cfg *d;

	(void)state;
	assert_int_equal(t_load(&t, "[SETUP]\n[inv]\ncommand = QPI\n"
	    "mqtt_allowed_cmds = QPI , ,POP0[0-2],\n"), 0);
	d = dev(&t, "inv");
	assert_int_equal(d->nallow, 2);
	assert_string_equal(d->allow[0], "QPI");
	assert_string_equal(d->allow[1], "POP0[0-2]");
	t_done(&t);
}

static void
test_config_add_device_and_defaults_without_file(void **state)
{
	struct cli_mqtt cli = { "q", 0, "", NULL, NULL, 0, NULL, NULL,
	    PROMTEXT_UNSET };
	struct config c;
	struct device_cfg *d;

	(void)state;
	config_defaults(&c, &cli);
	assert_null(c.path);
	assert_string_equal(c.mqtt.broker, "q");
	assert_int_equal(c.mqtt.port, 1883);
	assert_null(c.mqtt.user);
	d = config_add_device(&c, "unnamed");
	assert_string_equal(d->name, "unnamed");
	assert_string_equal(d->mqtt.broker, "q");
	assert_int_equal(c.ndevs, 1);
	config_free(&c);
	assert_int_equal(c.ndevs, 0);
	assert_null(c.devs);
}

/* ---------------------------------------------------------------------- */
/* config_print */

static char *
print_to_string(const struct config *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	config_print(f, c);
	fclose(f);
	return buf;
}

static void
test_config_print_connections_and_devices(void **state)
{
	struct t t = { 0 };
	char *out, id[128], want[256];

	(void)state;
	assert_int_equal(t_load(&t,
	    "[SETUP]\n"
	    "mqtt_broker = 192.168.1.100\n"
	    "mqtt_port = 1884\n"
	    "mqtt_user = mqttuser\n"
	    "mqtt_pass = topsecret\n"
	    "mqtt_hostname = myserver\n"
	    "[inv1]\n"
	    "protocol = PI30MAX\n"
	    "port = test\n"
	    "command = QPIGS#QPIRI#\n"
	    "outputs = screen,hassd_mqtt\n"
	    "mqtt_allowed_cmds = QPI,POP0[0-2]\n"
	    "[inv2]\n"
	    "protocol = PI30\n"
	    "port = /dev/ttyUSB1\n"
	    "command = QPIGS\n"
	    "outputs = mqtt\n"
	    "tag = t2\n"
	    "[local]\n"
	    "port = /dev/hidraw0\n"
	    "command = QPIGS\n"
	    "outputs = json_mqtt\n"
	    "mqtt_broker = other\n"
	    "[quiet]\n"
	    "command = QPI\n"), 0);
	out = print_to_string(&t.c);
	assert_int_equal(ident_client_id("myserver", "192.168.1.100", 1884,
	    "mqttuser", id, sizeof(id)), 0);
	assert_string_equal(id, "mppsolar_myserver_fe48758e");
	assert_has(out, "connections:\n"
	    "  - broker: 192.168.1.100:1884\n"
	    "    user: mqttuser\n"
	    "    password: (set)\n"
	    "    client_id: mppsolar_myserver_fe48758e\n"
	    "    protocol: 3.1.1\n"
	    "    tls: off\n");
	assert_has(out, "    devices: inv1, inv2\n");
	/* [local] overrides only the host: port and user are inherited. */
	assert_has(out, "  - broker: other:1884\n    user: mqttuser\n"
	    "    password: (set)\n");
	assert_has(out, "    devices: local\n");
	assert_lacks(out, "topsecret");
	assert_has(out, "devices:\n  - name: inv1\n"
	    "    protocol: PI30MAX\n"
	    "    port: test (test)\n"
	    "    baud: 2400\n");
	assert_has(out, "    commands: QPIGS, QPIRI, (default: QPI)\n");
	assert_has(out, "    outputs: screen, hassd_mqtt\n    tag: (none)\n");
	assert_has(out, "    cmd_topic: myserver/inv1/cmd\n");
	assert_has(out, "    cmd_response_topic: myserver/inv1/cmd_response\n");
	assert_has(out, "    cmd_qos: 1\n    cmd_match: full\n"
	    "    allow_undefined: no\n    allowed: QPI, POP0[0-2]\n");
	snprintf(want, sizeof(want), "  - name: inv2\n    protocol: PI30\n"
	    "    port: /dev/ttyUSB1 (serial)\n");
	assert_has(out, want);
	assert_has(out, "    tag: \"t2\"\n");
	assert_has(out, "    commands over MQTT: disabled (no "
	    "mqtt_allowed_cmds)\n");
	assert_has(out, "    port: /dev/hidraw0 (hidraw)\n");
	assert_has(out, "  - name: quiet\n    protocol: (none");
	assert_has(out, "    mqtt: not used (no MQTT output, no "
	    "mqtt_allowed_cmds)\n");
	free(out);
	t_done(&t);
}

static void
test_config_print_without_mqtt_devices_still_shows_client_id(void **state)
{
	struct t t = { 0 };
	char *out;

	(void)state;
	assert_int_equal(t_load(&t, "[SETUP]\nmqtt_hostname = h\n[inv]\n"
	    "command = QPI\n"), 0);
	out = print_to_string(&t.c);
	assert_has(out, "  - broker: localhost:1883\n");
	assert_has(out, "    client_id: mppsolar_h_");
	assert_has(out, "    password: (not set)\n");
	assert_has(out, "    devices: (none: no device has an MQTT output");
	free(out);
	t_done(&t);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_config_defaults),
	cmocka_unit_test(test_config_device_keys),
	cmocka_unit_test(test_config_hass_controls_setup_default_and_override),
	cmocka_unit_test(test_config_command_split_and_trimmed),
	cmocka_unit_test(test_config_empty_command_is_default_command),
	cmocka_unit_test(test_config_keys_case_insensitive),
	cmocka_unit_test(test_config_comments_full_line_only),
	cmocka_unit_test(test_config_indented_keys_and_continuation_lines),
	cmocka_unit_test(test_config_colon_delimiter_and_crlf_and_bom),
	cmocka_unit_test(test_config_long_value_is_kept_whole),
	cmocka_unit_test(test_config_percent_interpolation),
	cmocka_unit_test(test_config_percent_interpolation_unknown_name),
	cmocka_unit_test(test_config_default_section_applies_to_all),
	cmocka_unit_test(test_config_prom_style_values_and_inheritance),
	cmocka_unit_test(test_config_cli_values_fill_setup),
	cmocka_unit_test(test_config_setup_mqtt_inherited_by_devices),
	cmocka_unit_test(test_config_device_overrides_every_mqtt_key),
	cmocka_unit_test(test_config_allowlist_items_trimmed_empty_dropped),
	cmocka_unit_test(test_config_add_device_and_defaults_without_file),
	cmocka_unit_test(test_config_print_connections_and_devices),
	cmocka_unit_test(test_config_print_without_mqtt_devices_still_shows_client_id),
};

#include "testmain.h"
MPPD_TEST_MAIN(tests)

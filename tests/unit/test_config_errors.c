/*
 * test_config_errors.c - app_config_load() on real files that are wrong:
 * for every class of error a message that names the file, the line and the
 * key, and the warnings (read from stderr, where log.h writes them).
 * Values and defaults are in test_config.c; the fixture is
 * tests/support/config_env.h.
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
/* Errors: each names the file, the line and the key */

static void
test_config_error_missing_file(void **state)
{
	struct t t = { 0 };
	char want[512];

	(void)state;
	t_write(&t, "", 0, 0600);
	unlink(t.path);
	assert_int_equal(t_load_path(&t, t.path, NULL), -1);
	snprintf(want, sizeof(want), "Config File '%s' is missing the "
	    "required 'SETUP' section or does not exist (%s: No such file or "
	    "directory)", t.path, t.path);
	assert_has(sbuf_str(&t.err), want);
	t_done(&t);
}

static void
test_config_error_missing_setup(void **state)
{
	struct t t = { 0 };
	char want[512];

	(void)state;
	assert_int_equal(t_load(&t, "[setup]\npause = 5\n[inv]\ncommand = "
	    "QPI\n"), -1);
	snprintf(want, sizeof(want), "Config File '%s' is missing the "
	    "required 'SETUP' section or does not exist\n", t.path);
	assert_has(sbuf_str(&t.err), want);
	/* Section names are case-sensitive: say so. */
	assert_err_at(&t, 1, "[setup]: section names are case-sensitive: "
	    "expected [SETUP]");
	t_done(&t);
}

static void
test_config_error_duplicate_section(void **state)
{
	struct t t = { 0 };

	(void)state;
	t_load(&t, "[SETUP]\n[inv]\ncommand = QPI\n\n[inv]\ncommand = QPI\n");
	assert_err_at(&t, 5, "[inv]: duplicate section (first at line 2)");
	t_done(&t);
}

static void
test_config_error_duplicate_key(void **state)
{
	struct t t = { 0 };

	(void)state;
	t_load(&t, "[SETUP]\n[inv]\ncommand = QPI\nPort = a\nport = b\n");
	assert_err_at(&t, 5, "port: duplicate key in [inv] (first at line 4)");
	t_done(&t);
}

static void
test_config_error_pause_not_a_number(void **state)
{
	struct t t = { 0 };

	(void)state;
	t_load(&t, "[SETUP]\npause = ten\n");
	assert_err_at(&t, 2, "pause: expected a whole number of seconds from "
	    "0 to 86400, found \"ten\"");
	t_done(&t);
}

static void
test_config_error_baud_not_a_number(void **state)
{
	struct t t = { 0 };

	(void)state;
	t_load(&t, "[SETUP]\n[inv]\ncommand = QPI\nbaud = 24OO\n");
	assert_err_at(&t, 4, "baud: expected a baud rate from 50 to 4000000, "
	    "found \"24OO\"");
	t_done(&t);
}

static void
test_config_error_mqtt_port_out_of_range(void **state)
{
	struct t t = { 0 };

	(void)state;
	t_load(&t, "[SETUP]\nmqtt_port = 65536\n[inv]\ncommand = QPI\n"
	    "mqtt_port = 0\n");
	assert_err_at(&t, 2, "mqtt_port: expected a port number from 1 to "
	    "65535, found \"65536\"");
	assert_err_at(&t, 5, "mqtt_port: expected a port number from 1 to "
	    "65535, found \"0\"");
	t_done(&t);
}

static void
test_config_error_keepalive_out_of_range(void **state)
{
	struct t t = { 0 };

	(void)state;
	t_load(&t, "[SETUP]\nmqtt_keepalive = 4\n");
	assert_err_at(&t, 2, "mqtt_keepalive: expected seconds from 5 to "
	    "65535, found \"4\"");
	t_done(&t);
}

static void
test_config_error_cmd_qos_out_of_range(void **state)
{
	struct t t = { 0 };

	(void)state;
	t_load(&t, "[SETUP]\nmqtt_cmd_qos = 3\n");
	assert_err_at(&t, 2, "mqtt_cmd_qos: expected 0, 1 or 2, found \"3\"");
	t_done(&t);
}

static void
test_config_error_bad_mqtt_protocol(void **state)
{
	struct t t = { 0 };

	(void)state;
	t_load(&t, "[SETUP]\nmqtt_protocol = 3.1\n");
	assert_err_at(&t, 2, "mqtt_protocol: expected 3.1.1, 4 or 5, found "
	    "\"3.1\"");
	t_done(&t);
}

static void
test_config_error_reconnect_times(void **state)
{
	struct t t = { 0 };

	(void)state;
	t_load(&t, "[SETUP]\nmqtt_reconnect_min = 0\n[inv]\ncommand = QPI\n"
	    "mqtt_reconnect_min = 90\n");
	assert_err_at(&t, 2, "mqtt_reconnect_min: expected seconds greater "
	    "than 0, at most 86400, found \"0\"");
	/* min > max, the max inherited from [SETUP]'s default 60. */
	assert_err_at(&t, 5, "mqtt_reconnect_min: expected mqtt_reconnect_min "
	    "<= mqtt_reconnect_max, found 90 > 60");
	t_done(&t);
}

static void
test_config_error_timeout(void **state)
{
	struct t t = { 0 };

	(void)state;
	t_load(&t, "[SETUP]\n[inv]\ncommand = QPI\ntimeout = -1\n");
	assert_err_at(&t, 4, "timeout: expected seconds greater than 0 and at "
	    "most 3600 (e.g. 2 or 0.5), found \"-1\"");
	t_done(&t);
}

static void
test_config_error_queue_len(void **state)
{
	struct t t = { 0 };

	(void)state;
	t_load(&t, "[SETUP]\n[inv]\ncommand = QPI\nqueue_len = 1025\n"
	    "mqtt_queue_max = 0\n");
	assert_err_at(&t, 4, "queue_len: expected a whole number from 1 to "
	    "1024, found \"1025\"");
	assert_err_at(&t, 5, "mqtt_queue_max: expected a whole number from 1 "
	    "to 1000000, found \"0\"");
	t_done(&t);
}

static void
test_config_error_bad_boolean(void **state)
{
	struct t t = { 0 };

	(void)state;
	t_load(&t, "[SETUP]\nmqtt_tls_insecure = maybe\n[inv]\ncommand = QPI\n"
	    "hass_controls = 2\n");
	assert_err_at(&t, 2, "mqtt_tls_insecure: expected true or false (or "
	    "yes/no, on/off, 1/0), found \"maybe\"");
	assert_err_at(&t, 5, "hass_controls: expected true or false");
	t_done(&t);
}

static void
test_config_error_bad_cmd_match(void **state)
{
	struct t t = { 0 };

	(void)state;
	t_load(&t, "[SETUP]\nmqtt_cmd_match = exact\n");
	assert_err_at(&t, 2, "mqtt_cmd_match: expected full or prefix, found "
	    "\"exact\"");
	t_done(&t);
}

static void
test_config_error_bad_prom_style(void **state)
{
	struct t t = { 0 };

	(void)state;
	t_load(&t, "[SETUP]\n[inv]\ncommand = QPI\nprom_style = Promtool\n");
	assert_err_at(&t, 4, "prom_style: expected mpp-solar or promtool, "
	    "found \"Promtool\"");
	t_done(&t);
}

static void
test_config_error_bad_allowlist_regex(void **state)
{
	struct t t = { 0 };

	(void)state;
	t_load(&t, "[SETUP]\n[inv]\ncommand = QPI\n"
	    "mqtt_allowed_cmds = QPI,POP0[0-2\n");
	assert_err_at(&t, 4, "mqtt_allowed_cmds: invalid regular expression "
	    "'POP0[0-2': missing terminating ] for character class at offset 8");
	t_done(&t);
}

static void
test_config_error_bad_filter_regex(void **state)
{
	struct t t = { 0 };

	(void)state;
	t_load(&t, "[SETUP]\n[inv]\ncommand = QPI\nfilter = (pv\n"
	    "exclfilter = *x\n");
	assert_err_at(&t, 4, "filter: expected a regular expression, found "
	    "'(pv': missing closing parenthesis at offset 3");
	assert_err_at(&t, 5, "exclfilter: expected a regular expression, "
	    "found '*x': quantifier does not follow a repeatable item at "
	    "offset 0");
	t_done(&t);
}

static void
test_config_error_bad_cmd_topic_filter(void **state)
{
	struct t t = { 0 };

	(void)state;
	t_load(&t, "[SETUP]\nmqtt_hostname = h\nmqtt_cmd_topic = {hostname}/#/"
	    "cmd\n[inv]\ncommand = QPI\nmqtt_cmd_topic = {device}/a+b\n");
	assert_err_at(&t, 3, "mqtt_cmd_topic: expected an MQTT topic filter, "
	    "found \"{hostname}/#/cmd\" (expands to \"h/#/cmd\"): '#' must be "
	    "the last level");
	assert_err_at(&t, 6, "mqtt_cmd_topic: expected an MQTT topic filter, "
	    "found \"{device}/a+b\" (expands to \"inv/a+b\"): '+' must be a "
	    "whole level");
	t_done(&t);
}

static void
test_config_error_device_name_not_a_topic_level(void **state)
{
	struct t t = { 0 };

	(void)state;
	t_load(&t, "[SETUP]\n[inv/1]\ncommand = QPI\n[inv+]\ncommand = QPI\n"
	    "[#]\ncommand = QPI\n[ok]\ncommand = QPI\n");
	assert_err_at(&t, 2, "[inv/1]: expected a device name usable as one "
	    "MQTT topic level ({device}), but it contains '/'");
	assert_err_at(&t, 4, "[inv+]: expected a device name usable as one "
	    "MQTT topic level ({device}), but it contains the wildcard '+'");
	assert_err_at(&t, 6, "[#]: expected a device name");
	assert_lacks(sbuf_str(&t.err), "[ok]");
	t_done(&t);
}

static void
test_config_error_unknown_protocol(void **state)
{
	struct t t = { 0 };

	(void)state;
	t_load(&t, "[SETUP]\n[inv]\ncommand = QPI\nprotocol = PI99\n");
	assert_err_at(&t, 4, "protocol: expected one of PI30");
	assert_has(sbuf_str(&t.err), "found \"PI99\"");
	t_done(&t);
}

static void
test_config_error_missing_command(void **state)
{
	struct t t = { 0 };

	(void)state;
	t_load(&t, "[SETUP]\n\n[inv]\nport = test\n");
	assert_err_at(&t, 3, "[inv]: missing required key 'command'");
	t_done(&t);
}

static void
test_config_error_nul_byte(void **state)
{
	struct t t = { 0 };
	static const char text[] = "[SETUP]\npause = 1\0 0\n[inv]\ncommand = "
	    "QPI\n";

	(void)state;
	t_write(&t, text, sizeof(text) - 1, 0600);
	t_load_path(&t, t.path, NULL);
	assert_err_at(&t, 2, "NUL byte at column 10: expected text");
	t_done(&t);
}

static void
test_config_error_invalid_utf8(void **state)
{
	struct t t = { 0 };

	(void)state;
	t_load(&t, "[SETUP]\n[inv]\ncommand = QPI\ntag = caf\xe9\n"
	    "dev = \xc0\xaf\n");
	assert_err_at(&t, 4, "invalid UTF-8 byte 0xe9 at column 10");
	/* Overlong forms are invalid too. */
	assert_err_at(&t, 5, "invalid UTF-8 byte 0xc0 at column 7");
	t_done(&t);
}

static void
test_config_error_control_character(void **state)
{
	struct t t = { 0 };

	(void)state;
	t_load(&t, "[SETUP]\npause = 1\x1b[0m\n");
	assert_err_at(&t, 2, "control character 0x1b at column 10");
	t_done(&t);
}

static void
test_config_error_binary_file(void **state)
{
	struct t t = { 0 };
	unsigned char bin[4096];

	(void)state;
	for (size_t i = 0; i < sizeof(bin); i++)
		bin[i] = (unsigned char)(i * 7 + 3);
	t_write(&t, (const char *)bin, sizeof(bin), 0600);
	assert_int_equal(t_load_path(&t, t.path, NULL), -1);
	assert_has(sbuf_str(&t.err), "expected a UTF-8 text file");
	assert_has(sbuf_str(&t.err), "is missing the required 'SETUP'");
	t_done(&t);
}

static void
test_config_error_huge_line(void **state)
{
	struct t t = { 0 };
	struct sbuf s = SBUF_INIT;

	(void)state;
	sbuf_adds(&s, "[SETUP]\n[inv]\ncommand = QPI\ntag = ");
	for (int i = 0; i < 70000; i++)
		sbuf_addc(&s, 'x');
	sbuf_adds(&s, "\n");
	t_load(&t, sbuf_str(&s));
	assert_err_at(&t, 4, "line is 70006 bytes long: expected at most "
	    "65536");
	sbuf_free(&s);
	t_done(&t);
}

static void
test_config_error_unterminated_section(void **state)
{
	struct t t = { 0 };

	(void)state;
	t_load(&t, "[SETUP]\n[abc\ncommand = QPI\n[]\n");
	assert_err_at(&t, 2, "unterminated section header '[abc': expected "
	    "']'");
	assert_err_at(&t, 4, "empty section name '[]'");
	t_done(&t);
}

static void
test_config_error_line_is_not_a_key(void **state)
{
	struct t t = { 0 };

	(void)state;
	t_load(&t, "pause = 1\n[SETUP]\njust words\n= value\n");
	assert_err_at(&t, 1, "key outside any section: expected a [SETUP] or "
	    "[device] header before 'pause = 1'");
	assert_err_at(&t, 3, "expected 'key = value', a [section] header or "
	    "a # comment, found 'just words'");
	assert_err_at(&t, 4, "expected a key name before '=', found nothing");
	t_done(&t);
}

static void
test_config_error_multiline_scalar(void **state)
{
	struct t t = { 0 };

	(void)state;
	t_load(&t, "[SETUP]\nmqtt_broker = a\n   b\n");
	assert_err_at(&t, 2, "mqtt_broker: expected a value on one line, found "
	    "\"a\\nb\"");
	t_done(&t);
}

static void
test_config_error_tls_cert_without_key(void **state)
{
	struct t t = { 0 };

	(void)state;
	t_load(&t, "[SETUP]\nmqtt_tls_ca = /etc/hostname\n"
	    "mqtt_tls_cert = /etc/hostname\n");
	assert_err_at(&t, 3, "mqtt_tls_cert: expected mqtt_tls_cert and "
	    "mqtt_tls_key together, found only mqtt_tls_cert");
	t_done(&t);
}

static void
test_config_error_shared_connection_conflict(void **state)
{
	struct t t = { 0 };

	(void)state;
	t_load(&t, "[SETUP]\nmqtt_pass = secret1\n[a]\ncommand = QPI\n"
	    "[b]\ncommand = QPI\nmqtt_keepalive = 30\nmqtt_pass = secret2\n");
	assert_err_at(&t, 7, "mqtt_keepalive: expected the same value for [a] "
	    "and [b], which share the connection to localhost:1883 (user "
	    "none), found 60 and 30");
	assert_err_at(&t, 8, "mqtt_pass: expected the same value for [a] and "
	    "[b]");
	assert_lacks(sbuf_str(&t.err), "secret");
	t_done(&t);
}

static void
test_config_errors_are_all_collected(void **state)
{
	struct t t = { 0 };
	const char *p;
	int n = 0;

	(void)state;
	t_load(&t, "[SETUP]\npause = x\nmqtt_port = y\n[inv]\nbaud = z\n"
	    "command = QPI\nmqtt_cmd_qos = 9\n");
	for (p = sbuf_str(&t.err); (p = strchr(p, '\n')) != NULL; p++)
		n++;
	assert_int_equal(n, 4);
	assert_err_at(&t, 2, "pause:");
	assert_err_at(&t, 3, "mqtt_port:");
	assert_err_at(&t, 5, "baud:");
	assert_err_at(&t, 7, "mqtt_cmd_qos:");
	t_done(&t);
}

/* ---------------------------------------------------------------------- */
/* Warnings */

static void
test_config_warn_unknown_key_suggests_closest(void **state)
{
	struct t t = { 0 };

	(void)state;
	assert_int_equal(t_load(&t, "[SETUP]\nmqtt_brokr = x\n[inv]\n"
	    "command = QPI\nprotocl = PI30\nwibble = 1\n"), 0);
	assert_warn_at(&t, 2, "unknown key 'mqtt_brokr' (did you mean "
	    "'mqtt_broker'?)");
	assert_warn_at(&t, 5, "unknown key 'protocl' (did you mean "
	    "'protocol'?)");
	assert_warn_at(&t, 6, "unknown key 'wibble' (ignored)");
	t_done(&t);
}

static void
test_config_warn_key_in_wrong_section(void **state)
{
	struct t t = { 0 };

	(void)state;
	assert_int_equal(t_load(&t, "[SETUP]\nport = test\n[inv]\n"
	    "command = QPI\npause = 3\n"), 0);
	assert_warn_at(&t, 2, "key 'port' is read in device sections only");
	assert_warn_at(&t, 5, "key 'pause' is read in [SETUP] only");
	assert_int_equal(t.c.pause, 60);
	t_done(&t);
}

static void
test_config_warn_unknown_output_skipped(void **state)
{
	struct t t = { 0 };
	struct device_cfg *d;

	(void)state;
	assert_int_equal(t_load(&t, "[SETUP]\n[inv]\ncommand = QPI\n"
	    "outputs = jsno,screen,influxdb\n"), 0);
	d = dev(&t, "inv");
	assert_int_equal(d->noutputs, 1);
	assert_string_equal(d->outputs[0], "screen");
	assert_warn_at(&t, 4, "outputs: unknown output 'jsno' skipped (did "
	    "you mean 'json'?)");
	assert_warn_at(&t, 4, "outputs: unknown output 'influxdb' skipped");
	t_done(&t);
}

static void
test_config_warn_glob_like_allowlist(void **state)
{
	struct t t = { 0 };

	(void)state;
	assert_int_equal(t_load(&t, "[SETUP]\n[inv]\ncommand = QPI\n"
	    "mqtt_allowed_cmds = POP0[0-2],PCP*,MCHGC{0-1}[0-6][0-2]\n"), 0);
	assert_warn_at(&t, 4, "mqtt_allowed_cmds: allowlist pattern 'PCP*' "
	    "looks like a shell glob; it means \"PC followed by any number of "
	    "P\" - did you mean 'PCP.*'?");
	assert_warn_at(&t, 4, "mqtt_allowed_cmds: allowlist pattern "
	    "'MCHGC{0-1}[0-6][0-2]' looks like a shell glob");
	assert_lacks(t.warn, "'POP0[0-2]' looks like");
	t_done(&t);
}

static void
test_config_warn_repetition_split_by_comma(void **state)
{
	struct t t = { 0 };

	(void)state;
	assert_int_equal(t_load(&t, "[SETUP]\nmqtt_allowed_cmds = "
	    "PCVV\\d{2,3}\n[inv]\ncommand = QPI\n"), 0);
	assert_warn_at(&t, 2, "mqtt_allowed_cmds: 'PCVV\\d{2' and '3}' were "
	    "probably one pattern");
	t_done(&t);
}

static void
test_config_warn_password_file_readable(void **state)
{
	struct t t = { 0 };
	static const char text[] = "[SETUP]\nmqtt_pass = s3cret\n[inv]\n"
	    "command = QPI\n";

	(void)state;
	t_write(&t, text, sizeof(text) - 1, 0644);
	assert_int_equal(t_load_path(&t, t.path, NULL), 0);
	assert_has(t.warn, "holds mqtt_pass but its mode is 0644");
	assert_lacks(t.warn, "s3cret");
	t_write(&t, text, sizeof(text) - 1, 0600);
	config_free(&t.c);
	sbuf_free(&t.err);
	assert_int_equal(t_load_path(&t, t.path, NULL), 0);
	assert_lacks(t.warn, "mode");
	t_done(&t);
}

static void
test_config_warn_unknown_command_and_port(void **state)
{
	struct t t = { 0 };

	(void)state;
	assert_int_equal(t_load(&t, "[SETUP]\n[inv]\nprotocol = PI30\n"
	    "command = QPIGS#QPIGSS\nport = /dev/ttyS0\n[usb]\n"
	    "command = QPI\nport = /dev/weird\n"), 0);
	assert_warn_at(&t, 4, "command: 'QPIGSS' is not a PI30 command");
	assert_lacks(t.warn, "'QPIGS' is not");
	/* /dev/tty* is serial for mppd. */
	assert_lacks(t.warn, "/dev/ttyS0");
	assert_warn_at(&t, 8, "port: '/dev/weird' is not recognised");
	t_done(&t);
}

/*
 * config_read() by itself checks only what the configuration knows: a
 * protocol, an output or an allowlist pattern is the business of the
 * layers app_config_load() hooks in.
 */
static void
test_config_read_alone_leaves_other_layers_checks_to_hooks(void **state)
{
	static const char text[] = "[SETUP]\nmqtt_allowed_cmds = (\n"
	    "[inv]\nprotocol = PI99\ncommand = QPIGS\noutputs = jsno\n"
	    "filter = ([\n";
	struct t t = { 0 };
	struct config_diag *dg;
	struct sbuf err = SBUF_INIT;
	struct config c;

	(void)state;
	t_write(&t, text, strlen(text), 0600);
	dg = config_diag_new(t.path);
	assert_int_equal(config_read(t.path, NULL, &c, dg, NULL), 0);
	assert_int_equal(config_diag_flush(dg, &err), 0);
	assert_string_equal(sbuf_str(&err), "");
	assert_string_equal(c.devs[0].protocol, "PI99");
	assert_int_equal(c.devs[0].noutputs, 1);
	assert_string_equal(c.devs[0].outputs[0], "jsno");
	/* Where the layers' checks will report: the key's own line. */
	assert_int_equal(config_diag_line(dg, "inv", "protocol"), 4);
	assert_int_equal(config_diag_line(dg, "inv", "mqtt_allowed_cmds"), 2);
	assert_int_equal(config_diag_own(dg, "inv", "mqtt_allowed_cmds"), 0);
	config_diag_free(dg);
	config_free(&c);
	sbuf_free(&err);
	/* The programs' loader reports each. */
	assert_int_equal(t_load_path(&t, t.path, NULL), -1);
	assert_warn_at(&t, 6, "outputs: unknown output 'jsno' skipped");
	assert_err_at(&t, 2, "mqtt_allowed_cmds: invalid regular expression");
	assert_err_at(&t, 4, "protocol: expected one of PI30");
	assert_err_at(&t, 7, "filter: expected a regular expression");
	t_done(&t);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_config_error_missing_file),
	cmocka_unit_test(test_config_error_missing_setup),
	cmocka_unit_test(test_config_error_duplicate_section),
	cmocka_unit_test(test_config_error_duplicate_key),
	cmocka_unit_test(test_config_error_pause_not_a_number),
	cmocka_unit_test(test_config_error_baud_not_a_number),
	cmocka_unit_test(test_config_error_mqtt_port_out_of_range),
	cmocka_unit_test(test_config_error_keepalive_out_of_range),
	cmocka_unit_test(test_config_error_cmd_qos_out_of_range),
	cmocka_unit_test(test_config_error_bad_mqtt_protocol),
	cmocka_unit_test(test_config_error_reconnect_times),
	cmocka_unit_test(test_config_error_timeout),
	cmocka_unit_test(test_config_error_queue_len),
	cmocka_unit_test(test_config_error_bad_boolean),
	cmocka_unit_test(test_config_error_bad_cmd_match),
	cmocka_unit_test(test_config_error_bad_prom_style),
	cmocka_unit_test(test_config_error_bad_allowlist_regex),
	cmocka_unit_test(test_config_error_bad_filter_regex),
	cmocka_unit_test(test_config_error_bad_cmd_topic_filter),
	cmocka_unit_test(test_config_error_device_name_not_a_topic_level),
	cmocka_unit_test(test_config_error_unknown_protocol),
	cmocka_unit_test(test_config_error_missing_command),
	cmocka_unit_test(test_config_error_nul_byte),
	cmocka_unit_test(test_config_error_invalid_utf8),
	cmocka_unit_test(test_config_error_control_character),
	cmocka_unit_test(test_config_error_binary_file),
	cmocka_unit_test(test_config_error_huge_line),
	cmocka_unit_test(test_config_error_unterminated_section),
	cmocka_unit_test(test_config_error_line_is_not_a_key),
	cmocka_unit_test(test_config_error_multiline_scalar),
	cmocka_unit_test(test_config_error_tls_cert_without_key),
	cmocka_unit_test(test_config_error_shared_connection_conflict),
	cmocka_unit_test(test_config_errors_are_all_collected),
	cmocka_unit_test(test_config_warn_unknown_key_suggests_closest),
	cmocka_unit_test(test_config_warn_key_in_wrong_section),
	cmocka_unit_test(test_config_warn_unknown_output_skipped),
	cmocka_unit_test(test_config_warn_glob_like_allowlist),
	cmocka_unit_test(test_config_warn_repetition_split_by_comma),
	cmocka_unit_test(test_config_warn_password_file_readable),
	cmocka_unit_test(test_config_warn_unknown_command_and_port),
	cmocka_unit_test(test_config_read_alone_leaves_other_layers_checks_to_hooks),
};

#include "testmain.h"
MPPD_TEST_MAIN(tests)

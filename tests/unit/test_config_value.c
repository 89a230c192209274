/*
 * test_config_value.c - the value syntaxes of mpp-solar.conf (numbers as
 * Python's int(), seconds, configparser's booleans, lists, topic levels)
 * and the key table they are read by.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config.h"
#include "config_keys.h"
#include "config_value.h"

static void
test_value_long_accepts_python_int_syntax(void **state)
{
	long v = 0;

	(void)state;
	assert_int_equal(val_long("42", 0, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(val_long("+7", 0, 100, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(val_long("-3", -10, 10, &v), 0);
	assert_int_equal(v, -3);
	assert_int_equal(val_long("1_000", 0, 5000, &v), 0);
	assert_int_equal(v, 1000);
}

static void
test_value_long_rejects_other_text_and_range(void **state)
{
	long v = 99;

	(void)state;
	assert_int_equal(val_long("", 0, 100, &v), -1);
	assert_int_equal(val_long("ten", 0, 100, &v), -1);
	assert_int_equal(val_long("1.5", 0, 100, &v), -1);
	assert_int_equal(val_long("_1", 0, 100, &v), -1);
	assert_int_equal(val_long("1__0", 0, 100, &v), -1);
	assert_int_equal(val_long("1_", 0, 100, &v), -1);
	assert_int_equal(val_long(" 1", 0, 100, &v), -1);
	assert_int_equal(val_long("101", 0, 100, &v), -1);
	assert_int_equal(val_long("-1", 0, 100, &v), -1);
	assert_int_equal(val_long("99999999999999999999999", 0, 100, &v), -1);
	assert_int_equal(v, 99);	/* unchanged on error */
}

static void
test_value_secs_takes_decimals_above_zero(void **state)
{
	double v = 0;

	(void)state;
	assert_int_equal(val_secs("0.5", 10, &v), 0);
	assert_true(v == 0.5);
	assert_int_equal(val_secs("1e1", 10, &v), 0);
	assert_true(v == 10.0);
	assert_int_equal(val_secs("0", 10, &v), -1);
	assert_int_equal(val_secs("10.5", 10, &v), -1);
	assert_int_equal(val_secs("nan", 10, &v), -1);
	assert_int_equal(val_secs("inf", 10, &v), -1);
	assert_int_equal(val_secs("0x10", 100, &v), -1);
	assert_int_equal(val_secs("", 10, &v), -1);
}

static void
test_value_bool_has_configparser_words(void **state)
{
	static const char *const yes[] = { "1", "yes", "TRUE", "On" };
	static const char *const no[] = { "0", "No", "false", "OFF" };
	int v;

	(void)state;
	for (int i = 0; i < 4; i++) {
		v = -1;
		assert_int_equal(val_bool(yes[i], &v), 0);
		assert_int_equal(v, 1);
		assert_int_equal(val_bool(no[i], &v), 0);
		assert_int_equal(v, 0);
	}
	assert_int_equal(val_bool("y", &v), -1);
	assert_int_equal(val_bool("2", &v), -1);
	assert_int_equal(val_bool("", &v), -1);
}

static void
test_value_split_trims_and_drops_empty_items(void **state)
{
	char **v;
	int n;

	(void)state;
	n = val_split(" a ,b,, \n c ,", ',', 0, &v);
	assert_int_equal(n, 3);
	assert_string_equal(v[0], "a");
	assert_string_equal(v[1], "b");
	assert_string_equal(v[2], "c");
	val_free_list(v, n);
	n = val_split("QPIGS##QPIRI#", '#', 1, &v);
	assert_int_equal(n, 4);
	assert_string_equal(v[0], "QPIGS");
	assert_string_equal(v[1], "");
	assert_string_equal(v[2], "QPIRI");
	assert_string_equal(v[3], "");
	val_free_list(v, n);
	n = val_split("", ',', 0, &v);
	assert_int_equal(n, 0);
	val_free_list(v, n);
}

static void
test_value_level_problem_names_the_reason(void **state)
{
	(void)state;
	assert_null(val_level_problem("inverter_1"));
	assert_string_equal(val_level_problem(""), "it is empty");
	assert_string_equal(val_level_problem("a/b"), "it contains '/'");
	assert_string_equal(val_level_problem("a+"),
	    "it contains the wildcard '+'");
	assert_string_equal(val_level_problem("#"),
	    "it contains the wildcard '#'");
	assert_string_equal(val_level_problem("a\tb"),
	    "it contains a control character");
}

/* ---------------------------------------------------------------------- */
/* The key table */

static void
test_keys_are_unique_and_mqtt_rows_follow_enum_mk(void **state)
{
	(void)state;
	for (int i = 0; i < config_nkeys; i++) {
		assert_ptr_equal(config_key_find(config_keys[i].name),
		    &config_keys[i]);
		assert_non_null(config_keys[i].help);
	}
	for (int k = 0; k < MK_COUNT; k++) {
		const struct config_key *r = config_key_mqtt(k);

		assert_int_equal(r->mk, k);
		assert_int_equal(r->id, K_MQTT);
		assert_int_equal(strncmp(r->name, "mqtt_", 5), 0);
	}
	assert_null(config_key_find("mqtt_brokr"));
}

/* The table's defaults are the model's: a device added without a file. */
static void
test_keys_defaults_are_the_models(void **state)
{
	struct config c;
	struct device_cfg *d;
	char buf[64];
	long lv;
	double dv;
	int bv;

	(void)state;
	config_defaults(&c, NULL);
	d = config_add_device(&c, "dev");
	assert_int_equal(val_long(config_key_find("pause")->dflt, 0, 86400,
	    &lv), 0);
	assert_int_equal(c.pause, lv);
	assert_string_equal(config_key_find("type")->dflt, d->type);
	assert_string_equal(config_key_find("port")->dflt, d->port);
	snprintf(buf, sizeof(buf), "%d", d->baud);
	assert_string_equal(config_key_find("baud")->dflt, buf);
	assert_int_equal(val_secs(config_key_find("timeout")->dflt, 3600,
	    &dv), 0);
	assert_int_equal((int)(dv * 1000), d->timeout_ms);
	assert_int_equal(d->noutputs, 1);
	assert_string_equal(config_key_find("outputs")->dflt, d->outputs[0]);
	snprintf(buf, sizeof(buf), "%d", d->queue_len);
	assert_string_equal(config_key_find("queue_len")->dflt, buf);
	assert_int_equal(val_bool(config_key_find("hass_controls")->dflt,
	    &bv), 0);
	assert_int_equal(d->hass_controls, bv);
	assert_null(config_key_find("protocol")->dflt);
	assert_null(d->protocol);
	/* mqtt_* defaults are applied from the table itself. */
	assert_string_equal(config_key_find("mqtt_broker")->dflt,
	    c.mqtt.broker);
	assert_string_equal(config_key_find("mqtt_cmd_topic")->dflt,
	    d->mqtt.cmd_topic);
	assert_int_equal(d->mqtt.port, 1883);
	assert_int_equal(d->mqtt.protocol, 4);
	config_free(&c);
}

/* state_dir, else systemd's StateDirectory (its first entry), else
 * /var/lib/mppd: the one place energy totals and ran commands are kept. */
static void
test_state_dir_defaults(void **state)
{
	struct config c;
	char buf[256];

	(void)state;
	memset(&c, 0, sizeof(c));
	c.state_dir = "/srv/mppd";
	assert_string_equal(config_state_dir(&c, buf, sizeof(buf)), "/srv/mppd");
	c.state_dir = NULL;
	setenv("STATE_DIRECTORY", "/var/lib/mppd-a:/var/lib/other", 1);
	assert_string_equal(config_state_dir(&c, buf, sizeof(buf)),
	    "/var/lib/mppd-a");
	unsetenv("STATE_DIRECTORY");
	c.state_dir = "";
	assert_string_equal(config_state_dir(&c, buf, sizeof(buf)),
	    "/var/lib/mppd");
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_value_long_accepts_python_int_syntax),
	cmocka_unit_test(test_value_long_rejects_other_text_and_range),
	cmocka_unit_test(test_value_secs_takes_decimals_above_zero),
	cmocka_unit_test(test_state_dir_defaults),
	cmocka_unit_test(test_value_bool_has_configparser_words),
	cmocka_unit_test(test_value_split_trims_and_drops_empty_items),
	cmocka_unit_test(test_value_level_problem_names_the_reason),
	cmocka_unit_test(test_keys_are_unique_and_mqtt_rows_follow_enum_mk),
	cmocka_unit_test(test_keys_defaults_are_the_models),
};

#include "testmain.h"
MPPD_TEST_MAIN(tests)

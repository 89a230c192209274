/*
 * test_config_diag.c - configuration diagnostics: errors sorted by line
 * and kept once, the cap on how many are shown, lines found by section
 * and key for the other layers' checks, quoting of values, and the
 * "did you mean" suggestions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config_diag.h"
#include "sbuf.h"

static void
test_diag_errors_sorted_by_line_and_kept_once(void **state)
{
	struct config_diag *dg = config_diag_new("m.conf");
	struct sbuf err = SBUF_INIT;

	(void)state;
	config_diag_error_at(dg, 7, "b: %s", "second");
	config_diag_error_at(dg, 3, "a: first");
	config_diag_error_at(dg, 7, "b: %s", "second");	/* same text: once */
	config_diag_error_at(dg, 7, "c: third");
	config_diag_error_at(dg, 0, "no line");
	config_diag_error_top(dg, "Config File 'm.conf' is missing");
	assert_int_equal(config_diag_nerrors(dg), 5);
	assert_int_equal(config_diag_flush(dg, &err), -1);
	assert_string_equal(sbuf_str(&err),
	    "Config File 'm.conf' is missing\n"
	    "m.conf: no line\n"
	    "m.conf:3: a: first\n"
	    "m.conf:7: b: second\n"
	    "m.conf:7: c: third\n");
	sbuf_reset(&err);
	assert_int_equal(config_diag_flush(dg, &err), 0);
	assert_string_equal(sbuf_str(&err), "");
	sbuf_free(&err);
	config_diag_free(dg);
}

static void
test_diag_shows_at_most_50_errors(void **state)
{
	struct config_diag *dg = config_diag_new("m.conf");
	struct sbuf err = SBUF_INIT;

	(void)state;
	for (int i = 1; i <= 53; i++)
		config_diag_error_at(dg, i, "bad");
	assert_int_equal(config_diag_flush(dg, &err), -1);
	assert_non_null(strstr(sbuf_str(&err), "m.conf:50: bad\n"
	    "m.conf: 3 more errors not shown\n"));
	assert_null(strstr(sbuf_str(&err), "m.conf:51:"));
	sbuf_free(&err);
	config_diag_free(dg);
}

static void
test_diag_finds_the_line_of_a_key(void **state)
{
	static const char *const port_keys[] = { "port", "porttype" };
	struct config_diag *dg = config_diag_new("m.conf");
	struct sbuf err = SBUF_INIT;

	(void)state;
	config_diag_note(dg, "SETUP", "mqtt_cmd_topic", 4, 1);
	config_diag_note(dg, "inv", "mqtt_cmd_topic", 4, 0);	/* inherited */
	config_diag_note(dg, "inv", "porttype", 12, 1);
	config_diag_note(dg, "inv", "port", 9, 1);		/* read later */
	assert_int_equal(config_diag_line(dg, "inv", "mqtt_cmd_topic"), 4);
	assert_int_equal(config_diag_own(dg, "inv", "mqtt_cmd_topic"), 0);
	assert_int_equal(config_diag_own(dg, "SETUP", "mqtt_cmd_topic"), 1);
	assert_int_equal(config_diag_line(dg, "inv", "protocol"), 0);
	assert_int_equal(config_diag_own(dg, "other", "port"), 0);
	assert_int_equal(config_diag_last_line(dg, "inv", port_keys, 2), 9);
	config_diag_note(dg, "inv", "mqtt_cmd_topic", 15, 1);	/* its own */
	assert_int_equal(config_diag_line(dg, "inv", "mqtt_cmd_topic"), 15);
	assert_int_equal(config_diag_own(dg, "inv", "mqtt_cmd_topic"), 1);
	config_diag_error(dg, "inv", "mqtt_cmd_topic", "mqtt_cmd_topic: %s",
	    "bad");
	config_diag_error(dg, "inv", "protocol", "protocol: unset");
	config_diag_flush(dg, &err);
	assert_string_equal(sbuf_str(&err), "m.conf: protocol: unset\n"
	    "m.conf:15: mqtt_cmd_topic: bad\n");
	sbuf_free(&err);
	config_diag_free(dg);
}

static void
test_diag_quote_escapes_and_cuts(void **state)
{
	char q[16], tiny[4];

	(void)state;
	assert_string_equal(config_diag_quote("a\nb\tc\x01", q, sizeof(q)),
	    "a\\nb\\tc?");
	assert_string_equal(config_diag_quote("0123456789abcdefghij", q,
	    sizeof(q)), "0123456789ab...");
	assert_string_equal(config_diag_quote("abcdef", tiny, sizeof(tiny)),
	    "...");
}

static void
test_diag_suggests_the_closest_name(void **state)
{
	static const char *const keys[] = { "protocol", "port", "porttype",
	    "tag", "mqtt_broker" };

	(void)state;
	assert_int_equal(config_diag_distance("kitten", "sitting"), 3);
	assert_int_equal(config_diag_distance("", "abc"), 3);
	assert_int_equal(config_diag_distance("same", "same"), 0);
	assert_string_equal(config_diag_closest("protocl", keys, 5),
	    "protocol");
	assert_string_equal(config_diag_closest("mqtt_brokr", keys, 5),
	    "mqtt_broker");
	assert_string_equal(config_diag_closest("prot", keys, 5), "port");
	assert_string_equal(config_diag_closest("porttyp", keys, 5),
	    "porttype");
	{
		static const char *const tie[] = { "abc", "abd" };

		/* one edit from both: the earlier name wins */
		assert_string_equal(config_diag_closest("abx", tie, 2), "abc");
	}
	assert_null(config_diag_closest("x", keys, 5));	/* not a typo of tag */
	assert_null(config_diag_closest("wibble", keys, 5));
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_diag_errors_sorted_by_line_and_kept_once),
	cmocka_unit_test(test_diag_shows_at_most_50_errors),
	cmocka_unit_test(test_diag_finds_the_line_of_a_key),
	cmocka_unit_test(test_diag_quote_escapes_and_cuts),
	cmocka_unit_test(test_diag_suggests_the_closest_name),
};

#include "testmain.h"
MPPD_TEST_MAIN(tests)

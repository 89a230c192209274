/*
 * test_pyfmt.c - Python's number and string printing rules.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>

#include "pyfmt.h"
#include "result.h"
#include "sbuf.h"
#include "testmain.h"
#include "utf8.h"

static void
expect_float(double d, const char *want)
{
	char buf[40];

	py_float_repr(d, buf, sizeof(buf));
	assert_string_equal(buf, want);
}

static void
test_float_repr_matches_python(void **state)
{
	expect_float(230.0, "230.0");
	expect_float(57.45, "57.45");
	expect_float(0.1, "0.1");
	expect_float(1e-05, "1e-05");
	expect_float(0.0001, "0.0001");
	expect_float(1e16, "1e+16");
	expect_float(123456789012345.0, "123456789012345.0");
	expect_float(9999999999999998.0, "9999999999999998.0");
	expect_float(-0.0, "-0.0");
	expect_float(53.2, "53.2");
	expect_float(327.3, "327.3");
	expect_float(1.5e300, "1.5e+300");
	expect_float(2.5e-7, "2.5e-07");
	expect_float(NAN, "nan");
	expect_float(-INFINITY, "-inf");
}

/*
 * Python's repr is the shortest text that reads back as the same double:
 * checked on timestamps (every answer carries one) and on doubles of
 * every magnitude.
 */
static void
test_float_repr_is_the_shortest_that_reads_back(void **state)
{
	char buf[40], shorter[40], dig[40];
	uint64_t x = 0x9e3779b97f4a7c15ULL;

	expect_float(1764636000.123456, "1764636000.123456");
	expect_float(1764636000.5, "1764636000.5");
	for (int i = 0; i < 20000; i++) {
		double d;
		int nd = 0;
		const char *p;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (i % 2 == 0)
			d = 1.7e9 + (double)(x % 1000000000000ULL) * 1e-9;
		else {
			memcpy(&d, &x, sizeof(d));
			if (isnan(d) || isinf(d))
				continue;
		}
		py_float_repr(d, buf, sizeof(buf));
		assert_true(strtod(buf, NULL) == d);
		/* Significant digits: the mantissa's, less leading and
		 * trailing zeros. */
		for (p = buf; *p != '\0' && *p != 'e'; p++)
			if (isdigit((unsigned char)*p))
				dig[nd++] = *p;
		dig[nd] = '\0';
		while (nd > 1 && dig[nd - 1] == '0')
			nd--;
		for (p = dig; nd > 1 && *p == '0'; p++)
			nd--;
		while (nd > 1) {
			/* One digit fewer no longer reads back. */
			snprintf(shorter, sizeof(shorter), "%.*e", nd - 2, d);
			if (strtod(shorter, NULL) == d) {
				fail_msg("%s: %s reads back too", buf, shorter);
			}
			break;
		}
	}
}

static void
expect_int(const char *in, const char *want)
{
	struct sbuf s = SBUF_INIT;
	int rc = py_parse_int(in, strlen(in), &s);

	if (want == NULL)
		assert_int_equal(rc, -1);
	else {
		assert_int_equal(rc, 0);
		assert_string_equal(sbuf_str(&s), want);
	}
	sbuf_free(&s);
}

static void
test_parse_int_python_rules(void **state)
{
	expect_int("0030", "30");
	expect_int(" 42 ", "42");
	expect_int("-0", "0");
	expect_int("+7", "7");
	expect_int("5_0", "50");
	expect_int("92911906100045", "92911906100045");
	expect_int("123456789012345678901234567890", "123456789012345678901234567890");
	expect_int("--", NULL);
	expect_int("1.0", NULL);
	expect_int("_5", NULL);
	expect_int("5_", NULL);
	expect_int("5__0", NULL);
	expect_int("", NULL);
	expect_int("0x10", NULL);
}

static void
expect_float_parse(const char *in, int ok, double want)
{
	double d = 0;
	int rc = py_parse_float(in, strlen(in), &d);

	assert_int_equal(rc, ok ? 0 : -1);
	if (ok && !isnan(want))
		assert_true(d == want);
	if (ok && isnan(want))
		assert_true(isnan(d));
}

static void
test_parse_float_python_rules(void **state)
{
	expect_float_parse("230.0", 1, 230.0);
	expect_float_parse(".5", 1, 0.5);
	expect_float_parse("5.", 1, 5.0);
	expect_float_parse("1e3", 1, 1000.0);
	expect_float_parse("1_000.5", 1, 1000.5);
	expect_float_parse(" -2.5 ", 1, -2.5);
	expect_float_parse("nan", 1, NAN);
	expect_float_parse("Infinity", 1, INFINITY);
	expect_float_parse("abc", 0, 0);
	expect_float_parse(".", 0, 0);
	expect_float_parse("e5", 0, 0);
	expect_float_parse("0x1p3", 0, 0);
	expect_float_parse("", 0, 0);
	expect_float_parse("1e", 0, 0);
}

static void
test_json_strings_escape_like_python(void **state)
{
	struct sbuf s = SBUF_INIT;

	py_json_str(&s, "(PI30\xc2\x9a\x0b\r");
	assert_string_equal(sbuf_str(&s), "\"(PI30\\u009a\\u000b\\r\"");
	sbuf_reset(&s);
	py_json_str(&s, "\xc2\xb0" "C \"q\" \\ \x7f");
	assert_string_equal(sbuf_str(&s), "\"\\u00b0C \\\"q\\\" \\\\ \\u007f\"");
	sbuf_reset(&s);
	py_json_str(&s, "\xf0\x9f\x98\x80");
	assert_string_equal(sbuf_str(&s), "\"\\ud83d\\ude00\"");
	sbuf_free(&s);
}

static void
test_bytes_and_ascii_repr(void **state)
{
	struct sbuf s = SBUF_INIT;

	py_bytes_repr(&s, "XYZ", 3);
	assert_string_equal(sbuf_str(&s), "b'XYZ'");
	sbuf_reset(&s);
	py_bytes_repr(&s, "a'b", 3);
	assert_string_equal(sbuf_str(&s), "b\"a'b\"");
	sbuf_reset(&s);
	py_bytes_repr(&s, "x\"y\x80", 4);
	assert_string_equal(sbuf_str(&s), "b'x\"y\\x80'");
	sbuf_reset(&s);
	py_ascii_str(&s, "(03.1 327.3 01026 \xc3\x89\xc2\x8b\r");
	assert_string_equal(sbuf_str(&s), "'(03.1 327.3 01026 \\xc9\\x8b\\r'");
	sbuf_free(&s);
}

static void
test_utf8_validation_is_strict(void **state)
{
	assert_true(utf8_valid("abc\xc2\xb0", 5));
	assert_false(utf8_valid("\xc0\xaf", 2));	/* overlong */
	assert_false(utf8_valid("\xed\xa0\x80", 3));	/* surrogate */
	assert_false(utf8_valid("\xff", 1));
	assert_false(utf8_valid("\xe2\x82", 2));	/* truncated */
	assert_false(utf8_valid("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
}

static void
test_result_keeps_position_on_overwrite(void **state)
{
	struct result r;
	struct sbuf s = SBUF_INIT;

	result_init(&r);
	result_set_plain(&r, "_command", "QPIWS");
	result_set(&r, "Battery weak", val_int(0), "bool", EX_ABSENT, NULL, 0);
	result_set(&r, "Other", val_float(1.5), "V", EX_NONE, NULL, 0);
	result_set(&r, "Battery weak", val_int(1), "bool", EX_ABSENT, NULL, 0);
	result_json(&s, &r);
	assert_string_equal(sbuf_str(&s), "{\"_command\": \"QPIWS\", \"Battery weak\": "
	    "[1, \"bool\"], \"Other\": [1.5, \"V\", null]}");
	result_free(&r);
	sbuf_free(&s);
}

static void
test_packed_result_reads_and_changes_like_the_original(void **state)
{
	static const struct result_kv icon[] = { { "icon", "mdi:flash" } };
	const char *want = "{\"_command\": \"QPIGS\", \"AC Input Voltage\": "
	    "[230.0, \"V\", {\"icon\": \"mdi:flash\"}], \"Flag\": [1, "
	    "\"bool\", null], \"Mode\": [\"Line\", \"\"]}";
	struct result r, c;
	struct sbuf s = SBUF_INIT;

	result_init(&r);
	result_set_plain(&r, "_command", "QPIGS");
	result_set(&r, "AC Input Voltage", val_float(230.0), "V", EX_DICT,
	    icon, 1);
	result_set(&r, "Flag", val_int(1), "bool", EX_NONE, NULL, 0);
	result_set_str(&r, "Mode", "Line", NULL);
	result_pack(&r);
	assert_true(r.cap < 0);
	result_json(&s, &r);
	assert_string_equal(sbuf_str(&s), want);
	assert_non_null(result_find(&r, "Flag"));
	/* a copy is packed too, and reads the same */
	result_copy(&c, &r);
	sbuf_reset(&s);
	result_json(&s, &c);
	assert_string_equal(sbuf_str(&s), want);
	/* changing a packed result: keys keep their positions */
	result_set(&c, "Flag", val_int(0), "bool", EX_NONE, NULL, 0);
	result_del(&c, "Mode");
	result_set_str(&c, "Extra", "x", "");
	sbuf_reset(&s);
	result_json(&s, &c);
	assert_string_equal(sbuf_str(&s), "{\"_command\": \"QPIGS\", "
	    "\"AC Input Voltage\": [230.0, \"V\", {\"icon\": \"mdi:flash\"}], "
	    "\"Flag\": [0, \"bool\", null], \"Extra\": [\"x\", \"\"]}");
	/* the original is untouched */
	sbuf_reset(&s);
	result_json(&s, &r);
	assert_string_equal(sbuf_str(&s), want);
	result_free(&c);
	result_free(&r);
	/* an empty result stays empty */
	result_pack(&r);
	assert_int_equal(r.n, 0);
	result_free(&r);
	sbuf_free(&s);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_float_repr_matches_python),
	cmocka_unit_test(test_float_repr_is_the_shortest_that_reads_back),
	cmocka_unit_test(test_parse_int_python_rules),
	cmocka_unit_test(test_parse_float_python_rules),
	cmocka_unit_test(test_json_strings_escape_like_python),
	cmocka_unit_test(test_bytes_and_ascii_repr),
	cmocka_unit_test(test_utf8_validation_is_strict),
	cmocka_unit_test(test_result_keeps_position_on_overwrite),
	cmocka_unit_test(test_packed_result_reads_and_changes_like_the_original),
};

MPPD_TEST_MAIN(tests)

/*
 * test_cmd_check.c - what an MQTT command payload must look like before it
 * may reach an inverter (docs/commands.md, RELIABILITY.md section 4): the payload
 * checks, the JSON envelope, the allowlist and the protocol's table.
 */
#include <stdlib.h>

#include "testmain.h"
#include "allow.h"
#include "cmd_check.h"
#include "config.h"
#include "proto.h"
#include "sbuf.h"

static struct cmd_request req;
static char err[256];

/* Parses a byte string given with its length; resets req and err. */
static int
parse_n(const char *p, size_t n)
{
	memset(&req, 0x55, sizeof(req));
	memset(err, 0, sizeof(err));
	return cmd_parse_payload(p, n, &req, err, sizeof(err));
}

/* A string literal, NUL bytes inside included. */
#define PARSE(lit)	parse_n((lit), sizeof(lit) - 1)

static void
assert_accepted(int rc, const char *command)
{
	if (rc != 0)
		fail_msg("refused: %s", err);
	assert_string_equal(req.command, command);
}

static void
assert_refused(int rc, const char *error)
{
	assert_int_equal(rc, -1);
	assert_string_equal(err, error);
}

static struct allowlist *
allow_of(const char *csv, enum cmd_match mode)
{
	char *copy = xstrdup(csv), *save = NULL, *tok;
	char *items[16];
	int n = 0;
	struct allowlist *a;

	for (tok = strtok_r(copy, ",", &save); tok != NULL && n < 16;
	    tok = strtok_r(NULL, ",", &save))
		items[n++] = tok;
	a = allow_compile(items, n, mode, NULL);
	assert_non_null(a);
	free(copy);
	return a;
}

/* PI30, with the protocol patterns compiled (proto_init is idempotent). */
static const struct pi_proto *
pi30(void)
{
	const struct pi_proto *p;

	assert_int_equal(proto_init(), 0);
	p = proto_find("PI30");
	assert_non_null(p);
	return p;
}

/* cmd_check with a one-off allowlist on protocol PI30. */
static int
check(const char *cmd, const char *csv, enum cmd_match mode, int undef)
{
	struct allowlist *a = allow_of(csv, mode);
	const struct pi_proto *p = pi30();
	int rc;

	memset(err, 0, sizeof(err));
	rc = cmd_check(cmd, a, p, undef, err, sizeof(err));
	allow_free(a);
	return rc;
}

/* ---- payload: plain text ------------------------------------------- */

static void
test_payload_plain_command_accepted(void **state)
{
	(void)state;
	assert_accepted(PARSE("POP02"), "POP02");
	assert_int_equal(req.has_id, 0);
}

static void
test_payload_trimmed_like_python_strip(void **state)
{
	(void)state;
	assert_accepted(PARSE(" \t POP02\r\n"), "POP02");
	/* str.isspace() also covers \v \f and the separators 0x1c-0x1f. */
	assert_accepted(PARSE("\x0b\x0c\x1cPOP02\x1d\x1e\x1f"), "POP02");
}

static void
test_payload_nbsp_is_not_trimmed(void **state)
{
	(void)state;
	/* strip() on ASCII whitespace only: U+00A0 stays (and the allowlist
	 * will refuse it). */
	assert_accepted(PARSE("\xc2\xa0POP02"), "\xc2\xa0POP02");
}

static void
test_payload_empty_refused(void **state)
{
	(void)state;
	assert_refused(PARSE(""), "empty command");
	assert_string_equal(req.command, "");
	assert_refused(cmd_parse_payload(NULL, 0, &req, err, sizeof(err)),
	    "empty command");
}

static void
test_payload_whitespace_refused(void **state)
{
	(void)state;
	assert_refused(PARSE("  \t\r\n "), "empty command");
}

static void
test_payload_128_bytes_accepted(void **state)
{
	char buf[CMD_MAX_LEN];

	(void)state;
	memset(buf, 'Q', sizeof(buf));
	assert_int_equal(parse_n(buf, sizeof(buf)), 0);
	assert_int_equal(strlen(req.command), CMD_MAX_LEN);
}

static void
test_payload_200_bytes_refused(void **state)
{
	char buf[200];

	(void)state;
	memset(buf, 'A', sizeof(buf));
	assert_refused(parse_n(buf, sizeof(buf)),
	    "command too long (200 bytes, at most 128)");
	/* The response shows a printable prefix, marked as cut. */
	assert_int_equal(strlen(req.command), 64 + 3);
	assert_memory_equal(req.command + 64, "...", 4);
}

static void
test_payload_129_bytes_of_whitespace_refused(void **state)
{
	char buf[129];

	(void)state;
	memset(buf, ' ', sizeof(buf));
	memcpy(buf, "QPI", 3);
	assert_refused(parse_n(buf, sizeof(buf)),
	    "command too long (129 bytes, at most 128)");
}

static void
test_payload_one_megabyte_refused_without_reading(void **state)
{
	size_t n = 1 << 20;
	char *big = malloc(n);

	(void)state;
	assert_non_null(big);
	memset(big, 'P', 64);	/* only the shown prefix is ever read */
	assert_refused(parse_n(big, n),
	    "command too long (1048576 bytes, at most 128)");
	free(big);
}

static void
test_payload_invalid_utf8_refused(void **state)
{
	(void)state;
	assert_refused(PARSE("POP\xff" "02"), "command is not valid UTF-8");
	/* Unusable text: the response shows a printable prefix. */
	assert_string_equal(req.command, "POP?02");
	assert_refused(PARSE("POP02\xc3"), "command is not valid UTF-8");
	assert_refused(PARSE("\x80"), "command is not valid UTF-8");
}

static void
test_payload_overlong_utf8_refused(void **state)
{
	(void)state;
	/* C0 AF is an overlong '/'. */
	assert_refused(PARSE("POP\xc0\xaf"), "command is not valid UTF-8");
	assert_refused(PARSE("\xe0\x80\xaf"), "command is not valid UTF-8");
}

static void
test_payload_surrogate_refused(void **state)
{
	(void)state;
	assert_refused(PARSE("\xed\xa0\x80"), "command is not valid UTF-8");
	assert_refused(PARSE("\xf4\x90\x80\x80"), "command is not valid UTF-8");
}

static void
test_payload_bom_refused(void **state)
{
	(void)state;
	assert_refused(PARSE("\xef\xbb\xbfPOP02"),
	    "command starts with a UTF-8 byte order mark (BOM)");
	assert_refused(PARSE(" \xef\xbb\xbfPOP02"),
	    "command starts with a UTF-8 byte order mark (BOM)");
}

static void
test_payload_cr_inside_refused(void **state)
{
	(void)state;
	assert_refused(PARSE("POP02\rPCP00"),
	    "command contains a control character (0x0d)");
	/* The command can be shown: JSON escapes the CR. */
	assert_string_equal(req.command, "POP02\rPCP00");
}

static void
test_payload_lf_inside_refused(void **state)
{
	(void)state;
	assert_refused(PARSE("POP02\nPCP00"),
	    "command contains a control character (0x0a)");
}

static void
test_payload_nul_inside_refused(void **state)
{
	(void)state;
	assert_refused(PARSE("POP02\0PCP00"),
	    "command contains a control character (0x00)");
	/* A C string cannot hold the NUL: shown as '?', nothing cut off. */
	assert_string_equal(req.command, "POP02?PCP00");
}

static void
test_payload_tab_and_del_refused(void **state)
{
	(void)state;
	assert_refused(PARSE("POP\t02"),
	    "command contains a control character (0x09)");
	assert_refused(PARSE("POP02\x7f"),
	    "command contains a control character (0x7f)");
	assert_refused(PARSE("\x01POP02"),
	    "command contains a control character (0x01)");
}

static void
test_payload_c1_control_refused(void **state)
{
	(void)state;
	/* U+0085 (NEL) is a line break too. */
	assert_refused(PARSE("POP\xc2\x85" "02"),
	    "command contains a control character (U+0085)");
}

/* ---- payload: JSON envelope ---------------------------------------- */

static void
test_json_envelope_with_string_id(void **state)
{
	(void)state;
	assert_accepted(PARSE("{\"command\": \"POP02\", \"id\": \"abc\"}"),
	    "POP02");
	assert_int_equal(req.has_id, 1);
	assert_string_equal(req.id_json, "\"abc\"");
}

static void
test_json_envelope_with_number_id(void **state)
{
	(void)state;
	assert_accepted(PARSE("{\"id\": 42, \"command\": \"QPI\"}"), "QPI");
	assert_string_equal(req.id_json, "42");
	assert_accepted(PARSE("{\"command\": \"QPI\", \"id\": -7}"), "QPI");
	assert_string_equal(req.id_json, "-7");
	assert_accepted(PARSE("{\"command\": \"QPI\", \"id\": 1.5}"), "QPI");
	assert_string_equal(req.id_json, "1.5");
}

static void
test_json_envelope_id_reserialised_ascii(void **state)
{
	(void)state;
	/* As Python's json.dumps (ensure_ascii). */
	assert_accepted(PARSE("{\"command\": \"QPI\", \"id\": \"\xc3\xa9\\\"x\"}"),
	    "QPI");
	assert_string_equal(req.id_json, "\"\\u00e9\\\"x\"");
}

static void
test_json_envelope_without_id(void **state)
{
	(void)state;
	assert_accepted(PARSE("  {\"command\":\" POP02 \"}\r\n"), "POP02");
	assert_int_equal(req.has_id, 0);
}

static void
test_json_array_refused(void **state)
{
	(void)state;
	assert_refused(PARSE("[\"POP02\"]"),
	    "invalid JSON request: expected an object {\"command\": \"...\"}");
	assert_string_equal(req.command, "[\"POP02\"]");
}

static void
test_json_deeply_nested_array_refused(void **state)
{
	(void)state;
	assert_refused(PARSE("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
	    "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"),
	    "invalid JSON request: expected an object {\"command\": \"...\"}");
}

static void
test_json_nested_command_refused(void **state)
{
	(void)state;
	assert_refused(PARSE("{\"command\": {\"command\": \"POP02\"}}"),
	    "invalid JSON request: \"command\" must be a string");
	assert_refused(PARSE("{\"command\": [\"POP02\"]}"),
	    "invalid JSON request: \"command\" must be a string");
}

static void
test_json_command_wrong_type_refused(void **state)
{
	(void)state;
	assert_refused(PARSE("{\"command\": 2}"),
	    "invalid JSON request: \"command\" must be a string");
	assert_refused(PARSE("{\"command\": null}"),
	    "invalid JSON request: \"command\" must be a string");
}

static void
test_json_command_missing_refused_id_kept(void **state)
{
	(void)state;
	assert_refused(PARSE("{\"id\": \"x1\"}"),
	    "invalid JSON request: \"command\" is missing");
	/* The id is still echoed in the error response. */
	assert_int_equal(req.has_id, 1);
	assert_string_equal(req.id_json, "\"x1\"");
	/* Names are case-sensitive. */
	assert_refused(PARSE("{\"Command\": \"POP02\"}"),
	    "invalid JSON request: \"command\" is missing");
}

static void
test_json_id_wrong_type_refused(void **state)
{
	(void)state;
	assert_refused(PARSE("{\"command\": \"QPI\", \"id\": [1]}"),
	    "invalid JSON request: \"id\" must be a string or a finite number");
	assert_refused(PARSE("{\"command\": \"QPI\", \"id\": {\"a\": 1}}"),
	    "invalid JSON request: \"id\" must be a string or a finite number");
	assert_refused(PARSE("{\"command\": \"QPI\", \"id\": true}"),
	    "invalid JSON request: \"id\" must be a string or a finite number");
	assert_refused(PARSE("{\"command\": \"QPI\", \"id\": 1e999}"),
	    "invalid JSON request: \"id\" must be a string or a finite number");
}

static void
test_json_id_too_long_refused(void **state)
{
	char buf[CMD_MAX_LEN + 1];
	int n;

	(void)state;
	/* 50 x U+00E9: 100 bytes in, 300 bytes once escaped as \u00e9. */
	n = snprintf(buf, sizeof(buf), "{\"command\":\"QPI\",\"id\":\"");
	for (int i = 0; i < 50; i++)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "\xc3\xa9");
	n += snprintf(buf + n, sizeof(buf) - (size_t)n, "\"}");
	assert_int_equal(parse_n(buf, (size_t)n), -1);
	assert_non_null(strstr(err, "\"id\" is too long"));
}

static void
test_json_duplicate_command_refused(void **state)
{
	(void)state;
	assert_refused(PARSE("{\"command\": \"QPI\", \"command\": \"POP02\"}"),
	    "invalid JSON request: \"command\" given twice");
}

static void
test_json_malformed_refused(void **state)
{
	(void)state;
	assert_int_equal(PARSE("{\"command\": \"POP02\""), -1);
	assert_true(strncmp(err, "invalid JSON: ", 14) == 0);
	assert_string_equal(req.command, "{\"command\": \"POP02\"");
	assert_int_equal(PARSE("{command: POP02}"), -1);
	assert_true(strncmp(err, "invalid JSON: syntax error near offset ", 39) == 0);
	assert_int_equal(PARSE("{\"command\": \"POP02\"} x"), -1);
	assert_true(strncmp(err, "invalid JSON: ", 14) == 0);
}

static void
test_json_huge_refused(void **state)
{
	char buf[400];
	int n;

	(void)state;
	n = snprintf(buf, sizeof(buf), "{\"command\": \"QPI\", \"pad\": \"%0300d\"}", 0);
	assert_int_equal(n, 329);
	assert_refused(parse_n(buf, (size_t)n),
	    "command too long (329 bytes, at most 128)");
}

static void
test_json_control_character_in_command_refused(void **state)
{
	(void)state;
	assert_refused(PARSE("{\"command\": \"POP02\\rPCP00\"}"),
	    "command contains a control character (0x0d)");
	assert_string_equal(req.command, "POP02\rPCP00");
}

static void
test_json_escaped_nul_refused(void **state)
{
	(void)state;
	/* cJSON would cut the string at the NUL and run "POP02". */
	assert_refused(PARSE("{\"command\": \"POP02\\u0000PCP00\"}"),
	    "invalid JSON request: contains a NUL character");
	/* An escaped backslash before "u0000" is not a NUL. */
	assert_int_equal(PARSE("{\"command\": \"A\\\\u0000\"}"), 0);
	assert_string_equal(req.command, "A\\u0000");
}

static void
test_json_empty_command_refused(void **state)
{
	(void)state;
	assert_refused(PARSE("{\"command\": \"  \"}"), "empty command");
}

/* ---- verdicts: allowlist and protocol ------------------------------- */

static void
test_check_allowed_command_passes(void **state)
{
	(void)state;
	assert_int_equal(check("POP02", "POP0[0-2],PCP*", MATCH_FULL, 0), 0);
}

static void
test_check_not_in_allowlist_refused(void **state)
{
	(void)state;
	assert_int_equal(check("QPIGS", "POP0[0-2]", MATCH_FULL, 0), -1);
	assert_string_equal(err, "Command not allowed");
}

static void
test_check_pcvv_refused_under_pcp_glob_full_mode(void **state)
{
	(void)state;
	assert_int_equal(check("PCVV48.0", "PCP*", MATCH_FULL, 0), -1);
	assert_string_equal(err, "Command not allowed");
}

static void
test_check_pcvv_admitted_under_pcp_glob_prefix_mode(void **state)
{
	(void)state;
	/* The reference's re.match: "PCP*" matches the "PC" of PCVV48.0. */
	assert_int_equal(check("PCVV48.0", "PCP*", MATCH_PREFIX, 0), 0);
}

static void
test_check_pop02xyz_refused_under_pop_range(void **state)
{
	(void)state;
	assert_int_equal(check("POP02XYZ", "POP0[0-2]", MATCH_FULL, 0), -1);
	assert_string_equal(err, "Command not allowed");
	/* Prefix mode admits it, but the protocol's pattern does not. */
	assert_int_equal(check("POP02XYZ", "POP0[0-2]", MATCH_PREFIX, 0), -1);
	assert_string_equal(err, "Command POP02XYZ is not a command of "
	    "protocol PI30, or its argument is invalid");
}

static void
test_check_pop09_refused_naming_protocol(void **state)
{
	(void)state;
	assert_int_equal(check("POP09", "POP0[0-9]", MATCH_FULL, 0), -1);
	assert_string_equal(err, "Command POP09 is not a command of protocol "
	    "PI30, or its argument is invalid");
}

static void
test_check_brace_pattern_is_literal(void **state)
{
	(void)state;
	/* in mpp-solar's patterns {0-1} is literal text */
	assert_int_equal(check("MCHGC040", "MCHGC{0-1}[0-6][0-2]", MATCH_FULL,
	    0), -1);
	assert_string_equal(err, "Command not allowed");
}

static void
test_check_allow_undefined_lets_raw_command_through(void **state)
{
	(void)state;
	assert_int_equal(check("XYZ123", ".*", MATCH_FULL, 0), -1);
	assert_int_equal(check("XYZ123", ".*", MATCH_FULL, 1), 0);
	/* The allowlist still applies. */
	assert_int_equal(check("XYZ123", "QPI", MATCH_FULL, 1), -1);
	assert_string_equal(err, "Command not allowed");
}

static void
test_check_no_protocol_refused(void **state)
{
	struct allowlist *a = allow_of("QPI", MATCH_FULL);

	(void)state;
	assert_int_equal(cmd_check("QPI", a, NULL, 1, err, sizeof(err)), -1);
	assert_string_equal(err, "device has no protocol defined");
	allow_free(a);
}

static void
test_check_no_allowlist_refuses_everything(void **state)
{
	(void)state;
	assert_int_equal(cmd_check("QPI", NULL, pi30(), 0, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "Command not allowed");
}

static void
test_check_nbsp_command_refused(void **state)
{
	(void)state;
	assert_int_equal(check("\xc2\xa0POP02", "POP0[0-2]", MATCH_FULL, 0), -1);
	assert_string_equal(err, "Command not allowed");
}

/* ---- log escaping ---------------------------------------------------- */

static void
test_escape_shows_bytes_safely(void **state)
{
	char out[64];

	(void)state;
	cmd_escape("A\r\"\\\xff", 5, out, sizeof(out));
	assert_string_equal(out, "A\\x0d\\\"\\\\\\xff");
}

static void
test_escape_truncates_with_marker(void **state)
{
	char out[10];

	(void)state;
	cmd_escape("ABCDEFGHIJKLMNOP", 16, out, sizeof(out));
	assert_string_equal(out, "ABCDEF...");
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_payload_plain_command_accepted),
	cmocka_unit_test(test_payload_trimmed_like_python_strip),
	cmocka_unit_test(test_payload_nbsp_is_not_trimmed),
	cmocka_unit_test(test_payload_empty_refused),
	cmocka_unit_test(test_payload_whitespace_refused),
	cmocka_unit_test(test_payload_128_bytes_accepted),
	cmocka_unit_test(test_payload_200_bytes_refused),
	cmocka_unit_test(test_payload_129_bytes_of_whitespace_refused),
	cmocka_unit_test(test_payload_one_megabyte_refused_without_reading),
	cmocka_unit_test(test_payload_invalid_utf8_refused),
	cmocka_unit_test(test_payload_overlong_utf8_refused),
	cmocka_unit_test(test_payload_surrogate_refused),
	cmocka_unit_test(test_payload_bom_refused),
	cmocka_unit_test(test_payload_cr_inside_refused),
	cmocka_unit_test(test_payload_lf_inside_refused),
	cmocka_unit_test(test_payload_nul_inside_refused),
	cmocka_unit_test(test_payload_tab_and_del_refused),
	cmocka_unit_test(test_payload_c1_control_refused),
	cmocka_unit_test(test_json_envelope_with_string_id),
	cmocka_unit_test(test_json_envelope_with_number_id),
	cmocka_unit_test(test_json_envelope_id_reserialised_ascii),
	cmocka_unit_test(test_json_envelope_without_id),
	cmocka_unit_test(test_json_array_refused),
	cmocka_unit_test(test_json_deeply_nested_array_refused),
	cmocka_unit_test(test_json_nested_command_refused),
	cmocka_unit_test(test_json_command_wrong_type_refused),
	cmocka_unit_test(test_json_command_missing_refused_id_kept),
	cmocka_unit_test(test_json_id_wrong_type_refused),
	cmocka_unit_test(test_json_id_too_long_refused),
	cmocka_unit_test(test_json_duplicate_command_refused),
	cmocka_unit_test(test_json_malformed_refused),
	cmocka_unit_test(test_json_huge_refused),
	cmocka_unit_test(test_json_control_character_in_command_refused),
	cmocka_unit_test(test_json_escaped_nul_refused),
	cmocka_unit_test(test_json_empty_command_refused),
	cmocka_unit_test(test_check_allowed_command_passes),
	cmocka_unit_test(test_check_not_in_allowlist_refused),
	cmocka_unit_test(test_check_pcvv_refused_under_pcp_glob_full_mode),
	cmocka_unit_test(test_check_pcvv_admitted_under_pcp_glob_prefix_mode),
	cmocka_unit_test(test_check_pop02xyz_refused_under_pop_range),
	cmocka_unit_test(test_check_pop09_refused_naming_protocol),
	cmocka_unit_test(test_check_brace_pattern_is_literal),
	cmocka_unit_test(test_check_allow_undefined_lets_raw_command_through),
	cmocka_unit_test(test_check_no_protocol_refused),
	cmocka_unit_test(test_check_no_allowlist_refuses_everything),
	cmocka_unit_test(test_check_nbsp_command_refused),
	cmocka_unit_test(test_escape_shows_bytes_safely),
	cmocka_unit_test(test_escape_truncates_with_marker),
};

#include "testmain.h"
MPPD_TEST_MAIN(tests)

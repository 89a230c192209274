/*
 * test_allow.c - allowlist matching, full (mppd) and prefix (reference),
 * with mpp-solar's prefix rule (docs/compatibility.md, mqtt_cmd_match), and the glob detector.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <cmocka.h>

#include "allow.h"
#include "sbuf.h"

static struct allowlist *
one(const char *pattern, enum cmd_match mode)
{
	char *p[1] = { (char *)pattern };
	struct allowlist *a = allow_compile(p, 1, mode, NULL);

	assert_non_null(a);
	return a;
}

static int
admits(const char *pattern, enum cmd_match mode, const char *cmd)
{
	struct allowlist *a = one(pattern, mode);
	int r = allow_match(a, cmd);

	allow_free(a);
	return r;
}

/* prefix = mpp-solar's re.match (docs/compatibility.md). */
static void
test_allow_prefix_reproduces_reference_table(void **state)
{
	(void)state;
	assert_true(admits("PCP*", MATCH_PREFIX, "PCP00"));
	assert_true(admits("PCP*", MATCH_PREFIX, "PCVV48.0"));
	assert_false(admits("PCP*", MATCH_PREFIX, "MCHGC040"));
	assert_false(admits("PCP*", MATCH_PREFIX, "MCHGC{0-1}00"));
	assert_false(admits("MCHGC{0-1}[0-6][0-2]", MATCH_PREFIX, "PCP00"));
	assert_false(admits("MCHGC{0-1}[0-6][0-2]", MATCH_PREFIX, "PCVV48.0"));
	assert_false(admits("MCHGC{0-1}[0-6][0-2]", MATCH_PREFIX, "MCHGC040"));
	assert_true(admits("MCHGC{0-1}[0-6][0-2]", MATCH_PREFIX,
	    "MCHGC{0-1}00"));
	assert_true(admits("QPI", MATCH_PREFIX, "QPIGS"));
	assert_true(admits("QPI", MATCH_PREFIX, "QPIRI"));
	assert_true(admits("POP0[0-2]", MATCH_PREFIX, "POP021"));
}

static void
test_allow_full_rejects_prefix_match(void **state)
{
	(void)state;
	/* PCP* = "PC" then any number of "P": the whole command only. */
	assert_false(admits("PCP*", MATCH_FULL, "PCP00"));
	assert_false(admits("PCP*", MATCH_FULL, "PCVV48.0"));
	assert_true(admits("PCP*", MATCH_FULL, "PC"));
	assert_true(admits("PCP*", MATCH_FULL, "PCPP"));
	assert_false(admits("POP0[0-2]", MATCH_FULL, "POP021"));
	assert_true(admits("POP0[0-2]", MATCH_FULL, "POP02"));
	assert_false(admits("POP0[0-2]", MATCH_FULL, "POP03"));
	assert_false(admits("QPI", MATCH_FULL, "QPIGS"));
	assert_true(admits("QPI", MATCH_FULL, "QPI"));
	assert_false(admits("MCHGC{0-1}[0-6][0-2]", MATCH_FULL, "MCHGC040"));
	assert_true(admits("MCHGC{0-1}[0-6][0-2]", MATCH_FULL,
	    "MCHGC{0-1}00"));
	/* The suggested fixes do what was meant. */
	assert_true(admits("PCP.*", MATCH_FULL, "PCP00"));
	assert_false(admits("PCP.*", MATCH_FULL, "PCVV48.0"));
	assert_true(admits("MCHGC[0-1][0-6][0-2]", MATCH_FULL, "MCHGC040"));
}

static void
test_allow_full_is_anchored_at_start(void **state)
{
	(void)state;
	assert_false(admits("QPI", MATCH_FULL, "XQPI"));
	assert_false(admits("QPI", MATCH_PREFIX, "XQPI"));
}

/* Like re.fullmatch, alternatives are retried to reach the end. */
static void
test_allow_full_backtracks_into_alternatives(void **state)
{
	(void)state;
	assert_true(admits("QPI|QPIGS", MATCH_FULL, "QPIGS"));
	assert_true(admits("QPI|QPIGS", MATCH_FULL, "QPI"));
	assert_false(admits("QPI|QPIGS", MATCH_FULL, "QPIRI"));
}

static void
test_allow_any_pattern_of_list_admits(void **state)
{
	char *p[] = { "QPI", "POP0[0-2]", "PCP0[0-3]" };
	struct allowlist *a;

	(void)state;
	a = allow_compile(p, 3, MATCH_FULL, NULL);
	assert_non_null(a);
	assert_int_equal(allow_count(a), 3);
	assert_string_equal(allow_pattern(a, 1), "POP0[0-2]");
	assert_null(allow_pattern(a, 3));
	assert_true(allow_match(a, "QPI"));
	assert_true(allow_match(a, "POP01"));
	assert_true(allow_match(a, "PCP03"));
	assert_false(allow_match(a, "PCP04"));
	assert_false(allow_match(a, ""));
	assert_false(allow_match(a, NULL));
	allow_free(a);
}

static void
test_allow_empty_list_allows_nothing(void **state)
{
	struct allowlist *a;

	(void)state;
	a = allow_compile(NULL, 0, MATCH_FULL, NULL);
	assert_non_null(a);
	assert_false(allow_match(a, "QPI"));
	assert_false(allow_match(a, ""));
	allow_free(a);
	assert_false(allow_match(NULL, "QPI"));
	allow_free(NULL);
}

static void
test_allow_bad_pattern_reports_text_and_offset(void **state)
{
	char *p[] = { "QPI", "POP0[0-2", "(PCP" };
	struct sbuf err = SBUF_INIT;

	(void)state;
	assert_null(allow_compile(p, 3, MATCH_FULL, &err));
	assert_non_null(strstr(sbuf_str(&err), "invalid regular expression "
	    "'POP0[0-2': missing terminating ] for character class at "
	    "offset 8\n"));
	assert_non_null(strstr(sbuf_str(&err), "'(PCP': missing closing "
	    "parenthesis at offset 4\n"));
	assert_null(strstr(sbuf_str(&err), "'QPI'"));
	sbuf_free(&err);
}

static void
test_allow_invalid_utf8_command_is_denied(void **state)
{
	(void)state;
	assert_false(admits(".*", MATCH_FULL, "QPI\xff"));
	assert_true(admits(".*", MATCH_FULL, "QPI"));
}

static void
test_allow_dollar_and_newline(void **state)
{
	(void)state;
	/* A command never has a line break (refused earlier), but the
	 * full match must not let one through either. */
	assert_false(admits("QPI", MATCH_FULL, "QPI\n"));
}

static void
test_allow_glob_detector_flags_star_after_letter(void **state)
{
	char s[64];

	(void)state;
	assert_true(allow_looks_like_glob("PCP*", s, sizeof(s)));
	assert_string_equal(s, "PCP.*");
	assert_true(allow_looks_like_glob("POP*1", s, sizeof(s)));
	assert_string_equal(s, "POP.*1");
	assert_true(allow_looks_like_glob("PCP0*", s, sizeof(s)));
	assert_string_equal(s, "PCP0.*");
}

static void
test_allow_glob_detector_flags_brace_range(void **state)
{
	char s[64];

	(void)state;
	assert_true(allow_looks_like_glob("MCHGC{0-1}[0-6][0-2]", s,
	    sizeof(s)));
	assert_string_equal(s, "MCHGC[0-1][0-6][0-2]");
	assert_true(allow_looks_like_glob("MUCHGC{0-1}*", s, sizeof(s)));
	assert_string_equal(s, "MUCHGC[0-1]*");
}

static void
test_allow_glob_detector_ignores_regexes(void **state)
{
	static const char *const ok[] = {
		"PCP.*", "POP0[0-2]", "\\d*", "[A-Z]*", "(P)*", "QPI",
		"PBT\\*", "PCP0{1,2}", "PCP0{2}", "[*]", "[]A*]", "Q.*",
		"PSDV[0-9]+\\.[0-9]", ""
	};
	char s[64];

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (allow_looks_like_glob(ok[i], s, sizeof(s)))
			fail_msg("'%s' flagged as a glob (suggested '%s')",
			    ok[i], s);
		assert_string_equal(s, "");
	}
	assert_false(allow_looks_like_glob(NULL, NULL, 0));
}

static void
test_allow_glob_suggestion_truncates(void **state)
{
	char s[4];

	(void)state;
	assert_true(allow_looks_like_glob("PCP*", s, sizeof(s)));
	assert_string_equal(s, "PCP");
	assert_true(allow_looks_like_glob("PCP*", NULL, 0));
}

static void
test_allow_glob_warning_text(void **state)
{
	struct sbuf w = SBUF_INIT;

	(void)state;
	assert_true(allow_glob_explain("PCP*", &w));
	assert_string_equal(sbuf_str(&w), "allowlist pattern 'PCP*' looks "
	    "like a shell glob; it means \"PC followed by any number of P\" - "
	    "did you mean 'PCP.*'?");
	sbuf_reset(&w);
	assert_true(allow_glob_explain("P*", &w));
	assert_non_null(strstr(sbuf_str(&w), "it means \"any number of P\""));
	sbuf_reset(&w);
	assert_true(allow_glob_explain("MCHGC{0-1}[0-6][0-2]", &w));
	assert_non_null(strstr(sbuf_str(&w), "\"{0-1}\" is not a range"));
	assert_non_null(strstr(sbuf_str(&w),
	    "did you mean 'MCHGC[0-1][0-6][0-2]'?"));
	sbuf_reset(&w);
	assert_false(allow_glob_explain("PCP.*", &w));
	assert_string_equal(sbuf_str(&w), "");
	sbuf_free(&w);
}

struct race {
	const struct allowlist	*a;
	int			 bad;
};

static void *
race_worker(void *arg)
{
	struct race *r = arg;

	for (int i = 0; i < 2000; i++) {
		if (!allow_match(r->a, "POP02") || allow_match(r->a, "POP021"))
			r->bad++;
	}
	return NULL;
}

/* One list matched from several threads at once (run under TSan too). */
static void
test_allow_match_concurrently(void **state)
{
	char *p[] = { "QPI", "POP0[0-2]" };
	struct race r[4];
	pthread_t t[4];
	struct allowlist *a;

	(void)state;
	a = allow_compile(p, 2, MATCH_FULL, NULL);
	assert_non_null(a);
	for (int i = 0; i < 4; i++) {
		r[i].a = a;
		r[i].bad = 0;
		assert_int_equal(pthread_create(&t[i], NULL, race_worker,
		    &r[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(r[i].bad, 0);
	}
	allow_free(a);
}

/* Devices with the same list share one compiled list; each lets go of it
 * on its own, and the others keep matching. */
static void
test_allow_same_lists_are_shared_and_outlive_each_holder(void **state)
{
	char *p[2] = { "POP0[0-2]", "QPIGS" };
	char *q[2] = { "POP0[0-2]", "QPIRI" };
	struct allowlist *a = allow_compile(p, 2, MATCH_FULL, NULL);
	struct allowlist *b = allow_compile(p, 2, MATCH_FULL, NULL);
	struct allowlist *pre = allow_compile(p, 2, MATCH_PREFIX, NULL);
	struct allowlist *other = allow_compile(q, 2, MATCH_FULL, NULL);

	assert_non_null(a);
	assert_ptr_equal(a, b);
	assert_ptr_not_equal(a, pre);
	assert_ptr_not_equal(a, other);
	allow_free(a);
	assert_int_equal(allow_match(b, "QPIGS"), 1);
	assert_int_equal(allow_match(b, "QPIGSX"), 0);
	assert_int_equal(allow_match(pre, "QPIGSX"), 1);
	assert_int_equal(allow_match(other, "QPIGS"), 0);
	assert_int_equal(allow_match(other, "QPIRI"), 1);
	assert_string_equal(allow_pattern(b, 1), "QPIGS");
	allow_free(b);
	allow_free(pre);
	allow_free(other);
	/* compiled again after the last holder let go: a working list */
	a = allow_compile(p, 2, MATCH_FULL, NULL);
	assert_int_equal(allow_match(a, "POP01"), 1);
	allow_free(a);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_allow_prefix_reproduces_reference_table),
	cmocka_unit_test(test_allow_full_rejects_prefix_match),
	cmocka_unit_test(test_allow_full_is_anchored_at_start),
	cmocka_unit_test(test_allow_full_backtracks_into_alternatives),
	cmocka_unit_test(test_allow_any_pattern_of_list_admits),
	cmocka_unit_test(test_allow_empty_list_allows_nothing),
	cmocka_unit_test(test_allow_bad_pattern_reports_text_and_offset),
	cmocka_unit_test(test_allow_invalid_utf8_command_is_denied),
	cmocka_unit_test(test_allow_dollar_and_newline),
	cmocka_unit_test(test_allow_glob_detector_flags_star_after_letter),
	cmocka_unit_test(test_allow_glob_detector_flags_brace_range),
	cmocka_unit_test(test_allow_glob_detector_ignores_regexes),
	cmocka_unit_test(test_allow_glob_suggestion_truncates),
	cmocka_unit_test(test_allow_glob_warning_text),
	cmocka_unit_test(test_allow_match_concurrently),
	cmocka_unit_test(test_allow_same_lists_are_shared_and_outlive_each_holder),
};

#include "testmain.h"
MPPD_TEST_MAIN(tests)

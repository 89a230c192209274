/*
 * test_vectors.c - every golden vector of the reference (tests/vectors,
 * copied from shared/vectors) through the real CLI:
 *   mppd -P <protocol> -c <command> --print-request   == full_command_hex
 *   mppd -P <protocol> -c <command> --decode <hex> -o json == stdout
 * compared byte for byte (that is stricter than "as parsed values": key
 * order, number types and Python's float repr all show in the text).
 * Deviations (docs/protocols.md): records where the reference crashed are
 * skipped, unknown extra tokens are plain strings, not b'...' reprs, and
 * the debug lines the reference prints before its JSON (PI17) are not
 * printed: only the JSON line is compared.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "sbuf.h"
#include "testmain.h"

#define VECTORS MPPD_SOURCE_DIR "/tests/vectors/"

/* Expected text with the b'...' repr of unknown tokens made plain. */
static char *
deviate(const char *exp)
{
	struct sbuf s = SBUF_INIT;
	const char *p = exp, *k;
	static const char key[] = "\"unknown_value_in_response_";

	while ((k = strstr(p, key)) != NULL) {
		const char *v = strstr(k, "\": \"b'");
		const char *end;
		if (v == NULL) {
			break;
		}
		v += 4;		/* at the b of b'...' */
		end = strstr(v, "'\"");
		if (end == NULL)
			break;
		sbuf_add(&s, p, (size_t)(v - p));
		sbuf_add(&s, v + 2, (size_t)(end - (v + 2)));
		sbuf_addc(&s, '"');
		p = end + 2;
	}
	sbuf_adds(&s, p);
	return sbuf_steal(&s);
}

/* Hex of the response, or NULL when the record has none we can decode. */
static char *
response_hex(const cJSON *rec)
{
	const cJSON *h = cJSON_GetObjectItemCaseSensitive(rec, "response_hex");
	const cJSON *str;
	struct sbuf s = SBUF_INIT;

	if (cJSON_IsString(h))
		return strdup(h->valuestring);
	if (cJSON_IsObject(h) &&
	    cJSON_IsString(str = cJSON_GetObjectItemCaseSensitive(h, "__str__"))) {
		for (const char *p = str->valuestring; *p; p++)
			sbuf_printf(&s, "%02x", (unsigned char)*p);
		return sbuf_steal(&s);
	}
	return NULL;
}

static void
run_file(const char *proto, int decode, int min)
{
	char path[512], line[1 << 17];
	FILE *f;
	int n = 0, bad = 0, skipped = 0;

	snprintf(path, sizeof(path), VECTORS "%s.jsonl", proto);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		cJSON *rec = cJSON_Parse(line);
		const char *cmd, *exp;
		char *out = NULL, *hex = NULL, *want = NULL;
		int rc;

		assert_non_null(rec);
		/* records of the reference's own failures (no command text,
		 * or no request: VE.Direct's streamed and HEX commands were
		 * not recorded as bytes) have nothing to compare */
		if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(rec,
		    "command")) || (!decode &&
		    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(rec,
		    "full_command_hex")))) {
			skipped++;
			cJSON_Delete(rec);
			continue;
		}
		cmd = cJSON_GetObjectItemCaseSensitive(rec, "command")->valuestring;
		if (!decode) {
			const char *argv[] = { MPPD_BIN, "-P", proto, "-c", cmd,
				"--print-request", NULL };
			exp = cJSON_GetObjectItemCaseSensitive(rec,
			    "full_command_hex")->valuestring;
			rc = h_run(argv, &out, NULL, 10000);
			if (rc != 0 || out == NULL || strncmp(out, exp, strlen(exp)) != 0 ||
			    out[strlen(exp)] != '\n') {
				fprintf(stderr, "%s %s: request %s, want %s\n", proto,
				    cmd, out ? out : "(none)", exp);
				bad++;
			}
			n++;
			free(out);
			cJSON_Delete(rec);
			continue;
		}
		if (!cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(rec, "exception")) ||
		    cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(rec, "json_output")) ||
		    (hex = response_hex(rec)) == NULL) {
			skipped++;
			cJSON_Delete(rec);
			continue;
		}
		{
			const char *argv[] = { MPPD_BIN, "-P", proto, "-c", cmd,
				"--decode", hex, "-o", "json", NULL };
			rc = h_run(argv, &out, NULL, 10000);
		}
		exp = cJSON_GetObjectItemCaseSensitive(rec, "stdout")->valuestring;
		/* The reference's debug lines before its JSON: mppd prints
		 * only the JSON, its last line. */
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec,
		    "stdout_debug_lines_dropped"))) {
			const char *last = exp + strlen(exp);
			if (last > exp && last[-1] == '\n')
				last--;
			while (last > exp && last[-1] != '\n')
				last--;
			exp = last;
		}
		want = deviate(exp);
		if (rc != 0 || out == NULL || strcmp(out, want) != 0) {
			fprintf(stderr, "%s %s (reply %s):\n  got  %s  want %s", proto,
			    cmd, hex, out ? out : "(none)\n", want);
			bad++;
		}
		n++;
		free(want);
		free(hex);
		free(out);
		cJSON_Delete(rec);
	}
	fclose(f);
	fprintf(stderr, "%s: %d vectors checked, %d differ, %d skipped\n", proto,
	    n, bad, skipped);
	assert_true(n >= min);
	assert_int_equal(bad, 0);
}

static void test_pi30_requests(void **s) { (void)s; run_file("PI30", 0, 50); }
static void test_pi30_decode(void **s) { (void)s; run_file("PI30", 1, 50); }
static void test_pi30max_requests(void **s) { (void)s; run_file("PI30MAX", 0, 50); }
static void test_pi30max_decode(void **s) { (void)s; run_file("PI30MAX", 1, 50); }
static void test_pi30m045_requests(void **s) { (void)s; run_file("PI30M045", 0, 50); }
static void test_pi30m045_decode(void **s) { (void)s; run_file("PI30M045", 1, 50); }

static void test_pi16_requests(void **s) { (void)s; run_file("PI16", 0, 15); }
static void test_pi16_decode(void **s) { (void)s; run_file("PI16", 1, 12); }
static void test_pi17_requests(void **s) { (void)s; run_file("PI17", 0, 81); }
static void test_pi17_decode(void **s) { (void)s; run_file("PI17", 1, 80); }
static void test_pi18_requests(void **s) { (void)s; run_file("PI18", 0, 36); }
static void test_pi18_decode(void **s) { (void)s; run_file("PI18", 1, 36); }

/* Battery monitors: Daly, JK, Victron VE.Direct. */
static void test_daly_requests(void **s) { (void)s; run_file("DALY", 0, 11); }
static void test_daly_decode(void **s) { (void)s; run_file("DALY", 1, 11); }
static void test_jk232_requests(void **s) { (void)s; run_file("JK232", 0, 1); }
static void test_jk232_decode(void **s) { (void)s; run_file("JK232", 1, 1); }
static void test_jk485_requests(void **s) { (void)s; run_file("JK485", 0, 1); }
static void test_jk485_decode(void **s) { (void)s; run_file("JK485", 1, 1); }
static void test_jkserial_requests(void **s) { (void)s; run_file("JKSERIAL", 0, 2); }
static void test_jkserial_decode(void **s) { (void)s; run_file("JKSERIAL", 1, 2); }
static void test_jk02_requests(void **s) { (void)s; run_file("JK02", 0, 8); }
static void test_jk02_decode(void **s) { (void)s; run_file("JK02", 1, 8); }
static void test_ved_decode(void **s) { (void)s; run_file("VED", 1, 5); }

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_pi30_requests),
	cmocka_unit_test(test_pi30_decode),
	cmocka_unit_test(test_pi30max_requests),
	cmocka_unit_test(test_pi30max_decode),
	cmocka_unit_test(test_pi30m045_requests),
	cmocka_unit_test(test_pi30m045_decode),
	cmocka_unit_test(test_pi16_requests),
	cmocka_unit_test(test_pi16_decode),
	cmocka_unit_test(test_pi17_requests),
	cmocka_unit_test(test_pi17_decode),
	cmocka_unit_test(test_pi18_requests),
	cmocka_unit_test(test_pi18_decode),
	cmocka_unit_test(test_daly_requests),
	cmocka_unit_test(test_daly_decode),
	cmocka_unit_test(test_jk232_requests),
	cmocka_unit_test(test_jk232_decode),
	cmocka_unit_test(test_jk485_requests),
	cmocka_unit_test(test_jk485_decode),
	cmocka_unit_test(test_jkserial_requests),
	cmocka_unit_test(test_jkserial_decode),
	cmocka_unit_test(test_jk02_requests),
	cmocka_unit_test(test_jk02_decode),
	cmocka_unit_test(test_ved_decode),
};

MPPD_TEST_MAIN(tests)

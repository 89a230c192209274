/*
 * test_pi1x.c - PI16, PI17 and PI18 framing (docs/protocols.md): request
 * bytes, the reply's frame length, validity check and fields.
 */
#include <stdlib.h>
#include <string.h>

#include "pi1x.h"
#include "proto.h"
#include "sbuf.h"
#include "testmain.h"

static int
setup(void **state)
{
	(void)state;
	return proto_init();
}

static void
expect_frame(const char *proto, const char *cmd, const char *want, size_t n)
{
	uint8_t buf[256];
	char err[160];
	int got = proto_frame(proto_find(proto), cmd, buf, sizeof(buf), err,
	    sizeof(err));

	assert_int_equal(got, (int)n);
	assert_memory_equal(buf, want, n);
}

static void
test_requests_of_each_family(void **state)
{
	(void)state;
	expect_frame("PI16", "QPIGS", "QPIGS\r", 6);
	expect_frame("PI16", "QED20210726", "QED20210726110\r", 15);
	expect_frame("PI17", "GS", "^P003GS\r", 8);
	expect_frame("PI17", "LON1", "^S005LON1\r", 10);
	expect_frame("PI17", "EY2021", "^P010EY2021162\r", 15);
	expect_frame("PI18", "GS", "^P005GSX\x14\r", 10);
	expect_frame("PI18", "POP1", "^S007POP1\x0e\x10\r", 12);
	expect_frame("PI18LVX", "GS", "^P005GS\r", 8);
	expect_frame("PI18SV", "GS", "^P005GS\r", 8);	/* nocrc in its table */
}

static void
test_refused_argument_is_never_framed(void **state)
{
	uint8_t buf[64];
	char err[160];

	(void)state;
	assert_int_equal(proto_frame(proto_find("PI18"), "POP9", buf,
	    sizeof(buf), err, sizeof(err)), -1);
	assert_string_equal(err, "Command POP9 is not a command of protocol "
	    "PI18, or its argument is invalid");
	assert_int_equal(proto_frame(proto_find("PI17"), "MCHGV0999,0540", buf,
	    sizeof(buf), err, sizeof(err)), -1);
	/* PI16 sends undefined text as the reference does */
	expect_frame("PI16", "QXYZ", "QXYZ\r", 5);
}

static void
test_frame_length_follows_the_length_prefix(void **state)
{
	static const uint8_t t[] = "^D01720210521234743\rR\r";

	(void)state;
	/* the CRC holds a CR: the length prefix, not the first CR, ends it */
	assert_int_equal(pi1x_frame_len(t, sizeof(t) - 1), 22);
	assert_int_equal(pi1x_frame_len(t, 20), 0);
	assert_int_equal(pi1x_frame_len((const uint8_t *)"^D0", 3), 0);
	assert_int_equal(pi1x_frame_len((const uint8_t *)"^1\x0b\xc2\r", 5), 5);
	assert_int_equal(pi1x_frame_len((const uint8_t *)"^0\x1b", 3), 0);
	assert_int_equal(pi1x_frame_len((const uint8_t *)"(PI16\x9c\xaf\rxx", 10), 8);
	assert_int_equal(pi1x_frame_len((const uint8_t *)"^Dx1\rzz", 7), 5);
}

static void
test_pi17_checks_its_crc_pi18_does_not(void **state)
{
	static const uint8_t good[] = "^D00517\xca\xec\r", bad[] = "^D00517\xca\xed\r";

	(void)state;
	assert_null(pi1x_validate(proto_find("PI17"), good, sizeof(good) - 1));
	assert_string_equal(pi1x_validate(proto_find("PI17"), bad,
	    sizeof(bad) - 1), "Error: CRC error P17");
	assert_string_equal(pi1x_validate(proto_find("PI17"), good, 2),
	    "Error: CRC error P17");
	assert_null(pi1x_validate(proto_find("PI18"), bad, sizeof(bad) - 1));
	assert_null(pi1x_validate(proto_find("PI16"), bad, 0));
}

static void
test_fields_ack_nak_and_trimming(void **state)
{
	static const uint8_t d[] = "^D0102,3 4\x01\x02\r";
	struct pi_span *s = NULL;
	int n;

	(void)state;
	n = pi1x_split(proto_find("PI17"), d, sizeof(d) - 1, &s);
	assert_int_equal(n, 3);		/* PI17: spaces are commas */
	assert_memory_equal(s[0].p, "2", 1);
	assert_int_equal(s[2].n, 1);
	free(s);
	n = pi1x_split(proto_find("PI18"), d, sizeof(d) - 1, &s);
	assert_int_equal(n, 2);
	assert_int_equal(s[1].n, 3);	/* "3 4" */
	free(s);
	n = pi1x_split(proto_find("PI18"), (const uint8_t *)"^0\x1b\xe3\r", 5, &s);
	assert_int_equal(n, 1);
	assert_memory_equal(s[0].p, "NAK", 3);
	free(s);
	n = pi1x_split(proto_find("PI17"), (const uint8_t *)"^1\x0b\xc2\r", 5, &s);
	assert_memory_equal(s[0].p, "ACK", 3);
	free(s);
	n = pi1x_split(proto_find("PI18"), (const uint8_t *)"", 0, &s);
	assert_int_equal(n, 1);
	assert_memory_equal(s[0].p, "No response", 11);
	free(s);
	n = pi1x_split(proto_find("PI16"), (const uint8_t *)"(1 2\x00\x00\r", 7, &s);
	assert_int_equal(n, 2);
	free(s);
	n = pi1x_split(proto_find("PI16"), (const uint8_t *)"(\r", 2, &s);
	assert_int_equal(n, 1);
	assert_int_equal(s[0].n, 0);
	free(s);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup(test_requests_of_each_family, setup),
	cmocka_unit_test_setup(test_refused_argument_is_never_framed, setup),
	cmocka_unit_test_setup(test_frame_length_follows_the_length_prefix, setup),
	cmocka_unit_test_setup(test_pi17_checks_its_crc_pi18_does_not, setup),
	cmocka_unit_test_setup(test_fields_ack_nak_and_trimming, setup),
};

MPPD_TEST_MAIN(tests)

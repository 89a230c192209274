/*
 * test_pi1x.c - the PI16, PI17 and PI18 families (docs/protocols.md):
 * request bytes, the reply's frame length, validity check, fields and
 * acknowledgements, through the family interface.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "family.h"
#include "proto.h"
#include "sbuf.h"
#include "testmain.h"

static int
setup(void **state)
{
	(void)state;
	return proto_init();
}

static int
flen(const uint8_t *b, size_t n)
{
	return proto_frame_len(proto_find("PI18"), b, n);
}

/* The family's validity verdict: NULL valid, else its text. */
static const char *
validate(const char *proto, const uint8_t *s, size_t n)
{
	static char bad[64];
	const struct pi_proto *p = proto_find(proto);
	struct proto_reply rep;
	char err[64];

	if (p->family->split(p, s, n, &rep, err, sizeof(err)) == 0) {
		proto_reply_free(&rep);
		return NULL;
	}
	snprintf(bad, sizeof(bad), "%s", rep.bad);
	proto_reply_free(&rep);
	return bad;
}

/* The fields of a reply (caller frees *out via proto_reply_free). */
static int
split(const char *proto, const uint8_t *s, size_t n, struct proto_reply *rep)
{
	const struct pi_proto *p = proto_find(proto);
	char err[64];

	assert_int_equal(p->family->split(p, s, n, rep, err, sizeof(err)), 0);
	return rep->ntok;
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
	assert_int_equal(flen(t, sizeof(t) - 1), 22);
	assert_int_equal(flen(t, 20), 0);
	assert_int_equal(flen((const uint8_t *)"^D0", 3), 0);
	assert_int_equal(flen((const uint8_t *)"^1\x0b\xc2\r", 5), 5);
	assert_int_equal(flen((const uint8_t *)"^0\x1b", 3), 0);
	assert_int_equal(flen((const uint8_t *)"(PI16\x9c\xaf\rxx", 10), 8);
	assert_int_equal(proto_frame_len(proto_find("PI16"),
	    (const uint8_t *)"(PI16\x9c\xaf\rxx", 10), 8);
	assert_int_equal(flen((const uint8_t *)"^Dx1\rzz", 7), 5);
}

static void
test_pi17_checks_its_crc_pi18_does_not(void **state)
{
	static const uint8_t good[] = "^D00517\xca\xec\r", bad[] = "^D00517\xca\xed\r";

	(void)state;
	assert_null(validate("PI17", good, sizeof(good) - 1));
	assert_string_equal(validate("PI17", bad, sizeof(bad) - 1),
	    "Error: CRC error P17");
	assert_string_equal(validate("PI17", good, 2),
	    "Error: CRC error P17");
	assert_null(validate("PI18", bad, sizeof(bad) - 1));
	assert_null(validate("PI16", bad, 0));
}

static void
test_fields_ack_nak_and_trimming(void **state)
{
	static const uint8_t d[] = "^D0102,3 4\x01\x02\r";
	const struct pi_proto *p18 = proto_find("PI18");
	struct proto_reply r;

	(void)state;
	/* PI18: commas only */
	assert_int_equal(split("PI18", d, sizeof(d) - 1, &r), 2);
	assert_memory_equal(r.tok[0].p, "2", 1);
	assert_int_equal(r.tok[1].n, 3);	/* "3 4" */
	proto_reply_free(&r);
	assert_int_equal(split("PI18", (const uint8_t *)"^0\x1b\xe3\r", 5, &r), 1);
	assert_memory_equal(r.tok[0].p, "NAK", 3);
	proto_reply_free(&r);
	assert_int_equal(split("PI17", (const uint8_t *)"^1\x0b\xc2\r", 5, &r), 1);
	assert_memory_equal(r.tok[0].p, "ACK", 3);
	proto_reply_free(&r);
	/* PI17: spaces are commas too */
	assert_int_equal(split("PI17", (const uint8_t *)"^D0102 3,4\x42\x78\r",
	    13, &r), 3);
	proto_reply_free(&r);
	assert_int_equal(split("PI18", (const uint8_t *)"", 0, &r), 1);
	assert_memory_equal(r.tok[0].p, "No response", 11);
	proto_reply_free(&r);
	assert_int_equal(split("PI16", (const uint8_t *)"(1 2\x00\x00\r", 7, &r), 2);
	proto_reply_free(&r);
	assert_int_equal(split("PI16", (const uint8_t *)"(\r", 2, &r), 1);
	assert_int_equal(r.tok[0].n, 0);
	proto_reply_free(&r);
	/* acknowledgements: the exact frames only */
	assert_int_equal(proto_ack(p18, (const uint8_t *)"^1\x0b\xc2\r", 5),
	    PROTO_ACK_YES);
	assert_int_equal(proto_ack(p18, (const uint8_t *)"^0\x1b\xe3\r", 5),
	    PROTO_ACK_NO);
	assert_int_equal(proto_ack(p18, (const uint8_t *)"^1\x0b\xc2\rx", 6),
	    PROTO_ACK_NONE);
	assert_int_equal(proto_ack(proto_find("PI16"), (const uint8_t *)"(ACK9 \r",
	    7), PROTO_ACK_NONE);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup(test_requests_of_each_family, setup),
	cmocka_unit_test_setup(test_refused_argument_is_never_framed, setup),
	cmocka_unit_test_setup(test_frame_length_follows_the_length_prefix, setup),
	cmocka_unit_test_setup(test_pi17_checks_its_crc_pi18_does_not, setup),
	cmocka_unit_test_setup(test_fields_ack_nak_and_trimming, setup),
};

MPPD_TEST_MAIN(tests)

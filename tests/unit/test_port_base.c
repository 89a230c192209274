/*
 * test_port_base.c - what every port type shares (port.h): the frame rule
 * (the protocol's frame_len, or complete at the first CR) and the reopen
 * state (a failed link answers with its last error until the reopen delay
 * has passed; the delay grows and is capped).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "port.h"
#include "port_util.h"

static const struct port_ops no_ops;

/* A binary-style rule: byte 0 is the frame length; 0xFF is never valid. */
static int
len_prefixed(const struct pi_proto *proto, const uint8_t *buf, size_t len)
{
	(void)proto;
	if (len == 0)
		return 0;
	if (buf[0] == 0xFF)
		return -1;
	return len >= buf[0] ? buf[0] : 0;
}

static void
test_default_frame_ends_at_first_cr_inclusive(void **state)
{
	struct port p;

	port_base_init(&p, &no_ops, PORT_SERIAL, NULL, 30);
	assert_int_equal(port_frame_len(&p, (const uint8_t *)"(PI30", 5), 0);
	assert_int_equal(port_frame_len(&p, (const uint8_t *)"(PI30\r", 6), 6);
	assert_int_equal(port_frame_len(&p, (const uint8_t *)"(A\r(B\r", 6),
	    3);
	assert_int_equal(port_frame_len(&p, (const uint8_t *)"", 0), 0);
}

static void
test_protocol_frame_len_replaces_the_cr_rule(void **state)
{
	struct port_opts o = { .frame_len = len_prefixed };
	struct port p;
	const uint8_t f4[] = { 4, '\r', 'x', 'y', 'z' };
	const uint8_t bad[] = { 0xFF, 1, 2 };

	port_base_init(&p, &no_ops, PORT_HIDRAW, &o, 10);
	/* A CR is no frame end for this protocol. */
	assert_int_equal(port_frame_len(&p, f4, 2), 0);
	assert_int_equal(port_frame_len(&p, f4, 5), 4);
	assert_int_equal(port_frame_len(&p, bad, 3), -1);
}

static void
test_reopen_delay_grows_and_is_capped(void **state)
{
	assert_int_equal(port_reopen_delay_ms(1, 30), 0);
	assert_int_equal(port_reopen_delay_ms(2, 30), 1000);
	assert_int_equal(port_reopen_delay_ms(3, 30), 2000);
	assert_int_equal(port_reopen_delay_ms(6, 30), 16000);
	assert_int_equal(port_reopen_delay_ms(7, 30), 30000);
	assert_int_equal(port_reopen_delay_ms(1000, 30), 30000);
	/* A cap below the doubling wins. */
	assert_int_equal(port_reopen_delay_ms(6, 10), 10000);
}

static void
test_failed_link_repeats_its_error_until_reopen_is_due(void **state)
{
	struct port p;
	struct port_reply out;

	port_base_init(&p, &no_ops, PORT_HIDRAW, NULL, 30);
	assert_int_equal(port_reopen_due(&p, &out), 0);
	assert_int_equal(port_link_failures(&p), 0);
	/* First failure: no delay, a single glitch costs nothing. */
	assert_int_equal(port_link_failed(&p, &out, "bridge gone"), -1);
	assert_string_equal(out.err, "bridge gone");
	assert_int_equal(port_reopen_due(&p, &out), 0);
	/* Second and third: the reopen waits, answering the last error. */
	port_link_failed(&p, &out, "connection refused");
	port_link_failed(&p, &out, "still refused");
	assert_int_equal(port_link_failures(&p), 3);
	memset(&out, 0, sizeof(out));
	out.len = 7;
	assert_int_equal(port_reopen_due(&p, &out), -1);
	assert_string_equal(out.err, "still refused");
	assert_int_equal(out.len, 0);
	/* An exchange that went through clears it all. */
	port_link_ok(&p);
	assert_int_equal(port_link_failures(&p), 0);
	assert_int_equal(port_reopen_due(&p, &out), 0);
	assert_int_equal(port_link_failures(NULL), 0);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_default_frame_ends_at_first_cr_inclusive),
	cmocka_unit_test(test_protocol_frame_len_replaces_the_cr_rule),
	cmocka_unit_test(test_reopen_delay_grows_and_is_capped),
	cmocka_unit_test(test_failed_link_repeats_its_error_until_reopen_is_due),
};

#include "testmain.h"
MPPD_TEST_MAIN(tests)

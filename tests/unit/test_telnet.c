/*
 * test_telnet.c - the RFC 2217 telnet parser and encoder (telnet.h):
 * what a ser2net telnet(rfc2217) accepter sends at connect is answered
 * without loops, data is unescaped, acknowledgements are recorded, and
 * requests are escaped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "telnet.h"

#define IAC	TELNET_IAC

/* What ser2net 4 sends first on a telnet(rfc2217) connection. */
static const uint8_t SER2NET_HELLO[] = {
	IAC, TELNET_WILL, TELNET_SGA, IAC, TELNET_DO, TELNET_SGA,
	IAC, TELNET_WILL, 1 /* ECHO */, IAC, TELNET_DONT, 1,
	IAC, TELNET_DO, TELNET_BINARY, IAC, TELNET_WILL, TELNET_BINARY,
	IAC, TELNET_DO, TELNET_COMPORT
};

static void
test_requested_options_are_not_answered_again(void **state)
{
	struct telnet t;
	uint8_t hello[32], data[16];
	size_t dlen = 0;

	telnet_init(&t);
	assert_int_equal(telnet_hello(&t, hello, sizeof(hello)), 15);
	assert_memory_equal(hello, ((uint8_t[]){ IAC, TELNET_WILL,
	    TELNET_COMPORT }), 3);
	telnet_recv(&t, SER2NET_HELLO, sizeof(SER2NET_HELLO), data, &dlen,
	    sizeof(data));
	assert_int_equal(dlen, 0);
	/* Only ECHO, which we never asked for, is refused. */
	assert_int_equal(t.answerlen, 3);
	assert_memory_equal(t.answer, ((uint8_t[]){ IAC, TELNET_DONT, 1 }),
	    3);
	assert_true(telnet_us(&t, TELNET_COMPORT));
	assert_true(telnet_us(&t, TELNET_BINARY));
	assert_true(telnet_him(&t, TELNET_BINARY));
	assert_true(telnet_him(&t, TELNET_SGA));
	assert_false(t.comport_refused);
}

static void
test_unasked_do_gets_will_once_and_unknown_gets_wont(void **state)
{
	struct telnet t;
	const uint8_t in[] = { IAC, TELNET_DO, TELNET_BINARY,
		IAC, TELNET_DO, TELNET_BINARY, IAC, TELNET_DO, 24 };
	uint8_t data[4];
	size_t dlen = 0;

	telnet_init(&t);
	telnet_recv(&t, in, sizeof(in), data, &dlen, sizeof(data));
	assert_int_equal(t.answerlen, 6);
	assert_memory_equal(t.answer, ((uint8_t[]){ IAC, TELNET_WILL,
	    TELNET_BINARY, IAC, TELNET_WONT, 24 }), 6);
}

static void
test_dont_comport_is_a_refusal(void **state)
{
	struct telnet t;
	uint8_t hello[32], data[4];
	const uint8_t in[] = { IAC, TELNET_DONT, TELNET_COMPORT };
	size_t dlen = 0;

	telnet_init(&t);
	telnet_hello(&t, hello, sizeof(hello));
	telnet_recv(&t, in, sizeof(in), data, &dlen, sizeof(data));
	assert_true(t.comport_refused);
	assert_false(telnet_us(&t, TELNET_COMPORT));
	assert_int_equal(t.answerlen, 0);
}

static void
test_settings_are_encoded_and_acks_recorded(void **state)
{
	struct telnet t;
	uint8_t buf[64], data[8];
	/* 2400 = 0x00000960; 0xFF inside a value is doubled. */
	const uint8_t want[] = {
		IAC, TELNET_SB, TELNET_COMPORT, 1, 0, 0, 9, 0x60, IAC, TELNET_SE,
		IAC, TELNET_SB, TELNET_COMPORT, 2, 8, IAC, TELNET_SE,
		IAC, TELNET_SB, TELNET_COMPORT, 3, 1, IAC, TELNET_SE,
		IAC, TELNET_SB, TELNET_COMPORT, 4, 1, IAC, TELNET_SE
	};
	const uint8_t acks[] = {
		IAC, TELNET_SB, TELNET_COMPORT, 101, 0, 0, 9, 0x60, IAC, TELNET_SE,
		IAC, TELNET_SB, TELNET_COMPORT, 107, 0, IAC, TELNET_SE,
		IAC, TELNET_SB, TELNET_COMPORT, 102, 8, IAC, TELNET_SE,
		IAC, TELNET_SB, TELNET_COMPORT, 103, 1, IAC, TELNET_SE,
		IAC, TELNET_SB, TELNET_COMPORT, 104, 1, IAC, TELNET_SE
	};
	size_t dlen = 0;
	int n;

	n = telnet_comport_settings(buf, sizeof(buf), 2400, 8, 'N', 1);
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	n = telnet_comport_settings(buf, sizeof(buf), 0x1FF, 7, 'E', 2);
	assert_memory_equal(buf + 4, ((uint8_t[]){ 0, 0, 1, IAC, IAC, IAC,
	    TELNET_SE }), 7);
	assert_int_equal(telnet_comport_settings(buf, sizeof(buf), 2400, 9,
	    'N', 1), -1);
	assert_int_equal(telnet_comport_settings(buf, sizeof(buf), 2400, 8,
	    'X', 1), -1);
	assert_int_equal(telnet_comport_settings(buf, 10, 2400, 8, 'N', 1),
	    -1);

	telnet_init(&t);
	/* Split anywhere: the state carries over between reads. */
	for (size_t i = 0; i < sizeof(acks); i++)
		telnet_recv(&t, acks + i, 1, data, &dlen, sizeof(data));
	assert_int_equal(dlen, 0);
	assert_int_equal(t.acks, TELNET_ACK_ALL);
	assert_int_equal(t.ack_baud, 2400);
	assert_int_equal(t.ack_datasize, 8);
	assert_int_equal(t.ack_parity, 1);
	assert_int_equal(t.ack_stopsize, 1);
}

static void
test_data_is_unescaped_around_commands(void **state)
{
	struct telnet t;
	const uint8_t in[] = { '(', 'A', IAC, IAC, 'B', IAC, 241 /* NOP */,
		IAC, TELNET_SB, TELNET_COMPORT, 106, 0x60, IAC, TELNET_SE,
		'C', '\r' };
	uint8_t data[16];
	size_t dlen = 0;

	telnet_init(&t);
	assert_int_equal(telnet_recv(&t, in, sizeof(in), data, &dlen,
	    sizeof(data)), 0);
	assert_int_equal(dlen, 6);
	assert_memory_equal(data, ((uint8_t[]){ '(', 'A', IAC, 'B', 'C',
	    '\r' }), 6);
}

static void
test_cr_nul_is_a_cr_unless_binary(void **state)
{
	struct telnet t;
	const uint8_t in[] = { 'A', '\r', 0, 'B' };
	const uint8_t will_bin[] = { IAC, TELNET_WILL, TELNET_BINARY };
	uint8_t data[8];
	size_t dlen = 0;

	telnet_init(&t);
	telnet_recv(&t, in, sizeof(in), data, &dlen, sizeof(data));
	assert_int_equal(dlen, 3);
	assert_memory_equal(data, "A\rB", 3);
	telnet_recv(&t, will_bin, sizeof(will_bin), data, &dlen,
	    sizeof(data));
	dlen = 0;
	telnet_recv(&t, in, sizeof(in), data, &dlen, sizeof(data));
	assert_int_equal(dlen, 4);
}

static void
test_data_beyond_room_is_counted_not_written(void **state)
{
	struct telnet t;
	uint8_t data[4] = { 0 };
	size_t dlen = 0;

	telnet_init(&t);
	assert_int_equal(telnet_recv(&t, (const uint8_t *)"ABCDEF", 6, data,
	    &dlen, 3), 3);
	assert_int_equal(dlen, 3);
	assert_int_equal(data[3], 0);
}

static void
test_overlong_subnegotiation_is_dropped(void **state)
{
	struct telnet t;
	uint8_t in[TELNET_SB_MAX + 16], data[4];
	size_t dlen = 0, n = 0;

	telnet_init(&t);
	in[n++] = IAC;
	in[n++] = TELNET_SB;
	in[n++] = TELNET_COMPORT;
	in[n++] = 101;
	while (n < sizeof(in) - 3)
		in[n++] = 1;
	in[n++] = IAC;
	in[n++] = TELNET_SE;
	in[n++] = 'x';
	telnet_recv(&t, in, n, data, &dlen, sizeof(data));
	assert_int_equal(t.acks, 0);
	assert_int_equal(dlen, 1);
	assert_int_equal(data[0], 'x');
}

static void
test_requests_are_escaped(void **state)
{
	struct telnet t;
	const uint8_t req[] = { 'Q', IAC, '\r' };
	uint8_t out[8];

	telnet_init(&t);
	/* Before BINARY is agreed a CR goes out as CR NUL (RFC 854). */
	assert_int_equal(telnet_escape(&t, req, sizeof(req), out,
	    sizeof(out)), 5);
	assert_memory_equal(out, ((uint8_t[]){ 'Q', IAC, IAC, '\r', 0 }), 5);
	t.us |= 1ULL << TELNET_BINARY;
	assert_int_equal(telnet_escape(&t, req, sizeof(req), out,
	    sizeof(out)), 4);
	assert_int_equal(telnet_escape(&t, req, sizeof(req), out, 3), -1);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_requested_options_are_not_answered_again),
	cmocka_unit_test(test_unasked_do_gets_will_once_and_unknown_gets_wont),
	cmocka_unit_test(test_dont_comport_is_a_refusal),
	cmocka_unit_test(test_settings_are_encoded_and_acks_recorded),
	cmocka_unit_test(test_data_is_unescaped_around_commands),
	cmocka_unit_test(test_cr_nul_is_a_cr_unless_binary),
	cmocka_unit_test(test_data_beyond_room_is_counted_not_written),
	cmocka_unit_test(test_overlong_subnegotiation_is_dropped),
	cmocka_unit_test(test_requests_are_escaped),
};

#include "testmain.h"
MPPD_TEST_MAIN(tests)

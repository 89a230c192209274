/*
 * test_proto_family.c - the family interface (src/proto/family.h) as the
 * PI30 family implements it: registration, request building, the frame
 * rule ports use (and a device's port gets), splitting and validating replies, reading a setter's
 * acknowledgement, judging arguments, reply shapes, and the decode kinds
 * the table generator writes.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "crc.h"
#include "device.h"
#include "family.h"
#include "port.h"
#include "proto.h"
#include "proto_pi30.h"
#include "result.h"
#include "sbuf.h"
#include "testmain.h"

/* text + CRC + CR into buf; returns the length. */
static size_t
pi30_frame(const char *text, uint8_t *buf)
{
	size_t n = strlen(text);

	memcpy(buf, text, n);
	crc_pi(text, n, buf + n);
	buf[n + 2] = '\r';
	return n + 3;
}

static void
test_every_protocol_has_a_registered_family(void **state)
{
	static const char *const pi30[] = { "PI30", "PI30MAX", "PI30M045",
		"PI30M044", "PI30MST", "PI41", "PI30REVO" };

	(void)state;
	assert_true(pi_nprotocols >= 7);
	for (int i = 0; i < pi_nprotocols; i++) {
		const struct proto_family *f = pi_protocols[i]->family;
		assert_non_null(f);
		assert_non_null(f->build);
		assert_non_null(f->split);
		assert_non_null(f->shape);
		assert_ptr_equal(proto_find(pi_protocols[i]->id), pi_protocols[i]);
	}
	for (size_t i = 0; i < sizeof(pi30) / sizeof(pi30[0]); i++) {
		const struct pi_proto *p = proto_find(pi30[i]);
		assert_non_null(p);
		assert_ptr_equal(p->family, &pi30_family);
		assert_string_equal(p->family->name, "PI30");
	}
	assert_int_equal(proto_find("PI30REVO")->variant, PI30_REVO);
	assert_int_equal(proto_find("PI30MAX")->variant, PI30_PLAIN);
	assert_null(proto_find("PI99"));
}

static void
test_build_frames_text_crc_and_cr(void **state)
{
	const struct pi_proto *p = proto_find("PI30");
	uint8_t buf[64];
	char err[64];
	int n;

	(void)state;
	n = p->family->build(p, "QPIGS", buf, sizeof(buf), err, sizeof(err));
	assert_int_equal(n, 8);
	assert_memory_equal(buf, "QPIGS\xb7\xa9\r", 8);
	/* a raw command without a definition is framed the same way */
	n = p->family->build(p, "QXYZ", buf, sizeof(buf), err, sizeof(err));
	assert_int_equal(n, 7);
	assert_int_equal(buf[6], '\r');
	/* text + 2 CRC bytes + CR must fit */
	assert_int_equal(p->family->build(p, "QPIGS", buf, 7, err, sizeof(err)),
	    -1);
	assert_string_equal(err, "command too long (5 bytes)");
	assert_int_equal(proto_frame(p, "QPIGS", buf, 8, err, sizeof(err)), 8);
}

static void
test_frame_len_completes_at_first_cr(void **state)
{
	const struct pi_proto *p = proto_find("PI30");
	const struct pi_proto *revo = proto_find("PI30REVO");
	uint8_t buf[64];
	size_t n = pi30_frame("(B", buf);

	(void)state;
	assert_int_equal(proto_frame_len(p, buf, 0), 0);
	assert_int_equal(proto_frame_len(p, buf, n - 1), 0);
	assert_int_equal(proto_frame_len(p, buf, n), (int)n);
	/* bytes after the CR belong to no frame of this reply */
	memcpy(buf + n, "(junk", 5);
	assert_int_equal(proto_frame_len(p, buf, n + 5), (int)n);
	/* REVO's CHK-framed replies end at CR as well */
	assert_int_equal(proto_frame_len(revo, (const uint8_t *)"(ACK9 \r", 7), 7);
	/* no protocol: the port's default rule */
	assert_int_equal(proto_frame_len(NULL, (const uint8_t *)"ab\rc", 4), 3);
	assert_int_equal(proto_frame_len(NULL, (const uint8_t *)"abc", 3), 0);
}

/* A device's port reads frames by its protocol's rule (the port contract). */
static void
test_device_port_uses_the_protocol_frame_rule(void **state)
{
	struct device_cfg dc;
	struct device *d;
	uint8_t buf[64];
	size_t n = pi30_frame("(B", buf);

	(void)state;
	memset(&dc, 0, sizeof(dc));
	dc.name = "inv";
	dc.protocol = "PI30";
	dc.port = "/dev/ttyUSB9";
	d = device_new(&dc);
	assert_non_null(d->port);
	assert_ptr_equal(d->port->proto, proto_find("PI30"));
	assert_true(d->port->frame_len == proto_frame_len);
	assert_int_equal(port_frame_len(d->port, buf, n), (int)n);
	assert_int_equal(port_frame_len(d->port, buf, n - 1), 0);
	device_free(d);
}

static void
test_split_checks_and_cuts_a_reply(void **state)
{
	const struct pi_proto *p = proto_find("PI30");
	struct proto_reply rep;
	uint8_t buf[128];
	char err[128];
	size_t n = pi30_frame("(230.0 50.0 0030", buf);

	(void)state;
	assert_int_equal(p->family->split(p, buf, n, &rep, err, sizeof(err)), 0);
	assert_null(rep.bad);
	assert_int_equal(rep.blen, 15);
	assert_memory_equal(rep.body, "230.0 50.0 0030", 15);
	assert_int_equal(rep.ntok, 3);
	assert_int_equal(rep.tok[2].n, 4);
	assert_memory_equal(rep.tok[2].p, "0030", 4);
	proto_reply_free(&rep);

	buf[n - 2] ^= 0x55;
	assert_int_equal(p->family->split(p, buf, n, &rep, err, sizeof(err)), 1);
	assert_string_equal(rep.bad, "Error: Invalid response CRCs");
	assert_int_equal(rep.ntok, 0);

	n = pi30_frame("(NAK", buf);
	assert_int_equal(p->family->split(p, buf, n, &rep, err, sizeof(err)), 1);
	assert_string_equal(rep.bad, "Error: NAK");

	assert_int_equal(p->family->split(p, (const uint8_t *)"(B\r", 3, &rep,
	    err, sizeof(err)), 1);
	assert_string_equal(rep.bad, "Error: Response to short");
}

static void
test_revo_split_raises_where_the_reference_raises(void **state)
{
	const struct pi_proto *p = proto_find("PI30REVO");
	struct proto_reply rep;
	char err[128];
	uint8_t f[8] = { '(', 'E', '~', 0x00, '\r' };

	(void)state;
	/* CHK of "(E~" is 0xec, not 0x00; the CRC does not fit either */
	assert_int_equal(p->family->split(p, f, 5, &rep, err, sizeof(err)), 1);
	assert_string_equal(rep.bad, "Error: Invalid response CRCs");
	/* bytes before CHK sum to 0xff: CHK would be 256 (bytes([256])) */
	f[0] = 0xff;
	f[1] = 0x00;
	f[2] = 0x00;
	f[3] = 0x00;
	f[4] = '\r';
	assert_int_equal(p->family->split(p, f, 5, &rep, err, sizeof(err)), -1);
	assert_string_equal(err, "bytes must be in range(0, 256)");
}

/*
 * A VE.Direct text block whose checksum byte happens to be ':' is still a
 * text block (it is not a HEX reply): it is a stream frame, intact, and
 * decodes.  V and I are chosen so that the checksum byte is ':'.
 */
static void
test_ved_block_with_a_colon_checksum_is_text(void **state)
{
	const struct pi_proto *p = proto_find("VED");
	uint8_t buf[256];
	struct result r;
	const struct entry *e;
	unsigned sum;
	int n = 0, v;

	(void)state;
	assert_non_null(p);
	for (v = 0; v < 100000; v++) {
		n = snprintf((char *)buf, sizeof(buf), "\r\nPID\t0xA389\r\nV\t%d"
		    "\r\nI\t-%d\r\nSOC\t800\r\nChecksum\t", 20000 + v % 1000,
		    v / 1000);
		sum = 0;
		for (int i = 0; i < n; i++)
			sum += buf[i];
		buf[n] = (uint8_t)(0x100 - (sum & 0xff));
		if (buf[n] == ':')
			break;
	}
	assert_int_equal(buf[n], ':');
	n++;
	assert_int_equal(proto_frame_len(p, buf, (size_t)n), n);
	assert_int_equal(proto_stream_frame(p, buf, (size_t)n), 1);
	assert_int_equal(proto_stream_ok(p, buf, (size_t)n), 1);
	result_init(&r);
	proto_decode(p, "vedtext", buf, (size_t)n, &r);
	assert_null(result_find(&r, "error"));
	e = result_find(&r, "State-of-charge");
	assert_non_null(e);
	result_free(&r);
	/* a HEX reply is no stream frame */
	assert_int_equal(proto_stream_frame(p, (const uint8_t *)":11641FD\n",
	    9), 0);
}

static void
test_ack_reads_setter_answers(void **state)
{
	const struct pi_proto *p = proto_find("PI30");
	uint8_t buf[64];
	size_t n;

	(void)state;
	n = pi30_frame("(ACK", buf);
	assert_int_equal(proto_ack(p, buf, n), PROTO_ACK_YES);
	n = pi30_frame("(NAK", buf);
	assert_int_equal(proto_ack(p, buf, n), PROTO_ACK_NO);
	n = pi30_frame("(230.0 50.0", buf);
	assert_int_equal(proto_ack(p, buf, n), PROTO_ACK_NONE);
	/* an ACK with a broken CRC is no acknowledgement */
	n = pi30_frame("(ACK", buf);
	buf[n - 3] ^= 0x01;
	assert_int_equal(proto_ack(p, buf, n), PROTO_ACK_NONE);
	assert_int_equal(proto_ack(p, (const uint8_t *)"", 0), PROTO_ACK_NONE);
	/* REVO's canned PSET answer */
	assert_int_equal(proto_ack(proto_find("PI30REVO"),
	    (const uint8_t *)"(ACK9 \r", 7), PROTO_ACK_YES);
}

static void
test_judge_refuses_arguments_outside_the_pattern(void **state)
{
	const struct pi_proto *p = proto_find("PI30");
	char cv[16];

	(void)state;
	assert_non_null(p->family->judge);
	assert_string_equal(pi_str(p->family->judge(p, "POP02", cv,
	    sizeof(cv))->key), "POP");
	assert_string_equal(cv, "02");
	assert_null(p->family->judge(p, "POP09", cv, sizeof(cv)));
	assert_null(proto_lookup(p, "POP", NULL, 0));
	assert_string_equal(pi_str(proto_lookup(p, "MCHGC040", cv, sizeof(cv))->key),
	    "MCHGC");
	assert_null(proto_lookup(p, "NOSUCH", NULL, 0));
}

static void
test_every_protocol_pattern_compiles(void **state)
{
	(void)state;
	for (int i = 0; i < pi_nprotocols; i++)
		assert_int_equal(proto_compile(pi_protocols[i]), 0);
}

/* Workers of different devices judging commands of one protocol at once,
 * the first use compiling its patterns: every one gets the definition. */
struct judge_arg {
	const struct pi_proto	*p;
	const char		*cmd, *key, *cv;
	int			 ok;
};

static void *
judge_thread(void *arg)
{
	struct judge_arg *a = arg;
	char cv[32];

	a->ok = 1;
	for (int i = 0; i < 50; i++) {
		const struct pi_cmd *d = proto_lookup(a->p, a->cmd, cv,
		    sizeof(cv));
		if (d == NULL || strcmp(pi_str(d->key), a->key) != 0 ||
		    strcmp(cv, a->cv) != 0)
			a->ok = 0;
	}
	return NULL;
}

static void
test_concurrent_first_lookups_agree(void **state)
{
	/* PI18's and PI17's patterns are compiled by no earlier case. */
	static const struct { const char *proto, *cmd, *key, *cv; } w[] = {
		{ "PI18", "MCHGC0,040", "MCHGC", "0,040" },
		{ "PI18", "MCHGC0,040", "MCHGC", "0,040" },
		{ "PI17", "MCHGC1200", "MCHGC", "1200" },
		{ "PI17", "MCHGC1200", "MCHGC", "1200" },
	};
	pthread_t t[4];
	struct judge_arg a[4];

	(void)state;
	for (int i = 0; i < 4; i++) {
		a[i].p = proto_find(w[i].proto);
		assert_non_null(a[i].p);
		a[i].cmd = w[i].cmd;
		a[i].key = w[i].key;
		a[i].cv = w[i].cv;
		assert_int_equal(pthread_create(&t[i], NULL, judge_thread,
		    &a[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_true(a[i].ok);
	}
}

static void
test_shape_describes_the_expected_reply(void **state)
{
	const struct pi_proto *p = proto_find("PI30");
	const struct pi_cmd *q = proto_lookup(p, "QPIGS", NULL, 0);
	struct proto_shape s;

	(void)state;
	assert_int_equal(proto_shape(p, "QPIGS", &s), 0);
	assert_int_equal(s.kind, PROTO_SHAPE_FIELDS);
	assert_int_equal(s.fields, q->nrows);
	/* The table's 21 rows and its sample reply's 21 fields: two fewer
	 * and four more are still QPIGS. */
	assert_int_equal(s.min_fields, 19);
	assert_int_equal(s.max_fields, 25);
	/* "230.0 50.0 ..." and "0500 0400 ...": the forms of the sample. */
	assert_true(s.dotted & 1);
	assert_true(s.plain & (1 << 4));
	assert_int_equal(s.frames, 1);
	assert_false(s.streamed);
	assert_int_equal(proto_shape(p, "POP02", &s), 0);
	assert_int_equal(s.kind, PROTO_SHAPE_ACK);
	assert_int_equal(proto_shape(p, "QMOD", &s), 0);
	assert_int_equal(s.kind, PROTO_SHAPE_FIELDS);
	assert_int_equal(s.fields, 1);
	assert_int_equal(proto_shape(p, "POP09", &s), -1);
	assert_int_equal(s.kind, PROTO_SHAPE_ANY);
}

/* "(" + payload + CRC + CR, in buf; returns the length. */
static size_t
frame_reply(const char *payload, uint8_t *buf, size_t cap)
{
	size_t n = strlen(payload);

	assert_true(n + 4 <= cap);
	buf[0] = '(';
	memcpy(buf + 1, payload, n);
	crc_pi(buf, n + 1, buf + n + 1);
	buf[n + 3] = '\r';
	return n + 4;
}

/* Every sample reply of every table fits its own command. */
static void
test_every_sample_reply_fits_its_command(void **state)
{
	char why[256];
	int checked = 0;

	(void)state;
	for (int i = 0; i < pi_nprotocols; i++) {
		const struct pi_proto *p = pi_protocols[i];
		for (int c = 0; c < p->ncmds; c++) {
			const struct pi_cmd *d = proto_cmd(p, c);
			if (d->regex != 0)
				continue;
			for (int k = 0; k < d->ncanned; k++) {
				if (!proto_fits(p, pi_str(d->key),
				    (const uint8_t *)pi_str(pi_cmd_canned(d, k)->data),
				    pi_cmd_canned(d, k)->len, why, sizeof(why)))
					fail_msg("%s %s sample %d: %s", p->id,
					    pi_str(d->key), k, why);
				checked++;
			}
		}
	}
	assert_true(checked > 100);
}

/*
 * A reply of another command does not fit: QPIGS's and QPIRI's samples
 * each way in every protocol that has both, data to a setter, an
 * acknowledgement to a query.  A frame that is no valid reply at all is
 * left to the decoder (it says NAK, CRC, too short).
 */
static void
test_reply_of_another_command_does_not_fit(void **state)
{
	static const char *const pair[][2] = { { "QPIGS", "QPIRI" },
	    { "QPIRI", "QPIGS" }, { "QPIGS", "QDI" }, { "QDI", "QPIRI" },
	    { "QPIGS", "QMOD" }, { "QPIRI", "QPI" } };
	const struct pi_proto *p30 = proto_find("PI30");
	uint8_t buf[256];
	char why[256];
	size_t n;
	int checked = 0;

	(void)state;
	for (int i = 0; i < pi_nprotocols; i++) {
		const struct pi_proto *p = pi_protocols[i];
		for (size_t j = 0; j < sizeof(pair) / sizeof(pair[0]); j++) {
			const struct pi_cmd *from = proto_lookup(p, pair[j][0],
			    NULL, 0);
			if (from == NULL || proto_lookup(p, pair[j][1], NULL,
			    0) == NULL)
				continue;
			for (int k = 0; k < from->ncanned; k++) {
				struct proto_reply rep;
				int bad = p->family->split(p, (const uint8_t *)
				    pi_str(pi_cmd_canned(from, k)->data), pi_cmd_canned(from, k)->len,
				    &rep, why, sizeof(why));
				proto_reply_free(&rep);
				if (bad)
					continue;	/* "(NAK" */
				if (proto_fits(p, pair[j][1],
				    (const uint8_t *)pi_str(pi_cmd_canned(from, k)->data),
				    pi_cmd_canned(from, k)->len, why, sizeof(why)))
					fail_msg("%s: %s's sample %d fits %s",
					    p->id, pair[j][0], k, pair[j][1]);
				checked++;
			}
		}
	}
	assert_true(checked >= 20);
	n = frame_reply("230.0 21.7 230.0 50.0 21.7 5000 4000 48.0", buf,
	    sizeof(buf));
	assert_false(proto_fits(p30, "POP02", buf, n, why, sizeof(why)));
	assert_string_equal(why, "an acknowledgement was expected, the reply "
	    "has 8 fields");
	n = frame_reply("ACK", buf, sizeof(buf));
	assert_true(proto_fits(p30, "POP02", buf, n, why, sizeof(why)));
	assert_false(proto_fits(p30, "QMOD", buf, n, why, sizeof(why)));
	assert_string_equal(why, "data was expected, the reply is an "
	    "acknowledgement");
	n = frame_reply("B", buf, sizeof(buf));
	assert_true(proto_fits(p30, "QMOD", buf, n, why, sizeof(why)));
	/* Not a valid frame: the decoder's business. */
	assert_true(proto_fits(p30, "QPIGS", (const uint8_t *)"(NAKss\r", 7,
	    why, sizeof(why)));
	assert_true(proto_fits(p30, "QPIGS", (const uint8_t *)"", 0, why,
	    sizeof(why)));
	/* Unknown to the table: anything fits. */
	assert_true(proto_fits(p30, "QXYZ", buf, n, why, sizeof(why)));
}

/* The generator's kinds agree with the source text of every row. */
static void
check_row(const struct pi_row *row)
{
	static const struct { const char *type; enum pi_kind k; enum pi_expr x; } known[] = {
		{ "float", PK_FLOAT, PX_NONE },
		{ "int", PK_INT, PX_NONE },
		{ "option", PK_OPTION, PX_NONE },
		{ "float:r/10", PK_FLOAT, PX_DIV10 },
		{ "bytes:r.decode()", PK_BYTES, PX_DECODE },
		{ "info:cv", PK_INFO, PX_CV },
		{ "info:cv[:4]", PK_INFO, PX_CV_HEAD4 },
		{ "bytes.decode:r[2:int(r[0:2])+2]", PK_BYTES_DECODE, PX_LENPREFIX },
	};

	const char *type = pi_str(row->type);

	assert_true((row->kind == PK_INFO) == (strncmp(type, "info:", 5) == 0));
	assert_true((row->expr == PX_NONE) == (strchr(type, ':') == NULL));
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(type, known[i].type) == 0) {
			assert_int_equal(row->kind, known[i].k);
			assert_int_equal(row->expr, known[i].x);
		}
	for (int i = 0; i < row->nsub; i++)
		check_row(pi_row_at(row->sub, i));
}

static void
test_tables_carry_typed_decode_kinds(void **state)
{
	int rows = 0;

	(void)state;
	for (int i = 0; i < pi_nprotocols; i++)
		for (int c = 0; c < pi_protocols[i]->ncmds; c++) {
			const struct pi_cmd *d = proto_cmd(pi_protocols[i], c);
			for (int r = 0; r < d->nrows; r++, rows++)
				check_row(pi_cmd_row(d, r));
		}
	assert_true(rows > 500);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_every_protocol_has_a_registered_family),
	cmocka_unit_test(test_ved_block_with_a_colon_checksum_is_text),
	cmocka_unit_test(test_build_frames_text_crc_and_cr),
	cmocka_unit_test(test_frame_len_completes_at_first_cr),
	cmocka_unit_test(test_device_port_uses_the_protocol_frame_rule),
	cmocka_unit_test(test_split_checks_and_cuts_a_reply),
	cmocka_unit_test(test_revo_split_raises_where_the_reference_raises),
	cmocka_unit_test(test_ack_reads_setter_answers),
	cmocka_unit_test(test_judge_refuses_arguments_outside_the_pattern),
	cmocka_unit_test(test_concurrent_first_lookups_agree),
	cmocka_unit_test(test_every_protocol_pattern_compiles),
	cmocka_unit_test(test_shape_describes_the_expected_reply),
	cmocka_unit_test(test_every_sample_reply_fits_its_command),
	cmocka_unit_test(test_reply_of_another_command_does_not_fit),
	cmocka_unit_test(test_tables_carry_typed_decode_kinds),
};

int
main(int argc, char **argv)
{
	if (proto_init() < 0)
		return 1;
	{
		MPPD_TEST_MAIN_BODY(tests)
	}
}

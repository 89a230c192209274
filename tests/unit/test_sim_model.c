/*
 * test_sim_model.c - the simulator's pure parts: inverter model, request
 * framing, fault schedule.
 *
 * mppd-sim's sources are not in mppdcore, so the pure files are
 * compiled into this test directly.
 */
#include <stdlib.h>

#include "testmain.h"
#include "crc.h"
#include "proto.h"

#include "sim/sim_model.c"
#include "sim/sim_pi30_query.c"
#include "sim/sim_pi30_set.c"
#include "sim/sim_frame.c"
#include "sim/sim_fault.c"
#include "sim/sim_pi1x.c"

static char reply[SIM_REPLY_MAX];

/* The reply payload for cmd at uptime t (static buffer). */
static const char *
ask_at(struct sim_inverter *inv, const char *cmd, double t)
{
	assert_int_equal(model_handle(inv, cmd, t, 1700000000, reply,
	    sizeof(reply)), 0);
	return reply;
}

static const char *
ask(struct sim_inverter *inv, const char *cmd)
{
	return ask_at(inv, cmd, 0);
}

static int
nfields(const char *s)
{
	int n = 0, in = 0;

	for (; *s; s++) {
		if (*s != ' ' && !in)
			n++;
		in = *s != ' ';
	}
	return n;
}

/* Field idx (1-based), static buffer. */
static const char *
fld(const char *s, int idx)
{
	static char out[64];
	size_t len;

	for (int i = 1; i < idx && s != NULL; i++)
		if ((s = strchr(s, ' ')) != NULL)
			s++;
	if (s == NULL)
		return "";
	len = strcspn(s, " ");
	memcpy(out, s, len < 63 ? len : 63);
	out[len < 63 ? len : 63] = '\0';
	return out;
}

static void
test_model_qpi_is_pi30_for_both_protocols(void **state)
{
	struct sim_inverter inv;

	(void)state;
	model_init(&inv, SIM_PI30, 1);
	assert_string_equal(ask(&inv, "QPI"), "PI30");
	model_init(&inv, SIM_PI30MAX, 1);
	assert_string_equal(ask(&inv, "QPI"), "PI30");
}

static void
test_model_field_counts_follow_the_tables(void **state)
{
	struct sim_inverter inv;

	(void)state;
	model_init(&inv, SIM_PI30, 1);
	assert_int_equal(nfields(ask(&inv, "QPIGS")), 21);
	assert_int_equal(nfields(ask(&inv, "QPIRI")), 27);
	assert_int_equal(nfields(ask(&inv, "QDI")), 26);
	assert_int_equal(nfields(ask(&inv, "Q1")), 17);
	assert_int_equal(nfields(ask(&inv, "QPGS0")), 29);
	assert_int_equal(nfields(ask(&inv, "QPGS3")), 29);
	assert_int_equal(nfields(ask(&inv, "QBMS")), 10);
	assert_int_equal(strlen(ask(&inv, "QPIWS")), 32);
	model_init(&inv, SIM_PI30MAX, 1);
	assert_int_equal(nfields(ask(&inv, "QPIGS")), 24);
	assert_int_equal(nfields(ask(&inv, "QPIRI")), 28);
	assert_int_equal(nfields(ask(&inv, "QPIGS2")), 3);
	assert_int_equal(nfields(ask(&inv, "QOPPT")), 28);
	assert_int_equal(nfields(ask(&inv, "QCHPT")), 28);
	assert_int_equal(strlen(ask(&inv, "QPIWS")), 36);
	assert_int_equal(strlen(ask(&inv, "QT")), 14);
	assert_int_equal(strlen(ask(&inv, "QED20240101")), 8);
}

static void
test_model_qdi_matches_canned_reply(void **state)
{
	struct sim_inverter inv;

	(void)state;
	model_init(&inv, SIM_PI30, 1);
	assert_string_equal(ask(&inv, "QDI"), "230.0 50.0 0030 42.0 54.0 56.4 "
	    "46.0 60 0 0 2 0 0 0 0 0 1 1 0 0 1 0 54.0 0 1 000");
	assert_string_equal(ask(&inv, "QFLAG"), "EakxyDbjuvz");
	assert_string_equal(ask(&inv, "QMCHGCR"),
	    "010 020 030 040 050 060 070 080 090 100 110 120");
}

static void
test_model_setters_show_in_qpiri(void **state)
{
	struct sim_inverter inv;
	static const struct {
		const char	*cmd;
		int		 field;
		const char	*value;
	} cases[] = {
		{ "POP02", 17, "2" }, { "POP01", 17, "1" }, { "PCP03", 18, "3" },
		{ "MCHGC120", 15, "120" }, { "MUCHGC002", 14, "02" },
		{ "PBCV44.0", 9, "44.0" }, { "PSDV40.0", 10, "40.0" },
		{ "PCVV58.4", 11, "58.4" }, { "PBFT48.0", 12, "48.0" },
		{ "PBT02", 13, "2" }, { "PBDV00.0", 23, "00.0" },
		{ "PGR01", 16, "1" }, { "F60", 4, "60.0" }, { "POPLG02", 27, "2" },
		{ "POPM01", 22, "1" }, { "PPVOKC1", 24, "1" }, { "PSPB0", 25, "0" },
	};

	(void)state;
	model_init(&inv, SIM_PI30, 1);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_string_equal(ask(&inv, cases[i].cmd), "ACK");
		if (strcmp(fld(ask(&inv, "QPIRI"), cases[i].field),
		    cases[i].value) != 0)
			fail_msg("%s: QPIRI field %d is \"%s\", expected \"%s\"",
			    cases[i].cmd, cases[i].field,
			    fld(reply, cases[i].field), cases[i].value);
	}
	model_init(&inv, SIM_PI30MAX, 1);
	assert_string_equal(ask(&inv, "PBATMAXDISC100"), "ACK");
	assert_string_equal(fld(ask(&inv, "QPIRI"), 28), "100");
}

static void
test_model_refuses_bad_arguments(void **state)
{
	struct sim_inverter inv;
	static const char *const naks[] = {
		"POP03", "POP2", "PCP04", "PBT03", "MCHGC015", "MCHGC12",
		"MUCHGC005", "PBCV43.9", "PBCV51.1", "PBCV4x.0", "PSDV39.9",
		"PCVV58.5", "PBFT47.9", "PBDV47.0", "PE", "PEq", "PDA", "F55",
		"QPGS", "QPGSx", "PBATMAXDISC151", "", "qpigs", "QPIGS ",
	};

	(void)state;
	model_init(&inv, SIM_PI30, 1);
	for (size_t i = 0; i < sizeof(naks) / sizeof(naks[0]); i++)
		if (strcmp(ask(&inv, naks[i]), "NAK") != 0)
			fail_msg("\"%s\" answered \"%s\", expected NAK", naks[i],
			    reply);
	/* Nothing changed. */
	assert_string_equal(ask(&inv, "QPIRI"), "230.0 21.7 230.0 50.0 21.7 "
	    "5000 4000 48.0 46.0 42.0 56.4 54.0 0 30 060 0 0 2 6 01 0 0 54.0 0 1 "
	    "000 0");
}

static void
test_model_commands_are_per_protocol(void **state)
{
	struct sim_inverter inv;

	(void)state;
	model_init(&inv, SIM_PI30, 1);
	assert_string_equal(ask(&inv, "QPIGS2"), "NAK");
	assert_string_equal(ask(&inv, "PLEDE1"), "NAK");
	assert_string_equal(ask(&inv, "PEj"), "ACK");
	assert_string_not_equal(ask(&inv, "QVFW2"), "NAK");
	model_init(&inv, SIM_PI30MAX, 1);
	assert_string_equal(ask(&inv, "QVFW2"), "NAK");
	assert_string_equal(ask(&inv, "PLEDE1"), "ACK");
	assert_string_equal(ask(&inv, "PEj"), "NAK");
	assert_string_equal(ask(&inv, "PEd"), "ACK");
	assert_string_equal(ask(&inv, "QFLAG"), "EadkxyDbuvz");
}

static void
test_model_pe_pd_and_pf(void **state)
{
	struct sim_inverter inv;

	(void)state;
	model_init(&inv, SIM_PI30, 1);
	assert_string_equal(ask(&inv, "PDakxy"), "ACK");
	assert_string_equal(ask(&inv, "QFLAG"), "EDabjkuvxyz");
	assert_string_equal(ask(&inv, "PEabjkuvxyz"), "ACK");
	assert_string_equal(ask(&inv, "QFLAG"), "EabjkuvxyzD");
	assert_string_equal(ask(&inv, "POP02"), "ACK");
	assert_string_equal(ask(&inv, "PF"), "ACK");
	assert_string_equal(ask(&inv, "QFLAG"), "EakxyDbjuvz");
	assert_string_equal(fld(ask(&inv, "QPIRI"), 17), "0");
}

static void
test_model_live_values_drift_and_stay_plausible(void **state)
{
	struct sim_inverter inv;
	char first_pv[16];
	double v;
	int differ = 0;

	(void)state;
	model_init(&inv, SIM_PI30, 7);
	snprintf(first_pv, sizeof(first_pv), "%s",
	    fld(ask_at(&inv, "QPIGS", 0), 20));
	for (double t = 60; t < 3600; t += 60) {
		ask_at(&inv, "QPIGS", t);
		v = atof(fld(reply, 9));
		assert_true(v >= 43.0 && v <= 56.4);	/* cutoff+1 .. bulk */
		assert_true(atoi(fld(reply, 11)) <= 100);
		assert_true(atoi(fld(reply, 20)) >= 0);
		if (strcmp(fld(reply, 20), first_pv) != 0)
			differ = 1;
	}
	assert_true(differ);
	/* Utility first: line mode, nothing drawn from the battery. */
	assert_string_equal(ask(&inv, "QMOD"), "L");
	assert_string_equal(fld(ask_at(&inv, "QPIGS", 100), 16), "00000");
}

static void
test_frame_build_matches_reference_crcs(void **state)
{
	uint8_t out[32];

	(void)state;
	assert_int_equal(frame_build("ACK", out, sizeof(out)), 7);
	assert_memory_equal(out, "(ACK\x39\x20\r", 7);
	assert_int_equal(frame_build("NAK", out, sizeof(out)), 7);
	assert_memory_equal(out, "(NAK\x73\x73\r", 7);
	assert_int_equal(frame_build("PI30", out, sizeof(out)), 8);
	assert_memory_equal(out, "(PI30\x9a\x0b\r", 8);
	assert_int_equal(frame_build("PI30", out, 7), 0);
}

static int
feed(struct sim_rx *rx, const void *bytes, size_t n, struct sim_req *req)
{
	const uint8_t *p = bytes;
	int r = 0, last = 0;

	for (size_t i = 0; i < n; i++)
		if ((r = frame_rx_feed(rx, p[i], req)) != 0)
			last = r;
	return last;
}

static void
test_frame_rx_reads_request_and_checks_crc(void **state)
{
	struct sim_rx rx;
	struct sim_req req;

	(void)state;
	frame_rx_init(&rx);
	/* POP02's CRC low byte is adjusted 0x0A -> 0x0B (docs/protocols.md). */
	assert_int_equal(feed(&rx, "POP02\xe2\x0b\r", 8, &req), 1);
	assert_string_equal(req.text, "POP02");
	assert_true(req.crc_ok);
	assert_int_equal(req.raw_len, 8);
	assert_int_equal(feed(&rx, "POP02\xe2\x0a\r", 8, &req), 1);
	assert_false(req.crc_ok);		/* LF dropped: CRC now short */
	assert_int_equal(feed(&rx, "QPIGS\xb7\xaa\r", 8, &req), 1);
	assert_false(req.crc_ok);
}

static void
test_frame_rx_resyncs_on_junk(void **state)
{
	struct sim_rx rx;
	struct sim_req req;
	uint8_t big[400];

	(void)state;
	frame_rx_init(&rx);
	assert_int_equal(feed(&rx, "\r", 1, &req), -1);
	assert_int_equal(feed(&rx, "ab\r", 3, &req), -1);
	memset(big, 'Q', sizeof(big));
	big[sizeof(big) - 1] = '\r';
	assert_int_equal(feed(&rx, big, sizeof(big), &req), -1);
	assert_int_equal(feed(&rx, "\n\0QPIGS\xb7\xa9\r", 10, &req), 1);
	assert_string_equal(req.text, "QPIGS");
	assert_true(req.crc_ok);
}

static void
test_frame_corrupt_and_garbage_are_not_frames(void **state)
{
	uint8_t f[32], g[64], crc[2];
	uint32_t rng = 12345;
	size_t n;

	(void)state;
	for (int i = 0; i < 200; i++) {
		n = frame_build(i % 2 ? "ACK" : "PI30", f, sizeof(f));
		frame_corrupt_crc(f, n);
		crc_pi(f, n - 3, crc);
		assert_false(crc[0] == f[n - 3] && crc[1] == f[n - 2]);
		for (size_t k = n - 3; k < n - 1; k++)
			assert_true(f[k] != '\r' && f[k] != '\n' && f[k] != 0 &&
			    f[k] != '(');
		n = frame_garbage(&rng, g, sizeof(g));
		assert_true(n >= 9 && n <= 41);
		assert_int_equal(g[n - 1], '\r');
		assert_int_not_equal(g[0], '(');
		for (size_t k = 0; k < n - 1; k++)
			assert_true(g[k] > 0x20 && g[k] < 0x7f);
	}
}

static void
test_fault_schedule_counts_from_one(void **state)
{
	struct sim_faults f = { 0 };

	(void)state;
	assert_int_equal(fault_action(&f, 1), SIM_ACT_REPLY);
	f.nak_every = 3;
	f.silent_every = 2;
	assert_int_equal(fault_action(&f, 1), SIM_ACT_REPLY);
	assert_int_equal(fault_action(&f, 2), SIM_ACT_SILENT);
	assert_int_equal(fault_action(&f, 3), SIM_ACT_NAK);
	assert_int_equal(fault_action(&f, 6), SIM_ACT_SILENT);
	f.echo_every = 5;
	f.garbage_every = 7;
	f.badcrc_every = 11;
	assert_int_equal(fault_action(&f, 5), SIM_ACT_ECHO);
	assert_int_equal(fault_action(&f, 7), SIM_ACT_GARBAGE);
	assert_int_equal(fault_action(&f, 11), SIM_ACT_BADCRC);
	assert_false(fault_vanish_now(&f, 100));
	f.vanish_after = 4;
	assert_false(fault_vanish_now(&f, 3));
	assert_true(fault_vanish_now(&f, 4));
}


/* ---- the PI16, PI17 and PI18 models ------------------------------------ */

static char fam_buf[SIM_REPLY_MAX];

/* The reply frame to a raw request line, NUL-terminated text (static). */
static const char *
fam_ask(struct sim_inverter *inv, const char *raw, size_t n)
{
	char cmd[SIM_RX_MAX + 1];
	size_t len;

	if (!fam_parse(inv->proto, (const uint8_t *)raw, n, cmd, sizeof(cmd)))
		len = fam_nak(inv->proto, (uint8_t *)fam_buf, sizeof(fam_buf) - 1);
	else
		len = fam_reply(inv, cmd, 0, 1700000000, (uint8_t *)fam_buf,
		    sizeof(fam_buf) - 1);
	fam_buf[len] = '\0';
	return fam_buf;
}

static void
test_fam_pi18_setter_changes_piri(void **state)
{
	struct sim_inverter inv;
	uint8_t req[32];
	char err[128];
	int n;

	(void)state;
	assert_int_equal(proto_init(), 0);
	model_init(&inv, SIM_PI18, 1);
	n = proto_frame(proto_find("PI18"), "PIRI", req, sizeof(req), err,
	    sizeof(err));
	assert_non_null(strstr(fam_ask(&inv, (char *)req, (size_t)n),
	    ",2,30,060,0,0,0,9,"));
	n = proto_frame(proto_find("PI18"), "POP1", req, sizeof(req), err,
	    sizeof(err));
	assert_string_equal(fam_ask(&inv, (char *)req, (size_t)n), "^1\x0b\xc2\r");
	n = proto_frame(proto_find("PI18"), "PIRI", req, sizeof(req), err,
	    sizeof(err));
	assert_non_null(strstr(fam_ask(&inv, (char *)req, (size_t)n),
	    ",2,30,060,0,1,0,9,"));
	/* a bad CRC, and an argument the table refuses: "^0" */
	assert_string_equal(fam_ask(&inv, "^S007POP0xx\r", 12), "^0\x1b\xe3\r");
	assert_string_equal(fam_ask(&inv, "^S007POP9\x1e\x31\r", 12),
	    "^0\x1b\xe3\r");
	/* float above bulk is refused by the inverter itself */
	n = proto_frame(proto_find("PI18"), "MCHGV500,540", req, sizeof(req),
	    err, sizeof(err));
	assert_string_equal(fam_ask(&inv, (char *)req, (size_t)n), "^0\x1b\xe3\r");
}

static void
test_fam_pi17_reply_framing_and_queryen(void **state)
{
	struct sim_inverter inv;
	const char *r;
	uint16_t crc;
	size_t n;

	(void)state;
	assert_int_equal(proto_init(), 0);
	model_init(&inv, SIM_PI17, 1);
	r = fam_ask(&inv, "^P003PI\r", 8);
	assert_memory_equal(r, "^D00517\xca\xec\r", 10);
	/* EY with its sum checksum is the EY query */
	r = fam_ask(&inv, "^P010EY2021162\r", 15);
	n = strlen(r);
	assert_memory_equal(r, "^D011", 5);
	crc = crc_xmodem(r, n - 3);
	assert_int_equal((uint8_t)r[n - 3], crc >> 8);
	assert_int_equal((uint8_t)r[n - 2], crc & 0xff);
	assert_string_equal(fam_ask(&inv, "^S005SEP02\r", 11), "^1\x0b\xc2\r");
	assert_memory_equal(fam_ask(&inv, "^P005HECS\r", 10), "^D02102,", 8);
}

static void
test_fam_pi18lvx_takes_requests_without_crc(void **state)
{
	struct sim_inverter inv;

	(void)state;
	assert_int_equal(proto_init(), 0);
	model_init(&inv, SIM_PI18LVX, 1);
	assert_memory_equal(fam_ask(&inv, "^P005PI\r", 8), "^D00518", 7);
	/* CRC bytes are junk after the command for LVX */
	assert_string_equal(fam_ask(&inv, "^P005PIq\x8b\r", 10), "^0\x1b\xe3\r");
	/* PI18SV: with or without CRC, its own queries and flag setters */
	model_init(&inv, SIM_PI18SV, 1);
	assert_memory_equal(fam_ask(&inv, "^P005GS\r", 8), "^D", 2);
	assert_memory_equal(fam_ask(&inv, "^P007FLAG\r", 10), "^D0201,0,1,", 11);
	assert_string_equal(fam_ask(&inv, "^S006PDA\r", 9), "^1\x0b\xc2\r");
	assert_memory_equal(fam_ask(&inv, "^P007FLAG\r", 10), "^D0200,0,1,", 11);
	assert_memory_equal(fam_ask(&inv, "^P006PRI0\r", 10), "^D", 2);
	model_init(&inv, SIM_PI16, 1);
	assert_memory_equal(fam_ask(&inv, "QPI\r", 4), "(PI16", 5);
	assert_memory_equal(fam_ask(&inv, "QED20210726110\r", 15), "(00", 3);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_fam_pi18_setter_changes_piri),
	cmocka_unit_test(test_fam_pi17_reply_framing_and_queryen),
	cmocka_unit_test(test_fam_pi18lvx_takes_requests_without_crc),
	cmocka_unit_test(test_model_qpi_is_pi30_for_both_protocols),
	cmocka_unit_test(test_model_field_counts_follow_the_tables),
	cmocka_unit_test(test_model_qdi_matches_canned_reply),
	cmocka_unit_test(test_model_setters_show_in_qpiri),
	cmocka_unit_test(test_model_refuses_bad_arguments),
	cmocka_unit_test(test_model_commands_are_per_protocol),
	cmocka_unit_test(test_model_pe_pd_and_pf),
	cmocka_unit_test(test_model_live_values_drift_and_stay_plausible),
	cmocka_unit_test(test_frame_build_matches_reference_crcs),
	cmocka_unit_test(test_frame_rx_reads_request_and_checks_crc),
	cmocka_unit_test(test_frame_rx_resyncs_on_junk),
	cmocka_unit_test(test_frame_corrupt_and_garbage_are_not_frames),
	cmocka_unit_test(test_fault_schedule_counts_from_one),
};

MPPD_TEST_MAIN(tests)

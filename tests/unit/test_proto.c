/*
 * test_proto.c - CRC, framing, lookup and the decoder's reference
 * semantics (docs/protocols.md) on hand-made frames.
 */
#include <stdlib.h>

#include "crc.h"
#include "output.h"
#include "proto.h"
#include "result.h"
#include "sbuf.h"
#include "testmain.h"

static int
setup(void **state)
{
	return proto_init();
}

static char *
hex_of(const uint8_t *b, int n)
{
	struct sbuf s = SBUF_INIT;

	for (int i = 0; i < n; i++)
		sbuf_printf(&s, "%02x", b[i]);
	return sbuf_steal(&s);
}

static void
expect_frame(const char *proto, const char *cmd, const char *hex)
{
	uint8_t buf[512];
	char err[128];
	int n = proto_frame(proto_find(proto), cmd, buf, sizeof(buf), err, sizeof(err));
	char *h;

	assert_true(n > 0);
	h = hex_of(buf, n);
	assert_string_equal(h, hex);
	free(h);
}

static void
test_crc_worked_examples(void **state)
{
	assert_int_equal(crc_xmodem("QPIGS", 5), 0xB7A9);
	assert_int_equal(crc_xmodem("MCHGC090", 8), 0x0D8F);
	expect_frame("PI30", "QPIGS", "5150494753b7a90d");
	expect_frame("PI30", "POP02", "504f503032e20b0d");	/* 0x0A -> 0x0B */
	expect_frame("PI30", "MCHGC090", "4d43484743303930" "0e8f0d");
	expect_frame("PI30", "QED20210604", "5145443230323130363034" "01d70d");
	expect_frame("PI30", "PBCV42.3", "50424356343" "22e336429" "0d");
	expect_frame("PI30", "QPI", "515049beac0d");
}

static void
test_revo_pset_uses_chk_without_cr(void **state)
{
	uint8_t buf[128];
	char err[128];
	const char *cmd = "PSET011103 56.0 56.7 47.0 47.0 030 000 2024 02 20 07 22 00";
	int n = proto_frame(proto_find("PI30REVO"), cmd, buf, sizeof(buf), err,
	    sizeof(err));

	assert_int_equal(n, (int)strlen(cmd) + 1);
	assert_int_equal(buf[n - 1], 0xE8);
	expect_frame("PI30REVO", "PQSE", "505153455f480d");
	expect_frame("PI30REVO", "QALL", "51414c4ce8fb0d");
	/* (sum & 0xff) + 1 == 256: the reference raises */
	assert_int_equal(proto_frame(proto_find("PI30REVO"), "PSETE~", buf,
	    sizeof(buf), err, sizeof(err)), -1);
	assert_string_equal(err, "bytes must be in range(0, 256)");
}

static void
test_lookup_by_key_and_pattern(void **state)
{
	const struct pi_proto *p = proto_find("pi30");
	char cv[32];

	assert_non_null(p);
	assert_string_equal(pi_str(proto_lookup(p, "QPIGS", cv, sizeof(cv))->key),
	    "QPIGS");
	assert_string_equal(pi_str(proto_lookup(p, "POP02", cv, sizeof(cv))->key),
	    "POP");
	assert_string_equal(cv, "02");
	assert_null(proto_lookup(p, "POP09", NULL, 0));
	assert_null(proto_lookup(p, "QPGS", NULL, 0));
	assert_null(proto_lookup(p, "qpigs", NULL, 0));
	assert_non_null(proto_lookup(p, "QPGS12", NULL, 0));
	/* Python re.match: anchored at the start, '$' may precede a final \n */
	assert_non_null(proto_lookup(p, "POP02\n", NULL, 0));
	assert_null(proto_lookup(p, "xPOP02", NULL, 0));
}

/* Decodes frame text + CRC + CR and returns the json output. */
static char *
decode_json(const char *proto, const char *cmd, const char *text, int good_crc)
{
	struct sbuf f = SBUF_INIT, out = SBUF_INIT;
	struct out_opts o;
	struct result r;
	uint8_t crc[2];

	sbuf_adds(&f, text);
	crc_pi(text, strlen(text), crc);
	if (!good_crc)
		crc[0] ^= 0x55;
	sbuf_add(&f, crc, 2);
	sbuf_addc(&f, '\r');
	result_init(&r);
	proto_decode(proto_find(proto), cmd, (const uint8_t *)f.buf, f.len, &r);
	memset(&o, 0, sizeof(o));
	output_text("json", &r, &o, &out);
	result_free(&r);
	sbuf_free(&f);
	return sbuf_steal(&out);
}

static void
expect_json(const char *proto, const char *cmd, const char *text, const char *want)
{
	char *got = decode_json(proto, cmd, text, 1);

	assert_string_equal(got, want);
	free(got);
}

static void
test_setter_ack_and_nak(void **state)
{
	char *j;

	expect_json("PI30", "POP02", "(ACK", "{\"_command\": \"POP02\", "
	    "\"_command_description\": \"Set Device Output Source Priority\", "
	    "\"pop\": \"ACK\"}\n");
	expect_json("PI30", "POP02", "(NAK", "{\"_command\": \"POP02\", "
	    "\"_command_description\": \"Set Device Output Source Priority\", "
	    "\"validity_check\": \"Error: NAK\"}\n");
	/* NAK wins over a bad CRC */
	j = decode_json("PI30", "POP02", "(NAK", 0);
	assert_non_null(strstr(j, "Error: NAK"));
	free(j);
	j = decode_json("PI30", "QPI", "(PI30", 0);
	assert_non_null(strstr(j, "Error: Invalid response CRCs"));
	free(j);
}

static void
test_short_and_unknown_replies(void **state)
{
	struct result r;
	struct sbuf s = SBUF_INIT;

	result_init(&r);
	proto_decode(proto_find("PI30"), "QPI", (const uint8_t *)"(P\r", 3, &r);
	result_json(&s, &r);
	assert_string_equal(sbuf_str(&s), "{\"_command\": \"QPI\", "
	    "\"_command_description\": \"Protocol ID inquiry\", "
	    "\"validity check\": [\"Error: Response to short\", \"\"]}");
	result_free(&r);
	sbuf_free(&s);
	{
		char *j = decode_json("PI30", "XYZ", "(1 2", 1);
		assert_non_null(strstr(j, "{\"_command\": \"XYZ\", \"warning\": "
		    "\"No definition for command XYZ in protocol b'PI30'\", "
		    "\"response\": \"(1 2P\\u00ef\\r\"}"));
		free(j);
	}
}

static void
test_default_type_rules(void **state)
{
	char *j;

	/* DEFAULT int/float that are not numbers keep the original string */
	j = decode_json("PI30", "QPIWS", "(00000000000000000000000000000000", 1);
	assert_non_null(strstr(j, "\"inverter_fault\": \"0\""));
	free(j);
	/* a double space shifts every later token one row on */
	j = decode_json("PI30", "QDI", "(230.0  50.0 0030", 1);
	assert_non_null(strstr(j, "\"ac_output_voltage\": 230.0"));
	assert_null(strstr(j, "\"ac_output_frequency\""));
	assert_non_null(strstr(j, "\"max_ac_charging_current\": \"50.0\""));
	free(j);
	/* an option index out of range is the reference's decode error */
	j = decode_json("PI30", "QMOD", "(Z", 1);
	assert_non_null(strstr(j, "\"error\": \"Failed to decode response for command QMOD: 'Z'\""));
	free(j);
}

static void
test_indexed_and_info_fields(void **state)
{
	char *j = decode_json("PI30MAX", "QED20210726", "(00238800", 1);

	assert_non_null(strstr(j, "\"pv_generated_energy_for_day\": 238800"));
	assert_non_null(strstr(j, "\"year\": \"2021\", \"month\": \"July\", \"day\": \"26\""));
	free(j);
	/* INDEXED: a non-numeric int becomes 0, an empty float too */
	j = decode_json("PI30MAX", "QPIGS2", "(xx.x 327.3 01026", 1);
	assert_non_null(strstr(j, "\"pv2_input_current\": 0,"));
	free(j);
	/* the keyed type looks up the hex of the bytes: PI30MAX QPIGS Country */
}

static void
test_extra_tokens_are_plain_strings(void **state)
{
	char *j = decode_json("PI30MAX", "QPIGS2", "(03.1 327.3 01026 XYZ", 1);

	assert_non_null(strstr(j, "\"unknown_value_in_response_4\": \"XYZ\""));
	free(j);
}

static void
test_qoppt_named_field(void **state)
{
	char *j = decode_json("PI30MAX", "QOPPT", "(2 2 0", 1);

	/* the reference stores integer key 0 and every output crashes */
	assert_non_null(strstr(j, "\"device_output_source_priority_time_order\": \"2\""));
	assert_non_null(strstr(j, "\"unknown_value_in_response_2\": \"0\""));
	free(j);
}

/* PI30M044 QT: datetime.strptime's variable-width fields and messages. */
static void
test_strptime_template_follows_python(void **state)
{
	static const struct {
		const char *frame, *want;
	} cases[] = {
		{ "(20210726122606", "\"device_time\": \"2021-07-26 12:26:06\"" },
		{ "(2021072612260", "\"device_time\": \"2021-07-26 12:26:00\"" },
		{ "(12345678901234567890", "unconverted data remains: 01234567890" },
		{ "(20210229120000", "day is out of range for month" },
		{ "(20211231235960", "second must be in 0..59" },
		{ "(2021726", "time data '2021726' does not match format '%Y%m%d%H%M%S'" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *j = decode_json("PI30M044", "QT", cases[i].frame, 1);
		if (strstr(j, cases[i].want) == NULL)
			fail_msg("%s: got %s", cases[i].frame, j);
		free(j);
	}
}

static void
test_revo_chk_reply_and_nak_warning(void **state)
{
	/* "(230.0" + CHK + CR */
	const char *t = "(230.0";
	uint8_t f[16];
	size_t n = strlen(t);
	struct result r;
	struct sbuf s = SBUF_INIT;

	memcpy(f, t, n);
	f[n] = (uint8_t)crc_chk(t, n);
	f[n + 1] = '\r';
	result_init(&r);
	proto_decode(proto_find("PI30REVO"), "QPIGS", f, n + 2, &r);
	result_json(&s, &r);
	assert_non_null(strstr(sbuf_str(&s), "\"AC Input Voltage\": [230.0, \"V\"]"));
	result_free(&r);
	sbuf_free(&s);
	{
		char *j = decode_json("PI30REVO", "QPI", "(NAK", 1);
		assert_non_null(strstr(j, "\"warning0\": \"Command QPI was rejected\""));
		free(j);
	}
}

/* Every canned reply of every protocol decodes without a crash. */
static void
test_every_canned_reply_decodes(void **state)
{
	int total = 0;

	for (int i = 0; i < pi_nprotocols; i++) {
		const struct pi_proto *p = pi_protocols[i];
		for (int c = 0; c < p->ncmds; c++) {
			const struct pi_cmd *d = proto_cmd(p, c);
			for (int k = 0; k < d->ncanned; k++) {
				struct result r;
				struct sbuf out = SBUF_INIT;
				struct out_opts o;
				const char *cmd = d->regex == 0 ? pi_str(d->key) : NULL;

				if (cmd == NULL)
					continue;
				result_init(&r);
				proto_decode(p, cmd, (const uint8_t *)pi_str(pi_cmd_canned(d, k)->data),
				    pi_cmd_canned(d, k)->len, &r);
				assert_true(r.n >= 1);
				memset(&o, 0, sizeof(o));
				output_text("screen", &r, &o, &out);
				output_text("json", &r, &o, &out);
				result_free(&r);
				sbuf_free(&out);
				total++;
			}
		}
	}
	assert_true(total > 150);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_crc_worked_examples),
	cmocka_unit_test(test_revo_pset_uses_chk_without_cr),
	cmocka_unit_test(test_lookup_by_key_and_pattern),
	cmocka_unit_test(test_setter_ack_and_nak),
	cmocka_unit_test(test_short_and_unknown_replies),
	cmocka_unit_test(test_default_type_rules),
	cmocka_unit_test(test_indexed_and_info_fields),
	cmocka_unit_test(test_extra_tokens_are_plain_strings),
	cmocka_unit_test(test_qoppt_named_field),
	cmocka_unit_test(test_strptime_template_follows_python),
	cmocka_unit_test(test_revo_chk_reply_and_nak_warning),
	cmocka_unit_test(test_every_canned_reply_decodes),
};

int
main(int argc, char **argv)
{
	if (setup(NULL) < 0)
		return 1;
	{
		MPPD_TEST_MAIN_BODY(tests)
	}
}

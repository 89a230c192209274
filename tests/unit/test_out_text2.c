/*
 * test_out_text2.c - json_units, simpleunits, value, boxdraw, prom, the
 * JSON of values (json_udp, postgres) and domoticz_autodiscover: each
 * text byte for byte as mpp-solar prints it for the same result
 * (docs/compatibility.md).
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "output.h"
#include "result.h"
#include "sample_result.h"
#include "sbuf.h"

static struct out_opts
opts(void)
{
	struct out_opts o;

	memset(&o, 0, sizeof(o));
	return o;
}

static pcre2_code *
re(const char *s)
{
	int e;
	PCRE2_SIZE off;

	return pcre2_compile((PCRE2_SPTR)s, PCRE2_ZERO_TERMINATED, 0, &e, &off,
	    NULL);
}

typedef void (*text_fn)(const struct result *, const struct out_opts *,
    struct sbuf *);

static void
check(text_fn fn, const struct out_opts *o, const char *want)
{
	struct result r;
	struct sbuf s = SBUF_INIT;

	sample_qpigs(&r);
	fn(&r, o, &s);
	assert_string_equal(sbuf_str(&s), want);
	sbuf_free(&s);
	result_free(&r);
}

static void
test_json_units(void **state)
{
	struct out_opts o = opts();

	(void)state;
	check(output_json_units, &o, "{\"_command\": \"QPIGS\", "
	    "\"_command_description\": \"General Status Parameters inquiry\", "
	    "\"ac_input_voltage\": {\"value\": 0.0, \"unit\": \"V\"}, "
	    "\"inverter_heat_sink_temperature\": {\"value\": 69, \"unit\": "
	    "\"\\u00b0C\"}, \"pv-input/power\": {\"value\": 856, \"unit\": "
	    "\"W\"}, \"device_mode\": {\"value\": \"Battery\", \"unit\": \"\"}}\n");
}

static void
test_simpleunits_and_value(void **state)
{
	struct out_opts o = opts();

	(void)state;
	check(output_simpleunits, &o, "ac_input_voltage=0.0(V)\n"
	    "inverter_heat_sink_temperature=69(\xc2\xb0" "C)\n"
	    "pv-input/power=856(W)\ndevice_mode=Battery\n");
	o.keepcase = 1;
	o.filter = re("^(AC|Dev)");
	check(output_value, &o, "0.0\nBattery\n");
	pcre2_code_free((pcre2_code *)o.filter);
}

/* Appends n copies of the UTF-8 character c. */
static void
rep(struct sbuf *s, const char *c, int n)
{
	while (n-- > 0)
		sbuf_adds(s, c);
}

/*
 * mpp-solar's boxdraw of this result: the command line sets the width (58),
 * and its unit column is widened from its own width, so the columns end
 * one character right of the title box.
 */
static void
test_boxdraw(void **state)
{
	struct out_opts o = opts();
	struct sbuf w = SBUF_INIT;
	const char *H = "\u2550", *L = "\u2500";

	(void)state;
	sbuf_adds(&w, "\u2554");
	rep(&w, H, 56);
	sbuf_adds(&w, "\u2557\n\u2551 Command: QPIGS - General Status "
	    "Parameters inquiry     \u2551\n\u2560");
	rep(&w, H, 32);
	sbuf_adds(&w, "\u2564");
	rep(&w, H, 9);
	sbuf_adds(&w, "\u2564");
	rep(&w, H, 14);
	sbuf_adds(&w, "\u2563\n"
	    "\u2551 Parameter                      \u2502 Value   \u2502 Unit"
	    "         \u2551\n\u255f");
	rep(&w, L, 32);
	sbuf_adds(&w, "\u253c");
	rep(&w, L, 9);
	sbuf_adds(&w, "\u253c");
	rep(&w, L, 14);
	sbuf_adds(&w, "\u2562\n"
	    "\u2551 ac_input_voltage               \u2502 0.0     \u2502 V"
	    "            \u2551\n"
	    "\u2551 inverter_heat_sink_temperature \u2502 69      \u2502 "
	    "\xc2\xb0" "C           \u2551\n"
	    "\u2551 pv-input/power                 \u2502 856     \u2502 W"
	    "            \u2551\n"
	    "\u2551 device_mode                    \u2502 Battery \u2502 "
	    "             \u2551\n\u255a");
	rep(&w, H, 32);
	sbuf_adds(&w, "\u2567");
	rep(&w, H, 9);
	sbuf_adds(&w, "\u2567");
	rep(&w, H, 14);
	sbuf_adds(&w, "\u255d\n\n\n");
	check(output_boxdraw, &o, sbuf_str(&w));
	sbuf_free(&w);
}

/* The text prom_push sends: mpp-solar's style is its default. */
static void
prom_push_text(const struct result *r, const struct out_opts *o,
    struct sbuf *out)
{
	output_prom_text(r, o, PROMTEXT_MPPSOLAR, out);
}

static void
test_prom(void **state)
{
	struct out_opts o = opts();

	(void)state;
	check(output_prom, &o, SAMPLE_QPIGS_PROM);
	o.device = "inv1";
	o.dev = "garage";
	o.exclfilter = re("_");
	check(prom_push_text, &o, "machine_role{role=\"mpp_solar\"} 1\n");
	pcre2_code_free((pcre2_code *)o.exclfilter);
}

static void
test_json_values(void **state)
{
	struct out_opts o = opts();
	struct result r;
	struct sbuf s = SBUF_INIT;

	(void)state;
	sample_qpigs(&r);
	output_json_values(&r, &o, 0, NULL, &s);
	assert_string_equal(sbuf_str(&s), "{\"ac_input_voltage\": 0.0, "
	    "\"inverter_heat_sink_temperature\": 69, \"pv-input/power\": 856, "
	    "\"device_mode\": \"Battery\"}");
	sbuf_reset(&s);
	o.filter = re("^zzz");
	output_json_values(&r, &o, 1, "2026-01-02T03:04:05+01:00", &s);
	assert_string_equal(sbuf_str(&s),
	    "{\"updated\": \"2026-01-02T03:04:05+01:00\"}");
	pcre2_code_free((pcre2_code *)o.filter);
	sbuf_free(&s);
	result_free(&r);
}

struct msgs {
	struct sbuf	 s;
};

static void
collect(void *arg, const char *topic, const char *payload, size_t len,
    int qos, int retain)
{
	struct msgs *m = arg;

	sbuf_printf(&m->s, "%s %d %d %.*s\n", topic, qos, retain, (int)len,
	    payload);
}

static void
test_domoticz_autodiscover(void **state)
{
	struct out_opts o = opts();
	struct result r;
	struct msgs m = { SBUF_INIT };

	(void)state;
	sample_qpigs(&r);
	o.tag = "my tag";
	o.filter = re("power|mode");
	output_domoticz_autodiscover(&r, &o, collect, &m);
	assert_string_equal(sbuf_str(&m.s),
	    "homeassistant/sensor/mpp_my_tag_pv-input/power/config 0 0 "
	    "{\"name\": \"my tag PV-Input/Power\", \"stat_t\": "
	    "\"domoticz/sensor/mpp_my_tag_pv-input/power/state\", "
	    "\"unit_of_meas\": \"W\", \"uniq_id\": \"mpp_my tag_pv-input/power\", "
	    "\"stat_cla\": \"measurement\", \"device_class\": \"power\"  }\n"
	    "homeassistant/sensor/mpp_my_tag_device_mode/config 0 0 "
	    "{\"name\": \"my tag Device Mode\", \"stat_t\": "
	    "\"domoticz/sensor/mpp_my_tag_device_mode/state\", "
	    "\"unit_of_meas\": \"\", \"uniq_id\": \"mpp_my tag_device_mode\"  }\n");
	pcre2_code_free((pcre2_code *)o.filter);
	sbuf_free(&m.s);
	result_free(&r);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_json_units),
	cmocka_unit_test(test_simpleunits_and_value),
	cmocka_unit_test(test_boxdraw),
	cmocka_unit_test(test_prom),
	cmocka_unit_test(test_json_values),
	cmocka_unit_test(test_domoticz_autodiscover),
};

#include "testmain.h"
MPPD_TEST_MAIN(tests)

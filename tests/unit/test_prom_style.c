/*
 * test_prom_style.c - the two texts of the prom outputs (prom_style,
 * docs/compatibility.md): "promtool", which `promtool check metrics`
 * accepts (HELP and TYPE lines once per name, label my_str, names made
 * valid, label values escaped, a HELP text for a key without a name), and
 * "mpp-solar", the reference's bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "output.h"
#include "result.h"
#include "sample_result.h"
#include "sbuf.h"

/* Keys that are no valid metric names, two keys with one name, and text
 * that must be escaped. */
static void
mk_awkward(struct result *r)
{
	result_init(r);
	result_set_plain(r, "_command", "Q\"X");
	result_set(r, "Battery (c.v.)", val_float(52.1), "V", EX_ABSENT,
	    NULL, 0);
	result_set(r, "Max.Current", val_int(30), "A", EX_ABSENT, NULL, 0);
	result_set(r, "Max Current", val_int(31), "A", EX_ABSENT, NULL, 0);
	result_set(r, "Temp\xc2\xb0", val_int(7), "", EX_ABSENT, NULL, 0);
	result_set(r, "2nd Path\\Value", val_int(2), "", EX_ABSENT, NULL, 0);
	result_set(r, "", val_int(3), "", EX_ABSENT, NULL, 0);
	result_set_str(r, "Note", "say \"hi\" to C:\\dir\nnext", "");
}

static const char plain_promtool[] =
    "# HELP machine_role The program these metrics are from\n"
    "# TYPE machine_role gauge\n"
    "machine_role{role=\"mpp_solar\"} 1\n"
    "# HELP mpp_solar_ac_input_voltage AC Input Voltage (V)\n"
    "# TYPE mpp_solar_ac_input_voltage gauge\n"
    "mpp_solar_ac_input_voltage{inverter=\"mpp_solar\",device=\"None\","
    "cmd=\"QPIGS\"} 0.0\n"
    "# HELP mpp_solar_inverter_heat_sink_temperature Inverter Heat Sink "
    "Temperature (\xc2\xb0" "C)\n"
    "# TYPE mpp_solar_inverter_heat_sink_temperature gauge\n"
    "mpp_solar_inverter_heat_sink_temperature{inverter=\"mpp_solar\","
    "device=\"None\",cmd=\"QPIGS\"} 69\n"
    "# HELP mpp_solar_pvinput_power PV-Input/Power (W)\n"
    "# TYPE mpp_solar_pvinput_power gauge\n"
    "mpp_solar_pvinput_power{inverter=\"mpp_solar\",device=\"None\","
    "cmd=\"QPIGS\"} 856\n"
    "# HELP mpp_solar_device_mode Device Mode\n"
    "# TYPE mpp_solar_device_mode gauge\n"
    "mpp_solar_device_mode{inverter=\"mpp_solar\",device=\"None\","
    "cmd=\"QPIGS\",my_str=\"Battery\"} 1\n";

static const char plain_mppsolar[] = SAMPLE_QPIGS_PROM;

/* The prom text of the result mkr makes, in o's style else dflt. */
static void
check(void (*mkr)(struct result *), const struct out_opts *o,
    enum promtext_style dflt, const char *want)
{
	struct result r;
	struct sbuf s = SBUF_INIT;

	mkr(&r);
	output_prom_text(&r, o, dflt, &s);
	assert_string_equal(sbuf_str(&s), want);
	sbuf_free(&s);
	result_free(&r);
}

static void
test_promtool_style_has_help_type_and_my_str(void **state)
{
	struct out_opts o;

	(void)state;
	memset(&o, 0, sizeof(o));
	/* prom_file's default */
	check(sample_qpigs, &o, PROMTEXT_PROMTOOL, plain_promtool);
	/* set explicitly, it wins over the output's default */
	o.prom_style = PROMTEXT_PROMTOOL;
	check(sample_qpigs, &o, PROMTEXT_MPPSOLAR, plain_promtool);
}

static void
test_mppsolar_style_is_the_reference_text(void **state)
{
	struct out_opts o;

	(void)state;
	memset(&o, 0, sizeof(o));
	check(sample_qpigs, &o, PROMTEXT_MPPSOLAR, plain_mppsolar);
	o.prom_style = PROMTEXT_MPPSOLAR;
	check(sample_qpigs, &o, PROMTEXT_PROMTOOL, plain_mppsolar);
}

static void
test_promtool_style_valid_names_escaped_values_one_help(void **state)
{
	struct out_opts o;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.device = "inv\"1";
	o.dev = "a\\b";
	check(mk_awkward, &o, PROMTEXT_PROMTOOL,
	    "# HELP machine_role The program these metrics are from\n"
	    "# TYPE machine_role gauge\n"
	    "machine_role{role=\"mpp_solar\"} 1\n"
	    "# HELP mpp_solar_battery__c_v__ Battery (c.v.) (V)\n"
	    "# TYPE mpp_solar_battery__c_v__ gauge\n"
	    "mpp_solar_battery__c_v__{inverter=\"inv\\\"1\",device=\"a\\\\b\","
	    "cmd=\"Q\\\"X\"} 52.1\n"
	    "# HELP mpp_solar_max_current Max.Current (A)\n"
	    "# TYPE mpp_solar_max_current gauge\n"
	    "mpp_solar_max_current{inverter=\"inv\\\"1\",device=\"a\\\\b\","
	    "cmd=\"Q\\\"X\"} 30\n"
	    "mpp_solar_max_current{inverter=\"inv\\\"1\",device=\"a\\\\b\","
	    "cmd=\"Q\\\"X\"} 31\n"
	    "# HELP mpp_solar_temp_ Temp\xc2\xb0\n"
	    "# TYPE mpp_solar_temp_ gauge\n"
	    "mpp_solar_temp_{inverter=\"inv\\\"1\",device=\"a\\\\b\","
	    "cmd=\"Q\\\"X\"} 7\n"
	    "# HELP mpp_solar_2nd_path_value 2nd Path\\\\Value\n"
	    "# TYPE mpp_solar_2nd_path_value gauge\n"
	    "mpp_solar_2nd_path_value{inverter=\"inv\\\"1\",device=\"a\\\\b\","
	    "cmd=\"Q\\\"X\"} 2\n"
	    "# HELP mpp_solar_ (a field without a name)\n"
	    "# TYPE mpp_solar_ gauge\n"
	    "mpp_solar_{inverter=\"inv\\\"1\",device=\"a\\\\b\","
	    "cmd=\"Q\\\"X\"} 3\n"
	    "# HELP mpp_solar_note Note\n"
	    "# TYPE mpp_solar_note gauge\n"
	    "mpp_solar_note{inverter=\"inv\\\"1\",device=\"a\\\\b\","
	    "cmd=\"Q\\\"X\",my_str=\"say \\\"hi\\\" to C:\\\\dir\\nnext\"} 1\n");
	/* mpp-solar's text keeps its bytes, however broken */
	o.prom_style = PROMTEXT_MPPSOLAR;
	check(mk_awkward, &o, PROMTEXT_PROMTOOL,
	    "machine_role{role=\"mpp_solar\"} 1\n"
	    "mpp_solar_battery_(c.v.){inverter=\"inv\"1\",device=\"a\\b\","
	    "cmd=\"Q\"X\"} 52.1\n"
	    "mpp_solar_max.current{inverter=\"inv\"1\",device=\"a\\b\","
	    "cmd=\"Q\"X\"} 30\n"
	    "mpp_solar_max_current{inverter=\"inv\"1\",device=\"a\\b\","
	    "cmd=\"Q\"X\"} 31\n"
	    "mpp_solar_temp\xc2\xb0{inverter=\"inv\"1\",device=\"a\\b\","
	    "cmd=\"Q\"X\"} 7\n"
	    "mpp_solar_2nd_path\\value{inverter=\"inv\"1\",device=\"a\\b\","
	    "cmd=\"Q\"X\"} 2\n"
	    "mpp_solar_{inverter=\"inv\"1\",device=\"a\\b\",cmd=\"Q\"X\"} 3\n"
	    "mpp_solar_note{inverter=\"inv\"1\",device=\"a\\b\","
	    "cmd=\"Q\"X\",myStr=\"say \"hi\" to C:\\dir\nnext\"} 1\n");
}

static void
test_prom_output_follows_prom_style(void **state)
{
	struct out_opts o;
	struct result r;
	struct sbuf s = SBUF_INIT;

	(void)state;
	memset(&o, 0, sizeof(o));
	sample_qpigs(&r);
	/* the prom output (stdout) prints mpp-solar's text unless told */
	output_prom(&r, &o, &s);
	assert_string_equal(sbuf_str(&s), plain_mppsolar);
	sbuf_reset(&s);
	o.prom_style = PROMTEXT_PROMTOOL;
	output_prom(&r, &o, &s);
	assert_string_equal(sbuf_str(&s), plain_promtool);
	sbuf_free(&s);
	result_free(&r);
}

static void
test_prom_style_names(void **state)
{
	enum promtext_style st = PROMTEXT_UNSET;

	(void)state;
	assert_int_equal(promtext_style_parse("promtool", &st), 0);
	assert_int_equal(st, PROMTEXT_PROMTOOL);
	assert_string_equal(promtext_style_name(st), "promtool");
	assert_int_equal(promtext_style_parse("mpp-solar", &st), 0);
	assert_int_equal(st, PROMTEXT_MPPSOLAR);
	assert_string_equal(promtext_style_name(st), "mpp-solar");
	assert_int_equal(promtext_style_parse("mpp_solar", &st), -1);
	assert_int_equal(promtext_style_parse("", &st), -1);
	assert_int_equal(st, PROMTEXT_MPPSOLAR);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_promtool_style_has_help_type_and_my_str),
	cmocka_unit_test(test_mppsolar_style_is_the_reference_text),
	cmocka_unit_test(test_promtool_style_valid_names_escaped_values_one_help),
	cmocka_unit_test(test_prom_output_follows_prom_style),
	cmocka_unit_test(test_prom_style_names),
};

#include "testmain.h"
MPPD_TEST_MAIN(tests)

/*
 * test_cli.c - the one-shot command line as a user sees it: the outputs of
 * mpp-solar's byte for byte (docs/compatibility.md), the help listings, exit codes.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "testmain.h"

/* Runs mppd with args, returns stdout (caller frees) and the status. */
static char *
mppd(const char *const args[], int *status, char **err)
{
	const char *argv[32];
	char *out = NULL;
	int n = 0;

	argv[n++] = MPPD_BIN;
	for (int i = 0; args[i] != NULL && n < 31; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	*status = h_run(argv, &out, err, 10000);
	return out;
}

static void
expect_output(const char *const args[], const char *want)
{
	int st;
	char *out = mppd(args, &st, NULL);

	assert_int_equal(st, 0);
	assert_non_null(out);
	assert_string_equal(out, want);
	free(out);
}

#define RULE80 "--------------------------------------------------------------------------------\n"

static void
test_screen_output_matches_reference(void **state)
{
	const char *args[] = { "-p", "test0", "-P", "PI30MAX", "-c", "QPIGS2", NULL };

	expect_output(args,
	    "Command: QPIGS2 - General Status Parameters inquiry 2\n" RULE80
	    "Parameter          Value          Unit\n"
	    "pv2_input_current  3.1            A     {'icon': 'mdi:solar-power', 'device-class': 'current'}\n"
	    "pv2_input_voltage  327.3          V     {'icon': 'mdi:solar-power', 'device-class': 'voltage'}\n"
	    "pv2_charging_power 1026           W     {'icon': 'mdi:solar-power', 'device-class': 'power', 'state_class': 'measurement'}\n"
	    RULE80 "\n\n");
}

static void
test_pi30_qpigs_screen_table(void **state)
{
	const char *args[] = { "-p", "test0", "-P", "PI30", "-c", "QPIGS", NULL };
	int st;
	char *out = mppd(args, &st, NULL);

	assert_int_equal(st, 0);
	assert_non_null(strstr(out, "Command: QPIGS - General Status Parameters inquiry\n" RULE80));
	assert_non_null(strstr(out, "\nac_input_voltage                            0.0            V     {'icon': 'mdi:lightning'}\n"));
	assert_non_null(strstr(out, "\nbattery_voltage_from_scc                    57.45          V\n"));
	assert_non_null(strstr(out, "\ninverter_heat_sink_temperature              69             \xc2\xb0" "C\n"));
	assert_non_null(strstr(out, "\nis_load_on                                  1              bool\n"));
	free(out);
}

static void
test_json_filter_keepcase_and_raw_simple(void **state)
{
	const char *a1[] = { "-p", "test0", "-P", "PI30MAX", "-c", "QPIGS2", "-o",
		"json", "--filter", "voltage", NULL };
	const char *a2[] = { "-p", "test0", "-P", "PI30MAX", "-c", "QPIGS2", "-o",
		"json", "--keepcase", "--exclfilter", "Power", NULL };
	const char *a3[] = { "-p", "test0", "-P", "PI30MAX", "-c", "QPIGS2", "-o",
		"raw", NULL };
	const char *a4[] = { "-p", "test0", "-P", "PI30MAX", "-c", "QPIGS2", "-o",
		"simple", NULL };

	expect_output(a1, "{\"pv2_input_voltage\": 327.3}\n");
	expect_output(a2, "{\"_command\": \"QPIGS2\", \"_command_description\": "
	    "\"General Status Parameters inquiry 2\", \"PV2_Input_Current\": 3.1, "
	    "\"PV2_Input_Voltage\": 327.3}\n");
	expect_output(a3, "Command: QPIGS2 - General Status Parameters inquiry 2\n"
	    "------------------------------------------------------------\n"
	    "raw_response                  \t'(03.1 327.3 01026 \\xc9\\x8b\\r'\n");
	expect_output(a4, "pv2_input_current=3.1\npv2_input_voltage=327.3\n"
	    "pv2_charging_power=1026\n");
}

static void
test_mqtt_outputs_print_with_broker_screen(void **state)
{
	const char *args[] = { "-p", "test0", "-P", "PI30MAX", "-c", "QPIGS2", "-o",
		"mqtt", "-q", "screen", "-T", "mytag", "--keepcase", NULL };
	int st;
	char *out = mppd(args, &st, NULL);

	assert_int_equal(st, 0);
	assert_non_null(strstr(out, "mqtt debug output only as broker name is "
	    "'screen' - topic: 'mytag/status/PV2_Input_Current/value', payload: '3.1'\n"));
	assert_non_null(strstr(out, "topic: 'mytag/status/PV2_Input_Current/unit', "
	    "payload: 'A'\n"));
	free(out);
}

static void
test_port_error_screen(void **state)
{
	const char *args[] = { "-p", "foo", "-c", "QPI", NULL };

	expect_output(args, "Command: Unknown command - No description found\n" RULE80
	    "Parameter Value          Unit\n"
	    "error     No communications port defined - unable to run command QPI\n"
	    RULE80 "\n\n");
}

static void
test_help_listings(void **state)
{
	const char *p[] = { "-P", NULL }, *c[] = { "-P", "PI30MAX", "-c", NULL };
	const char *o[] = { "-o", NULL }, *v[] = { "-v", NULL };
	int st;
	char *out;

	out = mppd(p, &st, NULL);
	assert_int_equal(st, 0);
	for (const char *id = "PI30\0PI30MAX\0PI30M045\0PI30M044\0PI30MST\0PI41\0PI30REVO\0";
	    *id; id += strlen(id) + 1)
		assert_non_null(strstr(out, id));
	free(out);
	out = mppd(c, &st, NULL);
	assert_int_equal(st, 0);
	assert_non_null(strstr(out, "QPIGS2"));
	assert_non_null(strstr(out, "Set Device Output Source Priority"));
	free(out);
	out = mppd(o, &st, NULL);
	assert_int_equal(st, 0);
	assert_non_null(strstr(out, "hassd_mqtt"));
	assert_non_null(strstr(out, "domoticz_mqtt"));
	free(out);
	out = mppd(v, &st, NULL);
	assert_int_equal(st, 0);
	assert_non_null(strstr(out, "mppd "));
	free(out);
}

static void
test_bad_arguments_exit_2_with_message(void **state)
{
	const char *a1[] = { "--bogus", NULL }, *a2[] = { "-P", "PI99", "-c", "QPI", NULL };
	const char *a3[] = { "-P", "PI30", "-c", "QPI", "--decode", "zz", NULL };
	int st;
	char *err = NULL, *out;

	out = mppd(a1, &st, &err);
	assert_int_equal(st, 2);
	assert_non_null(strstr(err, "unknown option '--bogus'"));
	free(out);
	free(err);
	out = mppd(a2, &st, &err);
	assert_int_equal(st, 2);
	assert_non_null(strstr(err, "unknown protocol 'PI99'"));
	free(out);
	free(err);
	out = mppd(a3, &st, &err);
	assert_int_equal(st, 2);
	assert_non_null(strstr(err, "not hex"));
	free(out);
	free(err);
}

static void
test_decode_and_print_request(void **state)
{
	const char *a1[] = { "-P", "PI30", "-c", "POP02", "--print-request", NULL };
	const char *a2[] = { "-P", "PI30", "-c", "POP02", "--decode",
		"28 41 43 4b 39 20 0d", "-o", "json", NULL };
	const char *a3[] = { "-P", "PI30", "-c", "QPIGS#QPIRI", "--print-request", NULL };

	expect_output(a1, "504f503032e20b0d\n");
	expect_output(a2, "{\"_command\": \"POP02\", \"_command_description\": "
	    "\"Set Device Output Source Priority\", \"pop\": \"ACK\"}\n");
	expect_output(a3, "5150494753b7a90d\n5150495249f8540d\n");
}

static void
test_commands_are_trimmed(void **state)
{
	const char *args[] = { "-p", "test0", "-P", "PI30", "-c", " QPI # QMOD ",
		"-o", "json", NULL };
	int st;
	char *out = mppd(args, &st, NULL);

	assert_int_equal(st, 0);
	assert_non_null(strstr(out, "{\"_command\": \"QPI\", \"_command_description\": "
	    "\"Protocol ID inquiry\", \"protocol_id\": \"PI30\"}\n"));
	assert_non_null(strstr(out, "\"_command\": \"QMOD\""));
	free(out);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_screen_output_matches_reference),
	cmocka_unit_test(test_pi30_qpigs_screen_table),
	cmocka_unit_test(test_json_filter_keepcase_and_raw_simple),
	cmocka_unit_test(test_mqtt_outputs_print_with_broker_screen),
	cmocka_unit_test(test_port_error_screen),
	cmocka_unit_test(test_help_listings),
	cmocka_unit_test(test_bad_arguments_exit_2_with_message),
	cmocka_unit_test(test_decode_and_print_request),
	cmocka_unit_test(test_commands_are_trimmed),
};

MPPD_TEST_MAIN(tests)

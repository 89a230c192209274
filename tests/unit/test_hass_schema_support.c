/*
 * test_hass_schema.c - the tests' copy of Home Assistant's discovery rules
 * refuses what Home Assistant refuses, so the integration tests that use
 * it can fail.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hass_schema.h"

static void
refused(const char *comp, const char *json, const char *why)
{
	char err[256];

	assert_int_equal(hass_schema_check(comp, json, err, sizeof(err)), -1);
	if (strstr(err, why) == NULL)
		fail_msg("%s: \"%s\" lacks \"%s\"", json, err, why);
}

static void
test_schema_accepts_and_refuses_as_home_assistant(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(hass_schema_check("sensor", "{\"name\":\"E\","
	    "\"state_topic\":\"t\",\"unit_of_measurement\":\"kWh\","
	    "\"device_class\":\"energy\",\"state_class\":\"total_increasing\","
	    "\"device\":{\"identifiers\":[\"inv\"],\"name\":\"inv\"}}", err,
	    sizeof(err)), 0);
	assert_int_equal(hass_schema_check("sensor", "", err, sizeof(err)), 0);
	refused("sensor", "{\"state_topic\":\"t\",\"unit_of_measurement\":"
	    "\"kWh\",\"device_class\":\"energy\",\"state_class\":"
	    "\"measurement\"}", "not valid with device class energy");
	refused("sensor", "{\"state_topic\":\"t\",\"unit_of_measurement\":"
	    "\"V\",\"device_class\":\"power\"}", "unit V is not valid");
	refused("sensor", "{\"name\":\"x\"}", "state_topic");
	refused("number", "{\"command_topic\":\"c\",\"min\":5,\"max\":5}",
	    "min < max");
	refused("select", "{\"command_topic\":\"c\",\"options\":[]}",
	    "options");
	refused("switch", "{\"state_topic\":\"s\"}", "command_topic");
	refused("sensor", "{\"state_topic\":\"t\",\"device\":{\"name\":\"x\"}}",
	    "neither identifiers");
	refused("sensor", "{\"state_topic\":\"t\",\"availability\":[{}]}",
	    "no topic");
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_schema_accepts_and_refuses_as_home_assistant),
};

#include "testmain.h"
MPPD_TEST_MAIN(tests)

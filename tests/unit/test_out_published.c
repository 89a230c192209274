/*
 * test_out_published.c - the topics each MQTT output publishes under, as
 * the load-time command-topic check sees them (out_check_published()):
 * every MQTT output of the registry has its own row (none falls back to
 * "#"), and the placeholders are filled from the device.
 */
#include <string.h>

#include "config.h"
#include "out_check.h"
#include "output.h"
#include "testmain.h"

struct seen {
	char	filters[4][128];
	int	n;
};

static void
collect(void *arg, const char *filter, const char *what)
{
	struct seen *s = arg;

	(void)what;
	assert_true(s->n < 4);
	snprintf(s->filters[s->n++], sizeof(s->filters[0]), "%s", filter);
}

static void
published(const char *output, const char *tag, struct seen *s)
{
	struct config c;
	struct device_cfg d;
	char *outs[1];

	memset(&c, 0, sizeof(c));
	memset(&d, 0, sizeof(d));
	outs[0] = (char *)output;
	d.outputs = outs;
	d.noutputs = 1;
	d.tag = (char *)tag;
	memset(s, 0, sizeof(*s));
	out_check_published(&c, &d, collect, s);
}

static void
test_every_mqtt_output_says_where_it_publishes(void **state)
{
	struct seen s;
	int n = 0;

	(void)state;
	for (int i = 0; output_help[i][0] != NULL; i++) {
		const char *name = output_help[i][0];
		if (output_kind(name) != OUT_MQTT) {
			published(name, NULL, &s);
			assert_int_equal(s.n, 0);
			continue;
		}
		published(name, NULL, &s);
		assert_true(s.n >= 1);
		for (int k = 0; k < s.n; k++)
			if (strcmp(s.filters[k], "#") == 0)
				fail_msg("output %s has no row in out_check.c's "
				    "out_topics", name);
		n++;
	}
	assert_true(n >= 8);
}

static void
test_placeholders_come_from_the_device(void **state)
{
	struct seen s;

	(void)state;
	published("mqtt", NULL, &s);
	assert_string_equal(s.filters[0], "+/status/#");
	published("mqtt", "inv", &s);
	assert_string_equal(s.filters[0], "inv/status/#");
	published("json_mqtt", NULL, &s);
	assert_string_equal(s.filters[0], "+/mpp-solar");
	published("tag_mqtt", NULL, &s);
	assert_string_equal(s.filters[0], "mpp-solar/#");
	published("influx_mqtt", NULL, &s);
	assert_string_equal(s.filters[0], "mpp-solar");
	published("domoticz_autodiscover", NULL, &s);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.filters[0], "homeassistant/#");
	assert_string_equal(s.filters[1], "domoticz/#");
	published("json", NULL, &s);
	assert_int_equal(s.n, 0);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_every_mqtt_output_says_where_it_publishes),
	cmocka_unit_test(test_placeholders_come_from_the_device),
};

MPPD_TEST_MAIN(tests)

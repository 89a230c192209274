/*
 * test_http_path.c - the web server's pure parts: the request router
 * (methods, routes, percent-decoding, traversal in every encoding), the
 * device name lookup, the http_listen splitter, Prometheus metric names
 * and the chart's sample extraction.
 */
#include <math.h>
#include <stdlib.h>

#include "http_metrics.h"
#include "http_path.h"
#include "http_server.h"
#include "http_store.h"
#include "result.h"
#include "testmain.h"

static enum hroute
route(const char *method, const char *target, struct hpath_route *rt)
{
	hpath_route(method, target, rt);
	return rt->route;
}

static void
test_http_path_routes_page_metrics_and_api(void **state)
{
	struct hpath_route rt;

	(void)state;
	assert_int_equal(route("GET", "/", &rt), HR_ASSET);
	assert_int_equal(rt.asset, 0);
	assert_int_equal(route("GET", "/app.js", &rt), HR_ASSET);
	assert_int_equal(route("GET", "/app.css", &rt), HR_ASSET);
	assert_int_equal(route("HEAD", "/metrics", &rt), HR_METRICS);
	assert_int_equal(route("GET", "/metrics?x=1", &rt), HR_METRICS);
	assert_int_equal(route("GET", "/api/devices", &rt), HR_API_LIST);
	assert_int_equal(route("GET", "/api/devices/inv1", &rt), HR_API_DEVICE);
	assert_string_equal(rt.name, "inv1");
	assert_int_equal(route("GET", "/api/devices/inv%201/history", &rt),
	    HR_API_HISTORY);
	assert_string_equal(rt.name, "inv 1");
	assert_int_equal(route("GET", "/api/devices/%C3%A9t%C3%A9#frag", &rt),
	    HR_API_DEVICE);
	assert_string_equal(rt.name, "\xc3\xa9t\xc3\xa9");
}

static void
test_http_path_refuses_every_method_but_get_and_head(void **state)
{
	static const char *const m[] = { "POST", "PUT", "DELETE", "PATCH",
		"OPTIONS", "TRACE", "CONNECT", "get", "", "GETX" };
	struct hpath_route rt;

	(void)state;
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		assert_int_equal(route(m[i], "/", &rt), HR_BAD_METHOD);
	assert_int_equal(route(NULL, "/", &rt), HR_BAD_METHOD);
}

static void
test_http_path_traversal_in_any_encoding_is_not_found(void **state)
{
	static const char *const t[] = {
		"/../etc/passwd", "/%2e%2e/etc/passwd", "/%2E%2E%2Fetc%2Fpasswd",
		"/.%2e/etc/passwd", "/api/devices/../../etc/passwd",
		"/api/devices/..", "/api/devices/.", "/api/devices/%2e%2e",
		"/api/devices/..%2fmetrics", "/api/devices/x/../../metrics",
		"/./metrics", "//metrics", "/metrics/", "/api//devices",
		"/..\\etc\\passwd", "/%5c..%5cetc", "/api/devices/a%00b",
		"/api/devices/a%0ab", "/%", "/%2", "/%zz", "/%2g",
		"metrics", "", "*", "http://host/metrics",
		"/index.html", "/etc/passwd", "/app.js/", "/APP.JS",
		"/api/devices/", "/api/devices/x/history/y", "/api/devices/x/y",
		"/api/devicesx", "/api",
	};
	struct hpath_route rt;

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (route("GET", t[i], &rt) != HR_NOT_FOUND)
			fail_msg("%s: route %d, expected not found", t[i],
			    rt.route);
	}
	assert_int_equal(route("GET", NULL, &rt), HR_NOT_FOUND);
}

static void
test_http_path_bounds_target_and_name_length(void **state)
{
	char t[HPATH_MAX + 64];
	struct hpath_route rt;

	(void)state;
	snprintf(t, sizeof(t), "/api/devices/%0*d", HPATH_NAME_MAX, 7);
	assert_int_equal(route("GET", t, &rt), HR_API_DEVICE);
	assert_int_equal(strlen(rt.name), HPATH_NAME_MAX);
	snprintf(t, sizeof(t), "/api/devices/%0*d", HPATH_NAME_MAX + 1, 7);
	assert_int_equal(route("GET", t, &rt), HR_NOT_FOUND);
	memset(t, 'a', sizeof(t));
	t[0] = '/';
	t[HPATH_MAX + 1] = '\0';
	assert_int_equal(route("GET", t, &rt), HR_NOT_FOUND);
}

static void
test_http_path_lookup_is_exact(void **state)
{
	const char *names[] = { "inv1", NULL, "inv 2", "Inv1" };

	(void)state;
	assert_int_equal(hpath_lookup(names, 4, "inv1"), 0);
	assert_int_equal(hpath_lookup(names, 4, "inv 2"), 2);
	assert_int_equal(hpath_lookup(names, 4, "Inv1"), 3);
	assert_int_equal(hpath_lookup(names, 4, "inv"), -1);
	assert_int_equal(hpath_lookup(names, 4, "inv12"), -1);
	assert_int_equal(hpath_lookup(names, 4, ""), -1);
	assert_int_equal(hpath_lookup(names, 4, NULL), -1);
	assert_int_equal(hpath_lookup(names, 0, "inv1"), -1);
}

static void
test_http_listen_split(void **state)
{
	char host[64];
	int port;

	(void)state;
	assert_int_equal(http_split_listen("127.0.0.1:8080", host,
	    sizeof(host), &port), 0);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 8080);
	assert_int_equal(http_split_listen("[::1]:9", host, sizeof(host),
	    &port), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 9);
	assert_int_equal(http_split_listen("localhost:65535", host,
	    sizeof(host), &port), 0);
	assert_int_equal(http_split_listen("127.0.0.1", host, sizeof(host),
	    &port), -1);
	assert_int_equal(http_split_listen(":80", host, sizeof(host), &port), -1);
	assert_int_equal(http_split_listen("h:0", host, sizeof(host), &port), -1);
	assert_int_equal(http_split_listen("h:65536", host, sizeof(host),
	    &port), -1);
	assert_int_equal(http_split_listen("h:80x", host, sizeof(host),
	    &port), -1);
	assert_int_equal(http_split_listen("::1:80", host, sizeof(host),
	    &port), -1);
	assert_int_equal(http_split_listen("[::1]80", host, sizeof(host),
	    &port), -1);
}

static void
name_is(const char *key, const char *unit, const char *want, double factor)
{
	char buf[160];
	double f;
	int known;

	hmetrics_name(key, unit, buf, sizeof(buf), &f, &known);
	assert_string_equal(buf, want);
	assert_true(fabs(f - factor) < 1e-12);
}

static void
test_http_metric_names_follow_prometheus_conventions(void **state)
{
	(void)state;
	name_is("AC Input Voltage", "V", "mppd_ac_input_voltage_volts", 1);
	name_is("Battery Capacity", "%", "mppd_battery_capacity_ratio", 0.01);
	name_is("Inverter Heat Sink Temperature", "\xc2\xb0" "C",
	    "mppd_inverter_heat_sink_temperature_celsius", 1);
	name_is("PV1 Input Power", "W", "mppd_pv1_input_power_watts", 1);
	name_is("Generated energy", "kWh", "mppd_generated_energy_joules",
	    3.6e6);
	name_is("Is Load On", "bool", "mppd_is_load_on", 1);
	name_is("Energy Total", "", "mppd_energy_total_value", 1);
	name_is("Device Up", "", "mppd_device_up_value", 1);
	name_is("Output Voltage Volts", "V", "mppd_output_voltage_volts", 1);
	name_is("  --  ", "V", "mppd_value_volts", 1);
	name_is("\xc3\xa9t\xc3\xa9-2", "rpm", "mppd_t_2", 1);
}

static void
test_http_sample_takes_the_main_powers_and_battery(void **state)
{
	struct result r;
	struct hsample s;

	(void)state;
	result_init(&r);
	result_set(&r, "PV1 Input Power", val_int(300), "W", EX_ABSENT, NULL, 0);
	result_set(&r, "PV2 Input Power", val_int(200), "W", EX_ABSENT, NULL, 0);
	result_set(&r, "AC Output Active Power", val_int(119), "W", EX_ABSENT,
	    NULL, 0);
	result_set(&r, "Battery Voltage", val_float(50.0), "V", EX_ABSENT,
	    NULL, 0);
	result_set(&r, "Battery Charging Current", val_int(10), "A", EX_ABSENT,
	    NULL, 0);
	result_set(&r, "Battery Discharge Current", val_int(2), "A", EX_ABSENT,
	    NULL, 0);
	result_set(&r, "Battery Capacity", val_int(87), "%", EX_ABSENT, NULL, 0);
	assert_int_equal(hstore_sample(&r, &s), 4);
	assert_true(s.v[HS_PV] == 500);
	assert_true(s.v[HS_LOAD] == 119);
	assert_true(isnan(s.v[HS_GRID]));
	assert_true(s.v[HS_BATT_W] == 400);
	assert_true(s.v[HS_BATT_PCT] == 87);
	result_free(&r);
	result_init(&r);
	result_set_plain(&r, "_command", "QMOD");
	result_set_str(&r, "Device Mode", "Battery", "");
	assert_int_equal(hstore_sample(&r, &s), 0);
	result_free(&r);
	/* a ratings reply (QPIRI) names a rated power like a measured one */
	result_init(&r);
	result_set(&r, "AC Output Active Power", val_int(4000), "W", EX_ABSENT,
	    NULL, 0);
	result_set(&r, "Battery Voltage", val_float(48.0), "V", EX_ABSENT,
	    NULL, 0);
	assert_int_equal(hstore_sample(&r, &s), 0);
	result_free(&r);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http_path_routes_page_metrics_and_api),
		cmocka_unit_test(test_http_path_refuses_every_method_but_get_and_head),
		cmocka_unit_test(test_http_path_traversal_in_any_encoding_is_not_found),
		cmocka_unit_test(test_http_path_bounds_target_and_name_length),
		cmocka_unit_test(test_http_path_lookup_is_exact),
		cmocka_unit_test(test_http_listen_split),
		cmocka_unit_test(test_http_metric_names_follow_prometheus_conventions),
		cmocka_unit_test(test_http_sample_takes_the_main_powers_and_battery),
	};

	MPPD_TEST_MAIN_BODY(tests)
}

/*
 * test_ident.c - client id (docs/compatibility.md, MQTT keys), host name,
 * placeholder expansion.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"
#include "ident.h"

static void
test_ident_client_id_worked_example_without_user(void **state)
{
	char id[64];

	(void)state;
	assert_int_equal(ident_client_id("myserver", "192.168.1.100", 1884,
	    NULL, id, sizeof(id)), 0);
	assert_string_equal(id, "mppsolar_myserver_f1779197");
}

static void
test_ident_client_id_worked_example_with_user(void **state)
{
	char id[64];

	(void)state;
	assert_int_equal(ident_client_id("myserver", "192.168.1.100", 1884,
	    "mqttuser", id, sizeof(id)), 0);
	assert_string_equal(id, "mppsolar_myserver_fe48758e");
}

/* printf '%s' 'host:broker:1883' | md5sum -> 25dbd76940fced91... */
static void
test_ident_client_id_matches_md5sum(void **state)
{
	char id[64];

	(void)state;
	assert_int_equal(ident_client_id("host", "broker", 1883, NULL, id,
	    sizeof(id)), 0);
	assert_string_equal(id, "mppsolar_host_25dbd769");
}

static void
test_ident_client_id_empty_user_counts_as_none(void **state)
{
	char a[64], b[64];

	(void)state;
	assert_int_equal(ident_client_id("h", "b", 1883, "", a, sizeof(a)), 0);
	assert_int_equal(ident_client_id("h", "b", 1883, NULL, b, sizeof(b)),
	    0);
	assert_string_equal(a, b);
}

static void
test_ident_client_id_refuses_small_buffer(void **state)
{
	char id[20];

	(void)state;
	assert_int_equal(ident_client_id("myserver", "192.168.1.100", 1884,
	    NULL, id, sizeof(id)), -1);
	assert_string_equal(id, "");
}

static void
test_ident_client_id_null_host_uses_short_hostname(void **state)
{
	char a[320], b[320];

	(void)state;
	assert_int_equal(ident_client_id(NULL, "b", 1, NULL, a, sizeof(a)), 0);
	assert_int_equal(ident_client_id(ident_short_hostname(), "b", 1, NULL,
	    b, sizeof(b)), 0);
	assert_string_equal(a, b);
}

static void
test_ident_short_hostname_stops_at_first_dot(void **state)
{
	char buf[256], *dot;

	(void)state;
	assert_int_equal(gethostname(buf, sizeof(buf)), 0);
	buf[sizeof(buf) - 1] = '\0';
	if ((dot = strchr(buf, '.')) != NULL)
		*dot = '\0';
	if (buf[0] == '\0')
		strcpy(buf, "mppsolar");
	assert_string_equal(ident_short_hostname(), buf);
	/* Cached: the same pointer every time. */
	assert_ptr_equal(ident_short_hostname(), ident_short_hostname());
}

static void
test_ident_hostname_override(void **state)
{
	struct mqtt_settings m;

	(void)state;
	memset(&m, 0, sizeof(m));
	assert_string_equal(ident_hostname(&m), ident_short_hostname());
	m.hostname = "";
	assert_string_equal(ident_hostname(&m), ident_short_hostname());
	m.hostname = "site-7";
	assert_string_equal(ident_hostname(&m), "site-7");
	assert_string_equal(ident_hostname(&m), "site-7");
	assert_string_equal(ident_hostname(NULL), ident_short_hostname());
}

static void
test_ident_expand_replaces_both_placeholders(void **state)
{
	char *s;

	(void)state;
	s = ident_expand("{hostname}/{device}/cmd", "pi", "inv1");
	assert_string_equal(s, "pi/inv1/cmd");
	free(s);
	s = ident_expand("{device}-{device}/{hostname}/x{hostname}", "h", "d");
	assert_string_equal(s, "d-d/h/xh");
	free(s);
	s = ident_expand("plain/topic/{other}/{devic}", "h", "d");
	assert_string_equal(s, "plain/topic/{other}/{devic}");
	free(s);
	s = ident_expand("", "h", "d");
	assert_string_equal(s, "");
	free(s);
}

static void
test_ident_expand_null_leaves_placeholder(void **state)
{
	char *s;

	(void)state;
	s = ident_expand("{hostname}/{device}/cmd", "pi", NULL);
	assert_string_equal(s, "pi/{device}/cmd");
	free(s);
	s = ident_expand("{hostname}/{device}/cmd", NULL, "inv");
	assert_string_equal(s, "{hostname}/inv/cmd");
	free(s);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_ident_client_id_worked_example_without_user),
	cmocka_unit_test(test_ident_client_id_worked_example_with_user),
	cmocka_unit_test(test_ident_client_id_matches_md5sum),
	cmocka_unit_test(test_ident_client_id_empty_user_counts_as_none),
	cmocka_unit_test(test_ident_client_id_refuses_small_buffer),
	cmocka_unit_test(test_ident_client_id_null_host_uses_short_hostname),
	cmocka_unit_test(test_ident_short_hostname_stops_at_first_dot),
	cmocka_unit_test(test_ident_hostname_override),
	cmocka_unit_test(test_ident_expand_replaces_both_placeholders),
	cmocka_unit_test(test_ident_expand_null_leaves_placeholder),
};

#include "testmain.h"
MPPD_TEST_MAIN(tests)

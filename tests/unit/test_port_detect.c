/*
 * test_port_detect.c - port type from the port name, as the reference
 * picks it (docs/protocols.md), plus mppd's any-/dev/tty* rule.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "port.h"

static void
test_detect_test_anywhere_in_name(void **state)
{
	assert_int_equal(port_detect("test0", NULL), PORT_TEST);
	assert_int_equal(port_detect("test", ""), PORT_TEST);
	/* "test" wins over "ttyusb": the reference checks it first. */
	assert_int_equal(port_detect("/dev/ttyUSB_test", NULL), PORT_TEST);
}

static void
test_detect_hidraw_and_mppsolar(void **state)
{
	assert_int_equal(port_detect("/dev/hidraw0", NULL), PORT_HIDRAW);
	assert_int_equal(port_detect("/dev/mppsolar", NULL), PORT_HIDRAW);
}

static void
test_detect_serial_and_ttyusb(void **state)
{
	assert_int_equal(port_detect("/dev/serial/by-id/x", NULL),
	    PORT_SERIAL);
	assert_int_equal(port_detect("/dev/ttyUSB0", NULL), PORT_SERIAL);
}

static void
test_detect_other_dev_tty_is_serial(void **state)
{
	/* The reference needs porttype=serial for these; mppd does not. */
	assert_int_equal(port_detect("/dev/ttyS0", NULL), PORT_SERIAL);
	assert_int_equal(port_detect("/dev/ttyACM0", NULL), PORT_SERIAL);
	assert_int_equal(port_detect("/dev/ttyAMA0", NULL), PORT_SERIAL);
}

static void
test_detect_unknown_name_is_none(void **state)
{
	assert_int_equal(port_detect("foo", NULL), PORT_NONE);
	assert_int_equal(port_detect("", NULL), PORT_NONE);
	assert_int_equal(port_detect(NULL, NULL), PORT_NONE);
	assert_string_equal(port_type_name(port_detect("foo", NULL)), "none");
}

static void
test_detect_porttype_overrides_name(void **state)
{
	assert_int_equal(port_detect("foo", "serial"), PORT_SERIAL);
	assert_int_equal(port_detect("/dev/ttyUSB0", "hidraw"), PORT_HIDRAW);
	assert_int_equal(port_detect("/dev/hidraw0", "test"), PORT_TEST);
	/* An empty porttype is no override. */
	assert_int_equal(port_detect("/dev/hidraw0", ""), PORT_HIDRAW);
}

static void
test_detect_is_case_insensitive(void **state)
{
	assert_int_equal(port_detect("TEST1", NULL), PORT_TEST);
	assert_int_equal(port_detect("/dev/HIDRAW0", NULL), PORT_HIDRAW);
	assert_int_equal(port_detect("/dev/MppSolar", NULL), PORT_HIDRAW);
	assert_int_equal(port_detect("/dev/Serial/by-id/x", NULL),
	    PORT_SERIAL);
	assert_int_equal(port_detect("/dev/TTYUSB0", NULL), PORT_SERIAL);
	assert_int_equal(port_detect("foo", "SERIAL"), PORT_SERIAL);
}

static void
test_port_type_names(void **state)
{
	assert_string_equal(port_type_name(PORT_TEST), "test");
	assert_string_equal(port_type_name(PORT_SERIAL), "serial");
	assert_string_equal(port_type_name(PORT_HIDRAW), "hidraw");
	assert_string_equal(port_type_name(PORT_NONE), "none");
}

/*
 * Sections naming one physical port share its owner: the key follows
 * symlinks (a by-id link and the tty it names are one port) and names a
 * network port by host:port whatever the scheme; test ports have none.
 */
static void
test_port_key_is_the_physical_port(void **state)
{
	char dir[] = "/tmp/mppd-portkey-XXXXXX", tty[64], link[64];
	char a[4200], b[4200];

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(tty, sizeof(tty), "%s/ttyUSB0", dir);
	snprintf(link, sizeof(link), "%s/by-id", dir);
	fclose(fopen(tty, "w"));
	assert_int_equal(symlink(tty, link), 0);
	assert_int_equal(port_key(tty, PORT_SERIAL, a, sizeof(a)), 0);
	assert_int_equal(port_key(link, PORT_SERIAL, b, sizeof(b)), 0);
	assert_string_equal(a, b);
	assert_int_equal(strncmp(a, "dev:", 4), 0);
	/* a device that is not there yet keeps its name */
	assert_int_equal(port_key("/dev/ttyUSB9-absent", PORT_SERIAL, a,
	    sizeof(a)), 0);
	assert_string_equal(a, "dev:/dev/ttyUSB9-absent");
	assert_int_equal(port_key("tcp://GW.local:8899", PORT_TCP, a,
	    sizeof(a)), 0);
	assert_int_equal(port_key("gw.local:8899", PORT_RFC2217, b,
	    sizeof(b)), 0);
	assert_string_equal(a, "net:gw.local:8899");
	assert_string_equal(a, b);
	assert_int_equal(port_key("test0", PORT_TEST, a, sizeof(a)), -1);
	assert_int_equal(port_key("nothing", PORT_NONE, a, sizeof(a)), -1);
	unlink(link);
	unlink(tty);
	rmdir(dir);
}

static void
test_detect_network_urls_before_substrings(void **state)
{
	assert_int_equal(port_detect("tcp://10.0.0.7:8899", NULL), PORT_TCP);
	assert_int_equal(port_detect("RFC2217://bridge:4001", NULL),
	    PORT_RFC2217);
	/* "test" in a host name does not make a test port. */
	assert_int_equal(port_detect("tcp://test-bridge:23", NULL), PORT_TCP);
	assert_int_equal(port_detect("10.0.0.7:8899", "tcp"), PORT_TCP);
	assert_int_equal(port_detect("tcp://10.0.0.7:8899", "rfc2217"),
	    PORT_RFC2217);
	assert_string_equal(port_type_name(PORT_TCP), "tcp");
	assert_string_equal(port_type_name(PORT_RFC2217), "rfc2217");
}

static void
test_url_parse_host_and_port(void **state)
{
	struct port_addr a;
	char err[256];

	assert_int_equal(port_url_parse("tcp://192.168.1.50:8899", &a, err,
	    sizeof(err)), 0);
	assert_string_equal(a.host, "192.168.1.50");
	assert_int_equal(a.port, 8899);
	assert_string_equal(a.service, "8899");
	assert_int_equal(port_url_parse("rfc2217://[::1]:4001", &a, err,
	    sizeof(err)), 0);
	assert_string_equal(a.host, "::1");
	assert_int_equal(port_url_parse("bridge.lan:23", &a, err,
	    sizeof(err)), 0);
	assert_string_equal(a.host, "bridge.lan");
	assert_int_equal(a.port, 23);
}

static void
expect_bad(const char *url, const char *why)
{
	struct port_addr a;
	char err[256];

	assert_int_equal(port_url_parse(url, &a, err, sizeof(err)), -1);
	if (strstr(err, why) == NULL)
		fail_msg("%s: \"%s\" lacks \"%s\"", url, err, why);
	assert_non_null(strstr(err, "expected tcp://HOST:PORT or "
	    "rfc2217://HOST:PORT"));
}

static void
test_url_parse_refuses_malformed(void **state)
{
	expect_bad("tcp://10.0.0.7", "has no port number after the host");
	expect_bad("tcp://10.0.0.7:", "has no port number after the host");
	expect_bad("tcp://:8899", "names no host");
	expect_bad("tcp://host:0", "not a number from 1 to 65535");
	expect_bad("tcp://host:65536", "not a number from 1 to 65535");
	expect_bad("tcp://host:88a", "not a number from 1 to 65535");
	expect_bad("tcp://host/x:88", "more than a host and a port number");
	expect_bad("tcp://user@host:88", "more than a host and a port number");
	expect_bad("tcp://[::1:88", "never closes it");
	expect_bad("udp://host:88", "found the scheme 'udp'");
}

static void
test_check_url_at_load(void **state)
{
	char err[512];

	assert_int_equal(port_check_url("/dev/ttyUSB0", NULL, err,
	    sizeof(err)), 0);
	assert_int_equal(port_check_url("tcp://h:1", NULL, err, sizeof(err)),
	    0);
	assert_int_equal(port_check_url("h:1", "rfc2217", err, sizeof(err)),
	    0);
	assert_int_equal(port_check_url("tcp://h", NULL, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "'tcp://h' has no port number"));
	/* A URL of another scheme is no device path either. */
	assert_int_equal(port_check_url("ssh://h:22", NULL, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "found the scheme 'ssh' in 'ssh://h:22'"));
	assert_int_equal(port_check_url("h", "tcp", err, sizeof(err)), -1);
}

static void
test_detect_follows_dev_symlink(void **state)
{
	/* /dev/stdin is a link on Linux; its target is not a tty here, so
	 * only a link to a tty or hidraw node changes the answer. */
	char link[] = "/dev/shm/mppd-detect-XXXXXX";
	int fd = mkstemp(link);

	assert_true(fd != -1);
	close(fd);
	unlink(link);
	if (symlink("/dev/ttyS0", link) != 0)
		skip();
	assert_int_equal(port_detect(link, NULL), PORT_SERIAL);
	unlink(link);
	assert_int_equal(symlink("/dev/hidraw9", link), 0);
	/* A dangling link: realpath fails, so nothing is known. */
	assert_int_equal(port_detect(link, NULL), PORT_NONE);
	unlink(link);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_detect_network_urls_before_substrings),
	cmocka_unit_test(test_url_parse_host_and_port),
	cmocka_unit_test(test_url_parse_refuses_malformed),
	cmocka_unit_test(test_check_url_at_load),
	cmocka_unit_test(test_detect_follows_dev_symlink),
	cmocka_unit_test(test_detect_test_anywhere_in_name),
	cmocka_unit_test(test_detect_hidraw_and_mppsolar),
	cmocka_unit_test(test_detect_serial_and_ttyusb),
	cmocka_unit_test(test_detect_other_dev_tty_is_serial),
	cmocka_unit_test(test_detect_unknown_name_is_none),
	cmocka_unit_test(test_detect_porttype_overrides_name),
	cmocka_unit_test(test_detect_is_case_insensitive),
	cmocka_unit_test(test_port_type_names),
	cmocka_unit_test(test_port_key_is_the_physical_port),
};

#include "testmain.h"
MPPD_TEST_MAIN(tests)

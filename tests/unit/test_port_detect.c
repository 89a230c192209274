/*
 * test_port_detect.c - port type from the port name, as the reference
 * picks it (PROTOCOL.md section 4), plus mppd's any-/dev/tty* rule.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

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
	assert_int_equal(port_key("tcp://GW.local:8899", PORT_NONE, a,
	    sizeof(a)), 0);
	assert_int_equal(port_key("rfc2217://gw.local:8899/", PORT_NONE, b,
	    sizeof(b)), 0);
	assert_string_equal(a, "net:gw.local:8899");
	assert_string_equal(a, b);
	assert_int_equal(port_key("test0", PORT_TEST, a, sizeof(a)), -1);
	assert_int_equal(port_key("nothing", PORT_NONE, a, sizeof(a)), -1);
	unlink(link);
	unlink(tty);
	rmdir(dir);
}

static const struct CMUnitTest tests[] = {
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

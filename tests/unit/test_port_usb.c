/*
 * test_port_usb.c - the USB device behind a tty or hidraw node, found
 * through a sysfs tree (a copy of the real layout in a temporary
 * directory), for usb_reset.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

/* Paths here are short; a cut one fails the test, not the build. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

#include "harness.h"
#include "port.h"

/* mkdir -p */
static void
mkdirs(const char *path)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p != '\0'; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, 0755);
			*p = '/';
		}
	mkdir(buf, 0755);
}

static void
put(const char *dir, const char *rel, const char *text)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	assert_int_equal(h_write_file(path, text), 0);
}

/*
 * sys/devices/.../usb1/1-1.3 (busnum 1, devnum 7)/1-1.3:1.0/ttyUSB0/tty/ttyUSB0
 * sys/class/tty/ttyUSB0 -> that directory; dev/ttyUSB0 a plain file and
 * dev/serial/by-id/usb-Prolific-if00-port0 -> ../../ttyUSB0.
 */
static void
test_usb_node_found_through_by_id_link(void **state)
{
	char *dir = h_tmpdir(), sys[512], p[PATH_MAX], q[PATH_MAX],
	    node[64], why[PATH_MAX + 64];
	const char *usb = "devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1.3";

	assert_non_null(dir);
	snprintf(sys, sizeof(sys), "%s/sys", dir);
	snprintf(p, sizeof(p), "%s/%s/1-1.3:1.0/ttyUSB0/tty/ttyUSB0", sys, usb);
	mkdirs(p);
	snprintf(q, sizeof(q), "%s/%s", sys, usb);
	put(q, "busnum", "1\n");
	put(q, "devnum", "7\n");
	/* The hub above has numbers too: the nearest one counts. */
	snprintf(q, sizeof(q), "%s/devices/pci0000:00/0000:00:14.0/usb1/1-1",
	    sys);
	put(q, "busnum", "1\n");
	put(q, "devnum", "2\n");
	snprintf(q, sizeof(q), "%s/class/tty", sys);
	mkdirs(q);
	snprintf(q, sizeof(q), "%s/class/tty/ttyUSB0", sys);
	assert_int_equal(symlink(p, q), 0);
	snprintf(p, sizeof(p), "%s/dev/serial/by-id", dir);
	mkdirs(p);
	snprintf(p, sizeof(p), "%s/dev", dir);
	put(p, "ttyUSB0", "");
	snprintf(q, sizeof(q), "%s/dev/serial/by-id/usb-Prolific-if00-port0",
	    dir);
	assert_int_equal(symlink("../../ttyUSB0", q), 0);

	assert_int_equal(port_usb_node(sys, q, node, sizeof(node), why,
	    sizeof(why)), 0);
	assert_string_equal(node, "/dev/bus/usb/001/007");

	/* A tty that is not on USB (no busnum above it). */
	snprintf(p, sizeof(p), "%s/devices/platform/serial8250/tty/ttyS0", sys);
	mkdirs(p);
	snprintf(q, sizeof(q), "%s/class/tty/ttyS0", sys);
	assert_int_equal(symlink(p, q), 0);
	snprintf(p, sizeof(p), "%s/dev", dir);
	put(p, "ttyS0", "");
	snprintf(q, sizeof(q), "%s/dev/ttyS0", dir);
	assert_int_equal(port_usb_node(sys, q, node, sizeof(node), why,
	    sizeof(why)), -1);
	assert_non_null(strstr(why, "is not on a USB device"));

	/* Neither a tty nor a hidraw node. */
	snprintf(q, sizeof(q), "%s/dev", dir);
	put(q, "sda", "");
	snprintf(q, sizeof(q), "%s/dev/sda", dir);
	assert_int_equal(port_usb_node(sys, q, node, sizeof(node), why,
	    sizeof(why)), -1);
	assert_non_null(strstr(why, "neither a tty nor a hidraw node"));
	h_rmrf(dir);
	free(dir);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_usb_node_found_through_by_id_link),
};

#include "testmain.h"
MPPD_TEST_MAIN(tests)

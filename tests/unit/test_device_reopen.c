/*
 * test_device_reopen.c - reopen_after: a device that has not answered N
 * commands in a row gets its port closed, and the next command opens it
 * afresh (a hidraw port here, opened through its test hook: one end of a
 * socketpair whose other end never answers, then one that does).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "device.h"
#include "proto.h"
#include "result.h"

struct opener {
	int	calls;
	int	peer[8];	/* our ends, closed at the end */
};

static int
open_silent(const char *path, void *arg)
{
	struct opener *o = arg;
	int sv[2];

	(void)path;
	if (o->calls >= 8 || socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) != 0) {
		errno = EIO;
		return -1;
	}
	o->peer[o->calls++] = sv[1];
	return sv[0];
}

static struct device *
new_device(int reopen_after)
{
	struct device_cfg dc;

	memset(&dc, 0, sizeof(dc));
	dc.name = "inv";
	dc.protocol = "PI30";
	dc.port = "/dev/hidraw7";
	dc.porttype = "hidraw";
	dc.timeout_ms = 30;
	dc.reopen_after = reopen_after;
	return device_new(&dc);
}

static int
run(struct device *d)
{
	struct result r;
	int st;

	result_init(&r);
	st = device_run(d, "QPI", &r);
	result_free(&r);
	return st;
}

static void
test_silent_device_is_reopened_every_n_commands(void **state)
{
	struct opener o = { 0 };
	struct device *d;

	assert_int_equal(proto_init(), 0);
	d = new_device(3);
	port_hidraw_set_opener(d->port, open_silent, &o);
	assert_int_equal(run(d), -1);
	assert_int_equal(run(d), -1);
	assert_int_equal(o.calls, 1);
	/* The third failure in a row closes the port... */
	assert_int_equal(run(d), -1);
	assert_int_equal(o.calls, 1);
	/* ...and the next command opens it again. */
	assert_int_equal(run(d), -1);
	assert_int_equal(o.calls, 2);
	assert_int_equal(d->consecutive_failures, 4);
	device_free(d);
	for (int i = 0; i < o.calls; i++)
		close(o.peer[i]);
}

static void
test_reopen_after_zero_never_reopens(void **state)
{
	struct opener o = { 0 };
	struct device *d;

	assert_int_equal(proto_init(), 0);
	d = new_device(0);
	port_hidraw_set_opener(d->port, open_silent, &o);
	for (int i = 0; i < 7; i++)
		assert_int_equal(run(d), -1);
	assert_int_equal(o.calls, 1);
	device_free(d);
	close(o.peer[0]);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_silent_device_is_reopened_every_n_commands),
	cmocka_unit_test(test_reopen_after_zero_never_reopens),
};

#include "testmain.h"
MPPD_TEST_MAIN(tests)

/*
 * test_port_hidraw.c - the hidraw port against a fake device.
 *
 * No hidraw node exists here, so the port opens through its test hook and
 * gets one end of a SOCK_SEQPACKET socketpair (which keeps report
 * boundaries, as hidraw does); a thread plays the inverter on the other end.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "port.h"

#define MAX_CHUNKS	8

/* What the port's opener hands out next, and what it has been asked. */
struct opener {
	int	next_fd;	/* -1: the open fails with next_errno */
	int	next_errno;
	int	calls;
};

/* One request/reply round played by the device thread. */
struct device {
	int		 fd;
	/* script */
	const uint8_t	*chunk[MAX_CHUNKS];	/* each is one report written */
	size_t		 chunklen[MAX_CHUNKS];
	int		 nchunks;
	int		 hang_up;		/* close fd after the request */
	/* what the port sent, one entry per report */
	uint8_t		 rep[MAX_CHUNKS][64];
	size_t		 replen[MAX_CHUNKS];
	int		 nreps;
	pthread_t	 thread;
};

static const uint8_t QPI[] = { 'Q', 'P', 'I', 0xBE, 0xAC, '\r' };
static const uint8_t QMCHGCR[] = {
	0x51, 0x4D, 0x43, 0x48, 0x47, 0x43, 0x52, 0xD8, 0x55, 0x0D
};
static const uint8_t PI30_REPLY[] = {
	'(', 'P', 'I', '3', '0', 0x9A, 0x0B, '\r'
};

static int
test_open(const char *path, void *arg)
{
	struct opener	*o = arg;
	int		 fd;

	o->calls++;
	if (o->next_fd == -1) {
		errno = o->next_errno;
		return -1;
	}
	fd = o->next_fd;
	o->next_fd = -1;
	o->next_errno = ENOENT;
	return fd;
}

/* A fresh socketpair: the port's end goes to the opener, ours is returned. */
static int
plug_device(struct opener *o)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	o->next_fd = sv[0];
	return sv[1];
}

static struct port *
new_port(struct opener *o)
{
	struct port_opts	 opts = { .path = "/dev/hidraw7" };
	struct port		*p;

	signal(SIGPIPE, SIG_IGN);
	o->next_fd = -1;
	o->next_errno = ENOENT;
	o->calls = 0;
	p = port_hidraw_new(&opts);
	assert_non_null(p);
	port_hidraw_set_opener(p, test_open, o);
	return p;
}

static int
has_cr(const struct device *d)
{
	for (int i = 0; i < d->nreps; i++)
		if (memchr(d->rep[i], '\r', d->replen[i]) != NULL)
			return 1;
	return 0;
}

/* Reads the request's reports up to the one with a CR, then answers. */
static void *
device_main(void *arg)
{
	struct device	*d = arg;
	struct pollfd	 pfd = { .fd = d->fd, .events = POLLIN };
	ssize_t		 n;

	while (!has_cr(d) && d->nreps < MAX_CHUNKS) {
		if (poll(&pfd, 1, 5000) != 1)
			return NULL;
		n = read(d->fd, d->rep[d->nreps], sizeof(d->rep[0]));
		if (n <= 0)
			return NULL;
		d->replen[d->nreps++] = (size_t)n;
	}
	if (d->hang_up) {
		close(d->fd);
		d->fd = -1;
		return NULL;
	}
	for (int i = 0; i < d->nchunks; i++)
		if (write(d->fd, d->chunk[i], d->chunklen[i]) !=
		    (ssize_t)d->chunklen[i])
			return NULL;
	return NULL;
}

static void
device_start(struct device *d, int fd)
{
	d->fd = fd;
	d->nreps = 0;
	assert_int_equal(pthread_create(&d->thread, NULL, device_main, d), 0);
}

static void
device_reply(struct device *d, const uint8_t *b, size_t len)
{
	d->chunk[d->nchunks] = b;
	d->chunklen[d->nchunks++] = len;
}

static int64_t
ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)(t.tv_sec - t0->tv_sec) * 1000 +
	    (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static void
test_hidraw_short_request_is_one_unpadded_write(void **state)
{
	struct opener		 o;
	struct device		 d = { 0 };
	struct port_reply	 r;
	struct port		*p = new_port(&o);

	device_reply(&d, PI30_REPLY, sizeof(PI30_REPLY));
	device_start(&d, plug_device(&o));
	assert_int_equal(port_transact(p, "QPI", QPI, sizeof(QPI), 2000, &r),
	    0);
	pthread_join(d.thread, NULL);

	assert_int_equal(d.nreps, 1);
	assert_int_equal(d.replen[0], 6);
	assert_memory_equal(d.rep[0], QPI, 6);
	assert_int_equal(r.len, sizeof(PI30_REPLY));
	assert_memory_equal(r.reply, PI30_REPLY, sizeof(PI30_REPLY));
	assert_string_equal(r.err, "");
	assert_int_equal(o.calls, 1);
	close(d.fd);
	port_free(p);
}

static void
test_hidraw_long_request_is_split_into_padded_reports(void **state)
{
	static const uint8_t first[8] = {
		0x51, 0x4D, 0x43, 0x48, 0x47, 0x43, 0x52, 0xD8
	};
	static const uint8_t second[8] = {
		0x55, 0x0D, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00
	};
	static const uint8_t ack[] = { '(', 'A', 'C', 'K', 0x39, 0x20, '\r' };
	struct opener		 o;
	struct device		 d = { 0 };
	struct port_reply	 r;
	struct port		*p = new_port(&o);

	device_reply(&d, ack, sizeof(ack));
	device_start(&d, plug_device(&o));
	assert_int_equal(port_transact(p, "QMCHGCR", QMCHGCR, sizeof(QMCHGCR),
	    2000, &r), 0);
	pthread_join(d.thread, NULL);

	assert_int_equal(d.nreps, 2);
	assert_int_equal(d.replen[0], 8);
	assert_memory_equal(d.rep[0], first, 8);
	assert_int_equal(d.replen[1], 8);
	assert_memory_equal(d.rep[1], second, 8);
	assert_int_equal(r.len, sizeof(ack));
	assert_memory_equal(r.reply, ack, sizeof(ack));
	close(d.fd);
	port_free(p);
}

static void
test_hidraw_reply_over_reports_is_reassembled_and_trimmed(void **state)
{
	/* "(230.0 50.0 0030" + CRC + CR as three zero-padded 8-byte reports */
	static const uint8_t r1[8] = { '(', '2', '3', '0', '.', '0', ' ', '5' };
	static const uint8_t r2[8] = { '0', '.', '0', ' ', '0', '0', '3', '0' };
	static const uint8_t r3[8] = { 0x12, 0x34, '\r', 0, 0, 0, 0, 0 };
	static const char want[] = "(230.0 50.0 0030\x12\x34\r";
	struct opener		 o;
	struct device		 d = { 0 };
	struct port_reply	 r;
	struct port		*p = new_port(&o);

	device_reply(&d, r1, 8);
	device_reply(&d, r2, 8);
	device_reply(&d, r3, 8);
	device_start(&d, plug_device(&o));
	assert_int_equal(port_transact(p, "QPI", QPI, sizeof(QPI), 2000, &r),
	    0);
	pthread_join(d.thread, NULL);

	assert_int_equal(r.len, sizeof(want) - 1);
	assert_memory_equal(r.reply, want, sizeof(want) - 1);
	close(d.fd);
	port_free(p);
}

static void
test_hidraw_port_stays_open_and_drains_stale_reports(void **state)
{
	static const uint8_t stale[8] = {
		'(', 'N', 'A', 'K', 0x73, 0x73, '\r', 0
	};
	struct opener		 o;
	struct device		 d = { 0 };
	struct port_reply	 r;
	struct port		*p = new_port(&o);
	int			 fd = plug_device(&o);

	device_reply(&d, PI30_REPLY, sizeof(PI30_REPLY));
	device_start(&d, fd);
	assert_int_equal(port_transact(p, "QPI", QPI, sizeof(QPI), 2000, &r),
	    0);
	pthread_join(d.thread, NULL);

	/* A late reply queued between two requests must not be taken. */
	assert_int_equal(write(fd, stale, sizeof(stale)), sizeof(stale));
	device_start(&d, fd);
	assert_int_equal(port_transact(p, "QPI", QPI, sizeof(QPI), 2000, &r),
	    0);
	pthread_join(d.thread, NULL);

	assert_int_equal(r.len, sizeof(PI30_REPLY));
	assert_memory_equal(r.reply, PI30_REPLY, sizeof(PI30_REPLY));
	assert_int_equal(o.calls, 1);
	close(fd);
	port_free(p);
}

static void
test_hidraw_silent_device_times_out(void **state)
{
	struct opener		 o;
	struct device		 d = { 0 };
	struct port_reply	 r;
	struct port		*p = new_port(&o);
	struct timespec		 t0;
	int64_t			 ms;

	device_start(&d, plug_device(&o));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(port_transact(p, "QPI", QPI, sizeof(QPI), 300, &r),
	    -1);
	ms = ms_since(&t0);
	pthread_join(d.thread, NULL);

	assert_string_equal(r.err, "USB device error: Overall timeout (0.3s) "
	    "exceeded while reading response");
	assert_int_equal(r.len, 0);
	assert_true(ms >= 290 && ms < 1500);
	assert_int_equal(d.nreps, 1);		/* the request did go out */
	close(d.fd);
	port_free(p);
}

static void
test_hidraw_partial_reply_is_returned_at_deadline(void **state)
{
	static const uint8_t part[8] = { '(', 'P', 'I', '3', 0, 0, 0, 0 };
	struct opener		 o;
	struct device		 d = { 0 };
	struct port_reply	 r;
	struct port		*p = new_port(&o);

	device_reply(&d, part, 4);
	device_start(&d, plug_device(&o));
	assert_int_equal(port_transact(p, "QPI", QPI, sizeof(QPI), 300, &r),
	    0);
	pthread_join(d.thread, NULL);

	assert_int_equal(r.len, 4);
	assert_memory_equal(r.reply, "(PI3", 4);
	close(d.fd);
	port_free(p);
}

static void
test_hidraw_end_of_file_closes_and_next_transact_reopens(void **state)
{
	struct opener		 o;
	struct device		 d = { 0 };
	struct port_reply	 r;
	struct port		*p = new_port(&o);

	d.hang_up = 1;
	device_start(&d, plug_device(&o));
	assert_int_equal(port_transact(p, "QPI", QPI, sizeof(QPI), 2000, &r),
	    -1);
	pthread_join(d.thread, NULL);
	assert_string_equal(r.err, "USB device error: No such device");
	assert_int_equal(o.calls, 1);

	/* The device comes back: the first reopen happens at once. */
	memset(&d, 0, sizeof(d));
	device_reply(&d, PI30_REPLY, sizeof(PI30_REPLY));
	device_start(&d, plug_device(&o));
	assert_int_equal(port_transact(p, "QPI", QPI, sizeof(QPI), 2000, &r),
	    0);
	pthread_join(d.thread, NULL);
	assert_int_equal(o.calls, 2);
	assert_int_equal(r.len, sizeof(PI30_REPLY));
	assert_memory_equal(r.reply, PI30_REPLY, sizeof(PI30_REPLY));
	close(d.fd);
	port_free(p);
}

static void
test_hidraw_repeated_failures_delay_the_reopen(void **state)
{
	struct opener		 o;
	struct device		 d = { 0 };
	struct port_reply	 r;
	struct port		*p = new_port(&o);
	struct timespec		 t0;
	int			 fd;

	/* Two failed opens: the first retry is immediate, then 1 s. */
	assert_int_equal(port_transact(p, "QPI", QPI, sizeof(QPI), 500, &r),
	    -1);
	assert_int_equal(port_transact(p, "QPI", QPI, sizeof(QPI), 500, &r),
	    -1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(o.calls, 2);

	/* Within the delay: refused at once, same text, device untouched. */
	fd = plug_device(&o);
	assert_int_equal(port_transact(p, "QPI", QPI, sizeof(QPI), 500, &r),
	    -1);
	assert_true(ms_since(&t0) < 500);
	assert_int_equal(o.calls, 2);
	assert_string_equal(r.err,
	    "USB device error: Device not found: /dev/hidraw7");

	while (ms_since(&t0) < 1050)
		usleep(10000);
	device_reply(&d, PI30_REPLY, sizeof(PI30_REPLY));
	device_start(&d, fd);
	assert_int_equal(port_transact(p, "QPI", QPI, sizeof(QPI), 2000, &r),
	    0);
	pthread_join(d.thread, NULL);
	assert_int_equal(o.calls, 3);
	assert_memory_equal(r.reply, PI30_REPLY, sizeof(PI30_REPLY));
	close(fd);
	port_free(p);
}

static void
test_hidraw_missing_device_reports_not_found(void **state)
{
	char			 dir[] = "/tmp/mppd-hidraw-XXXXXX";
	char			 path[64];
	struct port_opts	 opts = { .path = path };
	struct port_reply	 r;
	struct port		*p;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/hidraw9", dir);
	p = port_hidraw_new(&opts);
	assert_non_null(p);
	assert_int_equal(port_transact(p, "QPI", QPI, sizeof(QPI), 500, &r),
	    -1);
	assert_int_equal(r.len, 0);
	assert_true(strncmp(r.err, "USB device error: Device not found: ",
	    36) == 0);
	assert_string_equal(r.err + 36, path);
	port_free(p);
	rmdir(dir);
}

static void
test_hidraw_open_errors_use_reference_texts(void **state)
{
	static const struct {
		int		 err;
		const char	*text;
	} cases[] = {
		{ EACCES, "USB device error: Permission denied accessing "
		    "device: /dev/hidraw7" },
		{ EPERM, "USB device error: Permission denied accessing "
		    "device: /dev/hidraw7" },
		{ EBUSY, "USB device error: Device busy: /dev/hidraw7" },
		{ ENODEV, "USB device error: No such device" },
	};
	struct opener		 o;
	struct port_reply	 r;
	struct port		*p;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		p = new_port(&o);
		o.next_errno = cases[i].err;
		assert_int_equal(port_transact(p, "QPI", QPI, sizeof(QPI), 500,
		    &r), -1);
		assert_string_equal(r.err, cases[i].text);
		port_free(p);
	}
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_hidraw_short_request_is_one_unpadded_write),
	cmocka_unit_test(test_hidraw_long_request_is_split_into_padded_reports),
	cmocka_unit_test(test_hidraw_reply_over_reports_is_reassembled_and_trimmed),
	cmocka_unit_test(test_hidraw_port_stays_open_and_drains_stale_reports),
	cmocka_unit_test(test_hidraw_silent_device_times_out),
	cmocka_unit_test(test_hidraw_partial_reply_is_returned_at_deadline),
	cmocka_unit_test(test_hidraw_end_of_file_closes_and_next_transact_reopens),
	cmocka_unit_test(test_hidraw_repeated_failures_delay_the_reopen),
	cmocka_unit_test(test_hidraw_missing_device_reports_not_found),
	cmocka_unit_test(test_hidraw_open_errors_use_reference_texts),
};

#include "testmain.h"
MPPD_TEST_MAIN(tests)

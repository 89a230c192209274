/*
 * test_port_serial.c - the serial port against a pseudo-terminal.
 *
 * The port opens the pty's slave; a thread plays the inverter on the
 * master: it reads the request up to its CR, then writes the scripted
 * reply pieces.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "port.h"

#define MAX_PIECES	4

struct pty {
	int	master;
	char	slave[64];
};

struct inverter {
	int		 fd;		/* the pty master */
	/* script: pieces written one by one, each after its delay */
	const char	*piece[MAX_PIECES];
	size_t		 piecelen[MAX_PIECES];
	int		 delay_ms[MAX_PIECES];
	int		 npieces;
	/* what the port sent */
	uint8_t		 req[256];
	size_t		 reqlen;
	pthread_t	 thread;
};

static const uint8_t QPI[] = { 'Q', 'P', 'I', 0xBE, 0xAC, '\r' };
static const char PI30_REPLY[] = "(PI30\x9a\x0b\r";

static void
pty_open(struct pty *t)
{
	struct termios tio;

	t->master = posix_openpt(O_RDWR | O_NOCTTY);
	assert_true(t->master != -1);
	assert_int_equal(grantpt(t->master), 0);
	assert_int_equal(unlockpt(t->master), 0);
	assert_int_equal(ptsname_r(t->master, t->slave, sizeof(t->slave)), 0);
	assert_int_equal(tcgetattr(t->master, &tio), 0);
	cfmakeraw(&tio);
	assert_int_equal(tcsetattr(t->master, TCSANOW, &tio), 0);
}

static struct port *
new_port(const char *path, int baud)
{
	struct port_opts	 opts = { .path = path, .baud = baud };
	struct port		*p;

	p = port_serial_new(&opts);
	assert_non_null(p);
	return p;
}

static void *
inverter_main(void *arg)
{
	struct inverter	*inv = arg;
	struct pollfd	 pfd = { .fd = inv->fd, .events = POLLIN };
	ssize_t		 n;

	while (memchr(inv->req, '\r', inv->reqlen) == NULL &&
	    inv->reqlen < sizeof(inv->req)) {
		if (poll(&pfd, 1, 5000) != 1)
			return NULL;
		n = read(inv->fd, inv->req + inv->reqlen,
		    sizeof(inv->req) - inv->reqlen);
		if (n <= 0)
			return NULL;
		inv->reqlen += (size_t)n;
	}
	for (int i = 0; i < inv->npieces; i++) {
		if (inv->delay_ms[i] > 0)
			usleep((useconds_t)inv->delay_ms[i] * 1000);
		if (write(inv->fd, inv->piece[i], inv->piecelen[i]) !=
		    (ssize_t)inv->piecelen[i])
			return NULL;
	}
	return NULL;
}

static void
inverter_say(struct inverter *inv, int delay_ms, const char *s, size_t len)
{
	inv->piece[inv->npieces] = s;
	inv->piecelen[inv->npieces] = len;
	inv->delay_ms[inv->npieces++] = delay_ms;
}

static void
inverter_start(struct inverter *inv, int master)
{
	inv->fd = master;
	inv->reqlen = 0;
	assert_int_equal(pthread_create(&inv->thread, NULL, inverter_main,
	    inv), 0);
}

static int64_t
ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)(t.tv_sec - t0->tv_sec) * 1000 +
	    (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Runs one QPI exchange against inv; returns the rc. */
static int
exchange(struct port *p, struct inverter *inv, int master, int timeout_ms,
    struct port_reply *r)
{
	int rc;

	inverter_start(inv, master);
	rc = port_transact(p, "QPI", QPI, sizeof(QPI), timeout_ms, r);
	pthread_join(inv->thread, NULL);
	return rc;
}

static void
test_serial_request_arrives_and_reply_ends_at_first_cr(void **state)
{
	static const char two_frames[] = "(PI30\x9a\x0b\r(NAKss\r";
	struct pty		 t;
	struct inverter		 inv = { 0 };
	struct port_reply	 r;
	struct port		*p;
	struct timespec		 t0;

	pty_open(&t);
	p = new_port(t.slave, 2400);
	inverter_say(&inv, 0, two_frames, sizeof(two_frames) - 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(exchange(p, &inv, t.master, 5000, &r), 0);

	assert_true(ms_since(&t0) < 2000);	/* the CR ends the wait */
	assert_int_equal(inv.reqlen, sizeof(QPI));
	assert_memory_equal(inv.req, QPI, sizeof(QPI));
	assert_int_equal(r.len, sizeof(PI30_REPLY) - 1);
	assert_memory_equal(r.reply, PI30_REPLY, sizeof(PI30_REPLY) - 1);
	assert_string_equal(r.err, "");
	port_free(p);
	close(t.master);
}

static void
test_serial_reply_in_pieces_is_reassembled(void **state)
{
	struct pty		 t;
	struct inverter		 inv = { 0 };
	struct port_reply	 r;
	struct port		*p;

	pty_open(&t);
	p = new_port(t.slave, 2400);
	inverter_say(&inv, 0, "(PI", 3);
	inverter_say(&inv, 40, "30\x9a\x0b", 4);
	inverter_say(&inv, 40, "\r(junk", 6);
	assert_int_equal(exchange(p, &inv, t.master, 2000, &r), 0);

	assert_int_equal(r.len, sizeof(PI30_REPLY) - 1);
	assert_memory_equal(r.reply, PI30_REPLY, sizeof(PI30_REPLY) - 1);
	port_free(p);
	close(t.master);
}

static void
test_serial_stale_input_is_drained_before_request(void **state)
{
	static const char junk[] = "(NAKss\r(230.0 50";
	struct pty		 t;
	struct inverter		 inv = { 0 };
	struct port_reply	 r;
	struct port		*p;
	struct pollfd		 pfd;
	int			 probe;

	pty_open(&t);
	p = new_port(t.slave, 2400);
	inverter_say(&inv, 0, PI30_REPLY, sizeof(PI30_REPLY) - 1);
	assert_int_equal(exchange(p, &inv, t.master, 2000, &r), 0);

	/* Junk reaches the open port between two requests ... */
	assert_int_equal(write(t.master, junk, sizeof(junk) - 1),
	    sizeof(junk) - 1);
	probe = open(t.slave, O_RDWR | O_NOCTTY | O_NONBLOCK);
	assert_true(probe != -1);
	pfd.fd = probe;
	pfd.events = POLLIN;
	assert_int_equal(poll(&pfd, 1, 2000), 1);	/* it is queued */
	close(probe);

	/* ... and is not part of the next reply. */
	assert_int_equal(exchange(p, &inv, t.master, 2000, &r), 0);
	assert_int_equal(inv.reqlen, sizeof(QPI));
	assert_memory_equal(inv.req, QPI, sizeof(QPI));
	assert_int_equal(r.len, sizeof(PI30_REPLY) - 1);
	assert_memory_equal(r.reply, PI30_REPLY, sizeof(PI30_REPLY) - 1);
	port_free(p);
	close(t.master);
}

static void
test_serial_silent_device_gives_empty_reply_at_deadline(void **state)
{
	struct pty		 t;
	struct inverter		 inv = { 0 };
	struct port_reply	 r;
	struct port		*p;
	struct timespec		 t0;
	int64_t			 ms;

	pty_open(&t);
	p = new_port(t.slave, 2400);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(exchange(p, &inv, t.master, 300, &r), 0);
	ms = ms_since(&t0);

	assert_int_equal(r.len, 0);
	assert_string_equal(r.err, "");
	assert_true(ms >= 290 && ms < 1500);
	assert_int_equal(inv.reqlen, sizeof(QPI));
	port_free(p);
	close(t.master);
}

static void
test_serial_reply_without_cr_returns_what_arrived(void **state)
{
	struct pty		 t;
	struct inverter		 inv = { 0 };
	struct port_reply	 r;
	struct port		*p;

	pty_open(&t);
	p = new_port(t.slave, 2400);
	inverter_say(&inv, 0, "(PI3", 4);
	assert_int_equal(exchange(p, &inv, t.master, 300, &r), 0);

	assert_int_equal(r.len, 4);
	assert_memory_equal(r.reply, "(PI3", 4);
	port_free(p);
	close(t.master);
}

static void
test_serial_hangup_fails_then_reopens_after_delay(void **state)
{
	char			 dir[] = "/tmp/mppd-serial-XXXXXX";
	char			 link[64];
	struct pty		 a, b;
	struct inverter		 inv = { 0 };
	struct port_reply	 r;
	struct port		*p;
	struct pollfd		 pfd;
	struct timespec		 t0;

	assert_non_null(mkdtemp(dir));
	snprintf(link, sizeof(link), "%s/ttyUSB0", dir);
	pty_open(&a);
	assert_int_equal(symlink(a.slave, link), 0);
	p = new_port(link, 2400);
	inverter_say(&inv, 0, PI30_REPLY, sizeof(PI30_REPLY) - 1);
	assert_int_equal(exchange(p, &inv, a.master, 2000, &r), 0);

	/* The adapter is unplugged: the open tty fails. */
	close(a.master);
	assert_int_equal(port_transact(p, "QPI", QPI, sizeof(QPI), 500, &r),
	    -1);
	assert_string_equal(r.err, "Serial command execution failed");
	assert_int_equal(r.len, 0);

	/* First reopen is immediate; the path is gone, so it fails too. */
	assert_int_equal(unlink(link), 0);
	assert_int_equal(port_transact(p, "QPI", QPI, sizeof(QPI), 500, &r),
	    -1);
	assert_string_equal(r.err, "Serial command execution failed");
	clock_gettime(CLOCK_MONOTONIC, &t0);

	/* Plugged back in: within the 1 s delay the port does not try. */
	pty_open(&b);
	assert_int_equal(symlink(b.slave, link), 0);
	assert_int_equal(port_transact(p, "QPI", QPI, sizeof(QPI), 500, &r),
	    -1);
	assert_true(ms_since(&t0) < 500);
	assert_string_equal(r.err, "Serial command execution failed");
	pfd.fd = b.master;
	pfd.events = POLLIN;
	assert_int_equal(poll(&pfd, 1, 0), 0);	/* nothing was sent */

	while (ms_since(&t0) < 1050)
		usleep(10000);
	assert_int_equal(exchange(p, &inv, b.master, 2000, &r), 0);
	assert_memory_equal(inv.req, QPI, sizeof(QPI));
	assert_int_equal(r.len, sizeof(PI30_REPLY) - 1);
	assert_memory_equal(r.reply, PI30_REPLY, sizeof(PI30_REPLY) - 1);

	port_free(p);
	close(b.master);
	unlink(link);
	rmdir(dir);
}

static void
test_serial_missing_path_fails_with_reference_text(void **state)
{
	struct port_reply	 r;
	struct port		*p = new_port("/nonexistent/ttyUSB9", 2400);

	assert_int_equal(port_transact(p, "QPI", QPI, sizeof(QPI), 500, &r),
	    -1);
	assert_string_equal(r.err, "Serial command execution failed");
	assert_int_equal(r.len, 0);
	port_free(p);
}

/* The pty master reports the slave's termios (Linux). */
static void
check_line_settings(int baud, speed_t want)
{
	struct pty		 t;
	struct inverter		 inv = { 0 };
	struct port_reply	 r;
	struct port		*p;
	struct termios		 tio;

	pty_open(&t);
	p = new_port(t.slave, baud);
	inverter_say(&inv, 0, PI30_REPLY, sizeof(PI30_REPLY) - 1);
	assert_int_equal(exchange(p, &inv, t.master, 2000, &r), 0);

	assert_int_equal(tcgetattr(t.master, &tio), 0);
	assert_int_equal(cfgetospeed(&tio), want);
	assert_int_equal(cfgetispeed(&tio), want);
	assert_int_equal(tio.c_cflag & CSIZE, CS8);
	assert_int_equal(tio.c_cflag & (PARENB | CSTOPB | CRTSCTS), 0);
	assert_int_equal(tio.c_cflag & (CLOCAL | CREAD), CLOCAL | CREAD);
	assert_int_equal(tio.c_iflag & (IXON | IXOFF | ICRNL), 0);
	assert_int_equal(tio.c_lflag & (ICANON | ECHO | ISIG), 0);
	assert_int_equal(tio.c_oflag & OPOST, 0);
	port_free(p);
	close(t.master);
}

static void
test_serial_line_is_raw_8n1_at_configured_baud(void **state)
{
	check_line_settings(9600, B9600);
	check_line_settings(115200, B115200);
	check_line_settings(0, B2400);
}

static void
test_serial_unsupported_baud_falls_back_to_2400(void **state)
{
	check_line_settings(12345, B2400);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_serial_request_arrives_and_reply_ends_at_first_cr),
	cmocka_unit_test(test_serial_reply_in_pieces_is_reassembled),
	cmocka_unit_test(test_serial_stale_input_is_drained_before_request),
	cmocka_unit_test(test_serial_silent_device_gives_empty_reply_at_deadline),
	cmocka_unit_test(test_serial_reply_without_cr_returns_what_arrived),
	cmocka_unit_test(test_serial_hangup_fails_then_reopens_after_delay),
	cmocka_unit_test(test_serial_missing_path_fails_with_reference_text),
	cmocka_unit_test(test_serial_line_is_raw_8n1_at_configured_baud),
	cmocka_unit_test(test_serial_unsupported_baud_falls_back_to_2400),
};

#include "testmain.h"
MPPD_TEST_MAIN(tests)

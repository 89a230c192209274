/*
 * port_serial.c - an inverter on a serial line (termios tty).
 *
 * The tty is opened raw 8N1 on first use and stays open between requests.
 * Each exchange drains stale input, writes the request and reads until the
 * frame is complete (port_frame_len) or the deadline passes, all with
 * poll(2) and no fixed sleeps.  An I/O error closes the tty; a later
 * exchange reopens it, after a delay that grows while the failures go on
 * (the port base's reopen state, port.h).
 *
 * A streamed protocol (VE.Direct text: nothing is written, reqlen 0) is
 * read as a stream instead: no drain, and the bytes after a complete frame
 * are kept for the next exchange, so no frame is lost between two reads.
 *
 * Every function here runs on the device worker thread that owns the port.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "port.h"
#include "port_util.h"

/* The reference's text for every serial failure (docs/ports.md section 2). */
#define SERIAL_ERR		"Serial command execution failed"
#define SERIAL_BAUD_DEFAULT	2400
#define SERIAL_DRAIN_MAX	4096	/* a babbling line cannot stall us */
#define REOPEN_DELAY_MAX_S	30

struct serial_port {
	struct port	 base;		/* first: used as a struct port */
	char		*path;
	int		 baud;
	speed_t		 speed;
	int		 fd;		/* -1 while closed */
	/* streamed reads: bytes after the last frame, for the next one */
	uint8_t		 carry[PORT_REPLY_MAX];
	size_t		 ncarry;
};

static const struct {
	int	baud;
	speed_t	speed;
} serial_speeds[] = {
	{ 1200, B1200 }, { 2400, B2400 }, { 4800, B4800 }, { 9600, B9600 },
	{ 19200, B19200 }, { 38400, B38400 }, { 57600, B57600 },
	{ 115200, B115200 }, { 230400, B230400 }, { 460800, B460800 },
	{ 921600, B921600 }
};

static void
serial_close_fd(struct serial_port *sp)
{
	if (sp->fd != -1) {
		close(sp->fd);
		sp->fd = -1;
	}
	sp->ncarry = 0;
}

/*
 * Ends a failed exchange: logs what went wrong, closes the tty and schedules
 * the reopen.  Always returns -1 so callers can `return serial_fail(...)`.
 */
static int
serial_fail(struct serial_port *sp, struct port_reply *out, const char *op,
    const char *why)
{
	log_warn("serial port %s: %s failed: %s", sp->path, op, why);
	serial_close_fd(sp);
	/* A failed open: the device node is not there (or not ours). */
	if (strcmp(op, "open") == 0)
		return port_open_failed(&sp->base, out, SERIAL_ERR);
	return port_link_failed(&sp->base, out, SERIAL_ERR);
}

static int
serial_fail_errno(struct serial_port *sp, struct port_reply *out,
    const char *op, int err)
{
	char buf[128];

	/* strerror() need not be thread-safe; this is the GNU strerror_r. */
	return serial_fail(sp, out, op, strerror_r(err, buf, sizeof(buf)));
}

/*
 * Logs the open, naming the node behind a symbolic link (a by-id path or a
 * udev name) so the log tells which device it was.
 */
static void
serial_log_open(const struct serial_port *sp)
{
	char		*real = realpath(sp->path, NULL);
	const char	*node = real != NULL && strcmp(real, sp->path) != 0 ?
			    real : NULL;

	if (sp->base.failures > 0)
		log_info("serial port %s%s%s%s: reopened after %u failures",
		    sp->path, node != NULL ? " (" : "", node != NULL ? node :
		    "", node != NULL ? ")" : "", sp->base.failures);
	else
		log_debug("serial port %s%s%s%s: opened at %d baud", sp->path,
		    node != NULL ? " (" : "", node != NULL ? node : "",
		    node != NULL ? ")" : "",
		    sp->baud);
	free(real);
}

/*
 * Opens and configures the tty: raw 8N1, CLOCAL|CREAD, no RTS/CTS or
 * XON/XOFF flow control.  During the reopen delay it fails at once
 * without touching the device.  Returns 0 or -1 (out->err set).
 */
static int
serial_open(struct serial_port *sp, struct port_reply *out)
{
	struct termios	tio;

	if (port_reopen_due(&sp->base, out) == -1)
		return -1;
	sp->fd = open(sp->path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (sp->fd == -1)
		return serial_fail_errno(sp, out, "open", errno);
	if (tcgetattr(sp->fd, &tio) == -1)
		return serial_fail_errno(sp, out, "tcgetattr", errno);
	cfmakeraw(&tio);
	tio.c_cflag &= ~(CSIZE | PARENB | CSTOPB | CRTSCTS);
	tio.c_cflag |= CS8 | CLOCAL | CREAD;
	tio.c_iflag &= ~(IXON | IXOFF | IXANY);
	/*
	 * VMIN 1: with O_NONBLOCK an empty read then fails with EAGAIN; with
	 * VMIN 0 it would return 0, which we must be able to read as a hang-up.
	 */
	tio.c_cc[VMIN] = 1;
	tio.c_cc[VTIME] = 0;
	if (cfsetispeed(&tio, sp->speed) == -1 ||
	    cfsetospeed(&tio, sp->speed) == -1)
		return serial_fail_errno(sp, out, "cfsetspeed", errno);
	if (tcsetattr(sp->fd, TCSANOW, &tio) == -1)
		return serial_fail_errno(sp, out, "tcsetattr", errno);
	serial_log_open(sp);
	return 0;
}

/*
 * Throws away input that arrived since the last exchange (a late reply, the
 * bytes after the last CR, line noise) so it cannot pose as the reply.
 */
static int
serial_drain(struct serial_port *sp, struct port_reply *out)
{
	uint8_t	junk[256];
	size_t	total = 0;
	ssize_t	n;

	if (tcflush(sp->fd, TCIFLUSH) == -1)
		return serial_fail_errno(sp, out, "tcflush", errno);
	while (total < SERIAL_DRAIN_MAX) {
		n = read(sp->fd, junk, sizeof(junk));
		if (n > 0) {
			total += (size_t)n;
			continue;
		}
		if (n == 0)
			return serial_fail(sp, out, "read", "end of file");
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			break;
		return serial_fail_errno(sp, out, "read", errno);
	}
	if (total > 0)
		log_debug("serial port %s: discarded %zu stale bytes",
		    sp->path, total);
	return 0;
}

/* Writes all of req before the deadline, waiting with poll on EAGAIN. */
static int
serial_write(struct serial_port *sp, const uint8_t *req, size_t reqlen,
    int64_t deadline, struct port_reply *out)
{
	size_t	off = 0;
	ssize_t	n;
	int	ev;

	while (off < reqlen) {
		n = write(sp->fd, req + off, reqlen - off);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno != EAGAIN)
			return serial_fail_errno(sp, out, "write", errno);
		ev = port_wait_fd(sp->fd, POLLOUT, deadline);
		if (ev == 0)
			return serial_fail(sp, out, "write",
			    "request not sent before the deadline");
		if (ev == -1)
			return serial_fail_errno(sp, out, "poll", errno);
		if (!(ev & POLLOUT))
			return serial_fail(sp, out, "write", "line hung up");
	}
	return 0;
}

/*
 * Reads until the frame is complete (port_frame_len: by default up to the
 * first CR, kept; anything after it is dropped), can never be valid, or
 * the deadline passes (out keeps whatever arrived, possibly nothing).
 */
static int
serial_read(struct serial_port *sp, int64_t deadline, struct port_reply *out,
    int stream)
{
	ssize_t	 n;
	int	 ev, f;

	out->len = 0;
	if (stream && sp->ncarry > 0) {
		memcpy(out->reply, sp->carry, sp->ncarry);
		out->len = sp->ncarry;
		sp->ncarry = 0;
		f = port_frame_len(&sp->base, out->reply, out->len);
		if (f != 0)
			goto done;
	}
	while (out->len < sizeof(out->reply)) {
		n = read(sp->fd, out->reply + out->len,
		    sizeof(out->reply) - out->len);
		if (n > 0) {
			out->len += (size_t)n;
			f = port_frame_len(&sp->base, out->reply, out->len);
			if (f != 0)
				goto done;
			continue;
		}
		if (n == 0)
			return serial_fail(sp, out, "read", "end of file");
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return serial_fail_errno(sp, out, "read", errno);
		ev = port_wait_fd(sp->fd, POLLIN, deadline);
		if (ev == 0) {
			log_debug("serial port %s: no complete frame before "
			    "the deadline, %zu bytes received", sp->path,
			    out->len);
			out->timed_out = 1;
			if (stream) {	/* a partial frame: the rest comes */
				memcpy(sp->carry, out->reply, out->len);
				sp->ncarry = out->len;
				out->len = 0;
			}
			return 0;
		}
		if (ev == -1)
			return serial_fail_errno(sp, out, "poll", errno);
		if (!(ev & POLLIN))
			return serial_fail(sp, out, "read", "line hung up");
	}
	log_debug("serial port %s: %zu bytes without a frame end, reply cut",
	    sp->path, out->len);
	return 0;
done:
	if (f > 0 && (size_t)f <= out->len) {
		/* kept for a streamed read that may follow (a VE.Direct HEX
		 * reply behind a text block); a request drains it first */
		sp->ncarry = out->len - (size_t)f;
		memcpy(sp->carry, out->reply + f, sp->ncarry);
		out->len = (size_t)f;
	}
	return 0;
}

/*
 * One exchange (struct port_ops.transact; contract in port.h).  rc 0 also
 * for a silent device (len 0); rc -1 only when the tty failed and was
 * closed, or is waiting to be reopened.
 */
static int
serial_transact(struct port *p, const char *cmd, const uint8_t *req,
    size_t reqlen, int timeout_ms, struct port_reply *out)
{
	struct serial_port	*sp = (struct serial_port *)p;
	int64_t			 deadline;

	deadline = mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	if (sp->fd == -1 && serial_open(sp, out) == -1)
		return -1;
	if (reqlen == 0) {	/* a streamed protocol: read on */
		if (serial_read(sp, deadline, out, 1) == -1)
			return -1;
		port_link_ok(&sp->base);
		return 0;
	}
	sp->ncarry = 0;
	if (serial_drain(sp, out) == -1 ||
	    serial_write(sp, req, reqlen, deadline, out) == -1 ||
	    serial_read(sp, deadline, out, 0) == -1)
		return -1;
	port_link_ok(&sp->base);
	return 0;
}

/* Bytes the device sends unasked (struct port_ops.input; port.h). */
static long
serial_input(struct port *p, uint8_t *buf, size_t cap, int64_t deadline)
{
	struct serial_port	*sp = (struct serial_port *)p;
	struct port_reply	 scratch;
	ssize_t			 n;
	int			 ev;

	for (;;) {
		if (sp->fd == -1)
			return -1;
		n = read(sp->fd, buf, cap);
		if (n > 0)
			return (long)n;
		if (n == 0)
			return serial_fail(sp, &scratch, "read", "end of file");
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return serial_fail_errno(sp, &scratch, "read", errno);
		ev = port_wait_fd(sp->fd, POLLIN, deadline);
		if (ev == 0)
			return 0;
		if (ev == -1)
			return serial_fail_errno(sp, &scratch, "poll", errno);
		if (!(ev & POLLIN))
			return serial_fail(sp, &scratch, "read",
			    "line hung up");
	}
}

static void
serial_close(struct port *p)
{
	serial_close_fd((struct serial_port *)p);
}

static void
serial_free(struct port *p)
{
	struct serial_port *sp = (struct serial_port *)p;

	serial_close_fd(sp);
	free(sp->path);
	free(sp);
}

static const struct port_ops serial_ops = {
	.transact = serial_transact,
	.close = serial_close,
	.free = serial_free,
	.input = serial_input,
};

/*
 * Allocates a serial port for opts->path at opts->baud (0: 2400; a rate
 * outside 1200..921600 is logged and replaced by 2400).  Nothing is opened
 * yet.  Returns NULL without a path or memory; caller frees with port_free().
 */
struct port *
port_serial_new(const struct port_opts *opts)
{
	struct serial_port	*sp;
	int			 baud;
	size_t			 i;

	if (opts == NULL || opts->path == NULL || *opts->path == '\0') {
		log_error("serial port: no device path given");
		return NULL;
	}
	if ((sp = calloc(1, sizeof(*sp))) == NULL ||
	    (sp->path = strdup(opts->path)) == NULL) {
		free(sp);
		log_error("serial port %s: out of memory", opts->path);
		return NULL;
	}
	baud = opts->baud > 0 ? opts->baud : SERIAL_BAUD_DEFAULT;
	for (i = 0; i < sizeof(serial_speeds) / sizeof(serial_speeds[0]); i++)
		if (serial_speeds[i].baud == baud)
			break;
	if (i == sizeof(serial_speeds) / sizeof(serial_speeds[0])) {
		log_warn("serial port %s: baud = %d: not a supported rate "
		    "(1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, "
		    "230400, 460800, 921600), using %d", opts->path, baud,
		    SERIAL_BAUD_DEFAULT);
		baud = SERIAL_BAUD_DEFAULT;
		for (i = 0; serial_speeds[i].baud != baud; i++)
			;
	}
	port_base_init(&sp->base, &serial_ops, PORT_SERIAL, opts,
	    REOPEN_DELAY_MAX_S);
	sp->baud = baud;
	sp->speed = serial_speeds[i].speed;
	sp->fd = -1;
	return &sp->base;
}

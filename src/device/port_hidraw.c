/*
 * port_hidraw.c - an inverter behind a USB HID bridge (/dev/hidrawN).
 *
 * The device is opened on first use and stays open.  A request of up to 8
 * bytes goes out as one write; a longer one as 8-byte reports, the last
 * zero-padded (docs/ports.md section 3).  Reports are read with poll(2) until
 * the frame is complete (port_frame_len: by default at the first CR);
 * everything after it (the report padding) is cut.  The reference sleeps between steps; we never do.  A vanished device
 * (ENODEV, EIO, hang-up, end of file) is closed and reopened by a later
 * exchange, after a delay that grows while the failures go on.
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
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "port.h"
#include "port_util.h"
#include "sbuf.h"

#define HID_REPORT		8	/* bytes per output report */
#define HID_READ_MAX		256	/* the reference's read size */
#define HID_DRAIN_MAX		64	/* reports; bounds the drain */
#define REOPEN_DELAY_MAX_S	30

struct hidraw_port {
	struct port	 base;		/* first: used as a struct port */
	char		*path;
	int		 fd;		/* -1 while closed */
	int		(*open_fn)(const char *, void *);
	void		*open_arg;
};

static void
hidraw_close_fd(struct hidraw_port *hp)
{
	if (hp->fd != -1) {
		close(hp->fd);
		hp->fd = -1;
	}
}

/*
 * Ends a failed exchange: logs op and why, closes the device, schedules the
 * reopen and puts msg (the user-visible text) into out->err.  Returns -1.
 */
static int
hidraw_fail(struct hidraw_port *hp, struct port_reply *out, const char *op,
    const char *why, const char *msg)
{
	log_warn("hidraw port %s: %s failed: %s", hp->path, op, why);
	hidraw_close_fd(hp);
	/* A failed open: the device node is not there (or not ours). */
	if (strcmp(op, "open") == 0)
		return port_open_failed(&hp->base, out, msg);
	return port_link_failed(&hp->base, out, msg);
}

/* hidraw_fail() for an errno: "USB device error: <strerror>". */
static int
hidraw_fail_errno(struct hidraw_port *hp, struct port_reply *out,
    const char *op, int err)
{
	char	buf[128], msg[192];
	char	*s;

	/* strerror() need not be thread-safe; this is the GNU strerror_r. */
	s = strerror_r(err, buf, sizeof(buf));
	snprintf(msg, sizeof(msg), "USB device error: %s", s);
	return hidraw_fail(hp, out, op, s, msg);
}

/*
 * Logs the open, naming the node behind a symbolic link (a by-id path or a
 * udev name) so the log tells which device it was.
 */
static void
hidraw_log_open(const struct hidraw_port *hp)
{
	char		*real = realpath(hp->path, NULL);
	const char	*node = real != NULL && strcmp(real, hp->path) != 0 ?
			    real : NULL;

	if (hp->base.failures > 0)
		log_info("hidraw port %s%s%s%s: reopened after %u failures",
		    hp->path, node != NULL ? " (" : "", node != NULL ? node :
		    "", node != NULL ? ")" : "", hp->base.failures);
	else
		log_debug("hidraw port %s%s%s%s: opened", hp->path,
		    node != NULL ? " (" : "", node != NULL ? node : "",
		    node != NULL ? ")" : "");
	free(real);
}

/*
 * Opens the device (through the test hook if one is set).  During the
 * reopen delay it fails at once with the last failure's text.  Open errors
 * get the reference's texts.  Returns 0 or -1 (out->err set).
 */
static int
hidraw_open(struct hidraw_port *hp, struct port_reply *out)
{
	char		 buf[128], msg[sizeof(hp->base.last_err)];
	const char	*why;
	int		 err, fl;

	if (port_reopen_due(&hp->base, out) == -1)
		return -1;
	if (hp->open_fn != NULL)
		hp->fd = hp->open_fn(hp->path, hp->open_arg);
	else
		hp->fd = open(hp->path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (hp->fd == -1) {
		err = errno;
		why = strerror_r(err, buf, sizeof(buf));
		switch (err) {
		case ENOENT:
			snprintf(msg, sizeof(msg),
			    "USB device error: Device not found: %s", hp->path);
			break;
		case EACCES:
		case EPERM:
			snprintf(msg, sizeof(msg), "USB device error: "
			    "Permission denied accessing device: %s", hp->path);
			break;
		case EBUSY:
			snprintf(msg, sizeof(msg),
			    "USB device error: Device busy: %s", hp->path);
			break;
		default:
			snprintf(msg, sizeof(msg), "USB device error: %s", why);
			break;
		}
		return hidraw_fail(hp, out, "open", why, msg);
	}
	/* The hook may hand out a blocking descriptor. */
	if (hp->open_fn != NULL &&
	    ((fl = fcntl(hp->fd, F_GETFL)) == -1 ||
	    fcntl(hp->fd, F_SETFL, fl | O_NONBLOCK) == -1 ||
	    fcntl(hp->fd, F_SETFD, FD_CLOEXEC) == -1))
		return hidraw_fail_errno(hp, out, "fcntl", errno);
	hidraw_log_open(hp);
	return 0;
}

/*
 * Throws away reports queued since the last exchange (a late reply to a
 * request that timed out) so they cannot pose as the reply.  The reference
 * gets this for free by opening the device anew for every request.
 */
static int
hidraw_drain(struct hidraw_port *hp, struct port_reply *out)
{
	uint8_t	junk[HID_READ_MAX];
	int	reports = 0;
	ssize_t	n;

	while (reports < HID_DRAIN_MAX) {
		n = read(hp->fd, junk, sizeof(junk));
		if (n > 0) {
			reports++;
			continue;
		}
		if (n == 0)
			return hidraw_fail(hp, out, "read", "end of file",
			    "USB device error: No such device");
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			break;
		return hidraw_fail_errno(hp, out, "read", errno);
	}
	if (reports > 0)
		log_debug("hidraw port %s: discarded %d stale reports",
		    hp->path, reports);
	return 0;
}

/*
 * After op ("read" or "write") failed with errno: 1 to try again (EINTR,
 * or the device became ready for want before the deadline), 0 when the
 * deadline passed, -1 when the device failed (closed, out->err set).
 */
static int
hidraw_await(struct hidraw_port *hp, short want, const char *op,
    int64_t deadline, struct port_reply *out)
{
	int	ev;

	if (errno == EINTR)
		return 1;
	if (errno != EAGAIN)
		return hidraw_fail_errno(hp, out, op, errno);
	ev = port_wait_fd(hp->fd, want, deadline);
	if (ev == -1)
		return hidraw_fail_errno(hp, out, "poll", errno);
	if (ev != 0 && !(ev & want))
		return hidraw_fail_errno(hp, out, op,
		    (ev & POLLERR) ? EIO : ENODEV);
	return ev != 0;
}

/*
 * Writes one report of len bytes with one write(2), waiting with poll on
 * EAGAIN.  Returns 0, or -1 with out->err set (the device is closed unless
 * only the deadline passed).
 */
static int
hidraw_write_report(struct hidraw_port *hp, const uint8_t *rep, size_t len,
    int64_t deadline, int timeout_ms, struct port_reply *out)
{
	char	why[64];
	ssize_t	n;
	int	ev;

	for (;;) {
		n = write(hp->fd, rep, len);
		if (n >= 0 && (size_t)n == len)
			return 0;
		if (n >= 0) {
			snprintf(why, sizeof(why), "wrote %zd of %zu bytes", n,
			    len);
			return hidraw_fail(hp, out, "write", why,
			    "USB device error: Input/output error");
		}
		ev = hidraw_await(hp, POLLOUT, "write", deadline, out);
		if (ev == -1)
			return -1;
		if (ev == 0) {
			log_debug("hidraw port %s: device took no report "
			    "before the deadline", hp->path);
			out->len = 0;
			snprintf(out->err, sizeof(out->err), "USB device "
			    "error: Overall timeout (%.1fs) exceeded while "
			    "writing request", timeout_ms / 1000.0);
			return -1;
		}
	}
}

/* Sends req as the reference does: one short write, or padded reports. */
static int
hidraw_send(struct hidraw_port *hp, const uint8_t *req, size_t reqlen,
    int64_t deadline, int timeout_ms, struct port_reply *out)
{
	uint8_t	rep[HID_REPORT];
	size_t	off, n;

	if (reqlen <= HID_REPORT)
		return reqlen == 0 ? 0 : hidraw_write_report(hp, req, reqlen,
		    deadline, timeout_ms, out);
	for (off = 0; off < reqlen; off += n) {
		n = reqlen - off < HID_REPORT ? reqlen - off : HID_REPORT;
		memset(rep, 0, sizeof(rep));
		memcpy(rep, req + off, n);
		if (hidraw_write_report(hp, rep, sizeof(rep), deadline,
		    timeout_ms, out) == -1)
			return -1;
	}
	return 0;
}

/*
 * Reads reports until the frame is complete (port_frame_len; the reply is
 * cut after it) or can never be valid, or the deadline passes (out keeps
 * whatever arrived, possibly nothing).
 */
static int
hidraw_receive(struct hidraw_port *hp, int64_t deadline,
    struct port_reply *out)
{
	uint8_t	 buf[HID_READ_MAX];
	size_t	 take;
	ssize_t	 n;
	int	 ev, f;

	out->len = 0;
	for (;;) {
		n = read(hp->fd, buf, sizeof(buf));
		if (n > 0) {
			take = sizeof(out->reply) - out->len;
			if ((size_t)n < take)
				take = (size_t)n;
			memcpy(out->reply + out->len, buf, take);
			out->len += take;
			f = port_frame_len(&hp->base, out->reply, out->len);
			if (f > 0 && (size_t)f <= out->len)
				out->len = (size_t)f;
			if (f != 0)
				return 0;
			if (out->len == sizeof(out->reply)) {
				log_debug("hidraw port %s: %zu bytes without "
				    "a frame end, reply cut", hp->path,
				    out->len);
				return 0;
			}
			continue;
		}
		if (n == 0)
			return hidraw_fail(hp, out, "read", "end of file",
			    "USB device error: No such device");
		ev = hidraw_await(hp, POLLIN, "read", deadline, out);
		if (ev == 0)
			out->timed_out = 1;
		if (ev <= 0)
			return ev;	/* 0: the deadline passed */
	}
}

/* Reports the device sends unasked (struct port_ops.input; port.h). */
static long
hidraw_input(struct port *p, uint8_t *buf, size_t cap, int64_t deadline)
{
	struct hidraw_port	*hp = (struct hidraw_port *)p;
	struct port_reply	*scratch;
	long			 rc;

	if (hp->fd == -1)
		return -1;
	scratch = xcalloc(1, sizeof(*scratch));
	rc = hidraw_receive(hp, deadline, scratch);
	if (rc == 0 && scratch->len > 0) {
		rc = (long)(scratch->len < cap ? scratch->len : cap);
		memcpy(buf, scratch->reply, (size_t)rc);
	}
	free(scratch);
	return rc;
}

/*
 * One exchange (struct port_ops.transact; contract in port.h).  Unlike the
 * serial port, a device that sends nothing before the deadline is an error
 * here, with the reference's text; the device stays open.  A reply cut
 * short by the deadline is returned as it is (rc 0).
 */
static int
hidraw_transact(struct port *p, const char *cmd, const uint8_t *req,
    size_t reqlen, int timeout_ms, struct port_reply *out)
{
	struct hidraw_port	*hp = (struct hidraw_port *)p;
	int64_t			 deadline;

	if (timeout_ms < 0)
		timeout_ms = 0;
	deadline = mono_ms() + timeout_ms;
	if (hp->fd == -1 && hidraw_open(hp, out) == -1)
		return -1;
	if (hidraw_drain(hp, out) == -1 ||
	    hidraw_send(hp, req, reqlen, deadline, timeout_ms, out) == -1 ||
	    hidraw_receive(hp, deadline, out) == -1)
		return -1;
	/* The device is there: the next failure starts a fresh backoff. */
	port_link_ok(&hp->base);
	if (out->len == 0) {
		log_debug("hidraw port %s: no reply within %d ms", hp->path,
		    timeout_ms);
		snprintf(out->err, sizeof(out->err), "USB device error: "
		    "Overall timeout (%.1fs) exceeded while reading response",
		    timeout_ms / 1000.0);
		return -1;
	}
	return 0;
}

static void
hidraw_close(struct port *p)
{
	hidraw_close_fd((struct hidraw_port *)p);
}

static void
hidraw_free(struct port *p)
{
	struct hidraw_port *hp = (struct hidraw_port *)p;

	hidraw_close_fd(hp);
	free(hp->path);
	free(hp);
}

static const struct port_ops hidraw_ops = {
	.transact = hidraw_transact,
	.close = hidraw_close,
	.free = hidraw_free,
	.input = hidraw_input,
};

/*
 * Allocates a hidraw port for opts->path; nothing is opened yet.  Returns
 * NULL without a path or memory; caller frees with port_free().
 */
struct port *
port_hidraw_new(const struct port_opts *opts)
{
	struct hidraw_port *hp;

	if (opts == NULL || opts->path == NULL || *opts->path == '\0') {
		log_error("hidraw port: no device path given");
		return NULL;
	}
	if ((hp = calloc(1, sizeof(*hp))) == NULL ||
	    (hp->path = strdup(opts->path)) == NULL) {
		free(hp);
		log_error("hidraw port %s: out of memory", opts->path);
		return NULL;
	}
	port_base_init(&hp->base, &hidraw_ops, PORT_HIDRAW, opts,
	    REOPEN_DELAY_MAX_S);
	hp->fd = -1;
	return &hp->base;
}

/* Test hook (port.h).  Owner thread only; ignored for other port types. */
void
port_hidraw_set_opener(struct port *p,
    int (*open_fn)(const char *path, void *arg), void *arg)
{
	struct hidraw_port *hp = (struct hidraw_port *)p;

	if (p == NULL || p->type != PORT_HIDRAW)
		return;
	hp->open_fn = open_fn;
	hp->open_arg = arg;
}

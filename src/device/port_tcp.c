/*
 * port_tcp.c - an inverter behind a network serial bridge: "tcp://host:port"
 * is raw TCP (Elfin EW11, USR-W610, ser2net's raw accepter); the same code
 * carries RFC 2217 telnet through its layer hook (port_rfc2217.c).
 *
 * The connection is made on first use, to the configured host only (mppd
 * opens no listening socket), with a deadline and TCP keepalive, and stays
 * open.  Each exchange drains stale bytes, sends the request and reads
 * until the frame is complete (port_frame_len) or the deadline passes, all
 * with poll(2).  A connection found dead before a request (the bridge
 * restarted, or closed an idle client) is made again at once; a failure to
 * connect or a connection lost during an exchange fails the exchange, and
 * a later one reconnects after the port base's growing delay.
 *
 * Every function here runs on the device worker thread that owns the port.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "port_net.h"
#include "port_util.h"
#include "sbuf.h"

#define NET_DRAIN_MAX		4096	/* a babbling bridge cannot stall us */
#define REOPEN_DELAY_MAX_S	10	/* a returning bridge is found soon */
#define KEEPALIVE_IDLE_S	30
#define KEEPALIVE_INTVL_S	10
#define KEEPALIVE_CNT		3

static void
net_close_fd(struct net_port *np)
{
	if (np->fd != -1) {
		close(np->fd);
		np->fd = -1;
	}
}

/*
 * Ends a failed exchange: closes the connection and schedules the reconnect
 * (port base).  connecting: the bridge could not be reached at all.  The
 * user sees "<url>: <what>: <why>".  Returns -1.
 */
static int
net_fail(struct net_port *np, struct port_reply *out, int connecting,
    const char *what, const char *why)
{
	char msg[sizeof(out->err)];

	snprintf(msg, sizeof(msg), "%s: %s: %s", np->url, what, why);
	log_warn("%s port %s", port_type_name(np->base.type), msg);
	net_close_fd(np);
	return connecting ? port_open_failed(&np->base, out, msg) :
	    port_link_failed(&np->base, out, msg);
}

static const char *
errtext(int err, char *buf, size_t len)
{
	/* strerror() need not be thread-safe; this is the GNU strerror_r. */
	return strerror_r(err, buf, len);
}

static void
net_keepalive(int fd)
{
	int on = 1, idle = KEEPALIVE_IDLE_S, intvl = KEEPALIVE_INTVL_S,
	    cnt = KEEPALIVE_CNT;

	/* Best effort: a failure only loses the early warning. */
	(void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
	(void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	(void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl,
	    sizeof(intvl));
	(void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
	/* Requests are a few bytes each: send them at once. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
}

/* One non-blocking connect to ai before the deadline; fd or -1 (errno). */
static int
net_connect_one(const struct addrinfo *ai, int64_t deadline)
{
	socklen_t	sl;
	int		fd, err = 0, ev;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, ai->ai_protocol);
	if (fd == -1)
		return -1;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return fd;
	if (errno != EINPROGRESS && errno != EINTR)
		goto fail;
	ev = port_wait_fd(fd, POLLOUT, deadline);
	if (ev == 0) {
		errno = ETIMEDOUT;
		goto fail;
	}
	if (ev == -1)
		goto fail;
	sl = sizeof(err);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl) == -1)
		goto fail;
	if (err != 0) {
		errno = err;
		goto fail;
	}
	return fd;
fail:
	err = errno;
	close(fd);
	errno = err;
	return -1;
}

/* Connects to the configured host (each of its addresses in turn). */
static int
net_connect(struct net_port *np, int64_t deadline, struct port_reply *out)
{
	struct addrinfo	 hints, *res = NULL, *ai;
	char		 buf[128], why[192];
	int		 rc, err = ECONNREFUSED;

	if (port_reopen_due(&np->base, out) == -1)
		return -1;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((rc = getaddrinfo(np->addr.host, np->addr.service, &hints,
	    &res)) != 0)
		return net_fail(np, out, 1, "cannot resolve the host",
		    rc == EAI_SYSTEM ? errtext(errno, buf, sizeof(buf)) :
		    gai_strerror(rc));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((np->fd = net_connect_one(ai, deadline)) != -1)
			break;
		err = errno;
		if (mono_ms() >= deadline)
			break;
	}
	freeaddrinfo(res);
	if (np->fd == -1)
		return net_fail(np, out, 1, "cannot connect",
		    err == ETIMEDOUT ? "no answer from the bridge before the "
		    "deadline" : errtext(err, buf, sizeof(buf)));
	net_keepalive(np->fd);
	why[0] = '\0';
	if (np->layer != NULL && np->layer->start(np, deadline, why,
	    sizeof(why)) == -1)
		return net_fail(np, out, 1, "cannot set up the line", why);
	if (np->base.failures > 0)
		log_info("%s port %s: connected again after %u failures",
		    port_type_name(np->base.type), np->url, np->base.failures);
	else
		log_debug("%s port %s: connected", port_type_name(np->base.type),
		    np->url);
	return 0;
}

int
net_send(struct net_port *np, const uint8_t *buf, size_t len,
    int64_t deadline, char *why, size_t whylen)
{
	size_t	off = 0;
	ssize_t	n;
	int	ev;
	char	eb[128];

	while (off < len) {
		n = send(np->fd, buf + off, len - off, MSG_NOSIGNAL);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno != EAGAIN) {
			snprintf(why, whylen, "%s", errtext(errno, eb,
			    sizeof(eb)));
			return -1;
		}
		ev = port_wait_fd(np->fd, POLLOUT, deadline);
		if (ev <= 0 || !(ev & POLLOUT)) {
			snprintf(why, whylen, "%s", ev == 0 ? "request not "
			    "sent before the deadline" : "connection closed");
			return -1;
		}
	}
	return 0;
}

ssize_t
net_recv(struct net_port *np, uint8_t *buf, size_t cap, char *why,
    size_t whylen)
{
	ssize_t	n;
	char	eb[128];

	for (;;) {
		n = recv(np->fd, buf, cap, 0);
		if (n > 0)
			return n;
		if (n == 0) {
			snprintf(why, whylen, "the bridge closed the "
			    "connection");
			return -1;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			return 0;
		snprintf(why, whylen, "%s", errtext(errno, eb, sizeof(eb)));
		return -1;
	}
}

/*
 * Reads what has arrived and passes it through the layer into
 * out->reply (from out->len).  Returns bytes read (> 0), 0 when nothing
 * is waiting, -1 with why on end of file or an error.
 */
static ssize_t
net_take(struct net_port *np, int64_t deadline, struct port_reply *out,
    char *why, size_t whylen)
{
	uint8_t	buf[512];
	ssize_t	n;
	size_t	room;

	if ((n = net_recv(np, buf, sizeof(buf), why, whylen)) <= 0)
		return n;
	if (np->layer != NULL)
		return np->layer->recv(np, buf, (size_t)n, out->reply,
		    &out->len, sizeof(out->reply), deadline, why, whylen) == -1 ?
		    -1 : n;
	room = sizeof(out->reply) - out->len;
	if ((size_t)n < room)
		room = (size_t)n;
	memcpy(out->reply + out->len, buf, room);
	out->len += room;
	return n;
}

/*
 * Throws away bytes that arrived since the last exchange (a late reply,
 * the bytes after the last frame) so they cannot pose as the reply.
 * Returns 0, or -1 when the connection is dead (why set).
 */
static int
net_drain(struct net_port *np, int64_t deadline, struct port_reply *out,
    char *why, size_t whylen)
{
	size_t	total = 0;
	ssize_t	n;

	while (total < NET_DRAIN_MAX) {
		out->len = 0;
		if ((n = net_take(np, deadline, out, why, whylen)) == -1)
			return -1;
		if (n == 0)
			break;
		total += out->len;
	}
	out->len = 0;
	if (total > 0)
		log_debug("%s port %s: discarded %zu stale bytes",
		    port_type_name(np->base.type), np->url, total);
	return 0;
}

/* Reads until the frame is complete, can never be valid, or the deadline. */
static int
net_read(struct net_port *np, int64_t deadline, struct port_reply *out)
{
	char	why[192];
	ssize_t	n;
	int	ev, f;

	out->len = 0;
	while (out->len < sizeof(out->reply)) {
		if ((n = net_take(np, deadline, out, why, sizeof(why))) == -1)
			return net_fail(np, out, 0, "connection lost", why);
		if (n > 0) {
			f = port_frame_len(&np->base, out->reply, out->len);
			if (f > 0 && (size_t)f <= out->len)
				out->len = (size_t)f;
			if (f != 0)
				return 0;
			continue;
		}
		ev = port_wait_fd(np->fd, POLLIN, deadline);
		if (ev == 0) {
			log_debug("%s port %s: no complete frame before the "
			    "deadline, %zu bytes received",
			    port_type_name(np->base.type), np->url, out->len);
			out->timed_out = 1;
			return 0;
		}
		if (ev == -1)
			return net_fail(np, out, 0, "poll", strerror_r(errno,
			    why, sizeof(why)));
		/* POLLHUP/POLLERR: the next recv says what happened. */
	}
	log_debug("%s port %s: %zu bytes without a frame end, reply cut",
	    port_type_name(np->base.type), np->url, out->len);
	return 0;
}

/*
 * One exchange (struct port_ops.transact; contract in port.h).  Connecting
 * has its own timeout_ms, then the exchange has timeout_ms.  rc 0 also
 * for a silent inverter (len 0) behind a working bridge.
 */
static int
net_transact(struct port *p, const char *cmd, const uint8_t *req,
    size_t reqlen, int timeout_ms, struct port_reply *out)
{
	struct net_port	*np = (struct net_port *)p;
	uint8_t		 wire[2 * 512 + 16];
	const uint8_t	*w = req;
	char		 why[192];
	int64_t		 deadline;
	int		 wlen = (int)reqlen;

	(void)cmd;
	if (timeout_ms < 0)
		timeout_ms = 0;
	if (np->fd != -1 && net_drain(np, mono_ms() + timeout_ms, out, why,
	    sizeof(why)) == -1) {
		/* Dead since the last exchange: reconnect now, no failure. */
		log_info("%s port %s: %s; connecting again",
		    port_type_name(p->type), np->url, why);
		net_close_fd(np);
	}
	if (np->fd == -1 && net_connect(np, mono_ms() + timeout_ms, out) ==
	    -1)
		return -1;
	deadline = mono_ms() + timeout_ms;
	if (np->layer != NULL) {
		if ((wlen = np->layer->encode(np, req, reqlen, wire,
		    sizeof(wire))) < 0)
			return net_fail(np, out, 0, "write", "request too long");
		w = wire;
	}
	if (net_send(np, w, (size_t)wlen, deadline, why, sizeof(why)) == -1)
		return net_fail(np, out, 0, "connection lost", why);
	if (net_read(np, deadline, out) == -1)
		return -1;
	port_link_ok(p);
	return 0;
}

/* Bytes the device sends unasked (struct port_ops.input; port.h). */
static long
net_input(struct port *p, uint8_t *buf, size_t cap, int64_t deadline)
{
	struct net_port		*np = (struct net_port *)p;
	struct port_reply	*scratch;
	char			 why[192];
	ssize_t			 n;
	long			 rc = 0;
	int			 ev;

	if (np->fd == -1)
		return -1;
	scratch = xcalloc(1, sizeof(*scratch));
	for (;;) {
		if ((n = net_take(np, deadline, scratch, why,
		    sizeof(why))) == -1) {
			rc = net_fail(np, scratch, 0, "connection lost", why);
			break;
		}
		if (scratch->len > 0) {
			rc = (long)(scratch->len < cap ? scratch->len : cap);
			memcpy(buf, scratch->reply, (size_t)rc);
			break;
		}
		if (n > 0)
			continue;	/* telnet commands only */
		ev = port_wait_fd(np->fd, POLLIN, deadline);
		if (ev == 0)
			break;
		if (ev == -1) {
			rc = net_fail(np, scratch, 0, "poll", strerror_r(errno,
			    why, sizeof(why)));
			break;
		}
	}
	free(scratch);
	return rc;
}

static void
net_close(struct port *p)
{
	net_close_fd((struct net_port *)p);
}

static void
net_free(struct port *p)
{
	struct net_port *np = (struct net_port *)p;

	net_close_fd(np);
	free(np->url);
	free(np);
}

static const struct port_ops net_ops = {
	.transact = net_transact,
	.close = net_close,
	.free = net_free,
	.input = net_input,
};

struct port *
net_port_new(const struct port_opts *opts, enum port_type type,
    const struct net_layer *layer)
{
	struct net_port	*np;
	struct port_addr a;
	char		 err[384];

	if (opts == NULL || opts->path == NULL) {
		log_error("%s port: no address given", port_type_name(type));
		return NULL;
	}
	if (port_url_parse(opts->path, &a, err, sizeof(err)) == -1) {
		log_error("%s port %s: %s", port_type_name(type), opts->path,
		    err);
		return NULL;
	}
	if ((np = calloc(1, sizeof(*np))) == NULL ||
	    (np->url = strdup(opts->path)) == NULL) {
		free(np);
		log_error("%s port %s: out of memory", port_type_name(type),
		    opts->path);
		return NULL;
	}
	port_base_init(&np->base, &net_ops, type, opts, REOPEN_DELAY_MAX_S);
	np->addr = a;
	np->fd = -1;
	np->layer = layer;
	return &np->base;
}

/*
 * Allocates a raw TCP port for opts->path ("tcp://HOST:PORT", or
 * "HOST:PORT" with porttype tcp); nothing is connected yet.  Returns NULL
 * on a malformed address; caller frees with port_free().
 */
struct port *
port_tcp_new(const struct port_opts *opts)
{
	return net_port_new(opts, PORT_TCP, NULL);
}

/*
 * port.c - port type detection, dispatch to the port implementations, and
 * the port base every type shares: the frame rule and the reopen state.
 */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clock.h"
#include "log.h"
#include "port.h"
#include "port_util.h"
#include "sbuf.h"

static int
contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay != '\0'; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return 1;
	return 0;
}

/* A /dev name that matches nothing: the type of the node a link points to. */
static enum port_type
detect_link(const char *name)
{
	char		*real;
	enum port_type	 t = PORT_NONE;

	if (strncmp(name, "/dev/", 5) != 0 || (real = realpath(name, NULL)) ==
	    NULL)
		return PORT_NONE;
	if (strcmp(real, name) != 0)
		t = port_detect(real, NULL);
	free(real);
	return t == PORT_TEST ? PORT_NONE : t;
}

enum port_type
port_detect(const char *name, const char *porttype)
{
	int override = porttype != NULL && *porttype != '\0';
	const char *s = override ? porttype : name;

	if (s == NULL)
		return PORT_NONE;
	/* mppd's network ports: before the reference's substring tests, so
	 * a host named "test-bridge" stays a network port. */
	if (override ? strcasecmp(s, "tcp") == 0 :
	    strncasecmp(s, "tcp://", 6) == 0)
		return PORT_TCP;
	if (override ? strcasecmp(s, "rfc2217") == 0 :
	    strncasecmp(s, "rfc2217://", 10) == 0)
		return PORT_RFC2217;
	if (contains_ci(s, "test"))
		return PORT_TEST;
	if (contains_ci(s, "hidraw") || contains_ci(s, "mppsolar"))
		return PORT_HIDRAW;
	if (contains_ci(s, "serial") || contains_ci(s, "ttyusb"))
		return PORT_SERIAL;
	if (strncmp(s, "/dev/tty", 8) == 0)
		return PORT_SERIAL;
	return override ? PORT_NONE : detect_link(s);
}

const char *
port_type_name(enum port_type t)
{
	switch (t) {
	case PORT_TEST:
		return "test";
	case PORT_SERIAL:
		return "serial";
	case PORT_HIDRAW:
		return "hidraw";
	case PORT_TCP:
		return "tcp";
	case PORT_RFC2217:
		return "rfc2217";
	default:
		return "none";
	}
}

int
port_key(const char *name, enum port_type t, char *out, size_t outlen)
{
	struct port_addr a;
	char real[PATH_MAX], err[160];
	int len;

	if (name == NULL || *name == '\0' || outlen == 0)
		return -1;
	if (t == PORT_TCP || t == PORT_RFC2217) {
		/* host:port names the device server, whatever the scheme */
		if (port_url_parse(name, &a, err, sizeof(err)) < 0)
			return -1;
		for (char *c = a.host; *c != '\0'; c++)
			*c = (char)tolower((unsigned char)*c);
		len = snprintf(out, outlen, "net:%s:%d", a.host, a.port);
	} else if (t == PORT_SERIAL || t == PORT_HIDRAW) {
		if (realpath(name, real) == NULL)
			snprintf(real, sizeof(real), "%s", name);
		len = snprintf(out, outlen, "dev:%s", real);
	} else
		return -1;
	return len < 0 || (size_t)len >= outlen ? -1 : 0;
}

struct port *
port_new(enum port_type type, const struct port_opts *opts)
{
	switch (type) {
	case PORT_TEST:
		return port_test_new(opts);
	case PORT_SERIAL:
		return port_serial_new(opts);
	case PORT_HIDRAW:
		return port_hidraw_new(opts);
	case PORT_TCP:
		return port_tcp_new(opts);
	case PORT_RFC2217:
		return port_rfc2217_new(opts);
	default:
		return NULL;
	}
}

int
port_guard_ms(int timeout_ms)
{
	int g = timeout_ms / 2;

	return g < 200 ? 200 : g > 2000 ? 2000 : g;
}

/*
 * Listens until the line has been quiet for the guard time (bounded by
 * timeout_ms + guard).  With late set (the exchange timed out and out
 * holds what had arrived), the first whole frame completed meanwhile
 * becomes out's reply (*taken set); every other byte is discarded.
 * Returns the bytes received and not taken.
 */
static size_t
port_listen(struct port *p, const char *what, int timeout_ms, int late,
    struct port_reply *out, int *taken)
{
	uint8_t	 acc[PORT_REPLY_MAX];
	size_t	 alen = 0, orig = 0, received = 0, used = 0;
	int64_t	 start = mono_ms(), now = start, quiet_until, bound;
	int	 guard = port_guard_ms(timeout_ms), f;
	long	 n;

	*taken = 0;
	if (p->ops->input == NULL)
		return 0;
	if (late)
		memcpy(acc, out->reply, alen = orig = out->len);
	quiet_until = start + guard;
	bound = start + (timeout_ms > 0 ? timeout_ms : 0) + guard;
	while (now < quiet_until && now < bound) {
		n = p->ops->input(p, acc + alen, sizeof(acc) - alen,
		    quiet_until < bound ? quiet_until : bound);
		now = mono_ms();
		if (n < 0)
			break;		/* closed: nothing more can come */
		if (n == 0)
			continue;
		received += (size_t)n;
		alen += (size_t)n;
		quiet_until = now + guard;
		f = late ? port_frame_len(p, acc, alen) : -1;
		if (f > 0) {
			memcpy(out->reply, acc, (size_t)f);
			out->len = (size_t)f;
			used = (size_t)f - orig;
			*taken = 1;
			log_warn("%s port: the reply to %s came %lld ms after "
			    "the timeout of %d ms; it is used, but the "
			    "timeout is too short for this device",
			    port_type_name(p->type), what,
			    (long long)(now - start), timeout_ms);
		}
		if (f != 0 || alen == sizeof(acc)) {
			late = 0;	/* from here on, all is discarded */
			alen = 0;
		}
	}
	if (now >= bound && now < quiet_until)
		log_warn("%s port: the line did not fall quiet within %lld ms "
		    "after %s", port_type_name(p->type),
		    (long long)(now - start), what);
	return received - used;
}

int
port_transact(struct port *p, const char *cmd, const uint8_t *req,
    size_t reqlen, int timeout_ms, struct port_reply *out)
{
	size_t	discarded;
	int	rc, taken;

	out->len = 0;
	out->err[0] = '\0';
	out->timed_out = 0;
	rc = p->ops->transact(p, cmd, req, reqlen, timeout_ms, out);
	if (reqlen == 0 || p->talks || (!out->timed_out && !(rc == 0 &&
	    out->len > 0 && port_frame_len(p, out->reply, out->len) < 0)))
		return rc;
	discarded = port_listen(p, cmd, timeout_ms, out->timed_out, out,
	    &taken);
	if (taken) {
		out->timed_out = 0;
		out->err[0] = '\0';
		rc = 0;
	}
	if (discarded > 0)
		log_info("%s port: %zu bytes after the reply to %s discarded "
		    "(resynchronised)", port_type_name(p->type), discarded, cmd);
	return rc;
}

size_t
port_resync(struct port *p, int timeout_ms)
{
	struct port_reply *scratch;
	size_t discarded;
	int taken;

	if (p->talks)
		return 0;
	scratch = xcalloc(1, sizeof(*scratch));
	discarded = port_listen(p, "a reply that did not fit", timeout_ms, 0,
	    scratch, &taken);
	free(scratch);
	if (discarded > 0)
		log_info("%s port: %zu bytes discarded (resynchronised)",
		    port_type_name(p->type), discarded);
	return discarded;
}

void
port_close(struct port *p)
{
	if (p != NULL)
		p->ops->close(p);
}

void
port_free(struct port *p)
{
	if (p != NULL)
		p->ops->free(p);
}

void
port_base_init(struct port *p, const struct port_ops *ops,
    enum port_type type, const struct port_opts *opts, int reopen_max_s)
{
	p->ops = ops;
	p->type = type;
	p->proto = opts != NULL ? opts->proto : NULL;
	p->frame_len = opts != NULL ? opts->frame_len : NULL;
	p->talks = opts != NULL ? opts->talks : 0;
	p->failures = 0;
	p->down = 0;
	p->retry_at = 0;
	p->reopen_max_s = reopen_max_s > 0 ? reopen_max_s : 1;
	p->last_err[0] = '\0';
}

int
port_frame_len(const struct port *p, const uint8_t *buf, size_t len)
{
	const uint8_t *cr;

	if (p->frame_len != NULL)
		return p->frame_len(p->proto, buf, len);
	if ((cr = memchr(buf, '\r', len)) == NULL)
		return 0;
	return (int)(cr - buf) + 1;
}

int
port_reopen_due(struct port *p, struct port_reply *out)
{
	int64_t now = mono_ms();

	if (now >= p->retry_at)
		return 0;
	log_debug("%s port: down after %u failures, next reopen in %lld ms",
	    port_type_name(p->type), p->failures,
	    (long long)(p->retry_at - now));
	out->len = 0;
	snprintf(out->err, sizeof(out->err), "%s", p->last_err);
	return -1;
}

int
port_link_failed(struct port *p, struct port_reply *out, const char *msg)
{
	p->failures++;
	p->retry_at = mono_ms() + port_reopen_delay_ms(p->failures,
	    p->reopen_max_s);
	snprintf(p->last_err, sizeof(p->last_err), "%s", msg);
	p->down = 0;
	out->len = 0;
	snprintf(out->err, sizeof(out->err), "%s", msg);
	return -1;
}

int
port_open_failed(struct port *p, struct port_reply *out, const char *msg)
{
	port_link_failed(p, out, msg);
	p->down = 1;
	return -1;
}

int
port_link_down(const struct port *p)
{
	return p != NULL && p->down;
}

void
port_link_ok(struct port *p)
{
	p->down = 0;
	p->failures = 0;
	p->retry_at = 0;
}

unsigned
port_link_failures(const struct port *p)
{
	return p != NULL ? p->failures : 0;
}

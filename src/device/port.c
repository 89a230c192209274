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
port_transact(struct port *p, const char *cmd, const uint8_t *req,
    size_t reqlen, int timeout_ms, struct port_reply *out)
{
	out->len = 0;
	out->err[0] = '\0';
	return p->ops->transact(p, cmd, req, reqlen, timeout_ms, out);
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

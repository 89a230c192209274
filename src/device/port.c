/*
 * port.c - port type detection and dispatch to the port implementations.
 */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "port.h"

static int
contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay != '\0'; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return 1;
	return 0;
}

enum port_type
port_detect(const char *name, const char *porttype)
{
	const char *s = (porttype != NULL && *porttype != '\0') ? porttype : name;

	if (s == NULL)
		return PORT_NONE;
	if (contains_ci(s, "test"))
		return PORT_TEST;
	if (contains_ci(s, "hidraw") || contains_ci(s, "mppsolar"))
		return PORT_HIDRAW;
	if (contains_ci(s, "serial") || contains_ci(s, "ttyusb"))
		return PORT_SERIAL;
	if (strncmp(s, "/dev/tty", 8) == 0)
		return PORT_SERIAL;
	return PORT_NONE;
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
	default:
		return "none";
	}
}

int
port_key(const char *name, enum port_type t, char *out, size_t outlen)
{
	const char *sep;
	char real[PATH_MAX];
	size_t n;
	int len;

	if (name == NULL || *name == '\0' || outlen == 0)
		return -1;
	if ((sep = strstr(name, "://")) != NULL) {
		/* tcp://host:port and rfc2217://host:port: host:port names
		 * the device server, whatever the scheme */
		const char *h = sep + 3;
		n = strcspn(h, "/?#");
		if (n == 0 || n + 5 > outlen)
			return -1;
		memcpy(out, "net:", 4);
		for (size_t i = 0; i < n; i++)
			out[4 + i] = (char)tolower((unsigned char)h[i]);
		out[4 + n] = '\0';
		return 0;
	}
	if (t != PORT_SERIAL && t != PORT_HIDRAW)
		return -1;
	if (realpath(name, real) == NULL)
		snprintf(real, sizeof(real), "%s", name);
	len = snprintf(out, outlen, "dev:%s", real);
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

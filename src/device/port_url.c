/*
 * port_url.c - network port addresses: "tcp://HOST:PORT" and
 * "rfc2217://HOST:PORT" (contract in port.h).  Pure: no name lookup here;
 * the port resolves the host when it connects.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "port.h"

#define URL_FORM	"expected tcp://HOST:PORT or rfc2217://HOST:PORT"

/* Length of a "scheme://" prefix (0 when s has none). */
static size_t
scheme_len(const char *s)
{
	size_t i = 0;

	while (isalnum((unsigned char)s[i]) || s[i] == '+' || s[i] == '-' ||
	    s[i] == '.')
		i++;
	return i > 0 && strncmp(s + i, "://", 3) == 0 ? i + 3 : 0;
}

static int
url_err(char *err, size_t errlen, const char *fmt, const char *what)
{
	snprintf(err, errlen, fmt, what);
	return -1;
}

int
port_url_parse(const char *s, struct port_addr *a, char *err, size_t errlen)
{
	const char *h, *colon, *end, *p;
	size_t hlen, sl;
	long n;

	memset(a, 0, sizeof(*a));
	if (s == NULL || *s == '\0')
		return url_err(err, errlen, "%s" URL_FORM ", found nothing", "");
	sl = scheme_len(s);
	if (sl > 0 && strncasecmp(s, "tcp://", 6) != 0 &&
	    strncasecmp(s, "rfc2217://", 10) != 0) {
		snprintf(err, errlen, URL_FORM ", found the scheme '%.*s'",
		    (int)(sl - 3), s);
		return -1;
	}
	h = s + sl;
	if (*h == '[') {
		if ((end = strchr(h, ']')) == NULL)
			return url_err(err, errlen, URL_FORM ": '%s' opens an "
			    "IPv6 address with '[' but never closes it", s);
		h++;
		hlen = (size_t)(end - h);
		colon = end + 1;
		if (*colon != ':')
			colon = NULL;
	} else {
		colon = strrchr(h, ':');
		hlen = colon != NULL ? (size_t)(colon - h) : strlen(h);
		for (p = h; p < h + hlen; p++)
			if (*p == '/' || *p == '@' || *p == '?' || *p == '#' ||
			    *p == ':' || isspace((unsigned char)*p))
				return url_err(err, errlen, URL_FORM ": '%s' has "
				    "more than a host and a port number", s);
	}
	if (hlen == 0)
		return url_err(err, errlen, URL_FORM ": '%s' names no host", s);
	if (hlen >= sizeof(a->host))
		return url_err(err, errlen, URL_FORM ": the host in '%s' is "
		    "too long", s);
	if (colon == NULL || colon[1] == '\0')
		return url_err(err, errlen, URL_FORM ": '%s' has no port "
		    "number after the host", s);
	for (p = colon + 1; *p != '\0'; p++)
		if (!isdigit((unsigned char)*p))
			return url_err(err, errlen, URL_FORM ": the port in "
			    "'%s' is not a number from 1 to 65535", s);
	n = strtol(colon + 1, NULL, 10);
	if (strlen(colon + 1) > 5 || n < 1 || n > 65535)
		return url_err(err, errlen, URL_FORM ": the port in '%s' is "
		    "not a number from 1 to 65535", s);
	memcpy(a->host, h, hlen);
	a->host[hlen] = '\0';
	a->port = (int)n;
	snprintf(a->service, sizeof(a->service), "%d", a->port);
	return 0;
}

int
port_check_url(const char *port, const char *porttype, char *err,
    size_t errlen)
{
	struct port_addr	a;
	enum port_type		t = port_detect(port, porttype);
	char			why[384];
	size_t			sl;

	if (t == PORT_TCP || t == PORT_RFC2217) {
		if (port_url_parse(port, &a, why, sizeof(why)) == 0)
			return 0;
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	/* A URL of a scheme mppd does not speak is no device path either. */
	if (port != NULL && (sl = scheme_len(port)) > 0 &&
	    (porttype == NULL || *porttype == '\0')) {
		snprintf(err, errlen, URL_FORM ", found the scheme '%.*s' in "
		    "'%s'", (int)(sl - 3), port, port);
		return -1;
	}
	return 0;
}

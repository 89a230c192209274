/*
 * http_path.h - the web server's request router: a pure function from
 * (method, raw request target) to what to serve, and the device name
 * lookup the JSON API uses.  No I/O, no allocation beyond the caller's
 * buffers; any thread.
 *
 * The request target is taken raw (the server turns libmicrohttpd's own
 * unescaping off) so that it is decoded exactly once, here: the query is
 * dropped, %XX escapes are decoded (a malformed escape or a decoded NUL is
 * refused), and a path with an empty, "." or ".." segment, a control
 * character or a backslash is refused, whatever its encoding.  Everything
 * that is not one of the routes below is "not found".
 */
#ifndef MPPD_HTTP_PATH_H
#define MPPD_HTTP_PATH_H

#include <stddef.h>

/* Longest request target (raw) and device name (decoded) accepted. */
#define HPATH_MAX	512
#define HPATH_NAME_MAX	128

enum hroute {
	HR_NOT_FOUND = 0,	/* 404 */
	HR_BAD_METHOD,		/* 405: anything but GET and HEAD */
	HR_ASSET,		/* a file of the page; asset index in the route */
	HR_METRICS,		/* /metrics */
	HR_API_LIST,		/* /api/devices */
	HR_API_DEVICE,		/* /api/devices/<name> */
	HR_API_HISTORY		/* /api/devices/<name>/history */
};

struct hpath_route {
	enum hroute	 route;
	int		 asset;			/* HR_ASSET: index in hassets[] */
	char		 name[HPATH_NAME_MAX + 1];	/* HR_API_DEVICE/HISTORY, decoded */
};

/*
 * Routes one request.  method and target are NUL-terminated; target is the
 * raw request target ("/api/devices/inv%201?x=1").  Always fills out.
 */
void	hpath_route(const char *method, const char *target,
	    struct hpath_route *out);

/*
 * Decodes the path part of target (up to '?' or '#') into buf (size n):
 * 0, or -1 when it is too long, not absolute, malformed or unsafe (see
 * above).
 */
int	hpath_decode(const char *target, char *buf, size_t n);

/*
 * Index of name in names[0..n-1] (exact, case-sensitive byte comparison,
 * as configuration section names are), or -1.  NULL entries never match.
 */
int	hpath_lookup(const char *const *names, int n, const char *name);

#endif

/*
 * http_path.c - request target decoding and routing (http_path.h).
 */
#include <string.h>

#include "http_assets.h"
#include "http_path.h"
#include "hex.h"

/* Every segment between '/'s must be non-empty and not "." or "..". */
static int
segments_ok(const char *p)
{
	const char *s = p + 1;

	if (strcmp(p, "/") == 0)
		return 0;
	for (;;) {
		const char *e = strchr(s, '/');
		size_t len = e != NULL ? (size_t)(e - s) : strlen(s);
		if (len == 0 || (len == 1 && s[0] == '.') ||
		    (len == 2 && s[0] == '.' && s[1] == '.'))
			return -1;
		if (e == NULL)
			return 0;
		s = e + 1;
	}
}

int
hpath_decode(const char *target, char *buf, size_t n)
{
	size_t o = 0;

	if (target == NULL || target[0] != '/' || n == 0 ||
	    strlen(target) > HPATH_MAX)
		return -1;
	for (const char *p = target; *p != '\0' && *p != '?' && *p != '#';
	    p++) {
		int c = (unsigned char)*p;
		if (c == '%') {
			int hi = hex_digit((unsigned char)p[1]), lo;
			if (hi < 0 || (lo = hex_digit((unsigned char)p[2])) < 0)
				return -1;
			c = hi * 16 + lo;
			p += 2;
		}
		/* NUL, control characters, DEL and backslashes (a path
		 * separator elsewhere) are never part of a route */
		if (c < 0x20 || c == 0x7f || c == '\\')
			return -1;
		if (o + 1 >= n)
			return -1;
		buf[o++] = (char)c;
	}
	buf[o] = '\0';
	return segments_ok(buf);
}

void
hpath_route(const char *method, const char *target, struct hpath_route *out)
{
	char path[HPATH_MAX + 1];
	static const char api[] = "/api/devices/";
	const char *name, *slash;
	size_t len;

	memset(out, 0, sizeof(*out));
	out->route = HR_NOT_FOUND;
	out->asset = -1;
	if (method == NULL || (strcmp(method, "GET") != 0 &&
	    strcmp(method, "HEAD") != 0)) {
		out->route = HR_BAD_METHOD;
		return;
	}
	if (hpath_decode(target, path, sizeof(path)) < 0)
		return;
	for (int i = 0; i < hassets_count; i++)
		if (strcmp(path, hassets[i].path) == 0) {
			out->route = HR_ASSET;
			out->asset = i;
			return;
		}
	if (strcmp(path, "/metrics") == 0) {
		out->route = HR_METRICS;
		return;
	}
	if (strcmp(path, "/api/devices") == 0) {
		out->route = HR_API_LIST;
		return;
	}
	if (strncmp(path, api, sizeof(api) - 1) != 0)
		return;
	name = path + sizeof(api) - 1;
	slash = strchr(name, '/');
	len = slash != NULL ? (size_t)(slash - name) : strlen(name);
	if (len == 0 || len > HPATH_NAME_MAX)
		return;
	if (slash != NULL && strcmp(slash, "/history") != 0)
		return;
	memcpy(out->name, name, len);
	out->name[len] = '\0';
	out->route = slash != NULL ? HR_API_HISTORY : HR_API_DEVICE;
}

int
hpath_lookup(const char *const *names, int n, const char *name)
{
	if (name == NULL)
		return -1;
	for (int i = 0; i < n; i++)
		if (names[i] != NULL && strcmp(names[i], name) == 0)
			return i;
	return -1;
}

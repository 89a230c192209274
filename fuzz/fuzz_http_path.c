/*
 * fuzz_http_path.c - the web server's request router on any method and
 * request target.  Input: method, NUL, target.  Contracts checked: only
 * GET and HEAD are ever routed; a routed path never has a "." or ".."
 * segment, a NUL, a control character or a backslash once decoded; an
 * asset index is in range; a device name is non-empty, bounded and holds
 * no '/'.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_assets.h"
#include "http_path.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
safe_path(const char *p)
{
	const char *s = p;

	if (p[0] != '/')
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f || *s == '\\')
			return 0;
	return strstr(p, "/../") == NULL && strstr(p, "/./") == NULL &&
	    strstr(p, "//") == NULL &&
	    !(strlen(p) >= 3 && strcmp(p + strlen(p) - 3, "/..") == 0) &&
	    !(strlen(p) >= 2 && strcmp(p + strlen(p) - 2, "/.") == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *method, *target, path[HPATH_MAX + 1];
	struct hpath_route rt;

	if (size > 4096)
		return 0;
	buf = malloc(size + 2);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = buf[size + 1] = '\0';
	method = buf;
	target = memchr(buf, '\0', size) != NULL ?
	    buf + strlen(buf) + 1 : buf + size;
	hpath_route(method, target, &rt);
	if (rt.route != HR_BAD_METHOD && strcmp(method, "GET") != 0 &&
	    strcmp(method, "HEAD") != 0)
		abort();
	if (hpath_decode(target, path, sizeof(path)) == 0 && !safe_path(path))
		abort();
	switch (rt.route) {
	case HR_ASSET:
		if (rt.asset < 0 || rt.asset >= hassets_count)
			abort();
		break;
	case HR_API_DEVICE:
	case HR_API_HISTORY:
		if (rt.name[0] == '\0' || strlen(rt.name) > HPATH_NAME_MAX ||
		    strchr(rt.name, '/') != NULL ||
		    strcmp(rt.name, "..") == 0 || strcmp(rt.name, ".") == 0)
			abort();
		break;
	case HR_METRICS:
	case HR_API_LIST:
		if (hpath_decode(target, path, sizeof(path)) != 0)
			abort();
		break;
	default:
		break;
	}
	free(buf);
	return 0;
}

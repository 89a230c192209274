/*
 * fuzz_http_name.c - the API's device name lookup.  Input: device names
 * separated by NULs, the last piece being the name asked for.  Contracts
 * checked: hpath_lookup finds exactly the first equal name; and the name
 * percent-encoded into /api/devices/<name> routes back to the same name
 * (when it is one a request can carry), so every device is reachable and
 * no request reaches a device of another name.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_path.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_NAMES 16

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *p, *names[MAX_NAMES], *want, target[HPATH_MAX + 1];
	int n = 0, expect = -1, got;
	size_t o;
	struct hpath_route rt;

	if (size > 2048)
		return 0;
	buf = malloc(size + 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	p = buf;
	while (n < MAX_NAMES && p < buf + size) {
		names[n++] = p;
		p += strlen(p) + 1;
	}
	want = n > 0 ? names[--n] : buf;
	for (int i = 0; i < n && expect < 0; i++)
		if (strcmp(names[i], want) == 0)
			expect = i;
	got = hpath_lookup((const char *const *)names, n, want);
	if (got != expect)
		abort();
	/* every byte percent-encoded: the router must decode it back */
	o = (size_t)snprintf(target, sizeof(target), "/api/devices/");
	for (const char *c = want; *c != '\0' && o + 4 < sizeof(target); c++)
		o += (size_t)snprintf(target + o, sizeof(target) - o, "%%%02X",
		    (unsigned char)*c);
	hpath_route("GET", target, &rt);
	if (rt.route == HR_API_DEVICE && strcmp(rt.name, want) != 0)
		abort();
	if (rt.route == HR_API_DEVICE &&
	    hpath_lookup((const char *const *)names, n, rt.name) != expect)
		abort();
	if (rt.route != HR_API_DEVICE && want[0] != '\0' &&
	    strlen(want) * 3 + 13 <= HPATH_MAX && strlen(want) <= HPATH_NAME_MAX &&
	    strpbrk(want, "/\\") == NULL && strcmp(want, ".") != 0 &&
	    strcmp(want, "..") != 0) {
		int ctrl = 0;
		for (const char *c = want; *c != '\0'; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				ctrl = 1;
		if (!ctrl)
			abort();	/* a plain name must be reachable */
	}
	free(buf);
	return 0;
}

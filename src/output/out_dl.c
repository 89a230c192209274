/*
 * out_dl.c - loading an output's library when the output is first used.
 * libcurl and libpq each map a few dozen libraries (TLS, Kerberos, LDAP,
 * compression...): linking them would cost every daemon that memory, so
 * the outputs that need them (out_http.c, out_postgres.c) load them here.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "out_dl.h"

int
out_dl_load(const char *const *libs, const char *const *syms, void **fns,
    char *err, size_t errlen)
{
	void *h = NULL;
	const char *why = "not found";

	for (int i = 0; libs[i] != NULL && h == NULL; i++)
		if ((h = dlopen(libs[i], RTLD_NOW | RTLD_LOCAL)) == NULL &&
		    dlerror() != NULL)
			why = "cannot be loaded";
	if (h == NULL) {
		snprintf(err, errlen, "%s %s (install the Debian package that "
		    "provides it)", libs[0], why);
		return -1;
	}
	for (int i = 0; syms[i] != NULL; i++)
		if ((fns[i] = dlsym(h, syms[i])) == NULL) {
			snprintf(err, errlen, "%s has no %s", libs[0], syms[i]);
			dlclose(h);
			return -1;
		}
	return 0;
}

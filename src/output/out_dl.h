/*
 * out_dl.h - loading an output's shared library on first use (out_dl.c).
 */
#ifndef MPPD_OUT_DL_H
#define MPPD_OUT_DL_H

#include <stddef.h>

/*
 * Opens the first of libs (NULL-terminated sonames) that loads and looks
 * up every name of syms (NULL-terminated) into fns, in order.  The library
 * stays loaded.  Returns 0, or -1 with the reason in err.  Call it once
 * (pthread_once) per library.
 */
int	out_dl_load(const char *const *libs, const char *const *syms,
	    void **fns, char *err, size_t errlen);

#endif

/*
 * http_assets.h - the web page's files, compiled into the program from
 * src/http/assets by a build step (src/http/assets.cmake): the server
 * never reads the file system.  Static, read-only, any thread.
 */
#ifndef MPPD_HTTP_ASSETS_H
#define MPPD_HTTP_ASSETS_H

#include <stddef.h>

struct hasset {
	const char		*path;	/* request path, "/" for the page */
	const char		*type;	/* Content-Type */
	const unsigned char	*data;
	size_t			 len;
};

extern const struct hasset	hassets[];
extern const int		hassets_count;

#endif

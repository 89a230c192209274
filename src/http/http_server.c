/*
 * http_server.c - libmicrohttpd glue (http_server.h): routes each request
 * with hpath_route and answers from the store, the page's compiled-in
 * files or an error page.  Never touches the file system.
 *
 * libmicrohttpd is loaded with dlopen() when http_listen is set, not
 * linked: Debian's build pulls in GnuTLS and eight more libraries whose
 * start-up costs every mppd 0.5 MB of private memory (USS 1.12 -> 1.64
 * MB) and 2.6 MB of VmHWM with one device, web server or not
 * (BENCHMARKS.md).
 */
#include <dlfcn.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "http_api.h"
#include "http_assets.h"
#include "http_metrics.h"
#include "http_path.h"
#include "http_server.h"
#include "http_store.h"
#include "log.h"
#include "sbuf.h"

#if MHD_VERSION < 0x00097002
typedef int	MHD_RESULT;
#else
typedef enum MHD_Result MHD_RESULT;
#endif

#ifndef MPPD_MHD_SONAME
#define MPPD_MHD_SONAME	"libmicrohttpd.so.12"
#endif

/* The libmicrohttpd functions used, resolved by mhd_load(). */
static struct {
	__typeof__(MHD_start_daemon)			*start_daemon;
	__typeof__(MHD_stop_daemon)			*stop_daemon;
	__typeof__(MHD_create_response_from_buffer)	*create_response;
	__typeof__(MHD_add_response_header)		*add_header;
	__typeof__(MHD_queue_response)			*queue_response;
	__typeof__(MHD_destroy_response)		*destroy_response;
} mhd;

struct http_server {
	struct MHD_Daemon	*mhd;
	struct hstore		*store;
};

/* Main thread, before the first server starts; 0 or -1 (logged).  The
 * library stays loaded until exit. */
static int
mhd_load(void)
{
	static void *lib;
	static const struct {
		const char	*name;
		void		**fn;
	} syms[] = {
		{ "MHD_start_daemon", (void **)&mhd.start_daemon },
		{ "MHD_stop_daemon", (void **)&mhd.stop_daemon },
		{ "MHD_create_response_from_buffer", (void **)&mhd.create_response },
		{ "MHD_add_response_header", (void **)&mhd.add_header },
		{ "MHD_queue_response", (void **)&mhd.queue_response },
		{ "MHD_destroy_response", (void **)&mhd.destroy_response },
	};

	if (lib != NULL)
		return 0;
	if ((lib = dlopen(MPPD_MHD_SONAME, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		log_error("http_listen: cannot load %s (%s): install "
		    "libmicrohttpd", MPPD_MHD_SONAME, dlerror());
		return -1;
	}
	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++)
		if ((*syms[i].fn = dlsym(lib, syms[i].name)) == NULL) {
			log_error("http_listen: %s has no %s", MPPD_MHD_SONAME,
			    syms[i].name);
			dlclose(lib);
			lib = NULL;
			return -1;
		}
	return 0;
}

int
http_split_listen(const char *listen, char *host, size_t n, int *port)
{
	const char *colon, *h = listen, *he;
	char *end;
	long p;

	if (listen == NULL || n == 0)
		return -1;
	if (listen[0] == '[') {
		h = listen + 1;
		if ((he = strchr(h, ']')) == NULL || he[1] != ':')
			return -1;
		colon = he + 1;
	} else {
		if ((colon = strrchr(listen, ':')) == NULL ||
		    memchr(listen, ':', (size_t)(colon - listen)) != NULL)
			return -1;
		he = colon;
	}
	if (he == h || (size_t)(he - h) >= n)
		return -1;
	errno = 0;
	p = strtol(colon + 1, &end, 10);
	if (colon[1] < '0' || colon[1] > '9' || *end != '\0' || errno != 0 ||
	    p < 1 || p > 65535)
		return -1;
	memcpy(host, h, (size_t)(he - h));
	host[he - h] = '\0';
	*port = (int)p;
	return 0;
}

/* Keeps the raw request target: hpath_route decodes it exactly once. */
static size_t
no_unescape(void *cls, struct MHD_Connection *c, char *s)
{
	return strlen(s);
}

static MHD_RESULT
reply(struct MHD_Connection *conn, unsigned int code, const char *type,
    const void *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r;
	MHD_RESULT ret;

	r = mhd.create_response(len, (void *)body, mode);
	if (r == NULL) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free((void *)body);
		return MHD_NO;
	}
	mhd.add_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	mhd.add_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	mhd.add_header(r, "X-Content-Type-Options", "nosniff");
	mhd.add_header(r, "Content-Security-Policy",
	    "default-src 'none'; script-src 'self'; style-src 'self'; "
	    "connect-src 'self'; img-src 'self'; frame-ancestors 'none'");
	if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
		mhd.add_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = mhd.queue_response(conn, code, r);
	mhd.destroy_response(r);
	return ret;
}

static MHD_RESULT
reply_text(struct MHD_Connection *conn, unsigned int code, const char *text)
{
	return reply(conn, code, "text/plain; charset=utf-8", text, strlen(text),
	    MHD_RESPMEM_PERSISTENT);
}

static MHD_RESULT
reply_json(struct MHD_Connection *conn, char *json)
{
	if (json == NULL)
		return reply_text(conn, MHD_HTTP_NOT_FOUND, "no such device\n");
	return reply(conn, MHD_HTTP_OK, "application/json", json, strlen(json),
	    MHD_RESPMEM_MUST_FREE);
}

static MHD_RESULT
on_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct http_server *h = cls;
	struct hpath_route rt;
	struct sbuf m = SBUF_INIT;
	size_t len;

	/* Answer at the first call: a request body is never read (the
	 * connection is closed after the answer instead). */
	if (*con_cls != NULL)
		return MHD_NO;
	*con_cls = h;
	hpath_route(method, url, &rt);
	switch (rt.route) {
	case HR_BAD_METHOD:
		return reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "read-only: GET and HEAD only\n");
	case HR_ASSET:
		return reply(conn, MHD_HTTP_OK, hassets[rt.asset].type,
		    hassets[rt.asset].data, hassets[rt.asset].len,
		    MHD_RESPMEM_PERSISTENT);
	case HR_METRICS:
		hmetrics_render(h->store, &m);
		len = m.len;
		return reply(conn, MHD_HTTP_OK,
		    "text/plain; version=0.0.4; charset=utf-8", sbuf_steal(&m),
		    len, MHD_RESPMEM_MUST_FREE);
	case HR_API_LIST:
		return reply_json(conn, hapi_devices(h->store));
	case HR_API_DEVICE:
		return reply_json(conn, hapi_device(h->store, rt.name));
	case HR_API_HISTORY:
		return reply_json(conn, hapi_history(h->store, rt.name));
	default:
		return reply_text(conn, MHD_HTTP_NOT_FOUND, "not found\n");
	}
}

static void
on_log(void *cls, const char *fmt, va_list ap)
{
	char buf[256];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	buf[strcspn(buf, "\n")] = '\0';
	log_warn("http: %s", buf);
}

struct http_server *
http_start(const char *listen, struct hstore *store)
{
	struct http_server *h;
	struct addrinfo hints, *ai = NULL;
	char host[256], port[8];
	int p, rc;

	if (mhd_load() < 0)
		return NULL;
	if (http_split_listen(listen, host, sizeof(host), &p) < 0) {
		log_error("http_listen = \"%s\": expected ADDR:PORT, e.g. "
		    "127.0.0.1:8080", listen);
		return NULL;
	}
	snprintf(port, sizeof(port), "%d", p);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, port, &hints, &ai)) != 0) {
		log_error("http_listen = \"%s\": %s", listen, gai_strerror(rc));
		return NULL;
	}
	h = xcalloc(1, sizeof(*h));
	h->store = store;
	h->mhd = mhd.start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_POLL | MHD_USE_ERROR_LOG |
	    (ai->ai_family == AF_INET6 ? MHD_USE_IPv6 : 0),
	    0, NULL, NULL, on_request, h,
	    MHD_OPTION_EXTERNAL_LOGGER, on_log, NULL,
	    MHD_OPTION_SOCK_ADDR, ai->ai_addr,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)HTTP_MAX_CONNECTIONS,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONN_MEMORY,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)HTTP_TIMEOUT_S,
	    MHD_OPTION_UNESCAPE_CALLBACK, no_unescape, NULL,
	    MHD_OPTION_END);
	freeaddrinfo(ai);
	if (h->mhd == NULL) {
		log_error("http_listen = \"%s\": cannot listen (address in "
		    "use or not local?)", listen);
		free(h);
		return NULL;
	}
	log_info("web page, /metrics and /api on http://%s/", listen);
	return h;
}

void
http_stop(struct http_server *h)
{
	if (h == NULL)
		return;
	mhd.stop_daemon(h->mhd);
	free(h);
}

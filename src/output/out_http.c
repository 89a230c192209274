/*
 * out_http.c - prom_push and prom_pushd: the node-exporter text of a
 * result POSTed to a Prometheus Pushgateway (or VictoriaMetrics), with
 * libcurl, loaded on first use (out_dl.c).
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "out_dl.h"
#include "output.h"
#include "sbuf.h"

#define DEFAULT_PUSH_URL	"http://localhost:9091/metrics/job/pushgateway"

/* The libcurl functions used, in the order of curl_syms. */
static struct {
	CURLcode	 (*global_init)(long);
	CURL		*(*easy_init)(void);
	CURLcode	 (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode	 (*easy_perform)(CURL *);
	CURLcode	 (*easy_getinfo)(CURL *, CURLINFO, ...);
	void		 (*easy_cleanup)(CURL *);
	const char	*(*easy_strerror)(CURLcode);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void		 (*slist_free_all)(struct curl_slist *);
} curl;

static const char *const curl_libs[] = { "libcurl.so.4",
	"libcurl-gnutls.so.4", NULL };
static const char *const curl_syms[] = { "curl_global_init",
	"curl_easy_init", "curl_easy_setopt", "curl_easy_perform",
	"curl_easy_getinfo", "curl_easy_cleanup", "curl_easy_strerror",
	"curl_slist_append", "curl_slist_free_all", NULL };

static pthread_once_t	curl_once = PTHREAD_ONCE_INIT;
static int		curl_ok;
static char		curl_err[256];

static void
curl_load(void)
{
	_Static_assert(sizeof(curl) == 9 * sizeof(void *), "curl_syms");
	if (out_dl_load(curl_libs, curl_syms, (void **)&curl, curl_err,
	    sizeof(curl_err)) < 0)
		return;
	if (curl.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(curl_err, sizeof(curl_err), "curl_global_init failed");
		return;
	}
	curl_ok = 1;
}

/* Collects the reply body (for the error message). */
static size_t
body_cb(char *p, size_t size, size_t n, void *arg)
{
	struct sbuf *b = arg;

	if (b->len < 512)
		sbuf_add(b, p, size * n);
	return size * n;
}

/* POSTs text to url; connect and whole-request timeouts in seconds. */
static int
post(const char *what, const char *url, const struct sbuf *text,
    long connect_s, long total_s)
{
	struct curl_slist *h;
	struct sbuf body = SBUF_INIT;
	CURL *c;
	CURLcode rc;
	long status = 0;
	int ret = -1;

	pthread_once(&curl_once, curl_load);
	if (!curl_ok) {
		log_error("%s: cannot push to %s: %s", what, url, curl_err);
		return -1;
	}
	if ((c = curl.easy_init()) == NULL) {
		log_error("%s: curl_easy_init failed", what);
		return -1;
	}
	h = curl.slist_append(NULL, "Content-Type: text/plain");
	curl.easy_setopt(c, CURLOPT_URL, url);
	curl.easy_setopt(c, CURLOPT_POSTFIELDS, sbuf_str(text));
	curl.easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)text->len);
	curl.easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl.easy_setopt(c, CURLOPT_CONNECTTIMEOUT, connect_s);
	curl.easy_setopt(c, CURLOPT_TIMEOUT, total_s);
	curl.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl.easy_setopt(c, CURLOPT_WRITEFUNCTION, body_cb);
	curl.easy_setopt(c, CURLOPT_WRITEDATA, &body);
	if ((rc = curl.easy_perform(c)) != CURLE_OK)
		log_error("%s: failed to push to %s: %s", what, url,
		    curl.easy_strerror(rc));
	else {
		curl.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		if (status >= 200 && status < 300) {
			log_debug("%s: POSTed to %s: status %ld", what, url,
			    status);
			ret = 0;
		} else {
			while (body.len > 0 && (body.buf[body.len - 1] == '\n' ||
			    body.buf[body.len - 1] == '\r'))
				body.len--;
			log_error("%s: %s answered HTTP %ld: %.*s", what, url,
			    status, (int)body.len, body.len ? body.buf : "");
		}
	}
	curl.slist_free_all(h);
	curl.easy_cleanup(c);
	sbuf_free(&body);
	return ret;
}

int
output_prom_push(const struct result *r, const struct out_opts *o)
{
	struct sbuf text = SBUF_INIT;
	int rc;

	output_prom_text(r, o, PROMTEXT_MPPSOLAR, &text);
	rc = post("prom_push", o->push_url != NULL ? o->push_url :
	    DEFAULT_PUSH_URL, &text, 5, 5);
	sbuf_free(&text);
	return rc;
}

int
output_prom_pushd(const struct result *r, const struct out_opts *o)
{
	struct sbuf text = SBUF_INIT, url = SBUF_INIT;
	char host[256];
	int rc;

	/* The instance is always the short host name. */
	if (gethostname(host, sizeof(host)) < 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	host[strcspn(host, ".")] = '\0';
	sbuf_printf(&url, "%s/metrics/job/mppsolar/instance/%s",
	    o->push_url != NULL ? o->push_url : DEFAULT_PUSH_URL, host);
	output_prom_text(r, o, PROMTEXT_MPPSOLAR, &text);
	rc = post("prom_pushd", sbuf_str(&url), &text, 2, 12);
	sbuf_free(&text);
	sbuf_free(&url);
	return rc;
}

/*
 * ident.c - short host name, client id and topic placeholders.
 */
/*
 * The low-level MD5() (deprecated in OpenSSL 3, still supported): going
 * through EVP_md5() loads OpenSSL 3's default provider, which costs about
 * 2 MB of resident memory for one 8-hex-digit hash at start-up.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/md5.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "ident.h"
#include "sbuf.h"

static pthread_once_t	 ident_once = PTHREAD_ONCE_INIT;
static char		 ident_host[256];

/* pthread_once body: fills ident_host. */
static void
ident_host_init(void)
{
	char buf[sizeof(ident_host)];
	char *dot;

	if (gethostname(buf, sizeof(buf)) != 0) {
		strcpy(ident_host, "mppsolar");
		return;
	}
	/* POSIX leaves a truncated name unterminated. */
	buf[sizeof(buf) - 1] = '\0';
	if ((dot = strchr(buf, '.')) != NULL)
		*dot = '\0';
	/* An empty level would make topics like "/inv1/cmd": not useful. */
	if (buf[0] == '\0')
		strcpy(ident_host, "mppsolar");
	else
		memcpy(ident_host, buf, sizeof(buf));
}

/*
 * Returns the cached short host name (static storage, never NULL).
 */
const char *
ident_short_hostname(void)
{
	pthread_once(&ident_once, ident_host_init);
	return ident_host;
}

/*
 * Returns m->hostname when set, else the short host name; m may be NULL.
 */
const char *
ident_hostname(const struct mqtt_settings *m)
{
	if (m != NULL && m->hostname != NULL && m->hostname[0] != '\0')
		return m->hostname;
	return ident_short_hostname();
}

/*
 * Formats mpp-solar's client id into out; 0 or -1 (see ident.h).
 */
int
ident_client_id(const char *host, const char *broker, int port,
    const char *user, char *out, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	struct sbuf s = SBUF_INIT;
	unsigned char md[MD5_DIGEST_LENGTH];
	char short_hash[9];
	int len, ok;

	if (n > 0)
		out[0] = '\0';
	if (host == NULL)
		host = ident_short_hostname();
	sbuf_printf(&s, "%s:%s:%d", host, broker != NULL ? broker : "", port);
	if (user != NULL && user[0] != '\0')
		sbuf_printf(&s, ":%s", user);
	ok = MD5((const unsigned char *)sbuf_str(&s), s.len, md) != NULL;
	sbuf_free(&s);
	if (!ok)
		return -1;
	for (int i = 0; i < 4; i++) {
		short_hash[2 * i] = hex[md[i] >> 4];
		short_hash[2 * i + 1] = hex[md[i] & 0xf];
	}
	short_hash[8] = '\0';
	len = snprintf(out, n, "mppsolar_%s_%s", host, short_hash);
	if (len < 0 || (size_t)len >= n) {
		if (n > 0)
			out[0] = '\0';
		return -1;
	}
	return 0;
}

/*
 * Expands {hostname} and {device} in tmpl; the caller frees the result.
 */
char *
ident_expand(const char *tmpl, const char *host, const char *device)
{
	static const char ph_host[] = "{hostname}", ph_dev[] = "{device}";
	struct sbuf s = SBUF_INIT;
	const char *p = tmpl;

	while (*p != '\0') {
		if (host != NULL &&
		    strncmp(p, ph_host, sizeof(ph_host) - 1) == 0) {
			sbuf_adds(&s, host);
			p += sizeof(ph_host) - 1;
		} else if (device != NULL &&
		    strncmp(p, ph_dev, sizeof(ph_dev) - 1) == 0) {
			sbuf_adds(&s, device);
			p += sizeof(ph_dev) - 1;
		} else
			sbuf_addc(&s, *p++);
	}
	return sbuf_steal(&s);
}

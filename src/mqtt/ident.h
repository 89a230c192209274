/*
 * ident.h - who mppd is on MQTT: the short host name, the stable client id
 * (identical to mpp-solar's, docs/compatibility.md) and the
 * {hostname}/{device} placeholders of topic templates.
 *
 * Every function may be called from any thread.
 */
#ifndef MPPD_IDENT_H
#define MPPD_IDENT_H

#include <stddef.h>

struct mqtt_settings;

/*
 * gethostname(2) up to the first '.', or "mppsolar" when that fails or is
 * empty (as the reference).  Computed once (pthread_once); the string is
 * static and never freed.
 */
const char *ident_short_hostname(void);

/*
 * {hostname} for m: m->hostname (mqtt_hostname) when set and non-empty,
 * else ident_short_hostname().  The result lives as long as m (or forever).
 */
const char *ident_hostname(const struct mqtt_settings *m);

/*
 * Writes "mppsolar_{host}_{md5("{host}:{broker}:{port}[:{user}]")[:8]}"
 * into out (n bytes); the ":{user}" part only when user is non-NULL and
 * non-empty.  host NULL means ident_short_hostname().  Returns 0, or -1
 * when out is too small (out then holds "") or MD5 is unavailable.
 */
int	ident_client_id(const char *host, const char *broker, int port,
	    const char *user, char *out, size_t n);

/*
 * Copy of tmpl with every "{hostname}" replaced by host and every
 * "{device}" by device.  A NULL host or device leaves that placeholder as
 * it is.  Never NULL; the caller frees the result.
 */
char	*ident_expand(const char *tmpl, const char *host, const char *device);

#endif

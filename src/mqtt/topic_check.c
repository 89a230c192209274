/*
 * topic_check.c - the MQTT layer's configuration check (see
 * topic_check.h).
 */
#include <mosquitto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_diag.h"
#include "ident.h"
#include "sbuf.h"
#include "topic_check.h"
#include "topic_overlap.h"

/*
 * Why t is not a valid subscription filter, or NULL.  The verdict is
 * mosquitto_sub_topic_check()'s; the text only explains it.
 */
const char *
topic_filter_problem(const char *t)
{
	const char *lvl = t;

	if (strlen(t) > TOPIC_CHECK_MAX && strlen(t) <= 65535)
		return "it is longer than 512 bytes, the longest command "
		    "topic mppd handles";
	if (mosquitto_sub_topic_check(t) == MOSQ_ERR_SUCCESS)
		return NULL;
	if (*t == '\0')
		return "it is empty";
	if (strlen(t) > 65535)
		return "it is longer than 65535 bytes";
	for (;;) {
		const char *end = strchr(lvl, '/');
		size_t n = end != NULL ? (size_t)(end - lvl) : strlen(lvl);

		if (memchr(lvl, '#', n) != NULL) {
			if (n != 1)
				return "'#' must be a whole level";
			if (end != NULL)
				return "'#' must be the last level";
		}
		if (memchr(lvl, '+', n) != NULL && n != 1)
			return "'+' must be a whole level";
		if (end == NULL)
			break;
		lvl = end + 1;
	}
	return "mosquitto_sub_topic_check rejects it";
}

/*
 * The first "{word}" in tmpl that is no placeholder mppd replaces, copied
 * to out: 1, or 0 when there is none.  A brace that opens no word ("{",
 * "{a b}") is left as text, as the expansion leaves it.
 */
static int
unknown_placeholder(const char *tmpl, char *out, size_t outlen)
{
	for (const char *p = strchr(tmpl, '{'); p != NULL;
	    p = strchr(p + 1, '{')) {
		size_t n = strspn(p + 1, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");

		if (n == 0 || p[n + 1] != '}')
			continue;
		if ((n == 8 && strncmp(p, "{hostname}", 10) == 0) ||
		    (n == 6 && strncmp(p, "{device}", 8) == 0))
			continue;
		snprintf(out, outlen, "%.*s", (int)(n + 2 < outlen ? n + 2 :
		    outlen - 1), p);
		return 1;
	}
	return 0;
}

int
topic_check_config(struct config_diag *dg, const char *section,
    const struct mqtt_settings *m, const char *device)
{
	char *t, ph[64];
	const char *why;
	size_t tl;
	int rc = 0;

	if (unknown_placeholder(m->cmd_topic, ph, sizeof(ph))) {
		config_diag_error(dg, section, "mqtt_cmd_topic", "mqtt_cmd_topic: "
		    "\"%s\" has the placeholder %s, which mppd does not know: "
		    "only {hostname} and {device} are replaced", m->cmd_topic,
		    ph);
		return -1;
	}
	t = ident_expand(m->cmd_topic, ident_hostname(m),
	    device != NULL ? device : "device");
	why = topic_filter_problem(t);
	tl = strlen(t);
	if (why != NULL) {
		config_diag_error(dg, section, "mqtt_cmd_topic", "mqtt_cmd_topic: "
		    "expected an MQTT topic filter, found \"%s\" (expands to "
		    "\"%s\"): %s", m->cmd_topic, t, why);
		rc = -1;
	} else if (tl >= 9 && strcmp(t + tl - 9, "_response") == 0)
		config_diag_warn(dg, section, "mqtt_cmd_topic", "mqtt_cmd_topic: "
		    "\"%s\" ends in '_response': mppd never runs commands from "
		    "such topics (they carry its replies)", m->cmd_topic);
	free(t);
	return rc;
}

/* Whether d subscribes to a command topic (as the router decides). */
static int
subscribes(const struct device_cfg *d)
{
	return d->nallow > 0 && d->mqtt.broker != NULL &&
	    strcmp(d->mqtt.broker, "screen") != 0;
}

static int
same_broker(const struct device_cfg *a, const struct device_cfg *b)
{
	return strcmp(a->mqtt.broker, b->mqtt.broker) == 0 &&
	    a->mqtt.port == b->mqtt.port;
}

/* d's command filter, expanded (the router's default when unset). */
static char *
cmd_filter(const struct device_cfg *d)
{
	const char *tmpl = d->mqtt.cmd_topic != NULL &&
	    d->mqtt.cmd_topic[0] != '\0' ? d->mqtt.cmd_topic :
	    "{hostname}/{device}/cmd";

	return ident_expand(tmpl, ident_hostname(&d->mqtt), d->name);
}

/* Line for an error about d's command topic. */
static int
cmd_line(const struct config_diag *dg, const struct device_cfg *d)
{
	int l = config_diag_own(dg, d->name, "mqtt_cmd_topic") ?
	    config_diag_line(dg, d->name, "mqtt_cmd_topic") : 0;

	return l > 0 ? l : d->line;
}

int
topic_check_commands(struct config_diag *dg, const struct config *c,
    const struct topic_pub *pubs, int npubs)
{
	char **f = xcalloc((size_t)c->ndevs + 1, sizeof(*f));
	int rc = 0;

	for (int i = 0; i < c->ndevs; i++) {
		const struct device_cfg *d = &c->devs[i];
		const char *why;

		if (!subscribes(d))
			continue;
		f[i] = cmd_filter(d);
		if ((why = topic_filter_problem(f[i])) != NULL) {
			/* Own topics were reported as the section was read. */
			if (!config_diag_own(dg, d->name, "mqtt_cmd_topic") &&
			    !config_diag_own(dg, d->name, "mqtt_hostname"))
				config_diag_error_at(dg, cmd_line(dg, d),
				    "[%s] mqtt_cmd_topic: expected an MQTT "
				    "topic filter, found \"%s\": %s", d->name,
				    f[i], why);
			free(f[i]);
			f[i] = NULL;
			rc = -1;
		}
	}
	for (int i = 0; i < c->ndevs; i++) {
		const struct device_cfg *d = &c->devs[i];

		if (f[i] == NULL)
			continue;
		for (int k = 0; k < npubs; k++) {
			if (!same_broker(d, pubs[k].dev) ||
			    !topic_overlap(f[i], pubs[k].filter))
				continue;
			config_diag_error_at(dg, cmd_line(dg, d), "[%s] "
			    "mqtt_cmd_topic: \"%s\" can match topics mppd "
			    "publishes itself (%s, \"%s\"): mppd would take "
			    "its own output as commands; choose a topic no "
			    "output uses, such as the default "
			    "{hostname}/{device}/cmd", d->name, f[i],
			    pubs[k].what, pubs[k].filter);
			rc = -1;
			break;
		}
		for (int j = 0; j < i; j++) {
			const struct device_cfg *e = &c->devs[j];

			if (f[j] == NULL || !same_broker(d, e) ||
			    !topic_overlap(f[i], f[j]))
				continue;
			config_diag_error_at(dg, cmd_line(dg, d), "[%s] "
			    "mqtt_cmd_topic: the command topics of [%s] "
			    "(\"%s\") and [%s] (\"%s\") can match the same "
			    "topic: a command there would run on both "
			    "devices; give each device a topic of its own, "
			    "such as {hostname}/{device}/cmd", d->name,
			    e->name, f[j], d->name, f[i]);
			rc = -1;
		}
	}
	for (int i = 0; i < c->ndevs; i++)
		free(f[i]);
	free(f);
	return rc;
}

/*
 * topic_check.c - the MQTT layer's configuration check (see
 * topic_check.h).
 */
#include <mosquitto.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_diag.h"
#include "ident.h"
#include "topic_check.h"

/*
 * Why t is not a valid subscription filter, or NULL.  The verdict is
 * mosquitto_sub_topic_check()'s; the text only explains it.
 */
static const char *
filter_problem(const char *t)
{
	const char *lvl = t;

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

int
topic_check_config(struct config_diag *dg, const char *section,
    const struct mqtt_settings *m, const char *device)
{
	char *t = ident_expand(m->cmd_topic, ident_hostname(m),
	    device != NULL ? device : "device");
	const char *why = filter_problem(t);
	size_t tl = strlen(t);
	int rc = 0;

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

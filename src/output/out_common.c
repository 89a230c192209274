/*
 * out_common.c - the output registry and the key transformation and
 * filtering every processor shares.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <ctype.h>
#include <pcre2.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "pyfmt.h"
#include "result.h"
#include "sbuf.h"

const char *const output_help[][2] = {
	{ "screen", "[the default] formats to data and prints to the screen" },
	{ "json", "outputs the results to standard out in json format" },
	{ "raw", "outputs the raw response of the inverter" },
	{ "simple", "key=value lines on standard out" },
	{ "mqtt", "publishes each value (and unit) to <tag>/status/<key>/value" },
	{ "json_mqtt", "publishes all values as one json message to <tag>/<topic>" },
	{ "hass_mqtt", "Home Assistant discovery (hand-built configs) and states" },
	{ "hassd_mqtt", "Home Assistant discovery with a device block (alias hassd_mqtt2)" },
	{ "tag_mqtt", "publishes each value to <tag>/<key>" },
	{ "influx_mqtt", "influx line protocol messages to <mqtt_topic>" },
	{ "influx2_mqtt", "influx v2 line protocol messages to <mqtt_topic>" },
	{ "domoticz_mqtt", "domoticz sensor states" },
	{ NULL, NULL }
};

enum output_kind
output_kind(const char *name)
{
	const char *c = output_canonical(name);

	if (c == NULL)
		return OUT_UNKNOWN;
	if (strcmp(c, "screen") == 0 || strcmp(c, "json") == 0 ||
	    strcmp(c, "raw") == 0 || strcmp(c, "simple") == 0)
		return OUT_TEXT;
	return OUT_MQTT;
}

const char *
output_canonical(const char *name)
{
	if (name == NULL)
		return NULL;
	if (strcmp(name, "hassd_mqtt2") == 0)
		return "hassd_mqtt";
	for (int i = 0; output_help[i][0] != NULL; i++)
		if (strcmp(output_help[i][0], name) == 0)
			return output_help[i][0];
	return NULL;
}

/*
 * One match block per thread, reused for every key: re_search() only asks
 * whether a pattern matches, and a one-pair block serves any pattern
 * (pcre2_match() returns 0, still a match, when the pairs do not fit).
 * Creating a block per call cost an allocation per key of every message.
 * Blocks are freed when their thread exits.
 */
static pthread_key_t	md_key;
static pthread_once_t	md_once = PTHREAD_ONCE_INIT;
static int		md_key_ok;

static void
md_free(void *md)
{
	pcre2_match_data_free(md);
}

static void
md_key_init(void)
{
	md_key_ok = pthread_key_create(&md_key, md_free) == 0;
}

static pcre2_match_data *
thread_match_data(void)
{
	pcre2_match_data *md;

	pthread_once(&md_once, md_key_init);
	if (!md_key_ok)
		return NULL;
	if ((md = pthread_getspecific(md_key)) != NULL)
		return md;
	if ((md = pcre2_match_data_create(1, NULL)) != NULL &&
	    pthread_setspecific(md_key, md) != 0) {
		pcre2_match_data_free(md);
		md = NULL;
	}
	return md;
}

static int
re_search(const void *re, const char *s)
{
	pcre2_match_data *md = thread_match_data();
	int rc, own = 0;

	if (md == NULL) {
		if ((md = pcre2_match_data_create(1, NULL)) == NULL)
			return 0;
		own = 1;
	}
	rc = pcre2_match(re, (PCRE2_SPTR)s, strlen(s), 0, 0, md, NULL);
	if (own)
		pcre2_match_data_free(md);
	return rc >= 0;
}

int
output_key(const char *key, const struct out_opts *o, char **key_out)
{
	char *k = xstrdup(key);

	for (char *p = k; *p != '\0'; p++) {
		if (*p == ' ')
			*p = '_';
		else if (!o->keepcase && (unsigned char)*p < 0x80)
			*p = (char)tolower((unsigned char)*p);
	}
	*key_out = k;
	if (o->exclfilter != NULL && re_search(o->exclfilter, k))
		return 0;
	if (o->filter != NULL && !re_search(o->filter, k))
		return 0;
	return 1;
}

void
output_value_str(struct sbuf *out, const struct entry *e)
{
	py_str_value(out, &e->v);
}

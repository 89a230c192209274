/*
 * out_common.c - the key transformation and filtering every processor
 * shares.
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

int
output_is_meta(const struct entry *e)
{
	return strcmp(e->key, "raw_response") == 0 ||
	    strcmp(e->key, "_command") == 0 ||
	    strcmp(e->key, "_command_description") == 0;
}

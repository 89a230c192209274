/*
 * cmd_ran.c - retained commands that ran, kept in the state directory
 * (see cmd_ran.h).
 *
 * One line per record: "<scope hash> <payload hash> <topic>\n", hashes as
 * 16 hex digits (64-bit FNV-1a; the payload itself is not kept: commands
 * may carry settings a user would not want on disk twice).  A line that
 * does not parse is skipped.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd_ran.h"
#include "hindex.h"
#include "log.h"
#include "sbuf.h"

struct ran_rec {
	struct ran_rec	*next, *prev;	/* oldest first */
	struct hnode	 node;		/* by scope and topic */
	uint64_t	 scope;
	uint64_t	 hash;
	char		*topic;
};

/*
 * The records: a list, oldest first (the file's order and the order they
 * go in), and a hash index by scope and topic (hindex.h), the look-up of
 * every command and of every clear coming back.
 */
struct cmd_ran {
	pthread_mutex_t	 mtx;
	char		*path;		/* NULL: memory only */
	struct ran_rec	*head, *tail;
	struct hindex	 idx;
	int		 n;
	int		 warned;
};

static uint64_t
ran_hash(const void *p, size_t len)
{
	return hidx_hash(HIDX_SEED, p, len);
}

static uint64_t
ran_scope(const char *scope)
{
	return ran_hash(scope != NULL ? scope : "",
	    scope != NULL ? strlen(scope) : 0);
}

static uint64_t
ran_key(uint64_t scope, const char *topic)
{
	return hidx_hash(hidx_hash(HIDX_SEED, &scope, sizeof(scope)), topic,
	    strlen(topic));
}

static void
ran_drop(struct cmd_ran *rn, struct ran_rec *r)
{
	if (r->prev != NULL)
		r->prev->next = r->next;
	else
		rn->head = r->next;
	if (r->next != NULL)
		r->next->prev = r->prev;
	else
		rn->tail = r->prev;
	hidx_del(&rn->idx, &r->node);
	free(r->topic);
	free(r);
	rn->n--;
}

static void
ran_append(struct cmd_ran *rn, uint64_t scope, uint64_t hash,
    const char *topic)
{
	struct ran_rec *r = xcalloc(1, sizeof(*r));

	if (rn->n == RAN_MAX)
		ran_drop(rn, rn->head);
	r->scope = scope;
	r->hash = hash;
	r->topic = xstrdup(topic);
	r->prev = rn->tail;
	if (rn->tail != NULL)
		rn->tail->next = r;
	else
		rn->head = r;
	rn->tail = r;
	hidx_add(&rn->idx, &r->node, ran_key(scope, topic));
	rn->n++;
}

static struct ran_rec *
ran_find(const struct cmd_ran *rn, uint64_t scope, const char *topic)
{
	struct hnode *n;

	for (n = hidx_first(&rn->idx, ran_key(scope, topic)); n != NULL;
	    n = hidx_next(n)) {
		struct ran_rec *r = hidx_entry(n, struct ran_rec, node);
		if (r->scope == scope && strcmp(r->topic, topic) == 0)
			return r;
	}
	return NULL;
}

/*
 * Replaces the file with the records: a temporary file renamed over it,
 * so a reader (the next start) sees the old or the new list, never part
 * of one.  It is not fsync'ed: this runs on a network thread for every
 * command, and an SD card can take 100 ms for a sync; a power cut may lose
 * the last change, a crash of mppd cannot.  mtx held.
 */
static void
ran_save(struct cmd_ran *rn)
{
	struct sbuf tmp = SBUF_INIT;
	FILE *f;
	int ok;

	if (rn->path == NULL)
		return;
	sbuf_printf(&tmp, "%s.tmp", rn->path);
	if ((f = fopen(sbuf_str(&tmp), "w")) == NULL)
		ok = 0;
	else {
		for (const struct ran_rec *r = rn->head; r != NULL;
		    r = r->next)
			fprintf(f, "%016" PRIx64 " %016" PRIx64 " %s\n",
			    r->scope, r->hash, r->topic);
		ok = fflush(f) == 0 && !ferror(f);
		ok = fclose(f) == 0 && ok;
		ok = ok && rename(sbuf_str(&tmp), rn->path) == 0;
		if (!ok)
			(void)unlink(sbuf_str(&tmp));
	}
	if (!ok && !rn->warned) {
		log_warn("cannot write %s: %s; a retained command whose clear "
		    "the broker refuses may run again after a restart (set "
		    "state_dir to a writable directory)", rn->path,
		    strerror(errno));
		rn->warned = 1;
	}
	sbuf_free(&tmp);
}

struct cmd_ran *
ran_open(const char *dir)
{
	struct cmd_ran *rn = xcalloc(1, sizeof(*rn));
	struct sbuf p = SBUF_INIT;
	char line[1024];
	FILE *f;

	pthread_mutex_init(&rn->mtx, NULL);
	if (dir == NULL)
		return rn;
	sbuf_printf(&p, "%s/%s", dir, RAN_FILE);
	rn->path = sbuf_steal(&p);
	if ((f = fopen(rn->path, "r")) == NULL)
		return rn;
	while (fgets(line, sizeof(line), f) != NULL) {
		uint64_t scope, hash;
		int off = 0;
		size_t len;

		if (sscanf(line, "%16" SCNx64 " %16" SCNx64 " %n", &scope,
		    &hash, &off) != 2 || off == 0)
			continue;
		len = strcspn(line + off, "\n");
		line[off + len] = '\0';
		if (len > 0)
			ran_append(rn, scope, hash, line + off);
	}
	fclose(f);
	if (rn->n > 0)
		log_info("%s: %d retained command(s) that ran are remembered",
		    rn->path, rn->n);
	return rn;
}

void
ran_free(struct cmd_ran *rn)
{
	if (rn == NULL)
		return;
	while (rn->head != NULL)
		ran_drop(rn, rn->head);
	hidx_free(&rn->idx);
	free(rn->path);
	pthread_mutex_destroy(&rn->mtx);
	free(rn);
}

int
ran_seen(struct cmd_ran *rn, const char *scope, const char *topic,
    const void *payload, size_t len)
{
	const struct ran_rec *r;
	int seen;

	pthread_mutex_lock(&rn->mtx);
	r = ran_find(rn, ran_scope(scope), topic);
	seen = r != NULL && r->hash == ran_hash(payload, len);
	pthread_mutex_unlock(&rn->mtx);
	return seen;
}

void
ran_record(struct cmd_ran *rn, const char *scope, const char *topic,
    const void *payload, size_t len)
{
	uint64_t s = ran_scope(scope);
	struct ran_rec *r;

	if (strchr(topic, '\n') != NULL)
		return;		/* cannot be a line of the file */
	pthread_mutex_lock(&rn->mtx);
	if ((r = ran_find(rn, s, topic)) != NULL)
		ran_drop(rn, r);
	ran_append(rn, s, ran_hash(payload, len), topic);
	ran_save(rn);
	pthread_mutex_unlock(&rn->mtx);
}

void
ran_forget(struct cmd_ran *rn, const char *scope, const char *topic)
{
	struct ran_rec *r;

	pthread_mutex_lock(&rn->mtx);
	if ((r = ran_find(rn, ran_scope(scope), topic)) != NULL) {
		ran_drop(rn, r);
		ran_save(rn);
	}
	pthread_mutex_unlock(&rn->mtx);
}

int
ran_count(struct cmd_ran *rn)
{
	int n;

	pthread_mutex_lock(&rn->mtx);
	n = rn->n;
	pthread_mutex_unlock(&rn->mtx);
	return n;
}

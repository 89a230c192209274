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
#include "log.h"
#include "sbuf.h"

struct ran_rec {
	uint64_t	 scope;
	uint64_t	 hash;
	char		*topic;
};

struct cmd_ran {
	pthread_mutex_t	 mtx;
	char		*path;		/* NULL: memory only */
	struct ran_rec	 v[RAN_MAX];	/* oldest first */
	int		 n;
	int		 warned;
};

static uint64_t
ran_hash(const void *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (const unsigned char *s = p; len-- > 0; s++)
		h = (h ^ *s) * 0x100000001b3ULL;
	return h;
}

static uint64_t
ran_scope(const char *scope)
{
	return ran_hash(scope != NULL ? scope : "",
	    scope != NULL ? strlen(scope) : 0);
}

static void
ran_drop(struct cmd_ran *rn, int i)
{
	free(rn->v[i].topic);
	memmove(&rn->v[i], &rn->v[i + 1], (size_t)(rn->n - i - 1) *
	    sizeof(rn->v[0]));
	rn->n--;
}

static void
ran_append(struct cmd_ran *rn, uint64_t scope, uint64_t hash,
    const char *topic)
{
	if (rn->n == RAN_MAX)
		ran_drop(rn, 0);
	rn->v[rn->n].scope = scope;
	rn->v[rn->n].hash = hash;
	rn->v[rn->n].topic = xstrdup(topic);
	rn->n++;
}

static int
ran_find(const struct cmd_ran *rn, uint64_t scope, const char *topic)
{
	for (int i = 0; i < rn->n; i++)
		if (rn->v[i].scope == scope &&
		    strcmp(rn->v[i].topic, topic) == 0)
			return i;
	return -1;
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
		for (int i = 0; i < rn->n; i++)
			fprintf(f, "%016" PRIx64 " %016" PRIx64 " %s\n",
			    rn->v[i].scope, rn->v[i].hash, rn->v[i].topic);
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
	for (int i = 0; i < rn->n; i++)
		free(rn->v[i].topic);
	free(rn->path);
	pthread_mutex_destroy(&rn->mtx);
	free(rn);
}

int
ran_seen(struct cmd_ran *rn, const char *scope, const char *topic,
    const void *payload, size_t len)
{
	int i, seen;

	pthread_mutex_lock(&rn->mtx);
	i = ran_find(rn, ran_scope(scope), topic);
	seen = i >= 0 && rn->v[i].hash == ran_hash(payload, len);
	pthread_mutex_unlock(&rn->mtx);
	return seen;
}

void
ran_record(struct cmd_ran *rn, const char *scope, const char *topic,
    const void *payload, size_t len)
{
	uint64_t s = ran_scope(scope);
	int i;

	if (strchr(topic, '\n') != NULL)
		return;		/* cannot be a line of the file */
	pthread_mutex_lock(&rn->mtx);
	if ((i = ran_find(rn, s, topic)) >= 0)
		ran_drop(rn, i);
	ran_append(rn, s, ran_hash(payload, len), topic);
	ran_save(rn);
	pthread_mutex_unlock(&rn->mtx);
}

void
ran_forget(struct cmd_ran *rn, const char *scope, const char *topic)
{
	int i;

	pthread_mutex_lock(&rn->mtx);
	if ((i = ran_find(rn, ran_scope(scope), topic)) >= 0) {
		ran_drop(rn, i);
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

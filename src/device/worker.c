/*
 * worker.c - the port owner thread (a worker group), its lanes (one per
 * configuration section on the port) and their bounded job queues.
 *
 * Everything in the group and its lanes is guarded by the group's lock,
 * except what the thread reads while it runs a command outside the lock:
 * the lane's device and cfg, which never change after worker_add, and the
 * lane itself, which worker_stop frees only once the thread is not running
 * it (g->running).
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "device.h"
#include "log.h"
#include "result.h"
#include "sbuf.h"
#include "worker.h"

struct job {
	char		*cmd;
	worker_done_fn	 fn;
	void		*arg;
};

struct worker {
	struct worker_group	*g;
	struct device		*dev;
	struct worker_cfg	 cfg;
	struct job		*ring;	/* queue_len slots */
	int			 head, count;
	int			 stopping;
	int			 pos;		/* next poll command */
	int64_t			 next_ms;	/* when the next cycle is due */
	int			 streamed;	/* every poll command is streamed */
	int			 last;		/* status of the last poll */
};

struct worker_group {
	pthread_t		 thread;
	int			 started;
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;		/* jobs, stops, the end of a run */
	struct worker		**lanes;
	int			 nlanes;
	int			 rr_poll, rr_job;	/* round robin positions */
	int			 job_budget;	/* jobs before the next poll command */
	int			 poll_next;	/* budget spent: a poll command now */
	struct worker		*running;	/* lane whose command runs now */
	struct port		*port;		/* the lanes' shared port */
	int			 stopping;
};

static int
lane_take(struct worker *w, struct job *out)
{
	if (w->count == 0)
		return 0;
	*out = w->ring[w->head];
	w->head = (w->head + 1) % w->cfg.queue_len;
	w->count--;
	return 1;
}

static int
group_queued(const struct worker_group *g)
{
	int n = 0;

	for (int i = 0; i < g->nlanes; i++)
		n += g->lanes[i]->count;
	return n;
}

/* Next lane with a job, round robin; NULL when none.  Lock held. */
static struct worker *
next_job_lane(struct worker_group *g, struct job *j)
{
	for (int k = 0; k < g->nlanes; k++) {
		struct worker *w = g->lanes[(g->rr_job + k) % g->nlanes];
		if (!w->stopping && lane_take(w, j)) {
			g->rr_job = (g->rr_job + k + 1) % g->nlanes;
			return w;
		}
	}
	return NULL;
}

/* Next lane whose cycle is in progress or due, round robin.  Lock held. */
static struct worker *
next_poll_lane(struct worker_group *g, int64_t now, int64_t *wake)
{
	*wake = INT64_MAX;
	for (int k = 0; k < g->nlanes; k++) {
		struct worker *w = g->lanes[(g->rr_poll + k) % g->nlanes];
		if (w->cfg.ncommands <= 0 || w->stopping)
			continue;
		if (w->pos > 0 || now >= w->next_ms)
			return w;	/* rr_poll moves on when it runs */
		if (w->next_ms < *wake)
			*wake = w->next_ms;
	}
	return NULL;
}

static void
run_job(struct worker *w, struct job *j)
{
	struct result r;
	int status;

	result_init(&r);
	status = device_run(w->dev, j->cmd, &r);
	j->fn(j->arg, j->cmd, &r, status, NULL);
	result_free(&r);
	free(j->cmd);
}

/* One poll command; returns device_run's status. */
static int
run_poll(struct worker *w, int index)
{
	struct result r;
	int status;

	result_init(&r);
	status = device_run(w->dev, w->cfg.commands[index], &r);
	/* The callback may take r's contents over, leaving r empty
	 * (result_init): r is freed just after. */
	if (w->cfg.poll != NULL)
		w->cfg.poll(w->cfg.poll_arg, w->dev, w->cfg.commands[index],
		    index, &r, status);
	result_free(&r);
	return status;
}

static void
wait_until(struct worker_group *g, int64_t wake)
{
	struct timespec ts;
	int64_t now = mono_ms(), ms;

	if (wake == INT64_MAX) {
		pthread_cond_wait(&g->cond, &g->lock);
		return;
	}
	if (wake <= now)
		return;
	ms = wake - now;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (time_t)(ms / 1000);
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	(void)pthread_cond_timedwait(&g->cond, &g->lock, &ts);
}

static void *
group_main(void *arg)
{
	struct worker_group *g = arg;

	pthread_mutex_lock(&g->lock);
	while (!g->stopping) {
		struct worker *w, *jw;
		struct job j;
		int64_t now = mono_ms(), wake;
		int index;

		/* A poll command is due: the jobs waiting now go first, and
		 * only those, so a stream of commands cannot starve polling. */
		w = next_poll_lane(g, now, &wake);
		if (w != NULL && g->job_budget == 0 && !g->poll_next)
			g->job_budget = group_queued(g);
		if ((w == NULL || g->job_budget > 0) &&
		    (jw = next_job_lane(g, &j)) != NULL) {
			if (g->job_budget > 0 && --g->job_budget == 0)
				g->poll_next = 1;
			g->running = jw;
			pthread_mutex_unlock(&g->lock);
			run_job(jw, &j);
			pthread_mutex_lock(&g->lock);
			g->running = NULL;
			pthread_cond_broadcast(&g->cond);
			continue;
		}
		g->job_budget = 0;
		g->poll_next = 0;
		if (w == NULL) {
			wait_until(g, wake);
			continue;
		}
		for (int i = 0; i < g->nlanes; i++)
			if (g->lanes[i] == w)
				g->rr_poll = (i + 1) % g->nlanes;
		index = w->pos;
		g->running = w;
		pthread_mutex_unlock(&g->lock);
		index = run_poll(w, index);
		pthread_mutex_lock(&g->lock);
		g->running = NULL;
		w->last = index;
		if (++w->pos >= w->cfg.ncommands) {
			/* A streamed device is read on without a pause while
			 * it answers: each exchange waits for its next frame,
			 * and none is lost.  After silence or a port failure
			 * it pauses as any device (the tty buffers what comes
			 * meanwhile). */
			w->pos = 0;
			w->next_ms = mono_ms() + (w->streamed && w->last > 0 ? 0 :
			    w->cfg.pause_ms);
		}
		pthread_cond_broadcast(&g->cond);
	}
	pthread_mutex_unlock(&g->lock);
	port_close(g->port);
	return NULL;
}

struct worker_group *
worker_group_new(void)
{
	struct worker_group *g = xcalloc(1, sizeof(*g));
	pthread_condattr_t ca;

	pthread_mutex_init(&g->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&g->cond, &ca);
	pthread_condattr_destroy(&ca);
	return g;
}

static void
group_free(struct worker_group *g)
{
	pthread_cond_destroy(&g->cond);
	pthread_mutex_destroy(&g->lock);
	free(g->lanes);
	free(g);
}

struct worker *
worker_add(struct worker_group *g, struct device *d,
    const struct worker_cfg *cfg)
{
	struct worker *w = xcalloc(1, sizeof(*w));

	w->g = g;
	w->dev = d;
	w->cfg = *cfg;
	if (w->cfg.queue_len <= 0)
		w->cfg.queue_len = 16;
	w->ring = xcalloc((size_t)w->cfg.queue_len, sizeof(*w->ring));
	w->next_ms = mono_ms() + (w->cfg.start_ms > 0 ? w->cfg.start_ms : 0);
	w->streamed = w->cfg.ncommands > 0;
	for (int i = 0; i < w->cfg.ncommands; i++)
		if (!device_streamed(d, w->cfg.commands[i]))
			w->streamed = 0;
	pthread_mutex_lock(&g->lock);
	if (g->port == NULL)
		g->port = d->port;
	g->lanes = xrealloc(g->lanes, (size_t)(g->nlanes + 1) * sizeof(*g->lanes));
	g->lanes[g->nlanes++] = w;
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
	if (!g->started) {
		if (pthread_create(&g->thread, NULL, group_main, g) != 0) {
			log_error("%s: cannot start worker thread", d->name);
			free(w->ring);
			free(w);
			group_free(g);
			return NULL;
		}
		g->started = 1;
	}
	return w;
}

struct worker *
worker_start(struct device *d, const struct worker_cfg *cfg)
{
	return worker_add(worker_group_new(), d, cfg);
}

int
worker_submit(struct worker *w, const char *cmd, worker_done_fn fn, void *arg)
{
	struct worker_group *g = w->g;
	int rc = 0;

	pthread_mutex_lock(&g->lock);
	if (w->stopping)
		rc = -2;
	else if (w->count == w->cfg.queue_len)
		rc = -1;
	else {
		struct job *j = &w->ring[(w->head + w->count) % w->cfg.queue_len];
		j->cmd = xstrdup(cmd);
		j->fn = fn;
		j->arg = arg;
		w->count++;
		pthread_cond_broadcast(&g->cond);
	}
	pthread_mutex_unlock(&g->lock);
	return rc;
}

int
worker_queued(struct worker *w)
{
	int n;

	pthread_mutex_lock(&w->g->lock);
	n = w->count;
	pthread_mutex_unlock(&w->g->lock);
	return n;
}

void
worker_stop(struct worker *w)
{
	struct worker_group *g;
	struct job j;
	int last;

	if (w == NULL)
		return;
	g = w->g;
	pthread_mutex_lock(&g->lock);
	w->stopping = 1;
	while (g->running == w)
		pthread_cond_wait(&g->cond, &g->lock);
	for (int i = 0; i < g->nlanes; i++)
		if (g->lanes[i] == w) {
			memmove(&g->lanes[i], &g->lanes[i + 1],
			    (size_t)(g->nlanes - i - 1) * sizeof(*g->lanes));
			g->nlanes--;
			break;
		}
	g->rr_poll = g->rr_job = 0;
	g->job_budget = 0;
	last = g->nlanes == 0;
	if (last)
		g->stopping = 1;
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
	/* The lane is out of the group: answer whatever it still holds. */
	while (lane_take(w, &j)) {
		j.fn(j.arg, j.cmd, NULL, -1, "mppd is shutting down");
		free(j.cmd);
	}
	free(w->ring);
	free(w);
	if (last) {
		pthread_join(g->thread, NULL);
		group_free(g);
	}
}

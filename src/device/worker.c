/*
 * worker.c - the device worker thread and its bounded job queue.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
	struct device		*dev;
	struct worker_cfg	 cfg;
	pthread_t		 thread;
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	struct job		*ring;	/* queue_len slots */
	int			 head, count;
	int			 stopping;
};

static int
worker_take(struct worker *w, struct job *out)
{
	if (w->count == 0)
		return 0;
	*out = w->ring[w->head];
	w->head = (w->head + 1) % w->cfg.queue_len;
	w->count--;
	return 1;
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

/*
 * Runs the ad-hoc jobs queued now (not those arriving meanwhile, so a
 * stream of commands cannot starve polling); returns 1 when stopping.
 */
static int
drain_jobs(struct worker *w)
{
	struct job j;
	int budget;

	pthread_mutex_lock(&w->lock);
	budget = w->count;
	pthread_mutex_unlock(&w->lock);
	while (budget-- > 0) {
		pthread_mutex_lock(&w->lock);
		if (w->stopping) {
			pthread_mutex_unlock(&w->lock);
			return 1;
		}
		if (!worker_take(w, &j)) {
			pthread_mutex_unlock(&w->lock);
			return 0;
		}
		pthread_mutex_unlock(&w->lock);
		run_job(w, &j);
	}
	pthread_mutex_lock(&w->lock);
	budget = w->stopping;
	pthread_mutex_unlock(&w->lock);
	return budget;
}

/* Waits until deadline, running ad-hoc jobs as they come; 1 when stopping. */
static int
pause_until(struct worker *w, const struct timespec *deadline)
{
	struct job j;
	int rc;

	for (;;) {
		pthread_mutex_lock(&w->lock);
		rc = 0;
		while (!w->stopping && w->count == 0 && rc != ETIMEDOUT)
			rc = pthread_cond_timedwait(&w->cond, &w->lock, deadline);
		if (w->stopping) {
			pthread_mutex_unlock(&w->lock);
			return 1;
		}
		if (!worker_take(w, &j)) {
			pthread_mutex_unlock(&w->lock);
			return 0;	/* deadline */
		}
		pthread_mutex_unlock(&w->lock);
		run_job(w, &j);
	}
}

/* pause_until() ms milliseconds from now. */
static int
pause_for(struct worker *w, int ms)
{
	struct timespec deadline;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += ms / 1000;
	deadline.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	return pause_until(w, &deadline);
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;

	if (w->cfg.start_ms > 0 && pause_for(w, w->cfg.start_ms))
		goto out;
	for (;;) {
		for (int i = 0; i < w->cfg.ncommands; i++) {
			struct result r;
			int status;

			if (drain_jobs(w))
				goto out;
			result_init(&r);
			status = device_run(w->dev, w->cfg.commands[i], &r);
			/* The callback may take r's contents over, leaving r
			 * empty (result_init): r is freed just after. */
			if (w->cfg.poll != NULL)
				w->cfg.poll(w->cfg.poll_arg, w->dev,
				    w->cfg.commands[i], i, &r, status);
			result_free(&r);
		}
		if (pause_for(w, w->cfg.pause_ms))
			break;
	}
out:
	port_close(w->dev->port);
	return NULL;
}

struct worker *
worker_start(struct device *d, const struct worker_cfg *cfg)
{
	struct worker *w = xcalloc(1, sizeof(*w));
	pthread_condattr_t ca;

	w->dev = d;
	w->cfg = *cfg;
	if (w->cfg.queue_len <= 0)
		w->cfg.queue_len = 16;
	w->ring = xcalloc((size_t)w->cfg.queue_len, sizeof(*w->ring));
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
		log_error("%s: cannot start worker thread", d->name);
		pthread_cond_destroy(&w->cond);
		pthread_mutex_destroy(&w->lock);
		free(w->ring);
		free(w);
		return NULL;
	}
	return w;
}

int
worker_submit(struct worker *w, const char *cmd, worker_done_fn fn, void *arg)
{
	int rc = 0;

	pthread_mutex_lock(&w->lock);
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
		pthread_cond_signal(&w->cond);
	}
	pthread_mutex_unlock(&w->lock);
	return rc;
}

int
worker_queued(struct worker *w)
{
	int n;

	pthread_mutex_lock(&w->lock);
	n = w->count;
	pthread_mutex_unlock(&w->lock);
	return n;
}

void
worker_stop(struct worker *w)
{
	struct job j;

	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	w->stopping = 1;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	/* The thread is gone: answer whatever is still queued. */
	while (worker_take(w, &j)) {
		j.fn(j.arg, j.cmd, NULL, -1, "mppd is shutting down");
		free(j.cmd);
	}
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	free(w->ring);
	free(w);
}

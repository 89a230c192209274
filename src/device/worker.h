/*
 * worker.h - one thread per device that alone owns the device's port and
 * protocol state.  It runs the poll cycle (the configured commands, then
 * `pause`) and ad-hoc jobs (MQTT commands) from a bounded queue; an ad-hoc
 * job is taken before the next poll command, so it waits at most one
 * command.  Nothing else ever touches the port, so a reply can never be
 * matched to another request.
 */
#ifndef MPPD_WORKER_H
#define MPPD_WORKER_H

struct device;
struct result;
struct worker;

/*
 * Result of an ad-hoc job, called on the worker thread.  When the job ran,
 * r holds the result (the callee may take it over with result_copy, the
 * worker frees r afterwards) and error is NULL.  When it did not run (the
 * worker stopped first) r is NULL and error says why.  Exactly one call per
 * accepted job.
 */
typedef void	(*worker_done_fn)(void *arg, const char *cmd, struct result *r,
		    int status, const char *error);

/*
 * After every poll command, on the worker thread: index into the command
 * list, status from device_run() (1 valid, 0 refused, -1 no answer).  The
 * callback may take r's contents over (leaving r as result_init made it);
 * the worker frees r after the call.
 */
typedef void	(*worker_poll_fn)(void *arg, struct device *d, const char *cmd,
		    int index, struct result *r, int status);

struct worker_cfg {
	char *const	*commands;	/* borrowed; must outlive the worker */
	int		 ncommands;
	int		 pause_ms;	/* after each cycle */
	int		 start_ms;	/* delay of the first cycle (commands are
					   served meanwhile): devices sharing a
					   connection do not all poll at once */
	int		 queue_len;	/* waiting ad-hoc jobs, default 16 */
	worker_poll_fn	 poll;
	void		*poll_arg;
};

/* Starts the thread; the worker owns neither d nor cfg.  NULL on error. */
struct worker *worker_start(struct device *d, const struct worker_cfg *cfg);

/*
 * Queues an ad-hoc command (copied).  Returns 0 when queued (fn is then
 * called exactly once), -1 when the queue is full ("device busy"), -2 when
 * the worker is stopping.  Any thread, including the worker's own.
 */
int	worker_submit(struct worker *w, const char *cmd, worker_done_fn fn,
	    void *arg);

/* Jobs waiting now (for statistics; racy by nature). */
int	worker_queued(struct worker *w);

/*
 * Stops the worker: the command in progress finishes, jobs still queued
 * are answered with an error, the thread is joined and the port closed.
 * Frees w.  Not from the worker's own thread.
 */
void	worker_stop(struct worker *w);

#endif

/*
 * worker.h - one thread per physical port that alone owns the port and the
 * protocol state of every device (configuration section) on it.
 *
 * A worker group is that thread; a worker is one section's lane in it, with
 * its own poll cycle (the configured commands, then `pause`) and its own
 * bounded queue of ad-hoc jobs (MQTT commands).  The thread runs one command
 * at a time: queued jobs first (those waiting when a poll command is due,
 * lane by lane, so a job waits at most one command), then the next poll
 * command of the next lane whose cycle is due, round robin, so sections on
 * one port take turns command by command.  Nothing else ever touches the
 * port, so a reply can never be matched to another request, nor to another
 * section's.
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

struct worker_group;

/* An empty group (no thread yet); freed when its last worker stops. */
struct worker_group *worker_group_new(void);

/*
 * Adds a lane for device d to g and starts g's thread with its first lane.
 * Every device of a group must use the same port object (device_share_port).
 * Neither d nor cfg is owned.  NULL on error (g then freed if empty).
 * Main thread, any time before the group's last worker stops.
 */
struct worker *worker_add(struct worker_group *g, struct device *d,
	    const struct worker_cfg *cfg);

/* A group of one: worker_add(worker_group_new(), d, cfg). */
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
 * Stops the worker: its command in progress finishes, its jobs still queued
 * are answered with an error.  With the group's last worker the thread is
 * joined, the port closed and the group freed.  Frees w.  Not from a
 * worker thread.
 */
void	worker_stop(struct worker *w);

#endif

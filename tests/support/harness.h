/*
 * harness.h - process, file and network helpers for integration tests.
 *
 * Single-threaded test code only.  Every wait is bounded; every process
 * started by h_spawn* is remembered by PID so h_cleanup_all() (registered
 * with atexit on the first spawn, and meant for teardowns) can kill and reap
 * whatever a failed test left behind.  Nothing here runs a shell, and every
 * network helper uses 127.0.0.1 only.
 */
#ifndef MPPD_HARNESS_H
#define MPPD_HARNESS_H

#include <stddef.h>
#include <sys/types.h>

/* mkdtemp("/tmp/mppd-test-XXXXXX"); caller frees; NULL on error. */
char	*h_tmpdir(void);
/* Removes a directory tree (no shell, does not follow symlinks); 0 or -1. */
int	 h_rmrf(const char *dir);

/*
 * fork+exec argv (argv[0] is a path, no PATH search, no shell).  The child's
 * stdout and stderr are appended to log_path (/dev/null when NULL), stdin is
 * /dev/null, and it runs in its own process group.  Returns the pid or -1.
 */
pid_t	 h_spawn(const char *const argv[], const char *log_path);
/* As h_spawn, with extra "K=V" entries (NULL-terminated) added to environ. */
pid_t	 h_spawn_env(const char *const argv[], const char *log_path,
	    const char *const env_add[]);
/*
 * Sends sig to pid, waits up to timeout_ms for it to exit, then SIGKILLs and
 * reaps it.  Returns WEXITSTATUS, or 128+signal when it died of a signal,
 * or -1 if pid was not a child.
 */
int	 h_stop(pid_t pid, int sig, int timeout_ms);
/* 0 when pid exited within timeout_ms (raw wait status in *status). */
int	 h_wait_exit(pid_t pid, int timeout_ms, int *status);
/* SIGKILLs and reaps every spawned pid still alive. */
void	 h_cleanup_all(void);

/* A currently free TCP port on 127.0.0.1, or -1. */
int	 h_free_port(void);
/* 0 when path exists (lstat, so a dangling symlink counts) within time. */
int	 h_wait_for_file(const char *path, int timeout_ms);
/* 0 when path no longer exists within the time. */
int	 h_wait_for_gone(const char *path, int timeout_ms);
/* 0 when 127.0.0.1:port accepts a connection within the time. */
int	 h_wait_for_tcp(int port, int timeout_ms);
/* 0 when the file contains needle within the time. */
int	 h_wait_for_text(const char *path, const char *needle, int timeout_ms);
/* 0 when the file contains needle at least count times within the time. */
int	 h_wait_for_count(const char *path, const char *needle, int count,
	    int timeout_ms);
/* Non-overlapping occurrences of needle in the file (0 if missing). */
int	 h_count_text(const char *path, const char *needle);
/* Whole file, NUL-terminated (len excludes the NUL); caller frees; NULL if missing. */
char	*h_read_file(const char *path, size_t *len);
/* Creates or truncates path with text; 0 or -1. */
int	 h_write_file(const char *path, const char *text);

/*
 * Runs argv to completion (SIGKILLed after timeout_ms) capturing stdout and
 * stderr into malloc'd strings the caller frees (either pointer may be NULL
 * to discard).  Returns the exit status (128+signal if killed by a signal),
 * or -1 on timeout or spawn failure.
 */
int	 h_run(const char *const argv[], char **out, char **err, int timeout_ms);
/* As h_run with stdin fed from in_text (may be NULL) and extra env entries. */
int	 h_run_env(const char *const argv[], const char *in_text,
	    const char *const env_add[], char **out, char **err, int timeout_ms);

/*
 * Writes dir/mosquitto.conf (listener on 127.0.0.1:port, anonymous,
 * no persistence, full logging to dir/broker.log, plus extra_conf lines
 * when not NULL), starts /usr/sbin/mosquitto -c on it and waits up to 5 s
 * for the port.  Returns the pid or -1 (the broker is then stopped).
 * With MPPD_TEST_BROKER=aedes in the environment it starts one aedes node
 * instead (cluster.h), logging to dir/broker.log in mosquitto's words.
 */
pid_t	 h_start_broker(const char *dir, int port, const char *extra_conf);

/*
 * Starts MPPD_SIM_BIN --link link plus extra options (NULL-terminated, may
 * be NULL), output appended to dir/sim.out, and waits up to 5 s for its
 * "mppd-sim: ready on" line.  Returns the pid or -1 (the sim then stopped
 * and its output printed to stderr).  Stop it with h_stop(pid, SIGTERM, ..).
 */
pid_t	 h_start_sim(const char *dir, const char *link,
	    const char *const extra[]);

/* VmRSS of pid in kB, or -1. */
long	 h_rss_kb(pid_t pid);
/* CLOCK_MONOTONIC in milliseconds. */
long	 h_now_ms(void);
/* Sleeps ms milliseconds (restarts on EINTR). */
void	 h_sleep_ms(int ms);

/* Returns a malloc'd "dir/name" (aborts on out of memory). */
char	*h_path(const char *dir, const char *name);

#endif

/*
 * daemon_stop.c - --daemon-stop: stops the daemon whose process id is in
 * a PID file, as the reference does: SIGTERM, up to 10 s to exit, then
 * SIGKILL and up to 5 s more; a PID file naming no process is removed and
 * counts as stopped.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "log.h"

/*
 * 1 when pid has exited: no such process, or a zombie its parent has not
 * reaped yet (kill(pid, 0) still succeeds on those).
 */
static int
gone(pid_t pid)
{
	char path[64], buf[256], *p;
	FILE *f;
	int dead = 0;

	if (kill(pid, 0) < 0 && errno == ESRCH)
		return 1;
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	/* "pid (comm) S ...": the state follows the last ')'. */
	if (fgets(buf, sizeof(buf), f) != NULL &&
	    (p = strrchr(buf, ')')) != NULL && p[1] == ' ')
		dead = p[2] == 'Z' || p[2] == 'X';
	fclose(f);
	return dead;
}

/* 1 when pid exited within ms milliseconds. */
static int
wait_gone(pid_t pid, int ms)
{
	struct timespec ts = { 0, 100 * 1000000L };

	for (int t = 0; t < ms; t += 100) {
		if (gone(pid))
			return 1;
		nanosleep(&ts, NULL);
	}
	return gone(pid);
}

const char *
app_default_pidfile(void)
{
	return geteuid() != 0 ? "/tmp/mpp-solar.pid" : "/var/run/mpp-solar.pid";
}

int
app_daemon_stop(const char *pidfile)
{
	FILE *f;
	char buf[32];
	char *end;
	long pid;
	int ok = 0;

	if (pidfile == NULL)
		pidfile = app_default_pidfile();
	log_info("Attempting to stop daemon using PID file: %s", pidfile);
	if ((f = fopen(pidfile, "r")) == NULL) {
		log_error("PID file not found: %s (%s)", pidfile, strerror(errno));
		goto out;
	}
	if (fgets(buf, sizeof(buf), f) == NULL)
		buf[0] = '\0';
	fclose(f);
	pid = strtol(buf, &end, 10);
	while (*end == '\n' || *end == ' ' || *end == '\r')
		end++;
	if (end == buf || *end != '\0' || pid <= 1) {
		log_error("PID file %s holds no process id", pidfile);
		goto out;
	}
	if (gone((pid_t)pid)) {
		log_warn("Process %ld not found, removing stale PID file", pid);
		unlink(pidfile);
		ok = 1;
		goto out;
	}
	log_info("Sending SIGTERM to PID %ld", pid);
	if (kill((pid_t)pid, SIGTERM) < 0) {
		log_error("cannot signal process %ld: %s", pid, strerror(errno));
		goto out;
	}
	if (!(ok = wait_gone((pid_t)pid, 10000))) {
		log_warn("Process %ld didn't respond to SIGTERM, sending SIGKILL",
		    pid);
		kill((pid_t)pid, SIGKILL);
		ok = wait_gone((pid_t)pid, 5000);
	}
	if (ok)
		unlink(pidfile);
out:
	printf("%s\n", ok ? "Daemon stopped successfully" :
	    "Failed to stop daemon");
	return ok ? 0 : 1;
}

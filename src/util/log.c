/*
 * log.c - levelled logging.  One line per call, serialised by a mutex so
 * lines from device workers and MQTT threads never interleave.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

static pthread_mutex_t	 log_lock = PTHREAD_MUTEX_INITIALIZER;
static const char	*log_prog = "mppd";
static enum log_level	 log_level = LOG_LVL_WARN;
static FILE		*log_file;
static char		*log_path;

static const char *const level_names[] = { "ERROR", "WARNING", "INFO", "DEBUG" };

void
log_init(const char *progname, enum log_level level)
{
	log_prog = progname;
	log_level = level;
}

void
log_set_level(enum log_level level)
{
	pthread_mutex_lock(&log_lock);
	log_level = level;
	pthread_mutex_unlock(&log_lock);
}

enum log_level
log_get_level(void)
{
	enum log_level l;

	pthread_mutex_lock(&log_lock);
	l = log_level;
	pthread_mutex_unlock(&log_lock);
	return l;
}

int
log_open_file(const char *path)
{
	FILE *f;

	if ((f = fopen(path, "a")) == NULL)
		return -1;
	setvbuf(f, NULL, _IOLBF, 0);
	pthread_mutex_lock(&log_lock);
	if (log_file != NULL)
		fclose(log_file);
	log_file = f;
	free(log_path);
	log_path = strdup(path);
	pthread_mutex_unlock(&log_lock);
	return 0;
}

int
log_reopen(void)
{
	FILE *f;
	char *path = NULL, eb[128];
	int rc = 0, err = 0;

	pthread_mutex_lock(&log_lock);
	if (log_path != NULL) {
		if ((f = fopen(log_path, "a")) == NULL) {
			err = errno;
			path = strdup(log_path);
			rc = -1;
		} else {
			setvbuf(f, NULL, _IOLBF, 0);
			if (log_file != NULL)
				fclose(log_file);
			log_file = f;
		}
	}
	pthread_mutex_unlock(&log_lock);
	if (rc < 0) {
		/* Said in the old file (still open) and on stderr. */
		log_msg(LOG_LVL_ERROR, "cannot reopen the log file %s: %s; "
		    "still writing to the file it was", path != NULL ? path :
		    "?", strerror_r(err, eb, sizeof(eb)));
		free(path);
		errno = err;
	}
	return rc;
}

void
log_close(void)
{
	pthread_mutex_lock(&log_lock);
	if (log_file != NULL)
		fclose(log_file);
	log_file = NULL;
	free(log_path);
	log_path = NULL;
	pthread_mutex_unlock(&log_lock);
}

void
log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	char line[2048], stamp[32];
	struct timespec ts;
	struct tm tm;
	int saved = errno;

	pthread_mutex_lock(&log_lock);
	if (level > log_level && (log_file == NULL || level > LOG_LVL_WARN)) {
		pthread_mutex_unlock(&log_lock);
		errno = saved;
		return;
	}
	vsnprintf(line, sizeof(line), fmt, ap);
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
	if (level <= log_level)
		fprintf(stderr, "%s.%03ld %s %s: %s\n", stamp,
		    ts.tv_nsec / 1000000, log_prog, level_names[level], line);
	if (log_file != NULL && level <= LOG_LVL_WARN)
		fprintf(log_file, "%s.%03ld %s %s: %s\n", stamp,
		    ts.tv_nsec / 1000000, log_prog, level_names[level], line);
	pthread_mutex_unlock(&log_lock);
	errno = saved;
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LVL_ERROR, fmt, ap);
	va_end(ap);
	exit(1);
}

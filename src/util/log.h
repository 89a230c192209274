/*
 * log.h - levelled logging to stderr and an optional log file.
 *
 * Thread-safe: every call writes one whole line under a lock.  Never pass a
 * password to these functions (see config.h: secrets are never printed).
 */
#ifndef MPPD_LOG_H
#define MPPD_LOG_H

#include <stdarg.h>

enum log_level { LOG_LVL_ERROR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void	log_init(const char *progname, enum log_level level);
void	log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Adds a file sink (WARNING and above unless the level is lower); 0 or -1. */
int	log_open_file(const char *path);
/*
 * Reopens the file sink after rotation (SIGHUP); safe to call at any time.
 * When the file cannot be opened the old one is kept and an error saying
 * so is logged (to it and to stderr); -1 then, else 0.
 */
int	log_reopen(void);
void	log_close(void);

void	log_msg(enum log_level level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	log_vmsg(enum log_level level, const char *fmt, va_list ap);

#define log_error(...)	log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

/* Start-up only: logs the message and exits with status 1. */
void	fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif

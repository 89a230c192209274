/*
 * cmd_ran.h - the commands that ran and may still be retained on the
 * broker, remembered across restarts in the state directory, so that a
 * retained command runs at most once even when the broker refuses mppd's
 * clear (an ACL without write access to the command topic).
 *
 * The router records every command it takes (topic and a hash of its
 * payload, per connection) before running it, and forgets the topic when
 * an empty message arrives on it (the broker forwarding the clear: the
 * retained slot is empty).  A message delivered with the retain flag whose
 * topic and payload are recorded has run already: it is not run again.
 *
 * The file (<state dir>/commands-ran.txt) holds at most RAN_MAX records,
 * oldest dropped first; it is replaced atomically (a temporary file
 * renamed over it) at every change.  Without a usable directory the
 * records live in memory only (warned once).
 *
 * Threads: any; every call takes the object's own mutex.
 */
#ifndef MPPD_CMD_RAN_H
#define MPPD_CMD_RAN_H

#include <stddef.h>

#define RAN_MAX		256
#define RAN_FILE	"commands-ran.txt"

struct cmd_ran;

/* Loads dir/RAN_FILE (dir NULL: memory only).  Never NULL. */
struct cmd_ran *ran_open(const char *dir);
void	ran_free(struct cmd_ran *rn);

/* 1 when the command (scope: the connection's stable id) ran. */
int	ran_seen(struct cmd_ran *rn, const char *scope, const char *topic,
	    const void *payload, size_t len);
/* Records a command about to run (replacing the topic's record). */
void	ran_record(struct cmd_ran *rn, const char *scope, const char *topic,
	    const void *payload, size_t len);
/* The topic's retained command is gone: forgets its record. */
void	ran_forget(struct cmd_ran *rn, const char *scope, const char *topic);
/* Records held (for tests). */
int	ran_count(struct cmd_ran *rn);

#endif

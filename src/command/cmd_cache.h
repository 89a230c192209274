/*
 * cmd_cache.h - the answers the router keeps so that a command it has
 * already taken is never run again (docs/commands.md, "Exactly once"):
 *
 *  - a QoS 1/2 message redelivered by the broker after a reconnect (its
 *    acknowledgement was lost with the connection): the same payload on
 *    the same topic, first received on an earlier connection;
 *  - a JSON envelope "id" seen again: the same id and the same command on
 *    the same topic within CC_TTL_MS.
 *
 * Such a repeat gets the stored answer of the first, at once or, while
 * the first still runs, when that answer comes.  The router
 * decides what a repeat is (router.c, dedupe); this file only keeps the
 * entries: bounded by CC_MAX entries and CC_BYTES bytes of stored answers,
 * oldest first out, none older than CC_TTL_MS.
 *
 * Threads: any; every call takes the cache's own mutex.
 */
#ifndef MPPD_CMD_CACHE_H
#define MPPD_CMD_CACHE_H

#include <stddef.h>
#include <stdint.h>

#define CC_TTL_MS	(10 * 60 * 1000)	/* how long a command is remembered */
#define CC_MAX		512			/* entries */
#define CC_BYTES	(2 * 1024 * 1024)	/* stored answers, in all */
/* A longer payload is never a command (those are at most 128 bytes, a
 * JSON envelope a few hundred): it is refused, not remembered. */
#define CC_PAYLOAD_MAX	2048

struct cmd_cache;
struct sbuf;

/* What one message is, for the cache (all borrowed). */
struct cc_key {
	const void	*scope;		/* one device on one connection */
	const char	*topic;
	const void	*payload;
	size_t		 len;
	unsigned long	 session;	/* the connection's CONNACK count */
	int		 redeliverable;	/* QoS 1/2: the broker may redeliver it */
	int		 may_be_redelivery; /* look for an earlier connection's */
	const char	*id_json;	/* the envelope's id, or NULL */
	const char	*command;	/* with id_json */
};

enum cc_state {
	CC_NEW = 0,	/* a new command: remembered as entry *serial */
	CC_RUNNING,	/* a repeat of a command not answered yet */
	CC_ANSWERED	/* a repeat: the stored answer was copied out */
};

struct cmd_cache *cc_new(void);
void	cc_free(struct cmd_cache *cc);

/* Called by cc_answer for each repeat that waited for the answer. */
typedef void	(*cc_waiter_fn)(void *arg, const void *waiter,
		    const char *answer, size_t len);

/* Repeats that wait for one command's answer, at most (more are not
 * answered twice: the first answer is on the way). */
#define CC_WAITERS_MAX	16

/*
 * Looks k up at time now_ms (monotonic).  A repeat: CC_RUNNING (a copy of
 * waiter, wlen bytes, is kept and handed to cc_answer's callback when the
 * answer comes), or CC_ANSWERED with the first answer appended to
 * answer.  A
 * redelivery match is consumed (one redelivery per message received).
 * Otherwise the message is remembered and CC_NEW returned with its entry's
 * serial in *serial (for cc_answer).  *redelivery is 1 when the repeat
 * was found as a redelivery (not by its id).
 */
enum cc_state cc_lookup(struct cmd_cache *cc, const struct cc_key *k,
	    int64_t now_ms, const void *waiter, size_t wlen,
	    struct sbuf *answer, uint64_t *serial, int *redelivery);

/*
 * Stores the answer given to entry serial (ignored when it is gone), then
 * calls fn(arg, waiter, answer, len) for each repeat that waited for it
 * (without the cache's lock held).
 */
void	cc_answer(struct cmd_cache *cc, uint64_t serial, const char *answer,
	    size_t len, cc_waiter_fn fn, void *arg);

/* Entries held (for tests). */
int	cc_count(struct cmd_cache *cc);

#endif

/*
 * backoff.h - reconnection delay arithmetic for conn_thread.c: pure
 * functions (no clock, no global state) so they can be unit tested.
 *
 * A delay of 0 means "no failure yet": the first attempt is immediate, the
 * first retry waits min, each further retry doubles up to max.  A session
 * that ends is judged by how it ended (backoff_session_end()).  Jitter
 * spreads many clients (a fleet after a broker restart) over time.
 */
#ifndef MPPD_BACKOFF_H
#define MPPD_BACKOFF_H

#include <stdint.h>

/* Jitter applied to every wait: the delay is scaled by [1 - 0.2, 1 + 0.2). */
#define BACKOFF_JITTER		0.2
/*
 * A connection that stayed up this long (seconds) was a real success: the
 * next retry starts again at min.  One that died sooner (another client
 * took our client id over, a broker that accepts then drops us) keeps
 * doubling, so two clients fighting over one id never flap at 1 Hz.
 */
#define BACKOFF_STABLE_S	30.0

/*
 * A session the broker closed within this many seconds of its CONNACK was
 * closed "right after CONNACK": another client connecting with our client
 * id, or a broker that accepts and then drops us.  Only such sessions
 * (and sessions ending back to back, see backoff_session_end()) make the
 * delay grow; one that worked longer was dropped by a broker that went
 * away (a restart, an update) and is retried at once.
 */
#define BACKOFF_QUICK_S		3.0

/*
 * The delay after one more failed attempt: min when cur <= 0 (or below
 * min), else 2 * cur, never above max.  min <= 0 is taken as 0.1 s and
 * max < min as min.
 */
double	 backoff_next(double cur, double min, double max);

/*
 * The delay after a session that reached CONNACK and ended up_s seconds
 * later.  *drops counts the sessions that ended one after the other with
 * no failed connect between them (the caller sets it to 0 after a connect
 * that failed: the broker was away, so the drop was a restart, not a
 * fight over the client id); *flap is the delay those drops have reached.
 * Both are updated.
 *   - stable (up_s >= BACKOFF_STABLE_S, not taken over): min, all reset;
 *   - closed right after CONNACK (up_s < BACKOFF_QUICK_S), taken over
 *     (MQTT 5 reason 0x8E), or another drop in a row: *flap doubles
 *     (from 2 * min), so two clients with one id slow down to max;
 *   - dropped after working, the first in a row: min (a broker restart
 *     costs one short wait, however many connects failed before).
 */
double	 backoff_session_end(double *flap, int *drops, double up_s,
	    int taken_over, double min, double max);

/*
 * delay scaled by a random factor in [1 - frac, 1 + frac), clipped to max
 * (a retry "at the maximum delay" never waits longer than max).  seed is
 * the caller's generator state (any value; 0 is replaced).
 */
double	 backoff_jitter(double delay, double frac, double max, uint32_t *seed);

/* xorshift32 step: the next pseudo-random value of *seed (never 0). */
uint32_t backoff_rand(uint32_t *seed);

#endif

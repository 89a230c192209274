/*
 * backoff.c - reconnection delays (see backoff.h).
 */
#include <stdint.h>

#include "backoff.h"

static void
backoff_clamp_range(double *min, double *max)
{
	if (!(*min > 0))
		*min = 0.1;
	if (!(*max >= *min))
		*max = *min;
}

/*
 * Doubles cur within [min, max]; cur <= 0 gives min.
 */
double
backoff_next(double cur, double min, double max)
{
	backoff_clamp_range(&min, &max);
	if (!(cur >= min))
		return min;
	if (cur >= max / 2)
		return max;
	return cur * 2;
}

double
backoff_session_end(double *flap, int *drops, double up_s, int taken_over,
    double min, double max)
{
	int in_row = *drops > 0;

	backoff_clamp_range(&min, &max);
	if (up_s >= BACKOFF_STABLE_S && !taken_over) {
		*drops = 0;
		*flap = 0;
		return min;
	}
	(*drops)++;
	if (!taken_over && up_s >= BACKOFF_QUICK_S && !in_row) {
		*flap = min;	/* dropped after working */
		return min;
	}
	*flap = backoff_next(*flap >= min ? *flap : min, min, max);
	return *flap;
}

/*
 * Marsaglia's xorshift32: plenty for spreading retries, no shared state
 * (rand(3) has a hidden global and is not thread-safe).
 */
uint32_t
backoff_rand(uint32_t *seed)
{
	uint32_t x = *seed != 0 ? *seed : 0x9e3779b9u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*seed = x;
	return x;
}

/*
 * delay * U[1 - frac, 1 + frac), clipped to [0, max].
 */
double
backoff_jitter(double delay, double frac, double max, uint32_t *seed)
{
	double u, d;

	if (frac < 0)
		frac = 0;
	if (frac > 1)
		frac = 1;
	u = (double)backoff_rand(seed) / 4294967296.0;	/* [0, 1) */
	d = delay * (1.0 - frac + 2.0 * frac * u);
	if (d > max)
		d = max;
	if (d < 0)
		d = 0;
	return d;
}

/*
 * test_backoff.c - reconnection delays: 1 s doubling to 60 s, reset after
 * a stable session, jitter within its bounds and never above the maximum.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "backoff.h"

static void
test_backoff_first_retry_waits_min(void **state)
{
	assert_true(backoff_next(0, 1, 60) == 1.0);
	assert_true(backoff_next(-5, 1, 60) == 1.0);
	/* A delay below min (min raised in the config) starts at min. */
	assert_true(backoff_next(0.5, 1, 60) == 1.0);
}

static void
test_backoff_doubles_up_to_max(void **state)
{
	static const double want[] = { 1, 2, 4, 8, 16, 32, 60, 60, 60 };
	double d = 0;

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		d = backoff_next(d, 1, 60);
		assert_true(d == want[i]);
	}
}

static void
test_backoff_cap_is_exact(void **state)
{
	/* 40 doubles to 80: capped at 60, not 80. */
	assert_true(backoff_next(40, 1, 60) == 60.0);
	assert_true(backoff_next(60, 1, 60) == 60.0);
	assert_true(backoff_next(1e9, 1, 60) == 60.0);
}

static void
test_backoff_bad_range_is_sane(void **state)
{
	/* max below min: min wins; min 0: a small positive floor. */
	assert_true(backoff_next(0, 5, 1) == 5.0);
	assert_true(backoff_next(5, 5, 1) == 5.0);
	assert_true(backoff_next(0, 0, 60) > 0);
}

static void
test_backoff_resets_after_stable_session(void **state)
{
	double flap = 32;
	int drops = 3;

	assert_true(backoff_session_end(&flap, &drops, BACKOFF_STABLE_S, 0,
	    1, 60) == 1.0);
	flap = 60;
	drops = 5;
	assert_true(backoff_session_end(&flap, &drops, 3600, 0, 1, 60) == 1.0);
	assert_int_equal(drops, 0);
}

static void
test_backoff_short_session_keeps_doubling(void **state)
{
	/* Kicked off 1 s after each connect (client id taken over): 2, 4,
	 * 8 ... up to the maximum, not 1 Hz forever. */
	double d, flap = 0;
	int drops = 0;

	d = backoff_session_end(&flap, &drops, 1, 1, 1, 60);
	assert_true(d == 2.0);
	d = backoff_session_end(&flap, &drops, 1, 1, 1, 60);
	assert_true(d == 4.0);
	d = backoff_session_end(&flap, &drops, 2, 1, 1, 60);
	assert_true(d == 8.0);
	for (int i = 0; i < 10; i++)
		d = backoff_session_end(&flap, &drops, 5, 1, 1, 60);
	assert_true(d == 60.0);
}

static void
test_backoff_jitter_within_bounds(void **state)
{
	uint32_t seed = 12345;
	double lo = 1e9, hi = 0;

	for (int i = 0; i < 10000; i++) {
		double d = backoff_jitter(10, BACKOFF_JITTER, 60, &seed);

		assert_true(d >= 8.0 && d < 12.0);
		if (d < lo)
			lo = d;
		if (d > hi)
			hi = d;
	}
	/* It really spreads: both ends of the range are reached. */
	assert_true(lo < 8.2);
	assert_true(hi > 11.8);
}

static void
test_backoff_jitter_never_exceeds_max(void **state)
{
	uint32_t seed = 1;

	for (int i = 0; i < 10000; i++) {
		double d = backoff_jitter(60, BACKOFF_JITTER, 60, &seed);

		assert_true(d >= 48.0 && d <= 60.0);
	}
}

static void
test_backoff_jitter_zero_seed_and_frac(void **state)
{
	uint32_t seed = 0;

	assert_true(backoff_jitter(5, 0, 60, &seed) == 5.0);
	assert_true(seed != 0);
	/* Two generators with different seeds diverge (per-connection seed). */
	{
		uint32_t a = 1, b = 2;

		assert_true(backoff_rand(&a) != backoff_rand(&b));
	}
}

/*
 * The broker restarted (an update restarts it twice): each session worked
 * a while, then connects failed while it was away.  Every drop waits
 * min again; the failed connects double on their own, from min.
 */
static void
test_backoff_broker_restarts_never_reach_the_maximum(void **state)
{
	double flap = 0, d;
	int drops = 0;

	(void)state;
	for (int restart = 0; restart < 5; restart++) {
		d = backoff_session_end(&flap, &drops, 8.0, 0, 1, 60);
		assert_true(d == 1.0);
		/* Two connects fail while it is away. */
		drops = 0;
		d = backoff_next(d, 1, 60);
		assert_true(d == 2.0);
		d = backoff_next(d, 1, 60);
		assert_true(d == 4.0);
	}
	/* A stable session resets everything. */
	d = backoff_session_end(&flap, &drops, 3600, 0, 1, 60);
	assert_true(d == 1.0 && drops == 0 && flap == 0);
}

/*
 * Closed right after CONNACK (another client with our id), taken over, or
 * dropped again and again with the broker there all along: the delay
 * grows to the maximum.
 */
static void
test_backoff_sessions_closed_right_after_connack_grow(void **state)
{
	double flap = 0, d = 0;
	int drops = 0;

	(void)state;
	d = backoff_session_end(&flap, &drops, 0.2, 0, 1, 60);
	assert_true(d == 2.0);
	d = backoff_session_end(&flap, &drops, 0.2, 0, 1, 60);
	assert_true(d == 4.0);
	for (int i = 0; i < 10; i++)
		d = backoff_session_end(&flap, &drops, 0.5, 0, 1, 60);
	assert_true(d == 60.0);

	/* Dropped after working, but in a row: the first waits min, the
	 * next ones grow (two clients kicking each other out slowly). */
	flap = 0;
	drops = 0;
	assert_true(backoff_session_end(&flap, &drops, 10, 0, 1, 60) == 1.0);
	assert_true(backoff_session_end(&flap, &drops, 10, 0, 1, 60) == 2.0);
	assert_true(backoff_session_end(&flap, &drops, 10, 0, 1, 60) == 4.0);

	/* MQTT 5 says "session taken over": grows even after a long one. */
	flap = 0;
	drops = 0;
	assert_true(backoff_session_end(&flap, &drops, 3600, 1, 1, 60) == 2.0);
	assert_true(backoff_session_end(&flap, &drops, 3600, 1, 1, 60) == 4.0);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_backoff_broker_restarts_never_reach_the_maximum),
	cmocka_unit_test(test_backoff_sessions_closed_right_after_connack_grow),
	cmocka_unit_test(test_backoff_first_retry_waits_min),
	cmocka_unit_test(test_backoff_doubles_up_to_max),
	cmocka_unit_test(test_backoff_cap_is_exact),
	cmocka_unit_test(test_backoff_bad_range_is_sane),
	cmocka_unit_test(test_backoff_resets_after_stable_session),
	cmocka_unit_test(test_backoff_short_session_keeps_doubling),
	cmocka_unit_test(test_backoff_jitter_within_bounds),
	cmocka_unit_test(test_backoff_jitter_never_exceeds_max),
	cmocka_unit_test(test_backoff_jitter_zero_seed_and_frac),
};

#include "testmain.h"
MPPD_TEST_MAIN(tests)

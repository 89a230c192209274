/*
 * test_scenario_reconnect.c - how long mppd waits before reconnecting
 * depends on how the session ended.  The real mppd daemon and a real
 * mosquitto, restarted by the test.
 *
 * What a user must see: a broker restarted twice in a row (an update)
 * costs a few seconds each time, never a minute: every wait mppd logs
 * stays at the first steps of the backoff, the log calls it a restart,
 * and mppd is back after each restart with one connection more in the
 * broker's log.  Waits are read from mppd's log and connections counted
 * in the broker's, not measured on the clock.
 */
#include "scenario_env.h"

/* The largest "reconnecting in X s" / "retrying in X s" mppd logged. */
static double
longest_wait(const char *path, int *n)
{
	char *text = h_read_file(path, NULL), *p;
	double worst = 0, w;

	*n = 0;
	for (p = text; p != NULL && (p = strstr(p, " in ")) != NULL; p += 4) {
		if ((strncmp(p - 12, "reconnecting", 12) != 0 &&
		    strncmp(p - 8, "retrying", 8) != 0) ||
		    sscanf(p + 4, "%lf s", &w) != 1)
			continue;
		(*n)++;
		if (w > worst)
			worst = w;
	}
	free(text);
	return worst;
}

/* Waits until mppd (client id) has connected count times. */
static void
wait_connects(struct scen *s, const char *id, int count)
{
	char needle[200];

	snprintf(needle, sizeof(needle), " as %s (", id);
	sc_wait(s, s->blog, needle, count, 30000);
}

static void
test_broker_restarted_twice_costs_seconds_not_a_minute(void **state)
{
	char id[128];
	double worst;
	int waits;

	(void)state;
	sc_up(&S, 1, NULL);
	sc_conf(&S, "pause = 3600\n", "[inv]\nport = test\nprotocol = PI30\n"
	    "command = QPI\noutputs = json\nmqtt_allowed_cmds = POP0[0-2]\n");
	sc_client_id(&S, id, sizeof(id));
	sc_mppd(&S);
	wait_connects(&S, id, 1);

	for (int restart = 1; restart <= 2; restart++) {
		/* The session works a while (longer than "right after
		 * CONNACK"), then the broker goes away for 2.5 s: mppd's
		 * connects fail meanwhile. */
		h_sleep_ms(4000);
		assert_int_equal(h_stop(S.broker, SIGTERM, 10000), 0);
		S.broker = 0;
		h_sleep_ms(2500);
		sc_broker(&S);
		wait_connects(&S, id, restart + 1);
	}
	sc_wait_subscribed(&S, SC_HOST "/inv/cmd", 3);

	worst = longest_wait(S.mlog, &waits);
	fprintf(stderr, "%d waits logged, the longest %.1f s\n", waits, worst);
	assert_true(waits >= 4);	/* a drop and a failed connect, twice */
	/* 1 s after each drop, 2 and 4 s after failed connects, +20 %
	 * jitter; the old policy went on doubling from the failed connects
	 * of the first restart (8, 16, 32 s...). */
	if (worst > 4.8) {
		sc_dump("mppd", S.mlog);
		fail_msg("mppd waited up to %.1f s", worst);
	}
	assert_int_equal(h_count_text(S.mlog, "after connecting (a broker "
	    "restart?)"), 2);
	assert_int_equal(h_count_text(S.mlog, "another client using"), 0);
	sc_mppd_stop(&S);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_teardown(test_broker_restarted_twice_costs_seconds_not_a_minute, sc_teardown),
};

MPPD_TEST_MAIN(tests)

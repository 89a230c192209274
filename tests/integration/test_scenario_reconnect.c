/*
 * test_scenario_reconnect.c - how long mppd waits before reconnecting
 * depends on how the session ended.  The real mppd daemon and a real
 * mosquitto, restarted by the test.
 *
 * What a user must see: a broker restarted several times in a row (an
 * update restarts it twice) costs a few seconds each time, never a
 * minute: every wait mppd logs stays at the first steps of the backoff,
 * the log calls it a restart, and mppd is back after each restart with
 * one connection more in the broker's log.  Waits are read from mppd's
 * log and connections counted in the broker's, not measured on the
 * clock.
 */
#include "scenario_env.h"

/* The largest "<verb> in X s" mppd logged ("reconnecting": after a
 * session; "retrying": after a failed connect), and how many. */
static double
longest_wait(const char *path, const char *verb, int *n)
{
	char *text = h_read_file(path, NULL), *p, needle[32];
	double worst = 0, w;

	*n = 0;
	snprintf(needle, sizeof(needle), "%s in ", verb);
	for (p = text; p != NULL && (p = strstr(p, needle)) != NULL; p++) {
		if (sscanf(p + strlen(needle), "%lf s", &w) != 1)
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
test_broker_restarted_in_a_row_costs_seconds_not_a_minute(void **state)
{
	enum { RESTARTS = 3 };
	char id[128];
	double after_drop, after_fail;
	int drops, fails;

	(void)state;
	sc_up(&S, 1, NULL);
	sc_conf(&S, "pause = 3600\n", "[inv]\nport = test\nprotocol = PI30\n"
	    "command = QPI\noutputs = json\nmqtt_allowed_cmds = POP0[0-2]\n");
	sc_client_id(&S, id, sizeof(id));
	sc_mppd(&S);
	wait_connects(&S, id, 1);

	for (int restart = 1; restart <= RESTARTS; restart++) {
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
	sc_wait_subscribed(&S, SC_HOST "/inv/cmd", RESTARTS + 1);

	after_drop = longest_wait(S.mlog, "reconnecting", &drops);
	after_fail = longest_wait(S.mlog, "retrying", &fails);
	fprintf(stderr, "%d drops, waits up to %.1f s; %d failed connects, "
	    "waits up to %.1f s\n", drops, after_drop, fails, after_fail);
	assert_int_equal(drops, RESTARTS);
	assert_true(fails >= RESTARTS);	/* the broker was away each time */
	/* 1 s after each drop and 2, 4 s after failed connects, +20 %
	 * jitter.  The old policy doubled on from the failed connects of
	 * the restart before: 1, then 4, then 8 s after the drops, and 16,
	 * 32 s after the failed connects that followed. */
	if (after_drop > 1.2 || after_fail > 4.8) {
		sc_dump("mppd", S.mlog);
		fail_msg("mppd waited %.1f s after a drop, %.1f s after a "
		    "failed connect", after_drop, after_fail);
	}
	assert_int_equal(h_count_text(S.mlog, "after connecting (a broker "
	    "restart?)"), RESTARTS);
	assert_int_equal(h_count_text(S.mlog, "another client using"), 0);
	sc_mppd_stop(&S);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_teardown(test_broker_restarted_in_a_row_costs_seconds_not_a_minute, sc_teardown),
};

MPPD_TEST_MAIN(tests)

/*
 * test_scenario_flood.c - a flood: 10,000 commands over 16 devices on one
 * broker connection, twice.  Every command is answered exactly once (a
 * result, a refusal or "device busy" - all answers), none is lost, and
 * mppd's resident memory does not grow from the first flood to the second.
 * Then a flood that mppd is restarted in the middle of: still each command
 * answered exactly once over both runs.
 *
 * Twelve devices are test ports (instant replies); four are mppd-sim with
 * a 20 ms delay per reply and queue_len = 4, so they must say "device
 * busy" to most of a burst.  The broker queues without limit
 * (max_queued_messages 0), so a loss could only be mppd's.
 */
#include "scenario_env.h"

#define NDEV		16
#define NSIM		4		/* devices d12..d15 are simulators */
#define PER_DEV		625		/* 16 x 625 = 10,000 commands */
#define NCMD		(NDEV * PER_DEV)
#define RSS_GROWTH_KB	1024		/* allowed growth over the last flood */

struct tally {
	int	answers;	/* lines on a cmd_response topic */
	int	ok, busy, refused, other;
	int	missing, twice, foreign;
	int	ok_dev[NDEV];	/* results per device */
};

/* Command number i: setters, every 8th one refused by the allowlist. */
static const char *
command_for(int i)
{
	return i % 8 == 7 ? "PCVV48.0" : (i % 2 ? "POP01" : "POP02");
}

static void
write_conf(struct scen *s)
{
	char *dev = malloc(NDEV * 512), *p;
	size_t left = NDEV * 512;

	assert_non_null(dev);
	p = dev;
	for (int d = 0; d < NDEV; d++) {
		int n;
		if (d >= NDEV - NSIM) {
			char *link, name[32];
			snprintf(name, sizeof(name), "ttyINV%d", d);
			link = h_path(s->dir, name);
			n = snprintf(p, left, "[d%02d]\nport = %s\nporttype = serial\n"
			    "baud = 115200\ntimeout = 2\n", d, link);
			free(link);
		} else
			n = snprintf(p, left, "[d%02d]\nport = test1\n", d);
		p += n;
		left -= (size_t)n;
		n = snprintf(p, left, "protocol = PI30\ncommand = QPI\n"
		    "outputs = json\nqueue_len = 4\n"
		    "mqtt_allowed_cmds = POP0[0-2],QPI\n\n");
		p += n;
		left -= (size_t)n;
	}
	sc_conf(s, "pause = 3600\n", dev);
	free(dev);
}

/* Publishes round r: PER_DEV commands to each device, with ids
 * "r<round>-d<dev>-<i>" in JSON envelopes. */
static void
flood_devices(struct scen *s, int round, int from, int to)
{
	char *lines = malloc(PER_DEV * 96), topic[64];

	assert_non_null(lines);
	for (int d = from; d < to; d++) {
		size_t o = 0;
		for (int i = 0; i < PER_DEV; i++)
			o += (size_t)snprintf(lines + o, PER_DEV * 96 - o,
			    "{\"command\": \"%s\", \"id\": \"r%d-d%02d-%d\"}\n",
			    command_for(i), round, d, i);
		snprintf(topic, sizeof(topic), SC_HOST "/d%02d/cmd", d);
		sc_pub_lines(s, topic, lines);
	}
	free(lines);
}

static void
flood(struct scen *s, int round)
{
	flood_devices(s, round, 0, NDEV);
}

/*
 * Reads every response of round r from the subscriber's log and checks
 * each against its request: per id exactly one answer, on its device's
 * topic, for its command.
 */
static void
tally(struct scen *s, int round, struct tally *t)
{
	unsigned char *seen = calloc(NCMD, 1);
	char *text = h_read_file(s->rlog, NULL), *line, *save = NULL;
	char prefix[16];

	assert_non_null(seen);
	assert_non_null(text);
	memset(t, 0, sizeof(*t));
	snprintf(prefix, sizeof(prefix), "r%d-d", round);
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char *bar = strchr(line, '|');
		const char *id, *err, *cmd;
		int d, i;
		cJSON *j;

		if (bar == NULL)
			continue;
		*bar = '\0';
		j = cJSON_Parse(bar + 1);
		id = sc_jstr(j, "id");
		if (j == NULL || id == NULL || strncmp(id, prefix,
		    strlen(prefix)) != 0) {
			/* Another round's answer. */
			if (j == NULL || id == NULL)
				t->foreign++;
			cJSON_Delete(j);
			continue;
		}
		t->answers++;
		if (sscanf(id + strlen(prefix), "%d-%d", &d, &i) != 2 ||
		    d < 0 || d >= NDEV || i < 0 || i >= PER_DEV) {
			t->foreign++;
			cJSON_Delete(j);
			continue;
		}
		{
			char want[64];
			snprintf(want, sizeof(want), SC_HOST "/d%02d/cmd_response",
			    d);
			assert_string_equal(line, want);
		}
		cmd = sc_jstr(j, "command");
		assert_non_null(cmd);
		assert_string_equal(cmd, command_for(i));
		if (seen[d * PER_DEV + i]++ > 0)
			t->twice++;
		err = sc_jstr(j, "error");
		if (err == NULL && cJSON_GetObjectItemCaseSensitive(j, "result")) {
			t->ok++;
			t->ok_dev[d]++;
		}
		else if (err != NULL && (strcmp(err, "device busy") == 0 ||
		    strcmp(err, "mppd is shutting down") == 0))
			t->busy++;
		else if (err != NULL && strcmp(err, "Command not allowed") == 0 &&
		    strcmp(cmd, "PCVV48.0") == 0)
			t->refused++;
		else
			t->other++;
		cJSON_Delete(j);
	}
	for (int k = 0; k < NCMD; k++)
		if (seen[k] == 0)
			t->missing++;
	free(seen);
	free(text);
}

static void
report(const char *what, const struct tally *t, long ms)
{
	fprintf(stderr, "%s: %d commands sent, %d answered in %ld ms (%d "
	    "results, %d device busy, %d refused, %d other), lost %d, "
	    "answered twice %d\n", what, NCMD, t->answers, ms, t->ok, t->busy,
	    t->refused, t->other, t->missing, t->twice);
}

/* Waits until round r has NCMD answers (or the time is up). */
static void
wait_answers(struct scen *s, int total)
{
	sc_wait_big(s, s->rlog, "/cmd_response|", total, 100000);
	h_sleep_ms(SC_QUIET_MS);
}

static void
test_flood_10000_commands_16_devices_each_answered_once_memory_flat(void **state)
{
	struct tally t;
	long t0, rss0, rss = 0, rss_prev = 0;
	int ran[NDEV] = { 0 }, rounds = 2;

	(void)state;
	sc_up(&S, 1, "max_queued_messages 0\n");
	for (int d = NDEV - NSIM; d < NDEV; d++) {
		char name[32], logname[32], *link, *log;
		snprintf(name, sizeof(name), "ttyINV%d", d);
		snprintf(logname, sizeof(logname), "sim%d.log", d);
		link = h_path(S.dir, name);
		log = h_path(S.dir, logname);
		assert_true(h_start_sim(S.dir, link, (const char *[]){ "--baud",
		    "115200", "--delay-ms", "20", "--log", log, NULL }) > 0);
		free(link);
		free(log);
	}
	write_conf(&S);
	sc_mppd(&S);
	sc_wait_subscribed(&S, SC_HOST "/d15/cmd", 1);
	sc_sub(&S, SC_HOST "/+/cmd_response");
	sc_wait(&S, S.mlog, "\"protocol_id\": \"PI30\"", NDEV, SC_WAIT_MS);
	rss0 = h_rss_kb(S.mppd);

	/* MPPD_FLOOD_ROUNDS (default 2) more rounds show whether memory
	 * settles; the bound applies to the last round. */
	if (getenv("MPPD_FLOOD_ROUNDS") != NULL)
		rounds = atoi(getenv("MPPD_FLOOD_ROUNDS"));
	if (rounds < 2)
		rounds = 2;
	for (int r = 1; r <= rounds; r++) {
		char what[32];

		t0 = h_now_ms();
		flood(&S, r);
		wait_answers(&S, r * NCMD);
		tally(&S, r, &t);
		snprintf(what, sizeof(what), "flood %d", r);
		report(what, &t, h_now_ms() - t0);
		assert_int_equal(t.answers, NCMD);
		assert_int_equal(t.missing, 0);
		assert_int_equal(t.twice, 0);
		assert_int_equal(t.other, 0);
		assert_int_equal(t.foreign, 0);
		assert_int_equal(t.refused, NDEV * (PER_DEV / 8));
		assert_true(t.busy > 0);
		for (int d = 0; d < NDEV; d++)
			ran[d] += t.ok_dev[d];
		rss_prev = rss;
		rss = h_rss_kb(S.mppd);
		assert_true(rss > 0);
		fprintf(stderr, "mppd VmRSS after flood %d: %ld kB\n", r, rss);
	}
	fprintf(stderr, "mppd VmRSS: %ld kB before the floods\n", rss0);
	sc_assert_rss_growth("last flood", rss_prev, rss, RSS_GROWTH_KB);

	/* Each simulator got exactly the commands its device answered with
	 * a result - no busy or refused one - after its one poll. */
	for (int d = NDEV - NSIM; d < NDEV; d++) {
		char logname[32], *simlog;
		snprintf(logname, sizeof(logname), "sim%d.log", d);
		simlog = h_path(S.dir, logname);
		fprintf(stderr, "d%02d (simulator): %d commands run\n", d,
		    ran[d]);
		assert_int_equal(h_count_text(simlog, "POP0"), ran[d]);
		assert_int_equal(h_count_text(simlog, "\n"), ran[d] + 1);
		free(simlog);
	}
	sc_mppd_stop(&S);
	/* Nothing was answered after the count was taken. */
	assert_int_equal(h_count_text(S.rlog, "/cmd_response|"), rounds * NCMD);
}

/*
 * mppd is stopped (SIGTERM) while a flood is being worked through, the
 * rest of the flood arrives while it is down, and it is started again: it exits 0 within the shutdown bound, every command
 * it took before stopping is answered (a result, "device busy" or "mppd
 * is shutting down"), and the commands still waiting in its persistent
 * session at the broker are answered by the next run - each command
 * exactly once over both runs, none lost.
 */
static void
test_flood_interrupted_by_restart_each_answered_once(void **state)
{
	struct tally t;
	long t0;
	int before, rc, down;

	(void)state;
	sc_up(&S, 1, "max_queued_messages 0\n");
	for (int d = NDEV - NSIM; d < NDEV; d++) {
		char name[32], *link;
		snprintf(name, sizeof(name), "ttyINV%d", d);
		link = h_path(S.dir, name);
		assert_true(h_start_sim(S.dir, link, (const char *[]){ "--baud",
		    "115200", "--delay-ms", "20", NULL }) > 0);
		free(link);
	}
	write_conf(&S);
	sc_mppd(&S);
	sc_wait_subscribed(&S, SC_HOST "/d15/cmd", 1);
	sc_sub(&S, SC_HOST "/+/cmd_response");

	/* Half the devices' commands, and mppd stops while working through
	 * them; the other half arrives while it is down. */
	flood_devices(&S, 1, 0, NDEV / 2);
	before = h_count_text(S.rlog, "/cmd_response|");
	t0 = h_now_ms();
	rc = h_stop(S.mppd, SIGTERM, 15000);
	fprintf(stderr, "SIGTERM with %d of %d commands answered: exit %d "
	    "after %ld ms\n", before, NCMD, rc, h_now_ms() - t0);
	assert_int_equal(rc, 0);
	down = h_count_text(S.rlog, "/cmd_response|");
	flood_devices(&S, 1, NDEV / 2, NDEV);
	sc_mppd(&S);
	wait_answers(&S, NCMD);
	tally(&S, 1, &t);
	report("flood across a restart", &t, h_now_ms() - t0);
	fprintf(stderr, "%d answered by the first run, %d by the second, %d "
	    "\"mppd is shutting down\"\n", down, t.answers - down,
	    h_count_text(S.rlog, "mppd is shutting down"));
	assert_true(down < NCMD);
	assert_int_equal(t.missing, 0);
	assert_int_equal(t.twice, 0);
	assert_int_equal(t.answers, NCMD);
	sc_mppd_stop(&S);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_teardown(test_flood_10000_commands_16_devices_each_answered_once_memory_flat, sc_teardown),
	cmocka_unit_test_teardown(test_flood_interrupted_by_restart_each_answered_once, sc_teardown),
};

MPPD_TEST_MAIN(tests)

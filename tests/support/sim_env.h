/*
 * sim_env.h - the fixture shared by the simulator-based integration tests
 * (test_batteries_sim.c, test_families_sim.c, test_hass_schema.c,
 * test_hass_controls_sim.c): a private directory, a free loopback port for
 * a private mosquitto, up to two mppd-sim links with their logs, the mppd
 * config and log, and an optional recording subscriber.
 *
 * Included by one test program at a time, so everything is static (and
 * inline, so a program that does not use a helper gets no warning).  One
 * fixture per test case; every process is stopped by PID in the teardown.
 */
#ifndef MPPD_SIM_ENV_H
#define MPPD_SIM_ENV_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "testmain.h"

struct sim_env {
	char	*dir;
	char	*conf;
	char	*mppd_log;
	char	*broker_log;
	char	*link, *link2;		/* the simulators' pseudo-terminals */
	char	*sim_log, *sim2_log;	/* what each simulator received */
	char	*live;		/* a recording subscriber's output */
	char	*retained;	/* retained messages fetched afterwards */
	int	 port;
	char	 portstr[16];
	pid_t	 broker, sim, sim2, mppd, sub;
};

/*
 * A fresh fixture in *state: the simulator links are dir/link_name and
 * dir/link2_name (NULL for "ttyINV2"); the broker is started when
 * with_broker.  0, or -1 on failure.
 */
static inline int
se_setup(void **state, const char *link_name, const char *link2_name,
    int with_broker)
{
	struct sim_env *e = calloc(1, sizeof(*e));

	if (e == NULL || (e->dir = h_tmpdir()) == NULL) {
		free(e);
		return -1;
	}
	e->conf = h_path(e->dir, "mppd.conf");
	e->mppd_log = h_path(e->dir, "mppd.log");
	e->broker_log = h_path(e->dir, "broker.log");
	e->link = h_path(e->dir, link_name);
	e->link2 = h_path(e->dir, link2_name != NULL ? link2_name : "ttyINV2");
	e->sim_log = h_path(e->dir, "sim.log");
	e->sim2_log = h_path(e->dir, "sim2.log");
	e->live = h_path(e->dir, "live.txt");
	e->retained = h_path(e->dir, "retained.txt");
	e->port = h_free_port();
	snprintf(e->portstr, sizeof(e->portstr), "%d", e->port);
	*state = e;
	if (with_broker &&
	    (e->broker = h_start_broker(e->dir, e->port, NULL)) <= 0)
		return -1;
	return 0;
}

/* Stops every process by SIGTERM, then whatever is left; removes the
 * directory unless MPPD_KEEP_TMP is set. */
static inline int
se_teardown(void **state)
{
	struct sim_env *e = *state;
	pid_t *pids[] = { &e->mppd, &e->sub, &e->sim, &e->sim2, &e->broker };

	for (size_t i = 0; i < sizeof(pids) / sizeof(pids[0]); i++)
		if (*pids[i] > 0)
			h_stop(*pids[i], SIGTERM, 5000);
	h_cleanup_all();
	if (getenv("MPPD_KEEP_TMP") == NULL)
		h_rmrf(e->dir);
	else
		fprintf(stderr, "kept %s\n", e->dir);
	free(e->conf);
	free(e->mppd_log);
	free(e->broker_log);
	free(e->link);
	free(e->link2);
	free(e->sim_log);
	free(e->sim2_log);
	free(e->live);
	free(e->retained);
	free(e->dir);
	free(e);
	*state = NULL;
	return 0;
}

/* Prints a file to stderr (diagnostics for a failed wait). */
static inline void
se_dump(const char *what, const char *path)
{
	char *text = h_read_file(path, NULL);

	fprintf(stderr, "---- %s ----\n%s\n", what, text ? text : "(missing)");
	free(text);
}

/*
 * Starts simulator which (0: e->link, 1: e->link2) with --log on its log
 * and the options more (NULL-terminated, may be NULL), e.g. "--protocol",
 * "PI18".  Returns the pid (also kept in e->sim or e->sim2), -1 on failure.
 */
static inline pid_t
se_spawn_sim(struct sim_env *e, int which, const char *const more[])
{
	const char *opts[24];
	pid_t pid;
	int n = 0;

	opts[n++] = "--log";
	opts[n++] = which == 0 ? e->sim_log : e->sim2_log;
	for (; more != NULL && *more != NULL && n < 22; more++)
		opts[n++] = *more;
	opts[n] = NULL;
	pid = h_start_sim(e->dir, which == 0 ? e->link : e->link2, opts);
	if (which == 0)
		e->sim = pid;
	else
		e->sim2 = pid;
	return pid;
}

/* As se_spawn_sim; the test fails when the simulator does not start. */
static inline pid_t
se_start_sim(struct sim_env *e, int which, const char *const more[])
{
	pid_t pid = se_spawn_sim(e, which, more);

	assert_true(pid > 0);
	return pid;
}

/* Bound of the waits below. */
#define SE_WAIT_MS	10000

/* Waits for needle in file, or fails showing the logs. */
static inline void
se_expect_text(struct sim_env *e, const char *file, const char *needle)
{
	if (h_wait_for_text(file, needle, SE_WAIT_MS) != 0) {
		se_dump("watched", file);
		se_dump("mppd", e->mppd_log);
		se_dump("sim log", e->sim_log);
		fail_msg("never saw %s", needle);
	}
}

/* One line of a file that holds both needles, or fails. */
static inline void
se_expect_line(struct sim_env *e, const char *file, const char *a, const char *b)
{
	se_expect_text(e, file, a);
	for (long end = h_now_ms() + SE_WAIT_MS; ; h_sleep_ms(50)) {
		char *text = h_read_file(file, NULL), *line, *save = NULL;
		int hit = 0;

		for (line = text ? strtok_r(text, "\n", &save) : NULL;
		    line != NULL && !hit; line = strtok_r(NULL, "\n", &save))
			hit = strstr(line, a) != NULL && strstr(line, b) != NULL;
		free(text);
		if (hit)
			return;
		if (h_now_ms() > end) {
			se_dump("watched", file);
			fail_msg("no line with both %s and %s", a, b);
		}
	}
}

#endif

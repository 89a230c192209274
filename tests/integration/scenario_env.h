/*
 * scenario_env.h - the fixture shared by the fault-injection scenarios
 * (test_scenario*.c) and the bad-input battery (test_bad_input.c): a
 * private mosquitto on a free loopback port, the real mppd binary, and
 * mosquitto_pub / mosquitto_sub as independent peers.
 *
 * Included by one test program at a time, so everything is static (and
 * inline, so a program that does not use a helper gets no warning).  One
 * fixture per test case (CTest runs each case as its own process); every
 * process is started and stopped by PID, every wait is bounded, and only
 * 127.0.0.1 is used.
 */
#ifndef MPPD_SCENARIO_ENV_H
#define MPPD_SCENARIO_ENV_H

#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "testmain.h"
#include "harness.h"

#define SC_PUB		"/usr/bin/mosquitto_pub"
#define SC_SUB		"/usr/bin/mosquitto_sub"
#define SC_HOST		"th"		/* mqtt_hostname of every config */
#define SC_WAIT_MS	10000		/* bound for any one expected event */
#define SC_QUIET_MS	1200		/* "nothing more arrives" is checked this long */

/*
 * Sanitizer allocators keep freed memory (ASan's quarantine holds up to
 * 256 MB, TSan keeps shadow state), so resident memory says nothing about
 * mppd there: RSS bounds are checked in plain builds only; the ASan run
 * checks for leaks at mppd's exit instead.  The test programs are built
 * with the same sanitizer flags as mppd.
 */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SC_SANITIZED	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SC_SANITIZED	1
#endif
#endif
#ifndef SC_SANITIZED
#define SC_SANITIZED	0
#endif

struct scen {
	char	*dir;
	char	*conf;
	char	*mlog;		/* mppd's stdout (json output) and stderr (log) */
	char	*blog;		/* broker.log */
	char	*rlog;		/* the response subscriber's output */
	char	*link;		/* mppd-sim's port */
	char	*simlog;	/* what mppd-sim received */
	char	 sport[16];
	int	 port;
	pid_t	 broker, mppd, sub, sim;
	char	 broker_extra[2048];
	const char *loglevel;	/* mppd's log flag: "-I" unless set */
};

static struct scen S;

/* Prints a file to stderr (diagnostics for a failed wait). */
static inline void
sc_dump(const char *what, const char *path)
{
	char *text = path != NULL ? h_read_file(path, NULL) : NULL;
	size_t n = text != NULL ? strlen(text) : 0;

	/* The tail is what tells: a flood log can be megabytes. */
	fprintf(stderr, "---- %s (%s) ----\n%s%s\n", what,
	    path != NULL ? path : "-", n > 16000 ? "[...]" : "",
	    text != NULL ? text + (n > 16000 ? n - 16000 : 0) : "(missing)");
	free(text);
}

static inline void
sc_dump_all(struct scen *s)
{
	sc_dump("responses", s->rlog);
	sc_dump("broker", s->blog);
	sc_dump("mppd", s->mlog);
}

/* MPPD_TEST_BIN runs another build of mppd (e.g. a mutant); MPPD_KEEP_TMP
 * keeps the directory with every log. */
static inline const char *
sc_mppd_bin(void)
{
	const char *b = getenv("MPPD_TEST_BIN");

	return b != NULL && *b != '\0' ? b : MPPD_BIN;
}

/* Starts (or restarts, on the same port) the broker with s->broker_extra. */
static inline void
sc_broker(struct scen *s)
{
	s->broker = h_start_broker(s->dir, s->port, s->broker_extra);
	assert_true(s->broker > 0);
}

/* A fresh fixture; the broker is started when with_broker. */
static inline void
sc_up(struct scen *s, int with_broker, const char *broker_extra)
{
	memset(s, 0, sizeof(*s));
	assert_non_null(s->dir = h_tmpdir());
	assert_int_equal(chmod(s->dir, 0755), 0);
	s->conf = h_path(s->dir, "mppd.conf");
	s->mlog = h_path(s->dir, "mppd.log");
	s->blog = h_path(s->dir, "broker.log");
	s->rlog = h_path(s->dir, "responses.txt");
	s->link = h_path(s->dir, "ttyINV");
	s->simlog = h_path(s->dir, "sim.log");
	s->port = h_free_port();
	assert_true(s->port > 0);
	snprintf(s->sport, sizeof(s->sport), "%d", s->port);
	snprintf(s->broker_extra, sizeof(s->broker_extra), "%s",
	    broker_extra != NULL ? broker_extra : "");
	if (with_broker)
		sc_broker(s);
}

static inline int
sc_teardown(void **state)
{
	(void)state;
	h_cleanup_all();
	if (S.dir != NULL && getenv("MPPD_KEEP_TMP") == NULL)
		h_rmrf(S.dir);
	else if (S.dir != NULL)
		fprintf(stderr, "kept %s\n", S.dir);
	free(S.dir);
	free(S.conf);
	free(S.mlog);
	free(S.blog);
	free(S.rlog);
	free(S.link);
	free(S.simlog);
	memset(&S, 0, sizeof(S));
	return 0;
}

/* Writes the config: [SETUP] for our broker (or mqtt_port = port when not
 * 0, e.g. a proxy), setup_extra lines, then the device sections. */
static inline void
sc_conf_port(struct scen *s, int port, const char *setup_extra,
    const char *devices)
{
	size_t n = strlen(devices) + (setup_extra ? strlen(setup_extra) : 0) +
	    256;
	char *text = malloc(n);

	assert_non_null(text);
	snprintf(text, n, "[SETUP]\nmqtt_broker = 127.0.0.1\nmqtt_port = %d\n"
	    "mqtt_hostname = " SC_HOST "\n%s\n%s", port != 0 ? port : s->port,
	    setup_extra != NULL ? setup_extra : "pause = 1\n", devices);
	assert_int_equal(h_write_file(s->conf, text), 0);
	free(text);
}

static inline void
sc_conf(struct scen *s, const char *setup_extra, const char *devices)
{
	sc_conf_port(s, 0, setup_extra, devices);
}

/* Occurrences in the broker log of an active subscription to filter
 * (mosquitto logs "\t<filter> (QoS n)"). */
static inline int
sc_subscriptions(struct scen *s, const char *filter)
{
	char needle[600];

	snprintf(needle, sizeof(needle), "\t%s (QoS ", filter);
	return h_count_text(s->blog, needle);
}

/* Waits until the broker has seen count subscriptions to filter. */
static inline void
sc_wait_subscribed(struct scen *s, const char *filter, int count)
{
	long end = h_now_ms() + SC_WAIT_MS;

	while (sc_subscriptions(s, filter) < count) {
		if (h_now_ms() > end) {
			sc_dump_all(s);
			fail_msg("no subscription %d to %s", count, filter);
		}
		h_sleep_ms(20);
	}
}

/* Starts the daemon (-I: info log, or s->loglevel) with output appended
 * to s->mlog. */
static inline void
sc_mppd(struct scen *s)
{
	const char *argv[] = { sc_mppd_bin(), "-C", s->conf,
	    s->loglevel != NULL ? s->loglevel : "-I", "--daemon", NULL };

	s->mppd = h_spawn(argv, s->mlog);
	assert_true(s->mppd > 0);
}

/* Stops the daemon; it must exit 0 (a sanitizer report would not). */
static inline void
sc_mppd_stop(struct scen *s)
{
	int rc = h_stop(s->mppd, SIGTERM, 15000);

	if (rc != 0) {
		sc_dump("mppd", s->mlog);
		fail_msg("mppd exited with %d", rc);
	}
	s->mppd = 0;
}

/* Waits for count occurrences of needle in path; dumps logs on timeout. */
static inline void
sc_wait(struct scen *s, const char *path, const char *needle, int count,
    int ms)
{
	if (h_wait_for_count(path, needle, count, ms) != 0) {
		sc_dump_all(s);
		fail_msg("%d x \"%s\" not seen in %s within %d ms (have %d)",
		    count, needle, path, ms, h_count_text(path, needle));
	}
}

/* As sc_wait, counting every 250 ms: for logs of megabytes, where
 * counting every few milliseconds would take the CPU from mppd. */
static inline void
sc_wait_big(struct scen *s, const char *path, const char *needle, int count,
    int ms)
{
	long end = h_now_ms() + ms;

	while (h_count_text(path, needle) < count) {
		if (h_now_ms() > end) {
			sc_dump_all(s);
			fail_msg("%d x \"%s\" not seen in %s within %d ms "
			    "(have %d)", count, needle, path, ms,
			    h_count_text(path, needle));
		}
		h_sleep_ms(250);
	}
}

/* Starts a subscriber on filter writing "topic|payload" lines to path
 * (s->rlog when NULL) and waits for its subscription. */
static inline pid_t
sc_sub_to(struct scen *s, const char *filter, const char *path)
{
	const char *argv[] = { SC_SUB, "-h", "127.0.0.1", "-p", s->sport,
	    "-q", "1", "-t", filter, "-F", "%t|%p", NULL };
	int before = sc_subscriptions(s, filter);
	pid_t pid = h_spawn(argv, path != NULL ? path : s->rlog);

	assert_true(pid > 0);
	sc_wait_subscribed(s, filter, before + 1);
	return pid;
}

static inline void
sc_sub(struct scen *s, const char *filter)
{
	s->sub = sc_sub_to(s, filter, NULL);
}

/*
 * Publishes one QoS 1 message with mosquitto_pub: msg NULL sends an empty
 * message; extra options (NULL-terminated, may be NULL) go before it, and
 * an extra "-f FILE" or "-s" replaces it.  Returns mosquitto_pub's status.
 */
static inline int
sc_pub_rc(struct scen *s, const char *topic, const char *msg,
    const char *const extra[], const char *stdin_text)
{
	const char *argv[32] = { SC_PUB, "-h", "127.0.0.1", "-p", s->sport,
	    "-q", "1", "-t", topic };
	int n = 9, from_extra = 0, rc;
	char *err = NULL;

	for (int i = 0; extra != NULL && extra[i] != NULL && n < 28; i++) {
		if (strcmp(extra[i], "-f") == 0 || strcmp(extra[i], "-s") == 0 ||
		    strcmp(extra[i], "-l") == 0)
			from_extra = 1;
		argv[n++] = extra[i];
	}
	if (msg != NULL) {
		argv[n++] = "-m";
		argv[n++] = msg;
	} else if (!from_extra)
		argv[n++] = "-n";
	argv[n] = NULL;
	rc = h_run_env(argv, stdin_text, NULL, NULL, &err, 20000);
	if (rc != 0)
		fprintf(stderr, "mosquitto_pub -t %s: status %d: %s\n", topic,
		    rc, err != NULL ? err : "");
	free(err);
	return rc;
}

static inline void
sc_pub(struct scen *s, const char *topic, const char *msg)
{
	assert_int_equal(sc_pub_rc(s, topic, msg, NULL, NULL), 0);
}

/* Publishes each line of lines as one message (mosquitto_pub -l). */
static inline void
sc_pub_lines(struct scen *s, const char *topic, const char *lines)
{
	assert_int_equal(sc_pub_rc(s, topic, NULL,
	    (const char *[]){ "-l", NULL }, lines), 0);
}

/*
 * The subscriber's lines "topic|payload" whose topic is topic (any when
 * NULL), payloads parsed as JSON into out[] (at most max, NULL for a line
 * that is not JSON).  Returns the number of lines; caller frees with
 * sc_free_json.
 */
static inline int
sc_load(const char *path, const char *topic, cJSON **out, int max)
{
	char *text = h_read_file(path, NULL), *line, *save = NULL;
	int n = 0;

	if (text == NULL)
		return 0;
	for (line = strtok_r(text, "\n", &save); line != NULL && n < max;
	    line = strtok_r(NULL, "\n", &save)) {
		char *bar = strchr(line, '|');
		if (bar == NULL)
			continue;
		*bar = '\0';
		if (topic != NULL && strcmp(line, topic) != 0)
			continue;
		out[n++] = cJSON_Parse(bar + 1);
	}
	free(text);
	return n;
}

static inline void
sc_free_json(cJSON **v, int n)
{
	for (int i = 0; i < n; i++)
		cJSON_Delete(v[i]);
}

static inline const char *
sc_jstr(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The first loaded response whose string field key equals val. */
static inline cJSON *
sc_find(cJSON **v, int n, const char *key, const char *val)
{
	for (int i = 0; i < n; i++) {
		const char *s = sc_jstr(v[i], key);
		if (s != NULL && strcmp(s, val) == 0)
			return v[i];
	}
	return NULL;
}

/* Runs a late subscriber for about ms and returns what it printed
 * (caller frees): the retained messages of topic. */
static inline char *
sc_retained(struct scen *s, const char *topic, int ms)
{
	char wsec[16], *out = NULL;
	const char *argv[] = { SC_SUB, "-h", "127.0.0.1", "-p", s->sport,
	    "-q", "1", "-t", topic, "-F", "%t|%p", "--retained-only", "-W",
	    wsec, NULL };

	snprintf(wsec, sizeof(wsec), "%d", (ms + 999) / 1000);
	h_run(argv, &out, NULL, ms + 3000);
	return out != NULL ? out : strdup("");
}

/* Asserts that mppd's VmRSS grew by less than bound_kb from before to
 * after (both printed); skipped under a sanitizer (see SC_SANITIZED). */
static inline void
sc_assert_rss_growth(const char *what, long before, long after,
    long bound_kb)
{
	fprintf(stderr, "%s: mppd VmRSS %ld kB -> %ld kB (%+ld kB, bound "
	    "%ld kB%s)\n", what, before, after, after - before, bound_kb,
	    SC_SANITIZED ? ", not checked under a sanitizer" : "");
	assert_true(before > 0 && after > 0);
	if (!SC_SANITIZED && after - before >= bound_kb)
		fail_msg("%s: mppd grew by %ld kB (bound %ld kB)", what,
		    after - before, bound_kb);
}

/* Starts mppd-sim on s->link with --log s->simlog and extra options. */
static inline void
sc_sim(struct scen *s, const char *const extra[])
{
	const char *opts[24] = { "--log", s->simlog };
	int n = 2;

	for (int i = 0; extra != NULL && extra[i] != NULL && n < 23; i++)
		opts[n++] = extra[i];
	opts[n] = NULL;
	s->sim = h_start_sim(s->dir, s->link, opts);
	assert_true(s->sim > 0);
}

/* The client id mppd uses for our broker, from --check-config. */
static inline void
sc_client_id(struct scen *s, char *id, size_t idlen)
{
	const char *argv[] = { sc_mppd_bin(), "-C", s->conf, "--check-config",
	    NULL };
	char *out = NULL, *p, *e;

	assert_int_equal(h_run(argv, &out, NULL, 10000), 0);
	assert_non_null(p = strstr(out, "client_id: "));
	p += strlen("client_id: ");
	e = strchr(p, '\n');
	assert_non_null(e);
	snprintf(id, idlen, "%.*s", (int)(e - p), p);
	free(out);
}

#endif

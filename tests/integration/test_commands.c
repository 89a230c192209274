/*
 * test_commands.c - MQTT commands as a user sees them: the real daemon, a
 * real mosquitto broker, and mosquitto_pub / mosquitto_sub as independent
 * peers (docs/commands.md).  Where "never sent to the device"
 * matters, the device is mppd-sim, whose --log records every command it
 * receives.
 *
 * CTest runs every case twice: against mosquitto, and (the entries named
 * test_commands.aedes.*, MPPD_TEST_BROKER=aedes) against a single aedes
 * node, a second MQTT implementation (tests/support/cluster.h).
 */
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "testmain.h"
#include "cluster.h"
#include "harness.h"

#define PUB		"/usr/bin/mosquitto_pub"
#define SUB		"/usr/bin/mosquitto_sub"
#define WAIT_MS		8000	/* generous bound for any one expected event */
#define QUIET_MS	1200	/* "nothing more arrives" is checked this long */
#define MAX_RESP	64

/* Device sections: the test port's reply 1 to a setter is an ACK. */
#define DEV_TEST(name, allowed)						\
	"[" name "]\nport=test1\nprotocol=PI30\ncommand=QPI\n"		\
	"outputs=json\nmqtt_allowed_cmds=" allowed "\n"

struct env {
	char	*dir;
	char	*conf;
	char	*mppd_log;
	char	*sub_log;
	char	*broker_log;
	char	*link;		/* the simulator's port */
	char	*sim_log;	/* what the simulator received */
	char	 portstr[16];
	int	 port;
	pid_t	 broker, mppd, sub, sim;
	int	 mppd_starts;
};

static struct env E;

struct resp {
	char	 topic[256];
	int	 qos;
	int	 retain;
	cJSON	*json;
};

static struct resp R[MAX_RESP];
static int NR;

/* ---- fixture --------------------------------------------------------- */

static void
env_up(struct env *e)
{
	memset(e, 0, sizeof(*e));
	if (cl_aedes_requested()) {
		int rc = cl_check(0);

		assert_int_not_equal(rc, -1);
		if (rc == 1)
			skip();
	}
	e->dir = h_tmpdir();
	assert_non_null(e->dir);
	e->conf = h_path(e->dir, "mppd.conf");
	e->mppd_log = h_path(e->dir, "mppd.log");
	e->sub_log = h_path(e->dir, "responses.txt");
	e->broker_log = h_path(e->dir, "broker.log");
	e->link = h_path(e->dir, "ttyINV");
	e->sim_log = h_path(e->dir, "sim.log");
	e->port = h_free_port();
	assert_true(e->port > 0);
	snprintf(e->portstr, sizeof(e->portstr), "%d", e->port);
	/* As root, mosquitto would drop to user "mosquitto" and could not
	 * write its log into our private directory. */
	e->broker = h_start_broker(e->dir, e->port,
	    geteuid() == 0 ? "user root\n" : NULL);
	assert_true(e->broker > 0);
}

static int
teardown(void **state)
{
	(void)state;
	for (int i = 0; i < NR; i++)
		cJSON_Delete(R[i].json);
	NR = 0;
	h_cleanup_all();
	if (E.dir != NULL && getenv("MPPD_KEEP_TMP") == NULL)
		h_rmrf(E.dir);
	else if (E.dir != NULL)
		fprintf(stderr, "kept %s\n", E.dir);
	free(E.dir);
	free(E.conf);
	free(E.mppd_log);
	free(E.sub_log);
	free(E.broker_log);
	free(E.link);
	free(E.sim_log);
	memset(&E, 0, sizeof(E));
	return 0;
}

/* Prints a file to stderr (diagnostics for a failing wait). */
static void
dump(const char *what, const char *path)
{
	char *text = h_read_file(path, NULL);

	fprintf(stderr, "---- %s (%s) ----\n%s\n", what, path,
	    text != NULL ? text : "(missing)");
	free(text);
}

static void
dump_all(struct env *e)
{
	dump("responses", e->sub_log);
	dump("mppd", e->mppd_log);
	if (e->sim > 0)
		dump("sim log", e->sim_log);
}

/* Writes the config: [SETUP] for our broker plus extra lines, then the
 * device sections. */
static void
env_conf(struct env *e, const char *setup_extra, const char *devices)
{
	char text[4096];

	snprintf(text, sizeof(text),
	    "[SETUP]\nmqtt_broker=127.0.0.1\nmqtt_port=%d\n"
	    "mqtt_hostname=testhost\npause=1\n%s\n%s",
	    e->port, setup_extra != NULL ? setup_extra : "", devices);
	assert_int_equal(h_write_file(e->conf, text), 0);
}

/* Waits until the broker has registered count subscriptions to filter by
 * any client. */
static void
wait_subscribed(struct env *e, const char *filter, int count)
{
	char needle[300];

	snprintf(needle, sizeof(needle), " %s\n", filter);
	/* mosquitto logs "<client id> <qos> <filter>" once it is active. */
	for (long end = h_now_ms() + WAIT_MS; ; h_sleep_ms(20)) {
		char *log = h_read_file(e->broker_log, NULL);
		int n = 0;

		for (const char *p = log; p != NULL &&
		    (p = strstr(p, needle)) != NULL; p += strlen(needle)) {
			/* "<id> <qos>" precedes: the char before is a digit. */
			if (p - log >= 2 && p[-1] >= '0' && p[-1] <= '2' &&
			    p[-2] == ' ')
				n++;
		}
		free(log);
		if (n >= count)
			return;
		if (h_now_ms() > end) {
			dump("broker", e->broker_log);
			dump_all(e);
			fail_msg("no subscription %d to %s", count, filter);
		}
	}
}

/* MPPD_TEST_BIN runs another build of mppd (e.g. a mutant, to check that
 * these tests catch a broken router); MPPD_KEEP_TMP keeps the logs. */
static const char *
mppd_bin(void)
{
	const char *b = getenv("MPPD_TEST_BIN");

	return b != NULL && *b != '\0' ? b : MPPD_BIN;
}

/* Starts the daemon and waits for its command subscription. */
static void
env_mppd(struct env *e, const char *cmd_filter)
{
	const char *argv[] = { mppd_bin(), "-C", e->conf, "-I", "--daemon",
	    NULL };

	e->mppd = h_spawn(argv, e->mppd_log);
	assert_true(e->mppd > 0);
	e->mppd_starts++;
	wait_subscribed(e, cmd_filter, e->mppd_starts);
}

/* Stops the daemon; it must exit 0 (a sanitizer report would not). */
static void
env_mppd_stop(struct env *e)
{
	int rc = h_stop(e->mppd, SIGTERM, 10000);

	if (rc != 0) {
		dump("mppd", e->mppd_log);
		fail_msg("mppd exited with %d", rc);
	}
	e->mppd = 0;
}

/* Response subscriber: one line "topic|qos|retain|payload" per message. */
static void
env_sub(struct env *e, const char *filter, const char *const extra[])
{
	const char *argv[24] = { SUB, "-h", "127.0.0.1", "-p", e->portstr,
	    "-q", "1", "-t", filter, "-F", "%t|%q|%r|%p" };
	int n = 11;

	for (int i = 0; extra != NULL && extra[i] != NULL && n < 22; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	e->sub = h_spawn(argv, e->sub_log);
	assert_true(e->sub > 0);
	wait_subscribed(e, filter, 1);
}

/* Starts mppd-sim at 115200 baud with extra options. */
static void
env_sim(struct env *e, const char *const extra[])
{
	const char *opts[16] = { "--baud", "115200", "--log", e->sim_log };
	int n = 4;

	for (int i = 0; extra != NULL && extra[i] != NULL && n < 15; i++)
		opts[n++] = extra[i];
	opts[n] = NULL;
	e->sim = h_start_sim(e->dir, e->link, opts);
	assert_true(e->sim > 0);
}

/* Publishes with mosquitto_pub; msg NULL sends an empty message; extra
 * options (NULL-terminated) go before the message. */
static void
pub_opts(struct env *e, const char *topic, const char *msg,
    const char *const extra[])
{
	const char *argv[32] = { PUB, "-h", "127.0.0.1", "-p", e->portstr,
	    "-q", "1", "-t", topic };
	char *err = NULL;
	int n = 9, rc;

	for (int i = 0; extra != NULL && extra[i] != NULL && n < 28; i++)
		argv[n++] = extra[i];
	if (msg != NULL) {
		argv[n++] = "-m";
		argv[n++] = msg;
	} else if (extra == NULL || strcmp(extra[0], "-f") != 0 ||
	    extra[1] == NULL)
		argv[n++] = "-n";
	argv[n] = NULL;
	rc = h_run(argv, NULL, &err, 5000);
	if (rc != 0)
		fail_msg("mosquitto_pub failed (%d): %s", rc, err ? err : "");
	free(err);
}

static void
pub(struct env *e, const char *topic, const char *msg)
{
	pub_opts(e, topic, msg, NULL);
}

/* Lines of the subscriber's output matching needle. */
static int
count(struct env *e, const char *needle)
{
	return h_count_text(e->sub_log, needle);
}

/* Waits for n lines containing needle; dumps the logs on timeout. */
static void
wait_count(struct env *e, const char *needle, int n)
{
	if (h_wait_for_count(e->sub_log, needle, n, WAIT_MS) != 0) {
		dump_all(e);
		fail_msg("%d x \"%s\" not seen (have %d)", n, needle,
		    count(e, needle));
	}
}

/* Parses every response line into R[]. */
static void
load(struct env *e)
{
	char *text = h_read_file(e->sub_log, NULL), *line, *save = NULL;

	for (int i = 0; i < NR; i++)
		cJSON_Delete(R[i].json);
	NR = 0;
	assert_non_null(text);
	for (line = strtok_r(text, "\n", &save); line != NULL && NR < MAX_RESP;
	    line = strtok_r(NULL, "\n", &save)) {
		char *p1 = strchr(line, '|'), *p2, *p3;
		struct resp *r = &R[NR];

		assert_non_null(p1);
		p2 = strchr(p1 + 1, '|');
		assert_non_null(p2);
		p3 = strchr(p2 + 1, '|');
		assert_non_null(p3);
		snprintf(r->topic, sizeof(r->topic), "%.*s", (int)(p1 - line),
		    line);
		r->qos = atoi(p1 + 1);
		r->retain = atoi(p2 + 1);
		r->json = cJSON_Parse(p3 + 1);
		if (r->json == NULL)
			fail_msg("response is not JSON: %s", p3 + 1);
		NR++;
	}
	free(text);
}

static const char *
jstr(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The first loaded response whose key has the string value val. */
static struct resp *
find(const char *key, const char *val)
{
	for (int i = 0; i < NR; i++) {
		const char *s = jstr(R[i].json, key);
		if (s != NULL && strcmp(s, val) == 0)
			return &R[i];
	}
	return NULL;
}

/* Asserts a loaded failure response for command with exactly error. */
static void
assert_refusal(const char *command, const char *error)
{
	struct resp *r = find("error", error);

	if (r == NULL)
		fail_msg("no response with error \"%s\"", error);
	if (command != NULL)
		assert_string_equal(jstr(r->json, "command"), command);
	assert_null(cJSON_GetObjectItemCaseSensitive(r->json, "result"));
	assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(r->json,
	    "timestamp")));
}

/* result.POP == ["ACK", ""] */
static void
assert_pop_ack(const cJSON *resp)
{
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(resp, "result");
	const cJSON *pop = cJSON_GetObjectItemCaseSensitive(res, "POP");

	assert_true(cJSON_IsArray(pop));
	assert_int_equal(cJSON_GetArraySize(pop), 2);
	assert_string_equal(cJSON_GetArrayItem(pop, 0)->valuestring, "ACK");
	assert_string_equal(cJSON_GetArrayItem(pop, 1)->valuestring, "");
}

/* Runs a late subscriber for ms and returns what it printed (caller
 * frees): retained messages only, as nothing else is published then. */
static char *
late_sub(struct env *e, const char *topic, const char *const extra[],
    int ms)
{
	const char *argv[24] = { SUB, "-h", "127.0.0.1", "-p", e->portstr,
	    "-q", "1", "-t", topic, "-F", "%t|%q|%r|%p", "-W" };
	char wsec[16], *out = NULL;
	int n = 12;

	snprintf(wsec, sizeof(wsec), "%d", (ms + 999) / 1000);
	argv[n++] = wsec;
	for (int i = 0; extra != NULL && extra[i] != NULL && n < 22; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	/* Exit status 27 is -W's timeout: fine. */
	h_run(argv, &out, NULL, ms + 3000);
	return out != NULL ? out : strdup("");
}

/* ---- tests ----------------------------------------------------------- */

static void
test_pop02_is_answered_with_ack_retained_qos1(void **state)
{
	struct resp *r;
	char *late;

	(void)state;
	env_up(&E);
	env_conf(&E, NULL, DEV_TEST("Inverter_1", "POP0[0-2],PCP0[0-3]"));
	env_mppd(&E, "testhost/Inverter_1/cmd");
	env_sub(&E, "testhost/+/cmd_response", NULL);

	pub(&E, "testhost/Inverter_1/cmd", "POP02");
	wait_count(&E, "cmd_response|", 1);
	load(&E);
	assert_int_equal(NR, 1);
	r = &R[0];
	assert_string_equal(r->topic, "testhost/Inverter_1/cmd_response");
	assert_int_equal(r->qos, 1);
	assert_pop_ack(r->json);
	assert_string_equal(jstr(r->json, "command"), "POP02");
	assert_string_equal(jstr(r->json, "device"), "Inverter_1");
	assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(r->json,
	    "timestamp")));
	assert_null(cJSON_GetObjectItemCaseSensitive(r->json, "error"));
	/* Field order as the reference: result, command, timestamp. */
	assert_string_equal(r->json->child->string, "result");
	assert_string_equal(r->json->child->next->string, "command");
	assert_string_equal(r->json->child->next->next->string, "timestamp");

	/* Retained: a subscriber arriving later gets it, flagged retained. */
	late = late_sub(&E, "testhost/Inverter_1/cmd_response",
	    (const char *[]){ "-C", "1", NULL }, 2000);
	{
		const char *want = "testhost/Inverter_1/cmd_response|1|1|"
		    "{\"result\": ";
		if (strncmp(late, want, strlen(want)) != 0)
			fail_msg("late subscriber got \"%s\"", late);
	}
	assert_non_null(strstr(late, "\"POP\": [\"ACK\", \"\"]"));
	free(late);
	env_mppd_stop(&E);
}

static void
test_refused_commands_never_reach_the_device(void **state)
{
	char big[201], *simlog, *bad_path;
	int sent = 0;

	(void)state;
	env_up(&E);
	env_sim(&E, NULL);
	{
		char dev[512];
		snprintf(dev, sizeof(dev),
		    "[Inverter_1]\nport=%s\nporttype=serial\nbaud=115200\n"
		    "protocol=PI30\ncommand=QPI\noutputs=json\n"
		    "mqtt_allowed_cmds=POP0[0-2],POP09,PCP*\n", E.link);
		env_conf(&E, NULL, dev);
	}
	env_mppd(&E, "testhost/Inverter_1/cmd");
	env_sub(&E, "testhost/+/cmd_response", NULL);

	pub(&E, "testhost/Inverter_1/cmd", "QPIGS"), sent++;
	pub(&E, "testhost/Inverter_1/cmd", "PCVV48.0"), sent++;
	pub(&E, "testhost/Inverter_1/cmd", "POP02XYZ"), sent++;
	pub(&E, "testhost/Inverter_1/cmd", "POP02\rPCP00"), sent++;
	/* An empty payload clears a retained message: never answered. */
	pub(&E, "testhost/Inverter_1/cmd", NULL);
	pub(&E, "testhost/Inverter_1/cmd", "   \t "), sent++;
	memset(big, 'A', 200);
	memcpy(big, "POP02", 5);
	big[200] = '\0';
	pub(&E, "testhost/Inverter_1/cmd", big), sent++;
	bad_path = h_path(E.dir, "bad.bin");
	assert_int_equal(h_write_file(bad_path, "POP\xff" "02"), 0);
	pub_opts(&E, "testhost/Inverter_1/cmd", NULL,
	    (const char *[]){ "-f", bad_path, NULL }), sent++;
	free(bad_path);
	pub(&E, "testhost/Inverter_1/cmd", "POP09"), sent++;
	/* Finally one that is allowed: proves the path to the device works. */
	pub(&E, "testhost/Inverter_1/cmd", "POP01"), sent++;

	wait_count(&E, "cmd_response|", sent);
	load(&E);
	assert_refusal("QPIGS", "Command not allowed");
	assert_int_equal(count(&E, "\"error\": \"Command not allowed\""), 3);
	assert_non_null(find("command", "PCVV48.0"));
	assert_non_null(find("command", "POP02XYZ"));
	assert_refusal("POP02\rPCP00",
	    "command contains a control character (0x0d)");
	assert_int_equal(count(&E, "\"error\": \"empty command\""), 1);
	assert_refusal(NULL, "command too long (200 bytes, at most 128)");
	assert_refusal("POP?02", "command is not valid UTF-8");
	assert_refusal("POP09", "Command POP09 is not a command of protocol "
	    "PI30, or its argument is invalid");
	assert_non_null(find("command", "POP01"));
	assert_non_null(cJSON_GetObjectItemCaseSensitive(
	    find("command", "POP01")->json, "result"));

	/* The inverter saw the polls and POP01, nothing else. */
	assert_int_equal(h_wait_for_text(E.sim_log, "POP01", WAIT_MS), 0);
	simlog = h_read_file(E.sim_log, NULL);
	assert_non_null(simlog);
	for (char *save = NULL, *l = strtok_r(simlog, "\n", &save); l != NULL;
	    l = strtok_r(NULL, "\n", &save))
		if (strcmp(l, "QPI") != 0 && strcmp(l, "POP01") != 0)
			fail_msg("the device received \"%s\"", l);
	free(simlog);

	/* Exactly one response per command. */
	h_sleep_ms(QUIET_MS);
	assert_int_equal(count(&E, "cmd_response|"), sent);
	env_mppd_stop(&E);
}

static void
test_wildcard_filter_answers_other_hosts_topic(void **state)
{
	struct resp *r;

	(void)state;
	env_up(&E);
	env_conf(&E, "mqtt_cmd_topic=+/{device}/cmd",
	    DEV_TEST("Inverter_1", "POP0[0-2]"));
	env_mppd(&E, "+/Inverter_1/cmd");
	env_sub(&E, "+/+/cmd_response", NULL);

	pub(&E, "otherhost/Inverter_1/cmd", "POP02");
	wait_count(&E, "cmd_response|", 1);
	load(&E);
	r = &R[0];
	assert_string_equal(r->topic, "otherhost/Inverter_1/cmd_response");
	assert_pop_ack(r->json);
	/* A topic of another device does not match the filter. */
	pub(&E, "otherhost/Inverter_2/cmd", "POP02");
	h_sleep_ms(QUIET_MS);
	assert_int_equal(count(&E, "cmd_response|"), 1);
	env_mppd_stop(&E);
}

static void
test_json_envelope_id_is_echoed(void **state)
{
	struct resp *r;
	const cJSON *id;

	(void)state;
	env_up(&E);
	env_conf(&E, NULL, DEV_TEST("Inverter_1", "POP0[0-2]"));
	env_mppd(&E, "testhost/Inverter_1/cmd");
	env_sub(&E, "testhost/+/cmd_response", NULL);

	pub(&E, "testhost/Inverter_1/cmd",
	    "{\"command\": \"POP02\", \"id\": \"abc-1\"}");
	pub(&E, "testhost/Inverter_1/cmd", "{\"command\": \"QPIGS\", \"id\": 42}");
	pub(&E, "testhost/Inverter_1/cmd", "{\"command\": \"POP02\"");
	wait_count(&E, "cmd_response|", 3);
	load(&E);

	r = find("command", "POP02");
	assert_non_null(r);
	assert_pop_ack(r->json);
	assert_string_equal(jstr(r->json, "id"), "abc-1");

	r = find("command", "QPIGS");
	assert_non_null(r);
	assert_string_equal(jstr(r->json, "error"), "Command not allowed");
	id = cJSON_GetObjectItemCaseSensitive(r->json, "id");
	assert_true(cJSON_IsNumber(id));
	assert_int_equal(id->valueint, 42);

	r = find("command", "{\"command\": \"POP02\"");
	assert_non_null(r);
	assert_true(strncmp(jstr(r->json, "error"), "invalid JSON: ", 14) == 0);
	env_mppd_stop(&E);
}

static void
test_mqtt5_response_topic_and_correlation_data(void **state)
{
	char *v5log, *late;
	pid_t v5sub;
	const char *argv[] = { SUB, "-h", "127.0.0.1", "-p", NULL,
	    "-V", "mqttv5", "-q", "1", "-t", "resp/x", "-F", "%t|%D|%r|%p",
	    NULL };

	(void)state;
	if (cl_aedes_requested()) {
		/* aedes (0.51) implements MQTT 3.1 and 3.1.1 only. */
		fprintf(stderr, "SKIPPED: aedes does not implement MQTT 5\n");
		skip();
	}
	env_up(&E);
	argv[4] = E.portstr;
	v5log = h_path(E.dir, "v5.txt");
	env_conf(&E, "mqtt_protocol=5", DEV_TEST("Inverter_1", "POP0[0-2]"));
	env_mppd(&E, "testhost/Inverter_1/cmd");
	env_sub(&E, "testhost/+/cmd_response", NULL);
	v5sub = h_spawn(argv, v5log);
	assert_true(v5sub > 0);
	wait_subscribed(&E, "resp/x", 1);

	pub_opts(&E, "testhost/Inverter_1/cmd", "POP02",
	    (const char *[]){ "-V", "mqttv5", "-D", "publish",
	    "response-topic", "resp/x", "-D", "publish", "correlation-data",
	    "abc", NULL });
	if (h_wait_for_text(v5log, "resp/x|abc|0|{\"result\": ", WAIT_MS) != 0) {
		dump("v5 subscriber", v5log);
		dump_all(&E);
		fail_msg("no answer with correlation data on resp/x");
	}
	/* ... and the usual retained answer too. */
	wait_count(&E, "cmd_response|", 1);
	load(&E);
	assert_pop_ack(R[0].json);
	/* The MQTT 5 answer is not retained. */
	late = late_sub(&E, "resp/x", NULL, 1000);
	assert_string_equal(late, "");
	free(late);
	assert_int_equal(h_count_text(v5log, "resp/x|"), 1);
	free(v5log);
	env_mppd_stop(&E);
}

/* Retained command: executed once and cleared, also across a restart. */
static void
retained_runs_once(int before_start)
{
	char *late;

	env_up(&E);
	env_conf(&E, NULL, DEV_TEST("Inverter_1", "POP0[0-2]"));
	if (before_start)
		pub_opts(&E, "testhost/Inverter_1/cmd", "POP02",
		    (const char *[]){ "-r", NULL });
	env_mppd(&E, "testhost/Inverter_1/cmd");
	env_sub(&E, "testhost/+/cmd_response", NULL);
	if (!before_start)
		pub_opts(&E, "testhost/Inverter_1/cmd", "POP02",
		    (const char *[]){ "-r", NULL });
	wait_count(&E, "cmd_response|", 1);
	load(&E);
	assert_pop_ack(R[0].json);

	/* Cleared: nothing retained on the command topic any more. */
	h_sleep_ms(300);
	late = late_sub(&E, "testhost/Inverter_1/cmd", NULL, 1000);
	assert_string_equal(late, "");
	free(late);

	/* mppd reconnects (restart, same persistent session): no rerun, and
	 * the echo of its own clear was not taken for an empty command. */
	env_mppd_stop(&E);
	env_mppd(&E, "testhost/Inverter_1/cmd");
	h_sleep_ms(QUIET_MS);
	assert_int_equal(count(&E, "cmd_response|"), 1);
	assert_int_equal(count(&E, "empty command"), 0);
	env_mppd_stop(&E);
}

static void
test_retained_command_sent_before_start_runs_once(void **state)
{
	(void)state;
	retained_runs_once(1);
}

static void
test_retained_command_sent_while_running_runs_once(void **state)
{
	(void)state;
	retained_runs_once(0);
}

/*
 * An empty payload on a command topic is how MQTT clears a retained
 * message (mppd's own clear, or anyone's): never a command, never
 * answered, and the retained answer of the last command stays.
 */
static void
test_empty_payload_is_never_answered(void **state)
{
	(void)state;
	env_up(&E);
	env_conf(&E, NULL, DEV_TEST("Inverter_1", "POP0[0-2]"));
	env_mppd(&E, "testhost/Inverter_1/cmd");
	env_sub(&E, "testhost/+/cmd_response", NULL);

	pub(&E, "testhost/Inverter_1/cmd", "POP02");
	wait_count(&E, "cmd_response|", 1);
	pub(&E, "testhost/Inverter_1/cmd", NULL);
	pub_opts(&E, "testhost/Inverter_1/cmd", NULL,
	    (const char *[]){ "-r", NULL });
	h_sleep_ms(QUIET_MS);
	assert_int_equal(count(&E, "cmd_response|"), 1);
	assert_int_equal(count(&E, "empty command"), 0);
	env_mppd_stop(&E);
}

static void
test_device_busy_when_queue_is_full(void **state)
{
	char dev[512], lines[256] = "", *out = NULL, *err = NULL, *simlog;
	const char *argv[] = { PUB, "-h", "127.0.0.1", "-p", NULL, "-q", "1",
	    "-t", "testhost/Inverter_1/cmd", "-l", NULL };
	const int n = 8;
	int ok, busy;

	(void)state;
	env_up(&E);
	argv[4] = E.portstr;
	/* Each reply takes 400 ms: the queue (1 place) fills at once. */
	env_sim(&E, (const char *[]){ "--delay-ms", "400", NULL });
	snprintf(dev, sizeof(dev),
	    "[Inverter_1]\nport=%s\nporttype=serial\nbaud=115200\n"
	    "protocol=PI30\ncommand=QPI\noutputs=json\nqueue_len=1\n"
	    "mqtt_allowed_cmds=POP0[0-2]\n", E.link);
	env_conf(&E, NULL, dev);
	env_mppd(&E, "testhost/Inverter_1/cmd");
	env_sub(&E, "testhost/+/cmd_response", NULL);

	for (int i = 0; i < n; i++)
		strcat(lines, "POP02\n");
	assert_int_equal(h_run_env(argv, lines, NULL, &out, &err, 5000), 0);
	free(out);
	free(err);
	wait_count(&E, "cmd_response|", n);
	h_sleep_ms(QUIET_MS);
	assert_int_equal(count(&E, "cmd_response|"), n);
	busy = count(&E, "\"error\": \"device busy\"");
	ok = count(&E, "\"result\": ");
	assert_true(busy >= 1);
	assert_true(ok >= 1);
	assert_int_equal(busy + ok, n);
	/* Every accepted command reached the device, no busy one did. */
	simlog = h_read_file(E.sim_log, NULL);
	assert_non_null(simlog);
	assert_int_equal(h_count_text(E.sim_log, "POP02"), ok);
	free(simlog);
	env_mppd_stop(&E);
}

static void
test_every_command_gets_exactly_one_response(void **state)
{
	char lines[2048] = "", *out = NULL, *err = NULL;
	const char *argv[] = { PUB, "-h", "127.0.0.1", "-p", NULL, "-q", "1",
	    "-t", "testhost/Inverter_1/cmd", "-l", NULL };
	static const char *const mix[] = { "POP02", "QPIGS", "POP09",
	    "{\"command\": \"POP01\", \"id\": 7}", "PCVV48.0", "{bad json" };
	const int n = 30;

	(void)state;
	env_up(&E);
	argv[4] = E.portstr;
	env_conf(&E, NULL, DEV_TEST("Inverter_1", "POP0[0-2],POP09") "queue_len=64\n");
	env_mppd(&E, "testhost/Inverter_1/cmd");
	env_sub(&E, "testhost/+/cmd_response", NULL);

	for (int i = 0; i < n; i++) {
		strcat(lines, mix[i % 6]);
		strcat(lines, "\n");
	}
	assert_int_equal(h_run_env(argv, lines, NULL, &out, &err, 5000), 0);
	free(out);
	free(err);
	wait_count(&E, "cmd_response|", n);
	h_sleep_ms(QUIET_MS);
	assert_int_equal(count(&E, "cmd_response|"), n);
	assert_int_equal(count(&E, "\"result\": "), 2 * n / 6);
	env_mppd_stop(&E);
}

static void
test_response_topics_are_never_commands(void **state)
{
	(void)state;
	env_up(&E);
	/* A '#' filter also matches our own response topics (one that can
	 * match the availability or telemetry is refused at load). */
	env_conf(&E, "mqtt_cmd_topic=testhost/{device}/cmd/#",
	    DEV_TEST("Inverter_1", "POP0[0-2]"));
	env_mppd(&E, "testhost/Inverter_1/cmd/#");
	env_sub(&E, "testhost/#", NULL);

	pub(&E, "testhost/Inverter_1/cmd/x", "POP02");
	wait_count(&E, "cmd/x_response|", 1);
	pub(&E, "testhost/Inverter_1/cmd/x_response", "POP02");
	h_sleep_ms(QUIET_MS);
	assert_int_equal(count(&E, "testhost/Inverter_1/cmd/x_response|"), 2);
	assert_int_equal(count(&E, "_response_response"), 0);
	assert_int_equal(count(&E, "\"result\": "), 1);
	env_mppd_stop(&E);
}

static void
test_two_devices_on_one_connection_each_answer_their_own(void **state)
{
	(void)state;
	env_up(&E);
	env_conf(&E, NULL, DEV_TEST("Inverter_1", "POP0[0-2]")
	    "\n" DEV_TEST("Inverter_2", "PCP0[0-3]"));
	env_mppd(&E, "testhost/Inverter_1/cmd");
	wait_subscribed(&E, "testhost/Inverter_2/cmd", 1);
	env_sub(&E, "testhost/+/cmd_response", NULL);

	pub(&E, "testhost/Inverter_1/cmd", "PCP00");
	pub(&E, "testhost/Inverter_2/cmd", "PCP00");
	wait_count(&E, "cmd_response|", 2);
	h_sleep_ms(QUIET_MS / 2);
	load(&E);
	assert_int_equal(NR, 2);
	for (int i = 0; i < NR; i++) {
		if (strcmp(R[i].topic, "testhost/Inverter_1/cmd_response") == 0) {
			assert_string_equal(jstr(R[i].json, "device"), "Inverter_1");
			assert_string_equal(jstr(R[i].json, "error"),
			    "Command not allowed");
		} else {
			assert_string_equal(R[i].topic,
			    "testhost/Inverter_2/cmd_response");
			assert_string_equal(jstr(R[i].json, "device"), "Inverter_2");
			assert_non_null(cJSON_GetObjectItemCaseSensitive(
			    R[i].json, "result"));
		}
	}
	env_mppd_stop(&E);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_teardown(test_pop02_is_answered_with_ack_retained_qos1, teardown),
	cmocka_unit_test_teardown(test_refused_commands_never_reach_the_device, teardown),
	cmocka_unit_test_teardown(test_wildcard_filter_answers_other_hosts_topic, teardown),
	cmocka_unit_test_teardown(test_json_envelope_id_is_echoed, teardown),
	cmocka_unit_test_teardown(test_mqtt5_response_topic_and_correlation_data, teardown),
	cmocka_unit_test_teardown(test_retained_command_sent_before_start_runs_once, teardown),
	cmocka_unit_test_teardown(test_retained_command_sent_while_running_runs_once, teardown),
	cmocka_unit_test_teardown(test_empty_payload_is_never_answered, teardown),
	cmocka_unit_test_teardown(test_device_busy_when_queue_is_full, teardown),
	cmocka_unit_test_teardown(test_every_command_gets_exactly_one_response, teardown),
	cmocka_unit_test_teardown(test_response_topics_are_never_commands, teardown),
	cmocka_unit_test_teardown(test_two_devices_on_one_connection_each_answer_their_own, teardown),
};

MPPD_TEST_MAIN(tests)

/*
 * test_bad_input.c - the bad-input battery (RELIABILITY.md section 4) against the
 * running daemon: payloads with NUL bytes, overlong and otherwise invalid
 * UTF-8, a byte-order mark, C1 controls, 1 MB; JSON envelopes that are
 * arrays, nested, deep, huge or of the wrong types; MQTT 5 properties
 * out of bounds; 10,000 distinct topics under a '#' filter; and config
 * files no one should write.  mppd answers or refuses each one clearly,
 * nothing reaches the inverter (mppd-sim --log records every byte
 * sequence it receives), and mppd keeps running and serving.
 *
 * The rows test_commands.c already proves (allowlist, protocol argument,
 * CR inside a payload, empty and blank payloads, > 128 bytes, invalid
 * UTF-8, device busy, malformed JSON) are not repeated here; see
 * RELIABILITY.md for the map.
 */
#include <mosquitto.h>

#include "scenario_env.h"

#define CMD_TOPIC	SC_HOST "/inv/cmd"
#define RESP_TOPIC	SC_HOST "/inv/cmd_response"
#define BULK_N		10000

struct bad {
	const char	*what;
	const char	*payload;
	size_t		 len;		/* 0: strlen(payload) */
	const char	*error;		/* the exact "error" of the answer */
};

/* Payloads that must be refused.  (Literal strings with a NUL give
 * their length explicitly.) */
static const struct bad bads[] = {
	{ "NUL inside", "POP\0" "02", 6,
	  "command contains a control character (0x00)" },
	{ "NUL alone", "\0", 1,
	  "command contains a control character (0x00)" },
	{ "DEL", "POP02\x7f", 0,
	  "command contains a control character (0x7f)" },
	{ "C1 control NEL", "POP02\xc2\x85", 0,
	  "command contains a control character (U+0085)" },
	{ "tab inside", "POP\t02", 0,
	  "command contains a control character (0x09)" },
	{ "overlong 2-byte '0'", "POP\xc0\xb0" "2", 0,
	  "command is not valid UTF-8" },
	{ "overlong 3-byte '/'", "\xe0\x80\xaf", 0,
	  "command is not valid UTF-8" },
	{ "overlong 4-byte '/'", "POP02\xf0\x80\x80\xaf", 0,
	  "command is not valid UTF-8" },
	{ "UTF-16 surrogate", "POP02\xed\xa0\x80", 0,
	  "command is not valid UTF-8" },
	{ "above U+10FFFF", "\xf4\x90\x80\x80", 0,
	  "command is not valid UTF-8" },
	{ "truncated sequence", "POP02\xe2\x82", 0,
	  "command is not valid UTF-8" },
	{ "Latin-1 byte", "POP0\xb2", 0, "command is not valid UTF-8" },
	{ "byte-order mark", "\xef\xbb\xbfPOP02", 0,
	  "command starts with a UTF-8 byte order mark (BOM)" },
	{ "BOM then JSON", "\xef\xbb\xbf{\"command\": \"POP02\"}", 0,
	  "command starts with a UTF-8 byte order mark (BOM)" },
	{ "lower case", "pop02", 0, "Command not allowed" },
	{ "shell metacharacters", "POP02;reboot", 0, "Command not allowed" },
	{ "format string", "%s%n%x%p", 0, "Command not allowed" },
	{ "128 bytes exactly", "POP02AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	  "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	  "AAAAAAAAAAA", 0, "Command not allowed" },
	{ "129 bytes", "POP02AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	  "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	  "AAAAAAAAAAAA", 0, "command too long (129 bytes, at most 128)" },
	/* JSON envelopes */
	{ "JSON array", "[\"POP02\"]", 0,
	  "invalid JSON request: expected an object {\"command\": \"...\"}" },
	{ "empty JSON array", "[]", 0,
	  "invalid JSON request: expected an object {\"command\": \"...\"}" },
	{ "deeply nested arrays", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
	  "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", 0,
	  "invalid JSON request: expected an object {\"command\": \"...\"}" },
	{ "nested envelope", "{\"command\": {\"command\": \"POP02\"}}", 0,
	  "invalid JSON request: \"command\" must be a string" },
	{ "deeply nested objects", "{\"a\": {\"a\": {\"a\": {\"a\": {\"a\": "
	  "{\"a\": {\"a\": {}}}}}}}, \"command\": \"QPIGS\"}", 0,
	  "Command not allowed" },
	{ "command a number", "{\"command\": 42}", 0,
	  "invalid JSON request: \"command\" must be a string" },
	{ "command null", "{\"command\": null}", 0,
	  "invalid JSON request: \"command\" must be a string" },
	{ "command true", "{\"command\": true}", 0,
	  "invalid JSON request: \"command\" must be a string" },
	{ "command an array", "{\"command\": [\"POP02\"]}", 0,
	  "invalid JSON request: \"command\" must be a string" },
	{ "id an array", "{\"command\": \"POP02\", \"id\": [1]}", 0,
	  "invalid JSON request: \"id\" must be a string or a finite number" },
	{ "id an object", "{\"command\": \"POP02\", \"id\": {}}", 0,
	  "invalid JSON request: \"id\" must be a string or a finite number" },
	{ "id infinite", "{\"command\": \"POP02\", \"id\": 1e999}", 0,
	  "invalid JSON request: \"id\" must be a string or a finite number" },
	{ "command twice", "{\"command\": \"POP02\", \"command\": \"POP01\"}", 0,
	  "invalid JSON request: \"command\" given twice" },
	{ "command missing", "{\"id\": \"x\"}", 0,
	  "invalid JSON request: \"command\" is missing" },
	{ "empty object", "{}", 0,
	  "invalid JSON request: \"command\" is missing" },
	{ "empty command", "{\"command\": \"  \"}", 0, "empty command" },
	{ "escaped NUL", "{\"command\": \"POP02\\u0000PCP00\"}", 0,
	  "invalid JSON request: contains a NUL character" },
	{ "escaped CR", "{\"command\": \"POP02\\rPCP00\"}", 0,
	  "command contains a control character (0x0d)" },
	{ "escaped C1", "{\"command\": \"POP02\\u0085\"}", 0,
	  "command contains a control character (U+0085)" },
	{ "trailing garbage", "{\"command\": \"POP02\"} x", 0, NULL },
	{ "lone surrogate escape", "{\"command\": \"POP02\\ud800\"}", 0, NULL },
	{ "huge envelope", "{\"command\": \"POP02\", \"id\": \"xxxxxxxxxxxxxxxxxx"
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "\"}", 0, "command too long (186 bytes, at most 128)" },
};
#define NBAD	((int)(sizeof(bads) / sizeof(bads[0])))

/* The simulator device [inv] and, with bulk, a test-port device whose
 * command topic is the '#' filter th/bulk/in/#. */
static void
conf_battery(struct scen *s, const char *setup, int bulk)
{
	char dev[1024];

	snprintf(dev, sizeof(dev), "[inv]\nport = %s\nporttype = serial\n"
	    "baud = 115200\ntimeout = 2\nprotocol = PI30\ncommand = QPI\n"
	    "outputs = json\nmqtt_allowed_cmds = POP0[0-2],QPI\n\n%s", s->link,
	    bulk ? "[bulk]\nport = test1\nprotocol = PI30\ncommand = QPI\n"
	    "outputs = json\nmqtt_cmd_topic = " SC_HOST "/bulk/in/#\n"
	    "mqtt_allowed_cmds = POP0[0-2]\n" : "");
	sc_conf(s, setup, dev);
}

/* Publishes len bytes from a file (binary-safe: NUL, invalid UTF-8). */
static void
pub_bytes(struct scen *s, const char *topic, const void *p, size_t len)
{
	char *path = h_path(s->dir, "payload.bin");
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(sc_pub_rc(s, topic, NULL,
	    (const char *[]){ "-f", path, NULL }, NULL), 0);
	free(path);
}

/* No byte of mppd's output is a control character other than newline:
 * payloads are escaped before they reach a log line. */
static void
assert_log_is_clean(struct scen *s)
{
	size_t len = 0;
	char *text = h_read_file(s->mlog, &len);

	assert_non_null(text);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)text[i] < 0x20 && text[i] != '\n') {
			fail_msg("mppd's output holds byte 0x%02x at offset %zu",
			    (unsigned char)text[i], i);
		}
	free(text);
}

/*
 * Every payload of the battery, one at a time: each gets exactly one
 * answer, a failure envelope with the expected error, a "command" field
 * that is valid JSON text, and a timestamp.  The inverter receives the
 * poll and the final valid command, nothing else; the daemon's log stays
 * free of raw control bytes; a 1 MB payload changes nothing.
 */
static void
test_payload_battery_each_refused_clearly_nothing_reaches_device(void **state)
{
	char *big;
	cJSON *v[NBAD + 8];
	int n, answers = 0;
	long rss0, rss1;

	(void)state;
	sc_up(&S, 1, NULL);
	sc_sim(&S, (const char *[]){ "--baud", "115200", NULL });
	conf_battery(&S, "pause = 3600\n", 0);
	sc_mppd(&S);
	sc_wait_subscribed(&S, CMD_TOPIC, 1);
	sc_sub(&S, RESP_TOPIC);
	sc_wait(&S, S.simlog, "QPI\n", 1, SC_WAIT_MS);

	for (int i = 0; i < NBAD; i++) {
		const struct bad *b = &bads[i];
		pub_bytes(&S, CMD_TOPIC, b->payload,
		    b->len ? b->len : strlen(b->payload));
		sc_wait(&S, S.rlog, RESP_TOPIC "|", ++answers, SC_WAIT_MS);
	}
	/* 1 MB: refused from its length alone, and no memory kept. */
	rss0 = h_rss_kb(S.mppd);
	big = malloc(1 << 20);
	assert_non_null(big);
	memset(big, 'A', 1 << 20);
	memcpy(big, "POP02", 5);
	pub_bytes(&S, CMD_TOPIC, big, 1 << 20);
	free(big);
	sc_wait(&S, S.rlog, RESP_TOPIC "|", ++answers, SC_WAIT_MS);
	rss1 = h_rss_kb(S.mppd);
	sc_assert_rss_growth("1 MB payload", rss0, rss1, 1024);

	/* Still serving. */
	sc_pub(&S, CMD_TOPIC, "{\"command\": \"POP02\", \"id\": \"good\"}");
	sc_wait(&S, S.rlog, "\"id\": \"good\"}", 1, SC_WAIT_MS);
	h_sleep_ms(SC_QUIET_MS);

	n = sc_load(S.rlog, RESP_TOPIC, v, NBAD + 8);
	assert_int_equal(n, NBAD + 2);
	for (int i = 0; i < NBAD + 1; i++) {
		const char *err = v[i] != NULL ? sc_jstr(v[i], "error") : NULL;
		const char *what = i < NBAD ? bads[i].what : "1 MB payload";
		const char *want = i < NBAD ? bads[i].error :
		    "command too long (1048576 bytes, at most 128)";

		if (err == NULL) {
			sc_dump_all(&S);
			fail_msg("%s: no error in the answer", what);
		}
		if (want != NULL ? strcmp(err, want) != 0 :
		    strncmp(err, "invalid JSON", 12) != 0) {
			sc_dump_all(&S);
			fail_msg("%s: error \"%s\", expected \"%s\"", what, err,
			    want != NULL ? want : "invalid JSON...");
		}
		assert_non_null(sc_jstr(v[i], "command"));
		assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(v[i],
		    "timestamp")));
		assert_null(cJSON_GetObjectItemCaseSensitive(v[i], "result"));
		fprintf(stderr, "%-24s -> %s\n", what, err);
	}
	assert_non_null(cJSON_GetObjectItemCaseSensitive(v[NBAD + 1], "result"));
	sc_free_json(v, n);

	/* The inverter saw the poll and the one valid command. */
	{
		size_t len = 0;
		char *log = h_read_file(S.simlog, &len);
		assert_non_null(log);
		if (strcmp(log, "QPI\nPOP02\n") != 0)
			fail_msg("the device received \"%s\"", log);
		free(log);
	}
	assert_int_equal(kill(S.mppd, 0), 0);
	sc_mppd_stop(&S);
	assert_log_is_clean(&S);
}

/*
 * MQTT 5 properties out of bounds: a correlation data of 300 bytes (at
 * most 256 are echoed) and a response topic of 600 bytes (at most 512):
 * refused with a clear error on the ordinary response topic, never run.
 * A packet above mppd's Maximum Packet Size never reaches it.
 */
static void
test_mqtt5_oversized_properties_refused_clearly(void **state)
{
	char corr[301], rtopic[601], *big;
	cJSON *v[4];
	int n;

	(void)state;
	sc_up(&S, 1, NULL);
	sc_sim(&S, (const char *[]){ "--baud", "115200", NULL });
	conf_battery(&S, "pause = 3600\nmqtt_protocol = 5\n", 0);
	sc_mppd(&S);
	sc_wait_subscribed(&S, CMD_TOPIC, 1);
	sc_sub(&S, RESP_TOPIC);
	sc_wait(&S, S.simlog, "QPI\n", 1, SC_WAIT_MS);

	memset(corr, 'c', 300);
	corr[300] = '\0';
	memset(rtopic, 'r', 600);
	rtopic[600] = '\0';
	assert_int_equal(sc_pub_rc(&S, CMD_TOPIC, "POP02", (const char *[]){
	    "-V", "mqttv5", "-D", "publish", "response-topic", "resp/x", "-D",
	    "publish", "correlation-data", corr, NULL }, NULL), 0);
	sc_wait(&S, S.rlog, RESP_TOPIC "|", 1, SC_WAIT_MS);
	assert_int_equal(sc_pub_rc(&S, CMD_TOPIC, "POP02", (const char *[]){
	    "-V", "mqttv5", "-D", "publish", "response-topic", rtopic, NULL },
	    NULL), 0);
	sc_wait(&S, S.rlog, RESP_TOPIC "|", 2, SC_WAIT_MS);
	h_sleep_ms(300);

	/* 300 KiB: more than the Maximum Packet Size mppd announces, so the
	 * broker never hands it over (libmosquitto would allocate whatever
	 * size a packet announces); mppd goes on serving. */
	big = malloc(300 * 1024);
	assert_non_null(big);
	memset(big, 'A', 300 * 1024);
	pub_bytes(&S, CMD_TOPIC, big, 300 * 1024);
	free(big);
	sc_pub(&S, CMD_TOPIC, "{\"command\": \"POP02\", \"id\": \"after\"}");
	sc_wait(&S, S.rlog, "\"id\": \"after\"}", 1, SC_WAIT_MS);
	h_sleep_ms(300);

	n = sc_load(S.rlog, RESP_TOPIC, v, 4);
	assert_int_equal(n, 3);
	assert_string_equal(sc_jstr(v[0], "error"), "MQTT 5 correlation data "
	    "too long (300 bytes, at most 256)");
	assert_string_equal(sc_jstr(v[1], "error"), "MQTT 5 response topic too "
	    "long (600 bytes, at most 512)");
	assert_non_null(cJSON_GetObjectItemCaseSensitive(v[2], "result"));
	sc_free_json(v, n);
	assert_int_equal(h_count_text(S.simlog, "POP02"), 1);
	assert_int_equal(h_count_text(S.blog, "Dropping too large outgoing "
	    "PUBLISH for mppsolar_th_"), 1);
	sc_mppd_stop(&S);
}

/* ---- 10,000 distinct topics --------------------------------------- */

struct bulk {
	int	acked;
};

static void
bulk_on_publish(struct mosquitto *m, void *arg, int mid)
{
	(void)m;
	(void)mid;
	((struct bulk *)arg)->acked++;
}

/*
 * Publishes payload at QoS 1 to n topics fmt % i through libmosquitto
 * (one peer connection; mosquitto_pub takes one topic per process) and
 * waits until the broker has acknowledged every message.
 */
static void
bulk_publish(struct scen *s, const char *fmt, int n, const char *payload)
{
	struct bulk b = { 0 };
	struct mosquitto *m;
	char topic[128];
	long end;

	mosquitto_lib_init();
	m = mosquitto_new("bulk-peer", true, &b);
	assert_non_null(m);
	mosquitto_publish_callback_set(m, bulk_on_publish);
	assert_int_equal(mosquitto_connect(m, "127.0.0.1", s->port, 60),
	    MOSQ_ERR_SUCCESS);
	for (int i = 0; i < n; i++) {
		snprintf(topic, sizeof(topic), fmt, i);
		assert_int_equal(mosquitto_publish(m, NULL, topic,
		    (int)strlen(payload), payload, 1, false), MOSQ_ERR_SUCCESS);
		if (i % 64 == 63)
			mosquitto_loop(m, 0, 1);
	}
	for (end = h_now_ms() + 60000; b.acked < n && h_now_ms() < end; )
		assert_int_equal(mosquitto_loop(m, 100, 1), MOSQ_ERR_SUCCESS);
	assert_int_equal(b.acked, n);
	mosquitto_disconnect(m);
	mosquitto_loop(m, 100, 1);
	mosquitto_destroy(m);
	mosquitto_lib_cleanup();
}

/*
 * Checks the answers to round r (topics th/bulk/in/<r>-<i>) in the log:
 * each topic answered exactly once, with the expected refusal.
 */
static void
bulk_check(struct scen *s, int round, long ms)
{
	unsigned char *seen = calloc(BULK_N, 1);
	char *text = h_read_file(s->rlog, NULL), *line, *save = NULL;
	int responses = 0, twice = 0, wrong = 0, missing = 0;

	assert_non_null(seen);
	assert_non_null(text);
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char *bar = strstr(line, "_response|");
		int r, i;

		if (bar == NULL)
			continue;
		if (sscanf(line, SC_HOST "/bulk/in/%d-%d_response|", &r, &i) != 2 ||
		    i < 0 || i >= BULK_N) {
			wrong++;	/* also the answer to any other topic */
			continue;
		}
		if (r != round)
			continue;
		responses++;
		if (seen[i]++ > 0)
			twice++;
		if (strncmp(bar, "_response|{\"error\": \"Command not allowed\", "
		    "\"command\": \"QPIGS\"", 52) != 0)
			wrong++;
	}
	for (int i = 0; i < BULK_N; i++)
		if (seen[i] == 0)
			missing++;
	free(text);
	free(seen);
	fprintf(stderr, "round %d: %d topics, %d answers in %ld ms, %d twice, "
	    "%d wrong, %d missing\n", round, BULK_N, responses, ms, twice,
	    wrong, missing);
	assert_int_equal(responses, BULK_N);
	assert_int_equal(twice, 0);
	assert_int_equal(wrong, 0);
	assert_int_equal(missing, 0);
}

/*
 * 10,000 distinct topics under the '#' command filter th/bulk/in/#, each
 * with a command the allowlist refuses, twice: every topic gets exactly
 * one answer on its own _response topic (the echo of mppd's clear of each
 * topic is never mistaken for an empty command, however many are in
 * flight), mppd's own availability topic is left alone, memory does not
 * grow from the first round to the second, and a normal command works
 * afterwards.  (A filter that could match the availability itself, such
 * as th/bulk/#, is refused at load: test_config_checks.c.)
 */
static void
test_ten_thousand_topics_under_hash_filter_each_answered_once(void **state)
{
	char *text, fmt[64];
	long rss[3], t0;

	(void)state;
	sc_up(&S, 1, "max_queued_messages 0\n");
	sc_sim(&S, (const char *[]){ "--baud", "115200", NULL });
	conf_battery(&S, "pause = 3600\n", 1);
	sc_mppd(&S);
	sc_wait_subscribed(&S, SC_HOST "/bulk/in/#", 1);
	sc_sub(&S, SC_HOST "/bulk/#");
	sc_wait(&S, S.rlog, SC_HOST "/bulk/availability|online", 1,
	    SC_WAIT_MS);
	rss[0] = h_rss_kb(S.mppd);

	for (int r = 1; r <= 2; r++) {
		t0 = h_now_ms();
		snprintf(fmt, sizeof(fmt), SC_HOST "/bulk/in/%d-%%d", r);
		bulk_publish(&S, fmt, BULK_N, "QPIGS");
		sc_wait_big(&S, S.rlog, "_response|{", r * BULK_N, 90000);
		h_sleep_ms(SC_QUIET_MS);
		bulk_check(&S, r, h_now_ms() - t0 - SC_QUIET_MS);
		rss[r] = h_rss_kb(S.mppd);
	}
	fprintf(stderr, "mppd VmRSS: %ld kB before round 1\n", rss[0]);
	sc_assert_rss_growth("10,000 topics, round 2", rss[1], rss[2], 1024);
	assert_int_equal(h_count_text(S.rlog, "empty command"), 0);
	/* mppd's own availability topic: never taken for a command, so
	 * never answered nor cleared. */
	assert_int_equal(h_count_text(S.rlog, "availability_response|"), 0);
	text = sc_retained(&S, SC_HOST "/bulk/availability", 1000);
	assert_string_equal(text, SC_HOST "/bulk/availability|online\n");
	free(text);
	/* Nor are the Home Assistant settings states mppd publishes under
	 * {hostname}/{device}/settings/ (here sent by a peer, as mppd would). */
	sc_pub(&S, SC_HOST "/bulk/settings/output_source_priority", "SBU first");
	sc_pub(&S, SC_HOST "/bulk/in/settings-x", "POP02");	/* a real command */
	sc_wait(&S, S.rlog, SC_HOST "/bulk/in/settings-x_response|{", 1, SC_WAIT_MS);
	assert_int_equal(h_count_text(S.rlog, "settings/output_source_priority_response|"), 0);

	/* A topic longer than mppd handles (512 bytes) under the filter:
	 * not run, not answered (its response topic would be as long),
	 * logged with the topic escaped and cut short. */
	{
		char topic[700];
		snprintf(topic, sizeof(topic), SC_HOST "/bulk/in/%0600d", 7);
		sc_pub(&S, topic, "POP02");
		sc_wait(&S, S.mlog, "ignoring a command on a 611-byte topic "
		    "\"" SC_HOST "/bulk/in/000", 1, SC_WAIT_MS);
	}

	/* Still serving. */
	sc_pub(&S, SC_HOST "/bulk/in/x", "POP02");
	sc_wait(&S, S.rlog, SC_HOST "/bulk/in/x_response|{\"result\": ", 1,
	    SC_WAIT_MS);
	h_sleep_ms(300);
	/* 2 rounds, settings-x and x */
	assert_int_equal(h_count_text(S.rlog, "_response|{"), 2 * BULK_N + 2);
	sc_mppd_stop(&S);
}

/* ---- configuration files ---------------------------------------- */

/*
 * Runs mppd --check-config on path: it must exit 1 (not crash, not hang)
 * with a message naming the file, and when line > 0 that line.
 */
static void
check_config_refuses(struct scen *s, const char *path, int line,
    const char *needle)
{
	const char *argv[] = { sc_mppd_bin(), "-C", path, "--check-config",
	    NULL };
	char *out = NULL, *err = NULL, want[600];
	int rc;

	rc = h_run(argv, &out, &err, 30000);
	if (line > 0)
		snprintf(want, sizeof(want), "%s:%d:", path, line);
	else
		snprintf(want, sizeof(want), "%s", path);
	if (rc != 1 || err == NULL || strstr(err, want) == NULL ||
	    (needle != NULL && strstr(err, needle) == NULL))
		fail_msg("--check-config %s: status %d, expected 1 with \"%s\" "
		    "and \"%s\"; stderr:\n%.2000s", path, rc, want,
		    needle ? needle : "", err ? err : "(none)");
	{
		/* The first line naming the file (a warning may come first). */
		const char *l = strstr(err, want);
		while (l > err && l[-1] != '\n')
			l--;
		fprintf(stderr, "%s -> %.*s\n", path, (int)strcspn(l, "\n"), l);
	}
	free(out);
	free(err);
}

/* Writes len bytes to dir/name; returns the path (caller frees). */
static char *
write_bytes(struct scen *s, const char *name, const void *p, size_t len)
{
	char *path = h_path(s->dir, name);
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return path;
}

static void
test_config_battery_check_config_refuses_with_file_and_line(void **state)
{
	static const char head[] = "[SETUP]\npause = 5\n";
	char *p, *buf;
	size_t n;

	(void)state;
	sc_up(&S, 0, NULL);

	/* Binary bytes: an ELF header where a key should be. */
	buf = malloc(4096);
	assert_non_null(buf);
	n = (size_t)snprintf(buf, 4096, "%s", head);
	memcpy(buf + n, "\x7f" "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0>\0\n", 21);
	p = write_bytes(&S, "binary.conf", buf, n + 21);
	check_config_refuses(&S, p, 3, NULL);
	free(p);
	free(buf);

	/* A 1 MiB line. */
	n = strlen(head) + (1 << 20) + 16;
	buf = malloc(n);
	assert_non_null(buf);
	memcpy(buf, head, strlen(head));
	memcpy(buf + strlen(head), "log_file = ", 11);
	memset(buf + strlen(head) + 11, 'x', (1 << 20));
	buf[n - 5] = '\n';
	p = write_bytes(&S, "hugeline.conf", buf, n - 4);
	check_config_refuses(&S, p, 3, NULL);
	free(p);
	free(buf);

	/* Unterminated section header. */
	p = h_path(S.dir, "unterminated.conf");
	assert_int_equal(h_write_file(p, "[SETUP]\npause = 5\n[Inverter_1\n"
	    "port = test0\nprotocol = PI30\n"), 0);
	check_config_refuses(&S, p, 3, NULL);
	free(p);

	/* NUL bytes in a value. */
	p = write_bytes(&S, "nul.conf", "[SETUP]\npause = 5\0\0\n", 20);
	check_config_refuses(&S, p, 2, NULL);
	free(p);

	/* Invalid UTF-8 in a device name. */
	p = h_path(S.dir, "latin1.conf");
	assert_int_equal(h_write_file(p, "[SETUP]\npause = 5\n[Wechselrichter_"
	    "\xfc]\nport = test0\nprotocol = PI30\n"), 0);
	check_config_refuses(&S, p, 3, NULL);
	free(p);

	/* No [SETUP] at all (a random text file). */
	p = h_path(S.dir, "notes.conf");
	assert_int_equal(h_write_file(p, "shopping list:\n- eggs\n"), 0);
	check_config_refuses(&S, p, 0, NULL);
	free(p);

	/* Endless input and a directory: refused, not read forever. */
	check_config_refuses(&S, "/dev/zero", 0, NULL);
	check_config_refuses(&S, S.dir, 0, NULL);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_teardown(test_payload_battery_each_refused_clearly_nothing_reaches_device, sc_teardown),
	cmocka_unit_test_teardown(test_mqtt5_oversized_properties_refused_clearly, sc_teardown),
	cmocka_unit_test_teardown(test_ten_thousand_topics_under_hash_filter_each_answered_once, sc_teardown),
	cmocka_unit_test_teardown(test_config_battery_check_config_refuses_with_file_and_line, sc_teardown),
};

MPPD_TEST_MAIN(tests)

/*
 * test_http.c - the web server of a real daemon (http_listen): /metrics
 * accepted by promtool, the API equal to what MQTT published, the page
 * rendered by headless Chromium, read-only methods, traversal, the bind
 * address.  A real mosquitto on a free loopback port, mosquitto_sub as an
 * independent peer, the real mppd binary on the test ports, and a small
 * HTTP client on a socket.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "harness.h"
#include "testmain.h"

#define PROMTOOL	"/usr/bin/promtool"
#define CHROMIUM	"/usr/bin/chromium"

struct env {
	char	*dir;
	int	 port;		/* broker */
	int	 http;		/* web server */
	pid_t	 broker;
	pid_t	 daemon;
};

static int
setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	e->dir = h_tmpdir();
	e->port = h_free_port();
	e->http = h_free_port();
	e->broker = h_start_broker(e->dir, e->port, NULL);
	if (e->dir == NULL || e->broker <= 0 || e->http <= 0)
		return -1;
	*state = e;
	return 0;
}

static int
teardown(void **state)
{
	struct env *e = *state;

	h_cleanup_all();
	h_rmrf(e->dir);
	free(e->dir);
	free(e);
	return 0;
}

struct http_reply {
	int	 status;	/* 0: no answer */
	char	*head;		/* status line and headers */
	char	*body;
};

static void
reply_free(struct http_reply *r)
{
	free(r->head);
	free(r->body);
	memset(r, 0, sizeof(*r));
}

/*
 * One request to addr:port (Connection: close), the whole answer read
 * (bounded by 5 s of silence and 4 MB).  extra is sent after the headers
 * (a body), may be NULL.
 */
static struct http_reply
http_req_at(const char *addr, int port, const char *method, const char *target,
    const char *extra)
{
	struct http_reply r = { 0, NULL, NULL };
	struct sockaddr_in sa;
	struct timeval tv = { 5, 0 };
	char req[2048], *buf = NULL, *sep;
	size_t len = 0, cap = 0;
	int fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	inet_pton(AF_INET, addr, &sa.sin_addr);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return r;
	}
	snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: %s:%d\r\n"
	    "Connection: close\r\n%s\r\n%s", method, target, addr, port,
	    extra != NULL ? "Content-Type: text/plain\r\nContent-Length: 3\r\n" : "",
	    extra != NULL ? extra : "");
	assert_true(write(fd, req, strlen(req)) == (ssize_t)strlen(req));
	for (;;) {
		ssize_t n;
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 16384;
			assert_true(cap < 4 * 1024 * 1024);
			buf = realloc(buf, cap);
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (buf == NULL)
		return r;
	buf[len] = '\0';
	if ((sep = strstr(buf, "\r\n\r\n")) != NULL) {
		*sep = '\0';
		r.body = strdup(sep + 4);
	} else
		r.body = strdup("");
	r.head = strdup(buf);
	sscanf(buf, "HTTP/1.%*d %d", &r.status);
	free(buf);
	return r;
}

static struct http_reply
http_get(struct env *e, const char *target)
{
	return http_req_at("127.0.0.1", e->http, "GET", target, NULL);
}

/* GETs target until its body contains needle (10 s); the last reply. */
static struct http_reply
http_wait_for(struct env *e, const char *target, const char *needle)
{
	long end = h_now_ms() + 10000;
	struct http_reply r;

	for (;;) {
		r = http_get(e, target);
		if (r.body != NULL && strstr(r.body, needle) != NULL)
			return r;
		if (h_now_ms() > end)
			fail_msg("GET %s: no \"%s\" within 10 s (status %d): %s",
			    target, needle, r.status, r.body ? r.body : "");
		reply_free(&r);
		h_sleep_ms(100);
	}
}

/* Two devices on the test ports publishing over MQTT, one that never
 * answers (its serial port does not exist), and the web server. */
static void
start(struct env *e, const char *listen_addr)
{
	char *conf = h_path(e->dir, "web.conf"), *log = h_path(e->dir, "mppd.log");
	char *gone = h_path(e->dir, "ttyUSB_gone"), text[2048];
	const char *argv[] = { MPPD_BIN, "-C", conf, "--daemon", NULL };

	snprintf(text, sizeof(text), "[SETUP]\nmqtt_broker = 127.0.0.1\n"
	    "mqtt_port = %d\nmqtt_hostname = th\npause = 1\n"
	    "http_listen = %s:%d\n\n"
	    "[inv1]\nprotocol = PI30\nport = test0\ncommand = QPIGS#QMOD\n"
	    "tag = inv1\noutputs = mqtt\n\n"
	    "[inv 2]\nprotocol = PI30\nport = test1\ncommand = QPIGS\n"
	    "tag = inv2\noutputs = mqtt\n\n"
	    "[dead]\nprotocol = PI30\nport = %s\nporttype = serial\n"
	    "command = QPIGS\noutputs = mqtt\ntimeout = 0.1\n",
	    e->port, listen_addr, e->http, gone);
	assert_int_equal(h_write_file(conf, text), 0);
	e->daemon = h_spawn(argv, log);
	assert_true(e->daemon > 0);
	free(conf);
	free(log);
	free(gone);
}

static void
test_metrics_pass_promtool(void **state)
{
	struct env *e = *state;
	struct http_reply r;
	const char *argv[] = { PROMTOOL, "check", "metrics", NULL };
	char *out = NULL, *err = NULL;
	int rc;

	if (access(PROMTOOL, X_OK) != 0)
		fail_msg(PROMTOOL " is missing: install Debian's prometheus "
		    "package (scripts/setup.sh does)");
	start(e, "127.0.0.1");
	/* every device polled at least once, the dead one offline */
	r = http_wait_for(e, "/metrics", "mppd_pv_input_power_watts{device=\"inv 2\"");
	reply_free(&r);
	r = http_wait_for(e, "/metrics", "mppd_poll_errors_total{device=\"dead\"} 3");
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.head, "Content-Type: text/plain; version=0.0.4"));
	assert_non_null(strstr(r.body, "# TYPE mppd_ac_input_voltage_volts gauge\n"));
	assert_non_null(strstr(r.body,
	    "mppd_battery_voltage_from_scc_volts{device=\"inv1\",command=\"QPIGS\"} 57.45\n"));
	assert_non_null(strstr(r.body,
	    "mppd_battery_capacity_ratio{device=\"inv 2\",command=\"QPIGS\"} 1.0\n"));
	assert_non_null(strstr(r.body, "mppd_device_up{device=\"inv1\"} 1"));
	assert_non_null(strstr(r.body, "mppd_device_up{device=\"dead\"} 0"));
	assert_non_null(strstr(r.body, "# TYPE mppd_polls_total counter\n"));
	assert_non_null(strstr(r.body, "mppd_mqtt_reconnects_total{broker="));
	rc = h_run_env(argv, r.body, NULL, &out, &err, 20000);
	if (rc != 0)
		fail_msg("promtool check metrics: exit %d\n%s%s\n--- body:\n%s",
		    rc, out ? out : "", err ? err : "", r.body);
	free(out);
	free(err);
	reply_free(&r);
	assert_int_equal(h_stop(e->daemon, SIGTERM, 5000), 0);
}

/* The API's values of inv1's QPIGS equal the last ones MQTT carried. */
static void
test_api_values_equal_published(void **state)
{
	struct env *e = *state;
	char *sub = h_path(e->dir, "sub.log"), port[16], *text;
	const char *argv[] = { "/usr/bin/mosquitto_sub", "-h", "127.0.0.1", "-p",
		port, "-v", "-F", "%t|%p", "-t", "inv1/status/+/value", NULL };
	struct http_reply r;
	cJSON *j, *res, *cmd;
	int compared = 0;

	snprintf(port, sizeof(port), "%d", e->port);
	assert_true(h_spawn(argv, sub) > 0);
	h_sleep_ms(300);
	start(e, "127.0.0.1");
	assert_int_equal(h_wait_for_count(sub, "inv1/status/pv_input_power/value|",
	    2, 10000), 0);
	r = http_get(e, "/api/devices/inv1");
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.head, "Content-Type: application/json"));
	h_sleep_ms(300);	/* the broker has delivered that poll's messages */
	text = h_read_file(sub, NULL);
	j = cJSON_Parse(r.body);
	assert_non_null(j);
	assert_string_equal(cJSON_GetObjectItem(j, "name")->valuestring, "inv1");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "online")));
	assert_true(cJSON_IsNumber(cJSON_GetObjectItem(j, "last_poll")));
	assert_true(cJSON_IsNumber(cJSON_GetObjectItem(j, "age_seconds")));
	assert_true(cJSON_IsNumber(cJSON_GetObjectItem(j, "last_reading")));
	res = cJSON_GetObjectItem(j, "results");
	cmd = cJSON_GetArrayItem(res, 0);
	assert_string_equal(cJSON_GetObjectItem(cmd, "command")->valuestring, "QPIGS");
	assert_string_equal(cJSON_GetObjectItem(cmd, "status")->valuestring, "ok");
	assert_true(cJSON_IsNumber(cJSON_GetObjectItem(cmd, "time")));
	for (cJSON *v = cJSON_GetObjectItem(cmd, "values")->child; v; v = v->next) {
		const char *name = cJSON_GetObjectItem(v, "name")->valuestring;
		cJSON *val = cJSON_GetObjectItem(v, "value");
		char needle[256], *last = NULL, *p, published[128];
		size_t k;

		/* the mqtt output's topic: the key lower-cased, spaces as _ */
		k = (size_t)snprintf(needle, sizeof(needle), "inv1/status/");
		for (const char *c = name; *c && k < sizeof(needle) - 8; c++)
			needle[k++] = *c == ' ' ? '_' :
			    (*c >= 'A' && *c <= 'Z' ? (char)(*c + 32) : *c);
		snprintf(needle + k, sizeof(needle) - k, "/value|");
		for (p = text; (p = strstr(p, needle)) != NULL; p++)
			last = p;
		if (last == NULL)
			continue;	/* not published by this output */
		last += strlen(needle);
		snprintf(published, sizeof(published), "%.*s",
		    (int)strcspn(last, "\n"), last);
		if (cJSON_IsNumber(val)) {
			if (strtod(published, NULL) != val->valuedouble)
				fail_msg("%s: API %g, MQTT %s", name,
				    val->valuedouble, published);
		} else if (cJSON_IsString(val))
			assert_string_equal(val->valuestring, published);
		else
			fail_msg("%s: unexpected JSON type", name);
		compared++;
	}
	fprintf(stderr, "%d values compared\n", compared);
	assert_true(compared >= 28);	/* QPIGS has 30 values */
	cJSON_Delete(j);
	reply_free(&r);
	/* the list holds every device, an unknown one is 404 */
	r = http_get(e, "/api/devices");
	assert_int_equal(r.status, 200);
	j = cJSON_Parse(r.body);
	assert_non_null(j);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "devices")), 3);
	cJSON_Delete(j);
	reply_free(&r);
	r = http_get(e, "/api/devices/inv%202");
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"name\":\"inv 2\""));
	reply_free(&r);
	r = http_get(e, "/api/devices/nosuch");
	assert_int_equal(r.status, 404);
	reply_free(&r);
	r = http_wait_for(e, "/api/devices/inv1/history", "[[");
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"series\":[\"pv_w\",\"load_w\""));
	assert_non_null(strstr(r.body, ",856,119,null,690,100]"));
	reply_free(&r);
	assert_int_equal(h_stop(e->daemon, SIGTERM, 5000), 0);
	free(text);
	free(sub);
}

static void
test_page_renders_in_headless_chromium(void **state)
{
	struct env *e = *state;
	char url[64], *profile = h_path(e->dir, "chromium-profile"), udd[512];
	const char *argv[] = { CHROMIUM, "--headless", "--no-sandbox",
		"--disable-gpu", "--no-first-run", "--disable-extensions",
		"--disable-background-networking", udd,
		"--virtual-time-budget=5000", "--dump-dom", url, NULL };
	struct http_reply r;
	char *out = NULL, *err = NULL;
	int rc;

	if (access(CHROMIUM, X_OK) != 0)
		fail_msg(CHROMIUM " is missing: install Debian's chromium "
		    "package (scripts/setup.sh does)");
	snprintf(udd, sizeof(udd), "--user-data-dir=%s", profile);
	start(e, "127.0.0.1");
	r = http_wait_for(e, "/api/devices", "\"name\":\"dead\",\"online\":false");
	/* polled, never answered: no reading, so no age */
	assert_non_null(strstr(r.body, "\"last_reading\":null,\"age_seconds\":null"));
	reply_free(&r);
	r = http_wait_for(e, "/api/devices", "Battery Voltage from SCC");
	reply_free(&r);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", e->http);
	rc = h_run(argv, &out, &err, 60000);
	if (rc != 0 || out == NULL)
		fail_msg("chromium: exit %d\n%s", rc, err ? err : "");
	/* the page built the DOM with its script: each device, its state,
	 * grouped values and a current reading */
	if (strstr(out, "data-device=\"inv1\"") == NULL ||
	    strstr(out, "data-device=\"inv 2\"") == NULL ||
	    strstr(out, "data-device=\"dead\"") == NULL ||
	    strstr(out, "<span class=\"badge online\">online</span>") == NULL ||
	    strstr(out, "<span class=\"badge offline\">offline</span>") == NULL ||
	    strstr(out, "no reading yet") == NULL ||
	    strstr(out, "data-group=\"battery\"") == NULL ||
	    strstr(out, "data-group=\"pv\"") == NULL ||
	    strstr(out, ">Battery Voltage from SCC</td><td class=\"v\">57.45") == NULL ||
	    strstr(out, ">PV Input Power</td><td class=\"v\">856") == NULL ||
	    strstr(out, "<canvas") == NULL)
		fail_msg("the rendered page lacks a device or a value:\n%s", out);
	free(out);
	free(err);
	free(profile);
	assert_int_equal(h_stop(e->daemon, SIGTERM, 5000), 0);
}

static void
test_only_get_and_head_and_no_traversal(void **state)
{
	struct env *e = *state;
	static const char *const refused[] = { "POST", "PUT", "DELETE", "PATCH",
		"OPTIONS" };
	static const char *const absent[] = { "/../etc/passwd",
		"/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fetc%2fpasswd",
		"/%252e%252e/etc/passwd", "/api/devices/..%2f..%2fmetrics",
		"/..\\..\\etc\\passwd", "/etc/passwd", "/app.js/..",
		"/api/devices/inv1/../../../etc/passwd", "/index.html", "/src" };
	struct http_reply r;

	start(e, "127.0.0.1");
	r = http_wait_for(e, "/", "<title>mppd</title>");
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.head, "Content-Type: text/html"));
	reply_free(&r);
	for (size_t i = 0; i < sizeof(refused) / sizeof(*refused); i++) {
		r = http_req_at("127.0.0.1", e->http, refused[i], "/metrics", "abc");
		if (r.status != 405)
			fail_msg("%s /metrics: %d, expected 405", refused[i],
			    r.status);
		assert_non_null(strstr(r.head, "Allow: GET, HEAD"));
		reply_free(&r);
	}
	for (size_t i = 0; i < sizeof(absent) / sizeof(*absent); i++) {
		r = http_get(e, absent[i]);
		if (r.status != 404)
			fail_msg("GET %s: %d, expected 404", absent[i], r.status);
		assert_null(strstr(r.body, "root:"));
		reply_free(&r);
	}
	r = http_req_at("127.0.0.1", e->http, "HEAD", "/app.js", NULL);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "");
	reply_free(&r);
	/* still serving after all that */
	r = http_get(e, "/app.css");
	assert_int_equal(r.status, 200);
	reply_free(&r);
	assert_int_equal(h_stop(e->daemon, SIGTERM, 5000), 0);
}

/* http_listen = 127.0.0.2:port listens there and not on 127.0.0.1. */
static void
test_bind_address_is_respected(void **state)
{
	struct env *e = *state;
	struct http_reply r;
	long end;

	start(e, "127.0.0.2");
	end = h_now_ms() + 10000;
	do {
		r = http_req_at("127.0.0.2", e->http, "GET", "/metrics", NULL);
		if (r.status == 200)
			break;
		reply_free(&r);
		h_sleep_ms(100);
	} while (h_now_ms() < end);
	assert_int_equal(r.status, 200);
	reply_free(&r);
	r = http_get(e, "/metrics");
	assert_int_equal(r.status, 0);	/* refused on 127.0.0.1 */
	reply_free(&r);
	assert_int_equal(h_stop(e->daemon, SIGTERM, 5000), 0);
}

static void
test_malformed_http_listen_is_a_config_error(void **state)
{
	struct env *e = *state;
	char *conf = h_path(e->dir, "bad.conf"), *err = NULL, *out = NULL;
	const char *argv[] = { MPPD_BIN, "-C", conf, "--check-config", NULL };

	h_write_file(conf, "[SETUP]\nhttp_listen = 8080\n\n[inv]\n"
	    "protocol = PI30\nport = test0\ncommand = QPI\noutputs = json\n");
	assert_int_equal(h_run(argv, &out, &err, 5000), 1);
	assert_non_null(strstr(err, "http_listen: expected ADDR:PORT "
	    "(e.g. 127.0.0.1:8080), found \"8080\""));
	free(out);
	free(err);
	h_write_file(conf, "[SETUP]\nhttp_listen = 127.0.0.1:8080\n\n[inv]\n"
	    "protocol = PI30\nport = test0\ncommand = QPI\noutputs = json\n");
	assert_int_equal(h_run(argv, &out, NULL, 5000), 0);
	assert_non_null(strstr(out, "http_listen: 127.0.0.1:8080\n"));
	free(out);
	free(conf);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_metrics_pass_promtool,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_api_values_equal_published,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_page_renders_in_headless_chromium,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_only_get_and_head_and_no_traversal,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_address_is_respected,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_http_listen_is_a_config_error,
		    setup, teardown),
	};

	MPPD_TEST_MAIN_BODY(tests)
}

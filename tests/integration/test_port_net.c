/*
 * test_port_net.c - the network ports against real serial bridges: socat
 * (raw TCP) and ser2net (telnet RFC 2217), each started here on a free
 * loopback port in front of mppd-sim's pseudo-terminal, and the real mppd
 * binary.  A one-shot QPIGS decodes through both as it does on the serial
 * line; a daemon polling through tcp:// goes offline when the bridge dies,
 * answers a command meanwhile with one clear error, and comes back online
 * with telemetry when the bridge returns.
 */
#include "scenario_env.h"
#include "config.h"
#include "device.h"
#include "proto.h"
#include "result.h"
#include "sbuf.h"

#define SOCAT		"/usr/bin/socat"
#define SER2NET		"/usr/sbin/ser2net"
#define CMD_TOPIC	SC_HOST "/inv/cmd"
#define RESP_TOPIC	SC_HOST "/inv/cmd_response"
#define AVAIL_TOPIC	SC_HOST "/inv/availability"

/*
 * socat as a raw TCP bridge for one connection on 127.0.0.1:port (it
 * exits when that connection ends, like a bridge that is unplugged).
 * Waits for it to listen; returns its pid.
 */
static pid_t
start_socat(struct scen *s, int port)
{
	char listen[96], file[1024], *log = h_path(s->dir, "socat.log");
	const char *argv[] = { SOCAT, "-d", "-d", listen, file, NULL };
	int before = h_count_text(log, "listening on");
	pid_t pid;

	snprintf(listen, sizeof(listen), "TCP-LISTEN:%d,bind=127.0.0.1,"
	    "reuseaddr", port);
	snprintf(file, sizeof(file), "FILE:%s,raw,echo=0", s->link);
	pid = h_spawn(argv, log);
	assert_true(pid > 0);
	if (h_wait_for_count(log, "listening on", before + 1, 5000) != 0) {
		sc_dump("socat", log);
		fail_msg("socat did not listen on %d", port);
	}
	free(log);
	return pid;
}

/*
 * ser2net with its own YAML configuration: a telnet(rfc2217) accepter on
 * 127.0.0.1:port in front of the simulator, the line configured at 9600
 * baud so that mppd's SET-BAUDRATE is what makes it 2400.  Runs in the
 * foreground with a pid file in the test directory.
 */
static pid_t
start_ser2net(struct scen *s, int port)
{
	char *conf = h_path(s->dir, "ser2net.yaml"),
	    *pidf = h_path(s->dir, "ser2net.pid"),
	    *log = h_path(s->dir, "ser2net.log"), text[2048];
	const char *argv[] = { SER2NET, "-n", "-d", "-u", "-c", conf, "-P",
	    pidf, NULL };
	pid_t pid;

	snprintf(text, sizeof(text), "connection: &con0\n"
	    "  accepter: telnet(rfc2217),tcp,127.0.0.1,%d\n"
	    "  connector: serialdev,%s,9600n81,local\n"
	    "  options:\n    kickolduser: true\n", port, s->link);
	assert_int_equal(h_write_file(conf, text), 0);
	pid = h_spawn(argv, log);
	assert_true(pid > 0);
	if (h_wait_for_tcp(port, 5000) != 0) {
		sc_dump("ser2net", log);
		fail_msg("ser2net did not listen on %d", port);
	}
	free(conf);
	free(pidf);
	free(log);
	return pid;
}

/* mppd one-shot: -p port [--porttype type] -P PI30 -c QPIGS; stdout. */
static char *
oneshot(const char *port, const char *porttype, const char *baud,
    char **err)
{
	const char *argv[16];
	char *out = NULL;
	int n = 0, rc;

	argv[n++] = sc_mppd_bin();
	argv[n++] = "-p";
	argv[n++] = port;
	if (porttype != NULL) {
		argv[n++] = "--porttype";
		argv[n++] = porttype;
	}
	argv[n++] = "-b";
	argv[n++] = baud;
	argv[n++] = "-P";
	argv[n++] = "PI30";
	argv[n++] = "-c";
	argv[n++] = "QPIGS";
	argv[n++] = "-D";
	argv[n] = NULL;
	rc = h_run(argv, &out, err, 20000);
	assert_int_equal(rc, 0);
	assert_non_null(out);
	return out;
}

/*
 * The parameter column of a screen output (values jitter from one reply
 * to the next; names, units and their order do not).
 */
static char *
names(const char *out)
{
	struct sbuf	 s = SBUF_INIT;
	const char	*l, *e;

	for (l = out; *l != '\0'; l = *e != '\0' ? e + 1 : e) {
		e = strchr(l, '\n');
		if (e == NULL)
			e = l + strlen(l);
		if ((size_t)(e - l) > 0 && strchr(" -", *l) == NULL)
			sbuf_printf(&s, "%.*s\n", (int)strcspn(l, " \n"), l);
	}
	return sbuf_steal(&s);
}

static void
expect_same_decode(const char *serial, const char *net, const char *what)
{
	char *a = names(serial), *b = names(net);

	if (strstr(net, "validity_check") != NULL || strstr(net, "\nerror") !=
	    NULL || strstr(net, "battery_voltage ") == NULL ||
	    strcmp(a, b) != 0) {
		fprintf(stderr, "---- serial ----\n%s---- %s ----\n%s", serial,
		    what, net);
		fail_msg("QPIGS through %s does not decode as on the serial "
		    "line", what);
	}
	free(a);
	free(b);
}

static void
test_oneshot_qpigs_through_tcp_decodes_as_serial(void **state)
{
	char url[64], *serial, *net;
	int port;
	pid_t bridge;

	(void)state;
	sc_up(&S, 0, NULL);
	sc_sim(&S, (const char *[]){ "--baud", "115200", NULL });
	serial = oneshot(S.link, "serial", "115200", NULL);
	port = h_free_port();
	bridge = start_socat(&S, port);
	snprintf(url, sizeof(url), "tcp://127.0.0.1:%d", port);
	net = oneshot(url, NULL, "2400", NULL);
	expect_same_decode(serial, net, url);
	free(serial);
	free(net);
	h_stop(bridge, SIGTERM, 5000);
}

static void
test_oneshot_qpigs_through_rfc2217_sets_line_and_decodes(void **state)
{
	char url[64], *serial, *net, *err = NULL;
	int port;
	pid_t bridge;

	(void)state;
	sc_up(&S, 0, NULL);
	sc_sim(&S, (const char *[]){ "--baud", "115200", NULL });
	serial = oneshot(S.link, "serial", "115200", NULL);
	port = h_free_port();
	bridge = start_ser2net(&S, port);
	snprintf(url, sizeof(url), "rfc2217://127.0.0.1:%d", port);
	net = oneshot(url, NULL, "2400", &err);
	expect_same_decode(serial, net, url);
	/* ser2net acknowledged the line mppd asked for (2400 8N1, not the
	 * 9600 of its configuration). */
	if (err == NULL || strstr(err, "line set to 2400 8N1") == NULL ||
	    strstr(err, "the bridge runs the line at") != NULL)
		fail_msg("no acknowledged 2400 8N1 line: %s", err);
	free(err);
	free(serial);
	free(net);
	h_stop(bridge, SIGTERM, 5000);
}

static void
test_malformed_url_refused_at_load(void **state)
{
	const char *argv[] = { sc_mppd_bin(), "-C", NULL, "--check-config",
	    NULL };
	const char *cli[] = { sc_mppd_bin(), "-p", "tcp://127.0.0.1", "-P",
	    "PI30", "-c", "QPI", NULL };
	char *out = NULL, *err = NULL;

	(void)state;
	sc_up(&S, 0, NULL);
	sc_conf(&S, NULL, "[inv]\nprotocol = PI30\ncommand = QPI\n"
	    "port = tcp://bridge.lan\n");
	argv[2] = S.conf;
	assert_int_equal(h_run(argv, &out, &err, 10000), 1);
	if (err == NULL || strstr(err, "mppd.conf:10: port: expected "
	    "tcp://HOST:PORT or rfc2217://HOST:PORT: 'tcp://bridge.lan' has "
	    "no port number after the host") == NULL)
		fail_msg("stderr: %s", err);
	free(out);
	free(err);
	out = err = NULL;
	assert_int_equal(h_run(cli, &out, &err, 10000), 2);
	assert_non_null(strstr(err, "mppd: -p tcp://127.0.0.1: expected "
	    "tcp://HOST:PORT"));
	free(out);
	free(err);
	/* A good one: host, port and mode. */
	sc_conf(&S, NULL, "[inv]\nprotocol = PI30\ncommand = QPI\n"
	    "port = rfc2217://bridge.lan:4001\n");
	out = NULL;
	assert_int_equal(h_run(argv, &out, NULL, 10000), 0);
	assert_non_null(strstr(out, "    port: rfc2217://bridge.lan:4001 "
	    "(rfc2217)\n    baud: 2400\n    host: bridge.lan\n"
	    "    tcp port: 4001\n    mode: RFC 2217"));
	free(out);
}

/* Lines of decoded telemetry in the daemon's json output so far. */
static int
telemetry(void)
{
	return h_count_text(S.mlog, "\"battery_voltage\": ");
}

static void
test_daemon_through_tcp_follows_the_bridge(void **state)
{
	char dev[512], *avail;
	pid_t asub, bridge;
	cJSON *v[8], *r;
	const cJSON *res, *e;
	int port, n, before;

	(void)state;
	sc_up(&S, 1, NULL);
	sc_sim(&S, (const char *[]){ "--baud", "115200", NULL });
	port = h_free_port();
	bridge = start_socat(&S, port);
	snprintf(dev, sizeof(dev), "[inv]\nport = tcp://127.0.0.1:%d\n"
	    "protocol = PI30\ncommand = QPIGS\ntimeout = 1\noutputs = json\n"
	    "mqtt_allowed_cmds = QPIGS,QPI\n", port);
	/* A poll period: pause 1 s + at most the 1 s timeout. */
	sc_conf(&S, "pause = 1\n", dev);
	avail = h_path(S.dir, "availability.txt");
	asub = sc_sub_to(&S, AVAIL_TOPIC, avail);
	sc_mppd(&S);
	sc_wait_subscribed(&S, CMD_TOPIC, 1);
	sc_sub(&S, RESP_TOPIC);
	sc_wait(&S, avail, AVAIL_TOPIC "|online", 1, SC_WAIT_MS);

	/* The bridge dies: offline within two poll periods. */
	assert_int_equal(h_stop(bridge, SIGTERM, 5000), 143);
	sc_wait(&S, avail, AVAIL_TOPIC "|offline", 1, 2 * 2000);
	sc_pub(&S, CMD_TOPIC, "{\"command\": \"QPI\", \"id\": \"down\"}");
	sc_wait(&S, S.rlog, "\"id\": \"down\"}", 1, SC_WAIT_MS);

	/* It returns: online with telemetry within 30 s. */
	before = telemetry();
	bridge = start_socat(&S, port);
	sc_wait(&S, avail, AVAIL_TOPIC "|online", 2, 30000);
	sc_wait(&S, S.mlog, "\"battery_voltage\": ", before + 1, 30000);

	n = sc_load(S.rlog, RESP_TOPIC, v, 8);
	assert_int_equal(n, 1);
	r = sc_find(v, n, "id", "down");
	assert_non_null(r);
	res = cJSON_GetObjectItemCaseSensitive(r, "result");
	e = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(res, "ERROR"),
	    0);
	if (!cJSON_IsString(e) || strstr(e->valuestring, "tcp://127.0.0.1:") ==
	    NULL || strstr(e->valuestring, "cannot connect: Connection "
	    "refused") == NULL) {
		sc_dump_all(&S);
		fail_msg("command while the bridge is down: no clear error");
	}
	fprintf(stderr, "while down: \"%s\"\n", e->valuestring);
	sc_free_json(v, n);
	assert_int_equal(h_count_text(avail, "|offline"), 1);
	h_stop(asub, SIGTERM, 2000);
	sc_mppd_stop(&S);
	h_stop(bridge, SIGTERM, 5000);
	free(avail);
}

/* Runs cmd on d; returns the status, the result's JSON in *json. */
static int
run_dev(struct device *d, const char *cmd, char **json)
{
	struct result r;
	struct sbuf j = SBUF_INIT;
	int st;

	result_init(&r);
	st = device_run(d, cmd, &r);
	result_json(&j, &r);
	result_free(&r);
	*json = sbuf_steal(&j);
	return st;
}

/*
 * The device layer through a bridge that restarts: a connection the bridge
 * dropped between two commands is made again at once (the next command
 * decodes, no error); while the bridge is gone every command fails with
 * the bridge's address and the port counts as down; once it is back a
 * command decodes again without restarting anything.
 */
static void
bridge_restarts(int rfc2217)
{
	struct device_cfg dc;
	struct device *d;
	char url[64], *j;
	int port, st = -1;
	long end;
	pid_t bridge;

	sc_up(&S, 0, NULL);
	assert_int_equal(proto_init(), 0);
	sc_sim(&S, (const char *[]){ "--baud", "115200", NULL });
	port = h_free_port();
	bridge = rfc2217 ? start_ser2net(&S, port) : start_socat(&S, port);
	snprintf(url, sizeof(url), "%s://127.0.0.1:%d", rfc2217 ? "rfc2217" :
	    "tcp", port);
	memset(&dc, 0, sizeof(dc));
	dc.name = "inv";
	dc.protocol = "PI30";
	dc.port = url;
	dc.baud = 2400;
	dc.timeout_ms = 2000;
	dc.reopen_after = 5;
	d = device_new(&dc);
	assert_non_null(d->port);
	assert_int_equal(run_dev(d, "QPI", &j), 1);
	free(j);

	/* Restarted between two commands: nothing lost. */
	h_stop(bridge, SIGTERM, 5000);
	bridge = rfc2217 ? start_ser2net(&S, port) : start_socat(&S, port);
	st = run_dev(d, "QPIGS", &j);
	if (st != 1 || strstr(j, "\"Battery Voltage\": [") == NULL)
		fail_msg("after a bridge restart: status %d, %s", st, j);
	free(j);

	/* Gone. */
	h_stop(bridge, SIGTERM, 5000);
	for (int i = 0; i < 3; i++) {
		st = run_dev(d, "QPI", &j);
		assert_int_equal(st, -1);
		if (strstr(j, url) == NULL || strstr(j, "cannot connect: "
		    "Connection refused") == NULL)
			fail_msg("bridge gone: %s", j);
		free(j);
		assert_true(port_link_down(d->port));
	}

	/* Back: within the reopen delay (10 s at most) it answers again. */
	bridge = rfc2217 ? start_ser2net(&S, port) : start_socat(&S, port);
	end = h_now_ms() + 15000;
	while (h_now_ms() < end && (st = run_dev(d, "QPI", &j)) != 1) {
		free(j);
		h_sleep_ms(200);
	}
	assert_int_equal(st, 1);
	assert_non_null(strstr(j, "\"Protocol ID\": [\"PI30\""));
	assert_false(port_link_down(d->port));
	free(j);
	device_free(d);
	h_stop(bridge, SIGTERM, 5000);
}

static void
test_tcp_bridge_restarts_between_commands(void **state)
{
	(void)state;
	bridge_restarts(0);
}

static void
test_rfc2217_bridge_restarts_between_commands(void **state)
{
	(void)state;
	bridge_restarts(1);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_teardown(test_tcp_bridge_restarts_between_commands, sc_teardown),
	cmocka_unit_test_teardown(test_rfc2217_bridge_restarts_between_commands, sc_teardown),
	cmocka_unit_test_teardown(test_oneshot_qpigs_through_tcp_decodes_as_serial,
	    sc_teardown),
	cmocka_unit_test_teardown(test_oneshot_qpigs_through_rfc2217_sets_line_and_decodes, sc_teardown),
	cmocka_unit_test_teardown(test_malformed_url_refused_at_load,
	    sc_teardown),
	cmocka_unit_test_teardown(test_daemon_through_tcp_follows_the_bridge,
	    sc_teardown),
};

MPPD_TEST_MAIN(tests)

/*
 * test_daemon.c - the daemon as a service: systemd notification, signals,
 * pid file, availability, Home Assistant discovery, one-shot MQTT delivery,
 * and secrets kept out of logs.  A real mosquitto on a free loopback port,
 * mosquitto_sub as an independent peer, the real mppd binary.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "harness.h"
#include "testmain.h"

struct env {
	char	*dir;
	int	 port;
	pid_t	 broker;
};

static int
setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	e->dir = h_tmpdir();
	e->port = h_free_port();
	e->broker = h_start_broker(e->dir, e->port, NULL);
	if (e->dir == NULL || e->broker <= 0)
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

/* Writes dir/name with the [SETUP] for the test broker plus body. */
static char *
write_conf(struct env *e, const char *name, const char *setup_extra,
    const char *body)
{
	char *path = h_path(e->dir, name), text[8192];

	snprintf(text, sizeof(text), "[SETUP]\nmqtt_broker = 127.0.0.1\n"
	    "mqtt_port = %d\nmqtt_hostname = th\n%s\n%s", e->port,
	    setup_extra ? setup_extra : "pause = 1\n", body);
	assert_int_equal(h_write_file(path, text), 0);
	return path;
}

/* mosquitto_sub -v on topic, output to dir/file; returns its pid. */
static pid_t
subscribe(struct env *e, const char *file, const char *topic)
{
	char port[16], *out = h_path(e->dir, file);
	const char *argv[] = { "/usr/bin/mosquitto_sub", "-h", "127.0.0.1", "-p",
		port, "-v", "-F", "%t|%r|%p", "-t", topic, NULL };
	pid_t pid;

	snprintf(port, sizeof(port), "%d", e->port);
	pid = h_spawn(argv, out);
	free(out);
	assert_true(pid > 0);
	/* wait until the broker saw the subscriber */
	h_sleep_ms(300);
	return pid;
}

static pid_t
start_daemon(struct env *e, const char *conf, const char *log,
    const char *const env_add[], const char *const extra[])
{
	const char *argv[16];
	char *logp = h_path(e->dir, log);
	int n = 0;
	pid_t pid;

	argv[n++] = MPPD_BIN;
	argv[n++] = "-C";
	argv[n++] = conf;
	argv[n++] = "--daemon";
	for (int i = 0; extra != NULL && extra[i] != NULL; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	pid = env_add ? h_spawn_env(argv, logp, env_add) : h_spawn(argv, logp);
	free(logp);
	assert_true(pid > 0);
	return pid;
}

static void
test_sigterm_clean_shutdown_publishes_offline(void **state)
{
	struct env *e = *state;
	char *conf = write_conf(e, "a.conf", NULL, "[inv]\nprotocol = PI30\n"
	    "port = test0\ncommand = QPI\noutputs = json\n"
	    "mqtt_allowed_cmds = QPI\n");
	char *sub = h_path(e->dir, "status.log"), *pidf = h_path(e->dir, "mppd.pid");
	const char *extra[] = { "--pidfile", pidf, NULL };
	pid_t d;

	subscribe(e, "status.log", "th/mppd/status");
	d = start_daemon(e, conf, "a.log", NULL, extra);
	assert_int_equal(h_wait_for_text(sub, "|online", 5000), 0);
	assert_int_equal(h_wait_for_file(pidf, 2000), 0);
	assert_int_equal(h_stop(d, SIGTERM, 5000), 0);
	assert_int_equal(h_wait_for_text(sub, "th/mppd/status|0|offline", 5000), 0);
	assert_int_equal(access(pidf, F_OK), -1);	/* pid file removed */
	free(sub);
	free(pidf);
	free(conf);
}

static void
test_pidfile_naming_a_running_process_refuses_start(void **state)
{
	struct env *e = *state;
	char *conf = write_conf(e, "p.conf", NULL, "[inv]\nprotocol = PI30\n"
	    "port = test0\ncommand = QPI\noutputs = json\n");
	char *pidf = h_path(e->dir, "busy.pid"), text[32], *err = NULL;
	const char *argv[] = { MPPD_BIN, "-C", conf, "--daemon", "--pidfile", pidf, NULL };

	snprintf(text, sizeof(text), "%d\n", (int)getpid());	/* alive: us */
	h_write_file(pidf, text);
	assert_int_equal(h_run(argv, NULL, &err, 5000), 1);
	assert_non_null(strstr(err, "already running"));
	free(err);
	free(pidf);
	free(conf);
}

static void
test_sd_notify_ready_and_watchdog_with_long_pause(void **state)
{
	struct env *e = *state;
	char *conf = write_conf(e, "n.conf", "pause = 120\n", "[inv]\n"
	    "protocol = PI30\nport = test0\ncommand = QPI\noutputs = json\n");
	char *sock = h_path(e->dir, "notify.sock"), envsock[300], buf[256];
	const char *env_add[] = { envsock, "WATCHDOG_USEC=400000", NULL };
	struct sockaddr_un sa;
	int fd, ready = 0, dogs = 0;
	long end;
	pid_t d;

	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	snprintf(envsock, sizeof(envsock), "NOTIFY_SOCKET=%s", sock);
	d = start_daemon(e, conf, "n.log", env_add, NULL);
	/* WATCHDOG_USEC=0.4 s: a ping every 0.2 s, although pause is 120 s */
	end = h_now_ms() + 3000;
	while (h_now_ms() < end) {
		struct timeval tv = { 0, 100000 };
		ssize_t n;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		n = recv(fd, buf, sizeof(buf) - 1, 0);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		if (strstr(buf, "READY=1") != NULL)
			ready++;
		if (strstr(buf, "WATCHDOG=1") != NULL && ready)
			dogs++;
	}
	h_stop(d, SIGTERM, 5000);
	close(fd);
	fprintf(stderr, "READY=1 x%d, WATCHDOG=1 x%d in 3 s\n", ready, dogs);
	assert_int_equal(ready, 1);
	assert_true(dogs >= 5);
	free(sock);
	free(conf);
}

static void
test_no_notification_without_notify_socket(void **state)
{
	struct env *e = *state;
	char *conf = write_conf(e, "q.conf", NULL, "[inv]\nprotocol = PI30\n"
	    "port = test0\ncommand = QPI\noutputs = json\n");
	const char *env_add[] = { "WATCHDOG_USEC=400000", NULL };
	char *log = h_path(e->dir, "q.log");
	pid_t d = start_daemon(e, conf, "q.log", env_add, NULL);

	/* It runs normally (prints its json) and stops cleanly. */
	assert_int_equal(h_wait_for_text(log, "\"protocol_id\": \"PI30\"", 5000), 0);
	assert_int_equal(h_stop(d, SIGTERM, 5000), 0);
	free(log);
	free(conf);
}

static void
test_oneshot_mqtt_delivers_every_message(void **state)
{
	struct env *e = *state;
	char port[16], *sub = h_path(e->dir, "one.log");
	const char *argv[] = { MPPD_BIN, "-p", "test0", "-P", "PI30", "-c", "QPIGS",
		"-o", "mqtt", "-q", "127.0.0.1", "--mqttport", port, NULL };

	snprintf(port, sizeof(port), "%d", e->port);
	subscribe(e, "one.log", "QPIGS/#");
	assert_int_equal(h_run(argv, NULL, NULL, 15000), 0);
	/* QPIGS has 30 values, each with a unit ("bool" counts): 60 messages */
	assert_int_equal(h_wait_for_count(sub, "QPIGS/status/", 60, 5000), 0);
	assert_int_equal(h_wait_for_text(sub,
	    "QPIGS/status/battery_voltage_from_scc/value|0|57.45", 1000), 0);
	assert_int_equal(h_wait_for_text(sub,
	    "QPIGS/status/battery_voltage_from_scc/unit|0|V", 1000), 0);
	h_sleep_ms(200);
	assert_int_equal(h_count_text(sub, "QPIGS/status/"), 60);
	free(sub);
}

static void
test_availability_goes_offline_and_discovery_is_retained(void **state)
{
	struct env *e = *state;
	char body[1024], *conf, *sub = h_path(e->dir, "av.log");
	char *gone = h_path(e->dir, "ttyUSB_gone");
	pid_t d;

	snprintf(body, sizeof(body), "[good]\nprotocol = PI30\nport = test0\n"
	    "command = QPI\noutputs = hassd_mqtt\n\n"
	    "[bad]\nprotocol = PI30\nport = %s\nporttype = serial\ncommand = QPI\n"
	    "outputs = hassd_mqtt\ntimeout = 0.2\n", gone);
	conf = write_conf(e, "av.conf", NULL, body);
	subscribe(e, "av.log", "th/+/availability");
	d = start_daemon(e, conf, "av.log.d", NULL, NULL);
	assert_int_equal(h_wait_for_text(sub, "th/good/availability|0|online", 5000), 0);
	/* the serial device does not exist: offline after 3 failed polls */
	assert_int_equal(h_wait_for_text(sub, "th/bad/availability|0|offline", 8000), 0);
	h_stop(d, SIGTERM, 5000);
	/* discovery configs are retained and carry availability; the two
	 * untagged devices poll the same command, so ids include the name */
	{
		char port[16], *out = NULL;
		const char *argv[] = { "/usr/bin/mosquitto_sub", "-h", "127.0.0.1",
			"-p", port, "-v", "-F", "%t|%r|%p", "-t",
			"homeassistant/+/+/config", "-W", "2", NULL };
		snprintf(port, sizeof(port), "%d", e->port);
		h_run(argv, &out, NULL, 5000);
		assert_non_null(out);
		assert_non_null(strstr(out, "homeassistant/sensor/mpp_good_QPI_protocol_id/config|1|"));
		assert_non_null(strstr(out, "\"unique_id\": \"mpp_good_QPI_protocol_id\""));
		assert_non_null(strstr(out, "\"availability\": [{\"topic\": \"th/mppd/status\"}, "
		    "{\"topic\": \"th/good/availability\"}]"));
		free(out);
	}
	free(gone);
	free(sub);
	free(conf);
}

static void
test_password_never_logged(void **state)
{
	struct env *e = *state;
	char *conf = write_conf(e, "pw.conf", "pause = 1\nmqtt_user = bob\n"
	    "mqtt_pass = s3cr3t-Pa55\n", "[inv]\nprotocol = PI30\nport = test0\n"
	    "command = QPI\noutputs = mqtt\n");
	char *log = h_path(e->dir, "pw.log"), *text;
	const char *extra[] = { "-D", NULL };
	const char *check[] = { MPPD_BIN, "-C", conf, "--check-config", NULL };
	char *out = NULL;
	pid_t d = start_daemon(e, conf, "pw.log", NULL, extra);

	h_sleep_ms(1500);
	h_stop(d, SIGTERM, 5000);
	text = h_read_file(log, NULL);
	assert_non_null(text);
	assert_null(strstr(text, "s3cr3t-Pa55"));
	free(text);
	assert_int_equal(h_run(check, &out, NULL, 5000), 0);
	assert_null(strstr(out, "s3cr3t-Pa55"));
	free(out);
	free(log);
	free(conf);
}

static void
test_sighup_reopens_log_file(void **state)
{
	struct env *e = *state;
	char *lf = h_path(e->dir, "mppd-file.log"), *moved = h_path(e->dir, "old.log");
	char setup[512], *conf;
	pid_t d;

	snprintf(setup, sizeof(setup), "pause = 1\nlog_file = %s\n", lf);
	conf = write_conf(e, "hup.conf", setup, "[inv]\nprotocol = PI30\n"
	    "port = /nonexistent/ttyUSB9\nporttype = serial\ncommand = QPI\noutputs = json\n"
	    "timeout = 0.1\n");
	d = start_daemon(e, conf, "hup.log", NULL, NULL);
	assert_int_equal(h_wait_for_text(lf, "WARNING", 5000), 0);
	assert_int_equal(rename(lf, moved), 0);
	kill(d, SIGHUP);
	/* warnings keep coming (the port keeps failing): a new file appears */
	assert_int_equal(h_wait_for_text(lf, "WARNING", 8000), 0);
	assert_int_equal(h_stop(d, SIGTERM, 5000), 0);
	free(lf);
	free(moved);
	free(conf);
}

static void
test_devices_share_one_connection_per_broker(void **state)
{
	struct env *e = *state;
	int port2 = h_free_port();
	char *dir2 = h_tmpdir(), body[1024], *conf, *log1, *log2, *sub2;
	pid_t b2, d;

	b2 = h_start_broker(dir2, port2, NULL);
	assert_true(b2 > 0);
	snprintf(body, sizeof(body),
	    "[inv1]\nprotocol = PI30\nport = test1\ncommand = QPI\n"
	    "outputs = json_mqtt\nmqtt_allowed_cmds = QPI\n\n"
	    "[inv2]\nprotocol = PI30\nport = test1\ncommand = QMOD\n"
	    "outputs = json_mqtt\nmqtt_allowed_cmds = QPI\n\n"
	    "[inv3]\nprotocol = PI30\nport = test1\ncommand = QID\n"
	    "outputs = json_mqtt\nmqtt_allowed_cmds = QPI\nmqtt_port = %d\n", port2);
	conf = write_conf(e, "share.conf", NULL, body);
	sub2 = h_path(dir2, "sub.log");
	{
		char p2[16];
		const char *argv[] = { "/usr/bin/mosquitto_sub", "-h", "127.0.0.1",
			"-p", p2, "-v", "-t", "#", NULL };
		snprintf(p2, sizeof(p2), "%d", port2);
		assert_true(h_spawn(argv, sub2) > 0);
		h_sleep_ms(300);
	}
	d = start_daemon(e, conf, "share.log", NULL, NULL);
	log1 = h_path(e->dir, "broker.log");
	log2 = h_path(dir2, "broker.log");
	/* inv3 publishes through the second broker */
	assert_int_equal(h_wait_for_text(sub2, "QID/mpp-solar {", 5000), 0);
	assert_int_equal(h_wait_for_text(log1, "New client connected", 5000), 0);
	h_sleep_ms(1500);	/* a second connection would have shown by now */
	h_stop(d, SIGTERM, 5000);
	/* one CONNECT on the shared broker for inv1 and inv2, one on the other */
	assert_int_equal(h_count_text(log1, " as mppsolar_th_"), 1);
	assert_int_equal(h_count_text(log2, " as mppsolar_th_"), 1);
	{
		char *text = h_read_file(sub2, NULL);
		assert_non_null(text);
		assert_null(strstr(text, "QPI/mpp-solar"));
		free(text);
	}
	h_stop(b2, SIGTERM, 3000);
	h_rmrf(dir2);
	free(dir2);
	free(sub2);
	free(log1);
	free(log2);
	free(conf);
}

static void
test_check_config_shows_reference_client_ids(void **state)
{
	struct env *e = *state;
	static const struct {
		const char *setup, *id;
	} cases[] = {
		{ "mqtt_hostname = myserver\nmqtt_broker = 192.168.1.100\nmqtt_port = 1884\n",
		  "client_id: mppsolar_myserver_f1779197" },
		{ "mqtt_hostname = myserver\nmqtt_broker = 192.168.1.100\nmqtt_port = 1884\n"
		  "mqtt_user = mqttuser\n", "client_id: mppsolar_myserver_fe48758e" },
		{ "mqtt_hostname = host\nmqtt_broker = broker\nmqtt_port = 1883\n",
		  "client_id: mppsolar_host_25dbd769" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *path = h_path(e->dir, "ids.conf"), text[1024], *out = NULL;
		const char *argv[] = { MPPD_BIN, "-C", path, "--check-config", NULL };

		snprintf(text, sizeof(text), "[SETUP]\n%s\n[inv]\nprotocol = PI30\n"
		    "port = test0\ncommand = QPI\noutputs = mqtt\n", cases[i].setup);
		h_write_file(path, text);
		assert_int_equal(h_run(argv, &out, NULL, 5000), 0);
		assert_non_null(strstr(out, cases[i].id));
		free(out);
		free(path);
	}
}

static void
test_discovery_resent_when_home_assistant_comes_online(void **state)
{
	struct env *e = *state;
	char *conf = write_conf(e, "ha.conf", "pause = 300\n", "[inv]\n"
	    "protocol = PI30\nport = test0\ncommand = QPI\noutputs = hassd_mqtt\n"
	    "tag = ha\n");
	char *sub = h_path(e->dir, "ha.log"), port[16];
	const char *clear[] = { "/usr/bin/mosquitto_pub", "-h", "127.0.0.1", "-p",
		port, "-r", "-n", "-t", "homeassistant/sensor/mpp_ha_protocol_id/config",
		NULL };
	const char *online[] = { "/usr/bin/mosquitto_pub", "-h", "127.0.0.1", "-p",
		port, "-t", "homeassistant/status", "-m", "online", NULL };
	pid_t d;

	snprintf(port, sizeof(port), "%d", e->port);
	subscribe(e, "ha.log", "homeassistant/sensor/mpp_ha_protocol_id/config");
	d = start_daemon(e, conf, "ha.d.log", NULL, NULL);
	assert_int_equal(h_wait_for_count(sub, "\"unique_id\": \"mpp_ha_protocol_id\"",
	    1, 5000), 0);
	/* Home Assistant restarted and lost it; pause = 300 s, so only the
	 * online message can bring it back in time. */
	assert_int_equal(h_run(clear, NULL, NULL, 5000), 0);
	assert_int_equal(h_run(online, NULL, NULL, 5000), 0);
	assert_int_equal(h_wait_for_count(sub, "\"unique_id\": \"mpp_ha_protocol_id\"",
	    2, 5000), 0);
	h_stop(d, SIGTERM, 5000);
	free(sub);
	free(conf);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup_teardown(test_discovery_resent_when_home_assistant_comes_online, setup, teardown),
	cmocka_unit_test_setup_teardown(test_devices_share_one_connection_per_broker, setup, teardown),
	cmocka_unit_test_setup_teardown(test_check_config_shows_reference_client_ids, setup, teardown),
	cmocka_unit_test_setup_teardown(test_sigterm_clean_shutdown_publishes_offline, setup, teardown),
	cmocka_unit_test_setup_teardown(test_pidfile_naming_a_running_process_refuses_start, setup, teardown),
	cmocka_unit_test_setup_teardown(test_sd_notify_ready_and_watchdog_with_long_pause, setup, teardown),
	cmocka_unit_test_setup_teardown(test_no_notification_without_notify_socket, setup, teardown),
	cmocka_unit_test_setup_teardown(test_oneshot_mqtt_delivers_every_message, setup, teardown),
	cmocka_unit_test_setup_teardown(test_availability_goes_offline_and_discovery_is_retained, setup, teardown),
	cmocka_unit_test_setup_teardown(test_password_never_logged, setup, teardown),
	cmocka_unit_test_setup_teardown(test_sighup_reopens_log_file, setup, teardown),
};

MPPD_TEST_MAIN(tests)

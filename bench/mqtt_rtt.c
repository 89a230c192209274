/*
 * mqtt_rtt.c - command round trip through a broker: publishes one command
 * at a time to a device's command topic and waits for its answer on the
 * response topic (topic + "_response"), timing each with CLOCK_MONOTONIC.
 *
 * By default the command is a JSON envelope {"command": C, "id": I} and the
 * answer is the response echoing I (mppd).  --plain sends the bare command
 * and takes the next live (not retained) message on the response topic
 * (mpp-solar, which has no ids).
 *
 * Single-threaded on purpose: mosquitto_publish() writes the packet at
 * once and mosquitto_loop() returns as soon as the answer is read, so no
 * thread hand-off inflates the figures.
 *
 * usage: mqtt_rtt -b [HOST:]PORT -t TOPIC [-c CMD] [-n N] [-w WARMUP]
 *                 [-q QOS] [--plain] [--timeout-ms T] [--name NAME]
 *                 [--wire-us US]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mosquitto.h>

#include "bench.h"

struct rtt {
	const char	*resp_topic;
	char		 want[96];	/* "\"id\": \"<id>\"" */
	int		 plain;
	int		 got;
	int		 got_error;
	uint64_t	 t_got;
	int		 subacked;
	char		 last[512];	/* start of the last answer, for errors */
};

static void
on_subscribe(struct mosquitto *m, void *arg, int mid, int n, const int *q)
{
	((struct rtt *)arg)->subacked = 1;
}

static void
on_message(struct mosquitto *m, void *arg, const struct mosquitto_message *msg)
{
	struct rtt *x = arg;
	uint64_t t = bench_now_ns();
	size_t n = msg->payloadlen > 0 ? (size_t)msg->payloadlen : 0;

	if (strcmp(msg->topic, x->resp_topic) != 0 || msg->retain || n == 0)
		return;		/* retained: an answer from before we asked */
	if (!x->plain && memmem(msg->payload, n, x->want, strlen(x->want)) ==
	    NULL)
		return;
	x->got = 1;
	x->t_got = t;
	x->got_error = n >= 9 && memcmp(msg->payload, "{\"error\"", 8) == 0;
	if (n >= sizeof(x->last))
		n = sizeof(x->last) - 1;
	memcpy(x->last, msg->payload, n);
	x->last[n] = '\0';
}

static void
usage(void)
{
	fprintf(stderr, "usage: mqtt_rtt -b [HOST:]PORT -t TOPIC [-c CMD] "
	    "[-n N] [-w WARMUP] [-q QOS] [--plain] [--timeout-ms T] "
	    "[--name NAME] [--wire-us US]\n");
	exit(1);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "plain", no_argument, NULL, 'P' },
		{ "timeout-ms", required_argument, NULL, 'T' },
		{ "name", required_argument, NULL, 'N' },
		{ "wire-us", required_argument, NULL, 'W' },
		{ NULL, 0, NULL, 0 }
	};
	const char *host = NULL, *topic = NULL, *cmd = "QPI", *name = "rtt";
	int port = 0, n = 2000, warm = 50, qos = 1, timeout_ms = 5000, opt;
	int lost = 0, errors = 0, rc;
	double wire_us = 0;
	char resp[600], payload[300], id[48], extra[256];
	uint64_t *v, t0, deadline;
	size_t nv = 0;
	struct rtt x;
	struct mosquitto *m;
	struct bench_stats s;

	memset(&x, 0, sizeof(x));
	while ((opt = getopt_long(argc, argv, "b:t:c:n:w:q:", longopts,
	    NULL)) != -1) {
		switch (opt) {
		case 'b':
			if (bench_parse_broker(optarg, &host, &port) < 0)
				usage();
			break;
		case 't': topic = optarg; break;
		case 'c': cmd = optarg; break;
		case 'n': n = atoi(optarg); break;
		case 'w': warm = atoi(optarg); break;
		case 'q': qos = atoi(optarg); break;
		case 'P': x.plain = 1; break;
		case 'T': timeout_ms = atoi(optarg); break;
		case 'N': name = optarg; break;
		case 'W': wire_us = atof(optarg); break;
		default: usage();
		}
	}
	if (host == NULL || topic == NULL || n <= 0 || warm < 0 ||
	    strlen(topic) > 500)
		usage();
	snprintf(resp, sizeof(resp), "%s_response", topic);
	x.resp_topic = resp;

	m = bench_client_new("bench_rtt", &x);
	mosquitto_subscribe_callback_set(m, on_subscribe);
	mosquitto_message_callback_set(m, on_message);
	bench_mosq_check(mosquitto_connect(m, host, port, 60), "connect");
	bench_mosq_check(mosquitto_subscribe(m, NULL, resp, 1), "subscribe");
	t0 = bench_now_ns();
	while (!x.subacked && bench_now_ns() - t0 < 5000000000ULL)
		bench_mosq_check(bench_loop(m, 100), "loop");
	/* Let retained answers of earlier runs arrive and be ignored. */
	t0 = bench_now_ns();
	while (bench_now_ns() - t0 < 100000000ULL)
		bench_mosq_check(bench_loop(m, 20), "loop");

	v = calloc((size_t)n, sizeof(*v));
	for (int i = 0; i < warm + n; i++) {
		snprintf(id, sizeof(id), "%ld-%d", (long)getpid(), i);
		if (x.plain)
			snprintf(payload, sizeof(payload), "%s", cmd);
		else
			snprintf(payload, sizeof(payload),
			    "{\"command\": \"%s\", \"id\": \"%s\"}", cmd, id);
		snprintf(x.want, sizeof(x.want), "\"id\": \"%s\"", id);
		x.got = 0;
		t0 = bench_now_ns();
		rc = mosquitto_publish(m, NULL, topic, (int)strlen(payload),
		    payload, qos, false);
		bench_mosq_check(rc, "publish");
		deadline = t0 + (uint64_t)timeout_ms * 1000000ULL;
		while (!x.got && bench_now_ns() < deadline) {
			uint64_t left = (deadline - bench_now_ns()) / 1000000ULL;
			bench_mosq_check(bench_loop(m, left > 0 ?
			    (int)left : 1), "loop");
		}
		if (!x.got) {
			lost++;
			continue;
		}
		if (x.got_error && errors++ == 0)
			fprintf(stderr, "mqtt_rtt: error answer: %s\n", x.last);
		if (i >= warm)
			v[nv++] = x.t_got - t0;
	}
	bench_stats(v, nv, &s);
	snprintf(extra, sizeof(extra), "lost=%d errors=%d", lost, errors);
	if (wire_us > 0) {
		size_t e = strlen(extra);
		snprintf(extra + e, sizeof(extra) - e,
		    " wire_us=%.0f overhead_p50_pct=%.2f overhead_mean_pct=%.2f",
		    wire_us, (s.p50_us / wire_us - 1) * 100,
		    (s.mean_us / wire_us - 1) * 100);
	}
	printf("%s: %zu commands on %s (%s), p50 %.3f ms, p90 %.3f ms, "
	    "p99 %.3f ms, max %.3f ms, %d lost, %d error answers\n", name,
	    nv, topic, x.plain ? "plain" : "JSON id", s.p50_us / 1000,
	    s.p90_us / 1000, s.p99_us / 1000, s.max_us / 1000, lost, errors);
	bench_print_stats(name, &s, extra);
	free(v);
	mosquitto_disconnect(m);
	mosquitto_destroy(m);
	mosquitto_lib_cleanup();
	return 0;
}

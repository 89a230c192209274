/*
 * mqtt_load.c - sustained command throughput: keeps up to W commands in
 * flight per device for D devices sharing one broker connection of the
 * daemon, until N commands have been answered, and counts what came back.
 *
 * Devices are named by a printf pattern ("dev%d" -> dev0 ... devD-1); the
 * command topic of device i is PREFIX/<name>/cmd.  Commands are JSON
 * envelopes with ids "<device>-<seq>", so every answer is matched to its
 * command: "lost" counts commands never answered, "errors" answers that
 * are {"error": ...} (e.g. "device busy"), "dups" answers seen twice.
 * W should stay below the daemon's queue_len (default 16).
 *
 * --plain (mpp-solar, which has no ids): bare commands, one in flight per
 * device, and an answer is matched to its device by its topic.
 *
 * usage: mqtt_load -b [HOST:]PORT --prefix HOST -d D [--names FMT] [-n N]
 *                  [-w W] [-c CMD] [--plain] [--idle-ms T] [--name NAME]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mosquitto.h>

#include "bench.h"

struct dev {
	char		 topic[256];
	int		 sent;
	int		 answered;
	int		 inflight;
	uint64_t	*t_sent;	/* per sequence number */
	unsigned char	*seen;
};

struct load {
	struct dev	*devs;
	int		 ndev;
	int		 per_dev;	/* commands per device */
	int		 answered, ok, errors, dups, strays;
	uint64_t	*lat;
	size_t		 nlat;
	uint64_t	 t_last;
	int		 subacked;
	int		 plain;
	const char	*prefix;
	const char	*fmt;
	char		 first_error[256];
};

static void
on_subscribe(struct mosquitto *m, void *arg, int mid, int n, const int *q)
{
	((struct load *)arg)->subacked = 1;
}

/* Finds "id": "<d>-<s>" in the payload. */
static int
parse_id(const char *p, size_t n, int *d, int *s)
{
	static const char key[] = "\"id\": \"";
	const char *k = memmem(p, n, key, sizeof(key) - 1);
	char buf[32];
	size_t i = 0;

	if (k == NULL)
		return -1;
	k += sizeof(key) - 1;
	while (k + i < p + n && k[i] != '"' && i < sizeof(buf) - 1) {
		buf[i] = k[i];
		i++;
	}
	buf[i] = '\0';
	return sscanf(buf, "%d-%d", d, s) == 2 ? 0 : -1;
}

static void
on_message(struct mosquitto *m, void *arg, const struct mosquitto_message *msg)
{
	struct load *x = arg;
	uint64_t t = bench_now_ns();
	size_t n = msg->payloadlen > 0 ? (size_t)msg->payloadlen : 0;
	const char *p = msg->payload;
	int d, s;
	struct dev *dv;

	if (msg->retain || n == 0)
		return;
	if (x->plain) {
		/* PREFIX/<name>/cmd_response: the next answer of device d. */
		size_t pl = strlen(x->prefix);
		char name[128];
		const char *tp = msg->topic, *e;

		d = -1;
		if (strncmp(tp, x->prefix, pl) == 0 && tp[pl] == '/' &&
		    (e = strchr(tp + pl + 1, '/')) != NULL &&
		    (size_t)(e - (tp + pl + 1)) < sizeof(name)) {
			memcpy(name, tp + pl + 1, (size_t)(e - (tp + pl + 1)));
			name[e - (tp + pl + 1)] = '\0';
			if (sscanf(name, x->fmt, &d) != 1)
				d = -1;
		}
		s = d >= 0 && d < x->ndev ? x->devs[d].answered : -1;
	} else if (parse_id(p, n, &d, &s) < 0)
		d = -1;
	if (d < 0 || d >= x->ndev || s < 0 || s >= x->per_dev) {
		x->strays++;
		return;
	}
	dv = &x->devs[d];
	if (dv->seen[s]) {
		x->dups++;
		return;
	}
	dv->seen[s] = 1;
	dv->answered++;
	dv->inflight--;
	x->answered++;
	x->t_last = t;
	x->lat[x->nlat++] = t - dv->t_sent[s];
	if (n >= 9 && memcmp(p, "{\"error\"", 8) == 0) {
		if (x->errors++ == 0)
			snprintf(x->first_error, sizeof(x->first_error), "%.*s",
			    (int)(n < 200 ? n : 200), p);
	} else
		x->ok++;
}

static void
usage(void)
{
	fprintf(stderr, "usage: mqtt_load -b [HOST:]PORT --prefix HOST -d D "
	    "[--names FMT] [-n N] [-w W] [-c CMD] [--plain] [--idle-ms T] "
	    "[--name NAME]\n");
	exit(1);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "prefix", required_argument, NULL, 'p' },
		{ "names", required_argument, NULL, 'f' },
		{ "idle-ms", required_argument, NULL, 'I' },
		{ "name", required_argument, NULL, 'N' },
		{ "plain", no_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 }
	};
	const char *host = NULL, *prefix = NULL, *fmt = "dev%d", *cmd = "QPI";
	const char *name = "load";
	int port = 0, ndev = 0, total = 20000, window = 8, idle_ms = 10000;
	int opt, lost;
	char filter[300], payload[300], extra[512], dname[128];
	uint64_t t0, t_idle;
	struct load x;
	struct mosquitto *m;
	struct bench_stats s;
	double secs, rate;

	memset(&x, 0, sizeof(x));
	while ((opt = getopt_long(argc, argv, "b:d:n:w:c:", longopts,
	    NULL)) != -1) {
		switch (opt) {
		case 'b':
			if (bench_parse_broker(optarg, &host, &port) < 0)
				usage();
			break;
		case 'p': prefix = optarg; break;
		case 'f': fmt = optarg; break;
		case 'd': ndev = atoi(optarg); break;
		case 'n': total = atoi(optarg); break;
		case 'w': window = atoi(optarg); break;
		case 'c': cmd = optarg; break;
		case 'I': idle_ms = atoi(optarg); break;
		case 'N': name = optarg; break;
		case 'P': x.plain = 1; break;
		default: usage();
		}
	}
	if (host == NULL || prefix == NULL || ndev <= 0 || total <= 0 ||
	    window <= 0)
		usage();
	if (x.plain)
		window = 1;
	x.prefix = prefix;
	x.fmt = fmt;
	x.ndev = ndev;
	x.per_dev = (total + ndev - 1) / ndev;
	total = x.per_dev * ndev;
	x.devs = calloc((size_t)ndev, sizeof(*x.devs));
	x.lat = calloc((size_t)total, sizeof(*x.lat));
	for (int i = 0; i < ndev; i++) {
		snprintf(dname, sizeof(dname), fmt, i);
		snprintf(x.devs[i].topic, sizeof(x.devs[i].topic), "%s/%s/cmd",
		    prefix, dname);
		x.devs[i].t_sent = calloc((size_t)x.per_dev, sizeof(uint64_t));
		x.devs[i].seen = calloc((size_t)x.per_dev, 1);
	}

	m = bench_client_new("bench_load", &x);
	mosquitto_subscribe_callback_set(m, on_subscribe);
	mosquitto_message_callback_set(m, on_message);
	bench_mosq_check(mosquitto_connect(m, host, port, 60), "connect");
	snprintf(filter, sizeof(filter), "%s/+/cmd_response", prefix);
	bench_mosq_check(mosquitto_subscribe(m, NULL, filter, 1), "subscribe");
	t0 = bench_now_ns();
	while (!x.subacked && bench_now_ns() - t0 < 5000000000ULL)
		bench_mosq_check(bench_loop(m, 100), "loop");
	t0 = bench_now_ns();
	while (bench_now_ns() - t0 < 200000000ULL)	/* retained answers */
		bench_mosq_check(bench_loop(m, 20), "loop");

	t0 = bench_now_ns();
	t_idle = t0;
	x.t_last = t0;
	for (;;) {
		int before = x.answered;

		/* Refill every device's window. */
		for (int i = 0; i < ndev; i++) {
			struct dev *dv = &x.devs[i];
			while (dv->inflight < window && dv->sent < x.per_dev) {
				int len = x.plain ? snprintf(payload,
				    sizeof(payload), "%s", cmd) :
				    snprintf(payload, sizeof(payload),
				    "{\"command\": \"%s\", \"id\": \"%d-%d\"}",
				    cmd, i, dv->sent);
				dv->t_sent[dv->sent] = bench_now_ns();
				bench_mosq_check(mosquitto_publish(m, NULL,
				    dv->topic, len, payload, 1, false),
				    "publish");
				dv->sent++;
				dv->inflight++;
			}
		}
		if (x.answered >= total)
			break;
		bench_mosq_check(bench_loop(m, 100), "loop");
		if (x.answered != before)
			t_idle = bench_now_ns();
		else if (bench_now_ns() - t_idle > (uint64_t)idle_ms * 1000000ULL)
			break;
	}
	/* Late duplicates would show here. */
	{
		uint64_t t = bench_now_ns();
		while (bench_now_ns() - t < 300000000ULL)
			bench_mosq_check(bench_loop(m, 50), "loop");
	}

	lost = total - x.answered;
	secs = (double)(x.t_last - t0) / 1e9;
	rate = secs > 0 ? (double)x.ok / secs : 0;
	bench_stats(x.lat, x.nlat, &s);
	printf("%s: %d devices, window %d, %d commands in %.3f s: %.0f "
	    "answered commands/s; %d lost, %d error answers, %d duplicates; "
	    "latency under load p50 %.2f ms, p99 %.2f ms\n", name, ndev,
	    window, total, secs, rate, lost, x.errors, x.dups,
	    s.p50_us / 1000, s.p99_us / 1000);
	if (x.errors > 0)
		printf("%s: first error answer: %s\n", name, x.first_error);
	snprintf(extra, sizeof(extra), "devices=%d window=%d commands=%d "
	    "seconds=%.3f per_s=%.0f lost=%d errors=%d dups=%d strays=%d",
	    ndev, window, total, secs, rate, lost, x.errors, x.dups, x.strays);
	bench_print_stats(name, &s, extra);
	mosquitto_disconnect(m);
	mosquitto_destroy(m);
	mosquitto_lib_cleanup();
	return 0;
}

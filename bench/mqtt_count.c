/*
 * mqtt_count.c - messages per second on a topic filter: subscribes (QoS 0),
 * ignores the first --warmup-ms, then counts live messages for
 * --duration-ms.  --suffix S also counts the topics ending in S on their
 * own (e.g. one field's state topic: one message per device and cycle).
 *
 * usage: mqtt_count -b [HOST:]PORT -f FILTER [-f FILTER...] [--suffix S]
 *                   [--warmup-ms T] [--duration-ms T] [--name NAME]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mosquitto.h>

#include "bench.h"

struct count {
	int		 counting;
	unsigned long	 msgs, suffixed;
	unsigned long long bytes;
	const char	*suffix;
	int		 subacks;
};

static void
on_subscribe(struct mosquitto *m, void *arg, int mid, int n, const int *q)
{
	((struct count *)arg)->subacks++;
}

static void
on_message(struct mosquitto *m, void *arg, const struct mosquitto_message *msg)
{
	struct count *x = arg;
	size_t tl, sl;

	if (!x->counting || msg->retain)
		return;
	x->msgs++;
	x->bytes += (unsigned long long)msg->payloadlen;
	if (x->suffix != NULL) {
		tl = strlen(msg->topic);
		sl = strlen(x->suffix);
		if (tl >= sl && strcmp(msg->topic + tl - sl, x->suffix) == 0)
			x->suffixed++;
	}
}

static void
usage(void)
{
	fprintf(stderr, "usage: mqtt_count -b [HOST:]PORT -f FILTER "
	    "[-f FILTER...] [--suffix S] [--warmup-ms T] [--duration-ms T] "
	    "[--name NAME]\n");
	exit(1);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "suffix", required_argument, NULL, 's' },
		{ "warmup-ms", required_argument, NULL, 'W' },
		{ "duration-ms", required_argument, NULL, 'D' },
		{ "name", required_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 }
	};
	const char *host = NULL, *filters[16], *name = "count";
	int port = 0, nf = 0, warm_ms = 1000, dur_ms = 5000, opt;
	uint64_t t0, t1;
	struct count x;
	struct mosquitto *m;
	double secs;

	memset(&x, 0, sizeof(x));
	while ((opt = getopt_long(argc, argv, "b:f:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'b':
			if (bench_parse_broker(optarg, &host, &port) < 0)
				usage();
			break;
		case 'f':
			if (nf == 16)
				usage();
			filters[nf++] = optarg;
			break;
		case 's': x.suffix = optarg; break;
		case 'W': warm_ms = atoi(optarg); break;
		case 'D': dur_ms = atoi(optarg); break;
		case 'N': name = optarg; break;
		default: usage();
		}
	}
	if (host == NULL || nf == 0 || dur_ms <= 0)
		usage();
	m = bench_client_new("bench_count", &x);
	mosquitto_subscribe_callback_set(m, on_subscribe);
	mosquitto_message_callback_set(m, on_message);
	bench_mosq_check(mosquitto_connect(m, host, port, 60), "connect");
	for (int i = 0; i < nf; i++)
		bench_mosq_check(mosquitto_subscribe(m, NULL, filters[i], 0),
		    "subscribe");
	t0 = bench_now_ns();
	while (bench_now_ns() - t0 < (uint64_t)warm_ms * 1000000ULL)
		bench_mosq_check(bench_loop(m, 50), "loop");
	x.counting = 1;
	t0 = bench_now_ns();
	while ((t1 = bench_now_ns()) - t0 < (uint64_t)dur_ms * 1000000ULL)
		bench_mosq_check(bench_loop(m, 50), "loop");
	x.counting = 0;
	secs = (double)(t1 - t0) / 1e9;
	printf("%s: %lu messages (%.1f MB) in %.2f s: %.0f messages/s",
	    name, x.msgs, (double)x.bytes / 1e6, secs, (double)x.msgs / secs);
	if (x.suffix != NULL)
		printf(", %lu on *%s: %.1f/s", x.suffixed, x.suffix,
		    (double)x.suffixed / secs);
	printf("\n");
	printf("RESULT %s seconds=%.3f messages=%lu per_s=%.0f bytes_per_s=%.0f"
	    " suffixed=%lu suffixed_per_s=%.2f\n", name, secs, x.msgs,
	    (double)x.msgs / secs, (double)x.bytes / secs, x.suffixed,
	    (double)x.suffixed / secs);
	mosquitto_disconnect(m);
	mosquitto_destroy(m);
	mosquitto_lib_cleanup();
	return 0;
}

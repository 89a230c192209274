/*
 * poll_cycle.c - CPU per poll cycle without the network: what a device
 * worker does for "command = QPIGS#QPIRI, outputs = hassd_mqtt" on a test
 * port, N times over:
 *
 *   device_run (frame, canned reply, decode) -> the hassd_mqtt output as
 *   the daemon runs it (hass_on_poll in hass/hass_runtime.c): the configs'
 *   signature, the configs only when it changed (discovery once), the
 *   states every cycle, into a publisher that only counts -> the result
 *   kept as the "last result" for Home Assistant re-discovery.
 *
 * "hassd output" on its own is the full output (configs and states), as a
 * one-shot run or the daemon after a (re)connect publishes it.
 *
 * The figure is CPU time per cycle (CLOCK_PROCESS_CPUTIME_ID; the median
 * of 5 batches), with wall time and each part on its own.  Under valgrind --tool=callgrind
 * --toggle-collect=run_cycles only the cycles are counted, so total Ir / N
 * is the instructions per cycle (run.sh does this).
 *
 * usage: poll_cycle [-n N] [-P PROTOCOL] [--port test0] [--quiet]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "config.h"
#include "device.h"
#include "hass_discovery.h"
#include "log.h"
#include "output.h"
#include "proto.h"
#include "result.h"
#include "sbuf.h"

static const char *const cmds[] = { "QPIGS", "QPIRI" };
#define NCMDS	2
#define BATCHES	5

struct sink {
	unsigned long	 msgs;
	unsigned long	 bytes;
};

static void
sink_publish(void *arg, const char *topic, const char *payload, size_t len,
    int qos, int retain)
{
	struct sink *s = arg;

	s->msgs++;
	s->bytes += len + strlen(topic);
}

static struct out_opts oo;
static struct result last[NCMDS];
static int last_valid[NCMDS];
static uint64_t sent[NCMDS];	/* signature of the configs published */

/* One full cycle, n times: the daemon worker's work for QPIGS#QPIRI. */
__attribute__((noinline)) static void
run_cycles(struct device *d, struct sink *s, int n)
{
	for (int i = 0; i < n; i++)
		for (int k = 0; k < NCMDS; k++) {
			struct result r;
			uint64_t sig;
			result_init(&r);
			device_run(d, cmds[k], &r);
			sig = hass_sensors_signature(&r);
			if (sig != sent[k]) {
				hass_out_hassd_configs(&r, &oo, sink_publish, s);
				sent[k] = sig;
			}
			hass_out_hassd_states(&r, &oo, sink_publish, s);
			if (last_valid[k])
				result_free(&last[k]);
			last[k] = r;	/* taken over, as on_poll does */
			last_valid[k] = 1;
		}
}

__attribute__((noinline)) static void
run_decode(struct device *d, int n)
{
	for (int i = 0; i < n; i++)
		for (int k = 0; k < NCMDS; k++) {
			struct result r;
			result_init(&r);
			device_run(d, cmds[k], &r);
			result_free(&r);
		}
}

__attribute__((noinline)) static void
run_output(const struct result *rs, struct sink *s, int n)
{
	for (int i = 0; i < n; i++)
		for (int k = 0; k < NCMDS; k++)
			output_mqtt("hassd_mqtt", &rs[k], &oo, sink_publish, s);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
cpu_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 }
	};
	const char *proto = "PI30", *port = "test0";
	int n = 20000, quiet = 0, opt;
	struct config c;
	struct device_cfg *dc;
	struct device *d;
	struct sink s = { 0, 0 };
	struct result rs[NCMDS];
	uint64_t t0;
	double c0, wall[BATCHES], cpu[BATCHES], dec[BATCHES], out[BATCHES];
	unsigned long msgs_per_cycle, bytes_per_cycle;

	while ((opt = getopt_long(argc, argv, "n:P:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'n': n = atoi(optarg); break;
		case 'P': proto = optarg; break;
		case 'p': port = optarg; break;
		case 'q': quiet = 1; break;
		default:
			fprintf(stderr, "usage: poll_cycle [-n N] [-P PROTOCOL] "
			    "[--port test0] [--quiet]\n");
			return 1;
		}
	}
	if (n < BATCHES)
		return 1;
	log_init("poll_cycle", LOG_LVL_WARN);
	if (proto_init() < 0) {
		fprintf(stderr, "proto_init failed\n");
		return 1;
	}
	config_defaults(&c, NULL);
	dc = config_add_device(&c, "bench");
	dc->protocol = xstrdup(proto);
	free(dc->port);
	dc->port = xstrdup(port);
	if ((d = device_new(dc)) == NULL || d->proto == NULL) {
		fprintf(stderr, "no device for protocol %s\n", proto);
		return 1;
	}
	memset(&oo, 0, sizeof(oo));
	oo.device = dc->name;
	oo.hostname = "benchhost";
	oo.availability = 1;

	/* Warm-up (the first cycle publishes the configs), and the size of
	 * one ordinary cycle's output. */
	run_cycles(d, &s, 1);
	s.msgs = s.bytes = 0;
	run_cycles(d, &s, 1);
	msgs_per_cycle = s.msgs;
	bytes_per_cycle = s.bytes;
	if (quiet) {		/* under callgrind: just the cycles */
		run_cycles(d, &s, n);
		printf("RESULT poll_cycle_callgrind n=%d msgs_per_cycle=%lu\n",
		    n, msgs_per_cycle);
		return 0;
	}
	run_cycles(d, &s, n / 10 + 1);

	/* BATCHES batches of n / BATCHES cycles: the median batch is the
	 * figure, the best one shows how much a busy machine added. */
	for (int b = 0; b < BATCHES; b++) {
		c0 = cpu_now_s();
		t0 = bench_now_ns();
		run_cycles(d, &s, n / BATCHES);
		wall[b] = (double)(bench_now_ns() - t0) / (n / BATCHES) / 1000.0;
		cpu[b] = (cpu_now_s() - c0) / (n / BATCHES) * 1e6;

		t0 = bench_now_ns();
		run_decode(d, n / BATCHES);
		dec[b] = (double)(bench_now_ns() - t0) / (n / BATCHES) / 1000.0;
	}
	for (int k = 0; k < NCMDS; k++) {
		result_init(&rs[k]);
		device_run(d, cmds[k], &rs[k]);
	}
	for (int b = 0; b < BATCHES; b++) {
		t0 = bench_now_ns();
		run_output(rs, &s, n / BATCHES);
		out[b] = (double)(bench_now_ns() - t0) / (n / BATCHES) / 1000.0;
	}
	qsort(wall, BATCHES, sizeof(double), cmp_double);
	qsort(cpu, BATCHES, sizeof(double), cmp_double);
	qsort(dec, BATCHES, sizeof(double), cmp_double);
	qsort(out, BATCHES, sizeof(double), cmp_double);

	printf("poll cycle (%s QPIGS + QPIRI, hassd_mqtt, %lu messages, %lu "
	    "bytes): %.2f us CPU per cycle (median of %d batches; best %.2f), "
	    "%.2f us wall; device_run (frame + decode) %.2f us, full hassd "
	    "output (configs and states) %.2f us\n", proto, msgs_per_cycle, bytes_per_cycle,
	    cpu[BATCHES / 2], BATCHES, cpu[0], wall[BATCHES / 2],
	    dec[BATCHES / 2], out[BATCHES / 2]);
	printf("RESULT poll_cycle n=%d us_per_cycle=%.2f cpu_us_per_cycle=%.2f "
	    "best_cpu_us_per_cycle=%.2f decode_us=%.2f output_us=%.2f "
	    "msgs_per_cycle=%lu bytes_per_cycle=%lu\n", n, wall[BATCHES / 2],
	    cpu[BATCHES / 2], cpu[0], dec[BATCHES / 2], out[BATCHES / 2],
	    msgs_per_cycle, bytes_per_cycle);
	for (int k = 0; k < NCMDS; k++) {
		result_free(&rs[k]);
		if (last_valid[k])
			result_free(&last[k]);
	}
	device_free(d);
	config_free(&c);
	return 0;
}

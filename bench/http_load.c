/*
 * http_load.c - the web server under load (issue: memory stays flat, a
 * request costs nothing measurable to the poll cycle).  Two modes:
 *
 *   http_load --port P --pid PID [-n 10000]
 *       A running mppd with http_listen = 127.0.0.1:P: 1,000 warm-up
 *       requests, then n requests one at a time over fresh connections,
 *       cycling through /, /app.js, /metrics, /api/devices and a device's
 *       history; VmRSS of PID before and after, and each request's time.
 *
 *   http_load --inproc [-n 10000]
 *       mppd's own code in one process: a "worker" thread runs poll
 *       cycles (device_run of QPIGS and QPIRI on a test port, then
 *       hstore_poll, as the daemon's on_poll does) while the real server
 *       (http_start) answers n requests from a client thread; the cycle
 *       times with and without the requests are compared.
 *
 *   http_load --free-port   prints a free loopback port (for run.sh).
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"
#include "config.h"
#include "device.h"
#include "http_server.h"
#include "http_store.h"
#include "log.h"
#include "proto.h"
#include "result.h"

static const char *const paths[] = { "/", "/app.js", "/metrics",
	"/api/devices", "/api/devices/dev0/history" };
#define NPATHS	(sizeof(paths) / sizeof(paths[0]))

static int
free_port(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/* One GET over a fresh connection; the status, or -1. */
static int
get(int port, const char *path, size_t *bytes)
{
	static char buf[1 << 16];
	struct sockaddr_in sa;
	char req[256];
	int fd, status = -1;
	ssize_t n;
	size_t total = 0;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Connection: close\r\n\r\n", path);
	if (write(fd, req, strlen(req)) < 0) {
		close(fd);
		return -1;
	}
	while ((n = read(fd, buf, sizeof(buf) - 1)) > 0) {
		if (total == 0) {
			buf[n] = '\0';
			sscanf(buf, "HTTP/1.%*d %d", &status);
		}
		total += (size_t)n;
	}
	close(fd);
	if (bytes != NULL)
		*bytes = total;
	return status;
}

static long
rss_kb(long pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* n requests one at a time; per-request times in t, bytes returned. */
static size_t
batch(int port, int n, uint64_t *t, int *bad)
{
	size_t bytes = 0, b = 0;

	for (int i = 0; i < n; i++) {
		uint64_t t0 = bench_now_ns();
		if (get(port, paths[i % NPATHS], &b) != 200)
			(*bad)++;
		if (t != NULL)
			t[i] = bench_now_ns() - t0;
		bytes += b;
	}
	return bytes;
}

static int
external(int port, long pid, int n)
{
	uint64_t *t = calloc((size_t)n, sizeof(*t));
	struct bench_stats s;
	long before, after, again;
	size_t bytes;
	int bad = 0, warm = 0;
	char extra[200];

	batch(port, 1000, NULL, &warm);
	if (warm == 1000) {
		fprintf(stderr, "http_load: nothing answers on port %d\n", port);
		return 1;
	}
	before = rss_kb(pid);
	bytes = batch(port, n, t, &bad);
	after = rss_kb(pid);
	/* more rounds: memory that is reused, not leaked, stays put */
	for (int k = 0; k < 3; k++)
		batch(port, n, NULL, &bad);
	again = rss_kb(pid);
	bench_stats(t, (size_t)n, &s);
	printf("%d requests (%zu bytes): VmRSS %ld kB before, %ld kB after "
	    "(%+ld kB), %ld kB after %d more (%+ld kB); per request p50 %.0f "
	    "us, p99 %.0f us; %d not 200\n", n, bytes, before, after,
	    after - before, again, 3 * n, again - after, s.p50_us, s.p99_us,
	    bad);
	snprintf(extra, sizeof(extra), "rss_before_kb=%ld rss_after_kb=%ld "
	    "rss_growth_kb=%ld rss_again_kb=%ld rss_growth2_kb=%ld errors=%d",
	    before, after, after - before, again, again - after, bad);
	bench_print_stats("http_requests", &s, extra);
	free(t);
	return 0;
}

struct inproc {
	struct device	*dev;
	struct hstore	*store;
	int		 cycles;
	uint64_t	*t;
	int		 port, nreq, done, bad;
	uint64_t	*store_t;	/* hstore_poll alone, per call */
	int		 nstore, maxstore;
};

static void *
client(void *arg)
{
	struct inproc *p = arg;

	for (int i = 0; i < p->nreq; i++)
		if (get(p->port, paths[i % NPATHS], NULL) != 200)
			p->bad++;
	__atomic_store_n(&p->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Poll cycles until count are done (count > 0) or the client is done. */
static int
cycles(struct inproc *p, int count, uint64_t *t, int max)
{
	static const char *const cmds[] = { "QPIGS", "QPIRI" };
	int n = 0;

	while (n < max && (count > 0 ? n < count :
	    !__atomic_load_n(&p->done, __ATOMIC_ACQUIRE))) {
		uint64_t t0 = bench_now_ns();
		for (int k = 0; k < 2; k++) {
			struct result r;
			int st;
			result_init(&r);
			uint64_t s0;
			st = device_run(p->dev, cmds[k], &r);
			s0 = bench_now_ns();
			hstore_poll(p->store, 0, k, &r, st);
			if (p->nstore < p->maxstore)
				p->store_t[p->nstore++] = bench_now_ns() - s0;
			result_free(&r);
		}
		t[n++] = bench_now_ns() - t0;
	}
	return n;
}

static int
inproc(int nreq)
{
	struct config c;
	struct device_cfg *dc;
	struct inproc p;
	struct http_server *h;
	struct bench_stats idle, loaded, sidle, sloaded;
	char listen[32], extra[200];
	pthread_t th;
	int max = 2000000, ni, nl;
	uint64_t *ti = calloc((size_t)max, sizeof(*ti));
	uint64_t *tl = calloc((size_t)max, sizeof(*tl));

	log_init("http_load", LOG_LVL_WARN);
	if (proto_init() < 0) {
		fprintf(stderr, "http_load: proto_init failed\n");
		return 1;
	}
	memset(&c, 0, sizeof(c));
	config_defaults(&c, NULL);
	dc = config_add_device(&c, "dev0");
	dc->protocol = strdup("PI30");
	free(dc->port);
	dc->port = strdup("test0");
	dc->commands = calloc(3, sizeof(char *));
	dc->commands[0] = strdup("QPIGS");
	dc->commands[1] = strdup("QPIRI");
	dc->ncommands = 2;
	memset(&p, 0, sizeof(p));
	p.dev = device_new(dc);
	if (p.dev == NULL || p.dev->proto == NULL) {
		fprintf(stderr, "http_load: no PI30 device on test0\n");
		return 1;
	}
	{
		struct result r;
		int st;
		result_init(&r);
		st = device_run(p.dev, "QPIGS", &r);
		result_free(&r);
		if (st <= 0) {
			fprintf(stderr, "http_load: QPIGS on test0 failed (%d)\n", st);
			return 1;
		}
	}
	p.store = hstore_new(&c);
	p.port = free_port();
	p.nreq = nreq;
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", p.port);
	if ((h = http_start(listen, p.store)) == NULL)
		return 1;
	p.maxstore = 2 * max;
	p.store_t = calloc((size_t)p.maxstore, sizeof(*p.store_t));
	cycles(&p, 20000, ti, max);		/* warm-up */
	p.nstore = 0;
	ni = cycles(&p, 100000, ti, max);	/* without requests */
	bench_stats(p.store_t, (size_t)p.nstore, &sidle);
	p.nstore = 0;
	pthread_create(&th, NULL, client, &p);
	nl = cycles(&p, 0, tl, max);		/* while the requests run */
	pthread_join(th, NULL);
	bench_stats(p.store_t, (size_t)p.nstore, &sloaded);
	bench_stats(ti, (size_t)ni, &idle);
	bench_stats(tl, (size_t)nl, &loaded);
	printf("poll cycle (QPIGS + QPIRI, test port, store): without "
	    "requests p50 %.2f us p99 %.2f us (%d cycles); during %d requests "
	    "p50 %.2f us p99 %.2f us (%d cycles); %d requests not 200\n",
	    idle.p50_us, idle.p99_us, ni, nreq, loaded.p50_us, loaded.p99_us,
	    nl, p.bad);
	printf("hstore_poll alone (copy + lock): without requests p50 %.2f us "
	    "p99 %.2f us; during requests p50 %.2f us p99 %.2f us\n",
	    sidle.p50_us, sidle.p99_us, sloaded.p50_us, sloaded.p99_us);
	bench_print_stats("http_store_idle", &sidle, NULL);
	bench_print_stats("http_store_loaded", &sloaded, NULL);
	bench_print_stats("http_cycle_idle", &idle, NULL);
	snprintf(extra, sizeof(extra), "requests=%d errors=%d", nreq, p.bad);
	bench_print_stats("http_cycle_loaded", &loaded, extra);
	http_stop(h);
	hstore_free(p.store);
	device_free(p.dev);
	config_free(&c);
	free(ti);
	free(tl);
	free(p.store_t);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "pid", required_argument, NULL, 'P' },
		{ "inproc", no_argument, NULL, 'i' },
		{ "free-port", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	int o, port = 0, n = 10000, mode = 0;
	long pid = 0;

	while ((o = getopt_long(argc, argv, "n:", lo, NULL)) != -1) {
		switch (o) {
		case 'n': n = atoi(optarg); break;
		case 'p': port = atoi(optarg); break;
		case 'P': pid = atol(optarg); break;
		case 'i': mode = 1; break;
		case 'f': mode = 2; break;
		default:
			fprintf(stderr, "usage: http_load --port P --pid PID [-n N] | "
			    "--inproc [-n N] | --free-port\n");
			return 1;
		}
	}
	if (n < 1)
		n = 1;
	if (mode == 2) {
		printf("%d\n", free_port());
		return 0;
	}
	if (mode == 1)
		return inproc(n);
	if (port <= 0 || pid <= 0) {
		fprintf(stderr, "http_load: --port and --pid are required\n");
		return 1;
	}
	return external(port, pid, n);
}

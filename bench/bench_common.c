/*
 * bench_common.c - see bench.h.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <mosquitto.h>

#include "bench.h"

uint64_t
bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank: the smallest value with at least p% of the values <= it. */
static double
rank_us(const uint64_t *v, size_t n, double p)
{
	size_t k = (size_t)((p / 100.0) * (double)n + 0.999999);

	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return (double)v[k - 1] / 1000.0;
}

void
bench_stats(uint64_t *v, size_t n, struct bench_stats *s)
{
	double sum = 0;

	memset(s, 0, sizeof(*s));
	s->n = n;
	if (n == 0)
		return;
	qsort(v, n, sizeof(*v), cmp_u64);
	for (size_t i = 0; i < n; i++)
		sum += (double)v[i];
	s->min_us = (double)v[0] / 1000.0;
	s->mean_us = sum / (double)n / 1000.0;
	s->p50_us = rank_us(v, n, 50);
	s->p90_us = rank_us(v, n, 90);
	s->p99_us = rank_us(v, n, 99);
	s->max_us = (double)v[n - 1] / 1000.0;
}

void
bench_print_stats(const char *name, const struct bench_stats *s,
    const char *extra)
{
	printf("RESULT %s n=%zu min_us=%.1f mean_us=%.1f p50_us=%.1f "
	    "p90_us=%.1f p99_us=%.1f max_us=%.1f%s%s\n", name, s->n, s->min_us,
	    s->mean_us, s->p50_us, s->p90_us, s->p99_us, s->max_us,
	    extra != NULL ? " " : "", extra != NULL ? extra : "");
	fflush(stdout);
}

struct mosquitto *
bench_client_new(const char *prefix, void *obj)
{
	char cid[64];
	struct mosquitto *m;

	mosquitto_lib_init();
	snprintf(cid, sizeof(cid), "%s_%ld", prefix, (long)getpid());
	if ((m = mosquitto_new(cid, true, obj)) == NULL) {
		perror("mosquitto_new");
		exit(1);
	}
	bench_mosq_check(mosquitto_int_option(m, MOSQ_OPT_TCP_NODELAY, 1),
	    "TCP_NODELAY");
	return m;
}

int
bench_loop(struct mosquitto *m, int timeout_ms)
{
	int rc = mosquitto_loop(m, timeout_ms, 1), fd, one = 1;

	if ((fd = mosquitto_socket(m)) >= 0)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one,
		    sizeof(one));
	return rc;
}

void
bench_mosq_check(int rc, const char *what)
{
	if (rc == MOSQ_ERR_SUCCESS)
		return;
	fprintf(stderr, "%s: %s\n", what, mosquitto_strerror(rc));
	exit(1);
}

int
bench_parse_broker(const char *arg, const char **host, int *port)
{
	static char buf[256];
	const char *colon = strrchr(arg, ':');
	char *end;
	long p;

	*host = "127.0.0.1";
	if (colon != NULL) {
		size_t n = (size_t)(colon - arg);
		if (n == 0 || n >= sizeof(buf))
			return -1;
		memcpy(buf, arg, n);
		buf[n] = '\0';
		*host = buf;
		arg = colon + 1;
	}
	p = strtol(arg, &end, 10);
	if (*arg == '\0' || *end != '\0' || p <= 0 || p > 65535)
		return -1;
	*port = (int)p;
	return 0;
}

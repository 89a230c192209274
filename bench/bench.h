/*
 * bench.h - helpers shared by the benchmark programs: a monotonic clock,
 * latency statistics and the "RESULT" lines run.sh collects.
 *
 * Every program prints human-readable lines and, for run.sh, exactly one
 * line per figure set of the form
 *     RESULT <name> key=value key=value ...
 * Benchmarks are not tests: they exit 0 when they could measure, 1 when
 * they could not (broker unreachable, bad arguments), whatever the figures.
 */
#ifndef MPPD_BENCH_H
#define MPPD_BENCH_H

#include <stddef.h>
#include <stdint.h>

struct mosquitto;

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t	bench_now_ns(void);

struct bench_stats {
	size_t	 n;
	double	 min_us, mean_us, p50_us, p90_us, p99_us, max_us;
};

/* Sorts v (nanoseconds) in place and fills s (nearest-rank percentiles). */
void	bench_stats(uint64_t *v, size_t n, struct bench_stats *s);

/* "RESULT name n=.. min_us=.. mean_us=.. p50_us=.. ..." plus extra. */
void	bench_print_stats(const char *name, const struct bench_stats *s,
	    const char *extra);

/*
 * A clean-session client named "<prefix>_<pid>" with Nagle's algorithm
 * off (TCP_NODELAY): the measuring client must not add delays of its own.
 * Exits on error.
 */
struct mosquitto *bench_client_new(const char *prefix, void *obj);

/*
 * mosquitto_loop(m, timeout_ms, 1), then TCP_QUICKACK on the socket: with
 * delayed ACKs a broker that uses Nagle's algorithm holds its next packet
 * to us for up to 40 ms, which would be charged to the daemon.
 */
int	bench_loop(struct mosquitto *m, int timeout_ms);

/* Exits with a message on a libmosquitto error. */
void	bench_mosq_check(int rc, const char *what);

/*
 * Parses "host:port" or "port" into host (static storage) and port.
 * Returns 0 or -1.
 */
int	bench_parse_broker(const char *arg, const char **host, int *port);

#endif

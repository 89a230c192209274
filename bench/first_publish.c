/*
 * first_publish.c - start to first publish: a subscriber, connected and
 * subscribed beforehand, takes the time just before fork+exec of the
 * daemon and the time the first live (not retained) message on the filter
 * arrives.  Then the daemon gets SIGTERM and the time until it has exited
 * is taken too.  Repeated --runs times.
 *
 * usage: first_publish -b [HOST:]PORT [-f FILTER] [-r RUNS]
 *                      [--timeout-ms T] [--log FILE] [--name NAME]
 *                      -- PROGRAM [ARG...]
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mosquitto.h>

#include "bench.h"

struct first {
	int		 armed;
	int		 got;
	uint64_t	 t_got;
	char		 topic[256];
	int		 subacked;
};

static void
on_subscribe(struct mosquitto *m, void *arg, int mid, int n, const int *q)
{
	((struct first *)arg)->subacked = 1;
}

static void
on_message(struct mosquitto *m, void *arg, const struct mosquitto_message *msg)
{
	struct first *x = arg;

	if (!x->armed || x->got || msg->retain)
		return;
	x->got = 1;
	x->t_got = bench_now_ns();
	snprintf(x->topic, sizeof(x->topic), "%s", msg->topic);
}

/* Waits for pid to exit; SIGKILL after kill_ms.  Returns ns waited. */
static uint64_t
reap(pid_t pid, int kill_ms)
{
	uint64_t t0 = bench_now_ns();
	int st, killed = 0;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid || (r == -1 && errno == ECHILD))
			break;
		if (!killed && bench_now_ns() - t0 >
		    (uint64_t)kill_ms * 1000000ULL) {
			fprintf(stderr, "first_publish: pid %ld did not exit "
			    "after SIGTERM: SIGKILL\n", (long)pid);
			kill(pid, SIGKILL);
			killed = 1;
		}
		usleep(1000);
	}
	return bench_now_ns() - t0;
}

static void
pump(struct mosquitto *m, int ms)
{
	uint64_t t0 = bench_now_ns();

	while (bench_now_ns() - t0 < (uint64_t)ms * 1000000ULL)
		bench_mosq_check(bench_loop(m, 10), "loop");
}

static void
usage(void)
{
	fprintf(stderr, "usage: first_publish -b [HOST:]PORT [-f FILTER] "
	    "[-r RUNS] [--timeout-ms T] [--log FILE] [--name NAME] -- "
	    "PROGRAM [ARG...]\n");
	exit(1);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "timeout-ms", required_argument, NULL, 'T' },
		{ "log", required_argument, NULL, 'L' },
		{ "name", required_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 }
	};
	const char *host = NULL, *filter = "homeassistant/#", *logf = "/dev/null";
	const char *name = "first_publish";
	int port = 0, runs = 10, timeout_ms = 10000, opt, missed = 0;
	char extra[256];
	uint64_t *v, *sd, t0;
	size_t nv = 0;
	struct first x;
	struct mosquitto *m;
	struct bench_stats s, ss;

	memset(&x, 0, sizeof(x));
	while ((opt = getopt_long(argc, argv, "+b:f:r:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'b':
			if (bench_parse_broker(optarg, &host, &port) < 0)
				usage();
			break;
		case 'f': filter = optarg; break;
		case 'r': runs = atoi(optarg); break;
		case 'T': timeout_ms = atoi(optarg); break;
		case 'L': logf = optarg; break;
		case 'N': name = optarg; break;
		default: usage();
		}
	}
	if (host == NULL || runs <= 0 || optind >= argc)
		usage();
	argv += optind;

	m = bench_client_new("bench_first", &x);
	mosquitto_subscribe_callback_set(m, on_subscribe);
	mosquitto_message_callback_set(m, on_message);
	bench_mosq_check(mosquitto_connect(m, host, port, 60), "connect");
	bench_mosq_check(mosquitto_subscribe(m, NULL, filter, 0), "subscribe");
	t0 = bench_now_ns();
	while (!x.subacked && bench_now_ns() - t0 < 5000000000ULL)
		bench_mosq_check(bench_loop(m, 100), "loop");
	pump(m, 200);

	v = calloc((size_t)runs, sizeof(*v));
	sd = calloc((size_t)runs, sizeof(*sd));
	for (int r = 0; r < runs; r++) {
		pid_t pid;
		uint64_t deadline;

		x.got = 0;
		x.armed = 1;
		fflush(NULL);
		t0 = bench_now_ns();
		if ((pid = fork()) == -1) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			int fd = open(logf, O_WRONLY | O_CREAT | O_APPEND, 0644);
			if (fd >= 0) {
				dup2(fd, 1);
				dup2(fd, 2);
				close(fd);
			}
			execvp(argv[0], argv);
			_exit(127);
		}
		deadline = t0 + (uint64_t)timeout_ms * 1000000ULL;
		while (!x.got && bench_now_ns() < deadline)
			bench_mosq_check(bench_loop(m, 10), "loop");
		x.armed = 0;
		if (x.got)
			v[nv] = x.t_got - t0;
		else
			missed++;
		kill(pid, SIGTERM);
		sd[nv] = reap(pid, 10000);
		if (x.got) {
			if (r == 0)
				printf("%s: first message on %s\n", name, x.topic);
			nv++;
		}
		pump(m, 300);	/* drain what the stopped daemon left */
	}
	bench_stats(v, nv, &s);
	bench_stats(sd, nv, &ss);
	printf("%s: %zu runs, start to first publish p50 %.2f ms (min %.2f, "
	    "max %.2f), %d without a message; SIGTERM to exit p50 %.2f ms\n",
	    name, nv, s.p50_us / 1000, s.min_us / 1000, s.max_us / 1000,
	    missed, ss.p50_us / 1000);
	snprintf(extra, sizeof(extra), "missed=%d shutdown_p50_us=%.1f "
	    "shutdown_max_us=%.1f", missed, ss.p50_us, ss.max_us);
	bench_print_stats(name, &s, extra);
	mosquitto_disconnect(m);
	mosquitto_destroy(m);
	mosquitto_lib_cleanup();
	return 0;
}

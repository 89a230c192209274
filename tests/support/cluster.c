/*
 * cluster.c - aedes nodes, redis-server and haproxy for the integration
 * tests (see cluster.h for the contracts).  No shell: every part is
 * started with h_spawn and its own arguments.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cluster.h"
#include "harness.h"

#define CL_NODE		"/usr/bin/node"
#define CL_REDIS	"/usr/bin/redis-server"
#define CL_HAPROXY	"/usr/sbin/haproxy"
#define CL_DIR		MPPD_SOURCE_DIR "/tests/cluster"
#define CL_SCRIPT	CL_DIR "/aedes-node.js"

const char *
cl_missing(int need_cluster)
{
	static const char *const pkgs[] = { "aedes", "aedes-persistence-redis",
	    "mqemitter-redis" };
	char path[512];

	if (access(CL_NODE, X_OK) != 0)
		return "node is not installed (run scripts/setup.sh)";
	for (size_t i = 0; i < sizeof(pkgs) / sizeof(pkgs[0]); i++) {
		snprintf(path, sizeof(path), "%s/node_modules/%s/package.json",
		    CL_DIR, pkgs[i]);
		if (access(path, R_OK) != 0)
			return "the npm packages of tests/cluster are not "
			    "installed (run scripts/setup.sh, or npm ci "
			    "--prefix tests/cluster)";
	}
	if (need_cluster && access(CL_REDIS, X_OK) != 0)
		return "redis-server is not installed (run scripts/setup.sh)";
	if (need_cluster && access(CL_HAPROXY, X_OK) != 0)
		return "haproxy is not installed (run scripts/setup.sh)";
	return NULL;
}

int
cl_check(int need_cluster)
{
	const char *missing = cl_missing(need_cluster);
	const char *req = getenv("MPPD_REQUIRE_CLUSTER");

	if (missing == NULL)
		return 0;
	if (req != NULL && *req != '\0' && strcmp(req, "0") != 0) {
		fprintf(stderr, "cluster: %s, and MPPD_REQUIRE_CLUSTER is set\n",
		    missing);
		return -1;
	}
	fprintf(stderr, "cluster: SKIPPED: %s\n", missing);
	return 1;
}

int
cl_aedes_requested(void)
{
	const char *b = getenv("MPPD_TEST_BROKER");

	return b != NULL && strcmp(b, "aedes") == 0;
}

pid_t
cl_start_aedes(const char *log_path, int port, int redis_port,
    const char *id)
{
	return cl_start_aedes_args(log_path, port, redis_port, id, NULL);
}

pid_t
cl_start_aedes_args(const char *log_path, int port, int redis_port,
    const char *id, const char *const extra[])
{
	char sport[16], sredis[16], ready[64];
	const char *argv[24] = { CL_NODE, CL_SCRIPT, "--port", sport, "--id",
	    id };
	int n = 6, before;
	pid_t pid;

	snprintf(sport, sizeof(sport), "%d", port);
	snprintf(sredis, sizeof(sredis), "%d", redis_port);
	if (redis_port > 0) {
		argv[n++] = "--redis";
		argv[n++] = sredis;
	}
	for (int i = 0; extra != NULL && extra[i] != NULL && n < 23; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	snprintf(ready, sizeof(ready), ": ready on %d\n", port);
	/* A node restarted on the same log: count, don't search. */
	before = h_count_text(log_path, ready);
	pid = h_spawn(argv, log_path);
	if (pid > 0 && h_wait_for_count(log_path, ready, before + 1,
	    10000) == -1) {
		char *text = h_read_file(log_path, NULL);

		fprintf(stderr, "cluster: aedes node %s on port %d did not get "
		    "ready; its log:\n%s\n", id, port, text ? text : "(none)");
		free(text);
		h_stop(pid, SIGKILL, 1000);
		pid = -1;
	}
	return pid;
}

pid_t
cl_start_redis(const char *dir, int port)
{
	char sport[16], *log = h_path(dir, "redis.log");
	const char *argv[] = { CL_REDIS, "--port", sport, "--bind",
	    "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir,
	    "--protected-mode", "no", NULL };
	pid_t pid;

	snprintf(sport, sizeof(sport), "%d", port);
	pid = h_spawn(argv, log);
	if (pid > 0 && h_wait_for_tcp(port, 5000) == -1) {
		fprintf(stderr, "cluster: redis-server on port %d did not "
		    "start (see %s)\n", port, log);
		h_stop(pid, SIGKILL, 1000);
		pid = -1;
	}
	free(log);
	return pid;
}

pid_t
cl_start_haproxy(const char *dir, int port, const int *backends,
    int nbackends)
{
	char *cfg = h_path(dir, "haproxy.cfg"), *log = h_path(dir,
	    "haproxy.log");
	char text[4096];
	size_t n;
	pid_t pid = -1;

	/*
	 * Client and server timeouts are longer than any keepalive the tests
	 * use (haproxy must not be what ends an idle MQTT connection); a
	 * connection to a dead node is retried once, then redispatched.
	 */
	n = (size_t)snprintf(text, sizeof(text),
	    "global\n"
	    "  log stdout format raw daemon\n"
	    "  maxconn 256\n"
	    "defaults\n"
	    "  mode tcp\n"
	    "  log global\n"
	    "  option tcplog\n"
	    "  option redispatch\n"
	    "  retries 1\n"
	    "  timeout connect 1s\n"
	    "  timeout client 2m\n"
	    "  timeout server 2m\n"
	    "frontend mqtt\n"
	    "  bind 127.0.0.1:%d\n"
	    "  default_backend nodes\n"
	    "backend nodes\n"
	    "  balance first\n", port);
	for (int i = 0; i < nbackends && n < sizeof(text); i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
		    "  server node%d 127.0.0.1:%d check inter 200ms fall 1 "
		    "rise 1 on-marked-down shutdown-sessions\n", i,
		    backends[i]);
	if (n < sizeof(text) && h_write_file(cfg, text) == 0) {
		const char *argv[] = { CL_HAPROXY, "-f", cfg, "-db", NULL };

		pid = h_spawn(argv, log);
		if (pid > 0 && h_wait_for_tcp(port, 5000) == -1) {
			fprintf(stderr, "cluster: haproxy on port %d did not "
			    "start (see %s)\n", port, log);
			h_stop(pid, SIGKILL, 1000);
			pid = -1;
		}
	}
	free(cfg);
	free(log);
	return pid;
}

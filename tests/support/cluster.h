/*
 * cluster.h - a second MQTT implementation for the integration tests:
 * aedes broker nodes (Node.js, tests/cluster/aedes-node.js), alone or as a
 * cluster sharing one redis-server, behind haproxy.
 *
 * Single-threaded test code only, like harness.h: every process is started
 * with h_spawn (no shell), on 127.0.0.1, and stopped by PID.  The npm
 * packages live in tests/cluster/node_modules (scripts/setup.sh installs
 * them from tests/cluster/package-lock.json).
 */
#ifndef MPPD_CLUSTER_H
#define MPPD_CLUSTER_H

#include <sys/types.h>

/*
 * NULL when node, the npm packages, redis-server and haproxy are all
 * installed; otherwise a static sentence naming what is missing and how to
 * install it.  need_cluster: also check redis-server and haproxy.
 */
const char	*cl_missing(int need_cluster);

/*
 * Whether a test needing these parts can run: 0 when they are installed.
 * When one is missing it prints the reason and returns 1 (the caller then
 * calls cmocka's skip(); CTest shows the case as skipped), or -1 when
 * MPPD_REQUIRE_CLUSTER is set in the environment (scripts/test.sh, thus CI,
 * sets it: there a missing part is a failure, never a silent skip).
 */
int		 cl_check(int need_cluster);

/*
 * True when MPPD_TEST_BROKER=aedes: h_start_broker then starts a single
 * aedes node instead of mosquitto (the command suite's second run).
 */
int		 cl_aedes_requested(void);

/*
 * Starts one aedes node on 127.0.0.1:port, named id, its log (mosquitto's
 * wording, see aedes-node.js) appended to log_path; with redis_port > 0 its
 * sessions, retained messages and message bus are on that redis-server.
 * Waits up to 10 s for its "ready" line.  Returns the pid or -1.
 */
pid_t		 cl_start_aedes(const char *log_path, int port, int redis_port,
		    const char *id);
/* The same with more options of aedes-node.js (NULL-terminated). */
pid_t		 cl_start_aedes_args(const char *log_path, int port,
		    int redis_port, const char *id, const char *const extra[]);

/*
 * Starts redis-server on 127.0.0.1:port, nothing saved to disk, working
 * directory dir, output appended to dir/redis.log; waits up to 5 s for the
 * port.  Returns the pid or -1.
 */
pid_t		 cl_start_redis(const char *dir, int port);

/*
 * Writes dir/haproxy.cfg - TCP mode, a frontend on 127.0.0.1:port, the
 * nbackends servers on 127.0.0.1:backends[i] health-checked every 200 ms,
 * "balance first" (every connection goes to the first server that is up,
 * so the tests know which node a client is on), a failed connection
 * redispatched to the next one - starts haproxy in the foreground (output
 * appended to dir/haproxy.log) and waits up to 5 s for the port.  Returns
 * the pid or -1.
 */
pid_t		 cl_start_haproxy(const char *dir, int port,
		    const int *backends, int nbackends);

#endif

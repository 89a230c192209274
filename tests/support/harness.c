/*
 * harness.c - process, file and network helpers for integration tests.
 *
 * See harness.h for the contracts.  No shell anywhere: processes are started
 * with fork+execve, trees removed with nftw.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cluster.h"
#include "harness.h"

extern char **environ;

#define H_MAX_PIDS	256
#define H_POLL_MS	10

static pid_t	h_pids[H_MAX_PIDS];
static int	h_atexit_done;

/* Remembers a spawned pid for h_cleanup_all (a fixed table: tests are small). */
static void
track_add(pid_t pid)
{
	for (int i = 0; i < H_MAX_PIDS; i++)
		if (h_pids[i] == 0) {
			h_pids[i] = pid;
			return;
		}
	fprintf(stderr, "harness: more than %d live processes\n", H_MAX_PIDS);
}

static void
track_del(pid_t pid)
{
	for (int i = 0; i < H_MAX_PIDS; i++)
		if (h_pids[i] == pid)
			h_pids[i] = 0;
}

long
h_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
h_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

char *
h_path(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);

	if (p == NULL)
		abort();
	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

char *
h_tmpdir(void)
{
	char tmpl[] = "/tmp/mppd-test-XXXXXX";

	if (mkdtemp(tmpl) == NULL)
		return NULL;
	return strdup(tmpl);
}

/* nftw callback: removes one entry (children come first, FTW_DEPTH). */
static int
rmrf_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	if (remove(path) == -1 && errno != ENOENT)
		return -1;
	return 0;
}

int
h_rmrf(const char *dir)
{
	if (dir == NULL)
		return -1;
	if (nftw(dir, rmrf_one, 16, FTW_DEPTH | FTW_PHYS) == -1)
		return errno == ENOENT ? 0 : -1;
	return 0;
}

/*
 * Builds environ plus env_add: an added "K=V" replaces an inherited "K=".
 * The array and its pointers live in the child only (called after fork).
 */
static char **
build_env(const char *const env_add[])
{
	size_t n = 0, m = 0, k = 0;
	char **env;

	while (environ[n] != NULL)
		n++;
	while (env_add != NULL && env_add[m] != NULL)
		m++;
	if ((env = calloc(n + m + 1, sizeof(*env))) == NULL)
		return environ;
	for (size_t i = 0; i < n; i++) {
		int replaced = 0;

		for (size_t j = 0; j < m; j++) {
			const char *eq = strchr(env_add[j], '=');
			size_t kl = eq ? (size_t)(eq - env_add[j]) : strlen(env_add[j]);

			if (strncmp(environ[i], env_add[j], kl) == 0 &&
			    environ[i][kl] == '=')
				replaced = 1;
		}
		if (!replaced)
			env[k++] = environ[i];
	}
	for (size_t j = 0; j < m; j++)
		env[k++] = (char *)env_add[j];
	env[k] = NULL;
	return env;
}

/* In the child: closes every descriptor above stderr. */
static void
close_from_3(void)
{
	long max = sysconf(_SC_OPEN_MAX);

	if (max < 0 || max > 65536)
		max = 65536;
	for (int fd = 3; fd < max; fd++)
		close(fd);
}

/* In the child: exec argv with env; never returns. */
static void
child_exec(const char *const argv[], const char *const env_add[])
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	close_from_3();
	execve(argv[0], (char *const *)argv, build_env(env_add));
	fprintf(stderr, "harness: exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Registers h_cleanup_all with atexit, once. */
static void
register_cleanup(void)
{
	if (!h_atexit_done) {
		atexit(h_cleanup_all);
		h_atexit_done = 1;
	}
}

pid_t
h_spawn_env(const char *const argv[], const char *log_path,
    const char *const env_add[])
{
	pid_t pid;
	int out, in;

	if (argv == NULL || argv[0] == NULL)
		return -1;
	register_cleanup();
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		setpgid(0, 0);
		out = open(log_path ? log_path : "/dev/null",
		    O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		in = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (out == -1 || in == -1) {
			fprintf(stderr, "harness: open %s: %s\n", log_path ?
			    log_path : "/dev/null", strerror(errno));
			_exit(127);
		}
		dup2(in, 0);
		dup2(out, 1);
		dup2(out, 2);
		child_exec(argv, env_add);
	}
	setpgid(pid, pid);	/* both sides, so there is no race */
	track_add(pid);
	return pid;
}

pid_t
h_spawn(const char *const argv[], const char *log_path)
{
	return h_spawn_env(argv, log_path, NULL);
}

/* A raw wait status as a shell would show it: code, or 128 + signal. */
static int
decode_status(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return -1;
}

int
h_wait_exit(pid_t pid, int timeout_ms, int *status)
{
	long deadline = h_now_ms() + timeout_ms;
	int st;
	pid_t r;

	for (;;) {
		r = waitpid(pid, &st, WNOHANG);
		if (r == pid) {
			track_del(pid);
			if (status != NULL)
				*status = st;
			return 0;
		}
		if (r == -1 && errno != EINTR)
			return -1;
		if (h_now_ms() >= deadline)
			return -1;
		h_sleep_ms(H_POLL_MS);
	}
}

/* SIGKILLs pid and its process group and reaps it; returns raw status. */
static int
kill_reap(pid_t pid)
{
	int st = 0;

	kill(pid, SIGKILL);
	if (getpgid(pid) == pid)
		kill(-pid, SIGKILL);
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	track_del(pid);
	return st;
}

int
h_stop(pid_t pid, int sig, int timeout_ms)
{
	int st;

	if (pid <= 0)
		return -1;
	if (kill(pid, sig) == -1 && errno == ESRCH) {
		/* Already exited (zombie reaped elsewhere?) - try to reap. */
		if (h_wait_exit(pid, 0, &st) == 0)
			return decode_status(st);
		return -1;
	}
	if (h_wait_exit(pid, timeout_ms, &st) == 0)
		return decode_status(st);
	return decode_status(kill_reap(pid));
}

void
h_cleanup_all(void)
{
	for (int i = 0; i < H_MAX_PIDS; i++) {
		pid_t pid = h_pids[i];

		if (pid > 0)
			kill_reap(pid);
		h_pids[i] = 0;
	}
}

int
h_free_port(void)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int fd, port;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = 0;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) == -1) {
		close(fd);
		return -1;
	}
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

int
h_wait_for_file(const char *path, int timeout_ms)
{
	long deadline = h_now_ms() + timeout_ms;
	struct stat sb;

	for (;;) {
		if (lstat(path, &sb) == 0)
			return 0;
		if (h_now_ms() >= deadline)
			return -1;
		h_sleep_ms(H_POLL_MS);
	}
}

int
h_wait_for_gone(const char *path, int timeout_ms)
{
	long deadline = h_now_ms() + timeout_ms;
	struct stat sb;

	for (;;) {
		if (lstat(path, &sb) == -1 && errno == ENOENT)
			return 0;
		if (h_now_ms() >= deadline)
			return -1;
		h_sleep_ms(H_POLL_MS);
	}
}

/* 1 when a blocking connect to 127.0.0.1:port succeeds (loopback: fast). */
static int
tcp_accepts(int port)
{
	struct sockaddr_in sa;
	int fd, r;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((unsigned short)port);
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	return r == 0;
}

int
h_wait_for_tcp(int port, int timeout_ms)
{
	long deadline = h_now_ms() + timeout_ms;

	for (;;) {
		if (tcp_accepts(port))
			return 0;
		if (h_now_ms() >= deadline)
			return -1;
		h_sleep_ms(H_POLL_MS);
	}
}

char *
h_read_file(const char *path, size_t *len)
{
	char *buf = NULL, *nb;
	size_t cap = 0, n = 0;
	ssize_t r;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	for (;;) {
		if (cap - n < 4096) {
			cap = cap ? cap * 2 : 8192;
			if ((nb = realloc(buf, cap)) == NULL) {
				free(buf);
				close(fd);
				return NULL;
			}
			buf = nb;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	if (len != NULL)
		*len = n;
	return buf;
}

int
h_write_file(const char *path, const char *text)
{
	size_t n = strlen(text), off = 0;
	ssize_t w;
	int fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) == -1)
		return -1;
	while (off < n) {
		w = write(fd, text + off, n - off);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	return close(fd);
}

int
h_count_text(const char *path, const char *needle)
{
	size_t len, nl = strlen(needle);
	char *buf, *p;
	int count = 0;

	if (nl == 0 || (buf = h_read_file(path, &len)) == NULL)
		return 0;
	/* memmem, not strstr: logs may contain NUL bytes. */
	p = buf;
	while ((p = memmem(p, len - (size_t)(p - buf), needle, nl)) != NULL) {
		count++;
		p += nl;
	}
	free(buf);
	return count;
}

int
h_wait_for_count(const char *path, const char *needle, int count,
    int timeout_ms)
{
	long deadline = h_now_ms() + timeout_ms;

	for (;;) {
		if (h_count_text(path, needle) >= count)
			return 0;
		if (h_now_ms() >= deadline)
			return -1;
		h_sleep_ms(H_POLL_MS);
	}
}

int
h_wait_for_text(const char *path, const char *needle, int timeout_ms)
{
	return h_wait_for_count(path, needle, 1, timeout_ms);
}

/* Growable capture buffer for h_run. */
struct capture {
	char	*buf;
	size_t	 len, cap;
};

/* Appends one read's worth from fd; 0 at end of file or error, else 1. */
static int
capture_read(int fd, struct capture *c)
{
	char tmp[4096], *nb;
	ssize_t r;

	r = read(fd, tmp, sizeof(tmp));
	if (r == -1 && (errno == EINTR || errno == EAGAIN))
		return 1;
	if (r <= 0)
		return 0;
	if (c->len + (size_t)r + 1 > c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 8192;

		while (ncap < c->len + (size_t)r + 1)
			ncap *= 2;
		if ((nb = realloc(c->buf, ncap)) == NULL)
			return 0;
		c->buf = nb;
		c->cap = ncap;
	}
	memcpy(c->buf + c->len, tmp, (size_t)r);
	c->len += (size_t)r;
	c->buf[c->len] = '\0';
	return 1;
}

/* Hands the captured text to the caller ("" when nothing came). */
static char *
capture_take(struct capture *c)
{
	if (c->buf == NULL)
		return strdup("");
	return c->buf;
}

int
h_run_env(const char *const argv[], const char *in_text,
    const char *const env_add[], char **out, char **err, int timeout_ms)
{
	struct capture cap[2] = { { NULL, 0, 0 }, { NULL, 0, 0 } };
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 }, pi[2] = { -1, -1 };
	long deadline = h_now_ms() + timeout_ms;
	size_t in_len = in_text ? strlen(in_text) : 0, in_off = 0;
	int open_fds, st, rc = -1, timed_out = 0;
	void (*oldpipe)(int);
	pid_t pid;

	if (out != NULL)
		*out = NULL;
	if (err != NULL)
		*err = NULL;
	if (argv == NULL || argv[0] == NULL)
		return -1;
	if (pipe2(po, O_CLOEXEC) == -1 || pipe2(pe, O_CLOEXEC) == -1 ||
	    pipe2(pi, O_CLOEXEC) == -1)
		goto fail;
	register_cleanup();
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == -1)
		goto fail;
	if (pid == 0) {
		setpgid(0, 0);
		dup2(pi[0], 0);
		dup2(po[1], 1);
		dup2(pe[1], 2);
		child_exec(argv, env_add);
	}
	setpgid(pid, pid);
	track_add(pid);
	close(po[1]);
	close(pe[1]);
	close(pi[0]);
	po[1] = pe[1] = pi[0] = -1;
	if (in_len == 0) {
		close(pi[1]);
		pi[1] = -1;
	} else
		fcntl(pi[1], F_SETFL, O_NONBLOCK);

	oldpipe = signal(SIGPIPE, SIG_IGN);
	open_fds = 2;
	while (open_fds > 0 || pi[1] != -1) {
		struct pollfd pfd[3];
		long left = deadline - h_now_ms();
		int n = 0;

		if (left <= 0) {
			timed_out = 1;
			break;
		}
		if (po[0] != -1)
			pfd[n++] = (struct pollfd){ po[0], POLLIN, 0 };
		if (pe[0] != -1)
			pfd[n++] = (struct pollfd){ pe[0], POLLIN, 0 };
		if (pi[1] != -1)
			pfd[n++] = (struct pollfd){ pi[1], POLLOUT, 0 };
		if (poll(pfd, (nfds_t)n, left > 100 ? 100 : (int)left) <= 0)
			continue;
		for (int i = 0; i < n; i++) {
			if (pfd[i].revents == 0)
				continue;
			if (pfd[i].fd == pi[1]) {
				ssize_t w = write(pi[1], in_text + in_off,
				    in_len - in_off);

				if (w > 0)
					in_off += (size_t)w;
				if ((w == -1 && errno != EAGAIN &&
				    errno != EINTR) || in_off == in_len) {
					close(pi[1]);
					pi[1] = -1;
				}
				continue;
			}
			int which = pfd[i].fd == po[0] ? 0 : 1;

			if (!capture_read(pfd[i].fd, &cap[which])) {
				close(pfd[i].fd);
				if (which == 0)
					po[0] = -1;
				else
					pe[0] = -1;
				open_fds--;
			}
		}
	}
	signal(SIGPIPE, oldpipe);

	if (timed_out) {
		kill_reap(pid);
		rc = -1;
	} else if (h_wait_exit(pid, (int)(deadline - h_now_ms() > 0 ?
	    deadline - h_now_ms() : 0), &st) == 0)
		rc = decode_status(st);
	else {
		kill_reap(pid);
		rc = -1;
	}

fail:
	for (int i = 0; i < 2; i++) {
		if (po[i] != -1)
			close(po[i]);
		if (pe[i] != -1)
			close(pe[i]);
		if (pi[i] != -1)
			close(pi[i]);
	}
	if (out != NULL)
		*out = capture_take(&cap[0]);
	else
		free(cap[0].buf);
	if (err != NULL)
		*err = capture_take(&cap[1]);
	else
		free(cap[1].buf);
	return rc;
}

int
h_run(const char *const argv[], char **out, char **err, int timeout_ms)
{
	return h_run_env(argv, NULL, NULL, out, err, timeout_ms);
}

/*
 * The command suite's second broker (MPPD_TEST_BROKER=aedes): one aedes
 * node logging to dir/broker.log.  mosquitto configuration lines cannot be
 * carried over, so a test that needs any (other than "user root") fails
 * here rather than run against a broker without them.
 */
static pid_t
start_aedes_broker(const char *dir, int port, const char *extra_conf)
{
	const char *missing = cl_missing(0);
	char *log_path;
	pid_t pid;

	if (missing != NULL) {
		fprintf(stderr, "harness: MPPD_TEST_BROKER=aedes: %s\n", missing);
		return -1;
	}
	if (extra_conf != NULL && *extra_conf != '\0' &&
	    strcmp(extra_conf, "user root\n") != 0) {
		fprintf(stderr, "harness: MPPD_TEST_BROKER=aedes cannot apply "
		    "the mosquitto configuration \"%s\"\n", extra_conf);
		return -1;
	}
	log_path = h_path(dir, "broker.log");
	pid = cl_start_aedes(log_path, port, 0, "aedes");
	free(log_path);
	return pid;
}

pid_t
h_start_broker(const char *dir, int port, const char *extra_conf)
{
	char *conf_path, *log_path, *out_path, *text;
	size_t tl;
	pid_t pid = -1;

	if (cl_aedes_requested())
		return start_aedes_broker(dir, port, extra_conf);
	conf_path = h_path(dir, "mosquitto.conf");
	log_path = h_path(dir, "broker.log");
	out_path = h_path(dir, "broker.out");
	tl = strlen(log_path) + (extra_conf ? strlen(extra_conf) : 0) + 256;
	if ((text = malloc(tl)) == NULL)
		abort();
	snprintf(text, tl,
	    "listener %d 127.0.0.1\n"
	    "allow_anonymous true\n"
	    "persistence false\n"
	    "log_dest file %s\n"
	    "log_type all\n"
	    "connection_messages true\n"
	    "%s"
	    "%s%s",
	    port, log_path,
	    /* As root mosquitto drops to user "mosquitto", which cannot write
	     * broker.log in our 0700 directory: stay root (tests only). */
	    geteuid() == 0 && (extra_conf == NULL ||
	    strstr(extra_conf, "user ") == NULL) ? "user root\n" : "",
	    extra_conf ? extra_conf : "",
	    extra_conf && *extra_conf &&
	    extra_conf[strlen(extra_conf) - 1] != '\n' ? "\n" : "");
	if (h_write_file(conf_path, text) == 0) {
		const char *argv[] = { "/usr/sbin/mosquitto", "-c", conf_path,
		    NULL };

		pid = h_spawn(argv, out_path);
		if (pid > 0 && h_wait_for_tcp(port, 5000) == -1) {
			fprintf(stderr, "harness: mosquitto on port %d did not "
			    "start (see %s)\n", port, out_path);
			h_stop(pid, SIGKILL, 1000);
			pid = -1;
		}
	}
	free(text);
	free(conf_path);
	free(log_path);
	free(out_path);
	return pid;
}

pid_t
h_start_sim(const char *dir, const char *link, const char *const extra[])
{
#ifdef MPPD_SIM_BIN
	const char *argv[64];
	const char *ready = "mppd-sim: ready on";
	char *out_path, *text;
	int n = 0, before;
	pid_t pid;

	argv[n++] = MPPD_SIM_BIN;
	argv[n++] = "--link";
	argv[n++] = link;
	for (int k = 0; extra != NULL && extra[k] != NULL && n < 63; k++)
		argv[n++] = extra[k];
	argv[n] = NULL;
	out_path = h_path(dir, "sim.out");
	/* The same dir may see several sims (a replug): count, don't search. */
	before = h_count_text(out_path, ready);
	pid = h_spawn(argv, out_path);
	if (pid > 0 && h_wait_for_count(out_path, ready, before + 1, 5000) == -1) {
		text = h_read_file(out_path, NULL);
		fprintf(stderr, "harness: mppd-sim on %s did not get ready; "
		    "output:\n%s\n", link, text ? text : "(none)");
		free(text);
		h_stop(pid, SIGKILL, 1000);
		pid = -1;
	}
	free(out_path);
	return pid;
#else
	(void)dir;
	(void)link;
	(void)extra;
	fprintf(stderr, "harness: built without MPPD_SIM_BIN\n");
	return -1;
#endif
}

long
h_rss_kb(pid_t pid)
{
	char path[64], *text, *p;
	long kb = -1;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((text = h_read_file(path, NULL)) == NULL)
		return -1;
	if ((p = strstr(text, "VmRSS:")) != NULL)
		kb = strtol(p + 6, NULL, 10);
	free(text);
	return kb;
}

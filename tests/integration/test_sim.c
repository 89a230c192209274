/*
 * test_sim.c - mppd-sim as a client sees it: a serial port at a path that
 * answers PI30 frames, remembers settings, paces its replies and injects
 * the faults it is asked for.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "testmain.h"
#include "harness.h"
#include "crc.h"

#define FAST_BAUD	115200
#define REPLY_MS	3000	/* generous: a reply at 115200 takes ~10 ms */
#define QUIET_MS	400	/* "no reply" is checked over this long */

struct simt {
	char	*dir;
	char	*link;
	char	*out;		/* the sim's stdout+stderr */
	char	*log;		/* its --log file */
	pid_t	 pid;
	int	 fd;
};

/* ---- helpers ------------------------------------------------------- */

/* Starts mppd-sim on t->link with extra options (NULL-terminated). */
static pid_t
sim_start(struct simt *t, const char *const extra[])
{
	pid_t pid = h_start_sim(t->dir, t->link, extra);

	assert_true(pid > 0);
	assert_int_equal(h_wait_for_file(t->link, 1000), 0);
	return pid;
}

/* Opens the port as a client would: raw 8N1 at baud. */
static int
port_open(const char *path, speed_t speed)
{
	struct termios tio;
	int fd;

	fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(tcgetattr(fd, &tio), 0);
	cfmakeraw(&tio);
	tio.c_cflag |= CLOCAL | CREAD;
	tio.c_cflag &= ~(tcflag_t)(CSTOPB | PARENB);
	cfsetspeed(&tio, speed);
	assert_int_equal(tcsetattr(fd, TCSANOW, &tio), 0);
	return fd;
}

/* Starts a sim with extra options and opens its port at FAST_BAUD. */
static void
sim_up(struct simt *t, const char *const extra[])
{
	const char *opts[24];
	int n = 0;

	opts[n++] = "--baud";
	opts[n++] = "115200";
	for (int k = 0; extra != NULL && extra[k] != NULL && n < 22; k++)
		opts[n++] = extra[k];
	opts[n] = NULL;
	t->pid = sim_start(t, opts);
	t->fd = port_open(t->link, B115200);
}

/* text + CRC + CR into out; returns the length. */
static size_t
make_request(const char *text, uint8_t *out)
{
	size_t n = strlen(text);

	memcpy(out, text, n);
	crc_pi(text, n, out + n);
	out[n + 2] = '\r';
	return n + 3;
}

static void
send_raw(int fd, const void *buf, size_t len)
{
	tcflush(fd, TCIFLUSH);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
}

static void
send_cmd(int fd, const char *text)
{
	uint8_t req[300];

	send_raw(fd, req, make_request(text, req));
}

/*
 * Reads until CR or timeout into buf (NUL-terminated).  Returns the length
 * including the CR, or the negative count of bytes read on timeout.
 */
static long
read_reply(int fd, char *buf, size_t cap, int timeout_ms)
{
	long deadline = h_now_ms() + timeout_ms;
	size_t n = 0;

	while (n + 1 < cap) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		long left = deadline - h_now_ms();
		ssize_t r;

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			break;
		if ((r = read(fd, buf + n, 1)) != 1)
			break;
		n++;
		if (buf[n - 1] == '\r') {
			buf[n] = '\0';
			return (long)n;
		}
	}
	buf[n] = '\0';
	return -(long)n;
}

static long
transact(int fd, const char *text, char *buf, size_t cap)
{
	send_cmd(fd, text);
	return read_reply(fd, buf, cap, REPLY_MS);
}

/* 1 when buf[0..len) is '(' ... CRC CR with a correct CRC. */
static int
frame_ok(const char *buf, long len)
{
	uint8_t crc[2];

	if (len < 4 || buf[0] != '(' || buf[len - 1] != '\r')
		return 0;
	crc_pi(buf, (size_t)len - 3, crc);
	return (uint8_t)buf[len - 3] == crc[0] && (uint8_t)buf[len - 2] == crc[1];
}

/* The payload of a good reply (between '(' and the CRC), caller frees. */
static char *
query(struct simt *t, const char *cmd)
{
	char buf[600];
	long n = transact(t->fd, cmd, buf, sizeof(buf));

	if (n <= 0)
		fail_msg("%s: no reply (got %ld bytes)", cmd, -n);
	if (!frame_ok(buf, n))
		fail_msg("%s: bad frame \"%s\"", cmd, buf);
	buf[n - 3] = '\0';
	return strdup(buf + 1);
}

static int
count_fields(const char *payload)
{
	int n = 0, in = 0;

	for (const char *p = payload; *p; p++) {
		if (*p != ' ' && !in)
			n++;
		in = *p != ' ';
	}
	return n;
}

/* Field idx (1-based) of a space-separated payload, in a static buffer. */
static const char *
field(const char *payload, int idx)
{
	static char out[64];
	const char *p = payload;
	size_t len;

	for (int i = 1; i < idx && p != NULL; i++)
		if ((p = strchr(p, ' ')) != NULL)
			p++;
	if (p == NULL)
		return "";
	len = strcspn(p, " ");
	if (len >= sizeof(out))
		len = sizeof(out) - 1;
	memcpy(out, p, len);
	out[len] = '\0';
	return out;
}

static void
expect_reply(struct simt *t, const char *cmd, const char *payload)
{
	char *got = query(t, cmd);

	assert_string_equal(got, payload);
	free(got);
}

static void
expect_field(struct simt *t, const char *cmd, int idx, const char *value)
{
	char *got = query(t, cmd);

	if (strcmp(field(got, idx), value) != 0)
		fail_msg("%s field %d: expected \"%s\", got \"%s\" in \"%s\"",
		    cmd, idx, value, field(got, idx), got);
	free(got);
}

static void
expect_fields(struct simt *t, const char *cmd, int n)
{
	char *got = query(t, cmd);

	if (count_fields(got) != n)
		fail_msg("%s: expected %d fields, got %d in \"%s\"", cmd, n,
		    count_fields(got), got);
	free(got);
}

/* Asserts that nothing (no CR-terminated line) arrives for QUIET_MS. */
static void
expect_silence(struct simt *t)
{
	char buf[300];

	assert_true(read_reply(t->fd, buf, sizeof(buf), QUIET_MS) <= 0);
}

static int
setup(void **state)
{
	struct simt *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	t->dir = h_tmpdir();
	assert_non_null(t->dir);
	t->link = h_path(t->dir, "ttyUSB-sim");
	t->out = h_path(t->dir, "sim.out");
	t->log = h_path(t->dir, "sim.log");
	t->fd = -1;
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct simt *t = *state;

	if (t->fd != -1)
		close(t->fd);
	if (t->pid > 0)
		h_stop(t->pid, SIGTERM, 2000);
	h_cleanup_all();
	h_rmrf(t->dir);
	free(t->dir);
	free(t->link);
	free(t->out);
	free(t->log);
	free(t);
	return 0;
}

/* ---- the tests ----------------------------------------------------- */

static void
test_sim_prints_ready_line_and_links_pts(void **state)
{
	struct simt *t = *state;
	char target[64], needle[512];
	ssize_t n;

	sim_up(t, NULL);
	n = readlink(t->link, target, sizeof(target) - 1);
	assert_true(n > 0);
	target[n] = '\0';
	assert_true(strncmp(target, "/dev/pts/", 9) == 0);
	snprintf(needle, sizeof(needle), "mppd-sim: ready on %s (%s)\n",
	    t->link, target);
	assert_int_equal(h_count_text(t->out, needle), 1);
}

static void
test_sim_qpi_reports_pi30(void **state)
{
	struct simt *t = *state;
	char buf[64];
	long n;

	sim_up(t, NULL);
	n = transact(t->fd, "QPI", buf, sizeof(buf));
	/* The exact bytes from docs/protocols.md: (PI30 9A 0B CR. */
	assert_int_equal(n, 8);
	assert_memory_equal(buf, "(PI30\x9a\x0b\r", 8);
}

static void
test_sim_pi30_replies_match_table_field_counts(void **state)
{
	struct simt *t = *state;
	char *p;

	sim_up(t, NULL);
	expect_fields(t, "QPIGS", 21);
	expect_fields(t, "QPIRI", 27);
	expect_fields(t, "QDI", 26);
	expect_fields(t, "Q1", 17);
	expect_fields(t, "QPGS0", 29);
	expect_fields(t, "QMCHGCR", 12);
	expect_fields(t, "QMUCHGCR", 13);
	expect_fields(t, "QBMS", 10);
	expect_reply(t, "QMOD", "L");
	expect_reply(t, "QPIWS", "00000000000000000000000000000000");
	expect_reply(t, "QFLAG", "EakxyDbjuvz");
	expect_reply(t, "QID", "92932004102453");
	expect_reply(t, "QVFW", "VERFW:00072.70");
	p = query(t, "QPIGS");
	/* Formats as the table's canned reply: battery "NN.NN", flags 8 bits. */
	assert_int_equal(strlen(field(p, 9)), 5);
	assert_int_equal(field(p, 9)[2], '.');
	assert_int_equal(strlen(field(p, 17)), 8);
	assert_int_equal(strlen(field(p, 20)), 5);
	free(p);
}

static void
test_sim_pi30max_replies_match_table_field_counts(void **state)
{
	struct simt *t = *state;
	const char *opts[] = { "--protocol", "PI30MAX", NULL };
	char *p;

	sim_up(t, opts);
	expect_fields(t, "QPIGS", 24);
	expect_fields(t, "QPIRI", 28);
	expect_fields(t, "QPIGS2", 3);
	expect_fields(t, "QPGS0", 29);
	expect_reply(t, "QPIWS", "000000000000000000000000000000000000");
	expect_reply(t, "QFLAG", "EakxyDbduvz");
	expect_reply(t, "QVFW2", "NAK");
	p = query(t, "QPIGS");
	assert_int_equal(field(p, 13)[2], '.');	/* PV1 current "NN.N" */
	free(p);
}

static void
test_sim_pop02_sets_output_priority_sbu(void **state)
{
	struct simt *t = *state;

	sim_up(t, NULL);
	expect_field(t, "QPIRI", 17, "0");
	expect_reply(t, "POP02", "ACK");
	expect_field(t, "QPIRI", 17, "2");
	expect_reply(t, "QMOD", "B");
	expect_reply(t, "POP00", "ACK");
	expect_field(t, "QPIRI", 17, "0");
	expect_reply(t, "QMOD", "L");
}

static void
test_sim_setters_change_qpiri(void **state)
{
	struct simt *t = *state;

	sim_up(t, NULL);
	expect_reply(t, "PCP03", "ACK");
	expect_field(t, "QPIRI", 18, "3");
	expect_reply(t, "MCHGC100", "ACK");
	expect_field(t, "QPIRI", 15, "100");
	expect_reply(t, "MUCHGC002", "ACK");
	expect_field(t, "QPIRI", 14, "02");
	expect_reply(t, "PBCV45.0", "ACK");
	expect_field(t, "QPIRI", 9, "45.0");
	expect_reply(t, "PSDV44.0", "ACK");
	expect_field(t, "QPIRI", 10, "44.0");
	expect_reply(t, "PCVV57.6", "ACK");
	expect_field(t, "QPIRI", 11, "57.6");
	expect_reply(t, "PBFT55.2", "ACK");
	expect_field(t, "QPIRI", 12, "55.2");
	expect_reply(t, "PBT01", "ACK");
	expect_field(t, "QPIRI", 13, "1");
	expect_reply(t, "PBDV52.0", "ACK");
	expect_field(t, "QPIRI", 23, "52.0");
}

static void
test_sim_mchgc_bad_value_is_nak(void **state)
{
	struct simt *t = *state;

	sim_up(t, NULL);
	expect_reply(t, "MCHGC015", "NAK");	/* not a QMCHGCR option */
	expect_reply(t, "MCHGC1000", "NAK");	/* wrong shape */
	expect_reply(t, "MUCHGC005", "NAK");
	expect_reply(t, "PBCV60.0", "NAK");	/* outside a 48 V window */
	expect_field(t, "QPIRI", 15, "060");
	expect_field(t, "QPIRI", 14, "30");
	expect_field(t, "QPIRI", 9, "46.0");
}

static void
test_sim_pe_pd_change_qflag(void **state)
{
	struct simt *t = *state;

	sim_up(t, NULL);
	expect_reply(t, "QFLAG", "EakxyDbjuvz");
	expect_reply(t, "PEbj", "ACK");
	expect_reply(t, "PDa", "ACK");
	expect_reply(t, "QFLAG", "EbjkxyDauvz");
	expect_reply(t, "PEq", "NAK");		/* not a QFLAG letter */
	expect_reply(t, "QFLAG", "EbjkxyDauvz");
}

static void
test_sim_unknown_command_is_nak(void **state)
{
	struct simt *t = *state;

	sim_up(t, NULL);
	expect_reply(t, "XYZZY", "NAK");
	expect_reply(t, "POP09", "NAK");
	expect_reply(t, "QPIGS2", "NAK");	/* PI30MAX only */
	expect_reply(t, "QPI", "PI30");
}

static void
test_sim_bad_request_crc_is_nak(void **state)
{
	struct simt *t = *state;
	char buf[64];

	sim_up(t, NULL);
	send_raw(t->fd, "QPIGS\x01\x02\r", 8);
	assert_int_equal(read_reply(t->fd, buf, sizeof(buf), REPLY_MS), 7);
	assert_memory_equal(buf, "(NAKss\r", 7);
	expect_reply(t, "QPI", "PI30");
}

static void
test_sim_resyncs_after_junk(void **state)
{
	struct simt *t = *state;
	uint8_t req[64];
	size_t n;

	sim_up(t, NULL);
	/* A stray CR, an LF, NUL padding, then a real request. */
	memcpy(req, "\r\n\0\0", 4);
	n = 4 + make_request("QMOD", req + 4);
	send_raw(t->fd, req, n);
	{
		char buf[64];
		long r = read_reply(t->fd, buf, sizeof(buf), REPLY_MS);

		assert_true(r > 0);
		assert_true(frame_ok(buf, r));
		assert_memory_equal(buf, "(L", 2);
	}
	expect_reply(t, "QPI", "PI30");
}

static void
test_sim_silent_every_gives_no_reply_then_recovers(void **state)
{
	struct simt *t = *state;
	const char *opts[] = { "--silent-every", "2", NULL };

	sim_up(t, opts);
	expect_reply(t, "QPI", "PI30");
	send_cmd(t->fd, "QPI");
	expect_silence(t);
	expect_reply(t, "QPI", "PI30");
}

static void
test_sim_bad_crc_every_corrupts_crc_then_recovers(void **state)
{
	struct simt *t = *state;
	const char *opts[] = { "--bad-crc-every", "1", NULL };
	char buf[64];
	long n;

	sim_up(t, opts);
	n = transact(t->fd, "QPI", buf, sizeof(buf));
	assert_int_equal(n, 8);
	assert_memory_equal(buf, "(PI30", 5);
	assert_false(frame_ok(buf, n));
	h_stop(t->pid, SIGTERM, 2000);
	close(t->fd);
	{
		const char *o2[] = { "--bad-crc-every", "2", NULL };

		sim_up(t, o2);
	}
	expect_reply(t, "QPI", "PI30");
	n = transact(t->fd, "QPI", buf, sizeof(buf));
	assert_true(n == 8 && !frame_ok(buf, n));
	expect_reply(t, "QPI", "PI30");
}

static void
test_sim_nak_every_naks_then_recovers(void **state)
{
	struct simt *t = *state;
	const char *opts[] = { "--nak-every", "2", NULL };

	sim_up(t, opts);
	expect_reply(t, "QPI", "PI30");
	expect_reply(t, "QPI", "NAK");
	expect_reply(t, "QPI", "PI30");
	expect_reply(t, "POP02", "NAK");	/* NAKed setter: not applied */
	expect_field(t, "QPIRI", 17, "0");
}

static void
test_sim_garbage_every_sends_non_frame_then_recovers(void **state)
{
	struct simt *t = *state;
	const char *opts[] = { "--garbage-every", "1", "--nak-every", "1000",
	    NULL };
	char buf[128];
	long n;

	sim_up(t, opts);
	n = transact(t->fd, "QPIGS", buf, sizeof(buf));
	assert_true(n >= 9);
	assert_int_not_equal(buf[0], '(');
	assert_false(frame_ok(buf, n));
	for (long i = 0; i < n - 1; i++)
		assert_true(buf[i] > 0x20 && buf[i] < 0x7f);
	h_stop(t->pid, SIGTERM, 2000);
	close(t->fd);
	{
		const char *o2[] = { "--garbage-every", "2", NULL };

		sim_up(t, o2);
	}
	expect_reply(t, "QPI", "PI30");
	n = transact(t->fd, "QPI", buf, sizeof(buf));
	assert_true(n > 0 && !frame_ok(buf, n));
	expect_reply(t, "QPI", "PI30");
}

static void
test_sim_echo_every_returns_request_then_recovers(void **state)
{
	struct simt *t = *state;
	const char *opts[] = { "--echo-every", "2", NULL };
	uint8_t req[32];
	char buf[64];
	size_t rl;
	long n;

	sim_up(t, opts);
	expect_reply(t, "QPI", "PI30");
	rl = make_request("QPIGS", req);
	send_raw(t->fd, req, rl);
	n = read_reply(t->fd, buf, sizeof(buf), REPLY_MS);
	assert_int_equal(n, (long)rl);
	assert_memory_equal(buf, req, rl);
	expect_reply(t, "QPI", "PI30");
}

static void
test_sim_delay_ms_delays_every_reply(void **state)
{
	struct simt *t = *state;
	const char *opts[] = { "--delay-ms", "300", NULL };
	long t0;

	sim_up(t, opts);
	for (int i = 0; i < 2; i++) {
		t0 = h_now_ms();
		expect_reply(t, "QPI", "PI30");
		assert_true(h_now_ms() - t0 >= 300);
	}
}

static void
test_sim_vanish_after_removes_link_and_replug_answers(void **state)
{
	struct simt *t = *state;
	const char *opts[] = { "--vanish-after", "2", NULL };
	struct pollfd pfd;
	char buf[16];
	int st;

	sim_up(t, opts);
	expect_reply(t, "QPI", "PI30");
	expect_reply(t, "QMOD", "L");
	/* Unplugged: the process exits 0, the link goes, the port hangs up. */
	assert_int_equal(h_wait_exit(t->pid, 3000, &st), 0);
	t->pid = 0;
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_int_equal(h_wait_for_gone(t->link, 1000), 0);
	pfd = (struct pollfd){ t->fd, POLLIN, 0 };
	assert_int_equal(poll(&pfd, 1, 2000), 1);
	assert_true(pfd.revents & (POLLHUP | POLLERR) ||
	    read(t->fd, buf, sizeof(buf)) <= 0);
	close(t->fd);
	t->fd = -1;
	/* Replugged: a new simulator on the same path. */
	sim_up(t, NULL);
	expect_reply(t, "QPI", "PI30");
}

static void
test_sim_sigterm_exits_zero_and_removes_link(void **state)
{
	struct simt *t = *state;

	sim_up(t, NULL);
	expect_reply(t, "QPI", "PI30");
	assert_int_equal(h_stop(t->pid, SIGTERM, 3000), 0);
	t->pid = 0;
	assert_int_equal(h_wait_for_gone(t->link, 1000), 0);
}

static void
test_sim_sigterm_during_long_delay_exits_promptly(void **state)
{
	struct simt *t = *state;
	const char *opts[] = { "--delay-ms", "60000", NULL };
	long t0;

	sim_up(t, opts);
	send_cmd(t->fd, "QPI");
	h_sleep_ms(100);
	t0 = h_now_ms();
	assert_int_equal(h_stop(t->pid, SIGTERM, 5000), 0);
	t->pid = 0;
	assert_true(h_now_ms() - t0 < 5000);
	assert_int_equal(h_wait_for_gone(t->link, 1000), 0);
}

static void
test_sim_log_records_each_command(void **state)
{
	struct simt *t = *state;
	const char *opts[] = { "--log", t->log, NULL };
	char buf[64], *text;

	sim_up(t, opts);
	expect_reply(t, "POP02", "ACK");
	free(query(t, "QPIGS"));
	send_raw(t->fd, "QMOD\x01\x02\r", 7);
	assert_int_equal(read_reply(t->fd, buf, sizeof(buf), REPLY_MS), 7);
	expect_reply(t, "QPI", "PI30");
	/* Each line is written before the reply goes out. */
	text = h_read_file(t->log, NULL);
	assert_non_null(text);
	assert_string_equal(text, "POP02\nQPIGS\nQMOD [bad crc]\nQPI\n");
	free(text);
	assert_int_equal(h_count_text(t->log, "POP01"), 0);
}

static void
test_sim_replaces_stale_symlink(void **state)
{
	struct simt *t = *state;

	assert_int_equal(symlink("/dev/pts/does-not-exist", t->link), 0);
	sim_up(t, NULL);
	expect_reply(t, "QPI", "PI30");
}

static void
test_sim_refuses_to_replace_a_regular_file(void **state)
{
	struct simt *t = *state;
	const char *argv[] = { MPPD_SIM_BIN, "--link", t->link, NULL };
	char *err = NULL;

	assert_int_equal(h_write_file(t->link, "precious\n"), 0);
	assert_int_equal(h_run(argv, NULL, &err, 5000), 1);
	assert_non_null(strstr(err, "not a symlink"));
	free(err);
	assert_int_equal(h_count_text(t->link, "precious"), 1);
}

static void
test_sim_client_can_close_and_reopen(void **state)
{
	struct simt *t = *state;

	sim_up(t, NULL);
	expect_reply(t, "POP01", "ACK");
	for (int i = 0; i < 3; i++) {
		close(t->fd);
		t->fd = port_open(t->link, B115200);
		expect_field(t, "QPIRI", 17, "1");
	}
}

static void
test_sim_2400_baud_reply_takes_its_wire_time(void **state)
{
	struct simt *t = *state;
	const char *opts[] = { "--baud", "2400", NULL };
	char buf[300];
	long t0, ms, n;

	t->pid = sim_start(t, opts);
	t->fd = port_open(t->link, B2400);
	t0 = h_now_ms();
	n = transact(t->fd, "QPIGS", buf, sizeof(buf));
	ms = h_now_ms() - t0;
	assert_true(n > 100);
	assert_true(frame_ok(buf, n));
	/* 10 bits a byte at 2400 baud: a lower bound only. */
	if (ms < n * 10 * 1000 / 2400)
		fail_msg("%ld-byte reply took %ld ms, wire time is %ld ms", n,
		    ms, n * 10 * 1000 / 2400);
}

static void
test_sim_bad_options_exit_2(void **state)
{
	struct simt *t = *state;
	const char *bad[][6] = {
		{ MPPD_SIM_BIN, NULL },
		{ MPPD_SIM_BIN, "--link", t->link, "--baud", "fast", NULL },
		{ MPPD_SIM_BIN, "--link", t->link, "--protocol", "PI99", NULL },
		{ MPPD_SIM_BIN, "--link", t->link, "--nak-every", "0", NULL },
		{ MPPD_SIM_BIN, "--link", t->link, "--frobnicate", NULL },
		{ MPPD_SIM_BIN, "--link", NULL },
	};
	const char *needles[] = { "--link PATH is required", "--baud \"fast\"",
	    "--protocol \"PI99\"", "--nak-every \"0\"", "--frobnicate",
	    "needs a value" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *err = NULL;

		assert_int_equal(h_run(bad[i], NULL, &err, 5000), 2);
		if (strstr(err, needles[i]) == NULL)
			fail_msg("case %zu: \"%s\" not in \"%s\"", i,
			    needles[i], err);
		free(err);
	}
	assert_int_equal(h_wait_for_gone(t->link, 0), 0);
}

static void
test_sim_help_prints_usage(void **state)
{
	const char *argv[] = { MPPD_SIM_BIN, "--help", NULL };
	char *out = NULL;

	(void)state;
	assert_int_equal(h_run(argv, &out, NULL, 5000), 0);
	assert_non_null(strstr(out, "usage: mppd-sim --link PATH"));
	assert_non_null(strstr(out, "--vanish-after"));
	free(out);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup_teardown(test_sim_prints_ready_line_and_links_pts, setup, teardown),
	cmocka_unit_test_setup_teardown(test_sim_qpi_reports_pi30, setup, teardown),
	cmocka_unit_test_setup_teardown(test_sim_pi30_replies_match_table_field_counts, setup, teardown),
	cmocka_unit_test_setup_teardown(test_sim_pi30max_replies_match_table_field_counts, setup, teardown),
	cmocka_unit_test_setup_teardown(test_sim_pop02_sets_output_priority_sbu, setup, teardown),
	cmocka_unit_test_setup_teardown(test_sim_setters_change_qpiri, setup, teardown),
	cmocka_unit_test_setup_teardown(test_sim_mchgc_bad_value_is_nak, setup, teardown),
	cmocka_unit_test_setup_teardown(test_sim_pe_pd_change_qflag, setup, teardown),
	cmocka_unit_test_setup_teardown(test_sim_unknown_command_is_nak, setup, teardown),
	cmocka_unit_test_setup_teardown(test_sim_bad_request_crc_is_nak, setup, teardown),
	cmocka_unit_test_setup_teardown(test_sim_resyncs_after_junk, setup, teardown),
	cmocka_unit_test_setup_teardown(test_sim_silent_every_gives_no_reply_then_recovers, setup, teardown),
	cmocka_unit_test_setup_teardown(test_sim_bad_crc_every_corrupts_crc_then_recovers, setup, teardown),
	cmocka_unit_test_setup_teardown(test_sim_nak_every_naks_then_recovers, setup, teardown),
	cmocka_unit_test_setup_teardown(test_sim_garbage_every_sends_non_frame_then_recovers, setup, teardown),
	cmocka_unit_test_setup_teardown(test_sim_echo_every_returns_request_then_recovers, setup, teardown),
	cmocka_unit_test_setup_teardown(test_sim_delay_ms_delays_every_reply, setup, teardown),
	cmocka_unit_test_setup_teardown(test_sim_vanish_after_removes_link_and_replug_answers, setup, teardown),
	cmocka_unit_test_setup_teardown(test_sim_sigterm_exits_zero_and_removes_link, setup, teardown),
	cmocka_unit_test_setup_teardown(test_sim_sigterm_during_long_delay_exits_promptly, setup, teardown),
	cmocka_unit_test_setup_teardown(test_sim_log_records_each_command, setup, teardown),
	cmocka_unit_test_setup_teardown(test_sim_replaces_stale_symlink, setup, teardown),
	cmocka_unit_test_setup_teardown(test_sim_refuses_to_replace_a_regular_file, setup, teardown),
	cmocka_unit_test_setup_teardown(test_sim_client_can_close_and_reopen, setup, teardown),
	cmocka_unit_test_setup_teardown(test_sim_2400_baud_reply_takes_its_wire_time, setup, teardown),
	cmocka_unit_test_setup_teardown(test_sim_bad_options_exit_2, setup, teardown),
	cmocka_unit_test_setup_teardown(test_sim_help_prints_usage, setup, teardown),
};

MPPD_TEST_MAIN(tests)

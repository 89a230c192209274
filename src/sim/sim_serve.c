/*
 * sim_serve.c - the simulator's loop: read requests from the pty master,
 * decide the reply (model + fault schedule), and send it paced at the baud
 * rate.  A VE.Direct monitor also streams a text block every stream_ms
 * without being asked.
 *
 * Timing: a byte takes 10 bit times (8N1).  The request's own wire time is
 * added before the reply starts (the client wrote it in one go, a real
 * device would only have its last byte that much later), then each chunk of
 * the reply is written when its last byte would have arrived, using
 * absolute CLOCK_MONOTONIC deadlines so sleep overshoot never accumulates.
 * Chunks are about one millisecond of line time, one byte at low rates.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "sim.h"

#define SERVE_FRAME_MAX		(SIM_REPLY_MAX + 8)
#define SERVE_BMS_MAX		1024	/* a battery reply: 16 Daly frames... */
#define SERVE_POLL_MS		500
#define SERVE_WRITE_WAIT_MS	1000

struct serve {
	const struct sim_opts	*o;
	volatile sig_atomic_t	*stop;
	struct sim_pty		 pty;
	struct sim_inverter	 inv;
	struct sim_rx		 rx;
	int			 logfd;
	unsigned long		 ncmd;
	long long		 t0_ns;
	long long		 byte_ns;
	uint32_t		 rng;
	unsigned long		 nframes;	/* VED text blocks due so far */
	long long		 next_frame_ns;
};

/* CLOCK_MONOTONIC in nanoseconds. */
static long long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * Sleeps until the absolute monotonic time t; -1 if asked to stop.  Sleeps
 * in slices of at most 100 ms and looks at the stop flag after each: a
 * signal does not always interrupt the sleep (under ThreadSanitizer the
 * handler runs only after the call returns).
 */
static int
sleep_until(struct serve *s, long long t)
{
	const long long slice = 100000000LL;

	while (!*s->stop) {
		long long now = now_ns(), until = t;
		struct timespec ts;

		if (now >= t)
			return 0;
		if (until - now > slice)
			until = now + slice;
		ts.tv_sec = (time_t)(until / 1000000000LL);
		ts.tv_nsec = (long)(until % 1000000000LL);
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	}
	return -1;
}

/* Writes all of buf to the master, waiting (bounded) while it is full. */
static int
write_all(struct serve *s, const uint8_t *buf, size_t len)
{
	struct pollfd pfd = { s->pty.master, POLLOUT, 0 };
	size_t off = 0;
	ssize_t w;

	while (off < len) {
		w = write(s->pty.master, buf + off, len - off);
		if (w > 0) {
			off += (size_t)w;
			continue;
		}
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1 && errno == EAGAIN &&
		    poll(&pfd, 1, SERVE_WRITE_WAIT_MS) > 0)
			continue;
		log_warn("write to %s: %s; reply dropped", s->pty.slave_path,
		    w == -1 && errno != EAGAIN ? strerror(errno) :
		    "nobody is reading");
		return -1;
	}
	return 0;
}

/*
 * Sends frame as a device at the configured baud would, starting at start
 * (monotonic ns).  Returns 0, or -1 when stopped or the write failed.
 */
static int
send_paced(struct serve *s, const uint8_t *frame, size_t len, long long start)
{
	size_t chunk = (size_t)(s->o->baud / 10000), sent = 0, n;

	if (chunk == 0)
		chunk = 1;
	while (sent < len) {
		n = len - sent < chunk ? len - sent : chunk;
		if (sleep_until(s, start + (long long)(sent + n) * s->byte_ns)
		    == -1)
			return -1;
		if (write_all(s, frame + sent, n) == -1)
			return -1;
		sent += n;
	}
	return 0;
}

/* Appends one line to the --log file: the command text, flushed at once. */
static void
log_request(struct serve *s, const struct sim_req *req)
{
	char line[SIM_RX_MAX * 4 + 32];
	size_t n;

	if (s->logfd == -1)
		return;
	frame_printable(req->text, req->text_len, line, sizeof(line) - 16);
	if (!req->crc_ok)
		strcat(line, " [bad crc]");
	n = strlen(line);
	line[n++] = '\n';
	if (write(s->logfd, line, n) != (ssize_t)n)
		log_warn("--log: write failed: %s", strerror(errno));
}

/* The reply the model gives, or NAK for a request with a bad CRC. */
static size_t
build_reply(struct serve *s, const struct sim_req *req, uint8_t *frame)
{
	char payload[SIM_REPLY_MAX];

	if (fam_is(s->inv.proto))
		return req->crc_ok ? fam_reply(&s->inv, req->text,
		    (double)(now_ns() - s->t0_ns) / 1e9, time(NULL), frame,
		    SERVE_FRAME_MAX) : fam_nak(s->inv.proto, frame,
		    SERVE_FRAME_MAX);
	if (!req->crc_ok)
		snprintf(payload, sizeof(payload), "NAK");
	else
		model_handle(&s->inv, req->text,
		    (double)(now_ns() - s->t0_ns) / 1e9, time(NULL), payload,
		    sizeof(payload));
	return frame_build(payload, frame, SERVE_FRAME_MAX);
}

/* For the -v log. */
static const char *const action_names[] = {
	[SIM_ACT_REPLY] = "reply", [SIM_ACT_SILENT] = "silent",
	[SIM_ACT_ECHO] = "echo", [SIM_ACT_GARBAGE] = "garbage",
	[SIM_ACT_NAK] = "nak", [SIM_ACT_BADCRC] = "bad-crc",
	[SIM_ACT_TRUNCATE] = "truncated",
};

/*
 * Handles one request line received at time rx_ns.  Returns 1 when the
 * device should now vanish, 0 to go on, -1 when stopped.
 */
static int
handle_request(struct serve *s, const struct sim_req *req, long long rx_ns)
{
	uint8_t frame[SERVE_FRAME_MAX];
	enum sim_action act;
	char shown[SIM_RX_MAX * 4 + 1];
	size_t len = 0;
	long long start;

	s->ncmd++;
	log_request(s, req);
	act = fault_action(&s->o->faults, s->ncmd);
	switch (act) {
	case SIM_ACT_SILENT:
		break;
	case SIM_ACT_ECHO:
		memcpy(frame, req->raw, req->raw_len);
		len = req->raw_len;
		break;
	case SIM_ACT_GARBAGE:
		len = frame_garbage(&s->rng, frame, sizeof(frame));
		break;
	case SIM_ACT_NAK:
		len = fam_is(s->inv.proto) ? fam_nak(s->inv.proto, frame,
		    sizeof(frame)) : frame_build("NAK", frame, sizeof(frame));
		break;
	case SIM_ACT_REPLY:
	case SIM_ACT_BADCRC:
	case SIM_ACT_TRUNCATE:
		len = build_reply(s, req, frame);
		if (act == SIM_ACT_BADCRC)
			frame_corrupt_crc(frame, len);
		if (act == SIM_ACT_TRUNCATE)
			len /= 2;
		break;
	}
	frame_printable(req->text, req->text_len, shown, sizeof(shown));
	log_info("#%lu %s%s: %s, %zu bytes", s->ncmd, shown,
	    req->crc_ok ? "" : " (bad CRC)", action_names[act], len);

	if (len > 0) {
		start = rx_ns + (long long)req->raw_len * s->byte_ns +
		    (long long)s->o->faults.delay_ms * 1000000LL;
		if (send_paced(s, frame, len, start) == -1 && *s->stop)
			return -1;
	}
	return fault_vanish_now(&s->o->faults, s->ncmd) ? 1 : 0;
}

/* Appends a line to the --log file (battery requests, VED blocks). */
static void
log_line(struct serve *s, const char *line)
{
	size_t n = strlen(line);

	if (s->logfd != -1 && (write(s->logfd, line, n) != (ssize_t)n ||
	    write(s->logfd, "\n", 1) != 1))
		log_warn("--log: write failed: %s", strerror(errno));
}

/* One battery monitor request: the reply after the fault schedule. */
static int
handle_bms(struct serve *s, const uint8_t *req, size_t n, long long rx_ns)
{
	uint8_t frame[SERVE_BMS_MAX];
	enum sim_action act;
	size_t len = 0;
	char line[64];

	s->ncmd++;
	bms_advance(&s->inv.bms, (double)(now_ns() - s->t0_ns) / 1e9);
	act = fault_action(&s->o->faults, s->ncmd);
	snprintf(line, sizeof(line), "request %02x%02x%02x", req[0],
	    n > 1 ? req[1] : 0, n > 2 ? req[2] : 0);
	log_line(s, line);
	if (act != SIM_ACT_SILENT)
		len = bms_reply(&s->inv.bms, req, n, frame, sizeof(frame));
	if (act == SIM_ACT_BADCRC)
		bms_corrupt(s->inv.proto, frame, len);
	if (act == SIM_ACT_TRUNCATE)
		len /= 2;
	log_info("#%lu: %s, %zu bytes", s->ncmd, act == SIM_ACT_REPLY ?
	    "reply" : act == SIM_ACT_SILENT ? "silent" :
	    act == SIM_ACT_TRUNCATE ? "truncated" : "fault", len);
	if (len > 0 && send_paced(s, frame, len, rx_ns + (long long)n *
	    s->byte_ns + (long long)s->o->faults.delay_ms * 1000000LL) == -1 &&
	    *s->stop)
		return -1;
	return fault_vanish_now(&s->o->faults, s->ncmd) ? 1 : 0;
}

/*
 * VE.Direct: the next text block when it is due (faults count blocks:
 * silent skips one, bad-crc spoils its checksum, truncate cuts it).
 */
static int
ved_tick(struct serve *s)
{
	uint8_t block[512];
	enum sim_action act;
	size_t len;
	char line[64];
	long long now = now_ns();

	if (now < s->next_frame_ns)
		return 0;
	s->next_frame_ns += (long long)s->o->stream_ms * 1000000LL;
	if (s->next_frame_ns < now)
		s->next_frame_ns = now + (long long)s->o->stream_ms * 1000000LL;
	s->nframes++;
	bms_advance(&s->inv.bms, (double)(now - s->t0_ns) / 1e9);
	len = bms_ved_block(&s->inv.bms, block, sizeof(block));
	act = fault_action(&s->o->faults, s->nframes);
	if (act == SIM_ACT_SILENT)
		len = 0;
	if (act == SIM_ACT_BADCRC)
		bms_corrupt(SIM_VED, block, len);
	if (act == SIM_ACT_TRUNCATE)
		len /= 2;
	snprintf(line, sizeof(line), "frame %lu %s", s->nframes,
	    act == SIM_ACT_REPLY ? "ok" : act == SIM_ACT_SILENT ? "silent" :
	    act == SIM_ACT_BADCRC ? "bad-checksum" : "fault");
	log_line(s, line);
	if (len > 0 && send_paced(s, block, len, now) == -1 && *s->stop)
		return -1;
	return fault_vanish_now(&s->o->faults, s->nframes) ? 1 : 0;
}

/*
 * Reads what the master has and handles each complete request in order
 * (a client that pipelines gets its replies one after the other).
 * Returns handle_request's 1 or -1 at once, else 0.
 */
static int
serve_input(struct serve *s)
{
	uint8_t buf[512];
	struct sim_req req;
	ssize_t n;
	int r;

	n = read(s->pty.master, buf, sizeof(buf));
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		/* Cannot happen while we hold the slave; do not spin if it does. */
		log_warn("read %s: %s", s->pty.slave_path,
		    n == 0 ? "end of file" : strerror(errno));
		poll(NULL, 0, 100);
		return 0;
	}
	for (ssize_t i = 0; bms_is(s->inv.proto) && i < n; i++) {
		uint8_t breq[64];
		size_t blen;
		if (bms_feed(&s->inv.bms, buf[i], breq, &blen) == 1 &&
		    (r = handle_bms(s, breq, blen, now_ns())) != 0)
			return r;
	}
	for (ssize_t i = 0; !bms_is(s->inv.proto) && i < n; i++) {
		r = frame_rx_feed(&s->rx, buf[i], &req);
		if (r == -1)
			log_info("junk line ignored");
		if (r != 1)
			continue;
		if (fam_is(s->inv.proto)) {
			/* PI16/PI17/PI18 framing: prefix, no CRC or its own */
			req.crc_ok = fam_parse(s->inv.proto, req.raw,
			    req.raw_len, req.text, sizeof(req.text));
			req.text_len = strlen(req.text);
		}
		if ((r = handle_request(s, &req, now_ns())) != 0)
			return r;
	}
	return 0;
}

/*
 * Runs the simulated inverter until *stop is set (returns 0), the device
 * vanishes as --vanish-after asked (returns 0), or set-up fails (returns
 * -1).  The link is removed and every descriptor closed on return.
 */
int
serve_run(const struct sim_opts *o, volatile sig_atomic_t *stop)
{
	struct serve s;
	struct pollfd pfd;
	int r = 0;

	memset(&s, 0, sizeof(s));
	s.o = o;
	s.stop = stop;
	s.logfd = -1;
	s.t0_ns = now_ns();
	s.byte_ns = 10000000000LL / (long long)o->baud;
	s.rng = (uint32_t)s.t0_ns | 1u;
	model_init(&s.inv, o->proto, (uint32_t)getpid());
	bms_init(&s.inv.bms, o->proto, (uint32_t)getpid());
	s.next_frame_ns = s.t0_ns + (long long)o->stream_after_ms * 1000000LL;
	s.inv.parallel = o->parallel;
	frame_rx_init(&s.rx);
	if (o->log_path != NULL && (s.logfd = open(o->log_path,
	    O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) == -1) {
		log_error("--log %s: %s", o->log_path, strerror(errno));
		return -1;
	}
	if (pty_open(&s.pty, o->link, o->baud) == -1) {
		if (s.logfd != -1)
			close(s.logfd);
		return -1;
	}
	printf("mppd-sim: ready on %s (%s)\n", o->link, s.pty.slave_path);
	fflush(stdout);
	log_info("%s inverter at %lu baud", model_proto_name(o->proto),
	    o->baud);

	while (!*stop) {
		pfd = (struct pollfd){ s.pty.master, POLLIN, 0 };
		r = poll(&pfd, 1, SERVE_POLL_MS);
		if (r == -1 && errno != EINTR) {
			log_error("poll: %s", strerror(errno));
			r = -1;
			break;
		}
		r = 0;
		if (pfd.revents & POLLIN)
			r = serve_input(&s);
		if (r == 0 && o->proto == SIM_VED)
			r = ved_tick(&s);
		else if (pfd.revents & (POLLHUP | POLLERR))
			poll(NULL, 0, 100);
		if (r != 0)
			break;
	}
	if (r == 1) {
		log_info("vanishing after %lu commands", s.ncmd);
		pty_wait_drained(&s.pty, SERVE_WRITE_WAIT_MS);
	}
	pty_close(&s.pty);
	if (s.logfd != -1)
		close(s.logfd);
	return r == -1 && !*stop ? -1 : 0;
}

/*
 * serial_rtt.c - a serial round trip measured from mppd's side: the
 * device layer (device_run: frame, drain, write, read until CR with
 * poll(2), decode) against a simulated inverter on a pseudo-terminal
 * (mppd-sim --baud B), compared with the wire time of request + reply,
 * (request bytes + reply bytes) x 10 bits / baud.  mppd-sim delays its
 * reply by the request's wire time and paces the reply byte by byte, so
 * the wire time is the floor and the excess is mppd's (and the
 * simulator's) overhead.  With --porttype tcp or rfc2217 and a URL as the
 * port, the same exchange goes through a network serial bridge (socat,
 * ser2net) in front of the simulator; the wire time is unchanged, so the
 * excess includes the bridge.
 *
 * usage: serial_rtt --port PATH [--baud B] [--porttype T] [--name NAME]
 *        [-c CMD] [-n N] [-P PROTOCOL]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "config.h"
#include "device.h"
#include "log.h"
#include "port.h"
#include "proto.h"
#include "result.h"
#include "sbuf.h"

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "baud", required_argument, NULL, 'B' },
		{ "porttype", required_argument, NULL, 'T' },
		{ "name", required_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 }
	};
	const char *port = NULL, *proto = "PI30", *cmd = "QPIGS";
	const char *porttype = "serial", *name = "serial_rtt";
	int baud = 2400, n = 10, opt, reqlen, bad = 0;
	struct config c;
	struct device_cfg *dc;
	struct device *d;
	struct port_reply *rep;
	struct result r;
	uint8_t req[512];
	char err[256], extra[256];
	uint64_t *v, t0;
	double wire_us;
	struct bench_stats s;

	while ((opt = getopt_long(argc, argv, "c:n:P:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'p': port = optarg; break;
		case 'B': baud = atoi(optarg); break;
		case 'T': porttype = optarg; break;
		case 'N': name = optarg; break;
		case 'c': cmd = optarg; break;
		case 'n': n = atoi(optarg); break;
		case 'P': proto = optarg; break;
		default:
			fprintf(stderr, "usage: serial_rtt --port PATH [--baud B] "
			    "[-c CMD] [-n N] [-P PROTOCOL]\n");
			return 1;
		}
	}
	if (port == NULL || n <= 0 || baud <= 0)
		return 1;
	log_init("serial_rtt", LOG_LVL_WARN);
	if (proto_init() < 0)
		return 1;
	config_defaults(&c, NULL);
	dc = config_add_device(&c, "bench");
	dc->protocol = xstrdup(proto);
	free(dc->port);
	dc->port = xstrdup(port);
	dc->porttype = xstrdup(porttype);
	dc->baud = baud;
	dc->timeout_ms = 5000;
	d = device_new(dc);
	if (d->proto == NULL || d->port == NULL) {
		fprintf(stderr, "serial_rtt: no device for %s on %s\n", proto,
		    port);
		return 1;
	}
	reqlen = proto_frame(d->proto, cmd, req, sizeof(req), err, sizeof(err));
	if (reqlen < 0) {
		fprintf(stderr, "serial_rtt: %s: %s\n", cmd, err);
		return 1;
	}
	/* The reply's length, from one raw exchange (this also opens the
	 * port, so the timed runs are all alike). */
	rep = calloc(1, sizeof(*rep));
	if (port_transact(d->port, cmd, req, (size_t)reqlen, 5000, rep) < 0 ||
	    rep->len == 0) {
		fprintf(stderr, "serial_rtt: no reply from %s: %s\n", port,
		    rep->err);
		return 1;
	}
	wire_us = (double)((size_t)reqlen + rep->len) * 10.0 / baud * 1e6;

	v = calloc((size_t)n, sizeof(*v));
	for (int i = 0; i < n; i++) {
		result_init(&r);
		t0 = bench_now_ns();
		if (device_run(d, cmd, &r) != 1)
			bad++;
		v[i] = bench_now_ns() - t0;
		result_free(&r);
	}
	bench_stats(v, (size_t)n, &s);
	printf("%s %s at %d baud: %d + %zu bytes = %.1f ms on the wire; "
	    "device_run p50 %.2f ms, mean %.2f ms, max %.2f ms: %+.2f %% "
	    "(p50) over wire time; %d bad replies\n", porttype, cmd, baud, reqlen,
	    rep->len, wire_us / 1000, s.p50_us / 1000, s.mean_us / 1000,
	    s.max_us / 1000, (s.p50_us / wire_us - 1) * 100, bad);
	snprintf(extra, sizeof(extra), "baud=%d req_bytes=%d reply_bytes=%zu "
	    "wire_us=%.0f overhead_p50_pct=%.2f overhead_mean_pct=%.2f bad=%d",
	    baud, reqlen, rep->len, wire_us, (s.p50_us / wire_us - 1) * 100,
	    (s.mean_us / wire_us - 1) * 100, bad);
	bench_print_stats(name, &s, extra);
	free(rep);
	free(v);
	device_free(d);
	config_free(&c);
	return 0;
}

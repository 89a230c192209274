/*
 * sim_main.c - mppd-sim: options, signals, and the hand-over to serve_run.
 *
 * Exit status: 0 after SIGTERM/SIGINT/SIGHUP or a --vanish-after unplug,
 * 1 when the pty or the link cannot be set up, 2 for bad options.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "proto.h"
#include "sim.h"

static volatile sig_atomic_t sim_stop;

/* SIGTERM, SIGINT, SIGHUP: ask serve_run to clean up and return. */
static void
on_signal(int sig)
{
	(void)sig;
	sim_stop = 1;
}

/* The --help text. */
static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: mppd-sim --link PATH [--protocol P] [--baud N]\n"
	    "                [fault options] [--log FILE] [-v]\n"
	    "\n"
	    "A simulated inverter on a pseudo-terminal whose slave\n"
	    "end is symlinked at PATH.  Runs until SIGTERM or SIGINT, then\n"
	    "removes PATH and exits 0.\n"
	    "\n"
	    "  --link PATH          symlink to create (a stale symlink is replaced)\n"
	    "  --protocol P         PI30 (default), PI30MAX, PI16, PI17 (PI17INFINI,\n"
	    "                       PI17M058), PI18, PI18SV or PI18LVX; battery\n"
	    "                       monitors DALY, DALY40, JKSERIAL, JK232, VED\n"
	    "                       (VED streams text blocks unasked)\n"
	    "  --stream-ms N        VED: one text block every N ms (default 1000)\n"
	    "  --stream-after-ms N  VED: the first block N ms after start (default 0)\n"
	    "  --baud N             line speed for reply pacing (default 2400)\n"
	    "  --parallel N         N units in a parallel stack answer QPGS0..N-1,\n"
	    "                       each with its own serial number (unit 0 is\n"
	    "                       the inverter QPIGS reports); default 1\n"
	    "  --log FILE           append each request's command text to FILE\n"
	    "  -v, --verbose        log every request and reply to stderr\n"
	    "  -h, --help           this text\n"
	    "\n"
	    "Faults (N counts commands received, from 1; \"every N\" hits N, 2N...):\n"
	    "  --delay-ms N         wait N ms more before every reply\n"
	    "  --silent-every N     do not answer\n"
	    "  --bad-crc-every N    answer with wrong CRC bytes (a battery: a wrong\n"
	    "                       checksum; VED counts text blocks, not commands)\n"
	    "  --truncate-every N   answer with the first half of the reply only\n"
	    "  --nak-every N        answer (NAK instead\n"
	    "  --garbage-every N    answer with random printable bytes and CR\n"
	    "  --echo-every N       send the request back verbatim\n"
	    "  --vanish-after N     after N commands (VED: text blocks) close the pty,\n"
	    "                       remove PATH and exit 0 (a USB unplug)\n");
}

/* Strict unsigned decimal in [min, max]; 0 or -1 after printing why. */
static int
parse_num(const char *opt, const char *s, unsigned long min,
    unsigned long max, unsigned long *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || errno != 0 || v < min ||
	    v > max) {
		fprintf(stderr, "mppd-sim: --%s \"%s\": expected a whole "
		    "number from %lu to %lu\n", opt, s, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

enum {
	OPT_LINK = 256, OPT_PROTOCOL, OPT_BAUD, OPT_LOG, OPT_DELAY,
	OPT_SILENT, OPT_BADCRC, OPT_NAK, OPT_GARBAGE, OPT_ECHO, OPT_VANISH,
	OPT_TRUNCATE, OPT_STREAM, OPT_STREAM_AFTER,
	OPT_PARALLEL
};

static const struct option sim_longopts[] = {
	{ "link", required_argument, NULL, OPT_LINK },
	{ "protocol", required_argument, NULL, OPT_PROTOCOL },
	{ "baud", required_argument, NULL, OPT_BAUD },
	{ "log", required_argument, NULL, OPT_LOG },
	{ "delay-ms", required_argument, NULL, OPT_DELAY },
	{ "silent-every", required_argument, NULL, OPT_SILENT },
	{ "bad-crc-every", required_argument, NULL, OPT_BADCRC },
	{ "nak-every", required_argument, NULL, OPT_NAK },
	{ "garbage-every", required_argument, NULL, OPT_GARBAGE },
	{ "echo-every", required_argument, NULL, OPT_ECHO },
	{ "vanish-after", required_argument, NULL, OPT_VANISH },
	{ "truncate-every", required_argument, NULL, OPT_TRUNCATE },
	{ "stream-ms", required_argument, NULL, OPT_STREAM },
	{ "stream-after-ms", required_argument, NULL, OPT_STREAM_AFTER },
	{ "parallel", required_argument, NULL, OPT_PARALLEL },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Fills o from argv; 0, 1 for --help (already printed), -1 on error. */
static int
parse_args(int argc, char **argv, struct sim_opts *o)
{
	struct sim_faults *f = &o->faults;
	int ch, idx;

	memset(o, 0, sizeof(*o));
	o->proto = SIM_PI30;
	o->baud = 2400;
	o->stream_ms = 1000;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":vh", sim_longopts, &idx)) != -1) {
		const char *name = NULL;
		unsigned long *slot = NULL, min = 1, max = 1000000000UL;

		for (const struct option *lo = sim_longopts; lo->name; lo++)
			if (lo->val == ch)
				name = lo->name;
		switch (ch) {
		case OPT_LINK:
			if (optarg[0] == '\0') {
				fprintf(stderr, "mppd-sim: --link: empty path\n");
				return -1;
			}
			o->link = optarg;
			break;
		case OPT_PROTOCOL:
			if (model_proto_parse(optarg, &o->proto) == -1 &&
			    bms_proto_parse(optarg, &o->proto) == -1) {
				fprintf(stderr, "mppd-sim: --protocol \"%s\": "
				    "expected PI30, PI30MAX, PI16, PI17, PI17INFINI, PI17M058, "
				    "PI18, PI18SV, PI18LVX, DALY, DALY40, JKSERIAL, "
				    "JK232 or VED\n", optarg);
				return -1;
			}
			break;
		case OPT_BAUD:
			if (parse_num("baud", optarg, 50, 4000000, &o->baud) == -1)
				return -1;
			break;
		case OPT_LOG:
			o->log_path = optarg;
			break;
		case OPT_PARALLEL: {
			unsigned long n;
			if (parse_num("parallel", optarg, 1, 9, &n) == -1)
				return -1;
			o->parallel = (int)n;
			break;
		}
		case OPT_DELAY:
			slot = &f->delay_ms;
			min = 0;
			max = 600000;
			break;
		case OPT_SILENT:
			slot = &f->silent_every;
			break;
		case OPT_BADCRC:
			slot = &f->badcrc_every;
			break;
		case OPT_NAK:
			slot = &f->nak_every;
			break;
		case OPT_GARBAGE:
			slot = &f->garbage_every;
			break;
		case OPT_ECHO:
			slot = &f->echo_every;
			break;
		case OPT_VANISH:
			slot = &f->vanish_after;
			break;
		case OPT_TRUNCATE:
			slot = &f->truncate_every;
			break;
		case OPT_STREAM:
			slot = &o->stream_ms;
			min = 10;
			max = 60000;
			break;
		case OPT_STREAM_AFTER:
			slot = &o->stream_after_ms;
			min = 0;
			max = 600000;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'h':
			usage(stdout);
			return 1;
		case ':':
			fprintf(stderr, "mppd-sim: %s needs a value\n",
			    argv[optind - 1]);
			return -1;
		default:
			fprintf(stderr, "mppd-sim: unknown option %s\n",
			    argv[optind - 1]);
			return -1;
		}
		if (slot != NULL && parse_num(name, optarg, min, max, slot) == -1)
			return -1;
	}
	if (optind < argc) {
		fprintf(stderr, "mppd-sim: unexpected argument \"%s\"\n",
		    argv[optind]);
		return -1;
	}
	if (o->link == NULL) {
		fprintf(stderr, "mppd-sim: --link PATH is required\n");
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct sigaction sa;
	struct sim_opts o;
	int r;

	if ((r = parse_args(argc, argv, &o)) != 0) {
		if (r == 1)
			return 0;
		fprintf(stderr, "Try 'mppd-sim --help'.\n");
		return 2;
	}
	log_init("mppd-sim", o.verbose ? LOG_LVL_INFO : LOG_LVL_WARN);
	if (proto_init() < 0)	/* the PI16/PI17/PI18 models use the tables */
		return 1;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: waits see EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	return serve_run(&o, &sim_stop) == 0 ? 0 : 1;
}

/*
 * test_device_sim.c - the device layer (real serial port code, framing,
 * decoding) against mppd-sim over a pseudo-terminal: queries decode,
 * setters change what the inverter reports, every injected fault gives the
 * reference's error entry and the next command succeeds, and a vanished
 * device answers again after a replug without a restart.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "device.h"
#include "harness.h"
#include "proto.h"
#include "result.h"
#include "sbuf.h"
#include "testmain.h"

struct fx {
	char		*dir;
	char		*link;
	pid_t		 sim;
	struct device	*dev;
};

static struct device *
open_device(const char *link)
{
	struct device_cfg dc;

	memset(&dc, 0, sizeof(dc));
	dc.name = "inv";
	dc.protocol = "PI30";
	dc.port = (char *)link;
	dc.porttype = "serial";	/* temp dirs contain "test": be explicit */
	dc.baud = 115200;
	dc.timeout_ms = 1000;
	return device_new(&dc);
}

static int
start(void **state, const char *const opts[])
{
	struct fx *f = calloc(1, sizeof(*f));

	if (proto_init() < 0 || f == NULL)
		return -1;
	f->dir = h_tmpdir();
	f->link = h_path(f->dir, "inverter");
	{
		const char *argv[24];
		int n = 0;
		argv[n++] = "--baud";
		argv[n++] = "115200";
		for (int i = 0; opts != NULL && opts[i] != NULL && n < 22; i++)
			argv[n++] = opts[i];
		argv[n] = NULL;
		f->sim = h_start_sim(f->dir, f->link, argv);
	}
	if (f->sim <= 0)
		return -1;
	f->dev = open_device(f->link);
	*state = f;
	return 0;
}

static int
setup_plain(void **state)
{
	return start(state, NULL);
}

static int
setup_faults(void **state)
{
	/* command 2 silent, 3 bad CRC, 5 NAK... counted by the sim */
	static const char *const opts[] = { "--silent-every", "7",
		"--bad-crc-every", "11", "--nak-every", "13", "--garbage-every",
		"17", "--echo-every", "19", NULL };
	return start(state, opts);
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	device_free(f->dev);
	h_cleanup_all();
	h_rmrf(f->dir);
	free(f->link);
	free(f->dir);
	free(f);
	return 0;
}

/* Runs cmd; returns the result's JSON (caller frees) and the status. */
static char *
run(struct device *d, const char *cmd, int *status)
{
	struct result r;
	struct sbuf s = SBUF_INIT;
	int st;

	result_init(&r);
	st = device_run(d, cmd, &r);
	if (status != NULL)
		*status = st;
	result_json(&s, &r);
	result_free(&r);
	return sbuf_steal(&s);
}

static void
expect(struct device *d, const char *cmd, const char *needle)
{
	int st;
	char *j = run(d, cmd, &st);

	if (st != 1 || strstr(j, needle) == NULL)
		fail_msg("%s: status %d, %s (want %s)", cmd, st, j, needle);
	free(j);
}

static void
test_queries_decode_through_the_serial_port(void **state)
{
	struct fx *f = *state;

	expect(f->dev, "QPI", "\"Protocol ID\": [\"PI30\", \"\"]");
	expect(f->dev, "QPIGS", "\"Battery Voltage\": [");
	expect(f->dev, "QPIRI", "\"Output Source Priority\": [");
	expect(f->dev, "QMOD", "\"Device Mode\": [");
	expect(f->dev, "QPIWS", "\"Inverter fault\": [\"0\", \"\"]");
	expect(f->dev, "QFLAG", "\"Buzzer\": [");
}

static void
test_pop02_is_acked_and_qpiri_shows_sbu_first(void **state)
{
	struct fx *f = *state;

	expect(f->dev, "POP00", "\"POP\": [\"ACK\", \"\"]");
	expect(f->dev, "QPIRI", "\"Output Source Priority\": [\"Utility first\", \"\"]");
	expect(f->dev, "POP02", "\"POP\": [\"ACK\", \"\"]");
	expect(f->dev, "QPIRI", "\"Output Source Priority\": [\"SBU first\", \"\"]");
	{
		int st;
		char *j = run(f->dev, "MCHGC999", &st);	/* not an option */
		assert_non_null(strstr(j, "\"validity check\": [\"Error: NAK\", \"\"]"));
		free(j);
	}
}

/* Commands 1..40 with faults at multiples of 7, 11, 13, 17, 19. */
static void
test_each_fault_gives_reference_entry_then_recovers(void **state)
{
	struct fx *f = *state;
	int seen_silent = 0, seen_crc = 0, seen_nak = 0, seen_garbage = 0,
	    seen_echo = 0;

	for (int n = 1; n <= 40; n++) {
		int st;
		char *j = run(f->dev, "QPI", &st);
		int fault = n % 7 == 0 || n % 11 == 0 || n % 13 == 0 ||
		    n % 17 == 0 || n % 19 == 0;

		if (!fault) {
			if (st != 1)
				fail_msg("command %d: expected a valid reply, got %s", n, j);
		} else if (n % 7 == 0) {
			assert_non_null(strstr(j, "Error: Response to short"));
			seen_silent++;
		} else if (n % 19 == 0) {
			assert_non_null(strstr(j, "Inverter returned the command string for QPI"));
			seen_echo++;
		} else if (n % 17 == 0) {
			assert_true(strstr(j, "Error: Invalid response CRCs") != NULL ||
			    strstr(j, "Error: Response to short") != NULL);
			seen_garbage++;
		} else if (n % 13 == 0) {
			assert_non_null(strstr(j, "Error: NAK"));
			seen_nak++;
		} else if (n % 11 == 0) {
			assert_non_null(strstr(j, "Error: Invalid response CRCs"));
			seen_crc++;
		}
		free(j);
	}
	assert_true(seen_silent && seen_crc && seen_nak && seen_garbage && seen_echo);
}

static void
test_vanish_and_replug_answers_again(void **state)
{
	struct fx *f = *state;
	static const char *const opts[] = { "--baud", "115200", NULL };
	int st = 0, tries = 0;
	char *j;

	expect(f->dev, "QPI", "PI30");
	h_stop(f->sim, SIGTERM, 3000);	/* unplug */
	assert_int_equal(h_wait_for_gone(f->link, 3000), 0);
	j = run(f->dev, "QPI", &st);
	assert_int_equal(st, -1);
	assert_non_null(strstr(j, "\"ERROR\": [\"Serial command execution failed\", \"\"]"));
	free(j);
	f->sim = h_start_sim(f->dir, f->link, opts);	/* replug */
	assert_true(f->sim > 0);
	/* the port reopens by itself (after a short, growing delay) */
	for (st = 0; st != 1 && tries < 40; tries++) {
		j = run(f->dev, "QPI", &st);
		free(j);
		if (st != 1)
			h_sleep_ms(250);
	}
	assert_int_equal(st, 1);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup_teardown(test_queries_decode_through_the_serial_port, setup_plain, teardown),
	cmocka_unit_test_setup_teardown(test_pop02_is_acked_and_qpiri_shows_sbu_first, setup_plain, teardown),
	cmocka_unit_test_setup_teardown(test_each_fault_gives_reference_entry_then_recovers, setup_faults, teardown),
	cmocka_unit_test_setup_teardown(test_vanish_and_replug_answers_again, setup_plain, teardown),
};

MPPD_TEST_MAIN(tests)

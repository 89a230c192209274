/*
 * test_worker.c - the device worker against mppd-sim over a real
 * pseudo-terminal, with the real serial port code: a device polling
 * without pause while another thread sends 100 ad-hoc commands.  Every
 * result must belong to its own request (the reference mixes them up),
 * and ThreadSanitizer must stay quiet (this file runs under TSan in CI).
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "device.h"
#include "harness.h"
#include "proto.h"
#include "result.h"
#include "sbuf.h"
#include "testmain.h"
#include "worker.h"

struct counts {
	atomic_int	answered;
	atomic_int	wrong;
	atomic_int	polls;
	atomic_int	poll_wrong;
};

/* Does r look like the answer to cmd? */
static int
belongs(const char *cmd, const struct result *r)
{
	const struct entry *c = result_find(r, "_command"), *e;

	if (c == NULL || strcmp(c->v.s, cmd) != 0 ||
	    result_find(r, "validity check") != NULL)
		return 0;
	if (strcmp(cmd, "QPI") == 0)
		return (e = result_find(r, "Protocol ID")) && strcmp(e->v.s, "PI30") == 0;
	if (strcmp(cmd, "QID") == 0)
		return (e = result_find(r, "Serial Number")) && e->v.type == V_STR &&
		    strlen(e->v.s) >= 10;
	if (strcmp(cmd, "QMOD") == 0)
		return (e = result_find(r, "Device Mode")) && e->v.type == V_STR &&
		    e->v.s[0] != 0;
	if (strcmp(cmd, "QVFW") == 0)
		return (e = result_find(r, "Main CPU firmware version")) &&
		    e->v.type == V_STR;
	if (strcmp(cmd, "QFLAG") == 0)
		return result_find(r, "Buzzer") != NULL;
	if (strcmp(cmd, "QPIGS") == 0)
		return (e = result_find(r, "Battery Voltage")) && e->v.type == V_FLOAT &&
		    result_find(r, "Battery Type") == NULL;
	if (strcmp(cmd, "QPIRI") == 0)
		return result_find(r, "Battery Type") != NULL &&
		    result_find(r, "Is Load On") == NULL;
	return 0;
}

static void
on_done(void *arg, const char *cmd, struct result *r, int status,
    const char *error)
{
	struct counts *c = arg;

	if (error != NULL || r == NULL || status != 1 || !belongs(cmd, r)) {
		struct sbuf s = SBUF_INIT;
		if (r != NULL)
			result_json(&s, r);
		fprintf(stderr, "wrong answer to %s: %s\n", cmd,
		    error ? error : sbuf_str(&s));
		sbuf_free(&s);
		atomic_fetch_add(&c->wrong, 1);
	}
	atomic_fetch_add(&c->answered, 1);
}

static void
on_poll(void *arg, struct device *d, const char *cmd, int index,
    struct result *r, int status)
{
	struct counts *c = arg;

	if (status != 1 || !belongs(cmd, r))
		atomic_fetch_add(&c->poll_wrong, 1);
	atomic_fetch_add(&c->polls, 1);
}

static void
test_adhoc_commands_never_mix_with_polls(void **state)
{
	static char *polls[] = { "QPIGS", "QPIRI" };
	static const char *adhoc[] = { "QPI", "QID", "QMOD", "QVFW", "QFLAG" };
	char *dir = h_tmpdir(), link[256];
	struct device_cfg dc;
	struct device *d;
	struct worker *w;
	struct worker_cfg wc;
	struct counts c;
	pid_t sim;
	int sent = 0;
	long deadline;

	assert_non_null(dir);
	snprintf(link, sizeof(link), "%s/inverter", dir);
	{
		const char *argv[] = { MPPD_SIM_BIN, "--link", link, "--baud",
			"115200", NULL };
		sim = h_spawn(argv, NULL);
	}
	assert_true(sim > 0);
	assert_int_equal(h_wait_for_file(link, 5000), 0);
	assert_int_equal(proto_init(), 0);

	memset(&dc, 0, sizeof(dc));
	dc.name = "inv";
	dc.protocol = "PI30";
	dc.port = link;
	dc.porttype = "serial";
	dc.baud = 115200;
	dc.timeout_ms = 2000;
	d = device_new(&dc);
	assert_int_equal(d->port_type, PORT_SERIAL);

	memset(&c, 0, sizeof(c));
	memset(&wc, 0, sizeof(wc));
	wc.commands = polls;
	wc.ncommands = 2;
	wc.pause_ms = 0;	/* poll continuously: maximum contention */
	wc.queue_len = 8;
	wc.poll = on_poll;
	wc.poll_arg = &c;
	w = worker_start(d, &wc);
	assert_non_null(w);

	deadline = h_now_ms() + 60000;
	while (sent < 100 && h_now_ms() < deadline) {
		int rc = worker_submit(w, adhoc[sent % 5], on_done, &c);
		if (rc == 0)
			sent++;
		else {
			assert_int_equal(rc, -1);	/* queue full: wait */
			usleep(5000);
		}
	}
	while (atomic_load(&c.answered) < sent && h_now_ms() < deadline)
		usleep(10000);
	worker_stop(w);
	device_free(d);
	h_stop(sim, SIGTERM, 3000);
	h_rmrf(dir);
	free(dir);

	fprintf(stderr, "ad-hoc: %d sent, %d answered, %d wrong; polls: %d, %d wrong\n",
	    sent, atomic_load(&c.answered), atomic_load(&c.wrong),
	    atomic_load(&c.polls), atomic_load(&c.poll_wrong));
	assert_int_equal(sent, 100);
	assert_int_equal(atomic_load(&c.answered), 100);
	assert_int_equal(atomic_load(&c.wrong), 0);
	assert_true(atomic_load(&c.polls) > 0);
	assert_int_equal(atomic_load(&c.poll_wrong), 0);
}

/* Jobs still queued when the worker stops are answered with an error. */
static void
test_stop_answers_queued_jobs(void **state)
{
	static char *polls[] = { "QPIGS" };
	struct device_cfg dc;
	struct device *d;
	struct worker *w;
	struct worker_cfg wc;
	struct counts c;
	int accepted = 0;

	assert_int_equal(proto_init(), 0);
	memset(&dc, 0, sizeof(dc));
	dc.name = "t";
	dc.protocol = "PI30";
	dc.port = "test0";
	d = device_new(&dc);
	memset(&c, 0, sizeof(c));
	memset(&wc, 0, sizeof(wc));
	wc.commands = polls;
	wc.ncommands = 1;
	wc.pause_ms = 60000;
	wc.queue_len = 4;
	w = worker_start(d, &wc);
	for (int i = 0; i < 50; i++)
		if (worker_submit(w, "QPI", on_done, &c) == 0)
			accepted++;
	worker_stop(w);
	device_free(d);
	/* Exactly one answer for every accepted job, run or refused. */
	assert_int_equal(atomic_load(&c.answered), accepted);
	assert_true(accepted >= 4);
}

/* The order in which two lanes of one group ran their poll commands. */
struct order {
	pthread_mutex_t	 lock;
	char		 seq[128];	/* 'a' or 'b' per poll, the first 127
					   from b's first poll on */
	int		 n;
	int		 na, nb;	/* polls of each lane */
};

static void
on_poll_order(void *arg, struct device *d, const char *cmd, int index,
    struct result *r, int status)
{
	struct order *o = arg;

	(void)cmd;
	(void)index;
	(void)r;
	(void)status;
	pthread_mutex_lock(&o->lock);
	if ((o->nb > 0 || d->name[0] == 'b') && o->n < (int)sizeof(o->seq) - 1)
		o->seq[o->n++] = d->name[0];
	if (d->name[0] == 'a')
		o->na++;
	else
		o->nb++;
	pthread_mutex_unlock(&o->lock);
}

/*
 * Two sections on one port: one thread runs both, command by command in
 * turn (a two-command section does not run its whole cycle first), and
 * stopping one leaves the other polling.
 */
static void
test_two_sections_on_one_port_take_turns(void **state)
{
	static char *pa[] = { "QPIGS", "QPIRI" }, *pb[] = { "QMOD" };
	struct device_cfg dc;
	struct device *a, *b;
	struct worker_group *g;
	struct worker *wa, *wb;
	struct worker_cfg wc;
	struct order o;
	int n, nb, stopped, first;

	(void)state;
	assert_int_equal(proto_init(), 0);
	memset(&o, 0, sizeof(o));
	pthread_mutex_init(&o.lock, NULL);
	memset(&dc, 0, sizeof(dc));
	dc.protocol = "PI30";
	dc.port = "test0";
	dc.name = "a";
	a = device_new(&dc);
	dc.name = "b";
	b = device_new(&dc);
	device_share_port(b, a);
	assert_ptr_equal(a->port, b->port);

	memset(&wc, 0, sizeof(wc));
	wc.pause_ms = 0;
	wc.start_ms = 100;	/* both lanes are in before the first poll */
	wc.poll = on_poll_order;
	wc.poll_arg = &o;
	g = worker_group_new();
	wc.commands = pa;
	wc.ncommands = 2;
	wa = worker_add(g, a, &wc);
	wc.commands = pb;
	wc.ncommands = 1;
	wb = worker_add(g, b, &wc);
	assert_non_null(wa);
	assert_non_null(wb);
	/* a may run alone until b's lane is in (how long depends on the
	 * machine's load); from b's first command on they take turns. */
	for (long end = h_now_ms() + 20000; h_now_ms() < end; usleep(1000)) {
		pthread_mutex_lock(&o.lock);
		nb = o.nb;
		pthread_mutex_unlock(&o.lock);
		if (nb >= 30)
			break;
	}
	worker_stop(wb);
	pthread_mutex_lock(&o.lock);
	n = o.n;
	stopped = o.na;
	nb = o.nb;
	pthread_mutex_unlock(&o.lock);
	fprintf(stderr, "poll order: %.*s\n", n, o.seq);
	assert_true(nb >= 30);
	assert_true(n >= 40);
	first = 0;
	assert_int_equal(o.seq[first], 'b');
	for (int i = first + 1; i < first + 20; i++)
		assert_true(o.seq[i] != o.seq[i - 1]);
	/* b stopped, a goes on alone */
	for (long end = h_now_ms() + 5000; h_now_ms() < end; usleep(1000)) {
		pthread_mutex_lock(&o.lock);
		n = o.na;
		pthread_mutex_unlock(&o.lock);
		if (n >= stopped + 10)
			break;
	}
	worker_stop(wa);
	assert_true(o.na >= stopped + 10);
	assert_int_equal(o.nb, nb);
	device_free(b);
	device_free(a);
	pthread_mutex_destroy(&o.lock);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_adhoc_commands_never_mix_with_polls),
	cmocka_unit_test(test_stop_answers_queued_jobs),
	cmocka_unit_test(test_two_sections_on_one_port_take_turns),
};

MPPD_TEST_MAIN(tests)

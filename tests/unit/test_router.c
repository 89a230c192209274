/*
 * test_router.c - the command router without a broker: messages go in as
 * the transport hands them over (struct cmd_msg), answers come out through
 * a link that records every publish.  The device is real (the "test" port's
 * canned PI30 replies) and so is its worker thread.
 *
 * What a user sees is asserted: which topics get which payloads, how many
 * answers per command, that mppd's own topics and empty payloads (the
 * echo of its own clear) are never answered, that a repeat is answered
 * from the cache.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "testmain.h"
#include "cmd_policy.h"
#include "config.h"
#include "device.h"
#include "proto.h"
#include "router.h"
#include "sbuf.h"
#include "worker.h"

#define HOST	"h"
#define MAXPUB	32

struct pub {
	char	*topic;
	char	*payload;
	int	 qos, retain;
	char	*corr;
};

/* The recording transport: one "connection". */
struct rec {
	pthread_mutex_t	 mtx;
	pthread_cond_t	 cv;
	struct pub	 p[MAXPUB];
	int		 n;
	char		*subs[MAXPUB];
	int		 nsubs;
	size_t		 max;	/* the "broker's" maximum packet size, 0: none */
};

static int
rec_publish(void *conn, const char *topic, const void *payload, size_t len,
    int qos, int retain, const void *corr, size_t corrlen)
{
	struct rec *r = conn;

	if (r->max > 0 && len > r->max)
		return CMD_LINK_TOO_BIG;
	pthread_mutex_lock(&r->mtx);
	if (r->n < MAXPUB) {
		r->p[r->n].topic = strdup(topic);
		r->p[r->n].payload = strndup(len > 0 ? payload : "", len);
		r->p[r->n].qos = qos;
		r->p[r->n].retain = retain;
		r->p[r->n].corr = corr != NULL ? strndup(corr, corrlen) : NULL;
		r->n++;
	}
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mtx);
	return 0;
}

static int
rec_subscribe(void *conn, const char *filter, int qos, struct router *rt)
{
	struct rec *r = conn;

	if (r->nsubs < MAXPUB)
		r->subs[r->nsubs++] = strdup(filter);
	return 0;
}

static size_t
rec_max_packet(void *conn)
{
	return ((struct rec *)conn)->max;
}

static const struct cmd_link rec_link = { rec_publish, rec_subscribe,
    rec_max_packet, NULL };

/* Waits (bounded, so a broken router fails instead of hanging) until n
 * messages were published. */
static int
rec_wait(struct rec *r, int n)
{
	struct timespec ts;
	int got;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 10;
	pthread_mutex_lock(&r->mtx);
	while (r->n < n &&
	    pthread_cond_timedwait(&r->cv, &r->mtx, &ts) == 0)
		;
	got = r->n;
	pthread_mutex_unlock(&r->mtx);
	return got;
}

/* Waits (bounded) until no accepted command is unanswered: its answer is
 * published and kept for repeats. */
static void
wait_idle(struct router *rt)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };

	for (int i = 0; i < 1000 && router_inflight(rt) > 0; i++)
		nanosleep(&ts, NULL);
	assert_int_equal(router_inflight(rt), 0);
}

/* One device "dev" on port test0 (PI30), its worker and its policy. */
struct fix {
	struct rec		 rec;
	struct device_cfg	 dc;
	char			*allow[4];
	struct cmd_policy	 pol;
	struct device		*dev;
	struct worker		*w;
	struct router		*r;
};

static void
fix_init(struct fix *f, const char *cmd_topic, const char *pattern)
{
	struct worker_cfg wc;
	struct sbuf err = SBUF_INIT;

	memset(f, 0, sizeof(*f));
	assert_int_equal(proto_init(), 0);
	pthread_mutex_init(&f->rec.mtx, NULL);
	pthread_cond_init(&f->rec.cv, NULL);
	f->dc.name = "dev";
	f->dc.protocol = "PI30";
	f->dc.port = "test0";
	f->dc.mqtt.cmd_topic = (char *)cmd_topic;
	f->dc.mqtt.cmd_qos = 1;
	f->dc.mqtt.cmd_match = MATCH_FULL;
	f->allow[0] = (char *)pattern;
	f->dc.allow = f->allow;
	f->dc.nallow = pattern != NULL ? 1 : 0;
	assert_non_null(f->dev = device_new(&f->dc));
	assert_int_equal(cmd_policy_init(&f->pol, &f->dc, f->dev->proto, &err),
	    0);
	sbuf_free(&err);
	memset(&wc, 0, sizeof(wc));
	wc.queue_len = 4;
	assert_non_null(f->w = worker_start(f->dev, &wc));
	f->r = router_new();
	assert_int_equal(router_add(f->r, &rec_link, &f->rec, &f->dc, &f->pol,
	    f->dev, f->w, HOST), 0);
}

static void
fix_free(struct fix *f)
{
	router_close(f->r);
	worker_stop(f->w);
	router_free(f->r);
	device_free(f->dev);
	cmd_policy_free(&f->pol);
	for (int i = 0; i < f->rec.n; i++) {
		free(f->rec.p[i].topic);
		free(f->rec.p[i].payload);
		free(f->rec.p[i].corr);
	}
	for (int i = 0; i < f->rec.nsubs; i++)
		free(f->rec.subs[i]);
}

/* A message as the transport hands it over: qos, on connection number
 * session (1 the first, one more per reconnect). */
static void
send_msg_on(struct fix *f, const char *topic, const char *payload, int qos,
    unsigned long session)
{
	struct cmd_msg m = { 0 };

	m.topic = topic;
	m.payload = payload;
	m.len = strlen(payload);
	m.qos = qos;
	m.session = session;
	router_on_message(f->r, &f->rec, &m);
}

static void
send_msg(struct fix *f, const char *topic, const char *payload)
{
	send_msg_on(f, topic, payload, 0, 1);
}

/* The string member key of answer JSON text, or "" (json kept in *j). */
static const char *
field(cJSON **j, const char *payload, const char *key)
{
	const cJSON *v;

	*j = cJSON_Parse(payload);
	assert_non_null(*j);
	v = cJSON_GetObjectItemCaseSensitive(*j, key);
	return cJSON_IsString(v) ? v->valuestring : "";
}

static void
test_router_subscribes_the_expanded_command_topic(void **state)
{
	struct fix f;

	fix_init(&f, "{hostname}/{device}/cmd", "QPI");
	assert_int_equal(f.rec.nsubs, 1);
	assert_string_equal(f.rec.subs[0], "h/dev/cmd");
	fix_free(&f);
}

static void
test_router_device_without_allowlist_subscribes_nothing(void **state)
{
	struct fix f;

	fix_init(&f, "{hostname}/{device}/cmd", NULL);
	assert_int_equal(f.rec.nsubs, 0);
	send_msg(&f, "h/dev/cmd", "QPI");
	assert_int_equal(f.rec.n, 0);
	fix_free(&f);
}

static void
test_router_refused_command_is_cleared_and_answered_once(void **state)
{
	struct fix f;
	cJSON *j;

	fix_init(&f, "{hostname}/{device}/cmd", "QPI");
	send_msg(&f, "h/dev/cmd", "QPIGS");
	assert_int_equal(f.rec.n, 2);
	/* The retained command is cleared first... */
	assert_string_equal(f.rec.p[0].topic, "h/dev/cmd");
	assert_string_equal(f.rec.p[0].payload, "");
	assert_int_equal(f.rec.p[0].retain, 1);
	/* ...then answered, retained, QoS 1. */
	assert_string_equal(f.rec.p[1].topic, "h/dev/cmd_response");
	assert_int_equal(f.rec.p[1].qos, 1);
	assert_int_equal(f.rec.p[1].retain, 1);
	assert_string_equal(field(&j, f.rec.p[1].payload, "error"),
	    "Command not allowed");
	assert_string_equal(cJSON_GetObjectItem(j, "command")->valuestring,
	    "QPIGS");
	assert_string_equal(cJSON_GetObjectItem(j, "device")->valuestring,
	    "dev");
	cJSON_Delete(j);
	assert_int_equal(router_inflight(f.r), 0);
	fix_free(&f);
}

static void
test_router_accepted_command_runs_on_the_worker_answered_once(void **state)
{
	struct fix f;
	const cJSON *res, *pid;
	cJSON *j;

	fix_init(&f, "{hostname}/{device}/cmd", "QPI");
	send_msg(&f, "h/dev/cmd", "{\"command\": \"QPI\", \"id\": \"a1\"}");
	assert_int_equal(rec_wait(&f.rec, 2), 2);
	assert_string_equal(f.rec.p[1].topic, "h/dev/cmd_response");
	j = cJSON_Parse(f.rec.p[1].payload);
	assert_non_null(j);
	res = cJSON_GetObjectItem(j, "result");
	assert_non_null(res);
	pid = cJSON_GetObjectItem(res, "protocol_id");
	if (pid == NULL)
		pid = cJSON_GetObjectItem(res, "Protocol ID");
	assert_non_null(pid);
	assert_string_equal(cJSON_GetObjectItem(j, "id")->valuestring, "a1");
	cJSON_Delete(j);
	/* Exactly one answer: nothing else follows. */
	fix_free(&f);
	assert_int_equal(f.rec.n, 2);
}

/*
 * An empty payload is how MQTT clears a retained message: the echo of
 * mppd's own clear, or anyone's.  It is never a command, never answered.
 */
static void
test_router_empty_payload_is_never_answered(void **state)
{
	struct fix f;

	fix_init(&f, "{hostname}/{device}/cmd", "QPI");
	send_msg(&f, "h/dev/cmd", "QMOD");
	assert_int_equal(f.rec.n, 2);
	send_msg(&f, "h/dev/cmd", "");		/* the echo of the clear */
	send_msg_on(&f, "h/dev/cmd", "", 1, 1);	/* someone else's */
	send_msg_on(&f, "h/dev/cmd", "", 1, 2);
	assert_int_equal(f.rec.n, 2);
	fix_free(&f);
}

/*
 * A QoS 1 command delivered again by the broker after a reconnect (its
 * acknowledgement was lost) is not run again: it gets the first answer,
 * byte for byte (the timestamp says it is the same answer).  Only once: a
 * third copy is a new command.
 */
static void
test_router_redelivery_after_reconnect_gets_the_first_answer(void **state)
{
	struct fix f;

	fix_init(&f, "{hostname}/{device}/cmd", "QPI");
	send_msg_on(&f, "h/dev/cmd", "QPI", 1, 1);
	assert_int_equal(rec_wait(&f.rec, 2), 2);
	wait_idle(f.r);
	send_msg_on(&f, "h/dev/cmd", "QPI", 1, 2);	/* the redelivery */
	assert_int_equal(rec_wait(&f.rec, 4), 4);
	assert_string_equal(f.rec.p[3].topic, "h/dev/cmd_response");
	assert_string_equal(f.rec.p[3].payload, f.rec.p[1].payload);
	send_msg_on(&f, "h/dev/cmd", "QPI", 1, 2);	/* sent again */
	assert_int_equal(rec_wait(&f.rec, 6), 6);
	assert_string_not_equal(f.rec.p[5].payload, f.rec.p[1].payload);
	fix_free(&f);
	assert_int_equal(f.rec.n, 6);
}

/*
 * The broker redelivers first after a reconnect: once a new command came
 * on the new connection, the same payload again is a new command.  On the
 * same connection, or at QoS 0, a repeated payload is always new.
 */
static void
test_router_same_payload_after_a_new_command_runs_again(void **state)
{
	struct fix f;

	fix_init(&f, "{hostname}/{device}/cmd", "QPI");
	send_msg_on(&f, "h/dev/cmd", "QPIGS", 1, 1);
	send_msg_on(&f, "h/dev/cmd", "QPIGS", 1, 1);
	assert_int_equal(f.rec.n, 4);
	assert_string_not_equal(f.rec.p[3].payload, f.rec.p[1].payload);
	send_msg_on(&f, "h/dev/cmd", "QMOD", 1, 2);	/* new */
	send_msg_on(&f, "h/dev/cmd", "QPIGS", 1, 2);
	assert_int_equal(f.rec.n, 8);
	assert_string_not_equal(f.rec.p[7].payload, f.rec.p[3].payload);
	assert_string_not_equal(f.rec.p[7].payload, f.rec.p[1].payload);
	send_msg_on(&f, "h/dev/cmd", "QMOD", 0, 3);	/* QoS 0: no redelivery */
	assert_int_equal(f.rec.n, 10);
	assert_string_not_equal(f.rec.p[9].payload, f.rec.p[5].payload);
	fix_free(&f);
}

/* A payload too long to be a command is refused again, never kept. */
static void
test_router_long_payload_is_not_remembered(void **state)
{
	struct fix f;
	char *big = malloc(4000);
	cJSON *j;

	assert_non_null(big);
	memset(big, 'A', 3999);
	big[3999] = '\0';
	fix_init(&f, "{hostname}/{device}/cmd", "QPI");
	send_msg_on(&f, "h/dev/cmd", big, 1, 1);
	send_msg_on(&f, "h/dev/cmd", big, 1, 2);
	assert_int_equal(f.rec.n, 4);
	assert_string_not_equal(f.rec.p[3].payload, f.rec.p[1].payload);
	assert_string_equal(field(&j, f.rec.p[3].payload, "error"),
	    "command too long (3999 bytes, at most 128)");
	cJSON_Delete(j);
	free(big);
	fix_free(&f);
}

/*
 * A JSON envelope id is an idempotency key: the same id with the same
 * command gets the first answer without running; the same id with
 * another command is a new command.
 */
static void
test_router_repeated_id_gets_the_first_answer(void **state)
{
	struct fix f;
	cJSON *j;

	fix_init(&f, "{hostname}/{device}/cmd", "QPI");
	send_msg(&f, "h/dev/cmd", "{\"command\": \"QPI\", \"id\": 7}");
	assert_int_equal(rec_wait(&f.rec, 2), 2);
	wait_idle(f.r);
	send_msg(&f, "h/dev/cmd", "{\"id\": 7, \"command\": \"QPI\"}");
	assert_int_equal(rec_wait(&f.rec, 4), 4);
	assert_string_equal(f.rec.p[3].payload, f.rec.p[1].payload);
	send_msg(&f, "h/dev/cmd", "{\"command\": \"QPIGS\", \"id\": 7}");
	assert_int_equal(rec_wait(&f.rec, 6), 6);
	assert_string_equal(field(&j, f.rec.p[5].payload, "error"),
	    "Command not allowed");
	cJSON_Delete(j);
	fix_free(&f);
	assert_int_equal(f.rec.n, 6);
}

/*
 * An answer larger than the broker's maximum packet size is never handed
 * to the transport: a short error answer giving its size and the limit
 * goes out instead, and the command does not run again.
 */
static void
test_router_answer_too_large_for_the_broker_is_replaced(void **state)
{
	struct fix f;
	const char *e;
	cJSON *j;

	fix_init(&f, "{hostname}/{device}/cmd", "QPIRI");
	f.rec.max = 300;
	send_msg_on(&f, "h/dev/cmd", "QPIRI", 1, 1);
	assert_int_equal(rec_wait(&f.rec, 2), 2);
	wait_idle(f.r);
	assert_string_equal(f.rec.p[1].topic, "h/dev/cmd_response");
	e = field(&j, f.rec.p[1].payload, "error");
	assert_non_null(strstr(e, "answer too large for the broker: "));
	assert_non_null(strstr(e, "its maximum packet size is 300 bytes"));
	assert_string_equal(cJSON_GetObjectItem(j, "command")->valuestring,
	    "QPIRI");
	cJSON_Delete(j);
	/* A redelivery gets the same error, without running again. */
	send_msg_on(&f, "h/dev/cmd", "QPIRI", 1, 2);
	assert_int_equal(rec_wait(&f.rec, 4), 4);
	assert_string_equal(f.rec.p[3].payload, f.rec.p[1].payload);
	fix_free(&f);
	assert_int_equal(f.rec.n, 4);
}

/*
 * An MQTT 5 Response Topic that is a command topic would turn the answer
 * into a command: refused, with the error on cmd_response only.
 */
static void
test_router_mqtt5_response_topic_on_a_command_topic_is_refused(void **state)
{
	struct fix f;
	struct cmd_msg m = { 0 };
	cJSON *j;

	fix_init(&f, "{hostname}/{device}/cmd", "QPI");
	m.topic = "h/dev/cmd";
	m.payload = "QPI";
	m.len = 3;
	m.resp_topic = "h/dev/cmd";
	router_on_message(f.r, &f.rec, &m);
	assert_int_equal(f.rec.n, 2);
	assert_string_equal(f.rec.p[1].topic, "h/dev/cmd_response");
	assert_string_equal(field(&j, f.rec.p[1].payload, "error"),
	    "MQTT 5 response topic \"h/dev/cmd\" is a command topic: an "
	    "answer there would be taken for a command");
	cJSON_Delete(j);
	fix_free(&f);
}

static void
test_router_answers_and_own_topics_are_never_commands(void **state)
{
	struct fix f;

	fix_init(&f, "{hostname}/{device}/#", "QPI");
	assert_int_equal(router_ignore(f.r, "h/dev/availability"), 0);
	send_msg(&f, "h/dev/cmd_response", "{\"error\": \"x\"}");
	send_msg(&f, "h/dev/availability", "online");
	send_msg(&f, "h/other/cmd", "QPIGS");	/* not our filter */
	assert_int_equal(f.rec.n, 0);
	fix_free(&f);
}

/* Binds one more device named name, on filter, to f's connection: the
 * same port, worker and policy as f's device (the answer's "device" tells
 * which binding answered).  dc must live as long as f. */
static void
bind_more(struct fix *f, struct device_cfg *dc, const char *name,
    const char *filter)
{
	*dc = f->dc;
	dc->name = (char *)name;
	dc->mqtt.cmd_topic = (char *)filter;
	assert_int_equal(router_add(f->r, &rec_link, &f->rec, dc, &f->pol,
	    f->dev, f->w, HOST), 0);
}

/* The "device" of the answer published as message i. */
static void
assert_answered_by(struct fix *f, int i, const char *topic, const char *dev)
{
	cJSON *j;

	assert_true(i < f->rec.n);
	assert_string_equal(f->rec.p[i].topic, topic);
	assert_non_null(j = cJSON_Parse(f->rec.p[i].payload));
	assert_string_equal(cJSON_GetObjectItem(j, "device")->valuestring,
	    dev);
	cJSON_Delete(j);
}

static void
test_router_exact_and_wildcard_filters_route_to_their_device(void **state)
{
	struct device_cfg wild;
	struct fix f;

	fix_init(&f, "{hostname}/{device}/cmd", "QPI");
	/* An own topic registered before the wildcard device is bound. */
	assert_int_equal(router_ignore(f.r, "h/wild/status"), 0);
	bind_more(&f, &wild, "wild", "h/wild/#");
	send_msg(&f, "h/wild/status", "QPIGS");	/* mppd's own */
	send_msg(&f, "h/nobody/cmd", "QPIGS");	/* no device's */
	send_msg(&f, "h/dev/cmd/more", "QPIGS");	/* not dev's exact topic */
	assert_int_equal(f.rec.n, 0);
	send_msg(&f, "h/wild/x", "QPIGS");
	assert_int_equal(f.rec.n, 2);
	assert_answered_by(&f, 1, "h/wild/x_response", "wild");
	send_msg(&f, "h/dev/cmd", "QPIGS");
	assert_int_equal(f.rec.n, 4);
	assert_answered_by(&f, 3, "h/dev/cmd_response", "dev");
	fix_free(&f);
}

static void
test_router_devices_sharing_a_topic_answer_in_the_order_they_were_bound(
    void **state)
{
	struct device_cfg b, c;
	struct fix f;

	fix_init(&f, "h/x/cmd", "QPI");
	bind_more(&f, &b, "b", "h/+/cmd");
	bind_more(&f, &c, "c", "h/x/cmd");
	/* Bound after the devices: still never a command. */
	assert_int_equal(router_ignore(f.r, "h/+/cmd"), 0);
	send_msg(&f, "h/x/cmd", "QPIGS");
	assert_int_equal(f.rec.n, 0);
	fix_free(&f);

	fix_init(&f, "h/x/cmd", "QPI");
	bind_more(&f, &b, "b", "h/+/cmd");
	bind_more(&f, &c, "c", "h/x/cmd");
	send_msg(&f, "h/x/cmd", "QPIGS");	/* refused by all three */
	assert_int_equal(f.rec.n, 4);
	assert_answered_by(&f, 1, "h/x/cmd_response", "dev");
	assert_answered_by(&f, 2, "h/x/cmd_response", "b");
	assert_answered_by(&f, 3, "h/x/cmd_response", "c");
	send_msg(&f, "h/y/cmd", "QPIGS");	/* the wildcard's only */
	assert_int_equal(f.rec.n, 6);
	assert_answered_by(&f, 5, "h/y/cmd_response", "b");
	fix_free(&f);
}

static void
test_router_mqtt5_response_topic_gets_the_answer_with_its_correlation(
    void **state)
{
	struct fix f;
	struct cmd_msg m = { 0 };
	cJSON *j;

	fix_init(&f, "{hostname}/{device}/cmd", "QPI");
	m.topic = "h/dev/cmd";
	m.payload = "QPIGS";
	m.len = 5;
	m.resp_topic = "client/7/reply";
	m.corr = "c-42";
	m.corrlen = 4;
	router_on_message(f.r, &f.rec, &m);
	assert_int_equal(f.rec.n, 3);
	assert_string_equal(f.rec.p[1].topic, "h/dev/cmd_response");
	assert_null(f.rec.p[1].corr);
	assert_string_equal(f.rec.p[2].topic, "client/7/reply");
	assert_int_equal(f.rec.p[2].retain, 0);
	assert_string_equal(f.rec.p[2].corr, "c-42");
	assert_string_equal(f.rec.p[1].payload, f.rec.p[2].payload);
	assert_string_equal(field(&j, f.rec.p[2].payload, "error"),
	    "Command not allowed");
	cJSON_Delete(j);
	fix_free(&f);
}

static void
test_router_after_close_answers_shutting_down(void **state)
{
	struct fix f;
	cJSON *j;

	fix_init(&f, "{hostname}/{device}/cmd", "QPI");
	router_close(f.r);
	send_msg(&f, "h/dev/cmd", "QPI");
	assert_int_equal(f.rec.n, 2);
	assert_string_equal(field(&j, f.rec.p[1].payload, "error"),
	    "mppd is shutting down");
	cJSON_Delete(j);
	fix_free(&f);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_router_subscribes_the_expanded_command_topic),
	cmocka_unit_test(test_router_device_without_allowlist_subscribes_nothing),
	cmocka_unit_test(test_router_refused_command_is_cleared_and_answered_once),
	cmocka_unit_test(test_router_accepted_command_runs_on_the_worker_answered_once),
	cmocka_unit_test(test_router_empty_payload_is_never_answered),
	cmocka_unit_test(test_router_redelivery_after_reconnect_gets_the_first_answer),
	cmocka_unit_test(test_router_same_payload_after_a_new_command_runs_again),
	cmocka_unit_test(test_router_repeated_id_gets_the_first_answer),
	cmocka_unit_test(test_router_long_payload_is_not_remembered),
	cmocka_unit_test(test_router_answer_too_large_for_the_broker_is_replaced),
	cmocka_unit_test(test_router_mqtt5_response_topic_on_a_command_topic_is_refused),
	cmocka_unit_test(test_router_answers_and_own_topics_are_never_commands),
	cmocka_unit_test(test_router_mqtt5_response_topic_gets_the_answer_with_its_correlation),
	cmocka_unit_test(test_router_after_close_answers_shutting_down),
	cmocka_unit_test(test_router_exact_and_wildcard_filters_route_to_their_device),
	cmocka_unit_test(test_router_devices_sharing_a_topic_answer_in_the_order_they_were_bound),
};

MPPD_TEST_MAIN(tests)

/*
 * test_cmd_cache.c - the cache of answers (cmd_cache.h): what counts as a
 * repeat, which entry a repeat gets when several could, and its bounds
 * (entries, bytes, age: oldest first out).
 */
#include <stdlib.h>
#include <string.h>

#include "testmain.h"
#include "cmd_cache.h"
#include "sbuf.h"

#define T0	1000000

static int scope_a, scope_b;

/* A QoS 1 message on topic, on connection session, with an envelope id
 * (NULL: none) for command "QPI". */
static struct cc_key
key(const void *scope, const char *topic, const char *payload,
    unsigned long session, const char *id)
{
	struct cc_key k = { 0 };

	k.scope = scope;
	k.topic = topic;
	k.payload = payload;
	k.len = strlen(payload);
	k.session = session;
	k.redeliverable = 1;
	k.may_be_redelivery = session > 1;
	k.id_json = id;
	k.command = id != NULL ? "QPI" : NULL;
	return k;
}

/* Looks k up at now; the answer found, if any, into ans. */
static enum cc_state
look(struct cmd_cache *cc, const struct cc_key *k, int64_t now,
    struct sbuf *ans, uint64_t *serial, int *redelivery)
{
	sbuf_reset(ans);
	return cc_lookup(cc, k, now, NULL, 0, ans, serial, redelivery);
}

/* A new command, answered with text. */
static uint64_t
new_answered(struct cmd_cache *cc, const struct cc_key *k, int64_t now,
    const char *text)
{
	struct sbuf ans = SBUF_INIT;
	uint64_t serial;
	int redeliv;

	assert_int_equal(look(cc, k, now, &ans, &serial, &redeliv), CC_NEW);
	assert_true(serial != 0);
	cc_answer(cc, serial, text, strlen(text), NULL, NULL);
	sbuf_free(&ans);
	return serial;
}

static void
test_cache_repeated_id_gets_the_first_answer(void **state)
{
	struct cmd_cache *cc = cc_new();
	struct sbuf ans = SBUF_INIT;
	struct cc_key k = key(&scope_a, "h/dev/cmd", "{\"id\": 7}", 1, "7");
	struct cc_key other;
	uint64_t serial;
	int redeliv;

	new_answered(cc, &k, T0, "first");
	assert_int_equal(look(cc, &k, T0 + 5, &ans, &serial, &redeliv),
	    CC_ANSWERED);
	assert_string_equal(sbuf_str(&ans), "first");
	assert_int_equal(redeliv, 0);
	/* Another scope, topic or command is another command. */
	other = key(&scope_b, "h/dev/cmd", "{\"id\": 7}", 1, "7");
	assert_int_equal(look(cc, &other, T0 + 6, &ans, &serial, &redeliv),
	    CC_NEW);
	other = key(&scope_a, "h/dev2/cmd", "{\"id\": 7}", 1, "7");
	assert_int_equal(look(cc, &other, T0 + 7, &ans, &serial, &redeliv),
	    CC_NEW);
	other = key(&scope_a, "h/dev/cmd", "{\"id\": 7}", 1, "7");
	other.command = "QPIRI";
	assert_int_equal(look(cc, &other, T0 + 8, &ans, &serial, &redeliv),
	    CC_NEW);
	sbuf_free(&ans);
	cc_free(cc);
}

static void
test_cache_redelivery_matches_once_and_only_from_an_earlier_session(
    void **state)
{
	struct cmd_cache *cc = cc_new();
	struct sbuf ans = SBUF_INIT;
	struct cc_key k = key(&scope_a, "h/dev/cmd", "QPI", 1, NULL);
	struct cc_key again = key(&scope_a, "h/dev/cmd", "QPI", 2, NULL);
	struct cc_key same_session = key(&scope_a, "h/dev/cmd", "QPI", 1, NULL);
	uint64_t serial;
	int redeliv;

	new_answered(cc, &k, T0, "ran");
	same_session.may_be_redelivery = 1;
	/* Same connection: not a redelivery, a new command. */
	assert_int_equal(look(cc, &same_session, T0 + 1, &ans, &serial,
	    &redeliv), CC_NEW);
	cc_answer(cc, serial, "ran again", 9, NULL, NULL);
	/* The next connection: the newest copy is the one redelivered. */
	assert_int_equal(look(cc, &again, T0 + 2, &ans, &serial, &redeliv),
	    CC_ANSWERED);
	assert_string_equal(sbuf_str(&ans), "ran again");
	assert_int_equal(redeliv, 1);
	assert_int_equal(look(cc, &again, T0 + 3, &ans, &serial, &redeliv),
	    CC_ANSWERED);
	assert_string_equal(sbuf_str(&ans), "ran");
	/* Each message is redelivered once: a third copy is new. */
	assert_int_equal(look(cc, &again, T0 + 4, &ans, &serial, &redeliv),
	    CC_NEW);
	assert_int_equal(redeliv, 0);
	sbuf_free(&ans);
	cc_free(cc);
}

static void
test_cache_the_newest_matching_entry_answers(void **state)
{
	struct cmd_cache *cc = cc_new();
	struct sbuf ans = SBUF_INIT;
	struct cc_key a = key(&scope_a, "h/dev/cmd", "{\"id\": 1}", 1, "1");
	struct cc_key b = key(&scope_a, "h/dev/cmd", "{\"id\": 2}", 1, "2");
	struct cc_key k;
	uint64_t serial;
	int redeliv;

	new_answered(cc, &a, T0, "answer 1");
	new_answered(cc, &b, T0 + 1, "answer 2");
	/* Matches the older entry by its id and the newer as a redelivery:
	 * the newer wins, as a redelivery. */
	k = key(&scope_a, "h/dev/cmd", "{\"id\": 2}", 2, "1");
	assert_int_equal(look(cc, &k, T0 + 2, &ans, &serial, &redeliv),
	    CC_ANSWERED);
	assert_string_equal(sbuf_str(&ans), "answer 2");
	assert_int_equal(redeliv, 1);
	/* The redelivery is spent: now the id finds the older one. */
	assert_int_equal(look(cc, &k, T0 + 3, &ans, &serial, &redeliv),
	    CC_ANSWERED);
	assert_string_equal(sbuf_str(&ans), "answer 1");
	assert_int_equal(redeliv, 0);
	sbuf_free(&ans);
	cc_free(cc);
}

struct got {
	int	 n;
	char	 last[32];
	int	 tag;
};

static void
on_waiter(void *arg, const void *waiter, const char *answer, size_t len)
{
	struct got *g = arg;

	g->n++;
	memcpy(&g->tag, waiter, sizeof(g->tag));
	snprintf(g->last, sizeof(g->last), "%.*s", (int)len, answer);
}

static void
test_cache_repeat_while_running_is_answered_when_the_answer_comes(
    void **state)
{
	struct cmd_cache *cc = cc_new();
	struct sbuf ans = SBUF_INIT;
	struct cc_key k = key(&scope_a, "h/dev/cmd", "{\"id\": 3}", 1, "3");
	struct got g = { 0 };
	uint64_t first, serial;
	int redeliv, tag = 42;

	assert_int_equal(look(cc, &k, T0, &ans, &first, &redeliv), CC_NEW);
	for (int i = 0; i < CC_WAITERS_MAX + 3; i++)
		assert_int_equal(cc_lookup(cc, &k, T0 + 1, &tag, sizeof(tag),
		    &ans, &serial, &redeliv), CC_RUNNING);
	assert_int_equal(ans.len, 0);
	cc_answer(cc, first, "done", 4, on_waiter, &g);
	assert_int_equal(g.n, CC_WAITERS_MAX);
	assert_int_equal(g.tag, 42);
	assert_string_equal(g.last, "done");
	/* An unknown entry's answer is ignored. */
	cc_answer(cc, first + 1000, "stray", 5, on_waiter, &g);
	assert_int_equal(g.n, CC_WAITERS_MAX);
	assert_int_equal(look(cc, &k, T0 + 2, &ans, &serial, &redeliv),
	    CC_ANSWERED);
	assert_string_equal(sbuf_str(&ans), "done");
	sbuf_free(&ans);
	cc_free(cc);
}

static void
test_cache_is_bounded_oldest_first_out(void **state)
{
	struct cmd_cache *cc = cc_new();
	struct sbuf ans = SBUF_INIT;
	char id[16];
	struct cc_key k;
	uint64_t serial;
	int redeliv;

	for (int i = 0; i <= CC_MAX; i++) {
		snprintf(id, sizeof(id), "%d", i);
		k = key(&scope_a, "h/dev/cmd", id, 1, id);
		new_answered(cc, &k, T0 + i, id);
	}
	assert_int_equal(cc_count(cc), CC_MAX);
	/* Entry 0 went out, entry 1 is still there. */
	k = key(&scope_a, "h/dev/cmd", "1", 1, "1");
	assert_int_equal(look(cc, &k, T0 + CC_MAX + 1, &ans, &serial,
	    &redeliv), CC_ANSWERED);
	assert_string_equal(sbuf_str(&ans), "1");
	k = key(&scope_a, "h/dev/cmd", "0", 1, "0");
	assert_int_equal(look(cc, &k, T0 + CC_MAX + 2, &ans, &serial,
	    &redeliv), CC_NEW);
	cc_answer(cc, serial, "0 again", 7, NULL, NULL);
	/* Taking entry 0 back pushed entry 1 out. */
	k = key(&scope_a, "h/dev/cmd", "1", 1, "1");
	assert_int_equal(look(cc, &k, T0 + CC_MAX + 3, &ans, &serial,
	    &redeliv), CC_NEW);
	assert_int_equal(cc_count(cc), CC_MAX);
	sbuf_free(&ans);
	cc_free(cc);
}

static void
test_cache_forgets_after_its_time_to_live(void **state)
{
	struct cmd_cache *cc = cc_new();
	struct sbuf ans = SBUF_INIT;
	struct cc_key old = key(&scope_a, "h/dev/cmd", "a", 1, "a");
	struct cc_key young = key(&scope_a, "h/dev/cmd", "b", 1, "b");
	uint64_t serial;
	int redeliv;

	new_answered(cc, &old, T0, "old");
	new_answered(cc, &young, T0 + 10, "young");
	assert_int_equal(look(cc, &young, T0 + CC_TTL_MS + 5, &ans, &serial,
	    &redeliv), CC_ANSWERED);
	assert_int_equal(cc_count(cc), 1);
	assert_int_equal(look(cc, &old, T0 + CC_TTL_MS + 6, &ans, &serial,
	    &redeliv), CC_NEW);
	sbuf_free(&ans);
	cc_free(cc);
}

static void
test_cache_answers_are_bounded_in_bytes_oldest_first_out(void **state)
{
	struct cmd_cache *cc = cc_new();
	struct sbuf ans = SBUF_INIT;
	size_t big = CC_BYTES / 2 + 1;
	char *text = malloc(big);
	struct cc_key a = key(&scope_a, "h/dev/cmd", "a", 1, "a");
	struct cc_key b = key(&scope_a, "h/dev/cmd", "b", 1, "b");
	uint64_t sa, sb;
	int redeliv;

	memset(text, 'x', big);
	assert_int_equal(look(cc, &a, T0, &ans, &sa, &redeliv), CC_NEW);
	assert_int_equal(look(cc, &b, T0 + 1, &ans, &sb, &redeliv), CC_NEW);
	cc_answer(cc, sa, text, big, NULL, NULL);
	cc_answer(cc, sb, text, big, NULL, NULL);
	/* Both answers do not fit: the older entry went. */
	assert_int_equal(cc_count(cc), 1);
	assert_int_equal(look(cc, &b, T0 + 2, &ans, &sb, &redeliv),
	    CC_ANSWERED);
	assert_int_equal(ans.len, big);
	assert_int_equal(look(cc, &a, T0 + 3, &ans, &sa, &redeliv), CC_NEW);
	free(text);
	sbuf_free(&ans);
	cc_free(cc);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_cache_repeated_id_gets_the_first_answer),
	cmocka_unit_test(test_cache_redelivery_matches_once_and_only_from_an_earlier_session),
	cmocka_unit_test(test_cache_the_newest_matching_entry_answers),
	cmocka_unit_test(test_cache_repeat_while_running_is_answered_when_the_answer_comes),
	cmocka_unit_test(test_cache_is_bounded_oldest_first_out),
	cmocka_unit_test(test_cache_forgets_after_its_time_to_live),
	cmocka_unit_test(test_cache_answers_are_bounded_in_bytes_oldest_first_out),
};

MPPD_TEST_MAIN(tests)

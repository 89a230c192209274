/*
 * test_outbox.c - a broker connection's pending-message bookkeeping
 * without a broker: QoS 0 held while disconnected (bounded, oldest
 * dropped, order kept), QoS 1/2 deferred during a connect call, message
 * ids awaiting delivery, the mqtt_queue_max bound and what survives a
 * lost connection.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "outbox.h"

static void
test_outbox_starts_empty(void **state)
{
	struct outbox *o = ob_new(10);

	assert_int_equal(ob_pending(o), 0);
	assert_int_equal(ob_awaiting(o), 0);
	assert_null(ob_held_first(o));
	assert_null(ob_deferred_take(o));
	ob_free(o);
}

static void
test_outbox_held_messages_come_back_oldest_first_with_their_contents(
    void **state)
{
	struct outbox *o = ob_new(10);
	const struct ob_msg *m;

	assert_int_equal(ob_hold(o, "h/a", "one", 3, 0, NULL, 0, NULL), 0);
	assert_int_equal(ob_hold(o, "h/b", "two", 3, 1, "cd", 2, NULL), 0);
	assert_int_equal(ob_held_count(o), 2);
	assert_int_equal(ob_pending(o), 2);
	/* QoS 0 messages never count against the QoS 1/2 bound. */
	assert_int_equal(ob_awaiting(o), 0);

	assert_non_null(m = ob_held_first(o));
	assert_string_equal(m->topic, "h/a");
	assert_int_equal(m->len, 3);
	assert_memory_equal(m->payload, "one", 3);
	assert_int_equal(m->qos, 0);
	assert_int_equal(m->retain, 0);
	ob_held_pop(o);
	assert_non_null(m = ob_held_first(o));
	assert_string_equal(m->topic, "h/b");
	assert_int_equal(m->retain, 1);
	assert_int_equal(m->corrlen, 2);
	assert_memory_equal(m->corr, "cd", 2);
	ob_held_pop(o);
	assert_null(ob_held_first(o));
	assert_int_equal(ob_pending(o), 0);
	ob_free(o);
}

static void
test_outbox_held_count_bound_drops_the_oldest(void **state)
{
	struct outbox *o = ob_new(10);
	char topic[32];
	long dropped = 0;

	for (int i = 0; i < OB_HELD_MAX + 5; i++) {
		snprintf(topic, sizeof(topic), "h/%d", i);
		assert_int_equal(ob_hold(o, topic, "x", 1, 0, NULL, 0,
		    &dropped), 0);
	}
	assert_int_equal(dropped, 5);
	assert_int_equal(ob_held_count(o), OB_HELD_MAX);
	assert_string_equal(ob_held_first(o)->topic, "h/5");
	ob_free(o);
}

static void
test_outbox_held_byte_bound_drops_the_oldest(void **state)
{
	static char big[OB_HELD_BYTES / 4];
	struct outbox *o = ob_new(10);
	long dropped = 0;

	memset(big, 'p', sizeof(big));
	/* Four messages of a quarter each plus their topics do not fit. */
	assert_int_equal(ob_hold(o, "a", big, sizeof(big), 0, NULL, 0,
	    &dropped), 0);
	assert_int_equal(ob_hold(o, "b", big, sizeof(big), 0, NULL, 0,
	    &dropped), 0);
	assert_int_equal(ob_hold(o, "c", big, sizeof(big), 0, NULL, 0,
	    &dropped), 0);
	assert_int_equal(dropped, 0);
	assert_int_equal(ob_hold(o, "d", big, sizeof(big), 0, NULL, 0,
	    &dropped), 0);
	assert_int_equal(dropped, 1);
	assert_string_equal(ob_held_first(o)->topic, "b");
	assert_int_equal(ob_held_count(o), 3);
	ob_free(o);
}

static void
test_outbox_refuses_a_message_larger_than_the_whole_buffer(void **state)
{
	static char huge[OB_HELD_BYTES];
	struct outbox *o = ob_new(10);
	long dropped = 0;

	assert_int_equal(ob_hold(o, "a", "x", 1, 0, NULL, 0, &dropped), 0);
	/* The topic makes it one byte too many: refused, nothing dropped. */
	assert_int_equal(ob_hold(o, "b", huge, sizeof(huge), 0, NULL, 0,
	    &dropped), -1);
	assert_int_equal(dropped, 0);
	assert_int_equal(ob_held_count(o), 1);
	assert_string_equal(ob_held_first(o)->topic, "a");
	ob_free(o);
}

static void
test_outbox_deferred_messages_are_taken_in_order(void **state)
{
	struct outbox *o = ob_new(10);
	struct ob_msg *m;

	ob_defer(o, "r/1", "a", 1, 1, 1, NULL, 0);
	ob_defer(o, "r/2", "", 0, 2, 0, "id", 2);
	assert_int_equal(ob_awaiting(o), 2);
	assert_int_equal(ob_pending(o), 2);
	assert_non_null(m = ob_deferred_take(o));
	assert_string_equal(m->topic, "r/1");
	assert_int_equal(m->qos, 1);
	assert_int_equal(m->retain, 1);
	ob_msg_free(m);
	assert_non_null(m = ob_deferred_take(o));
	assert_string_equal(m->topic, "r/2");
	assert_int_equal(m->qos, 2);
	assert_int_equal(m->len, 0);
	assert_null(m->payload);
	assert_memory_equal(m->corr, "id", 2);
	ob_msg_free(m);
	assert_null(ob_deferred_take(o));
	assert_int_equal(ob_pending(o), 0);
	ob_free(o);
}

static void
test_outbox_delivery_clears_each_message_id_once(void **state)
{
	struct outbox *o = ob_new(10);

	ob_sent(o, 1, 1);
	ob_sent(o, 2, 0);
	ob_sent(o, 3, 2);
	assert_int_equal(ob_pending(o), 3);
	assert_int_equal(ob_awaiting(o), 2);
	assert_int_equal(ob_delivered(o, 1, NULL), 1);
	assert_int_equal(ob_delivered(o, 2, NULL), 0);
	/* A second report, or an id never sent, changes nothing. */
	assert_int_equal(ob_delivered(o, 1, NULL), -1);
	assert_int_equal(ob_delivered(o, 77, NULL), -1);
	assert_int_equal(ob_pending(o), 1);
	assert_int_equal(ob_delivered(o, 3, NULL), 1);
	assert_int_equal(ob_pending(o), 0);
	ob_free(o);
}

static void
test_outbox_same_message_id_recorded_twice_counts_once(void **state)
{
	struct outbox *o = ob_new(10);

	ob_sent(o, 65535, 1);
	ob_sent(o, 65535, 1);
	assert_int_equal(ob_awaiting(o), 1);
	assert_int_equal(ob_delivered(o, 65535, NULL), 1);
	assert_int_equal(ob_awaiting(o), 0);
	ob_free(o);
}

static void
test_outbox_lost_connection_forgets_qos0_keeps_qos1(void **state)
{
	struct outbox *o = ob_new(10);

	ob_sent(o, 10, 0);
	ob_sent(o, 11, 0);
	ob_sent(o, 12, 1);
	assert_int_equal(ob_conn_lost(o), 2);
	/* libmosquitto resends QoS 1/2 after the reconnect: still owed. */
	assert_int_equal(ob_pending(o), 1);
	assert_int_equal(ob_delivered(o, 10, NULL), -1);
	assert_int_equal(ob_delivered(o, 12, NULL), 1);
	assert_int_equal(ob_conn_lost(o), 0);
	ob_free(o);
}

static void
test_outbox_bound_refuses_non_retained_qos1_only(void **state)
{
	struct outbox *o = ob_new(2);

	ob_sent(o, 1, 1);
	assert_int_equal(ob_admit(o, 1, 0, 100), OB_ADMIT);
	ob_defer(o, "t", "x", 1, 1, 0, NULL, 0);
	/* One acknowledged-pending plus one deferred reach the bound. */
	assert_int_equal(ob_admit(o, 1, 0, 100), OB_FULL);
	assert_int_equal(ob_admit(o, 2, 0, 100), OB_FULL);
	/* Answers and discovery are retained: always queued. */
	assert_int_equal(ob_admit(o, 1, 1, 100), OB_ADMIT);
	/* QoS 0 is never refused by the bound. */
	assert_int_equal(ob_admit(o, 0, 0, 100), OB_ADMIT);
	assert_int_equal(ob_delivered(o, 1, NULL), 1);
	assert_int_equal(ob_admit(o, 1, 0, 100), OB_ADMIT);
	ob_free(o);
}

static void
test_outbox_default_bound_is_1000(void **state)
{
	struct outbox *o = ob_new(0);

	for (int mid = 1; mid < 1000; mid++)
		ob_sent(o, mid, 1);
	assert_int_equal(ob_admit(o, 1, 0, 100), OB_ADMIT);
	ob_sent(o, 1000, 1);
	assert_int_equal(ob_admit(o, 1, 0, 100), OB_FULL);
	ob_free(o);
}

/*
 * A packet larger than the broker's maximum is refused whatever its QoS
 * or retain flag (an answer too: the broker would drop the connection
 * and libmosquitto send it again after every reconnect); the size is the
 * whole PUBLISH packet, counted as MQTT does.
 */
static void
test_outbox_packet_larger_than_the_broker_maximum_is_refused(void **state)
{
	struct outbox *o = ob_new(0);
	/* "a/b" (3 bytes), 100 bytes, QoS 1: 1 + 1 + (2 + 3 + 2 + 100). */
	size_t sz = ob_packet_size(4, 3, 100, 1, 0);

	assert_int_equal(sz, 109);
	/* QoS 0 has no packet id; MQTT 5 adds the properties' length. */
	assert_int_equal(ob_packet_size(4, 3, 100, 0, 0), 107);
	assert_int_equal(ob_packet_size(5, 3, 100, 1, 0), 110);
	assert_int_equal(ob_packet_size(5, 3, 100, 1, 10), 120);
	/* The remaining length takes two bytes from 128 on. */
	assert_int_equal(ob_packet_size(4, 3, 200, 1, 0), 210);

	assert_int_equal(ob_admit(o, 1, 1, 1u << 20), OB_ADMIT);
	ob_set_max_packet(o, 109);
	assert_int_equal(ob_max_packet(o), 109);
	assert_int_equal(ob_admit(o, 1, 1, 109), OB_ADMIT);
	assert_int_equal(ob_admit(o, 1, 1, 110), OB_TOO_BIG);
	assert_int_equal(ob_admit(o, 0, 0, 110), OB_TOO_BIG);
	ob_set_max_packet(o, 0);
	assert_int_equal(ob_admit(o, 1, 1, 110), OB_ADMIT);
	ob_free(o);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_outbox_packet_larger_than_the_broker_maximum_is_refused),
	cmocka_unit_test(test_outbox_starts_empty),
	cmocka_unit_test(test_outbox_held_messages_come_back_oldest_first_with_their_contents),
	cmocka_unit_test(test_outbox_held_count_bound_drops_the_oldest),
	cmocka_unit_test(test_outbox_held_byte_bound_drops_the_oldest),
	cmocka_unit_test(test_outbox_refuses_a_message_larger_than_the_whole_buffer),
	cmocka_unit_test(test_outbox_deferred_messages_are_taken_in_order),
	cmocka_unit_test(test_outbox_delivery_clears_each_message_id_once),
	cmocka_unit_test(test_outbox_same_message_id_recorded_twice_counts_once),
	cmocka_unit_test(test_outbox_lost_connection_forgets_qos0_keeps_qos1),
	cmocka_unit_test(test_outbox_bound_refuses_non_retained_qos1_only),
	cmocka_unit_test(test_outbox_default_bound_is_1000),
};

#include "testmain.h"
MPPD_TEST_MAIN(tests)

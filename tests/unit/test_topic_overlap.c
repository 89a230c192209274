/*
 * test_topic_overlap.c - two topic filters can match one topic or not
 * (topic_overlap.h), checked against libmosquitto's own matcher: for
 * each pair said to overlap, a topic matching both is shown.
 */
#include <mosquitto.h>
#include <string.h>

#include "testmain.h"
#include "topic_overlap.h"

static int
matches(const char *filter, const char *topic)
{
	bool m = false;

	assert_int_equal(mosquitto_topic_matches_sub(filter, topic, &m),
	    MOSQ_ERR_SUCCESS);
	return m;
}

static void
test_pairs_with_a_common_topic_overlap(void **state)
{
	static const char *const yes[][3] = {
		/* a, b, a topic both match */
		{ "a/b", "a/b", "a/b" },
		{ "#", "h/inv/availability", "h/inv/availability" },
		{ "h/+/cmd", "h/b/cmd", "h/b/cmd" },
		{ "h/+/cmd", "h/b/+", "h/b/cmd" },
		{ "h/inv/#", "h/inv", "h/inv" },	/* '#': the parent */
		{ "h/inv/#", "h/inv/settings/#", "h/inv/settings/x" },
		{ "+/+", "a/#", "a/x" },
		{ "+", "+", "x" },
		{ "a//b", "a/+/b", "a//b" },		/* an empty level */
		{ "$SYS/#", "$SYS/+", "$SYS/x" },
		{ "+/status/#", "solar/+/value", "solar/status/value" },
		{ "homeassistant/#", "homeassistant/+/cmd",
		    "homeassistant/x/cmd" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		assert_true(matches(yes[i][0], yes[i][2]));
		assert_true(matches(yes[i][1], yes[i][2]));
		if (!topic_overlap(yes[i][0], yes[i][1]) ||
		    !topic_overlap(yes[i][1], yes[i][0]))
			fail_msg("%s and %s: no overlap found", yes[i][0],
			    yes[i][1]);
	}
}

static void
test_pairs_without_a_common_topic_do_not(void **state)
{
	static const char *const no[][2] = {
		{ "a/b", "a/c" },
		{ "h/+/cmd", "h/b/cmd_response" },
		{ "h/inv/cmd", "h/inv/cmd/x" },
		{ "h/inv/+", "h/inv" },		/* '+' needs a level */
		{ "h/inv/cmd/#", "h/inv/availability" },
		{ "#", "$SYS/broker" },		/* wildcards skip '$' topics */
		{ "+/#", "$SYS/x" },
		{ "a/+/c", "a/b/d" },
		{ "a", "a/b" },
		{ "a/b/c", "a/b" },
		{ "site/{device}/cmd", "site/inv/cmd" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (topic_overlap(no[i][0], no[i][1]) ||
		    topic_overlap(no[i][1], no[i][0]))
			fail_msg("%s and %s: overlap found", no[i][0], no[i][1]);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_pairs_with_a_common_topic_overlap),
	cmocka_unit_test(test_pairs_without_a_common_topic_do_not),
};

MPPD_TEST_MAIN(tests)

/*
 * test_cmd_ran.c - the retained commands that ran, kept in the state
 * directory: what a restart (a new ran_open on the same directory) knows,
 * what a clear forgets, the bound, and a directory that cannot be written.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testmain.h"
#include "harness.h"
#include "cmd_ran.h"
#include "config.h"

#define T	"h/inv/cmd"

static void
test_ran_a_command_that_ran_is_known_after_a_restart(void **state)
{
	char *dir = h_tmpdir(), *path, *text;
	struct cmd_ran *rn;

	assert_non_null(dir);
	rn = ran_open(dir);
	assert_int_equal(ran_seen(rn, "c1", T, "POP02", 5), 0);
	ran_record(rn, "c1", T, "POP02", 5);
	assert_int_equal(ran_seen(rn, "c1", T, "POP02", 5), 1);
	ran_free(rn);

	rn = ran_open(dir);		/* the next start */
	assert_int_equal(ran_count(rn), 1);
	assert_int_equal(ran_seen(rn, "c1", T, "POP02", 5), 1);
	/* Another payload, topic or connection has not run. */
	assert_int_equal(ran_seen(rn, "c1", T, "POP01", 5), 0);
	assert_int_equal(ran_seen(rn, "c1", "h/x/cmd", "POP02", 5), 0);
	assert_int_equal(ran_seen(rn, "c2", T, "POP02", 5), 0);
	/* The file holds the topic, never the command itself. */
	path = h_path(dir, RAN_FILE);
	assert_non_null(text = h_read_file(path, NULL));
	assert_non_null(strstr(text, " " T "\n"));
	assert_null(strstr(text, "POP02"));
	free(text);

	/* A clear came back: the topic holds no retained command. */
	ran_forget(rn, "c1", T);
	ran_free(rn);
	rn = ran_open(dir);
	assert_int_equal(ran_count(rn), 0);
	assert_int_equal(ran_seen(rn, "c1", T, "POP02", 5), 0);
	ran_free(rn);
	free(path);
	h_rmrf(dir);
	free(dir);
}

static void
test_ran_a_new_command_on_a_topic_replaces_its_record(void **state)
{
	struct cmd_ran *rn = ran_open(NULL);

	ran_record(rn, "c1", T, "POP02", 5);
	ran_record(rn, "c1", T, "POP01", 5);
	assert_int_equal(ran_count(rn), 1);
	assert_int_equal(ran_seen(rn, "c1", T, "POP02", 5), 0);
	assert_int_equal(ran_seen(rn, "c1", T, "POP01", 5), 1);
	ran_free(rn);
}

static void
test_ran_is_bounded_oldest_first_out(void **state)
{
	struct cmd_ran *rn = ran_open(NULL);
	char t[64];

	for (int i = 0; i < RAN_MAX + 10; i++) {
		snprintf(t, sizeof(t), "h/d%d/cmd", i);
		ran_record(rn, "c1", t, "QPI", 3);
	}
	assert_int_equal(ran_count(rn), RAN_MAX);
	assert_int_equal(ran_seen(rn, "c1", "h/d0/cmd", "QPI", 3), 0);
	snprintf(t, sizeof(t), "h/d%d/cmd", RAN_MAX + 9);
	assert_int_equal(ran_seen(rn, "c1", t, "QPI", 3), 1);
	ran_free(rn);
}

/* A directory that does not exist: the records live in memory. */
static void
test_ran_unwritable_directory_keeps_records_in_memory(void **state)
{
	struct cmd_ran *rn = ran_open("/nonexistent/mppd-state");

	ran_record(rn, "c1", T, "POP02", 5);
	assert_int_equal(ran_seen(rn, "c1", T, "POP02", 5), 1);
	ran_free(rn);
}

static void
test_state_dir_key_then_systemd_then_var_lib(void **state)
{
	struct config c;
	char buf[256];

	memset(&c, 0, sizeof(c));
	unsetenv("STATE_DIRECTORY");
	assert_string_equal(config_state_dir(&c, buf, sizeof(buf)),
	    "/var/lib/mppd");
	setenv("STATE_DIRECTORY", "/run/st/mppd:/other", 1);
	assert_string_equal(config_state_dir(&c, buf, sizeof(buf)),
	    "/run/st/mppd");
	c.state_dir = "/srv/mppd";
	assert_string_equal(config_state_dir(&c, buf, sizeof(buf)),
	    "/srv/mppd");
	unsetenv("STATE_DIRECTORY");
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_ran_a_command_that_ran_is_known_after_a_restart),
	cmocka_unit_test(test_ran_a_new_command_on_a_topic_replaces_its_record),
	cmocka_unit_test(test_ran_is_bounded_oldest_first_out),
	cmocka_unit_test(test_ran_unwritable_directory_keeps_records_in_memory),
	cmocka_unit_test(test_state_dir_key_then_systemd_then_var_lib),
};

MPPD_TEST_MAIN(tests)

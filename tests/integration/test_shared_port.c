/*
 * test_shared_port.c - two configuration sections naming one serial port
 * (mpp-solar's documented way to read several commands in separate
 * sections; one of them through a symlink) share one port owner: the real
 * mppd daemon polls both at pause = 1 for 60 s over mppd-sim at 2400 baud,
 * and not one result is corrupted or carries the other section's data.
 */
#include <ctype.h>

#include "scenario_env.h"

/* The field only each polled command's reply has. */
static const struct {
	const char	*cmd;
	const char	*field;
} kinds[] = {
	{ "QPIGS", "\"battery_voltage_from_scc\"" },
	{ "QID", "\"serial_number\"" },
	{ "QPIRI", "\"battery_recharge_voltage\"" },
	{ "QMOD", "\"device_mode\"" },
};
#define NKINDS	((int)(sizeof(kinds) / sizeof(kinds[0])))

static int
has_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay != '\0'; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return 1;
	return 0;
}

static void
test_two_sections_on_one_port_give_no_corrupted_result(void **state)
{
	char dev[1024], cmd[64], *text, *line, *save = NULL, *alias;
	int seen[NKINDS] = { 0 }, bad = 0, results = 0;

	(void)state;
	sc_up(&S, 0, NULL);
	sc_sim(&S, (const char *[]){ "--baud", "2400", NULL });
	alias = h_path(S.dir, "alias");
	assert_int_equal(symlink(S.link, alias), 0);
	snprintf(dev, sizeof(dev),
	    "[status]\nport = %s\nporttype = serial\nbaud = 2400\n"
	    "protocol = PI30\ncommand = QPIGS#QID\noutputs = json\n\n"
	    "[settings]\nport = %s\nporttype = serial\nbaud = 2400\n"
	    "protocol = PI30\ncommand = QPIRI#QMOD\noutputs = json\n",
	    S.link, alias);
	sc_conf(&S, "pause = 1\n", dev);
	sc_mppd(&S);
	sc_wait(&S, S.mlog, "one worker runs both in turn", 1, SC_WAIT_MS);
	h_sleep_ms(60000);
	sc_mppd_stop(&S);

	text = h_read_file(S.mlog, NULL);
	assert_non_null(text);
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		const char *c = strstr(line, "{\"_command\": \"");
		int k;
		if (c == NULL)
			continue;
		results++;
		snprintf(cmd, sizeof(cmd), "%s", c + 14);
		cmd[strcspn(cmd, "\"")] = '\0';
		for (k = 0; k < NKINDS; k++)
			if (strcmp(kinds[k].cmd, cmd) == 0)
				break;
		if (k == NKINDS || strstr(line, kinds[k].field) == NULL ||
		    has_ci(line, "validity") || has_ci(line, "\"error\"")) {
			fprintf(stderr, "corrupted: %.300s\n", line);
			bad++;
			continue;
		}
		seen[k]++;
	}
	free(text);
	fprintf(stderr, "60 s, two sections on one port: %d results, %d "
	    "corrupted (QPIGS %d, QID %d, QPIRI %d, QMOD %d)\n", results, bad,
	    seen[0], seen[1], seen[2], seen[3]);
	assert_int_equal(bad, 0);
	/* both sections kept polling, in turn */
	for (int k = 0; k < NKINDS; k++)
		assert_true(seen[k] >= 10);
	free(alias);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_teardown(test_two_sections_on_one_port_give_no_corrupted_result, sc_teardown),
};

MPPD_TEST_MAIN(tests)

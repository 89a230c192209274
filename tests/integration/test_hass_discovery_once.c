/*
 * test_hass_discovery_once.c - Home Assistant discovery is published once: the
 * real mppd daemon (hassd_mqtt sensors and hass_controls settings on a test
 * port, polled every second), a real mosquitto and mosquitto_sub counting
 * what reaches the broker.  Configs are retained and published at start,
 * after every (re)connect and when homeassistant/status says "online",
 * never on an ordinary poll cycle; states every cycle.
 */
#include "hass_check.h"
#include "scenario_env.h"

#define DEV_HA								\
	"[inv]\nport = test0\nprotocol = PI30\ncommand = QPIGS#QPIRI\n"	\
	"outputs = hassd_mqtt\nhass_controls = true\n"	\
	"mqtt_allowed_cmds = QPIRI,QFLAG,QMCHGCR,QMUCHGCR,POP0[0-2],PE.,PD.\n"

/* One state per poll cycle.  Without a tag the ids hold the command:
 * QPIGS and QPIRI both have an "AC Input Voltage". */
#define STATE_VOLTAGE	"homeassistant/sensor/mpp_QPIGS_ac_input_voltage/state|"
#define CONF_VOLTAGE	"homeassistant/sensor/mpp_QPIGS_ac_input_voltage/config|"
#define CONF_POP	"homeassistant/select/mpp_inv_output_source_priority/config|"

#define MAX_TOPICS	256

struct counts {
	char	*topic[MAX_TOPICS];
	int	 n[MAX_TOPICS];
	int	 ntopics;
};

/* Counts every ".../config" topic in a mosquitto_sub "%t|%p" log. */
static void
count_configs(const char *path, struct counts *c)
{
	char *text = h_read_file(path, NULL), *line, *save = NULL;

	memset(c, 0, sizeof(*c));
	assert_non_null(text);
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char *bar = strchr(line, '|');
		int k;
		if (bar == NULL || bar - line < 7 ||
		    strncmp(bar - 7, "/config", 7) != 0)
			continue;
		*bar = '\0';
		for (k = 0; k < c->ntopics; k++)
			if (strcmp(c->topic[k], line) == 0)
				break;
		if (k == c->ntopics) {
			assert_true(k < MAX_TOPICS);
			c->topic[c->ntopics++] = strdup(line);
		}
		c->n[k]++;
	}
	free(text);
}

static void
counts_free(struct counts *c)
{
	for (int k = 0; k < c->ntopics; k++)
		free(c->topic[k]);
}

/* Every config topic of log was published exactly want times; at least
 * min_topics of them. */
static void
assert_each_config(struct scen *s, const char *log, int want, int min_topics)
{
	struct counts c;

	count_configs(log, &c);
	if (c.ntopics < min_topics) {
		sc_dump("subscriber", log);
		fail_msg("%d config topics, expected at least %d", c.ntopics,
		    min_topics);
	}
	for (int k = 0; k < c.ntopics; k++)
		if (c.n[k] != want) {
			sc_dump("subscriber", log);
			fail_msg("%s published %d times, expected %d",
			    c.topic[k], c.n[k], want);
		}
	counts_free(&c);
}

/*
 * Over four poll cycles every config topic (sensors and settings) is
 * published once, states every cycle; homeassistant/status "online"
 * publishes every config once more, and the cycles after it none.
 */
static void
test_discovery_once_per_start_and_again_when_ha_comes_online(void **state)
{
	int cycles;

	(void)state;
	sc_up(&S, 1, NULL);
	sc_conf(&S, "pause = 1\n", DEV_HA);
	sc_sub(&S, "homeassistant/#");
	sc_mppd(&S);
	sc_wait(&S, S.rlog, CONF_POP, 1, SC_WAIT_MS);
	sc_wait(&S, S.rlog, STATE_VOLTAGE, 5, SC_WAIT_MS);
	/* sensors (QPIGS, QPIRI) and settings, each once */
	assert_each_config(&S, S.rlog, 1, 40);
	{
		/* and every one passes Home Assistant's discovery rules
		 * (tests/hass/hass_schema_check.py) */
		int n = hc_assert_bar_log_valid("discovery", S.rlog, NULL,
		    S.dir);
		assert_true(n >= 40);
	}

	sc_pub(&S, "homeassistant/status", "online");
	sc_wait(&S, S.rlog, CONF_VOLTAGE, 2, SC_WAIT_MS);
	sc_wait(&S, S.rlog, CONF_POP, 2, SC_WAIT_MS);
	cycles = h_count_text(S.rlog, STATE_VOLTAGE);
	sc_wait(&S, S.rlog, STATE_VOLTAGE, cycles + 3, SC_WAIT_MS);
	assert_each_config(&S, S.rlog, 2, 40);
	sc_mppd_stop(&S);
}

/*
 * The broker restarts without persistence, so it forgets the retained
 * configs: mppd publishes every one of them again once it is reconnected,
 * and not again on the cycles after.
 */
static void
test_discovery_republished_once_after_broker_restart(void **state)
{
	char *after;
	pid_t sub2;
	int cycles;
	struct counts before;

	(void)state;
	sc_up(&S, 1, NULL);
	/* A short reconnect delay keeps the restart well inside the waits. */
	sc_conf(&S, "pause = 1\nmqtt_reconnect_max = 2\n", DEV_HA);
	sc_sub(&S, "homeassistant/#");
	sc_mppd(&S);
	sc_wait(&S, S.rlog, CONF_POP, 1, SC_WAIT_MS);
	sc_wait(&S, S.rlog, STATE_VOLTAGE, 3, SC_WAIT_MS);
	assert_each_config(&S, S.rlog, 1, 40);
	count_configs(S.rlog, &before);

	assert_int_equal(h_stop(S.broker, SIGTERM, 5000), 0);
	h_stop(S.sub, SIGKILL, 1000);
	sc_wait(&S, S.mlog, "connection lost", 1, SC_WAIT_MS);
	sc_broker(&S);
	after = h_path(S.dir, "after.txt");
	sub2 = sc_sub_to(&S, "homeassistant/#", after);
	sc_wait(&S, after, CONF_VOLTAGE, 1, SC_WAIT_MS);
	sc_wait(&S, after, CONF_POP, 1, SC_WAIT_MS);
	cycles = h_count_text(after, STATE_VOLTAGE);
	sc_wait(&S, after, STATE_VOLTAGE, cycles + 3, SC_WAIT_MS);
	/* every config again (live or, if mppd was quicker than the
	 * subscriber, retained by the fresh broker), each once */
	assert_each_config(&S, after, 1, before.ntopics);
	for (int k = 0; k < before.ntopics; k++) {
		char needle[512];
		snprintf(needle, sizeof(needle), "%s|", before.topic[k]);
		if (h_count_text(after, needle) != 1)
			fail_msg("%s not published again after the restart",
			    before.topic[k]);
	}
	counts_free(&before);
	h_stop(sub2, SIGTERM, 2000);
	sc_mppd_stop(&S);
	free(after);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_teardown(test_discovery_once_per_start_and_again_when_ha_comes_online, sc_teardown),
	cmocka_unit_test_teardown(test_discovery_republished_once_after_broker_restart, sc_teardown),
};

MPPD_TEST_MAIN(tests)

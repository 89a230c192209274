/*
 * topic_check.h - the MQTT layer's check of a loaded configuration, run
 * by app_config_load(): the command topic, placeholders expanded, is a
 * valid subscription filter that takes neither mppd's own output nor
 * another device's commands.  Main thread, at start-up.
 */
#ifndef MPPD_TOPIC_CHECK_H
#define MPPD_TOPIC_CHECK_H

struct config;
struct config_diag;
struct device_cfg;
struct mqtt_settings;

/* Longest command topic mppd handles (the router refuses longer ones). */
#define TOPIC_CHECK_MAX	512

/*
 * Why filter cannot be a command topic mppd subscribes to, or NULL: not
 * a subscription filter (mosquitto_sub_topic_check's verdict, explained),
 * or longer than TOPIC_CHECK_MAX.  The one test of the load-time check
 * and of the router.  Pure.
 */
const char *topic_filter_problem(const char *filter);

/* One topic filter mppd publishes under (see topic_check_commands()). */
struct topic_pub {
	char			*filter;	/* placeholders expanded */
	char			*what;		/* "[inv]'s availability" */
	const struct device_cfg	*dev;		/* on this device's broker */
};

/*
 * Expands m->cmd_topic for device (NULL: "device", as [SETUP] is checked)
 * and reports, at the line of section's mqtt_cmd_topic, a topic that is
 * not a subscription filter (an error) or that ends in "_response" (a
 * warning: mppd's replies go there).  Returns -1 after an error, else 0.
 */
int	topic_check_config(struct config_diag *dg, const char *section,
	    const struct mqtt_settings *m, const char *device);

/*
 * The checks across devices of the command topics mppd subscribes to
 * (devices with mqtt_allowed_cmds and a broker), run once every device is
 * read: each device's own topic, placeholders expanded with its name, is
 * a filter topic_filter_problem() accepts (also when the topic is
 * inherited: a long device name fails here as in the daemon); it can
 * match no topic of pubs on the same broker (mppd would take its own
 * output as commands); and no two devices' topics on one broker can
 * match the same topic (a command would run on both).  Errors name the
 * devices and are reported at the line of the device's mqtt_cmd_topic
 * (its section's when the default is used).  -1 after an error, else 0.
 */
int	topic_check_commands(struct config_diag *dg, const struct config *c,
	    const struct topic_pub *pubs, int npubs);

#endif

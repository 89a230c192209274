/*
 * topic_check.h - the MQTT layer's check of a loaded configuration, run
 * by app_config_load(): the command topic, placeholders expanded, is a
 * valid subscription filter.  Main thread, at start-up.
 */
#ifndef MPPD_TOPIC_CHECK_H
#define MPPD_TOPIC_CHECK_H

struct config_diag;
struct mqtt_settings;

/*
 * Expands m->cmd_topic for device (NULL: "device", as [SETUP] is checked)
 * and reports, at the line of section's mqtt_cmd_topic, a topic that is
 * not a subscription filter (an error) or that ends in "_response" (a
 * warning: mppd's replies go there).  Returns -1 after an error, else 0.
 */
int	topic_check_config(struct config_diag *dg, const char *section,
	    const struct mqtt_settings *m, const char *device);

#endif

/*
 * hass_settings_int.h - the insides of a set of setting entities, shared by
 * its two halves and by nothing else: hass_settings.c (building the
 * entities, the command for a value) and hass_settings_msg.c (their
 * discovery configs and states).
 */
#ifndef MPPD_HASS_SETTINGS_INT_H
#define MPPD_HASS_SETTINGS_INT_H

#include "hass_settings.h"

struct hc_profile;

struct hc_set {
	char			*device;
	char			*hostname;
	char			*cmd_topic;
	char			*uid_base;	/* "mpp_<device>" with [A-Za-z0-9_-] only */
	int			 qos;
	const struct hc_profile	*prof;		/* NULL: no settings entities */
	struct hc_entity	*e;
	int			 n;
};

#endif

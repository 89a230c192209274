/*
 * hass_profiles.h - what each protocol family offers Home Assistant as
 * settings entities (hass_profiles.c): the queries that carry the settings
 * and the selects, numbers and switches with their command formats.  Read
 * by hass_settings.c; static tables, any thread.
 */
#ifndef MPPD_HASS_PROFILES_H
#define MPPD_HASS_PROFILES_H

#include <stddef.h>

#include "hass_settings.h"

struct pi_proto;

/* OPT_KEYED: the options of a keyed row, the command fmt(prefix, key). */
enum opt_src { OPT_ROW, OPT_CHG, OPT_UCHG, OPT_KEYED };

/*
 * Selects.  OPT_ROW: option i of the settings query's row `field` is the
 * command fmt(prefix, i); OPT_CHG/OPT_UCHG: the amperes the current
 * queries list, the command fmt(prefix, amperes) (NULL fmt: prefix + the
 * digits the protocol's pattern wants).
 */
struct sel_def {
	const char	*object, *name, *prefix, *field, *icon;
	enum opt_src	 src;
	const char	*fmt;
};

/* Numbers: ranges of a 48 V unit, scaled for 12 V and 24 V units. */
struct num_def {
	const char	*object, *name, *prefix, *field;
	double		 min48, max48;
	int		 deci;	/* argument in decivolts "450", not "45.0" */
};

/*
 * Switches read from the settings query's rows ("enabled"/"disabled"),
 * each with its own on and off commands (PI30's come from QFLAG instead).
 */
struct sw_def {
	const char	*object, *name, *field, *on, *off, *icon;
};

/*
 * What a family offers: the queries that feed the entities (the settings,
 * the flags, the two current lists) and its selects and numbers.
 */
struct hc_profile {
	const char		*family;	/* proto_family name */
	const char		*query[HC_NQUERY];
	const struct sel_def	*sels;
	size_t			 nsels;
	const struct num_def	*nums;
	size_t			 nnums;
	const struct sw_def	*sws;
	size_t			 nsws;
};

/* The profile of p's family, or NULL (no settings entities). */
const struct hc_profile *hc_profile_of(const struct pi_proto *p);

#endif

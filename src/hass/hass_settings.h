/*
 * hass_settings.h - inverter settings as Home Assistant select, number and
 * switch entities: which entities a device gets, their
 * retained discovery configs, and their states read from decoded QPIRI and
 * QFLAG replies.
 *
 * An entity is offered only when every command it can send passes both the
 * device's allowlist and the protocol's own argument pattern - the verdict
 * the command router gives (cmd_check.h) - so Home Assistant never shows a
 * control whose command mppd would refuse.
 *
 * Pure functions without I/O: messages go to an out_publish_fn.  A set is
 * immutable once built, so any thread may read it; proto_init() must have
 * run before hc_build().
 */
#ifndef MPPD_HASS_SETTINGS_H
#define MPPD_HASS_SETTINGS_H

#include <stddef.h>

#include "output.h"

struct allowlist;
struct pi_proto;
struct result;
struct sbuf;

/* Most options a select offers (the current lists have 12 or 13). */
#define HC_MAX_OPTS	32

enum hc_kind { HC_SELECT = 0, HC_NUMBER, HC_SWITCH };

enum hc_status {
	HC_READY = 0,	/* admitted: its discovery config is published */
	HC_WAITING,	/* admitted, but needs data first: the current options
			 * (QMCHGCR / QMUCHGCR) or the rated battery voltage
			 * (QPIRI) for a number's range */
	HC_REFUSED	/* the protocol has it, the allowlist admits none of
			 * its commands: its discovery is removed (empty
			 * retained config) so an old one does not linger */
};

/* The queries that feed the entities, per family (hc_query). */
enum hc_query {
	HC_Q_PIRI = 0,	/* the settings: "QPIRI" (PI30), "PIRI" (PI18), "HECS" (PI17) */
	HC_Q_FLAG,	/* the flags: "QFLAG" (PI30), none (PI18) */
	HC_Q_CHG,	/* the max charging currents: "QMCHGCR", "MCHGCR" */
	HC_Q_UCHG,	/* the max AC charging currents: "QMUCHGCR", "MUCHGCR" */
	HC_NQUERY
};

/* The command text of query q on p's family, or NULL (none, or a family
 * without setting entities). */
const char *hc_query(const struct pi_proto *p, enum hc_query q);

/* Which reply carries an entity's state. */
enum hc_source { HC_SRC_QPIRI = 0, HC_SRC_QFLAG };

struct hc_option {
	char	*label;		/* shown in HA and sent as state: "SBU first", "30" */
	char	*cmd;		/* the raw command: "POP02", "MUCHGC030" */
	char	*state;		/* the decoded text meaning this option when it
				 * differs from label (a placeholder in the
				 * reply's table: "TBD" for "BAK"), else NULL */
};

struct hc_entity {
	enum hc_kind	 kind;
	enum hc_status	 status;
	char		*object;	/* "output_source_priority", "buzzer" */
	char		*name;		/* "Output Source Priority", "Buzzer" */
	const char	*field;		/* result key of its state ("Buzzer") */
	enum hc_source	 source;
	const char	*icon;		/* "mdi:..." or NULL */
	const char	*prefix;	/* command name: "POP", "PBCV", "PE" */
	/* HC_SELECT: the admitted options, in the protocol's order. */
	struct hc_option *opts;
	int		 nopts;
	/* HC_NUMBER: volts; the command is prefix + "%04.1f". */
	double		 min, max, step;
	/* HC_NUMBER: argument in decivolts ("PSDV450", PI18). */
	int		 deci;
	/* HC_SWITCH: "PEa" / "PDa", or "PBDV00.0" / "PBDV48.0". */
	char		 on_cmd[16], off_cmd[16];
	int		 on_when_zero;	/* HC_SWITCH from a QPIRI number: on
					 * when it reads 0 (redischarge at
					 * "battery full") */
	/*
	 * Set when a state outside the options or the range was published
	 * as unknown and logged, so the log says it once, not every cycle.
	 * Written only by hc_publish_states on the device's worker thread.
	 */
	int		 unknown_logged;
};

/* What a device's entity list depends on; every pointer is borrowed. */
struct hc_params {
	const struct pi_proto	*proto;
	const struct allowlist	*allow;		/* NULL admits nothing */
	const char		*device;	/* section name */
	const char		*hostname;	/* {hostname} */
	const char		*cmd_topic;	/* the expanded command topic (no wildcards) */
	int			 qos;		/* QoS HA publishes commands with */
	const int		*chg_opts;	/* QMCHGCR amperes; NULL = not read yet */
	int			 nchg;
	const int		*uchg_opts;	/* QMUCHGCR amperes; NULL = not read yet */
	int			 nuchg;
	double			 battery_v;	/* rated battery voltage from QPIRI, 0 = not read yet */
};

struct hc_set;

/*
 * The entities the protocol supports for this device, each with its status
 * (an entity the protocol lacks - no command, no state field - is not in
 * the set at all).  The strings of p are copied.  Never NULL; free with
 * hc_free().
 */
struct hc_set *hc_build(const struct hc_params *p);
void	hc_free(struct hc_set *s);

int	hc_count(const struct hc_set *s);
const struct hc_entity *hc_at(const struct hc_set *s, int i);
/* The entity with that object id, or NULL. */
const struct hc_entity *hc_find(const struct hc_set *s, const char *object);
/* Entities that are HC_READY or HC_WAITING. */
int	hc_admitted(const struct hc_set *s);

/* "homeassistant/select/mpp_<device>_<object>/config" into out (appended). */
void	hc_config_topic(const struct hc_set *s, const struct hc_entity *e,
	    struct sbuf *out);
/* "<hostname>/<device>/settings/<object>" into out (appended). */
void	hc_state_topic(const struct hc_set *s, const struct hc_entity *e,
	    struct sbuf *out);
/*
 * The discovery config of e as JSON (appended to out): name, unique_id,
 * object_id, command_topic, command_template (select, number) or
 * payload_on/payload_off/state_on/state_off (switch), state_topic, qos,
 * options (select), min/max/step/mode/unit/device_class (number),
 * availability (the daemon's status and the device's availability topic,
 * mode "all"), entity_category "config", the device block of the hassd
 * sensors and an icon.
 */
void	hc_config_payload(const struct hc_set *s, const struct hc_entity *e,
	    struct sbuf *out);

/*
 * Publishes (QoS 0, retained) the config of every HC_READY entity and an
 * empty config for every HC_REFUSED one.  Returns the number of configs.
 */
int	hc_publish_discovery(const struct hc_set *s, out_publish_fn fn,
	    void *arg);

/*
 * Publishes (QoS 0, retained) the state of every entity whose state the
 * reply to cmd (QPIRI or QFLAG) carries: the option text, the number as
 * Python's str(), "enabled"/"disabled".  A select state that is none of its
 * options, or a number outside its range, is published as "None" (Home
 * Assistant's payload for unknown) and logged once.  Error results publish
 * nothing.  Returns the number of states.  Only the device's worker thread
 * (it marks entities as logged).
 */
int	hc_publish_states(const struct hc_set *s, const char *cmd,
	    const struct result *r, out_publish_fn fn, void *arg);

/*
 * The amperes listed by a QMCHGCR / QMUCHGCR reply (in order, duplicates
 * dropped, at most max) into out.  Returns their number, or -1 for an error
 * result (NAK, no reply, undefined command).
 */
int	hc_current_options(const struct result *r, int *out, int max);

/* The rated battery voltage a QPIRI result reports as 12, 24 or 48; 0
 * when it has none (error result). */
double	hc_rated_battery_voltage(const struct result *r);

/* 1 when r is a setter's successful acknowledgement ("ACK"). */
int	hc_is_ack(const struct result *r);

/*
 * Renders the command an entity sends for a value as Home Assistant would
 * (select: an option label; number: the value; switch: "ON"/"OFF") into
 * out.  Returns 0, or -1 when e has no such option.  For tests and logs.
 */
int	hc_command_for(const struct hc_entity *e, const char *value, char *out,
	    size_t n);

#endif

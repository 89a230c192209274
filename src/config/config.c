/*
 * config.c - the configuration model: turns the sections read by
 * config_ini.c into struct config, with the defaults, the inheritance of
 * [SETUP] and [DEFAULT], and every check that needs nothing but the
 * configuration itself (numbers, booleans, TLS files, shared connection
 * settings, topic levels).  Checks that need another layer (protocol
 * known, allowlist compiles, output known, port type, topic filter) live
 * in that layer and are called through struct config_hooks (see
 * app_config.c) at the point of the load their messages belong to.
 *
 * Errors and warnings go to a struct config_diag, one line each:
 *	mppd.conf:12: pause: expected a whole number from 0 to 86400, found "ten"
 * Runs once at start-up on the main thread.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"
#include "config_diag.h"
#include "config_ini.h"
#include "config_keys.h"
#include "config_value.h"
#include "log.h"
#include "sbuf.h"

/* Messages name the file and line (config_diag.h). */
#define cerr(x, line, ...)	config_diag_error_at((x)->dg, (line), __VA_ARGS__)
#define cwarn(x, line, ...)	config_diag_warn_at((x)->dg, (line), __VA_ARGS__)
#define quoted(v, q, n)		config_diag_quote((v), (q), (n))

/* Where each effective mqtt_* value came from. */
struct morigin {
	int		 line[MK_COUNT];	/* 0: built-in or CLI */
	unsigned char	 own[MK_COUNT];		/* set in this very section */
};

struct ctx {
	const char	*path;
	struct config_diag *dg;
	struct cfgini	 ini;
	int		 has_pass;	/* some section sets mqtt_pass */
	struct morigin	 so;		/* [SETUP] */
	struct morigin	*dorig;		/* per device */
	const struct config_hooks *hooks;
};

/*
 * The closest of the known keys valid in scope, or NULL when none is
 * within 3 edits (see config_diag_closest()).
 */
static const char *
closest_key(const char *word, enum kscope scope)
{
	const char *names[96];
	int n = config_key_names(scope, names, 96);

	return config_diag_closest(word, names, n);
}

/* ---------------------------------------------------------------------- */
/* mqtt_settings */

static int	mqtt_apply(struct mqtt_settings *, int, const char *);

/* 1 when mqtt_* key k holds a string. */
static int
is_str(int k)
{
	return config_key_mqtt(k)->type == KT_STR ||
	    config_key_mqtt(k)->type == KT_OPT;
}

/* Address of the string field k of m (k must be an KT_STR/KT_OPT key). */
static char **
mf_str(struct mqtt_settings *m, int k)
{
	return (char **)(void *)((char *)m + config_key_mqtt(k)->off);
}

/*
 * The key table's defaults, with CLI -q/--mqttport/--mqttuser/--mqttpass
 * when given; m is overwritten (not freed) and owns its strings afterwards.
 */
static void
mqtt_defaults(struct mqtt_settings *m, const struct cli_mqtt *cli)
{
	memset(m, 0, sizeof(*m));
	for (int k = 0; k < MK_COUNT; k++)
		if (config_key_mqtt(k)->dflt != NULL &&
		    mqtt_apply(m, k, config_key_mqtt(k)->dflt) < 0)
			fatal("config_keys.c: bad default for %s",
			    config_key_mqtt(k)->name);
	if (cli != NULL && cli->broker != NULL && cli->broker[0] != '\0') {
		free(m->broker);
		m->broker = xstrdup(cli->broker);
	}
	if (cli != NULL && cli->port > 0)
		m->port = cli->port;
	if (cli != NULL && cli->user != NULL && cli->user[0] != '\0')
		m->user = xstrdup(cli->user);
	if (cli != NULL && cli->pass != NULL && cli->pass[0] != '\0')
		m->pass = xstrdup(cli->pass);
}

/* Deep copy: dst owns its strings. */
static void
mqtt_copy(struct mqtt_settings *dst, const struct mqtt_settings *src)
{
	*dst = *src;
	for (int k = 0; k < MK_COUNT; k++)
		if (is_str(k)) {
			char **p = mf_str(dst, k);

			if (*p != NULL)
				*p = xstrdup(*p);
		}
}

/* Frees the strings of m (not m itself) and sets them to NULL. */
static void
mqtt_free(struct mqtt_settings *m)
{
	for (int k = 0; k < MK_COUNT; k++)
		if (is_str(k)) {
			char **p = mf_str(m, k);

			free(*p);
			*p = NULL;
		}
}

/* 1 when field k of a and b differs. */
static int
mqtt_differs(const struct mqtt_settings *a, const struct mqtt_settings *b,
    int k)
{
	const char *pa = (const char *)a + config_key_mqtt(k)->off;
	const char *pb = (const char *)b + config_key_mqtt(k)->off;
	const char *sa, *sb;

	switch (config_key_mqtt(k)->type) {
	case KT_STR:
	case KT_OPT:
		memcpy(&sa, pa, sizeof(sa));
		memcpy(&sb, pb, sizeof(sb));
		if (sa == NULL || sb == NULL)
			return sa != sb;
		return strcmp(sa, sb) != 0;
	case KT_SECS:
		return *(const double *)(const void *)pa !=
		    *(const double *)(const void *)pb;
	case KT_MATCH:
		return *(const enum cmd_match *)(const void *)pa !=
		    *(const enum cmd_match *)(const void *)pb;
	default:
		return *(const int *)(const void *)pa !=
		    *(const int *)(const void *)pb;
	}
}

/* Field k of m as text for a message (never the password). */
static void
mqtt_show(const struct mqtt_settings *m, int k, char *buf, size_t n)
{
	const char *p = (const char *)m + config_key_mqtt(k)->off;
	const char *s;

	switch (config_key_mqtt(k)->type) {
	case KT_STR:
	case KT_OPT:
		memcpy(&s, p, sizeof(s));
		snprintf(buf, n, "%s", s != NULL ? s : "(unset)");
		break;
	case KT_SECS:
		snprintf(buf, n, "%g", *(const double *)(const void *)p);
		break;
	case KT_MATCH:
		snprintf(buf, n, "%s", *(const enum cmd_match *)(const void *)p
		    == MATCH_PREFIX ? "prefix" : "full");
		break;
	default:
		snprintf(buf, n, "%d", *(const int *)(const void *)p);
		break;
	}
}

/*
 * Sets field k of m from the one-line text val, as the key table types
 * it.  -1 (m unchanged) when val is not a value of that type.
 */
static int
mqtt_apply(struct mqtt_settings *m, int k, const char *val)
{
	const struct config_key *mk = config_key_mqtt(k);
	char *base = (char *)m + mk->off;
	long lv;
	double dv;
	int iv;

	switch (mk->type) {
	case KT_STR:
		if (val[0] == '\0')
			return -1;
		/* FALLTHROUGH */
	case KT_OPT:
		free(*mf_str(m, k));
		*mf_str(m, k) = val[0] != '\0' ? xstrdup(val) : NULL;
		return 0;
	case KT_INT:
		if (val_long(val, mk->min, mk->max, &lv) < 0)
			return -1;
		iv = (int)lv;
		break;
	case KT_BOOL:
		if (val_bool(val, &iv) < 0)
			return -1;
		break;
	case KT_PROTO:
		if (strcmp(val, "3.1.1") == 0 || strcmp(val, "4") == 0)
			iv = 4;
		else if (strcmp(val, "5") == 0)
			iv = 5;
		else
			return -1;
		break;
	case KT_MATCH:
		if (strcasecmp(val, "full") == 0)
			m->cmd_match = MATCH_FULL;
		else if (strcasecmp(val, "prefix") == 0)
			m->cmd_match = MATCH_PREFIX;
		else
			return -1;
		return 0;
	case KT_SECS:
		if (val_secs(val, (double)mk->max, &dv) < 0)
			return -1;
		memcpy(base, &dv, sizeof(dv));
		return 0;
	default:
		return -1;
	}
	memcpy(base, &iv, sizeof(iv));
	return 0;
}

/*
 * Sets field k of m from val (key e, found in line e->line, of section
 * sect); records the origin.  Bad values are reported and leave the field
 * unchanged.
 */
static void
mqtt_set(struct ctx *x, struct mqtt_settings *m, struct morigin *o,
    const char *sect, int k, const struct cfgini_entry *e, const char *val)
{
	const struct config_key *mk = config_key_mqtt(k);
	char q[96];

	if (strchr(val, '\n') != NULL) {
		cerr(x, e->line, "%s: expected a value on one line, found "
		    "\"%s\" (indented lines continue the previous value)",
		    e->key, k == MK_PASS ? "..." : quoted(val, q, sizeof(q)));
		return;
	}
	if (mqtt_apply(m, k, val) < 0) {
		if (mk->type == KT_STR)
			cerr(x, e->line, "%s: expected %s, found an empty "
			    "value", e->key, mk->expect);
		else if (mk->type == KT_BOOL)
			cerr(x, e->line, "%s: expected true or false (or "
			    "yes/no, on/off, 1/0), found \"%s\"", e->key,
			    quoted(val, q, sizeof(q)));
		else
			cerr(x, e->line, "%s: expected %s, found \"%s\"",
			    e->key, mk->expect, quoted(val, q, sizeof(q)));
		return;
	}
	if (k == MK_PASS && val[0] != '\0')
		x->has_pass = 1;
	o->line[k] = e->line;
	o->own[k] = 1;
	config_diag_note(x->dg, sect, mk->name, e->line, 1);
}

/*
 * Checks one effective settings block: [SETUP] (dev NULL) or a device.
 * For a device only what the device set itself is checked - inherited
 * [SETUP] values were checked with [SETUP].  The command topic and the
 * allowlist are checked by their own layers (app_config.c).
 */
static void
mqtt_check(struct ctx *x, const struct mqtt_settings *m,
    const struct morigin *o, const char *dev)
{
	int setup = dev == NULL;
	char q[96];

	if ((setup || o->own[MK_RECONNECT_MIN] || o->own[MK_RECONNECT_MAX]) &&
	    m->reconnect_min > m->reconnect_max) {
		int k = o->own[MK_RECONNECT_MIN] ? MK_RECONNECT_MIN :
		    MK_RECONNECT_MAX;

		cerr(x, o->line[k], "%s: expected mqtt_reconnect_min <= "
		    "mqtt_reconnect_max, found %g > %g", config_key_mqtt(k)->name,
		    m->reconnect_min, m->reconnect_max);
	}
	if ((setup || o->own[MK_TLS_CERT] || o->own[MK_TLS_KEY]) &&
	    (m->tls_cert == NULL) != (m->tls_key == NULL)) {
		int k = m->tls_cert != NULL ? MK_TLS_CERT : MK_TLS_KEY;

		cerr(x, o->line[k], "%s: expected mqtt_tls_cert and "
		    "mqtt_tls_key together, found only %s", config_key_mqtt(k)->name,
		    config_key_mqtt(k)->name);
	}
	if ((setup || o->own[MK_TLS_CERT] || o->own[MK_TLS_CA]) &&
	    m->tls_cert != NULL && m->tls_ca == NULL)
		cwarn(x, o->line[MK_TLS_CERT], "mqtt_tls_cert is ignored: "
		    "TLS is only used when mqtt_tls_ca is set");
	for (int k = MK_TLS_CA; k <= MK_TLS_KEY; k++) {
		const char *f = *mf_str((struct mqtt_settings *)m, k);

		if (f != NULL && o->own[k] && access(f, R_OK) != 0)
			cwarn(x, o->line[k], "%s: cannot read '%s': %s",
			    config_key_mqtt(k)->name, f, strerror(errno));
	}
	if (m->hostname != NULL && o->own[MK_HOSTNAME] &&
	    val_level_problem(m->hostname) != NULL)
		cerr(x, o->line[MK_HOSTNAME], "mqtt_hostname: expected a name "
		    "usable as one MQTT topic level, found \"%s\": %s",
		    quoted(m->hostname, q, sizeof(q)),
		    val_level_problem(m->hostname));
}

/* ---------------------------------------------------------------------- */
/* Layer 3: sections */

/* Logs the unknown-key warning, with the closest valid key if any. */
static void
warn_unknown(struct ctx *x, const struct cfgini_entry *e, enum kscope scope)
{
	const char *near = closest_key(e->key, scope);

	if (near != NULL)
		cwarn(x, e->line, "unknown key '%s' (did you mean '%s'?)",
		    e->key, near);
	else
		cwarn(x, e->line, "unknown key '%s' (ignored)", e->key);
}

/*
 * Classifies e for a section of the given scope: returns the key
 * definition, or NULL when e does not apply;
 * own entries of the section that do not apply are warned about.
 */
static const struct config_key *
key_for(struct ctx *x, const struct cfgini_entry *e, enum kscope scope,
    int own)
{
	const struct config_key *k = config_key_find(e->key);

	if (k == NULL) {
		if (own)
			warn_unknown(x, e, scope);
		return NULL;
	}
	if ((k->scope & scope) == 0) {
		if (own && scope == KS_SETUP)
			cwarn(x, e->line, "key '%s' is read in device "
			    "sections only; ignored in [SETUP]", e->key);
		else if (own)
			cwarn(x, e->line, "key '%s' is read in [SETUP] only; "
			    "ignored in a device section", e->key);
		return NULL;
	}
	return k;
}

/* http_listen: "HOST:PORT" or "[v6]:PORT", port 1-65535. */
static int
listen_ok(const char *v)
{
	const char *colon = strrchr(v, ':'), *p;
	long port = 0;

	if (colon == NULL || colon == v || colon[1] == '\0' ||
	    (v[0] == '[' ? colon[-1] != ']' || colon - v < 3 :
	    memchr(v, ':', (size_t)(colon - v)) != NULL))
		return 0;
	for (p = colon + 1; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || port > 65535)
			return 0;
		port = port * 10 + (*p - '0');
	}
	return port >= 1 && port <= 65535;
}

/*
 * Reads [SETUP] (then [DEFAULT] for what [SETUP] leaves unset) into c:
 * pause, log_file and the mqtt_* defaults every device starts from.
 */
static void
load_setup(struct ctx *x, struct config *c)
{
	const struct cfgini_sect *s = &x->ini.sects[x->ini.setup];
	const struct cfgini_sect *d = x->ini.dflt >= 0 ?
	    &x->ini.sects[x->ini.dflt] : NULL;
	char q[96];
	long lv;

	for (int pass = 0; pass < 2; pass++) {
		const struct cfgini_sect *from = pass == 0 ? s : d;

		for (int i = 0; from != NULL && i < from->nents; i++) {
			const struct cfgini_entry *e = &from->ents[i];
			const struct config_key *k;
			char *val;

			/* [DEFAULT] fills what [SETUP] leaves unset. */
			if (pass == 1 && cfgini_get(&x->ini, x->ini.setup, e->key) != NULL)
				continue;
			if ((k = key_for(x, e, KS_SETUP, pass == 0)) ==
			    NULL)
				continue;
			if ((val = cfgini_value(&x->ini, x->dg, x->ini.setup, e)) == NULL)
				continue;
			if (k->id == K_MQTT)
				mqtt_set(x, &c->mqtt, &x->so, "SETUP", k->mk, e,
				    val);
			else if (k->id == K_PAUSE) {
				if (val_long(val, 0, 86400, &lv) < 0)
					cerr(x, e->line, "pause: expected a "
					    "whole number of seconds from 0 "
					    "to 86400, found \"%s\"",
					    quoted(val, q, sizeof(q)));
				else
					c->pause = (int)lv;
			} else if (k->id == K_LOG_FILE) {
				free(c->log_file);
				c->log_file = val[0] != '\0' ? xstrdup(val) :
				    NULL;
			} else if (k->id == K_STATE_DIR) {
				free(c->state_dir);
				c->state_dir = val[0] != '\0' ? xstrdup(val) :
				    NULL;
			} else if (k->id == K_HTTP_LISTEN) {
				/* the web server: "ADDR:PORT", "" = off */
				free(c->http_listen);
				c->http_listen = NULL;
				if (val[0] != '\0' && !listen_ok(val))
					cerr(x, e->line, "http_listen: expected "
					    "ADDR:PORT (e.g. 127.0.0.1:8080), "
					    "found \"%s\"",
					    quoted(val, q, sizeof(q)));
				else if (val[0] != '\0')
					c->http_listen = xstrdup(val);
			} else if (k->id == K_HASS_CONTROLS) {
				/* [SETUP] sets the default of every device */
				if (val_bool(val, &c->hass_controls) < 0)
					cerr(x, e->line, "hass_controls: expected "
					    "true or false, found \"%s\"",
					    quoted(val, q, sizeof(q)));
			} else if (k->id == K_HASS_ENERGY) {
				if (val_bool(val, &c->hass_energy) < 0)
					cerr(x, e->line, "hass_energy: expected "
					    "true or false, found \"%s\"",
					    quoted(val, q, sizeof(q)));
			}
			free(val);
		}
	}
	/* [SETUP]'s own mqtt_* keys count as "own" for the checks. */
	mqtt_check(x, &c->mqtt, &x->so, NULL);
	if (x->hooks->setup != NULL)
		x->hooks->setup(x->hooks->arg, x->dg, c);
}

/* Device section: commands ('#'-split, trimmed; "" = default command). */
static void
dev_commands(struct ctx *x, struct device_cfg *d, const struct cfgini_entry *e,
    const char *val)
{
	char q[96];

	val_free_list(d->commands, d->ncommands);
	d->ncommands = val_split(val, '#', 1, &d->commands);
	for (int i = 0; i < d->ncommands; i++)
		if (strpbrk(d->commands[i], "\n\t") != NULL)
			cerr(x, e->line, "command: expected commands "
			    "separated by '#', found \"%s\" (a line break or "
			    "tab inside a command)",
			    quoted(d->commands[i], q, sizeof(q)));
}

/* An optional string key: "" is unset. */
static void
set_opt(char **dst, const char *val)
{
	free(*dst);
	*dst = val[0] != '\0' ? xstrdup(val) : NULL;
}

/* One non-mqtt key of a device section. */
static void
dev_key(struct ctx *x, struct device_cfg *d, const struct config_key *k,
    const struct cfgini_entry *e, const char *val)
{
	char q[96];
	long lv;
	double dv;

	if (k->id != K_COMMAND && k->id != K_OUTPUTS &&
	    strchr(val, '\n') != NULL) {
		cerr(x, e->line, "%s: expected a value on one line, found "
		    "\"%s\" (indented lines continue the previous value)",
		    e->key, quoted(val, q, sizeof(q)));
		return;
	}
	switch (k->id) {
	case K_PROTOCOL:
		/* Whether mppd knows it is the protocol layer's check. */
		free(d->protocol);
		d->protocol = xstrdup(val);
		break;
	case K_TYPE:
		if (strcasecmp(val, "mppsolar") != 0)
			cwarn(x, e->line, "type: mppd drives 'mppsolar' "
			    "(PI30-family) devices only; type '%s' is treated "
			    "as mppsolar", val);
		free(d->type);
		d->type = xstrdup(val);
		break;
	case K_PORT:
		free(d->port);
		d->port = xstrdup(val);
		break;
	case K_BAUD:
		if (val_long(val, 50, 4000000, &lv) < 0) {
			cerr(x, e->line, "baud: expected a baud rate from 50 "
			    "to 4000000, found \"%s\"",
			    quoted(val, q, sizeof(q)));
			return;
		}
		d->baud = (int)lv;
		break;
	case K_PORTTYPE:
		free(d->porttype);
		d->porttype = val[0] != '\0' ? xstrdup(val) : NULL;
		break;
	case K_COMMAND:
		dev_commands(x, d, e, val);
		break;
	case K_TAG:
		/* "" stays "": tag None and tag "" differ in outputs. */
		free(d->tag);
		d->tag = xstrdup(val);
		break;
	case K_OUTPUTS:
		/* Names the output layer does not know are warned about and
		 * dropped by its check (app_config.c). */
		val_free_list(d->outputs, d->noutputs);
		d->noutputs = val_split(val, ',', 0, &d->outputs);
		break;
	case K_FILTER:
	case K_EXCLFILTER:
		/* The outputs compile it; their check reports it. */
		if (k->id == K_FILTER) {
			free(d->filter);
			d->filter = val[0] != '\0' ? xstrdup(val) : NULL;
		} else {
			free(d->exclfilter);
			d->exclfilter = val[0] != '\0' ? xstrdup(val) : NULL;
		}
		break;
	case K_MQTT_TOPIC:
		free(d->mqtt_topic);
		d->mqtt_topic = val[0] != '\0' ? xstrdup(val) : NULL;
		break;
	case K_DEV:
		free(d->dev);
		d->dev = xstrdup(val);
		break;
	case K_TIMEOUT:
		if (val_secs(val, 3600, &dv) < 0) {
			cerr(x, e->line, "timeout: expected seconds greater "
			    "than 0 and at most 3600 (e.g. 2 or 0.5), found "
			    "\"%s\"", quoted(val, q, sizeof(q)));
			return;
		}
		d->timeout_ms = (int)lround(dv * 1000);
		if (d->timeout_ms < 1)
			d->timeout_ms = 1;
		break;
	case K_QUEUE_LEN:
		if (val_long(val, 1, 1024, &lv) < 0) {
			cerr(x, e->line, "queue_len: expected a whole number "
			    "from 1 to 1024, found \"%s\"",
			    quoted(val, q, sizeof(q)));
			return;
		}
		d->queue_len = (int)lv;
		break;
	case K_HASS_CONTROLS:
		if (val_bool(val, &d->hass_controls) < 0)
			cerr(x, e->line, "hass_controls: expected true or "
			    "false (or yes/no, on/off, 1/0), found \"%s\"",
			    quoted(val, q, sizeof(q)));
		break;
	case K_HASS_ENERGY:
		if (val_bool(val, &d->hass_energy) < 0)
			cerr(x, e->line, "hass_energy: expected true or "
			    "false (or yes/no, on/off, 1/0), found \"%s\"",
			    quoted(val, q, sizeof(q)));
		break;
	case K_REOPEN_AFTER:
		if (val_long(val, 0, 1000000, &lv) < 0) {
			cerr(x, e->line, "reopen_after: expected a whole number "
			    "of failed commands from 0 (never) to 1000000, "
			    "found \"%s\"", quoted(val, q, sizeof(q)));
			return;
		}
		d->reopen_after = (int)lv;
		break;
	case K_USB_RESET:
		if (val_bool(val, &d->usb_reset) < 0)
			cerr(x, e->line, "usb_reset: expected true or false "
			    "(or yes/no, on/off, 1/0), found \"%s\"",
			    quoted(val, q, sizeof(q)));
		break;
	case K_UDPPORT:
		if (val_long(val, 1, 65535, &lv) < 0) {
			cerr(x, e->line, "udpport: expected a port number from "
			    "1 to 65535, found \"%s\"", quoted(val, q, sizeof(q)));
			return;
		}
		d->udp_port = (int)lv;
		break;
	case K_POSTGRES_URL:
		set_opt(&d->postgres_url, val);
		break;
	case K_MONGO_URL:
		set_opt(&d->mongo_url, val);
		break;
	case K_MONGO_DB:
		set_opt(&d->mongo_db, val);
		break;
	case K_PUSH_URL:
		set_opt(&d->push_url, val);
		break;
	case K_PROM_OUTPUT_DIR:
		set_opt(&d->prom_dir, val);
		break;
	case K_PROM_STYLE:
		if (val[0] == '\0')
			d->prom_style = PROMTEXT_UNSET;
		else if (promtext_style_parse(val, &d->prom_style) < 0)
			cerr(x, e->line, "prom_style: expected mpp-solar or "
			    "promtool, found \"%s\"", quoted(val, q, sizeof(q)));
		break;
	default:
		log_debug("%s:%d: %s is not used by mppd", x->path, e->line,
		    e->key);
		break;
	}
}

/* (Re)builds d->allow from the effective mqtt_allowed_cmds. */
static void
dev_allow(struct device_cfg *d)
{
	val_free_list(d->allow, d->nallow);
	d->allow = NULL;
	d->nallow = 0;
	if (d->mqtt.allowed_cmds != NULL)
		d->nallow = val_split(d->mqtt.allowed_cmds, ',', 0, &d->allow);
}

/*
 * Appends the device of section si to c: built-in defaults, the section's
 * own keys, then [DEFAULT] for non-mqtt keys it leaves unset; mqtt_*
 * settings start as a deep copy of [SETUP]'s.  Then checks what needs
 * the whole section (command present, mqtt_* consistency).
 */
static void
load_device(struct ctx *x, struct config *c, int si)
{
	const struct cfgini_sect *s = &x->ini.sects[si];
	const struct cfgini_sect *dfl = x->ini.dflt >= 0 ?
	    &x->ini.sects[x->ini.dflt] : NULL;
	const char *why = val_level_problem(s->name);
	struct device_cfg *d;
	struct morigin *o;
	int cmdline = 0;
	char q[96];

	if (why != NULL)
		cerr(x, s->line, "[%s]: expected a device name usable as one "
		    "MQTT topic level ({device}), but %s",
		    quoted(s->name, q, sizeof(q)), why);
	d = config_add_device(c, s->name);
	d->line = s->line;
	d->hass_controls = c->hass_controls;
	d->hass_energy = c->hass_energy;
	x->dorig = xrealloc(x->dorig, (size_t)c->ndevs * sizeof(*x->dorig));
	o = &x->dorig[c->ndevs - 1];
	for (int k = 0; k < MK_COUNT; k++) {
		o->line[k] = x->so.line[k];
		o->own[k] = 0;
		config_diag_note(x->dg, d->name, config_key_mqtt(k)->name,
		    o->line[k], 0);
	}
	for (int pass = 0; pass < 2; pass++) {
		const struct cfgini_sect *from = pass == 0 ? s : dfl;

		for (int i = 0; from != NULL && i < from->nents; i++) {
			const struct cfgini_entry *e = &from->ents[i];
			const struct config_key *k;
			char *val;

			if (pass == 1 &&
			    cfgini_get(&x->ini, si, e->key) != NULL)
				continue;
			if ((k = key_for(x, e, KS_DEV, pass == 0)) == NULL)
				continue;
			/* [DEFAULT]'s mqtt_* keys reached devices through
			 * [SETUP]; a device only overrides with its own. */
			if (pass == 1 && k->id == K_MQTT)
				continue;
			if ((val = cfgini_value(&x->ini, x->dg, si, e)) ==
			    NULL) {
				if (k->id == K_COMMAND)
					cmdline = e->line;
				continue;
			}
			if (k->id == K_MQTT)
				mqtt_set(x, &d->mqtt, o, d->name, k->mk, e, val);
			else {
				dev_key(x, d, k, e, val);
				if (k->id == K_COMMAND)
					cmdline = e->line;
				/* Where the layers' checks report it. */
				config_diag_note(x->dg, d->name, k->name,
				    e->line, pass == 0);
				if (x->hooks->key != NULL)
					x->hooks->key(x->hooks->arg, x->dg, d,
					    k->name);
			}
			free(val);
		}
	}
	if (cmdline == 0)
		cerr(x, s->line, "[%s]: missing required key 'command' (e.g. "
		    "command = QPIGS#QPIRI)", quoted(s->name, q, sizeof(q)));
	dev_allow(d);
	mqtt_check(x, &d->mqtt, o, d->name);
	if (x->hooks->device != NULL)
		x->hooks->device(x->hooks->arg, x->dg, d);
}

/*
 * Devices that share (broker, port, user) share one connection: its
 * connection-level settings must agree.  Each device is compared with the
 * first device of its connection.
 */
static void
check_shared(struct ctx *x, const struct config *c)
{
	for (int j = 1; j < c->ndevs; j++) {
		const struct device_cfg *b = &c->devs[j];
		int i;

		if (strcmp(b->mqtt.broker, "screen") == 0)
			continue;
		for (i = 0; i < j; i++) {
			const struct device_cfg *a = &c->devs[i];

			if (strcmp(a->mqtt.broker, b->mqtt.broker) == 0 &&
			    a->mqtt.port == b->mqtt.port &&
			    !mqtt_differs(&a->mqtt, &b->mqtt, MK_USER))
				break;
		}
		if (i == j)
			continue;
		for (int k = 0; k < MK_COUNT; k++) {
			const struct device_cfg *a = &c->devs[i];
			char va[96], vb[96];
			int line;

			if (!config_key_mqtt(k)->conn ||
			    !mqtt_differs(&a->mqtt, &b->mqtt, k))
				continue;
			line = x->dorig[j].own[k] ? x->dorig[j].line[k] :
			    x->dorig[i].own[k] ? x->dorig[i].line[k] : b->line;
			if (k == MK_PASS) {
				strcpy(va, "(hidden)");
				strcpy(vb, "(hidden)");
			} else {
				mqtt_show(&a->mqtt, k, va, sizeof(va));
				mqtt_show(&b->mqtt, k, vb, sizeof(vb));
			}
			cerr(x, line, "%s: expected the same value for [%s] "
			    "and [%s], which share the connection to %s:%d "
			    "(user %s), found %s and %s; set it once in "
			    "[SETUP]", config_key_mqtt(k)->name, a->name, b->name,
			    b->mqtt.broker, b->mqtt.port,
			    b->mqtt.user != NULL ? b->mqtt.user : "none", va,
			    vb);
		}
	}
}

/* A password in a file others can read is worth a warning. */
static void
check_mode(struct ctx *x)
{
	if (x->has_pass && (x->ini.mode & 077) != 0)
		cwarn(x, 0, "holds mqtt_pass but its mode is %04o (group/others "
		    "may read it); run: chmod 600 %s",
		    (unsigned)(x->ini.mode & 07777), x->path);
}

/* ---------------------------------------------------------------------- */
/* Public interface */

/*
 * Reads path into c (see config.h): c is always initialised, problems go
 * to dg.  -1 when the file could not be read at all, else 0.
 */
int
config_read(const char *path, const struct cli_mqtt *cli, struct config *c,
    struct config_diag *dg, const struct config_hooks *hooks)
{
	static const struct config_hooks none;
	struct ctx x;
	int rc = 0;

	config_defaults(c, cli);
	c->path = xstrdup(path);
	memset(&x, 0, sizeof(x));
	x.path = path;
	x.dg = dg;
	x.hooks = hooks != NULL ? hooks : &none;
	if (cfgini_read(&x.ini, path, dg) < 0) {
		rc = -1;
		goto done;
	}
	if (x.ini.setup < 0) {
		cfgini_setup_missing(dg, path, NULL);
		for (int i = 0; i < x.ini.nsects; i++)
			if (strcasecmp(x.ini.sects[i].name, "SETUP") == 0)
				cerr(&x, x.ini.sects[i].line, "[%s]: section "
				    "names are case-sensitive: expected [SETUP]",
				    x.ini.sects[i].name);
	} else
		load_setup(&x, c);
	if (x.ini.dflt >= 0)
		for (int i = 0; i < x.ini.sects[x.ini.dflt].nents; i++)
			if (config_key_find(x.ini.sects[x.ini.dflt].ents[i].key)
			    == NULL)
				warn_unknown(&x, &x.ini.sects[x.ini.dflt].ents[i],
				    KS_BOTH);
	for (int i = 0; i < x.ini.nsects; i++)
		if (i != x.ini.setup && i != x.ini.dflt)
			load_device(&x, c, i);
	if (x.ini.setup >= 0 && c->ndevs == 0)
		cwarn(&x, 0, "no device sections: nothing to poll");
	check_shared(&x, c);
	check_mode(&x);
	if (x.hooks->all != NULL)
		x.hooks->all(x.hooks->arg, x.dg, c);
done:
	cfgini_free(&x.ini);
	free(x.dorig);
	return rc;
}

/*
 * Built-in defaults plus the CLI values (see struct cli_mqtt); c is
 * overwritten without being freed.
 */
void
config_defaults(struct config *c, const struct cli_mqtt *cli)
{
	memset(c, 0, sizeof(*c));
	c->pause = 60;
	mqtt_defaults(&c->mqtt, cli);
	if (cli != NULL && cli->topic != NULL)
		c->results_topic = xstrdup(cli->topic);
	c->keepcase = cli != NULL ? cli->keepcase : 0;
	c->push_url = xstrdup(cli != NULL && cli->push_url != NULL ?
	    cli->push_url : DEFAULT_PUSH_URL);
	c->prom_dir = xstrdup(cli != NULL && cli->prom_dir != NULL ?
	    cli->prom_dir : DEFAULT_PROM_DIR);
	c->prom_style = cli != NULL ? cli->prom_style : PROMTEXT_UNSET;
}

/*
 * Appends a device with the section defaults (config_keys.c) and
 * a deep copy of c->mqtt.  The result points into c->devs and is valid
 * until the next config_add_device() (the array may move).
 */
struct device_cfg *
config_add_device(struct config *c, const char *name)
{
	struct device_cfg *d;

	c->devs = xrealloc(c->devs, (size_t)(c->ndevs + 1) * sizeof(*c->devs));
	d = &c->devs[c->ndevs++];
	memset(d, 0, sizeof(*d));
	d->name = xstrdup(name);
	d->type = xstrdup("mppsolar");
	d->port = xstrdup("/dev/ttyUSB0");
	d->baud = 2400;
	d->timeout_ms = 2000;
	d->outputs = xcalloc(1, sizeof(char *));
	d->outputs[0] = xstrdup("screen");
	d->noutputs = 1;
	d->queue_len = 16;
	d->reopen_after = 5;
	d->udp_port = 5555;
	d->mongo_db = xstrdup("mppsolar");
	d->push_url = xstrdup(c->push_url != NULL ? c->push_url :
	    DEFAULT_PUSH_URL);
	d->prom_dir = xstrdup(c->prom_dir != NULL ? c->prom_dir :
	    DEFAULT_PROM_DIR);
	d->prom_style = c->prom_style;
	mqtt_copy(&d->mqtt, &c->mqtt);
	dev_allow(d);
	return d;
}

/* Frees everything c owns and zeroes it. */
/*
 * state_dir: the key, else systemd's $STATE_DIRECTORY (its first entry
 * when it lists several, separated by ':'), else /var/lib/mppd.  The
 * result is written to buf (n bytes) and returned.
 */
const char *
config_state_dir(const struct config *c, char *buf, size_t n)
{
	const char *s = c != NULL ? c->state_dir : NULL;
	size_t len;

	if (s == NULL || *s == '\0')
		s = getenv("STATE_DIRECTORY");
	if (s == NULL || *s == '\0')
		s = "/var/lib/mppd";
	len = strcspn(s, ":");
	snprintf(buf, n, "%.*s", (int)len, s);
	return buf;
}

void
config_free(struct config *c)
{
	for (int i = 0; i < c->ndevs; i++) {
		struct device_cfg *d = &c->devs[i];

		free(d->name);
		free(d->protocol);
		free(d->type);
		free(d->port);
		free(d->porttype);
		val_free_list(d->commands, d->ncommands);
		free(d->tag);
		val_free_list(d->outputs, d->noutputs);
		free(d->filter);
		free(d->exclfilter);
		free(d->mqtt_topic);
		free(d->dev);
		free(d->postgres_url);
		free(d->mongo_url);
		free(d->mongo_db);
		free(d->push_url);
		free(d->prom_dir);
		mqtt_free(&d->mqtt);
		val_free_list(d->allow, d->nallow);
	}
	free(c->devs);
	free(c->path);
	free(c->log_file);
	free(c->state_dir);
	free(c->http_listen);
	mqtt_free(&c->mqtt);
	free(c->results_topic);
	free(c->push_url);
	free(c->prom_dir);
	memset(c, 0, sizeof(*c));
}

/*
 * config_print.c - the effective configuration, as --check-config shows
 * it: first the broker connections (one per host, port and user, with the
 * client id the daemon will use), then every device.  Indented
 * "key: value" lines, stable so that scripts may grep them.  Passwords are
 * never printed, only whether one is set.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_config.h"
#include "config.h"
#include "ident.h"
#include "output.h"
#include "port.h"
#include "proto.h"

/* 1 when d publishes to MQTT or takes commands over it. */
static int
uses_mqtt(const struct device_cfg *d)
{
	if (d->nallow > 0)
		return 1;
	for (int i = 0; i < d->noutputs; i++)
		if (output_kind(d->outputs[i]) == OUT_MQTT)
			return 1;
	return 0;
}

/* Equal strings, NULL equal only to NULL. */
static int
same_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Same connection key: (broker host, port, user). */
static int
same_conn(const struct mqtt_settings *a, const struct mqtt_settings *b)
{
	return strcmp(a->broker, b->broker) == 0 && a->port == b->port &&
	    same_str(a->user, b->user);
}

/* "yes" or "no" (static). */
static const char *
yesno(int v)
{
	return v ? "yes" : "no";
}

/*
 * One connection block for settings m; the device list is every device
 * of c that uses MQTT with the same key (or the text in none).
 */
static void
print_conn(FILE *f, const struct config *c, const struct mqtt_settings *m,
    const char *none)
{
	const char *host = ident_hostname(m);
	char id[320];
	int first = 1;

	if (strcmp(m->broker, "screen") == 0)
		fprintf(f, "  - broker: screen (MQTT messages are printed, "
		    "not published)\n");
	else {
		fprintf(f, "  - broker: %s:%d\n", m->broker, m->port);
		fprintf(f, "    user: %s\n", m->user != NULL ? m->user :
		    "(none)");
		fprintf(f, "    password: %s\n", m->pass != NULL ? "(set)" :
		    "(not set)");
		if (m->client_id != NULL)
			fprintf(f, "    client_id: %s (mqtt_client_id)\n",
			    m->client_id);
		else if (ident_client_id(host, m->broker, m->port, m->user,
		    id, sizeof(id)) == 0)
			fprintf(f, "    client_id: %s\n", id);
		else
			fprintf(f, "    client_id: (cannot be computed)\n");
		fprintf(f, "    protocol: %s\n", m->protocol == 5 ? "5" :
		    "3.1.1");
		if (m->tls_ca != NULL) {
			fprintf(f, "    tls: on (ca %s", m->tls_ca);
			if (m->tls_cert != NULL)
				fprintf(f, ", cert %s, key %s", m->tls_cert,
				    m->tls_key != NULL ? m->tls_key : "?");
			fprintf(f, "%s)\n", m->tls_insecure ?
			    ", insecure: server name not verified" : "");
		} else
			fprintf(f, "    tls: off\n");
		fprintf(f, "    keepalive: %d s\n", m->keepalive);
		fprintf(f, "    reconnect: %g s doubling to %g s\n",
		    m->reconnect_min, m->reconnect_max);
		fprintf(f, "    queue_max: %d\n", m->queue_max);
		fprintf(f, "    hostname: %s\n", host);
		fprintf(f, "    status_topic: %s/mppd/status\n", host);
	}
	fprintf(f, "    devices:");
	for (int i = 0; none == NULL && i < c->ndevs; i++)
		if (uses_mqtt(&c->devs[i]) && same_conn(&c->devs[i].mqtt, m)) {
			fprintf(f, "%s%s", first ? " " : ", ",
			    c->devs[i].name);
			first = 0;
		}
	fprintf(f, "%s\n", none != NULL ? none : "");
}

/* The command list; "" entries show the protocol's default command. */
static void
print_commands(FILE *f, const struct device_cfg *d)
{
	const struct pi_proto *p = proto_find(d->protocol);

	fprintf(f, "    commands:");
	for (int i = 0; i < d->ncommands; i++) {
		fprintf(f, "%s", i == 0 ? " " : ", ");
		if (d->commands[i][0] != '\0')
			fprintf(f, "%s", d->commands[i]);
		else if (p != NULL)
			fprintf(f, "(default: %s)", p->default_cmd);
		else
			fprintf(f, "(protocol default)");
	}
	fprintf(f, "%s\n", d->ncommands == 0 ? " (none)" : "");
}

/* 1 when d has output name. */
static int
has_output(const struct device_cfg *d, const char *name)
{
	for (int i = 0; i < d->noutputs; i++)
		if (strcmp(d->outputs[i], name) == 0)
			return 1;
	return 0;
}

/* The settings of the outputs that send elsewhere, for those d uses; a
 * password in postgres_url is not printed. */
static void
print_sinks(FILE *f, const struct device_cfg *d)
{
	if (d->dev != NULL)
		fprintf(f, "    dev: %s\n", d->dev);
	if (has_output(d, "json_udp"))
		fprintf(f, "    udpport: %d (localhost)\n", d->udp_port);
	if (has_output(d, "prom_file"))
		fprintf(f, "    prom_output_dir: %s\n", d->prom_dir);
	if (d->prom_style != PROMTEXT_UNSET)
		fprintf(f, "    prom_style: %s\n",
		    promtext_style_name(d->prom_style));
	if (has_output(d, "prom_push") || has_output(d, "prom_pushd"))
		fprintf(f, "    push_url: %s\n", d->push_url);
	if (has_output(d, "postgres")) {
		const char *u = d->postgres_url, *at, *colon, *host;

		if (u == NULL) {
			fprintf(f, "    postgres_url: (none)\n");
			return;
		}
		host = strstr(u, "://");
		host = host != NULL ? host + 3 : u;
		at = strchr(host, '@');
		colon = at != NULL ? memchr(host, ':', (size_t)(at - host)) :
		    NULL;
		if (colon != NULL)
			fprintf(f, "    postgres_url: %.*s:***%s\n",
			    (int)(colon - u), u, at);
		else
			fprintf(f, "    postgres_url: %s\n", u);
	}
}

/* One device block: everything the device will do, in a fixed order. */
static void
print_device(FILE *f, const struct device_cfg *d)
{
	const struct pi_proto *p = proto_find(d->protocol);
	const struct mqtt_settings *m = &d->mqtt;
	enum port_type pt = port_detect(d->port, d->porttype);
	char *topic;

	fprintf(f, "  - name: %s\n", d->name);
	if (p != NULL)
		fprintf(f, "    protocol: %s\n", p->id);
	else
		fprintf(f, "    protocol: (none: every command fails with "
		    "\"Attempted to run command with no protocol defined\")\n");
	fprintf(f, "    port: %s (%s%s)\n", d->port, port_type_name(pt),
	    d->porttype != NULL ? ", from porttype" : "");
	fprintf(f, "    baud: %d%s\n", d->baud, pt == PORT_TCP ?
	    " (not used: a raw TCP bridge sets its serial line)" : "");
	if (pt == PORT_TCP || pt == PORT_RFC2217) {
		struct port_addr a;
		char why[384];

		if (port_url_parse(d->port, &a, why, sizeof(why)) == 0)
			fprintf(f, "    host: %s\n    tcp port: %d\n    mode: %s\n",
			    a.host, a.port, pt == PORT_TCP ? "raw TCP (the "
			    "bridge sets the serial line)" : "RFC 2217 (mppd "
			    "sets the serial line: baud above, 8N1)");
	}
	if (d->reopen_after > 0 && pt != PORT_TEST && pt != PORT_NONE)
		fprintf(f, "    reopen: after %d failed commands in a row%s\n",
		    d->reopen_after, d->usb_reset && (pt == PORT_SERIAL ||
		    pt == PORT_HIDRAW) ? ", resetting the USB device first" :
		    "");
	fprintf(f, "    timeout: %g s\n", d->timeout_ms / 1000.0);
	print_commands(f, d);
	fprintf(f, "    outputs:");
	for (int i = 0; i < d->noutputs; i++)
		fprintf(f, "%s%s", i == 0 ? " " : ", ", d->outputs[i]);
	fprintf(f, "%s\n", d->noutputs == 0 ? " (none)" : "");
	if (d->tag != NULL)
		fprintf(f, "    tag: \"%s\"\n", d->tag);
	else
		fprintf(f, "    tag: (none)\n");
	if (d->filter != NULL)
		fprintf(f, "    filter: %s\n", d->filter);
	if (d->exclfilter != NULL)
		fprintf(f, "    exclfilter: %s\n", d->exclfilter);
	if (d->mqtt_topic != NULL)
		fprintf(f, "    mqtt_topic: %s\n", d->mqtt_topic);
	print_sinks(f, d);
	fprintf(f, "    queue_len: %d\n", d->queue_len);
	fprintf(f, "    hass_controls: %s\n", yesno(d->hass_controls));
	if (d->hass_energy)
		fprintf(f, "    hass_energy: yes\n");
	if (!uses_mqtt(d))
		fprintf(f, "    mqtt: not used (no MQTT output, no "
		    "mqtt_allowed_cmds)\n");
	else if (strcmp(m->broker, "screen") == 0)
		fprintf(f, "    broker: screen\n");
	else
		fprintf(f, "    broker: %s:%d (user %s)\n", m->broker, m->port,
		    m->user != NULL ? m->user : "(none)");
	topic = ident_expand(m->cmd_topic, ident_hostname(m), d->name);
	fprintf(f, "    cmd_topic: %s\n", topic);
	if (strpbrk(topic, "+#") == NULL)
		fprintf(f, "    cmd_response_topic: %s_response\n", topic);
	else
		fprintf(f, "    cmd_response_topic: (the command's topic)"
		    "_response\n");
	free(topic);
	fprintf(f, "    cmd_qos: %d\n", m->cmd_qos);
	fprintf(f, "    cmd_match: %s\n", m->cmd_match == MATCH_PREFIX ?
	    "prefix (reference behaviour: a pattern only has to match the "
	    "start)" : "full");
	fprintf(f, "    allow_undefined: %s\n", yesno(m->allow_undefined));
	if (d->nallow == 0)
		fprintf(f, "    commands over MQTT: disabled (no "
		    "mqtt_allowed_cmds)\n");
	else {
		fprintf(f, "    allowed:");
		for (int i = 0; i < d->nallow; i++)
			fprintf(f, "%s%s", i == 0 ? " " : ", ", d->allow[i]);
		fprintf(f, "\n");
	}
}

/*
 * Prints c (see app_config.h).  Connections are listed in the order their
 * first device appears.
 */
void
config_print(FILE *f, const struct config *c)
{
	int nconn = 0;

	fprintf(f, "config: %s\n", c->path != NULL ? c->path :
	    "(command line)");
	fprintf(f, "pause: %d s\n", c->pause);
	fprintf(f, "log_file: %s\n", c->log_file != NULL ? c->log_file :
	    "(none)");
	if (c->state_dir != NULL)
		fprintf(f, "state_dir: %s\n", c->state_dir);
	if (c->http_listen != NULL)
		fprintf(f, "http_listen: %s\n", c->http_listen);
	fprintf(f, "results_topic: %s\n", c->results_topic != NULL ?
	    c->results_topic : "mpp-solar");
	fprintf(f, "keepcase: %s\n", yesno(c->keepcase));
	fprintf(f, "connections:\n");
	for (int i = 0; i < c->ndevs; i++) {
		int j;

		if (!uses_mqtt(&c->devs[i]))
			continue;
		for (j = 0; j < i; j++)
			if (uses_mqtt(&c->devs[j]) &&
			    same_conn(&c->devs[j].mqtt, &c->devs[i].mqtt))
				break;
		if (j < i)
			continue;
		print_conn(f, c, &c->devs[i].mqtt, NULL);
		nconn++;
	}
	if (nconn == 0)
		print_conn(f, c, &c->mqtt, " (none: no device has an MQTT "
		    "output or mqtt_allowed_cmds, so no connection is made)");
	fprintf(f, "devices:%s\n", c->ndevs == 0 ? " (none)" : "");
	for (int i = 0; i < c->ndevs; i++)
		print_device(f, &c->devs[i]);
}

/*
 * conn_link.c - a broker connection as the command router's transport
 * (see conn_link.h).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include <mosquitto.h>
#include <mqtt_protocol.h>

#include "conn_link.h"
#include "mqtt_conn.h"
#include "router.h"

/*
 * A message no other route took (the connection's network thread): handed
 * to the router as it came, with the MQTT 5 properties it needs; the
 * router decides whether it is a command (router_on_message).
 */
static void
link_on_message(void *arg, struct mqtt_conn *c,
    const struct mosquitto_message *msg, const mosquitto_property *props)
{
	struct router *r = arg;
	struct cmd_msg m = { 0 };
	char *resp = NULL;
	void *corr = NULL;
	uint16_t corrlen = 0;

	m.topic = msg->topic;
	if (msg->payload != NULL && msg->payloadlen > 0) {
		m.payload = msg->payload;
		m.len = (size_t)msg->payloadlen;
	}
	m.qos = msg->qos;
	m.retain = msg->retain;
	m.session = conn_session(c);
	if (props != NULL) {
		mosquitto_property_read_string(props, MQTT_PROP_RESPONSE_TOPIC,
		    &resp, false);
		if (resp != NULL)
			mosquitto_property_read_binary(props,
			    MQTT_PROP_CORRELATION_DATA, &corr, &corrlen, false);
	}
	m.resp_topic = resp;
	m.corr = corr;
	m.corrlen = corr != NULL ? corrlen : 0;
	router_on_message(r, c, &m);
	free(resp);
	free(corr);
}

static int
link_publish(void *conn, const char *topic, const void *payload, size_t len,
    int qos, int retain, const void *corr, size_t corrlen)
{
	int rc = conn_publish_corr(conn, topic, payload, len, qos, retain,
	    corr, corrlen);

	return rc == CONN_TOO_BIG ? CMD_LINK_TOO_BIG : rc;
}

static size_t
link_max_packet(void *conn)
{
	return conn_max_packet(conn);
}

static const char *
link_ident(void *conn)
{
	return conn_client_id(conn);
}

static int
link_subscribe(void *conn, const char *filter, int qos, struct router *r)
{
	if (conn_route_rest(conn, link_on_message, r) < 0)
		return -1;
	return conn_subscribe_others(conn, filter, qos);
}

const struct cmd_link conn_cmd_link = {
	.publish = link_publish,
	.subscribe = link_subscribe,
	.max_packet = link_max_packet,
	.ident = link_ident,
};

/*
 * conn_link.h - the command router's link to a broker connection
 * (struct cmd_link in router.h, implemented over mqtt_conn.h): answers are
 * published with conn_publish_corr, and a command filter is subscribed
 * with conn_subscribe_others; every message that no other route of the
 * connection takes goes straight to router_on_message (conn_route_rest),
 * which looks its topic up among its filters once, its MQTT 5 Response
 * Topic and Correlation Data read from the message's properties.
 *
 * Use: router_add(router, &conn_cmd_link, conn, ...) with a struct
 * mqtt_conn * as conn.
 */
#ifndef MPPD_CONN_LINK_H
#define MPPD_CONN_LINK_H

struct cmd_link;

extern const struct cmd_link conn_cmd_link;

#endif

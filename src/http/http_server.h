/*
 * http_server.h - the read-only web server (libmicrohttpd): the page,
 * /metrics and the JSON API over the store.
 *
 * One internal polling thread of libmicrohttpd serves every connection;
 * it only reads snapshots of the store, so it never blocks a device
 * worker or an MQTT thread for longer than a copy.  Bounded: at most
 * HTTP_MAX_CONNECTIONS connections, HTTP_CONN_MEMORY bytes of request per
 * connection (a longer request line or header gets 414/431 from
 * libmicrohttpd), HTTP_TIMEOUT_S seconds idle.  GET and HEAD only.
 *
 * Threads: http_start and http_stop on the main thread.
 */
#ifndef MPPD_HTTP_SERVER_H
#define MPPD_HTTP_SERVER_H

#define HTTP_MAX_CONNECTIONS	8
#define HTTP_CONN_MEMORY	(16 * 1024)
#define HTTP_TIMEOUT_S		10

struct hstore;
struct http_server;

/*
 * Listens on listen ("ADDR:PORT", "[v6]:PORT"; ADDR numeric or a host
 * name, resolved once) and serves store (borrowed; must outlive the
 * server).  NULL with the reason logged.
 */
struct http_server *http_start(const char *listen, struct hstore *store);
/* Stops accepting, closes every connection, joins the thread, frees. */
void	http_stop(struct http_server *h);

/*
 * Splits "ADDR:PORT" / "[v6]:PORT" (pure): host copied into host (size n),
 * port 1-65535 into *port.  0, or -1 when malformed.
 */
int	http_split_listen(const char *listen, char *host, size_t n, int *port);

#endif

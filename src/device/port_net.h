/*
 * port_net.h - the network ports' common part (port_tcp.c): one TCP
 * connection to the configured host, opened on first use, with a layer
 * that a protocol on top of TCP (RFC 2217 telnet, port_rfc2217.c) plugs
 * in.  Owner thread only, like every port.
 */
#ifndef MPPD_PORT_NET_H
#define MPPD_PORT_NET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "port.h"
#include "telnet.h"

struct net_port;

/* What a protocol on top of the TCP stream adds; NULL for raw TCP. */
struct net_layer {
	/* After each connect, before the first request: 0, or -1 with why. */
	int	(*start)(struct net_port *np, int64_t deadline, char *why,
		    size_t whylen);
	/*
	 * Received bytes in; the data among them appended to
	 * data[*dlen..cap) (the rest dropped).  0, or -1 with why.
	 */
	int	(*recv)(struct net_port *np, const uint8_t *in, size_t n,
		    uint8_t *data, size_t *dlen, size_t cap, int64_t deadline,
		    char *why, size_t whylen);
	/* Request bytes to wire bytes in out[0..cap): length, or -1. */
	int	(*encode)(struct net_port *np, const uint8_t *req, size_t n,
		    uint8_t *out, size_t cap);
};

struct net_port {
	struct port		 base;		/* first: used as a struct port */
	char			*url;		/* as configured, for messages */
	struct port_addr	 addr;
	int			 fd;		/* -1 while closed */
	const struct net_layer	*layer;
	/* RFC 2217 only. */
	struct telnet		 tn;
	uint32_t		 baud;
	int			 databits, stopbits;
	char			 parity;
};

/* Allocates a network port of type for opts->path; NULL on a bad URL. */
struct port *net_port_new(const struct port_opts *opts, enum port_type type,
	    const struct net_layer *layer);

/*
 * Sends all of buf before the deadline.  0, or -1 with why (the caller
 * fails the link).
 */
int	net_send(struct net_port *np, const uint8_t *buf, size_t len,
	    int64_t deadline, char *why, size_t whylen);

/*
 * Receives what is waiting into buf[0..cap): the byte count (> 0), 0 when
 * nothing is waiting, or -1 with why when the bridge closed the connection
 * or recv failed (the caller fails the link).
 */
ssize_t	net_recv(struct net_port *np, uint8_t *buf, size_t cap, char *why,
	    size_t whylen);

#endif

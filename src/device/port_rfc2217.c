/*
 * port_rfc2217.c - "rfc2217://host:port": a serial bridge that speaks
 * telnet with the RFC 2217 COM-PORT-OPTION (ser2net's telnet(rfc2217)
 * accepter, Moxa NPort in RFC 2217 mode).  The TCP side is port_tcp.c's;
 * this file is the layer on top: after each connect it negotiates the
 * options and sets the line (baud, data bits, parity, stop bits from the
 * configuration, 8N1 by default), then escapes IAC in requests and strips
 * the telnet commands out of replies (the parser is telnet.c).
 *
 * Every function here runs on the device worker thread that owns the port.
 */
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "port_net.h"
#include "port_util.h"

#define RFC2217_BAUD_DEFAULT	2400

/* Sends the answers the parser queued (negotiation replies). */
static int
rfc2217_answer(struct net_port *np, int64_t deadline, char *why,
    size_t whylen)
{
	int rc = 0;

	if (np->tn.answerlen > 0)
		rc = net_send(np, np->tn.answer, np->tn.answerlen, deadline,
		    why, whylen);
	np->tn.answerlen = 0;
	return rc;
}

static int
rfc2217_recv(struct net_port *np, const uint8_t *in, size_t n,
    uint8_t *data, size_t *dlen, size_t cap, int64_t deadline, char *why,
    size_t whylen)
{
	telnet_recv(&np->tn, in, n, data, dlen, cap);
	return rfc2217_answer(np, deadline, why, whylen);
}

static int
rfc2217_encode(struct net_port *np, const uint8_t *req, size_t n,
    uint8_t *out, size_t cap)
{
	return telnet_escape(&np->tn, req, n, out, cap);
}

/* Logs each setting the bridge acknowledged with another value. */
static void
rfc2217_check_acks(struct net_port *np)
{
	const char *parities = "?NOEMS";

	if (np->tn.ack_baud != np->baud)
		log_warn("rfc2217 port %s: asked for %u baud, the bridge "
		    "runs the line at %u", np->url, np->baud,
		    np->tn.ack_baud);
	if (np->tn.ack_datasize != np->databits ||
	    np->tn.ack_stopsize != np->stopbits ||
	    np->tn.ack_parity > 5 ||
	    parities[np->tn.ack_parity] != np->parity)
		log_warn("rfc2217 port %s: asked for %d%c%d, the bridge "
		    "acknowledged data size %u, parity %u, stop size %u",
		    np->url, np->databits, np->parity, np->stopbits,
		    np->tn.ack_datasize, np->tn.ack_parity,
		    np->tn.ack_stopsize);
}

/*
 * After the connect: our options and the line settings in one write, then
 * the bridge's answers until it has acknowledged all four settings (or
 * refused COM-PORT-OPTION, or the deadline passed: a bridge that never
 * acknowledges is used as it is, with a warning).
 */
static int
rfc2217_start(struct net_port *np, int64_t deadline, char *why,
    size_t whylen)
{
	uint8_t	 buf[128], junk[64];
	size_t	 len, jl;
	ssize_t	 n;
	int	 rc, ev;

	telnet_init(&np->tn);
	len = telnet_hello(&np->tn, buf, sizeof(buf));
	rc = telnet_comport_settings(buf + len, sizeof(buf) - len, np->baud,
	    np->databits, np->parity, np->stopbits);
	if (rc < 0) {
		snprintf(why, whylen, "line settings %u %d%c%d cannot be "
		    "sent", np->baud, np->databits, np->parity, np->stopbits);
		return -1;
	}
	len += (size_t)rc;
	if (net_send(np, buf, len, deadline, why, whylen) == -1)
		return -1;
	while ((np->tn.acks & TELNET_ACK_ALL) != TELNET_ACK_ALL) {
		if (np->tn.comport_refused) {
			snprintf(why, whylen, "the bridge refused RFC 2217 "
			    "(COM-PORT-OPTION); for a raw TCP bridge use "
			    "tcp://");
			return -1;
		}
		if ((n = net_recv(np, buf, sizeof(buf), why, whylen)) == -1)
			return -1;
		if (n > 0) {
			jl = 0;
			telnet_recv(&np->tn, buf, (size_t)n, junk, &jl,
			    sizeof(junk));
			if (rfc2217_answer(np, deadline, why, whylen) == -1)
				return -1;
			continue;
		}
		ev = port_wait_fd(np->fd, POLLIN, deadline);
		if (ev == 0) {
			log_warn("rfc2217 port %s: the bridge did not "
			    "acknowledge the line settings; going on",
			    np->url);
			return 0;
		}
		if (ev == -1) {
			snprintf(why, whylen, "poll failed");
			return -1;
		}
	}
	rfc2217_check_acks(np);
	log_debug("rfc2217 port %s: line set to %u %d%c%d", np->url, np->baud,
	    np->databits, np->parity, np->stopbits);
	return 0;
}

static const struct net_layer rfc2217_layer = {
	.start = rfc2217_start,
	.recv = rfc2217_recv,
	.encode = rfc2217_encode,
};

/*
 * Allocates an RFC 2217 port for opts->path ("rfc2217://HOST:PORT", or
 * "HOST:PORT" with porttype rfc2217) with the line opts->baud (0: 2400),
 * databits, parity, stopbits (0: 8, N, 1).  Nothing is connected yet.
 * Returns NULL on a malformed address; caller frees with port_free().
 */
struct port *
port_rfc2217_new(const struct port_opts *opts)
{
	struct port	*p = net_port_new(opts, PORT_RFC2217, &rfc2217_layer);
	struct net_port	*np = (struct net_port *)p;

	if (p == NULL)
		return NULL;
	np->baud = opts->baud > 0 ? (uint32_t)opts->baud :
	    RFC2217_BAUD_DEFAULT;
	np->databits = opts->databits > 0 ? opts->databits : 8;
	np->parity = opts->parity != '\0' ? opts->parity : 'N';
	np->stopbits = opts->stopbits > 0 ? opts->stopbits : 1;
	return p;
}

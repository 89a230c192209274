/*
 * telnet.h - the client side of a telnet stream with the RFC 2217
 * COM-PORT-OPTION, as a serial bridge (ser2net's telnet(rfc2217) accepter)
 * speaks it.  Pure: bytes in, data bytes and answers out, no I/O, so it has
 * unit tests and a fuzz target.  One struct telnet per connection, used by
 * the thread that owns the port.
 *
 * What the client asks for at connect (telnet_hello): WILL COM-PORT-OPTION,
 * BINARY both ways, SUPPRESS-GO-AHEAD both ways.  Any other option the
 * server offers or asks for is refused.  COM-PORT answers (the server's
 * acknowledgement of each line setting) are recorded; notifications
 * (line and modem state) are read and ignored.
 */
#ifndef MPPD_TELNET_H
#define MPPD_TELNET_H

#include <stddef.h>
#include <stdint.h>

#define TELNET_IAC	255
#define TELNET_DONT	254
#define TELNET_DO	253
#define TELNET_WONT	252
#define TELNET_WILL	251
#define TELNET_SB	250
#define TELNET_SE	240
#define TELNET_BINARY	0
#define TELNET_SGA	3
#define TELNET_COMPORT	44

/* RFC 2217 client-to-server commands; the server answers with +100. */
#define COMPORT_SET_BAUDRATE	1
#define COMPORT_SET_DATASIZE	2
#define COMPORT_SET_PARITY	3
#define COMPORT_SET_STOPSIZE	4

/* Bits of struct telnet.acks: which settings the server acknowledged. */
#define TELNET_ACK_BAUD		0x1
#define TELNET_ACK_DATASIZE	0x2
#define TELNET_ACK_PARITY	0x4
#define TELNET_ACK_STOPSIZE	0x8
#define TELNET_ACK_ALL		0xF

/* Longest subnegotiation kept; the rest of a longer one is dropped. */
#define TELNET_SB_MAX	32
/* Answers queued by one telnet_recv() call at most; more are dropped. */
#define TELNET_ANSWER_MAX	96

struct telnet {
	int		state;		/* parser state (telnet.c) */
	uint8_t		opt;		/* option of the command being read */
	uint8_t		sb[TELNET_SB_MAX];
	size_t		sblen;
	int		sb_overflow;
	int		after_cr;	/* last data byte was a CR */
	/* Option state: bit n set = option n (0..63) enabled. */
	uint64_t	us;		/* we do it (server said DO) */
	uint64_t	him;		/* the server does it (said WILL) */
	uint64_t	asked_us;	/* we sent WILL, no answer yet */
	uint64_t	asked_him;	/* we sent DO, no answer yet */
	int		comport_refused; /* server said DONT COM-PORT-OPTION */
	unsigned	acks;		/* TELNET_ACK_* received */
	uint32_t	ack_baud;	/* values the server acknowledged */
	uint8_t		ack_datasize, ack_parity, ack_stopsize;
	/* Answers to send to the server, filled by telnet_recv(). */
	uint8_t		answer[TELNET_ANSWER_MAX];
	size_t		answerlen;
};

/* Resets t for a new connection. */
void	telnet_init(struct telnet *t);

/*
 * Writes the client's opening negotiation into buf (cap >= 15) and marks
 * the options as asked for.  Returns its length.
 */
size_t	telnet_hello(struct telnet *t, uint8_t *buf, size_t cap);

/*
 * Writes the four COM-PORT settings (baud, data bits 5-8, parity 'N' 'O'
 * 'E' 'M' 'S', stop bits 1 or 2) into buf, escaping IAC in the values.
 * Returns the length, or -1 when cap is too small (64 always suffices) or
 * a value is out of range.
 */
int	telnet_comport_settings(uint8_t *buf, size_t cap, uint32_t baud,
	    int databits, char parity, int stopbits);

/*
 * Feeds n received bytes.  Data bytes (IAC IAC unescaped; the NUL of a
 * CR NUL dropped unless the server sends BINARY) are appended to
 * data[*dlen..cap); data beyond cap is dropped and counted in the return
 * value.  Answers to the server's negotiation are appended to t->answer
 * (the caller sends them and sets answerlen to 0).  Returns the number of
 * data bytes dropped for lack of room.
 */
size_t	telnet_recv(struct telnet *t, const uint8_t *in, size_t n,
	    uint8_t *data, size_t *dlen, size_t cap);

/*
 * Escapes n data bytes for sending: IAC doubled, and a CR followed by NUL
 * while we do not send BINARY.  Returns the length written to out, or -1
 * when cap is too small (2 * n always suffices).
 */
int	telnet_escape(const struct telnet *t, const uint8_t *in, size_t n,
	    uint8_t *out, size_t cap);

/* 1 when option opt (< 64) is enabled on our side / the server's. */
int	telnet_us(const struct telnet *t, int opt);
int	telnet_him(const struct telnet *t, int opt);

#endif

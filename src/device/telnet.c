/*
 * telnet.c - telnet stream parser and encoder for the RFC 2217 port
 * (contract in telnet.h).  Written here rather than taken from libtelnet:
 * the client needs a few dozen lines of it (three options, four
 * subnegotiations), and a pure parser is what the fuzz target exercises.
 *
 * The option answers follow RFC 1143's rule in its simplest form: answer
 * a request only when it changes the option's state, so two sides can
 * never loop.
 */
#include <string.h>

#include "telnet.h"

enum {
	ST_DATA = 0,
	ST_IAC,		/* after IAC */
	ST_OPT,		/* after IAC WILL/WONT/DO/DONT: the option byte */
	ST_SB,		/* inside IAC SB ... */
	ST_SB_IAC	/* IAC inside a subnegotiation */
};

/* Options we agree to do (DO answered with WILL) and to let the server do. */
#define WANT_US		((1ULL << TELNET_COMPORT) | (1ULL << TELNET_BINARY) | \
			 (1ULL << TELNET_SGA))
#define WANT_HIM	((1ULL << TELNET_BINARY) | (1ULL << TELNET_SGA))

static uint64_t
bit(uint8_t opt)
{
	return opt < 64 ? 1ULL << opt : 0;
}

void
telnet_init(struct telnet *t)
{
	memset(t, 0, sizeof(*t));
}

int
telnet_us(const struct telnet *t, int opt)
{
	return opt >= 0 && opt < 64 && (t->us & (1ULL << opt)) != 0;
}

int
telnet_him(const struct telnet *t, int opt)
{
	return opt >= 0 && opt < 64 && (t->him & (1ULL << opt)) != 0;
}

static void
answer(struct telnet *t, uint8_t cmd, uint8_t opt)
{
	if (t->answerlen + 3 > sizeof(t->answer))
		return;
	t->answer[t->answerlen++] = TELNET_IAC;
	t->answer[t->answerlen++] = cmd;
	t->answer[t->answerlen++] = opt;
}

size_t
telnet_hello(struct telnet *t, uint8_t *buf, size_t cap)
{
	static const uint8_t hello[] = {
		TELNET_IAC, TELNET_WILL, TELNET_COMPORT,
		TELNET_IAC, TELNET_WILL, TELNET_BINARY,
		TELNET_IAC, TELNET_DO, TELNET_BINARY,
		TELNET_IAC, TELNET_WILL, TELNET_SGA,
		TELNET_IAC, TELNET_DO, TELNET_SGA
	};

	if (cap < sizeof(hello))
		return 0;
	memcpy(buf, hello, sizeof(hello));
	t->asked_us |= WANT_US;
	t->asked_him |= WANT_HIM;
	return sizeof(hello);
}

/* Appends one byte of a subnegotiation value, doubling IAC. */
static int
put_escaped(uint8_t *buf, size_t cap, size_t *len, uint8_t b)
{
	if (*len + (b == TELNET_IAC ? 2 : 1) > cap)
		return -1;
	buf[(*len)++] = b;
	if (b == TELNET_IAC)
		buf[(*len)++] = TELNET_IAC;
	return 0;
}

static int
put_sb(uint8_t *buf, size_t cap, size_t *len, uint8_t cmd,
    const uint8_t *val, size_t vlen)
{
	if (*len + 4 > cap)
		return -1;
	buf[(*len)++] = TELNET_IAC;
	buf[(*len)++] = TELNET_SB;
	buf[(*len)++] = TELNET_COMPORT;
	buf[(*len)++] = cmd;
	for (size_t i = 0; i < vlen; i++)
		if (put_escaped(buf, cap, len, val[i]) == -1)
			return -1;
	if (*len + 2 > cap)
		return -1;
	buf[(*len)++] = TELNET_IAC;
	buf[(*len)++] = TELNET_SE;
	return 0;
}

int
telnet_comport_settings(uint8_t *buf, size_t cap, uint32_t baud,
    int databits, char parity, int stopbits)
{
	static const char parities[] = "NOEMS";	/* RFC 2217 values 1..5 */
	const char *pp;
	uint8_t v[4];
	size_t len = 0;

	if (baud == 0 || databits < 5 || databits > 8 || parity == '\0' ||
	    (pp = strchr(parities, parity)) == NULL ||
	    (stopbits != 1 && stopbits != 2))
		return -1;
	v[0] = (uint8_t)(baud >> 24);
	v[1] = (uint8_t)(baud >> 16);
	v[2] = (uint8_t)(baud >> 8);
	v[3] = (uint8_t)baud;
	if (put_sb(buf, cap, &len, COMPORT_SET_BAUDRATE, v, 4) == -1)
		return -1;
	v[0] = (uint8_t)databits;
	if (put_sb(buf, cap, &len, COMPORT_SET_DATASIZE, v, 1) == -1)
		return -1;
	v[0] = (uint8_t)(pp - parities + 1);
	if (put_sb(buf, cap, &len, COMPORT_SET_PARITY, v, 1) == -1)
		return -1;
	v[0] = (uint8_t)stopbits;
	if (put_sb(buf, cap, &len, COMPORT_SET_STOPSIZE, v, 1) == -1)
		return -1;
	return (int)len;
}

/* One option command from the server. */
static void
negotiate(struct telnet *t, uint8_t cmd, uint8_t opt)
{
	uint64_t b = bit(opt);

	switch (cmd) {
	case TELNET_DO:
		if ((WANT_US & b) != 0) {
			if ((t->us & b) == 0 && (t->asked_us & b) == 0)
				answer(t, TELNET_WILL, opt);
			t->us |= b;
		} else
			answer(t, TELNET_WONT, opt);
		t->asked_us &= ~b;
		break;
	case TELNET_DONT:
		if ((t->us & b) != 0)
			answer(t, TELNET_WONT, opt);
		if (opt == TELNET_COMPORT)
			t->comport_refused = 1;
		t->us &= ~b;
		t->asked_us &= ~b;
		break;
	case TELNET_WILL:
		if ((WANT_HIM & b) != 0) {
			if ((t->him & b) == 0 && (t->asked_him & b) == 0)
				answer(t, TELNET_DO, opt);
			t->him |= b;
		} else
			answer(t, TELNET_DONT, opt);
		t->asked_him &= ~b;
		break;
	case TELNET_WONT:
		if ((t->him & b) != 0)
			answer(t, TELNET_DONT, opt);
		t->him &= ~b;
		t->asked_him &= ~b;
		break;
	}
}

/* A complete subnegotiation: t->sb holds option, command, value. */
static void
subnegotiation(struct telnet *t)
{
	const uint8_t *v = t->sb + 2;
	size_t vlen;

	if (t->sb_overflow || t->sblen < 2 || t->sb[0] != TELNET_COMPORT)
		return;
	vlen = t->sblen - 2;
	switch (t->sb[1]) {
	case 100 + COMPORT_SET_BAUDRATE:
		if (vlen == 4) {
			t->ack_baud = (uint32_t)v[0] << 24 |
			    (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
			t->acks |= TELNET_ACK_BAUD;
		}
		break;
	case 100 + COMPORT_SET_DATASIZE:
		if (vlen == 1) {
			t->ack_datasize = v[0];
			t->acks |= TELNET_ACK_DATASIZE;
		}
		break;
	case 100 + COMPORT_SET_PARITY:
		if (vlen == 1) {
			t->ack_parity = v[0];
			t->acks |= TELNET_ACK_PARITY;
		}
		break;
	case 100 + COMPORT_SET_STOPSIZE:
		if (vlen == 1) {
			t->ack_stopsize = v[0];
			t->acks |= TELNET_ACK_STOPSIZE;
		}
		break;
	default:
		break;	/* notifications, other answers: nothing to do */
	}
}

size_t
telnet_recv(struct telnet *t, const uint8_t *in, size_t n, uint8_t *data,
    size_t *dlen, size_t cap)
{
	size_t dropped = 0;

	for (size_t i = 0; i < n; i++) {
		uint8_t c = in[i];

		switch (t->state) {
		case ST_DATA:
			if (c == TELNET_IAC) {
				t->state = ST_IAC;
				break;
			}
			/* NVT: CR NUL is a bare CR; in BINARY a NUL is data. */
			if (c == 0 && t->after_cr && !telnet_him(t, TELNET_BINARY)) {
				t->after_cr = 0;
				break;
			}
data:
			t->after_cr = c == '\r';
			if (*dlen < cap)
				data[(*dlen)++] = c;
			else
				dropped++;
			break;
		case ST_IAC:
iac:
			t->state = ST_DATA;
			switch (c) {
			case TELNET_IAC:
				goto data;
			case TELNET_WILL:
			case TELNET_WONT:
			case TELNET_DO:
			case TELNET_DONT:
				t->opt = c;
				t->state = ST_OPT;
				break;
			case TELNET_SB:
				t->sblen = 0;
				t->sb_overflow = 0;
				t->state = ST_SB;
				break;
			default:
				break;	/* NOP, GA, DM, ...: nothing to do */
			}
			break;
		case ST_OPT:
			negotiate(t, t->opt, c);
			t->state = ST_DATA;
			break;
		case ST_SB:
			if (c == TELNET_IAC) {
				t->state = ST_SB_IAC;
				break;
			}
sb_byte:
			if (t->sblen < sizeof(t->sb))
				t->sb[t->sblen++] = c;
			else
				t->sb_overflow = 1;
			break;
		case ST_SB_IAC:
			t->state = ST_SB;
			if (c == TELNET_IAC)
				goto sb_byte;
			if (c == TELNET_SE) {
				subnegotiation(t);
				t->state = ST_DATA;
				break;
			}
			/* IAC + command inside SB: the SB was cut; take the
			 * command as such. */
			goto iac;
		}
	}
	return dropped;
}

int
telnet_escape(const struct telnet *t, const uint8_t *in, size_t n,
    uint8_t *out, size_t cap)
{
	size_t len = 0;
	int binary = telnet_us(t, TELNET_BINARY);

	for (size_t i = 0; i < n; i++) {
		size_t need = in[i] == TELNET_IAC ||
		    (in[i] == '\r' && !binary) ? 2 : 1;

		if (len + need > cap)
			return -1;
		out[len++] = in[i];
		if (in[i] == TELNET_IAC)
			out[len++] = TELNET_IAC;
		else if (in[i] == '\r' && !binary)
			out[len++] = 0;
	}
	return (int)len;
}

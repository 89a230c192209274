/*
 * proto_pi30.c - the PI30 family: PI30, PI30MAX, PI30M045, PI30M044,
 * PI30MST, PI41 and PI30REVO (tables in pi30_tables.c).
 *
 * Requests are the command text, the CRC-16/XMODEM in two bytes (crc.h)
 * and CR; PI30REVO's PSET commands carry a one-byte sum (CHK) and no CR.
 * Replies are "(" + fields separated by spaces + CRC + CR (REVO: CRC or
 * CHK).  docs/protocols.md has the rules and the reference's quirks kept
 * here.
 */
#include <stdio.h>
#include <string.h>

#include "crc.h"
#include "family.h"
#include "proto.h"
#include "proto_pi30.h"

static int
pi30_build(const struct pi_proto *p, const char *cmd, uint8_t *buf, size_t cap,
    char *err, size_t errlen)
{
	size_t n = strlen(cmd);

	if (n + 3 > cap) {
		snprintf(err, errlen, "command too long (%zu bytes)", n);
		return -1;
	}
	memcpy(buf, cmd, n);
	if (p->variant == PI30_REVO && strncmp(cmd, "PSET", 4) == 0) {
		unsigned chk = crc_chk(cmd, n);
		if (chk > 0xff) {
			snprintf(err, errlen, "bytes must be in range(0, 256)");
			return -1;
		}
		buf[n] = (uint8_t)chk;
		return (int)n + 1;
	}
	crc_pi(cmd, n, buf + n);
	buf[n + 2] = '\r';
	return (int)n + 3;
}

/* Every PI30 reply, CRC or CHK framed, ends at its first CR. */
static int
pi30_frame_len(const struct pi_proto *p, const uint8_t *buf, size_t len)
{
	const uint8_t *cr = memchr(buf, '\r', len);

	(void)p;
	return cr != NULL ? (int)(cr - buf) + 1 : 0;
}

static int
crc_ok(const uint8_t *s, size_t n)
{
	uint8_t crc[2];

	crc_pi(s, n - 3, crc);
	return s[n - 3] == crc[0] && s[n - 2] == crc[1];
}

/* 1 valid, 0 invalid, -1 the reference's bytes([256]) exception. */
static int
revo_chk_ok(const uint8_t *s, size_t n)
{
	unsigned chk = crc_chk(s, n - 2);

	if (chk > 0xff)
		return -1;
	return s[n - 2] == chk;
}

/*
 * The reference's checks, in its order: too short, a NAK anywhere, then
 * the CRC.  PI30REVO accepts a reply whose CHK byte fits (then the payload
 * starts after an optional '(' and ends before CHK + CR) and checks no NAK.
 */
static int
pi30_split(const struct pi_proto *p, const uint8_t *reply, size_t len,
    struct proto_reply *out, char *err, size_t errlen)
{
	size_t b = 1, e = 3;

	memset(out, 0, sizeof(*out));
	if (len <= 3)
		out->bad = "Error: Response to short";
	else if (p->variant == PI30_REVO) {
		int chk = revo_chk_ok(reply, len);
		if (chk < 0) {
			snprintf(err, errlen, "bytes must be in range(0, 256)");
			return -1;
		}
		if (!crc_ok(reply, len)) {
			if (!chk)
				out->bad = "Error: Invalid response CRCs";
			b = reply[0] == '(' ? 1 : 0;
			e = 2;
		}
	} else if (memmem(reply, len, "(NAK", 4) != NULL)
		out->bad = "Error: NAK";
	else if (!crc_ok(reply, len))
		out->bad = "Error: Invalid response CRCs";
	if (out->bad != NULL)
		return 1;
	out->body = reply + b;
	out->blen = len - b - e;
	proto_tokenize(out, out->body, out->blen, ' ');
	return 0;
}

static enum proto_ack
pi30_ack(const struct pi_proto *p, const uint8_t *reply, size_t len)
{
	struct proto_reply rep;
	enum proto_ack a = PROTO_ACK_NONE;
	char err[64];

	if (len > 3 && memmem(reply, len, "(NAK", 4) != NULL)
		return PROTO_ACK_NO;
	if (pi30_split(p, reply, len, &rep, err, sizeof(err)) != 0)
		return PROTO_ACK_NONE;
	if (rep.blen == 3 && memcmp(rep.body, "ACK", 3) == 0)
		a = PROTO_ACK_YES;
	else if (rep.blen == 3 && memcmp(rep.body, "NAK", 3) == 0)
		a = PROTO_ACK_NO;
	proto_reply_free(&rep);
	return a;
}

const struct proto_family pi30_family = {
	.name = "PI30",
	.build = pi30_build,
	.frame_len = pi30_frame_len,
	.split = pi30_split,
	.decode = proto_table_decode,
	.judge = proto_table_judge,
	.ack = pi30_ack,
	.shape = proto_table_shape,
};

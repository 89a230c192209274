/*
 * proto_pi17.c - the PI17 family: PI17, PI17INFINI, PI17M058 (tables in
 * pi17_tables.c).
 *
 * Requests: "^P" (query) or "^S" (setter) + the length of the command and
 * CR as three digits + the command + CR, no CRC; the energy queries
 * ("QUERYEN": EY, EM, ED, EH) count three more and end with the byte sum of
 * everything before as three digits.  Replies: "^D" + length + fields
 * separated by commas or spaces + CRC-16/XMODEM (not adjusted) + CR, the
 * CRC checked; setters are answered "^1" or "^0" (docs/protocols.md).
 */
#include <stdio.h>
#include <string.h>

#include "crc.h"
#include "proto_pi1x.h"

static int
pi17_build(const struct pi_proto *p, const char *cmd, uint8_t *buf,
    size_t cap, char *err, size_t errlen)
{
	const struct pi_cmd *defn = proto_lookup(p, cmd, NULL, 0);
	size_t n = strlen(cmd), h;
	char head[32], chk[4] = "";

	if (defn == NULL) {
		/* The reference builds no request without a definition. */
		snprintf(err, errlen, "Command %s is not a command of protocol "
		    "%s, or its argument is invalid", cmd, p->id);
		return -1;
	}
	if (PI1X_CMD(defn)->flags & PI1X_QUERYEN)
		snprintf(head, sizeof(head), "^P%03zu", n + 4);
	else
		snprintf(head, sizeof(head), "^%c%03zu", defn->setter ? 'S' : 'P',
		    n + 1);
	h = strlen(head);
	if (h + n + 4 > cap) {
		snprintf(err, errlen, "command too long (%zu bytes)", n);
		return -1;
	}
	memcpy(buf, head, h);
	memcpy(buf + h, cmd, n);
	n += h;
	if (PI1X_CMD(defn)->flags & PI1X_QUERYEN) {
		pi1x_sum3(buf, n, chk);
		memcpy(buf + n, chk, 3);
		n += 3;
	}
	buf[n++] = '\r';
	return (int)n;
}

/* response[-3:-1] must be the plain XMODEM CRC of response[:-3]. */
static int
pi17_split(const struct pi_proto *p, const uint8_t *reply, size_t len,
    struct proto_reply *out, char *err, size_t errlen)
{
	uint16_t crc;

	(void)p;
	(void)err;
	(void)errlen;
	memset(out, 0, sizeof(*out));
	if (len < 3 || (crc = crc_xmodem(reply, len - 3),
	    reply[len - 3] != (crc >> 8) || reply[len - 2] != (crc & 0xff))) {
		out->bad = "Error: CRC error P17";
		return 1;
	}
	caret_fields(reply, len, 1, 0, out);
	return 0;
}

const struct proto_family pi17_family = {
	.name = "PI17",
	.build = pi17_build,
	.frame_len = caret_frame_len,
	.split = pi17_split,
	.decode = proto_table_decode,
	.judge = proto_table_judge,
	.ack = caret_ack,
	.shape = proto_table_shape,
};

/*
 * proto_pi18.c - the PI18 family: PI18, PI18SV, PI18LVX (tables in
 * pi18_tables.c).
 *
 * Requests: the definition's own prefix ("^P005", "^S007") + the command +
 * CRC-16/XMODEM with the PI30 byte adjustment + CR; PI18LVX and the
 * PI18SV commands marked so send no CRC.  Replies: "^D" + length + comma-
 * separated fields + CRC + CR, which the reference does not check (an
 * empty reply is the single field "No response"); setters are answered
 * "^1" or "^0" (docs/protocols.md).
 */
#include <stdio.h>
#include <string.h>

#include "crc.h"
#include "proto_pi1x.h"

static int
pi18_build(const struct pi_proto *p, const char *cmd, uint8_t *buf,
    size_t cap, char *err, size_t errlen)
{
	const struct pi_cmd *defn = proto_lookup(p, cmd, NULL, 0);
	const struct pi1x_cmd *c;
	const char *prefix;
	size_t n = strlen(cmd), h;
	int crc;

	if (defn == NULL) {
		snprintf(err, errlen, "Command %s is not a command of protocol "
		    "%s, or its argument is invalid", cmd, p->id);
		return -1;
	}
	c = PI1X_CMD(defn);
	prefix = c->prefix != 0 ? pi_str(c->prefix) : "";
	h = strlen(prefix);
	crc = p->variant != PI18_NOCRC && !(c->flags & PI1X_NOCRC);
	if (c->flags & PI1X_CRC)
		crc = 1;
	if (h + n + 3 > cap) {
		snprintf(err, errlen, "command too long (%zu bytes)", n);
		return -1;
	}
	memcpy(buf, prefix, h);
	memcpy(buf + h, cmd, n);
	n += h;
	if (crc) {
		crc_pi(buf, n, buf + n);
		n += 2;
	}
	buf[n++] = '\r';
	return (int)n;
}

static int
pi18_split(const struct pi_proto *p, const uint8_t *reply, size_t len,
    struct proto_reply *out, char *err, size_t errlen)
{
	(void)p;
	(void)err;
	(void)errlen;
	memset(out, 0, sizeof(*out));
	caret_fields(reply, len, 0, 1, out);
	return 0;
}

const struct proto_family pi18_family = {
	.name = "PI18",
	.build = pi18_build,
	.frame_len = caret_frame_len,
	.split = pi18_split,
	.decode = proto_table_decode,
	.judge = proto_table_judge,
	.ack = caret_ack,
	.shape = proto_table_shape,
};

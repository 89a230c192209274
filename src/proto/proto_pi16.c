/*
 * proto_pi16.c - the PI16 family (tables in pi16_tables.c).
 *
 * Requests are the command text and CR, without CRC; the energy queries
 * (QED, QEH, QEM, QEY) end with their byte sum as three digits.  Replies
 * are "(" + fields separated by spaces + 2 CRC bytes + CR, and the
 * reference checks nothing in them (docs/protocols.md).  PI16 has no
 * setters.
 */
#include <stdio.h>
#include <string.h>

#include "proto_pi1x.h"

static int
pi16_build(const struct pi_proto *p, const char *cmd, uint8_t *buf,
    size_t cap, char *err, size_t errlen)
{
	size_t n = strlen(cmd);
	const struct pi_cmd *defn;
	int sum = 0;

	/* Only the energy queries QE... carry a checksum: look those up. */
	if (strncmp(cmd, "QE", 2) == 0 &&
	    (defn = proto_lookup(p, cmd, NULL, 0)) != NULL)
		sum = (PI1X_CMD(defn)->flags & PI1X_CHECKSUM) != 0;
	if (n + 4 > cap) {
		snprintf(err, errlen, "command too long (%zu bytes)", n);
		return -1;
	}
	memcpy(buf, cmd, n);
	if (sum) {
		char chk[4];
		pi1x_sum3(cmd, n, chk);
		memcpy(buf + n, chk, 3);
		n += 3;
	}
	buf[n++] = '\r';
	return (int)n;
}

/* response[1:-3].split(b" "), whatever the bytes are. */
static int
pi16_split(const struct pi_proto *p, const uint8_t *reply, size_t len,
    struct proto_reply *out, char *err, size_t errlen)
{
	size_t b = 1, e = len > 3 ? len - 3 : 0;

	(void)p;
	(void)err;
	(void)errlen;
	memset(out, 0, sizeof(*out));
	if (e < b)
		b = e = 0;
	out->body = reply + b;
	out->blen = e - b;
	proto_tokenize(out, out->body, out->blen, ' ');
	return 0;
}

const struct proto_family pi16_family = {
	.name = "PI16",
	.build = pi16_build,
	.frame_len = NULL,	/* "(" ... CR: complete at the first CR */
	.split = pi16_split,
	.decode = proto_table_decode,
	.judge = proto_table_judge,
	.ack = NULL,		/* no setters */
	.shape = proto_table_shape,
};

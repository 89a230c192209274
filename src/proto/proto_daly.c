/*
 * proto_daly.c - the Daly BMS family: DALY (module address 0x80) and
 * DALY40 (0x40), tables in bms_tables.c.
 *
 * Requests are 13 bytes, 0xA5, the address, the command code, the length
 * 8, eight zero bytes and the sum of those bytes, followed by a LF as the
 * reference sends it.  Replies are 13-byte frames of the same layout
 * (address 0x01); the cell voltages and temperatures come as one frame per
 * three cells (seven sensors), the frame number in the first data byte
 * (docs/protocols.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bms.h"
#include "pyfmt.h"
#include "sbuf.h"

#define DALY_FRAME	13

static int
daly_build(const struct pi_proto *p, const char *cmd, uint8_t *buf,
    size_t cap, char *err, size_t errlen)
{
	const struct pi_cmd *defn = proto_lookup(p, cmd, NULL, 0);
	const struct bms_cmd *c;

	if (defn == NULL || (c = BMS_CMD(defn))->code == 0) {
		snprintf(err, errlen, "Command %s is not a command of protocol "
		    "%s", cmd, p->id);
		return -1;
	}
	if (cap < DALY_FRAME + 1) {
		snprintf(err, errlen, "buffer too small");
		return -1;
	}
	memset(buf, 0, DALY_FRAME + 1);
	buf[0] = 0xA5;
	buf[1] = (uint8_t)p->variant;
	buf[2] = (uint8_t)strtol(pi_str(c->code), NULL, 16);
	buf[3] = 8;
	buf[12] = bms_sum8(buf, 12);
	buf[13] = '\n';
	return DALY_FRAME + 1;
}

/* The most frames a multi-frame reply has: 48 cells, 16 sensors. */
static int
daly_max_frames(uint8_t code)
{
	return code == 0x95 ? 16 : code == 0x96 ? 3 : 1;
}

/*
 * One 13-byte frame from 0xA5; a cell voltage or temperature reply
 * (several frames) is complete at its last possible frame, otherwise it
 * runs until the device falls quiet (the port's deadline).
 */
static int
daly_frame_len(const struct pi_proto *p, const uint8_t *buf, size_t len)
{
	size_t n;

	(void)p;
	if (len == 0)
		return 0;
	if (buf[0] != 0xA5)
		return -1;
	if (len < DALY_FRAME)
		return 0;
	if (daly_max_frames(buf[2]) == 1)
		return DALY_FRAME;
	n = len - len % DALY_FRAME;
	if (n > 0 && buf[n - DALY_FRAME + 4] >= daly_max_frames(buf[2]))
		return (int)n;
	return 0;
}

/* The command a reply answers, from its command byte. */
static const struct bms_cmd *
daly_cmd_of(const struct pi_proto *p, const uint8_t *reply, size_t len)
{
	if (len < 3)
		return NULL;
	for (int i = 0; i < p->ncmds; i++) {
		const struct bms_cmd *c = BMS_CMD(proto_cmd(p, i));
		if (c->code != 0 && strtol(pi_str(c->code), NULL, 16) == reply[2])
			return c;
	}
	return NULL;
}

/* Empty, or (one frame) a sum that does not match: the reference's texts. */
static int
daly_split(const struct pi_proto *p, const uint8_t *reply, size_t len,
    struct proto_reply *out, char *err, size_t errlen)
{
	const struct bms_cmd *c = daly_cmd_of(p, reply, len);

	(void)err;
	(void)errlen;
	memset(out, 0, sizeof(*out));
	if (len == 0) {
		out->bad = "Error: Response was empty";
		return 1;
	}
	if (!(c != NULL && c->frame_size > 0 && len > (size_t)c->frame_size) &&
	    bms_sum8(reply, len - 1) != reply[len - 1]) {
		struct sbuf s = SBUF_INIT;
		sbuf_adds(&s, "Error: DALY checksum did not match for response ");
		py_bytes_repr(&s, reply, len);
		out->bad = out->bad_own = sbuf_steal(&s);
		return 1;
	}
	out->body = reply;
	out->blen = len;
	return 0;
}

const struct proto_family daly_family = {
	.name = "DALY",
	.build = daly_build,
	.frame_len = daly_frame_len,
	.split = daly_split,
	.decode = bms_decode,
	.judge = proto_table_judge,
	.ack = NULL,		/* no setters */
	.shape = bms_shape,
	.stream_ok = NULL,
};

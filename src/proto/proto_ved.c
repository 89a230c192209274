/*
 * proto_ved.c - the Victron VE.Direct family (VED; tables in
 * bms_tables.c).
 *
 * The text protocol is streamed: the device sends "\r\nLabel\tValue"
 * fields every second without being asked, each block ending in a
 * "Checksum\t" field whose one byte makes all bytes of the block sum to 0
 * modulo 256.  Nothing is written for it (build gives 0 bytes); frame_len
 * cuts the stream after each checksum byte; stream_ok checks the sum (the
 * reference checks nothing when it decodes, so split does not).  The HEX
 * protocol is request/reply: ":7" + register + flags + a checksum making
 * the bytes sum to 0x55, then LF; the reply is a ":..." line
 * (docs/protocols.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bms.h"
#include "pyfmt.h"
#include "sbuf.h"
#include "hex.h"

static const char cklabel[] = "Checksum\t";
#define CKLEN	(sizeof(cklabel) - 1)

static int
ved_build(const struct pi_proto *p, const char *cmd, uint8_t *buf,
    size_t cap, char *err, size_t errlen)
{
	const struct pi_cmd *defn = proto_lookup(p, cmd, NULL, 0);
	const struct bms_cmd *c;
	uint8_t b[8];
	char hex[32];
	int n;

	if (defn == NULL) {
		snprintf(err, errlen, "Command %s is not a command of protocol "
		    "%s", cmd, p->id);
		return -1;
	}
	c = BMS_CMD(defn);
	if (c->type != 0 && strcmp(pi_str(c->type), "VEDTEXT") == 0)
		return 0;	/* streamed: nothing to write */
	snprintf(hex, sizeof(hex), "07%s00", c->code != 0 ? pi_str(c->code) : "");
	if (c->code == 0 || (n = bms_unhex(hex, b, sizeof(b))) < 0) {
		snprintf(err, errlen, "unable to generate the command %s", cmd);
		return -1;
	}
	n = snprintf((char *)buf, cap, ":7%s00%02X\n", pi_str(c->code),
	    (unsigned)(uint8_t)(0x55 - bms_sum8(b, (size_t)n)));
	if (n < 0 || (size_t)n >= cap) {
		snprintf(err, errlen, "buffer too small");
		return -1;
	}
	return n;
}

/*
 * A text block through its checksum byte, or a HEX line ":..." through
 * its LF, whichever ends first.  Nothing is ever impossible in a stream.
 */
static int
ved_frame_len(const struct pi_proto *p, const uint8_t *buf, size_t len)
{
	int colon = 0;

	(void)p;
	for (size_t i = 0; i < len; i++) {
		if (i + CKLEN < len && memcmp(buf + i, cklabel, CKLEN) == 0)
			return (int)(i + CKLEN + 1);
		if (i + CKLEN <= len && memcmp(buf + i, cklabel, CKLEN) == 0)
			return 0;	/* the checksum byte is still to come */
		if (buf[i] == ':' && (i == 0 || buf[i - 1] == '\n'))
			colon = 1;
		else if (colon && buf[i] == '\n')
			return (int)i + 1;
	}
	return 0;
}

/*
 * A text block: it ends in the checksum label and its one byte.  That
 * byte may be anything, ':' included, so a ':' alone does not make a HEX
 * line (the reference takes any ':' for HEX and fails on such a block;
 * docs/protocols.md).
 */
static int
ved_stream_frame(const struct pi_proto *p, const uint8_t *buf, size_t len)
{
	(void)p;
	return len >= CKLEN + 1 && memcmp(buf + len - 1 - CKLEN, cklabel,
	    CKLEN) == 0;
}

static int
ved_stream_ok(const struct pi_proto *p, const uint8_t *buf, size_t len)
{
	if (!ved_stream_frame(p, buf, len))
		return 1;	/* not a text block (a HEX line: split checks) */
	return bms_sum8(buf, len) == 0;
}

static int
is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	    c == '\f';
}

/*
 * bytes.fromhex("0" + text): pairs of hex digits, whitespace between
 * pairs skipped.  Returns the byte count, or -1 with Python's text.
 */
static int
fromhex0(const uint8_t *s, size_t n, uint8_t *out, char *err, size_t errlen)
{
	uint8_t *t = xmalloc(n + 2);
	size_t m = 0, k = 0;
	int rc = 0;

	t[m++] = '0';
	memcpy(t + m, s, n);
	m += n;
	for (size_t i = 0; i < m;) {
		int h, l;
		if (is_space(t[i])) {
			i++;
			continue;
		}
		if ((h = hex_digit(t[i])) < 0 || i + 1 >= m) {
			snprintf(err, errlen, "non-hexadecimal number found in "
			    "fromhex() arg at position %zu", i + (h >= 0));
			rc = -1;
			break;
		}
		l = hex_digit(t[i + 1]);
		if (l < 0) {
			snprintf(err, errlen, "non-hexadecimal number found in "
			    "fromhex() arg at position %zu", i + 1);
			rc = -1;
			break;
		}
		out[k++] = (uint8_t)(h << 4 | l);
		i += 2;
	}
	free(t);
	return rc < 0 ? -1 : (int)k;
}

/* The text between the first ':' and the next ':' (or the end). */
static const uint8_t *
hex_part(const uint8_t *b, size_t n, size_t *plen)
{
	const uint8_t *c = memchr(b, ':', n), *e;

	c++;
	e = memchr(c, ':', n - (size_t)(c - b));
	*plen = (size_t)((e != NULL ? e : b + n) - c);
	return c;
}

static int
ved_split(const struct pi_proto *p, const uint8_t *reply, size_t len,
    struct proto_reply *out, char *err, size_t errlen)
{
	uint8_t *copy;
	size_t m = 0, plen;
	const uint8_t *part;
	int n;

	(void)p;
	memset(out, 0, sizeof(*out));
	if (len == 0) {
		out->bad = "Error: Response was empty";
		return 1;
	}
	if (!ved_stream_frame(p, reply, len) &&
	    memchr(reply, ':', len) != NULL) {
		/* HEX: the checksum over the raw text minus its last byte */
		uint8_t *b = xmalloc(len + 2);
		part = hex_part(reply, len, &plen);
		n = fromhex0(part, plen > 0 ? plen - 1 : 0, b, err, errlen);
		if (n < 0) {
			free(b);
			return -1;
		}
		if (n < 1 || (uint8_t)(0x55 - bms_sum8(b, (size_t)n - 1)) !=
		    b[n - 1]) {
			struct sbuf s = SBUF_INIT;
			free(b);
			sbuf_adds(&s, "Error: VED HEX checksum did not match "
			    "for response ");
			py_bytes_repr(&s, reply, len);
			out->bad = out->bad_own = sbuf_steal(&s);
			return 1;
		}
		/* the fields: LFs removed first, then the same part */
		copy = xmalloc(len);
		for (size_t i = 0; i < len; i++)
			if (reply[i] != '\n')
				copy[m++] = reply[i];
		part = hex_part(copy, m, &plen);
		n = fromhex0(part, plen, b, err, errlen);
		free(copy);
		if (n < 0) {
			free(b);
			return -1;
		}
		out->own = b;
		out->body = b;
		out->blen = (size_t)n;
		return 0;
	}
	/* text: LFs removed, one token per CR-separated line */
	copy = xmalloc(len);
	for (size_t i = 0; i < len; i++)
		if (reply[i] != '\n')
			copy[m++] = reply[i];
	out->own = copy;
	out->body = copy;
	out->blen = m;
	proto_tokenize(out, copy, m, '\r');
	return 0;
}

const struct proto_family ved_family = {
	.name = "VED",
	.build = ved_build,
	.frame_len = ved_frame_len,
	.split = ved_split,
	.decode = bms_decode,
	.judge = proto_table_judge,
	.ack = NULL,
	.shape = bms_shape,
	.stream_ok = ved_stream_ok,
	.stream_frame = ved_stream_frame,
};

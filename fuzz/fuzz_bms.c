/*
 * fuzz_bms.c - the battery monitor frame parsers (Daly, JK, VE.Direct):
 * the input is a byte stream as a serial port would deliver it, cut into
 * frames by the protocol's frame rule exactly as a streaming read does
 * (bytes after a frame carried over), each frame checked (stream_ok),
 * split and decoded for the commands of the protocol.
 * Input: one byte choosing the protocol (a battery family), one choosing
 * the command, then the stream.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bms.h"
#include "output.h"
#include "proto.h"
#include "result.h"
#include "sbuf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv);

#define BUF_MAX	1024	/* a port's reply buffer (port.h PORT_REPLY_MAX) */

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc; (void)argv;
	return proto_init();
}

/* The battery protocols, in registration order. */
static const struct pi_proto *
battery(uint8_t k)
{
	const struct pi_proto *list[32];
	int n = 0;

	for (int i = 0; i < pi_nprotocols && n < 32; i++) {
		const struct proto_family *f = pi_protocols[i]->family;
		if (f == &daly_family || f == &jk_family || f == &ved_family)
			list[n++] = pi_protocols[i];
	}
	return n > 0 ? list[k % n] : NULL;
}

static void
decode_one(const struct pi_proto *p, const char *cmd, const uint8_t *b,
    size_t n)
{
	struct result r;
	struct sbuf s = SBUF_INIT;
	struct out_opts o;

	(void)proto_stream_ok(p, b, n);
	(void)proto_ack(p, b, n);
	result_init(&r);
	proto_decode(p, cmd, b, n, &r);
	memset(&o, 0, sizeof(o));
	output_text("json", &r, &o, &s);
	result_json(&s, &r);
	result_free(&r);
	sbuf_free(&s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct pi_proto *p;
	const struct pi_cmd *c;
	uint8_t buf[BUF_MAX];
	size_t len = 0, off = 2;
	uint8_t req[64];
	char err[256];
	char cmd[64];

	if (size < 2 || (p = battery(data[0])) == NULL)
		return 0;
	if (size > 8192)	/* a few dozen frames say all there is */
		size = 8192;
	c = proto_cmd(p, data[1] % p->ncmds);
	snprintf(cmd, sizeof(cmd), "%s%s", pi_str(c->key), c->regex ? "3.65" : "");
	(void)proto_frame(p, cmd, req, sizeof(req), err, sizeof(err));
	/* the stream arrives in chunks of up to 7 bytes */
	while (off < size) {
		size_t chunk = 1 + (data[off] & 7), room = BUF_MAX - len;
		int f;

		off++;
		if (chunk > size - off)
			chunk = size - off;
		if (chunk > room)
			chunk = room;
		memcpy(buf + len, data + off, chunk);
		len += chunk;
		off += chunk;
		while (len > 0 && (f = proto_frame_len(p, buf, len)) != 0) {
			if (f > (int)len)
				abort();	/* never more than it was given */
			if (f < 0)
				f = (int)len;	/* never a frame: all of it */
			decode_one(p, cmd, buf, (size_t)f);
			memmove(buf, buf + f, len - (size_t)f);
			len -= (size_t)f;
		}
		if (len == BUF_MAX) {	/* a port cuts the reply there */
			decode_one(p, cmd, buf, len);
			len = 0;
		}
	}
	if (len > 0)
		decode_one(p, cmd, buf, len);	/* what came before the deadline */
	return 0;
}

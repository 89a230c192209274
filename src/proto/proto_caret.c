/*
 * proto_caret.c - the reply framing PI17 and PI18 share: "^D" + 3-digit
 * length + comma-separated fields + 2 CRC bytes + CR, and the
 * acknowledgements "^1" / "^0" + CRC + CR (docs/protocols.md).
 */
#include <stdio.h>
#include <string.h>

#include "proto_pi1x.h"
#include "sbuf.h"

static const uint8_t ack_frame[] = "^1\x0b\xc2\r";
static const uint8_t nak_frame[] = "^0\x1b\xe3\r";

void
pi1x_sum3(const void *s, size_t n, char out[4])
{
	const uint8_t *b = s;
	unsigned sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += b[i];
	snprintf(out, 4, "%03u", sum & 0xff);
}

int
caret_frame_len(const struct pi_proto *p, const uint8_t *buf, size_t len)
{
	(void)p;
	if (len >= 2 && buf[0] == '^' && (buf[1] == '0' || buf[1] == '1'))
		return len >= 5 ? 5 : 0;
	if (len >= 2 && buf[0] == '^' && buf[1] == 'D') {
		size_t want = 0;
		int digits = 1;
		if (len < 5)
			return 0;
		for (int i = 2; i < 5; i++) {
			if (buf[i] < '0' || buf[i] > '9')
				digits = 0;
			else
				want = want * 10 + (size_t)(buf[i] - '0');
		}
		if (digits)
			return len >= 5 + want ? (int)(5 + want) : 0;
	}
	for (size_t i = 0; i < len; i++)
		if (buf[i] == '\r')
			return (int)i + 1;
	return 0;
}

static void
push(struct proto_reply *out, int *cap, const uint8_t *p, size_t n)
{
	if (out->ntok == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		out->tok = xrealloc(out->tok, (size_t)*cap * sizeof(*out->tok));
	}
	out->tok[out->ntok].p = p;
	out->tok[out->ntok].n = n;
	out->tok[out->ntok].pad = 0;
	out->ntok++;
}

void
caret_fields(const uint8_t *s, size_t n, int spaces_too, int empty_field,
    struct proto_reply *out)
{
	struct proto_tok *t;
	size_t start = 0, d;
	int cap = 0;

	out->body = s;
	out->blen = n;
	if (n == 0 && empty_field) {
		push(out, &cap, (const uint8_t *)"No response", 11);
		return;
	}
	for (size_t i = 0; i <= n; i++)
		if (i == n || s[i] == ',' || (spaces_too && s[i] == ' ')) {
			push(out, &cap, s + start, i - start);
			start = i + 1;
		}
	t = out->tok;
	if (t[0].n == sizeof(nak_frame) - 1 &&
	    memcmp(t[0].p, nak_frame, t[0].n) == 0) {
		t[0].p = (const uint8_t *)"NAK";
		t[0].n = 3;
		out->ntok = 1;
		return;
	}
	if (t[0].n == sizeof(ack_frame) - 1 &&
	    memcmp(t[0].p, ack_frame, t[0].n) == 0) {
		t[0].p = (const uint8_t *)"ACK";
		t[0].n = 3;
		out->ntok = 1;
		return;
	}
	/* responses[0][5:], then responses[-1][:-3] (maybe the same one) */
	d = t[0].n < 5 ? t[0].n : 5;
	t[0].p += d;
	t[0].n -= d;
	t[out->ntok - 1].n = t[out->ntok - 1].n > 3 ? t[out->ntok - 1].n - 3 : 0;
}

enum proto_ack
caret_ack(const struct pi_proto *p, const uint8_t *reply, size_t len)
{
	const uint8_t *comma = memchr(reply, ',', len);
	size_t n = comma != NULL ? (size_t)(comma - reply) : len;

	(void)p;
	/* The whole first field must be the frame, as the reference has it. */
	if (n == sizeof(ack_frame) - 1 && memcmp(reply, ack_frame, n) == 0)
		return PROTO_ACK_YES;
	if (n == sizeof(nak_frame) - 1 && memcmp(reply, nak_frame, n) == 0)
		return PROTO_ACK_NO;
	return PROTO_ACK_NONE;
}

/*
 * sim_frame.c - request lines in, reply frames out (pure).
 *
 * A request is text + 2 CRC bytes + CR.  The CRC bytes are adjusted so they
 * are never '(' CR LF or NUL, so the first CR always ends a line: a junk
 * line costs at most one NAK and the next line is read cleanly.  LF and NUL
 * never belong to a request (they are USB report padding or a terminal's
 * CRLF) and are dropped wherever they appear.
 */
#include <stdio.h>
#include <string.h>

#include "crc.h"
#include "sim.h"

/* Empties the assembler (start of a new line). */
void
frame_rx_init(struct sim_rx *rx)
{
	rx->len = 0;
	rx->overflow = 0;
}

/*
 * Feeds one received byte.  Returns 1 when it completed a request line
 * (copied into *req, with crc_ok telling whether its CRC matched), 0 when
 * more bytes are needed, -1 when it completed a line that is no request
 * (shorter than one text byte plus CRC, or longer than SIM_RX_MAX).
 */
int
frame_rx_feed(struct sim_rx *rx, uint8_t byte, struct sim_req *req)
{
	uint8_t crc[2];

	if (byte == '\n' || byte == '\0')
		return 0;
	if (byte != '\r') {
		if (rx->len == sizeof(rx->buf))
			rx->overflow = 1;
		else
			rx->buf[rx->len++] = byte;
		return 0;
	}
	if (rx->overflow || rx->len < 3) {
		frame_rx_init(rx);
		return -1;
	}
	req->text_len = rx->len - 2;
	memcpy(req->text, rx->buf, req->text_len);
	req->text[req->text_len] = '\0';
	req->crc[0] = rx->buf[rx->len - 2];
	req->crc[1] = rx->buf[rx->len - 1];
	crc_pi(rx->buf, req->text_len, crc);
	req->crc_ok = crc[0] == req->crc[0] && crc[1] == req->crc[1];
	memcpy(req->raw, rx->buf, rx->len);
	req->raw[rx->len] = '\r';
	req->raw_len = rx->len + 1;
	frame_rx_init(rx);
	return 1;
}

/*
 * Writes '(' + payload + CRC(2) + CR into out, the CRC covering the '(' and
 * the payload.  Returns the frame length, or 0 if it does not fit.
 */
size_t
frame_build(const char *payload, uint8_t *out, size_t outsz)
{
	size_t plen = strlen(payload), n = plen + 4;

	if (n > outsz)
		return 0;
	out[0] = '(';
	memcpy(out + 1, payload, plen);
	crc_pi(out, plen + 1, out + plen + 1);
	out[n - 1] = '\r';
	return n;
}

/* A CRC byte that is wrong but still looks like one (never ( CR LF NUL). */
static uint8_t
wrong_crc_byte(uint8_t b)
{
	do
		b++;
	while (b == '(' || b == '\r' || b == '\n' || b == '\0');
	return b;
}

/* Replaces the two CRC bytes of a built frame with wrong ones. */
void
frame_corrupt_crc(uint8_t *frame, size_t len)
{
	if (len < 4)
		return;
	frame[len - 3] = wrong_crc_byte(frame[len - 3]);
	frame[len - 2] = wrong_crc_byte(frame[len - 2]);
}

/*
 * Writes 8 to 40 random printable bytes (never '(') and a CR into out:
 * something that is not a frame.  Returns the length, 0 if outsz < 41.
 */
size_t
frame_garbage(uint32_t *rng, uint8_t *out, size_t outsz)
{
	size_t n = 8 + fault_rand(rng) % 33;
	uint8_t crc[2];

	if (outsz < 41)
		return 0;
	for (size_t i = 0; i < n; i++) {
		do
			out[i] = (uint8_t)(0x21 + fault_rand(rng) % 94);
		while (out[i] == '(');
	}
	/* Make sure the tail is not, by chance, a valid CRC. */
	crc_pi(out, n - 2, crc);
	if (crc[0] == out[n - 2] && crc[1] == out[n - 1])
		out[n - 1] = out[n - 1] == 'x' ? 'y' : 'x';
	out[n] = '\r';
	return n + 1;
}

/* Copies len bytes of text into out, non-printable bytes as \xNN. */
void
frame_printable(const char *text, size_t len, char *out, size_t outsz)
{
	size_t o = 0;

	if (outsz == 0)
		return;
	for (size_t i = 0; i < len && o + 5 < outsz; i++) {
		unsigned char ch = (unsigned char)text[i];

		if (ch >= 0x20 && ch < 0x7f && ch != '\\')
			out[o++] = (char)ch;
		else
			o += (size_t)snprintf(out + o, outsz - o, "\\x%02X", ch);
	}
	out[o] = '\0';
}

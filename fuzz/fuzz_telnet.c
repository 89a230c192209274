/*
 * fuzz_telnet.c - the RFC 2217 telnet stream parser (telnet.h), fed what a
 * bridge might send, in pieces.  Input: one byte giving the piece size
 * (1..16), then the stream.  Contracts checked: the data never exceeds
 * its buffer and matches what the same stream gives in one piece; the
 * queued answers stay within their buffer; escaping the data and parsing
 * it back (both sides in BINARY) gives the data again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "telnet.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DATA_MAX	256

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct telnet	 a, b;
	uint8_t		 hello[32], da[DATA_MAX], db[DATA_MAX], esc[2 * DATA_MAX];
	uint8_t		 back[DATA_MAX];
	size_t		 la = 0, lb = 0, lback = 0, piece, off, n;
	int		 le;

	if (size < 1 || size > 8192)
		return 0;
	piece = (size_t)(data[0] % 16) + 1;
	data++;
	size--;
	telnet_init(&a);
	telnet_init(&b);
	telnet_hello(&a, hello, sizeof(hello));
	telnet_hello(&b, hello, sizeof(hello));
	telnet_recv(&a, data, size, da, &la, sizeof(da));
	for (off = 0; off < size; off += n) {
		n = size - off < piece ? size - off : piece;
		telnet_recv(&b, data + off, n, db, &lb, sizeof(db));
		if (b.answerlen > sizeof(b.answer))
			abort();
		b.answerlen = 0;
	}
	if (la > sizeof(da) || la != lb || memcmp(da, db, la) != 0 ||
	    a.acks != b.acks || a.us != b.us || a.him != b.him)
		abort();
	/* Round trip through the escaper, both sides binary. */
	telnet_init(&a);
	telnet_init(&b);
	a.us = 1ULL << TELNET_BINARY;
	b.him = 1ULL << TELNET_BINARY;
	le = telnet_escape(&a, da, la, esc, sizeof(esc));
	if (le < 0)
		abort();
	telnet_recv(&b, esc, (size_t)le, back, &lback, sizeof(back));
	if (lback != la || memcmp(back, da, la) != 0)
		abort();
	return 0;
}

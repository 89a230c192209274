/*
 * pi1x.c - request framing, reply validation and field splitting of the
 * PI16, PI17 and PI18 families, as the reference does them
 * (docs/protocols.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc.h"
#include "pi1x.h"
#include "proto.h"
#include "sbuf.h"

static const uint8_t ack_frame[] = "^1\x0b\xc2\r";
static const uint8_t nak_frame[] = "^0\x1b\xe3\r";

/* Sum of the bytes modulo 256 as three decimal digits. */
static void
sum3(const char *s, size_t n, char out[4])
{
	unsigned sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += (uint8_t)s[i];
	snprintf(out, 4, "%03u", sum & 0xff);
}

int
pi1x_frame(const struct pi_proto *p, const struct pi_cmd *defn,
    const char *cmd, uint8_t *buf, size_t cap, char *err, size_t errlen)
{
	char head[32], chk[4];
	size_t n = strlen(cmd), h = 0, tail = 1;
	int crc = 0;

	chk[0] = '\0';
	switch (p->family) {
	case PF_PI16:
		if (defn->flags & PI_CMD_CHECKSUM) {
			sum3(cmd, n, chk);
			tail += 3;
		}
		break;
	case PF_PI17:
		if (defn->flags & PI_CMD_QUERYEN) {
			/* "^Pnnn" + command + its sum as 3 digits */
			char whole[160];
			snprintf(head, sizeof(head), "^P%03zu", n + 4);
			snprintf(whole, sizeof(whole), "%s%s", head, cmd);
			sum3(whole, strlen(whole), chk);
			tail += 3;
		} else
			snprintf(head, sizeof(head), "^%c%03zu",
			    defn->setter ? 'S' : 'P', n + 1);
		h = strlen(head);
		break;
	case PF_PI18:
		/* The definition's own prefix, as the reference sends it. */
		if (defn->prefix != NULL)
			snprintf(head, sizeof(head), "%s", defn->prefix);
		else
			snprintf(head, sizeof(head), "^%c%03zu",
			    defn->setter ? 'S' : 'P', n + 3);
		h = strlen(head);
		crc = !p->nocrc && !(defn->flags & PI_CMD_NOCRC);
		if (defn->flags & PI_CMD_CRC)
			crc = 1;
		if (crc)
			tail += 2;
		break;
	default:
		snprintf(err, errlen, "not a PI16/PI17/PI18 protocol");
		return -1;
	}
	if (h + n + tail > cap) {
		snprintf(err, errlen, "command too long (%zu bytes)", n);
		return -1;
	}
	memcpy(buf, head, h);
	memcpy(buf + h, cmd, n);
	n += h;
	if (crc) {
		crc_pi(buf, n, buf + n);
		n += 2;
	}
	if (chk[0] != '\0') {
		memcpy(buf + n, chk, 3);
		n += 3;
	}
	buf[n++] = '\r';
	return (int)n;
}

const char *
pi1x_validate(const struct pi_proto *p, const uint8_t *s, size_t n)
{
	uint16_t crc;

	if (p->family != PF_PI17)
		return NULL;	/* PI16, PI18: the reference checks nothing */
	/* response[-3:-1] must be the plain XMODEM CRC of response[:-3] */
	if (n < 3)
		return "Error: CRC error P17";
	crc = crc_xmodem(s, n - 3);
	if (s[n - 3] != (crc >> 8) || s[n - 2] != (crc & 0xff))
		return "Error: CRC error P17";
	return NULL;
}

static int
push(struct pi_span **v, int *nv, int *cap, const uint8_t *p, size_t n)
{
	if (*nv == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*v = xrealloc(*v, (size_t)*cap * sizeof(**v));
	}
	(*v)[*nv].p = p;
	(*v)[*nv].n = n;
	return ++*nv;
}

int
pi1x_split(const struct pi_proto *p, const uint8_t *s, size_t n,
    struct pi_span **out)
{
	struct pi_span *v = NULL;
	int nv = 0, cap = 0;
	size_t start = 0;

	if (p->family == PF_PI16) {
		/* response[1:-3].split(b" ") */
		size_t b = 1, e = n > 3 ? n - 3 : 0;
		if (e < b)
			e = b = 0;
		start = b;
		for (size_t i = b; i <= e; i++)
			if (i == e || s[i] == ' ') {
				push(&v, &nv, &cap, s + start, i - start);
				start = i + 1;
			}
		*out = v;
		return nv;
	}
	if (n == 0 && p->family == PF_PI18) {
		push(&v, &nv, &cap, (const uint8_t *)"No response", 11);
		*out = v;
		return nv;
	}
	/* PI17 also splits at spaces (it turns them into commas first). */
	for (size_t i = 0; i <= n; i++)
		if (i == n || s[i] == ',' || (p->family == PF_PI17 && s[i] == ' ')) {
			push(&v, &nv, &cap, s + start, i - start);
			start = i + 1;
		}
	if (v[0].n == sizeof(nak_frame) - 1 &&
	    memcmp(v[0].p, nak_frame, v[0].n) == 0) {
		v[0].p = (const uint8_t *)"NAK";
		v[0].n = 3;
		nv = 1;
	} else if (v[0].n == sizeof(ack_frame) - 1 &&
	    memcmp(v[0].p, ack_frame, v[0].n) == 0) {
		v[0].p = (const uint8_t *)"ACK";
		v[0].n = 3;
		nv = 1;
	} else {
		/* drop "^Dnnn" from the first field, CRC + CR from the last */
		size_t d = v[0].n < 5 ? v[0].n : 5;
		v[0].p += d;
		v[0].n -= d;
		v[nv - 1].n = v[nv - 1].n > 3 ? v[nv - 1].n - 3 : 0;
	}
	*out = v;
	return nv;
}

int
pi1x_frame_len(const uint8_t *buf, size_t len)
{
	if (len >= 2 && buf[0] == '^' && (buf[1] == '0' || buf[1] == '1'))
		return len >= 5 ? 5 : 0;
	if (len >= 2 && buf[0] == '^' && buf[1] == 'D') {
		size_t want = 0;
		if (len < 5)
			return 0;
		for (int i = 2; i < 5; i++) {
			if (buf[i] < '0' || buf[i] > '9')
				goto first_cr;
			want = want * 10 + (size_t)(buf[i] - '0');
		}
		return len >= 5 + want ? (int)(5 + want) : 0;
	}
first_cr:
	for (size_t i = 0; i < len; i++)
		if (buf[i] == '\r')
			return (int)i + 1;
	return 0;
}

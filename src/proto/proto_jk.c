/*
 * proto_jk.c - the JK BMS family (tables in bms_tables.c): JK232 (RS232,
 * frames 0xDD ... 0x77), JK485 (RS485, requests 0x55 0xAA, replies
 * 0xEB 0x90), JKSERIAL (the "NW" protocol with a length and a sum), and the
 * Bluetooth LE record protocols JK02, JK04, JK02_32, JKV11 and JKPB, which
 * mppd decodes (--decode, the test port) but cannot reach yet: their
 * transport is Bluetooth.  The reference checks nothing in a JK reply, so
 * neither does split; the decoder keeps bytes past the layout as
 * "Unknown value in response N" (docs/protocols.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bms.h"

/* JK232 / JKSERIAL checksum: the 16-bit sum, high byte first. */
static void
sum16(const uint8_t *b, size_t n, uint8_t *hi, uint8_t *lo)
{
	unsigned s = 0;

	for (size_t i = 0; i < n; i++)
		s += b[i];
	*hi = (uint8_t)(s >> 8);
	*lo = (uint8_t)s;
}

/* JK Bluetooth setters: the value the command carries (2 bytes LE). */
static void
ble_value(const struct bms_cmd *c, const char *cv, uint8_t *buf)
{
	const char *n = pi_str(c->base.name);
	long v;

	if (strcmp(n, "setChargingOn") == 0 || strcmp(n, "setDischargingOn") == 0)
		v = 1;
	else if (strcmp(n, "setChargingOff") == 0 ||
	    strcmp(n, "setDischargingOff") == 0)
		v = 0;
	else
		v = (long)(strtod(cv, NULL) * 1000);
	if (strcmp(n, "setBalanceStart") == 0) {
		static const uint8_t k[] = { 0x23, 0xb2, 0xcd, 0x31, 0x2d,
			0x28, 0xf2, 0x6b, 0x04 };
		memcpy(buf + 10, k, sizeof(k));
	}
	buf[6] = (uint8_t)(v & 0xff);
	buf[7] = (uint8_t)((v >> 8) & 0xff);
}

static int
jk_build(const struct pi_proto *p, const char *cmd, uint8_t *buf,
    size_t cap, char *err, size_t errlen)
{
	char cv[64] = "";
	const struct pi_cmd *defn = proto_lookup(p, cmd, cv, sizeof(cv));
	const struct bms_cmd *c;
	int code, n;

	if (defn == NULL || (c = BMS_CMD(defn))->code == 0) {
		snprintf(err, errlen, "Command %s is not a command of protocol "
		    "%s", cmd, p->id);
		return -1;
	}
	if (cap < 32) {
		snprintf(err, errlen, "buffer too small");
		return -1;
	}
	code = (int)strtol(pi_str(c->code), NULL, 16);
	memset(buf, 0, 32);
	switch (p->variant) {
	case JK_RS232:
		buf[0] = 0xDD;
		buf[1] = defn->setter ? 0x5A : 0xA5;
		buf[2] = (uint8_t)code;
		buf[3] = 0;
		sum16(buf + 2, 2, &buf[4], &buf[5]);
		buf[6] = 0x77;
		return 7;
	case JK_RS485:
		buf[0] = 0x55;
		buf[1] = 0xAA;
		buf[2] = 0x01;
		buf[3] = (uint8_t)code;
		buf[6] = bms_sum8(buf, 6);
		return 7;
	case JK_SERIAL:
		buf[0] = 0x4E;
		buf[1] = 0x57;
		buf[3] = 0x13;
		buf[8] = defn->setter ? 0x02 : 0x03;
		buf[9] = 0x03;
		buf[11] = (uint8_t)code;
		buf[16] = 0x68;
		sum16(buf, 17, &buf[19], &buf[20]);
		return 21;
	case JK_PB:
		if ((n = bms_unhex(pi_str(c->code), buf, cap)) < 0) {
			snprintf(err, errlen, "bad command code %s", pi_str(c->code));
			return -1;
		}
		return n;
	default:	/* JK_BLE */
		buf[0] = 0xAA;
		buf[1] = 0x55;
		buf[2] = 0x90;
		buf[3] = 0xEB;
		buf[4] = (uint8_t)code;
		if (defn->setter) {
			buf[5] = 0x04;
			ble_value(c, cv, buf);
		}
		buf[19] = bms_sum8(buf, 19);
		return 20;
	}
}

static int
jk_frame_len(const struct pi_proto *p, const uint8_t *buf, size_t len)
{
	size_t need;

	if (len == 0)
		return 0;
	switch (p->variant) {
	case JK_RS232:	/* DD code status length data... sum(2) 77 */
		if (buf[0] != 0xDD)
			return -1;
		if (len < 4)
			return 0;
		need = 4 + (size_t)buf[3] + 3;
		break;
	case JK_RS485:	/* EB 90 and the fixed balancer record */
		if (buf[0] != 0xEB || (len > 1 && buf[1] != 0x90))
			return -1;
		need = 74;
		break;
	case JK_SERIAL:	/* "NW", length (of what follows the "NW") */
		if (buf[0] != 0x4E || (len > 1 && buf[1] != 0x57))
			return -1;
		if (len < 4)
			return 0;
		need = 2 + ((size_t)buf[2] << 8 | buf[3]);
		break;
	case JK_BLE:	/* 55 AA EB 90 records of 300 bytes */
		if (buf[0] != 0x55)
			return -1;
		need = 300;
		break;
	default:
		return 0;	/* until the device falls quiet */
	}
	return len >= need ? (int)need : 0;
}

/* The reference checks nothing: the whole reply is the payload. */
static int
jk_split(const struct pi_proto *p, const uint8_t *reply, size_t len,
    struct proto_reply *out, char *err, size_t errlen)
{
	(void)p;
	(void)err;
	(void)errlen;
	memset(out, 0, sizeof(*out));
	out->body = reply;
	out->blen = len;
	return 0;
}

int
bms_bluetooth_only(const struct pi_proto *p)
{
	return p->family == &jk_family &&
	    (p->variant == JK_BLE || p->variant == JK_PB);
}

static enum proto_ack
jk_ack(const struct pi_proto *p, const uint8_t *reply, size_t len)
{
	if (p->variant != JK_BLE || len < 20 || reply[0] != 0xAA)
		return PROTO_ACK_NONE;
	return reply[4] == 0xC8 && reply[6] == 0x01 ? PROTO_ACK_YES :
	    PROTO_ACK_NO;
}

const struct proto_family jk_family = {
	.name = "JK",
	.build = jk_build,
	.frame_len = jk_frame_len,
	.split = jk_split,
	.decode = bms_decode,
	.judge = proto_table_judge,
	.ack = jk_ack,
	.shape = bms_shape,
	.stream_ok = NULL,
};

/*
 * sim_bms.c - the battery monitor models of mppd-sim: Daly (DALY, DALY40),
 * JK (JKSERIAL, JK232) and Victron VE.Direct (VED).  Pure: time comes in
 * as arguments.
 *
 * One battery (struct sim_bms): 16 LiFePO4 cells, the current swinging
 * slowly between charge and discharge, the state of charge following it.
 * Replies are laid out from mppd's own protocol tables (bms.h): every row
 * gets the battery's value for its name, encoded the inverse way of its
 * conversion and template, then the protocol's envelope (start bytes,
 * length, checksum) is written over.  VE.Direct streams text blocks.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bms.h"
#include "sim.h"

static const struct {
	const char	*name;
	enum sim_proto	 p;
} bms_names[] = {
	{ "DALY", SIM_DALY }, { "DALY40", SIM_DALY40 },
	{ "JKSERIAL", SIM_JKSERIAL }, { "JK232", SIM_JK232 }, { "VED", SIM_VED },
};

int
bms_is(enum sim_proto p)
{
	return p >= SIM_DALY && p <= SIM_VED;
}

int
bms_proto_parse(const char *name, enum sim_proto *out)
{
	for (size_t i = 0; i < sizeof(bms_names) / sizeof(bms_names[0]); i++)
		if (strcasecmp(name, bms_names[i].name) == 0) {
			*out = bms_names[i].p;
			return 0;
		}
	return -1;
}

const char *
bms_proto_name(enum sim_proto p)
{
	for (size_t i = 0; i < sizeof(bms_names) / sizeof(bms_names[0]); i++)
		if (bms_names[i].p == p)
			return bms_names[i].name;
	return "?";
}

static uint32_t
rnd(struct sim_bms *b)
{
	b->rng ^= b->rng << 13;
	b->rng ^= b->rng >> 17;
	b->rng ^= b->rng << 5;
	return b->rng;
}

static void
cells_update(struct sim_bms *b)
{
	/* LiFePO4: about 3.20 V empty to 3.40 V full, a few mV apart */
	int base = 3200 + (int)(b->soc * 2);

	for (int i = 0; i < SIM_BMS_CELLS; i++)
		b->cell_mv[i] = base + (int)(rnd(b) % 7) - 3 + (i == 5 ? 4 : 0);
}

void
bms_init(struct sim_bms *b, enum sim_proto p, uint32_t seed)
{
	memset(b, 0, sizeof(*b));
	b->proto = p;
	b->soc = 80;
	b->cap_ah = 120;
	b->cycles = 42;
	b->t1 = 24.5;
	b->t2 = 23.1;
	b->mos = 28.0;
	b->rng = seed | 1u;
	cells_update(b);
}

void
bms_advance(struct sim_bms *b, double t)
{
	double dt = t - b->t_last;

	if (dt < 0)
		dt = 0;
	b->t_last = t;
	/* +-25 A, a full swing every ten minutes */
	b->current = 25 * sin(t * 2 * M_PI / 600) + 0.5;
	b->soc += b->current * dt / 3600 / b->cap_ah * 100;
	if (b->soc > 100)
		b->soc = 100;
	if (b->soc < 5)
		b->soc = 5;
	cells_update(b);
}

static double
volts(const struct sim_bms *b)
{
	int mv = 0;

	for (int i = 0; i < SIM_BMS_CELLS; i++)
		mv += b->cell_mv[i];
	return mv / 1000.0;
}

static int
cell_extreme(const struct sim_bms *b, int max)
{
	int k = 0;

	for (int i = 1; i < SIM_BMS_CELLS; i++)
		if (max ? b->cell_mv[i] > b->cell_mv[k] :
		    b->cell_mv[i] < b->cell_mv[k])
			k = i;
	return k;
}

/* The number in a name ("Voltage_Cell07", "Cell 03 Temperature"), or 0. */
static int
name_number(const char *n)
{
	for (; *n != '\0'; n++)
		if (isdigit((unsigned char)*n))
			return atoi(n);
	return 0;
}

static int
has(const char *hay, const char *needle)
{
	return strcasestr(hay, needle) != NULL;
}

/* The battery's value for a row name; 0 when absent (the row stays 0). */
static int
value_of(const struct sim_bms *b, const char *n, double *v)
{
	int k = name_number(n), hi = cell_extreme(b, 1),
	    lo = cell_extreme(b, 0);

	if (has(n, "cell") && has(n, "voltage") && !has(n, "imum") &&
	    !has(n, "average") && k > 0) {
		if (k > SIM_BMS_CELLS)
			return 0;
		*v = b->cell_mv[k - 1] / 1000.0;
	} else if (has(n, "cell") && has(n, "temperature") && !has(n, "imum")) {
		if (k < 1 || k > 2)
			return 0;
		*v = k == 1 ? b->t1 : b->t2;
	} else if (has(n, "maximum cell voltage"))
		*v = b->cell_mv[hi] / 1000.0;
	else if (has(n, "minimum cell voltage"))
		*v = b->cell_mv[lo] / 1000.0;
	else if (has(n, "maximum cell number"))
		*v = hi + 1;
	else if (has(n, "minimum cell number"))
		*v = lo + 1;
	else if (has(n, "maximum cell temperature"))
		*v = b->t1;
	else if (has(n, "minimum cell temperature"))
		*v = b->t2;
	else if (has(n, "number of cells") || has(n, "cells_connected") ||
	    has(n, "number of battery strings"))
		*v = SIM_BMS_CELLS;
	else if (has(n, "temperature sensors") || has(n, "number of ntc"))
		*v = 2;
	else if (has(n, "ntc 1") || has(n, "battery_t1"))
		*v = b->t1;
	else if (has(n, "ntc 2") || has(n, "battery_t2"))
		*v = b->t2;
	else if (has(n, "mos_temp"))
		*v = b->mos;
	else if (has(n, "voltage") && !has(n, "cell"))
		*v = volts(b);
	else if (strcasecmp(n, "current") == 0 || has(n, "total current") ||
	    has(n, "battery_current"))
		*v = b->current;
	else if (strcasecmp(n, "soc") == 0 || has(n, "remaining battery") ||
	    has(n, "percent_remain"))
		*v = floor(b->soc * 10) / 10;
	else if (has(n, "cycle"))
		*v = b->cycles;
	else if (has(n, "remaining capacity") || has(n, "residual capacity"))
		*v = b->soc * b->cap_ah / 100;
	else if (has(n, "capacity"))
		*v = b->cap_ah;
	else if (has(n, "charge status"))
		*v = b->current > 0.5 ? 1 : b->current < -0.5 ? 2 : 0;
	else if (has(n, "charger status"))
		*v = b->current > 0.5;
	else if (has(n, "load status"))
		*v = b->current < -0.5;
	else if (has(n, "enabled") || has(n, "mos tube"))
		*v = 1;
	else if (has(n, "balancer active"))
		*v = b->cell_mv[hi] - b->cell_mv[lo] > 5;
	else
		return 0;
	return 1;
}

/* The raw number a template turns into v (the inverse of bms_tx). */
static long long
raw_of(enum bms_tx tx, double v)
{
	switch (tx) {
	case BT_DIV10:
		return llround(v * 10);
	case BT_DIV100:
		return llround(v * 100);
	case BT_DIV1000:
		return llround(v * 1000);
	case BT_SUB30000_DIV10:
		return llround(v * 10) + 30000;
	case BT_SUB40:
		return llround(v) + 40;
	case BT_SUB2731_DIV10:
		return llround(v * 10) + 2731;
	case BT_DIV3:
		return llround(v * 3);
	case BT_JK_CURRENT:
		return (llround(fabs(v) * 100) & 0x7FFF) | (v >= 0 ? 0x8000 : 0);
	case BT_ADD1:
		return llround(v) - 1;
	default:
		return llround(v);
	}
}

static void
put_be(uint8_t *p, int n, long long x)
{
	for (int i = n - 1; i >= 0; i--, x >>= 8)
		p[i] = (uint8_t)x;
}

static void
put_le(uint8_t *p, int n, long long x)
{
	for (int i = 0; i < n; i++, x >>= 8)
		p[i] = (uint8_t)x;
}

/*
 * Lays out one frame of c's rows into out (cap bytes) for frame number f;
 * returns the bytes the rows take.
 */
static size_t
encode_rows(const struct sim_bms *b, const struct bms_cmd *c, int f,
    uint8_t *out, size_t cap)
{
	size_t off = 0;

	for (int i = 0; i < c->nrows; i++) {
		const struct bms_row *r = bms_row_at(c, i);
		char name[160];
		double v = 0;
		int n = r->size;

		if (r->fn == BF_LOOKUP || off + (size_t)n > cap)
			continue;
		if (r->nfmt)
			snprintf(name, sizeof(name), pi_str(r->name),
			    r->fmul * f + r->fadd);
		else
			snprintf(name, sizeof(name), "%s", pi_str(r->name));
		memset(out + off, 0, (size_t)n);
		if (r->fn != BF_DISCARD && value_of(b, name, &v)) {
			if (r->fn == BF_LITTLE_SHORT || r->fn == BF_LITTLE_INT ||
			    r->fn == BF_LITTLE_UINT)
				put_le(out + off, n, raw_of(r->tx, v));
			else
				put_be(out + off, n, raw_of(r->tx, v));
		}
		off += (size_t)n;
	}
	return off;
}

static const struct bms_cmd *
cmd_by_code(const char *proto, int code)
{
	const struct pi_proto *p = proto_find(proto);

	for (int i = 0; p != NULL && i < p->ncmds; i++) {
		const struct bms_cmd *c = BMS_CMD(proto_cmd(p, i));
		if (c->code != 0 && strtol(pi_str(c->code), NULL, 16) == code)
			return c;
	}
	return NULL;
}

static size_t
daly_reply(struct sim_bms *b, int code, uint8_t *out, size_t cap)
{
	const struct bms_cmd *c = cmd_by_code("DALY", code);
	int frames = code == 0x95 ? 16 : code == 0x96 ? 3 : 1;
	size_t len = 0;

	if (c == NULL)
		return 0;
	for (int f = 0; f < frames && len + 13 <= cap; f++) {
		uint8_t *fr = out + len;
		encode_rows(b, c, f, fr, 13);
		fr[0] = 0xA5;
		fr[1] = 0x01;
		fr[2] = (uint8_t)code;
		fr[3] = 8;
		if (frames > 1)
			fr[4] = (uint8_t)(f + 1);
		fr[12] = bms_sum8(fr, 12);
		len += 13;
	}
	return len;
}

static size_t
jk_reply(struct sim_bms *b, int serial, uint8_t *out, size_t cap)
{
	const struct bms_cmd *c = cmd_by_code(serial ? "JKSERIAL" : "JK232",
	    serial ? 0x00 : 0x03);
	size_t n;
	unsigned s = 0;

	if (c == NULL || (n = encode_rows(b, c, 0, out, cap)) < 8)
		return 0;
	if (serial) {	/* "NW", length of what follows "NW", ..., sum */
		out[0] = 0x4E;
		out[1] = 0x57;
		put_be(out + 2, 2, (long long)(n - 2));
		out[11] = 0x79;
		for (size_t i = 0; i + 4 < n; i++)
			s += out[i];
		put_be(out + n - 4, 4, s);
		return n;
	}
	out[0] = 0xDD;
	out[1] = 0x03;
	out[2] = 0x00;
	out[3] = (uint8_t)(n - 7);
	for (size_t i = 2; i < n - 3; i++)
		s += out[i];
	put_be(out + n - 3, 2, (long long)((~s + 1) & 0xFFFF));
	out[n - 1] = 0x77;
	return n;
}

static uint8_t
ved_hex_sum(const uint8_t *b, size_t n)
{
	return (uint8_t)(0x55 - bms_sum8(b, n));
}

/* HEX "get": ":7" + register (4 hex) + flags, reply with the value. */
static size_t
ved_hex_reply(struct sim_bms *b, const uint8_t *req, size_t n, uint8_t *out,
    size_t cap)
{
	uint8_t bytes[6];
	char reg[5];
	int len;

	if (n < 9 || req[1] != '7')
		return 0;
	memcpy(reg, req + 2, 4);
	reg[4] = '\0';
	if (strcasecmp(reg, "0010") != 0)
		return 0;
	bytes[0] = 7;
	bytes[1] = 0x00;
	bytes[2] = 0x10;
	bytes[3] = 0;
	put_le(bytes + 4, 2, llround(b->cap_ah));
	len = snprintf((char *)out, cap, ":7001000%02X%02X%02X\n", bytes[4],
	    bytes[5], ved_hex_sum(bytes, 6));
	return len > 0 && (size_t)len < cap ? (size_t)len : 0;
}

size_t
bms_reply(struct sim_bms *b, const uint8_t *req, size_t n, uint8_t *out,
    size_t cap)
{
	switch (b->proto) {
	case SIM_DALY:
	case SIM_DALY40:
		return daly_reply(b, req[2], out, cap);
	case SIM_JKSERIAL:
		return jk_reply(b, 1, out, cap);
	case SIM_JK232:
		return req[2] == 0x03 ? jk_reply(b, 0, out, cap) : 0;
	case SIM_VED:
		return ved_hex_reply(b, req, n, out, cap);
	default:
		return 0;
	}
}

int
bms_feed(struct sim_bms *b, uint8_t byte, uint8_t *req, size_t *reqlen)
{
	size_t need = 0;
	int ok = 0;

	if (b->rxlen == 0) {
		uint8_t start = b->proto == SIM_JKSERIAL ? 0x4E :
		    b->proto == SIM_JK232 ? 0xDD : b->proto == SIM_VED ? ':' :
		    0xA5;
		if (byte != start)
			return 0;	/* LF after a Daly request, line noise */
	}
	if (b->rxlen >= sizeof(b->rx)) {
		b->rxlen = 0;
		return 0;
	}
	b->rx[b->rxlen++] = byte;
	switch (b->proto) {
	case SIM_DALY:
	case SIM_DALY40:
		need = 13;
		if (b->rxlen == need)
			ok = bms_sum8(b->rx, 12) == b->rx[12] &&
			    b->rx[1] == (b->proto == SIM_DALY ? 0x80 : 0x40);
		break;
	case SIM_JK232:
		need = 7;
		if (b->rxlen == need)
			ok = b->rx[6] == 0x77;
		break;
	case SIM_JKSERIAL:
		need = b->rxlen >= 4 ? 2 + ((size_t)b->rx[2] << 8 | b->rx[3]) :
		    sizeof(b->rx);
		if (b->rxlen == need)
			ok = b->rx[1] == 0x57;
		break;
	case SIM_VED:
		need = byte == '\n' ? b->rxlen : sizeof(b->rx);
		ok = byte == '\n';
		break;
	default:
		break;
	}
	if (b->rxlen < need)
		return 0;
	memcpy(req, b->rx, b->rxlen);
	*reqlen = b->rxlen;
	b->rxlen = 0;
	return ok;
}

size_t
bms_ved_block(struct sim_bms *b, uint8_t *out, size_t cap)
{
	int n;

	n = snprintf((char *)out, cap,
	    "\r\nPID\t0xA389\r\nV\t%d\r\nI\t%ld\r\nP\t%ld\r\nCE\t%ld"
	    "\r\nSOC\t%d\r\nTTG\t-1\r\nAlarm\tOFF\r\nAR\t0"
	    "\r\nBMV\tSmartShunt 500A/50mV\r\nFW\t0414\r\nMON\t0"
	    "\r\nChecksum\t", (int)llround(volts(b) * 1000),
	    (long)llround(b->current * 1000),
	    (long)llround(b->current * volts(b)),
	    -(long)llround((100 - b->soc) * b->cap_ah * 10),
	    (int)llround(b->soc * 10));
	if (n < 0 || (size_t)n + 1 >= cap)
		return 0;
	out[n] = (uint8_t)(0x100 - bms_sum8(out, (size_t)n));
	return (size_t)n + 1;
}

void
bms_corrupt(enum sim_proto p, uint8_t *frame, size_t len)
{
	if (len == 0)
		return;
	if (p == SIM_VED && len > 0 && frame[0] == ':')
		len -= 1;	/* the checksum digits before the LF */
	if (p == SIM_JK232 && len > 3)
		len -= 1;	/* before the end byte */
	frame[len - 1] ^= 0x5A;
}

/*
 * sim_model.c - the simulated inverter: state and command handling.
 *
 * Pure: no I/O and no clock (the caller passes the uptime that drives the
 * live values and the wall time for QT), so the unit tests include this file
 * directly.  Commands are rows in two tables; a row names the command, the
 * protocols that know it and the shape of its argument, and one function
 * builds the reply payload (the text between '(' and the CRC).
 *
 * Reply formats follow the canned replies of the mpp-solar PI30 and PI30MAX
 * tables, field for field.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim.h"

#define P30	0x1
#define PMAX	0x2
#define PBOTH	(P30 | PMAX)

#define MODEL_RATED_VA	5000
#define MODEL_PI	3.14159265358979323846

static const char *const qflag_letters[] = {
	[SIM_PI30] = "abjkuvxyz",
	[SIM_PI30MAX] = "abdkuvxyz",
};

static const int mchgc_options[] = { 10, 20, 30, 40, 50, 60, 70, 80, 90,
    100, 110, 120 };
static const int muchgc_options[] = { 2, 10, 20, 30, 40, 50, 60, 70, 80, 90,
    100, 110, 120 };

static const char model_serial[] = "92932004102453";

/* Everything QPIGS, QPIGS2, QPGS0, Q1 and QBMS report at one instant. */
struct live {
	double	grid_v, grid_f, out_v, out_f;
	int	va, w, load_pct, bus_v;
	double	bat_v, scc_v;
	int	chg_i, dis_i, cap, temp;
	double	pv_v, pv_i;
	int	pv_w, pv_chg_i;
	double	pv2_v, pv2_i;
	int	pv2_w;
	int	ac_charging, scc_charging;
	char	mode;
};

/* Factory settings: the values QDI reports and PF restores. */
static void
settings_default(struct sim_settings *s, enum sim_proto proto)
{
	memset(s, 0, sizeof(*s));
	s->out_freq = 50;
	s->recharge_dv = 460;
	s->redischarge_dv = 540;
	s->cutoff_dv = 420;
	s->bulk_dv = 564;
	s->float_dv = 540;
	s->batt_type = 0;
	s->max_ac_chg = 30;
	s->max_chg = 60;
	s->input_range = 0;
	s->out_prio = 0;
	s->chg_prio = 2;
	s->out_mode = 0;
	s->pv_ok = 0;
	s->pv_balance = 1;
	s->op_logic = 0;
	s->max_dischg = 30;
	/* As the canned QFLAG "(EakxyDbjuvz": these four enabled. */
	s->flags = 1u << ('a' - 'a') | 1u << ('k' - 'a') |
	    1u << ('x' - 'a') | 1u << ('y' - 'a');
	(void)proto;
}

/*
 * Sets up a fresh inverter with factory defaults (the values QDI reports).
 * seed makes the jitter on live values reproducible.
 */
void
model_init(struct sim_inverter *inv, enum sim_proto proto, uint32_t seed)
{
	memset(inv, 0, sizeof(*inv));
	inv->proto = proto;
	inv->rng = seed ? seed : 0x2545f491u;
	settings_default(&inv->set, proto);
	fam_init(&inv->fam);
}

/* A --protocol name (case-insensitive) to the enum; 0 or -1.  The PI17
 * variants share their family's model (PI18SV answers its own extra
 * queries and setters; PI18LVX requests carry no CRC). */
int
model_proto_parse(const char *name, enum sim_proto *out)
{
	static const struct { const char *name; enum sim_proto p; } names[] = {
		{ "PI30", SIM_PI30 }, { "PI30MAX", SIM_PI30MAX },
		{ "PI16", SIM_PI16 }, { "PI17", SIM_PI17 },
		{ "PI17INFINI", SIM_PI17 }, { "PI17M058", SIM_PI17 },
		{ "PI18", SIM_PI18 }, { "PI18SV", SIM_PI18SV },
		{ "PI18LVX", SIM_PI18LVX },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(name, names[i].name) == 0) {
			*out = names[i].p;
			return 0;
		}
	return -1;
	return 0;
}

/* The protocol's name as --protocol spells it (static string). */
const char *
model_proto_name(enum sim_proto proto)
{
	if (fam_is(proto))
		return fam_table_name(proto);
	return proto == SIM_PI30MAX ? "PI30MAX" : "PI30";
}

/* xorshift32: small deterministic jitter, never 0 once seeded. */
static double
jitter(struct sim_inverter *inv, double amplitude)
{
	uint32_t x = inv->rng;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	inv->rng = x;
	return amplitude * (((double)(x % 2001) / 1000.0) - 1.0);
}

static double
clampd(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/*
 * The live values at uptime t (seconds): slow sine drifts for sun, load and
 * battery plus a little jitter, and a power flow that follows the settings
 * (utility-first puts the load on the grid, otherwise on PV and battery).
 */
static void
live_compute(struct sim_inverter *inv, double t, struct live *lv)
{
	const struct sim_settings *s = &inv->set;
	double sun, net, lo, hi;

	memset(lv, 0, sizeof(*lv));
	sun = 0.5 + 0.5 * sin(2 * MODEL_PI * t / 1200.0);
	lv->pv_w = (int)clampd(200 + 2800 * sun + jitter(inv, 20), 0, 9999);
	lv->pv_v = clampd(320 + 15 * sin(t / 53.0) + jitter(inv, 0.5), 0, 450);
	lv->pv_i = lv->pv_w / lv->pv_v;
	lv->pv2_w = (int)(lv->pv_w * 0.4);
	lv->pv2_v = lv->pv_v - 20;
	lv->pv2_i = lv->pv2_w / lv->pv2_v;

	lv->w = (int)clampd(350 + 150 * sin(2 * MODEL_PI * t / 420.0 + 1) +
	    jitter(inv, 10), 0, MODEL_RATED_VA);
	lv->va = (int)(lv->w * 1.12);
	lv->load_pct = lv->va * 100 / MODEL_RATED_VA;
	lv->grid_v = 230.0 + 2 * sin(t / 37.0) + jitter(inv, 0.3);
	lv->grid_f = s->out_freq + 0.05 * sin(t / 41.0);
	lv->out_v = 230.0 + jitter(inv, 0.4);
	lv->out_f = s->out_freq;
	lv->bus_v = 380 + (int)jitter(inv, 4);

	lo = s->cutoff_dv / 10.0 + 1.0;
	hi = s->bulk_dv / 10.0;
	if (hi < lo)
		hi = lo;
	lv->bat_v = clampd(51.5 + 2.0 * sin(2 * MODEL_PI * t / 900.0) +
	    jitter(inv, 0.02), lo, hi);
	lv->cap = (int)clampd((lv->bat_v - lo + 1.0) / (hi - lo + 1.0) * 100,
	    0, 100);
	lv->temp = 35 + lv->w / 100;

	lv->pv_chg_i = (int)(lv->pv_w / lv->bat_v);
	if (s->out_prio == 0) {
		/* Line mode: the grid carries the load, PV charges. */
		lv->mode = 'L';
		lv->chg_i = lv->pv_chg_i;
		if ((s->chg_prio == 0 || s->chg_prio == 2) && lv->cap < 95) {
			lv->chg_i += s->max_ac_chg < 10 ? s->max_ac_chg : 10;
			lv->ac_charging = 1;
		}
	} else {
		lv->mode = 'B';
		net = lv->pv_w - lv->w;
		if (net >= 0)
			lv->chg_i = (int)(net / lv->bat_v);
		else
			lv->dis_i = (int)(-net / lv->bat_v);
	}
	if (lv->chg_i > s->max_chg)
		lv->chg_i = s->max_chg;
	lv->scc_charging = lv->pv_w > 0;
	lv->scc_v = lv->scc_charging ? lv->bat_v + 0.05 : 0;
}

/*
 * Minimal argument patterns: '#' a digit, "[..]" one of a set,
 * '*' one or more lower-case letters up to the end, anything else literal.
 * The whole argument must match.  1 on a match, else 0.
 */
static int
pat_match(const char *pat, const char *s)
{
	while (*pat != '\0') {
		if (*pat == '#') {
			if (*s < '0' || *s > '9')
				return 0;
			pat++;
			s++;
		} else if (*pat == '[') {
			const char *end = strchr(pat, ']');
			int hit = 0;

			if (end == NULL || *s == '\0')
				return 0;
			for (const char *c = pat + 1; c < end; c++)
				if (*c == *s)
					hit = 1;
			if (!hit)
				return 0;
			pat = end + 1;
			s++;
		} else if (*pat == '*') {
			if (*s == '\0')
				return 0;
			for (; *s != '\0'; s++)
				if (*s < 'a' || *s > 'z')
					return 0;
			pat++;
		} else {
			if (*pat != *s)
				return 0;
			pat++;
			s++;
		}
	}
	return *s == '\0';
}

/* "##.#" to decivolts. */
static int
parse_dv(const char *a)
{
	return ((a[0] - '0') * 10 + (a[1] - '0')) * 10 + (a[3] - '0');
}

/* n digits (already checked by pat_match) to an int. */
static int
parse_int(const char *a, size_t n)
{
	int v = 0;

	for (size_t i = 0; i < n; i++)
		v = v * 10 + (a[i] - '0');
	return v;
}

static int
in_list(int v, const int *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == v)
			return 1;
	return 0;
}

/* Appends printf output to out; returns -1 once it no longer fits. */
static int
put(char *out, size_t outsz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
put(char *out, size_t outsz, const char *fmt, ...)
{
	size_t used = strlen(out);
	va_list ap;
	int n;

	if (used >= outsz)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(out + used, outsz - used, fmt, ap);
	va_end(ap);
	return (n < 0 || (size_t)n >= outsz - used) ? -1 : 0;
}

/* Decivolts as "NN.N". */
static void
dv_str(int dv, char buf[8])
{
	snprintf(buf, 8, "%02d.%d", (dv / 10) % 100, dv % 10);
}

/* ---- query replies ------------------------------------------------- */

/*
 * What a query function gets: the inverter, the argument after the command
 * name (already matched against the row's pattern), the clocks, and the
 * buffer to append the payload to with put().  Each returns put()'s 0/-1.
 */
struct qctx {
	struct sim_inverter	*inv;
	const char		*arg;
	double			 uptime;
	time_t			 wall;
	char			*out;
	size_t			 outsz;
};

static int
q_text(struct qctx *c, const char *text)
{
	return put(c->out, c->outsz, "%s", text);
}

static int
q_pi(struct qctx *c)
{
	return q_text(c, "PI30");
}

static int
q_id(struct qctx *c)
{
	return q_text(c, model_serial);
}

/* QSID: two digits of length, the serial, then padding (as the canned). */
static int
q_sid(struct qctx *c)
{
	return put(c->out, c->outsz, "%02zu%s000000", strlen(model_serial),
	    model_serial);
}

static int
q_vfw(struct qctx *c)
{
	return q_text(c, "VERFW:00072.70");
}

static int
q_vfw2(struct qctx *c)
{
	return q_text(c, "VERFW2:00000.31");
}

static int
q_vfw3(struct qctx *c)
{
	return q_text(c, "VERFW3:00001.08");
}

static int
q_verfw(struct qctx *c)
{
	return q_text(c, "VERFW:00001.12");
}

/*
 * QPIRI: PI30 sends the 27 fields of its table, e.g.
 * "230.0 21.7 230.0 50.0 21.7 5000 4000 48.0 46.0 42.0 56.4 54.0 0 30 060
 * 0 0 2 6 01 0 0 54.0 0 1 000 0"; PI30MAX adds field 28, max discharging
 * current ("030").
 */
static int
q_piri(struct qctx *c)
{
	const struct sim_settings *s = &c->inv->set;
	char rc[8], uv[8], bulk[8], fl[8], rd[8];
	int r;

	dv_str(s->recharge_dv, rc);
	dv_str(s->cutoff_dv, uv);
	dv_str(s->bulk_dv, bulk);
	dv_str(s->float_dv, fl);
	dv_str(s->redischarge_dv, rd);
	r = put(c->out, c->outsz,
	    "230.0 21.7 230.0 %d.0 21.7 %04d %04d 48.0 %s %s %s %s %d %02d %03d "
	    "%d %d %d 6 01 0 %d %s %d %d 000 %d",
	    s->out_freq, MODEL_RATED_VA, 4000, rc, uv, bulk, fl, s->batt_type,
	    s->max_ac_chg, s->max_chg, s->input_range, s->out_prio,
	    s->chg_prio, s->out_mode, rd, s->pv_ok, s->pv_balance,
	    s->op_logic);
	if (r == 0 && c->inv->proto == SIM_PI30MAX)
		r = put(c->out, c->outsz, " %03d", s->max_dischg);
	return r;
}

/* QDI: the factory defaults, in the canned QDI layout (26 fields). */
static int
q_di(struct qctx *c)
{
	struct sim_settings d;
	char uv[8], fl[8], bulk[8], rc[8], rd[8];

	settings_default(&d, c->inv->proto);
	dv_str(d.cutoff_dv, uv);
	dv_str(d.float_dv, fl);
	dv_str(d.bulk_dv, bulk);
	dv_str(d.recharge_dv, rc);
	dv_str(d.redischarge_dv, rd);
	return put(c->out, c->outsz,
	    "230.0 %d.0 %04d %s %s %s %s %02d %d %d %d %d "
	    "0 0 0 0 1 1 %d 0 1 %d %s %d %d %s",
	    d.out_freq, d.max_ac_chg, uv, fl, bulk, rc, d.max_chg,
	    d.input_range, d.out_prio, d.chg_prio, d.batt_type,
	    c->inv->proto == SIM_PI30MAX, d.out_mode, rd, d.pv_ok,
	    d.pv_balance, c->inv->proto == SIM_PI30MAX ? "224" : "000");
}

/* QFLAG: "E" + enabled letters + "D" + disabled letters. */
static int
q_flag(struct qctx *c)
{
	const char *set = qflag_letters[c->inv->proto];
	char en[16], dis[16];
	size_t ne = 0, nd = 0;

	for (const char *p = set; *p != '\0'; p++) {
		if (c->inv->set.flags & (1u << (*p - 'a')))
			en[ne++] = *p;
		else
			dis[nd++] = *p;
	}
	en[ne] = dis[nd] = '\0';
	return put(c->out, c->outsz, "E%sD%s", en, dis);
}

/*
 * QPIGS: PI30 sends 21 fields as the canned reply, e.g.
 * "229.8 50.0 230.1 50.0 0448 0400 008 381 51.50 032 082 0039 0043 321.7
 * 51.55 00000 00110111 00 00 02265 010" (field 13, PV current for battery,
 * is a 4-digit integer); PI30MAX sends 24: field 13 is "NN.N" amperes and
 * " 0 00 0000" (feed-in off, country, feed-in power) is appended.
 */
static int
q_pigs(struct qctx *c)
{
	struct live lv;
	char flags[9];
	int r;

	live_compute(c->inv, c->uptime, &lv);
	snprintf(flags, sizeof(flags), "0011%d%d%d%d", 0,
	    lv.chg_i > 0, lv.scc_charging, lv.ac_charging);
	r = put(c->out, c->outsz, "%05.1f %04.1f %05.1f %04.1f %04d %04d %03d "
	    "%03d %05.2f %03d %03d %04d ",
	    lv.grid_v, lv.grid_f, lv.out_v, lv.out_f, lv.va, lv.w,
	    lv.load_pct, lv.bus_v, lv.bat_v, lv.chg_i, lv.cap, lv.temp);
	if (r == 0 && c->inv->proto == SIM_PI30MAX)
		r = put(c->out, c->outsz, "%04.1f ", lv.pv_i);
	else if (r == 0)
		r = put(c->out, c->outsz, "%04d ", lv.pv_chg_i);
	if (r == 0)
		r = put(c->out, c->outsz, "%05.1f %05.2f %05d %s 00 00 %05d 010",
		    lv.pv_v, lv.scc_v, lv.dis_i, flags, lv.pv_w);
	if (r == 0 && c->inv->proto == SIM_PI30MAX)
		r = put(c->out, c->outsz, " 0 00 0000");
	return r;
}

/* QPIGS2 (PI30MAX): "NN.N NNN.N NNNNN", PV2 current, voltage, power. */
static int
q_pigs2(struct qctx *c)
{
	struct live lv;

	live_compute(c->inv, c->uptime, &lv);
	return put(c->out, c->outsz, "%04.1f %05.1f %05d", lv.pv2_i, lv.pv2_v,
	    lv.pv2_w);
}

static int
q_mod(struct qctx *c)
{
	return put(c->out, c->outsz, "%c", c->inv->set.out_prio == 0 ?
	    'L' : 'B');
}

/* QPIWS: no warnings; 32 bits on PI30, 36 on PI30MAX. */
static int
q_piws(struct qctx *c)
{
	int n = c->inv->proto == SIM_PI30MAX ? 36 : 32;

	return put(c->out, c->outsz, "%0*d", n, 0);
}

static int
q_mchgcr(struct qctx *c)
{
	int r = 0;

	for (size_t i = 0; r == 0 && i < sizeof(mchgc_options) /
	    sizeof(mchgc_options[0]); i++)
		r = put(c->out, c->outsz, "%s%03d", i ? " " : "",
		    mchgc_options[i]);
	return r;
}

static int
q_muchgcr(struct qctx *c)
{
	int r = 0;

	for (size_t i = 0; r == 0 && i < sizeof(muchgc_options) /
	    sizeof(muchgc_options[0]); i++)
		r = put(c->out, c->outsz, "%s%03d", i ? " " : "",
		    muchgc_options[i]);
	return r;
}

static int
q_boot(struct qctx *c)
{
	return q_text(c, "0");
}

static int
q_opm(struct qctx *c)
{
	return put(c->out, c->outsz, "%d", c->inv->set.out_mode);
}

static int
q_gmn(struct qctx *c)
{
	return q_text(c, "044");
}

static int
q_mn(struct qctx *c)
{
	return q_text(c, c->inv->proto == SIM_PI30MAX ? "MKS2-6048" :
	    "MKS2-5000");
}

/*
 * QPGSn: unit 0 is this inverter (the values QPIGS reports), units 1 to
 * parallel-1 are its partners in the stack with their own serial numbers
 * and a share of the load and sun that differs per unit; other units are
 * reported "not valid" with zeros.  29 fields as the canned replies, e.g.
 * "1 92932004102453 L 00 229.8 50.00 230.1 50.00 0448 0400 008 51.5 032
 * 082 321.7 032 00448 00400 008 10100010 0 2 060 120 030 05 000 000.0 00";
 * on PI30MAX fields 28/29 are PV2 voltage and current.  Field 21 (output
 * mode) is 0 "single machine" alone, else 1 "parallel output".
 */
static int
q_pgs(struct qctx *c)
{
	const struct sim_settings *s = &c->inv->set;
	struct live lv;
	int unit = atoi(c->arg), units = c->inv->parallel > 1 ?
	    c->inv->parallel : 1;
	int w, va, tw = 0, tva = 0, chg, tchg = 0, pv_i;
	char serial[sizeof(model_serial)];

	if (unit >= units)
		return put(c->out, c->outsz, "0 00000000000000 S 00 000.0 00.00 "
		    "000.0 00.00 0000 0000 000 00.0 000 000 000.0 000 00000 "
		    "00000 000 00000000 0 %d %03d 120 %03d 00 000 000.0 00",
		    s->chg_prio, s->max_chg, s->max_ac_chg);
	live_compute(c->inv, c->uptime, &lv);
	/* unit k carries (1 + k/10) of unit 0's load and sun */
	for (int k = 0; k < units; k++) {
		tw += lv.w * (10 + k) / 10;
		tva += lv.va * (10 + k) / 10;
		tchg += lv.chg_i * (10 + k) / 10;
	}
	w = lv.w * (10 + unit) / 10;
	va = lv.va * (10 + unit) / 10;
	chg = lv.chg_i * (10 + unit) / 10;
	pv_i = (int)(lv.pv_i * (10 + unit) / 10);
	memcpy(serial, model_serial, sizeof(serial));
	serial[sizeof(serial) - 2] = (char)('0' + (serial[sizeof(serial) - 2] -
	    '0' + unit) % 10);
	return put(c->out, c->outsz, "1 %s %c 00 %05.1f %05.2f %05.1f %05.2f "
	    "%04d %04d %03d %04.1f %03d %03d %05.1f %03d %05d %05d %03d "
	    "1%d%d00010 %d %d %03d 120 %03d %02d %03d %05.1f %02d",
	    serial, lv.mode, lv.grid_v, lv.grid_f, lv.out_v, lv.out_f,
	    va, w, lv.load_pct, lv.bat_v, chg, lv.cap, lv.pv_v,
	    tchg, tva, tw, lv.load_pct, lv.ac_charging,
	    lv.scc_charging, units > 1 ? 1 : s->out_mode, s->chg_prio,
	    s->max_chg, s->max_ac_chg, pv_i, lv.dis_i,
	    c->inv->proto == SIM_PI30MAX ? lv.pv2_v : 0.0,
	    c->inv->proto == SIM_PI30MAX ? (int)lv.pv2_i : 0);
}

/* Q1: 17 fields as the canned "00000 00000 01 01 00 059 045 ...". */
static int
q_q1(struct qctx *c)
{
	struct live lv;
	int status;

	live_compute(c->inv, c->uptime, &lv);
	status = lv.chg_i <= 0 ? 10 : lv.cap >= 95 ? 13 : 11;
	return put(c->out, c->outsz, "00000 00000 01 01 00 %03d %03d %03d %03d "
	    "00 00 000 %04d %04d 0000 %05.2f %02d",
	    lv.temp + 10, lv.temp, 25, lv.temp + 5, 30 + lv.load_pct,
	    lv.pv_w, lv.out_f, status);
}

/* QBMS: 10 fields as the canned "0 100 0 0 1 532 532 450 0000 0030". */
static int
q_bms(struct qctx *c)
{
	struct live lv;

	live_compute(c->inv, c->uptime, &lv);
	return put(c->out, c->outsz, "0 %03d 0 0 0 %03d %03d %03d %04d %04d",
	    lv.cap, c->inv->set.bulk_dv, c->inv->set.float_dv,
	    c->inv->set.cutoff_dv, c->inv->set.max_chg,
	    c->inv->set.max_dischg);
}

static int
q_t(struct qctx *c)
{
	struct tm tm;
	char buf[32];

	if (localtime_r(&c->wall, &tm) == NULL)
		return -1;
	strftime(buf, sizeof(buf), "%Y%m%d%H%M%S", &tm);
	return q_text(c, buf);
}

/* Energy counters (8 digits, Wh): grow with uptime so they move. */
static int
q_energy_pv(struct qctx *c)
{
	return put(c->out, c->outsz, "%08ld", 238800L +
	    (long)(c->uptime * 1500.0 / 3600.0));
}

static int
q_energy_load(struct qctx *c)
{
	return put(c->out, c->outsz, "%08ld", 104200L +
	    (long)(c->uptime * 400.0 / 3600.0));
}

static int
q_beqi(struct qctx *c)
{
	return q_text(c, "0 030 030 080 021 55.40 224 030 0 0000");
}

/* QOPPT / QCHPT: 24 hourly priorities then 4 trailing fields. */
static int
q_hourly(struct qctx *c, int prio, const char *tail)
{
	int r = 0;

	for (int h = 0; r == 0 && h < 24; h++)
		r = put(c->out, c->outsz, "%d ", prio);
	return r == 0 ? q_text(c, tail) : r;
}

static int
q_oppt(struct qctx *c)
{
	return q_hourly(c, c->inv->set.out_prio, "2 0 2 1");
}

static int
q_chpt(struct qctx *c)
{
	return q_hourly(c, c->inv->set.chg_prio, "3 0 0 0");
}

static int
q_led(struct qctx *c)
{
	return q_text(c, "1 1 2 5 3 148000211255255255000255255");
}

struct query_row {
	const char	*name;
	const char	*argpat;
	unsigned	 protos;
	int		(*fn)(struct qctx *);
};

static const struct query_row queries[] = {
	{ "QPI", "", PBOTH, q_pi },
	{ "QID", "", PBOTH, q_id },
	{ "QSID", "", PMAX, q_sid },
	{ "QVFW", "", PBOTH, q_vfw },
	{ "QVFW2", "", P30, q_vfw2 },
	{ "QVFW3", "", PMAX, q_vfw3 },
	{ "VERFW", "", PMAX, q_verfw },
	{ "QPIRI", "", PBOTH, q_piri },
	{ "QDI", "", PBOTH, q_di },
	{ "QFLAG", "", PBOTH, q_flag },
	{ "QPIGS", "", PBOTH, q_pigs },
	{ "QPIGS2", "", PMAX, q_pigs2 },
	{ "QMOD", "", PBOTH, q_mod },
	{ "QPIWS", "", PBOTH, q_piws },
	{ "QMCHGCR", "", PBOTH, q_mchgcr },
	{ "QMUCHGCR", "", PBOTH, q_muchgcr },
	{ "QBOOT", "", PBOTH, q_boot },
	{ "QOPM", "", PBOTH, q_opm },
	{ "QGMN", "", PBOTH, q_gmn },
	{ "QMN", "", PBOTH, q_mn },
	{ "QPGS", "#", PBOTH, q_pgs },
	{ "Q1", "", PBOTH, q_q1 },
	{ "QBMS", "", PBOTH, q_bms },
	{ "QT", "", PMAX, q_t },
	{ "QET", "", PMAX, q_energy_pv },
	{ "QEY", "####", PMAX, q_energy_pv },
	{ "QEM", "######", PMAX, q_energy_pv },
	{ "QED", "########", PMAX, q_energy_pv },
	{ "QLT", "", PMAX, q_energy_load },
	{ "QLY", "####", PMAX, q_energy_load },
	{ "QLM", "######", PMAX, q_energy_load },
	{ "QLD", "########", PMAX, q_energy_load },
	{ "QBEQI", "", PMAX, q_beqi },
	{ "QOPPT", "", PMAX, q_oppt },
	{ "QCHPT", "", PMAX, q_chpt },
	{ "QLED", "", PMAX, q_led },
};

/*
 * ---- setters ----
 * Each gets the argument after the command name, already matched against
 * the row's pattern, checks the value itself and returns 0 (ACK, state
 * changed) or -1 (NAK, state untouched).
 */

static int
s_freq(struct sim_inverter *inv, const char *a)
{
	inv->set.out_freq = parse_int(a, 2);
	return 0;
}

static int
s_mchgc(struct sim_inverter *inv, const char *a)
{
	int v = parse_int(a, 3);

	if (!in_list(v, mchgc_options, sizeof(mchgc_options) /
	    sizeof(mchgc_options[0])))
		return -1;
	inv->set.max_chg = v;
	return 0;
}

static int
s_muchgc(struct sim_inverter *inv, const char *a)
{
	int v = parse_int(a, 3);

	if (!in_list(v, muchgc_options, sizeof(muchgc_options) /
	    sizeof(muchgc_options[0])))
		return -1;
	inv->set.max_ac_chg = v;
	return 0;
}

/* MNCHGC<unit><NNN>: utility charging current above 100 A, unit 0 only. */
static int
s_mnchgc(struct sim_inverter *inv, const char *a)
{
	int v = parse_int(a + 1, 3);

	if (a[0] != '0' || v < 2 || v > 200)
		return -1;
	inv->set.max_ac_chg = v;
	return 0;
}

/* Battery voltages: plausible windows for a 48 V bank. */
static int
s_pbcv(struct sim_inverter *inv, const char *a)
{
	int dv = parse_dv(a);

	if (dv < 440 || dv > 510)
		return -1;
	inv->set.recharge_dv = dv;
	return 0;
}

static int
s_pbdv(struct sim_inverter *inv, const char *a)
{
	int dv = parse_dv(a);

	if (dv != 0 && (dv < 480 || dv > 580))
		return -1;
	inv->set.redischarge_dv = dv;
	return 0;
}

static int
s_psdv(struct sim_inverter *inv, const char *a)
{
	int dv = parse_dv(a);

	if (dv < 400 || dv > 480)
		return -1;
	inv->set.cutoff_dv = dv;
	return 0;
}

static int
s_pcvv(struct sim_inverter *inv, const char *a)
{
	int dv = parse_dv(a);

	if (dv < 480 || dv > 584)
		return -1;
	inv->set.bulk_dv = dv;
	return 0;
}

static int
s_pbft(struct sim_inverter *inv, const char *a)
{
	int dv = parse_dv(a);

	if (dv < 480 || dv > 584)
		return -1;
	inv->set.float_dv = dv;
	return 0;
}

static int
s_pbt(struct sim_inverter *inv, const char *a)
{
	inv->set.batt_type = a[1] - '0';
	return 0;
}

static int
s_pop(struct sim_inverter *inv, const char *a)
{
	inv->set.out_prio = a[1] - '0';
	return 0;
}

static int
s_pcp(struct sim_inverter *inv, const char *a)
{
	inv->set.chg_prio = a[1] - '0';
	return 0;
}

static int
s_ppcp(struct sim_inverter *inv, const char *a)
{
	inv->set.chg_prio = a[2] - '0';
	return 0;
}

static int
s_pgr(struct sim_inverter *inv, const char *a)
{
	inv->set.input_range = a[1] - '0';
	return 0;
}

static int
s_poplg(struct sim_inverter *inv, const char *a)
{
	inv->set.op_logic = a[1] - '0';
	return 0;
}

static int
s_popm(struct sim_inverter *inv, const char *a)
{
	inv->set.out_mode = a[1] - '0';
	return 0;
}

static int
s_ppvokc(struct sim_inverter *inv, const char *a)
{
	inv->set.pv_ok = a[0] - '0';
	return 0;
}

static int
s_pspb(struct sim_inverter *inv, const char *a)
{
	inv->set.pv_balance = a[0] - '0';
	return 0;
}

static int
s_pbatmaxdisc(struct sim_inverter *inv, const char *a)
{
	int v = parse_int(a, 3);

	if (v > 150)
		return -1;
	inv->set.max_dischg = v;
	return 0;
}

/* PE / PD: every letter must be one QFLAG knows. */
static int
s_flags(struct sim_inverter *inv, const char *a, int enable)
{
	const char *set = qflag_letters[inv->proto];
	unsigned mask = 0;

	for (const char *p = a; *p != '\0'; p++) {
		if (strchr(set, *p) == NULL)
			return -1;
		mask |= 1u << (*p - 'a');
	}
	if (enable)
		inv->set.flags |= mask;
	else
		inv->set.flags &= ~mask;
	return 0;
}

static int
s_pe(struct sim_inverter *inv, const char *a)
{
	return s_flags(inv, a, 1);
}

static int
s_pd(struct sim_inverter *inv, const char *a)
{
	return s_flags(inv, a, 0);
}

static int
s_pf(struct sim_inverter *inv, const char *a)
{
	settings_default(&inv->set, inv->proto);
	return 0;
}

/* Accepted and acknowledged, nothing a query reports changes. */
static int
s_ack(struct sim_inverter *inv, const char *a)
{
	return 0;
}

struct setter_row {
	const char	*name;
	const char	*argpat;
	unsigned	 protos;
	int		(*fn)(struct sim_inverter *, const char *);
};

static const struct setter_row setters[] = {
	{ "F", "[56]0", PBOTH, s_freq },
	{ "MCHGC", "###", PBOTH, s_mchgc },
	{ "MNCHGC", "####", PBOTH, s_mnchgc },
	{ "MUCHGC", "###", PBOTH, s_muchgc },
	{ "PBCV", "##.#", PBOTH, s_pbcv },
	{ "PBDV", "##.#", PBOTH, s_pbdv },
	{ "PBFT", "##.#", PBOTH, s_pbft },
	{ "PBT", "0[012]", PBOTH, s_pbt },
	{ "PCP", "0[0123]", PBOTH, s_pcp },
	{ "PCVV", "##.#", PBOTH, s_pcvv },
	{ "PE", "*", PBOTH, s_pe },
	{ "PD", "*", PBOTH, s_pd },
	{ "PF", "", PBOTH, s_pf },
	{ "PGR", "0[01]", PBOTH, s_pgr },
	{ "POP", "0[012]", PBOTH, s_pop },
	{ "POPLG", "0[012]", PBOTH, s_poplg },
	{ "POPM", "#[01234]", PBOTH, s_popm },
	{ "PPCP", "#0[0123]", PBOTH, s_ppcp },
	{ "PPVOKC", "[01]", PBOTH, s_ppvokc },
	{ "PSDV", "##.#", PBOTH, s_psdv },
	{ "PSPB", "[01]", PBOTH, s_pspb },
	{ "PBATCD", "[01][01][01]", PBOTH, s_ack },
	{ "DAT", "##############", PBOTH, s_ack },
	{ "PBATMAXDISC", "[01]##", PBOTH, s_pbatmaxdisc },
	{ "BTA", "[-+]0#", PBOTH, s_ack },
	{ "PSAVE", "", PBOTH, s_ack },
	{ "PLEDE", "[01]", PMAX, s_ack },
	{ "PLEDS", "[012]", PMAX, s_ack },
	{ "PLEDM", "[0123]", PMAX, s_ack },
	{ "PLEDB", "[123456789]", PMAX, s_ack },
	{ "PLEDT", "[123]", PMAX, s_ack },
	{ "PLEDC", "##########", PMAX, s_ack },
};

/* The row's argument, if cmd is name followed by an argument matching pat. */
static const char *
row_match(const char *name, const char *pat, const char *cmd)
{
	size_t n = strlen(name);

	if (strncmp(cmd, name, n) != 0 || !pat_match(pat, cmd + n))
		return NULL;
	return cmd + n;
}

/*
 * Handles one command (the request text without CRC and CR) and writes the
 * reply payload, NUL-terminated, into out: the data of a query, "ACK" for
 * an accepted setter, "NAK" for anything unknown to this protocol, a bad
 * argument or a value the inverter refuses.  uptime (seconds) drives the
 * live values, wall is what QT reports.  Returns 0, or -1 when outsz is too
 * small for the reply (out then holds "NAK" if it fits).
 */
int
model_handle(struct sim_inverter *inv, const char *cmd, double uptime,
    time_t wall, char *out, size_t outsz)
{
	unsigned pbit = inv->proto == SIM_PI30MAX ? PMAX : P30;
	const char *arg;

	if (outsz == 0)
		return -1;
	out[0] = '\0';
	for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		const struct query_row *q = &queries[i];
		struct qctx c = { inv, NULL, uptime, wall, out, outsz };

		if (!(q->protos & pbit) ||
		    (arg = row_match(q->name, q->argpat, cmd)) == NULL)
			continue;
		c.arg = arg;
		if (q->fn(&c) == 0)
			return 0;
		snprintf(out, outsz, "NAK");
		return -1;
	}
	for (size_t i = 0; i < sizeof(setters) / sizeof(setters[0]); i++) {
		const struct setter_row *s = &setters[i];

		if (!(s->protos & pbit) ||
		    (arg = row_match(s->name, s->argpat, cmd)) == NULL)
			continue;
		snprintf(out, outsz, "%s", s->fn(inv, arg) == 0 ? "ACK" : "NAK");
		return strlen(out) == 3 ? 0 : -1;
	}
	snprintf(out, outsz, "NAK");
	return strlen(out) == 3 ? 0 : -1;
}

/*
 * sim_model.c - the simulated PI30 inverter: state, live values, dispatch.
 *
 * Pure: no I/O and no clock (the caller passes the uptime that drives the
 * live values and the wall time for QT), so the unit tests include the model
 * files directly.  Commands are rows in two tables, queries
 * (sim_pi30_query.c) and setters (sim_pi30_set.c); a row names the command,
 * the protocols that know it and the shape of its argument, and one function
 * builds the reply payload (the text between '(' and the CRC).
 *
 * Reply formats follow the canned replies of the mpp-solar PI30 and PI30MAX
 * tables, field for field.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sim.h"
#include "sim_pi30.h"

#define MODEL_PI	3.14159265358979323846

const char *const model_qflag_letters[] = {
	[SIM_PI30] = "abjkuvxyz",
	[SIM_PI30MAX] = "abdkuvxyz",
};

const int model_mchgc_options[] = { 10, 20, 30, 40, 50, 60, 70, 80, 90,
    100, 110, 120 };
const int model_muchgc_options[] = { 2, 10, 20, 30, 40, 50, 60, 70, 80, 90,
    100, 110, 120 };

/* Factory settings: the values QDI reports and PF restores. */
void
model_settings_default(struct sim_settings *s, enum sim_proto proto)
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
	model_settings_default(&inv->set, proto);
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
void
model_live(struct sim_inverter *inv, double t, struct live *lv)
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
	for (size_t i = 0; i < query_table_len; i++) {
		const struct query_row *q = &query_table[i];
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
	for (size_t i = 0; i < setter_table_len; i++) {
		const struct setter_row *s = &setter_table[i];

		if (!(s->protos & pbit) ||
		    (arg = row_match(s->name, s->argpat, cmd)) == NULL)
			continue;
		snprintf(out, outsz, "%s", s->fn(inv, arg) == 0 ? "ACK" : "NAK");
		return strlen(out) == 3 ? 0 : -1;
	}
	snprintf(out, outsz, "NAK");
	return strlen(out) == 3 ? 0 : -1;
}

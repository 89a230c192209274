/*
 * sim_pi30_query.c - the simulated PI30 inverter: query replies.
 *
 * One row per query in query_table (sim_model.c dispatches); each function
 * appends the reply payload, field for field as the canned replies of the
 * mpp-solar PI30 and PI30MAX tables.  Pure like sim_model.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "sim_pi30.h"

static const char model_serial[] = "92932004102453";

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

	model_settings_default(&d, c->inv->proto);
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
	const char *set = model_qflag_letters[c->inv->proto];
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

	model_live(c->inv, c->uptime, &lv);
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

	model_live(c->inv, c->uptime, &lv);
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

	for (size_t i = 0; r == 0 && i < sizeof(model_mchgc_options) /
	    sizeof(model_mchgc_options[0]); i++)
		r = put(c->out, c->outsz, "%s%03d", i ? " " : "",
		    model_mchgc_options[i]);
	return r;
}

static int
q_muchgcr(struct qctx *c)
{
	int r = 0;

	for (size_t i = 0; r == 0 && i < sizeof(model_muchgc_options) /
	    sizeof(model_muchgc_options[0]); i++)
		r = put(c->out, c->outsz, "%s%03d", i ? " " : "",
		    model_muchgc_options[i]);
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
	model_live(c->inv, c->uptime, &lv);
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

	model_live(c->inv, c->uptime, &lv);
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

	model_live(c->inv, c->uptime, &lv);
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

const struct query_row query_table[] = {
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

const size_t query_table_len = sizeof(query_table) / sizeof(query_table[0]);

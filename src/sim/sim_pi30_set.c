/*
 * sim_pi30_set.c - the simulated PI30 inverter: setters.
 *
 * One row per setter in setter_table (sim_model.c dispatches and answers
 * ACK or NAK).  Pure like sim_model.c.
 */
#include <string.h>

#include "sim.h"
#include "sim_pi30.h"

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

/* ---- setters ---- */

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

	if (!in_list(v, model_mchgc_options, sizeof(model_mchgc_options) /
	    sizeof(model_mchgc_options[0])))
		return -1;
	inv->set.max_chg = v;
	return 0;
}

static int
s_muchgc(struct sim_inverter *inv, const char *a)
{
	int v = parse_int(a, 3);

	if (!in_list(v, model_muchgc_options, sizeof(model_muchgc_options) /
	    sizeof(model_muchgc_options[0])))
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
	const char *set = model_qflag_letters[inv->proto];
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
	model_settings_default(&inv->set, inv->proto);
	return 0;
}

/* Accepted and acknowledged, nothing a query reports changes. */
static int
s_ack(struct sim_inverter *inv, const char *a)
{
	return 0;
}

const struct setter_row setter_table[] = {
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

const size_t setter_table_len = sizeof(setter_table) / sizeof(setter_table[0]);

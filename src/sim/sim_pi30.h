/*
 * sim_pi30.h - what the three files of the PI30 model share (internal to
 * mppd-sim): sim_model.c holds the state, the live values and the dispatch,
 * sim_pi30_query.c the query replies, sim_pi30_set.c the setters.
 * Single-threaded and pure like the rest of the model (see sim.h).
 */
#ifndef MPPD_SIM_PI30_H
#define MPPD_SIM_PI30_H

#include <stddef.h>
#include <time.h>

#include "sim.h"

/* Which protocols know a command (the protos field of a table row). */
#define P30	0x1
#define PMAX	0x2
#define PBOTH	(P30 | PMAX)

#define MODEL_RATED_VA	5000

/* sim_model.c */
/* QFLAG letters per protocol, indexed by enum sim_proto. */
extern const char *const model_qflag_letters[];
/* The charging currents MCHGC and MUCHGC accept (QMCHGCR, QMUCHGCR). */
extern const int model_mchgc_options[12];
extern const int model_muchgc_options[13];

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

void	model_settings_default(struct sim_settings *s, enum sim_proto proto);
void	model_live(struct sim_inverter *inv, double t, struct live *lv);

/* sim_pi30_query.c */
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

struct query_row {
	const char	*name;
	const char	*argpat;
	unsigned	 protos;
	int		(*fn)(struct qctx *);
};

extern const struct query_row query_table[];
extern const size_t query_table_len;

/* sim_pi30_set.c */
/*
 * A setter gets the argument after the command name, already matched
 * against the row's pattern, checks the value itself and returns 0 (ACK,
 * state changed) or -1 (NAK, state untouched).
 */
struct setter_row {
	const char	*name;
	const char	*argpat;
	unsigned	 protos;
	int		(*fn)(struct sim_inverter *, const char *);
};

extern const struct setter_row setter_table[];
extern const size_t setter_table_len;

#endif

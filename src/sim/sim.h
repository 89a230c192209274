/*
 * sim.h - mppd-sim, a simulated PI30-family inverter on a pseudo-terminal.
 *
 * The program is single-threaded.  The model (sim_model.c, sim_pi30_query.c,
 * sim_pi30_set.c, sharing sim_pi30.h; sim_pi1x.c; sim_bms.c), sim_frame.c and
 * sim_fault.c are pure (no I/O, no clock: time is passed in) so unit tests
 * can include them; sim_pty.c and sim_serve.c own the descriptors and the
 * timing.
 */
#ifndef MPPD_SIM_H
#define MPPD_SIM_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum sim_proto { SIM_PI30 = 0, SIM_PI30MAX, SIM_PI16, SIM_PI17, SIM_PI18,
	SIM_PI18SV, SIM_PI18LVX,
	/* battery monitors (sim_bms.c) */
	SIM_DALY, SIM_DALY40, SIM_JKSERIAL, SIM_JK232, SIM_VED };

/* Longest reply payload (between '(' and the CRC) the model produces. */
#define SIM_REPLY_MAX	512
/* Longest request line (text + CRC) accepted; longer lines are dropped. */
#define SIM_RX_MAX	256

/* The inverter's settable state: what QPIRI, QFLAG and friends report. */
struct sim_settings {
	int	 out_freq;		/* F50/F60: 50 or 60 */
	int	 recharge_dv;		/* PBCV, decivolts */
	int	 redischarge_dv;	/* PBDV, decivolts (0 = battery full) */
	int	 cutoff_dv;		/* PSDV, decivolts */
	int	 bulk_dv;		/* PCVV, decivolts */
	int	 float_dv;		/* PBFT, decivolts */
	int	 batt_type;		/* PBT: 0 AGM, 1 flooded, 2 user */
	int	 max_ac_chg;		/* MUCHGC, amperes */
	int	 max_chg;		/* MCHGC, amperes */
	int	 input_range;		/* PGR: 0 appliance, 1 UPS */
	int	 out_prio;		/* POP: 0 utility, 1 solar, 2 SBU */
	int	 chg_prio;		/* PCP: 0 utility .. 3 solar only */
	int	 out_mode;		/* POPM: 0 single .. */
	int	 pv_ok;			/* PPVOKC */
	int	 pv_balance;		/* PSPB */
	int	 op_logic;		/* POPLG */
	int	 max_dischg;		/* PBATMAXDISC (PI30MAX) */
	unsigned flags;		/* QFLAG: bit (letter - 'a') set = enabled */
};

/* The settable state of the PI16, PI17 and PI18 models (sim_pi1x.c). */
struct sim_fam {
	int	 load_on;		/* LON */
	int	 out_prio;		/* PI18 POP: 0 SUB, 1 SBU */
	int	 chg_prio;		/* PI18 PCP: 0 solar first .. 2 only solar */
	int	 solar_prio;		/* PI18 PSP */
	int	 machine;		/* PI18 PEI/PDI: 1 grid-tie */
	int	 batt_type;		/* PI18 PBT */
	int	 max_chg;		/* PI18 MCHGC, amperes */
	int	 max_ac_chg;		/* PI18 MUCHGC, amperes */
	int	 bulk_dv, float_dv;	/* MCHGV, decivolts */
	int	 cutoff_dv;		/* PI18 PSDV */
	int	 recharge_dv;		/* PI18 BUCD */
	int	 redischarge_dv;
	unsigned flags17;		/* PI17 FLAG: bit n = option n enabled */
	unsigned flags18;		/* PI18 FLAG; PI18SV PEx/PDx: bit 0 = A */
	int	 sep;			/* PI17 SEP */
	unsigned edx;			/* PI17 EDA..EDG: bit 0 = A */
	int	 chg_ma, ac_chg_ma;	/* PI17 MCHGC, MUCHGC */
	int	 feed_w;		/* PI17 GPMP */
	int	 dischg_a;		/* PI17 BDCM */
	int	 li_fe;			/* PI17 BT */
	int	 accb_on, accb_dv;	/* PI17 ACCB */
	int	 batdv[4];		/* PI17 BATDV */
	int	 bca_stop, bca_wait, bca_dv;	/* PI17 BCA */
	int	 lcd;			/* PI17 LST */
	long	 time_off;		/* PI17 DAT: offset to the wall clock */
	int	 changed;		/* a setter ran since the last GS */
};

/*
 * A battery behind a BMS or a battery monitor (sim_bms.c): the state of
 * charge drifts with the current, which swings between charge and
 * discharge; cell voltages follow the state of charge.
 */
#define SIM_BMS_CELLS	16
struct sim_bms {
	enum sim_proto	 proto;
	double		 soc;		/* percent */
	double		 cap_ah;
	double		 current;	/* A, > 0 charging */
	double		 t_last;	/* uptime of the last update, s */
	int		 cycles;
	int		 cell_mv[SIM_BMS_CELLS];
	double		 t1, t2, mos;	/* degrees C */
	uint32_t	 rng;
	uint8_t		 rx[64];	/* request being assembled */
	size_t		 rxlen;
};

struct sim_inverter {
	enum sim_proto		proto;
	struct sim_settings	set;
	struct sim_fam		fam;
	uint32_t		rng;	/* jitter for the live values */
	struct sim_bms		bms;	/* battery monitor protocols */
	int			parallel;	/* units answering QPGSn (0, 1: this one) */
};

/* One request line as received: text before the CRC, and its check. */
struct sim_req {
	char	text[SIM_RX_MAX + 1];	/* NUL-terminated; may hold any byte */
	size_t	text_len;
	uint8_t	crc[2];			/* the two bytes received */
	int	crc_ok;
	uint8_t	raw[SIM_RX_MAX + 1];	/* the whole line including CR */
	size_t	raw_len;
};

/* Request line assembler: bytes in, whole lines out. */
struct sim_rx {
	uint8_t	buf[SIM_RX_MAX];
	size_t	len;
	int	overflow;
};

/* What to do with the Nth command (fault injection). */
enum sim_action {
	SIM_ACT_REPLY = 0,	/* the real reply */
	SIM_ACT_SILENT,		/* nothing at all */
	SIM_ACT_ECHO,		/* the request, verbatim */
	SIM_ACT_GARBAGE,	/* printable junk then CR */
	SIM_ACT_NAK,		/* "(NAK" instead of the reply */
	SIM_ACT_BADCRC,		/* the real reply with wrong CRC bytes */
	SIM_ACT_TRUNCATE	/* the first half of the real reply */
};

/* "every N" fault periods; 0 = off. */
struct sim_faults {
	unsigned long	silent_every;
	unsigned long	badcrc_every;
	unsigned long	nak_every;
	unsigned long	garbage_every;
	unsigned long	echo_every;
	unsigned long	vanish_after;
	unsigned long	delay_ms;
	unsigned long	truncate_every;
};

/* sim_model.c */
void	model_init(struct sim_inverter *inv, enum sim_proto proto,
	    uint32_t seed);
int	model_proto_parse(const char *name, enum sim_proto *out);
const char *model_proto_name(enum sim_proto proto);
int	model_handle(struct sim_inverter *inv, const char *cmd, double uptime,
	    time_t wall, char *out, size_t outsz);

/* sim_pi1x.c: PI16, PI17, PI18 */
int	fam_is(enum sim_proto p);
const char *fam_table_name(enum sim_proto p);
void	fam_init(struct sim_fam *f);
/*
 * The command text of a raw request line (CR included) into cmd; returns 1
 * when its framing (prefix, length, CRC or checksum) is right, else 0.
 */
int	fam_parse(enum sim_proto p, const uint8_t *raw, size_t n, char *cmd,
	    size_t cmdsz);
/* The whole reply frame to cmd (state updated); its length, 0 if too big. */
size_t	fam_reply(struct sim_inverter *inv, const char *cmd, double uptime,
	    time_t wall, uint8_t *out, size_t outsz);
/* The protocol's refusal: "^0" + CRC + CR, or "(NAK" for PI16. */
size_t	fam_nak(enum sim_proto p, uint8_t *out, size_t outsz);

/* sim_bms.c: DALY, DALY40, JKSERIAL, JK232, VED */
int	bms_is(enum sim_proto p);
int	bms_proto_parse(const char *name, enum sim_proto *out);
const char *bms_proto_name(enum sim_proto p);
void	bms_init(struct sim_bms *b, enum sim_proto p, uint32_t seed);
/* Moves the battery on to uptime t (seconds since start). */
void	bms_advance(struct sim_bms *b, double t);
/*
 * Request assembler: one byte in; 1 when req[0..*reqlen) now holds a whole
 * request of the protocol (its framing and checksum right), else 0.
 */
int	bms_feed(struct sim_bms *b, uint8_t byte, uint8_t *req,
	    size_t *reqlen);
/* The reply frames to a request; their length, 0 when not understood. */
size_t	bms_reply(struct sim_bms *b, const uint8_t *req, size_t n,
	    uint8_t *out, size_t cap);
/* One VE.Direct text block (through its checksum byte); its length. */
size_t	bms_ved_block(struct sim_bms *b, uint8_t *out, size_t cap);
/* Spoils the checksum of a reply or block. */
void	bms_corrupt(enum sim_proto p, uint8_t *frame, size_t len);

/* sim_frame.c */
void	frame_rx_init(struct sim_rx *rx);
int	frame_rx_feed(struct sim_rx *rx, uint8_t byte, struct sim_req *req);
size_t	frame_build(const char *payload, uint8_t *out, size_t outsz);
void	frame_corrupt_crc(uint8_t *frame, size_t len);
size_t	frame_garbage(uint32_t *rng, uint8_t *out, size_t outsz);
void	frame_printable(const char *text, size_t len, char *out,
	    size_t outsz);

/* sim_fault.c */
enum sim_action fault_action(const struct sim_faults *f, unsigned long n);
int	fault_vanish_now(const struct sim_faults *f, unsigned long n);
uint32_t fault_rand(uint32_t *state);

/* sim_pty.c */
struct sim_pty {
	int	 master;	/* the inverter's end, non-blocking */
	int	 slave;		/* kept open so the master never hangs up */
	char	 slave_path[64];
	char	*link;		/* the symlink we created, or NULL */
};
int	pty_open(struct sim_pty *pty, const char *link, unsigned long baud);
int	pty_wait_drained(struct sim_pty *pty, int timeout_ms);
void	pty_close(struct sim_pty *pty);

/* sim_serve.c */
struct sim_opts {
	const char		*link;
	enum sim_proto		 proto;
	unsigned long		 baud;
	struct sim_faults	 faults;
	const char		*log_path;
	int			 verbose;
	unsigned long		 stream_ms;	/* VED: text block period */
	unsigned long		 stream_after_ms;	/* VED: first block */
	int			 parallel;	/* --parallel N units, 0 = one */
};
int	serve_run(const struct sim_opts *opts,
	    volatile sig_atomic_t *stop);

#endif

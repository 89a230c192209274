/*
 * sim_pi1x.c - the simulated PI16, PI17 and PI18 inverters: request
 * parsing, state, replies and reply framing (docs/protocols.md).
 *
 * Pure like sim_model.c: no I/O and no clock.  A request is recognised by
 * the protocol's own table (proto_lookup, the same argument patterns mppd
 * checks), so an argument the table refuses is answered "^0" as a real
 * inverter refuses a value it does not support.  Setters change the state
 * the queries report: POP1 then PIRI shows "Solar-Battery-Utility".
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crc.h"
#include "proto.h"
#include "sim.h"

#define FAM_PI	3.14159265358979323846

static const uint8_t ack_bytes[] = "^1\x0b\xc2\r";
static const uint8_t nak_bytes[] = "^0\x1b\xe3\r";

static const char fam_serial[] = "92932004102453";

int
fam_is(enum sim_proto p)
{
	return p == SIM_PI16 || p == SIM_PI17 || p == SIM_PI18 ||
	    p == SIM_PI18SV || p == SIM_PI18LVX;
}

const char *
fam_table_name(enum sim_proto p)
{
	switch (p) {
	case SIM_PI16:
		return "PI16";
	case SIM_PI17:
		return "PI17";
	case SIM_PI18SV:
		return "PI18SV";
	case SIM_PI18LVX:
		return "PI18LVX";
	default:
		return "PI18";
	}
}

/* Factory settings of the PI17 and PI18 models. */
void
fam_init(struct sim_fam *f)
{
	memset(f, 0, sizeof(*f));
	f->load_on = 1;
	f->out_prio = 0;
	f->chg_prio = 0;
	f->solar_prio = 1;
	f->machine = 0;
	f->batt_type = 2;
	f->max_chg = 60;
	f->max_ac_chg = 30;
	f->bulk_dv = 564;
	f->float_dv = 540;
	f->cutoff_dv = 420;
	f->recharge_dv = 460;
	f->redischarge_dv = 540;
	/* PI17 */
	f->flags17 = 0x0035;	/* as the canned FLAG "0,0,1,0,1": C, E */
	f->flags18 = 0xb5;	/* "1,0,1,0,1,1,0,1" */
	f->sep = 1;
	f->edx = 0x7f & ~0x0c;	/* EDA..EDG */
	f->chg_ma = 2000;
	f->ac_chg_ma = 1000;
	f->feed_w = 5000;
	f->dischg_a = 100;
	f->li_fe = 0;
	f->accb_on = 1;
	f->accb_dv = 540;
	f->batdv[0] = 460;
	f->batdv[1] = 510;
	f->batdv[2] = 460;
	f->batdv[3] = 510;
	f->bca_stop = 0;
	f->bca_wait = 60;
	f->bca_dv = 530;
	f->lcd = 1;
	f->time_off = 0;
}

/* Sum of the bytes modulo 256 as three digits (PI16 and PI17 checksums). */
static void
sum3(const char *s, size_t n, char out[4])
{
	unsigned sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += (uint8_t)s[i];
	snprintf(out, 4, "%03u", sum & 0xff);
}

static int
digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

int
fam_parse(enum sim_proto p, const uint8_t *raw, size_t n, char *cmd,
    size_t cmdsz)
{
	const char *t = (const char *)raw;
	size_t len = n > 0 && raw[n - 1] == '\r' ? n - 1 : n;
	char chk[4];
	uint8_t crc[2];
	int ok = 1;

	if (p == SIM_PI16) {
		/* "QED20210726" + 3-digit sum: strip a matching sum */
		if (len > 5 && strncmp(t, "QE", 2) == 0 &&
		    digits(t + len - 3, 3)) {
			sum3(t, len - 3, chk);
			if (memcmp(chk, t + len - 3, 3) == 0)
				len -= 3;
		}
	} else {
		/* "^P" or "^S", three digits, then the command */
		if (len < 6 || t[0] != '^' || (t[1] != 'P' && t[1] != 'S') ||
		    !digits(t + 2, 3)) {
			snprintf(cmd, cmdsz, "%.*s", (int)len, t);
			return 0;
		}
		if (p == SIM_PI17) {
			/* "^P010EY2021" + the sum of all that, as 3 digits */
			if (len > 8 && t[5] == 'E' && digits(t + len - 3, 3)) {
				sum3(t, len - 3, chk);
				if (memcmp(chk, t + len - 3, 3) == 0)
					len -= 3;
			}
		} else {
			/* PI18 requests carry a CRC, PI18LVX ones do not
			 * (CRC bytes there are junk after the command), and
			 * PI18SV sends some commands without. */
			crc_pi(t, len >= 2 ? len - 2 : 0, crc);
			if (p == SIM_PI18LVX)
				;
			else if (len >= 8 && (uint8_t)t[len - 2] == crc[0] &&
			    (uint8_t)t[len - 1] == crc[1])
				len -= 2;
			else if (p != SIM_PI18SV)
				ok = 0;
		}
		t += 5;
		len -= 5;
	}
	if (len >= cmdsz)
		len = cmdsz - 1;
	memcpy(cmd, t, len);
	cmd[len] = '\0';
	if (memchr(cmd, '\0', len) != NULL)
		ok = 0;
	return ok;
}

/* Appends printf output; -1 once it no longer fits. */
static int
add(char *out, size_t outsz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
add(char *out, size_t outsz, const char *fmt, ...)
{
	size_t used = strlen(out);
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out + used, outsz - used, fmt, ap);
	va_end(ap);
	return (n < 0 || (size_t)n >= outsz - used) ? -1 : 0;
}

/* The live values at uptime t, as the PI30 model drifts them. */
struct fam_live {
	int	grid_dv, grid_cf, out_dv, out_cf, va, w, load;
	int	bat_dv, cap, chg_a, dis_a, temp, pv_w, pv_dv;
};

static void
fam_live(const struct sim_fam *f, double t, struct fam_live *l)
{
	double sun = 0.5 + 0.5 * sin(2 * FAM_PI * t / 1200.0);
	double bat = 51.5 + 2.0 * sin(2 * FAM_PI * t / 900.0);

	memset(l, 0, sizeof(*l));
	l->grid_dv = 2300 + (int)(20 * sin(t / 37.0));
	l->grid_cf = 5000 + (int)(5 * sin(t / 41.0));
	l->out_dv = f->load_on ? 2300 : 0;
	l->out_cf = f->load_on ? 5000 : 0;
	l->w = f->load_on ? 350 + (int)(150 * sin(2 * FAM_PI * t / 420.0 + 1)) : 0;
	l->va = l->w * 112 / 100;
	l->load = l->va * 100 / 5000;
	if (bat < f->cutoff_dv / 10.0 + 1)
		bat = f->cutoff_dv / 10.0 + 1;
	l->bat_dv = (int)lround(bat * 10);
	l->cap = (int)((bat - 48.0) * 20);
	l->cap = l->cap < 0 ? 0 : l->cap > 100 ? 100 : l->cap;
	l->pv_w = 200 + (int)(2800 * sun);
	l->pv_dv = 3200 + (int)(150 * sin(t / 53.0));
	l->temp = 35 + l->w / 100;
	if (f->out_prio == 0 || l->pv_w >= l->w)
		l->chg_a = (l->pv_w - (f->out_prio == 0 ? 0 : l->w)) * 10 / l->bat_dv;
	else
		l->dis_a = (l->w - l->pv_w) * 10 / l->bat_dv;
	if (l->chg_a > f->max_chg)
		l->chg_a = f->max_chg;
}

/* ---- PI16: queries only ------------------------------------------------ */

static int
pi16_query(struct sim_fam *f, const char *key, double t, char *out,
    size_t outsz)
{
	struct fam_live l;

	fam_live(f, t, &l);
	if (strcmp(key, "QPI") == 0)
		return add(out, outsz, "PI16");
	if (strcmp(key, "QID") == 0)
		return add(out, outsz, "%s", fam_serial);
	if (strcmp(key, "QGMN") == 0)
		return add(out, outsz, "000D");
	if (strcmp(key, "QMOD") == 0)
		return add(out, outsz, "%c", l.dis_a > 0 ? 'B' : 'G');
	if (strcmp(key, "QVFW") == 0)
		return add(out, outsz, "VERFW:00000.27");
	if (strcmp(key, "QVFW2") == 0)
		return add(out, outsz, "VERFW2:00000.30");
	if (strcmp(key, "QPIBI") == 0)
		return add(out, outsz, "0 6 1234 12 43");
	if (strcmp(key, "QPIRI") == 0)
		return add(out, outsz,
		    "230.0 50.0 013.0 230.0 013.0 18.0 048.0 1 10 0");
	if (strcmp(key, "QPIGS") == 0)
		return add(out, outsz, "%05.1f %06d %04.1f %06.1f %05.1f %05d "
		    "%04.1f %05.1f %03d 405.4 405.4 %05.1f ---.- %03d %05d "
		    "00000 ----- %05.1f ---.- ---.- %05.1f A---001010",
		    l.grid_dv / 10.0, l.w, l.grid_cf / 100.0, l.w / 230.0,
		    l.out_dv / 10.0, l.w, l.out_cf / 100.0, l.w / 230.0,
		    l.load, l.bat_dv / 10.0, l.cap, l.pv_w, l.pv_dv / 10.0,
		    (double)l.temp);
	if (strcmp(key, "QEH") == 0 || strcmp(key, "QED") == 0 ||
	    strcmp(key, "QEM") == 0 || strcmp(key, "QEY") == 0)
		return add(out, outsz, "%06ld", 1234L + (long)(t / 60));
	return -1;
}

/* ---- PI18 ---------------------------------------------------------------- */

static int
pi18_query(struct sim_fam *f, const char *key, double t, char *out,
    size_t outsz)
{
	struct fam_live l;

	fam_live(f, t, &l);
	if (strcmp(key, "PI") == 0)
		return add(out, outsz, "18");
	if (strcmp(key, "ID") == 0)
		return add(out, outsz, "%02zu%s000000", strlen(fam_serial),
		    fam_serial);
	if (strcmp(key, "VFW") == 0)
		return add(out, outsz, "05220,00000,00000");
	if (strcmp(key, "ET") == 0 || strcmp(key, "EY") == 0 ||
	    strcmp(key, "EM") == 0 || strcmp(key, "ED") == 0)
		return add(out, outsz, "%08ld", 6591L + (long)(t / 60));
	if (strcmp(key, "MOD") == 0)
		return add(out, outsz, "%02d", !f->load_on ? 1 :
		    f->out_prio == 0 ? 5 : 3);
	if (strcmp(key, "FLAG") == 0) {
		out[0] = '\0';
		for (int i = 0; i < 8; i++)
			if (add(out, outsz, "%d,", (f->flags18 >> i) & 1) < 0)
				return -1;
		return add(out, outsz, "0");
	}
	/* PI18SV's own queries (static where nothing sets them) */
	if (strcmp(key, "T") == 0)
		return add(out, outsz, "20210521234743");
	if (strcmp(key, "PRI") == 0)
		return add(out, outsz, "1,14,%s000000,2,%03d,%03d,%d",
		    fam_serial, f->max_chg, f->max_ac_chg, f->out_prio);
	if (strcmp(key, "PGS") == 0)
		return add(out, outsz, "1,5,00,%04d,%03d,%04d,%03d,%04d,%04d,"
		    "%05d,%05d,%03d,004,%03d,000,015,031,036,%04d,0000,%04d,0000,"
		    "2,0,1,1,2,1,%03d", l.grid_dv, l.grid_cf / 10, l.out_dv,
		    l.out_cf / 10, l.va, l.w, l.va, l.w, l.load, l.bat_dv,
		    l.pv_w, l.pv_dv, l.cap);
	if (strcmp(key, "FWS") == 0)
		return add(out, outsz, "00,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0");
	if (strcmp(key, "DI") == 0)
		return add(out, outsz, "2300,500,0,408,540,564,460,540,060,30,0,0,"
		    "1,0,0,0,1,0,0,1,1,0,1,1");
	if (strcmp(key, "ACCT") == 0 || strcmp(key, "ACLT") == 0)
		return add(out, outsz, "0000,0000");
	if (strcmp(key, "MCHGCR") == 0)
		return add(out, outsz, "010,020,030,040,050,060,070,080");
	if (strcmp(key, "MUCHGCR") == 0)
		return add(out, outsz, "002,010,020,030,040,050,060,070,080");
	if (strcmp(key, "PIRI") == 0)
		return add(out, outsz, "2300,217,2300,500,217,5000,5000,480,"
		    "%03d,%03d,%03d,%03d,%03d,%d,%02d,%03d,0,%d,%d,9,%d,0,0,%d,1",
		    f->recharge_dv, f->redischarge_dv, f->cutoff_dv,
		    f->bulk_dv, f->float_dv, f->batt_type, f->max_ac_chg,
		    f->max_chg, f->out_prio, f->chg_prio, f->machine,
		    f->solar_prio);
	if (strcmp(key, "GS") == 0)
		return add(out, outsz, "%04d,%03d,%04d,%03d,%04d,%04d,%03d,"
		    "%03d,%03d,000,%03d,%03d,%03d,%03d,%03d,000,%04d,0000,"
		    "%04d,0000,0,%d,0,%d,%d,%d,1,0",
		    l.grid_dv, l.grid_cf / 10, l.out_dv, l.out_cf / 10, l.va,
		    l.w, l.load, l.bat_dv, l.bat_dv, l.dis_a, l.chg_a, l.cap,
		    l.temp, l.temp - 5, l.pv_w, l.pv_dv, l.pv_w > 0 ? 2 : 1,
		    f->load_on, l.chg_a > 0 ? 1 : l.dis_a > 0 ? 2 : 0,
		    f->load_on ? 2 : 0);
	return -1;
}

static int
num(const char *s, size_t n)
{
	int v = 0;

	for (size_t i = 0; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* 0 accepted, -1 refused. arg is the text after the key (pattern-checked). */
static int
pi18_set(struct sim_fam *f, const char *key, const char *a)
{
	if (strcmp(key, "POP") == 0)
		f->out_prio = a[0] - '0';
	else if (strcmp(key, "PSP") == 0)
		f->solar_prio = a[0] - '0';
	else if (strcmp(key, "PEI") == 0)
		f->machine = 1;
	else if (strcmp(key, "PDI") == 0)
		f->machine = 0;
	else if (strcmp(key, "PCP") == 0)
		f->chg_prio = a[2] - '0';
	else if (strcmp(key, "MCHGC") == 0)
		f->max_chg = num(a + 2, 3);
	else if (strcmp(key, "MUCHGC") == 0)
		f->max_ac_chg = num(a + 2, 3);
	else if (strcmp(key, "PBT") == 0)
		f->batt_type = a[0] - '0';
	else if (strcmp(key, "MCHGV") == 0) {
		int bulk = num(a, 3), fl = num(a + 4, 3);
		if (fl > bulk)
			return -1;	/* float above bulk: refused */
		f->bulk_dv = bulk;
		f->float_dv = fl;
	} else if (strcmp(key, "PSDV") == 0)
		f->cutoff_dv = num(a, 3);
	else if (strcmp(key, "LON") == 0)
		f->load_on = a[0] == '1';
	else if ((key[0] == 'P' && (key[1] == 'E' || key[1] == 'D') &&
	    key[2] >= 'A' && key[2] <= 'H' && key[3] == '\0')) {
		/* PI18SV PEx / PDx: enable or disable flag x */
		if (key[1] == 'E')
			f->flags18 |= 1u << (key[2] - 'A');
		else
			f->flags18 &= ~(1u << (key[2] - 'A'));
	} else if (strcmp(key, "PF") == 0 || strcmp(key, "DAT") == 0)
		;	/* factory reset, clock: accepted */
	else if (strcmp(key, "BUCD") == 0) {
		f->recharge_dv = num(a, 3);
		f->redischarge_dv = num(a + 4, 3);
	} else
		return -1;
	f->changed = 1;
	return 0;
}

/* ---- PI17 ---------------------------------------------------------------- */

static int
pi17_query(struct sim_fam *f, const char *key, double t, time_t wall,
    char *out, size_t outsz)
{
	struct fam_live l;
	int r;

	fam_live(f, t, &l);
	if (strcmp(key, "PI") == 0)
		return add(out, outsz, "17");
	if (strcmp(key, "ID") == 0)
		return add(out, outsz, "%02zu%s000000", strlen(fam_serial),
		    fam_serial);
	if (strcmp(key, "VFW") == 0)
		return add(out, outsz, "VERFW:00001.01");
	if (strcmp(key, "VFW2") == 0)
		return add(out, outsz, "VERFW2:00001.01");
	if (strcmp(key, "DM") == 0)
		return add(out, outsz, "050");
	if (strcmp(key, "MD") == 0)
		return add(out, outsz, "000,010000,99,3,3,2300,2300,04,120");
	if (strcmp(key, "PIRI") == 0)
		return add(out, outsz,
		    "2400,500,0416,2400,0416,0187,0480,2,10,0,1");
	if (strcmp(key, "GPMP") == 0)
		return add(out, outsz, "%05d", f->feed_w);
	if (strcmp(key, "MOD") == 0)
		return add(out, outsz, "%02d", !f->load_on ? 1 : 5);
	if (strcmp(key, "T") == 0) {
		time_t now = wall + f->time_off;
		struct tm tm;
		char buf[32];
		gmtime_r(&now, &tm);
		strftime(buf, sizeof(buf), "%Y%m%d%H%M%S", &tm);
		return add(out, outsz, "%s", buf);
	}
	if (strcmp(key, "ET") == 0 || strcmp(key, "EY") == 0 ||
	    strcmp(key, "EM") == 0 || strcmp(key, "ED") == 0 ||
	    strcmp(key, "EH") == 0)
		return add(out, outsz, "%08ld", 6591L + (long)(t / 60));
	if (strcmp(key, "FLAG") == 0) {
		out[0] = '\0';
		for (int i = 0; i < 16; i++)
			if (add(out, outsz, "%s%d", i ? "," : "",
			    (f->flags17 >> i) & 1) < 0)
				return -1;
		return 0;
	}
	if (strcmp(key, "HECS") == 0) {
		r = add(out, outsz, "%02d", f->sep);
		for (int i = 0; i < 7 && r == 0; i++)
			r = add(out, outsz, ",%d", (f->edx >> i) & 1);
		return r < 0 ? r : add(out, outsz, ",0");
	}
	if (strcmp(key, "BATS") == 0)
		return add(out, outsz, "%04d,%04d,%04d,%04d,%03d,%04d,%04d,%04d,"
		    "%04d,%04d,%d,,,%d,%04d,000,%04d,%04d,010,020,020,080,,,0,0000",
		    f->chg_ma, f->bulk_dv, f->float_dv,
		    f->bca_stop, f->bca_wait, f->bca_dv, f->batdv[0],
		    f->batdv[1], f->batdv[2], f->batdv[3], f->li_fe,
		    f->accb_on, f->accb_dv, f->ac_chg_ma, f->dischg_a);
	if (strcmp(key, "GS") == 0)
		return add(out, outsz, "%04d,0000,%04d,0000,%04d,%03d,%+06d,"
		    "%04d,%04d,%04d,%04d,0000,0000,0000,%04d,%04d,%04d,%04d,,,,"
		    "%03d,%03d,000,%d",
		    l.pv_dv, l.pv_w * 1000 / (l.pv_dv > 0 ? l.pv_dv : 1),
		    l.bat_dv, l.cap, (l.chg_a - l.dis_a) * 10, l.grid_dv,
		    l.grid_dv, l.grid_dv, l.grid_cf, l.out_dv, l.out_dv,
		    l.out_dv, l.out_cf, l.temp, l.temp + 2, f->changed);
	if (strcmp(key, "PS") == 0)
		return add(out, outsz, "%05d,00000,%+06d,,,,%+06d,%04d,0000,0000,"
		    "%05d,%04d,0000,0000,%05d,%03d,%d,%d,0,%d,2,1",
		    l.pv_w, (l.dis_a - l.chg_a) * l.bat_dv / 10, -l.w, l.w,
		    l.w, l.va, l.va, l.load, f->load_on, l.pv_w > 0,
		    l.chg_a > 0 ? 1 : l.dis_a > 0 ? 2 : 0);
	if (strcmp(key, "WS") == 0)
		return add(out, outsz, "0,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,"
		    "0,0");
	if (strcmp(key, "EMINFO") == 0)
		return add(out, outsz, "1,%05d,%05d,00010,00000,1", f->feed_w,
		    l.pv_w);
	if (strcmp(key, "INGS") == 0)
		return add(out, outsz, "0020,0019,0021,0002,0004,0005,3809,3809,"
		    "3810,3807,000");
	if (strcmp(key, "BMS") == 0)
		return add(out, outsz, "0522,%03d,-0000,0,0568,0568,00000,0,0455,"
		    "0500", l.cap);
	return -1;
}

static int
pi17_set(struct sim_fam *f, const char *key, const char *a)
{
	static const char flag_setters[][3] = { "PA", "PB", "PC", "", "", "PF" };

	for (int i = 0; i < 6; i++)
		if (flag_setters[i][0] != '\0' && strcmp(key, flag_setters[i]) == 0) {
			if (a[0] == '1')
				f->flags17 |= 1u << i;
			else
				f->flags17 &= ~(1u << i);
			f->changed = 1;
			return 0;
		}
	if (strcmp(key, "PE") == 0 || strcmp(key, "PD") == 0) {
		int i = a[0] - 'A';
		if (i >= 16)
			return -1;
		if (key[1] == 'E')
			f->flags17 |= 1u << i;
		else
			f->flags17 &= ~(1u << i);
	} else if (strcmp(key, "LON") == 0)
		f->load_on = a[0] == '1';
	else if (strncmp(key, "ED", 2) == 0 && key[2] >= 'A' && key[2] <= 'G') {
		if (a[0] == '1')
			f->edx |= 1u << (key[2] - 'A');
		else
			f->edx &= ~(1u << (key[2] - 'A'));
	} else if (strcmp(key, "SEP") == 0)
		f->sep = num(a, 2);
	else if (strcmp(key, "BT") == 0)
		f->li_fe = a[0] - '0';
	else if (strcmp(key, "MCHGC") == 0)
		f->chg_ma = num(a, 4);
	else if (strcmp(key, "MUCHGC") == 0)
		f->ac_chg_ma = num(a, 4);
	else if (strcmp(key, "MCHGV") == 0) {
		int cv = num(a, 4), fl = num(a + 5, 4);
		if (fl > cv)
			return -1;
		f->bulk_dv = cv;
		f->float_dv = fl;
	} else if (strcmp(key, "BDCM") == 0)
		f->dischg_a = num(a, 4);
	else if (strcmp(key, "ACCB") == 0) {
		f->accb_on = a[0] - '0';
		f->accb_dv = num(a + 2, 4);
	} else if (strcmp(key, "BATDV") == 0) {
		for (int i = 0; i < 4; i++)
			f->batdv[i] = num(a + 5 * i, 4);
	} else if (strcmp(key, "BCA") == 0) {
		f->bca_stop = num(a, 4);
		f->bca_wait = num(a + 5, 3);
		f->bca_dv = num(a + 9, 4);
	} else if (strcmp(key, "GPMP0") == 0)
		f->feed_w = num(a + 1, 5);
	else if (strcmp(key, "LST") == 0)
		f->lcd = num(a, 2);
	else if (strcmp(key, "DAT") != 0 && strcmp(key, "ACCT") != 0)
		return -1;
	f->changed = 1;
	return 0;
}

/* ---- framing ------------------------------------------------------------- */

/* "(" + payload + CRC + CR (PI16, as PI30). */
static size_t
frame_paren(const char *payload, uint8_t *out, size_t outsz)
{
	return frame_build(payload, out, outsz);
}

/* "^Dnnn" + payload + XMODEM CRC + CR (PI17 and PI18). */
static size_t
frame_caret(const char *payload, uint8_t *out, size_t outsz)
{
	size_t plen = strlen(payload), n = plen + 8;
	uint16_t crc;

	if (n > outsz || plen + 3 > 999)
		return 0;
	snprintf((char *)out, outsz, "^D%03zu%s", plen + 3, payload);
	crc = crc_xmodem(out, plen + 5);
	out[plen + 5] = (uint8_t)(crc >> 8);
	out[plen + 6] = (uint8_t)(crc & 0xff);
	out[plen + 7] = '\r';
	return n;
}

size_t
fam_nak(enum sim_proto p, uint8_t *out, size_t outsz)
{
	if (p == SIM_PI16)
		return frame_paren("NAK", out, outsz);
	if (outsz < sizeof(nak_bytes) - 1)
		return 0;
	memcpy(out, nak_bytes, sizeof(nak_bytes) - 1);
	return sizeof(nak_bytes) - 1;
}

static size_t
fam_ack_frame(uint8_t *out, size_t outsz)
{
	if (outsz < sizeof(ack_bytes) - 1)
		return 0;
	memcpy(out, ack_bytes, sizeof(ack_bytes) - 1);
	return sizeof(ack_bytes) - 1;
}

size_t
fam_reply(struct sim_inverter *inv, const char *cmd, double uptime,
    time_t wall, uint8_t *out, size_t outsz)
{
	const struct pi_proto *p = proto_find(fam_table_name(inv->proto));
	const struct pi_cmd *d;
	char payload[SIM_REPLY_MAX];
	const char *arg;
	int r;

	payload[0] = '\0';
	if (p == NULL || (d = proto_lookup(p, cmd, NULL, 0)) == NULL)
		return fam_nak(inv->proto, out, outsz);
	if (d->setter) {
		/* The argument: what follows the command's name. */
		arg = cmd + strlen(pi_str(d->name));
		r = inv->proto == SIM_PI17 ? pi17_set(&inv->fam, pi_str(d->key), arg) :
		    pi18_set(&inv->fam, pi_str(d->key), arg);
		return r == 0 ? fam_ack_frame(out, outsz) :
		    fam_nak(inv->proto, out, outsz);
	}
	if (inv->proto == SIM_PI16)
		r = pi16_query(&inv->fam, pi_str(d->key), uptime, payload, sizeof(payload));
	else if (inv->proto == SIM_PI17)
		r = pi17_query(&inv->fam, pi_str(d->key), uptime, wall, payload,
		    sizeof(payload));
	else
		r = pi18_query(&inv->fam, pi_str(d->key), uptime, payload,
		    sizeof(payload));
	if (r < 0)
		return fam_nak(inv->proto, out, outsz);
	if (inv->proto == SIM_PI17 && strcmp(pi_str(d->key), "GS") == 0)
		inv->fam.changed = 0;	/* reported once */
	return inv->proto == SIM_PI16 ? frame_paren(payload, out, outsz) :
	    frame_caret(payload, out, outsz);
}

/*
 * sim_fault.c - which fault, if any, the Nth command gets (pure).
 *
 * Commands are counted from 1 as they are received; "every N" hits commands
 * N, 2N, 3N...  When several periods hit the same command the most
 * disruptive wins: silence, echo, garbage, NAK, a truncated reply, then
 * bad CRC.
 */
#include "sim.h"

/* 1 when command n is one of every, 2*every, ... (every 0: never). */
static int
hits(unsigned long every, unsigned long n)
{
	return every != 0 && n % every == 0;
}

/* The action for command n (1-based); SIM_ACT_REPLY when no fault hits. */
enum sim_action
fault_action(const struct sim_faults *f, unsigned long n)
{
	if (hits(f->silent_every, n))
		return SIM_ACT_SILENT;
	if (hits(f->echo_every, n))
		return SIM_ACT_ECHO;
	if (hits(f->garbage_every, n))
		return SIM_ACT_GARBAGE;
	if (hits(f->nak_every, n))
		return SIM_ACT_NAK;
	if (hits(f->truncate_every, n))
		return SIM_ACT_TRUNCATE;
	if (hits(f->badcrc_every, n))
		return SIM_ACT_BADCRC;
	return SIM_ACT_REPLY;
}

/* 1 when the device should disappear once command n has been handled. */
int
fault_vanish_now(const struct sim_faults *f, unsigned long n)
{
	return f->vanish_after != 0 && n >= f->vanish_after;
}

/* xorshift32 step; *state must not be 0 (a 0 state is reseeded). */
uint32_t
fault_rand(uint32_t *state)
{
	uint32_t x = *state ? *state : 0x9e3779b9u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}

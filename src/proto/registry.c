/*
 * registry.c - the protocol families mppd knows: one line each.
 *
 * Adding a family = its module (proto_<family>.c, a struct proto_family),
 * its generated tables (whose protocols point at that struct), the
 * declaration of its protocol list in family.h, and one line here.
 */
#include <stddef.h>

#include "bms.h"
#include "family.h"
#include "proto.h"
#include "proto_pi1x.h"
#include "proto_pi30.h"

const struct pi_proto *const *const proto_registry[] = {
	pi30_protocols,		/* PI30, PI30MAX, ... PI30REVO: proto_pi30.c */
	pi16_protocols,		/* PI16: proto_pi16.c */
	pi17_protocols,		/* PI17, PI17INFINI, PI17M058: proto_pi17.c */
	pi18_protocols,		/* PI18, PI18SV, PI18LVX: proto_pi18.c */
	daly_protocols,		/* DALY, DALY40: proto_daly.c */
	jk_protocols,		/* JK232, JK485, JKSERIAL, JK02...: proto_jk.c */
	ved_protocols,		/* VED: proto_ved.c */
	NULL
};

/* The table sets, by enum proto_set (the references of proto.h). */
const struct proto_tables *const proto_tables[PROTO_NSETS] = {
	[PROTO_SET_PI30] = &pi30_tables,
	[PROTO_SET_PI16] = &pi16_tables,
	[PROTO_SET_PI17] = &pi17_tables,
	[PROTO_SET_PI18] = &pi18_tables,
	[PROTO_SET_BMS] = &bms_tables,
};

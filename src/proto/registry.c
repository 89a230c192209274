/*
 * registry.c - the protocol families mppd knows: one line each.
 *
 * Adding a family = its module (proto_<family>.c, a struct proto_family),
 * its generated tables (whose protocols point at that struct), the
 * declaration of its protocol list in family.h, and one line here.
 */
#include <stddef.h>

#include "family.h"
#include "proto.h"

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

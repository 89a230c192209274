/*
 * registry.c - every protocol mppd knows, in the order -P help lists them.
 * A protocol's table lives in its family's generated *_tables.c.
 */
#include "proto.h"

extern const struct pi_proto pi_proto_pi30, pi_proto_pi30max,
    pi_proto_pi30m045, pi_proto_pi30m044, pi_proto_pi30mst, pi_proto_pi41,
    pi_proto_pi30revo, pi_proto_pi16, pi_proto_pi17, pi_proto_pi17infini,
    pi_proto_pi17m058, pi_proto_pi18, pi_proto_pi18sv, pi_proto_pi18lvx;

const struct pi_proto *const pi_protocols[] = {
	&pi_proto_pi30, &pi_proto_pi30max, &pi_proto_pi30m045,
	&pi_proto_pi30m044, &pi_proto_pi30mst, &pi_proto_pi41,
	&pi_proto_pi30revo,
	&pi_proto_pi16,
	&pi_proto_pi17, &pi_proto_pi17infini, &pi_proto_pi17m058,
	&pi_proto_pi18, &pi_proto_pi18sv, &pi_proto_pi18lvx,
};
const int pi_nprotocols = (int)(sizeof(pi_protocols) / sizeof(pi_protocols[0]));

/*
 * proto_pi30.h - the PI30 family (proto_pi30.c) as its tables see it.
 */
#ifndef MPPD_PROTO_PI30_H
#define MPPD_PROTO_PI30_H

#include "family.h"
#include "proto.h"

/* struct pi_proto.variant of the PI30 family. */
enum pi30_variant {
	PI30_PLAIN = 0,		/* "(...", CRC-16/XMODEM + CR both ways */
	PI30_REVO		/* PSET requests and replies may use the CHK byte */
};

extern const struct proto_tables pi30_tables;	/* pi30_tables.c */
extern const struct proto_family pi30_family;

#endif

/*
 * proto_pi1x.h - the PI16, PI17 and PI18 families (proto_pi16.c,
 * proto_pi17.c, proto_pi18.c) as their tables see them, and the "^D"
 * reply framing PI17 and PI18 share (proto_caret.c).  docs/protocols.md
 * describes the framing.
 */
#ifndef MPPD_PROTO_PI1X_H
#define MPPD_PROTO_PI1X_H

#include <stddef.h>
#include <stdint.h>

#include "family.h"
#include "proto.h"

/*
 * A command of these families: the common definition first (so a
 * struct pi_cmd pointer from the tables is also one to this), then the
 * request details the reference keeps per command.
 */
struct pi1x_cmd {
	struct pi_cmd	 c;
	pi_ref		 prefix;	/* PI18: "^P005", "^S007"; 0 elsewhere */
	int		 flags;		/* PI1X_* */
};

#define PI1X_QUERYEN	0x01	/* PI17: query with a 3-digit sum */
#define PI1X_NOCRC	0x02	/* PI18: this command has no CRC */
#define PI1X_CRC	0x04	/* PI18: CRC even when the protocol has none */
#define PI1X_CHECKSUM	0x08	/* PI16: 3-digit sum before the CR */

/* The family part of a definition of these families (defn not NULL). */
#define PI1X_CMD(defn)	((const struct pi1x_cmd *)(const void *)(defn))

/* struct pi_proto.variant of the PI18 family. */
enum pi18_variant {
	PI18_CRC = 0,		/* requests carry a CRC (PI18, PI18SV) */
	PI18_NOCRC		/* requests carry none (PI18LVX) */
};

extern const struct proto_tables pi16_tables, pi17_tables, pi18_tables;
extern const struct proto_family pi16_family;
extern const struct proto_family pi17_family;
extern const struct proto_family pi18_family;

/* The byte sum of s modulo 256 as three digits (PI16, PI17 requests). */
void	pi1x_sum3(const void *s, size_t n, char out[4]);

/*
 * proto_caret.c: "^D" + 3-digit length + fields + 2 CRC bytes + CR, and
 * the acknowledgements "^1" / "^0" + CRC + CR.
 */

/* Frame rule: the length prefix, "^0"/"^1" frames, else the first CR. */
int	caret_frame_len(const struct pi_proto *p, const uint8_t *buf,
	    size_t len);
/*
 * The reference's get_responses: fields separated by commas (and spaces
 * when spaces_too), "^Dnnn" dropped from the first and CRC + CR from the
 * last; an acknowledgement becomes the single field "ACK" or "NAK"; an
 * empty reply the single field "No response" when empty_field.
 */
void	caret_fields(const uint8_t *s, size_t n, int spaces_too,
	    int empty_field, struct proto_reply *out);
/* ^1 / ^0 (exact frames, as the reference compares them). */
enum proto_ack caret_ack(const struct pi_proto *p, const uint8_t *reply,
	    size_t len);

#endif

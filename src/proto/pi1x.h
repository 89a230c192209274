/*
 * pi1x.h - framing of the PI16, PI17 and PI18 families (docs/protocols.md):
 * request bytes, the reply's validity check and its split into fields.
 * Pure functions over the static tables; any thread.
 */
#ifndef MPPD_PI1X_H
#define MPPD_PI1X_H

#include <stddef.h>
#include <stdint.h>

struct pi_proto;
struct pi_cmd;

/* One field of a reply: bytes inside the reply, or a literal ("ACK"). */
struct pi_span {
	const uint8_t	*p;
	size_t		 n;
};

/*
 * Request bytes of cmd (whose definition is defn, never NULL) for a
 * PI16/PI17/PI18 protocol.  Returns the length, or -1 with err set when
 * buf is too small.
 */
int	pi1x_frame(const struct pi_proto *p, const struct pi_cmd *defn,
	    const char *cmd, uint8_t *buf, size_t cap, char *err, size_t errlen);

/* The reference's validity check: NULL when valid, else its error text. */
const char *pi1x_validate(const struct pi_proto *p, const uint8_t *s, size_t n);

/*
 * The reference's get_responses: the fields of reply s.  *out is a new
 * array (free it) of the returned number of spans.
 */
int	pi1x_split(const struct pi_proto *p, const uint8_t *s, size_t n,
	    struct pi_span **out);

/*
 * Length of the complete PI17/PI18 reply at the start of buf: "^Dnnn" then
 * nnn bytes (CRC and CR included), "^0"/"^1" + CRC + CR, else up to the
 * first CR.  0 when more bytes are needed.
 */
int	pi1x_frame_len(const uint8_t *buf, size_t len);

#endif

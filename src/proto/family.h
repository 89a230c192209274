/*
 * family.h - the interface a protocol family implements.
 *
 * A family is one way of talking to a kind of device: how a request is
 * framed, when a reply frame is complete, how a reply is checked and cut
 * into fields, and how the fields become a result.  Each family lives in
 * its own file (proto_pi30.c, ...) with generated tables (pi30_tables.c);
 * the tables name their family in every struct pi_proto, and the family is
 * registered with one line in registry.c.  Nothing else in the tree changes
 * when a family is added: callers use the entry points of proto.h, which
 * dispatch through the protocol's family.  docs/protocols.md describes the
 * interface and the PI30 rules.
 *
 * Every hook is a pure function of its arguments and the static tables, so
 * any thread may call it once proto_init() has run.  Hooks marked optional
 * may be NULL; proto.c then applies the default named there.
 *
 * How the kinds of device fit:
 *
 *   Text request/reply (PI30, PI16, PI17, PI18): build frames the command
 *   text with its checksum and terminator; frame_len finds the CR; split
 *   checks length, CRC and NAK and cuts the payload into tokens (space or
 *   comma separated); decode is proto_table_decode() over the tokens.
 *   Setters answer an acknowledgement read by ack ("(ACK"/"(NAK" in PI30,
 *   "^1"/"^0" in PI17/PI18).
 *
 *   Binary fixed-layout frames (JK, Daly): build writes start bytes,
 *   address, command code, length, data and checksum.  frame_len reads the
 *   start bytes and the length field of ONE frame (returns -1 when the
 *   start bytes are wrong, 0 until the length field and then all its bytes
 *   are in).  A reply that spans several frames (Daly's cell voltages, one
 *   frame per three cells) is described by shape.frames: the reader asks
 *   frame_len frame after frame until that many are in (PROTO_FRAMES_ANY:
 *   until the device falls quiet) and passes the concatenation to split,
 *   which walks it with the same frame rule, checks each checksum, and
 *   emits one token per frame payload (or per fixed-width field); decode
 *   reads the row layout (byte offsets and widths) from the tables.
 *
 *   Streamed text (Victron VE.Direct): the device sends "Label<TAB>Value"
 *   lines without being asked; a block ends with a "Checksum<TAB>x" line
 *   and is valid when all its bytes sum to 0 modulo 256.  build returns 0
 *   bytes for the streamed "command" (nothing is written, shape.streamed is
 *   set) and frame_len returns the length of one whole block, through the
 *   line after the Checksum label.  split verifies the sum and yields one
 *   token per line; decode keys rows by label instead of position.  The
 *   HEX protocol (":7..." lines ending in LF, a checksum byte making the
 *   sum 0x55) is an ordinary request/reply pair: build writes the line,
 *   frame_len finds ':' ... LF (skipping streamed text in between).
 */
#ifndef MPPD_FAMILY_H
#define MPPD_FAMILY_H

#include <stddef.h>
#include <stdint.h>

struct pi_proto;
struct pi_cmd;
struct result;

/* One field of a reply payload, pointing into the reply bytes. */
struct proto_tok {
	const uint8_t	*p;
	size_t		 n;
	int		 pad;	/* the reference's "extra" padding marker */
};

/*
 * A reply after split: either bad (the reference's "validity check" text,
 * e.g. "Error: NAK"), or the payload without framing and its tokens.  The
 * token array is heap memory owned by the reply: proto_reply_free().
 */
struct proto_reply {
	const char		*bad;	/* NULL when valid; static text */
	const uint8_t		*body;	/* payload, points into the reply */
	size_t			 blen;
	struct proto_tok	*tok;
	int			 ntok;
	char			*bad_own;	/* heap text bad points at, or NULL */
	uint8_t			*own;	/* heap copy body points into, or NULL */
};

/* What a setter's reply says. */
enum proto_ack {
	PROTO_ACK_NONE = 0,	/* not an acknowledgement (data, garbage) */
	PROTO_ACK_YES,		/* accepted: "(ACK", "^1" */
	PROTO_ACK_NO		/* refused: "(NAK", "^0" */
};

/* The kind of reply a command expects. */
enum proto_shape_kind {
	PROTO_SHAPE_ANY = 0,	/* nothing known: any valid frame fits */
	PROTO_SHAPE_ACK,	/* a setter: an acknowledgement, nothing else */
	PROTO_SHAPE_FIELDS,	/* delimited fields (space, comma, lines) */
	PROTO_SHAPE_BINARY	/* fixed-layout binary payload */
};

#define PROTO_FRAMES_ANY	0	/* as many frames as arrive */

/* Fields whose form a shape describes (the first ones of a reply). */
#define PROTO_SHAPE_FORMS	64

/*
 * The expected shape of a command's reply, so that a reply of another
 * command (a late answer after a timeout) can be told apart: proto_fits()
 * checks a reply against it.  Counts come from what the table defines and
 * from the sample replies of real devices the table carries; devices may
 * send a few fields more than the table knows (they decode as "Unknown
 * value in response N") or omit trailing ones, so the bounds leave room
 * for both.  The forms say, for the first PROTO_SHAPE_FORMS fields, which
 * must be a number with a decimal point ("230.0") and which a number
 * without one ("0500") in every sample: a reply of another command has
 * its numbers elsewhere.
 */
struct proto_shape {
	enum proto_shape_kind	 kind;
	int			 fields;	/* FIELDS: fields the table defines */
	int			 min_fields;	/* FIELDS: fewer cannot be this reply */
	int			 max_fields;	/* FIELDS: more cannot be; 0 no limit */
	uint64_t		 dotted;	/* FIELDS: bit i: field i has a '.' */
	uint64_t		 plain;		/* FIELDS: bit i: field i is digits only */
	size_t			 bytes;		/* BINARY: payload bytes, 0 variable */
	int			 code;		/* BINARY: command byte echoed, -1 none */
	int			 frames;	/* frames in one reply (1 usually) */
	int			 streamed;	/* nothing is written: the device talks */
};

struct proto_family {
	const char	*name;		/* "PI30" */

	/*
	 * Writes the request for the command text cmd into buf: framing,
	 * checksum, terminator.  cmd may be a raw command without a
	 * definition; a family that needs the table entry (a binary command
	 * code) resolves it with proto_lookup().  Returns the byte count (0:
	 * nothing to write, a streamed protocol), or -1 with err set (buf
	 * too small, unknown command, unrepresentable checksum).
	 */
	int	(*build)(const struct pi_proto *p, const char *cmd, uint8_t *buf,
		    size_t cap, char *err, size_t errlen);

	/*
	 * The port's frame rule (the contract of struct port_opts): length
	 * of the complete frame at the start of buf (> 0), 0 when more bytes
	 * are needed, -1 when these bytes can never become a valid frame.
	 * Optional: NULL means complete at the first CR, inclusive.
	 */
	int	(*frame_len)(const struct pi_proto *p, const uint8_t *buf,
		    size_t len);

	/*
	 * Validates reply bytes (length, checksum, NAK) and cuts the payload
	 * into tokens.  Returns 0 valid, 1 invalid (out->bad set, no
	 * tokens), or -1 for an error the reference raises as an exception
	 * (err set; the result becomes "Failed to decode response ...").
	 */
	int	(*split)(const struct pi_proto *p, const uint8_t *reply,
		    size_t len, struct proto_reply *out, char *err,
		    size_t errlen);

	/*
	 * Adds the decoded fields of a valid reply to r, following defn's
	 * rows; cv is the argument the command pattern captured ("" when
	 * none).  0, or -1 with err set (the reference's exception text).
	 * Optional: NULL means proto_table_decode().
	 */
	int	(*decode)(const struct pi_proto *p, const struct pi_cmd *defn,
		    const char *cmd, const char *cv,
		    const struct proto_reply *rep, struct result *r, char *err,
		    size_t errlen);

	/*
	 * Judges a command text: the definition it resolves to and whether
	 * its argument is acceptable, copying the captured argument to cv.
	 * NULL when it is not a command of p or its argument is refused.
	 * Optional: NULL means proto_table_judge() (the table's patterns,
	 * Python re.match rules).
	 */
	const struct pi_cmd *(*judge)(const struct pi_proto *p,
		    const char *cmd, char *cv, size_t cvlen);

	/* Reads a setter's acknowledgement from raw reply bytes. */
	enum proto_ack (*ack)(const struct pi_proto *p, const uint8_t *reply,
		    size_t len);

	/* Describes the reply defn expects (defn never NULL). */
	void	(*shape)(const struct pi_proto *p, const struct pi_cmd *defn,
		    struct proto_shape *out);

	/*
	 * A streamed frame's own check (VE.Direct: all bytes of a text block
	 * sum to 0 modulo 256): 1 good, 0 bad.  Optional: NULL means every
	 * frame is good.  The reference checks nothing when it decodes, so
	 * split does not either; the stream reader drops a bad frame.
	 */
	int	(*stream_ok)(const struct pi_proto *p, const uint8_t *buf,
		    size_t len);

	/*
	 * 1 when a frame is one the device sent unasked (VE.Direct: a text
	 * block, whatever bytes its values or checksum hold), 0 when it is
	 * a reply to a request.  Optional: NULL means every frame is a
	 * reply.
	 */
	int	(*stream_frame)(const struct pi_proto *p, const uint8_t *buf,
		    size_t len);
};

/*
 * The registry (registry.c): one line per family, naming its protocol list
 * (NULL-terminated, from its generated tables; each protocol points at its
 * family).  Declare a new family's list next to these.
 */
extern const struct pi_proto *const *const proto_registry[];
extern const struct pi_proto *const pi30_protocols[];	/* pi30_tables.c */
extern const struct pi_proto *const pi16_protocols[];	/* pi16_tables.c */
extern const struct pi_proto *const pi17_protocols[];	/* pi17_tables.c */
extern const struct pi_proto *const pi18_protocols[];	/* pi18_tables.c */
extern const struct pi_proto *const daly_protocols[];	/* bms_tables.c */
extern const struct pi_proto *const jk_protocols[];	/* bms_tables.c */
extern const struct pi_proto *const ved_protocols[];	/* bms_tables.c */

/* Shared helpers for families (proto.c, decode.c). */

/* The form of a field (struct proto_shape): a number with or without '.'. */
enum proto_form {
	PROTO_FORM_OTHER = 0,	/* text, flags with letters, empty */
	PROTO_FORM_DOTTED,	/* digits with one '.': "230.0" */
	PROTO_FORM_PLAIN	/* digits only: "0500" */
};
enum proto_form proto_tok_form(const struct proto_tok *t);

/* Releases the tokens and owned copies of a reply (the reply itself is
 * caller memory). */
void	proto_reply_free(struct proto_reply *rep);

/* Cuts b[0..n) at every byte sep into rep->tok (n == 0 gives one empty token). */
void	proto_tokenize(struct proto_reply *rep, const uint8_t *b, size_t n,
	    uint8_t sep);

/*
 * The table shape of the text families (their shape hook): a setter
 * expects an acknowledgement; a query's field count comes from its rows
 * and the sample replies the table carries, with room for a few fields
 * fewer or more, and the number forms every sample agrees on (proto.c
 * says how the bounds are chosen).  A command without rows: any reply.
 */
void	proto_table_shape(const struct pi_proto *p, const struct pi_cmd *defn,
	    struct proto_shape *out);

/* The table judge: exact key first, then patterns in table order. */
const struct pi_cmd *proto_table_judge(const struct pi_proto *p,
	    const char *cmd, char *cv, size_t cvlen);

/*
 * The table decoder of the text families (decode.c): DEFAULT, SEQUENTIAL
 * and INDEXED rows over rep's tokens, exactly as the reference decodes.
 */
int	proto_table_decode(const struct pi_proto *p, const struct pi_cmd *defn,
	    const char *cmd, const char *cv, const struct proto_reply *rep,
	    struct result *r, char *err, size_t errlen);

#endif

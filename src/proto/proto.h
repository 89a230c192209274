/*
 * proto.h - protocol definitions as tables, the registry of protocols, and
 * the entry points callers use (lookup, request, frame rule, decode,
 * acknowledgement, reply shape).
 *
 * A command is a row (struct pi_cmd): name, description, argument pattern,
 * response rows.  Each protocol has its own independent table (the reference
 * mutates one shared table; we do not).  Tables are static const data,
 * generated per family (pi30_tables.c); every protocol names its family
 * (family.h), and the entry points below dispatch through it.  Everything
 * here may be called from any thread once proto_init() has run.
 * docs/protocols.md describes the framing and decoding rules.
 */
#ifndef MPPD_PROTO_H
#define MPPD_PROTO_H

#include <stddef.h>
#include <stdint.h>

struct result;
struct sbuf;
struct proto_family;
struct proto_shape;
struct result_kv;

enum pi_rtype { RT_DEFAULT = 0, RT_SEQUENTIAL, RT_INDEXED };

/*
 * How a response row decodes: the type of the reference's definition,
 * parsed when the tables are generated (tools/gen_pi30_tables.py).  The
 * same kind reads differently in DEFAULT and positional replies, as in the
 * reference (decode.c).
 */
enum pi_kind {
	PK_STRING = 0,	/* "string" */
	PK_FLOAT,	/* "float" */
	PK_INT,		/* "int" */
	PK_10INT,	/* "10int": float / 10 */
	PK_OPTION,	/* "option": index into list */
	PK_HEX_OPTION,	/* "hex_option": byte value indexes list */
	PK_KEYED,	/* "keyed": map lookup */
	PK_STR_KEYED,	/* "str_keyed": map lookup of the text */
	PK_FLAGS,	/* "flags": one 0/1 digit per list name */
	PK_STAT_FLAGS,	/* "stat_flags": one character per list name */
	PK_ENFLAGS,	/* "enflags": E/D then letters named by map */
	PK_MULTI,	/* "multi": one sub-row per character */
	PK_ACK,		/* "ack": map lookup of an acknowledgement */
	PK_LOOP,	/* "loop": a None value */
	PK_EXCLUDE,	/* "exclude", "discard": dropped */
	PK_BYTES_DECODE,/* "bytes.decode": UTF-8 text or 0 */
	PK_BYTES,	/* "bytes": raw bytes (followed by r.decode()) */
	PK_STR,		/* "str": text (the reference: a bytes repr) */
	PK_INFO		/* "info:...": a value from the command argument */
};

/* The expression after the colon of a "type:expression" row. */
enum pi_expr {
	PX_NONE = 0,
	PX_DIV10,	/* r/10 */
	PX_LENPREFIX,	/* r[2:int(r[0:2])+2] */
	PX_DECODE,	/* r.decode() */
	PX_STRPTIME,	/* datetime.strptime(r, '%Y%m%d%H%M%S').strftime(...) */
	PX_CV,		/* info:cv */
	PX_CV_HEAD4,	/* info:cv[:4] */
	PX_CV_FROM6,	/* info:cv[6:] */
	PX_MONTH_4_6,	/* info:calendar.month_name[int(cv[4:6])] */
	PX_MONTH_4,	/* info:calendar.month_name[int(cv[4:])] */
	PX_DIV100,	/* r/100 (PI17) */
	PX_MUL30,	/* r*30 (PI17) */
	PX_SAME,	/* r (PI17) */
	PX_FROM6,	/* r[6:] (PI16) */
	PX_FROM7	/* r[7:] (PI16) */
};

/*
 * The tables hold no pointers: a position-independent executable would
 * have the loader write every pointer at start, making all the tables
 * private dirty memory in every process.  A table refers to a string or a
 * run of entries by a pi_ref instead: the table set (one per generated
 * file, enum proto_set) in the top 8 bits, the offset into that set's
 * string pool or the index into its array below.  0 is no reference
 * (NULL).  The accessors below turn references into pointers.
 */
typedef uint32_t pi_ref;

#define PI_REF(set, i)	((pi_ref)(((uint32_t)(set) << 24) | (uint32_t)(i)))
#define PI_REF_SET(r)	((unsigned)((r) >> 24))
#define PI_REF_IDX(r)	((size_t)((r) & 0xffffffu))

struct pi_kv {
	pi_ref		 key;	/* string */
	pi_ref		 val;	/* string */
};

/* One response row; unused members are 0. */
struct pi_row {
	pi_ref			 type;	/* source text: "float:r/10" (messages only) */
	enum pi_kind		 kind;	/* what the decoder reads */
	enum pi_expr		 expr;
	pi_ref			 name;
	pi_ref			 unit;	/* "" when none */
	pi_ref			 list;	/* option names or flag names (pi_list) */
	int			 nlist;
	pi_ref			 map;	/* keyed, str_keyed, ack, enflags (letter -> name) */
	int			 nmap;
	pi_ref			 extra;	/* extra dict, string values */
	int			 nextra;
	pi_ref			 sub;	/* "multi": one sub-row per character */
	int			 nsub;
};

struct pi_bytes {
	pi_ref		 data;	/* in the string pool; may hold NULs */
	uint32_t	 len;
};

struct pi_cmd {
	pi_ref			 key;	/* table key: "QPIGS", "_PSET" */
	pi_ref			 name;	/* definition name: result key of setters */
	pi_ref			 desc;
	pi_ref			 help;	/* may be 0 */
	int			 setter;
	enum pi_rtype		 rtype;
	pi_ref			 regex;	/* argument pattern (Python re syntax), or 0 */
	pi_ref			 crctype; /* informational, may be 0 */
	pi_ref			 rows;	/* struct pi_row run */
	int			 nrows;
	pi_ref			 canned; /* test port replies (struct pi_bytes run) */
	int			 ncanned;
};

/* What one generated table file holds, reached through proto_tables[]. */
struct proto_tables {
	const char		*strs;	/* every string, NUL-terminated */
	const struct pi_row	*rows;
	const struct pi_kv	*kvs;
	size_t			 nkvs;
	const pi_ref		*lists;	/* runs of strings */
	const struct pi_bytes	*bytes;
	const void		*cmds;	/* commands: struct pi_cmd or a family's
					 * struct beginning with one */
	size_t			 cmd_size;
	const void		*xrows;	/* a family's own rows (struct bms_row) */
};

/* The table sets (the generated files), registry.c; 0 is none. */
enum proto_set {
	PROTO_SET_PI30 = 1,	/* pi30_tables.c */
	PROTO_SET_PI16,		/* pi16_tables.c */
	PROTO_SET_PI17,		/* pi17_tables.c */
	PROTO_SET_PI18,		/* pi18_tables.c */
	PROTO_SET_BMS,		/* bms_tables.c */
	PROTO_NSETS
};

extern const struct proto_tables *const proto_tables[PROTO_NSETS];

struct pi_proto {
	const char		*id;		/* "PI30MAX" */
	const char		*banner;
	const struct proto_family *family;	/* family.h */
	int			 variant;	/* family-specific (PI30: PI30_REVO) */
	const char		*default_cmd;
	const char *const	*status_cmds;	/* NULL-terminated */
	const char *const	*settings_cmds;	/* NULL-terminated */
	const pi_ref		*cmds;		/* commands (proto_cmd) */
	int			 ncmds;
};

/* The string r refers to; NULL for 0. */
static inline const char *
pi_str(pi_ref r)
{
	return r == 0 ? NULL : proto_tables[PI_REF_SET(r)]->strs + PI_REF_IDX(r);
}

/* Entry i of the run of rows, pairs, strings or byte strings r refers to. */
static inline const struct pi_row *
pi_row_at(pi_ref r, int i)
{
	return &proto_tables[PI_REF_SET(r)]->rows[PI_REF_IDX(r) + (size_t)i];
}

static inline const struct pi_kv *
pi_kv_at(pi_ref r, int i)
{
	return &proto_tables[PI_REF_SET(r)]->kvs[PI_REF_IDX(r) + (size_t)i];
}

static inline const char *
pi_list_at(pi_ref r, int i)
{
	return pi_str(proto_tables[PI_REF_SET(r)]->lists[PI_REF_IDX(r) + (size_t)i]);
}

static inline const struct pi_bytes *
pi_bytes_at(pi_ref r, int i)
{
	return &proto_tables[PI_REF_SET(r)]->bytes[PI_REF_IDX(r) + (size_t)i];
}

/* Row i of a command (i < c->nrows). */
static inline const struct pi_row *
pi_cmd_row(const struct pi_cmd *c, int i)
{
	return pi_row_at(c->rows, i);
}

/* Sample reply k of a command (k < c->ncanned). */
static inline const struct pi_bytes *
pi_cmd_canned(const struct pi_cmd *c, int k)
{
	return pi_bytes_at(c->canned, k);
}

/*
 * The pairs of the run r refers to as pointers, for a result's extra dict
 * (struct result_kv, result.h): made once per table set on first use;
 * any thread.
 */
const struct result_kv *proto_extra(pi_ref r);

/* Command i of p (i < p->ncmds). */
static inline const struct pi_cmd *
proto_cmd(const struct pi_proto *p, int i)
{
	pi_ref r = p->cmds[i];
	const struct proto_tables *t = proto_tables[PI_REF_SET(r)];

	return (const struct pi_cmd *)(const void *)((const char *)t->cmds +
	    t->cmd_size * PI_REF_IDX(r));
}

/*
 * Every registered protocol in registration order (registry.c), filled by
 * proto_init(); read-only afterwards.
 */
extern const struct pi_proto *pi_protocols[];
extern int pi_nprotocols;

/*
 * Collects the registered protocols; call once at start-up, before any
 * thread starts.  0 or -1.  Argument patterns are compiled per protocol
 * when first needed (proto_compile).
 */
int	proto_init(void);

/*
 * Compiles p's argument patterns unless already done: 0, or -1 when one
 * does not compile (logged; p then matches no command with an argument).
 * proto_lookup() calls it; any thread may, concurrently.
 */
int	proto_compile(const struct pi_proto *p);

/* Protocol by id, case-insensitive ("pi30max"); NULL when unknown. */
const struct pi_proto *proto_find(const char *id);

/*
 * The definition a command text resolves to, judged by the protocol's
 * family; for table families as the reference's get_command_defn: exact
 * key without a pattern, else the first pattern (Python re.match semantics)
 * in table order.  On a pattern match the first group is copied to cv
 * (cvlen bytes, NUL-terminated) when cv is non-NULL.  NULL when no
 * definition matches (not a command, or its argument is refused).
 */
const struct pi_cmd *proto_lookup(const struct pi_proto *p, const char *cmd,
	    char *cv, size_t cvlen);

/*
 * Builds the request bytes for cmd with the family's framing (PI30: text +
 * CRC + CR; REVO "PSET..." text + CHK byte).  Returns the length (0: a
 * streamed protocol writes nothing), or -1 when buf is too small or the
 * checksum cannot be represented (the reference raises there); err then
 * explains.
 */
int	proto_frame(const struct pi_proto *p, const char *cmd, uint8_t *buf,
	    size_t cap, char *err, size_t errlen);

/*
 * The port's frame rule for p (port_opts.frame_len): length of the complete
 * frame at the start of buf, 0 when more bytes are needed, -1 when the
 * bytes can never become a frame.  Families without a rule of their own
 * complete a frame at the first CR, inclusive.
 */
int	proto_frame_len(const struct pi_proto *p, const uint8_t *buf, size_t len);

/*
 * Decodes reply bytes as the answer to cmd into r (which must be empty),
 * exactly as the reference's decode(): _command, _command_description,
 * validity check or raw_response and the fields.  Never fails: problems
 * become the reference's entries (validity check, ERROR).
 */
void	proto_decode(const struct pi_proto *p, const char *cmd,
	    const uint8_t *reply, size_t len, struct result *r);

/*
 * Whether a frame of a streamed protocol is intact (VE.Direct's block
 * checksum): 1 good, 0 bad (family.h stream_ok; 1 without a check).
 */
int	proto_stream_ok(const struct pi_proto *p, const uint8_t *buf,
	    size_t len);

/* 1 when buf is a frame the device sent unasked (family.h stream_frame). */
int	proto_stream_frame(const struct pi_proto *p, const uint8_t *buf,
	    size_t len);

/* What a setter's reply bytes say (enum proto_ack of family.h). */
int	proto_ack(const struct pi_proto *p, const uint8_t *reply, size_t len);

/*
 * The reply shape cmd expects (family.h); -1 when cmd is not a command of
 * p (out then describes PROTO_SHAPE_ANY).
 */
int	proto_shape(const struct pi_proto *p, const char *cmd,
	    struct proto_shape *out);

/*
 * Whether reply bytes can be the answer to cmd, by the shape cmd expects:
 * 1 when they fit, and also when they are no valid frame at all (the
 * decoder reports that: NAK, bad CRC, too short) or nothing is known of
 * cmd's reply, or they are a refusal ("^0": an answer to any command);
 * 0 when they are a valid reply of another kind (data to a setter, an
 * acknowledgement to a query) or of another size or form (another
 * command's reply), with why saying what was expected and found.
 */
int	proto_fits(const struct pi_proto *p, const char *cmd,
	    const uint8_t *reply, size_t len, char *why, size_t whylen);

#endif

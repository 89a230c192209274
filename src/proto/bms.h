/*
 * bms.h - the battery monitor families (Daly, JK, Victron VE.Direct): their
 * table format and the shared binary/keyed decoder (bms_decode.c).
 *
 * A command is a struct bms_cmd: the common struct pi_cmd (name, pattern,
 * canned replies) followed by the request details (command code) and the
 * reply layout.  Rows are the reference's: a conversion (BigHex2Short...)
 * over a number of bytes, an optional template applied to the value
 * (r/10, (r-30000)/10...), a name (for multi-frame replies a name with the
 * frame number: "Cell %02d Voltage" of mul * frame + add) and a unit.  The
 * generator (tools/gen_bms_tables.py) parses the reference's type strings
 * into these enums and stops on one the decoder does not know.  Tables are
 * static const data; every function here is pure (any thread).
 * docs/protocols.md describes the families.
 */
#ifndef MPPD_BMS_H
#define MPPD_BMS_H

#include <stddef.h>
#include <stdint.h>

#include "family.h"
#include "proto.h"

/* The conversion of a row (the reference's helper functions). */
enum bms_fn {
	BF_DISCARD = 0,		/* "discard", "exclude": dropped */
	BF_HEX2STR,		/* hex digits of the bytes: "0a1b" */
	BF_HEX2INT,		/* the first byte */
	BF_HEX2ASCII,		/* the bytes as characters, NULs skipped */
	BF_BIG_SHORT,		/* signed 16 bit, big endian (0 unless 2 bytes) */
	BF_BIG_UINT,		/* unsigned 32 bit, big endian ("BigHex2Float") */
	BF_LITTLE_SHORT,	/* signed 16 bit, little endian */
	BF_LITTLE_FLOAT,	/* IEEE single, little endian */
	BF_LITTLE_UINT,		/* unsigned 32 bit, little endian */
	BF_LITTLE_INT,		/* signed 32 bit, little endian */
	BF_UPTIME,		/* seconds (little endian) as "1D2H3M4S" */
	BF_HEX_OPTION,		/* first byte indexes the list */
	BF_KEYED,		/* hex digits looked up in the map */
	BF_ACK,			/* text looked up in the map (None when absent) */
	BF_STR_KEYED,		/* text looked up in the map */
	BF_FLOAT,		/* float(text) */
	BF_BYTES,		/* the bytes (then r.decode()) */
	BF_LOOKUP		/* value of another entry (lookup_fmt % entry) */
};

/* The template applied to the converted value r. */
enum bms_tx {
	BT_NONE = 0,
	BT_DIV10, BT_DIV100, BT_DIV1000,	/* r/10 ... (float) */
	BT_SUB30000_DIV10,			/* (r-30000)/10 */
	BT_SUB40,				/* r-40 */
	BT_SUB2731_DIV10,			/* (r-2731)/10 */
	BT_DIV3,				/* r/3 */
	BT_JK_CURRENT,	/* (r&0x7FFF)/100*(((r&0x8000)>>15)*2-1) */
	BT_ADD1,				/* r+1 */
	BT_MUL100,				/* r*100 */
	BT_DECODE				/* r.decode() */
};

/* How a reply is laid out (the reference's response_type). */
enum bms_rtype {
	BR_POSITIONAL = 0,	/* fields one after the other, sizes from rows */
	BR_MULTIFRAME,		/* frames of frame_size bytes, rows per frame */
	BR_KEYED,		/* "Label<TAB>Value" lines, rows by label */
	BR_BLE_SETTER		/* one acknowledgement row */
};

struct bms_row {
	pi_ref			 type;	/* source text (messages only) */
	enum bms_fn		 fn;
	enum bms_tx		 tx;
	int			 size;	/* bytes (positional) */
	pi_ref			 name;	/* a printf format when nfmt */
	int			 nfmt;	/* name holds %02d of fmul * frame + fadd */
	int			 fmul, fadd;
	pi_ref			 unit;
	pi_ref			 key;	/* KEYED: the label */
	pi_ref			 lookup_fmt;	/* BF_LOOKUP: "Voltage Cell%02d" */
	pi_ref			 lookup_key;	/* BF_LOOKUP: "Highest Cell" */
	pi_ref			 list;	/* hex_option names (pi_list_at) */
	int			 nlist;
	pi_ref			 map;	/* keyed, ack, str_keyed (pi_kv_at) */
	int			 nmap;
};

/* Strings and rows are references into the tables (proto.h, pi_ref). */
struct bms_cmd {
	struct pi_cmd		 base;
	enum bms_rtype		 rtype;
	pi_ref			 type;		/* "QUERY", "SETTER", "VEDTEXT"... */
	pi_ref			 code;		/* command code as hex text, or 0 */
	int			 frame_size;	/* BR_MULTIFRAME: bytes per frame */
	pi_ref			 rows;		/* struct bms_row run (bms_row_at) */
	int			 nrows;
};

extern const struct proto_tables bms_tables;	/* bms_tables.c */

/* Row i of a battery command (i < c->nrows). */
static inline const struct bms_row *
bms_row_at(const struct bms_cmd *c, int i)
{
	const struct bms_row *x = proto_tables[PI_REF_SET(c->rows)]->xrows;

	return &x[PI_REF_IDX(c->rows) + (size_t)i];
}

#define BMS_CMD(c)	((const struct bms_cmd *)(const void *)(c))

/* Variants of the JK family (struct pi_proto.variant). */
enum { JK_RS232 = 1, JK_RS485, JK_SERIAL, JK_BLE, JK_PB };

extern const struct proto_family daly_family;	/* proto_daly.c */
extern const struct proto_family jk_family;	/* proto_jk.c */
extern const struct proto_family ved_family;	/* proto_ved.c */

/*
 * Cuts a binary reply into one token per row (sizes from the rows; rows
 * that take no bytes, lookups, get an empty token), then one token for
 * bytes left over when extra is set (the JK families keep them, Daly does
 * not).  A BR_MULTIFRAME reply gives frame_size-byte frames one after the
 * other, each cut the same way (rep->ntok = frames * rows).
 */
void	bms_split_positional(const struct bms_cmd *c, const uint8_t *b,
	    size_t n, int extra, struct proto_reply *rep);

/*
 * The decoder of the battery families (the reference's POSITIONAL,
 * MULTIFRAME-POSITIONAL, KEYED and BLE_SETTER replies) over the tokens
 * split made; KEYED tokens are whole "Label<TAB>Value" lines.  A struct
 * proto_family decode hook.
 */
int	bms_decode(const struct pi_proto *p, const struct pi_cmd *defn,
	    const char *cmd, const char *cv, const struct proto_reply *rep,
	    struct result *r, char *err, size_t errlen);

/* Reply shape from the command's layout (a family shape hook). */
void	bms_shape(const struct pi_proto *p, const struct pi_cmd *defn,
	    struct proto_shape *out);

/*
 * Whether p's transport is Bluetooth LE (JK02, JK04, JK02_32, JKV11,
 * JKPB), which mppd cannot open yet: such a device is refused at load
 * unless its port is the test port.
 */
int	bms_bluetooth_only(const struct pi_proto *p);

/* The sum of the bytes modulo 256. */
uint8_t	bms_sum8(const uint8_t *b, size_t n);

/* Bytes of a hex text ("0110161C"); -1 when not hex or too long. */
int	bms_unhex(const char *hex, uint8_t *out, size_t cap);

#endif

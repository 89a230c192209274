/*
 * proto.h - PI30-family protocol definitions as tables, and the generic
 * framer and decoder that read them.
 *
 * A command is a row (struct pi_cmd): name, description, argument pattern,
 * response rows.  Each protocol has its own independent table (the reference
 * mutates one shared table; we do not).  Tables are static const data,
 * generated into pi30_tables.c; everything here may be called from any
 * thread once proto_init() has run.
 */
#ifndef MPPD_PROTO_H
#define MPPD_PROTO_H

#include <stddef.h>
#include <stdint.h>

struct result;
struct sbuf;

enum pi_rtype { RT_DEFAULT = 0, RT_SEQUENTIAL, RT_INDEXED };
enum pi_family { PF_PI30 = 0, PF_REVO, PF_PI16, PF_PI17, PF_PI18 };

/* pi_cmd.flags: request framing details of the PI16/PI17/PI18 families. */
#define PI_CMD_QUERYEN	0x01	/* PI17: query with a sum checksum */
#define PI_CMD_NOCRC	0x02	/* PI18: no CRC for this command */
#define PI_CMD_CRC	0x04	/* PI18: CRC even when the protocol has none */
#define PI_CMD_CHECKSUM	0x08	/* PI16: 3-digit sum checksum before CR */

struct pi_kv {
	const char	*key;
	const char	*val;
};

/* One response row; unused members are NULL/0. */
struct pi_row {
	const char		*type;	/* "float", "option", "float:r/10", "info:cv[:4]" */
	const char		*name;
	const char		*unit;	/* "" when none */
	const char *const	*list;	/* option names or flag names */
	int			 nlist;
	const struct pi_kv	*map;	/* keyed, str_keyed, ack, enflags (letter -> name) */
	int			 nmap;
	const struct pi_kv	*extra;	/* extra dict, string values */
	int			 nextra;
	const struct pi_row	*sub;	/* "multi": one sub-row per character */
	int			 nsub;
};

struct pi_bytes {
	const char	*data;
	size_t		 len;
};

struct pi_cmd {
	const char		*key;	/* table key: "QPIGS", "_PSET" */
	const char		*name;	/* definition name: result key of setters */
	const char		*desc;
	const char		*help;	/* may be NULL */
	int			 setter;
	enum pi_rtype		 rtype;
	const char		*regex;	/* argument pattern (Python re syntax), or NULL */
	const char		*crctype; /* informational, may be NULL */
	const struct pi_row	*rows;
	int			 nrows;
	const struct pi_bytes	*canned; /* test port replies */
	int			 ncanned;
	const char		*prefix; /* PI18 request prefix "^P005", or NULL */
	int			 flags;	/* PI_CMD_* */
};

struct pi_proto {
	const char		*id;		/* "PI30MAX" */
	const char		*banner;
	enum pi_family		 family;
	const char		*default_cmd;
	const char *const	*status_cmds;	/* NULL-terminated */
	const char *const	*settings_cmds;	/* NULL-terminated */
	const struct pi_cmd *const *cmds;
	int			 ncmds;
	const char		*pid;	/* the reference's protocol id, if not id */
	int			 nocrc;	/* PI18LVX: requests carry no CRC */
};

/* Number of protocols and the table of them (pi30_tables.c). */
extern const struct pi_proto *const pi_protocols[];
extern const int pi_nprotocols;

/* Compiles the argument patterns; call once at start-up.  0 or -1. */
int	proto_init(void);

/* Protocol by id, case-insensitive ("pi30max"); NULL when unknown. */
const struct pi_proto *proto_find(const char *id);

/*
 * The definition a command text resolves to, as the reference's
 * get_command_defn: exact key without a pattern, else the first pattern
 * (Python re.match semantics) in table order.  On a pattern match the first
 * group is copied to cv (cvlen bytes, NUL-terminated) when cv is non-NULL.
 * NULL when no definition matches.
 */
const struct pi_cmd *proto_lookup(const struct pi_proto *p, const char *cmd,
	    char *cv, size_t cvlen);

/*
 * Builds the request bytes for cmd (text + CRC + CR; REVO "PSET..." text +
 * CHK byte).  Returns the length, or -1 when buf is too small or the REVO
 * checksum overflows (the reference raises there); err then explains.
 */
int	proto_frame(const struct pi_proto *p, const char *cmd, uint8_t *buf,
	    size_t cap, char *err, size_t errlen);

/*
 * Decodes reply bytes as the answer to cmd into r (which must be empty),
 * exactly as the reference's decode(): _command, _command_description,
 * validity check or raw_response and the fields.  Never fails: problems
 * become the reference's entries (validity check, ERROR).
 */
void	proto_decode(const struct pi_proto *p, const char *cmd,
	    const uint8_t *reply, size_t len, struct result *r);

#endif

/*
 * result.h - a decoded reply: an insertion-ordered map of entries, the C
 * form of the reference's result dict.
 *
 * Produced once per command by proto_decode() (or the device layer for
 * port errors) and read by every output.  A result is owned by whoever holds
 * it; result_free() releases every string.  Extras point into the static
 * protocol tables and are never freed.  Not shared between threads except
 * by handing the whole result over.
 */
#ifndef MPPD_RESULT_H
#define MPPD_RESULT_H

#include <stddef.h>

struct sbuf;

enum val_type {
	V_NONE = 0,	/* Python None */
	V_STR,		/* s: UTF-8 text */
	V_INT,		/* s: canonical decimal digits, any length ("-12") */
	V_FLOAT		/* f */
};

struct value {
	enum val_type	 type;
	char		*s;
	double		 f;
};

enum ent_kind {
	ENT_PLAIN = 0,	/* "_command": "QPIGS" - a bare value */
	ENT_LIST	/* "AC Input Voltage": [value, unit(, extra)] */
};

enum extra_kind {
	EX_ABSENT = 0,	/* two-element list */
	EX_NONE,	/* third element None (info: fields) */
	EX_DICT		/* third element a dict */
};

/*
 * A pair of an entry's extra dict ("icon": "mdi:..."), as pointers: the
 * decoder points at the pairs of the tables (proto_extra); the strings
 * must outlive the result (static).
 */
struct result_kv {
	const char	*key;
	const char	*val;
};

/* The pointers first and the ints together: 64 bytes instead of 72. */
struct entry {
	char			*key;
	char			*unit;	/* ENT_LIST only; "" when none */
	const struct result_kv	*extra;
	struct value		 v;
	enum ent_kind		 kind;
	enum extra_kind		 xkind;
	int			 nextra;
};

/*
 * cap < 0 marks a packed result (result_pack, result_copy): the entries and
 * every string they own are one allocation, e.  It reads like any other;
 * the setters turn it back into the ordinary form first.
 */
struct result {
	struct entry	*e;
	int		 n;
	int		 cap;
};

void	result_init(struct result *r);
void	result_free(struct result *r);
/* Deep copy of src into dst (dst uninitialised), packed. */
void	result_copy(struct result *dst, const struct result *src);
/*
 * Packs r in place into one allocation of exactly its size, for a result
 * kept for long (the last result of every poll command): no spare
 * capacity and no allocation per string.
 */
void	result_pack(struct result *r);
/* Entry with that key, or NULL. */
struct entry *result_find(const struct result *r, const char *key);

/*
 * Sets key to a bare string (ENT_PLAIN).  An existing key keeps its
 * position and gets the new value, as a Python dict does.
 */
void	result_set_plain(struct result *r, const char *key, const char *val);
/* Sets key to [v, unit(, extra)]; takes ownership of v.s. */
void	result_set(struct result *r, const char *key, struct value v,
	    const char *unit, enum extra_kind xk, const struct result_kv *extra,
	    int nextra);
/* Sets key to [text, unit]. */
void	result_set_str(struct result *r, const char *key, const char *text,
	    const char *unit);
/* Removes key if present. */
void	result_del(struct result *r, const char *key);

/* Values. */
struct value val_str(const char *s);
struct value val_strn(const char *s, size_t n);
struct value val_float(double f);
struct value val_int_text(const char *digits);	/* canonical digits */
struct value val_int(long long i);
void	val_free(struct value *v);
struct value val_dup(const struct value *v);

/*
 * The whole result as Python's json.dumps(result) prints it: every entry,
 * lists and extras included (the MQTT command response).
 */
void	result_json(struct sbuf *out, const struct result *r);

/* A result holding only {"ERROR": [msg, ""]} (device-level failures). */
void	result_error(struct result *r, const char *msg);

#endif

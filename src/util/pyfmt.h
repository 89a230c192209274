/*
 * pyfmt.h - Python's number parsing and printing rules, so that mppd's
 * outputs are byte for byte those of the reference (pure functions, any
 * thread).
 */
#ifndef MPPD_PYFMT_H
#define MPPD_PYFMT_H

#include <stddef.h>
#include <stdint.h>

struct sbuf;
struct value;
struct result_kv;

/* repr(float): shortest round-trip digits, "230.0", "1e-05", "1e+16". */
void	py_float_repr(double d, char *buf, size_t n);

/*
 * int(text): ASCII whitespace around, a sign, digits with single '_'
 * between them.  On success appends the canonical digits to out (no
 * leading zeros, "-" only for non-zero) and returns 0; -1 otherwise.
 */
int	py_parse_int(const char *s, size_t n, struct sbuf *out);

/* float(text): as int() plus '.', exponents, nan, inf, infinity. */
int	py_parse_float(const char *s, size_t n, double *out);

/* Appends bytes mapped as latin-1 to code points, UTF-8 encoded. */
void	latin1_to_utf8(struct sbuf *out, const void *s, size_t n);

/* json.dumps(str) with ensure_ascii: "\u00b0", "\r". */
void	py_json_str(struct sbuf *out, const char *utf8);
/* json.dumps(value): ints, float repr, NaN, Infinity, strings, null. */
void	py_json_value(struct sbuf *out, const struct value *v);

/* str(value): "230.0", "1026", the text itself, "None". */
void	py_str_value(struct sbuf *out, const struct value *v);

/* repr(str) and ascii(str) of a UTF-8 string, quotes included. */
void	py_repr_str(struct sbuf *out, const char *utf8);
void	py_ascii_str(struct sbuf *out, const char *utf8);

/* str(bytes): "b'XYZ'" with Python's quoting and \xNN escapes. */
void	py_bytes_repr(struct sbuf *out, const void *s, size_t n);

/* repr(dict) of string pairs: "{'icon': 'mdi:x', 'device-class': 'power'}" */
void	py_dict_repr(struct sbuf *out, const struct result_kv *kv, int n);

#endif

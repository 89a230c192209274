/*
 * pyexpr.h - the few Python expressions of the reference's tables,
 * evaluated with Python's results and exception texts (pure functions, any
 * thread).  Used by the table decoder (decode.c); which expression a row
 * holds is decided when the tables are generated (enum pi_expr).
 *
 * Each function returns 0, or -1 with err holding the text of the Python
 * exception the reference would raise (it ends up in "Failed to decode
 * response for command ...").
 */
#ifndef MPPD_PYEXPR_H
#define MPPD_PYEXPR_H

#include <stddef.h>

#include "family.h"
#include "proto.h"
#include "result.h"

/* bytes.decode("utf-8") of a token into a new string (caller frees). */
int	pyx_utf8(const struct proto_tok *t, char **out, char *err, size_t errlen);

/* Sets err to int()'s "invalid literal" text for text; returns -1. */
int	pyx_invalid_literal(const char *text, char *err, size_t errlen);

/* An "info:" expression over the command argument cv into *v. */
int	pyx_info(enum pi_expr x, const char *cv, struct value *v, char *err,
	    size_t errlen);

/* A "type:expression" template applied to v in place; raw is the token. */
int	pyx_template(enum pi_expr x, struct value *v, const struct proto_tok *raw,
	    char *err, size_t errlen);

#endif

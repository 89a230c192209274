/*
 * promtext.c - Prometheus text format pieces (promtext.h).
 */
#include <string.h>

#include "promtext.h"
#include "sbuf.h"

int
promtext_style_parse(const char *s, enum promtext_style *style)
{
	if (strcmp(s, "mpp-solar") == 0)
		*style = PROMTEXT_MPPSOLAR;
	else if (strcmp(s, "promtool") == 0)
		*style = PROMTEXT_PROMTOOL;
	else
		return -1;
	return 0;
}

const char *
promtext_style_name(enum promtext_style style)
{
	switch (style) {
	case PROMTEXT_MPPSOLAR:
		return "mpp-solar";
	case PROMTEXT_PROMTOOL:
		return "promtool";
	default:
		return "";
	}
}

/* Appends s with backslash, line feed and, when quote, '"' escaped. */
static void
escape(struct sbuf *out, const char *s, int quote)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			sbuf_adds(out, "\\\\");
		else if (*s == '"' && quote)
			sbuf_adds(out, "\\\"");
		else if (*s == '\n')
			sbuf_adds(out, "\\n");
		else
			sbuf_addc(out, *s);
	}
}

void
promtext_label_value(struct sbuf *out, const char *s)
{
	escape(out, s, 1);
}

void
promtext_help(struct sbuf *out, const char *s)
{
	escape(out, s, 0);
}

void
promtext_name(struct sbuf *out, const char *s)
{
	for (; *s != '\0'; s++) {
		char c = *s;

		/* one '_' for a whole UTF-8 character */
		if (((unsigned char)c & 0xc0) == 0x80)
			continue;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == ':')
			sbuf_addc(out, c);
		else
			sbuf_addc(out, '_');
	}
}

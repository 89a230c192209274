/*
 * hex.h - hexadecimal digits: the one helper behind --decode's hex input,
 * the web server's %XX escapes and the battery monitors' hex fields.
 * Pure, any thread.
 */
#ifndef MPPD_HEX_H
#define MPPD_HEX_H

/* The value of the hexadecimal digit c (either case), or -1. */
static inline int
hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif

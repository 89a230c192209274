/*
 * crc.c - CRC-16/XMODEM with the PI30 byte adjustment, and the REVO CHK.
 * Written by hand: no Debian library exposes CRC-16/XMODEM, frames are at
 * most a few hundred bytes, and the bitwise loop needs no shared table
 * (nothing to initialise, nothing for threads to race on).
 */
#include "crc.h"

uint16_t
crc_xmodem(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint16_t crc = 0;

	for (size_t i = 0; i < len; i++) {
		crc ^= (uint16_t)(p[i] << 8);
		for (int b = 0; b < 8; b++)
			crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) :
			    (uint16_t)(crc << 1);
	}
	return crc;
}

static uint8_t
crc_adjust(uint8_t b)
{
	if (b == 0x28 || b == 0x0d || b == 0x0a || b == 0x00)
		return (uint8_t)(b + 1);
	return b;
}

void
crc_pi(const void *data, size_t len, uint8_t out[2])
{
	uint16_t crc = crc_xmodem(data, len);

	out[0] = crc_adjust((uint8_t)(crc >> 8));
	out[1] = crc_adjust((uint8_t)(crc & 0xff));
}

unsigned
crc_chk(const void *data, size_t len)
{
	const uint8_t *p = data;
	unsigned sum = 0;

	for (size_t i = 0; i < len; i++)
		sum += p[i];
	return (sum & 0xff) + 1;
}

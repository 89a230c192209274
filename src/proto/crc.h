/*
 * crc.h - PI30-family checksums (pure functions, any thread).
 */
#ifndef MPPD_CRC_H
#define MPPD_CRC_H

#include <stddef.h>
#include <stdint.h>

/* CRC-16/XMODEM: poly 0x1021, init 0, MSB first, no final XOR. */
uint16_t crc_xmodem(const void *data, size_t len);

/*
 * The two CRC bytes as the inverter sends them: high then low, each byte
 * that equals '(' CR LF or NUL incremented once (docs/protocols.md).
 */
void	crc_pi(const void *data, size_t len, uint8_t out[2]);

/* PI30REVO CHK: (sum of bytes & 0xff) + 1; may be 256 (caller handles). */
unsigned crc_chk(const void *data, size_t len);

#endif

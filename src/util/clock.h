/*
 * clock.h - the monotonic clock in milliseconds, for deadlines, backoff and
 * expiry everywhere (any thread).  64-bit on every platform: a 32-bit long
 * of milliseconds wraps after 24.8 days, and mppd runs for months on
 * 32-bit Raspberry Pis.
 */
#ifndef MPPD_CLOCK_H
#define MPPD_CLOCK_H

#include <stdint.h>

int64_t	mono_ms(void);

#endif

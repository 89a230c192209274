/*
 * port_util.h - time and poll helpers shared by the port types
 * (pure or fd-local: any thread).
 */
#ifndef MPPD_PORT_UTIL_H
#define MPPD_PORT_UTIL_H

#include <stdint.h>


/*
 * Delay before the reopen that follows the n-th consecutive failure: none
 * after the first (a single glitch costs nothing), then 1, 2, 4 ... s,
 * capped at max_s.
 */
int64_t	port_reopen_delay_ms(unsigned failures, int max_s);

/*
 * Waits until fd reports one of events or the deadline (mono_ms() time, clock.h)
 * passes.  Returns the revents (non-zero), 0 at the deadline, or -1 if
 * poll(2) itself failed.
 */
int	port_wait_fd(int fd, short events, int64_t deadline);

#endif

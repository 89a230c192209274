/*
 * port_util.c - time and poll helpers shared by the port types.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <time.h>

#include "clock.h"
#include "port_util.h"

int64_t
port_reopen_delay_ms(unsigned failures, int max_s)
{
	int64_t cap = (int64_t)max_s * 1000, d;

	if (failures <= 1)
		return 0;
	d = failures - 2 >= 5 ? cap : (int64_t)(1 << (failures - 2)) * 1000;
	return d < cap ? d : cap;
}

int
port_wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd	pfd = { .fd = fd, .events = events };
	int64_t		left;
	int		r;

	for (;;) {
		if ((left = deadline - mono_ms()) <= 0)
			return 0;
		r = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (r > 0)
			return pfd.revents;
		if (r == -1 && errno != EINTR)
			return -1;
	}
}

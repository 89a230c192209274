/*
 * notify.c - systemd notification through libsystemd's sd_notify (a
 * datagram to $NOTIFY_SOCKET); without libsystemd the same protocol is
 * spoken directly, since it is one sendto() of a text line.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "notify.h"

static void
notify_send(const char *msg)
{
#ifdef HAVE_SYSTEMD
	sd_notify(0, msg);
#else
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	int fd;

	if (path == NULL || path[0] == '\0' || strlen(path) >= sizeof(sa.sun_path))
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path));
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return;
	sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&sa,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path)));
	close(fd);
#endif
}

unsigned long
notify_watchdog_usec(void)
{
	const char *s = getenv("WATCHDOG_USEC"), *p = getenv("WATCHDOG_PID");

	if (s == NULL || getenv("NOTIFY_SOCKET") == NULL)
		return 0;
	if (p != NULL && strtol(p, NULL, 10) != (long)getpid())
		return 0;
	return strtoul(s, NULL, 10);
}

void
notify_ready(int ndevs, int nconns)
{
	char msg[160];

	snprintf(msg, sizeof(msg), "READY=1\nSTATUS=polling %d device(s), "
	    "%d broker connection(s)", ndevs, nconns);
	notify_send(msg);
}

void
notify_watchdog(void)
{
	notify_send("WATCHDOG=1");
}

void
notify_stopping(void)
{
	notify_send("STOPPING=1\nSTATUS=shutting down");
}


/*
 * notify.h - systemd service notification (Type=notify): READY=1, STATUS,
 * WATCHDOG=1, STOPPING=1.  Nothing is sent when NOTIFY_SOCKET is unset.
 * Main thread only.
 */
#ifndef MPPD_NOTIFY_H
#define MPPD_NOTIFY_H

/* WATCHDOG_USEC when the watchdog is enabled for this process, else 0. */
unsigned long notify_watchdog_usec(void);
void	notify_ready(int ndevs, int nconns);
void	notify_watchdog(void);
void	notify_stopping(void);

#endif

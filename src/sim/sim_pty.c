/*
 * sim_pty.c - the pseudo-terminal that stands in for the inverter's port.
 *
 * Both ends are put in raw mode: the slave's line discipline would
 * otherwise echo our replies back to us and turn CR into LF.  We keep our
 * own descriptor on the slave (and never read it) so the master does not
 * see a hang-up each time the client closes and reopens the port.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "log.h"
#include "sim.h"

static const struct {
	unsigned long	baud;
	speed_t		speed;
} pty_speeds[] = {
	{ 1200, B1200 }, { 2400, B2400 }, { 4800, B4800 }, { 9600, B9600 },
	{ 19200, B19200 }, { 38400, B38400 }, { 57600, B57600 },
	{ 115200, B115200 }, { 230400, B230400 }, { 460800, B460800 },
	{ 921600, B921600 },
};

/* Raw 8N1; the speed is cosmetic on a pty but lets clients read it back. */
static int
pty_raw(int fd, unsigned long baud)
{
	struct termios tio;

	if (tcgetattr(fd, &tio) == -1)
		return -1;
	cfmakeraw(&tio);
	tio.c_cflag |= CLOCAL | CREAD;
	tio.c_cc[VMIN] = 1;
	tio.c_cc[VTIME] = 0;
	for (size_t i = 0; i < sizeof(pty_speeds) / sizeof(pty_speeds[0]); i++)
		if (pty_speeds[i].baud == baud)
			cfsetspeed(&tio, pty_speeds[i].speed);
	return tcsetattr(fd, TCSANOW, &tio);
}

/*
 * Points link at the slave: a stale symlink is replaced (atomically, via
 * rename), anything else at that path is refused.
 */
static int
pty_link(const char *target, const char *link)
{
	char tmp[PATH_MAX];
	struct stat sb;

	if (lstat(link, &sb) == 0 && !S_ISLNK(sb.st_mode)) {
		log_error("%s exists and is not a symlink; not replacing it",
		    link);
		return -1;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", link, (long)getpid()) >=
	    (int)sizeof(tmp)) {
		log_error("%s: path too long", link);
		return -1;
	}
	unlink(tmp);
	if (symlink(target, tmp) == -1) {
		log_error("symlink %s: %s", tmp, strerror(errno));
		return -1;
	}
	if (rename(tmp, link) == -1) {
		log_error("rename %s to %s: %s", tmp, link, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/*
 * Opens a pty pair, makes both ends raw, and symlinks link at the slave.
 * On success pty holds both descriptors (master non-blocking) and a copy
 * of link that pty_close() frees; returns 0.  On failure nothing is left
 * open and -1 is returned after logging why.
 */
int
pty_open(struct sim_pty *pty, const char *link, unsigned long baud)
{
	memset(pty, 0, sizeof(*pty));
	pty->master = pty->slave = -1;
	if ((pty->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1) {
		log_error("posix_openpt: %s", strerror(errno));
		goto error;
	}
	if (grantpt(pty->master) == -1 || unlockpt(pty->master) == -1 ||
	    ptsname_r(pty->master, pty->slave_path,
	    sizeof(pty->slave_path)) != 0) {
		log_error("pty setup: %s", strerror(errno));
		goto error;
	}
	pty->slave = open(pty->slave_path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (pty->slave == -1) {
		log_error("open %s: %s", pty->slave_path, strerror(errno));
		goto error;
	}
	if (pty_raw(pty->master, baud) == -1 || pty_raw(pty->slave, baud) == -1) {
		log_error("raw mode on %s: %s", pty->slave_path,
		    strerror(errno));
		goto error;
	}
	if (fcntl(pty->master, F_SETFL,
	    fcntl(pty->master, F_GETFL) | O_NONBLOCK) == -1) {
		log_error("fcntl: %s", strerror(errno));
		goto error;
	}
	if (pty_link(pty->slave_path, link) == -1)
		goto error;
	if ((pty->link = strdup(link)) == NULL) {
		unlink(link);
		log_error("out of memory");
		goto error;
	}
	return 0;

error:
	if (pty->slave != -1)
		close(pty->slave);
	if (pty->master != -1)
		close(pty->master);
	pty->master = pty->slave = -1;
	return -1;
}

/*
 * Waits, at most timeout_ms, until the client has read everything we wrote:
 * closing the master hangs the slave up and throws away unread input, so a
 * reply sent just before an unplug would otherwise never arrive.  Our own
 * slave descriptor shows the slave's input queue (FIONREAD); it must read 0
 * twice in a row because bytes reach that queue asynchronously.
 */
int
pty_wait_drained(struct sim_pty *pty, int timeout_ms)
{
	int pending, zeros = 0;

	for (int waited = 0; waited < timeout_ms; waited += 10) {
		poll(NULL, 0, 10);
		if (ioctl(pty->slave, FIONREAD, &pending) == -1)
			return -1;
		if (pending > 0)
			zeros = 0;
		else if (++zeros == 2)
			return 0;
	}
	return -1;
}

/*
 * Closes both ends and removes the symlink, but only while it still points
 * at our slave: a newer simulator may already have taken the path over.
 */
void
pty_close(struct sim_pty *pty)
{
	char target[sizeof(pty->slave_path)];
	ssize_t n;

	if (pty->link != NULL) {
		n = readlink(pty->link, target, sizeof(target) - 1);
		if (n > 0) {
			target[n] = '\0';
			if (strcmp(target, pty->slave_path) == 0)
				unlink(pty->link);
		}
		free(pty->link);
		pty->link = NULL;
	}
	if (pty->slave != -1)
		close(pty->slave);
	if (pty->master != -1)
		close(pty->master);
	pty->master = pty->slave = -1;
}

/*
 * port_usb.c - the USB device behind a tty or hidraw node, and its reset
 * (USBDEVFS_RESET), for devices that stop answering until they are
 * re-enumerated.  Called by the worker thread that owns the port, between
 * exchanges, with the port closed.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <linux/usbdevice_fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "log.h"
#include "port.h"

/* Reads a small decimal number from dir/name; -1 when absent. */
static long
read_num(const char *dir, const char *name)
{
	char	path[PATH_MAX], buf[32];
	FILE	*f;
	long	 v = -1;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	if (fgets(buf, sizeof(buf), f) != NULL)
		v = strtol(buf, NULL, 10);
	fclose(f);
	return v;
}

int
port_usb_node(const char *sysroot, const char *devpath, char *out,
    size_t outlen, char *why, size_t whylen)
{
	char		 cls[PATH_MAX], eb[128], *real, *sys, *name;
	const char	*kind;
	size_t		 rootlen = strlen(sysroot);
	long		 bus, dev;

	if ((real = realpath(devpath, NULL)) == NULL) {
		snprintf(why, whylen, "%s: %s", devpath,
		    strerror_r(errno, eb, sizeof(eb)));
		return -1;
	}
	name = basename(real);
	kind = strncmp(name, "hidraw", 6) == 0 ? "hidraw" :
	    strncmp(name, "tty", 3) == 0 ? "tty" : NULL;
	if (kind == NULL) {
		snprintf(why, whylen, "%s is neither a tty nor a hidraw node",
		    real);
		free(real);
		return -1;
	}
	snprintf(cls, sizeof(cls), "%s/class/%s/%s", sysroot, kind, name);
	free(real);
	if ((sys = realpath(cls, NULL)) == NULL) {
		snprintf(why, whylen, "%s: %s", cls,
		    strerror_r(errno, eb, sizeof(eb)));
		return -1;
	}
	/* Up from the node's own directory to the USB device (the first
	 * ancestor with busnum and devnum), staying inside sysroot. */
	while (strlen(sys) > rootlen && strncmp(sys, sysroot, rootlen) == 0) {
		bus = read_num(sys, "busnum");
		dev = read_num(sys, "devnum");
		if (bus > 0 && dev > 0) {
			snprintf(out, outlen, "/dev/bus/usb/%03ld/%03ld", bus,
			    dev);
			free(sys);
			return 0;
		}
		*strrchr(sys, '/') = '\0';
	}
	free(sys);
	snprintf(why, whylen, "%s is not on a USB device", devpath);
	return -1;
}

int
port_usb_reset(const char *devpath)
{
	char	node[64], why[PATH_MAX + 64], eb[128];
	int	fd;

	if (port_usb_node("/sys", devpath, node, sizeof(node), why,
	    sizeof(why)) == -1) {
		log_warn("usb reset of %s skipped: %s", devpath, why);
		return -1;
	}
	if ((fd = open(node, O_WRONLY | O_CLOEXEC)) == -1 ||
	    ioctl(fd, USBDEVFS_RESET, 0) == -1) {
		log_warn("usb reset of %s (%s) failed: %s", node, devpath,
		    strerror_r(errno, eb, sizeof(eb)));
		if (fd != -1)
			close(fd);
		return -1;
	}
	close(fd);
	log_warn("usb reset of %s (%s) done", node, devpath);
	return 0;
}

/*
 * device.h - one inverter: its protocol and its port, and the function that
 * runs one command on it from framing to decoded result.
 *
 * A device is used by exactly one thread at a time: its worker (worker.h),
 * or the main thread in one-shot CLI runs.
 */
#ifndef MPPD_DEVICE_H
#define MPPD_DEVICE_H

#include "port.h"

struct device_cfg;
struct result;

struct device {
	char			*name;
	const struct pi_proto	*proto;		/* NULL: no protocol defined */
	struct port		*port;		/* NULL: no communications port */
	enum port_type		 port_type;
	int			 port_borrowed;	/* port is another device's */
	int			 timeout_ms;
	char			*port_path;	/* as configured */
	int			 reopen_after;	/* 0: never */
	int			 usb_reset;
	/* Statistics, written by the owning thread only. */
	unsigned long		 commands;
	unsigned long		 failures;	/* port errors and invalid replies */
	unsigned		 consecutive_failures;	/* -1 results in a row */
	/* Streamed protocols (VE.Direct text), owning thread only. */
	unsigned long		 bad_frames;	/* dropped: bad checksum */
	int			 stream_synced;	/* a whole frame was seen */
};

/*
 * Builds a device from its configuration (protocol lookup, port type
 * detection, port allocation; nothing is opened yet).  Caller frees with
 * device_free().
 */
struct device *device_new(const struct device_cfg *cfg);
void	device_free(struct device *d);

/*
 * Makes d use owner's port (the same physical port, port_key): d's own
 * port is freed and owner's borrowed; owner must outlive d's use of it and
 * both must be run by one thread (one worker group).  Main thread, before
 * the workers start.
 */
void	device_share_port(struct device *d, struct device *owner);

/*
 * Runs cmd (empty = the protocol's default command) and stores the result
 * in r (initialised, empty), exactly as the reference's run_command:
 * no-protocol / no-port errors, framing, the exchange, the echo check,
 * the shape check (a valid reply that does not fit cmd, proto_fits(), is
 * an error result and the port is resynchronised) and decoding.  Returns
 * 1 for a valid reply, 0 when the inverter answered but the reply was
 * refused (NAK, bad CRC, echo, another command's reply), -1 when nothing
 * came back
 * (port error, silence): only -1 counts towards consecutive_failures.
 * Every reopen_after such failures in a row the port is closed (and with
 * usb_reset its USB device reset) so the next command opens it afresh.
 * A streamed command reads the next frame of the stream: a frame that
 * fails the protocol's check (VE.Direct's checksum) is counted in
 * bad_frames, logged and dropped, and the next one is read, until the
 * timeout.  The first frame after start may be cut (the stream was joined
 * in the middle of a block): when it fails the check it is dropped
 * without being counted.
 */
int	device_run(struct device *d, const char *cmd, struct result *r);

/*
 * Whether cmd (empty = the default command) is streamed by the device
 * (nothing is written; each exchange reads the next frame).  Pure.
 */
int	device_streamed(const struct device *d, const char *cmd);

/*
 * device_helpers.c: the reference's helper commands get_status,
 * get_settings, get_device_id and get_version, run through device_run()
 * (d has a protocol and a port).  Returns device_run()'s status, or
 * DEVICE_NOT_HELPER when cmd is none of them.  Owning thread only.
 */
#define DEVICE_NOT_HELPER	(-2)
int	device_helper(struct device *d, const char *cmd, struct result *r);

#endif

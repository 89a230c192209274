/*
 * port.h - the link to one inverter: open, transact one request within a
 * deadline, close.  A port belongs to exactly one device worker thread; no
 * other thread may call these functions on it (see worker.h).
 */
#ifndef MPPD_PORT_H
#define MPPD_PORT_H

#include <stddef.h>
#include <stdint.h>

struct pi_proto;

enum port_type {
	PORT_NONE = 0,		/* unrecognised name: "No communications port defined" */
	PORT_TEST,		/* canned replies from the protocol tables */
	PORT_SERIAL,		/* termios tty */
	PORT_HIDRAW,		/* USB HID raw reports */
	PORT_TCP,		/* tcp://host:port: raw TCP to a serial bridge */
	PORT_RFC2217		/* rfc2217://host:port: telnet COM-PORT-OPTION */
};

/* Largest reply we accept; the longest PI30 family frame is ~250 bytes. */
#define PORT_REPLY_MAX	1024

/*
 * Port type from the name exactly as the reference (docs/ports.md section 1):
 * lower-cased substring test, first match wins: "test", "hidraw",
 * "mppsolar", "serial", "ttyusb"; mppd also takes any other "/dev/tty*" as
 * serial.  A non-NULL, non-empty porttype is matched instead of the name.
 * mppd extensions, tested first: a "tcp://" or "rfc2217://" URL (or
 * porttype tcp or rfc2217) is a network port; a /dev path that matches
 * nothing is a symbolic link (udev rule) followed to its tty or hidraw node.
 */
enum port_type port_detect(const char *name, const char *porttype);
const char *port_type_name(enum port_type t);

/*
 * The identity of the physical port a configuration names, so sections on
 * one port share one owner: "net:host:port" (host lower-cased) for a tcp
 * or rfc2217 port (port_url_parse), "dev:" and the resolved path (symlinks followed
 * with realpath; the path as written when it does not exist yet) for a
 * serial or hidraw device.  Returns 0 with the key in out, or -1 when the
 * port is not physical (test port, none) or out is too small.
 */
int	port_key(const char *name, enum port_type t, char *out, size_t outlen);

/* Where a network port connects: the configured host, never another. */
struct port_addr {
	char	host[256];	/* name or address, brackets of [v6] removed */
	char	service[8];	/* the port number as text */
	int	port;		/* 1..65535 */
};

/*
 * Parses a network port: "tcp://HOST:PORT", "rfc2217://HOST:PORT" or, when
 * the type comes from porttype, "HOST:PORT".  HOST may be "[v6 address]".
 * Pure.  Returns 0, or -1 with err saying what is wrong.
 */
int	port_url_parse(const char *s, struct port_addr *a, char *err,
	    size_t errlen);

/*
 * The load-time check of a device's port and porttype (called for each
 * device when the configuration is read, and for -p): 0 when usable, -1
 * when the value can never work, with err naming what was expected and
 * what was found (a malformed or unknown URL).
 */
int	port_check_url(const char *port, const char *porttype, char *err,
	    size_t errlen);

/*
 * Says when a reply is complete (contract between the protocol layer and
 * the ports): the length of a complete frame at the start of buf (> 0), 0
 * when more bytes are needed, -1 when the bytes can never become a valid
 * frame (the port then stops reading and returns what it has).
 */
typedef int	(*port_frame_fn)(const struct pi_proto *proto,
		    const uint8_t *buf, size_t len);

struct port_opts {
	const char		*path;		/* device path or test port name */
	int			 baud;		/* serial and rfc2217, default 2400 */
	int			 databits;	/* rfc2217: 5-8, 0 = 8 */
	char			 parity;	/* rfc2217: N O E M S, 0 = N */
	int			 stopbits;	/* rfc2217: 1 or 2, 0 = 1 */
	const struct pi_proto	*proto;		/* test port: where canned replies come from */
	port_frame_fn		 frame_len;	/* NULL: complete at the first CR */
	int			 talks;		/* sends unasked (a stream): the
						   line is never resynchronised */
};

/*
 * Result of one exchange.  rc == 0: the bytes read before the deadline are
 * in reply[0..len) (len may be 0 on a silent device: the decoder turns that
 * into the reference's "Response to short").  rc < 0: the port failed and
 * err holds the reference's text for the result's ERROR entry (for example
 * "Serial command execution failed").
 */
struct port_reply {
	uint8_t	 reply[PORT_REPLY_MAX];
	size_t	 len;
	char	 err[256];
	int	 timed_out;	/* the deadline passed before a whole frame */
};

struct port;

/* Allocates a port (nothing is opened yet); caller frees with port_free(). */
struct port *port_new(enum port_type type, const struct port_opts *opts);

/*
 * Sends req (already framed: text + CRC + CR) and reads the reply until the
 * first CR or until timeout_ms has passed.  cmd is the command text, used by
 * the test port to pick a canned reply.  Opens the device on first use and
 * reopens it after an error (with a delay that grows on repeated failure).
 * Returns 0 or -1 as described at struct port_reply.
 *
 * After an exchange that ended without a whole frame (the deadline passed,
 * or the bytes can never be a frame) the line is resynchronised before
 * this returns (not after a streamed read, reqlen 0, nor on a port whose
 * device talks unasked, port_opts.talks), so that a late reply can never pose as the reply to the
 * next request: the port listens on until the line has been quiet for
 * port_guard_ms(timeout_ms), at most timeout_ms + that guard, discarding
 * what arrives.  A whole frame completed during the guard after a timeout
 * is this request's own reply (nothing else was sent since): it is
 * returned, late, and logged; everything after it is discarded.
 */
int	port_transact(struct port *p, const char *cmd, const uint8_t *req,
	    size_t reqlen, int timeout_ms, struct port_reply *out);

/*
 * How long the line must be quiet before a resynchronisation ends: half
 * the exchange timeout, from 200 ms to 2 s.  Pure.
 */
int	port_guard_ms(int timeout_ms);

/*
 * Resynchronises the line now (the owner found the last reply was not the
 * one it asked for: a reply of another command): listens until the line
 * has been quiet for port_guard_ms(timeout_ms), at most timeout_ms + that
 * guard, and discards what arrives.  Returns the bytes discarded.  Owner
 * thread.
 */
size_t	port_resync(struct port *p, int timeout_ms);

/* Closes the device (a later transact reopens it). */
void	port_close(struct port *p);
void	port_free(struct port *p);

/*
 * The USB device node (/dev/bus/usb/BBB/DDD) behind a tty or hidraw node
 * devpath (a symbolic link such as /dev/serial/by-id/... is followed),
 * found in the sysfs tree at sysroot ("/sys"; tests pass their own).
 * 0, or -1 with why.
 */
int	port_usb_node(const char *sysroot, const char *devpath, char *out,
	    size_t outlen, char *why, size_t whylen);

/*
 * Resets the USB device behind devpath (ioctl USBDEVFS_RESET) and logs
 * it.  The port must be closed.  0, or -1 (logged).  Owner thread.
 */
int	port_usb_reset(const char *devpath);

/* Per-type constructors used by port_new(); each in its own file. */
struct port *port_serial_new(const struct port_opts *opts);
struct port *port_hidraw_new(const struct port_opts *opts);
struct port *port_test_new(const struct port_opts *opts);
struct port *port_tcp_new(const struct port_opts *opts);
struct port *port_rfc2217_new(const struct port_opts *opts);

/*
 * Test hook: a hidraw port calls open_fn(path, arg) instead of open(2) each
 * time it (re)opens; open_fn returns a file descriptor (the port makes it
 * non-blocking) or -1 with errno set.  Ignored for other port types.  Call
 * it before the first transact, from the thread that owns the port.
 */
void	port_hidraw_set_opener(struct port *p,
	    int (*open_fn)(const char *path, void *arg), void *arg);

/* Every port type implements these operations. */
struct port_ops {
	int	(*transact)(struct port *, const char *, const uint8_t *,
		    size_t, int, struct port_reply *);
	void	(*close)(struct port *);
	void	(*free)(struct port *);
	/*
	 * Waits until deadline (mono_ms) for bytes the device sends without
	 * a request and puts them in buf[0..cap): the count (> 0), 0 when
	 * nothing came before the deadline, -1 when the link is closed or
	 * failed (then closed, with the reopen scheduled).  Used by the
	 * resynchronisation.  Optional: NULL when nothing can arrive unasked
	 * (the test port).
	 */
	long	(*input)(struct port *, uint8_t *buf, size_t cap,
		    int64_t deadline);
};

/*
 * Common header (the port base): each port type embeds this as its first
 * member and sets it up with port_base_init().  Besides the dispatch it
 * holds what every port type shares: the frame rule, and the reopen state
 * (a failed link is closed and reopened later, after a delay that grows
 * while the failures go on).  Owner thread only, like the port.
 */
struct port {
	const struct port_ops	*ops;
	enum port_type		 type;
	const struct pi_proto	*proto;		/* passed to frame_len */
	port_frame_fn		 frame_len;	/* NULL: first CR */
	int			 talks;		/* port_opts.talks */
	unsigned		 failures;	/* consecutive link failures */
	int			 down;		/* the last failure was an open */
	int64_t			 retry_at;	/* no reopen before (mono_ms) */
	int			 reopen_max_s;	/* cap of the reopen delay */
	char			 last_err[256];	/* answered during the delay */
};

/* Fills the base; reopen_max_s caps the reopen delay (seconds). */
void	port_base_init(struct port *p, const struct port_ops *ops,
	    enum port_type type, const struct port_opts *opts,
	    int reopen_max_s);

/*
 * Length of the complete frame at the start of buf[0..len): the protocol's
 * frame_len when it has one, otherwise up to and including the first CR.
 * > 0 complete, 0 more bytes needed, -1 never a valid frame.  Every port
 * type calls it in its read loop.
 */
int	port_frame_len(const struct port *p, const uint8_t *buf, size_t len);

/*
 * Before (re)opening a closed link: 0 when it may be tried now, -1 while
 * the reopen delay runs (out->err then repeats the failure that closed
 * it, and nothing is touched).
 */
int	port_reopen_due(struct port *p, struct port_reply *out);

/*
 * After a failure that closed the link (the caller has closed it): counts
 * it, schedules the reopen, logs the reason and puts msg, the text the
 * user sees, into out->err.  Always returns -1.
 */
int	port_link_failed(struct port *p, struct port_reply *out,
	    const char *msg);

/*
 * As port_link_failed(), for a failure to open or connect: the device or
 * bridge is not there (port_link_down() says so until an exchange goes
 * through).
 */
int	port_open_failed(struct port *p, struct port_reply *out,
	    const char *msg);

/*
 * 1 when the last attempt to open or connect failed: the device node or
 * bridge is gone, not merely slow or silent (0 for NULL).  The daemon
 * reports such a device offline at once.
 */
int	port_link_down(const struct port *p);

/* After an exchange that went through: the next failure starts afresh. */
void	port_link_ok(struct port *p);

/*
 * Link failures in a row (0 when the last exchange went through or p is
 * NULL).  2 or more: the link failed and could not be reopened, i.e. the
 * device or bridge is gone rather than slow.
 */
unsigned port_link_failures(const struct port *p);

#endif

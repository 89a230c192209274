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
	PORT_HIDRAW		/* USB HID raw reports */
};

/* Largest reply we accept; the longest PI30 family frame is ~250 bytes. */
#define PORT_REPLY_MAX	1024

/*
 * Port type from the name exactly as the reference (PROTOCOL.md section 4):
 * lower-cased substring test, first match wins: "test", "hidraw",
 * "mppsolar", "serial", "ttyusb"; mppd also takes any other "/dev/tty*" as
 * serial.  A non-NULL, non-empty porttype is matched instead of the name.
 */
enum port_type port_detect(const char *name, const char *porttype);
const char *port_type_name(enum port_type t);

/*
 * The identity of the physical port a configuration names, so sections on
 * one port share one owner: "net:host:port" (host lower-cased) for a
 * scheme://host:port URL, "dev:" and the resolved path (symlinks followed
 * with realpath; the path as written when it does not exist yet) for a
 * serial or hidraw device.  Returns 0 with the key in out, or -1 when the
 * port is not physical (test port, none) or out is too small.
 */
int	port_key(const char *name, enum port_type t, char *out, size_t outlen);

struct port_opts {
	const char		*path;		/* device path or test port name */
	int			 baud;		/* serial only, default 2400 */
	const struct pi_proto	*proto;		/* test port: where canned replies come from */
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
 */
int	port_transact(struct port *p, const char *cmd, const uint8_t *req,
	    size_t reqlen, int timeout_ms, struct port_reply *out);

/* Closes the device (a later transact reopens it). */
void	port_close(struct port *p);
void	port_free(struct port *p);

/* Per-type constructors used by port_new(); each in its own file. */
struct port *port_serial_new(const struct port_opts *opts);
struct port *port_hidraw_new(const struct port_opts *opts);
struct port *port_test_new(const struct port_opts *opts);

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
};

/* Common header: each port type embeds this as its first member. */
struct port {
	const struct port_ops	*ops;
	enum port_type		 type;
};

#endif

/*
 * device.c - running one command on one inverter.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "config.h"
#include "device.h"
#include "family.h"
#include "log.h"
#include "proto.h"
#include "result.h"
#include "sbuf.h"

struct device *
device_new(const struct device_cfg *cfg)
{
	struct device *d = xcalloc(1, sizeof(*d));
	struct port_opts po;

	d->name = xstrdup(cfg->name);
	d->proto = proto_find(cfg->protocol);
	d->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 2000;
	d->port_type = port_detect(cfg->port, cfg->porttype);
	memset(&po, 0, sizeof(po));
	po.path = cfg->port;
	po.baud = cfg->baud > 0 ? cfg->baud : 2400;
	po.proto = d->proto;
	/* The protocol's family says when a reply frame is complete. */
	po.frame_len = d->proto != NULL ? proto_frame_len : NULL;
	/* A device that streams (VE.Direct) is never quiet: no resync. */
	po.talks = d->proto != NULL && d->proto->family->stream_ok != NULL;
	d->port = port_new(d->port_type, &po);
	d->port_path = xstrdup(cfg->port != NULL ? cfg->port : "");
	d->reopen_after = cfg->reopen_after;
	d->usb_reset = cfg->usb_reset;
	return d;
}

void
device_free(struct device *d)
{
	if (d == NULL)
		return;
	if (!d->port_borrowed)
		port_free(d->port);
	free(d->port_path);
	free(d->name);
	free(d);
}

void
device_share_port(struct device *d, struct device *owner)
{
	if (d == owner || d->port == owner->port)
		return;
	if (!d->port_borrowed)
		port_free(d->port);
	d->port = owner->port;
	d->port_type = owner->port_type;
	d->port_borrowed = 1;
}

/*
 * After a command that got no answer: every reopen_after of them in a row,
 * close the port (a wedged USB adapter or bridge often answers again once
 * reopened), resetting the USB device first when usb_reset is set.
 */
static void
device_no_answer(struct device *d)
{
	d->consecutive_failures++;
	if (d->reopen_after <= 0 || d->port == NULL ||
	    d->port_type == PORT_TEST ||
	    d->consecutive_failures % (unsigned)d->reopen_after != 0)
		return;
	log_warn("%s: %u commands in a row without an answer: reopening %s",
	    d->name, d->consecutive_failures, d->port_path);
	port_close(d->port);
	if (d->usb_reset && (d->port_type == PORT_SERIAL ||
	    d->port_type == PORT_HIDRAW))
		port_usb_reset(d->port_path);
}

static void
set_error(struct result *r, const char *fmt, const char *cmd)
{
	struct sbuf m = SBUF_INIT;

	sbuf_printf(&m, fmt, cmd);
	result_error(r, sbuf_str(&m));
	sbuf_free(&m);
}

/*
 * A valid reply that cannot be cmd's (proto_fits said why): a reply of
 * another command, late, or the start of a line that slipped.  It is an
 * error result, never data; cmd's own reply may still be on its way, so
 * the line is resynchronised before the next command.
 */
static void
device_misfit(struct device *d, const char *cmd, const char *why,
    struct result *r)
{
	struct sbuf m = SBUF_INIT;

	sbuf_printf(&m, "The reply does not fit command %s (%s): it is not "
	    "used; the line is resynchronised", cmd, why);
	log_warn("%s: %s", d->name, sbuf_str(&m));
	result_error(r, sbuf_str(&m));
	sbuf_free(&m);
	port_resync(d->port, d->timeout_ms);
	d->failures++;
	d->consecutive_failures = 0;
}

int
device_streamed(const struct device *d, const char *cmd)
{
	struct proto_shape sh;

	if (d->proto == NULL)
		return 0;
	if (cmd == NULL || cmd[0] == '\0')
		cmd = d->proto->default_cmd;
	return proto_shape(d->proto, cmd, &sh) == 0 && sh.streamed;
}

/*
 * The next intact frame of a stream into rep (len 0: silence until the
 * timeout).  0, or -1 when the port failed (rep->err set).
 */
static int
device_stream_read(struct device *d, const char *cmd, struct port_reply *rep)
{
	int64_t deadline = mono_ms() + d->timeout_ms, left;

	while ((left = deadline - mono_ms()) > 0) {
		if (port_transact(d->port, cmd, NULL, 0, (int)left, rep) < 0) {
			d->stream_synced = 0;
			return -1;
		}
		if (rep->len == 0 || proto_stream_ok(d->proto, rep->reply,
		    rep->len))
			break;
		if (!d->stream_synced) {
			log_debug("%s: first frame of the stream cut, dropped",
			    d->name);
			d->stream_synced = 1;
			continue;
		}
		d->bad_frames++;
		log_warn("%s: %s frame with a bad checksum dropped (%zu bytes, "
		    "%lu so far)", d->name, d->proto->id, rep->len,
		    d->bad_frames);
		rep->len = 0;
	}
	if (rep->len > 0)
		d->stream_synced = 1;
	return 0;
}

int
device_run(struct device *d, const char *cmd, struct result *r)
{
	uint8_t req[512];
	struct port_reply *rep;
	char err[256];
	int n, answered = 0;
	int64_t t0;

	d->commands++;
	if (d->proto == NULL) {
		result_error(r, "Attempted to run command with no protocol defined");
		goto fail;
	}
	if (d->port == NULL) {
		set_error(r, "No communications port defined - unable to run "
		    "command %s", cmd);
		goto fail;
	}
	if (cmd != NULL && strncmp(cmd, "get_", 4) == 0 &&
	    (n = device_helper(d, cmd, r)) != DEVICE_NOT_HELPER)
		return n;
	if (cmd == NULL || cmd[0] == '\0')
		cmd = d->proto->default_cmd;
	n = proto_frame(d->proto, cmd, req, sizeof(req), err, sizeof(err));
	if (n < 0) {
		struct sbuf m = SBUF_INIT;
		sbuf_printf(&m, "Unexpected error running command %s: %s", cmd, err);
		result_error(r, sbuf_str(&m));
		sbuf_free(&m);
		goto fail;
	}
	rep = xmalloc(sizeof(*rep));
	t0 = mono_ms();
	if (n == 0 && device_streamed(d, cmd) && d->port_type != PORT_TEST) {
		if (device_stream_read(d, cmd, rep) < 0) {
			result_error(r, rep->err);
			free(rep);
			goto fail;
		}
	} else if (port_transact(d->port, cmd, req, (size_t)n, d->timeout_ms,
	    rep) < 0) {
		result_error(r, rep->err);
		free(rep);
		goto fail;
	}
	/* (n 0: a streamed read; nothing came is silence, not an echo) */
	if (n > 0 && rep->len == (size_t)n &&
	    memcmp(rep->reply, req, (size_t)n) == 0) {
		set_error(r, "Inverter returned the command string for %s - the "
		    "inverter didn't recognise this command", cmd);
		free(rep);
		d->failures++;
		d->consecutive_failures = 0;
		return 0;
	}
	/* A streaming device (VE.Direct) goes on talking while it answers:
	 * the frames of its stream before the reply are passed over. */
	while (n > 0 && rep->len > 0 &&
	    proto_stream_frame(d->proto, rep->reply, rep->len) &&
	    d->port_type != PORT_TEST) {
		int64_t left = t0 + d->timeout_ms - mono_ms();
		log_debug("%s: stream frame before the reply to %s skipped",
		    d->name, cmd);
		if (left <= 0) {
			rep->len = 0;	/* no reply: only the stream */
			break;
		}
		if (port_transact(d->port, cmd, NULL, 0, (int)left, rep) < 0) {
			result_error(r, rep->err);
			free(rep);
			goto fail;
		}
	}
	if (rep->len > 0 && !proto_fits(d->proto, cmd, rep->reply, rep->len,
	    err, sizeof(err))) {
		device_misfit(d, cmd, err, r);
		free(rep);
		return 0;
	}
	answered = rep->len > 0;
	proto_decode(d->proto, cmd, rep->reply, rep->len, r);
	free(rep);
	if (answered)
		d->consecutive_failures = 0;
	if (result_find(r, "validity check") == NULL &&
	    result_find(r, "ERROR") == NULL)
		return 1;
	d->failures++;
	if (!answered)
		device_no_answer(d);
	return answered ? 0 : -1;
fail:
	d->failures++;
	device_no_answer(d);
	return -1;
}

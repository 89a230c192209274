/*
 * device_helpers.c - the reference's helper commands, run like any
 * command (CLI --getstatus, --getsettings, --getDeviceId, --getVersion;
 * a config "command" or an MQTT command may name them too):
 *
 *   get_status    every status command of the protocol, results merged
 *   get_settings  every settings command, results merged
 *   get_device_id the id commands' values joined by ':'
 *   get_version   the software version
 *
 * Results, keys and texts are the reference's (docs/compatibility.md).
 * Called by device_run() on the device's owning thread.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "device.h"
#include "log.h"
#include "proto.h"
#include "pyfmt.h"
#include "result.h"
#include "sbuf.h"

/* An id command: the command and the result key whose value it gives
 * (NULL: the result's last key). */
struct id_cmd {
	const char	*cmd;
	const char	*key;
};

static const struct id_cmd pi30_id[] = {
	{ "QPI", NULL }, { "QGMN", NULL }, { "QMN", NULL }, { NULL, NULL } };
static const struct id_cmd pi16_id[] = {
	{ "QPI", "Protocol Version" }, { "QGMN", "General Model Name" },
	{ "QVFW", "Main CPU firmware version" }, { NULL, NULL } };
static const struct id_cmd pi17_id[] = {
	{ "PI", NULL }, { "DM", NULL }, { NULL, NULL } };
static const struct id_cmd pi18_id[] = {
	{ "PI", "Protocol Version" }, { "VFW", "Main CPU Version" },
	{ NULL, NULL } };

/* The reference's ID_COMMANDS of each protocol that has them. */
static const struct {
	const char		*proto;
	const struct id_cmd	*cmds;
} id_cmds[] = {
	{ "PI30", pi30_id }, { "PI30MAX", pi30_id }, { "PI30MST", pi30_id },
	{ "PI30M044", pi30_id }, { "PI30M045", pi30_id }, { "PI41", pi30_id },
	{ "PI16", pi16_id },
	{ "PI17", pi17_id }, { "PI17M058", pi17_id }, { "PI17INFINI", pi17_id },
	{ "PI18", pi18_id }, { "PI18LVX", pi18_id }, { "PI18SV", pi18_id },
};

static const struct id_cmd *
find_id_cmds(const char *proto)
{
	for (size_t i = 0; i < sizeof(id_cmds) / sizeof(id_cmds[0]); i++)
		if (strcasecmp(id_cmds[i].proto, proto) == 0)
			return id_cmds[i].cmds;
	return NULL;
}

/* dst.update(src): existing keys keep their place, new ones go last. */
static void
merge(struct result *dst, const struct result *src)
{
	for (int i = 0; i < src->n; i++) {
		const struct entry *e = &src->e[i];

		if (e->kind == ENT_PLAIN)
			result_set_plain(dst, e->key, e->v.s);
		else
			result_set(dst, e->key, val_dup(&e->v), e->unit,
			    e->xkind, e->extra, e->nextra);
	}
}

/* Runs every command of cmds, merging the results into r. */
static int
run_set(struct device *d, const char *const *cmds, const char *what,
    struct result *r)
{
	struct sbuf failed = SBUF_INIT;
	int status = -1;

	if (cmds == NULL) {
		result_error(r, what[0] == 's' && what[1] == 't' ?
		    "get_status not supported for this protocol" :
		    "get_settings not supported for this protocol");
		return 0;
	}
	for (int i = 0; cmds[i] != NULL; i++) {
		struct result one;
		int rc;

		result_init(&one);
		rc = device_run(d, cmds[i], &one);
		if (result_find(&one, "ERROR") != NULL) {
			log_warn("%s: %s command %s failed: %s", d->name, what,
			    cmds[i], result_find(&one, "ERROR")->v.s);
			sbuf_printf(&failed, "%s%s", failed.len ? ", " : "",
			    cmds[i]);
		} else
			merge(r, &one);
		if (rc > status)
			status = rc;
		result_free(&one);
	}
	if (failed.len > 0) {
		char key[64];
		snprintf(key, sizeof(key), "_failed_%s_commands", what);
		result_set_str(r, key, sbuf_str(&failed), "");
	}
	sbuf_free(&failed);
	return status;
}

static int
device_id(struct device *d, struct result *r)
{
	const struct id_cmd *ids = find_id_cmds(d->proto->id);
	struct sbuf id = SBUF_INIT;
	int status = 0;

	result_set_plain(r, "_command", "Get Device ID");
	result_set_plain(r, "_command_description", "Generate a device id");
	if (ids == NULL) {
		result_set_str(r, "DeviceID",
		    "getDeviceId not supported for this protocol", "");
		return 0;
	}
	for (int i = 0; ids[i].cmd != NULL; i++) {
		struct result one;
		const struct entry *e;
		int rc;

		result_init(&one);
		rc = device_run(d, ids[i].cmd, &one);
		if (result_find(&one, "ERROR") != NULL) {
			log_warn("%s: ID command %s failed: %s", d->name,
			    ids[i].cmd, result_find(&one, "ERROR")->v.s);
			result_free(&one);
			continue;
		}
		e = ids[i].key != NULL ? result_find(&one, ids[i].key) :
		    one.n > 0 ? &one.e[one.n - 1] : NULL;
		if (e == NULL)
			log_warn("%s: failed to extract device ID from command "
			    "%s: no %s", d->name, ids[i].cmd,
			    ids[i].key != NULL ? ids[i].key : "result");
		else {
			if (id.len > 0)
				sbuf_addc(&id, ':');
			py_str_value(&id, &e->v);
			if (rc > status)
				status = rc;
		}
		result_free(&one);
	}
	result_set_str(r, "DeviceID", id.len > 0 ? sbuf_str(&id) :
	    "Unable to determine device ID", "");
	sbuf_free(&id);
	return status;
}

int
device_helper(struct device *d, const char *cmd, struct result *r)
{
	if (strcmp(cmd, "get_status") == 0)
		return run_set(d, d->proto->status_cmds, "status", r);
	if (strcmp(cmd, "get_settings") == 0)
		return run_set(d, d->proto->settings_cmds, "settings", r);
	if (strcmp(cmd, "get_device_id") == 0)
		return device_id(d, r);
	if (strcmp(cmd, "get_version") == 0) {
		result_set_plain(r, "_command", "Get Version");
		result_set_plain(r, "_command_description",
		    "Output the mpp-solar software version");
		result_set_str(r, "MPP-Solar Software Version", MPPD_VERSION, "");
		return 1;
	}
	return DEVICE_NOT_HELPER;
}

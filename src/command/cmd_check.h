/*
 * cmd_check.h - the verdict on an MQTT command before it may reach an
 * inverter: payload checks (length, UTF-8,
 * control characters, the JSON request envelope), then the allowlist and
 * the protocol's own command table.
 *
 * Pure functions without I/O; any thread (the cJSON parser is serialised
 * internally because it writes a global error slot on every call).
 */
#ifndef MPPD_CMD_CHECK_H
#define MPPD_CMD_CHECK_H

#include <stddef.h>

struct allowlist;
struct pi_proto;

/* Longest payload accepted, in bytes (before and after trimming). */
#define CMD_MAX_LEN	128

struct cmd_request {
	/*
	 * The command (trimmed, valid UTF-8, no control characters) when
	 * cmd_parse_payload() returned 0.  On error, the text to show in the
	 * response's "command" field: the trimmed command when it could be
	 * extracted, else a printable prefix of the payload; always valid
	 * UTF-8 without NUL, so py_json_str() prints it as valid JSON.
	 */
	char	command[CMD_MAX_LEN + 1];
	/* The envelope's "id" re-serialised as JSON text (has_id != 0). */
	char	id_json[160];
	int	has_id;
};

/*
 * Parses an MQTT command payload (len bytes, not NUL-terminated) into req.
 * Checks in order: length (> CMD_MAX_LEN: refused without copying),
 * strict UTF-8 (no overlongs, no surrogates, no BOM), empty after trimming
 * ASCII whitespace as Python's str.strip(), the JSON envelope
 * {"command": "...", "id": "..." or number} when the payload starts with
 * '{' (or '['), then control characters in the command (bytes < 0x20,
 * 0x7f and the C1 controls U+0080..U+009F).  Returns 0, or -1 with a
 * message for the response's "error" field in err.
 */
int	cmd_parse_payload(const void *payload, size_t len,
	    struct cmd_request *req, char *err, size_t errlen);

/*
 * The command's verdict for one device: allow must admit it ("Command not
 * allowed" otherwise; NULL admits nothing), the device needs a protocol,
 * and unless allow_undefined the protocol must define it with a valid
 * argument (proto_lookup).  Returns 0, or -1 with the message in err.
 * proto_init() must have run.
 */
int	cmd_check(const char *command, const struct allowlist *allow,
	    const struct pi_proto *proto, int allow_undefined, char *err,
	    size_t errlen);

/*
 * Writes at most outlen - 1 bytes of a log-safe rendering of p[0..n):
 * printable ASCII as is, '\\' and '"' escaped, every other byte as \xNN;
 * "..." marks truncation.  Never fails; out is always NUL-terminated.
 */
void	cmd_escape(const void *p, size_t n, char *out, size_t outlen);

#endif

/*
 * cmd_check.c - payload and command verdicts for MQTT commands.
 */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "allow.h"
#include "cmd_check.h"
#include "proto.h"
#include "pyfmt.h"
#include "sbuf.h"
#include "utf8.h"

/* Bytes of an unusable payload shown in a response ("printable prefix"). */
#define SHOW_MAX	64

/*
 * cJSON resets and fills a static error slot on every parse (cJSON.c,
 * global_error), so concurrent parses on two connections' network threads
 * would race; one parse of at most CMD_MAX_LEN bytes is cheap to serialise.
 */
static pthread_mutex_t json_lock = PTHREAD_MUTEX_INITIALIZER;

/* Python's str.isspace() for ASCII: what str.strip() removes. */
static int
is_py_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

static void
trim(const char **s, size_t *n)
{
	while (*n > 0 && is_py_space((unsigned char)**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && is_py_space((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

/* The payload's first bytes, each outside printable ASCII shown as '?'. */
static void
show_prefix(const void *p, size_t n, char *out, size_t outlen)
{
	const unsigned char *s = p;
	size_t i, max = SHOW_MAX;

	if (outlen < 4)
		max = 0;
	else if (max > outlen - 4)
		max = outlen - 4;
	for (i = 0; i < n && i < max; i++)
		out[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? (char)s[i] : '?';
	if (i < n && i + 4 <= outlen) {
		memcpy(out + i, "...", 3);
		i += 3;
	}
	out[i] = '\0';
}

/* Valid UTF-8 text of at most CMD_MAX_LEN bytes; NUL bytes become '?'. */
static void
show_text(const char *s, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		out[i] = s[i] == '\0' ? '?' : s[i];
	out[n] = '\0';
}

/*
 * The first control character in valid UTF-8 text: a C0 byte, DEL, or a
 * C1 control (U+0080..U+009F, encoded C2 80..C2 9F).  Returns the code
 * point, or -1 when there is none.
 */
static long
find_control(const char *sv, size_t n)
{
	const unsigned char *s = (const unsigned char *)sv;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < 0x20 || s[i] == 0x7f)
			return s[i];
		if (s[i] == 0xc2 && i + 1 < n && s[i + 1] >= 0x80 &&
		    s[i + 1] <= 0x9f)
			return s[i + 1];
	}
	return -1;
}

/* An escaped NUL (\u0000) anywhere in JSON text; cJSON would cut there. */
static int
has_escaped_nul(const char *s, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++) {
		if (s[i] != '\\')
			continue;
		if (s[i + 1] == 'u' && i + 5 < n && memcmp(s + i + 2, "0000", 4) == 0)
			return 1;
		i++;	/* skip the escaped character, so "\\\\" is one pair */
	}
	return 0;
}

static int
id_to_json(const cJSON *id, struct cmd_request *req, char *err, size_t errlen)
{
	struct sbuf b = SBUF_INIT;
	char num[40];
	int rc = 0;

	if (cJSON_IsString(id) && id->valuestring != NULL)
		py_json_str(&b, id->valuestring);
	else if (cJSON_IsNumber(id) && isfinite(id->valuedouble)) {
		double d = id->valuedouble;
		/* Integers print as Python's json.dumps(int) would. */
		if (d == floor(d) && fabs(d) < 1e16)
			snprintf(num, sizeof(num), "%.0f", d);
		else
			py_float_repr(d, num, sizeof(num));
		sbuf_adds(&b, num);
	} else {
		snprintf(err, errlen,
		    "invalid JSON request: \"id\" must be a string or a finite number");
		rc = -1;
	}
	if (rc == 0 && b.len >= sizeof(req->id_json)) {
		snprintf(err, errlen,
		    "invalid JSON request: \"id\" is too long (%zu bytes as JSON, at most %zu)",
		    b.len, sizeof(req->id_json) - 1);
		rc = -1;
	}
	if (rc == 0) {
		memcpy(req->id_json, sbuf_str(&b), b.len + 1);
		req->has_id = 1;
	}
	sbuf_free(&b);
	return rc;
}

/*
 * The JSON envelope in s[0..n) (valid UTF-8, trimmed, n <= CMD_MAX_LEN):
 * on success req->command holds the trimmed command (not yet checked for
 * control characters) and 0 is returned.
 */
static int
parse_envelope(const char *s, size_t n, struct cmd_request *req, char *err,
    size_t errlen)
{
	char text[CMD_MAX_LEN + 1];
	const char *end = NULL, *cmd;
	const cJSON *it, *jcmd = NULL, *jid = NULL;
	cJSON *root;
	size_t cn;
	int ncmd = 0, nid = 0, rc = -1;

	if (memchr(s, '\0', n) != NULL || has_escaped_nul(s, n)) {
		snprintf(err, errlen,
		    "invalid JSON request: contains a NUL character");
		return -1;
	}
	memcpy(text, s, n);
	text[n] = '\0';

	pthread_mutex_lock(&json_lock);
	root = cJSON_ParseWithOpts(text, &end, 1);
	pthread_mutex_unlock(&json_lock);
	if (root == NULL) {
		size_t off = end != NULL && end >= text ? (size_t)(end - text) : 0;
		/* cJSON's position is approximate (often one past the culprit). */
		if (off >= n)
			snprintf(err, errlen,
			    "invalid JSON: unexpected end of input");
		else
			snprintf(err, errlen,
			    "invalid JSON: syntax error near offset %zu", off);
		return -1;
	}
	if (!cJSON_IsObject(root)) {
		snprintf(err, errlen,
		    "invalid JSON request: expected an object {\"command\": \"...\"}");
		goto out;
	}
	/* Members by exact name (cJSON_GetObjectItem ignores case); a
	 * repeated member is ambiguous (Python keeps the last), so refuse. */
	for (it = root->child; it != NULL; it = it->next) {
		if (it->string == NULL)
			continue;
		if (strcmp(it->string, "command") == 0)
			jcmd = it, ncmd++;
		else if (strcmp(it->string, "id") == 0)
			jid = it, nid++;
	}
	if (ncmd > 1 || nid > 1) {
		snprintf(err, errlen, "invalid JSON request: \"%s\" given twice",
		    ncmd > 1 ? "command" : "id");
		goto out;
	}
	if (jid != NULL && id_to_json(jid, req, err, errlen) == -1)
		goto out;
	if (jcmd == NULL) {
		snprintf(err, errlen,
		    "invalid JSON request: \"command\" is missing");
		goto out;
	}
	if (!cJSON_IsString(jcmd) || jcmd->valuestring == NULL) {
		snprintf(err, errlen,
		    "invalid JSON request: \"command\" must be a string");
		goto out;
	}
	cmd = jcmd->valuestring;
	cn = strlen(cmd);
	trim(&cmd, &cn);
	/* Escapes only shrink JSON text, so the command fits. */
	if (cn > CMD_MAX_LEN)
		cn = CMD_MAX_LEN;
	memcpy(req->command, cmd, cn);
	req->command[cn] = '\0';
	rc = 0;
out:
	cJSON_Delete(root);
	return rc;
}

int
cmd_parse_payload(const void *payload, size_t len, struct cmd_request *req,
    char *err, size_t errlen)
{
	const char *s = payload;
	size_t n = len;
	long cc;

	req->command[0] = '\0';
	req->id_json[0] = '\0';
	req->has_id = 0;
	if (len > 0 && payload == NULL)
		len = n = 0;

	/* Before anything else: a huge payload is never copied or scanned. */
	if (len > CMD_MAX_LEN) {
		show_prefix(payload, len, req->command, sizeof(req->command));
		snprintf(err, errlen, "command too long (%zu bytes, at most %d)",
		    len, CMD_MAX_LEN);
		return -1;
	}
	if (!utf8_valid(payload, len)) {
		show_prefix(payload, len, req->command, sizeof(req->command));
		snprintf(err, errlen, "command is not valid UTF-8");
		return -1;
	}
	trim(&s, &n);
	if (n == 0) {
		snprintf(err, errlen, "empty command");
		return -1;
	}
	/* str.strip() keeps U+FEFF: a BOM would reach the allowlist. */
	if (n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
		show_text(s, n, req->command);
		snprintf(err, errlen,
		    "command starts with a UTF-8 byte order mark (BOM)");
		return -1;
	}
	if (s[0] == '{' || s[0] == '[') {
		if (parse_envelope(s, n, req, err, errlen) == -1) {
			/* A command extracted before the error stays shown. */
			if (req->command[0] == '\0')
				show_text(s, n, req->command);
			return -1;
		}
		s = req->command;
		n = strlen(req->command);
		if (n == 0) {
			snprintf(err, errlen, "empty command");
			return -1;
		}
	} else
		show_text(s, n, req->command);

	if ((cc = find_control(s, n)) >= 0) {
		if (s != req->command)
			show_text(s, n, req->command);
		if (cc >= 0x80)
			snprintf(err, errlen,
			    "command contains a control character (U+%04lX)", cc);
		else
			snprintf(err, errlen,
			    "command contains a control character (0x%02lx)", cc);
		return -1;
	}
	return 0;
}

int
cmd_check(const char *command, const struct allowlist *allow,
    const struct pi_proto *proto, int allow_undefined, char *err,
    size_t errlen)
{
	if (allow == NULL || !allow_match(allow, command)) {
		snprintf(err, errlen, "Command not allowed");
		return -1;
	}
	if (proto == NULL) {
		snprintf(err, errlen, "device has no protocol defined");
		return -1;
	}
	if (!allow_undefined && proto_lookup(proto, command, NULL, 0) == NULL) {
		snprintf(err, errlen,
		    "Command %s is not a command of protocol %s, or its argument is invalid",
		    command, proto->id);
		return -1;
	}
	return 0;
}

void
cmd_escape(const void *p, size_t n, char *out, size_t outlen)
{
	const unsigned char *s = p;
	size_t o = 0, i;

	if (outlen == 0)
		return;
	for (i = 0; i < n; i++) {
		char tmp[5];
		size_t k;

		if (s[i] == '\\' || s[i] == '"')
			k = (size_t)snprintf(tmp, sizeof(tmp), "\\%c", s[i]);
		else if (s[i] >= 0x20 && s[i] < 0x7f)
			tmp[0] = (char)s[i], k = 1;
		else
			k = (size_t)snprintf(tmp, sizeof(tmp), "\\x%02x", s[i]);
		if (o + k + 4 > outlen)	/* room for "..." and the NUL */
			break;
		memcpy(out + o, tmp, k);
		o += k;
	}
	if (i < n && o + 4 <= outlen) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

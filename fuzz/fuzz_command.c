/*
 * fuzz_command.c - an MQTT command payload to a verdict: payload checks,
 * the JSON envelope, the allowlist (full and prefix mode) and the
 * protocol's own patterns.  Asserts the contract: an accepted command is
 * printable UTF-8 of at most 128 bytes that the allowlist admits; the
 * text for the response is always valid UTF-8.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allow.h"
#include "cmd_check.h"
#include "config.h"
#include "proto.h"
#include "pyfmt.h"
#include "sbuf.h"
#include "utf8.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv);

static struct allowlist *full, *prefix;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char *pats[] = { "POP0[0-2]", "PCP*", "QPI", "MCHGC{0-1}[0-6][0-2]" };
	struct sbuf err = SBUF_INIT;

	(void)argc; (void)argv;
	proto_init();
	full = allow_compile(pats, 4, MATCH_FULL, &err);
	prefix = allow_compile(pats, 4, MATCH_PREFIX, &err);
	sbuf_free(&err);
	return full != NULL && prefix != NULL ? 0 : -1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cmd_request req;
	char err[256], esc[512];
	const struct pi_proto *p = proto_find("PI30");

	memset(&req, 0, sizeof(req));
	cmd_escape(data, size, esc, sizeof(esc));
	if (cmd_parse_payload(data, size, &req, err, sizeof(err)) < 0) {
		if (!utf8_valid(req.command, strlen(req.command)))
			abort();
		return 0;
	}
	if (strlen(req.command) == 0 || strlen(req.command) > CMD_MAX_LEN ||
	    !utf8_valid(req.command, strlen(req.command)))
		abort();
	for (const char *c = req.command; *c != '\0'; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			abort();
	if (cmd_check(req.command, full, p, 0, err, sizeof(err)) == 0 &&
	    !allow_match(full, req.command))
		abort();
	/* whatever full mode admits, prefix mode admits too */
	if (allow_match(full, req.command) && !allow_match(prefix, req.command))
		abort();
	cmd_check(req.command, prefix, p, 1, err, sizeof(err));
	return 0;
}

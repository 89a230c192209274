/*
 * proto.c - protocol registry, command lookup and request framing.
 * The reply decoder is in decode.c.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crc.h"
#include "log.h"
#include "pi1x.h"
#include "proto.h"
#include "sbuf.h"

/* Compiled argument patterns, [protocol][command], built by proto_init(). */
static pcre2_code **proto_re[32];

int
proto_init(void)
{
	int errcode;
	PCRE2_SIZE erroff;

	if (proto_re[0] != NULL)
		return 0;
	if (pi_nprotocols > (int)(sizeof(proto_re) / sizeof(proto_re[0])))
		return -1;
	for (int p = 0; p < pi_nprotocols; p++) {
		const struct pi_proto *pr = pi_protocols[p];
		proto_re[p] = xcalloc((size_t)pr->ncmds, sizeof(pcre2_code *));
		for (int c = 0; c < pr->ncmds; c++) {
			const char *re = pr->cmds[c]->regex;
			if (re == NULL)
				continue;
			proto_re[p][c] = pcre2_compile((PCRE2_SPTR)re,
			    PCRE2_ZERO_TERMINATED, 0, &errcode, &erroff, NULL);
			if (proto_re[p][c] == NULL) {
				log_error("%s %s: bad pattern %s", pr->id,
				    pr->cmds[c]->key, re);
				return -1;
			}
		}
	}
	return 0;
}

static int
proto_index(const struct pi_proto *p)
{
	for (int i = 0; i < pi_nprotocols; i++)
		if (pi_protocols[i] == p)
			return i;
	return -1;
}

const struct pi_proto *
proto_find(const char *id)
{
	if (id == NULL)
		return NULL;
	for (int i = 0; i < pi_nprotocols; i++)
		if (strcasecmp(pi_protocols[i]->id, id) == 0)
			return pi_protocols[i];
	return NULL;
}

const struct pi_cmd *
proto_lookup(const struct pi_proto *p, const char *cmd, char *cv, size_t cvlen)
{
	int pi = proto_index(p);
	pcre2_match_data *md;
	const struct pi_cmd *found = NULL;

	if (cv != NULL && cvlen > 0)
		cv[0] = '\0';
	for (int c = 0; c < p->ncmds; c++)
		if (p->cmds[c]->regex == NULL && strcmp(p->cmds[c]->key, cmd) == 0)
			return p->cmds[c];
	if (pi < 0 || proto_re[pi] == NULL)
		return NULL;
	md = pcre2_match_data_create(16, NULL);
	if (md == NULL)
		return NULL;
	for (int c = 0; c < p->ncmds && found == NULL; c++) {
		PCRE2_SIZE *ov;
		if (proto_re[pi][c] == NULL)
			continue;
		/* Python re.match: anchored at the start only. */
		if (pcre2_match(proto_re[pi][c], (PCRE2_SPTR)cmd, strlen(cmd), 0,
		    PCRE2_ANCHORED, md, NULL) < 0)
			continue;
		found = p->cmds[c];
		ov = pcre2_get_ovector_pointer(md);
		if (cv != NULL && cvlen > 0 && pcre2_get_ovector_count(md) > 1 &&
		    ov[2] != PCRE2_UNSET) {
			size_t n = ov[3] - ov[2];
			if (n >= cvlen)
				n = cvlen - 1;
			memcpy(cv, cmd + ov[2], n);
			cv[n] = '\0';
		}
	}
	pcre2_match_data_free(md);
	return found;
}

int
proto_frame(const struct pi_proto *p, const char *cmd, uint8_t *buf,
    size_t cap, char *err, size_t errlen)
{
	size_t n = strlen(cmd);

	if (n + 3 > cap) {
		snprintf(err, errlen, "command too long (%zu bytes)", n);
		return -1;
	}
	if (p->family == PF_PI16 || p->family == PF_PI17 ||
	    p->family == PF_PI18) {
		const struct pi_cmd *defn = proto_lookup(p, cmd, NULL, 0);
		struct pi_cmd raw;
		if (defn == NULL && p->family != PF_PI16) {
			/* The reference builds no request for these (its
			 * prefix and CRC come from the definition): nothing
			 * is sent, whatever the allowlist says. */
			snprintf(err, errlen, "Command %s is not a command of "
			    "protocol %s, or its argument is invalid", cmd, p->id);
			return -1;
		}
		if (defn == NULL) {
			memset(&raw, 0, sizeof(raw));
			defn = &raw;
		}
		return pi1x_frame(p, defn, cmd, buf, cap, err, errlen);
	}
	memcpy(buf, cmd, n);
	if (p->family == PF_REVO && strncmp(cmd, "PSET", 4) == 0) {
		unsigned chk = crc_chk(cmd, n);
		if (chk > 0xff) {
			snprintf(err, errlen, "bytes must be in range(0, 256)");
			return -1;
		}
		buf[n] = (uint8_t)chk;
		return (int)n + 1;
	}
	crc_pi(cmd, n, buf + n);
	buf[n + 2] = '\r';
	return (int)n + 3;
}

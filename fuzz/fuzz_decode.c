/*
 * fuzz_decode.c - reply decoding for every protocol and every command.
 * Input: one byte choosing the protocol, one choosing the command, then
 * the reply bytes.  The family's hooks (frame rule, split, acknowledgement,
 * shape) read the bytes too, and every output processor formats the result.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "family.h"
#include "output.h"
#include "proto.h"
#include "result.h"
#include "sbuf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv);

static void
sink(void *arg, const char *topic, const char *payload, size_t len, int qos,
    int retain)
{
	(void)arg; (void)topic; (void)payload; (void)len; (void)qos; (void)retain;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc; (void)argv;
	return proto_init();
}

/*
 * PI17 and PI18 turn an acknowledgement frame into the single field "ACK"
 * or "NAK", and PI18 an empty reply into "No response", as the reference
 * does: the one token that does not point into the reply.
 */
static int
literal_token(const struct proto_reply *rep)
{
	const struct proto_tok *t = &rep->tok[0];

	return rep->ntok == 1 && ((t->n == 3 && (memcmp(t->p, "ACK", 3) == 0 ||
	    memcmp(t->p, "NAK", 3) == 0)) ||
	    (t->n == 11 && memcmp(t->p, "No response", 11) == 0));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const outs[] = { "mqtt", "json_mqtt", "hass_mqtt",
		"hassd_mqtt", "tag_mqtt", "influx_mqtt", "influx2_mqtt",
		"domoticz_mqtt" };
	const struct pi_proto *p;
	const struct pi_cmd *c;
	struct result r;
	struct out_opts o;
	struct sbuf s = SBUF_INIT;
	struct proto_reply rep;
	struct proto_shape shape;
	char cmd[64], err[512];
	int fl;

	if (size < 2)
		return 0;
	p = pi_protocols[data[0] % pi_nprotocols];
	c = proto_cmd(p, data[1] % p->ncmds);
	/* A command text that resolves to c: its key, or key + a sample
	 * argument taken from the input for patterned commands. */
	if (c->regex == 0)
		snprintf(cmd, sizeof(cmd), "%s", pi_str(c->key));
	else
		snprintf(cmd, sizeof(cmd), "%s%s", pi_str(c->key),
		    strchr(pi_str(c->regex), 'd') ? "20210726" : "02");
	/* The frame rule never claims more bytes than it was given. */
	fl = proto_frame_len(p, data + 2, size - 2);
	if (fl > (int)(size - 2))
		abort();
	if (p->family->split(p, data + 2, size - 2, &rep, err, sizeof(err)) == 0) {
		for (int i = 0; i < rep.ntok; i++)
			if ((rep.tok[i].p < data + 2 ||
			    rep.tok[i].p + rep.tok[i].n > data + size) &&
			    !(rep.own != NULL && rep.tok[i].p >= rep.own &&
			    rep.tok[i].p + rep.tok[i].n <= rep.own + rep.blen) &&
			    !literal_token(&rep))
				abort();
	}
	proto_reply_free(&rep);
	(void)proto_ack(p, data + 2, size - 2);
	(void)proto_shape(p, cmd, &shape);
	/* The shape check: any answer, a NUL-terminated reason when 0. */
	err[0] = '\0';
	if (!proto_fits(p, cmd, data + 2, size - 2, err, sizeof(err)) &&
	    (err[0] == '\0' || memchr(err, '\0', sizeof(err)) == NULL))
		abort();
	result_init(&r);
	proto_decode(p, cmd, data + 2, size - 2, &r);
	memset(&o, 0, sizeof(o));
	output_text("screen", &r, &o, &s);
	output_text("json", &r, &o, &s);
	output_text("raw", &r, &o, &s);
	output_text("simple", &r, &o, &s);
	for (size_t i = 0; i < sizeof(outs) / sizeof(outs[0]); i++)
		output_mqtt(outs[i], &r, &o, sink, NULL);
	result_json(&s, &r);
	result_free(&r);
	sbuf_free(&s);
	return 0;
}

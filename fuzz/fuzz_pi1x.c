/*
 * fuzz_pi1x.c - the PI16, PI17 and PI18 frame parsers: reply validation,
 * field splitting, acknowledgements and frame length (proto_pi16.c,
 * proto_pi17.c, proto_pi18.c, proto_caret.c), request framing of
 * arbitrary command text, and the simulator's request parser and model
 * (src/sim/sim_pi1x.c), for every protocol of the three families.
 * Input: one byte choosing the protocol, then the bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "family.h"
#include "proto.h"
#include "result.h"

#include "sim/sim_fault.c"
#include "sim/sim_frame.c"
#include "sim/sim_pi1x.c"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv);

static const char *const ids[] = { "PI16", "PI17", "PI17INFINI", "PI17M058",
	"PI18", "PI18SV", "PI18LVX" };
static const enum sim_proto sims[] = { SIM_PI16, SIM_PI17, SIM_PI17, SIM_PI17,
	SIM_PI18, SIM_PI18SV, SIM_PI18LVX };

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc; (void)argv;
	return proto_init();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct pi_proto *p;
	struct sim_inverter inv;
	uint8_t out[1024];
	char cmd[SIM_RX_MAX + 1], err[128];
	int n, k;

	if (size < 1)
		return 0;
	k = data[0] % 7;
	p = proto_find(ids[k]);
	data++;
	size--;

	{
		struct proto_reply rep;
		char e[256];
		int rc = p->family->split(p, data, size, &rep, e, sizeof(e));
		if (rc == 0 && rep.ntok < 1)
			abort();
		for (int i = 0; rc == 0 && i < rep.ntok; i++) {
			/* every field lies inside the reply, or is a literal */
			const struct proto_tok *t = &rep.tok[i];
			int inside = t->p >= data && t->p + t->n <= data + size;
			if (!inside && t->n > 11)
				abort();
		}
		proto_reply_free(&rep);
	}
	(void)proto_ack(p, data, size);
	n = proto_frame_len(p, data, size);
	if (n < -1 || n > (int)size)
		abort();

	/* The bytes as a command text: framed or refused, never overrun. */
	if (size < 200 && memchr(data, '\0', size) == NULL) {
		memcpy(cmd, data, size);
		cmd[size] = '\0';
		n = proto_frame(p, cmd, out, sizeof(out), err, sizeof(err));
		if (n > (int)sizeof(out))
			abort();
	}

	/* The simulator: a request line, then its reply. */
	memset(&inv, 0, sizeof(inv));
	inv.proto = sims[k];
	fam_init(&inv.fam);
	if (size <= SIM_RX_MAX &&
	    fam_parse(sims[k], data, size, cmd, sizeof(cmd)) == 1)
		(void)fam_reply(&inv, cmd, 1.0, 0, out, sizeof(out));
	return 0;
}

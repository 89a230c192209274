/*
 * port_test.c - the "test" port: canned replies from the protocol tables,
 * as the reference's testio (docs/ports.md section 4).  Nothing is sent
 * anywhere.  "testN" (case-insensitive, at the start of the name) picks
 * canned reply N; otherwise, or when N is too large, a random one.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "log.h"
#include "port.h"
#include "proto.h"
#include "sbuf.h"

struct port_test {
	struct port		 base;
	const struct pi_proto	*proto;
	char			*name;
	long			 index;		/* -1: random */
	unsigned		 seed;
	/* Reply to unknown commands: the last canned reply, static table
	 * data, so a device keeps no copy of it (PORT_REPLY_MAX at most). */
	const uint8_t		*last;
	size_t			 lastlen;
};

/* The reference's initial "previous response": PI30's canned QDI frame. */
static const char initial_qdi[] = "(230.0 50.0 0030 42.0 54.0 56.4 46.0 60 0 0 2 "
	"0 0 0 0 0 1 1 0 0 1 0 54.0 0 1 000\x9e\x60\r";

static int
test_transact(struct port *p, const char *cmd, const uint8_t *req,
    size_t reqlen, int timeout_ms, struct port_reply *out)
{
	struct port_test *t = (struct port_test *)p;
	const struct pi_cmd *defn;
	const struct pi_bytes *b;
	long n;

	defn = t->proto != NULL ? proto_lookup(t->proto, cmd, NULL, 0) : NULL;
	if (defn == NULL) {
		memcpy(out->reply, t->last, t->lastlen);
		out->len = t->lastlen;
		return 0;
	}
	if (defn->ncanned == 0) {
		snprintf(out->err, sizeof(out->err), "Command %s failed after 3 "
		    "attempts. Last error: empty range for randrange()", cmd);
		return -1;
	}
	n = t->index;
	if (n < 0 || n >= defn->ncanned) {
		if (n >= defn->ncanned)
			log_warn("test port %s: no canned reply %ld for %s "
			    "(%d available), using a random one", t->name, n,
			    cmd, defn->ncanned);
		n = rand_r(&t->seed) % defn->ncanned;
	}
	b = pi_cmd_canned(defn, n);
	out->len = b->len < PORT_REPLY_MAX ? b->len : PORT_REPLY_MAX;
	memcpy(out->reply, pi_str(b->data), out->len);
	t->last = (const uint8_t *)pi_str(b->data);
	t->lastlen = out->len;
	return 0;
}

static void
test_close(struct port *p)
{
}

static void
test_free(struct port *p)
{
	struct port_test *t = (struct port_test *)p;

	free(t->name);
	free(t);
}

static const struct port_ops test_ops = { test_transact, test_close, test_free,
    NULL };

struct port *
port_test_new(const struct port_opts *opts)
{
	struct port_test *t = xcalloc(1, sizeof(*t));
	const char *name = opts->path != NULL ? opts->path : "test";

	port_base_init(&t->base, &test_ops, PORT_TEST, opts, 1);
	t->proto = opts->proto;
	t->name = xstrdup(name);
	t->index = -1;
	t->seed = (unsigned)time(NULL) ^ (unsigned)(uintptr_t)t;
	/* re.match(r"test(\d+)", port, re.IGNORECASE) */
	if (strncasecmp(name, "test", 4) == 0 && isdigit((unsigned char)name[4]))
		t->index = strtol(name + 4, NULL, 10);
	t->last = (const uint8_t *)initial_qdi;
	t->lastlen = sizeof(initial_qdi) - 1;
	return &t->base;
}

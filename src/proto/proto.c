/*
 * proto.c - the protocol registry and the entry points of proto.h, which
 * dispatch through each protocol's family (family.h): command lookup,
 * request framing, the frame rule, and the reference's decode() sequence
 * shared by every family.  The table decoder is in decode.c.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <pcre2.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "family.h"
#include "log.h"
#include "proto.h"
#include "pyfmt.h"
#include "result.h"
#include "sbuf.h"

#define PROTO_MAX	64

const struct pi_proto *pi_protocols[PROTO_MAX];
int pi_nprotocols;

/*
 * Compiled argument patterns, [protocol][command].  A protocol's patterns
 * are compiled the first time one of its commands is judged
 * (proto_compile), so start-up and the heap pay only for the protocols
 * devices use.  Published with release/acquire: workers of different
 * devices may judge commands of the same protocol at once.
 */
static _Atomic(pcre2_code **) proto_re[PROTO_MAX];
static int proto_re_failed[PROTO_MAX];	/* under proto_re_lock */
static pthread_mutex_t proto_re_lock = PTHREAD_MUTEX_INITIALIZER;

int
proto_init(void)
{
	if (pi_nprotocols > 0)
		return 0;
	for (int f = 0; proto_registry[f] != NULL; f++)
		for (int i = 0; proto_registry[f][i] != NULL; i++) {
			if (pi_nprotocols == PROTO_MAX) {
				log_error("more than %d protocols", PROTO_MAX);
				return -1;
			}
			pi_protocols[pi_nprotocols++] = proto_registry[f][i];
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

/* Compiles every pattern of protocol index pi; the caller holds the lock. */
static pcre2_code **
compile_patterns(int pi)
{
	const struct pi_proto *pr = pi_protocols[pi];
	pcre2_code **re = xcalloc((size_t)pr->ncmds + 1, sizeof(*re));
	int errcode;
	PCRE2_SIZE erroff;

	for (int c = 0; c < pr->ncmds; c++) {
		const char *src = pi_str(proto_cmd(pr, c)->regex);
		if (src == NULL)
			continue;
		re[c] = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED, 0,
		    &errcode, &erroff, NULL);
		if (re[c] == NULL) {
			log_error("%s %s: bad pattern %s", pr->id,
			    pi_str(proto_cmd(pr, c)->key), src);
			for (int k = 0; k < c; k++)
				pcre2_code_free(re[k]);
			free(re);
			return NULL;
		}
	}
	return re;
}

/* The compiled patterns of protocol index pi, compiled on first use; NULL
 * when a pattern does not compile (said once in the log). */
static pcre2_code **
patterns(int pi)
{
	pcre2_code **re = atomic_load_explicit(&proto_re[pi],
	    memory_order_acquire);

	if (re != NULL)
		return re;
	pthread_mutex_lock(&proto_re_lock);
	re = atomic_load_explicit(&proto_re[pi], memory_order_relaxed);
	if (re == NULL && !proto_re_failed[pi]) {
		re = compile_patterns(pi);
		if (re == NULL)
			proto_re_failed[pi] = 1;
		else
			atomic_store_explicit(&proto_re[pi], re,
			    memory_order_release);
	}
	pthread_mutex_unlock(&proto_re_lock);
	return re;
}

/* The pairs of each table set as pointers (proto_extra), made on first use. */
static _Atomic(struct result_kv *) proto_kvs[PROTO_NSETS];

const struct result_kv *
proto_extra(pi_ref r)
{
	unsigned set = PI_REF_SET(r);
	struct result_kv *kv = atomic_load_explicit(&proto_kvs[set],
	    memory_order_acquire);

	if (kv == NULL) {
		const struct proto_tables *t = proto_tables[set];
		pthread_mutex_lock(&proto_re_lock);
		kv = atomic_load_explicit(&proto_kvs[set], memory_order_relaxed);
		if (kv == NULL) {
			kv = xcalloc(t->nkvs, sizeof(*kv));
			for (size_t i = 0; i < t->nkvs; i++) {
				kv[i].key = pi_str(t->kvs[i].key);
				kv[i].val = pi_str(t->kvs[i].val);
			}
			atomic_store_explicit(&proto_kvs[set], kv,
			    memory_order_release);
		}
		pthread_mutex_unlock(&proto_re_lock);
	}
	return kv + PI_REF_IDX(r);
}

int
proto_compile(const struct pi_proto *p)
{
	int pi = proto_index(p);

	return pi >= 0 && patterns(pi) != NULL ? 0 : -1;
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
proto_table_judge(const struct pi_proto *p, const char *cmd, char *cv,
    size_t cvlen)
{
	int pi = proto_index(p);
	pcre2_code **re;
	pcre2_match_data *md;
	const struct pi_cmd *found = NULL;

	if (cv != NULL && cvlen > 0)
		cv[0] = '\0';
	for (int c = 0; c < p->ncmds; c++)
		if (proto_cmd(p, c)->regex == 0 &&
		    strcmp(pi_str(proto_cmd(p, c)->key), cmd) == 0)
			return proto_cmd(p, c);
	if (pi < 0 || (re = patterns(pi)) == NULL)
		return NULL;
	md = pcre2_match_data_create(16, NULL);
	if (md == NULL)
		return NULL;
	for (int c = 0; c < p->ncmds && found == NULL; c++) {
		PCRE2_SIZE *ov;
		if (re[c] == NULL)
			continue;
		/* Python re.match: anchored at the start only.  0 is still a
		 * match: more groups than the ovector holds (PI17 ACCT). */
		if (pcre2_match(re[c], (PCRE2_SPTR)cmd, strlen(cmd), 0,
		    PCRE2_ANCHORED, md, NULL) < 0)
			continue;
		found = proto_cmd(p, c);
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

const struct pi_cmd *
proto_lookup(const struct pi_proto *p, const char *cmd, char *cv, size_t cvlen)
{
	if (p->family->judge != NULL)
		return p->family->judge(p, cmd, cv, cvlen);
	return proto_table_judge(p, cmd, cv, cvlen);
}

int
proto_frame(const struct pi_proto *p, const char *cmd, uint8_t *buf,
    size_t cap, char *err, size_t errlen)
{
	return p->family->build(p, cmd, buf, cap, err, errlen);
}

int
proto_frame_len(const struct pi_proto *p, const uint8_t *buf, size_t len)
{
	const uint8_t *cr;

	if (p != NULL && p->family->frame_len != NULL)
		return p->family->frame_len(p, buf, len);
	cr = memchr(buf, '\r', len);
	return cr != NULL ? (int)(cr - buf) + 1 : 0;
}

void
proto_reply_free(struct proto_reply *rep)
{
	free(rep->tok);
	rep->tok = NULL;
	rep->ntok = 0;
	free(rep->bad_own);
	rep->bad_own = NULL;
	free(rep->own);
	rep->own = NULL;
}

void
proto_tokenize(struct proto_reply *rep, const uint8_t *b, size_t n,
    uint8_t sep)
{
	int cap = 8, nt = 0;
	struct proto_tok *t = xmalloc((size_t)cap * sizeof(*t));
	size_t start = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i == n || b[i] == sep) {
			if (nt == cap) {
				cap *= 2;
				t = xrealloc(t, (size_t)cap * sizeof(*t));
			}
			t[nt].p = b + start;
			t[nt].n = i - start;
			t[nt].pad = 0;
			nt++;
			start = i + 1;
		}
	}
	rep->tok = t;
	rep->ntok = nt;
}

/*
 * The reference's decode(), the same for every family: _command and its
 * description, then either the validity check or raw_response followed by
 * the fields (or a warning when the command has no definition).  An
 * exception of the reference becomes a result holding only its ERROR.
 */
void
proto_decode(const struct pi_proto *p, const char *cmd, const uint8_t *reply,
    size_t len, struct result *r)
{
	const struct proto_family *f = p->family;
	struct proto_reply rep;
	const struct pi_cmd *defn;
	struct sbuf raw = SBUF_INIT;
	char cv[128], err[512];
	int rc;

	memset(&rep, 0, sizeof(rep));
	err[0] = '\0';
	defn = proto_lookup(p, cmd, cv, sizeof(cv));
	result_set_plain(r, "_command", cmd);
	if (defn != NULL)
		result_set_plain(r, "_command_description", pi_str(defn->desc));

	rc = f->split(p, reply, len, &rep, err, sizeof(err));
	if (rc > 0) {
		result_set_str(r, "validity check", rep.bad, "");
		proto_reply_free(&rep);
		return;
	}
	if (rc == 0) {
		latin1_to_utf8(&raw, reply, len);
		result_set_str(r, "raw_response", sbuf_str(&raw), "");
		if (defn == NULL) {
			struct sbuf w = SBUF_INIT;
			sbuf_printf(&w, "No definition for command %s in "
			    "protocol b'%s'", cmd, p->id);
			result_set_str(r, "WARNING", sbuf_str(&w), "");
			result_set_str(r, "response", sbuf_str(&raw), "");
			sbuf_free(&w);
		} else if (f->decode != NULL)
			rc = f->decode(p, defn, cmd, cv, &rep, r, err, sizeof(err));
		else
			rc = proto_table_decode(p, defn, cmd, cv, &rep, r, err,
			    sizeof(err));
		sbuf_free(&raw);
	}
	proto_reply_free(&rep);
	if (rc < 0) {
		struct sbuf m = SBUF_INIT;
		sbuf_printf(&m, "Failed to decode response for command %s: %s",
		    cmd, err);
		result_free(r);
		result_error(r, sbuf_str(&m));
		sbuf_free(&m);
	}
}

int
proto_stream_ok(const struct pi_proto *p, const uint8_t *buf, size_t len)
{
	if (p->family->stream_ok == NULL)
		return 1;
	return p->family->stream_ok(p, buf, len);
}

int
proto_stream_frame(const struct pi_proto *p, const uint8_t *buf, size_t len)
{
	if (p->family->stream_frame == NULL)
		return 0;
	return p->family->stream_frame(p, buf, len);
}

int
proto_ack(const struct pi_proto *p, const uint8_t *reply, size_t len)
{
	if (p->family->ack == NULL)
		return PROTO_ACK_NONE;
	return (int)p->family->ack(p, reply, len);
}

int
proto_shape(const struct pi_proto *p, const char *cmd, struct proto_shape *out)
{
	const struct pi_cmd *defn = proto_lookup(p, cmd, NULL, 0);

	memset(out, 0, sizeof(*out));
	out->code = -1;
	out->frames = 1;
	if (defn == NULL)
		return -1;
	if (p->family->shape != NULL)
		p->family->shape(p, defn, out);
	return 0;
}

enum proto_form
proto_tok_form(const struct proto_tok *t)
{
	int dots = 0, digits = 0;

	for (size_t i = 0; i < t->n; i++) {
		if (t->p[i] == '.')
			dots++;
		else if (t->p[i] >= '0' && t->p[i] <= '9')
			digits++;
		else
			return PROTO_FORM_OTHER;
	}
	if (digits == 0 || dots > 1)
		return PROTO_FORM_OTHER;
	return dots == 1 ? PROTO_FORM_DOTTED : PROTO_FORM_PLAIN;
}

/*
 * Fields whose form differs from the shape's.  One is forgiven (a device
 * that writes one number its own way); a reply of another command differs
 * in several.
 */
static int
form_misses(const struct proto_shape *s, const struct proto_reply *rep,
    int *first)
{
	int miss = 0;

	*first = -1;
	for (int i = 0; i < rep->ntok && i < PROTO_SHAPE_FORMS; i++) {
		uint64_t bit = (uint64_t)1 << i;
		enum proto_form f = proto_tok_form(&rep->tok[i]);
		if (((s->dotted & bit) && f != PROTO_FORM_DOTTED) ||
		    ((s->plain & bit) && f != PROTO_FORM_PLAIN)) {
			if (miss++ == 0)
				*first = i;
		}
	}
	return miss;
}

int
proto_fits(const struct pi_proto *p, const char *cmd, const uint8_t *reply,
    size_t len, char *why, size_t whylen)
{
	struct proto_shape s;
	struct proto_reply rep;
	char err[128];
	int fits = 1, ack, miss, first;

	if (proto_shape(p, cmd, &s) != 0 || s.kind == PROTO_SHAPE_ANY ||
	    s.streamed)
		return 1;
	memset(&rep, 0, sizeof(rep));
	if (p->family->split(p, reply, len, &rep, err, sizeof(err)) != 0) {
		proto_reply_free(&rep);
		return 1;
	}
	ack = proto_ack(p, reply, len);
	if (ack == PROTO_ACK_NO)
		;	/* a refusal ("^0") is an answer to any command */
	else if (s.kind == PROTO_SHAPE_ACK && ack == PROTO_ACK_NONE) {
		snprintf(why, whylen, "an acknowledgement was expected, the "
		    "reply has %d field%s", rep.ntok, rep.ntok == 1 ? "" : "s");
		fits = 0;
	} else if (s.kind == PROTO_SHAPE_FIELDS && ack == PROTO_ACK_YES) {
		snprintf(why, whylen, "data was expected, the reply is an "
		    "acknowledgement");
		fits = 0;
	} else if (s.kind == PROTO_SHAPE_FIELDS && (rep.ntok < s.min_fields ||
	    (s.max_fields > 0 && rep.ntok > s.max_fields))) {
		if (s.max_fields > 0)
			snprintf(why, whylen, "%d to %d fields were expected, "
			    "the reply has %d", s.min_fields, s.max_fields,
			    rep.ntok);
		else
			snprintf(why, whylen, "at least %d fields were "
			    "expected, the reply has %d", s.min_fields,
			    rep.ntok);
		fits = 0;
	} else if (s.kind == PROTO_SHAPE_FIELDS &&
	    (miss = form_misses(&s, &rep, &first)) > 1) {
		snprintf(why, whylen, "%d fields are not numbers of the form "
		    "expected (the first is field %d, '%.*s')", miss, first + 1,
		    (int)(rep.tok[first].n > 16 ? 16 : rep.tok[first].n),
		    (const char *)rep.tok[first].p);
		fits = 0;
	}
	/* BINARY: the layout's size is no bound (the BMS samples are
	 * shorter and longer than their rows); only the kind is checked. */
	proto_reply_free(&rep);
	return fits;
}

/*
 * A setter expects an acknowledgement.  A query answers one delimited
 * field per row that reads the reply (info
 * rows take their value from the command's argument instead), but real
 * devices differ from the table: the sample replies it carries (from real
 * inverters) show 21 fields for PI30MAX's 24-row QPIGS, 25 to 28 for
 * QPIRI, 12 for the one-row QMCHGCR.  So the counts known are the table's
 * and every sample's; a reply may have a few fewer than the least of them
 * (firmware that omits trailing fields: two from six fields on, one from
 * three) and four more than the most (fields the table does not know).  A
 * field is held to a form (decimal point or not) when every sample that
 * has it agrees: QPIGS and QPIRI have similar counts, but their numbers
 * differ in form from the fifth field on.
 */
void
proto_table_shape(const struct pi_proto *p, const struct pi_cmd *defn,
    struct proto_shape *out)
{
	uint64_t seen = 0, notdot = 0, notplain = 0;
	int lo = 0, hi = 0;

	out->frames = 1;
	out->code = -1;
	if (defn->setter) {
		out->kind = PROTO_SHAPE_ACK;
		return;
	}
	if (defn->nrows == 0) {
		out->kind = PROTO_SHAPE_ANY;
		return;
	}
	out->kind = PROTO_SHAPE_FIELDS;
	out->fields = defn->nrows;
	for (int i = 0; i < defn->nrows; i++)
		if (pi_cmd_row(defn, i)->kind != PK_INFO)
			lo = ++hi;
	if (lo == 0)
		lo = hi = 1;
	for (int k = 0; k < defn->ncanned; k++) {
		struct proto_reply rep;
		char err[64];

		memset(&rep, 0, sizeof(rep));
		if (p->family->split(p, (const uint8_t *)pi_str(pi_cmd_canned(defn, k)->data),
		    pi_cmd_canned(defn, k)->len, &rep, err, sizeof(err)) != 0 ||
		    proto_ack(p, (const uint8_t *)pi_str(pi_cmd_canned(defn, k)->data),
		    pi_cmd_canned(defn, k)->len) != PROTO_ACK_NONE) {
			proto_reply_free(&rep);
			continue;
		}
		if (rep.ntok < lo)
			lo = rep.ntok;
		if (rep.ntok > hi)
			hi = rep.ntok;
		for (int i = 0; i < rep.ntok && i < PROTO_SHAPE_FORMS; i++) {
			enum proto_form f = proto_tok_form(&rep.tok[i]);
			seen |= (uint64_t)1 << i;
			if (f != PROTO_FORM_DOTTED)
				notdot |= (uint64_t)1 << i;
			if (f != PROTO_FORM_PLAIN)
				notplain |= (uint64_t)1 << i;
		}
		proto_reply_free(&rep);
	}
	out->min_fields = lo >= 6 ? lo - 2 : lo >= 3 ? lo - 1 : lo;
	out->max_fields = hi + 4;
	out->dotted = seen & ~notdot;
	out->plain = seen & ~notplain;
}

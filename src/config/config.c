/*
 * config.c - loads mpp-solar.conf (reference/DAEMON.md sections 1-2) into
 * struct config, validates it and reports every problem with file, line
 * and key.
 *
 * Three layers, in this order:
 *  1. lex: the file is read into memory and every line is checked (NUL
 *     bytes, invalid UTF-8, control characters, > 64 KiB lines) and
 *     classified exactly as Python's configparser does (comment, [section],
 *     key, indented continuation line).  Duplicate sections are found here.
 *  2. inih splits the key lines into name and value.  inih as built by
 *     Debian differs from configparser in ways that matter, so it is fed
 *     through ini_parse_stream() by a reader that serves it pre-classified
 *     lines (see ini_feed()).
 *  3. interpret: [SETUP], [DEFAULT] and the device sections are turned
 *     into struct config; numbers, booleans, regexes, topic filters and
 *     protocol names are checked; per-device mqtt_* keys override [SETUP].
 *
 * Errors collect in the caller's sbuf, one line each:
 *	mppd.conf:12: pause: expected a whole number from 0 to 86400, found "ten"
 * Warnings (unknown keys, glob-like allowlist patterns, ...) are logged.
 * Runs once at start-up on the main thread (it sets inih's globals).
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <math.h>
#include <mosquitto.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "allow.h"
#include "config.h"
#include "ident.h"
#include "log.h"
#include "output.h"
#include "port.h"
#include "proto.h"
#include "sbuf.h"
#include "utf8.h"

#define CFG_LINE_MAX	65536			/* bytes per line, without the newline */
#define CFG_FILE_MAX	(16 * 1024 * 1024)	/* a config file is a few KiB */
#define CFG_MAX_ERRORS	50
#define CFG_MAX_BADLINES 10			/* byte-level errors before giving up */
#define CFG_INTERP_DEPTH 10			/* configparser's MAX_INTERPOLATION_DEPTH */

#define DEFAULT_CMD_TOPIC	"{hostname}/{device}/cmd"

/* ---------------------------------------------------------------------- */
/* Keys */

enum mtype {
	MT_STR,		/* string, must not be empty */
	MT_OPT,		/* string, empty = unset (NULL) */
	MT_INT,		/* whole number in [min, max] */
	MT_BOOL,
	MT_PROTO,	/* MQTT protocol version */
	MT_MATCH,	/* full | prefix */
	MT_SECS		/* seconds > 0, at most max */
};

enum mk {
	MK_BROKER, MK_PORT, MK_USER, MK_PASS, MK_KEEPALIVE, MK_PROTOCOL,
	MK_TLS_CA, MK_TLS_CERT, MK_TLS_KEY, MK_TLS_INSECURE, MK_CMD_TOPIC,
	MK_CMD_QOS, MK_CMD_MATCH, MK_ALLOW_UNDEFINED, MK_ALLOWED_CMDS,
	MK_CLIENT_ID, MK_HOSTNAME, MK_RECONNECT_MIN, MK_RECONNECT_MAX,
	MK_QUEUE_MAX, MK_COUNT
};

#define MOFF(f)	offsetof(struct mqtt_settings, f)

/* Every mqtt_* key; conn = a property of the broker connection, which
 * devices sharing (host, port, user) must agree on. */
static const struct mkey {
	const char	*name;
	enum mtype	 type;
	size_t		 off;
	long		 min, max;
	int		 conn;
	const char	*expect;
} mkeys[MK_COUNT] = {
	[MK_BROKER] = { "mqtt_broker", MT_STR, MOFF(broker), 0, 0, 0,
	    "a broker host name" },
	[MK_PORT] = { "mqtt_port", MT_INT, MOFF(port), 1, 65535, 0,
	    "a port number from 1 to 65535" },
	[MK_USER] = { "mqtt_user", MT_OPT, MOFF(user), 0, 0, 0, NULL },
	[MK_PASS] = { "mqtt_pass", MT_OPT, MOFF(pass), 0, 0, 1, NULL },
	[MK_KEEPALIVE] = { "mqtt_keepalive", MT_INT, MOFF(keepalive), 5,
	    65535, 1, "seconds from 5 to 65535" },
	[MK_PROTOCOL] = { "mqtt_protocol", MT_PROTO, MOFF(protocol), 0, 0, 1,
	    "3.1.1, 4 or 5" },
	[MK_TLS_CA] = { "mqtt_tls_ca", MT_OPT, MOFF(tls_ca), 0, 0, 1, NULL },
	[MK_TLS_CERT] = { "mqtt_tls_cert", MT_OPT, MOFF(tls_cert), 0, 0, 1,
	    NULL },
	[MK_TLS_KEY] = { "mqtt_tls_key", MT_OPT, MOFF(tls_key), 0, 0, 1,
	    NULL },
	[MK_TLS_INSECURE] = { "mqtt_tls_insecure", MT_BOOL,
	    MOFF(tls_insecure), 0, 0, 1, NULL },
	[MK_CMD_TOPIC] = { "mqtt_cmd_topic", MT_STR, MOFF(cmd_topic), 0, 0,
	    0, "an MQTT topic filter such as " DEFAULT_CMD_TOPIC },
	[MK_CMD_QOS] = { "mqtt_cmd_qos", MT_INT, MOFF(cmd_qos), 0, 2, 0,
	    "0, 1 or 2" },
	[MK_CMD_MATCH] = { "mqtt_cmd_match", MT_MATCH, MOFF(cmd_match), 0, 0,
	    0, "full or prefix" },
	[MK_ALLOW_UNDEFINED] = { "mqtt_allow_undefined", MT_BOOL,
	    MOFF(allow_undefined), 0, 0, 0, NULL },
	[MK_ALLOWED_CMDS] = { "mqtt_allowed_cmds", MT_OPT,
	    MOFF(allowed_cmds), 0, 0, 0, NULL },
	[MK_CLIENT_ID] = { "mqtt_client_id", MT_OPT, MOFF(client_id), 0, 0,
	    1, NULL },
	[MK_HOSTNAME] = { "mqtt_hostname", MT_OPT, MOFF(hostname), 0, 0, 1,
	    NULL },
	[MK_RECONNECT_MIN] = { "mqtt_reconnect_min", MT_SECS,
	    MOFF(reconnect_min), 0, 86400, 1,
	    "seconds greater than 0, at most 86400" },
	[MK_RECONNECT_MAX] = { "mqtt_reconnect_max", MT_SECS,
	    MOFF(reconnect_max), 0, 86400, 1,
	    "seconds greater than 0, at most 86400" },
	[MK_QUEUE_MAX] = { "mqtt_queue_max", MT_INT, MOFF(queue_max), 1,
	    1000000, 1, "a whole number from 1 to 1000000" },
};

enum kscope { KS_SETUP = 1, KS_DEV = 2, KS_BOTH = 3 };

enum kid {
	K_PAUSE, K_LOG_FILE, K_HTTP_LISTEN,
	K_PROTOCOL, K_TYPE, K_PORT, K_BAUD, K_PORTTYPE, K_COMMAND, K_TAG,
	K_OUTPUTS, K_FILTER, K_EXCLFILTER, K_MQTT_TOPIC, K_DEV, K_TIMEOUT,
	K_QUEUE_LEN, K_HASS_CONTROLS,
	K_IGNORED,	/* read by the reference, not used by mppd */
	K_MQTT		/* K_MQTT + enum mk */
};

static const struct kdef {
	const char	*name;
	enum kscope	 scope;
	int		 id;
} kdefs[] = {
	{ "pause", KS_SETUP, K_PAUSE },
	{ "log_file", KS_SETUP, K_LOG_FILE },
	{ "http_listen", KS_SETUP, K_HTTP_LISTEN },
	{ "protocol", KS_DEV, K_PROTOCOL },
	{ "type", KS_DEV, K_TYPE },
	{ "port", KS_DEV, K_PORT },
	{ "baud", KS_DEV, K_BAUD },
	{ "porttype", KS_DEV, K_PORTTYPE },
	{ "command", KS_DEV, K_COMMAND },
	{ "tag", KS_DEV, K_TAG },
	{ "outputs", KS_DEV, K_OUTPUTS },
	{ "filter", KS_DEV, K_FILTER },
	{ "exclfilter", KS_DEV, K_EXCLFILTER },
	{ "mqtt_topic", KS_DEV, K_MQTT_TOPIC },
	{ "dev", KS_DEV, K_DEV },
	{ "timeout", KS_DEV, K_TIMEOUT },
	{ "queue_len", KS_DEV, K_QUEUE_LEN },
	{ "hass_controls", KS_BOTH, K_HASS_CONTROLS },
	/* The reference passes these to outputs mppd does not have. */
	{ "udpport", KS_DEV, K_IGNORED },
	{ "postgres_url", KS_DEV, K_IGNORED },
	{ "mongo_url", KS_DEV, K_IGNORED },
	{ "mongo_db", KS_DEV, K_IGNORED },
	{ "push_url", KS_DEV, K_IGNORED },
	{ "prom_output_dir", KS_DEV, K_IGNORED },
};

/* ---------------------------------------------------------------------- */
/* Parser state */

enum lkind { L_BLANK = 0, L_COMMENT, L_SECTION, L_KEY, L_CONT, L_BAD };

struct cline {
	const char	*text;		/* in ctx.data; not NUL-terminated */
	size_t		 len;		/* without "\n" / "\r\n" */
	enum lkind	 kind;
	int		 sect;		/* section index; -1 none, -2 ignored */
	struct sbuf	 cont;		/* L_KEY: "\n" + each continuation line */
};

struct centry {
	char		*key;		/* lower-cased */
	char		*val;		/* raw: continuation joined, not interpolated */
	int		 line;
};

struct csect {
	char		*name;
	int		 line;
	struct centry	*ents;
	int		 nents;
};

/* Where each effective mqtt_* value came from. */
struct morigin {
	int		 line[MK_COUNT];	/* 0: built-in or CLI */
	unsigned char	 own[MK_COUNT];		/* set in this very section */
};

/* One error, kept until config_load() sorts them by line. */
struct cmsg {
	int		 line;		/* -1: the [SETUP] message, first */
	int		 seq;
	char		*text;
};

struct ctx {
	const char	*path;
	struct cmsg	*errs;
	int		 nerr;
	mode_t		 mode;		/* file permissions */
	int		 has_pass;	/* some section sets mqtt_pass */
	char		*data;
	size_t		 size;
	struct cline	*lines;
	int		 nlines;
	struct csect	*sects;
	int		 nsects;
	int		 setup;		/* index of [SETUP], -1 */
	int		 dflt;		/* index of [DEFAULT], -1 */
	/* ini_feed() state */
	int		 rnext;		/* next line to serve */
	int		 rline;		/* line being served (0-based) */
	const char	*rp;
	size_t		 rleft;
	struct sbuf	 rbuf;
	/* interpretation */
	struct morigin	 so;		/* [SETUP] */
	struct morigin	*dorig;		/* per device */
	int		 proto_ok;	/* proto_init() succeeded */
};

/* ---------------------------------------------------------------------- */
/* Messages */

static void	cerr(struct ctx *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static void	cwarn(struct ctx *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

/*
 * Records the error "<file>:<line>: <message>" (line 0: no line).  An
 * identical message is kept once (an inherited [SETUP] value is checked
 * for every device).  flush_errors() hands them to the caller sorted.
 */
static void
cerr(struct ctx *x, int line, const char *fmt, ...)
{
	struct sbuf m = SBUF_INIT;
	struct cmsg *e;
	va_list ap;

	if (line > 0)
		sbuf_printf(&m, "%s:%d: ", x->path, line);
	else
		sbuf_printf(&m, "%s: ", x->path);
	va_start(ap, fmt);
	sbuf_vprintf(&m, fmt, ap);
	va_end(ap);
	for (int i = 0; i < x->nerr; i++)
		if (strcmp(x->errs[i].text, sbuf_str(&m)) == 0) {
			sbuf_free(&m);
			return;
		}
	x->errs = xrealloc(x->errs, (size_t)(x->nerr + 1) * sizeof(*x->errs));
	e = &x->errs[x->nerr];
	e->line = line;
	e->seq = x->nerr++;
	sbuf_reserve(&m, 0);
	e->text = sbuf_steal(&m);
}

/* The reference's message for a missing file or [SETUP]: no file:line. */
static void
cerr_setup(struct ctx *x, const char *why)
{
	struct sbuf m = SBUF_INIT;

	sbuf_printf(&m, "Config File '%s' is missing the required 'SETUP' "
	    "section or does not exist", x->path);
	if (why != NULL)
		sbuf_printf(&m, " (%s: %s)", x->path, why);
	x->errs = xrealloc(x->errs, (size_t)(x->nerr + 1) * sizeof(*x->errs));
	x->errs[x->nerr].line = -1;
	x->errs[x->nerr].seq = x->nerr;
	x->errs[x->nerr].text = sbuf_steal(&m);
	x->nerr++;
}

/* qsort order of errors: by line, then as reported. */
static int
cmsg_cmp(const void *a, const void *b)
{
	const struct cmsg *p = a, *q = b;

	if (p->line != q->line)
		return p->line < q->line ? -1 : 1;
	return p->seq < q->seq ? -1 : p->seq > q->seq;
}

/* Appends the errors to err in line order, at most CFG_MAX_ERRORS. */
static void
flush_errors(struct ctx *x, struct sbuf *err)
{
	if (x->nerr > 1)
		qsort(x->errs, (size_t)x->nerr, sizeof(*x->errs), cmsg_cmp);
	for (int i = 0; i < x->nerr; i++) {
		if (i < CFG_MAX_ERRORS)
			sbuf_printf(err, "%s\n", x->errs[i].text);
		free(x->errs[i].text);
	}
	if (x->nerr > CFG_MAX_ERRORS)
		sbuf_printf(err, "%s: %d more errors not shown\n", x->path,
		    x->nerr - CFG_MAX_ERRORS);
	free(x->errs);
	x->errs = NULL;
}

/* Logs "<file>:<line>: <message>" as a warning. */
static void
cwarn(struct ctx *x, int line, const char *fmt, ...)
{
	struct sbuf m = SBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	sbuf_vprintf(&m, fmt, ap);
	va_end(ap);
	if (line > 0)
		log_warn("%s:%d: %s", x->path, line, sbuf_str(&m));
	else
		log_warn("%s: %s", x->path, sbuf_str(&m));
	sbuf_free(&m);
}

/*
 * Writes v into q (n bytes) for a message: control characters escaped
 * (a multi-line value shows its "\n"), long values cut with "...".
 */
static const char *
quoted(const char *v, char *q, size_t n)
{
	size_t o = 0, max = n > 4 ? n - 4 : 0;

	for (; *v != '\0' && o < max; v++) {
		unsigned char ch = (unsigned char)*v;

		if (ch == '\n' || ch == '\t') {
			if (o + 2 > max)
				break;
			q[o++] = '\\';
			q[o++] = ch == '\n' ? 'n' : 't';
		} else if (ch < 0x20 || ch == 0x7f)
			q[o++] = '?';
		else
			q[o++] = (char)ch;
	}
	if (*v != '\0' && n >= 4) {
		memcpy(q + o, "...", 3);
		o += 3;
	}
	if (n > 0)
		q[o < n ? o : n - 1] = '\0';
	return q;
}

/* Levenshtein distance of two short strings; a large number when long. */
static int
edit_distance(const char *a, const char *b)
{
	int row[65], la = (int)strlen(a), lb = (int)strlen(b);

	if (la > 64 || lb > 64)
		return INT_MAX;
	for (int j = 0; j <= lb; j++)
		row[j] = j;
	for (int i = 1; i <= la; i++) {
		int diag = row[0], tmp;

		row[0] = i;
		for (int j = 1; j <= lb; j++) {
			int best = diag + (a[i - 1] != b[j - 1]);

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			tmp = row[j];
			row[j] = best;
			diag = tmp;
		}
	}
	return row[lb];
}

/*
 * The closest of the known keys valid in scope, or NULL when none is
 * within 3 edits (and fewer edits than the word has letters: "x" is not
 * a typo of "tag").
 */
static const char *
closest_key(const char *word, enum kscope scope)
{
	const char *best = NULL;
	int bestd = 4, d, wl = (int)strlen(word);

	for (size_t i = 0; i < sizeof(kdefs) / sizeof(kdefs[0]); i++) {
		if ((kdefs[i].scope & scope) == 0)
			continue;
		d = edit_distance(word, kdefs[i].name);
		if (d < bestd && d < wl) {
			bestd = d;
			best = kdefs[i].name;
		}
	}
	for (int i = 0; i < MK_COUNT; i++) {
		d = edit_distance(word, mkeys[i].name);
		if (d < bestd && d < wl) {
			bestd = d;
			best = mkeys[i].name;
		}
	}
	return best;
}

/* The closest output name, as closest_key(). */
static const char *
closest_output(const char *word)
{
	const char *best = NULL;
	int bestd = 4, d, wl = (int)strlen(word);

	for (int i = 0; output_help[i][0] != NULL; i++) {
		d = edit_distance(word, output_help[i][0]);
		if (d < bestd && d < wl) {
			bestd = d;
			best = output_help[i][0];
		}
	}
	return best;
}

/* ---------------------------------------------------------------------- */
/* Layer 1: reading and classifying lines */

/*
 * Reads the whole file into x->data.  A file that cannot be opened gets
 * the reference's message plus the reason.  0 or -1.
 */
static int
read_file(struct ctx *x)
{
	struct sbuf s = SBUF_INIT;
	struct stat st;
	char buf[8192];
	size_t n;
	FILE *f;

	if ((f = fopen(x->path, "rb")) == NULL) {
		cerr_setup(x, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) == 0) {
		x->mode = st.st_mode;
		if (S_ISDIR(st.st_mode)) {
			cerr_setup(x, strerror(EISDIR));
			fclose(f);
			return -1;
		}
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (s.len + n > CFG_FILE_MAX) {
			cerr(x, 0, "file is larger than %d MiB; is this the "
			    "right file?", CFG_FILE_MAX / (1024 * 1024));
			sbuf_free(&s);
			fclose(f);
			return -1;
		}
		sbuf_add(&s, buf, n);
	}
	if (ferror(f)) {
		cerr(x, 0, "cannot read: %s", strerror(errno));
		sbuf_free(&s);
		fclose(f);
		return -1;
	}
	fclose(f);
	x->size = s.len;
	x->data = sbuf_steal(&s);
	return 0;
}

/*
 * Reports the first byte-level problem of a line: NUL, a control
 * character other than tab, invalid UTF-8.  0 or -1.
 */
static int
check_bytes(struct ctx *x, int lineno, const char *text, size_t len)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t i = 0, n;

	while (i < len) {
		if (p[i] == '\0') {
			cerr(x, lineno, "NUL byte at column %zu: expected text "
			    "(is this a binary file?)", i + 1);
			return -1;
		}
		if ((p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f) {
			cerr(x, lineno, "control character 0x%02x at column "
			    "%zu: expected text%s", p[i], i + 1, p[i] == '\r' ?
			    " (a lone carriage return: save the file with Unix "
			    "or DOS line ends)" : "");
			return -1;
		}
		if ((n = utf8_seqlen(p + i, len - i)) == 0) {
			cerr(x, lineno, "invalid UTF-8 byte 0x%02x at column "
			    "%zu: expected UTF-8 text", p[i], i + 1);
			return -1;
		}
		i += n;
	}
	return 0;
}

/* Appends section name[0..len) first seen at line; returns its index. */
static int
add_section(struct ctx *x, const char *name, size_t len, int line)
{
	struct csect *s;

	x->sects = xrealloc(x->sects, (size_t)(x->nsects + 1) *
	    sizeof(*x->sects));
	s = &x->sects[x->nsects];
	memset(s, 0, sizeof(*s));
	s->name = xstrndup(name, len);
	s->line = line;
	return x->nsects++;
}

/* Index of the section called name[0..len) (case-sensitive), or -1. */
static int
find_section(const struct ctx *x, const char *name, size_t len)
{
	for (int i = 0; i < x->nsects; i++)
		if (strlen(x->sects[i].name) == len &&
		    memcmp(x->sects[i].name, name, len) == 0)
			return i;
	return -1;
}

/*
 * Handles a line whose stripped text s starts with '['.  configparser's
 * header regex is \[(?P<header>.+)\] with re.match: the name runs to the
 * LAST ']' and text after it is ignored (inih would stop at the first).
 * Returns the section index, -2 for a section whose keys are ignored
 * (a duplicate), or -3 when the line is not a header at all.
 */
static int
lex_header(struct ctx *x, int lineno, const char *s, size_t slen)
{
	const char *close = NULL, *rest;
	size_t nlen;
	int i;

	for (size_t k = slen; k > 1; k--)
		if (s[k - 1] == ']') {
			close = s + k - 1;
			break;
		}
	if (close == NULL || close == s + 1) {
		char q[96], *t = xstrndup(s, slen);

		if (close == NULL)
			cerr(x, lineno, "unterminated section header '%s': "
			    "expected ']'", quoted(t, q, sizeof(q)));
		else
			cerr(x, lineno, "empty section name '[]': expected "
			    "[SETUP] or a device name");
		free(t);
		return -3;
	}
	nlen = (size_t)(close - s - 1);
	rest = close + 1;
	while (rest < s + slen && (*rest == ' ' || *rest == '\t'))
		rest++;
	if (rest < s + slen && *rest != '#' && *rest != ';')
		cwarn(x, lineno, "text after the section header ignored: "
		    "'%.*s'", (int)(s + slen - rest), rest);
	if ((i = find_section(x, s + 1, nlen)) >= 0) {
		/* configparser merges repeated [DEFAULT] blocks. */
		if (i == x->dflt)
			return i;
		cerr(x, lineno, "[%.*s]: duplicate section (first at line "
		    "%d)", (int)nlen, s + 1, x->sects[i].line);
		return -2;
	}
	i = add_section(x, s + 1, nlen, lineno);
	if (strcmp(x->sects[i].name, "SETUP") == 0)
		x->setup = i;
	else if (strcmp(x->sects[i].name, "DEFAULT") == 0)
		x->dflt = i;
	return i;
}

/*
 * Splits the file into lines and classifies each as configparser does:
 * full-line '#'/';' comments (no inline comments), blank lines, indented
 * continuation lines (indented deeper than the key they continue; blank
 * lines inside a value are kept, comment lines are skipped), [section]
 * headers and key lines.  Continuation text is collected into the key
 * line's cont buffer.  Line ends: "\n" and "\r\n"; a UTF-8 BOM is skipped.
 */
static void
lex(struct ctx *x)
{
	size_t off = 0, indent_level = 0;
	int cursect = -1, optline = -1, bad = 0;

	if (x->size >= 3 && memcmp(x->data, "\xef\xbb\xbf", 3) == 0)
		off = 3;
	while (off < x->size) {
		const char *text = x->data + off, *nl, *s;
		size_t len, slen, indent;
		struct cline *l;
		int lineno, si;

		nl = memchr(text, '\n', x->size - off);
		len = nl != NULL ? (size_t)(nl - text) : x->size - off;
		off += len + (nl != NULL);
		if (len > 0 && text[len - 1] == '\r')
			len--;
		x->lines = xrealloc(x->lines, (size_t)(x->nlines + 1) *
		    sizeof(*x->lines));
		l = &x->lines[x->nlines++];
		memset(l, 0, sizeof(*l));
		l->text = text;
		l->len = len;
		l->sect = cursect;
		lineno = x->nlines;

		if (len > CFG_LINE_MAX || check_bytes(x, lineno, text, len) < 0) {
			if (len > CFG_LINE_MAX)
				cerr(x, lineno, "line is %zu bytes long: "
				    "expected at most %d", len, CFG_LINE_MAX);
			l->kind = L_BAD;
			if (++bad >= CFG_MAX_BADLINES) {
				cerr(x, lineno, "giving up after %d bad "
				    "lines: expected a UTF-8 text file", bad);
				break;
			}
			continue;
		}

		s = text;
		while (s < text + len && (*s == ' ' || *s == '\t'))
			s++;
		indent = (size_t)(s - text);
		slen = len - indent;
		while (slen > 0 && (s[slen - 1] == ' ' || s[slen - 1] == '\t'))
			slen--;
		if (slen > 0 && (s[0] == '#' || s[0] == ';')) {
			l->kind = L_COMMENT;
			continue;
		}
		if (slen == 0) {
			l->kind = L_BLANK;
			if (cursect != -1 && optline >= 0)
				sbuf_addc(&x->lines[optline].cont, '\n');
			continue;
		}
		if (cursect != -1 && optline >= 0 && indent > indent_level) {
			l->kind = L_CONT;
			sbuf_addc(&x->lines[optline].cont, '\n');
			sbuf_add(&x->lines[optline].cont, s, slen);
			continue;
		}
		indent_level = indent;
		optline = -1;
		if (s[0] == '[') {
			si = lex_header(x, lineno, s, slen);
			if (si == -3) {
				l->kind = L_BAD;
				/* Keys below belong to no usable section. */
				cursect = -2;
			} else {
				l->kind = L_SECTION;
				cursect = si;
			}
			l->sect = cursect;
			continue;
		}
		if (cursect == -1) {
			cerr(x, lineno, "key outside any section: expected a "
			    "[SETUP] or [device] header before '%.*s'",
			    (int)(slen > 40 ? 40 : slen), s);
			l->kind = L_BAD;
			continue;
		}
		{
			const char *d = s;
			size_t klen;

			while (d < s + slen && *d != '=' && *d != ':')
				d++;
			if (d == s + slen) {
				char q[96], *t = xstrndup(s, slen);

				cerr(x, lineno, "expected 'key = value', a "
				    "[section] header or a # comment, found "
				    "'%s'", quoted(t, q, sizeof(q)));
				free(t);
				l->kind = L_BAD;
				continue;
			}
			klen = (size_t)(d - s);
			while (klen > 0 && (s[klen - 1] == ' ' ||
			    s[klen - 1] == '\t'))
				klen--;
			if (klen == 0) {
				cerr(x, lineno, "expected a key name before "
				    "'%c', found nothing", *d);
				l->kind = L_BAD;
				continue;
			}
		}
		/* Keys of an ignored section still own their continuation
		 * lines, but are not served to inih. */
		l->kind = cursect >= 0 ? L_KEY : L_BAD;
		optline = x->nlines - 1;
	}
}

/* ---------------------------------------------------------------------- */
/* Layer 2: inih */

/*
 * inih's ini_reader (fgets semantics) over the classified lines.  Only
 * key lines reach inih as they are (stripped); a section header becomes
 * "[s]" (the section is tracked here, by the line table: inih would cut a
 * name at its first ']' and has a fixed-size section buffer); every other
 * line - comment, blank, continuation, bad - becomes an empty line.  That
 * sidesteps the differences between Debian's inih and configparser:
 * inih continues a value on ANY indented line (configparser only on lines
 * indented deeper than the key), strips ';' inline comments by default,
 * has no line numbers in its handler (INI_HANDLER_LINENO is 0), and cuts
 * lines at 200 bytes by default.
 */
static char *
ini_feed(char *str, int num, void *stream)
{
	struct ctx *x = stream;
	size_t n;

	if (num <= 1)
		return NULL;
	if (x->rleft == 0) {
		const struct cline *l;

		if (x->rnext >= x->nlines)
			return NULL;
		x->rline = x->rnext++;
		l = &x->lines[x->rline];
		sbuf_reset(&x->rbuf);
		if (l->kind == L_KEY) {
			const char *s = l->text;
			size_t len = l->len;

			while (len > 0 && (*s == ' ' || *s == '\t')) {
				s++;
				len--;
			}
			sbuf_add(&x->rbuf, s, len);
		} else if (l->kind == L_SECTION)
			sbuf_adds(&x->rbuf, "[s]");
		sbuf_addc(&x->rbuf, '\n');
		x->rp = x->rbuf.buf;
		x->rleft = x->rbuf.len;
	}
	n = x->rleft < (size_t)num - 1 ? x->rleft : (size_t)num - 1;
	memcpy(str, x->rp, n);
	str[n] = '\0';
	x->rp += n;
	x->rleft -= n;
	return str;
}

/* Trims ASCII white space (including the "\n" of joined lines) from the end. */
static void
rstrip(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
}

/*
 * inih's handler: one key line (x->rline).  Keys are case-insensitive
 * (configparser's optionxform), the value gets its continuation lines
 * joined with "\n" and trailing white space removed, a repeated key in a
 * section is an error (configparser's strict mode).  Always returns 1:
 * errors are collected, not signalled to inih.
 */
static int
ini_entry(void *user, const char *section, const char *name,
    const char *value)
{
	struct ctx *x = user;
	const struct cline *l = &x->lines[x->rline];
	struct centry *e;
	struct csect *s;
	struct sbuf v = SBUF_INIT;
	char *key;
	int lineno = x->rline + 1;

	(void)section;
	if (l->kind != L_KEY || l->sect < 0)
		return 1;
	s = &x->sects[l->sect];
	key = xstrdup(name);
	for (char *p = key; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	for (int i = 0; i < s->nents; i++)
		if (strcmp(s->ents[i].key, key) == 0) {
			cerr(x, lineno, "%s: duplicate key in [%s] (first at "
			    "line %d)", key, s->name, s->ents[i].line);
			free(key);
			return 1;
		}
	sbuf_adds(&v, value);
	sbuf_add(&v, sbuf_str(&l->cont), l->cont.len);
	sbuf_reserve(&v, 0);
	rstrip(v.buf);
	s->ents = xrealloc(s->ents, (size_t)(s->nents + 1) * sizeof(*s->ents));
	e = &s->ents[s->nents++];
	e->key = key;
	e->val = sbuf_steal(&v);
	e->line = lineno;
	return 1;
}

/*
 * Runs inih over the classified lines.  Debian's libinih exposes its
 * compile-time options as globals; they are set for this parse only and
 * restored (config_load runs once, on the main thread, before any other
 * thread exists).
 */
static void
ini_run(struct ctx *x)
{
	int saved_max = ini_max_line;
	bool saved_stack = ini_use_stack, saved_realloc = ini_allow_realloc;
	bool saved_multi = ini_allow_multiline, saved_bom = ini_allow_bom;
	bool saved_inline = ini_allow_inline_comments;
	bool saved_noval = ini_allow_no_value;
	int rc;

	ini_max_line = CFG_LINE_MAX + 3;	/* "\r\n\0", per ini.h */
	ini_use_stack = false;
	ini_allow_realloc = true;
	ini_allow_multiline = false;		/* lex() did continuations */
	ini_allow_inline_comments = false;	/* configparser has none */
	ini_allow_bom = false;			/* lex() skipped it */
	ini_allow_no_value = false;
	x->rnext = 0;
	x->rleft = 0;
	rc = ini_parse_stream(ini_feed, x, ini_entry, x);
	ini_max_line = saved_max;
	ini_use_stack = saved_stack;
	ini_allow_realloc = saved_realloc;
	ini_allow_multiline = saved_multi;
	ini_allow_bom = saved_bom;
	ini_allow_inline_comments = saved_inline;
	ini_allow_no_value = saved_noval;
	if (rc == -2)
		fatal("out of memory parsing %s", x->path);
	/* Lines lex() accepted are always understood; a backstop. */
	if (rc > 0 && x->nerr == 0)
		cerr(x, rc, "not understood by the INI parser");
}

/* ---------------------------------------------------------------------- */
/* Values */

/* Entry key of section si (no [DEFAULT] fallback), or NULL; owned by x. */
static const struct centry *
sect_get(const struct ctx *x, int si, const char *key)
{
	const struct csect *s;

	if (si < 0)
		return NULL;
	s = &x->sects[si];
	for (int i = 0; i < s->nents; i++)
		if (strcmp(s->ents[i].key, key) == 0)
			return &s->ents[i];
	return NULL;
}

/*
 * The value of e as read in section si, after configparser's
 * BasicInterpolation: "%%" is "%", "%(name)s" is the value of name in si
 * or [DEFAULT] (interpolated in turn).  Deliberate deviation: the
 * reference raises InterpolationSyntaxError on any other '%' ("100%");
 * mppd keeps such a '%' literally.  Returns a string the caller frees, or
 * NULL after reporting an error (unknown name, loop).
 */
static char *
interp(struct ctx *x, int si, const struct centry *e, int depth)
{
	struct sbuf out = SBUF_INIT;
	const char *p = e->val;

	while (*p != '\0') {
		const char *close;
		const struct centry *ref;
		char *name, *sub;

		if (p[0] != '%') {
			sbuf_addc(&out, *p++);
			continue;
		}
		if (p[1] == '%') {
			sbuf_addc(&out, '%');
			p += 2;
			continue;
		}
		close = p[1] == '(' ? strchr(p + 2, ')') : NULL;
		if (close == NULL || close == p + 2 || close[1] != 's') {
			sbuf_addc(&out, *p++);
			continue;
		}
		name = xstrndup(p + 2, (size_t)(close - p - 2));
		for (char *q = name; *q != '\0'; q++)
			*q = (char)tolower((unsigned char)*q);
		ref = sect_get(x, si, name);
		if (ref == NULL && si != x->dflt)
			ref = sect_get(x, x->dflt, name);
		if (ref == NULL || depth >= CFG_INTERP_DEPTH) {
			if (ref == NULL)
				cerr(x, e->line, "%s: %%(%s)s refers to a key "
				    "that is not set in [%s] or [DEFAULT]",
				    e->key, name, x->sects[si].name);
			else
				cerr(x, e->line, "%s: %%(%s)s is nested more "
				    "than %d deep (a loop?)", e->key, name,
				    CFG_INTERP_DEPTH);
			free(name);
			sbuf_free(&out);
			return NULL;
		}
		free(name);
		if ((sub = interp(x, si, ref, depth + 1)) == NULL) {
			sbuf_free(&out);
			return NULL;
		}
		sbuf_adds(&out, sub);
		free(sub);
		p = close + 2;
	}
	sbuf_reserve(&out, 0);
	return sbuf_steal(&out);
}

/*
 * Whole number, as Python's int(): optional sign, digits, single '_'
 * between digits.  0 when it is one within [min, max], else -1.
 */
static int
parse_long(const char *s, long min, long max, long *out)
{
	const char *p = s;
	long v = 0;
	int neg = 0, digits = 0;

	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	for (; *p != '\0'; p++) {
		if (*p == '_' && digits > 0 && isdigit((unsigned char)p[1]))
			continue;
		if (!isdigit((unsigned char)*p))
			return -1;
		if (v > (LONG_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*p - '0');
		digits++;
	}
	if (digits == 0)
		return -1;
	if (neg)
		v = -v;
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Seconds: a decimal number > 0 and <= max ("2", "0.5", "1e1"). */
static int
parse_secs(const char *s, double max, double *out)
{
	char *end;
	double v;

	if (*s == '\0' || strspn(s, "0123456789.eE+-") != strlen(s))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !isfinite(v) || v <= 0 || v > max)
		return -1;
	*out = v;
	return 0;
}

/* configparser's getboolean() words. */
static int
parse_bool(const char *s, int *out)
{
	static const char *const yes[] = { "1", "yes", "true", "on" };
	static const char *const no[] = { "0", "no", "false", "off" };

	for (int i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

/*
 * Splits s on sep into items trimmed of white space (line breaks of
 * continuation lines included).  Empty items are kept when keep_empty.
 * Returns the number of items; *out is an array the caller frees with
 * free_list().
 */
static int
split_list(const char *s, char sep, int keep_empty, char ***out)
{
	char **v = NULL;
	int n = 0;

	for (;;) {
		const char *end = strchr(s, sep), *b = s, *e;

		if (end == NULL)
			end = s + strlen(s);
		e = end;
		while (b < e && isspace((unsigned char)*b))
			b++;
		while (e > b && isspace((unsigned char)e[-1]))
			e--;
		if (e > b || keep_empty) {
			v = xrealloc(v, (size_t)(n + 1) * sizeof(*v));
			v[n++] = xstrndup(b, (size_t)(e - b));
		}
		if (*end == '\0')
			break;
		s = end + 1;
	}
	*out = v;
	return n;
}

/* Frees a split_list() result. */
static void
free_list(char **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Why s cannot be one MQTT topic level, or NULL when it can. */
static const char *
level_problem(const char *s)
{
	if (*s == '\0')
		return "it is empty";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '/')
			return "it contains '/'";
		if (*p == '+')
			return "it contains the wildcard '+'";
		if (*p == '#')
			return "it contains the wildcard '#'";
		if (*p < 0x20 || *p == 0x7f)
			return "it contains a control character";
	}
	return NULL;
}

/*
 * Why t is not a valid subscription filter, or NULL.  The verdict is
 * mosquitto_sub_topic_check()'s; the text only explains it.
 */
static const char *
filter_problem(const char *t)
{
	const char *lvl = t;

	if (mosquitto_sub_topic_check(t) == MOSQ_ERR_SUCCESS)
		return NULL;
	if (*t == '\0')
		return "it is empty";
	if (strlen(t) > 65535)
		return "it is longer than 65535 bytes";
	for (;;) {
		const char *end = strchr(lvl, '/');
		size_t n = end != NULL ? (size_t)(end - lvl) : strlen(lvl);

		if (memchr(lvl, '#', n) != NULL) {
			if (n != 1)
				return "'#' must be a whole level";
			if (end != NULL)
				return "'#' must be the last level";
		}
		if (memchr(lvl, '+', n) != NULL && n != 1)
			return "'+' must be a whole level";
		if (end == NULL)
			break;
		lvl = end + 1;
	}
	return "mosquitto_sub_topic_check rejects it";
}

/* Compiles a filter/exclfilter regex to check it (outputs compile their own). */
static void
check_regex(struct ctx *x, const struct centry *e, const char *re)
{
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE off;
	pcre2_code *code;
	int rc;

	code = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, PCRE2_UTF,
	    &rc, &off, NULL);
	if (code != NULL) {
		pcre2_code_free(code);
		return;
	}
	if (pcre2_get_error_message(rc, msg, sizeof(msg)) < 0)
		strcpy((char *)msg, "unknown PCRE2 error");
	cerr(x, e->line, "%s: expected a regular expression, found '%s': %s "
	    "at offset %zu", e->key, re, (char *)msg, (size_t)off);
}

/* ---------------------------------------------------------------------- */
/* mqtt_settings */

/* Address of the string field k of m (k must be an MT_STR/MT_OPT key). */
static char **
mf_str(struct mqtt_settings *m, int k)
{
	return (char **)(void *)((char *)m + mkeys[k].off);
}

/*
 * Built-in defaults, with CLI -q/--mqttport/--mqttuser/--mqttpass when
 * given; m is overwritten (not freed) and owns its strings afterwards.
 */
static void
mqtt_defaults(struct mqtt_settings *m, const struct cli_mqtt *cli)
{
	memset(m, 0, sizeof(*m));
	m->broker = xstrdup(cli != NULL && cli->broker != NULL &&
	    cli->broker[0] != '\0' ? cli->broker : "localhost");
	m->port = cli != NULL && cli->port > 0 ? cli->port : 1883;
	if (cli != NULL && cli->user != NULL && cli->user[0] != '\0')
		m->user = xstrdup(cli->user);
	if (cli != NULL && cli->pass != NULL && cli->pass[0] != '\0')
		m->pass = xstrdup(cli->pass);
	m->keepalive = 60;
	m->protocol = 4;
	m->cmd_topic = xstrdup(DEFAULT_CMD_TOPIC);
	m->cmd_qos = 1;
	m->cmd_match = MATCH_FULL;
	m->reconnect_min = 1;
	m->reconnect_max = 60;
	m->queue_max = 1000;
}

/* Deep copy: dst owns its strings. */
static void
mqtt_copy(struct mqtt_settings *dst, const struct mqtt_settings *src)
{
	*dst = *src;
	for (int k = 0; k < MK_COUNT; k++)
		if (mkeys[k].type == MT_STR || mkeys[k].type == MT_OPT) {
			char **p = mf_str(dst, k);

			if (*p != NULL)
				*p = xstrdup(*p);
		}
}

/* Frees the strings of m (not m itself) and sets them to NULL. */
static void
mqtt_free(struct mqtt_settings *m)
{
	for (int k = 0; k < MK_COUNT; k++)
		if (mkeys[k].type == MT_STR || mkeys[k].type == MT_OPT) {
			char **p = mf_str(m, k);

			free(*p);
			*p = NULL;
		}
}

/* 1 when field k of a and b differs. */
static int
mqtt_differs(const struct mqtt_settings *a, const struct mqtt_settings *b,
    int k)
{
	const char *pa = (const char *)a + mkeys[k].off;
	const char *pb = (const char *)b + mkeys[k].off;
	const char *sa, *sb;

	switch (mkeys[k].type) {
	case MT_STR:
	case MT_OPT:
		memcpy(&sa, pa, sizeof(sa));
		memcpy(&sb, pb, sizeof(sb));
		if (sa == NULL || sb == NULL)
			return sa != sb;
		return strcmp(sa, sb) != 0;
	case MT_SECS:
		return *(const double *)(const void *)pa !=
		    *(const double *)(const void *)pb;
	case MT_MATCH:
		return *(const enum cmd_match *)(const void *)pa !=
		    *(const enum cmd_match *)(const void *)pb;
	default:
		return *(const int *)(const void *)pa !=
		    *(const int *)(const void *)pb;
	}
}

/* Field k of m as text for a message (never the password). */
static void
mqtt_show(const struct mqtt_settings *m, int k, char *buf, size_t n)
{
	const char *p = (const char *)m + mkeys[k].off;
	const char *s;

	switch (mkeys[k].type) {
	case MT_STR:
	case MT_OPT:
		memcpy(&s, p, sizeof(s));
		snprintf(buf, n, "%s", s != NULL ? s : "(unset)");
		break;
	case MT_SECS:
		snprintf(buf, n, "%g", *(const double *)(const void *)p);
		break;
	case MT_MATCH:
		snprintf(buf, n, "%s", *(const enum cmd_match *)(const void *)p
		    == MATCH_PREFIX ? "prefix" : "full");
		break;
	default:
		snprintf(buf, n, "%d", *(const int *)(const void *)p);
		break;
	}
}

/*
 * Sets field k of m from val (key e, found in line e->line); records the
 * origin.  Bad values are reported and leave the field unchanged.
 */
static void
mqtt_set(struct ctx *x, struct mqtt_settings *m, struct morigin *o, int k,
    const struct centry *e, const char *val)
{
	const struct mkey *mk = &mkeys[k];
	char *base = (char *)m + mk->off, q[96];
	long lv;
	double dv;
	int iv;

	if (strchr(val, '\n') != NULL) {
		cerr(x, e->line, "%s: expected a value on one line, found "
		    "\"%s\" (indented lines continue the previous value)",
		    e->key, k == MK_PASS ? "..." : quoted(val, q, sizeof(q)));
		return;
	}
	switch (mk->type) {
	case MT_STR:
		if (val[0] == '\0') {
			cerr(x, e->line, "%s: expected %s, found an empty "
			    "value", e->key, mk->expect);
			return;
		}
		/* FALLTHROUGH */
	case MT_OPT:
		free(*mf_str(m, k));
		*mf_str(m, k) = val[0] != '\0' ? xstrdup(val) : NULL;
		break;
	case MT_INT:
		if (parse_long(val, mk->min, mk->max, &lv) < 0) {
			cerr(x, e->line, "%s: expected %s, found \"%s\"",
			    e->key, mk->expect, quoted(val, q, sizeof(q)));
			return;
		}
		iv = (int)lv;
		memcpy(base, &iv, sizeof(iv));
		break;
	case MT_BOOL:
		if (parse_bool(val, &iv) < 0) {
			cerr(x, e->line, "%s: expected true or false (or "
			    "yes/no, on/off, 1/0), found \"%s\"", e->key,
			    quoted(val, q, sizeof(q)));
			return;
		}
		memcpy(base, &iv, sizeof(iv));
		break;
	case MT_PROTO:
		if (strcmp(val, "3.1.1") == 0 || strcmp(val, "4") == 0)
			iv = 4;
		else if (strcmp(val, "5") == 0)
			iv = 5;
		else {
			cerr(x, e->line, "%s: expected %s, found \"%s\"",
			    e->key, mk->expect, quoted(val, q, sizeof(q)));
			return;
		}
		memcpy(base, &iv, sizeof(iv));
		break;
	case MT_MATCH:
		if (strcasecmp(val, "full") == 0)
			m->cmd_match = MATCH_FULL;
		else if (strcasecmp(val, "prefix") == 0)
			m->cmd_match = MATCH_PREFIX;
		else {
			cerr(x, e->line, "%s: expected %s, found \"%s\"",
			    e->key, mk->expect, quoted(val, q, sizeof(q)));
			return;
		}
		break;
	case MT_SECS:
		if (parse_secs(val, (double)mk->max, &dv) < 0) {
			cerr(x, e->line, "%s: expected %s, found \"%s\"",
			    e->key, mk->expect, quoted(val, q, sizeof(q)));
			return;
		}
		memcpy(base, &dv, sizeof(dv));
		break;
	}
	if (k == MK_PASS && val[0] != '\0')
		x->has_pass = 1;
	o->line[k] = e->line;
	o->own[k] = 1;
}

/*
 * Warns about a glob-like pattern and about "\d{1,3}" cut in two by the
 * comma split (commas cannot be escaped in mqtt_allowed_cmds).
 */
static void
warn_patterns(struct ctx *x, int line, char **v, int n)
{
	struct sbuf w = SBUF_INIT;

	for (int i = 0; i < n; i++) {
		size_t len = strlen(v[i]), d = len;

		sbuf_reset(&w);
		if (allow_glob_explain(v[i], &w))
			cwarn(x, line, "mqtt_allowed_cmds: %s", sbuf_str(&w));
		while (d > 0 && isdigit((unsigned char)v[i][d - 1]))
			d--;
		if (i + 1 < n && d > 0 && v[i][d - 1] == '{' &&
		    isdigit((unsigned char)v[i + 1][0]) &&
		    strchr(v[i + 1], '}') != NULL)
			cwarn(x, line, "mqtt_allowed_cmds: '%s' and '%s' were "
			    "probably one pattern with a {m,n} repetition: "
			    "commas separate patterns and cannot be escaped; "
			    "write the repetition out (e.g. \\d\\d?\\d?)",
			    v[i], v[i + 1]);
	}
	sbuf_free(&w);
}

/*
 * Checks one effective settings block: [SETUP] (dev NULL) or a device.
 * For a device only what the device set itself is checked - inherited
 * [SETUP] values were checked with [SETUP].
 */
static void
mqtt_check(struct ctx *x, const struct mqtt_settings *m,
    const struct morigin *o, const char *dev)
{
	int setup = dev == NULL, line;
	char q[96];

	if ((setup || o->own[MK_RECONNECT_MIN] || o->own[MK_RECONNECT_MAX]) &&
	    m->reconnect_min > m->reconnect_max) {
		int k = o->own[MK_RECONNECT_MIN] ? MK_RECONNECT_MIN :
		    MK_RECONNECT_MAX;

		cerr(x, o->line[k], "%s: expected mqtt_reconnect_min <= "
		    "mqtt_reconnect_max, found %g > %g", mkeys[k].name,
		    m->reconnect_min, m->reconnect_max);
	}
	if ((setup || o->own[MK_TLS_CERT] || o->own[MK_TLS_KEY]) &&
	    (m->tls_cert == NULL) != (m->tls_key == NULL)) {
		int k = m->tls_cert != NULL ? MK_TLS_CERT : MK_TLS_KEY;

		cerr(x, o->line[k], "%s: expected mqtt_tls_cert and "
		    "mqtt_tls_key together, found only %s", mkeys[k].name,
		    mkeys[k].name);
	}
	if ((setup || o->own[MK_TLS_CERT] || o->own[MK_TLS_CA]) &&
	    m->tls_cert != NULL && m->tls_ca == NULL)
		cwarn(x, o->line[MK_TLS_CERT], "mqtt_tls_cert is ignored: "
		    "TLS is only used when mqtt_tls_ca is set");
	for (int k = MK_TLS_CA; k <= MK_TLS_KEY; k++) {
		const char *f = *mf_str((struct mqtt_settings *)m, k);

		if (f != NULL && o->own[k] && access(f, R_OK) != 0)
			cwarn(x, o->line[k], "%s: cannot read '%s': %s",
			    mkeys[k].name, f, strerror(errno));
	}
	if (m->hostname != NULL && o->own[MK_HOSTNAME] &&
	    level_problem(m->hostname) != NULL)
		cerr(x, o->line[MK_HOSTNAME], "mqtt_hostname: expected a name "
		    "usable as one MQTT topic level, found \"%s\": %s",
		    quoted(m->hostname, q, sizeof(q)),
		    level_problem(m->hostname));
	if (setup || o->own[MK_CMD_TOPIC] || o->own[MK_HOSTNAME]) {
		char *t = ident_expand(m->cmd_topic, ident_hostname(m),
		    dev != NULL ? dev : "device");
		const char *why = filter_problem(t);
		size_t tl = strlen(t);

		line = o->line[MK_CMD_TOPIC];
		if (why != NULL)
			cerr(x, line, "mqtt_cmd_topic: expected an MQTT topic "
			    "filter, found \"%s\" (expands to \"%s\"): %s",
			    m->cmd_topic, t, why);
		else if (tl >= 9 && strcmp(t + tl - 9, "_response") == 0)
			cwarn(x, line, "mqtt_cmd_topic: \"%s\" ends in "
			    "'_response': mppd never runs commands from such "
			    "topics (they carry its replies)", m->cmd_topic);
		free(t);
	}
	if ((setup || o->own[MK_ALLOWED_CMDS]) && m->allowed_cmds != NULL) {
		struct sbuf e = SBUF_INIT;
		struct allowlist *a;
		char **v;
		int n;

		line = o->line[MK_ALLOWED_CMDS];
		n = split_list(m->allowed_cmds, ',', 0, &v);
		a = allow_compile(v, n, m->cmd_match, &e);
		if (a == NULL) {
			const char *p = sbuf_str(&e), *nl;

			for (; (nl = strchr(p, '\n')) != NULL; p = nl + 1)
				cerr(x, line, "mqtt_allowed_cmds: %.*s",
				    (int)(nl - p), p);
		} else
			warn_patterns(x, line, v, n);
		allow_free(a);
		sbuf_free(&e);
		free_list(v, n);
	}
}

/* ---------------------------------------------------------------------- */
/* Layer 3: sections */

/*
 * Definition of key (static), or NULL when unknown; *mk is the mqtt_*
 * key index for mqtt_* keys, else -1.
 */
static const struct kdef *
kdef_find(const char *key, int *mk)
{
	*mk = -1;
	for (size_t i = 0; i < sizeof(kdefs) / sizeof(kdefs[0]); i++)
		if (strcmp(kdefs[i].name, key) == 0)
			return &kdefs[i];
	for (int k = 0; k < MK_COUNT; k++)
		if (strcmp(mkeys[k].name, key) == 0) {
			static const struct kdef mq = { "mqtt_*", KS_BOTH,
			    K_MQTT };

			*mk = k;
			return &mq;
		}
	return NULL;
}

/* Logs the unknown-key warning, with the closest valid key if any. */
static void
warn_unknown(struct ctx *x, const struct centry *e, enum kscope scope)
{
	const char *near = closest_key(e->key, scope);

	if (near != NULL)
		cwarn(x, e->line, "unknown key '%s' (did you mean '%s'?)",
		    e->key, near);
	else
		cwarn(x, e->line, "unknown key '%s' (ignored)", e->key);
}

/*
 * Classifies e for a section of the given scope: returns the key
 * definition (and *mk for mqtt_* keys), or NULL when e does not apply;
 * own entries of the section that do not apply are warned about.
 */
static const struct kdef *
key_for(struct ctx *x, const struct centry *e, enum kscope scope, int own,
    int *mk)
{
	const struct kdef *k = kdef_find(e->key, mk);

	if (k == NULL) {
		if (own)
			warn_unknown(x, e, scope);
		return NULL;
	}
	if ((k->scope & scope) == 0) {
		if (own && scope == KS_SETUP)
			cwarn(x, e->line, "key '%s' is read in device "
			    "sections only; ignored in [SETUP]", e->key);
		else if (own)
			cwarn(x, e->line, "key '%s' is read in [SETUP] only; "
			    "ignored in a device section", e->key);
		return NULL;
	}
	return k;
}

/* http_listen: "HOST:PORT" or "[v6]:PORT", port 1-65535. */
static int
listen_ok(const char *v)
{
	const char *colon = strrchr(v, ':'), *p;
	long port = 0;

	if (colon == NULL || colon == v || colon[1] == '\0' ||
	    (v[0] == '[' ? colon[-1] != ']' || colon - v < 3 :
	    memchr(v, ':', (size_t)(colon - v)) != NULL))
		return 0;
	for (p = colon + 1; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || port > 65535)
			return 0;
		port = port * 10 + (*p - '0');
	}
	return port >= 1 && port <= 65535;
}

/*
 * Reads [SETUP] (then [DEFAULT] for what [SETUP] leaves unset) into c:
 * pause, log_file and the mqtt_* defaults every device starts from.
 */
static void
load_setup(struct ctx *x, struct config *c)
{
	const struct csect *s = &x->sects[x->setup];
	const struct csect *d = x->dflt >= 0 ? &x->sects[x->dflt] : NULL;
	char q[96];
	long lv;

	for (int pass = 0; pass < 2; pass++) {
		const struct csect *from = pass == 0 ? s : d;

		for (int i = 0; from != NULL && i < from->nents; i++) {
			const struct centry *e = &from->ents[i];
			const struct kdef *k;
			char *val;
			int mk;

			/* [DEFAULT] fills what [SETUP] leaves unset. */
			if (pass == 1 && sect_get(x, x->setup, e->key) != NULL)
				continue;
			if ((k = key_for(x, e, KS_SETUP, pass == 0, &mk)) ==
			    NULL)
				continue;
			if ((val = interp(x, x->setup, e, 0)) == NULL)
				continue;
			if (k->id == K_MQTT)
				mqtt_set(x, &c->mqtt, &x->so, mk, e, val);
			else if (k->id == K_PAUSE) {
				if (parse_long(val, 0, 86400, &lv) < 0)
					cerr(x, e->line, "pause: expected a "
					    "whole number of seconds from 0 "
					    "to 86400, found \"%s\"",
					    quoted(val, q, sizeof(q)));
				else
					c->pause = (int)lv;
			} else if (k->id == K_LOG_FILE) {
				free(c->log_file);
				c->log_file = val[0] != '\0' ? xstrdup(val) :
				    NULL;
			} else if (k->id == K_HTTP_LISTEN) {
				/* the web server: "ADDR:PORT", "" = off */
				free(c->http_listen);
				c->http_listen = NULL;
				if (val[0] != '\0' && !listen_ok(val))
					cerr(x, e->line, "http_listen: expected "
					    "ADDR:PORT (e.g. 127.0.0.1:8080), "
					    "found \"%s\"",
					    quoted(val, q, sizeof(q)));
				else if (val[0] != '\0')
					c->http_listen = xstrdup(val);
			} else if (k->id == K_HASS_CONTROLS) {
				/* [SETUP] sets the default of every device */
				if (parse_bool(val, &c->hass_controls) < 0)
					cerr(x, e->line, "hass_controls: expected "
					    "true or false, found \"%s\"",
					    quoted(val, q, sizeof(q)));
			}
			free(val);
		}
	}
	/* [SETUP]'s own mqtt_* keys count as "own" for the checks. */
	mqtt_check(x, &c->mqtt, &x->so, NULL);
}

/* Device section: commands ('#'-split, trimmed; "" = default command). */
static void
dev_commands(struct ctx *x, struct device_cfg *d, const struct centry *e,
    const char *val)
{
	char q[96];

	free_list(d->commands, d->ncommands);
	d->ncommands = split_list(val, '#', 1, &d->commands);
	for (int i = 0; i < d->ncommands; i++)
		if (strpbrk(d->commands[i], "\n\t") != NULL)
			cerr(x, e->line, "command: expected commands "
			    "separated by '#', found \"%s\" (a line break or "
			    "tab inside a command)",
			    quoted(d->commands[i], q, sizeof(q)));
}

/* Device section: outputs; unknown names are skipped as the reference. */
static void
dev_outputs(struct ctx *x, struct device_cfg *d, const struct centry *e,
    const char *val)
{
	char **v;
	int n;

	free_list(d->outputs, d->noutputs);
	d->outputs = NULL;
	d->noutputs = 0;
	n = split_list(val, ',', 0, &v);
	for (int i = 0; i < n; i++) {
		const char *near;

		if (output_canonical(v[i]) != NULL) {
			d->outputs = xrealloc(d->outputs,
			    (size_t)(d->noutputs + 1) * sizeof(char *));
			d->outputs[d->noutputs++] = v[i];
			continue;
		}
		if ((near = closest_output(v[i])) != NULL)
			cwarn(x, e->line, "outputs: unknown output '%s' "
			    "skipped (did you mean '%s'?)", v[i], near);
		else
			cwarn(x, e->line, "outputs: unknown output '%s' "
			    "skipped (mppd has: screen, json, raw, simple, "
			    "mqtt, json_mqtt, hass_mqtt, hassd_mqtt, "
			    "tag_mqtt, influx_mqtt, influx2_mqtt, "
			    "domoticz_mqtt)", v[i]);
		free(v[i]);
	}
	free(v);
	if (d->noutputs == 0)
		cwarn(x, e->line, "outputs: no usable output; results of "
		    "[%s] go nowhere", d->name);
}

/* The names of the protocols mppd knows, for a message. */
static void
protocol_names(struct sbuf *s)
{
	for (int i = 0; i < pi_nprotocols; i++)
		sbuf_printf(s, "%s%s", i > 0 ? ", " : "", pi_protocols[i]->id);
}

/* One non-mqtt key of a device section. */
static void
dev_key(struct ctx *x, struct device_cfg *d, const struct kdef *k,
    const struct centry *e, const char *val)
{
	char q[96];
	long lv;
	double dv;

	if (k->id != K_COMMAND && k->id != K_OUTPUTS &&
	    strchr(val, '\n') != NULL) {
		cerr(x, e->line, "%s: expected a value on one line, found "
		    "\"%s\" (indented lines continue the previous value)",
		    e->key, quoted(val, q, sizeof(q)));
		return;
	}
	switch (k->id) {
	case K_PROTOCOL:
		if (proto_find(val) == NULL) {
			struct sbuf names = SBUF_INIT;

			protocol_names(&names);
			cerr(x, e->line, "protocol: expected one of %s, found "
			    "\"%s\"", sbuf_str(&names),
			    quoted(val, q, sizeof(q)));
			sbuf_free(&names);
			return;
		}
		free(d->protocol);
		d->protocol = xstrdup(val);
		break;
	case K_TYPE:
		if (strcasecmp(val, "mppsolar") != 0)
			cwarn(x, e->line, "type: mppd drives 'mppsolar' "
			    "(PI30-family) devices only; type '%s' is treated "
			    "as mppsolar", val);
		free(d->type);
		d->type = xstrdup(val);
		break;
	case K_PORT:
		free(d->port);
		d->port = xstrdup(val);
		break;
	case K_BAUD:
		if (parse_long(val, 50, 4000000, &lv) < 0) {
			cerr(x, e->line, "baud: expected a baud rate from 50 "
			    "to 4000000, found \"%s\"",
			    quoted(val, q, sizeof(q)));
			return;
		}
		d->baud = (int)lv;
		break;
	case K_PORTTYPE:
		free(d->porttype);
		d->porttype = val[0] != '\0' ? xstrdup(val) : NULL;
		break;
	case K_COMMAND:
		dev_commands(x, d, e, val);
		break;
	case K_TAG:
		/* "" stays "": tag None and tag "" differ in outputs. */
		free(d->tag);
		d->tag = xstrdup(val);
		break;
	case K_OUTPUTS:
		dev_outputs(x, d, e, val);
		break;
	case K_FILTER:
	case K_EXCLFILTER:
		if (val[0] != '\0')
			check_regex(x, e, val);
		if (k->id == K_FILTER) {
			free(d->filter);
			d->filter = val[0] != '\0' ? xstrdup(val) : NULL;
		} else {
			free(d->exclfilter);
			d->exclfilter = val[0] != '\0' ? xstrdup(val) : NULL;
		}
		break;
	case K_MQTT_TOPIC:
		free(d->mqtt_topic);
		d->mqtt_topic = val[0] != '\0' ? xstrdup(val) : NULL;
		break;
	case K_DEV:
		free(d->dev);
		d->dev = xstrdup(val);
		break;
	case K_TIMEOUT:
		if (parse_secs(val, 3600, &dv) < 0) {
			cerr(x, e->line, "timeout: expected seconds greater "
			    "than 0 and at most 3600 (e.g. 2 or 0.5), found "
			    "\"%s\"", quoted(val, q, sizeof(q)));
			return;
		}
		d->timeout_ms = (int)lround(dv * 1000);
		if (d->timeout_ms < 1)
			d->timeout_ms = 1;
		break;
	case K_QUEUE_LEN:
		if (parse_long(val, 1, 1024, &lv) < 0) {
			cerr(x, e->line, "queue_len: expected a whole number "
			    "from 1 to 1024, found \"%s\"",
			    quoted(val, q, sizeof(q)));
			return;
		}
		d->queue_len = (int)lv;
		break;
	case K_HASS_CONTROLS:
		if (parse_bool(val, &d->hass_controls) < 0)
			cerr(x, e->line, "hass_controls: expected true or "
			    "false (or yes/no, on/off, 1/0), found \"%s\"",
			    quoted(val, q, sizeof(q)));
		break;
	default:
		log_debug("%s:%d: %s is not used by mppd", x->path, e->line,
		    e->key);
		break;
	}
}

/* (Re)builds d->allow from the effective mqtt_allowed_cmds. */
static void
dev_allow(struct device_cfg *d)
{
	free_list(d->allow, d->nallow);
	d->allow = NULL;
	d->nallow = 0;
	if (d->mqtt.allowed_cmds != NULL)
		d->nallow = split_list(d->mqtt.allowed_cmds, ',', 0, &d->allow);
}

/* Warnings about commands and port that the reference only finds at run time. */
static void
dev_warnings(struct ctx *x, const struct device_cfg *d, int cmdline,
    int portline)
{
	const struct pi_proto *p = proto_find(d->protocol);

	if (port_detect(d->port, d->porttype) == PORT_NONE)
		cwarn(x, portline, "port: '%s'%s is not recognised as a test, "
		    "serial or hidraw port (\"No communications port "
		    "defined\"); set porttype = serial or hidraw", d->port,
		    d->porttype != NULL ? " with this porttype" : "");
	if (p == NULL || !x->proto_ok)
		return;
	for (int i = 0; i < d->ncommands; i++)
		if (d->commands[i][0] != '\0' &&
		    proto_lookup(p, d->commands[i], NULL, 0) == NULL)
			cwarn(x, cmdline, "command: '%s' is not a %s command; "
			    "it is sent as it is and reported as having no "
			    "definition", d->commands[i], p->id);
}

/*
 * Appends the device of section si to c: built-in defaults, the section's
 * own keys, then [DEFAULT] for non-mqtt keys it leaves unset; mqtt_*
 * settings start as a deep copy of [SETUP]'s.  Then checks what needs
 * the whole section (command present, allowlist, topic, port type).
 */
static void
load_device(struct ctx *x, struct config *c, int si)
{
	const struct csect *s = &x->sects[si];
	const struct csect *dfl = x->dflt >= 0 ? &x->sects[x->dflt] : NULL;
	const char *why = level_problem(s->name);
	struct device_cfg *d;
	struct morigin *o;
	int cmdline = 0, portline = s->line;
	char q[96];

	if (why != NULL)
		cerr(x, s->line, "[%s]: expected a device name usable as one "
		    "MQTT topic level ({device}), but %s",
		    quoted(s->name, q, sizeof(q)), why);
	d = config_add_device(c, s->name);
	d->line = s->line;
	d->hass_controls = c->hass_controls;
	x->dorig = xrealloc(x->dorig, (size_t)c->ndevs * sizeof(*x->dorig));
	o = &x->dorig[c->ndevs - 1];
	for (int k = 0; k < MK_COUNT; k++) {
		o->line[k] = x->so.line[k];
		o->own[k] = 0;
	}
	for (int pass = 0; pass < 2; pass++) {
		const struct csect *from = pass == 0 ? s : dfl;

		for (int i = 0; from != NULL && i < from->nents; i++) {
			const struct centry *e = &from->ents[i];
			const struct kdef *k;
			char *val;
			int mk;

			if (pass == 1 && sect_get(x, si, e->key) != NULL)
				continue;
			if ((k = key_for(x, e, KS_DEV, pass == 0, &mk)) ==
			    NULL)
				continue;
			/* [DEFAULT]'s mqtt_* keys reached devices through
			 * [SETUP]; a device only overrides with its own. */
			if (pass == 1 && k->id == K_MQTT)
				continue;
			if ((val = interp(x, si, e, 0)) == NULL) {
				if (k->id == K_COMMAND)
					cmdline = e->line;
				continue;
			}
			if (k->id == K_MQTT)
				mqtt_set(x, &d->mqtt, o, mk, e, val);
			else {
				dev_key(x, d, k, e, val);
				if (k->id == K_COMMAND)
					cmdline = e->line;
				if (k->id == K_PORT || k->id == K_PORTTYPE)
					portline = e->line;
			}
			free(val);
		}
	}
	if (cmdline == 0)
		cerr(x, s->line, "[%s]: missing required key 'command' (e.g. "
		    "command = QPIGS#QPIRI)", quoted(s->name, q, sizeof(q)));
	dev_allow(d);
	mqtt_check(x, &d->mqtt, o, d->name);
	dev_warnings(x, d, cmdline, portline);
}

/*
 * Devices that share (broker, port, user) share one connection: its
 * connection-level settings must agree.  Each device is compared with the
 * first device of its connection.
 */
static void
check_shared(struct ctx *x, const struct config *c)
{
	for (int j = 1; j < c->ndevs; j++) {
		const struct device_cfg *b = &c->devs[j];
		int i;

		if (strcmp(b->mqtt.broker, "screen") == 0)
			continue;
		for (i = 0; i < j; i++) {
			const struct device_cfg *a = &c->devs[i];

			if (strcmp(a->mqtt.broker, b->mqtt.broker) == 0 &&
			    a->mqtt.port == b->mqtt.port &&
			    !mqtt_differs(&a->mqtt, &b->mqtt, MK_USER))
				break;
		}
		if (i == j)
			continue;
		for (int k = 0; k < MK_COUNT; k++) {
			const struct device_cfg *a = &c->devs[i];
			char va[96], vb[96];
			int line;

			if (!mkeys[k].conn ||
			    !mqtt_differs(&a->mqtt, &b->mqtt, k))
				continue;
			line = x->dorig[j].own[k] ? x->dorig[j].line[k] :
			    x->dorig[i].own[k] ? x->dorig[i].line[k] : b->line;
			if (k == MK_PASS) {
				strcpy(va, "(hidden)");
				strcpy(vb, "(hidden)");
			} else {
				mqtt_show(&a->mqtt, k, va, sizeof(va));
				mqtt_show(&b->mqtt, k, vb, sizeof(vb));
			}
			cerr(x, line, "%s: expected the same value for [%s] "
			    "and [%s], which share the connection to %s:%d "
			    "(user %s), found %s and %s; set it once in "
			    "[SETUP]", mkeys[k].name, a->name, b->name,
			    b->mqtt.broker, b->mqtt.port,
			    b->mqtt.user != NULL ? b->mqtt.user : "none", va,
			    vb);
		}
	}
}

/* A password in a file others can read is worth a warning. */
static void
check_mode(struct ctx *x)
{
	if (x->has_pass && (x->mode & 077) != 0)
		cwarn(x, 0, "holds mqtt_pass but its mode is %04o (group/others "
		    "may read it); run: chmod 600 %s",
		    (unsigned)(x->mode & 07777), x->path);
}

/* Frees everything the parser state owns (not the config). */
static void
ctx_free(struct ctx *x)
{
	for (int i = 0; i < x->nlines; i++)
		sbuf_free(&x->lines[i].cont);
	free(x->lines);
	for (int i = 0; i < x->nsects; i++) {
		for (int j = 0; j < x->sects[i].nents; j++) {
			free(x->sects[i].ents[j].key);
			free(x->sects[i].ents[j].val);
		}
		free(x->sects[i].ents);
		free(x->sects[i].name);
	}
	free(x->sects);
	free(x->dorig);
	free(x->data);
	sbuf_free(&x->rbuf);
}

/* ---------------------------------------------------------------------- */
/* Public interface */

/*
 * Loads path into c (see config.h).  c is always initialised, also on
 * error (config_free() it either way).  0, or -1 with the errors in err.
 */
int
config_load(const char *path, const struct cli_mqtt *cli, struct config *c,
    struct sbuf *err)
{
	struct sbuf local = SBUF_INIT;
	struct ctx x;
	int rc;

	config_defaults(c, cli);
	c->path = xstrdup(path);
	memset(&x, 0, sizeof(x));
	x.path = path;
	x.setup = x.dflt = -1;
	x.proto_ok = proto_init() == 0;
	if (read_file(&x) < 0)
		goto done;
	lex(&x);
	ini_run(&x);
	if (x.setup < 0) {
		cerr_setup(&x, NULL);
		for (int i = 0; i < x.nsects; i++)
			if (strcasecmp(x.sects[i].name, "SETUP") == 0)
				cerr(&x, x.sects[i].line, "[%s]: section names "
				    "are case-sensitive: expected [SETUP]",
				    x.sects[i].name);
	} else
		load_setup(&x, c);
	if (x.dflt >= 0)
		for (int i = 0; i < x.sects[x.dflt].nents; i++) {
			int mk;

			if (kdef_find(x.sects[x.dflt].ents[i].key, &mk) ==
			    NULL)
				warn_unknown(&x, &x.sects[x.dflt].ents[i],
				    KS_BOTH);
		}
	for (int i = 0; i < x.nsects; i++)
		if (i != x.setup && i != x.dflt)
			load_device(&x, c, i);
	if (x.setup >= 0 && c->ndevs == 0)
		cwarn(&x, 0, "no device sections: nothing to poll");
	check_shared(&x, c);
	check_mode(&x);
done:
	rc = x.nerr > 0 ? -1 : 0;
	flush_errors(&x, err != NULL ? err : &local);
	ctx_free(&x);
	if (rc < 0)
		config_free(c);	/* nothing half-loaded is handed back */
	if (local.len > 0) {
		local.buf[--local.len] = '\0';
		log_error("%s", sbuf_str(&local));
	}
	sbuf_free(&local);
	return rc;
}

/*
 * Built-in defaults plus the CLI values (DAEMON.md section 1); c is
 * overwritten without being freed.
 */
void
config_defaults(struct config *c, const struct cli_mqtt *cli)
{
	memset(c, 0, sizeof(*c));
	c->pause = 60;
	mqtt_defaults(&c->mqtt, cli);
	if (cli != NULL && cli->topic != NULL)
		c->results_topic = xstrdup(cli->topic);
	c->keepcase = cli != NULL ? cli->keepcase : 0;
}

/*
 * Appends a device with the section defaults of DAEMON.md section 2 and
 * a deep copy of c->mqtt.  The result points into c->devs and is valid
 * until the next config_add_device() (the array may move).
 */
struct device_cfg *
config_add_device(struct config *c, const char *name)
{
	struct device_cfg *d;

	c->devs = xrealloc(c->devs, (size_t)(c->ndevs + 1) * sizeof(*c->devs));
	d = &c->devs[c->ndevs++];
	memset(d, 0, sizeof(*d));
	d->name = xstrdup(name);
	d->type = xstrdup("mppsolar");
	d->port = xstrdup("/dev/ttyUSB0");
	d->baud = 2400;
	d->timeout_ms = 2000;
	d->outputs = xcalloc(1, sizeof(char *));
	d->outputs[0] = xstrdup("screen");
	d->noutputs = 1;
	d->queue_len = 16;
	mqtt_copy(&d->mqtt, &c->mqtt);
	dev_allow(d);
	return d;
}

/* Frees everything c owns and zeroes it. */
void
config_free(struct config *c)
{
	for (int i = 0; i < c->ndevs; i++) {
		struct device_cfg *d = &c->devs[i];

		free(d->name);
		free(d->protocol);
		free(d->type);
		free(d->port);
		free(d->porttype);
		free_list(d->commands, d->ncommands);
		free(d->tag);
		free_list(d->outputs, d->noutputs);
		free(d->filter);
		free(d->exclfilter);
		free(d->mqtt_topic);
		free(d->dev);
		mqtt_free(&d->mqtt);
		free_list(d->allow, d->nallow);
	}
	free(c->devs);
	free(c->path);
	free(c->log_file);
	free(c->http_listen);
	mqtt_free(&c->mqtt);
	free(c->results_topic);
	memset(c, 0, sizeof(*c));
}

/* {hostname} for m (see ident_hostname()). */
const char *
config_hostname(const struct mqtt_settings *m)
{
	return ident_hostname(m);
}

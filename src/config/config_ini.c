/*
 * config_ini.c - reads mpp-solar.conf with configparser's rules (see
 * config_ini.h), in two steps:
 *  1. lex: the file is read into memory and every line is checked (NUL
 *     bytes, invalid UTF-8, control characters, > 64 KiB lines) and
 *     classified exactly as Python's configparser does (comment, [section],
 *     key, indented continuation line).  Duplicate sections are found here.
 *  2. inih splits the key lines into name and value.  inih as built by
 *     Debian differs from configparser in ways that matter, so it is fed
 *     through ini_parse_stream() by a reader that serves it pre-classified
 *     lines (see rd_feed()).
 * Interpolation (%(name)s) is applied when a value is read (cfgini_value).
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_diag.h"
#include "config_ini.h"
#include "log.h"
#include "sbuf.h"
#include "utf8.h"

#define CFG_LINE_MAX	65536			/* bytes per line, without the newline */
#define CFG_FILE_MAX	(16 * 1024 * 1024)	/* a config file is a few KiB */
#define CFG_MAX_BADLINES 10			/* byte-level errors before giving up */
#define CFG_INTERP_DEPTH 10			/* configparser's MAX_INTERPOLATION_DEPTH */

/* Messages name the file and line (config_diag.h). */
#define cerr(x, line, ...)	config_diag_error_at((x)->dg, (line), __VA_ARGS__)
#define cwarn(x, line, ...)	config_diag_warn_at((x)->dg, (line), __VA_ARGS__)
#define quoted(v, q, n)		config_diag_quote((v), (q), (n))

enum lkind { L_BLANK = 0, L_COMMENT, L_SECTION, L_KEY, L_CONT, L_BAD };

struct cline {
	const char	*text;		/* in rd.data; not NUL-terminated */
	size_t		 len;		/* without "\n" / "\r\n" */
	enum lkind	 kind;
	int		 sect;		/* section index; -1 none, -2 ignored */
	struct sbuf	 cont;		/* L_KEY: "\n" + each continuation line */
};

/* The reader's state while one file is read. */
struct rd {
	const char	*path;
	struct cfgini	*ini;
	struct config_diag *dg;
	char		*data;
	size_t		 size;
	struct cline	*lines;
	int		 nlines;
	/* rd_feed() state */
	int		 rnext;		/* next line to serve */
	int		 rline;		/* line being served (0-based) */
	const char	*rp;
	size_t		 rleft;
	struct sbuf	 rbuf;
};

/* The reference's message for a missing file or [SETUP]: no file:line. */
void
cfgini_setup_missing(struct config_diag *dg, const char *path,
    const char *why)
{
	struct sbuf m = SBUF_INIT;

	sbuf_printf(&m, "Config File '%s' is missing the required 'SETUP' "
	    "section or does not exist", path);
	if (why != NULL)
		sbuf_printf(&m, " (%s: %s)", path, why);
	config_diag_error_top(dg, sbuf_str(&m));
	sbuf_free(&m);
}


/*
 * Reads the whole file into x->data.  A file that cannot be opened gets
 * the reference's message plus the reason.  0 or -1.
 */
static int
read_file(struct rd *x)
{
	struct sbuf s = SBUF_INIT;
	struct stat st;
	char buf[8192];
	size_t n;
	FILE *f;

	if ((f = fopen(x->path, "rb")) == NULL) {
		cfgini_setup_missing(x->dg, x->path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) == 0) {
		x->ini->mode = st.st_mode;
		if (S_ISDIR(st.st_mode)) {
			cfgini_setup_missing(x->dg, x->path, strerror(EISDIR));
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
check_bytes(struct rd *x, int lineno, const char *text, size_t len)
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
add_section(struct rd *x, const char *name, size_t len, int line)
{
	struct cfgini_sect *s;

	x->ini->sects = xrealloc(x->ini->sects, (size_t)(x->ini->nsects + 1) *
	    sizeof(*x->ini->sects));
	s = &x->ini->sects[x->ini->nsects];
	memset(s, 0, sizeof(*s));
	s->name = xstrndup(name, len);
	s->line = line;
	return x->ini->nsects++;
}

/* Index of the section called name[0..len) (case-sensitive), or -1. */
static int
find_section(const struct rd *x, const char *name, size_t len)
{
	for (int i = 0; i < x->ini->nsects; i++)
		if (strlen(x->ini->sects[i].name) == len &&
		    memcmp(x->ini->sects[i].name, name, len) == 0)
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
lex_header(struct rd *x, int lineno, const char *s, size_t slen)
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
		if (i == x->ini->dflt)
			return i;
		cerr(x, lineno, "[%.*s]: duplicate section (first at line "
		    "%d)", (int)nlen, s + 1, x->ini->sects[i].line);
		return -2;
	}
	i = add_section(x, s + 1, nlen, lineno);
	if (strcmp(x->ini->sects[i].name, "SETUP") == 0)
		x->ini->setup = i;
	else if (strcmp(x->ini->sects[i].name, "DEFAULT") == 0)
		x->ini->dflt = i;
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
lex(struct rd *x)
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
rd_feed(char *str, int num, void *stream)
{
	struct rd *x = stream;
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
rd_entry(void *user, const char *section, const char *name,
    const char *value)
{
	struct rd *x = user;
	const struct cline *l = &x->lines[x->rline];
	struct cfgini_entry *e;
	struct cfgini_sect *s;
	struct sbuf v = SBUF_INIT;
	char *key;
	int lineno = x->rline + 1;

	(void)section;
	if (l->kind != L_KEY || l->sect < 0)
		return 1;
	s = &x->ini->sects[l->sect];
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
 * restored (a file is read once, on the main thread, before any other
 * thread exists).
 */
static void
rd_run(struct rd *x)
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
	rc = ini_parse_stream(rd_feed, x, rd_entry, x);
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
	if (rc > 0 && config_diag_nerrors(x->dg) == 0)
		cerr(x, rc, "not understood by the INI parser");
}

/* Entry key of section si (see config_ini.h). */
const struct cfgini_entry *
cfgini_get(const struct cfgini *ini, int si, const char *key)
{
	const struct cfgini_sect *s;

	if (si < 0)
		return NULL;
	s = &ini->sects[si];
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
interp(const struct cfgini *ini, struct config_diag *dg, int si,
    const struct cfgini_entry *e, int depth)
{
	struct sbuf out = SBUF_INIT;
	const char *p = e->val;

	while (*p != '\0') {
		const char *close;
		const struct cfgini_entry *ref;
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
		ref = cfgini_get(ini, si, name);
		if (ref == NULL && si != ini->dflt)
			ref = cfgini_get(ini, ini->dflt, name);
		if (ref == NULL || depth >= CFG_INTERP_DEPTH) {
			if (ref == NULL)
				config_diag_error_at(dg, e->line, "%s: %%(%s)s "
				    "refers to a key that is not set in [%s] or "
				    "[DEFAULT]",
				    e->key, name, ini->sects[si].name);
			else
				config_diag_error_at(dg, e->line, "%s: %%(%s)s "
				    "is nested more than %d deep (a loop?)", e->key,
				    name,
				    CFG_INTERP_DEPTH);
			free(name);
			sbuf_free(&out);
			return NULL;
		}
		free(name);
		if ((sub = interp(ini, dg, si, ref, depth + 1)) == NULL) {
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


char *
cfgini_value(const struct cfgini *ini, struct config_diag *dg, int si,
    const struct cfgini_entry *e)
{
	return interp(ini, dg, si, e, 0);
}

/* Frees the reader's own state (not the sections it produced). */
static void
rd_free(struct rd *x)
{
	for (int i = 0; i < x->nlines; i++)
		sbuf_free(&x->lines[i].cont);
	free(x->lines);
	free(x->data);
	sbuf_free(&x->rbuf);
}

int
cfgini_read(struct cfgini *ini, const char *path, struct config_diag *dg)
{
	struct rd x;

	memset(ini, 0, sizeof(*ini));
	ini->setup = ini->dflt = -1;
	memset(&x, 0, sizeof(x));
	x.path = path;
	x.ini = ini;
	x.dg = dg;
	if (read_file(&x) < 0) {
		rd_free(&x);
		return -1;
	}
	lex(&x);
	rd_run(&x);
	rd_free(&x);
	return 0;
}

void
cfgini_free(struct cfgini *ini)
{
	for (int i = 0; i < ini->nsects; i++) {
		for (int j = 0; j < ini->sects[i].nents; j++) {
			free(ini->sects[i].ents[j].key);
			free(ini->sects[i].ents[j].val);
		}
		free(ini->sects[i].ents);
		free(ini->sects[i].name);
	}
	free(ini->sects);
	memset(ini, 0, sizeof(*ini));
	ini->setup = ini->dflt = -1;
}

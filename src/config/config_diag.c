/*
 * config_diag.c - errors, warnings and key locations of one configuration
 * load (see config_diag.h), and the edit distance behind "did you mean".
 */
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "config_diag.h"
#include "log.h"
#include "sbuf.h"

#define DIAG_MAX_ERRORS	50

/* One error, kept until config_diag_flush() sorts them by line. */
struct dmsg {
	int		 line;		/* -1: config_diag_error_top(), first */
	int		 seq;
	char		*text;
};

/* Where the effective value of (section, key) came from. */
struct dnote {
	char		*section;
	char		*key;
	int		 line;
	int		 own;
	int		 seq;
};

struct config_diag {
	char		*path;
	struct dmsg	*errs;
	int		 nerr;
	struct dnote	*notes;
	int		 nnotes;
	int		 nseq;		/* notes ever made, for "last" */
};

struct config_diag *
config_diag_new(const char *path)
{
	struct config_diag *dg = xcalloc(1, sizeof(*dg));

	dg->path = xstrdup(path != NULL ? path : "(command line)");
	return dg;
}

void
config_diag_free(struct config_diag *dg)
{
	if (dg == NULL)
		return;
	for (int i = 0; i < dg->nerr; i++)
		free(dg->errs[i].text);
	free(dg->errs);
	for (int i = 0; i < dg->nnotes; i++) {
		free(dg->notes[i].section);
		free(dg->notes[i].key);
	}
	free(dg->notes);
	free(dg->path);
	free(dg);
}

const char *
config_diag_path(const struct config_diag *dg)
{
	return dg->path;
}

/* Keeps text (taken over) as error number seq at line. */
static void
add_error(struct config_diag *dg, int line, char *text)
{
	dg->errs = xrealloc(dg->errs, (size_t)(dg->nerr + 1) *
	    sizeof(*dg->errs));
	dg->errs[dg->nerr].line = line;
	dg->errs[dg->nerr].seq = dg->nerr;
	dg->errs[dg->nerr].text = text;
	dg->nerr++;
}

static void
verror(struct config_diag *dg, int line, const char *fmt, va_list ap)
{
	struct sbuf m = SBUF_INIT;

	if (line > 0)
		sbuf_printf(&m, "%s:%d: ", dg->path, line);
	else
		sbuf_printf(&m, "%s: ", dg->path);
	sbuf_vprintf(&m, fmt, ap);
	for (int i = 0; i < dg->nerr; i++)
		if (strcmp(dg->errs[i].text, sbuf_str(&m)) == 0) {
			sbuf_free(&m);
			return;
		}
	sbuf_reserve(&m, 0);
	add_error(dg, line, sbuf_steal(&m));
}

static void
vwarn(struct config_diag *dg, int line, const char *fmt, va_list ap)
{
	struct sbuf m = SBUF_INIT;

	sbuf_vprintf(&m, fmt, ap);
	if (line > 0)
		log_warn("%s:%d: %s", dg->path, line, sbuf_str(&m));
	else
		log_warn("%s: %s", dg->path, sbuf_str(&m));
	sbuf_free(&m);
}

void
config_diag_error_at(struct config_diag *dg, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(dg, line, fmt, ap);
	va_end(ap);
}

void
config_diag_error_top(struct config_diag *dg, const char *text)
{
	add_error(dg, -1, xstrdup(text));
}

void
config_diag_warn_at(struct config_diag *dg, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(dg, line, fmt, ap);
	va_end(ap);
}

/* The note for (section, key), or NULL. */
static struct dnote *
find_note(const struct config_diag *dg, const char *section, const char *key)
{
	for (int i = 0; i < dg->nnotes; i++)
		if (strcmp(dg->notes[i].section, section) == 0 &&
		    strcmp(dg->notes[i].key, key) == 0)
			return &dg->notes[i];
	return NULL;
}

void
config_diag_note(struct config_diag *dg, const char *section,
    const char *key, int line, int own)
{
	struct dnote *n = find_note(dg, section, key);

	if (n == NULL) {
		dg->notes = xrealloc(dg->notes, (size_t)(dg->nnotes + 1) *
		    sizeof(*dg->notes));
		n = &dg->notes[dg->nnotes++];
		n->section = xstrdup(section);
		n->key = xstrdup(key);
	}
	n->line = line;
	n->own = own;
	n->seq = ++dg->nseq;
}

int
config_diag_line(const struct config_diag *dg, const char *section,
    const char *key)
{
	const struct dnote *n = find_note(dg, section, key);

	return n != NULL ? n->line : 0;
}

int
config_diag_last_line(const struct config_diag *dg, const char *section,
    const char *const *keys, int nkeys)
{
	const struct dnote *best = NULL;

	for (int i = 0; i < nkeys; i++) {
		const struct dnote *n = find_note(dg, section, keys[i]);

		if (n != NULL && (best == NULL || n->seq > best->seq))
			best = n;
	}
	return best != NULL ? best->line : 0;
}

int
config_diag_own(const struct config_diag *dg, const char *section,
    const char *key)
{
	const struct dnote *n = find_note(dg, section, key);

	return n != NULL && n->own;
}

int
config_diag_nerrors(const struct config_diag *dg)
{
	return dg->nerr;
}

/* qsort order of errors: by line, then as reported. */
static int
dmsg_cmp(const void *a, const void *b)
{
	const struct dmsg *p = a, *q = b;

	if (p->line != q->line)
		return p->line < q->line ? -1 : 1;
	return p->seq < q->seq ? -1 : p->seq > q->seq;
}

int
config_diag_flush(struct config_diag *dg, struct sbuf *err)
{
	int n = dg->nerr;

	if (n > 1)
		qsort(dg->errs, (size_t)n, sizeof(*dg->errs), dmsg_cmp);
	for (int i = 0; i < n; i++) {
		if (i < DIAG_MAX_ERRORS)
			sbuf_printf(err, "%s\n", dg->errs[i].text);
		free(dg->errs[i].text);
	}
	if (n > DIAG_MAX_ERRORS)
		sbuf_printf(err, "%s: %d more errors not shown\n", dg->path,
		    n - DIAG_MAX_ERRORS);
	free(dg->errs);
	dg->errs = NULL;
	dg->nerr = 0;
	return n > 0 ? -1 : 0;
}

const char *
config_diag_quote(const char *v, char *q, size_t n)
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

int
config_diag_distance(const char *a, const char *b)
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

const char *
config_diag_closest(const char *word, const char *const *names, int n)
{
	const char *best = NULL;
	int bestd = 4, d, wl = (int)strlen(word);

	for (int i = 0; i < n; i++) {
		d = config_diag_distance(word, names[i]);
		if (d < bestd && d < wl) {
			bestd = d;
			best = names[i];
		}
	}
	return best;
}

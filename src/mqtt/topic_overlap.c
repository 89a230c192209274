/*
 * topic_overlap.c - can two topic filters match the same topic (see
 * topic_overlap.h)?  libmosquitto matches a topic against a filter, but
 * has no test for two filters; this walks both level by level.
 */
#include <string.h>

#include "topic_overlap.h"

/* One level of a filter: [p, p + n); NULL p after the last level. */
struct level {
	const char	*p;
	size_t		 n;
	int		 last;
};

static void
level_first(const char *f, struct level *l)
{
	const char *e = strchr(f, '/');

	l->p = f;
	l->n = e != NULL ? (size_t)(e - f) : strlen(f);
	l->last = e == NULL;
}

static void
level_next(struct level *l)
{
	if (l->last) {
		l->p = NULL;
		return;
	}
	level_first(l->p + l->n + 1, l);
}

static int
is(const struct level *l, char c)
{
	return l->p != NULL && l->n == 1 && l->p[0] == c;
}

/* A literal first level that wildcards do not match ("$SYS"). */
static int
dollar(const struct level *l, int first)
{
	return first && l->p != NULL && l->n > 0 && l->p[0] == '$' &&
	    !is(l, '+') && !is(l, '#');
}

int
topic_overlap(const char *a, const char *b)
{
	struct level la, lb;
	int first = 1;

	level_first(a, &la);
	level_first(b, &lb);
	for (;; level_next(&la), level_next(&lb), first = 0) {
		int wa = is(&la, '+') || is(&la, '#');
		int wb = is(&lb, '+') || is(&lb, '#');

		if (la.p == NULL && lb.p == NULL)
			return 1;
		/* One has ended: only a final '#' of the other (its parent). */
		if (la.p == NULL)
			return is(&lb, '#') && lb.last;
		if (lb.p == NULL)
			return is(&la, '#') && la.last;
		if ((wa && dollar(&lb, first)) || (wb && dollar(&la, first)))
			return 0;
		/* '#' matches whatever the other goes on with. */
		if (is(&la, '#') || is(&lb, '#'))
			return 1;
		if (wa || wb)
			continue;
		if (la.n != lb.n || memcmp(la.p, lb.p, la.n) != 0)
			return 0;
	}
}

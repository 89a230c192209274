/*
 * hindex.c - a hash index by separate chaining (see hindex.h for why
 * mppd has its own).
 */
#include <stdlib.h>

#include "hindex.h"
#include "sbuf.h"

#define HIDX_MIN_BUCKETS	16

uint64_t
hidx_hash(uint64_t h, const void *p, size_t len)
{
	for (const unsigned char *s = p; len-- > 0; s++)
		h = (h ^ *s) * 0x100000001b3ULL;
	return h;
}

static size_t
bucket(const struct hindex *h, uint64_t hash)
{
	/* FNV-1a's low bits mix less than its high ones: fold them in. */
	return (size_t)(hash ^ (hash >> 32)) & (h->nb - 1);
}

static void
grow(struct hindex *h)
{
	size_t nb = h->nb > 0 ? h->nb * 2 : HIDX_MIN_BUCKETS;
	struct hnode **b = xcalloc(nb, sizeof(*b));
	struct hindex nh = { b, nb, h->n };

	for (size_t i = 0; i < h->nb; i++) {
		struct hnode *n, *next;

		for (n = h->b[i]; n != NULL; n = next) {
			size_t k = bucket(&nh, n->hash);

			next = n->next;
			n->next = b[k];
			b[k] = n;
		}
	}
	free(h->b);
	*h = nh;
}

void
hidx_add(struct hindex *h, struct hnode *n, uint64_t hash)
{
	size_t k;

	if (h->n >= h->nb)
		grow(h);
	k = bucket(h, hash);
	n->hash = hash;
	n->next = h->b[k];
	h->b[k] = n;
	h->n++;
}

void
hidx_del(struct hindex *h, struct hnode *n)
{
	struct hnode **pp;

	if (h->nb == 0)
		return;
	for (pp = &h->b[bucket(h, n->hash)]; *pp != NULL; pp = &(*pp)->next)
		if (*pp == n) {
			*pp = n->next;
			n->next = NULL;
			h->n--;
			return;
		}
}

struct hnode *
hidx_first(const struct hindex *h, uint64_t hash)
{
	struct hnode *n;

	if (h->nb == 0)
		return NULL;
	for (n = h->b[bucket(h, hash)]; n != NULL && n->hash != hash;
	    n = n->next)
		;
	return n;
}

struct hnode *
hidx_next(const struct hnode *n)
{
	struct hnode *m;

	for (m = n->next; m != NULL && m->hash != n->hash; m = m->next)
		;
	return m;
}

void
hidx_free(struct hindex *h)
{
	free(h->b);
	h->b = NULL;
	h->nb = 0;
	h->n = 0;
}

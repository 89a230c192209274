/*
 * hindex.h - a hash index over objects the caller owns: each object
 * embeds a struct hnode and is filed under a 64-bit hash of its key; a
 * look-up yields the nodes filed under one hash, and the caller compares
 * the keys.  Used where a linear search per MQTT message was measurable
 * (the router's exact command topics, the cache of answers; see
 * BENCHMARKS.md).
 *
 * Why not a library: none linked has a hash table that fits.
 * libmosquitto, cJSON, PCRE2 and inih export none.  glibc's hsearch_r
 * cannot remove an entry (the cache of answers evicts), its tables do not
 * grow, and its hash keeps too little of a long key: measured with 64
 * topics that differ only in the device name ("host/dev12/cmd"), a look-up
 * costs 1,870 instructions against 365 for keys that differ early, because
 * they collide.  This one is separate chaining with FNV-1a and doubling,
 * about a hundred lines.
 *
 * Threads: none of its own.  Concurrent look-ups are safe while nothing
 * is added or removed; the caller serialises every change.
 */
#ifndef MPPD_HINDEX_H
#define MPPD_HINDEX_H

#include <stddef.h>
#include <stdint.h>

/* Embedded in each indexed object (container: hidx_entry). */
struct hnode {
	struct hnode	*next;
	uint64_t	 hash;
};

struct hindex {
	struct hnode	**b;	/* buckets, a power of two of them */
	size_t		  nb;
	size_t		  n;	/* nodes filed */
};

#define HINDEX_INIT	{ NULL, 0, 0 }

/* The object that embeds node n as its member m. */
#define hidx_entry(n, type, m) \
	((type *)(void *)((char *)(n) - offsetof(type, m)))

/* FNV-1a (64 bits) of len bytes at p, continuing from h (start with
 * HIDX_SEED).  Pure. */
#define HIDX_SEED	0xcbf29ce484222325ULL
uint64_t hidx_hash(uint64_t h, const void *p, size_t len);

/* Files n under hash (n is borrowed until hidx_del or hidx_free); the
 * bucket array doubles past one node per bucket. */
void	hidx_add(struct hindex *h, struct hnode *n, uint64_t hash);

/* Unfiles n, which must be filed in h. */
void	hidx_del(struct hindex *h, struct hnode *n);

/*
 * The first node filed under hash, NULL for none; hidx_next() the next
 * one.  Nodes come in no particular order, and other keys may share a
 * hash: compare the key.
 */
struct hnode *hidx_first(const struct hindex *h, uint64_t hash);
struct hnode *hidx_next(const struct hnode *n);

/* Frees the buckets (never the nodes); h is empty again. */
void	hidx_free(struct hindex *h);

#endif

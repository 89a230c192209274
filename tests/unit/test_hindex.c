/*
 * test_hindex.c - the hash index (hindex.h): what is filed is found under
 * its hash, through growth and after removals; nodes of other hashes are
 * never returned.
 */
#include <string.h>

#include "testmain.h"
#include "hindex.h"

struct item {
	int		 key;
	struct hnode	 node;
};

static uint64_t
hash_of(int key)
{
	return hidx_hash(HIDX_SEED, &key, sizeof(key));
}

/* How many filed items have key (and only items of that hash come). */
static int
count(const struct hindex *h, int key)
{
	uint64_t hash = hash_of(key);
	int n = 0;

	for (struct hnode *p = hidx_first(h, hash); p != NULL;
	    p = hidx_next(p)) {
		assert_true(p->hash == hash);
		if (hidx_entry(p, struct item, node)->key == key)
			n++;
	}
	return n;
}

static void
test_hindex_finds_what_was_filed_through_growth_and_removal(void **state)
{
	struct hindex h = HINDEX_INIT;
	static struct item v[1000];

	assert_null(hidx_first(&h, hash_of(1)));
	for (int i = 0; i < 1000; i++) {
		v[i].key = i % 500;	/* every key twice */
		hidx_add(&h, &v[i].node, hash_of(v[i].key));
	}
	assert_int_equal(h.n, 1000);
	for (int k = 0; k < 500; k++)
		assert_int_equal(count(&h, k), 2);
	assert_int_equal(count(&h, 500), 0);
	for (int i = 0; i < 500; i++)
		hidx_del(&h, &v[i].node);
	assert_int_equal(h.n, 500);
	for (int k = 0; k < 500; k++)
		assert_int_equal(count(&h, k), 1);
	hidx_free(&h);
	assert_null(hidx_first(&h, hash_of(1)));
}

static void
test_hindex_hash_is_fnv1a(void **state)
{
	/* The published FNV-1a 64-bit test vectors. */
	assert_true(hidx_hash(HIDX_SEED, "", 0) == 0xcbf29ce484222325ULL);
	assert_true(hidx_hash(HIDX_SEED, "a", 1) == 0xaf63dc4c8601ec8cULL);
	assert_true(hidx_hash(HIDX_SEED, "foobar", 6) ==
	    0x85944171f73967e8ULL);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_hindex_finds_what_was_filed_through_growth_and_removal),
	cmocka_unit_test(test_hindex_hash_is_fnv1a),
};

MPPD_TEST_MAIN(tests)

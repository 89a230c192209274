/*
 * testmain.h - the main() of every cmocka test program.
 *
 * CTest runs each case on its own: `test_x case_name` runs only that case
 * (cmocka_set_test_filter).  A filter that names no case fails, so a renamed
 * test can never pass silently.  Without an argument every case runs.
 */
#ifndef MPPD_TESTMAIN_H
#define MPPD_TESTMAIN_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#define MPPD_TEST_MAIN(group)						\
int									\
main(int argc, char **argv)						\
{									\
	MPPD_TEST_MAIN_BODY(group)					\
}

/* The body alone, for a main() that prepares something first. */
#define MPPD_TEST_MAIN_BODY(group)					\
	size_t n = sizeof(group) / sizeof(group[0]), hit = 0;		\
	if (argc > 1) {							\
		for (size_t i = 0; i < n; i++)				\
			if (strcmp(group[i].name, argv[1]) == 0)	\
				hit++;					\
		if (hit == 0) {						\
			fprintf(stderr, "no test case named %s\n", argv[1]); \
			return 2;					\
		}							\
		cmocka_set_test_filter(argv[1]);			\
	}								\
	return cmocka_run_group_tests(group, NULL, NULL);

#endif

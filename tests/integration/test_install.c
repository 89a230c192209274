/*
 * test_install.c - `cmake --install` puts the programs, man pages, the
 * example configuration and the service files in place.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "testmain.h"

static void
expect_file(const char *prefix, const char *rel, int exec)
{
	char path[1024];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", prefix, rel);
	if (stat(path, &st) != 0)
		fail_msg("not installed: %s", rel);
	if (exec)
		assert_true(st.st_mode & S_IXUSR);
}

static void
test_install_puts_every_file_in_place(void **state)
{
	char *dir = h_tmpdir(), *err = NULL, *unit;
	const char *argv[] = { MPPD_CMAKE, "--install", MPPD_BINARY_DIR, "--prefix",
		dir, NULL };

	assert_non_null(dir);
	assert_int_equal(h_run(argv, NULL, &err, 60000), 0);
	expect_file(dir, "bin/mppd", 1);
	expect_file(dir, "bin/mppd-sim", 1);
	expect_file(dir, "share/man/man8/mppd.8", 0);
	expect_file(dir, "share/man/man5/mppd.conf.5", 0);
	expect_file(dir, "share/doc/mppd/examples/mpp-solar.conf", 0);
	expect_file(dir, "share/doc/mppd/examples/99-mppd.rules", 0);
	expect_file(dir, "lib/systemd/system/mppd.service", 0);
	expect_file(dir, "etc/init.d/mppd", 1);
	{
		char path[1024];
		snprintf(path, sizeof(path), "%s/lib/systemd/system/mppd.service", dir);
		unit = h_read_file(path, NULL);
	}
	/* the unit runs the installed binary as Type=notify, hardened */
	assert_non_null(strstr(unit, "Type=notify"));
	assert_non_null(strstr(unit, "/bin/mppd -C ${CREDENTIALS_DIRECTORY}/mpp-solar.conf --daemon"));
	assert_non_null(strstr(unit, "LoadCredential=mpp-solar.conf:/etc/mpp-solar/mpp-solar.conf"));
	assert_non_null(strstr(unit, "NoNewPrivileges=yes"));
	assert_null(strstr(unit, "@BINDIR@"));
	free(unit);
	free(err);
	h_rmrf(dir);
	free(dir);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_install_puts_every_file_in_place),
};

MPPD_TEST_MAIN(tests)

/*
 * config_env.h - the fixture shared by the tests of app_config_load() on
 * real files (test_config.c, test_config_errors.c): a private directory
 * with the config file, the load with stderr captured (log.h writes
 * warnings there), and checks that an error or a warning names the file
 * and the line.
 *
 * Included by one test program at a time, so everything is static (and
 * inline, so a program that does not use a helper gets no warning).
 */
#ifndef MPPD_CONFIG_ENV_H
#define MPPD_CONFIG_ENV_H

#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app_config.h"
#include "config.h"
#include "sbuf.h"
#include "testmain.h"

struct t {
	char		 dir[64];
	char		 path[128];
	char		 errpath[128];
	struct config	 c;
	struct sbuf	 err;
	char		*warn;		/* everything logged during the load */
	int		 rc;
};

static inline void
t_write(struct t *t, const char *text, size_t len, mode_t mode)
{
	int fd;

	if (t->dir[0] == '\0') {
		strcpy(t->dir, "/tmp/mppd-cfg-XXXXXX");
		assert_non_null(mkdtemp(t->dir));
		snprintf(t->path, sizeof(t->path), "%s/mppd.conf", t->dir);
		snprintf(t->errpath, sizeof(t->errpath), "%s/stderr", t->dir);
	}
	fd = open(t->path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static inline char *
slurp(const char *path)
{
	struct sbuf s = SBUF_INIT;
	char buf[4096];
	size_t n;
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sbuf_add(&s, buf, n);
	fclose(f);
	sbuf_reserve(&s, 0);
	return sbuf_steal(&s);
}

/* Loads t->path with stderr captured into t->warn. */
static inline int
t_load_path(struct t *t, const char *path, const struct cli_mqtt *cli)
{
	int saved, fd;

	fflush(stderr);
	saved = dup(2);
	fd = open(t->errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, 2);
	close(fd);
	sbuf_init(&t->err);
	t->rc = app_config_load(path, cli, &t->c, &t->err);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	free(t->warn);
	t->warn = slurp(t->errpath);
	return t->rc;
}

static inline int
t_load_cli(struct t *t, const char *text, const struct cli_mqtt *cli)
{
	t_write(t, text, strlen(text), 0600);
	return t_load_path(t, t->path, cli);
}

static inline int
t_load(struct t *t, const char *text)
{
	return t_load_cli(t, text, NULL);
}

static inline void
t_done(struct t *t)
{
	config_free(&t->c);
	sbuf_free(&t->err);
	free(t->warn);
	t->warn = NULL;
	if (t->dir[0] != '\0') {
		unlink(t->path);
		unlink(t->errpath);
		rmdir(t->dir);
	}
}

#define assert_has(hay, needle) do {					\
	if (strstr((hay), (needle)) == NULL)				\
		fail_msg("expected to find\n  %s\nin\n%s", (needle), (hay)); \
} while (0)

#define assert_lacks(hay, needle) do {					\
	if (strstr((hay), (needle)) != NULL)				\
		fail_msg("did not expect\n  %s\nin\n%s", (needle), (hay)); \
} while (0)

/* Asserts an error "<path>:<line>: <text>..." was reported. */
static inline void
assert_err_at(struct t *t, int line, const char *text)
{
	char want[1024];

	assert_int_equal(t->rc, -1);
	snprintf(want, sizeof(want), "%s:%d: %s", t->path, line, text);
	assert_has(sbuf_str(&t->err), want);
}

/* Asserts a warning "<path>:<line>: <text>..." was logged. */
static inline void
assert_warn_at(struct t *t, int line, const char *text)
{
	char want[1024];

	snprintf(want, sizeof(want), "%s:%d: %s", t->path, line, text);
	assert_has(t->warn, want);
}

static inline struct device_cfg *
dev(struct t *t, const char *name)
{
	for (int i = 0; i < t->c.ndevs; i++)
		if (strcmp(t->c.devs[i].name, name) == 0)
			return &t->c.devs[i];
	fail_msg("no device [%s]", name);
	return NULL;
}

#endif

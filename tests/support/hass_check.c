/*
 * hass_check.c - the discovery checker for C tests (see hass_check.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"
#include "hass_check.h"

#define HC_PY		"/usr/bin/python3"
#define HC_CHECK	MPPD_SOURCE_DIR "/tests/hass/hass_schema_check.py"
#define HC_ALLOWED	": keys last_reset are not part of the sensor schema"
#define HC_BANNER	"---- %s: hass_schema_check.py ----\n%s"

int
hc_run(const char *path, char **out)
{
	const char *argv[] = { HC_PY, HC_CHECK, path, NULL };
	char *o = NULL, *e = NULL, *both;
	int rc = h_run(argv, &o, &e, 60000);
	size_t n;

	if (out != NULL) {
		n = (o ? strlen(o) : 0) + (e ? strlen(e) : 0) + 1;
		if ((both = malloc(n)) != NULL)
			snprintf(both, n, "%s%s", o ? o : "", e ? e : "");
		*out = both;
	}
	free(o);
	free(e);
	return rc;
}

char *
hc_configs_of_bar_log(const char *log, const char *text, const char *dir)
{
	char *buf = text != NULL ? strdup(text) : h_read_file(log, NULL);
	char *path = h_path(dir, "hass_configs.txt"), *line, *save = NULL;
	FILE *f;

	if (buf == NULL || path == NULL || (f = fopen(path, "w")) == NULL) {
		free(buf);
		free(path);
		return NULL;
	}
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char *bar = strchr(line, '|');

		/* topics hold no '|'; a payload may */
		if (bar == NULL || strncmp(line, "homeassistant/", 14) != 0 ||
		    bar - line < 7 || strncmp(bar - 7, "/config", 7) != 0)
			continue;
		fprintf(f, "%.*s\t%s\n", (int)(bar - line), line, bar + 1);
	}
	free(buf);
	if (fclose(f) != 0) {
		free(path);
		return NULL;
	}
	return path;
}

int
hc_assert_valid(const char *what, const char *path)
{
	char *out = NULL;
	const char *l, *sum;
	int rc = hc_run(path, &out), n = -1;

	if (out == NULL)
		fail_msg("%s: no output from %s", what, HC_CHECK);
	if (rc != 0) {
		fprintf(stderr, HC_BANNER, what, out);
		fail_msg("%s: hass_schema_check.py %s %d%s", what,
		    rc < 0 ? "did not run:" : "exited with", rc, rc == 1 ? "" :
		    " (scripts/setup.sh installs python3-voluptuous)");
	}
	for (l = out; *l != '\0'; ) {
		const char *nl = strchr(l, '\n');
		size_t len = nl != NULL ? (size_t)(nl - l) : strlen(l);

		if (strncmp(l, "WARN ", 5) == 0 &&
		    memmem(l, len, HC_ALLOWED, strlen(HC_ALLOWED)) == NULL) {
			fprintf(stderr, HC_BANNER, what, out);
			fail_msg("%s: unexpected warning: %.*s", what, (int)len,
			    l);
		}
		l = nl != NULL ? nl + 1 : l + len;
	}
	if ((sum = strstr(out, "hass_schema_check: ")) == NULL ||
	    sscanf(sum, "hass_schema_check: %d configs", &n) != 1)
		fail_msg("%s: no summary from the checker: %s", what, out);
	fprintf(stderr, "%s: %s", what, sum);
	free(out);
	return n;
}

int
hc_assert_bar_log_valid(const char *what, const char *log, const char *text,
    const char *dir)
{
	char *path = hc_configs_of_bar_log(log, text, dir);
	int n;

	if (path == NULL)
		fail_msg("%s: cannot write the configs into %s", what, dir);
	n = hc_assert_valid(what, path);
	free(path);
	return n;
}

/*
 * out_sink.c - the sinks that need no library: json_udp (one datagram per
 * result), prom_file (node-exporter textfile collector files) and mongo
 * (refused: see output_mongo).  Each runs on the worker thread of the
 * device whose result it sends.
 */
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "log.h"
#include "output.h"
#include "result.h"
#include "sbuf.h"

#define DEFAULT_UDP_PORT	5555
#define DEFAULT_PROM_DIR	"/var/lib/node_exporter"

int
output_json_udp(const struct result *r, const struct out_opts *o)
{
	struct addrinfo hints, *ai = NULL;
	struct sbuf pl = SBUF_INIT;
	char port[16];
	int fd, rc, ret = -1;

	snprintf(port, sizeof(port), "%d",
	    o->udp_port > 0 ? o->udp_port : DEFAULT_UDP_PORT);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_DGRAM;
	if ((rc = getaddrinfo("localhost", port, &hints, &ai)) != 0) {
		log_error("json_udp: localhost: %s", gai_strerror(rc));
		return -1;
	}
	output_json_values(r, o, 0, NULL, &pl);
	if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
	    ai->ai_protocol)) < 0)
		log_error("json_udp: socket: %s", strerror(errno));
	else {
		if (sendto(fd, sbuf_str(&pl), pl.len, 0, ai->ai_addr,
		    ai->ai_addrlen) < 0)
			log_error("json_udp: sending to localhost:%s: %s", port,
			    strerror(errno));
		else
			ret = 0;
		close(fd);
	}
	freeaddrinfo(ai);
	sbuf_free(&pl);
	return ret;
}

/* The files prom_file wrote, removed by output_prom_file_cleanup(). */
static pthread_mutex_t	prom_mu = PTHREAD_MUTEX_INITIALIZER;
static char		**prom_files;
static int		 nprom_files;

static void
prom_track(const char *path)
{
	pthread_mutex_lock(&prom_mu);
	for (int i = 0; i < nprom_files; i++)
		if (strcmp(prom_files[i], path) == 0) {
			pthread_mutex_unlock(&prom_mu);
			return;
		}
	prom_files = xrealloc(prom_files, sizeof(char *) *
	    (size_t)(nprom_files + 1));
	prom_files[nprom_files++] = xstrdup(path);
	pthread_mutex_unlock(&prom_mu);
}

void
output_prom_file_cleanup(void)
{
	int removed = 0;

	pthread_mutex_lock(&prom_mu);
	for (int i = 0; i < nprom_files; i++) {
		if (unlink(prom_files[i]) == 0)
			removed++;
		else if (errno != ENOENT)
			log_warn("prom_file: removing %s: %s", prom_files[i],
			    strerror(errno));
		free(prom_files[i]);
	}
	free(prom_files);
	prom_files = NULL;
	nprom_files = 0;
	pthread_mutex_unlock(&prom_mu);
	if (removed > 0)
		log_info("prom_file: %d file(s) removed", removed);
}

/* mkdir -p (os.makedirs(exist_ok=True)); 0 or -1 with errno. */
static int
mkdirs(const char *dir)
{
	char *p, *path = xstrdup(dir);
	int rc = 0;

	for (p = path + 1; rc == 0; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(path, 0777) < 0 && errno != EEXIST)
			rc = -1;
		*p = c;
		if (c == '\0')
			break;
	}
	free(path);
	return rc;
}

/* Writes all of buf to fd; 0 or -1 with errno. */
static int
write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int
output_prom_file(const struct result *r, const struct out_opts *o)
{
	const struct entry *c = result_find(r, "_command");
	const char *dir = o->prom_dir != NULL ? o->prom_dir : DEFAULT_PROM_DIR;
	struct sbuf base = SBUF_INIT, path = SBUF_INIT, tmp = SBUF_INIT;
	struct sbuf text = SBUF_INIT;
	size_t dlen = strlen(dir);
	int fd, ret = -1;

	/* mpp-solar-<name>-<command>.prom; the command lower-cased */
	if (o->device != NULL && strcmp(o->device, "unnamed") != 0)
		sbuf_printf(&base, "%s-", o->device);
	if (c != NULL)
		for (const char *p = c->v.s; *p != '\0'; p++)
			sbuf_addc(&base, (char)tolower((unsigned char)*p));
	while (dlen > 0 && dir[dlen - 1] == '/')
		dlen--;
	sbuf_printf(&path, "%.*s/mpp-solar-%s.prom", (int)dlen, dir,
	    sbuf_str(&base));
	sbuf_printf(&tmp, "%s/mpp-solar-%s_XXXXXX.tmp", dir, sbuf_str(&base));
	output_prom_text(r, o, PROMTEXT_PROMTOOL, &text);
	if (mkdirs(dir) < 0) {
		log_error("prom_file: cannot create %s: %s", dir, strerror(errno));
		goto out;
	}
	/* Written whole to a temporary file, then renamed: the collector
	 * never reads half a file. */
	if ((fd = mkstemps(tmp.buf, 4)) < 0) {
		log_error("prom_file: cannot create a file in %s: %s", dir,
		    strerror(errno));
		goto out;
	}
	if (write_all(fd, sbuf_str(&text), text.len) < 0 || fsync(fd) < 0 ||
	    fchmod(fd, 0744) < 0) {
		log_error("prom_file: writing %s: %s", sbuf_str(&tmp),
		    strerror(errno));
		close(fd);
		unlink(sbuf_str(&tmp));
		goto out;
	}
	close(fd);
	if (rename(sbuf_str(&tmp), sbuf_str(&path)) < 0) {
		log_error("prom_file: renaming to %s: %s", sbuf_str(&path),
		    strerror(errno));
		unlink(sbuf_str(&tmp));
		goto out;
	}
	prom_track(sbuf_str(&path));
	ret = 0;
out:
	sbuf_free(&base);
	sbuf_free(&path);
	sbuf_free(&tmp);
	sbuf_free(&text);
	return ret;
}

/*
 * MongoDB: Debian ships neither a MongoDB server nor its C driver, so
 * this output cannot be built or tested here; rather than dropping the
 * results silently (the reference does when pymongo is missing), every
 * result is refused with the alternatives.
 */
int
output_mongo(const struct result *r, const struct out_opts *o)
{
	(void)r;
	(void)o;
	log_error("mongo output: MongoDB is not supported by mppd; the result "
	    "is not stored.  Use the postgres, json_udp, prom_file, prom_push "
	    "or an MQTT output instead");
	return -1;
}

/*
 * out_postgres.c - the postgres output: one row per result in the table
 * the reference documents,
 *
 *   create table mppsolar (id serial primary key, command varchar,
 *       data json, updated timestamp);
 *
 * command = the result's _command, data = the kept values as JSON plus
 * "updated", updated = the local time with its UTC offset, seconds
 * precision.  libpq is loaded on first use (out_dl.c); a connection per
 * result, as the reference makes, so a restarted server costs nothing.
 */
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "out_dl.h"
#include "output.h"
#include "result.h"
#include "sbuf.h"

/* Seconds a connection may take (libpq's own default is forever). */
#define PG_CONNECT_TIMEOUT	"10"

#define PG_INSERT \
	"insert into mppsolar (command,data, updated) values ($1,$2,$3)"

/* The libpq functions used, in the order of pq_syms. */
static struct {
	PGconn		*(*connectdb_params)(const char *const *,
			    const char *const *, int);
	ConnStatusType	 (*status)(const PGconn *);
	char		*(*error_message)(const PGconn *);
	PGresult	*(*exec_params)(PGconn *, const char *, int,
			    const Oid *, const char *const *, const int *,
			    const int *, int);
	ExecStatusType	 (*result_status)(const PGresult *);
	char		*(*result_error_message)(const PGresult *);
	void		 (*clear)(PGresult *);
	void		 (*finish)(PGconn *);
} pq;

static const char *const pq_libs[] = { "libpq.so.5", NULL };
static const char *const pq_syms[] = { "PQconnectdbParams", "PQstatus",
	"PQerrorMessage", "PQexecParams", "PQresultStatus",
	"PQresultErrorMessage", "PQclear", "PQfinish", NULL };

static pthread_once_t	pq_once = PTHREAD_ONCE_INIT;
static int		pq_ok;
static char		pq_err[256];

static void
pq_load(void)
{
	_Static_assert(sizeof(pq) == 8 * sizeof(void *), "pq_syms");
	pq_ok = out_dl_load(pq_libs, pq_syms, (void **)&pq, pq_err,
	    sizeof(pq_err)) == 0;
}

/* libpq's message on one log line: its line breaks (and the tab that
 * indents a hint) become one space, the last one goes. */
static void
log_pq(const char *what, const char *m)
{
	struct sbuf s = SBUF_INIT;

	for (; *m != '\0'; m++) {
		if (*m == '\n' || *m == '\t') {
			if (s.len > 0 && s.buf[s.len - 1] != ' ')
				sbuf_addc(&s, ' ');
		} else
			sbuf_addc(&s, *m);
	}
	while (s.len > 0 && s.buf[s.len - 1] == ' ')
		s.buf[--s.len] = '\0';
	log_error("postgres output: %s%s", what, s.len ? sbuf_str(&s) : "");
	sbuf_free(&s);
}

/* Python's datetime.now().astimezone().replace(microsecond=0).isoformat() */
static void
iso_now(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;
	char off[8];

	localtime_r(&t, &tm);
	strftime(off, sizeof(off), "%z", &tm);	/* +0100 */
	strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + strlen(buf), len - strlen(buf), "%.3s:%.2s", off,
	    off + 3);
}

int
output_postgres(const struct result *r, const struct out_opts *o)
{
	const struct entry *c = result_find(r, "_command");
	struct sbuf data = SBUF_INIT;
	const char *params[3];
	char now[40];
	PGconn *conn;
	PGresult *res;
	int ret = -1;

	if (o->postgres_url == NULL) {
		log_error("postgres output: no postgres_url (--postgres_url "
		    "or the section's postgres_url key); result not stored");
		return -1;
	}
	pthread_once(&pq_once, pq_load);
	if (!pq_ok) {
		log_error("postgres output: %s", pq_err);
		return -1;
	}
	{
		/*
		 * The worker waits for the insert: a server that drops
		 * packets must not hold it for the system's TCP timeout.  A
		 * connect_timeout in the URL wins (later keywords override).
		 */
		static const char *const keys[] = { "connect_timeout",
			"dbname", NULL };
		const char *vals[] = { PG_CONNECT_TIMEOUT, o->postgres_url,
			NULL };

		conn = pq.connectdb_params(keys, vals, 1);
	}
	if (conn == NULL || pq.status(conn) != CONNECTION_OK) {
		log_pq("cannot connect: ", conn != NULL ?
		    pq.error_message(conn) : "out of memory");
		goto out;
	}
	iso_now(now, sizeof(now));
	output_json_values(r, o, 1, now, &data);
	params[0] = c != NULL ? c->v.s : NULL;
	params[1] = sbuf_str(&data);
	params[2] = now;
	res = pq.exec_params(conn, PG_INSERT, 3, NULL, params, NULL, NULL, 0);
	if (pq.result_status(res) != PGRES_COMMAND_OK)
		log_pq("Postgres error ", pq.result_error_message(res));
	else
		ret = 0;
	pq.clear(res);
out:
	if (conn != NULL)
		pq.finish(conn);
	sbuf_free(&data);
	return ret;
}

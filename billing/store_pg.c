// SPDX-License-Identifier: MIT
/** @file store_pg.c  The CDR store on PostgreSQL through libpq (store.h)
 *
 * A batch is one INSERT of many rows with ON CONFLICT (uniqueid) DO
 * NOTHING: one round trip, atomic, durable when it returns (the server's
 * synchronous_commit is forced on for the session). Queries stream rows
 * in libpq's single-row mode. A connection found broken is reset once
 * before a statement.
 */
#include <errno.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "billing/store_priv.h"

static const char ddl[] =
	"SET synchronous_commit = on;"
	"BEGIN;"
	"SELECT pg_advisory_xact_lock(4575);"	/* two servers creating */
	"CREATE TABLE IF NOT EXISTS cdr ("
	" uniqueid TEXT PRIMARY KEY,"
	" caller TEXT NOT NULL, callee TEXT NOT NULL,"
	" src_kind TEXT NOT NULL, src_name TEXT NOT NULL,"
	" dst_kind TEXT NOT NULL, dst_name TEXT NOT NULL,"
	" start_us BIGINT NOT NULL, answer_us BIGINT NOT NULL,"
	" end_us BIGINT NOT NULL, duration BIGINT NOT NULL,"
	" billsec BIGINT NOT NULL, disposition TEXT NOT NULL,"
	" cause INTEGER NOT NULL, cause_text TEXT NOT NULL,"
	" codec TEXT NOT NULL, packets_rx BIGINT NOT NULL,"
	" packets_tx BIGINT NOT NULL, lost BIGINT NOT NULL,"
	" late BIGINT NOT NULL, loss_pct DOUBLE PRECISION NOT NULL,"
	" jitter_ms DOUBLE PRECISION NOT NULL, mos DOUBLE PRECISION NOT NULL,"
	" gateway TEXT NOT NULL, rate_prefix TEXT NOT NULL,"
	" rate_name TEXT NOT NULL, cost_micro BIGINT,"
	" received_us BIGINT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS cdr_start ON cdr (start_us);"
	"CREATE INDEX IF NOT EXISTS cdr_caller ON cdr (caller, start_us);"
	"CREATE INDEX IF NOT EXISTS cdr_callee ON cdr (callee, start_us);"
	"CREATE TABLE IF NOT EXISTS schema_info (version INTEGER NOT NULL);"
	"INSERT INTO schema_info SELECT 1 WHERE NOT EXISTS "
	"(SELECT 1 FROM schema_info);"
	"COMMIT;";

static void quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;	/* NOTICEs such as "relation exists, skipping" */
}

static int fail(PGconn *db, const char *what, char *why, size_t whylen)
{
	const char *m = db ? PQerrorMessage(db) : "out of memory";
	int n = (int)strcspn(m, "\n");

	snprintf(why, whylen, "postgresql: %s: %.*s", what, n, m);
	return -EIO;
}

static int res_fail(PGconn *db, PGresult *r, const char *what, char *why,
		    size_t whylen)
{
	PQclear(r);
	return fail(db, what, why, whylen);
}

/* a connection the server dropped (it restarted): one reset */
static int ready(PGconn *db, char *why, size_t whylen)
{
	if (PQstatus(db) == CONNECTION_OK)
		return 0;
	PQreset(db);
	return PQstatus(db) == CONNECTION_OK ? 0 :
	       fail(db, "reconnect", why, whylen);
}

static int schema_check(PGconn *db, char *why, size_t whylen)
{
	PGresult *r = PQexec(db, "SELECT version FROM schema_info");
	int v = -1;

	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		return res_fail(db, r, "schema_info", why, whylen);
	if (PQntuples(r) == 1)
		v = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	if (v != STORE_SCHEMA_VERSION) {
		snprintf(why, whylen, "postgresql: schema version %d, this "
			 "server knows %d", v, STORE_SCHEMA_VERSION);
		return -EIO;
	}
	return 0;
}

static int pg_open(struct store *st, const char *conn, char *why,
		   size_t whylen)
{
	PGconn *db = PQconnectdb(conn);
	PGresult *r;
	int err;

	if (!db || PQstatus(db) != CONNECTION_OK) {
		err = fail(db, "connect", why, whylen);
		PQfinish(db);
		return err;
	}
	PQsetNoticeProcessor(db, quiet, NULL);
	r = PQexec(db, ddl);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		err = res_fail(db, r, "schema", why, whylen);
		PQfinish(db);
		return err;
	}
	PQclear(r);
	err = schema_check(db, why, whylen);
	if (err) {
		PQfinish(db);
		return err;
	}
	st->db = db;
	return 0;
}

static void pg_close(struct store *st)
{
	PQfinish(st->db);
	st->db = NULL;
}

static char *insert_sql(size_t n)
{
	size_t cap = 700 + n * (STORE_NCOLS * 7 + 4), len;
	char *sql = malloc(cap);
	unsigned k = 1;

	if (!sql)
		return NULL;
	len = (size_t)snprintf(sql, cap, "INSERT INTO cdr (");
	store_cols_list(sql + len, cap - len);
	len += strlen(sql + len);
	len += (size_t)snprintf(sql + len, cap - len, ") VALUES ");
	for (size_t i = 0; i < n; i++) {
		len += (size_t)snprintf(sql + len, cap - len, "%s(",
					i ? "," : "");
		for (int c = 0; c < STORE_NCOLS; c++)
			len += (size_t)snprintf(sql + len, cap - len, "%s$%u",
						c ? "," : "", k++);
		len += (size_t)snprintf(sql + len, cap - len, ")");
	}
	snprintf(sql + len, cap - len, " ON CONFLICT (uniqueid) DO NOTHING");
	return sql;
}

static int pg_put(struct store *st, const struct cdr *cdrs, size_t n,
		  uint64_t *fresh, char *why, size_t whylen)
{
	enum { NUMS = STORE_ROW_NUMS };
	const char **v = malloc(n * STORE_NCOLS * sizeof(*v));
	char *nums = malloc(n * NUMS), *sql = insert_sql(n);
	PGresult *r;
	int err = -ENOMEM;

	if (!v || !nums || !sql)
		goto out;
	for (size_t i = 0; i < n; i++)
		store_row_encode(&cdrs[i], nums + i * NUMS, NUMS,
				 v + i * STORE_NCOLS);
	err = ready(st->db, why, whylen);
	if (err)
		goto out;
	r = PQexecParams(st->db, sql, (int)(n * STORE_NCOLS), NULL, v, NULL,
			 NULL, 0);
	if (PQresultStatus(r) != PGRES_COMMAND_OK &&
	    PQstatus(st->db) == CONNECTION_BAD) {
		/* the database server restarted since our last statement:
		 * the INSERT never ran (or rolled back), so once more */
		PQclear(r);
		err = ready(st->db, why, whylen);
		if (err)
			goto out;
		r = PQexecParams(st->db, sql, (int)(n * STORE_NCOLS), NULL, v,
				 NULL, NULL, 0);
	}
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		err = res_fail(st->db, r, "insert", why, whylen);
		goto out;
	}
	*fresh = strtoull(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	err = 0;
 out:
	free(v);
	free(nums);
	free(sql);
	return err;
}

static int rows(struct store *st, store_row_h *h, void *arg, char *why,
		size_t whylen)
{
	PGresult *r;
	int ret = 0, err = 0;

	while ((r = PQgetResult(st->db))) {
		ExecStatusType s = PQresultStatus(r);

		if (s == PGRES_SINGLE_TUPLE && !ret && !err) {
			const char *v[STORE_NCOLS];
			struct cdr c;

			for (int i = 0; i < STORE_NCOLS; i++)
				v[i] = PQgetisnull(r, 0, i) ? NULL :
				       PQgetvalue(r, 0, i);
			if (store_row_decode(v, &c)) {
				snprintf(why, whylen, "postgresql: a row of "
					 "table cdr does not decode");
				err = -EIO;
			} else {
				ret = h(&c, arg);
			}
		} else if (s != PGRES_SINGLE_TUPLE && s != PGRES_TUPLES_OK &&
			   !err) {
			err = fail(st->db, "query", why, whylen);
		}
		PQclear(r);	/* read to the end even after a stop */
	}
	return err ? err : ret;
}

static int pg_select(struct store *st, const char *sql,
		     const struct store_param *p, int np, store_row_h *h,
		     void *arg, char *why, size_t whylen)
{
	char nums[STORE_MAX_PARAMS][24];
	const char *v[STORE_MAX_PARAMS];
	int err = ready(st->db, why, whylen);

	if (err)
		return err;
	for (int i = 0; i < np; i++) {
		if (p[i].is_int) {
			snprintf(nums[i], sizeof(nums[i]), "%lld",
				 (long long)p[i].i);
			v[i] = nums[i];
		} else {
			v[i] = p[i].s;
		}
	}
	if (!PQsendQueryParams(st->db, sql, np, NULL, v, NULL, NULL, 0))
		return fail(st->db, "query", why, whylen);
	PQsetSingleRowMode(st->db);
	return rows(st, h, arg, why, whylen);
}

static int pg_count(struct store *st, uint64_t *n, char *why, size_t whylen)
{
	PGresult *r;
	int err = ready(st->db, why, whylen);

	if (err)
		return err;
	r = PQexec(st->db, "SELECT count(*) FROM cdr");
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
		return res_fail(st->db, r, "count", why, whylen);
	*n = strtoull(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return 0;
}

const struct store_ops store_pg_ops = {
	.kind = "postgresql",
	.ph = '$',
	.open = pg_open,
	.close = pg_close,
	.put = pg_put,
	.select = pg_select,
	.count = pg_count,
};

// SPDX-License-Identifier: MIT
/** @file store_pg.c  The CDR store on PostgreSQL through libpq (store.h)
 *
 * A batch is one INSERT of many rows with ON CONFLICT (uniqueid) DO
 * NOTHING, its rows given as one array per column and unnest()ed: one
 * prepared statement whatever the batch size, one round trip, atomic,
 * durable when it returns (the server's synchronous_commit is forced on
 * for the session). Queries stream rows
 * in libpq's single-row mode. A connection found broken is reset once
 * before a statement.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "billing/store_priv.h"

static const char ddl[] =
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
	if (PQstatus(db) != CONNECTION_OK)
		return fail(db, "reconnect", why, whylen);
	PQclear(PQexec(db, "SET synchronous_commit = on"));	/* new session */
	return 0;
}

/* whether a statement failed because the database server went away
 * since the last one (it restarted): then it is worth one more try */
static bool lost(PGconn *db)
{
	return PQstatus(db) == CONNECTION_BAD;
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
	/* an acknowledged CDR must be on disk, whatever the server's default */
	r = PQexec(db, "SET synchronous_commit = on");
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		err = res_fail(db, r, "synchronous_commit", why, whylen);
		PQfinish(db);
		return err;
	}
	PQclear(r);
	/* the schema is created once; a reader (the cdr tool) then needs no
	 * more than SELECT */
	if (!schema_check(db, why, whylen)) {
		st->db = db;
		return 0;
	}
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

/* column types, for the arrays of the INSERT (in store_cols' order) */
static const char *const col_type[STORE_NCOLS] = {
	"text", "text", "text", "text", "text", "text", "text",
	"bigint", "bigint", "bigint", "bigint", "bigint", "text", "integer",
	"text", "text", "bigint", "bigint", "bigint", "bigint", "float8",
	"float8", "float8", "text", "text", "text", "bigint", "bigint",
};

#define PUT_STMT	"billing_cdr_put"

/* The batch INSERT, prepared once per session: one array per column,
 * unnest()ed into rows, so a batch of any size is 28 parameters and the
 * statement is planned once. */
static int prepare_put(struct store *st, char *why, size_t whylen)
{
	char cols[512], sql[2048];
	size_t n;
	PGresult *r;

	store_cols_list(cols, sizeof(cols));
	n = (size_t)snprintf(sql, sizeof(sql), "INSERT INTO cdr (%s) SELECT "
			     "* FROM unnest(", cols);
	for (int i = 0; i < STORE_NCOLS; i++)
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, "%s$%d::%s[]",
				      i ? ", " : "", i + 1, col_type[i]);
	snprintf(sql + n, sizeof(sql) - n, ") ON CONFLICT (uniqueid) DO "
		 "NOTHING");
	r = PQprepare(st->db, PUT_STMT, sql, STORE_NCOLS, NULL);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		return res_fail(st->db, r, "prepare", why, whylen);
	PQclear(r);
	st->priv = (void *)(intptr_t)PQbackendPID(st->db);
	return 0;
}

/* one element of an array literal: quoted, \ and " escaped; NULL bare */
static void array_elem(FILE *f, const char *v, bool first)
{
	if (!first)
		fputc(',', f);
	if (!v) {
		fputs("NULL", f);
		return;
	}
	fputc('"', f);
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			fputc('\\', f);
		fputc(*v, f);
	}
	fputc('"', f);
}

static int put_once(struct store *st, const char *const *arrays,
		    PGresult **rp, char *why, size_t whylen)
{
	int err = ready(st->db, why, whylen);

	if (!err && (intptr_t)st->priv != PQbackendPID(st->db))
		err = prepare_put(st, why, whylen);	/* new session */
	if (err)
		return err;
	*rp = PQexecPrepared(st->db, PUT_STMT, STORE_NCOLS, arrays, NULL,
			     NULL, 0);
	return 0;
}

static int pg_put(struct store *st, const struct cdr *cdrs, size_t n,
		  uint64_t *fresh, char *why, size_t whylen)
{
	char *arr[STORE_NCOLS] = { NULL }, nums[STORE_ROW_NUMS];
	size_t len[STORE_NCOLS];
	FILE *f[STORE_NCOLS] = { NULL };
	PGresult *r = NULL;
	int err = -ENOMEM, c;

	for (c = 0; c < STORE_NCOLS; c++) {
		f[c] = open_memstream(&arr[c], &len[c]);
		if (!f[c])
			goto out;
		fputc('{', f[c]);
	}
	for (size_t i = 0; i < n; i++) {
		const char *v[STORE_NCOLS];

		store_row_encode(&cdrs[i], nums, sizeof(nums), v);
		for (c = 0; c < STORE_NCOLS; c++)
			array_elem(f[c], v[c], !i);
	}
	for (c = 0; c < STORE_NCOLS; c++) {
		fputc('}', f[c]);
		if (fclose(f[c]))
			goto out;
		f[c] = NULL;
	}
	err = put_once(st, (const char *const *)arr, &r, why, whylen);
	if (!err && PQresultStatus(r) != PGRES_COMMAND_OK && lost(st->db)) {
		/* the database server restarted since our last statement:
		 * the INSERT never ran (or rolled back), so once more */
		PQclear(r);
		r = NULL;
		err = put_once(st, (const char *const *)arr, &r, why, whylen);
	}
	if (err)
		goto out;
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		err = res_fail(st->db, r, "insert", why, whylen);
		r = NULL;
		goto out;
	}
	*fresh = strtoull(PQcmdTuples(r), NULL, 10);
	err = 0;
 out:
	PQclear(r);
	for (c = 0; c < STORE_NCOLS; c++) {
		if (f[c])
			fclose(f[c]);
		free(arr[c]);
	}
	return err;
}

static int rows(struct store *st, store_row_h *h, void *arg, char *why,
		size_t whylen, bool *any)
{
	PGresult *r;
	int ret = 0, err = 0;

	*any = false;
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
				*any = true;
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
	bool any;
	int err;

	for (int i = 0; i < np; i++) {
		if (p[i].is_int) {
			snprintf(nums[i], sizeof(nums[i]), "%lld",
				 (long long)p[i].i);
			v[i] = nums[i];
		} else {
			v[i] = p[i].s;
		}
	}
	for (int attempt = 0;; attempt++) {
		err = ready(st->db, why, whylen);
		if (err)
			return err;
		if (!PQsendQueryParams(st->db, sql, np, NULL, v, NULL, NULL,
				       0)) {
			if (!attempt && lost(st->db))
				continue;
			return fail(st->db, "query", why, whylen);
		}
		PQsetSingleRowMode(st->db);
		err = rows(st, h, arg, why, whylen, &any);
		/* rows handed out cannot be taken back: no second try then */
		if (err == -EIO && !any && !attempt && lost(st->db))
			continue;
		return err;
	}
}

static int pg_count(struct store *st, uint64_t *n, char *why, size_t whylen)
{
	for (int attempt = 0;; attempt++) {
		int err = ready(st->db, why, whylen);
		PGresult *r;

		if (err)
			return err;
		r = PQexec(st->db, "SELECT count(*) FROM cdr");
		if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
			*n = strtoull(PQgetvalue(r, 0, 0), NULL, 10);
			PQclear(r);
			return 0;
		}
		if (attempt || !lost(st->db))
			return res_fail(st->db, r, "count", why, whylen);
		PQclear(r);
	}
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

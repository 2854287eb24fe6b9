// SPDX-License-Identifier: MIT
/** @file store_sqlite.c  The CDR store on SQLite (store.h) */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "billing/store_priv.h"

#define BUSY_MS	10000	/* a writer waits this long for another's lock */

static const char ddl[] =
	"CREATE TABLE IF NOT EXISTS cdr ("
	" uniqueid TEXT PRIMARY KEY NOT NULL,"
	" caller TEXT NOT NULL, callee TEXT NOT NULL,"
	" src_kind TEXT NOT NULL, src_name TEXT NOT NULL,"
	" dst_kind TEXT NOT NULL, dst_name TEXT NOT NULL,"
	" start_us INTEGER NOT NULL, answer_us INTEGER NOT NULL,"
	" end_us INTEGER NOT NULL, duration INTEGER NOT NULL,"
	" billsec INTEGER NOT NULL, disposition TEXT NOT NULL,"
	" cause INTEGER NOT NULL, cause_text TEXT NOT NULL,"
	" codec TEXT NOT NULL, packets_rx INTEGER NOT NULL,"
	" packets_tx INTEGER NOT NULL, lost INTEGER NOT NULL,"
	" late INTEGER NOT NULL, loss_pct REAL NOT NULL,"
	" jitter_ms REAL NOT NULL, mos REAL NOT NULL, gateway TEXT NOT NULL,"
	" rate_prefix TEXT NOT NULL, rate_name TEXT NOT NULL,"
	" cost_micro INTEGER, received_us INTEGER NOT NULL"
	") WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS cdr_start ON cdr (start_us);"
	"CREATE INDEX IF NOT EXISTS cdr_caller ON cdr (caller, start_us);"
	"CREATE INDEX IF NOT EXISTS cdr_callee ON cdr (callee, start_us);"
	"CREATE TABLE IF NOT EXISTS schema_info (version INTEGER NOT NULL);"
	"INSERT INTO schema_info SELECT 1 WHERE NOT EXISTS "
	"(SELECT 1 FROM schema_info);";

struct lite {
	sqlite3_stmt *ins, *begin, *commit, *rollback;
};

static int fail(sqlite3 *db, const char *what, char *why, size_t whylen)
{
	snprintf(why, whylen, "sqlite: %s: %s", what, sqlite3_errmsg(db));
	return -EIO;
}

static int exec(sqlite3 *db, const char *sql, char *why, size_t whylen)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	snprintf(why, whylen, "sqlite: %.60s: %s", sql, msg ? msg : "?");
	sqlite3_free(msg);
	return -EIO;
}

static int prepare(sqlite3 *db, const char *sql, sqlite3_stmt **s,
		   char *why, size_t whylen)
{
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, s,
			       NULL) == SQLITE_OK)
		return 0;
	return fail(db, "prepare", why, whylen);
}

static int schema_check(sqlite3 *db, char *why, size_t whylen)
{
	sqlite3_stmt *s;
	int v = -1;

	if (sqlite3_prepare_v2(db, "SELECT version FROM schema_info", -1, &s,
			       NULL) != SQLITE_OK)
		return fail(db, "schema_info", why, whylen);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	if (v != STORE_SCHEMA_VERSION) {
		snprintf(why, whylen, "sqlite: schema version %d, this server "
			 "knows %d", v, STORE_SCHEMA_VERSION);
		return -EIO;
	}
	return 0;
}

static int lite_open(struct store *st, const char *path, char *why,
		     size_t whylen)
{
	char cols[512], sql[1024], ph[STORE_NCOLS * 5];
	struct lite *l = calloc(1, sizeof(*l));
	sqlite3 *db = NULL;
	size_t n = 0;
	int err;

	if (!l)
		return -ENOMEM;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
			    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		err = fail(db, path, why, whylen);
		goto out;
	}
	sqlite3_busy_timeout(db, BUSY_MS);
	/* WAL: readers never block the writer; FULL: the WAL is synced at
	 * each commit, so an acknowledged CDR survives a power cut */
	err = exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
		   why, whylen);
	/* the schema is created once; later opens only check it (a reader
	 * does not take the write lock) */
	if (!err && !schema_check(db, why, whylen))
		goto prepare;
	if (!err)
		err = exec(db, "BEGIN IMMEDIATE", why, whylen);
	if (!err) {
		char ignored[8];

		err = exec(db, ddl, why, whylen);
		if (err)
			exec(db, "ROLLBACK", ignored, sizeof(ignored));
		else
			err = exec(db, "COMMIT", why, whylen);
	}
	if (!err)
		err = schema_check(db, why, whylen);
	if (err)
		goto out;
 prepare:
	store_cols_list(cols, sizeof(cols));
	for (int i = 0; i < STORE_NCOLS; i++)
		n += (size_t)snprintf(ph + n, sizeof(ph) - n, "%s?%d",
				      i ? "," : "", i + 1);
	snprintf(sql, sizeof(sql), "INSERT INTO cdr (%s) VALUES (%s) "
		 "ON CONFLICT (uniqueid) DO NOTHING", cols, ph);
	err = prepare(db, sql, &l->ins, why, whylen);
	if (!err)
		err = prepare(db, "BEGIN IMMEDIATE", &l->begin, why, whylen);
	if (!err)
		err = prepare(db, "COMMIT", &l->commit, why, whylen);
	if (!err)
		err = prepare(db, "ROLLBACK", &l->rollback, why, whylen);
 out:
	st->db = db;
	st->priv = l;
	if (err)
		st->ops->close(st);
	return err;
}

static void lite_close(struct store *st)
{
	struct lite *l = st->priv;

	if (l) {
		sqlite3_finalize(l->ins);
		sqlite3_finalize(l->begin);
		sqlite3_finalize(l->commit);
		sqlite3_finalize(l->rollback);
		free(l);
	}
	sqlite3_close(st->db);
	st->db = st->priv = NULL;
}

static int step_done(sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : rc;
}

static int bind_cdr(sqlite3_stmt *s, const struct cdr *c)
{
	const char *texts[] = { c->id, c->caller, c->callee, c->src.kind,
				c->src.name, c->dst.kind, c->dst.name };
	int rc = SQLITE_OK, i;

	for (i = 0; i < 7 && rc == SQLITE_OK; i++)
		rc = sqlite3_bind_text(s, i + 1, texts[i], -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 8, c->start_us) |
		     sqlite3_bind_int64(s, 9, c->answer_us) |
		     sqlite3_bind_int64(s, 10, c->end_us) |
		     sqlite3_bind_int64(s, 11, c->duration) |
		     sqlite3_bind_int64(s, 12, c->billsec) |
		     sqlite3_bind_text(s, 13, callrec_disp_name(c->disposition),
				       -1, SQLITE_STATIC) |
		     sqlite3_bind_int(s, 14, c->cause) |
		     sqlite3_bind_text(s, 15, c->cause_text, -1,
				       SQLITE_STATIC) |
		     sqlite3_bind_text(s, 16, c->codec, -1, SQLITE_STATIC) |
		     sqlite3_bind_int64(s, 17, (int64_t)c->packets_rx) |
		     sqlite3_bind_int64(s, 18, (int64_t)c->packets_tx) |
		     sqlite3_bind_int64(s, 19, (int64_t)c->lost) |
		     sqlite3_bind_int64(s, 20, (int64_t)c->late) |
		     sqlite3_bind_double(s, 21, c->loss_pct) |
		     sqlite3_bind_double(s, 22, c->jitter_ms) |
		     sqlite3_bind_double(s, 23, c->mos) |
		     sqlite3_bind_text(s, 24, c->gateway, -1, SQLITE_STATIC) |
		     sqlite3_bind_text(s, 25, c->rate_prefix, -1,
				       SQLITE_STATIC) |
		     sqlite3_bind_text(s, 26, c->rate_name, -1,
				       SQLITE_STATIC) |
		     (c->cost == CDR_UNRATED ? sqlite3_bind_null(s, 27) :
		      sqlite3_bind_int64(s, 27, c->cost)) |
		     sqlite3_bind_int64(s, 28, c->received_us);
	return rc;
}

static int lite_put(struct store *st, const struct cdr *cdrs, size_t n,
		    uint64_t *fresh, char *why, size_t whylen)
{
	struct lite *l = st->priv;
	sqlite3 *db = st->db;
	uint64_t added = 0;
	size_t i;

	if (step_done(l->begin))
		return fail(db, "begin", why, whylen);
	for (i = 0; i < n; i++) {
		if (bind_cdr(l->ins, &cdrs[i]) != SQLITE_OK ||
		    step_done(l->ins))
			break;
		added += (uint64_t)sqlite3_changes(db);
	}
	sqlite3_clear_bindings(l->ins);
	if (i < n || step_done(l->commit)) {
		int err = fail(db, i < n ? "insert" : "commit", why, whylen);

		step_done(l->rollback);
		return err;
	}
	*fresh = added;
	return 0;
}

static int lite_select(struct store *st, const char *sql,
		       const struct store_param *p, int np, store_row_h *h,
		       void *arg, char *why, size_t whylen)
{
	sqlite3 *db = st->db;
	sqlite3_stmt *s;
	int rc, ret = 0;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return fail(db, "query", why, whylen);
	for (int i = 0; i < np; i++)
		if (p[i].is_int)
			sqlite3_bind_int64(s, i + 1, p[i].i);
		else
			sqlite3_bind_text(s, i + 1, p[i].s, -1, SQLITE_STATIC);
	while (!ret && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *v[STORE_NCOLS];
		struct cdr c;

		for (int i = 0; i < STORE_NCOLS; i++)
			v[i] = (const char *)sqlite3_column_text(s, i);
		if (store_row_decode(v, &c)) {
			snprintf(why, whylen, "sqlite: a row of table cdr "
				 "does not decode (id %.63s)", v[0] ? v[0] : "");
			ret = -EIO;
			break;
		}
		ret = h(&c, arg);
	}
	if (!ret && rc != SQLITE_DONE)
		ret = fail(db, "query", why, whylen);
	sqlite3_finalize(s);
	return ret;
}

static int lite_count(struct store *st, uint64_t *n, char *why,
		      size_t whylen)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(st->db, "SELECT count(*) FROM cdr", -1, &s,
			       NULL) != SQLITE_OK)
		return fail(st->db, "count", why, whylen);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*n = (uint64_t)sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : fail(st->db, "count", why, whylen);
}

const struct store_ops store_sqlite_ops = {
	.kind = "sqlite",
	.ph = '?',
	.open = lite_open,
	.close = lite_close,
	.put = lite_put,
	.select = lite_select,
	.count = lite_count,
};

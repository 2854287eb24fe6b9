/* SPDX-License-Identifier: MIT */
/** @file store.h  The billing server's CDR store: SQLite or PostgreSQL
 *
 * One table, "cdr", one row per CDR, its unique id (column "uniqueid",
 * as Asterisk names it) the primary key: a CDR stored twice (a client
 * sending again after a lost acknowledgement) is kept once, and
 * store_put() says how many of a batch were new. Columns: the CDR's
 * fields (billing/cdr.h; the parties as src_kind, src_name, dst_kind,
 * dst_name; the disposition by its name), the rating (rate_prefix,
 * rate_name, cost_micro: micro-units, NULL when unrated) and
 * received_us. Indexes on start_us, (caller, start_us), (callee,
 * start_us). A table schema_info holds the schema's version (1). The
 * schema is created when missing; a store of another version is refused.
 *
 * Backends, by the store string ([billing] store):
 *   sqlite:PATH        a file, created if missing; WAL journal and
 *                      synchronous=FULL, so a committed batch survives a
 *                      power cut; readers never block the writer
 *   postgresql://...   a libpq connection URI ("postgres://..." too)
 *   pg:KEY=VALUE ...   a libpq key=value connection string
 * store_put() stores a batch in one transaction (SQLite: INSERT ... ON
 * CONFLICT (uniqueid) DO NOTHING per row; PostgreSQL: one multi-row
 * INSERT of the same kind, one round trip) and returns after the commit.
 *
 * A store object is one database connection, used by one thread at a
 * time: open one per thread (the server has a writer and a reader).
 * PostgreSQL: a connection the database server dropped is reset, and the
 * statement tried once more.
 */
#ifndef BILLING_STORE_H
#define BILLING_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "billing/cdr.h"

#define STORE_MAX_BATCH	1000	/**< CDRs per transaction */

struct store;

/** Which CDRs a query selects (billing/cdrq.h fills it from text) */
struct store_filter {
	int64_t since_us, until_us;	/**< since <= start < until; 0: open */
	char caller[CDR_NUM];		/**< "": any; "N": equal; "N*": prefix */
	char callee[CDR_NUM];
	char gateway[CDR_GATEWAY];	/**< "": any */
	unsigned disp_mask;		/**< bit per enum callrec_disp; 0: any */
	uint64_t limit, offset;		/**< limit 0: all */
};

/** Called for each CDR a query finds, oldest first; a non-zero return
 *  stops the query, and store_query() returns it */
typedef int (store_row_h)(const struct cdr *c, void *arg);

int  store_open(struct store **stp, const char *spec, char *why,
		size_t whylen);
struct store *store_close(struct store *st);
const char *store_kind(const struct store *st);
int  store_put(struct store *st, const struct cdr *cdrs, size_t n,
	       uint64_t *fresh, char *why, size_t whylen);
int  store_query(struct store *st, const struct store_filter *f,
		 store_row_h *h, void *arg, char *why, size_t whylen);
int  store_get(struct store *st, const char *id, struct cdr *c, char *why,
	       size_t whylen);
int  store_count(struct store *st, uint64_t *n, char *why, size_t whylen);

#endif /* BILLING_STORE_H */

/* SPDX-License-Identifier: MIT */
/** @file store_priv.h  What the store's backends share (store.c) */
#ifndef BILLING_STORE_PRIV_H
#define BILLING_STORE_PRIV_H

#include <stdbool.h>

#include "billing/store.h"

#define STORE_NCOLS		28	/**< columns of table cdr */
#define STORE_MAX_PARAMS	8	/**< parameters of a query */
#define STORE_SCHEMA_VERSION	1
#define STORE_ROW_NUMS		512	/**< store_row_encode()'s buffer */

/** A query parameter: an integer or a text */
struct store_param {
	bool is_int;
	int64_t i;
	const char *s;
};

/** A backend. sql texts use placeholders ph followed by the parameter's
 *  number from 1 ("?1" for SQLite, "$1" for PostgreSQL). */
struct store_ops {
	const char *kind;
	char ph;
	int  (*open)(struct store *st, const char *conn, char *why,
		     size_t whylen);
	void (*close)(struct store *st);
	int  (*put)(struct store *st, const struct cdr *cdrs, size_t n,
		    uint64_t *fresh, char *why, size_t whylen);
	int  (*select)(struct store *st, const char *sql,
		       const struct store_param *p, int np, store_row_h *h,
		       void *arg, char *why, size_t whylen);
	int  (*count)(struct store *st, uint64_t *n, char *why,
		      size_t whylen);
};

struct store {
	const struct store_ops *ops;
	void *db;		/**< sqlite3 * or PGconn * */
	void *priv;		/**< the backend's own state */
};

extern const struct store_ops store_sqlite_ops;
extern const struct store_ops store_pg_ops;
extern const char *const store_cols[STORE_NCOLS];

int  store_cols_list(char *buf, size_t len);
int  store_row_decode(const char *const v[STORE_NCOLS], struct cdr *c);
void store_row_encode(const struct cdr *c, char *buf, size_t len,
		      const char *v[STORE_NCOLS]);

#endif /* BILLING_STORE_PRIV_H */

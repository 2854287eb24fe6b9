// SPDX-License-Identifier: MIT
/** @file store.c  The CDR store: backend selection, queries, row coding */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "billing/store_priv.h"

const char *const store_cols[STORE_NCOLS] = {
	"uniqueid", "caller", "callee", "src_kind", "src_name", "dst_kind",
	"dst_name", "start_us", "answer_us", "end_us", "duration", "billsec",
	"disposition", "cause", "cause_text", "codec", "packets_rx",
	"packets_tx", "lost", "late", "loss_pct", "jitter_ms", "mos",
	"gateway", "rate_prefix", "rate_name", "cost_micro", "received_us",
};

/**
 * Open the store named by @p conn (store.h), creating its schema if
 * missing.
 * @param why  the reason on error
 * @return 0; -EINVAL (not a connection string we know); -EIO (the
 *         database refused: see @p why); -ENOMEM
 */
int store_open(struct store **stp, const char *conn, char *why, size_t whylen)
{
	struct store *st;
	int err;

	if (!stp || !conn)
		return -EINVAL;
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	if (!strncmp(conn, "sqlite:", 7) && conn[7]) {
		st->ops = &store_sqlite_ops;
		conn += 7;
	} else if (!strncmp(conn, "postgresql://", 13) ||
		   !strncmp(conn, "postgres://", 11)) {
		st->ops = &store_pg_ops;
	} else if (!strncmp(conn, "pg:", 3)) {
		st->ops = &store_pg_ops;
		conn += 3;
	} else {
		snprintf(why, whylen, "\"%s\" is not sqlite:PATH, "
			 "postgresql://... or pg:KEY=VALUE...", conn);
		free(st);
		return -EINVAL;
	}
	err = st->ops->open(st, conn, why, whylen);
	if (err) {
		free(st);
		return err;
	}
	*stp = st;
	return 0;
}

/** Close the store (NULL allowed). @return NULL */
struct store *store_close(struct store *st)
{
	if (st) {
		st->ops->close(st);
		free(st);
	}
	return NULL;
}

/** "sqlite" or "postgresql". */
const char *store_kind(const struct store *st)
{
	return st->ops->kind;
}

/**
 * Store @p n CDRs (rated, received_us set): each id once, a CDR already
 * held is skipped. Up to STORE_MAX_BATCH CDRs are one transaction; a
 * longer batch is stored that many at a time. Returns after the commit.
 * @param fresh  how many were new
 * @return 0, or -EIO (the transaction failed, nothing of it stored;
 *         reason in @p why), -ENOMEM
 * Context: the thread that owns @p st; blocks on the disk or database.
 */
int store_put(struct store *st, const struct cdr *cdrs, size_t n,
	      uint64_t *fresh, char *why, size_t whylen)
{
	*fresh = 0;
	for (size_t i = 0; i < n; i += STORE_MAX_BATCH) {
		size_t m = n - i < STORE_MAX_BATCH ? n - i : STORE_MAX_BATCH;
		uint64_t added = 0;
		int err = st->ops->put(st, cdrs + i, m, &added, why, whylen);

		if (err)
			return err;
		*fresh += added;
	}
	return 0;
}

/** The number of CDRs held. @return 0 or -EIO */
int store_count(struct store *st, uint64_t *n, char *why, size_t whylen)
{
	return st->ops->count(st, n, why, whylen);
}

/** The column list "uniqueid, caller, ...". @return 0 or -ENOSPC */
int store_cols_list(char *buf, size_t len)
{
	size_t n = 0;

	for (int i = 0; i < STORE_NCOLS; i++) {
		int w = snprintf(buf + n, len - n, "%s%s", i ? ", " : "",
				 store_cols[i]);

		if (w < 0 || (size_t)w >= len - n)
			return -ENOSPC;
		n += (size_t)w;
	}
	return 0;
}

struct sql {
	char text[2048];
	size_t len;
	struct store_param p[STORE_MAX_PARAMS];
	char like[2][2 * CDR_NUM + 2];
	int np;
	char ph;
};

static void add(struct sql *q, const char *fmt, const char *col)
{
	int w = snprintf(q->text + q->len, sizeof(q->text) - q->len, fmt,
			 col, q->ph, q->np + 1);

	if (w > 0)
		q->len += (size_t)w;
}

static void add_int(struct sql *q, const char *cond, int64_t v)
{
	add(q, cond, "start_us");
	q->p[q->np++] = (struct store_param){ .is_int = true, .i = v };
}

/* exact, or "PREFIX*" as LIKE 'PREFIX%' with % _ and \ escaped */
static void add_number(struct sql *q, const char *col, const char *v,
		       char *like)
{
	size_t n = strlen(v), j = 0;

	if (!n || v[n - 1] != '*') {
		add(q, " AND %s = %c%d", col);
		q->p[q->np++] = (struct store_param){ .s = v };
		return;
	}
	for (size_t i = 0; i + 1 < n; i++) {
		if (strchr("%_\\", v[i]))
			like[j++] = '\\';
		like[j++] = v[i];
	}
	like[j++] = '%';
	like[j] = '\0';
	add(q, " AND %s LIKE %c%d ESCAPE '\\'", col);
	q->p[q->np++] = (struct store_param){ .s = like };
}

static void build_filter(struct sql *q, const struct store_filter *f)
{
	if (f->since_us)
		add_int(q, " AND %s >= %c%d", f->since_us);
	if (f->until_us)
		add_int(q, " AND %s < %c%d", f->until_us);
	if (f->caller[0])
		add_number(q, "caller", f->caller, q->like[0]);
	if (f->callee[0])
		add_number(q, "callee", f->callee, q->like[1]);
	if (f->gateway[0]) {
		add(q, " AND %s = %c%d", "gateway");
		q->p[q->np++] = (struct store_param){ .s = f->gateway };
	}
	if (f->disp_mask) {
		const char *sep = "";

		q->len += (size_t)snprintf(q->text + q->len,
					   sizeof(q->text) - q->len,
					   " AND disposition IN (");
		for (int d = 0; d < CALLREC_DISP_COUNT; d++) {
			if (!(f->disp_mask & 1u << d))
				continue;
			q->len += (size_t)snprintf(q->text + q->len,
						   sizeof(q->text) - q->len,
						   "%s'%s'", sep,
						   callrec_disp_name(d));
			sep = ", ";
		}
		q->len += (size_t)snprintf(q->text + q->len,
					   sizeof(q->text) - q->len, ")");
	}
}

/**
 * Run a query: every CDR that @p f selects, in order of start time, is
 * handed to @p h.
 * @return 0; what @p h returned when not 0; -EIO (reason in @p why)
 * Context: the thread that owns @p st; @p h may not use @p st.
 */
int store_query(struct store *st, const struct store_filter *f,
		store_row_h *h, void *arg, char *why, size_t whylen)
{
	static struct store_filter none;
	struct sql q = { .ph = st->ops->ph };
	char cols[512];

	if (!f)
		f = &none;
	store_cols_list(cols, sizeof(cols));
	q.len = (size_t)snprintf(q.text, sizeof(q.text),
				 "SELECT %s FROM cdr WHERE 1 = 1", cols);
	build_filter(&q, f);
	q.len += (size_t)snprintf(q.text + q.len, sizeof(q.text) - q.len,
				  " ORDER BY start_us, uniqueid");
	if (f->limit || f->offset)
		q.len += (size_t)snprintf(q.text + q.len,
					  sizeof(q.text) - q.len,
					  " LIMIT %" PRIu64 " OFFSET %" PRIu64,
					  f->limit ? f->limit : INT64_MAX,
					  f->offset);
	return st->ops->select(st, q.text, q.p, q.np, h, arg, why, whylen);
}

static int take_one(const struct cdr *c, void *arg)
{
	*(struct cdr *)arg = *c;
	return 1;
}

/** The CDR with id @p id. @return 0, -ENOENT, -EINVAL (not an id), -EIO */
int store_get(struct store *st, const char *id, struct cdr *c, char *why,
	      size_t whylen)
{
	struct store_param p = { .s = id };
	char cols[512], sql[700];
	int err;

	if (!cdr_id_valid(id))
		return -EINVAL;
	store_cols_list(cols, sizeof(cols));
	snprintf(sql, sizeof(sql), "SELECT %s FROM cdr WHERE uniqueid = %c1",
		 cols, st->ops->ph);
	err = st->ops->select(st, sql, &p, 1, take_one, c, why, whylen);
	return err == 1 ? 0 : err ? err : -ENOENT;
}

static int dec_i64(const char *v, int64_t *x)
{
	char *end;

	if (!v || !*v)
		return -EBADMSG;
	errno = 0;
	*x = strtoll(v, &end, 10);
	return *end || errno ? -EBADMSG : 0;
}

static int dec_u64(const char *v, uint64_t *x)
{
	int64_t i;
	int err = dec_i64(v, &i);

	*x = (uint64_t)i;
	return err || i < 0 ? -EBADMSG : 0;
}

static int dec_f(const char *v, double *x)
{
	char *end;

	if (!v || !*v)
		return -EBADMSG;
	*x = strtod(v, &end);
	return *end ? -EBADMSG : 0;
}

static int dec_s(const char *v, char *dst, size_t size)
{
	if (!v || strlen(v) >= size)
		return -EBADMSG;
	strcpy(dst, v);
	return 0;
}

/**
 * A row (text values in the order of store_cols; NULL for SQL NULL) into
 * a CDR. @return 0, or -EBADMSG (a value does not fit: a foreign table)
 */
int store_row_decode(const char *const v[STORE_NCOLS], struct cdr *c)
{
	int64_t cause;

	memset(c, 0, sizeof(*c));
	if (dec_s(v[0], c->id, sizeof(c->id)) ||
	    dec_s(v[1], c->caller, sizeof(c->caller)) ||
	    dec_s(v[2], c->callee, sizeof(c->callee)) ||
	    dec_s(v[3], c->src.kind, sizeof(c->src.kind)) ||
	    dec_s(v[4], c->src.name, sizeof(c->src.name)) ||
	    dec_s(v[5], c->dst.kind, sizeof(c->dst.kind)) ||
	    dec_s(v[6], c->dst.name, sizeof(c->dst.name)) ||
	    dec_i64(v[7], &c->start_us) || dec_i64(v[8], &c->answer_us) ||
	    dec_i64(v[9], &c->end_us) || dec_i64(v[10], &c->duration) ||
	    dec_i64(v[11], &c->billsec) ||
	    !v[12] || callrec_disp_parse(v[12], &c->disposition) ||
	    dec_i64(v[13], &cause) ||
	    dec_s(v[14], c->cause_text, sizeof(c->cause_text)) ||
	    dec_s(v[15], c->codec, sizeof(c->codec)) ||
	    dec_u64(v[16], &c->packets_rx) || dec_u64(v[17], &c->packets_tx) ||
	    dec_u64(v[18], &c->lost) || dec_u64(v[19], &c->late) ||
	    dec_f(v[20], &c->loss_pct) || dec_f(v[21], &c->jitter_ms) ||
	    dec_f(v[22], &c->mos) ||
	    dec_s(v[23], c->gateway, sizeof(c->gateway)) ||
	    dec_s(v[24], c->rate_prefix, sizeof(c->rate_prefix)) ||
	    dec_s(v[25], c->rate_name, sizeof(c->rate_name)) ||
	    (v[26] && dec_i64(v[26], &c->cost)) ||
	    dec_i64(v[27], &c->received_us))
		return -EBADMSG;
	c->cause = (int)cause;
	if (!v[26])
		c->cost = CDR_UNRATED;
	return 0;
}

/**
 * A CDR as text values in the order of store_cols (NULL for an unrated
 * cost), the numbers written into @p buf (at least 512 bytes).
 */
void store_row_encode(const struct cdr *c, char *buf, size_t len,
		      const char *v[STORE_NCOLS])
{
	const int64_t ints[] = { c->start_us, c->answer_us, c->end_us,
				 c->duration, c->billsec, c->cause };
	const uint64_t uints[] = { c->packets_rx, c->packets_tx, c->lost,
				   c->late };
	const double reals[] = { c->loss_pct, c->jitter_ms, c->mos };
	size_t n = 0;
	int k;

#define PUT(idx, fmt, val) do {						\
		v[idx] = buf + n;					\
		n += (size_t)snprintf(buf + n, len - n, fmt, val) + 1;	\
	} while (0)
	v[0] = c->id;
	v[1] = c->caller;
	v[2] = c->callee;
	v[3] = c->src.kind;
	v[4] = c->src.name;
	v[5] = c->dst.kind;
	v[6] = c->dst.name;
	for (k = 0; k < 5; k++)
		PUT(7 + k, "%" PRId64, ints[k]);
	v[12] = callrec_disp_name(c->disposition);
	PUT(13, "%" PRId64, ints[5]);
	v[14] = c->cause_text;
	v[15] = c->codec;
	for (k = 0; k < 4; k++)
		PUT(16 + k, "%" PRIu64, uints[k]);
	for (k = 0; k < 3; k++)
		PUT(20 + k, "%.17g", reals[k]);
	v[23] = c->gateway;
	v[24] = c->rate_prefix;
	v[25] = c->rate_name;
	v[26] = NULL;
	if (c->cost != CDR_UNRATED)
		PUT(26, "%" PRId64, c->cost);
	PUT(27, "%" PRId64, c->received_us);
#undef PUT
}

/* SPDX-License-Identifier: MIT */
/** @file cdrq.h  CDR queries: the filters and output formats shared by the
 *  cdr tool and the billing server's HTTP interface
 *
 * A query is a set of key/value pairs, the same on the command line
 * (`cdr list --caller 1001`) and in a URL (`GET /cdrs?caller=1001`):
 *
 *   since, until   start of the call: since <= start < until. A time is
 *                  "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS]" or
 *                  "YYYY-MM-DDTHH:MM[:SS][Z]" (UTC), "@SECONDS" (since the
 *                  epoch), "now", or "-N" followed by s, m, h or d (that
 *                  long before now: "-1h", "-7d")
 *   caller, callee the number exactly, or a prefix followed by '*'
 *                  ("0555*")
 *   disposition    ANSWERED, "NO ANSWER", BUSY, FAILED, CONGESTION,
 *                  CANCELLED (any case, "no-answer" and "no_answer" too),
 *                  several separated by commas
 *   gateway        the gateway that produced the CDR
 *   limit, offset  at most limit CDRs (0: all) after skipping offset
 *   format         table, csv or json
 *   header         csv: 1 (default) a first line naming the columns, or 0
 *
 * CDRs come out oldest first (by start, then id). Formats:
 *  - table: one line per CDR, aligned columns, for people;
 *  - csv: RFC 4180, a header line (unless header=0), then Asterisk's cdr-csv columns in
 *    Asterisk's order (accountcode, src, dst, dcontext, clid, channel,
 *    dstchannel, lastapp, lastdata, start, answer, end, duration, billsec,
 *    disposition, amaflags, uniqueid, userfield) followed by this
 *    system's own (cause, cause_text, codec, packets_rx, packets_tx,
 *    lost, loss_pct, jitter_ms, mos, gateway, rate_prefix, rate_name,
 *    cost, received); times "YYYY-MM-DD HH:MM:SS" UTC;
 *  - json: an array of CDR objects (billing/cdr.h, with the server's
 *    fields).
 * Every value is checked; an error names the key and what is wrong.
 */
#ifndef BILLING_CDRQ_H
#define BILLING_CDRQ_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "billing/cdr.h"
#include "billing/store.h"

enum cdrq_format { CDRQ_TABLE, CDRQ_CSV, CDRQ_JSON };

/** A query: what to select, and how to write it */
struct cdrq {
	struct store_filter f;
	enum cdrq_format format;
	bool header;		/**< csv: the line of column names first */
};

/** Writes CDRs in one format to a stream (cdrq_out_*) */
struct cdrq_out {
	FILE *f;
	enum cdrq_format format;
	bool header;
	uint64_t n;		/**< CDRs written */
};

void cdrq_init(struct cdrq *q);
int  cdrq_set(struct cdrq *q, const char *key, const char *value,
	      int64_t now_us, char *why, size_t whylen);
int  cdrq_parse_time(const char *s, int64_t now_us, int64_t *us);
bool cdrq_match(const struct store_filter *f, const struct cdr *c);
const char *cdrq_content_type(enum cdrq_format format);

int  cdrq_time_str(int64_t us, char *buf, size_t len);
json_t *cdrq_jobj(const struct cdr *c);
void cdrq_out_begin(struct cdrq_out *o, FILE *f, const struct cdrq *q);
int  cdrq_out_row(const struct cdr *c, void *arg);
int  cdrq_out_end(struct cdrq_out *o);

#endif /* BILLING_CDRQ_H */

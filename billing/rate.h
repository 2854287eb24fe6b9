/* SPDX-License-Identifier: MIT */
/** @file rate.h  Rating: tariffs by destination prefix
 *
 * The billing server rates each CDR it stores by its callee number (the
 * number as dialled): the tariff with the longest prefix of the number
 * wins. A tariff has a price per minute, billing increments and an
 * optional setup fee.
 *
 * Tariff file (UTF-8 text; rootfs/etc/gateway/tariffs.conf is an example):
 *
 *   # comment lines and blank lines are ignored
 *   currency EUR                       (optional, once, before tariffs)
 *   # prefix  price/min  increments  [setup=FEE]  name (rest of the line)
 *   44        0.0200     60/60                    United Kingdom
 *   447       0.1000     30/6        setup=0.05   United Kingdom mobile
 *   1001      0          1/1                      Extension 1001
 *   default   0.5000     60/60                    Everything else
 *
 *  - prefix: 1..23 characters of 0-9 + * #, or "default" (matches every
 *    number; without it an unmatched number stays unrated);
 *  - price and fee: decimal, at most 6 decimals, below 1000000;
 *  - increments FIRST/STEP in seconds (1..86400): a call of billsec > 0
 *    is billed FIRST seconds at least, then in steps of STEP ("60/60"
 *    per started minute, "1/1" per second, "30/6");
 *  - the name: what the operator calls the destination (1..47 bytes).
 * A prefix may appear once. An error names the file and line:
 * "tariffs.conf:7: price "0,02" is not a decimal number".
 *
 * Cost of a CDR, in micro-units of the currency:
 *   answered: setup + ceil(billed_seconds * price_per_minute / 60)
 *   not answered: 0 (the destination is still recorded)
 *   no tariff matches: unrated (CDR_UNRATED, an empty rate name).
 *
 * A table is immutable once loaded and reference-counted: a reader
 * rate_hold()s it while it rates; rate_free() drops a reference. So a
 * server can swap in a reloaded table while connections rate with the old
 * one.
 */
#ifndef BILLING_RATE_H
#define BILLING_RATE_H

#include <stddef.h>
#include <stdint.h>

#include "billing/cdr.h"

#define RATE_MAX_FILE	(16u << 20)	/**< a tariff file is at most 16 MiB */
#define RATE_MAX_PRICE	1000000000000ll	/**< 1000000 units, in micro-units */

struct rate_entry {
	char prefix[CDR_RATE_PREFIX];	/**< "" for "default" */
	char name[CDR_RATE_NAME];
	int64_t price;		/**< micro-units per minute */
	int64_t setup;		/**< micro-units per answered call */
	int first, step;	/**< increments, seconds */
};

struct rate_table;

int  rate_load(struct rate_table **tp, const char *path, char *why,
	       size_t whylen);
int  rate_parse(struct rate_table **tp, const char *name, const char *text,
		size_t len, char *why, size_t whylen);
struct rate_table *rate_hold(struct rate_table *t);
struct rate_table *rate_free(struct rate_table *t);
size_t rate_count(const struct rate_table *t);
const char *rate_currency(const struct rate_table *t);

const struct rate_entry *rate_lookup(const struct rate_table *t,
				     const char *number);
int64_t rate_billed_seconds(const struct rate_entry *e, int64_t billsec);
int64_t rate_cost(const struct rate_entry *e, const struct cdr *c);
void rate_apply(const struct rate_table *t, struct cdr *c);

int  rate_parse_money(const char *s, int64_t *micro);
int  rate_format_money(int64_t micro, char *buf, size_t len);

#endif /* BILLING_RATE_H */

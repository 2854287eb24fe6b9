// SPDX-License-Identifier: MIT
/** @file cdrfill.c  Put made-up CDRs straight into a billing store
 *
 * For query tests and the store benchmark: no network, no server.
 *   cdrfill STORE COUNT [--batch N] [--prefix ID] [--start SECONDS]
 * makes COUNT CDRs with ids PREFIX-000000, PREFIX-000001, ... (prefix
 * "fill" by default), one call a minute from START (default
 * 1795000000, 2026-11-18 ...), cycling through the dispositions
 * (ANSWERED, NO ANSWER, BUSY, FAILED, CONGESTION, CANCELLED), callers
 * 1001..1004 and callees 0555010N, 44207946000N, 1002; answered calls
 * last 61 s, billsec 60, cost 0.02 per started minute (rated "44" United
 * Kingdom) or unrated. Stores them in transactions of N (default 200) and
 * prints "stored COUNT new NEW" and "rate KIND RATE CDR/s" (KIND sqlite
 * or postgresql).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "billing/store.h"

static const char *const callees[] = { "05550101", "442079460001", "1002",
				       "05550102" };

static void make(struct cdr *c, const char *prefix, unsigned i,
		 int64_t start_s)
{
	enum callrec_disp d = (enum callrec_disp)(i % CALLREC_DISP_COUNT);

	memset(c, 0, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%.40s-%06u", prefix, i);
	snprintf(c->caller, sizeof(c->caller), "100%u", 1 + i % 4);
	snprintf(c->callee, sizeof(c->callee), "%s", callees[i / 6 % 4]);
	snprintf(c->src.kind, sizeof(c->src.kind), "ext");
	snprintf(c->src.name, sizeof(c->src.name), "%s", c->caller);
	snprintf(c->dst.kind, sizeof(c->dst.kind), "%s",
		 strlen(c->callee) > 4 ? "trunk" : "ext");
	snprintf(c->dst.name, sizeof(c->dst.name), "%s",
		 strlen(c->callee) > 4 ? "pstn" : c->callee);
	c->start_us = (start_s + 60 * (int64_t)i) * 1000000 + 250000;
	c->disposition = d;
	if (d == CALLREC_ANSWERED) {
		c->answer_us = c->start_us + 1000000;
		c->end_us = c->answer_us + 60000000;
		c->cause = 200;
		snprintf(c->cause_text, sizeof(c->cause_text), "OK");
		snprintf(c->codec, sizeof(c->codec), "PCMU");
		c->packets_rx = c->packets_tx = 3000;
		c->lost = 3;
		c->loss_pct = 0.1;
		c->jitter_ms = 1.5;
		c->mos = 4.35;
	} else {
		static const int causes[] = { 200, 480, 486, 500, 503, 487 };

		c->end_us = c->start_us + 5000000;
		c->cause = causes[d];
		snprintf(c->cause_text, sizeof(c->cause_text), "cause %d",
			 c->cause);
	}
	c->duration = cdr_seconds(c->start_us, c->end_us);
	c->billsec = c->answer_us ? cdr_seconds(c->answer_us, c->end_us) : 0;
	snprintf(c->gateway, sizeof(c->gateway), "gw%u", 1 + i % 2);
	c->cost = CDR_UNRATED;
	if (!strncmp(c->callee, "44", 2)) {
		snprintf(c->rate_prefix, sizeof(c->rate_prefix), "44");
		snprintf(c->rate_name, sizeof(c->rate_name),
			 "United Kingdom");
		c->cost = c->answer_us ? 20000 : 0;
	}
	c->received_us = c->end_us + 1000000;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	const char *prefix = "fill";
	unsigned long count, batch = 200;
	long long start = 1795000000;
	struct store *st;
	struct cdr *cdrs;
	uint64_t fresh = 0;
	char why[512];
	double t0;
	int err = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: cdrfill STORE COUNT [--batch N] "
			"[--prefix ID] [--start SECONDS]\n");
		return 2;
	}
	count = strtoul(argv[2], NULL, 10);
	for (int i = 3; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--batch"))
			batch = strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--prefix"))
			prefix = argv[i + 1];
		else if (!strcmp(argv[i], "--start"))
			start = strtoll(argv[i + 1], NULL, 10);
	}
	if (!batch || batch > STORE_MAX_BATCH)
		batch = 200;
	cdrs = calloc(batch, sizeof(*cdrs));
	if (!cdrs || store_open(&st, argv[1], why, sizeof(why))) {
		fprintf(stderr, "cdrfill: %s\n", cdrs ? why : "no memory");
		return 1;
	}
	t0 = now_s();
	for (unsigned long i = 0; i < count && !err; i += batch) {
		size_t n = count - i < batch ? count - i : batch;
		uint64_t added;

		for (size_t k = 0; k < n; k++)
			make(&cdrs[k], prefix, (unsigned)(i + k), start);
		err = store_put(st, cdrs, n, &added, why, sizeof(why));
		fresh += added;
	}
	if (err) {
		fprintf(stderr, "cdrfill: %s\n", why);
	} else {
		double dt = now_s() - t0;

		printf("stored %lu new %llu\n", count,
		       (unsigned long long)fresh);
		printf("rate %s %.0f CDR/s\n", store_kind(st),
		       dt > 0 ? (double)count / dt : 0.0);
	}
	store_close(st);
	free(cdrs);
	return err ? 1 : 0;
}

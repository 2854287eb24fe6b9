/* SPDX-License-Identifier: MIT */
/** @file hist.h  Latency histograms with one writer and any number of readers
 *
 * Log-linear buckets over nanoseconds: exact below 32 ns, then 16 buckets per
 * power of two (6 % resolution) up to about 68 s; longer values land in the
 * last bucket. The writer (one task) adds with plain stores; a reader takes a
 * snapshot at any time without stopping the writer (counts may be one sample
 * apart from each other, never torn).
 */
#ifndef RTK_HIST_H
#define RTK_HIST_H

#include <stdatomic.h>
#include <stdint.h>

#define RTK_HIST_SUB	16
#define RTK_HIST_NBUCKETS (2 * RTK_HIST_SUB + 32 * RTK_HIST_SUB)

struct rtk_hist {
	_Atomic uint64_t bucket[RTK_HIST_NBUCKETS];
	_Atomic uint64_t count;
	_Atomic uint64_t sum;
	_Atomic uint64_t max;
	_Atomic uint64_t min;
};

struct rtk_hist_snap {
	uint64_t bucket[RTK_HIST_NBUCKETS];
	uint64_t count, sum, max, min;
};

void rtk_hist_reset(struct rtk_hist *h);
void rtk_hist_add(struct rtk_hist *h, uint64_t ns);
void rtk_hist_snap(const struct rtk_hist *h, struct rtk_hist_snap *s);
uint64_t rtk_hist_pct(const struct rtk_hist_snap *s, double pct);
unsigned rtk_hist_bucket(uint64_t ns);
uint64_t rtk_hist_bucket_low(unsigned b);

#endif /* RTK_HIST_H */

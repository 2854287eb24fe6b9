// SPDX-License-Identifier: MIT
/** @file hist.c  Log-linear latency histograms (one writer, many readers) */
#include <string.h>

#include "rtos-kernel/hist.h"

#define EXACT (2 * RTK_HIST_SUB)	/* values below this have a bucket each */
#define SUB_BITS 4			/* log2(RTK_HIST_SUB) */

_Static_assert(1 << SUB_BITS == RTK_HIST_SUB, "RTK_HIST_SUB is 2^SUB_BITS");

/** Bucket index of a value in ns. */
unsigned rtk_hist_bucket(uint64_t ns)
{
	unsigned e, b;

	if (ns < EXACT)
		return (unsigned)ns;
	e = 63 - (unsigned)__builtin_clzll(ns);	/* e >= SUB_BITS + 1 */
	b = EXACT + (e - SUB_BITS - 1) * RTK_HIST_SUB +
	    (unsigned)((ns >> (e - SUB_BITS)) & (RTK_HIST_SUB - 1));
	return b < RTK_HIST_NBUCKETS ? b : RTK_HIST_NBUCKETS - 1;
}

/** Smallest value that falls in bucket @p b; UINT64_MAX for b past the last
 *  bucket, so that low(b + 1) bounds the open-ended last bucket too. */
uint64_t rtk_hist_bucket_low(unsigned b)
{
	unsigned e;

	if (b >= RTK_HIST_NBUCKETS)
		return UINT64_MAX;	/* shifting past 63 bits would be UB */
	if (b < EXACT)
		return b;
	e = (b - EXACT) / RTK_HIST_SUB + SUB_BITS + 1;
	return ((uint64_t)1 << e) +
	       ((uint64_t)((b - EXACT) % RTK_HIST_SUB) << (e - SUB_BITS));
}

/** Empty @p h. Context: before the writer starts, or by the writer. */
void rtk_hist_reset(struct rtk_hist *h)
{
	for (unsigned i = 0; i < RTK_HIST_NBUCKETS; i++)
		atomic_store_explicit(&h->bucket[i], 0, memory_order_relaxed);
	atomic_store_explicit(&h->count, 0, memory_order_relaxed);
	atomic_store_explicit(&h->sum, 0, memory_order_relaxed);
	atomic_store_explicit(&h->max, 0, memory_order_relaxed);
	atomic_store_explicit(&h->min, UINT64_MAX, memory_order_relaxed);
}

static inline void bump(_Atomic uint64_t *v, uint64_t by)
{
	/* single writer: load + store, no locked instruction */
	atomic_store_explicit(v, atomic_load_explicit(v, memory_order_relaxed)
			      + by, memory_order_relaxed);
}

/** Record one value. Context: the histogram's one writer; never blocks. */
void rtk_hist_add(struct rtk_hist *h, uint64_t ns)
{
	bump(&h->bucket[rtk_hist_bucket(ns)], 1);
	bump(&h->sum, ns);
	if (ns > atomic_load_explicit(&h->max, memory_order_relaxed))
		atomic_store_explicit(&h->max, ns, memory_order_relaxed);
	if (ns < atomic_load_explicit(&h->min, memory_order_relaxed))
		atomic_store_explicit(&h->min, ns, memory_order_relaxed);
	/* count last, with release: a reader that sees it sees the bucket */
	atomic_store_explicit(&h->count, atomic_load_explicit(&h->count,
			memory_order_relaxed) + 1, memory_order_release);
}

/** Copy @p h into @p s. Context: any thread, while the writer runs. */
void rtk_hist_snap(const struct rtk_hist *h, struct rtk_hist_snap *s)
{
	uint64_t n = 0;

	s->count = atomic_load_explicit(&h->count, memory_order_acquire);
	for (unsigned i = 0; i < RTK_HIST_NBUCKETS; i++) {
		s->bucket[i] = atomic_load_explicit(&h->bucket[i],
						    memory_order_relaxed);
		n += s->bucket[i];
	}
	/* buckets may have moved on since count was read: keep them coherent */
	s->count = n;
	s->sum = atomic_load_explicit(&h->sum, memory_order_relaxed);
	s->max = atomic_load_explicit(&h->max, memory_order_relaxed);
	s->min = n ? atomic_load_explicit(&h->min, memory_order_relaxed) : 0;
}

/** Value at percentile @p pct (0..100) of a snapshot: the upper edge of the
 *  bucket holding it, capped at the largest value seen. 0 when empty. */
uint64_t rtk_hist_pct(const struct rtk_hist_snap *s, double pct)
{
	uint64_t rank, seen = 0, hi;

	if (!s->count)
		return 0;
	if (pct >= 100.0)
		return s->max;
	if (pct < 0)
		pct = 0;
	rank = (uint64_t)(pct / 100.0 * (double)s->count);
	if (rank >= s->count)
		rank = s->count - 1;
	for (unsigned i = 0; i < RTK_HIST_NBUCKETS; i++) {
		seen += s->bucket[i];
		if (seen > rank) {
			hi = i + 1 < RTK_HIST_NBUCKETS ?
			     rtk_hist_bucket_low(i + 1) - 1 : s->max;
			if (hi > s->max)
				hi = s->max;
			if (hi < s->min)
				hi = s->min;
			return hi;
		}
	}
	return s->max;
}

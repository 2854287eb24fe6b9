// SPDX-License-Identifier: MIT
/** @file test_hist.c  Log-linear latency histograms: mapping, percentiles */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "rtos-kernel/hist.h"

#define LAST (RTK_HIST_NBUCKETS - 1)

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	/* xorshift64: reproducible, no libc state */
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* low(b) <= v < low(b + 1); the last bucket holds every longer value */
static void check_bounds(uint64_t v)
{
	unsigned b = rtk_hist_bucket(v);

	assert_true(b < RTK_HIST_NBUCKETS);
	assert_true(rtk_hist_bucket_low(b) <= v);
	if (b < LAST)
		assert_true(v < rtk_hist_bucket_low(b + 1));
	else
		assert_true(v <= rtk_hist_bucket_low(b + 1));
}

static void test_hist_bucket_is_exact_below_32(void **state)
{
	(void)state;
	for (uint64_t v = 0; v < 32; v++) {
		assert_int_equal(rtk_hist_bucket(v), v);
		assert_int_equal(rtk_hist_bucket_low((unsigned)v), v);
	}
	assert_int_equal(rtk_hist_bucket(32), 32);
	assert_int_equal(rtk_hist_bucket(33), 32);	/* 2 ns wide from 32 */
	assert_int_equal(rtk_hist_bucket(34), 33);
}

static void test_hist_bucket_bounds_hold_for_many_values(void **state)
{
	static const uint64_t edges[] = {
		0, 1, 31, 32, 33, 63, 64, 65, 1000, 999999, 1000000,
		(uint64_t)1 << 36, ((uint64_t)1 << 36) - 1,
		((uint64_t)1 << 36) + 1, (uint64_t)1 << 37,
		((uint64_t)1 << 37) - 1, (uint64_t)1 << 63,
		UINT64_MAX - 1, UINT64_MAX,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
		check_bounds(edges[i]);
	for (uint64_t v = 0; v < 100000; v++)
		check_bounds(v);
	for (unsigned s = 0; s < 64; s++) {
		uint64_t p = (uint64_t)1 << s;

		check_bounds(p - 1);
		check_bounds(p);
		check_bounds(p + 1);
	}
	for (int i = 0; i < 200000; i++)
		check_bounds(rng() >> (rng() % 64));
	assert_int_equal(rtk_hist_bucket(UINT64_MAX), LAST);
	assert_int_equal(rtk_hist_bucket((uint64_t)1 << 37), LAST);
	assert_true(rtk_hist_bucket((uint64_t)1 << 36) < LAST);
}

static void test_hist_bucket_is_monotonic(void **state)
{
	unsigned prev = 0;
	uint64_t v;

	(void)state;
	/* every value up to 2^20, then growing steps to the top */
	for (v = 0; v < ((uint64_t)1 << 20); v++) {
		unsigned b = rtk_hist_bucket(v);

		assert_true(b == prev || b == prev + 1);
		prev = b;
	}
	for (; v < UINT64_MAX / 2; v += v / 97 + 1) {
		unsigned b = rtk_hist_bucket(v);

		assert_true(b >= prev);
		prev = b;
	}
	for (unsigned b = 1; b < RTK_HIST_NBUCKETS; b++) {
		assert_true(rtk_hist_bucket_low(b - 1) <
			    rtk_hist_bucket_low(b));
		assert_int_equal(rtk_hist_bucket(rtk_hist_bucket_low(b)), b);
		assert_int_equal(rtk_hist_bucket(rtk_hist_bucket_low(b) - 1),
				 b - 1);
	}
}

static void test_hist_bucket_resolution_is_one_sixteenth(void **state)
{
	(void)state;
	for (unsigned b = 32; b < LAST; b++) {
		uint64_t lo = rtk_hist_bucket_low(b);
		uint64_t w = rtk_hist_bucket_low(b + 1) - lo;

		assert_true(w * 16 <= lo);
		assert_true(w * 32 > lo);
	}
}

static void test_hist_bucket_low_past_last_is_max(void **state)
{
	(void)state;
	assert_int_equal(rtk_hist_bucket_low(RTK_HIST_NBUCKETS), UINT64_MAX);
	assert_int_equal(rtk_hist_bucket_low(5000), UINT64_MAX);
	assert_int_equal(rtk_hist_bucket_low(~0u), UINT64_MAX);
}

static void test_hist_snap_of_empty_is_zero(void **state)
{
	struct rtk_hist *h = calloc(1, sizeof(*h));
	struct rtk_hist_snap *s = calloc(1, sizeof(*s));

	(void)state;
	rtk_hist_reset(h);
	rtk_hist_snap(h, s);
	assert_int_equal(s->count, 0);
	assert_int_equal(s->sum, 0);
	assert_int_equal(s->min, 0);
	assert_int_equal(s->max, 0);
	assert_int_equal(rtk_hist_pct(s, 50), 0);
	assert_int_equal(rtk_hist_pct(s, 100), 0);
	free(s);
	free(h);
}

static void test_hist_snap_count_is_sum_of_buckets(void **state)
{
	struct rtk_hist *h = calloc(1, sizeof(*h));
	struct rtk_hist_snap *s = calloc(1, sizeof(*s));
	uint64_t n = 0, sum = 0, min = UINT64_MAX, max = 0, total = 0;

	(void)state;
	rtk_hist_reset(h);
	for (int i = 0; i < 10000; i++) {
		uint64_t v = rng() >> (24 + rng() % 40);

		rtk_hist_add(h, v);
		n++;
		sum += v;
		min = v < min ? v : min;
		max = v > max ? v : max;
	}
	rtk_hist_snap(h, s);
	for (unsigned b = 0; b < RTK_HIST_NBUCKETS; b++)
		total += s->bucket[b];
	assert_int_equal(s->count, n);
	assert_int_equal(total, n);
	assert_int_equal(s->sum, sum);
	assert_int_equal(s->min, min);
	assert_int_equal(s->max, max);

	rtk_hist_reset(h);
	rtk_hist_snap(h, s);
	assert_int_equal(s->count, 0);
	assert_int_equal(s->max, 0);
	free(s);
	free(h);
}

static void test_hist_min_max_of_known_values(void **state)
{
	struct rtk_hist *h = calloc(1, sizeof(*h));
	struct rtk_hist_snap *s = calloc(1, sizeof(*s));

	(void)state;
	rtk_hist_reset(h);
	rtk_hist_add(h, 500);
	rtk_hist_add(h, 7);
	rtk_hist_add(h, 123456789);
	rtk_hist_add(h, 0);
	rtk_hist_add(h, 42);
	rtk_hist_snap(h, s);
	assert_int_equal(s->count, 5);
	assert_int_equal(s->min, 0);
	assert_int_equal(s->max, 123456789);
	assert_int_equal(s->sum, 500 + 7 + 123456789 + 42);
	assert_int_equal(s->bucket[0], 1);
	assert_int_equal(s->bucket[7], 1);
	assert_int_equal(s->bucket[rtk_hist_bucket(123456789)], 1);
	free(s);
	free(h);
}

/* pct(p) must land in the bucket of the exact order statistic */
static void check_pct(const struct rtk_hist_snap *s, double p, uint64_t exact)
{
	uint64_t got = rtk_hist_pct(s, p);

	assert_int_equal(rtk_hist_bucket(got), rtk_hist_bucket(exact));
	assert_true(got >= exact);
}

static void test_hist_pct_of_uniform_data_within_one_bucket(void **state)
{
	static const double pcts[] = { 0, 1, 10, 25, 50, 75, 90, 99, 99.9 };
	struct rtk_hist *h = calloc(1, sizeof(*h));
	struct rtk_hist_snap *s = calloc(1, sizeof(*s));
	const uint64_t n = 100000;

	(void)state;
	rtk_hist_reset(h);
	for (uint64_t v = 1; v <= n; v++)
		rtk_hist_add(h, v);
	rtk_hist_snap(h, s);
	for (size_t i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++) {
		uint64_t rank = (uint64_t)(pcts[i] / 100.0 * (double)n);

		check_pct(s, pcts[i], rank + 1);
	}
	assert_int_equal(rtk_hist_pct(s, 0), 1);
	assert_int_equal(rtk_hist_pct(s, 100), n);
	assert_int_equal(rtk_hist_pct(s, 150), n);
	assert_int_equal(rtk_hist_pct(s, -5), 1);
	free(s);
	free(h);
}

static void test_hist_pct_of_two_clusters(void **state)
{
	struct rtk_hist *h = calloc(1, sizeof(*h));
	struct rtk_hist_snap *s = calloc(1, sizeof(*s));

	(void)state;
	rtk_hist_reset(h);
	for (int i = 0; i < 1000; i++)
		rtk_hist_add(h, 10);
	for (int i = 0; i < 10; i++)
		rtk_hist_add(h, 1000000);
	rtk_hist_add(h, 2000000);
	rtk_hist_snap(h, s);
	assert_int_equal(rtk_hist_pct(s, 50), 10);	/* exact bucket */
	assert_int_equal(rtk_hist_pct(s, 98), 10);
	check_pct(s, 99.5, 1000000);
	assert_int_equal(rtk_hist_pct(s, 100), 2000000);
	free(s);
	free(h);
}

static void test_hist_pct_is_capped_by_min_and_max(void **state)
{
	struct rtk_hist *h = calloc(1, sizeof(*h));
	struct rtk_hist_snap *s = calloc(1, sizeof(*s));

	(void)state;
	/* one value in the middle of a wide bucket: every pct is that value */
	rtk_hist_reset(h);
	rtk_hist_add(h, 1000003);
	rtk_hist_snap(h, s);
	assert_int_equal(rtk_hist_pct(s, 0), 1000003);
	assert_int_equal(rtk_hist_pct(s, 50), 1000003);
	assert_int_equal(rtk_hist_pct(s, 99.99), 1000003);
	/* and in the open-ended last bucket */
	rtk_hist_reset(h);
	rtk_hist_add(h, (uint64_t)1 << 40);
	rtk_hist_add(h, (uint64_t)1 << 41);
	rtk_hist_snap(h, s);
	assert_int_equal(rtk_hist_pct(s, 50), (uint64_t)1 << 41);
	free(s);
	free(h);
}

struct writer {
	struct rtk_hist *h;
	uint64_t n;
	_Atomic bool done;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;

	for (uint64_t i = 0; i < w->n; i++)
		rtk_hist_add(w->h, i & 0xfffff);
	atomic_store(&w->done, true);
	return NULL;
}

static void test_hist_snap_while_writing_is_coherent(void **state)
{
	struct rtk_hist *h = calloc(1, sizeof(*h));
	struct rtk_hist_snap *s = calloc(1, sizeof(*s));
	struct writer w = { .h = h, .n = 2000000 };
	uint64_t prev = 0, snaps = 0;
	pthread_t th;

	(void)state;
	rtk_hist_reset(h);
	assert_int_equal(pthread_create(&th, NULL, writer_main, &w), 0);
	while (!atomic_load(&w.done)) {
		uint64_t total = 0;

		rtk_hist_snap(h, s);
		for (unsigned b = 0; b < RTK_HIST_NBUCKETS; b++)
			total += s->bucket[b];
		assert_int_equal(total, s->count);
		assert_true(s->count >= prev);	/* never goes back */
		assert_true(s->count <= w.n);
		if (s->count)
			assert_true(s->max <= 0xfffff);
		prev = s->count;
		snaps++;
	}
	pthread_join(th, NULL);
	rtk_hist_snap(h, s);
	assert_int_equal(s->count, w.n);
	assert_int_equal(s->max, 0xfffff);
	assert_int_equal(s->min, 0);
	assert_true(snaps > 0);
	free(s);
	free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hist_bucket_is_exact_below_32),
		cmocka_unit_test(test_hist_bucket_bounds_hold_for_many_values),
		cmocka_unit_test(test_hist_bucket_is_monotonic),
		cmocka_unit_test(test_hist_bucket_resolution_is_one_sixteenth),
		cmocka_unit_test(test_hist_bucket_low_past_last_is_max),
		cmocka_unit_test(test_hist_snap_of_empty_is_zero),
		cmocka_unit_test(test_hist_snap_count_is_sum_of_buckets),
		cmocka_unit_test(test_hist_min_max_of_known_values),
		cmocka_unit_test(
			test_hist_pct_of_uniform_data_within_one_bucket),
		cmocka_unit_test(test_hist_pct_of_two_clusters),
		cmocka_unit_test(test_hist_pct_is_capped_by_min_and_max),
		cmocka_unit_test(test_hist_snap_while_writing_is_coherent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

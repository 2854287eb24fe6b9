// SPDX-License-Identifier: MIT
/** @file test_heap.c  RT heap: size classes, exhaustion, ownership */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "rtos-kernel/heap.h"

#define BYTES (9 * 64 * 1024)	/* 64 KiB per class */

static int setup(void **state)
{
	(void)state;
	return rtk_heap_init(BYTES, NULL, 0);
}

static int teardown(void **state)
{
	(void)state;
	rtk_heap_fini();
	return 0;
}

static void test_heap_init_twice_is_busy(void **state)
{
	(void)state;
	assert_true(rtk_heap_ready());
	assert_int_equal(rtk_heap_init(BYTES, NULL, 0), -EBUSY);
}

static void test_heap_sizes_map_to_classes(void **state)
{
	static const size_t sizes[] = { 0, 1, 64, 65, 128, 1000, 1500, 4096,
					9000, 16384 };
	static const size_t want[] = { 64, 64, 64, 128, 128, 1024, 2048,
				       4096, 16384, 16384 };

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		void *p = rtk_heap_alloc(sizes[i]);

		assert_non_null(p);
		assert_true(rtk_heap_owns(p));
		assert_int_equal(rtk_heap_block_size(p), want[i]);
		assert_int_equal((uintptr_t)p % 64, 0);
		memset(p, 0xa5, want[i]);	/* ASan: the whole block */
		rtk_heap_free(p);
	}
}

static void test_heap_too_big_is_null_and_counted(void **state)
{
	struct rtk_heap_stats st;

	(void)state;
	assert_null(rtk_heap_alloc(RTK_HEAP_MAX + 1));
	rtk_heap_stats_get(&st);
	assert_int_equal(st.too_big, 1);
}

static void test_heap_exhaustion_is_null_and_counted(void **state)
{
	struct rtk_heap_stats st;
	size_t n = BYTES / RTK_HEAP_CLASSES / 16384, got = 0;
	void *blk[64];

	(void)state;
	while (got < 64 && (blk[got] = rtk_heap_alloc(10000)))
		got++;
	assert_int_equal(got, n);
	rtk_heap_stats_get(&st);
	assert_int_equal(st.cls[RTK_HEAP_CLASSES - 1].failures, 1);
	assert_int_equal(st.cls[RTK_HEAP_CLASSES - 1].free, 0);
	/* other classes are unaffected */
	blk[got] = rtk_heap_alloc(100);
	assert_non_null(blk[got]);
	rtk_heap_free(blk[got]);
	while (got)
		rtk_heap_free(blk[--got]);
	rtk_heap_stats_get(&st);
	assert_int_equal(st.cls[RTK_HEAP_CLASSES - 1].free, n);
}

static void test_heap_foreign_pointers_not_owned(void **state)
{
	int local;
	void *p = rtk_heap_alloc(100);

	(void)state;
	assert_false(rtk_heap_owns(&local));
	assert_false(rtk_heap_owns(NULL));
	assert_false(rtk_heap_owns((char *)p + 1));	/* not a block start */
	assert_int_equal(rtk_heap_block_size(&local), 0);
	rtk_heap_free(&local);		/* ignored */
	rtk_heap_free(p);
}

static void *churn(void *arg)
{
	(void)arg;
	for (int i = 0; i < 200000; i++) {
		void *p = rtk_heap_alloc((size_t)(i % 3000) + 1);

		if (p) {
			*(volatile char *)p = 1;
			rtk_heap_free(p);
		}
	}
	return NULL;
}

static void test_heap_threads_free_everything(void **state)
{
	struct rtk_heap_stats st;
	pthread_t t[3];

	(void)state;
	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, churn, NULL);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	rtk_heap_stats_get(&st);
	for (int c = 0; c < RTK_HEAP_CLASSES; c++)
		assert_int_equal(st.cls[c].free, st.cls[c].capacity);
}

/* the extra blocks go to the class of their size, on top of its share;
 * two of one class add up, an entry of size 0 is none */
static void test_heap_extra_blocks_join_their_class(void **state)
{
	struct rtk_heap_extra x[] = { { 600, 5 }, { 0, 99 }, { 1000, 2 },
				      { 100, 3 } };
	struct rtk_heap_extra big[] = { { 600, 5 }, { 20000, 1 } };
	struct rtk_heap_stats st;

	(void)state;
	assert_int_equal(rtk_heap_init(BYTES, big, 2), -EINVAL);
	assert_false(rtk_heap_ready());
	assert_int_equal(rtk_heap_init(BYTES, x, 4), 0);
	rtk_heap_stats_get(&st);
	assert_int_equal(st.cls[4].block_size, 1024);
	assert_int_equal(st.cls[4].capacity, 64 + 5 + 2);
	assert_int_equal(st.cls[3].capacity, 128);	/* 512 B: its share */
	assert_int_equal(st.cls[1].block_size, 128);
	assert_int_equal(st.cls[1].capacity, 512 + 3);
	assert_int_equal(rtk_heap_free_blocks(600), 64 + 5 + 2);
	assert_int_equal(rtk_heap_free_blocks(20000), 0);
	rtk_heap_fini();
	assert_int_equal(rtk_heap_free_blocks(600), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_heap_extra_blocks_join_their_class),
		cmocka_unit_test_setup_teardown(test_heap_init_twice_is_busy,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_heap_sizes_map_to_classes,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_heap_too_big_is_null_and_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_heap_exhaustion_is_null_and_counted, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_heap_foreign_pointers_not_owned, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_heap_threads_free_everything, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

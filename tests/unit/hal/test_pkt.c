// SPDX-License-Identifier: MIT
/** @file test_pkt.c  Packet buffers: pool limits, fresh state, layout */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hal/pkt.h"
#include "rtos-kernel/pool.h"

#define NPKT 4

static int setup(void **state)
{
	struct pkt_pool *pp = NULL;

	if (pkt_pool_create(&pp, "test", NPKT))
		return -1;
	*state = pp;
	return 0;
}

static int teardown(void **state)
{
	struct pkt_pool *pp = *state;

	assert_int_equal(pkt_pool_free_count(pp), NPKT);
	assert_null(pkt_pool_destroy(pp));
	return 0;
}

static void test_pkt_pool_create_rejects_zero_count(void **state)
{
	struct pkt_pool *pp = NULL;

	(void)state;
	assert_int_equal(pkt_pool_create(&pp, "zero", 0), -EINVAL);
	assert_null(pp);
	assert_null(pkt_pool_destroy(NULL));
}

static void test_pkt_get_gives_empty_packet_with_headroom(void **state)
{
	struct pkt_pool *pp = *state;
	struct pkt *p = pkt_get(pp);

	assert_non_null(p);
	assert_ptr_equal(p->pool, pp);
	assert_null(p->next);
	assert_int_equal(p->off, PKT_HEADROOM);
	assert_int_equal(p->len, 0);
	assert_int_equal(p->flags, 0);
	assert_int_equal(p->ts_ns, 0);
	assert_ptr_equal(pkt_data(p), p->buf + PKT_HEADROOM);
	assert_int_equal(pkt_room(p), PKT_FRAME_MAX);
	assert_int_equal((uintptr_t)p->buf % 64, 0);
	assert_int_equal((uintptr_t)p->cb % 16, 0);
	/* the whole frame is writable: ASan checks the bounds */
	memset(pkt_data(p), 0xa5, pkt_room(p));
	pkt_free(p);
}

static void test_pkt_get_resets_a_used_packet(void **state)
{
	struct pkt_pool *pp = *state;
	struct pkt *p = pkt_get(pp), *q;

	assert_non_null(p);
	p->off = 10;
	p->len = 1500;
	p->flags = 0xff;
	p->ts_ns = 12345;
	p->next = p;
	pkt_free(p);
	/* a LIFO pool hands the same block back; either way it is fresh */
	q = pkt_get(pp);
	assert_non_null(q);
	assert_int_equal(q->off, PKT_HEADROOM);
	assert_int_equal(q->len, 0);
	assert_int_equal(q->flags, 0);
	assert_int_equal(q->ts_ns, 0);
	assert_null(q->next);
	pkt_free(q);
}

static void test_pkt_get_when_empty_returns_null(void **state)
{
	struct pkt_pool *pp = *state;
	struct pkt *all[NPKT];
	struct rtk_pool_stats st;

	for (int i = 0; i < NPKT; i++) {
		all[i] = pkt_get(pp);
		assert_non_null(all[i]);
		for (int j = 0; j < i; j++)
			assert_ptr_not_equal(all[i], all[j]);
	}
	assert_int_equal(pkt_pool_free_count(pp), 0);
	assert_null(pkt_get(pp));
	rtk_pool_stats_get(pkt_pool_rtk(pp), &st);
	assert_int_equal(st.failures, 1);
	assert_int_equal(st.gets, NPKT);
	for (int i = 0; i < NPKT; i++)
		pkt_free(all[i]);
	assert_int_equal(pkt_pool_free_count(pp), NPKT);
}

static void test_pkt_free_null_is_ignored(void **state)
{
	(void)state;
	pkt_free(NULL);
}

static void test_pkt_free_returns_to_its_own_pool(void **state)
{
	struct pkt_pool *pp = *state, *other = NULL;
	struct pkt *p;

	assert_int_equal(pkt_pool_create(&other, "other", 2), 0);
	p = pkt_get(other);
	assert_non_null(p);
	assert_int_equal(pkt_pool_free_count(other), 1);
	pkt_free(p);		/* no pool argument: the packet knows */
	assert_int_equal(pkt_pool_free_count(other), 2);
	assert_int_equal(pkt_pool_free_count(pp), NPKT);
	pkt_pool_destroy(other);
}

static void test_pkt_pool_fail_after_makes_get_fail(void **state)
{
	struct pkt_pool *pp = *state;
	struct pkt *p;

	rtk_pool_fail_after(pkt_pool_rtk(pp), 1);
	p = pkt_get(pp);
	assert_non_null(p);
	assert_null(pkt_get(pp));
	rtk_pool_fail_after(pkt_pool_rtk(pp), -1);
	pkt_free(p);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pkt_pool_create_rejects_zero_count),
		T(test_pkt_get_gives_empty_packet_with_headroom),
		T(test_pkt_get_resets_a_used_packet),
		T(test_pkt_get_when_empty_returns_null),
		T(test_pkt_free_null_is_ignored),
		T(test_pkt_free_returns_to_its_own_pool),
		T(test_pkt_pool_fail_after_makes_get_fail),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

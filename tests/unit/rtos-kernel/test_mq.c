// SPDX-License-Identifier: MIT
/** @file test_mq.c  SPSC and MPSC message queues: limits, counters, stress */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "rtos-kernel/mq.h"

static const enum rtk_mq_kind kinds[] = { RTK_MQ_SPSC, RTK_MQ_MPSC };
#define NKINDS 2

static void test_mq_create_rejects_bad_args(void **state)
{
	struct rtk_mq *q = NULL;

	(void)state;
	assert_int_equal(rtk_mq_create(NULL, RTK_MQ_SPSC, 4, 4), -EINVAL);
	assert_int_equal(rtk_mq_create(&q, RTK_MQ_SPSC, 0, 4), -EINVAL);
	assert_int_equal(rtk_mq_create(&q, RTK_MQ_MPSC, 4, 0), -EINVAL);
	assert_int_equal(rtk_mq_create(&q, (enum rtk_mq_kind)7, 4, 4),
			 -EINVAL);
	assert_int_equal(rtk_mq_create(&q, RTK_MQ_SPSC, 4, SIZE_MAX),
			 -EINVAL);
	assert_null(q);
	assert_null(rtk_mq_destroy(NULL));
}

static void test_mq_capacity_rounds_up_to_power_of_two(void **state)
{
	static const size_t asked[] = { 1, 2, 5, 8, 9, 1000 };
	static const size_t want[NKINDS][6] = {
		{ 1, 2, 8, 8, 16, 1024 },
		{ 2, 2, 8, 8, 16, 1024 },	/* MPSC: at least 2 slots */
	};

	(void)state;
	for (int k = 0; k < NKINDS; k++) {
		for (size_t i = 0; i < sizeof(asked) / sizeof(asked[0]); i++) {
			struct rtk_mq *q = NULL;
			struct rtk_mq_stats st;
			uint32_t v;

			assert_int_equal(rtk_mq_create(&q, kinds[k], 4,
						       asked[i]), 0);
			rtk_mq_stats_get(q, &st);
			assert_int_equal(st.capacity, want[k][i]);
			for (v = 0; v < want[k][i]; v++)
				assert_int_equal(rtk_mq_push(q, &v), 0);
			assert_int_equal(rtk_mq_push(q, &v), -ENOSPC);
			for (uint32_t w = 0; w < want[k][i]; w++) {
				assert_int_equal(rtk_mq_pop(q, &v), 0);
				assert_int_equal(v, w);
			}
			assert_int_equal(rtk_mq_pop(q, &v), -EAGAIN);
			rtk_mq_destroy(q);
		}
	}
}

static void test_mq_pop_when_empty_returns_eagain(void **state)
{
	(void)state;
	for (int k = 0; k < NKINDS; k++) {
		struct rtk_mq *q = NULL;
		uint64_t v = 7;

		assert_int_equal(rtk_mq_create(&q, kinds[k], 8, 4), 0);
		assert_true(rtk_mq_is_empty(q));
		assert_int_equal(rtk_mq_pop(q, &v), -EAGAIN);
		assert_int_equal(v, 7);		/* untouched */
		assert_int_equal(rtk_mq_push(q, &v), 0);
		assert_false(rtk_mq_is_empty(q));
		v = 0;
		assert_int_equal(rtk_mq_pop(q, &v), 0);
		assert_int_equal(v, 7);
		assert_true(rtk_mq_is_empty(q));
		assert_int_equal(rtk_mq_pop(q, &v), -EAGAIN);
		rtk_mq_destroy(q);
	}
}

static void test_mq_push_when_full_drops_and_counts(void **state)
{
	(void)state;
	for (int k = 0; k < NKINDS; k++) {
		struct rtk_mq *q = NULL;
		struct rtk_mq_stats st;
		uint32_t v;

		assert_int_equal(rtk_mq_create(&q, kinds[k], 4, 4), 0);
		for (v = 0; v < 4; v++)
			assert_int_equal(rtk_mq_push(q, &v), 0);
		for (v = 100; v < 103; v++)
			assert_int_equal(rtk_mq_push(q, &v), -ENOSPC);
		rtk_mq_stats_get(q, &st);
		assert_int_equal(st.pushed, 4);
		assert_int_equal(st.dropped, 3);
		assert_int_equal(st.depth, 4);
		assert_int_equal(st.high_water, 4);
		/* the refused elements are not in the queue */
		for (uint32_t want = 0; want < 4; want++) {
			assert_int_equal(rtk_mq_pop(q, &v), 0);
			assert_int_equal(v, want);
		}
		assert_int_equal(rtk_mq_pop(q, &v), -EAGAIN);
		/* room again after a pop */
		assert_int_equal(rtk_mq_push(q, &v), 0);
		rtk_mq_stats_get(q, &st);
		assert_int_equal(st.pushed, 5);
		assert_int_equal(st.dropped, 3);
		assert_int_equal(st.depth, 1);
		rtk_mq_destroy(q);
	}
}

static void test_mq_fifo_order_across_wrap_around(void **state)
{
	(void)state;
	for (int k = 0; k < NKINDS; k++) {
		struct rtk_mq *q = NULL;
		uint32_t in = 0, out = 0, v;

		assert_int_equal(rtk_mq_create(&q, kinds[k], 4, 8), 0);
		for (int round = 0; round < 200; round++) {
			int burst = 1 + round % 8;

			for (int i = 0; i < burst; i++, in++)
				assert_int_equal(rtk_mq_push(q, &in), 0);
			while (!rtk_mq_pop(q, &v))
				assert_int_equal(v, out++);
			assert_int_equal(out, in);
		}
		rtk_mq_destroy(q);
	}
}

static void test_mq_odd_element_size_is_copied_whole(void **state)
{
	(void)state;
	for (int k = 0; k < NKINDS; k++) {
		struct rtk_mq *q = NULL;
		uint8_t in[13], out[13];

		assert_int_equal(rtk_mq_create(&q, kinds[k], sizeof(in), 3), 0);
		for (int n = 0; n < 20; n++) {
			for (size_t i = 0; i < sizeof(in); i++)
				in[i] = (uint8_t)(n * 31 + i);
			assert_int_equal(rtk_mq_push(q, in), 0);
			memset(out, 0, sizeof(out));
			assert_int_equal(rtk_mq_pop(q, out), 0);
			assert_memory_equal(in, out, sizeof(in));
		}
		rtk_mq_destroy(q);
	}
}

static void test_mq_high_water_is_deepest_depth(void **state)
{
	(void)state;
	for (int k = 0; k < NKINDS; k++) {
		struct rtk_mq *q = NULL;
		struct rtk_mq_stats st;
		uint32_t v = 0;

		assert_int_equal(rtk_mq_create(&q, kinds[k], 4, 16), 0);
		rtk_mq_stats_get(q, &st);
		assert_int_equal(st.high_water, 0);
		for (int i = 0; i < 3; i++)
			assert_int_equal(rtk_mq_push(q, &v), 0);
		while (!rtk_mq_pop(q, &v))
			;
		/* a long run at depth 1 must not raise it */
		for (int i = 0; i < 100; i++) {
			assert_int_equal(rtk_mq_push(q, &v), 0);
			assert_int_equal(rtk_mq_pop(q, &v), 0);
		}
		rtk_mq_stats_get(q, &st);
		assert_int_equal(st.high_water, 3);
		assert_int_equal(st.depth, 0);
		for (int i = 0; i < 5; i++)
			assert_int_equal(rtk_mq_push(q, &v), 0);
		rtk_mq_stats_get(q, &st);
		assert_int_equal(st.high_water, 5);
		rtk_mq_destroy(q);
	}
}

/* --- stress --------------------------------------------------------------- */

/* On a loaded machine the producers stop at the deadline, so a run stays
 * short; what was sent must still all arrive, in order. */
#define STRESS_NS	6000000000ull
#define STRESS_MIN	100000		/* fewest elements for a real test */

struct msg {
	uint32_t producer;
	uint32_t pad;
	uint64_t seq;
};

struct stress {
	struct rtk_mq *q;
	uint64_t per_producer;		/* most elements per producer */
	uint64_t deadline;
	_Atomic uint64_t sent;		/* elements pushed, all producers */
	_Atomic int running;		/* producers still pushing */
	_Atomic uint64_t full;		/* -ENOSPC seen by producers */
	_Atomic uint64_t bad;		/* wrong element or error seen */
	uint64_t got;
	int nprod;
	int cpu;
};

struct producer {
	struct stress *s;
	uint32_t id;
	int cpu;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0 || sysconf(_SC_NPROCESSORS_ONLN) <= cpu)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *producer_main(void *arg)
{
	struct producer *p = arg;
	struct stress *s = p->s;
	struct msg m = { .producer = p->id };
	uint64_t full = 0;

	pin(p->cpu);
	for (m.seq = 0; m.seq < s->per_producer; m.seq++) {
		int err;

		if (m.seq % 4096 == 0 && now_ns() > s->deadline)
			break;
		while ((err = rtk_mq_push(s->q, &m)) == -ENOSPC) {
			full++;
			if (full % 64 == 0)
				sched_yield();
		}
		if (err)
			atomic_fetch_add(&s->bad, 1);
	}
	atomic_fetch_add(&s->full, full);
	atomic_fetch_add(&s->sent, m.seq);
	atomic_fetch_sub(&s->running, 1);
	return NULL;
}

/* pop until the producers are done and the queue is empty; each
 * producer's elements must come in the order it sent them */
static void *consumer_main(void *arg)
{
	struct stress *s = arg;
	uint64_t next[4] = { 0 }, empty = 0, bad = 0;
	struct msg m;

	pin(s->cpu);
	for (;;) {
		/* read before the pop: empty after the producers ended is
		 * empty for good */
		bool done = !atomic_load(&s->running);

		if (rtk_mq_pop(s->q, &m)) {
			if (done)
				break;
			if (++empty % 64 == 0)
				sched_yield();
			continue;
		}
		if (m.producer >= (uint32_t)s->nprod ||
		    m.seq != next[m.producer])
			bad++;
		else
			next[m.producer]++;
		s->got++;
	}
	atomic_fetch_add(&s->bad, bad);
	return NULL;
}

static void run_stress(struct stress *s, struct producer *p, int nprod)
{
	pthread_t tc, tp[4];

	s->nprod = nprod;
	s->deadline = now_ns() + STRESS_NS;
	atomic_store(&s->running, nprod);
	assert_int_equal(pthread_create(&tc, NULL, consumer_main, s), 0);
	for (int i = 0; i < nprod; i++)
		assert_int_equal(pthread_create(&tp[i], NULL, producer_main,
						&p[i]), 0);
	for (int i = 0; i < nprod; i++)
		pthread_join(tp[i], NULL);
	pthread_join(tc, NULL);
}

static void test_mq_spsc_two_cores_keeps_every_element_in_order(void **state)
{
	struct stress s = { .per_producer = 4000000, .cpu = 1 };
	struct producer p = { .s = &s, .id = 0, .cpu = 0 };
	struct rtk_mq_stats st;
	struct msg m;

	(void)state;
	assert_int_equal(rtk_mq_create(&s.q, RTK_MQ_SPSC, sizeof(struct msg),
				       256), 0);
	run_stress(&s, &p, 1);
	assert_int_equal(atomic_load(&s.bad), 0);
	assert_int_equal(s.got, atomic_load(&s.sent));
	assert_true(s.got >= STRESS_MIN);
	assert_int_equal(rtk_mq_pop(s.q, &m), -EAGAIN);
	rtk_mq_stats_get(s.q, &st);
	assert_int_equal(st.pushed, s.got);
	assert_int_equal(st.dropped, atomic_load(&s.full));
	assert_int_equal(st.depth, 0);
	assert_true(st.high_water >= 1 && st.high_water <= 256);
	rtk_mq_destroy(s.q);
}

static void test_mq_mpsc_three_producers_keep_their_order(void **state)
{
	struct stress s = { .per_producer = 1000000, .cpu = -1 };
	struct producer p[3];
	struct rtk_mq_stats st;
	struct msg m;

	(void)state;
	assert_int_equal(rtk_mq_create(&s.q, RTK_MQ_MPSC, sizeof(struct msg),
				       64), 0);
	for (int i = 0; i < 3; i++)
		p[i] = (struct producer){ .s = &s, .id = (uint32_t)i,
					  .cpu = i % 2 };
	run_stress(&s, p, 3);
	assert_int_equal(atomic_load(&s.bad), 0);
	assert_int_equal(s.got, atomic_load(&s.sent));
	assert_true(s.got >= STRESS_MIN);
	assert_int_equal(rtk_mq_pop(s.q, &m), -EAGAIN);
	rtk_mq_stats_get(s.q, &st);
	assert_int_equal(st.pushed, s.got);
	assert_int_equal(st.dropped, atomic_load(&s.full));
	assert_int_equal(st.depth, 0);
	assert_true(st.high_water >= 1);
	assert_true(st.high_water <= 64);
	rtk_mq_destroy(s.q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mq_create_rejects_bad_args),
		cmocka_unit_test(test_mq_capacity_rounds_up_to_power_of_two),
		cmocka_unit_test(test_mq_pop_when_empty_returns_eagain),
		cmocka_unit_test(test_mq_push_when_full_drops_and_counts),
		cmocka_unit_test(test_mq_fifo_order_across_wrap_around),
		cmocka_unit_test(test_mq_odd_element_size_is_copied_whole),
		cmocka_unit_test(test_mq_high_water_is_deepest_depth),
		cmocka_unit_test(
			test_mq_spsc_two_cores_keeps_every_element_in_order),
		cmocka_unit_test(test_mq_mpsc_three_producers_keep_their_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

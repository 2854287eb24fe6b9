// SPDX-License-Identifier: MIT
/** @file test_pool.c  Fixed-size pools: exhaustion, fault injection, stress */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "rtos-kernel/pool.h"

#define NBLK 4

static int setup(void **state)
{
	struct rtk_pool *p = NULL;

	if (rtk_pool_create(&p, "test", 24, NBLK))
		return -1;
	*state = p;
	return 0;
}

static int teardown(void **state)
{
	struct rtk_pool *p = *state;

	/* every test gives back what it took */
	assert_int_equal(rtk_pool_free_count(p), NBLK);
	rtk_pool_destroy(p);
	return 0;
}

static void test_pool_create_rejects_bad_args(void **state)
{
	struct rtk_pool *p = NULL;

	(void)state;
	assert_int_equal(rtk_pool_create(NULL, "x", 16, 4), -EINVAL);
	assert_int_equal(rtk_pool_create(&p, "x", 0, 4), -EINVAL);
	assert_int_equal(rtk_pool_create(&p, "x", 16, 0), -EINVAL);
	assert_int_equal(rtk_pool_create(&p, "x", (1ul << 30) + 1, 4),
			 -EINVAL);
	assert_int_equal(rtk_pool_create(&p, "x", 16, UINT32_MAX), -EINVAL);
	assert_null(p);
}

static void test_pool_create_reports_geometry(void **state)
{
	struct rtk_pool *p = *state, *q = NULL;
	struct rtk_pool_stats st;

	rtk_pool_stats_get(p, &st);
	assert_string_equal(st.name, "test");
	assert_int_equal(st.block_size, 32);	/* 24 rounded up to 16 */
	assert_int_equal(st.capacity, NBLK);
	assert_int_equal(st.free, NBLK);
	assert_int_equal(st.low_water, NBLK);
	assert_int_equal(st.gets, 0);
	assert_int_equal(st.failures, 0);

	assert_int_equal(rtk_pool_create(&q, NULL, 1, 1), 0);
	rtk_pool_stats_get(q, &st);
	assert_string_equal(st.name, "pool");
	assert_int_equal(st.block_size, 16);
	assert_null(rtk_pool_destroy(q));
	assert_null(rtk_pool_destroy(NULL));
}

static void test_pool_get_put_round_trip(void **state)
{
	struct rtk_pool *p = *state;
	struct rtk_pool_stats st;
	uint8_t *b = rtk_pool_get(p);

	assert_non_null(b);
	assert_int_equal((uintptr_t)b % 16, 0);
	assert_true(rtk_pool_owns(p, b));
	assert_int_equal(rtk_pool_free_count(p), NBLK - 1);
	memset(b, 0x5a, 32);	/* the whole rounded block is usable */
	rtk_pool_put(p, b);
	assert_int_equal(rtk_pool_free_count(p), NBLK);
	rtk_pool_stats_get(p, &st);
	assert_int_equal(st.gets, 1);
	assert_int_equal(st.failures, 0);
}

static void test_pool_get_when_empty_returns_null(void **state)
{
	struct rtk_pool *p = *state;
	struct rtk_pool_stats st;
	uint8_t *b[NBLK];

	for (int i = 0; i < NBLK; i++) {
		b[i] = rtk_pool_get(p);
		assert_non_null(b[i]);
		memset(b[i], i, 32);
		for (int j = 0; j < i; j++) {
			size_t d = b[i] > b[j] ? (size_t)(b[i] - b[j]) :
						 (size_t)(b[j] - b[i]);

			assert_true(d >= 32);	/* distinct, not overlapping */
		}
	}
	for (int i = 0; i < 100; i++)
		assert_null(rtk_pool_get(p));
	assert_null(rtk_pool_zget(p));
	rtk_pool_stats_get(p, &st);
	assert_int_equal(st.free, 0);
	assert_int_equal(st.failures, 101);
	assert_int_equal(st.gets, NBLK);
	for (int i = 0; i < NBLK; i++) {
		for (int k = 0; k < 32; k++)
			assert_int_equal(b[i][k], i);	/* nobody wrote on it */
		rtk_pool_put(p, b[i]);
	}
	assert_non_null(b[0] = rtk_pool_get(p));	/* usable again */
	rtk_pool_put(p, b[0]);
}

static void test_pool_low_water_tracks_fewest_free(void **state)
{
	struct rtk_pool *p = *state;
	struct rtk_pool_stats st;
	void *b[3];

	for (int i = 0; i < 3; i++)
		b[i] = rtk_pool_get(p);
	for (int i = 0; i < 3; i++)
		rtk_pool_put(p, b[i]);
	b[0] = rtk_pool_get(p);
	rtk_pool_stats_get(p, &st);
	assert_int_equal(st.low_water, NBLK - 3);
	assert_int_equal(st.free, NBLK - 1);
	rtk_pool_put(p, b[0]);
	rtk_pool_stats_get(p, &st);
	assert_int_equal(st.low_water, NBLK - 3);
}

static void test_pool_zget_zeroes_block(void **state)
{
	struct rtk_pool *p = NULL;
	uint8_t *b;

	(void)state;
	assert_int_equal(rtk_pool_create(&p, "z", 40, 1), 0);
	b = rtk_pool_get(p);
	memset(b, 0xab, 48);
	rtk_pool_put(p, b);
	b = rtk_pool_zget(p);
	assert_non_null(b);
	for (int i = 0; i < 48; i++)
		assert_int_equal(b[i], 0);
	rtk_pool_put(p, b);
	rtk_pool_destroy(p);
}

static void test_pool_owns_only_its_block_starts(void **state)
{
	struct rtk_pool *p = *state, *q = NULL;
	uint8_t *b, *c, *all[NBLK], local[32];

	assert_int_equal(rtk_pool_create(&q, "other", 24, NBLK), 0);
	b = rtk_pool_get(p);
	c = rtk_pool_get(q);
	assert_true(rtk_pool_owns(p, b));
	assert_false(rtk_pool_owns(p, b + 1));
	assert_false(rtk_pool_owns(p, b + 16));
	assert_false(rtk_pool_owns(p, c));
	assert_true(rtk_pool_owns(q, c));
	assert_false(rtk_pool_owns(q, b));
	assert_false(rtk_pool_owns(p, local));
	assert_false(rtk_pool_owns(p, NULL));
	rtk_pool_put(p, b);
	rtk_pool_put(q, c);
	/* one past the last block is not a block */
	for (int i = 0; i < NBLK; i++) {
		all[i] = rtk_pool_get(p);
		if (all[i] > b)
			b = all[i];
	}
	assert_false(rtk_pool_owns(p, b + 32));
	for (int i = 0; i < NBLK; i++)
		rtk_pool_put(p, all[i]);
	rtk_pool_destroy(q);
}

static void test_pool_put_null_is_ignored(void **state)
{
	struct rtk_pool *p = *state;

	rtk_pool_put(p, NULL);
	assert_int_equal(rtk_pool_free_count(p), NBLK);
}

static void test_pool_put_foreign_block_asserts(void **state)
{
	struct rtk_pool *p = *state;
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		uint8_t *b = rtk_pool_get(p);

		close(STDERR_FILENO);	/* the assertion message */
		rtk_pool_put(p, b + 8);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
}

static void test_pool_fail_after_n_lets_n_gets_succeed(void **state)
{
	struct rtk_pool *p = *state;
	struct rtk_pool_stats st;
	void *b[NBLK];

	for (long n = 0; n <= NBLK + 1; n++) {
		uint64_t failures;
		long got = 0;

		rtk_pool_stats_get(p, &st);
		failures = st.failures;
		rtk_pool_fail_after(p, n);
		while (got < NBLK && (b[got] = rtk_pool_get(p)))
			got++;
		assert_int_equal(got, n < NBLK ? n : NBLK);
		assert_null(rtk_pool_get(p));
		rtk_pool_stats_get(p, &st);
		assert_int_equal(st.failures, failures + (got < NBLK) + 1);
		while (got)
			rtk_pool_put(p, b[--got]);
		assert_null(rtk_pool_get(p));	/* still failing after puts */
		rtk_pool_fail_after(p, -1);
		b[0] = rtk_pool_get(p);
		assert_non_null(b[0]);
		rtk_pool_put(p, b[0]);
	}
}

/* A constructor in the style of the firmware: three blocks, undone in
 * reverse on failure. Used to show the fail_after loop of STYLE.md. */
struct conn {
	uint8_t *rx;
	uint8_t *tx;
};

static int conn_open(struct conn **cp, struct rtk_pool *p)
{
	struct conn *c;
	int err = -ENOSPC;

	c = rtk_pool_zget(p);
	if (!c)
		return err;
	c->rx = rtk_pool_get(p);
	if (!c->rx)
		goto out_conn;
	c->tx = rtk_pool_get(p);
	if (!c->tx)
		goto out_rx;
	*cp = c;
	return 0;

 out_rx:
	rtk_pool_put(p, c->rx);
 out_conn:
	rtk_pool_put(p, c);
	return err;
}

static void conn_close(struct conn *c, struct rtk_pool *p)
{
	rtk_pool_put(p, c->tx);
	rtk_pool_put(p, c->rx);
	rtk_pool_put(p, c);
}

static void test_pool_fail_after_runs_every_error_path(void **state)
{
	struct rtk_pool *p = *state;
	struct conn *c = NULL;
	long n;
	int err;

	for (n = 0;; n++) {
		rtk_pool_fail_after(p, n);
		err = conn_open(&c, p);
		rtk_pool_fail_after(p, -1);
		if (!err)
			break;
		assert_int_equal(err, -ENOSPC);
		assert_int_equal(rtk_pool_free_count(p), NBLK);
	}
	assert_int_equal(n, 3);		/* three gets: three error paths */
	assert_int_equal(rtk_pool_free_count(p), NBLK - 3);
	conn_close(c, p);
}

/* --- stress: several threads get and put the same small pool -------------- */

#define STRESS_THREADS	4
#define STRESS_ITERS	400000
#define STRESS_HOLD	3
#define STRESS_BLOCKS	8

struct sblock {
	_Atomic uint32_t owner;	/* 0 when free, else the holder's id */
	uint32_t serial;
	uint8_t pad[56];
};

struct stress {
	struct rtk_pool *p;
	pthread_barrier_t go;
	_Atomic uint64_t gets, nulls, shared, free_over, serial_bad;
};

struct worker {
	struct stress *s;
	uint32_t id;
};

static void *stress_main(void *arg)
{
	struct worker *w = arg;
	struct stress *s = w->s;
	struct sblock *held[STRESS_HOLD];
	uint64_t gets = 0, nulls = 0, shared = 0, over = 0, bad = 0;

	pthread_barrier_wait(&s->go);
	for (uint32_t i = 0; i < STRESS_ITERS; i++) {
		int n = 1 + (int)(i % STRESS_HOLD), got = 0;

		for (int k = 0; k < n; k++) {
			struct sblock *b = rtk_pool_get(s->p);

			if (!b) {
				nulls++;
				continue;
			}
			gets++;
			if (atomic_exchange(&b->owner, w->id) != 0)
				shared++;
			b->serial = i;
			held[got++] = b;
		}
		if (rtk_pool_free_count(s->p) > STRESS_BLOCKS)
			over++;
		while (got) {
			struct sblock *b = held[--got];

			if (b->serial != i)
				bad++;
			if (atomic_exchange(&b->owner, 0) != w->id)
				shared++;
			rtk_pool_put(s->p, b);
		}
	}
	atomic_fetch_add(&s->gets, gets);
	atomic_fetch_add(&s->nulls, nulls);
	atomic_fetch_add(&s->shared, shared);
	atomic_fetch_add(&s->free_over, over);
	atomic_fetch_add(&s->serial_bad, bad);
	return NULL;
}

static void test_pool_stress_threads_never_share_a_block(void **state)
{
	struct stress s = { 0 };
	struct worker w[STRESS_THREADS];
	pthread_t th[STRESS_THREADS];
	struct rtk_pool_stats st;
	struct sblock *all[STRESS_BLOCKS];

	(void)state;
	assert_int_equal(rtk_pool_create(&s.p, "stress", sizeof(struct sblock),
					 STRESS_BLOCKS), 0);
	/* blocks are free: owner 0 */
	for (int i = 0; i < STRESS_BLOCKS; i++)
		all[i] = rtk_pool_zget(s.p);
	for (int i = 0; i < STRESS_BLOCKS; i++)
		rtk_pool_put(s.p, all[i]);
	pthread_barrier_init(&s.go, NULL, STRESS_THREADS);
	for (int i = 0; i < STRESS_THREADS; i++) {
		w[i] = (struct worker){ .s = &s, .id = (uint32_t)i + 1 };
		assert_int_equal(pthread_create(&th[i], NULL, stress_main,
						&w[i]), 0);
	}
	for (int i = 0; i < STRESS_THREADS; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&s.go);

	assert_int_equal(atomic_load(&s.shared), 0);
	assert_int_equal(atomic_load(&s.serial_bad), 0);
	assert_int_equal(atomic_load(&s.free_over), 0);
	rtk_pool_stats_get(s.p, &st);
	assert_int_equal(st.free, STRESS_BLOCKS);
	assert_int_equal(st.gets, atomic_load(&s.gets) + STRESS_BLOCKS);
	assert_int_equal(st.failures, atomic_load(&s.nulls));
	assert_true(st.low_water <= STRESS_BLOCKS);
	assert_true(st.gets > 1000000);
	/* every block is back, once */
	for (int i = 0; i < STRESS_BLOCKS; i++) {
		all[i] = rtk_pool_get(s.p);
		assert_non_null(all[i]);
		assert_int_equal(atomic_load(&all[i]->owner), 0);
		for (int j = 0; j < i; j++)
			assert_ptr_not_equal(all[i], all[j]);
	}
	assert_null(rtk_pool_get(s.p));
	for (int i = 0; i < STRESS_BLOCKS; i++)
		rtk_pool_put(s.p, all[i]);
	rtk_pool_destroy(s.p);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pool_create_rejects_bad_args),
		T(test_pool_create_reports_geometry),
		T(test_pool_get_put_round_trip),
		T(test_pool_get_when_empty_returns_null),
		T(test_pool_low_water_tracks_fewest_free),
		cmocka_unit_test(test_pool_zget_zeroes_block),
		T(test_pool_owns_only_its_block_starts),
		T(test_pool_put_null_is_ignored),
		T(test_pool_put_foreign_block_asserts),
		T(test_pool_fail_after_n_lets_n_gets_succeed),
		T(test_pool_fail_after_runs_every_error_path),
		cmocka_unit_test(test_pool_stress_threads_never_share_a_block),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

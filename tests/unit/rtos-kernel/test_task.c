// SPDX-License-Identifier: MIT
/** @file test_task.c  RT tasks: creation, periodic releases, timers, fds */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "rtos-kernel/rtk.h"
#include "rtos-kernel/task.h"

static void init_rtk(void)
{
	struct rtk_cfg cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.lock_memory = false;	/* mlockall under ASan: no */
	assert_int_equal(rtk_init(&cfg), 0);
}

static int teardown(void **state)
{
	(void)state;
	rtk_stop();
	return 0;
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000u),
			       (long)(ns % 1000000000u) };

	while (nanosleep(&ts, &ts))
		;
}

/* wait up to 2 s for *v to reach n */
static bool wait_for(_Atomic int *v, int n)
{
	for (int i = 0; i < 2000 && atomic_load(v) < n; i++)
		sleep_ns(RTK_MS(1));
	return atomic_load(v) >= n;
}

static void nop_fn(unsigned wake, void *arg)
{
	(void)wake;
	(void)arg;
}

static struct rtk_task_cfg base_cfg(const char *name)
{
	struct rtk_task_cfg tc = {
		.name = name, .prio = 10, .period_ns = RTK_MS(1),
		.wake_fd = -1, .fn = nop_fn,
	};

	return tc;
}

/* --- creation ------------------------------------------------------------- */

static void test_task_create_rejects_bad_config(void **state)
{
	struct rtk_task_cfg tc;
	struct rtk_task *t = NULL;

	(void)state;
	init_rtk();
	tc = base_cfg("t");
	tc.prio = 0;
	assert_int_equal(rtk_task_create(&t, &tc), -EINVAL);
	tc.prio = 99;			/* kept for the watchdog */
	assert_int_equal(rtk_task_create(&t, &tc), -EINVAL);
	tc.prio = -3;
	assert_int_equal(rtk_task_create(&t, &tc), -EINVAL);

	tc = base_cfg(NULL);
	assert_int_equal(rtk_task_create(&t, &tc), -EINVAL);
	tc = base_cfg("");
	assert_int_equal(rtk_task_create(&t, &tc), -EINVAL);
	tc = base_cfg("sixteen-chars-xx");
	assert_int_equal(rtk_task_create(&t, &tc), -EINVAL);

	tc = base_cfg("nofn");
	tc.fn = NULL;			/* period without fn */
	assert_int_equal(rtk_task_create(&t, &tc), -EINVAL);
	tc.period_ns = 0;
	tc.wake_fd = 0;			/* fd without fn */
	assert_int_equal(rtk_task_create(&t, &tc), -EINVAL);

	tc = base_cfg("t");
	assert_int_equal(rtk_task_create(NULL, &tc), -EINVAL);
	assert_int_equal(rtk_task_create(&t, NULL), -EINVAL);
	assert_null(t);
	assert_int_equal(rtk_task_count(), 0);
}

static void test_task_create_accepts_limits(void **state)
{
	struct rtk_task_cfg tc;
	struct rtk_task_stats st;
	struct rtk_task *t = NULL;

	(void)state;
	init_rtk();
	tc = base_cfg("fifteen-chars-x");
	tc.prio = RTK_PRIO_MIN;
	assert_int_equal(rtk_task_create(&t, &tc), 0);
	assert_string_equal(rtk_task_name(t), "fifteen-chars-x");
	tc = base_cfg("top");
	tc.prio = RTK_PRIO_MAX;
	assert_int_equal(rtk_task_create(&t, &tc), 0);
	rtk_task_stats_get(t, &st);
	assert_string_equal(st.name, "top");
	assert_int_equal(st.prio, RTK_PRIO_MAX);
	assert_int_equal(st.period_ns, RTK_MS(1));
	assert_int_equal(st.runs, 0);
	assert_int_equal(st.lateness.count, 0);
	tc = base_cfg("timers");
	tc.fn = NULL;
	tc.period_ns = 0;		/* a timer-only task needs no fn */
	assert_int_equal(rtk_task_create(&t, &tc), 0);
	assert_int_equal(rtk_task_count(), 3);
}

static void test_task_create_after_start_is_ebusy(void **state)
{
	struct rtk_task_cfg tc = base_cfg("first");
	struct rtk_task *t = NULL, *u = NULL;

	(void)state;
	init_rtk();
	assert_int_equal(rtk_task_create(&t, &tc), 0);
	assert_int_equal(rtk_start(), 0);
	tc.name = "late";
	assert_int_equal(rtk_task_create(&u, &tc), -EBUSY);
	assert_null(u);
	rtk_stop();
	assert_int_equal(rtk_task_count(), 1);
}

static void test_task_create_beyond_max_is_enospc(void **state)
{
	struct rtk_task_cfg tc = base_cfg("x");
	struct rtk_task *t;
	char name[RTK_TASK_NAME];

	(void)state;
	init_rtk();
	for (int i = 0; i < RTK_MAX_TASKS; i++) {
		snprintf(name, sizeof(name), "task%d", i);
		tc.name = name;
		assert_int_equal(rtk_task_create(&t, &tc), 0);
	}
	tc.name = "one-too-many";
	assert_int_equal(rtk_task_create(&t, &tc), -ENOSPC);
	assert_int_equal(rtk_task_count(), RTK_MAX_TASKS);
	/* rtk_init() frees them */
	init_rtk();
	assert_int_equal(rtk_task_count(), 0);
	assert_int_equal(rtk_task_create(&t, &tc), 0);
}

static struct rtk_task *_Atomic seen_self;

static void self_fn(unsigned wake, void *arg)
{
	(void)wake;
	(void)arg;
	atomic_store(&seen_self, rtk_task_self());
}

static void test_task_lookup_by_name_index_and_self(void **state)
{
	struct rtk_task_cfg tc = base_cfg("alpha");
	struct rtk_task *a, *b, *c;

	(void)state;
	init_rtk();
	assert_int_equal(rtk_task_create(&a, &tc), 0);
	tc.name = "beta";
	tc.fn = self_fn;
	assert_int_equal(rtk_task_create(&b, &tc), 0);
	tc.name = "gamma";
	tc.fn = nop_fn;
	assert_int_equal(rtk_task_create(&c, &tc), 0);
	assert_int_equal(rtk_task_count(), 3);
	assert_ptr_equal(rtk_task_at(0), a);
	assert_ptr_equal(rtk_task_at(1), b);
	assert_ptr_equal(rtk_task_at(2), c);
	assert_null(rtk_task_at(3));
	assert_ptr_equal(rtk_task_find("beta"), b);
	assert_ptr_equal(rtk_task_find("gamma"), c);
	assert_null(rtk_task_find("delta"));
	assert_null(rtk_task_find("alph"));
	assert_null(rtk_task_self());		/* the main thread */
	atomic_store(&seen_self, NULL);
	assert_int_equal(rtk_start(), 0);
	for (int i = 0; i < 2000 && !atomic_load(&seen_self); i++)
		sleep_ns(RTK_MS(1));
	assert_ptr_equal(atomic_load(&seen_self), b);
	assert_null(rtk_task_self());
	rtk_stop();
}

/* --- periodic releases ---------------------------------------------------- */

static _Atomic int period_runs;
static _Atomic unsigned period_wakes;	/* OR of every wake seen */

static void period_fn(unsigned wake, void *arg)
{
	(void)arg;
	atomic_fetch_or(&period_wakes, wake);
	atomic_fetch_add(&period_runs, 1);
}

static void test_task_periodic_runs_once_per_period(void **state)
{
	struct rtk_task_cfg tc = base_cfg("tick");
	struct rtk_task_stats st;
	struct rtk_task *t;
	uint64_t t0, elapsed, expect;

	(void)state;
	atomic_store(&period_runs, 0);
	atomic_store(&period_wakes, 0);
	init_rtk();
	tc.fn = period_fn;
	assert_int_equal(rtk_task_create(&t, &tc), 0);
	t0 = rtk_now_ns();
	assert_int_equal(rtk_start(), 0);
	sleep_ns(RTK_MS(200));
	rtk_stop();
	elapsed = rtk_now_ns() - t0;
	expect = elapsed / tc.period_ns;
	rtk_task_stats_get(t, &st);
	assert_int_equal(st.runs, (uint64_t)atomic_load(&period_runs));
	assert_true(st.runs >= expect / 2);
	assert_true(st.runs <= expect * 11 / 10);
	assert_int_equal(st.lateness.count, st.runs);
	assert_int_equal(st.runtime.count, st.runs);
	assert_int_equal(atomic_load(&period_wakes), RTK_WAKE_PERIOD);
	assert_int_equal(st.timers_fired, 0);
	/* every release was run or skipped, none twice */
	assert_true(st.runs + st.skipped <= expect + 1);
}

static void test_task_stats_readable_while_running(void **state)
{
	struct rtk_task_cfg tc = base_cfg("watched");
	struct rtk_task_stats *st = calloc(1, sizeof(*st));
	struct rtk_task *t;
	uint64_t prev_runs = 0, prev_count = 0;
	int increased = 0;

	(void)state;
	atomic_store(&period_runs, 0);
	init_rtk();
	tc.fn = period_fn;
	tc.prio = 20;
	assert_int_equal(rtk_task_create(&t, &tc), 0);
	assert_int_equal(rtk_start(), 0);
	for (int i = 0; i < 50; i++) {
		uint64_t sum = 0;

		sleep_ns(RTK_MS(2));
		rtk_task_stats_get(t, st);
		for (unsigned b = 0; b < RTK_HIST_NBUCKETS; b++)
			sum += st->lateness.bucket[b];
		assert_int_equal(sum, st->lateness.count);
		assert_true(st->runs >= prev_runs);
		assert_true(st->lateness.count >= prev_count);
		assert_string_equal(st->name, "watched");
		assert_int_equal(st->prio, 20);
		increased += st->runs > prev_runs;
		prev_runs = st->runs;
		prev_count = st->lateness.count;
	}
	rtk_stop();
	assert_true(increased > 10);
	rtk_task_stats_get(t, st);
	assert_true(st->runs >= prev_runs);
	/* reset zeroes everything */
	rtk_task_stats_reset(t);
	rtk_task_stats_get(t, st);
	assert_int_equal(st->runs, 0);
	assert_int_equal(st->lateness.count, 0);
	assert_int_equal(st->runtime.count, 0);
	assert_int_equal(st->skipped + st->missed + st->overruns, 0);
	free(st);
}

static _Atomic int slow_runs;

static void slow_fn(unsigned wake, void *arg)
{
	(void)wake;
	(void)arg;
	sleep_ns(RTK_MS(6));	/* three periods of 2 ms */
	atomic_fetch_add(&slow_runs, 1);
}

static void test_task_overlong_run_counts_missed_and_skipped(void **state)
{
	struct rtk_task_cfg tc = base_cfg("slow");
	struct rtk_task_stats st;
	struct rtk_task *t;
	uint64_t t0, releases;

	(void)state;
	atomic_store(&slow_runs, 0);
	init_rtk();
	tc.period_ns = RTK_MS(2);
	tc.fn = slow_fn;
	assert_int_equal(rtk_task_create(&t, &tc), 0);
	t0 = rtk_now_ns();
	assert_int_equal(rtk_start(), 0);
	sleep_ns(RTK_MS(200));
	rtk_stop();
	releases = (rtk_now_ns() - t0) / tc.period_ns;
	rtk_task_stats_get(t, &st);
	assert_true(st.runs >= 5);
	/* each run ends after its deadline ... */
	assert_int_equal(st.missed, st.runs);
	/* ... and at least the 3 releases it covered are skipped */
	assert_true(st.skipped >= 3 * st.runs);
	assert_true(st.runs + st.skipped >= releases / 2);
	assert_true(st.runs + st.skipped <= releases + 1);
}

/* --- one-shot timers ------------------------------------------------------ */

#define NREC 64

static struct {
	struct rtk_task *task;
	struct rtk_timer tm[8];
	_Atomic int order[NREC];
	_Atomic int n;
	_Atomic int rearms;
	_Atomic int done;
} tmr;

static void record(int id)
{
	int i = atomic_fetch_add(&tmr.n, 1);

	if (i < NREC)
		atomic_store(&tmr.order[i], id);
}

static void timer_cb(void *arg)
{
	record((int)(intptr_t)arg);
}

/* timer 4 re-arms itself four times */
static void rearm_cb(void *arg)
{
	record((int)(intptr_t)arg);
	if (atomic_fetch_add(&tmr.rearms, 1) < 4)
		rtk_timer_start(tmr.task, &tmr.tm[4], RTK_MS(3));
}

/* timer 5 stops timer 6 from the task's own context */
static void stopper_cb(void *arg)
{
	record((int)(intptr_t)arg);
	rtk_timer_stop(tmr.task, &tmr.tm[6]);
}

static void last_cb(void *arg)
{
	record((int)(intptr_t)arg);
	atomic_store(&tmr.done, 1);
}

static void test_task_timers_fire_in_due_order(void **state)
{
	struct rtk_task_cfg tc = base_cfg("timers");
	struct rtk_task_stats st;
	static const int want[] = { 1, 4, 5, 4, 4, 4, 4, 2, 0, 7 };
	int n;

	(void)state;
	memset(&tmr, 0, sizeof(tmr));
	init_rtk();
	tc.fn = NULL;
	tc.period_ns = 0;
	assert_int_equal(rtk_task_create(&tmr.task, &tc), 0);
	for (int i = 0; i < 8; i++)
		rtk_timer_init(&tmr.tm[i], timer_cb, (void *)(intptr_t)i);
	tmr.tm[4].fn = rearm_cb;
	tmr.tm[5].fn = stopper_cb;
	tmr.tm[7].fn = last_cb;
	/* armed before start, out of order; due times are far apart */
	assert_int_equal(rtk_timer_start(tmr.task, &tmr.tm[0], RTK_MS(60)), 0);
	assert_int_equal(rtk_timer_start(tmr.task, &tmr.tm[2], RTK_MS(30)), 0);
	assert_int_equal(rtk_timer_start(tmr.task, &tmr.tm[1], RTK_MS(10)), 0);
	assert_int_equal(rtk_timer_start(tmr.task, &tmr.tm[3], RTK_MS(20)), 0);
	assert_int_equal(rtk_timer_start(tmr.task, &tmr.tm[4], RTK_MS(15)), 0);
	assert_int_equal(rtk_timer_start(tmr.task, &tmr.tm[5], RTK_MS(16)), 0);
	assert_int_equal(rtk_timer_start(tmr.task, &tmr.tm[6], RTK_MS(50)), 0);
	assert_int_equal(rtk_timer_start(tmr.task, &tmr.tm[7], RTK_MS(90)), 0);
	rtk_timer_stop(tmr.task, &tmr.tm[3]);	/* before start */
	rtk_timer_stop(tmr.task, &tmr.tm[3]);	/* not armed: no-op */
	assert_false(tmr.tm[3].armed);
	/* re-arming moves it: 2 now fires at 40 ms, after 4's re-arms */
	assert_int_equal(rtk_timer_start(tmr.task, &tmr.tm[2], RTK_MS(40)), 0);
	assert_int_equal(rtk_start(), 0);
	assert_true(wait_for(&tmr.done, 1));
	sleep_ns(RTK_MS(20));
	rtk_stop();

	n = atomic_load(&tmr.n);
	assert_int_equal(n, sizeof(want) / sizeof(want[0]));
	for (int i = 0; i < n; i++)
		assert_int_equal(atomic_load(&tmr.order[i]), want[i]);
	rtk_task_stats_get(tmr.task, &st);
	assert_int_equal(st.timers_fired, (uint64_t)n);
	assert_int_equal(st.runs, (uint64_t)n);
	assert_int_equal(st.lateness.count, (uint64_t)n);
	for (int i = 0; i < 8; i++)
		assert_false(tmr.tm[i].armed);
}

static void test_task_timer_start_rejects_bad_args(void **state)
{
	struct rtk_task_cfg tc = base_cfg("t");
	struct rtk_timer tm;
	struct rtk_task *t;

	(void)state;
	init_rtk();
	assert_int_equal(rtk_task_create(&t, &tc), 0);
	rtk_timer_init(&tm, NULL, NULL);
	assert_int_equal(rtk_timer_start(t, &tm, RTK_MS(1)), -EINVAL);
	rtk_timer_init(&tm, timer_cb, NULL);
	assert_int_equal(rtk_timer_start(NULL, &tm, RTK_MS(1)), -EINVAL);
	assert_int_equal(rtk_timer_start(t, NULL, RTK_MS(1)), -EINVAL);
	assert_false(tm.armed);
}

static _Atomic int per_timer_runs, per_timer_fired;
static struct rtk_timer per_tm;

static void per_timer_cb(void *arg)
{
	(void)arg;
	atomic_fetch_add(&per_timer_fired, 1);
}

static void per_timer_fn(unsigned wake, void *arg)
{
	struct rtk_task *self = rtk_task_self();

	(void)wake;
	(void)arg;
	/* a periodic task arms a timer for itself from its own fn */
	if (atomic_fetch_add(&per_timer_runs, 1) == 3)
		rtk_timer_start(self, &per_tm, RTK_US(500));
}

static void test_task_periodic_task_arms_own_timer(void **state)
{
	struct rtk_task_cfg tc = base_cfg("pt");
	struct rtk_task_stats st;
	struct rtk_task *t;

	(void)state;
	atomic_store(&per_timer_runs, 0);
	atomic_store(&per_timer_fired, 0);
	init_rtk();
	tc.period_ns = RTK_MS(2);
	tc.fn = per_timer_fn;
	rtk_timer_init(&per_tm, per_timer_cb, NULL);
	assert_int_equal(rtk_task_create(&t, &tc), 0);
	assert_int_equal(rtk_start(), 0);
	assert_true(wait_for(&per_timer_fired, 1));
	assert_true(wait_for(&per_timer_runs, 10));
	rtk_stop();
	assert_int_equal(atomic_load(&per_timer_fired), 1);
	rtk_task_stats_get(t, &st);
	assert_int_equal(st.timers_fired, 1);
	assert_int_equal(st.runs, (uint64_t)atomic_load(&per_timer_runs) + 1);
}

/* --- fd wake-ups ---------------------------------------------------------- */

static _Atomic int fd_runs;
static _Atomic unsigned fd_wake;
static _Atomic uint64_t fd_total;

static void fd_fn(unsigned wake, void *arg)
{
	int fd = (int)(intptr_t)arg;
	uint64_t v;

	atomic_store(&fd_wake, wake);
	if ((wake & RTK_WAKE_FD) && read(fd, &v, sizeof(v)) == sizeof(v))
		atomic_fetch_add(&fd_total, v);
	atomic_fetch_add(&fd_runs, 1);
}

static void test_task_wake_fd_runs_fn_when_readable(void **state)
{
	struct rtk_task_cfg tc = base_cfg("fdtask");
	struct rtk_task_stats st;
	struct rtk_task *t;
	int fd = eventfd(0, EFD_NONBLOCK);
	uint64_t one = 1;

	(void)state;
	assert_true(fd >= 0);
	atomic_store(&fd_runs, 0);
	atomic_store(&fd_total, 0);
	init_rtk();
	tc.period_ns = 0;
	tc.wake_fd = fd;
	tc.fn = fd_fn;
	tc.arg = (void *)(intptr_t)fd;
	assert_int_equal(rtk_task_create(&t, &tc), 0);
	assert_int_equal(rtk_start(), 0);
	sleep_ns(RTK_MS(80));
	assert_int_equal(atomic_load(&fd_runs), 0);	/* nothing written */
	for (int i = 1; i <= 5; i++) {
		assert_int_equal(write(fd, &one, sizeof(one)), sizeof(one));
		assert_true(wait_for(&fd_runs, i));
		assert_int_equal(atomic_load(&fd_wake), RTK_WAKE_FD);
		assert_int_equal(atomic_load(&fd_total), (uint64_t)i);
	}
	rtk_stop();
	rtk_task_stats_get(t, &st);
	assert_int_equal(st.runs, 5);
	assert_int_equal(st.lateness.count, 0);	/* no release, no timer */
	close(fd);
}

static void test_task_wake_fd_with_period_reports_both(void **state)
{
	struct rtk_task_cfg tc = base_cfg("fdper");
	struct rtk_task *t;
	int fd = eventfd(0, EFD_NONBLOCK);
	uint64_t one = 1;
	int before;

	(void)state;
	assert_true(fd >= 0);
	atomic_store(&fd_runs, 0);
	atomic_store(&fd_total, 0);
	init_rtk();
	tc.period_ns = RTK_MS(5);
	tc.wake_fd = fd;
	tc.fn = fd_fn;
	tc.arg = (void *)(intptr_t)fd;
	assert_int_equal(rtk_task_create(&t, &tc), 0);
	assert_int_equal(rtk_start(), 0);
	assert_true(wait_for(&fd_runs, 3));
	assert_int_equal(atomic_load(&fd_wake), RTK_WAKE_PERIOD);
	before = atomic_load(&fd_runs);
	assert_int_equal(write(fd, &one, sizeof(one)), sizeof(one));
	for (int i = 0; i < 2000 && !atomic_load(&fd_total); i++)
		sleep_ns(RTK_MS(1));
	rtk_stop();
	assert_int_equal(atomic_load(&fd_total), 1);
	assert_true(atomic_load(&fd_runs) > before);
	close(fd);
}

/* a float product below FLT_MIN: a subnormal, or 0 when flushed */
static volatile float tiny_a = 1e-30f, tiny_b = 1e-10f;
static _Atomic int fp_runs;
static volatile float fp_product = -1;

static void fp_fn(unsigned wake, void *arg)
{
	(void)wake;
	(void)arg;
	fp_product = tiny_a * tiny_b;
	atomic_fetch_add(&fp_runs, 1);
}

/* RT tasks flush subnormals to zero (rtk_fp_flush_denormals); the thread
 * that created them does not */
static void test_task_flushes_subnormals(void **state)
{
	struct rtk_task_cfg tc = base_cfg("fp");
	struct rtk_task *t;

	(void)state;
	assert_true(tiny_a * tiny_b > 0);
	init_rtk();
	tc.fn = fp_fn;
	atomic_store(&fp_runs, 0);
	assert_int_equal(rtk_task_create(&t, &tc), 0);
	assert_int_equal(rtk_start(), 0);
	assert_true(wait_for(&fp_runs, 2));
	rtk_stop();
	assert_true(fp_product == 0);
	assert_true(tiny_a * tiny_b > 0);
}

#define T(f) cmocka_unit_test_teardown(f, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_task_create_rejects_bad_config),
		T(test_task_create_accepts_limits),
		T(test_task_create_after_start_is_ebusy),
		T(test_task_create_beyond_max_is_enospc),
		T(test_task_lookup_by_name_index_and_self),
		T(test_task_periodic_runs_once_per_period),
		T(test_task_stats_readable_while_running),
		T(test_task_overlong_run_counts_missed_and_skipped),
		T(test_task_timers_fire_in_due_order),
		T(test_task_timer_start_rejects_bad_args),
		T(test_task_periodic_task_arms_own_timer),
		T(test_task_wake_fd_runs_fn_when_readable),
		T(test_task_wake_fd_with_period_reports_both),
		T(test_task_flushes_subnormals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

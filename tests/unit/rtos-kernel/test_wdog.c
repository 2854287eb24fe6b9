// SPDX-License-Identifier: MIT
/** @file test_wdog.c  Watchdog: overruns, stalls, recovery */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "rtos-kernel/rtk.h"
#include "rtos-kernel/task.h"
#include "rtos-kernel/wdog.h"

#define NEV 32

/* what the handler saw, in order */
static struct {
	struct rtk_task *_Atomic task[NEV];
	_Atomic int ev[NEV];
	_Atomic uint64_t late[NEV];
	_Atomic int n;
} seen;

static void handler(struct rtk_task *t, enum rtk_wdog_event ev,
		    uint64_t late_ns, void *arg)
{
	int i = atomic_fetch_add(&seen.n, 1);

	(void)arg;
	if (i < NEV) {
		atomic_store(&seen.task[i], t);
		atomic_store(&seen.ev[i], (int)ev);
		atomic_store(&seen.late[i], late_ns);
	}
}

/* events of task @p t, in order, into @p ev; @return how many */
static int events_of(const struct rtk_task *t, int *ev, uint64_t *late)
{
	int n = 0, total = atomic_load(&seen.n);

	for (int i = 0; i < total && i < NEV; i++) {
		if (atomic_load(&seen.task[i]) != t)
			continue;
		ev[n] = atomic_load(&seen.ev[i]);
		late[n] = atomic_load(&seen.late[i]);
		n++;
	}
	return n;
}

static void init_rtk(const char *cpus)
{
	struct rtk_cfg cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.lock_memory = false;	/* mlockall under ASan: no */
	if (cpus)
		assert_int_equal(rtk_cpuset_parse(cpus, &cfg.cpus), 0);
	assert_int_equal(rtk_init(&cfg), 0);
	memset(&seen, 0, sizeof(seen));
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

static void test_wdog_event_names(void **state)
{
	(void)state;
	assert_string_equal(rtk_wdog_event_name(RTK_WDOG_OVERRUN), "overrun");
	assert_string_equal(rtk_wdog_event_name(RTK_WDOG_STALL), "stall");
	assert_string_equal(rtk_wdog_event_name(RTK_WDOG_RECOVER), "recover");
	assert_string_equal(rtk_wdog_event_name((enum rtk_wdog_event)3), "?");
	assert_string_equal(rtk_wdog_event_name((enum rtk_wdog_event)-1),
			    "?");
}

static void test_wdog_create_uses_defaults_and_top_priority(void **state)
{
	struct rtk_wdog_cfg wc = { 0 };
	struct rtk_task_stats st;
	struct rtk_task *w;

	(void)state;
	init_rtk(NULL);
	assert_int_equal(rtk_wdog_create(&wc), 0);
	w = rtk_task_find("watchdog");
	assert_non_null(w);
	rtk_task_stats_get(w, &st);
	assert_int_equal(st.prio, 99);
	assert_int_equal(st.period_ns, RTK_MS(10));
	assert_int_equal(rtk_start(), 0);
	assert_int_equal(rtk_wdog_create(&wc), -EBUSY);
	rtk_stop();
}

/* --- overrun -------------------------------------------------------------- */

static _Atomic int slow_runs;
static _Atomic int slow_block_mask;	/* bit i: call i blocks */

static void slow_fn(unsigned wake, void *arg)
{
	int i = atomic_fetch_add(&slow_runs, 1);

	(void)wake;
	(void)arg;
	if (i < 31 && (atomic_load(&slow_block_mask) & (1 << i)))
		sleep_ns(RTK_MS(*(int *)arg));
}

static struct rtk_task *start_slow(int block_mask, int *block_ms,
				   rtk_wdog_h *h)
{
	struct rtk_wdog_cfg wc = { .handler = h };
	struct rtk_task_cfg tc = {
		.name = "slow", .prio = 20, .period_ns = RTK_MS(20),
		.budget_ns = RTK_MS(5), .wake_fd = -1, .fn = slow_fn,
		.arg = block_ms,
	};
	struct rtk_task *t = NULL;

	atomic_store(&slow_runs, 0);
	atomic_store(&slow_block_mask, block_mask);
	init_rtk(NULL);
	assert_int_equal(rtk_task_create(&t, &tc), 0);
	assert_int_equal(rtk_wdog_create(&wc), 0);
	assert_int_equal(rtk_start(), 0);
	return t;
}

static void test_wdog_overrun_reported_once_then_recover(void **state)
{
	int block_ms = 300, ev[NEV];
	uint64_t late[NEV];
	struct rtk_task_stats st;
	struct rtk_task *t;

	(void)state;
	t = start_slow(1 << 1, &block_ms, handler);	/* 2nd run blocks */
	sleep_ns(RTK_MS(500));
	rtk_stop();
	assert_int_equal(events_of(t, ev, late), 2);
	assert_int_equal(ev[0], RTK_WDOG_OVERRUN);
	assert_true(late[0] > RTK_MS(5));	/* over the budget */
	assert_int_equal(ev[1], RTK_WDOG_RECOVER);
	assert_int_equal(late[1], 0);
	rtk_task_stats_get(t, &st);
	assert_int_equal(st.overruns, 1);
	assert_int_equal(st.stalls, 0);
	assert_true(st.runs > 2);		/* ran on after the block */
	/* nothing about the watchdog itself, nor anyone else */
	assert_int_equal(atomic_load(&seen.n), 2);
	/* reporting (a log line in direct mode) allocated nothing */
	assert_int_equal(rtk_alloc_count(), 0);
}

static void test_wdog_overrun_reported_again_after_recovery(void **state)
{
	int block_ms = 150, ev[NEV];
	uint64_t late[NEV];
	struct rtk_task_stats st;
	struct rtk_task *t;

	(void)state;
	t = start_slow(1 << 1 | 1 << 4, &block_ms, handler);
	for (int i = 0; i < 300 && atomic_load(&slow_runs) < 8; i++)
		sleep_ns(RTK_MS(5));
	sleep_ns(RTK_MS(50));
	rtk_stop();
	assert_true(atomic_load(&slow_runs) >= 8);
	assert_int_equal(events_of(t, ev, late), 4);
	assert_int_equal(ev[0], RTK_WDOG_OVERRUN);
	assert_int_equal(ev[1], RTK_WDOG_RECOVER);
	assert_int_equal(ev[2], RTK_WDOG_OVERRUN);
	assert_int_equal(ev[3], RTK_WDOG_RECOVER);
	rtk_task_stats_get(t, &st);
	assert_int_equal(st.overruns, 2);
}

static void test_wdog_without_handler_still_counts(void **state)
{
	int block_ms = 150;
	struct rtk_task_stats st;
	struct rtk_task *t;

	(void)state;
	t = start_slow(1 << 1, &block_ms, NULL);
	sleep_ns(RTK_MS(300));
	rtk_stop();
	rtk_task_stats_get(t, &st);
	assert_int_equal(st.overruns, 1);
	assert_int_equal(atomic_load(&seen.n), 0);
}

static _Atomic int quiet_runs;

static void quiet_fn(unsigned wake, void *arg)
{
	(void)wake;
	(void)arg;
	atomic_fetch_add(&quiet_runs, 1);
}

static void test_wdog_quiet_task_has_no_events(void **state)
{
	struct rtk_wdog_cfg wc = { .handler = handler };
	struct rtk_task_cfg tc = {
		.name = "quiet", .prio = 20, .period_ns = RTK_MS(1),
		.budget_ns = RTK_MS(50), .wake_fd = -1, .fn = quiet_fn,
	};
	struct rtk_task_stats st;
	struct rtk_task *t;

	(void)state;
	atomic_store(&quiet_runs, 0);
	init_rtk(NULL);
	assert_int_equal(rtk_task_create(&t, &tc), 0);
	assert_int_equal(rtk_wdog_create(&wc), 0);
	assert_int_equal(rtk_start(), 0);
	sleep_ns(RTK_MS(200));
	rtk_stop();
	assert_true(atomic_load(&quiet_runs) > 20);
	assert_int_equal(atomic_load(&seen.n), 0);
	rtk_task_stats_get(t, &st);
	assert_int_equal(st.overruns + st.stalls, 0);
}

/* --- stall ---------------------------------------------------------------- */

static struct rtk_timer hog_tm;
static _Atomic int hog_done;

static void hog_cb(void *arg)
{
	uint64_t end = rtk_now_ns() + RTK_MS(300);

	(void)arg;
	while (rtk_now_ns() < end)
		;			/* keeps the CPU from "victim" */
	atomic_store(&hog_done, 1);
}

static void test_wdog_starved_task_is_a_stall(void **state)
{
	struct rtk_wdog_cfg wc = { .handler = handler };
	struct rtk_task_cfg vc = {
		.name = "victim", .prio = 10, .period_ns = RTK_MS(5),
		.wake_fd = -1, .fn = quiet_fn,
	};
	struct rtk_task_cfg hc = {
		.name = "hog", .prio = 50, .budget_ns = RTK_S(1),
		.wake_fd = -1,
	};
	struct rtk_task_stats st;
	struct rtk_task *victim, *hog;
	struct rtk_info info;
	uint64_t late[NEV];
	int ev[NEV], n;

	(void)state;
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		skip();		/* needs CPU 1 for the partition */
	atomic_store(&quiet_runs, 0);
	atomic_store(&hog_done, 0);
	init_rtk("1");		/* every task on one CPU */
	assert_int_equal(rtk_task_create(&victim, &vc), 0);
	assert_int_equal(rtk_task_create(&hog, &hc), 0);
	assert_int_equal(rtk_wdog_create(&wc), 0);
	rtk_timer_init(&hog_tm, hog_cb, NULL);
	assert_int_equal(rtk_timer_start(hog, &hog_tm, RTK_MS(50)), 0);
	assert_int_equal(rtk_start(), 0);
	rtk_info_get(&info);
	if (!info.fifo) {
		/* without SCHED_FIFO the hog cannot starve the victim: the
		 * normal scheduler shares the CPU, so no stall can happen */
		rtk_stop();
		skip();
	}
	for (int i = 0; i < 2000 && !atomic_load(&hog_done); i++)
		sleep_ns(RTK_MS(1));
	assert_true(atomic_load(&hog_done));
	sleep_ns(RTK_MS(60));	/* the victim runs again: recovered */
	rtk_stop();

	rtk_task_stats_get(victim, &st);
	assert_true(st.stalls >= 1);
	assert_int_equal(st.overruns, 0);
	assert_true(st.runs > 5);
	n = events_of(victim, ev, late);
	assert_true(n >= 2);
	assert_int_equal(ev[0], RTK_WDOG_STALL);
	assert_true(late[0] > RTK_MS(100));	/* over the stall limit */
	assert_int_equal(ev[n - 1], RTK_WDOG_RECOVER);
	rtk_task_stats_get(hog, &st);
	assert_int_equal(st.overruns + st.stalls, 0);
	assert_int_equal(st.timers_fired, 1);
	assert_int_equal(events_of(hog, ev, late), 0);
}

#define T(f) cmocka_unit_test_teardown(f, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_wdog_event_names),
		T(test_wdog_create_uses_defaults_and_top_priority),
		T(test_wdog_overrun_reported_once_then_recover),
		T(test_wdog_overrun_reported_again_after_recovery),
		T(test_wdog_without_handler_still_counts),
		T(test_wdog_quiet_task_has_no_events),
		T(test_wdog_starved_task_is_a_stall),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

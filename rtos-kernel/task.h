/* SPDX-License-Identifier: MIT */
/** @file task.h  RT tasks: fixed priorities, periodic releases, one-shot timers
 *
 * A task is a thread pinned to the RT partition's CPUs at a fixed SCHED_FIFO
 * priority. It can be:
 *  - periodic: fn runs once per period, released on an absolute schedule
 *    (release k at start + k * period, never drifting). The deadline of a
 *    release is the next release; finishing later is a missed deadline. A task
 *    that falls more than a period behind skips the releases it missed (each
 *    counted) rather than running them back to back;
 *  - woken by a file descriptor (wake_fd): fn runs when the fd is readable
 *    (POLLIN) or has priority data (POLLPRI, as DAHDI's timer signals), and
 *    also on each period if one is set;
 *  - a timer task: no period, only one-shot timers.
 * Any task owns a list of one-shot timers, which it fires in its own thread.
 *
 * For every task the executive keeps a histogram of wake-up lateness (actual
 * wake time minus the release or timer time it slept until) and one of run
 * time, and counts runs, missed deadlines, skipped releases and watchdog
 * reports. All of it can be read from any thread at any time.
 *
 * Tasks are created before rtk_start() and run until rtk_stop().
 */
#ifndef RTK_TASK_H
#define RTK_TASK_H

#include <stdbool.h>
#include <stdint.h>

#include "rtos-kernel/hist.h"

#define RTK_PRIO_MIN	1
#define RTK_PRIO_MAX	98	/* 99 is kept for the watchdog */
#define RTK_MAX_TASKS	32
#define RTK_TASK_NAME	16

struct rtk_task;

/** Why fn was called: RTK_WAKE_PERIOD, RTK_WAKE_FD, or both */
enum rtk_wake { RTK_WAKE_PERIOD = 1, RTK_WAKE_FD = 2 };

typedef void (rtk_task_h)(unsigned wake, void *arg);

struct rtk_task_cfg {
	const char *name;	/**< up to 15 characters */
	int prio;		/**< RTK_PRIO_MIN..RTK_PRIO_MAX, higher first */
	uint64_t period_ns;	/**< 0: not periodic */
	uint64_t budget_ns;	/**< watchdog: longest normal run (0: period) */
	int wake_fd;		/**< readable fd that wakes the task, or -1 */
	rtk_task_h *fn;		/**< may be NULL for a timer-only task */
	void *arg;
};

/** One-shot timer, embedded in its user's object. Owned by one task. */
typedef void (rtk_timer_h)(void *arg);
struct rtk_timer {
	struct rtk_timer *next;
	uint64_t due_ns;
	rtk_timer_h *fn;
	void *arg;
	bool armed;
};

struct rtk_task_stats {
	char name[RTK_TASK_NAME];
	int prio;
	bool fifo;		/**< running SCHED_FIFO */
	uint64_t period_ns;
	uint64_t runs;		/**< calls of fn and timer callbacks */
	uint64_t missed;	/**< releases that finished after their deadline */
	uint64_t skipped;	/**< releases not run because the task fell behind */
	uint64_t overruns;	/**< watchdog: runs longer than the budget */
	uint64_t stalls;	/**< watchdog: wake-ups later than the stall limit */
	uint64_t timers_fired;
	struct rtk_hist_snap lateness;
	struct rtk_hist_snap runtime;
};

int  rtk_task_create(struct rtk_task **tp, const struct rtk_task_cfg *cfg);
const char *rtk_task_name(const struct rtk_task *t);
void rtk_task_stats_get(const struct rtk_task *t, struct rtk_task_stats *st);
void rtk_task_stats_reset(struct rtk_task *t);
struct rtk_task *rtk_task_self(void);
size_t rtk_task_count(void);
struct rtk_task *rtk_task_at(size_t i);
struct rtk_task *rtk_task_find(const char *name);

void rtk_timer_init(struct rtk_timer *tm, rtk_timer_h *fn, void *arg);
int  rtk_timer_start(struct rtk_task *t, struct rtk_timer *tm,
		     uint64_t delay_ns);
int  rtk_timer_start_at(struct rtk_task *t, struct rtk_timer *tm,
			uint64_t due_ns);
void rtk_timer_stop(struct rtk_task *t, struct rtk_timer *tm);

#endif /* RTK_TASK_H */

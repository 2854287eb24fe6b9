/* SPDX-License-Identifier: MIT */
/** @file wdog.h  Watchdog over the RT tasks
 *
 * A task of its own at the highest priority (so a runaway task at a lower
 * one cannot starve it) checks every task each period:
 *  - overrun: a run of fn or a timer callback has lasted longer than the
 *    task's budget (cfg.budget_ns, or its period);
 *  - stall: the task should have woken (its release or timer time) more than
 *    stall_ns ago and has not: it is blocked, stopped or starved.
 * Each episode is reported once (counter, log line, handler) and again only
 * after the task has recovered.
 */
#ifndef RTK_WDOG_H
#define RTK_WDOG_H

#include <stdint.h>

#include "rtos-kernel/task.h"

enum rtk_wdog_event { RTK_WDOG_OVERRUN, RTK_WDOG_STALL, RTK_WDOG_RECOVER };

typedef void (rtk_wdog_h)(struct rtk_task *t, enum rtk_wdog_event ev,
			  uint64_t late_ns, void *arg);

struct rtk_wdog_cfg {
	uint64_t period_ns;	/**< how often to check (default 10 ms) */
	uint64_t stall_ns;	/**< lateness that counts as a stall (100 ms) */
	rtk_wdog_h *handler;	/**< may be NULL: counter and log line only */
	void *arg;
};

int rtk_wdog_create(const struct rtk_wdog_cfg *cfg);
const char *rtk_wdog_event_name(enum rtk_wdog_event ev);

#endif /* RTK_WDOG_H */

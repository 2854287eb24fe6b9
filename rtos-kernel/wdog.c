// SPDX-License-Identifier: MIT
/** @file wdog.c  Watchdog: notices RT tasks that overrun or stop */
#define LOG_MODULE "wdog"
#include <errno.h>
#include <stdbool.h>

#include "rtos-kernel/log.h"
#include "rtos-kernel/rtk_priv.h"
#include "rtos-kernel/wdog.h"

#define WDOG_PRIO 99

struct watch_state {
	bool overrun;		/* an overrun of run_seq is being reported */
	bool stall;
	uint64_t seq;
};

static struct {
	struct rtk_wdog_cfg cfg;
	struct rtk_task *task;
	struct watch_state st[RTK_MAX_TASKS];
} wd;

static const char *const event_names[] = { "overrun", "stall", "recover" };

/** "overrun", "stall" or "recover". */
const char *rtk_wdog_event_name(enum rtk_wdog_event ev)
{
	return (unsigned)ev < 3 ? event_names[ev] : "?";
}

static void report(struct rtk_task *t, enum rtk_wdog_event ev, uint64_t late)
{
	if (ev != RTK_WDOG_RECOVER)
		rtk_task_count_wdog(t, ev == RTK_WDOG_OVERRUN);
	/* the log is queued in the RT partition: this never blocks */
	if (ev == RTK_WDOG_RECOVER)
		LOG_INFO("task %s: recovered", rtk_task_name(t));
	else
		LOG_WARN("task %s: %s, %llu us", rtk_task_name(t),
			 rtk_wdog_event_name(ev),
			 (unsigned long long)(late / 1000));
	if (wd.cfg.handler)
		wd.cfg.handler(t, ev, late, wd.cfg.arg);
}

static void check(struct rtk_task *t, struct watch_state *s, uint64_t now)
{
	struct rtk_task_watch w;
	bool overrun = false, stall = false;
	uint64_t late = 0;

	rtk_task_watch(t, &w);
	if (w.run_start && w.budget && now > w.run_start + w.budget) {
		overrun = true;
		late = now - w.run_start;
	} else if (!w.run_start && w.next_wake &&
		   now > w.next_wake + wd.cfg.stall_ns) {
		stall = true;
		late = now - w.next_wake;
	}
	if (overrun && !(s->overrun && s->seq == w.run_seq))
		report(t, RTK_WDOG_OVERRUN, late);
	if (stall && !s->stall)
		report(t, RTK_WDOG_STALL, late);
	if ((s->overrun || s->stall) && !overrun && !stall)
		report(t, RTK_WDOG_RECOVER, 0);
	s->overrun = overrun;
	s->stall = stall;
	s->seq = w.run_seq;
}

static void wdog_run(unsigned wake, void *arg)
{
	uint64_t now = rtk_now_ns();

	(void)wake;
	(void)arg;
	for (size_t i = 0; i < rtk_task_count(); i++) {
		struct rtk_task *t = rtk_task_at(i);

		if (t != wd.task)
			check(t, &wd.st[i], now);
	}
}

/** Create the watchdog task (priority 99, above every other task). Context:
 *  init, before rtk_start(). @return 0, -EINVAL, -EBUSY after start, or
 *  the errors of rtk_task_create() */
int rtk_wdog_create(const struct rtk_wdog_cfg *cfg)
{
	struct rtk_task_cfg tc = {
		.name = "watchdog", .wake_fd = -1, .fn = wdog_run,
	};

	if (!cfg)
		return -EINVAL;
	if (rtk_is_started())
		return -EBUSY;	/* before touching the running one's state */
	wd.cfg = *cfg;
	if (!wd.cfg.period_ns)
		wd.cfg.period_ns = RTK_MS(10);
	if (!wd.cfg.stall_ns)
		wd.cfg.stall_ns = RTK_MS(100);
	for (size_t i = 0; i < RTK_MAX_TASKS; i++)
		wd.st[i] = (struct watch_state){ 0 };
	tc.period_ns = wd.cfg.period_ns;
	tc.budget_ns = wd.cfg.period_ns;
	return rtk_task_create_prio(&wd.task, &tc, WDOG_PRIO);
}

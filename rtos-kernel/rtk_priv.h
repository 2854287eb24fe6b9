/* SPDX-License-Identifier: MIT */
/** @file rtk_priv.h  State shared by the executive's own files */
#ifndef RTK_PRIV_H
#define RTK_PRIV_H

#include <stdatomic.h>
#include <stdbool.h>

#include "rtos-kernel/rtk.h"
#include "rtos-kernel/task.h"

struct rtk_exec {
	struct rtk_cfg cfg;
	struct rtk_info info;
	_Atomic bool started;
	_Atomic bool stopping;
};

extern struct rtk_exec rtk_exec;
extern __thread bool rtk_tls_rt;

int  rtk_tasks_start(bool *fifo);
void rtk_tasks_stop(void);
void rtk_tasks_free(void);
int  rtk_task_create_prio(struct rtk_task **tp, const struct rtk_task_cfg *cfg,
			  int prio);

/* what the watchdog reads of a task */
struct rtk_task_watch {
	uint64_t run_start;	/* 0 when not running */
	uint64_t next_wake;	/* 0 when waiting for an fd only */
	uint64_t budget;
	uint64_t run_seq;
};
void rtk_task_watch(const struct rtk_task *t, struct rtk_task_watch *w);
void rtk_task_count_wdog(struct rtk_task *t, bool overrun);

#endif /* RTK_PRIV_H */

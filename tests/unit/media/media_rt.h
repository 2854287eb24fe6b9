/* SPDX-License-Identifier: MIT */
/** @file media_rt.h  Run media code in an RT task and count its allocations
 *
 * Header-only helper of the media unit tests: media_rt_allocs() starts the
 * executive (normal priority, no privilege needed), runs @p fn in a periodic
 * RT task @p runs times and returns how many allocations the task made
 * after start (rtk_alloc_count(): under ASan the sanitizer's allocator
 * hook counts them). Returns -1 when the task did not run.
 */
#ifndef TESTS_MEDIA_RT_H
#define TESTS_MEDIA_RT_H

#include <stdatomic.h>
#include <stdint.h>
#include <unistd.h>

#include "rtos-kernel/rtk.h"
#include "rtos-kernel/task.h"

struct media_rt_job {
	void (*fn)(void *arg);
	void *arg;
	int runs;
	_Atomic int done;
};

static inline void media_rt_task(unsigned wake, void *arg)
{
	struct media_rt_job *j = arg;

	(void)wake;
	if (atomic_load(&j->done) < j->runs) {
		j->fn(j->arg);
		atomic_fetch_add(&j->done, 1);
	}
}

static inline long media_rt_allocs(void (*fn)(void *arg), void *arg, int runs)
{
	struct rtk_cfg cfg = { .no_rt = true };
	struct media_rt_job job = { .fn = fn, .arg = arg, .runs = runs };
	struct rtk_task_cfg tc = {
		.name = "media", .prio = 5, .period_ns = RTK_MS(5),
		.wake_fd = -1, .fn = media_rt_task, .arg = &job,
	};
	struct rtk_task *t = NULL;
	uint64_t n;

	atomic_init(&job.done, 0);
	if (rtk_init(&cfg) || rtk_task_create(&t, &tc) || rtk_start())
		return -1;
	for (int i = 0; i < 20000 && atomic_load(&job.done) < runs; i++)
		usleep(1000);
	n = rtk_alloc_count();
	rtk_stop();
	return atomic_load(&job.done) < runs ? -1 : (long)n;
}

#endif /* TESTS_MEDIA_RT_H */

/* SPDX-License-Identifier: MIT */
/** @file rtk.h  RT executive: life cycle, time, assertions
 *
 * The executive runs the RT partition inside one Linux process: tasks are
 * SCHED_FIFO threads pinned to the partition's CPUs, memory is locked, and
 * everything a task needs is created between rtk_init() and rtk_start().
 * After rtk_start() an RT thread's allocations come from the RT heap
 * (heap.h, when rtk_cfg.heap_bytes is set); one that reaches libc's heap is
 * counted (and aborts the process when rtk_cfg.alloc_abort is set): see
 * rtk_alloc_count(). A thread a library starts for itself (lwIP's) joins
 * the partition with rtk_thread_adopt().
 *
 * With rtk_cfg.poll_idle the partition's CPUs poll rather than halt when
 * idle while it runs (idle.h).
 *
 * Without the privilege for SCHED_FIFO, mlockall() or the CPUs' idle
 * setting (not root, no CAP_SYS_NICE / CAP_IPC_LOCK, no RLIMIT_RTPRIO),
 * rtk_start() logs one clear warning and runs the tasks at normal priority;
 * rtk_info() tells which.
 */
#ifndef RTK_H
#define RTK_H

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "rtos-kernel/heap.h"

#define RTK_NS(x)	((uint64_t)(x))
#define RTK_US(x)	((uint64_t)(x) * 1000ull)
#define RTK_MS(x)	((uint64_t)(x) * 1000000ull)
#define RTK_S(x)	((uint64_t)(x) * 1000000000ull)
#define RTK_NO_WAIT	((uint64_t)0)
#define RTK_FOREVER	UINT64_MAX

struct rtk_cfg {
	cpu_set_t cpus;		/**< CPUs of the RT partition (empty: all) */
	bool lock_memory;	/**< mlockall() at start */
	bool alloc_abort;	/**< abort on allocation by an RT task after start */
	bool no_rt;		/**< do not even try SCHED_FIFO (tests, tools) */
	bool poll_idle;		/**< the CPUs poll when idle (idle.h) */
	const char *idle_dir;	/**< its sysfs (NULL: RTK_IDLE_SYSFS) */
	size_t heap_bytes;	/**< RT heap (heap.h) made at init; 0: none */
	/** more blocks of some sizes (size 0: none) */
	struct rtk_heap_extra heap_extra[RTK_HEAP_EXTRAS];
};

struct rtk_info {
	bool started;
	bool fifo;		/**< tasks run SCHED_FIFO */
	bool memory_locked;
	bool poll_idle;		/**< the CPUs poll when idle */
	int ncpus;		/**< CPUs in the partition's set */
	char warning[256];	/**< why fifo, memory_locked or poll_idle is
				     false */
};

int  rtk_init(const struct rtk_cfg *cfg);
int  rtk_start(void);
void rtk_stop(void);
bool rtk_is_started(void);
void rtk_info_get(struct rtk_info *info);
int  rtk_cpuset_parse(const char *s, cpu_set_t *set);

uint64_t rtk_alloc_count(void);
bool rtk_in_rt_task(void);
int  rtk_thread_adopt(int prio);
void rtk_fp_flush_denormals(void);

/** Monotonic time in nanoseconds. Context: any. */
static inline uint64_t rtk_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/** Monotonic time in milliseconds, signed for deadline arithmetic.
 *  Context: any. */
static inline int64_t rtk_now_ms(void)
{
	return (int64_t)(rtk_now_ns() / 1000000u);
}

/** Wall-clock time (CLOCK_REALTIME) in microseconds since 1970: for
 *  records and status, never for intervals. Context: any. */
static inline int64_t rtk_wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void rtk_assert_fail(const char *expr, const char *file, int line)
	__attribute__((noreturn));

#if defined(RTK_DEBUG) && RTK_DEBUG
#define RTK_ASSERT(cond)						\
	do {								\
		if (!(cond))						\
			rtk_assert_fail(#cond, __FILE__, __LINE__);	\
	} while (0)
#else
#define RTK_ASSERT(cond) do { (void)sizeof(cond); } while (0)
#endif
#define RTK_ASSERT_RT_TASK() RTK_ASSERT(rtk_in_rt_task())

#endif /* RTK_H */

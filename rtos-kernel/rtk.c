// SPDX-License-Identifier: MIT
/** @file rtk.c  RT executive life cycle, privileges, allocation guard */
#define LOG_MODULE "rtk"
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#if defined(__SSE2__)
#include <xmmintrin.h>
#endif

#include "rtos-kernel/heap.h"
#include "rtos-kernel/idle.h"
#include "rtos-kernel/log.h"
#include "rtos-kernel/rtk.h"
#include "rtos-kernel/rtk_priv.h"

struct rtk_exec rtk_exec;
__thread bool rtk_tls_rt;

static _Atomic uint64_t alloc_after_start;
static _Atomic bool alloc_armed;
static _Atomic bool alloc_abort;

/* --- allocation guard ------------------------------------------------------
 * Counts every allocation made on an RT task's thread after rtk_start().
 * Under AddressSanitizer or ThreadSanitizer the sanitizer's allocator hooks
 * report allocations; otherwise the malloc family is interposed here and
 * forwarded to glibc. */
static void note_alloc(size_t size)
{
	static const char msg[] = "rtk: allocation by an RT task after start\n";
	ssize_t r;

	if (!rtk_tls_rt || !atomic_load_explicit(&alloc_armed,
						 memory_order_relaxed))
		return;
	atomic_fetch_add_explicit(&alloc_after_start, 1, memory_order_relaxed);
	if (atomic_load_explicit(&alloc_abort, memory_order_relaxed) && size) {
		r = write(STDERR_FILENO, msg, sizeof(msg) - 1);
		(void)r;	/* abort even when stderr is closed */
		abort();
	}
}

/* ASan and TSan replace malloc themselves: interposing it too breaks them */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define RTK_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define RTK_SANITIZED 1
#endif
#endif

#ifdef RTK_SANITIZED
int __sanitizer_install_malloc_and_free_hooks(
	void (*malloc_hook)(const volatile void *, size_t),
	void (*free_hook)(const volatile void *));

static void san_malloc_hook(const volatile void *p, size_t size)
{
	(void)p;
	note_alloc(size);
}

static void san_free_hook(const volatile void *p)
{
	(void)p;
}

static void install_guard(void)
{
	static bool done;

	/* the sanitizer refuses a NULL hook: both must be given */
	if (!done && !__sanitizer_install_malloc_and_free_hooks(
			san_malloc_hook, san_free_hook))
		LOG_WARN("allocation guard: sanitizer hooks not installed");
	done = true;
}
#else
void *__libc_malloc(size_t size);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t size);
void *__libc_memalign(size_t align, size_t size);
void *__libc_valloc(size_t size);
void *__libc_pvalloc(size_t size);
void __libc_free(void *p);

/* Interposed for the whole process: ELF lookup finds these first. An RT
 * thread after start is served by the RT heap (heap.h); everyone else, and
 * an RT thread when no RT heap was made, by glibc. */
void *malloc(size_t size);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t size);
void free(void *p);
void *memalign(size_t align, size_t size);
void *aligned_alloc(size_t align, size_t size);
void *valloc(size_t size);
void *pvalloc(size_t size);
int posix_memalign(void **pp, size_t align, size_t size);

#define HEAP_ALIGN 64	/* every RT heap block is aligned to this */

static inline bool rt_heap(void)
{
	return rtk_tls_rt && atomic_load_explicit(&alloc_armed,
						  memory_order_relaxed) &&
	       rtk_heap_ready();
}

void *malloc(size_t size)
{
	if (rt_heap())
		return rtk_heap_alloc(size);
	note_alloc(size);
	return __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
	void *p;

	if (!rt_heap()) {
		note_alloc(n * size);
		return __libc_calloc(n, size);
	}
	if (size && n > SIZE_MAX / size)
		return NULL;
	p = rtk_heap_alloc(n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

void free(void *p)
{
	if (rtk_heap_owns(p))
		rtk_heap_free(p);
	else
		__libc_free(p);
}

void *realloc(void *p, size_t size)
{
	size_t have = rtk_heap_block_size(p);
	void *q;

	if (!have) {
		if (p && rt_heap())
			note_alloc(size);	/* a libc block: stay there */
		if (p || !rt_heap())
			return __libc_realloc(p, size);
		return rtk_heap_alloc(size);
	}
	if (size <= have)
		return p;
	q = malloc(size);
	if (q) {
		memcpy(q, p, have);
		rtk_heap_free(p);
	}
	return q;
}

void *memalign(size_t align, size_t size)
{
	if (rt_heap())
		return align <= HEAP_ALIGN ? rtk_heap_alloc(size) : NULL;
	note_alloc(size);
	return __libc_memalign(align, size);
}

void *aligned_alloc(size_t align, size_t size)
{
	return memalign(align, size);
}

void *valloc(size_t size)
{
	note_alloc(size);
	return __libc_valloc(size);
}

void *pvalloc(size_t size)
{
	note_alloc(size);
	return __libc_pvalloc(size);
}

int posix_memalign(void **pp, size_t align, size_t size)
{
	void *p;

	if (!align || (align & (align - 1)) || align % sizeof(void *))
		return EINVAL;
	p = memalign(align, size);
	if (!p)
		return ENOMEM;
	*pp = p;
	return 0;
}

static void install_guard(void)
{
}
#endif

/** Allocations made by RT tasks since rtk_start(). Context: any. */
uint64_t rtk_alloc_count(void)
{
	return atomic_load(&alloc_after_start);
}

/** Whether the calling thread is an RT task of the executive. */
bool rtk_in_rt_task(void)
{
	return rtk_tls_rt;
}

/* --- life cycle ------------------------------------------------------------ */

/** Parse a CPU list such as "1", "0-1,3". @return 0 or -EINVAL */
int rtk_cpuset_parse(const char *s, cpu_set_t *set)
{
	const char *p = s;
	char *end;

	CPU_ZERO(set);
	if (!s || !*s)
		return -EINVAL;
	for (;;) {
		unsigned long lo, hi;

		if (*p < '0' || *p > '9')
			return -EINVAL;
		lo = strtoul(p, &end, 10);
		hi = lo;
		p = end;
		if (*p == '-') {
			p++;
			if (*p < '0' || *p > '9')
				return -EINVAL;
			hi = strtoul(p, &end, 10);
			p = end;
		}
		if (hi < lo || hi >= CPU_SETSIZE)
			return -EINVAL;
		for (unsigned long c = lo; c <= hi; c++)
			CPU_SET(c, set);
		if (!*p)
			return 0;
		if (*p++ != ',')
			return -EINVAL;
	}
}

/** Prepare the executive; frees the tasks of an earlier run. Context: init,
 *  main thread, before any rtk_task_create(). @return 0 or -EBUSY */
int rtk_init(const struct rtk_cfg *cfg)
{
	if (atomic_load(&rtk_exec.started))
		return -EBUSY;
	rtk_tasks_free();
	memset(&rtk_exec.info, 0, sizeof(rtk_exec.info));
	rtk_exec.cfg = *cfg;
	if (!CPU_COUNT(&rtk_exec.cfg.cpus) &&
	    sched_getaffinity(0, sizeof(cpu_set_t), &rtk_exec.cfg.cpus))
		CPU_SET(0, &rtk_exec.cfg.cpus);
	rtk_exec.info.ncpus = CPU_COUNT(&rtk_exec.cfg.cpus);
	atomic_store(&rtk_exec.stopping, false);
	/* localtime_r() in log lines loads the time zone on first use, which
	 * allocates: load it now, not in the first RT task that logs */
	tzset();
	install_guard();
	if (cfg->heap_bytes && !rtk_heap_ready()) {
		int err = rtk_heap_init(cfg->heap_bytes, cfg->heap_extra,
					RTK_HEAP_EXTRAS);

		if (err)
			return err;
	}
	return 0;
}

/** Make the calling thread, one a library started for itself, part of the
 *  RT partition: pinned to its CPUs, SCHED_FIFO at @p prio when permitted,
 *  and held to the RT partition's allocation rules after start.
 *  Context: the thread itself. @return 0, or -EPERM when it runs at normal
 *  priority (it is still pinned and counted) */
/**
 * Make the calling thread's floating point flush subnormal numbers to
 * zero, results and operands, as a DSP core is set up. The voice code's
 * float filters (SpanDSP, speexdsp) decay into subnormals in the silence
 * after a talkspurt, and each one costs an x86 core some 100 cycles: the
 * answer tone detector (media/vbd.h) took 13 us per 20 ms frame of speech
 * without, 1.2 us with. Audio that small is far below 16-bit resolution.
 * Every RT task and adopted thread runs so; benchmarks of the DSP code
 * call it to measure what the RT tasks run. Context: any thread.
 */
void rtk_fp_flush_denormals(void)
{
#if defined(__SSE2__)
	_mm_setcsr(_mm_getcsr() | 0x8040);	/* FTZ (bit 15), DAZ (bit 6) */
#elif defined(__aarch64__)
	uint64_t fpcr;

	__asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
	__asm__ volatile("msr fpcr, %0" : : "r"(fpcr | 1ull << 24)); /* FZ */
#endif
}

int rtk_thread_adopt(int prio)
{
	struct sched_param sp = { .sched_priority = prio };
	int err = 0;

	rtk_fp_flush_denormals();
	pthread_setaffinity_np(pthread_self(), sizeof(cpu_set_t),
			       &rtk_exec.cfg.cpus);
	if (rtk_exec.cfg.no_rt ||
	    pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp))
		err = -EPERM;
	rtk_tls_rt = true;
	return err;
}

static const char *idle_dir(void)
{
	return rtk_exec.cfg.idle_dir ? rtk_exec.cfg.idle_dir : RTK_IDLE_SYSFS;
}

static void add_warning(const char *what, int err)
{
	char *w = rtk_exec.info.warning;
	size_t n = strlen(w);

	snprintf(w + n, sizeof(rtk_exec.info.warning) - n, "%s%s: %s",
		 n ? "; " : "", what, strerror(err));
}

/* give back what rtk_start() took: locked memory, polling CPUs */
static void release(struct rtk_info *info)
{
	if (info->memory_locked)
		munlockall();
	if (info->poll_idle)
		rtk_idle_release(&rtk_exec.cfg.cpus, idle_dir());
	info->memory_locked = info->poll_idle = false;
}

/** Lock memory, keep the CPUs polling when idle, start every task, arm the
 *  allocation guard. Context: init, main thread. Lacking privileges is a
 *  warning, not an error.
 *  @return 0, or a negative errno when a thread cannot be created */
int rtk_start(void)
{
	int err;

	if (atomic_load(&rtk_exec.started))
		return -EBUSY;
	atomic_store(&rtk_exec.stopping, false);	/* after an rtk_stop() */
	if (rtk_exec.cfg.lock_memory) {
		if (mlockall(MCL_CURRENT | MCL_FUTURE))
			add_warning("mlockall failed, memory may be paged", errno);
		else
			rtk_exec.info.memory_locked = true;
	}
	if (rtk_exec.cfg.poll_idle) {
		err = rtk_idle_poll(&rtk_exec.cfg.cpus, idle_dir());
		if (err)
			add_warning("the RT CPUs halt when idle (their PM QoS "
				    "wake-up latency could not be set)", -err);
		rtk_exec.info.poll_idle = !err;
	}
	atomic_store(&alloc_abort, rtk_exec.cfg.alloc_abort);
	atomic_store(&alloc_after_start, 0);
	err = rtk_tasks_start(&rtk_exec.info.fifo);
	if (err) {
		rtk_tasks_stop();
		release(&rtk_exec.info);
		return err;
	}
	if (!rtk_exec.info.fifo && !rtk_exec.cfg.no_rt && rtk_task_count())
		add_warning("SCHED_FIFO not permitted, RT tasks run at normal "
			  "priority (run as root or grant CAP_SYS_NICE)", EPERM);
	if (rtk_exec.info.warning[0])
		LOG_WARN("%s", rtk_exec.info.warning);	/* one line, all of it */
	atomic_store(&alloc_armed, true);
	atomic_store(&rtk_exec.started, true);
	rtk_exec.info.started = true;
	return 0;
}

/** Stop and join every task; their statistics stay readable until the next
 *  rtk_init(). Context: main thread. */
void rtk_stop(void)
{
	atomic_store(&alloc_armed, false);
	rtk_tasks_stop();
	release(&rtk_exec.info);
	rtk_exec.info.started = false;
	atomic_store(&rtk_exec.started, false);
}

/** Whether rtk_start() has run and rtk_stop() has not. */
bool rtk_is_started(void)
{
	return atomic_load(&rtk_exec.started);
}

/** What the executive obtained: FIFO scheduling, locked memory, warnings. */
void rtk_info_get(struct rtk_info *info)
{
	*info = rtk_exec.info;
}

void rtk_assert_fail(const char *expr, const char *file, int line)
{
	char buf[256];
	int n = snprintf(buf, sizeof(buf), "%s:%d: assertion failed: %s\n",
			 file, line, expr);
	ssize_t r;

	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	r = write(STDERR_FILENO, buf, n > 0 ? (size_t)n : 0);
	(void)r;	/* abort even when stderr is closed: keep the core */
	abort();
}

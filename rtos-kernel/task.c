// SPDX-License-Identifier: MIT
/** @file task.c  RT tasks: periodic releases, fd wake-ups, one-shot timers */
#define LOG_MODULE "rtk"
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtos-kernel/log.h"
#include "rtos-kernel/rtk_priv.h"
#include "rtos-kernel/task.h"

#define TASK_STACK	(256 * 1024)
#define PREFAULT	(64 * 1024)
#define IDLE_SLEEP_NS	RTK_MS(50)	/* longest sleep, so stop is seen */

struct rtk_task {
	char name[RTK_TASK_NAME];
	int prio;
	uint64_t period;
	uint64_t budget;
	int wake_fd;
	rtk_task_h *fn;
	void *arg;
	pthread_t thread;
	bool running;
	bool fifo;
	struct rtk_timer *timers;	/* sorted by due time; task-owned */

	/* published for readers and the watchdog; one writer each */
	_Atomic uint64_t run_start;
	_Atomic uint64_t next_wake;
	_Atomic uint64_t run_seq;
	_Atomic uint64_t runs, missed, skipped, timers_fired;
	_Atomic uint64_t overruns, stalls;	/* written by the watchdog */
	struct rtk_hist lateness;
	struct rtk_hist runtime;
};

static struct rtk_task *tasks[RTK_MAX_TASKS];
static _Atomic size_t ntasks;
static __thread struct rtk_task *self;
static uint64_t start_ns;

static inline void inc(_Atomic uint64_t *v, uint64_t by)
{
	atomic_store_explicit(v, atomic_load_explicit(v, memory_order_relaxed)
			      + by, memory_order_relaxed);
}

int rtk_task_create_prio(struct rtk_task **tp, const struct rtk_task_cfg *cfg,
			 int prio)
{
	struct rtk_task *t;
	size_t n = atomic_load(&ntasks);

	if (!tp || !cfg || !cfg->name || !cfg->name[0] ||
	    strlen(cfg->name) >= RTK_TASK_NAME ||
	    (!cfg->fn && (cfg->period_ns || cfg->wake_fd >= 0)))
		return -EINVAL;
	if (rtk_is_started())
		return -EBUSY;
	if (n == RTK_MAX_TASKS)
		return -ENOSPC;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	strcpy(t->name, cfg->name);
	t->prio = prio;
	t->period = cfg->period_ns;
	t->budget = cfg->budget_ns ? cfg->budget_ns : cfg->period_ns;
	t->wake_fd = cfg->wake_fd;
	t->fn = cfg->fn;
	t->arg = cfg->arg;
	rtk_hist_reset(&t->lateness);
	rtk_hist_reset(&t->runtime);
	tasks[n] = t;
	atomic_store(&ntasks, n + 1);
	*tp = t;
	return 0;
}

/** Create a task (see task.h). Context: init, before rtk_start(); the main
 *  thread. Set cfg->wake_fd to -1 when the task has no fd.
 *  @return 0; -EINVAL bad configuration; -EBUSY already started; -ENOSPC
 *  more than RTK_MAX_TASKS tasks; -ENOMEM */
int rtk_task_create(struct rtk_task **tp, const struct rtk_task_cfg *cfg)
{
	if (!cfg || cfg->prio < RTK_PRIO_MIN || cfg->prio > RTK_PRIO_MAX)
		return -EINVAL;
	return rtk_task_create_prio(tp, cfg, cfg->prio);
}

void rtk_tasks_free(void)
{
	size_t i, n = atomic_load(&ntasks);

	atomic_store(&ntasks, 0);
	for (i = 0; i < n; i++) {
		free(tasks[i]);
		tasks[i] = NULL;
	}
}

/* --- timers ---------------------------------------------------------------- */

/** Prepare a timer to call @p fn(@p arg) when it fires. */
void rtk_timer_init(struct rtk_timer *tm, rtk_timer_h *fn, void *arg)
{
	memset(tm, 0, sizeof(*tm));
	tm->fn = fn;
	tm->arg = arg;
}

/** Stop @p tm if armed. Context: @p t's own thread, or before start. */
void rtk_timer_stop(struct rtk_task *t, struct rtk_timer *tm)
{
	struct rtk_timer **pp;

	if (!tm->armed)
		return;
	RTK_ASSERT(!rtk_is_started() || self == t);
	for (pp = &t->timers; *pp; pp = &(*pp)->next) {
		if (*pp == tm) {
			*pp = tm->next;
			break;
		}
	}
	tm->armed = false;
	tm->next = NULL;
}

/** Arm @p tm to fire once at monotonic time @p due_ns in task @p t (re-arms
 *  it if armed). Context: @p t's own thread (its fn or a timer callback), or
 *  before start. Never allocates. @return 0 or -EINVAL */
int rtk_timer_start_at(struct rtk_task *t, struct rtk_timer *tm,
		       uint64_t due_ns)
{
	struct rtk_timer **pp;

	if (!t || !tm || !tm->fn)
		return -EINVAL;
	RTK_ASSERT(!rtk_is_started() || self == t);
	rtk_timer_stop(t, tm);
	tm->due_ns = due_ns ? due_ns : 1;	/* 0 means "no deadline" */
	for (pp = &t->timers; *pp && (*pp)->due_ns <= due_ns; pp = &(*pp)->next)
		;
	tm->next = *pp;
	*pp = tm;
	tm->armed = true;
	return 0;
}

/** Arm @p tm to fire once @p delay_ns from now (see rtk_timer_start_at). */
int rtk_timer_start(struct rtk_task *t, struct rtk_timer *tm,
		    uint64_t delay_ns)
{
	return rtk_timer_start_at(t, tm, rtk_now_ns() + delay_ns);
}

/* --- the task loop --------------------------------------------------------- */

static void begin_run(struct rtk_task *t, uint64_t now)
{
	atomic_store_explicit(&t->run_start, now ? now : 1,
			      memory_order_relaxed);
	inc(&t->run_seq, 1);
}

static uint64_t end_run(struct rtk_task *t, uint64_t began)
{
	uint64_t end = rtk_now_ns();

	atomic_store_explicit(&t->run_start, 0, memory_order_relaxed);
	rtk_hist_add(&t->runtime, end - began);
	inc(&t->runs, 1);
	return end;
}

/* Fire the timers due at @p woke, the time the task woke up. A timer that
 * re-arms itself for "now" fires at the next wake-up, not in this loop. */
static void fire_timers(struct rtk_task *t, uint64_t woke)
{
	uint64_t now = woke;
	struct rtk_timer *tm;

	while ((tm = t->timers) && tm->due_ns <= woke) {
		t->timers = tm->next;
		tm->next = NULL;
		tm->armed = false;
		rtk_hist_add(&t->lateness, now - tm->due_ns);
		begin_run(t, now);
		tm->fn(tm->arg);	/* may re-arm itself */
		now = end_run(t, now);
		inc(&t->timers_fired, 1);
	}
}

/* Sleep until @p until (absolute, 0: no deadline) or until the fd wakes us.
 * @return RTK_WAKE_FD when the fd is readable */
static unsigned wait_until(struct rtk_task *t, uint64_t until)
{
	uint64_t now = rtk_now_ns(), cap = now + IDLE_SLEEP_NS;
	struct timespec ts;

	if (!until || until > cap)
		until = cap;
	if (t->wake_fd >= 0) {
		/* POLLPRI too: DAHDI's timer signals only that */
		struct pollfd pfd = { .fd = t->wake_fd,
				      .events = POLLIN | POLLPRI };
		uint64_t d = until > now ? until - now : 0;

		ts.tv_sec = d / 1000000000ull;
		ts.tv_nsec = d % 1000000000ull;
		if (ppoll(&pfd, 1, &ts, NULL) > 0 &&
		    (pfd.revents & (POLLIN | POLLPRI)))
			return RTK_WAKE_FD;
		return 0;
	}
	ts.tv_sec = until / 1000000000ull;
	ts.tv_nsec = until % 1000000000ull;
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	       EINTR)
		;
	return 0;
}

static void *task_main(void *arg)
{
	struct rtk_task *t = arg;
	uint64_t release = t->period ? start_ns + t->period : 0;
	volatile char stack[PREFAULT];

	memset((char *)stack, 0, sizeof(stack));	/* fault the stack in */
	rtk_fp_flush_denormals();
	self = t;
	rtk_tls_rt = true;
	while (!atomic_load_explicit(&rtk_exec.stopping, memory_order_relaxed)) {
		uint64_t until = release, now, began;
		unsigned wake;

		if (t->timers && (!until || t->timers->due_ns < until))
			until = t->timers->due_ns;
		atomic_store_explicit(&t->next_wake, until,
				      memory_order_relaxed);
		wake = wait_until(t, until);
		now = rtk_now_ns();
		atomic_store_explicit(&t->next_wake, 0, memory_order_relaxed);
		fire_timers(t, now);
		if (release && now >= release) {
			rtk_hist_add(&t->lateness, now - release);
			wake |= RTK_WAKE_PERIOD;
		}
		if (!wake)
			continue;
		began = rtk_now_ns();
		begin_run(t, began);
		t->fn(wake, t->arg);
		now = end_run(t, began);
		if (!(wake & RTK_WAKE_PERIOD))
			continue;
		if (now > release + t->period)
			inc(&t->missed, 1);
		release += t->period;
		if (release <= now) {
			/* fell behind: skip to the next release in the future */
			uint64_t k = (now - release) / t->period + 1;

			inc(&t->skipped, k);
			release += k * t->period;
		}
	}
	rtk_tls_rt = false;
	return NULL;
}

static int spawn(struct rtk_task *t, bool fifo)
{
	struct sched_param sp = { .sched_priority = t->prio };
	pthread_attr_t attr;
	int err;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, TASK_STACK);
	pthread_attr_setaffinity_np(&attr, sizeof(cpu_set_t),
				    &rtk_exec.cfg.cpus);
	if (fifo) {
		pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
		pthread_attr_setschedpolicy(&attr, SCHED_FIFO);
		pthread_attr_setschedparam(&attr, &sp);
	}
	err = pthread_create(&t->thread, &attr, task_main, t);
	pthread_attr_destroy(&attr);
	if (err == EINVAL && !fifo) {
		/* CPU set outside what this process may use: run unpinned */
		pthread_attr_init(&attr);
		pthread_attr_setstacksize(&attr, TASK_STACK);
		err = pthread_create(&t->thread, &attr, task_main, t);
		pthread_attr_destroy(&attr);
	}
	if (err)
		return -err;
	pthread_setname_np(t->thread, t->name);
	t->running = true;
	t->fifo = fifo;
	return 0;
}

int rtk_tasks_start(bool *fifo)
{
	size_t i, n = atomic_load(&ntasks);
	bool want = !rtk_exec.cfg.no_rt;
	int err;

	start_ns = rtk_now_ns();
	*fifo = want;
	for (i = 0; i < n; i++) {
		err = spawn(tasks[i], *fifo);
		if (err == -EPERM && *fifo) {
			/* no privilege for SCHED_FIFO: all tasks run normally */
			*fifo = false;
			for (size_t j = 0; j < i; j++)
				tasks[j]->fifo = false;
			err = spawn(tasks[i], false);
			if (!err)
				for (size_t j = 0; j < i; j++)
					pthread_setschedparam(tasks[j]->thread,
						SCHED_OTHER,
						&(struct sched_param){ 0 });
		}
		if (err) {
			LOG_ERR("start task %s: %s", tasks[i]->name,
				strerror(-err));
			return err;
		}
	}
	if (!n)
		*fifo = false;
	return 0;
}

void rtk_tasks_stop(void)
{
	size_t i, n = atomic_load(&ntasks);

	atomic_store(&rtk_exec.stopping, true);
	for (i = 0; i < n; i++) {
		if (tasks[i]->running)
			pthread_join(tasks[i]->thread, NULL);
		tasks[i]->running = false;
	}
}

/* --- readers --------------------------------------------------------------- */

/** The task's name. */
const char *rtk_task_name(const struct rtk_task *t)
{
	return t->name;
}

/** Counters and histograms of @p t. Context: any thread, any time. */
void rtk_task_stats_get(const struct rtk_task *t, struct rtk_task_stats *st)
{
	memcpy(st->name, t->name, sizeof(st->name));
	st->prio = t->prio;
	st->fifo = t->fifo;
	st->period_ns = t->period;
	st->runs = atomic_load(&t->runs);
	st->missed = atomic_load(&t->missed);
	st->skipped = atomic_load(&t->skipped);
	st->overruns = atomic_load(&t->overruns);
	st->stalls = atomic_load(&t->stalls);
	st->timers_fired = atomic_load(&t->timers_fired);
	rtk_hist_snap(&t->lateness, &st->lateness);
	rtk_hist_snap(&t->runtime, &st->runtime);
}

/** Zero @p t's counters and histograms. Context: before start, or when the
 *  readers can tolerate a torn reset (benchmarks discarding a warm-up). */
void rtk_task_stats_reset(struct rtk_task *t)
{
	atomic_store(&t->runs, 0);
	atomic_store(&t->missed, 0);
	atomic_store(&t->skipped, 0);
	atomic_store(&t->timers_fired, 0);
	atomic_store(&t->overruns, 0);
	atomic_store(&t->stalls, 0);
	rtk_hist_reset(&t->lateness);
	rtk_hist_reset(&t->runtime);
}

/** The task running the caller, or NULL outside tasks. */
struct rtk_task *rtk_task_self(void)
{
	return self;
}

/** Number of tasks created. */
size_t rtk_task_count(void)
{
	return atomic_load(&ntasks);
}

/** Task number @p i (creation order), or NULL. */
struct rtk_task *rtk_task_at(size_t i)
{
	return i < atomic_load(&ntasks) ? tasks[i] : NULL;
}

/** The task named @p name, or NULL. */
struct rtk_task *rtk_task_find(const char *name)
{
	for (size_t i = 0; i < atomic_load(&ntasks); i++)
		if (!strcmp(tasks[i]->name, name))
			return tasks[i];
	return NULL;
}

void rtk_task_watch(const struct rtk_task *t, struct rtk_task_watch *w)
{
	w->run_start = atomic_load_explicit(&t->run_start,
					    memory_order_relaxed);
	w->next_wake = atomic_load_explicit(&t->next_wake,
					    memory_order_relaxed);
	w->run_seq = atomic_load_explicit(&t->run_seq, memory_order_relaxed);
	w->budget = t->budget;
}

void rtk_task_count_wdog(struct rtk_task *t, bool overrun)
{
	inc(overrun ? &t->overruns : &t->stalls, 1);
}

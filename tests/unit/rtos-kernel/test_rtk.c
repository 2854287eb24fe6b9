// SPDX-License-Identifier: MIT
/** @file test_rtk.c  Executive life cycle, privileges, allocation guard */
#include <errno.h>
#include <linux/capability.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "rtos-kernel/rtk.h"
#include "rtos-kernel/task.h"

static struct rtk_cfg test_cfg(void)
{
	struct rtk_cfg cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.lock_memory = false;	/* mlockall under ASan: no */
	return cfg;
}

/* wait up to 2 s for *v to reach n */
static bool wait_for(_Atomic int *v, int n)
{
	for (int i = 0; i < 2000 && atomic_load(v) < n; i++)
		usleep(1000);
	return atomic_load(v) >= n;
}

static int teardown(void **state)
{
	(void)state;
	rtk_stop();
	return 0;
}

/* --- rtk_cpuset_parse ----------------------------------------------------- */

static void test_rtk_cpuset_parse_accepts_lists(void **state)
{
	cpu_set_t set;

	(void)state;
	assert_int_equal(rtk_cpuset_parse("1", &set), 0);
	assert_int_equal(CPU_COUNT(&set), 1);
	assert_true(CPU_ISSET(1, &set));

	assert_int_equal(rtk_cpuset_parse("0-1,3", &set), 0);
	assert_int_equal(CPU_COUNT(&set), 3);
	assert_true(CPU_ISSET(0, &set));
	assert_true(CPU_ISSET(1, &set));
	assert_false(CPU_ISSET(2, &set));
	assert_true(CPU_ISSET(3, &set));

	assert_int_equal(rtk_cpuset_parse("0,2-4,7,5-5", &set), 0);
	assert_int_equal(CPU_COUNT(&set), 6);
	assert_true(CPU_ISSET(5, &set) && CPU_ISSET(7, &set));

	assert_int_equal(rtk_cpuset_parse("1023", &set), 0);
	assert_true(CPU_ISSET(1023, &set));
}

static void test_rtk_cpuset_parse_rejects_bad_lists(void **state)
{
	static const char *const bad[] = {
		"", "a", "3-1", "1,", "99999", "1024", "-1", "1-", "1 ",
		" 1", "1,,2", "1-2-3", "0x1", ",1", "1-a",
		"99999999999999999999999999",
	};
	cpu_set_t set;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CPU_ZERO(&set);
		CPU_SET(2, &set);
		assert_int_equal(rtk_cpuset_parse(bad[i], &set), -EINVAL);
	}
	assert_int_equal(rtk_cpuset_parse(NULL, &set), -EINVAL);
	assert_int_equal(CPU_COUNT(&set), 0);
}

/* --- life cycle and scheduling -------------------------------------------- */

struct probe {
	_Atomic int runs;
	_Atomic int policy;
	_Atomic int prio;
	_Atomic bool in_rt;
};

static void probe_fn(unsigned wake, void *arg)
{
	struct probe *p = arg;
	struct sched_param sp;
	int policy;

	(void)wake;
	if (!pthread_getschedparam(pthread_self(), &policy, &sp)) {
		atomic_store(&p->policy, policy);
		atomic_store(&p->prio, sp.sched_priority);
	}
	atomic_store(&p->in_rt, rtk_in_rt_task());
	atomic_fetch_add(&p->runs, 1);
}

static struct rtk_task *probe_task(struct probe *p, const char *name,
				   int prio)
{
	struct rtk_task_cfg tc = {
		.name = name, .prio = prio, .period_ns = RTK_MS(2),
		.wake_fd = -1, .fn = probe_fn, .arg = p,
	};
	struct rtk_task *t = NULL;

	memset(p, 0, sizeof(*p));
	atomic_store(&p->policy, -1);
	rtk_task_create(&t, &tc);	/* no cmocka assert: children use it */
	return t;
}

static void test_rtk_info_before_start(void **state)
{
	struct rtk_cfg cfg = test_cfg();
	struct rtk_info info;

	(void)state;
	assert_int_equal(rtk_cpuset_parse("0", &cfg.cpus), 0);
	assert_int_equal(rtk_init(&cfg), 0);
	rtk_info_get(&info);
	assert_false(info.started);
	assert_false(info.fifo);
	assert_int_equal(info.ncpus, 1);
	assert_string_equal(info.warning, "");
	assert_false(rtk_is_started());
	assert_false(rtk_in_rt_task());
}

static void test_rtk_start_as_root_runs_tasks_fifo(void **state)
{
	struct rtk_cfg cfg = test_cfg();
	struct rtk_task_stats st;
	struct rtk_info info;
	struct probe p;
	struct rtk_task *t;
	cpu_set_t mine;

	(void)state;
	if (geteuid() != 0) {
		/* SCHED_FIFO as root only; the fallback has its own test */
		skip();
	}
	assert_int_equal(rtk_init(&cfg), 0);
	t = probe_task(&p, "probe", 7);
	assert_non_null(t);
	assert_int_equal(rtk_start(), 0);
	assert_true(wait_for(&p.runs, 3));
	rtk_info_get(&info);
	assert_true(info.started);
	assert_true(info.fifo);
	assert_false(info.memory_locked);
	assert_string_equal(info.warning, "");
	assert_int_equal(sched_getaffinity(0, sizeof(mine), &mine), 0);
	assert_int_equal(info.ncpus, CPU_COUNT(&mine));
	assert_true(rtk_is_started());
	assert_int_equal(atomic_load(&p.policy), SCHED_FIFO);
	assert_int_equal(atomic_load(&p.prio), 7);
	assert_true(atomic_load(&p.in_rt));
	assert_false(rtk_in_rt_task());		/* the main thread */
	rtk_task_stats_get(t, &st);
	assert_true(st.fifo);
	rtk_stop();
	rtk_info_get(&info);
	assert_false(info.started);
	assert_false(rtk_is_started());
}

static void test_rtk_no_rt_runs_normal_without_privilege_warning(void **state)
{
	struct rtk_cfg cfg = test_cfg();
	struct rtk_task_stats st;
	struct rtk_info info;
	struct probe p;
	struct rtk_task *t;

	(void)state;
	cfg.no_rt = true;
	assert_int_equal(rtk_init(&cfg), 0);
	t = probe_task(&p, "probe", 7);
	assert_non_null(t);
	assert_int_equal(rtk_start(), 0);
	assert_true(wait_for(&p.runs, 3));
	rtk_info_get(&info);
	assert_true(info.started);
	assert_false(info.fifo);
	assert_null(strstr(info.warning, "SCHED_FIFO"));
	assert_null(strstr(info.warning, "root"));
	assert_int_equal(atomic_load(&p.policy), SCHED_OTHER);
	assert_true(atomic_load(&p.in_rt));	/* still an RT task */
	rtk_task_stats_get(t, &st);
	assert_false(st.fifo);
	rtk_stop();
}

static void test_rtk_start_without_tasks_has_no_warning(void **state)
{
	struct rtk_cfg cfg = test_cfg();
	struct rtk_info info;

	(void)state;
	if (geteuid() != 0)
		skip();
	assert_int_equal(rtk_init(&cfg), 0);
	assert_int_equal(rtk_start(), 0);
	rtk_info_get(&info);
	assert_true(info.started);
	assert_string_equal(info.warning, "");
	rtk_stop();
}

static void test_rtk_init_or_start_when_started_is_ebusy(void **state)
{
	struct rtk_cfg cfg = test_cfg();
	struct probe p;

	(void)state;
	cfg.no_rt = true;
	assert_int_equal(rtk_init(&cfg), 0);
	assert_non_null(probe_task(&p, "probe", 3));
	assert_int_equal(rtk_start(), 0);
	assert_int_equal(rtk_start(), -EBUSY);
	assert_int_equal(rtk_init(&cfg), -EBUSY);
	assert_int_equal(rtk_task_count(), 1);	/* init freed nothing */
	rtk_stop();
	rtk_stop();				/* twice: harmless */
	assert_int_equal(rtk_init(&cfg), 0);
	assert_int_equal(rtk_task_count(), 0);
}

/* --- privilege fallback: a child without CAP_SYS_NICE --------------------- */

enum { CHILD_OK = 0, CHILD_CAPS = 10, CHILD_START, CHILD_FIFO, CHILD_WARN,
	CHILD_RUN, CHILD_POLICY, CHILD_STATS };

static int drop_rt_privilege(rlim_t rtprio)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];
	struct rlimit rl = { rtprio, rtprio };
	uint32_t bit = 1u << (CAP_SYS_NICE % 32);
	int w = CAP_SYS_NICE / 32;

	if (setrlimit(RLIMIT_RTPRIO, &rl))
		return CHILD_CAPS;
	if (syscall(SYS_capget, &hdr, data))
		return CHILD_CAPS;
	data[w].effective &= ~bit;
	data[w].permitted &= ~bit;
	data[w].inheritable &= ~bit;
	if (syscall(SYS_capset, &hdr, data))
		return CHILD_CAPS;
	/* proof: FIFO above the limit must now be refused */
	if (!sched_setscheduler(0, SCHED_FIFO,
				&(struct sched_param){ .sched_priority = 50 }))
		return CHILD_CAPS;
	return 0;
}

/* with RLIMIT_RTPRIO @p rtprio (0) and no CAP_SYS_NICE, every task is
 * refused SCHED_FIFO */
static int fallback_child(rlim_t rtprio)
{
	struct rtk_cfg cfg = test_cfg();
	struct rtk_task_stats st;
	struct rtk_info info;
	struct probe a, b;
	struct rtk_task *ta, *tb;
	int err;

	err = drop_rt_privilege(rtprio);
	if (err)
		return err;
	if (rtk_init(&cfg))
		return CHILD_START;
	ta = probe_task(&a, "low", 3);
	tb = probe_task(&b, "high", 10);
	if (!ta || !tb)
		return CHILD_START;
	err = rtk_start();
	if (err)
		return CHILD_START;
	if (!wait_for(&a.runs, 3) || !wait_for(&b.runs, 3))
		return CHILD_RUN;
	/* a run that began before the switch may report FIFO: wait more */
	usleep(20000);
	rtk_info_get(&info);
	if (info.fifo)
		return CHILD_FIFO;
	if (!strstr(info.warning, "SCHED_FIFO"))
		return CHILD_WARN;
	if (atomic_load(&a.policy) != SCHED_OTHER ||
	    atomic_load(&b.policy) != SCHED_OTHER)
		return CHILD_POLICY;
	rtk_task_stats_get(ta, &st);
	if (st.fifo)
		return CHILD_STATS;
	rtk_task_stats_get(tb, &st);
	if (st.fifo)
		return CHILD_STATS;
	rtk_stop();
	return CHILD_OK;
}

static int run_child(int (*fn)(rlim_t), rlim_t arg, int *status)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(fn(arg));
	return waitpid(pid, status, 0) == pid ? 0 : -1;
}

static void test_rtk_start_without_cap_sys_nice_falls_back(void **state)
{
	int status;

	(void)state;
	if (geteuid() != 0)
		skip();		/* the child needs CAP_SYS_NICE to drop */
	assert_int_equal(run_child(fallback_child, 0, &status), 0);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), CHILD_OK);
}

/* The first task, FIFO on the main thread's only CPU, preempts the main
 * thread at once and drops the privilege of the whole process (glibc's
 * setresuid() changes every thread, which clears their capabilities)
 * before the main thread creates the second task. The executive must then
 * run the second at normal priority and move the first back. */
static struct rtk_timer drop_tm;
static _Atomic int drop_policy = -1;

static void drop_cb(void *arg)
{
	struct sched_param sp;
	int policy;

	(void)arg;
	if (!pthread_getschedparam(pthread_self(), &policy, &sp))
		atomic_store(&drop_policy, policy);
	if (setresuid(65534, 65534, 65534))
		_exit(CHILD_CAPS);
}

static int fallback_midway_child(rlim_t unused)
{
	struct rtk_cfg cfg = test_cfg();
	struct rlimit rl = { 0, 0 };
	struct rtk_task_stats st;
	struct rtk_info info;
	struct probe a, b;
	struct rtk_task *ta, *tb;

	(void)unused;
	CPU_SET(0, &cfg.cpus);
	if (setrlimit(RLIMIT_RTPRIO, &rl) ||
	    sched_setaffinity(0, sizeof(cfg.cpus), &cfg.cpus))
		return CHILD_CAPS;
	if (rtk_init(&cfg))
		return CHILD_START;
	ta = probe_task(&a, "first", 10);
	tb = probe_task(&b, "second", 10);
	if (!ta || !tb)
		return CHILD_START;
	rtk_timer_init(&drop_tm, drop_cb, NULL);
	rtk_timer_start_at(ta, &drop_tm, 1);	/* due long ago: at once */
	if (rtk_start())
		return CHILD_START;
	if (!wait_for(&a.runs, 3) || !wait_for(&b.runs, 3))
		return CHILD_RUN;
	usleep(20000);
	if (getuid() != 65534 || atomic_load(&drop_policy) != SCHED_FIFO)
		return CHILD_CAPS;	/* the first did not start FIFO */
	rtk_info_get(&info);
	if (info.fifo)
		return CHILD_FIFO;
	if (!strstr(info.warning, "SCHED_FIFO"))
		return CHILD_WARN;
	if (atomic_load(&a.policy) != SCHED_OTHER ||
	    atomic_load(&b.policy) != SCHED_OTHER)
		return CHILD_POLICY;
	rtk_task_stats_get(ta, &st);
	if (st.fifo)
		return CHILD_STATS;
	rtk_stop();
	return CHILD_OK;
}

static void test_rtk_fallback_moves_started_tasks_back(void **state)
{
	int status;

	(void)state;
	if (geteuid() != 0)
		skip();
	assert_int_equal(run_child(fallback_midway_child, 0, &status), 0);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), CHILD_OK);
}

/* --- allocation guard ----------------------------------------------------- */

static void *volatile sink;
static _Atomic int alloc_runs;

static void alloc_fn(unsigned wake, void *arg)
{
	(void)wake;
	(void)arg;
	if (atomic_load(&alloc_runs) == 2) {
		sink = malloc(64);
		free(sink);
		sink = NULL;
	}
	atomic_fetch_add(&alloc_runs, 1);
}

static _Atomic int quiet_runs, quiet_timers;
static struct rtk_timer quiet_tm;

static void quiet_timer(void *arg)
{
	struct rtk_task *t = arg;

	if (atomic_fetch_add(&quiet_timers, 1) < 10)
		rtk_timer_start(t, &quiet_tm, RTK_MS(1));
}

static void quiet_fn(unsigned wake, void *arg)
{
	uint64_t x = wake;

	(void)arg;
	for (int i = 0; i < 100; i++)
		x = x * 6364136223846793005ull + 1;
	sink = (void *)(uintptr_t)(x & 1);
	atomic_fetch_add(&quiet_runs, 1);
}

static struct rtk_task *make_task(const char *name, rtk_task_h *fn,
				  uint64_t period)
{
	struct rtk_task_cfg tc = {
		.name = name, .prio = 5, .period_ns = period, .wake_fd = -1,
		.fn = fn,
	};
	struct rtk_task *t = NULL;

	rtk_task_create(&t, &tc);
	return t;
}

static void test_rtk_alloc_guard_counts_malloc_by_rt_task(void **state)
{
	struct rtk_cfg cfg = test_cfg();

	(void)state;
	atomic_store(&alloc_runs, 0);
	assert_int_equal(rtk_init(&cfg), 0);
	assert_non_null(make_task("alloc", alloc_fn, RTK_MS(1)));
	assert_int_equal(rtk_start(), 0);
	assert_true(wait_for(&alloc_runs, 5));
	assert_true(rtk_alloc_count() >= 1);
	rtk_stop();
	/* counting stops with the executive */
	assert_int_equal(rtk_init(&cfg), 0);
	assert_int_equal(rtk_start(), 0);
	assert_int_equal(rtk_alloc_count(), 0);	/* reset at start */
	rtk_stop();
}

static void test_rtk_alloc_guard_ignores_main_thread_and_quiet_tasks(
	void **state)
{
	struct rtk_cfg cfg = test_cfg();
	struct rtk_task *t;
	void *p;

	(void)state;
	atomic_store(&quiet_runs, 0);
	atomic_store(&quiet_timers, 0);
	assert_int_equal(rtk_init(&cfg), 0);
	assert_non_null(make_task("quiet", quiet_fn, RTK_MS(1)));
	t = make_task("timers", NULL, 0);
	assert_non_null(t);
	rtk_timer_init(&quiet_tm, quiet_timer, t);
	assert_int_equal(rtk_timer_start(t, &quiet_tm, RTK_MS(1)), 0);
	assert_int_equal(rtk_start(), 0);
	p = malloc(100);	/* the main thread is not an RT task */
	free(p);
	assert_true(wait_for(&quiet_runs, 50));
	assert_true(wait_for(&quiet_timers, 11));
	rtk_stop();
	assert_int_equal(rtk_alloc_count(), 0);
}

static int alloc_abort_child(rlim_t unused)
{
	struct rtk_cfg cfg = test_cfg();

	(void)unused;
	cfg.alloc_abort = true;
	cfg.no_rt = true;
	atomic_store(&alloc_runs, 0);
	if (rtk_init(&cfg))
		return 1;
	if (!make_task("alloc", alloc_fn, RTK_MS(1)))
		return 1;
	if (rtk_start())
		return 2;
	sleep(2);	/* the task aborts the process long before */
	rtk_stop();
	return 3;
}

static void test_rtk_alloc_abort_kills_process_with_sigabrt(void **state)
{
	int status, fds[2], saved;
	char buf[256];
	ssize_t n;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(fds[1], STDERR_FILENO);
	assert_int_equal(run_child(alloc_abort_child, 0, &status), 0);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(fds[1]);
	n = read(fds[0], buf, sizeof(buf) - 1);
	close(fds[0]);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	assert_non_null(strstr(buf, "allocation by an RT task"));
}

/* --- assertions ----------------------------------------------------------- */

static int assert_child(rlim_t long_expr)
{
	char expr[600];

	memset(expr, 'e', sizeof(expr) - 1);
	expr[sizeof(expr) - 1] = '\0';
	if (!long_expr)
		strcpy(expr, "x == 1");
	rtk_assert_fail(expr, "file.c", 42);
}

static void check_assert_child(rlim_t long_expr, const char *want)
{
	int status, fds[2], saved;
	char buf[1024];
	ssize_t n;

	assert_int_equal(pipe(fds), 0);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(fds[1], STDERR_FILENO);
	assert_int_equal(run_child(assert_child, long_expr, &status), 0);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(fds[1]);
	n = read(fds[0], buf, sizeof(buf) - 1);
	close(fds[0]);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	assert_non_null(strstr(buf, want));
}

static void test_rtk_assert_fail_aborts_with_message(void **state)
{
	(void)state;
	check_assert_child(0, "file.c:42: assertion failed: x == 1\n");
	/* a message longer than the buffer is cut, not read past its end */
	check_assert_child(1, "file.c:42: assertion failed: eeee");
}

/* the clocks the daemons share: milliseconds of the monotonic clock, and
 * wall-clock microseconds that agree with time() */
static void test_rtk_clocks(void **state)
{
	int64_t ms0 = rtk_now_ms(), ms1;
	uint64_t ns = rtk_now_ns();
	time_t t0 = time(NULL);
	int64_t wall = rtk_wall_us();
	time_t t1 = time(NULL);
	struct timespec pause = { 0, 20 * 1000 * 1000 };

	(void)state;
	assert_true((int64_t)(ns / 1000000u) >= ms0);
	assert_true((int64_t)(ns / 1000000u) - ms0 < 1000);
	assert_true(wall / 1000000 >= (int64_t)t0);
	assert_true(wall / 1000000 <= (int64_t)t1);
	nanosleep(&pause, NULL);
	ms1 = rtk_now_ms();
	assert_true(ms1 - ms0 >= 20);
	assert_true(ms1 - ms0 < 5000);
}

#define T(f) cmocka_unit_test_teardown(f, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_rtk_cpuset_parse_accepts_lists),
		T(test_rtk_cpuset_parse_rejects_bad_lists),
		T(test_rtk_info_before_start),
		T(test_rtk_start_as_root_runs_tasks_fifo),
		T(test_rtk_no_rt_runs_normal_without_privilege_warning),
		T(test_rtk_start_without_tasks_has_no_warning),
		T(test_rtk_init_or_start_when_started_is_ebusy),
		T(test_rtk_start_without_cap_sys_nice_falls_back),
		T(test_rtk_fallback_moves_started_tasks_back),
		T(test_rtk_alloc_guard_counts_malloc_by_rt_task),
		T(test_rtk_alloc_guard_ignores_main_thread_and_quiet_tasks),
		T(test_rtk_alloc_abort_kills_process_with_sigabrt),
		T(test_rtk_assert_fail_aborts_with_message),
		T(test_rtk_clocks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

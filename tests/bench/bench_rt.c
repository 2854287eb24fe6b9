// SPDX-License-Identifier: MIT
/** @file bench_rt.c  RT timing benchmark: wake-up lateness of a 1 ms task
 *
 * Two loops run side by side on the RT CPU (CPU 1), in the same process and
 * the same run, so that they see the same machine:
 *  - "fifo": a periodic task of the RT executive (rtos-kernel/task.h) at
 *    SCHED_FIFO priority RT_PRIO, period 1 ms, memory locked;
 *  - "other": the same absolute-deadline clock_nanosleep() loop in a plain
 *    SCHED_OTHER pthread pinned to the same CPU.
 * The other loop's releases fall half-way between the fifo task's, so that
 * neither wakes while the other runs (same-instant wake-ups would hand the
 * fifo task a head start it does not need). The other thread keeps the
 * default timer slack of a SCHED_OTHER thread (50 us; SCHED_FIFO threads get
 * none): that is part of what an ordinary thread gets, and shows in its p50.
 *
 * Lateness is the time a loop starts running minus the release it slept
 * until. Both loops record every sample into an array, and the percentiles
 * printed for both are exact (sorted samples, nearest rank), not the
 * executive's 6 %-resolution histogram. The fifo task's samples are taken in
 * its fn against its own copy of the release schedule (see loop_step());
 * they match what the executive measures within some tens of nanoseconds,
 * and its histogram's p99.9 is printed as a note for cross-checking.
 * "missed" counts releases that ended after their deadline (the next
 * release): the executive's own counter for fifo, the same rule for other.
 *
 * After the loops, under the same load, a thread at SCHED_FIFO priority
 * GONE_PRIO on the RT CPU reads the clock in a tight loop for the same time
 * (in slices of GONE_SLICE_NS, below the kernel's RT throttling): a gap
 * between two reads is time the CPU did something else. Nothing else of
 * this machine may run there at that priority, so a gap is an interrupt
 * (the 4 ms tick takes some tens of us) or, longer, the hypervisor running
 * something else on this virtual CPU: no RT design can do better than that.
 *   gone_max_us, gone_1ms (gaps of 1 ms or more), gone_pct (all gaps of
 *   GONE_MIN_NS or more, of the time measured)
 *
 * Phases (BENCH_RT_PHASES, default all, in this order):
 *   idle       nothing else started
 *   load       stress-ng --cpu 1 on CPU 0, the other CPU
 *   memload    stress-ng --vm 1 (memory and cache traffic) on CPU 0
 *   rtcpuload  stress-ng --cpu 1 on CPU 1 itself: the case SCHED_FIFO is for
 *   netload    stress-ng --cpu 1 and --sock 1 (TCP over loopback) on CPU 0:
 *              the Linux partition busy and moving data
 * Each phase measures for BENCH_SECONDS (default 10) after a warm-up of
 * WARMUP_NS. The load is started and ended by this program (by its PID). The
 * busy % of both CPUs over the phase, and the CPU time used by other
 * processes (neither this program nor its load), are printed so that the
 * load, or a disturbance from outside, shows in the figures.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rtos-kernel/hist.h"
#include "rtos-kernel/rtk.h"
#include "rtos-kernel/task.h"
#include "tests/bench/bench_out.h"

#define LOAD_CPU	0
#define PERIOD_NS	RTK_MS(1)
#define RT_PRIO		80
#define WARMUP_NS	RTK_MS(500)
#define LOAD_SETTLE_NS	RTK_MS(500)	/* stress-ng starts its workers */
#define GONE_PRIO	90
#define GONE_SLICE_NS	RTK_MS(500)
#define GONE_PAUSE_NS	RTK_MS(100)
#define GONE_MIN_NS	RTK_US(20)

struct phase {
	const char *name;
	const char *what;
	const char *const *load;	/* stress-ng arguments, or NULL */
};

static const char *const load_cpu0[] = { "--cpu", "1", "--taskset", "0",
					 NULL };
static const char *const load_mem0[] = { "--vm", "1", "--vm-bytes", "256M",
					 "--taskset", "0", NULL };
static const char *const load_cpu1[] = { "--cpu", "1", "--taskset", "1",
					 NULL };
static const char *const load_net0[] = { "--cpu", "1", "--sock", "1",
					 "--taskset", "0", NULL };

static const struct phase phases[] = {
	{ "idle", "nothing else started", NULL },
	{ "load", "stress-ng --cpu 1 on CPU 0", load_cpu0 },
	{ "memload", "stress-ng --vm 1 --vm-bytes 256M on CPU 0", load_mem0 },
	{ "rtcpuload", "stress-ng --cpu 1 on the RT CPU", load_cpu1 },
	{ "netload", "stress-ng --cpu 1 --sock 1 on CPU 0", load_net0 },
};

/* One periodic loop and its samples. */
struct loop {
	uint64_t release;	/* the release being waited for or run */
	uint64_t *lat;		/* lateness samples, ns */
	size_t n, cap;
	uint64_t missed, skipped;	/* while recording */
	uint64_t anchor;	/* fifo: its first release, set once */
	_Atomic bool anchored;	/* anchor is set */
	struct rtk_task_stats st;	/* scratch for the anchor */
};

static _Atomic bool recording;
static _Atomic bool other_stop;
static int rt_cpu = 1;
static volatile sig_atomic_t load_pid;	/* the running load, or 0 */

/* The part both loops share: record the lateness of this release, then move
 * on to the next release exactly as the executive does (task.c): a release
 * that ends after the next one counts as missed, and a loop that fell more
 * than a period behind skips to the first release in the future. */
static void loop_step(struct loop *l, uint64_t woke)
{
	bool rec = atomic_load_explicit(&recording, memory_order_relaxed);
	uint64_t end;

	if (rec && l->n < l->cap)
		l->lat[l->n++] = woke - l->release;
	end = rtk_now_ns();
	if (rec && end > l->release + PERIOD_NS)
		l->missed++;
	l->release += PERIOD_NS;
	if (l->release <= end) {
		uint64_t k = (end - l->release) / PERIOD_NS + 1;

		if (rec)
			l->skipped += k;
		l->release += k * PERIOD_NS;
	}
}

/* The fifo task's fn: called on each release. */
static void rt_fn(unsigned wake, void *arg)
{
	struct loop *l = arg;
	uint64_t now = rtk_now_ns();

	if (!(wake & RTK_WAKE_PERIOD))
		return;
	if (!atomic_load_explicit(&l->anchored, memory_order_relaxed)) {
		/* The executive's schedule starts at a time it keeps to
		 * itself; on the first run its lateness histogram holds one
		 * sample, the lateness of this release, which gives the
		 * release (the few ns between its clock read and ours are
		 * the same on every run and cancel out). */
		rtk_task_stats_get(rtk_task_self(), &l->st);
		l->release = now - l->st.lateness.sum;
		l->anchor = l->release;
		atomic_store_explicit(&l->anchored, true, memory_order_release);
	}
	loop_step(l, now);
}

/* The SCHED_OTHER loop: the same sleep as the executive's wait_until(). */
static void *other_main(void *arg)
{
	struct loop *l = arg;

	bench_pin_self(rt_cpu);
	while (!atomic_load_explicit(&other_stop, memory_order_relaxed)) {
		struct timespec ts = {
			.tv_sec = (time_t)(l->release / 1000000000ull),
			.tv_nsec = (long)(l->release % 1000000000ull),
		};

		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
				       NULL) == EINTR)
			;
		loop_step(l, rtk_now_ns());
	}
	return NULL;
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ns / 1000000000ull),
		.tv_nsec = (long)(ns % 1000000000ull),
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* --- the load ------------------------------------------------------------- */

/* Start stress-ng with @p args for at most @p secs (a safety net: it is
 * stopped by load_stop() long before). @return its pid, or -errno */
static pid_t load_start(const char *const *args, double secs)
{
	const char *argv[16];
	char timeout[32];
	pid_t parent = getpid(), pid;
	int n = 0;

	snprintf(timeout, sizeof(timeout), "%.0fs", secs + 30);
	argv[n++] = "stress-ng";
	argv[n++] = "--quiet";
	while (*args && n < 12)
		argv[n++] = *args++;
	argv[n++] = "--timeout";
	argv[n++] = timeout;
	argv[n] = NULL;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		int fd = open("/dev/null", O_WRONLY);

		/* end with us, whatever happens to us */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(1);
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	load_pid = pid;
	return pid;
}

/* Killed (a timeout, Ctrl-C): stop the load, and wait for it so that it is
 * not left behind as an orphan, then die of the same signal. */
static void on_fatal_signal(int sig)
{
	pid_t pid = (pid_t)load_pid;

	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

/* @return whether the load still runs (it did start) */
static bool load_alive(pid_t pid)
{
	int status;

	return waitpid(pid, &status, WNOHANG) == 0;
}

/* Stop the load by its pid: SIGTERM (stress-ng stops its workers), then
 * SIGKILL after 5 s. */
static void load_stop(pid_t pid)
{
	int status;

	kill(pid, SIGTERM);
	for (int i = 0; i < 500; i++) {
		if (waitpid(pid, &status, WNOHANG) != 0)
			goto out;
		sleep_ns(RTK_MS(10));
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
 out:
	load_pid = 0;
}

/* --- one phase ------------------------------------------------------------ */

static int loop_alloc(struct loop *l, size_t cap)
{
	memset(l, 0, sizeof(*l));
	l->lat = calloc(cap, sizeof(*l->lat));
	if (!l->lat)
		return -ENOMEM;
	/* fault the array in now, before the loops run */
	memset(l->lat, 0xff, cap * sizeof(*l->lat));
	l->cap = cap;
	return 0;
}

static double us(uint64_t ns)
{
	return (double)ns / 1000.0;
}

/* Print the figures of one loop; @return its exact p99.9 in ns */
static uint64_t loop_report(const char *ph, const char *kind, struct loop *l,
			    uint64_t missed)
{
	char area[48];
	uint64_t p999;

	snprintf(area, sizeof(area), "rt.%s.%s", ph, kind);
	bench_sort_u64(l->lat, l->n);
	p999 = bench_pct(l->lat, l->n, 99.9);
	bench_fig(area, "p50_us", us(bench_pct(l->lat, l->n, 50)), "us");
	bench_fig(area, "p99_us", us(bench_pct(l->lat, l->n, 99)), "us");
	bench_fig(area, "p999_us", us(p999), "us");
	bench_fig(area, "max_us", us(l->n ? l->lat[l->n - 1] : 0), "us");
	bench_fig(area, "missed", (double)missed, "count");
	return p999;
}

/* what the spinning thread saw */
struct gone {
	uint64_t max, over_1ms, total, measured;	/* ns, count, ns, ns */
	int err;		/* 0, or why it did not run */
};

struct phase_run {
	const struct phase *ph;
	double secs;
	struct loop fifo, other;
	struct rtk_task *task;
	struct rtk_task_stats st;
	struct rtk_info info;
	struct bench_cpu c0, c1;
	struct gone gone;
	pid_t load;		/* stress-ng, or 0 */
	uint64_t load_ticks;	/* CPU it used while measuring */
};

/* The spinning thread: clock reads for the measuring time, in slices. */
static void *gone_main(void *arg)
{
	struct phase_run *r = arg;
	struct gone *g = &r->gone;
	struct sched_param sp = { .sched_priority = GONE_PRIO };
	uint64_t left = (uint64_t)(r->secs * 1e9);

	bench_pin_self(rt_cpu);
	if (pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp)) {
		g->err = EPERM;
		return NULL;
	}
	while (left) {
		uint64_t slice = left < GONE_SLICE_NS ? left : GONE_SLICE_NS;
		uint64_t t0 = rtk_now_ns(), prev = t0, t;

		while ((t = rtk_now_ns()) - t0 < slice) {
			uint64_t gap = t - prev;

			prev = t;
			if (gap < GONE_MIN_NS)
				continue;
			g->total += gap;
			g->over_1ms += gap >= RTK_MS(1);
			if (gap > g->max)
				g->max = gap;
		}
		g->measured += t - t0;
		left -= slice;
		sleep_ns(GONE_PAUSE_NS);
	}
	return NULL;
}

/* Run the spinning thread for the measuring time. */
static void measure_gone(struct phase_run *r)
{
	pthread_t t;

	r->gone.err = pthread_create(&t, NULL, gone_main, r);
	if (!r->gone.err)
		pthread_join(t, NULL);
}

/* Run both loops for the measuring time. @return 0 or -errno */
static int measure(struct phase_run *r)
{
	/* BENCH_RT_POLL=1: the CPU polls when idle, as rtpart's with [rt]
	 * poll_idle; the other thread shares the CPU and its idle state */
	const char *poll = getenv("BENCH_RT_POLL");
	struct rtk_cfg cfg = { .lock_memory = true,
			       .poll_idle = poll && !strcmp(poll, "1") };
	struct rtk_task_cfg tc = {
		.name = "bench-1ms", .prio = RT_PRIO, .period_ns = PERIOD_NS,
		.wake_fd = -1, .fn = rt_fn, .arg = &r->fifo,
	};
	uint64_t now, k, give_up;
	pthread_t other;
	int err;

	CPU_SET(rt_cpu, &cfg.cpus);
	err = rtk_init(&cfg);
	if (!err)
		err = rtk_task_create(&r->task, &tc);
	if (!err)
		err = rtk_start();
	if (err)
		return err;
	rtk_info_get(&r->info);
	give_up = rtk_now_ns() + RTK_S(2);
	while (!atomic_load_explicit(&r->fifo.anchored, memory_order_acquire)) {
		if (rtk_now_ns() > give_up) {
			rtk_stop();
			return -ETIMEDOUT;
		}
		sleep_ns(RTK_MS(1));
	}
	/* the other loop's schedule: half-way between the fifo task's */
	now = rtk_now_ns() + RTK_MS(2);
	k = (now - r->fifo.anchor) / PERIOD_NS + 1;
	r->other.release = r->fifo.anchor + k * PERIOD_NS + PERIOD_NS / 2;
	atomic_store(&other_stop, false);
	err = pthread_create(&other, NULL, other_main, &r->other);
	if (err) {
		rtk_stop();
		return -err;
	}
	sleep_ns(WARMUP_NS);
	rtk_task_stats_reset(r->task);
	if (r->load > 0)
		r->load_ticks = bench_proc_tree_ticks(r->load);
	bench_cpu_snap(&r->c0);
	atomic_store(&recording, true);
	sleep_ns((uint64_t)(r->secs * 1e9));
	atomic_store(&recording, false);
	rtk_task_stats_get(r->task, &r->st);
	bench_cpu_snap(&r->c1);
	if (r->load > 0)
		r->load_ticks = bench_proc_tree_ticks(r->load) - r->load_ticks;
	atomic_store(&other_stop, true);
	pthread_join(other, NULL);
	rtk_stop();
	return 0;
}

static void phase_report(struct phase_run *r)
{
	const char *name = r->ph->name;
	uint64_t fifo999, other999;
	char area[48];

	if (!r->info.fifo)
		bench_note("%s: the RT task did NOT run SCHED_FIFO (%s): "
			   "'fifo' figures are from a normal thread", name,
			   r->info.warning);
	bench_note("%s: %s; %zu fifo and %zu other samples of %.1f s", name,
		   r->ph->what, r->fifo.n, r->other.n, r->secs);
	bench_note("%s: executive's own histogram (6 %% buckets): fifo p50 "
		   "%.1f us, p99.9 %.1f us, max %.1f us, %llu runs, %llu "
		   "skipped", name, us(rtk_hist_pct(&r->st.lateness, 50)),
		   us(rtk_hist_pct(&r->st.lateness, 99.9)),
		   us(r->st.lateness.max), (unsigned long long)r->st.runs,
		   (unsigned long long)r->st.skipped);
	if (r->st.skipped != r->fifo.skipped)
		bench_note("%s: fifo samples may be off by a period: the "
			   "executive skipped %llu releases, the fn counted "
			   "%llu", name, (unsigned long long)r->st.skipped,
			   (unsigned long long)r->fifo.skipped);
	fifo999 = loop_report(name, "fifo", &r->fifo, r->st.missed);
	other999 = loop_report(name, "other", &r->other, r->other.missed);
	snprintf(area, sizeof(area), "rt.%s", name);
	/* same run, same machine: the ratio is the comparable figure */
	if (fifo999)
		bench_fig(area, "p999_other_over_fifo",
			  (double)other999 / (double)fifo999, "x");
	bench_fig(area, "cpu0_busy", bench_cpu_busy_pct(&r->c0, &r->c1, 0),
		  "%");
	bench_fig(area, "cpu1_busy", bench_cpu_busy_pct(&r->c0, &r->c1, 1),
		  "%");
	/* neither this program nor its load: should be about 0 */
	bench_fig(area, "others_cpu",
		  bench_cpu_others_pct(&r->c0, &r->c1, r->load_ticks), "%");
	if (r->gone.err || !r->gone.measured) {
		bench_note("%s: the CPU's absences not measured: %s", name,
			   strerror(r->gone.err ? r->gone.err : EAGAIN));
		return;
	}
	bench_fig(area, "gone_max_us", us(r->gone.max), "us");
	bench_fig(area, "gone_1ms", (double)r->gone.over_1ms, "count");
	bench_fig(area, "gone_pct", 100.0 * (double)r->gone.total /
		  (double)r->gone.measured, "%");
}

/* @return 0, or -errno when the phase could not run */
static int run_phase(const struct phase *ph, double secs)
{
	size_t cap = (size_t)(secs * 1e9 / PERIOD_NS) + 1000;
	struct phase_run *r;
	int err;

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->ph = ph;
	r->secs = secs;
	err = loop_alloc(&r->fifo, cap);
	if (!err)
		err = loop_alloc(&r->other, cap);
	if (err)
		goto out_free;
	if (ph->load) {
		r->load = load_start(ph->load, 2 * secs);	/* loops, spin */
		if (r->load < 0) {
			err = r->load;
			goto out_free;
		}
		sleep_ns(LOAD_SETTLE_NS);
		if (!load_alive(r->load)) {
			bench_note("%s: stress-ng did not start (is it "
				   "installed?): phase skipped", ph->name);
			err = -ENOENT;
			goto out_free;
		}
	}
	err = measure(r);
	if (!err)
		measure_gone(r);
	if (r->load > 0)
		load_stop(r->load);
	if (err)
		fprintf(stderr, "bench_rt: %s: %s\n", ph->name, strerror(-err));
	else
		phase_report(r);

 out_free:
	free(r->fifo.lat);
	free(r->other.lat);
	free(r);
	fflush(stdout);
	return err;
}

static bool wanted(const char *name)
{
	const char *list = getenv("BENCH_RT_PHASES");
	size_t len = strlen(name);

	if (!list || !*list)
		return true;
	for (const char *p = list; (p = strstr(p, name)); p += len)
		if ((p == list || p[-1] == ' ' || p[-1] == ',') &&
		    (!p[len] || p[len] == ' ' || p[len] == ','))
			return true;
	return false;
}

int main(void)
{
	double secs = bench_seconds(10);
	int rc = 0;

	signal(SIGTERM, on_fatal_signal);
	signal(SIGINT, on_fatal_signal);
	signal(SIGHUP, on_fatal_signal);

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		bench_note("only one CPU: the loops and the load share CPU 0");
		rt_cpu = 0;
	}
	bench_note("rt: 1 ms period on CPU %d, fifo at priority %d beside a "
		   "SCHED_OTHER thread; load on CPU %d", rt_cpu, RT_PRIO,
		   LOAD_CPU);
	for (size_t i = 0; i < sizeof(phases) / sizeof(phases[0]); i++) {
		if (!wanted(phases[i].name))
			continue;
		if (run_phase(&phases[i], secs))
			rc = 1;
	}
	return rc;
}

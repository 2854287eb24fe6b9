/* SPDX-License-Identifier: MIT */
/** @file bench_out.h  Output and small helpers shared by the benchmarks
 *
 * Header-only (every tests/bench/bench_*.c is a program of its own, linked
 * against libgw only). A benchmark prints each figure on a line of its own,
 *
 *   bench.<area>.<name>: <value> <unit>
 *
 * which tests/bench/run-all collects into build/bench/results.json. Any other
 * line a benchmark prints starts with "# " and is for the reader only.
 * Benchmarks print figures; they never judge them (no exit status for a slow
 * figure): a non-zero exit means the benchmark itself could not run.
 *
 * bench_cpu_snap() tells how busy each CPU was and how much of it went to
 * other processes, so that a run disturbed by something else on the machine
 * shows in its own figures.
 *
 * Environment read here:
 *   BENCH_SECONDS  length of one measuring phase, in seconds (default: the
 *                  benchmark's own, usually 10); a short value gives a quick,
 *                  rougher run.
 */
#ifndef BENCH_OUT_H
#define BENCH_OUT_H

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

/** Print one figure as "bench.<area>.<name>: <value> <unit>". The value gets
 *  as many decimals as its size calls for, and is always a JSON number. */
static inline void bench_fig(const char *area, const char *name, double value,
			     const char *unit)
{
	double a = fabs(value);
	int prec;

	if (!isfinite(value)) {
		printf("# bench.%s.%s: no value\n", area, name);
		return;
	}
	if (a >= 100 || value == floor(value))
		prec = 0;
	else if (a >= 10)
		prec = 1;
	else if (a >= 0.1)
		prec = 2;
	else
		prec = 4;
	printf("bench.%s.%s: %.*f %s\n", area, name, prec, value, unit);
}

/** Print a line for the reader ("# ..."), not a figure. */
static inline void bench_note(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static inline void bench_note(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}

/** Length of one measuring phase: BENCH_SECONDS, or @p def when unset or
 *  not a positive number. */
static inline double bench_seconds(double def)
{
	const char *s = getenv("BENCH_SECONDS");
	char *end;
	double v;

	if (!s || !*s)
		return def;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !(v > 0) || v > 86400) {
		bench_note("BENCH_SECONDS=\"%s\" is not a number of seconds, "
			   "using %g", s, def);
		return def;
	}
	return v;
}

static inline int bench_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/** Sort @p n samples in place (for bench_pct()). */
static inline void bench_sort_u64(uint64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), bench_cmp_u64);
}

/** Exact percentile @p pct (0..100) of @p n sorted samples, by nearest rank:
 *  the smallest sample with at least pct % of the samples at or below it.
 *  0 when there are none. */
static inline uint64_t bench_pct(const uint64_t *sorted, size_t n, double pct)
{
	double r = ceil(pct / 100.0 * (double)n);
	size_t rank = r < 1 ? 1 : (size_t)r;

	if (!n)
		return 0;
	return sorted[(rank > n ? n : rank) - 1];
}

/** Pin the calling thread to CPU @p cpu. @return 0 or a positive errno */
static inline int bench_pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

#define BENCH_MAX_CPUS	64

/** CPU time counters at one instant (/proc/stat and /proc/self/stat). */
struct bench_cpu {
	int ncpu;
	uint64_t busy[BENCH_MAX_CPUS];	/**< ticks not idle (steal counts) */
	uint64_t total[BENCH_MAX_CPUS];
	uint64_t self;			/**< ticks used by this process */
	uint64_t ns;			/**< monotonic time of the snapshot */
};

/** Take a snapshot of the CPU counters. @return 0 or -errno */
static inline int bench_cpu_snap(struct bench_cpu *c)
{
	unsigned long long v[10];
	unsigned long ut = 0, st = 0;
	char line[512], *p;
	struct timespec ts;
	FILE *f;
	int cpu;

	memset(c, 0, sizeof(*c));
	f = fopen("/proc/stat", "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		memset(v, 0, sizeof(v));
		/* user nice system idle iowait irq softirq steal guest gnice */
		if (sscanf(line, "cpu%d %llu %llu %llu %llu %llu %llu %llu %llu",
			   &cpu, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
			   &v[6], &v[7]) < 5 || cpu < 0 || cpu >= BENCH_MAX_CPUS)
			continue;
		c->busy[cpu] = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
		c->total[cpu] = c->busy[cpu] + v[3] + v[4];
		if (cpu + 1 > c->ncpu)
			c->ncpu = cpu + 1;
	}
	fclose(f);
	f = fopen("/proc/self/stat", "r");
	if (f) {
		if (fgets(line, sizeof(line), f) && (p = strrchr(line, ')')) &&
		    sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
			   "%lu %lu", &ut, &st) == 2)
			c->self = ut + st;
		fclose(f);
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	c->ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	return 0;
}

/** How busy CPU @p cpu was between two snapshots, in % (-1: unknown). */
static inline double bench_cpu_busy_pct(const struct bench_cpu *a,
					const struct bench_cpu *b, int cpu)
{
	uint64_t dt;

	if (cpu < 0 || cpu >= a->ncpu || cpu >= b->ncpu)
		return -1;
	dt = b->total[cpu] - a->total[cpu];
	return dt ? 100.0 * (double)(b->busy[cpu] - a->busy[cpu]) /
		    (double)dt : -1;
}

/* utime + stime of /proc/<pid>/stat, and its parent; false when gone */
static inline bool bench_proc_ticks(const char *pid, uint64_t *ticks,
				    long *ppid)
{
	char path[300], line[512], *p;
	unsigned long ut, st;
	bool ok = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (fgets(line, sizeof(line), f) && (p = strrchr(line, ')')) &&
	    sscanf(p + 1, " %*c %ld %*d %*d %*d %*d %*u %*u %*u %*u %*u "
		   "%lu %lu", ppid, &ut, &st) == 3) {
		*ticks = ut + st;
		ok = true;
	}
	fclose(f);
	return ok;
}

#define BENCH_MAX_PROCS	4096

/** CPU ticks used so far by process @p pid and all its descendants (a load
 *  generator and its workers), for bench_cpu_others_pct(). */
static inline uint64_t bench_proc_tree_ticks(pid_t pid)
{
	static long id[BENCH_MAX_PROCS], parent[BENCH_MAX_PROCS];
	static uint64_t ticks[BENCH_MAX_PROCS];
	static bool in[BENCH_MAX_PROCS];
	uint64_t sum = 0;
	struct dirent *d;
	size_t n = 0;
	bool grew;
	DIR *dir;

	dir = opendir("/proc");
	if (!dir)
		return 0;
	while ((d = readdir(dir)) && n < BENCH_MAX_PROCS) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9' ||
		    !bench_proc_ticks(d->d_name, &ticks[n], &parent[n]))
			continue;
		id[n] = strtol(d->d_name, NULL, 10);
		in[n] = id[n] == (long)pid;
		n++;
	}
	closedir(dir);
	/* mark descendants until nothing changes (trees are shallow) */
	do {
		grew = false;
		for (size_t i = 0; i < n; i++) {
			if (in[i])
				continue;
			for (size_t j = 0; j < n; j++) {
				if (in[j] && parent[i] == id[j]) {
					in[i] = grew = true;
					break;
				}
			}
		}
	} while (grew);
	for (size_t i = 0; i < n; i++)
		if (in[i])
			sum += ticks[i];
	return sum;
}

/** CPU time used by everything but this process between two snapshots, in
 *  % of one CPU, leaving out also @p known ticks (a load started on purpose,
 *  see bench_proc_tree_ticks()). Children of this process count once they
 *  have been waited for. */
static inline double bench_cpu_others_pct(const struct bench_cpu *a,
					  const struct bench_cpu *b,
					  uint64_t known)
{
	uint64_t busy = 0, mine = b->self - a->self + known;
	double s = (double)(b->ns - a->ns) / 1e9;
	long hz = sysconf(_SC_CLK_TCK);

	for (int i = 0; i < a->ncpu && i < b->ncpu; i++)
		busy += b->busy[i] - a->busy[i];
	busy = busy > mine ? busy - mine : 0;
	if (hz <= 0 || s <= 0)
		return -1;
	return 100.0 * (double)busy / (double)hz / s;
}

#endif /* BENCH_OUT_H */

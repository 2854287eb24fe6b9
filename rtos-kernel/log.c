// SPDX-License-Identifier: MIT
/** @file log.c  Direct and queued (RT-safe) logging */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "rtos-kernel/log.h"
#include "rtos-kernel/mq.h"

#define MAX_OVERRIDES 16
#define QUEUE_RECORDS 512
#define DRAIN_PERIOD_NS 20000000L

struct log_rec {
	struct timespec ts;
	uint8_t level;
	char module[15];
	char msg[LOG_RECORD_MSG];
};

static struct {
	_Atomic int level;
	struct {
		char module[16];
		_Atomic int level;
	} ovr[MAX_OVERRIDES];
	_Atomic int novr;
	char prefix[32];
	struct rtk_mq *q;
	_Atomic bool queued;
	_Atomic bool stop;
	pthread_t drain;
	_Atomic uint64_t written;
	_Atomic uint64_t dropped;
} lg = { .level = LOG_LEVEL_INFO };

static const char *const names[] = { "err", "warn", "info", "debug" };

/** Name of a level ("err", "warn", "info", "debug"). */
const char *log_level_name(enum log_level lvl)
{
	return (unsigned)lvl < 4 ? names[lvl] : "?";
}

/** Parse a level name. @return 0 or -EINVAL */
int log_level_parse(const char *s, enum log_level *lvl)
{
	if (!s || !lvl)
		return -EINVAL;
	for (int i = 0; i < 4; i++) {
		if (!strcasecmp(s, names[i])) {
			*lvl = i;
			return 0;
		}
	}
	return -EINVAL;
}

/** Set the level of @p module, or the default level when @p module is NULL.
 *  Context: init. @return 0, -EINVAL, or -ENOSPC (too many overrides) */
int log_level_set(const char *module, enum log_level lvl)
{
	int i, n = atomic_load(&lg.novr);

	if ((unsigned)lvl > LOG_LEVEL_DBG)
		return -EINVAL;
	if (!module) {
		atomic_store(&lg.level, lvl);
		return 0;
	}
	for (i = 0; i < n; i++) {
		if (!strcmp(lg.ovr[i].module, module)) {
			atomic_store(&lg.ovr[i].level, lvl);
			return 0;
		}
	}
	if (strlen(module) >= sizeof(lg.ovr[0].module))
		return -EINVAL;
	if (n == MAX_OVERRIDES)
		return -ENOSPC;
	strcpy(lg.ovr[n].module, module);
	atomic_store(&lg.ovr[n].level, lvl);
	atomic_store(&lg.novr, n + 1);
	return 0;
}

/** Whether a line of @p lvl from @p module would be written. Context: any. */
bool log_enabled(enum log_level lvl, const char *module)
{
	int i, n = atomic_load_explicit(&lg.novr, memory_order_acquire);

	for (i = 0; i < n; i++)
		if (!strcmp(lg.ovr[i].module, module))
			return (int)lvl <= atomic_load_explicit(
				&lg.ovr[i].level, memory_order_relaxed);
	return (int)lvl <= atomic_load_explicit(&lg.level,
						memory_order_relaxed);
}

/** Name put at the start of every line (the program). Context: init. */
void log_prefix_set(const char *prefix)
{
	snprintf(lg.prefix, sizeof(lg.prefix), "%s", prefix);
}

static void emit(const struct log_rec *r)
{
	char line[LOG_RECORD_MSG + 96];
	struct tm tm;
	int n;

	localtime_r(&r->ts.tv_sec, &tm);
	n = snprintf(line, sizeof(line), "%02d:%02d:%02d.%03ld %s%s%s %s: %s\n",
		     tm.tm_hour, tm.tm_min, tm.tm_sec, r->ts.tv_nsec / 1000000,
		     lg.prefix, lg.prefix[0] ? " " : "",
		     log_level_name(r->level), r->module, r->msg);
	if (n > (int)sizeof(line) - 1)
		n = sizeof(line) - 1;
	if (write(STDERR_FILENO, line, n) == n)
		atomic_fetch_add_explicit(&lg.written, 1, memory_order_relaxed);
}

/** Write a line (see log.h for the two modes). Context: any; in queued mode
 *  never blocks and never allocates. */
void log_vmsg(enum log_level lvl, const char *module, const char *fmt,
	      va_list ap)
{
	struct log_rec r;

	clock_gettime(CLOCK_REALTIME, &r.ts);
	r.level = lvl;
	snprintf(r.module, sizeof(r.module), "%s", module);
	vsnprintf(r.msg, sizeof(r.msg), fmt, ap);
	if (!atomic_load_explicit(&lg.queued, memory_order_acquire)) {
		emit(&r);
		return;
	}
	if (rtk_mq_push(lg.q, &r))
		atomic_fetch_add_explicit(&lg.dropped, 1, memory_order_relaxed);
}

void log_msg(enum log_level lvl, const char *module, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(lvl, module, fmt, ap);
	va_end(ap);
}

static void drain_all(void)
{
	struct log_rec r;

	while (!rtk_mq_pop(lg.q, &r))
		emit(&r);
}

static void *drain_main(void *arg)
{
	const struct timespec period = { 0, DRAIN_PERIOD_NS };

	(void)arg;
	while (!atomic_load(&lg.stop)) {
		drain_all();
		nanosleep(&period, NULL);
	}
	drain_all();
	return NULL;
}

/** Switch to queued mode: lines go through a lock-free ring drained by a
 *  thread of ordinary priority. Context: init, before RT tasks start.
 *  @return 0, or a negative errno (the mode stays direct) */
int log_queue_start(void)
{
	int err;

	if (atomic_load(&lg.queued))
		return 0;
	if (!lg.q) {
		err = rtk_mq_create(&lg.q, RTK_MQ_MPSC, sizeof(struct log_rec),
				    QUEUE_RECORDS);
		if (err)
			return err;
	}
	atomic_store(&lg.stop, false);
	err = -pthread_create(&lg.drain, NULL, drain_main, NULL);
	if (err)
		return err;
	pthread_setname_np(lg.drain, "log-drain");
	atomic_store(&lg.queued, true);
	return 0;
}

/** Write out what is queued and return to direct mode. Context: shutdown. */
void log_queue_stop(void)
{
	if (!atomic_load(&lg.queued))
		return;
	atomic_store(&lg.queued, false);
	atomic_store(&lg.stop, true);
	pthread_join(lg.drain, NULL);
	drain_all();
}

/** Lines written and dropped so far. Context: any. */
void log_stats_get(struct log_stats *st)
{
	st->written = atomic_load(&lg.written);
	st->dropped = atomic_load(&lg.dropped);
}

// SPDX-License-Identifier: MIT
/** @file recsync.c  Call records made to survive a power loss, in the
 *  background (recsync.h) */
#define LOG_MODULE "recsync"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "rtos-kernel/log.h"
#include "signalling/recsync.h"

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	bool running, stop, pending;
	int dirfd;
	struct recsync_stats st;
} rs = {
	.mu = PTHREAD_MUTEX_INITIALIZER,
	.cv = PTHREAD_COND_INITIALIZER,
	.dirfd = -1,
};

static void *syncer(void *arg)
{
	bool stop = false;
	int err;

	(void)arg;
	pthread_mutex_lock(&rs.mu);
	while (!stop) {
		while (!rs.pending && !rs.stop)
			pthread_cond_wait(&rs.cv, &rs.mu);
		stop = rs.stop;
		if (!rs.pending)
			continue;
		rs.pending = false;	/* kicks from now on: the next sync */
		pthread_mutex_unlock(&rs.mu);
		err = syncfs(rs.dirfd) ? -errno : 0;
		pthread_mutex_lock(&rs.mu);
		rs.st.syncs++;
		if (err) {
			rs.st.failed++;
			LOG_ERR("call records not flushed to the disk: %s",
				strerror(-err));
		}
	}
	pthread_mutex_unlock(&rs.mu);
	return NULL;
}

/** Start the thread that flushes the file system of @p dir.
 *  @return 0, -EALREADY, or a negative errno (cannot open @p dir, no
 *  thread) */
int recsync_start(const char *dir)
{
	int err;

	if (rs.running)
		return -EALREADY;
	rs.dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rs.dirfd < 0)
		return -errno;
	rs.stop = rs.pending = false;
	memset(&rs.st, 0, sizeof(rs.st));
	err = -pthread_create(&rs.thread, NULL, syncer, NULL);
	if (err) {
		close(rs.dirfd);
		rs.dirfd = -1;
		return err;
	}
	rs.running = true;
	return 0;
}

/** A record was written: flush it soon. Never waits for the disk. */
void recsync_kick(void)
{
	pthread_mutex_lock(&rs.mu);
	rs.st.kicks++;
	rs.pending = true;
	pthread_cond_signal(&rs.cv);
	pthread_mutex_unlock(&rs.mu);
}

/** Flush what was kicked, then end the thread (nothing when not started). */
void recsync_stop(void)
{
	if (!rs.running)
		return;
	pthread_mutex_lock(&rs.mu);
	rs.stop = true;
	pthread_cond_signal(&rs.cv);
	pthread_mutex_unlock(&rs.mu);
	pthread_join(rs.thread, NULL);
	close(rs.dirfd);
	rs.dirfd = -1;
	rs.running = false;
}

/** Counters since recsync_start(). */
void recsync_stats_get(struct recsync_stats *st)
{
	pthread_mutex_lock(&rs.mu);
	*st = rs.st;
	pthread_mutex_unlock(&rs.mu);
}

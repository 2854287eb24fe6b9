// SPDX-License-Identifier: MIT
/** @file rtstat.c  The RT status page: seqlock writer and reader */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "sharednet/rtstat.h"

#define READ_TRIES 1000

/** Open an update of @p page: readers retry until rtstat_end(). The writer
 *  then fills the fields and calls rtstat_counter_set() for each counter.
 *  Context: the page's one writer (an RT task); never blocks. */
void rtstat_begin(struct rtstat *page)
{
	uint32_t s = atomic_load_explicit(&page->seq, memory_order_relaxed);

	atomic_store_explicit(&page->seq, s | 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	page->version = RTSTAT_VERSION;
	page->ncounters = 0;
}

/** Close the update opened by rtstat_begin(). */
void rtstat_end(struct rtstat *page)
{
	uint32_t s = atomic_load_explicit(&page->seq, memory_order_relaxed);

	atomic_store_explicit(&page->seq, (s | 1) + 1, memory_order_release);
}

/** Append a counter to the page being written.
 *  @return 0, or -ENOSPC when the page holds RTSTAT_MAX_COUNTERS already */
int rtstat_counter_set(struct rtstat *page, const char *name, uint64_t value)
{
	struct rtstat_counter *c;

	if (page->ncounters >= RTSTAT_MAX_COUNTERS)
		return -ENOSPC;
	c = &page->counter[page->ncounters++];
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->value = value;
	return 0;
}

/* the page as it is now, of its channel table only the rows in use */
static void copy(struct rtstat *out, const struct rtstat *page)
{
	const size_t head = offsetof(struct rtstat, chan);
	const size_t tail = offsetof(struct rtstat, task);
	uint32_t n;

	memcpy(out, (const void *)page, head);
	n = out->nchans < RTSTAT_MAX_CHANS ? out->nchans : RTSTAT_MAX_CHANS;
	memcpy(out->chan, (const void *)page->chan, n * sizeof(out->chan[0]));
	memcpy((char *)out + tail, (const char *)page + tail,
	       sizeof(*out) - tail);
}

/** Copy a consistent snapshot of @p page into @p out. Context: a Linux
 *  reader; the page is another process's and may be rewritten meanwhile.
 *  @return 0; -EAGAIN when no consistent copy could be taken (the writer
 *  died mid-update or is too busy); -EPROTO when the page is of another
 *  version or was never written */
int rtstat_read(const struct rtstat *page, struct rtstat *out)
{
	for (int i = 0; i < READ_TRIES; i++) {
		uint32_t s1 = atomic_load_explicit(&page->seq,
						   memory_order_acquire), s2;

		if (s1 & 1)
			continue;
		copy(out, page);
		atomic_thread_fence(memory_order_acquire);
		s2 = atomic_load_explicit(&page->seq, memory_order_relaxed);
		if (s1 != s2)
			continue;
		if (!s1 || out->version != RTSTAT_VERSION)
			return -EPROTO;
		/* the writer is another program: never trust its counts */
		if (out->ntasks > RTSTAT_MAX_TASKS)
			out->ntasks = RTSTAT_MAX_TASKS;
		if (out->ncounters > RTSTAT_MAX_COUNTERS)
			out->ncounters = RTSTAT_MAX_COUNTERS;
		if (out->nchans > RTSTAT_MAX_CHANS)
			out->nchans = RTSTAT_MAX_CHANS;
		out->warning[sizeof(out->warning) - 1] = '\0';
		for (uint32_t t = 0; t < out->ntasks; t++)
			out->task[t].name[sizeof(out->task[t].name) - 1] = 0;
		for (uint32_t c = 0; c < out->ncounters; c++)
			out->counter[c].name[RTSTAT_NAME - 1] = '\0';
		return 0;
	}
	return -EAGAIN;
}

/** The counter called @p name in a snapshot, or NULL. */
const struct rtstat_counter *rtstat_counter_find(const struct rtstat *s,
						 const char *name)
{
	for (uint32_t i = 0; i < s->ncounters; i++)
		if (!strcmp(s->counter[i].name, name))
			return &s->counter[i];
	return NULL;
}

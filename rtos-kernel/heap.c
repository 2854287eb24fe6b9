// SPDX-License-Identifier: MIT
/** @file heap.c  The RT heap: size-class pools */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "rtos-kernel/heap.h"

static struct {
	struct rtk_pool *pool[RTK_HEAP_CLASSES];
	_Atomic bool ready;
	_Atomic uint64_t too_big;
} heap;

static size_t class_size(unsigned c)
{
	return (size_t)RTK_HEAP_MIN << c;
}

static int class_of(size_t size)
{
	for (unsigned c = 0; c < RTK_HEAP_CLASSES; c++)
		if (size <= class_size(c))
			return (int)c;
	return -1;
}

/** Create the heap: @p bytes split evenly between the size classes (each
 *  gets at least one block), and the blocks of each of the @p n_extra
 *  entries of @p extra (may be NULL; an entry of size 0 is none) in its
 *  class. Context: init, before rtk_start().
 *  @return 0, -EBUSY (already made), -EINVAL (an extra's size is above
 *  RTK_HEAP_MAX) or -ENOMEM */
int rtk_heap_init(size_t bytes, const struct rtk_heap_extra *extra,
		  size_t n_extra)
{
	size_t more[RTK_HEAP_CLASSES] = { 0 };

	if (atomic_load(&heap.ready))
		return -EBUSY;
	for (size_t i = 0; extra && i < n_extra; i++) {
		int xc = class_of(extra[i].size);

		if (!extra[i].size)
			continue;
		if (xc < 0)
			return -EINVAL;
		more[xc] += extra[i].blocks;
	}
	atomic_store(&heap.too_big, 0);
	for (unsigned c = 0; c < RTK_HEAP_CLASSES; c++) {
		size_t n = bytes / RTK_HEAP_CLASSES / class_size(c) + more[c];
		char name[24];
		int err;

		snprintf(name, sizeof(name), "rtheap-%zu", class_size(c));
		err = rtk_pool_create(&heap.pool[c], name, class_size(c),
				      n ? n : 1);
		if (err) {
			rtk_heap_fini();
			return err;
		}
	}
	atomic_store(&heap.ready, true);
	return 0;
}

/** Free the heap (its blocks must all be back). Context: shutdown. */
void rtk_heap_fini(void)
{
	atomic_store(&heap.ready, false);
	for (unsigned c = 0; c < RTK_HEAP_CLASSES; c++)
		heap.pool[c] = rtk_pool_destroy(heap.pool[c]);
}

/** Whether rtk_heap_init() has run. */
bool rtk_heap_ready(void)
{
	return atomic_load_explicit(&heap.ready, memory_order_acquire);
}

/** Free blocks now in the class that serves @p size (0 when there is no
 *  heap or no such class). Context: any. */
size_t rtk_heap_free_blocks(size_t size)
{
	struct rtk_pool_stats st;
	int c = class_of(size ? size : 1);

	if (c < 0 || !rtk_heap_ready())
		return 0;
	rtk_pool_stats_get(heap.pool[c], &st);
	return st.free;
}

/** A block of at least @p size bytes, 64-byte aligned. Context: any;
 *  lock-free. @return NULL when the class is exhausted or @p size is above
 *  RTK_HEAP_MAX (both counted) */
void *rtk_heap_alloc(size_t size)
{
	int c = class_of(size ? size : 1);

	if (c < 0) {
		atomic_fetch_add_explicit(&heap.too_big, 1,
					  memory_order_relaxed);
		return NULL;
	}
	return rtk_pool_get(heap.pool[c]);
}

static int owner(const void *p)
{
	if (!atomic_load_explicit(&heap.ready, memory_order_acquire))
		return -1;
	for (unsigned c = 0; c < RTK_HEAP_CLASSES; c++)
		if (rtk_pool_owns(heap.pool[c], p))
			return (int)c;
	return -1;
}

/** Whether @p p is a block of the RT heap. Context: any. */
bool rtk_heap_owns(const void *p)
{
	return p && owner(p) >= 0;
}

/** Usable bytes of the heap block @p p (0 when not the heap's). */
size_t rtk_heap_block_size(const void *p)
{
	int c = owner(p);

	return c < 0 ? 0 : class_size((unsigned)c);
}

/** Give back a block of the heap. Context: any thread; lock-free. */
void rtk_heap_free(void *p)
{
	int c = owner(p);

	if (c >= 0)
		rtk_pool_put(heap.pool[c], p);
}

/** Use of every size class. Context: any. */
void rtk_heap_stats_get(struct rtk_heap_stats *st)
{
	memset(st, 0, sizeof(*st));
	for (unsigned c = 0; c < RTK_HEAP_CLASSES; c++)
		if (heap.pool[c])
			rtk_pool_stats_get(heap.pool[c], &st->cls[c]);
	st->too_big = atomic_load(&heap.too_big);
}

/* SPDX-License-Identifier: MIT */
/** @file heap.h  The RT heap: fixed size-class pools for RT threads
 *
 * Libraries on the RT path may call malloc() (Debian's lwIP allocates every
 * pbuf and timer that way). After rtk_start(), in the RT partition's process,
 * malloc() and friends called on an RT thread are served from here: one
 * rtk_pool per size class (64 bytes to 16 KiB), all sized at init, lock-free,
 * never growing. An exhausted class or a larger request gets NULL (counted),
 * never libc's heap. free() recognises the heap's blocks by address, from any
 * thread.
 *
 * The interposition lives in rtk.c and exists only in builds without a
 * sanitizer (which owns malloc there); under ASan the guard only counts.
 */
#ifndef RTK_HEAP_H
#define RTK_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtos-kernel/pool.h"

#define RTK_HEAP_CLASSES	9	/* 64, 128, ..., 16384 bytes */
#define RTK_HEAP_MIN		64u
#define RTK_HEAP_MAX		16384u

/** Blocks added to the size class of @c size on top of its share of the
 *  heap's bytes: what a user knows it may hold at once (the receive buffers
 *  of every RTP leg the partition can open) */
struct rtk_heap_extra {
	size_t size;		/**< a request size; 0: no extra */
	size_t blocks;
};

struct rtk_heap_stats {
	struct rtk_pool_stats cls[RTK_HEAP_CLASSES];
	uint64_t too_big;	/**< requests above RTK_HEAP_MAX */
};

#define RTK_HEAP_EXTRAS	8	/**< extras an rtk_cfg may ask for */

int  rtk_heap_init(size_t bytes, const struct rtk_heap_extra *extra,
		   size_t n_extra);
void rtk_heap_fini(void);
void *rtk_heap_alloc(size_t size);
bool rtk_heap_owns(const void *p);
void rtk_heap_free(void *p);
size_t rtk_heap_block_size(const void *p);
void rtk_heap_stats_get(struct rtk_heap_stats *st);
bool rtk_heap_ready(void);
size_t rtk_heap_free_blocks(size_t size);

#endif /* RTK_HEAP_H */

// SPDX-License-Identifier: MIT
/** @file pool.c  Fixed-size memory pools: lock-free tagged-index free list */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtos-kernel/pool.h"
#include "rtos-kernel/rtk.h"

#define NIL UINT32_MAX

struct rtk_pool {
	char name[24];
	size_t block_size;	/* rounded up to 16 */
	uint32_t count;
	uint8_t *mem;
	_Atomic uint32_t *next;	/* free-list link of each block */
	/* head: tag in the upper 32 bits (against ABA), index in the lower */
	_Alignas(64) _Atomic uint64_t head;
	_Atomic size_t nfree;
	_Atomic size_t low_water;
	_Atomic uint64_t gets;
	_Atomic uint64_t failures;
	_Atomic long fail_after;	/* tests: gets left before failing */
};

/** Create a pool of @p count blocks of @p block_size bytes. Context: init
 *  (allocates). @return 0, -EINVAL or -ENOMEM */
int rtk_pool_create(struct rtk_pool **pp, const char *name, size_t block_size,
		    size_t count)
{
	struct rtk_pool *p;
	uint32_t i;

	if (!pp || !block_size || !count || count >= NIL ||
	    block_size > (1ul << 30))
		return -EINVAL;
	p = aligned_alloc(64, sizeof(*p));
	if (!p)
		return -ENOMEM;
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name ? name : "pool");
	p->block_size = (block_size + 15) & ~(size_t)15;
	p->count = (uint32_t)count;
	p->mem = aligned_alloc(64, (p->block_size * count + 63) & ~(size_t)63);
	p->next = calloc(count, sizeof(*p->next));
	if (!p->mem || !p->next) {
		free(p->mem);
		free(p->next);
		free(p);
		return -ENOMEM;
	}
	for (i = 0; i < p->count; i++)
		atomic_init(&p->next[i], i + 1 < p->count ? i + 1 : NIL);
	atomic_init(&p->head, 0);
	atomic_init(&p->nfree, count);
	atomic_init(&p->low_water, count);
	atomic_init(&p->fail_after, -1);
	*pp = p;
	return 0;
}

/** Free the pool and all its blocks. Context: shutdown. @return NULL */
struct rtk_pool *rtk_pool_destroy(struct rtk_pool *p)
{
	if (p) {
		free(p->mem);
		free(p->next);
		free(p);
	}
	return NULL;
}

static bool injected_failure(struct rtk_pool *p)
{
	long n = atomic_load_explicit(&p->fail_after, memory_order_relaxed);

	while (n >= 0) {
		if (n == 0)
			return true;
		if (atomic_compare_exchange_weak(&p->fail_after, &n, n - 1))
			return false;
	}
	return false;
}

/** Take a block. Context: any; lock-free, never allocates.
 *  @return the block (contents undefined), or NULL when the pool is empty
 *  (counted in failures) */
void *rtk_pool_get(struct rtk_pool *p)
{
	uint64_t old, new;
	uint32_t idx;
	size_t nfree, lw;

	if (injected_failure(p))
		goto empty;
	old = atomic_load_explicit(&p->head, memory_order_acquire);
	do {
		idx = (uint32_t)old;
		if (idx == NIL)
			goto empty;
		new = ((old >> 32) + 1) << 32 |
		      atomic_load_explicit(&p->next[idx], memory_order_relaxed);
	} while (!atomic_compare_exchange_weak_explicit(&p->head, &old, new,
			memory_order_acquire, memory_order_acquire));
	nfree = atomic_fetch_sub_explicit(&p->nfree, 1,
					  memory_order_relaxed) - 1;
	lw = atomic_load_explicit(&p->low_water, memory_order_relaxed);
	while (nfree < lw && !atomic_compare_exchange_weak_explicit(
			&p->low_water, &lw, nfree, memory_order_relaxed,
			memory_order_relaxed))
		;
	atomic_fetch_add_explicit(&p->gets, 1, memory_order_relaxed);
	return p->mem + (size_t)idx * p->block_size;

 empty:
	atomic_fetch_add_explicit(&p->failures, 1, memory_order_relaxed);
	return NULL;
}

/** rtk_pool_get() with the block zeroed. */
void *rtk_pool_zget(struct rtk_pool *p)
{
	void *b = rtk_pool_get(p);

	if (b)
		memset(b, 0, p->block_size);
	return b;
}

/** Whether @p block is a block of @p p. */
bool rtk_pool_owns(const struct rtk_pool *p, const void *block)
{
	const uint8_t *b = block;

	return b >= p->mem && b < p->mem + (size_t)p->count * p->block_size &&
	       (size_t)(b - p->mem) % p->block_size == 0;
}

/** Give a block back. Context: any; lock-free. NULL is ignored. */
void rtk_pool_put(struct rtk_pool *p, void *block)
{
	uint64_t old, new;
	uint32_t idx;

	if (!block)
		return;
	RTK_ASSERT(rtk_pool_owns(p, block));
	idx = (uint32_t)(((uint8_t *)block - p->mem) / p->block_size);
	/* count it free before a get can take it: nfree never wraps below 0 */
	atomic_fetch_add_explicit(&p->nfree, 1, memory_order_relaxed);
	old = atomic_load_explicit(&p->head, memory_order_relaxed);
	do {
		atomic_store_explicit(&p->next[idx], (uint32_t)old,
				      memory_order_relaxed);
		new = ((old >> 32) + 1) << 32 | idx;
	} while (!atomic_compare_exchange_weak_explicit(&p->head, &old, new,
			memory_order_release, memory_order_relaxed));
}

/** Blocks free now. */
size_t rtk_pool_free_count(const struct rtk_pool *p)
{
	return atomic_load_explicit(&p->nfree, memory_order_relaxed);
}

/** Counters of @p p. Context: any. */
void rtk_pool_stats_get(const struct rtk_pool *p, struct rtk_pool_stats *st)
{
	memcpy(st->name, p->name, sizeof(st->name));
	st->block_size = p->block_size;
	st->capacity = p->count;
	st->free = atomic_load(&p->nfree);
	st->low_water = atomic_load(&p->low_water);
	st->gets = atomic_load(&p->gets);
	st->failures = atomic_load(&p->failures);
}

/** Tests: let @p n more gets succeed, then fail every get as if the pool were
 *  empty; n < 0 turns this off. */
void rtk_pool_fail_after(struct rtk_pool *p, long n)
{
	atomic_store(&p->fail_after, n);
}

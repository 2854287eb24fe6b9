/* SPDX-License-Identifier: MIT */
/** @file pool.h  Fixed-size memory pools
 *
 * A pool is sized and allocated once, before rtk_start(); afterwards getting
 * and putting blocks is lock-free (a tagged-index stack, safe from any
 * number of threads) and never calls malloc. An empty pool is normal:
 * rtk_pool_get() returns NULL and counts the failure; the caller counts its
 * own drop. Blocks are aligned to 16 bytes.
 */
#ifndef RTK_POOL_H
#define RTK_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rtk_pool;

struct rtk_pool_stats {
	char name[24];
	size_t block_size;
	size_t capacity;	/**< blocks */
	size_t free;		/**< blocks free now */
	size_t low_water;	/**< fewest free blocks seen */
	uint64_t gets;		/**< successful gets */
	uint64_t failures;	/**< gets refused because the pool was empty */
};

int  rtk_pool_create(struct rtk_pool **pp, const char *name,
		     size_t block_size, size_t count);
struct rtk_pool *rtk_pool_destroy(struct rtk_pool *p);
void *rtk_pool_get(struct rtk_pool *p);
void *rtk_pool_zget(struct rtk_pool *p);
void rtk_pool_put(struct rtk_pool *p, void *block);
bool rtk_pool_owns(const struct rtk_pool *p, const void *block);
size_t rtk_pool_free_count(const struct rtk_pool *p);
void rtk_pool_stats_get(const struct rtk_pool *p, struct rtk_pool_stats *st);
void rtk_pool_fail_after(struct rtk_pool *p, long n);

#endif /* RTK_POOL_H */

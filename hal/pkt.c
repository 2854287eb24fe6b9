// SPDX-License-Identifier: MIT
/** @file pkt.c  Packet buffers from a fixed pool */
#include <errno.h>
#include <stdlib.h>

#include "hal/pkt.h"
#include "rtos-kernel/pool.h"

struct pkt_pool {
	struct rtk_pool *pool;
};

/** Create a pool of @p count packet buffers. Context: init (allocates).
 *  @return 0, -EINVAL or -ENOMEM */
int pkt_pool_create(struct pkt_pool **pp, const char *name, size_t count)
{
	struct pkt_pool *p = calloc(1, sizeof(*p));
	int err;

	if (!p)
		return -ENOMEM;
	err = rtk_pool_create(&p->pool, name, sizeof(struct pkt), count);
	if (err) {
		free(p);
		return err;
	}
	*pp = p;
	return 0;
}

/** Free the pool (every packet must be back). @return NULL */
struct pkt_pool *pkt_pool_destroy(struct pkt_pool *pp)
{
	if (pp) {
		rtk_pool_destroy(pp->pool);
		free(pp);
	}
	return NULL;
}

/** Take an empty packet (len 0, PKT_HEADROOM bytes of headroom).
 *  Context: any; lock-free. @return NULL when the pool is empty (counted by
 *  the pool; the caller counts its own drop) */
struct pkt *pkt_get(struct pkt_pool *pp)
{
	struct pkt *p = rtk_pool_get(pp->pool);

	if (!p)
		return NULL;
	p->next = NULL;
	p->pool = pp;
	p->off = PKT_HEADROOM;
	p->len = 0;
	p->flags = 0;
	p->ts_ns = 0;
	return p;
}

/** Give @p p back to its pool. NULL is ignored. Context: any. */
void pkt_free(struct pkt *p)
{
	if (p)
		rtk_pool_put(p->pool->pool, p);
}

/** Packets free in the pool now. */
size_t pkt_pool_free_count(const struct pkt_pool *pp)
{
	return rtk_pool_free_count(pp->pool);
}

/** The underlying block pool (for its statistics). */
struct rtk_pool *pkt_pool_rtk(struct pkt_pool *pp)
{
	return pp->pool;
}

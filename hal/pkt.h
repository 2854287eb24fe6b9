/* SPDX-License-Identifier: MIT */
/** @file pkt.h  Packet buffers of the RT partition
 *
 * A packet is one Ethernet frame in a fixed-size buffer taken from a pool
 * sized at start (rtos-kernel/pool.h): nothing is allocated per frame. Each
 * packet has one owner at a time; a function documented "consumes @p p"
 * gives it back to its pool on every path. `next` links a packet into its
 * owner's queue; `cb` is scratch space for the current owner (the lwIP glue
 * keeps a struct pbuf_custom there).
 */
#ifndef HAL_PKT_H
#define HAL_PKT_H

#include <stddef.h>
#include <stdint.h>

#define PKT_HEADROOM	64	/* room for headers pushed in front */
#define PKT_FRAME_MAX	9234	/* MTU 9216 + Ethernet header + VLAN tag */
#define PKT_CB_SIZE	64

struct pkt_pool;

struct pkt {
	struct pkt *next;
	struct pkt_pool *pool;
	uint16_t off;		/**< data starts at buf + off */
	uint16_t len;		/**< bytes of frame */
	uint32_t flags;
	uint64_t ts_ns;		/**< RX: arrival; TX: when queued */
	_Alignas(16) uint8_t cb[PKT_CB_SIZE];
	_Alignas(64) uint8_t buf[PKT_HEADROOM + PKT_FRAME_MAX];
};

/** The frame's first byte. */
static inline uint8_t *pkt_data(struct pkt *p)
{
	return p->buf + p->off;
}

/** Bytes the frame may grow to from its current start. */
static inline size_t pkt_room(const struct pkt *p)
{
	return sizeof(p->buf) - p->off;
}

int  pkt_pool_create(struct pkt_pool **pp, const char *name, size_t count);
struct pkt_pool *pkt_pool_destroy(struct pkt_pool *pp);
struct pkt *pkt_get(struct pkt_pool *pp);
void pkt_free(struct pkt *p);
size_t pkt_pool_free_count(const struct pkt_pool *pp);
struct rtk_pool *pkt_pool_rtk(struct pkt_pool *pp);

#endif /* HAL_PKT_H */

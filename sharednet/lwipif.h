/* SPDX-License-Identifier: MIT */
/** @file lwipif.h  The RT partition's lwIP stack on the HAL's packets
 *
 * Debian's liblwip (NO_SYS=0, core locking): lwipif_init() starts lwIP's
 * own thread and makes it a member of the RT partition (rtk_thread_adopt():
 * pinned, SCHED_FIFO, allocations from the RT heap after start). The netif
 * takes received frames without copying (the packet buffer becomes a custom
 * pbuf; freeing the pbuf gives the packet back to its pool) and hands every
 * frame lwIP sends to the caller's output handler as a packet.
 *
 * Every call runs in the network task and takes lwIP's core lock itself.
 */
#ifndef SHAREDNET_LWIPIF_H
#define SHAREDNET_LWIPIF_H

#include <stdbool.h>
#include <stdint.h>

#include "hal/pkt.h"
#include "sharednet/netcfg.h"
#include "sharednet/rtstat.h"

struct lwipif;

/** A frame lwIP sends; consumes @p p. */
typedef void (lwipif_out_h)(struct pkt *p, void *arg);

struct lwipif_stats {
	uint64_t out_frames;
	uint64_t out_no_pkt;	/**< frames lost: packet pool empty */
	uint64_t in_frames;
	uint64_t in_errors;	/**< refused by lwIP's input */
	uint64_t echo_requests;	/**< UDP echo service (port 7) */
	uint64_t echo_replies;
};

int  lwipif_init(struct lwipif **lp, const struct netcfg_msg *initial,
		 struct pkt_pool *pool, int tcpip_prio, lwipif_out_h *out,
		 void *arg);
void lwipif_input(struct lwipif *l, struct pkt *p);
void lwipif_apply(struct lwipif *l, const struct netcfg_msg *m);
int  lwipif_echo_start(struct lwipif *l, uint16_t port);
void lwipif_stats_get(const struct lwipif *l, struct lwipif_stats *st);
size_t lwipif_arp_get(struct lwipif *l, struct rtstat_arp *out, size_t max);

#endif /* SHAREDNET_LWIPIF_H */

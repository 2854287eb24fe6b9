/* SPDX-License-Identifier: MIT */
/** @file txs.h  Transmit scheduler: RT frames strictly first
 *
 * Two queues of packets feed the NIC (DESIGN.md section 4):
 *  - the RT queue: frames of the RT partition's own stack (voice, ARP and
 *    ICMP replies, the UDP echo);
 *  - the Linux (general-purpose) queue: frames Linux sent over the bus.
 * txs_run() hands frames to the NIC while it has room (nic_tx_room()): every
 * RT frame first; a Linux frame only when no RT frame waits, and at most
 * linux_budget bytes of Linux frames per tick (txs_tick()), so that a burst of
 * Linux frames never fills the NIC's queue ahead of the next voice frame.
 * With the `fifo` flag the scheduler instead sends in arrival order, one
 * queue (the baseline the benchmarks compare against).
 *
 * Each queue has a limit in frames, a drop counter and a high-water mark.
 * A full RT queue drops the frame (counted); the Linux queue is filled by
 * the caller only while txs_linux_room() says so, which leaves Linux's
 * frames waiting in the bus ring (back-pressure to Linux's TCP) instead of
 * dropping them.
 *
 * Context: the RT partition's network task only; never blocks, never
 * allocates after txs_create().
 */
#ifndef SHAREDNET_TXS_H
#define SHAREDNET_TXS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hal/nic.h"
#include "hal/pkt.h"

struct txs_cfg {
	uint32_t rt_limit;	/**< frames in the RT queue (default 512) */
	uint32_t linux_limit;	/**< frames in the Linux queue (default 256) */
	uint32_t linux_budget;	/**< Linux bytes per tick; 0: unbounded */
	bool fifo;		/**< baseline: one queue, arrival order */
};

struct txs_qstats {
	uint64_t queued;	/**< frames accepted */
	uint64_t sent;		/**< frames handed to the NIC */
	uint64_t dropped;	/**< frames refused: queue full */
	uint32_t depth;		/**< frames waiting now */
	uint32_t high_water;
	uint32_t limit;
};

struct txs_stats {
	struct txs_qstats rt;
	struct txs_qstats gp;		/**< the Linux queue */
	uint64_t linux_deferred;	/**< runs that left Linux frames waiting
					 *   because RT frames or the budget
					 *   came first */
	uint64_t nic_refused;		/**< frames the NIC refused (dropped) */
};

struct txs;

int  txs_create(struct txs **sp, const struct txs_cfg *cfg);
struct txs *txs_destroy(struct txs *s);
int  txs_submit_rt(struct txs *s, struct pkt *p);
int  txs_submit_linux(struct txs *s, struct pkt *p);
bool txs_linux_room(const struct txs *s);
bool txs_rt_pending(const struct txs *s);
size_t txs_run(struct txs *s, struct nic *n, uint64_t now_ns);
void txs_tick(struct txs *s);
void txs_stats_get(const struct txs *s, struct txs_stats *st);

#endif /* SHAREDNET_TXS_H */

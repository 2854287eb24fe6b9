/* SPDX-License-Identifier: MIT */
/** @file nic_priv.h  Shared by the NIC interface (nic.c) and its drivers
 *
 * nic.c owns the generic part of a NIC: the TX queue, link pacing and the
 * counters. A driver fills struct nic_ops and keeps its own state behind
 * nic->priv. The rules a driver follows:
 *  - open() allocates everything the driver will ever need; no op after it
 *    allocates or blocks;
 *  - rx_burst() returns packets taken from nic->pool with len and ts_ns set;
 *    nic.c counts rx_frames and rx_bytes, the driver counts rx_dropped;
 *  - xmit() is given the frames due on the wire, in order, and consumes a
 *    prefix of them: it returns how many it took (and freed). It counts
 *    tx_frames, tx_bytes and tx_dropped for the frames it took; the frames
 *    it did not take (kernel ring full) stay queued in nic.c and are offered
 *    again at the next flush. A driver that has work of its own left (frames
 *    handed to the kernel but not yet sent) sets tx_kick; nic.c then calls
 *    xmit() again, with cnt 0 if nothing else is due, at the next flush.
 */
#ifndef HAL_NIC_PRIV_H
#define HAL_NIC_PRIV_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hal/nic.h"
#include "hal/pkt.h"

#define NIC_ETH_HLEN		14
#define NIC_ETH_ALEN		6

struct nic_ops {
	const char *name;
	int (*open)(struct nic *n, const struct nic_cfg *cfg);
	void (*close)(struct nic *n);
	int (*fd)(const struct nic *n);
	size_t (*rx_burst)(struct nic *n, struct pkt **pkts, size_t max);
	size_t (*xmit)(struct nic *n, struct pkt **pkts, size_t cnt);
	/** optional: add counters kept outside struct nic_stats */
	void (*stats)(const struct nic *n, struct nic_stats *st);
};

struct nic {
	const struct nic_ops *ops;
	enum nic_kind kind;
	char ifname[IFNAMSIZ];
	struct pkt_pool *pool;

	/* TX queue: txq[0] goes out first; at most tx_cap frames */
	struct pkt **txq;
	uint32_t tx_cap;
	uint32_t tx_count;
	bool tx_kick;			/* driver: call xmit() again */

	/* link pacing (link_mbps > 0) */
	uint32_t link_mbps;
	uint64_t queue_ns;		/* most wire time queued ahead */
	uint64_t wire_free_ns;		/* the wire is busy until then */
	uint32_t wire_rem;		/* fraction of a ns, in 1/link_mbps */
	uint64_t wire_bits;		/* bits put on the wire so far */

	struct nic_stats stats;
	void *priv;			/* the driver's state */
};

extern const struct nic_ops nic_afpacket_ops;
extern const struct nic_ops nic_tap_ops;
extern const struct nic_ops nic_mem_ops;

bool nic_csum_complete(uint8_t *frame, size_t len);

#endif /* HAL_NIC_PRIV_H */

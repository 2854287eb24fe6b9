/* SPDX-License-Identifier: MIT */
/** @file nic.h  NIC driver interface of the RT partition
 *
 * One interface, three drivers:
 *  - NIC_AFPACKET: a Linux interface through an AF_PACKET socket with
 *    memory-mapped RX and TX rings (TPACKET_V3 RX blocks, TPACKET_V2 TX
 *    frames), in promiscuous mode (the shared MAC is filtered in software by
 *    the classifier), frames moved in batches. The socket may be opened by
 *    the dispatcher in the NIC's own network namespace and handed over (fd).
 *  - NIC_TAP: a TAP device (tests, boards without a dedicated NIC).
 *  - NIC_MEM: two NICs joined back to back in memory (unit tests, benches).
 *
 * Link-rate emulation (link_mbps > 0): the driver keeps a short TX queue of
 * at most tx_queue frames and puts a frame on the wire only when the
 * emulated wire is free (the frame plus 24 bytes of preamble, FCS and gap,
 * at the link rate), exactly as a real NIC drains its ring. nic_tx_room() tells the
 * transmit scheduler how many frames the NIC takes now, so the scheduler,
 * not a deep kernel queue, decides which frame goes next. Without pacing
 * (link_mbps 0) the queue is flushed to the kernel at each nic_tx_flush().
 *
 * Context: the RT partition's network task owns a NIC; no call blocks and
 * none allocates after nic_open(). Received frames come in packets from the
 * pool given at open (pool empty: the frame is dropped and counted).
 */
#ifndef HAL_NIC_H
#define HAL_NIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hal/pkt.h"

enum nic_kind { NIC_AFPACKET, NIC_TAP, NIC_MEM };

struct nic;

struct nic_cfg {
	enum nic_kind kind;
	const char *ifname;	/**< AFPACKET, TAP: interface name */
	int fd;			/**< AFPACKET: socket opened elsewhere, or -1 */
	uint32_t link_mbps;	/**< 0: no pacing */
	uint32_t tx_queue;	/**< frames queued in the NIC (default 4) */
	struct pkt_pool *pool;	/**< RX packets come from here */
	struct nic *peer;	/**< MEM: the NIC to join (opened first) */
};

struct nic_stats {
	uint64_t rx_frames, rx_bytes;
	uint64_t rx_dropped;	/**< lost: kernel ring full, no packet, bad */
	uint64_t tx_frames, tx_bytes;	/**< put on the wire */
	uint64_t tx_dropped;	/**< refused: queue full or send error */
	uint64_t tx_queue_hw;	/**< high-water mark of the TX queue */
	uint64_t tx_queue;	/**< frames in the TX queue now */
	uint64_t wire_busy_ns;	/**< paced: wire time used so far */
};

int  nic_open(struct nic **np, const struct nic_cfg *cfg);
struct nic *nic_close(struct nic *n);
int  nic_fd(const struct nic *n);
size_t nic_rx_burst(struct nic *n, struct pkt **pkts, size_t max);
size_t nic_tx_room(struct nic *n, uint64_t now_ns);
int  nic_tx(struct nic *n, struct pkt *p, uint64_t now_ns);
uint64_t nic_tx_flush(struct nic *n, uint64_t now_ns);
void nic_stats_get(const struct nic *n, struct nic_stats *st);
const char *nic_kind_name(enum nic_kind k);

#endif /* HAL_NIC_H */

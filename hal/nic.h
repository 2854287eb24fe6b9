/* SPDX-License-Identifier: MIT */
/** @file nic.h  NIC driver interface of the RT partition
 *
 * One interface, three drivers:
 *  - NIC_AFPACKET: a Linux interface through an AF_PACKET socket with
 *    memory-mapped TPACKET_V2 RX and TX rings of fixed-size slots (one
 *    frame up to PKT_FRAME_MAX per slot), in promiscuous mode (the shared
 *    MAC is filtered in software by the classifier), frames moved in
 *    batches. Each received frame is handed over as soon as the kernel
 *    wrote it (no block timeout): nic_fd() polls readable per frame.
 *  - NIC_TAP: a TAP device (tests, boards without a dedicated NIC).
 *  - NIC_MEM: two NICs joined back to back in memory (unit tests, benches).
 *
 * The socket (NIC_AFPACKET) may be opened by the dispatcher in the NIC's
 * own network namespace and handed over in cfg->fd: on success the NIC
 * takes it and nic_close() closes it; on failure the caller still owns
 * it (possibly partly set up) and closes it.
 *
 * Time stamps (struct pkt ts_ns, CLOCK_MONOTONIC or the caller's clock):
 * a received frame carries its arrival time (AFPACKET: the kernel's stamp
 * converted to CLOCK_MONOTONIC; MEM: the sender's wire start, on the
 * sender's clock). A frame given to nic_tx() is stamped, when handed to
 * the driver, with its start time on the wire: the emulated wire when
 * paced, the flush time when not.
 *
 * Link-rate emulation (link_mbps > 0): the driver keeps a short TX queue of
 * at most tx_queue frames and puts a frame on the wire only when the
 * emulated wire is free (the frame plus 24 bytes of preamble, FCS and gap,
 * at the link rate), exactly as a real NIC drains its ring. nic_tx_room()
 * tells the transmit scheduler how many frames the NIC takes now, so the
 * scheduler, not a deep kernel queue, decides which frame goes next.
 * Without pacing (link_mbps 0) frames wait in the queue and are sent as
 * one batch: by nic_tx_flush(), or by nic_tx_room() or nic_tx() when they
 * find the queue full (so a caller that asks before every frame still
 * sends batches of tx_queue frames).
 *
 * Kernel ring full: frames the driver cannot hand over stay queued, in
 * order, and are not dropped; the room shrinks. nic_tx_flush() returns
 * when to call it again: 0 when nothing is left to send; now + 50 us while
 * frames wait for the kernel (refused, or left in the ring by a send()
 * that stopped early), or sooner if a paced frame is due before; else the
 * wire start of the next queued frame. tx_frames and tx_bytes count a
 * frame when it is handed over (AFPACKET: written into the kernel's TX
 * ring; TAP: written; MEM: passed to the peer), not when it leaves the
 * wire: a frame the kernel drops later is not counted in tx_dropped.
 *
 * Context: the RT partition's network task owns a NIC; no call blocks and
 * none allocates after nic_open(). Received frames come in packets from the
 * pool given at open (pool empty: the frame is dropped and counted). The
 * counters are plain fields written by that task: nic_stats_get() belongs
 * to it too (another thread may read torn or stale values).
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
	uint32_t tx_queue_us;	/**< paced: most wire time queued ahead of a
				 *   new frame; 0: one full-size frame's, and
				 *   at least 50 us */
	struct pkt_pool *pool;	/**< RX packets come from here */
	struct nic *peer;	/**< MEM: the NIC to join (opened first) */
};

struct nic_stats {
	uint64_t rx_frames, rx_bytes;
	uint64_t rx_dropped;	/**< lost: kernel ring full, no packet, bad */
	uint64_t tx_frames, tx_bytes;	/**< handed over to the kernel */
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

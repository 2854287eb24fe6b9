/* SPDX-License-Identifier: MIT */
/** @file rtnet.h  The RT partition's side of the shared NIC
 *
 * One RT task ("net") owns the NIC and does, each time it wakes:
 *   receive: NIC -> classifier -> the RT stack (lwIP), the Linux partition
 *            (bus channel 1), both (RT first), or drop; a frame for an RT
 *            port nobody listens on is dropped and counted, never forwarded;
 *   settings: channel 3 -> the RT stack and classifier (Linux's eth0);
 *   transmit: the RT stack's frames and Linux's frames (channel 2) through
 *            the transmit scheduler (txs.h) to the NIC, RT strictly first;
 *            Linux's ARP replies for the shared address are dropped (the RT
 *            stack answers ARP: one reply per request).
 * It wakes on the NIC's fd, on Linux's rings (eventfd, only when it said it
 * sleeps), on its tick, and on the NIC's pacing timer.
 */
#ifndef SHAREDNET_RTNET_H
#define SHAREDNET_RTNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hal/nic.h"
#include "sharednet/bus.h"
#include "sharednet/netcfg.h"
#include "sharednet/rtstat.h"

struct rtnet_cfg {
	struct nic *nic;
	struct bus *bus;
	struct pkt_pool *pool;
	struct netcfg_msg initial;	/**< settings until Linux sends its own */
	uint32_t link_mbps;		/**< 0: unpaced */
	uint64_t tick_ns;
	int prio;			/**< the net task */
	int lwip_prio;			/**< lwIP's thread (above prio) */
	uint16_t echo_port;		/**< UDP echo service, 0: none */
	bool txs_fifo;			/**< baseline scheduler (benchmarks) */
	/** receive moderation: once a run takes two frames or more, frames
	 *  no longer wake the task (it takes them at its next run, its tick
	 *  at the latest) until a run finds none */
	bool rx_moderation;
};

struct rtnet;

/** A datagram for an RT port, given to its receiver without lwIP: the UDP
 *  payload, and where it came from (@p src_ip network order). Context: the
 *  net task, lwIP's core lock held; must not keep @p data. */
typedef void (rtnet_udp_h)(const void *data, size_t len, uint32_t src_ip,
			   uint16_t src_port, void *arg);

int  rtnet_create(struct rtnet **np, const struct rtnet_cfg *cfg);
void rtnet_publish(struct rtnet *n, struct rtstat *pg);
void rtnet_listen(struct rtnet *n, uint16_t port, bool on);
void rtnet_udp_receiver(struct rtnet *n, uint16_t port, rtnet_udp_h *h,
			void *arg);
void rtnet_tx_hold(struct rtnet *n);
void rtnet_tx_release(struct rtnet *n);

#endif /* SHAREDNET_RTNET_H */

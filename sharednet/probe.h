/* SPDX-License-Identifier: MIT */
/** @file probe.h  Voice-like probe streams sent by the RT partition
 *
 * A diagnostic for benchmarks and tests: an RT task sends `streams` UDP
 * streams from RT port `src_port`+i to `dest`:`port`+i, one packet of
 * `bytes` bytes every `interval` per stream (20 ms and 172 bytes: G.711 in
 * RTP), each carrying its stream number, sequence number and send time
 * (CLOCK_MONOTONIC ns), so a receiver measures loss, reordering and the
 * inter-arrival deviation the transmit path adds. Off unless configured.
 */
#ifndef SHAREDNET_PROBE_H
#define SHAREDNET_PROBE_H

#include <stdint.h>

struct rtnet;

struct probe_cfg {
	uint32_t dest;		/**< network order; 0: off */
	uint16_t port;		/**< first destination port */
	uint16_t src_port;	/**< first RT source port */
	uint32_t streams;
	uint32_t bytes;		/**< UDP payload */
	uint64_t interval_ns;
	int prio;
	struct rtnet *net;	/**< a period's packets go to it in one batch,
				 *   as the media task's do; NULL: one by one */
};

/** Payload head of every probe packet (network byte order). */
struct probe_hdr {
	uint32_t magic;		/**< PROBE_MAGIC */
	uint32_t stream;
	uint64_t seq;
	uint64_t sent_ns;
};

#define PROBE_MAGIC 0x50524f42u	/* "PROB" */

struct probe;

int probe_create(struct probe **pp, const struct probe_cfg *cfg);
void probe_counts(const struct probe *p, uint64_t *sent, uint64_t *failed);

#endif /* SHAREDNET_PROBE_H */

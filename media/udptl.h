/* SPDX-License-Identifier: MIT */
/** @file udptl.h  UDPTL: T.38's transport over UDP (ITU-T T.38, 9.1)
 *
 * A UDPTL packet carries one IFP packet (T.38's fax data: SpanDSP's
 * t38_core makes and reads those) with its sequence number and, for
 * error recovery, the IFP packets sent before it (redundancy) or FEC
 * data. On the wire (ASN.1 aligned PER, as T.38 Annex A defines it):
 *   seq-number      2 octets, big-endian
 *   primary IFP     a length determinant, then the octets
 *   error-recovery  1 octet: 0x00 for secondary IFP packets, 0x80 FEC
 *     secondary:    their count (a length determinant), then each IFP
 *                   packet (length determinant, octets), newest first
 *     FEC:          0x01, fec-npackets (1 octet), the count of FEC
 *                   entries (1 octet), each as length determinant and
 *                   octets: read past, not used (the primary still is)
 * A length determinant is one octet below 128, two (0x80 | the high 6
 * bits, then the low 8) below 16384; a longer one (fragments) is refused.
 *
 * Sending: udptl_send() makes the packet for the next IFP packet with as
 * many of the last `redundancy` ones behind it as fit in the datagram.
 * Receiving: udptl_recv() hands the IFP packets on in sequence: a packet
 * after a gap first brings back the missing ones its secondary packets
 * hold (oldest first), then its own; what none holds is counted lost
 * (T.38's core sees the gap in the numbers); an old or repeated packet is
 * dropped and counted late. A malformed packet is dropped whole and
 * counted. Neither allocates: the state is the caller's, of fixed size,
 * so the RT partition can keep one per fax channel from the start.
 */
#ifndef MEDIA_UDPTL_H
#define MEDIA_UDPTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UDPTL_IFP_MAX		320	/**< octets of one IFP packet sent */
#define UDPTL_REDUNDANCY_MAX	4	/**< earlier IFP packets carried */
#define UDPTL_SECONDARY_MAX	16	/**< of a received packet, used */

struct udptl_tx {
	uint16_t seq;			/* of the next packet */
	unsigned redundancy;
	unsigned kept, head;		/* the last IFP packets: count, slot */
	uint16_t len[UDPTL_REDUNDANCY_MAX];
	uint8_t ifp[UDPTL_REDUNDANCY_MAX][UDPTL_IFP_MAX];
};

struct udptl_stats {
	uint64_t packets;		/**< received, well formed */
	uint64_t ifp;			/**< IFP packets handed on */
	uint64_t recovered;		/**< of those, from secondary packets */
	uint64_t lost;			/**< sequence numbers never handed on */
	uint64_t late;			/**< old or repeated packets dropped */
	uint64_t fec;			/**< packets with FEC (not used) */
	uint64_t malformed;		/**< dropped */
};

struct udptl_rx {
	bool started;
	uint16_t next;			/* the sequence number expected */
	struct udptl_stats st;
};

/** An IFP packet received, in sequence. */
typedef void (udptl_ifp_fn)(void *arg, const uint8_t *ifp, size_t len,
			    uint16_t seq);

/** Start sending at sequence number @p seq with up to @p redundancy
 *  (at most UDPTL_REDUNDANCY_MAX) earlier IFP packets in each packet. */
void udptl_tx_init(struct udptl_tx *t, unsigned redundancy, uint16_t seq);
/** The packet for IFP packet @p ifp into @p out (a datagram of at most
 *  @p cap octets). @return its length; -EMSGSIZE when the IFP packet is
 *  longer than UDPTL_IFP_MAX or its packet alone does not fit */
int  udptl_send(struct udptl_tx *t, const uint8_t *ifp, size_t len,
		uint8_t *out, size_t cap);

void udptl_rx_init(struct udptl_rx *r);
/** Take the packet @p pkt: @p fn gets its IFP packets in sequence.
 *  @return 0; -EBADMSG when it is malformed (counted, nothing handed on) */
int  udptl_recv(struct udptl_rx *r, const uint8_t *pkt, size_t len,
		udptl_ifp_fn *fn, void *arg);

#endif /* MEDIA_UDPTL_H */

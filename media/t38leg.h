/* SPDX-License-Identifier: MIT */
/** @file t38leg.h  The T.38 leg of a fax channel
 *
 * A T.38 gateway (ITU-T T.38) on SpanDSP's t38_gateway: the fax audio the
 * channel's other leg brings (a card line, or G.711 from a phone) is
 * demodulated (V.21 HDLC, V.27ter, V.29, V.17; with or without ECM) into
 * IFP packets, sent in UDPTL (udptl.h) with up to `redundancy` earlier
 * ones in each packet to the far end (a fax adapter or fax server
 * speaking T.38); the IFP packets received are modulated back into audio
 * for the other leg. A packet UDPTL cannot bring back is a gap T.38's
 * core sees; ECM asks the page's lost frames again.
 *
 * UDPTL goes through the RT partition's lwIP like RTP (udpport.h): the
 * leg listens on an even RT port and holds the one after it (not opened:
 * a late RTCP packet of the RTP leg it replaced goes nowhere), and takes
 * datagrams only from the configured remote address (others are counted,
 * `foreign`). With latch (symmetric, for an adapter behind NAT, as RTP
 * legs do: rtpleg.h) the first datagram UDPTL takes, from wherever it
 * came, decides the far end: packets go there and come only from its
 * address; once, until a modify changes the remote end.
 *
 * Memory: t38leg_module_init() makes max_legs legs at start, SpanDSP's
 * gateway state (about 97 KB) in each; opening one initialises a free one
 * in place. On the fax path the only allocations are lwIP's pbufs, one
 * per datagram sent, which the RT heap serves in rtpart as for RTP legs
 * (test_t38leg counts them). Context: the media task (open, modify,
 * close, run, stats).
 */
#ifndef MEDIA_T38LEG_H
#define MEDIA_T38LEG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "media/udptl.h"

#define T38LEG_PERIOD_MS	20	/**< audio moved per run */
#define T38LEG_REDUNDANCY	3	/**< earlier IFP packets by default */

struct t38leg_cfg {
	uint16_t local_port;	/**< even RT port */
	uint32_t remote_ip;	/**< IPv4, network order */
	uint16_t remote_port;
	uint8_t redundancy;	/**< 0..UDPTL_REDUNDANCY_MAX */
	bool latch;		/**< symmetric: follow the first good
				 *   datagram's source (see above) */
};

struct t38leg_stats {
	uint64_t tx_packets;	/**< UDPTL packets sent */
	uint64_t tx_errors;	/**< not sent: lwIP refused, too long */
	struct udptl_stats rx;	/**< UDPTL received (udptl.h) */
	uint64_t foreign;	/**< from another address: dropped */
	uint64_t ring_full;	/**< dropped in the net task */
	uint64_t too_big;
	int pages;		/**< pages the gateway passed on */
	int bit_rate;		/**< the fax modem's, bit/s; 0: none yet */
	bool ecm;		/**< error correction in use */
	uint32_t latched_ip;	/**< latch: the far end now, when not the
				 *   one configured; 0: that one */
	uint16_t latched_port;
};

struct t38leg;

/** Make @p max_legs legs (0: none; opening one then fails).
 *  Context: init, after lwIP is up. @return 0, -EALREADY or -ENOMEM */
int  t38leg_module_init(unsigned max_legs);
void t38leg_module_fini(void);
/** @return 0; -EINVAL a bad configuration; -ENOSPC no leg left;
 *  -EADDRINUSE the port is taken */
int  t38leg_open(struct t38leg **lp, const struct t38leg_cfg *cfg);
/** A re-INVITE: the remote address and redundancy change, the fax goes
 *  on. @return 0 or -EINVAL (another local port: open another leg) */
int  t38leg_modify(struct t38leg *l, const struct t38leg_cfg *cfg);
void t38leg_close(struct t38leg *l);
/** One run: the IFP packets received go to the gateway, @p n samples of
 *  audio @p in from the other leg are demodulated (IFP packets go out),
 *  and @p out gets @p n samples of the gateway's audio for it. */
void t38leg_run(struct t38leg *l, const int16_t *in, int16_t *out,
		size_t n);
void t38leg_stats_get(const struct t38leg *l, struct t38leg_stats *st);

#endif /* MEDIA_T38LEG_H */

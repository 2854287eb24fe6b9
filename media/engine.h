/* SPDX-License-Identifier: MIT */
/** @file engine.h  The media task: channels driven by channel 4 and the card
 *
 * Each run of the RT partition's media task (clocked by the telephony
 * card, or every millisecond without one): take Linux's requests from
 * channel 4 (open/modify/close channels, DTMF, tones, TDM line commands),
 * answer each with MSG_RESULT (also recorded in the bus's results area for
 * Linux tools), send TDM line events and detected digits up, and move every
 * open channel one tick per card tick. The status page gets the channel
 * table (engine_publish()).
 *
 * Context: the media task; engine_init() at init (allocates every pool).
 */
#ifndef MEDIA_ENGINE_H
#define MEDIA_ENGINE_H

#include "hal/tdm.h"
#include "sharednet/bus.h"
#include "sharednet/rtnet.h"
#include "sharednet/rtstat.h"

struct engine_cfg {
	unsigned max_chans;
	unsigned max_fax;	/**< T.38 legs open at once */
	unsigned max_srtp;	/**< SRTP legs open at once */
	unsigned max_g729;	/**< G.729 legs open at once */
	struct tdm *tdm;	/**< NULL: no telephony card */
	struct bus *bus;
	struct rtnet *net;	/**< RTP legs' ports are let in here */
	const char *country;	/**< call-progress tones ("us", "uk", ...) */
	unsigned ec_max_tail_ms;
	unsigned dscp;		/**< of RTP, RTCP and UDPTL sent (0-63) */
};

int  engine_init(const struct engine_cfg *cfg);
void engine_run(uint64_t now_ns, unsigned ticks);
void engine_publish(struct rtstat *pg);

#endif /* MEDIA_ENGINE_H */

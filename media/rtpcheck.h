/* SPDX-License-Identifier: MIT */
/** @file rtpcheck.h  Validation of received RTP and RTCP packets
 *
 * What comes from the network is checked here before anything else looks
 * at it (oRTP, the jitter buffer, the decoder). Two layers:
 *  - pure parsers, rtpck_parse_rtp() and rtpck_parse_rtcp(): the header
 *    rules of RFC 3550 (version 2, fixed header, CSRC list, extension,
 *    padding; for RTCP the compound rules of A.2 and the layout of SR, RR,
 *    SDES, BYE and APP), no state, no allocation;
 *  - a per-leg filter, struct rtpck: the payload types negotiated for the
 *    leg and the source it listens to, with a counter per verdict.
 *
 * SSRC rule: the first valid packet fixes the source. A packet of another
 * SSRC is counted (RTPCK_WRONG_SSRC) and dropped, until RTPCK_SSRC_SWITCH
 * packets in a row come from one new SSRC with none from the current one
 * between them: then the leg follows the new source (a peer that restarted
 * its stream, a transfer). A stray or injected stream interleaved with the
 * real one never gets there. An RTCP BYE from the current source, or
 * rtpck_release() (the remote end changed by signalling), lets the next
 * valid packet fix the source at once.
 *
 * Context: a filter belongs to one leg and its media task.
 */
#ifndef MEDIA_RTPCHECK_H
#define MEDIA_RTPCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RTPCK_SSRC_SWITCH	3	/**< packets in a row: new source */
#define RTPCK_PT_CN		13	/**< comfort noise, RFC 3389 */
#define RTPCK_PT_NONE		0xff	/**< "no event payload type" */

enum rtpck_verdict {
	RTPCK_OK,
	RTPCK_BAD_VERSION,	/**< version is not 2 */
	RTPCK_TRUNCATED,	/**< shorter than its fixed header */
	RTPCK_BAD_CSRC,		/**< the CSRC list runs past the packet */
	RTPCK_BAD_EXT,		/**< the header extension runs past it */
	RTPCK_BAD_PADDING,	/**< padding count 0 or past the payload */
	RTPCK_BAD_PT,		/**< a payload type the leg did not agree */
	RTPCK_WRONG_SSRC,	/**< another source than the current one */
	RTPCK_BAD_LENGTH,	/**< too long; RTCP: lengths do not add up */
	RTPCK_BAD_FIRST,	/**< RTCP: compound not led by SR or RR */
	RTPCK_BAD_BODY,		/**< RTCP: report, SDES, BYE or APP layout */
	RTPCK_V_COUNT
};

/** The header of a valid RTP packet. */
struct rtpck_rtp {
	uint16_t seq;
	uint32_t ts;
	uint32_t ssrc;
	uint8_t pt;
	bool marker;
	uint8_t cc;
	uint16_t payload_off;	/**< first payload byte */
	uint16_t payload_len;	/**< without the padding */
};

/** What a valid RTCP compound packet says that the leg uses. */
struct rtpck_rtcp {
	uint32_t ssrc;		/**< sender of the first packet */
	bool sr;		/**< it carries a sender report */
	bool bye;		/**< it carries a BYE */
	unsigned packets;	/**< RTCP packets in the compound */
	unsigned bye_count;	/**< sources the BYE names (up to 4 kept) */
	uint32_t bye_ssrc[4];
};

/** The payload types a leg accepts. */
struct rtpck_cfg {
	uint8_t pt_audio;	/**< the negotiated codec */
	uint8_t pt_event;	/**< telephone-event, or RTPCK_PT_NONE */
	bool accept_cn;		/**< comfort noise (PT 13) */
};

struct rtpck_stats {
	uint64_t rtp[RTPCK_V_COUNT];	/**< RTP packets by verdict */
	uint64_t rtcp[RTPCK_V_COUNT];	/**< RTCP compounds by verdict */
	uint64_t ssrc_changes;		/**< source followed to a new SSRC */
};

/** A per-leg filter: embed it; contents are private to rtpcheck.c. */
struct rtpck {
	struct rtpck_cfg cfg;
	bool locked;
	uint32_t ssrc;
	uint32_t cand;
	unsigned cand_run;
	struct rtpck_stats st;
};

enum rtpck_verdict rtpck_parse_rtp(const uint8_t *p, size_t len,
				   struct rtpck_rtp *h);
enum rtpck_verdict rtpck_parse_rtcp(const uint8_t *p, size_t len,
				    struct rtpck_rtcp *info);
void rtpck_init(struct rtpck *c, const struct rtpck_cfg *cfg);
void rtpck_set_cfg(struct rtpck *c, const struct rtpck_cfg *cfg);
void rtpck_release(struct rtpck *c);
enum rtpck_verdict rtpck_rtp(struct rtpck *c, const uint8_t *p, size_t len,
			     struct rtpck_rtp *h);
enum rtpck_verdict rtpck_rtcp(struct rtpck *c, const uint8_t *p, size_t len,
			      struct rtpck_rtcp *info);
const char *rtpck_verdict_name(enum rtpck_verdict v);
uint64_t rtpck_malformed(const struct rtpck_stats *st);

#endif /* MEDIA_RTPCHECK_H */

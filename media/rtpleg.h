/* SPDX-License-Identifier: MIT */
/** @file rtpleg.h  The RTP leg of a voice channel
 *
 * One leg is an oRTP session whose packets travel through the RT
 * partition's lwIP stack (our own oRTP transports: no kernel socket), a
 * codec (codec.h), an adaptive jitter buffer (jb.h) with SpanDSP packet
 * loss concealment, RFC 4733 telephone events both ways, RFC 3389 comfort
 * noise received and, with vad, sent in place of silence, RTCP sender and
 * receiver reports (oRTP, every rtcp_ms, through the same transports) and
 * statistics with an estimated MOS (mos.h). With an SRTP suite in its
 * configuration the leg sends SRTP and SRTCP and takes in only packets
 * that pass SRTP's check (srtpctx.h: the others are counted and dropped);
 * at most rtpleg_max_srtp() legs at once are SRTP legs.
 *
 * Latching (cfg.latch: symmetric RTP, RFC 4961): a phone behind NAT
 * writes its private address in its SDP, while its packets come from its
 * NAT's public address and port. A latching leg sends its RTP to the
 * source of the first RTP packet that passes every check (SRTP's on an
 * SRTP leg, rtpcheck.h's: version, header, payload type, the source's
 * SSRC), and its RTCP likewise to the first good RTCP packet's; once per
 * port, after open and after a modify that changes the remote end, so a
 * stranger's packets cannot move the stream later. Until then, and
 * without latch, packets go to the remote end configured.
 *
 * Memory: rtpleg_module_init() makes everything for max_legs legs (oRTP
 * sessions, lwIP PCBs, receive rings, codec and jitter buffer states);
 * opening a leg takes a free one. On the voice path the only allocations
 * are oRTP's message blocks and lwIP's pbufs, one per packet, served by
 * the RT heap in rtpart (bounded, sized at start).
 *
 * Threads:
 *  - the "net" task copies the datagrams for the leg's two ports (RTP on
 *    the even one, RTCP on the next) into its ring (udpport.h: fixed
 *    slots; a packet too big for a slot or a full ring is counted and
 *    dropped);
 *  - everything else runs in the "media" task that owns the legs:
 *    rtpleg_recv() drains the ring (validation by rtpcheck.h, then the
 *    jitter buffer, and oRTP for RTCP and events), rtpleg_send() encodes
 *    and sends through lwIP under its core lock. Open, modify and close
 *    run there too (they are messages from signalling to the media task);
 *  - rtpleg_stats_get() may be called from any thread.
 */
#ifndef MEDIA_RTPLEG_H
#define MEDIA_RTPLEG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "media/codec.h"
#include "media/srtpctx.h"
#include "media/udpport.h"

#define RTPLEG_MAX_SAMPLES	480	/**< per send/recv: 60 ms at 8 kHz */
#define RTPLEG_SLOT		UDPPORT_SLOT	/**< largest UDP payload */
#define RTPLEG_TE_DEFAULT	101	/**< telephone-event payload type */
#define RTPLEG_TE_NONE		0xff	/**< no telephone events */
#define RTPLEG_RTCP_MS		5000	/**< default RTCP report interval */
/** oRTP allocates each datagram a leg is given as one block of about this
 *  size (RTPLEG_SLOT and its header) from the RT heap ... */
#define RTPLEG_HEAP_BLOCK	(RTPLEG_SLOT + 128)
/** ... and a leg holds at most this many of them at once (the datagram
 *  being parsed, RTCP, oRTP's capped queues of RTP and of events): the RT
 *  partition adds as many blocks to the heap for every leg it can open */
#define RTPLEG_HEAP_BLOCKS	10

/** Direction of the media, as SDP's a=sendrecv/sendonly/recvonly/inactive
 *  seen from the gateway (hold: sendonly or inactive). */
enum rtpleg_dir {
	RTPLEG_SENDRECV,
	RTPLEG_SENDONLY,
	RTPLEG_RECVONLY,
	RTPLEG_INACTIVE,
};

struct rtpleg_cfg {
	uint16_t local_port;	/**< even RT port; RTCP on local_port + 1 */
	uint32_t remote_ip;	/**< IPv4, network order; 0: not known yet */
	uint16_t remote_port;	/**< RTP */
	uint16_t remote_rtcp_port; /**< 0: remote_port + 1 */
	enum codec_id codec;
	uint8_t pt;		/**< the codec's payload type (0..127) */
	uint8_t te_pt;		/**< telephone-event; 0: RTPLEG_TE_DEFAULT */
	uint16_t ptime_ms;	/**< 10, 20, 30... (GSM 20, 40...) */
	uint16_t jb_min_ms;	/**< 0: two ptimes */
	uint16_t jb_max_ms;	/**< 0: 200 */
	uint32_t ssrc;		/**< ours; 0: random */
	enum rtpleg_dir dir;
	uint16_t rtcp_ms;	/**< 0: RTPLEG_RTCP_MS */
	bool vad;		/**< suppress silence, sending RFC 3389
				 *   comfort noise (type 13) in its place
				 *   (rtpleg_vad.c) */
	struct srtpctx_cfg srtp; /**< suite SRTPCTX_NONE: plain RTP */
	bool latch;		/**< symmetric RTP (RFC 4961), for a peer
				 *   behind NAT: RTP and RTCP go to where the
				 *   first packet of each that passes the
				 *   checks came from (see above) */
};

struct rtpleg_stats {
	uint64_t tx_packets, tx_bytes;	/**< RTP sent (bytes: payload) */
	uint64_t tx_errors;		/**< lwIP refused or no pbuf */
	uint64_t rx_packets, rx_bytes;	/**< valid RTP of the source */
	uint64_t lost;		/**< RFC 3550 A.3, from sequence numbers */
	uint64_t late;		/**< after their playout time */
	uint64_t discarded;	/**< jitter buffer: overflow, dropped to
				 *   shrink or flushed; payload too big */
	uint64_t duplicates;
	uint64_t reordered;
	uint64_t concealed;	/**< frames made up by PLC */
	uint64_t malformed;	/**< RTP refused by rtpcheck.h (any reason) */
	uint64_t bad_version, truncated, bad_csrc, bad_ext, bad_padding;
	uint64_t bad_pt, wrong_ssrc;
	uint64_t ssrc_changes;
	uint64_t ring_full;	/**< dropped in the net task: ring full */
	uint64_t too_big;	/**< dropped in the net task: > RTPLEG_SLOT */
	uint64_t rtcp_rx, rtcp_tx, rtcp_malformed;
	uint64_t dtmf_tx, dtmf_rx;	/**< events sent, events reported */
	uint64_t cn_tx;		/**< comfort noise packets sent (vad) */
	uint64_t srtp_auth_fail; /**< SRTP/SRTCP refused: tag wrong */
	uint64_t srtp_replay;	/**< SRTP/SRTCP refused: replayed or old */
	uint64_t srtp_errors;	/**< refused otherwise, or not protected */
	double jitter_ms;	/**< RFC 3550 interarrival jitter */
	double rtt_ms;		/**< from RTCP; 0 until known */
	uint32_t jb_delay_ms;	/**< playout delay now */
	uint32_t jb_target_ms;
	double loss_pct;	/**< lost / expected */
	double mos;		/**< estimated (mos.h); 0 before any packet */
	uint32_t latched_ip;	/**< latch: where RTP goes now, when not to
				 *   the remote end configured; 0: there */
	uint16_t latched_port;
};

struct rtpleg;

int  rtpleg_module_init(size_t max_legs);
void rtpleg_max_srtp(size_t max);
void rtpleg_module_fini(void);
int  rtpleg_open(struct rtpleg **lp, const struct rtpleg_cfg *cfg);
int  rtpleg_modify(struct rtpleg *l, const struct rtpleg_cfg *cfg);
void rtpleg_close(struct rtpleg *l);
void rtpleg_data_mode(struct rtpleg *l);
int  rtpleg_send(struct rtpleg *l, const int16_t *pcm8k, size_t samples);
int  rtpleg_recv(struct rtpleg *l, uint64_t now_ns, int16_t *pcm8k,
		 size_t samples);
int  rtpleg_send_dtmf(struct rtpleg *l, char digit, unsigned duration_ms);
int  rtpleg_dtmf_poll(struct rtpleg *l, char *digit, unsigned *duration_ms);
void rtpleg_stats_get(const struct rtpleg *l, struct rtpleg_stats *st);

#endif /* MEDIA_RTPLEG_H */

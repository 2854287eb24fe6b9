/* SPDX-License-Identifier: MIT */
/** @file msg.h  Channel 4: messages between the partitions' applications
 *
 * Versioned, fixed-size messages (MSG_SIZE bytes on the ring). Linux -> RT:
 * open, modify and close a voice channel; send DTMF or a call-progress tone
 * on one of its legs; signalling commands to a TDM line. RT -> Linux: the
 * result of each request, DTMF detected on a leg, TDM line events (hook,
 * ring, seizure), and channel statistics when a channel closes.
 *
 * A channel joins two legs (a, b); a leg is a TDM line, an RTP stream (SRTP
 * when it carries a suite and the two master keys), a T.38 stream, or
 * nothing (a channel with one leg plays tones and detects digits, as for an
 * analog phone that hears dial tone while it dials). Channel ids are chosen
 * by the sender (Linux); the RT side answers every request with
 * MSG_RESULT carrying the request's seq.
 *
 * msg_check() validates a record read from the ring (the other side is
 * another program): size, version, type, and every field's range.
 */
#ifndef SHAREDNET_MSG_H
#define SHAREDNET_MSG_H

#include <stddef.h>
#include <stdint.h>

#define MSG_VERSION	3u
#define MSG_SIZE	256u
#define MSG_KEY_LEN	30u	/**< SRTP master key and salt */

enum msg_type {
	/* Linux -> RT */
	MSG_CHAN_OPEN = 1,
	MSG_CHAN_MODIFY,
	MSG_CHAN_CLOSE,
	MSG_CHAN_DTMF,		/**< play a digit on a leg */
	MSG_CHAN_TONE,		/**< start or stop a tone on a leg */
	MSG_LINE_CMD,		/**< enum tdm_cmd on a TDM line */
	MSG_LINE_TONE,		/**< enum msg_tone on a line no channel
				 *   holds (a caller refused: congestion) */
	/* RT -> Linux */
	MSG_RESULT = 64,
	MSG_DTMF_EVENT,		/**< a digit detected or received on a leg */
	MSG_LINE_EVENT,		/**< enum tdm_ev on a TDM line */
	MSG_CHAN_STATS,		/**< a leg's statistics, at close */
	MSG_VBD_EVENT,		/**< a fax or modem answer tone on a TDM leg */
	MSG_TYPE_MAX
};

enum msg_leg_kind { MSG_LEG_NONE, MSG_LEG_TDM, MSG_LEG_RTP, MSG_LEG_T38 };
enum msg_dir { MSG_DIR_SENDRECV, MSG_DIR_SENDONLY, MSG_DIR_RECVONLY,
	       MSG_DIR_INACTIVE };
enum msg_tone { MSG_TONE_STOP, MSG_TONE_DIAL, MSG_TONE_RINGBACK,
		MSG_TONE_BUSY, MSG_TONE_CONGESTION };
/* the answer tone of MSG_VBD_EVENT: as enum vbd_tone (media/vbd.h) */
enum msg_vbd { MSG_VBD_ANS = 1, MSG_VBD_ANS_PR };

#define MSG_CODECS 6	/**< codecs a leg may name: media/codec.h's
			 *   CODEC_COUNT (asserted in media/engine.c) */

struct msg_leg {
	uint8_t kind;		/**< enum msg_leg_kind */
	uint8_t codec;		/**< enum codec_id (RTP), < MSG_CODECS */
	uint8_t pt;		/**< RTP payload type */
	uint8_t dtmf_pt;	/**< RFC 4733 payload type, 0: none */
	uint8_t ptime_ms;	/**< 10, 20, 30 (GSM: 20, 40, 60) */
	uint8_t dir;		/**< enum msg_dir (RTP) */
	uint8_t dtmf_detect;	/**< TDM: detect in-band digits */
	uint8_t span;		/**< TDM */
	uint8_t line;		/**< TDM: channel within the span */
	uint8_t vbd_detect;	/**< TDM: detect fax and modem answer tones
				     (media/vbd.h) both ways */
	uint16_t ec_tail_ms;	/**< TDM: echo canceller tail, 0: off */
	uint16_t local_port;	/**< RTP, T.38: the RT port (even) */
	uint16_t remote_port;	/**< RTP, T.38 */
	uint32_t remote_ip;	/**< RTP, T.38: network order */
	uint16_t jb_min_ms;	/**< RTP: jitter buffer bounds (0: default) */
	uint16_t jb_max_ms;
	uint8_t vad;		/**< RTP: suppress silence, sending comfort
				     noise (RFC 3389) in its place */
	uint8_t redundancy;	/**< T.38: earlier IFP packets in each UDPTL
				     packet (0..4) */
	uint8_t srtp;		/**< RTP: enum srtpctx_suite (media/
				     srtpctx.h), 0: plain RTP */
	uint8_t latch;		/**< RTP, T.38: symmetric, send to where
				     the peer's packets come from (media/
				     rtpleg.h, t38leg.h) */
	uint8_t srtp_tx_key[MSG_KEY_LEN];	/**< RTP with srtp: ours */
	uint8_t srtp_rx_key[MSG_KEY_LEN];	/**< the peer's */
};

struct msg_hdr {
	uint16_t version;	/**< MSG_VERSION */
	uint16_t type;		/**< enum msg_type */
	uint32_t seq;		/**< the sender's; MSG_RESULT echoes it */
	uint32_t chan;		/**< channel id (0: not about a channel) */
	uint32_t pad;
};

struct gwmsg {
	struct msg_hdr h;
	union {
		struct {
			struct msg_leg a, b;
		} open;			/* OPEN, MODIFY */
		struct {
			uint8_t leg;	/* 0: a, 1: b */
			char digit;	/* 0-9 * # A-D */
			uint16_t duration_ms;
		} dtmf;			/* CHAN_DTMF, DTMF_EVENT */
		struct {
			uint8_t leg;
			uint8_t tone;	/* enum msg_tone */
			char country[4];	/* "us", "uk", "de", "fr" */
		} tone;
		struct {
			uint8_t span, line;
			uint16_t what;	/* enum tdm_cmd / tdm_ev / msg_tone */
		} line;			/* LINE_CMD, LINE_TONE, LINE_EVENT */
		struct {
			uint32_t req_seq;
			int32_t err;	/* 0 or a negative errno */
		} result;
		struct {
			uint8_t leg;
			uint8_t tone;		/* enum msg_vbd */
			uint8_t to_line;	/* 0: heard from the line,
						   1: sent to it */
		} vbd;			/* VBD_EVENT */
		struct {
			uint8_t leg;
			uint8_t codec;
			uint16_t mos_x100;	/* estimated MOS * 100 */
			uint32_t jitter_us;
			uint64_t tx_packets, rx_packets, lost, late;
			uint64_t discarded, malformed;
		} stats;
	} u;
};

_Static_assert(sizeof(struct gwmsg) <= MSG_SIZE, "a message fits MSG_SIZE");

int msg_check(const void *rec, size_t len, struct gwmsg *out);
void msg_init(struct gwmsg *m, enum msg_type type, uint32_t chan);
const char *msg_type_name(unsigned type);

#endif /* SHAREDNET_MSG_H */

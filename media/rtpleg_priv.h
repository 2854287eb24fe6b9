/* SPDX-License-Identifier: MIT */
/** @file rtpleg_priv.h  What the files of the RTP leg module share:
 *  rtpleg.c (legs, sessions, sending, statistics), rtpleg_rx.c (receive
 *  path), rtpleg_dtmf.c (RFC 4733 events), rtpleg_net.c (the oRTP
 *  transports on the leg's udpport.h ports) */
#ifndef MEDIA_RTPLEG_PRIV_H
#define MEDIA_RTPLEG_PRIV_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <ortp/ortp.h>
#include <spandsp.h>
#include <spandsp/expose.h>

#include "media/codec.h"
#include "media/jb.h"
#include "media/rtpcheck.h"
#include "media/rtpleg.h"
#include "media/udpport.h"

#define RTPLEG_FIFO	2048	/* decoded samples waiting to be played */
#define RTPLEG_EVQ	8	/* received events waiting for dtmf_poll */

struct rtpleg;

/** Our end of one of the session's two transports. */
struct rtpleg_tp {
	RtpTransport tr;	/* first: oRTP hands us this pointer */
	struct rtpleg *leg;
	bool rtcp;
};

/** An RFC 4733 event being sent (one per ptime while it lasts). */
struct rtpleg_dtmf_tx {
	bool active;
	uint8_t event;
	uint8_t ends_left;	/* end packets still to send (3 in all) */
	uint32_t ts;		/* the event's RTP timestamp */
	uint32_t sent;		/* duration so far, RTP units */
	uint32_t total;		/* duration wanted */
	uint32_t gap;		/* samples of audio before the next one */
	char queue[16];		/* digits waiting, with their durations */
	unsigned qms[16];
	unsigned qhead, qlen;
};

/** The event being received, for its duration and a lost end. */
struct rtpleg_dtmf_rx {
	bool active;
	bool reported;
	uint8_t event;
	uint32_t ts;
	uint32_t duration;	/* RTP units, the largest seen */
	uint64_t last_ns;
	char ev_digit[RTPLEG_EVQ];
	unsigned ev_ms[RTPLEG_EVQ];
	unsigned ev_head, ev_len;
};

/* silence suppression (rtpleg_vad.c) */
struct rtpleg_vad {
	bool silent;		/* audio suppressed, comfort noise sent */
	unsigned quiet_ms;	/* of quiet frames in a row */
	unsigned cn_ms;		/* since the last comfort noise packet */
};

/** Counters the media task writes and publishes (seqlock) for readers. */
struct rtpleg_counts {
	uint64_t tx_packets, tx_bytes, tx_errors;
	uint64_t rx_packets, rx_bytes;
	uint64_t oversize, decode_errors;
	uint64_t rtcp_tx;
	uint64_t dtmf_tx, dtmf_rx;
	uint64_t cn_tx;
	double rtt_ms;
	uint32_t latched_ip;	/* RTP's destination, when latched away */
	uint16_t latched_port;
	enum codec_id codec;
	uint16_t ptime_ms;
	struct jb_stats jb;
	struct rtpck_stats ck;
	struct srtpctx_stats sec;
};

struct rtpleg {
	struct udpport net;	/* RTP and RTCP: shared with the net task */

	/* the media task */
	unsigned idx;
	_Atomic bool in_use;
	struct rtpleg_cfg cfg;
	RtpSession *s;
	RtpProfile prof;
	struct rtpleg_tp tp_rtp, tp_rtcp;
	struct srtpctx *sec;		/* SRTP; NULL: plain RTP */
	struct srtpctx_stats sec_base;	/* counts of the leg's earlier keys */
	const struct udpport_slot *staged;	/* for t_recvfrom */
	/* where RTP [0] and RTCP [1] go: the remote end configured, or
	 * where the peer's packets came from (latch) */
	uint32_t to_ip[2];
	uint16_t to_port[2];
	bool latched[2];	/* latch: decided for this remote end */
	uint32_t last_uts;
	uint32_t tx_ts;
	bool tx_started;
	struct codec codec;
	bool codec_ok;
	plc_state_t plc;
	noise_state_t cn;	/* comfort noise, at cn_level -dBov */
	uint8_t cn_level;
	bool cn_on;		/* the silence is played as cn */
	bool data;		/* a data call: the jitter buffer is held */
	struct jb jb;
	struct rtpck ck;
	int16_t fifo[RTPLEG_FIFO];
	size_t fifo_len;
	struct rtpleg_dtmf_tx dtx;
	struct rtpleg_dtmf_rx drx;
	struct rtpleg_vad vad;
	struct rtpleg_counts c;

	/* published counts */
	_Atomic uint32_t pub_seq;
	struct rtpleg_counts pub;
};

static inline bool rtpleg_sending(const struct rtpleg *l)
{
	return l->cfg.dir == RTPLEG_SENDRECV || l->cfg.dir == RTPLEG_SENDONLY;
}

static inline bool rtpleg_receiving(const struct rtpleg *l)
{
	return l->cfg.dir == RTPLEG_SENDRECV || l->cfg.dir == RTPLEG_RECVONLY;
}

/* rtpleg.c */
void rtpleg_publish(struct rtpleg *l);

/* rtpleg_net.c */
void rtpleg_net_transports(struct rtpleg *l, RtpTransport **rtp,
			   RtpTransport **rtcp);

/* rtpleg_dtmf.c */
bool rtpleg_dtmf_tx(struct rtpleg *l, size_t samples);
void rtpleg_dtmf_signal(RtpSession *s, void *ev, void *ud, void *unused);
void rtpleg_dtmf_rx(struct rtpleg *l, uint32_t ts, const uint8_t *pl,
		    size_t len, uint64_t now);
void rtpleg_dtmf_rx_check(struct rtpleg *l, bool audio, uint32_t ts,
			  uint64_t now);

/* rtpleg_vad.c */
bool rtpleg_vad_tx(struct rtpleg *l, const int16_t *pcm, size_t samples);

#endif /* MEDIA_RTPLEG_PRIV_H */

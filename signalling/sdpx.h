/* SPDX-License-Identifier: MIT */
/** @file sdpx.h  SDP for a gateway that anchors media (RFC 3264)
 *
 * The SIP engine never touches RTP: it reads the peer's SDP (address,
 * port, codecs with their payload types, telephone-event, comfort noise,
 * direction),
 * picks a codec by the configured preference, and writes SDP that points
 * the peer at the RT partition's port. Parsing is Sofia-SIP's (sdp.h).
 *
 * A call that turns out to carry a fax or modem (voiceband data, ITU-T
 * V.152) is offered G.711 alone, without comfort noise, its types marked
 * for voiceband data ("a=gpmd:0 vbd=yes"; sdpx_prefs_g711(),
 * sdpx_local.data). A fax's adapter may move it to
 * T.38 instead (ITU-T T.38 Annex D): an offer whose stream is
 * "m=image PORT udptl t38" (with no audio stream left open) is read as
 * such (sdpx.t38, its error correction in t38_red), and answered by
 * sdpx_t38(), which also writes our own T.38 offer. The o= version of
 * what we send goes up when anything else in it changed (sdpx_sum()
 * tells).
 *
 * SRTP by SDES (RFC 4568): an offer in RTP/SAVP is read with the first of
 * its a=crypto lines we can take (AES_CM_128_HMAC_SHA1_80 or _32, one
 * inline key of 30 bytes, lifetime allowed, no MKI, no session parameters;
 * none: refused), and answered in RTP/SAVP with that line's tag and suite
 * and our own key. An offer in RTP/AVP with crypto lines (best-effort SRTP,
 * as phones set to "SRTP optional" send it) is read the same way, none
 * taken meaning plain RTP, and answered in RTP/AVP with the crypto line.
 * Our own offer lists both suites with our key, in RTP/SAVP or, best
 * effort, in RTP/AVP; the answer's crypto line says which one the peer
 * took.
 */
#ifndef SIGNALLING_SDPX_H
#define SIGNALLING_SDPX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "media/codec.h"
#include "media/srtpctx.h"

#define SDPX_MAX_FMT 16
#define SDPX_T38_RED 3		/* earlier IFP packets in each UDPTL one */
#define SDPX_T38_DATAGRAM 400	/* our T38FaxMaxDatagram (the RT
				   partition's ports take 512) */

enum sdpx_dir { SDPX_SENDRECV, SDPX_SENDONLY, SDPX_RECVONLY, SDPX_INACTIVE };

struct sdpx_fmt {
	uint8_t pt;
	int codec;		/* enum codec_id, or -1: not ours */
	char name[16];
};

struct sdpx {
	uint32_t ip;		/* network order; 0.0.0.0: hold (RFC 2543) */
	uint16_t port;		/* 0: audio refused */
	bool t38;		/* the stream is T.38 in UDPTL, not audio */
	uint8_t t38_red;	/* T.38: UDPTL redundancy asked (T38FaxUdpEC
				   t38UDPRedundancy or t38UDPFEC, which we
				   answer with redundancy: SDPX_T38_RED;
				   none: 0) */
	bool t38_after_audio;	/* T.38: a refused audio stream came first
				   (the answer keeps it, RFC 3264 6) */
	unsigned ptime_ms;	/* 0: not given */
	enum sdpx_dir dir;
	int te_pt;		/* telephone-event payload type, -1: none */
	bool cn;		/* comfort noise (RFC 3389) as type 13 */
	unsigned nfmt;
	struct sdpx_fmt fmt[SDPX_MAX_FMT];	/* in the peer's order */
	bool savp;		/* RTP/SAVP (then srtp is set) */
	uint8_t srtp;		/* enum srtpctx_suite of the crypto line
				   taken, SRTPCTX_NONE: plain RTP */
	uint32_t crypto_tag;	/* its tag */
	uint8_t srtp_key[SRTPCTX_KEY_LEN];	/* its key: the peer's */
};

/* our side of a session, as our SDP describes it */
struct sdpx_local {
	uint32_t ip;		/* network order */
	uint16_t port;
	enum sdpx_dir dir;
	uint64_t sess, ver;	/* o= session id and version (RFC 3264 8) */
	bool data;		/* voiceband data (V.152): no comfort noise */
	const uint8_t *srtp_key;	/* our SRTP master key: an offer
					   with SDES, an answer to one; NULL:
					   plain RTP */
	bool savp;			/* an offer in RTP/SAVP (with
					   srtp_key), not RTP/AVP */
};

struct sdpx_prefs {
	unsigned n;
	enum codec_id codec[CODEC_COUNT];	/* most preferred first */
};

int  sdpx_parse(const char *body, size_t len, struct sdpx *s, char *why,
		size_t whylen);
int  sdpx_prefs_parse(const char *list, struct sdpx_prefs *p);
void sdpx_prefs_g711(const struct sdpx_prefs *p, struct sdpx_prefs *out);
void sdpx_prefs_without(const struct sdpx_prefs *p, enum codec_id id,
			struct sdpx_prefs *out);
bool sdpx_is_g711(enum codec_id codec);
int  sdpx_choose(const struct sdpx *offer, const struct sdpx_prefs *p,
		 enum codec_id *codec, uint8_t *pt);
int  sdpx_offer(char *buf, size_t len, const struct sdpx_local *me,
		const struct sdpx_prefs *p);
bool sdpx_cn_agreed(const struct sdpx *peer, uint8_t pt, bool data);
int  sdpx_answer(char *buf, size_t len, const struct sdpx_local *me,
		 enum codec_id codec, uint8_t pt, const struct sdpx *offer,
		 unsigned ptime_ms);
int  sdpx_t38(char *buf, size_t len, const struct sdpx_local *me,
	      const struct sdpx *peer);
uint32_t sdpx_sum(const char *sdp);
enum sdpx_dir sdpx_reverse(enum sdpx_dir d);

#endif /* SIGNALLING_SDPX_H */

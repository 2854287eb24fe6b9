// SPDX-License-Identifier: MIT
/** @file rtpleg_rx.c  The receive path of an RTP leg: ring, validation,
 *  jitter buffer, oRTP, decoding and concealment
 *
 * Each datagram the net task put in the leg's ring is checked (on an
 * SRTP leg first by SRTP, srtpctx.h, and decrypted in its slot), then by
 * rtpcheck.h; an RTP packet of the leg's source goes to the jitter
 * buffer (audio, or its place in time for events and comfort noise);
 * then the datagram is given to oRTP alone, through
 * rtp_session_recvm_with_ts() with its arrival time in 8 kHz units, so
 * that oRTP keeps what its RTCP reports say (interarrival jitter, loss,
 * last SR), takes RTCP in (round-trip time) and emits the
 * "telephone-event" signal; what it returns is freed: oRTP's own jitter
 * buffer is off, and it drops misordered packets, which ours plays.
 * Playout decodes frames into a FIFO of 8 kHz samples (the peer's ptime
 * need not be ours), conceals missing ones with SpanDSP's PLC, and plays
 * silence when there is nothing, or comfort noise (RFC 3389) at the level
 * the peer's last CN packet gave, from it until the next frame.
 */
#include <errno.h>
#include <string.h>

#include <ortp/ortp.h>

#include "media/rtpleg_priv.h"

#define TICK_NS		125000u		/* one sample at 8 kHz */

/* Give the datagram in @p s to oRTP alone, at its arrival time */
static void feed(struct rtpleg *l, const struct udpport_slot *s)
{
	uint32_t uts = (uint32_t)(s->at_ns / TICK_NS);
	mblk_t *m;

	/* oRTP reads nothing when asked twice for the same time */
	if ((int32_t)(uts - l->last_uts) <= 0)
		uts = l->last_uts + 1;
	l->last_uts = uts;
	l->staged = s;
	m = rtp_session_recvm_with_ts(l->s, uts);
	if (m)
		freemsg(m);	/* our jitter buffer has it */
	l->staged = NULL;
}

/* @return false when refused (counted by rtpck) */
static bool take_rtp(struct rtpleg *l, const struct udpport_slot *s)
{
	struct rtpck_rtp h;
	struct jb_pkt p;
	bool audio;

	if (rtpck_rtp(&l->ck, s->data, s->len, &h) != RTPCK_OK)
		return false;
	l->c.rx_packets++;
	l->c.rx_bytes += h.payload_len;
	memset(&p, 0, sizeof(p));
	p.seq = h.seq;
	p.ts = h.ts;
	p.ssrc = h.ssrc;
	p.marker = h.marker;
	p.arrival_ns = s->at_ns;
	audio = h.pt == l->cfg.pt && h.payload_len;
	if (audio && h.payload_len > JB_PAYLOAD_MAX) {
		l->c.oversize++;	/* its place in time is kept */
	} else if (audio) {
		p.payload = s->data + h.payload_off;
		p.len = h.payload_len;
	} else if (h.pt == l->cfg.te_pt) {
		rtpleg_dtmf_rx(l, h.ts, s->data + h.payload_off,
			       h.payload_len, s->at_ns);
	} else if (h.pt == RTPCK_PT_CN) {
		p.cn = true;	/* its level, the spectrum is not used */
		p.payload = s->data + h.payload_off;
		p.len = h.payload_len ? 1 : 0;
	}
	if (rtpleg_receiving(l))
		jb_put(&l->jb, &p);
	feed(l, s);
	if (audio)
		rtpleg_dtmf_rx_check(l, true, h.ts, s->at_ns);
	return true;
}

/* latch: the first good packet of a port since the remote end was set
 * decides where that port's packets go (see rtpleg.h) */
static void latch(struct rtpleg *l, const struct udpport_slot *s)
{
	unsigned w = s->which;

	l->latched[w] = true;
	if (!s->from_ip ||
	    (s->from_ip == l->to_ip[w] && s->from_port == l->to_port[w]))
		return;
	l->to_ip[w] = s->from_ip;
	l->to_port[w] = s->from_port;
	if (!w) {
		l->c.latched_ip = s->from_ip;
		l->c.latched_port = s->from_port;
	}
}

/* SRTP: check and decrypt @p s in its slot. @return false when refused
 * (counted by srtpctx) */
static bool unprotect(struct rtpleg *l, struct udpport_slot *s)
{
	size_t len = s->len;

	if (srtpctx_unprotect(l->sec, s->which, s->data, &len))
		return false;
	s->len = (uint16_t)len;
	return true;
}

static void take(struct rtpleg *l)
{
	struct udpport_slot *s;

	while ((s = udpport_peek(&l->net))) {
		bool good = false;

		/* a packet SRTP refuses is dropped (counted there) */
		if (!l->sec || unprotect(l, s)) {
			if (!s->which) {
				good = take_rtp(l, s);
			} else if (rtpck_rtcp(&l->ck, s->data, s->len,
					      NULL) == RTPCK_OK) {
				feed(l, s);
				good = true;
			}
		}
		if (good && l->cfg.latch && !l->latched[s->which])
			latch(l, s);
		udpport_pop(&l->net);
	}
}

/* SpanDSP 0.0.6's plc_fillin() starts a gap by putting its history ring
 * in order with memcpy() between overlapping ranges (undefined; ASan
 * stops there) whenever the ring's start is in its first half. Put it in
 * order first with memmove(); plc_state_t is public in 0.0.6's plc.h. */
static void plc_order_history(plc_state_t *s)
{
	int16_t tmp[PLC_HISTORY_LEN];
	size_t n = (size_t)s->buf_ptr;

	if (s->missing_samples || !n || n >= PLC_HISTORY_LEN)
		return;
	memcpy(tmp, s->history, n * sizeof(*tmp));
	memmove(s->history, s->history + n,
		(PLC_HISTORY_LEN - n) * sizeof(*tmp));
	memcpy(s->history + PLC_HISTORY_LEN - n, tmp, n * sizeof(*tmp));
	s->buf_ptr = 0;
}

/* A comfort noise packet's payload (RFC 3389): the noise level in -dBov
 * (bit 7 reserved, zero), then reflection coefficients, which are not
 * used: the noise is white, the model of order zero that RFC 3389 section
 * 3 lets a decoder reduce to. SpanDSP's dBov is RFC 3389's (section 3.1):
 * 0 dBov is a full-scale square wave. A malformed one is a decode error
 * and changes nothing. */
static void comfort_noise(struct rtpleg *l, const uint8_t *pl, size_t len)
{
	if (!len || pl[0] > 127) {
		l->c.decode_errors++;
		return;
	}
	if (!l->cn_on || pl[0] != l->cn_level)
		noise_init_dbov(&l->cn, (int)l->idx + 1, -(float)pl[0],
				NOISE_CLASS_AWGN, 7);
	l->cn_level = pl[0];
	l->cn_on = true;
}

/* Fill the FIFO with at least @p samples: frames, concealment, silence or
 * comfort noise */
static void play(struct rtpleg *l, uint64_t now, size_t samples)
{
	uint8_t buf[JB_PAYLOAD_MAX];

	while (l->fifo_len < samples) {
		int16_t *out = l->fifo + l->fifo_len;
		size_t room = RTPLEG_FIFO - l->fifo_len, len;
		uint32_t dur;
		/* when this frame will start to play */
		enum jb_res r = jb_get(&l->jb, now + l->fifo_len * TICK_NS,
				       buf, &len, &dur);
		int n;

		if (r == JB_FRAME) {
			n = codec_decode(&l->codec, buf, len, out, room);
			if (n > 0) {
				plc_rx(&l->plc, out, n);
				l->fifo_len += (size_t)n;
				l->cn_on = false;
				continue;
			}
			l->c.decode_errors++;
			r = JB_MISSING;
		}
		if (r == JB_MISSING && dur) {
			n = (int)(dur < room ? dur : room);
			plc_order_history(&l->plc);
			plc_fillin(&l->plc, out, n);
			l->fifo_len += (size_t)n;
			continue;
		}
		if (r == JB_CN)
			comfort_noise(l, buf, len);
		/* nothing to play: silence, which concealment must know */
		n = (int)(samples - l->fifo_len);
		if (l->cn_on)
			for (int i = 0; i < n; i++)
				out[i] = noise(&l->cn);
		else
			memset(out, 0, (size_t)n * sizeof(*out));
		plc_rx(&l->plc, out, n);
		l->fifo_len = samples;
	}
}

/**
 * Take what arrived for leg @p l and play @p samples samples of 8 kHz
 * audio into @p pcm8k, always all of them: decoded frames, concealment
 * (SpanDSP PLC) for lost or late ones, silence before the first packet,
 * in silent gaps and while the leg does not receive (sendonly, inactive),
 * or comfort noise in a silent gap that a comfort noise packet began.
 * Also lets oRTP take RTCP in and send reports while the leg does not
 * send. @p now_ns is the playout time of the first sample, on the clock
 * that stamps arrivals (rtk_now_ns(), or the one of rtpleg_clock_set()).
 * Context: the media task, once per ptime (or any whole number of
 * samples up to RTPLEG_MAX_SAMPLES).
 * @return 0 or -EINVAL
 */
int rtpleg_recv(struct rtpleg *l, uint64_t now_ns, int16_t *pcm8k,
		size_t samples)
{
	if (!l || !pcm8k || !samples || samples > RTPLEG_MAX_SAMPLES ||
	    !atomic_load_explicit(&l->in_use, memory_order_relaxed))
		return -EINVAL;
	take(l);
	rtpleg_dtmf_rx_check(l, false, 0, now_ns);
	if (!rtpleg_sending(l))
		rtp_session_rtcp_process_send(l->s);
	if (rtpleg_receiving(l)) {
		play(l, now_ns, samples);
		memcpy(pcm8k, l->fifo, samples * sizeof(*pcm8k));
		l->fifo_len -= samples;
		memmove(l->fifo, l->fifo + samples,
			l->fifo_len * sizeof(*l->fifo));
	} else {
		memset(pcm8k, 0, samples * sizeof(*pcm8k));
		l->fifo_len = 0;
	}
	l->c.rtt_ms = rtp_session_get_round_trip_propagation(l->s) * 1000.0;
	rtpleg_publish(l);
	return 0;
}

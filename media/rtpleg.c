// SPDX-License-Identifier: MIT
/** @file rtpleg.c  The RTP leg of a voice channel: module, legs, oRTP
 *  sessions, sending, statistics (receiving: rtpleg_rx.c)
 *
 * oRTP is used without its scheduler, without blocking and without its
 * jitter buffer, with one session per leg made at init and reset for each
 * call. RTCP goes out on oRTP's own timing (every rtcp_ms, randomised):
 * from rtp_session_sendm_with_ts() while the leg sends, from
 * rtp_session_rtcp_process_send() in rtpleg_recv() while it only
 * receives (then as receiver reports).
 */
#define LOG_MODULE "rtpleg"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ortp/ortp.h>

#include "media/mos.h"
#include "media/ortp_extra.h"
#include "media/rtpleg_priv.h"
#include "rtos-kernel/log.h"
#include "rtos-kernel/rtk.h"

#define DEF_JB_MAX_MS	200
#define MAX_JB_MS	1000

static struct rtpleg *legs;
static size_t nlegs;
static size_t nsrtp, max_srtp = SIZE_MAX;	/* SRTP legs: open, at most */
/* legs not in use, a stack of indices (changed by the media task only) */
static unsigned *free_legs;
static size_t nfree;
static _Atomic uint64_t rnd_ctr;

/* splitmix64: SSRCs, first sequence numbers and timestamps (RFC 3550
 * wants them random); not for security */
static uint64_t rnd(void)
{
	uint64_t z = atomic_fetch_add(&rnd_ctr, 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void quiet(const char *domain, OrtpLogLevel lev, const char *fmt,
		  va_list args)
{
	(void)domain;	/* oRTP logs per packet: nothing on the RT path */
	(void)lev;
	(void)fmt;
	(void)args;
}

static PayloadType *payload_of(enum codec_id id)
{
	switch (id) {
	case CODEC_PCMU:
		return &payload_type_pcmu8000;
	case CODEC_PCMA:
		return &payload_type_pcma8000;
	case CODEC_G722:
		return &payload_type_g722;	/* RTP clock 8000 */
	case CODEC_G726_32:
		return &payload_type_g726_32;
	case CODEC_G729:
		return &payload_type_g729;
	case CODEC_GSM:
	default:
		return &payload_type_gsm;
	}
}

/* Validate @p in and fill the defaults into @p c */
static int check_cfg(const struct rtpleg_cfg *in, struct rtpleg_cfg *c)
{
	size_t bytes;

	if (!in)
		return -EINVAL;
	*c = *in;
	if (!c->te_pt)
		c->te_pt = RTPLEG_TE_DEFAULT;
	if (!c->jb_min_ms)
		c->jb_min_ms = (uint16_t)(2 * c->ptime_ms);
	if (!c->jb_max_ms)
		c->jb_max_ms = DEF_JB_MAX_MS;
	if (!c->rtcp_ms)
		c->rtcp_ms = RTPLEG_RTCP_MS;
	if (!c->local_port || c->local_port % 2 || c->local_port == 65534 ||
	    (unsigned)c->codec >= CODEC_COUNT || c->pt > 127 ||
	    (c->te_pt > 127 && c->te_pt != RTPLEG_TE_NONE) ||
	    c->te_pt == c->pt || (unsigned)c->dir > RTPLEG_INACTIVE ||
	    (c->vad && (c->pt == RTPCK_PT_CN || c->te_pt == RTPCK_PT_CN)) ||
	    c->jb_min_ms > c->jb_max_ms || c->jb_max_ms > MAX_JB_MS)
		return -EINVAL;
	bytes = codec_payload_bytes(c->codec, c->ptime_ms);
	if (!bytes || bytes > JB_PAYLOAD_MAX ||
	    c->ptime_ms * 8u > RTPLEG_MAX_SAMPLES)
		return -EINVAL;
	return 0;
}

/* oRTP keeps a datagram in its queue until rtp_session_recvm_with_ts()
 * finds it due; asked once per datagram, it holds one or two (measured:
 * some 1.5 heap blocks a leg). Its queue's bound, JBParameters.max_packets
 * ("max number of packets allowed to be queued"), is set low so that what
 * a leg may hold stays within RTPLEG_HEAP_BLOCKS; our jitter buffer plays
 * the audio. */
#define ORTP_QUEUE_MAX	4
_Static_assert(2 * ORTP_QUEUE_MAX + 2 <= RTPLEG_HEAP_BLOCKS,
	       "RTPLEG_HEAP_BLOCKS covers oRTP's queues");

static void bound_ortp_queue(RtpSession *s)
{
	JBParameters jb;

	rtp_session_get_jitter_buffer_params(s, &jb);
	jb.max_packets = ORTP_QUEUE_MAX;
	rtp_session_set_jitter_buffer_params(s, &jb);
}

static int make_session(struct rtpleg *l)
{
	RtpTransport *rtp, *rtcp, *old_rtp, *old_rtcp;
	char cname[32];

	l->s = rtp_session_new(RTP_SESSION_SENDRECV);
	if (!l->s)
		return -ENOMEM;
	rtp_session_set_scheduling_mode(l->s, 0);
	rtp_session_set_blocking_mode(l->s, 0);
	bound_ortp_queue(l->s);
	rtp_session_enable_jitter_buffer(l->s, FALSE);
	/* rtpcheck.h decides which source is heard; oRTP follows */
	rtp_session_set_ssrc_changed_threshold(l->s, 0);
	rtp_session_set_recv_buf_size(l->s, RTPLEG_SLOT);
	rtp_session_set_profile(l->s, &l->prof);
	rtpleg_net_transports(l, &rtp, &rtcp);
	if (!rtp || !rtcp) {
		if (rtp)
			meta_rtp_transport_destroy(rtp);
		if (rtcp)
			meta_rtp_transport_destroy(rtcp);
		return -ENOMEM;
	}
	/* oRTP 5.1 gives a new session transports of its own (kernel
	 * sockets) and does not free them when they are replaced */
	rtp_session_get_transports(l->s, &old_rtp, &old_rtcp);
	rtp_session_set_transports(l->s, rtp, rtcp);
	if (old_rtp)
		meta_rtp_transport_destroy(old_rtp);
	if (old_rtcp)
		meta_rtp_transport_destroy(old_rtcp);
	rtp_session_signal_connect(l->s, "telephone-event",
				   rtpleg_dtmf_signal, l);
	snprintf(cname, sizeof(cname), "leg%u@rtpart", l->idx);
	rtp_session_set_source_description(l->s, cname, NULL, NULL, NULL,
					   NULL, "gw-rtpleg", NULL);
	return 0;
}

/**
 * Make everything @p max_legs legs need: oRTP (its logging silenced, no
 * scheduler), one session with our lwIP transports and two lwIP PCBs per
 * leg, receive rings, codec, jitter buffer and concealment states.
 * Call once, after lwIP is up (lwipif_init()),
 * before the RT partition starts. Context: init (allocates).
 * @return 0, -EINVAL, -EALREADY or -ENOMEM
 */
int rtpleg_module_init(size_t max_legs)
{
	size_t size = max_legs * sizeof(struct rtpleg);
	int err = 0;

	if (!max_legs || max_legs > 65536)
		return -EINVAL;
	if (legs)
		return -EALREADY;
	err = srtpctx_module_init();
	if (err)
		return err;
	legs = aligned_alloc(_Alignof(struct rtpleg), size);
	free_legs = calloc(max_legs, sizeof(*free_legs));
	if (!legs || !free_legs) {
		free(legs);
		free(free_legs);
		legs = NULL;
		free_legs = NULL;
		return -ENOMEM;
	}
	memset(legs, 0, size);
	for (nfree = 0; nfree < max_legs; nfree++)	/* leg 0 on top */
		free_legs[nfree] = (unsigned)(max_legs - 1 - nfree);
	atomic_store(&rnd_ctr, rtk_now_ns());
	ortp_set_log_handler(quiet);	/* before ortp_init() logs */
	ortp_init();
	for (nlegs = 0; nlegs < max_legs && !err; nlegs++) {
		struct rtpleg *l = &legs[nlegs];

		l->idx = (unsigned)nlegs;
		err = udpport_init(&l->net, 2);
		if (!err)
			err = make_session(l);
		plc_init(&l->plc);
	}
	if (err) {
		LOG_ERR("init: %u legs: %s", (unsigned)max_legs,
			strerror(-err));
		rtpleg_module_fini();
		return err;
	}
	LOG_INFO("%u legs ready", (unsigned)max_legs);
	return 0;
}

/** At most @p max legs may be SRTP legs at once: what the RT heap was sized
 *  for (srtpctx_heap_need); one more is refused. Unlimited until called.
 *  Context: init. */
void rtpleg_max_srtp(size_t max)
{
	max_srtp = max;
}

/* the SRTP context of @p sc for a leg, within rtpleg_max_srtp();
 * @p replacing: the leg has one already */
static int srtp_open(struct srtpctx **sec, const struct srtpctx_cfg *sc,
		     bool replacing)
{
	int err;

	if (!replacing && nsrtp >= max_srtp)
		return -ENOSPC;
	err = srtpctx_open(sec, sc);
	if (!err && !replacing)
		nsrtp++;
	return err;
}

static void srtp_close(struct rtpleg *l)
{
	if (!l->sec)
		return;
	srtpctx_close(l->sec);
	l->sec = NULL;
	nsrtp--;
}

/** Close every leg and free what rtpleg_module_init() made (tests; the
 *  RT partition keeps its legs until it exits). Context: teardown. */
void rtpleg_module_fini(void)
{
	if (!legs)
		return;
	for (size_t i = 0; i < nlegs; i++) {
		struct rtpleg *l = &legs[i];

		if (atomic_load(&l->in_use))
			rtpleg_close(l);
		if (l->s)
			rtp_session_destroy(l->s);
		udpport_fini(&l->net);
	}
	ortp_exit();
	free(legs);
	free(free_legs);
	legs = NULL;
	free_legs = NULL;
	nlegs = nfree = 0;
}

/* the session's payload types, source and report interval for @p c */
static void setup_session(struct rtpleg *l, const struct rtpleg_cfg *c)
{
	RtpSession *s = l->s;

	rtp_profile_clear_all(&l->prof);
	rtp_profile_set_payload(&l->prof, c->pt, payload_of(c->codec));
	if (c->te_pt != RTPLEG_TE_NONE)
		rtp_profile_set_payload(&l->prof, c->te_pt,
					&payload_type_telephone_event);
	if (c->pt != RTPCK_PT_CN && c->te_pt != RTPCK_PT_CN)
		rtp_profile_set_payload(&l->prof, RTPCK_PT_CN,
					&payload_type_cn);
	rtp_session_set_profile(s, &l->prof);	/* finds the event type */
	rtp_session_set_payload_type(s, c->pt);
	if (c->te_pt != RTPLEG_TE_NONE)
		rtp_session_set_send_telephone_event_payload_type(s, c->te_pt);
	rtp_session_set_rtcp_report_interval(s, c->rtcp_ms);
	rtp_session_enable_rtcp(s, TRUE);
}

/* rtp_session_reset() keeps the RTCP schedule of the previous call: the
 * first report of this one could wait a whole old interval. Start it
 * afresh, as rtp_session_init() does (the structure is public) */
static void restart_rtcp(RtpSession *s)
{
	OrtpRtcpSendAlgorithm *sa = &s->rtcp.send_algo;
	mblk_t *fb = sa->fb_packets;

	memset(sa, 0, sizeof(*sa));
	sa->fb_packets = fb;
	sa->initial = TRUE;
	sa->allow_early = TRUE;
}

/* the SRTP counts of the leg's keys so far, and of those it has now */
static void sec_counts(const struct rtpleg *l, struct srtpctx_stats *st)
{
	struct srtpctx_stats now;

	srtpctx_stats_get(l->sec, &now);	/* zeros without SRTP */
	*st = l->sec_base;
	st->protected_rtp += now.protected_rtp;
	st->protected_rtcp += now.protected_rtcp;
	st->unprotected_rtp += now.unprotected_rtp;
	st->unprotected_rtcp += now.unprotected_rtcp;
	st->auth_fail += now.auth_fail;
	st->replay += now.replay;
	st->other_fail += now.other_fail;
}

/* Make the counts visible to rtpleg_stats_get() (a seqlock: one writer,
 * the media task) */
void rtpleg_publish(struct rtpleg *l)
{
	uint32_t seq = atomic_load_explicit(&l->pub_seq, memory_order_relaxed);

	jb_stats_get(&l->jb, &l->c.jb);
	l->c.ck = l->ck.st;
	sec_counts(l, &l->c.sec);
	l->c.codec = l->cfg.codec;
	l->c.ptime_ms = l->cfg.ptime_ms;
	atomic_store_explicit(&l->pub_seq, seq + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	l->pub = l->c;
	atomic_store_explicit(&l->pub_seq, seq + 2, memory_order_release);
}

/* Send RTP and RTCP to the remote end configured (again), latching anew */
static void to_remote(struct rtpleg *l)
{
	const struct rtpleg_cfg *c = &l->cfg;

	l->to_ip[0] = l->to_ip[1] = c->remote_ip;
	l->to_port[0] = c->remote_port;
	l->to_port[1] = c->remote_rtcp_port ? c->remote_rtcp_port :
			(uint16_t)(c->remote_port + 1);
	l->latched[0] = l->latched[1] = false;
	l->c.latched_ip = 0;
	l->c.latched_port = 0;
}

static int start(struct rtpleg *l, const struct rtpleg_cfg *c)
{
	struct jb_cfg jc = {
		.clock_hz = 8000, .frame_ms = c->ptime_ms,
		.min_ms = c->jb_min_ms, .max_ms = c->jb_max_ms,
	};
	struct rtpck_cfg kc = {
		.pt_audio = c->pt, .pt_event = c->te_pt, .accept_cn = true,
	};
	uint32_t ssrc = c->ssrc;
	int err;

	l->cfg = *c;
	err = codec_init(&l->codec, c->codec);
	if (err)
		return err;
	err = jb_init(&l->jb, &jc);
	if (err)
		goto out_codec;
	rtpck_init(&l->ck, &kc);
	plc_init(&l->plc);
	l->fifo_len = 0;
	l->cn_on = false;
	l->data = false;
	memset(&l->dtx, 0, sizeof(l->dtx));
	memset(&l->drx, 0, sizeof(l->drx));
	memset(&l->vad, 0, sizeof(l->vad));
	memset(&l->c, 0, sizeof(l->c));
	memset(&l->sec_base, 0, sizeof(l->sec_base));
	to_remote(l);
	l->staged = NULL;
	l->last_uts = 0;
	l->tx_started = false;
	l->tx_ts = (uint32_t)rnd();
	while (!ssrc)
		ssrc = (uint32_t)rnd();
	rtp_session_reset(l->s);
	restart_rtcp(l->s);
	setup_session(l, c);
	rtp_session_set_ssrc(l->s, ssrc);
	rtp_session_set_seq_number(l->s, (uint16_t)rnd());
	if (c->srtp.suite != SRTPCTX_NONE) {
		err = srtp_open(&l->sec, &c->srtp, false);
		if (err)
			goto out_codec;
	}
	err = udpport_bind(&l->net, c->local_port);
	if (err)
		goto out_sec;
	rtpleg_publish(l);
	return 0;

 out_sec:
	srtp_close(l);
 out_codec:
	codec_fini(&l->codec);
	return err;
}

/**
 * Open a leg described by @p cfg (see struct rtpleg_cfg for defaults)
 * and listen on its RT ports. Context: the media task; nothing is
 * allocated (the leg was made at init) but an SRTP leg's context, from the
 * RT heap set aside for rtpleg_max_srtp() of them.
 * @return 0 with the leg in *@p lp, -EINVAL (bad configuration or module
 *	   not initialised), -ENOSPC (every leg in use, or every SRTP leg),
 *	   -ENOMEM (no room for an SRTP context), -EADDRINUSE (port or port
 *	   + 1 taken)
 */
int rtpleg_open(struct rtpleg **lp, const struct rtpleg_cfg *cfg)
{
	struct rtpleg_cfg c;
	struct rtpleg *l;
	int err = check_cfg(cfg, &c);

	if (err || !lp || !legs)
		return -EINVAL;
	if (udpport_taken(c.local_port))
		return -EADDRINUSE;
	/* oRTP does not survive a failed allocation: a leg opens only while
	 * the heap has room for what it may hold (the RT partition sizes the
	 * heap for every leg; this holds if something else ate the room) */
	if (rtk_heap_ready() &&
	    rtk_heap_free_blocks(RTPLEG_HEAP_BLOCK) < 2 * RTPLEG_HEAP_BLOCKS)
		return -ENOSPC;
	if (!nfree)
		return -ENOSPC;
	l = &legs[free_legs[nfree - 1]];
	atomic_store(&l->in_use, true);
	err = start(l, &c);
	if (err) {
		atomic_store(&l->in_use, false);
		return err;
	}
	nfree--;
	*lp = l;
	return 0;
}

static int move_port(struct rtpleg *l, uint16_t from, uint16_t to)
{
	int err;

	if (udpport_taken(to))
		return -EADDRINUSE;
	udpport_unbind(&l->net);
	err = udpport_bind(&l->net, to);
	if (err && udpport_bind(&l->net, from))
		LOG_ERR("modify: port %u lost", from);
	return err;
}

/* a new codec and jitter buffer when the media changed (a new codec that
 * cannot start leaves the old one) */
static void change_media(struct rtpleg *l, const struct rtpleg_cfg *old,
			 struct rtpleg_cfg *c)
{
	struct jb_cfg jc = {
		.clock_hz = 8000, .frame_ms = c->ptime_ms,
		.min_ms = c->jb_min_ms, .max_ms = c->jb_max_ms,
	};
	int err;

	if (c->codec != old->codec) {
		codec_fini(&l->codec);
		err = codec_init(&l->codec, c->codec);
		if (err) {
			LOG_ERR("modify: codec %d: %s", c->codec,
				strerror(-err));
			c->codec = old->codec;
			c->pt = old->pt;
			if (codec_init(&l->codec, old->codec))
				LOG_ERR("modify: codec %d lost", old->codec);
		}
	}
	if (c->ptime_ms != old->ptime_ms || c->jb_min_ms != old->jb_min_ms ||
	    c->jb_max_ms != old->jb_max_ms || c->codec != old->codec) {
		jb_init(&l->jb, &jc);	/* a new stream: counters restart */
		l->fifo_len = 0;
		l->cn_on = false;
		if (l->data)
			jb_fix_delay(&l->jb);
	}
}

/* new SRTP keys (or none) for @p l: the old context stays when the new one
 * cannot be made; the counts go on from the old one's */
static int rekey(struct rtpleg *l, const struct srtpctx_cfg *sc)
{
	struct srtpctx *sec = NULL;
	int err;

	if (sc->suite != SRTPCTX_NONE) {
		err = srtp_open(&sec, sc, l->sec != NULL);
		if (err)
			return err;
	}
	sec_counts(l, &l->sec_base);
	if (sec && l->sec)
		srtpctx_close(l->sec);	/* the new one takes its place */
	else
		srtp_close(l);
	l->sec = sec;
	return 0;
}

/**
 * Change an open leg (a re-INVITE): remote address, codec and payload
 * types, ptime, jitter buffer bounds, direction (hold), even the local
 * port. A new remote end lets the next source be heard at once (see
 * rtpcheck.h) and, with latch, moves the stream to the next source's
 * address. Context: the media task.
 * New SRTP keys (or none, or SRTP from none) take a new context, first.
 * @return 0, -EINVAL, -ENOSPC or -ENOMEM (no SRTP context to be had:
 *	   nothing changed), -EADDRINUSE (the leg keeps its old port, and its
 *	   new keys)
 */
int rtpleg_modify(struct rtpleg *l, const struct rtpleg_cfg *cfg)
{
	struct rtpleg_cfg c, old;
	int err = check_cfg(cfg, &c);
	bool moved;

	if (err || !l || !atomic_load(&l->in_use))
		return -EINVAL;
	old = l->cfg;
	if (!c.ssrc)
		c.ssrc = old.ssrc;
	if (memcmp(&c.srtp, &old.srtp, sizeof(c.srtp))) {
		err = rekey(l, &c.srtp);
		if (err)
			return err;
		l->cfg.srtp = c.srtp;	/* whatever comes next */
	}
	if (c.local_port != old.local_port) {
		err = move_port(l, old.local_port, c.local_port);
		if (err)
			return err;
	}
	change_media(l, &old, &c);
	if (!c.vad)		/* a later vad starts afresh */
		memset(&l->vad, 0, sizeof(l->vad));
	moved = c.remote_ip != old.remote_ip || c.remote_port != old.remote_port;
	if (moved)
		rtpck_release(&l->ck);
	l->cfg = c;
	if (moved || c.remote_rtcp_port != old.remote_rtcp_port ||
	    c.latch != old.latch)
		to_remote(l);
	rtpck_set_cfg(&l->ck, &(struct rtpck_cfg){
		.pt_audio = c.pt, .pt_event = c.te_pt, .accept_cn = true });
	setup_session(l, &c);
	rtpleg_publish(l);
	return 0;
}

/** Carry a data call (fax or modem, media/vbd.h) on @p l from now on: its
 *  jitter buffer keeps the delay it has (jb_fix_delay()), also across a
 *  modify; until the leg is closed. Context: the media task. */
void rtpleg_data_mode(struct rtpleg *l)
{
	l->data = true;
	jb_fix_delay(&l->jb);
}

/**
 * Close leg @p l: an RTCP BYE goes to the remote end, its ports close and
 * the leg goes back to the pool; @p l must not be used afterwards.
 * Context: the media task.
 */
void rtpleg_close(struct rtpleg *l)
{
	if (!l || !atomic_load(&l->in_use))
		return;
	if (l->cfg.remote_ip)
		rtp_session_bye(l->s, "closed");
	udpport_unbind(&l->net);
	codec_fini(&l->codec);
	rtpleg_publish(l);
	srtp_close(l);
	atomic_store(&l->in_use, false);
	free_legs[nfree++] = l->idx;
}

/**
 * Send one ptime of audio: @p samples (the leg's ptime x 8) samples of
 * 8 kHz audio from @p pcm8k are encoded and sent in one RTP packet
 * stamped with the leg's RTP clock, which advances by @p samples; an RFC
 * 4733 event in progress is sent instead, and with vad silence is
 * suppressed (rtpleg_vad.c). A leg on hold (recvonly, inactive) sends
 * nothing but its clock advances.
 * Context: the media task, once per ptime.
 * @return 0, -EINVAL (bad argument, leg not open, @p samples not whole
 *	   codec frames), or -EIO (lwIP refused it; counted)
 */
int rtpleg_send(struct rtpleg *l, const int16_t *pcm8k, size_t samples)
{
	uint8_t pay[RTPLEG_SLOT];
	uint64_t errors;
	mblk_t *m;
	int n;

	if (!l || !pcm8k || !samples || samples > RTPLEG_MAX_SAMPLES ||
	    !atomic_load_explicit(&l->in_use, memory_order_relaxed))
		return -EINVAL;
	if (!rtpleg_sending(l) || rtpleg_dtmf_tx(l, samples) ||
	    (l->cfg.vad && !l->data && rtpleg_vad_tx(l, pcm8k, samples))) {
		l->tx_ts += (uint32_t)samples;
		rtpleg_publish(l);
		return 0;
	}
	n = codec_encode(&l->codec, pcm8k, samples, pay, sizeof(pay));
	if (n < 0)
		return n;
	m = rtp_session_create_packet(l->s, RTP_FIXED_HEADER_SIZE, pay,
				      (size_t)n);
	errors = l->c.tx_errors;
	if (!m) {
		l->c.tx_errors++;
	} else {
		if (!l->tx_started)
			rtp_set_markbit(m, 1);	/* the stream starts */
		l->tx_started = true;
		if (rtp_session_sendm_with_ts(l->s, m, l->tx_ts) < 0 &&
		    errors == l->c.tx_errors)
			l->c.tx_errors++;
	}
	l->tx_ts += (uint32_t)samples;
	if (errors != l->c.tx_errors) {
		rtpleg_publish(l);
		return -EIO;
	}
	l->c.tx_packets++;
	l->c.tx_bytes += (uint64_t)n;
	rtpleg_publish(l);
	return 0;
}

static void read_counts(const struct rtpleg *l, struct rtpleg_counts *c)
{
	uint32_t s1, s2;

	do {
		s1 = atomic_load_explicit(&l->pub_seq, memory_order_acquire);
		*c = l->pub;
		atomic_thread_fence(memory_order_acquire);
		s2 = atomic_load_explicit(&l->pub_seq, memory_order_relaxed);
	} while (s1 != s2 || (s1 & 1));
}

/**
 * Statistics of leg @p l into @p st: as of its last send or receive (or
 * close). MOS (mos.h) counts packets lost and packets late as lost, and a
 * one-way delay of the jitter buffer's delay + ptime + RTT / 2.
 * Context: any thread.
 */
void rtpleg_stats_get(const struct rtpleg *l, struct rtpleg_stats *st)
{
	struct rtpleg_counts c;
	const uint64_t *v;
	struct mos_in mi;

	read_counts(l, &c);
	v = c.ck.rtp;
	memset(st, 0, sizeof(*st));
	st->tx_packets = c.tx_packets;
	st->tx_bytes = c.tx_bytes;
	st->tx_errors = c.tx_errors;
	st->rx_packets = c.rx_packets;
	st->rx_bytes = c.rx_bytes;
	st->lost = c.jb.lost;
	st->late = c.jb.late;
	st->discarded = c.jb.early + c.jb.dropped + c.jb.flushed +
			c.oversize + c.decode_errors;
	st->duplicates = c.jb.duplicates;
	st->reordered = c.jb.reordered;
	st->concealed = c.jb.concealed + c.jb.inserted;
	st->malformed = rtpck_malformed(&c.ck);
	st->bad_version = v[RTPCK_BAD_VERSION];
	st->truncated = v[RTPCK_TRUNCATED] + v[RTPCK_BAD_LENGTH];
	st->bad_csrc = v[RTPCK_BAD_CSRC];
	st->bad_ext = v[RTPCK_BAD_EXT];
	st->bad_padding = v[RTPCK_BAD_PADDING];
	st->bad_pt = v[RTPCK_BAD_PT];
	st->wrong_ssrc = v[RTPCK_WRONG_SSRC];
	st->ssrc_changes = c.ck.ssrc_changes;
	st->ring_full = atomic_load(&l->net.ring_full);
	st->too_big = atomic_load(&l->net.too_big);
	st->rtcp_rx = c.ck.rtcp[RTPCK_OK];
	for (int i = RTPCK_OK + 1; i < RTPCK_V_COUNT; i++)
		st->rtcp_malformed += c.ck.rtcp[i];
	st->rtcp_tx = c.rtcp_tx;
	st->dtmf_tx = c.dtmf_tx;
	st->cn_tx = c.cn_tx;
	st->srtp_auth_fail = c.sec.auth_fail;
	st->srtp_replay = c.sec.replay;
	st->srtp_errors = c.sec.other_fail;
	st->dtmf_rx = c.dtmf_rx;
	st->jitter_ms = c.jb.jitter_ts / 8.0;
	st->rtt_ms = c.rtt_ms > 0 ? c.rtt_ms : 0;
	st->jb_delay_ms = c.jb.delay_ms;
	st->jb_target_ms = c.jb.target_ms;
	st->latched_ip = c.latched_ip;
	st->latched_port = c.latched_port;
	if (c.jb.expected)
		st->loss_pct = 100.0 * (double)c.jb.lost /
			       (double)c.jb.expected;
	if (!c.jb.received || !c.jb.expected)
		return;
	mi.codec = c.codec;
	mi.burst_r = 1;
	mi.loss_pct = 100.0 * (double)(c.jb.lost + c.jb.late) /
		      (double)c.jb.expected;
	mi.delay_ms = c.jb.delay_ms + c.ptime_ms + st->rtt_ms / 2;
	st->mos = mos_estimate(&mi);
}

// SPDX-License-Identifier: MIT
/** @file chan.c  Voice channels: the audio path between two legs */
#define LOG_MODULE "chan"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "media/chan.h"
#include "media/codec.h"
#include "media/dtmf.h"
#include "media/ec.h"
#include "media/rtpleg.h"
#include "media/tone.h"
#include "rtos-kernel/log.h"
#include "rtos-kernel/rtk.h"

#define FIFO_LEN	2048u		/* samples, a power of two: 256 ms */
#define TDM_FRAME	EC_BLOCK	/* 20 ms: the canceller's step */
#define TDM_FRAME_MS	(TDM_FRAME / TDM_CHUNK)
#define SAMPLES_PER_MS	(TDM_RATE / 1000)

_Static_assert(TDM_FRAME % TDM_CHUNK == 0, "TDM frames are whole chunks");

/* the audio waiting to leave through one leg (one writer, one reader, both
 * the media task) */
struct fifo {
	int16_t s[FIFO_LEN];
	uint32_t head, tail;
};

struct leg {
	struct msg_leg cfg;
	struct fifo out;
	bool primed;			/* has had audio to play */
	struct tone_gen tone;
	/* TDM */
	int16_t acc[TDM_FRAME];		/* received from the line */
	int16_t ref[TDM_FRAME];		/* sent to the line meanwhile */
	unsigned nacc;
	bool framed;			/* frames aligned to the phase */
	uint64_t rx_pos;		/* samples received so far */
	struct ec *ec;
	struct dtmf_det det;
	struct dtmf_gen gen;
	/* RTP */
	struct rtpleg *rtp;
	unsigned ptime_ms;
};

struct chan {
	uint32_t id;
	bool used;
	unsigned phase;			/* spreads channels over ticks */
	uint64_t opened_ns;
	chan_event_h *eh;
	void *arg;
	struct leg leg[2];
	struct chan_stats st;
};

static struct {
	struct chan *pool;
	unsigned max;
	unsigned *free_idx;
	unsigned nfree;
	struct tdm *tdm;
	const struct tone_profile *tones;
	/* TDM lines in use: one channel per line */
	struct chan *owner[TDM_MAX_SPANS][TDM_MAX_CHANS];
	/* tones on lines no channel holds (chan_line_tone) */
	struct tone_gen line_tone[TDM_MAX_SPANS][TDM_MAX_CHANS];
} cm;

/* --- FIFO ------------------------------------------------------------------ */

static uint32_t fifo_len(const struct fifo *f)
{
	return f->head - f->tail;
}

static void fifo_put(struct chan *ch, struct fifo *f, const int16_t *s,
		     unsigned n)
{
	unsigned room = FIFO_LEN - fifo_len(f), at, first;

	if (n > room) {
		ch->st.fifo_overruns += n - room;
		n = room;
	}
	at = f->head & (FIFO_LEN - 1);
	first = FIFO_LEN - at < n ? FIFO_LEN - at : n;
	memcpy(f->s + at, s, first * sizeof(*s));
	memcpy(f->s, s + first, (n - first) * sizeof(*s));
	f->head += n;
}

/* take n samples; silence for what is missing (counted once audio flows) */
static void fifo_get(struct chan *ch, struct leg *l, int16_t *s, unsigned n)
{
	struct fifo *f = &l->out;
	unsigned have = fifo_len(f) < n ? fifo_len(f) : n, at, first;

	at = f->tail & (FIFO_LEN - 1);
	first = FIFO_LEN - at < have ? FIFO_LEN - at : have;
	memcpy(s, f->s + at, first * sizeof(*s));
	memcpy(s + first, f->s, (have - first) * sizeof(*s));
	f->tail += have;
	if (have < n) {
		memset(s + have, 0, (n - have) * sizeof(*s));
		if (l->primed)
			ch->st.fifo_underruns += n - have;
	}
	if (have)
		l->primed = true;
}

/* --- module ------------------------------------------------------------------ */

/** Make the pools for @p max_chans channels (with two legs each). Context:
 *  init, after codec, ec and rtpleg modules. @p tdm may be NULL (no card).
 *  @return 0 or -ENOMEM */
int chan_module_init(unsigned max_chans, struct tdm *tdm,
		     const char *country)
{
	cm.pool = calloc(max_chans, sizeof(*cm.pool));
	cm.free_idx = calloc(max_chans, sizeof(*cm.free_idx));
	if (!cm.pool || !cm.free_idx)
		return -ENOMEM;
	cm.max = max_chans;
	for (unsigned i = 0; i < max_chans; i++)
		cm.free_idx[i] = max_chans - 1 - i;
	cm.nfree = max_chans;
	cm.tdm = tdm;
	cm.tones = tone_profile(country);
	if (!cm.tones)
		cm.tones = tone_profile("us");
	return 0;
}

static int check_tdm(const struct msg_leg *m, const struct chan *self)
{
	struct tdm_span_info si;

	if (!cm.tdm || tdm_span_info(cm.tdm, m->span, &si) ||
	    m->line >= si.nchans)
		return -ENODEV;
	if (cm.owner[m->span][m->line] &&
	    cm.owner[m->span][m->line] != self)
		return -EBUSY;
	return 0;
}

static void rtp_cfg(const struct msg_leg *m, struct rtpleg_cfg *rc)
{
	memset(rc, 0, sizeof(*rc));
	rc->local_port = m->local_port;
	rc->remote_ip = m->remote_ip;
	rc->remote_port = m->remote_port;
	rc->codec = (enum codec_id)m->codec;
	rc->pt = m->pt;
	rc->te_pt = m->dtmf_pt ? m->dtmf_pt : RTPLEG_TE_NONE;
	rc->ptime_ms = m->ptime_ms;
	rc->jb_min_ms = m->jb_min_ms;
	rc->jb_max_ms = m->jb_max_ms;
	rc->dir = (enum rtpleg_dir)m->dir;
}

static void leg_release(struct chan *ch, struct leg *l)
{
	if (l->cfg.kind == MSG_LEG_TDM && cm.owner[l->cfg.span][l->cfg.line]
	    == ch)
		cm.owner[l->cfg.span][l->cfg.line] = NULL;
	if (l->ec)
		ec_close(l->ec);
	if (l->rtp)
		rtpleg_close(l->rtp);
	memset(l, 0, sizeof(*l));
}

static int leg_setup(struct chan *ch, struct leg *l, const struct msg_leg *m)
{
	struct rtpleg_cfg rc;
	int err = 0;

	memset(l, 0, sizeof(*l));
	l->cfg = *m;
	switch (m->kind) {
	case MSG_LEG_NONE:
		return 0;
	case MSG_LEG_TDM:
		err = check_tdm(m, ch);
		if (!err && m->ec_tail_ms)
			err = ec_open(&l->ec, m->ec_tail_ms);
		if (!err && m->dtmf_detect)
			err = dtmf_det_init(&l->det);
		if (!err)
			err = dtmf_gen_init(&l->gen, DTMF_GEN_REPLACE);
		if (!err) {
			cm.owner[m->span][m->line] = ch;
			tone_stop(&cm.line_tone[m->span][m->line]);
		}
		break;
	case MSG_LEG_RTP:
		rtp_cfg(m, &rc);
		l->ptime_ms = m->ptime_ms;
		err = rtpleg_open(&l->rtp, &rc);
		break;
	default:
		err = -EINVAL;
	}
	if (err)
		leg_release(ch, l);
	return err;
}

/** Open channel @p id joining legs @p a and @p b. Context: media task.
 *  @return 0; -ENOSPC no channel, canceller or RTP leg left; -ENODEV no
 *  such TDM line; -EBUSY the line is in another channel; -EADDRINUSE the
 *  RTP port is in use; -EINVAL a bad leg */
int chan_open(struct chan **chp, uint32_t id, const struct msg_leg *a,
	      const struct msg_leg *b, chan_event_h *eh, void *arg)
{
	struct chan *ch;
	int err;

	if (!cm.nfree)
		return -ENOSPC;
	ch = &cm.pool[cm.free_idx[cm.nfree - 1]];
	memset(ch, 0, sizeof(*ch));
	ch->id = id;
	ch->eh = eh;
	ch->arg = arg;
	ch->phase = id % TDM_FRAME_MS;
	ch->opened_ns = rtk_now_ns();
	err = leg_setup(ch, &ch->leg[0], a);
	if (!err)
		err = leg_setup(ch, &ch->leg[1], b);
	if (err) {
		leg_release(ch, &ch->leg[0]);
		return err;
	}
	cm.nfree--;
	ch->used = true;
	*chp = ch;
	return 0;
}

/** Change the legs of @p ch (e.g. a re-INVITE: new remote address, codec,
 *  direction). An RTP leg on the same local port is modified in place; a
 *  leg of another kind or port is replaced. Context: media task.
 *  @return 0 or as chan_open() (the channel keeps its old legs on error) */
int chan_modify(struct chan *ch, const struct msg_leg *a,
		const struct msg_leg *b)
{
	const struct msg_leg *m[2] = { a, b };
	int err;

	for (int i = 0; i < 2; i++) {
		struct leg *l = &ch->leg[i];
		struct rtpleg_cfg rc;

		if (!memcmp(&l->cfg, m[i], sizeof(*m[i])))
			continue;
		if (l->cfg.kind == MSG_LEG_RTP && m[i]->kind == MSG_LEG_RTP &&
		    l->cfg.local_port == m[i]->local_port) {
			rtp_cfg(m[i], &rc);
			err = rtpleg_modify(l->rtp, &rc);
			if (err)
				return err;
			l->cfg = *m[i];
			l->ptime_ms = m[i]->ptime_ms;
			continue;
		}
		leg_release(ch, l);
		err = leg_setup(ch, l, m[i]);
		if (err)
			return err;
	}
	return 0;
}

static void leg_stats_msg(const struct chan *ch, unsigned i, struct gwmsg *m)
{
	struct rtpleg_stats rs;

	rtpleg_stats_get(ch->leg[i].rtp, &rs);
	msg_init(m, MSG_CHAN_STATS, ch->id);
	m->u.stats.leg = (uint8_t)i;
	m->u.stats.codec = ch->leg[i].cfg.codec;
	m->u.stats.mos_x100 = (uint16_t)(rs.mos * 100);
	m->u.stats.jitter_us = (uint32_t)(rs.jitter_ms * 1000);
	m->u.stats.tx_packets = rs.tx_packets;
	m->u.stats.rx_packets = rs.rx_packets;
	m->u.stats.lost = rs.lost;
	m->u.stats.late = rs.late;
	m->u.stats.discarded = rs.discarded;
	m->u.stats.malformed = rs.malformed;
}

/** Close @p ch; @p stats receives the final statistics of its RTP legs
 *  (@p nstats of them). Context: media task. */
void chan_close(struct chan *ch, struct gwmsg stats[2], unsigned *nstats)
{
	*nstats = 0;
	for (unsigned i = 0; i < 2; i++) {
		if (ch->leg[i].cfg.kind == MSG_LEG_RTP)
			leg_stats_msg(ch, i, &stats[(*nstats)++]);
		leg_release(ch, &ch->leg[i]);
	}
	ch->used = false;
	cm.free_idx[cm.nfree++] = (unsigned)(ch - cm.pool);
}

/** The channel's id. */
uint32_t chan_id(const struct chan *ch)
{
	return ch->id;
}

/* --- the audio path ----------------------------------------------------------- */

static void report_dtmf(struct chan *ch, unsigned leg, char digit,
			unsigned ms)
{
	struct chan_event ev = {
		.type = CHAN_EV_DTMF, .leg = (uint8_t)leg, .digit = digit,
		.duration_ms = (uint16_t)ms,
	};

	ch->eh(ch, &ev, ch->arg);
}

/* a digit seen on leg i goes out on the other leg, and up */
static void pass_digit(struct chan *ch, unsigned i, char digit, unsigned ms)
{
	struct leg *o = &ch->leg[!i];

	if (o->cfg.kind == MSG_LEG_RTP)
		rtpleg_send_dtmf(o->rtp, digit, ms);
	else if (o->cfg.kind == MSG_LEG_TDM)
		dtmf_gen_put(&o->gen, digit, ms);
	report_dtmf(ch, i, digit, ms);
}

static void tdm_frame(struct chan *ch, unsigned i)
{
	struct leg *l = &ch->leg[i], *o = &ch->leg[!i];
	int16_t clean[TDM_FRAME];
	struct dtmf_event ev;

	if (l->ec)
		ec_process(l->ec, l->acc, l->ref, clean, TDM_FRAME);
	else
		memcpy(clean, l->acc, sizeof(clean));
	if (l->cfg.dtmf_detect) {
		dtmf_det_process(&l->det, clean, TDM_FRAME, l->rx_pos);
		while (!dtmf_det_poll(&l->det, &ev))
			if (ev.ended)
				pass_digit(ch, i, ev.digit, ev.duration /
					   SAMPLES_PER_MS);
	}
	l->rx_pos += TDM_FRAME;
	if (o->cfg.kind != MSG_LEG_NONE)
		fifo_put(ch, &o->out, clean, TDM_FRAME);
	l->nacc = 0;
}

static void tdm_leg_tick(struct chan *ch, unsigned i, uint64_t t)
{
	struct leg *l = &ch->leg[i];
	int16_t out[TDM_CHUNK];

	if (!l->framed) {
		/* the leg's first tick: its 20 ms frames end on the ticks of
		 * the channel's phase (t % TDM_FRAME_MS == 0), where its RTP
		 * legs' frames fall too, so that channels spread their
		 * canceller and detector work over the ticks as they spread
		 * their RTP work (channels opened together would otherwise
		 * all take it in one tick); the first frame is shorter (what
		 * precedes the open is silence) */
		l->nacc = (unsigned)((t + TDM_FRAME_MS - 1) % TDM_FRAME_MS) *
			  TDM_CHUNK;
		l->framed = true;
	}
	tdm_read(cm.tdm, l->cfg.span, l->cfg.line, l->acc + l->nacc);
	if (tone_playing(&l->tone)) {
		tone_fill(&l->tone, out, TDM_CHUNK);
	} else {
		fifo_get(ch, l, out, TDM_CHUNK);
		if (dtmf_gen_busy(&l->gen))
			dtmf_gen_fill(&l->gen, out, TDM_CHUNK);
	}
	tdm_write(cm.tdm, l->cfg.span, l->cfg.line, out);
	memcpy(l->ref + l->nacc, out, sizeof(out));
	l->nacc += TDM_CHUNK;
	if (l->nacc == TDM_FRAME)
		tdm_frame(ch, i);
}

static void rtp_leg_frame(struct chan *ch, unsigned i, uint64_t now_ns)
{
	struct leg *l = &ch->leg[i], *o = &ch->leg[!i];
	unsigned n = l->ptime_ms * SAMPLES_PER_MS, ms;
	int16_t pcm[RTPLEG_MAX_SAMPLES];
	char digit;

	rtpleg_recv(l->rtp, now_ns, pcm, n);
	if (o->cfg.kind != MSG_LEG_NONE)
		fifo_put(ch, &o->out, pcm, n);
	while (!rtpleg_dtmf_poll(l->rtp, &digit, &ms))
		pass_digit(ch, i, digit, ms);
	if (tone_playing(&l->tone))
		tone_fill(&l->tone, pcm, n);
	else
		fifo_get(ch, l, pcm, n);
	rtpleg_send(l->rtp, pcm, n);
}

/** Move one tick (1 ms) of audio through @p ch. TDM legs move a chunk each
 *  tick and a 20 ms frame every 20 ticks; RTP legs move a frame every ptime.
 *  TDM legs run first, so an RTP leg sends audio received in the same tick.
 *  Context: media task; never allocates. */
void chan_tick(struct chan *ch, uint64_t tick, uint64_t now_ns)
{
	uint64_t t = tick + ch->phase;

	for (unsigned i = 0; i < 2; i++)
		if (ch->leg[i].cfg.kind == MSG_LEG_TDM)
			tdm_leg_tick(ch, i, t);
	for (unsigned i = 0; i < 2; i++)
		if (ch->leg[i].cfg.kind == MSG_LEG_RTP &&
		    t % ch->leg[i].ptime_ms == 0)
			rtp_leg_frame(ch, i, now_ns);
}

/** Move one tick on every TDM line no channel holds: what the line sends
 *  is taken and dropped, and silence goes out, as a real card does (so the
 *  far end's audio keeps flowing: digits, tones, recordings), or the tone
 *  chan_line_tone() started. Context: media task, once per tick. */
void chan_idle_lines_tick(void)
{
	static const int16_t silence[TDM_CHUNK];
	int16_t pcm[TDM_CHUNK];
	unsigned s, c, n, ns;
	struct tone_gen *g;

	if (!cm.tdm)
		return;
	ns = tdm_span_count(cm.tdm);
	for (s = 0; s < ns && s < TDM_MAX_SPANS; s++) {
		n = tdm_span_chans(cm.tdm, s);
		for (c = 0; c < n && c < TDM_MAX_CHANS; c++) {
			if (cm.owner[s][c])
				continue;
			tdm_read(cm.tdm, s, c, pcm);
			g = &cm.line_tone[s][c];
			if (tone_playing(g) && tone_fill(g, pcm, TDM_CHUNK))
				tdm_write(cm.tdm, s, c, pcm);
			else
				tdm_write(cm.tdm, s, c, silence);
		}
	}
}

/** Play @p digit on leg @p leg (RFC 4733 on RTP, in-band on TDM).
 *  @return 0, -EINVAL (no such leg) or the leg's error */
int chan_dtmf(struct chan *ch, unsigned leg, char digit, unsigned duration_ms)
{
	struct leg *l = &ch->leg[leg & 1];

	if (l->cfg.kind == MSG_LEG_RTP)
		return rtpleg_send_dtmf(l->rtp, digit, duration_ms);
	if (l->cfg.kind == MSG_LEG_TDM)
		return dtmf_gen_put(&l->gen, digit, duration_ms);
	return -EINVAL;
}

/* start enum msg_tone @p tone (MSG_TONE_STOP: stop) on @p g */
static int play(struct tone_gen *g, const struct tone_profile *p,
		unsigned tone)
{
	static const enum tone_kind kinds[] = {
		[MSG_TONE_DIAL] = TONE_DIAL,
		[MSG_TONE_RINGBACK] = TONE_RINGBACK,
		[MSG_TONE_BUSY] = TONE_BUSY,
		[MSG_TONE_CONGESTION] = TONE_CONGESTION,
	};

	if (tone > MSG_TONE_CONGESTION)
		return -EINVAL;
	if (tone == MSG_TONE_STOP) {
		tone_stop(g);
		return 0;
	}
	return tone_start(g, p, kinds[tone]);
}

/** Start (or with MSG_TONE_STOP stop) a call-progress tone on leg @p leg,
 *  from @p country's profile (the default profile when unknown).
 *  @return 0 or -EINVAL */
int chan_tone(struct chan *ch, unsigned leg, unsigned tone,
	      const char *country)
{
	const struct tone_profile *p = tone_profile(country);
	struct leg *l = &ch->leg[leg & 1];

	if (l->cfg.kind == MSG_LEG_NONE)
		return -EINVAL;
	return play(&l->tone, p ? p : cm.tones, tone);
}

/** Start (or with MSG_TONE_STOP stop) a call-progress tone, of the
 *  module's country, on TDM line @p span/@p line, which no channel holds:
 *  a caller refused for lack of a channel hears congestion until he hangs
 *  up. A channel that takes the line stops it. Context: media task.
 *  @return 0, -ENODEV (no such line), -EBUSY (a channel holds it) or
 *	   -EINVAL (no such tone) */
int chan_line_tone(unsigned span, unsigned line, unsigned tone)
{
	struct tdm_span_info si;

	if (!cm.tdm || span >= TDM_MAX_SPANS || line >= TDM_MAX_CHANS ||
	    tdm_span_info(cm.tdm, span, &si) || line >= si.nchans)
		return -ENODEV;
	if (cm.owner[span][line])
		return -EBUSY;
	return play(&cm.line_tone[span][line], cm.tones, tone);
}

/** The channel as the status page shows it. Context: media task. */
void chan_snapshot(const struct chan *ch, uint64_t now_ns,
		   struct rtstat_chan *out)
{
	memset(out, 0, sizeof(*out));
	out->id = ch->id;
	out->age_ms = (uint32_t)((now_ns - ch->opened_ns) / 1000000);
	for (unsigned i = 0; i < 2; i++) {
		const struct leg *l = &ch->leg[i];
		struct rtstat_leg *o = &out->leg[i];
		struct rtpleg_stats rs;

		o->kind = l->cfg.kind;
		o->span = l->cfg.span;
		o->line = l->cfg.line;
		if (l->cfg.kind != MSG_LEG_RTP)
			continue;
		rtpleg_stats_get(l->rtp, &rs);
		o->codec = l->cfg.codec;
		o->local_port = l->cfg.local_port;
		o->mos_x100 = (uint16_t)(rs.mos * 100);
		o->jitter_us = (uint32_t)(rs.jitter_ms * 1000);
		o->tx_packets = (uint32_t)rs.tx_packets;
		o->rx_packets = (uint32_t)rs.rx_packets;
		o->lost = (uint32_t)rs.lost;
		o->late = (uint32_t)rs.late;
		o->malformed = (uint32_t)rs.malformed;
		o->wrong_ssrc = (uint32_t)rs.wrong_ssrc;
	}
}

/** The channel's own counters. */
void chan_stats_get(const struct chan *ch, struct chan_stats *st)
{
	*st = ch->st;
}

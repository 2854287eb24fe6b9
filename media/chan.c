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
#include "media/t38leg.h"
#include "media/tone.h"
#include "media/vbd.h"
#include "rtos-kernel/log.h"
#include "rtos-kernel/rtk.h"

#define FIFO_LEN	2048u		/* samples, a power of two: 256 ms */
#define TDM_FRAME	EC_BLOCK	/* 20 ms: the canceller's step */
#define TDM_FRAME_MS	(TDM_FRAME / TDM_CHUNK)
#define SAMPLES_PER_MS	(TDM_RATE / 1000)
#define BLOCK_TICKS	(TDM_BLOCK_MAX / TDM_CHUNK)
#define IDLE_GROUP	4	/* idle lines moved in the same tick: a cache
				   line of the card's rows (vtdm.h) */

_Static_assert(TDM_FRAME % TDM_CHUNK == 0, "TDM frames are whole chunks");
_Static_assert(TDM_FRAME <= TDM_BLOCK_MAX, "a frame is one card block");

/* the audio waiting to leave through one leg (one writer, one reader, both
 * the media task) */
struct fifo {
	int16_t s[FIFO_LEN];
	uint32_t head, tail;
};

/* A card line as channels see it: who holds it, and how far its audio was
 * moved, in ticks of the media task: read from the line up to tick rd (the
 * ticks that passed), written to it up to tick wr (a block ahead while a
 * channel holds it). */
struct line {
	struct chan *owner;
	uint64_t rd, wr;
	uint8_t span, chan;
};

struct leg {
	struct msg_leg cfg;
	struct fifo out;
	bool primed;			/* has had audio to play */
	struct tone_gen tone;
	/* TDM: frames are the ticks t with t % TDM_FRAME_MS in 1..TDM_FRAME_MS
	 * (t = tick + the channel's phase); acc and ref hold the frame being
	 * received and what was sent to the line in the same ticks */
	struct line *ln;
	int16_t acc[TDM_FRAME];
	int16_t ref[TDM_FRAME];
	bool framed;			/* has dropped what preceded its frame */
	uint64_t rx_pos;		/* samples received so far */
	struct ec *ec;
	struct dtmf_det det;
	struct vbd_det *vbd;		/* vbd: its line's two detectors
					   (from the line, to it), or NULL */
	struct dtmf_gen gen;
	/* RTP */
	struct rtpleg *rtp;
	unsigned ptime_ms;
	/* T.38 */
	struct t38leg *t38;
};

struct chan {
	uint32_t id;
	bool used;
	unsigned phase;			/* spreads channels over ticks */
	unsigned step;			/* ticks between two runs: every leg's
					   period (TDM frame, RTP ptime) is a
					   multiple */
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
	/* the card's lines in its order (span 0's, then span 1's...): one
	 * channel at most holds each */
	struct line line[TDM_MAX_LINES];
	unsigned nlines;
	unsigned first[TDM_MAX_SPANS];	/* each span's line 0 */
	/* tones on lines no channel holds (chan_line_tone) */
	struct tone_gen line_tone[TDM_MAX_LINES];
	/* answer tone detectors, two per configured line: only a TDM leg
	 * needs them, and it holds its line alone */
	struct vbd_det (*vbd)[2];
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

/* --- card lines -------------------------------------------------------------- */

/* the line @p span / @p chan, or NULL */
static struct line *line_of(unsigned span, unsigned chan)
{
	if (!cm.tdm || span >= tdm_span_count(cm.tdm) ||
	    chan >= tdm_span_chans(cm.tdm, span))
		return NULL;
	return &cm.line[cm.first[span] + chan];
}

/* read the ticks (rd, to] of @p ln into @p pcm: at most BLOCK_TICKS */
static void line_read(struct line *ln, int16_t *pcm, uint64_t to)
{
	tdm_read(cm.tdm, ln->span, ln->chan, pcm,
		 (unsigned)(to - ln->rd) * TDM_CHUNK);
	ln->rd = to;
}

/* the end of the next block from tick @p from towards tick @p to */
static uint64_t block_end(uint64_t from, uint64_t to)
{
	return to - from > BLOCK_TICKS ? from + BLOCK_TICKS : to;
}

/* take and drop what @p ln sent up to tick @p to */
static void line_skip(struct line *ln, uint64_t to)
{
	int16_t pcm[TDM_BLOCK_MAX];

	while (ln->rd < to)
		line_read(ln, pcm, block_end(ln->rd, to));
}

/* send @p ln silence, or tone @p g while it plays, up to tick @p to */
static void line_fill(struct line *ln, struct tone_gen *g, uint64_t to)
{
	static const int16_t silence[TDM_BLOCK_MAX];
	int16_t pcm[TDM_BLOCK_MAX];

	while (ln->wr < to) {
		uint64_t end = block_end(ln->wr, to);
		unsigned n = (unsigned)(end - ln->wr) * TDM_CHUNK;
		bool tone = g && tone_playing(g) && tone_fill(g, pcm, n);

		tdm_write(cm.tdm, ln->span, ln->chan, tone ? pcm : silence, n);
		ln->wr = end;
	}
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
	cm.nlines = 0;
	for (unsigned s = 0; tdm && s < tdm_span_count(tdm); s++) {
		cm.first[s] = cm.nlines;
		for (unsigned c = 0; c < tdm_span_chans(tdm, s); c++) {
			struct line *ln = &cm.line[cm.nlines++];

			memset(ln, 0, sizeof(*ln));
			ln->span = (uint8_t)s;
			ln->chan = (uint8_t)c;
		}
	}
	cm.vbd = calloc(cm.nlines ? cm.nlines : 1, sizeof(*cm.vbd));
	if (!cm.vbd)
		return -ENOMEM;
	cm.tones = tone_profile(country);
	if (!cm.tones)
		cm.tones = tone_profile("us");
	return 0;
}

/** Free the pools (tests). Context: init, no channel open.
 *  @return 0, or -EBUSY (a channel is open: nothing freed) */
int chan_module_fini(void)
{
	if (cm.nfree != cm.max)
		return -EBUSY;
	free(cm.pool);
	free(cm.free_idx);
	free(cm.vbd);
	memset(&cm, 0, sizeof(cm));
	return 0;
}

static int check_line(const struct line *ln, const struct chan *self)
{
	if (!ln)
		return -ENODEV;
	if (ln->owner && ln->owner != self)
		return -EBUSY;
	return 0;
}

/* msg.c checks a leg's srtp against the last suite */
_Static_assert(SRTPCTX_AES_CM_128_HMAC_SHA1_32 == 2, "msg.c MAX_SRTP");
_Static_assert(MSG_KEY_LEN == SRTPCTX_KEY_LEN, "the keys' length");

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
	rc->vad = m->vad;
	rc->latch = m->latch;
	rc->srtp.suite = (enum srtpctx_suite)m->srtp;	/* msg_check()ed */
	memcpy(rc->srtp.tx_key, m->srtp_tx_key, sizeof(rc->srtp.tx_key));
	memcpy(rc->srtp.rx_key, m->srtp_rx_key, sizeof(rc->srtp.rx_key));
}

static void t38_cfg(const struct msg_leg *m, struct t38leg_cfg *tc)
{
	memset(tc, 0, sizeof(*tc));
	tc->local_port = m->local_port;
	tc->remote_ip = m->remote_ip;
	tc->remote_port = m->remote_port;
	tc->redundancy = m->redundancy;
	tc->latch = m->latch;
}

/* the channel carries a fax or modem (chan.h) */
static void data_call(struct chan *ch)
{
	ch->st.data = true;
	for (unsigned k = 0; k < 2; k++)
		if (ch->leg[k].rtp)
			rtpleg_data_mode(ch->leg[k].rtp);
}

static void leg_release(struct chan *ch, struct leg *l)
{
	if (l->ln && l->ln->owner == ch)
		l->ln->owner = NULL;
	if (l->ec)
		ec_close(l->ec);
	if (l->rtp)
		rtpleg_close(l->rtp);
	if (l->t38)
		t38leg_close(l->t38);
	memset(l, 0, sizeof(*l));
}

static int leg_setup(struct chan *ch, struct leg *l, const struct msg_leg *m)
{
	struct rtpleg_cfg rc;
	struct t38leg_cfg tc;
	int err = 0;

	memset(l, 0, sizeof(*l));
	l->cfg = *m;
	switch (m->kind) {
	case MSG_LEG_NONE:
		return 0;
	case MSG_LEG_TDM:
		l->ln = line_of(m->span, m->line);
		err = check_line(l->ln, ch);
		if (!err && m->ec_tail_ms)
			err = ec_open(&l->ec, m->ec_tail_ms);
		if (!err && m->dtmf_detect)
			err = dtmf_det_init(&l->det);
		if (!err && m->vbd_detect) {
			l->vbd = cm.vbd[l->ln - cm.line];
			vbd_det_init(&l->vbd[0]);
			vbd_det_init(&l->vbd[1]);
		}
		if (!err)
			err = dtmf_gen_init(&l->gen, DTMF_GEN_REPLACE);
		if (!err) {
			l->ln->owner = ch;
			tone_stop(&cm.line_tone[l->ln - cm.line]);
		}
		break;
	case MSG_LEG_RTP:
		rtp_cfg(m, &rc);
		l->ptime_ms = m->ptime_ms;
		err = rtpleg_open(&l->rtp, &rc);
		if (!err && ch->st.data)
			rtpleg_data_mode(l->rtp);
		break;
	case MSG_LEG_T38:
		t38_cfg(m, &tc);
		err = t38leg_open(&l->t38, &tc);
		if (!err)
			data_call(ch);
		break;
	default:
		err = -EINVAL;
	}
	if (err)
		leg_release(ch, l);
	return err;
}

static unsigned gcd(unsigned a, unsigned b)
{
	while (b) {
		unsigned r = a % b;

		a = b;
		b = r;
	}
	return a;
}

/* a channel runs every step ticks, which divides each leg's period: a TDM
 * leg's frame (so it moves its line's audio in blocks of step ticks) and
 * an RTP leg's ptime */
static void set_step(struct chan *ch)
{
	unsigned g = 0;

	for (unsigned i = 0; i < 2; i++) {
		const struct leg *l = &ch->leg[i];

		if (l->cfg.kind == MSG_LEG_TDM)
			g = gcd(g, TDM_FRAME_MS);
		else if (l->cfg.kind == MSG_LEG_RTP)
			g = gcd(g, l->ptime_ms);
		else if (l->cfg.kind == MSG_LEG_T38)
			g = gcd(g, T38LEG_PERIOD_MS);
	}
	ch->step = g ? g : TDM_FRAME_MS;
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
	set_step(ch);
	*chp = ch;
	return 0;
}

static int modify_legs(struct chan *ch, const struct msg_leg *a,
		       const struct msg_leg *b)
{
	const struct msg_leg *m[2] = { a, b };
	int err;

	for (int i = 0; i < 2; i++) {
		struct leg *l = &ch->leg[i];
		struct rtpleg_cfg rc;
		struct t38leg_cfg tc;

		if (!memcmp(&l->cfg, m[i], sizeof(*m[i])))
			continue;
		if (l->cfg.kind == MSG_LEG_T38 && m[i]->kind == MSG_LEG_T38 &&
		    l->cfg.local_port == m[i]->local_port) {
			t38_cfg(m[i], &tc);
			err = t38leg_modify(l->t38, &tc);
			if (err)
				return err;
			l->cfg = *m[i];
			continue;
		}
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

/** Change the legs of @p ch (e.g. a re-INVITE: new remote address, codec,
 *  direction). An RTP leg on the same local port is modified in place; a
 *  leg of another kind or port is replaced. Context: media task.
 *  @return 0 or as chan_open() (the channel keeps its old legs on error) */
int chan_modify(struct chan *ch, const struct msg_leg *a,
		const struct msg_leg *b)
{
	int err = modify_legs(ch, a, b);

	set_step(ch);
	return err;
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

/* a digit seen on leg i goes out on the other leg, and up: as RFC 4733 to
 * an RTP leg, in-band to a TDM leg unless it came in-band (the audio
 * carries it there already: played again, the line would hear it twice) */
static void pass_digit(struct chan *ch, unsigned i, char digit, unsigned ms)
{
	struct leg *o = &ch->leg[!i];

	if (o->cfg.kind == MSG_LEG_RTP)
		rtpleg_send_dtmf(o->rtp, digit, ms);
	else if (o->cfg.kind == MSG_LEG_TDM &&
		 ch->leg[i].cfg.kind != MSG_LEG_TDM)
		dtmf_gen_put(&o->gen, digit, ms);
	report_dtmf(ch, i, digit, ms);
}

/* A fax's or modem's answer tone on TDM leg @p i (@p to_line: in what
 * went to the line): the first of each kind goes up; one with phase
 * reversals disables the channel's echo cancellers, and either makes the
 * channel a data call (chan.h) */
static void answer_tone(struct chan *ch, unsigned i, enum vbd_tone t,
			bool to_line)
{
	struct chan_event ev = {
		.type = CHAN_EV_VBD, .leg = (uint8_t)i, .tone = (uint8_t)t,
		.to_line = to_line,
	};

	if (t == VBD_NONE || ch->st.vbd & (1u << t))
		return;
	ch->st.vbd |= (uint8_t)(1u << t);
	ch->st.ec_disabled |= t == VBD_ANS_PR;
	data_call(ch);
	ch->eh(ch, &ev, ch->arg);
}

static void tdm_frame(struct chan *ch, unsigned i)
{
	struct leg *l = &ch->leg[i], *o = &ch->leg[!i];
	int16_t clean[TDM_FRAME];
	struct dtmf_event ev;

	if (l->ec && !ch->st.ec_disabled)
		ec_process(l->ec, l->acc, l->ref, clean, TDM_FRAME);
	else
		memcpy(clean, l->acc, sizeof(clean));
	/* a data call's signal is no digits: would-be ones are not taken
	 * out of it (as RFC 4733 events) nor reported */
	if (l->cfg.dtmf_detect && !ch->st.data) {
		dtmf_det_process(&l->det, clean, TDM_FRAME, l->rx_pos);
		while (!dtmf_det_poll(&l->det, &ev))
			if (ev.ended)
				pass_digit(ch, i, ev.digit, ev.duration /
					   SAMPLES_PER_MS);
	}
	if (l->vbd) {
		answer_tone(ch, i, vbd_det_process(&l->vbd[0], clean,
						   TDM_FRAME), false);
		answer_tone(ch, i, vbd_det_process(&l->vbd[1], l->ref,
						   TDM_FRAME), true);
	}
	l->rx_pos += TDM_FRAME;
	if (o->cfg.kind != MSG_LEG_NONE)
		fifo_put(ch, &o->out, clean, TDM_FRAME);
}

/* Take what the line sent up to tick @p tick into the frame, and process
 * each frame it completes. The leg's first run drops what the line sent
 * before the frame it falls in (as on an idle line); that frame's first
 * part is what the line sent since it began, and what went to the line in
 * those ticks is taken to be silence. */
static void tdm_leg_in(struct chan *ch, unsigned i, uint64_t tick)
{
	struct leg *l = &ch->leg[i];
	struct line *ln = l->ln;

	if (!l->framed) {
		uint64_t t = tick + ch->phase, start = t - (t - 1) %
				TDM_FRAME_MS - 1;

		line_skip(ln, start > ch->phase ? start - ch->phase : 0);
		l->framed = true;
	}
	while (ln->rd < tick) {
		/* the frame tick rd + 1 falls in: (start, start + FRAME_MS] */
		unsigned at = (unsigned)((ln->rd + ch->phase) % TDM_FRAME_MS);
		uint64_t end = ln->rd - at + TDM_FRAME_MS;

		line_read(ln, l->acc + at * TDM_CHUNK, tick < end ? tick : end);
		if (ln->rd == end)
			tdm_frame(ch, i);
	}
}

/* Send the line its audio for the ticks up to @p tick + @p step (ahead),
 * and keep it as the frame's reference for the echo canceller. What
 * precedes @p tick and was not sent (the leg's first run) is silence. */
static void tdm_leg_out(struct chan *ch, unsigned i, uint64_t tick,
			unsigned step)
{
	struct leg *l = &ch->leg[i];
	struct line *ln = l->ln;
	int16_t *out;
	unsigned at, n;

	line_fill(ln, NULL, tick);
	if (ln->wr >= tick + step)
		return;
	/* within the frame of tick + 1 (step divides TDM_FRAME_MS) */
	at = (unsigned)((ln->wr + ch->phase) % TDM_FRAME_MS) * TDM_CHUNK;
	n = (unsigned)(tick + step - ln->wr) * TDM_CHUNK;
	out = l->ref + at;
	if (tone_playing(&l->tone)) {
		tone_fill(&l->tone, out, n);
	} else {
		fifo_get(ch, l, out, n);
		if (dtmf_gen_busy(&l->gen))
			dtmf_gen_fill(&l->gen, out, n);
	}
	tdm_write(cm.tdm, ln->span, ln->chan, out, n);
	ln->wr = tick + step;
}

/* T.38 leg @p i: what the other leg sent goes to the gateway (as IFP
 * packets to the far end), what it made of the packets received to the
 * other leg */
static void t38_leg_frame(struct chan *ch, unsigned i)
{
	struct leg *l = &ch->leg[i], *o = &ch->leg[!i];
	enum { N = T38LEG_PERIOD_MS * SAMPLES_PER_MS };
	int16_t in[N], out[N];

	if (tone_playing(&l->tone))
		tone_fill(&l->tone, in, N);
	else
		fifo_get(ch, l, in, N);
	t38leg_run(l->t38, in, out, N);
	if (o->cfg.kind != MSG_LEG_NONE)
		fifo_put(ch, &o->out, out, N);
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

/** Move tick @p tick (1 ms) of audio through @p ch. The channel runs
 *  every step ticks (its phase spreads channels over the ticks): a TDM leg
 *  moves the step ticks that passed from its line, and a 20 ms frame
 *  through the canceller and detector when one is complete, and sends the
 *  line its next step ticks; an RTP leg moves a frame every ptime. The
 *  TDM legs receive first and send last, so an RTP leg sends what the line
 *  sent up to this tick and the line gets what arrived up to it.
 *  Context: media task; never allocates.
 *  @return the next tick the channel runs at: the caller may skip it until
 *	   then (unless it is modified) */
uint64_t chan_tick(struct chan *ch, uint64_t tick, uint64_t now_ns)
{
	uint64_t t = tick + ch->phase;
	unsigned early = (unsigned)(t % ch->step);

	if (early)
		return tick + ch->step - early;
	for (unsigned i = 0; i < 2; i++)
		if (ch->leg[i].cfg.kind == MSG_LEG_TDM)
			tdm_leg_in(ch, i, tick);
	for (unsigned i = 0; i < 2; i++)
		if (ch->leg[i].cfg.kind == MSG_LEG_RTP &&
		    t % ch->leg[i].ptime_ms == 0)
			rtp_leg_frame(ch, i, now_ns);
		else if (ch->leg[i].cfg.kind == MSG_LEG_T38 &&
			 t % T38LEG_PERIOD_MS == 0)
			t38_leg_frame(ch, i);
	for (unsigned i = 0; i < 2; i++)
		if (ch->leg[i].cfg.kind == MSG_LEG_TDM)
			tdm_leg_out(ch, i, tick, ch->step);
	return tick + ch->step;
}

/** Move the audio of the TDM lines no channel holds, as a real card does
 *  (so the far end's audio keeps flowing: digits, tones, recordings): what
 *  a line sent up to tick @p tick is taken and dropped, and silence goes
 *  to it, or the tone chan_line_tone() started. Each line is moved every
 *  TDM_FRAME_MS ticks, IDLE_GROUP neighbours in the same tick, the groups
 *  spread over the ticks. Context: media task, every tick. */
void chan_idle_lines_tick(uint64_t tick)
{
	unsigned due = (unsigned)((TDM_FRAME_MS - tick % TDM_FRAME_MS) %
				  TDM_FRAME_MS);

	for (unsigned k = due * IDLE_GROUP; k < cm.nlines;
	     k += TDM_FRAME_MS * IDLE_GROUP) {
		for (unsigned j = k; j < k + IDLE_GROUP && j < cm.nlines; j++) {
			struct line *ln = &cm.line[j];

			if (ln->owner)
				continue;
			line_skip(ln, tick);
			line_fill(ln, &cm.line_tone[j], tick);
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
	struct line *ln = line_of(span, line);

	if (!ln)
		return -ENODEV;
	if (ln->owner)
		return -EBUSY;
	return play(&cm.line_tone[ln - cm.line], cm.tones, tone);
}

static void ec_snapshot(const struct leg *l, struct rtstat_leg *o)
{
	struct ec_stats es;

	ec_stats_get(l->ec, &es);
	o->ec_tail_ms = (uint16_t)es.tail_ms;
	o->erle_valid = es.erle_valid;
	o->erle_x10 = (int16_t)(es.erle_db_x10 < -999 ? -999 :
				es.erle_db_x10 > 999 ? 999 : es.erle_db_x10);
	o->ec_idle_pct = (uint8_t)(es.blocks ? es.idle * 100 / es.blocks : 0);
}

static void t38_snapshot(const struct leg *l, struct rtstat_leg *o)
{
	struct t38leg_stats ts;

	t38leg_stats_get(l->t38, &ts);
	o->local_port = l->cfg.local_port;
	o->tx_packets = (uint32_t)ts.tx_packets;
	o->rx_packets = (uint32_t)ts.rx.packets;
	o->lost = (uint32_t)ts.rx.lost;
	o->late = (uint32_t)ts.rx.late;
	o->malformed = (uint32_t)ts.rx.malformed;
	o->recovered = (uint32_t)ts.rx.recovered;
	o->pages = (uint16_t)ts.pages;
	o->rate_hbps = (uint16_t)(ts.bit_rate / 100);
	o->latched_ip = ts.latched_ip;
	o->latched_port = ts.latched_port;
}

/** The channel as the status page shows it. Context: media task. */
void chan_snapshot(const struct chan *ch, uint64_t now_ns,
		   struct rtstat_chan *out)
{
	memset(out, 0, sizeof(*out));
	out->id = ch->id;
	out->age_ms = (uint32_t)((now_ns - ch->opened_ns) / 1000000);
	out->data = ch->st.data;
	out->ec_off = ch->st.ec_disabled;
	for (unsigned i = 0; i < 2; i++) {
		const struct leg *l = &ch->leg[i];
		struct rtstat_leg *o = &out->leg[i];
		struct rtpleg_stats rs;

		o->kind = l->cfg.kind;
		o->span = l->cfg.span;
		o->line = l->cfg.line;
		if (l->cfg.kind == MSG_LEG_TDM && l->ec)
			ec_snapshot(l, o);
		if (l->cfg.kind == MSG_LEG_T38)
			t38_snapshot(l, o);
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
		o->cn_tx = (uint32_t)rs.cn_tx;
		o->srtp = l->cfg.srtp;
		o->srtp_auth_fail = (uint32_t)rs.srtp_auth_fail;
		o->srtp_replay = (uint32_t)rs.srtp_replay;
		o->srtp_errors = (uint32_t)rs.srtp_errors;
		o->latched_ip = rs.latched_ip;
		o->latched_port = rs.latched_port;
	}
}

/** The channel's own counters. */
void chan_stats_get(const struct chan *ch, struct chan_stats *st)
{
	*st = ch->st;
}

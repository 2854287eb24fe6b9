// SPDX-License-Identifier: MIT
/** @file jb.c  Adaptive jitter buffer
 *
 * The stream's packets are tracked as in RFC 3550 A.1 (extended sequence
 * numbers, probation after a large jump, expected and received counts for
 * the loss figure) and A.8 (interarrival jitter). Playout follows the
 * sequence numbers; timestamps tell silent gaps (DTX) apart from loss and
 * place each frame in time for the delay measurement. See jb.h for the
 * adaptation rules.
 */
#include <errno.h>
#include <string.h>

#include "media/jb.h"

#define SLOT_MASK	(JB_SLOTS - 1)
#define MAX_DROPOUT	3000	/* RFC 3550 A.1 */
#define MAX_MISORDER	100
#define SEQ_MOD		65536u
#define EXT_START	(16u * SEQ_MOD)	/* extended numbers never go below 0 */
#define EARLY_RESYNC	3	/* overflows in a row that restart playout */
#define NS		1000000000ll
#define JITTER_WARMUP	16	/* jitter samples before the target follows */

_Static_assert((JB_SLOTS & SLOT_MASK) == 0, "JB_SLOTS is a power of two");
_Static_assert(JB_SLOTS <= 64, "the duplicate bitmap covers the buffer");

static int64_t ts_to_ns(const struct jb *jb, int64_t ts)
{
	return ts * NS / jb->cfg.clock_hz;
}

/* a monotonic time in RTP units (modulo 2^32), for the jitter estimate */
static uint32_t ns_to_ts(const struct jb *jb, uint64_t ns)
{
	uint64_t sec = ns / NS, rem = ns % NS;

	return (uint32_t)(sec * jb->cfg.clock_hz + rem * jb->cfg.clock_hz / NS);
}

static inline int32_t diff(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b);
}

/* a frame to decode, not an event or comfort noise */
static bool is_audio(const struct jb_pkt *p)
{
	return p->len && !p->cn;
}

static uint32_t ext_max(const struct jb *jb)
{
	return jb->cycles + jb->max_seq;
}

static void flush(struct jb *jb)
{
	for (unsigned i = 0; i < JB_SLOTS; i++) {
		jb->st.flushed += jb->slot[i].used && jb->slot[i].audio;
		jb->slot[i].used = false;
	}
	jb->nbuf = 0;
	jb->state = JB_S_EMPTY;
	jb->have_get = false;
	jb->underrun_ns = 0;
	jb->early_run = 0;
}

/* RFC 3550 A.1 init_seq(); what the previous segment of the stream
 * expected and received is kept for the loss figure */
static void init_seq(struct jb *jb, uint16_t seq)
{
	if (jb->have_stream) {
		jb->expected_before += ext_max(jb) - jb->base_ext + 1;
		jb->received_before += jb->received;
	}
	jb->have_stream = true;
	jb->cycles = EXT_START;
	jb->max_seq = seq;
	jb->base_ext = EXT_START + seq;
	jb->bad_seq = SEQ_MOD + 1;	/* so seq == bad_seq is false */
	jb->seen = 1;
	jb->received = 0;
	jb->have_last = false;
}

/* The target follows three times the jitter up at once and down slowly
 * (a time constant of 64 packets), so that a noisy estimate does not
 * make the delay swing */
static void update_target(struct jb *jb)
{
	int64_t t = 3 * ts_to_ns(jb, jb->jitter_q4 >> 4);

	if (t < jb->target_ns)
		t = jb->target_ns - (jb->target_ns - t + 63) / 64;
	if (t < jb->min_ns)
		t = jb->min_ns;
	if (t > jb->max_ns)
		t = jb->max_ns;
	jb->target_ns = t;
}

/** Set up @p jb for a stream described by @p cfg; embedded storage only.
 *  Context: any (no allocation). @return 0 or -EINVAL */
int jb_init(struct jb *jb, const struct jb_cfg *cfg)
{
	if (!jb || !cfg || cfg->clock_hz < 1000 || cfg->clock_hz > 96000 ||
	    !cfg->frame_ms || cfg->frame_ms > 200 || !cfg->max_ms ||
	    cfg->min_ms > cfg->max_ms || cfg->max_ms > 5000)
		return -EINVAL;
	memset(jb, 0, sizeof(*jb));
	jb->cfg = *cfg;
	jb->step = (uint32_t)cfg->frame_ms * cfg->clock_hz / 1000;
	jb->step_ns = ts_to_ns(jb, jb->step);
	jb->min_ns = (int64_t)cfg->min_ms * 1000000;
	jb->max_ns = (int64_t)cfg->max_ms * 1000000;
	/* start at two frames, which most networks need, within the bounds */
	jb->target_ns = 2 * jb->step_ns;
	if (jb->target_ns < jb->min_ns)
		jb->target_ns = jb->min_ns;
	if (jb->target_ns > jb->max_ns)
		jb->target_ns = jb->max_ns;
	return 0;
}

/** Forget everything, counters included, keeping the configuration (a
 *  new call on the same leg). Context: the owner of @p jb. */
void jb_reset(struct jb *jb)
{
	struct jb_cfg cfg = jb->cfg;

	jb_init(jb, &cfg);
}

/** Stop adjusting the delay inside a talkspurt (a data call: a frame
 *  inserted or dropped breaks a modem's carrier); until jb_init().
 *  Context: the owner of @p jb. */
void jb_fix_delay(struct jb *jb)
{
	jb->fixed = true;
}

/* A packet of another source: a new stream */
static void restart(struct jb *jb)
{
	init_seq(jb, 0);	/* bank the old stream's counts */
	jb->have_stream = false;
	jb->have_transit = false;
	jb->st.restarts++;
	flush(jb);
}

enum seq_res { SEQ_NEXT, SEQ_DUP, SEQ_MISORDERED, SEQ_RESYNC, SEQ_PROBATION };

/* RFC 3550 A.1 update_seq(), giving the extended number in *ext */
static enum seq_res update_seq(struct jb *jb, uint16_t seq, uint32_t *ext)
{
	uint16_t udelta = (uint16_t)(seq - jb->max_seq);
	uint32_t back;

	if (udelta < MAX_DROPOUT) {
		if (!udelta) {
			*ext = ext_max(jb);
			return SEQ_DUP;
		}
		if (seq < jb->max_seq)
			jb->cycles += SEQ_MOD;	/* wrapped */
		jb->max_seq = seq;
		jb->seen = udelta >= 64 ? 1 : jb->seen << udelta | 1;
		*ext = ext_max(jb);
		return SEQ_NEXT;
	}
	if (udelta <= SEQ_MOD - MAX_MISORDER) {
		/* a very large jump: believe it when the next packet follows */
		if (seq != jb->bad_seq) {
			jb->bad_seq = (uint16_t)(seq + 1);
			return SEQ_PROBATION;
		}
		init_seq(jb, seq);
		jb->st.resyncs++;
		flush(jb);
		*ext = ext_max(jb);
		return SEQ_RESYNC;
	}
	/* duplicate or misordered */
	back = (uint16_t)(jb->max_seq - seq);
	*ext = ext_max(jb) - back;
	if (back < 64) {
		if (jb->seen >> back & 1)
			return SEQ_DUP;
		jb->seen |= 1ull << back;
	}
	if (diff(*ext, jb->base_ext) < 0)
		jb->base_ext = *ext;	/* misordered before the first one */
	return SEQ_MISORDERED;
}

/* The peer's frame length: the timestamp step between two consecutive
 * audio frames, once it has been seen twice in a row */
static void learn_step(struct jb *jb, uint32_t ext, const struct jb_pkt *p)
{
	if (jb->have_last && ext == jb->last_ext + 1) {
		uint32_t d = p->ts - jb->last_ts;

		if (d && d <= jb->cfg.clock_hz / 5) {	/* up to 200 ms */
			if (d == jb->step_cand && d != jb->step) {
				jb->step = d;
				jb->step_ns = ts_to_ns(jb, d);
			}
			jb->step_cand = d;
		}
	}
	if (!jb->have_last || diff(ext, jb->last_ext) > 0) {
		jb->have_last = true;
		jb->last_ext = ext;
		jb->last_ts = p->ts;
	}
}

/* RFC 3550 A.8, on packets in arrival order */
static void update_jitter(struct jb *jb, const struct jb_pkt *p)
{
	uint32_t transit = ns_to_ts(jb, p->arrival_ns) - p->ts;
	int32_t d = diff(transit, jb->transit);

	jb->transit = transit;
	if (!jb->have_transit) {
		jb->have_transit = true;
		return;
	}
	if (d < 0)
		d = -d;
	jb->jitter_q4 += (uint32_t)d - ((jb->jitter_q4 + 8) >> 4);
	/* the estimate means something after a few packets only */
	if (jb->jitter_n < JITTER_WARMUP)
		jb->jitter_n++;
	else
		update_target(jb);
}

static struct jb_slot *find(struct jb *jb, uint32_t ext)
{
	struct jb_slot *s = &jb->slot[ext & SLOT_MASK];

	return s->used && s->ext == ext ? s : NULL;
}

static void release(struct jb *jb, struct jb_slot *s)
{
	s->used = false;
	jb->nbuf--;
}

static void store(struct jb *jb, uint32_t ext, const struct jb_pkt *p)
{
	struct jb_slot *s = &jb->slot[ext & SLOT_MASK];

	if (!s->used)
		jb->nbuf++;
	s->used = true;
	s->ext = ext;
	s->ts = p->ts;
	s->arrival_ns = p->arrival_ns;
	s->len = (uint16_t)p->len;
	s->audio = is_audio(p);
	s->cn = p->cn;
	s->marker = p->marker;
	if (p->len)
		memcpy(s->data, p->payload, p->len);
}

/* playout - arrival of an audio frame, against the last playout step */
static void measure(struct jb *jb, const struct jb_pkt *p)
{
	int64_t play_at, slack;

	if (jb->state != JB_S_PLAY || !jb->have_get || !is_audio(p))
		return;
	play_at = (int64_t)jb->get_ns + ts_to_ns(jb, diff(p->ts, jb->get_ts));
	slack = play_at - (int64_t)p->arrival_ns;
	jb->slack_ns += (slack - jb->slack_ns) / 8;
}

static void wait_for(struct jb *jb, uint32_t ext, const struct jb_pkt *p)
{
	jb->state = JB_S_WAIT;
	jb->next = ext;
	jb->wait_until = p->arrival_ns + (uint64_t)jb->target_ns;
}

static enum jb_put_res place(struct jb *jb, uint32_t ext,
			     const struct jb_pkt *p)
{
	switch (jb->state) {
	case JB_S_EMPTY:
		wait_for(jb, ext, p);
		break;
	case JB_S_IDLE:
		/* nothing is buffered: the next talkspurt starts here */
		if (diff(ext, jb->next) < 0)
			goto late;
		wait_for(jb, ext, p);
		break;
	case JB_S_WAIT:
		if (diff(ext, jb->next) < 0) {
			if (jb->have_get)
				goto late;	/* played or passed already */
			if (diff(ext_max(jb), ext) >= JB_SLOTS)
				goto early;
			jb->next = ext;	/* an earlier head to start with */
		}
		break;
	case JB_S_PLAY:
		if (diff(ext, jb->next) < 0)
			goto late;
		break;
	}
	if (diff(ext, jb->next) >= JB_SLOTS)
		goto early;
	jb->early_run = 0;
	store(jb, ext, p);
	measure(jb, p);
	return JB_PUT_OK;

 late:
	if (is_audio(p))
		jb->st.late++;
	return JB_PUT_LATE;
 early:
	jb->st.early++;
	if (++jb->early_run < EARLY_RESYNC)
		return JB_PUT_EARLY;
	/* the sender moved on (a jump, a long outage): follow it */
	jb->st.resyncs++;
	flush(jb);
	wait_for(jb, ext, p);
	store(jb, ext, p);
	return JB_PUT_OK;
}

/**
 * Put one received RTP packet of the stream into @p jb: it is stored,
 * or counted and dropped (late, duplicate, overflow). A packet with
 * another SSRC than the previous one restarts the buffer.
 * Context: the owner of @p jb; copies the payload, never allocates.
 * @return what happened to the packet; JB_PUT_INVALID for a payload
 *	   longer than JB_PAYLOAD_MAX or a NULL argument
 */
enum jb_put_res jb_put(struct jb *jb, const struct jb_pkt *p)
{
	enum seq_res r = SEQ_NEXT;
	uint32_t ext;

	if (!jb || !p || p->len > JB_PAYLOAD_MAX || (p->len && !p->payload))
		return JB_PUT_INVALID;
	jb->st.packets++;
	if (jb->have_stream && p->ssrc != jb->ssrc)
		restart(jb);
	if (!jb->have_stream) {
		init_seq(jb, p->seq);
		jb->ssrc = p->ssrc;
		ext = ext_max(jb);
	} else {
		r = update_seq(jb, p->seq, &ext);
	}
	switch (r) {
	case SEQ_PROBATION:
		jb->st.early++;
		return JB_PUT_PROBATION;
	case SEQ_DUP:
		jb->st.duplicates++;
		return JB_PUT_DUP;
	case SEQ_MISORDERED:
		jb->st.reordered++;
		break;
	case SEQ_NEXT:
	case SEQ_RESYNC:
		break;
	}
	jb->received++;
	if (is_audio(p)) {
		update_jitter(jb, p);
		learn_step(jb, ext, p);
	}
	return place(jb, ext, p);
}

static void note_get(struct jb *jb, uint64_t now, uint32_t ts)
{
	jb->have_get = true;
	jb->get_ns = now;
	jb->get_ts = ts;
}

/* Conceal the frame due now. A frame known to be missing (a later one is
 * here) is passed; in an underrun the next one is still awaited: when it
 * comes it plays, later by the time concealed (the delay grew), unless
 * it starts a talkspurt */
static enum jb_res conceal(struct jb *jb, uint64_t now, bool pass)
{
	note_get(jb, now, jb->play_ts);
	jb->next += pass;
	jb->play_ts += jb->step;
	jb->st.concealed++;
	return JB_MISSING;
}

/* lowest buffered frame at or after jb->next */
static struct jb_slot *head(struct jb *jb)
{
	for (uint32_t i = 0; i < JB_SLOTS; i++) {
		struct jb_slot *s = find(jb, jb->next + i);

		if (s) {
			jb->next = s->ext;
			return s;
		}
	}
	return NULL;
}

static bool start(struct jb *jb, uint64_t now)
{
	struct jb_slot *s;

	if (now < jb->wait_until || !(s = head(jb)))
		return false;
	jb->state = JB_S_PLAY;
	jb->play_ts = s->ts;
	jb->slack_ns = (int64_t)(now - s->arrival_ns);
	jb->adj_ns = now;
	jb->underrun_ns = 0;
	return true;
}

/* In a talkspurt, at most one step every JB_ADJ_MIN_MS: @return the frame
 * to play (@p s or the next one after a drop), or NULL to insert one */
static struct jb_slot *adjust(struct jb *jb, struct jb_slot *s, uint64_t now)
{
	struct jb_slot *n;

	if (jb->fixed || now - jb->adj_ns < (uint64_t)JB_ADJ_MIN_MS * 1000000 ||
	    jb->jitter_n < JITTER_WARMUP)
		return s;	/* held, too soon, or no estimate yet */
	if (jb->slack_ns < jb->target_ns - jb->step_ns / 2) {
		jb->st.inserted++;
		jb->slack_ns += jb->step_ns;
		jb->adj_ns = now;
		return NULL;
	}
	if (jb->slack_ns > jb->target_ns + jb->step_ns &&
	    (n = find(jb, s->ext + 1)) && n->audio &&
	    diff(n->ts, s->ts) <= (int32_t)(jb->step + jb->step / 2)) {
		jb->st.dropped++;
		jb->slack_ns -= jb->step_ns;
		jb->adj_ns = now;
		release(jb, s);
		jb->next++;
		jb->play_ts = n->ts;
		return n;
	}
	return s;
}

static enum jb_res play(struct jb *jb, struct jb_slot *s, uint64_t now,
			uint8_t *payload, size_t *len)
{
	int32_t gap = diff(s->ts, jb->play_ts);

	if (gap > (int32_t)(jb->step / 2)) {
		/* silence before a talkspurt: start it `target` after its
		 * first frame arrived, whatever the delay was before */
		if (now < s->arrival_ns + (uint64_t)jb->target_ns)
			return JB_EMPTY;
		jb->play_ts = s->ts;
		jb->slack_ns = (int64_t)(now - s->arrival_ns);
		jb->adj_ns = now;
	} else if (gap < 0) {
		jb->play_ts = s->ts;	/* the sender's clock stepped back */
	}
	s = adjust(jb, s, now);
	if (!s) {
		note_get(jb, now, jb->play_ts);
		return JB_MISSING;	/* inserted: the buffer grows */
	}
	memcpy(payload, s->data, s->len);
	*len = s->len;
	note_get(jb, now, s->ts);
	jb->play_ts = s->ts + jb->step;
	jb->next++;
	jb->underrun_ns = 0;
	jb->st.played++;
	release(jb, s);
	return JB_FRAME;
}

/**
 * Take what to play at @p now_ns: the next frame (copied to @p payload,
 * room for JB_PAYLOAD_MAX bytes, its size in @p len), JB_MISSING when that
 * frame is lost, late or inserted to grow the delay (the caller conceals
 * @p dur samples, in RTP units), JB_CN for a comfort noise packet (its
 * payload as for a frame; the caller plays noise for @p dur samples and
 * through the JB_EMPTY that follow, until the next frame), or JB_EMPTY
 * (silence: not started, waiting for the playout delay, a silent gap, an
 * event packet).
 * Context: the playout clock of the owner, when it needs audio.
 */
enum jb_res jb_get(struct jb *jb, uint64_t now_ns, uint8_t *payload,
		   size_t *len, uint32_t *dur)
{
	struct jb_slot *s;

	*len = 0;
	*dur = jb->step;
	switch (jb->state) {
	case JB_S_EMPTY:
	case JB_S_IDLE:
		return JB_EMPTY;
	case JB_S_WAIT:
		if (!start(jb, now_ns))
			return JB_EMPTY;
		break;
	case JB_S_PLAY:
		break;
	}
	if (!jb->nbuf) {
		/* underrun: conceal a little, then wait for the next frame */
		if (jb->underrun_ns >= (int64_t)JB_IDLE_MS * 1000000) {
			jb->state = JB_S_IDLE;
			return JB_EMPTY;
		}
		jb->underrun_ns += jb->step_ns;
		return conceal(jb, now_ns, false);
	}
	s = find(jb, jb->next);
	if (!s)
		return conceal(jb, now_ns, true);	/* lost, or late */
	if (!s->audio) {
		/* an event or comfort noise packet holds a frame of time */
		enum jb_res r = s->cn ? JB_CN : JB_EMPTY;

		if (s->cn) {
			memcpy(payload, s->data, s->len);
			*len = s->len;
		}
		release(jb, s);
		note_get(jb, now_ns, jb->play_ts);
		jb->next++;
		jb->play_ts += jb->step;
		/* comfort noise ends a talkspurt: nothing to conceal after
		 * it, and the next packet starts one */
		if (s->cn && !jb->nbuf)
			jb->state = JB_S_IDLE;
		return r;
	}
	return play(jb, s, now_ns, payload, len);
}

/** Copy the counters and the current delay figures of @p jb into @p st.
 *  Context: the owner of @p jb. */
void jb_stats_get(const struct jb *jb, struct jb_stats *st)
{
	uint64_t expected = jb->expected_before;
	uint64_t received = jb->received_before + jb->received;

	if (jb->have_stream)
		expected += ext_max(jb) - jb->base_ext + 1;
	*st = jb->st;
	st->received = received;
	st->expected = expected;
	st->lost = expected > received ? expected - received : 0;
	st->jitter_ts = jb->jitter_q4 >> 4;
	st->target_ms = (uint32_t)(jb->target_ns / 1000000);
	st->delay_ms = jb->state == JB_S_PLAY && jb->slack_ns > 0 ?
		       (uint32_t)(jb->slack_ns / 1000000) : 0;
}

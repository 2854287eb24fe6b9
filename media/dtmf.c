// SPDX-License-Identifier: MIT
/** @file dtmf.c  In-band DTMF detector with digit timing, and generator
 *
 * SpanDSP's dtmf_rx analyses 102-sample blocks and calls a "real-time"
 * callback when two blocks in a row agree on a change: digit on (after two
 * blocks that hit) or digit off (after two that miss). The callback only
 * runs at the end of a block, so the audio is fed in pieces that end on
 * block boundaries and the block end is the callback's time; the tone's
 * start and end are that time less a fixed lag, measured with dtmf_tx
 * tones at every phase against the blocks (tests/unit/media/test_dtmf.c
 * checks the estimates).
 */
#include <errno.h>
#include <string.h>

#include <spandsp.h>
#include <spandsp/expose.h>

#include "media/dtmf.h"

#define BLOCK		102	/* SpanDSP's DTMF_SAMPLES_PER_BLOCK */
/* Tone onset to the "on" callback: the onset lies in the block before the
 * first hit (a block hits once most of it is tone), and the callback comes
 * at the end of the second hit: about 2.5 blocks. Tone end to the "off"
 * callback: two missing blocks, the end lying in the first: about 1.5
 * blocks. Measured over 612 digits (40-200 ms, every 3rd sample of phase,
 * through G.711): these lags leave start errors of -50..+49 samples and
 * duration errors of -89..+99 samples, both centred on 0. */
#define START_LAG	240
#define END_LAG		171
#define GEN_CHUNK	160

_Static_assert(sizeof(dtmf_rx_state_t) <= sizeof(((struct dtmf_det *)0)->rx),
	       "struct dtmf_det is too small for SpanDSP's dtmf_rx_state_t");
_Static_assert(sizeof(dtmf_tx_state_t) <= sizeof(((struct dtmf_gen *)0)->tx),
	       "struct dtmf_gen is too small for SpanDSP's dtmf_tx_state_t");

static dtmf_rx_state_t *rx_of(struct dtmf_det *d)
{
	return (dtmf_rx_state_t *)d->rx;
}

static dtmf_tx_state_t *tx_of(struct dtmf_gen *g)
{
	return (dtmf_tx_state_t *)g->tx;
}

static void push(struct dtmf_det *d, char digit, bool ended, uint64_t start,
		 uint32_t duration)
{
	struct dtmf_event *ev;

	if (d->q_len == DTMF_EVQ) {
		d->stats.ev_dropped++;
		return;
	}
	ev = &d->q[(d->q_head + d->q_len++) % DTMF_EVQ];
	ev->digit = digit;
	ev->ended = ended;
	ev->start = start;
	ev->duration = duration;
}

/* SpanDSP's real-time callback: @p code is the new digit, or 0 for none */
static void on_change(void *arg, int code, int level, int delay)
{
	struct dtmf_det *d = arg;
	uint64_t at = d->cb_pos;

	(void)level;
	(void)delay;
	if (d->cur) {
		uint64_t end = at > END_LAG ? at - END_LAG : 0;

		push(d, d->cur, true, d->cur_start,
		     end > d->cur_start ? (uint32_t)(end - d->cur_start) : 0);
		d->cur = 0;
	}
	if (code) {
		d->cur = (char)code;
		d->cur_start = at > START_LAG ? at - START_LAG : 0;
		d->stats.digits++;
		push(d, d->cur, false, d->cur_start, 0);
	}
}

/**
 * Prepare detector @p d (also to start over). Context: any; no allocation.
 * @return 0 or -EINVAL
 */
int dtmf_det_init(struct dtmf_det *d)
{
	if (!d)
		return -EINVAL;
	memset(d, 0, sizeof(*d));
	if (!dtmf_rx_init(rx_of(d), NULL, NULL))
		return -EINVAL;
	dtmf_rx_set_realtime_callback(rx_of(d), on_change, d);
	return 0;
}

/**
 * Look for digits in @p n samples of @p pcm, whose first sample is at
 * position @p sample_pos of the caller's clock (positions must follow on
 * from the previous call's). Events queue until dtmf_det_poll().
 * Context: media task; never allocates or blocks.
 */
void dtmf_det_process(struct dtmf_det *d, const int16_t *pcm, size_t n,
		      uint64_t sample_pos)
{
	if (!d || !pcm)
		return;
	while (n) {
		size_t chunk = BLOCK - d->block_fill;

		if (chunk > n)
			chunk = n;
		d->cb_pos = sample_pos + chunk;
		dtmf_rx(rx_of(d), pcm, (int)chunk);
		d->block_fill = (uint32_t)((d->block_fill + chunk) % BLOCK);
		pcm += chunk;
		sample_pos += chunk;
		n -= chunk;
	}
}

/**
 * Take the oldest event of @p d into @p ev.
 * Context: media task. @return 0, -EAGAIN (none) or -EINVAL
 */
int dtmf_det_poll(struct dtmf_det *d, struct dtmf_event *ev)
{
	if (!d || !ev)
		return -EINVAL;
	if (!d->q_len)
		return -EAGAIN;
	*ev = d->q[d->q_head];
	d->q_head = (uint8_t)((d->q_head + 1) % DTMF_EVQ);
	d->q_len--;
	return 0;
}

/** Counters of @p d. Context: media task. */
void dtmf_det_stats_get(const struct dtmf_det *d, struct dtmf_det_stats *st)
{
	if (d && st)
		*st = d->stats;
}

static bool valid_digit(char c)
{
	return c && strchr("0123456789*#ABCD", c);
}

/**
 * Prepare generator @p g: its tones replace the audio (DTMF_GEN_REPLACE)
 * or are added to it (DTMF_GEN_MIX). Context: any; no allocation.
 * @return 0 or -EINVAL
 */
int dtmf_gen_init(struct dtmf_gen *g, enum dtmf_gen_mode mode)
{
	if (!g || (mode != DTMF_GEN_REPLACE && mode != DTMF_GEN_MIX))
		return -EINVAL;
	memset(g, 0, sizeof(*g));
	if (!dtmf_tx_init(tx_of(g)))
		return -EINVAL;
	g->mode = mode;
	return 0;
}

/**
 * Queue @p digit ('0'-'9', '*', '#', 'A'-'D', or 'a'-'d') to play for
 * @p duration_ms (DTMF_GEN_MIN_MS to DTMF_GEN_MAX_MS; 0: until
 * dtmf_gen_stop(), at most DTMF_GEN_MAX_MS), then DTMF_GEN_GAP_MS of
 * silence. Context: media task.
 * @return 0, -EINVAL (not a digit, bad duration) or -ENOSPC (queue full)
 */
int dtmf_gen_put(struct dtmf_gen *g, char digit, unsigned duration_ms)
{
	if (!g)
		return -EINVAL;
	if (digit >= 'a' && digit <= 'd')
		digit = (char)(digit - 'a' + 'A');
	if (!valid_digit(digit))
		return -EINVAL;
	if (!duration_ms)
		duration_ms = DTMF_GEN_MAX_MS;
	if (duration_ms < DTMF_GEN_MIN_MS || duration_ms > DTMF_GEN_MAX_MS)
		return -EINVAL;
	if (g->q_len == DTMF_GEN_QUEUE)
		return -ENOSPC;
	g->q[(g->q_head + g->q_len) % DTMF_GEN_QUEUE].digit = digit;
	g->q[(g->q_head + g->q_len) % DTMF_GEN_QUEUE].ms =
		(uint16_t)duration_ms;
	g->q_len++;
	return 0;
}

static void start_next(struct dtmf_gen *g)
{
	char s[2] = { g->q[g->q_head].digit, 0 };
	dtmf_tx_state_t *tx = tx_of(g);

	dtmf_tx_init(tx);	/* a fresh tone and an empty SpanDSP queue */
	dtmf_tx_set_level(tx, DTMF_GEN_LEVEL_DBM0, DTMF_GEN_TWIST_DB);
	dtmf_tx_set_timing(tx, g->q[g->q_head].ms, DTMF_GEN_GAP_MS);
	dtmf_tx_put(tx, s, 1);
	g->q_head = (uint8_t)((g->q_head + 1) % DTMF_GEN_QUEUE);
	g->q_len--;
	g->playing = true;
}

static void mix(int16_t *pcm, const int16_t *tone, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int32_t v = (int32_t)pcm[i] + tone[i];

		pcm[i] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
	}
}

/**
 * Play queued digits into @p pcm (@p n samples of audio going to the
 * line): from pcm[0] on, while a digit or its gap plays, the samples are
 * replaced by (or mixed with) the tones; the rest is left alone.
 * Context: media task; never allocates or blocks.
 * @return samples written from pcm[0] on (0: nothing playing)
 */
size_t dtmf_gen_fill(struct dtmf_gen *g, int16_t *pcm, size_t n)
{
	int16_t buf[GEN_CHUNK];
	size_t done = 0;

	if (!g || !pcm)
		return 0;
	while (done < n) {
		size_t want = n - done < GEN_CHUNK ? n - done : GEN_CHUNK;
		size_t got;

		if (!g->playing) {
			if (!g->q_len)
				break;
			start_next(g);
		}
		got = (size_t)dtmf_tx(tx_of(g), buf, (int)want);
		if (g->mode == DTMF_GEN_MIX)
			mix(pcm + done, buf, got);
		else
			memcpy(pcm + done, buf, got * sizeof(*buf));
		done += got;
		if (got < want)
			g->playing = false;	/* digit and gap are over */
	}
	return done;
}

/** Stop the digit playing now and forget the queued ones.
 *  Context: media task. */
void dtmf_gen_stop(struct dtmf_gen *g)
{
	if (!g)
		return;
	dtmf_tx_init(tx_of(g));
	g->playing = false;
	g->q_len = 0;
}

/** Whether @p g plays or has digits queued. Context: media task. */
bool dtmf_gen_busy(const struct dtmf_gen *g)
{
	return g && (g->playing || g->q_len);
}

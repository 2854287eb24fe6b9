// SPDX-License-Identifier: MIT
/** @file ec.c  Line echo canceller for TDM legs on speexdsp's MDF filter
 *
 * Why speexdsp and not SpanDSP's echo_can: measured by
 * tests/bench/bench_echo.c on G.168 line models, Debian's SpanDSP 0.0.6
 * echo_can_update() prints several lines to stdout for every sample (debug
 * printf()s compiled in, no way to turn them off), costs 2-4 times more,
 * and its adaptive filter does not converge (ERLE near 0 dB, negative on
 * some paths, it adds echo); speexdsp's cancels 24-28 dB of the echo of
 * short hybrid paths, 12-15 dB of long or weak ones, at about 20 us per
 * 20 ms, and keeps its filter through double talk.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <speex/speex_echo.h>

#include "media/ec.h"
#include "rtos-kernel/pool.h"

/*
 * speexdsp's float build resets itself, with a line on stderr, when the
 * energy of a pre-emphasised (1 - 0.9 z^-1) frame exceeds 1e9 per sample
 * of its 2-frame window, i.e. a mean square of 2e9 over a frame (mdf.c,
 * "got slapped"). Only near-full-scale audio at high frequencies gets
 * there (a +3 dBm0 sine at 3.4 kHz: 1.8e9; speech never); blocks from
 * 1e9 on are passed through unprocessed.
 */
#define OVERLOAD_MEAN_SQ	1e9
/* speexdsp also resets after 50 frames in a row of its output being over
 * 4 times its input (pre-emphasised); we reset first, after 25 blocks in
 * a row of out louder than twice rx (plus a floor of about -70 dBm0) */
#define DIVERGE_BLOCKS		25
#define DIVERGE_FLOOR		(EC_BLOCK * 30.0)
/* far-end speech for the ERLE estimate: tx above about -45 dBm0 */
#define ERLE_TX_MEAN_SQ		8000.0
#define ERLE_SMOOTH		0.1f	/* per block: about 200 ms */
/* and something heard back from the line while the far end speaks: rx
 * above about -65 dBm0. A line that returns less has no echo to measure
 * (the simulated card's lines, a digital trunk), and an ERLE there would
 * be noise over noise. */
#define ERLE_RX_MEAN_SQ		80.0
/* a quiet far end: tx under about -55 dBm0 (a mean square of 800; 0 dBm0
 * is 2.6e8). Its echo, at least 6 dB weaker on any line G.168 allows, is
 * under a line's own noise. */
#define QUIET_TX_MEAN_SQ	800.0

struct ec {
	SpeexEchoState *st;
	int16_t tx_prev, rx_prev;	/* for the pre-emphasised energy */
	unsigned diverging;		/* blocks in a row with out > 2 rx */
	float p_rx, p_out;		/* smoothed block energies */
	/* buffered mode: inputs gathered, outputs one block late */
	bool buffered;
	size_t fill;
	int16_t in_rx[EC_BLOCK], in_tx[EC_BLOCK], out_q[EC_BLOCK];
	/* the quiet far end: blocks of quiet tx in a row (up to
	 * ec_idle_after), the last block seen, the notch of the idle output */
	unsigned quiet;
	bool idle;
	int16_t last_rx[EC_BLOCK], last_tx[EC_BLOCK];
	struct ec_notch notch;
	struct ec_stats stats;
};

static struct rtk_pool *ec_pool;
static unsigned ec_tail_ms;		/* span of every canceller */
/* quiet tx blocks after which no echo of the last loud one is left: the
 * filter's span, and one more */
static unsigned ec_idle_after;

static void ec_clear(struct ec *e)
{
	speex_echo_state_reset(e->st);
	e->tx_prev = e->rx_prev = 0;
	e->diverging = 0;
	e->p_rx = e->p_out = 0;
	e->buffered = false;
	e->fill = 0;
	memset(e->out_q, 0, sizeof(e->out_q));
	e->quiet = 0;
	e->idle = false;
	memset(e->last_rx, 0, sizeof(e->last_rx));
	memset(e->last_tx, 0, sizeof(e->last_tx));
	memset(&e->notch, 0, sizeof(e->notch));
	memset(&e->stats, 0, sizeof(e->stats));
	e->stats.tail_ms = ec_tail_ms;
}

/**
 * Make @p max_ec echo cancellers spanning @p max_tail_ms each (rounded up
 * to whole EC_BLOCKs: 64 ms gives 80 ms), for ec_open() to hand out. Call
 * once, before the RT partition starts. Context: init (allocates).
 * @return 0, -EINVAL (0 cancellers, tail 0 or over EC_MAX_TAIL_MS),
 *	   -EALREADY (called before) or -ENOMEM
 */
int ec_module_init(size_t max_ec, unsigned max_tail_ms)
{
	struct ec **made;
	spx_int32_t taps = 0;
	size_t n;
	int err, rate = 8000;

	if (!max_ec || !max_tail_ms || max_tail_ms > EC_MAX_TAIL_MS)
		return -EINVAL;
	if (ec_pool)
		return -EALREADY;
	err = rtk_pool_create(&ec_pool, "ec", sizeof(struct ec), max_ec);
	if (err)
		return err;
	made = calloc(max_ec, sizeof(*made));
	if (!made)
		goto out_pool;
	for (n = 0; n < max_ec; n++) {
		made[n] = rtk_pool_zget(ec_pool);
		if (!made[n])
			goto out_states;
		made[n]->st = speex_echo_state_init(EC_BLOCK,
						    (int)max_tail_ms * 8);
		if (!made[n]->st)
			goto out_states;
		speex_echo_ctl(made[n]->st, SPEEX_ECHO_SET_SAMPLING_RATE,
			       &rate);
	}
	speex_echo_ctl(made[0]->st, SPEEX_ECHO_GET_IMPULSE_RESPONSE_SIZE,
		       &taps);
	ec_tail_ms = (unsigned)taps / 8;
	ec_idle_after = ec_tail_ms / (EC_BLOCK / 8) + 1;
	for (n = 0; n < max_ec; n++)
		rtk_pool_put(ec_pool, made[n]);
	free(made);
	return 0;

 out_states:
	for (size_t i = 0; i <= n && i < max_ec; i++)
		if (made[i] && made[i]->st)
			speex_echo_state_destroy(made[i]->st);
	free(made);
 out_pool:
	ec_pool = rtk_pool_destroy(ec_pool);
	return -ENOMEM;
}

/**
 * Free every canceller, so that ec_module_init() can be called again (tests,
 * benchmarks, shutdown). Context: init/shutdown (frees).
 * @return 0 (also when nothing was made) or -EBUSY (a canceller is open)
 */
int ec_module_fini(void)
{
	struct rtk_pool_stats ps;
	struct ec *e;

	if (!ec_pool)
		return 0;
	rtk_pool_stats_get(ec_pool, &ps);
	if (ps.free != ps.capacity)
		return -EBUSY;
	while ((e = rtk_pool_get(ec_pool)))
		speex_echo_state_destroy(e->st);
	ec_pool = rtk_pool_destroy(ec_pool);
	ec_tail_ms = ec_idle_after = 0;
	return 0;
}

/** Cancellers free in the pool (all of them when none is open).
 *  Context: any. */
size_t ec_free_count(void)
{
	return ec_pool ? rtk_pool_free_count(ec_pool) : 0;
}

/**
 * Take a canceller from the pool, cleared, for a tail of @p tail_ms (at
 * most the module's; the filter spans the module's tail in any case).
 * Context: any thread; never allocates or blocks.
 * @return 0 with *ep set, -EINVAL (bad argument or tail too long) or
 *	   -ENOSPC (every canceller is in use, or none was made)
 */
int ec_open(struct ec **ep, unsigned tail_ms)
{
	struct ec *e;

	if (!ep)
		return -EINVAL;
	*ep = NULL;
	if (!tail_ms || tail_ms > ec_tail_ms)
		return ec_pool ? -EINVAL : -ENOSPC;
	e = rtk_pool_get(ec_pool);
	if (!e)
		return -ENOSPC;
	ec_clear(e);
	*ep = e;
	return 0;
}

/** Give @p e back to the pool (NULL: nothing). Context: any thread. */
void ec_close(struct ec *e)
{
	if (e)
		rtk_pool_put(ec_pool, e);
}

/** Forget what @p e learnt (the line changed: transfer, new call), and
 *  leave the buffered mode. Context: the media task; never blocks. */
void ec_reset(struct ec *e)
{
	if (e)
		ec_clear(e);
}

/* energy of @p x pre-emphasised as speexdsp does (1 - 0.9 z^-1) */
static double preemph_energy(const int16_t *x, int16_t *prev)
{
	double s = 0, p = *prev;

	for (size_t i = 0; i < EC_BLOCK; i++) {
		double d = x[i] - 0.9 * p;

		s += d * d;
		p = x[i];
	}
	*prev = x[EC_BLOCK - 1];
	return s;
}

static double energy(const int16_t *x)
{
	double s = 0;

	for (size_t i = 0; i < EC_BLOCK; i++)
		s += (double)x[i] * x[i];
	return s;
}

static void track(struct ec *e, double e_tx, double e_rx, double e_out)
{
	if (e_out > 2 * e_rx + DIVERGE_FLOOR) {
		if (++e->diverging >= DIVERGE_BLOCKS) {
			speex_echo_state_reset(e->st);
			e->diverging = 0;
			e->stats.resets++;
		}
	} else {
		e->diverging = 0;
	}
	if (e_tx > ERLE_TX_MEAN_SQ * EC_BLOCK) {
		e->p_rx += ERLE_SMOOTH * ((float)e_rx - e->p_rx);
		e->p_out += ERLE_SMOOTH * ((float)e_out - e->p_out);
		e->stats.erle_valid = true;
	}
}

/**
 * speexdsp's input filter (mdf.c's DC notch, float build, radius 0.9 at
 * 8 kHz) on @p n samples of @p in into @p out (which may be @p in), on
 * from @p f's memory. Context: any; never allocates.
 */
void ec_notch_run(struct ec_notch *f, const int16_t *in, int16_t *out,
		  size_t n)
{
	const float r = 0.9f, den2 = r * r + 0.7f * (1 - r) * (1 - r);
	float m0 = f->m0, m1 = f->m1;

	for (size_t i = 0; i < n; i++) {
		float vin = in[i], vout = m0 + vin, o = r * vout;

		m0 = m1 + 2 * (-vin + r * vout);
		m1 = vin - den2 * vout;
		out[i] = (int16_t)lrintf(fminf(fmaxf(o, -32768), 32767));
	}
	f->m0 = m0;
	f->m1 = m1;
}

/* Is the far end quiet long enough for no echo to be left? Then @p rx
 * goes to @p out through the notch alone (true). Else false, and the
 * canceller runs; when it has idled, it first runs through the block
 * before this one (its filters' memories ring for a few ms), and the
 * notch catches up with the blocks it missed the same way. */
static bool idle_block(struct ec *e, const int16_t *rx, const int16_t *tx,
		       int16_t *out, double e_tx)
{
	int16_t scratch[EC_BLOCK];

	if (e_tx >= QUIET_TX_MEAN_SQ * EC_BLOCK)
		e->quiet = 0;
	else if (e->quiet < ec_idle_after)
		e->quiet++;
	if (e->quiet < ec_idle_after) {
		if (e->idle)
			speex_echo_cancellation(e->st, e->last_rx, e->last_tx,
						scratch);
		e->idle = false;
		memcpy(e->last_rx, rx, sizeof(e->last_rx));
		memcpy(e->last_tx, tx, sizeof(e->last_tx));
		return false;
	}
	if (!e->idle) {
		e->notch = (struct ec_notch){ 0 };
		ec_notch_run(&e->notch, e->last_rx, scratch, EC_BLOCK);
		e->idle = true;
	}
	memcpy(e->last_rx, rx, sizeof(e->last_rx));
	memcpy(e->last_tx, tx, sizeof(e->last_tx));
	ec_notch_run(&e->notch, rx, out, EC_BLOCK);
	e->stats.idle++;
	return true;
}

/* one block: rx and out may be the same buffer */
static void run_block(struct ec *e, const int16_t *rx, const int16_t *tx,
		      int16_t *out)
{
	static const int16_t zero[EC_BLOCK];
	int16_t clean[EC_BLOCK];
	double p_tx = preemph_energy(tx, &e->tx_prev);
	double p_rx = preemph_energy(rx, &e->rx_prev);
	double e_rx = energy(rx), e_tx = energy(tx);

	e->stats.blocks++;
	if (idle_block(e, rx, tx, out, e_tx))
		return;
	if (p_tx > OVERLOAD_MEAN_SQ * EC_BLOCK ||
	    p_rx > OVERLOAD_MEAN_SQ * EC_BLOCK) {
		/* keep speexdsp's history going with a quiet block */
		speex_echo_cancellation(e->st, zero, zero, clean);
		memmove(out, rx, sizeof(clean));
		e->stats.overloads++;
		e->diverging = 0;
		return;
	}
	speex_echo_cancellation(e->st, rx, tx, clean);
	memcpy(out, clean, sizeof(clean));
	track(e, e_tx, e_rx, energy(clean));
}

static void run_buffered(struct ec *e, const int16_t *rx, const int16_t *tx,
			 int16_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		e->in_rx[e->fill] = rx[i];
		e->in_tx[e->fill] = tx[i];
		out[i] = e->out_q[e->fill];
		if (++e->fill == EC_BLOCK) {
			run_block(e, e->in_rx, e->in_tx, e->out_q);
			e->fill = 0;
		}
	}
}

/**
 * Cancel the echo of @p tx_to_line in @p rx_from_line: @p out gets rx
 * without the echo. The three buffers hold @p n samples of the same
 * instants; @p out may be @p rx_from_line (in place). Whole blocks
 * (n a multiple of EC_BLOCK) come out at once; otherwise see ec.h.
 * Context: the media task; never allocates, blocks or prints.
 */
void ec_process(struct ec *e, const int16_t *rx_from_line,
		const int16_t *tx_to_line, int16_t *out, size_t n)
{
	if (!e || !n || !rx_from_line || !tx_to_line || !out)
		return;
	if (!e->buffered && !e->fill && n % EC_BLOCK == 0) {
		for (size_t i = 0; i < n; i += EC_BLOCK)
			run_block(e, rx_from_line + i, tx_to_line + i, out + i);
		return;
	}
	if (!e->buffered) {
		e->buffered = true;
		e->stats.buffered = true;
	}
	run_buffered(e, rx_from_line, tx_to_line, out, n);
}

/** Figures of @p e, ERLE estimate included. Context: the thread that runs
 *  ec_process() (no locking). */
void ec_stats_get(const struct ec *e, struct ec_stats *st)
{
	if (!e || !st)
		return;
	*st = e->stats;
	st->erle_db_x10 = 0;
	st->erle_valid = st->erle_valid &&
			 e->p_rx > ERLE_RX_MEAN_SQ * EC_BLOCK;
	if (st->erle_valid && e->p_out > 0)
		st->erle_db_x10 = (int)lrintf(100.0f *
					      log10f(e->p_rx / e->p_out));
	else if (st->erle_valid)
		st->erle_db_x10 = 999;	/* nothing left: say 99.9 dB */
}

/* SPDX-License-Identifier: MIT */
/** @file ec.h  Line echo canceller for TDM legs (speexdsp)
 *
 * A TDM leg hears its own transmitted audio come back from the line's
 * hybrid, delayed and attenuated: the line echo. ec_process() takes what
 * came from the line (rx_from_line, with the echo in it) and what was sent
 * to the line at the same instants (tx_to_line), and gives rx with the echo
 * taken out. The canceller is speexdsp's MDF adaptive filter (two-path,
 * frequency domain), chosen over SpanDSP's echo_can for the figures in
 * tests/bench/bench_echo.c (see the project README).
 *
 * Memory: ec_module_init() makes every canceller, once, at its longest tail
 * (speexdsp allocates inside its constructor), so the tail is a module
 * setting: ec_open() accepts any tail up to it, and every canceller spans
 * max_tail_ms rounded up to whole blocks (ec_stats.tail_ms). ec_open() and
 * ec_close() take and give back cancellers from a lock-free pool; an empty
 * pool is -ENOSPC.
 *
 * Timing: audio is 16-bit linear at 8 kHz, in blocks of EC_BLOCK samples
 * (20 ms). Calls with whole blocks are processed at once, with no delay.
 * The first call that is not a whole number of blocks switches the
 * canceller for good (until ec_reset()) to a buffered mode whose output is
 * EC_BLOCK samples late (counted in ec_stats.buffered).
 *
 * A quiet far end: when tx_to_line has been quiet (under about -55 dBm0)
 * for longer than the filter spans, there is no echo left to cancel; the
 * canceller then idles: rx goes out through speexdsp's input filter alone
 * (its DC notch, ec_notch_run(): what the output would be with no echo),
 * and speexdsp is not run (ec_stats.idle). Its memory of the line is kept;
 * the block before the far end speaks again is run through it first, so
 * it takes up where it was without a click. In a conversation the far end
 * is quiet about half the time, and so is the canceller.
 *
 * Context: the media task; ec_process() never allocates, blocks or writes
 * to stdout/stderr. speexdsp prints one line to stderr when its filter
 * blows up ("got slapped"); two guards keep it from getting there: blocks
 * too loud for its float range (near full scale at high frequency) are
 * passed through (ec_stats.overloads), and a canceller whose output stays
 * louder than its input is reset before speexdsp's own, noisy reset would
 * (ec_stats.resets).
 */
#ifndef MEDIA_EC_H
#define MEDIA_EC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EC_BLOCK	160	/* samples per canceller step: 20 ms */
#define EC_MAX_TAIL_MS	512	/* longest tail ec_module_init() accepts */

struct ec;

struct ec_stats {
	unsigned tail_ms;	/**< span of the adaptive filter */
	bool erle_valid;	/**< an ERLE estimate exists: far-end speech
				 *   seen, and the line heard back (rx above
				 *   about -65 dBm0) while it spoke */
	int erle_db_x10;	/**< echo return loss enhancement, 0.1 dB:
				 *   rx power over out power, smoothed over
				 *   about 200 ms of blocks with far-end
				 *   speech; near-end speech lowers it */
	bool buffered;		/**< switched to the delayed, buffered mode */
	uint64_t blocks;	/**< blocks processed */
	uint64_t overloads;	/**< blocks passed through: too loud */
	uint64_t resets;	/**< divergence resets */
	uint64_t idle;		/**< blocks passed with the far end quiet */
};

/** speexdsp's input filter (a DC notch, radius 0.9 at 8 kHz), which the
 *  canceller's output has; zeroed before its first block */
struct ec_notch {
	float m0, m1;
};

int  ec_module_init(size_t max_ec, unsigned max_tail_ms);
int  ec_module_fini(void);
size_t ec_free_count(void);
int  ec_open(struct ec **ep, unsigned tail_ms);
void ec_close(struct ec *e);
void ec_reset(struct ec *e);
void ec_process(struct ec *e, const int16_t *rx_from_line,
		const int16_t *tx_to_line, int16_t *out, size_t n);
void ec_stats_get(const struct ec *e, struct ec_stats *st);
void ec_notch_run(struct ec_notch *f, const int16_t *in, int16_t *out,
		  size_t n);

#endif /* MEDIA_EC_H */

/* SPDX-License-Identifier: MIT */
/** @file media_sig.h  Test signals and measurements for the media tests
 *
 * Header-only (each unit test and benchmark is a program of its own):
 * a deterministic speech-like signal, tones, levels in dBm0, signal-to-
 * noise ratios with delay alignment, and a Goertzel filter.
 *
 * Levels follow SpanDSP's convention (telephony.h): a sine of amplitude
 * 32767 is +3.14 dBm0 (the G.711 µ-law overload point), so 0 dBm0 is a
 * sine of amplitude 22787 and a signal's level in dBm0 is
 * 10 log10(mean(x^2) / (32767^2 / 2)) + 3.14.
 */
#ifndef TESTS_MEDIA_SIG_H
#define TESTS_MEDIA_SIG_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MSIG_RATE	8000
#define MSIG_MAX_SINE_DBM0	3.14

/** Small deterministic generator (xorshift32), never 0 state. */
struct msig_rng {
	uint32_t s;
};

static inline void msig_rng_seed(struct msig_rng *r, uint32_t seed)
{
	r->s = seed ? seed : 0x9e3779b9u;
}

static inline uint32_t msig_rng_next(struct msig_rng *r)
{
	uint32_t x = r->s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	r->s = x;
	return x;
}

/** Uniform in [0, 1). */
static inline double msig_uniform(struct msig_rng *r)
{
	return (double)(msig_rng_next(r) >> 8) / 16777216.0;
}

/** Uniform in [lo, hi). */
static inline double msig_range(struct msig_rng *r, double lo, double hi)
{
	return lo + (hi - lo) * msig_uniform(r);
}

/** Roughly Gaussian, zero mean, unit variance (sum of 4 uniforms). */
static inline double msig_gauss(struct msig_rng *r)
{
	double s = 0;

	for (int i = 0; i < 4; i++)
		s += msig_uniform(r);
	return (s - 2.0) * 1.7320508;	/* variance of the sum: 4/12 */
}

static inline int16_t msig_clip(double v)
{
	if (v > 32767)
		return 32767;
	if (v < -32768)
		return -32768;
	return (int16_t)lrint(v);
}

/** Amplitude of a sine at @p dbm0. */
static inline double msig_sine_amp(double dbm0)
{
	return 32767.0 * pow(10.0, (dbm0 - MSIG_MAX_SINE_DBM0) / 20.0);
}

/** Mean power of @p n samples (linear units squared). */
static inline double msig_power(const int16_t *x, size_t n)
{
	double s = 0;

	for (size_t i = 0; i < n; i++)
		s += (double)x[i] * x[i];
	return n ? s / (double)n : 0;
}

/** An echo canceller's ERLE in dB over @p n samples: the power of the
 *  @p echo over that of what is left of it in @p out, once the near-end
 *  signal (@p near, as the canceller's input filter shapes it) is taken
 *  away */
static inline double msig_erle_db(const int16_t *echo, const int16_t *out,
				  const int16_t *near, size_t n)
{
	double pe = 0, pr = 0;

	for (size_t i = 0; i < n; i++) {
		double r = (double)out[i] - near[i];

		pe += (double)echo[i] * echo[i];
		pr += r * r;
	}
	return 10 * log10(pe / (pr + 1e-3));
}

/** Power (linear) to dBm0. */
static inline double msig_pow_dbm0(double p)
{
	if (p <= 0)
		return -200;
	return 10 * log10(p / (32767.0 * 32767.0 / 2)) + MSIG_MAX_SINE_DBM0;
}

static inline double msig_level_dbm0(const int16_t *x, size_t n)
{
	return msig_pow_dbm0(msig_power(x, n));
}

/** Add a sine at @p dbm0 and @p hz to @p x (saturating). */
static inline void msig_add_tone(int16_t *x, size_t n, double hz, double dbm0,
				 double phase)
{
	double a = msig_sine_amp(dbm0), w = 2 * M_PI * hz / MSIG_RATE;

	for (size_t i = 0; i < n; i++)
		x[i] = msig_clip(x[i] + a * sin(w * (double)i + phase));
}

/** Write @p n samples of a fax's or modem's answer tone into @p x: 2100 Hz
 *  at @p dbm0 (its peak, with @p am), the phase reversed every 450 ms when
 *  @p pr (V.25 ANS/), amplitude-modulated 20 % at 15 Hz when @p am (V.8
 *  ANSam). */
static inline void msig_answer_tone(int16_t *x, size_t n, double dbm0,
				    bool pr, bool am)
{
	double a = msig_sine_amp(dbm0) / (am ? 1.2 : 1);

	for (size_t i = 0; i < n; i++) {
		double t = (double)i / MSIG_RATE;
		double ph = 2 * M_PI * 2100 * t;
		double env = am ? 1 + 0.2 * sin(2 * M_PI * 15 * t) : 1;

		if (pr && (unsigned)(t / 0.45) % 2)
			ph += M_PI;
		x[i] = msig_clip(a * env * sin(ph));
	}
}

/** Add white Gaussian-like noise at @p dbm0 to @p x (saturating). */
static inline void msig_add_noise(int16_t *x, size_t n, double dbm0,
				  uint32_t seed)
{
	double sd = sqrt(32767.0 * 32767.0 / 2 *
			 pow(10, (dbm0 - MSIG_MAX_SINE_DBM0) / 10));
	struct msig_rng r;

	msig_rng_seed(&r, seed);
	for (size_t i = 0; i < n; i++)
		x[i] = msig_clip(x[i] + sd * msig_gauss(&r));
}

/* one two-pole resonator (formant) */
struct msig_res {
	double a1, a2, g, y1, y2;
};

static inline void msig_res_set(struct msig_res *f, double hz, double bw)
{
	double r = exp(-M_PI * bw / MSIG_RATE);

	f->a1 = 2 * r * cos(2 * M_PI * hz / MSIG_RATE);
	f->a2 = -r * r;
	f->g = 1 - r;		/* keeps the peak gain near 1/(1-r)(1-r) */
}

static inline double msig_res_run(struct msig_res *f, double x)
{
	double y = f->g * x + f->a1 * f->y1 + f->a2 * f->y2;

	f->y2 = f->y1;
	f->y1 = y;
	return y;
}

/* Rosenberg glottal flow over one pitch period (phase 0..1): opens over
 * 40 % of the period, closes over 16 %, then stays shut */
static inline double msig_glottal(double phase)
{
	if (phase < 0.4)
		return 0.5 - 0.5 * cos(M_PI * phase / 0.4);
	if (phase < 0.56)
		return cos(M_PI / 2 * (phase - 0.4) / 0.16);
	return 0;
}

/* one run of the generator below with output gain @p gain; @p x may be NULL.
 * Returns the mean power over the samples inside syllables, before
 * clipping. */
static inline double msig_speech_run(int16_t *x, size_t n, uint32_t seed,
				     double gain)
{
	struct msig_res f[3] = { { 0 } };
	struct msig_rng r;
	double phase = 0, f0 = 140, act = 0, flow = 0, hp_x = 0, hp_y = 0;
	double prev = 0;
	size_t i = 0, active = 0;

	msig_rng_seed(&r, seed * 2654435761u + 1);
	while (i < n) {
		size_t syl = (size_t)msig_range(&r, 800, 2400);
		size_t gap = msig_uniform(&r) < 0.25 ?
			     (size_t)msig_range(&r, 2400, 6400) :
			     (size_t)msig_range(&r, 240, 1000);
		bool voiced = msig_uniform(&r) < 0.8;
		double lvl = pow(10, msig_range(&r, -6, 3) / 20);
		double df0 = msig_range(&r, -0.02, 0.02);

		msig_res_set(&f[0], msig_range(&r, 300, 800),
			     msig_range(&r, 60, 120));
		msig_res_set(&f[1], msig_range(&r, 900, 2300),
			     msig_range(&r, 80, 150));
		msig_res_set(&f[2], msig_range(&r, 2400, 3300),
			     msig_range(&r, 100, 200));
		f0 = fmin(230, fmax(90, f0 + msig_range(&r, -30, 30)));
		for (size_t k = 0; k < syl && i < n; k++, i++) {
			double env = 0.5 - 0.5 * cos(2 * M_PI * (double)k /
						     (double)syl);
			double e, y, g;

			if (voiced) {
				/* flow derivative: the glottal source as
				 * radiated from the lips */
				phase += f0 / MSIG_RATE;
				if (phase >= 1)
					phase -= 1;
				g = msig_glottal(phase);
				e = 20 * (g - flow);
				flow = g;
				f0 = fmin(230, fmax(90, f0 + df0));
			} else {
				e = 0.3 * msig_gauss(&r);
			}
			y = msig_res_run(&f[0], e) * 1.0 +
			    msig_res_run(&f[1], e) * 0.8 +
			    msig_res_run(&f[2], e) * 0.5;
			/* lip radiation: +6 dB per octave */
			g = y - 0.95 * prev;
			prev = y;
			y = g * env * lvl;
			/* DC blocker (about 60 Hz), as a telephone channel */
			hp_y = y - hp_x + 0.95 * hp_y;
			hp_x = y;
			act += hp_y * hp_y;
			active++;
			if (x)
				x[i] = msig_clip(hp_y * gain);
		}
		for (size_t k = 0; k < gap && i < n; k++, i++) {
			hp_y = -hp_x + 0.95 * hp_y;	/* the tail decays */
			hp_x = 0;
			if (x)
				x[i] = msig_clip(hp_y * gain);
		}
	}
	return active ? act / (double)active : 0;
}

/**
 * Fill @p x with a deterministic speech-like signal: talkspurts of
 * syllables (100-300 ms, a raised-cosine envelope each, 80 % voiced from a
 * Rosenberg glottal pulse at a drifting 90-230 Hz pitch, else noise)
 * through three formant resonators (F1 300-800 Hz, F2 900-2300 Hz,
 * F3 2400-3300 Hz) re-drawn per syllable, with short gaps between syllables
 * and longer pauses between talkspurts (about 65 % of the time active), and
 * no DC. Its long-term spectrum falls about 20 dB from 500 Hz to 3.5 kHz,
 * like speech's. The active level (power over the samples inside
 * syllables) is @p dbm0.
 */
static inline void msig_speech(int16_t *x, size_t n, uint32_t seed,
			       double dbm0)
{
	double p = msig_speech_run(NULL, n, seed, 1);

	if (p <= 0)
		return;
	msig_speech_run(x, n, seed, msig_sine_amp(dbm0) / sqrt(2 * p));
}

/** Goertzel: power of @p x at @p hz, as the amplitude of a sine there. */
static inline double msig_goertzel_amp(const int16_t *x, size_t n, double hz)
{
	double w = 2 * M_PI * hz / MSIG_RATE, c = 2 * cos(w);
	double s1 = 0, s2 = 0, re, im;

	for (size_t i = 0; i < n; i++) {
		double s = x[i] + c * s1 - s2;

		s2 = s1;
		s1 = s;
	}
	re = s1 - s2 * cos(w);
	im = s2 * sin(w);
	return 2 * sqrt(re * re + im * im) / (double)n;
}

/**
 * Signal-to-noise ratio of @p out against @p ref, in dB, after finding the
 * delay 0..@p max_lag of @p out and the gain that match @p ref best (codecs
 * with filters delay and scale the signal slightly). Measured over @p n
 * samples of @p ref starting at @p skip; @p out must hold n + max_lag
 * samples. @p lag_out gets the delay.
 */
static inline double msig_snr_db(const int16_t *ref, const int16_t *out,
				 size_t n, size_t skip, size_t max_lag,
				 size_t *lag_out)
{
	double best = -1e9, best_num = 0, best_den = 1;
	size_t best_lag = 0;

	for (size_t lag = 0; lag <= max_lag; lag++) {
		double rr = 0, ro = 0, oo = 0, g, err;

		for (size_t i = skip; i < n; i++) {
			double a = ref[i], b = out[i + lag];

			rr += a * a;
			ro += a * b;
			oo += b * b;
		}
		if (oo <= 0 || rr <= 0)
			continue;
		g = ro / oo;	/* least-squares gain from out to ref */
		err = rr - 2 * g * ro + g * g * oo;
		if (err < 1e-9)
			err = 1e-9;
		if (ro / sqrt(rr * oo) > best) {
			best = ro / sqrt(rr * oo);
			best_num = rr;
			best_den = err;
			best_lag = lag;
		}
	}
	if (lag_out)
		*lag_out = best_lag;
	return 10 * log10(best_num / best_den);
}

#endif /* TESTS_MEDIA_SIG_H */

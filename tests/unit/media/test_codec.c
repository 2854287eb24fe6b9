// SPDX-License-Identifier: MIT
/** @file test_codec.c  Codecs: table, names, sizes, frame rules, round-trip
 *  quality per codec, RFC 3551 packing, G.722 against SpanDSP's 16 kHz
 *  coder both ways, G.729's frames, SID and limit, no allocation in an RT
 *  task but G.729's states */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <spandsp.h>
#include <spandsp/expose.h>

#include "media/codec.h"
#include "tests/unit/media/media_rt.h"
#include "tests/unit/media/media_sig.h"

#define LEN	32000		/* 4 s of test signal */
#define MAX_LAG	200		/* delay search (G.722's is 59 samples) */
#define SKIP	800		/* adaptation of the ADPCM coders, 100 ms */

static int16_t sig[LEN], dec[LEN + MAX_LAG];
static uint8_t pay[LEN];

/* encode then decode @p x in 20 ms frames through a fresh codec */
static void round_trip(enum codec_id id, const int16_t *x)
{
	struct codec c;
	size_t o = 0;

	memset(dec, 0, sizeof(dec));
	assert_int_equal(codec_init(&c, id), 0);
	for (size_t i = 0; i + 160 <= LEN; i += 160) {
		int b = codec_encode(&c, x + i, 160, pay, sizeof(pay));
		int s;

		assert_int_equal(b, codec_payload_bytes(id, 20));
		s = codec_decode(&c, pay, (size_t)b, dec + o, 160);
		assert_int_equal(s, 160);
		o += (size_t)s;
	}
	codec_fini(&c);
}

static double snr_of(enum codec_id id, const int16_t *x, size_t *lag)
{
	round_trip(id, x);
	return msig_snr_db(x, dec, LEN - MAX_LAG, SKIP, MAX_LAG, lag);
}

static void tone(double hz, double dbm0)
{
	memset(sig, 0, sizeof(sig));
	msig_add_tone(sig, LEN, hz, dbm0, 0.3);
}

/* five tones across the telephone band, -22 dBm0 each (-15 dBm0 in all):
 * stationary like a tone, but with a spectrum a predictor cannot whiten */
static void multitone(void)
{
	static const double hz[] = { 350, 790, 1220, 2050, 2870 };

	memset(sig, 0, sizeof(sig));
	for (int k = 0; k < 5; k++)
		msig_add_tone(sig, LEN, hz[k], -22, 1.3 * k);
}

static void test_codec_info_matches_rfc3551(void **state)
{
	static const struct {
		const char *name;
		uint8_t pt;
		uint32_t rate;
		uint16_t min_ms;
	} want[CODEC_COUNT] = {
		{ "PCMU", 0, 8000, 10 }, { "PCMA", 8, 8000, 10 },
		{ "G722", 9, 16000, 10 }, { "G726-32", 2, 8000, 10 },
		{ "GSM", 3, 8000, 20 }, { "G729", 18, 8000, 10 },
	};

	(void)state;
	for (int i = 0; i < CODEC_COUNT; i++) {
		const struct codec_info *ci = codec_info((enum codec_id)i);

		assert_non_null(ci);
		assert_string_equal(ci->name, want[i].name);
		assert_int_equal(ci->pt, want[i].pt);
		assert_int_equal(ci->rtp_clock, 8000);	/* G.722 too */
		assert_int_equal(ci->audio_rate, want[i].rate);
		assert_int_equal(ci->min_ms, want[i].min_ms);
	}
	assert_null(codec_info(CODEC_COUNT));
	assert_null(codec_info((enum codec_id)-1));
}

static void test_codec_by_name_ignores_case(void **state)
{
	enum codec_id id = CODEC_COUNT;

	(void)state;
	assert_int_equal(codec_by_name("PCMU", &id), 0);
	assert_int_equal(id, CODEC_PCMU);
	assert_int_equal(codec_by_name("pcma", &id), 0);
	assert_int_equal(id, CODEC_PCMA);
	assert_int_equal(codec_by_name("g722", &id), 0);
	assert_int_equal(id, CODEC_G722);
	assert_int_equal(codec_by_name("G726-32", &id), 0);
	assert_int_equal(id, CODEC_G726_32);
	assert_int_equal(codec_by_name("g729", &id), 0);
	assert_int_equal(id, CODEC_G729);
	assert_int_equal(codec_by_name("gsm", &id), 0);
	assert_int_equal(id, CODEC_GSM);
	/* the big-endian G.726 packing is another format */
	assert_int_equal(codec_by_name("AAL2-G726-32", &id), -ENOENT);
	assert_int_equal(codec_by_name("G726", &id), -ENOENT);
	assert_int_equal(codec_by_name("", &id), -ENOENT);
	assert_int_equal(codec_by_name(NULL, &id), -EINVAL);
	assert_int_equal(codec_by_name("PCMU", NULL), -EINVAL);
	assert_int_equal(id, CODEC_GSM);	/* untouched on error */
}

static void test_codec_payload_bytes_per_ptime(void **state)
{
	(void)state;
	assert_int_equal(codec_payload_bytes(CODEC_PCMU, 20), 160);
	assert_int_equal(codec_payload_bytes(CODEC_PCMA, 10), 80);
	assert_int_equal(codec_payload_bytes(CODEC_PCMA, 30), 240);
	assert_int_equal(codec_payload_bytes(CODEC_G722, 20), 160);
	assert_int_equal(codec_payload_bytes(CODEC_G726_32, 20), 80);
	assert_int_equal(codec_payload_bytes(CODEC_G726_32, 10), 40);
	assert_int_equal(codec_payload_bytes(CODEC_GSM, 20), 33);
	assert_int_equal(codec_payload_bytes(CODEC_GSM, 60), 99);
	assert_int_equal(codec_payload_bytes(CODEC_G729, 20), 20);
	assert_int_equal(codec_payload_bytes(CODEC_G729, 30), 30);
	/* not a whole number of frames */
	assert_int_equal(codec_payload_bytes(CODEC_GSM, 10), 0);
	assert_int_equal(codec_payload_bytes(CODEC_GSM, 30), 0);
	assert_int_equal(codec_payload_bytes(CODEC_PCMU, 15), 0);
	assert_int_equal(codec_payload_bytes(CODEC_PCMU, 0), 0);
	assert_int_equal(codec_payload_bytes(CODEC_COUNT, 20), 0);
}

static void test_codec_frame_rules(void **state)
{
	struct codec c;
	int16_t pcm[480] = { 0 };
	uint8_t out[400];

	(void)state;
	assert_int_equal(codec_init(NULL, CODEC_PCMU), -EINVAL);
	assert_int_equal(codec_init(&c, CODEC_COUNT), -EINVAL);
	/* a codec whose init failed refuses work */
	assert_int_equal(codec_encode(&c, pcm, 160, out, sizeof(out)),
			 -EINVAL);

	assert_int_equal(codec_init(&c, CODEC_PCMU), 0);
	assert_int_equal(codec_encode(&c, pcm, 100, out, sizeof(out)),
			 -EINVAL);		/* not 10 ms multiples */
	assert_int_equal(codec_encode(&c, pcm, 80, out, sizeof(out)), 80);
	assert_int_equal(codec_encode(&c, pcm, 160, out, 159), -ENOSPC);
	assert_int_equal(codec_encode(&c, pcm, 0, out, 0), 0);
	assert_int_equal(codec_decode(&c, out, 160, pcm, 159), -ENOSPC);
	assert_int_equal(codec_decode(&c, out, 7, pcm, 480), 7); /* any len */
	codec_fini(&c);
	codec_fini(&c);					/* twice: harmless */
	assert_int_equal(codec_encode(&c, pcm, 80, out, sizeof(out)),
			 -EINVAL);

	/* GSM: 20 ms frames, 33 bytes each, signature nibble 0xD */
	assert_int_equal(codec_init(&c, CODEC_GSM), 0);
	assert_int_equal(codec_encode(&c, pcm, 80, out, sizeof(out)),
			 -EINVAL);
	assert_int_equal(codec_encode(&c, pcm, 240, out, sizeof(out)),
			 -EINVAL);
	assert_int_equal(codec_encode(&c, pcm, 480, out, sizeof(out)), 99);
	for (int i = 0; i < 3; i++)
		assert_int_equal(out[33 * i] >> 4, 0xD);
	assert_int_equal(codec_encode(&c, pcm, 160, out, 32), -ENOSPC);
	assert_int_equal(codec_decode(&c, out, 99, pcm, 480), 480);
	assert_int_equal(codec_decode(&c, out, 32, pcm, 480), -EBADMSG);
	assert_int_equal(codec_decode(&c, out, 34, pcm, 480), -EBADMSG);
	assert_int_equal(codec_decode(&c, out, 66, pcm, 319), -ENOSPC);
	out[33] = 0x2f;					/* broken signature */
	assert_int_equal(codec_decode(&c, out, 66, pcm, 480), -EBADMSG);
	codec_fini(&c);

	/* G.726-32: 4 bits a sample */
	assert_int_equal(codec_init(&c, CODEC_G726_32), 0);
	assert_int_equal(codec_encode(&c, pcm, 160, out, sizeof(out)), 80);
	assert_int_equal(codec_decode(&c, out, 80, pcm, 160), 160);
	assert_int_equal(codec_decode(&c, out, 80, pcm, 159), -ENOSPC);
	codec_fini(&c);
}

/*
 * G.711: ITU-T G.712 asks a PCM channel for a signal-to-total-distortion
 * ratio of at least 35 dB for a sine between -30 and 0 dBm0 (1020 Hz is
 * the usual test frequency: 1000 Hz divides 8000 and samples only eight
 * points of the law). The codec alone is the ideal quantiser (measured
 * 37-39 dB), so 35 dB holds with margin; the same for the multi-tone
 * (measured 37.5). Speech-like audio at -20 dBm0 sits well inside the
 * law's range: 33 dB (measured 36-37).
 */
static void test_codec_g711_snr(void **state)
{
	static const enum codec_id ids[] = { CODEC_PCMU, CODEC_PCMA };
	size_t lag;

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		for (int lvl = -30; lvl <= 0; lvl += 10) {
			tone(1020, lvl);
			assert_true(snr_of(ids[i], sig, &lag) >= 35.0);
			assert_int_equal(lag, 0);
		}
		multitone();
		assert_true(snr_of(ids[i], sig, &lag) >= 35.0);
		msig_speech(sig, LEN, 7, -20);
		assert_true(snr_of(ids[i], sig, &lag) >= 33.0);
		/* no gain error: levels within 0.2 dB */
		assert_true(fabs(msig_level_dbm0(dec, LEN) -
				 msig_level_dbm0(sig, LEN)) < 0.2);
	}
}

/*
 * G.726-32 is 4-bit ADPCM. On a signal its predictor cannot whiten (the
 * multi-tone) that leaves about what a 4-bit quantiser gives, 20 dB
 * (measured 21.8); a steady tone is predicted well (measured 36 dB at
 * -10 dBm0). Thresholds: 20 dB and 30 dB. Our speech-like signal, with its
 * abrupt syllable onsets, measures 15-21 dB over five seeds: 13 dB.
 */
static void test_codec_g726_snr(void **state)
{
	size_t lag;

	(void)state;
	tone(1020, -10);
	assert_true(snr_of(CODEC_G726_32, sig, &lag) >= 30.0);
	multitone();
	assert_true(snr_of(CODEC_G726_32, sig, &lag) >= 20.0);
	for (uint32_t seed = 7; seed < 12; seed++) {
		msig_speech(sig, LEN, seed, -20);
		assert_true(snr_of(CODEC_G726_32, sig, &lag) >= 13.0);
		assert_int_equal(lag, 0);
	}
}

/* RFC 3551 4.5.4: first code word in the least significant nibble */
static void test_codec_g726_packs_like_rfc3551(void **state)
{
	g726_state_t ref;
	uint8_t codes[160];
	struct codec c;

	(void)state;
	msig_speech(sig, 160, 3, -15);
	g726_init(&ref, 32000, G726_ENCODING_LINEAR, G726_PACKING_NONE);
	assert_int_equal(g726_encode(&ref, codes, sig, 160), 160);
	assert_int_equal(codec_init(&c, CODEC_G726_32), 0);
	assert_int_equal(codec_encode(&c, sig, 160, pay, sizeof(pay)), 80);
	for (int i = 0; i < 80; i++)
		assert_int_equal(pay[i], codes[2 * i] | codes[2 * i + 1] << 4);
	codec_fini(&c);
}

/*
 * G.722 round trip at 8 kHz: the signal coded as the lower sub-band (6-bit
 * ADPCM), decoded back, no QMF and no resampler on our side (codec.c). On a
 * tone the 6-bit lower band gives 40 dB easily; the multi-tone (up to
 * 2.9 kHz) and the speech-like signal are held to the thresholds of the
 * earlier path through speexdsp resamplers and the QMF (28 and 18 dB,
 * measured 32 and 20-28 there).
 */
static void test_codec_g722_snr_through_8k(void **state)
{
	size_t lag;

	(void)state;
	tone(1020, -10);
	assert_true(snr_of(CODEC_G722, sig, &lag) >= 40.0);
	assert_true(lag < 100);
	assert_true(fabs(msig_level_dbm0(dec + lag, LEN - MAX_LAG) -
			 msig_level_dbm0(sig, LEN - MAX_LAG)) < 0.5);
	multitone();
	assert_true(snr_of(CODEC_G722, sig, &lag) >= 28.0);
	for (uint32_t seed = 7; seed < 12; seed++) {
		msig_speech(sig, LEN, seed, -20);
		assert_true(snr_of(CODEC_G722, sig, &lag) >= 18.0);
	}
}

/* band levels (dB) of @p x over 256-sample Hann-windowed frames */
static void band_levels(const int16_t *x, size_t n, double lvl[4])
{
	double acc[4] = { 0 };

	for (size_t f = 0; f + 256 <= n; f += 256) {
		for (int k = 1; k < 128; k++) {
			double re = 0, im = 0;

			for (int i = 0; i < 256; i++) {
				double w = 0.5 - 0.5 * cos(2 * M_PI * i / 256);

				re += w * x[f + i] * cos(2 * M_PI * k * i / 256);
				im -= w * x[f + i] * sin(2 * M_PI * k * i / 256);
			}
			acc[k / 32] += re * re + im * im;	/* 1 kHz bands */
		}
	}
	for (int b = 0; b < 4; b++)
		lvl[b] = 10 * log10(acc[b] + 1);
}

/* correlation of the 20 ms frame levels (dB) of @p a and @p b; levels
 * below -60 dBm0 (a power of about 300) count as -60 dBm0, so that digital
 * silence and the coder's idle noise look alike */
static double envelope_corr(const int16_t *a, const int16_t *b, size_t n)
{
	double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0, k = 0;

	for (size_t f = 0; f + 160 <= n; f += 160, k++) {
		double la = 10 * log10(msig_power(a + f, 160) + 300);
		double lb = 10 * log10(msig_power(b + f, 160) + 300);

		sa += la;
		sb += lb;
		saa += la * la;
		sbb += lb * lb;
		sab += la * lb;
	}
	return (sab - sa * sb / k) /
	       sqrt((saa - sa * sa / k) * (sbb - sb * sb / k));
}

/* A frame codec that keeps no waveform: a 1020 Hz tone at -10 dBm0 comes
 * back with @p tone_snr dB or more of SNR, at its level (within 1 dB) and
 * frequency (30 dB above its neighbours); speech (five seeds) at its level
 * (within 2 dB), with its syllable envelope (20 ms frame levels correlate
 * above 0.9) and its long-term spectrum: the 1 kHz bands below @p split
 * within @p low dB, those above within @p high dB. */
static void keeps_level_and_spectrum(enum codec_id id, double tone_snr,
				     int split, double low, double high)
{
	double in_b[4], out_b[4], peak, other;
	size_t lag;

	tone(1020, -10);
	assert_true(snr_of(id, sig, &lag) >= tone_snr);
	assert_true(fabs(msig_level_dbm0(dec + SKIP, LEN - SKIP - MAX_LAG) +
			 10.0) < 1.0);
	peak = msig_goertzel_amp(dec + SKIP, 16000, 1020);
	other = fmax(msig_goertzel_amp(dec + SKIP, 16000, 700),
		     msig_goertzel_amp(dec + SKIP, 16000, 1400));
	assert_true(20 * log10(peak / other) > 30);

	for (uint32_t seed = 7; seed < 12; seed++) {
		msig_speech(sig, LEN, seed, -20);
		round_trip(id, sig);
		assert_true(fabs(msig_level_dbm0(dec, LEN) -
				 msig_level_dbm0(sig, LEN)) < 2.0);
		assert_true(envelope_corr(sig, dec, LEN) > 0.9);
		band_levels(sig, LEN, in_b);
		band_levels(dec, LEN, out_b);
		for (int b = 0; b < 4; b++)
			assert_true(fabs(in_b[b] - out_b[b]) <
				    (b < split ? low : high));
	}
}

/*
 * GSM 06.10 (RPE-LTP) does not keep the waveform of speech (measured SNR
 * 8-15 dB, 4 dB on the multi-tone), so an SNR threshold would test nothing
 * useful. What a listener needs is kept: a tone comes back at its frequency
 * and level (the LTP predicts it so well that it keeps 20 dB of SNR);
 * speech keeps its level, envelope and long-term spectrum: within 3 dB
 * below 2 kHz (measured 0-1.3 dB less) and 8 dB above, where the RPE grid
 * (one residual sample in three) codes the band coarsely (measured 3-6.4
 * dB less over five seeds).
 */
static void test_codec_gsm_keeps_level_and_spectrum(void **state)
{
	(void)state;
	keeps_level_and_spectrum(CODEC_GSM, 20.0, 2, 3, 8);
}

/*
 * G.729 (CS-ACELP, Annex A as bcg729 codes it) keeps no waveform either
 * (measured SNR 24 dB on a tone, 3 dB on the multi-tone): as for GSM, a
 * tone comes back at its frequency and level (measured 0.3 dB off), with
 * 18 dB of SNR or more, and speech at its level (0.3-0.8 dB under), with
 * its envelope (0.98-0.995) and long-term spectrum: the band below 1 kHz
 * within 2 dB (0.1-0.5 measured), the bands above within 6 dB (1.6-4.4 dB
 * less over five seeds: the coder's perceptual weighting and postfilter
 * give up the upper formants first).
 */
static void test_codec_g729_keeps_level_and_spectrum(void **state)
{
	(void)state;
	keeps_level_and_spectrum(CODEC_G729, 18.0, 1, 2, 6);
}

/* RFC 3551 4.5.6: 10-byte frames and at most one 2-byte SID frame (Annex
 * B's comfort noise) at the end; any other length is malformed */
static void test_codec_g729_frames_and_sid(void **state)
{
	static const size_t bad[] = { 1, 3, 5, 9, 11, 13, 19, 21, 24 };
	int16_t out[400];
	struct codec c;

	(void)state;
	tone(1020, -10);
	assert_int_equal(codec_init(&c, CODEC_G729), 0);
	assert_int_equal(codec_encode(&c, sig, 240, pay, sizeof(pay)), 30);
	assert_int_equal(codec_encode(&c, sig, 240, pay, 29), -ENOSPC);
	assert_int_equal(codec_encode(&c, sig, 100, pay, sizeof(pay)),
			 -EINVAL);
	assert_int_equal(codec_decode(&c, pay, 30, out, 400), 240);
	/* two frames and a SID (its energy index and LSF bits) */
	pay[20] = 0x4a;
	pay[21] = 0x30;
	assert_int_equal(codec_decode(&c, pay, 22, out, 400), 240);
	assert_int_equal(codec_decode(&c, pay + 20, 2, out, 400), 80);
	assert_int_equal(codec_decode(&c, pay, 30, out, 239), -ENOSPC);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(codec_decode(&c, pay, bad[i], out, 400),
				 -EBADMSG);
	assert_int_equal(codec_decode(&c, pay, 0, out, 400), 0);
	codec_fini(&c);
	codec_fini(&c);		/* twice: nothing more to free */
}

/* at most codec_g729_limit() G.729 codecs at once, each with its own
 * states: closing one makes room for the next */
static void test_codec_g729_limit(void **state)
{
	struct codec c[3];

	(void)state;
	assert_int_equal(codec_g729_live(), 0);
	codec_g729_limit(2);
	assert_int_equal(codec_init(&c[0], CODEC_G729), 0);
	assert_int_equal(codec_init(&c[1], CODEC_G729), 0);
	assert_int_equal(codec_g729_live(), 2);
	assert_int_equal(codec_init(&c[2], CODEC_G729), -ENOSPC);
	codec_fini(&c[2]);	/* failed: nothing held */
	assert_int_equal(codec_init(&c[2], CODEC_PCMU), 0);	/* others go */
	codec_fini(&c[0]);
	assert_int_equal(codec_g729_live(), 1);
	assert_int_equal(codec_init(&c[0], CODEC_G729), 0);
	codec_fini(&c[0]);
	codec_fini(&c[1]);
	codec_fini(&c[2]);
	assert_int_equal(codec_g729_live(), 0);
	codec_g729_limit(SIZE_MAX);
}

/* A 16 kHz G.722 peer (SpanDSP's coder with its QMF filters) and ours,
 * which codes 8 kHz audio as the lower sub-band: a 1020 Hz tone at
 * -10 dBm0 crosses both ways at its level (0.5 dB) and frequency, and with
 * the peer's QMF delay taken out it matches what was sent (SNR >= 30 dB). */
static void test_codec_g722_talks_to_a_16khz_peer(void **state)
{
	static int16_t wide[2 * LEN];
	g722_encode_state_t enc16;
	g722_decode_state_t dec16;
	struct codec c;
	size_t lag, n = 0;

	(void)state;
	tone(1020, -10);
	assert_int_equal(codec_init(&c, CODEC_G722), 0);
	/* ours -> the peer: 16 kHz out of the peer, every other sample */
	g722_decode_init(&dec16, 64000, 0);
	for (size_t i = 0; i + 160 <= LEN; i += 160) {
		int b = codec_encode(&c, sig + i, 160, pay, sizeof(pay));

		assert_int_equal(b, 160);
		n += (size_t)g722_decode(&dec16, wide + n, pay, b);
	}
	assert_int_equal(n, 2 * (LEN / 160 * 160));
	memset(dec, 0, sizeof(dec));
	for (size_t i = 0; i < LEN; i++)
		dec[i] = wide[2 * i];
	assert_true(msig_snr_db(sig, dec, LEN - MAX_LAG, SKIP, MAX_LAG,
				&lag) >= 30.0);
	assert_true(fabs(msig_level_dbm0(dec + lag, LEN - MAX_LAG) + 10) <
		    0.5);
	/* the peer -> ours: the same tone sampled at 16 kHz */
	for (size_t i = 0; i < 2 * LEN; i++)
		wide[i] = msig_clip(msig_sine_amp(-10) *
				    sin(2 * M_PI * 1020 * (double)i / 16000));
	g722_encode_init(&enc16, 64000, 0);
	n = 0;
	memset(dec, 0, sizeof(dec));
	for (size_t i = 0; i + 320 <= 2 * LEN; i += 320) {
		int b = g722_encode(&enc16, pay, wide + i, 320);

		assert_int_equal(b, 160);
		assert_int_equal(codec_decode(&c, pay, 160, dec + n, 160), 160);
		n += 160;
	}
	tone(1020, -10);
	assert_true(msig_snr_db(sig, dec, LEN - MAX_LAG, SKIP, MAX_LAG,
				&lag) >= 30.0);
	assert_true(fabs(msig_level_dbm0(dec + lag, LEN - MAX_LAG) + 10) <
		    0.5);
	codec_fini(&c);
	codec_fini(&c);			/* twice is harmless */
}

/* payloads come from the network: random bytes of random lengths decode
 * (or are refused) without a sanitizer report, and never overrun cap */
static void test_codec_decode_survives_random_payloads(void **state)
{
	static int16_t out[2 * 400 + 16];
	struct msig_rng r;

	(void)state;
	msig_rng_seed(&r, 42);
	for (int id = 0; id < CODEC_COUNT; id++) {
		struct codec c;

		assert_int_equal(codec_init(&c, (enum codec_id)id), 0);
		for (int i = 0; i < 2000; i++) {
			size_t len = msig_rng_next(&r) % 400, cap;
			int n;

			for (size_t k = 0; k < len; k++)
				pay[k] = (uint8_t)msig_rng_next(&r);
			if (id == CODEC_GSM && i % 2)
				for (size_t k = 0; k < len; k += 33)
					pay[k] = (uint8_t)(0xD0 | (pay[k] & 15));
			cap = msig_rng_next(&r) % (2 * 400);
			out[cap] = 0x5a5a;
			n = codec_decode(&c, pay, len, out, cap);
			assert_true(n == -ENOSPC || n == -EBADMSG ||
				    (n >= 0 && (size_t)n <= cap));
			assert_int_equal(out[cap], 0x5a5a);
		}
		codec_fini(&c);
	}
}

static void rt_frame(struct codec *c)
{
	static uint8_t p[400];
	static int16_t pcm[160];
	int b = codec_encode(c, sig, 160, p, sizeof(p));

	if (b > 0)
		codec_decode(c, p, (size_t)b, pcm, 160);
}

/* one 20 ms frame each way through every codec, opened and closed (G.729
 * opened before: its states are allocated) */
static void rt_codecs(void *arg)
{
	struct codec c;

	for (int id = 0; id < CODEC_COUNT; id++) {
		if (id == CODEC_G729 || codec_init(&c, (enum codec_id)id))
			continue;
		rt_frame(&c);
		codec_fini(&c);
	}
	rt_frame(arg);
}

/* a G.729 codec opened and closed, a frame each way */
static void rt_g729(void *arg)
{
	struct codec c;

	(void)arg;
	if (codec_init(&c, CODEC_G729))
		return;
	rt_frame(&c);
	codec_fini(&c);
}

/* encoding and decoding allocate nothing; opening G.729 takes the blocks
 * rtpart sets aside for it in the RT heap (codec_g729_heap_need) */
static void test_codec_rt_task_allocates_nothing(void **state)
{
	size_t blocks = 0;
	struct codec g;

	(void)state;
	msig_speech(sig, 160, 9, -15);
	assert_int_equal(codec_init(&g, CODEC_G729), 0);
	assert_int_equal(media_rt_allocs(rt_codecs, &g, 20), 0);
	codec_fini(&g);
	for (int i = 0; i < CODEC_G729_HEAP_SIZES; i++)
		blocks += codec_g729_heap_need[i].blocks;
	assert_int_equal(media_rt_allocs(rt_g729, NULL, 20), 20 * blocks);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codec_info_matches_rfc3551),
		cmocka_unit_test(test_codec_by_name_ignores_case),
		cmocka_unit_test(test_codec_payload_bytes_per_ptime),
		cmocka_unit_test(test_codec_frame_rules),
		cmocka_unit_test(test_codec_g711_snr),
		cmocka_unit_test(test_codec_g726_snr),
		cmocka_unit_test(test_codec_g726_packs_like_rfc3551),
		cmocka_unit_test(test_codec_g722_snr_through_8k),
		cmocka_unit_test(test_codec_gsm_keeps_level_and_spectrum),
		cmocka_unit_test(test_codec_g729_keeps_level_and_spectrum),
		cmocka_unit_test(test_codec_g729_frames_and_sid),
		cmocka_unit_test(test_codec_g729_limit),
		cmocka_unit_test(test_codec_g722_talks_to_a_16khz_peer),
		cmocka_unit_test(test_codec_decode_survives_random_payloads),
		cmocka_unit_test(test_codec_rt_task_allocates_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

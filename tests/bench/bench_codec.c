// SPDX-License-Identifier: MIT
/** @file bench_codec.c  Cost of the per-channel DSP blocks per 20 ms frame
 *
 * For each codec of media/codec.h: the median time to encode and to decode
 * one 20 ms frame of speech-like audio (tests/unit/media/media_sig.h),
 *
 *   bench.media.codec.<name>.enc_ns / .dec_ns     (name: pcmu, g722, ...)
 *
 * G.722's figures include its two speexdsp resamplers (8 <-> 16 kHz). Also
 * the in-band DTMF detector and generator and a call-progress tone, per
 * 20 ms frame: bench.media.dtmf.det_ns, .gen_ns, bench.media.tone.fill_ns,
 * and the fax and modem answer tone detector, bench.media.vbd.det_ns (a
 * TDM leg with vbd runs two: one each way).
 * One phase of BENCH_SECONDS (default 2) per figure, on one CPU, with
 * subnormals flushed to zero as in the RT tasks (rtk_fp_flush_denormals).
 */
#include "media/codec.h"
#include "media/dtmf.h"
#include "media/tone.h"
#include "media/vbd.h"
#include "rtos-kernel/rtk.h"
#include "tests/bench/bench_out.h"
#include "tests/unit/media/media_sig.h"

#define FRAME	160
#define NSIG	(FRAME * 500)		/* 10 s of audio, reused */
#define MAXRUN	200000

static int16_t sig[NSIG], pcm[FRAME];
static uint8_t pay[NSIG / FRAME][400];
static int paylen[NSIG / FRAME];
static uint64_t t[MAXRUN];

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* median of the per-frame times of @p fn over about @p secs seconds */
static double median(void (*fn)(size_t i, void *arg), void *arg, double secs)
{
	uint64_t end = now_ns() + (uint64_t)(secs * 1e9);
	size_t n = 0;

	while (n < MAXRUN && (n < 100 || now_ns() < end)) {
		uint64_t t0 = now_ns();

		fn(n, arg);
		t[n++] = now_ns() - t0;
	}
	bench_sort_u64(t, n);
	return (double)bench_pct(t, n, 50);
}

static void enc(size_t i, void *arg)
{
	size_t f = i % (NSIG / FRAME);

	paylen[f] = codec_encode(arg, sig + f * FRAME, FRAME, pay[f],
				 sizeof(pay[f]));
}

static void dec(size_t i, void *arg)
{
	size_t f = i % (NSIG / FRAME);

	codec_decode(arg, pay[f], (size_t)paylen[f], pcm, FRAME);
}

static void det(size_t i, void *arg)
{
	struct dtmf_event ev;

	dtmf_det_process(arg, sig + i % (NSIG / FRAME) * FRAME, FRAME,
			 (uint64_t)i * FRAME);
	while (!dtmf_det_poll(arg, &ev))
		;
}

static void gen(size_t i, void *arg)
{
	(void)i;
	if (!dtmf_gen_busy(arg))
		dtmf_gen_put(arg, '5', 100);
	dtmf_gen_fill(arg, pcm, FRAME);
}

static void tone(size_t i, void *arg)
{
	(void)i;
	tone_fill(arg, pcm, FRAME);
}

static void vbd(size_t i, void *arg)
{
	vbd_det_process(arg, sig + i % (NSIG / FRAME) * FRAME, FRAME);
}

static void lower(char *dst, const char *src, size_t cap)
{
	size_t i;

	for (i = 0; src[i] && i + 1 < cap; i++)
		dst[i] = src[i] == '-' ? '_' :
			 (src[i] >= 'A' && src[i] <= 'Z') ? src[i] - 'A' + 'a' :
			 src[i];
	dst[i] = 0;
}

int main(void)
{
	double secs = bench_seconds(2);
	struct dtmf_det d;
	struct dtmf_gen g;
	struct vbd_det v;
	struct tone_gen tg;
	char name[64], base[32];

	bench_pin_self(0);
	rtk_fp_flush_denormals();	/* as the RT tasks run */
	msig_speech(sig, NSIG, 4, -20);
	for (int id = 0; id < CODEC_COUNT; id++) {
		struct codec c;

		if (codec_init(&c, (enum codec_id)id)) {
			bench_note("codec_init(%d) failed", id);
			return 1;
		}
		lower(base, codec_info((enum codec_id)id)->name, sizeof(base));
		snprintf(name, sizeof(name), "codec.%s.enc_ns", base);
		bench_fig("media", name, median(enc, &c, secs), "ns");
		snprintf(name, sizeof(name), "codec.%s.dec_ns", base);
		bench_fig("media", name, median(dec, &c, secs), "ns");
		codec_fini(&c);
	}
	dtmf_det_init(&d);
	bench_fig("media", "dtmf.det_ns", median(det, &d, secs), "ns");
	dtmf_gen_init(&g, DTMF_GEN_REPLACE);
	bench_fig("media", "dtmf.gen_ns", median(gen, &g, secs), "ns");
	vbd_det_init(&v);
	bench_fig("media", "vbd.det_ns", median(vbd, &v, secs), "ns");
	tone_start(&tg, tone_profile("US"), TONE_DIAL);
	bench_fig("media", "tone.fill_ns", median(tone, &tg, secs), "ns");
	return 0;
}

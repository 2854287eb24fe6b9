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
 * TDM leg with vbd runs two: one each way). And what SRTP adds to an RTP
 * leg per 20 ms frame: protecting the G.711 packet it sends and checking
 * and decrypting the one it receives (AES_CM_128_HMAC_SHA1_80, libsrtp2,
 * media/srtpctx.h), bench.media.srtp.leg_ns.
 * One phase of BENCH_SECONDS (default 2) per figure, on one CPU, with
 * subnormals flushed to zero as in the RT tasks (rtk_fp_flush_denormals).
 */
#include "media/codec.h"
#include "media/dtmf.h"
#include "media/srtpctx.h"
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

/* one 20 ms G.711 packet protected by one end, taken in by the other */
struct srtp_pair {
	struct srtpctx *tx, *rx;
};

static void srtp_leg(size_t i, void *arg)
{
	struct srtp_pair *sp = arg;
	uint8_t pkt[172 + SRTPCTX_OVERHEAD] = { 0x80, 0, (uint8_t)(i >> 8),
						(uint8_t)i, 0, 0, 0, 0, 1 };
	size_t len = 172;

	memcpy(pkt + 12, pay[i % (NSIG / FRAME)], 160);
	if (srtpctx_protect(sp->tx, false, pkt, &len, sizeof(pkt)) ||
	    srtpctx_unprotect(sp->rx, false, pkt, &len))
		bench_note("srtp: packet %zu refused", i);
}

static int srtp_open_pair(struct srtp_pair *sp)
{
	struct srtpctx_cfg c = { .suite = SRTPCTX_AES_CM_128_HMAC_SHA1_80 };

	memset(c.tx_key, 1, sizeof(c.tx_key));
	memset(c.rx_key, 2, sizeof(c.rx_key));
	if (srtpctx_module_init() || srtpctx_open(&sp->tx, &c))
		return -1;
	memcpy(c.rx_key, c.tx_key, sizeof(c.rx_key));
	return srtpctx_open(&sp->rx, &c);
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
	struct srtp_pair sp;
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
	if (srtp_open_pair(&sp)) {
		bench_note("srtp: no context");
		return 1;
	}
	/* one sequence number a packet, wrapping at 65536 as RTP's does:
	 * both ends follow the rollover */
	bench_fig("media", "srtp.leg_ns", median(srtp_leg, &sp, secs), "ns");
	srtpctx_close(sp.tx);
	srtpctx_close(sp.rx);
	return 0;
}

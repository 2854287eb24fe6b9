// SPDX-License-Identifier: MIT
/** @file bench_echo.c  Line echo cancellers compared: speexdsp (media/ec.c)
 *  against SpanDSP's echo_can, for ERLE, double talk and cost
 *
 * A line echo is simulated as G.168 (Annex D) prescribes: the far-end
 * signal (speech-like, -15 dBm0 active level, tests/unit/media/media_sig.h)
 * goes through a flat delay and one of the hybrid impulse responses of
 * G.168 Annex D (SpanDSP's g168models.h), scaled to an echo return loss
 * (ERL); near-end line noise (-60 dBm0) is added. Four echo paths:
 *
 *   p1  D.2 model, delay  5 ms, ERL  6 dB (span 13 ms; G.168 test 2A's ERL)
 *   p2  D.4 model, delay 12 ms, ERL 12 dB (span 24 ms)
 *   p3  D.8 model, delay 40 ms, ERL 20 dB (span 52 ms)
 *   p4  D.5 model, delay 100 ms, ERL 12 dB (span 116 ms)
 *
 * A run lasts 20 s: far end alone to 8 s, double talk (near-end speech at
 * -20 dBm0, another voice) from 8 to 13 s, far end alone again after.
 * Figures per canceller and tail (32, 64, 128 ms), averaged over the paths
 * the tail covers (32 ms: p1 p2; 64 ms: p1-p3; 128 ms: p1-p4):
 *
 *   erle_db          echo over residual echo, 4-8 s (converged, single talk)
 *   dt_erle_db       the same during double talk, 8-13 s
 *   post_dt_erle_db  the same in the second after double talk (a canceller
 *                    that diverged in double talk shows it here)
 *   conv_ms          on p1: time until a 200 ms window first has 20 dB
 *                    ERLE (G.168 test 2A asks for 20 dB within 1 s)
 *   ns_per_frame     median time to cancel one 20 ms frame of one channel
 *                    (a frame speexdsp runs on: the far end speaks)
 *   ns_per_frame_mean (speex) the mean over the run, idle frames with it
 *   idle_pct         (speex) frames passed with the far end quiet: its
 *                    pauses (media/ec.h), about a third of the time in
 *                    this speech-like signal
 *
 * The residual echo is out minus the near-end signal as the canceller's own
 * input filter shapes it (speexdsp: its DC notch; SpanDSP without its
 * high-pass: nothing), so line noise does not cap the figure.
 *
 * SpanDSP 0.0.6 as Debian builds it prints several debug lines to stdout
 * for every sample in echo_can_update(). For its figures stdout is sent to
 * /dev/null (dup2) and its time includes those writes, as shipped; a
 * second timing (ns_per_frame_noprint) discards its printf()s in this
 * program instead: __printf_chk, which SpanDSP calls, is interposed here.
 * SpanDSP runs with adaption only (ECHO_CAN_USE_ADAPTION); its non-linear
 * processor, which mutes the output below a fixed level, is shown in a
 * note for 64 ms. Takes about 10 s; BENCH_SECONDS is not used.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <unistd.h>

#include <spandsp.h>
#include <spandsp/g168models.h>

#include "media/ec.h"
#include "rtos-kernel/rtk.h"
#include "tests/bench/bench_out.h"
#include "tests/unit/media/media_sig.h"

#define RATE	8000
#define LEN	(20 * RATE)
#define FRAME	160
#define NPATH	4
#define NFRAMES	(LEN / FRAME)

struct path {
	const char *name;
	const int32_t *h;
	size_t taps;
	unsigned delay_ms;
	double erl_db;
};

static const struct path paths[NPATH] = {
	{ "p1", line_model_d2_coeffs, 64, 5, 6 },
	{ "p2", line_model_d4_coeffs, 96, 12, 12 },
	{ "p3", line_model_d8_coeffs, 96, 40, 20 },
	{ "p4", line_model_d5_coeffs, 128, 100, 12 },
};

struct result {
	double erle, dt, post, conv_ms;
};

static int16_t far_end[LEN], near_end[LEN], near_f[LEN], echo[LEN];
static int16_t rx[LEN], out[LEN];
static double acc[LEN];
static uint64_t frame_ns[NFRAMES * NPATH];
static size_t nframe_ns;
/* speexdsp's: every frame's time, and the frames it idled (the far end
 * quiet; not in frame_ns) */
static uint64_t all_ns, idle_frames;

/* SpanDSP's printf()s land here (see the file comment); when not muted
 * they go on to stdout, which is /dev/null while SpanDSP runs */
static bool printf_muted;
int __printf_chk(int flag, const char *fmt, ...);
int __printf_chk(int flag, const char *fmt, ...)
{
	va_list ap;
	int r;

	(void)flag;
	if (printf_muted)
		return 0;
	va_start(ap, fmt);
	r = vprintf(fmt, ap);
	va_end(ap);
	return r;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static unsigned span_ms(const struct path *p)
{
	return p->delay_ms + (unsigned)(p->taps / 8);
}

/* echo = far end through delay and model, scaled to the path's ERL */
static void make_echo(const struct path *p)
{
	size_t d = p->delay_ms * RATE / 1000;
	double pf = 0, pe = 0, g;

	for (size_t n = 0; n < LEN; n++) {
		double s = 0;

		for (size_t k = 0; k < p->taps && k + d <= n; k++)
			s += p->h[k] * (double)far_end[n - d - k];
		acc[n] = s;
		pe += s * s;
		pf += (double)far_end[n] * far_end[n];
	}
	g = sqrt(pf / pe * pow(10, -p->erl_db / 10));
	for (size_t n = 0; n < LEN; n++) {
		echo[n] = msig_clip(acc[n] * g);
		rx[n] = msig_clip((double)echo[n] + near_end[n]);
	}
}

/* ERLE over [s0, s1) seconds: echo power over residual echo power */
static double erle(const int16_t *nf, double s0, double s1)
{
	size_t a = (size_t)(s0 * RATE), n = (size_t)(s1 * RATE) - a;

	return msig_erle_db(echo + a, out + a, nf + a, n);
}

static double conv_ms(const int16_t *nf)
{
	for (size_t w = 0; w + 1600 <= 8 * RATE; w += 400) {
		double pe = msig_power(echo + w, 1600);

		if (msig_pow_dbm0(pe) > -50 &&
		    erle(nf, (double)w / RATE, (double)(w + 1600) / RATE) >= 20)
			return (double)(w + 1600) * 1000 / RATE;
	}
	return NAN;
}

static void measure(const int16_t *nf, struct result *r)
{
	r->erle = erle(nf, 4, 8);
	r->dt = erle(nf, 8, 13);
	r->post = erle(nf, 13, 14);
	r->conv_ms = conv_ms(nf);
}

static void run_speex(struct ec *e, struct result *r)
{
	struct ec_stats st;
	uint64_t idle = 0;

	ec_reset(e);
	for (size_t i = 0; i < LEN; i += FRAME) {
		uint64_t t0 = now_ns(), t;

		ec_process(e, rx + i, far_end + i, out + i, FRAME);
		t = now_ns() - t0;
		ec_stats_get(e, &st);
		if (st.idle == idle)		/* speexdsp ran */
			frame_ns[nframe_ns++] = t;
		idle = st.idle;
		all_ns += t;
	}
	idle_frames += idle;
	measure(near_f, r);
}

static void run_spandsp(unsigned tail_ms, int mode, struct result *r)
{
	echo_can_state_t *ec = echo_can_init((int)tail_ms * 8, mode);

	if (!ec) {
		bench_note("spandsp: echo_can_init failed");
		exit(1);
	}
	for (size_t i = 0; i < LEN; i += FRAME) {
		uint64_t t0 = now_ns();

		for (size_t k = i; k < i + FRAME; k++)
			out[k] = echo_can_update(ec, far_end[k], rx[k]);
		frame_ns[nframe_ns++] = now_ns() - t0;
	}
	echo_can_free(ec);
	measure(near_end, r);
}

static double median_frame_ns(void)
{
	bench_sort_u64(frame_ns, nframe_ns);
	return (double)bench_pct(frame_ns, nframe_ns, 50);
}

static void fig(const char *impl, unsigned tail, const char *what, double v,
		const char *unit)
{
	char name[96];

	snprintf(name, sizeof(name), "ec.%s.%ums.%s", impl, tail, what);
	bench_fig("media", name, v, unit);
}

static void report(const char *impl, unsigned tail, const struct result *r,
		   const bool *fits)
{
	double m[3] = { 0 };
	char conv[32];
	int n = 0;

	for (int p = 0; p < NPATH; p++) {
		if (isnan(r[p].conv_ms))
			snprintf(conv, sizeof(conv), "never");
		else
			snprintf(conv, sizeof(conv), "%.0f ms", r[p].conv_ms);
		bench_note("%s %3u ms %s (span %3u ms, ERL %2.0f dB)%s: ERLE "
			   "%5.1f dB, double talk %5.1f, after %5.1f, "
			   "20 dB: %s", impl, tail, paths[p].name,
			   span_ms(&paths[p]), paths[p].erl_db,
			   fits[p] ? "" : " [longer than the tail]",
			   r[p].erle, r[p].dt, r[p].post, conv);
		if (!fits[p])
			continue;
		m[0] += r[p].erle;
		m[1] += r[p].dt;
		m[2] += r[p].post;
		n++;
	}
	fig(impl, tail, "erle_db", m[0] / n, "dB");
	fig(impl, tail, "dt_erle_db", m[1] / n, "dB");
	fig(impl, tail, "post_dt_erle_db", m[2] / n, "dB");
	fig(impl, tail, "conv_ms", r[0].conv_ms, "ms");
}

static void bench_speex(unsigned tail)
{
	struct result r[NPATH];
	struct ec_stats st;
	bool fits[NPATH];
	struct ec *e;

	if (ec_module_init(1, tail) || ec_open(&e, tail)) {
		bench_note("speex: ec_module_init/ec_open failed");
		exit(1);
	}
	nframe_ns = 0;
	all_ns = idle_frames = 0;
	for (int p = 0; p < NPATH; p++) {
		fits[p] = span_ms(&paths[p]) <= tail;
		make_echo(&paths[p]);
		run_speex(e, &r[p]);
	}
	ec_stats_get(e, &st);
	bench_note("speex %u ms: the filter spans %u ms (whole 20 ms blocks)",
		   tail, st.tail_ms);
	report("speex", tail, r, fits);
	fig("speex", tail, "idle_pct", 100.0 * (double)idle_frames /
	    (NFRAMES * NPATH), "%");
	fig("speex", tail, "ns_per_frame_mean",
	    (double)all_ns / (NFRAMES * NPATH), "ns");
	fig("speex", tail, "ns_per_frame", median_frame_ns(), "ns");
	ec_close(e);
	ec_module_fini();
}

static void bench_spandsp(unsigned tail, int devnull)
{
	struct result r[NPATH];
	bool fits[NPATH];
	double printing;
	int saved;

	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	dup2(devnull, STDOUT_FILENO);
	nframe_ns = 0;
	for (int p = 0; p < NPATH; p++) {
		fits[p] = span_ms(&paths[p]) <= tail;
		make_echo(&paths[p]);
		run_spandsp(tail, ECHO_CAN_USE_ADAPTION, &r[p]);
	}
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	printing = median_frame_ns();
	/* the same again with its printf()s discarded, for the time only */
	printf_muted = true;
	nframe_ns = 0;
	for (int p = 0; p < NPATH; p++) {
		struct result ignored;

		make_echo(&paths[p]);
		run_spandsp(tail, ECHO_CAN_USE_ADAPTION, &ignored);
	}
	printf_muted = false;
	report("spandsp", tail, r, fits);
	fig("spandsp", tail, "ns_per_frame", printing, "ns");
	fig("spandsp", tail, "ns_per_frame_noprint", median_frame_ns(),
	    "ns");
}

/* SpanDSP with its non-linear processor: how much it suppresses in single
 * talk, and how much of the near-end voice survives double talk */
static void note_spandsp_nlp(void)
{
	double sup, near_snr, pn = 0, pd = 0;

	printf_muted = true;
	make_echo(&paths[1]);
	run_spandsp(64, ECHO_CAN_USE_ADAPTION | ECHO_CAN_USE_NLP,
		    &(struct result){ 0 });
	printf_muted = false;
	sup = 10 * log10(msig_power(rx + 4 * RATE, 4 * RATE) /
			 (msig_power(out + 4 * RATE, 4 * RATE) + 1e-3));
	for (size_t i = 8 * RATE; i < 13 * RATE; i++) {
		double d = (double)out[i] - near_end[i];

		pn += (double)near_end[i] * near_end[i];
		pd += d * d;
	}
	near_snr = 10 * log10(pn / (pd + 1e-3));
	bench_note("spandsp 64 ms with NLP on p2: single talk rx/out %.1f dB "
		   "(the output is muted), near-end voice over its loss in "
		   "double talk %.1f dB (0 dB: the voice is gone)", sup,
		   near_snr);
}

int main(void)
{
	static const unsigned tails[] = { 32, 64, 128 };
	int devnull = open("/dev/null", O_WRONLY);

	if (devnull < 0) {
		perror("/dev/null");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	rtk_fp_flush_denormals();	/* as the RT tasks run */
	msig_speech(far_end, LEN, 1, -15);
	msig_speech(near_end + 8 * RATE, 5 * RATE, 2, -20);
	msig_add_noise(near_end, LEN, -60, 3);
	ec_notch_run(&(struct ec_notch){ 0 }, near_end, near_f, LEN);
	bench_note("far end -15 dBm0 speech-like, line noise -60 dBm0, "
		   "double talk 8-13 s with near-end speech at -20 dBm0");
	for (size_t t = 0; t < 3; t++)
		bench_speex(tails[t]);
	for (size_t t = 0; t < 3; t++)
		bench_spandsp(tails[t], devnull);
	note_spandsp_nlp();
	close(devnull);
	return 0;
}

// SPDX-License-Identifier: MIT
/** @file test_dtmf.c  DTMF: all 16 digits generated, through G.711 and
 *  detected with their timing; no talk-off on speech, tones or dial tone;
 *  generator queue, modes, levels; no allocation in an RT task */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <spandsp.h>

#include "media/dtmf.h"
#include "tests/unit/media/media_rt.h"
#include "tests/unit/media/media_sig.h"

#define RATE	8000
#define LEN	(30 * RATE)
#define T0	1000000		/* the caller's clock at buf[0] */
#define BLOCK	102		/* SpanDSP's analysis block */

/*
 * Tolerances: recognition works on 102-sample blocks, so a tone's start is
 * known to within half a block either way of the estimate and its end too;
 * a duration, the difference of two such estimates, to within a block.
 * Stated: start within 60 samples (7.5 ms), duration within 102 samples
 * (12.75 ms). Measured over every phase: -50..+49 and -89..+99.
 */
#define START_TOL	60
#define DUR_TOL		BLOCK

static int16_t buf[LEN];

static const char digits[] = "0123456789*#ABCD";
static const unsigned ms_of[] = { 40, 50, 70, 100, 150 };

enum law { LAW_ULAW, LAW_ALAW };

static void through_g711(int16_t *x, size_t n, enum law law)
{
	for (size_t i = 0; i < n; i++)
		x[i] = law == LAW_ULAW ? ulaw_to_linear(linear_to_ulaw(x[i])) :
					 alaw_to_linear(linear_to_alaw(x[i]));
}

static struct dtmf_event evs[64];
static size_t nev;

/* run @p x through a fresh detector in calls of @p chunk samples; with
 * @p poll, collect the events into evs[] after each call (as the media
 * task would), else leave them queued */
static void detect(struct dtmf_det *d, const int16_t *x, size_t n,
		   size_t chunk, bool poll)
{
	nev = 0;
	assert_int_equal(dtmf_det_init(d), 0);
	for (size_t i = 0; i < n; i += chunk) {
		dtmf_det_process(d, x + i, n - i < chunk ? n - i : chunk,
				 T0 + i);
		while (poll && nev < 64 && !dtmf_det_poll(d, &evs[nev]))
			nev++;
	}
}

/* all 16 digits, 40-150 ms each, from 100 ms on; checks what was found */
static void round_trip(enum law law, size_t chunk, int phase)
{
	struct dtmf_event ev;
	struct dtmf_gen g;
	struct dtmf_det d;
	uint64_t at = 800 + (uint64_t)phase;
	size_t n = 0;

	memset(buf, 0, sizeof(buf));
	assert_int_equal(dtmf_gen_init(&g, DTMF_GEN_REPLACE), 0);
	for (int i = 0; i < 16; i++)
		assert_int_equal(dtmf_gen_put(&g, digits[i], ms_of[i % 5]), 0);
	n = dtmf_gen_fill(&g, buf + at, LEN - at);
	assert_false(dtmf_gen_busy(&g));
	assert_int_equal(n, (40 + 50 + 70 + 100 + 150) * 8 * 3 + 40 * 8 +
			    16 * DTMF_GEN_GAP_MS * 8);
	through_g711(buf, LEN, law);
	detect(&d, buf, LEN, chunk, true);
	assert_int_equal(nev, 32);
	for (int i = 0; i < 16; i++) {
		uint32_t dur = ms_of[i % 5] * 8;
		struct dtmf_event *on = &evs[2 * i], *off = &evs[2 * i + 1];

		assert_int_equal(on->digit, digits[i]);
		assert_false(on->ended);
		assert_int_equal(on->duration, 0);
		assert_true(llabs((long long)on->start - (long long)(T0 + at)) <=
			    START_TOL);
		assert_int_equal(off->digit, digits[i]);
		assert_true(off->ended);
		assert_int_equal(off->start, on->start);
		assert_true(abs((int)off->duration - (int)dur) <= DUR_TOL);
		at += dur + DTMF_GEN_GAP_MS * 8;
	}
	assert_int_equal(dtmf_det_poll(&d, &ev), -EAGAIN);
}

static void test_dtmf_all_digits_through_ulaw(void **state)
{
	(void)state;
	for (int phase = 0; phase < BLOCK; phase += 17)
		round_trip(LAW_ULAW, 160, phase);
}

static void test_dtmf_all_digits_through_alaw_odd_chunks(void **state)
{
	(void)state;
	round_trip(LAW_ALAW, 7, 5);	/* 7 samples a call: same result */
	round_trip(LAW_ALAW, 1, 51);
}

static void expect_silence(const int16_t *x, size_t n)
{
	struct dtmf_det_stats st;
	struct dtmf_event ev;
	struct dtmf_det d;

	detect(&d, x, n, 160, true);
	assert_int_equal(nev, 0);
	assert_int_equal(dtmf_det_poll(&d, &ev), -EAGAIN);
	dtmf_det_stats_get(&d, &st);
	assert_int_equal(st.digits, 0);
}

/* talk-off: 30 s of speech-like audio at three levels, through G.711 */
static void test_dtmf_no_digit_in_speech(void **state)
{
	(void)state;
	for (uint32_t seed = 1; seed <= 3; seed++) {
		msig_speech(buf, LEN, seed, -25 + 5 * (double)seed);
		through_g711(buf, LEN, LAW_ULAW);
		expect_silence(buf, LEN);
	}
}

/* a 1 kHz tone, dial tones (350+440, 425) and a single DTMF frequency */
static void test_dtmf_no_digit_in_tones(void **state)
{
	(void)state;
	memset(buf, 0, 4 * RATE * sizeof(*buf));
	msig_add_tone(buf, 4 * RATE, 1000, -10, 0);
	expect_silence(buf, 4 * RATE);
	memset(buf, 0, 4 * RATE * sizeof(*buf));
	msig_add_tone(buf, 4 * RATE, 350, -13, 0);
	msig_add_tone(buf, 4 * RATE, 440, -13, 0);
	expect_silence(buf, 4 * RATE);
	memset(buf, 0, 4 * RATE * sizeof(*buf));
	msig_add_tone(buf, 4 * RATE, 425, -10, 0);
	expect_silence(buf, 4 * RATE);
	memset(buf, 0, 4 * RATE * sizeof(*buf));
	msig_add_tone(buf, 4 * RATE, 697, -10, 0);
	expect_silence(buf, 4 * RATE);
}

static void test_dtmf_events_queue_overflow_counts(void **state)
{
	struct dtmf_det_stats st;
	struct dtmf_event ev;
	struct dtmf_gen g;
	struct dtmf_det d;
	int n = 0;

	(void)state;
	memset(buf, 0, sizeof(buf));
	assert_int_equal(dtmf_gen_init(&g, DTMF_GEN_REPLACE), 0);
	for (int i = 0; i < 10; i++)
		assert_int_equal(dtmf_gen_put(&g, '7', 60), 0);
	dtmf_gen_fill(&g, buf, LEN);
	detect(&d, buf, LEN, 160, false);	/* 20 events, none polled */
	while (!dtmf_det_poll(&d, &ev))
		n++;
	assert_int_equal(n, DTMF_EVQ);
	dtmf_det_stats_get(&d, &st);
	assert_int_equal(st.digits, 10);
	assert_int_equal(st.ev_dropped, 20 - DTMF_EVQ);
	assert_int_equal(dtmf_det_poll(NULL, &ev), -EINVAL);
	assert_int_equal(dtmf_det_poll(&d, NULL), -EINVAL);
	assert_int_equal(dtmf_det_init(NULL), -EINVAL);
}

static void test_dtmf_gen_rules(void **state)
{
	struct dtmf_gen g;
	int16_t pcm[160];

	(void)state;
	assert_int_equal(dtmf_gen_init(NULL, DTMF_GEN_MIX), -EINVAL);
	assert_int_equal(dtmf_gen_init(&g, (enum dtmf_gen_mode)7), -EINVAL);
	assert_int_equal(dtmf_gen_init(&g, DTMF_GEN_REPLACE), 0);
	assert_false(dtmf_gen_busy(&g));
	assert_int_equal(dtmf_gen_fill(&g, pcm, 160), 0);
	assert_int_equal(dtmf_gen_put(&g, 'E', 100), -EINVAL);
	assert_int_equal(dtmf_gen_put(&g, 'x', 100), -EINVAL);
	assert_int_equal(dtmf_gen_put(&g, '\0', 100), -EINVAL);
	assert_int_equal(dtmf_gen_put(&g, '1', DTMF_GEN_MIN_MS - 1), -EINVAL);
	assert_int_equal(dtmf_gen_put(&g, '1', DTMF_GEN_MAX_MS + 1), -EINVAL);
	assert_int_equal(dtmf_gen_put(NULL, '1', 100), -EINVAL);
	for (int i = 0; i < DTMF_GEN_QUEUE; i++)
		assert_int_equal(dtmf_gen_put(&g, 'a', 100), 0); /* = 'A' */
	assert_int_equal(dtmf_gen_put(&g, '1', 100), -ENOSPC);
	assert_true(dtmf_gen_busy(&g));
	dtmf_gen_stop(&g);
	assert_false(dtmf_gen_busy(&g));
	assert_int_equal(dtmf_gen_fill(&g, pcm, 160), 0);
}

/* duration 0: plays until stopped, then the audio is left alone */
static void test_dtmf_gen_open_ended_until_stop(void **state)
{
	struct dtmf_gen g;

	(void)state;
	for (size_t i = 0; i < 2 * RATE; i++)
		buf[i] = 1000;
	assert_int_equal(dtmf_gen_init(&g, DTMF_GEN_REPLACE), 0);
	assert_int_equal(dtmf_gen_put(&g, '#', 0), 0);
	for (size_t i = 0; i < RATE; i += 160)
		assert_int_equal(dtmf_gen_fill(&g, buf + i, 160), 160);
	assert_true(dtmf_gen_busy(&g));
	dtmf_gen_stop(&g);
	assert_int_equal(dtmf_gen_fill(&g, buf + RATE, RATE), 0);
	assert_int_equal(buf[RATE], 1000);
	/* one second of '#': 941 and 1477 Hz */
	assert_true(msig_goertzel_amp(buf, RATE, 941) > 1000);
	assert_true(msig_goertzel_amp(buf, RATE, 1477) > 1000);
}

/* replace vs mix, and the levels: low group -10 dBm0, high 2 dB more */
static void test_dtmf_gen_levels_and_modes(void **state)
{
	static int16_t mixed[RATE];
	struct dtmf_gen g;
	double lo, hi;

	(void)state;
	memset(buf, 0, RATE * sizeof(*buf));
	assert_int_equal(dtmf_gen_init(&g, DTMF_GEN_REPLACE), 0);
	assert_int_equal(dtmf_gen_put(&g, '1', 500), 0);	/* 697+1209 */
	assert_int_equal(dtmf_gen_fill(&g, buf, RATE),
			 (500 + DTMF_GEN_GAP_MS) * 8);
	lo = msig_goertzel_amp(buf, 4000, 697);
	hi = msig_goertzel_amp(buf, 4000, 1209);
	assert_true(fabs(20 * log10(lo / msig_sine_amp(-10))) < 0.5);
	assert_true(fabs(20 * log10(hi / msig_sine_amp(-8))) < 0.5);
	for (size_t i = 4000; i < RATE; i++)	/* gap, then untouched */
		assert_int_equal(buf[i], 0);

	for (size_t i = 0; i < RATE; i++)
		mixed[i] = (int16_t)(i % 2 ? 300 : -300);
	assert_int_equal(dtmf_gen_init(&g, DTMF_GEN_MIX), 0);
	assert_int_equal(dtmf_gen_put(&g, '1', 500), 0);
	dtmf_gen_fill(&g, mixed, RATE);
	for (size_t i = 0; i < RATE; i++)
		assert_int_equal(mixed[i], buf[i] + (i % 2 ? 300 : -300));
}

static struct dtmf_det rt_det;
static struct dtmf_gen rt_gen;

static void rt_dtmf(void *arg)
{
	static int16_t pcm[160];
	static uint64_t pos;
	struct dtmf_event ev;

	(void)arg;
	if (!dtmf_gen_busy(&rt_gen))
		dtmf_gen_put(&rt_gen, '9', 60);
	memset(pcm, 0, sizeof(pcm));
	dtmf_gen_fill(&rt_gen, pcm, 160);
	dtmf_det_process(&rt_det, pcm, 160, pos);
	pos += 160;
	while (!dtmf_det_poll(&rt_det, &ev))
		;
}

static void test_dtmf_rt_task_allocates_nothing(void **state)
{
	(void)state;
	assert_int_equal(dtmf_det_init(&rt_det), 0);
	assert_int_equal(dtmf_gen_init(&rt_gen, DTMF_GEN_REPLACE), 0);
	assert_int_equal(media_rt_allocs(rt_dtmf, NULL, 60), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dtmf_all_digits_through_ulaw),
		cmocka_unit_test(test_dtmf_all_digits_through_alaw_odd_chunks),
		cmocka_unit_test(test_dtmf_no_digit_in_speech),
		cmocka_unit_test(test_dtmf_no_digit_in_tones),
		cmocka_unit_test(test_dtmf_events_queue_overflow_counts),
		cmocka_unit_test(test_dtmf_gen_rules),
		cmocka_unit_test(test_dtmf_gen_open_ended_until_stop),
		cmocka_unit_test(test_dtmf_gen_levels_and_modes),
		cmocka_unit_test(test_dtmf_rt_task_allocates_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

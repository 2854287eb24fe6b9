// SPDX-License-Identifier: MIT
/** @file test_tone.c  Call-progress tones: profiles, frequencies and levels
 *  (Goertzel), cadences, start/stop, no allocation in an RT task */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "media/tone.h"
#include "tests/unit/media/media_rt.h"
#include "tests/unit/media/media_sig.h"

#define RATE	8000
#define LEN	(14 * RATE)	/* two cycles of the longest cadence (6 s) */
#define MS	8		/* samples per ms */

static const char *const countries[] = { "US", "GB", "DE", "FR" };
static int16_t buf[LEN];

static void test_tone_profiles_by_country(void **state)
{
	(void)state;
	for (size_t i = 0; i < 4; i++)
		assert_non_null(tone_profile(countries[i]));
	assert_ptr_equal(tone_profile("us"), tone_profile("US"));
	assert_ptr_equal(tone_profile("UK"), tone_profile("GB"));
	assert_ptr_equal(tone_profile("de"), tone_profile("DE"));
	assert_string_equal(tone_profile("fr")->country, "FR");
	assert_null(tone_profile("XX"));
	assert_null(tone_profile(""));
	assert_null(tone_profile(NULL));
	/* spot checks against the sources cited in tone.c */
	assert_int_equal(tone_profile("DE")->tone[TONE_DIAL].f1, 425);
	assert_int_equal(tone_profile("US")->tone[TONE_BUSY].f2, 620);
	assert_int_equal(tone_profile("US")->tone[TONE_RINGBACK].l1, -19);
	assert_int_equal(tone_profile("GB")->tone[TONE_RINGBACK].off2, 2000);
	assert_int_equal(tone_profile("FR")->tone[TONE_RINGBACK].on1, 1500);
}

static void play(const struct tone_profile *p, enum tone_kind k)
{
	struct tone_gen g;

	assert_int_equal(tone_start(&g, p, k), 0);
	assert_true(tone_playing(&g));
	for (size_t i = 0; i < LEN; i += 160)	/* 20 ms a call */
		assert_int_equal(tone_fill(&g, buf + i, 160), 160);
}

/* segments of the output: runs of tone, and runs of 16 or more zeros */
struct seg {
	bool on;
	size_t start, len;
};

static size_t segments(struct seg *s, size_t max)
{
	size_t n = 0, i = 0;

	while (i < LEN && n < max) {
		size_t j = i;
		bool on;

		if (buf[i] == 0) {
			while (j < LEN && buf[j] == 0)
				j++;
			on = j - i < 16;
		} else {
			on = true;
		}
		if (on) {	/* up to the next run of 16 zeros */
			size_t z = 0;

			for (j = i; j < LEN && z < 16; j++)
				z = buf[j] == 0 ? z + 1 : 0;
			if (z == 16)
				j -= 16;
		}
		if (n && s[n - 1].on == on) {
			s[n - 1].len += j - i;
		} else {
			s[n].on = on;
			s[n].start = i;
			s[n].len = j - i;
			n++;
		}
		i = j;
	}
	return n;
}

/* each stated frequency within 0.1 dB of its stated level (Goertzel over
 * the first "on" period, or 1 s; measured within 0.01 dB), and nothing
 * else: the whole power is the components' within 0.05 dB (measured
 * 0.005), which leaves room for no other component above -19 dB */
static void check_spectrum(const struct tone_def *t, size_t at, size_t n)
{
	double a1 = msig_goertzel_amp(buf + at, n, t->f1);
	double want = pow(msig_sine_amp(t->l1), 2) / 2;

	assert_true(fabs(20 * log10(a1 / msig_sine_amp(t->l1))) < 0.1);
	if (t->f2) {
		double a2 = msig_goertzel_amp(buf + at, n, t->f2);

		assert_true(fabs(20 * log10(a2 / msig_sine_amp(t->l2))) < 0.1);
		want += pow(msig_sine_amp(t->l2), 2) / 2;
	}
	assert_true(fabs(10 * log10(msig_power(buf + at, n) / want)) < 0.05);
}

static void test_tone_frequencies_and_levels(void **state)
{
	(void)state;
	for (size_t c = 0; c < 4; c++) {
		const struct tone_profile *p = tone_profile(countries[c]);

		for (int k = 0; k < TONE_KIND_COUNT; k++) {
			const struct tone_def *t = &p->tone[k];
			size_t n = t->on1 ? t->on1 * MS : RATE;

			play(p, (enum tone_kind)k);
			check_spectrum(t, 0, n);
		}
	}
}

/* the cadence: on and off times as stated (to 1 ms), cycle after cycle */
static void test_tone_cadences(void **state)
{
	struct seg s[256];

	(void)state;
	for (size_t c = 0; c < 4; c++) {
		const struct tone_profile *p = tone_profile(countries[c]);

		for (int k = 0; k < TONE_KIND_COUNT; k++) {
			const struct tone_def *t = &p->tone[k];
			unsigned cad[4] = { t->on1, t->off1, t->on2, t->off2 };
			unsigned ncad = t->on2 ? 4 : 2;
			size_t n;

			play(p, (enum tone_kind)k);
			n = segments(s, 256);
			if (!t->on1) {		/* continuous */
				assert_int_equal(n, 1);
				assert_true(s[0].on);
				continue;
			}
			assert_true(n >= 2 * ncad);
			/* the last segment is cut by the end of the buffer */
			for (size_t i = 0; i + 1 < n; i++) {
				assert_int_equal(s[i].on, i % 2 == 0);
				assert_true(labs((long)s[i].len -
						 (long)cad[i % ncad] * MS) <= MS);
			}
		}
	}
}

static void test_tone_start_stop_rules(void **state)
{
	const struct tone_profile *p = tone_profile("DE");
	struct tone_gen g = { 0 };
	int16_t pcm[160];

	(void)state;
	assert_int_equal(tone_start(NULL, p, TONE_DIAL), -EINVAL);
	assert_int_equal(tone_start(&g, NULL, TONE_DIAL), -EINVAL);
	assert_int_equal(tone_start(&g, p, TONE_KIND_COUNT), -EINVAL);
	assert_false(tone_playing(&g));
	for (int i = 0; i < 160; i++)
		pcm[i] = 77;
	assert_int_equal(tone_fill(&g, pcm, 160), 0);	/* not playing */
	assert_int_equal(pcm[0], 77);
	assert_int_equal(tone_start(&g, p, TONE_BUSY), 0);
	assert_int_equal(tone_fill(&g, pcm, 160), 160);
	tone_stop(&g);
	assert_false(tone_playing(&g));
	for (int i = 0; i < 160; i++)
		pcm[i] = 77;
	assert_int_equal(tone_fill(&g, pcm, 160), 0);
	assert_int_equal(pcm[159], 77);
	tone_stop(NULL);
	assert_false(tone_playing(NULL));
}

/* a new tone_start() begins at the start of the cadence */
static void test_tone_restart_begins_cadence(void **state)
{
	const struct tone_profile *p = tone_profile("US");
	struct tone_gen g;
	int16_t a[800], b[800];

	(void)state;
	assert_int_equal(tone_start(&g, p, TONE_CONGESTION), 0);
	tone_fill(&g, a, 800);
	tone_fill(&g, b, 800);		/* 100-200 ms into the cadence */
	assert_int_equal(tone_start(&g, p, TONE_CONGESTION), 0);
	tone_fill(&g, b, 800);
	assert_memory_equal(a, b, sizeof(a));
}

static struct tone_gen rt_gen;

static void rt_tone(void *arg)
{
	static int16_t pcm[160];
	static int n;

	(void)arg;
	if (n++ % 10 == 0)
		tone_start(&rt_gen, tone_profile("GB"),
			   (enum tone_kind)(n / 10 % TONE_KIND_COUNT));
	tone_fill(&rt_gen, pcm, 160);
}

static void test_tone_rt_task_allocates_nothing(void **state)
{
	(void)state;
	assert_int_equal(media_rt_allocs(rt_tone, NULL, 50), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tone_profiles_by_country),
		cmocka_unit_test(test_tone_frequencies_and_levels),
		cmocka_unit_test(test_tone_cadences),
		cmocka_unit_test(test_tone_start_stop_rules),
		cmocka_unit_test(test_tone_restart_begins_cadence),
		cmocka_unit_test(test_tone_rt_task_allocates_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: MIT
/** @file test_mos.c  E-model: R to MOS, delay and loss impairments, codec
 *  values, against reference points of G.107 and G.113 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "media/mos.h"

#define assert_near(a, b, eps) assert_true((a) > (b) - (eps) && \
					   (a) < (b) + (eps))

/* G.107 Annex B: the usual table of R against MOS */
static void test_mos_from_r_reference_points(void **state)
{
	(void)state;
	assert_near(mos_from_r(93.2), 4.41, 0.005);
	assert_near(mos_from_r(90), 4.34, 0.005);
	assert_near(mos_from_r(80), 4.03, 0.01);
	assert_near(mos_from_r(70), 3.60, 0.005);
	assert_near(mos_from_r(60), 3.10, 0.005);
	assert_near(mos_from_r(50), 2.575, 0.001);	/* 2.58 rounded */
	assert_near(mos_from_r(0), 1.0, 1e-9);
	assert_near(mos_from_r(-10), 1.0, 1e-9);
	assert_near(mos_from_r(3), 1.0, 1e-9);	/* never below 1 */
	assert_near(mos_from_r(100), 4.5, 1e-9);
	assert_near(mos_from_r(120), 4.5, 1e-9);
	/* monotonic over the useful range */
	for (double r = 7; r < 100; r += 0.5)
		assert_true(mos_from_r(r + 0.5) > mos_from_r(r));
}

static void test_mos_g711_clean_is_the_default_rating(void **state)
{
	struct mos_in in = { .codec = CODEC_PCMU };

	(void)state;
	assert_near(mos_r_factor(&in), 93.2, 1e-9);
	assert_near(mos_estimate(&in), 4.41, 0.005);
	in.codec = CODEC_PCMA;
	assert_near(mos_r_factor(&in), 93.2, 1e-9);
}

static void test_mos_codec_impairments(void **state)
{
	struct mos_in in = { .codec = CODEC_G726_32 };
	double ie, bpl;

	(void)state;
	assert_near(mos_r_factor(&in), 86.2, 1e-9);	/* Ie 7 */
	in.codec = CODEC_GSM;
	assert_near(mos_r_factor(&in), 73.2, 1e-9);	/* Ie 20 */
	assert_near(mos_estimate(&in), 3.74, 0.005);
	assert_int_equal(mos_codec_params(CODEC_G722, &ie, &bpl), 0);
	assert_near(ie, 0, 1e-9);
	assert_near(bpl, 25.1, 1e-9);
	assert_int_equal(mos_codec_params(CODEC_COUNT, &ie, &bpl), -22);
}

/* G.107 (7-29) with G.113's Bpl 25.1 for G.711 with concealment */
static void test_mos_packet_loss(void **state)
{
	struct mos_in in = { .codec = CODEC_PCMU, .loss_pct = 1 };

	(void)state;
	assert_near(mos_r_factor(&in), 93.2 - 95.0 / 26.1, 1e-9);
	assert_near(mos_estimate(&in), 4.33, 0.005);
	in.loss_pct = 2;
	assert_near(mos_r_factor(&in), 93.2 - 190.0 / 27.1, 1e-9);
	/* bursty loss hurts more than random loss of the same rate */
	in.burst_r = 2;
	assert_near(mos_r_factor(&in), 93.2 - 190.0 / 26.1, 1e-9);
	/* everything lost: Ie_eff reaches 95 */
	in.loss_pct = 100;
	in.burst_r = 1;
	assert_true(mos_r_factor(&in) < 93.2 - 75);
	assert_near(mos_estimate(&in), 1.0, 0.4);
	in.loss_pct = 250;		/* nonsense: held at 100 % */
	assert_near(mos_r_factor(&in), 93.2 - 95.0 * 100 / 125.1, 1e-9);
}

/* Cole and Rosenbluth: 0.024 d, plus 0.11 (d - 177.3) beyond 177.3 ms */
static void test_mos_delay(void **state)
{
	struct mos_in in = { .codec = CODEC_PCMU, .delay_ms = 150 };

	(void)state;
	assert_near(mos_r_factor(&in), 93.2 - 3.6, 1e-9);
	in.delay_ms = 300;
	assert_near(mos_r_factor(&in), 93.2 - 7.2 - 0.11 * 122.7, 1e-9);
	assert_near(mos_estimate(&in), 3.71, 0.005);
	in.delay_ms = -5;		/* nonsense: no delay */
	assert_near(mos_r_factor(&in), 93.2, 1e-9);
	/* delay and loss add up on the R scale */
	in.delay_ms = 300;
	in.loss_pct = 1;
	assert_near(mos_r_factor(&in),
		    93.2 - 7.2 - 0.11 * 122.7 - 95.0 / 26.1, 1e-9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mos_from_r_reference_points),
		cmocka_unit_test(test_mos_g711_clean_is_the_default_rating),
		cmocka_unit_test(test_mos_codec_impairments),
		cmocka_unit_test(test_mos_packet_loss),
		cmocka_unit_test(test_mos_delay),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

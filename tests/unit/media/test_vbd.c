// SPDX-License-Identifier: MIT
/** @file test_vbd.c  Fax and modem answer tones: CED, ANS/, ANSam/ found
 *  through G.711 in the time the recommendations allow, each once; no
 *  detection on speech, other tones, a short 2100 Hz burst or a quiet
 *  one; no allocation in an RT task */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <spandsp.h>

#include "media/vbd.h"
#include "tests/unit/media/media_rt.h"
#include "tests/unit/media/media_sig.h"

#define RATE	8000
#define FRAME	160
#define LEN	(5 * RATE)

static int16_t buf[LEN];

/* the answer tone (media_sig.h, not SpanDSP's generator) at @p dbm0 for
 * @p ms, then silence */
static void answer_tone(double dbm0, unsigned ms, bool pr, bool am)
{
	size_t n = (size_t)ms * RATE / 1000;

	memset(buf, 0, sizeof(buf));
	msig_answer_tone(buf, n < LEN ? n : LEN, dbm0, pr, am);
}

/* every sample through a G.711 codec and back, as the line hears it */
static void through_ulaw(void)
{
	for (size_t i = 0; i < LEN; i++)
		buf[i] = ulaw_to_linear(linear_to_ulaw(buf[i]));
}

/* feed buf to a fresh detector 20 ms at a time; the ms at which each kind
 * was reported (-1: never) and how often */
struct seen {
	int at_ms[3];
	int count[3];
};

static struct seen detect(void)
{
	struct vbd_det d;
	struct seen s = { { -1, -1, -1 }, { 0 } };

	vbd_det_init(&d);
	for (size_t i = 0; i + FRAME <= LEN; i += FRAME) {
		enum vbd_tone t = vbd_det_process(&d, buf + i, FRAME);

		if (t == VBD_NONE)
			continue;
		if (s.at_ms[t] < 0)
			s.at_ms[t] = (int)((i + FRAME) * 1000 / RATE);
		s.count[t]++;
	}
	return s;
}

/* A fax's CED: the plain tone, within a second (G.164/G.165 hold a tone
 * disabler to 400 +- 100 ms of tone; SpanDSP waits longer to be sure no
 * reversal follows: it comes at about 700 ms), reported once; no echo
 * canceller disabled */
static void test_vbd_fax_ced(void **state)
{
	struct seen s;

	(void)state;
	answer_tone(-12, 3000, false, false);
	through_ulaw();
	s = detect();
	assert_in_range(s.at_ms[VBD_ANS], 400, 1000);
	assert_int_equal(s.count[VBD_ANS], 1);
	assert_int_equal(s.count[VBD_ANS_PR], 0);
}

/* A modem's ANS with phase reversals: known once two reversals were seen
 * (the second at 900 ms), well before the tone's 2.6 s minimum (V.25) */
static void test_vbd_modem_ans_with_phase_reversals(void **state)
{
	struct seen s;

	(void)state;
	answer_tone(-12, 3300, true, false);
	through_ulaw();
	s = detect();
	assert_in_range(s.at_ms[VBD_ANS_PR], 900, 2000);
	assert_int_equal(s.count[VBD_ANS_PR], 1);
}

/* V.8's ANSam with reversals, at a quieter level (-25 dBm0) */
static void test_vbd_ansam_with_phase_reversals(void **state)
{
	struct seen s;

	(void)state;
	answer_tone(-25, 3300, true, true);
	through_ulaw();
	s = detect();
	assert_in_range(s.at_ms[VBD_ANS_PR], 900, 2000);
	assert_int_equal(s.count[VBD_ANS_PR], 1);
}

/* Nothing in speech, in a 1000 Hz or 2000 Hz tone, in 2100 Hz shorter
 * than the detector needs (300 ms), or in 2100 Hz at -50 dBm0 */
static void test_vbd_no_false_detection(void **state)
{
	static const double other[] = { 1000, 2000 };
	struct seen s;

	(void)state;
	memset(buf, 0, sizeof(buf));
	msig_speech(buf, LEN, 7, -15);
	through_ulaw();
	s = detect();
	assert_int_equal(s.count[VBD_ANS] + s.count[VBD_ANS_PR], 0);
	for (size_t k = 0; k < 2; k++) {
		memset(buf, 0, sizeof(buf));
		msig_add_tone(buf, LEN, other[k], -10, 0);
		s = detect();
		assert_int_equal(s.count[VBD_ANS] + s.count[VBD_ANS_PR], 0);
	}
	answer_tone(-12, 300, false, false);
	s = detect();
	assert_int_equal(s.count[VBD_ANS] + s.count[VBD_ANS_PR], 0);
	answer_tone(-50, 3000, true, false);
	s = detect();
	assert_int_equal(s.count[VBD_ANS] + s.count[VBD_ANS_PR], 0);
}

static struct vbd_det rt_det;

static void rt_vbd(void *arg)
{
	static size_t at;

	(void)arg;
	vbd_det_process(&rt_det, buf + at, FRAME);
	at = (at + FRAME) % (LEN - FRAME);
}

static void test_vbd_rt_task_allocates_nothing(void **state)
{
	(void)state;
	answer_tone(-12, 3300, true, false);
	vbd_det_init(&rt_det);
	assert_int_equal(media_rt_allocs(rt_vbd, NULL, 60), 0);
	assert_string_equal(vbd_tone_name(VBD_ANS_PR), "ans-pr");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vbd_fax_ced),
		cmocka_unit_test(test_vbd_modem_ans_with_phase_reversals),
		cmocka_unit_test(test_vbd_ansam_with_phase_reversals),
		cmocka_unit_test(test_vbd_no_false_detection),
		cmocka_unit_test(test_vbd_rt_task_allocates_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

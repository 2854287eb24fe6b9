// SPDX-License-Identifier: MIT
/** @file test_chan.c  Channels on the virtual card, ticked by hand: TDM ⇄
 *  TDM audio whole, in order and at a constant delay both ways; the echo
 *  canceller's reference in step with the line; digits detected, passed on
 *  and played; fax and modem answer tones heard both ways, the echo
 *  cancellers stopped by the modem's; tones on lines no channel holds */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "hal/tdm.h"
#include "hal/vtdm.h"
#include "media/chan.h"
#include "media/dtmf.h"
#include "media/ec.h"
#include "media/vbd.h"
#include "tests/unit/media/media_sig.h"

#define A	0	/* line 0/0 (the far end's index too) */
#define B	1	/* line 0/1 */
#define AHEAD	(40 * TDM_CHUNK)	/* the far end keeps this much queued */
#define MAXS	(9 * 8000)	/* samples kept per direction: 9 s */

static struct {
	int fd;
	struct tdm *t;
	struct vtdm_far *f;
	uint64_t tick;
	struct chan *ch;
	uint64_t due;		/* the tick chan_tick() asked to run at */
	char digits[16];
	unsigned ndigits;
	struct chan_event vbd[4];	/* answer tones reported */
	uint64_t vbd_tick[4];
	unsigned nvbd;
	/* what each line's far end sent and received, from the test's start */
	int16_t sent[2][MAXS], got[2][MAXS];
	size_t nsent[2], ngot[2];
} fx;

/* each test has a card of its own, its lines' audio at tick 0 */
static int setup(void **state)
{
	struct tdm_cfg cfg = { .kind = TDM_VTDM };
	struct tdm_layout l;
	char err[200];

	(void)state;
	memset(&fx, 0, sizeof(fx));
	if (tdm_layout_parse("fxs:2,e1:30", &l, NULL, 0) ||
	    vtdm_create(&fx.fd, &l))
		return -1;
	cfg.fd = fx.fd;
	if (tdm_open(&fx.t, &cfg) ||
	    vtdm_attach_far(&fx.f, fx.fd, err, sizeof(err)) ||
	    ec_module_init(2, 64) || chan_module_init(2, fx.t, "us"))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (fx.ch)
		chan_close(fx.ch, (struct gwmsg[2]){ 0 }, &(unsigned){ 0 });
	chan_module_fini();
	ec_module_fini();
	fx.t = tdm_close(fx.t);
	fx.f = vtdm_far_detach(fx.f);
	close(fx.fd);
	return 0;
}

static void on_event(struct chan *ch, const struct chan_event *ev, void *arg)
{
	(void)ch;
	(void)arg;
	if (ev->type == CHAN_EV_DTMF && fx.ndigits < sizeof(fx.digits) - 1)
		fx.digits[fx.ndigits++] = ev->digit;
	if (ev->type == CHAN_EV_VBD && fx.nvbd < 4) {
		fx.vbd_tick[fx.nvbd] = fx.tick;
		fx.vbd[fx.nvbd++] = *ev;
	}
}

static struct msg_leg tdm_leg(unsigned line, unsigned ec_ms, bool dtmf)
{
	struct msg_leg m = {
		.kind = MSG_LEG_TDM, .span = 0, .line = (uint8_t)line,
		.ec_tail_ms = (uint16_t)ec_ms, .dtmf_detect = dtmf,
	};

	return m;
}

/* the far end of line @p i takes what the card sent */
static void far_take(unsigned i)
{
	size_t n;

	while (fx.ngot[i] < MAXS && (n = vtdm_far_read(fx.f, i,
			fx.got[i] + fx.ngot[i], MAXS - fx.ngot[i])) > 0)
		fx.ngot[i] += n;
}

/* the far end of line @p i keeps AHEAD queued from the first @p have of
 * fx.sent (silence once they are sent) and takes what the card sent */
static void far_end(unsigned i, size_t have)
{
	static const int16_t zero[AHEAD];
	size_t q = vtdm_far_queued(fx.f, i), n;

	while (q < AHEAD) {
		n = AHEAD - q;
		if (fx.nsent[i] < have) {
			n = n < have - fx.nsent[i] ? n : have - fx.nsent[i];
			n = vtdm_far_write(fx.f, i, fx.sent[i] + fx.nsent[i],
					   n);
			fx.nsent[i] += n;
		} else {
			n = vtdm_far_write(fx.f, i, zero, n);
		}
		q += n;
	}
	far_take(i);
}

/* one tick of the media task, which runs a channel when it asked to */
static void tick(void)
{
	fx.tick++;
	if (fx.ch && fx.due <= fx.tick) {
		fx.due = chan_tick(fx.ch, fx.tick, fx.tick * 1000000u);
		assert_true(fx.due > fx.tick && fx.due <= fx.tick + 20);
	}
	chan_idle_lines_tick(fx.tick);
}

static void open_chan(uint32_t id, struct msg_leg a, struct msg_leg b)
{
	assert_int_equal(chan_open(&fx.ch, id, &a, &b, on_event, NULL), 0);
	fx.due = 0;
}

static void close_chan(void)
{
	struct gwmsg st[2];
	unsigned n;

	chan_close(fx.ch, st, &n);
	fx.ch = NULL;
	assert_int_equal(n, 0);
}

/* first sample of @p x (of @p n) whose magnitude is over @p above */
static size_t first_over(const int16_t *x, size_t n, int above)
{
	size_t i = 0;

	while (i < n && abs(x[i]) <= above)
		i++;
	return i;
}

/*
 * Each line's far end sends a count (1, 2, 3...; the other line counts
 * down from -1) for 3 s. What the other line receives is, after the
 * silence before the channel's first frame, the same count with no
 * sample missing, repeated or out of order: so at a constant delay.
 * The delay in samples is at most two 20 ms frames (one to fill the
 * frame, one block sent ahead) and the same both ways; the card counts
 * no underrun or overrun on either line.
 */
static void test_chan_tdm_to_tdm_whole_in_order(void **state)
{
	struct vtdm_chan_stats st0[2], st;
	size_t d[2];

	(void)state;
	for (size_t k = 0; k < MAXS; k++) {
		fx.sent[A][k] = (int16_t)(k % 30000 + 1);
		fx.sent[B][k] = (int16_t)-(int16_t)(k % 30000 + 1);
	}
	vtdm_far_chan_stats(fx.f, A, &st0[A]);
	vtdm_far_chan_stats(fx.f, B, &st0[B]);
	open_chan(11, tdm_leg(0, 0, false), tdm_leg(1, 0, false));
	for (int k = 0; k < 3100; k++) {
		far_end(A, 3 * 8000);
		far_end(B, 3 * 8000);
		tick();
	}
	close_chan();
	for (unsigned i = 0; i < 2; i++) {
		const int16_t *g = fx.got[!i];
		size_t n = fx.ngot[!i], s = first_over(g, n, 0), k;

		assert_true(n >= 3000 * TDM_CHUNK);
		assert_true(s < n);
		/* g[s] is sample (|g[s]| - 1) of line i's count */
		d[i] = s - (size_t)(abs(g[s]) - 1);
		for (k = s; k < n && k - d[i] < 3 * 8000; k++)
			assert_int_equal(g[k], fx.sent[i][k - d[i]]);
		assert_true(k - d[i] >= 3 * 8000 - 2 * 160);
	}
	assert_int_equal(d[0], d[1]);
	assert_true(d[0] <= 2 * 160);
	for (unsigned i = 0; i < 2; i++) {
		vtdm_far_chan_stats(fx.f, i, &st);
		assert_int_equal(st.card_underruns, st0[i].card_underruns);
		assert_int_equal(st.card_overruns, st0[i].card_overruns);
	}
}

/* runs line B's far end sending speech and line A's returning its echo
 * 12 ms later and 12 dB down, with @p ec_ms of canceller on A's leg:
 * @return the echo's power over what of it reached B, in dB, over the
 * last 2 of 8 s; @p snap: the channel as gwctl chans shows it at the end */
static double echo_return_loss(unsigned ec_ms, struct rtstat_chan *snap)
{
	const size_t len = 8 * 8000, delay = 96, from = 6 * 8000;
	double g = pow(10, -12 / 20.0);

	/* a card of its own: the lines' audio at tick 0 */
	assert_int_equal(teardown(NULL), 0);
	assert_int_equal(setup(NULL), 0);
	msig_speech(fx.sent[B], len, 7, -15);
	open_chan(12, tdm_leg(0, ec_ms, false), tdm_leg(1, 0, false));
	for (size_t k = 0; k < len / TDM_CHUNK + 40; k++) {
		far_take(A);
		/* A's echo of each sample the card sent it, as it arrives */
		while (fx.nsent[A] < fx.ngot[A] + delay &&
		       fx.nsent[A] < MAXS) {
			size_t j = fx.nsent[A];

			fx.sent[A][j] = j < delay ? 0 :
					msig_clip(g * fx.got[A][j - delay]);
			fx.nsent[A] += vtdm_far_write(fx.f, A, fx.sent[A] + j,
						      1);
		}
		far_end(B, len);
		tick();
	}
	chan_snapshot(fx.ch, 0, snap);
	close_chan();
	assert_true(fx.ngot[B] >= len);
	return 10 * log10(msig_power(fx.sent[A] + from, len - from) /
			  (msig_power(fx.got[B] + from, len - from) + 1));
}

/*
 * The echo canceller on a TDM leg is given what went to the line in the
 * same ticks as what came back from it: with a 64 ms tail, a 12 ms echo
 * is down by 20 dB or more after 6 s of speech (as test_ec asks of the
 * canceller alone; measured 24 dB); without one, it reaches the other
 * line whole (under 1 dB). A reference late by a block would leave the
 * echo ahead of it, and uncancelled.
 */
static void test_chan_echo_cancelled_in_step(void **state)
{
	struct rtstat_chan snap;
	struct rtstat_leg *a = &snap.leg[0];
	double with, without;

	(void)state;
	without = echo_return_loss(0, &snap);
	assert_int_equal(a->ec_tail_ms, 0);
	with = echo_return_loss(64, &snap);
	print_message("echo return loss: %.1f dB, with the canceller %.1f; "
		      "its own estimate %.1f dB, idle %u %% (the far end's "
		      "pauses)\n", without, with, a->erle_x10 / 10.0,
		      a->ec_idle_pct);
	assert_true(fabs(without) < 1.0);
	assert_true(with >= 20.0);
	/* gwctl chans shows the canceller's span, estimate and idling */
	assert_int_equal(a->ec_tail_ms, 80);
	assert_true(a->erle_valid);
	assert_true(a->erle_x10 >= 150);
	assert_true(a->ec_idle_pct > 0 && a->ec_idle_pct < 60);
}

/* digits the detector finds in @p x (of @p n samples) */
static void detect(const int16_t *x, size_t n, char *out, size_t max)
{
	struct dtmf_det d;
	struct dtmf_event ev;
	size_t k = 0;

	assert_int_equal(dtmf_det_init(&d), 0);
	for (size_t i = 0; i < n; i += 160) {
		dtmf_det_process(&d, x + i, n - i < 160 ? n - i : 160, i);
		while (!dtmf_det_poll(&d, &ev))
			if (ev.ended && k < max - 1)
				out[k++] = ev.digit;
	}
	out[k] = 0;
}

/* dial @p digits (80 ms each) into @p x; @return the samples written */
static size_t dial(int16_t *x, size_t max, const char *digits)
{
	struct dtmf_gen gen;
	size_t n = 0;

	assert_int_equal(dtmf_gen_init(&gen, DTMF_GEN_REPLACE), 0);
	for (const char *p = digits; *p; p++)
		assert_int_equal(dtmf_gen_put(&gen, *p, 80), 0);
	while (n + 160 <= max && dtmf_gen_busy(&gen))
		n += dtmf_gen_fill(&gen, x + n, 160);
	return n;
}

/*
 * Digits dialled on line A are detected on its leg (dtmf) and reported
 * up; line B hears them once (in the audio, not played again); a digit
 * chan_dtmf() plays on B's leg is heard on B.
 */
static void test_chan_digits_detected_and_played(void **state)
{
	char heard[16];
	size_t n = dial(fx.sent[A], MAXS, "159#");

	(void)state;
	open_chan(13, tdm_leg(0, 0, true), tdm_leg(1, 0, false));
	for (int k = 0; k < 1500; k++) {
		if (k == 1000)
			assert_int_equal(chan_dtmf(fx.ch, 1, '7', 100), 0);
		far_end(A, n);
		far_end(B, 0);
		tick();
	}
	close_chan();
	assert_string_equal(fx.digits, "159#");
	detect(fx.got[B], fx.ngot[B], heard, sizeof(heard));
	assert_string_equal(heard, "159#7");
}

/* an answer tone at -12 dBm0 for @p ms into @p x (media_sig.h);
 * @return its length in samples */
static size_t answer_tone(int16_t *x, unsigned ms, bool pr)
{
	size_t n = (size_t)ms * 8;

	msig_answer_tone(x, n, -12, pr, false);
	return n;
}

/* run the channel @p ms ms, line @p i sending the first @p n of
 * fx.sent[i], the other line silence */
static void run_sending(unsigned i, size_t n, unsigned ms)
{
	for (unsigned k = 0; k < ms; k++) {
		far_end(i, n);
		far_end(!i, 0);
		tick();
	}
}

/*
 * Leg A listens for answer tones (vbd). A fax answering on line B (CED:
 * 2100 Hz, no reversals) is heard in what goes to line A, reported once
 * after 0.4-1.1 s, and the call becomes a data call with the echo
 * cancellers left on. A modem answering on line A (its phase reversed
 * every 450 ms) is heard from the line after its second reversal (0.9 s)
 * and before 2.1 s, and the cancellers stop (G.168).
 */
static void test_chan_answer_tones(void **state)
{
	struct msg_leg a = tdm_leg(0, 64, false);
	struct rtstat_chan snap;
	struct chan_stats st;
	uint64_t t0;

	(void)state;
	a.vbd_detect = 1;
	open_chan(14, a, tdm_leg(1, 64, false));
	chan_snapshot(fx.ch, 0, &snap);
	assert_false(snap.data);
	run_sending(B, answer_tone(fx.sent[B], 3000, false), 3500);
	chan_stats_get(fx.ch, &st);
	chan_snapshot(fx.ch, 0, &snap);		/* what gwctl chans shows */
	assert_true(snap.data);
	assert_false(snap.ec_off);
	assert_int_equal(fx.nvbd, 1);
	assert_int_equal(fx.vbd[0].leg, 0);
	assert_int_equal(fx.vbd[0].tone, VBD_ANS);
	assert_true(fx.vbd[0].to_line);
	assert_in_range(fx.vbd_tick[0], 400, 1100);
	assert_true(st.data);
	assert_false(st.ec_disabled);

	t0 = fx.tick;
	run_sending(A, answer_tone(fx.sent[A], 3300, true), 3500);
	chan_stats_get(fx.ch, &st);
	assert_int_equal(fx.nvbd, 2);
	assert_int_equal(fx.vbd[1].leg, 0);
	assert_int_equal(fx.vbd[1].tone, VBD_ANS_PR);
	assert_false(fx.vbd[1].to_line);
	assert_in_range(fx.vbd_tick[1] - t0, 900, 2100);
	assert_true(st.ec_disabled);
	chan_snapshot(fx.ch, 0, &snap);
	assert_true(snap.ec_off);
	assert_int_equal(st.vbd, 1u << VBD_ANS | 1u << VBD_ANS_PR);
	close_chan();
}

/*
 * A data call detects no digits: a modem's or fax's signal that looks
 * like one for a moment would otherwise go up, and an RTP leg opposite
 * would send RFC 4733 events in place of that part of the signal. A digit
 * dialled on line A before a fax answers on B is detected; digits after
 * it are not, and reach line B in the audio alone.
 */
static void test_chan_data_call_detects_no_digits(void **state)
{
	struct msg_leg a = tdm_leg(0, 0, true);
	size_t n;
	char heard[16];

	(void)state;
	a.vbd_detect = 1;
	open_chan(15, a, tdm_leg(1, 0, false));
	n = dial(fx.sent[A], MAXS, "3");
	run_sending(A, n, 500);
	assert_string_equal(fx.digits, "3");
	run_sending(B, answer_tone(fx.sent[B], 3000, false), 3500);
	assert_int_equal(fx.nvbd, 1);
	n += dial(fx.sent[A] + n, MAXS - n, "159#");
	run_sending(A, n, 1500);
	close_chan();
	assert_string_equal(fx.digits, "3");
	detect(fx.got[B], fx.ngot[B], heard, sizeof(heard));
	assert_string_equal(heard, "3159#");
}

/*
 * A tone on a line no channel holds (a refused caller's congestion)
 * reaches the line, moved with the other idle lines; a channel that takes
 * the line stops it, and the line is silent again once it closes.
 */
static void test_chan_idle_line_tone(void **state)
{
	size_t s0, s1;

	(void)state;
	assert_int_equal(chan_line_tone(0, 1, MSG_TONE_CONGESTION), 0);
	assert_int_equal(chan_line_tone(0, 2, MSG_TONE_BUSY), -ENODEV);
	for (int k = 0; k < 400; k++) {
		far_end(B, 0);
		tick();
	}
	s0 = fx.ngot[B];
	assert_true(s0 >= 380 * TDM_CHUNK);	/* at most 19 ticks behind */
	assert_true(msig_level_dbm0(fx.got[B], s0) > -30);
	open_chan(14, tdm_leg(1, 0, false), (struct msg_leg){ 0 });
	assert_int_equal(chan_line_tone(0, 1, MSG_TONE_BUSY), -EBUSY);
	for (int k = 0; k < 400; k++) {
		far_end(B, 0);
		tick();
	}
	close_chan();
	for (int k = 0; k < 400; k++) {
		far_end(B, 0);
		tick();
	}
	/* the tone stops within a block of the open */
	s1 = s0 + 2 * 160;
	assert_true(fx.ngot[B] >= s0 + 780 * TDM_CHUNK);
	assert_int_equal(first_over(fx.got[B] + s1, fx.ngot[B] - s1, 0),
			 fx.ngot[B] - s1);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_chan_tdm_to_tdm_whole_in_order),
		T(test_chan_echo_cancelled_in_step),
		T(test_chan_digits_detected_and_played),
		T(test_chan_answer_tones),
		T(test_chan_data_call_detects_no_digits),
		T(test_chan_idle_line_tone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

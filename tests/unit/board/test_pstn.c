// SPDX-License-Identifier: MIT
/** @file test_pstn.c  PSTN simulator against the real card side in one
 *  process: the simulator and the card run in lockstep on a fake clock
 *  (one card chunk per simulated millisecond). Numbers and addresses,
 *  phones, CO lines and E1 channels both ways, DTMF, tones and levels,
 *  playing and recording WAV files, a fax between two lines the card
 *  connects, errors. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <spandsp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "board/sim/pstn.h"
#include "board/sim/pstn_wav.h"
#include "hal/tdm.h"
#include "hal/vtdm.h"
#include "tests/unit/board/fax_page.h"

#define NCH	34		/* fxs:2,fxo:2,e1:30 */
#define CAP	16000		/* samples the card keeps per channel */

/* line numbers of the layout */
#define PHONE1	1
#define PHONE2	2
#define CO1	3
#define CO2	4
#define E1_1	5

struct card_ch {
	dtmf_rx_state_t *drx;
	char heard[65];
	dtmf_tx_state_t *dtx;
	bool tone;
	uint32_t ph;
	int32_t rate;
	int16_t scale;
	int16_t cap[CAP];
	size_t ncap;
	const int16_t *src;	/* sent again and again, if set */
	size_t src_len, nsent;
};

static struct {
	int fd;
	struct tdm *t;
	struct vtdm_far *f;
	struct pstn *p;
	uint64_t now;
	struct card_ch ch[NCH];
	char tmp[64];
} rig;

static const unsigned first[3] = { 0, 2, 4 };

static struct card_ch *cch(unsigned span, unsigned chan)
{
	return &rig.ch[first[span] + chan];
}

static void on_digits(void *arg, const char *d, int len)
{
	struct card_ch *c = arg;
	size_t have = strlen(c->heard);

	if (have + (size_t)len < sizeof(c->heard)) {
		memcpy(c->heard + have, d, (size_t)len);
		c->heard[have + (size_t)len] = '\0';
	}
}

static int open_rig(const struct pstn_cfg *cfg)
{
	struct tdm_cfg tc = { .kind = TDM_VTDM };
	struct tdm_layout l;

	memset(&rig, 0, sizeof(rig));
	rig.now = 1000;
	if (tdm_layout_parse("fxs:2,fxo:2,e1:30", &l, NULL, 0) ||
	    vtdm_create(&rig.fd, &l))
		return -1;
	tc.fd = rig.fd;
	if (tdm_open(&rig.t, &tc) ||
	    vtdm_attach_far(&rig.f, rig.fd, NULL, 0) ||
	    pstn_create(&rig.p, rig.f, cfg))
		return -1;
	for (int i = 0; i < NCH; i++) {
		rig.ch[i].drx = dtmf_rx_init(NULL, on_digits, &rig.ch[i]);
		rig.ch[i].dtx = dtmf_tx_init(NULL);
		dtmf_tx_set_timing(rig.ch[i].dtx, 80, 80);
	}
	snprintf(rig.tmp, sizeof(rig.tmp), "/tmp/test_pstn.%d.wav",
		 (int)getpid());
	return 0;
}

static int setup(void **state)
{
	(void)state;
	return open_rig(NULL);
}

static int teardown(void **state)
{
	(void)state;
	for (int i = 0; i < NCH; i++) {
		dtmf_rx_free(rig.ch[i].drx);
		dtmf_tx_free(rig.ch[i].dtx);
	}
	rig.p = pstn_destroy(rig.p);
	rig.f = vtdm_far_detach(rig.f);
	rig.t = tdm_close(rig.t);
	close(rig.fd);
	unlink(rig.tmp);
	return 0;
}

/* the card's side of one chunk of channel @p i */
static void card_chunk(unsigned span, unsigned chan)
{
	struct card_ch *c = cch(span, chan);
	int16_t pcm[TDM_CHUNK], tmp[TDM_CHUNK];
	int got;

	tdm_read(rig.t, span, chan, pcm, TDM_CHUNK);
	dtmf_rx(c->drx, pcm, TDM_CHUNK);
	for (int k = 0; k < TDM_CHUNK; k++)
		c->cap[c->ncap++ % CAP] = pcm[k];
	memset(pcm, 0, sizeof(pcm));
	got = dtmf_tx(c->dtx, tmp, TDM_CHUNK);
	for (int k = 0; k < got; k++)
		pcm[k] = tmp[k];
	for (int k = 0; c->tone && k < TDM_CHUNK; k++)
		pcm[k] = (int16_t)(pcm[k] + dds_mod(&c->ph, c->rate, c->scale,
						    0));
	for (int k = 0; k < TDM_CHUNK; k++, c->nsent++)
		if (c->src)
			pcm[k] = (int16_t)(pcm[k] +
					   c->src[c->nsent % c->src_len]);
	tdm_write(rig.t, span, chan, pcm, TDM_CHUNK);
}

/* the card's millisecond: signalling, a chunk of every channel */
static void card_ms(void)
{
	static const unsigned nch[3] = { 2, 2, 30 };

	tdm_ticks(rig.t);
	for (unsigned s = 0; s < 3; s++)
		for (unsigned c = 0; c < nch[s]; c++)
			card_chunk(s, c);
}

/* @p ms simulated milliseconds: simulator tick, card signalling, chunks */
static void run(unsigned ms)
{
	while (ms--) {
		pstn_tick(rig.p, ++rig.now);
		card_ms();
	}
}

static void expect_event(unsigned span, unsigned chan, enum tdm_ev type)
{
	struct tdm_event ev;

	tdm_ticks(rig.t);
	assert_int_equal(tdm_event_get(rig.t, &ev), 0);
	if (ev.type != type || ev.span != span || ev.chan != chan)
		fail_msg("event %u/%u %s, expected %u/%u %s", ev.span, ev.chan,
			 tdm_ev_name(ev.type), span, chan, tdm_ev_name(type));
}

static void expect_no_event(void)
{
	struct tdm_event ev;

	tdm_ticks(rig.t);
	if (!tdm_event_get(rig.t, &ev))
		fail_msg("unexpected event %u/%u %s", ev.span, ev.chan,
			 tdm_ev_name(ev.type));
}

static enum pstn_state state_of(unsigned line)
{
	struct pstn_line_status st;

	assert_int_equal(pstn_line_status(rig.p, line, &st), 0);
	return st.state;
}

/* Goertzel level (dBm0) of @p f in the last @p n samples the card got */
static double card_level_at(unsigned span, unsigned chan, double f, size_t n)
{
	struct card_ch *c = cch(span, chan);
	double w = 2 * M_PI * f / 8000, k = 2 * cos(w), s1 = 0, s2 = 0, s;
	size_t i, start = c->ncap - n;

	for (i = 0; i < n; i++) {
		s = c->cap[(start + i) % CAP] + k * s1 - s2;
		s2 = s1;
		s1 = s;
	}
	s = sqrt(s1 * s1 + s2 * s2 - k * s1 * s2) * 2 / (double)n;
	return s > 0 ? 20 * log10(s / 32767) + DBM0_MAX_SINE_POWER : -99;
}

static void test_pstn_numbers_and_addresses(void **state)
{
	struct pstn_line_status st;

	(void)state;
	assert_int_equal(pstn_line_count(rig.p), NCH);
	assert_int_equal(pstn_line_find(rig.p, "5550100"), CO1);
	assert_int_equal(pstn_line_find(rig.p, "5550101"), CO2);
	assert_int_equal(pstn_line_find(rig.p, "5550102"), E1_1);
	assert_int_equal(pstn_line_find(rig.p, "5550131"), NCH);
	assert_int_equal(pstn_line_find(rig.p, "2/29"), NCH);
	assert_int_equal(pstn_line_find(rig.p, "0/1"), PHONE2);
	assert_int_equal(pstn_line_find(rig.p, "1"), PHONE1);
	assert_int_equal(pstn_line_find(rig.p, "34"), NCH);
	assert_int_equal(pstn_line_find(rig.p, "35"), -ENOENT);
	assert_non_null(strstr(pstn_error(rig.p), "no line \"35\""));
	assert_int_equal(pstn_line_find(rig.p, "0"), -ENOENT);
	assert_int_equal(pstn_line_find(rig.p, "1/2"), -ENOENT);
	assert_int_equal(pstn_line_find(rig.p, "5550132"), -ENOENT);
	assert_int_equal(pstn_line_find(rig.p, "x"), -ENOENT);
	assert_int_equal(pstn_line_find(rig.p, "1/0x"), -ENOENT);
	assert_int_equal(pstn_line_status(rig.p, PHONE1, &st), 0);
	assert_string_equal(st.number, "");
	assert_int_equal(st.sig, TDM_SIG_FXS);
	assert_int_equal(pstn_line_status(rig.p, 0, &st), -EINVAL);
	assert_int_equal(pstn_line_status(rig.p, NCH + 1, &st), -EINVAL);
}

static void test_pstn_numbers_configurable(void **state)
{
	struct pstn_cfg cfg;

	(void)state;
	teardown(NULL);
	pstn_cfg_default(&cfg);
	cfg.number_base = 4420000;
	cfg.fxs_base = 201;
	assert_int_equal(open_rig(&cfg), 0);
	assert_int_equal(pstn_line_find(rig.p, "201"), PHONE1);
	assert_int_equal(pstn_line_find(rig.p, "202"), PHONE2);
	assert_int_equal(pstn_line_find(rig.p, "4420000"), CO1);
	assert_int_equal(pstn_line_find(rig.p, "5550100"), -ENOENT);
}

static void test_pstn_phone_offhook_dial_flash_onhook(void **state)
{
	struct tdm_event ev;

	(void)state;
	run(5);
	expect_no_event();
	assert_int_equal(pstn_offhook(rig.p, PHONE2), 0);
	assert_int_equal(pstn_offhook(rig.p, PHONE2), -EALREADY);
	run(2);
	expect_event(0, 1, TDM_EV_OFFHOOK);
	assert_int_equal(state_of(PHONE2), PSTN_OFFHOOK);
	assert_int_equal(pstn_dial(rig.p, PHONE2, "123#*0ABCD"), 0);
	run(2500);
	assert_string_equal(cch(0, 1)->heard, "123#*0ABCD");
	assert_string_equal(cch(0, 0)->heard, "");	/* nothing leaked */
	/* a flash: on-hook for 250 ms of the simulator's clock */
	assert_int_equal(pstn_flash(rig.p, PHONE2), 0);
	run(1);
	assert_int_equal(state_of(PHONE2), PSTN_FLASHING);
	run(300);
	expect_event(0, 1, TDM_EV_FLASH);
	assert_int_equal(state_of(PHONE2), PSTN_OFFHOOK);
	/* hanging up shows on the card once on-hook longer than a flash */
	assert_int_equal(pstn_onhook(rig.p, PHONE2), 0);
	run(2);
	expect_no_event();
	usleep((VTDM_FLASH_MS + 100) * 1000);
	tdm_ticks(rig.t);
	assert_int_equal(tdm_event_get(rig.t, &ev), 0);
	assert_int_equal(ev.type, TDM_EV_ONHOOK);
	assert_int_equal(pstn_onhook(rig.p, PHONE2), -EALREADY);
}

static void test_pstn_gateway_rings_phone(void **state)
{
	struct pstn_line_status st;

	(void)state;
	assert_int_equal(tdm_command(rig.t, 0, 0, TDM_CMD_RING_ON), 0);
	run(2);
	assert_int_equal(pstn_line_status(rig.p, PHONE1, &st), 0);
	assert_true(st.ringing);
	assert_int_equal(st.rings, 1);
	assert_int_equal(pstn_answer(rig.p, PHONE1), 0);	/* offhook */
	run(2);
	expect_event(0, 0, TDM_EV_OFFHOOK);
	assert_int_equal(pstn_line_status(rig.p, PHONE1, &st), 0);
	assert_false(st.ringing);		/* ring trip */
	assert_int_equal(st.card_state, 0);
	assert_int_equal(pstn_ring(rig.p, PHONE1), -EINVAL);
	assert_non_null(strstr(pstn_error(rig.p), "the gateway rings it"));
}

static void test_pstn_co_rings_fxo_until_seized(void **state)
{
	struct pstn_cfg cfg;

	(void)state;
	teardown(NULL);
	pstn_cfg_default(&cfg);
	cfg.ring_on_ms = 100;
	cfg.ring_off_ms = 200;
	assert_int_equal(open_rig(&cfg), 0);
	assert_int_equal(pstn_ring(rig.p, CO2), 0);
	assert_int_equal(pstn_ring(rig.p, CO2), -EALREADY);
	run(2);
	expect_event(1, 1, TDM_EV_RING);
	assert_int_equal(state_of(CO2), PSTN_RINGING);
	run(100);
	expect_event(1, 1, TDM_EV_RING_STOP);
	run(200);
	expect_event(1, 1, TDM_EV_RING);	/* the second burst */
	run(50);
	assert_int_equal(tdm_command(rig.t, 1, 1, TDM_CMD_SEIZE), 0);
	run(2);
	expect_event(1, 1, TDM_EV_RING_STOP);	/* the gateway answered */
	expect_no_event();
	assert_int_equal(state_of(CO2), PSTN_ANSWERED);
	run(500);
	expect_no_event();
	assert_int_equal(pstn_ring(rig.p, CO2), -EBUSY);
	/* the far party hangs up: loop current drop */
	assert_int_equal(pstn_hangup(rig.p, CO2), 0);
	run(2);
	expect_event(1, 1, TDM_EV_CLEAR);
	assert_int_equal(state_of(CO2), PSTN_DISCONNECTED);
	assert_int_equal(tdm_command(rig.t, 1, 1, TDM_CMD_RELEASE), 0);
	run(2);
	assert_int_equal(state_of(CO2), PSTN_IDLE);
	assert_int_equal(vtdm_far_state(rig.f, 3), 0);
	expect_no_event();
}

static void test_pstn_fxo_caller_gives_up(void **state)
{
	(void)state;
	assert_int_equal(pstn_ring(rig.p, CO1), 0);
	run(10);
	expect_event(1, 0, TDM_EV_RING);
	assert_int_equal(pstn_hangup(rig.p, CO1), 0);
	run(2);
	expect_event(1, 0, TDM_EV_RING_STOP);
	assert_int_equal(state_of(CO1), PSTN_IDLE);
	assert_int_equal(pstn_hangup(rig.p, CO1), -EALREADY);
}

static void test_pstn_fxo_outgoing_call(void **state)
{
	struct pstn_line_status st;

	(void)state;
	assert_int_equal(pstn_answer(rig.p, CO1), -EINVAL);
	assert_non_null(strstr(pstn_error(rig.p), "no call from the gateway"));
	assert_int_equal(tdm_command(rig.t, 1, 0, TDM_CMD_SEIZE), 0);
	run(2);
	assert_int_equal(state_of(CO1), PSTN_SEIZED);
	assert_int_equal(dtmf_tx_put(cch(1, 0)->dtx, "5551234", -1), 0);
	run(1500);
	assert_int_equal(pstn_line_status(rig.p, CO1, &st), 0);
	assert_string_equal(st.heard, "5551234");
	assert_int_equal(pstn_answer(rig.p, CO1), 0);
	run(2);
	expect_event(1, 0, TDM_EV_ANSWER);
	assert_int_equal(state_of(CO1), PSTN_ANSWERED);
	assert_int_equal(pstn_answer(rig.p, CO1), -EALREADY);
	/* the gateway hangs up first: the line goes idle, no event */
	assert_int_equal(tdm_command(rig.t, 1, 0, TDM_CMD_RELEASE), 0);
	run(2);
	assert_int_equal(state_of(CO1), PSTN_IDLE);
	expect_no_event();
}

static void test_pstn_e1_both_ways(void **state)
{
	struct pstn_line_status st;

	(void)state;
	/* incoming: the far exchange seizes, the gateway answers, far clears */
	assert_int_equal(pstn_ring(rig.p, E1_1 + 3), 0);
	assert_int_equal(pstn_ring(rig.p, E1_1 + 3), -EALREADY);
	run(2);
	expect_event(2, 3, TDM_EV_SEIZE);
	assert_int_equal(state_of(E1_1 + 3), PSTN_INCOMING);
	assert_int_equal(tdm_command(rig.t, 2, 3, TDM_CMD_ANSWER), 0);
	run(2);
	assert_int_equal(state_of(E1_1 + 3), PSTN_ANSWERED);
	assert_int_equal(pstn_hangup(rig.p, E1_1 + 3), 0);
	run(2);
	expect_event(2, 3, TDM_EV_CLEAR);
	assert_int_equal(state_of(E1_1 + 3), PSTN_DISCONNECTED);
	assert_int_equal(tdm_command(rig.t, 2, 3, TDM_CMD_CLEAR), 0);
	run(2);
	assert_int_equal(state_of(E1_1 + 3), PSTN_IDLE);
	/* refused: the gateway clears before answering; the far exchange
	 * releases, and may call again */
	assert_int_equal(pstn_ring(rig.p, E1_1 + 3), 0);
	run(2);
	expect_event(2, 3, TDM_EV_SEIZE);
	assert_int_equal(tdm_command(rig.t, 2, 3, TDM_CMD_CLEAR), 0);
	run(3);
	expect_event(2, 3, TDM_EV_CLEAR);
	assert_int_equal(state_of(E1_1 + 3), PSTN_IDLE);
	assert_int_equal(pstn_line_status(rig.p, E1_1 + 3, &st), 0);
	assert_int_equal(st.refused, 1);
	assert_int_equal(st.card_state, VTDM_E1_IDLE);
	assert_int_equal(pstn_ring(rig.p, E1_1 + 3), 0);
	run(2);
	expect_event(2, 3, TDM_EV_SEIZE);
	assert_int_equal(pstn_hangup(rig.p, E1_1 + 3), 0);
	run(2);
	expect_event(2, 3, TDM_EV_CLEAR);
	/* outgoing: the gateway seizes, the far exchange answers, gateway
	 * clears and the far exchange follows (its clear is an event) */
	assert_int_equal(pstn_answer(rig.p, E1_1), -EINVAL);
	assert_int_equal(tdm_command(rig.t, 2, 0, TDM_CMD_SEIZE), 0);
	run(2);
	assert_int_equal(state_of(E1_1), PSTN_OUTGOING);
	assert_int_equal(pstn_ring(rig.p, E1_1), -EBUSY);
	assert_int_equal(pstn_answer(rig.p, E1_1), 0);
	run(2);
	expect_event(2, 0, TDM_EV_ANSWER);
	assert_int_equal(state_of(E1_1), PSTN_ANSWERED);
	assert_int_equal(tdm_command(rig.t, 2, 0, TDM_CMD_CLEAR), 0);
	run(2);
	expect_event(2, 0, TDM_EV_CLEAR);
	assert_int_equal(state_of(E1_1), PSTN_IDLE);
	assert_int_equal(pstn_hangup(rig.p, E1_1), -EALREADY);
}

static void test_pstn_tone_reaches_card(void **state)
{
	(void)state;
	assert_int_equal(pstn_tone(rig.p, CO1, 1004, 0, -13), 0);
	run(1200);
	assert_float_equal(card_level_at(1, 0, 1004, 8000), -13.0, 0.2);
	assert_true(card_level_at(1, 0, 1500, 8000) < -50);
	assert_true(card_level_at(1, 1, 1004, 8000) < -90); /* not 1/1 */
	/* two tones, each at its level (dial tone 350 + 440 Hz) */
	assert_int_equal(pstn_tone(rig.p, CO1, 350, 440, -13), 0);
	run(1200);
	assert_float_equal(card_level_at(1, 0, 350, 8000), -13.0, 0.2);
	assert_float_equal(card_level_at(1, 0, 440, 8000), -13.0, 0.2);
	assert_int_equal(pstn_tone(rig.p, CO1, 0, 0, 0), 0);
	run(1200);
	assert_true(card_level_at(1, 0, 440, 8000) < -90);
}

static void test_pstn_record_and_level(void **state)
{
	struct pstn_line_status st;
	struct card_ch *c = cch(2, 5);
	int16_t *pcm = NULL;
	size_t n = 0;
	double acc = 0;

	(void)state;
	c->rate = dds_phase_rate(440);
	c->scale = dds_scaling_dbm0(-10);
	c->tone = true;
	assert_int_equal(pstn_record(rig.p, E1_1 + 5, rig.tmp), 0);
	assert_int_equal(pstn_record(rig.p, E1_1 + 5, rig.tmp), -EBUSY);
	run(1000);
	assert_int_equal(pstn_line_status(rig.p, E1_1 + 5, &st), 0);
	assert_string_equal(st.recording, rig.tmp);
	assert_float_equal(st.level_dbm0, -10.0, 0.2);
	assert_int_equal(pstn_stop(rig.p, E1_1 + 5, "record"), 0);
	assert_int_equal(pstn_wav_load(rig.tmp, &pcm, &n, NULL, 0), 0);
	assert_true(n >= 7990 && n <= 8000);
	for (size_t i = 0; i < n; i++)
		acc += (double)pcm[i] * pcm[i];
	assert_float_equal(10 * log10(acc / n / (32767.0 * 32767.0)) +
			   DBM0_MAX_POWER, -10.0, 0.2);
	free(pcm);
	c->tone = false;
	run(300);
	assert_int_equal(pstn_line_status(rig.p, E1_1 + 5, &st), 0);
	assert_true(st.level_dbm0 < -90);
	assert_string_equal(st.recording, "");
}

static void test_pstn_play_wav_in_order(void **state)
{
	struct pstn_wav_writer *w;
	struct pstn_line_status st;
	int16_t ramp[4000];
	struct card_ch *c = cch(1, 1);
	size_t i, at;

	(void)state;
	for (i = 0; i < 4000; i++)
		ramp[i] = (int16_t)(i + 1);
	assert_int_equal(pstn_wav_create(&w, rig.tmp, NULL, 0), 0);
	assert_int_equal(pstn_wav_write(w, ramp, 4000), 0);
	assert_int_equal(pstn_wav_close(w), 0);
	assert_int_equal(pstn_play(rig.p, CO2, rig.tmp, false), 0);
	run(1000);
	for (at = 0; at < c->ncap && c->cap[at] != 1; at++)
		;
	assert_true(at < 1000);
	for (i = 0; i < 4000; i++)
		assert_int_equal(c->cap[at + i], i + 1);
	assert_int_equal(c->cap[at + 4000], 0);		/* played once */
	assert_int_equal(pstn_line_status(rig.p, CO2, &st), 0);
	assert_false(st.playing);
	/* looped: again and again until stopped */
	c->ncap = 0;
	assert_int_equal(pstn_play(rig.p, CO2, rig.tmp, true), 0);
	run(1100);
	assert_int_equal(pstn_line_status(rig.p, CO2, &st), 0);
	assert_true(st.playing);
	assert_string_equal(st.play_file, rig.tmp);
	for (at = 0; c->cap[at] != 4000; at++)
		;
	assert_int_equal(c->cap[at + 1], 1);
	assert_int_equal(pstn_stop(rig.p, CO2, "play"), 0);
	assert_int_equal(pstn_line_status(rig.p, CO2, &st), 0);
	assert_false(st.playing);
}

/* the far -> card ring topped up to ahead + batch (20 + 10 ms) once a
 * batch, the lines spread over the batch; with a batch of 1 ms, every
 * tick */
static void test_pstn_keeps_ahead_of_the_card(void **state)
{
	struct pstn_cfg cfg;
	struct tdm_stats ts;
	struct pstn *p2 = NULL;
	unsigned i, moved = 0;

	(void)state;
	pstn_tick(rig.p, ++rig.now);		/* the first: every line */
	assert_int_equal(vtdm_far_queued(rig.f, 0), 240);
	assert_int_equal(vtdm_far_queued(rig.f, NCH - 1), 240);
	for (i = 0; i < NCH; i++)	/* the card takes a chunk of each */
		card_chunk(i < 2 ? 0 : i < 4 ? 1 : 2,
			   i < 2 ? i : i < 4 ? i - 2 : i - 4);
	pstn_tick(rig.p, ++rig.now);	/* lines 8, 18, 28: (now + i) % 10 */
	for (i = 0; i < NCH; i++)
		moved += vtdm_far_queued(rig.f, i) == 240;
	assert_int_equal(moved, 3);
	assert_int_equal(vtdm_far_queued(rig.f, 8), 240);
	run(2000);
	tdm_stats_get(rig.t, &ts);
	assert_int_equal(ts.rx_underruns, 0);
	assert_int_equal(ts.tx_overruns, 0);

	teardown(NULL);
	pstn_cfg_default(&cfg);
	cfg.batch_ms = 1;
	assert_int_equal(open_rig(&cfg), 0);
	pstn_tick(rig.p, ++rig.now);
	assert_int_equal(vtdm_far_queued(rig.f, 0), 168);
	card_chunk(0, 0);
	pstn_tick(rig.p, ++rig.now);		/* topped up again */
	assert_int_equal(vtdm_far_queued(rig.f, 0), 168);
	cfg.batch_ms = PSTN_BATCH_MAX_MS + 1;
	assert_int_equal(pstn_create(&p2, rig.f, &cfg), -EINVAL);
}

/* a fax machine on E1 channel 2/0 calls one on 2/1, which the card
 * connects back to back (as a TDM-to-TDM call through the gateway): the
 * document arrives row for row, both lines report the result; stopped,
 * the line has no fax machine */
static void test_pstn_fax_between_lines(void **state)
{
	char doc[80], got[80];
	struct pstn_line_status a, b;
	struct fax_page_diff d;
	unsigned ms;

	(void)state;
	snprintf(doc, sizeof(doc), "%s.doc.tif", rig.tmp);
	snprintf(got, sizeof(got), "%s.got.tif", rig.tmp);
	assert_int_equal(fax_page_make(doc, 1, 3), 0);
	assert_int_equal(pstn_fax(rig.p, E1_1, true, doc, true), 0);
	assert_int_equal(pstn_fax(rig.p, E1_1 + 1, false, got, false), 0);
	for (ms = 0; ms < 90000; ms++) {
		int16_t x[TDM_CHUNK], y[TDM_CHUNK];

		pstn_tick(rig.p, ++rig.now);
		tdm_ticks(rig.t);
		tdm_read(rig.t, 2, 0, x, TDM_CHUNK);
		tdm_read(rig.t, 2, 1, y, TDM_CHUNK);
		tdm_write(rig.t, 2, 1, x, TDM_CHUNK);
		tdm_write(rig.t, 2, 0, y, TDM_CHUNK);
		if (ms % 100)
			continue;
		assert_int_equal(pstn_line_status(rig.p, E1_1, &a), 0);
		assert_int_equal(pstn_line_status(rig.p, E1_1 + 1, &b), 0);
		if (a.fax_result.state != FAXM_RUNNING &&
		    b.fax_result.state != FAXM_RUNNING)
			break;
	}
	print_message("# the fax took %u ms\n", ms);
	assert_true(a.fax && b.fax);
	assert_int_equal(a.fax_result.state, FAXM_OK);
	assert_int_equal(b.fax_result.state, FAXM_OK);
	assert_true(a.fax_result.send);
	assert_int_equal(a.fax_result.pages, 1);
	assert_int_equal(b.fax_result.pages, 1);
	assert_int_equal(pstn_stop(rig.p, E1_1 + 1, "fax"), 0);
	assert_int_equal(pstn_line_status(rig.p, E1_1 + 1, &b), 0);
	assert_false(b.fax);
	assert_int_equal(fax_page_cmp(doc, got, &d), 0);
	assert_int_equal(d.rows, FAX_PAGE_ROWS);
	/* a file that is not there, a directory that is not there */
	assert_int_equal(pstn_fax(rig.p, E1_1, true, "/nonexistent.tif",
				  true), -ENOENT);
	assert_non_null(strstr(pstn_error(rig.p), "fax: /nonexistent.tif"));
	assert_int_equal(pstn_fax(rig.p, E1_1, false, "/nonexistent/x.tif",
				  true), -ENOENT);
	assert_int_equal(pstn_line_status(rig.p, E1_1, &a), 0);
	assert_true(a.fax);	/* the one before stays */
	unlink(doc);
	unlink(got);
}

/* mean square of the last @p n samples the card got on @p c */
static double card_power(const struct card_ch *c, size_t n)
{
	double acc = 0;

	for (size_t i = c->ncap - n; i < c->ncap; i++)
		acc += (double)c->cap[i % CAP] * c->cap[i % CAP];
	return acc / (double)n;
}

/* the delays (card samples) of the strongest echo of each of the clicks
 * sent since sample @p from, but the first and any still coming; @return
 * how many, each in @p d */
static size_t click_delays(const struct card_ch *c, size_t from, size_t period,
			   size_t *d, size_t max)
{
	size_t n = 0;

	for (size_t s = (from / period + 2) * period; s + period <= c->ncap &&
	     n < max; s += period) {
		size_t best = 0;

		for (size_t k = 1; k < period; k++)
			if (abs(c->cap[(s + k) % CAP]) >
			    abs(c->cap[(s + best) % CAP]))
				best = k;
		d[n++] = best;
	}
	return n;
}

/*
 * A line's hybrid echo: what the card sends comes back through G.168's
 * model D.4 at a delay fixed to the sample (a click every 250 ms comes
 * back at the same offset each time), 80 samples later with a delay of
 * 10 ms, and ERL dB down (white noise: 12 dB within 0.3); none once off,
 * and none on the line beside it.
 */
static void test_pstn_line_echo(void **state)
{
	static int16_t click[2000], noise[8000];
	struct card_ch *c = cch(1, 0);
	struct pstn_line_status st;
	awgn_state_t *g = awgn_init_dbm0(NULL, 7, -20);
	size_t d0[8], d1[8], n0, n1, from;
	double erl, sent;

	(void)state;
	click[0] = 16000;
	for (size_t i = 0; i < 8000; i++)
		noise[i] = awgn(g);
	awgn_free(g);
	c->src = click;
	c->src_len = 2000;
	assert_int_equal(pstn_line_echo(rig.p, CO1, 12, 0), 0);
	from = c->ncap;
	run(1500);
	n0 = click_delays(c, from, 2000, d0, 8);
	assert_int_equal(pstn_line_echo(rig.p, CO1, 12, 10), 0);
	from = c->ncap;
	run(1500);
	n1 = click_delays(c, from, 2000, d1, 8);
	assert_true(n0 >= 3 && n1 >= 3);
	for (size_t i = 0; i < n0; i++)
		assert_int_equal(d0[i], d0[0]);
	for (size_t i = 0; i < n1; i++)
		assert_int_equal(d1[i], d0[0] + 80);
	/* the lead of the simulator (20-30 ms) and the model's peak */
	assert_true(d0[0] >= 160 && d0[0] < 400);

	c->src = noise;
	c->src_len = 8000;
	assert_int_equal(pstn_line_echo(rig.p, CO1, 12, 0), 0);
	run(1500);
	sent = 0;
	for (size_t i = 0; i < 8000; i++)
		sent += (double)noise[i] * noise[i];
	erl = 10 * log10(sent / 8000 / card_power(c, 8000));
	print_message("# echo delays %zu and %zu samples (10 ms more), ERL "
		      "%.2f dB\n", d0[0], d1[0], erl);
	assert_float_equal(erl, 12.0, 0.3);
	assert_int_equal(pstn_line_status(rig.p, CO1, &st), 0);
	assert_true(st.echo);
	assert_float_equal(st.echo_erl_db, 12.0, 0.01);
	assert_int_equal(st.echo_delay_ms, 0);
	assert_int_equal(st.echo_restarts, 0);
	assert_true(card_power(cch(1, 1), 8000) == 0);

	assert_int_equal(pstn_line_echo(rig.p, CO1, -1, 0), 0);
	run(100);
	assert_true(card_power(c, 400) == 0);
	assert_int_equal(pstn_line_status(rig.p, CO1, &st), 0);
	assert_false(st.echo);
	assert_int_equal(pstn_line_echo(rig.p, CO1, 60.5f, 0), -EINVAL);
	assert_int_equal(pstn_line_echo(rig.p, CO1, 12, 65), -EINVAL);
	c->src = NULL;
}

/*
 * The simulator stalls for a second while the card runs on (longer than
 * the card's 256 ms ring: the card drops what it sends meanwhile, so the
 * counts of samples each way part): the echo starts again from the newest
 * input, counted, at the delay it had before.
 */
static void test_pstn_line_echo_after_a_stall(void **state)
{
	static int16_t click[2000];
	struct card_ch *c = cch(1, 0);
	struct pstn_line_status st;
	size_t d0[8], d[8], n, from;

	(void)state;
	click[0] = 16000;
	c->src = click;
	c->src_len = 2000;
	assert_int_equal(pstn_line_echo(rig.p, CO1, 12, 0), 0);
	from = c->ncap;
	run(1000);
	assert_true(click_delays(c, from, 2000, d0, 8) >= 1);
	for (unsigned ms = 0; ms < 1000; ms++) {	/* the card alone */
		++rig.now;
		card_ms();
	}
	from = c->ncap;
	run(1500);
	assert_int_equal(pstn_line_status(rig.p, CO1, &st), 0);
	assert_int_equal(st.echo_restarts, 1);
	n = click_delays(c, from, 2000, d, 8);
	assert_true(n >= 3);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(d[i], d0[0]);
	c->src = NULL;
}

static void test_pstn_operation_errors(void **state)
{
	(void)state;
	assert_int_equal(pstn_dial(rig.p, PHONE1, "12"), -EINVAL);
	assert_non_null(strstr(pstn_error(rig.p), "on-hook"));
	assert_int_equal(pstn_dial(rig.p, CO1, "12x"), -EINVAL);
	assert_non_null(strstr(pstn_error(rig.p), "'x' is not a DTMF digit"));
	assert_int_equal(pstn_dial(rig.p, CO1, ""), -EINVAL);
	assert_int_equal(pstn_flash(rig.p, PHONE1), -EINVAL);
	assert_int_equal(pstn_flash(rig.p, CO1), -EINVAL);
	assert_int_equal(pstn_tone(rig.p, CO1, 4000, 0, -10), -EINVAL);
	assert_int_equal(pstn_tone(rig.p, CO1, 1000, 0, 4), -EINVAL);
	assert_int_equal(pstn_tone(rig.p, CO1, 350, 440, 0), -EINVAL);
	assert_int_equal(pstn_play(rig.p, CO1, "/nonexistent.wav", false),
			 -ENOENT);
	assert_non_null(strstr(pstn_error(rig.p), "/nonexistent.wav"));
	assert_int_equal(pstn_record(rig.p, CO1, "/nonexistent/x.wav"),
			 -ENOENT);
	assert_int_equal(pstn_stop(rig.p, CO1, "everything"), -EINVAL);
	assert_int_equal(pstn_stop(rig.p, CO1, NULL), 0);
	assert_int_equal(pstn_offhook(rig.p, 0), -EINVAL);
	assert_int_equal(pstn_ring(rig.p, NCH + 1), -EINVAL);
	assert_non_null(strstr(pstn_error(rig.p), "no line 35"));
}

static void test_pstn_stop_dialling(void **state)
{
	struct pstn_line_status st;

	(void)state;
	assert_int_equal(pstn_dial(rig.p, E1_1, "0123456789"), 0);
	run(300);
	assert_int_equal(pstn_stop(rig.p, E1_1, "dial"), 0);
	run(2000);
	assert_int_equal(pstn_line_status(rig.p, E1_1, &st), 0);
	assert_false(st.dialling);
	assert_true(strlen(cch(2, 0)->heard) <= 2);
	assert_int_equal(pstn_dial(rig.p, E1_1, "9"), 0);
	run(500);
	assert_non_null(strchr(cch(2, 0)->heard, '9'));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_pstn_numbers_and_addresses),
		T(test_pstn_numbers_configurable),
		T(test_pstn_phone_offhook_dial_flash_onhook),
		T(test_pstn_gateway_rings_phone),
		T(test_pstn_co_rings_fxo_until_seized),
		T(test_pstn_fxo_caller_gives_up),
		T(test_pstn_fxo_outgoing_call),
		T(test_pstn_e1_both_ways),
		T(test_pstn_tone_reaches_card),
		T(test_pstn_record_and_level),
		T(test_pstn_fax_between_lines),
		T(test_pstn_play_wav_in_order),
		T(test_pstn_line_echo),
		T(test_pstn_line_echo_after_a_stall),
		T(test_pstn_keeps_ahead_of_the_card),
		T(test_pstn_operation_errors),
		T(test_pstn_stop_dialling),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

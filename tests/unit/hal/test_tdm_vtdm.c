// SPDX-License-Identifier: MIT
/** @file test_tdm_vtdm.c  Virtual card: audio both ways, clock, under- and
 *  overruns, signalling of FXS, FXO and E1, region checks, corrupt
 *  indices, two threads, two processes, no allocation after open */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "hal/tdm.h"
#include "hal/vtdm.h"
#include "rtos-kernel/rtk.h"
#include "rtos-kernel/task.h"

#define R VTDM_RING_SAMPLES

/* span 0: fxs:2, span 1: fxo:2, span 2: e1:30 (channels 0..33 far side) */
#define FXS0	0
#define FXO0	2
#define E1_0	4

struct fx {
	int fd;
	struct tdm *t;
	struct vtdm_far *f;
};

static struct fx fx;

static int setup(void **state)
{
	struct tdm_layout l;

	(void)state;
	memset(&fx, 0, sizeof(fx));
	assert_int_equal(tdm_layout_parse("fxs:2,fxo:2,e1:30", &l, NULL, 0), 0);
	assert_int_equal(vtdm_create(&fx.fd, &l), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fx.t = tdm_close(fx.t);
	fx.f = vtdm_far_detach(fx.f);
	close(fx.fd);
	return 0;
}

static void open_both(void)
{
	struct tdm_cfg cfg = { .kind = TDM_VTDM, .fd = fx.fd };
	char err[200];

	assert_int_equal(tdm_open(&fx.t, &cfg), 0);
	assert_int_equal(vtdm_attach_far(&fx.f, fx.fd, err, sizeof(err)), 0);
}

static int next_event(struct tdm_event *ev)
{
	tdm_ticks(fx.t);
	return tdm_event_get(fx.t, ev);
}

static void expect_event(unsigned span, unsigned chan, enum tdm_ev type)
{
	struct tdm_event ev;

	assert_int_equal(next_event(&ev), 0);
	assert_string_equal(tdm_ev_name(ev.type), tdm_ev_name(type));
	assert_int_equal(ev.span, span);
	assert_int_equal(ev.chan, chan);
}

static void expect_no_event(void)
{
	struct tdm_event ev;

	assert_int_equal(next_event(&ev), -EAGAIN);
}

static void test_vtdm_layout_and_spans(void **state)
{
	struct tdm_span_info si;
	struct tdm_layout l;

	(void)state;
	open_both();
	assert_int_equal(tdm_span_count(fx.t), 3);
	assert_int_equal(tdm_span_info(fx.t, 2, &si), 0);
	assert_string_equal(si.name, "vtdm/2");
	assert_int_equal(si.sig, TDM_SIG_E1);
	assert_int_equal(si.nchans, 30);
	assert_int_equal(tdm_span_info(fx.t, 3, &si), -EINVAL);
	vtdm_far_layout(fx.f, &l);
	assert_int_equal(l.nspans, 3);
	assert_int_equal(vtdm_far_nchans(fx.f), 34);
	assert_int_equal(vtdm_far_chan(fx.f, 2, 29), 33);
	assert_int_equal(vtdm_far_chan(fx.f, 1, 2), -EINVAL);
	assert_true(tdm_fd(fx.t) >= 0);
}

/* far -> card and card -> far, many times round the rings, on two
 * channels at once so that one channel's data cannot leak into another */
static void test_vtdm_samples_cross_intact_in_order(void **state)
{
	int16_t in[TDM_CHUNK], out[TDM_CHUNK], buf[64];
	uint16_t fseq = 0, cseq = 0, fgot = 0, cgot = 0;
	struct tdm_stats st;
	int i, k;

	(void)state;
	open_both();
	for (i = 0; i < 20000; i++) {	/* 160000 samples: 78 rings */
		for (k = 0; k < TDM_CHUNK; k++)
			buf[k] = (int16_t)fseq++;
		assert_int_equal(vtdm_far_write(fx.f, E1_0 + 7, buf,
						TDM_CHUNK), TDM_CHUNK);
		assert_int_equal(tdm_read(fx.t, 2, 7, in, TDM_CHUNK), 0);
		for (k = 0; k < TDM_CHUNK; k++)
			assert_int_equal((uint16_t)in[k], cgot++);
		for (k = 0; k < TDM_CHUNK; k++)
			out[k] = (int16_t)(cseq++ ^ 0x5555);
		assert_int_equal(tdm_write(fx.t, 0, 1, out, TDM_CHUNK), 0);
		if (i % 3 == 2) {	/* the far end reads in bigger bites */
			size_t n = vtdm_far_read(fx.f, FXS0 + 1, buf, 64);

			assert_int_equal(n, 3 * TDM_CHUNK);
			for (size_t j = 0; j < n; j++)
				assert_int_equal((uint16_t)buf[j],
						 (uint16_t)(fgot++ ^ 0x5555));
		}
	}
	tdm_stats_get(fx.t, &st);
	assert_int_equal(st.rx_underruns, 0);
	assert_int_equal(st.tx_overruns, 0);
	/* the others channels saw nothing */
	assert_int_equal(vtdm_far_read(fx.f, FXS0, buf, 64), 0);
	assert_int_equal(vtdm_far_queued(fx.f, E1_0 + 6), 0);
}

/* Blocks of 1 to 40 chunks (the caller's block size) cross both ways in
 * order; a block the far end has not filled yet ends in silence, counted
 * as an underrun, and the next block goes on where the far end is. */
static void test_vtdm_blocks_of_chunks_in_order(void **state)
{
	int16_t blk[TDM_BLOCK_MAX], buf[TDM_BLOCK_MAX];
	uint16_t wseq = 0, rseq = 0, cseq = 0, fgot = 0;
	struct tdm_stats st;
	unsigned n, k;
	size_t got;

	(void)state;
	open_both();
	for (int i = 0; i < 400; i++) {
		n = (unsigned)(i % 40 + 1) * TDM_CHUNK;
		for (k = 0; k < n; k++)
			buf[k] = (int16_t)wseq++;
		assert_int_equal(vtdm_far_write(fx.f, E1_0 + 3, buf, n), n);
		assert_int_equal(tdm_read(fx.t, 2, 3, blk, n), 0);
		for (k = 0; k < n; k++)
			assert_int_equal((uint16_t)blk[k], rseq++);
		for (k = 0; k < n; k++)
			blk[k] = (int16_t)(cseq++ ^ 0x1234);
		assert_int_equal(tdm_write(fx.t, 2, 3, blk, n), 0);
		while ((got = vtdm_far_read(fx.f, E1_0 + 3, buf, 100)) > 0)
			for (size_t j = 0; j < got; j++)
				assert_int_equal((uint16_t)buf[j],
						 (uint16_t)(fgot++ ^ 0x1234));
	}
	assert_int_equal(fgot, cseq);
	tdm_stats_get(fx.t, &st);
	assert_int_equal(st.rx_underruns, 0);
	assert_int_equal(st.tx_overruns, 0);

	for (k = 0; k < 3 * TDM_CHUNK; k++)
		buf[k] = (int16_t)wseq++;
	assert_int_equal(vtdm_far_write(fx.f, E1_0 + 3, buf, 3 * TDM_CHUNK),
			 3 * TDM_CHUNK);
	assert_int_equal(tdm_read(fx.t, 2, 3, blk, 20 * TDM_CHUNK), 0);
	for (k = 0; k < 3 * TDM_CHUNK; k++)
		assert_int_equal((uint16_t)blk[k], rseq++);
	for (; k < 20 * TDM_CHUNK; k++)
		assert_int_equal(blk[k], 0);
	tdm_stats_get(fx.t, &st);
	assert_int_equal(st.rx_underruns, 17 * TDM_CHUNK);
	buf[0] = (int16_t)wseq;
	assert_int_equal(vtdm_far_write(fx.f, E1_0 + 3, buf, 1), 1);
	assert_int_equal(tdm_read(fx.t, 2, 3, blk, TDM_CHUNK), 0);
	assert_int_equal((uint16_t)blk[0], rseq);
}

/* Odd bites and an odd starting point: samples cross the rows of the
 * interleaved rings (vtdm.h) and wrap around, in order both ways, and the
 * neighbouring channel's column keeps its own stream. */
static void test_vtdm_odd_bites_cross_rows_in_order(void **state)
{
	int16_t buf[13], in[TDM_CHUNK], out[TDM_CHUNK];
	uint16_t wseq = 0, rseq = 0, nseq = 0, ngot = 0, cseq = 0, fgot = 0;
	struct tdm_stats st;
	size_t n;
	int i, k;

	(void)state;
	open_both();
	for (k = 0; k < 3; k++)
		buf[k] = (int16_t)wseq++;
	assert_int_equal(vtdm_far_write(fx.f, E1_0 + 7, buf, 3), 3);
	/* 3, then silence */
	assert_int_equal(tdm_read(fx.t, 2, 7, in, TDM_CHUNK), 0);
	for (k = 0; k < 3; k++)
		assert_int_equal((uint16_t)in[k], rseq++);
	for (; k < TDM_CHUNK; k++)
		assert_int_equal(in[k], 0);
	for (i = 0; i < 5000; i++) {	/* 65000 samples: 31 rings */
		for (k = 0; k < 13; k++)
			buf[k] = (int16_t)wseq++;
		assert_int_equal(vtdm_far_write(fx.f, E1_0 + 7, buf, 13), 13);
		for (k = 0; k < 13; k++)
			buf[k] = (int16_t)(nseq++ ^ 0x2aaa);
		assert_int_equal(vtdm_far_write(fx.f, E1_0 + 8, buf, 13), 13);
		while (vtdm_far_queued(fx.f, E1_0 + 7) >= TDM_CHUNK) {
			assert_int_equal(tdm_read(fx.t, 2, 7, in, TDM_CHUNK), 0);
			for (k = 0; k < TDM_CHUNK; k++)
				assert_int_equal((uint16_t)in[k], rseq++);
			assert_int_equal(tdm_read(fx.t, 2, 8, in, TDM_CHUNK), 0);
			for (k = 0; k < TDM_CHUNK; k++)
				assert_int_equal((uint16_t)in[k],
						 (uint16_t)(ngot++ ^ 0x2aaa));
			for (k = 0; k < TDM_CHUNK; k++)
				out[k] = (int16_t)(cseq++ ^ 0x5555);
			assert_int_equal(tdm_write(fx.t, 2, 7, out, TDM_CHUNK), 0);
		}
		while ((n = vtdm_far_read(fx.f, E1_0 + 7, buf, 11)) > 0)
			for (size_t j = 0; j < n; j++)
				assert_int_equal((uint16_t)buf[j],
						 (uint16_t)(fgot++ ^ 0x5555));
	}
	assert_true(rseq > 60000);
	assert_int_equal(fgot, cseq);
	tdm_stats_get(fx.t, &st);
	assert_int_equal(st.rx_underruns, TDM_CHUNK - 3);
	assert_int_equal(st.tx_overruns, 0);
	assert_int_equal(vtdm_far_read(fx.f, E1_0 + 8, buf, 13), 0);
}

static void test_vtdm_underrun_gives_silence_and_counts(void **state)
{
	int16_t pcm[TDM_CHUNK], three[3] = { 7, 8, 9 };
	struct vtdm_chan_stats cs;
	struct tdm_stats st;

	(void)state;
	open_both();
	memset(pcm, 0x55, sizeof(pcm));
	assert_int_equal(tdm_read(fx.t, 1, 0, pcm, TDM_CHUNK), 0);
	for (int k = 0; k < TDM_CHUNK; k++)
		assert_int_equal(pcm[k], 0);
	assert_int_equal(vtdm_far_write(fx.f, FXO0, three, 3), 3);
	assert_int_equal(tdm_read(fx.t, 1, 0, pcm, TDM_CHUNK), 0);
	assert_int_equal(pcm[0], 7);
	assert_int_equal(pcm[2], 9);
	assert_int_equal(pcm[3], 0);
	tdm_stats_get(fx.t, &st);
	assert_int_equal(st.rx_underruns, TDM_CHUNK + TDM_CHUNK - 3);
	vtdm_far_chan_stats(fx.f, FXO0, &cs);
	assert_int_equal(cs.card_underruns, TDM_CHUNK + TDM_CHUNK - 3);
}

static void test_vtdm_overrun_when_far_does_not_read(void **state)
{
	int16_t pcm[TDM_CHUNK] = { 1, 2, 3, 4, 5, 6, 7, 8 }, buf[16];
	struct vtdm_chan_stats cs;
	struct tdm_stats st;
	unsigned i;

	(void)state;
	open_both();
	for (i = 0; i < R / TDM_CHUNK + 10; i++)
		assert_int_equal(tdm_write(fx.t, 2, 0, pcm, TDM_CHUNK), 0);
	tdm_stats_get(fx.t, &st);
	assert_int_equal(st.tx_overruns, 10 * TDM_CHUNK);
	vtdm_far_chan_stats(fx.f, E1_0, &cs);
	assert_int_equal(cs.card_overruns, 10 * TDM_CHUNK);
	assert_int_equal(cs.to_far, R);
	/* what was queued is intact: the oldest samples, not the newest */
	assert_int_equal(vtdm_far_read(fx.f, E1_0, buf, 16), 16);
	assert_int_equal(buf[0], 1);
	assert_int_equal(buf[15], 8);
	/* and the far end's own overflow is counted on its side */
	for (i = 0; i < R / TDM_CHUNK; i++)
		vtdm_far_write(fx.f, E1_0, pcm, TDM_CHUNK);
	assert_int_equal(vtdm_far_write(fx.f, E1_0, pcm, TDM_CHUNK), 0);
	vtdm_far_chan_stats(fx.f, E1_0, &cs);
	assert_int_equal(cs.far_drops, TDM_CHUNK);
}

static void test_vtdm_clock_ticks_and_late_ticks(void **state)
{
	struct pollfd p;
	struct vtdm_card_info ci;
	struct tdm_stats st;
	unsigned n = 0;

	(void)state;
	open_both();
	p.fd = tdm_fd(fx.t);
	p.events = POLLIN;
	assert_int_equal(poll(&p, 1, 1000), 1);	/* the first tick */
	n += tdm_ticks(fx.t);
	assert_true(n >= 1);
	usleep(30000);		/* 30 ticks pass unprocessed: most late */
	n += tdm_ticks(fx.t);
	tdm_stats_get(fx.t, &st);
	assert_int_equal(st.ticks, n);
	assert_true(n >= 30);
	assert_true(st.late_ticks >= 20 && st.late_ticks <= n);
	/* those due 20 ms or more before (the first ~10) missed their
	 * frame's deadline; the last 20 did not */
	assert_true(st.frame_late_ticks >= 5 && st.frame_late_ticks <= n - 20);
	vtdm_far_card_info(fx.f, &ci);
	assert_int_equal(ci.ticks, n);
	assert_int_equal(ci.pid, (uint32_t)getpid());
	assert_int_equal(ci.opens, 1);
}

static void test_vtdm_fxs_offhook_flash_onhook(void **state)
{
	struct tdm_stats st;
	struct tdm_event ev;
	uint64_t down;

	(void)state;
	open_both();
	expect_no_event();
	vtdm_far_state_set(fx.f, FXS0 + 1, VTDM_F_OFFHOOK);
	expect_event(0, 1, TDM_EV_OFFHOOK);
	/* a short on-hook is a flash: no ONHOOK, one FLASH */
	vtdm_far_state_set(fx.f, FXS0 + 1, 0);
	expect_no_event();
	usleep(20000);
	vtdm_far_state_set(fx.f, FXS0 + 1, VTDM_F_OFFHOOK);
	expect_event(0, 1, TDM_EV_FLASH);
	expect_no_event();
	/* a long one is a hang-up, stamped with the tick it began */
	tdm_ticks(fx.t);
	vtdm_far_state_set(fx.f, FXS0 + 1, 0);
	tdm_ticks(fx.t);
	tdm_stats_get(fx.t, &st);
	down = st.ticks;
	usleep((VTDM_FLASH_MS + 100) * 1000);
	assert_int_equal(next_event(&ev), 0);
	assert_int_equal(ev.type, TDM_EV_ONHOOK);
	assert_int_equal(ev.tick, down);
	expect_no_event();
}

static void test_vtdm_fxs_ring_and_ring_trip(void **state)
{
	(void)state;
	open_both();
	assert_int_equal(tdm_command(fx.t, 0, 0, TDM_CMD_RING_ON), 0);
	assert_int_equal(vtdm_far_card_state(fx.f, FXS0), VTDM_C_RING);
	assert_int_equal(tdm_command(fx.t, 0, 0, TDM_CMD_RING_OFF), 0);
	assert_int_equal(vtdm_far_card_state(fx.f, FXS0), 0);
	assert_int_equal(tdm_command(fx.t, 0, 0, TDM_CMD_RING_ON), 0);
	vtdm_far_state_set(fx.f, FXS0, VTDM_F_OFFHOOK);	/* answered */
	expect_event(0, 0, TDM_EV_OFFHOOK);
	assert_int_equal(vtdm_far_card_state(fx.f, FXS0), 0);
	/* ringing an off-hook phone does nothing */
	assert_int_equal(tdm_command(fx.t, 0, 0, TDM_CMD_RING_ON), 0);
	assert_int_equal(vtdm_far_card_state(fx.f, FXS0), 0);
	assert_int_equal(tdm_command(fx.t, 0, 0, TDM_CMD_SEIZE), -EINVAL);
	assert_int_equal(tdm_command(fx.t, 0, 2, TDM_CMD_RING_ON), -EINVAL);
}

static void test_vtdm_fxo_ring_seize_answer_disconnect(void **state)
{
	(void)state;
	open_both();
	vtdm_far_state_set(fx.f, FXO0 + 1, VTDM_F_RING);
	expect_event(1, 1, TDM_EV_RING);
	vtdm_far_state_set(fx.f, FXO0 + 1, 0);
	expect_event(1, 1, TDM_EV_RING_STOP);
	assert_int_equal(tdm_command(fx.t, 1, 1, TDM_CMD_SEIZE), 0);
	assert_int_equal(vtdm_far_card_state(fx.f, FXO0 + 1), VTDM_C_OFFHOOK);
	vtdm_far_state_set(fx.f, FXO0 + 1, VTDM_F_ANSWER);
	expect_event(1, 1, TDM_EV_ANSWER);
	vtdm_far_state_set(fx.f, FXO0 + 1, VTDM_F_ANSWER | VTDM_F_DISC);
	expect_event(1, 1, TDM_EV_CLEAR);
	assert_int_equal(tdm_command(fx.t, 1, 1, TDM_CMD_RELEASE), 0);
	assert_int_equal(vtdm_far_card_state(fx.f, FXO0 + 1), 0);
	vtdm_far_state_set(fx.f, FXO0 + 1, 0);	/* CO resets: no event */
	expect_no_event();
	assert_int_equal(tdm_command(fx.t, 1, 0, TDM_CMD_RING_ON), -EINVAL);
	assert_int_equal(tdm_command(fx.t, 1, 0, TDM_CMD_ANSWER), -EINVAL);
}

static void test_vtdm_e1_incoming_and_outgoing(void **state)
{
	(void)state;
	open_both();
	/* incoming: far seizes, we answer, far clears */
	vtdm_far_state_set(fx.f, E1_0 + 29, VTDM_E1_SEIZED);
	expect_event(2, 29, TDM_EV_SEIZE);
	assert_int_equal(tdm_command(fx.t, 2, 29, TDM_CMD_ANSWER), 0);
	assert_int_equal(vtdm_far_card_state(fx.f, E1_0 + 29),
			 VTDM_E1_ANSWERED);
	vtdm_far_state_set(fx.f, E1_0 + 29, VTDM_E1_IDLE);
	expect_event(2, 29, TDM_EV_CLEAR);
	assert_int_equal(tdm_command(fx.t, 2, 29, TDM_CMD_CLEAR), 0);
	assert_int_equal(vtdm_far_card_state(fx.f, E1_0 + 29), VTDM_E1_IDLE);
	/* refused: far seizes, we clear before answering; the card's word
	 * says so until the far end releases, then goes back to idle */
	vtdm_far_state_set(fx.f, E1_0 + 28, VTDM_E1_SEIZED);
	expect_event(2, 28, TDM_EV_SEIZE);
	assert_int_equal(tdm_command(fx.t, 2, 28, TDM_CMD_CLEAR), 0);
	assert_int_equal(vtdm_far_card_state(fx.f, E1_0 + 28),
			 VTDM_E1_CLEARED);
	assert_int_equal(tdm_command(fx.t, 2, 28, TDM_CMD_CLEAR), 0);
	expect_no_event();
	assert_int_equal(vtdm_far_card_state(fx.f, E1_0 + 28),
			 VTDM_E1_CLEARED);
	vtdm_far_state_set(fx.f, E1_0 + 28, VTDM_E1_IDLE);
	expect_event(2, 28, TDM_EV_CLEAR);
	assert_int_equal(vtdm_far_card_state(fx.f, E1_0 + 28), VTDM_E1_IDLE);
	/* outgoing: we seize, far answers, we release */
	assert_int_equal(tdm_command(fx.t, 2, 0, TDM_CMD_SEIZE), 0);
	assert_int_equal(vtdm_far_card_state(fx.f, E1_0), VTDM_E1_SEIZED);
	vtdm_far_state_set(fx.f, E1_0, VTDM_E1_ANSWERED);
	expect_event(2, 0, TDM_EV_ANSWER);
	assert_int_equal(tdm_command(fx.t, 2, 0, TDM_CMD_RELEASE), 0);
	assert_int_equal(vtdm_far_card_state(fx.f, E1_0), VTDM_E1_IDLE);
	vtdm_far_state_set(fx.f, E1_0, 7);	/* nonsense: ignored */
	expect_no_event();
	assert_int_equal(tdm_command(fx.t, 2, 0, TDM_CMD_RING_ON), -EINVAL);
}

static void test_vtdm_state_at_open_is_reported_and_close_resets(void **state)
{
	struct tdm_cfg cfg = { .kind = TDM_VTDM, .fd = fx.fd };
	struct vtdm_card_info ci;
	char err[200];

	(void)state;
	assert_int_equal(vtdm_attach_far(&fx.f, fx.fd, err, sizeof(err)), 0);
	vtdm_far_state_set(fx.f, FXS0, VTDM_F_OFFHOOK);
	vtdm_far_state_set(fx.f, FXO0, VTDM_F_RING);
	vtdm_far_state_set(fx.f, E1_0 + 3, VTDM_E1_SEIZED);
	vtdm_far_state_set(fx.f, E1_0 + 4, VTDM_E1_ANSWERED);
	assert_int_equal(tdm_open(&fx.t, &cfg), 0);
	expect_event(0, 0, TDM_EV_OFFHOOK);
	assert_int_equal(tdm_event_get(fx.t, &(struct tdm_event){ 0 }), 0);
	assert_int_equal(tdm_event_get(fx.t, &(struct tdm_event){ 0 }), 0);
	assert_int_equal(tdm_event_get(fx.t, &(struct tdm_event){ 0 }),
			 -EAGAIN);
	assert_int_equal(tdm_command(fx.t, 1, 1, TDM_CMD_SEIZE), 0);
	fx.t = tdm_close(fx.t);
	assert_int_equal(vtdm_far_card_state(fx.f, FXO0 + 1), 0);
	vtdm_far_card_info(fx.f, &ci);
	assert_int_equal(ci.pid, 0);
}

/* a card that opens a region another left without closing it (an RT
 * partition restarted after a crash) takes the lines over as they are:
 * the far end sees no release, and the new card drives them */
static void test_vtdm_open_takes_lines_over(void **state)
{
	struct tdm_cfg cfg = { .kind = TDM_VTDM, .fd = fx.fd };
	struct tdm *t2 = NULL;

	(void)state;
	open_both();
	assert_int_equal(tdm_command(fx.t, 0, 1, TDM_CMD_RING_ON), 0);
	assert_int_equal(tdm_command(fx.t, 1, 1, TDM_CMD_SEIZE), 0);
	assert_int_equal(tdm_command(fx.t, 2, 5, TDM_CMD_SEIZE), 0);
	vtdm_far_state_set(fx.f, E1_0 + 5, VTDM_E1_ANSWERED);
	expect_event(2, 5, TDM_EV_ANSWER);
	assert_int_equal(tdm_open(&t2, &cfg), 0);
	assert_int_equal(vtdm_far_card_state(fx.f, FXS0 + 1), VTDM_C_RING);
	assert_int_equal(vtdm_far_card_state(fx.f, FXO0 + 1), VTDM_C_OFFHOOK);
	assert_int_equal(vtdm_far_card_state(fx.f, E1_0 + 5), VTDM_E1_SEIZED);
	/* the answered E1 call is not reported again; the new card drives
	 * the lines it took over */
	tdm_ticks(t2);
	assert_int_equal(tdm_event_get(t2, &(struct tdm_event){ 0 }), -EAGAIN);
	assert_int_equal(tdm_command(t2, 1, 1, TDM_CMD_RELEASE), 0);
	assert_int_equal(vtdm_far_card_state(fx.f, FXO0 + 1), 0);
	assert_int_equal(vtdm_far_card_state(fx.f, FXS0 + 1), VTDM_C_RING);
	t2 = tdm_close(t2);	/* an orderly close releases them all */
	assert_int_equal(vtdm_far_card_state(fx.f, FXS0 + 1), 0);
	assert_int_equal(vtdm_far_card_state(fx.f, E1_0 + 5), VTDM_E1_IDLE);
}

static size_t region_bytes(void)
{
	struct tdm_layout l;

	assert_int_equal(tdm_layout_parse("fxs:2,fxo:2,e1:30", &l, NULL, 0), 0);
	return vtdm_region_size(&l, R);
}

static void *map_fd(int fd)
{
	void *p = mmap(NULL, region_bytes(), PROT_READ | PROT_WRITE,
		       MAP_SHARED, fd, 0);

	assert_true(p != MAP_FAILED);
	return p;
}

static int try_open(char *err, size_t len, int *card_rc)
{
	struct tdm_cfg cfg = { .kind = TDM_VTDM, .fd = fx.fd };
	struct tdm *t = NULL;
	struct vtdm_far *f = NULL;
	int rc;

	*card_rc = tdm_open(&t, &cfg);
	t = tdm_close(t);
	rc = vtdm_attach_far(&f, fx.fd, err, len);
	vtdm_far_detach(f);
	return rc;
}

static void test_vtdm_refuses_other_version_and_corrupt_layout(void **state)
{
	struct vtdm_shm_hdr *h = map_fd(fx.fd), save = { 0 };
	char err[200];
	int card;

	(void)state;
	memcpy(&save, h, offsetof(struct vtdm_shm_hdr, card_pid));
	h->version = VTDM_VERSION - 1;	/* channel blocks with their rings */
	assert_int_equal(try_open(err, sizeof(err), &card), -EPROTO);
	assert_int_equal(card, -EPROTO);
	assert_non_null(strstr(err, "version 2"));
	h->version = VTDM_VERSION;
	h->magic = 0x12345678;
	assert_int_equal(try_open(err, sizeof(err), &card), -EPROTO);
	assert_non_null(strstr(err, "not a vtdm card"));
	h->magic = VTDM_MAGIC;
	h->nchans = 33;
	assert_int_equal(try_open(err, sizeof(err), &card), -EBADMSG);
	assert_int_equal(card, -EBADMSG);
	assert_non_null(strstr(err, "34"));
	h->nchans = 34;
	h->span[2].nchans = 31;
	assert_int_equal(try_open(err, sizeof(err), &card), -EBADMSG);
	assert_non_null(strstr(err, "e1 has 1 to 30 channels"));
	h->span[2].nchans = 30;
	h->nspans = TDM_MAX_SPANS + 1;
	assert_int_equal(try_open(err, sizeof(err), &card), -EBADMSG);
	assert_non_null(strstr(err, "1 to 64 spans, not 65"));
	h->nspans = 3;
	h->ring_samples = 3000;
	assert_int_equal(try_open(err, sizeof(err), &card), -EBADMSG);
	assert_non_null(strstr(err, "power of two"));
	h->ring_samples = R;
	h->chan_stride += 64;
	assert_int_equal(try_open(err, sizeof(err), &card), -EBADMSG);
	h->chan_stride -= 64;
	h->rings_off -= 64;
	assert_int_equal(try_open(err, sizeof(err), &card), -EBADMSG);
	assert_non_null(strstr(err, "rings (at"));
	h->rings_off += 64;
	h->region_size += 4096;
	assert_int_equal(try_open(err, sizeof(err), &card), -EBADMSG);
	h->region_size -= 4096;
	assert_int_equal(try_open(err, sizeof(err), &card), 0);
	assert_int_equal(card, 0);
	assert_int_equal(memcmp(&save, h, offsetof(struct vtdm_shm_hdr,
						   card_pid)), 0);
	/* not a region at all */
	assert_int_equal(vtdm_attach_far(&fx.f, -1, err, sizeof(err)), -EBADF);
	assert_int_equal(vtdm_check(h, 16, err, sizeof(err)), -EBADMSG);
	munmap(h, region_bytes());
	assert_non_null(strstr(err, "smaller than"));
}

static void test_vtdm_corrupt_indices_resync(void **state)
{
	uint8_t *base = map_fd(fx.fd);
	struct vtdm_shm_hdr *h = (struct vtdm_shm_hdr *)base;
	struct vtdm_far_ctl *far;
	struct vtdm_card_ctl *card;
	int16_t pcm[TDM_CHUNK] = { 1 }, buf[TDM_CHUNK];
	struct vtdm_chan_stats cs;

	(void)state;
	open_both();
	card = (struct vtdm_card_ctl *)(base + h->chans_off);
	far = (struct vtdm_far_ctl *)(base + h->chans_off + 64);
	atomic_store(&far->f2c_head, 123456789u);	/* a wild far end */
	atomic_store(&far->c2f_tail, 987654321u);
	assert_int_equal(tdm_read(fx.t, 0, 0, buf, TDM_CHUNK), 0);
	assert_int_equal(buf[0], 0);
	assert_int_equal(tdm_write(fx.t, 0, 0, pcm, TDM_CHUNK), 0);
	vtdm_far_chan_stats(fx.f, FXS0, &cs);
	assert_int_equal(cs.card_resyncs, 2);
	/* and a wild card seen by the far end */
	atomic_store(&card->c2f_head, 5u);
	atomic_store(&card->f2c_tail, 77777777u);
	vtdm_far_read(fx.f, FXS0, buf, TDM_CHUNK);
	vtdm_far_write(fx.f, FXS0, pcm, TDM_CHUNK);
	vtdm_far_chan_stats(fx.f, FXS0, &cs);
	assert_true(cs.far_resyncs >= 1);
	munmap(base, region_bytes());
}

static void test_vtdm_event_queue_overflow_counts(void **state)
{
	struct tdm_stats st;
	int i, n = 0;

	(void)state;
	open_both();
	for (i = 0; i < 200; i++) {
		vtdm_far_state_set(fx.f, FXO0, VTDM_F_RING);
		tdm_ticks(fx.t);
		vtdm_far_state_set(fx.f, FXO0, 0);
		tdm_ticks(fx.t);
	}
	while (!tdm_event_get(fx.t, &(struct tdm_event){ 0 }))
		n++;
	tdm_stats_get(fx.t, &st);
	assert_int_equal(n, 256);
	assert_int_equal(st.events, 256);
	assert_int_equal(st.events_lost, 400 - 256);
}

static void test_vtdm_one_far_end_at_a_time(void **state)
{
	int go[2], done[2], status;
	struct vtdm_far *f = NULL;
	char err[200], c;
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(done), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		struct vtdm_far *cf = NULL;

		if (vtdm_attach_far(&cf, fx.fd, NULL, 0))
			_exit(1);
		if (write(go[1], "x", 1) != 1 || read(done[0], &c, 1) != 1)
			_exit(2);
		_exit(0);	/* dies attached: its seat is free again */
	}
	assert_int_equal(read(go[0], &c, 1), 1);
	assert_int_equal(vtdm_attach_far(&f, fx.fd, err, sizeof(err)),
			 -EBUSY);
	assert_non_null(strstr(err, "already attached"));
	assert_int_equal(write(done[1], "x", 1), 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(vtdm_attach_far(&fx.f, fx.fd, err, sizeof(err)), 0);
	close(go[0]);
	close(go[1]);
	close(done[0]);
	close(done[1]);
}

/* --- two threads: the far end's 1 ms loop against the card's clock ----- */

static _Atomic bool far_stop;
static _Atomic uint64_t far_bad;

static void *far_loop(void *arg)
{
	struct vtdm_far *f = arg;
	int16_t buf[512];
	uint16_t wseq = 0, rseq = 0;

	while (!atomic_load(&far_stop)) {
		size_t q = vtdm_far_queued(f, E1_0 + 1), n, i;

		if (q < 160) {		/* keep 20 ms ahead */
			n = 160 - q;
			for (i = 0; i < n; i++)
				buf[i] = (int16_t)wseq++;
			vtdm_far_write(f, E1_0 + 1, buf, n);
		}
		n = vtdm_far_read(f, E1_0 + 1, buf, 512);
		for (i = 0; i < n; i++)
			if ((uint16_t)buf[i] != rseq++)
				atomic_fetch_add(&far_bad, 1);
		usleep(1000);
	}
	return NULL;
}

static void test_vtdm_two_threads_keep_order(void **state)
{
	int16_t pcm[TDM_CHUNK];
	uint16_t seq = 0, out = 0;
	struct tdm_stats st;
	struct pollfd p;
	pthread_t th;
	unsigned total = 0, n, i, valid;
	uint64_t before;

	(void)state;
	open_both();
	atomic_store(&far_stop, false);
	atomic_store(&far_bad, 0);
	assert_int_equal(pthread_create(&th, NULL, far_loop, fx.f), 0);
	p.fd = tdm_fd(fx.t);
	p.events = POLLIN;
	while (total < 300) {
		assert_int_equal(poll(&p, 1, 1000), 1);
		n = tdm_ticks(fx.t);
		total += n;
		for (i = 0; i < n; i++) {
			/* samples the far end did not supply in time are the
			 * silence at the end of the chunk, and counted */
			tdm_stats_get(fx.t, &st);
			before = st.rx_underruns;
			tdm_read(fx.t, 2, 1, pcm, TDM_CHUNK);
			tdm_stats_get(fx.t, &st);
			valid = TDM_CHUNK -
				(unsigned)(st.rx_underruns - before);
			for (unsigned k = 0; k < valid; k++)
				assert_int_equal((uint16_t)pcm[k], seq++);
			for (int k = 0; k < TDM_CHUNK; k++)
				pcm[k] = (int16_t)out++;
			tdm_write(fx.t, 2, 1, pcm, TDM_CHUNK);
		}
	}
	atomic_store(&far_stop, true);
	pthread_join(th, NULL);
	assert_int_equal(atomic_load(&far_bad), 0);
	assert_true(seq > 1000);
	tdm_stats_get(fx.t, &st);
	assert_int_equal(st.tx_overruns, 0);
}

/* --- no allocation by an RT task after open ---------------------------- */

static _Atomic int rt_runs;

static void rt_fn(unsigned wake, void *arg)
{
	int16_t pcm[TDM_CHUNK] = { 0 };
	struct tdm_event ev;
	unsigned n, i, s, c;

	(void)wake;
	(void)arg;
	n = tdm_ticks(fx.t);
	for (i = 0; i < n; i++)
		for (s = 0; s < tdm_span_count(fx.t); s++)
			for (c = 0; c < 2; c++) {
				tdm_read(fx.t, s, c, pcm, TDM_CHUNK);
				tdm_write(fx.t, s, c, pcm, TDM_CHUNK);
			}
	while (!tdm_event_get(fx.t, &ev))
		tdm_command(fx.t, ev.span, ev.chan, TDM_CMD_RING_OFF);
	tdm_command(fx.t, 1, 0, TDM_CMD_SEIZE);
	tdm_command(fx.t, 0, 0, TDM_CMD_RING_ON);
	atomic_fetch_add(&rt_runs, 1);
}

static void test_vtdm_rt_task_allocates_nothing(void **state)
{
	struct rtk_cfg cfg = { .no_rt = true };
	struct rtk_task_cfg tc = {
		.name = "tdm", .prio = 5, .period_ns = RTK_MS(1),
		.wake_fd = -1, .fn = rt_fn,
	};
	struct rtk_task *t = NULL;

	(void)state;
	open_both();
	atomic_store(&rt_runs, 0);
	assert_int_equal(rtk_init(&cfg), 0);
	assert_int_equal(rtk_task_create(&t, &tc), 0);
	assert_int_equal(rtk_start(), 0);
	for (int i = 0; i < 5000 && atomic_load(&rt_runs) < 50; i++) {
		vtdm_far_state_set(fx.f, FXS0, i & 16 ? VTDM_F_OFFHOOK : 0);
		usleep(1000);
	}
	assert_true(atomic_load(&rt_runs) >= 50);
	assert_int_equal(rtk_alloc_count(), 0);
	rtk_stop();
}

/* The largest card, 64 E1 spans (1920 lines): the last line of the last
 * span carries audio and signalling both ways; the region holds only the
 * configured lines */
static void test_vtdm_largest_card_last_line(void **state)
{
	int16_t in[TDM_CHUNK], out[TDM_CHUNK] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	int16_t buf[TDM_CHUNK];
	struct tdm_layout l;
	int idx;

	(void)state;
	close(fx.fd);
	assert_int_equal(tdm_layout_parse("e1:30*64", &l, NULL, 0), 0);
	assert_int_equal(vtdm_create(&fx.fd, &l), 0);
	/* 4096 + 1920 control blocks of 128 bytes: rings from 249856 */
	assert_int_equal(vtdm_region_size(&l, R),
			 249856 + 1920 * 4 * (size_t)R);
	open_both();
	assert_int_equal(tdm_span_count(fx.t), TDM_MAX_SPANS);
	assert_int_equal(tdm_span_chans(fx.t, TDM_MAX_SPANS - 1), 30);
	assert_int_equal(tdm_span_chans(fx.t, TDM_MAX_SPANS), 0);
	assert_int_equal(vtdm_far_nchans(fx.f), 1920);
	idx = vtdm_far_chan(fx.f, TDM_MAX_SPANS - 1, 29);
	assert_int_equal(idx, 1919);
	assert_int_equal(vtdm_far_chan(fx.f, TDM_MAX_SPANS - 1, 30), -EINVAL);
	assert_int_equal(vtdm_far_chan(fx.f, TDM_MAX_SPANS, 0), -EINVAL);
	assert_int_equal(vtdm_far_write(fx.f, (unsigned)idx, out, TDM_CHUNK),
			 TDM_CHUNK);
	assert_int_equal(tdm_read(fx.t, TDM_MAX_SPANS - 1, 29, in, TDM_CHUNK), 0);
	assert_memory_equal(in, out, sizeof(in));
	assert_int_equal(tdm_write(fx.t, TDM_MAX_SPANS - 1, 29, out, TDM_CHUNK), 0);
	assert_int_equal(vtdm_far_read(fx.f, (unsigned)idx, buf, TDM_CHUNK),
			 TDM_CHUNK);
	assert_memory_equal(buf, out, sizeof(buf));
	assert_int_equal(tdm_read(fx.t, TDM_MAX_SPANS, 0, in, TDM_CHUNK),
			 -EINVAL);
	assert_int_equal(tdm_read(fx.t, TDM_MAX_SPANS - 1, 30, in, TDM_CHUNK),
			 -EINVAL);
	vtdm_far_state_set(fx.f, (unsigned)idx, VTDM_E1_SEIZED);
	expect_event(TDM_MAX_SPANS - 1, 29, TDM_EV_SEIZE);
	assert_int_equal(tdm_command(fx.t, TDM_MAX_SPANS - 1, 29,
				     TDM_CMD_ANSWER), 0);
	assert_int_equal(vtdm_far_card_state(fx.f, (unsigned)idx),
			 VTDM_E1_ANSWERED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_vtdm_layout_and_spans),
		T(test_vtdm_samples_cross_intact_in_order),
		T(test_vtdm_odd_bites_cross_rows_in_order),
		T(test_vtdm_blocks_of_chunks_in_order),
		T(test_vtdm_underrun_gives_silence_and_counts),
		T(test_vtdm_overrun_when_far_does_not_read),
		T(test_vtdm_clock_ticks_and_late_ticks),
		T(test_vtdm_open_takes_lines_over),
		T(test_vtdm_fxs_offhook_flash_onhook),
		T(test_vtdm_fxs_ring_and_ring_trip),
		T(test_vtdm_fxo_ring_seize_answer_disconnect),
		T(test_vtdm_e1_incoming_and_outgoing),
		T(test_vtdm_state_at_open_is_reported_and_close_resets),
		T(test_vtdm_refuses_other_version_and_corrupt_layout),
		T(test_vtdm_corrupt_indices_resync),
		T(test_vtdm_event_queue_overflow_counts),
		T(test_vtdm_one_far_end_at_a_time),
		T(test_vtdm_two_threads_keep_order),
		T(test_vtdm_rt_task_allocates_nothing),
		T(test_vtdm_largest_card_last_line),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

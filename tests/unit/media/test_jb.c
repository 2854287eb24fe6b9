// SPDX-License-Identifier: MIT
/** @file test_jb.c  Jitter buffer: order, reordering, duplicates, loss,
 *  bursts, late packets, wrap-around, talkspurts, comfort noise, new SSRC,
 *  adaptation */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "media/jb.h"

#define MS		1000000ull
#define T0		(1000 * MS)	/* the first packet is sent then */
#define FRAME		20		/* ms */
#define STEP		160		/* RTP units per frame */
#define MAXPK		2048
#define SSRC_A		0x11223344u
#define SSRC_B		0x55667788u

struct pk {
	uint16_t seq;
	uint32_t ts;
	uint32_t ssrc;
	uint64_t at;		/* arrival */
	bool marker;
	bool audio;
	bool cn;		/* comfort noise at level (-dBov) */
	uint8_t level;
};

/* what one jb_get() gave: the result and, for a frame, its number */
struct out {
	enum jb_res res;
	int seq;
};

static struct jb jb;
static struct pk pks[MAXPK];
static struct out outs[MAXPK];

static void init_jb(uint16_t min_ms, uint16_t max_ms)
{
	struct jb_cfg c = {
		.clock_hz = 8000, .frame_ms = FRAME, .min_ms = min_ms,
		.max_ms = max_ms,
	};

	assert_int_equal(jb_init(&jb, &c), 0);
}

/* n packets sent every 20 ms from T0, numbered from seq0 / ts0, each
 * arriving @p delay_ms after it was sent */
static size_t stream(size_t at, size_t n, uint16_t seq0, uint32_t ts0,
		     uint64_t sent0, unsigned delay_ms)
{
	for (size_t i = 0; i < n; i++) {
		struct pk *p = &pks[at + i];

		memset(p, 0, sizeof(*p));
		p->seq = (uint16_t)(seq0 + i);
		p->ts = ts0 + (uint32_t)i * STEP;
		p->ssrc = SSRC_A;
		p->at = sent0 + i * FRAME * MS + delay_ms * MS;
		p->audio = true;
	}
	return at + n;
}

static void sort_by_arrival(size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct pk k = pks[i];
		size_t j = i;

		while (j && pks[j - 1].at > k.at) {
			pks[j] = pks[j - 1];
			j--;
		}
		pks[j] = k;
	}
}

static void put(const struct pk *p)
{
	uint8_t pay[160];
	struct jb_pkt jp = {
		.seq = p->seq, .ts = p->ts, .ssrc = p->ssrc,
		.marker = p->marker, .arrival_ns = p->at,
	};

	memset(pay, 0, sizeof(pay));
	pay[0] = (uint8_t)(p->seq >> 8);
	pay[1] = (uint8_t)p->seq;
	if (p->audio) {
		jp.payload = pay;
		jp.len = sizeof(pay);
	} else if (p->cn) {
		jp.cn = true;
		jp.payload = &p->level;
		jp.len = 1;
	}
	jb_put(&jb, &jp);
}

static size_t kpk;	/* the next packet to arrive */

/* Gets @p g0 to @p g1 (exclusive), get g at first + g * 20 ms; packets
 * are put as they arrive */
static void drive_range(size_t npk, uint64_t first, size_t g0, size_t g1)
{
	for (size_t g = g0; g < g1; g++) {
		uint64_t now = first + g * FRAME * MS;
		uint8_t buf[JB_PAYLOAD_MAX];
		size_t len;
		uint32_t dur;

		while (kpk < npk && pks[kpk].at <= now)
			put(&pks[kpk++]);
		outs[g].res = jb_get(&jb, now, buf, &len, &dur);
		outs[g].seq = -1;
		assert_int_equal(dur, STEP);
		if (outs[g].res == JB_FRAME) {
			assert_int_equal(len, 160);
			outs[g].seq = buf[0] << 8 | buf[1];
		} else if (outs[g].res == JB_CN) {
			assert_int_equal(len, 1);
			outs[g].seq = buf[0];	/* its level */
		} else {
			assert_int_equal(len, 0);
		}
	}
}

/* Play @p ngets frames, the first get at @p first, the packets sorted by
 * arrival first */
static void drive(size_t npk, uint64_t first, size_t ngets)
{
	sort_by_arrival(npk);
	kpk = 0;
	drive_range(npk, first, 0, ngets);
}

static size_t count(size_t n, enum jb_res r)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		c += outs[i].res == r;
	return c;
}

/* the frames returned, in order, are @p first, first + 1, ... except the
 * numbers in @p skip */
static void assert_frames(size_t n, int first, const int *skip, size_t nskip)
{
	int want = first;

	for (size_t i = 0; i < n; i++) {
		if (outs[i].res != JB_FRAME)
			continue;
		for (size_t s = 0; s < nskip; s++)
			if (want == skip[s])
				want++;
		assert_int_equal(outs[i].seq, want & 0xffff);
		want++;
	}
}

static struct jb_stats stats(void)
{
	struct jb_stats st;

	jb_stats_get(&jb, &st);
	return st;
}

/* --- basics --------------------------------------------------------------- */

static void test_jb_init_rejects_bad_config(void **state)
{
	struct jb_cfg c = { .clock_hz = 8000, .frame_ms = 20, .min_ms = 40,
			    .max_ms = 20 };
	struct jb_pkt p = { .len = JB_PAYLOAD_MAX + 1 };
	uint8_t pay[1];

	(void)state;
	assert_int_equal(jb_init(&jb, &c), -22);
	c.max_ms = 200;
	c.clock_hz = 0;
	assert_int_equal(jb_init(&jb, &c), -22);
	c.clock_hz = 8000;
	c.frame_ms = 0;
	assert_int_equal(jb_init(&jb, &c), -22);
	assert_int_equal(jb_init(NULL, &c), -22);
	c.frame_ms = 20;
	assert_int_equal(jb_init(&jb, &c), 0);
	p.payload = pay;
	assert_int_equal(jb_put(&jb, &p), JB_PUT_INVALID);
	p.len = 4;
	p.payload = NULL;
	assert_int_equal(jb_put(&jb, &p), JB_PUT_INVALID);
	assert_int_equal(stats().packets, 0);
}

static void test_jb_empty_before_first_packet(void **state)
{
	uint8_t buf[JB_PAYLOAD_MAX];
	size_t len = 7;
	uint32_t dur;

	(void)state;
	init_jb(40, 200);
	assert_int_equal(jb_get(&jb, T0, buf, &len, &dur), JB_EMPTY);
	assert_int_equal(len, 0);
	assert_int_equal(stats().played, 0);
}

static void test_jb_in_order_plays_everything_after_the_delay(void **state)
{
	struct jb_stats st;

	(void)state;
	init_jb(40, 200);
	stream(0, 50, 1000, 5000, T0, 1);
	/* gets 10 ms after each send: packet 0 arrives at T0 + 1 ms and
	 * plays at the first get 40 ms after that: T0 + 50 ms */
	drive(50, T0 + 10 * MS, 52);
	assert_int_equal(outs[0].res, JB_EMPTY);
	assert_int_equal(outs[1].res, JB_EMPTY);
	assert_int_equal(outs[2].res, JB_FRAME);
	assert_int_equal(outs[2].seq, 1000);
	assert_frames(52, 1000, NULL, 0);
	assert_int_equal(count(52, JB_FRAME), 50);
	st = stats();
	assert_int_equal(st.packets, 50);
	assert_int_equal(st.received, 50);
	assert_int_equal(st.expected, 50);
	assert_int_equal(st.lost, 0);
	assert_int_equal(st.played, 50);
	assert_int_equal(st.late, 0);
	assert_int_equal(st.duplicates, 0);
	assert_int_equal(st.reordered, 0);
	assert_int_equal(st.early, 0);
	assert_int_equal(st.inserted, 0);
	assert_int_equal(st.dropped, 0);
	assert_int_equal(st.jitter_ts, 0);
	assert_int_equal(st.target_ms, 40);
	assert_in_range(st.delay_ms, 40, 60);
	/* then the stream ends: a little concealment, then silence */
	drive_range(50, T0 + 10 * MS, 52, 60);
	assert_int_equal(count(60, JB_MISSING), 3);
	assert_int_equal(outs[59].res, JB_EMPTY);
	assert_int_equal(stats().concealed, 3);
}

static void test_jb_reordering_is_absorbed(void **state)
{
	struct jb_stats st;
	size_t n = stream(0, 60, 0, 0, T0, 5);

	(void)state;
	init_jb(40, 200);
	/* swap the arrival of 10 pairs: (5,6), (10,11), ... */
	for (size_t i = 5; i < 55; i += 5) {
		uint64_t t = pks[i].at;

		pks[i].at = pks[i + 1].at;
		pks[i + 1].at = t;
	}
	drive(n, T0 + 10 * MS, 65);
	assert_frames(65, 0, NULL, 0);
	assert_int_equal(count(65, JB_FRAME), 60);
	st = stats();
	assert_int_equal(st.reordered, 10);
	assert_int_equal(st.late, 0);
	assert_int_equal(st.lost, 0);
	assert_int_equal(st.played, 60);
	assert_int_equal(st.received, 60);
}

static void test_jb_duplicates_are_counted_and_dropped(void **state)
{
	struct jb_stats st;
	size_t n = stream(0, 40, 7, 0, T0, 2);

	(void)state;
	init_jb(40, 200);
	/* every 4th packet twice: once at once, once 30 ms later (played by
	 * then, so the bitmap, not the buffer, catches it) */
	for (size_t i = 0; i < 40; i += 4) {
		pks[n] = pks[i];
		pks[n].at += (i % 8 ? 1 : 30) * MS;
		n++;
	}
	drive(n, T0 + 10 * MS, 45);
	assert_frames(45, 7, NULL, 0);
	st = stats();
	assert_int_equal(st.duplicates, 10);
	assert_int_equal(st.packets, 50);
	assert_int_equal(st.received, 40);
	assert_int_equal(st.played, 40);
	assert_int_equal(st.late, 0);
	assert_int_equal(st.lost, 0);
}

static void test_jb_loss_is_concealed_and_counted(void **state)
{
	static const int lost[] = { 10, 11, 30 };
	struct jb_stats st;
	size_t n = 0;

	(void)state;
	init_jb(40, 200);
	stream(0, 50, 0, 0, T0, 3);
	for (size_t i = 0; i < 50; i++)	/* drop 10, 11, 30 */
		if (i != 10 && i != 11 && i != 30)
			pks[n++] = pks[i];
	drive(n, T0 + 10 * MS, 52);
	assert_frames(52, 0, lost, 3);
	/* frames play from get 2: frame k at get k + 2 */
	assert_int_equal(outs[12].res, JB_MISSING);
	assert_int_equal(outs[13].res, JB_MISSING);
	assert_int_equal(outs[32].res, JB_MISSING);
	st = stats();
	assert_int_equal(st.concealed, 3);
	assert_int_equal(st.lost, 3);
	assert_int_equal(st.expected, 50);
	assert_int_equal(st.received, 47);
	assert_int_equal(st.played, 47);
	assert_int_equal(st.late, 0);
}

static void test_jb_late_packet_is_concealed_then_dropped(void **state)
{
	struct jb_stats st;
	size_t n = stream(0, 40, 0, 0, T0, 2);

	(void)state;
	init_jb(40, 200);
	pks[20].at += 300 * MS;		/* long after its turn */
	drive(n, T0 + 10 * MS, 43);
	assert_int_equal(outs[22].res, JB_MISSING);
	assert_frames(43, 0, (const int[]){ 20 }, 1);
	st = stats();
	assert_int_equal(st.late, 1);
	assert_int_equal(st.concealed, 1);
	assert_int_equal(st.lost, 0);	/* it was received, late */
	assert_int_equal(st.played, 39);
	assert_int_equal(st.reordered, 1);
	/* the spike moved the jitter estimate: one frame inserted */
	assert_int_equal(st.inserted, 1);
	assert_int_equal(outs[35].res, JB_MISSING);
}

static void test_jb_burst_is_absorbed(void **state)
{
	struct jb_stats st;
	size_t n = stream(0, 300, 0, 0, T0, 1);
	size_t frames, missing;

	(void)state;
	init_jb(20, 300);
	/* the network holds packets and lets them go five at a time */
	for (size_t i = 0; i < n; i++)
		pks[i].at = T0 + (i / 5 * 5 + 4) * FRAME * MS + MS;
	drive(n, T0 + 10 * MS, 320);
	frames = count(320, JB_FRAME);
	missing = count(320, JB_MISSING);
	st = stats();
	/* whatever was not played was late, and concealed at its turn */
	assert_int_equal(st.played + st.late + st.dropped, 300);
	assert_int_equal(st.played, frames);
	assert_int_equal(st.concealed + st.inserted, missing);
	assert_int_equal(st.lost, 0);
	assert_true(st.target_ms >= 60);
	/* after adapting, the last four seconds play without a gap */
	for (size_t g = 100; g < 300; g++)
		assert_int_equal(outs[g].res == JB_MISSING &&
				 outs[g + 1].res == JB_FRAME, 0);
}

/* --- wrap-around ---------------------------------------------------- */

static void test_jb_sequence_and_timestamp_wrap(void **state)
{
	struct jb_stats st;
	size_t n = stream(0, 40, 65520, 0xffffff00u, T0, 2);

	(void)state;
	init_jb(40, 200);
	/* 65535 and 0 arrive swapped */
	pks[15].at += 21 * MS;
	drive(n, T0 + 10 * MS, 42);
	assert_frames(42, 65520, NULL, 0);
	st = stats();
	assert_int_equal(st.played, 40);
	assert_int_equal(st.expected, 40);
	assert_int_equal(st.lost, 0);
	assert_int_equal(st.reordered, 1);
	assert_int_equal(st.late, 0);
	assert_int_equal(st.concealed, 0);
}

static void test_jb_follows_a_peer_with_longer_frames(void **state)
{
	struct jb_stats st;
	uint8_t buf[JB_PAYLOAD_MAX];
	size_t len, frames = 0;
	uint32_t dur;
	uint64_t now = T0 + 10 * MS;

	(void)state;
	init_jb(40, 200);
	/* asked for 20 ms, the peer sends 40 ms frames (320 samples) */
	for (size_t i = 0; i < 50; i++) {
		pks[i] = (struct pk){ .seq = (uint16_t)(700 + i),
				      .ts = 5000 + (uint32_t)i * 2 * STEP,
				      .ssrc = SSRC_A, .audio = true,
				      .at = T0 + i * 40 * MS + MS };
	}
	kpk = 0;
	/* the player asks for a frame when the last one is used up */
	for (uint64_t due = now; now < T0 + 2100 * MS; now += 20 * MS) {
		enum jb_res r;

		while (kpk < 50 && pks[kpk].at <= now)
			put(&pks[kpk++]);
		if (now < due)
			continue;
		r = jb_get(&jb, now, buf, &len, &dur);
		if (r == JB_FRAME) {
			assert_int_equal(buf[0] << 8 | buf[1], 700 + frames);
			frames++;
			due = now + 40 * MS;	/* 40 ms of audio */
		} else {
			/* silence, only before the start and after the end */
			assert_true(!frames || frames == 50);
		}
	}
	assert_int_equal(frames, 50);
	assert_int_equal(dur, 2 * STEP);	/* learned */
	st = stats();
	assert_int_equal(st.played, 50);
	assert_int_equal(st.lost, 0);
	assert_int_equal(st.late, 0);
}

/* --- talkspurts, new sources, jumps ---------------------------------- */

static void test_jb_silence_gap_restarts_playout(void **state)
{
	struct jb_stats st;
	size_t n = stream(0, 20, 100, 0, T0, 2);

	(void)state;
	init_jb(40, 200);
	/* one second of silence (no packets), then the talkspurt goes on
	 * with the next sequence number, a later timestamp and M set */
	n = stream(n, 20, 120, 20 * STEP + 8000, T0 + 1400 * MS, 2);
	pks[20].marker = true;
	drive(n, T0 + 10 * MS, 100);
	assert_frames(100, 100, NULL, 0);
	st = stats();
	assert_int_equal(st.played, 40);
	assert_int_equal(st.lost, 0);
	assert_int_equal(st.late, 0);
	assert_int_equal(st.concealed, 6);	/* both talkspurts' tails */
	/* the second talkspurt starts 40 ms (the target) after its first
	 * packet arrived: T0 + 1402 ms, played at the get of T0 + 1450 */
	assert_int_equal(outs[71].res, JB_EMPTY);
	assert_int_equal(outs[72].res, JB_FRAME);
	assert_int_equal(outs[72].seq, 120);
}

static void test_jb_talkspurt_start_shrinks_a_deep_buffer(void **state)
{
	struct jb_stats st;
	size_t n = stream(0, 10, 0, 0, T0, 1);

	(void)state;
	init_jb(40, 200);
	/* a sender that bursts each talkspurt out at once: talkspurt 1 all
	 * arrives at T0 + 1 ms; 60 ms of silence after it, talkspurt 2
	 * (M set) all arrives at T0 + 180 ms */
	n = stream(n, 10, 10, 13 * STEP, T0 + 260 * MS, 1);
	for (size_t i = 0; i < n; i++)
		pks[i].at = T0 + (i < 10 ? 1 : 180) * MS;
	pks[10].marker = true;
	drive(n, T0 + 10 * MS, 25);
	/* frame 9 plays at T0 + 230 ms; frame 10, due 60 ms later, has
	 * waited longer than the target: it plays next, the silence goes */
	assert_int_equal(outs[2].seq, 0);
	assert_int_equal(outs[11].seq, 9);
	assert_int_equal(outs[12].res, JB_FRAME);
	assert_int_equal(outs[12].seq, 10);
	assert_frames(25, 0, NULL, 0);
	st = stats();
	assert_int_equal(st.played, 20);
	assert_int_equal(st.concealed, 3);	/* the end */
	assert_int_equal(st.lost, 0);
	assert_int_equal(st.late, 0);
}

/* 30 frames from T0, 1 ms on the way, but the network stalls: 10..14
 * arrive together at T0 + 275 ms; played from T0 + 10 ms */
static void stalled_stream(void)
{
	size_t n = stream(0, 30, 0, 0, T0, 1);

	for (size_t i = 10; i < 15; i++)
		pks[i].at = T0 + 275 * MS;
	drive(n, T0 + 10 * MS, 35);
}

static void test_jb_underrun_then_late_frame_grows_the_delay(void **state)
{
	struct jb_stats st;

	(void)state;
	init_jb(40, 200);
	stalled_stream();
	/* the buffer runs dry at frame 10 (T0 + 250 ms): two frames are
	 * concealed, then 10 plays when it comes, 40 ms later than it
	 * would have: nothing is lost, the delay grew. It is more than
	 * the jitter needs, so it shrinks back, a frame at a time */
	assert_int_equal(outs[11].seq, 9);
	assert_int_equal(outs[12].res, JB_MISSING);
	assert_int_equal(outs[13].res, JB_MISSING);
	assert_int_equal(outs[14].res, JB_FRAME);
	assert_int_equal(outs[14].seq, 10);
	for (size_t g = 15, prev = 10; g < 32; g++) {
		assert_int_equal(outs[g].res, JB_FRAME);
		assert_true((size_t)outs[g].seq > prev);
		prev = (size_t)outs[g].seq;
	}
	st = stats();
	assert_int_equal(st.late, 0);
	assert_int_equal(st.lost, 0);
	assert_int_equal(st.concealed, 2 + 3);
	assert_int_equal(st.dropped, 2);
	assert_int_equal(st.played + st.dropped, 30);
	assert_int_equal(st.target_ms, 40);
	assert_in_range(st.delay_ms, 40, 60);
}

/* the same stall on a data call (jb_fix_delay()): the delay that grew is
 * kept, no frame is dropped to shrink it back */
static void test_jb_fixed_delay_drops_nothing(void **state)
{
	struct jb_stats st;

	(void)state;
	init_jb(40, 200);
	jb_fix_delay(&jb);
	stalled_stream();
	assert_frames(35, 0, NULL, 0);
	st = stats();
	assert_int_equal(st.dropped, 0);
	assert_int_equal(st.inserted, 0);
	assert_int_equal(st.played, 30);
	assert_int_equal(st.lost, 0);
}

static void test_jb_event_packets_hold_time_without_audio(void **state)
{
	struct jb_stats st;
	size_t n = stream(0, 30, 0, 0, T0, 2);

	(void)state;
	init_jb(40, 200);
	for (size_t i = 10; i < 15; i++) {	/* an RFC 4733 event */
		pks[i].audio = false;
		pks[i].ts = 10 * STEP;
	}
	drive(n, T0 + 10 * MS, 32);
	for (size_t g = 12; g < 17; g++)
		assert_int_equal(outs[g].res, JB_EMPTY);
	assert_int_equal(outs[17].res, JB_FRAME);
	assert_int_equal(outs[17].seq, 15);
	st = stats();
	assert_int_equal(st.played, 25);
	assert_int_equal(st.concealed, 0);
	assert_int_equal(st.lost, 0);
	assert_int_equal(st.received, 30);
}

static void test_jb_comfort_noise_ends_a_talkspurt(void **state)
{
	struct jb_stats st;
	size_t n = stream(0, 20, 100, 0, T0, 2);

	(void)state;
	init_jb(40, 200);
	/* a CN packet (level 40) right after the last frame, one second of
	 * silence, then the next talkspurt, as in the silence gap test */
	pks[n] = (struct pk){ .seq = 120, .ts = 20 * STEP, .ssrc = SSRC_A,
			      .at = T0 + 402 * MS, .cn = true, .level = 40 };
	n = stream(n + 1, 20, 121, 21 * STEP + 8000, T0 + 1400 * MS, 2);
	pks[21].marker = true;
	drive(n, T0 + 10 * MS, 100);
	assert_frames(100, 100, (int[]){ 120 }, 1);
	/* the CN packet is handed over in its turn and nothing after it is
	 * concealed: the gap is silence (the caller's comfort noise) */
	assert_int_equal(outs[21].seq, 119);
	assert_int_equal(outs[22].res, JB_CN);
	assert_int_equal(outs[22].seq, 40);
	for (size_t g = 23; g < 72; g++)
		assert_int_equal(outs[g].res, JB_EMPTY);
	assert_int_equal(outs[72].res, JB_FRAME);
	assert_int_equal(outs[72].seq, 121);
	assert_int_equal(count(100, JB_CN), 1);
	st = stats();
	assert_int_equal(st.played, 40);
	assert_int_equal(st.concealed, 3);	/* the second tail only */
	assert_int_equal(st.received, 41);
	assert_int_equal(st.lost, 0);
	assert_int_equal(st.late, 0);
}

static void test_jb_new_ssrc_restarts(void **state)
{
	struct jb_stats st;
	size_t n = stream(0, 20, 500, 0, T0, 2);

	(void)state;
	init_jb(40, 200);
	n = stream(n, 20, 9000, 123456, T0 + 400 * MS, 2);
	for (size_t i = 20; i < 40; i++)
		pks[i].ssrc = SSRC_B;
	drive(n, T0 + 10 * MS, 50);
	st = stats();
	assert_int_equal(st.restarts, 1);
	/* the old source's last two frames were still buffered */
	assert_int_equal(st.flushed, 2);
	assert_int_equal(st.played, 38);
	assert_int_equal(st.expected, 40);
	assert_int_equal(st.lost, 0);
	assert_int_equal(st.late, 0);
	for (size_t g = 0, k = 0; g < 50; g++) {
		if (outs[g].res != JB_FRAME)
			continue;
		assert_int_equal(outs[g].seq, k < 18 ? 500 + k : 9000 + k - 18);
		k++;
	}
}

static void test_jb_large_jump_needs_confirmation(void **state)
{
	struct jb_pkt p = { .ssrc = SSRC_A };
	uint8_t pay[160] = { 0 };
	struct jb_stats st;

	(void)state;
	init_jb(40, 200);
	p.payload = pay;
	p.len = sizeof(pay);
	for (uint16_t i = 0; i < 5; i++) {
		p.seq = i;
		p.ts = i * STEP;
		p.arrival_ns = T0 + i * FRAME * MS;
		assert_int_equal(jb_put(&jb, &p), JB_PUT_OK);
	}
	p.seq = 30000;		/* a stray packet: on probation, dropped */
	assert_int_equal(jb_put(&jb, &p), JB_PUT_PROBATION);
	p.seq = 5;
	p.ts = 5 * STEP;
	assert_int_equal(jb_put(&jb, &p), JB_PUT_OK);
	p.seq = 40000;		/* a real jump: the next one confirms it */
	assert_int_equal(jb_put(&jb, &p), JB_PUT_PROBATION);
	p.seq = 40001;
	assert_int_equal(jb_put(&jb, &p), JB_PUT_OK);
	st = stats();
	assert_int_equal(st.resyncs, 1);
	assert_int_equal(st.early, 2);
	assert_int_equal(st.received, 7);
	assert_int_equal(st.expected, 7);	/* 0..5, then 40001 */
	assert_int_equal(st.lost, 0);
}

static void test_jb_overflow_is_discarded_then_followed(void **state)
{
	struct jb_stats st;
	size_t n = stream(0, 5, 0, 0, T0, 0);

	(void)state;
	init_jb(40, 200);
	/* a sender far ahead of what the buffer holds (seq + 45..47) */
	n = stream(n, 3, 45, 45 * STEP, T0 + 100 * MS, 0);
	for (size_t i = 0; i < n; i++)
		put(&pks[i]);
	st = stats();
	assert_int_equal(st.early, 3);
	assert_int_equal(st.resyncs, 1);
	assert_int_equal(st.flushed, 5);
	/* playout follows from 47, kept at the resync */
	n = stream(0, 10, 48, 48 * STEP, T0 + 160 * MS, 0);
	drive(n, T0 + 170 * MS, 14);
	assert_frames(14, 47, NULL, 0);
	st = stats();
	assert_int_equal(st.played, 11);
	assert_int_equal(st.lost, 40);	/* 5..44 never came */
	assert_int_equal(st.late, 0);
}

/* --- adaptation ---------------------------------------------------------- */

/* a deterministic generator for delays */
static uint32_t rnd(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 16;
}

static void test_jb_target_grows_under_jitter_and_shrinks_back(void **state)
{
	struct jb_stats st, mid;
	uint32_t seed = 42;
	size_t n, late_2nd_half = 0, g;

	(void)state;
	init_jb(20, 300);
	/* 10 s of packets delayed by 0..80 ms, then 20 s without jitter */
	n = stream(0, 500, 0, 0, T0, 0);
	for (size_t i = 0; i < n; i++)
		pks[i].at += (rnd(&seed) % 81) * MS;
	n = stream(n, 1000, 500, 500 * STEP, T0 + 500 * FRAME * MS, 90);
	sort_by_arrival(n);
	kpk = 0;
	drive_range(n, T0 + 10 * MS, 0, 500);
	mid = stats();
	for (g = 250; g < 500; g++)
		late_2nd_half += outs[g].res == JB_MISSING;
	drive_range(n, T0 + 10 * MS, 500, 1550);
	/* under jitter: jitter ~ 80/3 ms, target ~ 3x that, reached by
	 * inserting frames; few frames missed once adapted */
	assert_in_range(mid.jitter_ts, 8 * 15, 8 * 40);
	assert_in_range(mid.target_ms, 50, 150);
	assert_true(mid.inserted >= 2);
	assert_true(mid.delay_ms + FRAME >= mid.target_ms);
	assert_true(late_2nd_half <= 10);
	/* then: jitter gone, target back to the minimum, delay follows by
	 * dropping frames */
	st = stats();
	assert_true(st.jitter_ts < 8);
	assert_int_equal(st.target_ms, 20);
	assert_true(st.dropped >= 2);
	assert_true(st.delay_ms <= st.target_ms + FRAME + 10);
	assert_int_equal(st.lost, 0);
	assert_int_equal(st.played + st.late + st.dropped, 1500);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test(f)
		T(test_jb_init_rejects_bad_config),
		T(test_jb_empty_before_first_packet),
		T(test_jb_in_order_plays_everything_after_the_delay),
		T(test_jb_reordering_is_absorbed),
		T(test_jb_duplicates_are_counted_and_dropped),
		T(test_jb_loss_is_concealed_and_counted),
		T(test_jb_late_packet_is_concealed_then_dropped),
		T(test_jb_burst_is_absorbed),
		T(test_jb_sequence_and_timestamp_wrap),
		T(test_jb_follows_a_peer_with_longer_frames),
		T(test_jb_silence_gap_restarts_playout),
		T(test_jb_talkspurt_start_shrinks_a_deep_buffer),
		T(test_jb_underrun_then_late_frame_grows_the_delay),
		T(test_jb_fixed_delay_drops_nothing),
		T(test_jb_event_packets_hold_time_without_audio),
		T(test_jb_comfort_noise_ends_a_talkspurt),
		T(test_jb_new_ssrc_restarts),
		T(test_jb_large_jump_needs_confirmation),
		T(test_jb_overflow_is_discarded_then_followed),
		T(test_jb_target_grows_under_jitter_and_shrinks_back),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

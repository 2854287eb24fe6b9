// SPDX-License-Identifier: MIT
/** @file test_nic.c  NIC interface: arguments, TX queue, link pacing, flush
 *  times, checksum completion
 *
 * Pacing runs on the MEM driver with times passed in: nothing sleeps and
 * nothing depends on the machine's clock. A received frame's ts_ns is its
 * start on the sender's emulated wire, which lets the tests read the
 * schedule the NIC followed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hal/nic.h"
#include "hal/nic_priv.h"
#include "hal/pkt.h"

#define NPKT	2048
#define T0	1000000000ull		/* 1 s: any monotonic time */
#define D1500	121920ull		/* (1500 + 24) * 8 bits at 100 Mbit/s */

struct fx {
	struct pkt_pool *pool;
	struct nic *a, *b;		/* a sends, b receives */
};

static struct fx fx;

/* the queue bounded by frames only (a wire-time bound of a second): the
 * tests of the frame-count rules; test_nic_paced_queue_bounded_in_time
 * covers the default bound */
static int open_pair_us(uint32_t mbps, uint32_t txq, uint32_t queue_us)
{
	struct nic_cfg ca = {
		.kind = NIC_MEM, .fd = -1, .link_mbps = mbps, .tx_queue = txq,
		.tx_queue_us = queue_us, .pool = fx.pool,
	};
	struct nic_cfg cb = ca;
	int err;

	err = nic_open(&fx.a, &ca);
	if (err)
		return err;
	cb.peer = fx.a;
	cb.link_mbps = 0;
	return nic_open(&fx.b, &cb);
}

static int open_pair(uint32_t mbps, uint32_t txq)
{
	return open_pair_us(mbps, txq, 1000000);
}

static int setup(void **state)
{
	(void)state;
	memset(&fx, 0, sizeof(fx));
	return pkt_pool_create(&fx.pool, "nic", NPKT) ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	fx.b = nic_close(fx.b);
	fx.a = nic_close(fx.a);
	/* every packet is back: none leaked by a queue or a driver */
	assert_int_equal(pkt_pool_free_count(fx.pool), NPKT);
	fx.pool = pkt_pool_destroy(fx.pool);
	return 0;
}

/* A frame of @p len bytes whose payload starts with @p seq. */
static struct pkt *frame(uint16_t len, uint32_t seq)
{
	struct pkt *p = pkt_get(fx.pool);
	uint8_t *d;

	assert_non_null(p);
	d = pkt_data(p);
	memset(d, 0, len);
	memset(d, 0xff, 6);
	d[6] = 0x02;
	d[12] = 0x88;
	d[13] = 0xb5;			/* local experimental ethertype */
	memcpy(d + 14, &seq, sizeof(seq));
	p->len = len;
	return p;
}

/* Receive everything waiting at b; check sequence numbers from *next. */
static size_t drain(uint32_t *next, uint64_t *ts, size_t nts)
{
	struct pkt *pk[64];
	size_t got, total = 0;

	while ((got = nic_rx_burst(fx.b, pk, 64)) > 0) {
		for (size_t i = 0; i < got; i++) {
			uint32_t seq;

			memcpy(&seq, pkt_data(pk[i]) + 14, sizeof(seq));
			if (next)
				assert_int_equal(seq, (*next)++);
			if (ts && total + i < nts)
				ts[total + i] = pk[i]->ts_ns;
			pkt_free(pk[i]);
		}
		total += got;
	}
	return total;
}

/* --- arguments -------------------------------------------------------- */

static void test_nic_open_rejects_bad_args(void **state)
{
	struct nic_cfg c = { .kind = NIC_MEM, .fd = -1, .pool = fx.pool };
	struct nic *n = NULL;

	(void)state;
	assert_int_equal(nic_open(NULL, &c), -EINVAL);
	assert_int_equal(nic_open(&n, NULL), -EINVAL);
	c.pool = NULL;
	assert_int_equal(nic_open(&n, &c), -EINVAL);
	c.pool = fx.pool;
	c.kind = (enum nic_kind)9;
	assert_int_equal(nic_open(&n, &c), -EINVAL);
	c.kind = NIC_MEM;
	c.tx_queue = 100000;
	assert_int_equal(nic_open(&n, &c), -EINVAL);
	c.tx_queue = 0;
	c.kind = NIC_TAP;		/* TAP needs a name */
	assert_int_equal(nic_open(&n, &c), -EINVAL);
	c.kind = NIC_AFPACKET;		/* a name or a socket */
	assert_int_equal(nic_open(&n, &c), -EINVAL);
	c.ifname = "a-name-much-too-long-for-linux";
	assert_int_equal(nic_open(&n, &c), -EINVAL);
	assert_null(n);
}

static void test_nic_null_is_harmless(void **state)
{
	struct nic_stats st;
	struct pkt *pk[1];

	(void)state;
	assert_null(nic_close(NULL));
	assert_int_equal(nic_fd(NULL), -1);
	assert_int_equal(nic_rx_burst(NULL, pk, 1), 0);
	assert_int_equal(nic_tx_room(NULL, T0), 0);
	assert_int_equal(nic_tx_flush(NULL, T0), 0);
	memset(&st, 0xff, sizeof(st));
	nic_stats_get(NULL, &st);
	assert_int_equal(st.tx_frames, 0);
	nic_stats_get(NULL, NULL);
	/* a frame for no NIC is still consumed */
	assert_int_equal(nic_tx(NULL, frame(60, 0), T0), -EINVAL);
	assert_int_equal(nic_tx(NULL, NULL, T0), -EINVAL);
}

static void test_nic_kind_name_names_each_driver(void **state)
{
	(void)state;
	assert_string_equal(nic_kind_name(NIC_AFPACKET), "afpacket");
	assert_string_equal(nic_kind_name(NIC_TAP), "tap");
	assert_string_equal(nic_kind_name(NIC_MEM), "mem");
	assert_string_equal(nic_kind_name((enum nic_kind)42), "?");
}

static void test_nic_tx_rejects_bad_length(void **state)
{
	struct nic_stats st;
	struct pkt *p;

	(void)state;
	assert_int_equal(open_pair(0, 0), 0);
	p = frame(60, 0);
	p->len = 0;
	assert_int_equal(nic_tx(fx.a, p, T0), -EINVAL);
	p = frame(60, 0);
	p->len = 13;
	assert_int_equal(nic_tx(fx.a, p, T0), -EINVAL);
	p = frame(60, 0);
	p->len = PKT_FRAME_MAX + 1;
	assert_int_equal(nic_tx(fx.a, p, T0), -EINVAL);
	assert_int_equal(nic_tx(fx.a, NULL, T0), -EINVAL);
	nic_stats_get(fx.a, &st);
	assert_int_equal(st.tx_dropped, 3);
	assert_int_equal(st.tx_queue, 0);
	p = frame(PKT_FRAME_MAX, 0);	/* the largest is fine */
	assert_int_equal(nic_tx(fx.a, p, T0), 0);
	assert_int_equal(nic_tx_flush(fx.a, T0), 0);
	assert_int_equal(drain(NULL, NULL, 0), 1);
}

/* --- without pacing ----------------------------------------------------- */

static void test_nic_unpaced_tx_waits_for_flush(void **state)
{
	struct nic_stats st;
	uint32_t next = 0;

	(void)state;
	assert_int_equal(open_pair(0, 0), 0);	/* default queue: 4 */
	assert_int_equal(nic_tx_room(fx.a, T0), 4);
	for (uint32_t i = 0; i < 3; i++)
		assert_int_equal(nic_tx(fx.a, frame(100, i), T0), 0);
	assert_int_equal(nic_tx_room(fx.a, T0), 1);
	assert_int_equal(drain(NULL, NULL, 0), 0);	/* not yet sent */
	nic_stats_get(fx.a, &st);
	assert_int_equal(st.tx_queue, 3);
	assert_int_equal(st.tx_frames, 0);
	assert_int_equal(nic_tx_flush(fx.a, T0 + 5), 0);	/* all gone */
	assert_int_equal(drain(&next, NULL, 0), 3);
	nic_stats_get(fx.a, &st);
	assert_int_equal(st.tx_frames, 3);
	assert_int_equal(st.tx_bytes, 300);
	assert_int_equal(st.tx_queue, 0);
	assert_int_equal(st.tx_queue_hw, 3);
	assert_int_equal(st.tx_dropped, 0);
	assert_int_equal(st.wire_busy_ns, 0);
	nic_stats_get(fx.b, &st);
	assert_int_equal(st.rx_frames, 3);
	assert_int_equal(st.rx_bytes, 300);
}

static void test_nic_unpaced_full_queue_goes_out_as_a_batch(void **state)
{
	struct nic_stats st;
	uint32_t next = 0;

	(void)state;
	assert_int_equal(open_pair(0, 4), 0);
	for (uint32_t i = 0; i < 10; i++)
		assert_int_equal(nic_tx(fx.a, frame(64, i), T0), 0);
	/* two full batches went out when the queue was found full */
	assert_int_equal(drain(&next, NULL, 0), 8);
	assert_int_equal(nic_tx_room(fx.a, T0), 2);
	assert_int_equal(nic_tx_flush(fx.a, T0), 0);
	assert_int_equal(drain(&next, NULL, 0), 2);
	nic_stats_get(fx.a, &st);
	assert_int_equal(st.tx_frames, 10);
	assert_int_equal(st.tx_dropped, 0);
	assert_int_equal(st.tx_queue_hw, 4);
}

static void test_nic_unpaced_room_sends_a_full_batch(void **state)
{
	(void)state;
	assert_int_equal(open_pair(0, 4), 0);
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(nic_tx(fx.a, frame(64, i), T0), 0);
	assert_int_equal(drain(NULL, NULL, 0), 0);
	assert_int_equal(nic_tx_room(fx.a, T0), 4);
	assert_int_equal(drain(NULL, NULL, 0), 4);
}

static void test_nic_flush_when_idle_returns_zero(void **state)
{
	(void)state;
	assert_int_equal(open_pair(100, 0), 0);
	assert_int_equal(nic_tx_flush(fx.a, T0), 0);
	assert_int_equal(nic_tx_flush(fx.b, T0), 0);
}

/* --- pacing --------------------------------------------------------------- */

static void test_nic_paced_1500_bytes_take_121920_ns_at_100_mbps(void **state)
{
	struct nic_stats st;
	uint64_t ts[2];

	(void)state;
	assert_int_equal(open_pair(100, 0), 0);
	assert_int_equal(nic_tx(fx.a, frame(1500, 0), T0), 0);
	/* idle wire: the first frame starts at once */
	assert_int_equal(nic_tx_flush(fx.a, T0), 0);
	assert_int_equal(drain(NULL, ts, 1), 1);
	assert_int_equal(ts[0], T0);
	nic_stats_get(fx.a, &st);
	assert_int_equal(st.wire_busy_ns, D1500);
	/* the wire is busy until T0 + 121.92 us */
	assert_int_equal(nic_tx(fx.a, frame(1500, 1), T0 + 1000), 0);
	assert_int_equal(nic_tx_flush(fx.a, T0 + 1000), T0 + D1500);
	assert_int_equal(nic_tx_flush(fx.a, T0 + D1500 - 1), T0 + D1500);
	assert_int_equal(drain(NULL, NULL, 0), 0);
	assert_int_equal(nic_tx_flush(fx.a, T0 + D1500), 0);
	assert_int_equal(drain(NULL, ts, 1), 1);
	assert_int_equal(ts[0], T0 + D1500);
	nic_stats_get(fx.a, &st);
	assert_int_equal(st.wire_busy_ns, 2 * D1500);
	assert_int_equal(st.tx_frames, 2);
}

static void test_nic_paced_frames_go_back_to_back(void **state)
{
	uint64_t ts[4];
	uint32_t next = 0;

	(void)state;
	assert_int_equal(open_pair(100, 4), 0);
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(nic_tx(fx.a, frame(1500, i), T0), 0);
	assert_int_equal(nic_tx_flush(fx.a, T0), T0 + D1500);
	assert_int_equal(drain(&next, NULL, 0), 1);
	/* a late flush sends every frame whose start has come, at the
	 * times the wire would have taken them */
	assert_int_equal(nic_tx_flush(fx.a, T0 + 3 * D1500 + 7), 0);
	assert_int_equal(drain(&next, ts, 4), 3);
	assert_int_equal(ts[0], T0 + 1 * D1500);
	assert_int_equal(ts[1], T0 + 2 * D1500);
	assert_int_equal(ts[2], T0 + 3 * D1500);
}

static void test_nic_paced_idle_wire_starts_at_tx_time(void **state)
{
	uint64_t ts[1], t1 = T0 + 10 * D1500;

	(void)state;
	assert_int_equal(open_pair(100, 0), 0);
	assert_int_equal(nic_tx(fx.a, frame(1500, 0), T0), 0);
	assert_int_equal(nic_tx_flush(fx.a, T0), 0);
	/* queued long after the wire went idle: starts when queued, even
	 * if the flush comes a little later */
	assert_int_equal(nic_tx(fx.a, frame(60, 1), t1), 0);
	assert_int_equal(nic_tx_flush(fx.a, t1 + 500), 0);
	drain(NULL, NULL, 0);
	assert_int_equal(nic_tx(fx.a, frame(60, 2), t1 + 1000000), 0);
	assert_int_equal(nic_tx_flush(fx.a, t1 + 1000000), 0);
	assert_int_equal(drain(NULL, ts, 1), 1);
	assert_int_equal(ts[0], t1 + 1000000);
}

static void test_nic_paced_full_queue_drops(void **state)
{
	struct nic_stats st;
	uint32_t next = 0;

	(void)state;
	assert_int_equal(open_pair(100, 4), 0);
	/* 4 queued; the fifth finds the queue full, the head is due (idle
	 * wire) and leaves, making room; the sixth finds the wire busy */
	for (uint32_t i = 0; i < 5; i++)
		assert_int_equal(nic_tx(fx.a, frame(1500, i), T0), 0);
	assert_int_equal(nic_tx(fx.a, frame(1500, 99), T0), -ENOSPC);
	nic_stats_get(fx.a, &st);
	assert_int_equal(st.tx_dropped, 1);
	assert_int_equal(st.tx_queue, 4);
	assert_int_equal(st.tx_queue_hw, 4);
	assert_int_equal(st.tx_frames, 1);
	assert_int_equal(nic_tx_room(fx.a, T0), 0);
	assert_int_equal(nic_tx_flush(fx.a, T0 + 4 * D1500), 0);
	assert_int_equal(drain(&next, NULL, 0), 5);
}

static void test_nic_paced_queue_bounded_in_time(void **state)
{
	(void)state;
	/* default bound at 100 Mbit/s: a full-size (1514-byte) frame's wire
	 * time; the NIC takes a frame while less than that is committed */
	assert_int_equal(open_pair_us(100, 8, 0), 0);
	assert_int_equal(nic_tx_room(fx.a, T0), 8);
	assert_int_equal(nic_tx(fx.a, frame(1514, 0), T0), 0);
	/* the first frame went on the wire at once: its time is committed */
	assert_int_equal(nic_tx_room(fx.a, T0), 0);
	assert_int_equal(nic_tx_room(fx.a, T0 + 50000), 8);
	assert_int_equal(nic_tx(fx.a, frame(200, 1), T0 + 50000), 0);
	assert_int_equal(nic_tx(fx.a, frame(1500, 2), T0 + 50000), 0);
	/* 73 us of the first, 18 us of the voice frame, 122 us queued */
	assert_int_equal(nic_tx_room(fx.a, T0 + 50000), 0);
	nic_tx_flush(fx.a, T0 + 10 * D1500);
	assert_int_equal(drain(NULL, NULL, 0), 3);
	/* an explicit bound in microseconds */
	nic_close(fx.b);
	nic_close(fx.a);
	assert_int_equal(open_pair_us(100, 8, 500), 0);
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(nic_tx(fx.a, frame(1500, i), T0), 0);
	/* 4 x 122 us committed < 500 us: room for 8 - the 3 still queued */
	assert_int_equal(nic_tx_room(fx.a, T0), 5);
	assert_int_equal(nic_tx(fx.a, frame(1500, 4), T0), 0);
	assert_int_equal(nic_tx_room(fx.a, T0), 0);
	nic_tx_flush(fx.a, T0 + 10 * D1500);
	assert_int_equal(drain(NULL, NULL, 0), 5);
}

static void test_nic_paced_room_follows_the_wire(void **state)
{
	(void)state;
	assert_int_equal(open_pair(100, 4), 0);
	assert_int_equal(nic_tx_room(fx.a, T0), 4);
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(nic_tx(fx.a, frame(1500, i), T0), 0);
	/* room puts what is due on the wire first */
	assert_int_equal(nic_tx_room(fx.a, T0), 1);
	assert_int_equal(nic_tx_room(fx.a, T0 + D1500 - 1), 1);
	assert_int_equal(nic_tx_room(fx.a, T0 + D1500), 2);
	assert_int_equal(nic_tx_room(fx.a, T0 + 2 * D1500 + 1), 3);
	assert_int_equal(nic_tx_room(fx.a, T0 + 3 * D1500), 4);
	assert_int_equal(nic_tx_flush(fx.a, T0 + 3 * D1500), 0);
	assert_int_equal(drain(NULL, NULL, 0), 4);
}

static void test_nic_paced_small_frames_keep_exact_rate(void **state)
{
	/* 64-byte frames at 7 Mbit/s: 704 bits = 100571.43 ns each; the
	 * fraction is carried, so frame k starts at floor(k * 704000 / 7) */
	enum { N = 1000 };
	static uint64_t ts[N];
	struct nic_stats st;
	uint64_t now = T0, next;
	uint32_t seq = 0, rx = 0;
	size_t got = 0;

	(void)state;
	assert_int_equal(open_pair(7, 4), 0);
	for (;;) {
		size_t room = nic_tx_room(fx.a, now);

		for (; room && seq < N; room--, seq++)
			assert_int_equal(nic_tx(fx.a, frame(64, seq), now), 0);
		next = nic_tx_flush(fx.a, now);
		got += drain(&rx, ts + got, N - got);
		if (!next && seq == N)
			break;
		assert_true(next > now);
		now = next;
	}
	assert_int_equal(got, N);
	for (uint64_t k = 0; k < N; k++)
		assert_int_equal(ts[k], T0 + k * 704000 / 7);
	nic_stats_get(fx.a, &st);
	assert_int_equal(st.wire_busy_ns, (uint64_t)N * 704000 / 7);
	assert_int_equal(st.tx_frames, N);
	assert_int_equal(st.tx_dropped, 0);
}

static void test_nic_paced_gigabit_jumbo_and_runt(void **state)
{
	uint64_t ts[2];

	(void)state;
	assert_int_equal(open_pair(1000, 0), 0);
	assert_int_equal(nic_tx(fx.a, frame(9000, 0), T0), 0);
	assert_int_equal(nic_tx(fx.a, frame(60, 1), T0), 0);
	/* (9000 + 24) * 8 = 72192 ns at 1 Gbit/s */
	assert_int_equal(nic_tx_flush(fx.a, T0), T0 + 72192);
	/* (60 + 24) * 8 = 672 ns */
	assert_int_equal(nic_tx_flush(fx.a, T0 + 72192), 0);
	assert_int_equal(drain(NULL, ts, 2), 2);
	assert_int_equal(ts[1], T0 + 72192);
	assert_int_equal(nic_tx(fx.a, frame(60, 2), T0 + 72192 + 100), 0);
	assert_int_equal(nic_tx_flush(fx.a, T0 + 72192 + 100),
			 T0 + 72192 + 672);
	assert_int_equal(nic_tx_flush(fx.a, T0 + 72192 + 672), 0);
	drain(NULL, NULL, 0);
}

/* --- a driver that refuses frames (kernel ring full) ------------------ */

static size_t fake_accept;	/* frames the fake driver takes per call */
static size_t fake_calls;
static struct nic_ops fake_ops;

static size_t fake_xmit(struct nic *n, struct pkt **pkts, size_t cnt)
{
	size_t i, take = cnt < fake_accept ? cnt : fake_accept;

	fake_calls++;
	for (i = 0; i < take; i++) {
		n->stats.tx_frames++;
		n->stats.tx_bytes += pkts[i]->len;
		pkt_free(pkts[i]);
	}
	return take;
}

static void use_fake_driver(struct nic *n)
{
	fake_ops = *n->ops;
	fake_ops.xmit = fake_xmit;
	n->ops = &fake_ops;
	fake_calls = 0;
}

static void test_nic_refused_frames_stay_queued_unpaced(void **state)
{
	struct nic_stats st;

	(void)state;
	assert_int_equal(open_pair(0, 4), 0);
	use_fake_driver(fx.a);
	fake_accept = 1;
	for (uint32_t i = 0; i < 3; i++)
		assert_int_equal(nic_tx(fx.a, frame(100, i), T0), 0);
	/* one batch of 3, the driver took 1: retry soon, nothing dropped */
	assert_int_equal(nic_tx_flush(fx.a, T0), T0 + 50000);
	assert_int_equal(fake_calls, 1);
	nic_stats_get(fx.a, &st);
	assert_int_equal(st.tx_queue, 2);
	assert_int_equal(st.tx_dropped, 0);
	assert_int_equal(nic_tx_room(fx.a, T0), 2);
	fake_accept = 100;
	assert_int_equal(nic_tx_flush(fx.a, T0 + 50000), 0);
	nic_stats_get(fx.a, &st);
	assert_int_equal(st.tx_queue, 0);
	assert_int_equal(st.tx_frames, 3);
	fx.a->ops = &nic_mem_ops;
}

static void test_nic_refused_frames_give_back_wire_time(void **state)
{
	struct nic_stats st;

	(void)state;
	assert_int_equal(open_pair(100, 4), 0);
	use_fake_driver(fx.a);
	fake_accept = 0;
	assert_int_equal(nic_tx(fx.a, frame(1500, 0), T0), 0);
	assert_int_equal(nic_tx(fx.a, frame(1500, 1), T0), 0);
	assert_int_equal(nic_tx_flush(fx.a, T0), T0 + 50000);
	nic_stats_get(fx.a, &st);
	assert_int_equal(st.wire_busy_ns, 0);	/* nothing went out */
	assert_int_equal(st.tx_queue, 2);
	/* accepted later: the first starts when it was first due, the
	 * second right after it */
	fake_accept = 1;
	assert_int_equal(nic_tx_flush(fx.a, T0 + 50000), T0 + D1500);
	nic_stats_get(fx.a, &st);
	assert_int_equal(st.wire_busy_ns, D1500);
	fake_accept = 100;
	assert_int_equal(nic_tx_flush(fx.a, T0 + D1500), 0);
	nic_stats_get(fx.a, &st);
	assert_int_equal(st.wire_busy_ns, 2 * D1500);
	assert_int_equal(st.tx_frames, 2);
	assert_int_equal(st.tx_dropped, 0);
	fx.a->ops = &nic_mem_ops;
}

static void test_nic_close_frees_queued_frames(void **state)
{
	(void)state;
	assert_int_equal(open_pair(10, 8), 0);
	for (uint32_t i = 0; i < 8; i++)
		assert_int_equal(nic_tx(fx.a, frame(1500, i), T0), 0);
	/* teardown closes with 8 frames queued and checks the pool */
}

/* --- checksum completion ------------------------------------------------ */

static uint32_t sum16(uint32_t s, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* Build Ethernet [+ tags] + IPv4 + UDP/TCP with a garbage checksum.
 * @return frame length; *l4 gets the L4 offset */
static size_t build_v4(uint8_t *f, int tags, uint8_t proto, size_t payload,
		       size_t *l4)
{
	size_t off = 12, hl = proto == 6 ? 20 : 8, tot;

	memset(f, 0, 2000);
	memset(f, 0x11, 12);
	for (int t = 0; t < tags; t++) {
		f[off] = t ? 0x81 : 0x88;
		f[off + 1] = t ? 0x00 : 0xa8;
		f[off + 3] = 7;
		off += 4;
	}
	f[off] = 0x08;
	off += 2;
	tot = 20 + hl + payload;
	f[off] = 0x45;
	f[off + 2] = (uint8_t)(tot >> 8);
	f[off + 3] = (uint8_t)tot;
	f[off + 8] = 64;
	f[off + 9] = proto;
	memcpy(f + off + 12, "\xc6\x12\x00\x01\xc6\x12\x00\x02", 8);
	*l4 = off + 20;
	for (size_t i = 0; i < hl + payload; i++)
		f[*l4 + i] = (uint8_t)(i * 7 + 3);
	if (proto == 17) {
		f[*l4 + 4] = (uint8_t)((hl + payload) >> 8);
		f[*l4 + 5] = (uint8_t)(hl + payload);
	}
	f[*l4 + (proto == 6 ? 16 : 6)] = 0xde;		/* garbage */
	f[*l4 + (proto == 6 ? 17 : 7)] = 0xad;
	return *l4 + hl + payload;
}

static bool v4_ok(const uint8_t *f, size_t l4, size_t l4len, uint8_t proto)
{
	uint32_t s = sum16(0, f + l4 - 8, 8) + proto + (uint32_t)l4len;

	return fold(sum16(s, f + l4, l4len)) == 0xffff;
}

static void test_nic_csum_completes_udp_and_tcp_over_ipv4(void **state)
{
	static uint8_t f[2000];
	static const uint8_t protos[] = { 17, 6 };
	size_t l4, len;

	(void)state;
	for (int tags = 0; tags <= 2; tags++) {
		for (int k = 0; k < 2; k++) {
			for (size_t pl = 0; pl < 40; pl += 13) {
				size_t hl = protos[k] == 6 ? 20 : 8;

				len = build_v4(f, tags, protos[k], pl, &l4);
				assert_false(v4_ok(f, l4, hl + pl, protos[k]));
				/* Ethernet padding after the IP packet */
				assert_true(nic_csum_complete(f, len + 6));
				assert_true(v4_ok(f, l4, hl + pl, protos[k]));
			}
		}
	}
}

static void test_nic_csum_udp_zero_becomes_ffff(void **state)
{
	static uint8_t f[2000];
	size_t l4, len;
	uint16_t c;

	(void)state;
	len = build_v4(f, 0, 17, 10, &l4);
	memset(f + l4 + 8, 0, 2);
	assert_true(nic_csum_complete(f, len));
	c = (uint16_t)(f[l4 + 6] << 8 | f[l4 + 7]);
	/* a payload word equal to that checksum makes the sum 0xffff: the
	 * checksum computes to 0, which UDP sends as 0xffff (RFC 768) */
	f[l4 + 8] = (uint8_t)(c >> 8);
	f[l4 + 9] = (uint8_t)c;
	assert_true(nic_csum_complete(f, len));
	assert_int_equal(f[l4 + 6], 0xff);
	assert_int_equal(f[l4 + 7], 0xff);
	assert_true(v4_ok(f, l4, 18, 17));
}

static void test_nic_csum_completes_udp_over_ipv6(void **state)
{
	static uint8_t f[200];
	size_t l4 = 14 + 40, plen = 8 + 21;
	uint32_t s;

	(void)state;
	memset(f, 0, sizeof(f));
	f[12] = 0x86;
	f[13] = 0xdd;
	f[14] = 0x60;
	f[14 + 5] = (uint8_t)plen;
	f[14 + 6] = 17;
	for (int i = 0; i < 32; i++)
		f[14 + 8 + i] = (uint8_t)(0x20 + i);
	for (size_t i = 0; i < plen; i++)
		f[l4 + i] = (uint8_t)(i * 5 + 1);
	f[l4 + 4] = 0;
	f[l4 + 5] = (uint8_t)plen;
	assert_true(nic_csum_complete(f, l4 + plen));
	s = sum16(0, f + 14 + 8, 32) + 17 + (uint32_t)plen;
	assert_int_equal(fold(sum16(s, f + l4, plen)), 0xffff);
}

static void test_nic_csum_leaves_other_frames_alone(void **state)
{
	static uint8_t f[2000], ref[2000];
	size_t l4, len;

	(void)state;
	/* IPv4 fragment */
	len = build_v4(f, 0, 17, 20, &l4);
	f[14 + 6] = 0x20;		/* MF */
	memcpy(ref, f, sizeof(f));
	assert_false(nic_csum_complete(f, len));
	assert_memory_equal(f, ref, len);
	/* ICMP, a total length beyond the frame, a short frame, ARP */
	len = build_v4(f, 0, 1, 20, &l4);
	assert_false(nic_csum_complete(f, len));
	len = build_v4(f, 0, 17, 20, &l4);
	assert_false(nic_csum_complete(f, len - 1));
	assert_false(nic_csum_complete(f, 13));
	assert_false(nic_csum_complete(f, 14 + 19));
	f[12] = 0x08;
	f[13] = 0x06;
	assert_false(nic_csum_complete(f, len));
	/* UDP length field shorter than a header */
	len = build_v4(f, 0, 17, 0, &l4);
	f[14 + 3] = 20 + 7;
	assert_false(nic_csum_complete(f, len));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_nic_open_rejects_bad_args),
		T(test_nic_null_is_harmless),
		T(test_nic_kind_name_names_each_driver),
		T(test_nic_tx_rejects_bad_length),
		T(test_nic_unpaced_tx_waits_for_flush),
		T(test_nic_unpaced_full_queue_goes_out_as_a_batch),
		T(test_nic_unpaced_room_sends_a_full_batch),
		T(test_nic_flush_when_idle_returns_zero),
		T(test_nic_paced_1500_bytes_take_121920_ns_at_100_mbps),
		T(test_nic_paced_frames_go_back_to_back),
		T(test_nic_paced_idle_wire_starts_at_tx_time),
		T(test_nic_paced_full_queue_drops),
		T(test_nic_paced_queue_bounded_in_time),
		T(test_nic_paced_room_follows_the_wire),
		T(test_nic_paced_small_frames_keep_exact_rate),
		T(test_nic_paced_gigabit_jumbo_and_runt),
		T(test_nic_refused_frames_stay_queued_unpaced),
		T(test_nic_refused_frames_give_back_wire_time),
		T(test_nic_close_frees_queued_frames),
		T(test_nic_csum_completes_udp_and_tcp_over_ipv4),
		T(test_nic_csum_udp_zero_becomes_ffff),
		T(test_nic_csum_completes_udp_over_ipv6),
		T(test_nic_csum_leaves_other_frames_alone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

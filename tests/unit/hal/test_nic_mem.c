// SPDX-License-Identifier: MIT
/** @file test_nic_mem.c  MEM driver: joining, both directions, ownership,
 *  overflow, eventfd, two threads, no allocation by an RT task */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "hal/nic.h"
#include "hal/pkt.h"
#include "rtos-kernel/rtk.h"
#include "rtos-kernel/task.h"

#define NPKT	2048
#define RING	1024		/* the driver's queue towards one end */
#define T0	1000000000ull

struct fx {
	struct pkt_pool *pa, *pb;	/* a's and b's pools */
	struct nic *a, *b;
};

static struct fx fx;

static int open_end(struct nic **np, struct pkt_pool *pool, struct nic *peer)
{
	struct nic_cfg c = {
		.kind = NIC_MEM, .fd = -1, .pool = pool, .peer = peer,
		.tx_queue = 64,
	};

	return nic_open(np, &c);
}

static int setup(void **state)
{
	(void)state;
	memset(&fx, 0, sizeof(fx));
	if (pkt_pool_create(&fx.pa, "a", NPKT) ||
	    pkt_pool_create(&fx.pb, "b", NPKT))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fx.a = nic_close(fx.a);
	fx.b = nic_close(fx.b);
	assert_int_equal(pkt_pool_free_count(fx.pa), NPKT);
	assert_int_equal(pkt_pool_free_count(fx.pb), NPKT);
	fx.pa = pkt_pool_destroy(fx.pa);
	fx.pb = pkt_pool_destroy(fx.pb);
	return 0;
}

static struct pkt *frame(struct pkt_pool *pool, uint16_t len, uint32_t seq)
{
	struct pkt *p = pkt_get(pool);
	uint8_t *d;

	if (!p)
		return NULL;
	d = pkt_data(p);
	memset(d, (int)(seq & 0xff), len);
	d[12] = 0x88;
	d[13] = 0xb5;
	memcpy(d + 14, &seq, sizeof(seq));
	p->len = len;
	return p;
}

static bool readable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, 0) == 1;
}

static void send_n(struct nic *n, struct pkt_pool *pool, uint32_t from,
		   uint32_t count, uint16_t len)
{
	for (uint32_t i = 0; i < count; i++)
		assert_int_equal(nic_tx(n, frame(pool, len, from + i), T0), 0);
	nic_tx_flush(n, T0);
}

/* Receive all at @p n, checking content and order from seq *next. */
static size_t recv_all(struct nic *n, struct pkt_pool *want_pool,
		       uint32_t *next, uint16_t len)
{
	struct pkt *pk[32];
	size_t got, total = 0;

	while ((got = nic_rx_burst(n, pk, 32)) > 0) {
		for (size_t i = 0; i < got; i++) {
			uint32_t seq;

			assert_ptr_equal(pk[i]->pool, want_pool);
			assert_int_equal(pk[i]->len, len);
			memcpy(&seq, pkt_data(pk[i]) + 14, sizeof(seq));
			assert_int_equal(seq, (*next)++);
			assert_int_equal(pkt_data(pk[i])[len - 1], seq & 0xff);
			pkt_free(pk[i]);
		}
		total += got;
	}
	return total;
}

static void test_nic_mem_join_rules(void **state)
{
	struct nic *c = NULL;

	(void)state;
	assert_int_equal(open_end(&fx.a, fx.pa, NULL), 0);
	assert_int_equal(open_end(&fx.b, fx.pb, fx.a), 0);
	/* a is joined already */
	assert_int_equal(open_end(&c, fx.pa, fx.a), -EINVAL);
	assert_int_equal(open_end(&c, fx.pa, fx.b), -EINVAL);
	assert_null(c);
	assert_true(nic_fd(fx.a) >= 0);
	assert_true(nic_fd(fx.b) >= 0);
	assert_int_not_equal(nic_fd(fx.a), nic_fd(fx.b));
}

static void test_nic_mem_frames_go_both_ways_copied_between_pools(
	void **state)
{
	struct nic_stats st;
	uint32_t next;

	(void)state;
	assert_int_equal(open_end(&fx.a, fx.pa, NULL), 0);
	assert_int_equal(open_end(&fx.b, fx.pb, fx.a), 0);
	send_n(fx.a, fx.pa, 0, 100, 1514);
	send_n(fx.b, fx.pb, 1000, 50, 60);
	next = 0;
	assert_int_equal(recv_all(fx.b, fx.pb, &next, 1514), 100);
	next = 1000;
	assert_int_equal(recv_all(fx.a, fx.pa, &next, 60), 50);
	/* each receiver copied, then freed the sender's packet */
	assert_int_equal(pkt_pool_free_count(fx.pa), NPKT);
	assert_int_equal(pkt_pool_free_count(fx.pb), NPKT);
	nic_stats_get(fx.a, &st);
	assert_int_equal(st.tx_frames, 100);
	assert_int_equal(st.tx_bytes, 100 * 1514);
	assert_int_equal(st.rx_frames, 50);
	assert_int_equal(st.rx_bytes, 50 * 60);
	assert_int_equal(st.rx_dropped, 0);
	nic_stats_get(fx.b, &st);
	assert_int_equal(st.rx_frames, 100);
	assert_int_equal(st.tx_frames, 50);
}

static void test_nic_mem_same_pool_moves_the_very_packet(void **state)
{
	struct pkt *p, *got[2];

	(void)state;
	assert_int_equal(open_end(&fx.a, fx.pa, NULL), 0);
	assert_int_equal(open_end(&fx.b, fx.pa, fx.a), 0);
	p = frame(fx.pa, 200, 7);
	assert_int_equal(nic_tx(fx.a, p, T0), 0);
	assert_int_equal(nic_tx_flush(fx.a, T0 + 3), 0);
	assert_int_equal(nic_rx_burst(fx.b, got, 2), 1);
	assert_ptr_equal(got[0], p);
	assert_int_equal(got[0]->len, 200);
	assert_int_equal(got[0]->ts_ns, T0 + 3);	/* the flush time */
	pkt_free(got[0]);
}

static void test_nic_mem_receiver_pool_empty_drops(void **state)
{
	struct pkt *hold[NPKT], *pk[8];
	struct nic_stats st;
	size_t i;

	(void)state;
	assert_int_equal(open_end(&fx.a, fx.pa, NULL), 0);
	assert_int_equal(open_end(&fx.b, fx.pb, fx.a), 0);
	for (i = 0; i < NPKT; i++)
		hold[i] = pkt_get(fx.pb);
	send_n(fx.a, fx.pa, 0, 3, 100);
	assert_int_equal(nic_rx_burst(fx.b, pk, 8), 0);
	nic_stats_get(fx.b, &st);
	assert_int_equal(st.rx_dropped, 3);
	assert_int_equal(st.rx_frames, 0);
	/* the sender's packets went back to the sender's pool */
	assert_int_equal(pkt_pool_free_count(fx.pa), NPKT);
	for (i = 0; i < NPKT; i++)
		pkt_free(hold[i]);
}

static void test_nic_mem_full_ring_counts_at_receiver(void **state)
{
	struct nic_stats st;
	uint32_t next = 0;

	(void)state;
	assert_int_equal(open_end(&fx.a, fx.pa, NULL), 0);
	assert_int_equal(open_end(&fx.b, fx.pb, fx.a), 0);
	for (uint32_t i = 0; i < RING + 16; i += 16)
		send_n(fx.a, fx.pa, i, 16, 64);
	nic_stats_get(fx.a, &st);
	assert_int_equal(st.tx_frames, RING + 16);	/* all on the wire */
	assert_int_equal(st.tx_dropped, 0);
	nic_stats_get(fx.b, &st);
	assert_int_equal(st.rx_dropped, 16);		/* lost at b */
	assert_int_equal(recv_all(fx.b, fx.pb, &next, 64), RING);
	nic_stats_get(fx.b, &st);
	assert_int_equal(st.rx_frames, RING);
}

static void test_nic_mem_eventfd_tracks_waiting_frames(void **state)
{
	struct pkt *pk[4];
	int fd;

	(void)state;
	assert_int_equal(open_end(&fx.a, fx.pa, NULL), 0);
	assert_int_equal(open_end(&fx.b, fx.pb, fx.a), 0);
	fd = nic_fd(fx.b);
	assert_false(readable(fd));
	assert_int_equal(nic_tx(fx.a, frame(fx.pa, 64, 0), T0), 0);
	assert_false(readable(fd));		/* queued, not on the wire */
	nic_tx_flush(fx.a, T0);
	assert_true(readable(fd));
	assert_false(readable(nic_fd(fx.a)));
	send_n(fx.a, fx.pa, 1, 9, 64);
	/* a burst that leaves frames behind keeps the fd readable */
	assert_int_equal(nic_rx_burst(fx.b, pk, 4), 4);
	for (int i = 0; i < 4; i++)
		pkt_free(pk[i]);
	assert_true(readable(fd));
	while (nic_rx_burst(fx.b, pk, 4) == 4)
		for (int i = 0; i < 4; i++)
			pkt_free(pk[i]);
	for (int i = 0; i < 2; i++)
		pkt_free(pk[i]);	/* the last burst held 2 */
	assert_false(readable(fd));
}

static void test_nic_mem_without_peer_drops(void **state)
{
	struct nic_stats st;

	(void)state;
	assert_int_equal(open_end(&fx.a, fx.pa, NULL), 0);
	send_n(fx.a, fx.pa, 0, 3, 64);
	nic_stats_get(fx.a, &st);
	assert_int_equal(st.tx_dropped, 3);
	assert_int_equal(st.tx_frames, 0);
	/* the peer closes: its end of the wire is gone */
	assert_int_equal(open_end(&fx.b, fx.pb, fx.a), 0);
	send_n(fx.a, fx.pa, 0, 5, 64);		/* left in b's queue */
	fx.b = nic_close(fx.b);
	assert_int_equal(pkt_pool_free_count(fx.pa), NPKT);
	send_n(fx.a, fx.pa, 0, 2, 64);
	nic_stats_get(fx.a, &st);
	assert_int_equal(st.tx_dropped, 5);
	assert_int_equal(st.tx_frames, 5);
}

/* --- two threads, one per end ------------------------------------------- */

#define FLOOD	200000

struct flood {
	struct nic *n;
	struct pkt_pool *pool;
	_Atomic bool sender_done;
	uint32_t received, dropped_seen, bad_order;
};

static void *flood_send(void *arg)
{
	struct flood *f = arg;

	for (uint32_t i = 0; i < FLOOD; i++) {
		struct pkt *p;

		while (!(p = frame(f->pool, 64, i)))
			sched_yield();	/* pool empty: b holds them */
		while (!nic_tx_room(f->n, T0))
			nic_tx_flush(f->n, T0);
		nic_tx(f->n, p, T0);
	}
	nic_tx_flush(f->n, T0);
	atomic_store(&f->sender_done, true);
	return NULL;
}

static void *flood_recv(void *arg)
{
	struct flood *f = arg;
	struct pollfd pfd = { .fd = nic_fd(f->n), .events = POLLIN };
	struct nic_stats st;
	int64_t last = -1;
	struct pkt *pk[32];

	for (;;) {
		size_t got = nic_rx_burst(f->n, pk, 32);

		for (size_t i = 0; i < got; i++) {
			uint32_t seq;

			memcpy(&seq, pkt_data(pk[i]) + 14, sizeof(seq));
			if ((int64_t)seq <= last)
				f->bad_order++;
			last = seq;
			pkt_free(pk[i]);
		}
		f->received += got;
		nic_stats_get(f->n, &st);
		if (f->received + st.rx_dropped == FLOOD)
			break;
		if (!got)
			poll(&pfd, 1, 10);
	}
	f->dropped_seen = (uint32_t)st.rx_dropped;
	return NULL;
}

static void test_nic_mem_two_threads_lose_nothing_unseen(void **state)
{
	struct flood tx = { 0 }, rx = { 0 };
	pthread_t ts, tr;

	(void)state;
	assert_int_equal(open_end(&fx.a, fx.pa, NULL), 0);
	assert_int_equal(open_end(&fx.b, fx.pa, fx.a), 0);
	tx.n = fx.a;
	tx.pool = fx.pa;
	rx.n = fx.b;
	assert_int_equal(pthread_create(&tr, NULL, flood_recv, &rx), 0);
	assert_int_equal(pthread_create(&ts, NULL, flood_send, &tx), 0);
	pthread_join(ts, NULL);
	pthread_join(tr, NULL);
	/* every frame either arrived, in order, or was counted lost */
	assert_int_equal(rx.bad_order, 0);
	assert_int_equal(rx.received + rx.dropped_seen, FLOOD);
	assert_true(rx.received > 0);
}

/* --- no allocation by an RT task after start -------------------------- */

static _Atomic int rt_runs;
static _Atomic uint64_t rt_frames;

static void rt_fn(unsigned wake, void *arg)
{
	struct pkt *pk[16];
	uint64_t now = rtk_now_ns();
	size_t got;

	(void)wake;
	(void)arg;
	for (uint32_t i = 0; i < 16 && nic_tx_room(fx.a, now); i++)
		nic_tx(fx.a, frame(fx.pa, 1514, i), now);
	nic_tx_flush(fx.a, now);
	got = nic_rx_burst(fx.b, pk, 16);
	for (size_t i = 0; i < got; i++)
		pkt_free(pk[i]);
	atomic_fetch_add(&rt_frames, got);
	atomic_fetch_add(&rt_runs, 1);
}

static void test_nic_mem_rt_task_allocates_nothing(void **state)
{
	struct rtk_cfg cfg = { .no_rt = true };
	struct rtk_task_cfg tc = {
		.name = "nic", .prio = 5, .period_ns = RTK_MS(1),
		.wake_fd = -1, .fn = rt_fn,
	};
	struct rtk_task *t = NULL;
	struct pkt *pk[16];
	size_t got;

	(void)state;
	assert_int_equal(open_end(&fx.a, fx.pa, NULL), 0);
	assert_int_equal(open_end(&fx.b, fx.pb, fx.a), 0);
	atomic_store(&rt_runs, 0);
	assert_int_equal(rtk_init(&cfg), 0);
	assert_int_equal(rtk_task_create(&t, &tc), 0);
	assert_int_equal(rtk_start(), 0);
	for (int i = 0; i < 5000 && atomic_load(&rt_runs) < 20; i++)
		usleep(1000);
	assert_true(atomic_load(&rt_runs) >= 20);
	assert_int_equal(rtk_alloc_count(), 0);
	rtk_stop();
	assert_true(atomic_load(&rt_frames) > 0);
	nic_tx_flush(fx.a, UINT64_MAX / 2);
	while ((got = nic_rx_burst(fx.b, pk, 16)) > 0)
		for (size_t i = 0; i < got; i++)
			pkt_free(pk[i]);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_nic_mem_join_rules),
		T(test_nic_mem_frames_go_both_ways_copied_between_pools),
		T(test_nic_mem_same_pool_moves_the_very_packet),
		T(test_nic_mem_receiver_pool_empty_drops),
		T(test_nic_mem_full_ring_counts_at_receiver),
		T(test_nic_mem_eventfd_tracks_waiting_frames),
		T(test_nic_mem_without_peer_drops),
		T(test_nic_mem_two_threads_lose_nothing_unseen),
		T(test_nic_mem_rt_task_allocates_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

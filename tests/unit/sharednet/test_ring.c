// SPDX-License-Identifier: MIT
/** @file test_ring.c  Variable-length SPSC ring: unit and two-core stress */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <cmocka.h>

#include "sharednet/bus.h"
#include "sharednet/ring.h"

#define SIZE 4096u
#define MAXREC 512u

struct fixture {
	struct ring_shm shm;
	uint8_t data[SIZE];
	struct ring prod;
	struct ring cons;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	ring_shm_init(&f->shm);
	assert_int_equal(ring_open(&f->prod, &f->shm, f->data, SIZE, MAXREC,
				   -1), 0);
	assert_int_equal(ring_open(&f->cons, &f->shm, f->data, SIZE, MAXREC,
				   -1), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static void fill(uint8_t *p, size_t len, uint32_t seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed * 31 + i);
}

static void check_fill(const uint8_t *p, size_t len, uint32_t seed)
{
	for (size_t i = 0; i < len; i++)
		assert_int_equal(p[i], (uint8_t)(seed * 31 + i));
}

static void test_ring_open_rejects_bad_geometry(void **state)
{
	struct fixture *f = *state;
	struct ring r;

	assert_int_equal(ring_open(&r, &f->shm, f->data, 3000, 64, -1),
			 -EINVAL);
	assert_int_equal(ring_open(&r, &f->shm, f->data, 512, 64, -1),
			 -EINVAL);
	assert_int_equal(ring_open(&r, &f->shm, f->data, SIZE, SIZE / 2, -1),
			 -EINVAL);
	assert_int_equal(ring_open(&r, &f->shm, f->data, SIZE, 0, -1),
			 -EINVAL);
}

static void test_ring_open_rejects_corrupt_indices(void **state)
{
	struct fixture *f = *state;
	struct ring r;
	char why[128];

	atomic_store(&f->shm.head, 2 * SIZE);
	atomic_store(&f->shm.tail, 0);
	assert_int_equal(ring_check(&f->shm, SIZE, why, sizeof(why)),
			 -EBADMSG);
	assert_non_null(strstr(why, "apart"));
	assert_int_equal(ring_open(&r, &f->shm, f->data, SIZE, MAXREC, -1),
			 -EBADMSG);
	atomic_store(&f->shm.head, 12);	/* not 8-aligned */
	assert_int_equal(ring_open(&r, &f->shm, f->data, SIZE, MAXREC, -1),
			 -EBADMSG);
	atomic_store(&f->shm.tail, 16);	/* tail ahead of head */
	atomic_store(&f->shm.head, 8);
	assert_int_equal(ring_open(&r, &f->shm, f->data, SIZE, MAXREC, -1),
			 -EBADMSG);
}

static void test_ring_push_pop_in_order(void **state)
{
	struct fixture *f = *state;
	uint8_t in[MAXREC], out[MAXREC];
	struct ring_stats st;

	for (uint32_t i = 0; i < 5; i++) {
		fill(in, i * 10, i);
		assert_int_equal(ring_push(&f->prod, in, i * 10), 0);
	}
	for (uint32_t i = 0; i < 5; i++) {
		assert_int_equal(ring_pop(&f->cons, out, sizeof(out)), i * 10);
		check_fill(out, i * 10, i);
	}
	assert_int_equal(ring_pop(&f->cons, out, sizeof(out)), -EAGAIN);
	assert_true(ring_is_empty(&f->cons));
	ring_stats_get(&f->cons, &st);
	assert_int_equal(st.records_in, 5);
	assert_int_equal(st.records_out, 5);
	assert_int_equal(st.bytes_in, 0 + 10 + 20 + 30 + 40);
	assert_int_equal(st.used, 0);
}

/* a side that restarts opens a new handle on the same ring: it goes on
 * where the ring is, taking nothing twice and losing nothing (a consumer
 * that started from index 0 replayed every record since the ring began) */
static void test_ring_reopened_handles_go_on_where_the_ring_is(void **state)
{
	struct fixture *f = *state;
	uint8_t in[MAXREC], out[MAXREC];
	struct ring_stats st;

	for (uint32_t i = 0; i < 5; i++) {
		fill(in, 100, i);
		assert_int_equal(ring_push(&f->prod, in, 100), 0);
		assert_int_equal(ring_pop(&f->cons, out, sizeof(out)), 100);
	}
	fill(in, 60, 7);
	assert_int_equal(ring_push(&f->prod, in, 60), 0);	/* queued */
	/* the consumer restarts: the queued record, then nothing */
	assert_int_equal(ring_open(&f->cons, &f->shm, f->data, SIZE, MAXREC,
				   -1), 0);
	assert_int_equal(ring_pop(&f->cons, out, sizeof(out)), 60);
	check_fill(out, 60, 7);
	assert_int_equal(ring_pop(&f->cons, out, sizeof(out)), -EAGAIN);
	/* the producer restarts: its records follow */
	assert_int_equal(ring_open(&f->prod, &f->shm, f->data, SIZE, MAXREC,
				   -1), 0);
	fill(in, 30, 8);
	assert_int_equal(ring_push(&f->prod, in, 30), 0);
	assert_int_equal(ring_open(&f->cons, &f->shm, f->data, SIZE, MAXREC,
				   -1), 0);
	assert_int_equal(ring_pop(&f->cons, out, sizeof(out)), 30);
	check_fill(out, 30, 8);
	assert_int_equal(ring_pop(&f->cons, out, sizeof(out)), -EAGAIN);
	ring_stats_get(&f->cons, &st);
	assert_int_equal(st.bad_records, 0);
	assert_int_equal(st.records_out, 7);
	assert_int_equal(st.used, 0);
}

static void test_ring_push_too_long_is_refused_and_counted(void **state)
{
	struct fixture *f = *state;
	uint8_t big[MAXREC + 1] = { 0 };
	struct ring_stats st;

	assert_int_equal(ring_push(&f->prod, big, MAXREC + 1), -EMSGSIZE);
	assert_null(ring_reserve(&f->prod, MAXREC + 1));
	assert_int_equal(ring_push(&f->prod, big, MAXREC), 0);
	ring_stats_get(&f->prod, &st);
	assert_int_equal(st.drop_too_big, 2);
	assert_int_equal(st.records_in, 1);
	assert_int_equal(st.drop_full, 0);
}

static void test_ring_push_when_full_drops(void **state)
{
	struct fixture *f = *state;
	uint8_t rec[248];	/* 256 bytes with its header */
	struct ring_stats st;
	unsigned ok = 0, full = 0;

	for (unsigned i = 0; i < 40; i++) {
		fill(rec, sizeof(rec), i);
		if (ring_push(&f->prod, rec, sizeof(rec)) == 0)
			ok++;
		else
			full++;
	}
	assert_int_equal(ok, SIZE / 256);
	assert_int_equal(full, 40 - SIZE / 256);
	ring_stats_get(&f->prod, &st);
	assert_int_equal(st.drop_full, full);
	assert_int_equal(st.high_water, SIZE);
	assert_int_equal(st.used, SIZE);
	/* the oldest records are intact; space comes back after a pop */
	assert_int_equal(ring_pop(&f->cons, rec, sizeof(rec)), sizeof(rec));
	check_fill(rec, sizeof(rec), 0);
	assert_int_equal(ring_push(&f->prod, rec, sizeof(rec)), 0);
}

static void test_ring_wraps_with_pad_records(void **state)
{
	struct fixture *f = *state;
	uint8_t in[MAXREC], out[MAXREC];
	uint32_t wseq = 0, rseq = 0;

	/* lengths chosen so records straddle the end again and again */
	for (unsigned round = 0; round < 2000; round++) {
		size_t len = (round * 37) % MAXREC;

		fill(in, len, wseq);
		memcpy(in, &wseq, len >= 4 ? 4 : 0);
		if (ring_push(&f->prod, in, len) == 0)
			wseq++;
		if (round % 3 == 0) {
			ssize_t n;

			while ((n = ring_pop(&f->cons, out, sizeof(out))) >= 0)
				rseq++;
			assert_int_equal(n, -EAGAIN);
		}
	}
	while (ring_pop(&f->cons, out, sizeof(out)) >= 0)
		rseq++;
	assert_int_equal(rseq, wseq);
	assert_true(wseq > 1000);
}

static void test_ring_reserve_commit_shorter(void **state)
{
	struct fixture *f = *state;
	const void *rec;
	size_t len;
	uint8_t *p;

	p = ring_reserve(&f->prod, 100);
	assert_non_null(p);
	memcpy(p, "hello", 5);
	ring_commit(&f->prod, 5);
	assert_int_equal(ring_peek(&f->cons, &rec, &len), 0);
	assert_int_equal(len, 5);
	assert_memory_equal(rec, "hello", 5);
	/* peek does not take it */
	assert_int_equal(ring_peek(&f->cons, &rec, &len), 0);
	ring_consume(&f->cons);
	assert_int_equal(ring_peek(&f->cons, &rec, &len), -EAGAIN);
}

static void test_ring_pop_small_buffer_keeps_record(void **state)
{
	struct fixture *f = *state;
	uint8_t out[64];

	assert_int_equal(ring_push(&f->prod, "0123456789", 10), 0);
	assert_int_equal(ring_pop(&f->cons, out, 4), -EMSGSIZE);
	assert_int_equal(ring_pop(&f->cons, out, sizeof(out)), 10);
}

static void test_ring_corrupt_header_counted_and_recovers(void **state)
{
	struct fixture *f = *state;
	uint8_t out[MAXREC];
	struct ring_stats st;

	assert_int_equal(ring_push(&f->prod, "abc", 3), 0);
	assert_int_equal(ring_push(&f->prod, "def", 3), 0);
	f->data[0] ^= 0x40;	/* first record's length no longer checks */
	assert_int_equal(ring_pop(&f->cons, out, sizeof(out)), -EBADMSG);
	ring_stats_get(&f->cons, &st);
	assert_int_equal(st.bad_records, 1);
	assert_int_equal(st.used, 0);
	/* new records after the corruption are delivered */
	assert_int_equal(ring_push(&f->prod, "ghi", 3), 0);
	assert_int_equal(ring_pop(&f->cons, out, sizeof(out)), 3);
	assert_memory_equal(out, "ghi", 3);
}

static void test_ring_corrupt_length_beyond_head(void **state)
{
	struct fixture *f = *state;
	uint8_t out[MAXREC];
	uint32_t hdr[2];

	assert_int_equal(ring_push(&f->prod, "abc", 3), 0);
	/* a well-formed header whose record runs past what was published */
	hdr[0] = 200;
	hdr[1] = 200 ^ 0x5a17c3e9u;
	memcpy(f->data, hdr, sizeof(hdr));
	assert_int_equal(ring_pop(&f->cons, out, sizeof(out)), -EBADMSG);
	/* and one longer than max_record */
	assert_int_equal(ring_push(&f->prod, "abc", 3), 0);
	hdr[0] = MAXREC + 8;
	hdr[1] = hdr[0] ^ 0x5a17c3e9u;
	memcpy(f->data + 16, hdr, sizeof(hdr));
	assert_int_equal(ring_pop(&f->cons, out, sizeof(out)), -EBADMSG);
}

static void test_ring_corrupt_head_index(void **state)
{
	struct fixture *f = *state;
	uint8_t out[MAXREC];
	struct ring_stats st;

	assert_int_equal(ring_push(&f->prod, "abc", 3), 0);
	atomic_store(&f->shm.head, 3 * SIZE);	/* producer gone mad */
	assert_int_equal(ring_pop(&f->cons, out, sizeof(out)), -EBADMSG);
	ring_stats_get(&f->cons, &st);
	assert_int_equal(st.bad_records, 1);
}

static void test_ring_kick_writes_eventfd_only_when_sleeping(void **state)
{
	struct fixture *f = *state;
	int efd = eventfd(0, EFD_NONBLOCK);
	uint64_t n;

	(void)state;
	assert_true(efd >= 0);
	f->prod.efd = efd;
	f->cons.efd = efd;
	assert_int_equal(ring_push(&f->prod, "x", 1), 0);
	ring_kick(&f->prod);
	assert_true(read(efd, &n, sizeof(n)) < 0);	/* consumer awake */
	ring_pop(&f->cons, &n, sizeof(n));
	assert_true(ring_sleep_prepare(&f->cons));
	ring_kick(&f->prod);		/* nothing queued: no wake-up */
	assert_true(read(efd, &n, sizeof(n)) < 0);
	assert_int_equal(ring_push(&f->prod, "y", 1), 0);
	ring_kick(&f->prod);
	ring_kick(&f->prod);		/* one write per sleep */
	assert_int_equal(read(efd, &n, sizeof(n)), sizeof(n));
	assert_int_equal(n, 1);
	ring_sleep_done(&f->cons);
	/* a record already queued: the consumer must not sleep */
	assert_false(ring_sleep_prepare(&f->cons));
	close(efd);
}

/* --- two threads on two cores, every bus channel ---------------------------- */

struct stress {
	struct ring *prod;
	struct ring *cons;
	uint64_t count;
	uint32_t max_len;
	uint64_t retries;
	_Atomic uint64_t errors;
};

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu % (int)sysconf(_SC_NPROCESSORS_ONLN), &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static uint32_t rec_len(uint64_t seq, uint32_t max_len)
{
	/* 8 bytes of sequence number and a check byte after them */
	return 9 + (uint32_t)((seq * 2654435761u) % (max_len - 8));
}

static void *producer(void *arg)
{
	struct stress *s = arg;
	uint8_t buf[BUS_MAX_FRAME];

	pin(0);
	for (uint64_t seq = 0; seq < s->count; seq++) {
		uint32_t len = rec_len(seq, s->max_len);
		uint8_t *p;

		while (!(p = ring_reserve(s->prod, len))) {
			s->retries++;	/* full: count, and offer again */
			if (atomic_load(&s->errors))
				return NULL;	/* the consumer gave up */
			sched_yield();
		}
		memcpy(buf, &seq, 8);
		buf[len - 1] = (uint8_t)(seq ^ len);
		memcpy(p, buf, 8);
		p[len - 1] = buf[len - 1];
		ring_commit(s->prod, len);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	struct stress *s = arg;

	pin(1);
	for (uint64_t seq = 0; seq < s->count;) {
		const uint8_t *rec;
		uint64_t got;
		size_t len;
		int err = ring_peek(s->cons, (const void **)&rec, &len);

		if (err == -EAGAIN) {
			sched_yield();
			continue;
		}
		if (err) {
			s->errors++;
			return NULL;
		}
		memcpy(&got, rec, 8);
		if (got != seq || len != rec_len(seq, s->max_len) ||
		    rec[len - 1] != (uint8_t)(seq ^ len)) {
			s->errors++;
			return NULL;
		}
		ring_consume(s->cons);
		seq++;
	}
	return NULL;
}

static void test_ring_two_cores_every_channel_no_loss_no_reorder(void **state)
{
	const char *env = getenv("RING_STRESS_RECORDS");
	uint64_t count = env ? strtoull(env, NULL, 10) : 20000000ull;
	struct bus_cfg cfg;
	struct bus *a, *b;
	char err[160];

	(void)state;
	bus_cfg_default(&cfg);
	assert_int_equal(bus_create(&a, &cfg), 0);
	assert_int_equal(bus_attach(&b, bus_memfd(a), NULL, BUS_SIDE_LINUX,
				    err, sizeof(err)), 0);
	for (int ch = 0; ch < BUS_NCHAN; ch++) {
		struct stress s = {
			.prod = bus_ring(a, ch), .cons = bus_ring(b, ch),
			.count = count,
			/* small records: the per-record cost is what matters */
			.max_len = 64,
		};
		struct ring_stats st;
		pthread_t tp, tc;

		pthread_create(&tc, NULL, consumer, &s);
		pthread_create(&tp, NULL, producer, &s);
		pthread_join(tp, NULL);
		pthread_join(tc, NULL);
		assert_int_equal(s.errors, 0);
		ring_stats_get(bus_ring(b, ch), &st);
		assert_int_equal(st.records_in, count);
		assert_int_equal(st.records_out, count);
		assert_int_equal(st.bad_records, 0);
		assert_int_equal(st.drop_full, s.retries);
		assert_true(st.high_water <= st.size);
		print_message("# channel %s: %llu records, %llu full retries\n",
			      bus_chan_name(ch), (unsigned long long)count,
			      (unsigned long long)s.retries);
	}
	bus_detach(b);
	bus_detach(a);
}

static void test_ring_two_cores_jumbo_records(void **state)
{
	struct bus_cfg cfg;
	struct bus *a, *b;
	char err[160];
	struct stress s = { .count = 200000, .max_len = BUS_MAX_FRAME };

	(void)state;
	bus_cfg_default(&cfg);
	assert_int_equal(bus_create(&a, &cfg), 0);
	assert_int_equal(bus_attach(&b, bus_memfd(a), NULL, BUS_SIDE_RT,
				    err, sizeof(err)), 0);
	s.prod = bus_ring(b, BUS_CH_FRAMES_DOWN);
	s.cons = bus_ring(a, BUS_CH_FRAMES_DOWN);
	pthread_t tp, tc;

	pthread_create(&tc, NULL, consumer, &s);
	pthread_create(&tp, NULL, producer, &s);
	pthread_join(tp, NULL);
	pthread_join(tc, NULL);
	assert_int_equal(s.errors, 0);
	bus_detach(b);
	bus_detach(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_ring_open_rejects_bad_geometry, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_ring_open_rejects_corrupt_indices, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_ring_push_pop_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_ring_reopened_handles_go_on_where_the_ring_is,
			setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_ring_push_too_long_is_refused_and_counted, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_ring_push_when_full_drops, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_ring_wraps_with_pad_records, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_ring_reserve_commit_shorter, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_ring_pop_small_buffer_keeps_record, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_ring_corrupt_header_counted_and_recovers, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_ring_corrupt_length_beyond_head, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_ring_corrupt_head_index, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_ring_kick_writes_eventfd_only_when_sleeping, setup,
			teardown),
		cmocka_unit_test(
			test_ring_two_cores_every_channel_no_loss_no_reorder),
		cmocka_unit_test(test_ring_two_cores_jumbo_records),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

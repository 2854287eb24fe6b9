// SPDX-License-Identifier: MIT
/** @file bench_bus.c  Proxy bus benchmark: throughput and cross-core latency
 *
 * One producer thread and one consumer thread on the frames-up channel
 * (RT -> Linux), each with its own handle on the same region: the producer
 * uses the creator's handle (the dispatcher/RT side), the consumer a second
 * handle from bus_attach() (the Linux side), as two processes would. The
 * producer is pinned to CPU 1 (the RT partition's CPU), the consumer to CPU 0,
 * so every record crosses between the two cores. Both threads poll; neither
 * sleeps on the event fd.
 *
 * For each record size (64 and 1500 bytes):
 *  - throughput: the producer pushes flat out (reserve, copy the payload,
 *    commit) and the consumer copies each record out (peek, copy, consume),
 *    REPEATS times; the median rate is the figure, with the slowest and
 *    fastest run beside it. The producer never waits, so when the ring is
 *    full ring_reserve() refuses the record and counts it in drop_full; here
 *    the producer then waits FULL_BACKOFF_NS and retries the same record, so
 *    drop_full counts "ring was full" events, not lost records;
 *  - latency: the producer sends one record every LAT_GAP_NS, stamped with
 *    rtk_now_ns() just before commit; the consumer takes rtk_now_ns() as soon
 *    as ring_peek() returns the record. The gap is far longer than a transfer,
 *    so the figure is the hand-over time between the cores, not queueing.
 *    Percentiles are exact (all samples, sorted).
 * Every record carries a sequence number that the consumer checks: "lost"
 * counts records the ring accepted but never delivered, which must be 0.
 *
 * "others_cpu" is the CPU time other processes used during the size's runs,
 * in % of one CPU: a figure far from 0 means the run was disturbed.
 *
 * Duration: each of the two phases of a record size lasts BENCH_SECONDS / 5
 * (default 10 s, so 2 s).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtos-kernel/rtk.h"
#include "sharednet/bus.h"
#include "sharednet/ring.h"
#include "tests/bench/bench_out.h"

#define CHAN		BUS_CH_FRAMES_UP
#define CPU_PRODUCER	1	/* the RT partition's CPU */
#define CPU_CONSUMER	0	/* the Linux partition's */
#define REPEATS		5	/* throughput runs per record size */
#define LAT_GAP_NS	5000u	/* one record every 5 us in the latency run */
#define TIME_EVERY	64u	/* flat out: read the clock every N records */
#define FULL_BACKOFF_NS	1000u	/* flat out: wait after "ring full" */
#define MAX_LEN		2048u	/* longest record size benchmarked */
#define MAX_SAMPLES	(50u * 1000 * 1000)

/* head of every record's payload */
struct stamp {
	uint64_t seq;
	uint64_t ts;	/* rtk_now_ns() just before commit; 0: not stamped */
};

struct run {
	struct ring *prod;	/* the producer's handle */
	struct ring *cons;	/* the consumer's handle */
	size_t len;		/* payload bytes per record */
	uint64_t duration_ns;
	bool paced;		/* latency run */

	_Atomic int ready;	/* threads at the start line */
	_Atomic bool go;
	_Atomic bool prod_done;	/* release: every record is published */

	/* written by the producer */
	uint64_t t_start;
	uint64_t sent;
	/* written by the consumer */
	uint64_t t_end;
	uint64_t received, lost, reordered, bad;
	uint64_t *lat;
	size_t nlat, lat_cap;
	/* ring counters after the run */
	struct ring_stats st;
};

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static _Atomic bool pin_failed;

static void start_line(struct run *ru, int cpu)
{
	if (bench_pin_self(cpu))
		atomic_store(&pin_failed, true);
	atomic_fetch_add(&ru->ready, 1);
	while (!atomic_load_explicit(&ru->go, memory_order_acquire))
		cpu_relax();
}

static int put(struct ring *r, const uint8_t *fill, size_t len, uint64_t seq,
	       bool stamp)
{
	struct stamp s = { .seq = seq };
	uint8_t *p = ring_reserve(r, len);

	if (!p)
		return -ENOSPC;
	memcpy(p + sizeof(s), fill + sizeof(s), len - sizeof(s));
	if (stamp)
		s.ts = rtk_now_ns();
	memcpy(p, &s, sizeof(s));
	ring_commit(r, len);
	return 0;
}

static uint64_t produce_paced(struct run *ru, const uint8_t *fill,
			      uint64_t end)
{
	uint64_t seq = 0, next = ru->t_start, now;

	while ((now = rtk_now_ns()) < end) {
		if (now < next) {
			cpu_relax();
			continue;
		}
		/* after a stall, no catch-up burst: that would measure
		 * queueing, not the hand-over */
		next += LAT_GAP_NS;
		if (next < now)
			next = now + LAT_GAP_NS;
		/* a refused record is counted by the ring (drop_full) */
		if (!put(ru->prod, fill, ru->len, seq, true))
			seq++;
	}
	return seq;
}

static uint64_t produce_flat_out(struct run *ru, const uint8_t *fill,
				 uint64_t end)
{
	uint64_t seq = 0;

	for (;;) {
		if (!(seq % TIME_EVERY) && rtk_now_ns() >= end)
			break;
		/* ring full: counted in drop_full; back off, so as not to
		 * pull the consumer's cache line away from it on every try,
		 * then try the same record again */
		while (put(ru->prod, fill, ru->len, seq, false)) {
			uint64_t until = rtk_now_ns() + FULL_BACKOFF_NS;

			while (rtk_now_ns() < until)
				cpu_relax();
		}
		seq++;
	}
	return seq;
}

static void *producer_main(void *arg)
{
	struct run *ru = arg;
	uint8_t fill[MAX_LEN];
	uint64_t end;

	for (size_t i = 0; i < sizeof(fill); i++)
		fill[i] = (uint8_t)i;
	start_line(ru, CPU_PRODUCER);
	ru->t_start = rtk_now_ns();
	end = ru->t_start + ru->duration_ns;
	if (ru->paced)
		ru->sent = produce_paced(ru, fill, end);
	else
		ru->sent = produce_flat_out(ru, fill, end);
	atomic_store_explicit(&ru->prod_done, true, memory_order_release);
	return NULL;
}

static void check_seq(struct run *ru, uint64_t seq, uint64_t *expect)
{
	if (seq > *expect)
		ru->lost += seq - *expect;
	else if (seq < *expect)
		ru->reordered++;
	*expect = seq + 1;
}

static void *consumer_main(void *arg)
{
	struct run *ru = arg;
	uint8_t buf[MAX_LEN];
	uint64_t expect = 0, now = 0;
	bool done = false;

	start_line(ru, CPU_CONSUMER);
	for (;;) {
		const void *rec;
		struct stamp s;
		size_t len;
		int err = ring_peek(ru->cons, &rec, &len);

		if (err == -EAGAIN) {
			/* empty after the producer said it is done: finished */
			if (done)
				break;
			done = atomic_load_explicit(&ru->prod_done,
						    memory_order_acquire);
			cpu_relax();
			continue;
		}
		if (err) {
			ru->bad++;
			continue;
		}
		if (ru->paced)
			now = rtk_now_ns();
		if (len < sizeof(s) || len > sizeof(buf)) {
			ru->bad++;
			ring_consume(ru->cons);
			continue;
		}
		memcpy(buf, rec, len);	/* as the TAP writer will copy it */
		ring_consume(ru->cons);
		memcpy(&s, buf, sizeof(s));
		check_seq(ru, s.seq, &expect);
		ru->received++;
		if (ru->paced && ru->nlat < ru->lat_cap)
			ru->lat[ru->nlat++] = now - s.ts;
	}
	ru->t_end = rtk_now_ns();
	return NULL;
}

/* One run on a bus of its own (fresh counters). @return 0 or -errno */
static int run_once(struct run *ru)
{
	struct bus *creator = NULL, *linux_side = NULL;
	int efd[BUS_NCHAN], err;
	struct bus_cfg cfg;
	pthread_t tp, tc;
	char why[160];

	bus_cfg_default(&cfg);
	err = bus_create(&creator, &cfg);
	if (err) {
		fprintf(stderr, "bench_bus: bus_create: %s\n", strerror(-err));
		return err;
	}
	for (unsigned i = 0; i < BUS_NCHAN; i++)
		efd[i] = bus_event_fd(creator, i);
	err = bus_attach(&linux_side, bus_memfd(creator), efd, BUS_SIDE_LINUX,
			 why, sizeof(why));
	if (err) {
		fprintf(stderr, "bench_bus: bus_attach: %s\n", why);
		goto out_creator;
	}
	ru->prod = bus_ring(creator, CHAN);
	ru->cons = bus_ring(linux_side, CHAN);
	atomic_store(&ru->ready, 0);
	atomic_store(&ru->go, false);
	atomic_store(&ru->prod_done, false);
	ru->sent = ru->received = ru->lost = ru->reordered = ru->bad = 0;
	ru->nlat = 0;
	err = -pthread_create(&tc, NULL, consumer_main, ru);
	if (err)
		goto out_attached;
	err = -pthread_create(&tp, NULL, producer_main, ru);
	if (err) {
		/* let the consumer finish on an empty run */
		atomic_store(&ru->prod_done, true);
		atomic_store(&ru->go, true);
		pthread_join(tc, NULL);
		goto out_attached;
	}
	while (atomic_load(&ru->ready) < 2)
		cpu_relax();
	atomic_store_explicit(&ru->go, true, memory_order_release);
	pthread_join(tp, NULL);
	pthread_join(tc, NULL);
	ring_stats_get(ru->prod, &ru->st);

 out_attached:
	linux_side = bus_detach(linux_side);
 out_creator:
	creator = bus_detach(creator);
	return err;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct totals {
	uint64_t lost, reordered, bad, drop_full, drop_too_big, in, out;
};

static void add_totals(struct totals *t, const struct run *ru)
{
	t->lost += ru->lost;
	t->reordered += ru->reordered;
	t->bad += ru->bad + ru->st.bad_records;
	t->drop_full += ru->st.drop_full;
	t->drop_too_big += ru->st.drop_too_big;
	t->in += ru->st.records_in;
	t->out += ru->st.records_out;
}

static int bench_throughput(struct run *ru, const char *area,
			    struct totals *tot)
{
	double rate[REPEATS], med;
	uint64_t hw = 0;
	int err;

	ru->paced = false;
	for (int i = 0; i < REPEATS; i++) {
		err = run_once(ru);
		if (err)
			return err;
		rate[i] = (double)ru->received * 1e9 /
			  (double)(ru->t_end - ru->t_start);
		if (ru->st.high_water > hw)
			hw = ru->st.high_water;
		add_totals(tot, ru);
	}
	qsort(rate, REPEATS, sizeof(rate[0]), cmp_double);
	med = rate[REPEATS / 2];
	bench_fig(area, "rate", med, "rec/s");
	bench_fig(area, "rate_min", rate[0], "rec/s");
	bench_fig(area, "rate_max", rate[REPEATS - 1], "rec/s");
	bench_fig(area, "ns_per_rec", 1e9 / med, "ns");
	bench_fig(area, "mb_s", med * (double)ru->len / 1e6, "MB/s");
	bench_fig(area, "drop_full", (double)tot->drop_full, "count");
	bench_note("%s: median of %d runs of %.2f s; ring full %llu times "
		   "(producer retried), high water %llu of %llu bytes", area,
		   REPEATS, (double)ru->duration_ns / 1e9,
		   (unsigned long long)tot->drop_full,
		   (unsigned long long)hw, (unsigned long long)ru->st.size);
	return 0;
}

static int bench_latency(struct run *ru, const char *area, struct totals *tot)
{
	uint64_t full_before = tot->drop_full;
	int err;

	ru->paced = true;
	err = run_once(ru);
	if (err)
		return err;
	add_totals(tot, ru);
	bench_sort_u64(ru->lat, ru->nlat);
	bench_fig(area, "lat_p50", (double)bench_pct(ru->lat, ru->nlat, 50),
		  "ns");
	bench_fig(area, "lat_p99", (double)bench_pct(ru->lat, ru->nlat, 99),
		  "ns");
	bench_fig(area, "lat_p999", (double)bench_pct(ru->lat, ru->nlat,
						      99.9), "ns");
	bench_fig(area, "lat_max", ru->nlat ? (double)ru->lat[ru->nlat - 1] : 0,
		  "ns");
	bench_fig(area, "lat_drop_full", (double)(tot->drop_full - full_before),
		  "rec");
	bench_note("%s: %zu latency samples, one record every %u ns", area,
		   ru->nlat, LAT_GAP_NS);
	return 0;
}

static int bench_size(size_t len, uint64_t phase_ns)
{
	struct totals tot = { 0 };
	struct run ru = { .len = len };
	struct bench_cpu c0, c1;
	char area[32];
	uint64_t cap;
	int err;

	snprintf(area, sizeof(area), "bus.rec%zu", len);
	cap = phase_ns / LAT_GAP_NS + 1024;
	ru.lat_cap = cap < MAX_SAMPLES ? cap : MAX_SAMPLES;
	ru.lat = calloc(ru.lat_cap, sizeof(*ru.lat));
	if (!ru.lat)
		return -ENOMEM;
	bench_cpu_snap(&c0);
	ru.duration_ns = phase_ns / REPEATS;
	err = bench_throughput(&ru, area, &tot);
	if (!err) {
		ru.duration_ns = phase_ns;
		err = bench_latency(&ru, area, &tot);
	}
	free(ru.lat);
	if (err)
		return err;
	bench_cpu_snap(&c1);
	/* what else ran meanwhile: should be about 0 */
	bench_fig(area, "others_cpu", bench_cpu_others_pct(&c0, &c1, 0), "%");
	bench_fig(area, "lost", (double)tot.lost, "rec");
	bench_fig(area, "bad", (double)tot.bad, "count");
	if (tot.reordered || tot.drop_too_big || tot.in != tot.out)
		bench_note("%s: LIBRARY PROBLEM: %llu reordered, %llu too big, "
			   "%llu records in but %llu out", area,
			   (unsigned long long)tot.reordered,
			   (unsigned long long)tot.drop_too_big,
			   (unsigned long long)tot.in,
			   (unsigned long long)tot.out);
	return 0;
}

int main(void)
{
	static const size_t sizes[] = { 64, 1500 };
	double secs = bench_seconds(10);
	uint64_t phase_ns = (uint64_t)(secs / 5 * 1e9);
	int rc = 0;

	bench_note("bus: producer on CPU %d, consumer on CPU %d, channel %s",
		   CPU_PRODUCER, CPU_CONSUMER, bus_chan_name(CHAN));
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		int err = bench_size(sizes[i], phase_ns);

		if (err) {
			fprintf(stderr, "bench_bus: %zu-byte records: %s\n",
				sizes[i], strerror(-err));
			rc = 1;
		}
		fflush(stdout);
	}
	if (atomic_load(&pin_failed))
		bench_note("could not pin the threads to CPUs %d and %d: "
			   "figures are from unpinned threads", CPU_PRODUCER,
			   CPU_CONSUMER);
	return rc;
}

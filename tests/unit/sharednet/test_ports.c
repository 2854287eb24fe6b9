// SPDX-License-Identifier: MIT
/** @file test_ports.c  Port partition bitmap: init, claim, release, format,
 *  generation, and a reader racing the writer */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "board/config.h"
#include "sharednet/ports.h"

#define RTP_LO 16384
#define RTP_HI 32767

/* the default configuration: UDP echo and the RTP/RTCP range */
static const struct cfg_ports default_rt = {
	.n = 2,
	.r = { { 7, 7 }, { RTP_LO, RTP_HI } },
};

static int setup(void **state)
{
	struct ports_shm *p = calloc(1, sizeof(*p));

	if (!p)
		return -1;
	ports_init(p, &default_rt);
	*state = p;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static const char *fmt(const struct ports_shm *p)
{
	static char buf[1024];

	assert_int_equal(ports_format(p, buf, sizeof(buf)), 0);
	return buf;
}

static bool gen_is_even(const struct ports_shm *p)
{
	return (ports_gen(p) & 1) == 0;
}

static void test_ports_init_sets_exactly_the_config(void **state)
{
	struct ports_shm *p = *state;

	assert_false(ports_is_rt(p, 0));
	assert_false(ports_is_rt(p, 6));
	assert_true(ports_is_rt(p, 7));
	assert_false(ports_is_rt(p, 8));
	assert_false(ports_is_rt(p, 5060));
	assert_false(ports_is_rt(p, RTP_LO - 1));
	assert_true(ports_is_rt(p, RTP_LO));
	assert_true(ports_is_rt(p, 20000));
	assert_true(ports_is_rt(p, RTP_HI));
	assert_false(ports_is_rt(p, RTP_HI + 1));
	assert_false(ports_is_rt(p, 65535));
	assert_int_equal(ports_count(p), 1 + (RTP_HI - RTP_LO + 1));
	assert_string_equal(fmt(p), "7,16384-32767");
	assert_true(gen_is_even(p));
	assert_true(ports_gen(p) > 0);
}

static void test_ports_init_replaces_the_previous_set(void **state)
{
	struct ports_shm *p = *state;
	const struct cfg_ports other = {
		.n = 3, .r = { { 1, 1 }, { 100, 163 }, { 65535, 65535 } },
	};
	uint64_t g = ports_gen(p);

	assert_int_equal(ports_claim(p, 5000, 5010), 0);
	ports_init(p, &other);
	assert_string_equal(fmt(p), "1,100-163,65535");
	assert_int_equal(ports_count(p), 1 + 64 + 1);
	assert_false(ports_is_rt(p, 7));
	assert_false(ports_is_rt(p, 5005));
	assert_false(ports_is_rt(p, RTP_LO));
	assert_true(ports_gen(p) != g);
	assert_true(gen_is_even(p));
}

static void test_ports_init_empty_config_is_none(void **state)
{
	struct ports_shm *p = *state;
	const struct cfg_ports none = { .n = 0 };

	ports_init(p, &none);
	assert_int_equal(ports_count(p), 0);
	assert_string_equal(fmt(p), "none");
	for (uint32_t port = 0; port < 65536; port++)
		assert_false(ports_is_rt(p, (uint16_t)port));
}

static void test_ports_init_from_parsed_config_round_trips(void **state)
{
	struct ports_shm *p = *state;
	const char *s = "7,5004-5005,10000-10063,16384-32767,65000-65535";
	struct cfg_ports c;
	char why[160], back[256];

	assert_int_equal(cfg_parse_ports(s, &c, why, sizeof(why)), 0);
	ports_init(p, &c);
	assert_string_equal(fmt(p), s);
	assert_int_equal(cfg_format_ports(&c, back, sizeof(back)), 0);
	assert_string_equal(fmt(p), back);
	assert_int_equal(ports_count(p),
			 1 + 2 + 64 + (RTP_HI - RTP_LO + 1) + 536);
}

static void test_ports_claim_adds_and_release_removes(void **state)
{
	struct ports_shm *p = *state;
	size_t n = ports_count(p);

	assert_int_equal(ports_claim(p, 40000, 40099), 0);
	assert_true(ports_is_rt(p, 40000));
	assert_true(ports_is_rt(p, 40099));
	assert_false(ports_is_rt(p, 39999));
	assert_false(ports_is_rt(p, 40100));
	assert_int_equal(ports_count(p), n + 100);
	assert_string_equal(fmt(p), "7,16384-32767,40000-40099");

	/* a hole in the middle of the RTP range splits it */
	assert_int_equal(ports_release(p, 20000, 20099), 0);
	assert_false(ports_is_rt(p, 20000));
	assert_false(ports_is_rt(p, 20099));
	assert_true(ports_is_rt(p, 19999));
	assert_true(ports_is_rt(p, 20100));
	assert_int_equal(ports_count(p), n);
	assert_string_equal(fmt(p),
			    "7,16384-19999,20100-32767,40000-40099");

	/* and claiming it back joins the ranges again */
	assert_int_equal(ports_claim(p, 20000, 20099), 0);
	assert_int_equal(ports_release(p, 40000, 40099), 0);
	assert_string_equal(fmt(p), "7,16384-32767");
	assert_int_equal(ports_count(p), n);
}

static void test_ports_claim_and_release_are_idempotent(void **state)
{
	struct ports_shm *p = *state;
	size_t n = ports_count(p);

	/* already held */
	assert_int_equal(ports_claim(p, RTP_LO, RTP_LO + 9), 0);
	assert_int_equal(ports_count(p), n);
	assert_int_equal(ports_release(p, 5060, 5061), 0);	/* not held */
	assert_int_equal(ports_count(p), n);
	assert_int_equal(ports_claim(p, 5060, 5061), 0);
	assert_int_equal(ports_claim(p, 5060, 5061), 0);
	assert_int_equal(ports_count(p), n + 2);
	assert_int_equal(ports_release(p, 5060, 5061), 0);
	assert_int_equal(ports_release(p, 5060, 5061), 0);
	assert_int_equal(ports_count(p), n);
}

static void test_ports_edges_of_the_port_space(void **state)
{
	struct ports_shm *p = *state;
	const struct cfg_ports none = { .n = 0 };

	ports_init(p, &none);
	assert_int_equal(ports_claim(p, 65535, 65535), 0);
	assert_true(ports_is_rt(p, 65535));
	assert_false(ports_is_rt(p, 65534));
	assert_string_equal(fmt(p), "65535");
	assert_int_equal(ports_claim(p, 1, 1), 0);
	assert_string_equal(fmt(p), "1,65535");
	/* word boundaries: 63|64 and 127|128 */
	assert_int_equal(ports_claim(p, 63, 128), 0);
	assert_false(ports_is_rt(p, 62));
	assert_true(ports_is_rt(p, 63));
	assert_true(ports_is_rt(p, 64));
	assert_true(ports_is_rt(p, 127));
	assert_true(ports_is_rt(p, 128));
	assert_false(ports_is_rt(p, 129));
	assert_int_equal(ports_count(p), 2 + 66);
	assert_string_equal(fmt(p), "1,63-128,65535");

	assert_int_equal(ports_claim(p, 1, 65535), 0);
	assert_int_equal(ports_count(p), 65535);
	assert_false(ports_is_rt(p, 0));	/* port 0 is never RT */
	assert_string_equal(fmt(p), "1-65535");
	assert_int_equal(ports_release(p, 1, 65535), 0);
	assert_int_equal(ports_count(p), 0);
	assert_string_equal(fmt(p), "none");
}

static void test_ports_bad_ranges_are_einval_and_change_nothing(void **state)
{
	struct ports_shm *p = *state;
	uint64_t g = ports_gen(p);
	size_t n = ports_count(p);

	assert_int_equal(ports_claim(p, 0, 10), -EINVAL);
	assert_int_equal(ports_claim(p, 0, 0), -EINVAL);
	assert_int_equal(ports_claim(p, 200, 100), -EINVAL);
	assert_int_equal(ports_claim(p, 65535, 1), -EINVAL);
	assert_int_equal(ports_release(p, 0, RTP_HI), -EINVAL);
	assert_int_equal(ports_release(p, RTP_HI, RTP_LO), -EINVAL);
	assert_false(ports_is_rt(p, 0));
	assert_false(ports_is_rt(p, 10));
	assert_false(ports_is_rt(p, 150));
	assert_int_equal(ports_count(p), n);
	assert_int_equal(ports_gen(p), g);
	assert_string_equal(fmt(p), "7,16384-32767");
}

static void test_ports_gen_changes_and_is_even_when_stable(void **state)
{
	struct ports_shm *p = *state;
	uint64_t g0 = ports_gen(p), g1, g2, g3;

	assert_true(gen_is_even(p));
	assert_int_equal(ports_claim(p, 5000, 5001), 0);
	g1 = ports_gen(p);
	assert_true(g1 != g0);
	assert_true(gen_is_even(p));
	assert_int_equal(ports_release(p, 5000, 5001), 0);
	g2 = ports_gen(p);
	assert_true(g2 != g1);
	assert_true(g2 != g0);	/* the set of g0, but a new generation */
	assert_true(gen_is_even(p));
	ports_init(p, &default_rt);
	g3 = ports_gen(p);
	assert_true(g3 != g2);
	assert_true(gen_is_even(p));
	/* reading does not change it */
	(void)ports_count(p);
	(void)fmt(p);
	(void)ports_is_rt(p, 7);
	assert_int_equal(ports_gen(p), g3);
}

static void test_ports_format_exact_fit_and_truncation(void **state)
{
	struct ports_shm *p = *state;
	const char *want = "7,16384-32767";
	size_t need = strlen(want) + 1;
	char buf[64];

	memset(buf, 'x', sizeof(buf));
	assert_int_equal(ports_format(p, buf, need), 0);
	assert_string_equal(buf, want);

	for (size_t len = 1; len < need; len++) {
		memset(buf, 'x', sizeof(buf));
		assert_int_equal(ports_format(p, buf, len), -ENOSPC);
		/* what is written is a terminated prefix inside the buffer */
		assert_true(memchr(buf, '\0', len) != NULL);
		assert_int_equal(strncmp(buf, want, strlen(buf)), 0);
		assert_int_equal(buf[len], 'x');
	}
}

static void test_ports_format_many_ranges_truncates(void **state)
{
	struct ports_shm *p = *state;
	char buf[32];

	/* every other port from 1000 on: far more than 32 bytes of text */
	for (uint16_t port = 1000; port < 1200; port += 2)
		assert_int_equal(ports_claim(p, port, port), 0);
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(ports_format(p, buf, sizeof(buf)), -ENOSPC);
	assert_true(memchr(buf, '\0', sizeof(buf)) != NULL);
	assert_int_equal(strncmp(buf, "7,1000,1002,", 12), 0);
}

static void test_ports_format_none_truncated_is_enospc(void **state)
{
	struct ports_shm *p = *state;
	const struct cfg_ports none = { .n = 0 };
	char buf[8];

	ports_init(p, &none);
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(ports_format(p, buf, 5), 0);
	assert_string_equal(buf, "none");
	/* "none" does not fit in 4 bytes: truncated, so -ENOSPC like any
	 * other truncated result */
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(ports_format(p, buf, 4), -ENOSPC);
	assert_int_equal(buf[4], 'x');
}

static void test_ports_format_zero_len_writes_nothing(void **state)
{
	struct ports_shm *p = *state;
	char buf[4] = { 'x', 'x', 'x', 'x' };

	assert_int_equal(ports_format(p, buf, 0), -ENOSPC);
	assert_int_equal(buf[0], 'x');
}

/* ---- a reader racing the writer ----------------------------------------- */

/* not word-aligned on purpose: the edge words hold RT bits and Linux bits */
#define RACE_LO		4116	/* word 64, bit 20 */
#define RACE_HI		8171	/* word 127, bit 43 */
#define RACE_W0		(RACE_LO / 64)
#define RACE_W1		(RACE_HI / 64)
#define RACE_NW		(RACE_W1 - RACE_W0 + 1)
#define RACE_ROUNDS	3000

struct race {
	struct ports_shm *p;
	uint64_t gen0;		/* gen after init: range released */
	uint64_t mask[RACE_NW];	/* the range's bits in each word */
	atomic_bool done;
	/* reader's findings */
	uint64_t snapshots;	/* reads between two equal, even gens */
	uint64_t bad_word;	/* a word no sequence of bit updates makes */
	uint64_t bad_fixed;	/* a word outside the range changed */
	uint64_t bad_snapshot;	/* a stable snapshot not a stable state */
};

static uint64_t low_bits(unsigned k)
{
	return k >= 64 ? ~0ull : (1ull << k) - 1;
}

/* set_range() changes one bit at a time from lo upwards, so a claim from
 * empty passes through "the lowest k bits of the range's mask set" and a
 * release from full through "the lowest k bits clear", and no bit outside
 * the mask ever changes. Any other value is torn or mixed. */
static bool word_possible(uint64_t w, uint64_t mask)
{
	for (unsigned k = 0; k <= 64; k++) {
		if (w == (mask & low_bits(k)) || w == (mask & ~low_bits(k)))
			return true;
	}
	return false;
}

static void race_masks(struct race *r)
{
	for (unsigned i = 0; i < RACE_NW; i++) {
		uint64_t m = ~0ull;

		if (i == 0)
			m &= ~low_bits(RACE_LO % 64);
		if (i == RACE_NW - 1)
			m &= low_bits(RACE_HI % 64 + 1);
		r->mask[i] = m;
	}
}

static bool fixed_words_intact(const struct ports_shm *p)
{
	return atomic_load_explicit(&p->bits[0], memory_order_relaxed) ==
		1ull << 7 &&
	       atomic_load_explicit(&p->bits[RTP_LO / 64],
				    memory_order_relaxed) == ~0ull &&
	       atomic_load_explicit(&p->bits[RACE_W0 - 1],
				    memory_order_relaxed) == 0 &&
	       atomic_load_explicit(&p->bits[RACE_W1 + 1],
				    memory_order_relaxed) == 0;
}

static void *race_reader(void *arg)
{
	struct race *r = arg;
	struct ports_shm *p = r->p;
	uint64_t w[RACE_NW];
	bool last = false;

	while (!last) {
		bool full = true, empty = true;
		uint64_t g1, g2;

		last = atomic_load(&r->done);
		g1 = ports_gen(p);
		for (unsigned i = 0; i < RACE_NW; i++) {
			w[i] = atomic_load_explicit(&p->bits[RACE_W0 + i],
						    memory_order_relaxed);
			if (!word_possible(w[i], r->mask[i]))
				r->bad_word++;
			full = full && w[i] == r->mask[i];
			empty = empty && !w[i];
		}
		if (!fixed_words_intact(p))
			r->bad_fixed++;
		atomic_thread_fence(memory_order_acquire);
		g2 = ports_gen(p);
		if (g1 != g2 || (g1 & 1))
			continue;
		/* stable: the snapshot must be the state of generation g1;
		 * each change adds 2, and claims and releases alternate */
		r->snapshots++;
		if (((g1 - r->gen0) / 2) & 1 ? !full : !empty)
			r->bad_snapshot++;
	}
	return NULL;
}

static void test_ports_reader_never_sees_torn_words(void **state)
{
	struct ports_shm *p = *state;
	struct race r = { .p = p, .gen0 = ports_gen(p) };
	pthread_t t;

	race_masks(&r);
	assert_int_equal(pthread_create(&t, NULL, race_reader, &r), 0);
	for (unsigned i = 0; i < RACE_ROUNDS; i++) {
		assert_int_equal(ports_claim(p, RACE_LO, RACE_HI), 0);
		assert_int_equal(ports_release(p, RACE_LO, RACE_HI), 0);
	}
	atomic_store(&r.done, true);
	assert_int_equal(pthread_join(t, NULL), 0);

	assert_int_equal(r.bad_word, 0);
	assert_int_equal(r.bad_fixed, 0);
	assert_int_equal(r.bad_snapshot, 0);
	/* the reader's last pass starts after the writer stopped */
	assert_true(r.snapshots >= 1);
	assert_int_equal(ports_gen(p), r.gen0 + 4 * RACE_ROUNDS);
	assert_string_equal(fmt(p), "7,16384-32767");
}

/* the checker itself must be able to fail */
static void test_ports_race_checker_rejects_torn_words(void **state)
{
	struct race r;

	(void)state;
	race_masks(&r);
	assert_int_equal(r.mask[0], 0xfffffffffff00000ull);
	assert_int_equal(r.mask[1], ~0ull);
	assert_int_equal(r.mask[RACE_NW - 1], 0x00000fffffffffffull);
	assert_true(word_possible(0, ~0ull));
	assert_true(word_possible(~0ull, ~0ull));
	assert_true(word_possible(0xffull, ~0ull));
	assert_true(word_possible(~0xffull, ~0ull));
	assert_true(word_possible(0x0000000000300000ull, r.mask[0]));
	assert_false(word_possible(0x0000000f0000ffffull, ~0ull));
	assert_false(word_possible(0xffff0000ffffffffull, ~0ull));
	assert_false(word_possible(0x100, ~0ull));
	/* a bit outside the range's mask */
	assert_false(word_possible(0x0000000000000001ull, r.mask[0]));
	assert_false(word_possible(0x0000100000000000ull, r.mask[RACE_NW - 1]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_ports_init_sets_exactly_the_config),
		T(test_ports_init_replaces_the_previous_set),
		T(test_ports_init_empty_config_is_none),
		T(test_ports_init_from_parsed_config_round_trips),
		T(test_ports_claim_adds_and_release_removes),
		T(test_ports_claim_and_release_are_idempotent),
		T(test_ports_edges_of_the_port_space),
		T(test_ports_bad_ranges_are_einval_and_change_nothing),
		T(test_ports_gen_changes_and_is_even_when_stable),
		T(test_ports_format_exact_fit_and_truncation),
		T(test_ports_format_many_ranges_truncates),
		T(test_ports_format_none_truncated_is_enospc),
		T(test_ports_format_zero_len_writes_nothing),
		T(test_ports_reader_never_sees_torn_words),
		T(test_ports_race_checker_rejects_torn_words),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: MIT
/** @file test_udptl.c  UDPTL packets: the octets on the wire, redundancy
 *  bringing back lost packets in order, late and repeated packets, FEC
 *  packets read past, malformed packets refused whole, the datagram size
 *  kept, sequence numbers wrapping */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "media/udptl.h"

/* what the receiver handed on */
static struct {
	unsigned n;
	uint16_t seq[64];
	uint8_t first[64];	/* each IFP's first octet */
	size_t len[64];
} got;

static void on_ifp(void *arg, const uint8_t *ifp, size_t len, uint16_t seq)
{
	(void)arg;
	assert_true(got.n < 64);
	got.seq[got.n] = seq;
	got.first[got.n] = len ? ifp[0] : 0;
	got.len[got.n++] = len;
}

static int setup(void **state)
{
	(void)state;
	memset(&got, 0, sizeof(got));
	return 0;
}

/* T.38 Annex A's aligned PER, octet for octet */
static void test_udptl_octets(void **state)
{
	static const uint8_t ind[] = { 0x00, 0x05 }, one[] = { 0x01 },
			     two[] = { 0xaa, 0xbb };
	static const uint8_t p1[] = { 0x12, 0x34, 0x02, 0x00, 0x05, 0x00,
				      0x00 };
	static const uint8_t p2[] = { 0x12, 0x35, 0x01, 0x01, 0x00, 0x01,
				      0x02, 0x00, 0x05 };
	static const uint8_t p3[] = { 0x12, 0x36, 0x02, 0xaa, 0xbb, 0x00,
				      0x02, 0x01, 0x01, 0x02, 0x00, 0x05 };
	uint8_t big[200], out[400];
	struct udptl_tx tx;
	int n;

	(void)state;
	udptl_tx_init(&tx, 2, 0x1234);
	n = udptl_send(&tx, ind, sizeof(ind), out, sizeof(out));
	assert_int_equal(n, sizeof(p1));
	assert_memory_equal(out, p1, sizeof(p1));
	n = udptl_send(&tx, one, sizeof(one), out, sizeof(out));
	assert_int_equal(n, sizeof(p2));
	assert_memory_equal(out, p2, sizeof(p2));
	n = udptl_send(&tx, two, sizeof(two), out, sizeof(out));	/* newest first */
	assert_int_equal(n, sizeof(p3));
	assert_memory_equal(out, p3, sizeof(p3));
	/* 200 octets: a two-octet length, 0x80 | 0, 200 */
	memset(big, 0x5a, sizeof(big));
	udptl_tx_init(&tx, 0, 7);
	n = udptl_send(&tx, big, sizeof(big), out, sizeof(out));
	assert_int_equal(n, 2 + 2 + 200 + 2);
	assert_int_equal(out[2], 0x80);
	assert_int_equal(out[3], 200);
	assert_int_equal(out[204], 0x00);
	assert_int_equal(out[205], 0x00);
}

/* a stream with redundancy 2 through a network that loses packets: runs
 * of up to two lost come back, in order; a run of three loses one */
static void test_udptl_redundancy_recovers(void **state)
{
	static const bool drop[20] = { [3] = true, [7] = true, [8] = true,
				       [12] = true, [13] = true, [14] = true };
	struct udptl_tx tx;
	struct udptl_rx rx;
	uint8_t out[200], ifp[3];
	unsigned i;

	(void)state;
	udptl_tx_init(&tx, 2, 100);
	udptl_rx_init(&rx);
	for (i = 0; i < 20; i++) {
		int n;

		memset(ifp, (int)i, sizeof(ifp));
		n = udptl_send(&tx, ifp, sizeof(ifp), out, sizeof(out));
		assert_true(n > 0);
		if (!drop[i])
			assert_int_equal(udptl_recv(&rx, out, (size_t)n,
						    on_ifp, NULL), 0);
	}
	assert_int_equal(got.n, 19);		/* 12 is gone */
	for (i = 0; i < got.n; i++) {
		unsigned want = i < 12 ? i : i + 1;

		assert_int_equal(got.seq[i], 100 + want);
		assert_int_equal(got.first[i], want);
		assert_int_equal(got.len[i], 3);
	}
	assert_int_equal(rx.st.packets, 14);
	assert_int_equal(rx.st.recovered, 5);
	assert_int_equal(rx.st.lost, 1);
	assert_int_equal(rx.st.ifp, 19);
}

/* an old packet and a repeated one are dropped and counted; the sequence
 * numbers wrap */
static void test_udptl_late_and_wrap(void **state)
{
	struct udptl_tx tx;
	struct udptl_rx rx;
	uint8_t a[50], b[50], c[50], ifp = 1;
	int na, nb, nc;

	(void)state;
	udptl_tx_init(&tx, 1, 65535);
	udptl_rx_init(&rx);
	na = udptl_send(&tx, &ifp, 1, a, sizeof(a));
	ifp = 2;
	nb = udptl_send(&tx, &ifp, 1, b, sizeof(b));
	ifp = 3;
	nc = udptl_send(&tx, &ifp, 1, c, sizeof(c));
	assert_int_equal(b[0], 0);
	assert_int_equal(b[1], 0);			/* 65535 + 1 */
	assert_int_equal(udptl_recv(&rx, a, (size_t)na, on_ifp, NULL), 0);
	assert_int_equal(udptl_recv(&rx, c, (size_t)nc, on_ifp, NULL), 0);
	assert_int_equal(udptl_recv(&rx, b, (size_t)nb, on_ifp, NULL), 0);
	assert_int_equal(udptl_recv(&rx, c, (size_t)nc, on_ifp, NULL), 0);
	assert_int_equal(got.n, 3);		/* 2 came back inside 3 */
	assert_int_equal(got.seq[0], 65535);
	assert_int_equal(got.seq[1], 0);
	assert_int_equal(got.seq[2], 1);
	assert_int_equal(got.first[1], 2);
	assert_int_equal(rx.st.late, 2);
	assert_int_equal(rx.st.recovered, 1);
}

/* a jump far ahead: counted lost, not walked one by one */
static void test_udptl_far_jump(void **state)
{
	static const uint8_t p[] = { 0x00, 0x01, 0x01, 0x07, 0x00, 0x00 },
			     q[] = { 0x75, 0x31, 0x01, 0x08, 0x00, 0x00 };
	struct udptl_rx rx;

	(void)state;
	udptl_rx_init(&rx);
	assert_int_equal(udptl_recv(&rx, p, sizeof(p), on_ifp, NULL), 0);
	assert_int_equal(udptl_recv(&rx, q, sizeof(q), on_ifp, NULL), 0);
	assert_int_equal(got.n, 2);
	assert_int_equal(got.seq[1], 30001);
	assert_int_equal(rx.st.lost, 29999);
}

/* FEC: the primary is handed on, the FEC data read past */
static void test_udptl_fec_read_past(void **state)
{
	static const uint8_t p[] = { 0x00, 0x09, 0x02, 0x06, 0x06, 0x80,
				     0x01, 0x03, 0x02, 0x01, 0xff, 0x02,
				     0xee, 0xdd };
	struct udptl_rx rx;

	(void)state;
	udptl_rx_init(&rx);
	assert_int_equal(udptl_recv(&rx, p, sizeof(p), on_ifp, NULL), 0);
	assert_int_equal(got.n, 1);
	assert_int_equal(got.seq[0], 9);
	assert_int_equal(got.len[0], 2);
	assert_int_equal(rx.st.fec, 1);
}

/* malformed packets: refused whole, counted, nothing handed on */
static void test_udptl_malformed(void **state)
{
	static const struct {
		const char *what;
		uint8_t p[12];
		size_t len;
	} bad[] = {
		{ "empty", { 0 }, 0 },
		{ "no primary", { 0x00, 0x01 }, 2 },
		{ "primary past the end", { 0x00, 0x01, 0x05, 0x01 }, 4 },
		{ "no error recovery", { 0x00, 0x01, 0x01, 0x01 }, 4 },
		{ "a fragment length", { 0x00, 0x01, 0xc1, 0x01, 0x00, 0x00 },
		  6 },
		{ "a two-octet length cut", { 0x00, 0x01, 0x81 }, 3 },
		{ "a secondary cut", { 0x00, 0x01, 0x01, 0x01, 0x00, 0x02,
				       0x01, 0x01, 0x02, 0x01 }, 10 },
		{ "octets after it", { 0x00, 0x01, 0x01, 0x01, 0x00, 0x00,
				       0x99 }, 7 },
		{ "bad FEC", { 0x00, 0x01, 0x01, 0x01, 0x80, 0x02, 0x01,
			       0x00 }, 8 },
		{ "FEC entries cut", { 0x00, 0x01, 0x01, 0x01, 0x80, 0x01,
				       0x01, 0x02, 0x01, 0x01 }, 10 },
	};
	struct udptl_rx rx;
	size_t i;

	(void)state;
	udptl_rx_init(&rx);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (udptl_recv(&rx, bad[i].p, bad[i].len, on_ifp, NULL) !=
		    -EBADMSG)
			fail_msg("%s: taken", bad[i].what);
	assert_int_equal(got.n, 0);
	assert_int_equal(rx.st.malformed, sizeof(bad) / sizeof(bad[0]));
	assert_int_equal(rx.st.packets, 0);
	assert_false(rx.started);
}

/* the datagram size: the oldest redundancy left out first; an IFP packet
 * too long, or whose packet alone does not fit, refused */
static void test_udptl_datagram_size(void **state)
{
	uint8_t ifp[UDPTL_IFP_MAX + 1], out[400];
	struct udptl_tx tx;
	struct udptl_rx rx;
	int n;

	(void)state;
	memset(ifp, 1, sizeof(ifp));
	udptl_tx_init(&tx, 3, 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(udptl_send(&tx, ifp, 100, out, sizeof(out)),
				 2 + 1 + 100 + 2 + i * 101);
	/* 3 secondaries need 2 + 101 + 2 + 303 = 408: two fit in 400 */
	n = udptl_send(&tx, ifp, 100, out, 400);
	assert_int_equal(n, 2 + 101 + 2 + 202);
	assert_int_equal(out[104], 2);
	udptl_rx_init(&rx);
	assert_int_equal(udptl_recv(&rx, out, (size_t)n, on_ifp, NULL), 0);
	assert_int_equal(udptl_send(&tx, ifp, UDPTL_IFP_MAX + 1, out,
				    sizeof(out)), -EMSGSIZE);
	assert_int_equal(udptl_send(&tx, ifp, 100, out, 104), -EMSGSIZE);
	assert_int_equal(udptl_send(&tx, ifp, 100, out, 105), 105);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup(f, setup)
		T(test_udptl_octets),
		T(test_udptl_redundancy_recovers),
		T(test_udptl_late_and_wrap),
		T(test_udptl_far_jump),
		T(test_udptl_fec_read_past),
		T(test_udptl_malformed),
		T(test_udptl_datagram_size),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

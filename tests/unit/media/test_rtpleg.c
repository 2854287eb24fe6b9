// SPDX-License-Identifier: MIT
/** @file test_rtpleg.c  RTP legs through the RT stack: two legs talk to
 *  each other through lwIP on one netif
 *
 * lwIP runs for real (lwipif.c, the netif of the RT partition; the
 * harness is lwip_wire.h). What it sends comes to a test "wire", which
 * plays a peer at 198.18.0.99: it answers ARP, and sends each UDP frame
 * back with its IP addresses swapped (checksums hold), so that what leg A
 * (port 20000) sends to the peer's port 30000 arrives at leg B (port
 * 30000) from 198.18.0.99:20000, and the other way round. The wire can
 * drop frames on purpose.
 * Most tests run in one thread on a fake clock: the test is the net task
 * (the wire) and the media task (send, then receive). The last one runs
 * real RT tasks, "net" and "media", in two threads.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <lwip/tcpip.h>
#include <lwip/udp.h>
#include <spandsp.h>

#include "hal/pkt.h"
#include "media/codec.h"
#include "media/rtpleg.h"
#include "rtos-kernel/rtk.h"
#include "rtos-kernel/task.h"
#include "tests/unit/media/lwip_wire.h"

#define PORT_A		20000
#define PORT_B		30000
#define LEGS		4
#define FRAME		160		/* 20 ms */
#define DSCP_EF		46		/* what the legs mark their packets */

static struct rtpleg *a, *b;
/* the wire drops RTP to port @c drop_port with these sequence numbers
 * (counted from the first one it saw) */
static uint16_t drop_port;
static int drop_from = -1, drop_count;
static int first_seq = -1;
static _Atomic unsigned rtcp_frames;
static _Atomic unsigned unmarked;	/* frames sent without DSCP EF */
/* RTP to port @c tap_port as it went on the wire: its payload type,
 * marker bit, and a CN packet's level */
static uint16_t tap_port;
struct tapped {
	uint8_t pt, level;
	bool marker;
};
static struct tapped tapped[200];
static unsigned ntapped;

static bool dropped(const uint8_t *f, size_t len)
{
	int seq;

	if (len < UDP + 12 || be16(f + IP4 + 2) != drop_port)
		return false;	/* RTCP goes to the odd port */
	seq = be16(f + UDP + 2);
	if (first_seq < 0)
		first_seq = seq;
	seq = (uint16_t)(seq - first_seq);
	return drop_from >= 0 && seq >= drop_from &&
	       seq < drop_from + drop_count;
}

/* a UDP frame lwIP sent to the peer: back to us with its IP addresses
 * swapped, unless the test drops it; RTCP counted, RTP tapped */
static bool reflect(struct pkt *p)
{
	uint8_t *f = pkt_data(p), ip[4];

	if (dropped(f, p->len))
		return false;
	if (f[ETH + 1] != DSCP_EF << 2)
		atomic_fetch_add(&unmarked, 1);
	if (f[UDP - 5] & 1)	/* odd port: RTCP */
		atomic_fetch_add(&rtcp_frames, 1);
	else if (be16(f + IP4 + 2) == tap_port && p->len > UDP + 12 &&
		 ntapped < 200)
		tapped[ntapped++] = (struct tapped){
			.pt = f[UDP + 1] & 0x7f,
			.marker = f[UDP + 1] >> 7,
			.level = f[UDP + 12] };
	memcpy(f, our_mac, 6);
	memcpy(f + 6, peer_mac, 6);
	memcpy(ip, f + 26, 4);
	memcpy(f + 26, f + 30, 4);
	memcpy(f + 30, ip, 4);
	deliver(p);
	return true;
}

/* Take what lwIP sent: answer ARP for the peer, send UDP to the peer
 * back to us */
static void wire_step(void)
{
	wire_drain(reflect);
}

static void tone(int16_t *pcm, size_t n, double hz, uint64_t *phase)
{
	for (size_t i = 0; i < n; i++, (*phase)++)
		pcm[i] = (int16_t)(8000 * sin(2 * M_PI * hz * (double)*phase /
					      8000.0));
}

/* frequency of @p pcm from its rising zero crossings */
static double frequency(const int16_t *pcm, size_t n)
{
	int first = -1, last = -1, count = 0;

	for (size_t i = 1; i < n; i++) {
		if (pcm[i - 1] < 0 && pcm[i] >= 0) {
			if (first < 0)
				first = (int)i;
			last = (int)i;
			count++;
		}
	}
	return count > 1 ? 8000.0 * (count - 1) / (last - first) : 0;
}

static struct rtpleg_cfg cfg_of(uint16_t local, uint16_t remote,
				enum codec_id codec)
{
	struct rtpleg_cfg c = {
		.local_port = local, .remote_ip = PEER_IP,
		.remote_port = remote, .codec = codec,
		.pt = codec_info(codec)->pt, .ptime_ms = 20,
		.jb_min_ms = 40, .jb_max_ms = 200,
	};

	return c;
}

static void open_pair(enum codec_id codec)
{
	struct rtpleg_cfg ca = cfg_of(PORT_A, PORT_B, codec);
	struct rtpleg_cfg cb = cfg_of(PORT_B, PORT_A, codec);

	assert_int_equal(rtpleg_open(&a, &ca), 0);
	assert_int_equal(rtpleg_open(&b, &cb), 0);
}

/* one 20 ms step of both media directions: A sends @p hz, B sends 500 Hz;
 * what B plays goes to @p heard at @p at */
static void step(double hz, uint64_t *pa, uint64_t *pb, int16_t *heard)
{
	int16_t pcm[FRAME], sink[FRAME];

	fake_now += 20 * MS;
	tone(pcm, FRAME, hz, pa);
	assert_int_equal(rtpleg_send(a, pcm, FRAME), 0);
	tone(pcm, FRAME, 500, pb);
	assert_int_equal(rtpleg_send(b, pcm, FRAME), 0);
	wire_step();
	assert_int_equal(rtpleg_recv(b, fake_now, heard ? heard : sink,
				     FRAME), 0);
	assert_int_equal(rtpleg_recv(a, fake_now, sink, FRAME), 0);
}

static int group_setup(void **state)
{
	(void)state;
	if (lwip_wire_init())
		return -1;
	udpport_dscp_set(DSCP_EF);	/* the ports made from now on */
	return rtpleg_module_init(LEGS);
}

static int group_teardown(void **state)
{
	(void)state;
	rtpleg_module_fini();
	wire_step();
	return 0;
}

/* the second group: lwipif and the pools stay from the first */
static int handled_setup(void **state)
{
	(void)state;
	udpport_handler_set(direct_port, NULL);
	return rtpleg_module_init(LEGS);
}

static int handled_teardown(void **state)
{
	(void)state;
	rtpleg_module_fini();
	udpport_handler_set(NULL, NULL);
	wire_step();
	return 0;
}

static int setup(void **state)
{
	(void)state;
	a = b = NULL;
	drop_port = 0;
	drop_from = -1;
	first_seq = -1;
	tap_port = 0;
	ntapped = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rtpleg_close(a);
	rtpleg_close(b);
	wire_step();		/* the BYEs */
	a = b = NULL;
	/* every frame went back to its pool */
	assert_int_equal(pkt_pool_free_count(pool), NPKT);
	return 0;
}

/* --- opening ----------------------------------------------------------- */

static void test_rtpleg_open_checks_its_configuration(void **state)
{
	struct rtpleg_cfg c = cfg_of(PORT_A, PORT_B, CODEC_PCMU);
	struct rtpleg *l = NULL;

	(void)state;
	c.local_port = 20001;			/* odd */
	assert_int_equal(rtpleg_open(&l, &c), -EINVAL);
	c = cfg_of(PORT_A, PORT_B, CODEC_PCMU);
	c.ptime_ms = 25;			/* not whole 10 ms frames */
	assert_int_equal(rtpleg_open(&l, &c), -EINVAL);
	c.ptime_ms = 80;			/* more than 60 ms */
	assert_int_equal(rtpleg_open(&l, &c), -EINVAL);
	c = cfg_of(PORT_A, PORT_B, CODEC_GSM);
	c.ptime_ms = 10;			/* GSM frames are 20 ms */
	assert_int_equal(rtpleg_open(&l, &c), -EINVAL);
	c = cfg_of(PORT_A, PORT_B, CODEC_PCMU);
	c.te_pt = 0;				/* 101 by default... */
	c.pt = 101;				/* ...which the codec has */
	assert_int_equal(rtpleg_open(&l, &c), -EINVAL);
	c = cfg_of(PORT_A, PORT_B, CODEC_PCMU);
	c.jb_min_ms = 300;
	assert_int_equal(rtpleg_open(&l, &c), -EINVAL);
	assert_int_equal(rtpleg_open(&l, NULL), -EINVAL);
	assert_null(l);
}

static void test_rtpleg_open_until_no_leg_is_left(void **state)
{
	struct rtpleg *l[LEGS + 1];
	struct rtpleg_cfg c;

	(void)state;
	for (int i = 0; i < LEGS; i++) {
		c = cfg_of((uint16_t)(PORT_A + 2 * i), PORT_B, CODEC_PCMU);
		assert_int_equal(rtpleg_open(&l[i], &c), 0);
	}
	c = cfg_of(PORT_A + 100, PORT_B, CODEC_PCMU);
	assert_int_equal(rtpleg_open(&l[LEGS], &c), -ENOSPC);
	/* one closed in the middle: its leg and its port free again */
	rtpleg_close(l[1]);
	c = cfg_of(PORT_A + 2, PORT_B, CODEC_PCMU);
	assert_int_equal(rtpleg_open(&l[LEGS], &c), 0);
	assert_ptr_equal(l[LEGS], l[1]);
	assert_int_equal(rtpleg_open(&l[LEGS], &c), -EADDRINUSE);
	for (int i = 0; i < LEGS; i++)
		rtpleg_close(l[i]);
	/* and again: legs and ports come back */
	for (int i = 0; i < LEGS; i++) {
		c = cfg_of((uint16_t)(PORT_A + 2 * i), PORT_B, CODEC_PCMU);
		assert_int_equal(rtpleg_open(&l[i], &c), 0);
	}
	for (int i = 0; i < LEGS; i++)
		rtpleg_close(l[i]);
}

/* oRTP cannot survive a failed allocation: with the RT heap's class of its
 * receive buffers short, a leg does not open (and opens again with room) */
static void test_rtpleg_open_needs_room_in_the_heap(void **state)
{
	struct rtk_heap_extra x = { RTPLEG_HEAP_BLOCK, 2 * RTPLEG_HEAP_BLOCKS };
	struct rtpleg_cfg c = cfg_of(PORT_A, PORT_B, CODEC_PCMU);
	struct rtpleg *l = NULL;

	(void)state;
	assert_int_equal(rtk_heap_init(0, NULL, 0), 0);	/* a block a class */
	assert_int_equal(rtpleg_open(&l, &c), -ENOSPC);
	assert_null(l);
	rtk_heap_fini();
	assert_int_equal(rtk_heap_init(0, &x, 1), 0);
	assert_int_equal(rtpleg_open(&l, &c), 0);
	rtpleg_close(l);
	rtk_heap_fini();
}

static void test_rtpleg_port_in_use(void **state)
{
	struct rtpleg_cfg c = cfg_of(PORT_A, PORT_B, CODEC_PCMU);
	struct udp_pcb *other;
	struct rtpleg *l;

	(void)state;
	assert_int_equal(rtpleg_open(&a, &c), 0);
	assert_int_equal(rtpleg_open(&l, &c), -EADDRINUSE);
	/* a leg moved to another port (re-INVITE) frees its old one */
	c.local_port = PORT_A + 30;
	assert_int_equal(rtpleg_modify(a, &c), 0);
	assert_int_equal(rtpleg_open(&l, &c), -EADDRINUSE);
	c.local_port = PORT_A;
	assert_int_equal(rtpleg_open(&l, &c), 0);
	assert_int_equal(rtpleg_modify(a, &c), -EADDRINUSE);
	rtpleg_close(l);
	/* someone else in the RT stack has the RTCP port */
	LOCK_TCPIP_CORE();
	other = udp_new();
	assert_int_equal(udp_bind(other, IP_ANY_TYPE, PORT_A + 11), ERR_OK);
	UNLOCK_TCPIP_CORE();
	c.local_port = PORT_A + 10;
	assert_int_equal(rtpleg_open(&l, &c), -EADDRINUSE);
	LOCK_TCPIP_CORE();
	udp_remove(other);
	UNLOCK_TCPIP_CORE();
	/* the RTP port was given back */
	assert_int_equal(rtpleg_open(&b, &c), 0);
}

/* --- ports given to the network task ----------------------------------- */

static bool lwip_has(uint16_t port)
{
	bool found = false;

	LOCK_TCPIP_CORE();
	for (const struct udp_pcb *pcb = udp_pcbs; pcb; pcb = pcb->next)
		found |= pcb->local_port == port;
	UNLOCK_TCPIP_CORE();
	return found;
}

/* With a port handler (the RT partition's net task) the legs' PCBs stay
 * out of lwIP's list, which it would walk on every bind; they still send
 * from their ports, and a port lwIP's own PCBs hold is refused. */
static void test_rtpleg_handled_ports_stay_out_of_lwip(void **state)
{
	struct rtpleg_cfg c = cfg_of(PORT_A + 20, PORT_B, CODEC_PCMU);
	uint64_t pa = 0, pb = 0;
	struct rtpleg_stats st;
	struct udp_pcb *other;
	struct rtpleg *l;

	(void)state;
	open_pair(CODEC_PCMU);
	assert_non_null(direct_rx[PORT_A].rx);
	assert_non_null(direct_rx[PORT_B + 1].rx);
	assert_false(lwip_has(PORT_A) || lwip_has(PORT_A + 1) ||
		     lwip_has(PORT_B) || lwip_has(PORT_B + 1));
	for (int i = 0; i < 50; i++)
		step(1000, &pa, &pb, NULL);
	rtpleg_stats_get(b, &st);	/* came from A's port to B's */
	assert_int_equal(st.rx_packets, 50);
	assert_int_equal(st.lost, 0);
	rtpleg_stats_get(a, &st);
	assert_int_equal(st.rx_packets, 50);
	/* taken by a leg, or by lwIP's own PCB (its RTCP port) */
	c.local_port = PORT_A;
	assert_int_equal(rtpleg_open(&l, &c), -EADDRINUSE);
	LOCK_TCPIP_CORE();
	other = udp_new();
	assert_int_equal(udp_bind(other, IP_ANY_TYPE, PORT_A + 21), ERR_OK);
	UNLOCK_TCPIP_CORE();
	c.local_port = PORT_A + 20;
	assert_int_equal(rtpleg_open(&l, &c), -EADDRINUSE);
	LOCK_TCPIP_CORE();
	udp_remove(other);
	UNLOCK_TCPIP_CORE();
	rtpleg_close(a);
	rtpleg_close(b);
	a = b = NULL;
	assert_null(direct_rx[PORT_A].rx);
	assert_null(direct_rx[PORT_B + 1].rx);
}

/* --- audio, events, statistics ----------------------------------------- */

static void check_tone_crosses(enum codec_id codec, double hz, double mos)
{
	int16_t heard[100 * FRAME];
	uint64_t pa = 0, pb = 0;
	struct rtpleg_stats st;
	double f;

	open_pair(codec);
	for (int i = 0; i < 100; i++)
		step(hz, &pa, &pb, heard + i * FRAME);
	/* the last second, after the jitter buffer's delay */
	f = frequency(heard + 50 * FRAME, 50 * FRAME);
	assert_true(fabs(f - hz) < hz * 0.02);
	rtpleg_stats_get(b, &st);
	assert_int_equal(st.rx_packets, 100);
	assert_int_equal(st.tx_packets, 100);
	assert_int_equal(st.lost, 0);
	assert_int_equal(st.late, 0);
	assert_int_equal(st.malformed, 0);
	assert_int_equal(st.ring_full, 0);
	assert_true(st.mos > mos);
	rtpleg_stats_get(a, &st);
	assert_int_equal(st.rx_packets, 100);
}

static void test_rtpleg_tone_crosses_pcmu(void **state)
{
	(void)state;
	check_tone_crosses(CODEC_PCMU, 1000, 4.3);
}

static void test_rtpleg_tone_crosses_g722(void **state)
{
	(void)state;
	check_tone_crosses(CODEC_G722, 700, 4.3);
}

static void test_rtpleg_tone_crosses_gsm(void **state)
{
	(void)state;
	check_tone_crosses(CODEC_GSM, 400, 3.6);	/* Ie 20 */
}

static void test_rtpleg_peer_with_another_ptime(void **state)
{
	struct rtpleg_cfg ca = cfg_of(PORT_A, PORT_B, CODEC_PCMU);
	struct rtpleg_cfg cb = cfg_of(PORT_B, PORT_A, CODEC_PCMU);
	int16_t pcm[2 * FRAME], heard[100 * FRAME];
	uint64_t pa = 0;
	struct rtpleg_stats st;

	(void)state;
	ca.ptime_ms = 40;		/* A sends 40 ms, B plays 20 ms */
	assert_int_equal(rtpleg_open(&a, &ca), 0);
	assert_int_equal(rtpleg_open(&b, &cb), 0);
	for (int i = 0; i < 100; i++) {
		fake_now += 20 * MS;
		if (i % 2 == 0) {
			tone(pcm, 2 * FRAME, 1000, &pa);
			assert_int_equal(rtpleg_send(a, pcm, 2 * FRAME), 0);
		}
		wire_step();
		assert_int_equal(rtpleg_recv(b, fake_now, heard + i * FRAME,
					     FRAME), 0);
	}
	assert_true(fabs(frequency(heard + 20 * FRAME, 80 * FRAME) - 1000) <
		    20);
	rtpleg_stats_get(b, &st);
	assert_int_equal(st.rx_packets, 50);
	assert_int_equal(st.concealed, 0);
	assert_int_equal(st.lost + st.late + st.discarded, 0);
}

static void test_rtpleg_dtmf_crosses(void **state)
{
	uint64_t pa = 0, pb = 0;
	struct rtpleg_stats st;
	unsigned ms;
	char d;

	(void)state;
	open_pair(CODEC_PCMU);
	for (int i = 0; i < 10; i++)
		step(1000, &pa, &pb, NULL);
	assert_int_equal(rtpleg_send_dtmf(a, '5', 200), 0);
	assert_int_equal(rtpleg_send_dtmf(a, '#', 60), 0);
	assert_int_equal(rtpleg_send_dtmf(a, 'x', 60), -EINVAL);
	for (int i = 0; i < 40; i++)
		step(1000, &pa, &pb, NULL);
	assert_int_equal(rtpleg_dtmf_poll(b, &d, &ms), 0);
	assert_int_equal(d, '5');
	assert_int_equal(ms, 200);
	assert_int_equal(rtpleg_dtmf_poll(b, &d, &ms), 0);
	assert_int_equal(d, '#');
	assert_int_equal(ms, 60);
	/* each event once, at its end */
	assert_int_equal(rtpleg_dtmf_poll(b, &d, &ms), -EAGAIN);
	rtpleg_stats_get(a, &st);
	assert_int_equal(st.dtmf_tx, 2);
	rtpleg_stats_get(b, &st);
	assert_int_equal(st.dtmf_rx, 2);
	/* event packets hold their sequence numbers: nothing is lost */
	assert_int_equal(st.lost, 0);
}

static void test_rtpleg_dtmf_end_lost_is_still_reported(void **state)
{
	uint64_t pa = 0, pb = 0;
	unsigned ms;
	char d;

	(void)state;
	open_pair(CODEC_PCMU);
	drop_port = PORT_B;
	for (int i = 0; i < 10; i++)
		step(1000, &pa, &pb, NULL);
	/* 100 ms: packets 10..14 carry it, 14..16 are its three ends */
	drop_from = 14;
	drop_count = 3;
	assert_int_equal(rtpleg_send_dtmf(a, '9', 100), 0);
	for (int i = 0; i < 30; i++)
		step(1000, &pa, &pb, NULL);
	/* reported once audio came back, with the duration it saw last */
	assert_int_equal(rtpleg_dtmf_poll(b, &d, &ms), 0);
	assert_int_equal(d, '9');
	assert_int_equal(ms, 80);
	assert_int_equal(rtpleg_dtmf_poll(b, &d, &ms), -EAGAIN);
}

static void test_rtpleg_loss_is_counted_from_sequence_numbers(void **state)
{
	int16_t heard[FRAME];
	uint64_t pa = 0, pb = 0;
	struct rtpleg_stats st;

	(void)state;
	open_pair(CODEC_PCMU);
	drop_port = PORT_B;		/* A -> B */
	drop_from = 40;
	drop_count = 5;
	for (int i = 0; i < 100; i++)
		step(1000, &pa, &pb, heard);
	rtpleg_stats_get(b, &st);
	assert_int_equal(st.rx_packets, 95);
	assert_int_equal(st.lost, 5);
	assert_int_equal(st.late, 0);
	assert_true(st.concealed >= 5);
	assert_true(st.loss_pct > 4.9 && st.loss_pct < 5.1);
	assert_true(st.mos < 4.2 && st.mos > 3.0);
	rtpleg_stats_get(a, &st);	/* the other way was clean */
	assert_int_equal(st.lost, 0);
	assert_int_equal(st.rx_packets, 100);
}

/* a UDP frame from the peer's port 20000 to our port @p port */
static void inject(uint16_t port, const uint8_t *payload, size_t len)
{
	inject_from(PEER_IP, PORT_A, port, payload, len);
}

static void test_rtpleg_malformed_rtp_is_counted_and_dropped(void **state)
{
	uint64_t pa = 0, pb = 0;
	struct rtpleg_stats st;
	uint8_t bad[600];

	(void)state;
	open_pair(CODEC_PCMU);
	for (int i = 0; i < 10; i++)
		step(1000, &pa, &pb, NULL);
	memset(bad, 0, sizeof(bad));
	bad[0] = 0x40;					/* version 1 */
	inject(PORT_B, bad, 172);
	bad[0] = 0x80;
	inject(PORT_B, bad, 11);			/* truncated */
	bad[0] = 0x8f;					/* 15 CSRCs */
	inject(PORT_B, bad, 40);
	bad[0] = 0xa0;					/* padding 0 */
	inject(PORT_B, bad, 172);
	bad[0] = 0x80;
	bad[1] = 8;					/* PCMA */
	inject(PORT_B, bad, 172);
	bad[1] = 0;
	bad[11] = 0x77;					/* another SSRC */
	inject(PORT_B, bad, 172);
	inject(PORT_B, bad, 580);			/* too big */
	bad[0] = 0x40;
	inject(PORT_B + 1, bad, 8);			/* bad RTCP */
	for (int i = 0; i < 10; i++)
		step(1000, &pa, &pb, NULL);
	rtpleg_stats_get(b, &st);
	assert_int_equal(st.bad_version, 1);
	assert_int_equal(st.truncated, 1);
	assert_int_equal(st.bad_csrc, 1);
	assert_int_equal(st.bad_padding, 1);
	assert_int_equal(st.bad_pt, 1);
	assert_int_equal(st.wrong_ssrc, 1);
	assert_int_equal(st.malformed, 6);
	assert_int_equal(st.too_big, 1);
	assert_int_equal(st.rtcp_malformed, 1);
	/* and the real stream went on */
	assert_int_equal(st.rx_packets, 20);
	assert_int_equal(st.lost, 0);
}

/* one RTP packet to leg B of a stream of the test's own (what A would
 * send, with another SSRC) */
static void inject_rtp(uint8_t pt, uint16_t seq, uint32_t ts,
		       const uint8_t *pl, size_t len)
{
	uint8_t f[12 + FRAME] = { 0x80, pt, (uint8_t)(seq >> 8), (uint8_t)seq,
				  (uint8_t)(ts >> 24), (uint8_t)(ts >> 16),
				  (uint8_t)(ts >> 8), (uint8_t)ts,
				  0x0c, 0x0f, 0xfe, 0xe0 };

	if (len)
		memcpy(f + 12, pl, len);
	inject(PORT_B, f, 12 + len);
}

/* B plays 20 ms at a time for @p frames frames; the last @p keep of them
 * go to @p heard */
static void play_b(int frames, int keep, int16_t *heard)
{
	int16_t pcm[FRAME];

	for (int i = 0; i < frames; i++) {
		int k = i - (frames - keep);

		fake_now += 20 * MS;
		assert_int_equal(rtpleg_recv(b, fake_now, k >= 0 ?
					     heard + k * FRAME : pcm,
					     FRAME), 0);
	}
}

static double rms(const int16_t *pcm, size_t n)
{
	double e = 0;

	for (size_t i = 0; i < n; i++)
		e += (double)pcm[i] * pcm[i];
	return sqrt(e / (double)n);
}

/* 200 ms of a 1000 Hz tone to B from the test's stream, B playing it */
static void talkspurt(uint16_t *seq, uint32_t *ts, uint64_t *ph,
		      int16_t *heard)
{
	int16_t pcm[FRAME];
	uint8_t ulaw[FRAME];

	for (int i = 0; i < 10; i++, (*seq)++, *ts += FRAME) {
		tone(pcm, FRAME, 1000, ph);
		for (int k = 0; k < FRAME; k++)
			ulaw[k] = linear_to_ulaw(pcm[k]);
		inject_rtp(0, *seq, *ts, ulaw, FRAME);
		play_b(1, 1, heard);
	}
}

/* RFC 3389: after a CN packet B plays white noise at the level it gives
 * (-dBov, 0 dBov a full-scale square wave: RMS 32768) until the next
 * audio frame. Held to 1 dB: over 4800 samples the RMS of Gaussian noise
 * is known to about 1 %, so a wrong scale (the 3 dB between a square and
 * a sine reference) or silence fails. */
static void test_rtpleg_comfort_noise_is_played_at_its_level(void **state)
{
	enum { KEEP = 30 };
	static int16_t heard[KEEP * FRAME];
	uint8_t level;
	uint64_t ph = 0;
	uint16_t seq = 1;
	uint32_t ts = 0;
	struct rtpleg_stats st;
	const struct {
		uint8_t level;
		double rms;	/* 32768 * 10^(-level / 20) */
	} cn[] = { { 40, 327.68 }, { 60, 32.77 } };

	(void)state;
	open_pair(CODEC_PCMU);
	for (size_t c = 0; c < 2; c++) {
		/* a talkspurt, then a CN packet and silence from the
		 * sender */
		talkspurt(&seq, &ts, &ph, heard);
		if (c)	/* the noise stopped at the talkspurt */
			assert_in_range(frequency(heard, FRAME), 990, 1010);
		inject_rtp(13, seq++, ts, &cn[c].level, 1);
		ts += 20 * FRAME;
		play_b(40, KEEP, heard);
		assert_in_range(rms(heard, KEEP * FRAME), cn[c].rms / 1.122,
				cn[c].rms * 1.122);
	}
	/* after a talkspurt, a CN packet with bit 7 of its level set, and
	 * an empty one: both are discarded, and the silence after them is
	 * silence */
	talkspurt(&seq, &ts, &ph, heard);
	level = 0x80 | 40;
	inject_rtp(13, seq++, ts, &level, 1);
	inject_rtp(13, seq++, ts + FRAME, NULL, 0);
	play_b(40, KEEP, heard);
	assert_true(rms(heard, KEEP * FRAME) == 0);
	rtpleg_stats_get(b, &st);
	assert_int_equal(st.rx_packets, 34);
	assert_int_equal(st.discarded, 2);
	assert_int_equal(st.concealed, 0);	/* a CN packet ends a spurt */
	assert_int_equal(st.lost, 0);
	assert_int_equal(st.malformed, 0);
}

/* one 20 ms step: A sends @p pcm, B silence; what B plays goes to
 * @p heard */
static void send_a(const int16_t *pcm, int16_t *heard)
{
	static const int16_t quiet[FRAME];
	int16_t sink[FRAME];

	fake_now += 20 * MS;
	assert_int_equal(rtpleg_send(a, pcm, FRAME), 0);
	assert_int_equal(rtpleg_send(b, quiet, FRAME), 0);
	wire_step();
	assert_int_equal(rtpleg_recv(b, fake_now, heard ? heard : sink,
				     FRAME), 0);
	assert_int_equal(rtpleg_recv(a, fake_now, sink, FRAME), 0);
}

/* white noise of RMS @p r (uniform: its amplitude is r * sqrt(3)) */
static void quiet_noise(int16_t *pcm, double r, uint32_t *seed)
{
	for (int i = 0; i < FRAME; i++) {
		*seed = *seed * 1664525u + 1013904223u;
		pcm[i] = (int16_t)lround(r * sqrt(3) *
					 ((double)*seed / 2147483648.0 - 1));
	}
}

/*
 * A leg with vad (RFC 3389) sends a line's quiet (noise at -60 dBov) as
 * comfort noise: 200 ms of it as audio, then one CN packet of level 60,
 * then one a second; the first audio after it has the marker bit. B
 * plays the noise at that level. A data call suppresses nothing.
 */
static void test_rtpleg_silence_suppressed_with_comfort_noise(void **state)
{
	struct rtpleg_cfg ca = cfg_of(PORT_A, PORT_B, CODEC_PCMU);
	struct rtpleg_cfg cb = cfg_of(PORT_B, PORT_A, CODEC_PCMU);
	static int16_t heard[80 * FRAME];
	int16_t pcm[FRAME];
	uint64_t ph = 0;
	uint32_t seed = 7;
	struct rtpleg_stats st;
	unsigned cn = 0, audio = 0;

	(void)state;
	ca.vad = true;
	assert_int_equal(rtpleg_open(&a, &ca), 0);
	assert_int_equal(rtpleg_open(&b, &cb), 0);
	tap_port = PORT_B;
	for (int i = 0; i < 25; i++) {		/* talk */
		tone(pcm, FRAME, 1000, &ph);
		send_a(pcm, NULL);
	}
	for (int i = 0; i < 80; i++) {		/* quiet */
		quiet_noise(pcm, 32.77, &seed);
		send_a(pcm, heard + i * FRAME);
	}
	for (int i = 0; i < 25; i++) {		/* talk again */
		tone(pcm, FRAME, 1000, &ph);
		send_a(pcm, NULL);
	}
	rtpleg_data_mode(a);
	for (int i = 0; i < 30; i++) {		/* a data call's quiet */
		quiet_noise(pcm, 32.77, &seed);
		send_a(pcm, NULL);
	}
	/* 25 + 9 + CN at 200 ms and 1200 ms + 25 + 30 */
	assert_int_equal(ntapped, 91);
	for (unsigned k = 0; k < ntapped; k++) {
		if (tapped[k].pt == 13) {
			assert_true(k == 34 || k == 35);
			assert_in_range(tapped[k].level, 59, 61);
			cn++;
		} else {
			assert_int_equal(tapped[k].pt, 0);
			assert_int_equal(tapped[k].marker, k == 0 || k == 36);
			audio++;
		}
	}
	assert_int_equal(cn, 2);
	assert_int_equal(audio, 89);
	rtpleg_stats_get(a, &st);
	assert_int_equal(st.cn_tx, 2);
	assert_int_equal(st.tx_packets, 91);
	rtpleg_stats_get(b, &st);
	assert_int_equal(st.rx_packets, 91);
	assert_int_equal(st.lost, 0);
	assert_int_equal(st.concealed, 0);
	/* B plays the quiet at its level, within 1 dB, once the CN came */
	assert_in_range(rms(heard + 20 * FRAME, 50 * FRAME), 32.77 / 1.122,
			32.77 * 1.122);
	/* a leg cannot suppress silence whose codec has CN's type */
	ca = cfg_of(PORT_A + 2, PORT_B, CODEC_PCMU);
	ca.vad = true;
	ca.pt = 13;
	assert_int_equal(rtpleg_open(&(struct rtpleg *){ NULL }, &ca),
			 -EINVAL);
}

static void test_rtpleg_hold_stops_sending(void **state)
{
	struct rtpleg_cfg c = cfg_of(PORT_A, PORT_B, CODEC_PCMU);
	uint64_t pa = 0, pb = 0;
	struct rtpleg_stats st;

	(void)state;
	open_pair(CODEC_PCMU);
	for (int i = 0; i < 10; i++)
		step(1000, &pa, &pb, NULL);
	c.dir = RTPLEG_RECVONLY;		/* A puts B on hold */
	assert_int_equal(rtpleg_modify(a, &c), 0);
	for (int i = 0; i < 10; i++)
		step(1000, &pa, &pb, NULL);
	rtpleg_stats_get(a, &st);
	assert_int_equal(st.tx_packets, 10);
	assert_int_equal(st.rx_packets, 20);
	c.dir = RTPLEG_SENDRECV;		/* and back */
	assert_int_equal(rtpleg_modify(a, &c), 0);
	for (int i = 0; i < 10; i++)
		step(1000, &pa, &pb, NULL);
	rtpleg_stats_get(a, &st);
	assert_int_equal(st.tx_packets, 20);
	rtpleg_stats_get(b, &st);
	assert_int_equal(st.rx_packets, 20);
	/* the RTP clock ran on: the gap is silence, not loss */
	assert_int_equal(st.lost, 0);
}

static void test_rtpleg_modify_codec(void **state)
{
	struct rtpleg_cfg ca = cfg_of(PORT_A, PORT_B, CODEC_PCMA);
	struct rtpleg_cfg cb = cfg_of(PORT_B, PORT_A, CODEC_PCMA);
	int16_t heard[60 * FRAME];
	uint64_t pa = 0, pb = 0;
	struct rtpleg_stats st;

	(void)state;
	open_pair(CODEC_PCMU);
	for (int i = 0; i < 20; i++)
		step(1000, &pa, &pb, NULL);
	assert_int_equal(rtpleg_modify(a, &ca), 0);
	assert_int_equal(rtpleg_modify(b, &cb), 0);
	for (int i = 0; i < 60; i++)
		step(800, &pa, &pb, heard + i * FRAME);
	assert_true(fabs(frequency(heard + 20 * FRAME, 40 * FRAME) - 800)
		    < 16);
	rtpleg_stats_get(b, &st);
	assert_int_equal(st.bad_pt, 0);
}

/* --- SRTP --------------------------------------------------------------- */

static void keyed(struct rtpleg_cfg *c, uint8_t tx, uint8_t rx)
{
	c->srtp.suite = SRTPCTX_AES_CM_128_HMAC_SHA1_80;
	memset(c->srtp.tx_key, tx, sizeof(c->srtp.tx_key));
	memset(c->srtp.rx_key, rx, sizeof(c->srtp.rx_key));
}

/* A sends 1000 Hz for @p steps frames; what B played */
static void srtp_run(struct rtpleg_cfg *ca, struct rtpleg_cfg *cb,
		     int steps, int16_t *heard)
{
	uint64_t pa = 0, pb = 0;

	assert_int_equal(rtpleg_open(&a, ca), 0);
	assert_int_equal(rtpleg_open(&b, cb), 0);
	for (int i = 0; i < steps; i++)
		step(1000, &pa, &pb, heard + i * FRAME);
}

/* both ends keyed alike: the tone crosses; new keys by modify (a
 * re-INVITE) and it goes on, the counts with it */
static void test_rtpleg_srtp_tone_crosses_and_rekeys(void **state)
{
	struct rtpleg_cfg ca = cfg_of(PORT_A, PORT_B, CODEC_PCMU);
	struct rtpleg_cfg cb = cfg_of(PORT_B, PORT_A, CODEC_PCMU);
	static int16_t heard[100 * FRAME];
	uint64_t pa = 0, pb = 0;
	struct rtpleg_stats st;

	(void)state;
	keyed(&ca, 1, 2);
	keyed(&cb, 2, 1);
	srtp_run(&ca, &cb, 50, heard);
	assert_true(fabs(frequency(heard + 10 * FRAME, 40 * FRAME) - 1000) <
		    16);
	keyed(&ca, 3, 4);
	keyed(&cb, 4, 3);
	assert_int_equal(rtpleg_modify(a, &ca), 0);
	assert_int_equal(rtpleg_modify(b, &cb), 0);
	for (int i = 50; i < 100; i++)
		step(1000, &pa, &pb, heard + i * FRAME);
	assert_true(fabs(frequency(heard + 60 * FRAME, 40 * FRAME) - 1000) <
		    16);
	rtpleg_stats_get(b, &st);
	assert_int_equal(st.rx_packets, 100);
	assert_int_equal(st.malformed, 0);
	assert_int_equal(st.srtp_auth_fail + st.srtp_replay + st.srtp_errors,
			 0);
	rtpleg_stats_get(a, &st);
	assert_int_equal(st.rx_packets, 100);
}

/* what SRTP refuses never reaches the jitter buffer: the wrong key, or a
 * peer sending plain RTP; and a plain leg given SRTP hears no tone (the
 * payload on the wire is encrypted) */
static void test_rtpleg_srtp_refuses_the_wrong_key_and_clear_rtp(void **state)
{
	struct rtpleg_cfg ca = cfg_of(PORT_A, PORT_B, CODEC_PCMU);
	struct rtpleg_cfg cb = cfg_of(PORT_B, PORT_A, CODEC_PCMU);
	static int16_t heard[40 * FRAME];
	struct rtpleg_stats st;

	(void)state;
	keyed(&ca, 1, 2);
	keyed(&cb, 2, 9);	/* B expects another key from A */
	srtp_run(&ca, &cb, 20, heard);
	rtpleg_stats_get(b, &st);
	assert_int_equal(st.rx_packets, 0);
	assert_int_equal(st.srtp_auth_fail, 20);
	rtpleg_stats_get(a, &st);	/* B's packets are fine */
	assert_int_equal(st.rx_packets, 20);
	assert_int_equal(st.srtp_auth_fail, 0);
	teardown(state);

	ca = cfg_of(PORT_A, PORT_B, CODEC_PCMU);	/* A in the clear */
	keyed(&cb, 2, 1);
	srtp_run(&ca, &cb, 20, heard);
	rtpleg_stats_get(b, &st);
	assert_int_equal(st.rx_packets, 0);
	assert_int_equal(st.srtp_auth_fail, 20);
	teardown(state);

	keyed(&ca, 1, 2);	/* B in the clear */
	cb = cfg_of(PORT_B, PORT_A, CODEC_PCMU);
	srtp_run(&ca, &cb, 40, heard);
	rtpleg_stats_get(b, &st);
	assert_int_equal(st.rx_packets, 40);	/* the headers are clear */
	assert_true(fabs(frequency(heard + 10 * FRAME, 30 * FRAME) - 1000) >
		    100);
}

/* no more SRTP legs than the RT heap was sized for: opened or modified */
static void test_rtpleg_srtp_legs_within_their_limit(void **state)
{
	struct rtpleg_cfg ca = cfg_of(PORT_A, PORT_B, CODEC_PCMU);
	struct rtpleg_cfg cb = cfg_of(PORT_B, PORT_A, CODEC_PCMU);
	struct rtpleg_cfg plain = cb;

	(void)state;
	rtpleg_max_srtp(1);
	keyed(&ca, 1, 2);
	keyed(&cb, 2, 1);
	assert_int_equal(rtpleg_open(&a, &ca), 0);
	assert_int_equal(rtpleg_open(&b, &cb), -ENOSPC);
	assert_int_equal(rtpleg_open(&b, &plain), 0);
	assert_int_equal(rtpleg_modify(b, &cb), -ENOSPC);
	keyed(&ca, 3, 4);		/* new keys: still one SRTP leg */
	assert_int_equal(rtpleg_modify(a, &ca), 0);
	ca = cfg_of(PORT_A, PORT_B, CODEC_PCMU);	/* A in the clear */
	assert_int_equal(rtpleg_modify(a, &ca), 0);
	assert_int_equal(rtpleg_modify(b, &cb), 0);
	rtpleg_close(b);
	b = NULL;
	keyed(&ca, 1, 2);
	assert_int_equal(rtpleg_modify(a, &ca), 0);
	rtpleg_max_srtp(SIZE_MAX);
}

/* --- RTCP, on the real clock ------------------------------------------- */

/* --- latching (symmetric RTP) ------------------------------------------ */

/* @p frames steps of both ways, A sending 1000 Hz, B 500 Hz; what A
 * played goes to @p heard */
static void run_a_hears(int frames, int16_t *heard)
{
	int16_t pcm[FRAME], sink[FRAME];
	static uint64_t pa, pb;

	for (int i = 0; i < frames; i++) {
		fake_now += 20 * MS;
		tone(pcm, FRAME, 1000, &pa);
		assert_int_equal(rtpleg_send(a, pcm, FRAME), 0);
		tone(pcm, FRAME, 500, &pb);
		assert_int_equal(rtpleg_send(b, pcm, FRAME), 0);
		wire_step();
		assert_int_equal(rtpleg_recv(b, fake_now, sink, FRAME), 0);
		assert_int_equal(rtpleg_recv(a, fake_now, heard + i * FRAME,
					     FRAME), 0);
	}
}

/* B was told a port A does not use (a phone behind NAT writes its private
 * address in its SDP): without latch A hears nothing of B; with it, B's
 * RTP goes where A's first packet came from, and A hears B. A stranger's
 * packet later does not move it; a modify with a new remote end latches
 * anew. */
static void test_rtpleg_latch_follows_the_peer(void **state)
{
	struct rtpleg_cfg ca = cfg_of(PORT_A, PORT_B, CODEC_PCMU);
	struct rtpleg_cfg cb = cfg_of(PORT_B, PORT_A + 100, CODEC_PCMU);
	static int16_t heard[50 * FRAME];
	struct rtpleg_stats st;
	uint8_t f[12 + FRAME] = { 0x80, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0x12, 0x34 };

	(void)state;
	ca.ssrc = 0x1234;
	assert_int_equal(rtpleg_open(&a, &ca), 0);
	assert_int_equal(rtpleg_open(&b, &cb), 0);
	run_a_hears(50, heard);
	rtpleg_stats_get(a, &st);
	assert_int_equal(st.rx_packets, 0);	/* B sends to PORT_A + 100 */
	rtpleg_stats_get(b, &st);
	assert_int_equal(st.latched_ip, 0);
	rtpleg_close(b);

	cb.latch = true;
	assert_int_equal(rtpleg_open(&b, &cb), 0);
	run_a_hears(50, heard);
	assert_true(fabs(frequency(heard + 10 * FRAME, 40 * FRAME) - 500) < 8);
	rtpleg_stats_get(b, &st);
	assert_int_equal(st.latched_ip, PEER_IP);
	assert_int_equal(st.latched_port, PORT_A);
	rtpleg_stats_get(a, &st);
	assert_true(st.rx_packets >= 49);

	/* a packet of A's source from elsewhere: taken, not followed */
	inject_from(PEER_IP, PORT_A + 40, PORT_B, f, sizeof(f));
	run_a_hears(10, heard);
	rtpleg_stats_get(b, &st);
	assert_int_equal(st.latched_port, PORT_A);
	rtpleg_stats_get(a, &st);
	assert_true(st.rx_packets >= 59);

	/* a re-INVITE with another (wrong) remote end: latched again */
	cb.remote_port = PORT_A + 200;
	assert_int_equal(rtpleg_modify(b, &cb), 0);
	rtpleg_stats_get(b, &st);
	assert_int_equal(st.latched_ip, 0);	/* to the new remote end */
	run_a_hears(10, heard);
	rtpleg_stats_get(b, &st);
	assert_int_equal(st.latched_port, PORT_A);
	rtpleg_stats_get(a, &st);
	assert_true(st.rx_packets >= 68);
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { 0, (long)ms * 1000000 };

	while (nanosleep(&ts, &ts))
		;
}

static void test_rtpleg_rtcp_reports_go_both_ways(void **state)
{
	struct rtpleg_cfg ca = cfg_of(PORT_A, PORT_B, CODEC_PCMU);
	struct rtpleg_cfg cb = cfg_of(PORT_B, PORT_A, CODEC_PCMU);
	uint64_t pa = 0, pb = 0;
	struct rtpleg_stats sa, sb;

	(void)state;
	ca.rtcp_ms = cb.rtcp_ms = 100;	/* oRTP times reports itself */
	assert_int_equal(rtpleg_open(&a, &ca), 0);
	assert_int_equal(rtpleg_open(&b, &cb), 0);
	atomic_store(&rtcp_frames, 0);
	atomic_store(&unmarked, 0);
	/* up to 5 s: until both ends know the round trip time */
	for (int i = 0; i < 500; i++) {
		step(1000, &pa, &pb, NULL);
		sleep_ms(10);
		rtpleg_stats_get(a, &sa);
		rtpleg_stats_get(b, &sb);
		if (sa.rtt_ms > 0 && sb.rtt_ms > 0 && sa.rtcp_tx >= 2 &&
		    sb.rtcp_tx >= 2)
			break;
	}
	assert_true(sa.rtcp_tx >= 2 && sb.rtcp_tx >= 2);
	assert_true(sa.rtcp_rx >= 1 && sb.rtcp_rx >= 1);
	assert_true(sa.rtt_ms > 0 && sb.rtt_ms > 0);
	assert_int_equal(sa.rtcp_rx + sb.rtcp_rx,
			 atomic_load(&rtcp_frames));
	assert_int_equal(sa.rtcp_malformed + sb.rtcp_malformed, 0);
	/* RTP and RTCP alike marked as voice, DSCP 46 */
	assert_int_equal(atomic_load(&unmarked), 0);
}

/* --- two RT tasks ------------------------------------------------------ */

static int16_t rt_heard[150 * FRAME];
static _Atomic int rt_steps;

static void net_task(unsigned wake, void *arg)
{
	(void)wake;
	(void)arg;
	wire_step();
}

static void media_task(unsigned wake, void *arg)
{
	static uint64_t pa, pb;
	int16_t pcm[FRAME], sink[FRAME];
	int k = atomic_load(&rt_steps);

	(void)wake;
	(void)arg;
	if (k >= 150)
		return;
	tone(pcm, FRAME, 1000, &pa);
	rtpleg_send(a, pcm, FRAME);
	tone(pcm, FRAME, 500, &pb);
	rtpleg_send(b, pcm, FRAME);
	rtpleg_recv(b, rtk_now_ns(), rt_heard + k * FRAME, FRAME);
	rtpleg_recv(a, rtk_now_ns(), sink, FRAME);
	atomic_store(&rt_steps, k + 1);
}

static void test_rtpleg_between_net_and_media_tasks(void **state)
{
	struct rtk_task_cfg nc = {
		.name = "net", .prio = 20, .period_ns = 1 * MS,
		.wake_fd = -1, .fn = net_task,
	};
	struct rtk_task_cfg mc = {
		.name = "media", .prio = 10, .period_ns = 20 * MS,
		.wake_fd = -1, .fn = media_task,
	};
	struct rtk_task *t;
	struct rtpleg_stats st;

	(void)state;
	udpport_clock_set(NULL);		/* arrivals on the real clock */
	open_pair(CODEC_PCMU);
	assert_int_equal(rtk_task_create(&t, &nc), 0);
	assert_int_equal(rtk_task_create(&t, &mc), 0);
	assert_int_equal(rtk_start(), 0);
	for (int i = 0; i < 1000 && atomic_load(&rt_steps) < 150; i++)
		sleep_ms(5);
	rtk_stop();
	udpport_clock_set(fake_clock);
	assert_int_equal(atomic_load(&rt_steps), 150);
	/* the tone came through the net task's ring to the media task */
	assert_true(fabs(frequency(rt_heard + 50 * FRAME, 100 * FRAME) -
			 1000) < 20);
	rtpleg_stats_get(b, &st);
	assert_true(st.rx_packets >= 140);
	assert_int_equal(st.malformed, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_rtpleg_open_checks_its_configuration),
		T(test_rtpleg_open_until_no_leg_is_left),
		T(test_rtpleg_open_needs_room_in_the_heap),
		T(test_rtpleg_port_in_use),
		T(test_rtpleg_tone_crosses_pcmu),
		T(test_rtpleg_tone_crosses_g722),
		T(test_rtpleg_tone_crosses_gsm),
		T(test_rtpleg_peer_with_another_ptime),
		T(test_rtpleg_dtmf_crosses),
		T(test_rtpleg_dtmf_end_lost_is_still_reported),
		T(test_rtpleg_loss_is_counted_from_sequence_numbers),
		T(test_rtpleg_malformed_rtp_is_counted_and_dropped),
		T(test_rtpleg_comfort_noise_is_played_at_its_level),
		T(test_rtpleg_silence_suppressed_with_comfort_noise),
		T(test_rtpleg_hold_stops_sending),
		T(test_rtpleg_modify_codec),
		T(test_rtpleg_srtp_tone_crosses_and_rekeys),
		T(test_rtpleg_srtp_refuses_the_wrong_key_and_clear_rtp),
		T(test_rtpleg_srtp_legs_within_their_limit),
		T(test_rtpleg_rtcp_reports_go_both_ways),
		T(test_rtpleg_latch_follows_the_peer),
		T(test_rtpleg_between_net_and_media_tasks),
	};
	/* again with the net task's port handler, set before any leg opens */
	const struct CMUnitTest handled[] = {
		T(test_rtpleg_handled_ports_stay_out_of_lwip),
		T(test_rtpleg_tone_crosses_pcmu),
		T(test_rtpleg_dtmf_crosses),
#undef T
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown) |
	       cmocka_run_group_tests(handled, handled_setup,
				      handled_teardown);
}

// SPDX-License-Identifier: MIT
/** @file test_classify.c  Frame classifier: every row of the table, every
 *  malformed header, truncation at every length, counters
 *
 * Frames are built byte by byte with the small builder below (network byte
 * order, checksums left at zero: the classifier does not verify them). Every
 * classification goes through expect(), which also checks that exactly one
 * reason counter and one verdict counter moved, by one.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "board/config.h"
#include "sharednet/classify.h"
#include "sharednet/ports.h"

#define FRAME_MAX	1600
#define ETH_MIN		60	/* shortest frame on the wire, FCS excluded */
#define OFF_TYPE	12
#define OFF_IP		14
#define OFF_IP_VIHL	(OFF_IP + 0)
#define OFF_IP_TOTLEN	(OFF_IP + 2)
#define OFF_IP_FRAG	(OFF_IP + 6)
#define OFF_IP_PROTO	(OFF_IP + 9)
#define OFF_L4		(OFF_IP + 20)	/* no IP options */
#define OFF_UDP_LEN	(OFF_L4 + 4)
#define OFF_ARP		14
#define ARP_FRAME_LEN	(14 + 28)
#define RTP_PAYLOAD	172		/* 12-byte RTP header + 20 ms G.711 */

#define P_ICMP	1
#define P_IGMP	2
#define P_TCP	6
#define P_UDP	17
#define P_GRE	47

#define IP4(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

/* the gateway: 198.18.0.10/24 */
#define OUR_IP		IP4(198, 18, 0, 10)
#define OUR_MASK	IP4(255, 255, 255, 0)
#define PEER_IP		IP4(198, 18, 0, 20)

static const uint8_t our_mac[6] = { 0x02, 0x00, 0x5e, 0x12, 0x34, 0x56 };
static const uint8_t peer_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x20 };
static const uint8_t other_mac[6] = { 0x02, 0x00, 0x5e, 0x12, 0x34, 0x57 };
static const uint8_t bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t mcast4_mac[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb };
static const uint8_t mcast6_mac[6] = { 0x33, 0x33, 0xff, 0x12, 0x34, 0x56 };

struct fixture {
	struct ports_shm ports;
	struct cls cls;
};

/* ---- frame builder -------------------------------------------------- */

struct frame {
	uint8_t b[FRAME_MAX];
	size_t n;
};

static void put8(struct frame *f, unsigned int v)
{
	assert_true(f->n < FRAME_MAX);
	f->b[f->n++] = (uint8_t)v;
}

static void put16(struct frame *f, unsigned int v)
{
	put8(f, v >> 8 & 0xff);
	put8(f, v & 0xff);
}

static void put32(struct frame *f, uint32_t v)
{
	put16(f, v >> 16);
	put16(f, v & 0xffff);
}

static void put_mac(struct frame *f, const uint8_t mac[6])
{
	for (int i = 0; i < 6; i++)
		put8(f, mac[i]);
}

static void set16(struct frame *f, size_t off, unsigned int v)
{
	f->b[off] = (uint8_t)(v >> 8);
	f->b[off + 1] = (uint8_t)v;
}

/* start a frame: Ethernet II header from the peer */
static void eth(struct frame *f, const uint8_t dst[6], uint16_t type)
{
	memset(f, 0, sizeof(*f));
	put_mac(f, dst);
	put_mac(f, peer_mac);
	put16(f, type);
}

/* IPv4 header with @p optwords words of options (NOPs) before @p payload
 * bytes; checksum zero */
static void ip4_opt(struct frame *f, uint8_t proto, uint32_t dst,
		    size_t payload, unsigned int optwords)
{
	put8(f, 0x40 | (5 + optwords));
	put8(f, 0);				/* DSCP, ECN */
	put16(f, (unsigned int)(20 + 4 * optwords + payload));
	put16(f, 0x1234);			/* identification */
	put16(f, 0x4000);			/* DF */
	put8(f, 64);				/* TTL */
	put8(f, proto);
	put16(f, 0);				/* checksum: not checked */
	put32(f, PEER_IP);
	put32(f, dst);
	for (unsigned int i = 0; i < 4 * optwords; i++)
		put8(f, 1);			/* NOP (RFC 791) */
}

static void ip4(struct frame *f, uint8_t proto, uint32_t dst, size_t payload)
{
	ip4_opt(f, proto, dst, payload, 0);
}

static void payload(struct frame *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put8(f, 0x80 + i);
}

static void udp(struct frame *f, uint16_t dport, size_t len)
{
	put16(f, 40000);			/* source port */
	put16(f, dport);
	put16(f, (unsigned int)(8 + len));
	put16(f, 0);				/* no checksum */
	payload(f, len);
}

static void udp_frame(struct frame *f, const uint8_t mac[6], uint32_t dst,
		      uint16_t dport, size_t len)
{
	eth(f, mac, 0x0800);
	ip4(f, P_UDP, dst, 8 + len);
	udp(f, dport, len);
}

static void icmp_frame(struct frame *f, uint32_t dst, uint8_t type,
		       size_t len)
{
	eth(f, our_mac, 0x0800);
	ip4(f, P_ICMP, dst, len);
	if (len >= 1)
		put8(f, type);
	if (len >= 2)
		payload(f, len - 1);
}

static void arp_frame(struct frame *f, const uint8_t dst[6], uint16_t op)
{
	eth(f, dst, 0x0806);
	put16(f, 1);				/* Ethernet */
	put16(f, 0x0800);			/* IPv4 */
	put8(f, 6);
	put8(f, 4);
	put16(f, op);
	put_mac(f, peer_mac);
	put32(f, PEER_IP);
	put_mac(f, op == 2 ? our_mac : (const uint8_t[6]){ 0 });
	put32(f, OUR_IP);
}

/* TCP SYN to port 80 (RFC 9293), no options */
static void tcp_syn_frame(struct frame *f)
{
	eth(f, our_mac, 0x0800);
	ip4(f, P_TCP, OUR_IP, 20);
	put16(f, 50000);
	put16(f, 80);
	put32(f, 1);				/* sequence */
	put32(f, 0);				/* ack */
	put8(f, 5 << 4);			/* data offset */
	put8(f, 0x02);				/* SYN */
	put16(f, 64240);			/* window */
	put32(f, 0);				/* checksum, urgent */
}

/* zero-fill to the Ethernet minimum, as a NIC pads short frames */
static void pad(struct frame *f)
{
	while (f->n < ETH_MIN)
		put8(f, 0);
}

/* ---- fixture and checks ---------------------------------------------- */

static struct cls_addr addr_of(const uint8_t mac[6], uint32_t ip,
			       uint32_t mask)
{
	struct cls_addr a;

	memcpy(a.mac, mac, 6);
	a.ip = htonl(ip);
	a.netmask = htonl(mask);
	return a;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	/* the default RT set: UDP echo, then the RTP/RTCP range */
	struct cfg_ports rt = { .n = 2, .r = { { 7, 7 }, { 16384, 32767 } } };
	struct cls_addr a = addr_of(our_mac, OUR_IP, OUR_MASK);

	assert_non_null(f);
	ports_init(&f->ports, &rt);
	memset(&f->cls, 0xa5, sizeof(f->cls));	/* init must clear it */
	cls_init(&f->cls, &a, &f->ports);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

/* Classify @p len bytes of @p fr from a heap copy of exactly that size (so
 * ASan sees any read past the end); check the verdict, the reason, and that
 * exactly those two counters moved by one. @return the UDP port output,
 * or 0xdead when it was left alone. */
static uint16_t expect_len(struct fixture *f, const struct frame *fr,
			   size_t len, enum cls_verdict v, enum cls_reason r)
{
	struct cls before = f->cls;
	uint8_t *copy = malloc(len ? len : 1);
	uint16_t port = 0xdead;

	assert_non_null(copy);
	memcpy(copy, fr->b, len);
	assert_string_equal(cls_verdict_name(cls_classify(&f->cls, copy, len,
							  &port)),
			    cls_verdict_name(v));
	free(copy);
	for (int i = 0; i < CLS_R_COUNT; i++) {
		uint64_t want = before.reasons[i] + (i == (int)r);

		if (f->cls.reasons[i] != want)
			fail_msg("len %zu: reason %s counted %llu, want %llu "
				 "(expected reason %s)", len,
				 cls_reason_name((enum cls_reason)i),
				 (unsigned long long)f->cls.reasons[i],
				 (unsigned long long)want, cls_reason_name(r));
	}
	for (int i = 0; i <= CLS_DROP; i++)
		assert_int_equal(f->cls.verdicts[i],
				 before.verdicts[i] + (i == (int)v));
	return port;
}

static uint16_t expect(struct fixture *f, const struct frame *fr,
		       enum cls_verdict v, enum cls_reason r)
{
	return expect_len(f, fr, fr->n, v, r);
}

static uint64_t total(const uint64_t *c, size_t n)
{
	uint64_t t = 0;

	for (size_t i = 0; i < n; i++)
		t += c[i];
	return t;
}

/* ---- tests --------------------------------------------------------- */

static void test_cls_init_clears_counters_and_copies_addr(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(total(f->cls.reasons, CLS_R_COUNT), 0);
	assert_int_equal(total(f->cls.verdicts, 4), 0);
	assert_memory_equal(f->cls.addr.mac, our_mac, 6);
	assert_int_equal(ntohl(f->cls.addr.ip), OUR_IP);
	assert_ptr_equal(f->cls.ports, &f->ports);
}

/* rtnet fills c->addr, then passes it to cls_init() */
static void test_cls_init_with_its_own_addr(void **state)
{
	struct fixture *f = *state;
	struct frame fr;

	f->cls.addr = addr_of(our_mac, PEER_IP, OUR_MASK);
	f->cls.reasons[CLS_R_ARP] = 99;
	cls_init(&f->cls, &f->cls.addr, &f->ports);
	assert_int_equal(f->cls.reasons[CLS_R_ARP], 0);
	assert_memory_equal(f->cls.addr.mac, our_mac, 6);
	assert_int_equal(ntohl(f->cls.addr.ip), PEER_IP);
	assert_int_equal(ntohl(f->cls.addr.netmask), OUR_MASK);
	udp_frame(&fr, our_mac, PEER_IP, 16384, RTP_PAYLOAD);
	expect(f, &fr, CLS_RT, CLS_R_UDP_RT);
	cls_set_addr(&f->cls, &f->cls.addr);
	expect(f, &fr, CLS_RT, CLS_R_UDP_RT);
}

static void test_cls_runt_every_length_below_header(void **state)
{
	struct fixture *f = *state;
	struct frame fr;

	udp_frame(&fr, our_mac, OUR_IP, 16384, RTP_PAYLOAD);
	for (size_t len = 0; len < 14; len++)
		assert_int_equal(expect_len(f, &fr, len, CLS_DROP, CLS_R_RUNT),
				 0xdead);
	/* no frame at all */
	assert_int_equal(cls_classify(&f->cls, NULL, 0, NULL), CLS_DROP);
	assert_int_equal(f->cls.reasons[CLS_R_RUNT], 15);
}

static void test_cls_not_for_us_unicast_mac(void **state)
{
	struct fixture *f = *state;
	struct frame fr;

	udp_frame(&fr, other_mac, OUR_IP, 16384, RTP_PAYLOAD);
	expect(f, &fr, CLS_DROP, CLS_R_NOT_FOR_US);
	udp_frame(&fr, peer_mac, OUR_IP, 5060, 100);
	expect(f, &fr, CLS_DROP, CLS_R_NOT_FOR_US);
	/* the MAC is checked before anything else: ARP, VLAN, IPv6 too */
	arp_frame(&fr, other_mac, 2);
	expect(f, &fr, CLS_DROP, CLS_R_NOT_FOR_US);
	eth(&fr, other_mac, 0x8100);
	pad(&fr);
	expect(f, &fr, CLS_DROP, CLS_R_NOT_FOR_US);
	eth(&fr, other_mac, 0x86dd);
	pad(&fr);
	expect(f, &fr, CLS_DROP, CLS_R_NOT_FOR_US);
	/* a header alone, for us: the type decides */
	eth(&fr, our_mac, 0x86dd);
	expect(f, &fr, CLS_LINUX, CLS_R_IPV6);
}

static void test_cls_broadcast_and_multicast_mac_pass(void **state)
{
	struct fixture *f = *state;
	struct frame fr;

	/* DHCP-style broadcast to a Linux port */
	udp_frame(&fr, bcast_mac, IP4(255, 255, 255, 255), 67, 300);
	assert_int_equal(expect(f, &fr, CLS_LINUX, CLS_R_UDP_LINUX), 67);
	/* mDNS: IPv4 multicast MAC and group */
	udp_frame(&fr, mcast4_mac, IP4(224, 0, 0, 251), 5353, 40);
	assert_int_equal(expect(f, &fr, CLS_LINUX, CLS_R_UDP_LINUX), 5353);
	/* a multicast RTP stream to an RT port */
	udp_frame(&fr, mcast4_mac, IP4(239, 1, 2, 3), 20000, RTP_PAYLOAD);
	assert_int_equal(expect(f, &fr, CLS_RT, CLS_R_UDP_RT), 20000);
	/* IPv6 neighbour solicitation to a solicited-node group */
	eth(&fr, mcast6_mac, 0x86dd);
	payload(&fr, 72);
	expect(f, &fr, CLS_LINUX, CLS_R_IPV6);
}

static void test_cls_vlan_dropped(void **state)
{
	struct fixture *f = *state;
	struct frame fr;

	eth(&fr, our_mac, 0x8100);
	put16(&fr, 100);			/* TCI: VLAN 100 */
	put16(&fr, 0x0800);
	pad(&fr);
	expect(f, &fr, CLS_DROP, CLS_R_VLAN);
	eth(&fr, bcast_mac, 0x88a8);
	pad(&fr);
	expect(f, &fr, CLS_DROP, CLS_R_VLAN);
	eth(&fr, our_mac, 0x8100);		/* tag alone, cut short */
	expect(f, &fr, CLS_DROP, CLS_R_VLAN);
}

static void test_cls_arp_request_and_reply_go_to_both(void **state)
{
	struct fixture *f = *state;
	struct frame fr;

	arp_frame(&fr, bcast_mac, 1);
	assert_int_equal(expect(f, &fr, CLS_BOTH, CLS_R_ARP), 0xdead);
	arp_frame(&fr, our_mac, 2);
	expect(f, &fr, CLS_BOTH, CLS_R_ARP);
	/* as received from a NIC: padded to 60 bytes */
	arp_frame(&fr, bcast_mac, 1);
	pad(&fr);
	expect(f, &fr, CLS_BOTH, CLS_R_ARP);
}

static void test_cls_arp_malformed_each_field(void **state)
{
	static const struct {
		size_t off;
		unsigned int v;
		int wide;
	} bad[] = {
		{ OFF_ARP + 0, 6, 1 },		/* htype IEEE 802 */
		{ OFF_ARP + 0, 0, 1 },
		{ OFF_ARP + 2, 0x86dd, 1 },	/* ptype IPv6 */
		{ OFF_ARP + 2, 0x0806, 1 },
		{ OFF_ARP + 4, 8, 0 },		/* hlen */
		{ OFF_ARP + 4, 0, 0 },
		{ OFF_ARP + 5, 16, 0 },		/* plen */
		{ OFF_ARP + 5, 0, 0 },
		{ OFF_ARP + 6, 0, 1 },		/* op */
		{ OFF_ARP + 6, 3, 1 },		/* RARP request */
		{ OFF_ARP + 6, 0x0101, 1 },
	};
	struct fixture *f = *state;
	struct frame fr;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		arp_frame(&fr, bcast_mac, 1);
		pad(&fr);
		if (bad[i].wide)
			set16(&fr, bad[i].off, bad[i].v);
		else
			fr.b[bad[i].off] = (uint8_t)bad[i].v;
		expect(f, &fr, CLS_DROP, CLS_R_BAD_ARP);
	}
	assert_int_equal(f->cls.reasons[CLS_R_BAD_ARP],
			 sizeof(bad) / sizeof(bad[0]));
}

static void test_cls_arp_truncated_every_length(void **state)
{
	struct fixture *f = *state;
	struct frame fr;

	arp_frame(&fr, bcast_mac, 1);
	assert_int_equal(fr.n, ARP_FRAME_LEN);
	for (size_t len = 0; len < 14; len++)
		expect_len(f, &fr, len, CLS_DROP, CLS_R_RUNT);
	for (size_t len = 14; len < ARP_FRAME_LEN; len++)
		expect_len(f, &fr, len, CLS_DROP, CLS_R_BAD_ARP);
	expect_len(f, &fr, ARP_FRAME_LEN, CLS_BOTH, CLS_R_ARP);
}

static void test_cls_ipv4_bad_header(void **state)
{
	struct fixture *f = *state;
	struct frame fr;

	udp_frame(&fr, our_mac, OUR_IP, 5060, 100);
	fr.b[OFF_IP_VIHL] = 0x65;		/* version 6 in an IPv4 type */
	expect(f, &fr, CLS_DROP, CLS_R_BAD_IP);
	fr.b[OFF_IP_VIHL] = 0x05;		/* version 0 */
	expect(f, &fr, CLS_DROP, CLS_R_BAD_IP);
	for (unsigned int ihl = 0; ihl < 5; ihl++) {
		fr.b[OFF_IP_VIHL] = (uint8_t)(0x40 | ihl);
		expect(f, &fr, CLS_DROP, CLS_R_BAD_IP);
	}
	fr.b[OFF_IP_VIHL] = 0x45;
	set16(&fr, OFF_IP_TOTLEN, 19);		/* shorter than the header */
	expect(f, &fr, CLS_DROP, CLS_R_BAD_IP);
	set16(&fr, OFF_IP_TOTLEN, 0);
	expect(f, &fr, CLS_DROP, CLS_R_BAD_IP);
	set16(&fr, OFF_IP_TOTLEN, (unsigned int)(fr.n - 14 + 1)); /* past end */
	expect(f, &fr, CLS_DROP, CLS_R_BAD_IP);
	set16(&fr, OFF_IP_TOTLEN, 0xffff);
	expect(f, &fr, CLS_DROP, CLS_R_BAD_IP);
	set16(&fr, OFF_IP_TOTLEN, (unsigned int)(fr.n - 14));
	expect(f, &fr, CLS_LINUX, CLS_R_UDP_LINUX);

	/* IHL 15 (60 bytes) on a frame carrying 40 bytes of IP */
	udp_frame(&fr, our_mac, OUR_IP, 5060, 12);
	fr.b[OFF_IP_VIHL] = 0x4f;
	expect(f, &fr, CLS_DROP, CLS_R_BAD_IP);
	/* IHL 6: total length 20 is shorter than the header */
	udp_frame(&fr, our_mac, OUR_IP, 5060, 12);
	fr.b[OFF_IP_VIHL] = 0x46;
	set16(&fr, OFF_IP_TOTLEN, 20);
	expect(f, &fr, CLS_DROP, CLS_R_BAD_IP);
	/* a bare IPv4 header, no payload: valid, unknown protocol */
	eth(&fr, our_mac, 0x0800);
	ip4(&fr, 253, OUR_IP, 0);		/* RFC 3692 experiment */
	expect(f, &fr, CLS_LINUX, CLS_R_IP_OTHER);
}

static void test_cls_ipv4_options_skipped(void **state)
{
	struct fixture *f = *state;
	struct frame fr;

	for (unsigned int words = 0; words <= 10; words++) {
		eth(&fr, our_mac, 0x0800);
		ip4_opt(&fr, P_UDP, OUR_IP, 8 + RTP_PAYLOAD, words);
		udp(&fr, 16384 + (uint16_t)words, RTP_PAYLOAD);
		assert_int_equal(expect(f, &fr, CLS_RT, CLS_R_UDP_RT),
				 16384 + words);
	}
	/* the maximum header, 60 bytes, with a tiny UDP datagram */
	eth(&fr, our_mac, 0x0800);
	ip4_opt(&fr, P_UDP, OUR_IP, 8, 10);
	udp(&fr, 7, 0);
	assert_int_equal(expect(f, &fr, CLS_RT, CLS_R_UDP_RT), 7);
	/* options leave no room for the UDP header */
	eth(&fr, our_mac, 0x0800);
	ip4_opt(&fr, P_UDP, OUR_IP, 4, 2);
	payload(&fr, 4);
	pad(&fr);
	expect(f, &fr, CLS_DROP, CLS_R_BAD_UDP);
}

static void test_cls_ip_not_ours(void **state)
{
	static const uint32_t not_ours[] = {
		PEER_IP, IP4(198, 18, 0, 11), IP4(198, 18, 1, 10),
		IP4(198, 18, 1, 255),		/* another subnet's broadcast */
		IP4(198, 18, 0, 0),		/* our network address */
		IP4(0, 0, 0, 0), IP4(127, 0, 0, 1),
		IP4(0, 0, 0, 255),		/* ~netmask alone */
		IP4(223, 255, 255, 255),	/* just below multicast */
		IP4(240, 0, 0, 1),		/* just above (class E) */
		IP4(255, 255, 255, 254),
	};
	struct fixture *f = *state;
	struct frame fr;

	for (size_t i = 0; i < sizeof(not_ours) / sizeof(not_ours[0]); i++) {
		udp_frame(&fr, our_mac, not_ours[i], 16384, RTP_PAYLOAD);
		assert_int_equal(expect(f, &fr, CLS_DROP, CLS_R_IP_NOT_OURS),
				 0xdead);
		icmp_frame(&fr, not_ours[i], 8, 64);
		expect(f, &fr, CLS_DROP, CLS_R_IP_NOT_OURS);
	}
}

static void test_cls_ip_broadcast_and_multicast_accepted(void **state)
{
	static const uint32_t ok[] = {
		OUR_IP,
		IP4(255, 255, 255, 255),
		IP4(198, 18, 0, 255),		/* subnet broadcast */
		IP4(224, 0, 0, 1), IP4(224, 0, 0, 251),
		IP4(239, 255, 255, 250), IP4(239, 255, 255, 255),
	};
	struct fixture *f = *state;
	struct frame fr;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		udp_frame(&fr, bcast_mac, ok[i], 5060, 200);
		assert_int_equal(expect(f, &fr, CLS_LINUX, CLS_R_UDP_LINUX),
				 5060);
		udp_frame(&fr, our_mac, ok[i], 7, 16);
		assert_int_equal(expect(f, &fr, CLS_RT, CLS_R_UDP_RT), 7);
	}
}

static void test_cls_unconfigured_ip_accepts_no_unicast(void **state)
{
	struct fixture *f = *state;
	struct cls_addr a = addr_of(our_mac, 0, OUR_MASK);
	struct frame fr;

	cls_set_addr(&f->cls, &a);
	udp_frame(&fr, our_mac, OUR_IP, 68, 300);
	expect(f, &fr, CLS_DROP, CLS_R_IP_NOT_OURS);
	udp_frame(&fr, our_mac, 0, 68, 300);
	expect(f, &fr, CLS_DROP, CLS_R_IP_NOT_OURS);
	/* 0 | ~netmask is no broadcast address */
	udp_frame(&fr, our_mac, IP4(0, 0, 0, 255), 68, 300);
	expect(f, &fr, CLS_DROP, CLS_R_IP_NOT_OURS);
	icmp_frame(&fr, OUR_IP, 8, 64);
	expect(f, &fr, CLS_DROP, CLS_R_IP_NOT_OURS);
	/* DHCP still works: the offer comes to the broadcast address */
	udp_frame(&fr, bcast_mac, IP4(255, 255, 255, 255), 68, 300);
	assert_int_equal(expect(f, &fr, CLS_LINUX, CLS_R_UDP_LINUX), 68);
	udp_frame(&fr, mcast4_mac, IP4(224, 0, 0, 1), 16384, 20);
	expect(f, &fr, CLS_RT, CLS_R_UDP_RT);
	arp_frame(&fr, bcast_mac, 1);
	expect(f, &fr, CLS_BOTH, CLS_R_ARP);
}

static void test_cls_subnet_broadcast_follows_prefix(void **state)
{
	struct fixture *f = *state;
	struct cls_addr a;
	struct frame fr;

	/* /16 */
	a = addr_of(our_mac, OUR_IP, IP4(255, 255, 0, 0));
	cls_set_addr(&f->cls, &a);
	udp_frame(&fr, bcast_mac, IP4(198, 18, 255, 255), 5060, 20);
	expect(f, &fr, CLS_LINUX, CLS_R_UDP_LINUX);
	udp_frame(&fr, bcast_mac, IP4(198, 18, 0, 255), 5060, 20);
	expect(f, &fr, CLS_DROP, CLS_R_IP_NOT_OURS);
	/* /30: 198.18.0.8/30, broadcast .11 */
	a = addr_of(our_mac, OUR_IP, IP4(255, 255, 255, 252));
	cls_set_addr(&f->cls, &a);
	udp_frame(&fr, bcast_mac, IP4(198, 18, 0, 11), 5060, 20);
	expect(f, &fr, CLS_LINUX, CLS_R_UDP_LINUX);
	/* /31 (RFC 3021): no broadcast; .11 is the peer, not us */
	a = addr_of(our_mac, OUR_IP, IP4(255, 255, 255, 254));
	cls_set_addr(&f->cls, &a);
	udp_frame(&fr, our_mac, IP4(198, 18, 0, 11), 5060, 20);
	expect(f, &fr, CLS_DROP, CLS_R_IP_NOT_OURS);
	udp_frame(&fr, our_mac, OUR_IP, 5060, 20);
	expect(f, &fr, CLS_LINUX, CLS_R_UDP_LINUX);
	/* /32: only our address and the global broadcasts */
	a = addr_of(our_mac, OUR_IP, IP4(255, 255, 255, 255));
	cls_set_addr(&f->cls, &a);
	udp_frame(&fr, our_mac, OUR_IP, 5060, 20);
	expect(f, &fr, CLS_LINUX, CLS_R_UDP_LINUX);
	udp_frame(&fr, our_mac, IP4(198, 18, 0, 11), 5060, 20);
	expect(f, &fr, CLS_DROP, CLS_R_IP_NOT_OURS);
	udp_frame(&fr, bcast_mac, IP4(255, 255, 255, 255), 5060, 20);
	expect(f, &fr, CLS_LINUX, CLS_R_UDP_LINUX);
}

static void test_cls_fragments_go_to_linux(void **state)
{
	static const unsigned int frag[] = {
		0x2000,			/* MF: first fragment */
		0x2000 | 0x4000,	/* MF with DF (bogus but a fragment) */
		0x0001,			/* offset 8, last fragment */
		0x2000 | 0x00b9,	/* middle fragment */
		0x1fff,			/* the largest offset */
	};
	struct fixture *f = *state;
	struct frame fr;

	for (size_t i = 0; i < sizeof(frag) / sizeof(frag[0]); i++) {
		/* even to an RT port: the RT side never reassembles */
		udp_frame(&fr, our_mac, OUR_IP, 16384, RTP_PAYLOAD);
		set16(&fr, OFF_IP_FRAG, frag[i]);
		assert_int_equal(expect(f, &fr, CLS_LINUX, CLS_R_FRAGMENT),
				 0xdead);
		icmp_frame(&fr, OUR_IP, 8, 64);
		set16(&fr, OFF_IP_FRAG, frag[i]);
		expect(f, &fr, CLS_LINUX, CLS_R_FRAGMENT);
	}
	/* a non-first fragment carries no UDP header: never bad_udp */
	eth(&fr, our_mac, 0x0800);
	ip4(&fr, P_UDP, OUR_IP, 3);
	payload(&fr, 3);
	set16(&fr, OFF_IP_FRAG, 0x0010);
	pad(&fr);
	expect(f, &fr, CLS_LINUX, CLS_R_FRAGMENT);
	/* the reserved bit and DF alone are not fragments */
	udp_frame(&fr, our_mac, OUR_IP, 16384, RTP_PAYLOAD);
	set16(&fr, OFF_IP_FRAG, 0x8000 | 0x4000);
	expect(f, &fr, CLS_RT, CLS_R_UDP_RT);
}

static void test_cls_icmp_echo_to_rt_rest_to_linux(void **state)
{
	static const uint8_t other[] = { 0, 3, 5, 11, 13, 9, 10, 255 };
	struct fixture *f = *state;
	struct frame fr;

	icmp_frame(&fr, OUR_IP, 8, 64);		/* ping -s 56 */
	assert_int_equal(expect(f, &fr, CLS_RT, CLS_R_ICMP_ECHO), 0xdead);
	icmp_frame(&fr, OUR_IP, 8, 8);		/* header only */
	pad(&fr);
	expect(f, &fr, CLS_RT, CLS_R_ICMP_ECHO);
	icmp_frame(&fr, IP4(198, 18, 0, 255), 8, 64);
	expect(f, &fr, CLS_RT, CLS_R_ICMP_ECHO);
	for (size_t i = 0; i < sizeof(other); i++) {
		icmp_frame(&fr, OUR_IP, other[i], 36);
		expect(f, &fr, CLS_LINUX, CLS_R_ICMP_OTHER);
	}
	/* truncated ICMP (inside a valid IP packet) is Linux's to drop */
	for (size_t len = 0; len < 8; len++) {
		icmp_frame(&fr, OUR_IP, 8, len);
		pad(&fr);
		expect(f, &fr, CLS_LINUX, CLS_R_ICMP_OTHER);
	}
}

static void test_cls_udp_rt_and_linux_ports(void **state)
{
	static const struct {
		uint16_t port;
		enum cls_verdict v;
	} cases[] = {
		{ 7, CLS_RT }, { 16384, CLS_RT }, { 16385, CLS_RT },
		{ 24000, CLS_RT }, { 32767, CLS_RT },
		{ 0, CLS_LINUX }, { 6, CLS_LINUX }, { 8, CLS_LINUX },
		{ 53, CLS_LINUX }, { 5060, CLS_LINUX }, { 5061, CLS_LINUX },
		{ 16383, CLS_LINUX }, { 32768, CLS_LINUX },
		{ 65535, CLS_LINUX },
	};
	struct fixture *f = *state;
	struct frame fr;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		udp_frame(&fr, our_mac, OUR_IP, cases[i].port, RTP_PAYLOAD);
		assert_int_equal(expect(f, &fr, cases[i].v,
					cases[i].v == CLS_RT ?
					CLS_R_UDP_RT : CLS_R_UDP_LINUX),
				 cases[i].port);
	}
	/* the port output is optional */
	udp_frame(&fr, our_mac, OUR_IP, 16384, RTP_PAYLOAD);
	assert_int_equal(cls_classify(&f->cls, fr.b, fr.n, NULL), CLS_RT);
	udp_frame(&fr, our_mac, OUR_IP, 5060, 400);
	assert_int_equal(cls_classify(&f->cls, fr.b, fr.n, NULL), CLS_LINUX);
}

static void test_cls_udp_malformed(void **state)
{
	struct fixture *f = *state;
	struct frame fr;

	/* IP payload shorter than a UDP header, at every length */
	for (size_t len = 0; len < 8; len++) {
		eth(&fr, our_mac, 0x0800);
		ip4(&fr, P_UDP, OUR_IP, len);
		payload(&fr, len);
		pad(&fr);
		assert_int_equal(expect(f, &fr, CLS_DROP, CLS_R_BAD_UDP),
				 0xdead);
	}
	/* length field below the header size */
	for (unsigned int ulen = 0; ulen < 8; ulen++) {
		udp_frame(&fr, our_mac, OUR_IP, 16384, RTP_PAYLOAD);
		set16(&fr, OFF_UDP_LEN, ulen);
		expect(f, &fr, CLS_DROP, CLS_R_BAD_UDP);
	}
	/* length field past the IP payload, by one and by the maximum */
	udp_frame(&fr, our_mac, OUR_IP, 16384, RTP_PAYLOAD);
	set16(&fr, OFF_UDP_LEN, 8 + RTP_PAYLOAD + 1);
	expect(f, &fr, CLS_DROP, CLS_R_BAD_UDP);
	set16(&fr, OFF_UDP_LEN, 0xffff);
	expect(f, &fr, CLS_DROP, CLS_R_BAD_UDP);
	/* shorter than the IP payload is allowed (RFC 768 length) */
	set16(&fr, OFF_UDP_LEN, 8 + RTP_PAYLOAD - 1);
	expect(f, &fr, CLS_RT, CLS_R_UDP_RT);
	set16(&fr, OFF_UDP_LEN, 8);
	expect(f, &fr, CLS_RT, CLS_R_UDP_RT);
}

static void test_cls_padding_is_not_payload(void **state)
{
	struct fixture *f = *state;
	struct frame fr;

	/* 14 + 20 + 8 + 4 = 46 bytes, padded to 60 */
	udp_frame(&fr, our_mac, OUR_IP, 7, 4);
	assert_int_equal(fr.n, 46);
	pad(&fr);
	assert_int_equal(expect(f, &fr, CLS_RT, CLS_R_UDP_RT), 7);
	/* padding with garbage, and more of it than a NIC would add */
	udp_frame(&fr, our_mac, OUR_IP, 5060, 0);
	for (int i = 0; i < 100; i++)
		put8(&fr, 0xff);
	expect(f, &fr, CLS_LINUX, CLS_R_UDP_LINUX);
	/* the UDP length must fit the IP total length, not the padding */
	udp_frame(&fr, our_mac, OUR_IP, 7, 4);
	pad(&fr);
	set16(&fr, OFF_UDP_LEN, 8 + 4 + 1);
	expect(f, &fr, CLS_DROP, CLS_R_BAD_UDP);
	/* ICMP echo header only within the padding: not an echo */
	icmp_frame(&fr, OUR_IP, 8, 4);
	pad(&fr);
	fr.b[OFF_L4] = 8;
	expect(f, &fr, CLS_LINUX, CLS_R_ICMP_OTHER);
}

/* Cut a valid frame at every length: below 14 it is a runt, and every cut
 * inside the IP packet leaves the total length past the end: bad_ip. */
static void truncate_every_length(struct fixture *f, const struct frame *fr,
				  enum cls_verdict full_v,
				  enum cls_reason full_r)
{
	for (size_t len = 0; len < fr->n; len++)
		expect_len(f, fr, len, CLS_DROP,
			   len < 14 ? CLS_R_RUNT : CLS_R_BAD_IP);
	expect_len(f, fr, fr->n, full_v, full_r);
}

static void test_cls_truncated_udp_every_length(void **state)
{
	struct fixture *f = *state;
	struct frame fr;

	udp_frame(&fr, our_mac, OUR_IP, 16384, RTP_PAYLOAD);
	truncate_every_length(f, &fr, CLS_RT, CLS_R_UDP_RT);
	assert_int_equal(f->cls.reasons[CLS_R_RUNT], 14);
	assert_int_equal(f->cls.reasons[CLS_R_BAD_IP], fr.n - 14);
	assert_int_equal(f->cls.verdicts[CLS_DROP], fr.n);
	assert_int_equal(f->cls.verdicts[CLS_RT], 1);

	udp_frame(&fr, our_mac, OUR_IP, 5060, 0);	/* empty datagram */
	truncate_every_length(f, &fr, CLS_LINUX, CLS_R_UDP_LINUX);
	eth(&fr, our_mac, 0x0800);			/* with options */
	ip4_opt(&fr, P_UDP, OUR_IP, 8 + 20, 3);
	udp(&fr, 7, 20);
	truncate_every_length(f, &fr, CLS_RT, CLS_R_UDP_RT);
}

static void test_cls_truncated_other_ipv4_every_length(void **state)
{
	struct fixture *f = *state;
	struct frame fr;

	icmp_frame(&fr, OUR_IP, 8, 64);
	truncate_every_length(f, &fr, CLS_RT, CLS_R_ICMP_ECHO);
	tcp_syn_frame(&fr);
	truncate_every_length(f, &fr, CLS_LINUX, CLS_R_IP_OTHER);
}

static void test_cls_tcp_and_other_protocols_to_linux(void **state)
{
	static const uint8_t protos[] = { P_TCP, P_IGMP, P_GRE, 0, 50, 132,
					  255 };
	struct fixture *f = *state;
	struct frame fr;

	tcp_syn_frame(&fr);
	assert_int_equal(expect(f, &fr, CLS_LINUX, CLS_R_IP_OTHER), 0xdead);
	for (size_t i = 0; i < sizeof(protos); i++) {
		eth(&fr, our_mac, 0x0800);
		ip4(&fr, protos[i], OUR_IP, 30);
		payload(&fr, 30);
		expect(f, &fr, CLS_LINUX, CLS_R_IP_OTHER);
	}
	/* IGMP report to a group */
	eth(&fr, mcast4_mac, 0x0800);
	ip4(&fr, P_IGMP, IP4(224, 0, 0, 22), 8);
	payload(&fr, 8);
	pad(&fr);
	expect(f, &fr, CLS_LINUX, CLS_R_IP_OTHER);
}

static void test_cls_ipv6_and_other_types_to_linux(void **state)
{
	static const uint16_t other[] = {
		0x88cc,			/* LLDP */
		0x8035,			/* RARP */
		0x8863, 0x8864,		/* PPPoE */
		0x88f7,			/* PTP */
		0x0000, 0x0026,		/* 802.3 length fields (STP, LLC) */
		0x05dc, 0x0600, 0xffff,
		0x0801, 0x0807,		/* neighbours of IPv4 and ARP */
		0x8101, 0x88a9, 0x86de,
	};
	struct fixture *f = *state;
	struct frame fr;

	eth(&fr, mcast6_mac, 0x86dd);
	payload(&fr, 40 + 32);
	assert_int_equal(expect(f, &fr, CLS_LINUX, CLS_R_IPV6), 0xdead);
	eth(&fr, our_mac, 0x86dd);		/* not parsed: even bogus */
	pad(&fr);
	expect(f, &fr, CLS_LINUX, CLS_R_IPV6);
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		eth(&fr, bcast_mac, other[i]);
		pad(&fr);
		expect(f, &fr, CLS_LINUX, CLS_R_OTHER_TYPE);
	}
}

static void test_cls_set_addr_changes_verdict(void **state)
{
	static const uint8_t new_mac[6] = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd,
					    0xee };
	const uint32_t new_ip = IP4(198, 19, 1, 5);
	struct fixture *f = *state;
	struct cls_addr a = addr_of(new_mac, new_ip, IP4(255, 255, 0, 0));
	struct frame fr;
	uint64_t rt;

	udp_frame(&fr, our_mac, OUR_IP, 16384, RTP_PAYLOAD);
	expect(f, &fr, CLS_RT, CLS_R_UDP_RT);
	rt = f->cls.reasons[CLS_R_UDP_RT];
	cls_set_addr(&f->cls, &a);
	assert_int_equal(f->cls.reasons[CLS_R_UDP_RT], rt);	/* kept */
	/* old MAC, old IP */
	expect(f, &fr, CLS_DROP, CLS_R_NOT_FOR_US);
	/* new MAC, old IP; old subnet broadcast */
	udp_frame(&fr, new_mac, OUR_IP, 16384, RTP_PAYLOAD);
	expect(f, &fr, CLS_DROP, CLS_R_IP_NOT_OURS);
	udp_frame(&fr, bcast_mac, IP4(198, 18, 0, 255), 5060, 20);
	expect(f, &fr, CLS_DROP, CLS_R_IP_NOT_OURS);
	/* new MAC, new IP, new broadcast */
	udp_frame(&fr, new_mac, new_ip, 16384, RTP_PAYLOAD);
	expect(f, &fr, CLS_RT, CLS_R_UDP_RT);
	udp_frame(&fr, bcast_mac, IP4(198, 19, 255, 255), 5060, 20);
	expect(f, &fr, CLS_LINUX, CLS_R_UDP_LINUX);
	arp_frame(&fr, new_mac, 2);
	expect(f, &fr, CLS_BOTH, CLS_R_ARP);
	arp_frame(&fr, our_mac, 2);
	expect(f, &fr, CLS_DROP, CLS_R_NOT_FOR_US);
	/* and back */
	a = addr_of(our_mac, OUR_IP, OUR_MASK);
	cls_set_addr(&f->cls, &a);
	udp_frame(&fr, our_mac, OUR_IP, 16384, RTP_PAYLOAD);
	expect(f, &fr, CLS_RT, CLS_R_UDP_RT);
}

static void test_cls_port_claim_release_changes_verdict(void **state)
{
	struct fixture *f = *state;
	struct frame fr;

	udp_frame(&fr, our_mac, OUR_IP, 40000, RTP_PAYLOAD);
	expect(f, &fr, CLS_LINUX, CLS_R_UDP_LINUX);
	assert_int_equal(ports_claim(&f->ports, 40000, 40001), 0);
	assert_int_equal(expect(f, &fr, CLS_RT, CLS_R_UDP_RT), 40000);
	udp_frame(&fr, our_mac, OUR_IP, 40002, RTP_PAYLOAD);
	expect(f, &fr, CLS_LINUX, CLS_R_UDP_LINUX);
	udp_frame(&fr, our_mac, OUR_IP, 40000, RTP_PAYLOAD);
	assert_int_equal(ports_release(&f->ports, 40000, 40001), 0);
	expect(f, &fr, CLS_LINUX, CLS_R_UDP_LINUX);
	/* giving back the echo port sends it to Linux */
	udp_frame(&fr, our_mac, OUR_IP, 7, 16);
	expect(f, &fr, CLS_RT, CLS_R_UDP_RT);
	assert_int_equal(ports_release(&f->ports, 7, 7), 0);
	expect(f, &fr, CLS_LINUX, CLS_R_UDP_LINUX);
	/* the top port */
	udp_frame(&fr, our_mac, OUR_IP, 65535, 16);
	assert_int_equal(ports_claim(&f->ports, 65535, 65535), 0);
	assert_int_equal(expect(f, &fr, CLS_RT, CLS_R_UDP_RT), 65535);
}

static void test_cls_counters_exact_over_a_mix(void **state)
{
	struct fixture *f = *state;
	struct frame fr;
	uint64_t want_r[CLS_R_COUNT] = { 0 };
	uint64_t want_v[4] = { 0 };

	for (int round = 0; round < 3; round++) {
		udp_frame(&fr, our_mac, OUR_IP, 16384, RTP_PAYLOAD);
		for (int i = 0; i < 50; i++)
			cls_classify(&f->cls, fr.b, fr.n, NULL);
		want_r[CLS_R_UDP_RT] += 50;
		want_v[CLS_RT] += 50;
		arp_frame(&fr, bcast_mac, 1);
		cls_classify(&f->cls, fr.b, fr.n, NULL);
		want_r[CLS_R_ARP]++;
		want_v[CLS_BOTH]++;
		tcp_syn_frame(&fr);
		cls_classify(&f->cls, fr.b, fr.n, NULL);
		cls_classify(&f->cls, fr.b, 20, NULL);
		want_r[CLS_R_IP_OTHER]++;
		want_r[CLS_R_BAD_IP]++;
		want_v[CLS_LINUX]++;
		want_v[CLS_DROP]++;
		cls_classify(&f->cls, fr.b, 13, NULL);
		want_r[CLS_R_RUNT]++;
		want_v[CLS_DROP]++;
		eth(&fr, our_mac, 0x86dd);
		cls_classify(&f->cls, fr.b, fr.n, NULL);
		want_r[CLS_R_IPV6]++;
		want_v[CLS_LINUX]++;
	}
	assert_memory_equal(f->cls.reasons, want_r, sizeof(want_r));
	assert_memory_equal(f->cls.verdicts, want_v, sizeof(want_v));
	assert_int_equal(total(f->cls.reasons, CLS_R_COUNT),
			 total(f->cls.verdicts, 4));
}

static void test_cls_udp_port_untouched_unless_udp(void **state)
{
	struct fixture *f = *state;
	struct frame fr;

	arp_frame(&fr, bcast_mac, 1);
	assert_int_equal(expect(f, &fr, CLS_BOTH, CLS_R_ARP), 0xdead);
	tcp_syn_frame(&fr);
	assert_int_equal(expect(f, &fr, CLS_LINUX, CLS_R_IP_OTHER), 0xdead);
	udp_frame(&fr, our_mac, PEER_IP, 7, 16);
	assert_int_equal(expect(f, &fr, CLS_DROP, CLS_R_IP_NOT_OURS), 0xdead);
	udp_frame(&fr, our_mac, OUR_IP, 5060, 16);
	assert_int_equal(expect(f, &fr, CLS_LINUX, CLS_R_UDP_LINUX), 5060);
}

static bool is_snake_case(const char *s)
{
	if (!*s || *s == '_')
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '_'))
			return false;
	return true;
}

static void test_cls_names(void **state)
{
	static const char *const want[CLS_R_COUNT] = {
		"not_for_us", "runt", "vlan", "arp", "bad_arp", "bad_ip",
		"ip_not_ours", "fragment", "icmp_echo", "icmp_other",
		"bad_udp", "udp_rt", "udp_linux", "ip_other", "ipv6",
		"other_type",
	};

	(void)state;
	for (int i = 0; i < CLS_R_COUNT; i++) {
		const char *n = cls_reason_name((enum cls_reason)i);

		assert_non_null(n);
		assert_string_equal(n, want[i]);
		assert_true(is_snake_case(n));
		for (int j = 0; j < i; j++)
			assert_string_not_equal(
				n, cls_reason_name((enum cls_reason)j));
	}
	assert_string_equal(cls_verdict_name(CLS_RT), "rt");
	assert_string_equal(cls_verdict_name(CLS_LINUX), "linux");
	assert_string_equal(cls_verdict_name(CLS_BOTH), "both");
	assert_string_equal(cls_verdict_name(CLS_DROP), "drop");
	assert_string_equal(cls_reason_name(CLS_R_COUNT), "unknown");
	assert_string_equal(cls_reason_name((enum cls_reason)-1), "unknown");
	assert_string_equal(cls_verdict_name((enum cls_verdict)4), "unknown");
	assert_string_equal(cls_verdict_name((enum cls_verdict)-1), "unknown");
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_cls_init_clears_counters_and_copies_addr),
		T(test_cls_init_with_its_own_addr),
		T(test_cls_runt_every_length_below_header),
		T(test_cls_not_for_us_unicast_mac),
		T(test_cls_broadcast_and_multicast_mac_pass),
		T(test_cls_vlan_dropped),
		T(test_cls_arp_request_and_reply_go_to_both),
		T(test_cls_arp_malformed_each_field),
		T(test_cls_arp_truncated_every_length),
		T(test_cls_ipv4_bad_header),
		T(test_cls_ipv4_options_skipped),
		T(test_cls_ip_not_ours),
		T(test_cls_ip_broadcast_and_multicast_accepted),
		T(test_cls_unconfigured_ip_accepts_no_unicast),
		T(test_cls_subnet_broadcast_follows_prefix),
		T(test_cls_fragments_go_to_linux),
		T(test_cls_icmp_echo_to_rt_rest_to_linux),
		T(test_cls_udp_rt_and_linux_ports),
		T(test_cls_udp_malformed),
		T(test_cls_padding_is_not_payload),
		T(test_cls_truncated_udp_every_length),
		T(test_cls_truncated_other_ipv4_every_length),
		T(test_cls_tcp_and_other_protocols_to_linux),
		T(test_cls_ipv6_and_other_types_to_linux),
		T(test_cls_set_addr_changes_verdict),
		T(test_cls_port_claim_release_changes_verdict),
		T(test_cls_counters_exact_over_a_mix),
		T(test_cls_udp_port_untouched_unless_udp),
		T(test_cls_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

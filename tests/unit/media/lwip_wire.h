/* SPDX-License-Identifier: MIT */
/** @file lwip_wire.h  Real lwIP against a test "wire", for the tests of
 *  the legs on the RT partition's lwIP (media/udpport.h)
 *
 * Header-only (each unit test is a program of its own): lwip_wire_init()
 * makes a packet pool, the "wire" (a queue that gets every frame lwIP
 * sends) and lwIP on the RT partition's netif (sharednet/lwipif.h) as
 * 198.18.0.10, with arrivals stamped on the fake clock `fake_now`.
 * wire_drain() plays the network: it answers ARP for any address (as a
 * peer at 198.18.0.99 would), hands each IPv4 UDP frame to the test, and
 * drops the rest (IPv6 chatter). The other way, deliver() gives a UDP
 * frame to its port's receiver when the port handler table `direct_rx`
 * has one (direct_port(), set with udpport_handler_set(), as the RT
 * partition's net task keeps it: rtnet.c), else to lwIP; inject_from()
 * makes such a frame from a payload.
 *
 * The names are short ones of the including test; the test is one thread
 * (net task and media task) unless it starts RT tasks itself.
 */
#ifndef TESTS_MEDIA_LWIP_WIRE_H
#define TESTS_MEDIA_LWIP_WIRE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <lwip/tcpip.h>

#include "hal/pkt.h"
#include "media/udpport.h"
#include "rtos-kernel/mq.h"
#include "rtos-kernel/rtk.h"
#include "sharednet/lwipif.h"

#define MS		1000000ull
#define OUR_IP		0x0a0012c6u	/* 198.18.0.10, network order */
#define PEER_IP		0x630012c6u	/* 198.18.0.99 */
#define NPKT		512
#define ETH		14
#define IP4		(ETH + 20)
#define UDP		(IP4 + 8)

static const uint8_t our_mac[6] = { 0x02, 0x00, 0x5e, 0x12, 0x34, 0x56 };
static const uint8_t peer_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x99 };

static struct pkt_pool *pool;
static struct lwipif *lw;
static struct rtk_mq *wire;		/* frames lwIP sent */
static uint64_t fake_now = 1000 * MS;

/* the port handler's table, as the net task keeps it (rtnet.c): empty
 * unless a test sets the handler */
static struct { udpport_rx_h *rx; void *arg; } direct_rx[65536];

static inline uint64_t fake_clock(void)
{
	return fake_now;
}

/* lwIP sends a frame (any thread, core lock held): onto the wire */
static inline void wire_out(struct pkt *p, void *arg)
{
	(void)arg;
	if (rtk_mq_push(wire, &p))
		pkt_free(p);
}

static inline uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/** The executive (not started), the pool, the wire and lwIP; arrivals on
 *  the fake clock. @return 0 or -1 */
static inline int lwip_wire_init(void)
{
	struct rtk_cfg rc = { .no_rt = true };
	struct netcfg_msg m = {
		.version = NETCFG_VERSION, .size = sizeof(m), .up = 1,
		.prefix_len = 24, .ip = OUR_IP, .mtu = 1500,
	};

	memcpy(m.mac, our_mac, 6);
	if (rtk_init(&rc) || pkt_pool_create(&pool, "test", NPKT) ||
	    rtk_mq_create(&wire, RTK_MQ_MPSC, sizeof(struct pkt *), NPKT) ||
	    lwipif_init(&lw, &m, pool, 10, wire_out, NULL))
		return -1;
	udpport_clock_set(fake_clock);
	return 0;
}

/* the ARP request @p req answered: the address asked for is the peer's */
static inline void arp_reply(const uint8_t *req)
{
	struct pkt *p = pkt_get(pool);
	uint8_t *f;

	if (!p)
		return;
	f = pkt_data(p);
	memset(f, 0, 60);
	memcpy(f, our_mac, 6);
	memcpy(f + 6, peer_mac, 6);
	f[12] = 0x08;
	f[13] = 0x06;
	f[15] = 1;		/* Ethernet */
	f[16] = 0x08;		/* IPv4 */
	f[18] = 6;
	f[19] = 4;
	f[21] = 2;		/* reply */
	memcpy(f + 22, peer_mac, 6);
	memcpy(f + 28, req + 38, 4);	/* the address asked for */
	memcpy(f + 32, our_mac, 6);
	memcpy(f + 38, req + 28, 4);
	p->len = 60;
	lwipif_input(lw, p);
}

/* udpport_port_h of the net task's table */
static inline void direct_port(uint16_t port, udpport_rx_h *rx,
			       void *rx_arg, void *arg)
{
	(void)arg;
	direct_rx[port].rx = rx;
	direct_rx[port].arg = rx_arg;
}

/* a UDP frame for us: to its port's receiver when it has one, as the net
 * task does, else to lwIP */
static inline void deliver(struct pkt *p)
{
	const uint8_t *f = pkt_data(p);
	uint16_t port = be16(f + IP4 + 2);
	uint32_t from;

	if (!direct_rx[port].rx) {
		lwipif_input(lw, p);
		return;
	}
	memcpy(&from, f + 26, 4);
	LOCK_TCPIP_CORE();
	direct_rx[port].rx(f + UDP, be16(f + IP4 + 4) - 8u, from,
			   be16(f + IP4), direct_rx[port].arg);
	UNLOCK_TCPIP_CORE();
	pkt_free(p);
}

/* Take what lwIP sent: answer ARP; an IPv4 UDP frame goes to @p udp,
 * which keeps it (and returns true) or leaves it to be freed; the rest
 * (IPv6 chatter) goes nowhere */
static inline void wire_drain(bool (*udp)(struct pkt *p))
{
	struct pkt *p;

	while (!rtk_mq_pop(wire, &p)) {
		const uint8_t *f = pkt_data(p);

		if (p->len >= 42 && f[12] == 0x08 && f[13] == 0x06 &&
		    f[21] == 1)
			arp_reply(f);
		else if (p->len >= UDP && f[12] == 0x08 && !f[13] &&
			 f[23] == 17 && udp(p))
			continue;
		pkt_free(p);
	}
}

/* a UDP frame from @p from_ip (network order):@p from_port to our port
 * @p port with @p payload, UDP checksum 0, delivered */
static inline void inject_from(uint32_t from_ip, uint16_t from_port,
			       uint16_t port, const uint8_t *payload,
			       size_t len)
{
	struct pkt *p = pkt_get(pool);
	uint8_t *f = pkt_data(p);
	uint32_t sum = 0;

	memset(f, 0, UDP);
	memcpy(f, our_mac, 6);
	memcpy(f + 6, peer_mac, 6);
	f[12] = 0x08;
	f[14] = 0x45;
	f[16] = (uint8_t)((20 + 8 + len) >> 8);
	f[17] = (uint8_t)(20 + 8 + len);
	f[22] = 64;
	f[23] = 17;
	memcpy(f + 26, &from_ip, 4);
	memcpy(f + 30, &(uint32_t){ OUR_IP }, 4);
	for (int i = ETH; i < IP4; i += 2)
		sum += be16(f + i);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = ~((sum & 0xffff) + (sum >> 16)) & 0xffff;
	f[24] = (uint8_t)(sum >> 8);
	f[25] = (uint8_t)sum;
	f[IP4] = (uint8_t)(from_port >> 8);
	f[IP4 + 1] = (uint8_t)from_port;
	f[IP4 + 2] = (uint8_t)(port >> 8);
	f[IP4 + 3] = (uint8_t)port;
	f[IP4 + 4] = (uint8_t)((8 + len) >> 8);
	f[IP4 + 5] = (uint8_t)(8 + len);
	memcpy(f + UDP, payload, len);
	p->len = (uint16_t)(UDP + len);
	deliver(p);
}

#endif /* TESTS_MEDIA_LWIP_WIRE_H */

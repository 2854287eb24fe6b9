// SPDX-License-Identifier: MIT
/** @file udpport.c  A leg's UDP ports on the RT partition's lwIP: PCBs,
 *  the receive ring, sending, the register of ports held (see udpport.h) */
#define LOG_MODULE "udpport"
#include <errno.h>
#include <string.h>

#include <lwip/ip_addr.h>
#include <lwip/pbuf.h>
#include <lwip/tcpip.h>
#include <lwip/udp.h>

#include "media/udpport.h"
#include "rtos-kernel/log.h"
#include "rtos-kernel/rtk.h"

static uint64_t default_clock(void)
{
	return rtk_now_ns();
}

static udpport_clock_h *_Atomic clock_fn = default_clock;

static void no_port_h(uint16_t port, udpport_rx_h *rx, void *rx_arg,
		      void *arg)
{
	(void)port;
	(void)rx;
	(void)rx_arg;
	(void)arg;
}

static udpport_port_h *port_h = no_port_h;
static void *port_arg;
static uint8_t tos;			/* the IP header's: DSCP << 2 */

/* the even ports held, a bit per pair: changed by the media task only */
static _Atomic uint64_t port_bits[65536 / 2 / 64];

void udpport_clock_set(udpport_clock_h *fn)
{
	atomic_store(&clock_fn, fn ? fn : default_clock);
}

uint64_t udpport_now(void)
{
	return atomic_load_explicit(&clock_fn, memory_order_relaxed)();
}

void udpport_dscp_set(unsigned dscp)
{
	tos = (uint8_t)((dscp & 63) << 2);
}

void udpport_handler_set(udpport_port_h *h, void *arg)
{
	port_h = h ? h : no_port_h;
	port_arg = arg;
}

bool udpport_taken(uint16_t port)
{
	return atomic_load(&port_bits[port / 128]) >> (port / 2 % 64) & 1;
}

static void port_mark(uint16_t port, bool taken)
{
	uint64_t bit = (uint64_t)1 << (port / 2 % 64);

	if (taken)
		atomic_fetch_or(&port_bits[port / 128], bit);
	else
		atomic_fetch_and(&port_bits[port / 128], ~bit);
}

static inline void inc(_Atomic uint64_t *v)
{
	atomic_store_explicit(v, atomic_load_explicit(v, memory_order_relaxed)
			      + 1, memory_order_relaxed);
}

/* a datagram for the port of @p e into its ring, from @p data or else
 * from the pbuf @p pb: the net task, with lwIP's core lock held (the
 * port cannot close meanwhile) */
static void rx_take(struct udpport_end *e, const void *data, size_t len,
		    const struct pbuf *pb, uint32_t from_ip,
		    uint16_t from_port)
{
	struct udpport *p = e->p;
	struct udpport_slot *s;
	uint32_t head, tail;

	if (!atomic_load_explicit(&p->open, memory_order_acquire))
		return;
	head = atomic_load_explicit(&p->head, memory_order_relaxed);
	tail = atomic_load_explicit(&p->tail, memory_order_acquire);
	if (head - tail >= UDPPORT_RING) {
		inc(&p->ring_full);
		return;
	}
	if (len > UDPPORT_SLOT) {
		inc(&p->too_big);
		return;
	}
	s = &p->ring[head % UDPPORT_RING];
	if (pb) {
		s->len = pbuf_copy_partial(pb, s->data, (u16_t)len, 0);
	} else {
		memcpy(s->data, data, len);
		s->len = (uint16_t)len;
	}
	s->at_ns = udpport_now();
	s->which = e->which;
	s->from_ip = from_ip;
	s->from_port = from_port;
	atomic_store_explicit(&p->head, head + 1, memory_order_release);
}

/* the receiver the network task calls without lwIP (udpport_port_h) */
static void rx_direct(const void *data, size_t len, uint32_t from_ip,
		      uint16_t from_port, void *rx_arg)
{
	rx_take(rx_arg, data, len, NULL, from_ip, from_port);
}

/* lwIP's receive callback: the net task, with the core lock held */
static void rx(void *arg, struct udp_pcb *pcb, struct pbuf *pb,
	       const ip_addr_t *addr, u16_t port)
{
	(void)pcb;
	rx_take(arg, NULL, pb->tot_len, pb, addr && IP_IS_V4(addr) ?
		ip_2_ip4(addr)->addr : 0, port);
	pbuf_free(pb);
}

struct udpport_slot *udpport_peek(struct udpport *p)
{
	uint32_t tail = atomic_load_explicit(&p->tail, memory_order_relaxed);
	uint32_t head = atomic_load_explicit(&p->head, memory_order_acquire);

	return tail == head ? NULL : &p->ring[tail % UDPPORT_RING];
}

void udpport_pop(struct udpport *p)
{
	uint32_t tail = atomic_load_explicit(&p->tail, memory_order_relaxed);

	atomic_store_explicit(&p->tail, tail + 1, memory_order_release);
}

static void flush(struct udpport *p)
{
	atomic_store_explicit(&p->tail, atomic_load_explicit(&p->head,
			      memory_order_acquire), memory_order_release);
}

int udpport_init(struct udpport *p, unsigned n)
{
	int err = 0;

	if (n < 1 || n > 2)
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	p->n = n;
	LOCK_TCPIP_CORE();
	for (unsigned i = 0; i < n && !err; i++) {
		p->end[i].p = p;
		p->end[i].which = (uint8_t)i;
		p->pcb[i] = udp_new();
		if (p->pcb[i]) {
			p->pcb[i]->tos = tos;
			udp_recv(p->pcb[i], rx, &p->end[i]);
		} else
			err = -ENOMEM;
	}
	UNLOCK_TCPIP_CORE();
	return err;
}

void udpport_fini(struct udpport *p)
{
	LOCK_TCPIP_CORE();
	for (unsigned i = 0; i < p->n; i++)
		if (p->pcb[i])
			udp_remove(p->pcb[i]);
	UNLOCK_TCPIP_CORE();
	p->pcb[0] = p->pcb[1] = NULL;
}

/* park a PCB: bound to an ephemeral port, it receives nothing */
static void park(struct udp_pcb *pcb)
{
	if (udp_bind(pcb, IP_ANY_TYPE, 0) != ERR_OK)
		LOG_WARN("no port to park a PCB on");
}

/* the PCBs stay out of lwIP's list (see udpport.h) */
static bool direct(void)
{
	return port_h != no_port_h;
}

/* a PCB of lwIP's list has @p port or @p port + 1; lwIP's core lock held */
static bool lwip_has_port(uint16_t port)
{
	for (const struct udp_pcb *q = udp_pcbs; q; q = q->next)
		if (q->local_port == port || q->local_port == port + 1)
			return true;
	return false;
}

/* bind @p p's PCBs to @p port on; lwIP's core lock held */
static int bind_pcbs(struct udpport *p, uint16_t port)
{
	for (unsigned i = 0; i < p->n; i++) {
		struct udp_pcb *pcb = p->pcb[i];

		if (direct()) {		/* not in lwIP's list */
			ip_addr_copy(pcb->local_ip, *IP_ANY_TYPE);
			pcb->local_port = (u16_t)(port + i);
		} else if (udp_bind(pcb, IP_ANY_TYPE,
				    (u16_t)(port + i)) != ERR_OK) {
			while (i--)
				park(p->pcb[i]);
			return -EADDRINUSE;
		}
	}
	return 0;
}

int udpport_bind(struct udpport *p, uint16_t port)
{
	int err;

	if (!port || port % 2)
		return -EINVAL;
	if (udpport_taken(port))
		return -EADDRINUSE;
	LOCK_TCPIP_CORE();
	err = direct() && lwip_has_port(port) ? -EADDRINUSE :
						 bind_pcbs(p, port);
	UNLOCK_TCPIP_CORE();
	if (err)
		return err;
	flush(p);
	atomic_store_explicit(&p->open, true, memory_order_release);
	p->port = port;
	port_mark(port, true);
	for (unsigned i = 0; i < p->n; i++)
		port_h((uint16_t)(port + i), rx_direct, &p->end[i], port_arg);
	return 0;
}

void udpport_unbind(struct udpport *p)
{
	if (!p->port)
		return;
	atomic_store(&p->open, false);
	for (unsigned i = 0; i < p->n; i++)
		port_h((uint16_t)(p->port + i), NULL, NULL, port_arg);
	if (!direct()) {	/* else the port stays on the PCBs: unused */
		LOCK_TCPIP_CORE();
		for (unsigned i = 0; i < p->n; i++)
			park(p->pcb[i]);
		UNLOCK_TCPIP_CORE();
	}
	port_mark(p->port, false);
	p->port = 0;
	flush(p);
}

int udpport_send(struct udpport *p, unsigned which,
		 const struct udpport_seg *seg, unsigned nseg, uint32_t ip,
		 uint16_t port)
{
	ip_addr_t dst = IPADDR4_INIT(ip);
	size_t len = 0, off = 0;
	struct pbuf *pb;
	err_t e = ERR_MEM;

	for (unsigned i = 0; i < nseg; i++)
		len += seg[i].len;
	if (!ip || !port || which >= p->n || len > UINT16_MAX)
		return -EINVAL;
	LOCK_TCPIP_CORE();
	pb = pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM);
	if (pb) {
		for (unsigned i = 0; i < nseg; i++) {
			pbuf_take_at(pb, seg[i].data, (u16_t)seg[i].len,
				     (u16_t)off);
			off += seg[i].len;
		}
		e = udp_sendto(p->pcb[which], pb, &dst, port);
		pbuf_free(pb);
	}
	UNLOCK_TCPIP_CORE();
	return e == ERR_OK ? 0 : -EIO;
}

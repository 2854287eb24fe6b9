// SPDX-License-Identifier: MIT
/** @file rtpleg_net.c  RTP legs on lwIP: PCBs, receive rings, and the
 *  transports oRTP sends and receives through
 *
 * Receive: the net task calls rx_direct() for the leg's ports (handed to
 * it through the port handler: a table by port, not lwIP's walk of every
 * PCB), or lwIP calls rx() when no port handler takes them (tests), both
 * in the net task with lwIP's core lock held; the datagram is copied into
 * the leg's ring (one producer: the net task; one consumer: the media
 * task; C11 acquire/release, no lock). The media task takes datagrams one
 * by one and "stages" each one for oRTP, whose t_recvfrom hands it over
 * (see rtpleg.c).
 * Send: oRTP calls t_sendto in the media task; the packet is copied into
 * a pbuf and sent with udp_sendto() under lwIP's core lock, from the
 * leg's port (RTP) or port + 1 (RTCP), to the remote end of the leg.
 * With a port handler (the RT partition) the legs' PCBs stay out of
 * lwIP's list of PCBs: lwIP would never deliver to them, only walk them,
 * twice on every bind and again for every ephemeral port, which with a
 * thousand channels' PCBs was a tenth of the RT CPU at 300 calls/s. They
 * carry their port for udp_sendto() (lwIP binds a PCB only when its port
 * is 0), and opening a leg checks the port against lwIP's own PCBs (the
 * probe's). Without one (tests), lwIP binds them and delivers; a closed
 * leg's PCBs are then parked on an ephemeral lwIP port that never
 * receives (ports from 49152 up belong to Linux). Either way the PCBs
 * stay allocated: opening a leg again allocates nothing.
 */
#define LOG_MODULE "rtpleg"
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include <lwip/ip_addr.h>
#include <lwip/pbuf.h>
#include <lwip/tcpip.h>
#include <lwip/udp.h>

#include "media/ortp_extra.h"
#include "media/rtpleg_priv.h"
#include "rtos-kernel/log.h"
#include "rtos-kernel/rtk.h"

static uint64_t default_clock(void)
{
	return rtk_now_ns();
}

static rtpleg_clock_h *_Atomic clock_fn = default_clock;

static void no_port_h(uint16_t port, rtpleg_rx_h *rx, void *rx_arg,
		      void *arg)
{
	(void)port;
	(void)rx;
	(void)rx_arg;
	(void)arg;
}

static rtpleg_port_h *port_h = no_port_h;
static void *port_arg;

/** Stamp arrivals with @p fn instead of the monotonic clock (tests and
 *  simulations); NULL restores the clock. Context: init. */
void rtpleg_clock_set(rtpleg_clock_h *fn)
{
	atomic_store(&clock_fn, fn ? fn : default_clock);
}

/** Tell @p h, with @p arg, about every RT port a leg starts or stops
 *  listening on (NULL: nobody). Context: init, before any leg opens. */
void rtpleg_port_handler_set(rtpleg_port_h *h, void *arg)
{
	port_h = h ? h : no_port_h;
	port_arg = arg;
}

uint64_t rtpleg_net_now(void)
{
	return atomic_load_explicit(&clock_fn, memory_order_relaxed)();
}

static inline void inc(_Atomic uint64_t *v)
{
	atomic_store_explicit(v, atomic_load_explicit(v, memory_order_relaxed)
			      + 1, memory_order_relaxed);
}

/* a datagram for the port of @p rx_arg (a transport) into its leg's ring,
 * from @p data or else from the pbuf @p p: the net task, with lwIP's core
 * lock held (the leg's port cannot close meanwhile) */
static void rx_take(void *rx_arg, const void *data, size_t len,
		    const struct pbuf *p, uint32_t from_ip, uint16_t from_port)
{
	struct rtpleg_tp *tp = rx_arg;
	struct rtpleg *l = tp->leg;
	struct rtpleg_slot *s;
	uint32_t head, tail;

	if (!atomic_load_explicit(&l->open, memory_order_acquire))
		return;
	head = atomic_load_explicit(&l->rx_head, memory_order_relaxed);
	tail = atomic_load_explicit(&l->rx_tail, memory_order_acquire);
	if (head - tail >= RTPLEG_RING) {
		inc(&l->ring_full);
		return;
	}
	if (len > RTPLEG_SLOT) {
		inc(&l->too_big);
		return;
	}
	s = &l->ring[head % RTPLEG_RING];
	if (p) {
		s->len = pbuf_copy_partial(p, s->data, (u16_t)len, 0);
	} else {
		memcpy(s->data, data, len);
		s->len = (uint16_t)len;
	}
	s->at_ns = rtpleg_net_now();
	s->rtcp = tp->rtcp;
	s->from_ip = from_ip;
	s->from_port = from_port;
	atomic_store_explicit(&l->rx_head, head + 1, memory_order_release);
}

/* the receiver the network task calls without lwIP (rtpleg_port_h) */
static void rx_direct(const void *data, size_t len, uint32_t from_ip,
		      uint16_t from_port, void *rx_arg)
{
	rx_take(rx_arg, data, len, NULL, from_ip, from_port);
}

/* lwIP's receive callback: the net task, with the core lock held */
static void rx(void *arg, struct udp_pcb *pcb, struct pbuf *p,
	       const ip_addr_t *addr, u16_t port)
{
	(void)pcb;
	rx_take(arg, NULL, p->tot_len, p, addr && IP_IS_V4(addr) ?
		ip_2_ip4(addr)->addr : 0, port);
	pbuf_free(p);
}

/** The oldest datagram received and not yet taken, or NULL.
 *  Context: the media task (the ring's consumer). */
const struct rtpleg_slot *rtpleg_net_peek(struct rtpleg *l)
{
	uint32_t tail = atomic_load_explicit(&l->rx_tail, memory_order_relaxed);
	uint32_t head = atomic_load_explicit(&l->rx_head, memory_order_acquire);

	return tail == head ? NULL : &l->ring[tail % RTPLEG_RING];
}

/** Give the slot rtpleg_net_peek() returned back to the net task. */
void rtpleg_net_pop(struct rtpleg *l)
{
	uint32_t tail = atomic_load_explicit(&l->rx_tail, memory_order_relaxed);

	atomic_store_explicit(&l->rx_tail, tail + 1, memory_order_release);
}

/** Drop whatever waits in the ring. Context: the media task. */
void rtpleg_net_flush(struct rtpleg *l)
{
	atomic_store_explicit(&l->rx_tail, atomic_load_explicit(&l->rx_head,
			      memory_order_acquire), memory_order_release);
}

/* --- oRTP transports: called by oRTP in the media task ----------------- */

static ortp_socket_t tp_getsocket(RtpTransport *t)
{
	(void)t;
	return -1;	/* no socket: oRTP must not poll or close one */
}

static void tp_close(RtpTransport *t)
{
	(void)t;
}

static void tp_destroy(RtpTransport *t)
{
	(void)t;	/* embedded in the leg */
}

static int tp_sendto(RtpTransport *t, mblk_t *m, int flags,
		     const struct sockaddr *to, socklen_t tolen)
{
	struct rtpleg_tp *tp = t->data;
	struct rtpleg *l = tp->leg;
	const struct rtpleg_cfg *c = &l->cfg;
	size_t len = msgdsize(m), off = 0;
	ip_addr_t dst = IPADDR4_INIT(c->remote_ip);
	uint16_t port = c->remote_port;
	struct pbuf *pb;
	err_t e = ERR_MEM;

	(void)flags;
	(void)to;	/* oRTP knows no address: ours is in the leg */
	(void)tolen;
	if (tp->rtcp)
		port = c->remote_rtcp_port ? c->remote_rtcp_port :
		       (uint16_t)(c->remote_port + 1);
	if (!c->remote_ip || !c->remote_port || len > UINT16_MAX) {
		l->c.tx_errors++;
		return -1;
	}
	LOCK_TCPIP_CORE();
	pb = pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM);
	if (pb) {
		for (const mblk_t *b = m; b; b = b->b_cont) {
			size_t n = (size_t)(b->b_wptr - b->b_rptr);

			pbuf_take_at(pb, b->b_rptr, (u16_t)n, (u16_t)off);
			off += n;
		}
		e = udp_sendto(tp->rtcp ? l->pcb_rtcp : l->pcb_rtp, pb, &dst,
			       port);
		pbuf_free(pb);
	}
	UNLOCK_TCPIP_CORE();
	if (e != ERR_OK) {
		l->c.tx_errors++;
		return -1;
	}
	if (tp->rtcp)
		l->c.rtcp_tx++;
	return (int)len;
}

static int tp_recvfrom(RtpTransport *t, mblk_t *m, int flags,
		       struct sockaddr *from, socklen_t *fromlen)
{
	struct rtpleg_tp *tp = t->data;
	struct rtpleg *l = tp->leg;
	const struct rtpleg_slot *s = l->staged;
	struct sockaddr_in sa;

	(void)flags;
	if (!s || s->rtcp != tp->rtcp)
		return 0;	/* nothing (more) for this transport */
	l->staged = NULL;
	if (s->len > (size_t)(dblk_lim(m->b_datap) - m->b_wptr))
		return 0;
	memcpy(m->b_wptr, s->data, s->len);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = s->from_ip;
	sa.sin_port = htons(s->from_port);
	if (from && fromlen && *fromlen >= (socklen_t)sizeof(sa)) {
		memcpy(from, &sa, sizeof(sa));
		*fromlen = sizeof(sa);
	}
	return s->len;
}

static void tp_init(struct rtpleg_tp *tp, struct rtpleg *l, bool rtcp)
{
	memset(tp, 0, sizeof(*tp));
	tp->tr.data = tp;
	tp->tr.t_getsocket = tp_getsocket;
	tp->tr.t_sendto = tp_sendto;
	tp->tr.t_recvfrom = tp_recvfrom;
	tp->tr.t_close = tp_close;
	tp->tr.t_destroy = tp_destroy;
	tp->leg = l;
	tp->rtcp = rtcp;
}

/** oRTP transports (ours wrapped by oRTP's meta transports) for the
 *  session of @p l; the session owns them. Context: init (allocates). */
void rtpleg_net_transports(struct rtpleg *l, RtpTransport **rtp,
			   RtpTransport **rtcp)
{
	*rtp = meta_rtp_transport_new(&l->tp_rtp.tr, 0);
	*rtcp = meta_rtcp_transport_new(&l->tp_rtcp.tr, 0);
}

/** Make @p l's transports and lwIP PCBs (not bound). Context: init,
 *  after lwIP is up (allocates). @return 0 or -ENOMEM */
int rtpleg_net_init(struct rtpleg *l)
{
	int err = 0;

	tp_init(&l->tp_rtp, l, false);
	tp_init(&l->tp_rtcp, l, true);
	LOCK_TCPIP_CORE();
	l->pcb_rtp = udp_new();
	l->pcb_rtcp = udp_new();
	if (!l->pcb_rtp || !l->pcb_rtcp) {
		err = -ENOMEM;
	} else {
		udp_recv(l->pcb_rtp, rx, &l->tp_rtp);
		udp_recv(l->pcb_rtcp, rx, &l->tp_rtcp);
	}
	UNLOCK_TCPIP_CORE();
	return err;
}

/** Free @p l's PCBs. Context: teardown. */
void rtpleg_net_fini(struct rtpleg *l)
{
	LOCK_TCPIP_CORE();
	if (l->pcb_rtp)
		udp_remove(l->pcb_rtp);
	if (l->pcb_rtcp)
		udp_remove(l->pcb_rtcp);
	UNLOCK_TCPIP_CORE();
	l->pcb_rtp = NULL;
	l->pcb_rtcp = NULL;
}

/* park a PCB: bound to an ephemeral port, it receives nothing */
static void park(struct udp_pcb *pcb)
{
	if (udp_bind(pcb, IP_ANY_TYPE, 0) != ERR_OK)
		LOG_WARN("close: no port to park a PCB on");
}

/* the legs' PCBs stay out of lwIP's list (see the top of this file) */
static bool direct(void)
{
	return port_h != no_port_h;
}

/* a PCB of lwIP's list has @p port or @p port + 1; lwIP's core lock held */
static bool lwip_has_port(uint16_t port)
{
	for (const struct udp_pcb *p = udp_pcbs; p; p = p->next)
		if (p->local_port == port || p->local_port == port + 1)
			return true;
	return false;
}

/* @p pcb sends from @p port, not in lwIP's list */
static void set_port(struct udp_pcb *pcb, uint16_t port)
{
	ip_addr_copy(pcb->local_ip, *IP_ANY_TYPE);
	pcb->local_port = port;
}

/** Listen on RT port @p port (RTP) and @p port + 1 (RTCP).
 *  Context: the media task. @return 0 or -EADDRINUSE */
int rtpleg_net_bind(struct rtpleg *l, uint16_t port)
{
	int err = 0;

	LOCK_TCPIP_CORE();
	if (direct()) {
		if (lwip_has_port(port)) {
			err = -EADDRINUSE;
		} else {
			set_port(l->pcb_rtp, port);
			set_port(l->pcb_rtcp, (uint16_t)(port + 1));
		}
	} else if (udp_bind(l->pcb_rtp, IP_ANY_TYPE, port) != ERR_OK) {
		err = -EADDRINUSE;
	} else if (udp_bind(l->pcb_rtcp, IP_ANY_TYPE,
			    (u16_t)(port + 1)) != ERR_OK) {
		park(l->pcb_rtp);
		err = -EADDRINUSE;
	}
	UNLOCK_TCPIP_CORE();
	if (!err) {
		port_h(port, rx_direct, &l->tp_rtp, port_arg);
		port_h((uint16_t)(port + 1), rx_direct, &l->tp_rtcp, port_arg);
	}
	return err;
}

/** Stop listening on @p l's ports; once this returns the net task puts
 *  nothing more in its ring. Context: the media task. */
void rtpleg_net_unbind(struct rtpleg *l)
{
	uint16_t port = l->cfg.local_port;

	port_h(port, NULL, NULL, port_arg);
	port_h((uint16_t)(port + 1), NULL, NULL, port_arg);
	if (direct())
		return;		/* the port stays on the PCBs: never used */
	LOCK_TCPIP_CORE();
	park(l->pcb_rtp);
	park(l->pcb_rtcp);
	UNLOCK_TCPIP_CORE();
}

// SPDX-License-Identifier: MIT
/** @file lwipif.c  lwIP netif over HAL packets, UDP echo service */
#define LOG_MODULE "lwipif"
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <lwip/def.h>
#include <lwip/etharp.h>
#include <lwip/init.h>
#include <lwip/netif.h>
#include <lwip/pbuf.h>
#include <lwip/tcpip.h>
#include <lwip/udp.h>
#include <netif/ethernet.h>

#include "rtos-kernel/log.h"
#include "rtos-kernel/rtk.h"
#include "sharednet/lwipif.h"

_Static_assert(sizeof(struct pbuf_custom) <= PKT_CB_SIZE,
	       "a pbuf_custom fits in a packet's scratch area");

struct lwipif {
	struct netif netif;
	struct pkt_pool *pool;
	lwipif_out_h *out;
	void *arg;
	struct udp_pcb *echo;
	int tcpip_prio;
	_Atomic int adopted;	/* 1 adopted, -1 at normal priority */
	/* counters: one writer each (the network task or lwIP's thread,
	 * which never run lwIP code at once: the core lock) */
	_Atomic uint64_t out_frames, out_no_pkt, in_frames, in_errors;
	_Atomic uint64_t echo_requests, echo_replies;
};

static inline void inc(_Atomic uint64_t *v)
{
	atomic_store_explicit(v, atomic_load_explicit(v, memory_order_relaxed)
			      + 1, memory_order_relaxed);
}

/* lwIP -> wire: copy the pbuf chain into a packet of our pool */
static err_t linkoutput(struct netif *netif, struct pbuf *q)
{
	struct lwipif *l = netif->state;
	struct pkt *p;

	if (q->tot_len > PKT_FRAME_MAX || !(p = pkt_get(l->pool))) {
		inc(&l->out_no_pkt);
		return ERR_MEM;
	}
	p->len = pbuf_copy_partial(q, pkt_data(p), q->tot_len, 0);
	inc(&l->out_frames);
	l->out(p, l->arg);
	return ERR_OK;
}

static err_t netif_setup(struct netif *netif)
{
	netif->name[0] = 'r';
	netif->name[1] = 't';
	netif->linkoutput = linkoutput;
	netif->output = etharp_output;
	netif->hwaddr_len = ETH_HWADDR_LEN;
	netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP |
		       NETIF_FLAG_ETHERNET;
	return ERR_OK;
}

/* custom pbuf freed by lwIP: the packet goes back to its pool */
static void pbuf_done(struct pbuf *pb)
{
	pkt_free((struct pkt *)((uint8_t *)pb - offsetof(struct pkt, cb)));
}

/** Give a received frame to lwIP; consumes @p p (without copying: lwIP frees
 *  the pbuf, which returns the packet). Context: the network task. */
void lwipif_input(struct lwipif *l, struct pkt *p)
{
	struct pbuf_custom *pc = (struct pbuf_custom *)p->cb;
	struct pbuf *pb;

	pc->custom_free_function = pbuf_done;
	/* PBUF_POOL: the payload sits after the pbuf in memory, so lwIP may
	 * push headers in front of it in place (ICMP and echo replies) */
	pb = pbuf_alloced_custom(PBUF_RAW, p->len, PBUF_POOL, pc, pkt_data(p),
				 (u16_t)pkt_room(p));
	LOCK_TCPIP_CORE();
	if (l->netif.input(pb, &l->netif) != ERR_OK) {
		inc(&l->in_errors);
		pbuf_free(pb);
	} else {
		inc(&l->in_frames);
	}
	UNLOCK_TCPIP_CORE();
}

static void set_addr(struct lwipif *l, const struct netcfg_msg *m)
{
	ip4_addr_t ip, mask, gw;
	uint32_t bits = m->prefix_len ? ~0u << (32 - m->prefix_len) : 0;

	ip.addr = m->ip;
	mask.addr = lwip_htonl(bits);
	gw.addr = m->gateway;
	netif_set_addr(&l->netif, &ip, &mask, &gw);
}

/** Apply the shared interface's settings (Linux's eth0) to the RT stack.
 *  Context: the network task, or init. */
void lwipif_apply(struct lwipif *l, const struct netcfg_msg *m)
{
	struct netif *n = &l->netif;

	LOCK_TCPIP_CORE();
	if (memcmp(n->hwaddr, m->mac, 6)) {
		/* stale ARP entries hold the old source MAC: start afresh */
		memcpy(n->hwaddr, m->mac, 6);
		etharp_cleanup_netif(n);
	}
	n->mtu = (u16_t)m->mtu;
	set_addr(l, m);
	if (m->up && !netif_is_up(n)) {
		netif_set_up(n);
		netif_set_link_up(n);
	} else if (!m->up && netif_is_up(n)) {
		netif_set_link_down(n);
		netif_set_down(n);
	}
	UNLOCK_TCPIP_CORE();
}

static void adopt(void *arg)
{
	struct lwipif *l = arg;

	atomic_store(&l->adopted, rtk_thread_adopt(l->tcpip_prio) ? -1 : 1);
}

/** Start lwIP and its netif with the @p initial settings; frames lwIP sends
 *  go to @p out. Context: init, after rtk_init() and before rtk_start().
 *  @return 0 or a negative errno */
int lwipif_init(struct lwipif **lp, const struct netcfg_msg *initial,
		struct pkt_pool *pool, int tcpip_prio, lwipif_out_h *out,
		void *arg)
{
	static bool started;
	struct lwipif *l;

	if (started)
		return -EBUSY;	/* lwIP has one core per process */
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->pool = pool;
	l->out = out;
	l->arg = arg;
	l->tcpip_prio = tcpip_prio;
	tcpip_init(NULL, NULL);
	started = true;
	if (tcpip_callback(adopt, l) != ERR_OK)
		LOG_WARN("init: lwIP's thread not adopted");
	LOCK_TCPIP_CORE();
	netif_add(&l->netif, NULL, NULL, NULL, l, netif_setup,
		  ethernet_input);
	netif_set_default(&l->netif);
	UNLOCK_TCPIP_CORE();
	lwipif_apply(l, initial);
	*lp = l;
	return 0;
}

static void echo_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p,
		      const ip_addr_t *addr, u16_t port)
{
	struct lwipif *l = arg;

	inc(&l->echo_requests);
	/* called with the core lock held; the same pbuf goes back */
	if (udp_sendto(pcb, p, addr, port) == ERR_OK)
		inc(&l->echo_replies);
	pbuf_free(p);
}

/** Start the diagnostic UDP echo service (RFC 862) on RT port @p port.
 *  Context: init. @return 0, -ENOMEM or -EADDRINUSE */
int lwipif_echo_start(struct lwipif *l, uint16_t port)
{
	int err = 0;

	LOCK_TCPIP_CORE();
	l->echo = udp_new();
	if (!l->echo)
		err = -ENOMEM;
	else if (udp_bind(l->echo, IP_ANY_TYPE, port) != ERR_OK)
		err = -EADDRINUSE;
	else
		udp_recv(l->echo, echo_recv, l);
	UNLOCK_TCPIP_CORE();
	return err;
}

/** Counters of the RT stack. Context: any. */
void lwipif_stats_get(const struct lwipif *l, struct lwipif_stats *st)
{
	st->out_frames = atomic_load(&l->out_frames);
	st->out_no_pkt = atomic_load(&l->out_no_pkt);
	st->in_frames = atomic_load(&l->in_frames);
	st->in_errors = atomic_load(&l->in_errors);
	st->echo_requests = atomic_load(&l->echo_requests);
	st->echo_replies = atomic_load(&l->echo_replies);
}

/** Copy the RT stack's ARP cache (stable entries) into @p out.
 *  Context: the network task. @return entries copied */
size_t lwipif_arp_get(struct lwipif *l, struct rtstat_arp *out, size_t max)
{
	size_t n = 0;

	(void)l;
	LOCK_TCPIP_CORE();
	for (size_t i = 0; i < ARP_TABLE_SIZE && n < max; i++) {
		ip4_addr_t *ip;
		struct netif *nif;
		struct eth_addr *eth;

		if (!etharp_get_entry(i, &ip, &nif, &eth))
			continue;
		out[n].ip = ip->addr;
		memcpy(out[n].mac, eth->addr, 6);
		n++;
	}
	UNLOCK_TCPIP_CORE();
	return n;
}

// SPDX-License-Identifier: MIT
/** @file rtnet.c  The RT partition's network task: NIC, classifier, RT
 *  stack, bus and transmit scheduler */
#define LOG_MODULE "rtnet"
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <lwip/tcpip.h>

#include "rtos-kernel/log.h"
#include "rtos-kernel/mq.h"
#include "rtos-kernel/rtk.h"
#include "rtos-kernel/task.h"
#include "sharednet/classify.h"
#include "sharednet/lwipif.h"
#include "sharednet/rtnet.h"
#include "sharednet/txs.h"

#define RX_BURST	32
#define RX_MAX		512	/* frames per run, so TX is never starved */
#define RX_BURST_MIN	2	/* frames a run takes that start moderation */
#define DOWN_MAX	256	/* Linux frames taken per run */
#define HANDOFF_LEN	1024	/* RT frames from other threads, in flight */
#define ETH_HLEN	14
#define ARP_EVERY	RTK_MS(100)	/* ARP cache snapshot for the page */
#define ETH_P_ARP	0x0806
#define ARP_OP_REPLY	2

enum {
	C_RT_NO_LISTENER,	/* UDP to an RT port nobody listens on */
	C_UP_FULL,		/* frames for Linux lost: channel 1 full */
	C_DOWN_BAD,		/* Linux frames refused: too long or short */
	C_DOWN_NO_PKT,		/* Linux frames lost: packet pool empty */
	C_ARP_SUPPRESSED,	/* Linux's ARP replies for the shared address */
	C_RX_NO_PKT,
	C_NETCFG_APPLIED,
	C_NETCFG_BAD,
	C_WAKEUPS,
	C_PACE_TIMER,
	C_RX_OVERSIZE,		/* frames longer than the MTU allows */
	C_HANDOFF_FULL,		/* RT frames of other threads lost */
	C_UDP_DIRECT,		/* datagrams given to a receiver directly */
	C_UDP_BAD_CSUM,		/* ... refused for a checksum */
	C_RX_POLLED,		/* runs that took frames with no wake-up */
	C_COUNT
};

static const char *const cnames[C_COUNT] = {
	"rt_no_listener", "up_ring_full", "down_bad", "down_no_pkt",
	"linux_arp_reply_suppressed", "rx_no_pkt", "netcfg_applied",
	"netcfg_bad", "wakeups", "pace_timer", "rx_oversize", "handoff_full",
	"udp_direct", "udp_bad_checksum", "rx_polled",
};

struct rtnet {
	struct rtnet_cfg cfg;
	struct nic *nic;
	struct txs *txs;
	struct lwipif *lw;
	struct cls cls;
	struct ring *up, *down, *netcfg;
	struct rtk_task *task;
	struct rtk_timer pace;
	int epfd;
	bool rx_polling;	/* the NIC's frames wake the task no more */
	/* RT frames sent by other threads (media and probe tasks, lwIP's
	 * timers) reach the scheduler, which is the net task's alone, here */
	struct rtk_mq *handoff;
	int handoff_efd;
	_Atomic bool sleeping;
	_Atomic uint64_t listen_bits[1024];	/* RT ports with a listener */
	/* receivers of RT ports' datagrams, by port: written and called
	 * under lwIP's core lock (rtnet_udp_receiver()) */
	struct udp_rx {
		rtnet_udp_h *h;
		void *arg;
	} *udp_rx;
	struct netcfg_msg cur;		/* written by the net task only */
	struct rtstat_arp arp[RTSTAT_MAX_ARP];
	uint32_t narp;
	uint64_t arp_at;
	_Atomic uint32_t cur_seq;	/* odd while cur or arp is written */
	_Atomic uint64_t applied_ns;
	_Atomic uint64_t c[C_COUNT];
};

/* rtnet_tx_hold(): this thread's frames wake the net task only at
 * rtnet_tx_release() */
static _Thread_local bool tx_held, tx_pending;

static inline void inc(struct rtnet *n, unsigned i)
{
	atomic_store_explicit(&n->c[i], atomic_load_explicit(&n->c[i],
			      memory_order_relaxed) + 1, memory_order_relaxed);
}

static bool has_listener(const struct rtnet *n, uint16_t port)
{
	return atomic_load_explicit(&n->listen_bits[port >> 6],
				    memory_order_relaxed) >> (port & 63) & 1;
}

/** Let frames for RT port @p port in (@p on) or drop them as having no
 *  listener. Context: any RT task (media legs opening and closing). */
void rtnet_listen(struct rtnet *n, uint16_t port, bool on)
{
	uint64_t bit = 1ull << (port & 63);

	if (on)
		atomic_fetch_or(&n->listen_bits[port >> 6], bit);
	else
		atomic_fetch_and(&n->listen_bits[port >> 6], ~bit);
}

/** Give the datagrams for RT port @p port to @p h (with @p arg) without
 *  lwIP; @p h NULL: to lwIP again. Once this returns, the old receiver is
 *  called no more. Context: any RT task, not holding lwIP's lock. */
void rtnet_udp_receiver(struct rtnet *n, uint16_t port, rtnet_udp_h *h,
			void *arg)
{
	LOCK_TCPIP_CORE();
	n->udp_rx[port].h = h;
	n->udp_rx[port].arg = arg;
	UNLOCK_TCPIP_CORE();
}

static uint32_t csum_add(uint32_t sum, const uint8_t *b, size_t len)
{
	for (; len > 1; len -= 2, b += 2)
		sum += (uint32_t)b[0] << 8 | b[1];
	if (len)
		sum += (uint32_t)b[0] << 8;
	return sum;
}

static bool csum_ok(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

/* RFC 791 and 768: the IP header's checksum, and the UDP checksum over the
 * pseudo-header and the datagram (checked when sent) */
static bool checksums_ok(const uint8_t *ip, size_t ihl, const uint8_t *udp,
			 size_t ulen)
{
	const uint8_t ph[4] = { 0, 17, (uint8_t)(ulen >> 8), (uint8_t)ulen };

	if (!csum_ok(csum_add(0, ip, ihl)))
		return false;
	if (!udp[6] && !udp[7])
		return true;		/* no UDP checksum sent (IPv4) */
	return csum_ok(csum_add(csum_add(csum_add(0, ip + 12, 8), ph, 4),
				udp, ulen));
}

/* A datagram for an RT port with a receiver of its own (a media leg),
 * given to it without lwIP, whose udp_input() finds a datagram's PCB by
 * walking the list of every PCB (two per leg of the pool): at 700 legs
 * that was about 18 us a datagram, most of the net task's time. Checked
 * as lwIP would: the classifier has checked the IP header's fields, that
 * it is for us and not a fragment; here the lengths and checksums.
 * @return false: not for this path (lwIP takes it) */
static bool udp_direct(struct rtnet *n, struct pkt *p, uint16_t port)
{
	const uint8_t *f = pkt_data(p), *ip = f + ETH_HLEN, *udp;
	struct udp_rx *r = &n->udp_rx[port];
	size_t ihl, iplen, ulen;
	uint32_t src;
	bool taken;

	if (p->len < ETH_HLEN + 28 || ip[9] != 17)
		return false;
	ihl = (size_t)(ip[0] & 15) * 4;
	iplen = (size_t)ip[2] << 8 | ip[3];
	udp = ip + ihl;
	ulen = (size_t)udp[4] << 8 | udp[5];
	if (ihl < 20 || iplen + ETH_HLEN > p->len || iplen < ihl + 8 ||
	    ulen < 8 || ulen > iplen - ihl)
		return false;		/* lwIP counts and drops it */
	memcpy(&src, ip + 12, 4);
	LOCK_TCPIP_CORE();
	taken = r->h != NULL;
	if (taken && checksums_ok(ip, ihl, udp, ulen))
		r->h(udp + 8, ulen - 8, src, (uint16_t)(udp[0] << 8 | udp[1]),
		     r->arg);
	else if (taken)
		inc(n, C_UDP_BAD_CSUM);
	UNLOCK_TCPIP_CORE();
	if (taken)
		inc(n, C_UDP_DIRECT);
	return taken;
}

static void addr_from(struct cls_addr *a, const struct netcfg_msg *m)
{
	uint32_t bits = m->prefix_len ? ~0u << (32 - m->prefix_len) : 0;

	memcpy(a->mac, m->mac, 6);
	a->ip = m->up ? m->ip : 0;	/* a down interface owns no address */
	a->netmask = __builtin_bswap32(bits);
}

/* lwIP sends a frame: it joins the RT queue, directly when lwIP runs in
 * the net task, else through the hand-off queue (waking the net task when
 * it sleeps: the frame leaves now, not at the next tick) */
static void rt_out(struct pkt *p, void *arg)
{
	static const uint64_t one = 1;
	struct rtnet *n = arg;

	p->ts_ns = rtk_now_ns();
	if (rtk_task_self() == n->task) {
		txs_submit_rt(n->txs, p);  /* consumes p; a full queue counts */
		return;
	}
	if (rtk_mq_push(n->handoff, &p)) {
		inc(n, C_HANDOFF_FULL);
		pkt_free(p);
		return;
	}
	if (tx_held) {
		tx_pending = true;
		return;
	}
	if (atomic_exchange(&n->sleeping, false) &&
	    write(n->handoff_efd, &one, sizeof(one)) < 0) {
		/* EAGAIN: a wake-up is pending anyway */
	}
}

/** Until rtnet_tx_release(), RT frames the calling thread sends wait in
 *  the hand-off queue without waking the net task: a task that sends many
 *  frames in one run (the media task, a frame per channel every 20 ms) has
 *  them taken in one batch, not the net task (above it) preempting it for
 *  each one (a write() and two context switches a frame). The net task's
 *  own tick takes them too. Context: an RT task other than the net task. */
void rtnet_tx_hold(struct rtnet *n)
{
	(void)n;
	tx_held = true;
}

/** Wake the net task for the frames sent since rtnet_tx_hold(), if any.
 *  Context: the thread that called rtnet_tx_hold(). */
void rtnet_tx_release(struct rtnet *n)
{
	static const uint64_t one = 1;

	tx_held = false;
	if (!tx_pending)
		return;
	tx_pending = false;
	if (atomic_exchange(&n->sleeping, false) &&
	    write(n->handoff_efd, &one, sizeof(one)) < 0) {
		/* EAGAIN: a wake-up is pending anyway */
	}
}

static void take_handoff(struct rtnet *n)
{
	struct pkt *p;
	uint64_t v;

	if (read(n->handoff_efd, &v, sizeof(v)) < 0) {
		/* EAGAIN: nobody woke us through it */
	}
	while (!rtk_mq_pop(n->handoff, &p))
		txs_submit_rt(n->txs, p);
}

static void to_linux(struct rtnet *n, struct pkt *p)
{
	if (ring_push(n->up, pkt_data(p), p->len))
		inc(n, C_UP_FULL);
}

/* @return the number of frames taken */
static size_t receive(struct rtnet *n)
{
	struct pkt *pk[RX_BURST];
	size_t got, total = 0;

	do {
		got = nic_rx_burst(n->nic, pk, RX_BURST);
		for (size_t i = 0; i < got; i++) {
			struct pkt *p = pk[i];
			uint16_t port = 0;

			if (p->len > n->cur.mtu + ETH_HLEN) {
				inc(n, C_RX_OVERSIZE);
				pkt_free(p);
				continue;
			}

			switch (cls_classify(&n->cls, pkt_data(p), p->len,
					     &port)) {
			case CLS_RT:
				if (port && !has_listener(n, port)) {
					inc(n, C_RT_NO_LISTENER);
					pkt_free(p);
					break;
				}
				if (port && udp_direct(n, p, port)) {
					pkt_free(p);
					break;
				}
				lwipif_input(n->lw, p);
				break;
			case CLS_BOTH:
				to_linux(n, p);	/* the copy; RT runs next */
				lwipif_input(n->lw, p);
				break;
			case CLS_LINUX:
				to_linux(n, p);
				pkt_free(p);
				break;
			case CLS_DROP:
			case CLS_V_COUNT:
				pkt_free(p);
				break;
			}
		}
		total += got;
	} while (got == RX_BURST && total < RX_MAX);
	ring_kick(n->up);
	return total;
}

/* Receive moderation ([net] rx_moderation), as a NIC's interrupt
 * moderation (Linux's NAPI): a run that took a burst (RX_BURST_MIN frames
 * or more: they come faster than the task wakes), and left none behind,
 * takes the NIC's fd out of the wake-up set, so that the frames that keep
 * coming wait for the task's next run (its tick, the media task's batch of
 * frames, Linux's) instead of waking it, and preempting the media task,
 * each: at 600 voice channels the task woke 7 000 times a second for
 * 30 000 frames. Runs that take any keep it so; the first that finds none
 * puts the fd back. A lone frame (a ping, a SIP request on a quiet link)
 * wakes the task at once and starts nothing. A run stopped by RX_MAX
 * keeps the wake-up: the rest is taken at once. */
static void rx_moderate(struct rtnet *n, size_t got)
{
	bool poll = got < RX_MAX &&
		    got >= (n->rx_polling ? 1u : RX_BURST_MIN);
	struct epoll_event ev = { .events = poll ? 0 : EPOLLIN,
				  .data.fd = nic_fd(n->nic) };

	if (n->rx_polling && got)
		inc(n, C_RX_POLLED);
	if (!n->cfg.rx_moderation || ev.data.fd < 0 || poll == n->rx_polling)
		return;
	if (epoll_ctl(n->epfd, EPOLL_CTL_MOD, ev.data.fd, &ev) == 0)
		n->rx_polling = poll;
}

static bool is_arp_reply_for(const uint8_t *f, size_t len, uint32_t ip)
{
	uint32_t spa;

	if (len < ETH_HLEN + 28 || f[12] != ETH_P_ARP >> 8 ||
	    f[13] != (ETH_P_ARP & 0xff) || f[ETH_HLEN + 7] != ARP_OP_REPLY)
		return false;
	memcpy(&spa, f + ETH_HLEN + 14, 4);	/* sender protocol address */
	return ip && spa == ip;
}

static void take_linux_frames(struct rtnet *n, uint64_t now)
{
	for (int i = 0; i < DOWN_MAX && txs_linux_room(n->txs); i++) {
		const void *rec;
		size_t len;
		struct pkt *p;
		int err = ring_peek(n->down, &rec, &len);

		if (err == -EAGAIN)
			return;
		if (err)
			continue;	/* counted by the ring; it recovered */
		if (len < ETH_HLEN || len > PKT_FRAME_MAX) {
			inc(n, C_DOWN_BAD);
		} else if (is_arp_reply_for(rec, len, n->cls.addr.ip)) {
			inc(n, C_ARP_SUPPRESSED);
		} else if (!(p = pkt_get(n->cfg.pool))) {
			inc(n, C_DOWN_NO_PKT);
			return;		/* leave it queued: retry next run */
		} else {
			memcpy(pkt_data(p), rec, len);
			p->len = (uint16_t)len;
			p->ts_ns = now;
			txs_submit_linux(n->txs, p);
		}
		ring_consume(n->down);
	}
}

static void apply_settings(struct rtnet *n)
{
	struct netcfg_msg m;
	const void *rec;
	size_t len;
	int err;

	while ((err = ring_peek(n->netcfg, &rec, &len)) != -EAGAIN) {
		if (err)
			continue;
		if (netcfg_check(rec, len, &m)) {
			inc(n, C_NETCFG_BAD);
		} else {
			lwipif_apply(n->lw, &m);
			addr_from(&n->cls.addr, &m);
			atomic_fetch_add(&n->cur_seq, 1);
			n->cur = m;
			atomic_fetch_add(&n->cur_seq, 1);
			atomic_store(&n->applied_ns, rtk_now_ns());
			inc(n, C_NETCFG_APPLIED);
		}
		ring_consume(n->netcfg);
	}
}

static void transmit(struct rtnet *n, uint64_t now)
{
	uint64_t next;

	txs_run(n->txs, n->nic, now);
	next = nic_tx_flush(n->nic, now);
	if (next)
		rtk_timer_start_at(n->task, &n->pace, next);
	else
		rtk_timer_stop(n->task, &n->pace);
}

static void pace_fired(void *arg)
{
	struct rtnet *n = arg;
	uint64_t now = rtk_now_ns();

	inc(n, C_PACE_TIMER);
	take_linux_frames(n, now);
	transmit(n, now);
}

static void snapshot_arp(struct rtnet *n, uint64_t now)
{
	if (now < n->arp_at)
		return;
	n->arp_at = now + ARP_EVERY;
	atomic_fetch_add(&n->cur_seq, 1);
	n->narp = (uint32_t)lwipif_arp_get(n->lw, n->arp, RTSTAT_MAX_ARP);
	atomic_fetch_add(&n->cur_seq, 1);
}

static void net_run(unsigned wake, void *arg)
{
	struct rtnet *n = arg;
	uint64_t now = rtk_now_ns();

	inc(n, C_WAKEUPS);
	atomic_store(&n->sleeping, false);
	if (wake & RTK_WAKE_PERIOD)
		txs_tick(n->txs);
	take_handoff(n);
	ring_sleep_done(n->down);
	ring_sleep_done(n->netcfg);
	apply_settings(n);
	rx_moderate(n, receive(n));
	take_linux_frames(n, now);
	transmit(n, now);
	snapshot_arp(n, now);
	/* sleep on Linux's rings only when there is nothing left to take;
	 * otherwise the pacing timer or the tick comes back for it */
	if (txs_linux_room(n->txs))
		ring_sleep_prepare(n->down);
	ring_sleep_prepare(n->netcfg);
	atomic_store(&n->sleeping, true);
	if (!rtk_mq_is_empty(n->handoff)) {
		/* a frame came while we were finishing: send it now */
		atomic_store(&n->sleeping, false);
		take_handoff(n);
		transmit(n, rtk_now_ns());
	}
}

static int watch(int epfd, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	if (fd < 0)
		return 0;
	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

/** Build the network task and the RT stack. Context: init, after rtk_init()
 *  and before rtk_start(). @return 0 or a negative errno (logged) */
int rtnet_create(struct rtnet **np, const struct rtnet_cfg *cfg)
{
	struct txs_cfg tc = {
		.rt_limit = 512, .linux_limit = 256, .fifo = cfg->txs_fifo,
		/* a tick's worth of the link: no Linux burst may hold the
		 * wire longer than one tick ahead of voice */
		.linux_budget = (uint32_t)((uint64_t)cfg->link_mbps * 1000000 /
					   8 * cfg->tick_ns / 1000000000),
	};
	struct rtk_task_cfg kc = {
		.name = "net", .prio = cfg->prio, .period_ns = cfg->tick_ns,
		.budget_ns = cfg->tick_ns, .fn = net_run,
	};
	struct rtnet *n = calloc(1, sizeof(*n));
	int err;

	if (!n)
		return -ENOMEM;
	n->cfg = *cfg;
	n->nic = cfg->nic;
	n->cur = cfg->initial;
	n->up = bus_ring(cfg->bus, BUS_CH_FRAMES_UP);
	n->down = bus_ring(cfg->bus, BUS_CH_FRAMES_DOWN);
	n->netcfg = bus_ring(cfg->bus, BUS_CH_NETCFG);
	addr_from(&n->cls.addr, &cfg->initial);
	cls_init(&n->cls, &n->cls.addr, bus_ports(cfg->bus));
	rtk_timer_init(&n->pace, pace_fired, n);
	n->epfd = epoll_create1(EPOLL_CLOEXEC);
	n->udp_rx = calloc(65536, sizeof(*n->udp_rx));
	n->handoff_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	err = n->epfd < 0 || n->handoff_efd < 0 ? -errno : 0;
	if (!err && !n->udp_rx)
		err = -ENOMEM;
	if (!err)
		err = rtk_mq_create(&n->handoff, RTK_MQ_MPSC,
				    sizeof(struct pkt *), HANDOFF_LEN);
	if (!err)
		err = watch(n->epfd, n->handoff_efd);
	if (!err)
		err = watch(n->epfd, nic_fd(n->nic));
	if (!err)
		err = watch(n->epfd, bus_event_fd(cfg->bus,
						  BUS_CH_FRAMES_DOWN));
	if (!err)
		err = watch(n->epfd, bus_event_fd(cfg->bus, BUS_CH_NETCFG));
	if (!err)
		err = txs_create(&n->txs, &tc);
	if (!err)
		err = lwipif_init(&n->lw, &cfg->initial, cfg->pool,
				  cfg->lwip_prio, rt_out, n);
	if (!err && cfg->echo_port) {
		err = lwipif_echo_start(n->lw, cfg->echo_port);
		rtnet_listen(n, cfg->echo_port, true);
	}
	if (!err) {
		kc.wake_fd = n->epfd;
		kc.arg = n;
		err = rtk_task_create(&n->task, &kc);
	}
	if (err) {
		LOG_ERR("create: %s", strerror(-err));
		return err;	/* the process exits: nothing to unwind */
	}
	*np = n;
	return 0;
}

static void put(struct rtstat *pg, const char *a, const char *b, uint64_t v)
{
	char name[RTSTAT_NAME];

	snprintf(name, sizeof(name), "%s.%s", a, b);
	rtstat_counter_set(pg, name, v);
}

static void put_q(struct rtstat *pg, const char *q,
		  const struct txs_qstats *s)
{
	char a[24];

	snprintf(a, sizeof(a), "txs.%s", q);
	put(pg, a, "queued", s->queued);
	put(pg, a, "sent", s->sent);
	put(pg, a, "dropped", s->dropped);
	put(pg, a, "depth", s->depth);
	put(pg, a, "high_water", s->high_water);
	put(pg, a, "limit", s->limit);
}

/** Write the network's state and counters into the status page being
 *  written. Context: the status task (reads counters only). */
void rtnet_publish(struct rtnet *n, struct rtstat *pg)
{
	struct nic_stats ns;
	struct txs_stats ts;
	struct lwipif_stats ls;
	struct netcfg_msg cur;
	uint32_t s1, s2;

	do {	/* the net task may rewrite cur and arp meanwhile */
		s1 = atomic_load(&n->cur_seq);
		cur = n->cur;
		pg->net.narp = n->narp;
		memcpy(pg->net.arp, n->arp, sizeof(n->arp));
		s2 = atomic_load(&n->cur_seq);
	} while (s1 != s2 || (s1 & 1));
	memcpy(pg->net.mac, cur.mac, 6);
	pg->net.up = cur.up;
	pg->net.prefix_len = cur.prefix_len;
	pg->net.ip = cur.ip;
	pg->net.gateway = cur.gateway;
	pg->net.mtu = cur.mtu;
	pg->net.netcfg_seq = cur.seq;
	pg->net.netcfg_applied_ns = atomic_load(&n->applied_ns);
	for (int v = 0; v < CLS_V_COUNT; v++)
		put(pg, "cls.verdict", cls_verdict_name(v),
		    n->cls.verdicts[v]);
	for (int r = 0; r < CLS_R_COUNT; r++)
		put(pg, "cls.reason", cls_reason_name(r), n->cls.reasons[r]);
	txs_stats_get(n->txs, &ts);
	put_q(pg, "rt", &ts.rt);
	put_q(pg, "linux", &ts.gp);
	put(pg, "txs", "linux_deferred", ts.linux_deferred);
	put(pg, "txs", "nic_refused", ts.nic_refused);
	nic_stats_get(n->nic, &ns);
	put(pg, "nic", "rx_frames", ns.rx_frames);
	put(pg, "nic", "rx_bytes", ns.rx_bytes);
	put(pg, "nic", "rx_dropped", ns.rx_dropped);
	put(pg, "nic", "tx_frames", ns.tx_frames);
	put(pg, "nic", "tx_bytes", ns.tx_bytes);
	put(pg, "nic", "tx_dropped", ns.tx_dropped);
	put(pg, "nic", "tx_queue", ns.tx_queue);
	put(pg, "nic", "tx_queue_high_water", ns.tx_queue_hw);
	lwipif_stats_get(n->lw, &ls);
	put(pg, "rtstack", "in_frames", ls.in_frames);
	put(pg, "rtstack", "in_errors", ls.in_errors);
	put(pg, "rtstack", "out_frames", ls.out_frames);
	put(pg, "rtstack", "out_no_pkt", ls.out_no_pkt);
	put(pg, "rtstack", "echo_requests", ls.echo_requests);
	put(pg, "rtstack", "echo_replies", ls.echo_replies);
	for (int i = 0; i < C_COUNT; i++)
		put(pg, "rtnet", cnames[i], atomic_load(&n->c[i]));
	put(pg, "ports", "rt_count", ports_count(bus_ports(n->cfg.bus)));
	put(pg, "ports", "gen", ports_gen(bus_ports(n->cfg.bus)));
}

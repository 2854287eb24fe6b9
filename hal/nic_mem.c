// SPDX-License-Identifier: MIT
/** @file nic_mem.c  NIC driver: two NICs joined back to back in memory
 *
 * Open one end with cfg.peer NULL, then the other with cfg.peer = the
 * first: what one sends, the other receives. Each end owns the queue of
 * frames coming to it, a lock-free single-producer single-consumer queue
 * (rtos-kernel/mq.h) of NIC_MEM_RING packet pointers, so each end may be
 * driven by its own thread: the sender's flush is the only producer, the
 * receiver's nic_rx_burst() the only consumer.
 *
 * Ownership: the sender's packet itself goes into the queue. When both
 * ends use the same pool, the receiver gets that very packet (no copy).
 * Otherwise the receiver copies the frame into a packet of its own pool
 * and frees the sender's packet back to the sender's pool, so received
 * packets always come from the pool given at open, and an empty pool is
 * the receiver's drop. Pools must outlive both ends.
 *
 * Counters follow a wire: the sender counts every frame it put on the wire
 * (tx_frames); a frame finding the receiver's queue full is lost on the
 * receiving side and shows in the receiver's rx_dropped (the queue's own
 * drop counter). With no peer (never joined, or closed) frames are dropped
 * and counted in tx_dropped.
 *
 * nic_fd() is an eventfd the sending side writes once per batch; it stays
 * readable while the queue holds frames. ts_ns of a received frame is the
 * time it started on the sender's emulated wire (the sender's flush time
 * when not paced), on the sender's clock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "hal/nic.h"
#include "hal/nic_priv.h"
#include "rtos-kernel/mq.h"

#define NIC_MEM_RING	1024	/* frames in flight towards one end */

struct mem {
	struct rtk_mq *rxq;	/* frames coming to this end */
	int efd;		/* readable while rxq may hold frames */
	struct nic *peer;
};

static void mem_release(struct mem *m)
{
	if (m->efd >= 0)
		close(m->efd);
	rtk_mq_destroy(m->rxq);
	free(m);
}

static int mem_open(struct nic *n, const struct nic_cfg *cfg)
{
	struct nic *peer = cfg->peer;
	struct mem *m;
	int err;

	if (peer && (peer->kind != NIC_MEM ||
		     ((struct mem *)peer->priv)->peer))
		return -EINVAL;	/* not a MEM NIC, or already joined */
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->efd = -1;
	m->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (m->efd < 0) {
		err = -errno;
		goto out_free;
	}
	err = rtk_mq_create(&m->rxq, RTK_MQ_SPSC, sizeof(struct pkt *),
			    NIC_MEM_RING);
	if (err)
		goto out_free;
	if (peer) {
		m->peer = peer;
		((struct mem *)peer->priv)->peer = n;
	}
	n->priv = m;
	return 0;

 out_free:
	mem_release(m);
	return err;
}

static void mem_close(struct nic *n)
{
	struct mem *m = n->priv;
	struct pkt *p;

	if (m->peer)
		((struct mem *)m->peer->priv)->peer = NULL;
	while (!rtk_mq_pop(m->rxq, &p))
		pkt_free(p);
	mem_release(m);
	n->priv = NULL;
}

static int mem_fd(const struct nic *n)
{
	const struct mem *m = n->priv;

	return m->efd;
}

static void efd_signal(int efd)
{
	uint64_t one = 1;
	ssize_t r = write(efd, &one, sizeof(one));

	(void)r;	/* EAGAIN: the counter is already far from zero */
}

static void efd_clear(int efd)
{
	uint64_t v;
	ssize_t r = read(efd, &v, sizeof(v));

	(void)r;	/* EAGAIN: already clear */
}

/* The received packet as this end's own: the very packet when the pools
 * match, else a copy (NULL when this end's pool is empty). */
static struct pkt *adopt(struct nic *n, struct pkt *q)
{
	struct pkt *p;

	if (q->pool == n->pool) {
		q->next = NULL;
		q->flags = 0;
		return q;
	}
	p = pkt_get(n->pool);
	if (p) {
		memcpy(pkt_data(p), pkt_data(q), q->len);
		p->len = q->len;
		p->ts_ns = q->ts_ns;
	} else {
		n->stats.rx_dropped++;
	}
	pkt_free(q);
	return p;
}

static size_t mem_rx_burst(struct nic *n, struct pkt **pkts, size_t max)
{
	struct mem *m = n->priv;
	size_t got = 0, tries;
	struct pkt *q, *p;

	for (tries = 0; tries < max; tries++) {
		if (rtk_mq_pop(m->rxq, &q))
			break;
		p = adopt(n, q);
		if (p)
			pkts[got++] = p;
	}
	if (tries < max) {
		/* found empty: clear the eventfd, then look again, since a
		 * frame pushed meanwhile may have had its signal cleared */
		efd_clear(m->efd);
		if (!rtk_mq_is_empty(m->rxq))
			efd_signal(m->efd);
	}
	return got;
}

static size_t mem_xmit(struct nic *n, struct pkt **pkts, size_t cnt)
{
	struct mem *m = n->priv;
	struct mem *pm = m->peer ? m->peer->priv : NULL;
	size_t i, pushed = 0;

	for (i = 0; i < cnt; i++) {
		struct pkt *p = pkts[i];

		if (!pm) {
			n->stats.tx_dropped++;
			pkt_free(p);
			continue;
		}
		n->stats.tx_frames++;
		n->stats.tx_bytes += p->len;
		if (rtk_mq_push(pm->rxq, &p))
			pkt_free(p);	/* lost at the receiver: its count */
		else
			pushed++;
	}
	if (pushed)
		efd_signal(pm->efd);
	return cnt;
}

static void mem_stats(const struct nic *n, struct nic_stats *st)
{
	const struct mem *m = n->priv;
	struct rtk_mq_stats qs;

	rtk_mq_stats_get(m->rxq, &qs);
	st->rx_dropped += qs.dropped;
}

const struct nic_ops nic_mem_ops = {
	.name = "mem",
	.open = mem_open,
	.close = mem_close,
	.fd = mem_fd,
	.rx_burst = mem_rx_burst,
	.xmit = mem_xmit,
	.stats = mem_stats,
};

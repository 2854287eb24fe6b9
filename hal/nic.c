// SPDX-License-Identifier: MIT
/** @file nic.c  NIC interface: driver dispatch, TX queue, link pacing
 *
 * Every driver shares the TX path kept here. nic_tx() only queues a frame;
 * nic_tx_flush() hands the frames that are due to the driver in one batch.
 *
 * Pacing (link_mbps > 0) emulates a NIC draining its ring onto a link of
 * that rate: a frame of len bytes (without FCS) keeps the wire busy for
 * (len + 24) * 8 bits (preamble 8, FCS 4, inter-frame gap 12), frames go out
 * back to back, and a frame queued on an idle wire starts at once, at the
 * time given to nic_tx(). A frame is due when its start time is not after
 * the `now` given to the flush. The fraction of a nanosecond left by each
 * frame is carried over, so a long run keeps the exact rate.
 * Without pacing, every queued frame is due at the next flush.
 *
 * A frame handed to the driver carries in ts_ns its start time on the
 * emulated wire (paced) or the flush time (not paced); the MEM driver passes
 * it on to the receiving NIC as the arrival time.
 */
#define LOG_MODULE "nic"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hal/nic.h"
#include "hal/nic_priv.h"
#include "rtos-kernel/log.h"
#include "rtos-kernel/rtk.h"

#define TX_QUEUE_DEFAULT	4
#define QUEUE_MIN_NS		50000	/* paced queue bound, at least */
#define TX_QUEUE_MAX		4096
#define WIRE_OVERHEAD		24	/* preamble 8 + FCS 4 + gap 12 bytes */
#define TX_RETRY_NS		RTK_US(50)	/* driver refused: try again */

static const struct nic_ops *const drivers[] = {
	[NIC_AFPACKET] = &nic_afpacket_ops,
	[NIC_TAP] = &nic_tap_ops,
	[NIC_MEM] = &nic_mem_ops,
};

/** Name of a driver kind ("afpacket", "tap", "mem"), "?" when unknown. */
const char *nic_kind_name(enum nic_kind k)
{
	if ((unsigned)k >= sizeof(drivers) / sizeof(drivers[0]))
		return "?";
	return drivers[k]->name;
}

static int check_cfg(const struct nic_cfg *cfg)
{
	if ((unsigned)cfg->kind >= sizeof(drivers) / sizeof(drivers[0]) ||
	    !cfg->pool || cfg->tx_queue > TX_QUEUE_MAX)
		return -EINVAL;
	if (cfg->ifname && strlen(cfg->ifname) >= IFNAMSIZ)
		return -EINVAL;
	if (cfg->kind == NIC_TAP && (!cfg->ifname || !cfg->ifname[0]))
		return -EINVAL;
	if (cfg->kind == NIC_AFPACKET && cfg->fd < 0 &&
	    (!cfg->ifname || !cfg->ifname[0]))
		return -EINVAL;
	return 0;
}

/** Open a NIC. Context: init (allocates: the TX queue and the driver's
 *  rings); blocks only on the system calls that set the device up.
 *  @param np  out: the NIC, set on success only
 *  @param cfg kind, interface, pacing, RX pool (see struct nic_cfg); for
 *             NIC_AFPACKET with cfg->fd >= 0 the NIC takes the socket over
 *             on success (nic_close() closes it); on failure the caller
 *             still owns it, possibly partly configured
 *  @return 0, -EINVAL (bad configuration, unknown interface, peer not a
 *          free MEM NIC), -ENOMEM, or the negative errno of the system call
 *          that failed (-EPERM without CAP_NET_RAW / CAP_NET_ADMIN, ...) */
int nic_open(struct nic **np, const struct nic_cfg *cfg)
{
	struct nic *n;
	int err;

	if (!np || !cfg)
		return -EINVAL;
	err = check_cfg(cfg);
	if (err)
		return err;
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->kind = cfg->kind;
	n->ops = drivers[cfg->kind];
	n->pool = cfg->pool;
	n->link_mbps = cfg->link_mbps;
	n->tx_cap = cfg->tx_queue ? cfg->tx_queue : TX_QUEUE_DEFAULT;
	if (cfg->link_mbps) {
		/* by default one full-size frame may wait ahead of a new one:
		 * a voice frame never queues behind a burst of Linux frames */
		n->queue_ns = cfg->tx_queue_us ? cfg->tx_queue_us * 1000ull :
			      (1514ull + WIRE_OVERHEAD) * 8 * 1000 /
			      cfg->link_mbps;
		if (!cfg->tx_queue_us && n->queue_ns < QUEUE_MIN_NS)
			n->queue_ns = QUEUE_MIN_NS;
	}
	if (cfg->ifname)
		strcpy(n->ifname, cfg->ifname);
	n->txq = calloc(n->tx_cap, sizeof(*n->txq));
	if (!n->txq) {
		err = -ENOMEM;
		goto out_free;
	}
	err = n->ops->open(n, cfg);
	if (err)
		goto out_free;
	LOG_INFO("open: %s %s, %u Mbit/s%s, tx queue %u", n->ops->name,
		 n->ifname[0] ? n->ifname : "-", n->link_mbps,
		 n->link_mbps ? "" : " (not paced)", n->tx_cap);
	*np = n;
	return 0;

 out_free:
	LOG_ERR("open: %s %s: %s", n->ops->name,
		n->ifname[0] ? n->ifname : "-", strerror(-err));
	free(n->txq);
	free(n);
	return err;
}

/** Close a NIC: frames still queued for TX are dropped (not counted), the
 *  driver's resources are released. NULL is ignored. Context: teardown,
 *  after the task using the NIC stopped (MEM: either end first).
 *  @return NULL */
struct nic *nic_close(struct nic *n)
{
	uint32_t i;

	if (!n)
		return NULL;
	for (i = 0; i < n->tx_count; i++)
		pkt_free(n->txq[i]);
	n->ops->close(n);
	free(n->txq);
	free(n);
	return NULL;
}

/** File descriptor that becomes readable when frames can be received (the
 *  socket, the TAP, MEM: an eventfd). Context: any.
 *  @return the fd, or -1 for NULL */
int nic_fd(const struct nic *n)
{
	return n ? n->ops->fd(n) : -1;
}

/** Receive up to @p max frames. The caller owns the returned packets (from
 *  the pool given at open; len and ts_ns, the arrival time on the monotonic
 *  clock, are set). Frames the NIC could not deliver (pool empty, kernel
 *  ring overflow, truncated) are counted in rx_dropped.
 *  Context: the NIC's task; never blocks, never allocates.
 *  @return number of packets stored in @p pkts */
size_t nic_rx_burst(struct nic *n, struct pkt **pkts, size_t max)
{
	size_t got, i;

	if (!n || !pkts || !max)
		return 0;
	got = n->ops->rx_burst(n, pkts, max);
	for (i = 0; i < got; i++)
		n->stats.rx_bytes += pkts[i]->len;
	n->stats.rx_frames += got;
	return got;
}

/* Wire time of a frame in ns; *rem carries the fraction of a ns. */
static uint64_t wire_ns(const struct nic *n, uint16_t len, uint32_t *rem)
{
	uint64_t num = ((uint64_t)len + WIRE_OVERHEAD) * 8 * 1000 + *rem;

	*rem = num % n->link_mbps;
	return num / n->link_mbps;
}

/* Wire time committed ahead of a frame queued now: the rest of what is on
 * the wire, and every frame waiting in the queue. */
static uint64_t backlog_ns(const struct nic *n, uint64_t now)
{
	uint64_t ns = n->wire_free_ns > now ? n->wire_free_ns - now : 0;
	uint32_t rem = 0;

	for (size_t i = 0; i < n->tx_count; i++)
		ns += wire_ns(n, n->txq[i]->len, &rem);
	return ns;
}

/* Stamp the due frames with their wire start and reserve their wire time.
 * @return how many frames (from the head) are due at @p now */
static size_t plan_due(struct nic *n, uint64_t now)
{
	size_t i;

	if (!n->link_mbps) {
		for (i = 0; i < n->tx_count; i++)
			n->txq[i]->ts_ns = now;
		return n->tx_count;
	}
	for (i = 0; i < n->tx_count; i++) {
		struct pkt *p = n->txq[i];

		if (p->ts_ns > n->wire_free_ns) {	/* idle wire */
			n->wire_free_ns = p->ts_ns;
			n->wire_rem = 0;
		}
		if (n->wire_free_ns > now)
			break;
		p->ts_ns = n->wire_free_ns;
		n->wire_free_ns += wire_ns(n, p->len, &n->wire_rem);
		n->wire_bits += ((uint64_t)p->len + WIRE_OVERHEAD) * 8;
	}
	return i;
}

/* Give back the wire time reserved for frames the driver refused: the
 * first of them still starts at the time it was stamped with. */
static void unplan(struct nic *n, size_t from, size_t to)
{
	size_t i;

	if (!n->link_mbps || from == to)
		return;
	n->wire_free_ns = n->txq[from]->ts_ns;
	n->wire_rem = 0;
	for (i = from; i < to; i++)
		n->wire_bits -= ((uint64_t)n->txq[i]->len + WIRE_OVERHEAD) * 8;
}

/* Hand what is due to the driver. @return frames left queued that were
 * due but refused by the driver */
static size_t flush_due(struct nic *n, uint64_t now)
{
	size_t due, sent;

	due = plan_due(n, now);
	if (!due && !n->tx_kick)
		return 0;
	n->tx_kick = false;
	sent = n->ops->xmit(n, n->txq, due);
	RTK_ASSERT(sent <= due);
	unplan(n, sent, due);
	if (sent) {
		n->tx_count -= sent;
		memmove(n->txq, n->txq + sent, n->tx_count * sizeof(*n->txq));
	}
	return due - sent;
}

/** Put on the wire every queued frame that is due at @p now, in one batch
 *  to the driver (paced: frames whose wire start time has come; not paced:
 *  all of them). Frames the driver cannot take now (kernel ring full) stay
 *  queued, in order, and are not counted as dropped.
 *  Context: the NIC's task; never blocks, never allocates.
 *  @param now_ns monotonic time (or the caller's fake clock)
 *  @return the monotonic time at which to call again: the wire start of
 *          the next queued frame, now + 50 us when the driver refused
 *          frames or has some of its own to retry, 0 when nothing is queued */
uint64_t nic_tx_flush(struct nic *n, uint64_t now_ns)
{
	uint64_t next;
	size_t refused;

	if (!n)
		return 0;
	refused = flush_due(n, now_ns);
	if (refused || (n->tx_kick && !n->tx_count))
		return now_ns + TX_RETRY_NS;
	if (!n->tx_count)
		return 0;
	if (!n->link_mbps)	/* only when the driver refused: see above */
		return now_ns + TX_RETRY_NS;
	next = n->wire_free_ns;
	if (n->txq[0]->ts_ns > next)
		next = n->txq[0]->ts_ns;
	if (n->tx_kick && now_ns + TX_RETRY_NS < next)
		next = now_ns + TX_RETRY_NS;
	return next;
}

/** Frames the NIC takes now. Paced, the frames due at @p now are first put
 *  on the wire. Not paced, a full queue is first sent as one batch, and
 *  nothing is sent otherwise (the batch goes at the next nic_tx_flush()):
 *  a caller asking before every frame still builds batches of tx_queue
 *  frames, and only a kernel that refuses frames makes the room 0.
 *  Context: the NIC's task; never blocks.
 *  @return tx_queue minus the frames queued, 0 for NULL */
size_t nic_tx_room(struct nic *n, uint64_t now_ns)
{
	if (!n)
		return 0;
	if (n->link_mbps || n->tx_count == n->tx_cap)
		flush_due(n, now_ns);
	if (n->link_mbps && backlog_ns(n, now_ns) >= n->queue_ns)
		return 0;
	return n->tx_cap - n->tx_count;
}

/** Queue one frame for sending. Consumes @p p (on error too). When the
 *  queue is full, the frames due at @p now_ns are flushed first (not
 *  paced: the whole queue goes out as one batch); a queue still full drops
 *  the frame. Context: the NIC's task; never blocks, never allocates.
 *  @param p      a whole Ethernet frame without FCS, 14..PKT_FRAME_MAX bytes
 *  @param now_ns monotonic time: on an idle wire the frame starts then
 *  @return 0, -EINVAL (NULL or bad length: frame dropped and counted), or
 *          -ENOSPC (queue full: frame dropped and counted in tx_dropped) */
int nic_tx(struct nic *n, struct pkt *p, uint64_t now_ns)
{
	if (!n || !p) {
		pkt_free(p);
		return -EINVAL;
	}
	if (p->len < NIC_ETH_HLEN || p->len > PKT_FRAME_MAX) {
		n->stats.tx_dropped++;
		pkt_free(p);
		return -EINVAL;
	}
	if (n->tx_count == n->tx_cap)
		flush_due(n, now_ns);
	if (n->tx_count == n->tx_cap) {
		n->stats.tx_dropped++;
		pkt_free(p);
		return -ENOSPC;
	}
	p->ts_ns = now_ns;
	p->next = NULL;
	n->txq[n->tx_count++] = p;
	if (n->tx_count > n->stats.tx_queue_hw)
		n->stats.tx_queue_hw = n->tx_count;
	return 0;
}

/** Copy the counters of @p n into @p st (zeros for NULL). Context: the
 *  NIC's task (counters are plain fields: another thread may read a
 *  torn or stale value). */
void nic_stats_get(const struct nic *n, struct nic_stats *st)
{
	uint64_t bits;

	if (!st)
		return;
	memset(st, 0, sizeof(*st));
	if (!n)
		return;
	*st = n->stats;
	st->tx_queue = n->tx_count;
	if (n->link_mbps) {
		/* bits * 1000 / Mbit/s, without overflow */
		bits = n->wire_bits;
		st->wire_busy_ns = bits / n->link_mbps * 1000 +
				   bits % n->link_mbps * 1000 / n->link_mbps;
	}
	if (n->ops->stats)
		n->ops->stats(n, st);
}

/* --- L4 checksum completion ---------------------------------------------- */

static inline uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* RFC 1071: ones' complement sum of 16-bit big-endian words */
static uint64_t csum_add(uint64_t sum, const uint8_t *p, size_t len)
{
	while (len >= 2) {
		sum += get_be16(p);
		p += 2;
		len -= 2;
	}
	if (len)
		sum += (uint16_t)(p[0] << 8);
	return sum;
}

static uint16_t csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Offset of the checksum field in the L4 header, or 0 if not handled. */
static size_t csum_field(uint8_t proto, size_t l4len)
{
	if (proto == 17 && l4len >= 8)		/* UDP, RFC 768 */
		return 6;
	if (proto == 6 && l4len >= 20)		/* TCP, RFC 793 */
		return 16;
	return 0;
}

static bool csum_write(uint8_t *l4, size_t l4len, uint8_t proto,
		       uint64_t pseudo)
{
	size_t at = csum_field(proto, l4len);
	uint16_t c;

	if (!at)
		return false;
	l4[at] = 0;
	l4[at + 1] = 0;
	c = csum_fold(csum_add(pseudo + proto + l4len, l4, l4len));
	if (proto == 17 && !c)
		c = 0xffff;	/* RFC 768: 0 means "no checksum" */
	l4[at] = (uint8_t)(c >> 8);
	l4[at + 1] = (uint8_t)c;
	return true;
}

static bool csum_ipv4(uint8_t *ip, size_t room)
{
	size_t ihl, tot;

	if (room < 20 || (ip[0] >> 4) != 4)
		return false;
	ihl = (size_t)(ip[0] & 0xf) * 4;
	tot = get_be16(ip + 2);
	if (ihl < 20 || tot < ihl || tot > room)
		return false;
	if (get_be16(ip + 6) & 0x3fff)		/* a fragment: MF or offset */
		return false;
	return csum_write(ip + ihl, tot - ihl, ip[9],
			  csum_add(0, ip + 12, 8));
}

static bool csum_ipv6(uint8_t *ip, size_t room)
{
	size_t plen;

	if (room < 40 || (ip[0] >> 4) != 6)
		return false;
	plen = get_be16(ip + 4);
	if (plen > room - 40)
		return false;
	/* only when UDP or TCP follows the fixed header directly */
	return csum_write(ip + 40, plen, ip[6], csum_add(0, ip + 8, 32));
}

/** Complete the UDP or TCP checksum of a frame the kernel left unfinished
 *  (CHECKSUM_PARTIAL, TP_STATUS_CSUMNOTREADY): computed in full over the
 *  pseudo-header, whatever the field held. Handles Ethernet with up to two
 *  VLAN tags, IPv4 without fragmentation, IPv6 without extension headers.
 *  Context: any. @return true when a checksum was written */
bool nic_csum_complete(uint8_t *frame, size_t len)
{
	size_t off = 12;
	uint16_t type;
	int tags;

	if (len < NIC_ETH_HLEN)
		return false;
	type = get_be16(frame + off);
	for (tags = 0; tags < 2 && (type == 0x8100 || type == 0x88a8); tags++) {
		off += 4;
		if (len < off + 2)
			return false;
		type = get_be16(frame + off);
	}
	off += 2;
	if (type == 0x0800)
		return csum_ipv4(frame + off, len - off);
	if (type == 0x86dd)
		return csum_ipv6(frame + off, len - off);
	return false;
}

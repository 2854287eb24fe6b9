// SPDX-License-Identifier: MIT
/** @file nic_afpacket.c  NIC driver: AF_PACKET socket with mmap rings
 *
 * One SOCK_RAW packet socket bound to the interface, in promiscuous mode,
 * with two TPACKET_V2 rings of fixed-size slots mapped into the process (a
 * socket has one TPACKET version for both rings). Every slot holds one
 * whole frame up to PKT_FRAME_MAX (jumbo, VLAN-tagged) and its header;
 * slots come 7 to a 64 KiB block, since a slot may not cross a block:
 *  - RX: 147 blocks, 1029 slots of 9312 bytes (9.2 MiB). The kernel hands
 *    over each frame as soon as it has written it (TP_STATUS_USER in the
 *    slot) and wakes the socket then: a frame waits for no block timeout,
 *    unlike TPACKET_V3, whose blocks a low frame rate (voice: one frame
 *    per 20 ms per stream) only retires at the timeout. The socket polls
 *    readable while the last frame written is not taken back. Frames are
 *    copied into packets of the NIC's pool and their slots given back at
 *    once, in ring order.
 *  - TX: 32 blocks, 224 slots of 9280 bytes (2 MiB). A batch is written
 *    into free slots and sent with one send(fd, NULL, 0, MSG_DONTWAIT).
 *
 * Kernel TX ring full: the frames that found no free slot stay queued in
 * the NIC (nic.c), nothing is dropped; nic_tx_room() then shows less room,
 * so the transmit scheduler holds its frames back, and the flush is retried.
 * Frames left in the ring by a send() that stopped early (socket send
 * buffer full) are sent by the next send(). The frames go through the
 * interface's qdisc (no PACKET_QDISC_BYPASS): see setup_rings().
 *
 * The socket does not see its own frames (PACKET_IGNORE_OUTGOING); frames
 * the kernel drops because the RX ring is full are read from
 * PACKET_STATISTICS into rx_dropped when a frame comes with
 * TP_STATUS_LOSING (and every 1024 bursts). Frames sent by Linux on veth or
 * TAP carry an unfinished UDP/TCP checksum (TP_STATUS_CSUMNOTREADY): the
 * driver completes it. A VLAN tag the kernel took out of the frame is put
 * back, so the classifier sees the frame as it was on the wire. The ring
 * stamps frames with CLOCK_REALTIME; ts_ns is converted to CLOCK_MONOTONIC.
 */
#define LOG_MODULE "nic"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "hal/nic.h"
#include "hal/nic_priv.h"
#include "rtos-kernel/log.h"

#define BLOCK_SIZE	(1u << 16)	/* a slot may not cross a block */
/* The kernel puts the MAC header of a received frame at
 * TPACKET_ALIGN(TPACKET2_HDRLEN + max(maclen, 16)) - maclen: never more
 * than TPACKET2_HDRLEN + 15 bytes into the slot. */
#define RX_MAC_MAX	(TPACKET2_HDRLEN + TPACKET_ALIGNMENT - 1)
#define RX_SLOT		TPACKET_ALIGN(RX_MAC_MAX + PKT_FRAME_MAX)
#define RX_PER_BLOCK	(BLOCK_SIZE / RX_SLOT)
#define RX_SLOTS_MIN	1024		/* frames of any size the ring holds */
#define RX_BLOCKS	((RX_SLOTS_MIN + RX_PER_BLOCK - 1) / RX_PER_BLOCK)
#define RX_SLOTS	(RX_PER_BLOCK * RX_BLOCKS)
/* TX: the frame follows the header (no PACKET_TX_HAS_OFF) */
#define TX_DATA_OFF	(TPACKET2_HDRLEN - sizeof(struct sockaddr_ll))
#define TX_SLOT		TPACKET_ALIGN(TX_DATA_OFF + PKT_FRAME_MAX)
#define TX_PER_BLOCK	(BLOCK_SIZE / TX_SLOT)
#define TX_BLOCKS	32
#define TX_SLOTS	(TX_PER_BLOCK * TX_BLOCKS)
#define STATS_EVERY	1024		/* bursts between drop counter reads */
#define VLAN_HLEN	4

_Static_assert(RX_PER_BLOCK >= 1 && TX_PER_BLOCK >= 1,
	       "a block holds a slot of the largest frame");

struct afp {
	int fd;
	int ifindex;
	uint8_t *map;
	size_t map_len;

	uint8_t *rx;		/* RX_BLOCKS blocks of RX_PER_BLOCK slots */
	unsigned int rx_head;	/* next slot to read */
	unsigned int rx_bursts;
	bool losing;		/* kernel reported drops: read the counter */

	uint8_t *tx;		/* TX_BLOCKS blocks of TX_PER_BLOCK slots */
	unsigned int tx_head;	/* next slot to fill */
	bool send_failing;	/* last send() failed (logged once) */
};

static inline struct tpacket2_hdr *rx_slot(const struct afp *a,
					   unsigned int i)
{
	size_t blk = i / RX_PER_BLOCK, in = i % RX_PER_BLOCK;

	return (struct tpacket2_hdr *)(a->rx + blk * BLOCK_SIZE + in * RX_SLOT);
}

static inline struct tpacket2_hdr *tx_slot(const struct afp *a,
					   unsigned int i)
{
	size_t blk = i / TX_PER_BLOCK, in = i % TX_PER_BLOCK;

	return (struct tpacket2_hdr *)(a->tx + blk * BLOCK_SIZE + in * TX_SLOT);
}

static int sockopt(int fd, int name, const void *val, socklen_t len)
{
	return setsockopt(fd, SOL_PACKET, name, val, len) ? -errno : 0;
}

/* Kernel's drop counter since the last read (the read resets it). */
static void read_drops(struct nic *n, struct afp *a)
{
	struct tpacket_stats st;	/* V1 and V2 */
	socklen_t len = sizeof(st);

	a->losing = false;
	if (!getsockopt(a->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len))
		n->stats.rx_dropped += st.tp_drops;
}

/* The socket given at open (checked), or a new one. */
static int get_socket(const struct nic_cfg *cfg)
{
	int fd, dom = 0, type = 0;
	socklen_t len = sizeof(int);

	if (cfg->fd < 0) {
		fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
			    0);	/* protocol 0: nothing arrives before bind */
		return fd < 0 ? -errno : fd;
	}
	if (getsockopt(cfg->fd, SOL_SOCKET, SO_DOMAIN, &dom, &len) ||
	    getsockopt(cfg->fd, SOL_SOCKET, SO_TYPE, &type, &len))
		return -errno;
	if (dom != AF_PACKET || type != SOCK_RAW)
		return -EINVAL;
	return cfg->fd;
}

/* Interface index: by name, looked up in the socket's own network
 * namespace (the fd may come from another one), else the one bound to. */
static int find_ifindex(int fd, const char *ifname)
{
	struct sockaddr_ll sll;
	socklen_t len = sizeof(sll);
	struct ifreq ifr;

	if (ifname && ifname[0]) {
		memset(&ifr, 0, sizeof(ifr));
		strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
		if (ioctl(fd, SIOCGIFINDEX, &ifr))
			return errno == ENODEV ? -EINVAL : -errno;
		return ifr.ifr_ifindex;
	}
	memset(&sll, 0, sizeof(sll));
	if (getsockname(fd, (struct sockaddr *)&sll, &len))
		return -errno;
	return sll.sll_ifindex > 0 ? sll.sll_ifindex : -EINVAL;
}

/* Name of the interface (for log lines), from the socket's namespace. */
static void name_of(const struct afp *a, char *name)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_ifindex = a->ifindex;
	if (!ioctl(a->fd, SIOCGIFNAME, &ifr))
		memcpy(name, ifr.ifr_name, IFNAMSIZ);
	name[IFNAMSIZ - 1] = 0;
}

static int setup_rings(struct afp *a)
{
	struct tpacket_req rx = {
		.tp_block_size = BLOCK_SIZE,
		.tp_block_nr = RX_BLOCKS,
		.tp_frame_size = RX_SLOT,
		.tp_frame_nr = RX_SLOTS,
	};
	struct tpacket_req tx = {
		.tp_block_size = BLOCK_SIZE,
		.tp_block_nr = TX_BLOCKS,
		.tp_frame_size = TX_SLOT,
		.tp_frame_nr = TX_SLOTS,
	};
	int v2 = TPACKET_V2, one = 1, err;

	/* No PACKET_QDISC_BYPASS: the veth's noqueue qdisc already hands a
	 * frame straight to the driver, and bypassing hides our frames from
	 * packet taps (tcpdump on the NIC), ignores a qdisc set up with tc,
	 * and drops, instead of queueing, a frame a busy driver refuses. */
	err = sockopt(a->fd, PACKET_VERSION, &v2, sizeof(v2));
	if (!err)	/* skip a malformed TX frame instead of stalling */
		err = sockopt(a->fd, PACKET_LOSS, &one, sizeof(one));
	if (!err)
		err = sockopt(a->fd, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	if (!err)
		err = sockopt(a->fd, PACKET_RX_RING, &rx, sizeof(rx));
	if (!err)
		err = sockopt(a->fd, PACKET_TX_RING, &tx, sizeof(tx));
	if (err)
		return err;
	a->map_len = (size_t)BLOCK_SIZE * (RX_BLOCKS + TX_BLOCKS);
	a->map = mmap(NULL, a->map_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		      a->fd, 0);
	if (a->map == MAP_FAILED) {
		a->map = NULL;
		return -errno;
	}
	a->rx = a->map;		/* the RX ring comes first in the mapping */
	a->tx = a->map + (size_t)BLOCK_SIZE * RX_BLOCKS;
	return 0;
}

static int bind_promisc(struct afp *a)
{
	struct sockaddr_ll sll;
	struct packet_mreq mr;

	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = a->ifindex;
	if (bind(a->fd, (struct sockaddr *)&sll, sizeof(sll)))
		return -errno;
	memset(&mr, 0, sizeof(mr));
	mr.mr_ifindex = a->ifindex;
	mr.mr_type = PACKET_MR_PROMISC;
	return sockopt(a->fd, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr));
}

/* A socket opened elsewhere may hold frames queued before its rings were
 * set up: they are stale, throw them away. */
static void drain_old(struct afp *a)
{
	int i;

	for (i = 0; i < 100000; i++)
		if (recv(a->fd, NULL, 0, MSG_DONTWAIT | MSG_TRUNC) < 0)
			break;
}

static void afp_release(struct afp *a, bool close_fd)
{
	if (a->map)
		munmap(a->map, a->map_len);
	if (close_fd && a->fd >= 0)
		close(a->fd);
	free(a);
}

static int afp_open(struct nic *n, const struct nic_cfg *cfg)
{
	struct afp *a = calloc(1, sizeof(*a));
	int fl, err;

	if (!a)
		return -ENOMEM;
	a->fd = get_socket(cfg);
	if (a->fd < 0) {
		err = a->fd;
		goto out_free;
	}
	fl = fcntl(a->fd, F_GETFL);
	if (fl < 0 || fcntl(a->fd, F_SETFL, fl | O_NONBLOCK)) {
		err = -errno;
		goto out_free;
	}
	a->ifindex = find_ifindex(a->fd, cfg->ifname);
	if (a->ifindex < 0) {
		err = a->ifindex;
		goto out_free;
	}
	if (!n->ifname[0])
		name_of(a, n->ifname);
	err = setup_rings(a);
	if (!err)
		err = bind_promisc(a);
	if (err)
		goto out_free;
	drain_old(a);
	read_drops(n, a);	/* count from now on */
	n->stats.rx_dropped = 0;
	n->priv = a;
	return 0;

 out_free:
	afp_release(a, cfg->fd < 0);	/* a socket given stays the caller's */
	return err;
}

static void afp_close(struct nic *n)
{
	afp_release(n->priv, true);
	n->priv = NULL;
}

static int afp_fd(const struct nic *n)
{
	const struct afp *a = n->priv;

	return a->fd;
}

/* Realtime minus monotonic: the ring stamps frames with CLOCK_REALTIME. */
static int64_t realtime_offset(void)
{
	struct timespec rt, mono;

	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	return (int64_t)(rt.tv_sec - mono.tv_sec) * 1000000000ll +
	       (rt.tv_nsec - mono.tv_nsec);
}

/* Copy the frame of one RX slot into a packet, putting back the VLAN tag
 * the kernel took out, and complete an unfinished checksum.
 * @return the packet, or NULL (dropped and counted) */
static struct pkt *take_frame(struct nic *n, const struct tpacket2_hdr *h,
			      uint32_t st, int64_t rt_off)
{
	const uint8_t *src = (const uint8_t *)h + h->tp_mac;
	uint32_t len = h->tp_snaplen;
	uint32_t tag = (st & TP_STATUS_VLAN_VALID) ? VLAN_HLEN : 0;
	uint16_t tpid = ETH_P_8021Q;
	struct pkt *p;
	uint8_t *d;

	if (len < h->tp_len || len < NIC_ETH_HLEN ||
	    len + tag > PKT_FRAME_MAX || (size_t)h->tp_mac + len > RX_SLOT) {
		n->stats.rx_dropped++;	/* truncated (GSO) or runt */
		return NULL;
	}
	p = pkt_get(n->pool);
	if (!p) {
		n->stats.rx_dropped++;
		return NULL;
	}
	d = pkt_data(p);
	if (tag) {
		if (st & TP_STATUS_VLAN_TPID_VALID)
			tpid = h->tp_vlan_tpid;
		memcpy(d, src, 2 * NIC_ETH_ALEN);
		d[12] = (uint8_t)(tpid >> 8);
		d[13] = (uint8_t)tpid;
		d[14] = (uint8_t)(h->tp_vlan_tci >> 8);
		d[15] = (uint8_t)h->tp_vlan_tci;
		memcpy(d + 16, src + 12, len - 12);
	} else {
		memcpy(d, src, len);
	}
	p->len = (uint16_t)(len + tag);
	if (st & TP_STATUS_CSUMNOTREADY)
		nic_csum_complete(d, p->len);
	p->ts_ns = (uint64_t)((int64_t)h->tp_sec * 1000000000ll +
			      h->tp_nsec - rt_off);
	return p;
}

/* Take the frames the kernel has handed over, in ring order, until @p max
 * packets are filled or a slot is still the kernel's. Each slot goes back
 * to the kernel as soon as its frame is copied (or dropped). */
static size_t afp_rx_burst(struct nic *n, struct pkt **pkts, size_t max)
{
	struct afp *a = n->priv;
	int64_t rt_off = 0;
	size_t got = 0;

	while (got < max) {
		struct tpacket2_hdr *h = rx_slot(a, a->rx_head);
		uint32_t st = __atomic_load_n(&h->tp_status,
					      __ATOMIC_ACQUIRE);
		struct pkt *p;

		if (!(st & TP_STATUS_USER))
			break;
		if (st & TP_STATUS_LOSING)	/* until the counter is read */
			a->losing = true;
		if (!rt_off)
			rt_off = realtime_offset();
		p = take_frame(n, h, st, rt_off);
		if (p)
			pkts[got++] = p;
		__atomic_store_n(&h->tp_status, TP_STATUS_KERNEL,
				 __ATOMIC_RELEASE);
		a->rx_head = (a->rx_head + 1) % RX_SLOTS;
	}
	if (a->losing || ++a->rx_bursts % STATS_EVERY == 0)
		read_drops(n, a);
	return got;
}

static inline bool slot_free(const struct tpacket2_hdr *h)
{
	uint32_t st = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);

	return !(st & (TP_STATUS_SEND_REQUEST | TP_STATUS_SENDING |
		       TP_STATUS_WRONG_FORMAT));
}

/* Ask the kernel to send what the ring holds; never waits. Sets tx_kick
 * when frames are left in the ring (send buffer full, link down). */
static void kick(struct nic *n, struct afp *a)
{
	unsigned int last = (a->tx_head + TX_SLOTS - 1) % TX_SLOTS;
	ssize_t r = send(a->fd, NULL, 0, MSG_DONTWAIT);

	if (r < 0 && errno != EAGAIN && errno != ENOBUFS && errno != EINTR) {
		if (!a->send_failing)
			LOG_WARN("send: %s: %s", n->ifname, strerror(errno));
		a->send_failing = true;
	} else if (r >= 0) {
		a->send_failing = false;
	}
	n->tx_kick = __atomic_load_n(&tx_slot(a, last)->tp_status,
				     __ATOMIC_ACQUIRE) & TP_STATUS_SEND_REQUEST;
}

static size_t afp_xmit(struct nic *n, struct pkt **pkts, size_t cnt)
{
	struct afp *a = n->priv;
	size_t i;

	for (i = 0; i < cnt; i++) {
		struct pkt *p = pkts[i];
		struct tpacket2_hdr *h = tx_slot(a, a->tx_head);

		if (!slot_free(h))
			break;		/* ring full: the rest stays queued */
		memcpy((uint8_t *)h + TX_DATA_OFF, pkt_data(p), p->len);
		h->tp_len = p->len;
		h->tp_snaplen = p->len;
		__atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST,
				 __ATOMIC_RELEASE);
		a->tx_head = (a->tx_head + 1) % TX_SLOTS;
		n->stats.tx_frames++;
		n->stats.tx_bytes += p->len;
		pkt_free(p);
	}
	kick(n, a);	/* also when the ring was full: it may hold frames */
	return i;
}

const struct nic_ops nic_afpacket_ops = {
	.name = "afpacket",
	.open = afp_open,
	.close = afp_close,
	.fd = afp_fd,
	.rx_burst = afp_rx_burst,
	.xmit = afp_xmit,
};

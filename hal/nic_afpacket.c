// SPDX-License-Identifier: MIT
/** @file nic_afpacket.c  NIC driver: AF_PACKET socket with mmap rings
 *
 * One SOCK_RAW packet socket bound to the interface, in promiscuous mode,
 * with two rings mapped into the process:
 *  - RX: TPACKET_V3, 64 blocks of 64 KiB (4 MiB). The kernel fills a block
 *    with frames and hands it over when it is full or 1 ms after its first
 *    frame (the block timeout), so a frame waits at most about 1 ms even at
 *    a low rate; the socket polls readable when a block is handed over.
 *    Frames are copied into packets of the NIC's pool and the block given
 *    back as soon as all its frames are taken.
 *  - TX: the same socket's PACKET_TX_RING. A socket has one TPACKET
 *    version for both rings, so the TX ring is TPACKET_V3 too (fixed-size
 *    slots, supported since Linux 4.11 and checked by the tests on 6.18):
 *    224 slots of 9296 bytes, each holding one frame up to PKT_FRAME_MAX.
 *    A batch is written into free slots and sent with one
 *    send(fd, NULL, 0, MSG_DONTWAIT).
 *
 * Kernel TX ring full: the frames that found no free slot stay queued in
 * the NIC (nic.c), nothing is dropped; nic_tx_room() then shows less room,
 * so the transmit scheduler holds its frames back, and the flush is retried.
 * Frames left in the ring by a send() that stopped early (socket send
 * buffer full) are sent by the next send().
 *
 * The socket does not see its own frames (PACKET_IGNORE_OUTGOING); frames
 * the kernel drops because the RX ring is full are read from
 * PACKET_STATISTICS into rx_dropped when a block comes with
 * TP_STATUS_LOSING (and every 1024 bursts). Frames sent by Linux on veth or
 * TAP carry an unfinished UDP/TCP checksum (TP_STATUS_CSUMNOTREADY): the
 * driver completes it. A VLAN tag the kernel took out of the frame is put
 * back, so the classifier sees the frame as it was on the wire.
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

#define BLOCK_SIZE	(1u << 16)	/* holds a jumbo frame and its header */
#define RX_BLOCKS	64
#define RX_TIMEOUT_MS	1		/* block retire timeout */
#define TX_BLOCKS	32
#define TX_DATA_OFF	TPACKET_ALIGN(sizeof(struct tpacket3_hdr))
#define TX_SLOT		TPACKET_ALIGN(TX_DATA_OFF + PKT_FRAME_MAX)
#define TX_PER_BLOCK	(BLOCK_SIZE / TX_SLOT)
#define TX_SLOTS	(TX_PER_BLOCK * TX_BLOCKS)
#define STATS_EVERY	1024		/* bursts between drop counter reads */
#define VLAN_HLEN	4

struct afp {
	int fd;
	int ifindex;
	uint8_t *map;
	size_t map_len;

	uint8_t *rx;		/* RX_BLOCKS blocks */
	unsigned int rx_block;	/* block being read */
	unsigned int rx_idx;	/* frames of it already taken */
	size_t rx_off;		/* offset of the next frame in the block */
	unsigned int rx_bursts;
	bool losing;		/* kernel reported drops: read the counter */

	uint8_t *tx;		/* TX_SLOTS slots */
	unsigned int tx_head;	/* next slot to fill */
	bool send_failing;	/* last send() failed (logged once) */
};

static inline struct tpacket_block_desc *rx_block(const struct afp *a,
						  unsigned int i)
{
	return (struct tpacket_block_desc *)(a->rx + (size_t)i * BLOCK_SIZE);
}

static inline struct tpacket3_hdr *tx_slot(const struct afp *a,
					   unsigned int i)
{
	size_t blk = i / TX_PER_BLOCK, in = i % TX_PER_BLOCK;

	return (struct tpacket3_hdr *)(a->tx + blk * BLOCK_SIZE + in * TX_SLOT);
}

static int sockopt(int fd, int name, const void *val, socklen_t len)
{
	return setsockopt(fd, SOL_PACKET, name, val, len) ? -errno : 0;
}

/* Kernel's drop counter since the last read (the read resets it). */
static void read_drops(struct nic *n, struct afp *a)
{
	struct tpacket_stats_v3 st;
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
	struct tpacket_req3 rx = {
		.tp_block_size = BLOCK_SIZE,
		.tp_block_nr = RX_BLOCKS,
		.tp_frame_size = BLOCK_SIZE,	/* V3 RX: frames are packed */
		.tp_frame_nr = RX_BLOCKS,
		.tp_retire_blk_tov = RX_TIMEOUT_MS,
	};
	struct tpacket_req3 tx = {
		.tp_block_size = BLOCK_SIZE,
		.tp_block_nr = TX_BLOCKS,
		.tp_frame_size = TX_SLOT,
		.tp_frame_nr = TX_SLOTS,
	};
	int v3 = TPACKET_V3, one = 1, err;

	err = sockopt(a->fd, PACKET_VERSION, &v3, sizeof(v3));
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

/* Copy one frame of the ring into a packet, putting back the VLAN tag the
 * kernel took out, and complete an unfinished checksum.
 * @return the packet, or NULL (dropped and counted) */
static struct pkt *take_frame(struct nic *n, const struct tpacket3_hdr *h,
			      size_t room, int64_t rt_off)
{
	const uint8_t *src = (const uint8_t *)h + h->tp_mac;
	uint32_t st = h->tp_status, len = h->tp_snaplen;
	uint32_t tag = (st & TP_STATUS_VLAN_VALID) ? VLAN_HLEN : 0;
	uint16_t tpid = ETH_P_8021Q;
	struct pkt *p;
	uint8_t *d;

	if (len < h->tp_len || len < NIC_ETH_HLEN ||
	    len + tag > PKT_FRAME_MAX || (size_t)h->tp_mac + len > room) {
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
			tpid = h->hv1.tp_vlan_tpid;
		memcpy(d, src, 2 * NIC_ETH_ALEN);
		d[12] = (uint8_t)(tpid >> 8);
		d[13] = (uint8_t)tpid;
		d[14] = (uint8_t)(h->hv1.tp_vlan_tci >> 8);
		d[15] = (uint8_t)h->hv1.tp_vlan_tci;
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

static void give_back(struct afp *a, struct tpacket_block_desc *bd)
{
	__atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL,
			 __ATOMIC_RELEASE);
	a->rx_block = (a->rx_block + 1) % RX_BLOCKS;
	a->rx_idx = 0;
}

static size_t afp_rx_burst(struct nic *n, struct pkt **pkts, size_t max)
{
	struct afp *a = n->priv;
	struct tpacket_block_desc *bd;
	int64_t rt_off = 0;
	size_t got = 0;
	uint32_t st;

	while (got < max) {
		bd = rx_block(a, a->rx_block);
		st = __atomic_load_n(&bd->hdr.bh1.block_status,
				     __ATOMIC_ACQUIRE);
		if (!(st & TP_STATUS_USER))
			break;
		if (st & TP_STATUS_LOSING)	/* V3: per block, not frame */
			a->losing = true;
		if (!rt_off)
			rt_off = realtime_offset();
		if (!a->rx_idx)
			a->rx_off = bd->hdr.bh1.offset_to_first_pkt;
		while (a->rx_idx < bd->hdr.bh1.num_pkts && got < max) {
			const struct tpacket3_hdr *h;
			struct pkt *p;

			if (a->rx_off + sizeof(*h) > BLOCK_SIZE) {
				/* corrupt block: lose the rest of it */
				n->stats.rx_dropped += bd->hdr.bh1.num_pkts -
						       a->rx_idx;
				a->rx_idx = bd->hdr.bh1.num_pkts;
				break;
			}
			h = (const void *)((uint8_t *)bd + a->rx_off);
			p = take_frame(n, h, BLOCK_SIZE - a->rx_off, rt_off);
			if (p)
				pkts[got++] = p;
			a->rx_off += h->tp_next_offset;
			a->rx_idx++;
		}
		if (a->rx_idx < bd->hdr.bh1.num_pkts)
			break;		/* max reached inside the block */
		give_back(a, bd);
	}
	if (a->losing || ++a->rx_bursts % STATS_EVERY == 0)
		read_drops(n, a);
	return got;
}

static inline bool slot_free(const struct tpacket3_hdr *h)
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
		struct tpacket3_hdr *h = tx_slot(a, a->tx_head);

		if (!slot_free(h))
			break;		/* ring full: the rest stays queued */
		memcpy((uint8_t *)h + TX_DATA_OFF, pkt_data(p), p->len);
		h->tp_next_offset = 0;
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

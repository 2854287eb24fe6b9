// SPDX-License-Identifier: MIT
/** @file nic_tap.c  NIC driver: a TAP device
 *
 * /dev/net/tun opened non-blocking with IFF_TAP | IFF_NO_PI: each read()
 * gives one whole Ethernet frame the kernel sent on the TAP, each write()
 * hands one frame to the kernel as if received on it. No offload is
 * negotiated (no IFF_VNET_HDR, no TUNSETOFFLOAD), so the kernel completes
 * checksums and segments before a frame reaches us. The device is created
 * if it does not exist (it then disappears at close) and set up (IFF_UP).
 *
 * One system call per frame: this driver is for tests and for boards
 * without a NIC of their own, not for the fast path. A write the kernel
 * refuses with EAGAIN leaves the frame queued; any other error drops it
 * (tx_dropped). A frame longer than a packet spills into a scratch buffer
 * and is dropped (rx_dropped), as is every frame while the pool is empty.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "hal/nic.h"
#include "hal/nic_priv.h"
#include "rtos-kernel/rtk.h"

#define SCRATCH_SIZE	65536	/* longest frame a TAP can give (MTU 65535) */

struct tap {
	int fd;
	uint8_t *scratch;
};

/* Set the interface up (the wire is "plugged in" while we hold it). */
static int link_up(const char *ifname)
{
	struct ifreq ifr;
	int s, err = 0;

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	if (ioctl(s, SIOCGIFFLAGS, &ifr)) {
		err = -errno;
	} else if (!(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(s, SIOCSIFFLAGS, &ifr))
			err = -errno;
	}
	close(s);
	return err;
}

static void tap_release(struct tap *t)
{
	if (t->fd >= 0)
		close(t->fd);
	free(t->scratch);
	free(t);
}

static int tap_open(struct nic *n, const struct nic_cfg *cfg)
{
	struct tap *t = calloc(1, sizeof(*t));
	struct ifreq ifr;
	int err;

	if (!t)
		return -ENOMEM;
	t->fd = -1;
	t->scratch = malloc(SCRATCH_SIZE);
	if (!t->scratch) {
		err = -ENOMEM;
		goto out_free;
	}
	t->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (t->fd < 0) {
		err = -errno;
		goto out_free;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	strncpy(ifr.ifr_name, cfg->ifname, IFNAMSIZ - 1);
	if (ioctl(t->fd, TUNSETIFF, &ifr)) {
		err = -errno;
		goto out_free;
	}
	err = link_up(cfg->ifname);
	if (err)
		goto out_free;
	n->priv = t;
	return 0;

 out_free:
	tap_release(t);
	return err;
}

static void tap_close(struct nic *n)
{
	tap_release(n->priv);
	n->priv = NULL;
}

static int tap_fd(const struct nic *n)
{
	const struct tap *t = n->priv;

	return t->fd;
}

static size_t tap_rx_burst(struct nic *n, struct pkt **pkts, size_t max)
{
	struct tap *t = n->priv;
	size_t got = 0, tries;
	struct pkt *p;
	ssize_t r;

	/* every frame read uses a try, kept or dropped: bounded work */
	for (tries = 0; tries < max; tries++) {
		struct iovec iov[2] = {
			{ t->scratch, 0 },	/* no packet: all to scratch */
			{ t->scratch, SCRATCH_SIZE },	/* beyond a packet */
		};

		p = pkt_get(n->pool);
		if (p) {
			iov[0].iov_base = pkt_data(p);
			iov[0].iov_len = pkt_room(p);
		}
		r = readv(t->fd, iov, 2);
		if (r < 0) {
			pkt_free(p);
			if (errno == EINTR)
				continue;
			break;		/* EAGAIN: nothing more, or an error */
		}
		if (!p || r < NIC_ETH_HLEN || (size_t)r > pkt_room(p) ||
		    r > PKT_FRAME_MAX) {
			n->stats.rx_dropped++;
			pkt_free(p);
			continue;
		}
		p->len = (uint16_t)r;
		p->ts_ns = rtk_now_ns();
		pkts[got++] = p;
	}
	return got;
}

static size_t tap_xmit(struct nic *n, struct pkt **pkts, size_t cnt)
{
	struct tap *t = n->priv;
	size_t i;
	ssize_t r;

	for (i = 0; i < cnt; i++) {
		struct pkt *p = pkts[i];

		r = write(t->fd, pkt_data(p), p->len);
		if (r < 0 && (errno == EAGAIN || errno == ENOBUFS))
			break;		/* stays queued, tried again */
		if (r == p->len) {
			n->stats.tx_frames++;
			n->stats.tx_bytes += p->len;
		} else {
			n->stats.tx_dropped++;	/* EIO: link down, ... */
		}
		pkt_free(p);
	}
	return i;
}

const struct nic_ops nic_tap_ops = {
	.name = "tap",
	.open = tap_open,
	.close = tap_close,
	.fd = tap_fd,
	.rx_burst = tap_rx_burst,
	.xmit = tap_xmit,
};

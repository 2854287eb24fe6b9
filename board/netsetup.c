// SPDX-License-Identifier: MIT
/** @file netsetup.c  Proxy TAP and NIC socket for the partitions */
#define LOG_MODULE "netsetup"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_arp.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/route.h>
#include <net/ethernet.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "board/netsetup.h"
#include "rtos-kernel/log.h"

static int ifreq_call(int s, unsigned long req, struct ifreq *ifr,
		      const char *what)
{
	if (ioctl(s, req, ifr) == 0)
		return 0;
	LOG_ERR("tap %s: %s: %s", ifr->ifr_name, what, strerror(errno));
	return -errno;
}

static void set_in(struct sockaddr *sa, uint32_t addr)
{
	struct sockaddr_in *in = (struct sockaddr_in *)sa;

	memset(in, 0, sizeof(*in));
	in->sin_family = AF_INET;
	in->sin_addr.s_addr = addr;
}

/* MAC, MTU, address and mask, up, then the default route */
static int configure(int s, const struct gw_config *cfg)
{
	const char *name = cfg->net.tap_ifname;
	unsigned len = cfg->net.address.len;
	struct ifreq ifr;
	struct rtentry rt;
	int err;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
	memcpy(ifr.ifr_hwaddr.sa_data, cfg->net.mac, 6);
	err = ifreq_call(s, SIOCSIFHWADDR, &ifr, "set MAC");
	ifr.ifr_mtu = cfg->net.mtu;
	if (!err)
		err = ifreq_call(s, SIOCSIFMTU, &ifr, "set MTU");
	set_in(&ifr.ifr_addr, cfg->net.address.addr.s_addr);
	if (!err)
		err = ifreq_call(s, SIOCSIFADDR, &ifr, "set address");
	set_in(&ifr.ifr_netmask, htonl(len ? ~0u << (32 - len) : 0));
	if (!err)
		err = ifreq_call(s, SIOCSIFNETMASK, &ifr, "set netmask");
	if (!err)
		err = ifreq_call(s, SIOCGIFFLAGS, &ifr, "get flags");
	ifr.ifr_flags |= IFF_UP;
	if (!err)
		err = ifreq_call(s, SIOCSIFFLAGS, &ifr, "bring up");
	if (err || !cfg->net.gateway.s_addr)
		return err;
	memset(&rt, 0, sizeof(rt));
	set_in(&rt.rt_dst, 0);
	set_in(&rt.rt_genmask, 0);
	set_in(&rt.rt_gateway, cfg->net.gateway.s_addr);
	rt.rt_flags = RTF_UP | RTF_GATEWAY;
	rt.rt_dev = (char *)name;
	if (ioctl(s, SIOCADDRT, &rt) && errno != EEXIST) {
		LOG_ERR("tap %s: default route: %s", name, strerror(errno));
		return -errno;
	}
	return 0;
}

/** Make the proxy TAP persistent and, when new, configure it from @p cfg.
 *  Context: the dispatcher, at boot. @return 0 or a negative errno */
int netsetup_tap(const struct gw_config *cfg, bool *created)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
	int s, fd, err;

	*created = false;
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s",
		 cfg->net.tap_ifname);
	if (ioctl(s, SIOCGIFINDEX, &ifr) == 0) {
		close(s);
		return 0;	/* there already: keep its state */
	}
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	err = fd < 0 ? -errno : 0;
	if (!err && (ioctl(fd, TUNSETIFF, &ifr) || ioctl(fd, TUNSETPERSIST, 1)))
		err = -errno;
	if (fd >= 0)
		close(fd);
	if (err) {
		LOG_ERR("tap %s: create: %s", cfg->net.tap_ifname,
			strerror(-err));
		close(s);
		return err;
	}
	*created = true;
	err = configure(s, cfg);
	close(s);
	return err;
}

static int ifindex(int s, const char *name)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	return ioctl(s, SIOCGIFINDEX, &ifr) ? -errno : ifr.ifr_ifindex;
}

/** Open an AF_PACKET socket bound to @p ifname inside network namespace
 *  @p netns (a name under /run/netns; "" for the current one). The socket
 *  stays in that namespace whoever holds it.
 *  @return the socket, or a negative errno (logged) */
int netsetup_nic_socket(const char *netns, const char *ifname)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
	};
	char path[96];
	int self = -1, ns = -1, s = -1, err = 0;

	if (netns[0]) {
		snprintf(path, sizeof(path), "/run/netns/%s", netns);
		self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		ns = open(path, O_RDONLY | O_CLOEXEC);
		if (self < 0 || ns < 0 || setns(ns, CLONE_NEWNET)) {
			err = -errno;
			LOG_ERR("nic: namespace %s: %s", netns,
				strerror(-err));
			goto out;
		}
	}
	s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (s < 0)
		err = -errno;
	else if ((sll.sll_ifindex = ifindex(s, ifname)) < 0)
		err = sll.sll_ifindex;
	else if (bind(s, (struct sockaddr *)&sll, sizeof(sll)))
		err = -errno;
	if (err) {
		LOG_ERR("nic %s%s%s: %s", ifname, netns[0] ? " in " : "",
			netns, strerror(-err));
		if (s >= 0)
			close(s);
		s = -1;
	}
	if (self >= 0 && setns(self, CLONE_NEWNET)) {
		LOG_ERR("nic: cannot return to my namespace: %s",
			strerror(errno));
		err = -errno;
	}
 out:
	if (self >= 0)
		close(self);
	if (ns >= 0)
		close(ns);
	return err ? err : s;
}

// SPDX-License-Identifier: MIT
/** @file webnet.c  The shared interface's settings, changed through the
 *  kernel with libnl-route */
#define LOG_MODULE "webnet"
#include <errno.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <netlink/addr.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "linux-side/web/webnet.h"
#include "rtos-kernel/log.h"

static int set_link(struct nl_sock *sk, const char *ifname,
		    const struct netcfg_msg *cur, const struct netcfg_msg *w,
		    char *why, size_t size)
{
	struct rtnl_link *orig = NULL, *chg = NULL;
	struct nl_addr *mac = NULL;
	int err;

	if (cur->mtu == w->mtu && !memcmp(cur->mac, w->mac, 6))
		return 0;
	err = rtnl_link_get_kernel(sk, 0, ifname, &orig);
	chg = err ? NULL : rtnl_link_alloc();
	if (!chg) {
		snprintf(why, size, "%s: %s", ifname, err ? nl_geterror(err) :
			 "out of memory");
		goto out;
	}
	if (cur->mtu != w->mtu)
		rtnl_link_set_mtu(chg, w->mtu);
	if (memcmp(cur->mac, w->mac, 6)) {
		mac = nl_addr_build(AF_LLC, w->mac, 6);
		if (mac)
			rtnl_link_set_addr(chg, mac);
	}
	err = rtnl_link_change(sk, orig, chg, 0);
	if (err)
		snprintf(why, size, "%s: MTU/MAC: %s", ifname,
			 nl_geterror(err));
 out:
	if (mac)
		nl_addr_put(mac);
	if (chg)
		rtnl_link_put(chg);
	if (orig)
		rtnl_link_put(orig);
	return err || !chg ? -EIO : 0;
}

static struct rtnl_addr *make_addr(int ifindex, uint32_t ip, unsigned len)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	struct nl_addr *local = nl_addr_build(AF_INET, &ip, 4);

	if (!a || !local) {
		if (a)
			rtnl_addr_put(a);
		if (local)
			nl_addr_put(local);
		return NULL;
	}
	nl_addr_set_prefixlen(local, (int)len);
	rtnl_addr_set_ifindex(a, ifindex);
	rtnl_addr_set_family(a, AF_INET);
	rtnl_addr_set_local(a, local);
	rtnl_addr_set_prefixlen(a, len);
	nl_addr_put(local);
	return a;
}

static struct rtnl_route *make_default(int ifindex, uint32_t gw)
{
	struct rtnl_route *r = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *dst = nl_addr_build(AF_INET, (uint32_t[]){ 0 }, 4);
	struct nl_addr *via = nl_addr_build(AF_INET, &gw, 4);

	if (!r || !nh || !dst || !via) {
		if (r)
			rtnl_route_put(r);
		if (nh)
			rtnl_route_nh_free(nh);
		r = NULL;
		goto out;
	}
	nl_addr_set_prefixlen(dst, 0);
	rtnl_route_set_family(r, AF_INET);
	rtnl_route_set_table(r, RT_TABLE_MAIN);
	rtnl_route_set_dst(r, dst);
	rtnl_route_nh_set_ifindex(nh, ifindex);
	rtnl_route_nh_set_gateway(nh, via);
	rtnl_route_add_nexthop(r, nh);
 out:
	if (dst)
		nl_addr_put(dst);
	if (via)
		nl_addr_put(via);
	return r;
}

/* address, then the default route through it */
static int set_ip(struct nl_sock *sk, const char *ifname, int ifindex,
		  const struct netcfg_msg *cur, const struct netcfg_msg *w,
		  char *why, size_t size)
{
	bool addr_chg = cur->ip != w->ip || cur->prefix_len != w->prefix_len;
	struct rtnl_route *r;
	struct rtnl_addr *a;
	int err = 0;

	if (!addr_chg && cur->gateway == w->gateway)
		return 0;
	if (cur->gateway) {
		r = make_default(ifindex, cur->gateway);
		err = r ? rtnl_route_delete(sk, r, 0) : -NLE_NOMEM;
		if (r)
			rtnl_route_put(r);
		if (err && err != -NLE_OBJ_NOTFOUND) {
			snprintf(why, size, "%s: default route: %s", ifname,
				 nl_geterror(err));
			return -EIO;
		}
	}
	/* the old address first: deleting a primary address deletes the
	 * secondaries of its subnet with it */
	if (addr_chg && cur->ip) {
		a = make_addr(ifindex, cur->ip, cur->prefix_len);
		err = a ? rtnl_addr_delete(sk, a, 0) : -NLE_NOMEM;
		if (a)
			rtnl_addr_put(a);
		if (err && err != -NLE_OBJ_NOTFOUND && err != -NLE_NOADDR) {
			snprintf(why, size, "%s: remove address: %s", ifname,
				 nl_geterror(err));
			return -EIO;
		}
	}
	if (addr_chg && w->ip) {
		a = make_addr(ifindex, w->ip, w->prefix_len);
		err = a ? rtnl_addr_add(sk, a, 0) : -NLE_NOMEM;
		if (a)
			rtnl_addr_put(a);
		if (err) {
			snprintf(why, size, "%s: add address: %s", ifname,
				 nl_geterror(err));
			return -EIO;
		}
	}
	if (w->gateway) {
		r = make_default(ifindex, w->gateway);
		err = r ? rtnl_route_add(sk, r, NLM_F_REPLACE) : -NLE_NOMEM;
		if (r)
			rtnl_route_put(r);
		if (err) {
			snprintf(why, size, "%s: default route: %s", ifname,
				 nl_geterror(err));
			return -EIO;
		}
	}
	return 0;
}

static int apply(struct nl_sock *sk, const char *ifname,
		 const struct netcfg_msg *cur, const struct netcfg_msg *w,
		 char *why, size_t size)
{
	struct rtnl_link *l = NULL;
	int ifindex, err;

	err = rtnl_link_get_kernel(sk, 0, ifname, &l);
	if (err) {
		snprintf(why, size, "%s: %s", ifname, nl_geterror(err));
		return -ENODEV;
	}
	ifindex = rtnl_link_get_ifindex(l);
	rtnl_link_put(l);
	err = set_link(sk, ifname, cur, w, why, size);
	if (!err)
		err = set_ip(sk, ifname, ifindex, cur, w, why, size);
	return err;
}

/**
 * Change @p ifname from its state @p cur to @p want (MAC, MTU, address
 * with its prefix, default gateway; 0: none); what is equal is left
 * alone. On failure what was changed is put back as far as possible.
 * @param why  the reason on error
 * @return 0, -ENODEV, -ENOMEM or -EIO
 */
int webnet_apply(const char *ifname, const struct netcfg_msg *cur,
		 const struct netcfg_msg *want, char *why, size_t size)
{
	struct nl_sock *sk = nl_socket_alloc();
	char ignore[160];
	int err;

	if (!sk || nl_connect(sk, NETLINK_ROUTE)) {
		snprintf(why, size, "netlink: cannot connect");
		if (sk)
			nl_socket_free(sk);
		return -EIO;
	}
	err = apply(sk, ifname, cur, want, why, size);
	if (err && err != -ENODEV) {
		LOG_WARN("%s; putting the previous settings back", why);
		/* from what is there now: unknown, so force each step */
		struct netcfg_msg mid = *want;

		mid.gateway = want->gateway ? want->gateway : cur->gateway;
		apply(sk, ifname, &mid, cur, ignore, sizeof(ignore));
	}
	nl_socket_free(sk);
	return err;
}

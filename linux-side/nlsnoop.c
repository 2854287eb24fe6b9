// SPDX-License-Identifier: MIT
/** @file nlsnoop.c  Netlink watch of one interface, with libnl-route */
#define LOG_MODULE "nlsnoop"
#include <errno.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <netlink/cache.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linux-side/nlsnoop.h"
#include "rtos-kernel/log.h"

struct nlsnoop {
	char ifname[IFNAMSIZ];
	struct nl_cache_mngr *mngr;	/* only tells that something changed */
	struct nl_cache *links, *addrs, *routes;
	struct nl_sock *q;		/* asks the kernel the state afresh */
	nlsnoop_h *h;
	void *arg;
	struct netcfg_msg last;
	bool have_last;
	uint32_t seq;
};

static void changed(struct nl_cache *c, struct nl_object *o, int action,
		    void *arg)
{
	(void)c;
	(void)o;
	(void)action;
	(void)arg;
	/* nlsnoop_process() recomputes the whole state after the batch */
}

struct addr_walk {
	int ifindex;
	struct netcfg_msg *m;
};

static void pick_addr(struct nl_object *o, void *arg)
{
	struct rtnl_addr *a = (struct rtnl_addr *)o;
	struct addr_walk *w = arg;
	struct nl_addr *local = rtnl_addr_get_local(a);

	if (w->m->ip || rtnl_addr_get_ifindex(a) != w->ifindex ||
	    rtnl_addr_get_family(a) != AF_INET || !local ||
	    nl_addr_get_len(local) != 4 ||
	    (rtnl_addr_get_flags(a) & IFA_F_SECONDARY))
		return;
	memcpy(&w->m->ip, nl_addr_get_binary_addr(local), 4);
	w->m->prefix_len = (uint8_t)rtnl_addr_get_prefixlen(a);
}

static void pick_gateway(struct nl_object *o, void *arg)
{
	struct rtnl_route *r = (struct rtnl_route *)o;
	struct addr_walk *w = arg;
	struct rtnl_nexthop *nh;
	struct nl_addr *gw, *dst = rtnl_route_get_dst(r);

	if (w->m->gateway || rtnl_route_get_family(r) != AF_INET ||
	    rtnl_route_get_table(r) != RT_TABLE_MAIN ||
	    (dst && nl_addr_get_prefixlen(dst) != 0) ||
	    rtnl_route_get_nnexthops(r) < 1)
		return;
	nh = rtnl_route_nexthop_n(r, 0);
	gw = rtnl_route_nh_get_gateway(nh);
	if (rtnl_route_nh_get_ifindex(nh) == w->ifindex && gw &&
	    nl_addr_get_len(gw) == 4)
		memcpy(&w->m->gateway, nl_addr_get_binary_addr(gw), 4);
}

/** The interface's state now, asked from the kernel (seq not set).
 *  libnl's caches only signal that something changed: a link can sit in
 *  the link cache once per address family, and a lookup may then return a
 *  stale one. @return 0, -ENODEV, or -EIO */
int nlsnoop_state(struct nlsnoop *s, struct netcfg_msg *m)
{
	struct addr_walk w = { .m = m };
	struct nl_cache *addrs = NULL, *routes = NULL;
	struct rtnl_link *l = NULL;
	struct nl_addr *mac;
	int err;

	memset(m, 0, sizeof(*m));
	err = rtnl_link_get_kernel(s->q, 0, s->ifname, &l);
	if (err)
		return err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV ?
		       -ENODEV : -EIO;
	m->version = NETCFG_VERSION;
	m->size = sizeof(*m);
	w.ifindex = rtnl_link_get_ifindex(l);
	mac = rtnl_link_get_addr(l);
	if (mac && nl_addr_get_len(mac) == 6)
		memcpy(m->mac, nl_addr_get_binary_addr(mac), 6);
	m->mtu = rtnl_link_get_mtu(l);
	m->up = (rtnl_link_get_flags(l) & IFF_UP) ? 1 : 0;
	rtnl_link_put(l);
	err = rtnl_addr_alloc_cache(s->q, &addrs);
	if (!err)
		err = rtnl_route_alloc_cache(s->q, AF_INET, 0, &routes);
	if (!err) {
		nl_cache_foreach(addrs, pick_addr, &w);
		nl_cache_foreach(routes, pick_gateway, &w);
	}
	if (addrs)
		nl_cache_free(addrs);
	if (routes)
		nl_cache_free(routes);
	return err ? -EIO : 0;
}

static void report(struct nlsnoop *s, bool force)
{
	struct netcfg_msg m;

	if (nlsnoop_state(s, &m))
		return;		/* interface gone: keep the last state */
	m.seq = s->last.seq;
	if (!force && s->have_last && !memcmp(&m, &s->last, sizeof(m)))
		return;
	m.seq = ++s->seq;
	s->last = m;
	s->have_last = true;
	s->h(&m, s->arg);
}

/** Start watching @p ifname; @p h gets the first state at once.
 *  @return 0 or a negative errno */
int nlsnoop_open(struct nlsnoop **sp, const char *ifname, nlsnoop_h *h,
		 void *arg)
{
	struct nlsnoop *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return -ENOMEM;
	snprintf(s->ifname, sizeof(s->ifname), "%s", ifname);
	s->h = h;
	s->arg = arg;
	s->q = nl_socket_alloc();
	err = s->q ? nl_connect(s->q, NETLINK_ROUTE) : -NLE_NOMEM;
	if (!err)
		err = nl_cache_mngr_alloc(NULL, NETLINK_ROUTE, NL_AUTO_PROVIDE,
					  &s->mngr);
	if (!err)
		err = nl_cache_mngr_add(s->mngr, "route/link", changed, s,
					&s->links);
	if (!err)
		err = nl_cache_mngr_add(s->mngr, "route/addr", changed, s,
					&s->addrs);
	if (!err)
		err = nl_cache_mngr_add(s->mngr, "route/route", changed, s,
					&s->routes);
	if (err) {
		LOG_ERR("open: %s", nl_geterror(err));
		nlsnoop_close(s);
		return -EIO;
	}
	*sp = s;
	report(s, true);
	return 0;
}

/** Stop watching. @return NULL */
struct nlsnoop *nlsnoop_close(struct nlsnoop *s)
{
	if (s) {
		if (s->mngr)
			nl_cache_mngr_free(s->mngr);
		if (s->q)
			nl_socket_free(s->q);
		free(s);
	}
	return NULL;
}

/** The fd to poll for netlink news. */
int nlsnoop_fd(const struct nlsnoop *s)
{
	return nl_cache_mngr_get_fd(s->mngr);
}

/** Take what netlink sent and report the state if it changed.
 *  @return 0 or a negative errno */
int nlsnoop_process(struct nlsnoop *s)
{
	int err = nl_cache_mngr_data_ready(s->mngr);

	if (err < 0) {
		LOG_WARN("netlink: %s", nl_geterror(err));
		return -EIO;
	}
	report(s, false);
	return 0;
}

/** Report the current state again (the RT partition restarted). */
void nlsnoop_resend(struct nlsnoop *s)
{
	report(s, true);
}

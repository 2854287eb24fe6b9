/* SPDX-License-Identifier: MIT */
/** @file webnet.h  The shared interface's settings, changed through the
 *  kernel
 *
 * The web UI changes eth0 (the Linux partition's proxy interface) the way
 * `ip` does, over rtnetlink with libnl-route: MTU and MAC with
 * rtnl_link_change(), the address with rtnl_addr_delete()/add(), the
 * default route with rtnl_route_delete()/add(). netproxy sees each change
 * through its own netlink watch (linux-side/nlsnoop.h) and sends the
 * whole state to the RT partition, which applies it as it would after
 * `ip link set eth0 mtu 1400`. The state read back is nlsnoop_state()'s.
 *
 * Context: webd's loop (Linux side); needs CAP_NET_ADMIN.
 */
#ifndef LINUX_SIDE_WEB_WEBNET_H
#define LINUX_SIDE_WEB_WEBNET_H

#include <stddef.h>

#include "sharednet/netcfg.h"

int webnet_apply(const char *ifname, const struct netcfg_msg *cur,
		 const struct netcfg_msg *want, char *why, size_t size);

#endif /* LINUX_SIDE_WEB_WEBNET_H */

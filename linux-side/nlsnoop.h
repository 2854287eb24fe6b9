/* SPDX-License-Identifier: MIT */
/** @file nlsnoop.h  Watch the proxy interface's settings through netlink
 *
 * libnl's cache manager listens to the kernel's link, address and route
 * notifications; after each batch nlsnoop asks the kernel for the whole
 * state of one interface (MAC,
 * MTU, administrative up/down, first primary IPv4 address with its prefix,
 * default gateway through it) and calls the handler when it differs from the
 * last state reported. What `ip addr`, `ip link set ... mtu/address/up/down`
 * and `ip route` do to eth0 thus reaches the RT partition (netcfg.h).
 *
 * Context: the proxy's event loop (Linux side).
 */
#ifndef LINUX_SIDE_NLSNOOP_H
#define LINUX_SIDE_NLSNOOP_H

#include "sharednet/netcfg.h"

struct nlsnoop;

typedef void (nlsnoop_h)(const struct netcfg_msg *state, void *arg);

int  nlsnoop_open(struct nlsnoop **sp, const char *ifname, nlsnoop_h *h,
		  void *arg);
struct nlsnoop *nlsnoop_close(struct nlsnoop *s);
int  nlsnoop_fd(const struct nlsnoop *s);
int  nlsnoop_process(struct nlsnoop *s);
int  nlsnoop_state(struct nlsnoop *s, struct netcfg_msg *m);
void nlsnoop_resend(struct nlsnoop *s);

#endif /* LINUX_SIDE_NLSNOOP_H */

/* SPDX-License-Identifier: MIT */
/** @file netcfg.h  Channel 3: the shared interface's settings, Linux -> RT
 *
 * The Linux partition's proxy watches its interface eth0 through netlink
 * (`ip addr`, `ip link set ... mtu / address / up / down`, `ip route`) and
 * sends the whole resulting state in one message whenever any part changes,
 * when it starts, and when the RT partition restarts; the RT partition
 * applies it (addresses, MAC, MTU, link state, default gateway) to its stack
 * and classifier. A message carries the full state, so a lost or repeated
 * message cannot leave the two sides apart.
 *
 * A message of another version, size or with values out of range is refused
 * and counted by the RT side (netcfg_check()).
 */
#ifndef SHAREDNET_NETCFG_H
#define SHAREDNET_NETCFG_H

#include <stddef.h>
#include <stdint.h>

#define NETCFG_VERSION	1u
#define NETCFG_MTU_MIN	576u
#define NETCFG_MTU_MAX	9216u

struct netcfg_msg {
	uint16_t version;	/**< NETCFG_VERSION */
	uint16_t size;		/**< sizeof(struct netcfg_msg) */
	uint32_t seq;		/**< increases with each message */
	uint8_t mac[6];		/**< unicast */
	uint8_t up;		/**< 1: interface up */
	uint8_t prefix_len;	/**< 0..32 */
	uint32_t ip;		/**< network order; 0: no IPv4 address */
	uint32_t gateway;	/**< network order; 0: no default route */
	uint32_t mtu;		/**< NETCFG_MTU_MIN..NETCFG_MTU_MAX */
};

int netcfg_check(const void *rec, size_t len, struct netcfg_msg *out);
int netcfg_format(const struct netcfg_msg *m, char *buf, size_t len);

#endif /* SHAREDNET_NETCFG_H */

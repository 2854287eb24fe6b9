// SPDX-License-Identifier: MIT
/** @file netcfg.c  Channel 3 messages: check and describe */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sharednet/netcfg.h"

/** Check a record read from channel 3 and copy it into @p out.
 *  @return 0, -EPROTO (other version or size) or -EBADMSG (a value out of
 *  range: multicast or zero MAC, prefix > 32, MTU out of range, up not
 *  0/1) */
int netcfg_check(const void *rec, size_t len, struct netcfg_msg *out)
{
	static const uint8_t zero[6];
	struct netcfg_msg m;

	if (len != sizeof(m))
		return -EPROTO;
	memcpy(&m, rec, sizeof(m));
	if (m.version != NETCFG_VERSION || m.size != sizeof(m))
		return -EPROTO;
	if ((m.mac[0] & 1) || !memcmp(m.mac, zero, 6) || m.prefix_len > 32 ||
	    m.up > 1 || m.mtu < NETCFG_MTU_MIN || m.mtu > NETCFG_MTU_MAX ||
	    (m.ip && !m.prefix_len))
		return -EBADMSG;
	*out = m;
	return 0;
}

/** Describe @p m in one line ("02:00:.. 198.18.0.10/24 gw 198.18.0.1 mtu
 *  1500 up"). @return 0 or -ENOSPC */
int netcfg_format(const struct netcfg_msg *m, char *buf, size_t len)
{
	char ip[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN];
	int n;

	inet_ntop(AF_INET, &m->ip, ip, sizeof(ip));
	inet_ntop(AF_INET, &m->gateway, gw, sizeof(gw));
	n = snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x %s/%u gw %s "
		     "mtu %u %s", m->mac[0], m->mac[1], m->mac[2], m->mac[3],
		     m->mac[4], m->mac[5], ip, m->prefix_len,
		     m->gateway ? gw : "none", m->mtu, m->up ? "up" : "down");
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

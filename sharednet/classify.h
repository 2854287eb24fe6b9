/* SPDX-License-Identifier: MIT */
/** @file classify.h  Frame classifier: who gets each received frame
 *
 * The RT partition receives every frame from the NIC and asks the classifier
 * which partition it belongs to (DESIGN.md section 4):
 *
 *   frame                                         verdict
 *   not for our MAC, broadcast or multicast       DROP  (not_for_us)
 *   shorter than an Ethernet header, VLAN-tagged  DROP  (runt, vlan)
 *   ARP, well formed, broadcast or for our MAC    BOTH  (RT first, a copy to
 *                                                        Linux): both stacks
 *                                                        learn the sender
 *   ARP malformed                                 DROP  (bad_arp)
 *   IPv4 with a bad header (version, IHL, total   DROP  (bad_ip)
 *     length, truncated)
 *   IPv4 not for our address, not broadcast,      DROP  (ip_not_ours)
 *     not multicast
 *   IPv4 fragment (MF set or offset != 0)         LINUX (fragment): Linux
 *                                                        reassembles; an RT
 *                                                        port never gets
 *                                                        fragments
 *   ICMP echo request                             RT    (icmp_echo)
 *   other ICMP                                    LINUX (icmp_other)
 *   UDP truncated (header, or length field)       DROP  (bad_udp)
 *   UDP to a port of the RT set (ports.h)         RT    (udp_rt)
 *   UDP to any other port                         LINUX (udp_linux)
 *   TCP and any other IPv4 protocol               LINUX (ip_other)
 *   IPv6, and every other Ethernet type           LINUX (ipv6, other_type)
 *
 * Subnet broadcast is ip | ~netmask, except on a /31 (RFC 3021: no
 * broadcast there). cls_classify() sets *udp_port for udp_rt and udp_linux
 * and leaves it alone otherwise; cls_init()'s addr may point at c->addr.
 *
 * The IPv4 header checksum is not verified here (the RT stack and Linux both
 * check it; a frame with a bad checksum reaches at most one of them and is
 * dropped there). Every decision is counted by reason.
 *
 * Context: the RT partition's network task; pure computation on the frame,
 * never blocks, never allocates. The addresses change at run time (the Linux
 * side's `ip addr` / `ip link` are applied through the bus): cls_set_addr()
 * from the same task.
 */
#ifndef SHAREDNET_CLASSIFY_H
#define SHAREDNET_CLASSIFY_H

#include <stddef.h>
#include <stdint.h>

#include "sharednet/ports.h"

enum cls_verdict { CLS_RT, CLS_LINUX, CLS_BOTH, CLS_DROP, CLS_V_COUNT };

enum cls_reason {
	CLS_R_NOT_FOR_US,
	CLS_R_RUNT,
	CLS_R_VLAN,
	CLS_R_ARP,
	CLS_R_BAD_ARP,
	CLS_R_BAD_IP,
	CLS_R_IP_NOT_OURS,
	CLS_R_FRAGMENT,
	CLS_R_ICMP_ECHO,
	CLS_R_ICMP_OTHER,
	CLS_R_BAD_UDP,
	CLS_R_UDP_RT,
	CLS_R_UDP_LINUX,
	CLS_R_IP_OTHER,
	CLS_R_IPV6,
	CLS_R_OTHER_TYPE,
	CLS_R_COUNT
};

struct cls_addr {
	uint8_t mac[6];
	uint32_t ip;		/**< network byte order; 0: none yet */
	uint32_t netmask;	/**< network byte order (subnet broadcast) */
};

struct cls {
	struct cls_addr addr;
	const struct ports_shm *ports;
	uint64_t verdicts[CLS_V_COUNT];	/**< by enum cls_verdict */
	uint64_t reasons[CLS_R_COUNT];	/**< by enum cls_reason */
};

void cls_init(struct cls *c, const struct cls_addr *addr,
	      const struct ports_shm *ports);
void cls_set_addr(struct cls *c, const struct cls_addr *addr);
enum cls_verdict cls_classify(struct cls *c, const uint8_t *frame,
			      size_t len, uint16_t *udp_port);
const char *cls_reason_name(enum cls_reason r);
const char *cls_verdict_name(enum cls_verdict v);

#endif /* SHAREDNET_CLASSIFY_H */

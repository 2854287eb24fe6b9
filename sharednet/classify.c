// SPDX-License-Identifier: MIT
/** @file classify.c  Frame classifier: who gets each received frame
 *
 * One pass over the headers, front to back, each field read only after a
 * bounds check against the bytes received: the frame comes off the wire and
 * is attacker-controlled. The parse yields a reason (enum cls_reason); the
 * reason decides the verdict through one table, so the two sets of counters
 * always agree.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <string.h>

#include "rtos-kernel/rtk.h"
#include "sharednet/classify.h"

/* Ethernet II (IEEE 802.3 clause 3): destination, source, type */
#define ETH_ALEN	6
#define ETH_HLEN	14
#define ETH_OFF_TYPE	12
#define ETH_MCAST_BIT	0x01	/* I/G bit of the first destination octet */

/* EtherTypes (IEEE registry) */
#define ETYPE_IPV4	0x0800
#define ETYPE_ARP	0x0806
#define ETYPE_VLAN	0x8100	/* IEEE 802.1Q C-tag */
#define ETYPE_QINQ	0x88a8	/* IEEE 802.1ad S-tag */
#define ETYPE_IPV6	0x86dd

/* ARP over Ethernet for IPv4 (RFC 826) */
#define ARP_LEN		28	/* fixed body: 8 + 2 * (6 + 4) */
#define ARP_OFF_HTYPE	0
#define ARP_OFF_PTYPE	2
#define ARP_OFF_HLEN	4
#define ARP_OFF_PLEN	5
#define ARP_OFF_OP	6
#define ARP_HTYPE_ETH	1
#define ARP_PLEN_IPV4	4
#define ARP_OP_REQUEST	1
#define ARP_OP_REPLY	2

/* IPv4 header (RFC 791 section 3.1) */
#define IP_MIN_HLEN	20
#define IP_OFF_VIHL	0
#define IP_OFF_TOTLEN	2
#define IP_OFF_FRAG	6
#define IP_OFF_PROTO	9
#define IP_OFF_DST	16
#define IP_VERSION	4
#define IP_IHL_MASK	0x0f	/* low nibble of byte 0: header length */
#define IP_IHL_MIN	5	/* in 32-bit words */
#define IP_WORD		4	/* IHL unit: bytes in a 32-bit word */
#define IP_FLAG_MF	0x2000
#define IP_FRAG_OFFSET	0x1fff
#define IP_BCAST	0xffffffffu	/* limited broadcast (RFC 919) */
#define IP_MCAST_MASK	0xf0000000u	/* 224.0.0.0/4 (RFC 5771) */
#define IP_MCAST_NET	0xe0000000u

/* IANA protocol numbers */
#define IPPROTO_NUM_ICMP 1
#define IPPROTO_NUM_UDP	17

/* ICMP (RFC 792): an echo request has an 8-byte header */
#define ICMP_ECHO_HLEN	8
#define ICMP_TYPE_ECHO	8

/* UDP header (RFC 768) */
#define UDP_HLEN	8
#define UDP_OFF_DPORT	2
#define UDP_OFF_LEN	4

static const enum cls_verdict verdict_of[CLS_R_COUNT] = {
	[CLS_R_NOT_FOR_US]	= CLS_DROP,
	[CLS_R_RUNT]		= CLS_DROP,
	[CLS_R_VLAN]		= CLS_DROP,
	[CLS_R_ARP]		= CLS_BOTH,
	[CLS_R_BAD_ARP]		= CLS_DROP,
	[CLS_R_BAD_IP]		= CLS_DROP,
	[CLS_R_IP_NOT_OURS]	= CLS_DROP,
	[CLS_R_FRAGMENT]	= CLS_LINUX,
	[CLS_R_ICMP_ECHO]	= CLS_RT,
	[CLS_R_ICMP_OTHER]	= CLS_LINUX,
	[CLS_R_BAD_UDP]		= CLS_DROP,
	[CLS_R_UDP_RT]		= CLS_RT,
	[CLS_R_UDP_LINUX]	= CLS_LINUX,
	[CLS_R_IP_OTHER]	= CLS_LINUX,
	[CLS_R_IPV6]		= CLS_LINUX,
	[CLS_R_OTHER_TYPE]	= CLS_LINUX,
};

static const char *const reason_names[CLS_R_COUNT] = {
	[CLS_R_NOT_FOR_US]	= "not_for_us",
	[CLS_R_RUNT]		= "runt",
	[CLS_R_VLAN]		= "vlan",
	[CLS_R_ARP]		= "arp",
	[CLS_R_BAD_ARP]		= "bad_arp",
	[CLS_R_BAD_IP]		= "bad_ip",
	[CLS_R_IP_NOT_OURS]	= "ip_not_ours",
	[CLS_R_FRAGMENT]	= "fragment",
	[CLS_R_ICMP_ECHO]	= "icmp_echo",
	[CLS_R_ICMP_OTHER]	= "icmp_other",
	[CLS_R_BAD_UDP]		= "bad_udp",
	[CLS_R_UDP_RT]		= "udp_rt",
	[CLS_R_UDP_LINUX]	= "udp_linux",
	[CLS_R_IP_OTHER]	= "ip_other",
	[CLS_R_IPV6]		= "ipv6",
	[CLS_R_OTHER_TYPE]	= "other_type",
};

#define N_VERDICTS (sizeof(((struct cls *)0)->verdicts) / \
		    sizeof(((struct cls *)0)->verdicts[0]))

static const char *const verdict_names[N_VERDICTS] = {
	[CLS_RT]	= "rt",
	[CLS_LINUX]	= "linux",
	[CLS_BOTH]	= "both",
	[CLS_DROP]	= "drop",
};

_Static_assert(CLS_DROP + 1 == N_VERDICTS, "one counter per verdict");

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* Ours, broadcast or any multicast (broadcast has the group bit too). */
static inline bool mac_accepted(const struct cls *c, const uint8_t *dst)
{
	return (dst[0] & ETH_MCAST_BIT) ||
	       !memcmp(dst, c->addr.mac, ETH_ALEN);
}

/* @p arp points at the @p len (maybe 0) bytes after the Ethernet header. */
static enum cls_reason classify_arp(const uint8_t *arp, size_t len)
{
	uint16_t op;

	if (len < ARP_LEN ||
	    get16(arp + ARP_OFF_HTYPE) != ARP_HTYPE_ETH ||
	    get16(arp + ARP_OFF_PTYPE) != ETYPE_IPV4 ||
	    arp[ARP_OFF_HLEN] != ETH_ALEN ||
	    arp[ARP_OFF_PLEN] != ARP_PLEN_IPV4)
		return CLS_R_BAD_ARP;
	op = get16(arp + ARP_OFF_OP);
	if (op != ARP_OP_REQUEST && op != ARP_OP_REPLY)
		return CLS_R_BAD_ARP;
	return CLS_R_ARP;
}

/* Destination @p dst (host order) is ours, a broadcast or a multicast. */
static inline bool ip_accepted(const struct cls_addr *a, uint32_t dst)
{
	uint32_t ip, host;

	if (dst == IP_BCAST || (dst & IP_MCAST_MASK) == IP_MCAST_NET)
		return true;
	if (!a->ip)
		return false;		/* not configured: no unicast yet */
	ip = ntohl(a->ip);
	if (dst == ip)
		return true;
	/* subnet-directed broadcast; a /31 has none (RFC 3021), a /32 is ip */
	host = ~ntohl(a->netmask);
	return host > 1 && dst == (ip | host);
}

/* @p udp points at the @p len bytes of the IP payload (total length minus
 * the header; padding excluded). */
static enum cls_reason classify_udp(const struct cls *c, const uint8_t *udp,
				    size_t len, uint16_t *udp_port)
{
	uint16_t ulen, port;

	if (len < UDP_HLEN)
		return CLS_R_BAD_UDP;
	ulen = get16(udp + UDP_OFF_LEN);
	if (ulen < UDP_HLEN || ulen > len)
		return CLS_R_BAD_UDP;
	port = get16(udp + UDP_OFF_DPORT);
	if (udp_port)
		*udp_port = port;
	return ports_is_rt(c->ports, port) ? CLS_R_UDP_RT : CLS_R_UDP_LINUX;
}

/* @p ip points at the @p len (maybe 0) bytes after the Ethernet header. */
static enum cls_reason classify_ipv4(const struct cls *c, const uint8_t *ip,
				     size_t len, uint16_t *udp_port)
{
	size_t hlen, totlen;
	uint8_t proto;

	if (len < IP_MIN_HLEN || ip[IP_OFF_VIHL] >> 4 != IP_VERSION)
		return CLS_R_BAD_IP;
	hlen = (size_t)(ip[IP_OFF_VIHL] & IP_IHL_MASK) * IP_WORD;
	totlen = get16(ip + IP_OFF_TOTLEN);
	/* Ethernet pads short frames to 60 bytes: len may exceed totlen */
	if (hlen < IP_IHL_MIN * IP_WORD || hlen > len ||
	    totlen < hlen || totlen > len)
		return CLS_R_BAD_IP;
	if (!ip_accepted(&c->addr, get32(ip + IP_OFF_DST)))
		return CLS_R_IP_NOT_OURS;
	if (get16(ip + IP_OFF_FRAG) & (IP_FLAG_MF | IP_FRAG_OFFSET))
		return CLS_R_FRAGMENT;

	proto = ip[IP_OFF_PROTO];
	if (proto == IPPROTO_NUM_UDP)
		return classify_udp(c, ip + hlen, totlen - hlen, udp_port);
	if (proto != IPPROTO_NUM_ICMP)
		return CLS_R_IP_OTHER;
	/* a truncated echo request is Linux's to count and drop */
	if (totlen - hlen >= ICMP_ECHO_HLEN && ip[hlen] == ICMP_TYPE_ECHO)
		return CLS_R_ICMP_ECHO;
	return CLS_R_ICMP_OTHER;
}

static enum cls_reason classify(const struct cls *c, const uint8_t *frame,
				size_t len, uint16_t *udp_port)
{
	uint16_t type;

	if (len < ETH_HLEN)
		return CLS_R_RUNT;
	if (!mac_accepted(c, frame))
		return CLS_R_NOT_FOR_US;
	type = get16(frame + ETH_OFF_TYPE);
	switch (type) {
	case ETYPE_IPV4:
		return classify_ipv4(c, frame + ETH_HLEN, len - ETH_HLEN,
				     udp_port);
	case ETYPE_ARP:
		return classify_arp(frame + ETH_HLEN, len - ETH_HLEN);
	case ETYPE_IPV6:
		return CLS_R_IPV6;
	case ETYPE_VLAN:
	case ETYPE_QINQ:
		return CLS_R_VLAN;
	default:
		return CLS_R_OTHER_TYPE;
	}
}

/** Set up a classifier: addresses, RT port set, counters at zero.
 *  @param c      the classifier
 *  @param addr   our MAC, IPv4 address and netmask (copied; may point to
 *                c->addr, filled in beforehand)
 *  @param ports  the RT port set (in the bus region); read on every UDP
 *                frame, so it must outlive @p c. Never NULL.
 *  Context: the RT partition's network task, before its first frame. */
void cls_init(struct cls *c, const struct cls_addr *addr,
	      const struct ports_shm *ports)
{
	struct cls_addr a;

	RTK_ASSERT(c && addr && ports);
	a = *addr;		/* @p addr may be &c->addr */
	memset(c, 0, sizeof(*c));
	c->addr = a;
	c->ports = ports;
}

/** Change the addresses (the Linux side ran `ip addr` or `ip link`); the
 *  next frame is classified with them. Counters are kept.
 *  @param c     the classifier
 *  @param addr  new MAC, IPv4 address (0: none) and netmask (copied)
 *  Context: the task that calls cls_classify(). */
void cls_set_addr(struct cls *c, const struct cls_addr *addr)
{
	RTK_ASSERT(c && addr);
	c->addr = *addr;
}

/** Decide which partition gets a received frame, and count the decision
 *  in c->verdicts[] and c->reasons[] (one increment of each per call).
 *  @param c         the classifier
 *  @param frame     the frame from the destination MAC on, without the FCS;
 *                   may be NULL when @p len is 0
 *  @param len       bytes in @p frame; Ethernet padding allowed
 *  @param udp_port  if not NULL, set to the UDP destination port when the
 *                   reason is udp_rt or udp_linux; left alone otherwise
 *  @return CLS_RT, CLS_LINUX, CLS_BOTH or CLS_DROP, as the table of
 *          classify.h says
 *  Context: the RT partition's network task; never blocks, never
 *  allocates; reads at most the first @p len bytes of @p frame. */
enum cls_verdict cls_classify(struct cls *c, const uint8_t *frame,
			      size_t len, uint16_t *udp_port)
{
	enum cls_reason r = classify(c, frame, len, udp_port);
	enum cls_verdict v = verdict_of[r];

	c->reasons[r]++;
	c->verdicts[v]++;
	return v;
}

/** Counter name of a reason ("not_for_us", "udp_rt", ...).
 *  @return a static string; "unknown" for a value out of range.
 *  Context: any. */
const char *cls_reason_name(enum cls_reason r)
{
	if ((unsigned int)r >= CLS_R_COUNT)
		return "unknown";
	return reason_names[r];
}

/** Counter name of a verdict ("rt", "linux", "both", "drop").
 *  @return a static string; "unknown" for a value out of range.
 *  Context: any. */
const char *cls_verdict_name(enum cls_verdict v)
{
	if ((unsigned int)v >= N_VERDICTS)
		return "unknown";
	return verdict_names[v];
}

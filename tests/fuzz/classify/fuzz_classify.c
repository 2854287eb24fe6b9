// SPDX-License-Identifier: MIT
/** @file fuzz_classify.c  Fuzz the frame classifier
 *
 * The input is one received Ethernet frame (destination MAC first, no FCS),
 * as in the seed corpus. The gateway is 02:00:5e:12:34:56, 198.18.0.10/24,
 * with the default RT ports (7, 16384-32767). Each frame is classified
 * from a heap copy of exactly its size, so a read past the end is an ASan
 * report also in the replay build, then checked:
 *  - the verdict is one of the four, and the one the reason implies;
 *  - exactly one reason counter and one verdict counter moved, by one;
 *  - udp_rt implies the port is in the RT set; the port reported for
 *    udp_rt and udp_linux is the destination port in the frame, and no
 *    other reason touches it;
 *  - the same frame classifies the same way twice;
 *  - with no IPv4 address configured, the frame is never accepted as
 *    IPv4 unicast for us.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sharednet/classify.h"
#include "sharednet/ports.h"

#define OFF_IP		14
#define OFF_IP_DST	(OFF_IP + 16)

static struct ports_shm ports;
static struct cls cls, cls_noip;

static void init_once(void)
{
	struct cls_addr a = {
		.mac = { 0x02, 0x00, 0x5e, 0x12, 0x34, 0x56 },
	};

	if (ports_claim(&ports, 7, 7) || ports_claim(&ports, 16384, 32767))
		abort();
	cls_init(&cls_noip, &a, &ports);	/* ip 0: not configured */
	a.ip = htonl(0xc612000a);		/* 198.18.0.10 */
	a.netmask = htonl(0xffffff00);		/* /24 */
	cls_init(&cls, &a, &ports);
}

static enum cls_verdict verdict_of(enum cls_reason r)
{
	switch (r) {
	case CLS_R_ARP:
		return CLS_BOTH;
	case CLS_R_ICMP_ECHO:
	case CLS_R_UDP_RT:
		return CLS_RT;
	case CLS_R_FRAGMENT:
	case CLS_R_ICMP_OTHER:
	case CLS_R_UDP_LINUX:
	case CLS_R_IP_OTHER:
	case CLS_R_IPV6:
	case CLS_R_OTHER_TYPE:
		return CLS_LINUX;
	default:
		return CLS_DROP;
	}
}

/* Reasons given only after the IPv4 destination was accepted */
static bool ipv4_accepted(enum cls_reason r)
{
	switch (r) {
	case CLS_R_FRAGMENT:
	case CLS_R_ICMP_ECHO:
	case CLS_R_ICMP_OTHER:
	case CLS_R_BAD_UDP:
	case CLS_R_UDP_RT:
	case CLS_R_UDP_LINUX:
	case CLS_R_IP_OTHER:
		return true;
	default:
		return false;
	}
}

/* Classify once with @p c and check every invariant. @p sentinel goes in
 * the port output first: it must still be there unless the reason is UDP.
 * @return the reason */
static enum cls_reason check_one(struct cls *c, const uint8_t *frame,
				 size_t len, uint16_t sentinel)
{
	struct cls before = *c;
	enum cls_reason reason = CLS_R_COUNT;
	enum cls_verdict v;
	uint16_t port = sentinel;
	int moved = 0;

	v = cls_classify(c, frame, len, &port);
	if ((unsigned int)v > CLS_DROP)
		abort();
	for (int i = 0; i < CLS_R_COUNT; i++) {
		uint64_t d = c->reasons[i] - before.reasons[i];

		if (d > 1)
			abort();
		if (d == 1) {
			moved++;
			reason = (enum cls_reason)i;
		}
	}
	if (moved != 1)
		abort();
	for (int i = 0; i <= CLS_DROP; i++)
		if (c->verdicts[i] - before.verdicts[i] != (i == (int)v))
			abort();
	if (verdict_of(reason) != v)
		abort();

	if (reason == CLS_R_UDP_RT || reason == CLS_R_UDP_LINUX) {
		/* the classifier checked that the UDP header is there;
		 * low nibble of the first IP byte: header length in words */
		size_t l4 = OFF_IP + (size_t)(frame[OFF_IP] & 0x0f) * 4;

		if (port != (uint16_t)(frame[l4 + 2] << 8 | frame[l4 + 3]))
			abort();
		if ((reason == CLS_R_UDP_RT) != ports_is_rt(&ports, port))
			abort();
	} else if (port != sentinel) {
		abort();
	}
	return reason;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	enum cls_reason r, r_noip;
	uint8_t *frame;

	if (!ready) {
		init_once();
		ready = 1;
	}
	/* exactly @p size bytes: the replay driver hands a larger buffer */
	frame = malloc(size ? size : 1);
	if (!frame)
		return 0;
	memcpy(frame, data, size);

	r = check_one(&cls, frame, size, 0x5a5a);
	if (check_one(&cls, frame, size, 0xa5a5) != r)
		abort();

	r_noip = check_one(&cls_noip, frame, size, 0);
	if (r_noip != r && r_noip != CLS_R_IP_NOT_OURS)
		abort();	/* only the IPv4 destination test may differ */
	if (ipv4_accepted(r_noip)) {
		/* accepted without an address: 255.255.255.255 or 224/4 */
		const uint8_t *d = frame + OFF_IP_DST;
		bool bcast = d[0] == 0xff && d[1] == 0xff && d[2] == 0xff &&
			     d[3] == 0xff;

		if (!bcast && (d[0] & 0xf0) != 0xe0)
			abort();
	}
	free(frame);
	return 0;
}

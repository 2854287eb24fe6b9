// SPDX-License-Identifier: MIT
/** @file fuzz_nic_csum.c  Fuzz the NIC's UDP/TCP checksum completion
 *
 * The input is one received Ethernet frame (destination MAC first, no FCS),
 * as the AF_PACKET driver hands it to nic_csum_complete() when the kernel
 * flags it TP_STATUS_CSUMNOTREADY; the seed corpus holds such frames,
 * captured on a veth, some VLAN-tagged. The frame is completed in a heap
 * copy of exactly its size, so a read or write past its end is an ASan
 * report also in the replay build, then checked against a model of the
 * frames the routine handles (Ethernet with up to two VLAN tags, then IPv4
 * without fragmentation or IPv6 without extension headers, then UDP or
 * TCP, lengths taken from the IP header):
 *  - it writes a checksum exactly when the model finds such a frame;
 *  - nothing changes but the two bytes of that checksum field, and
 *    nothing at all when it writes none;
 *  - the written checksum verifies: the ones' complement sum over the
 *    pseudo-header and the segment is 0xffff (RFC 1071), and a UDP
 *    checksum is never 0, which means "none" (RFC 768);
 *  - completing the result again changes nothing.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hal/nic_priv.h"

/* Where the model finds the L4 checksum, and what it covers */
struct l4 {
	size_t seg;		/* offset of the UDP/TCP header */
	size_t seg_len;		/* its length, from the IP header */
	size_t field;		/* offset of the checksum field */
	uint32_t pseudo;	/* pseudo-header sum, without the length */
	uint8_t proto;
};

static unsigned int be16(const uint8_t *p)
{
	return (unsigned int)p[0] << 8 | p[1];
}

static uint32_t sum16(uint32_t s, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += be16(p + i);
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	return s;
}

static unsigned int fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

/* The model: Ethernet, up to two 802.1Q / 802.1ad tags, then IPv4 or
 * IPv6. @return whether the frame has a checksum to complete */
static bool model(const uint8_t *f, size_t len, struct l4 *m)
{
	size_t ip, end;
	unsigned int type;
	int tags = 0;

	if (len < 14)
		return false;
	ip = 14;
	type = be16(f + 12);
	while ((type == 0x8100 || type == 0x88a8) && tags < 2) {
		if (len < ip + 4)
			return false;
		type = be16(f + ip + 2);
		ip += 4;
		tags++;
	}
	if (type == 0x0800) {
		size_t hl, tot;

		if (len - ip < 20 || f[ip] >> 4 != 4)
			return false;
		hl = (size_t)(f[ip] & 0x0f) * 4;
		tot = be16(f + ip + 2);
		if (hl < 20 || tot < hl || ip + tot > len)
			return false;
		if (be16(f + ip + 6) & 0x3fff)	/* MF or an offset */
			return false;
		m->proto = f[ip + 9];
		m->seg = ip + hl;
		end = ip + tot;
		m->pseudo = sum16(0, f + ip + 12, 8);
	} else if (type == 0x86dd) {
		if (len - ip < 40 || f[ip] >> 4 != 6)
			return false;
		end = ip + 40 + be16(f + ip + 4);
		if (end > len)
			return false;
		m->proto = f[ip + 6];
		m->seg = ip + 40;
		m->pseudo = sum16(0, f + ip + 8, 32);
	} else {
		return false;
	}
	m->seg_len = end - m->seg;
	if (m->proto == 17 && m->seg_len >= 8)
		m->field = m->seg + 6;
	else if (m->proto == 6 && m->seg_len >= 20)
		m->field = m->seg + 16;
	else
		return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *frame, *done;
	bool wrote, expect;
	struct l4 m;
	uint32_t s;
	size_t i;

	/* exactly @p size bytes: the replay driver hands a larger buffer */
	frame = malloc(size ? size : 1);
	done = malloc(size ? size : 1);
	if (!frame || !done)
		abort();
	memcpy(frame, data, size);

	wrote = nic_csum_complete(frame, size);
	expect = model(data, size, &m);
	if (wrote != expect)
		abort();
	for (i = 0; i < size; i++)
		if (frame[i] != data[i] && !(wrote && (i == m.field ||
						      i == m.field + 1)))
			abort();
	if (wrote) {
		s = m.pseudo + m.proto + (uint32_t)m.seg_len;
		if (fold(sum16(s, frame + m.seg, m.seg_len)) != 0xffff)
			abort();
		if (m.proto == 17 && !be16(frame + m.field))
			abort();
	}

	memcpy(done, frame, size);
	if (nic_csum_complete(frame, size) != wrote ||
	    memcmp(frame, done, size))
		abort();
	free(done);
	free(frame);
	return 0;
}

// SPDX-License-Identifier: MIT
/** @file fuzz_udptl.c  Fuzz the T.38 input path: UDPTL packets and the
 *  IFP packets they carry
 *
 * The input is a run of UDP payloads as a T.38 leg receives them: each a
 * length octet and that many octets (what is left when the length runs
 * past the end is one more packet). Each goes, from an exact-size heap
 * copy, through udptl_recv(); every IFP packet it hands on must lie
 * inside that copy and come in rising sequence numbers, and the counters
 * must add up. The IFP packets then go to SpanDSP's T.38 core, as a fax
 * terminal receives them (its IFP decoder reads what the network sent).
 * The seed corpus holds packets with redundancy, FEC, and real IFP
 * packets (indicators, V.21 HDLC data).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SPANDSP_EXPOSE_INTERNAL_STRUCTURES
#include <spandsp.h>

#include "media/udptl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
	const uint8_t *pkt;
	size_t len;
	bool any;
	uint16_t last;
	uint64_t ifp;
	t38_core_state_t *core;
};

static void on_ifp(void *arg, const uint8_t *ifp, size_t len, uint16_t seq)
{
	struct seen *s = arg;

	if (ifp < s->pkt || len > s->len || ifp + len > s->pkt + s->len)
		abort();
	if (s->any && (uint16_t)(seq - s->last) == 0)
		abort();		/* handed on twice */
	if (s->any && (uint16_t)(seq - s->last) > 32768)
		abort();		/* not in rising order */
	s->any = true;
	s->last = seq;
	s->ifp++;
	t38_core_rx_ifp_packet(s->core, ifp, (int)len, seq);
}

static int tx_none(t38_core_state_t *s, void *arg, const uint8_t *buf,
		   int len, int count)
{
	(void)s;
	(void)arg;
	(void)buf;
	(void)len;
	(void)count;
	return 0;
}

static t38_terminal_state_t term;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct udptl_rx rx;
	struct seen s = { 0 };
	size_t at = 0;

	if (!t38_terminal_init(&term, 0, tx_none, NULL))
		abort();
	s.core = t38_terminal_get_t38_core_state(&term);
	udptl_rx_init(&rx);
	while (at < size) {
		size_t n = data[at++];
		uint8_t *copy;
		uint64_t before = rx.st.packets + rx.st.malformed;

		if (n > size - at)
			n = size - at;
		copy = malloc(n ? n : 1);
		if (!copy)
			abort();
		memcpy(copy, data + at, n);
		s.pkt = copy;
		s.len = n;
		udptl_recv(&rx, copy, n, on_ifp, &s);
		if (rx.st.packets + rx.st.malformed != before + 1)
			abort();
		free(copy);
		at += n;
	}
	if (s.ifp != rx.st.ifp || rx.st.recovered > rx.st.ifp ||
	    rx.st.ifp > rx.st.packets * (1 + UDPTL_SECONDARY_MAX))
		abort();
	t38_terminal_release(&term);
	return 0;
}

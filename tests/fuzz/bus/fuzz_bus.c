// SPDX-License-Identifier: MIT
/** @file fuzz_bus.c  Fuzz the proxy bus: region check and record reader
 *
 * The other partition writes the shared region, so everything in it is input.
 * Byte 0 of the fuzz input picks a mode:
 *  - even: the rest overwrites the start of a valid region (header, ring
 *    control blocks); bus_check() must refuse it or every ring must then
 *    read safely;
 *  - odd: bytes 1..16 become one ring's head and tail, the rest its data;
 *    the consumer reads until empty or corrupt. Either way, a record pushed
 *    afterwards must come out intact: the reader always recovers.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sharednet/bus.h"

#define HDR_AREA (3 * 4096)	/* header, control blocks, status start */

static uint8_t *template;
static size_t region_size;

static void init_template(void)
{
	struct bus_cfg cfg;
	struct bus *b;
	void *base;

	/* the smallest rings the bus accepts keep each run cheap */
	for (int i = 0; i < BUS_NCHAN; i++)
		cfg.ring_bytes[i] = 4096;
	cfg.ring_bytes[BUS_CH_FRAMES_UP] = 65536;
	cfg.ring_bytes[BUS_CH_FRAMES_DOWN] = 65536;
	cfg.ring_bytes[BUS_CH_MSG_UP] = 8192;
	cfg.ring_bytes[BUS_CH_MSG_DOWN] = 8192;
	if (bus_create(&b, &cfg))
		abort();
	base = bus_region(b, &region_size);
	template = malloc(region_size);
	memcpy(template, base, region_size);
	bus_detach(b);
}

/* read everything queued on every ring; then check the rings still work */
static void drain_all(uint8_t *region)
{
	const struct bus_shm_hdr *h = (const struct bus_shm_hdr *)region;
	static uint8_t buf[BUS_MAX_FRAME];
	static struct rtstat st;

	/* the status page is the RT side's too: reading it must be safe */
	if (!rtstat_read((const struct rtstat *)(region + h->status_off), &st))
		for (uint32_t i = 0; i < st.ncounters; i++)
			if (strlen(st.counter[i].name) >= RTSTAT_NAME)
				abort();

	for (int i = 0; i < BUS_NCHAN; i++) {
		const struct bus_chan_desc *c = &h->chan[i];
		struct ring prod, cons;
		struct ring_shm *shm = (struct ring_shm *)(region + c->ctl_off);
		ssize_t n;
		int loops = 0;

		if (ring_open(&cons, shm, region + c->data_off, c->data_size,
			      c->max_record, -1))
			abort();	/* bus_check() accepted it */
		while ((n = ring_pop(&cons, buf, sizeof(buf))) != -EAGAIN &&
		       n != -EBADMSG && ++loops < 100000)
			if (n < 0 && n != -EMSGSIZE)
				abort();
		if (n == -EBADMSG || loops >= 100000) {
			/* the producer side is garbage: restart it from the
			 * consumer's position, as a restarted producer would */
			atomic_store(&shm->head, atomic_load(&shm->tail));
		}
		if (ring_open(&prod, shm, region + c->data_off, c->data_size,
			      c->max_record, -1))
			abort();
		if (ring_push(&prod, "probe", 5))
			continue;	/* full of garbage records: fine */
		while ((n = ring_pop(&cons, buf, sizeof(buf))) >= 0 &&
		       !(n == 5 && !memcmp(buf, "probe", 5)))
			;
		if (n < 0 && n != -EBADMSG)
			abort();	/* the probe was lost */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *region;
	char why[256];

	if (!template)
		init_template();
	if (size < 1)
		return 0;
	region = malloc(region_size);
	memcpy(region, template, region_size);
	if (!(data[0] & 1)) {
		size_t n = size - 1 < HDR_AREA ? size - 1 : HDR_AREA;

		memcpy(region, data + 1, n);
		if (bus_check(region, region_size, why, sizeof(why)) == 0)
			drain_all(region);
	} else if (size >= 17) {
		const struct bus_shm_hdr *h = (const struct bus_shm_hdr *)region;
		int ch = data[0] / 2 % BUS_NCHAN;
		const struct bus_chan_desc *c = &h->chan[ch];
		struct ring_shm *shm = (struct ring_shm *)(region + c->ctl_off);
		uint64_t head, tail;
		size_t n = size - 17 < c->data_size ? size - 17 : c->data_size;

		memcpy(&head, data + 1, 8);
		memcpy(&tail, data + 9, 8);
		atomic_store(&shm->head, head);
		atomic_store(&shm->tail, tail);
		memcpy(region + c->data_off, data + 17, n);
		if (bus_check(region, region_size, why, sizeof(why)) == 0)
			drain_all(region);
	}
	free(region);
	return 0;
}

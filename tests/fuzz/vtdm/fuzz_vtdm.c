// SPDX-License-Identifier: MIT
/** @file fuzz_vtdm.c  Fuzz the virtual card's region, from the card side
 *
 * The far end (another program) writes the region, so everything in it is
 * input for the RT partition. Byte 0 of the fuzz input picks a mode:
 *  - even: the rest overwrites the start of a valid region's header;
 *    vtdm_check() must refuse it, or the card must open it and run safely;
 *  - odd: the rest overwrites every channel's control lines (ring indices,
 *    state words, counters), cycling over the input; the card opens and
 *    runs on them.
 * Either way, once the card ran, a far end that attaches must exchange a
 * chunk with the card intact, both ways: the card always recovers.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hal/tdm.h"
#include "hal/vtdm.h"
#include "rtos-kernel/log.h"

#define HDR_AREA	512

static uint8_t *template;
static size_t region_size;

static void init_template(void)
{
	struct tdm_layout l;
	void *base;
	int fd;

	log_level_set("tdm", LOG_LEVEL_WARN);
	log_level_set("vtdm", LOG_LEVEL_ERR);
	if (tdm_layout_parse("fxs:1,fxo:1,e1:2", &l, NULL, 0) ||
	    vtdm_create(&fd, &l))
		abort();
	region_size = vtdm_region_size(&l, VTDM_RING_SAMPLES);
	base = mmap(NULL, region_size, PROT_READ, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED)
		abort();
	template = malloc(region_size);
	memcpy(template, base, region_size);
	munmap(base, region_size);
	close(fd);
}

static void run_card(struct tdm *t)
{
	int16_t pcm[TDM_CHUNK] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct tdm_span_info si;
	struct tdm_event ev;
	unsigned s, c;

	for (int round = 0; round < 3; round++) {
		tdm_ticks(t);
		for (s = 0; s < tdm_span_count(t); s++) {
			if (tdm_span_info(t, s, &si))
				abort();
			for (c = 0; c < si.nchans; c++) {
				tdm_read(t, s, c, pcm, TDM_CHUNK);
				tdm_write(t, s, c, pcm, TDM_CHUNK);
				tdm_command(t, s, c, (enum tdm_cmd)(round % 6));
			}
		}
		while (!tdm_event_get(t, &ev))
			if (ev.span >= tdm_span_count(t))
				abort();
	}
}

/* a chunk each way between the card and a far end attached after it */
static void probe(struct tdm *t, int fd)
{
	static const int16_t want[TDM_CHUNK] = { 9, -9, 99, -99, 999, -999,
						 9999, -9999 };
	int16_t got[TDM_CHUNK];
	struct vtdm_far *f = NULL;
	struct tdm_stats st;

	if (vtdm_attach_far(&f, fd, NULL, 0))
		return;		/* a live "far end" pid: refused, fine */
	if (vtdm_far_write(f, 0, want, TDM_CHUNK) != TDM_CHUNK)
		abort();
	tdm_stats_get(t, &st);
	tdm_read(t, 0, 0, got, TDM_CHUNK);
	if (memcmp(got, want, sizeof(want)))
		abort();
	tdm_write(t, 0, 0, want, TDM_CHUNK);
	memset(got, 0, sizeof(got));
	if (vtdm_far_read(f, 0, got, TDM_CHUNK) != TDM_CHUNK ||
	    memcmp(got, want, sizeof(want)))
		abort();
	vtdm_far_detach(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tdm_cfg cfg = { .kind = TDM_VTDM };
	struct tdm *t = NULL;
	uint8_t *region;
	size_t i, n;
	int fd;

	if (!template)
		init_template();
	if (size < 2)
		return 0;
	fd = memfd_create("fuzz-vtdm", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)region_size))
		abort();
	region = mmap(NULL, region_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      fd, 0);
	if (region == MAP_FAILED)
		abort();
	memcpy(region, template, region_size);
	if (!(data[0] & 1)) {
		n = size - 1 < HDR_AREA ? size - 1 : HDR_AREA;
		memcpy(region, data + 1, n);
	} else {
		const struct vtdm_shm_hdr *h = (const void *)template;

		for (i = 0; i < h->nchans; i++) {
			uint8_t *ctl = region + h->chans_off +
				       i * h->chan_stride;

			for (n = 0; n < VTDM_CTL_BYTES; n++)
				ctl[n] = data[1 + (i * VTDM_CTL_BYTES + n) %
					      (size - 1)];
		}
	}
	cfg.fd = fd;
	if (vtdm_check(region, region_size, NULL, 0) == 0) {
		if (tdm_open(&t, &cfg))
			abort();	/* vtdm_check() accepted it */
		run_card(t);
		probe(t, fd);
		tdm_close(t);
	}
	munmap(region, region_size);
	close(fd);
	return 0;
}

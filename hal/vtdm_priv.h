/* SPDX-License-Identifier: MIT */
/** @file vtdm_priv.h  Shared by the region code (vtdm.c) and the card
 *  driver (tdm_vtdm.c) */
#ifndef HAL_VTDM_PRIV_H
#define HAL_VTDM_PRIV_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "hal/vtdm.h"

/** One channel's control lines and ring columns, as pointers into the
 *  region. */
struct vtdm_chan_view {
	struct vtdm_card_ctl *card;
	struct vtdm_far_ctl *far;
	int16_t *c2f;		/* column of the card -> far ring */
	int16_t *f2c;		/* column of the far -> card ring */
	uint32_t row;		/* samples from one row to the next */
};

int  vtdm_map(int fd, uint8_t **basep, size_t *sizep, char *why,
	      size_t whylen);
void vtdm_chan_view(uint8_t *base, unsigned idx, struct vtdm_chan_view *v);

/** Where the rings start: after @p nchans control blocks, page-aligned. */
static inline uint64_t vtdm_rings_off(uint32_t nchans)
{
	uint64_t end = VTDM_CHANS_OFF + (uint64_t)nchans * VTDM_CTL_BYTES;

	return (end + 4095) & ~(uint64_t)4095;
}

static inline void vtdm_say(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static inline void vtdm_say(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (!why || !whylen)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

/* Copy @p n samples into the ring column @p r (rows of @p row samples,
 * mask = ring_samples - 1) at counter @p pos. */
static inline void vtdm_ring_copy_in(int16_t *r, uint32_t row, uint32_t mask,
				     uint32_t pos, const int16_t *src,
				     uint32_t n)
{
	while (n) {
		uint32_t at = pos & mask, k = VTDM_COL - at % VTDM_COL;

		if (k > n)
			k = n;
		memcpy(r + at / VTDM_COL * row + at % VTDM_COL, src,
		       k * sizeof(*r));
		src += k;
		pos += k;
		n -= k;
	}
}

/* Copy @p n samples out of the ring column @p r at counter @p pos. */
static inline void vtdm_ring_copy_out(const int16_t *r, uint32_t row,
				      uint32_t mask, uint32_t pos,
				      int16_t *dst, uint32_t n)
{
	while (n) {
		uint32_t at = pos & mask, k = VTDM_COL - at % VTDM_COL;

		if (k > n)
			k = n;
		memcpy(dst, r + at / VTDM_COL * row + at % VTDM_COL,
		       k * sizeof(*r));
		dst += k;
		pos += k;
		n -= k;
	}
}

#endif /* HAL_VTDM_PRIV_H */

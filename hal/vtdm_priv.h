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

/** One channel's block, as pointers into the region. */
struct vtdm_chan_view {
	struct vtdm_card_ctl *card;
	struct vtdm_far_ctl *far;
	int16_t *c2f;		/* ring_samples, card -> far */
	int16_t *f2c;		/* ring_samples, far -> card */
};

int  vtdm_map(int fd, uint8_t **basep, size_t *sizep, char *why,
	      size_t whylen);
void vtdm_chan_view(uint8_t *base, unsigned idx, struct vtdm_chan_view *v);

/** Bytes of one channel block: control lines and two rings, 64-aligned. */
static inline size_t vtdm_chan_stride(uint32_t ring_samples)
{
	size_t b = VTDM_CTL_BYTES + 2 * (size_t)ring_samples * 2;

	return (b + 63) & ~(size_t)63;
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

/* Copy @p n samples into ring @p r (mask = size - 1) at counter @p pos. */
static inline void vtdm_ring_copy_in(int16_t *r, uint32_t mask, uint32_t pos,
				     const int16_t *src, uint32_t n)
{
	uint32_t at = pos & mask, first = mask + 1 - at;

	if (!n)
		return;
	if (first > n)
		first = n;
	memcpy(r + at, src, first * sizeof(*r));
	memcpy(r, src + first, (n - first) * sizeof(*r));
}

/* Copy @p n samples out of ring @p r at counter @p pos. */
static inline void vtdm_ring_copy_out(const int16_t *r, uint32_t mask,
				      uint32_t pos, int16_t *dst, uint32_t n)
{
	uint32_t at = pos & mask, first = mask + 1 - at;

	if (!n)
		return;
	if (first > n)
		first = n;
	memcpy(dst, r + at, first * sizeof(*r));
	memcpy(dst + first, r, (n - first) * sizeof(*r));
}

#endif /* HAL_VTDM_PRIV_H */

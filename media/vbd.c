// SPDX-License-Identifier: MIT
/** @file vbd.c  Fax and modem answer tone detection (SpanDSP) */
#include <string.h>

#include <spandsp.h>
#include <spandsp/expose.h>

#include "media/vbd.h"

_Static_assert(sizeof(modem_connect_tones_rx_state_t) <=
	       sizeof(((struct vbd_det *)0)->rx),
	       "struct vbd_det is too small for SpanDSP's detector");

static modem_connect_tones_rx_state_t *rx_of(struct vbd_det *d)
{
	return (modem_connect_tones_rx_state_t *)d->rx;
}

/* SpanDSP's report: a tone began (or MODEM_CONNECT_TONES_NONE: ended) */
static void on_tone(void *arg, int code, int level, int delay)
{
	struct vbd_det *d = arg;

	(void)level;
	(void)delay;
	switch (code) {
	case MODEM_CONNECT_TONES_ANS:
	case MODEM_CONNECT_TONES_ANSAM:
		d->hit = VBD_ANS;
		break;
	case MODEM_CONNECT_TONES_ANS_PR:
	case MODEM_CONNECT_TONES_ANSAM_PR:
		d->hit = VBD_ANS_PR;
		break;
	default:
		break;
	}
}

/** Prepare detector @p d (also to start over). Context: any; no
 *  allocation. */
void vbd_det_init(struct vbd_det *d)
{
	memset(d, 0, sizeof(*d));
	modem_connect_tones_rx_init(rx_of(d), MODEM_CONNECT_TONES_ANS_PR,
				    on_tone, d);
}

/**
 * Look for an answer tone in @p n samples of @p pcm (following on from
 * the previous call's).
 * Context: media task; never allocates or blocks.
 * @return the kind of tone that began in this block, else VBD_NONE
 */
enum vbd_tone vbd_det_process(struct vbd_det *d, const int16_t *pcm,
			      size_t n)
{
	enum vbd_tone t;

	modem_connect_tones_rx(rx_of(d), pcm, (int)n);
	t = (enum vbd_tone)d->hit;
	d->hit = VBD_NONE;
	return t;
}

/** A short name for @p t: "none", "ans", "ans-pr". */
const char *vbd_tone_name(enum vbd_tone t)
{
	switch (t) {
	case VBD_ANS:
		return "ans";
	case VBD_ANS_PR:
		return "ans-pr";
	default:
		return "none";
	}
}

/* SPDX-License-Identifier: MIT */
/** @file vbd.h  Voice-band data: fax and modem answer tones on a TDM leg
 *
 * An answering fax machine or modem sends 2100 Hz first: a fax its CED
 * (T.30), a modem ANS (V.25) or ANSam (V.8, amplitude-modulated at 15 Hz),
 * a modem with its own echo canceller with the phase reversed every 450 ms
 * (ANS/, ANSam/). The detector (SpanDSP's modem_connect_tones_rx, set up
 * for the phase-reversed tone, which reports the plain one as well) looks
 * at one direction of a TDM leg and reports a tone when it begins, the
 * plain one after about 0.7 s and the reversed one after its second
 * reversal (about 1.5 s). What a channel does with it is in chan.c: by
 * ITU-T G.168 the reversed tone disables the echo cancellers in the path,
 * and either tone turns the channel into a data call (the RTP legs'
 * jitter buffers stop adapting; Linux is told).
 *
 * An embeddable object: SpanDSP's state lives inside it, nothing is
 * allocated; one user (the media task), no locking.
 */
#ifndef MEDIA_VBD_H
#define MEDIA_VBD_H

#include <stddef.h>
#include <stdint.h>

/** What a detector heard. */
enum vbd_tone {
	VBD_NONE,
	VBD_ANS,	/**< 2100 Hz: fax CED, modem ANS or ANSam */
	VBD_ANS_PR,	/**< 2100 Hz with phase reversals: ANS/, ANSam/ */
};

/** A detector; embed it, vbd_det_init() it. Contents private. */
struct vbd_det {
	_Alignas(16) uint8_t rx[2304];	/* modem_connect_tones_rx_state_t */
	uint8_t hit;			/* enum vbd_tone, from the callback */
};

void vbd_det_init(struct vbd_det *d);
enum vbd_tone vbd_det_process(struct vbd_det *d, const int16_t *pcm,
			      size_t n);
const char *vbd_tone_name(enum vbd_tone t);

#endif /* MEDIA_VBD_H */

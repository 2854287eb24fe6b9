/* SPDX-License-Identifier: MIT */
/** @file mos.h  Estimated MOS of a voice stream (ITU-T G.107 E-model)
 *
 * A simplified E-model for monitoring, as used by VoIP quality reports:
 *
 *   R = 93.2 - Id - Ie_eff
 *
 * 93.2 is G.107's R with every default parameter (R0 - Is, no delay).
 * Id, the delay impairment, uses the fit of Cole and Rosenbluth (2001) of
 * G.107's Id for the defaults, echo cancelled:
 *   Id = 0.024 d + 0.11 (d - 177.3) H(d - 177.3), d the one-way delay (ms).
 * Ie_eff, the codec and packet loss impairment, is G.107 (7-29):
 *   Ie_eff = Ie + (95 - Ie) Ppl / (Ppl / BurstR + Bpl),
 * with Ie and Bpl per codec from G.113 Appendix I, Ppl the loss in percent
 * and BurstR the burst ratio (1: random loss). MOS from R is G.107 Annex B:
 *   MOS = 1 + 0.035 R + R (R - 60) (100 - R) 7e-6, 1 below R 0, 4.5 above
 *   R 100.
 *
 * Codec values (the loss values assume our packet-loss concealment):
 *   PCMU, PCMA   Ie 0,  Bpl 25.1  (G.113 Table I.1; Table I.3 with PLC)
 *   G.722        Ie 0,  Bpl 25.1  (played at 8 kHz here: rated as G.711)
 *   G.726-32     Ie 7,  Bpl 25.1  (Ie: Table I.1; Bpl assumed as G.711's,
 *                                  the same sample-based concealment)
 *   GSM 06.10    Ie 20, Bpl 10    (Ie: Table I.1; Bpl assumed, a frame
 *                                  codec with weaker concealment)
 *   G.729A       Ie 11, Bpl 19    (Tables I.1 and I.3)
 *
 * Context: any; pure functions of their arguments.
 */
#ifndef MEDIA_MOS_H
#define MEDIA_MOS_H

#include "media/codec.h"

struct mos_in {
	enum codec_id codec;
	double loss_pct;	/**< packet loss, percent (0..100) */
	double burst_r;		/**< burst ratio; 0 is taken as 1 (random) */
	double delay_ms;	/**< one-way mouth-to-ear delay estimate */
};

int mos_codec_params(enum codec_id codec, double *ie, double *bpl);
double mos_r_factor(const struct mos_in *in);
double mos_from_r(double r);
double mos_estimate(const struct mos_in *in);

#endif /* MEDIA_MOS_H */

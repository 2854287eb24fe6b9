// SPDX-License-Identifier: MIT
/** @file mos.c  Estimated MOS: a simplified ITU-T G.107 E-model
 *
 * The formulas and where each value comes from are in mos.h.
 */
#include <errno.h>

#include "media/mos.h"

#define R_DEFAULT	93.2	/* G.107: R with all default parameters */

struct codec_imp {
	double ie;		/* equipment impairment (G.113 Table I.1) */
	double bpl;		/* packet-loss robustness (Table I.3) */
};

static const struct codec_imp imps[CODEC_COUNT] = {
	[CODEC_PCMU] = { 0, 25.1 },
	[CODEC_PCMA] = { 0, 25.1 },
	[CODEC_G722] = { 0, 25.1 },
	[CODEC_G726_32] = { 7, 25.1 },
	[CODEC_GSM] = { 20, 10 },
	[CODEC_G729] = { 11, 19 },	/* G.729A */
};

/** Ie and Bpl of @p codec into @p ie and @p bpl. Context: any.
 *  @return 0 or -EINVAL (unknown codec) */
int mos_codec_params(enum codec_id codec, double *ie, double *bpl)
{
	if ((unsigned)codec >= CODEC_COUNT)
		return -EINVAL;
	*ie = imps[codec].ie;
	*bpl = imps[codec].bpl;
	return 0;
}

/* Cole and Rosenbluth's fit of G.107's delay impairment */
static double delay_impairment(double d)
{
	double id;

	if (d < 0)
		d = 0;
	id = 0.024 * d;
	if (d > 177.3)
		id += 0.11 * (d - 177.3);
	return id;
}

/* G.107 (7-29) */
static double ie_eff(const struct codec_imp *c, double ppl, double burst_r)
{
	if (ppl <= 0)
		return c->ie;
	if (ppl > 100)
		ppl = 100;
	if (burst_r <= 0)
		burst_r = 1;
	return c->ie + (95 - c->ie) * ppl / (ppl / burst_r + c->bpl);
}

/** The transmission rating R of a stream described by @p in (see mos.h);
 *  an unknown codec is rated as G.711. Context: any. */
double mos_r_factor(const struct mos_in *in)
{
	const struct codec_imp *c = &imps[CODEC_PCMU];

	if ((unsigned)in->codec < CODEC_COUNT)
		c = &imps[in->codec];
	return R_DEFAULT - delay_impairment(in->delay_ms) -
	       ie_eff(c, in->loss_pct, in->burst_r);
}

/** MOS (1 to 4.5) for rating @p r, G.107 Annex B (the polynomial dips
 *  just under 1 for R below 6.5: held at 1). Context: any. */
double mos_from_r(double r)
{
	double m;

	if (r <= 0)
		return 1.0;
	if (r >= 100)
		return 4.5;
	m = 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6;
	return m < 1 ? 1.0 : m;
}

/** Estimated MOS of a stream described by @p in. Context: any. */
double mos_estimate(const struct mos_in *in)
{
	return mos_from_r(mos_r_factor(in));
}

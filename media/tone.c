// SPDX-License-Identifier: MIT
/** @file tone.c  Call-progress tones by country (SpanDSP tone_gen)
 *
 * Sources. Frequencies and cadences: ITU-T E.180 Supplement 2 ("Various
 * tones used in national networks"), which lists each administration's
 * tones, and the national specifications it summarises:
 *  - US: Telcordia GR-506-CORE / ANSI T1.401 "precise tone plan" (also
 *    ITU-T E.300-series Supplement 3, "North American precise audible tone
 *    plan"), which also fixes the levels: dial tone -13 dBm0, audible
 *    ringing -19 dBm0, busy and reorder -24 dBm0, per frequency;
 *  - GB: BT SIN 350 (dial 350+440 Hz; ringing 400+450 Hz double ring;
 *    busy 400 Hz; congestion, BT's "equipment engaged" tone, 400 Hz with
 *    a 0.4/0.35/0.225/0.525 s cadence);
 *  - DE: Deutsche Telekom 1TR110 (425 Hz, the CEPT frequency: dial
 *    continuous, ringing 1 s on 4 s off, busy 480/480 ms, congestion
 *    240/240 ms);
 *  - FR: France Telecom STI (440 Hz: dial continuous, ringing 1.5 s on
 *    3.5 s off, busy 500/500 ms, congestion 250/250 ms).
 * Levels: E.180 leaves them to each administration within its limits;
 * for GB, DE and FR we use -16 dBm0 per frequency (the usual provisioning
 * of gateways for these countries), to be checked against the national
 * specification of a deployment; the US levels are GR-506's.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include <spandsp.h>
#include <spandsp/expose.h>

#include "media/tone.h"

_Static_assert(sizeof(tone_gen_state_t) <=
	       sizeof(((struct tone_gen *)0)->state),
	       "struct tone_gen is too small for SpanDSP's tone_gen_state_t");

#define EU_DBM0	(-16)

static const struct tone_profile profiles[] = {
	{
		.country = "US",
		.tone = {
			[TONE_DIAL] = { 350, 440, -13, -13, 0, 0, 0, 0 },
			[TONE_RINGBACK] = { 440, 480, -19, -19, 2000, 4000,
					    0, 0 },
			[TONE_BUSY] = { 480, 620, -24, -24, 500, 500, 0, 0 },
			/* "reorder", local: 0.25 s on, 0.25 s off */
			[TONE_CONGESTION] = { 480, 620, -24, -24, 250, 250,
					      0, 0 },
		},
	},
	{
		.country = "GB",
		.tone = {
			[TONE_DIAL] = { 350, 440, EU_DBM0, EU_DBM0, 0, 0, 0,
					0 },
			[TONE_RINGBACK] = { 400, 450, EU_DBM0, EU_DBM0, 400,
					    200, 400, 2000 },
			[TONE_BUSY] = { 400, 0, EU_DBM0, 0, 375, 375, 0, 0 },
			[TONE_CONGESTION] = { 400, 0, EU_DBM0, 0, 400, 350,
					      225, 525 },
		},
	},
	{
		.country = "DE",
		.tone = {
			[TONE_DIAL] = { 425, 0, EU_DBM0, 0, 0, 0, 0, 0 },
			[TONE_RINGBACK] = { 425, 0, EU_DBM0, 0, 1000, 4000, 0,
					    0 },
			[TONE_BUSY] = { 425, 0, EU_DBM0, 0, 480, 480, 0, 0 },
			[TONE_CONGESTION] = { 425, 0, EU_DBM0, 0, 240, 240, 0,
					      0 },
		},
	},
	{
		.country = "FR",
		.tone = {
			[TONE_DIAL] = { 440, 0, EU_DBM0, 0, 0, 0, 0, 0 },
			[TONE_RINGBACK] = { 440, 0, EU_DBM0, 0, 1500, 3500, 0,
					    0 },
			[TONE_BUSY] = { 440, 0, EU_DBM0, 0, 500, 500, 0, 0 },
			[TONE_CONGESTION] = { 440, 0, EU_DBM0, 0, 250, 250, 0,
					      0 },
		},
	},
};

static tone_gen_state_t *st_of(struct tone_gen *g)
{
	return (tone_gen_state_t *)g->state;
}

/**
 * The tone profile of @p country, an ISO 3166-1 alpha-2 code in any case
 * ("US", "GB" or its common alias "UK", "DE", "FR"). Context: any.
 * @return the profile, or NULL when unknown
 */
const struct tone_profile *tone_profile(const char *country)
{
	if (!country)
		return NULL;
	if (!strcasecmp(country, "UK"))
		country = "GB";
	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
		if (!strcasecmp(country, profiles[i].country))
			return &profiles[i];
	return NULL;
}

/**
 * Start playing tone @p k of profile @p p in @p g (from the start of its
 * cadence, also when @p g was playing). Context: media task; no allocation.
 * @return 0 or -EINVAL
 */
int tone_start(struct tone_gen *g, const struct tone_profile *p,
	       enum tone_kind k)
{
	tone_gen_descriptor_t desc;
	const struct tone_def *t;

	if (!g || !p || (unsigned)k >= TONE_KIND_COUNT)
		return -EINVAL;
	t = &p->tone[k];
	/* continuous: one "on" section that repeats, phase carrying on */
	if (!tone_gen_descriptor_init(&desc, t->f1, t->l1, t->f2, t->l2,
				      t->on1 ? t->on1 : 1000, t->off1,
				      t->on2, t->off2, 1))
		return -EINVAL;
	tone_gen_init(st_of(g), &desc);
	g->playing = true;
	return 0;
}

/**
 * While @p g plays, replace the @p n samples of @p pcm with the tone (its
 * silent parts included); otherwise leave them alone.
 * Context: media task; never allocates or blocks.
 * @return samples written: @p n while playing, else 0
 */
size_t tone_fill(struct tone_gen *g, int16_t *pcm, size_t n)
{
	size_t done = 0;

	if (!g || !pcm || !g->playing)
		return 0;
	while (done < n) {
		int got = tone_gen(st_of(g), pcm + done,
				   (int)(n - done > 4096 ? 4096 : n - done));

		if (got <= 0) {
			g->playing = false;	/* cannot happen: repeats */
			break;
		}
		done += (size_t)got;
	}
	return done;
}

/** Stop @p g: tone_fill() leaves the audio alone. Context: media task. */
void tone_stop(struct tone_gen *g)
{
	if (g)
		g->playing = false;
}

/** Whether @p g plays. Context: media task. */
bool tone_playing(const struct tone_gen *g)
{
	return g && g->playing;
}

/* SPDX-License-Identifier: MIT */
/** @file tone.h  Call-progress tones by country (SpanDSP tone_gen)
 *
 * A profile gives, per country, the frequencies, levels and cadence of dial
 * tone, ringback, busy and congestion; tone.c cites where each comes from.
 * A generator plays one tone, cadence and all, until stopped: tone_fill()
 * replaces the audio going to a TDM leg (or into an RTP stream) while it
 * plays, silences included. Generators are embeddable objects: SpanDSP's
 * state lives inside, nothing is allocated; one user (the media task).
 */
#ifndef MEDIA_TONE_H
#define MEDIA_TONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tone_kind {
	TONE_DIAL, TONE_RINGBACK, TONE_BUSY, TONE_CONGESTION,
	TONE_KIND_COUNT
};

/** One tone: up to two frequencies, each at its own level, and a cadence
 *  of up to two on/off pairs that repeats. */
struct tone_def {
	uint16_t f1, f2;	/**< Hz; f2 0: a single frequency */
	int8_t l1, l2;		/**< dBm0 of each frequency */
	uint16_t on1, off1;	/**< ms; on1 0: continuous */
	uint16_t on2, off2;	/**< ms; 0: the cadence has one pair */
};

struct tone_profile {
	const char *country;	/**< ISO 3166-1 alpha-2 ("GB", also "UK") */
	struct tone_def tone[TONE_KIND_COUNT];
};

/** Tone generator; embed it. Contents private. */
struct tone_gen {
	_Alignas(16) uint8_t state[96];	/* SpanDSP tone_gen_state_t */
	bool playing;
};

const struct tone_profile *tone_profile(const char *country);
int  tone_start(struct tone_gen *g, const struct tone_profile *p,
		enum tone_kind k);
size_t tone_fill(struct tone_gen *g, int16_t *pcm, size_t n);
void tone_stop(struct tone_gen *g);
bool tone_playing(const struct tone_gen *g);

#endif /* MEDIA_TONE_H */

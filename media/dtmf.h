/* SPDX-License-Identifier: MIT */
/** @file dtmf.h  In-band DTMF: detector with digit timing, and generator
 *
 * Detector (SpanDSP dtmf_rx): fed the audio a TDM leg receives, it reports
 * each digit twice, as RFC 4733 needs: when the digit is recognised ("digit
 * started", with the sample where the tone began) and when it stops
 * ("digit ended", with its duration). Positions are the caller's sample
 * clock (the TDM tick count times 8, say), passed with each call.
 * Recognition takes two of SpanDSP's 102-sample analysis blocks, so "digit
 * started" comes about 25-40 ms after the tone began; start and duration
 * are estimated to within one block (12.75 ms).
 *
 * Generator (SpanDSP dtmf_tx): digits queued with dtmf_gen_put() are played
 * by dtmf_gen_fill() into the audio going to a TDM leg, each followed by a
 * gap; while a digit or its gap plays the leg's audio is replaced (or, in
 * DTMF_GEN_MIX mode, mixed). Duration 0 plays until dtmf_gen_stop(), for
 * RFC 4733 events whose end is not known yet.
 *
 * Both are embeddable objects: SpanDSP's state lives inside them, nothing
 * is allocated; one user each (the media task), no locking.
 */
#ifndef MEDIA_DTMF_H
#define MEDIA_DTMF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DTMF_EVQ		8	/* detector events held until polled */
#define DTMF_GEN_QUEUE		16	/* digits queued in a generator */
#define DTMF_GEN_LEVEL_DBM0	(-10)	/* low-group tone level */
#define DTMF_GEN_TWIST_DB	2	/* high group this much louder */
#define DTMF_GEN_GAP_MS		50	/* silence after each digit */
#define DTMF_GEN_MIN_MS		40	/* shortest digit (ITU-T Q.24) */
#define DTMF_GEN_MAX_MS		60000	/* longest, also for duration 0 */

/** A detector report. */
struct dtmf_event {
	char digit;		/**< '0'-'9', '*', '#', 'A'-'D' */
	bool ended;		/**< false: digit started; true: it ended */
	uint64_t start;		/**< sample where the tone began (estimate) */
	uint32_t duration;	/**< samples the tone lasted (0 when started) */
};

struct dtmf_det_stats {
	uint64_t digits;	/**< digits recognised */
	uint64_t ev_dropped;	/**< events lost: queue full, not polled */
};

/** DTMF detector; embed it, dtmf_det_init() it. Contents private. */
struct dtmf_det {
	_Alignas(16) uint8_t rx[448];	/* SpanDSP dtmf_rx_state_t */
	uint32_t block_fill;		/* samples into the current block */
	uint64_t cb_pos;		/* position the callback reports at */
	char cur;			/* digit being received, or 0 */
	uint64_t cur_start;
	struct dtmf_event q[DTMF_EVQ];
	uint8_t q_head, q_len;
	struct dtmf_det_stats stats;
};

enum dtmf_gen_mode {
	DTMF_GEN_REPLACE,	/**< tones replace the audio while playing */
	DTMF_GEN_MIX,		/**< tones are added to the audio */
};

/** DTMF generator; embed it, dtmf_gen_init() it. Contents private. */
struct dtmf_gen {
	_Alignas(16) uint8_t tx[256];	/* SpanDSP dtmf_tx_state_t */
	enum dtmf_gen_mode mode;
	bool playing;
	struct {
		char digit;
		uint16_t ms;
	} q[DTMF_GEN_QUEUE];
	uint8_t q_head, q_len;
};

int  dtmf_det_init(struct dtmf_det *d);
void dtmf_det_process(struct dtmf_det *d, const int16_t *pcm, size_t n,
		      uint64_t sample_pos);
int  dtmf_det_poll(struct dtmf_det *d, struct dtmf_event *ev);
void dtmf_det_stats_get(const struct dtmf_det *d, struct dtmf_det_stats *st);

int  dtmf_gen_init(struct dtmf_gen *g, enum dtmf_gen_mode mode);
int  dtmf_gen_put(struct dtmf_gen *g, char digit, unsigned duration_ms);
size_t dtmf_gen_fill(struct dtmf_gen *g, int16_t *pcm, size_t n);
void dtmf_gen_stop(struct dtmf_gen *g);
bool dtmf_gen_busy(const struct dtmf_gen *g);

#endif /* MEDIA_DTMF_H */

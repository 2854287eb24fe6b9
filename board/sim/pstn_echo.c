// SPDX-License-Identifier: MIT
/** @file pstn_echo.c  PSTN simulator: a line's hybrid echo
 *
 * A 2-wire line sends back part of what the gateway sends it: the hybrid
 * that turns the line's two wires into four is never quite matched to the
 * line. That echo is what a gateway's echo canceller is for. Here it goes
 * through ITU-T G.168's echo path model D.4 (Annex D; SpanDSP's
 * g168models.h: 12 ms of a real hybrid's response), scaled to an echo
 * return loss of ERL dB for white noise, after DELAY ms. A line has none
 * until asked (`echo LINE ERL [DELAY_MS]`).
 *
 * The echo keeps its delay to the sample: the echo of input sample i (the
 * i-th the card sent on the line) goes into output sample i + offset, the
 * offset fixed when the echo starts. Both streams move at the card's 8
 * samples per ms, so the gateway sees a fixed delay: DELAY plus what the
 * simulator keeps queued ahead of the card (pstn_cfg's ahead_ms to
 * ahead_ms + batch_ms, fixed at the start) and 2 ms of margin for the
 * simulator's tick. If the two counts part by more than 4 ms, the echo
 * starts again from the newest input, at the same delay (counted:
 * restarts): when the simulator stalled longer than the card's ring holds
 * and the card dropped what it sent meanwhile, or when the gateway's own
 * lead changed (a channel opening on the line writes its first block
 * ahead), as a new call's echo path would.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <spandsp/g168models.h>

#include "board/sim/pstn_echo.h"

#define TAPS	(sizeof(line_model_d4_coeffs) / sizeof(line_model_d4_coeffs[0]))
#define RING	4096u			/* input kept: 512 ms, a power of 2 */
#define MARGIN	16u			/* samples: 2 ms of the sim's tick */
#define SLACK	32u			/* samples the counts may part by */

_Static_assert(PSTN_ECHO_MAX_DELAY_MS * 8 + MARGIN + SLACK + TAPS +
	       (PSTN_AHEAD_MAX_MS + PSTN_BATCH_MAX_MS) * 8 < RING,
	       "the ring holds the longest echo path and lead");

struct pstn_echo {
	float h[TAPS];			/* the model, scaled */
	float erl_db;
	unsigned delay_ms;
	int16_t in[RING];		/* input sample i at in[i % RING] */
	uint64_t in_n;			/* input samples taken */
	uint64_t out_n;			/* output samples made */
	int64_t offset;			/* input index = output index - offset */
	bool started;
	uint64_t restarts;
};

/** Make an echo of @p erl_db (0..60) dB after @p delay_ms
 *  (0..PSTN_ECHO_MAX_DELAY_MS). @return 0, -EINVAL or -ENOMEM */
int pstn_echo_open(struct pstn_echo **ep, float erl_db, unsigned delay_ms)
{
	struct pstn_echo *e;
	double sum = 0, g;

	if (!(erl_db >= 0 && erl_db <= PSTN_ECHO_MAX_ERL_DB) ||
	    delay_ms > PSTN_ECHO_MAX_DELAY_MS)
		return -EINVAL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	for (size_t k = 0; k < TAPS; k++)
		sum += (double)line_model_d4_coeffs[k] * line_model_d4_coeffs[k];
	/* white noise through h loses 10 log10(1 / sum h^2): make it ERL */
	g = pow(10, -erl_db / 20.0) / sqrt(sum);
	for (size_t k = 0; k < TAPS; k++)
		e->h[k] = (float)(g * line_model_d4_coeffs[k]);
	e->erl_db = erl_db;
	e->delay_ms = delay_ms;
	*ep = e;
	return 0;
}

/** Free @p e (NULL is fine). @return NULL */
struct pstn_echo *pstn_echo_close(struct pstn_echo *e)
{
	free(e);
	return NULL;
}

/** What the card sent on the line: @p n samples of @p pcm, in order. */
void pstn_echo_take(struct pstn_echo *e, const int16_t *pcm, size_t n)
{
	for (size_t i = 0; i < n; i++)
		e->in[e->in_n++ % RING] = pcm[i];
}

/* the input sample the newest of the next @p n output samples echoes, as
 * the echo's start sets it: the newest input less the margin and delay */
static int64_t newest_wanted(const struct pstn_echo *e)
{
	return (int64_t)e->in_n - 1 - MARGIN - (int64_t)e->delay_ms * 8;
}

/** Add the echo of the next @p n output samples to @p acc. */
void pstn_echo_add(struct pstn_echo *e, int32_t *acc, size_t n)
{
	int64_t newest = (int64_t)(e->out_n + n - 1) - e->offset;

	if (!e->started || newest >= (int64_t)e->in_n ||
	    newest < newest_wanted(e) - (int64_t)SLACK) {
		if (e->started)
			e->restarts++;
		e->offset = (int64_t)(e->out_n + n - 1) - newest_wanted(e);
		e->started = true;
	}
	for (size_t j = 0; j < n; j++) {
		int64_t i = (int64_t)(e->out_n + j) - e->offset;
		float y = 0;

		for (size_t k = 0; k < TAPS && i - (int64_t)k >= 0; k++)
			y += e->h[k] * e->in[(uint64_t)(i - (int64_t)k) % RING];
		acc[j] += (int32_t)lrintf(y);
	}
	e->out_n += n;
}

/** Figures of @p e. */
void pstn_echo_info(const struct pstn_echo *e, float *erl_db,
		    unsigned *delay_ms, uint64_t *restarts)
{
	*erl_db = e->erl_db;
	*delay_ms = e->delay_ms;
	*restarts = e->restarts;
}

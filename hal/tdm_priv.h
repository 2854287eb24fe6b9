/* SPDX-License-Identifier: MIT */
/** @file tdm_priv.h  Shared by the TDM interface (tdm.c) and its drivers
 *
 * tdm.c owns the generic part of a card: argument checks, the layout, the
 * event queue and the counters. A driver fills struct tdm_ops and keeps its
 * own state behind tdm->priv. The rules a driver follows:
 *  - open() sets tdm->layout and allocates everything the driver will ever
 *    need; no op after it allocates or blocks;
 *  - ticks() reads the card's clock, adds the ticks that passed to
 *    stats.ticks (the late ones to stats.late_ticks and frame_late_ticks),
 *    then looks at the channels' signalling and queues what changed with
 *    tdm_event_push();
 *    it returns the number of ticks the caller must now process;
 *  - read()/write() are called with a span and channel tdm.c checked and
 *    a whole number of chunks up to TDM_BLOCK_MAX; they count
 *    rx_underruns / tx_overruns in samples;
 *  - command() is called only with a command tdm_cmd_valid() accepts for
 *    the span's signalling.
 */
#ifndef HAL_TDM_PRIV_H
#define HAL_TDM_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "hal/tdm.h"

#define TDM_EVQ_LEN	256	/* events waiting for tdm_event_get() */

struct tdm_ops {
	const char *name;
	int (*open)(struct tdm *t, const struct tdm_cfg *cfg);
	void (*close)(struct tdm *t);
	int (*fd)(const struct tdm *t);
	unsigned (*ticks)(struct tdm *t);
	void (*read)(struct tdm *t, unsigned span, unsigned chan,
		     int16_t *pcm, unsigned n);
	void (*write)(struct tdm *t, unsigned span, unsigned chan,
		      const int16_t *pcm, unsigned n);
	int (*command)(struct tdm *t, unsigned span, unsigned chan,
		       enum tdm_cmd cmd);
};

struct tdm {
	const struct tdm_ops *ops;
	enum tdm_kind kind;
	struct tdm_layout layout;
	struct tdm_stats stats;
	/* events: single producer and consumer, both the card's task */
	struct tdm_event evq[TDM_EVQ_LEN];
	uint32_t ev_head;	/* next to write */
	uint32_t ev_tail;	/* next to read */
	void *priv;		/* the driver's state */
};

extern const struct tdm_ops tdm_vtdm_ops;
extern const struct tdm_ops tdm_dahdi_ops;

void tdm_event_push(struct tdm *t, unsigned span, unsigned chan,
		    enum tdm_ev type, uint64_t tick);
bool tdm_cmd_valid(enum tdm_sig sig, enum tdm_cmd cmd);
const char *tdm_cmd_name(enum tdm_cmd c);
int  tdm_layout_check(const struct tdm_layout *l, char *why, size_t whylen);
unsigned tdm_layout_chans(const struct tdm_layout *l);

/* DAHDI driver internals, exported for its unit tests (tdm_dahdi.c) */
enum tdm_dahdi_law { TDM_DAHDI_LINEAR, TDM_DAHDI_ULAW, TDM_DAHDI_ALAW };

int  tdm_dahdi_channo(const struct tdm_layout *l, unsigned span,
		      unsigned chan);
int  tdm_dahdi_event_map(enum tdm_sig sig, int dahdi_event, bool we_seized);
int  tdm_dahdi_hook_op(enum tdm_sig sig, enum tdm_cmd cmd);
size_t tdm_dahdi_chunk_bytes(enum tdm_dahdi_law law);
void tdm_dahdi_decode(enum tdm_dahdi_law law, const uint8_t *in,
		      int16_t pcm[TDM_CHUNK]);
void tdm_dahdi_encode(enum tdm_dahdi_law law, const int16_t pcm[TDM_CHUNK],
		      uint8_t *out);
unsigned tdm_dahdi_chunk_read(int fd, enum tdm_dahdi_law law,
			      int16_t pcm[TDM_CHUNK]);
unsigned tdm_dahdi_chunk_write(int fd, enum tdm_dahdi_law law,
			       const int16_t pcm[TDM_CHUNK]);

#endif /* HAL_TDM_PRIV_H */

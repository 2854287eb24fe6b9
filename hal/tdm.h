/* SPDX-License-Identifier: MIT */
/** @file tdm.h  TDM (telephony card) driver interface of the RT partition
 *
 * Shaped like DAHDI: a card has spans, a span has channels, and the card's
 * clock moves TDM_CHUNK samples (8 kHz, 1 ms) per channel per tick. The
 * caller moves them in blocks of one or more ticks (DAHDI's block size):
 * the samples of the ticks that passed are read, those of the ticks to come
 * are written ahead. Audio is 16-bit linear here; a driver converts from
 * the card's law.
 *
 * Signalling per channel, by span type:
 *   FXS (we power an analog phone):  events OFFHOOK, ONHOOK, FLASH;
 *                                    commands RING_ON, RING_OFF
 *   FXO (we are a phone on a CO line): events RING, RING_STOP;
 *                                    commands SEIZE (off-hook), RELEASE
 *   E1 (30-channel trunk, CAS-like): events SEIZE (incoming call), ANSWER
 *                                    (our outgoing call answered), CLEAR;
 *                                    commands SEIZE, ANSWER, CLEAR
 * Digits travel in-band (DTMF) on every type.
 *
 * Drivers:
 *  - TDM_VTDM: the simulated board's virtual card (vtdm.h): a shared-memory
 *    region whose far end is the PSTN simulator (board/sim/pstnsim).
 *  - TDM_DAHDI: a real card through the DAHDI device API (dahdi/user.h).
 *
 * Context: the RT partition's media task owns the card; after tdm_open()
 * nothing allocates and nothing blocks. tdm_fd() becomes readable when the
 * card's clock has ticked; tdm_ticks() says how many ticks to process.
 */
#ifndef HAL_TDM_H
#define HAL_TDM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TDM_CHUNK	8	/* samples per channel per tick */
/* the most one tdm_read()/tdm_write() moves: 40 ticks (a caller moves its
 * lines' audio in blocks of ticks, as DAHDI's read() and write() do) */
#define TDM_BLOCK_MAX	(40 * TDM_CHUNK)
#define TDM_RATE	8000
/* Limits of a card, shared by every program that names a line SPAN/LINE
 * (configuration, bus messages, tools, web UI): DAHDI allows 128 spans;
 * 64 hold 64 E1 trunks (1920 lines). A span never has more than 31 lines
 * (an E1 has 30 plus framing); 32 keeps per-span tables a power of two. */
#define TDM_MAX_SPANS	64
#define TDM_MAX_CHANS	32	/* per span */
#define TDM_MAX_LINES	(TDM_MAX_SPANS * TDM_MAX_CHANS)

enum tdm_kind { TDM_VTDM, TDM_DAHDI };
enum tdm_sig { TDM_SIG_FXS, TDM_SIG_FXO, TDM_SIG_E1 };

enum tdm_ev {
	TDM_EV_OFFHOOK, TDM_EV_ONHOOK, TDM_EV_FLASH,	/* FXS */
	TDM_EV_RING, TDM_EV_RING_STOP,			/* FXO */
	TDM_EV_SEIZE, TDM_EV_ANSWER, TDM_EV_CLEAR,	/* E1 */
};

enum tdm_cmd {
	TDM_CMD_RING_ON, TDM_CMD_RING_OFF,		/* FXS */
	TDM_CMD_SEIZE, TDM_CMD_RELEASE,			/* FXO, E1 */
	TDM_CMD_ANSWER, TDM_CMD_CLEAR,			/* E1 */
};

struct tdm_event {
	uint8_t span;
	uint8_t chan;		/* 0-based within the span */
	uint16_t type;		/* enum tdm_ev */
	uint64_t tick;		/* card tick at which it happened */
};

struct tdm_span_info {
	char name[16];
	enum tdm_sig sig;
	unsigned nchans;
};

/** A span layout: "fxs:2,fxo:2,e1:30*4" (type:channels[*spans], in
 *  order) */
struct tdm_layout {
	unsigned nspans;
	struct { enum tdm_sig sig; unsigned nchans; } span[TDM_MAX_SPANS];
};

struct tdm_cfg {
	enum tdm_kind kind;
	int fd;			/* VTDM: the card's region (vtdm.h) */
	const char *dev_dir;	/* DAHDI: "/dev/dahdi" */
	struct tdm_layout layout;	/* DAHDI: channels to open */
};

#define TDM_DEADLINE_MS	20	/**< a 20 ms frame's deadline (frame_late_ticks) */

struct tdm_stats {
	uint64_t ticks;
	uint64_t late_ticks;	/**< ticks processed more than 1 ms late */
	uint64_t frame_late_ticks; /**< ticks processed TDM_DEADLINE_MS or more
				      late: a frame's deadline missed (the
				      frame due at that tick went out after
				      the next one was due) */
	uint64_t rx_underruns;	/**< samples the far end did not supply */
	uint64_t tx_overruns;	/**< samples the far end did not take */
	uint64_t events;
	uint64_t events_lost;
};

struct tdm;

int  tdm_open(struct tdm **tp, const struct tdm_cfg *cfg);
struct tdm *tdm_close(struct tdm *t);
int  tdm_fd(const struct tdm *t);
unsigned tdm_ticks(struct tdm *t);
unsigned tdm_span_count(const struct tdm *t);
int  tdm_span_info(const struct tdm *t, unsigned span,
		   struct tdm_span_info *si);
unsigned tdm_span_chans(const struct tdm *t, unsigned span);
int  tdm_read(struct tdm *t, unsigned span, unsigned chan, int16_t *pcm,
	      unsigned n);
int  tdm_write(struct tdm *t, unsigned span, unsigned chan,
	       const int16_t *pcm, unsigned n);
int  tdm_event_get(struct tdm *t, struct tdm_event *ev);
int  tdm_command(struct tdm *t, unsigned span, unsigned chan,
		 enum tdm_cmd cmd);
void tdm_stats_get(const struct tdm *t, struct tdm_stats *st);
int  tdm_layout_parse(const char *s, struct tdm_layout *l, char *why,
		      size_t whylen);
const char *tdm_sig_name(enum tdm_sig s);
const char *tdm_ev_name(enum tdm_ev e);

#endif /* HAL_TDM_H */

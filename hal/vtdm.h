/* SPDX-License-Identifier: MIT */
/** @file vtdm.h  The virtual telephony card: a shared-memory region
 *
 * The simulated board's card (tdm.h, TDM_VTDM) is one memfd region, sealed
 * against resizing, made by vtdm_create() (the dispatcher, at boot). Two
 * programs map it:
 *  - the card side: the RT partition, through tdm_open() with
 *    {.kind = TDM_VTDM, .fd = fd}. It is the clock master: its timerfd
 *    ticks every 1 ms and each tick moves TDM_CHUNK samples per channel;
 *  - the far end: the PSTN simulator (board/sim/pstnsim), through
 *    vtdm_attach_far(). It runs its own 1 ms loop at normal priority and
 *    keeps the rings filled about 20 ms ahead of the card; the rings
 *    (VTDM_RING_SAMPLES, 256 ms) absorb its jitter.
 *
 * Region layout (all offsets in the header; version VTDM_VERSION):
 *
 *   0          struct vtdm_shm_hdr: magic, version, sizes, the span layout,
 *              then one cache line written by the card (pid, clock) and
 *              one written by the far end (pid)
 *   chans_off  nchans control blocks of chan_stride (VTDM_CTL_BYTES)
 *              bytes, in layout order (span 0's channels, then span 1's):
 *     +0         struct vtdm_card_ctl  written by the card only
 *     +64        struct vtdm_far_ctl   written by the far end only
 *   rings_off  the card -> far end rings, then the far end -> card rings,
 *              interleaved as a card's DMA buffers are: ring_samples /
 *              VTDM_COL rows of nchans columns of VTDM_COL samples, so
 *              that sample p of channel i is at row (p mod ring_samples) /
 *              VTDM_COL, column i, place p mod VTDM_COL.
 *
 * One tick of every channel is thus one contiguous row in each direction,
 * and the control blocks one contiguous array: the card walks them in
 * order, a few pages a tick. Version 2 kept each channel's control lines
 * and rings together, three pages a channel and tick; measured on this VM
 * with 1440 lines (A/B, two rounds each), the RT partition used 14 % of
 * its CPU idle and 64-70 % with 700 G.711 channels, against 12 % and
 * 55-65 % now.
 *
 * Each ring has one producer and one consumer and free-running 32-bit
 * sample counters (head: samples written, tail: samples taken; published
 * with release stores, read with acquire loads); each side keeps its own
 * counter privately and never trusts the other's: a fill level above the
 * ring's size is counted (resyncs) and the ring restarts empty.
 *
 * Signalling: each channel has a state word per direction, whose meaning
 * depends on the span's type (VTDM_F_* far -> card, VTDM_C_* card -> far;
 * an E1 channel's words hold a VTDM_E1_* value). The card turns changes of
 * the far end's word into tdm events at its next tdm_ticks():
 *   FXS  VTDM_F_OFFHOOK rises: TDM_EV_OFFHOOK, or TDM_EV_FLASH when the
 *        phone was on-hook for less than VTDM_FLASH_MS; falls and stays
 *        down VTDM_FLASH_MS: TDM_EV_ONHOOK, stamped with the tick it fell.
 *        The card stops ringing (clears VTDM_C_RING) when the phone goes
 *        off-hook (ring trip); RING_ON on an off-hook phone does nothing.
 *   FXO  VTDM_F_RING rises: TDM_EV_RING, falls: TDM_EV_RING_STOP (one pair
 *        per burst of the CO's ring cadence); VTDM_F_ANSWER rises (polarity
 *        reversal: our outgoing call was answered): TDM_EV_ANSWER;
 *        VTDM_F_DISC rises (loop current dropped: the far party hung up):
 *        TDM_EV_CLEAR.
 *   E1   the far word becomes SEIZED: TDM_EV_SEIZE (incoming call),
 *        ANSWERED: TDM_EV_ANSWER, IDLE: TDM_EV_CLEAR (the far end cleared,
 *        or followed the card's own CLEAR: the release is complete).
 * Commands set the card's word: FXS RING_ON/OFF VTDM_C_RING; FXO
 * SEIZE/RELEASE VTDM_C_OFFHOOK; E1 SEIZE -> SEIZED, ANSWER -> ANSWERED,
 * CLEAR and RELEASE -> IDLE, or CLEARED when the far end has seized the
 * channel and the card has not answered: the gateway refuses the far
 * end's call (no call free, no route). The far end then releases (its
 * word IDLE: TDM_EV_CLEAR, the release is complete) and the card's word
 * goes back to IDLE by itself. Without it a caller refused before the
 * answer would never learn it: the card's word was IDLE all along.
 *
 * When a card opens the region it takes the lines over as the last card
 * left them (its words kept: a seized line stays seized, a ringing phone
 * rings, so the calls on them outlive a restarted RT partition once the
 * PBX gives them channels again), discards stale far -> card audio, and
 * reports the far end's current state as events at its first tick (a
 * phone already off-hook, a line already ringing, an E1 channel already
 * seized). Closing the card resets its words (lines released, no
 * ringing). Only one far end may be attached at a time.
 */
#ifndef HAL_VTDM_H
#define HAL_VTDM_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "hal/tdm.h"

#define VTDM_MAGIC		0x4d445456u	/* "VTDM" */
#define VTDM_VERSION		3u	/* 3: interleaved rings */
#define VTDM_RING_SAMPLES	2048u	/* per ring: 256 ms */
#define VTDM_RING_MIN		256u
#define VTDM_RING_MAX		65536u
#define VTDM_CHANS_OFF		4096u
#define VTDM_CTL_BYTES		128u	/* card line + far line */
#define VTDM_COL		TDM_CHUNK	/* samples per channel and row */
#define VTDM_TICK_NS		1000000u
#define VTDM_FLASH_MS		600u	/* shorter on-hook: a flash */

/* far end -> card state word */
#define VTDM_F_OFFHOOK	0x1u	/**< FXS: the phone is off-hook */
#define VTDM_F_RING	0x2u	/**< FXO: the CO rings (voltage on) */
#define VTDM_F_ANSWER	0x4u	/**< FXO: polarity reversed: answer */
#define VTDM_F_DISC	0x8u	/**< FXO: loop current drop: hang-up */
/* card -> far end state word */
#define VTDM_C_RING	0x1u	/**< FXS: ring the phone */
#define VTDM_C_OFFHOOK	0x2u	/**< FXO: the gateway is off-hook */
/* E1 channels, both words */
#define VTDM_E1_IDLE	0u
#define VTDM_E1_SEIZED	1u	/**< this side calls */
#define VTDM_E1_ANSWERED 2u	/**< this side answered the other's call */
#define VTDM_E1_CLEARED	3u	/**< card: the far end's call refused */

struct vtdm_span_desc {
	uint32_t sig;		/**< enum tdm_sig */
	uint32_t nchans;
};

/** Header at offset 0; its layout is part of VTDM_VERSION. */
struct vtdm_shm_hdr {
	uint32_t magic;
	uint16_t version;
	uint16_t hdr_size;
	uint64_t region_size;
	uint32_t chunk;		/**< TDM_CHUNK */
	uint32_t rate;		/**< TDM_RATE */
	uint32_t nspans;
	uint32_t nchans;	/**< channels of all spans */
	uint32_t ring_samples;	/**< per ring, a power of two */
	uint32_t chan_stride;	/**< bytes per control block */
	uint64_t chans_off;	/**< the control blocks */
	uint64_t rings_off;	/**< the rings, page-aligned */
	uint32_t creator_pid;
	uint32_t reserved;
	struct vtdm_span_desc span[TDM_MAX_SPANS];
	/* written by the card only */
	_Alignas(64) _Atomic uint32_t card_pid;	/**< 0: no card open */
	_Atomic uint32_t card_opens;	/**< times a card opened it */
	_Atomic uint64_t card_ticks;	/**< the card's clock, in ticks */
	/* written by the far end only */
	_Alignas(64) _Atomic uint32_t far_pid;	/**< 0: none attached */
	_Atomic uint32_t far_attaches;
};

/** Per channel, written by the card only. */
struct vtdm_card_ctl {
	_Alignas(64) _Atomic uint32_t c2f_head;	/**< samples written */
	_Atomic uint32_t f2c_tail;		/**< samples taken */
	_Atomic uint32_t state;		/**< VTDM_C_*, VTDM_E1_* */
	uint32_t pad;
	_Atomic uint64_t underruns;	/**< samples the far end missed */
	_Atomic uint64_t overruns;	/**< samples it had no room for */
	_Atomic uint64_t resyncs;	/**< corrupt indices found */
};

/** Per channel, written by the far end only. */
struct vtdm_far_ctl {
	_Alignas(64) _Atomic uint32_t f2c_head;
	_Atomic uint32_t c2f_tail;
	_Atomic uint32_t state;		/**< VTDM_F_*, VTDM_E1_* */
	uint32_t pad;
	_Atomic uint64_t drops;		/**< samples with no room */
	_Atomic uint64_t resyncs;
};

/** Counters of one channel, both sides (vtdm_far_chan_stats()). */
struct vtdm_chan_stats {
	uint32_t card_state, far_state;
	uint32_t to_card;	/**< samples queued far -> card now */
	uint32_t to_far;	/**< samples queued card -> far now */
	uint64_t card_underruns, card_overruns, card_resyncs;
	uint64_t far_drops, far_resyncs;
};

/** The card as the far end sees it. */
struct vtdm_card_info {
	uint32_t pid;		/**< 0: no card open */
	uint32_t opens;
	uint64_t ticks;
};

struct vtdm_far;

int  vtdm_create(int *fdp, const struct tdm_layout *l);
int  vtdm_check(const void *region, size_t size, char *why, size_t whylen);
size_t vtdm_region_size(const struct tdm_layout *l, uint32_t ring_samples);

int  vtdm_attach_far(struct vtdm_far **fp, int fd, char *err, size_t len);
struct vtdm_far *vtdm_far_detach(struct vtdm_far *f);
void vtdm_far_layout(const struct vtdm_far *f, struct tdm_layout *l);
unsigned vtdm_far_nchans(const struct vtdm_far *f);
int  vtdm_far_chan(const struct vtdm_far *f, unsigned span, unsigned chan);
size_t vtdm_far_read(struct vtdm_far *f, unsigned idx, int16_t *pcm,
		     size_t max);
size_t vtdm_far_write(struct vtdm_far *f, unsigned idx, const int16_t *pcm,
		      size_t n);
size_t vtdm_far_queued(const struct vtdm_far *f, unsigned idx);
void vtdm_far_state_set(struct vtdm_far *f, unsigned idx, uint32_t w);
uint32_t vtdm_far_state(const struct vtdm_far *f, unsigned idx);
uint32_t vtdm_far_card_state(const struct vtdm_far *f, unsigned idx);
void vtdm_far_card_info(const struct vtdm_far *f, struct vtdm_card_info *ci);
void vtdm_far_chan_stats(const struct vtdm_far *f, unsigned idx,
			 struct vtdm_chan_stats *st);

#endif /* HAL_VTDM_H */

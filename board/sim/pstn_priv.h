/* SPDX-License-Identifier: MIT */
/** @file pstn_priv.h  Shared by the simulator's lines (pstn.c), their
 *  audio (pstn_audio.c) and commands (pstn_cmd.c) */
#ifndef BOARD_SIM_PSTN_PRIV_H
#define BOARD_SIM_PSTN_PRIV_H

#include <spandsp.h>
#include <stdbool.h>
#include <stdint.h>

#include "board/sim/faxm.h"
#include "board/sim/pstn.h"
#include "board/sim/pstn_echo.h"
#include "board/sim/pstn_wav.h"

#define PSTN_LEVEL_WINDOW	800	/* samples: 100 ms */
#define PSTN_SILENT_DBM0	-99.0f

struct pstn_line {
	unsigned idx;			/* the card's channel index */
	unsigned span, chan;
	enum tdm_sig sig;
	char number[24];

	/* signalling, the network's side */
	bool offhook;			/* FXS */
	uint64_t flash_end;		/* FXS: 0, or back off-hook then */
	bool co_ringing;		/* FXO: cadence running */
	bool ring_now;			/* FXO: cadence in its on part */
	uint64_t ring_t0;
	bool ring_pending;		/* FXO: cadence starts next tick */
	bool answered;			/* FXO: polarity reversed */
	bool disc;			/* FXO: loop current dropped */
	bool connected;			/* FXO: gateway took the ring */
	uint32_t e1;			/* E1: the far exchange's state */
	bool e1_cleared;		/* E1: far cleared, gateway not yet */
	uint32_t card_prev;		/* the gateway's word, last tick */
	unsigned rings;
	unsigned refused;		/* E1: calls cleared back */

	uint64_t audio_next;		/* ms of the next audio batch */

	/* audio towards the gateway */
	dtmf_tx_state_t *dtx;
	bool dialling;
	bool tone_on;
	uint32_t ph1, ph2;
	int32_t rate1, rate2;
	int16_t scale;
	int16_t *play;
	size_t play_len, play_pos;
	bool play_loop;
	char play_path[PSTN_PATH_MAX];

	/* audio from the gateway */
	dtmf_rx_state_t *drx;
	char heard[PSTN_HEARD_MAX + 1];
	double acc;
	unsigned acc_n;
	float level;
	struct pstn_wav_writer *rec;
	char rec_path[PSTN_PATH_MAX];

	/* a fax machine on the line, both ways; kept when done for its
	 * result, until the next fax or stop */
	struct faxm *fax;
	uint64_t rx_samples, tx_samples;

	/* the line's hybrid echo (pstn_echo.h), NULL when it has none */
	struct pstn_echo *echo;
};

struct pstn {
	struct vtdm_far *far;
	struct pstn_cfg cfg;
	uint64_t now;			/* ms, from the last tick */
	unsigned nlines;
	struct pstn_line *line;
	char err[256];
};

int  pstn_fail(struct pstn *p, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
struct pstn_line *pstn_line_get(struct pstn *p, unsigned line);

int  pstn_audio_init(struct pstn *p, struct pstn_line *l);
void pstn_audio_fini(struct pstn_line *l);
void pstn_audio_tick(struct pstn *p, struct pstn_line *l);

#endif /* BOARD_SIM_PSTN_PRIV_H */

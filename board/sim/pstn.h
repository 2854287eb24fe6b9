/* SPDX-License-Identifier: MIT */
/** @file pstn.h  The PSTN simulator: the far end of the vtdm card
 *
 * Every channel of the card is a line of the simulated telephone network,
 * seen from the network's side:
 *  - an FXS port's channel is an analog phone: it goes off-hook and
 *    on-hook, flashes, dials, and rings when the gateway rings it;
 *  - an FXO port's channel is a CO line: the CO rings it (cadence
 *    ring_on_ms / ring_off_ms, until the gateway seizes the line or the
 *    caller gives up), and on a call the gateway placed the far party
 *    answers (polarity reversal) and hangs up (loop current drop);
 *  - an E1 channel is a CAS trunk channel: the far exchange seizes it for
 *    an incoming call, answers the gateway's outgoing call, clears; when
 *    the gateway clears, the far exchange clears too.
 * On every line it plays audio towards the gateway (DTMF from SpanDSP's
 * dtmf_tx, tones, WAV files; mixed) and listens to what the gateway sends
 * (DTMF digits with dtmf_rx, the level, a WAV recording); a fax machine
 * (faxm.h) can send or receive a document on it.
 *
 * Lines are numbered 1..n in the card's layout order (span 0's channels
 * first). Telephone numbers: the FXO lines, then the E1 channels, get
 * number_base, number_base + 1, ... (5550100 for the first FXO line by
 * default); the FXS phones get fxs_base, fxs_base + 1, ... when fxs_base is
 * set (no number by default: their numbers belong to the gateway's dial
 * plan). A line is addressed by its number, as "span/chan", or by its
 * line number (pstn_line_find()).
 *
 * Time: pstn_tick() is called about every millisecond with the monotonic
 * time in ms (tests pass their own clock). Signalling is followed every
 * tick. Audio is paced by the card's clock, not by this one, and moved in
 * batches: every batch_ms, each line (the lines spread over that period)
 * tops the far -> card ring up to ahead_ms + batch_ms and takes everything
 * the card sent. The simulator runs on a Linux CPU beside the Linux
 * partition: with 1440 lines it took 28-35 % of that CPU moving audio
 * every millisecond, 20-25 % every 10 ms (measured, alternating); the
 * card's side on the RT CPU costs the same either way.
 *
 * Errors: the line operations return a negative errno and leave a
 * sentence in pstn_error().
 */
#ifndef BOARD_SIM_PSTN_H
#define BOARD_SIM_PSTN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "board/sim/faxm.h"
#include "hal/tdm.h"
#include "hal/vtdm.h"

#define PSTN_SOCKET		"pstn.sock"
#define PSTN_NUMBER_BASE	5550100ul
#define PSTN_HEARD_MAX		64	/* DTMF digits kept per line */
#define PSTN_PATH_MAX		256
#define PSTN_AHEAD_MAX_MS	100
#define PSTN_BATCH_MAX_MS	50

struct pstn_cfg {
	unsigned long number_base;	/**< first FXO/E1 number */
	unsigned long fxs_base;		/**< first FXS number, 0: none */
	unsigned ahead_ms;		/**< far -> card lead (20) */
	unsigned batch_ms;		/**< audio moved every (10) */
	unsigned ring_on_ms;		/**< CO ring cadence (2000 on, */
	unsigned ring_off_ms;		/**<  4000 off) */
	unsigned flash_ms;		/**< a phone's hook flash (250) */
	unsigned dtmf_on_ms;		/**< DTMF tone (100) */
	unsigned dtmf_off_ms;		/**< and gap (100) */
	int dtmf_level;			/**< dBm0 per tone (-10) */
};

/** What a line is doing, from the network's side. */
enum pstn_state {
	PSTN_ONHOOK, PSTN_OFFHOOK, PSTN_FLASHING,	/* FXS phone */
	PSTN_IDLE, PSTN_RINGING, PSTN_SEIZED,		/* FXO, E1 */
	PSTN_ANSWERED, PSTN_DISCONNECTED,		/* FXO, E1 */
	PSTN_INCOMING, PSTN_OUTGOING,			/* E1 */
};

struct pstn_line_status {
	unsigned line;			/**< 1-based */
	unsigned span, chan;
	enum tdm_sig sig;
	char number[24];		/**< "" when none */
	enum pstn_state state;
	uint32_t card_state;		/**< the gateway's word (vtdm.h) */
	bool ringing;		/**< FXS: the gateway rings the phone;
				 *   FXO: the CO rings (cadence on) */
	unsigned rings;		/**< FXS: times the gateway started
				 *   ringing; FXO: bursts sent */
	unsigned refused;	/**< E1: our calls the gateway cleared
				 *   back before answering */
	bool dialling, tone, playing;	/**< audio towards the gateway */
	char heard[PSTN_HEARD_MAX + 1];	/**< DTMF digits received */
	float level_dbm0;	/**< received, last 100 ms; -99 silent */
	char recording[PSTN_PATH_MAX];	/**< "" when not recording */
	char play_file[PSTN_PATH_MAX];
	bool fax;			/**< a fax machine is on the line */
	struct faxm_result fax_result;	/**< its result so far */
	uint64_t rx_samples, tx_samples;
	bool echo;			/**< the line has a hybrid echo */
	float echo_erl_db;		/**< its echo return loss */
	unsigned echo_delay_ms;		/**< its delay, beyond the lead */
	uint64_t echo_restarts;		/**< realigned after a stall */
};

struct pstn;
struct vtdm_far;

void pstn_cfg_default(struct pstn_cfg *cfg);
int  pstn_create(struct pstn **pp, struct vtdm_far *far,
		 const struct pstn_cfg *cfg);
struct pstn *pstn_destroy(struct pstn *p);
void pstn_tick(struct pstn *p, uint64_t now_ms);
const char *pstn_error(const struct pstn *p);
struct vtdm_far *pstn_far(const struct pstn *p);

unsigned pstn_line_count(const struct pstn *p);
int  pstn_line_find(struct pstn *p, const char *addr);
int  pstn_line_status(const struct pstn *p, unsigned line,
		      struct pstn_line_status *st);
const char *pstn_state_name(enum pstn_state s);

int  pstn_offhook(struct pstn *p, unsigned line);
int  pstn_onhook(struct pstn *p, unsigned line);
int  pstn_flash(struct pstn *p, unsigned line);
int  pstn_ring(struct pstn *p, unsigned line);
int  pstn_answer(struct pstn *p, unsigned line);
int  pstn_hangup(struct pstn *p, unsigned line);
int  pstn_dial(struct pstn *p, unsigned line, const char *digits);
int  pstn_tone(struct pstn *p, unsigned line, float f1, float f2,
	       float level_dbm0);
int  pstn_play(struct pstn *p, unsigned line, const char *path, bool loop);
int  pstn_record(struct pstn *p, unsigned line, const char *path);
int  pstn_fax(struct pstn *p, unsigned line, bool send, const char *path,
	      bool calling);
int  pstn_line_echo(struct pstn *p, unsigned line, float erl_db,
		    unsigned delay_ms);
int  pstn_stop(struct pstn *p, unsigned line, const char *what);
void pstn_heard_clear(struct pstn *p, unsigned line);

/* the command protocol (pstn_cmd.c) */
#define PSTN_CMD_MAX		1024	/* bytes of one command line */
#define PSTN_REPLY_MAX		65536
#define PSTN_WAIT_DEFAULT_MS	5000

/** A `wait` command in progress (pstn_exec() returns 1). */
struct pstn_wait {
	unsigned line;
	int cond;
	char arg[PSTN_HEARD_MAX + 1];
	float level;
	uint64_t deadline_ms;
	unsigned timeout_ms;
};

int  pstn_exec(struct pstn *p, const char *cmd, uint64_t now_ms,
	       char *reply, size_t len, struct pstn_wait *w);
bool pstn_wait_poll(struct pstn *p, const struct pstn_wait *w,
		    uint64_t now_ms, char *reply, size_t len);

#endif /* BOARD_SIM_PSTN_H */

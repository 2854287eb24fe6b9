// SPDX-License-Identifier: MIT
/** @file pstn.c  PSTN simulator: lines, numbers and signalling
 *
 * Each tick, every line first follows the gateway (the card's state word:
 * ringing, seizure, release), then publishes its own state word (vtdm.h),
 * then moves audio (pstn_audio.c). The operations below change only this
 * side's state; the word goes out at the next tick.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/sim/pstn.h"
#include "board/sim/pstn_priv.h"
#include "hal/vtdm.h"

static const char *const state_names[] = {
	[PSTN_ONHOOK] = "onhook", [PSTN_OFFHOOK] = "offhook",
	[PSTN_FLASHING] = "flash", [PSTN_IDLE] = "idle",
	[PSTN_RINGING] = "ringing", [PSTN_SEIZED] = "seized",
	[PSTN_ANSWERED] = "answered", [PSTN_DISCONNECTED] = "disconnected",
	[PSTN_INCOMING] = "incoming", [PSTN_OUTGOING] = "outgoing",
};

/** Name of a line state ("onhook", "ringing", ...). */
const char *pstn_state_name(enum pstn_state s)
{
	return (unsigned)s < sizeof(state_names) / sizeof(state_names[0]) ?
	       state_names[s] : "?";
}

/** Defaults: numbers from 5550100, 20 ms ahead, audio every 10 ms, ring
 *  2 s on 4 s off, 250 ms flash, DTMF 100 ms on 100 ms off at -10 dBm0
 *  per tone. */
void pstn_cfg_default(struct pstn_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->number_base = PSTN_NUMBER_BASE;
	cfg->ahead_ms = 20;
	cfg->batch_ms = 10;
	cfg->ring_on_ms = 2000;
	cfg->ring_off_ms = 4000;
	cfg->flash_ms = 250;
	cfg->dtmf_on_ms = 100;
	cfg->dtmf_off_ms = 100;
	cfg->dtmf_level = -10;
}

/** Record why an operation failed. @return @p err */
int pstn_fail(struct pstn *p, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->err, sizeof(p->err), fmt, ap);
	va_end(ap);
	return err;
}

/** Why the last operation failed. */
const char *pstn_error(const struct pstn *p)
{
	return p->err;
}

/** The far end the simulator drives. */
struct vtdm_far *pstn_far(const struct pstn *p)
{
	return p->far;
}

/** Number of lines. */
unsigned pstn_line_count(const struct pstn *p)
{
	return p->nlines;
}

/** Line @p line (1-based), or NULL with the error set. */
struct pstn_line *pstn_line_get(struct pstn *p, unsigned line)
{
	if (!line || line > p->nlines) {
		pstn_fail(p, -EINVAL, "no line %u (lines 1-%u)", line,
			  p->nlines);
		return NULL;
	}
	return &p->line[line - 1];
}

static void set_numbers(struct pstn *p)
{
	unsigned long pstn = p->cfg.number_base, fxs = p->cfg.fxs_base;
	unsigned i;

	for (i = 0; i < p->nlines; i++) {
		struct pstn_line *l = &p->line[i];

		if (l->sig != TDM_SIG_FXS && pstn)
			snprintf(l->number, sizeof(l->number), "%lu", pstn++);
		else if (l->sig == TDM_SIG_FXS && fxs)
			snprintf(l->number, sizeof(l->number), "%lu", fxs++);
	}
}

/** Create the simulator on the far end @p far (which stays the caller's)
 *  with @p cfg (NULL: defaults). Every line starts idle and on-hook.
 *  @return 0, -EINVAL (bad configuration), or -ENOMEM */
int pstn_create(struct pstn **pp, struct vtdm_far *far,
		const struct pstn_cfg *cfg)
{
	struct tdm_layout lay;
	struct pstn *p;
	unsigned s, c, i = 0;

	if (!pp || !far)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	if (cfg)
		p->cfg = *cfg;
	else
		pstn_cfg_default(&p->cfg);
	if (!p->cfg.ahead_ms || p->cfg.ahead_ms > PSTN_AHEAD_MAX_MS ||
	    !p->cfg.batch_ms || p->cfg.batch_ms > PSTN_BATCH_MAX_MS ||
	    !p->cfg.ring_on_ms || !p->cfg.flash_ms || !p->cfg.dtmf_on_ms) {
		free(p);
		return -EINVAL;
	}
	p->far = far;
	p->nlines = vtdm_far_nchans(far);
	p->line = calloc(p->nlines, sizeof(*p->line));
	if (!p->line) {
		free(p);
		return -ENOMEM;
	}
	vtdm_far_layout(far, &lay);
	for (s = 0; s < lay.nspans; s++)
		for (c = 0; c < lay.span[s].nchans; c++, i++) {
			struct pstn_line *l = &p->line[i];

			l->idx = i;
			l->span = s;
			l->chan = c;
			l->sig = lay.span[s].sig;
			vtdm_far_state_set(far, i, 0);
			if (pstn_audio_init(p, l)) {
				pstn_destroy(p);
				return -ENOMEM;
			}
		}
	set_numbers(p);
	*pp = p;
	return 0;
}

/** Stop everything (recordings are closed and complete) and free the
 *  simulator; the lines' state words are left as they are. @return NULL */
struct pstn *pstn_destroy(struct pstn *p)
{
	unsigned i;

	if (!p)
		return NULL;
	for (i = 0; i < p->nlines; i++)
		pstn_audio_fini(&p->line[i]);
	free(p->line);
	free(p);
	return NULL;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/** Find a line by telephone number, "span/chan", or line number, in this
 *  order. @return the line number (1-based), or -ENOENT (error set) */
int pstn_line_find(struct pstn *p, const char *addr)
{
	unsigned long v;
	unsigned s, c, i;
	char extra;
	int idx;

	for (i = 0; i < p->nlines; i++)
		if (p->line[i].number[0] && !strcmp(addr, p->line[i].number))
			return (int)i + 1;
	if (sscanf(addr, "%u/%u%c", &s, &c, &extra) == 2 &&
	    strchr(addr, '/') && isdigit((unsigned char)addr[0])) {
		idx = vtdm_far_chan(p->far, s, c);
		if (idx >= 0)
			return idx + 1;
	} else if (all_digits(addr)) {
		v = strtoul(addr, NULL, 10);
		if (v >= 1 && v <= p->nlines)
			return (int)v;
	}
	return pstn_fail(p, -ENOENT, "no line \"%s\": give a line number "
			 "1-%u, span/chan such as 0/0, or a telephone number "
			 "such as %lu", addr, p->nlines,
			 p->cfg.number_base);
}

static enum pstn_state fxo_state(const struct pstn_line *l, uint32_t card)
{
	if (l->disc)
		return PSTN_DISCONNECTED;
	if (l->co_ringing)
		return PSTN_RINGING;
	if (!(card & VTDM_C_OFFHOOK))
		return PSTN_IDLE;
	return l->answered || l->connected ? PSTN_ANSWERED : PSTN_SEIZED;
}

static enum pstn_state e1_state(const struct pstn_line *l, uint32_t card)
{
	if (l->e1_cleared)
		return PSTN_DISCONNECTED;
	if (l->e1 == VTDM_E1_ANSWERED || card == VTDM_E1_ANSWERED)
		return PSTN_ANSWERED;
	if (l->e1 == VTDM_E1_SEIZED)
		return PSTN_INCOMING;
	if (card == VTDM_E1_SEIZED)
		return PSTN_OUTGOING;
	return PSTN_IDLE;
}

static enum pstn_state line_state(const struct pstn_line *l, uint32_t card)
{
	switch (l->sig) {
	case TDM_SIG_FXS:
		return l->flash_end ? PSTN_FLASHING :
		       l->offhook ? PSTN_OFFHOOK : PSTN_ONHOOK;
	case TDM_SIG_FXO:
		return fxo_state(l, card);
	case TDM_SIG_E1:
		return e1_state(l, card);
	}
	return PSTN_IDLE;
}

/** Describe line @p line. @return 0 or -EINVAL */
int pstn_line_status(const struct pstn *p, unsigned line,
		     struct pstn_line_status *st)
{
	const struct pstn_line *l;

	if (!line || line > p->nlines)
		return -EINVAL;
	l = &p->line[line - 1];
	memset(st, 0, sizeof(*st));
	st->line = line;
	st->span = l->span;
	st->chan = l->chan;
	st->sig = l->sig;
	snprintf(st->number, sizeof(st->number), "%s", l->number);
	st->card_state = vtdm_far_card_state(p->far, l->idx);
	st->state = line_state(l, st->card_state);
	st->ringing = l->sig == TDM_SIG_FXS ?
		      !!(st->card_state & VTDM_C_RING) : l->ring_now;
	st->rings = l->rings;
	st->refused = l->refused;
	st->dialling = l->dialling;
	st->tone = l->tone_on;
	st->playing = l->play != NULL;
	snprintf(st->heard, sizeof(st->heard), "%s", l->heard);
	st->level_dbm0 = l->level;
	snprintf(st->recording, sizeof(st->recording), "%s",
		 l->rec ? l->rec_path : "");
	snprintf(st->play_file, sizeof(st->play_file), "%s",
		 l->play ? l->play_path : "");
	st->fax = l->fax != NULL;
	if (l->fax)
		faxm_result(l->fax, &st->fax_result);
	st->rx_samples = l->rx_samples;
	st->tx_samples = l->tx_samples;
	st->echo = l->echo != NULL;
	if (l->echo)
		pstn_echo_info(l->echo, &st->echo_erl_db, &st->echo_delay_ms,
			       &st->echo_restarts);
	return 0;
}

/* --- following the gateway, each tick --------------------------------- */

static uint32_t far_word(const struct pstn_line *l)
{
	switch (l->sig) {
	case TDM_SIG_FXS:
		return l->offhook && !l->flash_end ? VTDM_F_OFFHOOK : 0;
	case TDM_SIG_FXO:
		return (l->ring_now ? VTDM_F_RING : 0) |
		       (l->answered ? VTDM_F_ANSWER : 0) |
		       (l->disc ? VTDM_F_DISC : 0);
	case TDM_SIG_E1:
		return l->e1;
	}
	return 0;
}

static void follow_fxo(struct pstn *p, struct pstn_line *l, uint32_t card)
{
	bool seized = card & VTDM_C_OFFHOOK;
	uint64_t period = p->cfg.ring_on_ms + p->cfg.ring_off_ms;
	bool on;

	if (l->ring_pending) {
		l->ring_pending = false;
		l->ring_t0 = p->now;
	}
	if (l->co_ringing && seized) {	/* the gateway answered */
		l->co_ringing = false;
		l->ring_now = false;
		l->connected = true;
	} else if (l->co_ringing) {
		on = (p->now - l->ring_t0) % period < p->cfg.ring_on_ms;
		if (on && !l->ring_now)
			l->rings++;
		l->ring_now = on;
	}
	if (!seized && (l->card_prev & VTDM_C_OFFHOOK)) {
		/* released: the line is idle again */
		l->answered = false;
		l->disc = false;
		l->connected = false;
	}
}

static void follow_gateway(struct pstn *p, struct pstn_line *l)
{
	uint32_t card = vtdm_far_card_state(p->far, l->idx);

	switch (l->sig) {
	case TDM_SIG_FXS:
		if (l->flash_end && p->now >= l->flash_end)
			l->flash_end = 0;
		if ((card & VTDM_C_RING) && !(l->card_prev & VTDM_C_RING))
			l->rings++;
		break;
	case TDM_SIG_FXO:
		follow_fxo(p, l, card);
		break;
	case TDM_SIG_E1:
		if (card == VTDM_E1_CLEARED && l->e1 == VTDM_E1_SEIZED) {
			l->e1 = VTDM_E1_IDLE;	/* our call refused: release */
			l->refused++;
		} else if (card == VTDM_E1_IDLE &&
			   l->card_prev != VTDM_E1_IDLE) {
			l->e1 = VTDM_E1_IDLE;	/* the gateway cleared */
			l->e1_cleared = false;
		}
		break;
	}
	l->card_prev = card;
	if (vtdm_far_state(p->far, l->idx) != far_word(l))
		vtdm_far_state_set(p->far, l->idx, far_word(l));
}

/** Run the simulator at time @p now_ms (monotonic, ms): follow the
 *  gateway's signalling, publish every line's state, move audio.
 *  Context: the simulator's loop, about every 1 ms. */
void pstn_tick(struct pstn *p, uint64_t now_ms)
{
	unsigned i;

	p->now = now_ms;
	for (i = 0; i < p->nlines; i++) {
		struct pstn_line *l = &p->line[i];

		follow_gateway(p, l);
		if (now_ms < l->audio_next)
			continue;
		pstn_audio_tick(p, l);
		/* the next ms t with (t + idx) % batch == 0: lines spread */
		l->audio_next = now_ms + p->cfg.batch_ms -
				(now_ms + l->idx) % p->cfg.batch_ms;
	}
}

/* --- operations -------------------------------------------------------- */

static const char *sig_what(enum tdm_sig sig)
{
	return sig == TDM_SIG_FXS ? "an analog phone (FXS port)" :
	       sig == TDM_SIG_FXO ? "a CO line (FXO port)" :
	       "an E1 trunk channel";
}

/** Take the phone off-hook (FXS); on an FXO or E1 line: pstn_answer(). */
int pstn_offhook(struct pstn *p, unsigned line)
{
	struct pstn_line *l = pstn_line_get(p, line);

	if (!l)
		return -EINVAL;
	if (l->sig != TDM_SIG_FXS)
		return pstn_answer(p, line);
	if (l->offhook && !l->flash_end)
		return pstn_fail(p, -EALREADY, "line %u is already off-hook",
				 line);
	l->offhook = true;
	l->flash_end = 0;
	return 0;
}

/** Hang the phone up (FXS); on an FXO or E1 line: pstn_hangup(). */
int pstn_onhook(struct pstn *p, unsigned line)
{
	struct pstn_line *l = pstn_line_get(p, line);

	if (!l)
		return -EINVAL;
	if (l->sig != TDM_SIG_FXS)
		return pstn_hangup(p, line);
	if (!l->offhook)
		return pstn_fail(p, -EALREADY, "line %u is already on-hook",
				 line);
	l->offhook = false;
	l->flash_end = 0;
	return 0;
}

/** Flash the hook of an off-hook phone (FXS): on-hook for flash_ms. */
int pstn_flash(struct pstn *p, unsigned line)
{
	struct pstn_line *l = pstn_line_get(p, line);

	if (!l)
		return -EINVAL;
	if (l->sig != TDM_SIG_FXS)
		return pstn_fail(p, -EINVAL, "line %u is %s: only a phone "
				 "flashes", line, sig_what(l->sig));
	if (!l->offhook || l->flash_end)
		return pstn_fail(p, -EINVAL, "line %u: the phone is %s",
				 line, l->flash_end ? "flashing already" :
				 "on-hook (go off-hook first)");
	l->flash_end = p->now + p->cfg.flash_ms;
	if (!l->flash_end)
		l->flash_end = 1;
	return 0;
}

/** Call the gateway: the CO rings an FXO line (cadence, until the
 *  gateway seizes it or pstn_hangup()), the far exchange seizes an E1
 *  channel. A phone (FXS) cannot ring: the gateway rings it. */
int pstn_ring(struct pstn *p, unsigned line)
{
	struct pstn_line *l = pstn_line_get(p, line);
	uint32_t card;

	if (!l)
		return -EINVAL;
	card = vtdm_far_card_state(p->far, l->idx);
	if (l->sig == TDM_SIG_FXS)
		return pstn_fail(p, -EINVAL, "line %u is an analog phone (FXS "
				 "port): the gateway rings it, the network "
				 "cannot", line);
	if (l->sig == TDM_SIG_FXO) {
		if (l->co_ringing)
			return pstn_fail(p, -EALREADY, "line %u is already "
					 "ringing", line);
		if (card & VTDM_C_OFFHOOK)
			return pstn_fail(p, -EBUSY, "line %u: the gateway "
					 "holds the line (off-hook)", line);
		l->co_ringing = true;
		l->ring_pending = true;
		return 0;
	}
	if (l->e1 != VTDM_E1_IDLE)
		return pstn_fail(p, -EALREADY, "line %u: the far exchange "
				 "already holds the channel", line);
	if (card != VTDM_E1_IDLE)
		return pstn_fail(p, -EBUSY, "line %u: the gateway has seized "
				 "the channel (an outgoing call: answer it)",
				 line);
	l->e1 = VTDM_E1_SEIZED;
	return 0;
}

/** Answer the gateway's call: the far party picks up on an FXO line
 *  (polarity reversal), the far exchange answers on an E1 channel, the
 *  phone goes off-hook on an FXS port. */
int pstn_answer(struct pstn *p, unsigned line)
{
	struct pstn_line *l = pstn_line_get(p, line);
	uint32_t card;

	if (!l)
		return -EINVAL;
	if (l->sig == TDM_SIG_FXS)
		return pstn_offhook(p, line);
	card = vtdm_far_card_state(p->far, l->idx);
	if (l->sig == TDM_SIG_FXO) {
		if (!(card & VTDM_C_OFFHOOK) || l->connected)
			return pstn_fail(p, -EINVAL, "line %u: no call from "
					 "the gateway to answer (it has not "
					 "seized the line)", line);
		if (l->answered)
			return pstn_fail(p, -EALREADY, "line %u: already "
					 "answered", line);
		l->answered = true;
		return 0;
	}
	if (card != VTDM_E1_SEIZED || l->e1 == VTDM_E1_SEIZED)
		return pstn_fail(p, -EINVAL, "line %u: no call from the "
				 "gateway to answer (it has not seized the "
				 "channel)", line);
	if (l->e1 == VTDM_E1_ANSWERED)
		return pstn_fail(p, -EALREADY, "line %u: already answered",
				 line);
	l->e1 = VTDM_E1_ANSWERED;
	return 0;
}

/** The network's side hangs up: an unanswered ring stops (the caller gave
 *  up), a call in progress is cleared (FXO: loop current drop; E1: clear);
 *  a phone (FXS) goes on-hook. */
int pstn_hangup(struct pstn *p, unsigned line)
{
	struct pstn_line *l = pstn_line_get(p, line);
	uint32_t card;

	if (!l)
		return -EINVAL;
	if (l->sig == TDM_SIG_FXS)
		return pstn_onhook(p, line);
	card = vtdm_far_card_state(p->far, l->idx);
	if (l->sig == TDM_SIG_FXO) {
		if (l->co_ringing) {
			l->co_ringing = false;
			l->ring_pending = false;
			l->ring_now = false;
			return 0;
		}
		if (!(card & VTDM_C_OFFHOOK) || l->disc)
			return pstn_fail(p, -EALREADY, "line %u: no call to "
					 "hang up", line);
		l->disc = true;
		return 0;
	}
	if (l->e1 == VTDM_E1_IDLE)
		return pstn_fail(p, -EALREADY, "line %u: the far exchange "
				 "holds no call on the channel (nothing to "
				 "hang up)", line);
	l->e1_cleared = card != VTDM_E1_IDLE;
	l->e1 = VTDM_E1_IDLE;
	return 0;
}

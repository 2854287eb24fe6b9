// SPDX-License-Identifier: MIT
/** @file pbx_tdm.c  The PBX's lines on the telephony card
 *
 * Analog phones (FXS extensions) and trunk lines (FXO exchange lines, E1
 * channels) in calls. Their signalling arrives as line events from the RT
 * partition, their digits as DTMF detected in-band on the call's channel.
 *
 *  - An FXS phone goes off-hook: a call whose leg a is the line; the phone
 *    hears dial tone and dials; the digits are routed once they name an
 *    extension or a route without a trailing '.', at '#', or after
 *    [sip] inter_digit_ms without a digit.
 *  - The exchange rings an FXO line: the gateway answers it (seizes the
 *    line) and gives dial tone; the caller dials an extension or a DID
 *    (two-stage dialling: an analog line carries no called number).
 *  - The far exchange seizes an E1 channel: it then sends the called number
 *    in-band; the gateway answers the channel when the callee answers.
 *  - Calls out on a trunk seize a free line of it and dial in-band; the
 *    caller hears the line's own progress tones (early media) until the
 *    far end answers (polarity reversal on FXO, answer on E1).
 *  - With every call of the table up (as many as the RT partition has
 *    channels), a line's caller is refused and recorded once: a phone
 *    hears congestion until it hangs up, an E1 caller is cleared back
 *    (the exchange then releases the channel), an FXO line is left
 *    ringing (never answered).
 * Calls from trunks reach only extensions and DIDs, never another trunk.
 */
#define LOG_MODULE "tdm"
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hal/tdm.h"
#include "media/dtmf.h"
#include "rtos-kernel/log.h"
#include "signalling/pbx_priv.h"

#define FIRST_DIGIT_MS	15000	/* off-hook, nothing dialled: give up */
#define SEIZE_DIAL_MS	400	/* after seizing, before dialling out */
#define DIGIT_MS	80	/* DTMF we send: 80 ms on, 50 ms off */
#define RING_GAP_S	10	/* longer without a ring burst: a new call */

/* when each FXO line's ringing was last refused (0: never): the bursts of
 * one incoming call make one record */
static uint64_t ring_refused_s[TDM_MAX_SPANS][TDM_MAX_CHANS];

static enum tdm_sig span_sig(int span)
{
	struct tdm_layout lay;
	char why[128];

	if (tdm_layout_parse(pbx.cfg->tdm.spans, &lay, why, sizeof(why)) ||
	    span < 0 || (unsigned)span >= lay.nspans)
		return TDM_SIG_FXS;	/* the config checked it: not reached */
	return lay.span[span].sig;
}

static bool lines_contain(const char *list, int span, int line)
{
	struct cfg_tdm_lines l;
	char why[128];

	if (cfg_parse_tdm_lines(list, &l, why, sizeof(why)))
		return false;
	for (unsigned i = 0; i < l.n; i++)
		if (l.r[i].span == (unsigned)span &&
		    (unsigned)line >= l.r[i].first &&
		    (unsigned)line <= l.r[i].last)
			return true;
	return false;
}

static const struct cfg_extension *fxs_extension(int span, int line)
{
	unsigned s, n;
	char why[128];

	for (unsigned i = 0; i < pbx.cfg->n_extensions; i++) {
		const struct cfg_extension *e = &pbx.cfg->extension[i];

		if (e->kind == CFG_EXT_FXS &&
		    !cfg_parse_tdm_line(e->line, &s, &n, why, sizeof(why)) &&
		    (int)s == span && (int)n == line)
			return e;
	}
	return NULL;
}

static const struct cfg_trunk *line_trunk(int span, int line)
{
	for (unsigned i = 0; i < pbx.cfg->n_trunks; i++) {
		const struct cfg_trunk *t = &pbx.cfg->trunk[i];

		if (t->kind == CFG_TRUNK_TDM && lines_contain(t->lines, span,
							       line))
			return t;
	}
	return NULL;
}

/** A free line of trunk @p t. @return 0, or -EBUSY when all are in calls */
int tdm_trunk_line(const struct cfg_trunk *t, int *span, int *line)
{
	struct cfg_tdm_lines l;
	char why[128];

	if (cfg_parse_tdm_lines(t->lines, &l, why, sizeof(why)))
		return -EINVAL;
	for (unsigned i = 0; i < l.n; i++) {
		for (unsigned n = l.r[i].first; n <= l.r[i].last; n++) {
			if (call_by_line((int)l.r[i].span, (int)n))
				continue;
			*span = (int)l.r[i].span;
			*line = (int)n;
			return 0;
		}
	}
	return -EBUSY;
}

/* --- dialling in: collecting a TDM caller's digits ----------------------------------- */

static void route_collected(struct call *c)
{
	char number[PBX_DIGITS];

	timer_stop(c);
	snprintf(number, sizeof(number), "%s", c->digits);
	c->state = CALL_PROCEEDING;
	media_tone(c, 0, MSG_TONE_STOP);
	if (!strcmp(c->a.party.kind, "trunk")) {
		/* from the network: to the PBX's own numbers only */
		const struct cfg_extension *e = dp_did(pbx.cfg, number);

		if (!e)
			e = dp_extension(pbx.cfg, number);
		if (!e) {
			LOG_INFO("call %u from trunk %s: %s is no number of "
				 "ours", c->id, c->a.party.name, number);
			call_end(c, CALLREC_FAILED, 404, "Not Found");
			return;
		}
		snprintf(number, sizeof(number), "%s", e->number);
	}
	call_route(c, number);
}

static void digit_timeout(su_root_magic_t *m, su_timer_t *t,
			  su_timer_arg_t *arg)
{
	struct call *c = (struct call *)arg;

	(void)m;
	(void)t;
	if (c->state != CALL_COLLECTING)
		return;
	if (!c->digits[0]) {
		call_fail(c, 408, "Nothing Dialled", CALLREC_FAILED);
		return;
	}
	route_collected(c);
}

/* true when the digits so far can only mean one number */
static bool number_complete(const struct call *c)
{
	struct dp_result r;

	if (!strcmp(c->a.party.kind, "trunk")) {
		size_t n = strlen(c->digits);

		if (dp_did(pbx.cfg, c->digits) ||
		    dp_extension(pbx.cfg, c->digits))
			return true;
		for (unsigned i = 0; i < pbx.cfg->n_dids; i++)
			if (!strncmp(pbx.cfg->did[i].number, c->digits, n))
				return false;
		for (unsigned i = 0; i < pbx.cfg->n_extensions; i++)
			if (!strncmp(pbx.cfg->extension[i].number, c->digits,
				     n))
				return false;
		return true;	/* nothing can match: fail now */
	}
	dp_route(pbx.cfg, c->digits, &r);
	switch (r.kind) {
	case DP_EXTENSION:
	case DP_NONE:
		return true;
	case DP_TRUNK:
		return r.route->pattern[strlen(r.route->pattern) - 1] != '.';
	default:
		return false;
	}
}

/** A digit detected on leg @p leg of @p c's channel. */
void tdm_digit(struct call *c, unsigned leg, char digit)
{
	size_t n = strlen(c->digits);

	LOG_DBG("call %u: digit %c on leg %c", c->id, digit, "ab"[leg & 1]);
	if (c->state != CALL_COLLECTING || leg != 0 || c->a.type != LEG_TDM)
		return;		/* in a call: the channel passes digits on */
	if (n == 0)
		media_tone(c, 0, MSG_TONE_STOP);
	if (digit == '#' && n) {
		route_collected(c);
		return;
	}
	if (digit < '0' || digit > '9' || n + 1 >= sizeof(c->digits))
		return;
	c->digits[n] = digit;
	c->digits[n + 1] = '\0';
	if (number_complete(c))
		route_collected(c);
	else
		timer_set(c, (unsigned)pbx.cfg->sip.inter_digit_ms,
			  digit_timeout);
}

/* --- dialling out on a trunk line ------------------------------------------------------ */

static void dial_now(su_root_magic_t *m, su_timer_t *t, su_timer_arg_t *arg)
{
	struct call *c = (struct call *)arg;

	(void)m;
	(void)t;
	for (const char *p = c->b.number; *p; p++)
		media_dtmf(c, 1, *p, DIGIT_MS);
	timer_set(c, (unsigned)pbx.cfg->sip.no_answer_s * 1000, call_no_answer);
}

/** Seize trunk line @p l (span and line set) and dial @p digits in-band
 *  once the exchange is ready. The caller hears the line (early media).
 *  @return 0 or a negative errno */
int tdm_call_out(struct call *c, struct leg *l, const char *digits)
{
	int err;

	if (strlen(digits) > DTMF_GEN_QUEUE)
		return -E2BIG;	/* longer than the generator queues */
	snprintf(l->number, sizeof(l->number), "%s", digits);
	line_cmd(l->span, l->line, TDM_CMD_SEIZE);
	err = media_open(c);
	if (err)
		return err;
	if (c->a.type == LEG_TDM)
		media_tone(c, 0, MSG_TONE_STOP);
	else
		sip_progress(c, 183, "Session Progress", true);
	c->state = CALL_PROCEEDING;
	timer_set(c, SEIZE_DIAL_MS, dial_now);
	return 0;
}

/* --- line events ------------------------------------------------------------------------ */

/* line span/line's caller, for whom no call is free (see the top) */
static void refused(int span, int line, bool fxs,
		    const struct callrec_party *from, const char *number)
{
	bool fxo = !fxs && span_sig(span) != TDM_SIG_E1;
	uint64_t *last = &ring_refused_s[span][line];
	uint64_t now = now_s();
	bool again = fxo && *last && now - *last <= RING_GAP_S;

	if (fxo)
		*last = now;
	if (again)
		return;		/* the same call's next ring burst */
	LOG_WARN("line %d/%d: no call free", span, line);
	call_refused(number, "", from);
	if (fxs)
		line_tone(span, line, MSG_TONE_CONGESTION);
	else if (!fxo)
		line_cmd(span, line, TDM_CMD_CLEAR);
}

/* a call whose leg a is TDM line span/line, with dial tone (or, on E1,
 * waiting for the called number); an FXO line is answered first */
static void incoming(int span, int line, const char *kind, const char *name,
		     const char *number, bool dial_tone)
{
	bool fxs = !strcmp(kind, "fxs");
	struct callrec_party from;
	struct call *c = call_new();

	snprintf(from.kind, sizeof(from.kind), "%s", kind);
	snprintf(from.name, sizeof(from.name), "%s", name);
	if (!c) {
		refused(span, line, fxs, &from, number);
		return;
	}
	ring_refused_s[span][line] = 0;
	if (!fxs && dial_tone)	/* answer the exchange line (FXO) */
		line_cmd(span, line, TDM_CMD_SEIZE);
	c->a.type = LEG_TDM;
	c->a.span = span;
	c->a.line = line;
	c->a.fxs = fxs;
	c->a.party = from;
	snprintf(c->a.number, sizeof(c->a.number), "%s", number);
	c->state = CALL_COLLECTING;
	if (media_open(c)) {
		call_end(c, CALLREC_CONGESTION, 503, "No Media");
		return;
	}
	if (dial_tone)
		media_tone(c, 0, MSG_TONE_DIAL);
	timer_set(c, FIRST_DIGIT_MS, digit_timeout);
}

/** The call is answered: a caller on an E1 channel is answered in turn
 *  (an FXO line was answered when it rang; a phone is off-hook). */
void tdm_answer(struct leg *l)
{
	if (!l->fxs && span_sig(l->span) == TDM_SIG_E1)
		line_cmd(l->span, l->line, TDM_CMD_ANSWER);
}

static void hung_up(struct call *c, struct leg *l)
{
	enum callrec_disp disp;
	char text[48];
	int cause;

	if (c->failed) {
		/* the caller heard busy or congestion until now */
		disp = c->disp;
		cause = c->cause;
		snprintf(text, sizeof(text), "%s", c->cause_text);
		call_end(c, disp, cause, text);
	} else if (c->answer_us) {
		call_end(c, CALLREC_ANSWERED, 200, "Normal Clearing");
	} else if (l == &c->a) {
		call_end(c, CALLREC_CANCELLED, 487, "Caller Hung Up");
	} else {
		/* a trunk line cleared before it answered */
		sip_fail(c, 480, "Temporarily Unavailable");
		call_end(c, CALLREC_FAILED, 480, "Line Cleared");
	}
}

/** A line event from the card. */
void tdm_line_event(unsigned span, unsigned line, unsigned ev)
{
	struct call *c = call_by_line((int)span, (int)line);
	struct leg *l = !c ? NULL : (c->a.span == (int)span &&
				     c->a.line == (int)line) ? &c->a : &c->b;
	const struct cfg_extension *e;
	const struct cfg_trunk *t;

	LOG_DBG("line %u/%u: %s%s", span, line, tdm_ev_name((enum tdm_ev)ev),
		c ? " (in a call)" : "");
	switch (ev) {
	case TDM_EV_OFFHOOK:
		if (c && l == &c->b && c->state == CALL_RINGING) {
			line_cmd((int)span, (int)line, TDM_CMD_RING_OFF);
			call_connect(c);
			return;
		}
		if (c)
			return;
		e = fxs_extension((int)span, (int)line);
		if (!e) {
			LOG_WARN("line %u/%u off-hook: no [extension] on this "
				 "line", span, line);
			return;
		}
		incoming((int)span, (int)line, "fxs", e->number, e->number,
			 true);
		return;
	case TDM_EV_ONHOOK:
	case TDM_EV_CLEAR:
		if (c)
			hung_up(c, l);
		else if (ev == TDM_EV_ONHOOK)	/* a refused phone: */
			line_tone((int)span, (int)line, /* congestion ends */
				  MSG_TONE_STOP);
		return;
	case TDM_EV_RING:
	case TDM_EV_SEIZE:
		if (c)
			return;		/* the next burst of the same call */
		t = line_trunk((int)span, (int)line);
		if (!t) {
			LOG_WARN("line %u/%u: an incoming call on no trunk",
				 span, line);
			return;
		}
		incoming((int)span, (int)line, "trunk", t->name, "",
			 ev == TDM_EV_RING);
		return;
	case TDM_EV_ANSWER:
		if (c && l == &c->b && !c->answer_us)
			call_connect(c);
		return;
	default:		/* flash, ring-stop: nothing to do */
		return;
	}
}

/** Hang up TDM leg @p l: stop ringing the phone, release the line. */
void tdm_hangup(struct leg *l)
{
	if (l->fxs) {
		if (l == &l->call->b && !l->call->answer_us)
			line_cmd(l->span, l->line, TDM_CMD_RING_OFF);
		return;		/* the phone itself hangs up */
	}
	line_cmd(l->span, l->line, span_sig(l->span) == TDM_SIG_E1 ?
		 TDM_CMD_CLEAR : TDM_CMD_RELEASE);
}

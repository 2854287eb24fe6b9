// SPDX-License-Identifier: MIT
/** @file tdm.c  TDM interface: driver dispatch, events, layouts, names
 *
 * Every driver shares what is kept here: the checks of span, channel and
 * command against the card's layout, the queue of signalling events
 * (TDM_EVQ_LEN deep; a full queue loses the event and counts it), and the
 * parser of layout strings such as "fxs:2,fxo:2,e1:30".
 */
#define LOG_MODULE "tdm"
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hal/tdm.h"
#include "hal/tdm_priv.h"
#include "rtos-kernel/log.h"
#include "rtos-kernel/rtk.h"

#define E1_MAX_CHANS	30	/* timeslots 1-15 and 17-31; 16 signals */

static const struct tdm_ops *const drivers[] = {
	[TDM_VTDM] = &tdm_vtdm_ops,
	[TDM_DAHDI] = &tdm_dahdi_ops,
};

static const char *const sig_names[] = {
	[TDM_SIG_FXS] = "fxs", [TDM_SIG_FXO] = "fxo", [TDM_SIG_E1] = "e1",
};

static const char *const ev_names[] = {
	[TDM_EV_OFFHOOK] = "offhook", [TDM_EV_ONHOOK] = "onhook",
	[TDM_EV_FLASH] = "flash", [TDM_EV_RING] = "ring",
	[TDM_EV_RING_STOP] = "ring-stop", [TDM_EV_SEIZE] = "seize",
	[TDM_EV_ANSWER] = "answer", [TDM_EV_CLEAR] = "clear",
};

static const char *const cmd_names[] = {
	[TDM_CMD_RING_ON] = "ring-on", [TDM_CMD_RING_OFF] = "ring-off",
	[TDM_CMD_SEIZE] = "seize", [TDM_CMD_RELEASE] = "release",
	[TDM_CMD_ANSWER] = "answer", [TDM_CMD_CLEAR] = "clear",
};

#define COUNT(a)	(sizeof(a) / sizeof((a)[0]))

/** Name of a span's signalling ("fxs", "fxo", "e1"), "?" when unknown. */
const char *tdm_sig_name(enum tdm_sig s)
{
	return (unsigned)s < COUNT(sig_names) ? sig_names[s] : "?";
}

/** Name of an event ("offhook", "ring-stop", ...), "?" when unknown. */
const char *tdm_ev_name(enum tdm_ev e)
{
	return (unsigned)e < COUNT(ev_names) ? ev_names[e] : "?";
}

/** Name of a command ("ring-on", "seize", ...), "?" when unknown. */
const char *tdm_cmd_name(enum tdm_cmd c)
{
	return (unsigned)c < COUNT(cmd_names) ? cmd_names[c] : "?";
}

/** Whether @p cmd applies to a span of signalling @p sig (tdm.h): FXS
 *  RING_ON/RING_OFF; FXO SEIZE/RELEASE; E1 SEIZE, ANSWER, CLEAR and
 *  RELEASE (the same as CLEAR). */
bool tdm_cmd_valid(enum tdm_sig sig, enum tdm_cmd cmd)
{
	switch (sig) {
	case TDM_SIG_FXS:
		return cmd == TDM_CMD_RING_ON || cmd == TDM_CMD_RING_OFF;
	case TDM_SIG_FXO:
		return cmd == TDM_CMD_SEIZE || cmd == TDM_CMD_RELEASE;
	case TDM_SIG_E1:
		return cmd == TDM_CMD_SEIZE || cmd == TDM_CMD_RELEASE ||
		       cmd == TDM_CMD_ANSWER || cmd == TDM_CMD_CLEAR;
	}
	return false;
}

static void say(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (!why || !whylen)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

static unsigned sig_max_chans(enum tdm_sig sig)
{
	return sig == TDM_SIG_E1 ? E1_MAX_CHANS : TDM_MAX_CHANS;
}

/** Check a layout: 1..TDM_MAX_SPANS spans, known signalling, 1..32
 *  channels a span (1..30 for E1). @return 0 or -EINVAL, reason in @p why */
int tdm_layout_check(const struct tdm_layout *l, char *why, size_t whylen)
{
	unsigned i;

	if (!l || !l->nspans || l->nspans > TDM_MAX_SPANS) {
		say(why, whylen, "a card has 1 to %d spans, not %u",
		    TDM_MAX_SPANS, l ? l->nspans : 0);
		return -EINVAL;
	}
	for (i = 0; i < l->nspans; i++) {
		enum tdm_sig sig = l->span[i].sig;

		if ((unsigned)sig >= COUNT(sig_names)) {
			say(why, whylen, "span %u: unknown signalling %d", i,
			    (int)sig);
			return -EINVAL;
		}
		if (!l->span[i].nchans ||
		    l->span[i].nchans > sig_max_chans(sig)) {
			say(why, whylen, "span %u: %s has 1 to %u channels, "
			    "not %u", i, sig_names[sig], sig_max_chans(sig),
			    l->span[i].nchans);
			return -EINVAL;
		}
	}
	return 0;
}

/** Channels of all spans of a (checked) layout. */
unsigned tdm_layout_chans(const struct tdm_layout *l)
{
	unsigned i, n = 0;

	for (i = 0; i < l->nspans; i++)
		n += l->span[i].nchans;
	return n;
}

static const char *skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* The span type named at @p p ("fxs", "fxo", "e1", any case); *pp moves
 * past it. @return its signalling, or -EINVAL with the reason */
static int parse_type(const char **pp, unsigned idx, char *why,
		      size_t whylen)
{
	const char *p = *pp, *name = p;
	size_t len;
	unsigned sig;

	while (isalnum((unsigned char)*p))
		p++;
	len = (size_t)(p - name);
	for (sig = 0; sig < COUNT(sig_names); sig++)
		if (len == strlen(sig_names[sig]) &&
		    !strncasecmp(name, sig_names[sig], len))
			break;
	if (!len || sig == COUNT(sig_names)) {
		say(why, whylen, "span %u: unknown type \"%.*s\" (fxs, fxo "
		    "or e1)", idx + 1, (int)strcspn(name, ","), name);
		return -EINVAL;
	}
	*pp = p;
	return (int)sig;
}

/* A decimal number at @p p, 1..@p max; *endp after it. @return 0, or
 * -EINVAL (no digit, 0, or above @p max) */
static int parse_count(const char *p, unsigned max, unsigned *n,
		       const char **endp)
{
	unsigned long v;
	char *end;

	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	errno = 0;
	v = strtoul(p, &end, 10);
	if (errno || !v || v > max)
		return -EINVAL;
	*n = (unsigned)v;
	*endp = end;
	return 0;
}

/* The optional "*SPANS" after a channel count at @p p: how many spans of
 * this type follow, 1 without it; @p idx spans are already there. */
static int parse_repeat(const char **pp, unsigned idx, const char *type,
			unsigned *rep, char *why, size_t whylen)
{
	const char *p = skip_space(*pp), *num;
	unsigned room = TDM_MAX_SPANS - idx;

	*rep = 1;
	if (*p != '*')
		return 0;
	num = skip_space(p + 1);
	if (parse_count(num, UINT16_MAX, rep, pp)) {
		say(why, whylen, "span %u: %s repeated \"%.*s\" times: give "
		    "a count of spans 1..%d after '*'", idx + 1, type,
		    (int)strcspn(num, ","), num, TDM_MAX_SPANS);
		return -EINVAL;
	}
	if (*rep > room) {
		say(why, whylen, "spans %u-%u: more than %d spans (%u %s "
		    "spans asked, room for %u)", idx + 1, idx + *rep,
		    TDM_MAX_SPANS, *rep, type, room);
		return -EINVAL;
	}
	return 0;
}

/* One "type:count[*spans]" item at *pp, up to ',' or the end: appended
 * to @p l (its nspans grows). */
static int parse_item(const char **pp, struct tdm_layout *l, char *why,
		      size_t whylen)
{
	const char *p = skip_space(*pp), *cnt;
	unsigned idx = l->nspans, n, rep, i;
	int sig;

	sig = parse_type(&p, idx, why, whylen);
	if (sig < 0)
		return sig;
	p = skip_space(p);
	if (*p != ':' || !isdigit((unsigned char)*skip_space(p + 1))) {
		say(why, whylen, "span %u: %s needs a channel count, as in "
		    "\"%s:%u\"", idx + 1, sig_names[sig], sig_names[sig],
		    sig == TDM_SIG_E1 ? E1_MAX_CHANS : 2);
		return -EINVAL;
	}
	cnt = skip_space(p + 1);
	if (parse_count(cnt, sig_max_chans((enum tdm_sig)sig), &n, &p)) {
		say(why, whylen, "span %u: %s has 1 to %u channels, not %.*s",
		    idx + 1, sig_names[sig],
		    sig_max_chans((enum tdm_sig)sig),
		    (int)strcspn(cnt, ",*"), cnt);
		return -EINVAL;
	}
	if (parse_repeat(&p, idx, sig_names[sig], &rep, why, whylen))
		return -EINVAL;
	p = skip_space(p);
	if (*p && *p != ',') {
		say(why, whylen, "span %u: unexpected \"%.*s\" after the "
		    "channel count", idx + 1, (int)strcspn(p, ","), p);
		return -EINVAL;
	}
	for (i = 0; i < rep; i++) {
		l->span[idx + i].sig = (enum tdm_sig)sig;
		l->span[idx + i].nchans = n;
	}
	l->nspans += rep;
	*pp = p;
	return 0;
}

/** Parse a span layout: items "type:channels" separated by commas, in span
 *  order, types fxs, fxo and e1 (any case), blanks allowed around items,
 *  e.g. "fxs:2,fxo:2,e1:30". An item "type:channels*N" stands for N such
 *  spans in a row ("fxs:2,e1:30*40": one FXS span, then 40 E1 spans). At
 *  most TDM_MAX_SPANS spans, 1..32 channels a span, 1..30 for an E1.
 *  @p l is written only on success.
 *  @return 0, or -EINVAL with the reason in @p why (may be NULL) */
int tdm_layout_parse(const char *s, struct tdm_layout *l, char *why,
		     size_t whylen)
{
	struct tdm_layout tmp;
	const char *p;
	int err;

	if (!s || !l) {
		say(why, whylen, "no layout given");
		return -EINVAL;
	}
	memset(&tmp, 0, sizeof(tmp));
	p = skip_space(s);
	if (!*p) {
		say(why, whylen, "empty layout: give spans as in "
		    "\"fxs:2,fxo:2,e1:30\"");
		return -EINVAL;
	}
	for (;;) {
		if (tmp.nspans == TDM_MAX_SPANS) {
			say(why, whylen, "more than %d spans", TDM_MAX_SPANS);
			return -EINVAL;
		}
		err = parse_item(&p, &tmp, why, whylen);
		if (err)
			return err;
		if (!*p)
			break;
		p++;	/* ',' */
	}
	*l = tmp;
	return 0;
}

/** Open a card. Context: init (allocates; blocks only on the system calls
 *  that set the device up).
 *  @param tp  out: the card, set on success only
 *  @param cfg TDM_VTDM: cfg->fd, the card's region (vtdm.h; it stays the
 *             caller's); TDM_DAHDI: cfg->dev_dir (NULL: "/dev/dahdi") and
 *             cfg->layout, the channels to open
 *  @return 0, -EINVAL (bad configuration), -EPROTO (a vtdm region of
 *          another version), -EBADMSG (a corrupt vtdm region), -ENOMEM,
 *          -ENODEV (no DAHDI device), or the negative errno of the system
 *          call that failed; the reason is logged */
int tdm_open(struct tdm **tp, const struct tdm_cfg *cfg)
{
	struct tdm *t;
	int err;

	if (!tp || !cfg || (unsigned)cfg->kind >= COUNT(drivers))
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->kind = cfg->kind;
	t->ops = drivers[cfg->kind];
	err = t->ops->open(t, cfg);
	if (err) {
		free(t);
		return err;
	}
	RTK_ASSERT(!tdm_layout_check(&t->layout, NULL, 0));
	LOG_INFO("open: %s card, %u spans, %u channels", t->ops->name,
		 t->layout.nspans, tdm_layout_chans(&t->layout));
	*tp = t;
	return 0;
}

/** Close a card and release everything it holds. NULL is ignored.
 *  Context: teardown, after the task using the card stopped.
 *  @return NULL */
struct tdm *tdm_close(struct tdm *t)
{
	if (!t)
		return NULL;
	t->ops->close(t);
	free(t);
	return NULL;
}

/** File descriptor that becomes readable when the card's clock ticked
 *  (vtdm: a timerfd; DAHDI: the timing device, POLLPRI). Context: any.
 *  @return the fd, or -1 for NULL */
int tdm_fd(const struct tdm *t)
{
	return t ? t->ops->fd(t) : -1;
}

/** Take the ticks of the card's clock that passed since the last call and
 *  the far end's signalling changes (queued as events). The caller then
 *  moves a chunk per channel per tick with tdm_read() and tdm_write(), in
 *  blocks of one or more ticks.
 *  Ticks processed more than 1 ms after their time are counted late.
 *  Context: the card's task; never blocks, never allocates.
 *  @return the number of ticks (0: none, or NULL) */
unsigned tdm_ticks(struct tdm *t)
{
	return t ? t->ops->ticks(t) : 0;
}

/** Number of spans. */
unsigned tdm_span_count(const struct tdm *t)
{
	return t ? t->layout.nspans : 0;
}

/** Describe span @p span. @return 0 or -EINVAL */
int tdm_span_info(const struct tdm *t, unsigned span,
		  struct tdm_span_info *si)
{
	if (!t || !si || span >= t->layout.nspans)
		return -EINVAL;
	memset(si, 0, sizeof(*si));
	snprintf(si->name, sizeof(si->name), "%s/%u", t->ops->name, span);
	si->sig = t->layout.span[span].sig;
	si->nchans = t->layout.span[span].nchans;
	return 0;
}

/** Channels of span @p span, 0 when there is no such span: what the
 *  card's task needs every tick, without tdm_span_info()'s name.
 *  Context: any; never blocks. */
unsigned tdm_span_chans(const struct tdm *t, unsigned span)
{
	return t && span < t->layout.nspans ? t->layout.span[span].nchans : 0;
}

static bool chan_ok(const struct tdm *t, unsigned span, unsigned chan)
{
	return t && span < t->layout.nspans &&
	       chan < t->layout.span[span].nchans;
}

static bool block_ok(const void *pcm, unsigned n)
{
	return pcm && n && n % TDM_CHUNK == 0 && n <= TDM_BLOCK_MAX;
}

/** Take the next @p n samples (a whole number of chunks, up to
 *  TDM_BLOCK_MAX) that came from the line (the far end). When the far end
 *  is behind, the rest of @p pcm is silence and the missing samples are
 *  counted in rx_underruns.
 *  Context: the card's task; never blocks.
 *  @return 0, or -EINVAL (no such channel, or a bad @p n; @p pcm
 *	   untouched) */
int tdm_read(struct tdm *t, unsigned span, unsigned chan, int16_t *pcm,
	     unsigned n)
{
	if (!chan_ok(t, span, chan) || !block_ok(pcm, n))
		return -EINVAL;
	t->ops->read(t, span, chan, pcm, n);
	return 0;
}

/** Give the next @p n samples (a whole number of chunks, up to
 *  TDM_BLOCK_MAX) to the line. Samples the far end has no room for are
 *  dropped and counted in tx_overruns.
 *  Context: the card's task; never blocks.
 *  @return 0, or -EINVAL (no such channel, or a bad @p n) */
int tdm_write(struct tdm *t, unsigned span, unsigned chan,
	      const int16_t *pcm, unsigned n)
{
	if (!chan_ok(t, span, chan) || !block_ok(pcm, n))
		return -EINVAL;
	t->ops->write(t, span, chan, pcm, n);
	return 0;
}

/** Queue one event (drivers). A full queue drops it: events_lost. */
void tdm_event_push(struct tdm *t, unsigned span, unsigned chan,
		    enum tdm_ev type, uint64_t tick)
{
	struct tdm_event *ev;

	if (t->ev_head - t->ev_tail >= TDM_EVQ_LEN) {
		t->stats.events_lost++;
		return;
	}
	ev = &t->evq[t->ev_head % TDM_EVQ_LEN];
	ev->span = (uint8_t)span;
	ev->chan = (uint8_t)chan;
	ev->type = (uint16_t)type;
	ev->tick = tick;
	t->ev_head++;
	t->stats.events++;
}

/** Take the oldest signalling event (found by tdm_ticks()).
 *  Context: the card's task; never blocks.
 *  @return 0, -EAGAIN (none waiting) or -EINVAL */
int tdm_event_get(struct tdm *t, struct tdm_event *ev)
{
	if (!t || !ev)
		return -EINVAL;
	if (t->ev_head == t->ev_tail)
		return -EAGAIN;
	*ev = t->evq[t->ev_tail % TDM_EVQ_LEN];
	t->ev_tail++;
	return 0;
}

/** Change a channel's signalling towards the line (tdm.h: FXS RING_ON,
 *  RING_OFF; FXO SEIZE, RELEASE; E1 SEIZE, ANSWER, CLEAR, RELEASE).
 *  Context: the card's task; never blocks.
 *  @return 0, -EINVAL (no such channel, or a command the span's signalling
 *          does not have), or the driver's error (DAHDI: the ioctl's) */
int tdm_command(struct tdm *t, unsigned span, unsigned chan,
		enum tdm_cmd cmd)
{
	if (!chan_ok(t, span, chan) ||
	    !tdm_cmd_valid(t->layout.span[span].sig, cmd))
		return -EINVAL;
	return t->ops->command(t, span, chan, cmd);
}

/** Copy the card's counters into @p st (zeros for NULL). Context: the
 *  card's task (plain fields: another thread may read torn values). */
void tdm_stats_get(const struct tdm *t, struct tdm_stats *st)
{
	if (!st)
		return;
	memset(st, 0, sizeof(*st));
	if (t)
		*st = t->stats;
}

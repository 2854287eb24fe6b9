// SPDX-License-Identifier: MIT
/** @file pstn_cmd.c  PSTN simulator: the text command protocol
 *
 * One command a line, words separated by blanks (file names cannot hold
 * blanks). A reply is zero or more information lines and then one final
 * line, "ok" or "error: <reason>"; no information line starts with "ok"
 * or "error". LINE is a telephone number, span/chan, or line number
 * (pstn.h). The commands (`help` prints this list):
 *
 *   status [LINE]             one "line ..." line per line, and the card
 *   card                      "card pid=P opens=N ticks=T alive=yes|no"
 *                             (pid 0: no card has the region open)
 *   offhook LINE              phone off-hook (FXO/E1: answer)
 *   onhook LINE               phone on-hook (FXO/E1: hangup)
 *   flash LINE                hook flash of an off-hook phone
 *   ring LINE                 call the gateway: CO rings an FXO line, the
 *                             far exchange seizes an E1 channel
 *   answer LINE               answer the gateway's call (FXS: offhook)
 *   hangup LINE               stop ringing or clear the call (FXS: onhook)
 *   dial LINE DIGITS          in-band DTMF, 0-9 * # A-D
 *   tone LINE F[+F2] DBM0     steady tone(s) at DBM0 each; tone LINE off
 *   play LINE FILE [loop]     WAV file, 8 kHz mono 16-bit
 *   record LINE FILE          what the gateway sends, to a WAV file
 *   fax LINE send|receive FILE call|answer
 *                             a fax machine sends the TIFF file or
 *                             receives into it, as the calling machine or
 *                             the called one (faxm.h)
 *   echo LINE ERL_DB [DELAY_MS]
 *                             the line's hybrid sends back what the
 *                             gateway sends it, ERL_DB (0-60) dB down
 *                             after DELAY_MS (0-64, default 0) and the
 *                             simulator's lead (pstn_echo.c); echo LINE
 *                             off: no echo (the default)
 *   fax LINE                  "fax line N fax=running|ok|failed dir=...
 *                             pages=N rate=BPS ecm=yes|no bad_rows=N
 *                             code=N (T.30's words)"
 *   stop LINE [WHAT]          dial, tone, play, record, fax or all
 *                             (default)
 *   clear LINE                forget the DTMF digits heard
 *   wait LINE COND [ARG] [MS] until COND holds, at most MS (5000) ms:
 *        ringing, not-ringing, seized, released, answered, state NAME,
 *        digits STR (heard digits end with STR), level DBM0 (received
 *        level at least DBM0), silence DBM0 (below), sent (dialling and
 *        playback done), card (a live card's clock runs), fax-done
 *        (the fax machine on the line ended its call)
 *
 * A status line: "line N S/C TYPE NUMBER state=S card=C ringing=yes|no
 * rings=N refused=N tx=dial,tone,play|- level=DBM0 heard=DIGITS|-
 * rec=FILE|- play=FILE|- fax=running|ok|failed|- echo=ERL/DELAY
 * restarts=N|echo=-", NUMBER "-" when the line has none.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "board/sim/pstn.h"
#include "board/sim/pstn_priv.h"
#include "hal/vtdm.h"

#define MAX_WORDS	8
#define WAIT_MAX_MS	600000u

enum cond {
	C_RINGING, C_NOT_RINGING, C_SEIZED, C_RELEASED, C_ANSWERED, C_STATE,
	C_DIGITS, C_LEVEL, C_SILENCE, C_SENT, C_CARD, C_FAX_DONE,
};

static const struct {
	const char *name;
	bool arg;
} conds[] = {
	[C_RINGING] = { "ringing", false },
	[C_NOT_RINGING] = { "not-ringing", false },
	[C_SEIZED] = { "seized", false },
	[C_RELEASED] = { "released", false },
	[C_ANSWERED] = { "answered", false },
	[C_STATE] = { "state", true },
	[C_DIGITS] = { "digits", true },
	[C_LEVEL] = { "level", true },
	[C_SILENCE] = { "silence", true },
	[C_SENT] = { "sent", false },
	[C_CARD] = { "card", false },
	[C_FAX_DONE] = { "fax-done", false },
};

#define NCONDS	(sizeof(conds) / sizeof(conds[0]))

static const char help_text[] =
	"  status [LINE] | card\n"
	"  offhook LINE | onhook LINE | flash LINE\n"
	"  ring LINE | answer LINE | hangup LINE\n"
	"  dial LINE DIGITS | tone LINE F[+F2] DBM0 | tone LINE off\n"
	"  play LINE FILE [loop] | record LINE FILE | stop LINE [WHAT]\n"
	"  fax LINE send|receive FILE.tif call|answer | fax LINE\n"
	"  echo LINE ERL_DB [DELAY_MS] | echo LINE off\n"
	"  clear LINE\n"
	"  wait LINE COND [ARG] [MS]: ringing not-ringing seized released\n"
	"    answered, state NAME, digits STR, level DBM0, silence DBM0,\n"
	"    sent, card, fax-done\n"
	"  LINE: telephone number, span/chan or line number\n";

#define FINAL_ROOM	256	/* kept for the final line */

struct out {
	char *buf;
	size_t len, used;
	bool final;		/* the final line is written */
	bool cut;		/* information lines did not fit */
};

static void put(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Append a line; information lines leave FINAL_ROOM for the final one,
 * and one that does not fit is dropped whole (o->cut). */
static void put(struct out *o, const char *fmt, ...)
{
	size_t room = o->len > o->used ? o->len - o->used : 0;
	va_list ap;
	int n;

	if (!o->final && room > FINAL_ROOM)
		room -= FINAL_ROOM;
	else if (!o->final)
		room = 0;
	if (o->cut || room < 2) {
		o->cut = true;
		return;
	}
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->used, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room) {
		o->buf[o->used] = '\0';
		o->cut = !o->final;
		return;
	}
	o->used += (size_t)n;
}

static void put_final(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put_final(struct out *o, const char *fmt, ...)
{
	va_list ap;

	if (o->used >= o->len)
		return;
	va_start(ap, fmt);
	vsnprintf(o->buf + o->used, o->len - o->used, fmt, ap);
	va_end(ap);
	o->used += strlen(o->buf + o->used);
	o->final = true;
}

static const char *card_word(enum tdm_sig sig, uint32_t w)
{
	if (sig == TDM_SIG_FXS)
		return w & VTDM_C_RING ? "ring" : "idle";
	if (sig == TDM_SIG_FXO)
		return w & VTDM_C_OFFHOOK ? "offhook" : "onhook";
	return w == VTDM_E1_SEIZED ? "seized" : w == VTDM_E1_ANSWERED ?
	       "answered" : w == VTDM_E1_CLEARED ? "cleared" :
	       w == VTDM_E1_IDLE ? "idle" : "?";
}

static void status_line(struct pstn *p, unsigned line, struct out *o)
{
	struct pstn_line_status st;
	char tx[24] = "", echo[64] = "-";

	pstn_line_status(p, line, &st);
	if (st.echo)
		snprintf(echo, sizeof(echo), "%.1f/%u restarts=%llu",
			 st.echo_erl_db, st.echo_delay_ms,
			 (unsigned long long)st.echo_restarts);
	if (st.dialling)
		strcat(tx, ",dial");
	if (st.tone)
		strcat(tx, ",tone");
	if (st.playing)
		strcat(tx, ",play");
	put(o, "line %u %u/%u %s %s state=%s card=%s ringing=%s rings=%u "
	    "refused=%u tx=%s level=%.1f heard=%s rec=%s play=%s fax=%s "
	    "echo=%s\n",
	    line, st.span, st.chan, tdm_sig_name(st.sig),
	    st.number[0] ? st.number : "-", pstn_state_name(st.state),
	    card_word(st.sig, st.card_state), st.ringing ? "yes" : "no",
	    st.rings, st.refused, tx[0] ? tx + 1 : "-",
	    st.level_dbm0, st.heard[0] ? st.heard : "-",
	    st.recording[0] ? st.recording : "-",
	    st.play_file[0] ? st.play_file : "-",
	    st.fax ? faxm_state_name(st.fax_result.state) : "-", echo);
}

/* a card has the region open, its clock ran, and its process lives (a
 * killed card leaves its pid behind) */
static bool card_alive(const struct vtdm_card_info *ci)
{
	return ci->pid && ci->ticks &&
	       (kill((pid_t)ci->pid, 0) == 0 || errno == EPERM);
}

static void card_line(struct pstn *p, struct out *o)
{
	struct vtdm_card_info ci;

	vtdm_far_card_info(p->far, &ci);
	put(o, "card pid=%u opens=%u ticks=%llu alive=%s\n", ci.pid, ci.opens,
	    (unsigned long long)ci.ticks, card_alive(&ci) ? "yes" : "no");
}

static bool cond_holds(struct pstn *p, const struct pstn_wait *w)
{
	struct pstn_line_status st;
	struct vtdm_card_info ci;
	size_t hl, al;

	pstn_line_status(p, w->line, &st);
	switch ((enum cond)w->cond) {
	case C_RINGING:
		return st.ringing;
	case C_NOT_RINGING:
		return !st.ringing;
	case C_SEIZED:
		return st.card_state != 0;
	case C_RELEASED:
		return st.card_state == 0;
	case C_ANSWERED:
		return st.state == PSTN_ANSWERED;
	case C_STATE:
		return !strcmp(pstn_state_name(st.state), w->arg);
	case C_DIGITS:
		hl = strlen(st.heard);
		al = strlen(w->arg);
		return hl >= al && !strcmp(st.heard + hl - al, w->arg);
	case C_LEVEL:
		return st.level_dbm0 >= w->level;
	case C_SILENCE:
		return st.level_dbm0 < w->level;
	case C_SENT:
		return !st.dialling && !st.playing;
	case C_CARD:
		vtdm_far_card_info(p->far, &ci);
		return card_alive(&ci);
	case C_FAX_DONE:
		return st.fax && st.fax_result.state != FAXM_RUNNING;
	}
	return false;
}

/** Check a wait started by pstn_exec() at time @p now_ms. @return true
 *  when it is over, the reply ("ok", or the timeout error) in @p reply */
bool pstn_wait_poll(struct pstn *p, const struct pstn_wait *w,
		    uint64_t now_ms, char *reply, size_t len)
{
	struct out o = { reply, len, 0, false, false };
	struct pstn_line_status st;

	if (cond_holds(p, w)) {
		put_final(&o, "ok\n");
		return true;
	}
	if (now_ms < w->deadline_ms)
		return false;
	pstn_line_status(p, w->line, &st);
	put_final(&o, "error: timeout after %u ms waiting for line %u %s%s%s "
	    "(state=%s card=%s level=%.1f heard=%s)\n", w->timeout_ms,
	    w->line, conds[w->cond].name, w->arg[0] ? " " : "", w->arg,
	    pstn_state_name(st.state), card_word(st.sig, st.card_state),
	    st.level_dbm0, st.heard[0] ? st.heard : "-");
	return true;
}

static int parse_ms(const char *s, unsigned *ms)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (!*s || *end || s[0] == '-' || v > WAIT_MAX_MS)
		return -EINVAL;
	*ms = (unsigned)v;
	return 0;
}

static int parse_float(const char *s, float *v)
{
	char *end;

	*v = strtof(s, &end);
	return *s && !*end ? 0 : -EINVAL;
}

static int start_wait(struct pstn *p, unsigned line, char **w, int n,
		      uint64_t now, struct pstn_wait *wt, struct out *o)
{
	unsigned c;
	int a = 3;

	memset(wt, 0, sizeof(*wt));
	for (c = 0; c < NCONDS; c++)
		if (!strcasecmp(w[2], conds[c].name))
			break;
	if (c == NCONDS)
		return pstn_fail(p, -EINVAL, "wait: unknown condition \"%s\" "
				 "(help lists them)", w[2]);
	wt->line = line;
	wt->cond = (int)c;
	if (conds[c].arg) {
		if (n < 4)
			return pstn_fail(p, -EINVAL, "wait: %s needs an "
					 "argument", conds[c].name);
		if (strlen(w[3]) > PSTN_HEARD_MAX)
			return pstn_fail(p, -EINVAL, "wait: argument too long");
		strcpy(wt->arg, w[3]);
		if ((c == C_LEVEL || c == C_SILENCE) &&
		    parse_float(w[3], &wt->level))
			return pstn_fail(p, -EINVAL, "wait: \"%s\" is not a "
					 "level in dBm0", w[3]);
		a = 4;
	}
	wt->timeout_ms = PSTN_WAIT_DEFAULT_MS;
	if (n > a + 1 || (n == a + 1 && parse_ms(w[a], &wt->timeout_ms)))
		return pstn_fail(p, -EINVAL, "wait: \"%s\" is not a timeout "
				 "in ms (0-%u)", w[n - 1], WAIT_MAX_MS);
	wt->deadline_ms = now + wt->timeout_ms;
	if (!pstn_wait_poll(p, wt, now, o->buf + o->used, o->len - o->used))
		return 1;
	o->used += strlen(o->buf + o->used);
	o->final = true;
	return 0;
}

static int do_tone(struct pstn *p, unsigned line, char **w, int n)
{
	float f1 = 0, f2 = 0, lvl = 0;
	char *plus, *end;

	if (n == 3 && !strcasecmp(w[2], "off"))
		return pstn_tone(p, line, 0, 0, 0);
	if (n != 4)
		return pstn_fail(p, -EINVAL, "usage: tone LINE F[+F2] DBM0, "
				 "or tone LINE off");
	plus = strchr(w[2], '+');
	f1 = strtof(w[2], &end);
	if (end != (plus ? plus : w[2] + strlen(w[2])) ||
	    (plus && parse_float(plus + 1, &f2)) || parse_float(w[3], &lvl))
		return pstn_fail(p, -EINVAL, "tone: \"%s %s\" is not "
				 "F[+F2] DBM0", w[2], w[3]);
	return pstn_tone(p, line, f1, f2, lvl);
}

/* echo LINE ERL_DB [DELAY_MS]; echo LINE off */
static int do_echo(struct pstn *p, unsigned line, char **w, int n)
{
	float erl;
	unsigned delay = 0;

	if (n == 3 && !strcasecmp(w[2], "off"))
		return pstn_line_echo(p, line, -1, 0);
	if (n < 3 || n > 4)
		return pstn_fail(p, -EINVAL, "usage: echo LINE ERL_DB "
				 "[DELAY_MS], or echo LINE off");
	if (parse_float(w[2], &erl) || (n == 4 && parse_ms(w[3], &delay)))
		return pstn_fail(p, -EINVAL, "echo: \"%s%s%s\" is not ERL_DB "
				 "[DELAY_MS]", w[2], n == 4 ? " " : "",
				 n == 4 ? w[3] : "");
	if (!(erl >= 0))	/* "off" is the way to none */
		return pstn_fail(p, -EINVAL, "echo: ERL %s dB is not in 0..%d",
				 w[2], PSTN_ECHO_MAX_ERL_DB);
	return pstn_line_echo(p, line, erl, delay);
}

/* fax LINE: the result; fax LINE send|receive FILE call|answer */
static int do_fax(struct pstn *p, unsigned line, char **w, int n,
		  struct out *o)
{
	struct pstn_line_status st;
	char text[200];

	if (n == 2) {
		pstn_line_status(p, line, &st);
		if (!st.fax)
			return pstn_fail(p, -ENOENT, "fax: no fax machine on "
					 "line %u", line);
		faxm_format(&st.fax_result, text, sizeof(text));
		put(o, "fax line %u %s\n", line, text);
		return 0;
	}
	if (n != 5 || (strcmp(w[2], "send") && strcmp(w[2], "receive")) ||
	    (strcmp(w[4], "call") && strcmp(w[4], "answer")))
		return pstn_fail(p, -EINVAL, "usage: fax LINE send|receive "
				 "FILE.tif call|answer, or fax LINE");
	return pstn_fax(p, line, !strcmp(w[2], "send"), w[3],
			!strcmp(w[4], "call"));
}

/* Commands taking LINE and a fixed number of words. */
static int do_line_cmd(struct pstn *p, unsigned line, char **w, int n)
{
	const char *c = w[0];

	if (!strcmp(c, "offhook") && n == 2)
		return pstn_offhook(p, line);
	if (!strcmp(c, "onhook") && n == 2)
		return pstn_onhook(p, line);
	if (!strcmp(c, "flash") && n == 2)
		return pstn_flash(p, line);
	if (!strcmp(c, "ring") && n == 2)
		return pstn_ring(p, line);
	if (!strcmp(c, "answer") && n == 2)
		return pstn_answer(p, line);
	if (!strcmp(c, "hangup") && n == 2)
		return pstn_hangup(p, line);
	if (!strcmp(c, "dial") && n == 3)
		return pstn_dial(p, line, w[2]);
	if (!strcmp(c, "tone"))
		return do_tone(p, line, w, n);
	if (!strcmp(c, "echo"))
		return do_echo(p, line, w, n);
	if (!strcmp(c, "play") && (n == 3 || (n == 4 &&
					      !strcmp(w[3], "loop"))))
		return pstn_play(p, line, w[2], n == 4);
	if (!strcmp(c, "record") && n == 3)
		return pstn_record(p, line, w[2]);
	if (!strcmp(c, "stop") && n <= 3)
		return pstn_stop(p, line, n == 3 ? w[2] : NULL);
	if (!strcmp(c, "clear") && n == 2) {
		pstn_heard_clear(p, line);
		return 0;
	}
	return pstn_fail(p, -EINVAL, "%s: wrong arguments (help lists the "
			 "commands)", c);
}

static bool is_line_cmd(const char *c)
{
	static const char *const names[] = {
		"offhook", "onhook", "flash", "ring", "answer", "hangup",
		"dial", "tone", "play", "record", "stop", "clear", "wait",
		"fax", "echo",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(c, names[i]))
			return true;
	return false;
}

static int split(char *s, char **w)
{
	int n = 0;
	char *save = NULL, *t;

	for (t = strtok_r(s, " \t\r\n", &save); t;
	     t = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == MAX_WORDS)
			return -1;
		w[n++] = t;
	}
	return n;
}

static int run(struct pstn *p, char **w, int n, uint64_t now,
	       struct pstn_wait *wt, struct out *o)
{
	unsigned i;
	int line;

	for (char *c = w[0]; *c; c++)
		*c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
	if (!strcmp(w[0], "help") && n == 1) {
		put(o, "%s", help_text);
		return 0;
	}
	if (!strcmp(w[0], "card") && n == 1) {
		card_line(p, o);
		return 0;
	}
	if (!strcmp(w[0], "status") && n <= 2) {
		line = n == 2 ? pstn_line_find(p, w[1]) : 0;
		if (line < 0)
			return line;
		for (i = 1; i <= p->nlines; i++)
			if (!line || (unsigned)line == i)
				status_line(p, i, o);
		card_line(p, o);
		return 0;
	}
	if (!is_line_cmd(w[0]))
		return pstn_fail(p, -EINVAL, "unknown command \"%s\" (try "
				 "help)", w[0]);
	if (n < 2)
		return pstn_fail(p, -EINVAL, "%s: which line?", w[0]);
	line = pstn_line_find(p, w[1]);
	if (line < 0)
		return line;
	if (!strcmp(w[0], "wait")) {
		if (n < 3)
			return pstn_fail(p, -EINVAL, "wait: which condition?");
		return start_wait(p, (unsigned)line, w, n, now, wt, o);
	}
	if (!strcmp(w[0], "fax"))
		return do_fax(p, (unsigned)line, w, n, o);
	return do_line_cmd(p, (unsigned)line, w, n);
}

/** Execute one command line @p cmd at time @p now_ms; the reply goes to
 *  @p reply (empty for a blank line or a # comment).
 *  @return 0 when the reply is complete; 1 when a `wait` began: call
 *  pstn_wait_poll() with @p w until it returns true */
int pstn_exec(struct pstn *p, const char *cmd, uint64_t now_ms,
	      char *reply, size_t len, struct pstn_wait *w)
{
	char buf[PSTN_CMD_MAX], *words[MAX_WORDS];
	struct out o = { reply, len, 0, false, false };
	int n, rc;

	reply[0] = '\0';
	if (strlen(cmd) >= sizeof(buf)) {
		put_final(&o, "error: command longer than %d bytes\n",
			  PSTN_CMD_MAX - 1);
		return 0;
	}
	strcpy(buf, cmd);
	n = split(buf, words);
	if (!n || words[0][0] == '#')
		return 0;
	if (n < 0) {
		put_final(&o, "error: too many words\n");
		return 0;
	}
	rc = run(p, words, n, now_ms, w, &o);
	if (rc == 1)
		return 1;
	if (rc < 0)
		put_final(&o, "error: %s\n", p->err);
	else if (o.cut)
		put_final(&o, "error: reply longer than %zu bytes, cut (ask "
			  "for one line: status LINE)\n", len);
	else if (!o.final)
		put_final(&o, "ok\n");
	return 0;
}

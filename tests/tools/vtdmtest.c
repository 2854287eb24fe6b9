// SPDX-License-Identifier: MIT
/** @file vtdmtest.c  The card side of the vtdm card, for tests of pstnsim
 *
 *   vtdmtest serve RUN_DIR LAYOUT
 *	Create a card region of LAYOUT ("fxs:2,fxo:2,e1:30") and answer the
 *	request "vtdm" on RUN_DIR/ctl.sock with it, as the dispatcher does,
 *	until killed. Prints "ready" when it listens.
 *   vtdmtest card RUN_DIR [--for MS] ACTION...
 *	Get the region from RUN_DIR/ctl.sock, open the card (tdm_open) and
 *	run its clock for MS ms (3000), or until every check passed when
 *	there is no measurement. Actions, on a channel S/C (span/chan):
 *	  detect S/C DIGITS   check: the card hears DIGITS (SpanDSP dtmf_rx)
 *	  expect S/C EVENT    check: the event comes (offhook, ring, ...)
 *	  cmd S/C COMMAND     at start: ring-on, ring-off, seize, release,
 *	                      answer, clear
 *	  dial S/C DIGITS     send DTMF (SpanDSP dtmf_tx, 100 ms on/off)
 *	  tone S/C FREQ DBM0  send a steady tone
 *	  measure S/C FREQ    print the level of the last second received
 *	                      (underruns left out): "measure S/C
 *	                      level=DBM0 at_freq=DBM0 peak_hz=F"
 *	  events              print every event: "event S/C NAME tick=T"
 *	Prints "heard S/C DIGITS" for each detect and "counters ..." at the
 *	end. Exit 0 when every check passed, 1 otherwise, 2 on an error.
 *   vtdmtest analyse FILE.wav FREQ
 *	"samples=N level=DBM0 at_freq=DBM0 peak_hz=F" for a WAV file.
 *
 * Levels in dBm0 as SpanDSP defines them (a full-scale sine is 3.14).
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <spandsp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "board/ctl.h"
#include "board/sim/pstn_wav.h"
#include "hal/tdm.h"
#include "hal/vtdm.h"
#include "rtos-kernel/rtk.h"

#define MAX_ACTIONS	32
#define WINDOW		8000	/* samples measured: the last 1 s */

enum act { A_DETECT, A_EXPECT, A_CMD, A_DIAL, A_TONE, A_MEASURE };

struct action {
	enum act kind;
	unsigned span, chan;
	char arg[64];
	float freq, level;
	int code;		/* event or command */
	bool done;
	dtmf_rx_state_t *drx;
	dtmf_tx_state_t *dtx;
	char heard[65];
	uint32_t ph;
	int32_t rate;
	int16_t scale;
	int16_t *win;		/* measure: the last WINDOW samples */
	size_t nwin;
};

static struct action acts[MAX_ACTIONS];
static unsigned nacts;
static bool print_events;
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int usage(void)
{
	fprintf(stderr, "usage: vtdmtest serve RUN_DIR LAYOUT\n"
		"       vtdmtest card RUN_DIR [--for MS] ACTION...\n"
		"       vtdmtest analyse FILE.wav FREQ\n");
	return 2;
}

/* Goertzel: the level of the @p freq component of @p x, in dBm0 */
static double level_at(const int16_t *x, size_t n, double freq)
{
	double w = 2 * M_PI * freq / TDM_RATE, c = 2 * cos(w);
	double s1 = 0, s2 = 0, s, mag2, amp;

	for (size_t i = 0; i < n; i++) {
		s = x[i] + c * s1 - s2;
		s2 = s1;
		s1 = s;
	}
	mag2 = s1 * s1 + s2 * s2 - c * s1 * s2;
	amp = 2 * sqrt(mag2 > 0 ? mag2 : 0) / (double)n;
	return amp > 0 ? 20 * log10(amp / 32767.0) + DBM0_MAX_SINE_POWER :
	       -99.0;
}

static double level_total(const int16_t *x, size_t n)
{
	double acc = 0;

	for (size_t i = 0; i < n; i++)
		acc += (double)x[i] * x[i];
	if (!n || acc <= 0)
		return -99.0;
	return 10 * log10(acc / n / (32767.0 * 32767.0)) + DBM0_MAX_POWER;
}

/* The strongest frequency: a coarse scan on a short block (20 Hz wide
 * lobes, so a tone between the scan's steps is not missed), then a fine
 * one on the whole of @p x around it */
static double peak_hz(const int16_t *x, size_t n)
{
	size_t m = n < 400 ? n : 400;
	double best = -200, f, at = 0, l, lo, hi;

	for (f = 50; f < 3950; f += 5) {
		l = level_at(x, m, f);
		if (l > best) {
			best = l;
			at = f;
		}
	}
	lo = at - 15;
	hi = at + 15;
	best = -200;
	for (f = lo; f <= hi; f += 0.5) {
		l = level_at(x, n, f);
		if (l > best) {
			best = l;
			at = f;
		}
	}
	return at;
}

static void report(const char *what, const int16_t *x, size_t n, float f)
{
	printf("%s level=%.2f at_freq=%.2f peak_hz=%.1f\n", what,
	       level_total(x, n), level_at(x, n, f), peak_hz(x, n));
}

static int analyse(const char *path, const char *freq)
{
	int16_t *pcm = NULL;
	size_t n = 0;
	char err[300];

	if (pstn_wav_load(path, &pcm, &n, err, sizeof(err))) {
		fprintf(stderr, "vtdmtest: %s\n", err);
		return 2;
	}
	printf("samples=%zu ", n);
	report("", pcm, n, strtof(freq, NULL));
	free(pcm);
	return 0;
}

/* --- serve ---------------------------------------------------------------- */

static int serve(const char *run_dir, const char *layout)
{
	struct tdm_layout l;
	char path[256], why[200], req[CTL_MAX_REQ];
	int fd, lfd, conn;

	if (tdm_layout_parse(layout, &l, why, sizeof(why))) {
		fprintf(stderr, "vtdmtest: layout: %s\n", why);
		return 2;
	}
	mkdir(run_dir, 0700);
	if (ctl_path(run_dir, path, sizeof(path)) || vtdm_create(&fd, &l)) {
		fprintf(stderr, "vtdmtest: cannot create the card\n");
		return 2;
	}
	lfd = ctl_listen(path);
	if (lfd < 0) {
		fprintf(stderr, "vtdmtest: %s: %s\n", path, strerror(-lfd));
		return 2;
	}
	printf("ready\n");
	fflush(stdout);
	while (!stop) {
		struct pollfd p = { .fd = lfd, .events = POLLIN };

		if (poll(&p, 1, 200) <= 0)
			continue;
		conn = accept(lfd, NULL, NULL);
		if (conn < 0)
			continue;
		if (ctl_recv_request(conn, req, sizeof(req)) >= 0)
			ctl_reply(conn, strcmp(req, "vtdm") ? "error: only "
				  "vtdm here" : "ok", strcmp(req, "vtdm") ?
				  -1 : fd);
		close(conn);
	}
	unlink(path);
	return 0;
}

/* --- card ----------------------------------------------------------------- */

static int parse_sc(const char *s, struct action *a)
{
	char extra;

	return sscanf(s, "%u/%u%c", &a->span, &a->chan, &extra) == 2 ? 0 : -1;
}

static int name_code(const char *s, bool event)
{
	for (int i = 0; i < 8; i++) {
		const char *n = event ? tdm_ev_name((enum tdm_ev)i) : NULL;

		if (!event) {
			static const char *const cmds[] = { "ring-on",
				"ring-off", "seize", "release", "answer",
				"clear" };

			if (i < 6 && !strcmp(s, cmds[i]))
				return i;
			continue;
		}
		if (!strcmp(s, n))
			return i;
	}
	return -1;
}

static void on_digits(void *arg, const char *d, int len)
{
	struct action *a = arg;
	size_t have = strlen(a->heard);

	if (have + (size_t)len < sizeof(a->heard)) {
		memcpy(a->heard + have, d, (size_t)len);
		a->heard[have + (size_t)len] = '\0';
	}
	if (strstr(a->heard, a->arg))
		a->done = true;
}

static int parse_actions(int argc, char **argv, int i)
{
	static const struct { const char *name; enum act kind; int nargs; }
	tab[] = {
		{ "detect", A_DETECT, 2 }, { "expect", A_EXPECT, 2 },
		{ "cmd", A_CMD, 2 }, { "dial", A_DIAL, 2 },
		{ "tone", A_TONE, 3 }, { "measure", A_MEASURE, 2 },
	};

	while (i < argc) {
		struct action *a = &acts[nacts];
		unsigned k;

		if (!strcmp(argv[i], "events")) {
			print_events = true;
			i++;
			continue;
		}
		for (k = 0; k < sizeof(tab) / sizeof(tab[0]); k++)
			if (!strcmp(argv[i], tab[k].name))
				break;
		if (k == sizeof(tab) / sizeof(tab[0]) ||
		    i + tab[k].nargs >= argc || nacts == MAX_ACTIONS ||
		    parse_sc(argv[i + 1], a))
			return -1;
		a->kind = tab[k].kind;
		snprintf(a->arg, sizeof(a->arg), "%s", argv[i + 2]);
		a->freq = strtof(argv[i + 2], NULL);
		if (tab[k].nargs == 3)
			a->level = strtof(argv[i + 3], NULL);
		if (a->kind == A_EXPECT && (a->code = name_code(a->arg, 1)) < 0)
			return -1;
		if (a->kind == A_CMD && (a->code = name_code(a->arg, 0)) < 0)
			return -1;
		i += tab[k].nargs + 1;
		nacts++;
	}
	return 0;
}

static int setup_actions(struct tdm *t)
{
	for (unsigned i = 0; i < nacts; i++) {
		struct action *a = &acts[i];

		switch (a->kind) {
		case A_DETECT:
			a->drx = dtmf_rx_init(NULL, on_digits, a);
			break;
		case A_DIAL:
			a->dtx = dtmf_tx_init(NULL);
			dtmf_tx_set_timing(a->dtx, 100, 100);
			dtmf_tx_put(a->dtx, a->arg, -1);
			break;
		case A_TONE:
			a->rate = dds_phase_rate(a->freq);
			a->scale = dds_scaling_dbm0(a->level);
			break;
		case A_MEASURE:
			a->win = calloc(WINDOW, sizeof(*a->win));
			break;
		case A_CMD:
			if (tdm_command(t, a->span, a->chan,
					(enum tdm_cmd)a->code)) {
				fprintf(stderr, "vtdmtest: cmd %u/%u %s "
					"refused\n", a->span, a->chan, a->arg);
				return -1;
			}
			a->done = true;
			break;
		case A_EXPECT:
			break;
		}
	}
	return 0;
}

/* @p valid: samples of the chunk the far end supplied (the rest is the
 * silence of an underrun, which a measurement leaves out: the far end's
 * signal goes on where it stopped) */
static void chunk_in(unsigned s, unsigned c, const int16_t *pcm,
		     unsigned valid)
{
	for (unsigned i = 0; i < nacts; i++) {
		struct action *a = &acts[i];

		if (a->span != s || a->chan != c)
			continue;
		if (a->kind == A_DETECT)
			dtmf_rx(a->drx, pcm, TDM_CHUNK);
		if (a->kind == A_MEASURE)
			for (unsigned k = 0; k < valid; k++)
				a->win[a->nwin++ % WINDOW] = pcm[k];
	}
}

static void chunk_out(unsigned s, unsigned c, int16_t *pcm)
{
	int16_t tmp[TDM_CHUNK];

	memset(pcm, 0, TDM_CHUNK * sizeof(*pcm));
	for (unsigned i = 0; i < nacts; i++) {
		struct action *a = &acts[i];
		int got;

		if (a->span != s || a->chan != c)
			continue;
		if (a->kind == A_DIAL) {
			got = dtmf_tx(a->dtx, tmp, TDM_CHUNK);
			for (int k = 0; k < got; k++)
				pcm[k] = (int16_t)(pcm[k] + tmp[k]);
		}
		if (a->kind == A_TONE)
			for (int k = 0; k < TDM_CHUNK; k++)
				pcm[k] = (int16_t)(pcm[k] + dds_mod(&a->ph,
					a->rate, a->scale, 0));
	}
}

static void on_event(const struct tdm_event *ev)
{
	if (print_events)
		printf("event %u/%u %s tick=%llu\n", ev->span, ev->chan,
		       tdm_ev_name((enum tdm_ev)ev->type),
		       (unsigned long long)ev->tick);
	for (unsigned i = 0; i < nacts; i++)
		if (acts[i].kind == A_EXPECT && acts[i].span == ev->span &&
		    acts[i].chan == ev->chan && acts[i].code == ev->type)
			acts[i].done = true;
}

/* Only a run made of checks ends early, when they all passed; one that
 * sends, measures or holds a command runs its whole time. */
static bool all_done(void)
{
	for (unsigned i = 0; i < nacts; i++)
		if ((acts[i].kind != A_DETECT && acts[i].kind != A_EXPECT) ||
		    !acts[i].done)
			return false;
	return nacts > 0;
}

static void run_ticks(struct tdm *t, unsigned n)
{
	int16_t pcm[TDM_CHUNK];
	struct tdm_stats st;
	struct tdm_event ev;
	uint64_t under;
	unsigned s, c;

	while (n--)
		for (s = 0; s < tdm_span_count(t); s++) {
			struct tdm_span_info si;

			tdm_span_info(t, s, &si);
			for (c = 0; c < si.nchans; c++) {
				tdm_stats_get(t, &st);
				under = st.rx_underruns;
				tdm_read(t, s, c, pcm, TDM_CHUNK);
				tdm_stats_get(t, &st);
				chunk_in(s, c, pcm, TDM_CHUNK -
					 (unsigned)(st.rx_underruns - under));
				chunk_out(s, c, pcm);
				tdm_write(t, s, c, pcm, TDM_CHUNK);
			}
		}
	while (!tdm_event_get(t, &ev))
		on_event(&ev);
}

static int finish(struct tdm *t)
{
	struct tdm_stats st;
	int rc = 0;
	char what[32];

	for (unsigned i = 0; i < nacts; i++) {
		struct action *a = &acts[i];
		size_t n = a->nwin < WINDOW ? a->nwin : WINDOW;

		if (a->kind == A_DETECT)
			printf("heard %u/%u %s\n", a->span, a->chan,
			       a->heard[0] ? a->heard : "-");
		if (a->kind == A_EXPECT && !a->done)
			printf("missing %u/%u %s\n", a->span, a->chan, a->arg);
		if (a->kind == A_MEASURE) {
			snprintf(what, sizeof(what), "measure %u/%u", a->span,
				 a->chan);
			report(what, a->win, n, a->freq);
		}
		if ((a->kind == A_DETECT || a->kind == A_EXPECT) && !a->done)
			rc = 1;
	}
	tdm_stats_get(t, &st);
	printf("counters ticks=%llu late=%llu underruns=%llu overruns=%llu "
	       "events=%llu lost=%llu\n", (unsigned long long)st.ticks,
	       (unsigned long long)st.late_ticks,
	       (unsigned long long)st.rx_underruns,
	       (unsigned long long)st.tx_overruns,
	       (unsigned long long)st.events,
	       (unsigned long long)st.events_lost);
	return rc;
}

static int card(int argc, char **argv)
{
	struct tdm_cfg cfg = { .kind = TDM_VTDM };
	char path[256], ans[CTL_MAX_REPLY];
	unsigned long ms = 3000;
	struct tdm *t = NULL;
	uint64_t end;
	int i = 3, rc;

	if (argc > 4 && !strcmp(argv[3], "--for")) {
		ms = strtoul(argv[4], NULL, 10);
		i = 5;
	}
	if (parse_actions(argc, argv, i))
		return usage();
	if (ctl_path(argv[2], path, sizeof(path)) ||
	    ctl_request(path, "vtdm", ans, sizeof(ans), &cfg.fd) ||
	    cfg.fd < 0) {
		fprintf(stderr, "vtdmtest: %s: no card region\n", path);
		return 2;
	}
	if (tdm_open(&t, &cfg))
		return 2;
	if (setup_actions(t))
		return 2;
	end = rtk_now_ns() + RTK_MS(ms);
	while (!stop && rtk_now_ns() < end && !all_done()) {
		struct pollfd p = { .fd = tdm_fd(t), .events = POLLIN };

		if (poll(&p, 1, 100) > 0)
			run_ticks(t, tdm_ticks(t));
	}
	rc = finish(t);
	tdm_close(t);
	close(cfg.fd);
	return rc;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && !strcmp(argv[1], "serve"))
		return serve(argv[2], argv[3]);
	if (argc >= 3 && !strcmp(argv[1], "card"))
		return card(argc, argv);
	if (argc == 4 && !strcmp(argv[1], "analyse"))
		return analyse(argv[2], argv[3]);
	return usage();
}

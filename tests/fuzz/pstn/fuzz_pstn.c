// SPDX-License-Identifier: MIT
/** @file fuzz_pstn.c  Fuzz the PSTN simulator's command protocol and its
 *  WAV reader
 *
 * Anyone who can reach pstn.sock sends text; a WAV file comes from anyone.
 * An input starting with "RIFF" is parsed as a WAV file. Any other input is
 * a list of commands, one a line, for a simulator on a small card
 * (fxs:1,fxo:1,e1:2) whose card side runs in lockstep; each command is
 * followed by a few milliseconds of the fake clock, a `wait` is polled
 * until it ends. Commands that name files (play, record, fax with more
 * than its line) are skipped: a fuzzer must not write files. Every reply must end with one final line.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "board/sim/pstn.h"
#include "board/sim/pstn_wav.h"
#include "hal/tdm.h"
#include "hal/vtdm.h"
#include "rtos-kernel/log.h"

static char reply[PSTN_REPLY_MAX];

static void card_ms(struct tdm *t)
{
	int16_t pcm[TDM_CHUNK];
	struct tdm_event ev;

	tdm_ticks(t);
	for (unsigned s = 0; s < 3; s++)
		for (unsigned c = 0; c < (s == 2 ? 2u : 1u); c++) {
			tdm_read(t, s, c, pcm, TDM_CHUNK);
			tdm_write(t, s, c, pcm, TDM_CHUNK);
		}
	while (!tdm_event_get(t, &ev))
		tdm_command(t, ev.span, ev.chan, ev.type == TDM_EV_RING ?
			    TDM_CMD_SEIZE : TDM_CMD_RING_ON);
}

static void check_reply(void)
{
	size_t len = strlen(reply);
	const char *last;

	if (!len)
		return;
	if (reply[len - 1] != '\n')
		abort();
	for (last = reply + len - 1; last > reply && last[-1] != '\n'; last--)
		;
	if (strncmp(last, "ok", 2) && strncmp(last, "error: ", 7))
		abort();
}

static bool names_a_file(const char *line)
{
	return strcasestr(line, "play") || strcasestr(line, "record") ||
	       strcasestr(line, "send") || strcasestr(line, "receive");
}

static void run_commands(const uint8_t *data, size_t size)
{
	struct tdm_cfg cfg = { .kind = TDM_VTDM };
	char line[PSTN_CMD_MAX + 16];
	struct vtdm_far *f = NULL;
	struct tdm_layout l;
	struct pstn_wait w;
	struct pstn *p = NULL;
	struct tdm *t = NULL;
	uint64_t now = 1000;
	size_t i = 0, n;

	if (tdm_layout_parse("fxs:1,fxo:1,e1:2", &l, NULL, 0) ||
	    vtdm_create(&cfg.fd, &l) || tdm_open(&t, &cfg) ||
	    vtdm_attach_far(&f, cfg.fd, NULL, 0) || pstn_create(&p, f, NULL))
		abort();
	while (i < size) {
		for (n = 0; i < size && data[i] != '\n'; i++)
			if (n < sizeof(line) - 1)
				line[n++] = data[i] ? (char)data[i] : ' ';
		line[n] = '\0';
		i++;
		if (names_a_file(line))
			continue;
		if (pstn_exec(p, line, now, reply, sizeof(reply), &w) == 1) {
			if (w.timeout_ms > 2000)
				w.deadline_ms = now + 2000;
			while (!pstn_wait_poll(p, &w, now, reply,
					       sizeof(reply))) {
				pstn_tick(p, ++now);
				card_ms(t);
			}
		}
		check_reply();
		for (int k = 0; k < 5; k++) {
			pstn_tick(p, ++now);
			card_ms(t);
		}
	}
	pstn_destroy(p);
	vtdm_far_detach(f);
	tdm_close(t);
	close(cfg.fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool quiet;
	int16_t *pcm = NULL;
	size_t n = 0;

	if (!quiet) {
		log_level_set("tdm", LOG_LEVEL_WARN);
		quiet = true;
	}
	if (size >= 4 && !memcmp(data, "RIFF", 4)) {
		if (!pstn_wav_parse(data, size, &pcm, &n, NULL, 0) &&
		    n > size / 2)
			abort();
		free(pcm);
		return 0;
	}
	if (size > 4096)	/* keep each run short */
		size = 4096;
	run_commands(data, size);
	return 0;
}

// SPDX-License-Identifier: MIT
/** @file pstn_audio.c  PSTN simulator: the audio of each line
 *
 * Towards the gateway a line mixes (sums, saturating) its DTMF generator
 * (SpanDSP dtmf_tx), a tone of one or two frequencies (SpanDSP DDS) and a
 * WAV file, and keeps the card's ring ahead_ms full (topped up to
 * ahead_ms + batch_ms once a batch): the card's clock paces it. From the
 * gateway it takes every sample the card sent, feeds SpanDSP's DTMF
 * receiver, measures the level over 100 ms windows and appends to the
 * recording, if any. A fax machine on the line hears what the gateway
 * sends, and what it sends is mixed in with the rest, as is the line's
 * echo of what the gateway sent, if it has one (pstn_echo.c).
 *
 * Levels are in dBm0 as SpanDSP defines them: a sine of 3.14 dBm0 is full
 * scale, so a sine's level is 20 log10(peak / 32767) + 3.14, and the power
 * of any signal is 10 log10(mean square / 32767^2) + 6.16.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "board/sim/pstn.h"
#include "board/sim/pstn_priv.h"
#include "board/sim/pstn_wav.h"
#include "hal/vtdm.h"

#define CHUNK_MAX	((PSTN_AHEAD_MAX_MS + PSTN_BATCH_MAX_MS) * 8)
#define READ_MAX	256

static void on_digits(void *arg, const char *digits, int len)
{
	struct pstn_line *l = arg;
	size_t have = strlen(l->heard), n = (size_t)len;

	if (n > PSTN_HEARD_MAX)
		n = PSTN_HEARD_MAX;
	if (have + n > PSTN_HEARD_MAX) {	/* keep the latest digits */
		memmove(l->heard, l->heard + have + n - PSTN_HEARD_MAX,
			PSTN_HEARD_MAX - n);
		have = PSTN_HEARD_MAX - n;
	}
	memcpy(l->heard + have, digits + len - n, n);
	l->heard[have + n] = '\0';
}

static void dtx_setup(struct pstn *p, struct pstn_line *l)
{
	dtmf_tx_set_level(l->dtx, p->cfg.dtmf_level, 0);
	dtmf_tx_set_timing(l->dtx, (int)p->cfg.dtmf_on_ms,
			   (int)p->cfg.dtmf_off_ms);
}

/** Make a line's DTMF generator and receiver. @return 0 or -ENOMEM */
int pstn_audio_init(struct pstn *p, struct pstn_line *l)
{
	l->dtx = dtmf_tx_init(NULL);
	l->drx = dtmf_rx_init(NULL, on_digits, l);
	if (!l->dtx || !l->drx)
		return -ENOMEM;
	dtx_setup(p, l);
	l->level = PSTN_SILENT_DBM0;
	return 0;
}

/** Release a line's audio: the recording is closed complete. */
void pstn_audio_fini(struct pstn_line *l)
{
	if (l->dtx)
		dtmf_tx_free(l->dtx);
	if (l->drx)
		dtmf_rx_free(l->drx);
	l->dtx = NULL;
	l->drx = NULL;
	free(l->play);
	l->play = NULL;
	pstn_wav_close(l->rec);
	l->rec = NULL;
	faxm_close(l->fax);
	l->fax = NULL;
	l->echo = pstn_echo_close(l->echo);
}

static void measure(struct pstn_line *l, const int16_t *pcm, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		l->acc += (double)pcm[i] * pcm[i];
		if (++l->acc_n < PSTN_LEVEL_WINDOW)
			continue;
		if (l->acc > 0)
			l->level = (float)(10.0 * log10(l->acc / l->acc_n /
							(32767.0 * 32767.0)) +
					   DBM0_MAX_POWER);
		else
			l->level = PSTN_SILENT_DBM0;
		if (l->level < PSTN_SILENT_DBM0)
			l->level = PSTN_SILENT_DBM0;
		l->acc = 0;
		l->acc_n = 0;
	}
}

static void receive(struct pstn_line *l, const int16_t *pcm, size_t n)
{
	l->rx_samples += n;
	dtmf_rx(l->drx, pcm, (int)n);
	measure(l, pcm, n);
	if (l->fax)
		faxm_rx(l->fax, pcm, n);
	if (l->rec)
		pstn_wav_write(l->rec, pcm, n);
	if (l->echo)
		pstn_echo_take(l->echo, pcm, n);
}

static void mix(int32_t *acc, const int16_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		acc[i] += src[i];
}

static void generate(struct pstn_line *l, int16_t *out, size_t n)
{
	int32_t acc[CHUNK_MAX] = { 0 };
	int16_t tmp[CHUNK_MAX];
	size_t i, got;

	if (l->dialling) {
		got = (size_t)dtmf_tx(l->dtx, tmp, (int)n);
		mix(acc, tmp, got);
		if (got < n)
			l->dialling = false;
	}
	if (l->tone_on)
		for (i = 0; i < n; i++) {
			acc[i] += dds_mod(&l->ph1, l->rate1, l->scale, 0);
			if (l->rate2)
				acc[i] += dds_mod(&l->ph2, l->rate2, l->scale,
						  0);
		}
	if (l->fax) {
		faxm_tx(l->fax, tmp, n);
		mix(acc, tmp, n);
	}
	for (i = 0; l->play && i < n; i++) {
		acc[i] += l->play[l->play_pos++];
		if (l->play_pos < l->play_len)
			continue;
		l->play_pos = 0;
		if (!l->play_loop) {
			free(l->play);
			l->play = NULL;
		}
	}
	if (l->echo)
		pstn_echo_add(l->echo, acc, n);
	for (i = 0; i < n; i++)
		out[i] = (int16_t)(acc[i] > 32767 ? 32767 :
				   acc[i] < -32768 ? -32768 : acc[i]);
}

/* take everything the card sent on line @p l */
static void take(struct pstn *p, struct pstn_line *l)
{
	int16_t buf[READ_MAX];
	size_t n;

	while ((n = vtdm_far_read(p->far, l->idx, buf, READ_MAX)) > 0)
		receive(l, buf, n);
}

/** Move one batch of line @p l's audio both ways. */
void pstn_audio_tick(struct pstn *p, struct pstn_line *l)
{
	int16_t buf[CHUNK_MAX];
	size_t n, queued;
	size_t target = (size_t)(p->cfg.ahead_ms + p->cfg.batch_ms) * 8;

	take(p, l);
	queued = vtdm_far_queued(p->far, l->idx);
	if (queued >= target)
		return;
	n = target - queued;
	generate(l, buf, n);
	l->tx_samples += vtdm_far_write(p->far, l->idx, buf, n);
}

static bool dtmf_digit(char c)
{
	return (c >= '0' && c <= '9') || c == '*' || c == '#' ||
	       (c >= 'A' && c <= 'D');
}

/** Dial @p digits (0-9 * # A-D) in-band on line @p line, after what is
 *  still queued. A phone must be off-hook. */
int pstn_dial(struct pstn *p, unsigned line, const char *digits)
{
	struct pstn_line *l = pstn_line_get(p, line);
	size_t i, n = digits ? strlen(digits) : 0;

	if (!l)
		return -EINVAL;
	if (!n || n > MAX_DTMF_DIGITS)
		return pstn_fail(p, -EINVAL, "dial: give 1 to %d digits",
				 MAX_DTMF_DIGITS);
	for (i = 0; i < n; i++)
		if (!dtmf_digit(digits[i]))
			return pstn_fail(p, -EINVAL, "dial: '%c' is not a "
					 "DTMF digit (0-9 * # A-D)",
					 digits[i]);
	if (l->sig == TDM_SIG_FXS && (!l->offhook || l->flash_end))
		return pstn_fail(p, -EINVAL, "dial: the phone on line %u is "
				 "on-hook (offhook first)", line);
	if (dtmf_tx_put(l->dtx, digits, (int)n))
		return pstn_fail(p, -ENOSPC, "dial: %zu digits do not fit "
				 "behind those still queued", n);
	l->dialling = true;
	return 0;
}

/** Play a steady tone of @p f1 Hz (and @p f2 Hz if not 0), each at
 *  @p level_dbm0, towards the gateway until stopped; f1 0 stops it. */
int pstn_tone(struct pstn *p, unsigned line, float f1, float f2,
	      float level_dbm0)
{
	struct pstn_line *l = pstn_line_get(p, line);

	if (!l)
		return -EINVAL;
	if (f1 == 0) {
		l->tone_on = false;
		return 0;
	}
	if (!(f1 > 0 && f1 < 4000) || !(f2 >= 0 && f2 < 4000))
		return pstn_fail(p, -EINVAL, "tone: frequencies are above 0 "
				 "and below 4000 Hz");
	if (!(level_dbm0 >= -60 && level_dbm0 <= 3.14f))
		return pstn_fail(p, -EINVAL, "tone: level %.1f dBm0 is not in "
				 "-60..3.14", level_dbm0);
	if (f2 > 0 && level_dbm0 > -3)
		return pstn_fail(p, -EINVAL, "tone: two tones of %.1f dBm0 "
				 "each would clip (-3 at most)", level_dbm0);
	l->rate1 = dds_phase_rate(f1);
	l->rate2 = f2 > 0 ? dds_phase_rate(f2) : 0;
	l->scale = dds_scaling_dbm0(level_dbm0);
	l->ph1 = 0;
	l->ph2 = 0;
	l->tone_on = true;
	return 0;
}

/** Give line @p line a hybrid echo of @p erl_db dB after @p delay_ms
 *  (pstn_echo.h), replacing the one it had; @p erl_db below 0: none. */
int pstn_line_echo(struct pstn *p, unsigned line, float erl_db,
		   unsigned delay_ms)
{
	struct pstn_line *l = pstn_line_get(p, line);
	struct pstn_echo *e = NULL;
	int err;

	if (!l)
		return -EINVAL;
	if (erl_db > PSTN_ECHO_MAX_ERL_DB || isnan(erl_db))
		return pstn_fail(p, -EINVAL, "echo: ERL %.1f dB is not in 0..%d",
				 erl_db, PSTN_ECHO_MAX_ERL_DB);
	if (delay_ms > PSTN_ECHO_MAX_DELAY_MS)
		return pstn_fail(p, -EINVAL, "echo: delay %u ms is over %d",
				 delay_ms, PSTN_ECHO_MAX_DELAY_MS);
	if (erl_db >= 0) {
		err = pstn_echo_open(&e, erl_db, delay_ms);
		if (err)
			return pstn_fail(p, err, "echo: %s", strerror(-err));
	}
	pstn_echo_close(l->echo);
	l->echo = e;
	return 0;
}

/** Play the WAV file @p path (8 kHz mono PCM16) towards the gateway,
 *  replacing what is playing; @p loop: again and again until stopped. */
int pstn_play(struct pstn *p, unsigned line, const char *path, bool loop)
{
	struct pstn_line *l = pstn_line_get(p, line);
	int16_t *pcm = NULL;
	size_t n = 0;
	char why[300];
	int err;

	if (!l)
		return -EINVAL;
	if (strlen(path) >= sizeof(l->play_path))
		return pstn_fail(p, -ENAMETOOLONG, "play: file name too long");
	err = pstn_wav_load(path, &pcm, &n, why, sizeof(why));
	if (err)
		return pstn_fail(p, err, "play: %s", why);
	if (!n) {
		free(pcm);
		return pstn_fail(p, -EINVAL, "play: %s holds no samples",
				 path);
	}
	free(l->play);
	l->play = pcm;
	l->play_len = n;
	l->play_pos = 0;
	l->play_loop = loop;
	strcpy(l->play_path, path);
	return 0;
}

/** Record what the gateway sends on line @p line to the WAV file @p path
 *  until stopped. */
int pstn_record(struct pstn *p, unsigned line, const char *path)
{
	struct pstn_line *l = pstn_line_get(p, line);
	char why[300];
	int err;

	if (!l)
		return -EINVAL;
	if (l->rec)
		return pstn_fail(p, -EBUSY, "record: line %u is already "
				 "recording to %s (stop it first)", line,
				 l->rec_path);
	if (strlen(path) >= sizeof(l->rec_path))
		return pstn_fail(p, -ENAMETOOLONG, "record: file name too "
				 "long");
	take(p, l);	/* what the card sent before: not recorded */
	err = pstn_wav_create(&l->rec, path, why, sizeof(why));
	if (err)
		return pstn_fail(p, err, "record: %s", why);
	strcpy(l->rec_path, path);
	return 0;
}

/** Put a fax machine on line @p line that sends the TIFF file @p path
 *  (@p send) or receives into it, as the calling (@p calling) or the
 *  called machine, in place of one there before. */
int pstn_fax(struct pstn *p, unsigned line, bool send, const char *path,
	     bool calling)
{
	struct pstn_line *l = pstn_line_get(p, line);
	struct faxm *f;
	char why[300];
	int err;

	if (!l)
		return -EINVAL;
	err = faxm_open(&f, send, path, calling, why, sizeof(why));
	if (err)
		return pstn_fail(p, err, "fax: %s", why);
	take(p, l);	/* what the card sent before is not for it */
	faxm_close(l->fax);
	l->fax = f;
	return 0;
}

/** Stop @p what on line @p line: "dial", "tone", "play", "record" (the
 *  file is closed complete), "fax" (a document being received is closed
 *  with the pages it has) or "all" (NULL: all). Stopping what is not
 *  running is not an error. */
int pstn_stop(struct pstn *p, unsigned line, const char *what)
{
	struct pstn_line *l = pstn_line_get(p, line);
	bool all = !what || !strcmp(what, "all");
	int err = 0;

	if (!l)
		return -EINVAL;
	if (!all && strcmp(what, "dial") && strcmp(what, "tone") &&
	    strcmp(what, "play") && strcmp(what, "record") &&
	    strcmp(what, "fax"))
		return pstn_fail(p, -EINVAL, "stop: \"%s\" is not dial, tone, "
				 "play, record, fax or all", what);
	if (all || !strcmp(what, "dial")) {
		dtmf_tx_init(l->dtx);	/* empties the digit queue */
		dtx_setup(p, l);
		l->dialling = false;
	}
	if (all || !strcmp(what, "tone"))
		l->tone_on = false;
	if (all || !strcmp(what, "play")) {
		free(l->play);
		l->play = NULL;
	}
	if (all || !strcmp(what, "fax")) {
		faxm_close(l->fax);
		l->fax = NULL;
	}
	if ((all || !strcmp(what, "record")) && l->rec) {
		take(p, l);	/* up to now, not to the last batch */
		err = pstn_wav_close(l->rec);
		l->rec = NULL;
		if (err)
			return pstn_fail(p, err, "stop: %s: %s", l->rec_path,
					 strerror(-err));
	}
	return 0;
}

/** Forget the DTMF digits line @p line heard. */
void pstn_heard_clear(struct pstn *p, unsigned line)
{
	struct pstn_line *l = pstn_line_get(p, line);

	if (l)
		l->heard[0] = '\0';
}

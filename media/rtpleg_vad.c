// SPDX-License-Identifier: MIT
/** @file rtpleg_vad.c  Silence suppression on an RTP leg (RFC 3389)
 *
 * A leg opened with vad sends no audio while it is quiet. After
 * HANGOVER_MS of frames below -50 dBov (QUIET_MEAN_SQ), a comfort noise
 * packet (payload type 13, one octet: the noise level in -dBov) goes in
 * place of the frame, and again every REFRESH_MS while the quiet lasts:
 * that tells the far end what to play, and keeps its RTP timeout from
 * firing. The first audio packet after it has the marker bit (RFC 3551
 * 4.1); the RTP clock runs on through the silence. A data call
 * (rtpleg_data_mode()) suppresses nothing: a modem's quiet moments are
 * part of its signal.
 *
 * The detector is an energy threshold with a hangover, not a model of
 * speech: a line whose background noise is above the threshold is never
 * suppressed, which costs bandwidth and nothing else; the hangover keeps
 * the quiet ends of words.
 */
#include <math.h>

#include "media/rtpcheck.h"
#include "media/rtpleg_priv.h"

#define FULL_SCALE_SQ	(32768.0 * 32768.0)
#define QUIET_MEAN_SQ	(FULL_SCALE_SQ * 1e-5)	/* -50 dBov */
#define HANGOVER_MS	200
#define REFRESH_MS	1000

/* the level of a frame of mean square @p ms in -dBov, 0..127 */
static uint8_t level_of(double ms)
{
	double db = ms > 0 ? -10 * log10(ms / FULL_SCALE_SQ) : 127;

	return db < 0 ? 0 : db > 127 ? 127 : (uint8_t)lround(db);
}

static void send_cn(struct rtpleg *l, uint8_t level)
{
	mblk_t *m = rtp_session_create_packet(l->s, RTP_FIXED_HEADER_SIZE,
					      &level, 1);

	if (!m) {
		l->c.tx_errors++;
		return;
	}
	rtp_set_payload_type(m, RTPCK_PT_CN);
	if (rtp_session_sendm_with_ts(l->s, m, l->tx_ts) < 0) {
		l->c.tx_errors++;
		return;
	}
	l->c.tx_packets++;
	l->c.tx_bytes++;
	l->c.cn_tx++;
}

/* Whether this ptime's audio @p pcm (@p samples) is not to be sent: it
 * is silence, and a comfort noise packet may have gone in its place.
 * Context: the media task, from rtpleg_send() for a leg with vad that
 * carries no data call. */
bool rtpleg_vad_tx(struct rtpleg *l, const int16_t *pcm, size_t samples)
{
	struct rtpleg_vad *v = &l->vad;
	int64_t sum = 0;
	double ms;

	for (size_t i = 0; i < samples; i++)
		sum += (int32_t)pcm[i] * pcm[i];
	ms = (double)sum / (double)samples;
	if (ms > QUIET_MEAN_SQ) {
		v->silent = false;
		v->quiet_ms = 0;
		return false;
	}
	v->quiet_ms += (unsigned)(samples / 8);
	if (!v->silent) {
		if (v->quiet_ms < HANGOVER_MS)
			return false;
		v->silent = true;
		v->cn_ms = 0;
		l->tx_started = false;	/* the next audio has the marker */
		send_cn(l, level_of(ms));
		return true;
	}
	v->cn_ms += (unsigned)(samples / 8);
	if (v->cn_ms >= REFRESH_MS) {
		v->cn_ms = 0;
		send_cn(l, level_of(ms));
	}
	return true;
}

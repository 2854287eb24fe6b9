// SPDX-License-Identifier: MIT
/** @file rtpleg_dtmf.c  RFC 4733 telephone events on an RTP leg
 *
 * Sending: a digit waits in a small queue; while its event lasts, every
 * rtpleg_send() (one ptime of audio) sends an event packet instead of the
 * audio: all with the RTP timestamp of the event's start, the first with
 * the marker bit, the duration growing by one ptime each time; the final
 * packet (E bit, the full duration) goes three times, one per ptime
 * (RFC 4733 2.5.1.4). 40 ms of audio separate two events.
 *
 * Receiving: oRTP's "telephone-event" signal, emitted when the end packet
 * of an event is processed, reports the event once, with the duration
 * seen in its packets. When every end packet is lost the event is still
 * reported once: when the next event starts, when audio resumes after
 * it, or 300 ms after its last packet.
 */
#include <errno.h>
#include <string.h>

#include <ortp/telephonyevents.h>

#include "media/rtpleg_priv.h"

#define EVENT_VOLUME	10		/* -10 dBm0 */
#define EVENT_GAP	(40 * 8)	/* audio between two events, samples */
#define EVENT_ENDS	3
#define EVENT_MAX_MS	5000
#define EVENT_DEF_MS	100
#define EVENT_MIN_MS	40
#define RX_TIMEOUT_NS	300000000ull

static const char codes[] = "0123456789*#ABCD!";	/* RFC 4733 3.2 */

static int code_of(char digit)
{
	const char *p;

	if (digit >= 'a' && digit <= 'd')
		digit = (char)(digit - 'a' + 'A');
	p = digit ? strchr(codes, digit) : NULL;
	return p ? (int)(p - codes) : -1;
}

/**
 * Send RFC 4733 event @p digit ('0'-'9', '*', '#', 'A'-'D', '!' for
 * flash) for @p duration_ms (0: 100 ms; held to 40..5000 ms) as soon as
 * the events before it are done. Context: the media task.
 * @return 0, -EINVAL (unknown digit, leg not open), -ENOTSUP (no
 *	   telephone-event payload type on this leg) or -ENOSPC (16 waiting)
 */
int rtpleg_send_dtmf(struct rtpleg *l, char digit, unsigned duration_ms)
{
	struct rtpleg_dtmf_tx *d;
	int code = code_of(digit);

	if (!l || !atomic_load(&l->in_use) || code < 0)
		return -EINVAL;
	if (l->cfg.te_pt == RTPLEG_TE_NONE)
		return -ENOTSUP;
	d = &l->dtx;
	if (d->qlen == sizeof(d->queue))
		return -ENOSPC;
	if (!duration_ms)
		duration_ms = EVENT_DEF_MS;
	if (duration_ms < EVENT_MIN_MS)
		duration_ms = EVENT_MIN_MS;
	if (duration_ms > EVENT_MAX_MS)
		duration_ms = EVENT_MAX_MS;
	d->queue[(d->qhead + d->qlen) % sizeof(d->queue)] = (char)code;
	d->qms[(d->qhead + d->qlen) % sizeof(d->queue)] = duration_ms;
	d->qlen++;
	return 0;
}

static void start_event(struct rtpleg *l)
{
	struct rtpleg_dtmf_tx *d = &l->dtx;

	d->event = (uint8_t)d->queue[d->qhead];
	d->total = d->qms[d->qhead] * 8;
	d->qhead = (d->qhead + 1) % sizeof(d->queue);
	d->qlen--;
	d->active = true;
	d->sent = 0;
	d->ts = l->tx_ts;
	d->ends_left = EVENT_ENDS;
}

/* Send this ptime's event packet, if an event is on. Context: the media
 * task, from rtpleg_send(). @return true when the audio must not go */
bool rtpleg_dtmf_tx(struct rtpleg *l, size_t samples)
{
	struct rtpleg_dtmf_tx *d = &l->dtx;
	bool first, end;
	mblk_t *m;

	if (!d->active) {
		if (d->gap) {
			d->gap = d->gap > samples ? d->gap - (uint32_t)samples
						  : 0;
			return false;
		}
		if (!d->qlen)
			return false;
		start_event(l);
	}
	first = !d->sent;
	if (d->sent < d->total)
		d->sent += (uint32_t)samples;
	if (d->sent > d->total)
		d->sent = d->total;
	end = d->sent == d->total;
	m = rtp_session_create_telephone_event_packet(l->s, first);
	if (m) {
		rtp_session_add_telephone_event(l->s, m, d->event, end,
						EVENT_VOLUME,
						(uint16_t)d->sent);
		if (rtp_session_sendm_with_ts(l->s, m, d->ts) < 0)
			l->c.tx_errors++;
	} else {
		l->c.tx_errors++;
	}
	if (end && !--d->ends_left) {
		d->active = false;
		d->gap = EVENT_GAP;
		l->c.dtmf_tx++;
	}
	return true;
}

static void report(struct rtpleg *l)
{
	struct rtpleg_dtmf_rx *r = &l->drx;
	unsigned i;

	r->reported = true;
	if (r->event >= sizeof(codes) - 1 || r->ev_len == RTPLEG_EVQ)
		return;		/* not a DTMF key, or nobody polls */
	i = (r->ev_head + r->ev_len) % RTPLEG_EVQ;
	r->ev_digit[i] = codes[r->event];
	r->ev_ms[i] = r->duration / 8;
	r->ev_len++;
	l->c.dtmf_rx++;
}

/* oRTP's "telephone-event" signal: an event ended (its E packet) */
void rtpleg_dtmf_signal(RtpSession *s, void *ev, void *ud, void *unused)
{
	struct rtpleg *l = ud;
	struct rtpleg_dtmf_rx *r = &l->drx;

	(void)s;
	(void)unused;
	if (r->active && !r->reported && r->event == (intptr_t)ev)
		report(l);
}

/* A valid event packet of the leg's source, before oRTP sees it: follow
 * the event's duration; a new event closes the one before */
void rtpleg_dtmf_rx(struct rtpleg *l, uint32_t ts, const uint8_t *pl,
		    size_t len, uint64_t now)
{
	struct rtpleg_dtmf_rx *r = &l->drx;
	uint32_t dur;

	if (len < 4)
		return;
	dur = (uint32_t)(pl[2] << 8 | pl[3]);
	if (!r->active || ts != r->ts) {
		if (r->active && !r->reported)
			report(l);	/* its end never came */
		r->active = true;
		r->reported = false;
		r->ts = ts;
		r->event = pl[0];
		r->duration = 0;
	}
	if (dur > r->duration)
		r->duration = dur;
	r->last_ns = now;
}

/* Audio, or time passing, after an event whose end was lost */
void rtpleg_dtmf_rx_check(struct rtpleg *l, bool audio, uint32_t ts,
			  uint64_t now)
{
	struct rtpleg_dtmf_rx *r = &l->drx;
	int32_t after;

	if (!r->active || r->reported)
		return;
	after = (int32_t)(ts - r->ts - r->duration);
	if ((audio && after > (int32_t)(2 * l->cfg.ptime_ms * 8)) ||
	    now - r->last_ns > RX_TIMEOUT_NS)
		report(l);
}

/**
 * Take the oldest received event: @p digit and its @p duration_ms.
 * Each event is reported once, when it ends. Context: the media task.
 * @return 0, -EAGAIN (none waiting) or -EINVAL
 */
int rtpleg_dtmf_poll(struct rtpleg *l, char *digit, unsigned *duration_ms)
{
	struct rtpleg_dtmf_rx *r;

	if (!l || !digit)
		return -EINVAL;
	r = &l->drx;
	if (!r->ev_len)
		return -EAGAIN;
	*digit = r->ev_digit[r->ev_head];
	if (duration_ms)
		*duration_ms = r->ev_ms[r->ev_head];
	r->ev_head = (r->ev_head + 1) % RTPLEG_EVQ;
	r->ev_len--;
	return 0;
}

// SPDX-License-Identifier: MIT
/** @file fuzz_rtp.c  Fuzz the RTP/RTCP input path of an RTP leg
 *
 * The input is one UDP payload, as received on a leg's RTP or RTCP port
 * (the seed corpus holds real ones: G.711, G.722, GSM, comfort noise,
 * RFC 4733 events, SR, RR, SDES, BYE, APP, compounds). It goes where a
 * received datagram goes in rtpleg.c, from an exact-size heap copy (a
 * read past the end is an ASan report in the replay build too):
 *  1. the pure parsers, rtpck_parse_rtp() and rtpck_parse_rtcp(), twice
 *     (same verdict), and what they describe must lie inside the input;
 *  2. a leg's filter (rtpcheck.h) and, for what it accepts, a jitter
 *     buffer (jb.h): the packet, then a stream made from it (sequence
 *     numbers, timestamps and arrival times driven by the input bytes:
 *     loss, reordering, duplicates, jumps, wraps), with the playout
 *     clock running; the buffer's counters must add up;
 *  3. oRTP, through a transport of ours as in rtpleg_net.c: every
 *     datagram the filter accepted, as RTP or RTCP (its parsers run on
 *     what ours let through);
 *  4. an SRTP leg's check (srtpctx.h, libsrtp2), which an SRTP leg runs
 *     before everything above, as SRTP and as SRTCP, in place on an
 *     exact-size copy: refused, or a plain packet no longer than the
 *     input;
 *  5. the payload of an accepted packet decoded by every codec (what a
 *     leg does with what its jitter buffer gives): refused or decoded,
 *     never past the room given, which a canary after it guards.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>
#include <ortp/ortp.h>

#include "media/codec.h"
#include "media/jb.h"
#include "media/ortp_extra.h"
#include "media/rtpcheck.h"
#include "media/srtpctx.h"

#define STREAM		48	/* packets made from the input */
#define MS		1000000ull

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* --- 1. parsers ----------------------------------------------------------- */

static void check_parsers(const uint8_t *p, size_t n)
{
	struct rtpck_rtp h, h2;
	struct rtpck_rtcp r, r2;
	enum rtpck_verdict v = rtpck_parse_rtp(p, n, &h);

	if ((unsigned)v >= RTPCK_V_COUNT || rtpck_parse_rtp(p, n, &h2) != v)
		abort();
	if (v == RTPCK_OK) {
		if (n < 12 || h.pt > 127 || h.cc > 15 ||
		    h.payload_off < 12 + 4u * h.cc ||
		    (size_t)h.payload_off + h.payload_len > n ||
		    h.seq != h2.seq || h.ts != h2.ts || h.ssrc != h2.ssrc ||
		    h.payload_len != h2.payload_len)
			abort();
	}
	v = rtpck_parse_rtcp(p, n, &r);
	if ((unsigned)v >= RTPCK_V_COUNT || rtpck_parse_rtcp(p, n, &r2) != v)
		abort();
	if (v == RTPCK_OK && (n % 4 || !r.packets || r.packets > n / 4 ||
	    (p[1] != 200 && p[1] != 201) || memcmp(&r, &r2, sizeof(r))))
		abort();
}

/* --- 3. oRTP behind our transport ------------------------------------- */

static const uint8_t *staged;
static size_t staged_len;
static bool staged_rtcp;

static int t_recvfrom(RtpTransport *t, mblk_t *m, int flags,
		      struct sockaddr *from, socklen_t *fromlen)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	bool rtcp = t->data != NULL;

	(void)flags;
	if (!staged || rtcp != staged_rtcp ||
	    staged_len > (size_t)(dblk_lim(m->b_datap) - m->b_wptr))
		return 0;
	memcpy(m->b_wptr, staged, staged_len);
	staged = NULL;
	if (from && fromlen && *fromlen >= (socklen_t)sizeof(sa)) {
		memcpy(from, &sa, sizeof(sa));
		*fromlen = sizeof(sa);
	}
	return (int)staged_len;
}

static int t_sendto(RtpTransport *t, mblk_t *m, int flags,
		    const struct sockaddr *to, socklen_t tolen)
{
	(void)t;
	(void)flags;
	(void)to;
	(void)tolen;
	return (int)msgdsize(m);	/* reports go nowhere */
}

static ortp_socket_t t_getsocket(RtpTransport *t)
{
	(void)t;
	return -1;
}

static void t_nop(RtpTransport *t)
{
	(void)t;
}

static RtpTransport tr_rtp = {
	.t_getsocket = t_getsocket, .t_sendto = t_sendto,
	.t_recvfrom = t_recvfrom, .t_close = t_nop, .t_destroy = t_nop,
};
static RtpTransport tr_rtcp = {
	.data = &tr_rtcp, .t_getsocket = t_getsocket, .t_sendto = t_sendto,
	.t_recvfrom = t_recvfrom, .t_close = t_nop, .t_destroy = t_nop,
};
static RtpProfile prof;

static void quiet(const char *d, OrtpLogLevel l, const char *f, va_list a)
{
	(void)d;
	(void)l;
	(void)f;
	(void)a;
}

static RtpSession *new_session(void)
{
	RtpTransport *old_rtp, *old_rtcp;
	RtpSession *s = rtp_session_new(RTP_SESSION_SENDRECV);

	if (!s)
		abort();
	rtp_profile_set_payload(&prof, 0, &payload_type_pcmu8000);
	rtp_profile_set_payload(&prof, 13, &payload_type_cn);
	rtp_profile_set_payload(&prof, 101, &payload_type_telephone_event);
	rtp_session_set_profile(s, &prof);
	rtp_session_set_scheduling_mode(s, 0);
	rtp_session_set_blocking_mode(s, 0);
	rtp_session_enable_jitter_buffer(s, FALSE);
	rtp_session_set_ssrc_changed_threshold(s, 0);
	rtp_session_set_recv_buf_size(s, 1500);
	rtp_session_set_payload_type(s, 0);
	rtp_session_get_transports(s, &old_rtp, &old_rtcp);
	rtp_session_set_transports(s, meta_rtp_transport_new(&tr_rtp, 0),
				   meta_rtcp_transport_new(&tr_rtcp, 0));
	meta_rtp_transport_destroy(old_rtp);
	meta_rtp_transport_destroy(old_rtcp);
	return s;
}

static void to_ortp(RtpSession *s, const uint8_t *p, size_t n, bool rtcp,
		    uint32_t uts)
{
	mblk_t *m;

	if (n > 1500)
		return;
	staged = p;
	staged_len = n;
	staged_rtcp = rtcp;
	m = rtp_session_recvm_with_ts(s, uts);
	if (m)
		freemsg(m);
	staged = NULL;
}

/* --- 2. filter and jitter buffer ------------------------------------------ */

static void check_jb(const struct jb *jb, const uint64_t *res)
{
	struct jb_stats st;
	uint64_t sum = 0;

	jb_stats_get(jb, &st);
	for (int i = JB_PUT_OK; i <= JB_PUT_PROBATION; i++)
		sum += res[i];
	if (st.packets != sum || res[JB_PUT_INVALID] ||
	    st.duplicates != res[JB_PUT_DUP] || st.lost > st.expected ||
	    st.target_ms < 20 || st.target_ms > 200)
		abort();
}

/* the i-th packet of a stream made from the input: a copy of @p pkt with
 * its sequence number and timestamp moved by amounts read from the input */
static size_t derive(uint8_t *out, const uint8_t *pkt, size_t n,
		     const uint8_t *data, size_t size, unsigned i,
		     uint64_t *at)
{
	uint8_t b = size ? data[(i * 7 + 3) % size] : 0;
	uint16_t seq = (uint16_t)(pkt[2] << 8 | pkt[3]);
	uint32_t ts;
	int step = b & 0x80 ? (int)(b & 0x0f) - 4 : 1;	/* mostly in order */

	memcpy(out, pkt, n);
	memcpy(&ts, pkt + 4, 4);
	ts = ntohl(ts);
	seq = (uint16_t)(seq + (int)i + (b & 0x40 ? step * 100 : step - 1));
	ts += (uint32_t)(i * 160 + (b & 0x20 ? (b & 0x1f) * 1000u : 0));
	out[2] = (uint8_t)(seq >> 8);
	out[3] = (uint8_t)seq;
	ts = htonl(ts);
	memcpy(out + 4, &ts, 4);
	*at += (b & 0x1f) * MS + (b & 0x10 ? 120 * MS : 10 * MS);
	return n;
}

static void stream(struct rtpck *ck, struct jb *jb, RtpSession *s,
		   const uint8_t *pkt, size_t n, const uint8_t *data,
		   size_t size)
{
	static uint8_t buf[65536];
	uint64_t at = 1000 * MS, now = at, res[JB_PUT_INVALID + 1] = { 0 };
	uint32_t uts = 1;

	if (n > sizeof(buf))
		return;
	for (unsigned i = 0; i < STREAM; i++) {
		struct rtpck_rtp h;
		struct jb_pkt p = { 0 };
		size_t len = derive(buf, pkt, n, data, size, i, &at);

		if (rtpck_rtp(ck, buf, len, &h) == RTPCK_OK) {
			p.seq = h.seq;
			p.ts = h.ts;
			p.ssrc = h.ssrc;
			p.marker = h.marker;
			p.arrival_ns = at;
			if (h.pt == 0 && h.payload_len <= JB_PAYLOAD_MAX) {
				p.payload = buf + h.payload_off;
				p.len = h.payload_len;
			} else if (h.pt == RTPCK_PT_CN) {	/* its level */
				p.cn = true;
				p.payload = buf + h.payload_off;
				p.len = h.payload_len ? 1 : 0;
			}
			res[jb_put(jb, &p)]++;
			to_ortp(s, buf, len, false, uts += 160);
		}
		/* the playout clock catches up with the arrivals */
		while (now + 20 * MS <= at) {
			uint8_t out[JB_PAYLOAD_MAX];
			size_t olen;
			uint32_t dur;
			enum jb_res r;

			now += 20 * MS;
			r = jb_get(jb, now, out, &olen, &dur);
			/* a frame lasts 20 ms, or what the stream showed
			 * (up to 200 ms); comfort noise gives its level */
			if ((unsigned)r > JB_EMPTY || olen > JB_PAYLOAD_MAX ||
			    !dur || dur > 1600 ||
			    (r == JB_CN ? olen > 1 : r != JB_FRAME && olen))
				abort();
		}
		check_jb(jb, res);
	}
}

/* --- 4. SRTP ----------------------------------------------------------------- */

static void check_srtp(const uint8_t *data, size_t size)
{
	static struct srtpctx *c;

	if (!c) {
		struct srtpctx_cfg sc = {
			.suite = SRTPCTX_AES_CM_128_HMAC_SHA1_80,
		};

		if (srtpctx_module_init() || srtpctx_open(&c, &sc))
			abort();
	}
	for (int rtcp = 0; rtcp < 2; rtcp++) {
		uint8_t *pkt = malloc(size ? size : 1);
		size_t len = size;

		if (!pkt)
			return;
		memcpy(pkt, data, size);
		if (!srtpctx_unprotect(c, rtcp, pkt, &len) && len > size)
			abort();
		free(pkt);
	}
}

/* --- 5. codecs ---------------------------------------------------------- */

static void check_decode(const uint8_t *p, size_t n)
{
	static struct codec c[CODEC_COUNT];
	static int16_t pcm[JB_PAYLOAD_MAX * 4 + 1];
	static bool ready;
	size_t cap = sizeof(pcm) / sizeof(pcm[0]) - 1;

	for (int id = 0; id < CODEC_COUNT; id++) {
		int got;

		if (!ready && codec_init(&c[id], (enum codec_id)id))
			abort();
		pcm[cap] = 0x5a5a;
		got = codec_decode(&c[id], p, n, pcm, cap);
		if ((got < 0 && got != -EBADMSG && got != -ENOSPC) ||
		    got > (int)cap || pcm[cap] != 0x5a5a)
			abort();
	}
	ready = true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	static struct jb jb;
	struct jb_cfg jc = { .clock_hz = 8000, .frame_ms = 20, .min_ms = 20,
			     .max_ms = 200 };
	struct rtpck_cfg kc = { .pt_audio = 0, .pt_event = 101,
				.accept_cn = true };
	struct rtpck ck;
	struct rtpck_rtp h;
	enum rtpck_verdict v;
	RtpSession *s;
	uint8_t *pkt;

	if (!ready) {
		ortp_set_log_handler(quiet);
		ortp_init();
		ready = true;
	}
	pkt = malloc(size ? size : 1);	/* exactly @p size bytes */
	if (!pkt)
		return 0;
	memcpy(pkt, data, size);
	check_parsers(pkt, size);

	rtpck_init(&ck, &kc);
	if (jb_init(&jb, &jc))
		abort();
	s = new_session();
	v = rtpck_rtcp(&ck, pkt, size, NULL);
	if (ck.st.rtcp[v] != 1)
		abort();	/* counted once, under its verdict */
	if (v == RTPCK_OK)
		to_ortp(s, pkt, size, true, 1);
	v = rtpck_rtp(&ck, pkt, size, &h);
	if (ck.st.rtp[v] != 1)
		abort();
	if (v == RTPCK_OK) {
		stream(&ck, &jb, s, pkt, size, data, size);
		check_decode(pkt + h.payload_off, h.payload_len);
	}
	rtp_session_destroy(s);
	free(pkt);
	check_srtp(data, size);
	return 0;
}

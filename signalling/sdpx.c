// SPDX-License-Identifier: MIT
/** @file sdpx.c  SDP offer/answer for the media-anchoring B2BUA */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <ctype.h>

#include <sofia-sip/sdp.h>
#include <sofia-sip/su_alloc.h>

#include "media/rtpcheck.h"
#include "signalling/sdpx.h"

#define TE_PT_DEFAULT 101

static const char *const dir_attr[] = {
	"sendrecv", "sendonly", "recvonly", "inactive",
};

static enum sdpx_dir dir_of(sdp_mode_t m)
{
	switch (m) {
	case sdp_sendonly:
		return SDPX_SENDONLY;
	case sdp_recvonly:
		return SDPX_RECVONLY;
	case sdp_inactive:
		return SDPX_INACTIVE;
	default:
		return SDPX_SENDRECV;
	}
}

static void add_fmt(struct sdpx *s, const sdp_rtpmap_t *rm)
{
	struct sdpx_fmt *f;
	enum codec_id id;

	if (!rm->rm_encoding)
		return;
	if (!strcasecmp(rm->rm_encoding, "telephone-event")) {
		if (s->te_pt < 0 && rm->rm_rate == 8000)
			s->te_pt = rm->rm_pt;
		return;
	}
	if (!strcasecmp(rm->rm_encoding, "CN")) {
		/* the RT partition takes CN as its static type only */
		s->cn |= rm->rm_pt == RTPCK_PT_CN && rm->rm_rate == 8000;
		return;
	}
	if (s->nfmt == SDPX_MAX_FMT)
		return;
	f = &s->fmt[s->nfmt++];
	f->pt = rm->rm_pt;
	snprintf(f->name, sizeof(f->name), "%s", rm->rm_encoding);
	f->codec = -1;
	if (!codec_by_name(rm->rm_encoding, &id) &&
	    rm->rm_rate == codec_info(id)->rtp_clock)
		f->codec = (int)id;
}

/* a=ptime's milliseconds (RFC 4566: an integer; "20.0" is seen too), or 0
 * when it is not a number in 1..1000 */
static unsigned ptime_of(const char *v)
{
	unsigned long ms;
	char *end;

	if (*v < '0' || *v > '9')
		return 0;
	errno = 0;
	ms = strtoul(v, &end, 10);
	if (errno || (*end && *end != '.') || !ms || ms > 1000)
		return 0;
	return (unsigned)ms;
}

/* RFC 4566 5: token characters */
static bool is_token(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || (c && strchr("-!#$%&'*+.^_`{|}~", c));
}

/* Whether field @p f (0: media) of an m= line, @p n characters at @p v,
 * follows RFC 4566 5.14: media token, port ["/" ports], proto (tokens
 * joined by '/'), formats (tokens). */
static bool media_field_ok(unsigned f, const char *v, size_t n)
{
	size_t i = 0;

	if (f == 1) {			/* port ["/" number of ports] */
		while (i < n && v[i] >= '0' && v[i] <= '9')
			i++;
		if (!i)
			return false;
		if (i < n && v[i] == '/' && ++i < n)
			while (i < n && v[i] >= '0' && v[i] <= '9')
				i++;
		return i == n && v[n - 1] != '/';
	}
	for (; i < n; i++)
		if (!is_token(v[i]) && (f != 2 || v[i] != '/'))
			return false;
	return true;
}

/* Sofia-SIP 1.12.11 loops without end, allocating a list node each turn,
 * on an m= line whose format list (any transport but RTP) has a format
 * starting with a character that is not a token character
 * ("m=audio 1 X a::"), or is only blanks with a tab ("m=audio 1 X \t"):
 * sipd would grow until memory runs out. Later Sofia-SIP versions check
 * token()'s result; here every m= line, found as sdp_parse() finds lines
 * (split at CR or LF, leading blanks skipped, up to a NUL), must follow
 * RFC 4566's grammar, and end without a tab, before Sofia sees it.
 * *@p endp: the length up to the first NUL, what sdp_parse() reads. */
static bool media_lines_ok(const char *body, size_t len, size_t *endp)
{
	const char *nul = memchr(body, '\0', len);
	size_t end = nul ? (size_t)(nul - body) : len, i = 0;

	*endp = end;
	while (i < end) {
		unsigned f = 0;

		while (i < end && strchr(" \t\r\n", body[i]))
			i++;
		if (end - i < 2 || body[i] != 'm' || body[i + 1] != '=') {
			while (i < end && body[i] != '\r' && body[i] != '\n')
				i++;
			continue;
		}
		for (i += 2;; f++) {
			bool tab = false;
			size_t start;

			while (i < end && (body[i] == ' ' || body[i] == '\t'))
				tab |= body[i++] == '\t';
			if (i == end || body[i] == '\r' || body[i] == '\n') {
				if (tab)	/* "RTP/X\t\t": the same loop */
					return false;
				break;
			}
			start = i;
			while (i < end && !strchr(" \t\r\n", body[i]))
				i++;
			if (i > start &&
			    !media_field_ok(f, body + start, i - start))
				return false;
		}
	}
	return true;
}

/* The stream a call uses: the first audio one not refused; else the first
 * T.38 one (m=image udptl t38) not refused, a fax adapter's move to T.38
 * (which may keep a refused audio stream); else the first audio one (a
 * refused stream: the caller decides). NULL: no audio nor T.38 */
static sdp_media_t *stream_of(sdp_session_t *sess)
{
	sdp_media_t *m, *audio = NULL;

	for (m = sess->sdp_media; m; m = m->m_next)
		if (m->m_type == sdp_media_audio && !audio)
			audio = m;
	if (audio && audio->m_port)
		return audio;
	for (m = sess->sdp_media; m; m = m->m_next)
		if (m->m_type == sdp_media_image &&
		    m->m_proto == sdp_proto_udptl && m->m_port &&
		    m->m_format && m->m_format->l_text &&
		    !strcasecmp(m->m_format->l_text, "t38"))
			return m;
	return audio;
}

/* T.38's stream @p m of @p sess and its attributes (T.38 Annex D): the
 * error correction asked */
static void t38_attrs(struct sdpx *s, const sdp_session_t *sess,
		      const sdp_media_t *m)
{
	for (const sdp_media_t *k = sess->sdp_media; k != m; k = k->m_next)
		s->t38_after_audio |= k->m_type == sdp_media_audio;
	s->t38 = true;
	s->t38_red = SDPX_T38_RED;	/* T38FaxUdpEC's absence: ours */
	for (const sdp_attribute_t *a = m->m_attributes; a; a = a->a_next)
		if (a->a_name && a->a_value &&
		    !strcasecmp(a->a_name, "T38FaxUdpEC"))
			s->t38_red = strcasecmp(a->a_value, "t38UDPNone") ?
				     SDPX_T38_RED : 0;
}

/* An a=crypto value (RFC 4568 9.1) we can take: "TAG SUITE inline:KEY",
 * the key 30 bytes in base64, a lifetime after '|' allowed; refused: an
 * unknown suite, an MKI ("|1:4": we send none), several keys (';'),
 * session parameters. @return true with the line's tag, suite and key */
static bool crypto_of(const char *v, struct sdpx *s)
{
	char suite[40], kp[128], *key, *part, *save = NULL;
	enum srtpctx_suite id;
	unsigned long tag;
	int n = 0;

	if (!isdigit((unsigned char)v[0]) ||
	    sscanf(v, "%9lu %39s %127s %n", &tag, suite, kp, &n) != 3 ||
	    v[n] || strncmp(kp, "inline:", 7) || strchr(kp, ';') ||
	    srtpctx_suite_parse(suite, &id) || id == SRTPCTX_NONE)
		return false;
	key = strtok_r(kp + 7, "|", &save);
	while ((part = strtok_r(NULL, "|", &save)))
		if (strchr(part, ':'))
			return false;		/* an MKI */
	if (!key || srtpctx_key_decode(key, s->srtp_key))
		return false;
	s->srtp = (uint8_t)id;
	s->crypto_tag = (uint32_t)tag;
	return true;
}

/* The first of @p m's a=crypto lines we take (see crypto_of()).
 * @return whether there was one */
static bool sdes_of(struct sdpx *s, const sdp_media_t *m)
{
	for (const sdp_attribute_t *a = m->m_attributes; a; a = a->a_next)
		if (a->a_name && a->a_value &&
		    !strcasecmp(a->a_name, "crypto") && crypto_of(a->a_value, s))
			return true;
	return false;
}

/** Read the stream of an SDP body a call uses (see stream_of()).
 *  @return 0, or -EBADMSG with the reason (not SDP, no audio, neither
 *  RTP/AVP nor RTP/SAVP, RTP/SAVP without a crypto line we take, no IPv4
 *  address, port out of range) */
int sdpx_parse(const char *body, size_t len, struct sdpx *s, char *why,
	       size_t whylen)
{
	su_home_t home[1] = { SU_HOME_INIT(home) };
	sdp_parser_t *p = NULL;
	sdp_session_t *sess = NULL;
	sdp_media_t *m;
	sdp_connection_t *c;
	int err = -EBADMSG;
	size_t n;

	memset(s, 0, sizeof(*s));
	s->te_pt = -1;
	if (!media_lines_ok(body, len, &n)) {
		snprintf(why, whylen, "bad SDP: malformed m= line");
		goto out;
	}
	p = sdp_parse(home, body, (issize_t)n, 0);
	sess = sdp_session(p);
	if (!sess) {
		snprintf(why, whylen, "bad SDP: %s", sdp_parsing_error(p));
		goto out;
	}
	m = stream_of(sess);
	if (!m) {
		snprintf(why, whylen, "SDP without audio or T.38");
		goto out;
	}
	c = m->m_connections ? m->m_connections : sess->sdp_connection;
	if (!c || !c->c_address || c->c_addrtype != sdp_addr_ip4 ||
	    inet_pton(AF_INET, c->c_address, &s->ip) != 1) {
		snprintf(why, whylen, "SDP without an IPv4 address");
		goto out;
	}
	if (m->m_type == sdp_media_image) {
		t38_attrs(s, sess, m);
	} else if (m->m_proto == sdp_proto_srtp) {
		s->savp = true;
		if (!sdes_of(s, m)) {
			snprintf(why, whylen, "RTP/SAVP without a crypto line "
				 "we take (AES_CM_128_HMAC_SHA1_80 or _32, an "
				 "inline key, no MKI)");
			goto out;
		}
	} else if (m->m_proto == sdp_proto_rtp) {
		sdes_of(s, m);	/* best-effort SRTP, if it offers it */
	} else {
		/* RTP/SAVPF and the like: answering RTP/AVP would be wrong */
		snprintf(why, whylen, "audio is not RTP/AVP nor RTP/SAVP but "
			 "%s", m->m_proto_name ? m->m_proto_name : "?");
		goto out;
	}
	if (m->m_port > 65535) {
		snprintf(why, whylen, "audio port %lu out of range",
			 m->m_port);
		goto out;
	}
	s->port = (uint16_t)m->m_port;
	s->dir = dir_of(m->m_mode);
	if (!s->ip)
		s->dir = SDPX_INACTIVE;		/* c=0.0.0.0: on hold */
	for (const sdp_rtpmap_t *rm = m->m_rtpmaps; rm; rm = rm->rm_next)
		add_fmt(s, rm);
	for (const sdp_attribute_t *a = m->m_attributes; a; a = a->a_next)
		if (a->a_name && !strcasecmp(a->a_name, "ptime") && a->a_value)
			s->ptime_ms = ptime_of(a->a_value);
	err = 0;
 out:
	sdp_parser_free(p);
	su_home_deinit(home);
	return err;
}

/** Parse a preference list ("pcmu,pcma,g722"). @return 0 or -EINVAL (an
 *  unknown codec, one listed twice, none, a list too long) */
int sdpx_prefs_parse(const char *list, struct sdpx_prefs *p)
{
	char buf[128], *save = NULL, *tok;
	unsigned seen = 0;

	p->n = 0;
	if (snprintf(buf, sizeof(buf), "%s", list) >= (int)sizeof(buf))
		return -EINVAL;
	for (tok = strtok_r(buf, ", ", &save); tok;
	     tok = strtok_r(NULL, ", ", &save)) {
		enum codec_id id;

		if (codec_by_name(tok, &id) || seen & 1u << id)
			return -EINVAL;	/* twice: a wrong offer */
		seen |= 1u << id;
		p->codec[p->n++] = id;
	}
	return p->n ? 0 : -EINVAL;
}

/** Whether @p codec is G.711 (either law): what voiceband data needs. */
bool sdpx_is_g711(enum codec_id codec)
{
	return codec == CODEC_PCMU || codec == CODEC_PCMA;
}

/** The G.711 laws of @p p in its order, then whichever it lacks: what a
 *  data call offers. */
void sdpx_prefs_g711(const struct sdpx_prefs *p, struct sdpx_prefs *out)
{
	static const enum codec_id laws[] = { CODEC_PCMU, CODEC_PCMA };
	unsigned seen = 0;

	out->n = 0;
	for (unsigned i = 0; i < p->n; i++) {
		if (sdpx_is_g711(p->codec[i])) {
			out->codec[out->n++] = p->codec[i];
			seen |= 1u << p->codec[i];
		}
	}
	for (unsigned i = 0; i < 2; i++)
		if (!(seen & 1u << laws[i]))
			out->codec[out->n++] = laws[i];
}

/** @p p without @p id, in its order; @p p itself when @p id is all it
 *  has (a call then asks for it and is refused as before). */
void sdpx_prefs_without(const struct sdpx_prefs *p, enum codec_id id,
			struct sdpx_prefs *out)
{
	out->n = 0;
	for (unsigned i = 0; i < p->n; i++)
		if (p->codec[i] != id)
			out->codec[out->n++] = p->codec[i];
	if (!out->n)
		*out = *p;
}

/** Pick the codec of @p offer we prefer most. @return 0 or -ENOENT (no
 *  codec in common: answer 488) */
int sdpx_choose(const struct sdpx *offer, const struct sdpx_prefs *p,
		enum codec_id *codec, uint8_t *pt)
{
	for (unsigned i = 0; i < p->n; i++) {
		for (unsigned j = 0; j < offer->nfmt; j++) {
			if (offer->fmt[j].codec == (int)p->codec[i]) {
				*codec = p->codec[i];
				*pt = offer->fmt[j].pt;
				return 0;
			}
		}
	}
	return -ENOENT;
}

/* Append to the text of length @p n in @p buf (of @p len bytes); once it
 * no longer fits, only count. @return the new length, or negative */
__attribute__((format(printf, 4, 5)))
static int put(char *buf, size_t len, int n, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (n < 0)
		return n;
	va_start(ap, fmt);
	if ((size_t)n < len)
		k = vsnprintf(buf + n, len - (size_t)n, fmt, ap);
	else
		k = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	return k < 0 ? k : n + k;
}

static int head(char *buf, size_t len, const struct sdpx_local *me)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &me->ip, a, sizeof(a));
	return put(buf, len, 0, "v=0\r\no=gateway %llu %llu IN IP4 %s\r\n"
		   "s=-\r\nc=IN IP4 %s\r\nt=0 0\r\n",
		   (unsigned long long)me->sess, (unsigned long long)me->ver,
		   a, a);
}

static int dyn_pt(enum codec_id id)
{
	/* G.726-32 has no static type in SDP practice: a dynamic one */
	return id == CODEC_G726_32 ? 102 : codec_info(id)->pt;
}

/* A data call's G.711 type @p pt is marked voiceband data (ITU-T V.152's
 * "gpmd" attribute): a peer that knows it turns its own silence
 * suppression, echo canceller and adaptive jitter buffer off for it, as
 * the RT partition does. */
static int put_vbd(char *buf, size_t len, int n,
		   const struct sdpx_local *me, enum codec_id codec, int pt)
{
	if (!me->data || !sdpx_is_g711(codec))
		return n;
	return put(buf, len, n, "a=gpmd:%d vbd=yes\r\n", pt);
}

/* G.729's format parameters: we send no Annex B SID frames (RFC 4856's
 * default is annexb=yes; a peer's SID frames are still decoded) */
static int put_fmtp(char *buf, size_t len, int n, enum codec_id codec,
		    int pt)
{
	if (codec != CODEC_G729)
		return n;
	return put(buf, len, n, "a=fmtp:%d annexb=no\r\n", pt);
}

static const char *proto_of(bool savp)
{
	return savp ? "RTP/SAVP" : "RTP/AVP";
}

static int put_crypto(char *buf, size_t len, int n, uint32_t tag,
		      enum srtpctx_suite s, const uint8_t *key)
{
	char b64[SRTPCTX_KEY_B64_LEN + 1];

	srtpctx_key_encode(key, b64);
	return put(buf, len, n, "a=crypto:%u %s inline:%s\r\n", tag,
		   srtpctx_suite_name(s), b64);
}

/** Write an offer of every preferred codec, telephone-event and, unless
 *  @p me is a data call, comfort noise (which the RT partition plays, and
 *  sends with [media] vad); a data call's G.711 types marked voiceband
 *  data (V.152). With me->srtp_key, SDES's crypto lines for both suites,
 *  in RTP/SAVP (me->savp) or in RTP/AVP (best-effort SRTP).
 *  @return the length, -EINVAL (RTP/SAVP and no key) or -ENOSPC (@p buf
 *  then holds a cut text) */
int sdpx_offer(char *buf, size_t len, const struct sdpx_local *me,
	       const struct sdpx_prefs *p)
{
	int n;

	if (me->savp && !me->srtp_key)
		return -EINVAL;
	n = head(buf, len, me);
	n = put(buf, len, n, "m=audio %u %s", me->port, proto_of(me->savp));
	for (unsigned i = 0; i < p->n; i++)
		n = put(buf, len, n, " %d", dyn_pt(p->codec[i]));
	n = put(buf, len, n, " %d", TE_PT_DEFAULT);
	if (!me->data)
		n = put(buf, len, n, " %d", RTPCK_PT_CN);
	n = put(buf, len, n, "\r\n");
	for (unsigned i = 0; i < p->n; i++) {
		const struct codec_info *ci = codec_info(p->codec[i]);

		n = put(buf, len, n, "a=rtpmap:%d %s/%u\r\n",
			dyn_pt(p->codec[i]), ci->name, ci->rtp_clock);
		n = put_fmtp(buf, len, n, p->codec[i], dyn_pt(p->codec[i]));
		n = put_vbd(buf, len, n, me, p->codec[i], dyn_pt(p->codec[i]));
	}
	n = put(buf, len, n, "a=rtpmap:%d telephone-event/8000\r\n"
		"a=fmtp:%d 0-16\r\n", TE_PT_DEFAULT, TE_PT_DEFAULT);
	if (!me->data)
		n = put(buf, len, n, "a=rtpmap:%d CN/8000\r\n", RTPCK_PT_CN);
	if (me->srtp_key) {
		n = put_crypto(buf, len, n, 1, SRTPCTX_AES_CM_128_HMAC_SHA1_80,
			       me->srtp_key);
		n = put_crypto(buf, len, n, 2, SRTPCTX_AES_CM_128_HMAC_SHA1_32,
			       me->srtp_key);
	}
	n = put(buf, len, n, "a=ptime:20\r\na=%s\r\n", dir_attr[me->dir]);
	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}

/** Whether comfort noise (type 13) is agreed with @p peer, whose SDP has
 *  it (an offer we answer, or the answer to ours), for a session whose
 *  codec has type @p pt: not in a @p data call, nor when an odd SDP gave
 *  type 13 to something else as well. */
bool sdpx_cn_agreed(const struct sdpx *peer, uint8_t pt, bool data)
{
	return peer->cn && !data && pt != RTPCK_PT_CN &&
	       peer->te_pt != RTPCK_PT_CN;
}

/** Write an answer with one codec, and telephone-event and comfort noise
 *  if @p offer has them (comfort noise unless @p me is a data call, whose
 *  G.711 is marked voiceband data); in the offer's profile, and to an
 *  SRTP offer (RTP/SAVP, or a crypto line we took in RTP/AVP) with its
 *  crypto line's tag and suite and our key (@p me must have one).
 *  @return the length, -EINVAL (an SRTP offer and no key of ours) or
 *  -ENOSPC (@p buf then holds a cut text) */
int sdpx_answer(char *buf, size_t len, const struct sdpx_local *me,
		enum codec_id codec, uint8_t pt, const struct sdpx *offer,
		unsigned ptime_ms)
{
	const struct codec_info *ci = codec_info(codec);
	int te_pt = offer->te_pt, n = head(buf, len, me);
	bool cn = sdpx_cn_agreed(offer, pt, me->data);
	const uint8_t *key = offer->srtp ? me->srtp_key : NULL;

	if (offer->srtp && !key)
		return -EINVAL;
	n = put(buf, len, n, "m=audio %u %s %u", me->port,
		proto_of(offer->savp), pt);
	if (te_pt >= 0)
		n = put(buf, len, n, " %d", te_pt);
	if (cn)
		n = put(buf, len, n, " %d", RTPCK_PT_CN);
	n = put(buf, len, n, "\r\na=rtpmap:%u %s/%u\r\n", pt, ci->name,
		ci->rtp_clock);
	n = put_fmtp(buf, len, n, codec, pt);
	n = put_vbd(buf, len, n, me, codec, pt);
	if (te_pt >= 0)
		n = put(buf, len, n, "a=rtpmap:%d telephone-event/8000\r\n"
			"a=fmtp:%d 0-16\r\n", te_pt, te_pt);
	if (cn)
		n = put(buf, len, n, "a=rtpmap:%d CN/8000\r\n", RTPCK_PT_CN);
	if (key)
		n = put_crypto(buf, len, n, offer->crypto_tag,
			       (enum srtpctx_suite)offer->srtp, key);
	n = put(buf, len, n, "a=ptime:%u\r\na=%s\r\n",
		ptime_ms ? ptime_ms : 20, dir_attr[me->dir]);
	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}

/** Write our T.38 stream, the answer to @p peer's T.38 offer or our own
 *  offer (@p peer: what we ask; t38_after_audio, for a session that had
 *  audio: RFC 3264 8 keeps its m= line, refused): UDPTL on our port,
 *  version 0 (what SpanDSP speaks), 14 400 bit/s, the training check
 *  passed on (transferredTCF, T.38 Annex D for UDP), redundancy unless
 *  @p peer has none; a refused audio stream first if it had one.
 *  @return the length, or -ENOSPC (@p buf then holds a cut text) */
int sdpx_t38(char *buf, size_t len, const struct sdpx_local *me,
	     const struct sdpx *peer)
{
	int n = head(buf, len, me);

	if (peer->t38_after_audio)
		n = put(buf, len, n, "m=audio 0 RTP/AVP 0\r\n");
	n = put(buf, len, n, "m=image %u udptl t38\r\n"
		"a=T38FaxVersion:0\r\na=T38MaxBitRate:14400\r\n"
		"a=T38FaxRateManagement:transferredTCF\r\n"
		"a=T38FaxMaxBuffer:400\r\na=T38FaxMaxDatagram:%d\r\n"
		"a=T38FaxUdpEC:%s\r\na=%s\r\n", me->port, SDPX_T38_DATAGRAM,
		peer->t38_red ? "t38UDPRedundancy" : "t38UDPNone",
		dir_attr[me->dir]);
	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}

/** A checksum (FNV-1a) of SDP text @p sdp but its o= line: when it differs
 *  from that of the last SDP sent in a session, the version goes up. */
uint32_t sdpx_sum(const char *sdp)
{
	uint32_t h = 2166136261u;
	bool line_start = true, skip = false;

	for (const char *s = sdp; *s; s++) {
		if (line_start)
			skip = s[0] == 'o' && s[1] == '=';
		line_start = *s == '\n';
		if (!skip)
			h = (h ^ (uint8_t)*s) * 16777619u;
	}
	return h;
}

/** The direction that answers @p d (sendonly <-> recvonly). */
enum sdpx_dir sdpx_reverse(enum sdpx_dir d)
{
	return d == SDPX_SENDONLY ? SDPX_RECVONLY :
	       d == SDPX_RECVONLY ? SDPX_SENDONLY : d;
}

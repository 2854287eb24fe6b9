// SPDX-License-Identifier: MIT
/** @file rtpcheck.c  Validation of received RTP and RTCP packets
 *
 * RFC 3550 section 5.1 (RTP header), 6.4 to 6.7 (SR, RR, SDES, BYE, APP)
 * and appendix A.1 / A.2 (validity checks). Every read is bounded by the
 * length given; nothing is written but the output structures.
 */
#include <string.h>

#include "media/rtpcheck.h"

#define RTP_HDR		12
#define RTCP_HDR	4
#define RTCP_SR		200
#define RTCP_RR		201
#define RTCP_SDES	202
#define RTCP_BYE	203
#define RTCP_APP	204
#define RTCP_PT_MIN	192	/* RFC 5761 section 4: 192..223 */
#define RTCP_PT_MAX	223
#define REPORT_BLOCK	24
#define SENDER_INFO	20

static const char *const names[RTPCK_V_COUNT] = {
	"ok", "bad_version", "truncated", "bad_csrc", "bad_ext",
	"bad_padding", "bad_pt", "wrong_ssrc", "bad_length", "bad_first",
	"bad_body",
};

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/** Name of verdict @p v, for counters ("bad_padding"). Context: any. */
const char *rtpck_verdict_name(enum rtpck_verdict v)
{
	return (unsigned)v < RTPCK_V_COUNT ? names[v] : "?";
}

/**
 * Check the header of the RTP packet @p p of @p len bytes and describe it
 * in @p h (filled only when valid). Pure: no state, no allocation.
 * Context: any.
 * @return RTPCK_OK, RTPCK_BAD_VERSION, RTPCK_TRUNCATED (shorter than 12
 *	   bytes), RTPCK_BAD_CSRC, RTPCK_BAD_EXT, RTPCK_BAD_PADDING or
 *	   RTPCK_BAD_LENGTH (longer than 65535 bytes)
 */
enum rtpck_verdict rtpck_parse_rtp(const uint8_t *p, size_t len,
				   struct rtpck_rtp *h)
{
	size_t off, end = len;

	if (!p || !len)
		return RTPCK_TRUNCATED;
	if (p[0] >> 6 != 2)
		return RTPCK_BAD_VERSION;
	if (len < RTP_HDR)
		return RTPCK_TRUNCATED;
	if (len > UINT16_MAX)
		return RTPCK_BAD_LENGTH;
	off = RTP_HDR + 4u * (p[0] & 0x0f);
	if (off > len)
		return RTPCK_BAD_CSRC;
	if (p[0] & 0x10) {		/* X: one header extension */
		if (len - off < 4)
			return RTPCK_BAD_EXT;
		off += 4;
		if ((size_t)be16(p + off - 2) * 4 > len - off)
			return RTPCK_BAD_EXT;
		off += (size_t)be16(p + off - 2) * 4;
	}
	if (p[0] & 0x20) {		/* P: the last byte counts padding */
		uint8_t pad = p[len - 1];

		if (!pad || pad > len - off)
			return RTPCK_BAD_PADDING;
		end -= pad;
	}
	if (h) {
		h->marker = p[1] >> 7;
		h->pt = p[1] & 0x7f;
		h->seq = be16(p + 2);
		h->ts = be32(p + 4);
		h->ssrc = be32(p + 8);
		h->cc = p[0] & 0x0f;
		h->payload_off = (uint16_t)off;
		h->payload_len = (uint16_t)(end - off);
	}
	return RTPCK_OK;
}

/* RFC 3550 6.5: chunks of an SSRC and items up to an END item, each chunk
 * padded to 32 bits; @p q..end is the packet body after its header */
static enum rtpck_verdict check_sdes(const uint8_t *pkt, size_t q,
				     size_t end, unsigned count)
{
	for (unsigned c = 0; c < count; c++) {
		if (end - q < 4)
			return RTPCK_BAD_BODY;
		q += 4;			/* SSRC/CSRC */
		for (;;) {
			if (q >= end)
				return RTPCK_BAD_BODY;
			if (!pkt[q]) {	/* END, then pad to 32 bits */
				q = (q + 4) & ~(size_t)3;
				break;
			}
			if (end - q < 2 || pkt[q + 1] > end - q - 2)
				return RTPCK_BAD_BODY;
			q += 2 + pkt[q + 1];
		}
		if (q > end)
			return RTPCK_BAD_BODY;
	}
	return RTPCK_OK;
}

static void note_bye(const uint8_t *b, unsigned count,
		     struct rtpck_rtcp *info)
{
	info->bye = true;
	for (unsigned i = 0; i < count; i++) {
		if (info->bye_count < 4)
			info->bye_ssrc[info->bye_count] = be32(b + 4 * i);
		info->bye_count++;
	}
}

/* the body of one RTCP packet at @p pkt (its header included), @p body
 * bytes long without padding */
static enum rtpck_verdict check_body(const uint8_t *pkt, size_t body,
				     struct rtpck_rtcp *info)
{
	unsigned count = pkt[0] & 0x1f;
	size_t need;

	switch (pkt[1]) {
	case RTCP_SR:
		info->sr = true;
		need = RTCP_HDR + 4 + SENDER_INFO + REPORT_BLOCK * count;
		break;
	case RTCP_RR:
		need = RTCP_HDR + 4 + REPORT_BLOCK * count;
		break;
	case RTCP_SDES:
		return check_sdes(pkt, RTCP_HDR, body, count);
	case RTCP_BYE:
		need = RTCP_HDR + 4u * count;
		if (body < need)
			return RTPCK_BAD_BODY;
		/* an optional reason: a length byte and the text */
		if (body > need && pkt[need] > body - need - 1)
			return RTPCK_BAD_BODY;
		note_bye(pkt + RTCP_HDR, count, info);
		return RTPCK_OK;
	case RTCP_APP:
		need = RTCP_HDR + 8;	/* SSRC, name */
		break;
	default:
		if (pkt[1] < RTCP_PT_MIN || pkt[1] > RTCP_PT_MAX)
			return RTPCK_BAD_BODY;
		need = RTCP_HDR + 4;	/* feedback, XR, ...: an SSRC */
		break;
	}
	return body < need ? RTPCK_BAD_BODY : RTPCK_OK;
}

/**
 * Check the RTCP compound packet @p p of @p len bytes (RFC 3550 A.2: every
 * packet version 2, the first one an SR or RR without padding, padding
 * only in the last one, lengths adding up to @p len; and each SR, RR,
 * SDES, BYE and APP body fits its packet) and sum it up in @p info (filled
 * as far as parsed). Pure: no state, no allocation. Context: any.
 * @return RTPCK_OK or the first problem found
 */
enum rtpck_verdict rtpck_parse_rtcp(const uint8_t *p, size_t len,
				    struct rtpck_rtcp *info)
{
	struct rtpck_rtcp scratch;
	size_t off = 0;

	if (!info)
		info = &scratch;
	memset(info, 0, sizeof(*info));
	if (!p || len < RTCP_HDR)
		return RTPCK_TRUNCATED;
	if (p[0] >> 6 != 2)
		return RTPCK_BAD_VERSION;
	if (p[1] != RTCP_SR && p[1] != RTCP_RR)
		return RTPCK_BAD_FIRST;
	if (p[0] & 0x20)
		return RTPCK_BAD_PADDING;
	if (len % 4 || len > UINT16_MAX)
		return RTPCK_BAD_LENGTH;
	while (off < len) {
		const uint8_t *pkt = p + off;
		size_t plen, body;
		enum rtpck_verdict v;

		if (len - off < RTCP_HDR)
			return RTPCK_TRUNCATED;
		if (pkt[0] >> 6 != 2)
			return RTPCK_BAD_VERSION;
		plen = ((size_t)be16(pkt + 2) + 1) * 4;
		if (plen > len - off)
			return RTPCK_BAD_LENGTH;
		body = plen;
		if (pkt[0] & 0x20) {
			if (off + plen != len)
				return RTPCK_BAD_PADDING;  /* not the last */
			if (!pkt[plen - 1] || pkt[plen - 1] > plen - RTCP_HDR)
				return RTPCK_BAD_PADDING;
			body -= pkt[plen - 1];
		}
		if (!off && body >= 8)
			info->ssrc = be32(pkt + 4);
		v = check_body(pkt, body, info);
		if (v != RTPCK_OK)
			return v;
		info->packets++;
		off += plen;
	}
	return RTPCK_OK;
}

/** Set up filter @p c to accept the payload types of @p cfg; no source
 *  yet. Context: the leg's media task. */
void rtpck_init(struct rtpck *c, const struct rtpck_cfg *cfg)
{
	memset(c, 0, sizeof(*c));
	c->cfg = *cfg;
}

/** Change the payload types @p c accepts (re-negotiation), keeping the
 *  source and the counters. Context: the leg's media task. */
void rtpck_set_cfg(struct rtpck *c, const struct rtpck_cfg *cfg)
{
	c->cfg = *cfg;
}

/** Let the next valid packet, from any SSRC, fix the source of @p c.
 *  Context: the leg's media task. */
void rtpck_release(struct rtpck *c)
{
	c->locked = false;
	c->cand_run = 0;
}

static bool pt_ok(const struct rtpck_cfg *cfg, uint8_t pt)
{
	return pt == cfg->pt_audio ||
	       (cfg->pt_event != RTPCK_PT_NONE && pt == cfg->pt_event) ||
	       (cfg->accept_cn && pt == RTPCK_PT_CN);
}

static enum rtpck_verdict check_source(struct rtpck *c, uint32_t ssrc)
{
	if (!c->locked) {
		c->locked = true;
		c->ssrc = ssrc;
		c->cand_run = 0;
		return RTPCK_OK;
	}
	if (ssrc == c->ssrc) {
		c->cand_run = 0;
		return RTPCK_OK;
	}
	if (c->cand_run && ssrc == c->cand) {
		c->cand_run++;
	} else {
		c->cand = ssrc;
		c->cand_run = 1;
	}
	if (c->cand_run < RTPCK_SSRC_SWITCH)
		return RTPCK_WRONG_SSRC;
	c->ssrc = ssrc;
	c->cand_run = 0;
	c->st.ssrc_changes++;
	return RTPCK_OK;
}

/**
 * Check an RTP packet received by the leg of @p c: its header, its payload
 * type, its source (see the SSRC rule in rtpcheck.h). Counts the verdict.
 * @p h describes the packet when it is accepted. Context: the leg's media
 * task. @return RTPCK_OK (pass it on) or why it must be dropped
 */
enum rtpck_verdict rtpck_rtp(struct rtpck *c, const uint8_t *p, size_t len,
			     struct rtpck_rtp *h)
{
	struct rtpck_rtp scratch;
	enum rtpck_verdict v;

	if (!h)
		h = &scratch;
	v = rtpck_parse_rtp(p, len, h);
	if (v == RTPCK_OK && !pt_ok(&c->cfg, h->pt))
		v = RTPCK_BAD_PT;
	if (v == RTPCK_OK)
		v = check_source(c, h->ssrc);
	c->st.rtp[v]++;
	return v;
}

/**
 * Check an RTCP compound packet received by the leg of @p c; a BYE from
 * the current source frees the source (see rtpcheck.h). Counts the
 * verdict. Context: the leg's media task.
 * @return RTPCK_OK (pass it on) or why it must be dropped
 */
enum rtpck_verdict rtpck_rtcp(struct rtpck *c, const uint8_t *p, size_t len,
			      struct rtpck_rtcp *info)
{
	struct rtpck_rtcp scratch;
	enum rtpck_verdict v;

	if (!info)
		info = &scratch;
	v = rtpck_parse_rtcp(p, len, info);
	if (v == RTPCK_OK && info->bye && c->locked) {
		unsigned n = info->bye_count < 4 ? info->bye_count : 4;

		for (unsigned i = 0; i < n; i++)
			if (info->bye_ssrc[i] == c->ssrc)
				rtpck_release(c);
	}
	c->st.rtcp[v]++;
	return v;
}

/** RTP packets dropped as invalid (every verdict but OK). Context: any. */
uint64_t rtpck_malformed(const struct rtpck_stats *st)
{
	uint64_t n = 0;

	for (int v = RTPCK_OK + 1; v < RTPCK_V_COUNT; v++)
		n += st->rtp[v];
	return n;
}

// SPDX-License-Identifier: MIT
/** @file srtpctx.c  SRTP and SRTCP of one leg on libsrtp2 (see srtpctx.h)
 *
 * Two libsrtp2 sessions a leg: one for what we send (any outbound SSRC,
 * our key), one for what we receive (any inbound SSRC, the peer's key), so
 * that neither side's SSRC needs to be known, nor the two keys told apart by
 * the SSRC of a packet.
 */
#define LOG_MODULE "srtp"
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <srtp2/srtp.h>

#include "media/srtpctx.h"
#include "rtos-kernel/log.h"

#define REPLAY_WINDOW	128
#define RTP_MIN		12
#define RTCP_MIN	8

struct srtpctx {
	srtp_t tx, rx;
	struct srtpctx_stats st;
};

static bool inited;

const struct srtpctx_heap srtpctx_heap_need[SRTPCTX_HEAP_SIZES] = {
	{ 64, 2 * 46 + 16 }, { 128, 2 * 16 + 8 }, { 256, 2 * 64 + 16 },
	{ 512, 2 * 10 + 4 }, { 8192, 2 * 5 + 2 },
};

/** Set libsrtp2 up (and its crypto back end). Context: init, once per
 *  process before any srtpctx_open(); later calls do nothing.
 *  @return 0 or -EIO */
int srtpctx_module_init(void)
{
	srtp_err_status_t e;

	if (inited)
		return 0;
	e = srtp_init();
	if (e != srtp_err_status_ok) {
		LOG_ERR("libsrtp2 init failed: status %d", (int)e);
		return -EIO;
	}
	inited = true;
	return 0;
}

static int policy_of(enum srtpctx_suite s, srtp_policy_t *p)
{
	memset(p, 0, sizeof(*p));
	switch (s) {
	case SRTPCTX_AES_CM_128_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtp);
		break;
	case SRTPCTX_AES_CM_128_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p->rtp);
		break;
	default:
		return -EINVAL;
	}
	/* RFC 4568 6.2: SRTCP keeps the 80-bit tag with either suite */
	srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
	p->window_size = REPLAY_WINDOW;
	return 0;
}

static int session(srtp_t *sp, srtp_policy_t *p, srtp_ssrc_type_t type,
		   const uint8_t *key)
{
	srtp_err_status_t e;

	p->ssrc.type = type;
	p->key = (unsigned char *)key;	/* copied into the session */
	e = srtp_create(sp, p);
	if (e == srtp_err_status_ok)
		return 0;
	*sp = NULL;
	return e == srtp_err_status_alloc_fail ? -ENOMEM : -EINVAL;
}

/** Open a context. Context: init or the media task (allocates).
 *  @return 0, -EINVAL (no or unknown suite, module not set up) or -ENOMEM */
int srtpctx_open(struct srtpctx **cp, const struct srtpctx_cfg *cfg)
{
	struct srtpctx *c;
	srtp_policy_t p;
	int err;

	if (!cp || !cfg || !inited || policy_of(cfg->suite, &p))
		return -EINVAL;
	*cp = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	err = session(&c->tx, &p, ssrc_any_outbound, cfg->tx_key);
	if (!err)
		err = session(&c->rx, &p, ssrc_any_inbound, cfg->rx_key);
	if (err) {
		srtpctx_close(c);
		return err;
	}
	*cp = c;
	return 0;
}

/** Close a context (NULL is ignored). Context: the owner. */
void srtpctx_close(struct srtpctx *c)
{
	if (!c)
		return;
	if (c->tx)
		srtp_dealloc(c->tx);
	if (c->rx)
		srtp_dealloc(c->rx);
	free(c);
}

/** Protect the RTP (or, @p rtcp, RTCP) packet of *@p len bytes at @p pkt in
 *  place; *@p len grows by the tag (and SRTCP's index). Context: the owner;
 *  never blocks. @return 0, -EINVAL (NULL, too short) or -ENOSPC (@p cap
 *  leaves no room for SRTPCTX_OVERHEAD more bytes); the packet is then
 *  not to be sent */
int srtpctx_protect(struct srtpctx *c, bool rtcp, uint8_t *pkt, size_t *len,
		    size_t cap)
{
	srtp_err_status_t e;
	int n;

	if (!c || !pkt || !len)
		return -EINVAL;
	if (*len < (rtcp ? RTCP_MIN : RTP_MIN)) {
		c->st.other_fail++;
		return -EINVAL;
	}
	if (*len > INT_MAX / 2 || cap < *len + SRTPCTX_OVERHEAD) {
		c->st.other_fail++;
		return -ENOSPC;
	}
	n = (int)*len;
	e = rtcp ? srtp_protect_rtcp(c->tx, pkt, &n) :
		   srtp_protect(c->tx, pkt, &n);
	if (e != srtp_err_status_ok) {
		c->st.other_fail++;
		return -EINVAL;
	}
	*len = (size_t)n;
	if (rtcp)
		c->st.protected_rtcp++;
	else
		c->st.protected_rtp++;
	return 0;
}

/** Check and decrypt the SRTP (or SRTCP) packet of *@p len bytes at @p pkt
 *  in place; *@p len shrinks to the plain packet. Context: the owner; never
 *  blocks. @return 0, -EBADMSG (tag wrong), -EALREADY (a replay, or older
 *  than the window) or -EINVAL (NULL, too short, other): refused and
 *  counted, the packet is to be dropped */
int srtpctx_unprotect(struct srtpctx *c, bool rtcp, uint8_t *pkt,
		      size_t *len)
{
	srtp_err_status_t e;
	int n;

	if (!c || !pkt || !len)
		return -EINVAL;
	if (*len < (rtcp ? RTCP_MIN : RTP_MIN) || *len > INT_MAX / 2) {
		c->st.other_fail++;
		return -EINVAL;
	}
	n = (int)*len;
	e = rtcp ? srtp_unprotect_rtcp(c->rx, pkt, &n) :
		   srtp_unprotect(c->rx, pkt, &n);
	switch (e) {
	case srtp_err_status_ok:
		*len = (size_t)n;
		if (rtcp)
			c->st.unprotected_rtcp++;
		else
			c->st.unprotected_rtp++;
		return 0;
	case srtp_err_status_auth_fail:
		c->st.auth_fail++;
		return -EBADMSG;
	case srtp_err_status_replay_fail:
	case srtp_err_status_replay_old:
		c->st.replay++;
		return -EALREADY;
	default:
		c->st.other_fail++;
		return -EINVAL;
	}
}

/** Counters of @p c (zeros for NULL). Context: the owner. */
void srtpctx_stats_get(const struct srtpctx *c, struct srtpctx_stats *st)
{
	if (!st)
		return;
	if (c)
		*st = c->st;
	else
		memset(st, 0, sizeof(*st));
}

static const char *const names[] = {
	[SRTPCTX_NONE] = "none",
	[SRTPCTX_AES_CM_128_HMAC_SHA1_80] = "AES_CM_128_HMAC_SHA1_80",
	[SRTPCTX_AES_CM_128_HMAC_SHA1_32] = "AES_CM_128_HMAC_SHA1_32",
};

/** The suite's SDES name (RFC 4568), "none", or "?" */
const char *srtpctx_suite_name(enum srtpctx_suite s)
{
	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

/** Parse an SDES suite name (case as RFC 4568 writes it) or "none".
 *  @return 0 or -EINVAL (unknown: *@p s unchanged) */
int srtpctx_suite_parse(const char *name, enum srtpctx_suite *s)
{
	for (unsigned i = 0; name && s && i < sizeof(names) / sizeof(names[0]);
	     i++)
		if (!strcmp(name, names[i])) {
			*s = (enum srtpctx_suite)i;
			return 0;
		}
	return -EINVAL;
}

/** Decode a master key and salt given in base64 as SDES's inline: does
 *  (exactly SRTPCTX_KEY_B64_LEN characters). @return 0 or -EINVAL */
int srtpctx_key_decode(const char *b64, uint8_t key[SRTPCTX_KEY_LEN])
{
	unsigned char out[SRTPCTX_KEY_B64_LEN / 4 * 3];

	if (!b64 || !key || strlen(b64) != SRTPCTX_KEY_B64_LEN ||
	    strchr(b64, '=') ||
	    EVP_DecodeBlock(out, (const unsigned char *)b64,
			    SRTPCTX_KEY_B64_LEN) != SRTPCTX_KEY_LEN)
		return -EINVAL;
	memcpy(key, out, SRTPCTX_KEY_LEN);
	return 0;
}

/** Read a leg's SRTP as SUITE:OURKEY:THEIRKEY (the keys in base64, as
 *  SDES writes them) into @p cfg.
 *  @return 0; -EINVAL: not of that shape; -ENOENT: no such suite (or none);
 *  -EBADMSG: a key is not SRTPCTX_KEY_B64_LEN characters of base64 */
int srtpctx_cfg_parse(const char *text, struct srtpctx_cfg *cfg)
{
	char suite[32];		/* longer than any suite's name */
	const char *tx = text ? strchr(text, ':') : NULL;
	const char *rx = tx ? strchr(tx + 1, ':') : NULL;
	char txkey[SRTPCTX_KEY_B64_LEN + 1];

	if (!rx || !cfg)
		return -EINVAL;
	if ((size_t)(tx - text) >= sizeof(suite))
		return -ENOENT;
	memcpy(suite, text, (size_t)(tx - text));
	suite[tx - text] = '\0';
	if (srtpctx_suite_parse(suite, &cfg->suite) ||
	    cfg->suite == SRTPCTX_NONE)
		return -ENOENT;
	tx++;
	if ((size_t)(rx - tx) != SRTPCTX_KEY_B64_LEN)
		return -EBADMSG;
	memcpy(txkey, tx, SRTPCTX_KEY_B64_LEN);
	txkey[SRTPCTX_KEY_B64_LEN] = '\0';
	if (srtpctx_key_decode(txkey, cfg->tx_key) ||
	    srtpctx_key_decode(rx + 1, cfg->rx_key))
		return -EBADMSG;
	return 0;
}

/** Encode a master key and salt as base64 (SDES's inline:), NUL ended. */
void srtpctx_key_encode(const uint8_t key[SRTPCTX_KEY_LEN],
			char b64[SRTPCTX_KEY_B64_LEN + 1])
{
	EVP_EncodeBlock((unsigned char *)b64, key, SRTPCTX_KEY_LEN);
}

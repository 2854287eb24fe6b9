// SPDX-License-Identifier: MIT
/** @file fuzz_sdp.c  Fuzz the SDP reader of the SIP engine
 *
 * The input is an SDP body as it arrives in an INVITE, re-INVITE or 200
 * from anyone who can reach the SIP port (the seed corpus holds offers of
 * real phones and softphones, holds, refusals, and our own offers and
 * answers). sdpx_parse() reads it from an exact-size heap copy, without a
 * terminating NUL (a read past the end is an ASan report in the replay
 * build too), twice: same verdict, same result. What it accepts must be
 * in range; it then goes where an offer goes in pbx_sip.c: a codec is
 * chosen by every preference list of one codec and by the full list, an
 * answer is written for it (in SRTP, SDES, to an offer in RTP/SAVP), and
 * that answer must read back as what was chosen. What it refuses must come
 * with a reason.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "signalling/sdpx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same(const struct sdpx *a, const struct sdpx *b)
{
	if (a->ip != b->ip || a->port != b->port ||
	    a->ptime_ms != b->ptime_ms || a->dir != b->dir ||
	    a->te_pt != b->te_pt || a->nfmt != b->nfmt ||
	    a->savp != b->savp || a->srtp != b->srtp ||
	    a->crypto_tag != b->crypto_tag ||
	    memcmp(a->srtp_key, b->srtp_key, sizeof(a->srtp_key)))
		return false;
	for (unsigned i = 0; i < a->nfmt && i < SDPX_MAX_FMT; i++)
		if (a->fmt[i].pt != b->fmt[i].pt ||
		    a->fmt[i].codec != b->fmt[i].codec ||
		    strcmp(a->fmt[i].name, b->fmt[i].name))
			return false;
	return true;
}

static void check_sdpx(const struct sdpx *s)
{
	if (s->nfmt > SDPX_MAX_FMT || s->dir > SDPX_INACTIVE ||
	    s->te_pt < -1 || s->te_pt > 127 || s->ptime_ms > 1000 ||
	    s->srtp > SRTPCTX_AES_CM_128_HMAC_SHA1_32 ||
	    (s->savp && s->srtp == SRTPCTX_NONE))
		abort();
	for (unsigned i = 0; i < s->nfmt; i++) {
		const struct sdpx_fmt *f = &s->fmt[i];

		if (f->pt > 127 || f->codec < -1 || f->codec >= CODEC_COUNT ||
		    !memchr(f->name, '\0', sizeof(f->name)))
			abort();
	}
}

/* Answer @p offer with @p codec at @p pt (with our SRTP key: an SRTP
 * offer's answer has its tag and suite), and read the answer back. */
static void answer_and_read_back(const struct sdpx *offer,
				 enum codec_id codec, uint8_t pt)
{
	static const uint8_t key[SRTPCTX_KEY_LEN] = { 1, 2, 3, 4, 5 };
	char buf[1024], why[128];
	struct sdpx back;
	int n;

	n = sdpx_answer(buf, sizeof(buf), &(struct sdpx_local){
		.ip = offer->ip, .port = 20000,
		.dir = sdpx_reverse(offer->dir), .sess = 1, .ver = 1,
		.srtp_key = key }, codec, pt, offer, offer->ptime_ms);
	if (n <= 0 || (size_t)n != strlen(buf))
		abort();
	if (sdpx_parse(buf, (size_t)n, &back, why, sizeof(why)))
		abort();
	check_sdpx(&back);
	if (back.ip != offer->ip || back.port != 20000 || back.nfmt != 1 ||
	    back.fmt[0].pt != pt || back.fmt[0].codec != (int)codec ||
	    back.te_pt != offer->te_pt ||
	    back.cn != (offer->cn && pt != 13 && offer->te_pt != 13) ||
	    back.ptime_ms != (offer->ptime_ms ? offer->ptime_ms : 20))
		abort();
	if (back.dir != (offer->ip ? sdpx_reverse(offer->dir) :
			 SDPX_INACTIVE))
		abort();
	if (back.savp != offer->savp || back.srtp != offer->srtp ||
	    (back.srtp && (back.crypto_tag != offer->crypto_tag ||
			   memcmp(back.srtp_key, key, sizeof(key)))))
		abort();
}

static void choose_and_answer(const struct sdpx *s)
{
	struct sdpx_prefs all = { .n = CODEC_COUNT };
	enum codec_id codec;
	uint8_t pt;

	for (unsigned i = 0; i < CODEC_COUNT; i++) {
		struct sdpx_prefs one = { .n = 1, .codec = { i } };
		bool offered = false;

		all.codec[i] = i;
		for (unsigned j = 0; j < s->nfmt; j++)
			offered |= s->fmt[j].codec == (int)i;
		if (sdpx_choose(s, &one, &codec, &pt) !=
		    (offered ? 0 : -ENOENT))
			abort();
		if (offered && codec != i)
			abort();
	}
	if (sdpx_choose(s, &all, &codec, &pt) == 0)
		answer_and_read_back(s, codec, pt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size ? size : 1), why[160], why2[160];
	struct sdpx s, s2;
	int err;

	memcpy(copy, data, size);
	why[0] = why2[0] = '\0';
	err = sdpx_parse(copy, size, &s, why, sizeof(why));
	if (err != sdpx_parse(copy, size, &s2, why2, sizeof(why2)))
		abort();
	if (err == 0) {
		check_sdpx(&s);
		if (!same(&s, &s2))
			abort();
		choose_and_answer(&s);
	} else if (err != -EBADMSG || !why[0] || strcmp(why, why2)) {
		abort();
	}
	free(copy);
	return 0;
}

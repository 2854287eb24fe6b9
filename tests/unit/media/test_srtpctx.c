// SPDX-License-Identifier: MIT
/** @file test_srtpctx.c  SRTP/SRTCP of a leg: a published known answer,
 *  round trips both ways, forged, replayed and mis-keyed packets refused and
 *  counted, room, suite names and SDES keys */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "media/srtpctx.h"

/* The known-answer test of libSRTP's test driver (srtp_validate(), also
 * used by other SRTP implementations to check theirs): master key
 * e1f97a0d3e018be0d64fa32c06de4139, salt 0ec675ad498afeebb6960b3aabe6,
 * an RTP packet of SSRC 0xcafebabe, sequence 0x1234, 16 bytes of 0xab */
static const char KEY_HEX[] =
	"e1f97a0d3e018be0d64fa32c06de4139" "0ec675ad498afeebb6960b3aabe6";
static const char PLAIN_HEX[] =
	"800f1234decafbadcafebabe" "abababababababababababababababab";
static const char CIPHER80_HEX[] =
	"800f1234decafbadcafebabe" "4e55dc4ce79978d88ca4d215949d2402"
	"b78d6acc99ea179b8dbb";

static size_t unhex(const char *h, uint8_t *out)
{
	size_t n = strlen(h) / 2;

	for (size_t i = 0; i < n; i++) {
		unsigned v;

		assert_int_equal(sscanf(h + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return n;
}

static int setup(void **state)
{
	(void)state;
	return srtpctx_module_init();
}

/* a context whose sending key is @p tx and receiving key @p rx */
static struct srtpctx *ctx(enum srtpctx_suite s, uint8_t tx, uint8_t rx)
{
	struct srtpctx_cfg cfg = { .suite = s };
	struct srtpctx *c;

	memset(cfg.tx_key, tx, sizeof(cfg.tx_key));
	memset(cfg.rx_key, rx, sizeof(cfg.rx_key));
	assert_int_equal(srtpctx_open(&c, &cfg), 0);
	return c;
}

static size_t rtp(uint8_t *p, uint16_t seq, uint8_t fill)
{
	static const uint8_t hdr[12] = { 0x80, 0x00, 0, 0, 0, 0, 0, 160,
					 0x11, 0x22, 0x33, 0x44 };

	memcpy(p, hdr, sizeof(hdr));
	p[2] = (uint8_t)(seq >> 8);
	p[3] = (uint8_t)seq;
	memset(p + 12, fill, 160);
	return 172;
}

static void test_known_answer_both_suites(void **state)
{
	struct srtpctx_cfg cfg = { .suite = SRTPCTX_AES_CM_128_HMAC_SHA1_80 };
	uint8_t plain[64], want[64], pkt[64];
	size_t plen, wlen, len;
	struct srtpctx *c;

	(void)state;
	unhex(KEY_HEX, cfg.tx_key);
	unhex(KEY_HEX, cfg.rx_key);
	plen = unhex(PLAIN_HEX, plain);
	wlen = unhex(CIPHER80_HEX, want);
	assert_int_equal(srtpctx_open(&c, &cfg), 0);
	memcpy(pkt, plain, plen);
	len = plen;
	assert_int_equal(srtpctx_protect(c, false, pkt, &len, sizeof(pkt)), 0);
	assert_int_equal(len, wlen);
	assert_memory_equal(pkt, want, wlen);
	/* and the receiving side (same key here) takes it back */
	assert_int_equal(srtpctx_unprotect(c, false, pkt, &len), 0);
	assert_int_equal(len, plen);
	assert_memory_equal(pkt, plain, plen);
	srtpctx_close(c);

	/* the 32-bit tag is the first 4 bytes of the 80-bit one */
	cfg.suite = SRTPCTX_AES_CM_128_HMAC_SHA1_32;
	assert_int_equal(srtpctx_open(&c, &cfg), 0);
	memcpy(pkt, plain, plen);
	len = plen;
	assert_int_equal(srtpctx_protect(c, false, pkt, &len, sizeof(pkt)), 0);
	assert_int_equal(len, plen + 4);
	assert_memory_equal(pkt, want, plen + 4);
	srtpctx_close(c);
}

/* A's key is B's receiving key and the other way round */
static void test_round_trip_rtp_and_rtcp_both_ways(void **state)
{
	struct srtpctx *a = ctx(SRTPCTX_AES_CM_128_HMAC_SHA1_80, 1, 2);
	struct srtpctx *b = ctx(SRTPCTX_AES_CM_128_HMAC_SHA1_80, 2, 1);
	static const uint8_t sr[28] = { 0x80, 200, 0, 6, 0x11, 0x22, 0x33,
					0x44, 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t pkt[256], ref[256];
	struct srtpctx_stats st;
	size_t len;

	(void)state;
	for (uint16_t seq = 100; seq < 110; seq++) {
		len = rtp(ref, seq, (uint8_t)seq);
		memcpy(pkt, ref, len);
		assert_int_equal(srtpctx_protect(a, false, pkt, &len,
						 sizeof(pkt)), 0);
		assert_int_equal(len, 182);
		/* the payload is encrypted, the header is not */
		assert_memory_equal(pkt, ref, 12);
		assert_memory_not_equal(pkt + 12, ref + 12, 160);
		assert_int_equal(srtpctx_unprotect(b, false, pkt, &len), 0);
		assert_int_equal(len, 172);
		assert_memory_equal(pkt, ref, 172);
	}
	/* B -> A, and SRTCP */
	len = rtp(ref, 7, 0x55);
	memcpy(pkt, ref, len);
	assert_int_equal(srtpctx_protect(b, false, pkt, &len, sizeof(pkt)), 0);
	assert_int_equal(srtpctx_unprotect(a, false, pkt, &len), 0);
	assert_memory_equal(pkt, ref, 172);
	memcpy(pkt, sr, sizeof(sr));
	len = sizeof(sr);
	assert_int_equal(srtpctx_protect(a, true, pkt, &len, sizeof(pkt)), 0);
	assert_int_equal(len, sizeof(sr) + SRTPCTX_OVERHEAD);
	assert_int_equal(srtpctx_unprotect(b, true, pkt, &len), 0);
	assert_int_equal(len, sizeof(sr));
	assert_memory_equal(pkt, sr, sizeof(sr));
	srtpctx_stats_get(a, &st);
	assert_int_equal(st.protected_rtp, 10);
	assert_int_equal(st.protected_rtcp, 1);
	assert_int_equal(st.unprotected_rtp, 1);
	srtpctx_stats_get(b, &st);
	assert_int_equal(st.unprotected_rtp, 10);
	assert_int_equal(st.unprotected_rtcp, 1);
	assert_int_equal(st.auth_fail + st.replay + st.other_fail, 0);
	srtpctx_close(a);
	srtpctx_close(b);
}

static void test_forged_replayed_and_miskeyed_are_refused(void **state)
{
	struct srtpctx *a = ctx(SRTPCTX_AES_CM_128_HMAC_SHA1_80, 1, 2);
	struct srtpctx *b = ctx(SRTPCTX_AES_CM_128_HMAC_SHA1_80, 2, 1);
	struct srtpctx *wrong = ctx(SRTPCTX_AES_CM_128_HMAC_SHA1_80, 2, 3);
	uint8_t pkt[256], copy[256];
	struct srtpctx_stats st;
	size_t len, clen;

	(void)state;
	len = rtp(pkt, 1000, 0x42);
	assert_int_equal(srtpctx_protect(a, false, pkt, &len, sizeof(pkt)), 0);
	memcpy(copy, pkt, len);
	clen = len;
	/* one bit of the payload changed: the tag no longer matches */
	copy[40] ^= 0x01;
	assert_int_equal(srtpctx_unprotect(b, false, copy, &clen), -EBADMSG);
	assert_int_equal(clen, len);	/* refused: nothing changed */
	/* the wrong key */
	memcpy(copy, pkt, len);
	clen = len;
	assert_int_equal(srtpctx_unprotect(wrong, false, copy, &clen),
			 -EBADMSG);
	/* the genuine packet, then the same again */
	memcpy(copy, pkt, len);
	clen = len;
	assert_int_equal(srtpctx_unprotect(b, false, copy, &clen), 0);
	memcpy(copy, pkt, len);
	clen = len;
	assert_int_equal(srtpctx_unprotect(b, false, copy, &clen), -EALREADY);
	/* plain RTP on an SRTP leg: too short for a tag, or a wrong one */
	clen = rtp(copy, 1001, 0);
	assert_int_equal(srtpctx_unprotect(b, false, copy, &clen), -EBADMSG);
	clen = 11;
	assert_int_equal(srtpctx_unprotect(b, false, copy, &clen), -EINVAL);
	srtpctx_stats_get(b, &st);
	assert_int_equal(st.auth_fail, 2);
	assert_int_equal(st.replay, 1);
	assert_int_equal(st.other_fail, 1);
	assert_int_equal(st.unprotected_rtp, 1);
	srtpctx_stats_get(wrong, &st);
	assert_int_equal(st.auth_fail, 1);
	srtpctx_close(a);
	srtpctx_close(b);
	srtpctx_close(wrong);
}

static void test_no_room_and_bad_arguments(void **state)
{
	struct srtpctx *a = ctx(SRTPCTX_AES_CM_128_HMAC_SHA1_32, 1, 2);
	struct srtpctx_cfg cfg = { .suite = SRTPCTX_NONE };
	uint8_t pkt[256], ref[256];
	struct srtpctx_stats st;
	struct srtpctx *c = (struct srtpctx *)pkt;
	size_t len;

	(void)state;
	len = rtp(ref, 5, 1);
	memcpy(pkt, ref, len);
	/* room for the tag is asked for in full, whatever the suite */
	assert_int_equal(srtpctx_protect(a, false, pkt, &len, 172 + 13),
			 -ENOSPC);
	assert_int_equal(len, 172);
	assert_memory_equal(pkt, ref, 172);
	len = 8;
	assert_int_equal(srtpctx_protect(a, false, pkt, &len, sizeof(pkt)),
			 -EINVAL);
	srtpctx_stats_get(a, &st);
	assert_int_equal(st.other_fail, 2);
	assert_int_equal(st.protected_rtp, 0);
	assert_int_equal(srtpctx_protect(NULL, false, pkt, &len, 256),
			 -EINVAL);
	assert_int_equal(srtpctx_unprotect(NULL, false, pkt, &len), -EINVAL);
	/* plain RTP is no suite to open */
	assert_int_equal(srtpctx_open(&c, &cfg), -EINVAL);
	cfg.suite = (enum srtpctx_suite)7;
	assert_int_equal(srtpctx_open(&c, &cfg), -EINVAL);
	srtpctx_close(NULL);
	srtpctx_stats_get(NULL, &st);
	assert_int_equal(st.auth_fail, 0);
	srtpctx_close(a);
}

static void test_suite_names(void **state)
{
	enum srtpctx_suite s = SRTPCTX_NONE;

	(void)state;
	assert_int_equal(srtpctx_suite_parse("AES_CM_128_HMAC_SHA1_32", &s), 0);
	assert_int_equal(s, SRTPCTX_AES_CM_128_HMAC_SHA1_32);
	assert_string_equal(srtpctx_suite_name(s), "AES_CM_128_HMAC_SHA1_32");
	assert_int_equal(srtpctx_suite_parse("AES_CM_128_HMAC_SHA1_80", &s), 0);
	assert_int_equal(s, SRTPCTX_AES_CM_128_HMAC_SHA1_80);
	assert_int_equal(srtpctx_suite_parse("none", &s), 0);
	assert_int_equal(s, SRTPCTX_NONE);
	/* not supported: unknown, left as it was */
	assert_int_equal(srtpctx_suite_parse("AES_256_CM_HMAC_SHA1_80", &s),
			 -EINVAL);
	assert_int_equal(srtpctx_suite_parse("aes_cm_128_hmac_sha1_80", &s),
			 -EINVAL);
	assert_int_equal(srtpctx_suite_parse(NULL, &s), -EINVAL);
	assert_int_equal(s, SRTPCTX_NONE);
	assert_string_equal(srtpctx_suite_name((enum srtpctx_suite)9), "?");
}

/* RFC 4568's own example key (section 9.1 writes it inline:) */
static void test_sdes_keys(void **state)
{
	static const char b64[] = "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz";
	uint8_t key[SRTPCTX_KEY_LEN], ref[SRTPCTX_KEY_LEN];
	char out[SRTPCTX_KEY_B64_LEN + 1];

	(void)state;
	assert_int_equal(srtpctx_key_decode(b64, key), 0);
	memcpy(ref, "YS___semctl () {\t220;}\n}\nunles", SRTPCTX_KEY_LEN);
	assert_memory_equal(key, ref, SRTPCTX_KEY_LEN);
	srtpctx_key_encode(key, out);
	assert_string_equal(out, b64);
	/* 39 characters; padded (29 bytes); not base64 */
	assert_int_equal(srtpctx_key_decode(
		"WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGV", key), -EINVAL);
	assert_int_equal(srtpctx_key_decode(
		"WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubG==", key), -EINVAL);
	assert_int_equal(srtpctx_key_decode(
		"WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubG!!", key), -EINVAL);
	assert_int_equal(srtpctx_key_decode(NULL, key), -EINVAL);
}

/* SUITE:OURKEY:THEIRKEY, as gwctl and rtppeer take a leg's SRTP */
#define KEY1 "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"
#define KEY2 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd"
static void test_cfg_parse(void **state)
{
	struct srtpctx_cfg c;

	(void)state;
	assert_int_equal(srtpctx_cfg_parse("AES_CM_128_HMAC_SHA1_32:" KEY1 ":"
					   KEY2, &c), 0);
	assert_int_equal(c.suite, SRTPCTX_AES_CM_128_HMAC_SHA1_32);
	assert_memory_equal(c.tx_key, "YS___semctl () {\t220;}\n}\nunles",
			    SRTPCTX_KEY_LEN);
	for (unsigned i = 0; i < SRTPCTX_KEY_LEN; i++)
		assert_int_equal(c.rx_key[i], i);
	/* not three parts */
	assert_int_equal(srtpctx_cfg_parse("AES_CM_128_HMAC_SHA1_80", &c),
			 -EINVAL);
	assert_int_equal(srtpctx_cfg_parse("AES_CM_128_HMAC_SHA1_80:" KEY1, &c),
			 -EINVAL);
	assert_int_equal(srtpctx_cfg_parse(NULL, &c), -EINVAL);
	/* suites: unknown, none, one longer than any */
	assert_int_equal(srtpctx_cfg_parse("F8_128_HMAC_SHA1_80:" KEY1 ":" KEY2,
					   &c), -ENOENT);
	assert_int_equal(srtpctx_cfg_parse("none:" KEY1 ":" KEY2, &c), -ENOENT);
	assert_int_equal(srtpctx_cfg_parse("AES_CM_128_HMAC_SHA1_80_AND_MORE_"
					   "STILL:" KEY1 ":" KEY2, &c), -ENOENT);
	/* keys: short, long, a third colon, not base64 */
	assert_int_equal(srtpctx_cfg_parse("AES_CM_128_HMAC_SHA1_80:short:"
					   KEY2, &c), -EBADMSG);
	assert_int_equal(srtpctx_cfg_parse("AES_CM_128_HMAC_SHA1_80:" KEY1 ":"
					   KEY2 "A", &c), -EBADMSG);
	assert_int_equal(srtpctx_cfg_parse("AES_CM_128_HMAC_SHA1_80:" KEY1 ":"
					   KEY2 ":", &c), -EBADMSG);
	assert_int_equal(srtpctx_cfg_parse("AES_CM_128_HMAC_SHA1_80:" KEY1 ":"
					   "!!ECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd",
					   &c), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_answer_both_suites),
		cmocka_unit_test(test_round_trip_rtp_and_rtcp_both_ways),
		cmocka_unit_test(test_forged_replayed_and_miskeyed_are_refused),
		cmocka_unit_test(test_no_room_and_bad_arguments),
		cmocka_unit_test(test_suite_names),
		cmocka_unit_test(test_sdes_keys),
		cmocka_unit_test(test_cfg_parse),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}

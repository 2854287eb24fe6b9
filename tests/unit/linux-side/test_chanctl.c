// SPDX-License-Identifier: MIT
/** @file test_chanctl.c  Leg specifications of the Linux tools: TDM lines
 *  within the card's limits (hal/tdm.h), RTP and T.38 legs and their
 *  options, a leg's words in the channel table */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "hal/tdm.h"
#include "linux-side/chanctl.h"
#include "media/codec.h"
#include "media/srtpctx.h"
#include "media/t38leg.h"

static void expect_refused(const char *spec, const char *reason)
{
	struct msg_leg l;
	char why[160] = "";

	assert_int_equal(chanctl_parse_leg(spec, &l, why, sizeof(why)),
			 -EINVAL);
	if (!strstr(why, reason))
		fail_msg("\"%s\": reason \"%s\" lacks \"%s\"", spec, why,
			 reason);
}

static void test_chanctl_tdm_last_span_and_line(void **state)
{
	struct msg_leg l;
	char why[160], spec[64];

	(void)state;
	assert_int_equal(chanctl_parse_leg("tdm:0/0", &l, why, sizeof(why)),
			 0);
	assert_int_equal(l.kind, MSG_LEG_TDM);
	snprintf(spec, sizeof(spec), "tdm:%d/%d,ec=64,dtmf,vbd",
		 TDM_MAX_SPANS - 1, TDM_MAX_CHANS - 1);
	assert_int_equal(chanctl_parse_leg(spec, &l, why, sizeof(why)), 0);
	assert_int_equal(l.span, 63);
	assert_int_equal(l.line, 31);
	assert_int_equal(l.ec_tail_ms, 64);
	assert_int_equal(l.dtmf_detect, 1);
	assert_int_equal(l.vbd_detect, 1);
	assert_int_equal(chanctl_parse_leg("tdm:40/29", &l, why, sizeof(why)),
			 0);
	assert_int_equal(l.span, 40);
	assert_int_equal(l.line, 29);
}

static void test_chanctl_tdm_one_past_refused(void **state)
{
	(void)state;
	expect_refused("tdm:64/0", "span '64' out of range 0..63");
	expect_refused("tdm:63/32", "line '32' of span 63 out of range 0..31");
	expect_refused("tdm:256/0", "span '256' out of range 0..63");
	expect_refused("tdm:-1/0", "span '-1' out of range");
	expect_refused("tdm:x/1", "span 'x' out of range");
	expect_refused("tdm:1/", "line '' of span 1 out of range");
	expect_refused("tdm:3", "'3' is not SPAN/LINE");
	expect_refused("tdm:1/2,ec=999", "bad TDM option 'ec=999'");
}

static void test_chanctl_rtp_and_other_legs(void **state)
{
	struct msg_leg l;
	char why[160];

	(void)state;
	assert_int_equal(chanctl_parse_leg("none", &l, why, sizeof(why)), 0);
	assert_int_equal(l.kind, MSG_LEG_NONE);
	assert_int_equal(chanctl_parse_leg(
		"rtp:16384:198.18.0.20:40000,codec=g722,ptime=30", &l, why,
		sizeof(why)), 0);
	assert_int_equal(l.kind, MSG_LEG_RTP);
	assert_int_equal(l.local_port, 16384);
	assert_int_equal(l.codec, CODEC_G722);
	assert_int_equal(l.ptime_ms, 30);
	assert_int_equal(l.vad, 0);
	assert_int_equal(chanctl_parse_leg("rtp:16384:198.18.0.20:40000,vad",
					   &l, why, sizeof(why)), 0);
	assert_int_equal(l.vad, 1);
	assert_int_equal(l.latch, 0);
	assert_int_equal(l.codec, CODEC_PCMU);
	assert_int_equal(chanctl_parse_leg("rtp:16384:198.18.0.20:40000,latch",
					   &l, why, sizeof(why)), 0);
	assert_int_equal(l.latch, 1);
	expect_refused("rtp:16385:198.18.0.20:40000", "must be even");
	expect_refused("sip:1", "is not none, tdm:..., rtp:... or t38:...");
}

/* srtp=SUITE:OURKEY:THEIRKEY: the keys as SDES writes them (RFC 4568's
 * example key, and another) */
#define KEY1 "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"
#define KEY2 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd"
static void test_chanctl_rtp_srtp(void **state)
{
	struct msg_leg l;
	char why[160];

	(void)state;
	assert_int_equal(chanctl_parse_leg(
		"rtp:16384:198.18.0.20:40000,srtp=AES_CM_128_HMAC_SHA1_32:"
		KEY1 ":" KEY2 ",codec=pcma", &l, why, sizeof(why)), 0);
	assert_int_equal(l.srtp, SRTPCTX_AES_CM_128_HMAC_SHA1_32);
	assert_memory_equal(l.srtp_tx_key, "YS___semctl () {\t220;}\n}\nunles",
			    MSG_KEY_LEN);
	for (unsigned i = 0; i < MSG_KEY_LEN; i++)
		assert_int_equal(l.srtp_rx_key[i], i);
	assert_int_equal(l.codec, CODEC_PCMA);
	assert_int_equal(chanctl_parse_leg("rtp:16384:198.18.0.20:40000", &l,
					   why, sizeof(why)), 0);
	assert_int_equal(l.srtp, 0);
	expect_refused("rtp:16384:198.18.0.20:40000,srtp=AES_CM_128_HMAC_SHA1_80",
		       "is not SUITE:OURKEY:THEIRKEY");
	expect_refused("rtp:16384:198.18.0.20:40000,srtp=F8_128_HMAC_SHA1_80:"
		       KEY1 ":" KEY2, "unknown SRTP suite 'F8_128_HMAC_SHA1_80'");
	expect_refused("rtp:16384:198.18.0.20:40000,srtp=none:" KEY1 ":" KEY2,
		       "unknown SRTP suite 'none'");
	expect_refused("rtp:16384:198.18.0.20:40000,srtp=AES_CM_128_HMAC_SHA1_80:"
		       KEY1 ":short", "not 40 characters of base64");
}

static void test_chanctl_t38_leg(void **state)
{
	struct msg_leg l;
	char why[160];

	(void)state;
	assert_int_equal(chanctl_parse_leg("t38:16410:198.18.0.20:40110", &l,
					   why, sizeof(why)), 0);
	assert_int_equal(l.kind, MSG_LEG_T38);
	assert_int_equal(l.local_port, 16410);
	assert_int_equal(l.remote_port, 40110);
	assert_int_equal(l.remote_ip, htonl(0xc6120014));
	assert_int_equal(l.redundancy, T38LEG_REDUNDANCY);
	assert_int_equal(chanctl_parse_leg("t38:16410:198.18.0.20:40110,red=0",
					   &l, why, sizeof(why)), 0);
	assert_int_equal(l.redundancy, 0);
	assert_int_equal(l.latch, 0);
	assert_int_equal(chanctl_parse_leg(
		"t38:16410:198.18.0.20:40110,latch,red=2", &l, why,
		sizeof(why)), 0);
	assert_int_equal(l.latch, 1);
	assert_int_equal(l.redundancy, 2);
	expect_refused("t38:16410:198.18.0.20:40110,red=5",
		       "bad T.38 option 'red=5' (red=0..4, latch)");
	expect_refused("t38:16410:198.18.0.20:40110,codec=pcmu",
		       "bad T.38 option 'codec=pcmu'");
	expect_refused("t38:16411:198.18.0.20:40110", "must be even");
	expect_refused("t38:16410:198.18.0.20", "is not LOCALPORT:IP:PORT");
}

/* the channel table's words for a leg (gwctl chans) */
static void test_chanctl_format_leg(void **state)
{
	struct rtstat_leg l = { .kind = MSG_LEG_RTP, .codec = CODEC_PCMA,
				.local_port = 16400, .tx_packets = 250,
				.rx_packets = 249, .lost = 1, .cn_tx = 3,
				.jitter_us = 1500, .mos_x100 = 437 };
	char buf[200];

	(void)state;
	chanctl_format_leg(&l, buf, sizeof(buf));
	assert_string_equal(buf, "rtp :16400 PCMA tx 250 rx 249 lost 1 late 0 "
			    "malformed 0 wrong_ssrc 0 cn_tx 3 jitter 1.5 ms "
			    "mos 4.37");
	l.srtp = SRTPCTX_AES_CM_128_HMAC_SHA1_80;	/* an SRTP leg */
	chanctl_format_leg(&l, buf, sizeof(buf));
	assert_string_equal(buf, "rtp :16400 PCMA tx 250 rx 249 lost 1 late 0 "
			    "malformed 0 wrong_ssrc 0 cn_tx 3 jitter 1.5 ms "
			    "mos 4.37 srtp AES_CM_128_HMAC_SHA1_80 refused 0");
	l.srtp_auth_fail = 1;			/* refusals: their kinds too */
	l.srtp_replay = 3;
	l.srtp_errors = 2;
	chanctl_format_leg(&l, buf, sizeof(buf));
	assert_string_equal(buf, "rtp :16400 PCMA tx 250 rx 249 lost 1 late 0 "
			    "malformed 0 wrong_ssrc 0 cn_tx 3 jitter 1.5 ms "
			    "mos 4.37 srtp AES_CM_128_HMAC_SHA1_80 refused 6 "
			    "(auth_fail 1 replay 3 errors 2)");
	l.srtp = 0;				/* latched (NAT) */
	l.latched_ip = htonl(0xc6120014);
	l.latched_port = 40002;
	chanctl_format_leg(&l, buf, sizeof(buf));
	assert_string_equal(buf, "rtp :16400 PCMA tx 250 rx 249 lost 1 late 0 "
			    "malformed 0 wrong_ssrc 0 cn_tx 3 jitter 1.5 ms "
			    "mos 4.37 latched 198.18.0.20:40002");
	l = (struct rtstat_leg){ .kind = MSG_LEG_TDM, .span = 2, .line = 7 };
	chanctl_format_leg(&l, buf, sizeof(buf));
	assert_string_equal(buf, "tdm 2/7");
	l.ec_tail_ms = 80;			/* with an echo canceller */
	chanctl_format_leg(&l, buf, sizeof(buf));
	assert_string_equal(buf, "tdm 2/7 ec 80 ms erle - idle 0 %");
	l.erle_valid = 1;
	l.erle_x10 = 221;
	l.ec_idle_pct = 34;
	chanctl_format_leg(&l, buf, sizeof(buf));
	assert_string_equal(buf, "tdm 2/7 ec 80 ms erle 22.1 dB idle 34 %");
	l = (struct rtstat_leg){ .kind = MSG_LEG_T38, .local_port = 16410,
				 .tx_packets = 460, .rx_packets = 54,
				 .recovered = 2, .pages = 1, .rate_hbps = 144 };
	chanctl_format_leg(&l, buf, sizeof(buf));
	assert_string_equal(buf, "t38 :16410 tx 460 rx 54 lost 0 recovered 2 "
			    "late 0 malformed 0 pages 1 rate 14400");
	l.kind = MSG_LEG_NONE;
	chanctl_format_leg(&l, buf, sizeof(buf));
	assert_string_equal(buf, "none");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chanctl_tdm_last_span_and_line),
		cmocka_unit_test(test_chanctl_tdm_one_past_refused),
		cmocka_unit_test(test_chanctl_rtp_and_other_legs),
		cmocka_unit_test(test_chanctl_rtp_srtp),
		cmocka_unit_test(test_chanctl_t38_leg),
		cmocka_unit_test(test_chanctl_format_leg),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

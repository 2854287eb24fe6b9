// SPDX-License-Identifier: MIT
/** @file test_rtpcheck.c  RTP and RTCP validation: headers, CSRC lists,
 *  extensions, padding, payload types, the SSRC rule, RTCP compounds */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "media/rtpcheck.h"

#define SSRC	0x924cedaeu

/* captured from oRTP (tests/fuzz/rtp/corpus): an RFC 4733 event start */
static const uint8_t tev_start[] = {
	0x80, 0xe5, 0x00, 0x14, 0x00, 0x00, 0x0c, 0x80,
	0x92, 0x4c, 0xed, 0xae, 0x07, 0x0a, 0x01, 0x0a,
};

/* oRTP's SR + SDES (CNAME alice@198.18.0.10, TOOL gw-test) */
static const uint8_t sr_sdes[] = {
	0x80, 0xc8, 0x00, 0x06, 0x92, 0x4c, 0xed, 0xae, 0xee, 0xab, 0xbf, 0x86,
	0x58, 0xe5, 0x2d, 0xec, 0x00, 0x00, 0x23, 0xa0, 0x00, 0x00, 0x00, 0x3f,
	0x00, 0x00, 0x24, 0x54, 0x81, 0xca, 0x00, 0x09, 0x92, 0x4c, 0xed, 0xae,
	0x01, 0x11, 'a', 'l', 'i', 'c', 'e', '@', '1', '9', '8', '.', '1', '8',
	'.', '0', '.', '1', '0', 0x06, 0x07, 'g', 'w', '-', 't', 'e', 's', 't',
	0x00, 0x00, 0x00, 0x00,
};

/* oRTP's RR (one report block) + SDES */
static const uint8_t rr_sdes[] = {
	0x81, 0xc9, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x92, 0x4c, 0xed, 0xae,
	0x00, 0xff, 0xff, 0xfe, 0x00, 0x00, 0x00, 0x8a, 0x00, 0x00, 0x00, 0x00,
	0xbf, 0x87, 0x66, 0x17, 0x00, 0x00, 0x87, 0x20, 0x81, 0xca, 0x00, 0x08,
	0x00, 0x00, 0x00, 0x00, 0x01, 0x0f, 'b', 'o', 'b', '@', '1', '9', '8',
	'.', '1', '8', '.', '0', '.', '9', '9', 0x06, 0x07, 'g', 'w', '-', 't',
	'e', 's', 't', 0x00, 0x00,
};

/* BYE with the reason "call ended", as oRTP appends it to an SR */
static const uint8_t bye[] = {
	0x81, 0xcb, 0x00, 0x04, 0x92, 0x4c, 0xed, 0xae, 0x0a, 'c', 'a', 'l',
	'l', ' ', 'e', 'n', 'd', 'e', 'd', 0x00,
};

static uint8_t pkt[1600];

/* A PCMU packet: 12-byte header and @p payload bytes of 0xff */
static size_t rtp(uint8_t pt, uint16_t seq, uint32_t ssrc, size_t payload)
{
	memset(pkt, 0xff, sizeof(pkt));
	pkt[0] = 0x80;
	pkt[1] = pt;
	pkt[2] = (uint8_t)(seq >> 8);
	pkt[3] = (uint8_t)seq;
	memset(pkt + 4, 0, 4);
	pkt[4] = 0x12;
	pkt[8] = (uint8_t)(ssrc >> 24);
	pkt[9] = (uint8_t)(ssrc >> 16);
	pkt[10] = (uint8_t)(ssrc >> 8);
	pkt[11] = (uint8_t)ssrc;
	return 12 + payload;
}

static void filter(struct rtpck *c)
{
	struct rtpck_cfg cfg = {
		.pt_audio = 0, .pt_event = 101, .accept_cn = true,
	};

	rtpck_init(c, &cfg);
}

/* --- RTP headers ---------------------------------------------------------- */

static void test_rtpck_valid_packets(void **state)
{
	struct rtpck_rtp h;
	size_t n = rtp(0, 4711, SSRC, 160);

	(void)state;
	assert_int_equal(rtpck_parse_rtp(pkt, n, &h), RTPCK_OK);
	assert_int_equal(h.pt, 0);
	assert_false(h.marker);
	assert_int_equal(h.seq, 4711);
	assert_int_equal(h.ts, 0x12000000);
	assert_int_equal(h.ssrc, SSRC);
	assert_int_equal(h.payload_off, 12);
	assert_int_equal(h.payload_len, 160);

	assert_int_equal(rtpck_parse_rtp(tev_start, sizeof(tev_start), &h),
			 RTPCK_OK);
	assert_true(h.marker);
	assert_int_equal(h.pt, 101);
	assert_int_equal(h.payload_len, 4);

	/* header only: no payload is still a valid packet */
	assert_int_equal(rtpck_parse_rtp(pkt, 12, &h), RTPCK_OK);
	assert_int_equal(h.payload_len, 0);
}

static void test_rtpck_csrc_extension_and_padding(void **state)
{
	struct rtpck_rtp h;
	size_t n = rtp(0, 1, SSRC, 8 + 8 + 160 + 4);

	(void)state;
	pkt[0] = 0x80 | 0x20 | 0x10 | 2;	/* P, X, two CSRCs */
	/* extension after the CSRCs: profile 0xbede, one word */
	pkt[20] = 0xbe;
	pkt[21] = 0xde;
	pkt[22] = 0;
	pkt[23] = 1;
	pkt[n - 1] = 4;				/* four bytes of padding */
	assert_int_equal(rtpck_parse_rtp(pkt, n, &h), RTPCK_OK);
	assert_int_equal(h.cc, 2);
	assert_int_equal(h.payload_off, 12 + 8 + 8);
	assert_int_equal(h.payload_len, 160);

	pkt[n - 1] = 164;		/* the padding is the whole payload */
	assert_int_equal(rtpck_parse_rtp(pkt, n, &h), RTPCK_OK);
	assert_int_equal(h.payload_len, 0);
}

static void test_rtpck_bad_version(void **state)
{
	size_t n = rtp(0, 1, SSRC, 160);

	(void)state;
	for (uint8_t v = 0; v < 4; v++) {
		if (v == 2)
			continue;
		pkt[0] = (uint8_t)(v << 6);
		assert_int_equal(rtpck_parse_rtp(pkt, n, NULL),
				 RTPCK_BAD_VERSION);
	}
}

static void test_rtpck_truncated_header(void **state)
{
	(void)state;
	rtp(0, 1, SSRC, 0);
	assert_int_equal(rtpck_parse_rtp(pkt, 0, NULL), RTPCK_TRUNCATED);
	assert_int_equal(rtpck_parse_rtp(NULL, 12, NULL), RTPCK_TRUNCATED);
	for (size_t n = 1; n < 12; n++)
		assert_int_equal(rtpck_parse_rtp(pkt, n, NULL),
				 RTPCK_TRUNCATED);
	assert_int_equal(rtpck_parse_rtp(pkt, 70000, NULL), RTPCK_BAD_LENGTH);
}

static void test_rtpck_csrc_count_past_the_end(void **state)
{
	size_t n = rtp(0, 1, SSRC, 20);

	(void)state;
	pkt[0] = 0x80 | 15;		/* 60 bytes of CSRC in 32 bytes */
	assert_int_equal(rtpck_parse_rtp(pkt, n, NULL), RTPCK_BAD_CSRC);
	pkt[0] = 0x80 | 5;		/* exactly 20: fits, no payload */
	assert_int_equal(rtpck_parse_rtp(pkt, n, NULL), RTPCK_OK);
	pkt[0] = 0x80 | 6;
	assert_int_equal(rtpck_parse_rtp(pkt, n, NULL), RTPCK_BAD_CSRC);
}

static void test_rtpck_extension_past_the_end(void **state)
{
	size_t n = rtp(0, 1, SSRC, 8);

	(void)state;
	pkt[0] = 0x90;			/* X set */
	pkt[14] = 0;
	pkt[15] = 2;			/* two words: 8 more than there are */
	assert_int_equal(rtpck_parse_rtp(pkt, n, NULL), RTPCK_BAD_EXT);
	pkt[15] = 1;
	assert_int_equal(rtpck_parse_rtp(pkt, n, NULL), RTPCK_OK);
	/* X set but no room for the extension header itself */
	assert_int_equal(rtpck_parse_rtp(pkt, 14, NULL), RTPCK_BAD_EXT);
}

static void test_rtpck_bad_padding(void **state)
{
	size_t n = rtp(0, 1, SSRC, 10);

	(void)state;
	pkt[0] = 0xa0;			/* P set */
	pkt[n - 1] = 0;
	assert_int_equal(rtpck_parse_rtp(pkt, n, NULL), RTPCK_BAD_PADDING);
	pkt[n - 1] = 11;		/* more than the payload */
	assert_int_equal(rtpck_parse_rtp(pkt, n, NULL), RTPCK_BAD_PADDING);
	pkt[n - 1] = 255;
	assert_int_equal(rtpck_parse_rtp(pkt, n, NULL), RTPCK_BAD_PADDING);
	pkt[n - 1] = 10;
	assert_int_equal(rtpck_parse_rtp(pkt, n, NULL), RTPCK_OK);
	/* padding set on a header-only packet: the count is the header */
	rtp(0, 1, SSRC, 0);
	pkt[0] = 0xa0;
	assert_int_equal(rtpck_parse_rtp(pkt, 12, NULL), RTPCK_BAD_PADDING);
}

/* --- the per-leg filter ---------------------------------------------- */

static void test_rtpck_unexpected_payload_type(void **state)
{
	struct rtpck c;
	struct rtpck_rtp h;

	(void)state;
	filter(&c);
	assert_int_equal(rtpck_rtp(&c, pkt, rtp(8, 1, SSRC, 160), &h),
			 RTPCK_BAD_PT);
	assert_int_equal(rtpck_rtp(&c, pkt, rtp(0, 2, SSRC, 160), &h),
			 RTPCK_OK);
	assert_int_equal(rtpck_rtp(&c, pkt, rtp(13, 3, SSRC, 1), &h),
			 RTPCK_OK);
	assert_int_equal(rtpck_rtp(&c, tev_start, sizeof(tev_start), &h),
			 RTPCK_OK);
	/* without events and comfort noise */
	c.cfg.pt_event = RTPCK_PT_NONE;
	c.cfg.accept_cn = false;
	assert_int_equal(rtpck_rtp(&c, tev_start, sizeof(tev_start), &h),
			 RTPCK_BAD_PT);
	assert_int_equal(rtpck_rtp(&c, pkt, rtp(13, 4, SSRC, 1), &h),
			 RTPCK_BAD_PT);
	assert_int_equal(c.st.rtp[RTPCK_BAD_PT], 3);
	assert_int_equal(c.st.rtp[RTPCK_OK], 3);
	assert_int_equal(rtpck_malformed(&c.st), 3);
}

static void test_rtpck_wrong_ssrc_is_dropped_while_interleaved(void **state)
{
	struct rtpck c;
	struct rtpck_rtp h;

	(void)state;
	filter(&c);
	assert_int_equal(rtpck_rtp(&c, pkt, rtp(0, 1, SSRC, 160), &h),
			 RTPCK_OK);
	/* an injected stream, interleaved with the real one, forever */
	for (uint16_t i = 0; i < 50; i++) {
		assert_int_equal(rtpck_rtp(&c, pkt, rtp(0, i, 0xbad, 160), &h),
				 RTPCK_WRONG_SSRC);
		assert_int_equal(rtpck_rtp(&c, pkt, rtp(0, 2 + i, SSRC, 160),
					   &h), RTPCK_OK);
	}
	assert_int_equal(c.st.rtp[RTPCK_WRONG_SSRC], 50);
	assert_int_equal(c.st.ssrc_changes, 0);
	assert_int_equal(c.ssrc, SSRC);
}

static void test_rtpck_new_ssrc_is_followed_after_three(void **state)
{
	struct rtpck c;
	struct rtpck_rtp h;

	(void)state;
	filter(&c);
	assert_int_equal(rtpck_rtp(&c, pkt, rtp(0, 1, SSRC, 160), &h),
			 RTPCK_OK);
	/* two from B, one from C, two from B: none in a row of three */
	assert_int_equal(rtpck_rtp(&c, pkt, rtp(0, 1, 0xb, 160), &h),
			 RTPCK_WRONG_SSRC);
	assert_int_equal(rtpck_rtp(&c, pkt, rtp(0, 2, 0xb, 160), &h),
			 RTPCK_WRONG_SSRC);
	assert_int_equal(rtpck_rtp(&c, pkt, rtp(0, 1, 0xc, 160), &h),
			 RTPCK_WRONG_SSRC);
	assert_int_equal(rtpck_rtp(&c, pkt, rtp(0, 3, 0xb, 160), &h),
			 RTPCK_WRONG_SSRC);
	assert_int_equal(rtpck_rtp(&c, pkt, rtp(0, 4, 0xb, 160), &h),
			 RTPCK_WRONG_SSRC);
	/* the third in a row: B is the source now */
	assert_int_equal(rtpck_rtp(&c, pkt, rtp(0, 5, 0xb, 160), &h),
			 RTPCK_OK);
	assert_int_equal(h.ssrc, 0xb);
	assert_int_equal(rtpck_rtp(&c, pkt, rtp(0, 2, SSRC, 160), &h),
			 RTPCK_WRONG_SSRC);
	assert_int_equal(c.st.ssrc_changes, 1);
	assert_int_equal(c.st.rtp[RTPCK_WRONG_SSRC], 6);
	assert_int_equal(c.st.rtp[RTPCK_OK], 2);
}

static void test_rtpck_bye_or_release_frees_the_source(void **state)
{
	uint8_t compound[sizeof(sr_sdes) + sizeof(bye)];
	struct rtpck_rtcp info;
	struct rtpck c;
	struct rtpck_rtp h;

	(void)state;
	filter(&c);
	memcpy(compound, sr_sdes, sizeof(sr_sdes));
	memcpy(compound + sizeof(sr_sdes), bye, sizeof(bye));
	assert_int_equal(rtpck_rtp(&c, pkt, rtp(0, 1, SSRC, 160), &h),
			 RTPCK_OK);
	assert_int_equal(rtpck_rtcp(&c, compound, sizeof(compound), &info),
			 RTPCK_OK);
	assert_true(info.bye);
	/* the source said goodbye: the next one is taken at once */
	assert_int_equal(rtpck_rtp(&c, pkt, rtp(0, 9, 0xb, 160), &h),
			 RTPCK_OK);
	rtpck_release(&c);
	assert_int_equal(rtpck_rtp(&c, pkt, rtp(0, 7, 0xc, 160), &h),
			 RTPCK_OK);
	assert_int_equal(rtpck_rtp(&c, pkt, rtp(0, 8, 0xb, 160), &h),
			 RTPCK_WRONG_SSRC);
	assert_int_equal(c.st.ssrc_changes, 0);
}

/* --- RTCP -------------------------------------------------------------- */

static void test_rtpck_rtcp_real_compounds(void **state)
{
	uint8_t compound[sizeof(rr_sdes) + sizeof(bye)];
	struct rtpck_rtcp info;

	(void)state;
	assert_int_equal(rtpck_parse_rtcp(sr_sdes, sizeof(sr_sdes), &info),
			 RTPCK_OK);
	assert_true(info.sr);
	assert_false(info.bye);
	assert_int_equal(info.packets, 2);
	assert_int_equal(info.ssrc, SSRC);
	assert_int_equal(rtpck_parse_rtcp(rr_sdes, sizeof(rr_sdes), &info),
			 RTPCK_OK);
	assert_false(info.sr);
	memcpy(compound, rr_sdes, sizeof(rr_sdes));
	memcpy(compound + sizeof(rr_sdes), bye, sizeof(bye));
	assert_int_equal(rtpck_parse_rtcp(compound, sizeof(compound), &info),
			 RTPCK_OK);
	assert_int_equal(info.packets, 3);
	assert_int_equal(info.bye_count, 1);
	assert_int_equal(info.bye_ssrc[0], SSRC);
}

static void test_rtpck_rtcp_malformed(void **state)
{
	uint8_t b[256];

	(void)state;
	assert_int_equal(rtpck_parse_rtcp(sr_sdes, 3, NULL), RTPCK_TRUNCATED);
	memcpy(b, sr_sdes, sizeof(sr_sdes));
	b[0] = 0x40;
	assert_int_equal(rtpck_parse_rtcp(b, sizeof(sr_sdes), NULL),
			 RTPCK_BAD_VERSION);
	/* a compound must start with an SR or RR */
	assert_int_equal(rtpck_parse_rtcp(bye, sizeof(bye), NULL),
			 RTPCK_BAD_FIRST);
	/* lengths must add up to what was received */
	assert_int_equal(rtpck_parse_rtcp(sr_sdes, sizeof(sr_sdes) - 4, NULL),
			 RTPCK_BAD_LENGTH);
	assert_int_equal(rtpck_parse_rtcp(sr_sdes, sizeof(sr_sdes) - 1, NULL),
			 RTPCK_BAD_LENGTH);
	memcpy(b, sr_sdes, sizeof(sr_sdes));
	b[3] = 0x40;			/* SR length past the end */
	assert_int_equal(rtpck_parse_rtcp(b, sizeof(sr_sdes), NULL),
			 RTPCK_BAD_LENGTH);
	/* padding only in the last packet, and never a count of 0 */
	memcpy(b, sr_sdes, sizeof(sr_sdes));
	b[0] |= 0x20;
	assert_int_equal(rtpck_parse_rtcp(b, sizeof(sr_sdes), NULL),
			 RTPCK_BAD_PADDING);
	memcpy(b, sr_sdes, sizeof(sr_sdes));
	b[28] |= 0x20;			/* SDES padded, last byte 0 */
	assert_int_equal(rtpck_parse_rtcp(b, sizeof(sr_sdes), NULL),
			 RTPCK_BAD_PADDING);
	/* an SR claiming a report block it does not carry */
	memcpy(b, sr_sdes, sizeof(sr_sdes));
	b[0] = 0x81;
	assert_int_equal(rtpck_parse_rtcp(b, sizeof(sr_sdes), NULL),
			 RTPCK_BAD_BODY);
	/* an SDES item running past its packet */
	memcpy(b, sr_sdes, sizeof(sr_sdes));
	b[37] = 0x30;
	assert_int_equal(rtpck_parse_rtcp(b, sizeof(sr_sdes), NULL),
			 RTPCK_BAD_BODY);
	/* two SDES chunks announced, one there */
	memcpy(b, sr_sdes, sizeof(sr_sdes));
	b[28] = 0x82;
	assert_int_equal(rtpck_parse_rtcp(b, sizeof(sr_sdes), NULL),
			 RTPCK_BAD_BODY);
	/* a BYE reason longer than the packet */
	memcpy(b, sr_sdes, sizeof(sr_sdes));
	memcpy(b + sizeof(sr_sdes), bye, sizeof(bye));
	b[sizeof(sr_sdes) + 8] = 12;
	assert_int_equal(rtpck_parse_rtcp(b, sizeof(sr_sdes) + sizeof(bye),
					  NULL), RTPCK_BAD_BODY);
	/* a packet type that is not RTCP inside the compound */
	memcpy(b, sr_sdes, sizeof(sr_sdes));
	b[29] = 100;
	assert_int_equal(rtpck_parse_rtcp(b, sizeof(sr_sdes), NULL),
			 RTPCK_BAD_BODY);
}

static void test_rtpck_rtcp_counters(void **state)
{
	struct rtpck c;

	(void)state;
	filter(&c);
	assert_int_equal(rtpck_rtcp(&c, sr_sdes, sizeof(sr_sdes), NULL),
			 RTPCK_OK);
	assert_int_equal(rtpck_rtcp(&c, bye, sizeof(bye), NULL),
			 RTPCK_BAD_FIRST);
	assert_int_equal(rtpck_rtcp(&c, sr_sdes, 2, NULL), RTPCK_TRUNCATED);
	assert_int_equal(c.st.rtcp[RTPCK_OK], 1);
	assert_int_equal(c.st.rtcp[RTPCK_BAD_FIRST], 1);
	assert_int_equal(c.st.rtcp[RTPCK_TRUNCATED], 1);
	assert_int_equal(rtpck_malformed(&c.st), 0);	/* RTP only */
	assert_string_equal(rtpck_verdict_name(RTPCK_BAD_PADDING),
			    "bad_padding");
	assert_string_equal(rtpck_verdict_name(RTPCK_V_COUNT), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test(f)
		T(test_rtpck_valid_packets),
		T(test_rtpck_csrc_extension_and_padding),
		T(test_rtpck_bad_version),
		T(test_rtpck_truncated_header),
		T(test_rtpck_csrc_count_past_the_end),
		T(test_rtpck_extension_past_the_end),
		T(test_rtpck_bad_padding),
		T(test_rtpck_unexpected_payload_type),
		T(test_rtpck_wrong_ssrc_is_dropped_while_interleaved),
		T(test_rtpck_new_ssrc_is_followed_after_three),
		T(test_rtpck_bye_or_release_frees_the_source),
		T(test_rtpck_rtcp_real_compounds),
		T(test_rtpck_rtcp_malformed),
		T(test_rtpck_rtcp_counters),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

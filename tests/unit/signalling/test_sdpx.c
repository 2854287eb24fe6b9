// SPDX-License-Identifier: MIT
/** @file test_sdpx.c  SDP: phones' offers, codec choice, offer/answer text */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "signalling/sdpx.h"

#define HEAD(ip)	"v=0\r\no=- 8000 8000 IN IP4 " ip "\r\ns=call\r\n"

static uint32_t ip4(const char *a)
{
	uint32_t ip;

	assert_int_equal(inet_pton(AF_INET, a, &ip), 1);
	return ip;
}

static void parse_ok(const char *sdp, struct sdpx *s)
{
	char why[160] = "";

	if (sdpx_parse(sdp, strlen(sdp), s, why, sizeof(why)))
		fail_msg("refused: %s\n%s", why, sdp);
}

/* our PCMU answer to @p offer, with @p mline and @p crypto in it, read
 * back into @p a: it carries our key */
static void answer_sdes(const struct sdpx_local *me, const struct sdpx *offer,
			const char *mline, const char *crypto, struct sdpx *a)
{
	char buf[1024];

	assert_true(sdpx_answer(buf, sizeof(buf), me, CODEC_PCMU, 0, offer,
				20) > 0);
	assert_non_null(strstr(buf, mline));
	assert_non_null(strstr(buf, crypto));
	parse_ok(buf, a);
	assert_memory_equal(a->srtp_key, me->srtp_key, SRTPCTX_KEY_LEN);
}

static void refused(const char *sdp, const char *reason)
{
	char why[160] = "";
	struct sdpx s;

	assert_int_equal(sdpx_parse(sdp, strlen(sdp), &s, why, sizeof(why)),
			 -EBADMSG);
	if (!strstr(why, reason))
		fail_msg("why \"%s\" lacks \"%s\"", why, reason);
}

/* --- parsing what phones send --------------------------------------------- */

/* as a desk phone offers it: session c=, G.711, G.722, G.729, events */
static const char phone_offer[] =
	HEAD("198.18.0.20")
	"c=IN IP4 198.18.0.20\r\n"
	"t=0 0\r\n"
	"m=audio 11780 RTP/AVP 9 0 8 18 101\r\n"
	"a=rtpmap:9 G722/8000\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:8 PCMA/8000\r\n"
	"a=rtpmap:18 G729/8000\r\n"
	"a=fmtp:18 annexb=no\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n"
	"a=fmtp:101 0-15\r\n"
	"a=ptime:20\r\n"
	"a=sendrecv\r\n";

static void test_sdpx_parse_phone_offer(void **state)
{
	struct sdpx s;

	(void)state;
	parse_ok(phone_offer, &s);
	assert_int_equal(s.ip, ip4("198.18.0.20"));
	assert_int_equal(s.port, 11780);
	assert_int_equal(s.ptime_ms, 20);
	assert_int_equal(s.dir, SDPX_SENDRECV);
	assert_int_equal(s.te_pt, 101);
	assert_int_equal(s.nfmt, 4);		/* events are not a codec */
	assert_int_equal(s.fmt[0].pt, 9);
	assert_int_equal(s.fmt[0].codec, CODEC_G722);
	assert_string_equal(s.fmt[0].name, "G722");
	assert_int_equal(s.fmt[1].codec, CODEC_PCMU);
	assert_int_equal(s.fmt[2].pt, 8);
	assert_int_equal(s.fmt[2].codec, CODEC_PCMA);
	assert_int_equal(s.fmt[3].pt, 18);
	assert_int_equal(s.fmt[3].codec, CODEC_G729);
	assert_string_equal(s.fmt[3].name, "G729");
}

static void test_sdpx_parse_static_types_without_rtpmap(void **state)
{
	struct sdpx s;

	(void)state;
	parse_ok(HEAD("10.1.2.3") "c=IN IP4 10.1.2.3\r\nt=0 0\r\n"
		 "m=audio 4000 RTP/AVP 0 8 3\r\n", &s);
	assert_int_equal(s.nfmt, 3);
	assert_int_equal(s.fmt[0].codec, CODEC_PCMU);
	assert_int_equal(s.fmt[1].codec, CODEC_PCMA);
	assert_int_equal(s.fmt[2].codec, CODEC_GSM);
	assert_int_equal(s.te_pt, -1);
	assert_false(s.cn);
	assert_int_equal(s.ptime_ms, 0);
	assert_int_equal(s.dir, SDPX_SENDRECV);
	/* comfort noise by its static type, with or without an rtpmap; not
	 * a codec */
	parse_ok(HEAD("10.1.2.3") "c=IN IP4 10.1.2.3\r\nt=0 0\r\n"
		 "m=audio 4000 RTP/AVP 0 13\r\n", &s);
	assert_int_equal(s.nfmt, 1);
	assert_true(s.cn);
	parse_ok(HEAD("10.1.2.3") "c=IN IP4 10.1.2.3\r\nt=0 0\r\n"
		 "m=audio 4000 RTP/AVP 8 13\r\na=rtpmap:13 CN/8000\r\n", &s);
	assert_int_equal(s.nfmt, 1);
	assert_true(s.cn);
}

static void test_sdpx_parse_dynamic_and_odd_formats(void **state)
{
	struct sdpx s;

	(void)state;
	parse_ok(HEAD("10.1.2.3") "c=IN IP4 10.1.2.3\r\nt=0 0\r\n"
		 "m=audio 4000 RTP/AVP 112 9 96 97 98 99\r\n"
		 "a=rtpmap:112 G726-32/8000\r\n"
		 "a=rtpmap:9 G722/16000\r\n"		/* wrong clock */
		 "a=rtpmap:97 telephone-event/16000\r\n"
		 "a=rtpmap:98 telephone-event/8000\r\n"
		 "a=rtpmap:99 CN/16000\r\n", &s);
	assert_int_equal(s.nfmt, 3);
	assert_int_equal(s.fmt[0].pt, 112);
	assert_int_equal(s.fmt[0].codec, CODEC_G726_32);
	assert_int_equal(s.fmt[1].codec, -1);
	assert_int_equal(s.fmt[2].pt, 96);	/* no rtpmap: unknown */
	assert_int_equal(s.fmt[2].codec, -1);
	assert_int_equal(s.te_pt, 98);		/* the 8 kHz one */
	assert_false(s.cn);		/* wideband CN: not type 13 */
}

static void test_sdpx_parse_many_formats_kept_to_max(void **state)
{
	char sdp[1024];
	int n;
	struct sdpx s;

	(void)state;
	n = snprintf(sdp, sizeof(sdp), HEAD("10.1.2.3")
		     "c=IN IP4 10.1.2.3\r\nt=0 0\r\nm=audio 4000 RTP/AVP");
	for (int pt = 96; pt < 96 + SDPX_MAX_FMT + 4; pt++)
		n += snprintf(sdp + n, sizeof(sdp) - (size_t)n, " %d", pt);
	n += snprintf(sdp + n, sizeof(sdp) - (size_t)n, " 0\r\n");
	assert_true((size_t)n < sizeof(sdp));
	parse_ok(sdp, &s);
	assert_int_equal(s.nfmt, SDPX_MAX_FMT);
	assert_int_equal(s.fmt[SDPX_MAX_FMT - 1].pt, 96 + SDPX_MAX_FMT - 1);
}

static void test_sdpx_parse_connection_levels(void **state)
{
	struct sdpx s;

	(void)state;
	/* media-level c= wins over the session's */
	parse_ok(HEAD("10.0.0.1") "c=IN IP4 10.0.0.1\r\nt=0 0\r\n"
		 "m=audio 4000 RTP/AVP 0\r\nc=IN IP4 10.0.0.2\r\n", &s);
	assert_int_equal(s.ip, ip4("10.0.0.2"));
	/* media level only */
	parse_ok(HEAD("10.0.0.1") "t=0 0\r\n"
		 "m=audio 4000 RTP/AVP 0\r\nc=IN IP4 10.0.0.3\r\n", &s);
	assert_int_equal(s.ip, ip4("10.0.0.3"));
	/* the first audio stream, after a video one; line ends LF only */
	parse_ok("v=0\no=- 1 1 IN IP4 10.0.0.1\ns=-\nc=IN IP4 10.0.0.1\n"
		 "t=0 0\nm=video 5000 RTP/AVP 31\nc=IN IP4 10.0.0.9\n"
		 "m=audio 4002 RTP/AVP 8\nm=audio 4004 RTP/AVP 0\n", &s);
	assert_int_equal(s.ip, ip4("10.0.0.1"));
	assert_int_equal(s.port, 4002);
	assert_int_equal(s.nfmt, 1);
	assert_int_equal(s.fmt[0].codec, CODEC_PCMA);
}

static void test_sdpx_parse_direction(void **state)
{
	static const struct {
		const char *session, *media;
		enum sdpx_dir dir;
	} cases[] = {
		{ "", "", SDPX_SENDRECV },
		{ "", "a=sendrecv\r\n", SDPX_SENDRECV },
		{ "", "a=sendonly\r\n", SDPX_SENDONLY },
		{ "", "a=recvonly\r\n", SDPX_RECVONLY },
		{ "", "a=inactive\r\n", SDPX_INACTIVE },
		{ "a=sendonly\r\n", "", SDPX_SENDONLY },	/* inherited */
		{ "a=inactive\r\n", "", SDPX_INACTIVE },
		{ "a=sendonly\r\n", "a=sendrecv\r\n", SDPX_SENDRECV },
	};
	char sdp[512];
	struct sdpx s;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(sdp, sizeof(sdp), HEAD("10.0.0.1")
			 "c=IN IP4 10.0.0.1\r\nt=0 0\r\n%s"
			 "m=audio 4000 RTP/AVP 0\r\n%s", cases[i].session,
			 cases[i].media);
		parse_ok(sdp, &s);
		if (s.dir != cases[i].dir)
			fail_msg("case %zu: dir %d, want %d", i, s.dir,
				 cases[i].dir);
	}
}

static void test_sdpx_parse_hold_and_refused_stream(void **state)
{
	struct sdpx s;

	(void)state;
	/* RFC 2543 hold: c=0.0.0.0, whatever the direction says */
	parse_ok(HEAD("10.0.0.1") "c=IN IP4 0.0.0.0\r\nt=0 0\r\n"
		 "m=audio 4000 RTP/AVP 0\r\na=sendrecv\r\n", &s);
	assert_int_equal(s.ip, 0);
	assert_int_equal(s.dir, SDPX_INACTIVE);
	assert_int_equal(s.port, 4000);
	/* RFC 3264 hold */
	parse_ok(HEAD("10.0.0.1") "c=IN IP4 10.0.0.1\r\nt=0 0\r\n"
		 "m=audio 4000 RTP/AVP 0\r\na=sendonly\r\n", &s);
	assert_int_equal(s.dir, SDPX_SENDONLY);
	assert_int_equal(s.ip, ip4("10.0.0.1"));
	/* port 0: the stream is refused; the caller decides */
	parse_ok(HEAD("10.0.0.1") "c=IN IP4 10.0.0.1\r\nt=0 0\r\n"
		 "m=audio 0 RTP/AVP 0\r\n", &s);
	assert_int_equal(s.port, 0);
	assert_int_equal(s.nfmt, 1);
	parse_ok(HEAD("10.0.0.1") "c=IN IP4 10.0.0.1\r\nt=0 0\r\n"
		 "m=audio 65535 RTP/AVP 0\r\n", &s);
	assert_int_equal(s.port, 65535);
}

static void test_sdpx_parse_ptime(void **state)
{
	static const struct {
		const char *v;
		unsigned ms;
	} cases[] = {
		{ "20", 20 }, { "30", 30 }, { "20.0", 20 }, { "1000", 1000 },
		{ "0", 0 }, { "-20", 0 }, { "abc", 0 }, { "20ms", 0 },
		{ "1001", 0 }, { "4294967316", 0 },
		{ "99999999999999999999999", 0 },
	};
	char sdp[512];
	struct sdpx s;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(sdp, sizeof(sdp), HEAD("10.0.0.1")
			 "c=IN IP4 10.0.0.1\r\nt=0 0\r\n"
			 "m=audio 4000 RTP/AVP 0\r\na=ptime:%s\r\n",
			 cases[i].v);
		parse_ok(sdp, &s);
		if (s.ptime_ms != cases[i].ms)
			fail_msg("ptime:%s gives %u, want %u", cases[i].v,
				 s.ptime_ms, cases[i].ms);
	}
}

static void test_sdpx_parse_malformed_refused(void **state)
{
	char why[8];
	struct sdpx s;

	(void)state;
	refused("", "bad SDP");
	refused("hello, world\r\n", "bad SDP");
	refused("v=0\r\n", "bad SDP");
	refused(HEAD("10.0.0.1") "t=0 0\r\nm=audio 4000 RTP/AVP 0\r\n",
		"bad SDP");			/* c= nowhere */
	refused(HEAD("10.0.0.1") "c=IN IP4 10.0.0.1\r\nt=0 0\r\n"
		"m=audio 4000 RTP/AVP 300\r\n", "bad SDP");
	refused(HEAD("10.0.0.1") "c=IN IP4 10.0.0.1\r\nt=0 0\r\n", "audio");
	refused(HEAD("10.0.0.1") "c=IN IP4 10.0.0.1\r\nt=0 0\r\n"
		"m=video 5000 RTP/AVP 31\r\n", "without audio");
	refused("v=0\r\no=- 1 1 IN IP6 ::1\r\ns=-\r\nc=IN IP6 ::1\r\n"
		"t=0 0\r\nm=audio 4000 RTP/AVP 0\r\n", "IPv4");
	refused(HEAD("10.0.0.1") "c=IN IP4 pbx.example\r\nt=0 0\r\n"
		"m=audio 4000 RTP/AVP 0\r\n", "IPv4");
	/* a key of 40 bytes, not 30: no crypto line to take */
	refused(HEAD("10.0.0.1") "c=IN IP4 10.0.0.1\r\nt=0 0\r\n"
		"m=audio 4000 RTP/SAVP 0\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"
		"WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVzcyAoc2VtY3RsKCk=\r\n",
		"RTP/SAVP without a crypto line we take");
	refused(HEAD("10.0.0.1") "c=IN IP4 10.0.0.1\r\nt=0 0\r\n"
		"m=audio 4000 RTP/SAVPF 0\r\n", "not RTP/AVP nor RTP/SAVP");
	refused(HEAD("10.0.0.1") "c=IN IP4 10.0.0.1\r\nt=0 0\r\n"
		"m=audio 70000 RTP/AVP 0\r\n", "port 70000");
	/* a short reason buffer is fine */
	assert_int_equal(sdpx_parse("x", 1, &s, why, sizeof(why)), -EBADMSG);
	assert_true(strlen(why) < sizeof(why));
	assert_int_equal(sdpx_parse("x", 1, &s, why, 0), -EBADMSG);
}

/* Sofia-SIP 1.12.11 allocates without end on these (found by fuzz_sdp):
 * sdpx_parse() must refuse them before Sofia sees them */
static void test_sdpx_parse_media_line_held_to_rfc4566(void **state)
{
	static const char *const bad[] = {
		"m=audio 600 IP6 2001:db8::10",
		"m=audio 1 X a::",
		"m=audio 1 X /",
		"m=audio 1 X a//b",
		"m=audio 40a0 RTP//AVP 0",
		"m=audio -1 RTP/AVP 0",
		"m=audio +1 RTP/AVP 0",
		"m=audio 1/ RTP/AVP 0",
		"m=audio 1/2/3 RTP/AVP 0",
		"m=aud:io 1 RTP/AVP 0",
		"m=audio 1 RTP/AVP 0 8 /",
		"  m=image 1 udptl t38 \"x",
		"m=audio 1 X\t\t",
		"m=audio 1 X \t",
		"m=!udio 7000 RTP/AV\t\t\t\t",
		"m=audio 1 RTP/AVP 0\t",
	};
	char sdp[512], why[128];
	unsigned i;
	struct sdpx s;
	size_t n;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(sdp, sizeof(sdp), HEAD("10.0.0.1")
			 "c=IN IP4 10.0.0.1\r\nt=0 0\r\n"
			 "m=audio 4000 RTP/AVP 0\r\n%s\r\n", bad[i]);
		refused(sdp, "malformed m= line");
	}
	/* what RFC 4566 allows passes: ports, other transports, tabs */
	parse_ok(HEAD("10.0.0.1") "c=IN IP4 10.0.0.1\r\nt=0 0\r\n"
		 "m=audio 4000/2 RTP/AVP 0 8\r\n"
		 "m=image 4002 udptl t38\r\n"
		 "m=application 9 TCP/BFCP *\r\n"
		 "m=text\t4004  RTP/AVP\t98 \r\n"
		 "m=image 4006 udptl \tt38  \r\n", &s);
	assert_int_equal(s.port, 4000);
	assert_int_equal(s.nfmt, 2);
	/* after a NUL nothing is read, as Sofia reads nothing there */
	n = (size_t)snprintf(sdp, sizeof(sdp), HEAD("10.0.0.1")
			     "c=IN IP4 10.0.0.1\r\nt=0 0\r\n"
			     "m=audio 4000 RTP/AVP 0\r\n");
	memcpy(sdp + n, "\0m=audio 1 X a::\r\n", 19);
	assert_int_equal(sdpx_parse(sdp, n + 19, &s, why, sizeof(why)), 0);
}

static void test_sdpx_parse_reads_only_len_bytes(void **state)
{
	size_t n = strlen(phone_offer);
	char *exact = malloc(n);	/* no terminating NUL */
	char why[128];
	struct sdpx s;

	(void)state;
	assert_non_null(exact);
	memcpy(exact, phone_offer, n);
	assert_int_equal(sdpx_parse(exact, n, &s, why, sizeof(why)), 0);
	assert_int_equal(s.te_pt, 101);
	/* cut inside the m= line's formats: 9 0 only */
	n = (size_t)(strstr(phone_offer, " 8 18") - phone_offer);
	assert_int_equal(sdpx_parse(exact, n, &s, why, sizeof(why)), 0);
	assert_int_equal(s.nfmt, 2);
	assert_int_equal(s.te_pt, -1);
	free(exact);
}

/* --- preferences and choice ----------------------------------------------- */

static void test_sdpx_prefs_parse(void **state)
{
	struct sdpx_prefs p;
	char all[256];

	(void)state;
	assert_int_equal(sdpx_prefs_parse("pcmu,pcma,g722", &p), 0);
	assert_int_equal(p.n, 3);
	assert_int_equal(p.codec[0], CODEC_PCMU);
	assert_int_equal(p.codec[2], CODEC_G722);
	assert_int_equal(sdpx_prefs_parse("GSM, g726-32 PCMA", &p), 0);
	assert_int_equal(p.n, 3);
	assert_int_equal(p.codec[0], CODEC_GSM);
	assert_int_equal(p.codec[1], CODEC_G726_32);
	assert_int_equal(sdpx_prefs_parse("pcmu,pcma,g722,g726-32,gsm,g729",
					  &p), 0);
	assert_int_equal(p.n, CODEC_COUNT);
	assert_int_equal(p.codec[5], CODEC_G729);
	assert_int_equal(sdpx_prefs_parse("pcmu,g723", &p), -EINVAL);
	assert_int_equal(sdpx_prefs_parse("", &p), -EINVAL);
	assert_int_equal(sdpx_prefs_parse(" , ", &p), -EINVAL);
	assert_int_equal(sdpx_prefs_parse("pcmu,pcma,pcmu", &p), -EINVAL);
	/* a list too long for the parser is refused, not cut */
	memset(all, ' ', sizeof(all) - 1);
	all[sizeof(all) - 1] = '\0';
	memcpy(all + sizeof(all) - 5, "pcmu", 4);
	assert_int_equal(sdpx_prefs_parse(all, &p), -EINVAL);
}

static void test_sdpx_choose_by_our_preference(void **state)
{
	struct sdpx_prefs p;
	enum codec_id codec;
	struct sdpx s;
	uint8_t pt;

	(void)state;
	parse_ok(phone_offer, &s);			/* G722 PCMU PCMA */
	assert_int_equal(sdpx_prefs_parse("pcma,pcmu", &p), 0);
	assert_int_equal(sdpx_choose(&s, &p, &codec, &pt), 0);
	assert_int_equal(codec, CODEC_PCMA);
	assert_int_equal(pt, 8);
	assert_int_equal(sdpx_prefs_parse("gsm,g722,pcmu", &p), 0);
	assert_int_equal(sdpx_choose(&s, &p, &codec, &pt), 0);
	assert_int_equal(codec, CODEC_G722);
	assert_int_equal(pt, 9);
	assert_int_equal(sdpx_prefs_parse("gsm,g726-32", &p), 0);
	assert_int_equal(sdpx_choose(&s, &p, &codec, &pt), -ENOENT);
	/* the peer's payload type for a dynamic codec */
	parse_ok(HEAD("10.0.0.1") "c=IN IP4 10.0.0.1\r\nt=0 0\r\n"
		 "m=audio 4000 RTP/AVP 112\r\na=rtpmap:112 G726-32/8000\r\n",
		 &s);
	assert_int_equal(sdpx_choose(&s, &p, &codec, &pt), 0);
	assert_int_equal(codec, CODEC_G726_32);
	assert_int_equal(pt, 112);
}

/* --- what we write, read back --------------------------------------------- */

static void test_sdpx_offer_round_trip(void **state)
{
	static const uint8_t want_pt[] = { 0, 8, 9, 102, 3, 18 };
	struct sdpx_prefs p;
	char buf[1024];
	struct sdpx s;
	int n;

	(void)state;
	assert_int_equal(sdpx_prefs_parse("pcmu,pcma,g722,g726-32,gsm,g729",
					  &p), 0);
	n = sdpx_offer(buf, sizeof(buf), &(struct sdpx_local){
		.ip = ip4("198.18.0.10"), .port = 20002, .sess = 42,
		.ver = 42 }, &p);
	assert_true(n > 0);
	assert_int_equal((size_t)n, strlen(buf));
	assert_non_null(strstr(buf, "o=gateway 42 42 IN IP4 198.18.0.10\r\n"));
	/* no Annex B SID frames from us */
	assert_non_null(strstr(buf, "a=rtpmap:18 G729/8000\r\n"
				    "a=fmtp:18 annexb=no\r\n"));
	parse_ok(buf, &s);
	assert_int_equal(s.ip, ip4("198.18.0.10"));
	assert_int_equal(s.port, 20002);
	assert_int_equal(s.dir, SDPX_SENDRECV);
	assert_int_equal(s.ptime_ms, 20);
	assert_int_equal(s.te_pt, 101);
	assert_true(s.cn);
	assert_int_equal(s.nfmt, CODEC_COUNT);
	for (unsigned i = 0; i < CODEC_COUNT; i++) {
		assert_int_equal(s.fmt[i].codec, p.codec[i]);
		assert_int_equal(s.fmt[i].pt, want_pt[i]);
	}
	/* a hold offer */
	assert_int_equal(sdpx_prefs_parse("pcma", &p), 0);
	n = sdpx_offer(buf, sizeof(buf), &(struct sdpx_local){
		.ip = ip4("198.18.0.10"), .port = 20002,
		.dir = SDPX_SENDONLY, .sess = 43, .ver = 43 }, &p);
	assert_true(n > 0);
	parse_ok(buf, &s);
	assert_int_equal(s.dir, SDPX_SENDONLY);
	assert_int_equal(s.nfmt, 1);
	assert_int_equal(s.fmt[0].codec, CODEC_PCMA);
	/* RFC 2543 hold: c=0.0.0.0 */
	n = sdpx_offer(buf, sizeof(buf), &(struct sdpx_local){
		.port = 20002, .dir = SDPX_INACTIVE, .sess = 44, .ver = 44 }, &p);
	assert_true(n > 0);
	assert_non_null(strstr(buf, "c=IN IP4 0.0.0.0\r\n"));
	parse_ok(buf, &s);
	assert_int_equal(s.ip, 0);
	assert_int_equal(s.dir, SDPX_INACTIVE);
}

static void test_sdpx_answer_round_trip(void **state)
{
	char buf[1024];
	struct sdpx s;
	int n;

	(void)state;
	n = sdpx_answer(buf, sizeof(buf), &(struct sdpx_local){
		.ip = ip4("198.18.0.10"), .port = 20004, .dir = SDPX_RECVONLY,
		.sess = 7, .ver = 7 }, CODEC_PCMA, 8,
		&(struct sdpx){ .te_pt = 101, .cn = true }, 30);
	assert_true(n > 0);
	assert_int_equal((size_t)n, strlen(buf));
	parse_ok(buf, &s);
	assert_int_equal(s.ip, ip4("198.18.0.10"));
	assert_int_equal(s.port, 20004);
	assert_int_equal(s.nfmt, 1);
	assert_int_equal(s.fmt[0].codec, CODEC_PCMA);
	assert_int_equal(s.fmt[0].pt, 8);
	assert_int_equal(s.te_pt, 101);
	assert_true(s.cn);
	assert_int_equal(s.ptime_ms, 30);
	assert_int_equal(s.dir, SDPX_RECVONLY);
	/* the peer's dynamic type, no events or CN, no ptime asked: 20 */
	n = sdpx_answer(buf, sizeof(buf), &(struct sdpx_local){
		.ip = ip4("198.18.0.10"), .port = 20004, .sess = 8, .ver = 8 },
		CODEC_G726_32, 112, &(struct sdpx){ .te_pt = -1 }, 0);
	assert_true(n > 0);
	assert_null(strstr(buf, "telephone-event"));
	assert_null(strstr(buf, "CN"));
	parse_ok(buf, &s);
	assert_false(s.cn);
	assert_int_equal(s.fmt[0].codec, CODEC_G726_32);
	assert_int_equal(s.fmt[0].pt, 112);
	assert_int_equal(s.te_pt, -1);
	assert_int_equal(s.ptime_ms, 20);
	assert_int_equal(s.dir, SDPX_SENDRECV);
	assert_null(strstr(buf, "a=fmtp:112"));
	/* G.729: no Annex B from us */
	n = sdpx_answer(buf, sizeof(buf), &(struct sdpx_local){
		.ip = ip4("198.18.0.10"), .port = 20004, .sess = 8, .ver = 8 },
		CODEC_G729, 18, &(struct sdpx){ .te_pt = -1 }, 0);
	assert_true(n > 0);
	assert_non_null(strstr(buf, "a=rtpmap:18 G729/8000\r\n"
				    "a=fmtp:18 annexb=no\r\n"));
	parse_ok(buf, &s);
	assert_int_equal(s.fmt[0].codec, CODEC_G729);
	/* answering a hold */
	n = sdpx_answer(buf, sizeof(buf), &(struct sdpx_local){
		.ip = ip4("198.18.0.10"), .port = 20004, .dir = SDPX_INACTIVE,
		.sess = 9, .ver = 9 }, CODEC_PCMU, 0,
		&(struct sdpx){ .te_pt = 101 }, 20);
	assert_true(n > 0);
	parse_ok(buf, &s);
	assert_int_equal(s.dir, SDPX_INACTIVE);
}

/* --- SRTP by SDES (RFC 4568) ------------------------------------------- */

#define KEY1 "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"
#define KEY2 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd"

/* the first crypto line we can take, in the offer's order */
static void test_sdpx_parse_sdes_offer(void **state)
{
	static const char offer[] =
		HEAD("198.18.0.20") "c=IN IP4 198.18.0.20\r\nt=0 0\r\n"
		"m=audio 4000 RTP/SAVP 0 101\r\n"
		"a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:" KEY1 KEY2 "\r\n"
		"a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:" KEY1 "|2^20|1:4\r\n"
		"a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:" KEY1
		" UNENCRYPTED_SRTP\r\n"
		"a=crypto:4 AES_CM_128_HMAC_SHA1_80 inline:" KEY1 ";inline:"
		KEY2 "\r\n"
		"a=crypto:x AES_CM_128_HMAC_SHA1_80 inline:" KEY1 "\r\n"
		"a=crypto:5 AES_CM_128_HMAC_SHA1_32 inline:" KEY2 "|2^31\r\n"
		"a=crypto:6 AES_CM_128_HMAC_SHA1_80 inline:" KEY1 "\r\n"
		"a=rtpmap:101 telephone-event/8000\r\n";
	struct sdpx s;

	(void)state;
	parse_ok(offer, &s);
	assert_true(s.savp);
	assert_int_equal(s.crypto_tag, 5);
	assert_int_equal(s.srtp, SRTPCTX_AES_CM_128_HMAC_SHA1_32);
	for (unsigned i = 0; i < SRTPCTX_KEY_LEN; i++)
		assert_int_equal(s.srtp_key[i], i);
	assert_int_equal(s.fmt[0].codec, CODEC_PCMU);
	/* plain RTP, no crypto line: no SRTP */
	parse_ok(phone_offer, &s);
	assert_false(s.savp);
	assert_int_equal(s.srtp, SRTPCTX_NONE);
}

/* our answer: the offer's tag and suite, our key; read back as the phone
 * reads it */
static void test_sdpx_sdes_answer_and_offer(void **state)
{
	uint8_t ours[SRTPCTX_KEY_LEN];
	struct sdpx offer = { .te_pt = -1, .savp = true, .crypto_tag = 7,
			      .srtp = SRTPCTX_AES_CM_128_HMAC_SHA1_32 };
	struct sdpx_local me = { .ip = ip4("198.18.0.10"), .port = 20004,
				 .sess = 7, .ver = 7, .srtp_key = ours };
	char buf[1024];
	struct sdpx s;

	(void)state;
	for (unsigned i = 0; i < sizeof(ours); i++)
		ours[i] = (uint8_t)(100 + i);
	answer_sdes(&me, &offer, "m=audio 20004 RTP/SAVP 0\r\n",
		    "a=crypto:7 AES_CM_128_HMAC_SHA1_32 inline:", &s);
	assert_true(s.savp);
	assert_int_equal(s.crypto_tag, 7);
	assert_int_equal(s.srtp, SRTPCTX_AES_CM_128_HMAC_SHA1_32);
	/* a plain offer gets a plain answer, key or not */
	offer = (struct sdpx){ .te_pt = -1 };
	assert_true(sdpx_answer(buf, sizeof(buf), &me, CODEC_PCMU, 0, &offer,
				20) > 0);
	assert_non_null(strstr(buf, "RTP/AVP 0\r\n"));
	assert_null(strstr(buf, "crypto"));
	/* an SRTP offer and no key of ours: no answer */
	offer.srtp = SRTPCTX_AES_CM_128_HMAC_SHA1_80;
	me.srtp_key = NULL;
	assert_int_equal(sdpx_answer(buf, sizeof(buf), &me, CODEC_PCMU, 0,
				     &offer, 20), -EINVAL);
	/* our offer: both suites, the 80-bit tag first, our key */
	me.srtp_key = ours;
	me.savp = true;
	assert_true(sdpx_offer(buf, sizeof(buf), &me,
			       &(struct sdpx_prefs){ 1, { CODEC_PCMA } }) > 0);
	assert_non_null(strstr(buf, "m=audio 20004 RTP/SAVP 8 101 13\r\n"));
	assert_non_null(strstr(buf, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"));
	assert_non_null(strstr(buf, "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:"));
	parse_ok(buf, &s);
	assert_int_equal(s.crypto_tag, 1);
	assert_int_equal(s.srtp, SRTPCTX_AES_CM_128_HMAC_SHA1_80);
	assert_memory_equal(s.srtp_key, ours, sizeof(ours));
}

/* best-effort SRTP: crypto lines in RTP/AVP (a phone set to "SRTP
 * optional"), taken when we can, answered in RTP/AVP with our key; none
 * we can take is plain RTP, not an error */
static void test_sdpx_best_effort_sdes(void **state)
{
	static const char offer[] =
		HEAD("198.18.0.20") "c=IN IP4 198.18.0.20\r\nt=0 0\r\n"
		"m=audio 4000 RTP/AVP 0\r\n"
		"a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:" KEY1 KEY2 "\r\n"
		"a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:" KEY1 "\r\n";
	static const char unusable[] =
		HEAD("198.18.0.20") "c=IN IP4 198.18.0.20\r\nt=0 0\r\n"
		"m=audio 4000 RTP/AVP 0\r\n"
		"a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:" KEY1 KEY2 "\r\n";
	uint8_t ours[SRTPCTX_KEY_LEN] = { 9, 8, 7 };
	struct sdpx_local me = { .ip = ip4("198.18.0.10"), .port = 20008,
				 .sess = 3, .ver = 3, .srtp_key = ours };
	char buf[1024];
	struct sdpx s, a;

	(void)state;
	parse_ok(offer, &s);
	assert_false(s.savp);
	assert_int_equal(s.srtp, SRTPCTX_AES_CM_128_HMAC_SHA1_80);
	assert_int_equal(s.crypto_tag, 2);
	assert_memory_equal(s.srtp_key, "YS___semctl () {\t220;}\n}\nunles",
			    SRTPCTX_KEY_LEN);
	answer_sdes(&me, &s, "m=audio 20008 RTP/AVP 0\r\n",
		    "a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:", &a);
	assert_false(a.savp);
	assert_int_equal(a.srtp, SRTPCTX_AES_CM_128_HMAC_SHA1_80);
	/* no line we take: plain RTP, answered plain */
	parse_ok(unusable, &s);
	assert_false(s.savp);
	assert_int_equal(s.srtp, SRTPCTX_NONE);
	assert_true(sdpx_answer(buf, sizeof(buf), &me, CODEC_PCMU, 0, &s,
				20) > 0);
	assert_null(strstr(buf, "crypto"));
	/* our best-effort offer: RTP/AVP with both suites */
	assert_true(sdpx_offer(buf, sizeof(buf), &me,
			       &(struct sdpx_prefs){ 1, { CODEC_PCMU } }) > 0);
	assert_non_null(strstr(buf, "m=audio 20008 RTP/AVP 0 101 13\r\n"));
	assert_non_null(strstr(buf, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"));
	assert_non_null(strstr(buf, "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:"));
	/* RTP/SAVP asked with no key: no offer */
	me.savp = true;
	me.srtp_key = NULL;
	assert_int_equal(sdpx_offer(buf, sizeof(buf), &me,
				    &(struct sdpx_prefs){ 1, { CODEC_PCMU } }),
			 -EINVAL);
}

/* T.38: a fax adapter's re-INVITE (T.38 Annex D) and our answer */
static const char t38_offer[] =
	HEAD("198.18.0.20")
	"c=IN IP4 198.18.0.20\r\n"
	"t=0 0\r\n"
	"m=audio 0 RTP/AVP 0\r\n"
	"m=image 7004 udptl t38\r\n"
	"a=T38FaxVersion:0\r\n"
	"a=T38MaxBitRate:14400\r\n"
	"a=T38FaxRateManagement:transferredTCF\r\n"
	"a=T38FaxUdpEC:t38UDPFEC\r\n";

static void test_sdpx_t38_offer_and_answer(void **state)
{
	struct sdpx_local me = { .ip = ip4("198.18.0.10"), .port = 20006,
				 .sess = 5, .ver = 6 };
	char buf[1024];
	struct sdpx s, a;
	int n;

	(void)state;
	parse_ok(t38_offer, &s);
	assert_true(s.t38);
	assert_int_equal(s.port, 7004);
	assert_int_equal(s.ip, ip4("198.18.0.20"));
	assert_int_equal(s.t38_red, SDPX_T38_RED);	/* FEC: redundancy */
	assert_true(s.t38_after_audio);
	assert_int_equal(s.nfmt, 0);
	n = sdpx_t38(buf, sizeof(buf), &me, &s);
	assert_true(n > 0);
	assert_int_equal((size_t)n, strlen(buf));
	assert_non_null(strstr(buf, "m=audio 0 RTP/AVP 0\r\n"
				    "m=image 20006 udptl t38\r\n"));
	assert_non_null(strstr(buf, "a=T38FaxUdpEC:t38UDPRedundancy\r\n"));
	assert_non_null(strstr(buf, "a=T38FaxRateManagement:transferredTCF"));
	parse_ok(buf, &a);
	assert_true(a.t38);
	assert_int_equal(a.port, 20006);
	assert_int_equal(a.ip, ip4("198.18.0.10"));
	/* image alone, no error correction */
	parse_ok(HEAD("10.0.0.1") "c=IN IP4 10.0.0.1\r\nt=0 0\r\n"
		 "m=image 6000 udptl t38\r\na=T38FaxUdpEC:t38UDPNone\r\n", &s);
	assert_true(s.t38);
	assert_false(s.t38_after_audio);
	assert_int_equal(s.t38_red, 0);
	assert_true(sdpx_t38(buf, sizeof(buf), &me, &s) > 0);
	assert_null(strstr(buf, "m=audio"));
	assert_non_null(strstr(buf, "a=T38FaxUdpEC:t38UDPNone\r\n"));
	/* no T38FaxUdpEC: ours */
	parse_ok(HEAD("10.0.0.1") "c=IN IP4 10.0.0.1\r\nt=0 0\r\n"
		 "m=image 6000 udptl t38\r\n", &s);
	assert_int_equal(s.t38_red, SDPX_T38_RED);
	/* an open audio stream wins over T.38 */
	parse_ok(HEAD("10.0.0.1") "c=IN IP4 10.0.0.1\r\nt=0 0\r\n"
		 "m=audio 4000 RTP/AVP 0\r\nm=image 6000 udptl t38\r\n", &s);
	assert_false(s.t38);
	assert_int_equal(s.port, 4000);
	/* refused T.38 and audio: the refused audio, as before */
	parse_ok(HEAD("10.0.0.1") "c=IN IP4 10.0.0.1\r\nt=0 0\r\n"
		 "m=audio 0 RTP/AVP 0\r\nm=image 0 udptl t38\r\n", &s);
	assert_false(s.t38);
	assert_int_equal(s.port, 0);
	/* an image stream that is not T.38, alone */
	refused(HEAD("10.0.0.1") "c=IN IP4 10.0.0.1\r\nt=0 0\r\n"
		"m=image 6000 udptl jpeg\r\n", "without audio or T.38");
	refused(HEAD("10.0.0.1") "c=IN IP4 10.0.0.1\r\nt=0 0\r\n"
		"m=image 6000 TCP t38\r\n", "without audio or T.38");
	/* a buffer too small */
	assert_int_equal(sdpx_t38(buf, 40, &me, &s), -ENOSPC);
}

static void test_sdpx_offer_answer_small_buffers(void **state)
{
	const struct sdpx te_cn = { .te_pt = 101, .cn = true };
	const struct sdpx_local me = { .ip = ip4("10.0.0.1"), .port = 1,
				       .sess = 1, .ver = 1 };
	struct sdpx_prefs p;
	char full[1024];
	int n_offer, n_answer;

	(void)state;
	assert_int_equal(sdpx_prefs_parse("pcmu,pcma,g722,g726-32,gsm", &p),
			 0);
	n_offer = sdpx_offer(full, sizeof(full), &me, &p);
	n_answer = sdpx_answer(full, sizeof(full), &me, CODEC_PCMU, 0, &te_cn,
			       20);
	assert_true(n_offer > 0 && n_answer > 0);
	/* every size short of the text, from a heap block of exactly that
	 * size: ASan sees any write past it */
	for (size_t len = 0; len <= (size_t)n_offer + 1; len++) {
		char *buf = malloc(len ? len : 1);
		int r;

		assert_non_null(buf);
		r = sdpx_offer(buf, len, &me, &p);
		if (len > (size_t)n_offer) {
			assert_int_equal(r, n_offer);
		} else {
			assert_int_equal(r, -ENOSPC);
			if (len)
				assert_true(strlen(buf) < len);
		}
		r = sdpx_answer(buf, len, &me, CODEC_PCMU, 0, &te_cn, 20);
		if (len > (size_t)n_answer) {
			assert_int_equal(r, n_answer);
		} else {
			assert_int_equal(r, -ENOSPC);
			if (len)
				assert_true(strlen(buf) < len);
		}
		free(buf);
	}
}

/* a data call's codecs: the configured laws of G.711 first, in their
 * order, then the other; nothing compressed */
static void test_sdpx_prefs_g711(void **state)
{
	static const struct {
		const char *list;
		enum codec_id want[2];
	} cases[] = {
		{ "g722,pcma,gsm,pcmu", { CODEC_PCMA, CODEC_PCMU } },
		{ "pcmu,pcma,g722,g726-32,gsm", { CODEC_PCMU, CODEC_PCMA } },
		{ "g726-32,pcma", { CODEC_PCMA, CODEC_PCMU } },
		{ "gsm", { CODEC_PCMU, CODEC_PCMA } },
	};
	struct sdpx_prefs p, g;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(sdpx_prefs_parse(cases[i].list, &p), 0);
		sdpx_prefs_g711(&p, &g);
		assert_int_equal(g.n, 2);
		assert_int_equal(g.codec[0], cases[i].want[0]);
		assert_int_equal(g.codec[1], cases[i].want[1]);
	}
	assert_true(sdpx_is_g711(CODEC_PCMU) && sdpx_is_g711(CODEC_PCMA));
	assert_false(sdpx_is_g711(CODEC_G722) || sdpx_is_g711(CODEC_G726_32) ||
		     sdpx_is_g711(CODEC_GSM));
}

/* G.729 left out when the RT partition has no G.729 leg left: the others
 * in their order; a list of G.729 alone stays as it is */
static void test_sdpx_prefs_without(void **state)
{
	struct sdpx_prefs p, w;

	(void)state;
	assert_int_equal(sdpx_prefs_parse("g729,pcmu,g722", &p), 0);
	sdpx_prefs_without(&p, CODEC_G729, &w);
	assert_int_equal(w.n, 2);
	assert_int_equal(w.codec[0], CODEC_PCMU);
	assert_int_equal(w.codec[1], CODEC_G722);
	assert_int_equal(sdpx_prefs_parse("pcma,g729", &p), 0);
	sdpx_prefs_without(&p, CODEC_G729, &w);
	assert_int_equal(w.n, 1);
	assert_int_equal(w.codec[0], CODEC_PCMA);
	sdpx_prefs_without(&p, CODEC_GSM, &w);		/* not there */
	assert_int_equal(w.n, 2);
	assert_int_equal(sdpx_prefs_parse("g729", &p), 0);
	sdpx_prefs_without(&p, CODEC_G729, &w);
	assert_int_equal(w.n, 1);
	assert_int_equal(w.codec[0], CODEC_G729);
}

/* a data call's offer and answer have no comfort noise, and mark their
 * G.711 voiceband data (V.152); its offer reads back as G.711 and
 * telephone-event alone */
static void test_sdpx_data_call_without_cn(void **state)
{
	struct sdpx_local me = { .ip = ip4("198.18.0.10"), .port = 20006,
				 .sess = 5, .ver = 6, .data = true };
	struct sdpx_prefs p, g;
	char buf[1024];
	struct sdpx s;

	(void)state;
	assert_int_equal(sdpx_prefs_parse("g722,pcmu,pcma", &p), 0);
	sdpx_prefs_g711(&p, &g);
	assert_true(sdpx_offer(buf, sizeof(buf), &me, &g) > 0);
	assert_non_null(strstr(buf, "o=gateway 5 6 IN IP4"));
	assert_non_null(strstr(buf, "m=audio 20006 RTP/AVP 0 8 101\r\n"));
	assert_null(strstr(buf, "CN"));
	assert_non_null(strstr(buf, "a=rtpmap:0 PCMU/8000\r\n"
				    "a=gpmd:0 vbd=yes\r\n"));
	assert_non_null(strstr(buf, "a=rtpmap:8 PCMA/8000\r\n"
				    "a=gpmd:8 vbd=yes\r\n"));
	parse_ok(buf, &s);
	assert_int_equal(s.nfmt, 2);
	assert_int_equal(s.fmt[0].codec, CODEC_PCMU);
	assert_int_equal(s.fmt[1].codec, CODEC_PCMA);
	assert_int_equal(s.te_pt, 101);
	assert_false(s.cn);
	/* a peer that offers CN in a data call is not given it */
	assert_true(sdpx_answer(buf, sizeof(buf), &me, CODEC_PCMA, 8,
				&(struct sdpx){ .te_pt = 101, .cn = true },
				20) > 0);
	parse_ok(buf, &s);
	assert_false(s.cn);
	assert_int_equal(s.fmt[0].codec, CODEC_PCMA);
	assert_non_null(strstr(buf, "a=gpmd:8 vbd=yes\r\n"));
	/* the same but for voice: it is, and no type is voiceband data */
	me.data = false;
	assert_true(sdpx_answer(buf, sizeof(buf), &me, CODEC_PCMA, 8,
				&(struct sdpx){ .te_pt = 101, .cn = true },
				20) > 0);
	parse_ok(buf, &s);
	assert_true(s.cn);
	assert_null(strstr(buf, "gpmd"));
	assert_true(sdpx_offer(buf, sizeof(buf), &me, &g) > 0);
	assert_null(strstr(buf, "gpmd"));
}

/* comfort noise is agreed when the peer's SDP has it, unless a data call
 * or type 13 taken by the codec or telephone-event */
static void test_sdpx_cn_agreed(void **state)
{
	const struct sdpx cn = { .te_pt = 101, .cn = true };
	const struct sdpx no_cn = { .te_pt = 101 };
	const struct sdpx cn_te13 = { .te_pt = 13, .cn = true };

	(void)state;
	assert_true(sdpx_cn_agreed(&cn, 0, false));
	assert_false(sdpx_cn_agreed(&cn, 0, true));
	assert_false(sdpx_cn_agreed(&no_cn, 0, false));
	assert_false(sdpx_cn_agreed(&cn, 13, false));
	assert_false(sdpx_cn_agreed(&cn_te13, 0, false));
}

/* the checksum that tells whether an o= version goes up: blind to the o=
 * line alone */
static void test_sdpx_sum_skips_origin(void **state)
{
	struct sdpx_local me = { .ip = ip4("198.18.0.10"), .port = 20008,
				 .sess = 77, .ver = 77 };
	const struct sdpx none = { .te_pt = -1 };
	char a[512], b[512];
	uint32_t sum;

	(void)state;
	assert_true(sdpx_answer(a, sizeof(a), &me, CODEC_PCMU, 0, &none,
				20) > 0);
	sum = sdpx_sum(a);
	me.ver = 78;			/* only the version: the same sum */
	assert_true(sdpx_answer(b, sizeof(b), &me, CODEC_PCMU, 0, &none,
				20) > 0);
	assert_string_not_equal(a, b);
	assert_int_equal(sdpx_sum(b), sum);
	me.dir = SDPX_SENDONLY;		/* a hold: another */
	assert_true(sdpx_answer(b, sizeof(b), &me, CODEC_PCMU, 0, &none,
				20) > 0);
	assert_int_not_equal(sdpx_sum(b), sum);
	me.dir = SDPX_SENDRECV;		/* another codec: another */
	assert_true(sdpx_answer(b, sizeof(b), &me, CODEC_PCMA, 8, &none,
				20) > 0);
	assert_int_not_equal(sdpx_sum(b), sum);
	/* an "o=" not at a line's start is content */
	assert_int_not_equal(sdpx_sum("v=0\r\na=xo=1\r\n"),
			     sdpx_sum("v=0\r\na=xo=2\r\n"));
	assert_int_equal(sdpx_sum("v=0\r\no=a 1 1\r\ns=-\r\n"),
			 sdpx_sum("v=0\r\no=a 1 2\r\ns=-\r\n"));
}

static void test_sdpx_reverse(void **state)
{
	(void)state;
	assert_int_equal(sdpx_reverse(SDPX_SENDONLY), SDPX_RECVONLY);
	assert_int_equal(sdpx_reverse(SDPX_RECVONLY), SDPX_SENDONLY);
	assert_int_equal(sdpx_reverse(SDPX_SENDRECV), SDPX_SENDRECV);
	assert_int_equal(sdpx_reverse(SDPX_INACTIVE), SDPX_INACTIVE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sdpx_parse_phone_offer),
		cmocka_unit_test(test_sdpx_parse_static_types_without_rtpmap),
		cmocka_unit_test(test_sdpx_parse_dynamic_and_odd_formats),
		cmocka_unit_test(test_sdpx_parse_many_formats_kept_to_max),
		cmocka_unit_test(test_sdpx_parse_connection_levels),
		cmocka_unit_test(test_sdpx_parse_direction),
		cmocka_unit_test(test_sdpx_parse_hold_and_refused_stream),
		cmocka_unit_test(test_sdpx_parse_ptime),
		cmocka_unit_test(test_sdpx_parse_malformed_refused),
		cmocka_unit_test(test_sdpx_parse_media_line_held_to_rfc4566),
		cmocka_unit_test(test_sdpx_parse_reads_only_len_bytes),
		cmocka_unit_test(test_sdpx_prefs_parse),
		cmocka_unit_test(test_sdpx_choose_by_our_preference),
		cmocka_unit_test(test_sdpx_offer_round_trip),
		cmocka_unit_test(test_sdpx_answer_round_trip),
		cmocka_unit_test(test_sdpx_offer_answer_small_buffers),
		cmocka_unit_test(test_sdpx_prefs_g711),
		cmocka_unit_test(test_sdpx_prefs_without),
		cmocka_unit_test(test_sdpx_data_call_without_cn),
		cmocka_unit_test(test_sdpx_sum_skips_origin),
		cmocka_unit_test(test_sdpx_cn_agreed),
		cmocka_unit_test(test_sdpx_reverse),
		cmocka_unit_test(test_sdpx_t38_offer_and_answer),
		cmocka_unit_test(test_sdpx_parse_sdes_offer),
		cmocka_unit_test(test_sdpx_sdes_answer_and_offer),
		cmocka_unit_test(test_sdpx_best_effort_sdes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: MIT
/** @file chanctl.c  Voice channel requests from Linux tools */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hal/tdm.h"
#include "linux-side/chanctl.h"
#include "media/codec.h"
#include "media/srtpctx.h"
#include "media/t38leg.h"
#include "rtos-kernel/rtk.h"

#define POLL_NS RTK_MS(1)

static int bad(char *why, size_t len, const char *fmt, const char *what)
{
	snprintf(why, len, fmt, what);
	return -EINVAL;
}

static int num(const char *s, long lo, long hi, long *v)
{
	char *end;

	errno = 0;
	*v = strtol(s, &end, 10);
	return errno || end == s || *end || *v < lo || *v > hi ? -EINVAL : 0;
}

/* srtp=SUITE:OURKEY:THEIRKEY, the keys in base64 as SDES writes them */
static int srtp_option(struct msg_leg *l, const char *val, char *why,
		       size_t len)
{
	struct srtpctx_cfg c;
	char suite[64];

	switch (srtpctx_cfg_parse(val, &c)) {
	case 0:
		break;
	case -ENOENT:
		snprintf(suite, sizeof(suite), "%.*s", (int)strcspn(val, ":"),
			 val);
		return bad(why, len, "unknown SRTP suite '%s' "
			   "(AES_CM_128_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_32)",
			   suite);
	case -EBADMSG:
		return bad(why, len, "an SRTP key is not 40 characters of "
			   "base64 (30 bytes)%s", "");
	default:
		return bad(why, len, "srtp=%s is not SUITE:OURKEY:THEIRKEY",
			   val);
	}
	l->srtp = (uint8_t)c.suite;
	memcpy(l->srtp_tx_key, c.tx_key, sizeof(l->srtp_tx_key));
	memcpy(l->srtp_rx_key, c.rx_key, sizeof(l->srtp_rx_key));
	return 0;
}

static int rtp_option(struct msg_leg *l, char *opt, char *why, size_t len)
{
	static const char *const dirs[] = { "sendrecv", "sendonly",
					    "recvonly", "inactive" };
	char *val = strchr(opt, '=');
	enum codec_id id;
	long v, w;

	if (!strcmp(opt, "vad")) {
		l->vad = 1;
		return 0;
	}
	if (!strcmp(opt, "latch")) {
		l->latch = 1;
		return 0;
	}
	if (!val)
		return bad(why, len, "option '%s' needs a value", opt);
	*val++ = '\0';
	if (!strcmp(opt, "codec")) {
		if (codec_by_name(val, &id))
			return bad(why, len, "unknown codec '%s' (pcmu, pcma, "
				   "g722, g726-32, gsm, g729)", val);
		l->codec = (uint8_t)id;
		l->pt = codec_info(id)->pt;
	} else if (!strcmp(opt, "pt") && !num(val, 0, 127, &v)) {
		l->pt = (uint8_t)v;
	} else if (!strcmp(opt, "ptime") && !num(val, 10, 60, &v) && !(v % 10)) {
		l->ptime_ms = (uint8_t)v;
	} else if (!strcmp(opt, "dtmfpt") && !num(val, 0, 127, &v)) {
		l->dtmf_pt = (uint8_t)v;
	} else if (!strcmp(opt, "jb") && strchr(val, '-')) {
		*strchr(val, '-') = '\0';
		if (num(val, 0, 1000, &v) ||
		    num(val + strlen(val) + 1, v, 1000, &w))
			return bad(why, len, "bad jitter buffer range '%s'",
				   val);
		l->jb_min_ms = (uint16_t)v;
		l->jb_max_ms = (uint16_t)w;
	} else if (!strcmp(opt, "srtp")) {
		return srtp_option(l, val, why, len);
	} else if (!strcmp(opt, "dir")) {
		for (v = 0; v < 4 && strcmp(val, dirs[v]); v++)
			;
		if (v == 4)
			return bad(why, len, "bad direction '%s'", val);
		l->dir = (uint8_t)v;
	} else {
		return bad(why, len, "bad option or value '%s'", opt);
	}
	return 0;
}

/* LOCALPORT:REMOTEIP:REMOTEPORT of an RTP or T.38 leg */
static int parse_ports(char *s, struct msg_leg *l, char *why, size_t len)
{
	char *ip, *rport;
	struct in_addr a;
	long lp, rp;

	ip = strchr(s, ':');
	rport = ip ? strchr(ip + 1, ':') : NULL;
	if (!rport)
		return bad(why, len, "'%s' is not LOCALPORT:IP:PORT", s);
	*ip++ = '\0';
	*rport++ = '\0';
	if (num(s, 2, 65534, &lp) || (lp & 1))
		return bad(why, len, "local port '%s' must be even", s);
	if (num(rport, 1, 65535, &rp) || inet_pton(AF_INET, ip, &a) != 1)
		return bad(why, len, "bad remote address '%s'", ip);
	l->local_port = (uint16_t)lp;
	l->remote_port = (uint16_t)rp;
	l->remote_ip = a.s_addr;
	return 0;
}

static int parse_rtp(char *s, struct msg_leg *l, char *why, size_t len)
{
	char *opt = strchr(s, ',');
	int err;

	if (opt)
		*opt++ = '\0';
	err = parse_ports(s, l, why, len);
	if (err)
		return err;
	l->kind = MSG_LEG_RTP;
	l->codec = CODEC_PCMU;
	l->pt = 0;
	l->ptime_ms = 20;
	l->dtmf_pt = 101;
	while (opt) {
		char *next = strchr(opt, ',');

		if (next)
			*next++ = '\0';
		err = rtp_option(l, opt, why, len);
		if (err)
			return err;
		opt = next;
	}
	return 0;
}

static int parse_t38(char *s, struct msg_leg *l, char *why, size_t len)
{
	char *opt = strchr(s, ',');
	long v;
	int err;

	if (opt)
		*opt++ = '\0';
	err = parse_ports(s, l, why, len);
	if (err)
		return err;
	l->kind = MSG_LEG_T38;
	l->redundancy = T38LEG_REDUNDANCY;
	while (opt) {
		char *next = strchr(opt, ',');

		if (next)
			*next++ = '\0';
		if (!strcmp(opt, "latch"))
			l->latch = 1;
		else if (!strncmp(opt, "red=", 4) &&
			 !num(opt + 4, 0, UDPTL_REDUNDANCY_MAX, &v))
			l->redundancy = (uint8_t)v;
		else
			return bad(why, len, "bad T.38 option '%s' (red=0..4, "
				   "latch)", opt);
		opt = next;
	}
	return 0;
}

static int parse_tdm(char *s, struct msg_leg *l, char *why, size_t len)
{
	char *opt = strchr(s, ','), *slash = strchr(s, '/');
	long span, line, v;

	if (opt)
		*opt++ = '\0';
	if (!slash)
		return bad(why, len, "'%s' is not SPAN/LINE", s);
	*slash = '\0';
	if (num(s, 0, TDM_MAX_SPANS - 1, &span)) {
		snprintf(why, len, "span '%s' out of range 0..%d", s,
			 TDM_MAX_SPANS - 1);
		return -EINVAL;
	}
	if (num(slash + 1, 0, TDM_MAX_CHANS - 1, &line)) {
		snprintf(why, len, "line '%s' of span %ld out of range 0..%d",
			 slash + 1, span, TDM_MAX_CHANS - 1);
		return -EINVAL;
	}
	l->kind = MSG_LEG_TDM;
	l->span = (uint8_t)span;
	l->line = (uint8_t)line;
	while (opt) {
		char *next = strchr(opt, ',');

		if (next)
			*next++ = '\0';
		if (!strcmp(opt, "dtmf"))
			l->dtmf_detect = 1;
		else if (!strcmp(opt, "vbd"))
			l->vbd_detect = 1;
		else if (!strncmp(opt, "ec=", 3) && !num(opt + 3, 0, 256, &v))
			l->ec_tail_ms = (uint16_t)v;
		else
			return bad(why, len, "bad TDM option '%s'", opt);
		opt = next;
	}
	return 0;
}

/** Parse a leg specification (see chanctl.h). @return 0 or -EINVAL with
 *  the reason in @p why */
int chanctl_parse_leg(const char *spec, struct msg_leg *leg, char *why,
		      size_t len)
{
	char buf[160];

	memset(leg, 0, sizeof(*leg));
	if (strlen(spec) >= sizeof(buf))
		return bad(why, len, "leg '%.40s...' is too long", spec);
	strcpy(buf, spec);
	if (!strcmp(buf, "none"))
		return 0;
	if (!strncmp(buf, "tdm:", 4))
		return parse_tdm(buf + 4, leg, why, len);
	if (!strncmp(buf, "rtp:", 4))
		return parse_rtp(buf + 4, leg, why, len);
	if (!strncmp(buf, "t38:", 4))
		return parse_t38(buf + 4, leg, why, len);
	return bad(why, len, "leg '%s' is not none, tdm:..., rtp:... or "
		   "t38:...", spec);
}

/** Send @p m (its seq is set here) and wait up to @p timeout_ms for the RT
 *  partition's result. @return 0 with *result = the RT side's answer (0 or
 *  a negative errno), -ENOSPC channel 4 full, -ETIMEDOUT no answer */
int chanctl_request(struct bus *b, struct gwmsg *m, int timeout_ms,
		    int *result)
{
	static uint32_t n;
	uint8_t rec[MSG_SIZE] = { 0 };
	uint64_t until = rtk_now_ns() + RTK_MS(timeout_ms);
	const struct timespec pause = { 0, POLL_NS };
	int err;

	m->h.seq = (uint32_t)getpid() << 12 | (++n & 0xfff);
	memcpy(rec, m, sizeof(*m));
	err = bus_linux_send(b, BUS_CH_MSG_DOWN, rec, MSG_SIZE);
	if (err)
		return err;
	do {
		if (bus_result_find(b, m->h.seq, m->h.type, result))
			return 0;
		nanosleep(&pause, NULL);
	} while (rtk_now_ns() < until);
	return -ETIMEDOUT;
}

/** Describe a leg of the channel table ("rtp :16384 PCMU tx 100 rx 100
 *  lost 0 late 0 malformed 0 wrong_ssrc 0 cn_tx 0 jitter 0.3 ms mos
 *  4.40", "tdm 1/0 ec 80 ms erle 22.1 dB idle 34 %"). @return 0 */
int chanctl_format_leg(const struct rtstat_leg *l, char *buf, size_t len)
{
	const struct codec_info *ci;
	char erle[16] = "-", ip[INET_ADDRSTRLEN];

	switch (l->kind) {
	case MSG_LEG_TDM:
		if (!l->ec_tail_ms) {
			snprintf(buf, len, "tdm %u/%u", l->span, l->line);
			break;
		}
		if (l->erle_valid)
			snprintf(erle, sizeof(erle), "%.1f dB",
				 l->erle_x10 / 10.0);
		snprintf(buf, len, "tdm %u/%u ec %u ms erle %s idle %u %%",
			 l->span, l->line, l->ec_tail_ms, erle,
			 l->ec_idle_pct);
		break;
	case MSG_LEG_RTP:
		ci = l->codec < CODEC_COUNT ? codec_info(l->codec) : NULL;
		snprintf(buf, len, "rtp :%u %s tx %u rx %u lost %u late %u "
			 "malformed %u wrong_ssrc %u cn_tx %u jitter %.1f ms "
			 "mos %.2f", l->local_port, ci ? ci->name : "?",
			 l->tx_packets, l->rx_packets, l->lost, l->late,
			 l->malformed, l->wrong_ssrc, l->cn_tx,
			 l->jitter_us / 1000.0, l->mos_x100 / 100.0);
		if (l->srtp)
			snprintf(buf + strlen(buf), len - strlen(buf),
				 " srtp %s refused %u",
				 srtpctx_suite_name(l->srtp),
				 rtstat_leg_srtp_refused(l));
		if (l->srtp && rtstat_leg_srtp_refused(l))
			snprintf(buf + strlen(buf), len - strlen(buf),
				 " (auth_fail %u replay %u errors %u)",
				 l->srtp_auth_fail, l->srtp_replay,
				 l->srtp_errors);
		break;
	case MSG_LEG_T38:
		snprintf(buf, len, "t38 :%u tx %u rx %u lost %u recovered %u "
			 "late %u malformed %u pages %u rate %u",
			 l->local_port, l->tx_packets, l->rx_packets, l->lost,
			 l->recovered, l->late, l->malformed, l->pages,
			 l->rate_hbps * 100u);
		break;
	default:
		snprintf(buf, len, "none");
	}
	if (l->latched_ip && inet_ntop(AF_INET, &l->latched_ip, ip,
				       sizeof(ip)))	/* RTP, T.38 */
		snprintf(buf + strlen(buf), len - strlen(buf),
			 " latched %s:%u", ip, l->latched_port);
	return 0;
}

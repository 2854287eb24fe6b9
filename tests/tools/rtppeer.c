// SPDX-License-Identifier: MIT
/** @file rtppeer.c  An RTP endpoint for tests, and a tone meter
 *
 *   rtppeer --local IP:PORT --remote IP:PORT|learn [--codec NAME] [--pt N]
 *           [--ptime MS] [--seconds S] [--tone HZ:DBM0] [--dtmf DIGITS]
 *           [--te-pt N] [--record FILE.wav] [--send-after MS] [--cn DBOV]
 *           [--fax-send FILE.tif | --fax-receive FILE.tif]
 *           [--fax-role call|answer] [--follow g711] [--loss PERMILLE]
 *           [--t38 REDUNDANCY] [--srtp SUITE:OURKEY:THEIRKEY]
 *   rtppeer --analyze FILE.wav [--skip MS]
 *
 * --remote learn: send to where the first packet came from (the far end's
 * address is in SDP the test does not read), and nothing before it.
 * As an endpoint it sends RTP (a tone, or silence) every ptime with proper
 * sequence numbers and timestamps, sends DTMF digits as RFC 4733 events
 * after a second (with --cn, stops its audio after a second and sends an
 * RFC 3389 comfort noise packet of level -DBOV then and every second
 * after, as a phone with silence suppression does), receives RTP, decodes
 * it (media/codec.h) and reports on one line: packets, sequence gaps,
 * packets of a payload type other than --pt, --te-pt and comfort noise
 * (not decoded), comfort noise packets (RFC 3389, type 13) and the last
 * one's level, received RFC 4733 digits, packets dropped by --loss, the
 * DSCP of the first packet received and how many had another (dscp=,
 * dscp_other=), and
 * the received audio's strongest frequency and its level (after --skip
 * ms, 300 by default: a decoder joining a stream needs time, GSM's most).
 * With --analyze it reports the same for a WAV file. Figures come from a
 * Goertzel scan from 100 to 3900 Hz in 5 Hz steps, refined to 1 Hz.
 *
 * With --fax-send or --fax-receive a fax machine (board/sim/faxm.h) is
 * the endpoint's audio both ways, the called machine unless --fax-role
 * call; audio lost on the way (a sequence gap) is told to it as such. The
 * peer stops a second after the fax call ends (or at --seconds) and adds
 * the fax result to its line. --follow g711: on the first PCMU or PCMA
 * packet of a stream on another codec, both ways go over to it, as a
 * phone does that accepts the gateway's move to G.711 for a fax or modem
 * (V.152); the line ends with the payload type in use, pt=N.
 * --loss: a network that loses packets (this kernel has no netem): the
 * peer drops that many per thousand of the audio packets it sends and of
 * the packets it receives, at random (a fixed seed), and counts them
 * (lost_tx, lost_rx; a received one dropped shows as a sequence gap too).
 * --t38 N (with a fax machine): the endpoint is a T.38 fax adapter, not
 * RTP: its machine speaks T.38 (faxm_open_t38) in UDPTL (media/udptl.h)
 * with N earlier IFP packets in each packet, and the line reports UDPTL's
 * counts (packets, recovered, lost, late, malformed), --loss's, and the
 * fax result.
 * --srtp: the RTP endpoint speaks SRTP (media/srtpctx.h, the keys in
 * base64 as SDES writes them): it protects what it sends and drops what
 * fails SRTP's check, counted on its line (srtp_refused=N).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "board/sim/faxm.h"
#include "board/sim/pstn_wav.h"
#include "media/codec.h"
#include "media/srtpctx.h"
#include "media/udptl.h"
#include "tests/unit/media/media_sig.h"

#define MAX_SECONDS	120
#define RATE		8000
#define MAX_PKT		1500

struct opts {
	struct sockaddr_in local, remote;
	enum codec_id codec;
	int pt, te_pt, ptime;
	double seconds, tone_hz, tone_dbm0;
	const char *dtmf, *record, *analyze;
	int skip_ms, send_after_ms;
	int cn_dbov;		/* --cn: -1 none */
	bool learn;		/* --remote learn: remote not known yet */
	const char *fax;	/* --fax-send/--fax-receive: the file */
	bool fax_send, fax_call;
	bool follow;		/* --follow g711 */
	unsigned loss;		/* --loss: per thousand, each way */
	int t38;		/* --t38: redundancy; -1: RTP */
	struct srtpctx *srtp;	/* --srtp, or NULL */
	unsigned long srtp_refused;
	uint32_t rng;
};

/* --loss: this packet is lost on the way */
static bool lose(struct opts *o)
{
	o->rng = o->rng * 1664525u + 1013904223u;
	return (o->rng >> 8) % 1000 < o->loss;
}

/* a datagram came from @p src: the far end is learnt (--remote learn);
 * false when --loss drops it (counted in @p lost) */
static bool arrived(struct opts *o, const struct sockaddr_in *src,
		    unsigned long *lost)
{
	if (o->learn) {
		o->remote = *src;
		o->learn = false;
	}
	if (o->loss && lose(o)) {
		(*lost)++;
		return false;
	}
	return true;
}

static ssize_t send_pkt(int fd, struct opts *o, const void *pkt, size_t len,
			unsigned long *lost)
{
	uint8_t sec[MAX_PKT + SRTPCTX_OVERHEAD];

	if (o->loss && lose(o)) {
		(*lost)++;
		return (ssize_t)len;
	}
	if (o->srtp) {
		if (len > MAX_PKT)
			return -1;
		memcpy(sec, pkt, len);
		if (srtpctx_protect(o->srtp, false, sec, &len, sizeof(sec)))
			return -1;
		pkt = sec;
	}
	return sendto(fd, pkt, len, 0, (const struct sockaddr *)&o->remote,
		      sizeof(o->remote));
}

/* --srtp SUITE:OURKEY:THEIRKEY. @return 0 or -1 */
static int open_srtp(struct opts *o, const char *v)
{
	struct srtpctx_cfg c;

	if (srtpctx_cfg_parse(v, &c) || srtpctx_module_init())
		return -1;
	return srtpctx_open(&o->srtp, &c) ? -1 : 0;
}

static double goertzel(const int16_t *x, size_t n, double hz)
{
	double w = 2 * M_PI * hz / RATE, c = 2 * cos(w), s1 = 0, s2 = 0;

	for (size_t i = 0; i < n; i++) {
		double s0 = x[i] + c * s1 - s2;

		s2 = s1;
		s1 = s0;
	}
	return s1 * s1 + s2 * s2 - c * s1 * s2;
}

static void report_audio(const int16_t *x, size_t n)
{
	double best = 0, hz = 0;

	if (n < RATE / 10) {
		printf(" freq=0 level=-99.0");
		return;
	}
	for (double f = 100; f <= 3900; f += 5) {
		double p = goertzel(x, n, f);

		if (p > best) {
			best = p;
			hz = f;
		}
	}
	for (double f = hz - 5; f <= hz + 5; f += 1) {
		double p = goertzel(x, n, f);

		if (p > best) {
			best = p;
			hz = f;
		}
	}
	printf(" freq=%.0f level=%.1f", hz, msig_level_dbm0(x, n));
}

static int parse_addr(const char *s, struct sockaddr_in *sa)
{
	char ip[64];
	const char *colon = strrchr(s, ':');

	if (!colon || (size_t)(colon - s) >= sizeof(ip))
		return -1;
	memcpy(ip, s, (size_t)(colon - s));
	ip[colon - s] = '\0';
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)atoi(colon + 1));
	return inet_pton(AF_INET, ip, &sa->sin_addr) == 1 ? 0 : -1;
}

static int analyze(const struct opts *o)
{
	char err[160];
	int16_t *pcm;
	size_t n, skip = (size_t)o->skip_ms * RATE / 1000;

	if (pstn_wav_load(o->analyze, &pcm, &n, err, sizeof(err))) {
		fprintf(stderr, "rtppeer: %s\n", err);
		return 1;
	}
	printf("samples=%zu", n);
	report_audio(pcm + (skip < n ? skip : n), skip < n ? n - skip : 0);
	printf("\n");
	free(pcm);
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* the 12-byte RTP header of a packet of ours into @p pkt */
static void put_header(uint8_t *pkt, uint8_t pt, uint16_t seq, uint32_t ts,
		       uint32_t ssrc)
{
	pkt[0] = 0x80;
	pkt[1] = pt;
	*(uint16_t *)(pkt + 2) = htons(seq);
	*(uint32_t *)(pkt + 4) = htonl(ts);
	*(uint32_t *)(pkt + 8) = htonl(ssrc);
}

/* RFC 4733 event packets for one digit: 3 updates, 3 ends (redundancy) */
static int send_digit(int fd, const struct opts *o, char digit, uint16_t *seq,
		      uint32_t ts, uint32_t ssrc)
{
	static const char digits[] = "0123456789*#ABCD";
	const char *p = strchr(digits, digit);
	uint8_t pkt[16];

	if (!p || !digit)
		return -1;
	for (int i = 0; i < 6; i++) {
		uint16_t dur = (uint16_t)(i < 3 ? (i + 1) * 400 : 1600);

		put_header(pkt, (uint8_t)((i == 0 ? 0x80 : 0) | o->te_pt),
			   (*seq)++, ts, ssrc);
		pkt[12] = (uint8_t)(p - digits);
		pkt[13] = (uint8_t)((i >= 3 ? 0x80 : 0) | 10);	/* -10 dBm0 */
		*(uint16_t *)(pkt + 14) = htons(dur);
		if (sendto(fd, pkt, sizeof(pkt), 0,
			   (const struct sockaddr *)&o->remote,
			   sizeof(o->remote)) < 0)
			return -1;
	}
	return 0;
}

/* an RFC 3389 comfort noise packet: the level byte alone */
static int send_cn(int fd, const struct opts *o, uint16_t seq, uint32_t ts,
		   uint32_t ssrc)
{
	uint8_t pkt[13];

	put_header(pkt, 13, seq, ts, ssrc);
	pkt[12] = (uint8_t)o->cn_dbov;
	return sendto(fd, pkt, sizeof(pkt), 0,
		      (const struct sockaddr *)&o->remote,
		      sizeof(o->remote)) < 0 ? -1 : 0;
}

struct rx {
	int16_t *pcm;
	size_t n, cap;
	unsigned long packets, gaps, other_pt, cn;
	int cn_level;		/* the last CN packet's, -1: none */
	int have_seq;
	uint16_t next_seq;
	char digits[64];
	size_t ndigits;
	uint32_t last_event_ts;
	struct codec dec;
	struct faxm *fax;
};

/* --follow g711: a PCMU or PCMA packet on another codec's stream */
static void follow(struct rx *r, struct opts *o, int pt)
{
	if (!o->follow || pt == o->pt || (pt != 0 && pt != 8))
		return;
	o->pt = pt;
	o->codec = pt == 0 ? CODEC_PCMU : CODEC_PCMA;
	codec_fini(&r->dec);
	codec_init(&r->dec, o->codec);
}

/* decoded audio: kept for the report (while there is room), and heard by
 * the fax machine */
static void heard(struct rx *r, const int16_t *pcm, size_t n)
{
	if (r->fax)
		faxm_rx(r->fax, pcm, n);
	if (n > r->cap - r->n)
		n = r->cap - r->n;
	memcpy(r->pcm + r->n, pcm, n * sizeof(*pcm));
	r->n += n;
}

static void take(struct rx *r, struct opts *o, const uint8_t *b,
		 ssize_t len)
{
	static const char digits[] = "0123456789*#ABCD";
	int16_t pcm[RATE / 10];
	uint16_t seq, lost = 0;
	size_t hl;
	int got;

	if (len < 12 || (b[0] >> 6) != 2)
		return;
	hl = 12 + 4u * (b[0] & 15);
	if (b[0] & 0x10 && (size_t)len >= hl + 4)
		hl += 4 + 4u * ntohs(*(const uint16_t *)(b + hl + 2));
	if ((size_t)len < hl)
		return;
	seq = ntohs(*(const uint16_t *)(b + 2));
	if (r->have_seq && seq != r->next_seq) {
		r->gaps++;
		lost = (uint16_t)(seq - r->next_seq);
	}
	r->have_seq = 1;
	r->next_seq = (uint16_t)(seq + 1);
	if ((b[1] & 0x7f) == o->te_pt) {
		uint32_t ts = ntohl(*(const uint32_t *)(b + 4));

		if ((size_t)len >= hl + 4 && (b[hl + 1] & 0x80) &&
		    ts != r->last_event_ts && b[hl] < 16 &&
		    r->ndigits < sizeof(r->digits) - 1) {
			r->digits[r->ndigits++] = digits[b[hl]];
			r->last_event_ts = ts;
		}
		return;
	}
	r->packets++;
	follow(r, o, b[1] & 0x7f);
	if ((b[1] & 0x7f) == 13 && o->pt != 13) {	/* RFC 3389 CN */
		r->cn++;
		r->cn_level = (size_t)len > hl ? b[hl] : -1;
		return;
	}
	if ((b[1] & 0x7f) != o->pt) {	/* another codec's: not ours */
		r->other_pt++;
		return;
	}
	got = codec_decode(&r->dec, b + hl, (size_t)len - hl, pcm, RATE / 10);
	if (got <= 0)
		return;
	if (r->fax && lost < 50)	/* a second at most: not a restart */
		faxm_rx_lost(r->fax, (size_t)lost * (size_t)got);
	heard(r, pcm, (size_t)got);
}

/* recvfrom() that also gives the DSCP of the datagram (-1: unknown);
 * the socket has IP_RECVTOS set */
static ssize_t recv_dscp(int fd, void *buf, size_t cap,
			 struct sockaddr_in *src, int *dscp)
{
	union { char b[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } c;
	struct iovec iov = { buf, cap };
	struct msghdr m = {
		.msg_name = src, .msg_namelen = sizeof(*src),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = c.b, .msg_controllen = sizeof(c.b),
	};
	ssize_t len = recvmsg(fd, &m, MSG_DONTWAIT);

	*dscp = -1;
	for (struct cmsghdr *h = CMSG_FIRSTHDR(&m); len > 0 && h;
	     h = CMSG_NXTHDR(&m, h))
		if (h->cmsg_level == IPPROTO_IP && h->cmsg_type == IP_TOS)
			*dscp = *CMSG_DATA(h) >> 2;
	return len;
}

static int run(struct opts *o)
{
	size_t frame = (size_t)o->ptime * RATE / 1000;
	uint64_t start = now_ns(), next = start, fax_end = 0;
	uint32_t ts = 0, ssrc = (uint32_t)getpid() * 2654435761u;
	uint16_t seq = 1;
	const char *dtmf = o->dtmf;
	struct codec enc;
	struct rx r = { .cap = (size_t)(o->seconds * RATE) + RATE,
			.cn_level = -1 };
	double phase = 0;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	int16_t pcm[480];
	uint8_t out[MAX_PKT], in[MAX_PKT];
	unsigned long tx = 0, quiet = 0, lost_tx = 0, lost_rx = 0;
	unsigned long dscp_other = 0;	/* packets not of the first's DSCP */
	int dscp = -1, on = 1;
	char why[300];
	size_t skip;

	r.pcm = calloc(r.cap, sizeof(*r.pcm));
	if (fd < 0 || !r.pcm || bind(fd, (const struct sockaddr *)&o->local,
				     sizeof(o->local)) ||
	    setsockopt(fd, IPPROTO_IP, IP_RECVTOS, &on, sizeof(on)) ||
	    codec_init(&enc, o->codec) ||
	    codec_init(&r.dec, o->codec)) {
		fprintf(stderr, "rtppeer: setup: %s\n", strerror(errno));
		return 1;
	}
	if (o->fax && faxm_open(&r.fax, o->fax_send, o->fax, o->fax_call, why,
				sizeof(why))) {
		fprintf(stderr, "rtppeer: fax: %s\n", why);
		return 1;
	}
	while (now_ns() - start < (uint64_t)(o->seconds * 1e9) &&
	       (!fax_end || now_ns() < fax_end)) {
		struct timespec t = { (time_t)(next / 1000000000ull),
				      (long)(next % 1000000000ull) };
		ssize_t len;
		int n;

		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL);
		next += (uint64_t)o->ptime * 1000000ull;
		for (;;) {
			struct sockaddr_in src;
			int d;

			len = recv_dscp(fd, in, sizeof(in), &src, &d);
			if (len <= 0)
				break;
			if (!arrived(o, &src, &lost_rx))
				continue;
			if (dscp == -1)
				dscp = d;
			else if (d != dscp)
				dscp_other++;
			if (o->srtp) {
				size_t sl2 = (size_t)len;

				if (srtpctx_unprotect(o->srtp, false, in,
						      &sl2)) {
					o->srtp_refused++;
					continue;
				}
				len = (ssize_t)sl2;
			}
			take(&r, o, in, len);
		}
		if (r.fax && !fax_end) {
			struct faxm_result fr;

			faxm_result(r.fax, &fr);
			if (fr.state != FAXM_RUNNING)
				fax_end = now_ns() + 1000000000ull;
		}
		if (enc.id != o->codec) {	/* --follow switched */
			codec_fini(&enc);
			codec_init(&enc, o->codec);
		}
		if ((now_ns() - start) / 1000000 < (uint64_t)o->send_after_ms ||
		    o->learn)
			continue;
		if (o->cn_dbov >= 0 && now_ns() - start >= 1000000000ull) {
			if (quiet++ % (1000 / o->ptime) == 0 &&
			    send_cn(fd, o, seq++, ts, ssrc) == 0)
				tx++;
			ts += (uint32_t)(frame *
					 codec_info(o->codec)->rtp_clock / RATE);
			continue;
		}
		for (size_t i = 0; !r.fax && i < frame; i++) {
			pcm[i] = o->tone_hz ? (int16_t)(msig_sine_amp(
				 o->tone_dbm0) * sin(phase)) : 0;
			phase += 2 * M_PI * o->tone_hz / RATE;
		}
		if (r.fax)
			faxm_tx(r.fax, pcm, frame);
		n = codec_encode(&enc, pcm, frame, out + 12, sizeof(out) - 12);
		put_header(out, (uint8_t)o->pt, seq++, ts, ssrc);
		if (n > 0 && send_pkt(fd, o, out, 12 + (size_t)n, &lost_tx) > 0)
			tx++;
		if (dtmf && *dtmf && now_ns() - start > 1000000000ull &&
		    tx % 10 == 0)
			send_digit(fd, o, *dtmf++, &seq, ts, ssrc);
		ts += (uint32_t)(frame * codec_info(o->codec)->rtp_clock /
				 RATE);
	}
	printf("tx_packets=%lu rx_packets=%lu rx_gaps=%lu other_pt=%lu "
	       "cn_rx=%lu cn_level=%d dtmf=%s", tx, r.packets, r.gaps,
	       r.other_pt, r.cn, r.cn_level, r.ndigits ? r.digits : "-");
	skip = (size_t)o->skip_ms * RATE / 1000;
	if (r.n > skip)
		report_audio(r.pcm + skip, r.n - skip);
	else
		report_audio(r.pcm, 0);
	printf(" pt=%d lost_tx=%lu lost_rx=%lu dscp=%d dscp_other=%lu", o->pt,
	       lost_tx, lost_rx, dscp, dscp_other);
	if (o->srtp)
		printf(" srtp_refused=%lu", o->srtp_refused);
	if (r.fax) {
		struct faxm_result fr;

		faxm_result(r.fax, &fr);
		faxm_format(&fr, why, sizeof(why));
		printf(" %s", why);
		faxm_close(r.fax);
	}
	printf("\n");
	if (o->record) {
		struct pstn_wav_writer *w;

		if (pstn_wav_create(&w, o->record, NULL, 0) ||
		    pstn_wav_write(w, r.pcm, r.n) || pstn_wav_close(w))
			fprintf(stderr, "rtppeer: cannot record %s\n",
				o->record);
	}
	free(r.pcm);
	close(fd);
	return 0;
}

/* --t38: the fax machine's IFP packets out in UDPTL */
struct t38_out {
	int fd;
	struct opts *o;
	struct udptl_tx tx;
	unsigned long packets, lost;
};

static void t38_send(void *arg, const uint8_t *ifp, size_t len)
{
	struct t38_out *t = arg;
	uint8_t pkt[MAX_PKT];
	int n = udptl_send(&t->tx, ifp, len, pkt, sizeof(pkt));

	if (n > 0 && send_pkt(t->fd, t->o, pkt, (size_t)n, &t->lost) > 0)
		t->packets++;
}

static void t38_take(void *arg, const uint8_t *ifp, size_t len, uint16_t seq)
{
	faxm_t38_rx(arg, ifp, len, seq);
}

static int run_t38(struct opts *o)
{
	struct t38_out t = { .fd = socket(AF_INET, SOCK_DGRAM, 0), .o = o };
	uint64_t start = now_ns(), next = start, fax_end = 0;
	struct udptl_rx rx;
	struct faxm *fax;
	struct faxm_result fr;
	unsigned long lost_rx = 0;
	uint8_t in[MAX_PKT];
	char why[300];

	if (t.fd < 0 || bind(t.fd, (const struct sockaddr *)&o->local,
			     sizeof(o->local))) {
		fprintf(stderr, "rtppeer: setup: %s\n", strerror(errno));
		return 1;
	}
	if (faxm_open_t38(&fax, o->fax_send, o->fax, o->fax_call, t38_send,
			  &t, why, sizeof(why))) {
		fprintf(stderr, "rtppeer: fax: %s\n", why);
		return 1;
	}
	udptl_tx_init(&t.tx, (unsigned)o->t38, 0);
	udptl_rx_init(&rx);
	while (now_ns() - start < (uint64_t)(o->seconds * 1e9) &&
	       (!fax_end || now_ns() < fax_end)) {
		struct timespec ts = { (time_t)(next / 1000000000ull),
				       (long)(next % 1000000000ull) };
		struct sockaddr_in src;
		socklen_t sl = sizeof(src);
		ssize_t len;

		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		next += (uint64_t)o->ptime * 1000000ull;
		while ((len = recvfrom(t.fd, in, sizeof(in), MSG_DONTWAIT,
				       (struct sockaddr *)&src, &sl)) > 0) {
			if (arrived(o, &src, &lost_rx))
				udptl_recv(&rx, in, (size_t)len, t38_take, fax);
			sl = sizeof(src);
		}
		if (!o->learn)
			faxm_t38_tick(fax, (size_t)o->ptime * RATE / 1000);
		faxm_result(fax, &fr);
		if (fr.state != FAXM_RUNNING && !fax_end)
			fax_end = now_ns() + 1000000000ull;
	}
	faxm_result(fax, &fr);
	faxm_format(&fr, why, sizeof(why));
	printf("tx_packets=%lu rx_packets=%lu recovered=%lu lost=%lu "
	       "late=%lu malformed=%lu lost_tx=%lu lost_rx=%lu %s\n",
	       t.packets, (unsigned long)rx.st.packets,
	       (unsigned long)rx.st.recovered, (unsigned long)rx.st.lost,
	       (unsigned long)rx.st.late, (unsigned long)rx.st.malformed,
	       t.lost, lost_rx, why);
	faxm_close(fax);
	close(t.fd);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: rtppeer --local IP:PORT --remote IP:PORT|learn "
		"[--codec NAME] [--pt N] [--ptime MS] [--seconds S] "
		"[--tone HZ:DBM0] [--dtmf DIGITS] [--te-pt N] "
		"[--record FILE.wav] [--send-after MS] [--cn DBOV] "
		"[--fax-send FILE.tif | --fax-receive FILE.tif] "
		"[--fax-role call|answer] [--follow g711] [--loss PERMILLE] "
		"[--t38 REDUNDANCY] [--srtp SUITE:OURKEY:THEIRKEY]\n"
		"       rtppeer --analyze FILE.wav [--skip MS]\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct opts o = { .ptime = 20, .seconds = 3, .te_pt = 101, .pt = -1,
			  .skip_ms = 300, .cn_dbov = -1, .rng = 12345,
			  .t38 = -1 };
	int have_local = 0, have_remote = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 1; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];
		int bad = 0;

		if (!strcmp(k, "--local"))
			have_local = !parse_addr(v, &o.local);
		else if (!strcmp(k, "--remote") && !strcmp(v, "learn"))
			have_remote = o.learn = true;
		else if (!strcmp(k, "--remote"))
			have_remote = !parse_addr(v, &o.remote);
		else if (!strcmp(k, "--codec"))
			bad = codec_by_name(v, &o.codec);
		else if (!strcmp(k, "--pt"))
			o.pt = atoi(v);
		else if (!strcmp(k, "--te-pt"))
			o.te_pt = atoi(v);
		else if (!strcmp(k, "--ptime"))
			o.ptime = atoi(v);
		else if (!strcmp(k, "--seconds"))
			o.seconds = atof(v);
		else if (!strcmp(k, "--tone"))
			bad = sscanf(v, "%lf:%lf", &o.tone_hz, &o.tone_dbm0) != 2;
		else if (!strcmp(k, "--dtmf"))
			o.dtmf = v;
		else if (!strcmp(k, "--record"))
			o.record = v;
		else if (!strcmp(k, "--analyze"))
			o.analyze = v;
		else if (!strcmp(k, "--skip"))
			o.skip_ms = atoi(v);
		else if (!strcmp(k, "--send-after"))
			o.send_after_ms = atoi(v);
		else if (!strcmp(k, "--fax-send") ||
			 !strcmp(k, "--fax-receive")) {
			o.fax = v;
			o.fax_send = !strcmp(k, "--fax-send");
		} else if (!strcmp(k, "--fax-role"))
			bad = !(o.fax_call = !strcmp(v, "call")) &&
			      strcmp(v, "answer");
		else if (!strcmp(k, "--loss"))
			bad = (o.loss = (unsigned)atoi(v)) > 500;
		else if (!strcmp(k, "--follow"))
			bad = !(o.follow = !strcmp(v, "g711"));
		else if (!strcmp(k, "--t38"))
			bad = (o.t38 = atoi(v)) < 0 ||
			      o.t38 > UDPTL_REDUNDANCY_MAX;
		else if (!strcmp(k, "--srtp"))
			bad = open_srtp(&o, v);
		else if (!strcmp(k, "--cn"))
			bad = (o.cn_dbov = atoi(v)) < 0 || o.cn_dbov > 127;
		else
			bad = 1;
		if (bad)
			return usage();
	}
	if (o.analyze)
		return analyze(&o);
	if (!have_local || !have_remote || o.ptime < 10 || o.ptime > 60 ||
	    o.seconds <= 0 || o.seconds > MAX_SECONDS)
		return usage();
	if (o.t38 >= 0)
		return o.fax && !o.srtp ? run_t38(&o) : usage();
	if (o.pt < 0)
		o.pt = codec_info(o.codec)->pt;
	return run(&o);
}

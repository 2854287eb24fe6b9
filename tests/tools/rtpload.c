// SPDX-License-Identifier: MIT
/** @file rtpload.c  Many RTP streams to the gateway's legs, and back
 *
 *   rtpload --gw IP --gw-port PORT --streams N --lan IP --lan-port PORT
 *           [--codec pcmu|pcma|g722|g726-32|gsm|g729] [--pt N] [--ptime MS]
 *           [--seconds S] [--fifo PRIO] [--talk ON_MS:OFF_MS]
 *
 * The far end of N RTP legs, for density benchmarks: stream j goes from
 * one socket on lan:PORT to gw:gw-port + 2j, one packet every ptime with
 * its own SSRC, sequence numbers and timestamps, carrying real coded audio
 * (a two-tone signal encoded once with media/codec.h, so the gateway's
 * decoder, jitter buffer and PLC do their real work). With --talk each
 * stream talks as a party to a conversation does: the signal for ON_MS,
 * then coded silence for OFF_MS, over and over, the streams' turns spread
 * evenly over that period (so ON / (ON + OFF) of them talk at any time;
 * ITU-T P.59's conversational speech: talkspurts of about 1 s, pauses of
 * about 1.5 s). The streams are
 * spread evenly over the ptime in 1 ms slots, as many independent phones
 * would be. Whatever the gateway sends back to lan:PORT (every leg's remote
 * port may be this one; RTCP to PORT + 1) is counted per SSRC.
 *
 * One line at the end:
 *   streams=N sent=N send_errors=N late_slots=N received=N rx_streams=N
 *   rx_lost=N rx_reordered=N rtcp=N
 * late_slots: 1 ms slots this sender began more than 2 ms late (its own
 * hiccups, which the gateway's jitter buffers then see); rx_streams:
 * distinct SSRCs received; rx_lost: sequence numbers skipped on them.
 * Exit status: 0, 2 on a usage or socket error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "media/codec.h"

#define MAX_STREAMS	4096
#define HASH_SLOTS	8192u	/* power of two, > 2 * MAX_STREAMS */
#define BATCH		64
#define RTP_HDR		12
#define MAX_PAYLOAD	480	/* 60 ms of G.711 */
#define AUDIO_MS	1000	/* the signal repeats every second */
#define MAX_FRAMES	(AUDIO_MS / 10)
#define RX_BYTES	1500

struct opts {
	struct sockaddr_in gw, lan;
	unsigned streams, ptime_ms;
	enum codec_id codec;
	int pt, fifo;
	double seconds;
	unsigned talk_ms, quiet_ms;	/* --talk; 0: talk all the time */
};

struct tx_stream {
	uint16_t seq;
	uint32_t ts, ssrc;
	uint8_t hdr[RTP_HDR];
};

struct rx_stream {
	uint32_t ssrc;
	bool used;
	uint16_t next;
	uint64_t got, lost, reordered;
};

struct audio {
	uint8_t frame[MAX_FRAMES][MAX_PAYLOAD];
	uint8_t silence[MAX_PAYLOAD];	/* a frame of coded silence */
	size_t len, nframes;
};

static struct tx_stream tx[MAX_STREAMS];
static struct rx_stream rx[HASH_SLOTS];
static struct audio audio;
static uint64_t sent, send_errors, late_slots, received, rtcp;

__attribute__((noreturn)) static void usage(void)
{
	fprintf(stderr, "usage: rtpload --gw IP --gw-port PORT --streams N "
		"--lan IP --lan-port PORT [--codec NAME] [--pt N] "
		"[--ptime MS] [--seconds S] [--fifo PRIO] "
		"[--talk ON_MS:OFF_MS]\n");
	exit(2);
}

static long num(const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "rtpload: \"%s\" is not in %ld..%ld\n", s, lo,
			hi);
		usage();
	}
	return v;
}

static void addr(struct sockaddr_in *sa, const char *ip)
{
	sa->sin_family = AF_INET;
	if (inet_pton(AF_INET, ip, &sa->sin_addr) != 1)
		usage();
}

static void parse(int argc, char **argv, struct opts *o)
{
	int have = 0;

	*o = (struct opts){ .ptime_ms = 20, .codec = CODEC_PCMU, .pt = -1,
			    .seconds = 10 };
	for (int i = 1; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];

		if (!strcmp(k, "--gw")) {
			addr(&o->gw, v);
			have |= 1;
		} else if (!strcmp(k, "--gw-port")) {
			o->gw.sin_port = htons((uint16_t)num(v, 1, 65534));
			have |= 2;
		} else if (!strcmp(k, "--streams")) {
			o->streams = (unsigned)num(v, 1, MAX_STREAMS);
		} else if (!strcmp(k, "--lan")) {
			addr(&o->lan, v);
			have |= 4;
		} else if (!strcmp(k, "--lan-port")) {
			o->lan.sin_port = htons((uint16_t)num(v, 1, 65534));
			have |= 8;
		} else if (!strcmp(k, "--codec")) {
			if (codec_by_name(v, &o->codec))
				usage();
		} else if (!strcmp(k, "--pt")) {
			o->pt = (int)num(v, 0, 127);
		} else if (!strcmp(k, "--ptime")) {
			o->ptime_ms = (unsigned)num(v, 10, 60);
		} else if (!strcmp(k, "--seconds")) {
			o->seconds = (double)num(v, 1, 3600);
		} else if (!strcmp(k, "--fifo")) {
			o->fifo = (int)num(v, 1, 99);
		} else if (!strcmp(k, "--talk")) {
			char on[16], off[16];

			if (sscanf(v, "%15[0-9]:%15[0-9]", on, off) != 2)
				usage();
			o->talk_ms = (unsigned)num(on, 1, 60000);
			o->quiet_ms = (unsigned)num(off, 1, 60000);
		} else {
			usage();
		}
	}
	if (argc % 2 == 0 || have != 15 || !o->streams ||
	    o->ptime_ms % 10 ||
	    (unsigned)ntohs(o->gw.sin_port) + 2 * o->streams > 65535)
		usage();
	if (o->pt < 0)
		o->pt = codec_info(o->codec)->pt;
}

/* One second of a two-tone signal (440 Hz and 1020 Hz, about -16 dBm0
 * together), coded in ptime frames, and a frame of silence. */
static void make_audio(const struct opts *o)
{
	unsigned n = o->ptime_ms * 8;
	int16_t pcm[MAX_PAYLOAD];
	struct codec c;

	if (codec_init(&c, o->codec)) {
		fprintf(stderr, "rtpload: codec %s unavailable\n",
			codec_info(o->codec)->name);
		exit(2);
	}
	audio.nframes = AUDIO_MS / o->ptime_ms;
	for (size_t f = 0; f < audio.nframes; f++) {
		int len;

		for (unsigned i = 0; i < n; i++) {
			double t = (double)(f * n + i) / 8000.0;

			pcm[i] = (int16_t)(1800 * sin(2 * M_PI * 440 * t) +
					   1200 * sin(2 * M_PI * 1020 * t));
		}
		len = codec_encode(&c, pcm, n, audio.frame[f], MAX_PAYLOAD);
		if (len <= 0) {
			fprintf(stderr, "rtpload: encoding failed (%d)\n", len);
			exit(2);
		}
		audio.len = (size_t)len;
	}
	memset(pcm, 0, sizeof(pcm));
	if (codec_encode(&c, pcm, n, audio.silence, MAX_PAYLOAD) !=
	    (int)audio.len) {
		fprintf(stderr, "rtpload: encoding silence failed\n");
		exit(2);
	}
	codec_fini(&c);
}

static int udp_socket(const struct sockaddr_in *local)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int big = 4 << 20;

	if (fd < 0 || bind(fd, (const struct sockaddr *)local,
			   sizeof(*local))) {
		fprintf(stderr, "rtpload: bind %s:%u: %s\n",
			inet_ntoa(local->sin_addr), ntohs(local->sin_port),
			strerror(errno));
		exit(2);
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	return fd;
}

static struct rx_stream *rx_find(uint32_t ssrc)
{
	uint32_t h = (ssrc * 2654435761u) & (HASH_SLOTS - 1);

	while (rx[h].used && rx[h].ssrc != ssrc)
		h = (h + 1) & (HASH_SLOTS - 1);
	return &rx[h];
}

static void account(const uint8_t *b, size_t len)
{
	struct rx_stream *s;
	uint16_t seq, d;
	uint32_t ssrc;

	if (len < RTP_HDR || (b[0] & 0xc0) != 0x80)
		return;
	seq = (uint16_t)(b[2] << 8 | b[3]);
	ssrc = (uint32_t)b[8] << 24 | (uint32_t)b[9] << 16 |
	       (uint32_t)b[10] << 8 | b[11];
	received++;
	s = rx_find(ssrc);
	if (!s->used) {
		*s = (struct rx_stream){ .used = true, .ssrc = ssrc,
					 .next = (uint16_t)(seq + 1), .got = 1 };
		return;
	}
	s->got++;
	d = (uint16_t)(seq - s->next);
	if (d >= 0x8000) {		/* older than expected */
		s->reordered++;
		if (s->lost)
			s->lost--;
		return;
	}
	s->lost += d;
	s->next = (uint16_t)(seq + 1);
}

static void drain(int fd, bool is_rtcp)
{
	static uint8_t buf[BATCH][RX_BYTES];
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];
	int n;

	do {
		for (int i = 0; i < BATCH; i++) {
			iov[i] = (struct iovec){ buf[i], RX_BYTES };
			mm[i] = (struct mmsghdr){ .msg_hdr = {
				.msg_iov = &iov[i], .msg_iovlen = 1 } };
		}
		n = recvmmsg(fd, mm, BATCH, MSG_DONTWAIT, NULL);
		for (int i = 0; i < n; i++) {
			if (is_rtcp)
				rtcp++;
			else
				account(buf[i], mm[i].msg_len);
		}
	} while (n == BATCH);
}

/* Does stream @p j talk in its frame @p frame (--talk)? */
static bool talking(const struct opts *o, unsigned j, uint64_t frame)
{
	uint64_t period = o->talk_ms + o->quiet_ms;

	if (!o->talk_ms)
		return true;
	return (frame * o->ptime_ms + j * period / o->streams) % period <
	       o->talk_ms;
}

/* Send this slot's streams: j with j % slots == slot. */
static void send_slot(int fd, const struct opts *o, unsigned slot,
		      uint64_t frame)
{
	static struct sockaddr_in to[BATCH];
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH][2];
	unsigned slots = o->ptime_ms, n = 0;
	const uint8_t *voice = audio.frame[frame % audio.nframes];

	for (unsigned j = slot; j < o->streams; j += slots) {
		struct tx_stream *s = &tx[j];
		const uint8_t *payload = talking(o, j, frame) ? voice :
							      audio.silence;

		s->hdr[0] = 0x80;
		s->hdr[1] = (uint8_t)o->pt;
		s->hdr[2] = (uint8_t)(s->seq >> 8);
		s->hdr[3] = (uint8_t)s->seq;
		s->hdr[4] = (uint8_t)(s->ts >> 24);
		s->hdr[5] = (uint8_t)(s->ts >> 16);
		s->hdr[6] = (uint8_t)(s->ts >> 8);
		s->hdr[7] = (uint8_t)s->ts;
		s->hdr[8] = (uint8_t)(s->ssrc >> 24);
		s->hdr[9] = (uint8_t)(s->ssrc >> 16);
		s->hdr[10] = (uint8_t)(s->ssrc >> 8);
		s->hdr[11] = (uint8_t)s->ssrc;
		s->seq++;
		s->ts += o->ptime_ms * 8;
		to[n] = o->gw;
		to[n].sin_port = htons((uint16_t)(ntohs(o->gw.sin_port) +
						  2 * j));
		iov[n][0] = (struct iovec){ s->hdr, RTP_HDR };
		iov[n][1] = (struct iovec){ (void *)payload, audio.len };
		mm[n] = (struct mmsghdr){ .msg_hdr = {
			.msg_name = &to[n], .msg_namelen = sizeof(to[n]),
			.msg_iov = iov[n], .msg_iovlen = 2 } };
		if (++n == BATCH || j + slots >= o->streams) {
			int k = sendmmsg(fd, mm, n, 0);

			k = k < 0 ? 0 : k;
			sent += (unsigned)k;
			send_errors += n - (unsigned)k;
			n = 0;
		}
	}
}

static uint64_t ns_of(const struct timespec *t)
{
	return (uint64_t)t->tv_sec * 1000000000ull + (uint64_t)t->tv_nsec;
}

static void run(int fd, int rtcp_fd, const struct opts *o)
{
	uint64_t slots = (uint64_t)(o->seconds * 1000);
	struct timespec next, now;

	clock_gettime(CLOCK_MONOTONIC, &next);
	for (uint64_t t = 0; t < slots; t++) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (ns_of(&now) > ns_of(&next) + 2000000)
			late_slots++;
		send_slot(fd, o, (unsigned)(t % o->ptime_ms), t / o->ptime_ms);
		drain(fd, false);
		drain(rtcp_fd, true);
		next.tv_nsec += 1000000;
		if (next.tv_nsec >= 1000000000) {
			next.tv_nsec -= 1000000000;
			next.tv_sec++;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	/* what is still on its way */
	for (int i = 0; i < 30; i++) {
		usleep(10000);
		drain(fd, false);
		drain(rtcp_fd, true);
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_in rtcp_addr;
	uint64_t streams = 0, lost = 0, reordered = 0;
	struct opts o;
	int fd, rtcp_fd;

	parse(argc, argv, &o);
	make_audio(&o);
	for (unsigned j = 0; j < o.streams; j++) {
		tx[j].ssrc = 0x52540000u + j;
		tx[j].seq = (uint16_t)(j * 7919u);
		tx[j].ts = j * 104729u;
	}
	if (o.fifo) {
		struct sched_param sp = { .sched_priority = o.fifo };

		if (sched_setscheduler(0, SCHED_FIFO, &sp))
			fprintf(stderr, "rtpload: SCHED_FIFO: %s (going on)\n",
				strerror(errno));
	}
	fd = udp_socket(&o.lan);
	rtcp_addr = o.lan;
	rtcp_addr.sin_port = htons((uint16_t)(ntohs(o.lan.sin_port) + 1));
	rtcp_fd = udp_socket(&rtcp_addr);
	run(fd, rtcp_fd, &o);
	for (unsigned h = 0; h < HASH_SLOTS; h++) {
		if (!rx[h].used)
			continue;
		streams++;
		lost += rx[h].lost;
		reordered += rx[h].reordered;
	}
	printf("streams=%u sent=%llu send_errors=%llu late_slots=%llu "
	       "received=%llu rx_streams=%llu rx_lost=%llu rx_reordered=%llu "
	       "rtcp=%llu\n", o.streams, (unsigned long long)sent,
	       (unsigned long long)send_errors, (unsigned long long)late_slots,
	       (unsigned long long)received, (unsigned long long)streams,
	       (unsigned long long)lost, (unsigned long long)reordered,
	       (unsigned long long)rtcp);
	close(fd);
	close(rtcp_fd);
	return 0;
}

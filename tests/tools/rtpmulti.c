// SPDX-License-Identifier: MIT
/** @file rtpmulti.c  Many RTP streams through the gateway at once
 *
 *   rtpmulti --streams N --gw IP --gw-base PORT --lan IP --lan-base PORT
 *            [--seconds S] [--ptime MS]
 *
 * For stream k (0..N-1) it sends PCMU RTP every ptime from lan:lan-base+4k
 * to gw:gw-base+4k (a channel's leg a), and receives on lan:lan-base+4k+2
 * what the gateway sends there (the same channel's leg b). It prints one
 * line: streams, packets sent and received, streams that received nothing,
 * and sequence gaps seen on the received streams (0: no loss on the way).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_STREAMS	1024
#define PAYLOAD		160	/* 20 ms of PCMU */

struct stream {
	int tx, rx;
	uint16_t seq;
	uint16_t next;
	int have;
	unsigned long sent, got, gaps;
};

static int udp(const char *ip, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	if (fd < 0 || inet_pton(AF_INET, ip, &sa.sin_addr) != 1 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "rtpmulti: bind %s:%d: %s\n", ip, port,
			strerror(errno));
		exit(1);
	}
	return fd;
}

static void drain(struct stream *s)
{
	uint8_t b[1500];
	ssize_t n;

	while ((n = recv(s->rx, b, sizeof(b), 0)) >= 12) {
		uint16_t seq = (uint16_t)(b[2] << 8 | b[3]);

		if (s->have && seq != s->next)
			s->gaps++;
		s->have = 1;
		s->next = (uint16_t)(seq + 1);
		s->got++;
	}
}

int main(int argc, char **argv)
{
	const char *gw = NULL, *lan = NULL;
	int n = 0, gw_base = 0, lan_base = 0, ptime = 20;
	double seconds = 5;
	static struct stream st[MAX_STREAMS];
	struct sockaddr_in to = { .sin_family = AF_INET };
	unsigned long sent = 0, got = 0, gaps = 0, silent = 0;
	struct timespec next;
	uint8_t pkt[12 + PAYLOAD];
	long ticks;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--streams"))
			n = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--gw"))
			gw = argv[i + 1];
		else if (!strcmp(argv[i], "--gw-base"))
			gw_base = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--lan"))
			lan = argv[i + 1];
		else if (!strcmp(argv[i], "--lan-base"))
			lan_base = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--seconds"))
			seconds = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--ptime"))
			ptime = atoi(argv[i + 1]);
	}
	if (n < 1 || n > MAX_STREAMS || !gw || !lan || !gw_base ||
	    !lan_base || ptime < 10 || seconds <= 0 || seconds > 120) {
		fprintf(stderr, "usage: rtpmulti --streams N --gw IP --gw-base "
			"PORT --lan IP --lan-base PORT [--seconds S] "
			"[--ptime MS]\n");
		return 2;
	}
	inet_pton(AF_INET, gw, &to.sin_addr);
	for (int k = 0; k < n; k++) {
		st[k].tx = udp(lan, lan_base + 4 * k);
		st[k].rx = udp(lan, lan_base + 4 * k + 2);
	}
	memset(pkt, 0xff, sizeof(pkt));		/* PCMU silence */
	ticks = (long)(seconds * 1000 / ptime);
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (long t = 0; t < ticks; t++) {
		next.tv_nsec += ptime * 1000000L;
		if (next.tv_nsec >= 1000000000L) {
			next.tv_nsec -= 1000000000L;
			next.tv_sec++;
		}
		for (int k = 0; k < n; k++) {
			struct stream *s = &st[k];

			pkt[0] = 0x80;
			pkt[1] = 0;
			pkt[2] = (uint8_t)(s->seq >> 8);
			pkt[3] = (uint8_t)s->seq;
			*(uint32_t *)(pkt + 4) = htonl((uint32_t)t * 8u *
						       (uint32_t)ptime);
			*(uint32_t *)(pkt + 8) = htonl(0x1000u + (uint32_t)k);
			to.sin_port = htons((uint16_t)(gw_base + 4 * k));
			if (sendto(s->tx, pkt, sizeof(pkt), 0,
				   (struct sockaddr *)&to, sizeof(to)) > 0) {
				s->sent++;
				s->seq++;
			}
			drain(s);
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	usleep(200000);
	for (int k = 0; k < n; k++) {
		drain(&st[k]);
		sent += st[k].sent;
		got += st[k].got;
		gaps += st[k].gaps;
		silent += !st[k].got;
	}
	printf("streams=%d sent=%lu received=%lu silent_streams=%lu gaps=%lu\n",
	       n, sent, got, silent, gaps);
	return 0;
}

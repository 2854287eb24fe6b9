// SPDX-License-Identifier: MIT
/** @file voice_rx.c  Receiver of probe streams with tail percentiles
 *
 * The same measurement as probe_rx (tests/tools/probe_rx.c), which it
 * follows definition for definition, with the deep tail the voice targets
 * are stated in (DESIGN.md section 8: p99.99 needs some 10^5 samples):
 * listens on ADDR:PORT+i for STREAMS streams of sharednet/probe.h packets
 * (sent by the RT partition, or by tests/tools/udpstreams.c) for SECONDS,
 * with kernel arrival stamps (SO_TIMESTAMPNS), and prints, the samples of
 * every stream pooled:
 *
 *   bench.NAME.p50_us, p99_us, p999_us, p9999_us, max_us
 *	inter-arrival deviation |arrival(k) - arrival(j) - (k - j) * INTERVAL|
 *	between packet k of a stream and the packet j before it
 *   bench.NAME.delay_p50_us, delay_p99_us, delay_p999_us, delay_max_us
 *	one-way delay from the send time in the packet (CLOCK_MONOTONIC of
 *	this machine) to the arrival: a standing queue shows here
 *   bench.NAME.packets, lost, loss_pct, reordered, bad, streams_seen
 *	lost: sequence numbers between a stream's first and last packet never
 *	seen; reordered: older than one already seen (duplicates included)
 *
 *   voice_rx [-a ADDR] [-p PORT] [-n STREAMS] [-i INTERVAL_US] [-t SECONDS]
 *            [-N NAME]
 *
 * Defaults: 0.0.0.0, 40000, 1 stream, 20000 us, 10 s, NAME "voice_rx".
 * Exit status: 0, 1 when no probe packet came, 2 on a usage or socket error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sharednet/probe.h"
#include "tests/bench/bench_out.h"

#define STREAMS_MAX	4000
#define BUF_BYTES	2048

struct opts {
	struct in_addr addr;
	uint16_t port;
	uint32_t streams;
	uint64_t interval_ns;
	double seconds;
	const char *name;
};

struct stream {
	bool seen;
	uint64_t first_seq, max_seq, last_arrival, got;
};

/* a growing array of samples (Linux-side tool: the heap is fine) */
struct samples {
	uint64_t *v;
	size_t n, cap;
};

struct rx {
	struct opts o;
	struct stream *st;
	int *fd;
	struct samples dev, delay;
	uint64_t packets, reordered, bad;
};

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

__attribute__((noreturn)) static void usage(void)
{
	fprintf(stderr, "usage: voice_rx [-a ADDR] [-p PORT] [-n STREAMS] "
		"[-i INTERVAL_US] [-t SECONDS] [-N NAME]\n");
	exit(2);
}

__attribute__((noreturn)) static void oom(void)
{
	fprintf(stderr, "voice_rx: out of memory\n");
	exit(2);
}

static double num_arg(const char *s, double min, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= min && v <= max)) {
		fprintf(stderr, "voice_rx: \"%s\" is not a number in %g..%g\n",
			s, min, max);
		usage();
	}
	return v;
}

static void parse(int argc, char **argv, struct opts *o)
{
	int c;

	*o = (struct opts){ .port = 40000, .streams = 1,
			    .interval_ns = 20000000, .seconds = 10,
			    .name = "voice_rx" };
	while ((c = getopt(argc, argv, "a:p:n:i:t:N:")) != -1) {
		switch (c) {
		case 'a':
			if (inet_pton(AF_INET, optarg, &o->addr) != 1)
				usage();
			break;
		case 'p':
			o->port = (uint16_t)num_arg(optarg, 1, 65535);
			break;
		case 'n':
			o->streams = (uint32_t)num_arg(optarg, 1, STREAMS_MAX);
			break;
		case 'i':
			o->interval_ns = (uint64_t)num_arg(optarg, 100, 1e7) *
					 1000;
			break;
		case 't':
			o->seconds = num_arg(optarg, 0.01, 86400);
			break;
		case 'N':
			o->name = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || (uint32_t)o->port + o->streams > 65536)
		usage();
}

static void push(struct samples *s, uint64_t v)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 65536;
		uint64_t *nv = realloc(s->v, cap * sizeof(*nv));

		if (!nv)
			oom();
		s->v = nv;
		s->cap = cap;
	}
	s->v[s->n++] = v;
}

/* One socket per stream on ADDR:PORT+i in one epoll set, the stream number
 * as the cookie. @return the epoll fd */
static int open_sockets(struct rx *r)
{
	int ep = epoll_create1(EPOLL_CLOEXEC), one = 1, rcvbuf = 1 << 20;

	if (ep < 0) {
		perror("voice_rx: epoll");
		exit(2);
	}
	for (uint32_t i = 0; i < r->o.streams; i++) {
		struct sockaddr_in sa = {
			.sin_family = AF_INET, .sin_addr = r->o.addr,
			.sin_port = htons((uint16_t)(r->o.port + i)),
		};
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = i };
		int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

		if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one,
					 sizeof(one)) ||
		    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
		    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev)) {
			fprintf(stderr, "voice_rx: port %u: %s\n",
				r->o.port + i, strerror(errno));
			exit(2);
		}
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
		r->fd[i] = fd;
	}
	return ep;
}

/* The kernel's arrival stamp (CLOCK_REALTIME) on CLOCK_MONOTONIC, or now
 * when the packet has none. */
static uint64_t arrival_of(struct msghdr *mh)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SCM_TIMESTAMPNS) {
			struct timespec ts;
			uint64_t rt = now_ns(CLOCK_REALTIME);
			uint64_t mono = now_ns(CLOCK_MONOTONIC);

			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			return (uint64_t)ts.tv_sec * 1000000000ull +
			       (uint64_t)ts.tv_nsec - (rt - mono);
		}
	}
	return now_ns(CLOCK_MONOTONIC);
}

static void account(struct rx *r, uint32_t i, const struct probe_hdr *h,
		    uint64_t at)
{
	struct stream *s = &r->st[i];
	uint64_t seq = __builtin_bswap64(h->seq), want, got;
	uint64_t sent = __builtin_bswap64(h->sent_ns);

	r->packets++;
	push(&r->delay, at > sent ? at - sent : 0);
	if (!s->seen) {
		*s = (struct stream){ .seen = true, .first_seq = seq,
				      .max_seq = seq, .last_arrival = at,
				      .got = 1 };
		return;
	}
	s->got++;
	if (seq <= s->max_seq) {
		r->reordered++;
		if (seq < s->first_seq)
			s->first_seq = seq;
		return;
	}
	want = (seq - s->max_seq) * r->o.interval_ns;
	got = at - s->last_arrival;
	push(&r->dev, got > want ? got - want : want - got);
	s->max_seq = seq;
	s->last_arrival = at;
}

static void take(struct rx *r, uint32_t i)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct timespec)) * 2];
		struct cmsghdr align;
	} ctl;
	uint8_t buf[BUF_BYTES];

	for (;;) {
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		struct msghdr mh = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctl.buf, .msg_controllen = sizeof(ctl),
		};
		ssize_t len = recvmsg(r->fd[i], &mh, MSG_DONTWAIT);
		struct probe_hdr h;
		uint64_t at;

		if (len < 0)
			return;
		at = arrival_of(&mh);
		if ((size_t)len < sizeof(h)) {
			r->bad++;
			continue;
		}
		memcpy(&h, buf, sizeof(h));
		if (ntohl(h.magic) != PROBE_MAGIC || ntohl(h.stream) != i) {
			r->bad++;
			continue;
		}
		account(r, i, &h, at);
	}
}

static void receive(int ep, struct rx *r)
{
	uint64_t end = now_ns(CLOCK_MONOTONIC) +
		       (uint64_t)(r->o.seconds * 1e9);
	struct epoll_event ev[64];
	uint64_t now;

	while ((now = now_ns(CLOCK_MONOTONIC)) < end) {
		int left_ms = (int)((end - now + 999999) / 1000000);
		int n = epoll_wait(ep, ev, 64, left_ms);

		for (int k = 0; k < n; k++)
			take(r, ev[k].data.u32);
	}
}

static void fig_pct(const char *name, const char *what, struct samples *s,
		    bool tail)
{
	static const struct {
		const char *key;
		double pct;
	} p[] = { { "p50", 50 }, { "p99", 99 }, { "p999", 99.9 },
		  { "p9999", 99.99 } };
	char key[48];

	bench_sort_u64(s->v, s->n);
	for (size_t k = 0; k < sizeof(p) / sizeof(p[0]); k++) {
		if (k == 3 && !tail)
			break;
		snprintf(key, sizeof(key), "%s%s_us", what, p[k].key);
		bench_fig(name, key,
			  (double)bench_pct(s->v, s->n, p[k].pct) / 1e3, "us");
	}
	snprintf(key, sizeof(key), "%smax_us", what);
	bench_fig(name, key, s->n ? (double)s->v[s->n - 1] / 1e3 : 0, "us");
}

static void report(struct rx *r)
{
	uint64_t lost = 0, seen = 0, expected = 0;
	const char *name = r->o.name;

	for (uint32_t i = 0; i < r->o.streams; i++) {
		const struct stream *s = &r->st[i];
		uint64_t span = s->max_seq - s->first_seq + 1;

		if (!s->seen)
			continue;
		seen++;
		expected += span;
		if (span > s->got)
			lost += span - s->got;
	}
	bench_note("%s: %llu packets in %g s on %u stream(s) every %llu us, "
		   "%zu deviation samples", name,
		   (unsigned long long)r->packets, r->o.seconds, r->o.streams,
		   (unsigned long long)(r->o.interval_ns / 1000), r->dev.n);
	bench_fig(name, "packets", (double)r->packets, "count");
	bench_fig(name, "streams_seen", (double)seen, "count");
	bench_fig(name, "lost", (double)lost, "count");
	bench_fig(name, "loss_pct", expected ? 100.0 * (double)lost /
		  (double)expected : 0, "%");
	bench_fig(name, "reordered", (double)r->reordered, "count");
	bench_fig(name, "bad", (double)r->bad, "count");
	if (!r->packets)
		return;
	fig_pct(name, "", &r->dev, true);
	fig_pct(name, "delay_", &r->delay, false);
}

int main(int argc, char **argv)
{
	struct rx r = { 0 };
	int ep;

	parse(argc, argv, &r.o);
	r.st = calloc(r.o.streams, sizeof(*r.st));
	r.fd = calloc(r.o.streams, sizeof(*r.fd));
	if (!r.st || !r.fd)
		oom();
	ep = open_sockets(&r);
	receive(ep, &r);
	report(&r);
	fflush(stdout);
	free(r.st);
	free(r.fd);
	free(r.dev.v);
	free(r.delay.v);
	return r.packets ? 0 : 1;
}

// SPDX-License-Identifier: MIT
/** @file probe_rx.c  Receiver of the RT partition's probe streams
 *
 * Listens on ADDR:PORT+i for STREAMS streams of voice-like packets
 * (sharednet/probe.h) for SECONDS, with kernel arrival stamps
 * (SO_TIMESTAMPNS), and prints as benchmark figures (tests/bench/
 * bench_out.h), the samples of every stream pooled:
 *
 *   bench.NAME.p50_us, p99_us, p999_us, p9999_us, max_us
 *	inter-arrival deviation |arrival(k) - arrival(j) - (k - j) * INTERVAL|
 *	between packet k of a stream and the packet j before it (j = k - 1
 *	unless packets were lost): how far each packet strays from the rhythm
 *   bench.NAME.jb_p50_us, jb_p99_us, jb_p999_us, jb_max_us
 *	arrival against an ideal clock, less the smallest such value of the
 *	stream: the depth a jitter buffer needs. The ideal clock is the
 *	sender's period grid, found from the send times in the packets (the
 *	sender's CLOCK_MONOTONIC is this machine's: no drift), and a packet
 *	belongs to the last grid point before its send time; so a sender
 *	that skips a period does not shift the grid, and a send more than one
 *	INTERVAL late counts from the grid point after the one it missed
 *   bench.NAME.delay_p50_us, delay_p99_us, delay_p999_us, delay_max_us
 *	one-way delay from the send time in the packet to the arrival: shows
 *	a standing queue, which the figures above do not
 *   bench.NAME.packets, lost, loss_pct, reordered, bad, streams_seen
 *	lost: sequence numbers between a stream's first and last packet never
 *	seen (loss_pct: of those expected in that span); reordered: packets older than one already seen (duplicates
 *	included); bad: not a probe packet of the socket's stream
 *
 *   probe_rx [-a ADDR] [-p PORT] [-n STREAMS] [-i INTERVAL_US] [-t SECONDS]
 *            [-N NAME] [-D FILE]
 *
 * -D writes every packet to FILE, one "STREAM SENT_NS ARRIVAL_NS" line
 * each (CLOCK_MONOTONIC), to find when the tail happened and whether the
 * sender or the path made it.
 *
 * Defaults: 0.0.0.0, 40000, 1 stream, 20000 us, 10 s, NAME "probe_rx".
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
#define POLL_NS		2000000	/* how often the sockets are looked at */

struct opts {
	struct in_addr addr;
	uint16_t port;
	uint32_t streams;
	uint64_t interval_ns;
	double seconds;
	const char *name;
	const char *dump;	/* -D FILE, or NULL */
};

struct stream {
	bool seen, has_jb;
	uint64_t first_seq, max_seq, last_arrival, got;
	int64_t min_jb;		/* smallest arrival - grid point */
};

/* one received packet, kept for the figures computed at the end */
struct arrival {
	uint32_t stream;
	uint64_t sent, at;	/* CLOCK_MONOTONIC */
};

/* a growing array of samples (Linux-side tool: the heap is fine) */
struct samples {
	uint64_t *v;
	size_t n, cap;
};

struct rx {
	struct stream *st;
	int *fd;		/* stream i's socket */
	struct samples dev;
	struct arrival *arr;
	size_t narr, arrcap;
	uint64_t reordered, bad;
};

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

__attribute__((noreturn)) static void usage(void)
{
	fprintf(stderr, "usage: probe_rx [-a ADDR] [-p PORT] [-n STREAMS] "
		"[-i INTERVAL_US] [-t SECONDS] [-N NAME] [-D FILE]\n");
	exit(2);
}

__attribute__((noreturn)) static void oom(void)
{
	fprintf(stderr, "probe_rx: out of memory\n");
	exit(2);
}

static double num_arg(const char *s, double min, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= min && v <= max)) {
		fprintf(stderr, "probe_rx: \"%s\" is not a number in %g..%g\n",
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
			    .name = "probe_rx" };
	while ((c = getopt(argc, argv, "a:p:n:i:t:N:D:")) != -1) {
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
		case 'D':
			o->dump = optarg;
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
		size_t cap = s->cap ? 2 * s->cap : 4096;
		uint64_t *nv = realloc(s->v, cap * sizeof(*nv));

		if (!nv)
			oom();
		s->v = nv;
		s->cap = cap;
	}
	s->v[s->n++] = v;
}

static void push_arrival(struct rx *r, const struct arrival *a)
{
	if (r->narr == r->arrcap) {
		size_t cap = r->arrcap ? 2 * r->arrcap : 4096;
		struct arrival *na = realloc(r->arr, cap * sizeof(*na));

		if (!na)
			oom();
		r->arr = na;
		r->arrcap = cap;
	}
	r->arr[r->narr++] = *a;
}

/* One socket per stream on ADDR:PORT+i, all watched by one epoll set; the
 * stream number is the epoll cookie. @return the epoll fd */
static int open_sockets(const struct opts *o, struct rx *r)
{
	int ep = epoll_create1(EPOLL_CLOEXEC), one = 1, rcvbuf = 1 << 20;

	if (ep < 0) {
		perror("probe_rx: epoll");
		exit(2);
	}
	for (uint32_t i = 0; i < o->streams; i++) {
		struct sockaddr_in sa = {
			.sin_family = AF_INET, .sin_addr = o->addr,
			.sin_port = htons((uint16_t)(o->port + i)),
		};
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = i };
		int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

		if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one,
					 sizeof(one)) ||
		    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
		    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev)) {
			fprintf(stderr, "probe_rx: port %u: %s\n",
				o->port + i, strerror(errno));
			exit(2);
		}
		/* best effort: only matters if this program falls behind */
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
		r->fd[i] = fd;
	}
	return ep;
}

/* Kernel arrival stamp (CLOCK_REALTIME), or 0 when the packet has none. */
static uint64_t stamp_of(struct msghdr *mh)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SCM_TIMESTAMPNS) {
			struct timespec ts;

			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			return (uint64_t)ts.tv_sec * 1000000000ull +
			       (uint64_t)ts.tv_nsec;
		}
	}
	return 0;
}

/* A kernel stamp (CLOCK_REALTIME) on the sender's clock (CLOCK_MONOTONIC),
 * or now when there is none. */
static uint64_t to_mono(uint64_t rt_stamp)
{
	uint64_t rt, mono;

	if (!rt_stamp)
		return now_ns(CLOCK_MONOTONIC);
	rt = now_ns(CLOCK_REALTIME);
	mono = now_ns(CLOCK_MONOTONIC);
	return rt_stamp - (rt - mono);
}

/* Account for one probe packet of stream @p i arrived at @p at. */
static void account(const struct opts *o, struct rx *r, uint32_t i,
		    const struct probe_hdr *h, uint64_t at)
{
	struct stream *s = &r->st[i];
	uint64_t seq = __builtin_bswap64(h->seq);
	int64_t dev;
	struct arrival a = {
		.stream = i, .sent = __builtin_bswap64(h->sent_ns), .at = at,
	};

	push_arrival(r, &a);
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
	/* signed: an arrival stamped before the previous one (the kernel's
	 * wall-clock stamp, moved to the monotonic clock, when the wall
	 * clock steps) is a deviation, not a wrap to 2^64 */
	dev = (int64_t)(at - s->last_arrival) -
	      (int64_t)((seq - s->max_seq) * o->interval_ns);
	push(&r->dev, (uint64_t)(dev < 0 ? -dev : dev));
	s->max_seq = seq;
	s->last_arrival = at;
}

/* Take every packet waiting on stream @p i's socket. */
static void take(int fd, const struct opts *o, struct rx *r, uint32_t i)
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
		struct probe_hdr h;
		ssize_t len = recvmsg(fd, &mh, MSG_DONTWAIT);
		uint64_t at;

		if (len < 0)
			return;
		at = to_mono(stamp_of(&mh));
		if ((size_t)len < sizeof(h)) {
			r->bad++;
			continue;
		}
		memcpy(&h, buf, sizeof(h));
		if (ntohl(h.magic) != PROBE_MAGIC || ntohl(h.stream) != i) {
			r->bad++;
			continue;
		}
		account(o, r, i, &h, at);
	}
}

/* Take packets until SECONDS have passed, looking every POLL_NS rather
 * than being woken by each packet: the arrival stamps are the kernel's,
 * and a wake-up would be the sender's work in this lab (the sender's CPU
 * runs the receiving veth's softirq, and a wake-up of this process on
 * another CPU is an inter-processor interrupt, dear in a VM), where a LAN
 * host's receiving costs the sender nothing. */
static void receive(int ep, const struct opts *o, struct rx *r)
{
	const struct timespec pause = { 0, POLL_NS };
	uint64_t end = now_ns(CLOCK_MONOTONIC) + (uint64_t)(o->seconds * 1e9);
	struct epoll_event ev[64];

	while (now_ns(CLOCK_MONOTONIC) < end) {
		int n = epoll_wait(ep, ev, 64, 0);

		for (int k = 0; k < n; k++)
			take(r->fd[ev[k].data.u32], o, r, ev[k].data.u32);
		if (n < 64)
			nanosleep(&pause, NULL);
	}
}

/* a / b rounded down, for a of either sign and b > 0 */
static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b < 0);
}

/* The sender's period grid. Every stream is sent by one periodic task,
 * each send a little after its release, so the phases of the send times
 * modulo INTERVAL gather just after the grid's phase; a rare send late by
 * a large part of INTERVAL falls far from them. The grid's phase is taken
 * as the earliest phase not more than INTERVAL / 4 before the median one.
 * @return a grid point */
static int64_t grid_base(const struct opts *o, const struct rx *r)
{
	int64_t iv = (int64_t)o->interval_ns, b0 = (int64_t)r->arr[0].sent;
	uint64_t *ph = malloc(r->narr * sizeof(*ph));
	int64_t med, best = iv;

	if (!ph)
		oom();
	/* phase from the first packet's, in [0, iv), shifted by iv / 2 so
	 * that a little before the first packet's comes before it */
	for (size_t k = 0; k < r->narr; k++) {
		int64_t p = ((int64_t)r->arr[k].sent - b0 + iv / 2) % iv;

		ph[k] = (uint64_t)(p < 0 ? p + iv : p);
	}
	bench_sort_u64(ph, r->narr);
	med = (int64_t)ph[r->narr / 2];
	for (size_t k = 0; k < r->narr; k++) {
		if ((int64_t)ph[k] >= med - iv / 4) {
			best = (int64_t)ph[k];
			break;
		}
	}
	free(ph);
	return b0 + best - iv / 2;
}

/* Delay and jitter-buffer samples, from the arrivals kept. */
static void late_figures(const struct opts *o, struct rx *r,
			 struct samples *delay, struct samples *jb)
{
	int64_t iv = (int64_t)o->interval_ns, base = grid_base(o, r);
	int64_t *off = malloc(r->narr * sizeof(*off));

	if (!off)
		oom();
	for (size_t k = 0; k < r->narr; k++) {
		const struct arrival *a = &r->arr[k];
		int64_t slot = floor_div((int64_t)a->sent - base, iv);
		struct stream *s = &r->st[a->stream];

		push(delay, a->at > a->sent ? a->at - a->sent : 0);
		off[k] = (int64_t)a->at - (base + slot * iv);
		if (!s->has_jb || off[k] < s->min_jb)
			s->min_jb = off[k];
		s->has_jb = true;
	}
	for (size_t k = 0; k < r->narr; k++)
		push(jb, (uint64_t)(off[k] - r->st[r->arr[k].stream].min_jb));
	free(off);
}

/* p50, p99, p99.9 (and p99.99 with @p tail) and max of @p s, as
 * bench.NAME.<what>p50_us... */
static void fig_pct(const char *name, const char *what, struct samples *s,
		    bool tail)
{
	static const struct {
		const char *key;
		double pct;
	} p[] = { { "p50", 50 }, { "p99", 99 }, { "p999", 99.9 },
		  { "p9999", 99.99 } };
	size_t np = sizeof(p) / sizeof(p[0]) - (tail ? 0 : 1);
	char key[48];

	bench_sort_u64(s->v, s->n);
	for (size_t k = 0; k < np; k++) {
		snprintf(key, sizeof(key), "%s%s_us", what, p[k].key);
		bench_fig(name, key,
			  (double)bench_pct(s->v, s->n, p[k].pct) / 1e3, "us");
	}
	snprintf(key, sizeof(key), "%smax_us", what);
	bench_fig(name, key, s->n ? (double)s->v[s->n - 1] / 1e3 : 0, "us");
}

static void report(const struct opts *o, struct rx *r)
{
	struct samples jb = { 0 }, delay = { 0 };
	uint64_t lost = 0, seen = 0, expected = 0;

	for (uint32_t i = 0; i < o->streams; i++) {
		const struct stream *s = &r->st[i];
		uint64_t span = s->max_seq - s->first_seq + 1;

		if (!s->seen)
			continue;
		seen++;
		expected += span;
		if (span > s->got)
			lost += span - s->got;
	}
	bench_note("%s: %zu packets in %g s on %u stream(s) every %llu us, "
		   "%zu deviation samples", o->name, r->narr, o->seconds,
		   o->streams, (unsigned long long)(o->interval_ns / 1000),
		   r->dev.n);
	bench_fig(o->name, "packets", (double)r->narr, "count");
	bench_fig(o->name, "streams_seen", (double)seen, "count");
	bench_fig(o->name, "lost", (double)lost, "count");
	bench_fig(o->name, "loss_pct", expected ? 100.0 * (double)lost /
		  (double)expected : 0, "%");
	bench_fig(o->name, "reordered", (double)r->reordered, "count");
	bench_fig(o->name, "bad", (double)r->bad, "count");
	if (!r->narr)
		return;
	fig_pct(o->name, "", &r->dev, true);
	late_figures(o, r, &delay, &jb);
	fig_pct(o->name, "jb_", &jb, false);
	fig_pct(o->name, "delay_", &delay, false);
	free(jb.v);
	free(delay.v);
}

/* every packet to @p path: "STREAM SENT_NS ARRIVAL_NS" lines */
static void dump(const char *path, const struct rx *r)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		fprintf(stderr, "probe_rx: %s: cannot write\n", path);
		return;
	}
	for (size_t k = 0; k < r->narr; k++)
		fprintf(f, "%u %llu %llu\n", r->arr[k].stream,
			(unsigned long long)r->arr[k].sent,
			(unsigned long long)r->arr[k].at);
	if (fclose(f))
		fprintf(stderr, "probe_rx: %s: write failed\n", path);
}

int main(int argc, char **argv)
{
	struct rx r = { 0 };
	struct opts o;
	int ep;

	parse(argc, argv, &o);
	r.st = calloc(o.streams, sizeof(*r.st));
	r.fd = calloc(o.streams, sizeof(*r.fd));
	if (!r.st || !r.fd)
		oom();
	ep = open_sockets(&o, &r);
	receive(ep, &o, &r);
	report(&o, &r);
	if (o.dump)
		dump(o.dump, &r);
	fflush(stdout);
	free(r.st);
	free(r.fd);
	free(r.dev.v);
	free(r.arr);
	return r.narr ? 0 : 1;
}

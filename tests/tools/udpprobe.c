// SPDX-License-Identifier: MIT
/** @file udpprobe.c  UDP echo round trip: a fixed rate for a fixed count
 *
 * Sends COUNT datagrams to an echo service (the RT partition's UDP echo on
 * port 7) at RATE per second, on absolute send times of CLOCK_MONOTONIC (a
 * sender that fell behind catches up at once), and measures each round trip
 * from the moment just before send() to the kernel's arrival stamp of the
 * echo (SO_TIMESTAMPNS, CLOCK_REALTIME), so that this program's own
 * scheduling after the arrival does not count.
 * A datagram carries a magic, its sequence number and its send time (host
 * byte order: only this program reads them back).
 *
 *   udpprobe [-r RATE] [-c COUNT | -t SECONDS] [-s BYTES] [-w WAIT_MS]
 *            [-n NAME] HOST PORT
 *
 * After the last send it waits WAIT_MS (default 500) for late echoes; an
 * echo that has not come by then is lost. It prints, as benchmark figures
 * (tests/bench/bench_out.h), bench.NAME.{sent,received,lost,dup,loss_pct,
 * p50_us,p99_us,p999_us,max_us}; NAME defaults to "udpprobe".
 * Exit status: 0, 1 when nothing came back, 2 on a usage or socket error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tests/bench/bench_out.h"

#define UDPP_MAGIC	0x55445050u	/* "UDPP" */
#define NO_RTT		UINT64_MAX
#define COUNT_MAX	10000000ul

struct udpp_hdr {
	uint32_t magic;
	uint32_t pad;
	uint64_t seq;
	uint64_t sent_ns;	/* CLOCK_REALTIME */
};

struct opts {
	double rate;
	unsigned long count;
	size_t bytes;
	unsigned long wait_ms;
	const char *name;
	struct sockaddr_in dst;
};

struct run {
	uint64_t *rtt;		/* per sequence number; NO_RTT: no echo yet */
	unsigned long sent, send_err, received, dup, bad;
	uint8_t *buf;
};

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

__attribute__((noreturn)) static void usage(void)
{
	fprintf(stderr, "usage: udpprobe [-r RATE] [-c COUNT | -t SECONDS] "
		"[-s BYTES] [-w WAIT_MS] [-n NAME] HOST PORT\n");
	exit(2);
}

static double num_arg(const char *s, double min, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= min && v <= max)) {
		fprintf(stderr, "udpprobe: \"%s\" is not a number in %g..%g\n",
			s, min, max);
		usage();
	}
	return v;
}

static void parse(int argc, char **argv, struct opts *o)
{
	double seconds = 0;
	int c;

	*o = (struct opts){ .rate = 1000, .count = 10000, .bytes = 64,
			    .wait_ms = 500, .name = "udpprobe" };
	while ((c = getopt(argc, argv, "r:c:t:s:w:n:")) != -1) {
		switch (c) {
		case 'r':
			o->rate = num_arg(optarg, 1, 1e6);
			break;
		case 'c':
			o->count = (unsigned long)num_arg(optarg, 1, COUNT_MAX);
			break;
		case 't':
			seconds = num_arg(optarg, 0.001, 86400);
			break;
		case 's':
			o->bytes = (size_t)num_arg(optarg, sizeof(struct udpp_hdr),
						    1472);
			break;
		case 'w':
			o->wait_ms = (unsigned long)num_arg(optarg, 0, 60000);
			break;
		case 'n':
			o->name = optarg;
			break;
		default:
			usage();
		}
	}
	if (seconds > 0)
		o->count = (unsigned long)(seconds * o->rate + 0.5);
	if (o->count < 1 || o->count > COUNT_MAX || argc - optind != 2)
		usage();
	o->dst.sin_family = AF_INET;
	o->dst.sin_port = htons((uint16_t)num_arg(argv[optind + 1], 1, 65535));
	if (inet_pton(AF_INET, argv[optind], &o->dst.sin_addr) != 1) {
		fprintf(stderr, "udpprobe: bad IPv4 address %s\n", argv[optind]);
		usage();
	}
}

static int open_socket(const struct opts *o)
{
	int one = 1, rcvbuf = 4 << 20;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) ||
	    connect(fd, (const struct sockaddr *)&o->dst, sizeof(o->dst))) {
		perror("udpprobe: socket");
		exit(2);
	}
	/* best effort: a deep queue only matters if we fall far behind */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	return fd;
}

/* Kernel arrival stamp of a received datagram, or now if it has none. */
static uint64_t arrival_ns(struct msghdr *mh)
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
	return now_ns(CLOCK_REALTIME);
}

/* Take every echo waiting on the socket. */
static void drain(int fd, const struct opts *o, struct run *r)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct timespec)) * 2];
		struct cmsghdr align;
	} ctl;

	for (;;) {
		struct iovec iov = { .iov_base = r->buf, .iov_len = o->bytes };
		struct msghdr mh = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctl.buf, .msg_controllen = sizeof(ctl),
		};
		struct udpp_hdr h;
		ssize_t len = recvmsg(fd, &mh, MSG_DONTWAIT);
		uint64_t at;

		if (len < 0)
			return;	/* EAGAIN, or an ICMP error reported */
		at = arrival_ns(&mh);
		if ((size_t)len < sizeof(h)) {
			r->bad++;
			continue;
		}
		memcpy(&h, r->buf, sizeof(h));
		if (h.magic != UDPP_MAGIC || h.seq >= o->count) {
			r->bad++;
		} else if (r->rtt[h.seq] != NO_RTT) {
			r->dup++;
		} else {
			r->rtt[h.seq] = at > h.sent_ns ? at - h.sent_ns : 0;
			r->received++;
		}
	}
}

/* Wait until @p until (CLOCK_MONOTONIC) or an echo, taking echoes. */
static void wait_until(int fd, const struct opts *o, struct run *r,
		       uint64_t until)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint64_t now;

	while ((now = now_ns(CLOCK_MONOTONIC)) < until) {
		struct timespec ts = {
			.tv_sec = (time_t)((until - now) / 1000000000ull),
			.tv_nsec = (long)((until - now) % 1000000000ull),
		};

		if (ppoll(&pfd, 1, &ts, NULL) > 0)
			drain(fd, o, r);
	}
	drain(fd, o, r);
}

static void send_one(int fd, const struct opts *o, struct run *r,
		     uint64_t seq)
{
	struct udpp_hdr h = { .magic = UDPP_MAGIC, .seq = seq };

	memset(r->buf, 0, o->bytes);
	h.sent_ns = now_ns(CLOCK_REALTIME);
	memcpy(r->buf, &h, sizeof(h));
	if (send(fd, r->buf, o->bytes, 0) == (ssize_t)o->bytes)
		r->sent++;
	else
		r->send_err++;
}

static void report(const struct opts *o, struct run *r)
{
	uint64_t *v = r->rtt;
	size_t n = 0;

	for (unsigned long i = 0; i < o->count; i++)
		if (r->rtt[i] != NO_RTT)
			v[n++] = r->rtt[i];	/* compacts in place */
	bench_sort_u64(v, n);
	bench_note("%s: %lu sent at %g/s, %lu echoes, %lu send errors, "
		   "%lu malformed", o->name, r->sent, o->rate, r->received,
		   r->send_err, r->bad);
	bench_fig(o->name, "sent", (double)o->count, "count");
	bench_fig(o->name, "received", (double)r->received, "count");
	bench_fig(o->name, "lost", (double)(o->count - r->received), "count");
	bench_fig(o->name, "dup", (double)r->dup, "count");
	bench_fig(o->name, "loss_pct",
		  100.0 * (double)(o->count - r->received) / (double)o->count,
		  "%");
	if (!n)
		return;
	bench_fig(o->name, "p50_us", (double)bench_pct(v, n, 50) / 1e3, "us");
	bench_fig(o->name, "p99_us", (double)bench_pct(v, n, 99) / 1e3, "us");
	bench_fig(o->name, "p999_us", (double)bench_pct(v, n, 99.9) / 1e3,
		  "us");
	bench_fig(o->name, "max_us", (double)v[n - 1] / 1e3, "us");
}

int main(int argc, char **argv)
{
	struct run r = { 0 };
	uint64_t start, period, end;
	struct opts o;
	int fd;

	parse(argc, argv, &o);
	r.rtt = malloc(o.count * sizeof(*r.rtt));
	r.buf = malloc(o.bytes);
	if (!r.rtt || !r.buf) {
		fprintf(stderr, "udpprobe: out of memory\n");
		return 2;
	}
	for (unsigned long i = 0; i < o.count; i++)
		r.rtt[i] = NO_RTT;
	fd = open_socket(&o);
	period = (uint64_t)(1e9 / o.rate);
	start = now_ns(CLOCK_MONOTONIC);
	for (unsigned long i = 0; i < o.count; i++) {
		wait_until(fd, &o, &r, start + i * period);
		send_one(fd, &o, &r, i);
	}
	/* late echoes, until all are back or WAIT_MS has passed */
	end = now_ns(CLOCK_MONOTONIC) + o.wait_ms * 1000000ull;
	while (r.received < r.sent && now_ns(CLOCK_MONOTONIC) < end)
		wait_until(fd, &o, &r, now_ns(CLOCK_MONOTONIC) + 10000000ull);
	close(fd);
	report(&o, &r);
	fflush(stdout);
	free(r.rtt);
	free(r.buf);
	return r.received ? 0 : 1;
}

// SPDX-License-Identifier: MIT
/** @file udpstreams.c  Voice-like UDP streams from an ordinary Linux process
 *
 *   udpstreams --dest IP [--port PORT] [--src-port PORT] [--streams N]
 *              [--interval-us US] [--bytes B] [--seconds S]
 *              [--fifo PRIO] [--dscp N] [--cpu C]
 *
 * The Linux-only baseline of the voice benchmarks (tests/bench/voice.sh):
 * the same streams the RT partition's probe sends (sharednet/probe.h),
 * through the kernel's own UDP stack. Stream i goes from src-port + i (or
 * an ephemeral port) to dest:port + i, one packet of B bytes every
 * interval, each carrying its stream number, sequence number and send time
 * (CLOCK_MONOTONIC), all streams in one burst per period as the probe task
 * sends them; tests/tools/probe_rx.c measures them. One socket a
 * stream, as a media server would have.
 *
 * The tuned baseline: --fifo runs the sender at that SCHED_FIFO priority,
 * --cpu pins it, --dscp marks its packets (46: EF, for a priority class).
 *
 * At the end, one line: "streams=N sent=N send_errors=N refused=N
 * late_periods=N max_late_us=N" (refused: sends after the receiver closed
 * its socket, ECONNREFUSED; late_periods: bursts begun more than 1 ms after
 * their time, the sender's own scheduling delays). Exit status: 0, 2 on a usage
 * or socket error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sharednet/probe.h"

#define STREAMS_MAX	4000
#define BYTES_MAX	1400

struct opts {
	struct in_addr dest;
	unsigned port, src_port, streams, bytes, fifo, dscp;
	int cpu;
	uint64_t interval_ns;
	double seconds;
};

__attribute__((noreturn)) static void usage(void)
{
	fprintf(stderr, "usage: udpstreams --dest IP [--port PORT] "
		"[--src-port PORT] [--streams N] [--interval-us US] "
		"[--bytes B] [--seconds S] [--fifo PRIO] [--dscp N] "
		"[--cpu C]\n");
	exit(2);
}

static double num(const char *s, double lo, double hi)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= lo && v <= hi)) {
		fprintf(stderr, "udpstreams: \"%s\" is not in %g..%g\n", s,
			lo, hi);
		usage();
	}
	return v;
}

static void parse(int argc, char **argv, struct opts *o)
{
	int have_dest = 0;

	*o = (struct opts){ .port = 40000, .streams = 1, .bytes = 172,
			    .cpu = -1, .interval_ns = 20000000,
			    .seconds = 10 };
	for (int i = 1; i < argc; i += 2) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v)
			usage();
		if (!strcmp(k, "--dest")) {
			if (inet_pton(AF_INET, v, &o->dest) != 1)
				usage();
			have_dest = 1;
		} else if (!strcmp(k, "--port")) {
			o->port = (unsigned)num(v, 1, 65535);
		} else if (!strcmp(k, "--src-port")) {
			o->src_port = (unsigned)num(v, 1, 65535);
		} else if (!strcmp(k, "--streams")) {
			o->streams = (unsigned)num(v, 1, STREAMS_MAX);
		} else if (!strcmp(k, "--interval-us")) {
			o->interval_ns = (uint64_t)num(v, 100, 1e7) * 1000;
		} else if (!strcmp(k, "--bytes")) {
			o->bytes = (unsigned)num(v, sizeof(struct probe_hdr),
						 BYTES_MAX);
		} else if (!strcmp(k, "--seconds")) {
			o->seconds = num(v, 0.01, 86400);
		} else if (!strcmp(k, "--fifo")) {
			o->fifo = (unsigned)num(v, 1, 99);
		} else if (!strcmp(k, "--dscp")) {
			o->dscp = (unsigned)num(v, 0, 63);
		} else if (!strcmp(k, "--cpu")) {
			o->cpu = (int)num(v, 0, CPU_SETSIZE - 1);
		} else {
			usage();
		}
	}
	if (!have_dest || o->port + o->streams > 65536 ||
	    (o->src_port && o->src_port + o->streams > 65536))
		usage();
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int stream_socket(const struct opts *o, unsigned i)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr = o->dest,
				  .sin_port = htons((uint16_t)(o->port + i)) };
	struct sockaddr_in from = { .sin_family = AF_INET,
				    .sin_port = htons((uint16_t)(o->src_port +
								 i)) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int tos = (int)(o->dscp << 2);

	if (fd < 0 ||
	    (o->src_port && bind(fd, (struct sockaddr *)&from, sizeof(from))) ||
	    (o->dscp && setsockopt(fd, IPPROTO_IP, IP_TOS, &tos,
				   sizeof(tos))) ||
	    connect(fd, (struct sockaddr *)&to, sizeof(to))) {
		fprintf(stderr, "udpstreams: stream %u: %s\n", i,
			strerror(errno));
		exit(2);
	}
	return fd;
}

static void setup_sched(const struct opts *o)
{
	if (o->cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(o->cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			fprintf(stderr, "udpstreams: cpu %d: %s (going on)\n",
				o->cpu, strerror(errno));
	}
	if (o->fifo) {
		struct sched_param sp = { .sched_priority = (int)o->fifo };

		if (sched_setscheduler(0, SCHED_FIFO, &sp))
			fprintf(stderr, "udpstreams: SCHED_FIFO: %s (going "
				"on)\n", strerror(errno));
	}
}

int main(int argc, char **argv)
{
	static uint8_t payload[BYTES_MAX];
	uint64_t sent = 0, errors = 0, refused = 0, late = 0, max_late = 0;
	uint64_t start, periods;
	struct probe_hdr h = { .magic = htonl(PROBE_MAGIC) };
	struct opts o;
	int *fd;

	parse(argc, argv, &o);
	fd = calloc(o.streams, sizeof(*fd));
	if (!fd) {
		fprintf(stderr, "udpstreams: out of memory\n");
		return 2;
	}
	for (unsigned i = 0; i < o.streams; i++)
		fd[i] = stream_socket(&o, i);
	setup_sched(&o);
	periods = (uint64_t)(o.seconds * 1e9) / o.interval_ns;
	start = now_ns() + o.interval_ns;
	for (uint64_t k = 0; k < periods; k++) {
		uint64_t due = start + k * o.interval_ns, now;
		struct timespec ts = { .tv_sec = (time_t)(due / 1000000000ull),
				       .tv_nsec = (long)(due % 1000000000ull) };

		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
				       NULL) == EINTR)
			;
		now = now_ns();
		if (now - due > max_late)
			max_late = now - due;
		if (now - due > 1000000)
			late++;
		h.seq = __builtin_bswap64(k);
		for (unsigned i = 0; i < o.streams; i++) {
			h.stream = htonl(i);
			h.sent_ns = __builtin_bswap64(now_ns());
			memcpy(payload, &h, sizeof(h));
			if (send(fd[i], payload, o.bytes, 0) == (ssize_t)o.bytes)
				sent++;
			else if (errno == ECONNREFUSED)
				refused++;
			else
				errors++;
		}
	}
	printf("streams=%u sent=%llu send_errors=%llu refused=%llu "
	       "late_periods=%llu max_late_us=%llu\n", o.streams,
	       (unsigned long long)sent, (unsigned long long)errors,
	       (unsigned long long)refused, (unsigned long long)late,
	       (unsigned long long)(max_late / 1000));
	for (unsigned i = 0; i < o.streams; i++)
		close(fd[i]);
	free(fd);
	return 0;
}

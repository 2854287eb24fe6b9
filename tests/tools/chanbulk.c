// SPDX-License-Identifier: MIT
/** @file chanbulk.c  Open and close many voice channels at once; the RT
 *  partition's task statistics
 *
 *   chanbulk [--run-dir DIR] [--timeout-ms MS] open   lines "ID LEG_A [LEG_B]"
 *   chanbulk [--run-dir DIR] [--timeout-ms MS] close  lines "ID ..."
 *   chanbulk [--run-dir DIR] stats
 *
 * open and close do what `gwctl chan open/close` does (legs as in
 * linux-side/chanctl.h), for hundreds of channels in a fraction of a
 * second: up to WINDOW requests are in flight on channel 4 at a time, each
 * answered through the bus's results area within MS (default 3000) ms
 * of being sent. They print one line,
 * "requests=N ok=N failed=N", and the first few refusals on stderr.
 *
 * stats prints what the RT status page holds, one record a line, for
 * scripts (times in ns, counters since the RT partition started; age_ms: how old
 * the page is: its writer, the RT partition's lowest-priority task, falls
 * behind when the RT CPU is saturated, and then every figure is stale):
 *   rt pid=P alloc_after_start=N chans=N age_ms=N
 *   task NAME prio=P period_ns=N runs=N missed=N skipped=N overruns=N
 *        stalls=N lat_p50=N lat_p99=N lat_p999=N lat_max=N run_p50=N
 *        run_p99=N run_max=N
 *   counter NAME VALUE
 *   legs rtp=N tdm=N rx=N tx=N lost=N late=N malformed=N wrong_ssrc=N
 * (legs: sums over the channel table the status page shows, at most
 * RTSTAT_MAX_CHANS channels).
 *
 * Exit status: 0; 1 when the gateway cannot be reached or a request was
 * refused or not answered; 2 on a usage error.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "board/ctl.h"
#include "linux-side/chanctl.h"
#include "rtos-kernel/rtk.h"
#include "sharednet/bus.h"
#include "sharednet/msg.h"
#include "sharednet/rtstat.h"

#define WINDOW		32	/* < BUS_RESULTS: no result overwritten */
#define TIMEOUT_MS	3000	/* default */
#define SHOW_ERRORS	5
#define LINE_MAX_LEN	512

struct pending {
	uint32_t seq, id;
	uint16_t type;
	uint64_t sent_ns;
};

struct batch {
	struct bus *b;
	struct pending p[WINDOW];
	unsigned n;
	uint32_t next_seq;
	unsigned long requests, ok, failed;
};

static char sock[PATH_MAX];
static uint64_t timeout_ns = RTK_MS(TIMEOUT_MS);

static int usage(void)
{
	fprintf(stderr, "usage: chanbulk [--run-dir DIR] [--timeout-ms MS] "
		"open|close|stats\n"
		"  open:  lines \"ID LEG_A [LEG_B]\" on stdin\n"
		"  close: lines \"ID ...\" on stdin\n");
	return 2;
}

static struct bus *map_bus(const char *req, enum bus_side side)
{
	char reply[64], err[256];
	struct bus *b;
	int fd = -1, e;

	e = ctl_request(sock, req, reply, sizeof(reply), &fd);
	if (e || fd < 0 || strncmp(reply, "ok", 2)) {
		fprintf(stderr, "chanbulk: %s: %s\n", sock,
			e ? strerror(-e) : "no bus from the dispatcher");
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (bus_attach(&b, fd, NULL, side, err, sizeof(err))) {
		fprintf(stderr, "chanbulk: bus: %s\n", err);
		close(fd);
		return NULL;
	}
	return b;
}

static void refused(struct batch *bt, uint32_t id, const char *why)
{
	if (bt->failed++ < SHOW_ERRORS)
		fprintf(stderr, "chanbulk: channel %u: %s\n", id, why);
}

/* Wait until at most @p keep requests are in flight. */
static void settle(struct batch *bt, unsigned keep)
{
	const struct timespec pause = { 0, 200000 };

	while (bt->n > keep) {
		uint64_t now = rtk_now_ns();

		for (unsigned i = 0; i < bt->n;) {
			struct pending *p = &bt->p[i];
			int res;

			if (bus_result_find(bt->b, p->seq, p->type, &res)) {
				if (res)
					refused(bt, p->id, strerror(-res));
				else
					bt->ok++;
			} else if (now - p->sent_ns > timeout_ns) {
				refused(bt, p->id, "no answer");
			} else {
				i++;
				continue;
			}
			*p = bt->p[--bt->n];
		}
		if (bt->n > keep)
			nanosleep(&pause, NULL);
	}
}

static void send_req(struct batch *bt, struct gwmsg *m)
{
	uint8_t rec[MSG_SIZE] = { 0 };
	int err;

	settle(bt, WINDOW - 1);
	m->h.seq = ((uint32_t)getpid() << 16) ^ ++bt->next_seq;
	memcpy(rec, m, sizeof(*m));
	bt->requests++;
	err = bus_linux_send(bt->b, BUS_CH_MSG_DOWN, rec, MSG_SIZE);
	if (err) {
		refused(bt, m->h.chan, strerror(-err));
		return;
	}
	bt->p[bt->n++] = (struct pending){ .seq = m->h.seq, .id = m->h.chan,
					   .type = m->h.type,
					   .sent_ns = rtk_now_ns() };
}

static int parse_id(const char *s, uint32_t *id)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (!*s || *end || !v || v > UINT32_MAX)
		return -EINVAL;
	*id = (uint32_t)v;
	return 0;
}

/* One line of stdin as a request; blank lines and "#" comments skipped.
 * @return 0, or -EINVAL (reported) */
static int line_req(struct batch *bt, char *line, int open)
{
	char *w[3] = { 0 }, *save = NULL, why[160];
	struct gwmsg m;
	uint32_t id;
	unsigned n = 0;

	for (char *t = strtok_r(line, " \t\r\n", &save); t && n < 3;
	     t = strtok_r(NULL, " \t\r\n", &save))
		w[n++] = t;
	if (!n || w[0][0] == '#')
		return 0;
	if (parse_id(w[0], &id)) {
		fprintf(stderr, "chanbulk: bad channel id '%s'\n", w[0]);
		return -EINVAL;
	}
	msg_init(&m, open ? MSG_CHAN_OPEN : MSG_CHAN_CLOSE, id);
	if (open) {
		if (n < 2 || chanctl_parse_leg(w[1], &m.u.open.a, why,
					       sizeof(why)) ||
		    (n == 3 && chanctl_parse_leg(w[2], &m.u.open.b, why,
						 sizeof(why)))) {
			fprintf(stderr, "chanbulk: channel %u: %s\n", id,
				n < 2 ? "no leg" : why);
			return -EINVAL;
		}
	}
	send_req(bt, &m);
	return 0;
}

static int cmd_requests(int open)
{
	struct batch bt = { 0 };
	char line[LINE_MAX_LEN];
	int bad = 0;

	bt.b = map_bus("bus-rw", BUS_SIDE_LINUX);
	if (!bt.b)
		return 1;
	while (fgets(line, sizeof(line), stdin))
		if (line_req(&bt, line, open))
			bad = 1;
	settle(&bt, 0);
	bus_detach(bt.b);
	printf("requests=%lu ok=%lu failed=%lu\n", bt.requests, bt.ok,
	       bt.failed);
	return bad ? 2 : bt.failed ? 1 : 0;
}

static void print_task(const struct rtstat_task *t)
{
	printf("task %s prio=%d period_ns=%" PRIu64 " runs=%" PRIu64
	       " missed=%" PRIu64 " skipped=%" PRIu64 " overruns=%" PRIu64
	       " stalls=%" PRIu64 " lat_p50=%" PRIu64 " lat_p99=%" PRIu64
	       " lat_p999=%" PRIu64 " lat_max=%" PRIu64 " run_p50=%" PRIu64
	       " run_p99=%" PRIu64 " run_max=%" PRIu64 "\n", t->name,
	       t->prio, t->period_ns, t->runs, t->missed, t->skipped,
	       t->overruns, t->stalls, t->lat_p50, t->lat_p99, t->lat_p999,
	       t->lat_max, t->run_p50, t->run_p99, t->run_max);
}

static void print_legs(const struct rtstat *st)
{
	uint64_t v[8] = { 0 };	/* rtp tdm rx tx lost late malformed ssrc */

	for (uint32_t i = 0; i < st->nchans && i < RTSTAT_MAX_CHANS; i++) {
		for (unsigned k = 0; k < 2; k++) {
			const struct rtstat_leg *l = &st->chan[i].leg[k];

			if (l->kind == MSG_LEG_TDM)
				v[1]++;
			if (l->kind != MSG_LEG_RTP)
				continue;
			v[0]++;
			v[2] += l->rx_packets;
			v[3] += l->tx_packets;
			v[4] += l->lost;
			v[5] += l->late;
			v[6] += l->malformed;
			v[7] += l->wrong_ssrc;
		}
	}
	printf("legs rtp=%" PRIu64 " tdm=%" PRIu64 " rx=%" PRIu64 " tx=%"
	       PRIu64 " lost=%" PRIu64 " late=%" PRIu64 " malformed=%" PRIu64
	       " wrong_ssrc=%" PRIu64 "\n", v[0], v[1], v[2], v[3], v[4],
	       v[5], v[6], v[7]);
}

static int cmd_stats(void)
{
	static struct rtstat st;	/* too big for the stack */
	struct bus *b = map_bus("bus", BUS_SIDE_OBSERVER);
	int err;

	if (!b)
		return 1;
	err = rtstat_read(bus_status(b), &st);
	bus_detach(b);
	if (err) {
		fprintf(stderr, "chanbulk: RT status page: %s\n",
			strerror(-err));
		return 1;
	}
	printf("rt pid=%u alloc_after_start=%" PRIu64 " chans=%u age_ms=%" PRIu64
	       "\n", st.pid, st.alloc_after_start, st.nchans,
	       (rtk_now_ns() - st.updated_ns) / 1000000);
	for (uint32_t i = 0; i < st.ntasks && i < RTSTAT_MAX_TASKS; i++)
		print_task(&st.task[i]);
	for (uint32_t i = 0; i < st.ncounters && i < RTSTAT_MAX_COUNTERS; i++)
		printf("counter %s %" PRIu64 "\n", st.counter[i].name,
		       st.counter[i].value);
	print_legs(&st);
	return 0;
}

int main(int argc, char **argv)
{
	const char *dir = getenv("GW_RUN_DIR");
	int i = 1;

	for (; i + 2 < argc; i += 2) {
		if (!strcmp(argv[i], "--run-dir")) {
			dir = argv[i + 1];
		} else if (!strcmp(argv[i], "--timeout-ms")) {
			long ms = strtol(argv[i + 1], NULL, 10);

			if (ms < 1 || ms > 600000)
				return usage();
			timeout_ns = RTK_MS((uint64_t)ms);
		} else {
			return usage();
		}
	}
	if (!dir || argc != i + 1)
		return usage();
	if (ctl_path(dir, sock, sizeof(sock))) {
		fprintf(stderr, "chanbulk: run directory too long\n");
		return 2;
	}
	if (!strcmp(argv[i], "open"))
		return cmd_requests(1);
	if (!strcmp(argv[i], "close"))
		return cmd_requests(0);
	if (!strcmp(argv[i], "stats"))
		return cmd_stats();
	return usage();
}

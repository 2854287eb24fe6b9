// SPDX-License-Identifier: MIT
/** @file gwctl_main.c  gwctl: the gateway's state and counters
 *
 * Usage: gwctl [--run-dir DIR] COMMAND
 *   status          partitions, the RT executive, tasks, the shared
 *                   interface as the RT side applies it, bus rings
 *   tasks           RT tasks with their wake-up lateness histograms
 *   counters        every counter as "name value" lines
 *   arp             the RT stack's ARP cache
 *   chans           open voice channels with their legs' statistics
 *   chan open ID LEG_A [LEG_B]    (legs: see linux-side/chanctl.h)
 *   chan modify ID LEG_A [LEG_B]
 *   chan close ID
 *   chan dtmf ID a|b DIGITS       play digits on a leg
 *   chan tone ID a|b dial|ringback|busy|congestion|stop [COUNTRY]
 *   line SPAN/LINE ring|ringoff|seize|release|answer|clear
 *   events [SECONDS]              print channel 4's events (DTMF, lines);
 *                   only while no call-control daemon takes them
 *   restart NAME    restart a partition (rtpart, ...)
 *   sip [status]    the SIP engine: counters, calls up, registrations
 *                   (sipd's status, one JSON object, indented)
 *   sip events [SINCE]  call events after number SINCE (JSON)
 *   sip hangup ID   end a call
 *   sip reload      apply the configuration files' provisioning
 * The control socket is DIR/ctl.sock; DIR is --run-dir, else $GW_RUN_DIR,
 * else [board] run_dir of the configuration. gwctl maps the bus read-only:
 * it never disturbs the RT partition.
 * Exit status: 0 ok, 1 the gateway cannot be reached or said no, 2 usage.
 */
#define LOG_MODULE "gwctl"
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "board/config.h"
#include "board/ctl.h"
#include "linux-side/chanctl.h"
#include "linux-side/rtview.h"
#include "media/vbd.h"
#include "rtos-kernel/rtk.h"
#include "sharednet/bus.h"

static char sock[PATH_MAX];
static const char *run_dir;

static int usage(void);

static int ask(const char *req, char *reply, size_t len, int *fdp)
{
	char why[PATH_MAX + 128];

	if (rtview_ask(run_dir, req, reply, len, fdp, why, sizeof(why))) {
		fprintf(stderr, "gwctl: %s\n", why);
		return 1;
	}
	return 0;
}

/* the bus, mapped read-only: NULL (said why) when it cannot be */
static struct rtview *map_bus(void)
{
	char why[PATH_MAX + 128];
	struct rtview *v;

	if (rtview_open(&v, run_dir, why, sizeof(why))) {
		fprintf(stderr, "gwctl: %s\n", why);
		return NULL;
	}
	return v;
}

static double us(uint64_t ns)
{
	return (double)ns / 1000.0;
}

static void print_rt(const struct rtstat *st)
{
	uint64_t now = rtk_now_ns();

	printf("rt partition: pid %u, up %.1f s, %s, memory %s, %u cpu(s), "
	       "status %.0f ms old\n", st->pid,
	       (double)(now - st->started_ns) / 1e9,
	       st->fifo ? "SCHED_FIFO" : "NORMAL PRIORITY",
	       st->memory_locked ? "locked" : "NOT locked", st->ncpus,
	       (double)(now - st->updated_ns) / 1e6);
	if (st->warning[0])
		printf("  warning: %s\n", st->warning);
	printf("  allocations by RT tasks after start: %" PRIu64 "\n",
	       st->alloc_after_start);
	printf("  %-12s %4s %9s %10s %7s %7s %6s %6s %9s %9s %9s %9s %9s\n",
	       "task", "prio", "period", "runs", "missed", "skipped",
	       "overr", "stalls", "late50us", "late99us", "late999us",
	       "latemaxus", "run99us");
	for (uint32_t i = 0; i < st->ntasks; i++) {
		const struct rtstat_task *t = &st->task[i];

		printf("  %-12s %4d %7.1fms %10" PRIu64 " %7" PRIu64 " %7"
		       PRIu64 " %6" PRIu64 " %6" PRIu64
		       " %9.1f %9.1f %9.1f %9.1f %9.1f\n", t->name, t->prio,
		       (double)t->period_ns / 1e6, t->runs, t->missed,
		       t->skipped, t->overruns, t->stalls, us(t->lat_p50),
		       us(t->lat_p99), us(t->lat_p999), us(t->lat_max),
		       us(t->run_p99));
	}
}

static void print_net(struct bus *b, const struct rtstat *st)
{
	const struct rtstat_net *n = &st->net;
	char ip[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN], ports[512];

	inet_ntop(AF_INET, &n->ip, ip, sizeof(ip));
	inet_ntop(AF_INET, &n->gateway, gw, sizeof(gw));
	printf("shared interface (RT side): mac %02x:%02x:%02x:%02x:%02x:%02x "
	       "address %s/%u gateway %s mtu %u %s\n", n->mac[0], n->mac[1],
	       n->mac[2], n->mac[3], n->mac[4], n->mac[5], ip, n->prefix_len,
	       n->gateway ? gw : "none", n->mtu, n->up ? "up" : "down");
	if (n->netcfg_applied_ns)
		printf("  settings #%u from Linux applied %.1f s ago\n",
		       n->netcfg_seq, (double)(rtk_now_ns() -
		       n->netcfg_applied_ns) / 1e9);
	else
		printf("  settings from the configuration (none from Linux "
		       "yet)\n");
	if (ports_format(bus_ports(b), ports, sizeof(ports)))
		snprintf(ports, sizeof(ports), "(too many ranges to show)");
	printf("  RT UDP ports: %s\n", ports);
}

static void print_rings(struct rtview *v)
{
	struct ring_stats r[BUS_NCHAN];

	rtview_rings(v, r);
	printf("bus rings:\n  %-12s %9s %9s %9s %12s %12s %10s %10s %8s\n",
	       "channel", "size", "used", "highwater", "records_in",
	       "records_out", "drop_full", "drop_big", "bad");
	for (int ch = 0; ch < BUS_NCHAN; ch++) {
		const struct ring_stats *rs = &r[ch];

		printf("  %-12s %9" PRIu64 " %9" PRIu64 " %9" PRIu64 " %12"
		       PRIu64 " %12" PRIu64 " %10" PRIu64 " %10" PRIu64 " %8"
		       PRIu64 "\n", bus_chan_name(ch), rs->size, rs->used,
		       rs->high_water, rs->records_in, rs->records_out,
		       rs->drop_full, rs->drop_too_big, rs->bad_records);
	}
}

static int read_rt(struct rtview *v, struct rtstat *st)
{
	char why[128];
	int err = rtview_read(v, st, why, sizeof(why));

	if (err)
		fprintf(stderr, "gwctl: %s\n", why);
	return err;
}

static int cmd_status(void)
{
	static struct rtstat st;
	char reply[CTL_MAX_REPLY];
	struct rtview *v;

	if (ask("status", reply, sizeof(reply), NULL))
		return 1;
	fputs(reply, stdout);
	v = map_bus();
	if (!v)
		return 1;
	if (!read_rt(v, &st)) {
		print_rt(&st);
		print_net(rtview_bus(v), &st);
	}
	print_rings(v);
	rtview_close(v);
	return 0;
}

static int cmd_tasks(void)
{
	static struct rtstat st;
	struct rtview *v = map_bus();
	int rc = 1;

	if (!v)
		return 1;
	if (!read_rt(v, &st)) {
		print_rt(&st);
		for (uint32_t i = 0; i < st.ntasks; i++) {
			const struct rtstat_task *t = &st.task[i];

			printf("lateness %s (%" PRIu64 " wake-ups):\n",
			       t->name, t->lat_count);
			for (int h = 0; h < RTSTAT_HIST; h++)
				if (t->lat_hist[h])
					printf("  < %10.1f us %12" PRIu64 "\n",
					       us(2ull << h), t->lat_hist[h]);
		}
		rc = 0;
	}
	rtview_close(v);
	return rc;
}

static void print_counter(const char *name, uint64_t value, void *arg)
{
	(void)arg;
	printf("%s %" PRIu64 "\n", name, value);
}

static int cmd_counters(void)
{
	static struct rtstat st;
	struct rtview *v = map_bus();

	if (!v)
		return 1;
	rtview_counters(v, read_rt(v, &st) ? NULL : &st, print_counter, NULL);
	rtview_close(v);
	return 0;
}

static int cmd_arp(void)
{
	static struct rtstat st;
	struct rtview *v = map_bus();
	char ip[INET_ADDRSTRLEN];

	if (!v)
		return 1;
	if (read_rt(v, &st)) {
		rtview_close(v);
		return 1;
	}
	for (uint32_t i = 0; i < st.net.narp && i < RTSTAT_MAX_ARP; i++) {
		const uint8_t *m = st.net.arp[i].mac;

		inet_ntop(AF_INET, &st.net.arp[i].ip, ip, sizeof(ip));
		printf("%s %02x:%02x:%02x:%02x:%02x:%02x\n", ip, m[0], m[1],
		       m[2], m[3], m[4], m[5]);
	}
	rtview_close(v);
	return 0;
}

static struct bus *map_bus_rw(void)
{
	char reply[64], err[256];
	struct bus *b;
	int fd;

	if (ask("bus-rw", reply, sizeof(reply), &fd))
		return NULL;
	if (bus_attach(&b, fd, NULL, BUS_SIDE_LINUX, err, sizeof(err))) {
		fprintf(stderr, "gwctl: bus: %s\n", err);
		close(fd);
		return NULL;
	}
	return b;
}

static int request(struct gwmsg *m)
{
	struct bus *b = map_bus_rw();
	int err, result = 0;

	if (!b)
		return 1;
	err = chanctl_request(b, m, 2000, &result);
	bus_detach(b);
	if (err) {
		fprintf(stderr, "gwctl: %s: %s\n", msg_type_name(m->h.type),
			err == -ETIMEDOUT ? "no answer from the RT partition" :
			strerror(-err));
		return 1;
	}
	if (result) {
		fprintf(stderr, "gwctl: %s refused: %s\n",
			msg_type_name(m->h.type), strerror(-result));
		return 1;
	}
	printf("ok\n");
	return 0;
}

static int parse_id(const char *s, uint32_t *id)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (!*s || *end || !v || v > UINT32_MAX) {
		fprintf(stderr, "gwctl: bad channel id '%s'\n", s);
		return -1;
	}
	*id = (uint32_t)v;
	return 0;
}

static int cmd_chan(int argc, char **argv)
{
	static const char *const tones[] = { "stop", "dial", "ringback",
					     "busy", "congestion" };
	struct gwmsg m;
	char why[160];
	uint32_t id;
	int leg;

	if (argc < 2 || parse_id(argv[1], &id))
		return usage();
	if ((!strcmp(argv[0], "open") || !strcmp(argv[0], "modify")) &&
	    (argc == 3 || argc == 4)) {
		msg_init(&m, argv[0][0] == 'o' ? MSG_CHAN_OPEN :
			 MSG_CHAN_MODIFY, id);
		if (chanctl_parse_leg(argv[2], &m.u.open.a, why, sizeof(why)) ||
		    (argc == 4 && chanctl_parse_leg(argv[3], &m.u.open.b, why,
						    sizeof(why)))) {
			fprintf(stderr, "gwctl: %s\n", why);
			return 2;
		}
		return request(&m);
	}
	if (!strcmp(argv[0], "close") && argc == 2) {
		msg_init(&m, MSG_CHAN_CLOSE, id);
		return request(&m);
	}
	if (argc < 4 || (strcmp(argv[2], "a") && strcmp(argv[2], "b")))
		return usage();
	leg = argv[2][0] == 'b';
	if (!strcmp(argv[0], "dtmf") && argc == 4) {
		for (const char *d = argv[3]; *d; d++) {
			msg_init(&m, MSG_CHAN_DTMF, id);
			m.u.dtmf.leg = (uint8_t)leg;
			m.u.dtmf.digit = *d;
			m.u.dtmf.duration_ms = 100;
			if (request(&m))
				return 1;
		}
		return 0;
	}
	if (!strcmp(argv[0], "tone") && (argc == 4 || argc == 5)) {
		msg_init(&m, MSG_CHAN_TONE, id);
		m.u.tone.leg = (uint8_t)leg;
		for (m.u.tone.tone = 0; m.u.tone.tone < 5 &&
		     strcmp(argv[3], tones[m.u.tone.tone]); m.u.tone.tone++)
			;
		if (m.u.tone.tone == 5)
			return usage();
		snprintf(m.u.tone.country, sizeof(m.u.tone.country), "%s",
			 argc == 5 ? argv[4] : "us");
		return request(&m);
	}
	return usage();
}

static int cmd_line(const char *where, const char *what)
{
	static const char *const cmds[] = { "ring", "ringoff", "seize",
					    "release", "answer", "clear" };
	char spec[64], why[128];
	struct msg_leg leg;
	struct gwmsg m;

	msg_init(&m, MSG_LINE_CMD, 0);
	snprintf(spec, sizeof(spec), "tdm:%s", where);
	if (strchr(where, ',') ||
	    chanctl_parse_leg(spec, &leg, why, sizeof(why))) {
		fprintf(stderr, "gwctl line: %s\n", strchr(where, ',') ?
			"SPAN/LINE takes no options" : why);
		return 2;
	}
	m.u.line.span = leg.span;
	m.u.line.line = leg.line;
	for (m.u.line.what = 0; m.u.line.what < 6 &&
	     strcmp(what, cmds[m.u.line.what]); m.u.line.what++)
		;
	if (m.u.line.what == 6)
		return usage();
	return request(&m);
}

static int cmd_events(double seconds)
{
	static const char *const evs[] = { "offhook", "onhook", "flash",
		"ring", "ring-stop", "seize", "answer", "clear" };
	uint64_t until = rtk_now_ns() + (uint64_t)(seconds * 1e9);
	struct bus *b = map_bus_rw();
	uint8_t rec[MSG_SIZE];
	struct gwmsg m;

	if (!b)
		return 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (rtk_now_ns() < until) {
		ssize_t n = bus_linux_recv(b, BUS_CH_MSG_UP, rec, sizeof(rec));

		if (n == -EAGAIN) {
			usleep(2000);
			continue;
		}
		if (n < 0 || msg_check(rec, (size_t)n, &m)) {
			printf("bad message (%zd bytes)\n", n);
			continue;
		}
		switch (m.h.type) {
		case MSG_DTMF_EVENT:
			printf("dtmf chan %u leg %c digit %c duration %u\n",
			       m.h.chan, "ab"[m.u.dtmf.leg & 1], m.u.dtmf.digit,
			       m.u.dtmf.duration_ms);
			break;
		case MSG_VBD_EVENT:
			printf("vbd chan %u leg %c tone %s %s the line\n",
			       m.h.chan, "ab"[m.u.vbd.leg & 1],
			       vbd_tone_name((enum vbd_tone)m.u.vbd.tone),
			       m.u.vbd.to_line ? "to" : "from");
			break;
		case MSG_LINE_EVENT:
			printf("line %u/%u %s\n", m.u.line.span, m.u.line.line,
			       m.u.line.what < 8 ? evs[m.u.line.what] : "?");
			break;
		default:
			printf("%s chan %u\n", msg_type_name(m.h.type),
			       m.h.chan);
		}
	}
	bus_detach(b);
	return 0;
}

static int cmd_chans(void)
{
	static struct rtstat st;
	struct rtview *v = map_bus();
	char a[256], bb[256];

	if (!v)
		return 1;
	if (read_rt(v, &st)) {
		rtview_close(v);
		return 1;
	}
	printf("%u channel(s)\n", st.nchans);
	for (uint32_t i = 0; i < st.nchans; i++) {
		chanctl_format_leg(&st.chan[i].leg[0], a, sizeof(a));
		chanctl_format_leg(&st.chan[i].leg[1], bb, sizeof(bb));
		printf("chan %u age %.1f s%s%s | a: %s | b: %s\n",
		       st.chan[i].id, st.chan[i].age_ms / 1000.0,
		       st.chan[i].data ? " data" : "",
		       st.chan[i].ec_off ? " ec_off" : "", a, bb);
	}
	rtview_close(v);
	return 0;
}

/* a request to sipd's control socket, beside the dispatcher's: JSON
 * replies indented, others as they come */
static int cmd_sip(const char *req)
{
	static char reply[CTL_MAX_REPLY + 1];
	char path[PATH_MAX + 16];
	json_error_t jerr;
	json_t *j;
	int err;

	snprintf(path, sizeof(path), "%.*s/sipd.sock",
		 (int)(strrchr(sock, '/') - sock), sock);
	err = ctl_request(path, req, reply, sizeof(reply), NULL);
	if (err) {
		fprintf(stderr, "gwctl: %s: %s (is sipd running?)\n", path,
			strerror(-err));
		return 1;
	}
	if (!strncmp(reply, "error", 5)) {
		fprintf(stderr, "gwctl: sipd: %s\n", reply);
		return 1;
	}
	j = json_loads(reply, 0, &jerr);
	if (!j) {
		puts(reply);
		return 0;
	}
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
	putchar('\n');
	json_decref(j);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: gwctl [--run-dir DIR] "
		"status|tasks|counters|arp|chans|restart NAME|\n"
		"       chan open|modify ID LEG_A [LEG_B] | chan close ID |\n"
		"       chan dtmf ID a|b DIGITS | chan tone ID a|b KIND [CC] |\n"
		"       line SPAN/LINE ring|ringoff|seize|release|answer|clear |"
		"\n       events [SECONDS] | sip [status|events [SINCE]|"
		"hangup ID|reload]\n");
	return 2;
}

int main(int argc, char **argv)
{
	static struct gw_config cfg;
	struct cfg_err cerr;
	char reply[256], err[300];
	int i = 1;

	run_dir = getenv("GW_RUN_DIR");
	if (argc > 2 && !strcmp(argv[1], "--run-dir")) {
		run_dir = argv[2];
		i = 3;
	}
	if (i >= argc)
		return usage();
	if (!run_dir) {
		if (cfg_load_env(&cfg, NULL, &cerr)) {
			fprintf(stderr, "gwctl: config: %s\n",
				cfg_err_str(&cerr, err, sizeof(err)));
			return 1;
		}
		run_dir = cfg.board.run_dir;
	}
	if (ctl_path(run_dir, sock, sizeof(sock)))
		return usage();
	if (!strcmp(argv[i], "status") && i + 1 == argc)
		return cmd_status();
	if (!strcmp(argv[i], "tasks") && i + 1 == argc)
		return cmd_tasks();
	if (!strcmp(argv[i], "counters") && i + 1 == argc)
		return cmd_counters();
	if (!strcmp(argv[i], "arp") && i + 1 == argc)
		return cmd_arp();
	if (!strcmp(argv[i], "chans") && i + 1 == argc)
		return cmd_chans();
	if (!strcmp(argv[i], "chan") && i + 2 < argc)
		return cmd_chan(argc - i - 1, argv + i + 1);
	if (!strcmp(argv[i], "line") && i + 3 == argc)
		return cmd_line(argv[i + 1], argv[i + 2]);
	if (!strcmp(argv[i], "events") && i + 2 >= argc)
		return cmd_events(i + 1 < argc ? atof(argv[i + 1]) : 5.0);
	if (!strcmp(argv[i], "sip") && i + 4 >= argc) {
		char req[CTL_MAX_REQ] = "status";

		for (int k = i + 1, off = 0; k < argc &&
		     off < (int)sizeof(req); k++)
			off += snprintf(req + off, sizeof(req) - (size_t)off,
					"%s%s", k > i + 1 ? " " : "", argv[k]);
		return cmd_sip(req);
	}
	if (!strcmp(argv[i], "restart") && i + 2 == argc) {
		snprintf(err, sizeof(err), "restart %s", argv[i + 1]);
		if (ask(err, reply, sizeof(reply), NULL))
			return 1;
		fputs(reply, stdout);
		return 0;
	}
	return usage();
}

// SPDX-License-Identifier: MIT
/** @file test_t38leg.c  The T.38 leg through the RT stack: a fax machine
 *  on the line's audio, a T.38 one at the far end, lwIP between
 *
 * lwIP runs for real (lwip_wire.h) with the RT partition's port handler:
 * what the far end (198.18.0.99, port FAR_PORT) sends in UDPTL is given
 * to the leg's port as the net task gives it, and what the leg sends is
 * taken off the wire, out of UDPTL, to the far end's machine. On
 * simulated time, 20 ms a step: an audio fax machine (board/sim/faxm.h)
 * calls and sends a two-page document made by fax_page.h through
 * t38leg_run(), a T.38 machine answers and receives it; the pages arrive
 * row for row, on a clean network and with every 20th packet lost each
 * way (UDPTL's redundancy brings them back). Also: configurations
 * refused, the pool of legs and the port register (shared with the RTP
 * legs), a re-INVITE moving
 * the far end, datagrams from elsewhere or malformed, and a whole fax
 * replayed through a leg in an RT task, which allocates nothing but
 * lwIP's packet buffers.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "board/sim/faxm.h"
#include "media/rtpleg.h"
#include "media/t38leg.h"
#include "media/udptl.h"
#include "tests/unit/board/fax_page.h"
#include "tests/unit/media/lwip_wire.h"
#include "tests/unit/media/media_rt.h"

#define LEGS		2
#define FRAME		160		/* 20 ms */
#define LOCAL_PORT	40000
#define FAR_PORT	30000
#define OTHER_IP	0x620012c6u	/* 198.18.0.98, network order */
#define FOREIGN_IP	0x4d0012c6u	/* 198.18.0.77 */
#define MAX_STEPS	(120 * 50)	/* T.30's own timers end a call */
#define PAGES		2

static char sent[64], got[64];
static struct t38leg *leg;

/* the far end: a T.38 fax machine behind UDPTL */
static struct {
	struct faxm *m;
	struct udptl_tx tx;
	struct udptl_rx rx;
} far;

/* the network: every @c drop_every th UDPTL packet each way is lost (0:
 * none); what the leg sent: how many, how many to the far end, where the
 * last one went and what it held */
static unsigned drop_every, to_leg, to_far;
static unsigned frames_sent, frames_to_far;
static uint32_t sent_to_ip;
static uint16_t sent_to_port;
static uint8_t last_sent[64];

/* a whole fax as the leg saw it, for the replay in an RT task: the line's
 * audio of each step, and the far end's datagrams that reached the leg's
 * port after each step */
#define REC_STEPS	MAX_STEPS
#define REC_DATAGRAMS	2000
#define REC_BYTES	128
static struct {
	bool on, done;
	unsigned step, steps, n;
	uint64_t tx_packets;		/* what the leg sent */
	int16_t in[REC_STEPS][FRAME];
	struct {
		unsigned step;
		uint16_t len;
		uint8_t data[REC_BYTES];
	} dg[REC_DATAGRAMS];
} rec;

static bool lose(unsigned *count)
{
	return drop_every && ++*count % drop_every == 0;
}

/* a datagram from the far end to the leg's port */
static void to_port(const uint8_t *data, size_t len)
{
	if (rec.on) {
		assert_true(rec.n < REC_DATAGRAMS && len <= REC_BYTES);
		rec.dg[rec.n].step = rec.step;
		rec.dg[rec.n].len = (uint16_t)len;
		memcpy(rec.dg[rec.n++].data, data, len);
	}
	inject_from(PEER_IP, FAR_PORT, LOCAL_PORT, data, len);
}

/* the far machine's IFP packet, in UDPTL to the leg */
static void far_out(void *arg, const uint8_t *ifp, size_t len)
{
	uint8_t pkt[UDPPORT_SLOT];
	int n;

	(void)arg;
	n = udptl_send(&far.tx, ifp, len, pkt, sizeof(pkt));
	assert_true(n > 0);
	if (!lose(&to_leg))
		to_port(pkt, (size_t)n);
}

static void far_in(void *arg, const uint8_t *ifp, size_t len, uint16_t seq)
{
	(void)arg;
	faxm_t38_rx(far.m, ifp, len, seq);
}

/* a UDP frame the leg sent: noted, and to the far machine when there is
 * one and the frame is for it */
static bool take_sent(struct pkt *p)
{
	const uint8_t *f = pkt_data(p);
	size_t len = be16(f + IP4 + 4) - 8u;

	frames_sent++;
	memcpy(&sent_to_ip, f + 30, 4);
	sent_to_port = be16(f + IP4 + 2);
	memcpy(last_sent, f + UDP, len < sizeof(last_sent) ? len :
	       sizeof(last_sent));
	if (sent_to_ip != PEER_IP || sent_to_port != FAR_PORT)
		return false;
	frames_to_far++;
	if (far.m && !lose(&to_far))
		udptl_recv(&far.rx, f + UDP, len, far_in, NULL);
	return false;
}

static struct t38leg_cfg cfg_of(uint16_t local, uint8_t redundancy)
{
	struct t38leg_cfg c = {
		.local_port = local, .remote_ip = PEER_IP,
		.remote_port = FAR_PORT, .redundancy = redundancy,
	};

	return c;
}

static int group_setup(void **state)
{
	(void)state;
	snprintf(sent, sizeof(sent), "/tmp/test_t38leg.%d.tx.tif",
		 (int)getpid());
	snprintf(got, sizeof(got), "/tmp/test_t38leg.%d.rx.tif",
		 (int)getpid());
	if (fax_page_make(sent, PAGES, 11) || lwip_wire_init() ||
	    rtpleg_module_init(1))
		return -1;
	/* datagrams go to the leg's port as the RT partition's net task
	 * gives them, not through lwIP's PCBs */
	udpport_handler_set(direct_port, NULL);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	t38leg_module_fini();
	rtpleg_module_fini();
	udpport_handler_set(NULL, NULL);
	wire_drain(take_sent);
	unlink(sent);
	unlink(got);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	/* every leg closed and made again: a test that failed with legs
	 * open leaves none to the next */
	t38leg_module_fini();
	if (t38leg_module_init(LEGS))
		return -1;
	leg = NULL;
	memset(&far, 0, sizeof(far));
	drop_every = to_leg = to_far = 0;
	frames_sent = frames_to_far = 0;
	sent_to_ip = 0;
	sent_to_port = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	t38leg_close(leg);
	leg = NULL;
	faxm_close(far.m);
	far.m = NULL;
	wire_drain(take_sent);
	/* the port is free again, every frame back in its pool */
	assert_false(udpport_taken(LOCAL_PORT));
	assert_null(direct_rx[LOCAL_PORT].rx);
	assert_null(direct_rx[LOCAL_PORT + 1].rx);
	assert_int_equal(pkt_pool_free_count(pool), NPKT);
	return 0;
}

/* --- opening ----------------------------------------------------------- */

static void test_t38leg_open_checks_its_configuration(void **state)
{
	struct t38leg_cfg c;
	struct t38leg *l = NULL;

	(void)state;
	c = cfg_of(LOCAL_PORT + 1, 3);			/* odd */
	assert_int_equal(t38leg_open(&l, &c), -EINVAL);
	c = cfg_of(0, 3);
	assert_int_equal(t38leg_open(&l, &c), -EINVAL);
	c = cfg_of(LOCAL_PORT, 3);
	c.remote_ip = 0;				/* nowhere to send */
	assert_int_equal(t38leg_open(&l, &c), -EINVAL);
	c = cfg_of(LOCAL_PORT, 3);
	c.remote_port = 0;
	assert_int_equal(t38leg_open(&l, &c), -EINVAL);
	c = cfg_of(LOCAL_PORT, UDPTL_REDUNDANCY_MAX + 1);
	assert_int_equal(t38leg_open(&l, &c), -EINVAL);
	assert_null(l);
	assert_false(udpport_taken(LOCAL_PORT));
	/* the most redundancy UDPTL carries is fine */
	c = cfg_of(LOCAL_PORT, UDPTL_REDUNDANCY_MAX);
	assert_int_equal(t38leg_open(&leg, &c), 0);
	assert_true(udpport_taken(LOCAL_PORT));
	assert_non_null(direct_rx[LOCAL_PORT].rx);
}

static void test_t38leg_open_until_no_leg_is_left(void **state)
{
	struct t38leg *l[LEGS + 1];
	struct t38leg_cfg c;

	(void)state;
	for (int i = 0; i < LEGS; i++) {
		c = cfg_of((uint16_t)(LOCAL_PORT + 2 * i), 3);
		assert_int_equal(t38leg_open(&l[i], &c), 0);
	}
	c = cfg_of(LOCAL_PORT + 100, 3);
	assert_int_equal(t38leg_open(&l[LEGS], &c), -ENOSPC);
	assert_false(udpport_taken(LOCAL_PORT + 100));
	/* one closed: its leg comes back */
	t38leg_close(l[0]);
	assert_int_equal(t38leg_open(&l[LEGS], &c), 0);
	assert_ptr_equal(l[LEGS], l[0]);
	assert_true(udpport_taken(LOCAL_PORT + 100));
	t38leg_close(l[LEGS]);
	for (int i = 1; i < LEGS; i++)
		t38leg_close(l[i]);
	/* and again: every leg and port is free */
	for (int i = 0; i < LEGS; i++) {
		c = cfg_of((uint16_t)(LOCAL_PORT + 2 * i), 3);
		assert_int_equal(t38leg_open(&l[i], &c), 0);
	}
	for (int i = 0; i < LEGS; i++)
		t38leg_close(l[i]);
}

static void test_t38leg_port_in_use(void **state)
{
	struct t38leg_cfg c = cfg_of(LOCAL_PORT, 3);
	struct t38leg *l = NULL;

	(void)state;
	assert_int_equal(t38leg_open(&leg, &c), 0);
	assert_true(udpport_taken(LOCAL_PORT));
	assert_int_equal(t38leg_open(&l, &c), -EADDRINUSE);
	assert_null(l);
	/* the refusal took no leg: another port still opens */
	c.local_port = LOCAL_PORT + 2;
	assert_int_equal(t38leg_open(&l, &c), 0);
	t38leg_close(l);
	t38leg_close(leg);
	leg = NULL;
	assert_false(udpport_taken(LOCAL_PORT));
	c.local_port = LOCAL_PORT;
	assert_int_equal(t38leg_open(&leg, &c), 0);
}

/* an RTP leg and a T.38 leg never share a port pair, whichever came
 * first (a call's RTP leg and its T.38 leg are different ports: sipd
 * gives each leg its own) */
static void test_t38leg_ports_shared_with_rtp_legs(void **state)
{
	struct t38leg_cfg c = cfg_of(LOCAL_PORT, 3);
	struct rtpleg_cfg r = {
		.local_port = LOCAL_PORT, .remote_ip = OTHER_IP,
		.remote_port = FAR_PORT, .codec = CODEC_PCMU,
		.pt = codec_info(CODEC_PCMU)->pt, .ptime_ms = 20,
		.jb_min_ms = 40, .jb_max_ms = 200,
	};
	struct rtpleg *rl = NULL;
	struct t38leg *l = NULL;

	(void)state;
	assert_int_equal(t38leg_open(&leg, &c), 0);
	assert_int_equal(rtpleg_open(&rl, &r), -EADDRINUSE);
	assert_null(rl);
	t38leg_close(leg);
	leg = NULL;
	/* the other way round */
	assert_int_equal(rtpleg_open(&rl, &r), 0);
	assert_true(udpport_taken(LOCAL_PORT));
	assert_int_equal(t38leg_open(&l, &c), -EADDRINUSE);
	assert_null(l);
	/* the RTP leg's refusal took no T.38 leg: the next pair opens */
	c.local_port = LOCAL_PORT + 2;
	assert_int_equal(t38leg_open(&l, &c), 0);
	t38leg_close(l);
	rtpleg_close(rl);
}

/* --- running ----------------------------------------------------------- */

/* one 20 ms step: the line machine's audio through the leg and back, the
 * wire to the far machine, and its time */
static void step(struct faxm *line, struct t38leg *l)
{
	int16_t in[FRAME], was[FRAME], out[FRAME];

	fake_now += 20 * MS;
	faxm_tx(line, in, FRAME);
	if (rec.on) {
		assert_true(rec.step < REC_STEPS);
		memcpy(rec.in[rec.step], in, sizeof(in));
	}
	memcpy(was, in, sizeof(in));
	t38leg_run(l, in, out, FRAME);
	/* const: SpanDSP's gateway takes the DC off its input in place */
	assert_memory_equal(in, was, sizeof(in));
	faxm_rx(line, out, FRAME);
	wire_drain(take_sent);
	if (far.m)
		faxm_t38_tick(far.m, FRAME);
	if (rec.on)
		rec.step++;
}

/* the secondary IFP packets UDPTL packet @p u carries (its primary
 * shorter than 128 octets) */
static unsigned secondaries(const uint8_t *u)
{
	return u[2 + 1 + u[2] + 1];
}

/* A re-INVITE: the far end moves and wants redundancy; the port stays */
static void test_t38leg_modify_moves_the_far_end(void **state)
{
	struct t38leg_cfg c = cfg_of(LOCAL_PORT, 0);
	/* seq 0, a T.38 indicator (no signal), no secondary packets */
	const uint8_t idle_pkt[] = { 0, 0, 1, 0x00, 0x00, 0x00 };
	struct t38leg_stats st;
	struct faxm *line;
	char why[160];
	unsigned before;

	(void)state;
	assert_int_equal(t38leg_open(&leg, &c), 0);
	/* an answering machine: its CED and DIS make the leg send */
	assert_int_equal(faxm_open(&line, false, got, false, why,
				   sizeof(why)), 0);
	for (int i = 0; i < 100; i++)
		step(line, leg);
	assert_true(frames_sent > 0);
	assert_int_equal(frames_to_far, frames_sent);
	assert_int_equal(secondaries(last_sent), 0);
	c.local_port = LOCAL_PORT + 2;		/* another port: a new leg */
	assert_int_equal(t38leg_modify(leg, &c), -EINVAL);
	c = cfg_of(LOCAL_PORT, UDPTL_REDUNDANCY_MAX + 1);
	assert_int_equal(t38leg_modify(leg, &c), -EINVAL);
	c = cfg_of(LOCAL_PORT, 0);
	c.remote_ip = 0;
	assert_int_equal(t38leg_modify(leg, &c), -EINVAL);
	c = cfg_of(LOCAL_PORT, 2);
	c.remote_ip = OTHER_IP;
	c.remote_port = FAR_PORT + 2;
	assert_int_equal(t38leg_modify(leg, &c), 0);
	/* CED, then DIS (V.21) from 2.6 s */
	before = frames_sent;
	for (int i = 0; i < 250; i++)
		step(line, leg);
	assert_true(frames_sent > before + 10);
	assert_int_equal(frames_to_far, before);	/* none to the old */
	assert_int_equal(sent_to_ip, OTHER_IP);
	assert_int_equal(sent_to_port, FAR_PORT + 2);
	assert_int_equal(secondaries(last_sent), 2);
	/* the port is still the leg's, and the old address a stranger */
	assert_true(udpport_taken(LOCAL_PORT));
	assert_false(udpport_taken(LOCAL_PORT + 2));
	inject_from(PEER_IP, FAR_PORT, LOCAL_PORT, idle_pkt,
		    sizeof(idle_pkt));
	inject_from(OTHER_IP, FAR_PORT + 2, LOCAL_PORT, idle_pkt,
		    sizeof(idle_pkt));
	step(line, leg);
	t38leg_stats_get(leg, &st);
	assert_int_equal(st.foreign, 1);
	assert_int_equal(st.rx.packets, 1);
	assert_int_equal(st.tx_errors, 0);
	faxm_close(line);
}

/* An adapter behind NAT: with latch, the first datagram UDPTL takes, from
 * an address other than the configured one, makes its source the far end;
 * the configured address is then a stranger; a modify that changes the
 * remote end goes back to it */
static void test_t38leg_latch_follows_the_adapter(void **state)
{
	struct t38leg_cfg c = cfg_of(LOCAL_PORT, 0);
	const uint8_t idle_pkt[] = { 0, 0, 1, 0x00, 0x00, 0x00 };
	const uint8_t idle_pkt2[] = { 0, 1, 1, 0x00, 0x00, 0x00 };
	const uint8_t cut_pkt[] = { 0, 1, 9, 0x00, 0x00 };	/* cut short */
	struct t38leg_stats st;
	struct faxm *line;
	char why[160];
	unsigned before;

	(void)state;
	c.latch = true;
	assert_int_equal(t38leg_open(&leg, &c), 0);
	assert_int_equal(faxm_open(&line, false, got, false, why,
				   sizeof(why)), 0);
	inject_from(OTHER_IP, FAR_PORT + 4, LOCAL_PORT, cut_pkt,
		    sizeof(cut_pkt));		/* malformed: no latch */
	inject_from(OTHER_IP, FAR_PORT + 4, LOCAL_PORT, idle_pkt,
		    sizeof(idle_pkt));
	inject_from(PEER_IP, FAR_PORT, LOCAL_PORT, idle_pkt2,
		    sizeof(idle_pkt2));		/* now a stranger */
	before = frames_sent;
	for (int i = 0; i < 250; i++)
		step(line, leg);
	assert_true(frames_sent > before + 10);
	assert_int_equal(sent_to_ip, OTHER_IP);
	assert_int_equal(sent_to_port, FAR_PORT + 4);
	t38leg_stats_get(leg, &st);
	assert_int_equal(st.rx.packets, 1);
	assert_int_equal(st.rx.malformed, 1);
	assert_int_equal(st.foreign, 1);
	assert_int_equal(st.latched_ip, OTHER_IP);
	assert_int_equal(st.latched_port, FAR_PORT + 4);
	c.remote_port = FAR_PORT + 6;		/* a re-INVITE */
	assert_int_equal(t38leg_modify(leg, &c), 0);
	t38leg_stats_get(leg, &st);
	assert_int_equal(st.latched_ip, 0);
	faxm_close(line);
}

struct fax_run {
	struct faxm_result line, far;
	struct t38leg_stats st;
	struct udptl_stats far_rx;
	unsigned secs;
};

/* the document through the leg: the line's machine calls and sends, the
 * far one answers in T.38 and receives (redundancy @p red both ways) */
static void fax_through(uint8_t red, struct fax_run *r)
{
	struct t38leg_cfg c = cfg_of(LOCAL_PORT, red);
	struct fax_page_diff d;
	struct faxm *line;
	char why[160], text[160];
	unsigned f;

	unlink(got);		/* no earlier test's document */
	assert_int_equal(t38leg_open(&leg, &c), 0);
	udptl_tx_init(&far.tx, red, 0);
	udptl_rx_init(&far.rx);
	assert_int_equal(faxm_open(&line, true, sent, true, why,
				   sizeof(why)), 0);
	assert_int_equal(faxm_open_t38(&far.m, false, got, false, far_out,
				       NULL, why, sizeof(why)), 0);
	for (f = 0; f < MAX_STEPS; f++) {
		step(line, leg);
		faxm_result(line, &r->line);
		faxm_result(far.m, &r->far);
		if (r->line.state != FAXM_RUNNING &&
		    r->far.state != FAXM_RUNNING)
			break;
	}
	r->secs = f / 50;
	r->far_rx = far.rx.st;
	t38leg_stats_get(leg, &r->st);
	faxm_format(&r->far, text, sizeof(text));
	print_message("# redundancy %u, every %uth packet lost (0: none): "
		      "%u s: %s; leg: %llu sent, %llu received, %llu "
		      "recovered, %llu lost\n", red, drop_every, r->secs, text,
		      (unsigned long long)r->st.tx_packets,
		      (unsigned long long)r->st.rx.packets,
		      (unsigned long long)r->st.rx.recovered,
		      (unsigned long long)r->st.rx.lost);
	faxm_close(line);
	faxm_close(far.m);	/* the received file is complete now */
	far.m = NULL;
	assert_int_equal(r->line.state, FAXM_OK);
	assert_int_equal(r->far.state, FAXM_OK);
	assert_int_equal(r->line.pages, PAGES);
	assert_int_equal(r->far.pages, PAGES);
	assert_int_equal(r->far.bad_rows, 0);
	assert_int_equal(fax_page_cmp(sent, got, &d), 0);
	assert_int_equal(d.pages_b, PAGES);
	assert_int_equal(d.rows, PAGES * FAX_PAGE_ROWS);
	/* the gateway's own view */
	assert_int_equal(r->st.pages, PAGES);
	assert_int_equal(r->st.bit_rate, 14400);
	assert_true(r->st.tx_packets > 0);
	assert_true(r->st.rx.packets > 0);
	assert_int_equal(r->st.tx_errors, 0);
	assert_int_equal(r->st.rx.malformed, 0);
	assert_int_equal(r->st.foreign, 0);
	assert_int_equal(r->st.ring_full, 0);
	assert_int_equal(r->st.too_big, 0);
}

static void test_t38leg_fax_crosses(void **state)
{
	struct fax_run r;

	(void)state;
	memset(&rec, 0, sizeof(rec));
	rec.on = true;		/* for the replay in the RT task */
	fax_through(0, &r);
	rec.on = false;
	rec.steps = rec.step;
	rec.tx_packets = r.st.tx_packets;
	/* nothing lost, nothing needed again */
	assert_int_equal(r.st.rx.lost, 0);
	assert_int_equal(r.st.rx.recovered, 0);
	assert_int_equal(r.far_rx.lost, 0);
	/* the far machine got what the leg sent */
	assert_int_equal(r.far_rx.packets, r.st.tx_packets);
	rec.done = true;
}

/* every 20th packet lost each way: redundancy 3 brings each back */
static void test_t38leg_fax_crosses_loss(void **state)
{
	struct fax_run r;

	(void)state;
	drop_every = 20;
	fax_through(3, &r);
	assert_true(r.st.rx.recovered > 0);
	assert_int_equal(r.st.rx.lost, 0);
	assert_true(r.far_rx.recovered > 0);
	assert_int_equal(r.far_rx.lost, 0);
	/* what the far end sent, bar the lost */
	assert_int_equal(r.st.rx.packets, to_leg - to_leg / 20);
}

/* --- what the leg does not take ---------------------------------------- */

static void test_t38leg_foreign_and_malformed_are_dropped(void **state)
{
	struct t38leg_cfg c = cfg_of(LOCAL_PORT, 3);
	/* read-only memory: the leg must not write what it is given */
	static const int16_t quiet[FRAME];
	int16_t out[FRAME];
	/* seq 0, a T.38 indicator (no signal), no secondary packets */
	uint8_t good[] = { 0, 0, 1, 0x00, 0x00, 0x00 };
	const uint8_t cut[] = { 0, 1, 9, 0x00, 0x00 };	/* IFP cut short */
	const uint8_t fragment[] = { 0, 1, 0xc1, 0x00 };	/* >= 16K */
	uint8_t big[UDPPORT_SLOT + 1];
	struct t38leg_stats st;

	(void)state;
	assert_int_equal(t38leg_open(&leg, &c), 0);
	inject_from(FOREIGN_IP, FAR_PORT, LOCAL_PORT, good, sizeof(good));
	inject_from(OTHER_IP, FAR_PORT, LOCAL_PORT, good, sizeof(good));
	t38leg_run(leg, quiet, out, FRAME);
	t38leg_stats_get(leg, &st);
	assert_int_equal(st.foreign, 2);
	assert_int_equal(st.rx.packets, 0);
	/* from the far end, bad ones among good ones */
	inject_from(PEER_IP, FAR_PORT, LOCAL_PORT, good, sizeof(good));
	inject_from(PEER_IP, FAR_PORT, LOCAL_PORT, cut, sizeof(cut));
	inject_from(PEER_IP, FAR_PORT, LOCAL_PORT, fragment,
		    sizeof(fragment));
	inject_from(PEER_IP, FAR_PORT, LOCAL_PORT, good, 1);
	inject_from(PEER_IP, FAR_PORT, LOCAL_PORT, good, 0);
	memset(big, 0, sizeof(big));
	inject_from(PEER_IP, FAR_PORT, LOCAL_PORT, big, sizeof(big));
	t38leg_run(leg, quiet, out, FRAME);
	t38leg_stats_get(leg, &st);
	assert_int_equal(st.rx.malformed, 4);
	assert_int_equal(st.too_big, 1);
	assert_int_equal(st.rx.packets, 1);
	assert_int_equal(st.rx.ifp, 1);
	assert_int_equal(st.foreign, 2);
	/* and the far end's next one is taken */
	good[1] = 1;
	inject_from(PEER_IP, FAR_PORT, LOCAL_PORT, good, sizeof(good));
	t38leg_run(leg, quiet, out, FRAME);
	t38leg_stats_get(leg, &st);
	assert_int_equal(st.rx.packets, 2);
	assert_int_equal(st.rx.lost, 0);
	assert_int_equal(st.rx.malformed, 4);
}

/* --- the RT task ------------------------------------------------------- */

/*
 * Allocations made on one thread while it sets @c counting: a sanitizer
 * malloc hook of the test's, beside the executive's (rtk.c). The
 * executive's figure, media_rt_allocs(), counts every RT thread's, and
 * lwIP's own thread (adopted into the partition) allocates for its timers
 * whenever they run: it cannot tell the leg's apart.
 */
int __sanitizer_install_malloc_and_free_hooks(
	void (*malloc_hook)(const volatile void *, size_t),
	void (*free_hook)(const volatile void *));

static __thread bool counting;
static _Atomic unsigned long counted;

static void count_malloc(const volatile void *p, size_t size)
{
	(void)p;
	(void)size;
	if (counting)
		atomic_fetch_add(&counted, 1);
}

static void count_free(const volatile void *p)
{
	(void)p;
}

#define REPLAY_STEPS	20		/* a run of the RT task */

static struct {
	struct t38leg *l;
	bool closed;
	int open_err;
	unsigned step, dg;
	unsigned long open_close, run;	/* allocations counted */
	struct t38leg_stats st;
} replay;

/* Run by run in the RT task: the leg opened, the recorded fax's steps
 * REPLAY_STEPS at a time (its audio, and at each step's end the far
 * end's datagrams that came then), the leg closed */
static void rt_replay(void *arg)
{
	const struct t38leg_cfg c = cfg_of(LOCAL_PORT, 0);
	int16_t out[FRAME];

	(void)arg;
	if (!replay.l && !replay.closed) {
		counting = true;
		replay.open_err = t38leg_open(&replay.l, &c);
		counting = false;
		replay.open_close = atomic_exchange(&counted, 0);
		replay.closed = replay.open_err != 0;
		return;
	}
	if (replay.closed)
		return;
	for (int i = 0; i < REPLAY_STEPS && replay.step < rec.steps; i++) {
		counting = true;
		t38leg_run(replay.l, rec.in[replay.step], out, FRAME);
		counting = false;
		wire_drain(take_sent);
		while (replay.dg < rec.n &&
		       rec.dg[replay.dg].step == replay.step) {
			inject_from(PEER_IP, FAR_PORT, LOCAL_PORT,
				    rec.dg[replay.dg].data,
				    rec.dg[replay.dg].len);
			replay.dg++;
		}
		replay.step++;
	}
	if (replay.step < rec.steps)
		return;
	replay.run = atomic_exchange(&counted, 0);
	t38leg_stats_get(replay.l, &replay.st);
	counting = true;
	t38leg_close(replay.l);
	counting = false;
	replay.open_close += atomic_exchange(&counted, 0);
	replay.closed = true;
}

/*
 * The fax of test_t38leg_fax_crosses again, through a leg in an RT task
 * that opens it, runs it and closes it: the leg gets the same audio and
 * datagrams at the same steps, and does the same (pages, datagrams).
 * Opening and closing allocate nothing, SpanDSP's gateway nothing; each
 * datagram sent costs one allocation, lwIP's pbuf (udpport_send():
 * Debian's lwIP mallocs every pbuf, which the RT heap serves in the
 * partition, heap.h; under the sanitizer there is no RT heap and the
 * executive counts them too).
 */
static void test_t38leg_rt_task_allocates_only_pbufs(void **state)
{
	int runs;
	long n;

	(void)state;
	assert_true(rec.done);		/* test_t38leg_fax_crosses ran */
	assert_true(__sanitizer_install_malloc_and_free_hooks(count_malloc,
							      count_free));
	memset(&replay, 0, sizeof(replay));
	atomic_store(&counted, 0);
	runs = (int)(2 + (rec.steps + REPLAY_STEPS - 1) / REPLAY_STEPS);
	n = media_rt_allocs(rt_replay, NULL, runs);
	print_message("# %u steps in an RT task: %lu allocations opening "
		      "and closing, %lu running, %llu datagrams sent; %ld "
		      "allocations by RT threads\n", rec.steps,
		      replay.open_close, replay.run,
		      (unsigned long long)replay.st.tx_packets, n);
	assert_int_equal(replay.open_err, 0);
	assert_true(replay.closed);
	assert_int_equal(replay.step, rec.steps);
	assert_int_equal(replay.st.pages, PAGES);
	assert_int_equal(replay.st.bit_rate, 14400);
	assert_int_equal(replay.st.tx_packets, rec.tx_packets);
	assert_int_equal(replay.st.tx_errors, 0);
	assert_int_equal(replay.open_close, 0);
	assert_int_equal(replay.run, replay.st.tx_packets);
	/* the executive saw those too */
	assert_true(n >= (long)replay.run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_t38leg_open_checks_its_configuration),
		T(test_t38leg_latch_follows_the_adapter),
		T(test_t38leg_open_until_no_leg_is_left),
		T(test_t38leg_port_in_use),
		T(test_t38leg_ports_shared_with_rtp_legs),
		T(test_t38leg_modify_moves_the_far_end),
		T(test_t38leg_fax_crosses),
		T(test_t38leg_fax_crosses_loss),
		T(test_t38leg_foreign_and_malformed_are_dropped),
		T(test_t38leg_rt_task_allocates_only_pbufs),
#undef T
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

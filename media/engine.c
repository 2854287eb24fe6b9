// SPDX-License-Identifier: MIT
/** @file engine.c  The media task: requests, events, channels */
#define LOG_MODULE "engine"
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media/chan.h"
#include "media/codec.h"
#include "media/ec.h"
#include "media/engine.h"
#include "media/rtpleg.h"
#include "media/t38leg.h"
#include "media/udpport.h"
#include "media/vbd.h"
#include "rtos-kernel/log.h"
#include "rtos-kernel/rtk.h"
#include "sharednet/msg.h"

#define MSGS_PER_RUN	64

_Static_assert(MSG_CODECS == CODEC_COUNT, "a leg's codec on the bus");
#define SNAP_EVERY	100	/* ticks to refresh the whole channel table */

enum {
	E_MSGS, E_MSGS_BAD, E_UP_FULL, E_OPEN_FAILED, E_UNKNOWN_CHAN,
	E_LINE_EVENTS, E_DTMF_EVENTS, E_VBD_EVENTS, E_TICKS, E_CLOSED,
	E_COUNT
};

static const char *const enames[E_COUNT] = {
	"requests", "requests_bad", "up_ring_full", "open_failed",
	"unknown_channel", "line_events", "dtmf_events", "vbd_events", "ticks",
	"closed",
};

static struct {
	struct engine_cfg cfg;
	struct ring *down, *up;
	struct chan **slot;		/* open channels by id (hashed) */
	unsigned nslots;
	struct chan **active;		/* open channels, packed */
	uint64_t *due;			/* the tick each next runs at */
	unsigned nactive;
	unsigned *moved;		/* rows of active[] another channel
					   took since the last snapshot */
	unsigned nmoved;
	uint64_t tick;
	/* published: written by the media task under seq */
	_Atomic uint32_t seq;
	struct rtstat_chan *snap;
	uint32_t nsnap;
	_Atomic uint64_t c[E_COUNT];
} eg;

static inline void inc(unsigned i)
{
	atomic_store_explicit(&eg.c[i], atomic_load_explicit(&eg.c[i],
			      memory_order_relaxed) + 1, memory_order_relaxed);
}

static void rtnet_port(uint16_t port, udpport_rx_h *rx, void *rx_arg,
		       void *arg)
{
	(void)arg;
	rtnet_udp_receiver(eg.cfg.net, port, rx, rx_arg);
	rtnet_listen(eg.cfg.net, port, rx != NULL);
}

/** Make every pool of the media plane for cfg->max_chans channels.
 *  Context: init, after lwIP is up (rtnet_create), before rtk_start().
 *  @return 0 or a negative errno (logged) */
int engine_init(const struct engine_cfg *cfg)
{
	unsigned legs = cfg->max_chans * 2;
	int err;

	eg.cfg = *cfg;
	udpport_dscp_set(cfg->dscp);	/* before the legs' ports are made */
	eg.down = bus_ring(cfg->bus, BUS_CH_MSG_DOWN);
	eg.up = bus_ring(cfg->bus, BUS_CH_MSG_UP);
	eg.nslots = cfg->max_chans * 2;
	eg.slot = calloc(eg.nslots, sizeof(*eg.slot));
	eg.active = calloc(cfg->max_chans, sizeof(*eg.active));
	eg.due = calloc(cfg->max_chans, sizeof(*eg.due));
	eg.moved = calloc(cfg->max_chans, sizeof(*eg.moved));
	eg.snap = calloc(RTSTAT_MAX_CHANS, sizeof(*eg.snap));
	if (!eg.slot || !eg.active || !eg.due || !eg.moved || !eg.snap)
		return -ENOMEM;
	err = ec_module_init(cfg->max_chans, cfg->ec_max_tail_ms);
	if (!err)
		err = rtpleg_module_init(legs);
	if (!err) {
		rtpleg_max_srtp(cfg->max_srtp);
		codec_g729_limit(cfg->max_g729);
		err = t38leg_module_init(cfg->max_fax);
	}
	if (!err)
		err = chan_module_init(cfg->max_chans, cfg->tdm, cfg->country);
	if (err) {
		LOG_ERR("init: %s", strerror(-err));
		return err;
	}
	udpport_handler_set(rtnet_port, NULL);
	LOG_INFO("media plane for %u channels, %u of them T.38, %u SRTP "
		 "legs, %u G.729 legs", cfg->max_chans, cfg->max_fax,
		 cfg->max_srtp, cfg->max_g729);
	return 0;
}

/* --- channels by id (open addressing, linear probing) --------------------- */

static unsigned find(uint32_t id)
{
	unsigned i = id % eg.nslots;

	while (eg.slot[i] && chan_id(eg.slot[i]) != id)
		i = (i + 1) % eg.nslots;
	return i;
}

/* row @p k of the active array has another channel: snapshot() shows it
 * at once (when more rows than channels moved within a tick, those past
 * the list wait for their slice) */
static void row_moved(unsigned k)
{
	if (eg.nmoved < eg.cfg.max_chans)
		eg.moved[eg.nmoved++] = k;
}

/* where @p ch is in the active array (eg.nactive: not there) */
static unsigned active_at(const struct chan *ch)
{
	unsigned k = 0;

	while (k < eg.nactive && eg.active[k] != ch)
		k++;
	return k;
}

static void forget(const struct chan *ch, uint32_t id)
{
	unsigned i = find(id), j = i, k;

	eg.slot[i] = NULL;
	/* re-insert the rest of the cluster (deletion in linear probing) */
	for (;;) {
		struct chan *c;

		j = (j + 1) % eg.nslots;
		c = eg.slot[j];
		if (!c)
			break;
		eg.slot[j] = NULL;
		eg.slot[find(chan_id(c))] = c;
	}
	k = active_at(ch);
	if (k < eg.nactive) {
		eg.nactive--;
		eg.active[k] = eg.active[eg.nactive];
		eg.due[k] = eg.due[eg.nactive];
		row_moved(k);
	}
}

/* --- up: events and results --------------------------------------------------- */

static void up(const struct gwmsg *m)
{
	uint8_t rec[MSG_SIZE] = { 0 };

	memcpy(rec, m, sizeof(*m));
	if (ring_push(eg.up, rec, MSG_SIZE))
		inc(E_UP_FULL);
}

static void result(const struct gwmsg *req, int err)
{
	struct gwmsg m;

	msg_init(&m, MSG_RESULT, req->h.chan);
	m.u.result.req_seq = req->h.seq;
	m.u.result.err = err;
	up(&m);
	bus_result_put(eg.cfg.bus, req->h.seq, req->h.chan, req->h.type, err);
}

_Static_assert((int)MSG_VBD_ANS == (int)VBD_ANS &&
	       (int)MSG_VBD_ANS_PR == (int)VBD_ANS_PR,
	       "MSG_VBD_EVENT carries enum vbd_tone as it is");

static void chan_event(struct chan *ch, const struct chan_event *ev,
		       void *arg)
{
	struct gwmsg m;

	(void)arg;
	if (ev->type == CHAN_EV_VBD) {
		msg_init(&m, MSG_VBD_EVENT, chan_id(ch));
		m.u.vbd.leg = ev->leg;
		m.u.vbd.tone = ev->tone;
		m.u.vbd.to_line = ev->to_line;
		inc(E_VBD_EVENTS);
	} else {
		msg_init(&m, MSG_DTMF_EVENT, chan_id(ch));
		m.u.dtmf.leg = ev->leg;
		m.u.dtmf.digit = ev->digit;
		m.u.dtmf.duration_ms = ev->duration_ms;
		inc(E_DTMF_EVENTS);
	}
	up(&m);
}

/* --- down: requests ------------------------------------------------------------ */

static int do_open(const struct gwmsg *m)
{
	struct chan *ch;
	unsigned i = find(m->h.chan);
	int err;

	if (eg.slot[i])
		return -EEXIST;
	err = chan_open(&ch, m->h.chan, &m->u.open.a, &m->u.open.b,
			chan_event, NULL);
	if (err) {
		inc(E_OPEN_FAILED);
		return err;
	}
	eg.slot[i] = ch;
	eg.due[eg.nactive] = 0;		/* chan_tick() says when */
	row_moved(eg.nactive);
	eg.active[eg.nactive++] = ch;
	return 0;
}

static int do_close(struct chan *ch)
{
	uint32_t id = chan_id(ch);
	struct gwmsg st[2];
	unsigned n;

	chan_close(ch, st, &n);
	forget(ch, id);
	for (unsigned i = 0; i < n; i++)
		up(&st[i]);
	inc(E_CLOSED);
	return 0;
}

/* a modified channel's period may change: let chan_tick() say again */
static void reschedule(const struct chan *ch)
{
	unsigned k = active_at(ch);

	if (k < eg.nactive)
		eg.due[k] = 0;
}

static int handle(const struct gwmsg *m)
{
	struct chan *ch = m->h.chan ? eg.slot[find(m->h.chan)] : NULL;

	if (m->h.type == MSG_CHAN_OPEN)
		return do_open(m);
	if (m->h.type == MSG_LINE_CMD)
		return eg.cfg.tdm ? tdm_command(eg.cfg.tdm, m->u.line.span,
						m->u.line.line,
						m->u.line.what) : -ENODEV;
	if (m->h.type == MSG_LINE_TONE)
		return chan_line_tone(m->u.line.span, m->u.line.line,
				      m->u.line.what);
	if (!ch) {
		inc(E_UNKNOWN_CHAN);
		return -ENOENT;
	}
	switch (m->h.type) {
	case MSG_CHAN_MODIFY:
		reschedule(ch);
		return chan_modify(ch, &m->u.open.a, &m->u.open.b);
	case MSG_CHAN_CLOSE:
		return do_close(ch);
	case MSG_CHAN_DTMF:
		return chan_dtmf(ch, m->u.dtmf.leg, m->u.dtmf.digit,
				 m->u.dtmf.duration_ms);
	case MSG_CHAN_TONE:
		return chan_tone(ch, m->u.tone.leg, m->u.tone.tone,
				 m->u.tone.country);
	default:
		return -EOPNOTSUPP;
	}
}

static void take_requests(void)
{
	for (int i = 0; i < MSGS_PER_RUN; i++) {
		const void *rec;
		struct gwmsg m;
		size_t len;
		int err = ring_peek(eg.down, &rec, &len);

		if (err == -EAGAIN)
			return;
		if (err)
			continue;	/* counted by the ring */
		inc(E_MSGS);
		if (msg_check(rec, len, &m))
			inc(E_MSGS_BAD);
		else
			result(&m, handle(&m));
		ring_consume(eg.down);
	}
}

static void line_events(void)
{
	struct tdm_event ev;
	struct gwmsg m;

	while (eg.cfg.tdm && !tdm_event_get(eg.cfg.tdm, &ev)) {
		msg_init(&m, MSG_LINE_EVENT, 0);
		m.u.line.span = ev.span;
		m.u.line.line = ev.chan;
		m.u.line.what = ev.type;
		inc(E_LINE_EVENTS);
		up(&m);
	}
}

/* a slice of the channel table each tick: the whole table is fresh every
 * SNAP_EVERY ticks, and no tick pays for all channels at once; and the
 * rows another channel took (an open, a close moving the last one in)
 * at once, which until their slice came would show the channel before */
static void snapshot(uint64_t now_ns)
{
	unsigned n = eg.nactive < RTSTAT_MAX_CHANS ? eg.nactive :
		     RTSTAT_MAX_CHANS;
	unsigned slice = (n + SNAP_EVERY - 1) / SNAP_EVERY;
	unsigned from = (unsigned)(eg.tick % SNAP_EVERY) * slice;

	atomic_fetch_add(&eg.seq, 1);
	eg.nsnap = n;
	for (unsigned i = from; i < from + slice && i < n; i++)
		chan_snapshot(eg.active[i], now_ns, &eg.snap[i]);
	for (unsigned i = 0; i < eg.nmoved; i++)
		if (eg.moved[i] < n)
			chan_snapshot(eg.active[eg.moved[i]], now_ns,
				      &eg.snap[eg.moved[i]]);
	eg.nmoved = 0;
	atomic_fetch_add(&eg.seq, 1);
}

/** One run of the media task: @p ticks card ticks have passed.
 *  Context: media task; never blocks, never allocates. */
void engine_run(uint64_t now_ns, unsigned ticks)
{
	if (eg.cfg.net)
		rtnet_tx_hold(eg.cfg.net);
	take_requests();
	line_events();
	for (unsigned t = 0; t < ticks; t++) {
		eg.tick++;
		inc(E_TICKS);
		for (unsigned i = 0; i < eg.nactive; i++)
			if (eg.due[i] <= eg.tick)
				eg.due[i] = chan_tick(eg.active[i], eg.tick,
						      now_ns);
		chan_idle_lines_tick(eg.tick);
		snapshot(now_ns);
	}
	ring_kick(eg.up);
	if (eg.cfg.net)
		rtnet_tx_release(eg.cfg.net);
}

/** Copy the channel table, the recent results and the engine's counters
 *  into the status page being written. Context: the status task. */
void engine_publish(struct rtstat *pg)
{
	uint32_t s1, s2;
	char name[RTSTAT_NAME];

	do {
		s1 = atomic_load(&eg.seq);
		pg->nchans = eg.nsnap;
		memcpy(pg->chan, eg.snap, eg.nsnap * sizeof(*eg.snap));
		s2 = atomic_load(&eg.seq);
	} while (s1 != s2 || (s1 & 1));
	for (int i = 0; i < E_COUNT; i++) {
		snprintf(name, sizeof(name), "media.%s", enames[i]);
		rtstat_counter_set(pg, name, atomic_load(&eg.c[i]));
	}
}

// SPDX-License-Identifier: MIT
/** @file pbx_watch.c  The RT partition seen from the calls: its restarts
 *  and the RTP timeout
 *
 * Once a second the engine copies the RT partition's status page (the
 * live per-channel figures the web UI shows, sharednet/rtstat.h; a
 * seqlocked copy that never blocks either side):
 *  - a page of another partition (its pid or start time changed: the
 *    dispatcher restarted it, or someone did by hand) means the channels
 *    are gone: every call in progress opens its channel again, as it is
 *    now, and the tone it was playing, so the call goes on after a gap;
 *  - it keeps each call's RTP figures as the page shows them, so that a
 *    call's record still has them when the partition goes before the
 *    channel's close could report them (up to a second is missed);
 *  - it looks at the packets each answered call's SIP legs received. A leg
 *    whose count has not grown for [sip] rtp_timeout seconds, in a call
 *    not on hold, ends the call on both sides (BYE) with cause 408 "RTP
 *    Timeout" in its record.
 */
#define LOG_MODULE "pbx"
#include <errno.h>
#include <string.h>

#include "rtos-kernel/log.h"
#include "sharednet/rtstat.h"
#include "signalling/pbx_priv.h"

#define WATCH_MS	1000

static su_timer_t *watch;
static struct rtstat page;	/* large: one copy, reused */
static uint64_t page_updated_ns;
static uint32_t rt_pid;		/* the partition the channels are open in */
static uint64_t rt_started_ns;

/* the call's media is on hold one way or both (or never flows back) */
static bool call_held(const struct call *c)
{
	return (c->a.type == LEG_SIP && c->a.dir != SDPX_SENDRECV) ||
	       (c->b.type == LEG_SIP && c->b.dir != SDPX_SENDRECV);
}

/* SIP leg @p l, whose figures are @p rl, received nothing for
 * @p timeout_s seconds up to @p now */
static bool leg_silent(struct leg *l, const struct rtstat_leg *rl,
		       uint64_t now, unsigned timeout_s)
{
	if (l->type != LEG_SIP || !l->port || rl->kind != MSG_LEG_RTP)
		return false;
	if (!l->rtp_seen_s || rl->rx_packets != l->rtp_rx) {
		l->rtp_rx = rl->rx_packets;
		l->rtp_seen_s = now;
		return false;
	}
	return now - l->rtp_seen_s >= timeout_s;
}

/* the RTP timeout of @p c, whose channel's figures are @p ch */
static void watch_call(struct call *c, const struct rtstat_chan *ch,
		       uint64_t now, unsigned timeout_s)
{
	if (c->state != CALL_ANSWERED || !c->chan_open || call_held(c))
		return;
	for (unsigned i = 0; i < 2; i++) {
		struct leg *l = i ? &c->b : &c->a;
		/* leg b is the channel's leg 0 when a has none */
		unsigned cl = i && c->a.type == LEG_NONE ? 0 : i;

		if (!leg_silent(l, &ch->leg[cl], now, timeout_s))
			continue;
		LOG_INFO("call %u: no RTP on leg %c for %u s: hung up", c->id,
			 i ? 'b' : 'a', timeout_s);
		call_end(c, CALLREC_ANSWERED, 408, "RTP Timeout");
		return;
	}
}

/* keep the figures of @p c's RTP legs as the page shows them (@p ch) */
static void note_figures(struct call *c, const struct rtstat_chan *ch)
{
	if (c->state == CALL_CLOSING || !c->chan_open)
		return;
	for (unsigned i = 0; i < 2; i++) {
		const struct rtstat_leg *rl = &ch->leg[i];
		struct leg_figs *f = &c->figs[i];

		if (rl->kind != MSG_LEG_RTP)
			continue;
		f->rtp = true;
		f->now = (struct callrec_leg){
			.packets_rx = rl->rx_packets,
			.packets_tx = rl->tx_packets,
			.lost = rl->lost, .late = rl->late,
			.jitter_ms = rl->jitter_us / 1000.0,
			.mos = rl->mos_x100 / 100.0,
		};
	}
}

/* a new RT partition: the calls' channels opened again */
static void rt_restarted(void)
{
	unsigned n = 0, failed = 0;

	for (unsigned i = 0; i < pbx.ncalls; i++) {
		int r = media_reopen(&pbx.call[i]);

		n += r > 0;
		failed += r < 0;
	}
	LOG_INFO("the RT partition restarted (pid %u): %u calls' channels "
		 "opened again%s", page.pid, n, failed ?
		 ", some could not be asked (the bus is full)" : "");
}

static void watch_tick(su_root_magic_t *m, su_timer_t *t,
		       su_timer_arg_t *arg)
{
	unsigned timeout_s = (unsigned)pbx.cfg->sip.rtp_timeout;
	uint64_t now = now_s();

	(void)m;
	(void)t;
	(void)arg;
	if (rtstat_read(bus_status(pbx.bus), &page))
		return;
	/* a page the RT side stopped writing (restarting) says nothing
	 * about the media: wait for a fresh one */
	if (page.updated_ns == page_updated_ns)
		return;
	page_updated_ns = page.updated_ns;
	if (page.pid != rt_pid || page.started_ns != rt_started_ns) {
		if (rt_pid)
			rt_restarted();
		rt_pid = page.pid;
		rt_started_ns = page.started_ns;
		return;		/* the new channels' figures: next time */
	}
	/* a call on hold: its RTP count starts again at resume */
	for (unsigned i = 0; i < pbx.ncalls; i++)
		if (pbx.call[i].used && call_held(&pbx.call[i]))
			pbx.call[i].a.rtp_seen_s = pbx.call[i].b.rtp_seen_s = 0;
	for (uint32_t i = 0; i < page.nchans; i++) {
		struct call *c = call_by_id(page.chan[i].id);

		if (!c)
			continue;
		note_figures(c, &page.chan[i]);
		if (timeout_s)
			watch_call(c, &page.chan[i], now, timeout_s);
	}
}

/** Start watching the RT partition and the calls' RTP (once a second, on
 *  the engine's loop). */
int rt_watch_start(void)
{
	watch = su_timer_create(su_root_task(pbx.root), WATCH_MS);
	if (!watch)
		return -ENOMEM;
	return su_timer_run(watch, watch_tick, NULL) ? -EIO : 0;
}

void rt_watch_stop(void)
{
	su_timer_destroy(watch);
	watch = NULL;
}

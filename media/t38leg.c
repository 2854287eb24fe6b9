// SPDX-License-Identifier: MIT
/** @file t38leg.c  The T.38 leg of a fax channel: SpanDSP's gateway,
 *  UDPTL, the leg's port (see t38leg.h) */
#define LOG_MODULE "t38leg"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <spandsp.h>
#include <spandsp/expose.h>

#include "media/t38leg.h"
#include "media/udpport.h"
#include "rtos-kernel/log.h"

/* the longest UDPTL datagram sent: what our own ports take */
#define DATAGRAM	UDPPORT_SLOT

struct t38leg {
	struct udpport net;		/* first: its alignment */
	bool in_use;
	struct t38leg_cfg cfg;
	struct udptl_tx tx;
	struct udptl_rx rx;
	uint64_t tx_packets, tx_errors, foreign;
	uint32_t to_ip;			/* the far end: configured, or */
	uint16_t to_port;		/* latched */
	bool latched;
	t38_gateway_state_t gw;
};

static struct {
	struct t38leg *legs;
	unsigned max, nfree;
	unsigned *free_idx;
} tm;

/* T.38's core has IFP packet @p buf to send, @p count times for its own
 * redundancy: UDPTL's does that job, unless it carries none */
static int ifp_out(t38_core_state_t *core, void *arg, const uint8_t *buf,
		   int len, int count)
{
	struct t38leg *l = arg;
	uint8_t pkt[DATAGRAM];
	struct udpport_seg seg = { pkt, 0 };
	int n;

	(void)core;
	if (len <= 0)
		return 0;
	n = udptl_send(&l->tx, buf, (size_t)len, pkt, sizeof(pkt));
	if (n < 0) {
		l->tx_errors++;
		return 0;
	}
	seg.len = (size_t)n;
	if (l->cfg.redundancy || count < 1)
		count = 1;
	while (count--) {
		if (udpport_send(&l->net, 0, &seg, 1, l->to_ip, l->to_port))
			l->tx_errors++;
		else
			l->tx_packets++;
	}
	return 0;
}

/* an IFP packet UDPTL handed on, in sequence */
static void ifp_in(void *arg, const uint8_t *ifp, size_t len, uint16_t seq)
{
	struct t38leg *l = arg;

	t38_core_rx_ifp_packet(t38_gateway_get_t38_core_state(&l->gw), ifp,
			       (int)len, seq);
}

int t38leg_module_init(unsigned max_legs)
{
	size_t size = (size_t)max_legs * sizeof(struct t38leg);
	int err = 0;

	if (tm.legs || tm.free_idx)
		return -EALREADY;
	if (!max_legs)
		return 0;
	size = (size + _Alignof(struct t38leg) - 1) /
	       _Alignof(struct t38leg) * _Alignof(struct t38leg);
	tm.legs = aligned_alloc(_Alignof(struct t38leg), size);
	tm.free_idx = calloc(max_legs, sizeof(*tm.free_idx));
	if (!tm.legs || !tm.free_idx) {
		free(tm.legs);
		free(tm.free_idx);
		memset(&tm, 0, sizeof(tm));
		return -ENOMEM;
	}
	memset(tm.legs, 0, size);
	for (tm.max = 0; tm.max < max_legs && !err; tm.max++)
		err = udpport_init(&tm.legs[tm.max].net, 1);
	for (unsigned i = 0; i < tm.max; i++)
		tm.free_idx[i] = tm.max - 1 - i;
	tm.nfree = tm.max;
	if (err) {
		t38leg_module_fini();
		return err;
	}
	LOG_INFO("%u T.38 legs ready (%zu KB)", max_legs, size / 1024);
	return 0;
}

void t38leg_module_fini(void)
{
	for (unsigned i = 0; i < tm.max; i++) {
		t38leg_close(&tm.legs[i]);
		udpport_fini(&tm.legs[i].net);
	}
	free(tm.legs);
	free(tm.free_idx);
	memset(&tm, 0, sizeof(tm));
}

static bool cfg_ok(const struct t38leg_cfg *c)
{
	return c->local_port && !(c->local_port & 1) && c->remote_ip &&
	       c->remote_port && c->redundancy <= UDPTL_REDUNDANCY_MAX;
}

/* SpanDSP's gateway, initialised in place (no allocation) */
static int gateway_init(struct t38leg *l)
{
	t38_gateway_state_t *gw = &l->gw;
	t38_core_state_t *core;

	if (!t38_gateway_init(gw, ifp_out, l))
		return -EINVAL;
	t38_gateway_set_supported_modems(gw, T30_SUPPORT_V27TER |
					 T30_SUPPORT_V29 | T30_SUPPORT_V17);
	t38_gateway_set_ecm_capability(gw, 1);
	t38_gateway_set_transmit_on_idle(gw, 1);
	core = t38_gateway_get_t38_core_state(gw);
	span_log_set_level(t38_gateway_get_logging_state(gw), 0);
	span_log_set_level(t38_core_get_logging_state(core), 0);
	return 0;
}

/* the far end is the one configured (again) */
static void to_remote(struct t38leg *l)
{
	l->to_ip = l->cfg.remote_ip;
	l->to_port = l->cfg.remote_port;
	l->latched = false;
}

int t38leg_open(struct t38leg **lp, const struct t38leg_cfg *cfg)
{
	struct t38leg *l;
	int err;

	if (!cfg_ok(cfg))
		return -EINVAL;
	if (!tm.nfree)
		return -ENOSPC;
	if (udpport_taken(cfg->local_port))
		return -EADDRINUSE;
	l = &tm.legs[tm.free_idx[tm.nfree - 1]];
	l->cfg = *cfg;
	udptl_tx_init(&l->tx, cfg->redundancy, 0);
	udptl_rx_init(&l->rx);
	l->tx_packets = l->tx_errors = l->foreign = 0;
	to_remote(l);
	err = gateway_init(l);
	if (!err)
		err = udpport_bind(&l->net, cfg->local_port);
	if (err) {
		t38_gateway_release(&l->gw);
		return err;
	}
	l->in_use = true;
	tm.nfree--;
	*lp = l;
	return 0;
}

int t38leg_modify(struct t38leg *l, const struct t38leg_cfg *cfg)
{
	bool moved;

	if (!cfg_ok(cfg) || cfg->local_port != l->cfg.local_port)
		return -EINVAL;
	moved = cfg->remote_ip != l->cfg.remote_ip ||
		cfg->remote_port != l->cfg.remote_port ||
		cfg->latch != l->cfg.latch;
	l->cfg = *cfg;
	l->tx.redundancy = cfg->redundancy;
	if (moved)
		to_remote(l);
	return 0;
}

void t38leg_close(struct t38leg *l)
{
	if (!l || !l->in_use)
		return;
	udpport_unbind(&l->net);
	t38_gateway_release(&l->gw);
	l->in_use = false;
	tm.free_idx[tm.nfree++] = (unsigned)(l - tm.legs);
}

/* the datagrams received, from the far end only, into UDPTL; latching,
 * the first one UDPTL takes, from anywhere, makes its source the far end */
static void take(struct t38leg *l)
{
	const struct udpport_slot *s;

	while ((s = udpport_peek(&l->net))) {
		bool learn = l->cfg.latch && !l->latched;

		if (!learn && s->from_ip != l->to_ip) {
			l->foreign++;
		} else if (!udptl_recv(&l->rx, s->data, s->len, ifp_in, l) &&
			   learn) {
			l->latched = true;
			l->to_ip = s->from_ip;
			l->to_port = s->from_port;
		}
		udpport_pop(&l->net);
	}
}

void t38leg_run(struct t38leg *l, const int16_t *in, int16_t *out,
		size_t n)
{
	int16_t amp[T38LEG_PERIOD_MS * 8];	/* a period at 8 kHz */
	size_t k;
	int got;

	take(l);
	/* t38_gateway_rx() takes the DC off the samples in place (SpanDSP
	 * 0.0.6's dc_restore()): it gets a copy, the caller's are const */
	for (size_t done = 0; done < n; done += k) {
		k = n - done < sizeof(amp) / sizeof(*amp) ?
		    n - done : sizeof(amp) / sizeof(*amp);
		memcpy(amp, in + done, k * sizeof(*amp));
		t38_gateway_rx(&l->gw, amp, (int)k);
	}
	got = t38_gateway_tx(&l->gw, out, (int)n);
	if (got < 0)
		got = 0;
	memset(out + got, 0, (n - (size_t)got) * sizeof(*out));
}

void t38leg_stats_get(const struct t38leg *l, struct t38leg_stats *st)
{
	t38_stats_t ts;

	memset(st, 0, sizeof(*st));
	st->tx_packets = l->tx_packets;
	st->tx_errors = l->tx_errors;
	st->rx = l->rx.st;
	st->foreign = l->foreign;
	if (l->to_ip != l->cfg.remote_ip || l->to_port != l->cfg.remote_port) {
		st->latched_ip = l->to_ip;
		st->latched_port = l->to_port;
	}
	st->ring_full = atomic_load(&l->net.ring_full);
	st->too_big = atomic_load(&l->net.too_big);
	/* not const in SpanDSP; it only reads */
	t38_gateway_get_transfer_statistics((t38_gateway_state_t *)&l->gw,
					    &ts);
	st->pages = ts.pages_transferred;
	st->bit_rate = ts.bit_rate;
	st->ecm = ts.error_correcting_mode;
}

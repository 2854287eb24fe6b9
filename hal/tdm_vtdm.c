// SPDX-License-Identifier: MIT
/** @file tdm_vtdm.c  TDM driver: the virtual card's card side (vtdm.h)
 *
 * The card is the clock master: a timerfd (CLOCK_MONOTONIC, absolute
 * releases every 1 ms from open) is tdm_fd(); tdm_ticks() reads how many
 * releases passed, publishes the count in the region for the far end, and
 * turns the far end's signalling changes into events. tdm_read() and
 * tdm_write() move a block of chunks through the channel's rings; the far
 * end keeps the far -> card ring ahead of the clock, so a read normally
 * finds its block and a write finds room. Nothing here allocates or blocks
 * after open; the region is mapped with MAP_POPULATE.
 */
#define LOG_MODULE "vtdm"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "hal/tdm.h"
#include "hal/tdm_priv.h"
#include "hal/vtdm.h"
#include "hal/vtdm_priv.h"
#include "rtos-kernel/log.h"
#include "rtos-kernel/rtk.h"

#define FLASH_TICKS	((uint64_t)VTDM_FLASH_MS * 1000000u / VTDM_TICK_NS)

struct vch {
	struct vtdm_chan_view v;
	enum tdm_sig sig;
	uint8_t span, chan;
	uint32_t c2f_head;	/* own copies of the card's counters */
	uint32_t f2c_tail;
	uint32_t state;		/* the card's word */
	uint32_t seen;		/* the far end's word, as last handled */
	bool onhook_pending;	/* FXS: on-hook, flash window running */
	uint64_t onhook_tick;
	uint64_t underruns, overruns, resyncs;
};

struct vcard {
	int tfd;
	uint8_t *base;
	size_t size;
	struct vtdm_shm_hdr *hdr;
	uint32_t mask;
	uint64_t epoch_ns;	/* tick k is due at epoch + k ms */
	unsigned nchans;
	unsigned first[TDM_MAX_SPANS];	/* each span's channel 0 */
	struct vch ch[];
};

static struct vch *vch_of(struct tdm *t, unsigned span, unsigned chan)
{
	struct vcard *c = t->priv;

	return &c->ch[c->first[span] + chan];
}

static void state_put(struct vch *ch, uint32_t w)
{
	ch->state = w;
	atomic_store_explicit(&ch->v.card->state, w, memory_order_release);
}

/* Start from the card's side of the rings, discard stale far -> card audio,
 * keep the line as the last card left it (vtdm.h), and see the far end as
 * idle so its current state is reported at the first tick. */
static void vch_init(struct vcard *c, struct vch *ch, unsigned idx)
{
	uint32_t tail, far;

	vtdm_chan_view(c->base, idx, &ch->v);
	ch->c2f_head = atomic_load(&ch->v.card->c2f_head);
	tail = atomic_load(&ch->v.far->c2f_tail);
	if (ch->c2f_head - tail > c->mask + 1)
		ch->c2f_head = tail;
	atomic_store(&ch->v.card->c2f_head, ch->c2f_head);
	ch->f2c_tail = atomic_load(&ch->v.far->f2c_head);
	atomic_store(&ch->v.card->f2c_tail, ch->f2c_tail);
	ch->underruns = atomic_load(&ch->v.card->underruns);
	ch->overruns = atomic_load(&ch->v.card->overruns);
	ch->resyncs = atomic_load(&ch->v.card->resyncs);
	ch->state = atomic_load(&ch->v.card->state);
	far = atomic_load(&ch->v.far->state);
	if (ch->sig == TDM_SIG_FXS)
		ch->seen = far & ~VTDM_F_OFFHOOK;
	else if (ch->sig == TDM_SIG_FXO)
		ch->seen = far & ~VTDM_F_RING;
	else
		ch->seen = far == VTDM_E1_ANSWERED ? far : VTDM_E1_IDLE;
	/* a refusal the far end answered while no card was open */
	if (ch->sig == TDM_SIG_E1 && ch->state == VTDM_E1_CLEARED &&
	    far != VTDM_E1_SEIZED)
		state_put(ch, VTDM_E1_IDLE);
}

static int start_clock(struct vcard *c)
{
	struct itimerspec its = { .it_interval.tv_nsec = VTDM_TICK_NS };
	uint64_t first;

	c->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (c->tfd < 0)
		return -errno;
	c->epoch_ns = rtk_now_ns();
	first = c->epoch_ns + VTDM_TICK_NS;
	its.it_value.tv_sec = (time_t)(first / 1000000000u);
	its.it_value.tv_nsec = (long)(first % 1000000000u);
	if (timerfd_settime(c->tfd, TFD_TIMER_ABSTIME, &its, NULL))
		return -errno;
	return 0;
}

static void vcard_free(struct vcard *c)
{
	if (c->tfd >= 0)
		close(c->tfd);
	if (c->base)
		munmap(c->base, c->size);
	free(c);
}

static int vtdm_open(struct tdm *t, const struct tdm_cfg *cfg)
{
	const struct vtdm_shm_hdr *h;
	struct vcard *c;
	uint8_t *base;
	size_t size;
	char why[192];
	unsigned s, i, idx = 0;
	int err;

	err = vtdm_map(cfg->fd, &base, &size, why, sizeof(why));
	if (err) {
		LOG_ERR("open: %s", why);
		return err;
	}
	h = (const struct vtdm_shm_hdr *)base;
	c = calloc(1, sizeof(*c) + h->nchans * sizeof(c->ch[0]));
	if (!c) {
		munmap(base, size);
		return -ENOMEM;
	}
	c->tfd = -1;
	c->base = base;
	c->size = size;
	c->hdr = (struct vtdm_shm_hdr *)base;
	c->mask = h->ring_samples - 1;
	c->nchans = h->nchans;
	t->layout.nspans = h->nspans;
	for (s = 0; s < h->nspans; s++) {
		t->layout.span[s].sig = (enum tdm_sig)h->span[s].sig;
		t->layout.span[s].nchans = h->span[s].nchans;
		c->first[s] = idx;
		for (i = 0; i < h->span[s].nchans; i++, idx++) {
			c->ch[idx].sig = t->layout.span[s].sig;
			c->ch[idx].span = (uint8_t)s;
			c->ch[idx].chan = (uint8_t)i;
			vch_init(c, &c->ch[idx], idx);
		}
	}
	err = start_clock(c);
	if (err) {
		LOG_ERR("open: timerfd: %s", strerror(-err));
		vcard_free(c);
		return err;
	}
	if (atomic_load(&c->hdr->card_pid))
		LOG_WARN("open: card region was held by pid %u, taking it "
			 "over", atomic_load(&c->hdr->card_pid));
	atomic_store(&c->hdr->card_ticks, 0);
	atomic_store(&c->hdr->card_pid, (uint32_t)getpid());
	atomic_fetch_add(&c->hdr->card_opens, 1);
	t->priv = c;
	return 0;
}

static void vtdm_close(struct tdm *t)
{
	struct vcard *c = t->priv;
	unsigned i;

	for (i = 0; i < c->nchans; i++)
		state_put(&c->ch[i], 0);
	atomic_store(&c->hdr->card_pid, 0);
	vcard_free(c);
	t->priv = NULL;
}

static int vtdm_fd(const struct tdm *t)
{
	const struct vcard *c = t->priv;

	return c->tfd;
}

/* Ticks of (old, old + n] processed at @p now more than @p slack after
 * their time: tick k is due at epoch + k ms, late when due + slack < now. */
static uint64_t late_ticks(const struct vcard *c, uint64_t old, uint64_t n,
			   uint64_t now, uint64_t slack)
{
	uint64_t d, kmax;

	if (now <= c->epoch_ns + slack)
		return 0;
	d = now - c->epoch_ns - slack;
	kmax = (d - 1) / VTDM_TICK_NS;	/* late: k * tick < d */
	if (kmax <= old)
		return 0;
	return (kmax < old + n ? kmax : old + n) - old;
}

static void sig_fxs(struct tdm *t, struct vch *ch, uint32_t far)
{
	uint64_t now = t->stats.ticks;
	bool off = far & VTDM_F_OFFHOOK, was = ch->seen & VTDM_F_OFFHOOK;

	if (off && !was) {
		tdm_event_push(t, ch->span, ch->chan, ch->onhook_pending ?
			       TDM_EV_FLASH : TDM_EV_OFFHOOK, now);
		ch->onhook_pending = false;
		if (ch->state & VTDM_C_RING)	/* ring trip */
			state_put(ch, ch->state & ~VTDM_C_RING);
	} else if (!off && was) {
		ch->onhook_pending = true;
		ch->onhook_tick = now;
	}
	if (ch->onhook_pending && now - ch->onhook_tick >= FLASH_TICKS) {
		tdm_event_push(t, ch->span, ch->chan, TDM_EV_ONHOOK,
			       ch->onhook_tick);
		ch->onhook_pending = false;
	}
}

static void sig_fxo(struct tdm *t, struct vch *ch, uint32_t far)
{
	uint64_t now = t->stats.ticks;
	uint32_t rose = far & ~ch->seen, fell = ch->seen & ~far;

	if (rose & VTDM_F_RING)
		tdm_event_push(t, ch->span, ch->chan, TDM_EV_RING, now);
	if (fell & VTDM_F_RING)
		tdm_event_push(t, ch->span, ch->chan, TDM_EV_RING_STOP, now);
	if (rose & VTDM_F_ANSWER)
		tdm_event_push(t, ch->span, ch->chan, TDM_EV_ANSWER, now);
	if (rose & VTDM_F_DISC)
		tdm_event_push(t, ch->span, ch->chan, TDM_EV_CLEAR, now);
}

static void sig_e1(struct tdm *t, struct vch *ch, uint32_t far)
{
	static const int8_t ev[] = {
		[VTDM_E1_IDLE] = TDM_EV_CLEAR,
		[VTDM_E1_SEIZED] = TDM_EV_SEIZE,
		[VTDM_E1_ANSWERED] = TDM_EV_ANSWER,
	};

	if (far < sizeof(ev))	/* other values: ignored */
		tdm_event_push(t, ch->span, ch->chan, (enum tdm_ev)ev[far],
			       t->stats.ticks);
	if (far == VTDM_E1_IDLE && ch->state == VTDM_E1_CLEARED)
		state_put(ch, VTDM_E1_IDLE);	/* the refusal was heard */
}

static void scan_signalling(struct tdm *t, struct vcard *c)
{
	unsigned i;

	for (i = 0; i < c->nchans; i++) {
		struct vch *ch = &c->ch[i];
		uint32_t far = atomic_load_explicit(&ch->v.far->state,
						    memory_order_acquire);

		if (far == ch->seen && !ch->onhook_pending)
			continue;
		if (ch->sig == TDM_SIG_FXS)
			sig_fxs(t, ch, far);
		else if (ch->sig == TDM_SIG_FXO)
			sig_fxo(t, ch, far);
		else if (far != ch->seen)
			sig_e1(t, ch, far);
		ch->seen = far;
	}
}

static unsigned vtdm_ticks(struct tdm *t)
{
	struct vcard *c = t->priv;
	uint64_t n = 0;

	if (read(c->tfd, &n, sizeof(n)) != sizeof(n))
		n = 0;		/* EAGAIN: no tick yet */
	if (n) {
		uint64_t now = rtk_now_ns();

		t->stats.late_ticks += late_ticks(c, t->stats.ticks, n, now,
						  VTDM_TICK_NS);
		t->stats.frame_late_ticks += late_ticks(c, t->stats.ticks, n,
				now, (uint64_t)TDM_DEADLINE_MS * VTDM_TICK_NS - 1);
		t->stats.ticks += n;
		atomic_store_explicit(&c->hdr->card_ticks, t->stats.ticks,
				      memory_order_relaxed);
	}
	scan_signalling(t, c);
	return n > UINT32_MAX ? UINT32_MAX : (unsigned)n;
}

static void vtdm_read(struct tdm *t, unsigned span, unsigned chan,
		      int16_t *pcm, unsigned n)
{
	struct vcard *c = t->priv;
	struct vch *ch = vch_of(t, span, chan);
	uint32_t head, fill;

	head = atomic_load_explicit(&ch->v.far->f2c_head,
				    memory_order_acquire);
	fill = head - ch->f2c_tail;
	if (fill > c->mask + 1) {	/* the far end's index is corrupt */
		atomic_store_explicit(&ch->v.card->resyncs, ++ch->resyncs,
				      memory_order_relaxed);
		ch->f2c_tail = head;
		fill = 0;
	}
	if (fill > n)
		fill = n;
	vtdm_ring_copy_out(ch->v.f2c, ch->v.row, c->mask, ch->f2c_tail, pcm,
			   fill);
	if (fill < n) {
		memset(pcm + fill, 0, (n - fill) * sizeof(*pcm));
		ch->underruns += n - fill;
		t->stats.rx_underruns += n - fill;
		atomic_store_explicit(&ch->v.card->underruns, ch->underruns,
				      memory_order_relaxed);
	}
	ch->f2c_tail += fill;
	atomic_store_explicit(&ch->v.card->f2c_tail, ch->f2c_tail,
			      memory_order_release);
}

static void vtdm_write(struct tdm *t, unsigned span, unsigned chan,
		       const int16_t *pcm, unsigned n)
{
	struct vcard *c = t->priv;
	struct vch *ch = vch_of(t, span, chan);
	uint32_t tail, used, room;

	tail = atomic_load_explicit(&ch->v.far->c2f_tail,
				    memory_order_acquire);
	used = ch->c2f_head - tail;
	if (used > c->mask + 1) {
		atomic_store_explicit(&ch->v.card->resyncs, ++ch->resyncs,
				      memory_order_relaxed);
		ch->c2f_head = tail;
		used = 0;
	}
	room = c->mask + 1 - used;
	if (room > n)
		room = n;
	vtdm_ring_copy_in(ch->v.c2f, ch->v.row, c->mask, ch->c2f_head, pcm,
			  room);
	if (room < n) {
		ch->overruns += n - room;
		t->stats.tx_overruns += n - room;
		atomic_store_explicit(&ch->v.card->overruns, ch->overruns,
				      memory_order_relaxed);
	}
	ch->c2f_head += room;
	atomic_store_explicit(&ch->v.card->c2f_head, ch->c2f_head,
			      memory_order_release);
}

static int vtdm_command(struct tdm *t, unsigned span, unsigned chan,
			enum tdm_cmd cmd)
{
	struct vch *ch = vch_of(t, span, chan);

	switch (cmd) {
	case TDM_CMD_RING_ON:
		if (!(ch->seen & VTDM_F_OFFHOOK))
			state_put(ch, ch->state | VTDM_C_RING);
		break;
	case TDM_CMD_RING_OFF:
		state_put(ch, ch->state & ~VTDM_C_RING);
		break;
	case TDM_CMD_SEIZE:
		state_put(ch, ch->sig == TDM_SIG_E1 ? VTDM_E1_SEIZED :
			  ch->state | VTDM_C_OFFHOOK);
		break;
	case TDM_CMD_ANSWER:
		state_put(ch, VTDM_E1_ANSWERED);
		break;
	case TDM_CMD_RELEASE:
	case TDM_CMD_CLEAR:
		if (ch->sig != TDM_SIG_E1)
			state_put(ch, ch->state & ~VTDM_C_OFFHOOK);
		else if (ch->state == VTDM_E1_IDLE &&
			 ch->seen == VTDM_E1_SEIZED)	/* refused */
			state_put(ch, VTDM_E1_CLEARED);
		else if (ch->state != VTDM_E1_CLEARED)
			state_put(ch, VTDM_E1_IDLE);
		break;
	}
	return 0;
}

const struct tdm_ops tdm_vtdm_ops = {
	.name = "vtdm",
	.open = vtdm_open,
	.close = vtdm_close,
	.fd = vtdm_fd,
	.ticks = vtdm_ticks,
	.read = vtdm_read,
	.write = vtdm_write,
	.command = vtdm_command,
};

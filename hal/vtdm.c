// SPDX-License-Identifier: MIT
/** @file vtdm.c  Virtual telephony card: the region and its far end
 *
 * vtdm_create() makes the region (vtdm.h), vtdm_check() validates one made
 * by another program (both sides call it before trusting anything in it),
 * and the vtdm_far_* functions are the far end's side of the rings and
 * state words: the PSTN simulator's, a normal Linux program. The card side
 * is the driver in tdm_vtdm.c.
 */
#define LOG_MODULE "vtdm"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hal/tdm_priv.h"
#include "hal/vtdm.h"
#include "hal/vtdm_priv.h"
#include "rtos-kernel/log.h"

_Static_assert(sizeof(struct vtdm_shm_hdr) <= VTDM_CHANS_OFF, "header");
_Static_assert(sizeof(struct vtdm_card_ctl) == 64, "card control line");
_Static_assert(sizeof(struct vtdm_far_ctl) == 64, "far control line");
_Static_assert(VTDM_RING_MIN % VTDM_COL == 0, "whole rows");

struct vtdm_far {
	uint8_t *base;
	size_t size;
	struct vtdm_shm_hdr *hdr;
	struct tdm_layout layout;
	unsigned nchans;
	uint32_t mask;		/* ring_samples - 1 */
	struct far_chan {
		struct vtdm_chan_view v;
		uint32_t f2c_head;	/* own copies */
		uint32_t c2f_tail;
		uint64_t drops, resyncs;
	} *ch;
};

/** Bytes of a region for layout @p l with rings of @p ring_samples. */
size_t vtdm_region_size(const struct tdm_layout *l, uint32_t ring_samples)
{
	uint32_t n = tdm_layout_chans(l);

	return vtdm_rings_off(n) + 2 * (size_t)n * ring_samples *
				   sizeof(int16_t);
}

/** Create a card's region for layout @p l: a memfd (close-on-exec, sealed
 *  against shrinking and growing) with its header written and every ring
 *  empty. The caller owns the fd and hands it to the card's program and to
 *  the far end. Context: the dispatcher, at boot; tests.
 *  @return 0 (*fdp set), -EINVAL (bad layout), or a negative errno */
int vtdm_create(int *fdp, const struct tdm_layout *l)
{
	struct vtdm_shm_hdr *h;
	char why[128];
	size_t size;
	void *base;
	int fd, err;
	unsigned i;

	if (!fdp || tdm_layout_check(l, why, sizeof(why))) {
		if (l)
			LOG_ERR("create: %s", why);
		return -EINVAL;
	}
	size = vtdm_region_size(l, VTDM_RING_SAMPLES);
	fd = memfd_create("gw-vtdm", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL))
		goto out_errno;
	base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED)
		goto out_errno;
	h = base;
	h->magic = VTDM_MAGIC;
	h->version = VTDM_VERSION;
	h->hdr_size = sizeof(*h);
	h->region_size = size;
	h->chunk = TDM_CHUNK;
	h->rate = TDM_RATE;
	h->nspans = l->nspans;
	h->nchans = tdm_layout_chans(l);
	h->ring_samples = VTDM_RING_SAMPLES;
	h->chan_stride = VTDM_CTL_BYTES;
	h->chans_off = VTDM_CHANS_OFF;
	h->rings_off = vtdm_rings_off(h->nchans);
	h->creator_pid = (uint32_t)getpid();
	for (i = 0; i < l->nspans; i++) {
		h->span[i].sig = l->span[i].sig;
		h->span[i].nchans = l->span[i].nchans;
	}
	munmap(base, size);
	*fdp = fd;
	return 0;

 out_errno:
	err = -errno;
	close(fd);
	return err;
}

/** Check that @p region of @p size bytes is a card region this program
 *  can use: magic, version, chunk and rate, the span layout, the ring size
 *  and every offset.
 *  @return 0; -EPROTO another magic, version or clock; -EBADMSG a layout
 *  that cannot be right. @p why (may be NULL) gets the reason. */
int vtdm_check(const void *region, size_t size, char *why, size_t whylen)
{
	const struct vtdm_shm_hdr *h = region;
	struct tdm_layout l;
	char lwhy[96];
	uint32_t r;
	unsigned i;

	if (!why)
		whylen = 0;
	if (!h || size < sizeof(*h)) {
		vtdm_say(why, whylen, "region of %zu bytes is smaller than "
			 "the card header", size);
		return -EBADMSG;
	}
	if (h->magic != VTDM_MAGIC) {
		vtdm_say(why, whylen, "not a vtdm card region (magic "
			 "0x%08x)", h->magic);
		return -EPROTO;
	}
	if (h->version != VTDM_VERSION || h->hdr_size != sizeof(*h)) {
		vtdm_say(why, whylen, "card region version %u (header %u "
			 "bytes), this program speaks version %u (%zu bytes)",
			 h->version, h->hdr_size, VTDM_VERSION, sizeof(*h));
		return -EPROTO;
	}
	if (h->chunk != TDM_CHUNK || h->rate != TDM_RATE) {
		vtdm_say(why, whylen, "card moves %u samples at %u Hz, this "
			 "program %d at %d", h->chunk, h->rate, TDM_CHUNK,
			 TDM_RATE);
		return -EPROTO;
	}
	memset(&l, 0, sizeof(l));
	l.nspans = h->nspans;
	for (i = 0; i < h->nspans && i < TDM_MAX_SPANS; i++) {
		l.span[i].sig = (enum tdm_sig)h->span[i].sig;
		l.span[i].nchans = h->span[i].nchans;
	}
	if (tdm_layout_check(&l, lwhy, sizeof(lwhy))) {
		vtdm_say(why, whylen, "bad span layout: %s", lwhy);
		return -EBADMSG;
	}
	if (h->nchans != tdm_layout_chans(&l)) {
		vtdm_say(why, whylen, "header says %u channels, its spans "
			 "have %u", h->nchans, tdm_layout_chans(&l));
		return -EBADMSG;
	}
	r = h->ring_samples;
	if (r < VTDM_RING_MIN || r > VTDM_RING_MAX || (r & (r - 1))) {
		vtdm_say(why, whylen, "ring of %u samples (a power of two "
			 "from %u to %u)", r, VTDM_RING_MIN, VTDM_RING_MAX);
		return -EBADMSG;
	}
	if (h->chan_stride != VTDM_CTL_BYTES ||
	    h->chans_off != VTDM_CHANS_OFF ||
	    h->rings_off != vtdm_rings_off(h->nchans) ||
	    h->region_size != size || size != vtdm_region_size(&l, r)) {
		vtdm_say(why, whylen, "control blocks (%u bytes at %llu), "
			 "rings (at %llu) or size (%llu, region %zu) do not "
			 "match %u channels of %u-sample rings",
			 h->chan_stride, (unsigned long long)h->chans_off,
			 (unsigned long long)h->rings_off,
			 (unsigned long long)h->region_size, size, h->nchans,
			 r);
		return -EBADMSG;
	}
	return 0;
}

/** Map the region behind @p fd and check it (vtdm_check()); shared by
 *  both sides. @return 0 or as vtdm_check(), or a kernel error */
int vtdm_map(int fd, uint8_t **basep, size_t *sizep, char *why,
	     size_t whylen)
{
	struct stat st;
	void *base;
	int err;

	if (fd < 0 || fstat(fd, &st)) {
		err = fd < 0 ? -EBADF : -errno;
		vtdm_say(why, whylen, "card fd %d: %s", fd, strerror(-err));
		return err;
	}
	if ((size_t)st.st_size < sizeof(struct vtdm_shm_hdr)) {
		vtdm_say(why, whylen, "card fd %d: %zu bytes, too small for a "
			 "card region", fd, (size_t)st.st_size);
		return -EBADMSG;
	}
	base = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_POPULATE, fd, 0);
	if (base == MAP_FAILED) {
		err = -errno;
		vtdm_say(why, whylen, "card fd %d: mmap: %s", fd,
			 strerror(-err));
		return err;
	}
	err = vtdm_check(base, (size_t)st.st_size, why, whylen);
	if (err) {
		munmap(base, (size_t)st.st_size);
		return err;
	}
	*basep = base;
	*sizep = (size_t)st.st_size;
	return 0;
}

/** Views of channel @p idx's control lines and ring columns. */
void vtdm_chan_view(uint8_t *base, unsigned idx, struct vtdm_chan_view *v)
{
	const struct vtdm_shm_hdr *h = (const struct vtdm_shm_hdr *)base;
	uint8_t *blk = base + h->chans_off + (size_t)idx * h->chan_stride;
	int16_t *rings = (int16_t *)(base + h->rings_off);

	v->card = (struct vtdm_card_ctl *)blk;
	v->far = (struct vtdm_far_ctl *)(blk + 64);
	v->row = h->nchans * VTDM_COL;
	v->c2f = rings + (size_t)idx * VTDM_COL;
	v->f2c = v->c2f + (size_t)h->nchans * h->ring_samples;
}

static bool pid_alive(uint32_t pid)
{
	return pid && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

/* Claim the far end's seat: free, ours, or held by a dead process. */
static int claim_far(struct vtdm_shm_hdr *h, char *err, size_t len)
{
	uint32_t me = (uint32_t)getpid();
	uint32_t cur = atomic_load(&h->far_pid);

	for (;;) {
		if (cur && cur != me && pid_alive(cur)) {
			vtdm_say(err, len, "the card's far end is already "
				 "attached by pid %u", cur);
			return -EBUSY;
		}
		if (atomic_compare_exchange_weak(&h->far_pid, &cur, me))
			return 0;
	}
}

static void far_free(struct vtdm_far *f)
{
	if (f->base)
		munmap(f->base, f->size);
	free(f->ch);
	free(f);
}

/** Attach the far end (the PSTN simulator) to the card region behind
 *  @p fd, which stays the caller's. Audio the card sent before is
 *  discarded; the far end's state words are left as they are (the caller
 *  sets them). Context: a normal Linux process (allocates).
 *  @return 0 (*fp set); -EPROTO or -EBADMSG (region refused), -EBUSY
 *          (another live far end attached), or a kernel error; @p err
 *          gets the reason */
int vtdm_attach_far(struct vtdm_far **fp, int fd, char *err, size_t len)
{
	struct vtdm_far *f;
	unsigned i;
	int rc;

	if (!err)
		len = 0;
	if (!fp)
		return -EINVAL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	rc = vtdm_map(fd, &f->base, &f->size, err, len);
	if (rc)
		goto out_free;
	f->hdr = (struct vtdm_shm_hdr *)f->base;
	f->nchans = f->hdr->nchans;
	f->mask = f->hdr->ring_samples - 1;
	f->layout.nspans = f->hdr->nspans;
	for (i = 0; i < f->layout.nspans; i++) {
		f->layout.span[i].sig = (enum tdm_sig)f->hdr->span[i].sig;
		f->layout.span[i].nchans = f->hdr->span[i].nchans;
	}
	f->ch = calloc(f->nchans, sizeof(*f->ch));
	if (!f->ch) {
		rc = -ENOMEM;
		goto out_free;
	}
	rc = claim_far(f->hdr, err, len);
	if (rc)
		goto out_free;
	for (i = 0; i < f->nchans; i++) {
		struct far_chan *c = &f->ch[i];

		vtdm_chan_view(f->base, i, &c->v);
		c->f2c_head = atomic_load(&c->v.far->f2c_head);
		c->c2f_tail = atomic_load(&c->v.card->c2f_head);
		atomic_store_explicit(&c->v.far->c2f_tail, c->c2f_tail,
				      memory_order_release);
		c->drops = atomic_load(&c->v.far->drops);
		c->resyncs = atomic_load(&c->v.far->resyncs);
	}
	atomic_fetch_add(&f->hdr->far_attaches, 1);
	*fp = f;
	return 0;

 out_free:
	far_free(f);
	return rc;
}

/** Detach the far end: its seat is freed, its state words stay (the card
 *  sees a line left as it was). NULL is ignored. @return NULL */
struct vtdm_far *vtdm_far_detach(struct vtdm_far *f)
{
	uint32_t me = (uint32_t)getpid();

	if (!f)
		return NULL;
	atomic_compare_exchange_strong(&f->hdr->far_pid, &me, 0);
	far_free(f);
	return NULL;
}

/** The card's span layout. */
void vtdm_far_layout(const struct vtdm_far *f, struct tdm_layout *l)
{
	*l = f->layout;
}

/** Channels of all spans; the far end numbers them 0..n-1 in layout
 *  order (span 0's channels first). */
unsigned vtdm_far_nchans(const struct vtdm_far *f)
{
	return f->nchans;
}

/** Index of channel @p chan of span @p span. @return it, or -EINVAL */
int vtdm_far_chan(const struct vtdm_far *f, unsigned span, unsigned chan)
{
	unsigned i, idx = 0;

	if (span >= f->layout.nspans || chan >= f->layout.span[span].nchans)
		return -EINVAL;
	for (i = 0; i < span; i++)
		idx += f->layout.span[i].nchans;
	return (int)(idx + chan);
}

/** Take up to @p max samples the card sent on channel @p idx.
 *  @return samples copied into @p pcm (0: none, or no such channel) */
size_t vtdm_far_read(struct vtdm_far *f, unsigned idx, int16_t *pcm,
		     size_t max)
{
	struct far_chan *c;
	uint32_t head, fill;

	if (idx >= f->nchans)
		return 0;
	c = &f->ch[idx];
	head = atomic_load_explicit(&c->v.card->c2f_head,
				    memory_order_acquire);
	fill = head - c->c2f_tail;
	if (fill > f->mask + 1) {
		atomic_store_explicit(&c->v.far->resyncs, ++c->resyncs,
				      memory_order_relaxed);
		c->c2f_tail = head;
		fill = 0;
	}
	if (fill > max)
		fill = (uint32_t)max;
	vtdm_ring_copy_out(c->v.c2f, c->v.row, f->mask, c->c2f_tail, pcm,
			   fill);
	c->c2f_tail += fill;
	atomic_store_explicit(&c->v.far->c2f_tail, c->c2f_tail,
			      memory_order_release);
	return fill;
}

/** Queue @p n samples towards the card on channel @p idx; what does not
 *  fit is dropped and counted. @return samples queued */
size_t vtdm_far_write(struct vtdm_far *f, unsigned idx, const int16_t *pcm,
		      size_t n)
{
	struct far_chan *c;
	uint32_t tail, used, room;

	if (idx >= f->nchans)
		return 0;
	c = &f->ch[idx];
	tail = atomic_load_explicit(&c->v.card->f2c_tail,
				    memory_order_acquire);
	used = c->f2c_head - tail;
	if (used > f->mask + 1) {
		atomic_store_explicit(&c->v.far->resyncs, ++c->resyncs,
				      memory_order_relaxed);
		c->f2c_head = tail;
		used = 0;
	}
	room = f->mask + 1 - used;
	if (n > room) {
		c->drops += n - room;
		atomic_store_explicit(&c->v.far->drops, c->drops,
				      memory_order_relaxed);
		n = room;
	}
	vtdm_ring_copy_in(c->v.f2c, c->v.row, f->mask, c->f2c_head, pcm,
			  (uint32_t)n);
	c->f2c_head += (uint32_t)n;
	atomic_store_explicit(&c->v.far->f2c_head, c->f2c_head,
			      memory_order_release);
	return n;
}

/** Samples queued towards the card on channel @p idx and not yet taken:
 *  how far the far end is ahead of the card's clock. */
size_t vtdm_far_queued(const struct vtdm_far *f, unsigned idx)
{
	uint32_t used;

	if (idx >= f->nchans)
		return 0;
	used = f->ch[idx].f2c_head -
	       atomic_load_explicit(&f->ch[idx].v.card->f2c_tail,
				    memory_order_acquire);
	return used > f->mask + 1 ? 0 : used;
}

/** Set the far end's state word of channel @p idx (VTDM_F_*, VTDM_E1_*). */
void vtdm_far_state_set(struct vtdm_far *f, unsigned idx, uint32_t w)
{
	if (idx < f->nchans)
		atomic_store_explicit(&f->ch[idx].v.far->state, w,
				      memory_order_release);
}

/** The far end's own state word of channel @p idx. */
uint32_t vtdm_far_state(const struct vtdm_far *f, unsigned idx)
{
	if (idx >= f->nchans)
		return 0;
	return atomic_load_explicit(&f->ch[idx].v.far->state,
				    memory_order_relaxed);
}

/** The card's state word of channel @p idx (VTDM_C_*, VTDM_E1_*). */
uint32_t vtdm_far_card_state(const struct vtdm_far *f, unsigned idx)
{
	if (idx >= f->nchans)
		return 0;
	return atomic_load_explicit(&f->ch[idx].v.card->state,
				    memory_order_acquire);
}

/** Whether a card has the region open, and its clock. */
void vtdm_far_card_info(const struct vtdm_far *f, struct vtdm_card_info *ci)
{
	ci->pid = atomic_load(&f->hdr->card_pid);
	ci->opens = atomic_load(&f->hdr->card_opens);
	ci->ticks = atomic_load(&f->hdr->card_ticks);
}

/** Both sides' counters of channel @p idx (zeros for no such channel). */
void vtdm_far_chan_stats(const struct vtdm_far *f, unsigned idx,
			 struct vtdm_chan_stats *st)
{
	const struct vtdm_chan_view *v;

	memset(st, 0, sizeof(*st));
	if (idx >= f->nchans)
		return;
	v = &f->ch[idx].v;
	st->card_state = atomic_load(&v->card->state);
	st->far_state = atomic_load(&v->far->state);
	st->to_card = (uint32_t)vtdm_far_queued(f, idx);
	st->to_far = atomic_load(&v->card->c2f_head) - f->ch[idx].c2f_tail;
	if (st->to_far > f->mask + 1)
		st->to_far = 0;
	st->card_underruns = atomic_load(&v->card->underruns);
	st->card_overruns = atomic_load(&v->card->overruns);
	st->card_resyncs = atomic_load(&v->card->resyncs);
	st->far_drops = atomic_load(&v->far->drops);
	st->far_resyncs = atomic_load(&v->far->resyncs);
}

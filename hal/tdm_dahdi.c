// SPDX-License-Identifier: MIT
/** @file tdm_dahdi.c  TDM driver: a real card through DAHDI (dahdi/user.h)
 *
 * Channels: each channel of the layout is one fd on <dev_dir>/channel bound
 * with DAHDI_SPECIFY to its DAHDI channel number, non-blocking, block size
 * TDM_CHUNK samples, 16-bit linear (DAHDI_SETLINEAR) or, when the channel
 * refuses linear mode, its law (DAHDI_GET_PARAMS curlaw) converted here
 * with SpanDSP's G.711 tables. The kernel keeps DAHDI_NUMBUFS blocks each
 * way; the media task moves a line's audio in blocks of 10 or 20 ms (one
 * read() or write() a chunk), so a run late by more than the other 12 ms
 * loses audio. DAHDI numbers channels from 1 across spans
 * in the order the cards registered them; the layout is taken to follow
 * that order, an analog span using as many numbers as it has channels, an
 * E1 span 31 (timeslots 1-31; timeslot 16 carries the CAS signalling and
 * is skipped).
 *
 * Clock: <dev_dir>/timer set with DAHDI_TIMERCONFIG to TDM_CHUNK samples
 * ticks on the span clock; it is tdm_fd() (ready with POLLPRI). tdm_ticks()
 * acknowledges each expiry (DAHDI_TIMERACK) and counts it; every tick but
 * the last of a batch was processed late.
 *
 * Signalling: tdm_ticks() polls every channel for POLLPRI and drains its
 * events (DAHDI_GETEVENT), mapped by tdm_dahdi_event_map(); commands are
 * DAHDI_HOOK operations (tdm_dahdi_hook_op()). A read that finds no block
 * (EAGAIN, or ELAST: an event is pending) gives silence and counts an
 * underrun; a write the channel cannot take counts an overrun.
 *
 * Without the kernel module there is no <dev_dir> (this VM has none):
 * tdm_open() says so and fails with -ENODEV, as it does when the files
 * there are not DAHDI devices (the first ioctl fails with ENOTTY).
 */
#define LOG_MODULE "dahdi"
#include <dahdi/user.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <spandsp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hal/tdm.h"
#include "hal/tdm_priv.h"
#include "rtos-kernel/log.h"

#define DEV_DIR_DEFAULT	"/dev/dahdi"
#define E1_SLOTS	31
#define E1_SIG_SLOT	16
#define DAHDI_NUMBUFS	32	/* kernel buffering: 32 ms each way */
#define MAX_TICK_BATCH	1000
#define MAX_EVENTS	16	/* drained per channel per call */

struct dchan {
	int fd;
	int channo;
	enum tdm_sig sig;
	enum tdm_dahdi_law law;
	bool seized;		/* FXO/E1: we went off-hook */
};

struct dcard {
	int timer;
	unsigned nchans;
	unsigned first[TDM_MAX_SPANS];
	struct pollfd *pfd;	/* one per channel, POLLPRI: events */
	struct dchan ch[];
};

/** DAHDI channel number of channel @p chan of span @p span under the
 *  numbering above. @return it (>= 1), or -EINVAL */
int tdm_dahdi_channo(const struct tdm_layout *l, unsigned span, unsigned chan)
{
	unsigned i, base = 1;

	if (!l || span >= l->nspans || span >= TDM_MAX_SPANS ||
	    chan >= l->span[span].nchans)
		return -EINVAL;
	for (i = 0; i < span; i++)
		base += l->span[i].sig == TDM_SIG_E1 ? E1_SLOTS :
			l->span[i].nchans;
	if (l->span[span].sig == TDM_SIG_E1 && chan + 1 >= E1_SIG_SLOT)
		chan++;		/* timeslot 16 carries signalling */
	return (int)(base + chan);
}

/** The tdm event for DAHDI event @p ev on a channel of signalling @p sig
 *  (FXS port: the channel runs FXO signalling, and so on):
 *   FXS  RINGOFFHOOK: OFFHOOK; ONHOOK: ONHOOK; WINKFLASH: FLASH
 *   FXO  RINGBEGIN: RING; RINGOFFHOOK (ring burst over): RING_STOP;
 *        POLARITY while seized: ANSWER; ONHOOK (loop current lost while
 *        seized): CLEAR
 *   E1   RINGOFFHOOK: SEIZE, or ANSWER when @p we_seized; ONHOOK: CLEAR
 *  @return the enum tdm_ev, or -1 for events with no tdm meaning */
int tdm_dahdi_event_map(enum tdm_sig sig, int ev, bool we_seized)
{
	switch (sig) {
	case TDM_SIG_FXS:
		if (ev == DAHDI_EVENT_RINGOFFHOOK)
			return TDM_EV_OFFHOOK;
		if (ev == DAHDI_EVENT_ONHOOK)
			return TDM_EV_ONHOOK;
		if (ev == DAHDI_EVENT_WINKFLASH)
			return TDM_EV_FLASH;
		break;
	case TDM_SIG_FXO:
		if (ev == DAHDI_EVENT_RINGBEGIN)
			return TDM_EV_RING;
		if (ev == DAHDI_EVENT_RINGOFFHOOK)
			return TDM_EV_RING_STOP;
		if (ev == DAHDI_EVENT_POLARITY && we_seized)
			return TDM_EV_ANSWER;
		if (ev == DAHDI_EVENT_ONHOOK && we_seized)
			return TDM_EV_CLEAR;
		break;
	case TDM_SIG_E1:
		if (ev == DAHDI_EVENT_RINGOFFHOOK)
			return we_seized ? TDM_EV_ANSWER : TDM_EV_SEIZE;
		if (ev == DAHDI_EVENT_ONHOOK)
			return TDM_EV_CLEAR;
		break;
	}
	return -1;
}

/** The DAHDI_HOOK operation for command @p cmd on a span of signalling
 *  @p sig: RING_ON DAHDI_RING, RING_OFF DAHDI_RINGOFF, SEIZE and ANSWER
 *  DAHDI_OFFHOOK, RELEASE and CLEAR DAHDI_ONHOOK.
 *  @return it, or -EINVAL when the span's signalling has no such command */
int tdm_dahdi_hook_op(enum tdm_sig sig, enum tdm_cmd cmd)
{
	if (!tdm_cmd_valid(sig, cmd))
		return -EINVAL;
	switch (cmd) {
	case TDM_CMD_RING_ON:
		return DAHDI_RING;
	case TDM_CMD_RING_OFF:
		return DAHDI_RINGOFF;
	case TDM_CMD_SEIZE:
	case TDM_CMD_ANSWER:
		return DAHDI_OFFHOOK;
	case TDM_CMD_RELEASE:
	case TDM_CMD_CLEAR:
		return DAHDI_ONHOOK;
	}
	return -EINVAL;
}

/** Bytes of one chunk on a channel in law @p law. */
size_t tdm_dahdi_chunk_bytes(enum tdm_dahdi_law law)
{
	return law == TDM_DAHDI_LINEAR ? TDM_CHUNK * sizeof(int16_t) :
	       TDM_CHUNK;
}

/** Decode one chunk read from a channel. */
void tdm_dahdi_decode(enum tdm_dahdi_law law, const uint8_t *in,
		      int16_t pcm[TDM_CHUNK])
{
	unsigned i;

	for (i = 0; i < TDM_CHUNK; i++) {
		if (law == TDM_DAHDI_ULAW)
			pcm[i] = ulaw_to_linear(in[i]);
		else if (law == TDM_DAHDI_ALAW)
			pcm[i] = alaw_to_linear(in[i]);
		else
			memcpy(&pcm[i], in + 2 * i, 2);
	}
}

/** Encode one chunk to write to a channel. */
void tdm_dahdi_encode(enum tdm_dahdi_law law, const int16_t pcm[TDM_CHUNK],
		      uint8_t *out)
{
	unsigned i;

	for (i = 0; i < TDM_CHUNK; i++) {
		if (law == TDM_DAHDI_ULAW)
			out[i] = linear_to_ulaw(pcm[i]);
		else if (law == TDM_DAHDI_ALAW)
			out[i] = linear_to_alaw(pcm[i]);
		else
			memcpy(out + 2 * i, &pcm[i], 2);
	}
}

static int fail(int err, const char *what, const char *path, int channo)
{
	if (err == -ENOTTY) {
		LOG_ERR("open: %s: %s (channel %d): not a DAHDI device", path,
			what, channo);
		return -ENODEV;
	}
	LOG_ERR("open: %s: %s (channel %d): %s", path, what, channo,
		strerror(-err));
	return err == -ENOENT || err == -ENXIO ? -ENODEV : err;
}

/* Linear if the channel takes it, else its law. */
static int set_audio(struct dchan *ch)
{
	struct dahdi_params p;
	int one = 1;

	if (!ioctl(ch->fd, DAHDI_SETLINEAR, &one)) {
		ch->law = TDM_DAHDI_LINEAR;
		return 0;
	}
	memset(&p, 0, sizeof(p));
	if (ioctl(ch->fd, DAHDI_GET_PARAMS, &p))
		return -errno;
	ch->law = p.curlaw == DAHDI_LAW_ALAW ? TDM_DAHDI_ALAW : TDM_DAHDI_ULAW;
	LOG_WARN("channel %d: no linear mode, converting %s-law here",
		 ch->channo, ch->law == TDM_DAHDI_ALAW ? "A" : "mu");
	return 0;
}

static void set_buffers(struct dchan *ch)
{
	struct dahdi_bufferinfo bi;

	memset(&bi, 0, sizeof(bi));
	if (ioctl(ch->fd, DAHDI_GET_BUFINFO, &bi))
		return;
	bi.txbufpolicy = DAHDI_POLICY_IMMEDIATE;
	bi.rxbufpolicy = DAHDI_POLICY_IMMEDIATE;
	bi.numbufs = DAHDI_NUMBUFS;
	if (ioctl(ch->fd, DAHDI_SET_BUFINFO, &bi))
		LOG_WARN("channel %d: DAHDI_SET_BUFINFO: %s", ch->channo,
			 strerror(errno));
}

static int open_chan(struct dchan *ch, const char *path)
{
	int bs = TDM_CHUNK, err;

	ch->fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (ch->fd < 0)
		return fail(-errno, "open", path, ch->channo);
	if (ioctl(ch->fd, DAHDI_SPECIFY, &ch->channo))
		return fail(-errno, "DAHDI_SPECIFY", path, ch->channo);
	if (ioctl(ch->fd, DAHDI_SET_BLOCKSIZE, &bs))
		return fail(-errno, "DAHDI_SET_BLOCKSIZE", path, ch->channo);
	err = set_audio(ch);
	if (err)
		return fail(err, "DAHDI_GET_PARAMS", path, ch->channo);
	set_buffers(ch);
	return 0;
}

static int open_timer(struct dcard *c, const char *path)
{
	int samples = TDM_CHUNK;

	c->timer = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (c->timer < 0)
		return fail(-errno, "open", path, 0);
	if (ioctl(c->timer, DAHDI_TIMERCONFIG, &samples))
		return fail(-errno, "DAHDI_TIMERCONFIG", path, 0);
	return 0;
}

static void dcard_free(struct dcard *c)
{
	unsigned i;

	for (i = 0; i < c->nchans; i++)
		if (c->ch[i].fd >= 0)
			close(c->ch[i].fd);
	if (c->timer >= 0)
		close(c->timer);
	free(c->pfd);
	free(c);
}

static int check_dir(const char *dir)
{
	struct stat st;

	if (stat(dir, &st)) {
		LOG_ERR("open: %s: %s: no DAHDI driver loaded (the simulated "
			"board uses the vtdm card)", dir, strerror(errno));
		return -ENODEV;
	}
	if (!S_ISDIR(st.st_mode)) {
		LOG_ERR("open: %s is not a directory of DAHDI devices", dir);
		return -ENODEV;
	}
	return 0;
}

static int dahdi_open(struct tdm *t, const struct tdm_cfg *cfg)
{
	const char *dir = cfg->dev_dir ? cfg->dev_dir : DEV_DIR_DEFAULT;
	unsigned n, s, i, idx = 0;
	char path[PATH_MAX], why[128];
	struct dcard *c;
	int err;

	if (tdm_layout_check(&cfg->layout, why, sizeof(why))) {
		LOG_ERR("open: layout: %s", why);
		return -EINVAL;
	}
	err = check_dir(dir);
	if (err)
		return err;
	n = tdm_layout_chans(&cfg->layout);
	c = calloc(1, sizeof(*c) + n * sizeof(c->ch[0]));
	if (!c)
		return -ENOMEM;
	c->timer = -1;
	c->nchans = n;
	for (i = 0; i < n; i++)
		c->ch[i].fd = -1;
	c->pfd = calloc(n, sizeof(*c->pfd));
	if (!c->pfd) {
		err = -ENOMEM;
		goto out_free;
	}
	snprintf(path, sizeof(path), "%s/channel", dir);
	for (s = 0; s < cfg->layout.nspans; s++) {
		c->first[s] = idx;
		for (i = 0; i < cfg->layout.span[s].nchans; i++, idx++) {
			c->ch[idx].sig = cfg->layout.span[s].sig;
			c->ch[idx].channo = tdm_dahdi_channo(&cfg->layout, s,
							     i);
			err = open_chan(&c->ch[idx], path);
			if (err)
				goto out_free;
			c->pfd[idx].fd = c->ch[idx].fd;
			c->pfd[idx].events = POLLPRI;
		}
	}
	snprintf(path, sizeof(path), "%s/timer", dir);
	err = open_timer(c, path);
	if (err)
		goto out_free;
	t->layout = cfg->layout;
	t->priv = c;
	return 0;

 out_free:
	dcard_free(c);
	return err;
}

static void dahdi_close(struct tdm *t)
{
	struct dcard *c = t->priv;
	unsigned i;
	int op = DAHDI_ONHOOK;

	for (i = 0; i < c->nchans; i++)
		if (c->ch[i].seized)
			ioctl(c->ch[i].fd, DAHDI_HOOK, &op);
	dcard_free(c);
	t->priv = NULL;
}

static int dahdi_fd(const struct tdm *t)
{
	const struct dcard *c = t->priv;

	return c->timer;
}

static void drain_events(struct tdm *t, struct dcard *c, unsigned idx,
			 unsigned span, unsigned chan)
{
	struct dchan *ch = &c->ch[idx];
	int k, ev, mapped;

	for (k = 0; k < MAX_EVENTS; k++) {
		if (ioctl(ch->fd, DAHDI_GETEVENT, &ev) || !ev)
			return;
		mapped = tdm_dahdi_event_map(ch->sig, ev, ch->seized);
		if (mapped >= 0)
			tdm_event_push(t, span, chan, (enum tdm_ev)mapped,
				       t->stats.ticks);
		else if (ev == DAHDI_EVENT_ALARM || ev == DAHDI_EVENT_NOALARM ||
			 ev == DAHDI_EVENT_REMOVED)
			LOG_WARN("channel %d: %s", ch->channo,
				 ev == DAHDI_EVENT_ALARM ? "alarm" :
				 ev == DAHDI_EVENT_NOALARM ? "alarm cleared" :
				 "removed");
	}
}

static unsigned dahdi_ticks(struct tdm *t)
{
	struct dcard *c = t->priv;
	struct pollfd tp = { .fd = c->timer, .events = POLLPRI };
	unsigned n = 0, s, i, idx = 0;
	int one = 1;

	while (n < MAX_TICK_BATCH && poll(&tp, 1, 0) > 0 &&
	       (tp.revents & POLLPRI)) {
		if (ioctl(c->timer, DAHDI_TIMERACK, &one))
			break;
		n++;
	}
	if (n) {
		t->stats.ticks += n;
		t->stats.late_ticks += n - 1;
		if (n > TDM_DEADLINE_MS)
			t->stats.frame_late_ticks += n - TDM_DEADLINE_MS;
	}
	if (poll(c->pfd, c->nchans, 0) <= 0)
		return n;
	for (s = 0; s < t->layout.nspans; s++)
		for (i = 0; i < t->layout.span[s].nchans; i++, idx++)
			if (c->pfd[idx].revents & POLLPRI)
				drain_events(t, c, idx, s, i);
	return n;
}

static struct dchan *dch_of(struct tdm *t, unsigned span, unsigned chan)
{
	struct dcard *c = t->priv;

	return &c->ch[c->first[span] + chan];
}

/* a channel's read() and write() move one block of DAHDI_SET_BLOCKSIZE
 * (one chunk), so a block of n samples is n / TDM_CHUNK of them */
static void dahdi_read(struct tdm *t, unsigned span, unsigned chan,
		       int16_t *pcm, unsigned n)
{
	struct dchan *ch = dch_of(t, span, chan);

	for (unsigned i = 0; i < n; i += TDM_CHUNK)
		t->stats.rx_underruns += TDM_CHUNK -
			tdm_dahdi_chunk_read(ch->fd, ch->law, pcm + i);
}

static void dahdi_write(struct tdm *t, unsigned span, unsigned chan,
			const int16_t *pcm, unsigned n)
{
	struct dchan *ch = dch_of(t, span, chan);

	for (unsigned i = 0; i < n; i += TDM_CHUNK)
		t->stats.tx_overruns += TDM_CHUNK -
			tdm_dahdi_chunk_write(ch->fd, ch->law, pcm + i);
}

/** Read one chunk from channel fd @p fd in law @p law into @p pcm; what
 *  is missing (no block ready, ELAST: an event is waiting) is silence.
 *  @return samples read (0..TDM_CHUNK) */
unsigned tdm_dahdi_chunk_read(int fd, enum tdm_dahdi_law law,
			      int16_t pcm[TDM_CHUNK])
{
	uint8_t buf[TDM_CHUNK * sizeof(int16_t)];
	size_t bytes = tdm_dahdi_chunk_bytes(law);
	size_t per = bytes / TDM_CHUNK;
	ssize_t r = read(fd, buf, bytes);
	unsigned got = r > 0 ? (unsigned)((size_t)r / per) : 0;

	memset(buf + got * per, law == TDM_DAHDI_LINEAR ? 0 :
	       law == TDM_DAHDI_ULAW ? 0xff : 0xd5, bytes - got * per);
	tdm_dahdi_decode(law, buf, pcm);
	return got;
}

/** Write one chunk to channel fd @p fd in law @p law.
 *  @return samples the channel took (0..TDM_CHUNK) */
unsigned tdm_dahdi_chunk_write(int fd, enum tdm_dahdi_law law,
			       const int16_t pcm[TDM_CHUNK])
{
	uint8_t buf[TDM_CHUNK * sizeof(int16_t)];
	size_t bytes = tdm_dahdi_chunk_bytes(law);
	ssize_t w;

	tdm_dahdi_encode(law, pcm, buf);
	w = write(fd, buf, bytes);
	return w > 0 ? (unsigned)((size_t)w / (bytes / TDM_CHUNK)) : 0;
}

static int dahdi_command(struct tdm *t, unsigned span, unsigned chan,
			 enum tdm_cmd cmd)
{
	struct dchan *ch = dch_of(t, span, chan);
	int op = tdm_dahdi_hook_op(ch->sig, cmd);

	if (op < 0)
		return op;
	if (ioctl(ch->fd, DAHDI_HOOK, &op))
		return -errno;
	if (ch->sig != TDM_SIG_FXS)
		ch->seized = op == DAHDI_OFFHOOK;
	return 0;
}

const struct tdm_ops tdm_dahdi_ops = {
	.name = "dahdi",
	.open = dahdi_open,
	.close = dahdi_close,
	.fd = dahdi_fd,
	.ticks = dahdi_ticks,
	.read = dahdi_read,
	.write = dahdi_write,
	.command = dahdi_command,
};

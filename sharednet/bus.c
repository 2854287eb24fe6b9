// SPDX-License-Identifier: MIT
/** @file bus.c  Proxy bus region: create, check, attach */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sharednet/bus.h"

#define PAGE		4096u
#define CTL_STRIDE	256u
#define LOCKS_OFF	(PAGE + BUS_NCHAN * CTL_STRIDE)
#define STATUS_OFF	(2 * PAGE)
#define STATUS_SIZE	((sizeof(struct rtstat) + PAGE - 1) & ~(size_t)(PAGE - 1))
#define PORTS_OFF	(STATUS_OFF + STATUS_SIZE)
#define PORTS_SIZE	((sizeof(struct ports_shm) + PAGE - 1) & ~(size_t)(PAGE - 1))
#define RESULTS_OFF	(PORTS_OFF + PORTS_SIZE)
#define RESULTS_SIZE	((sizeof(struct bus_results) + PAGE - 1) & \
			 ~(size_t)(PAGE - 1))
#define RINGS_OFF	(RESULTS_OFF + RESULTS_SIZE)

struct bus {
	int memfd;
	int efd[BUS_NCHAN];
	bool owns_fds;
	uint8_t *base;
	size_t size;
	enum bus_side side;
	struct ring ring[BUS_NCHAN];
};

static const struct {
	const char *name;
	enum bus_side producer;
	uint32_t max_record;
} chans[BUS_NCHAN] = {
	[BUS_CH_FRAMES_UP]   = { "frames-up",   BUS_SIDE_RT,    BUS_MAX_FRAME },
	[BUS_CH_FRAMES_DOWN] = { "frames-down", BUS_SIDE_LINUX, BUS_MAX_FRAME },
	[BUS_CH_NETCFG]      = { "netcfg",      BUS_SIDE_LINUX, BUS_MAX_NETCFG },
	[BUS_CH_MSG_UP]      = { "msg-up",      BUS_SIDE_RT,    BUS_MAX_MSG },
	[BUS_CH_MSG_DOWN]    = { "msg-down",    BUS_SIDE_LINUX, BUS_MAX_MSG },
};

_Static_assert(sizeof(struct ring_shm) <= CTL_STRIDE, "ring control block");
_Static_assert(sizeof(struct bus_shm_hdr) <= PAGE, "bus header");
_Static_assert(LOCKS_OFF + sizeof(struct bus_locks) <= 2 * PAGE,
	       "locks fit beside the control blocks");

/** Name of a channel ("frames-up", ...). */
const char *bus_chan_name(enum bus_chan ch)
{
	return (unsigned)ch < BUS_NCHAN ? chans[ch].name : "?";
}

/** Which partition produces on @p ch. */
enum bus_side bus_chan_producer(enum bus_chan ch)
{
	return chans[ch].producer;
}

/** Ring sizes used when the configuration gives none. */
void bus_cfg_default(struct bus_cfg *cfg)
{
	cfg->ring_bytes[BUS_CH_FRAMES_UP] = 2u << 20;
	cfg->ring_bytes[BUS_CH_FRAMES_DOWN] = 2u << 20;
	cfg->ring_bytes[BUS_CH_NETCFG] = 64u << 10;
	cfg->ring_bytes[BUS_CH_MSG_UP] = 256u << 10;
	cfg->ring_bytes[BUS_CH_MSG_DOWN] = 256u << 10;
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static bool bad_area(uint64_t off, uint64_t len, size_t need, size_t size)
{
	return off % 64 || off < sizeof(struct bus_shm_hdr) || len < need ||
	       off > size || len > size - off;
}

/** Check that @p region of @p size bytes is a bus this program can use.
 *  @return 0; -EPROTO another magic or version; -EBADMSG a layout or ring
 *  index that cannot be right. @p why gets the reason. */
int bus_check(const void *region, size_t size, char *why, size_t whylen)
{
	const struct bus_shm_hdr *h = region;
	unsigned i, j;

	if (size < sizeof(*h)) {
		snprintf(why, whylen, "region of %zu bytes is smaller than the "
			 "bus header", size);
		return -EBADMSG;
	}
	if (h->magic != BUS_MAGIC) {
		snprintf(why, whylen, "not a proxy bus (magic 0x%08x)",
			 h->magic);
		return -EPROTO;
	}
	if (h->version != BUS_VERSION || h->hdr_size != sizeof(*h)) {
		snprintf(why, whylen, "bus version %u (header %u bytes), this "
			 "program speaks version %u (%zu bytes)", h->version,
			 h->hdr_size, BUS_VERSION, sizeof(*h));
		return -EPROTO;
	}
	if (h->region_size != size || h->nchan != BUS_NCHAN) {
		snprintf(why, whylen, "header says %llu bytes and %u channels, "
			 "region has %zu bytes and this program %u channels",
			 (unsigned long long)h->region_size, h->nchan, size,
			 BUS_NCHAN);
		return -EBADMSG;
	}
	if (bad_area(h->locks_off, h->locks_size, sizeof(struct bus_locks),
		     size) ||
	    bad_area(h->results_off, h->results_size,
		     sizeof(struct bus_results), size) ||
	    overlaps(h->results_off, h->results_size, h->status_off,
		     h->status_size) ||
	    overlaps(h->results_off, h->results_size, h->ports_off,
		     h->ports_size) ||
	    bad_area(h->status_off, h->status_size, sizeof(struct rtstat),
		     size) ||
	    bad_area(h->ports_off, h->ports_size, sizeof(struct ports_shm),
		     size) ||
	    overlaps(h->status_off, h->status_size, h->ports_off,
		     h->ports_size)) {
		snprintf(why, whylen, "status page (%llu+%llu) or port set "
			 "(%llu+%llu) does not fit the region",
			 (unsigned long long)h->status_off,
			 (unsigned long long)h->status_size,
			 (unsigned long long)h->ports_off,
			 (unsigned long long)h->ports_size);
		return -EBADMSG;
	}
	for (i = 0; i < BUS_NCHAN; i++) {
		const struct bus_chan_desc *c = &h->chan[i];
		uint64_t ds = c->data_size;
		char rwhy[128];

		if (overlaps(h->status_off, h->status_size, c->ctl_off,
			     CTL_STRIDE) ||
		    overlaps(h->status_off, h->status_size, c->data_off, ds) ||
		    overlaps(h->ports_off, h->ports_size, c->ctl_off,
			     CTL_STRIDE) ||
		    overlaps(h->ports_off, h->ports_size, c->data_off, ds) ||
		    overlaps(h->locks_off, h->locks_size, c->ctl_off,
			     CTL_STRIDE) ||
		    overlaps(h->locks_off, h->locks_size, c->data_off, ds) ||
		    overlaps(h->results_off, h->results_size, c->ctl_off,
			     CTL_STRIDE) ||
		    overlaps(h->results_off, h->results_size, c->data_off,
			     ds)) {
			snprintf(why, whylen, "channel %s overlaps the status "
				 "page, the port set, the results or the locks",
				 chans[i].name);
			return -EBADMSG;
		}

		if (c->ctl_off % 64 || c->data_off % 64 ||
		    c->ctl_off < sizeof(*h) || c->data_off < sizeof(*h) ||
		    c->ctl_off > size - sizeof(struct ring_shm) ||
		    ds < RING_MIN_SIZE || (ds & (ds - 1)) ||
		    c->data_off > size || ds > size - c->data_off ||
		    overlaps(c->ctl_off, sizeof(struct ring_shm), c->data_off,
			     ds)) {
			snprintf(why, whylen, "channel %s: ring at %llu+%llu "
				 "(control at %llu) does not fit the region",
				 chans[i].name,
				 (unsigned long long)c->data_off,
				 (unsigned long long)ds,
				 (unsigned long long)c->ctl_off);
			return -EBADMSG;
		}
		if (c->max_record != chans[i].max_record ||
		    c->producer != chans[i].producer ||
		    ring_record_space(c->max_record) > ds / 2) {
			snprintf(why, whylen, "channel %s: record limit %u or "
				 "producer %u is not this version's",
				 chans[i].name, c->max_record, c->producer);
			return -EBADMSG;
		}
		for (j = 0; j < i; j++) {
			const struct bus_chan_desc *o = &h->chan[j];

			if (overlaps(c->data_off, ds, o->data_off,
				     o->data_size) ||
			    overlaps(c->ctl_off, CTL_STRIDE, o->ctl_off,
				     CTL_STRIDE) ||
			    overlaps(c->ctl_off, CTL_STRIDE, o->data_off,
				     o->data_size) ||
			    overlaps(c->data_off, ds, o->ctl_off,
				     CTL_STRIDE)) {
				snprintf(why, whylen, "channels %s and %s "
					 "overlap", chans[j].name,
					 chans[i].name);
				return -EBADMSG;
			}
		}
		if (ring_check((const struct ring_shm *)
			       ((const uint8_t *)region + c->ctl_off), ds,
			       rwhy, sizeof(rwhy))) {
			snprintf(why, whylen, "channel %s: %s", chans[i].name,
				 rwhy);
			return -EBADMSG;
		}
	}
	return 0;
}

static int open_rings(struct bus *b)
{
	const struct bus_shm_hdr *h = (const struct bus_shm_hdr *)b->base;

	for (unsigned i = 0; i < BUS_NCHAN; i++) {
		const struct bus_chan_desc *c = &h->chan[i];
		int err = ring_open(&b->ring[i],
				    (struct ring_shm *)(b->base + c->ctl_off),
				    b->base + c->data_off, c->data_size,
				    c->max_record, b->efd[i]);
		if (err)
			return err;
	}
	return 0;
}

static void close_fds(struct bus *b)
{
	if (!b->owns_fds)
		return;
	if (b->memfd >= 0)
		close(b->memfd);
	for (unsigned i = 0; i < BUS_NCHAN; i++)
		if (b->efd[i] >= 0)
			close(b->efd[i]);
}

/** Release a bus handle: unmap, and close the fds it owns. @return NULL */
struct bus *bus_detach(struct bus *b)
{
	if (!b)
		return NULL;
	if (b->base)
		munmap(b->base, b->size);
	close_fds(b);
	free(b);
	return NULL;
}

static int init_locks(struct bus_locks *l)
{
	pthread_mutexattr_t a;
	int err;

	err = pthread_mutexattr_init(&a);
	if (!err)
		err = pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	if (!err)
		err = pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	for (unsigned i = 0; !err && i < BUS_NCHAN; i++) {
		err = pthread_mutex_init(&l->send[i], &a);
		if (!err)
			err = pthread_mutex_init(&l->recv[i], &a);
	}
	pthread_mutexattr_destroy(&a);
	return -err;
}

static struct bus *bus_new(void)
{
	struct bus *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->memfd = -1;
	for (unsigned i = 0; i < BUS_NCHAN; i++)
		b->efd[i] = -1;
	return b;
}

/** Create the bus: a sealed memfd laid out per @p cfg and one eventfd per
 *  channel; the handle owns them. Context: the dispatcher, at boot.
 *  @return 0, -EINVAL (a ring size that is not a power of two >= 4 KiB, or
 *  too small for its records), or a negative errno from the kernel */
int bus_create(struct bus **bp, const struct bus_cfg *cfg)
{
	struct bus_shm_hdr *h;
	struct bus *b;
	uint64_t off = RINGS_OFF;
	unsigned i;
	int err;

	for (i = 0; i < BUS_NCHAN; i++) {
		uint32_t sz = cfg->ring_bytes[i];

		if (sz < PAGE || (sz & (sz - 1)) ||
		    ring_record_space(chans[i].max_record) > sz / 2)
			return -EINVAL;
	}
	b = bus_new();
	if (!b)
		return -ENOMEM;
	b->owns_fds = true;
	for (i = 0; i < BUS_NCHAN; i++)
		off += cfg->ring_bytes[i];
	b->size = off;
	b->memfd = memfd_create("gw-bus", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (b->memfd < 0 || ftruncate(b->memfd, (off_t)b->size) ||
	    fcntl(b->memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
		  F_SEAL_SEAL))
		goto out_errno;
	for (i = 0; i < BUS_NCHAN; i++) {
		b->efd[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (b->efd[i] < 0)
			goto out_errno;
	}
	b->base = mmap(NULL, b->size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       b->memfd, 0);
	if (b->base == MAP_FAILED) {
		b->base = NULL;
		goto out_errno;
	}
	h = (struct bus_shm_hdr *)b->base;
	h->magic = BUS_MAGIC;
	h->version = BUS_VERSION;
	h->hdr_size = sizeof(*h);
	h->region_size = b->size;
	h->nchan = BUS_NCHAN;
	h->creator_pid = (uint32_t)getpid();
	h->status_off = STATUS_OFF;
	h->status_size = STATUS_SIZE;
	h->ports_off = PORTS_OFF;
	h->ports_size = PORTS_SIZE;
	h->locks_off = LOCKS_OFF;
	h->locks_size = sizeof(struct bus_locks);
	h->results_off = RESULTS_OFF;
	h->results_size = RESULTS_SIZE;
	err = init_locks((struct bus_locks *)(b->base + LOCKS_OFF));
	if (err) {
		bus_detach(b);
		return err;
	}
	off = RINGS_OFF;
	for (i = 0; i < BUS_NCHAN; i++) {
		struct bus_chan_desc *c = &h->chan[i];

		c->ctl_off = PAGE + i * CTL_STRIDE;
		c->data_off = off;
		c->data_size = cfg->ring_bytes[i];
		c->max_record = chans[i].max_record;
		c->producer = chans[i].producer;
		ring_shm_init((struct ring_shm *)(b->base + c->ctl_off));
		off += c->data_size;
	}
	err = open_rings(b);
	if (err) {
		bus_detach(b);
		return err;
	}
	*bp = b;
	return 0;

 out_errno:
	err = -errno;
	bus_detach(b);
	return err;
}

/** Map and check a bus created by another process. The fds stay the
 *  caller's. Context: a partition, at start.
 *  @return 0; -EPROTO or -EBADMSG (refused, reason in @p err); or a negative
 *  errno from the kernel */
int bus_attach(struct bus **bp, int memfd, const int efd[BUS_NCHAN],
	       enum bus_side side, char *err, size_t errlen)
{
	struct stat st;
	struct bus *b;
	int rc;

	if (fstat(memfd, &st)) {
		rc = -errno;
		snprintf(err, errlen, "bus fd %d: %s", memfd, strerror(errno));
		return rc;
	}
	b = bus_new();
	if (!b)
		return -ENOMEM;
	b->memfd = memfd;
	b->side = side;
	for (unsigned i = 0; i < BUS_NCHAN; i++)
		b->efd[i] = efd ? efd[i] : -1;
	b->size = (size_t)st.st_size;
	if (b->size < sizeof(struct bus_shm_hdr)) {
		snprintf(err, errlen, "bus fd %d: %zu bytes, too small for a "
			 "bus", memfd, b->size);
		bus_detach(b);
		return -EBADMSG;
	}
	b->base = mmap(NULL, b->size, side == BUS_SIDE_OBSERVER ? PROT_READ :
		       PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	if (b->base == MAP_FAILED) {
		rc = -errno;
		b->base = NULL;
		snprintf(err, errlen, "bus fd %d: mmap: %s", memfd,
			 strerror(-rc));
		bus_detach(b);
		return rc;
	}
	rc = bus_check(b->base, b->size, err, errlen);
	if (!rc)
		rc = open_rings(b);
	if (rc) {
		bus_detach(b);
		return rc;
	}
	*bp = b;
	return 0;
}

/** The ring of channel @p ch. */
struct ring *bus_ring(struct bus *b, enum bus_chan ch)
{
	return &b->ring[ch];
}

/** The RT partition's status page. */
struct rtstat *bus_status(struct bus *b)
{
	const struct bus_shm_hdr *h = (const struct bus_shm_hdr *)b->base;

	return (struct rtstat *)(b->base + h->status_off);
}

/** The RT partition's UDP port set. */
struct ports_shm *bus_ports(struct bus *b)
{
	const struct bus_shm_hdr *h = (const struct bus_shm_hdr *)b->base;

	return (struct ports_shm *)(b->base + h->ports_off);
}

/** Recent results of channel 4 requests. */
struct bus_results *bus_results(struct bus *b)
{
	const struct bus_shm_hdr *h = (const struct bus_shm_hdr *)b->base;

	return (struct bus_results *)(b->base + h->results_off);
}

/** Record the result of request @p seq. Context: the RT side's one writer
 *  (the media task); never blocks. */
void bus_result_put(struct bus *b, uint32_t seq, uint32_t chan,
		    uint16_t type, int err)
{
	struct bus_results *rs = bus_results(b);
	uint32_t n = atomic_load_explicit(&rs->count, memory_order_relaxed);
	struct bus_result *r = &rs->r[n % BUS_RESULTS];

	atomic_store_explicit(&r->stamp, 0, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	r->seq = seq;
	r->chan = chan;
	r->type = type;
	r->err = (int16_t)err;
	atomic_store_explicit(&r->stamp, n + 1, memory_order_release);
	atomic_store_explicit(&rs->count, n + 1, memory_order_release);
}

/** Look for the result of request @p seq of @p type. Context: any reader.
 *  @return 1 found (its error in @p err), 0 not (yet) there */
int bus_result_find(struct bus *b, uint32_t seq, uint16_t type, int *err)
{
	struct bus_results *rs = bus_results(b);

	for (unsigned i = 0; i < BUS_RESULTS; i++) {
		struct bus_result *r = &rs->r[i];
		uint32_t st = atomic_load_explicit(&r->stamp,
						   memory_order_acquire);
		uint32_t rseq = r->seq;
		uint16_t rtype = r->type;
		int rerr = r->err;

		atomic_thread_fence(memory_order_acquire);
		if (!st || atomic_load_explicit(&r->stamp,
				memory_order_relaxed) != st)
			continue;	/* being rewritten */
		if (rseq == seq && rtype == type) {
			*err = rerr;
			return 1;
		}
	}
	return 0;
}

/** The region's memfd. */
int bus_memfd(const struct bus *b)
{
	return b->memfd;
}

/** The mapped region and its size (for readers of the counters). */
void *bus_region(const struct bus *b, size_t *size)
{
	if (size)
		*size = b->size;
	return b->base;
}

/** The eventfd that wakes the consumer of @p ch. */
int bus_event_fd(const struct bus *b, enum bus_chan ch)
{
	return b->efd[ch];
}

/** Format the fds for the GW_BUS environment variable of a child.
 *  @return 0 or -ENOSPC */
int bus_env(const struct bus *b, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%d,%d,%d,%d,%d,%d", b->memfd, b->efd[0],
			 b->efd[1], b->efd[2], b->efd[3], b->efd[4]);

	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

/** Attach to the bus named by the GW_BUS environment variable (inherited
 *  fds, see bus_env()); the handle then owns the fds.
 *  @return 0, -ENOENT (no GW_BUS), -EINVAL (malformed), or as bus_attach() */
int bus_attach_env(struct bus **bp, enum bus_side side, char *err,
		   size_t errlen)
{
	const char *s = getenv(BUS_ENV);
	int fd[BUS_NCHAN + 1];
	char *end;
	int rc;

	if (!s) {
		snprintf(err, errlen, "%s is not set: start this program "
			 "from the dispatcher", BUS_ENV);
		return -ENOENT;
	}
	for (unsigned i = 0; i <= BUS_NCHAN; i++) {
		long v;

		errno = 0;
		v = strtol(s, &end, 10);
		if (end == s || errno || v < 0 || v > 65535 ||
		    *end != (i < BUS_NCHAN ? ',' : '\0') ||
		    fcntl((int)v, F_GETFD) < 0) {
			snprintf(err, errlen, "%s=\"%s\": expected %u open "
				 "file descriptors separated by commas",
				 BUS_ENV, getenv(BUS_ENV), BUS_NCHAN + 1);
			return -EINVAL;
		}
		fd[i] = (int)v;
		s = end + 1;
	}
	rc = bus_attach(bp, fd[0], fd + 1, side, err, errlen);
	if (!rc)
		(*bp)->owns_fds = true;
	return rc;
}

static pthread_mutex_t *lock_of(struct bus *b, enum bus_chan ch, bool send)
{
	const struct bus_shm_hdr *h = (const struct bus_shm_hdr *)b->base;
	struct bus_locks *l = (struct bus_locks *)(b->base + h->locks_off);

	return send ? &l->send[ch] : &l->recv[ch];
}

static int take(pthread_mutex_t *m)
{
	int err = pthread_mutex_lock(m);

	/* the last holder died while holding it: the ring itself is always
	 * consistent (indices are published last), so carry on */
	if (err == EOWNERDEAD)
		err = pthread_mutex_consistent(m);
	return -err;
}

/** Push a record on @p ch as one of several Linux producers, and wake the
 *  consumer. Context: Linux side; may wait for another Linux producer,
 *  never for the RT side. @return as ring_push(), or a lock error */
int bus_linux_send(struct bus *b, enum bus_chan ch, const void *rec,
		   size_t len)
{
	pthread_mutex_t *m = lock_of(b, ch, true);
	int err = take(m);

	if (err)
		return err;
	err = ring_push(&b->ring[ch], rec, len);
	ring_kick(&b->ring[ch]);
	pthread_mutex_unlock(m);
	return err;
}

/** Take a record from @p ch as one of several Linux consumers.
 *  Context: Linux side. @return as ring_pop(), or a lock error */
ssize_t bus_linux_recv(struct bus *b, enum bus_chan ch, void *buf, size_t cap)
{
	pthread_mutex_t *m = lock_of(b, ch, false);
	ssize_t n = take(m);

	if (n)
		return n;
	n = ring_pop(&b->ring[ch], buf, cap);
	pthread_mutex_unlock(m);
	return n;
}

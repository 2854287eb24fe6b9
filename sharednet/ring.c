// SPDX-License-Identifier: MIT
/** @file ring.c  SPSC ring of variable-length records in shared memory */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "rtos-kernel/rtk.h"
#include "sharednet/ring.h"

#define CHECK_XOR	0x5a17c3e9u	/* check = len ^ CHECK_XOR */
#define PAD_FLAG	0x80000000u	/* header of a pad record */

struct rec_hdr {
	uint32_t len;
	uint32_t check;
};

_Static_assert(sizeof(struct rec_hdr) == RING_HDR, "record header size");

static inline uint64_t ld(_Atomic uint64_t *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

/* counters have one writer: load + store, no locked instruction */
static inline void inc(_Atomic uint64_t *v, uint64_t by)
{
	atomic_store_explicit(v, ld(v) + by, memory_order_relaxed);
}

/** Bytes one record of @p len payload bytes takes in the data area. */
size_t ring_record_space(uint32_t len)
{
	return ((size_t)len + RING_HDR + RING_ALIGN - 1) & ~(size_t)(RING_ALIGN - 1);
}

/** Zero a control block. Context: the region's creator, before sharing. */
void ring_shm_init(struct ring_shm *shm)
{
	memset(shm, 0, sizeof(*shm));
}

/** Check a control block's indices against a data area of @p size bytes.
 *  @return 0, or -EBADMSG with the reason in @p why */
int ring_check(const struct ring_shm *shm, uint64_t size, char *why,
	       size_t whylen)
{
	uint64_t head = atomic_load(&shm->head), tail = atomic_load(&shm->tail);

	if ((head | tail) % RING_ALIGN) {
		snprintf(why, whylen, "indices not %u-byte aligned "
			 "(head %llu, tail %llu)", RING_ALIGN,
			 (unsigned long long)head, (unsigned long long)tail);
		return -EBADMSG;
	}
	if (head - tail > size) {
		snprintf(why, whylen, "head %llu and tail %llu are %lld bytes "
			 "apart in a ring of %llu", (unsigned long long)head,
			 (unsigned long long)tail, (long long)(head - tail),
			 (unsigned long long)size);
		return -EBADMSG;
	}
	return 0;
}

/** Open a handle on a ring. Context: init.
 *  @param size       data bytes, a power of two >= RING_MIN_SIZE
 *  @param max_record longest payload; its space must fit in half the ring
 *  @param efd        event fd that wakes the consumer, or -1
 *  @return 0, -EINVAL (bad geometry) or -EBADMSG (corrupt indices) */
int ring_open(struct ring *r, struct ring_shm *shm, void *data, uint64_t size,
	      uint32_t max_record, int efd)
{
	char why[128];

	if (!r || !shm || !data || size < RING_MIN_SIZE || (size & (size - 1)) ||
	    !max_record || max_record >= PAD_FLAG ||
	    ring_record_space(max_record) > size / 2)
		return -EINVAL;
	if (ring_check(shm, size, why, sizeof(why)))
		return -EBADMSG;
	memset(r, 0, sizeof(*r));
	r->shm = shm;
	r->data = data;
	r->size = size;
	r->max_record = max_record;
	r->efd = efd;
	/* a handle opened on a ring in use (the other side ran before, or
	 * this side restarted) goes on where the ring is: the cached tail
	 * (producer) or head (consumer) starts at the tail, whence either
	 * side reads the other's index again when it needs it */
	r->seen = ld(&shm->tail);
	r->pos = r->seen;
	return 0;
}

/* --- producer --------------------------------------------------------------- */

static inline void put_hdr(struct ring *r, uint64_t off, uint32_t len)
{
	struct rec_hdr h = { len, len ^ CHECK_XOR };

	memcpy(r->data + off, &h, sizeof(h));
}

/** Reserve room for a record of up to @p len bytes and return where to write
 *  its payload; publish it with ring_commit(). Context: the producer; never
 *  blocks, never allocates.
 *  @return the payload area, or NULL when the record is longer than
 *  max_record or the ring is full (counted in drop_too_big / drop_full) */
void *ring_reserve(struct ring *r, size_t len)
{
	uint64_t head, off, contig, need, total;

	if (len > r->max_record) {
		inc(&r->shm->drop_too_big, 1);
		return NULL;
	}
	/* the producer's own head, re-read so a handle reopened after a
	 * restart of the other side continues where the ring is */
	head = ld(&r->shm->head);
	need = ring_record_space((uint32_t)len);
	off = head & (r->size - 1);
	contig = r->size - off;
	total = need <= contig ? need : contig + need;
	if (head + total - r->seen > r->size) {
		r->seen = atomic_load_explicit(&r->shm->tail,
					       memory_order_acquire);
		if (head + total - r->seen > r->size) {
			inc(&r->shm->drop_full, 1);
			return NULL;
		}
	}
	if (need > contig) {
		/* not published until ring_commit() moves head past it */
		put_hdr(r, off, PAD_FLAG | (uint32_t)contig);
		off = 0;
	}
	r->pos = head + total - need;
	r->resv_off = off;
	r->resv_len = (uint32_t)len;
	return r->data + off + RING_HDR;
}

/** Publish the record reserved by ring_reserve(), @p len bytes long
 *  (at most what was reserved). Context: the producer. */
void ring_commit(struct ring *r, size_t len)
{
	uint64_t head, used;

	RTK_ASSERT(len <= r->resv_len);
	put_hdr(r, r->resv_off, (uint32_t)len);
	head = r->pos + ring_record_space((uint32_t)len);
	atomic_store_explicit(&r->shm->head, head, memory_order_release);
	inc(&r->shm->records_in, 1);
	inc(&r->shm->bytes_in, len);
	used = head - r->seen;
	if (used > ld(&r->shm->high_water)) {
		/* the cached tail may be stale: measure against the real one */
		r->seen = atomic_load_explicit(&r->shm->tail,
					       memory_order_acquire);
		used = head - r->seen;
		if (used > ld(&r->shm->high_water))
			atomic_store_explicit(&r->shm->high_water, used,
					      memory_order_relaxed);
	}
}

/** Copy a record of @p len bytes into the ring. Context: the producer; never
 *  blocks, never allocates.
 *  @return 0; -EMSGSIZE longer than max_record; -ENOSPC ring full (both
 *  dropped and counted) */
int ring_push(struct ring *r, const void *rec, size_t len)
{
	void *p = ring_reserve(r, len);

	if (!p)
		return len > r->max_record ? -EMSGSIZE : -ENOSPC;
	memcpy(p, rec, len);
	ring_commit(r, len);
	return 0;
}

/** Wake the consumer if it announced that it sleeps and records wait.
 *  Call after a batch of pushes (a kick with nothing pushed costs nothing).
 *  Context: the producer; at most one non-blocking write(2). */
void ring_kick(struct ring *r)
{
	static const uint64_t one = 1;

	atomic_thread_fence(memory_order_seq_cst);
	if (r->efd >= 0 && atomic_load_explicit(&r->shm->sleeping,
						memory_order_relaxed) &&
	    !ring_is_empty(r) &&
	    atomic_exchange_explicit(&r->shm->sleeping, 0,
				     memory_order_relaxed)) {
		if (write(r->efd, &one, sizeof(one)) < 0) {
			/* EAGAIN: the counter is saturated, a wake-up is
			 * pending anyway */
		}
	}
}

/* --- consumer --------------------------------------------------------------- */

static int corrupt(struct ring *r, uint64_t head)
{
	inc(&r->shm->bad_records, 1);
	/* drop everything visible and go on from the producer's position */
	r->pos = head;
	r->peek_need = 0;
	atomic_store_explicit(&r->shm->tail, head, memory_order_release);
	return -EBADMSG;
}

/** Look at the oldest record without taking it. Context: the consumer.
 *  @return 0 with @p rec and @p len set (valid until ring_consume());
 *  -EAGAIN when empty; -EBADMSG when the producer's data are corrupt (the
 *  queued records are discarded and counted as one bad record) */
int ring_peek(struct ring *r, const void **rec, size_t *len)
{
	uint64_t tail = ld(&r->shm->tail);
	struct rec_hdr h;

	for (;;) {
		uint64_t off, room;

		if (tail == r->seen) {
			r->seen = atomic_load_explicit(&r->shm->head,
						       memory_order_acquire);
			if (tail == r->seen)
				return -EAGAIN;
		}
		if (r->seen - tail > r->size || (r->seen - tail) % RING_ALIGN)
			return corrupt(r, r->seen);
		off = tail & (r->size - 1);
		room = r->size - off;
		memcpy(&h, r->data + off, sizeof(h));	/* read once */
		if ((h.len ^ CHECK_XOR) != h.check)
			return corrupt(r, r->seen);
		if (!(h.len & PAD_FLAG))
			break;
		/* a pad runs exactly to the end of the data area */
		if ((h.len & ~PAD_FLAG) != room || tail + room > r->seen)
			return corrupt(r, r->seen);
		tail += room;
		atomic_store_explicit(&r->shm->tail, tail,
				      memory_order_release);
	}
	if (h.len > r->max_record ||
	    ring_record_space(h.len) > r->size - (tail & (r->size - 1)) ||
	    tail + ring_record_space(h.len) > r->seen)
		return corrupt(r, r->seen);
	r->pos = tail;
	r->peek_need = (uint32_t)ring_record_space(h.len);
	*rec = r->data + (tail & (r->size - 1)) + RING_HDR;
	*len = h.len;
	return 0;
}

/** Release the record returned by the last successful ring_peek().
 *  Context: the consumer. */
void ring_consume(struct ring *r)
{
	if (!r->peek_need)
		return;
	atomic_store_explicit(&r->shm->tail, r->pos + r->peek_need,
			      memory_order_release);
	r->peek_need = 0;
	inc(&r->shm->records_out, 1);
}

/** Copy the oldest record into @p buf and take it. Context: the consumer.
 *  @return its length; -EAGAIN empty; -EBADMSG corrupt (see ring_peek);
 *  -EMSGSIZE @p cap is too small (the record stays queued) */
ssize_t ring_pop(struct ring *r, void *buf, size_t cap)
{
	const void *rec;
	size_t len;
	int err = ring_peek(r, &rec, &len);

	if (err)
		return err;
	if (len > cap)
		return -EMSGSIZE;
	memcpy(buf, rec, len);
	ring_consume(r);
	return (ssize_t)len;
}

/** Whether nothing is queued (a snapshot). Context: either side. */
bool ring_is_empty(const struct ring *r)
{
	return atomic_load_explicit(&r->shm->head, memory_order_acquire) ==
	       atomic_load_explicit(&r->shm->tail, memory_order_acquire);
}

/** Announce that the consumer is about to wait on its event fd.
 *  @return true when it may sleep; false when a record arrived meanwhile
 *  (the announcement is withdrawn). Context: the consumer. */
bool ring_sleep_prepare(struct ring *r)
{
	atomic_store_explicit(&r->shm->sleeping, 1, memory_order_seq_cst);
	if (!ring_is_empty(r)) {
		atomic_store_explicit(&r->shm->sleeping, 0,
				      memory_order_relaxed);
		return false;
	}
	return true;
}

/** After waking: withdraw the announcement and drain the event fd.
 *  Context: the consumer. */
void ring_sleep_done(struct ring *r)
{
	uint64_t n;

	atomic_store_explicit(&r->shm->sleeping, 0, memory_order_relaxed);
	if (r->efd >= 0 && read(r->efd, &n, sizeof(n)) < 0) {
		/* EAGAIN: nothing pending */
	}
}

/** Counters of the ring. Context: either side, any time. */
void ring_stats_get(const struct ring *r, struct ring_stats *st)
{
	uint64_t head = ld(&r->shm->head), tail = ld(&r->shm->tail);

	st->size = r->size;
	st->used = head - tail <= r->size ? head - tail : 0;
	st->high_water = ld(&r->shm->high_water);
	st->max_record = r->max_record;
	st->records_in = ld(&r->shm->records_in);
	st->bytes_in = ld(&r->shm->bytes_in);
	st->records_out = ld(&r->shm->records_out);
	st->drop_full = ld(&r->shm->drop_full);
	st->drop_too_big = ld(&r->shm->drop_too_big);
	st->bad_records = ld(&r->shm->bad_records);
}

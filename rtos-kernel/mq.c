// SPDX-License-Identifier: MIT
/** @file mq.c  Lock-free SPSC and MPSC message queues */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "rtos-kernel/mq.h"

#define CACHELINE 64

struct rtk_mq {
	enum rtk_mq_kind kind;
	size_t mask;		/* capacity - 1, capacity a power of two */
	size_t elem_size;
	size_t stride;		/* bytes per slot */
	uint8_t *slots;

	/* producer side */
	_Alignas(CACHELINE) _Atomic size_t head;
	size_t cached_tail;	/* SPSC only: producer's view of tail */
	_Atomic size_t high_water;
	_Atomic uint64_t pushed;
	_Atomic uint64_t dropped;

	/* consumer side */
	_Alignas(CACHELINE) _Atomic size_t tail;
	size_t cached_head;	/* SPSC only: consumer's view of head */
};

/* MPSC slot: a sequence number, then the element */
struct mpsc_slot {
	_Atomic size_t seq;
	uint8_t data[];
};

static size_t round_pow2(size_t n)
{
	size_t p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

static inline void *slot_at(const struct rtk_mq *q, size_t pos)
{
	return q->slots + (pos & q->mask) * q->stride;
}

/** Create a queue. Context: init (allocates).
 *  @param qp        out: the queue
 *  @param kind      RTK_MQ_SPSC or RTK_MQ_MPSC
 *  @param elem_size bytes per element (> 0)
 *  @param capacity  elements (> 0; rounded up to a power of two, and to
 *                   at least 2 for RTK_MQ_MPSC)
 *  @return 0, -EINVAL or -ENOMEM */
int rtk_mq_create(struct rtk_mq **qp, enum rtk_mq_kind kind,
		  size_t elem_size, size_t capacity)
{
	struct rtk_mq *q;
	size_t cap, i;

	if (!qp || !elem_size || !capacity || capacity > (SIZE_MAX >> 8) ||
	    (kind != RTK_MQ_SPSC && kind != RTK_MQ_MPSC))
		return -EINVAL;
	/* Vyukov's queue cannot tell full from ready with a single slot */
	cap = round_pow2(kind == RTK_MQ_MPSC && capacity < 2 ? 2 : capacity);
	q = aligned_alloc(CACHELINE, sizeof(*q));
	if (!q)
		return -ENOMEM;
	memset(q, 0, sizeof(*q));
	q->kind = kind;
	q->mask = cap - 1;
	q->elem_size = elem_size;
	q->stride = elem_size;
	if (kind == RTK_MQ_MPSC)
		q->stride = (sizeof(struct mpsc_slot) + elem_size + 7) & ~7ul;
	q->slots = calloc(cap, q->stride);
	if (!q->slots) {
		free(q);
		return -ENOMEM;
	}
	if (kind == RTK_MQ_MPSC)
		for (i = 0; i < cap; i++)
			atomic_init(&((struct mpsc_slot *)slot_at(q, i))->seq, i);
	*qp = q;
	return 0;
}

/** Free a queue. Context: after the tasks using it have stopped.
 *  @return NULL */
struct rtk_mq *rtk_mq_destroy(struct rtk_mq *q)
{
	if (q) {
		free(q->slots);
		free(q);
	}
	return NULL;
}

static void note_depth(struct rtk_mq *q, size_t depth)
{
	size_t hw = atomic_load_explicit(&q->high_water, memory_order_relaxed);

	while (depth > hw &&
	       !atomic_compare_exchange_weak_explicit(&q->high_water, &hw,
			depth, memory_order_relaxed, memory_order_relaxed))
		;
}

static int spsc_push(struct rtk_mq *q, const void *elem)
{
	size_t head = atomic_load_explicit(&q->head, memory_order_relaxed);

	if (head - q->cached_tail > q->mask) {
		q->cached_tail = atomic_load_explicit(&q->tail,
						      memory_order_acquire);
		if (head - q->cached_tail > q->mask)
			return -ENOSPC;
	}
	memcpy(slot_at(q, head), elem, q->elem_size);
	atomic_store_explicit(&q->head, head + 1, memory_order_release);
	if (head + 1 - q->cached_tail >
	    atomic_load_explicit(&q->high_water, memory_order_relaxed)) {
		/* cached_tail may be far behind: measure before raising */
		q->cached_tail = atomic_load_explicit(&q->tail,
						      memory_order_acquire);
		note_depth(q, head + 1 - q->cached_tail);
	}
	return 0;
}

static int spsc_pop(struct rtk_mq *q, void *elem)
{
	size_t tail = atomic_load_explicit(&q->tail, memory_order_relaxed);

	if (tail == q->cached_head) {
		q->cached_head = atomic_load_explicit(&q->head,
						      memory_order_acquire);
		if (tail == q->cached_head)
			return -EAGAIN;
	}
	memcpy(elem, slot_at(q, tail), q->elem_size);
	atomic_store_explicit(&q->tail, tail + 1, memory_order_release);
	return 0;
}

/* D. Vyukov's bounded queue, used with one consumer */
static int mpsc_push(struct rtk_mq *q, const void *elem)
{
	size_t pos = atomic_load_explicit(&q->head, memory_order_relaxed);
	size_t tail;
	struct mpsc_slot *s;

	for (;;) {
		intptr_t dif;

		s = slot_at(q, pos);
		dif = (intptr_t)atomic_load_explicit(&s->seq,
				memory_order_acquire) - (intptr_t)pos;
		if (dif == 0) {
			if (atomic_compare_exchange_weak_explicit(&q->head,
					&pos, pos + 1, memory_order_relaxed,
					memory_order_relaxed))
				break;
		} else if (dif < 0) {
			return -ENOSPC;
		} else {
			pos = atomic_load_explicit(&q->head,
						   memory_order_relaxed);
		}
	}
	memcpy(s->data, elem, q->elem_size);
	/* read tail before publishing: the consumer cannot pass pos before,
	 * so the depth cannot wrap below 0 */
	tail = atomic_load_explicit(&q->tail, memory_order_relaxed);
	atomic_store_explicit(&s->seq, pos + 1, memory_order_release);
	note_depth(q, pos + 1 - tail);
	return 0;
}

static int mpsc_pop(struct rtk_mq *q, void *elem)
{
	size_t pos = atomic_load_explicit(&q->tail, memory_order_relaxed);
	struct mpsc_slot *s = slot_at(q, pos);
	size_t seq = atomic_load_explicit(&s->seq, memory_order_acquire);

	if (seq != pos + 1)
		return -EAGAIN;	/* empty, or the producer is mid-write */
	memcpy(elem, s->data, q->elem_size);
	/* tail first: a producer that finds the slot free sees tail past it,
	 * so its depth cannot exceed the capacity */
	atomic_store_explicit(&q->tail, pos + 1, memory_order_relaxed);
	atomic_store_explicit(&s->seq, pos + q->mask + 1, memory_order_release);
	return 0;
}

/** Queue a copy of @p elem. Context: a producer; never blocks.
 *  @return 0, or -ENOSPC when full (not queued, counted as dropped) */
int rtk_mq_push(struct rtk_mq *q, const void *elem)
{
	int err;
	_Atomic uint64_t *ctr;

	if (q->kind == RTK_MQ_SPSC) {
		/* one writer: a plain increment, no locked instruction */
		err = spsc_push(q, elem);
		ctr = err ? &q->dropped : &q->pushed;
		atomic_store_explicit(ctr, atomic_load_explicit(ctr,
				memory_order_relaxed) + 1, memory_order_relaxed);
		return err;
	}
	err = mpsc_push(q, elem);
	atomic_fetch_add_explicit(err ? &q->dropped : &q->pushed, 1,
				  memory_order_relaxed);
	return err;
}

/** Take the oldest element into @p elem. Context: the consumer; never blocks.
 *  @return 0, or -EAGAIN when empty */
int rtk_mq_pop(struct rtk_mq *q, void *elem)
{
	return q->kind == RTK_MQ_SPSC ? spsc_pop(q, elem) : mpsc_pop(q, elem);
}

/** @return true when nothing is queued (a snapshot). Context: any. */
bool rtk_mq_is_empty(const struct rtk_mq *q)
{
	return atomic_load_explicit(&q->head, memory_order_acquire) ==
	       atomic_load_explicit(&q->tail, memory_order_acquire);
}

/** Counters of @p q (a snapshot). Context: any. */
void rtk_mq_stats_get(const struct rtk_mq *q, struct rtk_mq_stats *st)
{
	size_t head = atomic_load_explicit(&q->head, memory_order_relaxed);
	size_t tail = atomic_load_explicit(&q->tail, memory_order_relaxed);

	st->capacity = q->mask + 1;
	st->depth = head >= tail ? head - tail : 0;
	st->high_water = atomic_load_explicit(&q->high_water,
					      memory_order_relaxed);
	st->pushed = atomic_load_explicit(&q->pushed, memory_order_relaxed);
	st->dropped = atomic_load_explicit(&q->dropped, memory_order_relaxed);
}

/* SPDX-License-Identifier: MIT */
/** @file mq.h  Lock-free message queues of fixed-size elements
 *
 * Two disciplines behind one API, chosen at creation:
 *  - RTK_MQ_SPSC: one producer thread, one consumer thread (Lamport ring with
 *    cached indices: one release store per operation, no read-modify-write);
 *  - RTK_MQ_MPSC: any number of producers, one consumer (bounded queue with a
 *    sequence number per slot: producers claim a slot with one CAS).
 *
 * A queue is created before rtk_start() and never grows. Neither side ever
 * waits: a full queue refuses the element (counted as a drop, the caller keeps
 * ownership), an empty one returns -EAGAIN. Every queue keeps a high-water
 * mark of its depth.
 */
#ifndef RTK_MQ_H
#define RTK_MQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum rtk_mq_kind { RTK_MQ_SPSC, RTK_MQ_MPSC };

struct rtk_mq;

struct rtk_mq_stats {
	size_t capacity;	/**< elements */
	size_t depth;		/**< elements queued now (approximate) */
	size_t high_water;	/**< largest depth seen by a producer */
	uint64_t pushed;	/**< elements accepted */
	uint64_t dropped;	/**< elements refused because the queue was full */
};

int  rtk_mq_create(struct rtk_mq **qp, enum rtk_mq_kind kind,
		   size_t elem_size, size_t capacity);
struct rtk_mq *rtk_mq_destroy(struct rtk_mq *q);
int  rtk_mq_push(struct rtk_mq *q, const void *elem);
int  rtk_mq_pop(struct rtk_mq *q, void *elem);
bool rtk_mq_is_empty(const struct rtk_mq *q);
void rtk_mq_stats_get(const struct rtk_mq *q, struct rtk_mq_stats *st);

#endif /* RTK_MQ_H */

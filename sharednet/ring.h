/* SPDX-License-Identifier: MIT */
/** @file ring.h  Single-producer single-consumer ring of variable-length
 *  records in shared memory
 *
 * The ring's control block and data area live in memory shared by two
 * processes (see bus.h); each process holds its own `struct ring` handle on
 * them. Exactly one thread is the producer and one the consumer; bus.h says
 * which partition plays which part on each channel. No locks: the producer
 * publishes `head` with a release store, the consumer `tail`.
 *
 * Records are an 8-byte header (length and a check word) and the payload,
 * padded to 8 bytes. A record never wraps: when it does not fit before the end
 * of the data area, the producer writes a pad record and starts at offset 0.
 *
 * The producer never waits: a record that does not fit is dropped and counted
 * (-ENOSPC), one longer than the ring's max_record is refused and counted
 * (-EMSGSIZE). The consumer validates every header it reads (the other side
 * is another program): a corrupt record is counted, everything queued is
 * discarded, and the ring goes on from the producer's current position.
 *
 * Wake-ups: a consumer that wants to sleep calls ring_sleep_prepare() and,
 * when it returns true, waits for its event fd; a producer calls ring_kick()
 * after a batch of pushes, which writes the event fd only when the consumer
 * announced it sleeps (one syscall per sleep, none while the consumer polls).
 */
#ifndef SHAREDNET_RING_H
#define SHAREDNET_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define RING_HDR	8u	/**< bytes of record header */
#define RING_ALIGN	8u
#define RING_MIN_SIZE	1024u

/** Shared control block: one cache line per side. */
struct ring_shm {
	/* written by the producer only */
	_Alignas(64) _Atomic uint64_t head;	/**< bytes published, free-running */
	_Atomic uint64_t records_in;
	_Atomic uint64_t bytes_in;
	_Atomic uint64_t drop_full;
	_Atomic uint64_t drop_too_big;
	_Atomic uint64_t high_water;		/**< most bytes ever queued */
	/* written by the consumer only */
	_Alignas(64) _Atomic uint64_t tail;	/**< bytes consumed, free-running */
	_Atomic uint64_t records_out;
	_Atomic uint64_t bad_records;
	_Atomic uint32_t sleeping;		/**< consumer waits on its event fd */
};

/** A process's handle on one ring (not shared). */
struct ring {
	struct ring_shm *shm;
	uint8_t *data;
	uint64_t size;		/* data bytes, a power of two */
	uint32_t max_record;	/* longest payload */
	int efd;		/* event fd that wakes the consumer, or -1 */
	uint64_t pos;		/* producer: head; consumer: tail (own copy) */
	uint64_t seen;		/* producer: cached tail; consumer: cached head */
	uint64_t resv_off;	/* producer: offset of the reserved record */
	uint32_t resv_len;
	uint32_t peek_need;	/* consumer: bytes of the peeked record */
};

struct ring_stats {
	uint64_t size;		/**< data bytes */
	uint64_t used;		/**< bytes queued now */
	uint64_t high_water;	/**< most bytes queued at once */
	uint32_t max_record;
	uint64_t records_in;	/**< records accepted by the producer */
	uint64_t bytes_in;
	uint64_t records_out;	/**< records taken by the consumer */
	uint64_t drop_full;	/**< refused: no room (producer never waits) */
	uint64_t drop_too_big;	/**< refused: longer than max_record */
	uint64_t bad_records;	/**< corrupt records seen by the consumer */
};

void ring_shm_init(struct ring_shm *shm);
int  ring_open(struct ring *r, struct ring_shm *shm, void *data,
	       uint64_t size, uint32_t max_record, int efd);
int  ring_check(const struct ring_shm *shm, uint64_t size, char *why,
		size_t whylen);
size_t ring_record_space(uint32_t len);

/* producer */
int  ring_push(struct ring *r, const void *rec, size_t len);
void *ring_reserve(struct ring *r, size_t len);
void ring_commit(struct ring *r, size_t len);
void ring_kick(struct ring *r);

/* consumer */
int  ring_peek(struct ring *r, const void **rec, size_t *len);
void ring_consume(struct ring *r);
ssize_t ring_pop(struct ring *r, void *buf, size_t cap);
bool ring_is_empty(const struct ring *r);
bool ring_sleep_prepare(struct ring *r);
void ring_sleep_done(struct ring *r);

void ring_stats_get(const struct ring *r, struct ring_stats *st);

#endif /* SHAREDNET_RING_H */

/* SPDX-License-Identifier: MIT */
/** @file ports.h  Port partition: the UDP ports of the RT partition
 *
 * The UDP port space is split into two mutually exclusive sets: the RT set,
 * held here as a bitmap, and the Linux set, which is every other port. The
 * bitmap lives in the bus region (bus_ports()): the RT partition writes it
 * (ports_init() from the configuration, ports_claim()/ports_release() at
 * run time) and reads it in the classifier; the Linux proxy reads it to hold
 * a placeholder socket on every RT port, so that no Linux program can bind
 * one (EADDRINUSE). `gen` changes after every change of the set.
 *
 * One writer (the RT partition); lock-free readers in both partitions. A
 * reader wanting a consistent view of the whole set reads gen (even), the
 * bits, an acquire fence, and gen again, and retries when it changed.
 */
#ifndef SHAREDNET_PORTS_H
#define SHAREDNET_PORTS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PORTS_WORDS (65536 / 64)

struct ports_shm {
	_Atomic uint64_t gen;		/**< even when stable, odd mid-change */
	_Atomic uint64_t bits[PORTS_WORDS];
};

struct cfg_ports;

void ports_init(struct ports_shm *p, const struct cfg_ports *rt);
int  ports_claim(struct ports_shm *p, uint16_t lo, uint16_t hi);
int  ports_release(struct ports_shm *p, uint16_t lo, uint16_t hi);
uint64_t ports_gen(const struct ports_shm *p);

/** Whether UDP port @p port belongs to the RT partition. Context: any. */
static inline bool ports_is_rt(const struct ports_shm *p, uint16_t port)
{
	return atomic_load_explicit(&p->bits[port >> 6],
				    memory_order_relaxed) >> (port & 63) & 1;
}

size_t ports_count(const struct ports_shm *p);
int  ports_format(const struct ports_shm *p, char *buf, size_t len);

#endif /* SHAREDNET_PORTS_H */

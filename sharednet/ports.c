// SPDX-License-Identifier: MIT
/** @file ports.c  Port partition bitmap */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "board/config.h"
#include "sharednet/ports.h"

/* one atomic operation per 64-bit word of the range */
static void set_range(struct ports_shm *p, uint16_t lo, uint16_t hi, bool on)
{
	for (uint32_t w = lo >> 6; w <= (uint32_t)hi >> 6; w++) {
		uint32_t first = w == (uint32_t)lo >> 6 ? lo & 63 : 0;
		uint32_t last = w == (uint32_t)hi >> 6 ? hi & 63 : 63;
		uint64_t mask = (~0ull >> (63 - last)) & (~0ull << first);

		if (on)
			atomic_fetch_or_explicit(&p->bits[w], mask,
						 memory_order_relaxed);
		else
			atomic_fetch_and_explicit(&p->bits[w], ~mask,
						  memory_order_relaxed);
	}
}

/* gen is odd while bits change: a reader that sees the same even gen before
 * and after reading the bits (with acquire) saw a stable set */
static void begin(struct ports_shm *p)
{
	atomic_fetch_add_explicit(&p->gen, 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
}

static void end(struct ports_shm *p)
{
	atomic_fetch_add_explicit(&p->gen, 1, memory_order_release);
}

static void change(struct ports_shm *p, uint16_t lo, uint16_t hi, bool on)
{
	begin(p);
	set_range(p, lo, hi, on);
	end(p);
}

/** Set the RT ports to exactly the ranges of @p rt (the configuration).
 *  Context: the RT partition, at start. */
void ports_init(struct ports_shm *p, const struct cfg_ports *rt)
{
	begin(p);
	for (size_t i = 0; i < PORTS_WORDS; i++)
		atomic_store_explicit(&p->bits[i], 0, memory_order_relaxed);
	for (unsigned i = 0; i < rt->n && i < CFG_PORT_RANGES_MAX; i++)
		set_range(p, rt->r[i].lo, rt->r[i].hi, true);
	end(p);
}

/** Give ports @p lo..@p hi to the RT partition. Context: the RT partition;
 *  never blocks. @return 0 or -EINVAL (lo > hi, or port 0) */
int ports_claim(struct ports_shm *p, uint16_t lo, uint16_t hi)
{
	if (!lo || lo > hi)
		return -EINVAL;
	change(p, lo, hi, true);
	return 0;
}

/** Give ports @p lo..@p hi back to Linux. Context: the RT partition.
 *  @return 0 or -EINVAL */
int ports_release(struct ports_shm *p, uint16_t lo, uint16_t hi)
{
	if (!lo || lo > hi)
		return -EINVAL;
	change(p, lo, hi, false);
	return 0;
}

/** Generation of the set: changes after every claim or release. */
uint64_t ports_gen(const struct ports_shm *p)
{
	return atomic_load_explicit(&p->gen, memory_order_acquire);
}

/** Number of RT ports. */
size_t ports_count(const struct ports_shm *p)
{
	size_t n = 0;

	for (size_t i = 0; i < PORTS_WORDS; i++)
		n += (size_t)__builtin_popcountll(atomic_load_explicit(
				&p->bits[i], memory_order_relaxed));
	return n;
}

/** Write the set as ranges ("7,16384-32767"; "none" when empty).
 *  @return 0 or -ENOSPC (truncated) */
int ports_format(const struct ports_shm *p, char *buf, size_t len)
{
	size_t off = 0;
	uint32_t port = 1;
	int n;

	if (!len)
		return -ENOSPC;
	buf[0] = '\0';
	while (port < 65536) {
		uint32_t lo;

		if (!ports_is_rt(p, (uint16_t)port)) {
			port++;
			continue;
		}
		lo = port;
		while (port < 65536 && ports_is_rt(p, (uint16_t)port))
			port++;
		n = lo == port - 1 ?
		    snprintf(buf + off, len - off, "%s%u", off ? "," : "", lo) :
		    snprintf(buf + off, len - off, "%s%u-%u", off ? "," : "",
			     lo, port - 1);
		if (n < 0 || (size_t)n >= len - off)
			return -ENOSPC;
		off += (size_t)n;
	}
	if (!off && snprintf(buf, len, "none") >= (int)len)
		return -ENOSPC;
	return 0;
}

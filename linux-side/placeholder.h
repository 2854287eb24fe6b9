/* SPDX-License-Identifier: MIT */
/** @file placeholder.h  Placeholder sockets on the RT partition's ports
 *
 * The Linux partition shares the RT partition's address, so a Linux program
 * must not be able to bind a UDP port of the RT set (ports.h). The proxy
 * holds a bound UDP socket on every RT port (the patent's "placeholder"):
 * any other bind of that port then fails with EADDRINUSE. ph_sync() follows
 * the RT set as the RT partition claims and releases ports, a slice of the
 * port space per call.
 */
#ifndef LINUX_SIDE_PLACEHOLDER_H
#define LINUX_SIDE_PLACEHOLDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sharednet/ports.h"

struct placeholders;

struct ph_stats {
	size_t held;		/**< ports held now */
	uint64_t conflicts;	/**< RT ports a Linux program holds already */
};

int  ph_create(struct placeholders **pp);
struct placeholders *ph_destroy(struct placeholders *ph);
bool ph_sync(struct placeholders *ph, const struct ports_shm *ports,
	     unsigned budget);
void ph_stats_get(const struct placeholders *ph, struct ph_stats *st);

#endif /* LINUX_SIDE_PLACEHOLDER_H */

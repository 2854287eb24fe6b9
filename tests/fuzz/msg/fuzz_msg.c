// SPDX-License-Identifier: MIT
/** @file fuzz_msg.c  Fuzz the channel 4 message checker
 *
 * A message is read from shared memory the other partition writes: any
 * bytes. msg_check() must refuse or accept without reading out of bounds,
 * and what it accepts must be in range (checked again here).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sharednet/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);
	struct gwmsg m;

	memcpy(copy, data, size);
	if (msg_check(copy, size, &m) == 0) {
		if (m.h.version != MSG_VERSION || m.h.type >= MSG_TYPE_MAX)
			abort();
		if ((m.h.type == MSG_CHAN_OPEN || m.h.type == MSG_CHAN_MODIFY) &&
		    (m.u.open.a.kind > MSG_LEG_T38 ||
		     m.u.open.b.kind > MSG_LEG_T38))
			abort();
	}
	free(copy);
	return 0;
}

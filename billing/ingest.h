/* SPDX-License-Identifier: MIT */
/** @file ingest.h  The billing client's intake: call records in, CDRs
 *  into the spool
 *
 * The SIP engine leaves one file per finished call in the incoming
 * directory (signalling/callrec.h: written to a temporary name starting
 * with '.', then renamed, so a name ending in ".json" is always whole).
 * ingest_scan() takes them in name order (the SIP engine names them by end
 * time), builds each one's CDR (billing/cdr.h), appends a chunk of CDRs to
 * the spool durably (spool_append()), and only then removes the chunk's
 * files. So a crash anywhere leaves each call either in incoming/, or in
 * the spool, or both (then the same CDR id is spooled twice and the server
 * keeps it once).
 *
 * A file that is not a valid call record, or whose record makes no valid
 * CDR, is moved to the rejected directory with the reason logged and
 * counted: it can never become a CDR by waiting, and must not block the
 * ones behind it. A file that cannot be read for another reason (I/O
 * error, permissions) stays where it is and is counted.
 */
#ifndef BILLING_INGEST_H
#define BILLING_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "billing/spool.h"

#define INGEST_CHUNK	256	/**< call records per spool append */

struct ingest_stats {
	uint64_t cdrs;		/**< CDRs spooled */
	uint64_t bad;		/**< files moved to rejected/ */
	uint64_t unreadable;	/**< files left in place after an error */
	char last_error[256];
};

int ingest_scan(const char *incoming, const char *rejected,
		struct spool *sp, const char *gateway,
		struct ingest_stats *st);

#endif /* BILLING_INGEST_H */

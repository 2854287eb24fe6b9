/* SPDX-License-Identifier: MIT */
/** @file recsync.h  Call records made to survive a power loss, in the
 *  background
 *
 * callrec_write() leaves a record complete in the spool's incoming
 * directory (it survives the engine's crash: it is in the page cache), but
 * not yet on the disk. Waiting there for the disk, one fsync per record,
 * held the SIP engine's one thread for about 0.6 ms per call on this
 * project's VM, while SIP messages queued. recsync_kick() asks a thread of
 * its own to sync the directory's file system (syncfs): records written
 * while it syncs are taken by its next sync, so one disk flush serves many
 * calls. A power loss can take the records of the last few milliseconds
 * (a flush's time); a crash of the engine takes none.
 *
 * Context: recsync_kick() from the engine's thread, any time; start and
 * stop from main.
 */
#ifndef SIGNALLING_RECSYNC_H
#define SIGNALLING_RECSYNC_H

#include <stdint.h>

struct recsync_stats {
	uint64_t kicks;		/**< records handed over */
	uint64_t syncs;		/**< flushes done */
	uint64_t failed;	/**< flushes that failed (logged) */
};

int  recsync_start(const char *dir);
void recsync_kick(void);
void recsync_stop(void);
void recsync_stats_get(struct recsync_stats *st);

#endif /* SIGNALLING_RECSYNC_H */

/* SPDX-License-Identifier: MIT */
/** @file log.h  Logging for both partitions
 *
 * Use: put `#define LOG_MODULE "jb"` before including this header, once per
 * file, then `LOG_WARN("resync: seq %u -> %u (%d)", old, seq, err);`.
 *
 * Two modes:
 *  - direct (the default): each line is written to stderr with one write(2).
 *    Right for Linux-side daemons and tools.
 *  - queued (after log_queue_start()): a line is formatted into a fixed-size
 *    record and pushed onto a lock-free multi-producer ring; a low-priority
 *    drain thread writes the records out. This is what the RT partition uses:
 *    a log call never blocks, never allocates and never writes to stdout;
 *    when the ring is full the line is dropped and counted.
 *
 * A per-packet event is a counter, not a log line.
 */
#ifndef GW_LOG_H
#define GW_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

enum log_level { LOG_LEVEL_ERR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DBG };

#define LOG_RECORD_MSG 160	/**< longest message kept, bytes */

struct log_stats {
	uint64_t written;	/**< lines written out */
	uint64_t dropped;	/**< lines lost because the queue was full */
};

void log_msg(enum log_level lvl, const char *module, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void log_vmsg(enum log_level lvl, const char *module, const char *fmt,
	      va_list ap);
bool log_enabled(enum log_level lvl, const char *module);
int  log_level_set(const char *module, enum log_level lvl);
int  log_level_parse(const char *s, enum log_level *lvl);
const char *log_level_name(enum log_level lvl);
void log_prefix_set(const char *prefix);
int  log_queue_start(void);
void log_queue_stop(void);
void log_stats_get(struct log_stats *st);

#ifndef LOG_MODULE
#define LOG_MODULE "gw"
#endif

#define LOG_AT(lvl, ...)						\
	do {								\
		if (log_enabled(lvl, LOG_MODULE))			\
			log_msg(lvl, LOG_MODULE, __VA_ARGS__);		\
	} while (0)
#define LOG_ERR(...)  LOG_AT(LOG_LEVEL_ERR, __VA_ARGS__)
#define LOG_WARN(...) LOG_AT(LOG_LEVEL_WARN, __VA_ARGS__)
#define LOG_INFO(...) LOG_AT(LOG_LEVEL_INFO, __VA_ARGS__)
#define LOG_DBG(...)  LOG_AT(LOG_LEVEL_DBG, __VA_ARGS__)

#endif /* GW_LOG_H */

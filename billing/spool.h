/* SPDX-License-Identifier: MIT */
/** @file spool.h  The billing client's durable queue of CDRs
 *
 * The client's spool directory ([billing] spool_dir) holds:
 *   incoming/     call records from the SIP engine, one JSON file per call
 *                 (signalling/callrec.h); billingd removes each once its
 *                 CDR is in queue/
 *   queue/        this module: the CDRs not yet acknowledged by the server
 *   rejected/     call records that made no valid CDR, and CDRs the server
 *                 refused as invalid (rejected/cdrs.jsonl), for the operator
 *   status.json   billingd's state (billing/deliver.h)
 *
 * queue/ is an append-only log cut into segments, with an acknowledged
 * position:
 *   queue/<16 hex digits>.log   segments, numbered upwards
 *   queue/ack                   where the unacknowledged records start
 *   queue/lock                  flock()ed by the one process using it
 * A record is a 12-byte header, then its payload (a CDR's JSON):
 *   u32 magic "CDR1" (0x31524443 little-endian), u32 payload length
 *   (1..SPOOL_MAX_REC), u32 CRC-32C of the length field and the payload,
 *   all little-endian.
 *
 * Why a log and not one file per CDR: spool_append() makes a whole batch
 * durable with one write and one fdatasync (a file per CDR costs two
 * fsyncs and a directory update each, on an appliance's flash, on top of
 * the SIP engine's own); delivery reads records back in order with plain
 * reads; the acknowledged position is one small file.
 *
 * Guarantees, across kill -9 and power loss:
 *  - nothing lost: spool_append() returns 0 only after fdatasync() (and,
 *    for a new segment, an fsync of the directory), and a record leaves the
 *    queue only when spool_ack() passes it, which the client calls only
 *    after the server acknowledged it;
 *  - nothing half-read: spool_open() checks every record from the
 *    acknowledged position on; a torn tail (a crash inside an append) is
 *    cut off, and counted; a record is taken only whole with a good CRC;
 *    a damaged stretch inside a segment (a disk error) is skipped and
 *    counted, and reading goes on at the next good record, so one bad
 *    sector loses the records it holds, never those after it;
 *  - duplicates only where idempotence absorbs them: the ack file is
 *    replaced by rename() without fsync, so after a crash it may lag, and
 *    records acknowledged before the crash are sent again; the server
 *    stores each CDR id once. Likewise a call record whose CDR was appended
 *    but whose file was not yet removed gives the same CDR (same id) again.
 *    A damaged ack file counts as "nothing acknowledged".
 *
 * Threads: one producer calls spool_append(), one consumer calls
 * spool_peek()/spool_ack(); spool_stats() from either. The state they
 * share is behind a mutex; disk writes happen outside it.
 */
#ifndef BILLING_SPOOL_H
#define BILLING_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define SPOOL_MAX_REC	(64u << 10)	/**< longest record payload */
#define SPOOL_SEG_BYTES	(4u << 20)	/**< a segment grows to about this */
#define SPOOL_HDR	12u

struct spool;

/** A position in the log: segment number and byte offset in it */
struct spool_pos {
	uint64_t seg;
	uint64_t off;
};

/** Records read by spool_peek(), oldest first; they stay in the queue
 *  until spool_ack(). Owned by the caller: zero it once, reuse it, and
 *  release it with spool_batch_free(). */
struct spool_batch {
	size_t n;		/**< records */
	char *buf;		/**< payloads back to back, each ended by ',' */
	size_t len, cap;
	size_t *off;		/**< payload i starts at buf + off[i] ... */
	size_t *plen;		/**< ... and is plen[i] bytes long */
	size_t ncap;
	struct spool_pos end;	/**< position after the last record */
};

struct spool_stats {
	uint64_t depth;		/**< records not yet acknowledged */
	uint64_t bytes;		/**< their size on disk */
	uint64_t segments;	/**< segment files */
	uint64_t appended;	/**< records appended since open */
	uint64_t acked;		/**< records acknowledged since open */
	uint64_t torn_bytes;	/**< cut off at open (a crash mid-append) */
	uint64_t corrupt_bytes;	/**< damaged inside a segment at open (disk
				 *   errors): skipped, the good records around
				 *   them kept */
	uint64_t skipped_bytes;	/**< damaged bytes skipped while reading */
};

int  spool_open(struct spool **spp, const char *dir, char *why,
		size_t whylen);
struct spool *spool_close(struct spool *sp);
int  spool_append(struct spool *sp, const struct iovec *recs, size_t n);
int  spool_peek(struct spool *sp, size_t max_n, size_t max_bytes,
		struct spool_batch *b);
int  spool_ack(struct spool *sp, const struct spool_pos *upto,
	       uint64_t nrecs);
void spool_stats(struct spool *sp, struct spool_stats *st);
void spool_batch_free(struct spool_batch *b);
/** Make directory @p path (0750) and its missing parents: the spool's
 *  directories on a first boot, where sipd and billingd start at once.
 *  @return 0 or a negative errno */
int  spool_mkdirs(const char *path);
uint32_t spool_crc32c(uint32_t crc, const void *data, size_t len);

#endif /* BILLING_SPOOL_H */

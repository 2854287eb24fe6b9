/* SPDX-License-Identifier: MIT */
/** @file spool_priv.h  Private to the spool: its state, the record format
 *  and the helpers spool.c (queue operations) and spool_scan.c (checking
 *  records, recovery at open) share */
#ifndef BILLING_SPOOL_PRIV_H
#define BILLING_SPOOL_PRIV_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "billing/spool.h"

#define SPOOL_MAGIC	0x31524443u	/* "CDR1" little-endian */
#define SPOOL_ACK_FILE	"ack"
#define SPOOL_ACK_TMP	"ack.tmp"
#define SPOOL_SCAN_BUF	(1u << 20)

struct seg {
	uint64_t seq;
	uint64_t size;		/**< bytes of whole, checked records */
};

struct spool {
	int dirfd, lockfd;
	pthread_mutex_t mu;
	/* shared, under mu */
	struct seg *segs;	/**< by seq; the last one is written to */
	size_t nseg, segcap;
	struct spool_pos ack;
	struct spool_stats st;
	/* producer only: the write segment (the last one; only the
	 * producer adds segments, the consumer never removes the last) */
	int wfd;
	uint64_t wseq, wsize;
	int broken;		/**< an append failed and could not be undone */
	/* consumer only */
	int rfd;
	uint64_t rseq;
};

static inline void spool_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline uint32_t spool_get32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/** CRC of a record: its length field, then its payload */
uint32_t spool_rec_crc(const uint8_t *lenfield, const void *pl, size_t n);
/** The first good record at or after @p from, before @p limit (or
 *  @p limit) in *at: how readers get past damage */
int  spool_next_valid(int fd, uint64_t from, uint64_t limit, uint64_t *at);
/** Segment files, by number, in the spool directory */
int  spool_seg_open(struct spool *sp, uint64_t seq, int flags);
void spool_seg_unlink(struct spool *sp, uint64_t seq);
/** A new, empty write segment, durable in the directory (producer) */
int  spool_seg_new(struct spool *sp, uint64_t seq);
/** Replace the ack file (rename, no fsync: spool.h) */
int  spool_ack_write(struct spool *sp, const struct spool_pos *a);
/** Find the segments and the ack, check every record, cut a torn tail */
int  spool_recover(struct spool *sp, char *why, size_t whylen);

#endif /* BILLING_SPOOL_PRIV_H */

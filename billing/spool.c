// SPDX-License-Identifier: MIT
/** @file spool.c  The billing client's durable queue: a segmented,
 *  checksummed append-only log with an acknowledged position (spool.h);
 *  recovery and record checks are in spool_scan.c */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "billing/spool_priv.h"

#define IOV_CHUNK	512		/* records per pwritev() */

int spool_mkdirs(const char *path)
{
	char p[PATH_MAX];

	if (snprintf(p, sizeof(p), "%s", path) >= (int)sizeof(p))
		return -ENAMETOOLONG;
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0750) && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	return mkdir(p, 0750) && errno != EEXIST ? -errno : 0;
}

/**
 * Open (creating it if needed) the queue in @p dir and recover it after a
 * crash (spool.h). Takes an exclusive lock on the directory.
 * @param spp  the spool on success
 * @param why  the reason on error
 * @return 0; -EBUSY (another process holds it), or a negative errno
 * Context: Linux side; reads every unacknowledged record once.
 */
int spool_open(struct spool **spp, const char *dir, char *why, size_t whylen)
{
	struct spool *sp;
	int err;

	if (!spp || !dir)
		return -EINVAL;
	sp = calloc(1, sizeof(*sp));
	if (!sp)
		return -ENOMEM;
	sp->dirfd = sp->lockfd = sp->wfd = sp->rfd = -1;
	pthread_mutex_init(&sp->mu, NULL);
	if (mkdir(dir, 0750) && errno != EEXIST) {
		err = -errno;
		snprintf(why, whylen, "%s: %s", dir, strerror(-err));
		goto fail;
	}
	sp->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	sp->lockfd = sp->dirfd < 0 ? -1 :
		     openat(sp->dirfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC,
			    0640);
	if (sp->lockfd < 0) {
		err = -errno;
		snprintf(why, whylen, "%s: %s", dir, strerror(-err));
		goto fail;
	}
	if (flock(sp->lockfd, LOCK_EX | LOCK_NB)) {
		err = errno == EWOULDBLOCK ? -EBUSY : -errno;
		snprintf(why, whylen, "%s: %s", dir, err == -EBUSY ?
			 "another process uses this spool" : strerror(-err));
		goto fail;
	}
	err = spool_recover(sp, why, whylen);
	if (err)
		goto fail;
	*spp = sp;
	return 0;

 fail:
	spool_close(sp);
	return err;
}

/** Close the spool (NULL allowed); what is in it stays. @return NULL */
struct spool *spool_close(struct spool *sp)
{
	if (!sp)
		return NULL;
	if (sp->wfd >= 0)
		close(sp->wfd);
	if (sp->rfd >= 0)
		close(sp->rfd);
	if (sp->lockfd >= 0)
		close(sp->lockfd);	/* drops the flock */
	if (sp->dirfd >= 0)
		close(sp->dirfd);
	pthread_mutex_destroy(&sp->mu);
	free(sp->segs);
	free(sp);
	return NULL;
}

static int write_all(int fd, struct iovec *iov, int cnt, uint64_t off)
{
	while (cnt > 0) {
		ssize_t w = pwritev(fd, iov, cnt, (off_t)off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		off += (uint64_t)w;
		while (cnt && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			cnt--;
		}
		if (cnt) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

/**
 * Append @p n records durably: on return 0 they survive a crash or power
 * loss. On error nothing was appended (a partial write is cut off again).
 * @param recs  payloads (CDR JSON), each 1..SPOOL_MAX_REC bytes
 * @return 0; -EINVAL (a bad length); -EIO after a failure that could not
 *         be undone (reopen the spool); or a negative errno
 * Context: the producer thread; blocks on the disk.
 */
int spool_append(struct spool *sp, const struct iovec *recs, size_t n)
{
	uint8_t (*hdr)[SPOOL_HDR];
	struct iovec *iov;
	uint64_t start, off, added = 0;
	int err = 0;

	if (!sp || (n && !recs))
		return -EINVAL;
	if (sp->broken)
		return -EIO;
	for (size_t i = 0; i < n; i++)
		if (!recs[i].iov_len || recs[i].iov_len > SPOOL_MAX_REC)
			return -EINVAL;
	if (!n)
		return 0;
	if (sp->wsize >= SPOOL_SEG_BYTES) {
		err = spool_seg_new(sp, sp->wseq + 1);
		if (err)
			return err;
	}
	hdr = malloc(IOV_CHUNK * sizeof(*hdr));
	iov = malloc(2 * IOV_CHUNK * sizeof(*iov));
	if (!hdr || !iov) {
		err = -ENOMEM;
		goto out;
	}
	start = off = sp->wsize;
	for (size_t i = 0; !err && i < n; i += IOV_CHUNK) {
		size_t k, m = n - i < IOV_CHUNK ? n - i : IOV_CHUNK;
		uint64_t bytes = 0;

		for (k = 0; k < m; k++) {
			const struct iovec *r = &recs[i + k];

			spool_put32(hdr[k], SPOOL_MAGIC);
			spool_put32(hdr[k] + 4, (uint32_t)r->iov_len);
			spool_put32(hdr[k] + 8, spool_rec_crc(hdr[k] + 4, r->iov_base,
						  r->iov_len));
			iov[2 * k] = (struct iovec){ hdr[k], SPOOL_HDR };
			iov[2 * k + 1] = *r;
			bytes += SPOOL_HDR + r->iov_len;
		}
		err = write_all(sp->wfd, iov, (int)(2 * m), off);
		off += bytes;
	}
	if (!err && fdatasync(sp->wfd))
		err = -errno;
	if (err) {
		/* fsync failed or a write fell short: take the tail back */
		if (ftruncate(sp->wfd, (off_t)start) || fdatasync(sp->wfd))
			sp->broken = 1;
		goto out;
	}
	added = off - start;
	sp->wsize = off;
	pthread_mutex_lock(&sp->mu);
	sp->segs[sp->nseg - 1].size = off;
	sp->st.depth += n;
	sp->st.bytes += added;
	sp->st.appended += n;
	sp->st.segments = sp->nseg;
	pthread_mutex_unlock(&sp->mu);
 out:
	free(hdr);
	free(iov);
	return err;
}

static int batch_room(struct spool_batch *b, size_t bytes)
{
	if (b->n == b->ncap) {
		size_t cap = b->ncap ? b->ncap * 2 : 64;
		size_t *o = realloc(b->off, cap * sizeof(*o));
		size_t *l = o ? realloc(b->plen, cap * sizeof(*l)) : NULL;

		if (o)
			b->off = o;
		if (!l)
			return -ENOMEM;
		b->plen = l;
		b->ncap = cap;
	}
	if (b->len + bytes + 1 > b->cap) {
		size_t cap = (b->len + bytes + 1) * 2;
		char *nb = realloc(b->buf, cap);

		if (!nb)
			return -ENOMEM;
		b->buf = nb;
		b->cap = cap;
	}
	return 0;
}

/* skip damaged bytes at @p off: on to the next good record (or @p limit) */
static int skip_damage(struct spool *sp, uint64_t off, uint64_t limit,
		       uint64_t *next)
{
	int err = spool_next_valid(sp->rfd, off + 1, limit, next);

	if (!err) {
		pthread_mutex_lock(&sp->mu);
		sp->st.skipped_bytes += *next - off;
		pthread_mutex_unlock(&sp->mu);
	}
	return err;
}

/* read the record at @p off of the consumer's open segment into @p b;
 * a damaged one is skipped (counted), *next is where reading goes on */
static int read_rec(struct spool *sp, uint64_t off, uint64_t limit,
		    struct spool_batch *b, uint64_t *next)
{
	uint8_t h[SPOOL_HDR];
	uint32_t len;
	int err;

	if (off + SPOOL_HDR > limit ||
	    pread(sp->rfd, h, SPOOL_HDR, (off_t)off) != SPOOL_HDR)
		return skip_damage(sp, off, limit, next);
	len = spool_get32(h + 4);
	if (spool_get32(h) != SPOOL_MAGIC || !len || len > SPOOL_MAX_REC ||
	    off + SPOOL_HDR + len > limit)
		return skip_damage(sp, off, limit, next);
	err = batch_room(b, len);
	if (err)
		return err;
	if (pread(sp->rfd, b->buf + b->len, len, (off_t)(off + SPOOL_HDR)) !=
	    (ssize_t)len || spool_get32(h + 8) != spool_rec_crc(h + 4, b->buf + b->len,
						    len))
		return skip_damage(sp, off, limit, next);
	b->off[b->n] = b->len;
	b->plen[b->n] = len;
	b->len += len;
	b->buf[b->len++] = ',';
	b->n++;
	*next = off + SPOOL_HDR + len;
	return 0;
}

/**
 * Read the oldest unacknowledged records, up to @p max_n of them and about
 * @p max_bytes of payload (at least one record), into @p b. They stay in
 * the queue until spool_ack(b->end).
 * @return the number of records (0: queue empty), -EIO (a record went bad
 *         on disk since open: reopen), or -ENOMEM
 * Context: the consumer thread.
 */
int spool_peek(struct spool *sp, size_t max_n, size_t max_bytes,
	       struct spool_batch *b)
{
	struct spool_pos pos;
	struct seg segs[8];
	size_t ns = 0;
	int err = 0;

	b->n = b->len = 0;
	pthread_mutex_lock(&sp->mu);
	pos = b->end = sp->ack;
	for (size_t i = 0; i < sp->nseg && ns < 8; i++)
		if (sp->segs[i].seq >= pos.seg)
			segs[ns++] = sp->segs[i];
	pthread_mutex_unlock(&sp->mu);
	for (size_t i = 0; !err && i < ns && b->n < max_n; i++) {
		if (segs[i].seq != pos.seg)
			pos = (struct spool_pos){ segs[i].seq, 0 };
		if (sp->rfd < 0 || sp->rseq != pos.seg) {
			if (sp->rfd >= 0)
				close(sp->rfd);
			sp->rfd = spool_seg_open(sp, pos.seg, O_RDONLY);
			sp->rseq = pos.seg;
			if (sp->rfd < 0)
				return -errno;
		}
		while (!err && pos.off < segs[i].size && b->n < max_n &&
		       b->len < max_bytes)
			err = read_rec(sp, pos.off, segs[i].size, b, &pos.off);
		b->end = pos;
		if (b->len >= max_bytes)
			break;
	}
	return err ? err : (int)b->n;
}

/**
 * Acknowledge every record before @p upto (a spool_batch's end): they
 * leave the queue, and segments wholly acknowledged are removed.
 * @param nrecs  how many records that is (for the depth count)
 * @return 0, -EINVAL (@p upto before the current position), or a negative
 *         errno from writing the ack file (the records are acknowledged in
 *         memory all the same; after a restart they are sent again)
 * Context: the consumer thread.
 */
int spool_ack(struct spool *sp, const struct spool_pos *upto, uint64_t nrecs)
{
	struct spool_pos a = *upto;
	uint64_t gone[64];
	size_t ngone = 0, keep = 0;
	int err;

	pthread_mutex_lock(&sp->mu);
	if (a.seg < sp->ack.seg ||
	    (a.seg == sp->ack.seg && a.off < sp->ack.off)) {
		pthread_mutex_unlock(&sp->mu);
		return -EINVAL;
	}
	for (size_t i = 0; i + 1 < sp->nseg; i++)	/* at a segment's end */
		if (sp->segs[i].seq == a.seg && sp->segs[i].size == a.off)
			a = (struct spool_pos){ sp->segs[i + 1].seq, 0 };
	sp->ack = a;
	sp->st.depth -= nrecs < sp->st.depth ? nrecs : sp->st.depth;
	sp->st.acked += nrecs;
	sp->st.bytes = 0;
	for (size_t i = 0; i < sp->nseg; i++) {
		struct seg *g = &sp->segs[i];

		if (g->seq < a.seg && ngone < 64) {
			gone[ngone++] = g->seq;
			continue;
		}
		sp->st.bytes += g->size - (g->seq == a.seg ? a.off : 0);
		sp->segs[keep++] = *g;
	}
	sp->nseg = keep;
	sp->st.segments = keep;
	if (!sp->st.depth)
		sp->st.bytes = 0;
	pthread_mutex_unlock(&sp->mu);
	err = spool_ack_write(sp, &a);
	for (size_t i = 0; i < ngone; i++) {
		if (sp->rfd >= 0 && sp->rseq == gone[i]) {
			close(sp->rfd);
			sp->rfd = -1;
		}
		spool_seg_unlink(sp, gone[i]);
	}
	return err;
}

/** Copy the queue's counters (spool_stats in spool.h). */
void spool_stats(struct spool *sp, struct spool_stats *st)
{
	pthread_mutex_lock(&sp->mu);
	*st = sp->st;
	pthread_mutex_unlock(&sp->mu);
}

/** Free what a batch holds; it can be reused after. */
void spool_batch_free(struct spool_batch *b)
{
	free(b->buf);
	free(b->off);
	free(b->plen);
	memset(b, 0, sizeof(*b));
}

// SPDX-License-Identifier: MIT
/** @file spool_scan.c  The spool's records checked: CRC-32C, scanning a
 *  segment, getting past damage, the ack file, recovery at open (spool.h)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "billing/spool_priv.h"

static uint32_t crc_table[256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)	/* Castagnoli, reflected */
			c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;
		crc_table[i] = c;
	}
}

/** CRC-32C (Castagnoli) of @p len bytes, continuing @p crc (0 to start). */
uint32_t spool_crc32c(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;

	pthread_once(&crc_once, crc_init);
	crc = ~crc;
	while (len--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

uint32_t spool_rec_crc(const uint8_t *lenfield, const void *pl, size_t n)
{
	return spool_crc32c(spool_crc32c(0, lenfield, 4), pl, n);
}

static void seg_name(char *buf, size_t len, uint64_t seq)
{
	snprintf(buf, len, "%016" PRIx64 ".log", seq);
}

/* whether a whole record with a good CRC starts at @p p (@p n bytes
 * available there); its payload length in *len */
static bool rec_ok(const uint8_t *p, size_t n, uint32_t *len)
{
	uint32_t l;

	if (n < SPOOL_HDR || spool_get32(p) != SPOOL_MAGIC)
		return false;
	l = spool_get32(p + 4);
	if (!l || l > SPOOL_MAX_REC || n - SPOOL_HDR < l ||
	    spool_get32(p + 8) != spool_rec_crc(p + 4, p + SPOOL_HDR, l))
		return false;
	*len = l;
	return true;
}

/*
 * The offset of the first whole, good record at or after @p from and
 * before @p limit, or @p limit when there is none: how a reader gets past
 * a damaged record (a disk error, or bytes of a torn append followed by
 * records that did reach the disk). A record's CRC covers its length, so
 * a false start inside a payload would need a 32-bit CRC to match.
 */
int spool_next_valid(int fd, uint64_t from, uint64_t limit, uint64_t *at)
{
	size_t cap = SPOOL_SCAN_BUF + SPOOL_HDR + SPOOL_MAX_REC;
	uint8_t *buf = malloc(cap);
	uint64_t base = from;

	if (!buf)
		return -ENOMEM;
	*at = limit;
	while (base + SPOOL_HDR <= limit) {
		size_t want = limit - base < cap ? (size_t)(limit - base) : cap;
		ssize_t r = pread(fd, buf, want, (off_t)base);
		size_t n, i;
		uint32_t len;

		if (r < 0) {
			free(buf);
			return -errno;
		}
		n = (size_t)r;
		/* candidates whose whole record lies in this window */
		for (i = 0; i + SPOOL_HDR <= n; i++) {
			if (rec_ok(buf + i, n - i, &len)) {
				*at = base + i;
				free(buf);
				return 0;
			}
			if (n == cap && i >= SPOOL_SCAN_BUF)
				break;	/* might be cut: slide the window */
		}
		if (n < want || n < cap)
			break;
		base += i;
	}
	free(buf);
	return 0;
}

/* Whole, checked records of a segment: where the last one ends, how many
 * start at or after @p mark and their bytes, whether @p mark is a record
 * boundary, and the bytes of damaged stretches between good records. */
struct scan {
	uint64_t end, file_size;
	uint64_t after, after_bytes;
	uint64_t hole_bytes;
	int mark_ok;
};

static int scan_seg(int fd, uint64_t mark, struct scan *s)
{
	uint8_t *buf = malloc(SPOOL_SCAN_BUF + SPOOL_HDR + SPOOL_MAX_REC);
	uint64_t base = 0;	/* file offset of buf[0] */
	size_t have = 0, pos = 0;
	struct stat st;
	int err = 0;

	if (!buf)
		return -ENOMEM;
	memset(s, 0, sizeof(*s));
	if (fstat(fd, &st)) {
		free(buf);
		return -errno;
	}
	s->file_size = (uint64_t)st.st_size;
	s->mark_ok = mark == 0;
	for (;;) {
		uint32_t len;
		uint64_t next;

		if (have - pos < SPOOL_HDR + SPOOL_MAX_REC &&
		    base + have < s->file_size) {
			ssize_t r;

			memmove(buf, buf + pos, have - pos);
			base += pos;
			have -= pos;
			pos = 0;
			r = pread(fd, buf + have, SPOOL_SCAN_BUF, (off_t)(base + have));
			if (r < 0) {
				err = -errno;
				break;
			}
			have += (size_t)r;
		}
		if (have - pos < SPOOL_HDR)
			break;
		if (!rec_ok(buf + pos, have - pos, &len)) {
			/* damaged: resynchronise on the next good record */
			err = spool_next_valid(fd, base + pos + 1, s->file_size,
					 &next);
			if (err || next >= s->file_size)
				break;
			s->hole_bytes += next - (base + pos);
			base = next;
			have = pos = 0;
			continue;
		}
		if (base + pos >= mark) {
			s->after++;
			s->after_bytes += SPOOL_HDR + len;
		}
		pos += SPOOL_HDR + len;
		s->end = base + pos;
		if (base + pos == mark)
			s->mark_ok = 1;
	}
	free(buf);
	return err;
}

static int fsync_dir(struct spool *sp)
{
	return fsync(sp->dirfd) ? -errno : 0;
}

static int read_ack(struct spool *sp, struct spool_pos *a)
{
	char buf[128], *end;
	unsigned long long seg, off;
	unsigned int crc;
	int fd = openat(sp->dirfd, SPOOL_ACK_FILE, O_RDONLY | O_CLOEXEC), n;
	ssize_t r;

	if (fd < 0)
		return -errno;
	r = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (r <= 0)
		return -EBADMSG;
	buf[r] = '\0';
	if (sscanf(buf, "ack %llu %llu %n", &seg, &off, &n) != 2)
		return -EBADMSG;
	crc = (unsigned int)strtoul(buf + n, &end, 16);
	if (end == buf + n || *end != '\n' ||
	    crc != spool_crc32c(0, buf, (size_t)n - 1))
		return -EBADMSG;
	a->seg = seg;
	a->off = off;
	return 0;
}

int spool_ack_write(struct spool *sp, const struct spool_pos *a)
{
	char buf[128];
	int n = snprintf(buf, sizeof(buf), "ack %" PRIu64 " %" PRIu64,
			 a->seg, a->off), fd, err = 0;

	n += snprintf(buf + n, sizeof(buf) - (size_t)n, " %08x\n",
		      spool_crc32c(0, buf, (size_t)n));
	fd = openat(sp->dirfd, SPOOL_ACK_TMP, O_WRONLY | O_CREAT | O_TRUNC |
		    O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	if (write(fd, buf, (size_t)n) != n)
		err = errno ? -errno : -EIO;
	if (close(fd) && !err)
		err = -errno;
	/* no fsync: a lagging ack file only makes us send again (spool.h) */
	if (!err && renameat(sp->dirfd, SPOOL_ACK_TMP, sp->dirfd, SPOOL_ACK_FILE))
		err = -errno;
	return err;
}

static int cmp_seg(const void *a, const void *b)
{
	uint64_t x = ((const struct seg *)a)->seq,
		 y = ((const struct seg *)b)->seq;

	return x < y ? -1 : x > y;
}

static int push_seg(struct spool *sp, uint64_t seq, uint64_t size)
{
	if (sp->nseg == sp->segcap) {
		size_t cap = sp->segcap ? sp->segcap * 2 : 16;
		struct seg *n = realloc(sp->segs, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		sp->segs = n;
		sp->segcap = cap;
	}
	sp->segs[sp->nseg].seq = seq;
	sp->segs[sp->nseg].size = size;
	sp->nseg++;
	return 0;
}

static int list_segs(struct spool *sp)
{
	int fd = dup(sp->dirfd), err = 0;
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	while (!err && (de = readdir(d))) {
		char *end;
		uint64_t seq;

		if (strlen(de->d_name) != 20 || strcmp(de->d_name + 16, ".log"))
			continue;
		seq = strtoull(de->d_name, &end, 16);
		if (end == de->d_name + 16)
			err = push_seg(sp, seq, 0);
	}
	closedir(d);
	if (!err && sp->nseg)
		qsort(sp->segs, sp->nseg, sizeof(*sp->segs), cmp_seg);
	return err;
}

int spool_seg_open(struct spool *sp, uint64_t seq, int flags)
{
	char name[32];

	seg_name(name, sizeof(name), seq);
	return openat(sp->dirfd, name, flags | O_CLOEXEC, 0640);
}

void spool_seg_unlink(struct spool *sp, uint64_t seq)
{
	char name[32];

	seg_name(name, sizeof(name), seq);
	unlinkat(sp->dirfd, name, 0);
}

/* a new, empty write segment, durable in the directory */
int spool_seg_new(struct spool *sp, uint64_t seq)
{
	int fd = spool_seg_open(sp, seq, O_WRONLY | O_CREAT | O_EXCL), err;

	if (fd < 0)
		return -errno;
	err = fsync_dir(sp);
	if (!err) {
		pthread_mutex_lock(&sp->mu);
		err = push_seg(sp, seq, 0);
		pthread_mutex_unlock(&sp->mu);
	}
	if (err) {
		close(fd);
		spool_seg_unlink(sp, seq);
		return err;
	}
	if (sp->wfd >= 0)
		close(sp->wfd);
	sp->wfd = fd;
	sp->wseq = seq;
	sp->wsize = 0;
	return 0;
}

/* check one segment at open; drop it when wholly acknowledged */
static int recover_seg(struct spool *sp, size_t i, char *why, size_t whylen)
{
	struct seg *g = &sp->segs[i];
	bool last = i + 1 == sp->nseg;
	uint64_t mark = g->seq == sp->ack.seg ? sp->ack.off : 0;
	struct scan s;
	int fd, err;

	fd = spool_seg_open(sp, g->seq, last ? O_RDWR : O_RDONLY);
	if (fd < 0 || (err = scan_seg(fd, mark, &s))) {
		err = fd < 0 ? -errno : err;
		snprintf(why, whylen, "segment %" PRIx64 ": %s", g->seq,
			 strerror(-err));
		if (fd >= 0)
			close(fd);
		return err;
	}
	if (!s.mark_ok) {	/* the ack lies: send the whole segment */
		sp->ack.off = 0;
		close(fd);
		return recover_seg(sp, i, why, whylen);
	}
	g->size = s.end;
	sp->st.depth += s.after;
	sp->st.bytes += s.after_bytes;
	if (s.end < s.file_size && last) {
		sp->st.torn_bytes += s.file_size - s.end;
		if (ftruncate(fd, (off_t)s.end) || fdatasync(fd)) {
			err = -errno;
			snprintf(why, whylen, "cutting the torn tail of %" PRIx64
				 ": %s", g->seq, strerror(-err));
			close(fd);
			return err;
		}
	} else if (s.end < s.file_size) {
		sp->st.corrupt_bytes += s.file_size - s.end;
	}
	sp->st.corrupt_bytes += s.hole_bytes;
	if (last) {
		sp->wfd = fd;
		sp->wseq = g->seq;
		sp->wsize = s.end;
	} else
		close(fd);
	return 0;
}

int spool_recover(struct spool *sp, char *why, size_t whylen)
{
	size_t i, keep = 0;
	int err = list_segs(sp);

	if (err)
		return err;
	if (read_ack(sp, &sp->ack))
		sp->ack = (struct spool_pos){ 0, 0 };
	unlinkat(sp->dirfd, SPOOL_ACK_TMP, 0);
	/* segments wholly before the ack were delivered: a crash came
	 * between the ack and their removal */
	for (i = 0; i < sp->nseg; i++) {
		if (sp->segs[i].seq < sp->ack.seg && i + 1 < sp->nseg)
			spool_seg_unlink(sp, sp->segs[i].seq);
		else
			sp->segs[keep++] = sp->segs[i];
	}
	sp->nseg = keep;
	if (sp->nseg && sp->segs[0].seq != sp->ack.seg)
		sp->ack = (struct spool_pos){ sp->segs[0].seq, 0 };
	for (i = 0; i < sp->nseg; i++) {
		err = recover_seg(sp, i, why, whylen);
		if (err)
			return err;
	}
	if (!sp->nseg) {
		sp->ack = (struct spool_pos){ sp->ack.seg + 1, 0 };
		err = spool_seg_new(sp, sp->ack.seg);
		if (err)
			snprintf(why, whylen, "new segment: %s", strerror(-err));
	}
	sp->st.segments = sp->nseg;
	return err;
}

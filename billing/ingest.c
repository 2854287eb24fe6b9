// SPDX-License-Identifier: MIT
/** @file ingest.c  Call records from the incoming directory into the
 *  spool as CDRs (ingest.h) */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#define LOG_MODULE "ingest"
#include "billing/cdr.h"
#include "billing/ingest.h"
#include "rtos-kernel/log.h"

struct chunk {
	struct iovec iov[INGEST_CHUNK];
	char json[INGEST_CHUNK][CDR_MAX_JSON];
	char path[INGEST_CHUNK][512];
	size_t n;
};

static int is_record(const struct dirent *de)
{
	size_t n = strlen(de->d_name);

	return de->d_name[0] != '.' && n > 5 &&
	       !strcmp(de->d_name + n - 5, ".json");
}

static void note(struct ingest_stats *st, const char *fmt, const char *a,
		 const char *b)
{
	snprintf(st->last_error, sizeof(st->last_error), fmt, a, b);
}

static void set_aside(const char *path, const char *name,
		      const char *rejected, const char *why,
		      struct ingest_stats *st)
{
	char to[512];

	snprintf(to, sizeof(to), "%s/%s", rejected, name);
	if (rename(path, to)) {
		LOG_ERR("moving %s to %s: %s", path, rejected,
			strerror(errno));
		st->unreadable++;
		return;
	}
	LOG_WARN("call record %s set aside in %s: %s", name, rejected, why);
	note(st, "call record %s refused: %s", name, why);
	st->bad++;
}

/* read one call record into the chunk, or set it aside */
static void take(struct chunk *c, const char *dir, const char *name,
		 const char *rejected, const char *gateway,
		 struct ingest_stats *st)
{
	char *path = c->path[c->n], why[200] = "";
	struct callrec r;
	struct cdr cdr;
	int err, len;

	snprintf(path, sizeof(c->path[0]), "%s/%s", dir, name);
	err = callrec_read(path, &r, why, sizeof(why));
	if (err == -ENOENT)
		return;			/* gone meanwhile */
	if (err == -EBADMSG) {
		set_aside(path, name, rejected, why, st);
		return;
	}
	if (err) {
		if (!st->unreadable++)
			LOG_ERR("reading %s: %s", path, strerror(-err));
		note(st, "reading %s: %s", path, strerror(-err));
		return;
	}
	if (cdr_from_callrec(&cdr, &r, gateway, why, sizeof(why))) {
		set_aside(path, name, rejected, why, st);
		return;
	}
	len = cdr_to_json(&cdr, c->json[c->n], sizeof(c->json[0]));
	if (len <= 0) {
		set_aside(path, name, rejected, "CDR too long", st);
		return;
	}
	c->iov[c->n].iov_base = c->json[c->n];
	c->iov[c->n].iov_len = (size_t)len;
	c->n++;
}

/* the chunk's CDRs into the spool, then its files out of incoming/ */
static int flush(struct chunk *c, struct spool *sp, struct ingest_stats *st)
{
	int err;

	if (!c->n)
		return 0;
	err = spool_append(sp, c->iov, c->n);
	if (err) {
		note(st, "spool: %s%s", strerror(-err), "");
		LOG_ERR("spool append: %s (call records stay in incoming/)",
			strerror(-err));
		return err;
	}
	for (size_t i = 0; i < c->n; i++)
		if (unlink(c->path[i]) && errno != ENOENT)
			LOG_WARN("removing %s: %s (its CDR may be sent "
				 "twice; the server keeps one)", c->path[i],
				 strerror(errno));
	st->cdrs += c->n;
	c->n = 0;
	return 0;
}

/**
 * Turn every call record in @p incoming into a CDR in @p sp (ingest.h).
 * @param rejected  where bad call records go (a directory)
 * @param gateway   this gateway's name, put in each CDR
 * @param st        counters, added to
 * @return the number of CDRs spooled, or a negative errno when the spool
 *         refused an append or the directory cannot be read (what was not
 *         spooled stays in @p incoming)
 * Context: the spool's producer thread; blocks on the disk.
 */
int ingest_scan(const char *incoming, const char *rejected,
		struct spool *sp, const char *gateway,
		struct ingest_stats *st)
{
	struct dirent **list;
	struct chunk *c = malloc(sizeof(*c));
	uint64_t before = st->cdrs;
	int n, err = 0;

	if (!c)
		return -ENOMEM;
	c->n = 0;
	n = scandir(incoming, &list, is_record, alphasort);
	if (n < 0) {
		err = -errno;
		note(st, "%s: %s", incoming, strerror(-err));
		free(c);
		return err;
	}
	for (int i = 0; i < n; i++) {
		if (!err) {
			take(c, incoming, list[i]->d_name, rejected, gateway,
			     st);
			if (c->n == INGEST_CHUNK)
				err = flush(c, sp, st);
		}
		free(list[i]);
	}
	free(list);
	if (!err)
		err = flush(c, sp, st);
	free(c);
	return err ? err : (int)(st->cdrs - before);
}

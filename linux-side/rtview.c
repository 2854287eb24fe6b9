// SPDX-License-Identifier: MIT
/** @file rtview.c  An observer's view of the RT partition */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "board/ctl.h"
#include "linux-side/rtview.h"

struct rtview {
	struct bus *bus;
	int fd;			/* the read-only memfd the bus maps */
};

/**
 * Send @p req to the dispatcher's control socket in @p run_dir.
 * @param reply  its reply (NUL-terminated)
 * @param fdp    receives the fd the dispatcher attached (-1: none); NULL
 *		 when none is wanted
 * @param why    on error: "PATH: reason (is the dispatcher running?)" or
 *		 the dispatcher's "error: ..." reply
 * @return 0; a negative errno when the socket cannot be reached; -EPERM
 *	   when the dispatcher answered with an error
 */
int rtview_ask(const char *run_dir, const char *req, char *reply,
	       size_t len, int *fdp, char *why, size_t whylen)
{
	char sock[PATH_MAX];
	int err;

	if (fdp)
		*fdp = -1;
	if (ctl_path(run_dir, sock, sizeof(sock))) {
		snprintf(why, whylen, "%s: path too long", run_dir);
		return -ENAMETOOLONG;
	}
	err = ctl_request(sock, req, reply, len, fdp);
	if (err) {
		snprintf(why, whylen, "%s: %s (is the dispatcher running?)",
			 sock, strerror(-err));
		return err;
	}
	if (!strncmp(reply, "error", 5)) {
		snprintf(why, whylen, "%.*s", (int)strcspn(reply, "\n"),
			 reply);
		if (fdp && *fdp >= 0) {
			close(*fdp);
			*fdp = -1;
		}
		return -EPERM;
	}
	return 0;
}

/**
 * Map the bus of the dispatcher in @p run_dir read-only.
 * @param why  the reason on error
 * @return 0 or a negative errno
 */
int rtview_open(struct rtview **vp, const char *run_dir, char *why,
		size_t whylen)
{
	struct rtview *v;
	char reply[64], err[256];
	int fd, rc;

	rc = rtview_ask(run_dir, "bus", reply, sizeof(reply), &fd, why,
			whylen);
	if (rc)
		return rc;
	if (fd < 0) {
		snprintf(why, whylen, "the dispatcher sent no bus fd");
		return -EPROTO;
	}
	v = calloc(1, sizeof(*v));
	if (!v) {
		close(fd);
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	rc = bus_attach(&v->bus, fd, NULL, BUS_SIDE_OBSERVER, err,
			sizeof(err));
	if (rc) {
		snprintf(why, whylen, "bus: %s", err);
		close(fd);
		free(v);
		return rc;
	}
	v->fd = fd;
	*vp = v;
	return 0;
}

/** Unmap the bus. @return NULL */
struct rtview *rtview_close(struct rtview *v)
{
	if (v) {
		bus_detach(v->bus);
		close(v->fd);
		free(v);
	}
	return NULL;
}

struct bus *rtview_bus(struct rtview *v)
{
	return v->bus;
}

/**
 * Copy the RT status page into @p st (never blocks the writer).
 * @return 0; -EPROTO (not written yet, or of another version) or -EAGAIN
 *	   (no consistent copy), with the reason in @p why
 */
int rtview_read(struct rtview *v, struct rtstat *st, char *why,
		size_t whylen)
{
	int err = rtstat_read(bus_status(v->bus), st);

	if (err)
		snprintf(why, whylen, "RT status page: %s", err == -EPROTO ?
			 "not written yet, or of another version" :
			 "no consistent copy (writer stuck?)");
	return err;
}

/** The statistics of the bus's rings, by channel. */
void rtview_rings(struct rtview *v, struct ring_stats rs[BUS_NCHAN])
{
	for (int ch = 0; ch < BUS_NCHAN; ch++)
		ring_stats_get(bus_ring(v->bus, ch), &rs[ch]);
}

/**
 * Every counter, in one flat list: the bus rings' ("bus.CHANNEL.FIELD"),
 * then, when @p st is given, the executive's and the tasks'
 * ("rt.task.NAME.missed") and the RT modules' own.
 */
void rtview_counters(struct rtview *v, const struct rtstat *st,
		     rtview_counter_h *h, void *arg)
{
	static const char *const fields[] = {
		"size", "used", "high_water", "records_in", "records_out",
		"drop_full", "drop_too_big", "bad_records",
	};
	struct ring_stats rs[BUS_NCHAN];
	char name[RTSTAT_NAME + 32];

	rtview_rings(v, rs);
	for (int ch = 0; ch < BUS_NCHAN; ch++) {
		const uint64_t val[8] = {
			rs[ch].size, rs[ch].used, rs[ch].high_water,
			rs[ch].records_in, rs[ch].records_out,
			rs[ch].drop_full, rs[ch].drop_too_big,
			rs[ch].bad_records,
		};

		for (int f = 0; f < 8; f++) {
			snprintf(name, sizeof(name), "bus.%s.%s",
				 bus_chan_name(ch), fields[f]);
			h(name, val[f], arg);
		}
	}
	if (!st)
		return;
	h("rt.alloc_after_start", st->alloc_after_start, arg);
	for (uint32_t i = 0; i < st->ntasks && i < RTSTAT_MAX_TASKS; i++) {
		const struct rtstat_task *t = &st->task[i];
		const struct { const char *f; uint64_t v; } tv[] = {
			{ "runs", t->runs }, { "missed", t->missed },
			{ "overruns", t->overruns }, { "stalls", t->stalls },
		};

		for (size_t k = 0; k < sizeof(tv) / sizeof(tv[0]); k++) {
			snprintf(name, sizeof(name), "rt.task.%.16s.%s",
				 t->name, tv[k].f);
			h(name, tv[k].v, arg);
		}
	}
	for (uint32_t i = 0; i < st->ncounters && i < RTSTAT_MAX_COUNTERS;
	     i++) {
		snprintf(name, sizeof(name), "%.*s", RTSTAT_NAME,
			 st->counter[i].name);
		h(name, st->counter[i].value, arg);
	}
}

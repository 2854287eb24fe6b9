/* SPDX-License-Identifier: MIT */
/** @file rtview.h  An observer's view of the RT partition, for Linux tools
 *
 * What gwctl and the web UI both read: the dispatcher's control socket
 * (<run_dir>/ctl.sock, board/ctl.h), the proxy bus mapped read-only
 * through it, the RT status page (sharednet/rtstat.h) copied under its
 * sequence lock, the bus rings' statistics, and one flat list of every
 * counter ("bus.frames-up.drop_full", "rt.task.net.missed", the RT
 * modules' own), which `gwctl counters` prints and /metrics exports.
 *
 * An observer never writes to the bus and never blocks the RT side.
 * Context: Linux side, one thread per view.
 */
#ifndef LINUX_SIDE_RTVIEW_H
#define LINUX_SIDE_RTVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "sharednet/bus.h"
#include "sharednet/ring.h"
#include "sharednet/rtstat.h"

struct rtview;

/** One counter of the flat list: name and value */
typedef void (rtview_counter_h)(const char *name, uint64_t value, void *arg);

int  rtview_ask(const char *run_dir, const char *req, char *reply,
		size_t len, int *fdp, char *why, size_t whylen);
int  rtview_open(struct rtview **vp, const char *run_dir, char *why,
		 size_t whylen);
struct rtview *rtview_close(struct rtview *v);
struct bus *rtview_bus(struct rtview *v);
int  rtview_read(struct rtview *v, struct rtstat *st, char *why,
		 size_t whylen);
void rtview_rings(struct rtview *v, struct ring_stats rs[BUS_NCHAN]);
void rtview_counters(struct rtview *v, const struct rtstat *st,
		     rtview_counter_h *h, void *arg);

#endif /* LINUX_SIDE_RTVIEW_H */

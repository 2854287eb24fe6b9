/* SPDX-License-Identifier: MIT */
/** @file rtpart.h  The RT partition: executive, bus service, status page
 *
 * rtpart_init() builds the partition from the configuration before
 * rtk_start(): the executive (CPUs, memory locking, allocation guard), the
 * watchdog and the tasks:
 *   "bus"      every [rt] tick_us: takes what Linux sent on the bus
 *   "stats"    every 100 ms, lowest priority: rewrites the status page
 *   "watchdog" (rtos-kernel/wdog.h)
 * Nothing is allocated after rtpart_start().
 */
#ifndef BOARD_RTPART_H
#define BOARD_RTPART_H

#include "board/config.h"
#include "sharednet/bus.h"

struct rtpart;

int  rtpart_init(struct rtpart **rpp, const struct gw_config *cfg,
		 struct bus *bus);
int  rtpart_start(struct rtpart *rp);
void rtpart_stop(struct rtpart *rp);
struct rtpart *rtpart_free(struct rtpart *rp);

#endif /* BOARD_RTPART_H */

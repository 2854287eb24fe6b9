/* SPDX-License-Identifier: MIT */
/** @file netsetup.h  The dispatcher's network duties at boot
 *
 * - netsetup_tap(): the Linux partition's proxy interface, a persistent TAP
 *   in the dispatcher's namespace. Made and configured from the
 *   configuration (MAC, MTU, address, default route, up) only when it does
 *   not exist yet: afterwards the kernel's eth0 is the source of truth and
 *   the RT partition follows it (netcfg.h), across restarts of either side.
 * - netsetup_nic_socket(): an AF_PACKET socket bound to the NIC, opened in
 *   the NIC's own namespace and handed to rtpart, so that the kernel never
 *   holds the shared address on the NIC (DESIGN.md section 7).
 */
#ifndef BOARD_NETSETUP_H
#define BOARD_NETSETUP_H

#include <stdbool.h>

#include "board/config.h"

int netsetup_tap(const struct gw_config *cfg, bool *created);
int netsetup_nic_socket(const char *netns, const char *ifname);

#endif /* BOARD_NETSETUP_H */

/* SPDX-License-Identifier: MIT */
/** @file ctl.h  The dispatcher's control socket
 *
 * A Unix SOCK_SEQPACKET socket, <run_dir>/ctl.sock, mode 0600: one request
 * per connection, one reply, then the server closes. Requests are one line
 * of text:
 *   status          the partitions: "part NAME key=value ..." lines
 *   bus             "ok" and, as SCM_RIGHTS, a read-only fd of the bus
 *   bus-rw          the same, writable: for Linux-side tools that send on
 *                   channel 4 (gwctl chan ...)
 *   vtdm            "ok" and the virtual telephony card's region (hal/vtdm.h),
 *                   for its far end, the PSTN simulator
 *   restart NAME    restart one partition now: "ok" or "error: reason"
 * A reply is at most CTL_MAX_REPLY bytes of text.
 */
#ifndef BOARD_CTL_H
#define BOARD_CTL_H

#include <stddef.h>
#include <sys/types.h>

#define CTL_SOCKET	"ctl.sock"
#define CTL_MAX_REQ	256
#define CTL_MAX_REPLY	65536

int ctl_path(const char *run_dir, char *buf, size_t len);
int ctl_listen(const char *path);
ssize_t ctl_recv_request(int conn, char *buf, size_t len);
int ctl_reply(int conn, const char *text, int fd);
int ctl_request(const char *path, const char *req, char *reply, size_t len,
		int *fdp);

#endif /* BOARD_CTL_H */

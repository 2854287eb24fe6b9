/* SPDX-License-Identifier: MIT */
/** @file chanctl.h  Drive voice channels from Linux by hand (gwctl, tests)
 *
 * Leg specifications:
 *   none
 *   tdm:SPAN/LINE[,ec=MS][,dtmf][,vbd]  (vbd: fax and modem answer tones)
 *   rtp:LOCALPORT:REMOTEIP:REMOTEPORT[,codec=pcmu|pcma|g722|g726-32|gsm|g729]
 *       [,pt=N][,ptime=MS][,dtmfpt=N][,dir=sendrecv|sendonly|recvonly|
 *       inactive][,jb=MIN-MAX][,vad][,srtp=SUITE:OURKEY:THEIRKEY]
 *       (vad: silence sent as comfort noise, RFC 3389; srtp: SRTP with
 *       the SDES suite AES_CM_128_HMAC_SHA1_80 or _32, the master keys
 *       in base64, 40 characters each, as SDES's inline: writes them)
 *   t38:LOCALPORT:REMOTEIP:REMOTEPORT[,red=N]  (a T.38 gateway; N earlier
 *       IFP packets in each UDPTL packet, 0..4, 3 by default)
 * A request goes to the RT partition on channel 4 (bus_linux_send) and its
 * outcome is read back from the bus's results area (bus_result_find), so a
 * tool never takes replies meant for the call-control daemon.
 */
#ifndef LINUX_SIDE_CHANCTL_H
#define LINUX_SIDE_CHANCTL_H

#include <stddef.h>

#include "sharednet/bus.h"
#include "sharednet/msg.h"

int chanctl_parse_leg(const char *spec, struct msg_leg *leg, char *why,
		      size_t len);
int chanctl_request(struct bus *b, struct gwmsg *m, int timeout_ms,
		    int *result);
int chanctl_format_leg(const struct rtstat_leg *l, char *buf, size_t len);

#endif /* LINUX_SIDE_CHANCTL_H */

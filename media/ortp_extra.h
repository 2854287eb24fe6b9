/* SPDX-License-Identifier: MIT */
/** @file ortp_extra.h  oRTP functions missing from Debian's headers
 *
 * libortp 5.1 exports these three (they are how an application gives a
 * session transports of its own, here lwIP instead of kernel sockets),
 * but Debian's libortp-dev does not declare them. The prototypes are
 * those of oRTP's own rtpsession.h. Include after <ortp/ortp.h>.
 */
#ifndef MEDIA_ORTP_EXTRA_H
#define MEDIA_ORTP_EXTRA_H

#include <ortp/ortp.h>

/** Wrap @p endpoint (ours) with @p modifiers_count modifiers (variadic
 *  RtpTransportModifier *) as a session's RTP transport. */
RtpTransport *meta_rtp_transport_new(RtpTransport *endpoint,
				     unsigned modifiers_count, ...);
/** The same for the RTCP transport. */
RtpTransport *meta_rtcp_transport_new(RtpTransport *endpoint,
				      unsigned modifiers_count, ...);
/** Give @p session its transports; it owns and destroys them. */
void rtp_session_set_transports(RtpSession *session, RtpTransport *rtptr,
				RtpTransport *rtcptr);

#endif /* MEDIA_ORTP_EXTRA_H */

// SPDX-License-Identifier: MIT
/** @file rtpleg_net.c  The transports oRTP sends and receives through: a
 *  leg's two ports (udpport.h: RTP on the even one, RTCP on the odd one)
 *
 * Receive: the media task takes datagrams from the leg's ring one by one
 * and "stages" each one for oRTP, whose t_recvfrom hands it over (see
 * rtpleg_rx.c). Send: oRTP calls t_sendto in the media task; the packet
 * goes out of the leg's RTP or RTCP port to the remote end of the leg
 * (or where latching moved it);
 * on an SRTP leg it is first put together in one buffer and protected.
 */
#define LOG_MODULE "rtpleg"
#include <netinet/in.h>
#include <string.h>

#include "media/ortp_extra.h"
#include "media/rtpleg_priv.h"

static ortp_socket_t tp_getsocket(RtpTransport *t)
{
	(void)t;
	return -1;	/* no socket: oRTP must not poll or close one */
}

static void tp_close(RtpTransport *t)
{
	(void)t;
}

static void tp_destroy(RtpTransport *t)
{
	(void)t;	/* embedded in the leg */
}

#define MAX_SEGS	8	/* of an oRTP message sent: header, payload */

/* SRTP: the packet of @p nseg segments in one buffer, protected, is then
 * the one segment sent. @return 0 or -1 (too big, refused: counted) */
static int protect(struct rtpleg *l, bool rtcp, struct udpport_seg *seg,
		   unsigned *nseg, uint8_t *buf, size_t cap)
{
	size_t len = 0;

	for (unsigned i = 0; i < *nseg; i++) {
		if (seg[i].len > cap - SRTPCTX_OVERHEAD - len)
			return -1;
		memcpy(buf + len, seg[i].data, seg[i].len);
		len += seg[i].len;
	}
	if (srtpctx_protect(l->sec, rtcp, buf, &len, cap))
		return -1;
	seg[0].data = buf;
	seg[0].len = len;
	*nseg = 1;
	return 0;
}

static int tp_sendto(RtpTransport *t, mblk_t *m, int flags,
		     const struct sockaddr *to, socklen_t tolen)
{
	struct rtpleg_tp *tp = t->data;
	struct rtpleg *l = tp->leg;
	struct udpport_seg seg[MAX_SEGS];
	uint8_t buf[RTPLEG_SLOT];
	unsigned nseg = 0;
	int len = 0;

	(void)flags;
	(void)to;	/* oRTP knows no address: ours is in the leg */
	(void)tolen;
	for (const mblk_t *b = m; b; b = b->b_cont) {
		if (nseg == MAX_SEGS)
			goto fail;
		seg[nseg].data = b->b_rptr;
		seg[nseg].len = (size_t)(b->b_wptr - b->b_rptr);
		len += (int)seg[nseg++].len;
	}
	if (l->sec && protect(l, tp->rtcp, seg, &nseg, buf, sizeof(buf)))
		goto fail;
	if (udpport_send(&l->net, tp->rtcp, seg, nseg, l->to_ip[tp->rtcp],
			 l->to_port[tp->rtcp]))
		goto fail;
	if (tp->rtcp)
		l->c.rtcp_tx++;
	return len;

 fail:
	l->c.tx_errors++;
	return -1;
}

static int tp_recvfrom(RtpTransport *t, mblk_t *m, int flags,
		       struct sockaddr *from, socklen_t *fromlen)
{
	struct rtpleg_tp *tp = t->data;
	struct rtpleg *l = tp->leg;
	const struct udpport_slot *s = l->staged;
	struct sockaddr_in sa;

	(void)flags;
	if (!s || s->which != tp->rtcp)
		return 0;	/* nothing (more) for this transport */
	l->staged = NULL;
	if (s->len > (size_t)(dblk_lim(m->b_datap) - m->b_wptr))
		return 0;
	memcpy(m->b_wptr, s->data, s->len);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = s->from_ip;
	sa.sin_port = htons(s->from_port);
	if (from && fromlen && *fromlen >= (socklen_t)sizeof(sa)) {
		memcpy(from, &sa, sizeof(sa));
		*fromlen = sizeof(sa);
	}
	return s->len;
}

static void tp_init(struct rtpleg_tp *tp, struct rtpleg *l, bool rtcp)
{
	memset(tp, 0, sizeof(*tp));
	tp->tr.data = tp;
	tp->tr.t_getsocket = tp_getsocket;
	tp->tr.t_sendto = tp_sendto;
	tp->tr.t_recvfrom = tp_recvfrom;
	tp->tr.t_close = tp_close;
	tp->tr.t_destroy = tp_destroy;
	tp->leg = l;
	tp->rtcp = rtcp;
}

/** oRTP transports (ours wrapped by oRTP's meta transports) for the
 *  session of @p l; the session owns them. Context: init (allocates). */
void rtpleg_net_transports(struct rtpleg *l, RtpTransport **rtp,
			   RtpTransport **rtcp)
{
	tp_init(&l->tp_rtp, l, false);
	tp_init(&l->tp_rtcp, l, true);
	*rtp = meta_rtp_transport_new(&l->tp_rtp.tr, 0);
	*rtcp = meta_rtcp_transport_new(&l->tp_rtcp.tr, 0);
}

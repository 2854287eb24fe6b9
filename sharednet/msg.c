// SPDX-License-Identifier: MIT
/** @file msg.c  Channel 4 messages: check, build, name */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "hal/tdm.h"
#include "sharednet/msg.h"

#define DTMF_DIGITS "0123456789*#ABCD"
#define MAX_SRTP 2	/* enum srtpctx_suite's last */

/* a leg's and a line message's span and line are uint8_t */
_Static_assert(TDM_MAX_SPANS <= 256 && TDM_MAX_CHANS <= 256, "uint8_t");
#define MAX_DURATION_MS 10000

static const char *const names[] = {
	[MSG_CHAN_OPEN] = "chan-open", [MSG_CHAN_MODIFY] = "chan-modify",
	[MSG_CHAN_CLOSE] = "chan-close", [MSG_CHAN_DTMF] = "chan-dtmf",
	[MSG_CHAN_TONE] = "chan-tone", [MSG_LINE_CMD] = "line-cmd",
	[MSG_LINE_TONE] = "line-tone",
	[MSG_RESULT] = "result", [MSG_DTMF_EVENT] = "dtmf-event",
	[MSG_LINE_EVENT] = "line-event", [MSG_CHAN_STATS] = "chan-stats",
	[MSG_VBD_EVENT] = "vbd-event",
};

/** Name of a message type, "?" when unknown. */
const char *msg_type_name(unsigned type)
{
	return type < MSG_TYPE_MAX && names[type] ? names[type] : "?";
}

/** Zero @p m and fill its header. */
void msg_init(struct gwmsg *m, enum msg_type type, uint32_t chan)
{
	memset(m, 0, sizeof(*m));
	m->h.version = MSG_VERSION;
	m->h.type = (uint16_t)type;
	m->h.chan = chan;
}

static int check_leg(const struct msg_leg *l)
{
	switch (l->kind) {
	case MSG_LEG_NONE:
		return 0;
	case MSG_LEG_TDM:
		return l->span < TDM_MAX_SPANS && l->line < TDM_MAX_CHANS &&
		       l->ec_tail_ms <= 256 && l->dtmf_detect <= 1 &&
		       l->vbd_detect <= 1 ? 0 :
		       -EBADMSG;
	case MSG_LEG_RTP:
		if (l->codec >= MSG_CODECS || l->pt > 127 || l->dtmf_pt > 127 ||
		    !l->ptime_ms || l->ptime_ms > 60 || l->ptime_ms % 10 ||
		    l->dir > MSG_DIR_INACTIVE || !l->local_port ||
		    (l->local_port & 1) || !l->remote_port ||
		    l->jb_min_ms > l->jb_max_ms || l->jb_max_ms > 1000 ||
		    l->vad > 1 || l->srtp > MAX_SRTP || l->latch > 1)
			return -EBADMSG;
		return 0;
	case MSG_LEG_T38:
		return l->local_port && !(l->local_port & 1) &&
		       l->remote_ip && l->remote_port &&
		       l->redundancy <= 4 && l->latch <= 1 ? 0 : -EBADMSG;
	default:
		return -EBADMSG;
	}
}

static bool is_digit(char c)
{
	return c && strchr(DTMF_DIGITS, c);
}

/** Check a record read from channel 4 and copy it into @p out.
 *  @return 0; -EPROTO another size or version; -EBADMSG an unknown type or
 *  a field out of range */
int msg_check(const void *rec, size_t len, struct gwmsg *out)
{
	struct gwmsg m;

	if (len != MSG_SIZE && len != sizeof(m))
		return -EPROTO;
	memcpy(&m, rec, sizeof(m));
	if (m.h.version != MSG_VERSION)
		return -EPROTO;
	switch (m.h.type) {
	case MSG_CHAN_OPEN:
	case MSG_CHAN_MODIFY:
		if (!m.h.chan || check_leg(&m.u.open.a) ||
		    check_leg(&m.u.open.b) ||
		    (m.u.open.a.kind == MSG_LEG_NONE &&
		     m.u.open.b.kind != MSG_LEG_NONE))
			return -EBADMSG;
		break;
	case MSG_CHAN_CLOSE:
		if (!m.h.chan)
			return -EBADMSG;
		break;
	case MSG_CHAN_DTMF:
	case MSG_DTMF_EVENT:
		if (!m.h.chan || m.u.dtmf.leg > 1 || !is_digit(m.u.dtmf.digit) ||
		    m.u.dtmf.duration_ms > MAX_DURATION_MS)
			return -EBADMSG;
		break;
	case MSG_CHAN_TONE:
		if (!m.h.chan || m.u.tone.leg > 1 ||
		    m.u.tone.tone > MSG_TONE_CONGESTION ||
		    memchr(m.u.tone.country, 0, sizeof(m.u.tone.country)) ==
		    NULL)
			return -EBADMSG;
		break;
	case MSG_LINE_CMD:
	case MSG_LINE_TONE:
	case MSG_LINE_EVENT:
		if (m.u.line.span >= TDM_MAX_SPANS ||
		    m.u.line.line >= TDM_MAX_CHANS ||
		    m.u.line.what > (m.h.type == MSG_LINE_TONE ?
				     MSG_TONE_CONGESTION : 7))
			return -EBADMSG;
		break;
	case MSG_VBD_EVENT:
		if (!m.h.chan || m.u.vbd.leg > 1 || m.u.vbd.to_line > 1 ||
		    m.u.vbd.tone < MSG_VBD_ANS || m.u.vbd.tone > MSG_VBD_ANS_PR)
			return -EBADMSG;
		break;
	case MSG_RESULT:
	case MSG_CHAN_STATS:
		break;
	default:
		return -EBADMSG;
	}
	*out = m;
	return 0;
}

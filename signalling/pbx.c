// SPDX-License-Identifier: MIT
/** @file pbx.c  Calls: routing, media in the RT partition, call records */
#define LOG_MODULE "pbx"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hal/tdm.h"
#include "rtos-kernel/log.h"
#include "rtos-kernel/rtk.h"
#include "signalling/pbx_priv.h"
#include "signalling/recsync.h"

#define CLOSE_WAIT_MS	3000	/* for the RT side's answer to a close */

struct pbx pbx;

/** Monotonic seconds: registrations, blocking, RTP timeouts. */
uint64_t now_s(void)
{
	return rtk_now_ns() / 1000000000u;
}

/* --- calls ------------------------------------------------------------------ */

static void leg_reset(struct call *c, struct leg *l)
{
	memset(l, 0, sizeof(*l));
	l->call = c;
	l->span = l->line = -1;
	l->te_pt = -1;
	snprintf(l->party.kind, sizeof(l->party.kind), "unknown");
}

/** The table of @p n calls, taken at start (-ENOMEM). */
int calls_init(unsigned n)
{
	pbx.call = calloc(n, sizeof(*pbx.call));
	pbx.ncalls = pbx.call ? n : 0;
	return pbx.call ? 0 : -ENOMEM;
}

void calls_free(void)
{
	free(pbx.call);
	pbx.call = NULL;
	pbx.ncalls = 0;
}

/** A new call, or NULL when the table is full (answer 503). Its id is the
 *  next whose slot (id % ncalls) is free: ids grow, a lookup is one slot. */
struct call *call_new(void)
{
	for (unsigned k = 0; k < pbx.ncalls; k++) {
		struct call *c;
		uint32_t id = ++pbx.next_id;

		if (!id)
			id = ++pbx.next_id;
		c = &pbx.call[id % pbx.ncalls];
		if (c->used)
			continue;
		memset(c, 0, sizeof(*c));
		c->timer = su_timer_create(su_root_task(pbx.root), 0);
		if (!c->timer)
			return NULL;
		c->used = true;
		c->id = id;
		callrec_new_id(c->rec_id, sizeof(c->rec_id));
		leg_reset(c, &c->a);
		leg_reset(c, &c->b);
		for (unsigned f = 0; f < PBX_FORKS - 1; f++)
			leg_reset(c, &c->fork[f]);
		c->start_us = rtk_wall_us();
		pbx.st.calls++;
		return c;
	}
	return NULL;
}

struct call *call_by_id(uint32_t id)
{
	struct call *c;

	if (!pbx.ncalls)
		return NULL;
	c = &pbx.call[id % pbx.ncalls];
	return c->used && c->id == id ? c : NULL;
}

/** The call holding TDM line @p span/@p line, or NULL. */
struct call *call_by_line(int span, int line)
{
	for (unsigned i = 0; i < pbx.ncalls; i++) {
		struct call *c = &pbx.call[i];

		if (!c->used)
			continue;
		if ((c->a.span == span && c->a.line == line) ||
		    (c->b.span == span && c->b.line == line))
			return c;
	}
	return NULL;
}

/* --- timers -------------------------------------------------------------------- */

/* One timer per call, created with it: setting it again from its own
 * callback is safe, as destroying it there would not be. */
void timer_stop(struct call *c)
{
	if (c->timer)
		su_timer_reset(c->timer);
}

void timer_set(struct call *c, unsigned ms, su_timer_f fn)
{
	if (c->timer)
		su_timer_set_interval(c->timer, fn, (su_timer_arg_t *)c, ms);
}

/* --- RTP ports ------------------------------------------------------------------ */

/** An even RT port for one RTP leg (RTCP on the next), 0 when all are in
 *  use. */
uint16_t port_alloc(void)
{
	unsigned pairs = (unsigned)(pbx.cfg->sip.rtp_port_max -
				    pbx.cfg->sip.rtp_port_min + 1) / 2;
	static unsigned next;

	for (unsigned k = 0; k < pairs; k++) {
		unsigned i = (next + k) % pairs;

		if (!pbx.port_used[i]) {
			pbx.port_used[i] = 1;
			next = i + 1;
			return (uint16_t)(pbx.cfg->sip.rtp_port_min + 2 * i);
		}
	}
	return 0;
}

void port_free(uint16_t port)
{
	if (port)
		pbx.port_used[(port - pbx.cfg->sip.rtp_port_min) / 2] = 0;
}

/* --- media: requests on channel 4 ------------------------------------------------- */

static int send_msg(struct gwmsg *m)
{
	uint8_t rec[MSG_SIZE] = { 0 };
	int err;

	m->h.seq = ++pbx.next_seq;
	memcpy(rec, m, sizeof(*m));
	err = bus_linux_send(pbx.bus, BUS_CH_MSG_DOWN, rec, MSG_SIZE);
	if (err) {
		pbx.st.bus_errors++;
		LOG_ERR("channel 4: %s not sent: %s", msg_type_name(m->h.type),
			strerror(-err));
	}
	return err;
}

/** The packet time of SIP leg @p l: the peer's a=ptime when the RT side
 *  can do it (10..60 ms in 10 ms steps; GSM in 20 ms steps), else 20. The
 *  answer to the peer says the same. */
unsigned leg_ptime(const struct leg *l)
{
	unsigned p = l->sdp.ptime_ms;

	if (p < 10 || p > 60 || p % 10 || (l->codec == CODEC_GSM && p % 20))
		return 20;
	return p;
}

static void fill_leg(const struct leg *l, struct msg_leg *m)
{
	static const uint8_t dirs[] = {
		[SDPX_SENDRECV] = MSG_DIR_SENDRECV,
		[SDPX_SENDONLY] = MSG_DIR_SENDONLY,
		[SDPX_RECVONLY] = MSG_DIR_RECVONLY,
		[SDPX_INACTIVE] = MSG_DIR_INACTIVE,
	};

	memset(m, 0, sizeof(*m));
	if (l->type == LEG_TDM) {
		m->kind = MSG_LEG_TDM;
		m->span = (uint8_t)l->span;
		m->line = (uint8_t)l->line;
		m->ec_tail_ms = 64;
		m->dtmf_detect = 1;
		m->vbd_detect = 1;
	} else if (l->type == LEG_SIP && l->have_sdp && l->port &&
		   l->sdp.t38) {
		m->kind = MSG_LEG_T38;	/* a fax adapter moved to T.38 */
		m->local_port = l->port;
		m->remote_ip = l->sdp.ip;
		m->remote_port = l->sdp.port;
		m->redundancy = l->sdp.t38_red;
		m->latch = pbx.cfg->sip.symmetric_rtp;	/* NAT */
	} else if (l->type == LEG_SIP && l->have_sdp && l->port) {
		m->kind = MSG_LEG_RTP;
		m->codec = (uint8_t)l->codec;
		m->pt = l->pt;
		m->dtmf_pt = l->te_pt >= 0 ? (uint8_t)l->te_pt : 0;
		m->ptime_ms = (uint8_t)leg_ptime(l);
		m->dir = dirs[l->dir];
		m->local_port = l->port;
		m->remote_ip = l->sdp.ip;
		m->remote_port = l->sdp.port ? l->sdp.port : 9;
		m->vad = pbx.cfg->media.vad &&
			 sdpx_cn_agreed(&l->sdp, l->pt, l->call->data);
		m->latch = pbx.cfg->sip.symmetric_rtp;	/* NAT */
		if (l->sdp.srtp && l->srtp_keyed) {	/* SDES agreed */
			m->srtp = l->sdp.srtp;
			memcpy(m->srtp_tx_key, l->srtp_key, MSG_KEY_LEN);
			memcpy(m->srtp_rx_key, l->sdp.srtp_key, MSG_KEY_LEN);
		}
	}
}

static int chan_request(struct call *c, enum msg_type type)
{
	struct gwmsg m;
	int err;

	msg_init(&m, type, c->id);
	fill_leg(&c->a, &m.u.open.a);
	fill_leg(&c->b, &m.u.open.b);
	if (m.u.open.a.kind == MSG_LEG_NONE) {	/* a channel needs leg a */
		m.u.open.a = m.u.open.b;
		memset(&m.u.open.b, 0, sizeof(m.u.open.b));
	}
	err = send_msg(&m);
	if (type == MSG_CHAN_OPEN)
		c->open_seq = m.h.seq;
	return err;
}

/** Open the call's channel with the legs known so far. */
int media_open(struct call *c)
{
	int err;

	if (c->chan_open)
		return media_modify(c);
	err = chan_request(c, MSG_CHAN_OPEN);
	if (!err)
		c->chan_open = true;
	return err;
}

/** Give the channel the legs as they are now (answer, hold, resume). */
int media_modify(struct call *c)
{
	return c->chan_open ? chan_request(c, MSG_CHAN_MODIFY) : media_open(c);
}

/** The RT partition restarted and has no channel: open @p c's again, as
 *  it is now, with the tone that was playing. @return 1 asked, 0 nothing
 *  to open (no channel, or closing), or a negative errno (the bus) */
int media_reopen(struct call *c)
{
	int err;

	if (!c->used || !c->chan_open || c->state == CALL_CLOSING)
		return 0;
	/* the old channel's figures, as last seen, stay in the record */
	for (unsigned i = 0; i < 2; i++) {
		callrec_leg_add(&c->figs[i].before, &c->figs[i].now);
		c->figs[i].now = (struct callrec_leg){ 0 };
	}
	err = chan_request(c, MSG_CHAN_OPEN);
	if (err)
		return err;
	if (c->tone != MSG_TONE_STOP)
		media_tone(c, c->tone_leg, c->tone);
	return 1;
}

/* which channel leg carries call leg a (leg b moves to a when a has none) */
static unsigned chan_leg(const struct call *c, unsigned leg)
{
	return leg == 1 && c->a.type == LEG_NONE ? 0 : leg;
}

void media_tone(struct call *c, unsigned leg, unsigned tone)
{
	struct gwmsg m;

	if (!c->chan_open)
		return;
	msg_init(&m, MSG_CHAN_TONE, c->id);
	m.u.tone.leg = (uint8_t)chan_leg(c, leg);
	m.u.tone.tone = (uint8_t)tone;
	snprintf(m.u.tone.country, sizeof(m.u.tone.country), "%.3s",
		 pbx.cfg->media.country);
	c->tone = (uint8_t)tone;
	c->tone_leg = (uint8_t)leg;
	send_msg(&m);
}

void media_dtmf(struct call *c, unsigned leg, char digit, unsigned ms)
{
	struct gwmsg m;

	if (!c->chan_open)
		return;
	msg_init(&m, MSG_CHAN_DTMF, c->id);
	m.u.dtmf.leg = (uint8_t)chan_leg(c, leg);
	m.u.dtmf.digit = digit;
	m.u.dtmf.duration_ms = (uint16_t)ms;
	send_msg(&m);
}

static void line_msg(enum msg_type type, int span, int line, unsigned what)
{
	struct gwmsg m;

	msg_init(&m, type, 0);
	m.u.line.span = (uint8_t)span;
	m.u.line.line = (uint8_t)line;
	m.u.line.what = (uint16_t)what;
	send_msg(&m);
}

/** Command @p cmd (enum tdm_cmd) to TDM line @p span/@p line. */
void line_cmd(int span, int line, unsigned cmd)
{
	line_msg(MSG_LINE_CMD, span, line, cmd);
}

/** Tone @p tone (enum msg_tone) on TDM line @p span/@p line while no
 *  channel holds it (MSG_TONE_STOP: stop). */
void line_tone(int span, int line, unsigned tone)
{
	line_msg(MSG_LINE_TONE, span, line, tone);
}

/* --- the end of a call -------------------------------------------------------------- */

/* store record @p r of call @p id (0: none) in the spool */
static void record_store(const struct callrec *r, uint32_t id)
{
	int err = callrec_write(pbx.records_dir, r);

	if (err) {
		pbx.st.records_failed++;
		LOG_ERR("call %s: record not stored in %s: %s", r->id,
			pbx.records_dir, strerror(-err));
	} else {
		recsync_kick();		/* to the disk soon, in the background */
	}
	LOG_INFO("call %u %s -> %s: %s (%d)", id, r->caller, r->callee,
		 callrec_disp_name(r->disposition), r->cause);
}

static void write_record(struct call *c)
{
	struct callrec *r = &c->rec;
	const struct leg *rtp = c->a.type == LEG_SIP ? &c->a :
				c->b.type == LEG_SIP ? &c->b : NULL;

	r->nlegs = 0;
	for (unsigned i = 0; i < 2; i++) {
		struct callrec_leg *l = &r->leg[r->nlegs];

		if (!c->figs[i].rtp)
			continue;
		*l = c->figs[i].now;
		callrec_leg_add(l, &c->figs[i].before);
		r->nlegs++;
	}

	snprintf(r->id, sizeof(r->id), "%s", c->rec_id);
	snprintf(r->caller, sizeof(r->caller), "%s", c->a.number);
	snprintf(r->callee, sizeof(r->callee), "%s", c->digits[0] ?
		 c->digits : c->b.number);
	r->from = c->a.party;
	r->to = c->b.party;
	r->start_us = c->start_us;
	r->answer_us = c->answer_us;
	r->end_us = c->end_us;
	r->disposition = c->disp;
	r->cause = c->cause;
	snprintf(r->cause_text, sizeof(r->cause_text), "%s", c->cause_text);
	/* a fax that went over to T.38 says so */
	snprintf(r->codec, sizeof(r->codec), "%s",
		 !rtp || !rtp->have_sdp || !rtp->port ? "" :
		 rtp->sdp.t38 ? "T38" : codec_info(rtp->codec)->name);
	record_store(r, c->id);
}

/** A call the table had no room for (503): counted, and its record
 *  written as congestion. */
void call_refused(const char *caller, const char *callee,
		  const struct callrec_party *from)
{
	struct callrec r = { .disposition = CALLREC_CONGESTION, .cause = 503 };

	pbx.st.calls_refused++;
	callrec_new_id(r.id, sizeof(r.id));
	snprintf(r.caller, sizeof(r.caller), "%s", caller);
	snprintf(r.callee, sizeof(r.callee), "%s", callee);
	r.from = *from;
	snprintf(r.to.kind, sizeof(r.to.kind), "unknown");
	r.start_us = r.end_us = rtk_wall_us();
	snprintf(r.cause_text, sizeof(r.cause_text),
		 "Too Many Calls (%u up)", pbx.ncalls);
	record_store(&r, 0);
}

static void call_free(struct call *c)
{
	su_timer_destroy(c->timer);
	c->timer = NULL;
	port_free(c->a.port);
	port_free(c->b.port);
	if (c->a.nh)
		nua_handle_destroy(c->a.nh);
	if (c->b.nh)
		nua_handle_destroy(c->b.nh);
	for (unsigned f = 0; f < PBX_FORKS - 1; f++)
		if (c->fork[f].nh)
			nua_handle_destroy(c->fork[f].nh);
	c->used = false;
}

static void call_finish(struct call *c)
{
	write_record(c);
	pbx_event(c, "end");
	call_free(c);
}

/* the RT partition did not answer the close (restarting?): the record
 * goes without the media figures rather than never */
static void close_timeout(su_root_magic_t *m, su_timer_t *t,
			  su_timer_arg_t *arg)
{
	struct call *c = (struct call *)arg;

	(void)m;
	(void)t;
	LOG_WARN("call %u: no answer from the RT partition to the channel's "
		 "close in %d ms: record written with the media figures last "
		 "seen", c->id, CLOSE_WAIT_MS);
	call_finish(c);
}

/** End @p c: hang up what is still up, close the channel, and write the
 *  call record once the channel's last figures are in. The first end
 *  decides the disposition; later calls do nothing. */
void call_end(struct call *c, enum callrec_disp disp, int cause,
	      const char *text)
{
	struct gwmsg m;

	if (!c->used || c->state == CALL_CLOSING)
		return;
	c->state = CALL_CLOSING;
	c->disp = c->answer_us ? CALLREC_ANSWERED : disp;
	c->cause = cause;
	snprintf(c->cause_text, sizeof(c->cause_text), "%s", text);
	c->end_us = rtk_wall_us();
	for (int i = 0; i < 2; i++) {
		struct leg *l = i ? &c->b : &c->a;

		if (l->type == LEG_SIP)
			sip_hangup(l);
		else if (l->type == LEG_TDM)
			tdm_hangup(l);
	}
	sip_forks_hangup(c);
	if (!c->chan_open) {
		call_finish(c);
		return;
	}
	msg_init(&m, MSG_CHAN_CLOSE, c->id);
	if (send_msg(&m)) {
		call_finish(c);
		return;
	}
	c->close_seq = m.h.seq;
	c->chan_open = false;
	timer_set(c, CLOSE_WAIT_MS, close_timeout);
}

/** End every call (the engine stops): the records of calls whose channel
 *  does not answer its close within @p wait_ms are written with the media
 *  figures last seen on the status page. @p poll takes channel 4's
 *  messages meanwhile. */
void call_end_all(unsigned wait_ms, void (*poll)(void))
{
	struct timespec pause = { 0, 10 * 1000 * 1000 };
	bool left = false;

	for (unsigned i = 0; i < pbx.ncalls; i++)
		if (pbx.call[i].used)
			call_end(&pbx.call[i], CALLREC_FAILED, 503,
				 "Gateway Shutting Down");
	for (unsigned t = 0; t <= wait_ms; t += 10) {
		poll();
		left = false;
		for (unsigned i = 0; i < pbx.ncalls; i++)
			left |= pbx.call[i].used;
		if (!left)
			return;
		nanosleep(&pause, NULL);
	}
	for (unsigned i = 0; i < pbx.ncalls; i++)
		if (pbx.call[i].used)
			call_finish(&pbx.call[i]);
}

/** The callee answered: the caller is answered and the channel joins
 *  both legs as they are now. */
void call_connect(struct call *c)
{
	c->state = CALL_ANSWERED;
	c->answer_us = rtk_wall_us();
	pbx.st.answered++;
	timer_stop(c);
	pbx_event(c, "answer");
	if (c->a.type == LEG_TDM) {
		media_tone(c, 0, MSG_TONE_STOP);
		tdm_answer(&c->a);
	}
	media_open(c);
	sip_answer(c);
}

/* --- routing -------------------------------------------------------------------------- */

static void set_party(struct leg *l, const char *kind, const char *name)
{
	snprintf(l->party.kind, sizeof(l->party.kind), "%s", kind);
	snprintf(l->party.name, sizeof(l->party.name), "%s", name);
}

/** The callee did not answer in [sip] no_answer_s (a timer's callback). */
void call_no_answer(su_root_magic_t *m, su_timer_t *t, su_timer_arg_t *arg)
{
	struct call *c = (struct call *)arg;

	(void)m;
	(void)t;
	/* a fork said busy (or better) before: that, rather than 480 */
	if (fork_best(c->fork_status, 480) != 480) {
		call_fail(c, c->fork_status, c->fork_phrase,
			  c->fork_status == 486 || c->fork_status >= 600 ?
			  CALLREC_BUSY : CALLREC_FAILED);
		return;
	}
	if (c->a.type == LEG_SIP)
		sip_fail(c, 480, "No Answer");
	call_end(c, CALLREC_NO_ANSWER, 480, "No Answer");
}

/** The call cannot go on: a SIP caller gets @p status; an analog caller
 *  hears busy or congestion tone until it hangs up (then the call ends
 *  with what is recorded here); anything else ends now. */
void call_fail(struct call *c, int status, const char *phrase,
	       enum callrec_disp disp)
{
	if (c->a.type == LEG_SIP)
		sip_fail(c, status, phrase);
	else if (c->chan_open)
		media_tone(c, 0, disp == CALLREC_BUSY ? MSG_TONE_BUSY :
			   MSG_TONE_CONGESTION);
	if (c->a.type == LEG_TDM && c->a.fxs && c->chan_open) {
		timer_stop(c);
		c->failed = true;
		c->disp = disp;
		c->cause = status;
		snprintf(c->cause_text, sizeof(c->cause_text), "%s", phrase);
		c->state = CALL_PROCEEDING;
		return;
	}
	call_end(c, disp, status, phrase);
}

/* the next hop for a call to a registered contact: where its REGISTER
 * came from when a NAT is between ([sip] force_rport), else NULL */
static const char *contact_hop(const struct loc_contact *ct, char *hop,
			       size_t len)
{
	return pbx.cfg->sip.force_rport ?
	       loc_nat_hop(ct->uri, ct->received, hop, len) : NULL;
}

/* ring the callee's other contacts too (parallel forking): each fork
 * sends leg b's offer */
static void route_forks(struct call *c, const struct loc_contact *ct,
			size_t n)
{
	char hop[LOC_HOP];

	for (size_t i = 1; i < n && i < PBX_FORKS; i++) {
		struct leg *f = &c->fork[i - 1];

		f->fork = true;
		f->party = c->b.party;
		snprintf(f->number, sizeof(f->number), "%s", c->b.number);
		if (sip_call_out(c, f, ct[i].uri,
				 contact_hop(&ct[i], hop, sizeof(hop)))) {
			LOG_WARN("call %u: cannot call %s too", c->id,
				 ct[i].uri);
			f->type = LEG_NONE;
		}
	}
}

static void route_extension(struct call *c, const struct cfg_extension *e)
{
	struct loc_contact ct[LOC_CONTACTS];
	char hop[LOC_HOP];
	size_t n;

	set_party(&c->b, e->kind == CFG_EXT_FXS ? "fxs" : "ext", e->number);
	snprintf(c->b.number, sizeof(c->b.number), "%s", e->number);
	if (e->kind == CFG_EXT_FXS) {
		int span, line;

		if (sscanf(e->line, "%d/%d", &span, &line) != 2) {
			call_fail(c, 500, "Bad FXS line", CALLREC_FAILED);
			return;
		}
		if (call_by_line(span, line)) {
			call_fail(c, 486, "Busy Here", CALLREC_BUSY);
			return;
		}
		c->b.type = LEG_TDM;
		c->b.span = span;
		c->b.line = line;
		c->b.fxs = true;
		line_cmd(span, line, TDM_CMD_RING_ON);
		c->state = CALL_RINGING;
		if (c->a.type == LEG_SIP)
			sip_progress(c, 180, "Ringing", false);
		else
			media_tone(c, 0, MSG_TONE_RINGBACK);
		timer_set(c, (unsigned)pbx.cfg->sip.no_answer_s * 1000,
			  call_no_answer);
		return;
	}
	n = loc_lookup(pbx.loc, e->number, now_s(), ct, LOC_CONTACTS);
	if (!n) {
		call_fail(c, 480, "Temporarily Unavailable",
			   CALLREC_FAILED);
		return;
	}
	if (sip_call_out(c, &c->b, ct[0].uri,
			 contact_hop(&ct[0], hop, sizeof(hop)))) {
		call_fail(c, 503, "Service Unavailable", CALLREC_CONGESTION);
		return;
	}
	route_forks(c, ct, n);
	timer_set(c, (unsigned)pbx.cfg->sip.no_answer_s * 1000, call_no_answer);
}

static void route_trunk(struct call *c, const struct dp_result *r)
{
	char uri[CFG_TEXT_SIZE + CFG_NUMBER_SIZE + 8];

	set_party(&c->b, "trunk", r->trunk->name);
	snprintf(c->b.number, sizeof(c->b.number), "%s", r->number);
	if (r->trunk->kind == CFG_TRUNK_SIP) {
		snprintf(uri, sizeof(uri), "sip:%s@%s", r->number,
			 r->trunk->host);
		if (sip_call_out(c, &c->b, uri, NULL))
			call_fail(c, 503, "Service Unavailable",
				   CALLREC_CONGESTION);
		else
			timer_set(c, (unsigned)pbx.cfg->sip.no_answer_s * 1000,
				  call_no_answer);
		return;
	}
	if (tdm_trunk_line(r->trunk, &c->b.span, &c->b.line)) {
		call_fail(c, 503, "All Lines Busy", CALLREC_CONGESTION);
		return;
	}
	c->b.type = LEG_TDM;
	if (tdm_call_out(c, &c->b, r->number))	/* its timers: dial, answer */
		call_fail(c, 503, "Service Unavailable", CALLREC_CONGESTION);
}

/** Send @p c to the callee @p number (as dialled by its caller). */
void call_route(struct call *c, const char *number)
{
	struct dp_result r;

	dp_route(pbx.cfg, number, &r);
	if (!c->digits[0])	/* the callee of the record: as dialled */
		snprintf(c->digits, sizeof(c->digits), "%s", number);
	snprintf(c->b.number, sizeof(c->b.number), "%s", number);
	pbx_event(c, "start");
	switch (r.kind) {
	case DP_EXTENSION:
		if (!strcmp(r.ext->number, c->a.number)) {
			call_fail(c, 486, "Busy Here", CALLREC_BUSY);
			return;
		}
		route_extension(c, r.ext);
		return;
	case DP_TRUNK:
		route_trunk(c, &r);
		return;
	case DP_INCOMPLETE:
		call_fail(c, 484, "Address Incomplete", CALLREC_FAILED);
		return;
	default:
		call_fail(c, 404, "Not Found", CALLREC_FAILED);
	}
}

/* --- channel 4, RT -> Linux -------------------------------------------------------- */

/* the final figures of one of the channel's RTP legs, at its close */
static void chan_stats(struct call *c, const struct gwmsg *m)
{
	struct leg_figs *f;
	struct callrec_leg *l;

	if (m->u.stats.leg >= 2)
		return;
	f = &c->figs[m->u.stats.leg];
	f->rtp = true;
	l = &f->now;
	l->packets_rx = m->u.stats.rx_packets;
	l->packets_tx = m->u.stats.tx_packets;
	l->lost = m->u.stats.lost;
	l->late = m->u.stats.late;
	l->jitter_ms = m->u.stats.jitter_us / 1000.0;
	l->mos = m->u.stats.mos_x100 / 100.0;
}

/** A message the RT partition sent up. */
void pbx_msg_up(const struct gwmsg *m)
{
	struct call *c = m->h.chan ? call_by_id(m->h.chan) : NULL;

	switch (m->h.type) {
	case MSG_LINE_EVENT:
		tdm_line_event(m->u.line.span, m->u.line.line, m->u.line.what);
		break;
	case MSG_DTMF_EVENT:
		if (c)
			tdm_digit(c, m->u.dtmf.leg, m->u.dtmf.digit);
		break;
	case MSG_VBD_EVENT:
		if (!c)
			break;
		LOG_INFO("call %u: a %s answer tone on leg %c, %s the line: "
			 "a data call%s", c->id, m->u.vbd.tone ==
			 MSG_VBD_ANS_PR ? "modem's" : "fax's or modem's",
			 "ab"[m->u.vbd.leg & 1],
			 m->u.vbd.to_line ? "to" : "from",
			 m->u.vbd.tone == MSG_VBD_ANS_PR ?
			 ", echo cancellers off" : "");
		sip_data_call(c, m->u.vbd.tone == MSG_VBD_ANS);
		break;
	case MSG_CHAN_STATS:
		if (c)
			chan_stats(c, m);
		break;
	case MSG_RESULT:
		if (c && c->state == CALL_CLOSING &&
		    m->u.result.req_seq == c->close_seq) {
			call_finish(c);
		} else if (c && m->u.result.err == -ENOENT && c->chan_open &&
			   m->u.result.req_seq != c->open_seq) {
			/* no such channel: the RT partition restarted and the
			 * watch (pbx_watch.c) has not seen it yet */
			LOG_INFO("call %u: the RT partition has no channel for "
				 "it (restarted?): opening it again", c->id);
			media_reopen(c);
		} else if (c && m->u.result.err) {
			LOG_WARN("call %u: the RT partition refused a request: "
				 "%s", c->id, strerror(-m->u.result.err));
			if (m->u.result.err != -EEXIST) {
				c->chan_open = false;
				if (c->a.type == LEG_SIP && !c->answer_us)
					sip_fail(c, 503, "No Media");
				call_end(c, CALLREC_FAILED, 503, "No Media");
			}
		}
		break;
	default:
		break;
	}
}

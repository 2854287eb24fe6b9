// SPDX-License-Identifier: MIT
/** @file webapi_pbx.c  The REST API: extensions, trunks, routes, DIDs,
 *  the card's lines, live calls and CDRs */
#define LOG_MODULE "webapi"
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/ctl.h"
#include "hal/tdm.h"
#include "linux-side/rtview.h"
#include "linux-side/web/webapi.h"
#include "linux-side/web/webcdr.h"
#include "linux-side/web/webcfg.h"
#include "media/codec.h"
#include "media/srtpctx.h"
#include "rtos-kernel/log.h"
#include "sharednet/msg.h"

static struct rtstat st;	/* large: one copy, one thread */

/* ---- provisioning ------------------------------------------------------- */

/* the registrations of each extension, from sipd's status */
static void add_registrations(struct webd *w, json_t *list)
{
	char why[256];
	json_t *s = webapi_sipd(w, "status", why, sizeof(why));
	json_t *regs = s ? json_object_get(s, "registrations") : NULL;
	size_t i, j;

	for (i = 0; i < json_array_size(list); i++) {
		json_t *x = json_array_get(list, i), *contacts = json_array();
		const char *num = json_string_value(json_object_get(x,
								    "number"));

		for (j = 0; num && j < json_array_size(regs); j++) {
			json_t *r = json_array_get(regs, j);
			const char *e = json_string_value(
				json_object_get(r, "extension"));

			if (e && !strcmp(e, num))
				json_array_append(contacts, r);
		}
		json_object_set_new(x, "registered",
				    json_boolean(json_array_size(contacts)));
		json_object_set_new(x, "contacts", contacts);
	}
	json_decref(s);
}

/* the registration state of each SIP trunk, from sipd's status */
static void add_trunk_state(struct webd *w, json_t *list)
{
	char why[256];
	json_t *s = webapi_sipd(w, "status", why, sizeof(why));
	json_t *trunks = s ? json_object_get(s, "trunks") : NULL;
	size_t i, j;

	for (i = 0; i < json_array_size(list); i++) {
		json_t *x = json_array_get(list, i);
		const char *name = json_string_value(json_object_get(x,
								     "name"));

		for (j = 0; name && j < json_array_size(trunks); j++) {
			json_t *t = json_array_get(trunks, j);
			const char *n = json_string_value(json_object_get(t,
									  "name"));

			if (n && !strcmp(n, name))
				json_object_set_new(x, "state", json_pack(
					"{s:O, s:O, s:O}", "registered",
					json_object_get(t, "registered"),
					"status", json_object_get(t, "status"),
					"phrase", json_object_get(t, "phrase")));
		}
	}
	json_decref(s);
}

/* what sipd knows of the instances of @p kind: registrations */
static void add_state(struct webd *w, const char *kind, json_t *list)
{
	if (!strcmp(kind, "extension"))
		add_registrations(w, list);
	else if (!strcmp(kind, "trunk"))
		add_trunk_state(w, list);
}

/* write @p c, then have sipd apply it; the answer says how that went */
static int save_and_apply(struct webd *w, const struct gw_config *base,
			  const struct gw_config *c, json_t *answer,
			  struct webreq_err *e)
{
	char reply[512];

	if (webcfg_write(w->local, base, c, e))
		return -1;
	*w->cfg = *c;
	if (!c->sip.enable) {
		json_object_set_new(answer, "applied", json_false());
		json_object_set_new(answer, "apply_message", json_string(
			"written; the SIP engine is off"));
		return 0;
	}
	webapi_sipd_text(w, "reload", reply, sizeof(reply));
	json_object_set_new(answer, "applied",
			    json_boolean(!strncmp(reply, "ok", 2)));
	json_object_set_new(answer, "apply_message", json_string(reply));
	if (strncmp(reply, "ok", 2))
		LOG_WARN("sipd reload: %s", reply);
	return 0;
}

/**
 * /api/extensions, /api/trunks, /api/routes, /api/dids: list, read,
 * create, change, remove instances of @p kind (@p name NULL: the
 * collection).
 */
void webapi_pbx(struct webd *w, const struct webapi_req *rq,
		struct webapi_resp *rs, const char *kind, const char *name)
{
	bool get = !strcmp(rq->method, "GET") || !strcmp(rq->method, "HEAD");
	bool post = !strcmp(rq->method, "POST");
	bool put = !strcmp(rq->method, "PUT");
	bool del = !strcmp(rq->method, "DELETE");
	struct gw_config *cur = NULL, *base, *c;
	struct webreq_err e;
	const char *what;
	json_t *o = NULL, *ans;
	int i;

	cfg_kind_info(kind, &what);
	if (!name ? !(get || post) : !(get || put || del)) {
		webapi_fail(rs, 405, "", "%s is not allowed here", rq->method);
		return;
	}
	cur = malloc(3 * sizeof(*cur));
	if (!cur) {
		webapi_fail(rs, 500, "", "out of memory");
		return;
	}
	base = cur + 1;
	c = cur + 2;
	if (webcfg_load(w->local, cur, get ? NULL : base, &e))
		goto fail;
	if (get && !name) {
		ans = webcfg_kind_json(cur, kind);
		add_state(w, kind, ans);
		webapi_json(rs, 200, ans);
		goto out;
	}
	i = name ? cfg_inst_find(cur, kind, name) : 0;
	if (name && i < 0) {
		webreq_fail(&e, 404, what, "there is no %s %.40s", kind, name);
		goto fail;
	}
	if (get) {
		ans = json_array();
		json_array_append_new(ans, webcfg_inst_json(cur, kind,
							     (unsigned)i));
		add_state(w, kind, ans);
		webapi_json(rs, 200, json_incref(json_array_get(ans, 0)));
		json_decref(ans);
		goto out;
	}
	*c = *cur;
	if (del) {
		cfg_inst_remove(c, kind, name);
		if (webcfg_validate(c, &e))
			goto fail;	/* something names it: 409 */
	} else {
		o = webreq_parse(rq->body, rq->len, &e);
		if (!o || webcfg_inst_apply(c, kind, name, o, post, &e))
			goto fail;
		if (webcfg_validate(c, &e)) {
			e.status = 400;
			goto fail;
		}
		if (post)
			name = cfg_inst_name(c, kind, cfg_inst_n(c, kind) - 1);
	}
	ans = del ? json_pack("{s:b}", "ok", 1) :
	      webcfg_inst_json(c, kind, (unsigned)cfg_inst_find(c, kind,
								 name));
	if (save_and_apply(w, base, c, ans, &e)) {
		json_decref(ans);
		goto fail;
	}
	LOG_INFO("%s %s %s", del ? "removed" : post ? "added" : "changed",
		 kind, name);
	webapi_json(rs, post ? 201 : 200, ans);
	goto out;

 fail:
	webapi_error(rs, &e);
 out:
	json_decref(o);
	free(cur);
}

/* ---- the card's lines --------------------------------------------------- */

static const char *owner_of(const struct gw_config *c, unsigned span,
			    unsigned line, char *buf, size_t size)
{
	struct cfg_tdm_lines l;
	unsigned int s, ln;

	for (unsigned i = 0; i < c->n_extensions; i++) {
		const struct cfg_extension *x = &c->extension[i];

		if (x->kind == CFG_EXT_FXS &&
		    !cfg_parse_tdm_line(x->line, &s, &ln, NULL, 0) &&
		    s == span && ln == line) {
			snprintf(buf, size, "extension %s", x->number);
			return buf;
		}
	}
	for (unsigned i = 0; i < c->n_trunks; i++) {
		const struct cfg_trunk *t = &c->trunk[i];

		if (t->kind != CFG_TRUNK_TDM ||
		    cfg_parse_tdm_lines(t->lines, &l, NULL, 0))
			continue;
		for (unsigned r = 0; r < l.n; r++)
			if (l.r[r].span == span && line >= l.r[r].first &&
			    line <= l.r[r].last) {
				snprintf(buf, size, "trunk %s", t->name);
				return buf;
			}
	}
	return "";
}

/* RT channel using each TDM line now (0: none), from status page @p st */
static void line_chans(const struct rtstat *page,
		       uint32_t (*of)[TDM_MAX_CHANS])
{
	for (uint32_t i = 0; i < page->nchans && i < RTSTAT_MAX_CHANS; i++)
		for (int k = 0; k < 2; k++) {
			const struct rtstat_leg *lg = &page->chan[i].leg[k];

			if (lg->kind == MSG_LEG_TDM &&
			    lg->span < TDM_MAX_SPANS &&
			    lg->line < TDM_MAX_CHANS && !of[lg->span][lg->line])
				of[lg->span][lg->line] = page->chan[i].id;
		}
}

static json_t *span_json(struct webd *w, const struct tdm_layout *l,
			 unsigned s, uint32_t (*chan_of)[TDM_MAX_CHANS])
{
	json_t *lines = json_array();
	char owner[64];

	for (unsigned ln = 0; ln < l->span[s].nchans; ln++) {
		uint32_t chan = chan_of[s][ln];

		json_array_append_new(lines, json_pack(
			"{s:i, s:s, s:s, s:i}", "line", (int)ln,
			"owner", owner_of(w->cfg, s, ln, owner, sizeof(owner)),
			"state", chan ? "in call" : "idle",
			"channel", (int)chan));
	}
	return json_pack("{s:i, s:s, s:o}", "span", (int)s,
			 "type", tdm_sig_name(l->span[s].sig), "lines", lines);
}

/** GET /api/tdm: the card's spans and lines, who owns each (an FXS
 *  extension, a trunk) and which carry a call now (RT channels). */
void webapi_tdm(struct webd *w, struct webapi_resp *rs)
{
	char why[512] = "";
	struct rtview *v = webapi_rtview(w, why, sizeof(why));
	bool have_rt = v && !rtview_read(v, &st, why, sizeof(why));
	static uint32_t chan_of[TDM_MAX_SPANS][TDM_MAX_CHANS];
	struct tdm_layout l;
	json_t *spans = json_array();

	memset(chan_of, 0, sizeof(chan_of));
	if (have_rt)
		line_chans(&st, chan_of);
	if (w->cfg->tdm.card == CFG_TDM_NONE ||
	    tdm_layout_parse(w->cfg->tdm.spans, &l, NULL, 0))
		l.nspans = 0;
	for (unsigned s = 0; s < l.nspans; s++)
		json_array_append_new(spans, span_json(w, &l, s, chan_of));
	webapi_json(rs, 200, json_pack("{s:s, s:s, s:o, s:s}", "card",
		w->cfg->tdm.card == CFG_TDM_VTDM ? "vtdm" :
		w->cfg->tdm.card == CFG_TDM_DAHDI ? "dahdi" : "none",
		"layout", w->cfg->tdm.spans, "spans", spans,
		"rt_error", have_rt ? "" : why));
}

/* ---- calls -------------------------------------------------------------- */

static json_t *leg_json(const struct rtstat_leg *l)
{
	const struct codec_info *ci;
	uint32_t got = l->rx_packets + l->lost;
	char ip[INET_ADDRSTRLEN + 6];

	if (l->kind == MSG_LEG_TDM && l->ec_tail_ms)	/* echo cancelled */
		return json_pack("{s:s, s:i, s:i, s:i, s:o, s:i}", "kind",
				 "tdm", "span", l->span, "line", l->line,
				 "ec_tail_ms", l->ec_tail_ms, "erle_db",
				 l->erle_valid ? json_real(l->erle_x10 / 10.0) :
						 json_null(),
				 "ec_idle_pct", l->ec_idle_pct);
	if (l->kind == MSG_LEG_TDM)
		return json_pack("{s:s, s:i, s:i}", "kind", "tdm", "span",
				 l->span, "line", l->line);
	if (l->kind == MSG_LEG_T38)	/* a fax through a T.38 gateway */
		return json_pack("{s:s, s:i, s:I, s:I, s:I, s:I, s:f, s:I, "
				 "s:I, s:i, s:i}", "kind", "t38",
				 "local_port", l->local_port,
				 "rx_packets", (json_int_t)l->rx_packets,
				 "tx_packets", (json_int_t)l->tx_packets,
				 "lost", (json_int_t)l->lost,
				 "recovered", (json_int_t)l->recovered,
				 "loss_pct", got ? 100.0 * l->lost / got : 0.0,
				 "late", (json_int_t)l->late,
				 "malformed", (json_int_t)l->malformed,
				 "pages", l->pages,
				 "rate_bps", l->rate_hbps * 100);
	if (l->kind != MSG_LEG_RTP)
		return json_pack("{s:s}", "kind", "none");
	ci = l->codec < CODEC_COUNT ? codec_info(l->codec) : NULL;
	if (l->latched_ip &&	/* where latching sends its RTP: IP:PORT */
	    inet_ntop(AF_INET, &l->latched_ip, ip, INET_ADDRSTRLEN))
		snprintf(ip + strlen(ip), sizeof(ip) - strlen(ip), ":%u",
			 l->latched_port);
	else
		ip[0] = '\0';
	return json_pack("{s:s, s:s, s:i, s:f, s:I, s:I, s:I, s:I, s:f, "
			 "s:f, s:I, s:I, s:I, s:s, s:I, s:I, s:I, s:I, s:o}",
			 "kind", "rtp",
			 "codec", ci ? ci->name : "?",
			 "local_port", l->local_port,
			 "jitter_ms", l->jitter_us / 1000.0,
			 "rx_packets", (json_int_t)l->rx_packets,
			 "tx_packets", (json_int_t)l->tx_packets,
			 "lost", (json_int_t)l->lost,
			 "late", (json_int_t)l->late,
			 "loss_pct", got ? 100.0 * l->lost / got : 0.0,
			 "mos", l->mos_x100 / 100.0,
			 "malformed", (json_int_t)l->malformed,
			 "wrong_ssrc", (json_int_t)l->wrong_ssrc,
			 "cn_tx", (json_int_t)l->cn_tx,
			 "srtp", srtpctx_suite_name(l->srtp),
			 "srtp_refused", (json_int_t)rtstat_leg_srtp_refused(l),
			 "srtp_auth_fail", (json_int_t)l->srtp_auth_fail,
			 "srtp_replay", (json_int_t)l->srtp_replay,
			 "srtp_errors", (json_int_t)l->srtp_errors,
			 "latched", ip[0] ? json_string(ip) : json_null());
}

/* a channel's media: its age, whether it is a data call (a fax or modem)
 * with its echo cancellers stopped, its two legs */
static json_t *media_json(const struct rtstat_chan *ch)
{
	return json_pack("{s:f, s:b, s:b, s:[o, o]}", "age_s",
			 ch->age_ms / 1000.0, "data", ch->data, "ec_off",
			 ch->ec_off, "legs", leg_json(&ch->leg[0]),
			 leg_json(&ch->leg[1]));
}

static const struct rtstat_chan *chan_of(uint32_t id, bool have_rt)
{
	for (uint32_t i = 0; have_rt && i < st.nchans &&
	     i < RTSTAT_MAX_CHANS; i++)
		if (st.chan[i].id == id)
			return &st.chan[i];
	return NULL;
}

static void list_calls(struct webd *w, struct webapi_resp *rs)
{
	char why[512] = "", swhy[512] = "";
	struct rtview *v = webapi_rtview(w, why, sizeof(why));
	bool have_rt = v && !rtview_read(v, &st, why, sizeof(why));
	json_t *s = w->cfg->sip.enable ?
		    webapi_sipd(w, "status", swhy, sizeof(swhy)) : NULL;
	json_t *calls = s ? json_incref(json_object_get(s, "calls")) :
			json_array();
	json_t *other = json_array(), *c, *m;
	size_t i;

	if (!calls)
		calls = json_array();
	json_array_foreach(calls, i, c) {
		const struct rtstat_chan *ch = chan_of(
			(uint32_t)json_integer_value(json_object_get(c, "id")),
			have_rt);

		json_object_set_new(c, "media", ch ? media_json(ch) :
				    json_null());
	}
	/* channels no call owns (opened by gwctl, tests) */
	for (uint32_t k = 0; have_rt && k < st.nchans &&
	     k < RTSTAT_MAX_CHANS; k++) {
		bool owned = false;

		json_array_foreach(calls, i, c)
			owned |= json_integer_value(json_object_get(c, "id"))
				 == st.chan[k].id;
		if (owned)
			continue;
		m = media_json(&st.chan[k]);
		json_object_set_new(m, "id", json_integer(st.chan[k].id));
		json_array_append_new(other, m);
	}
	webapi_json(rs, 200, json_pack("{s:o, s:o, s:s, s:s}", "calls",
				       calls, "channels", other, "sip_error",
				       s ? "" : w->cfg->sip.enable ? swhy :
				       "the SIP engine is off",
				       "rt_error", have_rt ? "" : why));
	json_decref(s);
}

/** GET /api/calls: live calls with their media; DELETE /api/calls/ID
 *  hangs call ID up. */
void webapi_calls(struct webd *w, const struct webapi_req *rq,
		  struct webapi_resp *rs, const char *id)
{
	char req[64], reply[256];
	char *end;
	unsigned long n;

	if (!id && (!strcmp(rq->method, "GET") ||
		    !strcmp(rq->method, "HEAD"))) {
		list_calls(w, rs);
		return;
	}
	if (!id || strcmp(rq->method, "DELETE")) {
		webapi_fail(rs, 405, "", "GET /api/calls or DELETE "
			    "/api/calls/ID");
		return;
	}
	n = strtoul(id, &end, 10);
	if (!*id || *end || n == 0 || n > UINT32_MAX || strlen(id) > 10) {
		webapi_fail(rs, 400, "id", "%.20s is not a call id", id);
		return;
	}
	snprintf(req, sizeof(req), "hangup %lu", n);
	if (webapi_sipd_text(w, req, reply, sizeof(reply))) {
		webapi_fail(rs, strncmp(reply, "error", 5) ? 503 : 404, "id",
			    "%s", reply);
		return;
	}
	LOG_INFO("call %lu hung up from the web UI", n);
	webapi_json(rs, 200, json_pack("{s:b, s:i}", "ok", 1, "id", (int)n));
}

/* ---- CDRs --------------------------------------------------------------- */

/* the record ids of @p cdrs, for the calls' delivery state */
static bool has_cdr(json_t *cdrs, const char *id)
{
	size_t i;
	json_t *c;

	json_array_foreach(cdrs, i, c) {
		const char *x = json_string_value(json_object_get(c, "id"));

		if (x && !strcmp(x, id))
			return true;
	}
	return false;
}

/** GET /api/cdrs[?limit=N]: the newest CDRs the billing server holds, the
 *  calls the SIP engine ended lately with whether their CDR reached the
 *  server, and billingd's delivery state. */
void webapi_cdrs(struct webd *w, const struct webapi_req *rq,
		 struct webapi_resp *rs)
{
	const char *ls = rq->arg ? rq->arg(rq->ctx, "limit") : NULL;
	char why[512] = "", q[256], *end;
	long limit = ls ? strtol(ls, &end, 10) : 50;
	json_t *o = json_object(), *cdrs = NULL, *ev, *ended = json_array();
	const struct gw_config *c = w->cfg;
	size_t i, n;
	json_t *x;

	if (ls && (!*ls || *end || limit < 1 || limit > 1000)) {
		json_decref(o);
		json_decref(ended);
		webapi_fail(rs, 400, "limit", "limit: 1..1000");
		return;
	}
	x = c->billing.enable ? webcdr_delivery(c->billing.spool_dir, why,
						sizeof(why)) : NULL;
	json_object_set_new(o, "delivery", x ? x : json_pack(
		"{s:s}", "error", c->billing.enable ? why :
		"billing is off ([billing] enable)"));
	if (c->web.cdr_url[0]) {
		snprintf(q, sizeof(q), "/cdrs?since=-7d%s%s",
			 c->billing.gateway_name[0] ? "&gateway=" : "",
			 c->billing.gateway_name);
		if (webcdr_get(c->web.cdr_url, c->web.cdr_token, q, &cdrs,
			       why, sizeof(why)) || !json_is_array(cdrs)) {
			json_decref(cdrs);
			cdrs = NULL;
			json_object_set_new(o, "cdrs_error", json_string(why));
		}
	} else {
		json_object_set_new(o, "cdrs_error", json_string(
			"no billing server to ask ([web] cdr_url)"));
	}
	if (cdrs) {
		/* the server lists oldest first: keep the newest, newest
		 * first */
		json_t *recent = json_array();

		n = json_array_size(cdrs);
		for (i = n; i > 0 && n - i < (size_t)limit; i--)
			json_array_append(recent, json_array_get(cdrs, i - 1));
		json_object_set_new(o, "cdrs", recent);
		json_object_set_new(o, "cdrs_on_server", json_integer(
			(json_int_t)n));
	} else {
		json_object_set_new(o, "cdrs", json_array());
	}
	/* sipd keeps the last 256 events and gives 64 a request */
	for (json_int_t since = 0, k = 0; c->sip.enable && k < 8; k++) {
		size_t got;

		snprintf(q, sizeof(q), "events %lld", (long long)since);
		ev = webapi_sipd(w, q, why, sizeof(why));
		got = json_array_size(json_object_get(ev, "events"));
		json_array_foreach(json_object_get(ev, "events"), i, x) {
			const char *type = json_string_value(
				json_object_get(x, "type"));
			const char *rec = json_string_value(
				json_object_get(x, "record"));

			if (!type || strcmp(type, "end") || !rec)
				continue;
			json_object_set_new(x, "delivery", json_string(
				!cdrs ? "unknown" : has_cdr(cdrs, rec) ?
				"delivered" : "pending"));
			json_array_insert(ended, 0, x);
		}
		since = json_integer_value(json_object_get(ev, "next"));
		json_decref(ev);
		if (got < 64)
			break;
	}
	while (json_array_size(ended) > (size_t)limit)
		json_array_remove(ended, json_array_size(ended) - 1);
	json_object_set_new(o, "ended_calls", ended);
	json_decref(cdrs);
	webapi_json(rs, 200, o);
}

// SPDX-License-Identifier: MIT
/** @file pbx_sip.c  The SIP side of the PBX: registrar, B2BUA legs */
#define LOG_MODULE "sip"
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>
#include <sofia-sip/msg_addr.h>
#include <sofia-sip/msg_header.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/su_string.h>
#include <sofia-sip/su_tagarg.h>
#include <sofia-sip/url.h>

#include "rtos-kernel/log.h"
#include "signalling/pbx_priv.h"

#define SDP_MAX 2048

/* the source of the request being handled, IPv4 only */
static const struct sockaddr_in *source(void)
{
	msg_t *msg = nua_current_request(pbx.nua);
	su_addrinfo_t *ai = msg ? msg_addrinfo(msg) : NULL;

	return ai && ai->ai_family == AF_INET ?
	       (const struct sockaddr_in *)ai->ai_addr : NULL;
}

static uint32_t source_addr(void)
{
	const struct sockaddr_in *sin = source();

	return sin ? sin->sin_addr.s_addr : 0;
}

/* Where the current request came from, "IP:PORT", and ";transport=tcp"
 * or ";transport=tls" when its top Via says so (loc_nat_hop()'s form) */
static void source_str(sip_t const *sip, char *buf, size_t len)
{
	const struct sockaddr_in *sin = source();
	const char *proto = sip->sip_via ? sip->sip_via->v_protocol : NULL;

	buf[0] = '\0';
	if (!sin)
		return;
	inet_ntop(AF_INET, &sin->sin_addr, buf, (socklen_t)len);
	snprintf(buf + strlen(buf), len - strlen(buf), ":%u%s",
		 ntohs(sin->sin_port),
		 su_casematch(proto, sip_transport_tcp) ? ";transport=tcp" :
		 su_casematch(proto, sip_transport_tls) ? ";transport=tls" :
		 "");
}

/* --- authentication ------------------------------------------------------------ */

static const char *param(su_home_t *home, msg_param_t const *params,
			 const char *name)
{
	const char *v = msg_params_find(params, name);

	if (!v)
		return NULL;
	return *v == '"' ? msg_unquote_dup(home, v) : v;
}

/* Check the caller's digest credentials for @p ext. @return 0 accepted,
 * -ENOENT none given, -ESTALE stale, -EACCES wrong */
static int check_auth(su_home_t *home, msg_auth_t const *au, const char *method,
		      const struct cfg_extension *ext)
{
	struct digest_creds c;

	for (; au; au = au->au_next) {
		if (strcasecmp(au->au_scheme, "Digest"))
			continue;
		c.username = param(home, au->au_params, "username=");
		c.realm = param(home, au->au_params, "realm=");
		c.nonce = param(home, au->au_params, "nonce=");
		c.uri = param(home, au->au_params, "uri=");
		c.response = param(home, au->au_params, "response=");
		c.qop = param(home, au->au_params, "qop=");
		c.nc = param(home, au->au_params, "nc=");
		c.cnonce = param(home, au->au_params, "cnonce=");
		c.algorithm = param(home, au->au_params, "algorithm=");
		if (!c.realm || strcmp(c.realm, pbx.auth.realm))
			continue;
		if (!ext || !c.username || strcmp(c.username, ext->number))
			return -EACCES;
		return digest_check(&pbx.auth, &c, method, ext->password,
				    now_s());
	}
	return -ENOENT;
}

/* Challenge, or refuse, a request whose credentials were not accepted.
 * @return true when the request may go on */
static bool authorize(nua_handle_t *nh, sip_t const *sip, msg_auth_t const *au,
		      const struct cfg_extension *ext, bool proxy)
{
	su_home_t home[1] = { SU_HOME_INIT(home) };
	uint32_t from = source_addr();
	char chal[512];
	int err;

	if (digest_blocked(&pbx.auth, from, now_s())) {
		pbx.st.auth_blocked++;
		nua_respond(nh, 403, "Forbidden", NUTAG_WITH_THIS(pbx.nua),
			    TAG_END());
		return false;
	}
	err = check_auth(home, au, sip->sip_request->rq_method_name, ext);
	su_home_deinit(home);
	if (!err)
		return true;
	if (err != -ENOENT && err != -ESTALE) {
		/* wrong: refused, not challenged again (a phone with a wrong
		 * password would retry at once and get its whole address
		 * blocked); one failure per attempt */
		pbx.st.auth_failures++;
		digest_failed(&pbx.auth, from, now_s());
		LOG_WARN("%s from %s: wrong credentials for %s",
			 sip->sip_request->rq_method_name,
			 sip->sip_from->a_url->url_user ?
			 sip->sip_from->a_url->url_user : "?",
			 ext ? ext->number : "an unknown user");
		nua_respond(nh, 403, "Forbidden", NUTAG_WITH_THIS(pbx.nua),
			    TAG_END());
		return false;
	}
	pbx.st.auth_challenges++;
	digest_challenge(&pbx.auth, now_s(), err == -ESTALE, chal,
			 sizeof(chal));
	if (proxy)
		nua_respond(nh, 407, "Proxy Authentication Required",
			    NUTAG_WITH_THIS(pbx.nua),
			    SIPTAG_PROXY_AUTHENTICATE_STR(chal), TAG_END());
	else
		nua_respond(nh, 401, "Unauthorized", NUTAG_WITH_THIS(pbx.nua),
			    SIPTAG_WWW_AUTHENTICATE_STR(chal), TAG_END());
	return false;
}

static const struct cfg_extension *sip_extension(const char *user)
{
	const struct cfg_extension *e = user ? dp_extension(pbx.cfg, user) :
				       NULL;

	return e && e->kind == CFG_EXT_SIP ? e : NULL;
}

/* --- the registrar --------------------------------------------------------------- */

static void on_register(nua_handle_t *nh, sip_t const *sip)
{
	su_home_t home[1] = { SU_HOME_INIT(home) };
	const char *user = sip->sip_to ? sip->sip_to->a_url->url_user : NULL;
	const struct cfg_extension *ext = sip_extension(user);
	unsigned granted = 0;
	char received[LOC_RECEIVED], exp[16];

	pbx.st.registers++;
	if (!authorize(nh, sip, sip->sip_authorization, ext, false))
		goto out;
	source_str(sip, received, sizeof(received));
	for (sip_contact_t const *m = sip->sip_contact; m; m = m->m_next) {
		long e = m->m_expires ? atol(m->m_expires) :
			 sip->sip_expires ? (long)sip->sip_expires->ex_delta :
			 pbx.cfg->sip.register_max_s;

		if (m->m_url->url_type == url_any) {	/* Contact: * */
			loc_remove_all(pbx.loc, ext->number);
			continue;
		}
		if (e && e < pbx.cfg->sip.register_min_s) {
			snprintf(exp, sizeof(exp), "%d",
				 pbx.cfg->sip.register_min_s);
			nua_respond(nh, 423, "Interval Too Brief",
				    NUTAG_WITH_THIS(pbx.nua),
				    SIPTAG_MIN_EXPIRES_STR(exp), TAG_END());
			goto out;
		}
		if (e > pbx.cfg->sip.register_max_s)
			e = pbx.cfg->sip.register_max_s;
		if (loc_update(pbx.loc, ext->number,
			       url_as_string(home, m->m_url), received,
			       (unsigned)e, now_s())) {
			nua_respond(nh, 500, "Too Many Contacts",
				    NUTAG_WITH_THIS(pbx.nua), TAG_END());
			goto out;
		}
		granted = (unsigned)e;
	}
	snprintf(exp, sizeof(exp), "%u", granted);
	nua_respond(nh, 200, "OK", NUTAG_WITH_THIS(pbx.nua),
		    SIPTAG_CONTACT(sip->sip_contact), SIPTAG_EXPIRES_STR(exp),
		    TAG_END());
	LOG_INFO("REGISTER %s from %s: %u s", ext->number, received, granted);
 out:
	su_home_deinit(home);
	nua_handle_destroy(nh);
}

/* --- legs ------------------------------------------------------------------------- */

/* the call's leg facing @p l (leg a for b and for b's forks) */
static const struct leg *other_leg(const struct leg *l)
{
	const struct call *c = l->call;

	return l == &c->a ? &c->b : &c->a;
}

/* Our SRTP master key for leg @p l (a fork's is leg b's, whose port it
 * offers too), made at first use from OpenSSL's generator. NULL: none to
 * be had */
static const uint8_t *leg_key(struct leg *l)
{
	struct leg *o = l->fork ? &l->call->b : l;

	if (!o->srtp_keyed) {
		if (RAND_bytes(o->srtp_key, sizeof(o->srtp_key)) != 1)
			return NULL;
		o->srtp_keyed = true;
	}
	return o->srtp_key;
}

/* The peer's SDP, held to [sip] srtp: off refuses RTP/SAVP and passes over
 * the crypto lines of RTP/AVP (best-effort SRTP), mandatory refuses SDP
 * without a crypto line we take (an answer in another profile than our
 * offer's: take_answer()); our SRTP key made for an SRTP session */
static int read_sdp(struct leg *l, sip_t const *sip, char *why, size_t len)
{
	enum cfg_srtp mode = pbx.cfg->sip.srtp;
	int err;

	if (!sip->sip_payload || !sip->sip_content_type ||
	    strcasecmp(sip->sip_content_type->c_type, "application/sdp")) {
		snprintf(why, len, "no SDP");
		return -ENOENT;
	}
	err = sdpx_parse(sip->sip_payload->pl_data, sip->sip_payload->pl_len,
			 &l->sdp, why, len);
	if (err || l->sdp.t38)
		return err;
	if (mode == CFG_SRTP_OFF && l->sdp.savp) {
		snprintf(why, len, "RTP/SAVP refused: [sip] srtp = off");
		return -EBADMSG;
	}
	if (mode == CFG_SRTP_OFF)	/* best effort's crypto: not taken */
		l->sdp.srtp = SRTPCTX_NONE;
	if (!l->sdp.srtp && mode == CFG_SRTP_MANDATORY) {
		snprintf(why, len, "plain RTP refused: [sip] srtp = mandatory");
		return -EBADMSG;
	}
	if (l->sdp.srtp && !leg_key(l)) {
		snprintf(why, len, "no random bytes for an SRTP key");
		return -EIO;
	}
	return 0;
}

/* SDP for leg @p l as @p me says: an offer of @p prefs (of T.38 while
 * the leg offers it), or (NULL) the answer to the peer's (T.38's when the
 * peer moved to it) */
static int put_sdp(const struct leg *l, const struct sdpx_local *me,
		   const struct sdpx_prefs *prefs, char *buf, size_t len)
{
	static const struct sdpx t38 = {
		.t38 = true, .t38_red = SDPX_T38_RED, .t38_after_audio = true,
	};

	if (prefs && l->t38_offer)
		return sdpx_t38(buf, len, me, &t38);
	if (prefs)
		return sdpx_offer(buf, len, me, prefs);
	if (l->sdp.t38)
		return sdpx_t38(buf, len, me, &l->sdp);
	return sdpx_answer(buf, len, me, l->codec, l->pt, &l->sdp,
			   leg_ptime(l));
}

/* Our SDP for leg @p l (see put_sdp). Its o= version is the one the leg's
 * last SDP had, one more when anything else in it changed (RFC 3264 8).
 * @return its length, or negative */
static int write_sdp(struct leg *l, const struct sdpx_prefs *prefs,
		     char *buf, size_t len)
{
	struct call *c = l->call;
	struct sdpx_local me = {
		.ip = pbx.sip_ip, .port = l->fork ? c->b.port : l->port,
		.dir = l->dir, .sess = (uint64_t)c->start_us,
		.ver = l->sdp_ver ? l->sdp_ver : (uint64_t)c->start_us,
		.data = c->data,
	};
	enum cfg_srtp mode = pbx.cfg->sip.srtp;
	int n;
	uint32_t sum;

	if (prefs && !l->t38_offer) {
		/* an offer in SRTP: the session's already (in its profile);
		 * required (RTP/SAVP); or, optional, the call's other leg's
		 * (best effort, RTP/AVP) */
		me.savp = l->sdp.srtp ? l->sdp.savp :
				        mode == CFG_SRTP_MANDATORY;
		if (me.savp || l->sdp.srtp ||
		    (mode == CFG_SRTP_OPTIONAL && other_leg(l)->sdp.srtp)) {
			me.srtp_key = leg_key(l);
			if (!me.srtp_key)
				return -EIO;
		}
		l->offer_savp = me.savp;
		l->offer_sdes = me.srtp_key != NULL;
	} else if (!prefs && l->sdp.srtp) {
		me.srtp_key = leg_key(l);	/* made by read_sdp() */
	}
	n = put_sdp(l, &me, prefs, buf, len);
	if (n < 0)
		return n;
	sum = sdpx_sum(buf);
	if (l->sdp_ver && sum != l->sdp_sum) {
		me.ver++;
		n = put_sdp(l, &me, prefs, buf, len);
	}
	l->sdp_ver = me.ver;
	l->sdp_sum = sum;
	return n;
}

/* our answer to the peer of leg @p l */
static int make_answer(struct leg *l, char *buf, size_t len)
{
	return write_sdp(l, NULL, buf, len);
}

/* the codec the peer chose in its answer to our offer, in our offer's
 * profile; SRTP when it took one of our crypto lines (RTP/SAVP's answer
 * must), plain RTP when we offered none */
static int take_answer(struct leg *l)
{
	if (!l->sdp.t38 && l->sdp.savp != l->offer_savp)
		return -ENOENT;
	if (!l->offer_sdes)
		l->sdp.srtp = SRTPCTX_NONE;
	for (unsigned i = 0; i < l->sdp.nfmt; i++) {
		if (l->sdp.fmt[i].codec >= 0) {
			l->codec = (enum codec_id)l->sdp.fmt[i].codec;
			l->pt = l->sdp.fmt[i].pt;
			l->te_pt = l->sdp.te_pt;
			l->dir = sdpx_reverse(l->sdp.dir);
			l->have_sdp = true;
			return 0;
		}
	}
	return -ENOENT;
}

/** Respond to the caller (leg a, SIP) with @p status. */
void sip_fail(struct call *c, int status, const char *phrase)
{
	if (c->a.type != LEG_SIP || c->a.answered_peer || !c->a.nh)
		return;
	nua_respond(c->a.nh, status, phrase, TAG_END());
	c->a.answered_peer = true;	/* a final response went */
	c->a.type = LEG_NONE;		/* nothing more to hang up */
}

/** Tell the caller the callee rings (180), or gives early media (183 with
 *  our SDP: the channel carries the callee's progress tones). */
void sip_progress(struct call *c, int status, const char *phrase,
		  bool early_media)
{
	char sdp[SDP_MAX];

	if (c->a.type != LEG_SIP || c->a.answered_peer)
		return;
	if (early_media && make_answer(&c->a, sdp, sizeof(sdp)) > 0)
		nua_respond(c->a.nh, status, phrase,
			    SIPTAG_CONTENT_TYPE_STR("application/sdp"),
			    SIPTAG_PAYLOAD_STR(sdp), TAG_END());
	else
		nua_respond(c->a.nh, status, phrase, TAG_END());
}

/** Answer the caller (200 with our SDP). */
void sip_answer(struct call *c)
{
	char sdp[SDP_MAX];

	if (c->a.type != LEG_SIP || c->a.answered_peer)
		return;
	make_answer(&c->a, sdp, sizeof(sdp));
	nua_respond(c->a.nh, 200, "OK",
		    SIPTAG_CONTENT_TYPE_STR("application/sdp"),
		    SIPTAG_PAYLOAD_STR(sdp), TAG_END());
	c->a.answered_peer = true;
}

/** Hang up a SIP leg: BYE when established, CANCEL when ringing, a final
 *  response when the caller was never answered. Its handle lives on,
 *  unbound, until the transaction ends (pbx_sip_event destroys it). */
void sip_hangup(struct leg *l)
{
	nua_handle_t *nh = l->nh;

	if (!nh)
		return;
	if (l == &l->call->a && !l->answered_peer)
		nua_respond(nh, 480, "Temporarily Unavailable", TAG_END());
	else if (!l->answered_peer)	/* b or a fork, ringing */
		nua_cancel(nh, TAG_END());
	else
		nua_bye(nh, TAG_END());
	nua_handle_bind(nh, NULL);
	l->nh = NULL;
}

/** Cancel the forks still ringing (the call ends, or one answered). */
void sip_forks_hangup(struct call *c)
{
	for (unsigned i = 0; i < PBX_FORKS - 1; i++)
		if (c->fork[i].type == LEG_SIP)
			sip_hangup(&c->fork[i]);
}

/** Call out on leg @p l (b, or a fork of b, which offers b's port) to
 *  @p uri with our offer. @return 0 or a negative errno (no RTP port, no
 *  handle) */
static bool leg_t38(const struct leg *l)
{
	return l->type == LEG_SIP && (l->sdp.t38 || l->t38_offer);
}

static bool leg_g729(const struct leg *l)
{
	return l->type == LEG_SIP && l->have_sdp && l->codec == CODEC_G729 &&
	       !leg_t38(l);
}

/* the legs of every call that @p is */
static unsigned legs_where(bool (*is)(const struct leg *l))
{
	unsigned n = 0;

	for (unsigned i = 0; i < pbx.ncalls; i++) {
		const struct call *c = &pbx.call[i];

		n += c->used && is(&c->a);
		n += c->used && is(&c->b);
	}
	return n;
}

/* the SIP legs of every call that are T.38 now, or offered it */
static unsigned t38_legs(void)
{
	return legs_where(leg_t38);
}

/* the codecs a call may use now: a data call's G.711 alone; G.729 only
 * while the RT partition has a G.729 leg left for it ([media] max_g729:
 * a call that would take one more gets another codec it offers rather
 * than a channel the RT partition refuses). @p buf holds what is not
 * pbx.prefs itself. */
static const struct sdpx_prefs *call_prefs(const struct call *c,
					   struct sdpx_prefs *buf)
{
	if (c->data) {
		sdpx_prefs_g711(&pbx.prefs, buf);
		return buf;
	}
	if (legs_where(leg_g729) < (unsigned)pbx.cfg->media.max_g729)
		return &pbx.prefs;
	sdpx_prefs_without(&pbx.prefs, CODEC_G729, buf);
	return buf;
}

int sip_call_out(struct call *c, struct leg *l, const char *uri,
		 const char *hop)
{
	char sdp[SDP_MAX], from[160], to[160], ip[INET_ADDRSTRLEN];
	struct sdpx_prefs buf;

	l->type = LEG_SIP;
	snprintf(l->contact, sizeof(l->contact), "%s", uri);
	if (!l->fork)
		l->port = port_alloc();
	if (!c->b.port)
		return -ENOSPC;
	inet_ntop(AF_INET, &pbx.sip_ip, ip, sizeof(ip));
	snprintf(from, sizeof(from), "\"%s\" <sip:%s@%s>", c->a.number,
		 c->a.number, ip);
	snprintf(to, sizeof(to), "<sip:%s@%s>", l->number, ip);
	l->nh = nua_handle(pbx.nua, l, NUTAG_URL(uri), SIPTAG_TO_STR(to),
			   SIPTAG_FROM_STR(from), TAG_END());
	if (!l->nh)
		return -ENOMEM;
	if (hop)	/* behind NAT: every request of the call goes there */
		nua_set_hparams(l->nh, NUTAG_PROXY(hop), TAG_END());
	write_sdp(l, call_prefs(c, &buf), sdp, sizeof(sdp));
	nua_invite(l->nh, SIPTAG_CONTENT_TYPE_STR("application/sdp"),
		   SIPTAG_PAYLOAD_STR(sdp), TAG_END());
	c->state = CALL_PROCEEDING;
	return 0;
}

/* --- incoming INVITE --------------------------------------------------------------- */

/* @p a is in @p list, a comma list of addresses, or is @p host's
 * address (host[:port], an IPv4 literal) */
static bool addr_listed(const char *a, const char *list, const char *host)
{
	size_t n = strlen(a);
	const char *p = list;

	if (!strncmp(host, a, n) && (!host[n] || host[n] == ':'))
		return true;
	while ((p = strstr(p, a))) {
		if ((p == list || p[-1] == ',') && (!p[n] || p[n] == ','))
			return true;
		p += n;
	}
	return false;
}

/* the SIP trunk whose server sent the request: its host's address or one
 * of its allow_ips (IP authentication) */
static const struct cfg_trunk *trunk_by_source(uint32_t addr)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &addr, a, sizeof(a));
	for (unsigned i = 0; i < pbx.cfg->n_trunks; i++) {
		const struct cfg_trunk *t = &pbx.cfg->trunk[i];

		if (t->kind == CFG_TRUNK_SIP &&
		    addr_listed(a, t->allow_ips, t->host))
			return t;
	}
	return NULL;
}

/* --- registration at SIP trunks' servers -------------------------------------- */

static struct {
	nua_handle_t *nh;
	int status;		/* last answer, 0: none yet */
	char phrase[48];
} trunk_reg[CFG_MAX_TRUNKS];

/** Register every SIP trunk with register = true at its server; nua
 *  refreshes the registrations. */
void sip_trunks_register(void)
{
	for (unsigned i = 0; i < pbx.cfg->n_trunks; i++) {
		const struct cfg_trunk *t = &pbx.cfg->trunk[i];
		char aor[CFG_SECRET_SIZE + CFG_TEXT_SIZE + 8];
		char registrar[CFG_TEXT_SIZE + 8];

		if (t->kind != CFG_TRUNK_SIP || !t->register_ ||
		    trunk_reg[i].nh)
			continue;
		snprintf(aor, sizeof(aor), "sip:%s@%s", t->username, t->host);
		snprintf(registrar, sizeof(registrar), "sip:%s", t->host);
		trunk_reg[i].nh = nua_handle(pbx.nua, NULL, SIPTAG_TO_STR(aor),
					     SIPTAG_FROM_STR(aor), TAG_END());
		if (!trunk_reg[i].nh)
			continue;
		/* no OPTIONS probes of the server (RFC 5626 outbound): an
		 * operator's server need not answer them, and an ICMP error
		 * they draw would fail the next call on the socket */
		nua_register(trunk_reg[i].nh, NUTAG_REGISTRAR(registrar),
			     NUTAG_M_USERNAME(t->username),
			     NUTAG_OUTBOUND("no-validate no-options-keepalive"),
			     TAG_END());
		LOG_INFO("trunk %s: registering %s at %s", t->name, aor,
			 registrar);
	}
}

/** Unregister the trunks (the engine stops). */
void sip_trunks_unregister(void)
{
	for (unsigned i = 0; i < CFG_MAX_TRUNKS; i++)
		if (trunk_reg[i].nh)
			nua_unregister(trunk_reg[i].nh, TAG_END());
}

/** The trunks' registration state, for the status. */
json_t *sip_trunks_json(void)
{
	json_t *arr = json_array();

	for (unsigned i = 0; i < pbx.cfg->n_trunks; i++) {
		const struct cfg_trunk *t = &pbx.cfg->trunk[i];

		json_array_append_new(arr, json_pack(
			"{s:s, s:s, s:s, s:b, s:i, s:s}", "name", t->name,
			"kind", t->kind == CFG_TRUNK_SIP ? "sip" : "tdm",
			"host", t->host, "registered",
			trunk_reg[i].nh && trunk_reg[i].status >= 200 &&
			trunk_reg[i].status < 300,
			"status", trunk_reg[i].status,
			"phrase", trunk_reg[i].phrase));
	}
	return arr;
}

/* an answer to a trunk's REGISTER */
static bool trunk_register_answer(nua_handle_t *nh, int status,
				  const char *phrase, sip_t const *sip)
{
	for (unsigned i = 0; i < CFG_MAX_TRUNKS && i < pbx.cfg->n_trunks;
	     i++) {
		const struct cfg_trunk *t = &pbx.cfg->trunk[i];
		su_home_t home[1] = { SU_HOME_INIT(home) };
		msg_auth_t const *ch;
		const char *realm;
		char cred[256];

		if (trunk_reg[i].nh != nh)
			continue;
		if (status < 200)
			return true;
		if ((status == 401 || status == 407) && sip &&
		    trunk_reg[i].status != status) {
			ch = sip->sip_www_authenticate ?
			     sip->sip_www_authenticate :
			     sip->sip_proxy_authenticate;
			realm = ch ? param(home, ch->au_params, "realm=") :
				NULL;
			snprintf(cred, sizeof(cred), "Digest:\"%s\":%s:%s",
				 realm ? realm : "", t->username, t->password);
			trunk_reg[i].status = status;
			nua_authenticate(nh, NUTAG_AUTH(cred), TAG_END());
			su_home_deinit(home);
			return true;
		}
		if (status != trunk_reg[i].status)
			LOG_INFO("trunk %s: registration: %d %s", t->name,
				 status, phrase ? phrase : "");
		trunk_reg[i].status = status;
		snprintf(trunk_reg[i].phrase, sizeof(trunk_reg[i].phrase),
			 "%s", phrase ? phrase : "");
		return true;
	}
	return false;
}

/* A phone that calls from behind NAT (its Contact another host or port
 * than the INVITE came from, [sip] force_rport): the call's requests to
 * it (ACK, BYE, re-INVITE) go where the INVITE came from. Not when the
 * INVITE came through a proxy that stays in the path (Record-Route) */
static void nat_hop(nua_handle_t *nh, sip_t const *sip)
{
	char src[LOC_RECEIVED], hop[LOC_HOP], uri[LOC_URI];
	issize_t n;

	if (!pbx.cfg->sip.force_rport || !sip->sip_contact ||
	    sip->sip_record_route)
		return;
	n = url_e(uri, sizeof(uri), sip->sip_contact->m_url);
	if (n < 0 || (size_t)n >= sizeof(uri))
		return;
	source_str(sip, src, sizeof(src));
	if (loc_nat_hop(uri, src, hop, sizeof(hop)))
		nua_set_hparams(nh, NUTAG_PROXY(hop), TAG_END());
}

static void new_invite(nua_handle_t *nh, sip_t const *sip)
{
	const char *user = sip->sip_from->a_url->url_user;
	const char *dialled = sip->sip_request->rq_url->url_user;
	const struct cfg_trunk *trunk = trunk_by_source(source_addr());
	const struct cfg_extension *ext = NULL;
	struct callrec_party from;
	struct sdpx_prefs buf;
	struct call *c;
	char why[128];

	if (!trunk) {
		ext = sip_extension(user);
		if (!authorize(nh, sip, sip->sip_proxy_authorization, ext,
			       true)) {
			nua_handle_destroy(nh);
			return;
		}
	}
	snprintf(from.kind, sizeof(from.kind), "%s", trunk ? "trunk" : "ext");
	snprintf(from.name, sizeof(from.name), "%s",
		 trunk ? trunk->name : ext->number);
	c = call_new();
	if (!c) {
		call_refused(user ? user : "", dialled ? dialled : "", &from);
		nua_respond(nh, 503, "Too Many Calls", TAG_END());
		nua_handle_destroy(nh);
		return;
	}
	c->a.type = LEG_SIP;
	c->a.nh = nh;
	nua_handle_bind(nh, &c->a);
	if (!trunk)
		nat_hop(nh, sip);
	snprintf(c->a.number, sizeof(c->a.number), "%s", user ? user : "");
	c->a.party = from;
	if (read_sdp(&c->a, sip, why, sizeof(why))) {
		pbx.st.bad_requests++;
		LOG_INFO("INVITE from %s: %s", c->a.number, why);
		sip_fail(c, 488, "Not Acceptable Here");
		call_end(c, CALLREC_FAILED, 488, why);
		return;
	}
	if (sdpx_choose(&c->a.sdp, call_prefs(c, &buf), &c->a.codec,
			&c->a.pt)) {
		sip_fail(c, 488, "No Common Codec");
		call_end(c, CALLREC_FAILED, 488, "No Common Codec");
		return;
	}
	c->a.te_pt = c->a.sdp.te_pt;
	c->a.dir = sdpx_reverse(c->a.sdp.dir);
	c->a.have_sdp = true;
	c->a.port = port_alloc();
	if (!c->a.port) {
		sip_fail(c, 503, "No Media Ports");
		call_end(c, CALLREC_CONGESTION, 503, "No Media Ports");
		return;
	}
	if (trunk) {
		/* from a trunk: only to the PBX's own numbers (DIDs) */
		const struct cfg_extension *to = dialled ?
			dp_did(pbx.cfg, dialled) : NULL;

		if (!to) {
			sip_fail(c, 404, "Not Found");
			call_end(c, CALLREC_FAILED, 404, "Not Found");
			return;
		}
		/* the record keeps the number as dialled */
		snprintf(c->digits, sizeof(c->digits), "%s", dialled);
		dialled = to->number;
	}
	call_route(c, dialled ? dialled : "");
}

static void log_direction(const struct leg *l)
{
	LOG_INFO("call %u: leg %c now %s", l->call->id,
		 l == &l->call->a ? 'a' : 'b',
		 l->dir == SDPX_SENDRECV ? "active" : "on hold");
}

/* The codec for leg @p l's peer's new offer (a re-INVITE's): the one the
 * leg has while the offer has it (a data call's phone that refused G.711
 * too: its hold is not refused for that), else the one we prefer of those
 * the call may use. @return 0 or -ENOENT */
static int choose_again(struct leg *l)
{
	struct sdpx_prefs buf;

	l->te_pt = l->sdp.te_pt;
	for (unsigned i = 0; i < l->sdp.nfmt; i++) {
		if (l->sdp.fmt[i].codec == (int)l->codec) {
			l->pt = l->sdp.fmt[i].pt;
			return 0;
		}
	}
	return sdpx_choose(&l->sdp, call_prefs(l->call, &buf), &l->codec,
			   &l->pt);
}

/* leg @p l's peer took T.38 (its offer or answer in l->sdp) */
static void now_t38(const struct leg *l)
{
	pbx.st.t38_calls++;
	LOG_INFO("call %u: leg %c now T.38 (UDPTL, redundancy %u)",
		 l->call->id, l == &l->call->a ? 'a' : 'b', l->sdp.t38_red);
}

/* Leg @p l's peer (a fax adapter) moves the call to T.38 (the offer it
 * just made, in l->sdp; it was on audio, @p was_t38 false): the channel's
 * leg becomes a T.38 gateway, while the RT partition has one left
 * ([media] max_fax, counted here) and the offer has an address.
 * @return 0 or -ENOSPC */
static int take_t38(struct leg *l, bool was_t38)
{
	if (was_t38)
		return 0;
	if (!l->sdp.ip || t38_legs() > (unsigned)pbx.cfg->media.max_fax) {
		pbx.st.t38_refused++;
		LOG_WARN("call %u: leg %c asks for T.38: %s", l->call->id,
			 l == &l->call->a ? 'a' : 'b', l->sdp.ip ?
			 "no T.38 leg left ([media] max_fax)" : "no address");
		return -ENOSPC;
	}
	now_t38(l);
	return 0;
}

/* re-INVITE on an established leg: hold and resume, another codec, T.38 */
static void reinvite(struct leg *l, nua_handle_t *nh, sip_t const *sip)
{
	struct call *c = l->call;
	char why[128], sdp[SDP_MAX];
	struct leg old = *l;

	if (!sip->sip_payload || !sip->sip_payload->pl_len) {
		/* RFC 3261 14.2 (a session refresh, say): our 200 offers the
		 * session as it is, the answer comes in the ACK */
		make_answer(l, sdp, sizeof(sdp));
		l->offered = true;
		/* in the session's profile */
		l->offer_savp = l->sdp.savp;
		l->offer_sdes = l->sdp.srtp != SRTPCTX_NONE;
		nua_respond(nh, 200, "OK",
			    SIPTAG_CONTENT_TYPE_STR("application/sdp"),
			    SIPTAG_PAYLOAD_STR(sdp), TAG_END());
		return;
	}
	if (read_sdp(l, sip, why, sizeof(why)) ||
	    (l->sdp.t38 ? take_t38(l, old.sdp.t38) : choose_again(l))) {
		*l = old;
		nua_respond(nh, 488, "Not Acceptable Here", TAG_END());
		return;
	}
	if (l->codec != old.codec)
		LOG_INFO("call %u: leg %c now %s", c->id,
			 l == &c->a ? 'a' : 'b', codec_info(l->codec)->name);
	l->dir = sdpx_reverse(l->sdp.dir);
	media_modify(c);
	make_answer(l, sdp, sizeof(sdp));
	nua_respond(nh, 200, "OK", SIPTAG_CONTENT_TYPE_STR("application/sdp"),
		    SIPTAG_PAYLOAD_STR(sdp), TAG_END());
	log_direction(l);
}

/* the ACK to our 200 that offered (reinvite() without SDP): its answer */
static void ack_answer(struct leg *l, sip_t const *sip)
{
	struct sdpx old = l->sdp;
	char why[128] = "";

	l->offered = false;
	if (read_sdp(l, sip, why, sizeof(why)) || take_answer(l)) {
		/* an ACK is not refused: the session stays as it was */
		l->sdp = old;
		LOG_WARN("call %u: the ACK's answer to our offer is unusable "
			 "(%s): the session stays as it was", l->call->id,
			 why[0] ? why : "no codec of ours");
		return;
	}
	media_modify(l->call);		/* take_answer() set the direction */
	log_direction(l);
}

/* --- voiceband data (V.152): a data call's legs on G.711 ---------------------------- */

/* whether leg @p l agreed comfort noise (before the call was data) */
static bool leg_cn(const struct leg *l)
{
	return sdpx_cn_agreed(&l->sdp, l->pt, false);
}

/* what leg @p l must change for voiceband data: a compressed codec, or
 * comfort noise (the peer's silence suppression would cut a modem's
 * signal) */
static bool needs_reoffer(const struct leg *l)
{
	return l->type == LEG_SIP && l->nh && l->have_sdp && !l->reoffer &&
	       !l->sdp.t38 && (!sdpx_is_g711(l->codec) || leg_cn(l));
}

/* Offer leg @p l of @p c T.38 by re-INVITE for the fax heard ([sip] fax
 * = t38): an answered SIP leg on audio facing a card line (a fax between
 * two SIP phones is theirs), that did not refuse it before, while the RT
 * partition has a T.38 leg left. @return whether it was offered */
static bool offer_t38(struct call *c, struct leg *l)
{
	const struct leg *o = other_leg(l);
	char sdp[SDP_MAX];

	if (pbx.cfg->sip.fax != CFG_FAX_T38 || o->type != LEG_TDM ||
	    l->type != LEG_SIP || !l->nh || !l->have_sdp || l->reoffer ||
	    l->sdp.t38 || l->t38_refused ||
	    t38_legs() >= (unsigned)pbx.cfg->media.max_fax)
		return false;
	l->t38_offer = true;
	if (write_sdp(l, &pbx.prefs, sdp, sizeof(sdp)) < 0) {
		l->t38_offer = false;
		return false;
	}
	LOG_INFO("call %u: leg %c on %s: offering T.38 for the fax", c->id,
		 l == &c->a ? 'a' : 'b', codec_info(l->codec)->name);
	l->reoffer = true;
	nua_invite(l->nh, SIPTAG_CONTENT_TYPE_STR("application/sdp"),
		   SIPTAG_PAYLOAD_STR(sdp), TAG_END());
	return true;
}

/** Call @p c carries a fax or modem (an answer tone was heard; @p fax: a
 *  fax's, CED, with no phase reversals): with [sip] fax = t38 a fax's
 *  SIP leg facing a card line is offered T.38 (offer_t38()); otherwise,
 *  or when it refuses, each of its answered SIP legs on a compressed
 *  codec or with comfort noise is offered G.711 alone by re-INVITE, as
 *  V.152 does for voiceband data (without its gpmd attribute: a plain
 *  re-INVITE is what any phone takes). A leg that refuses that stays as
 *  it was. */
void sip_data_call(struct call *c, bool fax)
{
	struct leg *legs[] = { &c->a, &c->b };
	struct sdpx_prefs buf;
	char sdp[SDP_MAX];

	if (!c->data) {
		c->data = true;
		pbx.st.data_calls++;
	}
	if (c->state != CALL_ANSWERED)
		return;
	for (unsigned i = 0; i < 2; i++) {
		struct leg *l = legs[i];

		if ((fax && offer_t38(c, l)) || !needs_reoffer(l))
			continue;
		LOG_INFO("call %u: leg %c on %s%s: offering G.711 for the data "
			 "call", c->id, "ab"[i], codec_info(l->codec)->name,
			 leg_cn(l) ? " with comfort noise" : "");
		if (write_sdp(l, call_prefs(c, &buf), sdp, sizeof(sdp)) < 0)
			continue;
		l->reoffer = true;
		nua_invite(l->nh, SIPTAG_CONTENT_TYPE_STR("application/sdp"),
			   SIPTAG_PAYLOAD_STR(sdp), TAG_END());
	}
}

/* the answer to our T.38 offer (offer_t38()): the leg's T.38 gateway;
 * a refusal or an answer without T.38 leaves the leg as it was, and it is
 * offered G.711 as for any data call */
static void t38_answer(struct leg *l, int status, const char *phrase,
		       sip_t const *sip)
{
	struct call *c = l->call;
	char leg = l == &c->a ? 'a' : 'b', why[128] = "";
	struct leg old;

	l->reoffer = l->t38_offer = false;
	old = *l;
	if (status < 300 && !read_sdp(l, sip, why, sizeof(why)) &&
	    l->sdp.t38) {
		l->dir = sdpx_reverse(l->sdp.dir);
		now_t38(l);
		media_modify(c);
		return;
	}
	*l = old;
	l->t38_refused = true;
	pbx.st.t38_offers_refused++;
	LOG_WARN("call %u: leg %c refused T.38 (%d %s%s%s)",
		 c->id, leg, status, phrase ? phrase : "", why[0] ? ": " : "",
		 why);
	sip_data_call(c, false);
}

/* the answer to our re-INVITE of sip_data_call() */
static void reoffer_answer(struct leg *l, int status, const char *phrase,
			   sip_t const *sip)
{
	struct call *c = l->call;
	char leg = l == &c->a ? 'a' : 'b', why[128] = "";
	struct leg old;

	if (status < 200)
		return;
	if (l->t38_offer) {
		t38_answer(l, status, phrase, sip);
		return;
	}
	l->reoffer = false;
	old = *l;
	if (status >= 300 || read_sdp(l, sip, why, sizeof(why)) ||
	    take_answer(l) || !sdpx_is_g711(l->codec)) {
		*l = old;
		pbx.st.data_reoffers_failed++;
		LOG_WARN("call %u: leg %c refused G.711 for the data call "
			 "(%d %s%s%s): it stays on %s", c->id, leg, status,
			 phrase ? phrase : "", why[0] ? ": " : "", why,
			 codec_info(l->codec)->name);
		return;
	}
	LOG_INFO("call %u: leg %c now %s for the data call", c->id, leg,
		 codec_info(l->codec)->name);
	media_modify(c);
}

/* --- responses to our INVITE (leg b) ---------------------------------------------- */

static enum callrec_disp disp_of(int status)
{
	switch (status) {
	case 486: case 600: case 603:
		return CALLREC_BUSY;
	case 408: case 480: case 487:
		return CALLREC_NO_ANSWER;
	case 503:
		return CALLREC_CONGESTION;
	default:
		return CALLREC_FAILED;
	}
}

static void trunk_auth(struct leg *l, sip_t const *sip)
{
	const struct cfg_trunk *t = dp_trunk(pbx.cfg, l->party.name);
	msg_auth_t const *ch = sip->sip_www_authenticate ?
			       sip->sip_www_authenticate :
			       sip->sip_proxy_authenticate;
	su_home_t home[1] = { SU_HOME_INIT(home) };
	const char *realm = ch ? param(home, ch->au_params, "realm=") : NULL;
	char cred[256];

	snprintf(cred, sizeof(cred), "Digest:\"%s\":%s:%s", realm ? realm : "",
		 t ? t->username : "", t ? t->password : "");
	nua_authenticate(l->nh, NUTAG_AUTH(cred), TAG_END());
	su_home_deinit(home);
}

/* --- parallel forks -------------------------------------------------------------- */

/* Fork @p f takes leg b's place (b's dialog goes to f's slot): the
 * channel's leg b follows b, and b keeps the port all forks offered. */
static struct leg *fork_swap(struct call *c, struct leg *f)
{
	struct leg t = c->b;

	c->b = *f;
	*f = t;
	c->b.port = f->port;
	f->port = 0;
	/* and the SRTP key the forks offered with the port */
	memcpy(c->b.srtp_key, f->srtp_key, sizeof(c->b.srtp_key));
	c->b.srtp_keyed = f->srtp_keyed;
	c->b.fork = false;
	f->fork = true;
	if (c->b.nh)
		nua_handle_bind(c->b.nh, &c->b);
	if (f->nh)
		nua_handle_bind(f->nh, f);
	return &c->b;
}

/* a fork of @p c other than @p l still rings */
static struct leg *fork_ringing(struct call *c, const struct leg *l)
{
	if (&c->b != l && c->b.nh && !c->b.answered_peer)
		return &c->b;
	for (unsigned i = 0; i < PBX_FORKS - 1; i++)
		if (&c->fork[i] != l && c->fork[i].nh)
			return &c->fork[i];
	return NULL;
}

/* Fork @p l failed with @p status. @return true when others still ring
 * (the call goes on); else the caller gets the best of the forks'
 * answers. */
static bool fork_failed(struct leg *l, int *status, const char **phrase)
{
	struct call *c = l->call;
	struct leg *next = fork_ringing(c, l);

	if (fork_better(*status, c->fork_status)) {
		c->fork_status = *status;
		snprintf(c->fork_phrase, sizeof(c->fork_phrase), "%s",
			 *phrase ? *phrase : "");
	}
	if (!next || *status >= 600) {	/* 6xx: nobody else is asked */
		*status = c->fork_status ? c->fork_status : *status;
		*phrase = c->fork_status ? c->fork_phrase : *phrase;
		return false;
	}
	LOG_INFO("call %u: %s: %d %s; the other contacts still ring", c->id,
		 l->contact, *status, *phrase ? *phrase : "");
	nua_handle_bind(l->nh, NULL);	/* destroyed when its use ends */
	l->nh = NULL;
	if (l == &c->b)			/* b is always a live fork */
		fork_swap(c, next);
	next = l == &c->b ? next : l;
	next->type = LEG_NONE;
	return true;
}

/* the first fork's early media is anchored in the channel's leg b (only
 * one remote can be: later forks' early media is not heard), and the
 * answering fork's media in any case */
static struct leg *fork_media(struct leg *l, int status, sip_t const *sip)
{
	struct call *c = l->call;

	if (!l->fork)
		return l;
	if (status >= 200 && status < 300)
		return fork_swap(c, l);
	if (status < 200 && sip && sip->sip_payload && !c->b.have_sdp)
		return fork_swap(c, l);
	return l;
}

static void invite_response(struct leg *l, int status, const char *phrase,
			    sip_t const *sip)
{
	struct call *c = l->call;
	char why[128];
	bool sdp;

	l = fork_media(l, status, sip);
	sdp = sip && !read_sdp(l, sip, why, sizeof(why)) && !take_answer(l);

	if (status < 200) {
		if (status == 180 && c->state < CALL_RINGING) {
			c->state = CALL_RINGING;
			if (c->a.type == LEG_SIP)
				sip_progress(c, 180, "Ringing", false);
			else
				media_tone(c, 0, MSG_TONE_RINGBACK);
		}
		if (sdp && !l->fork) {	/* early media from the callee */
			media_open(c);
			if (c->a.type == LEG_TDM)
				media_tone(c, 0, MSG_TONE_STOP);
			sip_progress(c, 183, "Session Progress", true);
		}
		return;
	}
	if (status < 300) {
		l->answered_peer = true;
		if (!l->have_sdp) {
			sip_fail(c, 488, "No Common Codec");
			call_end(c, CALLREC_FAILED, 488, "callee's answer");
			return;
		}
		if (fork_ringing(c, l))
			LOG_INFO("call %u: answered by %s: the other contacts "
				 "are cancelled", c->id, l->contact);
		sip_forks_hangup(c);
		call_connect(c);
		return;
	}
	if ((status == 401 || status == 407) &&
	    !strcmp(l->party.kind, "trunk") && !l->answered_peer) {
		l->answered_peer = true;	/* authenticate once */
		trunk_auth(l, sip);
		return;
	}
	l->answered_peer = true;	/* the transaction is over */
	if (fork_failed(l, &status, &phrase))
		return;
	sip_fail(c, status, phrase);
	call_end(c, disp_of(status), status, phrase);
}

/* A callee's BYE in its early dialog (RFC 3261 15 forbids it; some phones
 * stop ringing so): that contact gave up, as with a 480. The others ring
 * on; when none is left the caller gets the best of the forks' answers. */
static void early_bye(struct leg *l)
{
	struct call *c = l->call;
	int status = 480;
	const char *phrase = "Temporarily Unavailable";

	if (fork_failed(l, &status, &phrase))
		return;
	nua_handle_bind(l->nh, NULL);
	l->nh = NULL;
	sip_fail(c, status, phrase);
	call_end(c, disp_of(status), status, phrase);
}

/* --- everything else --------------------------------------------------------------- */

static void info(struct leg *l, nua_handle_t *nh, sip_t const *sip)
{
	const char *body = sip->sip_payload ? sip->sip_payload->pl_data : "";
	const char *sig = strstr(body, "Signal=");
	const char *dur = strstr(body, "Duration=");
	struct call *c = l->call;

	if (!sip->sip_content_type ||
	    strcasecmp(sip->sip_content_type->c_type,
		       "application/dtmf-relay") || !sig) {
		nua_respond(nh, 415, "Unsupported Media Type",
			    NUTAG_WITH_THIS(pbx.nua), TAG_END());
		return;
	}
	media_dtmf(c, l == &c->a ? 1 : 0, sig[7],
		   dur ? (unsigned)atoi(dur + 9) : 160);
	nua_respond(nh, 200, "OK", NUTAG_WITH_THIS(pbx.nua), TAG_END());
}

static bool handle_gone(nua_event_t ev, int status, tagi_t tags[])
{
	int state = -1;

	if (ev == nua_i_state)
		tl_gets(tags, NUTAG_CALLSTATE_REF(state), TAG_END());
	return (ev == nua_i_state && state == nua_callstate_terminated) ||
	       ev == nua_i_terminated ||
	       ((ev == nua_r_bye || ev == nua_r_cancel ||
		 ev == nua_r_invite) && status >= 200);
}

/** The nua callback. */
void pbx_sip_event(nua_event_t event, int status, char const *phrase, nua_t *nua,
	       nua_magic_t *magic, nua_handle_t *nh, struct leg *leg,
	       sip_t const *sip, tagi_t tags[])
{
	(void)nua;
	(void)magic;
	if (!leg) {
		/* a request outside any call, or a handle we let go */
		if (event == nua_i_register && sip) {
			on_register(nh, sip);
		} else if (event == nua_i_invite && sip) {
			new_invite(nh, sip);
		} else if (event == nua_r_register || event == nua_r_unregister) {
			trunk_register_answer(nh, status, phrase, sip);
		} else if (event == nua_r_options && keepalive_answer(nh,
								     status)) {
			return;
		} else if (event == nua_r_shutdown && status >= 200) {
			su_root_break(pbx.root);
		} else if (event == nua_r_invite && status >= 200 &&
			   status < 300 && nh) {
			/* a fork's answer after another fork won (or after
			 * our CANCEL): nua ACKs it, we hang it up */
			nua_bye(nh, TAG_END());
		} else if (nh && handle_gone(event, status, tags)) {
			nua_handle_destroy(nh);
		}
		return;
	}
	switch (event) {
	case nua_i_invite:
		if (sip)
			reinvite(leg, nh, sip);
		break;
	case nua_r_invite:
		/* once answered, an answer to our own re-INVITE changes
		 * nothing unless it is a data call's (nua's session refresh
		 * changes nothing; a failed refresh ends the dialog:
		 * nua_i_state) */
		if (leg->reoffer)
			reoffer_answer(leg, status, phrase, sip);
		else if (leg != &leg->call->a &&
			 leg->call->state < CALL_ANSWERED)
			invite_response(leg, status, phrase, sip);
		break;
	case nua_i_ack:
		if (leg->offered && sip)
			ack_answer(leg, sip);
		break;
	case nua_i_cancel:
		leg->answered_peer = true;	/* nua answered 487 itself */
		call_end(leg->call, CALLREC_CANCELLED, 487,
			 "Request Terminated");
		break;
	case nua_i_bye:
		if (leg != &leg->call->a && !leg->call->answer_us) {
			early_bye(leg);
			break;
		}
		leg->answered_peer = false;	/* nothing more to send */
		nua_handle_bind(nh, NULL);
		leg->nh = NULL;
		if (leg->call->answer_us)
			call_end(leg->call, CALLREC_ANSWERED, 200,
				 "Normal Clearing");
		else	/* the caller's BYE in an early dialog: gave up */
			call_end(leg->call, CALLREC_CANCELLED, 487,
				 "Request Terminated");
		break;
	case nua_i_info:
		if (sip)
			info(leg, nh, sip);
		break;
	case nua_i_state:
		if (handle_gone(event, status, tags) && leg->nh == nh) {
			leg->nh = NULL;
			nua_handle_bind(nh, NULL);
			nua_handle_destroy(nh);
			if (leg->call->state != CALL_CLOSING)
				call_end(leg->call, CALLREC_FAILED, status,
					 phrase ? phrase : "Terminated");
		}
		break;
	default:
		break;
	}
}

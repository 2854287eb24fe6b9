// SPDX-License-Identifier: MIT
/** @file webapi_net.c  The REST API: GET/PUT /api/network */
#define LOG_MODULE "webapi"
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/ctl.h"
#include "linux-side/nlsnoop.h"
#include "linux-side/rtview.h"
#include "linux-side/web/webapi.h"
#include "linux-side/web/webcfg.h"
#include "linux-side/web/webnet.h"
#include "rtos-kernel/log.h"
#include "rtos-kernel/rtk.h"
#include "sharednet/ports.h"

static json_t *state_json(const struct netcfg_msg *m)
{
	char ip[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN], mac[18], addr[24];

	inet_ntop(AF_INET, &m->ip, ip, sizeof(ip));
	inet_ntop(AF_INET, &m->gateway, gw, sizeof(gw));
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", m->mac[0],
		 m->mac[1], m->mac[2], m->mac[3], m->mac[4], m->mac[5]);
	snprintf(addr, sizeof(addr), "%s/%u", ip, m->prefix_len);
	return json_pack("{s:s, s:s, s:s, s:i, s:b}", "address",
			 m->ip ? addr : "", "gateway", m->gateway ? gw : "",
			 "mac", mac, "mtu", (int)m->mtu, "up", m->up);
}

static json_t *config_json(const struct gw_config *c)
{
	static const char *const keys[] = { "address", "gateway", "mac",
					    "mtu" };
	char v[CFG_MAX_LINE + 1];
	json_t *o = json_object();

	for (size_t i = 0; i < 4; i++) {
		cfg_get(c, "net", keys[i], v, sizeof(v));
		json_object_set_new(o, keys[i], i == 3 ?
				    json_integer(atoi(v)) : json_string(v));
	}
	return o;
}

static json_t *network_json(struct webd *w)
{
	static struct rtstat st;
	char why[512] = "", ports[512];
	struct rtview *v = webapi_rtview(w, why, sizeof(why));
	struct netcfg_msg m;
	json_t *o = json_object();

	json_object_set_new(o, "interface", json_string(
		w->cfg->net.tap_ifname));
	if (w->nl && !nlsnoop_state(w->nl, &m))
		json_object_set_new(o, "linux", state_json(&m));
	else
		json_object_set_new(o, "linux", json_pack(
			"{s:s}", "error", "cannot read the interface"));
	if (v && !rtview_read(v, &st, why, sizeof(why))) {
		struct netcfg_msg r = {
			.ip = st.net.ip, .prefix_len = st.net.prefix_len,
			.gateway = st.net.gateway, .mtu = st.net.mtu,
			.up = st.net.up,
		};
		json_t *rt;

		memcpy(r.mac, st.net.mac, 6);
		rt = state_json(&r);
		json_object_set_new(rt, "settings_seq",
				    json_integer(st.net.netcfg_seq));
		json_object_set_new(rt, "applied_s_ago", json_real(
			st.net.netcfg_applied_ns ? (double)(rtk_now_ns() -
			st.net.netcfg_applied_ns) / 1e9 : -1.0));
		json_object_set_new(o, "rt", rt);
	} else {
		json_object_set_new(o, "rt", json_pack("{s:s}", "error", why));
	}
	cfg_format_ports(&w->cfg->ports.rt, ports, sizeof(ports));
	json_object_set_new(o, "ports", json_pack(
		"{s:s, s:s, s:i, s:i, s:i}", "rt_config", ports,
		"rt_now", v && !ports_format(bus_ports(rtview_bus(v)), ports,
					      sizeof(ports)) ? ports : "?",
		"sip", w->cfg->sip.port, "rtp_min", w->cfg->sip.rtp_port_min,
		"rtp_max", w->cfg->sip.rtp_port_max));
	json_object_set_new(o, "ports_note", json_string(
		"UDP ports of the RT partition; every other port is Linux's. "
		"[ports] rt changes at the next start of the gateway."));
	json_object_set_new(o, "config", config_json(w->cfg));
	return o;
}

/* the requested settings over the interface's state now */
static void wanted(const json_t *o, const struct gw_config *c,
		   const struct netcfg_msg *now, struct netcfg_msg *want)
{
	*want = *now;
	if (json_object_get(o, "address")) {
		want->ip = c->net.address.addr.s_addr;
		want->prefix_len = (uint8_t)c->net.address.len;
	}
	if (json_object_get(o, "gateway"))
		want->gateway = c->net.gateway.s_addr;
	if (json_object_get(o, "mac"))
		memcpy(want->mac, c->net.mac, 6);
	if (json_object_get(o, "mtu"))
		want->mtu = (uint32_t)c->net.mtu;
}

static void put_network(struct webd *w, const struct webapi_req *rq,
			struct webapi_resp *rs)
{
	static const char *const keys[] = { "address", "gateway", "mac",
					    "mtu", NULL };
	struct gw_config *cur = malloc(sizeof(*cur) * 3), *base, *c;
	struct netcfg_msg now, want;
	struct webreq_err e;
	char why[300], reply[256];
	json_t *o = NULL;
	bool readdr;

	if (!cur) {
		webapi_fail(rs, 500, "", "out of memory");
		return;
	}
	base = cur + 1;
	c = cur + 2;
	o = webreq_parse(rq->body, rq->len, &e);
	if (!o || webreq_only(o, keys, &e))
		goto fail;
	if (json_object_get(o, "mtu") && !json_is_integer(
		    json_object_get(o, "mtu"))) {
		webreq_fail(&e, 400, "mtu", "mtu: must be an integer");
		goto fail;
	}
	if (webcfg_load(w->local, cur, base, &e))
		goto fail;
	*c = *cur;
	if (webcfg_fixed_apply(c, "net", o, keys, &e))
		goto fail;
	if (webcfg_validate(c, &e)) {
		e.status = 400;
		goto fail;
	}
	if (!w->nl || nlsnoop_state(w->nl, &now)) {
		webreq_fail(&e, 503, "", "cannot read %s's state",
			    c->net.tap_ifname);
		goto fail;
	}
	wanted(o, c, &now, &want);
	if (webnet_apply(c->net.tap_ifname, &now, &want, why, sizeof(why))) {
		webreq_fail(&e, 500, "", "%s: nothing changed", why);
		goto fail;
	}
	if (webcfg_write(w->local, base, c, &e)) {
		webnet_apply(c->net.tap_ifname, &want, &now, why, sizeof(why));
		goto fail;
	}
	readdr = want.ip != now.ip;
	*w->cfg = *c;
	LOG_INFO("network: %s mtu %u, written to %s", c->net.tap_ifname,
		 want.mtu, w->local);
	o = (json_decref(o), network_json(w));
	/* the SIP engine listens on the address: only a restart moves it */
	if (readdr && c->sip.enable) {
		json_object_set_new(o, "sipd_restart", json_string(
			rtview_ask(w->run_dir, "restart sipd", reply,
				   sizeof(reply), NULL, why, sizeof(why)) ?
			why : "ok"));
	}
	webapi_json(rs, 200, o);
	free(cur);
	return;

 fail:
	json_decref(o);
	free(cur);
	webapi_error(rs, &e);
}

/** GET /api/network: eth0 as the kernel has it, the RT side's applied
 *  settings, the configuration and the port partition; PUT changes eth0
 *  (address, gateway, mac, mtu) and the local configuration file. */
void webapi_network(struct webd *w, const struct webapi_req *rq,
		    struct webapi_resp *rs)
{
	if (!strcmp(rq->method, "GET") || !strcmp(rq->method, "HEAD"))
		webapi_json(rs, 200, network_json(w));
	else if (!strcmp(rq->method, "PUT"))
		put_network(w, rq, rs);
	else
		webapi_fail(rs, 405, "", "GET or PUT /api/network");
}

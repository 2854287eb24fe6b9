// SPDX-License-Identifier: MIT
/** @file pbx_keepalive.c  Keep-alives to registered phones behind NAT
 *
 * A phone behind NAT registers over UDP from the NAT's public address and
 * port; the NAT forgets that binding after a while of silence (30 s to a
 * few minutes), and a call to the phone then never reaches it. RFC 5626
 * leaves the keep-alive to the phone, and many phones do nothing. So,
 * as PBXes do ("qualify"), once every [sip] nat_keepalive seconds sipd
 * sends each such contact (location.h: loc_keepalive_next()) an OPTIONS,
 * to its contact URI and to where its REGISTER came from (the NAT), and
 * keeps the answer and its round trip (gwctl sip: keepalive_status,
 * keepalive_rtt_ms; 408 when none came, 503 when Sofia-SIP could not
 * deliver it: an ICMP error). Any answer will do: it is the traffic both
 * ways that keeps the binding.
 *
 * At most KA_PENDING are waiting for their answer at once; a contact due
 * meanwhile waits for the next second. Counted: keepalives_sent,
 * keepalives_unanswered (a final status of 408 or above 499: no phone
 * answered, or it could not be reached).
 */
#define LOG_MODULE "pbx"
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>

#include "rtos-kernel/log.h"
#include "rtos-kernel/rtk.h"
#include "signalling/pbx_priv.h"

#define KA_TICK_MS	1000
#define KA_PENDING	32

static struct ka {
	nua_handle_t *nh;
	char number[32];
	char uri[LOC_URI];
	int64_t sent_ms;
} pend[KA_PENDING];

static su_timer_t *tick;

static struct ka *free_slot(void)
{
	for (unsigned i = 0; i < KA_PENDING; i++)
		if (!pend[i].nh)
			return &pend[i];
	return NULL;
}

/* an OPTIONS to @p ct of @p number, through its NAT */
static void send_one(struct ka *k, const char *number,
		     const struct loc_contact *ct)
{
	char hop[LOC_HOP], from[96], ip[INET_ADDRSTRLEN];

	if (!loc_nat_hop(ct->uri, ct->received, hop, sizeof(hop)))
		return;
	inet_ntop(AF_INET, &pbx.sip_ip, ip, sizeof(ip));
	snprintf(from, sizeof(from), "<sip:gateway@%s>", ip);
	k->nh = nua_handle(pbx.nua, NULL, NUTAG_URL(ct->uri),
			   SIPTAG_TO_STR(ct->uri), SIPTAG_FROM_STR(from),
			   TAG_END());
	if (!k->nh)
		return;
	nua_set_hparams(k->nh, NUTAG_PROXY(hop), TAG_END());
	nua_options(k->nh, TAG_END());
	snprintf(k->number, sizeof(k->number), "%s", number);
	snprintf(k->uri, sizeof(k->uri), "%s", ct->uri);
	k->sent_ms = rtk_now_ms();
	pbx.st.keepalives_sent++;
}

static void ka_tick(su_root_magic_t *m, su_timer_t *t, su_timer_arg_t *arg)
{
	unsigned every = (unsigned)pbx.cfg->sip.nat_keepalive;
	struct loc_contact ct;
	char number[32];
	struct ka *k;

	(void)m;
	(void)t;
	(void)arg;
	while (every && (k = free_slot()) &&
	       loc_keepalive_next(pbx.loc, now_s(), every, number,
				  sizeof(number), &ct))
		send_one(k, number, &ct);
}

/** The answer @p status to a keep-alive on @p nh (nua_r_options of a
 *  handle without a call): kept, and the handle let go at a final one.
 *  @return whether @p nh was a keep-alive's */
bool keepalive_answer(nua_handle_t *nh, int status)
{
	for (unsigned i = 0; i < KA_PENDING; i++) {
		struct ka *k = &pend[i];

		if (k->nh != nh)
			continue;
		if (status < 200)
			return true;
		loc_keepalive_result(pbx.loc, k->number, k->uri, status,
				     (uint32_t)(rtk_now_ms() - k->sent_ms));
		if (status == 408 || status >= 500) {
			pbx.st.keepalives_unanswered++;
			LOG_DBG("keep-alive to %s (%s): %d", k->uri,
				  k->number, status);
		}
		nua_handle_destroy(nh);
		k->nh = NULL;
		return true;
	}
	return false;
}

/** Start the keep-alives (once a second, on the engine's loop). */
int keepalive_start(void)
{
	tick = su_timer_create(su_root_task(pbx.root), KA_TICK_MS);
	if (!tick)
		return -ENOMEM;
	return su_timer_run(tick, ka_tick, NULL) ? -EIO : 0;
}

/** Stop them; the handles still waiting are let go. */
void keepalive_stop(void)
{
	su_timer_destroy(tick);
	tick = NULL;
	for (unsigned i = 0; i < KA_PENDING; i++) {
		if (pend[i].nh)
			nua_handle_destroy(pend[i].nh);
		pend[i].nh = NULL;
	}
}

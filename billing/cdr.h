/* SPDX-License-Identifier: MIT */
/** @file cdr.h  Call detail records: built from call records, checked,
 *  encoded
 *
 * A CDR is what billing keeps of one call attempt. The billing client
 * builds it from the SIP engine's struct callrec (signalling/callrec.h):
 * the two parties with their kinds, the three times, duration and billable
 * seconds, disposition and hang-up cause, codec, and the voice quality the
 * RT partition measured on the call's RTP legs, summed up. The billing
 * server adds its rating and the time it received the CDR.
 *
 * Times are microseconds since the epoch (UTC). duration and billsec are
 * whole seconds, counted as started seconds (Asterisk's
 * "initiatedseconds"): duration = ceil((end - start) / 1 s), billsec =
 * ceil((end - answer) / 1 s) for an answered call, else 0. A CDR whose
 * call record has no end time (0) ends at its answer, or at its start.
 *
 * Quality, over the legs: packets and losses are sums, jitter is the
 * worst leg's, MOS the worst leg's among legs that received packets (0: no
 * media), loss_pct = lost / (packets_rx + lost).
 *
 * JSON (one object, the same in the client's spool, on the wire and in
 * the server's JSON output of one CDR):
 *   {"id":"...", "caller":"1001", "callee":"05550100",
 *    "src":{"kind":"ext","name":"1001"}, "dst":{"kind":"trunk","name":"pstn"},
 *    "start_us":..., "answer_us":..., "end_us":...,
 *    "duration":63, "billsec":61, "disposition":"ANSWERED",
 *    "cause":200, "cause_text":"OK", "codec":"PCMU",
 *    "packets_rx":..., "packets_tx":..., "lost":..., "late":...,
 *    "loss_pct":0.1, "jitter_ms":0.8, "mos":4.38, "gateway":"gw1"}
 * and, from the server only: "rate_prefix", "rate_name", "cost" (a
 * decimal string, see billing/rate.h) and "received_us". Unknown keys are
 * refused, so that a newer peer's CDR is never silently cut down.
 *
 * Ids are 1..63 characters of [A-Za-z0-9._:@-]; text fields hold no
 * control characters. Context: Linux side; no function keeps state.
 */
#ifndef BILLING_CDR_H
#define BILLING_CDR_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "signalling/callrec.h"

#define CDR_ID		CALLREC_ID	/**< id: up to 63 characters */
#define CDR_NUM		CALLREC_NUM
#define CDR_NAME	CALLREC_NAME
#define CDR_GATEWAY	32
#define CDR_RATE_PREFIX	24
#define CDR_RATE_NAME	48
#define CDR_MAX_JSON	2048	/**< a CDR's JSON is never longer */
#define CDR_UNRATED	INT64_MIN	/**< cost of a CDR nobody rated */

/** One side of the call: what kind of endpoint, and its name (extension
 *  number, FXS port, trunk name, PSTN line) */
struct cdr_party {
	char kind[8];		/**< ext, fxs, trunk, pstn, unknown */
	char name[CDR_NAME];
};

struct cdr {
	char id[CDR_ID];		/**< unique: the call record's id */
	char caller[CDR_NUM];
	char callee[CDR_NUM];
	struct cdr_party src, dst;
	int64_t start_us, answer_us, end_us;	/**< answer 0: unanswered */
	int64_t duration;		/**< seconds */
	int64_t billsec;		/**< seconds */
	enum callrec_disp disposition;
	int cause;			/**< SIP status or Q.850 cause, 0..999 */
	char cause_text[64];
	char codec[16];
	uint64_t packets_rx, packets_tx, lost, late;
	double loss_pct, jitter_ms, mos;
	char gateway[CDR_GATEWAY];	/**< the gateway that produced it */
	/* set by the billing server */
	char rate_prefix[CDR_RATE_PREFIX];	/**< "" when unrated */
	char rate_name[CDR_RATE_NAME];
	int64_t cost;			/**< micro-units, or CDR_UNRATED */
	int64_t received_us;		/**< 0: not yet received */
};

int  cdr_from_callrec(struct cdr *c, const struct callrec *r,
		      const char *gateway, char *why, size_t whylen);
int  cdr_check(const struct cdr *c, char *why, size_t whylen);
bool cdr_id_valid(const char *id);
int64_t cdr_seconds(int64_t from_us, int64_t to_us);

json_t *cdr_to_jobj(const struct cdr *c);
int  cdr_to_json(const struct cdr *c, char *buf, size_t len);
int  cdr_from_jobj(json_t *o, struct cdr *c, char *why, size_t whylen);
int  cdr_from_json(const char *json, size_t len, struct cdr *c, char *why,
		   size_t whylen);

#endif /* BILLING_CDR_H */

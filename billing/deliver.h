/* SPDX-License-Identifier: MIT */
/** @file deliver.h  The billing client's delivery: CDRs from the spool to
 *  the billing server, until acknowledged
 *
 * One thread (started by deliver_start()) takes the oldest records of the
 * spool (billing/spool.h) in batches of up to [billing] batch, sends each
 * batch as one Submit request (billing/bproto.h) over a connection it keeps
 * open (TLS when configured), and acknowledges the batch in the spool only
 * when the server's Ack lists every id of the request, in order. Then the
 * next batch; one request is in flight at a time.
 *
 * Failures (no route, refused, timeout, TLS, a store error at the server,
 * a lost connection): the connection is dropped and the same records are
 * sent again after a back-off that starts at backoff_min_ms, doubles at
 * each failure in a row up to backoff_max_ms, and is drawn at random in
 * [delay/2, delay] so that many gateways do not retry in step. Whatever
 * was stored at the server before a failure is acknowledged again as a
 * duplicate: nothing is lost, nothing stored twice.
 *
 * A CDR the server refuses as invalid ("invalid-cdr", or a one-CDR request
 * refused as malformed) cannot be delivered by retrying: it is appended to
 * the rejected file (one JSON line {"refused_us":..., "reason":"...",
 * "cdr":...} made durable with fdatasync) and the rest of the batch is sent
 * again; such CDRs are counted. A connection idle for DELIVER_IDLE_MS is
 * closed.
 *
 * The state for status reports (deliver_status()) is kept under a mutex;
 * billingd writes it with the spool's figures to status.json.
 */
#ifndef BILLING_DELIVER_H
#define BILLING_DELIVER_H

#include <stdbool.h>
#include <stdint.h>

#include "billing/spool.h"

#define DELIVER_IDLE_MS		30000
#define DELIVER_MAX_BYTES	(900u << 10)	/**< payload per request */

struct deliver;

struct deliver_cfg {
	const char *server;		/**< host:port */
	bool tls;
	const char *ca_file;
	const char *server_name;	/**< "": the host of server */
	const char *client_cert;	/**< "": none */
	const char *client_key;
	int backoff_min_ms, backoff_max_ms;
	int batch;			/**< CDRs per request */
	int ack_timeout_ms;		/**< connect, and wait for an answer */
	const char *rejected_path;	/**< file of refused CDRs */
};

struct deliver_status {
	bool connected;
	uint64_t delivered;		/**< CDRs acknowledged */
	uint64_t duplicates;		/**< of them, already at the server */
	uint64_t rejected;		/**< refused by the server, set aside */
	uint64_t requests;		/**< Submit requests acknowledged */
	uint64_t failures_total;
	unsigned failures;		/**< in a row, now */
	int64_t last_delivery_us;	/**< last Ack (0: none yet) */
	int64_t last_error_us;
	int64_t next_attempt_us;	/**< after a failure: when (0: now) */
	char last_error[256];
};

int  deliver_start(struct deliver **dp, struct spool *sp,
		   const struct deliver_cfg *cfg, char *why, size_t whylen);
void deliver_kick(struct deliver *d);
void deliver_status(struct deliver *d, struct deliver_status *st);
int  deliver_backoff_ms(int min_ms, int max_ms, unsigned failures,
			uint32_t rnd);
struct deliver *deliver_stop(struct deliver *d);

#endif /* BILLING_DELIVER_H */

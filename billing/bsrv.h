/* SPDX-License-Identifier: MIT */
/** @file bsrv.h  The billing server's core: takes CDRs over the delivery
 *  protocol, rates them, stores each once, serves queries
 *
 * bsrv_start() opens the store once (creating its schema), loads the
 * tariffs, listens on the protocol's address (TLS only, when a server
 * certificate is configured) and on the HTTP address (billing/bhttp.h),
 * and runs:
 *  - an accept thread: each client gets a thread of its own, up to
 *    max_clients (one more is answered "busy" and closed);
 *  - per client: its own store connection; for each Submit request
 *    (billing/bproto.h): parse and check every CDR (a bad request is
 *    refused whole: nothing stored), rate each CDR with the tariffs of the
 *    moment (billing/rate.h), stamp received_us, store the batch in one
 *    transaction (store_put(): committed before it returns, each id once),
 *    and only then send the Ack. A store failure is answered "store" (the
 *    client sends again later) and the store connection is opened afresh.
 *    A client silent for BPROTO_IDLE_S seconds is disconnected.
 *
 * Killed at any moment, the server loses nothing acknowledged (the Ack
 * follows the commit) and stores nothing twice (the unique id); a batch
 * committed but not acknowledged is sent again and counted as duplicates.
 *
 * bsrv_reload() swaps in a new tariff table (SIGHUP in billsrv); batches
 * being rated keep the table they took. Counters (bsrv_stats()) are shown
 * by billsrv's HTTP /status.
 */
#ifndef BILLING_BSRV_H
#define BILLING_BSRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bsrv;

struct bsrv_cfg {
	const char *listen;		/**< host:port of the protocol */
	const char *store;		/**< connection string (store.h) */
	const char *tariffs;		/**< tariff file; "" or NULL: none */
	const char *http_listen;	/**< host:port; "" or NULL: no HTTP */
	const char *http_token;		/**< "" or NULL: none */
	const char *server_cert;	/**< set: TLS */
	const char *server_key;
	const char *client_ca;		/**< set: client certificates needed */
	int max_clients;
	int idle_s;			/**< 0: BPROTO_IDLE_S */
};

struct bsrv_stats {
	uint64_t connections;	/**< accepted since start */
	unsigned clients;	/**< connected now */
	uint64_t busy;		/**< turned away: too many clients */
	uint64_t requests;	/**< Submit requests acknowledged */
	uint64_t cdrs;		/**< CDRs acknowledged */
	uint64_t fresh;		/**< of them stored now */
	uint64_t duplicates;	/**< of them already held */
	uint64_t refused;	/**< requests refused (malformed, invalid) */
	uint64_t store_errors;	/**< requests the store failed */
	uint64_t tls_failures;	/**< handshakes that failed */
	int64_t started_us;
	int64_t last_cdr_us;	/**< last Ack sent (0: none) */
	size_t tariffs;		/**< in the table now */
	char currency[8];
};

int  bsrv_start(struct bsrv **sp, const struct bsrv_cfg *cfg, char *why,
		size_t whylen);
uint16_t bsrv_port(const struct bsrv *s);
uint16_t bsrv_http_port(const struct bsrv *s);
int  bsrv_reload(struct bsrv *s, char *why, size_t whylen);
void bsrv_stats(struct bsrv *s, struct bsrv_stats *st);
struct bsrv *bsrv_stop(struct bsrv *s);

#endif /* BILLING_BSRV_H */

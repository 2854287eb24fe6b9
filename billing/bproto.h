/* SPDX-License-Identifier: MIT */
/** @file bproto.h  The CDR delivery protocol between billing client and
 *  server (version 1)
 *
 * TCP (or TLS over TCP when configured), default port 4575. The client
 * sends requests, the server answers each one, in order; one request is
 * in flight at a time. Every message is a frame:
 *
 *   offset 0  2 bytes  magic "BP" (0x42 0x50)
 *          2  1 byte   protocol version: 1
 *          3  1 byte   type: 'S' submit (client), 'A' ack or 'E' error
 *                      (server)
 *          4  4 bytes  body length, big-endian, 0..BPROTO_MAX_BODY
 *          8  body     one UTF-8 JSON object
 *
 * Submit:  {"cdrs":[CDR, ...]}  1..BPROTO_MAX_CDRS CDRs, each as
 *          billing/cdr.h describes (every client key, no other).
 * Ack:     {"acked":["id", ...], "new":N, "duplicates":M}
 *          The ids of the request, in its order. The server sends it only
 *          after the transaction that stored the batch has committed: an
 *          acknowledged CDR is durable at the server. "duplicates" counts
 *          CDRs the server already held (stored earlier: not stored again);
 *          N + M is the number of CDRs in the request.
 * Error:   {"error":"CODE", "message":"human-readable reason"
 *           [, "index":I, "id":"ID"]}
 *          Nothing of the request was stored. Codes:
 *          bad-frame    not this protocol (magic or type); connection closed
 *          version      a version the server does not speak; closed
 *          too-large    body over BPROTO_MAX_BODY; closed (the body is not
 *                       read)
 *          malformed    body not JSON, not {"cdrs":[...]}, no CDR or too
 *                       many; the connection stays usable
 *          invalid-cdr  CDR number I (id ID when it has one) is not a valid
 *                       CDR: the client puts it aside and sends the others
 *          store        the store failed: send again later
 *          busy         too many clients: connection closed, try later
 *
 * A server closes a connection idle for BPROTO_IDLE_S seconds. Exactly
 * once: a client sends a CDR until it is acknowledged (after a lost
 * connection, again), and the server stores each id once, so a CDR sent
 * twice is counted in "duplicates" and acknowledged again.
 *
 * This module is the pure part: frame headers and message bodies, no I/O
 * (billing/bconn.h moves frames). It parses outside input: every length
 * and field is checked.
 */
#ifndef BILLING_BPROTO_H
#define BILLING_BPROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "billing/cdr.h"

#define BPROTO_VERSION	1
#define BPROTO_HDR	8
#define BPROTO_MAX_BODY	(1u << 20)	/**< 1 MiB */
#define BPROTO_MAX_CDRS	1000
#define BPROTO_IDLE_S	300
#define BPROTO_PORT	4575

enum bproto_type {
	BPROTO_SUBMIT = 'S',
	BPROTO_ACK = 'A',
	BPROTO_ERROR = 'E',
};

struct bproto_hdr {
	uint8_t version;
	uint8_t type;
	uint32_t len;
};

/** Why a request was refused (an Error frame's body) */
struct bproto_err {
	char code[16];		/**< "malformed", "invalid-cdr", ... */
	char message[200];
	long index;		/**< invalid-cdr: the CDR's index, else -1 */
	char id[CDR_ID];	/**< invalid-cdr: its id when known */
};

/** A parsed Submit request (owned by the caller: bproto_submit_free()) */
struct bproto_submit {
	size_t n;
	struct cdr *cdrs;
};

/** A parsed Ack */
struct bproto_ack {
	size_t n;
	char (*ids)[CDR_ID];
	uint64_t fresh;		/**< "new" */
	uint64_t duplicates;
};

void bproto_hdr_put(uint8_t h[BPROTO_HDR], uint8_t type, uint32_t len);
int  bproto_hdr_parse(const uint8_t h[BPROTO_HDR], struct bproto_hdr *out,
		      struct bproto_err *e);

int  bproto_submit_parse(const char *body, size_t len,
			 struct bproto_submit *req, struct bproto_err *e);
void bproto_submit_free(struct bproto_submit *req);
char *bproto_submit_build(const char *cdrs, size_t len, size_t *outlen);

char *bproto_ack_build(const struct bproto_submit *req, uint64_t fresh,
		       size_t *outlen);
int  bproto_ack_parse(const char *body, size_t len, struct bproto_ack *ack);
void bproto_ack_free(struct bproto_ack *ack);

void bproto_err_set(struct bproto_err *e, const char *code, long index,
		    const char *id, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
char *bproto_err_build(const struct bproto_err *e, size_t *outlen);
int  bproto_err_parse(const char *body, size_t len, struct bproto_err *e);
bool bproto_err_is_fatal(const struct bproto_err *e);

#endif /* BILLING_BPROTO_H */

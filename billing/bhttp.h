/* SPDX-License-Identifier: MIT */
/** @file bhttp.h  The billing server's HTTP queries (libmicrohttpd)
 *
 * Read-only, GET (and HEAD) only:
 *   GET /cdrs?FILTERS    CDRs, oldest first: the filters and formats of
 *                        billing/cdrq.h (the cdr tool's), format json by
 *                        default; limit defaults to BHTTP_DEF_LIMIT and may
 *                        not exceed BHTTP_MAX_LIMIT (page with offset); the
 *                        header "X-CDR-More: 1" says the limit cut the list
 *   GET /cdrs/ID         one CDR as a JSON object, 404 when not held
 *   GET /status          {"store":"sqlite", "cdrs":N, ...} and whatever the
 *                        server's status callback adds
 * When a token is set, every request needs "Authorization: Bearer TOKEN"
 * (401 otherwise). Refused requests get a 4xx status and a JSON body
 * {"error":"CODE","message":"reason"}: unknown path (404), another method
 * (405), a body (400), an unknown, repeated, empty or bad parameter (400),
 * headers larger than BHTTP_MAX_HEADERS bytes (431, by libmicrohttpd). A
 * store failure is 503.
 *
 * One thread (libmicrohttpd's) answers every request with its own store
 * connection, so queries never wait for the server's writer and never
 * block it (SQLite WAL; PostgreSQL MVCC).
 */
#ifndef BILLING_BHTTP_H
#define BILLING_BHTTP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define BHTTP_DEF_LIMIT		10000
#define BHTTP_MAX_LIMIT		100000
#define BHTTP_MAX_HEADERS	16384
#define BHTTP_MAX_CONN		64

struct bhttp;

/** Adds the server's own figures to /status: returns a new JSON object
 *  whose members are merged in (NULL: none). Called on libmicrohttpd's
 *  thread: it must be thread-safe. */
typedef json_t *(bhttp_status_h)(void *arg);

int  bhttp_start(struct bhttp **hp, const char *hostport,
		 const char *store_spec, const char *token, uint16_t *port,
		 char *why, size_t whylen);
void bhttp_set_status(struct bhttp *h, bhttp_status_h *fn, void *arg);
struct bhttp *bhttp_stop(struct bhttp *h);

#endif /* BILLING_BHTTP_H */

/* SPDX-License-Identifier: MIT */
/** @file digest.h  SIP digest authentication (RFC 3261 22, RFC 2617)
 *
 * MD5 digest with qop=auth. Nonces are stateless: the time they were made
 * and an HMAC-SHA256 of it under a secret drawn at start, so any nonce we
 * made can be checked without keeping it; one older than DIGEST_NONCE_S
 * is "stale" (the client retries without asking its user again).
 *
 * Repeated failures from one source address are counted in a window of
 * fail_window_s that opens at its first failure; when they reach the
 * limit the address is blocked for block_s (every request from it is
 * refused at once, counted). DIGEST_HOSTS addresses are tracked: when the
 * table is full, a new one takes the slot of an address that is not
 * blocked (or, failing that, of one that is) whose window opened first.
 * Address 0 is never tracked.
 *
 * Context: the SIP engine's event loop.
 */
#ifndef SIGNALLING_DIGEST_H
#define SIGNALLING_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DIGEST_NONCE_S	300
#define DIGEST_HOSTS	1024	/* source addresses tracked for failures */

struct digest_creds {
	const char *username, *realm, *nonce, *uri, *response;
	const char *qop, *nc, *cnonce, *algorithm;
};

struct digest_host {
	uint32_t addr;		/* network order; 0: free */
	uint32_t failures;
	uint64_t window_start_s;
	uint64_t blocked_until_s;
};

struct digest {
	char realm[128];
	uint8_t secret[32];
	unsigned fail_limit, fail_window_s, block_s;
	struct digest_host host[DIGEST_HOSTS];
	uint64_t challenges, accepted, rejected, stale, blocked;
};

int  digest_init(struct digest *d, const char *realm, unsigned fail_limit,
		 unsigned fail_window_s, unsigned block_s);
int  digest_challenge(struct digest *d, uint64_t now_s, bool stale,
		      char *buf, size_t len);
int  digest_check(struct digest *d, const struct digest_creds *c,
		  const char *method, const char *password, uint64_t now_s);
bool digest_blocked(struct digest *d, uint32_t addr, uint64_t now_s);
void digest_failed(struct digest *d, uint32_t addr, uint64_t now_s);

#endif /* SIGNALLING_DIGEST_H */

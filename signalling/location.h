/* SPDX-License-Identifier: MIT */
/** @file location.h  The registrar's location store
 *
 * Which contacts each extension has registered, until when. Several
 * contacts per extension (a desk phone and a softphone); a contact is
 * known by its URI and replaced when registered again (keeping its place:
 * lookups give contacts in the order first registered). Lives in memory:
 * phones register again after a restart (their expiry is short).
 * A contact behind NAT over UDP (its REGISTER came from another address
 * than its Contact names: loc_nat_hop()) gets keep-alives, which hold
 * the NAT's binding open for calls to it: loc_keepalive_next() tells
 * which is due, loc_keepalive_result() keeps its answer.
 * Context: the SIP engine's event loop.
 */
#ifndef SIGNALLING_LOCATION_H
#define SIGNALLING_LOCATION_H

#include <stddef.h>
#include <stdint.h>

#define LOC_CONTACTS	4	/* per extension */
#define LOC_URI		256
#define LOC_RECEIVED	64	/* "IP:PORT;transport=tls" */
#define LOC_HOP		(LOC_RECEIVED + 4)	/* "sip:" and that */

struct loc_contact {
	char uri[LOC_URI];
	char received[LOC_RECEIVED];	/* where the REGISTER came from,
					 * "ip:port", ";transport=tcp" or
					 * "tls" over those */
	uint64_t expires_s;	/* absolute, CLOCK_MONOTONIC seconds */
	uint64_t ka_last_s;	/* last NAT keep-alive sent, or when one
				 * was first planned (0: not yet) */
	int ka_status;		/* its last answer (0: none yet) */
	uint32_t ka_rtt_ms;	/* and how long it took */
};

struct loc_entry {
	char number[32];
	unsigned n;
	struct loc_contact c[LOC_CONTACTS];
};

struct location;

int  loc_create(struct location **lp, size_t max_entries);
struct location *loc_destroy(struct location *l);
int  loc_update(struct location *l, const char *number, const char *uri,
		const char *received, unsigned expires, uint64_t now_s);
int  loc_remove_all(struct location *l, const char *number);
size_t loc_lookup(struct location *l, const char *number, uint64_t now_s,
		  struct loc_contact *out, size_t max);
size_t loc_count(struct location *l, uint64_t now_s);
size_t loc_list(struct location *l, uint64_t now_s, struct loc_entry *out,
		size_t max);
const char *loc_nat_hop(const char *contact, const char *received,
			char *hop, size_t len);
int  loc_keepalive_next(struct location *l, uint64_t now_s,
			unsigned every_s, char *number, size_t nlen,
			struct loc_contact *out);
void loc_keepalive_result(struct location *l, const char *number,
			  const char *uri, int status, uint32_t rtt_ms);

#endif /* SIGNALLING_LOCATION_H */

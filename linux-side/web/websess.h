/* SPDX-License-Identifier: MIT */
/** @file websess.h  Login sessions, CSRF tokens and the login rate limit
 *
 * A session is made at a successful login: a random 256-bit id (the
 * cookie's value, HttpOnly, SameSite=Strict) and a second random 256-bit
 * CSRF token, given to the page in the login reply and by GET
 * /api/session, which the page sends back in the X-CSRF-Token header of
 * every request that changes something. A cookie alone (a request another
 * site makes the browser send) therefore changes nothing. Ids and tokens
 * are compared in constant time. A session ends when unused for idle_s,
 * max_s after the login, at logout, or when the password changes (the
 * others).
 *
 * The rate limit counts failed logins per client address: limit failures
 * within window_s block that address for block_s (answered 429 without
 * checking the password). A success clears the address's count.
 *
 * Pure and single-threaded: the caller passes the time (seconds of a
 * monotonic clock) and owns the tables. Randomness from OpenSSL.
 */
#ifndef LINUX_SIDE_WEB_WEBSESS_H
#define LINUX_SIDE_WEB_WEBSESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WEBSESS_MAX		64	/**< sessions at once (oldest ends) */
#define WEBSESS_TOKEN		65	/**< 64 hex digits and a NUL */
#define WEBSESS_USER		32
#define WEBSESS_ADDRS		256	/**< addresses the limiter tracks */
#define WEBSESS_ADDR		48	/**< an address as text */

struct websess {
	bool used;
	char id[WEBSESS_TOKEN];
	char csrf[WEBSESS_TOKEN];
	char user[WEBSESS_USER];
	bool must_change;	/**< only the password may be changed */
	int64_t created_s, used_s;
};

struct websess_table {
	unsigned int idle_s, max_s;
	struct websess s[WEBSESS_MAX];
};

struct websess_addr {
	char addr[WEBSESS_ADDR];	/**< "": free */
	unsigned int fails;
	int64_t first_s;		/**< first failure of the window */
	int64_t blocked_until_s;
	int64_t seen_s;
};

struct websess_limiter {
	unsigned int limit, window_s, block_s;
	uint64_t blocked_total;		/**< logins refused while blocked */
	struct websess_addr a[WEBSESS_ADDRS];
};

void websess_init(struct websess_table *t, unsigned int idle_s,
		  unsigned int max_s);
int  websess_create(struct websess_table *t, const char *user,
		    bool must_change, int64_t now_s, struct websess **sp);
struct websess *websess_find(struct websess_table *t, const char *id,
			     int64_t now_s);
bool websess_csrf_ok(const struct websess *s, const char *token);
void websess_end(struct websess *s);
void websess_end_others(struct websess_table *t, const struct websess *keep);
unsigned int websess_count(const struct websess_table *t, int64_t now_s);

void websess_limiter_init(struct websess_limiter *l, unsigned int limit,
			  unsigned int window_s, unsigned int block_s);
bool websess_login_allowed(struct websess_limiter *l, const char *addr,
			   int64_t now_s, unsigned int *retry_s);
void websess_login_failed(struct websess_limiter *l, const char *addr,
			  int64_t now_s);
void websess_login_ok(struct websess_limiter *l, const char *addr);

#endif /* LINUX_SIDE_WEB_WEBSESS_H */

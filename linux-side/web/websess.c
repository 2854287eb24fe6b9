// SPDX-License-Identifier: MIT
/** @file websess.c  Login sessions, CSRF tokens and the login rate limit */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "linux-side/web/websess.h"

/** Start an empty table: sessions end unused for @p idle_s, or @p max_s
 *  after the login. */
void websess_init(struct websess_table *t, unsigned int idle_s,
		  unsigned int max_s)
{
	memset(t, 0, sizeof(*t));
	t->idle_s = idle_s;
	t->max_s = max_s;
}

static int token(char out[WEBSESS_TOKEN])
{
	unsigned char r[32];

	if (RAND_bytes(r, sizeof(r)) != 1)
		return -EIO;
	for (size_t i = 0; i < sizeof(r); i++)
		snprintf(out + 2 * i, 3, "%02x", r[i]);
	OPENSSL_cleanse(r, sizeof(r));
	return 0;
}

static bool expired(const struct websess_table *t, const struct websess *s,
		    int64_t now_s)
{
	return now_s - s->used_s >= (int64_t)t->idle_s ||
	       now_s - s->created_s >= (int64_t)t->max_s;
}

/**
 * Make a session for @p user (logged in now). When the table is full the
 * least recently used session ends.
 * @return 0, or -EIO when no randomness could be had
 */
int websess_create(struct websess_table *t, const char *user,
		   bool must_change, int64_t now_s, struct websess **sp)
{
	struct websess *s = NULL, *lru = &t->s[0];

	for (size_t i = 0; i < WEBSESS_MAX; i++) {
		struct websess *x = &t->s[i];

		if (x->used && expired(t, x, now_s))
			websess_end(x);
		if (!x->used && !s)
			s = x;
		if (x->used_s < lru->used_s)
			lru = x;
	}
	if (!s)
		s = lru;
	memset(s, 0, sizeof(*s));
	if (token(s->id) || token(s->csrf)) {
		websess_end(s);
		return -EIO;
	}
	snprintf(s->user, sizeof(s->user), "%s", user);
	s->must_change = must_change;
	s->created_s = s->used_s = now_s;
	s->used = true;
	*sp = s;
	return 0;
}

static bool same_token(const char *a, const char *b)
{
	return b && strlen(b) == WEBSESS_TOKEN - 1 &&
	       !CRYPTO_memcmp(a, b, WEBSESS_TOKEN - 1);
}

/** The live session of cookie value @p id (its use time now), or NULL;
 *  an expired one ends here. */
struct websess *websess_find(struct websess_table *t, const char *id,
			     int64_t now_s)
{
	struct websess *found = NULL;

	if (!id)
		return NULL;
	/* look at every slot: the time taken tells nothing of the id */
	for (size_t i = 0; i < WEBSESS_MAX; i++)
		if (t->s[i].used && same_token(t->s[i].id, id))
			found = &t->s[i];
	if (!found)
		return NULL;
	if (expired(t, found, now_s)) {
		websess_end(found);
		return NULL;
	}
	found->used_s = now_s;
	return found;
}

/** Tell whether @p token is the session's CSRF token. */
bool websess_csrf_ok(const struct websess *s, const char *token_)
{
	return s && s->used && same_token(s->csrf, token_);
}

/** End a session (logout). */
void websess_end(struct websess *s)
{
	OPENSSL_cleanse(s, sizeof(*s));
	s->used = false;
}

/** End every session but @p keep (a new password). */
void websess_end_others(struct websess_table *t, const struct websess *keep)
{
	for (size_t i = 0; i < WEBSESS_MAX; i++)
		if (t->s[i].used && &t->s[i] != keep)
			websess_end(&t->s[i]);
}

/** Sessions alive now. */
unsigned int websess_count(const struct websess_table *t, int64_t now_s)
{
	unsigned int n = 0;

	for (size_t i = 0; i < WEBSESS_MAX; i++)
		n += t->s[i].used && !expired(t, &t->s[i], now_s);
	return n;
}

/** Start an empty limiter: @p limit failures within @p window_s block an
 *  address for @p block_s. */
void websess_limiter_init(struct websess_limiter *l, unsigned int limit,
			  unsigned int window_s, unsigned int block_s)
{
	memset(l, 0, sizeof(*l));
	l->limit = limit;
	l->window_s = window_s;
	l->block_s = block_s;
}

/* the entry of @p addr; with @p make, a new one (the least recently seen
 * taken over when all are used) */
static struct websess_addr *entry(struct websess_limiter *l,
				  const char *addr, bool make, int64_t now_s)
{
	struct websess_addr *free_ = NULL, *old = &l->a[0];

	for (size_t i = 0; i < WEBSESS_ADDRS; i++) {
		struct websess_addr *e = &l->a[i];

		if (e->addr[0] && !strncmp(e->addr, addr, WEBSESS_ADDR - 1))
			return e;
		if (!e->addr[0] && !free_)
			free_ = e;
		/* a blocked address is kept over one that is not */
		if (e->addr[0] && e->blocked_until_s <= now_s &&
		    (old->blocked_until_s > now_s || e->seen_s < old->seen_s))
			old = e;
	}
	if (!make)
		return NULL;
	if (!free_)
		free_ = old;
	memset(free_, 0, sizeof(*free_));
	snprintf(free_->addr, sizeof(free_->addr), "%s", addr);
	return free_;
}

/**
 * May @p addr try to log in now?
 * @param retry_s  when not: seconds until it may (may be NULL)
 */
bool websess_login_allowed(struct websess_limiter *l, const char *addr,
			   int64_t now_s, unsigned int *retry_s)
{
	struct websess_addr *e = entry(l, addr, false, now_s);

	if (!e || e->blocked_until_s <= now_s)
		return true;
	if (retry_s)
		*retry_s = (unsigned int)(e->blocked_until_s - now_s);
	l->blocked_total++;
	return false;
}

/** Count a failed login of @p addr; the limit-th within the window blocks
 *  it. */
void websess_login_failed(struct websess_limiter *l, const char *addr,
			  int64_t now_s)
{
	struct websess_addr *e = entry(l, addr, true, now_s);

	e->seen_s = now_s;
	if (!e->fails || now_s - e->first_s >= (int64_t)l->window_s) {
		e->fails = 0;
		e->first_s = now_s;
	}
	if (++e->fails >= l->limit) {
		e->blocked_until_s = now_s + l->block_s;
		e->fails = 0;
	}
}

/** A successful login of @p addr forgets its failures. */
void websess_login_ok(struct websess_limiter *l, const char *addr)
{
	struct websess_addr *e = entry(l, addr, false, 0);

	if (e)
		memset(e, 0, sizeof(*e));
}

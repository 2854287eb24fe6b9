// SPDX-License-Identifier: MIT
/** @file digest.c  SIP digest authentication with stateless nonces */
#include <ctype.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "signalling/digest.h"

#define TS_HEX	16	/* nonce: 16 hex digits of time, 32 of the HMAC */
#define MAC_HEX	32

static void hex(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* MD5 of @p parts joined by ':', in hex; no buffer, so no length limit
 * (RFC 2617 3.2.2: a long Request-URI must not be cut). @return 0 or
 * -ENOMEM */
static int md5_hex(char out[33], size_t n, const char *const parts[])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned len = 0;
	int ok = ctx && EVP_DigestInit_ex(ctx, EVP_md5(), NULL);

	for (size_t i = 0; ok && i < n; i++)
		ok = (!i || EVP_DigestUpdate(ctx, ":", 1)) &&
		     EVP_DigestUpdate(ctx, parts[i], strlen(parts[i]));
	ok = ok && EVP_DigestFinal_ex(ctx, md, &len) && len == 16;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return -ENOMEM;
	hex(md, 16, out);
	return 0;
}

static void nonce_mac(const struct digest *d, const char *ts, char out[33])
{
	uint8_t mac[32];
	unsigned len = 0;

	HMAC(EVP_sha256(), d->secret, sizeof(d->secret),
	     (const uint8_t *)ts, strlen(ts), mac, &len);
	hex(mac, 16, out);
}

/** Prepare @p d for @p realm, with the failure limits (a limit of 0 turns
 *  blocking off). @return 0 or a negative errno (no randomness) */
int digest_init(struct digest *d, const char *realm, unsigned fail_limit,
		unsigned fail_window_s, unsigned block_s)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->realm, sizeof(d->realm), "%s", realm);
	d->fail_limit = fail_limit;
	d->fail_window_s = fail_window_s;
	d->block_s = block_s;
	if (getrandom(d->secret, sizeof(d->secret), 0) != sizeof(d->secret))
		return -errno;
	return 0;
}

/** Write a WWW-/Proxy-Authenticate value with a fresh nonce.
 *  @return 0 or -ENOSPC */
int digest_challenge(struct digest *d, uint64_t now_s, bool stale, char *buf,
		     size_t len)
{
	char ts[TS_HEX + 1], mac[MAC_HEX + 1];
	int n;

	snprintf(ts, sizeof(ts), "%016llx", (unsigned long long)now_s);
	nonce_mac(d, ts, mac);
	n = snprintf(buf, len, "Digest realm=\"%s\", nonce=\"%s%s\", "
		     "qop=\"auth\", algorithm=MD5%s", d->realm, ts, mac,
		     stale ? ", stale=true" : "");
	d->challenges++;
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

static int check_nonce(const struct digest *d, const char *nonce,
		       uint64_t now_s)
{
	char ts[TS_HEX + 1], mac[MAC_HEX + 1];
	unsigned long long made;
	char *end;

	if (strlen(nonce) != TS_HEX + MAC_HEX)
		return -EACCES;
	memcpy(ts, nonce, TS_HEX);
	ts[TS_HEX] = '\0';
	nonce_mac(d, ts, mac);
	if (CRYPTO_memcmp(mac, nonce + TS_HEX, MAC_HEX))
		return -EACCES;		/* not one of ours */
	made = strtoull(ts, &end, 16);
	if (*end || made > now_s + 5)
		return -EACCES;
	/* made may be up to 5 s ahead of now_s: no unsigned now_s - made */
	return now_s > made + DIGEST_NONCE_S ? -ESTALE : 0;
}

/** Check credentials against @p password for @p method.
 *  @return 0 accepted; -ESTALE a good response to an old nonce (challenge
 *  again with stale=true); -EACCES wrong; -EINVAL malformed; -ENOMEM
 *  no memory for the hash */
int digest_check(struct digest *d, const struct digest_creds *c,
		 const char *method, const char *password, uint64_t now_s)
{
	char ha1[33], ha2[33], want[33], got[32];
	/* RFC 2617 3.2.2.1; without qop, RFC 2069 */
	const char *a1[] = { c->username, c->realm, password };
	const char *a2[] = { method, c->uri };
	const char *r_qop[] = { ha1, c->nonce, c->nc, c->cnonce, c->qop, ha2 };
	const char *r_2069[] = { ha1, c->nonce, ha2 };
	int err;

	if (!c->username || !c->realm || !c->nonce || !c->uri ||
	    !c->response || strlen(c->response) != 32 ||
	    (c->algorithm && strcasecmp(c->algorithm, "MD5")) ||
	    (c->qop && (strcmp(c->qop, "auth") || !c->nc || !c->cnonce))) {
		d->rejected++;
		return -EINVAL;
	}
	if (strcmp(c->realm, d->realm)) {
		d->rejected++;
		return -EACCES;
	}
	if (md5_hex(ha1, 3, a1) || md5_hex(ha2, 2, a2) ||
	    (c->qop ? md5_hex(want, 6, r_qop) : md5_hex(want, 3, r_2069))) {
		d->rejected++;
		return -ENOMEM;
	}
	/* constant time: a timing leak would reveal the response that works
	 * for this nonce, cnonce and URI */
	for (int i = 0; i < 32; i++)
		got[i] = (char)tolower((unsigned char)c->response[i]);
	if (CRYPTO_memcmp(want, got, 32)) {
		d->rejected++;
		return -EACCES;
	}
	err = check_nonce(d, c->nonce, now_s);
	if (err == -ESTALE)
		d->stale++;
	else if (err)
		d->rejected++;
	else
		d->accepted++;
	return err;
}

/* Whether @p a should be forgotten before @p b: a host that is not
 * blocked before one that is, then the one whose window began first. */
static bool evict_first(const struct digest_host *a,
			const struct digest_host *b, uint64_t now_s)
{
	bool a_blocked = a->blocked_until_s > now_s;
	bool b_blocked = b->blocked_until_s > now_s;

	if (a_blocked != b_blocked)
		return b_blocked;
	return a->window_start_s < b->window_start_s;
}

/* The slot of @p addr; with @p add, a new one when it has none: a free
 * slot, else the one evict_first() picks. Address 0 marks a free slot, so
 * it is never tracked. */
static struct digest_host *host(struct digest *d, uint32_t addr, bool add,
				uint64_t now_s)
{
	struct digest_host *free_slot = NULL, *oldest = &d->host[0];

	if (!addr)
		return NULL;
	for (unsigned i = 0; i < DIGEST_HOSTS; i++) {
		struct digest_host *h = &d->host[i];

		if (h->addr == addr)
			return h;
		if (!h->addr && !free_slot)
			free_slot = h;
		if (evict_first(h, oldest, now_s))
			oldest = h;
	}
	if (!add)
		return NULL;
	if (!free_slot)		/* table full: forget an address */
		free_slot = oldest;
	memset(free_slot, 0, sizeof(*free_slot));
	free_slot->addr = addr;
	return free_slot;
}

/** Whether @p addr is blocked for failing too often (counted). */
bool digest_blocked(struct digest *d, uint32_t addr, uint64_t now_s)
{
	struct digest_host *h = host(d, addr, false, now_s);

	if (!h || h->blocked_until_s <= now_s)
		return false;
	d->blocked++;
	return true;
}

/** Count a failed authentication from @p addr; block it when the failures
 *  in the window reach the limit. */
void digest_failed(struct digest *d, uint32_t addr, uint64_t now_s)
{
	struct digest_host *h;

	if (!d->fail_limit)
		return;
	h = host(d, addr, true, now_s);
	if (!h)
		return;
	if (!h->failures || now_s - h->window_start_s > d->fail_window_s) {
		h->window_start_s = now_s;
		h->failures = 0;
	}
	if (++h->failures >= d->fail_limit)
		h->blocked_until_s = now_s + d->block_s;
}

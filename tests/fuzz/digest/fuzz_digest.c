// SPDX-License-Identifier: MIT
/** @file fuzz_digest.c  Fuzz SIP digest checking and failure counting
 *
 * digest.c has no parser of its own: Sofia splits the Authorization
 * header, and pbx_sip.c hands digest_check() the fields as strings, which
 * anyone who can reach the SIP port chooses. So the input is those
 * fields. Layout:
 *
 *   byte 0    bits 0-7: username, realm, nonce, uri, response, qop, nc,
 *             cnonce absent (NULL)
 *   byte 1    bit 0: algorithm absent; bit 1: nonce "@" becomes a fresh
 *             nonce of ours (made at T0); bit 2: response "@" becomes the
 *             right response for the other fields; bits 3-7: addresses
 *             for the failure counter
 *   bytes 2-3 seconds from T0 to the check (big-endian)
 *   then      username, realm, nonce, uri, response, qop, nc, cnonce,
 *             algorithm, method, password: separated by '\n'
 *
 * The secret is fixed so that a seed can carry a nonce of ours. Every
 * field is its own exact-size heap string. Checked: the result is one of
 * the documented codes and exactly one counter moved; an accepted or
 * stale answer is the right response (recomputed here with OpenSSL) to a
 * nonce we made, for our realm; a fresh nonce with the right response is
 * accepted, or stale exactly when older than DIGEST_NONCE_S. Then failures
 * from the addresses the input names block them as digest.h says.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "signalling/digest.h"

#define REALM	"gw.example"
#define T0	1000000ull
#define NFIELDS	11

enum { F_USER, F_REALM, F_NONCE, F_URI, F_RESP, F_QOP, F_NC, F_CNONCE,
       F_ALG, F_METHOD, F_PW };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct digest dg;

/* MD5 of @p parts joined by ':', in hex, independently of digest.c */
static void md5_join(char out[33], size_t n, const char *const parts[])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned len = 0;

	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_md5(), NULL))
		abort();
	for (size_t i = 0; i < n; i++)
		if ((i && !EVP_DigestUpdate(ctx, ":", 1)) ||
		    !EVP_DigestUpdate(ctx, parts[i], strlen(parts[i])))
			abort();
	if (!EVP_DigestFinal_ex(ctx, md, &len) || len != 16)
		abort();
	EVP_MD_CTX_free(ctx);
	for (unsigned i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* the right response for @p c, or false when a field it needs is absent */
static bool right_response(const struct digest_creds *c, const char *method,
			   const char *pw, char out[33])
{
	char ha1[33], ha2[33];

	if (!c->username || !c->realm || !c->uri || !c->nonce ||
	    (c->qop && (!c->nc || !c->cnonce)))
		return false;
	md5_join(ha1, 3, (const char *[]){ c->username, c->realm, pw });
	md5_join(ha2, 2, (const char *[]){ method, c->uri });
	if (c->qop)
		md5_join(out, 6, (const char *[]){ ha1, c->nonce, c->nc,
			 c->cnonce, c->qop, ha2 });
	else
		md5_join(out, 3, (const char *[]){ ha1, c->nonce, ha2 });
	return true;
}

static void fresh_nonce(char out[64])
{
	char chal[256];
	const char *p;

	if (digest_challenge(&dg, T0, false, chal, sizeof(chal)))
		abort();
	p = strstr(chal, "nonce=\"");
	if (!p || strlen(p) < 7 + 48 || p[7 + 48] != '"')
		abort();
	memcpy(out, p + 7, 48);
	out[48] = '\0';
}

static void check_creds(const uint8_t *data, size_t size)
{
	char *f[NFIELDS] = { NULL }, nonce[64], resp[33], want[33];
	const char *end = (const char *)data + size, *p;
	uint64_t now, before;
	struct digest_creds c;
	bool fresh, right = false;
	int err;

	p = (const char *)data + 4;
	for (unsigned i = 0; i < NFIELDS; i++) {
		const char *nl = p < end ? memchr(p, '\n', (size_t)(end - p)) :
				 NULL;
		size_t len = p < end ? (size_t)((nl ? nl : end) - p) : 0;

		f[i] = malloc(len + 1);
		if (!f[i])
			abort();
		memcpy(f[i], p, len);
		f[i][len] = '\0';
		p = nl ? nl + 1 : end;
	}
	c = (struct digest_creds){
		.username = data[0] & 1 ? NULL : f[F_USER],
		.realm = data[0] & 2 ? NULL : f[F_REALM],
		.nonce = data[0] & 4 ? NULL : f[F_NONCE],
		.uri = data[0] & 8 ? NULL : f[F_URI],
		.response = data[0] & 16 ? NULL : f[F_RESP],
		.qop = data[0] & 32 ? NULL : f[F_QOP],
		.nc = data[0] & 64 ? NULL : f[F_NC],
		.cnonce = data[0] & 128 ? NULL : f[F_CNONCE],
		.algorithm = data[1] & 1 ? NULL : f[F_ALG],
	};
	now = T0 + ((uint64_t)data[2] << 8 | data[3]);
	fresh = (data[1] & 2) && c.nonce && !strcmp(c.nonce, "@");
	if (fresh) {
		fresh_nonce(nonce);
		c.nonce = nonce;
	}
	if ((data[1] & 4) && c.response && !strcmp(c.response, "@") &&
	    right_response(&c, f[F_METHOD], f[F_PW], resp)) {
		c.response = resp;
		right = true;
	}

	before = dg.accepted + dg.rejected + dg.stale;
	err = digest_check(&dg, &c, f[F_METHOD], f[F_PW], now);
	if (dg.accepted + dg.rejected + dg.stale != before + 1)
		abort();
	switch (err) {
	case 0:
	case -ESTALE:
		/* only the right response to a nonce of ours, in our realm */
		if (strcmp(c.realm, REALM) || strlen(c.nonce) != 48 ||
		    !right_response(&c, f[F_METHOD], f[F_PW], want) ||
		    strcasecmp(want, c.response))
			abort();
		break;
	case -EACCES:
	case -EINVAL:
	case -ENOMEM:
		break;
	default:
		abort();
	}
	/* a fresh nonce, the right response, a well-formed request */
	if (fresh && right && !strcmp(c.realm, REALM) &&
	    (!c.qop || !strcmp(c.qop, "auth")) &&
	    (!c.algorithm || !strcasecmp(c.algorithm, "MD5")) &&
	    err != (now - T0 > DIGEST_NONCE_S ? -ESTALE : 0))
		abort();
	for (unsigned i = 0; i < NFIELDS; i++)
		free(f[i]);
}

/* Failures from up to five addresses the input names. */
static void check_blocking(const uint8_t *data, size_t size)
{
	unsigned n = data[1] >> 3 & 7;
	uint64_t now = T0 + ((uint64_t)data[2] << 8 | data[3]);

	for (unsigned i = 0; i < n && 4 + 4 * i + 4 <= size; i++) {
		const uint8_t *a = data + 4 + 4 * i;
		uint32_t addr = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 |
				(uint32_t)a[2] << 8 | a[3];

		for (unsigned k = 0; k < dg.fail_limit; k++) {
			if (digest_blocked(&dg, addr, now))
				abort();	/* blocked before the limit */
			digest_failed(&dg, addr, now);
		}
		if (digest_blocked(&dg, addr, now) != (addr != 0))
			abort();
		if (digest_blocked(&dg, addr, now + dg.block_s))
			abort();
		now += dg.block_s;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 4)
		return 0;
	if (digest_init(&dg, REALM, 3, 60, 600))
		abort();
	memset(dg.secret, 0x5a, sizeof(dg.secret));
	check_creds(data, size);
	check_blocking(data, size);
	return 0;
}

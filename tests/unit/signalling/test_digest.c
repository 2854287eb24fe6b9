// SPDX-License-Identifier: MIT
/** @file test_digest.c  SIP digest: responses, nonces, failures, blocking
 *
 * Every expected response is computed here, independently of digest.c,
 * with OpenSSL's EVP MD5 (RFC 2617 3.2.2.1), and that helper is first
 * checked against the example of RFC 2617 section 3.5.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "signalling/digest.h"

#define REALM	"gw.example"
#define T0	100000ull	/* monotonic seconds: the first challenge */

static void md5_hex(const char *s, char out[33])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	assert_int_equal(EVP_Digest(s, strlen(s), md, &len, EVP_md5(), NULL),
			 1);
	assert_int_equal(len, 16);
	for (unsigned i = 0; i < 16; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
}

/* RFC 2617 3.2.2.1: HA1 = MD5(user:realm:password), HA2 = MD5(method:uri),
 * response = MD5(HA1:nonce:nc:cnonce:qop:HA2), or MD5(HA1:nonce:HA2)
 * without qop (RFC 2069) */
static void response(const char *user, const char *realm, const char *pw,
		     const char *method, const char *uri, const char *nonce,
		     const char *nc, const char *cnonce, const char *qop,
		     char out[33])
{
	size_t len = strlen(user) + strlen(realm) + strlen(pw) +
		     strlen(method) + strlen(uri) + strlen(nonce) +
		     (qop ? strlen(nc) + strlen(cnonce) + strlen(qop) : 0) +
		     100;
	char *buf = malloc(len), ha1[33], ha2[33];

	assert_non_null(buf);
	snprintf(buf, len, "%s:%s:%s", user, realm, pw);
	md5_hex(buf, ha1);
	snprintf(buf, len, "%s:%s", method, uri);
	md5_hex(buf, ha2);
	if (qop)
		snprintf(buf, len, "%s:%s:%s:%s:%s:%s", ha1, nonce, nc, cnonce,
			 qop, ha2);
	else
		snprintf(buf, len, "%s:%s:%s", ha1, nonce, ha2);
	md5_hex(buf, out);
	free(buf);
}

/* A phone's credentials for a REGISTER, answering @p nonce */
struct phone {
	char nonce[64], resp[33];
	struct digest_creds c;
};

static void phone_answer(struct phone *ph, const char *nonce,
			 const char *realm, const char *pw, const char *method)
{
	memset(ph, 0, sizeof(*ph));
	snprintf(ph->nonce, sizeof(ph->nonce), "%s", nonce);
	ph->c.username = "1001";
	ph->c.realm = realm;
	ph->c.nonce = ph->nonce;
	ph->c.uri = "sip:gw.example";
	ph->c.qop = "auth";
	ph->c.nc = "00000001";
	ph->c.cnonce = "0a4f113b";
	ph->c.algorithm = "MD5";
	response(ph->c.username, realm, pw, method, ph->c.uri, ph->nonce,
		 ph->c.nc, ph->c.cnonce, ph->c.qop, ph->resp);
	ph->c.response = ph->resp;
}

/* The nonce of a challenge written at @p now_s. */
static void challenge_nonce(struct digest *d, uint64_t now_s, char out[64])
{
	char chal[512];
	const char *p;

	assert_int_equal(digest_challenge(d, now_s, false, chal, sizeof(chal)),
			 0);
	p = strstr(chal, "nonce=\"");
	assert_non_null(p);
	p += strlen("nonce=\"");
	assert_non_null(strchr(p, '"'));
	snprintf(out, 64, "%.*s", (int)(strchr(p, '"') - p), p);
	assert_int_equal(strlen(out), 48);
	assert_int_equal(strspn(out, "0123456789abcdef"), 48);
}

static int setup(void **state)
{
	struct digest *d = malloc(sizeof(*d));

	assert_non_null(d);
	assert_int_equal(digest_init(d, REALM, 3, 60, 600), 0);
	*state = d;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

/* --- the helper ----------------------------------------------------------- */

static void test_digest_helper_matches_rfc2617_example(void **state)
{
	char r[33];

	(void)state;
	/* RFC 2617 3.5 */
	response("Mufasa", "testrealm@host.com", "Circle Of Life", "GET",
		 "/dir/index.html", "dcd98b7102dd2f0e8b11d0f600bfb0c093",
		 "00000001", "0a4f113b", "auth", r);
	assert_string_equal(r, "6629fae49393a05397450978507c4ef1");
}

static void test_digest_rfc2617_example_with_our_nonce(void **state)
{
	struct digest *d = *state;
	char nonce[64], r[33];
	struct digest_creds c = {
		.username = "Mufasa", .realm = "testrealm@host.com",
		.uri = "/dir/index.html", .qop = "auth", .nc = "00000001",
		.cnonce = "0a4f113b",
	};

	assert_int_equal(digest_init(d, "testrealm@host.com", 3, 60, 600), 0);
	challenge_nonce(d, T0, nonce);
	response("Mufasa", "testrealm@host.com", "Circle Of Life", "GET",
		 "/dir/index.html", nonce, "00000001", "0a4f113b", "auth", r);
	c.nonce = nonce;
	c.response = r;
	assert_int_equal(digest_check(d, &c, "GET", "Circle Of Life", T0), 0);
	/* the RFC's own nonce is not one of ours */
	c.nonce = "dcd98b7102dd2f0e8b11d0f600bfb0c093";
	c.response = "6629fae49393a05397450978507c4ef1";
	assert_int_equal(digest_check(d, &c, "GET", "Circle Of Life", T0),
			 -EACCES);
	assert_int_equal(d->accepted, 1);
	assert_int_equal(d->rejected, 1);
}

/* --- challenges ----------------------------------------------------------- */

static void test_digest_challenge_text(void **state)
{
	struct digest *d = *state;
	char chal[512], n1[64], n2[64];

	assert_int_equal(digest_challenge(d, T0, false, chal, sizeof(chal)), 0);
	assert_non_null(strstr(chal, "Digest realm=\"" REALM "\""));
	assert_non_null(strstr(chal, "qop=\"auth\""));
	assert_non_null(strstr(chal, "algorithm=MD5"));
	assert_null(strstr(chal, "stale"));
	assert_int_equal(digest_challenge(d, T0, true, chal, sizeof(chal)), 0);
	assert_non_null(strstr(chal, ", stale=true"));
	assert_int_equal(digest_challenge(d, T0, false, chal, 40), -ENOSPC);
	assert_int_equal(d->challenges, 3);
	/* the nonce carries its time: same second, same nonce */
	challenge_nonce(d, T0, n1);
	challenge_nonce(d, T0, n2);
	assert_string_equal(n1, n2);
	challenge_nonce(d, T0 + 1, n2);
	assert_string_not_equal(n1, n2);
}

static void test_digest_secrets_differ(void **state)
{
	struct digest *d = *state, *other = malloc(sizeof(*other));
	char n1[64], n2[64];
	struct phone ph;

	assert_non_null(other);
	assert_int_equal(digest_init(other, REALM, 3, 60, 600), 0);
	challenge_nonce(d, T0, n1);
	challenge_nonce(other, T0, n2);
	assert_string_not_equal(n1, n2);
	/* a nonce of another gateway (or of ours before a restart) */
	phone_answer(&ph, n2, REALM, "secret", "REGISTER");
	assert_int_equal(digest_check(d, &ph.c, "REGISTER", "secret", T0),
			 -EACCES);
	free(other);
}

/* --- checks --------------------------------------------------------------- */

static void test_digest_right_response_accepted(void **state)
{
	struct digest *d = *state;
	char nonce[64];
	struct phone ph;

	challenge_nonce(d, T0, nonce);
	phone_answer(&ph, nonce, REALM, "secret", "REGISTER");
	assert_int_equal(digest_check(d, &ph.c, "REGISTER", "secret", T0 + 2),
			 0);
	/* hex in capitals, algorithm in small letters, no algorithm */
	for (char *p = ph.resp; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	ph.c.algorithm = "md5";
	assert_int_equal(digest_check(d, &ph.c, "REGISTER", "secret", T0 + 2),
			 0);
	ph.c.algorithm = NULL;
	assert_int_equal(digest_check(d, &ph.c, "REGISTER", "secret", T0 + 2),
			 0);
	assert_int_equal(d->accepted, 3);
	assert_int_equal(d->rejected, 0);
}

static void test_digest_rfc2069_without_qop_accepted(void **state)
{
	struct digest *d = *state;
	char nonce[64], r[33];
	struct digest_creds c = {
		.username = "1001", .realm = REALM, .uri = "sip:1002@gw",
	};

	challenge_nonce(d, T0, nonce);
	response("1001", REALM, "secret", "INVITE", "sip:1002@gw", nonce,
		 NULL, NULL, NULL, r);
	c.nonce = nonce;
	c.response = r;
	assert_int_equal(digest_check(d, &c, "INVITE", "secret", T0), 0);
}

static void test_digest_long_fields_not_cut(void **state)
{
	struct digest *d = *state;
	char nonce[64], *uri = malloc(3000), *pw = malloc(1200);
	struct phone ph;

	assert_non_null(uri);
	assert_non_null(pw);
	/* a Request-URI with many parameters; a long password */
	memcpy(uri, "sip:1002@gw.example", 19);
	memset(uri + 19, 'p', 2980);
	uri[2999] = '\0';
	memset(pw, 'w', 1199);
	pw[1199] = '\0';
	challenge_nonce(d, T0, nonce);
	phone_answer(&ph, nonce, REALM, pw, "INVITE");
	ph.c.uri = uri;
	response(ph.c.username, REALM, pw, "INVITE", uri, nonce, ph.c.nc,
		 ph.c.cnonce, ph.c.qop, ph.resp);
	assert_int_equal(digest_check(d, &ph.c, "INVITE", pw, T0), 0);
	/* and the end of each still counts */
	uri[2998] = 'q';
	assert_int_equal(digest_check(d, &ph.c, "INVITE", pw, T0), -EACCES);
	uri[2998] = 'p';
	pw[1198] = 'x';
	assert_int_equal(digest_check(d, &ph.c, "INVITE", pw, T0), -EACCES);
	free(uri);
	free(pw);
}

static void test_digest_wrong_password_refused(void **state)
{
	struct digest *d = *state;
	char nonce[64];
	struct phone ph;

	challenge_nonce(d, T0, nonce);
	phone_answer(&ph, nonce, REALM, "Secret", "REGISTER");
	assert_int_equal(digest_check(d, &ph.c, "REGISTER", "secret", T0),
			 -EACCES);
	phone_answer(&ph, nonce, REALM, "", "REGISTER");
	assert_int_equal(digest_check(d, &ph.c, "REGISTER", "secret", T0),
			 -EACCES);
	assert_int_equal(d->rejected, 2);
	assert_int_equal(d->accepted, 0);
}

static void test_digest_wrong_realm_refused(void **state)
{
	struct digest *d = *state;
	char nonce[64];
	struct phone ph;

	challenge_nonce(d, T0, nonce);
	/* a response made right, but for another realm */
	phone_answer(&ph, nonce, "other.example", "secret", "REGISTER");
	assert_int_equal(digest_check(d, &ph.c, "REGISTER", "secret", T0),
			 -EACCES);
	/* our realm named, but the response made for another one */
	phone_answer(&ph, nonce, "other.example", "secret", "REGISTER");
	ph.c.realm = REALM;
	assert_int_equal(digest_check(d, &ph.c, "REGISTER", "secret", T0),
			 -EACCES);
	assert_int_equal(d->rejected, 2);
}

static void test_digest_response_bound_to_method_uri_and_user(void **state)
{
	struct digest *d = *state;
	char nonce[64];
	struct phone ph;

	challenge_nonce(d, T0, nonce);
	phone_answer(&ph, nonce, REALM, "secret", "INVITE");
	assert_int_equal(digest_check(d, &ph.c, "REGISTER", "secret", T0),
			 -EACCES);
	assert_int_equal(digest_check(d, &ph.c, "INVITE", "secret", T0), 0);
	ph.c.uri = "sip:other@gw.example";
	assert_int_equal(digest_check(d, &ph.c, "INVITE", "secret", T0),
			 -EACCES);
	phone_answer(&ph, nonce, REALM, "secret", "INVITE");
	ph.c.username = "1002";
	assert_int_equal(digest_check(d, &ph.c, "INVITE", "secret", T0),
			 -EACCES);
	phone_answer(&ph, nonce, REALM, "secret", "INVITE");
	ph.c.cnonce = "0a4f113c";
	assert_int_equal(digest_check(d, &ph.c, "INVITE", "secret", T0),
			 -EACCES);
	phone_answer(&ph, nonce, REALM, "secret", "INVITE");
	ph.c.nc = "00000002";
	assert_int_equal(digest_check(d, &ph.c, "INVITE", "secret", T0),
			 -EACCES);
}

static void test_digest_tampered_nonce_refused(void **state)
{
	struct digest *d = *state;
	char nonce[64], bad[80];
	struct phone ph;

	challenge_nonce(d, T0, nonce);
	/* a later time in the nonce, the response made right for it */
	snprintf(bad, sizeof(bad), "%s", nonce);
	bad[15] = bad[15] == 'f' ? 'e' : 'f';
	phone_answer(&ph, bad, REALM, "secret", "REGISTER");
	assert_int_equal(digest_check(d, &ph.c, "REGISTER", "secret", T0),
			 -EACCES);
	/* one character of the MAC */
	snprintf(bad, sizeof(bad), "%s", nonce);
	bad[40] = bad[40] == '0' ? '1' : '0';
	phone_answer(&ph, bad, REALM, "secret", "REGISTER");
	assert_int_equal(digest_check(d, &ph.c, "REGISTER", "secret", T0),
			 -EACCES);
	/* shorter, longer, capitals */
	snprintf(bad, sizeof(bad), "%.47s", nonce);
	phone_answer(&ph, bad, REALM, "secret", "REGISTER");
	assert_int_equal(digest_check(d, &ph.c, "REGISTER", "secret", T0),
			 -EACCES);
	snprintf(bad, sizeof(bad), "%s0", nonce);
	phone_answer(&ph, bad, REALM, "secret", "REGISTER");
	assert_int_equal(digest_check(d, &ph.c, "REGISTER", "secret", T0),
			 -EACCES);
	snprintf(bad, sizeof(bad), "%s", nonce);
	for (char *p = bad; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	if (strcmp(bad, nonce)) {
		phone_answer(&ph, bad, REALM, "secret", "REGISTER");
		assert_int_equal(digest_check(d, &ph.c, "REGISTER", "secret",
					      T0), -EACCES);
	}
	phone_answer(&ph, "", REALM, "secret", "REGISTER");
	assert_int_equal(digest_check(d, &ph.c, "REGISTER", "secret", T0),
			 -EACCES);
	assert_int_equal(d->accepted, 0);
	/* the untouched one still works */
	phone_answer(&ph, nonce, REALM, "secret", "REGISTER");
	assert_int_equal(digest_check(d, &ph.c, "REGISTER", "secret", T0), 0);
}

static void test_digest_stale_nonce(void **state)
{
	struct digest *d = *state;
	char nonce[64];
	struct phone ph;

	challenge_nonce(d, T0, nonce);
	phone_answer(&ph, nonce, REALM, "secret", "REGISTER");
	assert_int_equal(digest_check(d, &ph.c, "REGISTER", "secret",
				      T0 + DIGEST_NONCE_S), 0);
	assert_int_equal(digest_check(d, &ph.c, "REGISTER", "secret",
				      T0 + DIGEST_NONCE_S + 1), -ESTALE);
	assert_int_equal(digest_check(d, &ph.c, "REGISTER", "secret",
				      T0 + 86400), -ESTALE);
	assert_int_equal(d->stale, 2);
	/* a wrong password is wrong, stale or not: no quiet retry */
	phone_answer(&ph, nonce, REALM, "guess", "REGISTER");
	assert_int_equal(digest_check(d, &ph.c, "REGISTER", "secret",
				      T0 + DIGEST_NONCE_S + 1), -EACCES);
	assert_int_equal(d->stale, 2);
}

static void test_digest_nonce_from_the_future_refused(void **state)
{
	struct digest *d = *state;
	char nonce[64];
	struct phone ph;

	challenge_nonce(d, T0 + 100, nonce);
	phone_answer(&ph, nonce, REALM, "secret", "REGISTER");
	assert_int_equal(digest_check(d, &ph.c, "REGISTER", "secret", T0),
			 -EACCES);
	/* a few seconds of slack */
	assert_int_equal(digest_check(d, &ph.c, "REGISTER", "secret",
				      T0 + 95), 0);
}

static void test_digest_malformed_credentials(void **state)
{
	struct digest *d = *state;
	char nonce[64], shortr[33];
	struct phone ph;

	challenge_nonce(d, T0, nonce);
#define MALFORMED(field, value)						\
	do {								\
		phone_answer(&ph, nonce, REALM, "secret", "REGISTER");	\
		ph.c.field = value;					\
		assert_int_equal(digest_check(d, &ph.c, "REGISTER",	\
					      "secret", T0), -EINVAL);	\
	} while (0)
	MALFORMED(username, NULL);
	MALFORMED(realm, NULL);
	MALFORMED(nonce, NULL);
	MALFORMED(uri, NULL);
	MALFORMED(response, NULL);
	MALFORMED(response, "");
	MALFORMED(response, "0123456789abcdef0123456789abcdef0");
	MALFORMED(algorithm, "SHA-256");
	MALFORMED(algorithm, "MD5-sess");
	MALFORMED(qop, "auth-int");
	MALFORMED(qop, "");
	MALFORMED(nc, NULL);
	MALFORMED(cnonce, NULL);
#undef MALFORMED
	phone_answer(&ph, nonce, REALM, "secret", "REGISTER");
	snprintf(shortr, sizeof(shortr), "%.31s", ph.resp);
	ph.c.response = shortr;
	assert_int_equal(digest_check(d, &ph.c, "REGISTER", "secret", T0),
			 -EINVAL);
	assert_int_equal(d->rejected, 14);
	assert_int_equal(d->accepted, 0);
}

/* --- failures and blocking ------------------------------------------------ */

#define HOST_A	0x0a000001u
#define HOST_B	0x0a000002u

static void test_digest_failures_block_then_unblock(void **state)
{
	struct digest *d = *state;	/* limit 3 in 60 s, blocked 600 s */

	assert_false(digest_blocked(d, HOST_A, T0));
	digest_failed(d, HOST_A, T0);
	digest_failed(d, HOST_A, T0 + 10);
	assert_false(digest_blocked(d, HOST_A, T0 + 10));
	digest_failed(d, HOST_A, T0 + 20);
	assert_true(digest_blocked(d, HOST_A, T0 + 20));
	assert_true(digest_blocked(d, HOST_A, T0 + 20 + 599));
	assert_false(digest_blocked(d, HOST_B, T0 + 20));
	assert_int_equal(d->blocked, 2);
	assert_false(digest_blocked(d, HOST_A, T0 + 20 + 600));
	assert_int_equal(d->blocked, 2);
	/* a new window after the block: three failures again */
	digest_failed(d, HOST_A, T0 + 700);
	digest_failed(d, HOST_A, T0 + 701);
	assert_false(digest_blocked(d, HOST_A, T0 + 701));
	digest_failed(d, HOST_A, T0 + 702);
	assert_true(digest_blocked(d, HOST_A, T0 + 702));
}

static void test_digest_failures_outside_window_forgotten(void **state)
{
	struct digest *d = *state;	/* limit 3 in 60 s */

	digest_failed(d, HOST_A, T0);
	digest_failed(d, HOST_A, T0 + 30);
	digest_failed(d, HOST_A, T0 + 61);	/* window over: 1 */
	digest_failed(d, HOST_A, T0 + 90);
	assert_false(digest_blocked(d, HOST_A, T0 + 90));
	digest_failed(d, HOST_A, T0 + 100);
	assert_true(digest_blocked(d, HOST_A, T0 + 100));
}

static void test_digest_failures_counted_early_after_boot(void **state)
{
	struct digest *d = *state;	/* limit 3 in 60 s */

	/* monotonic time still small: the window opens at the host's first
	 * failure, not at 0 */
	digest_failed(d, HOST_A, 50);
	digest_failed(d, HOST_A, 70);
	assert_false(digest_blocked(d, HOST_A, 70));
	digest_failed(d, HOST_A, 80);
	assert_true(digest_blocked(d, HOST_A, 80));
}

static void test_digest_limit_zero_never_blocks(void **state)
{
	struct digest *d = *state;

	assert_int_equal(digest_init(d, REALM, 0, 60, 600), 0);
	for (int i = 0; i < 100; i++)
		digest_failed(d, HOST_A, T0);
	assert_false(digest_blocked(d, HOST_A, T0));
}

static void test_digest_address_zero_not_tracked(void **state)
{
	struct digest *d = *state;

	for (int i = 0; i < 10; i++)
		digest_failed(d, 0, T0);
	assert_false(digest_blocked(d, 0, T0));
	/* a new address must not inherit anything from address 0 */
	digest_failed(d, HOST_A, T0);
	assert_false(digest_blocked(d, HOST_A, T0));
	digest_failed(d, HOST_A, T0);
	assert_false(digest_blocked(d, HOST_A, T0));
}

static const struct digest_host *tracked(const struct digest *d,
					 uint32_t addr)
{
	for (unsigned i = 0; i < DIGEST_HOSTS; i++)
		if (d->host[i].addr == addr)
			return &d->host[i];
	return NULL;
}

static void test_digest_host_table_full(void **state)
{
	struct digest *d = *state;	/* limit 3 in 60 s, blocked 600 s */
	uint32_t a;

	/* the first address is blocked; then the table fills */
	for (int i = 0; i < 3; i++)
		digest_failed(d, HOST_A, T0);
	assert_true(digest_blocked(d, HOST_A, T0));
	for (a = 1; a < DIGEST_HOSTS; a++) {
		digest_failed(d, 0x0b000000u + a, T0 + a / 8);
		digest_failed(d, 0x0b000000u + a, T0 + a / 8);
	}
	assert_non_null(tracked(d, 0x0b000001u));
	/* full: a new address takes the place of the unblocked one whose
	 * window opened first, never the blocked one */
	digest_failed(d, HOST_B, T0 + 200);
	assert_non_null(tracked(d, HOST_B));
	assert_int_equal(tracked(d, HOST_B)->failures, 1);
	assert_null(tracked(d, 0x0b000001u));
	assert_true(digest_blocked(d, HOST_A, T0 + 200));
	assert_int_equal(tracked(d, 0x0b000002u)->failures, 2);
	/* once A's block is over, A is no better kept than the others */
	digest_failed(d, HOST_B + 1, T0 + 700);
	assert_null(tracked(d, HOST_A));
	assert_false(digest_blocked(d, HOST_A, T0 + 700));
}

static void test_digest_host_table_full_of_blocked(void **state)
{
	struct digest *d = *state;	/* limit 3 in 60 s, blocked 600 s */

	for (uint32_t a = 1; a <= DIGEST_HOSTS; a++)
		for (int i = 0; i < 3; i++)
			digest_failed(d, a, T0 + a / 64);
	assert_true(digest_blocked(d, 1, T0 + 100));
	assert_true(digest_blocked(d, DIGEST_HOSTS, T0 + 100));
	/* a new address is still counted, in the oldest one's place */
	for (int i = 0; i < 3; i++)
		digest_failed(d, HOST_B, T0 + 100);
	assert_true(digest_blocked(d, HOST_B, T0 + 100));
	assert_false(digest_blocked(d, 1, T0 + 100));
	assert_true(digest_blocked(d, DIGEST_HOSTS, T0 + 100));
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_digest_helper_matches_rfc2617_example),
		T(test_digest_rfc2617_example_with_our_nonce),
		T(test_digest_challenge_text),
		T(test_digest_secrets_differ),
		T(test_digest_right_response_accepted),
		T(test_digest_rfc2069_without_qop_accepted),
		T(test_digest_long_fields_not_cut),
		T(test_digest_wrong_password_refused),
		T(test_digest_wrong_realm_refused),
		T(test_digest_response_bound_to_method_uri_and_user),
		T(test_digest_tampered_nonce_refused),
		T(test_digest_stale_nonce),
		T(test_digest_nonce_from_the_future_refused),
		T(test_digest_malformed_credentials),
		T(test_digest_failures_block_then_unblock),
		T(test_digest_failures_outside_window_forgotten),
		T(test_digest_failures_counted_early_after_boot),
		T(test_digest_limit_zero_never_blocks),
		T(test_digest_address_zero_not_tracked),
		T(test_digest_host_table_full),
		T(test_digest_host_table_full_of_blocked),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}

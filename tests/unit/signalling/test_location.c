// SPDX-License-Identifier: MIT
/** @file test_location.c  The registrar's location store */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "signalling/location.h"

#define T0	1000ull		/* monotonic seconds */

static int setup(void **state)
{
	struct location *l = NULL;

	assert_int_equal(loc_create(&l, 8), 0);
	assert_non_null(l);
	*state = l;
	return 0;
}

static int teardown(void **state)
{
	assert_null(loc_destroy(*state));
	return 0;
}

static void expect_uris(struct location *l, const char *number,
			uint64_t now_s, const char *const *uris, size_t n)
{
	struct loc_contact c[LOC_CONTACTS + 1];
	size_t got = loc_lookup(l, number, now_s, c, LOC_CONTACTS + 1);

	if (got != n)
		fail_msg("%s: %zu contacts, want %zu", number, got, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(c[i].uri, uris[i]);
}

static void test_loc_register_and_lookup(void **state)
{
	struct location *l = *state;
	struct loc_contact c[LOC_CONTACTS];

	assert_int_equal(loc_update(l, "1001", "sip:1001@198.18.0.20:5062",
				    "198.18.0.20:5062", 3600, T0), 0);
	assert_int_equal(loc_lookup(l, "1001", T0, c, LOC_CONTACTS), 1);
	assert_string_equal(c[0].uri, "sip:1001@198.18.0.20:5062");
	assert_string_equal(c[0].received, "198.18.0.20:5062");
	assert_int_equal(c[0].expires_s, T0 + 3600);
	assert_int_equal(loc_lookup(l, "1002", T0, c, LOC_CONTACTS), 0);
	assert_int_equal(loc_lookup(l, "100", T0, c, LOC_CONTACTS), 0);
	assert_int_equal(loc_count(l, T0), 1);
	/* no received address given */
	assert_int_equal(loc_update(l, "1002", "sip:1002@h", NULL, 60, T0), 0);
	assert_int_equal(loc_lookup(l, "1002", T0, c, LOC_CONTACTS), 1);
	assert_string_equal(c[0].received, "");
}

static void test_loc_several_contacts_in_order(void **state)
{
	struct location *l = *state;
	static const char *const three[] = { "sip:desk@a", "sip:soft@b",
					     "sip:mobile@c" };
	struct loc_contact c[LOC_CONTACTS];

	for (int i = 0; i < 3; i++)
		assert_int_equal(loc_update(l, "1001", three[i], "x", 600,
					    T0 + (uint64_t)i), 0);
	expect_uris(l, "1001", T0 + 10, three, 3);
	/* a refresh replaces the contact in its place */
	assert_int_equal(loc_update(l, "1001", "sip:desk@a", "10.0.0.9:5060",
				    1200, T0 + 100), 0);
	expect_uris(l, "1001", T0 + 100, three, 3);
	assert_int_equal(loc_lookup(l, "1001", T0 + 100, c, LOC_CONTACTS), 3);
	assert_string_equal(c[0].received, "10.0.0.9:5060");
	assert_int_equal(c[0].expires_s, T0 + 1300);
	assert_int_equal(c[1].expires_s, T0 + 601);
	assert_int_equal(loc_count(l, T0 + 100), 3);
	/* at most max */
	assert_int_equal(loc_lookup(l, "1001", T0 + 100, c, 2), 2);
	assert_string_equal(c[1].uri, "sip:soft@b");
	assert_int_equal(loc_lookup(l, "1001", T0 + 100, c, 0), 0);
}

static void test_loc_expiry(void **state)
{
	struct location *l = *state;
	static const char *const after[] = { "sip:a@h", "sip:c@h" };
	static const char *const last[] = { "sip:c@h" };

	assert_int_equal(loc_update(l, "1001", "sip:a@h", "", 300, T0), 0);
	assert_int_equal(loc_update(l, "1001", "sip:b@h", "", 60, T0), 0);
	assert_int_equal(loc_update(l, "1001", "sip:c@h", "", 600, T0), 0);
	assert_int_equal(loc_count(l, T0 + 59), 3);
	/* gone at its expiry second; the others keep their order */
	expect_uris(l, "1001", T0 + 60, after, 2);
	assert_int_equal(loc_count(l, T0 + 60), 2);
	expect_uris(l, "1001", T0 + 300, last, 1);
	expect_uris(l, "1001", T0 + 600, NULL, 0);
	assert_int_equal(loc_count(l, T0 + 600), 0);
}

static void test_loc_unregister_one(void **state)
{
	struct location *l = *state;
	static const char *const rest[] = { "sip:a@h", "sip:c@h" };

	assert_int_equal(loc_update(l, "1001", "sip:a@h", "", 300, T0), 0);
	assert_int_equal(loc_update(l, "1001", "sip:b@h", "", 300, T0), 0);
	assert_int_equal(loc_update(l, "1001", "sip:c@h", "", 300, T0), 0);
	assert_int_equal(loc_update(l, "1001", "sip:b@h", "", 0, T0 + 1), 0);
	expect_uris(l, "1001", T0 + 1, rest, 2);
	/* unknown contact, unknown extension: nothing to do */
	assert_int_equal(loc_update(l, "1001", "sip:z@h", "", 0, T0 + 1), 0);
	assert_int_equal(loc_update(l, "1009", "sip:z@h", "", 0, T0 + 1), 0);
	expect_uris(l, "1001", T0 + 1, rest, 2);
	assert_int_equal(loc_count(l, T0 + 1), 2);
}

static void test_loc_remove_all(void **state)
{
	struct location *l = *state;
	static const char *const other[] = { "sip:x@h" };

	assert_int_equal(loc_update(l, "1001", "sip:a@h", "", 300, T0), 0);
	assert_int_equal(loc_update(l, "1001", "sip:b@h", "", 300, T0), 0);
	assert_int_equal(loc_update(l, "1002", "sip:x@h", "", 300, T0), 0);
	assert_int_equal(loc_remove_all(l, "1001"), 0);
	expect_uris(l, "1001", T0, NULL, 0);
	expect_uris(l, "1002", T0, other, 1);
	assert_int_equal(loc_remove_all(l, "1009"), 0);
	assert_int_equal(loc_remove_all(l, ""), 0);
	assert_int_equal(loc_count(l, T0), 1);
	/* and it may register again */
	assert_int_equal(loc_update(l, "1001", "sip:b@h", "", 300, T0), 0);
	assert_int_equal(loc_count(l, T0), 2);
}

static void test_loc_contacts_full(void **state)
{
	struct location *l = *state;
	char uri[32];

	for (int i = 0; i < LOC_CONTACTS; i++) {
		snprintf(uri, sizeof(uri), "sip:%d@h", i);
		assert_int_equal(loc_update(l, "1001", uri, "", 100 + 100 * i,
					    T0), 0);
	}
	assert_int_equal(loc_update(l, "1001", "sip:more@h", "", 300, T0),
			 -ENOSPC);
	/* a refresh of one of them still works */
	assert_int_equal(loc_update(l, "1001", "sip:1@h", "", 3000, T0), 0);
	assert_int_equal(loc_count(l, T0), LOC_CONTACTS);
	/* once sip:0 expires there is room again, at the end */
	assert_int_equal(loc_update(l, "1001", "sip:more@h", "", 300,
				    T0 + 100), 0);
	{
		struct loc_contact c[LOC_CONTACTS];

		assert_int_equal(loc_lookup(l, "1001", T0 + 100, c,
					    LOC_CONTACTS), LOC_CONTACTS);
		assert_string_equal(c[0].uri, "sip:1@h");
		assert_string_equal(c[LOC_CONTACTS - 1].uri, "sip:more@h");
	}
}

static void test_loc_store_full(void **state)
{
	struct location *l = NULL;
	struct loc_entry e[4];

	(void)state;
	assert_int_equal(loc_create(&l, 2), 0);
	assert_int_equal(loc_update(l, "1001", "sip:a@h", "", 60, T0), 0);
	assert_int_equal(loc_update(l, "1002", "sip:b@h", "", 600, T0), 0);
	assert_int_equal(loc_update(l, "1003", "sip:c@h", "", 600, T0),
			 -ENOSPC);
	assert_int_equal(loc_list(l, T0, e, 4), 2);
	/* 1001's only contact expires: its entry may be taken */
	assert_int_equal(loc_update(l, "1003", "sip:c@h", "", 600, T0 + 60),
			 0);
	assert_int_equal(loc_list(l, T0 + 60, e, 4), 2);
	assert_int_equal(loc_count(l, T0 + 60), 2);
	assert_int_equal(loc_lookup(l, "1001", T0 + 60, NULL, 0), 0);
	/* an unregistered extension frees its entry too */
	assert_int_equal(loc_update(l, "1002", "sip:b@h", "", 0, T0 + 61), 0);
	assert_int_equal(loc_update(l, "1004", "sip:d@h", "", 600, T0 + 61),
			 0);
	assert_int_equal(loc_list(l, T0 + 61, e, 4), 2);
	assert_string_equal(e[0].number, "1003");
	assert_string_equal(e[1].number, "1004");
	assert_null(loc_destroy(l));
}

static void test_loc_list_and_count(void **state)
{
	struct location *l = *state;
	struct loc_entry e[8];

	assert_int_equal(loc_list(l, T0, e, 8), 0);
	assert_int_equal(loc_count(l, T0), 0);
	assert_int_equal(loc_update(l, "1001", "sip:a@h", "", 300, T0), 0);
	assert_int_equal(loc_update(l, "1001", "sip:b@h", "", 100, T0), 0);
	assert_int_equal(loc_update(l, "1002", "sip:c@h", "", 100, T0), 0);
	assert_int_equal(loc_update(l, "2001", "sip:d@h", "", 300, T0), 0);
	assert_int_equal(loc_count(l, T0), 4);
	assert_int_equal(loc_list(l, T0, e, 8), 3);
	assert_string_equal(e[0].number, "1001");
	assert_int_equal(e[0].n, 2);
	assert_string_equal(e[0].c[1].uri, "sip:b@h");
	assert_string_equal(e[1].number, "1002");
	assert_string_equal(e[2].number, "2001");
	assert_int_equal(loc_list(l, T0, e, 2), 2);
	assert_int_equal(loc_list(l, T0, e, 0), 0);
	/* 1002 has nothing live any more: not listed */
	assert_int_equal(loc_list(l, T0 + 100, e, 8), 2);
	assert_string_equal(e[1].number, "2001");
	assert_int_equal(e[0].n, 1);
	assert_int_equal(loc_count(l, T0 + 100), 2);
}

static void test_loc_bad_arguments(void **state)
{
	struct location *l = *state;
	char uri[LOC_URI + 1], number[40];
	struct loc_entry e[8];

	memset(uri, 'u', LOC_URI);
	uri[LOC_URI] = '\0';
	assert_int_equal(loc_update(l, "1001", uri, "", 60, T0), -EINVAL);
	uri[LOC_URI - 1] = '\0';		/* the longest that fits */
	assert_int_equal(loc_update(l, "1001", uri, "", 60, T0), 0);
	assert_int_equal(loc_count(l, T0), 1);
	assert_int_equal(loc_update(l, "", "sip:a@h", "", 60, T0), -EINVAL);
	memset(number, '1', 32);
	number[32] = '\0';
	assert_int_equal(loc_update(l, number, "sip:a@h", "", 60, T0),
			 -EINVAL);
	number[31] = '\0';
	assert_int_equal(loc_update(l, number, "sip:a@h", "", 60, T0), 0);
	assert_int_equal(loc_list(l, T0, e, 8), 2);
	assert_string_equal(e[1].number, number);
	/* a long received address is cut, never overflows */
	memset(uri, '9', 100);
	uri[100] = '\0';
	assert_int_equal(loc_update(l, "1002", "sip:b@h", uri, 60, T0), 0);
	assert_int_equal(loc_list(l, T0, e, 8), 3);
	assert_int_equal(strlen(e[2].c[0].received),
			 sizeof(e[2].c[0].received) - 1);
}

static void test_loc_empty_number_never_matches_a_free_entry(void **state)
{
	struct location *l = *state;
	struct loc_contact c[LOC_CONTACTS];

	assert_int_equal(loc_update(l, "", "sip:a@h", "", 60, T0), -EINVAL);
	assert_int_equal(loc_lookup(l, "", T0, c, LOC_CONTACTS), 0);
	assert_int_equal(loc_update(l, "1001", "sip:b@h", "", 60, T0), 0);
	assert_int_equal(loc_lookup(l, "1001", T0, c, LOC_CONTACTS), 1);
	assert_string_equal(c[0].uri, "sip:b@h");
}

/* loc_nat_hop(contact, received): the hop, or NULL for the contact */
static void expect_hop(const char *contact, const char *received,
		       const char *want)
{
	char hop[80];
	const char *got = loc_nat_hop(contact, received, hop, sizeof(hop));

	if (!want) {
		if (got)
			fail_msg("%s from %s: hop %s, want none", contact,
				 received, got);
		return;
	}
	if (!got)
		fail_msg("%s from %s: no hop, want %s", contact, received,
			 want);
	assert_string_equal(got, want);
}

static void test_loc_nat_hop(void **state)
{
	char small[12];

	(void)state;
	/* the phone is where its Contact says: no hop */
	expect_hop("sip:1004@198.18.0.20:5078", "198.18.0.20:5078", NULL);
	expect_hop("sip:1004@198.18.0.20", "198.18.0.20:5060", NULL);
	expect_hop("sips:1004@198.18.0.20", "198.18.0.20:5061;transport=tls",
		   NULL);
	/* behind NAT: a private address, or the NAT's port */
	expect_hop("sip:1004@192.168.1.10:5060;transport=udp",
		   "198.18.0.20:40112", "sip:198.18.0.20:40112");
	expect_hop("sip:1004@198.18.0.20:5098", "198.18.0.20:5078",
		   "sip:198.18.0.20:5078");
	expect_hop("sip:1004@198.18.0.20", "198.18.0.20:5078",
		   "sip:198.18.0.20:5078");
	expect_hop("sip:1004@phone.local:5060", "198.18.0.20:5060",
		   "sip:198.18.0.20:5060");
	/* over TCP and TLS the port is the connection's: the host decides */
	expect_hop("sip:1004@198.18.0.20:5060;transport=tcp",
		   "198.18.0.20:43210;transport=tcp", NULL);
	expect_hop("sip:1004@10.0.0.9:5060;transport=tcp",
		   "198.18.0.20:43210;transport=tcp",
		   "sip:198.18.0.20:43210;transport=tcp");
	expect_hop("sips:1004@10.0.0.9", "198.18.0.20:43210;transport=tls",
		   "sip:198.18.0.20:43210;transport=tls");
	/* nothing known of the source, or unreadable: the contact */
	expect_hop("sip:1004@10.0.0.9", "", NULL);
	expect_hop("sip:1004@10.0.0.9", NULL, NULL);
	expect_hop("sip:1004@10.0.0.9", "no-port", NULL);
	expect_hop("tel:+15551234", "198.18.0.20:5060", NULL);
	expect_hop("not a uri", "198.18.0.20:5060", NULL);
	/* a hop that does not fit is none */
	assert_null(loc_nat_hop("sip:1004@10.0.0.9", "198.18.0.20:5060",
				small, sizeof(small)));
}

/* next keep-alive due at @p now: its number and contact, or none */
static void expect_due(struct location *l, uint64_t now, unsigned every,
		       const char *number, const char *uri)
{
	struct loc_contact c;
	char n[32] = "";
	int got = loc_keepalive_next(l, now, every, n, sizeof(n), &c);

	if (!number) {
		if (got)
			fail_msg("at %llu: %s %s due, want none",
				 (unsigned long long)now, n, c.uri);
		return;
	}
	if (!got)
		fail_msg("at %llu: none due, want %s", (unsigned long long)now,
			 uri);
	assert_string_equal(n, number);
	assert_string_equal(c.uri, uri);
}

/* keep-alives go to contacts behind NAT over UDP alone, every period from
 * when they are first seen, a new period counted from the last one sent;
 * their answers are kept; a contact gone gets none */
static void test_loc_keepalive(void **state)
{
	static const char nat[] = "sip:1004@192.168.1.10:5060";
	struct location *l = *state;
	struct loc_contact c;

	assert_int_equal(loc_update(l, "1004", nat, "198.18.0.20:40112", 600,
				    T0), 0);
	assert_int_equal(loc_update(l, "1001", "sip:1001@198.18.0.20:5070",
				    "198.18.0.20:5070", 600, T0), 0);
	assert_int_equal(loc_update(l, "1002",
				    "sip:1002@10.0.0.6:5060;transport=tcp",
				    "198.18.0.20:43210;transport=tcp", 600, T0),
			 0);
	expect_due(l, T0, 30, NULL, NULL);		/* planned: T0 + 30 */
	expect_due(l, T0 + 29, 30, NULL, NULL);
	expect_due(l, T0 + 30, 30, "1004", nat);
	expect_due(l, T0 + 30, 30, NULL, NULL);		/* once */
	expect_due(l, T0 + 59, 30, NULL, NULL);
	expect_due(l, T0 + 60, 30, "1004", nat);
	loc_keepalive_result(l, "1004", nat, 200, 12);
	assert_int_equal(loc_lookup(l, "1004", T0 + 60, &c, 1), 1);
	assert_int_equal(c.ka_status, 200);
	assert_int_equal(c.ka_rtt_ms, 12);
	loc_keepalive_result(l, "1004", "sip:other@10.0.0.1", 408, 0);
	loc_keepalive_result(l, "9999", nat, 408, 0);
	assert_int_equal(loc_lookup(l, "1004", T0 + 60, &c, 1), 1);
	assert_int_equal(c.ka_status, 200);
	/* registered again: the same contact keeps its plan and answer */
	assert_int_equal(loc_update(l, "1004", nat, "198.18.0.20:40112", 600,
				    T0 + 61), 0);
	assert_int_equal(loc_lookup(l, "1004", T0 + 61, &c, 1), 1);
	assert_int_equal(c.ka_status, 200);
	/* a shorter period (a reload): due 5 s after the last, not at
	 * T0 + 90; a longer one: 60 s after it */
	expect_due(l, T0 + 61, 5, NULL, NULL);
	expect_due(l, T0 + 65, 5, "1004", nat);
	expect_due(l, T0 + 70, 60, NULL, NULL);
	expect_due(l, T0 + 124, 60, NULL, NULL);
	/* gone: unregistered, or expired */
	assert_int_equal(loc_update(l, "1004", nat, "", 0, T0 + 125), 0);
	expect_due(l, T0 + 200, 5, NULL, NULL);
	assert_int_equal(loc_update(l, "1004", nat, "198.18.0.20:40112", 10,
				    T0 + 200), 0);
	assert_int_equal(loc_lookup(l, "1004", T0 + 200, &c, 1), 1);
	assert_int_equal(c.ka_status, 0);		/* a new contact */
	expect_due(l, T0 + 200, 5, NULL, NULL);
	expect_due(l, T0 + 210, 5, NULL, NULL);		/* expired at 210 */
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_loc_register_and_lookup),
		T(test_loc_several_contacts_in_order),
		T(test_loc_expiry),
		T(test_loc_unregister_one),
		T(test_loc_remove_all),
		T(test_loc_contacts_full),
		cmocka_unit_test(test_loc_store_full),
		T(test_loc_list_and_count),
		T(test_loc_bad_arguments),
		T(test_loc_empty_number_never_matches_a_free_entry),
		cmocka_unit_test(test_loc_nat_hop),
		T(test_loc_keepalive),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}

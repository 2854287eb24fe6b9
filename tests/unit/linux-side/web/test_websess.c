// SPDX-License-Identifier: MIT
/** @file test_websess.c  Unit tests of linux-side/web/websess.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "linux-side/web/websess.h"

static struct websess_table t;
static struct websess_limiter l;

static void test_websess_create_and_find(void **state)
{
	struct websess *s, *s2;
	char id[WEBSESS_TOKEN];

	(void)state;
	websess_init(&t, 60, 3600);
	assert_int_equal(websess_create(&t, "admin", false, 100, &s), 0);
	assert_int_equal(strlen(s->id), 64);
	assert_int_equal(strlen(s->csrf), 64);
	assert_string_not_equal(s->id, s->csrf);
	assert_ptr_equal(websess_find(&t, s->id, 110), s);
	assert_null(websess_find(&t, "nope", 110));
	assert_null(websess_find(&t, NULL, 110));
	/* one character off */
	memcpy(id, s->id, sizeof(id));
	id[0] = id[0] == 'a' ? 'b' : 'a';
	assert_null(websess_find(&t, id, 110));
	assert_int_equal(websess_create(&t, "admin", false, 100, &s2), 0);
	assert_string_not_equal(s->id, s2->id);
	assert_int_equal(websess_count(&t, 110), 2);
}

static void test_websess_idle_and_max_expiry(void **state)
{
	struct websess *s;
	char id[WEBSESS_TOKEN];

	(void)state;
	websess_init(&t, 60, 200);
	assert_int_equal(websess_create(&t, "admin", false, 0, &s), 0);
	memcpy(id, s->id, sizeof(id));
	assert_non_null(websess_find(&t, id, 59));	/* used: idle again */
	assert_non_null(websess_find(&t, id, 118));
	assert_non_null(websess_find(&t, id, 170));
	assert_null(websess_find(&t, id, 200));		/* max reached */
	assert_int_equal(websess_count(&t, 200), 0);
	assert_int_equal(websess_create(&t, "admin", false, 1000, &s), 0);
	memcpy(id, s->id, sizeof(id));
	assert_null(websess_find(&t, id, 1060));	/* idle */
}

static void test_websess_csrf(void **state)
{
	struct websess *s;
	char tok[WEBSESS_TOKEN];

	(void)state;
	websess_init(&t, 60, 3600);
	assert_int_equal(websess_create(&t, "admin", false, 0, &s), 0);
	assert_true(websess_csrf_ok(s, s->csrf));
	assert_false(websess_csrf_ok(s, NULL));
	assert_false(websess_csrf_ok(s, ""));
	assert_false(websess_csrf_ok(s, s->id));
	memcpy(tok, s->csrf, sizeof(tok));
	tok[63] = tok[63] == '0' ? '1' : '0';
	assert_false(websess_csrf_ok(s, tok));
	websess_end(s);
	assert_false(websess_csrf_ok(s, tok));
}

static void test_websess_end_others_and_full_table(void **state)
{
	struct websess *s, *keep;
	char first[WEBSESS_TOKEN];

	(void)state;
	websess_init(&t, 1000, 3600);
	assert_int_equal(websess_create(&t, "admin", false, 0, &s), 0);
	memcpy(first, s->id, sizeof(first));
	for (int i = 1; i <= WEBSESS_MAX; i++)
		assert_int_equal(websess_create(&t, "admin", false, i, &keep),
				 0);
	/* the table was full: the least recently used (the first) ended */
	assert_null(websess_find(&t, first, WEBSESS_MAX + 1));
	assert_int_equal(websess_count(&t, WEBSESS_MAX + 1), WEBSESS_MAX);
	websess_end_others(&t, keep);
	assert_int_equal(websess_count(&t, WEBSESS_MAX + 1), 1);
	assert_ptr_equal(websess_find(&t, keep->id, WEBSESS_MAX + 1), keep);
}

static void test_websess_limiter_blocks_and_unblocks(void **state)
{
	unsigned int retry = 0;

	(void)state;
	websess_limiter_init(&l, 3, 60, 300);
	for (int i = 0; i < 2; i++) {
		assert_true(websess_login_allowed(&l, "198.18.0.21", 10, NULL));
		websess_login_failed(&l, "198.18.0.21", 10);
	}
	assert_true(websess_login_allowed(&l, "198.18.0.21", 10, NULL));
	websess_login_failed(&l, "198.18.0.21", 11);
	assert_false(websess_login_allowed(&l, "198.18.0.21", 12, &retry));
	assert_int_equal(retry, 299);
	assert_int_equal(l.blocked_total, 1);
	/* another address is not blocked */
	assert_true(websess_login_allowed(&l, "198.18.0.20", 12, NULL));
	assert_true(websess_login_allowed(&l, "198.18.0.21", 311, NULL));
}

static void test_websess_limiter_window_and_success(void **state)
{
	(void)state;
	websess_limiter_init(&l, 3, 60, 300);
	websess_login_failed(&l, "a", 0);
	websess_login_failed(&l, "a", 1);
	/* the window passed: counting starts again */
	websess_login_failed(&l, "a", 70);
	assert_true(websess_login_allowed(&l, "a", 71, NULL));
	websess_login_failed(&l, "a", 71);
	websess_login_ok(&l, "a");
	websess_login_failed(&l, "a", 72);
	assert_true(websess_login_allowed(&l, "a", 72, NULL));
}

static void test_websess_limiter_many_addresses(void **state)
{
	char a[32];

	(void)state;
	websess_limiter_init(&l, 2, 60, 300);
	websess_login_failed(&l, "blocked", 0);
	websess_login_failed(&l, "blocked", 0);
	assert_false(websess_login_allowed(&l, "blocked", 0, NULL));
	/* a flood of other addresses does not free the blocked one */
	for (int i = 0; i < 3 * WEBSESS_ADDRS; i++) {
		snprintf(a, sizeof(a), "10.0.%d.%d", i / 256, i % 256);
		websess_login_failed(&l, a, 1);
	}
	assert_false(websess_login_allowed(&l, "blocked", 2, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_websess_create_and_find),
		cmocka_unit_test(test_websess_idle_and_max_expiry),
		cmocka_unit_test(test_websess_csrf),
		cmocka_unit_test(test_websess_end_others_and_full_table),
		cmocka_unit_test(test_websess_limiter_blocks_and_unblocks),
		cmocka_unit_test(test_websess_limiter_window_and_success),
		cmocka_unit_test(test_websess_limiter_many_addresses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

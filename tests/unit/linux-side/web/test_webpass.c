// SPDX-License-Identifier: MIT
/** @file test_webpass.c  Unit tests of linux-side/web/webpass.c */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "linux-side/web/webpass.h"

#define ITER	WEBPASS_ITER_MIN	/* fast: the tests hash often */

static void test_webpass_hash_verifies(void **state)
{
	char h[WEBPASS_HASH_SIZE], h2[WEBPASS_HASH_SIZE];

	(void)state;
	assert_int_equal(webpass_hash("lab-admin", ITER, h, sizeof(h)), 0);
	assert_true(!strncmp(h, "$pbkdf2-sha256$1000$", 20));
	assert_int_equal(webpass_verify("lab-admin", h), 0);
	assert_int_equal(webpass_verify("lab-admiN", h), -EACCES);
	assert_int_equal(webpass_verify("", h), -EACCES);
	/* salted: the same password hashes differently */
	assert_int_equal(webpass_hash("lab-admin", ITER, h2, sizeof(h2)), 0);
	assert_string_not_equal(h, h2);
	assert_int_equal(webpass_verify("lab-admin", h2), 0);
}

static void test_webpass_hash_refuses_bad_arguments(void **state)
{
	char h[WEBPASS_HASH_SIZE];

	(void)state;
	assert_int_equal(webpass_hash("x", 10, h, sizeof(h)), -EINVAL);
	assert_int_equal(webpass_hash("x", ITER, h, 20), -EINVAL);
}

static void test_webpass_verify_refuses_malformed_hashes(void **state)
{
	static const char *const bad[] = {
		"", "plain", "$pbkdf2-sha256$", "$pbkdf2-sha256$1000$",
		"$pbkdf2-sha256$10$AAAAAAAAAAAAAAAAAAAAAA$"
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"$pbkdf2-sha256$1000$AAAA$AAAA",
		"$pbkdf2-sha256$1000$AAAAAAAAAAAAAAAAAAAAAA$!!!",
		"$pbkdf2-sha1$1000$AAAAAAAAAAAAAAAAAAAAAA$"
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(webpass_verify("x", bad[i]), -EINVAL);
}

static void test_webpass_new_password_rules(void **state)
{
	char why[128];

	(void)state;
	assert_int_equal(webpass_check_new("admin", "short", why,
					   sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "8 to 128"));
	assert_int_equal(webpass_check_new("admin", "adminadmin", why,
					   sizeof(why)), 0);
	assert_int_equal(webpass_check_new("administrator", "administrator",
					   why, sizeof(why)), -EINVAL);
	assert_int_equal(webpass_check_new("admin", "tab\there1", why,
					   sizeof(why)), -EINVAL);
	assert_int_equal(webpass_check_new("admin", "lab-admin", why,
					   sizeof(why)), 0);
}

static void test_webpass_file_missing_is_factory(void **state)
{
	struct webpass_account a;
	char why[128];

	(void)state;
	assert_int_equal(webpass_load("/nonexistent/web-passwd", &a, why,
				      sizeof(why)), 0);
	assert_string_equal(a.user, "admin");
	assert_string_equal(a.hash, "");
	assert_true(a.must_change);
	assert_int_equal(webpass_login(&a, "admin", "admin"), 0);
	assert_int_equal(webpass_login(&a, "admin", "admin2"), -EACCES);
	assert_int_equal(webpass_login(&a, "root", "admin"), -EACCES);
}

static void test_webpass_file_round_trip(void **state)
{
	char path[] = "/tmp/test_webpass_XXXXXX", why[128];
	struct webpass_account a = { .user = "admin" }, b;
	int fd = mkstemp(path);
	FILE *f;

	(void)state;
	close(fd);
	assert_int_equal(webpass_hash("s3cret-pass", ITER, a.hash,
				      sizeof(a.hash)), 0);
	a.must_change = true;
	assert_int_equal(webpass_store(path, &a), 0);
	assert_int_equal(webpass_load(path, &b, why, sizeof(why)), 0);
	assert_string_equal(b.user, "admin");
	assert_string_equal(b.hash, a.hash);
	assert_true(b.must_change);
	assert_int_equal(webpass_login(&b, "admin", "s3cret-pass"), 0);
	assert_int_equal(webpass_login(&b, "admin", "admin"), -EACCES);
	/* a damaged file is an error, not the factory account */
	f = fopen(path, "w");
	fputs("admin:plaintext:\n", f);
	fclose(f);
	assert_int_equal(webpass_load(path, &b, why, sizeof(why)), -EBADMSG);
	f = fopen(path, "w");
	fputs("garbage\n", f);
	fclose(f);
	assert_int_equal(webpass_load(path, &b, why, sizeof(why)), -EBADMSG);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_webpass_hash_verifies),
		cmocka_unit_test(test_webpass_hash_refuses_bad_arguments),
		cmocka_unit_test(test_webpass_verify_refuses_malformed_hashes),
		cmocka_unit_test(test_webpass_new_password_rules),
		cmocka_unit_test(test_webpass_file_missing_is_factory),
		cmocka_unit_test(test_webpass_file_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: MIT
/** @file test_webreq.c  Unit tests of linux-side/web/webreq.c */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "linux-side/web/webreq.h"

static json_t *parse(const char *s, struct webreq_err *e)
{
	return webreq_parse(s, strlen(s), e);
}

static void test_webreq_parse_refuses_what_is_not_an_object(void **state)
{
	static const char *const bad[][2] = {
		{ "", "needs a JSON object" },
		{ "{", "not valid JSON" },
		{ "[1,2]", "must be a JSON object" },
		{ "\"x\"", "not valid JSON" },
		{ "{\"a\":1,\"a\":2}", "duplicate" },
		{ "{\"a\":1} x", "not valid JSON" },
	};
	struct webreq_err e;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&e, 0, sizeof(e));
		assert_null(parse(bad[i][0], &e));
		assert_int_equal(e.status, 400);
		if (!strstr(e.error, bad[i][1]))
			fail_msg("%s: \"%s\" lacks \"%s\"", bad[i][0], e.error,
				 bad[i][1]);
	}
}

static void test_webreq_parse_refuses_large_bodies(void **state)
{
	size_t n = WEBREQ_MAX_BODY + 1;
	char *big = malloc(n);
	struct webreq_err e;

	(void)state;
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	assert_null(webreq_parse(big, n, &e));
	assert_int_equal(e.status, 413);
	free(big);
}

static void test_webreq_members(void **state)
{
	static const char *const known[] = { "a", "n", "s", NULL };
	struct webreq_err e;
	char s[8];
	long n = 0;
	json_t *o = parse("{\"a\":\"x\",\"n\":1500,\"s\":\"toolongvalue\"}",
			  &e);

	(void)state;
	assert_non_null(o);
	assert_int_equal(webreq_only(o, known, &e), 0);
	assert_int_equal(webreq_string(o, "a", true, s, sizeof(s), &e), 0);
	assert_string_equal(s, "x");
	assert_int_equal(webreq_string(o, "s", true, s, sizeof(s), &e),
			 -EINVAL);
	assert_string_equal(e.field, "s");
	assert_int_equal(webreq_string(o, "n", true, s, sizeof(s), &e),
			 -EINVAL);
	assert_string_equal(e.error, "n: must be a string");
	assert_int_equal(webreq_string(o, "zz", false, s, sizeof(s), &e), 1);
	assert_int_equal(webreq_string(o, "zz", true, s, sizeof(s), &e),
			 -EINVAL);
	assert_string_equal(e.error, "zz: required");
	assert_int_equal(webreq_int(o, "n", true, 576, 9216, &n, &e), 0);
	assert_int_equal(n, 1500);
	assert_int_equal(webreq_int(o, "n", true, 1, 10, &n, &e), -EINVAL);
	assert_string_equal(e.error, "n: 1500 is out of range 1..10");
	assert_int_equal(webreq_int(o, "a", true, 1, 10, &n, &e), -EINVAL);
	json_decref(o);
	o = parse("{\"a\":1,\"evil\":2}", &e);
	assert_int_equal(webreq_only(o, known, &e), -EINVAL);
	assert_string_equal(e.field, "evil");
	json_decref(o);
}

static void test_webreq_text_of_scalars(void **state)
{
	struct webreq_err e;
	char t[16];
	json_t *v;

	(void)state;
	v = json_integer(1400);
	assert_int_equal(webreq_text(v, "mtu", t, sizeof(t), &e), 0);
	assert_string_equal(t, "1400");
	json_decref(v);
	v = json_true();
	assert_int_equal(webreq_text(v, "b", t, sizeof(t), &e), 0);
	assert_string_equal(t, "true");
	v = json_string("pw\n[net]");
	assert_int_equal(webreq_text(v, "password", t, sizeof(t), &e),
			 -EINVAL);
	assert_string_equal(e.field, "password");
	assert_non_null(strstr(e.error, "control characters"));
	json_decref(v);
	v = json_stringn("a\0b", 3);
	assert_int_equal(webreq_text(v, "x", t, sizeof(t), &e), -EINVAL);
	json_decref(v);
	v = json_real(1.5);
	assert_int_equal(webreq_text(v, "x", t, sizeof(t), &e), -EINVAL);
	json_decref(v);
	v = json_null();
	assert_int_equal(webreq_text(v, "x", t, sizeof(t), &e), -EINVAL);
	v = json_string("0123456789abcdefXYZ");
	assert_int_equal(webreq_text(v, "x", t, sizeof(t), &e), -EINVAL);
	json_decref(v);
}

static void test_webreq_error_json(void **state)
{
	struct webreq_err e;
	json_t *j;

	(void)state;
	assert_int_equal(webreq_fail(&e, 409, "extension", "in use\x1b[1m"),
			 -EEXIST);
	j = webreq_error_json(&e);
	assert_string_equal(json_string_value(json_object_get(j, "error")),
			    "in use?[1m");
	assert_string_equal(json_string_value(json_object_get(j, "field")),
			    "extension");
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
			test_webreq_parse_refuses_what_is_not_an_object),
		cmocka_unit_test(test_webreq_parse_refuses_large_bodies),
		cmocka_unit_test(test_webreq_members),
		cmocka_unit_test(test_webreq_text_of_scalars),
		cmocka_unit_test(test_webreq_error_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

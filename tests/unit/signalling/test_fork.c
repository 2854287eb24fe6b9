// SPDX-License-Identifier: MIT
/** @file test_fork.c  Parallel forking: the final response when every
 *  fork failed (RFC 3261 16.7: 6xx first, else the lowest class; busy
 *  before "no answer" within 4xx)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "signalling/fork.h"

/* the best of @p n responses, in the order they came */
static int best_of(const int *st, unsigned n)
{
	int best = 0;

	for (unsigned i = 0; i < n; i++)
		best = fork_best(best, st[i]);
	return best;
}

static void test_fork_first(void **state)
{
	(void)state;
	assert_int_equal(fork_best(0, 404), 404);
	assert_int_equal(fork_best(0, 503), 503);
	assert_int_equal(fork_best(0, 200), 0);	/* not a failure */
	assert_int_equal(fork_best(0, 180), 0);
}

static void test_fork_6xx_wins(void **state)
{
	static const int a[] = { 486, 603, 404 };
	static const int b[] = { 302, 404, 600 };

	(void)state;
	assert_int_equal(best_of(a, 3), 603);
	assert_int_equal(best_of(b, 3), 600);
	assert_int_equal(fork_best(603, 600), 603);	/* a tie: the first */
}

static void test_fork_lowest_class(void **state)
{
	static const int a[] = { 503, 404 };
	static const int b[] = { 500, 302, 404 };

	(void)state;
	assert_int_equal(best_of(a, 2), 404);
	assert_int_equal(best_of(b, 3), 302);
	assert_int_equal(fork_best(404, 503), 404);
}

static void test_fork_busy_before_no_answer(void **state)
{
	static const int a[] = { 487, 486 };
	static const int b[] = { 486, 480, 408 };
	static const int c[] = { 480, 404 };

	(void)state;
	assert_int_equal(best_of(a, 2), 486);
	assert_int_equal(best_of(b, 3), 486);
	assert_int_equal(best_of(c, 2), 404);
	assert_true(fork_better(407, 404));
	assert_false(fork_better(480, 404));
	assert_false(fork_better(486, 486));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fork_first),
		cmocka_unit_test(test_fork_6xx_wins),
		cmocka_unit_test(test_fork_lowest_class),
		cmocka_unit_test(test_fork_busy_before_no_answer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

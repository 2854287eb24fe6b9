// SPDX-License-Identifier: MIT
/** @file test_recsync.c  The background flush of call records: kicks
 *  gathered into flushes, the last kick flushed at stop, errors */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "signalling/recsync.h"

static char dir[] = "/tmp/test_recsync.XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	recsync_stop();
	return rmdir(dir);
}

/* many kicks, fewer flushes (one flush serves those kicked meanwhile),
 * and at least one flush after the last kick: stop flushes it */
static void test_recsync_kicks_flushed(void **state)
{
	struct recsync_stats st;

	(void)state;
	assert_int_equal(recsync_start(dir), 0);
	for (int i = 0; i < 200; i++)
		recsync_kick();
	recsync_stop();
	recsync_stats_get(&st);
	assert_int_equal(st.kicks, 200);
	assert_true(st.syncs >= 1);
	assert_true(st.syncs <= 200);
	assert_int_equal(st.failed, 0);
}

/* nothing kicked, nothing flushed; a stop without a start is harmless */
static void test_recsync_idle(void **state)
{
	struct recsync_stats st;

	(void)state;
	recsync_stop();
	assert_int_equal(recsync_start(dir), 0);
	recsync_stop();
	recsync_stats_get(&st);
	assert_int_equal(st.kicks, 0);
	assert_int_equal(st.syncs, 0);
}

static void test_recsync_errors(void **state)
{
	(void)state;
	assert_int_equal(recsync_start("/nonexistent/dir"), -ENOENT);
	assert_int_equal(recsync_start(dir), 0);
	assert_int_equal(recsync_start(dir), -EALREADY);
	recsync_stop();
	assert_int_equal(recsync_start(dir), 0);	/* again after a stop */
	recsync_stop();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recsync_kicks_flushed),
		cmocka_unit_test(test_recsync_idle),
		cmocka_unit_test(test_recsync_errors),
	};

	return cmocka_run_group_tests_name("recsync", tests, setup, teardown);
}

// SPDX-License-Identifier: MIT
/** @file test_rtstat.c  The RT status page: writer and reader, the copy of
 *  the rows in use, a writer's bad counts, torn and foreign pages */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sharednet/rtstat.h"

/* both large: one page and one copy, made fresh for each test */
struct two {
	struct rtstat page, out;
};

static int setup(void **state)
{
	struct two *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

/* a page written with @p nchans channels, a task and two counters */
static void write_page(struct rtstat *p, uint32_t nchans)
{
	rtstat_begin(p);
	p->pid = 4242;
	p->nchans = nchans;
	for (uint32_t i = 0; i < nchans && i < RTSTAT_MAX_CHANS; i++) {
		p->chan[i].id = 100 + i;
		p->chan[i].leg[0].rx_packets = i * 3;
	}
	p->ntasks = 1;
	snprintf(p->task[0].name, sizeof(p->task[0].name), "media");
	p->task[0].runs = 77;
	assert_int_equal(rtstat_counter_set(p, "media.ticks", 5), 0);
	assert_int_equal(rtstat_counter_set(p, "bus.drops", 9), 0);
	rtstat_end(p);
}

static void test_rtstat_round_trip(void **state)
{
	struct two *t = *state;
	const struct rtstat_counter *c;

	write_page(&t->page, 3);
	assert_int_equal(rtstat_read(&t->page, &t->out), 0);
	assert_int_equal(t->out.pid, 4242);
	assert_int_equal(t->out.nchans, 3);
	assert_int_equal(t->out.chan[2].id, 102);
	assert_int_equal(t->out.chan[2].leg[0].rx_packets, 6);
	assert_int_equal(t->out.ntasks, 1);
	assert_string_equal(t->out.task[0].name, "media");
	assert_int_equal(t->out.task[0].runs, 77);
	assert_int_equal(t->out.ncounters, 2);
	c = rtstat_counter_find(&t->out, "bus.drops");
	assert_non_null(c);
	assert_int_equal(c->value, 9);
	assert_null(rtstat_counter_find(&t->out, "bus.drop"));
}

/* the rows past nchans are not copied: a reader pays for the channels in
 * use, not for the table's 4096 rows */
static void test_rtstat_copies_rows_in_use(void **state)
{
	struct two *t = *state;

	write_page(&t->page, RTSTAT_MAX_CHANS);
	write_page(&t->page, 2);	/* rows 2.. still hold the old ones */
	memset(&t->out, 0xa5, sizeof(t->out));
	assert_int_equal(rtstat_read(&t->page, &t->out), 0);
	assert_int_equal(t->out.nchans, 2);
	assert_int_equal(t->out.chan[1].id, 101);
	assert_int_equal(t->out.chan[2].id, 0xa5a5a5a5);
	assert_int_equal(t->out.chan[RTSTAT_MAX_CHANS - 1].id, 0xa5a5a5a5);
	/* what follows the table is copied whole */
	assert_int_equal(t->out.task[0].runs, 77);
	assert_int_equal(rtstat_counter_find(&t->out, "media.ticks")->value,
			 5);
}

/* the whole table, the last row included */
static void test_rtstat_full_table(void **state)
{
	struct two *t = *state;

	write_page(&t->page, RTSTAT_MAX_CHANS);
	assert_int_equal(rtstat_read(&t->page, &t->out), 0);
	assert_int_equal(t->out.nchans, RTSTAT_MAX_CHANS);
	assert_int_equal(t->out.chan[RTSTAT_MAX_CHANS - 1].id,
			 100 + RTSTAT_MAX_CHANS - 1);
}

/* the writer is another program: its counts are clamped, its strings
 * ended, nothing is read past the arrays */
static void test_rtstat_bad_counts_clamped(void **state)
{
	struct two *t = *state;

	write_page(&t->page, 1);
	t->page.nchans = UINT32_MAX;
	t->page.ntasks = RTSTAT_MAX_TASKS + 5;
	t->page.ncounters = 100000;
	memset(t->page.warning, 'w', sizeof(t->page.warning));
	memset(t->page.task[0].name, 'n', sizeof(t->page.task[0].name));
	assert_int_equal(rtstat_read(&t->page, &t->out), 0);
	assert_int_equal(t->out.nchans, RTSTAT_MAX_CHANS);
	assert_int_equal(t->out.ntasks, RTSTAT_MAX_TASKS);
	assert_int_equal(t->out.ncounters, RTSTAT_MAX_COUNTERS);
	assert_int_equal(strlen(t->out.warning), sizeof(t->out.warning) - 1);
	assert_int_equal(strlen(t->out.task[0].name),
			 sizeof(t->out.task[0].name) - 1);
}

static void test_rtstat_torn_and_foreign_pages(void **state)
{
	struct two *t = *state;

	/* never written */
	assert_int_equal(rtstat_read(&t->page, &t->out), -EPROTO);
	/* a writer that died inside an update */
	write_page(&t->page, 1);
	rtstat_begin(&t->page);
	assert_int_equal(rtstat_read(&t->page, &t->out), -EAGAIN);
	rtstat_end(&t->page);
	assert_int_equal(rtstat_read(&t->page, &t->out), 0);
	/* a page of another layout */
	rtstat_begin(&t->page);
	rtstat_end(&t->page);
	t->page.version = RTSTAT_VERSION + 1;
	assert_int_equal(rtstat_read(&t->page, &t->out), -EPROTO);
}

static void test_rtstat_counters_full(void **state)
{
	struct two *t = *state;
	char name[RTSTAT_NAME];

	rtstat_begin(&t->page);
	for (int i = 0; i < RTSTAT_MAX_COUNTERS; i++) {
		snprintf(name, sizeof(name), "c.%d", i);
		assert_int_equal(rtstat_counter_set(&t->page, name,
						    (uint64_t)i), 0);
	}
	assert_int_equal(rtstat_counter_set(&t->page, "one.more", 1),
			 -ENOSPC);
	rtstat_end(&t->page);
	assert_int_equal(rtstat_read(&t->page, &t->out), 0);
	assert_int_equal(t->out.ncounters, RTSTAT_MAX_COUNTERS);
	snprintf(name, sizeof(name), "c.%d", RTSTAT_MAX_COUNTERS - 1);
	assert_int_equal(rtstat_counter_find(&t->out, name)->value,
			 RTSTAT_MAX_COUNTERS - 1);
	assert_null(rtstat_counter_find(&t->out, "one.more"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rtstat_round_trip,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_rtstat_copies_rows_in_use,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_rtstat_full_table,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_rtstat_bad_counts_clamped,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_rtstat_torn_and_foreign_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rtstat_counters_full,
						setup, teardown),
	};

	return cmocka_run_group_tests_name("rtstat", tests, NULL, NULL);
}

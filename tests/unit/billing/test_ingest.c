// SPDX-License-Identifier: MIT
/** @file test_ingest.c  Call records into the spool: name order, removal
 *  only once spooled, bad records set aside, a spool failure keeps them */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "billing/cdr.h"
#include "billing/ingest.h"

static char top[64], in[96], rej[96], q[96];

static int setup(void **state)
{
	(void)state;
	snprintf(top, sizeof(top), "/tmp/test_ingest_XXXXXX");
	if (!mkdtemp(top))
		return -1;
	snprintf(in, sizeof(in), "%s/incoming", top);
	snprintf(rej, sizeof(rej), "%s/rejected", top);
	snprintf(q, sizeof(q), "%s/queue", top);
	return mkdir(in, 0700) || mkdir(rej, 0700);
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
	return system(cmd);
}

static void put_call(int i, enum callrec_disp d)
{
	struct callrec r = {
		.caller = "1001", .callee = "1002",
		.from = { "ext", "1001" }, .to = { "ext", "1002" },
		.start_us = 1795000000000000ll + i,
		.end_us = 1795000010000000ll + i * 1000000ll,
		.disposition = d, .cause = 200, .cause_text = "OK",
	};

	snprintf(r.id, sizeof(r.id), "call%04d", i);
	if (d == CALLREC_ANSWERED)
		r.answer_us = r.start_us + 2000000;
	assert_int_equal(callrec_write(in, &r), 0);
}

static int count(const char *dir)
{
	struct dirent **l;
	int n = scandir(dir, &l, NULL, NULL), k = 0;

	for (int i = 0; i < n; i++) {
		k += l[i]->d_name[0] != '.';
		free(l[i]);
	}
	free(l);
	return k;
}

static struct spool *open_spool(void)
{
	struct spool *sp;
	char why[100];

	assert_int_equal(spool_open(&sp, q, why, sizeof(why)), 0);
	return sp;
}

static void test_ingest_spools_in_order_then_removes(void **state)
{
	struct ingest_stats st = { 0 };
	struct spool *sp = open_spool();
	struct spool_batch b = { 0 };
	struct cdr c;
	char why[100];
	int n;

	(void)state;
	for (int i = 0; i < 300; i++)	/* more than a chunk */
		put_call(299 - i, i % 3 ? CALLREC_BUSY : CALLREC_ANSWERED);
	assert_int_equal(ingest_scan(in, rej, sp, "gw7", &st), 300);
	assert_int_equal(st.cdrs, 300);
	assert_int_equal(count(in), 0);
	n = spool_peek(sp, 1000, 1 << 22, &b);
	assert_int_equal(n, 300);
	for (int i = 0; i < n; i++) {
		char id[16];

		assert_int_equal(cdr_from_json(b.buf + b.off[i], b.plen[i],
					       &c, why, sizeof(why)), 0);
		snprintf(id, sizeof(id), "call%04d", i);	/* end order */
		assert_string_equal(c.id, id);
		assert_string_equal(c.gateway, "gw7");
	}
	spool_batch_free(&b);
	assert_int_equal(ingest_scan(in, rej, sp, "gw7", &st), 0);
	spool_close(sp);
}

static void test_ingest_bad_record_set_aside(void **state)
{
	struct ingest_stats st = { 0 };
	struct spool *sp = open_spool();
	char path[200];
	int fd;

	(void)state;
	put_call(1, CALLREC_ANSWERED);
	snprintf(path, sizeof(path), "%s/00000000000000000000-junk.json", in);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	assert_int_equal(write(fd, "{\"v\":1}", 7), 7);
	close(fd);
	snprintf(path, sizeof(path), "%s/.tmp-half", in);	/* in writing */
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	close(fd);
	assert_int_equal(ingest_scan(in, rej, sp, "gw", &st), 1);
	assert_int_equal(st.bad, 1);
	assert_int_equal(count(rej), 1);
	assert_int_equal(count(in), 0);		/* .tmp-half is hidden */
	assert_int_equal(access(path, F_OK), 0);	/* and untouched */
	assert_non_null(strstr(st.last_error, "junk"));
	spool_close(sp);
}

static void test_ingest_spool_failure_keeps_records(void **state)
{
	struct ingest_stats st = { 0 };
	struct spool *sp = open_spool();
	struct spool_stats ss;
	struct rlimit small = { 64, RLIM_INFINITY }, old;

	(void)state;
	for (int i = 0; i < 5; i++)
		put_call(i, CALLREC_NO_ANSWER);
	/* a full disk: writes past 64 bytes fail with EFBIG (even as root) */
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	assert_int_equal(ingest_scan(in, rej, sp, "gw", &st), -EFBIG);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_int_equal(count(in), 5);		/* nothing removed */
	assert_non_null(strstr(st.last_error, "spool"));
	spool_stats(sp, &ss);
	assert_int_equal(ss.depth, 0);		/* nothing half-appended */
	assert_int_equal(ingest_scan(in, rej, sp, "gw", &st), 5);
	assert_int_equal(count(in), 0);
	spool_close(sp);
	sp = open_spool();			/* and the log is clean */
	spool_stats(sp, &ss);
	assert_int_equal(ss.depth, 5);
	assert_int_equal(ss.torn_bytes, 0);
	spool_close(sp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_ingest_spools_in_order_then_removes, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_ingest_bad_record_set_aside, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_ingest_spool_failure_keeps_records, setup,
			teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: MIT
/** @file test_spool.c  The client's durable queue: order, acknowledgement,
 *  recovery after torn writes, a damaged ack, damage inside, kill -9 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "billing/spool.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_spool_XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static struct spool *open_ok(void)
{
	struct spool *sp = NULL;
	char why[200] = "";

	if (spool_open(&sp, dir, why, sizeof(why)))
		fail_msg("spool_open: %s", why);
	return sp;
}

/* append records "{"n":FIRST}" .. "{"n":FIRST+N-1}", padded to @p pad */
static void append(struct spool *sp, int first, int n, size_t pad)
{
	struct iovec *iov = calloc((size_t)n, sizeof(*iov));
	char (*buf)[SPOOL_MAX_REC] = malloc((size_t)n * SPOOL_MAX_REC);

	for (int i = 0; i < n; i++) {
		int len = snprintf(buf[i], SPOOL_MAX_REC, "{\"n\":%d}",
				   first + i);

		while ((size_t)len < pad)
			buf[i][len++] = ' ';
		iov[i] = (struct iovec){ buf[i], (size_t)len };
	}
	assert_int_equal(spool_append(sp, iov, (size_t)n), 0);
	free(iov);
	free(buf);
}

static int rec_n(const struct spool_batch *b, size_t i)
{
	int n = -1;

	sscanf(b->buf + b->off[i], "{\"n\":%d}", &n);
	return n;
}

/* read everything from the head; check it is FIRST, FIRST+1, ... */
static size_t drain_check(struct spool *sp, int first, bool ack)
{
	struct spool_batch b = { 0 };
	size_t total = 0;
	int r;

	while ((r = spool_peek(sp, 7, 1 << 20, &b)) > 0) {
		for (int i = 0; i < r; i++)
			assert_int_equal(rec_n(&b, (size_t)i),
					 first + (int)total + i);
		total += (size_t)r;
		if (!ack)
			break;
		assert_int_equal(spool_ack(sp, &b.end, (uint64_t)r), 0);
	}
	assert_true(r >= 0);
	spool_batch_free(&b);
	return total;
}

static char *seg_path(int k)
{
	static char p[400];
	struct dirent **l;
	int n = scandir(dir, &l, NULL, alphasort), found = 0;

	p[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (strstr(l[i]->d_name, ".log") && found++ == k)
			snprintf(p, sizeof(p), "%s/%s", dir, l[i]->d_name);
		free(l[i]);
	}
	free(l);
	return p;
}

static void test_spool_order_ack_and_reopen(void **state)
{
	struct spool *sp = open_ok(), *again;
	struct spool_batch b = { 0 };
	struct spool_stats st;
	char why[100];

	(void)state;
	append(sp, 0, 10, 0);
	append(sp, 10, 5, 0);
	spool_stats(sp, &st);
	assert_int_equal(st.depth, 15);
	assert_int_equal(spool_open(&again, dir, why, sizeof(why)), -EBUSY);
	assert_int_equal(spool_peek(sp, 4, 1 << 20, &b), 4);
	assert_int_equal(rec_n(&b, 3), 3);
	assert_int_equal(spool_ack(sp, &b.end, 4), 0);
	/* a batch not acknowledged is read again */
	assert_int_equal(spool_peek(sp, 4, 1 << 20, &b), 4);
	assert_int_equal(rec_n(&b, 0), 4);
	spool_stats(sp, &st);
	assert_int_equal(st.depth, 11);
	spool_batch_free(&b);
	spool_close(sp);
	sp = open_ok();			/* the ack survived */
	spool_stats(sp, &st);
	assert_int_equal(st.depth, 11);
	assert_int_equal(drain_check(sp, 4, true), 11);
	spool_stats(sp, &st);
	assert_int_equal(st.depth, 0);
	assert_int_equal(spool_peek(sp, 4, 1 << 20, &b), 0);
	spool_batch_free(&b);
	spool_close(sp);
}

static void test_spool_torn_tail_cut_at_open(void **state)
{
	struct spool *sp = open_ok();
	struct spool_stats st;
	int fd;

	(void)state;
	append(sp, 0, 10, 100);
	spool_close(sp);
	/* a crash inside an append: a header and half a payload */
	fd = open(seg_path(0), O_WRONLY | O_APPEND);
	assert_int_equal(write(fd, "\x43\x44\x52\x31\x64\0\0\0\x11\x22\x33"
			       "\x44{\"n\":10}   ", 23), 23);
	close(fd);
	sp = open_ok();
	spool_stats(sp, &st);
	assert_int_equal(st.depth, 10);
	assert_int_equal(st.torn_bytes, 23);
	append(sp, 10, 3, 0);		/* appends go on after the cut */
	assert_int_equal(drain_check(sp, 0, true), 13);
	spool_close(sp);
	sp = open_ok();
	spool_stats(sp, &st);
	assert_int_equal(st.depth, 0);
	assert_int_equal(st.torn_bytes, 0);
	spool_close(sp);
}

static void test_spool_bad_ack_sends_again(void **state)
{
	struct spool *sp = open_ok();
	struct spool_batch b = { 0 };
	struct spool_stats st;
	char ack[128];
	FILE *f;

	(void)state;
	append(sp, 0, 6, 0);
	assert_int_equal(spool_peek(sp, 4, 1 << 20, &b), 4);
	assert_int_equal(spool_ack(sp, &b.end, 4), 0);
	spool_batch_free(&b);
	spool_close(sp);
	snprintf(ack, sizeof(ack), "%s/ack", dir);
	f = fopen(ack, "r+");
	assert_non_null(f);
	fputs("ack 1 9", f);		/* damaged: the CRC no longer fits */
	fclose(f);
	sp = open_ok();
	spool_stats(sp, &st);
	assert_int_equal(st.depth, 6);	/* all again: nothing lost */
	assert_int_equal(drain_check(sp, 0, false), 6);
	spool_close(sp);
}

static void test_spool_damage_inside_is_skipped(void **state)
{
	struct spool *sp = open_ok();
	struct spool_stats st;
	int fd;

	(void)state;
	append(sp, 0, 10, 50);
	spool_close(sp);
	fd = open(seg_path(0), O_WRONLY);
	/* a byte of the 4th record's payload (records are 12 + 50) */
	assert_int_equal(pwrite(fd, "X", 1, 3 * 62 + 20), 1);
	close(fd);
	sp = open_ok();
	spool_stats(sp, &st);
	assert_int_equal(st.depth, 9);
	assert_int_equal(st.corrupt_bytes, 62);
	spool_close(sp);
}

static void test_spool_segments_roll_and_go(void **state)
{
	struct spool *sp = open_ok();
	struct spool_stats st;

	(void)state;
	/* ~6 MB: more than one segment */
	for (int i = 0; i < 10; i++)
		append(sp, i * 10, 10, 60000);
	spool_stats(sp, &st);
	assert_int_equal(st.segments, 2);
	assert_int_equal(st.depth, 100);
	spool_close(sp);
	sp = open_ok();
	assert_int_equal(drain_check(sp, 0, true), 100);
	spool_stats(sp, &st);
	assert_int_equal(st.segments, 1);
	assert_string_equal(seg_path(1), "");
	spool_close(sp);
}

/* a child appends numbered records and reports each durable batch; it is
 * killed with SIGKILL at some point: every reported record must be there,
 * in order, with nothing but whole records after them */
static void test_spool_kill9_loses_nothing(void **state)
{
	int p[2], last = -1, got, status;
	struct spool *sp;
	pid_t pid;
	size_t n;

	(void)state;
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		struct spool *c = NULL;
		char why[100];

		close(p[0]);
		if (spool_open(&c, dir, why, sizeof(why)))
			_exit(1);
		for (int i = 0;; i += 20) {
			int v = i + 19;

			append(c, i, 20, 700);
			if (write(p[1], &v, sizeof(v)) != sizeof(v))
				_exit(1);
		}
	}
	close(p[1]);
	while (last < 400 && read(p[0], &got, sizeof(got)) == sizeof(got))
		last = got;
	kill(pid, SIGKILL);
	while (read(p[0], &got, sizeof(got)) == sizeof(got))
		last = got;
	close(p[0]);
	waitpid(pid, &status, 0);
	assert_true(WIFSIGNALED(status));
	sp = open_ok();
	n = drain_check(sp, 0, true);
	assert_true(n >= (size_t)last + 1);
	spool_close(sp);
}

static void test_spool_bad_arguments(void **state)
{
	struct spool *sp = open_ok();
	struct iovec big = { malloc(SPOOL_MAX_REC + 1), SPOOL_MAX_REC + 1 };
	struct iovec empty = { "", 0 };
	struct spool_pos back = { 0, 0 };

	(void)state;
	assert_int_equal(spool_append(sp, &big, 1), -EINVAL);
	assert_int_equal(spool_append(sp, &empty, 1), -EINVAL);
	assert_int_equal(spool_append(sp, NULL, 0), 0);
	append(sp, 0, 2, 0);
	assert_int_equal(drain_check(sp, 0, true), 2);
	assert_int_equal(spool_ack(sp, &back, 1), -EINVAL);
	free(big.iov_base);
	spool_close(sp);
	assert_int_equal(spool_crc32c(0, "123456789", 9), 0xe3069283u);
}

/* a first boot: the spool's directory and its parents made at once by
 * sipd and billingd; made again, no error; under a file, the reason */
static void test_spool_mkdirs(void **state)
{
	char deep[160], file[160];
	struct stat st;
	FILE *fp;

	(void)state;
	snprintf(deep, sizeof(deep), "%s/var/spool/gateway/billing/incoming",
		 dir);
	assert_int_equal(spool_mkdirs(deep), 0);
	assert_int_equal(stat(deep, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0750);
	assert_int_equal(spool_mkdirs(deep), 0);
	snprintf(file, sizeof(file), "%s/plain", dir);
	fp = fopen(file, "w");
	assert_non_null(fp);
	fclose(fp);
	snprintf(deep, sizeof(deep), "%s/plain/billing", dir);
	assert_int_equal(spool_mkdirs(deep), -ENOTDIR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_spool_order_ack_and_reopen,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_spool_torn_tail_cut_at_open,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_spool_bad_ack_sends_again,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_spool_damage_inside_is_skipped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spool_segments_roll_and_go,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_spool_kill9_loses_nothing,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_spool_bad_arguments,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_spool_mkdirs, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

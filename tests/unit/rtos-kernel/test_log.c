// SPDX-License-Identifier: MIT
/** @file test_log.c  Logging: levels, overrides, direct and queued output */
#define LOG_MODULE "tlog"
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include "rtos-kernel/log.h"
#include "rtos-kernel/rtk.h"
#include "rtos-kernel/task.h"

/* --- stderr capture: fd 2 goes to a memory file while a test runs --------- */

struct capture {
	int fd;
	int saved;
	char *buf;
	size_t len;
};

static void capture_begin(struct capture *c)
{
	memset(c, 0, sizeof(*c));
	fflush(stderr);
	c->fd = memfd_create("stderr", 0);
	assert_true(c->fd >= 0);
	c->saved = dup(STDERR_FILENO);
	assert_true(c->saved >= 0);
	assert_int_equal(dup2(c->fd, STDERR_FILENO), STDERR_FILENO);
}

/* restore fd 2 and read what was written, NUL-terminated, into c->buf */
static void capture_end(struct capture *c)
{
	off_t size;

	fflush(stderr);
	dup2(c->saved, STDERR_FILENO);
	close(c->saved);
	size = lseek(c->fd, 0, SEEK_END);
	assert_true(size >= 0);
	c->buf = malloc((size_t)size + 1);
	assert_non_null(c->buf);
	assert_int_equal(pread(c->fd, c->buf, (size_t)size, 0), size);
	c->buf[size] = '\0';
	c->len = (size_t)size;
	close(c->fd);
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static int teardown(void **state)
{
	(void)state;
	log_queue_stop();
	log_level_set(NULL, LOG_LEVEL_INFO);
	log_prefix_set("");
	return 0;
}

static void test_log_level_parse_accepts_names_in_any_case(void **state)
{
	enum log_level lvl = LOG_LEVEL_INFO;

	(void)state;
	assert_int_equal(log_level_parse("err", &lvl), 0);
	assert_int_equal(lvl, LOG_LEVEL_ERR);
	assert_int_equal(log_level_parse("WARN", &lvl), 0);
	assert_int_equal(lvl, LOG_LEVEL_WARN);
	assert_int_equal(log_level_parse("Info", &lvl), 0);
	assert_int_equal(lvl, LOG_LEVEL_INFO);
	assert_int_equal(log_level_parse("debug", &lvl), 0);
	assert_int_equal(lvl, LOG_LEVEL_DBG);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(log_level_parse(log_level_name(i), &lvl), 0);
		assert_int_equal(lvl, i);
	}
}

static void test_log_level_parse_rejects_unknown_names(void **state)
{
	static const char *const bad[] = {
		"", "verbose", "warning", "errr", "in", "debug ", "3",
	};
	enum log_level lvl = LOG_LEVEL_WARN;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(log_level_parse(bad[i], &lvl), -EINVAL);
		assert_int_equal(lvl, LOG_LEVEL_WARN);	/* untouched */
	}
	assert_int_equal(log_level_parse(NULL, &lvl), -EINVAL);
	assert_int_equal(log_level_parse("err", NULL), -EINVAL);
}

static void test_log_level_name_of_each_level(void **state)
{
	(void)state;
	assert_string_equal(log_level_name(LOG_LEVEL_ERR), "err");
	assert_string_equal(log_level_name(LOG_LEVEL_WARN), "warn");
	assert_string_equal(log_level_name(LOG_LEVEL_INFO), "info");
	assert_string_equal(log_level_name(LOG_LEVEL_DBG), "debug");
	assert_string_equal(log_level_name((enum log_level)9), "?");
	assert_string_equal(log_level_name((enum log_level)-1), "?");
}

static void test_log_default_level_filters_lower_levels(void **state)
{
	(void)state;
	/* the default is info */
	assert_true(log_enabled(LOG_LEVEL_INFO, "plain"));
	assert_false(log_enabled(LOG_LEVEL_DBG, "plain"));
	assert_int_equal(log_level_set(NULL, LOG_LEVEL_WARN), 0);
	assert_true(log_enabled(LOG_LEVEL_ERR, "plain"));
	assert_true(log_enabled(LOG_LEVEL_WARN, "plain"));
	assert_false(log_enabled(LOG_LEVEL_INFO, "plain"));
	assert_int_equal(log_level_set(NULL, LOG_LEVEL_DBG), 0);
	assert_true(log_enabled(LOG_LEVEL_DBG, "plain"));
	assert_int_equal(log_level_set(NULL, LOG_LEVEL_ERR), 0);
	assert_false(log_enabled(LOG_LEVEL_WARN, "plain"));
}

static void test_log_module_override_beats_default(void **state)
{
	(void)state;
	assert_int_equal(log_level_set(NULL, LOG_LEVEL_ERR), 0);
	assert_int_equal(log_level_set("ovr-a", LOG_LEVEL_DBG), 0);
	assert_int_equal(log_level_set("ovr-b", LOG_LEVEL_ERR), 0);
	assert_true(log_enabled(LOG_LEVEL_DBG, "ovr-a"));
	assert_false(log_enabled(LOG_LEVEL_WARN, "other"));
	assert_false(log_enabled(LOG_LEVEL_WARN, "ovr-b"));
	/* the default does not change an override */
	assert_int_equal(log_level_set(NULL, LOG_LEVEL_DBG), 0);
	assert_false(log_enabled(LOG_LEVEL_WARN, "ovr-b"));
	assert_true(log_enabled(LOG_LEVEL_DBG, "other"));
	/* setting again updates the override in place */
	assert_int_equal(log_level_set("ovr-a", LOG_LEVEL_ERR), 0);
	assert_false(log_enabled(LOG_LEVEL_WARN, "ovr-a"));
	assert_true(log_enabled(LOG_LEVEL_ERR, "ovr-a"));
	/* the name must match whole */
	assert_true(log_enabled(LOG_LEVEL_DBG, "ovr"));
	assert_true(log_enabled(LOG_LEVEL_DBG, "ovr-ab"));
}

static void test_log_level_set_rejects_bad_arguments(void **state)
{
	(void)state;
	assert_int_equal(log_level_set(NULL, (enum log_level)4), -EINVAL);
	assert_int_equal(log_level_set(NULL, (enum log_level)-1), -EINVAL);
	assert_int_equal(log_level_set("m", (enum log_level)4), -EINVAL);
	assert_int_equal(log_level_set("sixteen-chars-xx", LOG_LEVEL_DBG),
			 -EINVAL);
	assert_true(log_enabled(LOG_LEVEL_INFO, "sixteen-chars-xx"));
	assert_false(log_enabled(LOG_LEVEL_DBG, "sixteen-chars-xx"));
}

static void test_log_macros_filter_by_level(void **state)
{
	struct capture c;
	struct log_stats a, b;

	(void)state;
	log_stats_get(&a);
	capture_begin(&c);
	assert_int_equal(log_level_set(NULL, LOG_LEVEL_WARN), 0);
	LOG_ERR("shown %d", 1);
	LOG_WARN("shown %d", 2);
	LOG_INFO("hidden %d", 3);
	LOG_DBG("hidden %d", 4);
	assert_int_equal(log_level_set(LOG_MODULE, LOG_LEVEL_DBG), 0);
	LOG_DBG("shown %d", 5);
	assert_int_equal(log_level_set(LOG_MODULE, LOG_LEVEL_ERR), 0);
	LOG_WARN("hidden %d", 6);
	capture_end(&c);
	log_stats_get(&b);
	assert_int_equal(count_lines(c.buf), 3);
	assert_non_null(strstr(c.buf, " err tlog: shown 1\n"));
	assert_non_null(strstr(c.buf, " warn tlog: shown 2\n"));
	assert_non_null(strstr(c.buf, " debug tlog: shown 5\n"));
	assert_null(strstr(c.buf, "hidden"));
	assert_int_equal(b.written - a.written, 3);
	assert_int_equal(b.dropped, a.dropped);
	free(c.buf);
	log_level_set(LOG_MODULE, LOG_LEVEL_INFO);
}

static void test_log_direct_writes_one_line_to_stderr(void **state)
{
	struct capture c;
	int hh, mm, ss, ms, n = -1;

	(void)state;
	log_prefix_set("gwtest");
	capture_begin(&c);
	log_msg(LOG_LEVEL_WARN, "jb", "resync: seq %u -> %u (%d)", 10u, 20u,
		-71);
	capture_end(&c);
	/* "HH:MM:SS.mmm gwtest warn jb: resync: seq 10 -> 20 (-71)\n" */
	assert_int_equal(sscanf(c.buf, "%2d:%2d:%2d.%3d %n", &hh, &mm, &ss,
				&ms, &n), 4);
	assert_int_equal(n, 13);
	assert_true(hh < 24 && mm < 60 && ss < 61 && ms < 1000);
	assert_string_equal(c.buf + n,
			    "gwtest warn jb: resync: seq 10 -> 20 (-71)\n");
	free(c.buf);

	log_prefix_set("");
	capture_begin(&c);
	log_msg(LOG_LEVEL_ERR, "m", "x");
	capture_end(&c);
	assert_string_equal(c.buf + 13, "err m: x\n");
	free(c.buf);
}

static void test_log_long_message_is_cut_but_keeps_newline(void **state)
{
	char big[400];
	struct capture c;
	const char *msg;

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	capture_begin(&c);
	log_msg(LOG_LEVEL_ERR, "a-very-long-module-name", "%s", big);
	capture_end(&c);
	assert_int_equal(count_lines(c.buf), 1);
	assert_int_equal(c.buf[c.len - 1], '\n');
	msg = strstr(c.buf, ": x");
	assert_non_null(msg);
	assert_int_equal(strlen(msg + 2), LOG_RECORD_MSG - 1 + 1);
	assert_non_null(strstr(c.buf, " err a-very-long-mo: x"));
	free(c.buf);
}

static void test_log_queued_lines_arrive_in_order_after_stop(void **state)
{
	struct log_stats a, b;
	struct capture c;
	char *p;

	(void)state;
	log_stats_get(&a);
	capture_begin(&c);
	assert_int_equal(log_queue_start(), 0);
	assert_int_equal(log_queue_start(), 0);	/* already queued: no-op */
	for (int i = 0; i < 300; i++)
		log_msg(LOG_LEVEL_INFO, "tq", "line %d", i);
	log_queue_stop();
	capture_end(&c);
	log_stats_get(&b);
	assert_int_equal(b.dropped, a.dropped);	/* 300 fit in the queue */
	assert_int_equal(b.written - a.written, 300);
	assert_int_equal(count_lines(c.buf), 300);
	p = c.buf;
	for (int i = 0; i < 300; i++) {
		char want[32];

		snprintf(want, sizeof(want), " info tq: line %d\n", i);
		p = strstr(p, want);
		assert_non_null(p);	/* present, and after line i - 1 */
		p += strlen(want);
	}
	free(c.buf);

	/* back in direct mode: written at once */
	capture_begin(&c);
	log_msg(LOG_LEVEL_INFO, "tq", "direct again");
	capture_end(&c);
	assert_non_null(strstr(c.buf, "tq: direct again\n"));
	free(c.buf);
}

static void test_log_queue_restarts_after_stop(void **state)
{
	struct log_stats a, b;
	struct capture c;

	(void)state;
	log_stats_get(&a);
	capture_begin(&c);
	for (int round = 0; round < 3; round++) {
		assert_int_equal(log_queue_start(), 0);
		log_msg(LOG_LEVEL_INFO, "tr", "round %d", round);
		log_queue_stop();
	}
	log_queue_stop();	/* not queued: no-op */
	capture_end(&c);
	log_stats_get(&b);
	assert_int_equal(b.written - a.written, 3);
	assert_non_null(strstr(c.buf, "tr: round 0\n"));
	assert_non_null(strstr(c.buf, "tr: round 2\n"));
	free(c.buf);
}

#define FLOOD_THREADS	4
#define FLOOD_LINES	5000

static void *flood_main(void *arg)
{
	int id = (int)(intptr_t)arg;

	for (int i = 0; i < FLOOD_LINES; i++)
		log_msg(LOG_LEVEL_INFO, "flood", "t%d n%d", id, i);
	return NULL;
}

static void test_log_flood_written_plus_dropped_equals_sent(void **state)
{
	pthread_t th[FLOOD_THREADS];
	int last[FLOOD_THREADS];
	struct log_stats a, b;
	struct capture c;
	uint64_t written, dropped, out_of_order = 0;
	char *p;

	(void)state;
	log_stats_get(&a);
	capture_begin(&c);
	assert_int_equal(log_queue_start(), 0);
	for (int i = 0; i < FLOOD_THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, flood_main,
						(void *)(intptr_t)i), 0);
	for (int i = 0; i < FLOOD_THREADS; i++)
		pthread_join(th[i], NULL);
	log_queue_stop();
	capture_end(&c);
	log_stats_get(&b);
	written = b.written - a.written;
	dropped = b.dropped - a.dropped;
	assert_int_equal(written + dropped, FLOOD_THREADS * FLOOD_LINES);
	assert_int_equal(count_lines(c.buf), written);
	/* each thread's lines come out in the order it sent them */
	for (int i = 0; i < FLOOD_THREADS; i++)
		last[i] = -1;
	for (p = strstr(c.buf, "flood: t"); p; p = strstr(p, "flood: t")) {
		int id, n;

		assert_int_equal(sscanf(p, "flood: t%d n%d", &id, &n), 2);
		assert_true(id >= 0 && id < FLOOD_THREADS);
		if (n <= last[id])
			out_of_order++;
		last[id] = n;
		p++;
	}
	assert_int_equal(out_of_order, 0);
	free(c.buf);
}

/* --- queued mode from an RT task: no allocation --------------------------- */

static _Atomic int rt_logged;

static void rt_log_fn(unsigned wake, void *arg)
{
	(void)wake;
	(void)arg;
	if (atomic_load(&rt_logged) < 20) {
		log_msg(LOG_LEVEL_WARN, "rt", "from rt %d %s %llu",
			atomic_load(&rt_logged), "str", 12345678901ull);
		atomic_fetch_add(&rt_logged, 1);
	}
}

static void test_log_queued_from_rt_task_does_not_allocate(void **state)
{
	struct rtk_cfg cfg = { .lock_memory = false };
	struct rtk_task_cfg tc = {
		.name = "rtlog", .prio = 10, .period_ns = RTK_MS(1),
		.wake_fd = -1, .fn = rt_log_fn,
	};
	struct rtk_task *t;
	struct capture c;

	(void)state;
	capture_begin(&c);
	assert_int_equal(log_queue_start(), 0);
	assert_int_equal(rtk_init(&cfg), 0);
	assert_int_equal(rtk_task_create(&t, &tc), 0);
	assert_int_equal(rtk_start(), 0);
	for (int i = 0; i < 2000 && atomic_load(&rt_logged) < 20; i++)
		usleep(1000);
	rtk_stop();
	log_queue_stop();
	capture_end(&c);
	assert_int_equal(atomic_load(&rt_logged), 20);
	assert_int_equal(rtk_alloc_count(), 0);
	assert_non_null(strstr(c.buf, "warn rt: from rt 19 str 12345678901\n"));
	free(c.buf);
}

/* last: it uses up the override slots */
static void test_log_too_many_overrides_is_enospc(void **state)
{
	char name[16];
	int err = 0, i;

	(void)state;
	for (i = 0; i < 32 && !err; i++) {
		snprintf(name, sizeof(name), "fill%d", i);
		err = log_level_set(name, LOG_LEVEL_ERR);
	}
	assert_int_equal(err, -ENOSPC);
	assert_true(i <= 16 + 1);
	/* existing overrides can still change */
	assert_int_equal(log_level_set("fill0", LOG_LEVEL_DBG), 0);
	assert_true(log_enabled(LOG_LEVEL_DBG, "fill0"));
	/* the refused one follows the default */
	assert_true(log_enabled(LOG_LEVEL_INFO, name));
}

#define T(f) cmocka_unit_test_teardown(f, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_log_level_parse_accepts_names_in_any_case),
		T(test_log_level_parse_rejects_unknown_names),
		T(test_log_level_name_of_each_level),
		T(test_log_default_level_filters_lower_levels),
		T(test_log_module_override_beats_default),
		T(test_log_level_set_rejects_bad_arguments),
		T(test_log_macros_filter_by_level),
		T(test_log_direct_writes_one_line_to_stderr),
		T(test_log_long_message_is_cut_but_keeps_newline),
		T(test_log_queued_lines_arrive_in_order_after_stop),
		T(test_log_queue_restarts_after_stop),
		T(test_log_flood_written_plus_dropped_equals_sent),
		T(test_log_queued_from_rt_task_does_not_allocate),
		T(test_log_too_many_overrides_is_enospc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: MIT
/** @file test_idle.c  The RT CPUs' idle setting, on a copy of its sysfs */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "rtos-kernel/idle.h"
#include "rtos-kernel/rtk.h"
#include "rtos-kernel/task.h"

static char dir[64];

/* a sysfs copy with CPUs 0 and 1, each "0" (no constraint) */
static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/test_idle.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	for (int cpu = 0; cpu < 2; cpu++) {
		char p[128];
		FILE *f;

		snprintf(p, sizeof(p), "%s/cpu%d", dir, cpu);
		mkdir(p, 0700);
		snprintf(p, sizeof(p), "%s/cpu%d/power", dir, cpu);
		mkdir(p, 0700);
		snprintf(p, sizeof(p),
			 "%s/cpu%d/power/pm_qos_resume_latency_us", dir, cpu);
		f = fopen(p, "w");
		if (!f)
			return -1;
		fputs("0", f);
		fclose(f);
	}
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	rtk_stop();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? -1 : 0;
}

static void latency_is(int cpu, const char *want)
{
	char p[128], got[16] = "";
	FILE *f;

	snprintf(p, sizeof(p), "%s/cpu%d/power/pm_qos_resume_latency_us",
		 dir, cpu);
	f = fopen(p, "r");
	assert_non_null(f);
	assert_non_null(fgets(got, sizeof(got), f));
	fclose(f);
	assert_string_equal(got, want);
}

static void test_idle_poll_sets_only_the_given_cpus(void **state)
{
	cpu_set_t cpus;

	(void)state;
	CPU_ZERO(&cpus);
	CPU_SET(1, &cpus);
	assert_int_equal(rtk_idle_poll(&cpus, dir), 0);
	latency_is(1, "n/a");
	latency_is(0, "0");		/* Linux's CPU keeps its idle states */
	rtk_idle_release(&cpus, dir);
	latency_is(1, "0");
}

static void test_idle_poll_missing_cpu_is_an_error_others_still_set(void **state)
{
	cpu_set_t cpus;

	(void)state;
	CPU_ZERO(&cpus);
	CPU_SET(1, &cpus);
	CPU_SET(5, &cpus);		/* not in the copy */
	assert_int_equal(rtk_idle_poll(&cpus, dir), -ENOENT);
	latency_is(1, "n/a");
}

/* the executive keeps its CPUs polling while it runs, not after */
static void test_rtk_start_keeps_cpus_polling_until_stop(void **state)
{
	struct rtk_cfg cfg = { .poll_idle = true, .idle_dir = dir };
	struct rtk_info info;

	(void)state;
	CPU_SET(1, &cfg.cpus);
	assert_int_equal(rtk_init(&cfg), 0);
	latency_is(1, "0");
	assert_int_equal(rtk_start(), 0);
	rtk_info_get(&info);
	assert_true(info.poll_idle);
	assert_string_equal(info.warning, "");
	latency_is(1, "n/a");
	rtk_stop();
	rtk_info_get(&info);
	assert_false(info.poll_idle);
	latency_is(1, "0");
}

/* a CPU whose setting cannot be written: a warning, and it still starts */
static void test_rtk_start_without_idle_setting_warns(void **state)
{
	struct rtk_cfg cfg = { .poll_idle = true, .idle_dir = dir };
	struct rtk_info info;

	(void)state;
	CPU_SET(3, &cfg.cpus);		/* not in the copy */
	assert_int_equal(rtk_init(&cfg), 0);
	assert_int_equal(rtk_start(), 0);
	rtk_info_get(&info);
	assert_true(info.started);
	assert_false(info.poll_idle);
	assert_non_null(strstr(info.warning, "the RT CPUs halt when idle"));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_idle_poll_sets_only_the_given_cpus),
		T(test_idle_poll_missing_cpu_is_an_error_others_still_set),
		T(test_rtk_start_keeps_cpus_polling_until_stop),
		T(test_rtk_start_without_idle_setting_warns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

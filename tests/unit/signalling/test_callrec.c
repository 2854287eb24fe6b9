// SPDX-License-Identifier: MIT
/** @file test_callrec.c  Call records: JSON round trip, checks, hand-over */
#include <dirent.h>
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

#include "signalling/callrec.h"

static struct callrec sample(void)
{
	struct callrec r = {
		.caller = "1001", .callee = "05550100",
		.from = { "ext", "1001" }, .to = { "trunk", "pstn" },
		.start_us = 1795000000000000ll,
		.answer_us = 1795000003000000ll,
		.end_us = 1795000063500000ll,
		.disposition = CALLREC_ANSWERED, .cause = 200,
		.cause_text = "OK", .codec = "PCMU", .nlegs = 1,
		.leg = { { 3000, 3001, 2, 1, 0.8, 4.38 } },
	};

	strcpy(r.id, "0123456789abcdef0123456789abcdef");
	return r;
}

static void test_callrec_round_trip(void **state)
{
	struct callrec r = sample(), back;
	char json[CALLREC_MAX_JSON], why[128];
	int n;

	(void)state;
	n = callrec_to_json(&r, json, sizeof(json));
	assert_true(n > 0);
	assert_non_null(strstr(json, "\"disposition\":\"ANSWERED\""));
	assert_int_equal(callrec_from_json(json, (size_t)n, &back, why,
					   sizeof(why)), 0);
	assert_string_equal(back.id, r.id);
	assert_string_equal(back.to.kind, "trunk");
	assert_int_equal(back.answer_us, r.answer_us);
	assert_int_equal(back.leg[0].lost, 2);
	assert_true(back.leg[0].mos > 4.37 && back.leg[0].mos < 4.39);
	assert_int_equal(callrec_to_json(&r, json, 10), -ENOSPC);
}

/* a leg's figures across an RT partition restart: sums, the worse jitter,
 * the MOS weighted by the packets received in each period */
static void test_callrec_leg_add(void **state)
{
	struct callrec_leg to = { 100, 110, 2, 1, 3.5, 4.0 };
	const struct callrec_leg from = { 300, 290, 6, 0, 1.5, 3.0 };
	const struct callrec_leg none = { 0 };

	(void)state;
	callrec_leg_add(&to, &from);
	assert_int_equal(to.packets_rx, 400);
	assert_int_equal(to.packets_tx, 400);
	assert_int_equal(to.lost, 8);
	assert_int_equal(to.late, 1);
	assert_true(to.jitter_ms > 3.49 && to.jitter_ms < 3.51);
	assert_true(to.mos > 3.24 && to.mos < 3.26);	/* (400 + 900) / 400 */
	callrec_leg_add(&to, &none);			/* nothing before */
	assert_int_equal(to.packets_rx, 400);
	assert_true(to.mos > 3.24 && to.mos < 3.26);
	to = none;					/* nothing after */
	callrec_leg_add(&to, &from);
	assert_int_equal(to.packets_rx, 300);
	assert_true(to.mos > 2.99 && to.mos < 3.01);
}

static void refused(const char *json, const char *reason)
{
	struct callrec r;
	char why[160] = "";

	assert_int_equal(callrec_from_json(json, strlen(json), &r, why,
					   sizeof(why)), -EBADMSG);
	if (!strstr(why, reason))
		fail_msg("why \"%s\" lacks \"%s\"", why, reason);
}

static void test_callrec_bad_json_refused(void **state)
{
	struct callrec r = sample();
	char json[CALLREC_MAX_JSON];

	(void)state;
	refused("{", "not JSON");
	refused("[1]", "not a JSON object");
	refused("{\"v\":2}", "\"v\"");
	callrec_to_json(&r, json, sizeof(json));
	*strstr(json, "ANSWERED") = 'X';
	refused(json, "unknown disposition");
	r = sample();
	r.end_us = r.start_us - 1;
	callrec_to_json(&r, json, sizeof(json));
	refused(json, "out of order");
	r = sample();
	strcpy(r.from.kind, "alien");
	callrec_to_json(&r, json, sizeof(json));
	refused(json, "unknown kind");
	r = sample();
	r.id[0] = '\0';
	callrec_to_json(&r, json, sizeof(json));
	refused(json, "id");
}

static void test_callrec_write_is_whole_and_readable(void **state)
{
	char dir[] = "/tmp/callrecXXXXXX", path[512], why[128];
	struct callrec r = sample(), back;
	struct dirent *e;
	DIR *d;
	int files = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(callrec_write(dir, &r), 0);
	d = opendir(dir);
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		files++;
		assert_non_null(strstr(e->d_name, r.id));
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
	}
	closedir(d);
	assert_int_equal(files, 1);
	assert_int_equal(callrec_read(path, &back, why, sizeof(why)), 0);
	assert_string_equal(back.callee, "05550100");
	unlink(path);
	strcpy(r.id, "../escape");
	assert_int_equal(callrec_write(dir, &r), -EINVAL);
	r = sample();
	assert_int_equal(callrec_write("/nonexistent/dir", &r), -ENOENT);
	rmdir(dir);
}

static void test_callrec_ids_unique(void **state)
{
	char a[40], b[40];

	(void)state;
	assert_int_equal(callrec_new_id(a, sizeof(a)), 0);
	assert_int_equal(callrec_new_id(b, sizeof(b)), 0);
	assert_int_equal(strlen(a), 32);
	assert_string_not_equal(a, b);
	assert_int_equal(callrec_new_id(a, 8), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_callrec_round_trip),
		cmocka_unit_test(test_callrec_leg_add),
		cmocka_unit_test(test_callrec_bad_json_refused),
		cmocka_unit_test(test_callrec_write_is_whole_and_readable),
		cmocka_unit_test(test_callrec_ids_unique),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

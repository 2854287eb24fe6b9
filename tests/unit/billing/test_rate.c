// SPDX-License-Identifier: MIT
/** @file test_rate.c  Rating: tariff file, longest prefix, increments,
 *  cost, errors with file and line */
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

#include "billing/rate.h"

static const char tariffs[] =
	"# test tariffs\n"
	"currency EUR\n"
	"\n"
	"44        0.0200   60/60              United Kingdom\n"
	"447       0.1000   30/6  setup=0.05   United Kingdom mobile\r\n"
	"4420      0.015    1/1                London\n"
	"1001      0        1/1                Extension 1001\n"
	"default   0.5      60/60              Everything else  \n";

static struct rate_table *load(const char *text)
{
	struct rate_table *t = NULL;
	char why[200] = "";

	if (rate_parse(&t, "t.conf", text, strlen(text), why, sizeof(why)))
		fail_msg("refused: %s", why);
	return t;
}

static struct cdr answered(const char *callee, int64_t billsec)
{
	struct cdr c = { .answer_us = 1, .billsec = billsec };

	snprintf(c.callee, sizeof(c.callee), "%s", callee);
	return c;
}

static void test_rate_longest_prefix_wins(void **state)
{
	struct rate_table *t = load(tariffs);

	(void)state;
	assert_int_equal(rate_count(t), 5);
	assert_string_equal(rate_currency(t), "EUR");
	assert_string_equal(rate_lookup(t, "442071234567")->name, "London");
	assert_string_equal(rate_lookup(t, "447700900123")->name,
			    "United Kingdom mobile");
	assert_string_equal(rate_lookup(t, "441312345678")->name,
			    "United Kingdom");
	assert_string_equal(rate_lookup(t, "44")->name, "United Kingdom");
	assert_string_equal(rate_lookup(t, "1001")->name, "Extension 1001");
	assert_string_equal(rate_lookup(t, "4")->name, "Everything else");
	assert_string_equal(rate_lookup(t, "")->name, "Everything else");
	assert_null(rate_lookup(NULL, "44"));
	rate_free(t);
	t = load("44 1 1/1 UK\n");
	assert_null(rate_lookup(t, "33123"));	/* no default: unrated */
	rate_free(t);
}

static void test_rate_increments(void **state)
{
	struct rate_entry e = { .first = 60, .step = 60 };

	(void)state;
	assert_int_equal(rate_billed_seconds(&e, 0), 0);
	assert_int_equal(rate_billed_seconds(&e, 1), 60);
	assert_int_equal(rate_billed_seconds(&e, 60), 60);
	assert_int_equal(rate_billed_seconds(&e, 61), 120);
	e = (struct rate_entry){ .first = 30, .step = 6 };
	assert_int_equal(rate_billed_seconds(&e, 5), 30);
	assert_int_equal(rate_billed_seconds(&e, 31), 36);
	assert_int_equal(rate_billed_seconds(&e, 36), 36);
	assert_int_equal(rate_billed_seconds(&e, 37), 42);
	e = (struct rate_entry){ .first = 1, .step = 1 };
	assert_int_equal(rate_billed_seconds(&e, 61), 61);
}

static void test_rate_cost(void **state)
{
	struct rate_table *t = load(tariffs);
	struct cdr c;
	char buf[32];

	(void)state;
	c = answered("441312345678", 61);	/* 2 min at 0.02 */
	rate_apply(t, &c);
	assert_string_equal(c.rate_prefix, "44");
	assert_int_equal(c.cost, 40000);
	c = answered("447700900123", 31);	/* 36 s at 0.10, + 0.05 */
	rate_apply(t, &c);
	assert_int_equal(c.cost, 60000 + 50000);
	c = answered("442071234567", 7);	/* 7 s at 0.015: 1750 */
	rate_apply(t, &c);
	assert_int_equal(c.cost, 1750);
	c = answered("442071234567", 1);	/* 250 micro-units exactly */
	rate_apply(t, &c);
	assert_int_equal(c.cost, 250);
	c = answered("999", 61);
	rate_apply(t, &c);
	assert_string_equal(c.rate_prefix, "default");
	assert_int_equal(c.cost, 1000000);
	c = answered("447700900123", 40);
	c.answer_us = 0;			/* not answered: nothing */
	rate_apply(t, &c);
	assert_int_equal(c.cost, 0);
	assert_string_equal(c.rate_name, "United Kingdom mobile");
	rate_apply(NULL, &c);
	assert_int_equal(c.cost, CDR_UNRATED);
	assert_string_equal(c.rate_name, "");
	rate_format_money(1750, buf, sizeof(buf));
	assert_string_equal(buf, "0.00175");
	rate_format_money(1200000, buf, sizeof(buf));
	assert_string_equal(buf, "1.20");
	rate_format_money(-500000, buf, sizeof(buf));
	assert_string_equal(buf, "-0.50");
	rate_free(t);
}

static void test_rate_money_parse(void **state)
{
	int64_t v;

	(void)state;
	assert_int_equal(rate_parse_money("0.0125", &v), 0);
	assert_int_equal(v, 12500);
	assert_int_equal(rate_parse_money("3", &v), 0);
	assert_int_equal(v, 3000000);
	assert_int_equal(rate_parse_money("0.123456", &v), 0);
	assert_int_equal(v, 123456);
	assert_int_equal(rate_parse_money("0.1234567", &v), -EINVAL);
	assert_int_equal(rate_parse_money("0,02", &v), -EINVAL);
	assert_int_equal(rate_parse_money("-1", &v), -EINVAL);
	assert_int_equal(rate_parse_money(".5", &v), -EINVAL);
	assert_int_equal(rate_parse_money("5.", &v), -EINVAL);
	assert_int_equal(rate_parse_money("1000000", &v), -EINVAL);
	assert_int_equal(rate_parse_money("", &v), -EINVAL);
}

static void bad(const char *text, const char *reason)
{
	struct rate_table *t = NULL;
	char why[200] = "";

	assert_int_equal(rate_parse(&t, "t.conf", text, strlen(text), why,
				    sizeof(why)), -EINVAL);
	assert_null(t);
	if (!strstr(why, reason))
		fail_msg("\"%s\" lacks \"%s\"", why, reason);
}

static void test_rate_errors_name_file_and_line(void **state)
{
	(void)state;
	bad("44 0.02 60/60 UK\n44x 1 1/1 X\n", "t.conf:2: prefix \"44x\"");
	bad("# c\n\n44 0,02 60/60 UK\n", "t.conf:3: price \"0,02\"");
	bad("44 0.02 60 UK\n", "t.conf:1: increments \"60\"");
	bad("44 0.02 0/60 UK\n", "increments");
	bad("44 0.02 +60/60 UK\n", "increments");
	bad("44 0.02 60/60\n", "t.conf:1: 44: the name");
	bad("44 0.02 60/60 setup=x UK\n", "setup fee \"x\"");
	bad("44 1 1/1 A\n44 2 1/1 B\n", "prefix \"44\" appears twice");
	bad("44 1 1/1 A\ncurrency EUR\n", "t.conf:2: currency");
	bad("012345678901234567890123 1 1/1 A\n", "prefix");
	bad("44 1 1/1 A\n4\0 1 1/1 B\n", "");
}

static void test_rate_load_file(void **state)
{
	char path[] = "/tmp/test_rate_XXXXXX", why[300];
	struct rate_table *t = NULL;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, tariffs, sizeof(tariffs) - 1),
			 (ssize_t)sizeof(tariffs) - 1);
	close(fd);
	assert_int_equal(rate_load(&t, path, why, sizeof(why)), 0);
	assert_int_equal(rate_count(t), 5);
	/* a reader's reference keeps the table after the owner drops it */
	assert_ptr_equal(rate_hold(t), t);
	assert_null(rate_free(t));
	assert_string_equal(rate_lookup(t, "4420")->name, "London");
	rate_free(t);
	unlink(path);
	assert_int_equal(rate_load(&t, path, why, sizeof(why)), -ENOENT);
	assert_non_null(strstr(why, path));
}

/* the example files shipped with the appliance and the simulated board */
static void test_rate_shipped_files_load(void **state)
{
	static const char *const files[] = { "rootfs/etc/gateway/tariffs.conf",
					      "board/sim/tariffs.conf" };
	struct rate_table *t;
	char why[300];

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		if (rate_load(&t, files[i], why, sizeof(why)))
			fail_msg("%s", why);
		assert_non_null(rate_lookup(t, "05550100"));
		assert_int_equal(rate_lookup(t, "1001")->price, 0);
		rate_free(t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate_longest_prefix_wins),
		cmocka_unit_test(test_rate_increments),
		cmocka_unit_test(test_rate_cost),
		cmocka_unit_test(test_rate_money_parse),
		cmocka_unit_test(test_rate_errors_name_file_and_line),
		cmocka_unit_test(test_rate_load_file),
		cmocka_unit_test(test_rate_shipped_files_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: MIT
/** @file test_cdrq.c  CDR queries: times, filters, refusals, and the
 *  table, CSV and JSON outputs */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "billing/cdrq.h"

#define NOW 1795000000000000ll	/* 2026-11-18 11:06:40 UTC */

static int64_t t(const char *s)
{
	int64_t us = -1;

	if (cdrq_parse_time(s, NOW, &us))
		fail_msg("\"%s\" refused", s);
	return us;
}

static void test_cdrq_times(void **state)
{
	int64_t us;

	(void)state;
	assert_int_equal(t("2026-11-18"), 1794960000000000ll);
	assert_int_equal(t("2026-11-18 10:26"), 1794997560000000ll);
	assert_int_equal(t("2026-11-18 11:06"), NOW - 40000000ll);
	assert_int_equal(t("2026-11-18 11:06:40"), NOW);
	assert_int_equal(t("2026-11-18T11:06:40Z"), NOW);
	assert_int_equal(t("2026-11-18T11:06:40"), NOW);
	assert_int_equal(t("@1795000000"), NOW);
	assert_int_equal(t("now"), NOW);
	assert_int_equal(t("-90s"), NOW - 90000000ll);
	assert_int_equal(t("-15m"), NOW - 900000000ll);
	assert_int_equal(t("-2h"), NOW - 7200000000ll);
	assert_int_equal(t("-7d"), NOW - 7 * 86400000000ll);
	static const char *const bad[] = {
		"", "2026-11-18x", "2026-13-01", "2026-1-18", "18/11/2026",
		"2026-11-18 25:00", "2026-11-18 10", "2026-11-18 10:26:40+01",
		"@", "@12a", "@-5", "-5", "-5x", "-h", "--5h", "-99999999d",
		"yesterday", "1795000000", "@99999999999999999999",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!cdrq_parse_time(bad[i], NOW, &us))
			fail_msg("\"%s\" accepted", bad[i]);
}

static void set_ok(struct cdrq *q, const char *k, const char *v)
{
	char why[256];

	if (cdrq_set(q, k, v, NOW, why, sizeof(why)))
		fail_msg("%s=%s: %s", k, v, why);
}

static void set_bad(const char *k, const char *v, const char *reason)
{
	struct cdrq q;
	char why[256] = "";

	cdrq_init(&q);
	assert_int_equal(cdrq_set(&q, k, v, NOW, why, sizeof(why)), -EINVAL);
	if (!strstr(why, reason))
		fail_msg("%s=%s: \"%s\" lacks \"%s\"", k, v, why, reason);
}

static void test_cdrq_filters(void **state)
{
	struct cdrq q;

	(void)state;
	cdrq_init(&q);
	assert_int_equal(q.format, CDRQ_TABLE);
	assert_true(q.header);
	set_ok(&q, "since", "-1d");
	set_ok(&q, "until", "now");
	set_ok(&q, "caller", "1001");
	set_ok(&q, "callee", "0044*");
	set_ok(&q, "disposition", "answered,No Answer,no-answer,BUSY");
	set_ok(&q, "gateway", "gw-1.lab");
	set_ok(&q, "limit", "25");
	set_ok(&q, "offset", "50");
	set_ok(&q, "format", "csv");
	set_ok(&q, "header", "0");
	assert_int_equal(q.f.since_us, NOW - 86400000000ll);
	assert_int_equal(q.f.until_us, NOW);
	assert_string_equal(q.f.caller, "1001");
	assert_string_equal(q.f.callee, "0044*");
	assert_int_equal(q.f.disp_mask, 1u << CALLREC_ANSWERED |
			 1u << CALLREC_NO_ANSWER | 1u << CALLREC_BUSY);
	assert_string_equal(q.f.gateway, "gw-1.lab");
	assert_int_equal(q.f.limit, 25);
	assert_int_equal(q.f.offset, 50);
	assert_int_equal(q.format, CDRQ_CSV);
	assert_false(q.header);
}

static void test_cdrq_refusals_say_why(void **state)
{
	char long_num[80];

	(void)state;
	memset(long_num, '1', sizeof(long_num) - 1);
	long_num[sizeof(long_num) - 1] = '\0';
	set_bad("callr", "1001", "unknown parameter \"callr\"");
	set_bad("since", "tomorrow", "since: \"tomorrow\" is not a time");
	set_bad("caller", "1*2", "caller: \"1*2\" is not a number");
	set_bad("caller", "10 01", "is not a number");
	set_bad("callee", "'; DROP TABLE cdr; --", "is not a number");
	set_bad("callee", long_num, "is not a number");
	set_bad("disposition", "answered,,busy", "is not a list");
	set_bad("disposition", "ringing", "is not a list");
	set_bad("limit", "-1", "is not a whole number");
	set_bad("limit", "99999999999999999999", "is not a whole number");
	set_bad("offset", "1e3", "is not a whole number");
	set_bad("format", "xml", "is not table, csv or json");
	set_bad("header", "yes", "is not 0 or 1");
	set_bad("gateway", "gw/1", "is not a gateway name");
}

static struct cdr sample(void)
{
	struct cdr c;

	memset(&c, 0, sizeof(c));
	strcpy(c.id, "abc-1");
	strcpy(c.caller, "1001");
	strcpy(c.callee, "442079460001");
	strcpy(c.src.kind, "ext");
	strcpy(c.src.name, "1001");
	strcpy(c.dst.kind, "trunk");
	strcpy(c.dst.name, "pstn");
	c.start_us = NOW;
	c.answer_us = NOW + 3000000;
	c.end_us = NOW + 64500000;
	c.duration = 65;
	c.billsec = 62;
	c.disposition = CALLREC_ANSWERED;
	c.cause = 200;
	strcpy(c.cause_text, "OK, \"normal\"");
	strcpy(c.codec, "PCMU");
	c.packets_rx = 3100;
	c.mos = 4.38;
	strcpy(c.gateway, "gw1");
	strcpy(c.rate_prefix, "44");
	strcpy(c.rate_name, "United Kingdom");
	c.cost = 1250000;
	c.received_us = NOW + 70000000;
	return c;
}

static void test_cdrq_match(void **state)
{
	struct cdrq q;
	struct cdr c = sample();

	(void)state;
	cdrq_init(&q);
	assert_true(cdrq_match(&q.f, &c));
	set_ok(&q, "callee", "44*");
	assert_true(cdrq_match(&q.f, &c));
	set_ok(&q, "callee", "4420");
	assert_false(cdrq_match(&q.f, &c));
	cdrq_init(&q);
	set_ok(&q, "since", "@1795000001");
	assert_false(cdrq_match(&q.f, &c));
	cdrq_init(&q);
	set_ok(&q, "until", "@1795000000");
	assert_false(cdrq_match(&q.f, &c));	/* until is exclusive */
	cdrq_init(&q);
	set_ok(&q, "disposition", "busy");
	assert_false(cdrq_match(&q.f, &c));
}

static char *render(const struct cdrq *q, const struct cdr *c, size_t n)
{
	struct cdrq_out o;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cdrq_out_begin(&o, f, q);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(cdrq_out_row(&c[i], &o), 0);
	assert_int_equal(cdrq_out_end(&o), 0);
	fclose(f);
	return buf;
}

static void test_cdrq_csv_is_asterisk_like(void **state)
{
	struct cdr c[2] = { sample(), sample() };
	struct cdrq q;
	char *out, *line2;

	(void)state;
	c[1].answer_us = 0;
	c[1].billsec = 0;
	c[1].disposition = CALLREC_BUSY;
	c[1].cost = CDR_UNRATED;
	cdrq_init(&q);
	q.format = CDRQ_CSV;
	out = render(&q, c, 2);
	assert_true(!strncmp(out, "accountcode,src,dst,dcontext,clid,channel,"
			     "dstchannel,lastapp,lastdata,start,answer,end,"
			     "duration,billsec,disposition,amaflags,uniqueid,"
			     "userfield,", 117));
	line2 = strchr(out, '\n') + 1;
	assert_non_null(strstr(line2, "gw1,1001,442079460001,trunk,<1001>,"
			       "ext/1001,trunk/pstn,Dial,trunk/pstn,"
			       "2026-11-18 11:06:40,2026-11-18 11:06:43,"
			       "2026-11-18 11:07:44,65,62,ANSWERED,"
			       "DOCUMENTATION,abc-1,,200,"
			       "\"OK, \"\"normal\"\"\",PCMU,"));
	assert_non_null(strstr(line2, ",44,United Kingdom,1.25,"));
	/* unanswered: empty answer time, empty cost */
	assert_non_null(strstr(out, "11:06:40,,2026-11-18 11:07:44,65,0,BUSY"));
	assert_non_null(strstr(out, ",44,United Kingdom,,2026"));
	free(out);
	q.header = false;
	out = render(&q, c, 1);
	assert_true(!strncmp(out, "gw1,1001,", 9));
	free(out);
}

static void test_cdrq_json_parses_back(void **state)
{
	struct cdr c[3] = { sample(), sample(), sample() };
	struct cdrq q;
	json_t *a;
	struct cdr back;
	char *out, why[200];

	(void)state;
	c[1].cost = CDR_UNRATED;
	strcpy(c[2].id, "abc-3");
	cdrq_init(&q);
	q.format = CDRQ_JSON;
	out = render(&q, c, 3);
	a = json_loads(out, 0, NULL);
	assert_true(json_is_array(a));
	assert_int_equal(json_array_size(a), 3);
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(a, 0), "cost")), "1.25");
	assert_true(json_is_null(json_object_get(json_array_get(a, 1),
						 "cost")));
	/* without the server's keys it is a client's CDR again */
	json_t *o = json_array_get(a, 2);

	json_object_del(o, "cost");
	json_object_del(o, "rate_prefix");
	json_object_del(o, "rate_name");
	json_object_del(o, "received_us");
	assert_int_equal(cdr_from_jobj(o, &back, why, sizeof(why)), 0);
	assert_string_equal(back.id, "abc-3");
	assert_string_equal(back.cause_text, c[2].cause_text);
	json_decref(a);
	free(out);
	out = render(&q, c, 0);
	assert_string_equal(out, "[]\n");
	free(out);
}

static void test_cdrq_table(void **state)
{
	struct cdr c = sample();
	struct cdrq q;
	char *out;

	(void)state;
	cdrq_init(&q);
	out = render(&q, &c, 1);
	assert_non_null(strstr(out, "start (UTC)"));
	assert_non_null(strstr(out, "2026-11-18 11:06:40  1001"));
	assert_non_null(strstr(out, "ANSWERED"));
	assert_non_null(strstr(out, "1.25  4.38  abc-1\n"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cdrq_times),
		cmocka_unit_test(test_cdrq_filters),
		cmocka_unit_test(test_cdrq_refusals_say_why),
		cmocka_unit_test(test_cdrq_match),
		cmocka_unit_test(test_cdrq_csv_is_asterisk_like),
		cmocka_unit_test(test_cdrq_json_parses_back),
		cmocka_unit_test(test_cdrq_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

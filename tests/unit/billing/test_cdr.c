// SPDX-License-Identifier: MIT
/** @file test_cdr.c  CDRs built from call records: every disposition,
 *  durations, quality, JSON round trip and refusals */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "billing/cdr.h"

#define T0	1795000000000000ll	/* a start time, us */
#define S	1000000ll

static struct callrec rec(enum callrec_disp d, int64_t answer_after_us,
			  int64_t end_after_us, int cause, const char *text)
{
	struct callrec r = {
		.caller = "1001", .callee = "05550100",
		.from = { "ext", "1001" }, .to = { "trunk", "pstn" },
		.start_us = T0, .disposition = d, .cause = cause,
		.codec = "PCMU",
	};

	strcpy(r.id, "0123456789abcdef0123456789abcdef");
	snprintf(r.cause_text, sizeof(r.cause_text), "%s", text);
	r.answer_us = answer_after_us >= 0 ? T0 + answer_after_us : 0;
	r.end_us = T0 + end_after_us;
	return r;
}

static struct cdr build(const struct callrec *r)
{
	struct cdr c;
	char why[160] = "";

	if (cdr_from_callrec(&c, r, "gw1", why, sizeof(why)))
		fail_msg("refused: %s", why);
	return c;
}

static void test_cdr_answered_call(void **state)
{
	struct callrec r = rec(CALLREC_ANSWERED, 3 * S, 63 * S + 500000,
			       200, "OK");
	struct cdr c;

	(void)state;
	r.nlegs = 2;
	r.leg[0] = (struct callrec_leg){ 3000, 3001, 30, 2, 0.8, 4.38 };
	r.leg[1] = (struct callrec_leg){ 2990, 3000, 10, 0, 2.25, 4.1 };
	c = build(&r);
	assert_string_equal(c.id, r.id);
	assert_string_equal(c.src.kind, "ext");
	assert_string_equal(c.dst.name, "pstn");
	assert_string_equal(c.gateway, "gw1");
	assert_int_equal(c.duration, 64);	/* 63.5 s: 64 started */
	assert_int_equal(c.billsec, 61);	/* 60.5 s after answer */
	assert_int_equal(c.disposition, CALLREC_ANSWERED);
	assert_int_equal(c.packets_rx, 5990);
	assert_int_equal(c.packets_tx, 6001);
	assert_int_equal(c.lost, 40);
	assert_int_equal(c.late, 2);
	assert_true(c.jitter_ms > 2.24 && c.jitter_ms < 2.26);	/* worst */
	assert_true(c.mos > 4.09 && c.mos < 4.11);		/* worst */
	assert_true(c.loss_pct > 0.655 && c.loss_pct < 0.665); /* 40/6030 */
	assert_int_equal(c.cost, CDR_UNRATED);
}

static void unanswered(enum callrec_disp d, int cause, const char *text)
{
	struct callrec r = rec(d, -1, 12 * S + 1, cause, text);
	struct cdr c = build(&r);

	assert_int_equal(c.disposition, d);
	assert_int_equal(c.duration, 13);
	assert_int_equal(c.billsec, 0);
	assert_int_equal(c.answer_us, 0);
	assert_int_equal(c.cause, cause);
	assert_string_equal(c.cause_text, text);
	assert_int_equal(c.packets_rx, 0);
	assert_true(c.mos == 0);
}

static void test_cdr_busy_call(void **state)
{
	(void)state;
	unanswered(CALLREC_BUSY, 486, "Busy Here");
}

static void test_cdr_no_answer_call(void **state)
{
	(void)state;
	unanswered(CALLREC_NO_ANSWER, 480, "Temporarily Unavailable");
}

static void test_cdr_cancelled_call(void **state)
{
	(void)state;
	unanswered(CALLREC_CANCELLED, 487, "Request Terminated");
}

static void test_cdr_failed_call(void **state)
{
	(void)state;
	unanswered(CALLREC_FAILED, 503, "Service Unavailable");
	unanswered(CALLREC_CONGESTION, 34, "No circuit available");
}

static void test_cdr_edges_of_time(void **state)
{
	struct callrec r = rec(CALLREC_ANSWERED, 0, 0, 200, "OK");
	struct cdr c;

	(void)state;
	c = build(&r);			/* answered and ended at once */
	assert_int_equal(c.duration, 0);
	assert_int_equal(c.billsec, 0);
	r = rec(CALLREC_ANSWERED, 2 * S, 0, 200, "OK");
	r.end_us = 0;			/* never ended: until the answer */
	c = build(&r);
	assert_int_equal(c.end_us, r.answer_us);
	assert_int_equal(c.duration, 2);
	assert_int_equal(c.billsec, 0);
	assert_int_equal(cdr_seconds(10, 10), 0);
	assert_int_equal(cdr_seconds(0, 1), 1);
	assert_int_equal(cdr_seconds(0, S), 1);
	assert_int_equal(cdr_seconds(0, S + 1), 2);
}

static void test_cdr_json_round_trip(void **state)
{
	struct callrec r = rec(CALLREC_ANSWERED, 3 * S, 70 * S, 200, "OK");
	struct cdr c, back;
	char json[CDR_MAX_JSON], why[160];
	int n;

	(void)state;
	r.nlegs = 1;
	r.leg[0] = (struct callrec_leg){ 3000, 3001, 3, 1, 0.8, 4.38 };
	c = build(&r);
	n = cdr_to_json(&c, json, sizeof(json));
	assert_true(n > 0 && n < CDR_MAX_JSON);
	assert_int_equal(cdr_from_json(json, (size_t)n, &back, why,
				       sizeof(why)), 0);
	assert_string_equal(back.id, c.id);
	assert_int_equal(back.billsec, c.billsec);
	assert_int_equal(back.answer_us, c.answer_us);
	assert_int_equal(back.packets_rx, 3000);
	assert_true(back.mos > 4.37 && back.mos < 4.39);
	assert_int_equal(back.cost, CDR_UNRATED);
	assert_int_equal(cdr_to_json(&c, json, 20), -ENOSPC);
}

static void refused(const char *from, const char *to, const char *reason)
{
	struct callrec r = rec(CALLREC_ANSWERED, 3 * S, 70 * S, 200, "OK");
	struct cdr c;
	char json[CDR_MAX_JSON], why[200] = "", *p;

	c = build(&r);
	cdr_to_json(&c, json, sizeof(json));
	p = strstr(json, from);
	if (!p)
		fail_msg("\"%s\" not in %s", from, json);
	memmove(p + strlen(to), p + strlen(from), strlen(p + strlen(from)) + 1);
	memcpy(p, to, strlen(to));
	assert_int_equal(cdr_from_json(json, strlen(json), &c, why,
				       sizeof(why)), -EBADMSG);
	if (!strstr(why, reason))
		fail_msg("\"%s\" lacks \"%s\"", why, reason);
}

static void test_cdr_bad_json_refused(void **state)
{
	struct cdr c;
	char why[160];

	(void)state;
	assert_int_equal(cdr_from_json("{", 1, &c, why, sizeof(why)),
			 -EBADMSG);
	assert_int_equal(cdr_from_json("[]", 2, &c, why, sizeof(why)),
			 -EBADMSG);
	refused("\"billsec\":67", "\"billsec\":68", "does not match");
	refused("\"duration\":70", "\"duration\":7", "does not match");
	refused("\"ANSWERED\"", "\"HUNG UP\"", "unknown disposition");
	refused("\"id\":\"0123", "\"id\":\"/123", "id is not");
	refused("\"kind\":\"ext\"", "\"kind\":\"sip\"", "kind");
	refused("\"mos\":0.0", "\"mos\":7", "quality");
	refused("\"codec\"", "\"codek\"", "unknown key");
	refused("\"cause\":200", "\"cause\":2000", "cause");
	refused("\"caller\":\"1001\"", "\"caller\":\"10\\n1\"", "control");
	refused("\"start_us\":", "\"start_us\":-", "start_us");
}

static void test_cdr_bad_call_record_refused(void **state)
{
	struct callrec r = rec(CALLREC_ANSWERED, 3 * S, 1 * S, 200, "OK");
	struct cdr c;
	char why[160] = "";

	(void)state;
	/* answered after it ended */
	assert_int_equal(cdr_from_callrec(&c, &r, "gw", why, sizeof(why)),
			 -EBADMSG);
	assert_non_null(strstr(why, "out of order"));
	r = rec(CALLREC_BUSY, -1, S, 486, "Busy Here");
	strcpy(r.id, "a b");
	assert_int_equal(cdr_from_callrec(&c, &r, "gw", why, sizeof(why)),
			 -EBADMSG);
	assert_int_equal(cdr_from_callrec(&c, NULL, "gw", why, sizeof(why)),
			 -EINVAL);
	assert_true(cdr_id_valid("abc-DEF_1.2:3@x"));
	assert_false(cdr_id_valid(""));
	assert_false(cdr_id_valid("a/b"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cdr_answered_call),
		cmocka_unit_test(test_cdr_busy_call),
		cmocka_unit_test(test_cdr_no_answer_call),
		cmocka_unit_test(test_cdr_cancelled_call),
		cmocka_unit_test(test_cdr_failed_call),
		cmocka_unit_test(test_cdr_edges_of_time),
		cmocka_unit_test(test_cdr_json_round_trip),
		cmocka_unit_test(test_cdr_bad_json_refused),
		cmocka_unit_test(test_cdr_bad_call_record_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

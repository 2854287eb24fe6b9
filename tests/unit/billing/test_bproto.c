// SPDX-License-Identifier: MIT
/** @file test_bproto.c  The delivery protocol: frame headers, requests,
 *  answers, and every refusal with its reason */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "billing/bproto.h"

static int cdr_json(char *buf, size_t len, const char *id)
{
	struct cdr c = {
		.caller = "1001", .callee = "1002",
		.src = { "ext", "1001" }, .dst = { "ext", "1002" },
		.start_us = 1795000000000000ll,
		.answer_us = 1795000001000000ll,
		.end_us = 1795000031000000ll, .duration = 31, .billsec = 30,
		.disposition = CALLREC_ANSWERED, .cause = 200,
		.cause_text = "OK", .codec = "PCMA", .mos = 4.2,
		.gateway = "gw1",
	};

	snprintf(c.id, sizeof(c.id), "%s", id);
	return cdr_to_json(&c, buf, len);
}

/* a Submit body of @p n CDRs with ids id0, id1, ... */
static char *body_of(size_t n, size_t *len)
{
	char *joined = malloc(n * CDR_MAX_JSON + 1), *b;
	size_t at = 0;

	for (size_t i = 0; i < n; i++) {
		char id[32];

		snprintf(id, sizeof(id), "id%zu", i);
		if (i)
			joined[at++] = ',';
		at += (size_t)cdr_json(joined + at, CDR_MAX_JSON, id);
	}
	b = bproto_submit_build(joined, at, len);
	free(joined);
	return b;
}

static void test_bproto_header(void **state)
{
	uint8_t h[BPROTO_HDR];
	struct bproto_hdr out;
	struct bproto_err e;

	(void)state;
	bproto_hdr_put(h, BPROTO_SUBMIT, 1234);
	assert_memory_equal(h, "BP\x01S\x00\x00\x04\xd2", 8);
	assert_int_equal(bproto_hdr_parse(h, &out, &e), 0);
	assert_int_equal(out.type, BPROTO_SUBMIT);
	assert_int_equal(out.len, 1234);
	h[0] = 'G';			/* "GET / HTTP/1.1" */
	assert_int_equal(bproto_hdr_parse(h, &out, &e), -EBADMSG);
	assert_string_equal(e.code, "bad-frame");
	bproto_hdr_put(h, 'Z', 0);
	assert_int_equal(bproto_hdr_parse(h, &out, &e), -EBADMSG);
	bproto_hdr_put(h, BPROTO_SUBMIT, 0);
	h[2] = 2;
	assert_int_equal(bproto_hdr_parse(h, &out, &e), -EPROTO);
	assert_string_equal(e.code, "version");
	assert_non_null(strstr(e.message, "version 2"));
	bproto_hdr_put(h, BPROTO_SUBMIT, BPROTO_MAX_BODY + 1);
	assert_int_equal(bproto_hdr_parse(h, &out, &e), -EMSGSIZE);
	assert_string_equal(e.code, "too-large");
	assert_true(bproto_err_is_fatal(&e));
	bproto_hdr_put(h, BPROTO_SUBMIT, BPROTO_MAX_BODY);
	assert_int_equal(bproto_hdr_parse(h, &out, &e), 0);
}

static void test_bproto_submit_and_ack(void **state)
{
	struct bproto_submit req;
	struct bproto_ack ack;
	struct bproto_err e;
	size_t len;
	char *body = body_of(3, &len), *a;

	(void)state;
	assert_int_equal(bproto_submit_parse(body, len, &req, &e), 0);
	assert_int_equal(req.n, 3);
	assert_string_equal(req.cdrs[2].id, "id2");
	assert_int_equal(req.cdrs[0].billsec, 30);
	a = bproto_ack_build(&req, 2, &len);
	assert_non_null(a);
	assert_int_equal(bproto_ack_parse(a, len, &ack), 0);
	assert_int_equal(ack.n, 3);
	assert_string_equal(ack.ids[0], "id0");
	assert_string_equal(ack.ids[2], "id2");
	assert_int_equal(ack.fresh, 2);
	assert_int_equal(ack.duplicates, 1);
	bproto_ack_free(&ack);
	free(a);
	bproto_submit_free(&req);
	free(body);
	assert_int_equal(bproto_ack_parse("{\"acked\":[\"a b\"],\"new\":1,"
					  "\"duplicates\":0}", 41, &ack),
			 -EBADMSG);
	assert_int_equal(bproto_ack_parse("[]", 2, &ack), -EBADMSG);
}

static void refused(const char *body, const char *code, const char *reason,
		    long index)
{
	struct bproto_submit req;
	struct bproto_err e;

	assert_int_equal(bproto_submit_parse(body, strlen(body), &req, &e),
			 -EBADMSG);
	assert_string_equal(e.code, code);
	if (!strstr(e.message, reason))
		fail_msg("\"%s\" lacks \"%s\"", e.message, reason);
	assert_int_equal(e.index, index);
	assert_null(req.cdrs);
	assert_false(bproto_err_is_fatal(&e));
}

static void test_bproto_malformed_refused(void **state)
{
	char good[CDR_MAX_JSON], body[3 * CDR_MAX_JSON];

	(void)state;
	refused("", "malformed", "not JSON", -1);
	refused("{\"cdrs\":[", "malformed", "not JSON", -1);
	refused("[1,2]", "malformed", "not a JSON object", -1);
	refused("{\"cdrs\":{}}", "malformed", "{\"cdrs\":[...]}", -1);
	refused("{\"cdrs\":[],\"x\":1}", "malformed", "{\"cdrs\"", -1);
	refused("{\"cdrs\":[]}", "malformed", "0 CDRs", -1);
	refused("{\"cdrs\":[1],\"cdrs\":[2]}", "malformed", "not JSON", -1);
	cdr_json(good, sizeof(good), "ok1");
	snprintf(body, sizeof(body), "{\"cdrs\":[%s,{\"id\":\"bad1\"}]}",
		 good);
	refused(body, "invalid-cdr", "CDR 1", 1);
	snprintf(body, sizeof(body), "{\"cdrs\":[%s,7]}", good);
	refused(body, "invalid-cdr", "not a JSON object", 1);
}

static void test_bproto_too_many_cdrs(void **state)
{
	struct bproto_submit req;
	struct bproto_err e;
	size_t len;
	char *body = body_of(BPROTO_MAX_CDRS + 1, &len);

	(void)state;
	assert_int_equal(bproto_submit_parse(body, len, &req, &e), -EBADMSG);
	assert_non_null(strstr(e.message, "1001 CDRs"));
	free(body);
	body = body_of(BPROTO_MAX_CDRS, &len);
	assert_true(len <= BPROTO_MAX_BODY);	/* a full batch fits */
	assert_int_equal(bproto_submit_parse(body, len, &req, &e), 0);
	bproto_submit_free(&req);
	free(body);
}

static void test_bproto_error_round_trip(void **state)
{
	struct bproto_err e, back;
	size_t len;
	char *b;
	const char *no_code = "{\"error\":\"\",\"message\":\"x\"}";

	(void)state;
	bproto_err_set(&e, "invalid-cdr", 4, "abc", "CDR %d: %s", 4, "bad");
	b = bproto_err_build(&e, &len);
	assert_int_equal(bproto_err_parse(b, len, &back), 0);
	assert_string_equal(back.code, "invalid-cdr");
	assert_string_equal(back.message, "CDR 4: bad");
	assert_int_equal(back.index, 4);
	assert_string_equal(back.id, "abc");
	free(b);
	bproto_err_set(&e, "store", -1, "a/b", "later");
	assert_string_equal(e.id, "");	/* not an id: not repeated */
	b = bproto_err_build(&e, &len);
	assert_int_equal(bproto_err_parse(b, len, &back), 0);
	assert_int_equal(back.index, -1);
	assert_false(bproto_err_is_fatal(&back));
	free(b);
	assert_int_equal(bproto_err_parse("{\"error\":1}", 11, &back),
			 -EBADMSG);
	/* an error without a code is no error (found by the fuzzer) */
	assert_int_equal(bproto_err_parse(no_code, strlen(no_code), &back),
			 -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bproto_header),
		cmocka_unit_test(test_bproto_submit_and_ack),
		cmocka_unit_test(test_bproto_malformed_refused),
		cmocka_unit_test(test_bproto_too_many_cdrs),
		cmocka_unit_test(test_bproto_error_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

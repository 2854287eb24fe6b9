// SPDX-License-Identifier: MIT
/** @file test_store.c  The CDR store on SQLite: idempotent batches,
 *  filters, one CDR, round trip of every field, refusals */
#include <errno.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "billing/cdrq.h"
#include "billing/store.h"

struct fx {
	char dir[64];
	char spec[128];
	struct store *st;
};

static struct cdr mk(unsigned i)
{
	static const char *const callees[] = { "05550101", "442079460001",
					       "1002", "10_1" };
	enum callrec_disp d = (enum callrec_disp)(i % CALLREC_DISP_COUNT);
	struct cdr c;

	memset(&c, 0, sizeof(c));
	snprintf(c.id, sizeof(c.id), "id-%04u", i);
	snprintf(c.caller, sizeof(c.caller), "100%u", 1 + i % 4);
	snprintf(c.callee, sizeof(c.callee), "%s", callees[i / 6 % 4]);
	strcpy(c.src.kind, "ext");
	strcpy(c.src.name, c.caller);
	strcpy(c.dst.kind, "trunk");
	strcpy(c.dst.name, "pstn");
	c.start_us = 1795000000000000ll + (int64_t)i * 60000000;
	c.disposition = d;
	c.end_us = c.start_us + 5000000;
	if (d == CALLREC_ANSWERED) {
		c.answer_us = c.start_us + 1000000;
		c.end_us = c.answer_us + 60500000;
		strcpy(c.codec, "PCMA");
		c.packets_rx = 3025;
		c.packets_tx = 3024;
		c.lost = 7;
		c.late = 2;
		c.loss_pct = 0.23;
		c.jitter_ms = 1.75;
		c.mos = 4.31;
	}
	c.duration = cdr_seconds(c.start_us, c.end_us);
	c.billsec = c.answer_us ? cdr_seconds(c.answer_us, c.end_us) : 0;
	c.cause = d == CALLREC_BUSY ? 486 : 200;
	snprintf(c.cause_text, sizeof(c.cause_text), "text, \"%u\"", i);
	snprintf(c.gateway, sizeof(c.gateway), "gw%u", i % 2);
	c.cost = CDR_UNRATED;
	if (i % 3 == 0) {
		strcpy(c.rate_prefix, "0555");
		strcpy(c.rate_name, "Local");
		c.cost = 12345 * (int64_t)i;
	}
	c.received_us = c.end_us + 1;
	return c;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char why[256];

	strcpy(f->dir, "/tmp/test_store.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->spec, sizeof(f->spec), "sqlite:%s/cdr.db", f->dir);
	assert_int_equal(store_open(&f->st, f->spec, why, sizeof(why)), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[160];

	store_close(f->st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void put_range(struct store *st, unsigned from, unsigned to,
		      uint64_t want_fresh)
{
	struct cdr *c = calloc(to - from, sizeof(*c));
	uint64_t fresh = 99;
	char why[256] = "";

	for (unsigned i = from; i < to; i++)
		c[i - from] = mk(i);
	if (store_put(st, c, to - from, &fresh, why, sizeof(why)))
		fail_msg("store_put: %s", why);
	assert_int_equal(fresh, want_fresh);
	free(c);
}

static uint64_t count(struct store *st)
{
	uint64_t n = 0;
	char why[256];

	assert_int_equal(store_count(st, &n, why, sizeof(why)), 0);
	return n;
}

static void test_store_put_twice_keeps_one(void **state)
{
	struct fx *f = *state;

	put_range(f->st, 0, 10, 10);
	put_range(f->st, 5, 15, 5);	/* 5 held already */
	put_range(f->st, 0, 15, 0);
	assert_int_equal(count(f->st), 15);
}

static void test_store_batch_over_one_transaction(void **state)
{
	struct fx *f = *state;

	put_range(f->st, 0, STORE_MAX_BATCH * 2 + 17, STORE_MAX_BATCH * 2 + 17);
	assert_int_equal(count(f->st), STORE_MAX_BATCH * 2 + 17);
}

static void test_store_same_id_twice_in_a_batch(void **state)
{
	struct fx *f = *state;
	struct cdr c[2] = { mk(1), mk(1) };
	uint64_t fresh;
	char why[256];

	assert_int_equal(store_put(f->st, c, 2, &fresh, why, sizeof(why)), 0);
	assert_int_equal(fresh, 1);
	assert_int_equal(count(f->st), 1);
}

static void test_store_round_trip_every_field(void **state)
{
	struct fx *f = *state;
	char why[256];

	put_range(f->st, 0, 8, 8);
	for (unsigned i = 0; i < 8; i++) {
		struct cdr want = mk(i), got;

		assert_int_equal(store_get(f->st, want.id, &got, why,
					   sizeof(why)), 0);
		assert_string_equal(got.id, want.id);
		assert_string_equal(got.caller, want.caller);
		assert_string_equal(got.callee, want.callee);
		assert_string_equal(got.src.kind, want.src.kind);
		assert_string_equal(got.dst.name, want.dst.name);
		assert_int_equal(got.start_us, want.start_us);
		assert_int_equal(got.answer_us, want.answer_us);
		assert_int_equal(got.end_us, want.end_us);
		assert_int_equal(got.duration, want.duration);
		assert_int_equal(got.billsec, want.billsec);
		assert_int_equal(got.disposition, want.disposition);
		assert_int_equal(got.cause, want.cause);
		assert_string_equal(got.cause_text, want.cause_text);
		assert_string_equal(got.codec, want.codec);
		assert_int_equal(got.packets_rx, want.packets_rx);
		assert_int_equal(got.late, want.late);
		assert_true(got.loss_pct == want.loss_pct);
		assert_true(got.jitter_ms == want.jitter_ms);
		assert_true(got.mos == want.mos);
		assert_string_equal(got.gateway, want.gateway);
		assert_string_equal(got.rate_prefix, want.rate_prefix);
		assert_string_equal(got.rate_name, want.rate_name);
		assert_true(got.cost == want.cost);
		assert_int_equal(got.received_us, want.received_us);
		assert_int_equal(cdr_check(&got, why, sizeof(why)), 0);
	}
}

static void test_store_get_missing_and_bad_id(void **state)
{
	struct fx *f = *state;
	struct cdr c;
	char why[256];

	put_range(f->st, 0, 2, 2);
	assert_int_equal(store_get(f->st, "nope", &c, why, sizeof(why)),
			 -ENOENT);
	assert_int_equal(store_get(f->st, "a b", &c, why, sizeof(why)),
			 -EINVAL);
	assert_int_equal(store_get(f->st, "' OR 1=1 --", &c, why,
				   sizeof(why)), -EINVAL);
}

struct collect {
	unsigned n;
	char ids[64][CDR_ID];
	int stop_after;
};

static int collect(const struct cdr *c, void *arg)
{
	struct collect *k = arg;

	if (k->n < 64)
		strcpy(k->ids[k->n], c->id);
	k->n++;
	return k->stop_after && (int)k->n == k->stop_after ? 42 : 0;
}

/* run @p q (text filters) on the store and on the reference cdrq_match() */
static void same_as_reference(struct store *st, unsigned total,
			      const char *const *kv)
{
	struct cdrq q;
	struct collect k = { 0 };
	unsigned want = 0;
	char why[256];

	cdrq_init(&q);
	for (; kv[0]; kv += 2)
		if (cdrq_set(&q, kv[0], kv[1], 1795000000000000ll, why,
			     sizeof(why)))
			fail_msg("%s", why);
	assert_int_equal(store_query(st, &q.f, collect, &k, why, sizeof(why)),
			 0);
	for (unsigned i = 0; i < total; i++) {
		struct cdr c = mk(i);

		if (!cdrq_match(&q.f, &c))
			continue;
		if (want >= q.f.offset && (!q.f.limit ||
					   want - q.f.offset < q.f.limit)) {
			unsigned j = (unsigned)(want - q.f.offset);

			if (j < 64)
				assert_string_equal(k.ids[j], c.id);
		}
		want++;
	}
	if (q.f.offset < want)
		want -= (unsigned)q.f.offset;
	else
		want = 0;
	if (q.f.limit && want > q.f.limit)
		want = (unsigned)q.f.limit;
	assert_int_equal(k.n, want);
}

static void test_store_filters_match_the_reference(void **state)
{
	struct fx *f = *state;
	static const char *const q1[] = { "caller", "1002", NULL };
	static const char *const q2[] = { "callee", "44*", NULL };
	static const char *const q3[] = { "disposition", "busy,no-answer",
					  NULL };
	static const char *const q4[] = { "since", "@1795000600",
					  "until", "@1795001800", NULL };
	static const char *const q5[] = { "gateway", "gw1", "callee", "0555*",
					  "limit", "3", "offset", "1", NULL };
	static const char *const q6[] = { "callee", "10_*", NULL };
	static const char *const q7[] = { "callee", "10_1", NULL };
	static const char *const q8[] = { "offset", "40", NULL };
	static const char *const q9[] = { NULL };

	put_range(f->st, 0, 48, 48);
	same_as_reference(f->st, 48, q1);
	same_as_reference(f->st, 48, q2);
	same_as_reference(f->st, 48, q3);
	same_as_reference(f->st, 48, q4);
	same_as_reference(f->st, 48, q5);
	same_as_reference(f->st, 48, q6);
	same_as_reference(f->st, 48, q7);
	same_as_reference(f->st, 48, q8);
	same_as_reference(f->st, 48, q9);
}

static void test_store_like_escapes_wildcards(void **state)
{
	struct fx *f = *state;
	struct cdrq q;
	struct collect k = { 0 };
	char why[256];

	put_range(f->st, 0, 48, 48);
	cdrq_init(&q);
	/* "10_1" exists as a callee; "10_*" must not match "1002" */
	assert_int_equal(cdrq_set(&q, "callee", "10_*", 0, why, sizeof(why)),
			 0);
	assert_int_equal(store_query(f->st, &q.f, collect, &k, why,
				     sizeof(why)), 0);
	assert_int_equal(k.n, 12);
	for (unsigned i = 0; i < 12; i++) {
		struct cdr c;

		assert_int_equal(store_get(f->st, k.ids[i], &c, why,
					   sizeof(why)), 0);
		assert_string_equal(c.callee, "10_1");
	}
}

static void test_store_handler_stops_the_query(void **state)
{
	struct fx *f = *state;
	struct collect k = { .stop_after = 3 };
	char why[256];

	put_range(f->st, 0, 10, 10);
	assert_int_equal(store_query(f->st, NULL, collect, &k, why,
				     sizeof(why)), 42);
	assert_int_equal(k.n, 3);
	assert_string_equal(k.ids[0], "id-0000");
	assert_string_equal(k.ids[2], "id-0002");
}

static void test_store_reopen_keeps_everything(void **state)
{
	struct fx *f = *state;
	char why[256];

	put_range(f->st, 0, 20, 20);
	f->st = store_close(f->st);
	assert_int_equal(store_open(&f->st, f->spec, why, sizeof(why)), 0);
	assert_int_equal(count(f->st), 20);
	put_range(f->st, 10, 30, 10);
}

static void test_store_two_connections_read_while_writing(void **state)
{
	struct fx *f = *state;
	struct store *rd;
	char why[256];

	assert_int_equal(store_open(&rd, f->spec, why, sizeof(why)), 0);
	put_range(f->st, 0, 5, 5);
	assert_int_equal(count(rd), 5);
	put_range(f->st, 5, 9, 4);
	assert_int_equal(count(rd), 9);
	store_close(rd);
}

static void test_store_refuses_bad_specs(void **state)
{
	struct store *st = NULL;
	char why[256] = "";

	(void)state;
	assert_int_equal(store_open(&st, "mysql://x", why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "not sqlite:PATH"));
	assert_int_equal(store_open(&st, "sqlite:", why, sizeof(why)),
			 -EINVAL);
	why[0] = '\0';
	assert_int_equal(store_open(&st, "sqlite:/nonexistent/dir/cdr.db",
				    why, sizeof(why)), -EIO);
	assert_non_null(strstr(why, "sqlite"));
	assert_null(st);
}

static void test_store_refuses_another_schema_version(void **state)
{
	struct fx *f = *state;
	char path[128], why[256] = "";
	sqlite3 *db;

	f->st = store_close(f->st);
	snprintf(path, sizeof(path), "%s/cdr.db", f->dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "UPDATE schema_info SET version = 2",
				      NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(&f->st, f->spec, why, sizeof(why)), -EIO);
	assert_non_null(strstr(why, "schema version 2"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_store_put_twice_keeps_one),
		T(test_store_batch_over_one_transaction),
		T(test_store_same_id_twice_in_a_batch),
		T(test_store_round_trip_every_field),
		T(test_store_get_missing_and_bad_id),
		T(test_store_filters_match_the_reference),
		T(test_store_like_escapes_wildcards),
		T(test_store_handler_stops_the_query),
		T(test_store_reopen_keeps_everything),
		T(test_store_two_connections_read_while_writing),
		cmocka_unit_test(test_store_refuses_bad_specs),
		T(test_store_refuses_another_schema_version),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

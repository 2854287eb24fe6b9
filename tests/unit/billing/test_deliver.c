// SPDX-License-Identifier: MIT
/** @file test_deliver.c  Client delivery against the real server core in
 *  this process (SQLite in a temporary directory): a server that is down,
 *  duplicates, an invalid CDR set aside, TLS refused, back-off */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "billing/bsrv.h"
#include "billing/cdr.h"
#include "billing/deliver.h"
#include "billing/store.h"

static char top[64], db[128], qdir[128], rejected[128], listen_at[64];

static int setup(void **state)
{
	(void)state;
	signal(SIGPIPE, SIG_IGN);
	snprintf(top, sizeof(top), "/tmp/test_deliver_XXXXXX");
	if (!mkdtemp(top))
		return -1;
	snprintf(db, sizeof(db), "sqlite:%s/cdr.db", top);
	snprintf(qdir, sizeof(qdir), "%s/queue", top);
	snprintf(rejected, sizeof(rejected), "%s/rejected.jsonl", top);
	snprintf(listen_at, sizeof(listen_at), "127.0.0.1:0");
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
	return system(cmd);
}

static struct bsrv *server(void)
{
	struct bsrv_cfg c = { .listen = listen_at, .store = db,
			      .max_clients = 4 };
	struct bsrv *s;
	char why[256] = "";

	if (bsrv_start(&s, &c, why, sizeof(why)))
		fail_msg("bsrv_start: %s", why);
	/* the same port after a restart */
	snprintf(listen_at, sizeof(listen_at), "127.0.0.1:%u", bsrv_port(s));
	return s;
}

/* @p n CDRs "idFIRST".. into the spool; @p bad: the one whose billsec
 * does not match its times (the server refuses it) */
static void fill(struct spool *sp, int first, int n, int bad)
{
	for (int i = first; i < first + n; i++) {
		struct cdr c = {
			.caller = "1001", .callee = "05550100",
			.src = { "ext", "1001" },
			.dst = { "trunk", "pstn" },
			.start_us = 1795000000000000ll + i,
			.answer_us = 1795000001000000ll + i,
			.end_us = 1795000011000000ll + i, .duration = 11,
			.billsec = i == bad ? 99 : 10,
			.disposition = CALLREC_ANSWERED, .cause = 200,
		};
		char json[CDR_MAX_JSON];
		struct iovec iov;

		snprintf(c.id, sizeof(c.id), "id%d", i);
		iov.iov_base = json;
		iov.iov_len = (size_t)cdr_to_json(&c, json, sizeof(json));
		assert_int_equal(spool_append(sp, &iov, 1), 0);
	}
}

static struct deliver *client(struct spool *sp, bool tls)
{
	struct deliver_cfg c = {
		.server = listen_at, .tls = tls, .ca_file = "/nonexistent",
		.backoff_min_ms = 20, .backoff_max_ms = 100, .batch = 7,
		.ack_timeout_ms = 2000, .rejected_path = rejected,
	};
	struct deliver *d = NULL;
	char why[256] = "";
	int err = deliver_start(&d, sp, &c, why, sizeof(why));

	if (tls) {
		assert_int_equal(err, -EPROTO);	/* no CA file */
		assert_non_null(strstr(why, "/nonexistent"));
		return NULL;
	}
	assert_int_equal(err, 0);
	return d;
}

static bool wait_empty(struct spool *sp, int ms)
{
	struct spool_stats st;

	for (; ms > 0; ms -= 10) {
		spool_stats(sp, &st);
		if (!st.depth)
			return true;
		usleep(10000);
	}
	return false;
}

static uint64_t stored(void)
{
	struct store *st;
	uint64_t n = 0;
	char why[200];

	assert_int_equal(store_open(&st, db, why, sizeof(why)), 0);
	assert_int_equal(store_count(st, &n, why, sizeof(why)), 0);
	store_close(st);
	return n;
}

static void test_deliver_server_down_then_up(void **state)
{
	struct bsrv *s = server();
	struct deliver_status ds;
	struct spool *sp;
	struct deliver *d;
	char why[100];

	(void)state;
	s = bsrv_stop(s);			/* down; its port known */
	assert_int_equal(spool_open(&sp, qdir, why, sizeof(why)), 0);
	fill(sp, 0, 50, -1);
	d = client(sp, false);
	deliver_kick(d);
	usleep(300000);
	deliver_status(d, &ds);
	assert_true(ds.failures_total >= 2);	/* retrying, backing off */
	assert_int_equal(ds.delivered, 0);
	assert_non_null(strstr(ds.last_error, "refused"));
	s = server();				/* back */
	assert_true(wait_empty(sp, 5000));
	deliver_status(d, &ds);
	assert_int_equal(ds.delivered, 50);
	assert_int_equal(ds.failures, 0);
	assert_true(ds.last_delivery_us > 0);
	assert_int_equal(stored(), 50);
	/* the same CDRs again (an ack lost in a crash): held once */
	fill(sp, 40, 20, -1);
	deliver_kick(d);
	assert_true(wait_empty(sp, 5000));
	deliver_status(d, &ds);
	assert_int_equal(ds.delivered, 70);
	assert_int_equal(ds.duplicates, 10);
	assert_int_equal(stored(), 60);
	deliver_stop(d);
	bsrv_stop(s);
	spool_close(sp);
}

static void test_deliver_invalid_cdr_set_aside(void **state)
{
	struct bsrv *s = server();
	struct deliver_status ds;
	struct bsrv_stats ss;
	struct spool *sp;
	struct deliver *d;
	char why[100], line[4096];
	FILE *f;

	(void)state;
	assert_int_equal(spool_open(&sp, qdir, why, sizeof(why)), 0);
	fill(sp, 0, 20, 9);
	d = client(sp, false);
	assert_true(wait_empty(sp, 5000));
	deliver_status(d, &ds);
	assert_int_equal(ds.rejected, 1);
	assert_int_equal(ds.delivered, 19);
	assert_int_equal(stored(), 19);
	bsrv_stats(s, &ss);
	assert_int_equal(ss.refused, 1);	/* the batch with it, once */
	f = fopen(rejected, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	assert_non_null(strstr(line, "\"id\":\"id9\""));
	assert_non_null(strstr(line, "invalid-cdr"));
	assert_null(fgets(line, sizeof(line), f));
	fclose(f);
	deliver_stop(d);
	bsrv_stop(s);
	spool_close(sp);
	assert_null(client(NULL, true));	/* TLS without a CA file */
}

static void test_deliver_backoff(void **state)
{
	(void)state;
	assert_int_equal(deliver_backoff_ms(500, 30000, 1, 1000), 500);
	assert_int_equal(deliver_backoff_ms(500, 30000, 1, 0), 250);
	assert_int_equal(deliver_backoff_ms(500, 30000, 2, 1000), 1000);
	assert_int_equal(deliver_backoff_ms(500, 30000, 4, 1000), 4000);
	assert_int_equal(deliver_backoff_ms(500, 30000, 40, 1000), 30000);
	assert_int_equal(deliver_backoff_ms(500, 30000, 40, 0), 15000);
	for (uint32_t r = 0; r < 5000; r += 7) {
		int ms = deliver_backoff_ms(100, 1000, 3, r);

		assert_true(ms >= 200 && ms <= 400);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_deliver_server_down_then_up, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_deliver_invalid_cdr_set_aside, setup, teardown),
		cmocka_unit_test(test_deliver_backoff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

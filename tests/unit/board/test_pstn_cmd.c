// SPDX-License-Identifier: MIT
/** @file test_pstn_cmd.c  PSTN simulator's command protocol: replies,
 *  status lines, errors, waits on a fake clock */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "board/sim/pstn.h"
#include "hal/tdm.h"
#include "hal/vtdm.h"
#include "tests/unit/board/fax_page.h"

static struct {
	int fd;
	struct tdm *t;
	struct vtdm_far *f;
	struct pstn *p;
	uint64_t now;
	char reply[PSTN_REPLY_MAX];
	struct pstn_wait w;
} fx;

static int setup(void **state)
{
	struct tdm_cfg tc = { .kind = TDM_VTDM };
	struct tdm_layout l;

	(void)state;
	memset(&fx, 0, sizeof(fx));
	fx.now = 5000;
	if (tdm_layout_parse("fxs:2,fxo:2,e1:30", &l, NULL, 0) ||
	    vtdm_create(&fx.fd, &l))
		return -1;
	tc.fd = fx.fd;
	if (tdm_open(&fx.t, &tc) || vtdm_attach_far(&fx.f, fx.fd, NULL, 0) ||
	    pstn_create(&fx.p, fx.f, NULL))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fx.p = pstn_destroy(fx.p);
	fx.f = vtdm_far_detach(fx.f);
	fx.t = tdm_close(fx.t);
	close(fx.fd);
	return 0;
}

static const char *exec(const char *cmd)
{
	assert_int_equal(pstn_exec(fx.p, cmd, fx.now, fx.reply,
				   sizeof(fx.reply), &fx.w), 0);
	return fx.reply;
}

static void expect_ok(const char *cmd)
{
	const char *r = exec(cmd);

	if (strcmp(r, "ok\n"))
		fail_msg("\"%s\": %s", cmd, r);
}

static void expect_error(const char *cmd, const char *part)
{
	const char *r = exec(cmd);

	if (strncmp(r, "error: ", 7) || !strstr(r, part) ||
	    r[strlen(r) - 1] != '\n' || strchr(r, '\n') != r + strlen(r) - 1)
		fail_msg("\"%s\": \"%s\" is not one error line with \"%s\"",
			 cmd, r, part);
}

static void tick(unsigned ms)
{
	while (ms--)
		pstn_tick(fx.p, ++fx.now);
	tdm_ticks(fx.t);
}

static unsigned count_lines(const char *s, const char *prefix)
{
	unsigned n = 0;

	for (const char *l = s; l && *l; l = strchr(l, '\n'),
	     l = l ? l + 1 : NULL)
		if (!strncmp(l, prefix, strlen(prefix)))
			n++;
	return n;
}

static void test_cmd_status_and_help(void **state)
{
	const char *r;

	(void)state;
	r = exec("status");
	assert_int_equal(count_lines(r, "line "), 34);
	assert_int_equal(count_lines(r, "card pid="), 1);
	assert_int_equal(count_lines(r, "ok"), 1);
	assert_non_null(strstr(r, "line 3 1/0 fxo 5550100 state=idle "
			       "card=onhook ringing=no rings=0 refused=0 "
			       "tx=- level=-99.0 heard=- rec=- play=- fax=- "
			       "echo=-\n"));
	assert_non_null(strstr(r, "line 1 0/0 fxs - state=onhook card=idle"));
	assert_non_null(strstr(r, "line 34 2/29 e1 5550131 state=idle "
			       "card=idle"));
	assert_string_equal(r + strlen(r) - 3, "ok\n");
	r = exec("status 2/0");
	assert_int_equal(count_lines(r, "line "), 1);
	assert_non_null(strstr(r, "line 5 2/0 e1 5550102"));
	r = exec("STATUS 5550101");
	assert_non_null(strstr(r, "line 4 1/1 fxo 5550101"));
	r = exec("card");
	assert_int_equal(strncmp(r, "card pid=", 9), 0);
	assert_non_null(strstr(r, "opens=1"));
	r = exec("help");
	assert_non_null(strstr(r, "wait LINE COND"));
	assert_int_equal(count_lines(r, "ok"), 1);
	assert_int_equal(count_lines(r, "error"), 0);
	expect_error("status 99", "no line \"99\"");
}

static void test_cmd_actions_and_errors(void **state)
{
	const char *r;

	(void)state;
	expect_ok("offhook 1");
	expect_error("offhook 1", "already off-hook");
	expect_ok("dial 1 123");
	expect_ok("tone 5550100 350+440 -13");
	expect_ok("tone 3 off");
	expect_ok("tone 3 1004 -13");
	tick(2);
	r = exec("status 3");
	assert_non_null(strstr(r, "tx=tone"));
	expect_ok("stop 3 tone");
	expect_ok("stop 3");
	expect_ok("clear 3");
	expect_ok("ring 5550101");
	expect_ok("hangup 5550101");
	expect_error("ring 1", "the gateway rings it");
	expect_error("answer 3", "no call from the gateway");
	expect_error("dial 3 12z", "not a DTMF digit");
	expect_error("tone 3 abc -10", "is not F[+F2] DBM0");
	expect_ok("echo 3 12 10");
	r = exec("status 3");
	assert_non_null(strstr(r, " fax=- echo=12.0/10 restarts=0\n"));
	expect_ok("echo 3 off");
	r = exec("status 3");
	assert_non_null(strstr(r, " echo=-\n"));
	expect_error("echo 3", "usage: echo LINE ERL_DB");
	expect_error("echo 3 loud", "\"loud\" is not ERL_DB [DELAY_MS]");
	expect_error("echo 3 12 x", "\"12 x\" is not ERL_DB [DELAY_MS]");
	expect_error("echo 3 -6", "ERL -6 dB is not in 0..60");
	expect_error("echo 3 nan", "ERL nan dB is not in 0..60");
	expect_error("echo 3 61", "ERL 61.0 dB is not in 0..60");
	expect_error("echo 3 12 65", "delay 65 ms is over 64");
	expect_error("tone 3 1000", "usage: tone");
	expect_error("play 3 /nonexistent.wav", "/nonexistent.wav");
	expect_error("play 3 a.wav twice", "wrong arguments");
	expect_error("stop 3 nothing", "not dial, tone, play, record, fax or "
		     "all");
	expect_error("flash", "which line?");
	expect_error("dance 1", "unknown command \"dance\"");
	expect_error("offhook 1 2", "wrong arguments");
	expect_error("a b c d e f g h i", "too many words");
	/* blank lines and comments get no reply */
	assert_string_equal(exec(""), "");
	assert_string_equal(exec("   # a comment"), "");
}

static void test_cmd_too_long(void **state)
{
	char cmd[PSTN_CMD_MAX + 10];

	(void)state;
	memset(cmd, 'a', sizeof(cmd) - 1);
	cmd[sizeof(cmd) - 1] = '\0';
	expect_error(cmd, "longer than");
}

/* a reply that does not fit ends with an error line, never cut short */
static void test_cmd_reply_too_long_is_an_error(void **state)
{
	char small[700];
	const char *last;

	(void)state;
	assert_int_equal(pstn_exec(fx.p, "status", fx.now, small,
				   sizeof(small), &fx.w), 0);
	assert_true(strlen(small) < sizeof(small));
	assert_int_equal(small[strlen(small) - 1], '\n');
	for (last = small + strlen(small) - 1; last > small &&
	     last[-1] != '\n'; last--)
		;
	assert_int_equal(strncmp(last, "error: reply longer than 700 bytes",
				 34), 0);
	assert_true(count_lines(small, "line ") >= 1);
	assert_int_equal(pstn_exec(fx.p, "ring 5550100", fx.now, small, 8,
				   &fx.w), 0);
	assert_string_equal(small, "ok\n");
}

static int wait_cmd(const char *cmd)
{
	return pstn_exec(fx.p, cmd, fx.now, fx.reply, sizeof(fx.reply),
			 &fx.w);
}

static void test_cmd_wait_met_at_once_or_later(void **state)
{
	(void)state;
	/* already true: answered at once */
	assert_int_equal(wait_cmd("wait 1 not-ringing"), 0);
	assert_string_equal(fx.reply, "ok\n");
	/* the gateway rings the phone later */
	assert_int_equal(wait_cmd("wait 1 ringing 2000"), 1);
	tick(10);
	assert_false(pstn_wait_poll(fx.p, &fx.w, fx.now, fx.reply,
				    sizeof(fx.reply)));
	assert_int_equal(tdm_command(fx.t, 0, 0, TDM_CMD_RING_ON), 0);
	tick(1);
	assert_true(pstn_wait_poll(fx.p, &fx.w, fx.now, fx.reply,
				   sizeof(fx.reply)));
	assert_string_equal(fx.reply, "ok\n");
	/* the gateway seizes a CO line */
	assert_int_equal(wait_cmd("wait 5550100 seized"), 1);
	assert_int_equal(tdm_command(fx.t, 1, 0, TDM_CMD_SEIZE), 0);
	tick(1);
	assert_true(pstn_wait_poll(fx.p, &fx.w, fx.now, fx.reply,
				   sizeof(fx.reply)));
	assert_int_equal(wait_cmd("wait 5550100 state seized"), 0);
	assert_string_equal(fx.reply, "ok\n");
	assert_int_equal(wait_cmd("wait 5550100 released 0"), 0);
	assert_non_null(strstr(fx.reply, "error: timeout after 0 ms"));
	assert_int_equal(wait_cmd("wait 1 sent"), 0);
	assert_int_equal(wait_cmd("wait 1 silence -50"), 0);
	assert_string_equal(fx.reply, "ok\n");
	usleep(3000);			/* the card's clock runs */
	tdm_ticks(fx.t);
	assert_int_equal(wait_cmd("wait 1 card"), 0);
	assert_string_equal(fx.reply, "ok\n");
	fx.t = tdm_close(fx.t);		/* and the card goes away */
	assert_int_equal(wait_cmd("wait 1 card 0"), 0);
	assert_non_null(strstr(fx.reply, "error: timeout"));
}

static void test_cmd_wait_times_out_with_the_state(void **state)
{
	(void)state;
	assert_int_equal(wait_cmd("wait 5550102 digits 123# 100"), 1);
	tick(99);
	assert_false(pstn_wait_poll(fx.p, &fx.w, fx.now, fx.reply,
				    sizeof(fx.reply)));
	tick(1);
	assert_true(pstn_wait_poll(fx.p, &fx.w, fx.now, fx.reply,
				   sizeof(fx.reply)));
	assert_string_equal(fx.reply, "error: timeout after 100 ms waiting "
			    "for line 5 digits 123# (state=idle card=idle "
			    "level=-99.0 heard=-)\n");
}

/* fax LINE send|receive FILE call|answer, its result, fax-done, stop */
static void test_cmd_fax(void **state)
{
	char doc[64], cmd[128];
	const char *r;

	(void)state;
	snprintf(doc, sizeof(doc), "/tmp/test_pstn_cmd.%d.tif", (int)getpid());
	assert_int_equal(fax_page_make(doc, 1, 1), 0);
	expect_error("fax 3", "no fax machine on line 3");
	expect_error("fax 3 send", "usage: fax LINE send|receive");
	expect_error("fax 3 fetch x.tif call", "usage: fax LINE");
	expect_error("fax 3 send x.tif later", "usage: fax LINE");
	expect_error("fax 3 send /nonexistent.tif call",
		     "fax: /nonexistent.tif: No such file");
	snprintf(cmd, sizeof(cmd), "fax 3 send %s call", doc);
	expect_ok(cmd);
	tick(100);
	r = exec("status 3");
	assert_non_null(strstr(r, " fax=running echo=-\n"));
	r = exec("fax 3");
	assert_string_equal(r + strlen(r) - 3, "ok\n");
	assert_int_equal(strncmp(r, "fax line 3 fax=running dir=send pages=0 ",
				 40), 0);
	/* nobody answers within 50 ms */
	assert_int_equal(pstn_exec(fx.p, "wait 3 fax-done 50", fx.now,
				   fx.reply, sizeof(fx.reply), &fx.w), 1);
	tick(50);
	assert_true(pstn_wait_poll(fx.p, &fx.w, fx.now, fx.reply,
				   sizeof(fx.reply)));
	assert_non_null(strstr(fx.reply, "error: timeout after 50 ms waiting "
			       "for line 3 fax-done"));
	expect_ok("stop 3 fax");
	expect_error("fax 3", "no fax machine on line 3");
	r = exec("status 3");
	assert_non_null(strstr(r, " fax=- echo=-\n"));
	r = exec("help");
	assert_non_null(strstr(r, "fax LINE send|receive"));
	unlink(doc);
}

static void test_cmd_wait_refuses_bad_conditions(void **state)
{
	(void)state;
	expect_error("wait 1", "which condition?");
	expect_error("wait 1 sunrise", "unknown condition \"sunrise\"");
	expect_error("wait 1 digits", "digits needs an argument");
	expect_error("wait 1 level loud", "not a level in dBm0");
	expect_error("wait 1 ringing soon", "not a timeout");
	expect_error("wait 1 ringing 10 20", "not a timeout");
	expect_error("wait 1 ringing 9999999", "not a timeout");
	expect_error("wait 77 ringing", "no line \"77\"");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_cmd_status_and_help),
		T(test_cmd_actions_and_errors),
		T(test_cmd_too_long),
		T(test_cmd_reply_too_long_is_an_error),
		T(test_cmd_wait_met_at_once_or_later),
		T(test_cmd_wait_times_out_with_the_state),
		T(test_cmd_wait_refuses_bad_conditions),
		T(test_cmd_fax),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: MIT
/** @file test_tdm.c  TDM interface: layout strings, names, commands by
 *  signalling, argument checks and dispatch to the drivers */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "hal/tdm.h"
#include "hal/tdm_priv.h"
#include "hal/vtdm.h"

static void test_tdm_layout_parse_accepts(void **state)
{
	struct tdm_layout l;
	char why[128];

	(void)state;
	assert_int_equal(tdm_layout_parse("fxs:2,fxo:2,e1:30", &l, why,
					  sizeof(why)), 0);
	assert_int_equal(l.nspans, 3);
	assert_int_equal(l.span[0].sig, TDM_SIG_FXS);
	assert_int_equal(l.span[0].nchans, 2);
	assert_int_equal(l.span[1].sig, TDM_SIG_FXO);
	assert_int_equal(l.span[2].sig, TDM_SIG_E1);
	assert_int_equal(l.span[2].nchans, 30);
	assert_int_equal(tdm_layout_chans(&l), 34);
	assert_int_equal(tdm_layout_parse(" FXO : 4 , fxs:32 ", &l, why,
					  sizeof(why)), 0);
	assert_int_equal(l.nspans, 2);
	assert_int_equal(l.span[0].sig, TDM_SIG_FXO);
	assert_int_equal(l.span[0].nchans, 4);
	assert_int_equal(l.span[1].nchans, 32);
	assert_int_equal(tdm_layout_parse("e1:1", &l, NULL, 0), 0);
	assert_int_equal(tdm_layout_parse(
		"fxs:1,fxs:1,fxs:1,fxs:1,fxs:1,fxs:1,fxs:1,e1:30", &l, NULL, 0),
		0);
	assert_int_equal(l.nspans, 8);
}

static void expect_refused(const char *s, const char *reason)
{
	struct tdm_layout l = { .nspans = 99 };
	char why[160] = "";

	assert_int_equal(tdm_layout_parse(s, &l, why, sizeof(why)), -EINVAL);
	if (!strstr(why, reason))
		fail_msg("\"%s\": reason \"%s\" lacks \"%s\"", s, why, reason);
	assert_int_equal(l.nspans, 99);		/* untouched */
}

static void test_tdm_layout_parse_refuses_with_reason(void **state)
{
	(void)state;
	expect_refused("", "empty layout");
	expect_refused("   ", "empty layout");
	expect_refused("fxs", "needs a channel count");
	expect_refused("fxs:", "needs a channel count");
	expect_refused("fxs:-1", "needs a channel count");
	expect_refused("t1:24", "span 1: unknown type \"t1:24\"");
	expect_refused("fxs:2,,fxo:2", "span 2: unknown type");
	expect_refused("fxs:2,", "span 2: unknown type");
	expect_refused("fxs:0", "fxs has 1 to 32 channels, not 0");
	expect_refused("fxs:33", "fxs has 1 to 32 channels, not 33");
	expect_refused("e1:31", "e1 has 1 to 30 channels, not 31");
	expect_refused("fxs:99999999999999999999", "not 99999");
	expect_refused("fxs:2x", "unexpected \"x\"");
	expect_refused("fxs:2 fxo:2", "unexpected \"fxo:2\"");
	expect_refused("fxs:1,fxs:1,fxs:1,fxs:1,fxs:1,fxs:1,fxs:1,fxs:1,fxs:1,"
		       "fxs:1,fxs:1,fxs:1,fxs:1,fxs:1,fxs:1,fxs:1,fxs:1,fxs:1,"
		       "fxs:1,fxs:1,fxs:1,fxs:1,fxs:1,fxs:1,fxs:1,fxs:1,fxs:1,"
		       "fxs:1,fxs:1,fxs:1,fxs:1,fxs:1,fxs:1,fxs:1,fxs:1,fxs:1,"
		       "fxs:1,fxs:1,fxs:1,fxs:1,fxs:1,fxs:1,fxs:1,fxs:1,fxs:1,"
		       "fxs:1,fxs:1,fxs:1,fxs:1,fxs:1,fxs:1,fxs:1,fxs:1,fxs:1,"
		       "fxs:1,fxs:1,fxs:1,fxs:1,fxs:1,fxs:1,fxs:1,fxs:1,fxs:1,"
		       "fxs:1,fxs:1", "more than 64 spans");
	assert_int_equal(tdm_layout_parse(NULL, &(struct tdm_layout){ 0 },
					  NULL, 0), -EINVAL);
	assert_int_equal(tdm_layout_parse("fxs:1", NULL, NULL, 0), -EINVAL);
}

static void test_tdm_layout_parse_repeat(void **state)
{
	struct tdm_layout l;
	char why[160];
	unsigned i;

	(void)state;
	assert_int_equal(tdm_layout_parse("fxs:2,e1:30*40", &l, why,
					  sizeof(why)), 0);
	assert_int_equal(l.nspans, 41);
	assert_int_equal(l.span[0].sig, TDM_SIG_FXS);
	for (i = 1; i < 41; i++) {
		assert_int_equal(l.span[i].sig, TDM_SIG_E1);
		assert_int_equal(l.span[i].nchans, 30);
	}
	assert_int_equal(tdm_layout_chans(&l), 2 + 40 * 30);
	/* blanks around '*', any case, a repeat of 1, mixed with plain items */
	assert_int_equal(tdm_layout_parse(" FXO:4 * 2 ,fxs:8*1, e1:15 ", &l,
					  why, sizeof(why)), 0);
	assert_int_equal(l.nspans, 4);
	assert_int_equal(l.span[1].sig, TDM_SIG_FXO);
	assert_int_equal(l.span[1].nchans, 4);
	assert_int_equal(l.span[2].sig, TDM_SIG_FXS);
	assert_int_equal(l.span[3].nchans, 15);
	/* the last span a card can have: 64 E1 spans, 1920 lines */
	assert_int_equal(tdm_layout_parse("e1:30*64", &l, why, sizeof(why)),
			 0);
	assert_int_equal(l.nspans, TDM_MAX_SPANS);
	assert_int_equal(tdm_layout_chans(&l), 1920);
	assert_int_equal(tdm_layout_parse("fxs:2,fxo:2,e1:30*62", &l, why,
					  sizeof(why)), 0);
	assert_int_equal(l.nspans, TDM_MAX_SPANS);
	assert_int_equal(l.span[63].sig, TDM_SIG_E1);
	assert_int_equal(tdm_layout_check(&l, why, sizeof(why)), 0);
}

static void test_tdm_layout_parse_repeat_refused(void **state)
{
	(void)state;
	/* one span past the last */
	expect_refused("e1:30*65", "spans 1-65: more than 64 spans (65 e1 "
		       "spans asked, room for 64)");
	expect_refused("fxs:2,fxo:2,e1:30*63", "spans 3-65: more than 64 "
		       "spans (63 e1 spans asked, room for 62)");
	expect_refused("e1:30*64,fxs:1", "more than 64 spans");
	expect_refused("e1:30*0", "span 1: e1 repeated \"0\" times: give a "
		       "count of spans 1..64 after '*'");
	expect_refused("fxs:2,e1:30*", "span 2: e1 repeated \"\" times");
	expect_refused("e1:30*x", "repeated \"x\" times");
	expect_refused("e1:30*-2", "repeated \"-2\" times");
	expect_refused("e1:30*99999999999999999999", "repeated "
		       "\"99999999999999999999\" times");
	expect_refused("e1:30*65536", "repeated \"65536\" times");
	expect_refused("e1:30*65535", "more than 64 spans");
	expect_refused("e1:30*2*2", "unexpected \"*2\"");
	expect_refused("e1:31*2", "e1 has 1 to 30 channels, not 31");
	expect_refused("e1*2", "needs a channel count");
}

static void test_tdm_layout_check(void **state)
{
	struct tdm_layout l = { .nspans = 1, .span = { { TDM_SIG_E1, 30 } } };
	char why[128];

	(void)state;
	assert_int_equal(tdm_layout_check(&l, why, sizeof(why)), 0);
	l.span[0].sig = (enum tdm_sig)7;
	assert_int_equal(tdm_layout_check(&l, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "unknown signalling"));
	l.nspans = 0;
	assert_int_equal(tdm_layout_check(&l, why, sizeof(why)), -EINVAL);
	assert_int_equal(tdm_layout_check(NULL, NULL, 0), -EINVAL);
	/* a region or driver claiming one span more than a card has */
	assert_int_equal(tdm_layout_parse("e1:30*64", &l, NULL, 0), 0);
	assert_int_equal(tdm_layout_check(&l, why, sizeof(why)), 0);
	l.nspans = TDM_MAX_SPANS + 1;
	assert_int_equal(tdm_layout_check(&l, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "a card has 1 to 64 spans, not 65"));
}

static void test_tdm_names(void **state)
{
	(void)state;
	assert_string_equal(tdm_sig_name(TDM_SIG_FXS), "fxs");
	assert_string_equal(tdm_sig_name(TDM_SIG_E1), "e1");
	assert_string_equal(tdm_sig_name((enum tdm_sig)9), "?");
	assert_string_equal(tdm_ev_name(TDM_EV_OFFHOOK), "offhook");
	assert_string_equal(tdm_ev_name(TDM_EV_RING_STOP), "ring-stop");
	assert_string_equal(tdm_ev_name(TDM_EV_CLEAR), "clear");
	assert_string_equal(tdm_ev_name((enum tdm_ev)-1), "?");
	assert_string_equal(tdm_cmd_name(TDM_CMD_RING_ON), "ring-on");
	assert_string_equal(tdm_cmd_name(TDM_CMD_CLEAR), "clear");
	assert_string_equal(tdm_cmd_name((enum tdm_cmd)42), "?");
}

static void test_tdm_commands_by_signalling(void **state)
{
	static const bool want[3][6] = {
		/* ring-on ring-off seize release answer clear */
		[TDM_SIG_FXS] = { 1, 1, 0, 0, 0, 0 },
		[TDM_SIG_FXO] = { 0, 0, 1, 1, 0, 0 },
		[TDM_SIG_E1]  = { 0, 0, 1, 1, 1, 1 },
	};

	(void)state;
	for (int s = 0; s < 3; s++)
		for (int c = 0; c < 6; c++)
			assert_int_equal(tdm_cmd_valid((enum tdm_sig)s,
						       (enum tdm_cmd)c),
					 want[s][c]);
	assert_false(tdm_cmd_valid((enum tdm_sig)3, TDM_CMD_SEIZE));
}

static void test_tdm_null_and_bad_arguments(void **state)
{
	struct tdm_cfg cfg = { .kind = (enum tdm_kind)5, .fd = -1 };
	int16_t pcm[TDM_CHUNK];
	struct tdm_stats st;
	struct tdm *t = NULL;
	struct tdm_span_info si;

	(void)state;
	assert_int_equal(tdm_open(&t, &cfg), -EINVAL);
	assert_int_equal(tdm_open(NULL, &cfg), -EINVAL);
	assert_int_equal(tdm_open(&t, NULL), -EINVAL);
	assert_null(t);
	assert_null(tdm_close(NULL));
	assert_int_equal(tdm_fd(NULL), -1);
	assert_int_equal(tdm_ticks(NULL), 0);
	assert_int_equal(tdm_span_count(NULL), 0);
	assert_int_equal(tdm_span_info(NULL, 0, &si), -EINVAL);
	assert_int_equal(tdm_span_chans(NULL, 0), 0);
	assert_int_equal(tdm_read(NULL, 0, 0, pcm, TDM_CHUNK), -EINVAL);
	assert_int_equal(tdm_write(NULL, 0, 0, pcm, TDM_CHUNK), -EINVAL);
	assert_int_equal(tdm_event_get(NULL, &(struct tdm_event){ 0 }),
			 -EINVAL);
	assert_int_equal(tdm_command(NULL, 0, 0, TDM_CMD_SEIZE), -EINVAL);
	memset(&st, 0xff, sizeof(st));
	tdm_stats_get(NULL, &st);
	assert_int_equal(st.ticks, 0);
	tdm_stats_get(NULL, NULL);
}

/* tdm_open() reaches the driver the kind names, which reports its own
 * failure; a card that opens answers within its layout only */
static void test_tdm_dispatch(void **state)
{
	struct tdm_cfg vcfg = { .kind = TDM_VTDM, .fd = -1 };
	struct tdm_cfg dcfg = { .kind = TDM_DAHDI,
				.dev_dir = "/nonexistent/dahdi" };
	struct tdm_layout l;
	int16_t pcm[TDM_CHUNK] = { 0 };
	struct tdm *t = NULL;
	struct tdm_span_info si;

	(void)state;
	assert_int_equal(tdm_open(&t, &vcfg), -EBADF);
	assert_int_equal(tdm_layout_parse("fxs:1", &dcfg.layout, NULL, 0), 0);
	assert_int_equal(tdm_open(&t, &dcfg), -ENODEV);
	assert_null(t);

	assert_int_equal(tdm_layout_parse("fxo:1,e1:2", &l, NULL, 0), 0);
	assert_int_equal(vtdm_create(&vcfg.fd, &l), 0);
	assert_int_equal(tdm_open(&t, &vcfg), 0);
	assert_int_equal(tdm_span_info(t, 1, &si), 0);
	assert_string_equal(si.name, "vtdm/1");
	assert_int_equal(tdm_span_chans(t, 1), 2);
	assert_int_equal(tdm_span_chans(t, 2), 0);
	assert_int_equal(tdm_read(t, 0, 1, pcm, TDM_CHUNK), -EINVAL);
	assert_int_equal(tdm_read(t, 2, 0, pcm, TDM_CHUNK), -EINVAL);
	assert_int_equal(tdm_read(t, 0, 0, NULL, TDM_CHUNK), -EINVAL);
	assert_int_equal(tdm_write(t, 1, 2, pcm, TDM_CHUNK), -EINVAL);
	assert_int_equal(tdm_write(t, 1, 1, pcm, TDM_CHUNK), 0);
	/* blocks are whole chunks, up to TDM_BLOCK_MAX */
	assert_int_equal(tdm_read(t, 1, 1, pcm, 0), -EINVAL);
	assert_int_equal(tdm_read(t, 1, 1, pcm, TDM_CHUNK + 1), -EINVAL);
	assert_int_equal(tdm_write(t, 1, 1, pcm, TDM_CHUNK - 1), -EINVAL);
	assert_int_equal(tdm_write(t, 1, 1, pcm, TDM_BLOCK_MAX + TDM_CHUNK),
			 -EINVAL);
	assert_int_equal(tdm_command(t, 0, 0, TDM_CMD_ANSWER), -EINVAL);
	assert_int_equal(tdm_command(t, 0, 0, (enum tdm_cmd)17), -EINVAL);
	assert_int_equal(tdm_command(t, 1, 1, TDM_CMD_ANSWER), 0);
	assert_int_equal(tdm_event_get(t, &(struct tdm_event){ 0 }), -EAGAIN);
	t = tdm_close(t);
	close(vcfg.fd);
	assert_int_equal(vtdm_create(&vcfg.fd, NULL), -EINVAL);
	l.nspans = 0;
	assert_int_equal(vtdm_create(&vcfg.fd, &l), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tdm_layout_parse_accepts),
		cmocka_unit_test(test_tdm_layout_parse_refuses_with_reason),
		cmocka_unit_test(test_tdm_layout_parse_repeat),
		cmocka_unit_test(test_tdm_layout_parse_repeat_refused),
		cmocka_unit_test(test_tdm_layout_check),
		cmocka_unit_test(test_tdm_names),
		cmocka_unit_test(test_tdm_commands_by_signalling),
		cmocka_unit_test(test_tdm_null_and_bad_arguments),
		cmocka_unit_test(test_tdm_dispatch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

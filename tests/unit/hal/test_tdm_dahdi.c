// SPDX-License-Identifier: MIT
/** @file test_tdm_dahdi.c  DAHDI driver, as far as it can be tested without
 *  the kernel module: channel numbering, event and command mapping, law
 *  conversion, chunk framing on a pipe, and open failing cleanly (-ENODEV,
 *  no fd left open) on a missing directory, plain files and a FIFO */
#include <dahdi/user.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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

#include "hal/tdm.h"
#include "hal/tdm_priv.h"

static struct tdm_layout layout(const char *s)
{
	struct tdm_layout l;

	assert_int_equal(tdm_layout_parse(s, &l, NULL, 0), 0);
	return l;
}

static void test_dahdi_channel_numbers(void **state)
{
	struct tdm_layout l = layout("fxs:2,fxo:2,e1:30,fxs:1");

	(void)state;
	assert_int_equal(tdm_dahdi_channo(&l, 0, 0), 1);
	assert_int_equal(tdm_dahdi_channo(&l, 0, 1), 2);
	assert_int_equal(tdm_dahdi_channo(&l, 1, 0), 3);
	assert_int_equal(tdm_dahdi_channo(&l, 1, 1), 4);
	/* E1: timeslots 1-15 are channels 5-19, 16 (channel 20) is skipped */
	assert_int_equal(tdm_dahdi_channo(&l, 2, 0), 5);
	assert_int_equal(tdm_dahdi_channo(&l, 2, 14), 19);
	assert_int_equal(tdm_dahdi_channo(&l, 2, 15), 21);
	assert_int_equal(tdm_dahdi_channo(&l, 2, 29), 35);
	/* the next span starts after the E1's 31 timeslots */
	assert_int_equal(tdm_dahdi_channo(&l, 3, 0), 36);
	assert_int_equal(tdm_dahdi_channo(&l, 3, 1), -EINVAL);
	assert_int_equal(tdm_dahdi_channo(&l, 4, 0), -EINVAL);
	assert_int_equal(tdm_dahdi_channo(NULL, 0, 0), -EINVAL);
	l = layout("e1:30,e1:30");
	assert_int_equal(tdm_dahdi_channo(&l, 1, 0), 32);
	assert_int_equal(tdm_dahdi_channo(&l, 1, 29), 62);
}

static void test_dahdi_event_mapping(void **state)
{
	(void)state;
	/* FXS port: the analog phone */
	assert_int_equal(tdm_dahdi_event_map(TDM_SIG_FXS,
		DAHDI_EVENT_RINGOFFHOOK, false), TDM_EV_OFFHOOK);
	assert_int_equal(tdm_dahdi_event_map(TDM_SIG_FXS,
		DAHDI_EVENT_ONHOOK, false), TDM_EV_ONHOOK);
	assert_int_equal(tdm_dahdi_event_map(TDM_SIG_FXS,
		DAHDI_EVENT_WINKFLASH, false), TDM_EV_FLASH);
	assert_int_equal(tdm_dahdi_event_map(TDM_SIG_FXS,
		DAHDI_EVENT_RINGBEGIN, false), -1);
	/* FXO port: the CO line */
	assert_int_equal(tdm_dahdi_event_map(TDM_SIG_FXO,
		DAHDI_EVENT_RINGBEGIN, false), TDM_EV_RING);
	assert_int_equal(tdm_dahdi_event_map(TDM_SIG_FXO,
		DAHDI_EVENT_RINGOFFHOOK, false), TDM_EV_RING_STOP);
	assert_int_equal(tdm_dahdi_event_map(TDM_SIG_FXO,
		DAHDI_EVENT_POLARITY, true), TDM_EV_ANSWER);
	assert_int_equal(tdm_dahdi_event_map(TDM_SIG_FXO,
		DAHDI_EVENT_POLARITY, false), -1);
	assert_int_equal(tdm_dahdi_event_map(TDM_SIG_FXO,
		DAHDI_EVENT_ONHOOK, true), TDM_EV_CLEAR);
	assert_int_equal(tdm_dahdi_event_map(TDM_SIG_FXO,
		DAHDI_EVENT_ONHOOK, false), -1);
	/* E1 CAS */
	assert_int_equal(tdm_dahdi_event_map(TDM_SIG_E1,
		DAHDI_EVENT_RINGOFFHOOK, false), TDM_EV_SEIZE);
	assert_int_equal(tdm_dahdi_event_map(TDM_SIG_E1,
		DAHDI_EVENT_RINGOFFHOOK, true), TDM_EV_ANSWER);
	assert_int_equal(tdm_dahdi_event_map(TDM_SIG_E1,
		DAHDI_EVENT_ONHOOK, true), TDM_EV_CLEAR);
	/* events without a tdm meaning */
	for (int s = 0; s < 3; s++) {
		assert_int_equal(tdm_dahdi_event_map((enum tdm_sig)s,
			DAHDI_EVENT_ALARM, true), -1);
		assert_int_equal(tdm_dahdi_event_map((enum tdm_sig)s,
			DAHDI_EVENT_NONE, false), -1);
		assert_int_equal(tdm_dahdi_event_map((enum tdm_sig)s,
			DAHDI_EVENT_DTMFDOWN | '5', false), -1);
	}
}

static void test_dahdi_hook_operations(void **state)
{
	(void)state;
	assert_int_equal(tdm_dahdi_hook_op(TDM_SIG_FXS, TDM_CMD_RING_ON),
			 DAHDI_RING);
	assert_int_equal(tdm_dahdi_hook_op(TDM_SIG_FXS, TDM_CMD_RING_OFF),
			 DAHDI_RINGOFF);
	assert_int_equal(tdm_dahdi_hook_op(TDM_SIG_FXO, TDM_CMD_SEIZE),
			 DAHDI_OFFHOOK);
	assert_int_equal(tdm_dahdi_hook_op(TDM_SIG_FXO, TDM_CMD_RELEASE),
			 DAHDI_ONHOOK);
	assert_int_equal(tdm_dahdi_hook_op(TDM_SIG_E1, TDM_CMD_SEIZE),
			 DAHDI_OFFHOOK);
	assert_int_equal(tdm_dahdi_hook_op(TDM_SIG_E1, TDM_CMD_ANSWER),
			 DAHDI_OFFHOOK);
	assert_int_equal(tdm_dahdi_hook_op(TDM_SIG_E1, TDM_CMD_CLEAR),
			 DAHDI_ONHOOK);
	assert_int_equal(tdm_dahdi_hook_op(TDM_SIG_E1, TDM_CMD_RELEASE),
			 DAHDI_ONHOOK);
	assert_int_equal(tdm_dahdi_hook_op(TDM_SIG_FXS, TDM_CMD_SEIZE),
			 -EINVAL);
	assert_int_equal(tdm_dahdi_hook_op(TDM_SIG_FXO, TDM_CMD_RING_ON),
			 -EINVAL);
	assert_int_equal(tdm_dahdi_hook_op(TDM_SIG_FXO, TDM_CMD_ANSWER),
			 -EINVAL);
}

static void test_dahdi_law_conversion(void **state)
{
	static const int16_t in[TDM_CHUNK] = {
		0, 1000, -1000, 32767, -32768, 8, -8, 12345 };
	int16_t out[TDM_CHUNK];
	uint8_t buf[2 * TDM_CHUNK];

	(void)state;
	assert_int_equal(tdm_dahdi_chunk_bytes(TDM_DAHDI_LINEAR), 16);
	assert_int_equal(tdm_dahdi_chunk_bytes(TDM_DAHDI_ULAW), 8);
	assert_int_equal(tdm_dahdi_chunk_bytes(TDM_DAHDI_ALAW), 8);
	tdm_dahdi_encode(TDM_DAHDI_LINEAR, in, buf);
	tdm_dahdi_decode(TDM_DAHDI_LINEAR, buf, out);
	assert_memory_equal(in, out, sizeof(in));
	for (int law = TDM_DAHDI_ULAW; law <= TDM_DAHDI_ALAW; law++) {
		tdm_dahdi_encode((enum tdm_dahdi_law)law, in, buf);
		tdm_dahdi_decode((enum tdm_dahdi_law)law, buf, out);
		for (int k = 0; k < TDM_CHUNK; k++) {
			int d = abs(out[k] - in[k]);

			/* G.711 keeps about 1/16 of the magnitude */
			assert_true(d <= abs(in[k]) / 16 + 16);
		}
	}
	/* the codes for silence decode to (almost) nothing */
	buf[0] = 0xff;
	tdm_dahdi_decode(TDM_DAHDI_ULAW, buf, out);
	assert_int_equal(out[0], 0);
	buf[0] = 0xd5;
	tdm_dahdi_decode(TDM_DAHDI_ALAW, buf, out);
	assert_true(abs(out[0]) <= 8);
}

/* the read and write framing on a channel fd, with a pipe for the fd */
static void test_dahdi_chunk_framing_on_a_pipe(void **state)
{
	int16_t in[TDM_CHUNK] = { 1, 2, 3, 4, 5, 6, 7, 8 }, out[TDM_CHUNK];
	int p[2];
	unsigned n, total = 0;

	(void)state;
	assert_int_equal(pipe2(p, O_NONBLOCK), 0);
	assert_int_equal(tdm_dahdi_chunk_read(p[0], TDM_DAHDI_LINEAR, out), 0);
	for (int k = 0; k < TDM_CHUNK; k++)
		assert_int_equal(out[k], 0);
	assert_int_equal(tdm_dahdi_chunk_write(p[1], TDM_DAHDI_LINEAR, in),
			 TDM_CHUNK);
	assert_int_equal(tdm_dahdi_chunk_read(p[0], TDM_DAHDI_LINEAR, out),
			 TDM_CHUNK);
	assert_memory_equal(in, out, sizeof(in));
	/* a short block: what came, then silence */
	assert_int_equal(write(p[1], in, 6), 6);
	assert_int_equal(tdm_dahdi_chunk_read(p[0], TDM_DAHDI_LINEAR, out), 3);
	assert_int_equal(out[2], 3);
	assert_int_equal(out[3], 0);
	/* mu-law: one byte a sample */
	assert_int_equal(tdm_dahdi_chunk_write(p[1], TDM_DAHDI_ULAW, in),
			 TDM_CHUNK);
	assert_int_equal(tdm_dahdi_chunk_read(p[0], TDM_DAHDI_ULAW, out),
			 TDM_CHUNK);
	assert_int_equal(out[7], 8);
	/* a channel that takes no more: 0 written, the caller's overrun */
	do {
		n = tdm_dahdi_chunk_write(p[1], TDM_DAHDI_LINEAR, in);
		total += n;
	} while (n == TDM_CHUNK && total < 1u << 24);
	assert_true(n < TDM_CHUNK);
	close(p[0]);
	close(p[1]);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static int open_dir(const char *dir, const char *lay)
{
	struct tdm_cfg cfg = { .kind = TDM_DAHDI, .fd = -1, .dev_dir = dir,
			       .layout = layout(lay) };
	struct tdm *t = NULL;
	int fds = count_fds(), err;

	err = tdm_open(&t, &cfg);
	assert_null(t);
	assert_int_equal(count_fds(), fds);	/* nothing left open */
	return err;
}

static void test_dahdi_open_fails_cleanly_without_device(void **state)
{
	char dir[] = "/tmp/test_dahdi.XXXXXX", path[64];
	int fd;

	(void)state;
	/* this kernel has no DAHDI module: the default directory is absent */
	if (access("/dev/dahdi", F_OK))
		assert_int_equal(open_dir(NULL, "fxs:2"), -ENODEV);
	assert_int_equal(open_dir("/nonexistent/dahdi", "fxs:2"), -ENODEV);
	assert_int_equal(open_dir("/etc/hostname", "fxs:2"), -ENODEV);
	assert_non_null(mkdtemp(dir));
	/* an empty directory: no channel device */
	assert_int_equal(open_dir(dir, "fxs:2,e1:30"), -ENODEV);
	/* plain files where the devices should be: DAHDI_SPECIFY fails */
	snprintf(path, sizeof(path), "%s/channel", dir);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/timer", dir);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(open_dir(dir, "fxs:2,fxo:2,e1:30"), -ENODEV);
	/* a FIFO opens without blocking, and is no DAHDI device either */
	snprintf(path, sizeof(path), "%s/channel", dir);
	unlink(path);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(open_dir(dir, "fxo:1"), -ENODEV);
	unlink(path);
	snprintf(path, sizeof(path), "%s/timer", dir);
	unlink(path);
	rmdir(dir);
}

static void test_dahdi_open_refuses_bad_layout(void **state)
{
	struct tdm_cfg cfg = { .kind = TDM_DAHDI, .dev_dir = "/tmp" };
	struct tdm *t = NULL;

	(void)state;
	assert_int_equal(tdm_open(&t, &cfg), -EINVAL);	/* no spans */
	cfg.layout.nspans = 1;
	cfg.layout.span[0].sig = TDM_SIG_E1;
	cfg.layout.span[0].nchans = 31;
	assert_int_equal(tdm_open(&t, &cfg), -EINVAL);
	assert_null(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dahdi_channel_numbers),
		cmocka_unit_test(test_dahdi_event_mapping),
		cmocka_unit_test(test_dahdi_hook_operations),
		cmocka_unit_test(test_dahdi_law_conversion),
		cmocka_unit_test(test_dahdi_chunk_framing_on_a_pipe),
		cmocka_unit_test(test_dahdi_open_fails_cleanly_without_device),
		cmocka_unit_test(test_dahdi_open_refuses_bad_layout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: MIT
/** @file test_msg.c  Channel 4 messages and Linux-side serialization */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "hal/tdm.h"
#include "sharednet/bus.h"
#include "sharednet/msg.h"

static struct gwmsg rtp_open(void)
{
	struct gwmsg m;

	msg_init(&m, MSG_CHAN_OPEN, 7);
	m.u.open.a.kind = MSG_LEG_TDM;
	m.u.open.a.span = 1;
	m.u.open.a.line = 3;
	m.u.open.b.kind = MSG_LEG_RTP;
	m.u.open.b.ptime_ms = 20;
	m.u.open.b.local_port = 16384;
	m.u.open.b.remote_port = 40000;
	m.u.open.b.remote_ip = 0x140012c6;
	m.u.open.b.dtmf_pt = 101;
	return m;
}

static void test_msg_good_open_passes(void **state)
{
	struct gwmsg m = rtp_open(), out;

	(void)state;
	assert_int_equal(msg_check(&m, MSG_SIZE, &out), 0);
	assert_int_equal(out.u.open.b.local_port, 16384);
	assert_string_equal(msg_type_name(MSG_CHAN_OPEN), "chan-open");
	assert_string_equal(msg_type_name(9999), "?");
}

static void test_msg_bad_fields_refused(void **state)
{
	struct gwmsg m, out;

	(void)state;
	m = rtp_open();
	assert_int_equal(msg_check(&m, MSG_SIZE - 1, &out), -EPROTO);
	m.h.version = MSG_VERSION + 1;
	assert_int_equal(msg_check(&m, MSG_SIZE, &out), -EPROTO);
	m = rtp_open();
	m.h.type = 55;
	assert_int_equal(msg_check(&m, MSG_SIZE, &out), -EBADMSG);
	m = rtp_open();
	m.u.open.b.local_port = 16385;		/* RTP ports are even */
	assert_int_equal(msg_check(&m, MSG_SIZE, &out), -EBADMSG);
	m = rtp_open();
	m.u.open.b.srtp = 2;			/* the last SRTP suite */
	assert_int_equal(msg_check(&m, MSG_SIZE, &out), 0);
	m.u.open.b.srtp = 3;
	assert_int_equal(msg_check(&m, MSG_SIZE, &out), -EBADMSG);
	m = rtp_open();
	m.u.open.b.ptime_ms = 25;
	assert_int_equal(msg_check(&m, MSG_SIZE, &out), -EBADMSG);
	m = rtp_open();
	m.u.open.a.span = 200;
	assert_int_equal(msg_check(&m, MSG_SIZE, &out), -EBADMSG);
	m = rtp_open();
	m.u.open.b.kind = MSG_LEG_T38;		/* the RTP leg's fields hold */
	assert_int_equal(msg_check(&m, MSG_SIZE, &out), 0);
	m.u.open.b.redundancy = 5;		/* UDPTL carries 4 at most */
	assert_int_equal(msg_check(&m, MSG_SIZE, &out), -EBADMSG);
	m.u.open.b.redundancy = 4;
	m.u.open.b.remote_ip = 0;		/* T.38 needs the far end */
	assert_int_equal(msg_check(&m, MSG_SIZE, &out), -EBADMSG);
	m = rtp_open();
	m.u.open.a.kind = 9;
	assert_int_equal(msg_check(&m, MSG_SIZE, &out), -EBADMSG);
	m = rtp_open();
	m.h.chan = 0;
	assert_int_equal(msg_check(&m, MSG_SIZE, &out), -EBADMSG);
	msg_init(&m, MSG_CHAN_DTMF, 7);
	m.u.dtmf.digit = 'x';
	assert_int_equal(msg_check(&m, MSG_SIZE, &out), -EBADMSG);
	m.u.dtmf.digit = '#';
	assert_int_equal(msg_check(&m, MSG_SIZE, &out), 0);
	msg_init(&m, MSG_CHAN_TONE, 7);
	memcpy(m.u.tone.country, "usaa", 4);	/* not terminated */
	assert_int_equal(msg_check(&m, MSG_SIZE, &out), -EBADMSG);
	m = rtp_open();
	m.u.open.a.vbd_detect = 2;
	assert_int_equal(msg_check(&m, MSG_SIZE, &out), -EBADMSG);
	m = rtp_open();
	m.u.open.b.vad = 1;
	assert_int_equal(msg_check(&m, MSG_SIZE, &out), 0);
	m.u.open.b.vad = 2;
	assert_int_equal(msg_check(&m, MSG_SIZE, &out), -EBADMSG);
	m = rtp_open();
	m.u.open.b.codec = MSG_CODECS - 1;	/* the last codec (G.729) */
	assert_int_equal(msg_check(&m, MSG_SIZE, &out), 0);
	m.u.open.b.codec = MSG_CODECS;
	assert_int_equal(msg_check(&m, MSG_SIZE, &out), -EBADMSG);
	m = rtp_open();
	m.u.open.b.latch = 1;
	assert_int_equal(msg_check(&m, MSG_SIZE, &out), 0);
	m.u.open.b.latch = 2;
	assert_int_equal(msg_check(&m, MSG_SIZE, &out), -EBADMSG);
	/* an answer tone: a known one, on leg a or b, one way or the other */
	msg_init(&m, MSG_VBD_EVENT, 7);
	m.u.vbd.tone = MSG_VBD_ANS_PR;
	m.u.vbd.leg = 1;
	m.u.vbd.to_line = 1;
	assert_int_equal(msg_check(&m, MSG_SIZE, &out), 0);
	assert_string_equal(msg_type_name(MSG_VBD_EVENT), "vbd-event");
	m.u.vbd.tone = 0;
	assert_int_equal(msg_check(&m, MSG_SIZE, &out), -EBADMSG);
	m.u.vbd.tone = MSG_VBD_ANS_PR + 1;
	assert_int_equal(msg_check(&m, MSG_SIZE, &out), -EBADMSG);
	m.u.vbd.tone = MSG_VBD_ANS;
	m.u.vbd.to_line = 2;
	assert_int_equal(msg_check(&m, MSG_SIZE, &out), -EBADMSG);
	m.u.vbd.to_line = 0;
	m.u.vbd.leg = 2;
	assert_int_equal(msg_check(&m, MSG_SIZE, &out), -EBADMSG);
	m.u.vbd.leg = 0;
	m.h.chan = 0;
	assert_int_equal(msg_check(&m, MSG_SIZE, &out), -EBADMSG);
}

/* the card's limits (hal/tdm.h): the last span and line pass, one past
 * either is refused, in a channel's TDM leg and in line messages */
static void test_msg_tdm_limits(void **state)
{
	static const enum msg_type lines[] = { MSG_LINE_CMD, MSG_LINE_TONE,
					       MSG_LINE_EVENT };
	struct gwmsg m, out;

	(void)state;
	m = rtp_open();
	m.u.open.a.span = TDM_MAX_SPANS - 1;
	m.u.open.a.line = TDM_MAX_CHANS - 1;
	assert_int_equal(msg_check(&m, MSG_SIZE, &out), 0);
	assert_int_equal(out.u.open.a.span, 63);
	assert_int_equal(out.u.open.a.line, 31);
	m.u.open.a.span = TDM_MAX_SPANS;
	assert_int_equal(msg_check(&m, MSG_SIZE, &out), -EBADMSG);
	m.u.open.a.span = TDM_MAX_SPANS - 1;
	m.u.open.a.line = TDM_MAX_CHANS;
	assert_int_equal(msg_check(&m, MSG_SIZE, &out), -EBADMSG);
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		msg_init(&m, lines[i], 0);
		m.u.line.span = TDM_MAX_SPANS - 1;
		m.u.line.line = TDM_MAX_CHANS - 1;
		assert_int_equal(msg_check(&m, MSG_SIZE, &out), 0);
		m.u.line.span = TDM_MAX_SPANS;
		assert_int_equal(msg_check(&m, MSG_SIZE, &out), -EBADMSG);
		m.u.line.span = 0;
		m.u.line.line = TDM_MAX_CHANS;
		assert_int_equal(msg_check(&m, MSG_SIZE, &out), -EBADMSG);
	}
	/* a line's tone: one of enum msg_tone */
	msg_init(&m, MSG_LINE_TONE, 0);
	m.u.line.what = MSG_TONE_CONGESTION;
	assert_int_equal(msg_check(&m, MSG_SIZE, &out), 0);
	assert_int_equal(out.u.line.what, MSG_TONE_CONGESTION);
	m.u.line.what = MSG_TONE_CONGESTION + 1;
	assert_int_equal(msg_check(&m, MSG_SIZE, &out), -EBADMSG);
	assert_string_equal(msg_type_name(MSG_LINE_TONE), "line-tone");
}

static void test_msg_linux_send_recv_and_dead_holder(void **state)
{
	struct bus_cfg cfg;
	struct bus *a, *b;
	struct gwmsg m = rtp_open(), got;
	char err[160], buf[MSG_SIZE];
	pid_t pid;
	int status;

	(void)state;
	bus_cfg_default(&cfg);
	assert_int_equal(bus_create(&a, &cfg), 0);
	assert_int_equal(bus_attach(&b, bus_memfd(a), NULL, BUS_SIDE_RT, err,
				    sizeof(err)), 0);
	/* a Linux producer dies holding the send lock */
	pid = fork();
	if (pid == 0) {
		struct bus_shm_hdr *h = bus_region(a, NULL);
		struct bus_locks *l = (struct bus_locks *)
			((uint8_t *)h + h->locks_off);

		pthread_mutex_lock(&l->send[BUS_CH_MSG_DOWN]);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	/* the next producer still gets through */
	memset(buf, 0, sizeof(buf));
	memcpy(buf, &m, sizeof(m));
	assert_int_equal(bus_linux_send(a, BUS_CH_MSG_DOWN, buf, MSG_SIZE), 0);
	assert_int_equal(ring_pop(bus_ring(b, BUS_CH_MSG_DOWN), buf,
				  sizeof(buf)), MSG_SIZE);
	assert_int_equal(msg_check(buf, MSG_SIZE, &got), 0);
	assert_int_equal(got.h.chan, 7);
	/* and Linux consumers of msg-up */
	assert_int_equal(ring_push(bus_ring(b, BUS_CH_MSG_UP), buf, MSG_SIZE),
			 0);
	assert_int_equal(bus_linux_recv(a, BUS_CH_MSG_UP, buf, sizeof(buf)),
			 MSG_SIZE);
	assert_int_equal(bus_linux_recv(a, BUS_CH_MSG_UP, buf, sizeof(buf)),
			 -EAGAIN);
	bus_detach(b);
	bus_detach(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_msg_good_open_passes),
		cmocka_unit_test(test_msg_bad_fields_refused),
		cmocka_unit_test(test_msg_tdm_limits),
		cmocka_unit_test(test_msg_linux_send_recv_and_dead_holder),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

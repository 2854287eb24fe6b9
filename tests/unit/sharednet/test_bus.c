// SPDX-License-Identifier: MIT
/** @file test_bus.c  Proxy bus region: create, check, attach, hand over */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "sharednet/bus.h"

static struct bus *make_bus(void)
{
	struct bus_cfg cfg;
	struct bus *b = NULL;

	bus_cfg_default(&cfg);
	assert_int_equal(bus_create(&b, &cfg), 0);
	return b;
}

static struct bus_shm_hdr *hdr_of(struct bus *b)
{
	return bus_region(b, NULL);
}

static int attach(struct bus *b, struct bus **out, char *err, size_t len)
{
	return bus_attach(out, bus_memfd(b), NULL, BUS_SIDE_LINUX, err, len);
}

static void test_bus_create_rejects_bad_sizes(void **state)
{
	struct bus_cfg cfg;
	struct bus *b;

	(void)state;
	bus_cfg_default(&cfg);
	cfg.ring_bytes[BUS_CH_NETCFG] = 5000;		/* not a power of 2 */
	assert_int_equal(bus_create(&b, &cfg), -EINVAL);
	bus_cfg_default(&cfg);
	cfg.ring_bytes[BUS_CH_FRAMES_UP] = 16384;	/* < 2 jumbo frames */
	assert_int_equal(bus_create(&b, &cfg), -EINVAL);
}

static void test_bus_attach_sees_same_rings(void **state)
{
	struct bus *a = make_bus(), *b;
	char err[160], out[16];

	(void)state;
	assert_int_equal(attach(a, &b, err, sizeof(err)), 0);
	for (int ch = 0; ch < BUS_NCHAN; ch++) {
		char msg[16];

		snprintf(msg, sizeof(msg), "ch%d", ch);
		assert_int_equal(ring_push(bus_ring(a, ch), msg, 4), 0);
		assert_int_equal(ring_pop(bus_ring(b, ch), out, sizeof(out)),
				 4);
		assert_memory_equal(out, msg, 4);
	}
	assert_string_equal(bus_chan_name(BUS_CH_FRAMES_UP), "frames-up");
	assert_int_equal(bus_chan_producer(BUS_CH_FRAMES_UP), BUS_SIDE_RT);
	assert_int_equal(bus_chan_producer(BUS_CH_NETCFG), BUS_SIDE_LINUX);
	bus_detach(b);
	bus_detach(a);
}

static void test_bus_attach_refuses_other_version(void **state)
{
	struct bus *a = make_bus(), *b = NULL;
	char err[160];

	(void)state;
	hdr_of(a)->version = BUS_VERSION + 1;
	assert_int_equal(attach(a, &b, err, sizeof(err)), -EPROTO);
	assert_null(b);
	assert_non_null(strstr(err, "version 2"));
	assert_non_null(strstr(err, "speaks version 1"));
	hdr_of(a)->version = BUS_VERSION;
	hdr_of(a)->magic = 0x12345678;
	assert_int_equal(attach(a, &b, err, sizeof(err)), -EPROTO);
	assert_non_null(strstr(err, "not a proxy bus"));
	bus_detach(a);
}

static void test_bus_attach_refuses_corrupt_indices(void **state)
{
	struct bus *a = make_bus(), *b = NULL;
	struct ring_shm *shm;
	char err[160];

	(void)state;
	shm = (struct ring_shm *)((uint8_t *)hdr_of(a) +
				  hdr_of(a)->chan[BUS_CH_MSG_UP].ctl_off);
	atomic_store(&shm->head, 10ull << 30);
	assert_int_equal(attach(a, &b, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "msg-up"));
	assert_non_null(strstr(err, "apart"));
	bus_detach(a);
}

static void test_bus_attach_refuses_bad_layout(void **state)
{
	struct bus *a = make_bus(), *b = NULL;
	struct bus_shm_hdr *h;
	struct bus_chan_desc save;
	char err[160];

	(void)state;
	h = hdr_of(a);
	save = h->chan[BUS_CH_NETCFG];
	h->chan[BUS_CH_NETCFG].data_off = h->chan[BUS_CH_FRAMES_UP].data_off;
	assert_int_equal(attach(a, &b, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "overlap"));
	h->chan[BUS_CH_NETCFG] = save;
	h->chan[BUS_CH_NETCFG].data_size = 1ull << 40;
	assert_int_equal(attach(a, &b, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "does not fit"));
	h->chan[BUS_CH_NETCFG] = save;
	h->chan[BUS_CH_NETCFG].max_record = 1u << 20;
	assert_int_equal(attach(a, &b, err, sizeof(err)), -EBADMSG);
	h->chan[BUS_CH_NETCFG] = save;
	h->region_size += 4096;
	assert_int_equal(attach(a, &b, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "header says"));
	bus_detach(a);
}

static void test_bus_check_small_region(void **state)
{
	char region[16] = { 0 }, why[128];

	(void)state;
	assert_int_equal(bus_check(region, sizeof(region), why, sizeof(why)),
			 -EBADMSG);
	assert_non_null(strstr(why, "smaller"));
}

static void test_bus_env_round_trip(void **state)
{
	struct bus *a = make_bus(), *b = NULL;
	char env[128], err[160], bad[160];
	int fds[BUS_NCHAN + 1];

	(void)state;
	/* dup the fds: the attached handle owns (and closes) what it gets */
	fds[0] = dup(bus_memfd(a));
	for (int i = 0; i < BUS_NCHAN; i++)
		fds[i + 1] = dup(bus_event_fd(a, i));
	snprintf(env, sizeof(env), "%d,%d,%d,%d,%d,%d", fds[0], fds[1], fds[2],
		 fds[3], fds[4], fds[5]);
	setenv(BUS_ENV, env, 1);
	assert_int_equal(bus_attach_env(&b, BUS_SIDE_LINUX, err, sizeof(err)),
			 0);
	assert_int_equal(bus_event_fd(b, BUS_CH_MSG_UP), fds[4]);
	assert_int_equal(ring_push(bus_ring(a, BUS_CH_MSG_UP), "hi", 2), 0);
	assert_int_equal(ring_pop(bus_ring(b, BUS_CH_MSG_UP), bad, 8), 2);
	bus_detach(b);
	assert_int_equal(fcntl(fds[0], F_GETFD), -1);	/* closed by detach */

	assert_int_equal(bus_env(a, env, sizeof(env)), 0);
	assert_int_equal(bus_env(a, env, 4), -ENOSPC);
	setenv(BUS_ENV, "3,4,5", 1);
	assert_int_equal(bus_attach_env(&b, BUS_SIDE_LINUX, bad, sizeof(bad)),
			 -EINVAL);
	assert_non_null(strstr(bad, "expected 6"));
	setenv(BUS_ENV, "1000,1001,1002,1003,1004,1005", 1);	/* not open */
	assert_int_equal(bus_attach_env(&b, BUS_SIDE_LINUX, bad, sizeof(bad)),
			 -EINVAL);
	setenv(BUS_ENV, "x", 1);
	assert_int_equal(bus_attach_env(&b, BUS_SIDE_LINUX, bad, sizeof(bad)),
			 -EINVAL);
	unsetenv(BUS_ENV);
	assert_int_equal(bus_attach_env(&b, BUS_SIDE_LINUX, bad, sizeof(bad)),
			 -ENOENT);
	bus_detach(a);
}

/* A child process attaches from the inherited fds and produces on frames-up
 * (as the RT side does); the parent sleeps on the eventfd between bursts. */
static void test_bus_across_processes_with_wakeups(void **state)
{
	struct bus *a = make_bus();
	struct ring *cons = bus_ring(a, BUS_CH_FRAMES_UP);
	int wakeups = 0, status;
	uint32_t next = 0;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct bus *c;
		char err[160];
		int efd[BUS_NCHAN];

		for (int i = 0; i < BUS_NCHAN; i++)
			efd[i] = bus_event_fd(a, i);
		if (bus_attach(&c, bus_memfd(a), efd, BUS_SIDE_RT, err,
			       sizeof(err)))
			_exit(2);
		for (uint32_t i = 0; i < 10000; i++) {
			while (ring_push(bus_ring(c, BUS_CH_FRAMES_UP), &i,
					 sizeof(i)))
				usleep(100);
			if (i % 100 == 99) {
				ring_kick(bus_ring(c, BUS_CH_FRAMES_UP));
				usleep(200);
			}
		}
		ring_kick(bus_ring(c, BUS_CH_FRAMES_UP));
		_exit(0);
	}
	while (next < 10000) {
		uint32_t v;
		ssize_t n = ring_pop(cons, &v, sizeof(v));

		if (n == sizeof(v)) {
			assert_int_equal(v, next);
			next++;
			continue;
		}
		assert_int_equal(n, -EAGAIN);
		if (ring_sleep_prepare(cons)) {
			struct pollfd p = {
				.fd = bus_event_fd(a, BUS_CH_FRAMES_UP),
				.events = POLLIN,
			};

			assert_int_equal(poll(&p, 1, 5000), 1);
			ring_sleep_done(cons);
			wakeups++;
		}
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_true(wakeups > 0);
	bus_detach(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bus_create_rejects_bad_sizes),
		cmocka_unit_test(test_bus_attach_sees_same_rings),
		cmocka_unit_test(test_bus_attach_refuses_other_version),
		cmocka_unit_test(test_bus_attach_refuses_corrupt_indices),
		cmocka_unit_test(test_bus_attach_refuses_bad_layout),
		cmocka_unit_test(test_bus_check_small_region),
		cmocka_unit_test(test_bus_env_round_trip),
		cmocka_unit_test(test_bus_across_processes_with_wakeups),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

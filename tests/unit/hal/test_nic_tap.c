// SPDX-License-Identifier: MIT
/** @file test_nic_tap.c  TAP driver: frames both ways, kernel checksums,
 *  drops, device life cycle
 *
 * Each test forks a child that moves into a network namespace of its own
 * (unshare(CLONE_NEWNET)); the driver creates the TAP device tap0 there
 * and the test talks to it through an AF_PACKET socket on tap0 (the
 * kernel's side of the TAP) or through the kernel's UDP stack. The
 * namespace disappears with the child. IPv6 is off in it, so only the
 * test's frames cross the TAP. A failed check exits the child non-zero;
 * the parent asserts a clean exit (77: no privilege, skipped).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "hal/nic.h"
#include "hal/pkt.h"
#include "rtos-kernel/rtk.h"

#define NPKT		512
#define T0		1000000000ull
#define WAIT_MS		3000
#define TEST_TYPE	0x88b5

#define CHECK(c)							\
	do {								\
		if (!(c)) {						\
			fprintf(stderr, "# %s:%d: check failed: %s\n",	\
				__FILE__, __LINE__, #c);		\
			_exit(1);					\
		}							\
	} while (0)

#define CHECK_EQ(a, b)							\
	do {								\
		long long a_ = (long long)(a), b_ = (long long)(b);	\
		if (a_ != b_) {						\
			fprintf(stderr, "# %s:%d: %s is %lld, not %lld\n", \
				__FILE__, __LINE__, #a, a_, b_);	\
			_exit(1);					\
		}							\
	} while (0)

static void sh(const char *cmd)
{
	if (system(cmd)) {
		fprintf(stderr, "# command failed: %s\n", cmd);
		_exit(1);
	}
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	CHECK(f);
	CHECK(fputs(text, f) >= 0);
	CHECK(fclose(f) == 0);
}

static void in_netns(void (*fn)(void))
{
	pid_t pid;
	int st;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(60);
		if (unshare(CLONE_NEWNET)) {
			fprintf(stderr, "# unshare(CLONE_NEWNET): %s\n",
				strerror(errno));
			_exit(77);
		}
		fn();
		exit(0);	/* exit, not _exit: LeakSanitizer checks */
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 77)
		skip();
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static uint64_t ms_now(void)
{
	return rtk_now_ns() / 1000000;
}

/* --- the namespace: the driver on tap0, a peer socket on its kernel side */

static const uint8_t nic_mac[6] = { 0x02, 0x00, 0x5e, 0x00, 0x00, 0x01 };

static struct env {
	struct pkt_pool *pool;
	struct nic *n;
	int peer;
	uint8_t tap_mac[6];		/* the kernel side's MAC */
} env;

static struct nic *open_tap(struct pkt_pool *pool, uint32_t txq)
{
	struct nic_cfg c = {
		.kind = NIC_TAP, .ifname = "tap0", .fd = -1,
		.tx_queue = txq, .pool = pool,
	};
	struct nic *n = NULL;

	CHECK_EQ(nic_open(&n, &c), 0);
	return n;
}

static int if_flags(const char *ifname)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	CHECK(s >= 0);
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	CHECK(ioctl(s, SIOCGIFFLAGS, &ifr) == 0);
	close(s);
	return ifr.ifr_flags;
}

/* Make tap0 through the driver (RX packets from @p pool, or env.pool). */
static void tap_up(uint32_t txq, struct pkt_pool *pool)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
	};
	int one = 1, big = 32 << 20;
	struct ifreq ifr;

	memset(&env, 0, sizeof(env));
	write_file("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
	write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	CHECK(pkt_pool_create(&env.pool, "tap", NPKT) == 0);
	env.n = open_tap(pool ? pool : env.pool, txq);
	CHECK(if_flags("tap0") & IFF_UP);	/* the driver set it up */
	env.peer = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK,
			  htons(ETH_P_ALL));
	CHECK(env.peer >= 0);
	sll.sll_ifindex = (int)if_nametoindex("tap0");
	CHECK(sll.sll_ifindex > 0);
	CHECK(bind(env.peer, (struct sockaddr *)&sll, sizeof(sll)) == 0);
	CHECK(setsockopt(env.peer, SOL_SOCKET, SO_RCVBUFFORCE, &big,
			 sizeof(big)) == 0);
	CHECK(setsockopt(env.peer, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one,
			 sizeof(one)) == 0);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "tap0");
	CHECK(ioctl(env.peer, SIOCGIFHWADDR, &ifr) == 0);
	memcpy(env.tap_mac, ifr.ifr_hwaddr.sa_data, 6);
}

static void tap_down(void)
{
	env.n = nic_close(env.n);
	close(env.peer);
	CHECK_EQ(pkt_pool_free_count(env.pool), NPKT);
	env.pool = pkt_pool_destroy(env.pool);
}

/* --- test frames ---------------------------------------------------------- */

static size_t make_frame(uint8_t *f, const uint8_t *dst, const uint8_t *src,
			 size_t len, uint32_t seq)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = TEST_TYPE >> 8;
	f[13] = TEST_TYPE & 0xff;
	memcpy(f + 14, "NICT", 4);
	memcpy(f + 18, &seq, 4);
	for (size_t i = 22; i < len; i++)
		f[i] = (uint8_t)(seq ^ i);
	return len;
}

static bool is_test_frame(const uint8_t *f, size_t len)
{
	return len >= 22 && f[12] == (TEST_TYPE >> 8) &&
	       f[13] == (TEST_TYPE & 0xff) && !memcmp(f + 14, "NICT", 4);
}

static void check_frame(const uint8_t *f, size_t len, const uint8_t *dst,
			const uint8_t *src, size_t want_len, uint32_t seq)
{
	uint32_t got;

	CHECK_EQ(len, want_len);
	CHECK(!memcmp(f, dst, 6));
	CHECK(!memcmp(f + 6, src, 6));
	memcpy(&got, f + 18, 4);
	CHECK_EQ(got, seq);
	for (size_t i = 22; i < len; i++)
		CHECK_EQ(f[i], (uint8_t)(seq ^ i));
}

static size_t len_of(uint32_t seq)
{
	return seq % 3 == 0 ? 60 : seq % 3 == 1 ? 1514 : 333;
}

static void peer_send(uint32_t seq, size_t len)
{
	uint8_t f[1514];

	make_frame(f, nic_mac, env.tap_mac, len, seq);
	CHECK_EQ(send(env.peer, f, len, 0), (long long)len);
}

static void nic_send(uint32_t seq, size_t len)
{
	struct pkt *p = pkt_get(env.pool);

	CHECK(p);
	p->len = (uint16_t)make_frame(pkt_data(p), env.tap_mac, nic_mac, len,
				      seq);
	CHECK_EQ(nic_tx(env.n, p, T0), 0);
}

static size_t nic_collect(size_t want, uint32_t *next)
{
	struct pollfd pfd = { .fd = nic_fd(env.n), .events = POLLIN };
	uint64_t end = ms_now() + WAIT_MS;
	struct pkt *pk[32];
	size_t got = 0;

	while (got < want && ms_now() < end) {
		size_t k = nic_rx_burst(env.n, pk, 32);

		for (size_t i = 0; i < k; i++) {
			uint8_t *d = pkt_data(pk[i]);

			if (is_test_frame(d, pk[i]->len)) {
				check_frame(d, pk[i]->len, nic_mac,
					    env.tap_mac, len_of(*next), *next);
				(*next)++;
				got++;
			}
			pkt_free(pk[i]);
		}
		if (!k)
			poll(&pfd, 1, 10);
	}
	return got;
}

static size_t peer_collect(size_t want, uint32_t *next)
{
	struct pollfd pfd = { .fd = env.peer, .events = POLLIN };
	uint64_t end = ms_now() + WAIT_MS;
	static uint8_t f[65536];
	size_t got = 0;

	while (got < want && ms_now() < end) {
		ssize_t r = recv(env.peer, f, sizeof(f), 0);

		if (r < 0) {
			CHECK(errno == EAGAIN);
			poll(&pfd, 1, 10);
			continue;
		}
		if (!is_test_frame(f, (size_t)r))
			continue;
		check_frame(f, (size_t)r, env.tap_mac, nic_mac,
			    len_of(*next), *next);
		(*next)++;
		got++;
	}
	return got;
}

/* --- tests ---------------------------------------------------------------- */

static void both_ways(void)
{
	struct nic_stats st;
	uint32_t next = 0;
	size_t bytes = 0;

	tap_up(0, NULL);
	CHECK(nic_fd(env.n) >= 0);
	for (uint32_t i = 0; i < 6; i++) {
		peer_send(i, len_of(i));
		bytes += len_of(i);
	}
	CHECK_EQ(nic_collect(6, &next), 6);
	next = 0;
	for (uint32_t i = 0; i < 6; i++)
		nic_send(i, len_of(i));
	CHECK_EQ(nic_tx_flush(env.n, T0), 0);
	CHECK_EQ(peer_collect(6, &next), 6);
	nic_stats_get(env.n, &st);
	CHECK_EQ(st.rx_frames, 6);
	CHECK_EQ(st.rx_bytes, bytes);
	CHECK_EQ(st.rx_dropped, 0);
	CHECK_EQ(st.tx_frames, 6);
	CHECK_EQ(st.tx_bytes, bytes);
	CHECK_EQ(st.tx_dropped, 0);
	tap_down();
	/* the driver made the TAP: it goes away with the NIC */
	CHECK_EQ(if_nametoindex("tap0"), 0);
}

static void test_nic_tap_frames_go_both_ways(void **state)
{
	(void)state;
	in_netns(both_ways);
}

#define BURST 300

static void burst(void)
{
	struct nic_stats st;
	uint32_t next = 0;

	tap_up(32, NULL);
	for (uint32_t i = 0; i < BURST; i++)
		peer_send(i, len_of(i));
	CHECK_EQ(nic_collect(BURST, &next), BURST);
	next = 0;
	for (uint32_t i = 0; i < BURST; i++)
		nic_send(i, len_of(i));
	CHECK_EQ(nic_tx_flush(env.n, T0), 0);
	CHECK_EQ(peer_collect(BURST, &next), BURST);
	nic_stats_get(env.n, &st);
	CHECK_EQ(st.rx_frames, BURST);
	CHECK_EQ(st.tx_frames, BURST);
	CHECK_EQ(st.tx_dropped + st.rx_dropped, 0);
	CHECK_EQ(st.tx_queue_hw, 32);
	tap_down();
}

static void test_nic_tap_burst_both_ways(void **state)
{
	(void)state;
	in_netns(burst);
}

static uint32_t sum16(uint32_t s, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static void kernel_udp(void)
{
	struct sockaddr_in dst = { .sin_family = AF_INET,
				   .sin_port = htons(9999) };
	struct pollfd pfd;
	struct pkt *pk[8];
	uint8_t payload[101];
	bool found = false;
	uint64_t end;
	char cmd[160];
	int s;

	tap_up(0, NULL);
	sh("ip addr add 198.18.0.1/24 dev tap0");
	snprintf(cmd, sizeof(cmd), "ip neigh replace 198.18.0.2 lladdr "
		 "02:00:5e:00:00:01 dev tap0 nud permanent");
	sh(cmd);
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 3 + 1);
	s = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(s >= 0);
	CHECK(inet_pton(AF_INET, "198.18.0.2", &dst.sin_addr) == 1);
	CHECK_EQ(sendto(s, payload, sizeof(payload), 0,
			(struct sockaddr *)&dst, sizeof(dst)), sizeof(payload));
	close(s);
	pfd.fd = nic_fd(env.n);
	pfd.events = POLLIN;
	for (end = ms_now() + WAIT_MS; !found && ms_now() < end;) {
		size_t k = nic_rx_burst(env.n, pk, 8);

		for (size_t i = 0; i < k; i++) {
			const uint8_t *f = pkt_data(pk[i]), *ip = f + 14;
			size_t l4len;
			uint32_t sum;

			if (pk[i]->len < 42 || f[12] != 0x08 || f[13] ||
			    ip[9] != 17) {
				pkt_free(pk[i]);
				continue;
			}
			/* no offload negotiated: the kernel finished it */
			l4len = (size_t)(ip[2] << 8 | ip[3]) - 20;
			CHECK_EQ(l4len, 8 + sizeof(payload));
			sum = sum16(0, ip + 12, 8) + 17 + (uint32_t)l4len;
			CHECK_EQ(fold(sum16(sum, ip + 20, l4len)), 0xffff);
			CHECK(!memcmp(ip + 28, payload, sizeof(payload)));
			found = true;
			pkt_free(pk[i]);
		}
		if (!k)
			poll(&pfd, 1, 10);
	}
	CHECK(found);
	tap_down();
}

static void test_nic_tap_kernel_udp_has_complete_checksum(void **state)
{
	(void)state;
	in_netns(kernel_udp);
}

static void pool_empty(void)
{
	struct pkt_pool *small = NULL;
	struct pkt *keep[16], *pk[4];
	struct nic_stats st;
	uint32_t next = 8;
	size_t k = 0;
	uint64_t end;

	CHECK(pkt_pool_create(&small, "small", 3) == 0);
	tap_up(0, small);
	for (uint32_t i = 0; i < 8; i++)
		peer_send(i, 60);
	usleep(10000);
	/* frames beyond the pool are read and dropped, not left behind */
	for (end = ms_now() + WAIT_MS; k < 3 && ms_now() < end; usleep(1000))
		k += nic_rx_burst(env.n, keep + k, 16 - k);
	CHECK_EQ(k, 3);
	CHECK_EQ(nic_rx_burst(env.n, pk, 4), 0);
	nic_stats_get(env.n, &st);
	CHECK_EQ(st.rx_frames, 3);
	CHECK_EQ(st.rx_dropped, 5);
	for (size_t i = 0; i < k; i++)
		pkt_free(keep[i]);
	/* with packets back, frames flow again */
	peer_send(8, len_of(8));
	CHECK_EQ(nic_collect(1, &next), 1);
	tap_down();
	CHECK_EQ(pkt_pool_free_count(small), 3);
	pkt_pool_destroy(small);
}

static void test_nic_tap_pool_empty_drops(void **state)
{
	(void)state;
	in_netns(pool_empty);
}

static void busy(void)
{
	struct nic_cfg c = {
		.kind = NIC_TAP, .ifname = "tap0", .fd = -1,
	};
	struct nic *n = NULL;

	tap_up(0, NULL);
	c.pool = env.pool;
	/* one queue per TAP: a second open of the same device fails */
	CHECK_EQ(nic_open(&n, &c), -EBUSY);
	CHECK(!n);
	tap_down();
}

static void test_nic_tap_second_open_is_refused(void **state)
{
	(void)state;
	in_netns(busy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nic_tap_frames_go_both_ways),
		cmocka_unit_test(test_nic_tap_burst_both_ways),
		cmocka_unit_test(test_nic_tap_kernel_udp_has_complete_checksum),
		cmocka_unit_test(test_nic_tap_pool_empty_drops),
		cmocka_unit_test(test_nic_tap_second_open_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
